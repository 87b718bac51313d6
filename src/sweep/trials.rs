//! Repeated experiments on fresh seeds, in parallel: the runs of `recolab aa` and
//! `recolab power`.
//!
//! Run i is replicate i of the scenario's seed tree: a fresh world, fresh arrivals
//! and response noise, and — because assignment by consistent hashing depends only on
//! ids — a fresh assignment salt per experiment drawn from stream
//! `(ExperimentSalt, replicate i, experiment)`. Without the salt the same users would
//! land in the same variants in every run and the runs would not be independent
//! trials. Runs go through rayon, are collected in run order, and every figure is
//! reduced on one thread: the output does not depend on the thread count.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use rand::Rng;
use rayon::prelude::*;

use crate::experiment::{ExperimentsReport, analyse};
use crate::rng::{Purpose, SeedTree};
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::{self, NoEvents, RunOutcome};
use crate::world::World;

/// Why a series of runs cannot start.
#[derive(Debug, thiserror::Error)]
pub enum TrialsError {
    /// `--runs 0`.
    #[error("--runs is 0; fix: use at least 1 (500 gives a usable false-positive interval)")]
    NoRuns,
    /// The scenario has no experiment to repeat.
    #[error(
        "the scenario has no experiment; fix: add one to `experiments` (docs/AB_TESTING_GUIDE.md)"
    )]
    NoExperiment,
    /// The first experiment cannot be run as an A/A test.
    #[error(
        "experiment `{0}` is an interleaving test; fix: `recolab aa` repeats A/B tests — make the first experiment `design: AbTest`"
    )]
    Interleaving(String),
    /// The derived scenario does not validate.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
}

/// One run's world, replay and analysis.
pub struct TrialRun {
    /// Replicate of the seed tree.
    pub replicate: u64,
    /// The scenario as run (salts filled in).
    pub scenario: Scenario,
    /// The replay's outcome.
    pub outcome: RunOutcome,
    /// The analysis.
    pub report: ExperimentsReport,
}

/// `base` with every experiment salted for run `replicate`, validated.
///
/// # Errors
///
/// [`TrialsError::Scenario`] if the result does not validate.
pub fn salted(base: &Scenario, replicate: u64) -> Result<Scenario, TrialsError> {
    let tree = SeedTree {
        seed: base.spec().seed,
        replicate,
    };
    let mut spec = base.spec().clone();
    for (e, exp) in spec.experiments.iter_mut().enumerate() {
        exp.salt = Some(tree.stream(Purpose::ExperimentSalt, e as u64).next_u64());
    }
    spec.report.regret = false;
    spec.report.event_log = false;
    Ok(spec.validate(Path::new(base.name()), base.name())?)
}

/// Runs `runs` replicates of `scenario_for(replicate)` in parallel, calling
/// `progress(done)` after each; results in replicate order.
pub fn run_trials<T: Send>(
    runs: usize,
    scenario_for: &(dyn Fn(u64) -> Scenario + Sync),
    measure: &(dyn Fn(TrialRun) -> T + Sync),
    progress: &(dyn Fn(usize) + Sync),
) -> Vec<T> {
    let done = AtomicUsize::new(0);
    (0..runs as u64)
        .into_par_iter()
        .map(|replicate| {
            let scenario = scenario_for(replicate);
            let seeds = SeedTree {
                seed: scenario.spec().seed,
                replicate,
            };
            let world = World::generate(&scenario, &seeds);
            let outcome = sim::replay(&scenario, &seeds, &world, &mut NoEvents, &mut |_| {})
                .expect("NoEvents never fails");
            let report =
                analyse(&scenario, &world, &outcome).expect("the scenario has experiments");
            let result = measure(TrialRun {
                replicate,
                scenario,
                outcome,
                report,
            });
            progress(done.fetch_add(1, Ordering::Relaxed) + 1);
            result
        })
        .collect()
}
