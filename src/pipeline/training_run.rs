//! One gated training run (`pipeline.gate`): steps 1–4 in order.
//!
//! 1. [`super::split`]: the run's training data, the log so far less the gate's test
//!    set ([`GateData`], drawn from the warm-up history at day 0).
//! 2. Training: with `gate.search`, first the hyper-parameter search
//!    ([`super::search`]) on the validation set; then every arm of the stack (the
//!    searched ones with their chosen settings) built afresh and fitted on the
//!    training data (a candidate version; training stream `(ArmTraining, 2^24 +
//!    version · 2^8 + arm)`, apart from the replay's and the offline table's units).
//!    The training data is the log less the test set: with a search, the validation
//!    ratings the settings were chosen on are in it (the refit).
//! 3. [`super::version_eval`]: candidate and deployed version scored on the same
//!    sampled users of the test set.
//! 4. [`super::gate`]: the verdict.
//!
//! The caller swaps the candidate in when it passes; otherwise it is dropped and the
//! deployed version keeps serving — two model sets are alive only during a run.

use serde::{Deserialize, Serialize};

use crate::ids::UserId;
use crate::interaction::{Interaction, SimSecs};
use crate::recommend::{ArmBuildError, ArmFactory, Arms, TrainingData};
use crate::rng::{Purpose, SeedTree};
use crate::scenario::Scenario;
use crate::scenario::spec::{ArmSpec, GateSpec, SplitKind};
use crate::world::World;

use super::gate::{Failure, judge};
use super::schedule::{ModelUpdateLog, UpdateDecision};
use super::search::{Validation, search_and_refit};
use super::split::{HoldOut, random_split, sample_users, temporal_split};
use super::version_eval::{ArmMetrics, TestSet, evaluate_version};

/// First training unit of candidate versions.
const CANDIDATE_UNITS: u64 = 1 << 24;

/// The training unit of arm `a` of candidate `version`.
#[must_use]
pub fn candidate_unit(version: u32, a: usize) -> u64 {
    CANDIDATE_UNITS + (u64::from(version & 0xFFFF) << 8) + (a as u64 & 0xFF)
}

/// The gate's test set and the users every run scores, drawn once at day 0 from
/// stream `(PipelineSplit, 0)`: the hold-out first (a random split's draws), then
/// the user sample; with `gate.search`, the validation set beside it and its users
/// (from stream `(PipelineSearch, 0)`).
#[derive(Clone, Debug, PartialEq)]
pub struct GateData {
    /// Held-out warm-up ratings.
    pub hold: HoldOut,
    /// Up to `gate.eval_users` users with held-out ratings, in id order.
    pub users: Vec<UserId>,
    /// With `gate.search`: the validation set.
    pub validation: Option<Validation>,
}

impl GateData {
    /// Draws the test set of `gate` (and its validation set, with a search) from the
    /// `warm_up` history.
    #[must_use]
    pub fn draw(gate: &GateSpec, warm_up: &[Interaction], seeds: &SeedTree) -> Self {
        let mut rng = seeds.stream(Purpose::PipelineSplit, 0);
        let validation_share = gate.search.as_ref().map(|s| s.validation_share);
        let (hold, validation) = match (gate.split, validation_share) {
            (SplitKind::Random, None) => (HoldOut::draw(warm_up, gate.test_share, &mut rng), None),
            (SplitKind::Random, Some(v)) => {
                let split = random_split(warm_up, gate.test_share, v, &mut rng);
                (split.test, Some(split.validation))
            }
            (SplitKind::Temporal, v) => {
                let split = temporal_split(warm_up, gate.test_share, v.unwrap_or(0.0));
                (split.test, v.map(|_| split.validation))
            }
        };
        let users = sample_users(&hold.test, gate.eval_users, &mut rng);
        let validation = validation.map(|hold| {
            let mut rng = seeds.stream(Purpose::PipelineSearch, 0);
            let users = sample_users(&hold.test, gate.eval_users, &mut rng);
            Validation { hold, users }
        });
        Self {
            hold,
            users,
            validation,
        }
    }

    /// A run's training data, the candidate's: `log` less every test event. With a
    /// search, the validation set is in it: the search chooses settings on
    /// [`Self::search_train`] and the chosen settings are fitted again on this.
    #[must_use]
    pub fn train(&self, log: &[Interaction]) -> Vec<Interaction> {
        self.hold.train(log)
    }

    /// What a search's configurations train on: `log` less every held-out event,
    /// test and validation (as [`Self::train`] without a validation set).
    #[must_use]
    pub fn search_train(&self, log: &[Interaction]) -> Vec<Interaction> {
        match &self.validation {
            None => self.hold.train(log),
            Some(v) => log
                .iter()
                .filter(|i| !self.hold.holds(i) && !v.hold.holds(i))
                .copied()
                .collect(),
        }
    }
}

/// What the gate saw and why it decided (in [`ModelUpdateLog::evaluation`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VersionEvaluation {
    /// The version serving when the run started, which the candidate is compared with.
    pub deployed_version: u32,
    /// Held-out ratings of the scored users.
    pub n_test: usize,
    /// Users the versions were scored on (at most `gate.eval_users`).
    pub n_users: usize,
    /// The candidate's metrics, per arm of the stack.
    pub candidate: Vec<ArmMetrics>,
    /// The deployed version's metrics on the same users and requests.
    pub deployed: Vec<ArmMetrics>,
    /// The worst relative change of a watched metric (negative = worse).
    pub worst_change: Option<f64>,
    /// The watched metrics that failed.
    pub failures: Vec<Failure>,
    /// The decision in words.
    pub reason: String,
}

/// A finished run: its log entry and, if the gate passed it, the new version.
pub struct RunResult {
    /// The entry for `model_updates.json`.
    pub log: ModelUpdateLog,
    /// The candidate, when deployed.
    pub deployed: Option<Arms>,
}

/// Step 2, training: candidate `version`, every arm of `arm_specs` (the stack's, or
/// the faulted ones of [`super::faults`]) built afresh (its own training streams,
/// apart from the replay's units) and fitted on `train` (the log so far less the
/// gate's test set). Deterministic: a resumed run rebuilds the deployed candidate
/// with it (`crate::sim` checkpoints).
///
/// # Errors
///
/// An arm cannot be built (as [`gated_run`]).
pub fn fit_candidate(
    scenario: &Scenario,
    seeds: &SeedTree,
    world: &World,
    arm_specs: &[ArmSpec],
    train: &[Interaction],
    version: u32,
) -> Result<Arms, ArmBuildError> {
    let spec = scenario.spec();
    let factory = ArmFactory::new(world, *seeds, spec.context.fatigue.window);
    let boxes = arm_specs
        .iter()
        .enumerate()
        .map(|(a, s)| factory.build(s, candidate_unit(version, a)))
        .collect::<Result<Vec<_>, _>>()?;
    let mut candidate = Arms::from_boxes(boxes);
    candidate.fit(&TrainingData {
        catalogue: &world.catalogue,
        population: &world.population,
        interactions: train,
    });
    Ok(candidate)
}

/// Training run `version` at `at` on `log` (every interaction so far), against the
/// `deployed` arms (version `deployed_version`); the candidate is built from
/// `arm_specs` (the stack's arms, or the faulted ones of [`super::faults`]), with
/// `gate.search` searched and refitted by [`search_and_refit`].
///
/// # Errors
///
/// An arm cannot be built (an embeddings arm's vector file, which the initial fit
/// already read, so only if it changed meanwhile).
///
/// # Panics
///
/// With `gate.search` but `data` drawn without one (no validation set).
#[allow(clippy::too_many_arguments)]
pub fn gated_run(
    scenario: &Scenario,
    seeds: &SeedTree,
    world: &World,
    gate: &GateSpec,
    arm_specs: &[ArmSpec],
    data: &GateData,
    log: &[Interaction],
    deployed: &Arms,
    deployed_version: u32,
    version: u32,
    at: SimSecs,
) -> Result<RunResult, ArmBuildError> {
    let spec = scenario.spec();
    let train = data.train(log);
    let (candidate, searched) = match &gate.search {
        Some(ranges) => {
            let s = search_and_refit(
                scenario, seeds, world, ranges, arm_specs, data, log, version,
            )?;
            (s.arms, Some(s.log))
        }
        None => (
            fit_candidate(scenario, seeds, world, arm_specs, &train, version)?,
            None,
        ),
    };
    let set = TestSet::new(
        &data.hold,
        &train,
        data.users.clone(),
        world.population.len(),
    );

    let k = spec.stack.slate_size;
    let (cand, dep) = if set.n_users() == 0 {
        (Vec::new(), Vec::new())
    } else {
        (
            evaluate_version(&candidate, &set, world, k, seeds),
            evaluate_version(deployed, &set, world, k, seeds),
        )
    };
    let verdict = judge(&cand, &dep, &gate.metrics, gate.tolerance);
    let percent = gate.tolerance * 100.0;
    let reason = if verdict.pass {
        format!("no watched metric worse than version {deployed_version} by more than {percent}%")
    } else if verdict.worst_change.is_none() {
        "nothing to compare: no held-out rating the watched metrics could be computed on".to_owned()
    } else {
        let list: Vec<String> = verdict
            .failures
            .iter()
            .map(|f| format!("{} {} {:+.1}%", f.arm, f.metric, f.change * 100.0))
            .collect();
        format!(
            "worse than version {deployed_version} beyond {percent}%: {}",
            list.join(", ")
        )
    };
    let decision = if verdict.pass {
        UpdateDecision::Deployed
    } else {
        UpdateDecision::Rejected
    };
    Ok(RunResult {
        log: ModelUpdateLog {
            n_interactions: train.len(),
            search: searched.map(Box::new),
            evaluation: Some(VersionEvaluation {
                deployed_version,
                n_test: data.users.iter().map(|u| data.hold.test[u].len()).sum(),
                n_users: set.n_users(),
                candidate: cand,
                deployed: dep,
                worst_change: verdict.worst_change,
                failures: verdict.failures,
                reason,
            }),
            ..ModelUpdateLog::new(version, at, decision)
        },
        deployed: verdict.pass.then_some(candidate),
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use std::path::Path;

    use super::*;
    use crate::interaction::InteractionKind;
    use crate::scenario::spec::GateMetric;

    /// The smoke world with a stack of popularity, random, SVD and item CF, its
    /// `pipeline: (retrain_every_hours: 12.0)` replaced by `pipeline` (also
    /// `initial_version`'s tests' world).
    pub(crate) fn smoke_with_stack(pipeline: &str) -> (Scenario, World, SeedTree) {
        let text = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/smoke.ron"),
        )
        .unwrap()
        .replacen(
            "horizon:",
            "stack: (arms: [Popularity, Random, Svd(), ItemCf()], arms_per_request: 2),\n    horizon:",
            1,
        )
        .replacen("pipeline: (retrain_every_hours: 12.0)", pipeline, 1);
        let scenario = Scenario::from_ron_str(&text, Path::new("smoke.ron"), "smoke").unwrap();
        let seeds = SeedTree::new(scenario.spec().seed);
        let world = World::generate(&scenario, &seeds);
        (scenario, world, seeds)
    }

    /// The smoke world with a stack of popularity, random, SVD and item CF.
    fn setup() -> (Scenario, World) {
        let (scenario, world, _) = smoke_with_stack("pipeline: (retrain_every_hours: 12.0)");
        (scenario, world)
    }

    /// The stack fitted on `log` as the replay fits version 1.
    fn fitted(scenario: &Scenario, world: &World, log: &[Interaction]) -> Arms {
        let seeds = SeedTree::new(scenario.spec().seed);
        let factory = ArmFactory::new(world, seeds, scenario.spec().context.fatigue.window);
        let mut arms = Arms::build(&scenario.spec().stack.arms, &factory).unwrap();
        arms.fit(&TrainingData {
            catalogue: &world.catalogue,
            population: &world.population,
            interactions: log,
        });
        arms
    }

    fn gate() -> GateSpec {
        GateSpec {
            test_share: 0.15,
            eval_users: 600,
            tolerance: 0.05,
            metrics: vec![GateMetric::Ndcg, GateMetric::Rmse],
            ..GateSpec::default()
        }
    }

    /// The gate's data, and the deployed version: trained on the first 60% of the
    /// warm-up log less the test set.
    fn deployed(scenario: &Scenario, world: &World) -> (GateData, Arms, usize) {
        let seeds = SeedTree::new(scenario.spec().seed);
        let data = GateData::draw(&gate(), &world.warm_up, &seeds);
        let known = world.warm_up.len() * 6 / 10;
        let arms = fitted(scenario, world, &data.train(&world.warm_up[..known]));
        (data, arms, known)
    }

    fn run(
        scenario: &Scenario,
        world: &World,
        data: &GateData,
        log: &[Interaction],
        arms: &Arms,
    ) -> RunResult {
        let seeds = SeedTree::new(scenario.spec().seed);
        gated_run(
            scenario,
            &seeds,
            world,
            &gate(),
            &scenario.spec().stack.arms,
            data,
            log,
            arms,
            1,
            2,
            3_600,
        )
        .unwrap()
    }

    #[test]
    fn a_candidate_trained_on_more_data_is_deployed() {
        let (scenario, world) = setup();
        let (data, deployed, _) = deployed(&scenario, &world);
        let run = run(&scenario, &world, &data, &world.warm_up, &deployed);
        let eval = run.log.evaluation.as_ref().unwrap();
        assert_eq!(
            run.log.decision,
            UpdateDecision::Deployed,
            "{}",
            eval.reason
        );
        assert!(run.deployed.is_some());
        assert!(eval.n_test > 0 && eval.n_users > 0);
        assert_eq!(eval.candidate.len(), 4);
        // SVD predicts ratings: its RMSE was judged, and more data lowered it.
        let (c, d) = (
            eval.candidate[2].rmse.unwrap(),
            eval.deployed[2].rmse.unwrap(),
        );
        assert!(c < d, "{c} {d}");
        assert!(eval.failures.is_empty());
        assert_eq!(run.log.n_interactions, data.train(&world.warm_up).len());
    }

    #[test]
    fn a_candidate_trained_on_corrupted_ratings_is_rejected() {
        let (scenario, world) = setup();
        let (data, deployed, known) = deployed(&scenario, &world);
        // Every rating the deployed version learned from turned upside down
        // (1 ↔ 5 stars): what a corrupted batch teaches the candidate. The test set
        // keeps the true ratings.
        let mut log = world.warm_up.clone();
        for i in log[..known]
            .iter_mut()
            .filter(|i| i.kind == InteractionKind::Rating)
        {
            i.value = 6.0 - i.value;
        }
        let run = run(&scenario, &world, &data, &log, &deployed);
        let eval = run.log.evaluation.as_ref().unwrap();
        assert_eq!(run.log.decision, UpdateDecision::Rejected);
        assert!(run.deployed.is_none());
        assert!(
            eval.failures
                .iter()
                .any(|f| f.arm == "svd" && f.metric == "rmse" && f.change < -0.05),
            "{:?}",
            eval.failures
        );
        assert!(
            eval.reason.starts_with("worse than version 1"),
            "{}",
            eval.reason
        );
    }

    #[test]
    fn a_run_is_a_function_of_its_inputs() {
        let (scenario, world) = setup();
        let (data, deployed, _) = deployed(&scenario, &world);
        let a = run(&scenario, &world, &data, &world.warm_up, &deployed);
        let b = run(&scenario, &world, &data, &world.warm_up, &deployed);
        assert_eq!(a.log, b.log);
        // No user sampled: nothing can be judged and the deployed version stays.
        let empty = GateData {
            hold: data.hold.clone(),
            users: Vec::new(),
            validation: None,
        };
        let none = run(&scenario, &world, &empty, &world.warm_up, &deployed);
        assert_eq!(none.log.decision, UpdateDecision::Rejected);
        assert!(none.deployed.is_none());
    }

    #[test]
    fn a_searched_run_judges_the_best_configuration_and_ignores_thread_count() {
        use crate::scenario::spec::{ItemCfSearch, SearchSpec, SvdSearch};
        let (scenario, world) = setup();
        let seeds = SeedTree::new(scenario.spec().seed);
        let searched = GateSpec {
            search: Some(SearchSpec {
                svd: Some(SvdSearch {
                    factors: Some(vec![2, 16]),
                    learning_rate: Some(vec![0.001, 0.01]),
                    regularisation: None,
                }),
                item_cf: Some(ItemCfSearch {
                    neighbours: Some(vec![5, 40]),
                }),
                sample: Some(3),
                ..SearchSpec::default()
            }),
            ..gate()
        };
        let data = GateData::draw(&searched, &world.warm_up, &seeds);
        let validation = data.validation.as_ref().unwrap();
        // The random split keeps the plain gate's test set and users.
        let plain = GateData::draw(&gate(), &world.warm_up, &seeds);
        assert_eq!((&data.hold, &data.users), (&plain.hold, &plain.users));
        assert!(validation.hold.n_test() > 0 && !validation.users.is_empty());
        let known = world.warm_up.len() * 6 / 10;
        let deployed = fitted(&scenario, &world, &data.train(&world.warm_up[..known]));
        let arms = &scenario.spec().stack.arms;
        let run_in = |threads: usize, gate: &GateSpec, specs: &[ArmSpec]| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| {
                    gated_run(
                        &scenario,
                        &seeds,
                        &world,
                        gate,
                        specs,
                        &data,
                        &world.warm_up,
                        &deployed,
                        1,
                        2,
                        3_600,
                    )
                    .unwrap()
                    .log
                })
        };
        let one = run_in(1, &searched, arms);
        assert_eq!(one, run_in(2, &searched, arms));
        let search = one.search.as_ref().unwrap();
        assert_eq!(search.metric, "ndcg");
        // SVD (stack index 2): a sample of 3 of its 4 configurations; item CF (3): its
        // whole grid of 2 (the sample is larger).
        let shape: Vec<(&str, usize, usize, usize)> = search
            .arms
            .iter()
            .map(|a| (a.arm.as_str(), a.index, a.grid_size, a.configurations.len()))
            .collect();
        assert_eq!(shape, [("svd", 2, 4, 3), ("item_cf", 3, 2, 2)]);
        for arm in &search.arms {
            let best = arm.configurations[arm.chosen].score;
            assert!(
                arm.configurations.iter().all(|c| c.score <= best),
                "{arm:?}"
            );
        }
        // The candidate the gate judged is the chosen configurations, trained as a
        // run without a search trains them.
        let chosen = search.chosen_specs(arms);
        let unsearched = GateSpec {
            search: None,
            ..searched.clone()
        };
        let direct = run_in(2, &unsearched, &chosen);
        assert_eq!(direct.evaluation, one.evaluation);
        assert_eq!(direct.search, None);
        // The refit: the configurations trained without the validation set, the
        // candidate with it — the difference is exactly the log's validation events.
        let validation_events = world
            .warm_up
            .iter()
            .filter(|i| validation.hold.holds(i))
            .count();
        assert!(validation_events >= validation.hold.n_test());
        assert_eq!(search.n_train, data.search_train(&world.warm_up).len());
        assert_eq!(search.n_refit, data.train(&world.warm_up).len());
        assert_eq!(search.n_refit, search.n_train + validation_events);
        assert_eq!(one.n_interactions, search.n_refit);
    }

    #[test]
    fn the_search_trains_without_the_validation_set_and_the_candidate_with_it() {
        // Hand-made: user 0 rated movies 0–3 at times 10, 20, 30, 40 and clicked
        // movie 3 at 40. A temporal split with shares 1/4 and 1/4 holds out the
        // newest rating (movie 3, with its click: the same event) as the test set and
        // the one before it (movie 2) as the validation set.
        let r = |m: u32, t| Interaction::rating(UserId(0), crate::ids::MovieId(m), 4.0, t);
        let click = Interaction {
            kind: InteractionKind::Click,
            value: 1.0,
            ..r(3, 40)
        };
        let log = vec![r(0, 10), r(1, 20), r(2, 30), r(3, 40), click];
        let split = temporal_split(&log, 0.25, 0.25);
        let data = GateData {
            hold: split.test,
            users: vec![UserId(0)],
            validation: Some(Validation {
                hold: split.validation,
                users: vec![UserId(0)],
            }),
        };
        let movies = |v: Vec<Interaction>| v.iter().map(|i| i.movie.0).collect::<Vec<_>>();
        assert_eq!(movies(data.train(&log)), [0, 1, 2]);
        assert_eq!(movies(data.search_train(&log)), [0, 1]);
        // Without a search both are the log less the test set.
        let plain = GateData {
            validation: None,
            ..data
        };
        assert_eq!(movies(plain.search_train(&log)), [0, 1, 2]);
    }
}
