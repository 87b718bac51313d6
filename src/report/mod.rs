//! Report files. Everything here writes; nothing computes a metric.
//!
//! A report folder holds:
//!
//! | file | contents |
//! | --- | --- |
//! | `scenario.ron` | the resolved scenario (defaults filled in); `recolab run` on it reproduces the report |
//! | `summary.json` | [`RunSummary`](crate::run::RunSummary): engagement, exposure, per variant, segment and arm |
//! | `summary.md` | the same, as tables for people |
//! | `timeseries.csv` | one row per time bucket |
//! | `offline.json` | [`OfflineTable`](crate::pipeline::offline_table::OfflineTable): every arm's held-out accuracy, Gini, coverage, novelty, long-tail share and true expected utility (unless `report.offline_users: 0`) |
//! | `model_updates.json` | the training runs ([`ModelUpdateLog`](crate::pipeline::ModelUpdateLog)) |
//! | `alerts.json` | with `pipeline.alerts`: the monitoring alerts ([`Alert`](crate::pipeline::alerts::Alert)) |
//! | `eval/eval.json`, `eval/eval.md` | `recolab eval`: [`OfflineEvaluation`](crate::eval::OfflineEvaluation) per arm, mean and 95% interval over folds |
//! | `events.jsonl` | with `report.event_log: true`: a header line, then one `RecommendationEvent` per line |
//! | `regret.json`, `regret.md`, `regret.csv`, `regret.svg` | with `report.regret: true`: exact regret per policy slot, per context and over time |
//! | `aa.json`, `aa.md` | `recolab aa`: [`AaReport`](crate::sweep::AaReport), false-positive rates of an A/A series |
//! | `ope.json`, `ope.md` | `recolab ope`: [`OpeReport`](crate::ope::OpeReport), off-policy estimates of target policies beside their truths |
//! | `power.json`, `power.md` | `recolab power`: [`PowerReport`](crate::sweep::PowerReport), power, bias and coverage against the truth |
//! | `bandit_state.json` | when a policy learns: its posteriors ([`crate::bandit::state`]) |
//! | `bandit_snapshots.json` | with `pipeline.bandit_snapshot_every_hours`: every slot's bandit state at each snapshot time, each a whole `bandit_state.json` |
//! | `metric_snapshots.json` | with `pipeline.metric_snapshot_every_hours`: the run's metrics so far at each snapshot time ([`MetricSnapshot`](crate::sim::MetricSnapshot)) |
//! | `experiments.json`, `experiments.md` | with experiments: [`ExperimentsReport`](crate::experiment::ExperimentsReport) — sample ratio, verdicts, every metric with intervals, truth, stopping rule, guardrails, power, breakdowns, scorecard (also the end of `summary.md`) |
//!
//! Files are written to a temporary sibling folder that is renamed into place at the
//! end ([`ReportDir`]), so a failed run never leaves a half-written report.

pub mod analytics;
mod charts;
mod compare;
mod dashboard;
mod dir;
mod eval;
mod events;
mod experiments;
mod files;
mod markdown;
mod ope;
pub mod plot;
mod regret;
mod snapshots;
mod sweep;
mod timeseries;
mod trials;

pub use charts::{PLOTS_DIR, Plot, lorenz, run_plots};
pub use compare::{compare_markdown, write_compare};
pub use dashboard::{DashboardScorecard, ScorecardRow, dashboard_html, plan_scorecard};
pub use dir::{ReportDir, write_file_atomically};
pub use eval::{HEADLINE_METRICS, eval_markdown, interval_cell, write_eval};
pub use events::EventLog;
pub use experiments::{experiments_markdown, sig};
pub use files::write_run;
pub use ope::{ope_markdown, write_ope};
pub use regret::write_regret;
pub use snapshots::{
    BANDIT_SNAPSHOTS_FILE, BANDIT_SNAPSHOTS_FORMAT, METRIC_SNAPSHOTS_FILE, METRIC_SNAPSHOTS_FORMAT,
    write_snapshots,
};
pub use sweep::{sweep_markdown, write_shard, write_sweep};
pub use timeseries::{TimeRow, Timeseries};

/// Name of the dashboard file.
pub const DASHBOARD_FILE: &str = "index.html";
pub use trials::{aa_markdown, power_markdown, write_aa, write_power};

/// Name of the event-log file.
pub const EVENTS_FILE: &str = "events.jsonl";
/// The monitoring alerts of a run with `pipeline.alerts`.
pub const ALERTS_FILE: &str = "alerts.json";
