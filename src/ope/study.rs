//! `recolab ope`: estimate target policies from a log, then measure each estimate
//! against the truth — on one log, or over many seeds.

use std::path::Path;

use rayon::prelude::*;
use serde::Serialize;

use crate::bandit::{ShortSyntax, build_policy};
use crate::rng::{Purpose, SeedTree};
use crate::scenario::Scenario;
use crate::scenario::spec::Design;
use crate::sim;
use crate::sweep::{Interval, mean_interval};
use crate::world::World;

use super::bootstrap;
use super::error::OpeError;
use super::estimators::{Estimator, RoundSums, estimate_at, tune_switch};
use super::log::{LogCollector, OffPolicyLog, Reward, RewardKind};
use super::reward_model::RewardModel;
use super::target::{TargetRounds, log_truth_available, walk};
use super::truth::Target;

/// Version of the `ope.json` layout.
pub const OPE_FORMAT_VERSION: u32 = 1;

/// Monte-Carlo draws per request behind a Thompson target's probabilities, unless
/// `--target-draws` says otherwise. The estimate of a target's probability is
/// unbiased whatever the count (it enters the estimators linearly), so a few draws
/// add variance, not bias.
pub const DEFAULT_TARGET_DRAWS: usize = 100;

/// Bootstrap replicates behind each interval, unless `--bootstrap` says otherwise.
pub const DEFAULT_BOOTSTRAP: usize = 1_000;

/// How an evaluation runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpeOptions {
    /// The reward whose value per request is estimated.
    pub reward: RewardKind,
    /// Monte-Carlo draws per request for a Thompson target.
    pub target_draws: usize,
    /// Bootstrap replicates per interval.
    pub bootstrap: usize,
}

impl Default for OpeOptions {
    fn default() -> Self {
        Self {
            reward: RewardKind::Success,
            target_draws: DEFAULT_TARGET_DRAWS,
            bootstrap: DEFAULT_BOOTSTRAP,
        }
    }
}

/// A scenario's logging stack and the targets to evaluate on its logs.
#[derive(Clone, Debug)]
pub struct OpePlan {
    /// The scenario as given (its stack is the logging policy).
    pub base: Scenario,
    /// The scenario a logging run replays: the base with the event log, its
    /// propensities and exact regret on.
    pub logging: Scenario,
    /// The targets.
    pub targets: Vec<Target>,
    /// How to run.
    pub options: OpeOptions,
}

/// One estimator's estimate of one target on one log.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EstimateRow {
    /// The estimator.
    pub estimator: Estimator,
    /// Its estimate (`None`: SNIPS when the target never chose a logged set).
    pub value: Option<f64>,
    /// Its 95% bootstrap interval.
    pub interval: Option<[f64; 2]>,
}

/// One target on one log: estimates, diagnostics and the truths.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TargetResult {
    /// The target as given.
    pub label: String,
    /// Share of the target's probability, over the logged requests, on arm sets
    /// holding an arm the logging policy could not have chosen there (logged
    /// propensity 0).
    pub unsupported_share: f64,
    /// Those arms.
    pub unsupported_arms: Vec<String>,
    /// Why the estimates are withheld (the target strays outside the log's support),
    /// if they are.
    pub withheld: Option<String>,
    /// Every estimator's estimate (empty when withheld).
    pub estimates: Vec<EstimateRow>,
    /// Switch-DR's chosen threshold; `None` when it is ∞ (switch-DR is DR).
    pub switch_tau: Option<f64>,
    /// Kish's effective sample size of the importance weights.
    pub effective_sample_size: f64,
    /// The largest importance weight.
    pub max_weight: f64,
    /// The target's exact value on the logged requests, trained on the log (the
    /// estimand; `None` when the log does not allow it, see `log_truth_note`).
    pub truth_on_log: Option<f64>,
    /// The target's value deployed on the same world (on-policy, common random
    /// numbers).
    pub truth_deployed: f64,
}

/// Everything measured on one log.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SeedResult {
    /// The replicate of the scenario's seed tree the log comes from.
    pub replicate: u64,
    /// Logged requests.
    pub requests: usize,
    /// The logging policy's mean realised reward per request.
    pub logged_reward: f64,
    /// The logging policy's expected reward per request (from the oracle stamps).
    pub logging_value: Option<f64>,
    /// Why `truth_on_log` is missing, if it is.
    pub log_truth_note: Option<String>,
    /// Per target, in the order given.
    pub targets: Vec<TargetResult>,
}

/// An estimator's error against one truth over seeds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Accuracy {
    /// Seeds with an estimate and that truth.
    pub n_seeds: usize,
    /// Mean of estimate − truth, with its 95% t-interval over seeds.
    pub bias: Interval,
    /// `√(mean (estimate − truth)²)`.
    pub rmse: f64,
    /// Share of seeds whose 95% bootstrap interval holds the truth.
    pub coverage: f64,
}

/// One estimator of one target over seeds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EstimatorAccuracy {
    /// The estimator.
    pub estimator: Estimator,
    /// Mean estimate over seeds.
    pub estimate: Interval,
    /// Against the exact value on the logged requests.
    pub vs_log: Option<Accuracy>,
    /// Against the deployed value.
    pub vs_deployed: Accuracy,
}

/// One target over seeds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TargetAccuracy {
    /// The target as given.
    pub label: String,
    /// Seeds whose estimates were withheld (target outside the log's support).
    pub withheld_seeds: usize,
    /// Mean exact value on the logged requests.
    pub truth_on_log: Option<Interval>,
    /// Mean deployed value.
    pub truth_deployed: Interval,
    /// Mean effective sample size.
    pub effective_sample_size: Interval,
    /// The largest importance weight of any seed.
    pub max_weight: f64,
    /// Per estimator (empty when every seed was withheld).
    pub estimators: Vec<EstimatorAccuracy>,
}

/// A target's name and resolved policy.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TargetInfo {
    /// As given.
    pub label: String,
    /// Every parameter spelled out.
    pub resolved: String,
}

/// What `recolab ope` writes to `ope.json`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OpeReport {
    /// Layout version of this document.
    pub format_version: u32,
    /// Scenario name.
    pub scenario: String,
    /// The scenario's seed.
    pub seed: u64,
    /// The event log read (`--log`), or `None` when the logs were generated
    /// (`--seeds`).
    pub log: Option<String>,
    /// The reward.
    pub reward: RewardKind,
    /// The logging policy (the stack's), then each experiment variant's own, as
    /// `EXPERIMENT/VARIANT: POLICY`.
    pub logging_policy: String,
    /// Arms per request.
    pub arms_per_request: usize,
    /// Monte-Carlo draws per request of Thompson targets.
    pub target_draws: usize,
    /// Bootstrap replicates per interval.
    pub bootstrap_replicates: usize,
    /// The targets.
    pub targets: Vec<TargetInfo>,
    /// One entry per log.
    pub seeds: Vec<SeedResult>,
    /// Over seeds: bias, RMSE and coverage per target and estimator (with more than
    /// one seed).
    pub summary: Option<Vec<TargetAccuracy>>,
}

impl OpePlan {
    /// Parses the targets against `base`, whose stack is the logging policy.
    ///
    /// # Errors
    ///
    /// [`OpeError`] for no target, a target that does not parse or validate, the
    /// oracle, an interleaving experiment.
    pub fn new(base: Scenario, targets: &[String], options: OpeOptions) -> Result<Self, OpeError> {
        if targets.is_empty() {
            return Err(OpeError::NoTarget);
        }
        if let Some(e) = base
            .spec()
            .experiments
            .iter()
            .find(|e| e.design == Design::Interleaving)
        {
            return Err(OpeError::Interleaved {
                experiment: e.id.clone(),
            });
        }
        let targets = targets
            .iter()
            .map(|label| Target::parse(&base, label))
            .collect::<Result<Vec<_>, _>>()?;
        let mut spec = base.spec().clone();
        spec.report.event_log = true;
        spec.report.propensities = true;
        spec.report.regret = true;
        let logging = spec
            .validate(Path::new(base.name()), base.name())
            .map_err(|source| OpeError::LogScenario {
                path: base.name().into(),
                source,
            })?;
        Ok(Self {
            base,
            logging,
            targets,
            options,
        })
    }

    /// Steps [`Self::study`] reports per seed (and [`Self::evaluate_file`] in all).
    #[must_use]
    pub fn steps_per_seed(&self) -> usize {
        1 + 2 * self.targets.len()
    }

    /// Estimates every target on the log at `path` (written by a run of this plan's
    /// scenario with seed `seed`) and runs the truths on that seed.
    ///
    /// # Errors
    ///
    /// [`OpeError`] when the log cannot be read.
    pub fn evaluate_file(
        &self,
        path: &Path,
        step: &(dyn Fn() + Sync),
    ) -> Result<OpeReport, OpeError> {
        let n_arms = self.base.spec().stack.arms.len();
        let log = OffPolicyLog::read(path, n_arms)?;
        step();
        let seeds = SeedTree::new(self.base.spec().seed);
        let world = World::generate(&self.base, &seeds);
        let result = self.evaluate(&log, &seeds, &world, step);
        Ok(self.report(Some(path.display().to_string()), vec![result]))
    }

    /// Generates a log on each of replicates `0..n_seeds` of the scenario's seed
    /// tree, estimates every target on it and runs the truths; seeds run in
    /// parallel and are collected in order.
    ///
    /// # Errors
    ///
    /// [`OpeError::NoSeeds`].
    pub fn study(&self, n_seeds: usize, step: &(dyn Fn() + Sync)) -> Result<OpeReport, OpeError> {
        if n_seeds == 0 {
            return Err(OpeError::NoSeeds);
        }
        let results = (0..n_seeds as u64)
            .into_par_iter()
            .map(|replicate| {
                let seeds = SeedTree {
                    seed: self.base.spec().seed,
                    replicate,
                };
                let world = World::generate(&self.base, &seeds);
                let log = self.log(&seeds, &world);
                step();
                self.evaluate(&log, &seeds, &world, step)
            })
            .collect();
        Ok(self.report(None, results))
    }

    /// The log of one logging run.
    #[must_use]
    pub fn log(&self, seeds: &SeedTree, world: &World) -> OffPolicyLog {
        let mut sink = LogCollector::default();
        sim::replay(&self.logging, seeds, world, &mut sink, &mut |_| {})
            .expect("collecting events in memory cannot fail");
        sink.log
    }

    /// Every target's estimates on `log` beside its truths on `seeds`.
    pub fn evaluate(
        &self,
        log: &OffPolicyLog,
        seeds: &SeedTree,
        world: &World,
        step: &(dyn Fn() + Sync),
    ) -> SeedResult {
        let reward = Reward::new(self.options.reward, &self.base.spec().stack.reward);
        let stack = &self.base.spec().stack;
        let n = stack.arms_per_request;
        let model = RewardModel::fit(log, &reward, stack.arms.len(), n);
        let log_truth = log_truth_available(log, &reward);
        let (estimated, deployed): (Vec<TargetResult>, Vec<f64>) = rayon::join(
            || {
                self.targets
                    .par_iter()
                    .enumerate()
                    .map(|(i, target)| {
                        let mut policy = build_policy(&target.spec, stack);
                        let mut rng = seeds.stream(Purpose::OffPolicyTarget, i as u64);
                        let rounds = walk(
                            policy.as_mut(),
                            log,
                            &reward,
                            &model,
                            n,
                            self.options.target_draws,
                            log_truth.is_ok(),
                            &mut rng,
                        );
                        let mut rng = seeds.stream(Purpose::OffPolicyBootstrap, i as u64);
                        let result = self.target_result(target, &rounds, &mut rng);
                        step();
                        result
                    })
                    .collect()
            },
            || {
                self.targets
                    .par_iter()
                    .map(|target| {
                        let value = target.deployed_value(seeds, world, self.options.reward);
                        step();
                        value
                    })
                    .collect()
            },
        );
        let n_events = log.len().max(1) as f64;
        let logging_value = log
            .truth
            .iter()
            .map(|t| match self.options.reward {
                RewardKind::Success => t.expected_reward,
                RewardKind::Click => Some(t.expected_click),
            })
            .sum::<Option<f64>>()
            .map(|total| total / n_events);
        SeedResult {
            replicate: seeds.replicate,
            requests: log.len(),
            logged_reward: log
                .events
                .iter()
                .map(|e| reward.of(&e.feedback))
                .sum::<f64>()
                / n_events,
            logging_value,
            log_truth_note: log_truth.err(),
            targets: estimated
                .into_iter()
                .zip(deployed)
                .map(|(mut result, truth)| {
                    result.truth_deployed = truth;
                    result
                })
                .collect(),
        }
    }

    /// Estimates, intervals and diagnostics of one target's rounds.
    fn target_result(
        &self,
        target: &Target,
        rounds: &TargetRounds,
        rng: &mut crate::rng::ChaCha8Rng,
    ) -> TargetResult {
        let arm_names: Vec<String> = self
            .base
            .spec()
            .stack
            .arms
            .iter()
            .map(|a| a.name().to_owned())
            .collect();
        let unsupported_arms: Vec<String> = rounds
            .unsupported_arms
            .arms()
            .map(|a| arm_names[a].clone())
            .collect();
        let mut total = RoundSums::default();
        // Per user, in order of first appearance: the bootstrap's clusters.
        let mut groups: Vec<RoundSums> = Vec::new();
        let mut group_of: std::collections::BTreeMap<u32, usize> = Default::default();
        for (round, &user) in rounds.rounds.iter().zip(&rounds.users) {
            total.add(round);
            let g = *group_of.entry(user).or_insert_with(|| {
                groups.push(RoundSums::default());
                groups.len() - 1
            });
            groups[g].add(round);
        }
        let withheld = (rounds.unsupported_share > 0.0).then(|| {
            format!(
                "the target puts {:.3}% of its choices on arms the logging policy could \
                 not have chosen ({}): no estimator can see their rewards in this log",
                100.0 * rounds.unsupported_share,
                unsupported_arms.join(", ")
            )
        });
        let (estimates, switch_tau) = if withheld.is_some() || rounds.rounds.is_empty() {
            (Vec::new(), None)
        } else {
            let tau = tune_switch(&total);
            let e = estimate_at(&total, tau);
            let intervals = bootstrap::intervals(&groups, self.options.bootstrap, tau, rng);
            let rows = Estimator::ALL
                .iter()
                .zip(intervals)
                .map(|(&estimator, interval)| EstimateRow {
                    estimator,
                    value: estimator.of(&e),
                    interval,
                })
                .collect();
            (rows, e.switch_tau.is_finite().then_some(e.switch_tau))
        };
        TargetResult {
            label: target.label.clone(),
            unsupported_share: rounds.unsupported_share,
            unsupported_arms,
            withheld,
            estimates,
            switch_tau,
            effective_sample_size: total.effective_sample_size(),
            max_weight: rounds.max_weight,
            truth_on_log: rounds.truth_on_log,
            truth_deployed: f64::NAN,
        }
    }

    fn report(&self, log: Option<String>, seeds: Vec<SeedResult>) -> OpeReport {
        let spec = self.base.spec();
        let summary = (seeds.len() > 1).then(|| {
            (0..self.targets.len())
                .map(|i| summarise(&self.targets[i].label, &seeds, i))
                .collect()
        });
        OpeReport {
            format_version: OPE_FORMAT_VERSION,
            scenario: self.base.name().to_owned(),
            seed: spec.seed,
            log,
            reward: self.options.reward,
            logging_policy: logging_policies(spec),
            arms_per_request: spec.stack.arms_per_request,
            target_draws: self.options.target_draws,
            bootstrap_replicates: self.options.bootstrap,
            targets: self
                .targets
                .iter()
                .map(|t| TargetInfo {
                    label: t.label.clone(),
                    resolved: t.resolved.clone(),
                })
                .collect(),
            seeds,
            summary,
        }
    }
}

/// The stack's policy, and each experiment variant with a policy of its own.
fn logging_policies(spec: &crate::scenario::spec::ScenarioSpec) -> String {
    let mut text = ShortSyntax(&spec.stack.policy).to_string();
    for e in &spec.experiments {
        for v in &e.variants {
            if let Some(policy) = &v.policy {
                text.push_str(&format!("; {}/{}: {}", e.id, v.name, ShortSyntax(policy)));
            }
        }
    }
    text
}

/// One seed's estimate of one estimator, its interval and the two truths.
struct SeedPoint {
    estimate: f64,
    interval: Option<[f64; 2]>,
    truth_on_log: Option<f64>,
    truth_deployed: f64,
}

/// Bias, RMSE and coverage of `points` against the truth `truth` picks (over the
/// seeds that have it).
fn accuracy(points: &[SeedPoint], truth: impl Fn(&SeedPoint) -> Option<f64>) -> Option<Accuracy> {
    let pairs: Vec<(&SeedPoint, f64)> = points
        .iter()
        .filter_map(|p| truth(p).map(|t| (p, t)))
        .collect();
    if pairs.is_empty() {
        return None;
    }
    let errors: Vec<f64> = pairs.iter().map(|(p, t)| p.estimate - t).collect();
    let covered = pairs
        .iter()
        .filter(|(p, t)| p.interval.is_some_and(|[lo, hi]| lo <= *t && *t <= hi))
        .count();
    Some(Accuracy {
        n_seeds: pairs.len(),
        bias: mean_interval(&errors),
        rmse: (errors.iter().map(|e| e * e).sum::<f64>() / errors.len() as f64).sqrt(),
        coverage: covered as f64 / pairs.len() as f64,
    })
}

/// Target `i` over every seed.
fn summarise(label: &str, seeds: &[SeedResult], i: usize) -> TargetAccuracy {
    let rows: Vec<&TargetResult> = seeds.iter().map(|s| &s.targets[i]).collect();
    let truths_on_log: Option<Vec<f64>> = rows.iter().map(|r| r.truth_on_log).collect();
    let deployed: Vec<f64> = rows.iter().map(|r| r.truth_deployed).collect();
    let estimated: Vec<&TargetResult> = rows
        .iter()
        .copied()
        .filter(|r| r.withheld.is_none())
        .collect();
    let estimators = Estimator::ALL
        .iter()
        .enumerate()
        .filter_map(|(k, &estimator)| {
            let points: Vec<SeedPoint> = estimated
                .iter()
                .filter_map(|r| {
                    let row = &r.estimates[k];
                    row.value.map(|estimate| SeedPoint {
                        estimate,
                        interval: row.interval,
                        truth_on_log: r.truth_on_log,
                        truth_deployed: r.truth_deployed,
                    })
                })
                .collect();
            (!points.is_empty()).then(|| EstimatorAccuracy {
                estimator,
                estimate: mean_interval(&points.iter().map(|p| p.estimate).collect::<Vec<_>>()),
                vs_log: accuracy(&points, |p| p.truth_on_log),
                vs_deployed: accuracy(&points, |p| Some(p.truth_deployed))
                    .expect("every seed has a deployed truth"),
            })
        })
        .collect();
    TargetAccuracy {
        label: label.to_owned(),
        withheld_seeds: rows.len() - estimated.len(),
        truth_on_log: truths_on_log.map(|t| mean_interval(&t)),
        truth_deployed: mean_interval(&deployed),
        effective_sample_size: mean_interval(
            &rows
                .iter()
                .map(|r| r.effective_sample_size)
                .collect::<Vec<_>>(),
        ),
        max_weight: rows.iter().map(|r| r.max_weight).fold(0.0, f64::max),
        estimators,
    }
}

/// The scenario a report's log was written by: the report's own `scenario.ron`,
/// which must describe the same world and stack as `given` — its seed (a run may
/// override it), name, report settings and checks may differ, and its seed is the
/// one the truth runs use.
///
/// # Errors
///
/// [`OpeError::LogScenario`] when the report's scenario cannot be read,
/// [`OpeError::OtherScenario`] naming the first field that differs.
pub fn scenario_of_log(given: &Scenario, report: &Path) -> Result<Scenario, OpeError> {
    let path = report.join("scenario.ron");
    let logged = Scenario::from_file(&path).map_err(|source| OpeError::LogScenario {
        path: path.clone(),
        source,
    })?;
    let comparable = |s: &Scenario| {
        let mut spec = s.spec().clone();
        spec.name = None;
        spec.seed = 0;
        spec.report = crate::scenario::spec::ReportSpec::default();
        spec.checks.clear();
        serde_json::to_value(spec).expect("a scenario always serialises")
    };
    if let Some(field) = first_difference(&comparable(given), &comparable(&logged), "") {
        return Err(OpeError::OtherScenario {
            log: report.to_owned(),
            field,
        });
    }
    Ok(logged)
}

/// The path of the first value that differs between `a` and `b`, if any.
fn first_difference(a: &serde_json::Value, b: &serde_json::Value, at: &str) -> Option<String> {
    use serde_json::Value;
    let join = |key: &str| {
        if at.is_empty() {
            key.to_owned()
        } else {
            format!("{at}.{key}")
        }
    };
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| match (x.get(k), y.get(k)) {
                (Some(p), Some(q)) => first_difference(p, q, &join(k)),
                _ => Some(join(k)),
            })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (p, q))| first_difference(p, q, &format!("{at}[{i}]"))),
        _ => (a != b).then(|| {
            if at.is_empty() {
                "(root)".to_owned()
            } else {
                at.to_owned()
            }
        }),
    }
}
