//! Monitoring alerts (`pipeline.alerts`): the plan's "Monitoring & Alerts", each with
//! the simulated time it fired.
//!
//! Read after the replay from the time series (one row per
//! `report.timeseries_bucket_hours`), the training runs and the experiments'
//! verdicts. A condition on the time series fires at the end of the first bucket in
//! which it holds and again only after a bucket in which it did not (one alert per
//! episode, not one per bucket); buckets with too little data to judge
//! (`min_ratings`, `min_selections`) neither fire nor end an episode.
//!
//! | kind | fires when |
//! | --- | --- |
//! | `diversity_drop` | a bucket's long-tail share of impressions is below the baseline less `long_tail_margin` (relative); baseline = `long_tail_baseline`, or the share over the run's first 24 simulated hours |
//! | `quality_degradation` | a bucket's mean rating of clicked movies is below `min_clicked_rating` |
//! | `bandit_imbalance` | one arm has more than `max_arm_share` of a bucket's selections |
//! | `training` | a training run was rejected with a watched metric worse by more than `max_offline_drop` |
//! | `rollout_stage` | a staged rollout began a stage, or completed (`pipeline.rollout`) |
//! | `rollback` | a rolled-out version degraded online beyond the rollback threshold |
//! | `experiment_decision` | an experiment's treatment got a decision (ship, worse, guardrail failed): at the look its stopping rule stopped at, else at the horizon |

use serde::{Deserialize, Serialize};

use crate::experiment::{ExperimentsReport, Verdict};
use crate::interaction::{SECS_PER_DAY, SECS_PER_HOUR, SimSecs};
use crate::scenario::spec::AlertSpec;

use super::schedule::{ModelUpdateLog, UpdateDecision};

/// What an alert is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// Long-tail share of impressions below the baseline.
    DiversityDrop,
    /// Mean rating of clicked movies below the threshold.
    QualityDegradation,
    /// One arm dominates the selections.
    BanditImbalance,
    /// A training run failed the gate by more than the alert's margin.
    Training,
    /// An experiment reached a decision.
    ExperimentDecision,
    /// A training job failed (`pipeline.faults`, `pipeline.work_budget`).
    TrainingFailure,
    /// A staged rollout (`pipeline.rollout`) began a stage or completed.
    RolloutStage,
    /// A rolled-out version degraded online and was rolled back.
    Rollback,
}

/// One alert.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// Simulated time it fired.
    pub time_secs: SimSecs,
    /// What it is about.
    pub kind: AlertKind,
    /// The observed value (share, stars, relative change; `None` for experiments).
    pub value: Option<f64>,
    /// The threshold it crossed.
    pub threshold: Option<f64>,
    /// In words.
    pub message: String,
}

/// Edge detection over buckets: `Some(true)` = condition holds, `Some(false)` = it
/// does not, `None` = not enough data (the episode neither starts nor ends).
fn episodes(conditions: impl Iterator<Item = Option<bool>>) -> impl Iterator<Item = (usize, bool)> {
    let mut active = false;
    conditions.enumerate().filter_map(move |(b, c)| {
        let fired = match c {
            Some(true) if !active => {
                active = true;
                true
            }
            Some(false) => {
                active = false;
                false
            }
            _ => false,
        };
        fired.then_some((b, true))
    })
}

/// The counts of one time-series bucket the alerts read.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BucketCounts<'a> {
    /// Slots shown.
    pub impressions: u64,
    /// Slots holding long-tail movies.
    pub long_tail_impressions: u64,
    /// Ratings given (each to a clicked movie).
    pub ratings: u64,
    /// Their sum of stars.
    pub rating_sum: f64,
    /// Selections of each arm, by arm id.
    pub arm_selections: &'a [u64],
}

/// What a run produced that the alerts read.
#[derive(Clone, Copy, Debug)]
pub struct RunView<'a> {
    /// The time series, one entry per bucket.
    pub buckets: &'a [BucketCounts<'a>],
    /// Hours per bucket.
    pub bucket_hours: u32,
    /// Arm names, by arm id.
    pub arm_names: &'a [&'a str],
    /// The training runs.
    pub model_updates: &'a [ModelUpdateLog],
    /// Days of the horizon.
    pub horizon_days: u32,
    /// The experiments' analysis, if any.
    pub experiments: Option<&'a ExperimentsReport>,
    /// The staged rollout's rollback threshold (`pipeline.rollout.rollback_threshold`),
    /// if the run rolls out; a `rollback` alert reports it as the change it crossed.
    pub rollback_threshold: Option<f64>,
}

fn share(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// The long-tail share of impressions over the first 24 simulated hours.
fn first_day_long_tail(buckets: &[BucketCounts<'_>], bucket_hours: u32) -> Option<f64> {
    let n = (24 / bucket_hours.max(1)).max(1) as usize;
    let (lt, all) = buckets.iter().take(n).fold((0, 0), |(lt, all), b| {
        (lt + b.long_tail_impressions, all + b.impressions)
    });
    share(lt, all)
}

/// Every alert of a run, in time order (ties: kind order).
#[must_use]
pub fn evaluate(spec: &AlertSpec, run: &RunView<'_>) -> Vec<Alert> {
    let buckets = run.buckets;
    let bucket_hours = run.bucket_hours;
    let end = |b: usize| (b as SimSecs + 1) * SimSecs::from(bucket_hours) * SECS_PER_HOUR;
    let mut alerts = Vec::new();

    if let Some(baseline) = spec
        .long_tail_baseline
        .or_else(|| first_day_long_tail(buckets, bucket_hours))
    {
        let threshold = baseline * (1.0 - spec.long_tail_margin);
        let shares: Vec<Option<f64>> = buckets
            .iter()
            .map(|b| share(b.long_tail_impressions, b.impressions))
            .collect();
        for (b, _) in episodes(shares.iter().map(|s| s.map(|s| s < threshold))) {
            let value = shares[b].expect("a firing bucket has impressions");
            alerts.push(Alert {
                time_secs: end(b),
                kind: AlertKind::DiversityDrop,
                value: Some(value),
                threshold: Some(threshold),
                message: format!(
                    "long-tail share of impressions {:.1}% below {:.1}% (baseline {:.1}% less {}%)",
                    value * 100.0,
                    threshold * 100.0,
                    baseline * 100.0,
                    spec.long_tail_margin * 100.0
                ),
            });
        }
    }

    let ratings: Vec<Option<f64>> = buckets
        .iter()
        .map(|b| (b.ratings >= spec.min_ratings.max(1)).then(|| b.rating_sum / b.ratings as f64))
        .collect();
    for (b, _) in episodes(
        ratings
            .iter()
            .map(|r| r.map(|r| r < spec.min_clicked_rating)),
    ) {
        let value = ratings[b].expect("a firing bucket has ratings");
        alerts.push(Alert {
            time_secs: end(b),
            kind: AlertKind::QualityDegradation,
            value: Some(value),
            threshold: Some(spec.min_clicked_rating),
            message: format!(
                "mean rating of clicked movies {value:.2} below {} stars",
                spec.min_clicked_rating
            ),
        });
    }

    let names = run.arm_names;
    let top: Vec<Option<(usize, f64)>> = buckets
        .iter()
        .map(|b| {
            let total: u64 = b.arm_selections.iter().sum();
            if total < spec.min_selections.max(1) {
                return None;
            }
            // The first arm with the most selections.
            let (arm, &n) = b
                .arm_selections
                .iter()
                .enumerate()
                .rev()
                .max_by_key(|&(_, n)| n)?;
            Some((arm, n as f64 / total as f64))
        })
        .collect();
    for (b, _) in episodes(top.iter().map(|t| t.map(|(_, s)| s > spec.max_arm_share))) {
        let (arm, value) = top[b].expect("a firing bucket has selections");
        alerts.push(Alert {
            time_secs: end(b),
            kind: AlertKind::BanditImbalance,
            value: Some(value),
            threshold: Some(spec.max_arm_share),
            message: format!(
                "{} has {:.1}% of the selections, above {:.0}%",
                names.get(arm).copied().unwrap_or("?"),
                value * 100.0,
                spec.max_arm_share * 100.0
            ),
        });
    }

    alerts.extend(training_alerts(spec, run.model_updates));
    alerts.extend(
        run.model_updates
            .iter()
            .flat_map(|update| rollout_alerts(update, run.rollback_threshold)),
    );

    if let Some(report) = run.experiments {
        let horizon = SimSecs::from(run.horizon_days) * SECS_PER_DAY;
        for e in &report.experiments {
            for v in &e.verdicts {
                let decided = matches!(
                    v.verdict,
                    Verdict::Ship | Verdict::TreatmentWorse | Verdict::GuardrailFailed { .. }
                );
                if !decided {
                    continue;
                }
                let stop = e
                    .sequential
                    .iter()
                    .find(|s| s.treatment == v.treatment)
                    .and_then(|s| s.stopped_at.map(|k| s.looks[k - 1].day));
                let time_secs = stop.map_or(horizon, |day| {
                    (day * SECS_PER_DAY as f64).round() as SimSecs
                });
                alerts.push(Alert {
                    time_secs,
                    kind: AlertKind::ExperimentDecision,
                    value: None,
                    threshold: None,
                    message: format!("experiment {}: {}", e.id, v.summary),
                });
            }
        }
    }

    alerts.sort_by_key(|a| (a.time_secs, a.kind));
    alerts
}

/// The alerts of a training run's staged rollout: one `rollout_stage` at each
/// stage's start and at its completion, and a `rollback` with the worst change and
/// the change it crossed (`−rollback_threshold`).
fn rollout_alerts(run: &ModelUpdateLog, rollback_threshold: Option<f64>) -> Vec<Alert> {
    use super::rollout::StageEnd;
    let Some(log) = &run.rollout else {
        return Vec::new();
    };
    let mut alerts = Vec::new();
    for stage in &log.stages {
        alerts.push(Alert {
            time_secs: stage.start_secs,
            kind: AlertKind::RolloutStage,
            value: Some(stage.share),
            threshold: None,
            message: format!(
                "version {} serves {:.0}% of users (version {} the rest)",
                run.version,
                stage.share * 100.0,
                log.previous_version
            ),
        });
        let Some(end) = stage.end_secs else { continue };
        match stage.end {
            Some(StageEnd::Completed) => alerts.push(Alert {
                time_secs: end,
                kind: AlertKind::RolloutStage,
                value: Some(1.0),
                threshold: None,
                message: format!(
                    "version {} rolled out: its watch held, it serves everyone",
                    run.version
                ),
            }),
            Some(StageEnd::RolledBack) => alerts.push(Alert {
                time_secs: end,
                kind: AlertKind::Rollback,
                value: stage.changes.iter().map(|c| c.change).reduce(f64::min),
                threshold: rollback_threshold.map(|t| -t),
                message: format!(
                    "version {} rolled back to version {}: {}; bandits replaced by static \
                     weights",
                    run.version,
                    log.previous_version,
                    log.rollback_reason.as_deref().unwrap_or("degraded")
                ),
            }),
            _ => {}
        }
    }
    alerts
}

/// Alerts for failed training runs, and for rejected ones whose worst watched metric
/// fell by more than `max_offline_drop`.
fn training_alerts<'a>(
    spec: &'a AlertSpec,
    runs: &'a [ModelUpdateLog],
) -> impl Iterator<Item = Alert> + 'a {
    runs.iter().filter_map(|run| {
        if run.decision == UpdateDecision::Failed {
            return Some(Alert {
                time_secs: run.time_secs,
                kind: AlertKind::TrainingFailure,
                value: None,
                threshold: None,
                message: format!(
                    "training run of version {} failed: {}",
                    run.version,
                    run.fault.as_deref().unwrap_or("no reason logged")
                ),
            });
        }
        let eval = run.evaluation.as_ref()?;
        let worst = eval.worst_change?;
        (run.decision == UpdateDecision::Rejected && worst < -spec.max_offline_drop).then(|| {
            Alert {
                time_secs: run.time_secs,
                kind: AlertKind::Training,
                value: Some(worst),
                threshold: Some(-spec.max_offline_drop),
                message: format!("version {} rejected: {}", run.version, eval.reason),
            }
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> AlertSpec {
        AlertSpec::default()
    }

    #[test]
    fn an_episode_fires_once_and_gaps_neither_fire_nor_end_it() {
        let c = [
            Some(false),
            Some(true),
            Some(true),
            None,
            Some(true),
            Some(false),
            Some(true),
        ];
        let fired: Vec<usize> = episodes(c.into_iter()).map(|(b, _)| b).collect();
        assert_eq!(fired, [1, 6]);
    }

    fn bucket(long_tail: u64, ratings: u64, stars: f64, sel: &[u64]) -> BucketCounts<'_> {
        BucketCounts {
            impressions: 1000,
            long_tail_impressions: long_tail,
            ratings,
            rating_sum: stars * ratings as f64,
            arm_selections: sel,
        }
    }

    fn view<'a>(buckets: &'a [BucketCounts<'a>], runs: &'a [ModelUpdateLog]) -> RunView<'a> {
        RunView {
            buckets,
            bucket_hours: 6,
            arm_names: &["popularity", "svd"],
            model_updates: runs,
            horizon_days: 2,
            experiments: None,
            rollback_threshold: None,
        }
    }

    #[test]
    fn thresholds_fire_at_the_end_of_the_bucket_that_crossed_them() {
        // 6-hour buckets; first day (4 buckets) long-tail share 200/1000 = 20%.
        // Threshold 20% · (1 − 0.1) = 18%: bucket 5 (17%) fires at its end, 36 h.
        // Mean clicked rating 3.4 < 3.5 in bucket 2 (30 ratings ≥ min 20) fires at
        // 18 h; bucket 3's 3.0 on 5 ratings is too little data.
        // Arm 1 with 80 of 100 selections in bucket 4 > 70% fires at 30 h.
        let buckets = [
            bucket(200, 30, 4.0, &[50, 50]),
            bucket(200, 30, 4.0, &[50, 50]),
            bucket(200, 30, 3.4, &[50, 50]),
            bucket(200, 5, 3.0, &[50, 50]),
            bucket(200, 30, 4.0, &[20, 80]),
            bucket(170, 30, 4.0, &[50, 50]),
        ];
        let alerts = evaluate(&spec(), &view(&buckets, &[]));
        let seen: Vec<(SimSecs, AlertKind)> =
            alerts.iter().map(|a| (a.time_secs, a.kind)).collect();
        assert_eq!(
            seen,
            [
                (18 * 3600, AlertKind::QualityDegradation),
                (30 * 3600, AlertKind::BanditImbalance),
                (36 * 3600, AlertKind::DiversityDrop),
            ]
        );
        assert!((alerts[2].value.unwrap() - 0.17).abs() < 1e-12);
        assert!((alerts[2].threshold.unwrap() - 0.18).abs() < 1e-12);
        assert!(
            alerts[1].message.starts_with("svd has 80.0%"),
            "{}",
            alerts[1].message
        );
    }

    #[test]
    fn a_run_rejected_beyond_the_margin_alerts_and_one_within_it_does_not() {
        let run = |version, worst: f64| ModelUpdateLog {
            n_interactions: 10,
            evaluation: Some(super::super::VersionEvaluation {
                deployed_version: 1,
                n_test: 5,
                n_users: 5,
                candidate: Vec::new(),
                deployed: Vec::new(),
                worst_change: Some(worst),
                failures: Vec::new(),
                reason: "r".into(),
            }),
            ..ModelUpdateLog::new(
                version,
                i64::from(version) * 86_400,
                UpdateDecision::Rejected,
            )
        };
        // −12% is beyond the default 10%; −8% is not.
        let runs = [run(2, -0.12), run(3, -0.08)];
        let alerts = evaluate(&spec(), &view(&[], &runs));
        assert_eq!(alerts.len(), 1);
        assert_eq!(alerts[0].kind, AlertKind::Training);
        assert_eq!(alerts[0].time_secs, 2 * 86_400);
        assert_eq!(alerts[0].message, "version 2 rejected: r");
    }

    #[test]
    fn a_failed_run_alerts_at_its_time_with_its_reason() {
        let runs = [super::super::faults::failed_log(
            4,
            3 * 86_400,
            "over its work budget: 12 > 10".into(),
        )];
        let alerts = evaluate(&spec(), &view(&[], &runs));
        assert_eq!(alerts.len(), 1);
        assert_eq!(alerts[0].kind, AlertKind::TrainingFailure);
        assert_eq!(alerts[0].time_secs, 3 * 86_400);
        assert_eq!(
            alerts[0].message,
            "training run of version 4 failed: over its work budget: 12 > 10"
        );
    }
}
