//! `recolab power`: the scenario's experiments repeated on fresh seeds, where the
//! simulator knows each run's true effect (the truth's expected clicks of the shown
//! slates, aggregated as the estimate): the measured power of the fixed-horizon test
//! and of the stopping rule, the bias of the estimated lift against the true lift, the
//! coverage of the intervals, and the requests each design needs — an A/B test and an
//! interleaving test of the same pair side by side.

use serde::Serialize;

use crate::experiment::Decision;
use crate::scenario::Scenario;
use crate::scenario::spec::Design;
use crate::stats::{clopper_pearson, detectable_ratio};

use super::interval::{Interval, mean_interval};
use super::trials::{TrialRun, TrialsError, run_trials, salted};

/// Confidence level of the power and coverage intervals.
pub const POWER_LEVEL: f64 = 0.95;

/// One comparison (experiment, treatment) in one run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PowerCell {
    /// Replicate.
    pub replicate: u64,
    /// Requests of the pair (A/B) or of the experiment (interleaving).
    pub requests: u64,
    /// Estimated difference (A/B: treatment − control of the primary metric;
    /// interleaving: excess clicks per request).
    pub estimate: f64,
    /// Its standard error.
    pub standard_error: f64,
    /// Estimated relative lift (A/B).
    pub relative_lift: Option<f64>,
    /// True difference (A/B with a stamped truth).
    pub truth: Option<f64>,
    /// True relative lift.
    pub true_relative_lift: Option<f64>,
    /// Whether the interval covered the truth.
    pub covered: Option<bool>,
    /// The fixed-horizon test rejected in the true effect's direction.
    pub fixed_rejected: bool,
    /// The stopping rule's decision.
    pub rule_decision: Decision,
    /// Share of the horizon elapsed when the rule decided (1 without a decision).
    pub rule_fraction: f64,
}

/// A proportion with its exact 95% interval.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Rate {
    /// Successes.
    pub count: u64,
    /// Trials.
    pub runs: u64,
    /// count / runs.
    pub rate: f64,
    /// Clopper–Pearson 95% interval.
    pub interval: [f64; 2],
}

impl Rate {
    fn of(outcomes: impl Iterator<Item = bool>) -> Self {
        let (mut count, mut runs) = (0u64, 0u64);
        for o in outcomes {
            runs += 1;
            count += u64::from(o);
        }
        let (lo, hi) = if runs > 0 {
            clopper_pearson(count, runs, POWER_LEVEL)
        } else {
            (0.0, 1.0)
        };
        Self {
            count,
            runs,
            rate: if runs > 0 {
                count as f64 / runs as f64
            } else {
                0.0
            },
            interval: [lo, hi],
        }
    }
}

/// The power of one comparison over all runs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PowerRow {
    /// Experiment id.
    pub experiment: String,
    /// A/B test or interleaving.
    pub design: Design,
    /// The treatment.
    pub treatment: String,
    /// The metric (the primary metric, or "excess clicks per request").
    pub metric: String,
    /// Alpha of the comparison.
    pub alpha: f64,
    /// Share of runs where the fixed-horizon test rejected in the true direction.
    pub power_fixed: Rate,
    /// The stopping rule.
    pub rule: String,
    /// Share of runs where the rule rejected (A/B).
    pub power_rule: Option<Rate>,
    /// Mean share of the horizon the rule used (A/B).
    pub rule_mean_fraction: Option<f64>,
    /// Mean estimated difference with its 95% interval over runs.
    pub estimate: Interval,
    /// Mean true difference (A/B with a stamped truth).
    pub truth: Option<Interval>,
    /// Mean of (estimate − truth): the bias of the estimate.
    pub bias: Option<Interval>,
    /// Mean estimated relative lift.
    pub relative_lift: Option<Interval>,
    /// Mean true relative lift.
    pub true_relative_lift: Option<Interval>,
    /// Mean of (estimated − true) relative lift.
    pub relative_bias: Option<Interval>,
    /// Share of runs whose interval covered the truth.
    pub coverage: Option<Rate>,
    /// Mean requests per run.
    pub mean_requests: f64,
    /// Requests the design needs for 80% power against the mean effect (the mean true
    /// difference where known, else the mean estimate), from the mean standard error:
    /// `requests · (r* · se / δ)²`.
    pub requests_for_80_percent_power: Option<f64>,
    /// Every run.
    pub cells: Vec<PowerCell>,
}

/// A whole power study.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PowerReport {
    /// Scenario name.
    pub scenario: String,
    /// Root seed.
    pub seed: u64,
    /// Runs.
    pub runs: usize,
    /// One row per (experiment, treatment).
    pub rows: Vec<PowerRow>,
}

fn cells_of(run: &TrialRun) -> Vec<Vec<PowerCell>> {
    run.report
        .experiments
        .iter()
        .map(|e| match &e.interleaving {
            Some(p) => vec![PowerCell {
                replicate: run.replicate,
                requests: p.requests,
                estimate: p.excess_clicks_per_request,
                standard_error: p.standard_error,
                relative_lift: None,
                truth: None,
                true_relative_lift: None,
                covered: None,
                fixed_rejected: p.decision.rejected(),
                rule_decision: p.decision,
                rule_fraction: 1.0,
            }],
            None => e
                .primary
                .iter()
                .map(|c| {
                    let x = c.chosen();
                    let s = e
                        .sequential
                        .iter()
                        .find(|s| s.treatment == c.treatment)
                        .expect("one stopping rule per treatment");
                    let t = e
                        .variants
                        .iter()
                        .position(|v| v.name == c.treatment)
                        .unwrap_or(1);
                    let truth_sign = c.truth.as_ref().map_or(x.difference, |t| t.difference);
                    PowerCell {
                        replicate: run.replicate,
                        requests: e.variants[0].requests + e.variants[t].requests,
                        estimate: x.difference,
                        standard_error: x.standard_error,
                        relative_lift: x.relative_lift,
                        truth: c.truth.as_ref().map(|t| t.difference),
                        true_relative_lift: c.truth.as_ref().and_then(|t| t.relative_lift),
                        covered: c.truth.as_ref().map(|t| t.covered),
                        fixed_rejected: c.p_holm.is_below(e.alpha)
                            && (x.difference > 0.0) == (truth_sign > 0.0),
                        rule_decision: s.decision,
                        rule_fraction: s.stopped_at.map_or(1.0, |k| s.looks[k - 1].fraction),
                    }
                })
                .collect(),
        })
        .collect()
}

fn mean_of(values: &[f64]) -> Option<Interval> {
    (!values.is_empty()).then(|| mean_interval(values))
}

/// Runs `runs` salted replicates of `base` (its experiments as configured) and
/// measures each comparison's power, bias and coverage.
///
/// # Errors
///
/// [`TrialsError`] when `runs` is 0, there is no experiment, or a salted scenario
/// does not validate.
pub fn power(
    base: &Scenario,
    runs: usize,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<PowerReport, TrialsError> {
    if runs == 0 {
        return Err(TrialsError::NoRuns);
    }
    if base.spec().experiments.is_empty() {
        return Err(TrialsError::NoExperiment);
    }
    salted(base, 0)?;
    let scenario_for = |r: u64| {
        salted(base, r).expect("run 0's salted scenario validated; salts never invalidate")
    };
    let per_run = run_trials(runs, &scenario_for, &|run| cells_of(&run), progress);
    let mut rows = Vec::new();
    for (e, exp) in base.spec().experiments.iter().enumerate() {
        let n_treatments = match exp.design {
            Design::Interleaving => 1,
            Design::AbTest => exp.variants.len() - 1,
        };
        for t in 0..n_treatments {
            let cells: Vec<PowerCell> = per_run
                .iter()
                .filter_map(|r| r[e].get(t).cloned())
                .collect();
            if cells.is_empty() {
                continue;
            }
            let f = |g: fn(&PowerCell) -> Option<f64>| -> Vec<f64> {
                cells.iter().filter_map(g).collect()
            };
            let estimates = f(|c| Some(c.estimate));
            let truths = f(|c| c.truth);
            let bias: Vec<f64> = cells
                .iter()
                .filter_map(|c| c.truth.map(|t| c.estimate - t))
                .collect();
            let relative_bias: Vec<f64> = cells
                .iter()
                .filter_map(|c| {
                    c.relative_lift
                        .zip(c.true_relative_lift)
                        .map(|(a, b)| a - b)
                })
                .collect();
            let mean_requests =
                cells.iter().map(|c| c.requests as f64).sum::<f64>() / cells.len() as f64;
            let mean_se = cells.iter().map(|c| c.standard_error).sum::<f64>() / cells.len() as f64;
            let effect = mean_of(&truths)
                .or_else(|| mean_of(&estimates))
                .map_or(0.0, |i| i.mean);
            let ab = exp.design == Design::AbTest;
            let alpha = if ab {
                exp.alpha / n_treatments as f64
            } else {
                exp.alpha
            };
            let stopped: Vec<f64> = cells
                .iter()
                .filter(|c| c.rule_decision.rejected())
                .map(|c| c.rule_fraction)
                .collect();
            rows.push(PowerRow {
                experiment: exp.id.clone(),
                design: exp.design,
                treatment: if ab {
                    exp.variants[t + 1].name.clone()
                } else {
                    exp.variants[1].name.clone()
                },
                metric: if ab {
                    exp.primary_metric.name().to_owned()
                } else {
                    "excess clicks per request".into()
                },
                alpha,
                power_fixed: Rate::of(cells.iter().map(|c| c.fixed_rejected)),
                rule: if ab {
                    exp.stopping.describe()
                } else {
                    "fixed horizon".into()
                },
                power_rule: ab.then(|| {
                    Rate::of(cells.iter().map(|c| {
                        let sign = c.truth.unwrap_or(c.estimate);
                        match c.rule_decision {
                            Decision::Better => sign > 0.0,
                            Decision::Worse => sign < 0.0,
                            Decision::NoDifference => false,
                        }
                    }))
                }),
                rule_mean_fraction: (ab && !stopped.is_empty())
                    .then(|| stopped.iter().sum::<f64>() / stopped.len() as f64),
                estimate: mean_interval(&estimates),
                truth: mean_of(&truths),
                bias: mean_of(&bias),
                relative_lift: mean_of(&f(|c| c.relative_lift)),
                true_relative_lift: mean_of(&f(|c| c.true_relative_lift)),
                relative_bias: mean_of(&relative_bias),
                coverage: cells
                    .iter()
                    .any(|c| c.covered.is_some())
                    .then(|| Rate::of(cells.iter().filter_map(|c| c.covered))),
                mean_requests,
                requests_for_80_percent_power: (effect != 0.0 && mean_se > 0.0).then(|| {
                    mean_requests * (detectable_ratio(alpha, 0.8) * mean_se / effect).powi(2)
                }),
                cells,
            });
        }
    }
    Ok(PowerReport {
        scenario: base.name().to_owned(),
        seed: base.spec().seed,
        runs,
        rows,
    })
}
