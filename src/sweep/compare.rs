//! `recolab compare`: several policies on the same worlds and the same users.
//!
//! Every (policy, seed) cell replays the scenario with the policy as the stack's
//! policy, experiments removed and regret accounting on. Seed index i is replicate i
//! of the scenario's seed tree ([`SeedTree`]), so all policies of a seed share the
//! world, the arrivals and the response noise (common random numbers) and their
//! differences are paired. Cells run in parallel (rayon), are collected in index
//! order and reduced on one thread: the output does not depend on the thread count.

use std::path::Path;

use rayon::prelude::*;
use serde::Serialize;

use crate::bandit::{PolicySyntaxError, ShortSyntax, parse_policy};
use crate::eval::{Exposure, ExposureBasis};
use crate::rng::SeedTree;
use crate::scenario::spec::PolicySpec;
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::{self, NoEvents};
use crate::world::World;

use super::interval::{Interval, mean_interval};

/// Why a comparison cannot run.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    /// A `--policy` string does not parse.
    #[error(transparent)]
    Syntax(#[from] PolicySyntaxError),
    /// A policy does not validate against the scenario.
    #[error("policy `{label}`: {source}")]
    Invalid {
        /// The policy as given.
        label: String,
        /// The validation error (field paths under `stack.policy`).
        source: ScenarioError,
    },
    /// Nothing to compare.
    #[error("no policy given; fix: pass --policy at least once, e.g. --policy thompson")]
    NoPolicy,
    /// No seeds.
    #[error("--seeds is 0; fix: use at least 1 (20 gives usable intervals)")]
    NoSeeds,
}

/// What one (policy, seed) cell measured.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CellResult {
    /// Requests served.
    pub requests: u64,
    /// Cumulative oracle regret (expected successes).
    pub oracle_regret: f64,
    /// Cumulative regret against the best fixed arm per context.
    pub hindsight_regret: f64,
    /// Σ expected reward of the shown slates.
    pub expected_reward: f64,
    /// Expected reward per request.
    pub expected_reward_rate: f64,
    /// Clicks per request.
    pub ctr: f64,
    /// Gini of recommendation counts.
    pub gini: f64,
    /// Catalogue coverage.
    pub coverage: f64,
    /// Share of requests led by a non-greedy arm.
    pub exploration_share: f64,
    /// Cumulative oracle regret at the end of each time bucket.
    pub regret_curve: Vec<f64>,
}

/// One policy's row of the comparison.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PolicyRow {
    /// The policy as given on the command line.
    pub label: String,
    /// The policy with every parameter spelled out.
    pub resolved: String,
    /// Cumulative oracle regret.
    pub oracle_regret: Interval,
    /// Cumulative hindsight regret (best fixed arm per context).
    pub hindsight_regret: Interval,
    /// Expected reward per request.
    pub expected_reward_rate: Interval,
    /// Clicks per request.
    pub ctr: Interval,
    /// Gini of recommendation counts.
    pub gini: Interval,
    /// Catalogue coverage.
    pub coverage: Interval,
    /// Exploration share.
    pub exploration_share: Interval,
    /// Paired difference of the oracle regret to the first policy (this − first).
    pub oracle_regret_vs_first: Interval,
    /// Paired difference of the expected reward per request to the first policy.
    pub expected_reward_rate_vs_first: Interval,
    /// Paired difference of the CTR to the first policy.
    pub ctr_vs_first: Interval,
    /// Mean and interval of the cumulative oracle regret at the end of each bucket.
    pub regret_curve: Vec<Interval>,
    /// Every seed's cell, in seed order.
    pub cells: Vec<CellResult>,
}

/// A whole comparison.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CompareReport {
    /// Scenario name.
    pub scenario: String,
    /// The scenario seed (root of every replicate).
    pub seed: u64,
    /// Seeds (replicates 0..n_seeds).
    pub n_seeds: usize,
    /// Hours per time bucket of the regret curves.
    pub bucket_hours: u32,
    /// One row per policy, in the order given.
    pub policies: Vec<PolicyRow>,
}

/// The scenario with `policy` serving everyone and regret accounting on.
///
/// # Errors
///
/// [`CompareError::Invalid`] with the field paths of the problems.
pub fn compare_scenario(
    base: &Scenario,
    label: &str,
    policy: PolicySpec,
) -> Result<Scenario, CompareError> {
    let mut spec = base.spec().clone();
    spec.stack.policy = policy;
    spec.experiments.clear();
    spec.report.regret = true;
    spec.report.event_log = false;
    spec.report.propensities = false;
    spec.validate(Path::new(label), base.name())
        .map_err(|source| CompareError::Invalid {
            label: label.to_owned(),
            source,
        })
}

/// Runs every (policy, seed) cell; `result[p][s]` is policy p on seed index s.
#[must_use]
pub fn run_cells(scenarios: &[Scenario], n_seeds: usize) -> Vec<Vec<CellResult>> {
    let by_seed: Vec<Vec<CellResult>> = (0..n_seeds as u64)
        .into_par_iter()
        .map(|replicate| {
            let seeds = SeedTree {
                seed: scenarios[0].spec().seed,
                replicate,
            };
            // The world ignores the policy: generate it once per seed.
            let world = World::generate(&scenarios[0], &seeds);
            scenarios
                .par_iter()
                .map(|scenario| cell(scenario, &seeds, &world))
                .collect()
        })
        .collect();
    (0..scenarios.len())
        .map(|p| by_seed.iter().map(|row| row[p].clone()).collect())
        .collect()
}

fn cell(scenario: &Scenario, seeds: &SeedTree, world: &World) -> CellResult {
    let outcome = sim::replay(scenario, seeds, world, &mut NoEvents, &mut |_| {})
        .expect("NoEvents never fails");
    let ledger = outcome.regret.as_ref().expect("compare turns regret on");
    let slot = &ledger.slots[0];
    let requests = outcome.overall.requests;
    let n = (requests as f64).max(1.0);
    let basis = ExposureBasis::new(&world.catalogue, &world.warm_up, world.population.len());
    let exposure = Exposure::of(&outcome.exposure, &basis);
    let mut cumulative = 0.0;
    CellResult {
        requests,
        oracle_regret: slot.total.regret,
        hindsight_regret: slot.hindsight_regret(),
        expected_reward: slot.total.shown_reward,
        expected_reward_rate: slot.total.shown_reward / n,
        ctr: outcome.overall.clicks as f64 / n,
        gini: exposure.gini,
        coverage: exposure.coverage,
        exploration_share: slot.total.explored as f64 / n,
        regret_curve: slot
            .timeseries
            .iter()
            .map(|c| {
                cumulative += c.regret;
                cumulative
            })
            .collect(),
    }
}

/// Parses the policies, runs every cell and summarises.
///
/// # Errors
///
/// [`CompareError`] for a policy that does not parse or validate, or no policy/seed.
pub fn compare(
    base: &Scenario,
    policies: &[String],
    n_seeds: usize,
) -> Result<CompareReport, CompareError> {
    if policies.is_empty() {
        return Err(CompareError::NoPolicy);
    }
    if n_seeds == 0 {
        return Err(CompareError::NoSeeds);
    }
    let arms: Vec<&str> = base.spec().stack.arms.iter().map(|a| a.name()).collect();
    let mut scenarios = Vec::with_capacity(policies.len());
    for label in policies {
        let spec = parse_policy(label, &arms)?;
        scenarios.push(compare_scenario(base, label, spec)?);
    }
    let cells = run_cells(&scenarios, n_seeds);
    let first = &cells[0];
    let rows = policies
        .iter()
        .zip(&scenarios)
        .zip(&cells)
        .map(|((label, scenario), cells)| {
            let of =
                |f: fn(&CellResult) -> f64| mean_interval(&cells.iter().map(f).collect::<Vec<_>>());
            let paired = |f: fn(&CellResult) -> f64| {
                mean_interval(
                    &cells
                        .iter()
                        .zip(first)
                        .map(|(c, f0)| f(c) - f(f0))
                        .collect::<Vec<_>>(),
                )
            };
            let n_buckets = cells[0].regret_curve.len();
            PolicyRow {
                label: label.clone(),
                resolved: ShortSyntax(&scenario.spec().stack.policy).to_string(),
                oracle_regret: of(|c| c.oracle_regret),
                hindsight_regret: of(|c| c.hindsight_regret),
                expected_reward_rate: of(|c| c.expected_reward_rate),
                ctr: of(|c| c.ctr),
                gini: of(|c| c.gini),
                coverage: of(|c| c.coverage),
                exploration_share: of(|c| c.exploration_share),
                oracle_regret_vs_first: paired(|c| c.oracle_regret),
                expected_reward_rate_vs_first: paired(|c| c.expected_reward_rate),
                ctr_vs_first: paired(|c| c.ctr),
                regret_curve: (0..n_buckets)
                    .map(|b| {
                        mean_interval(&cells.iter().map(|c| c.regret_curve[b]).collect::<Vec<_>>())
                    })
                    .collect(),
                cells: cells.clone(),
            }
        })
        .collect();
    Ok(CompareReport {
        scenario: base.name().to_owned(),
        seed: base.spec().seed,
        n_seeds,
        bucket_hours: base.spec().report.timeseries_bucket_hours,
        policies: rows,
    })
}
