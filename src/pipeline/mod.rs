//! The simulated training pipeline: when arms are retrained and what each run logged.
//!
//! The pipeline fits every arm on the warm-up log at day 0 (model version 1,
//! [`initial_version`]) and
//! then, every `pipeline.retrain_every_hours`, runs again (the plan's continuous
//! learning, step 5). Each run is a [`ModelUpdateLog`] entry in the report.
//!
//! - Without `pipeline.gate`, a run warm-starts every arm with the interactions since
//!   the previous run and the new version is deployed at once.
//! - With it, a run is a [`training_run::gated_run`]: data preparation
//!   ([`split`]), a candidate trained from scratch, its offline evaluation against
//!   the deployed version ([`version_eval`]) and the deployment gate ([`gate`]);
//!   with `pipeline.gate.search`, a hyper-parameter search on a validation set
//!   ([`search`]) chooses the candidate's settings first.
//!
//! [`faults`] injects the faults of `pipeline.faults` into chosen runs and fails
//! runs over `pipeline.work_budget`; a failed run leaves the deployed version alone.
//!
//! With `pipeline.rollout`, a passed version is rolled out in stages and watched
//! online, and rolled back when it degrades ([`rollout`]).
//!
//! With `pipeline.alerts`, [`alerts`] reads the finished run for the plan's
//! monitoring alerts.
//!
//! Before day 0, [`offline_table`] trains every arm kind on a held-out split and
//! writes the offline table.

pub mod alerts;
pub mod faults;
pub mod gate;
pub mod initial_version;
pub mod offline_table;
pub mod retrain_variance;
pub mod rollout;
mod schedule;
pub mod search;
pub mod split;
pub mod training_run;
pub mod version_eval;
pub mod warm_start;

pub use initial_version::{InitialVersion, fit_initial_version};
pub use schedule::{
    ModelUpdateLog, RetrainSchedule, SnapshotKind, SnapshotSchedule, UpdateDecision,
};
pub use training_run::{GateData, RunResult, VersionEvaluation, fit_candidate, gated_run};
