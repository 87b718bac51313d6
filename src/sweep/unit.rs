//! One unit of a sweep: one grid cell on one seed, replayed, and what it measured.

use serde::{Deserialize, Serialize};

use crate::eval::{Engagement, Exposure, ExposureBasis};
use crate::rng::SeedTree;
use crate::scenario::Scenario;
use crate::sim::{self, NoEvents};
use crate::world::World;

/// Names of the metrics of a unit, in report order.
pub const UNIT_METRICS: [&str; 11] = [
    "ctr",
    "expected_ctr",
    "mean_rating",
    "gini",
    "coverage",
    "novelty",
    "serendipity",
    "dissimilar_click_share",
    "long_tail_share",
    "niche_click_share",
    "regret",
];

/// What one (cell, seed) measured; `None` where undefined (no ratings, regret off).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitResult {
    /// Grid cell index.
    pub cell: usize,
    /// Seed index (replicate of the scenario's seed).
    pub seed: usize,
    /// Requests served.
    pub requests: u64,
    /// Values in [`UNIT_METRICS`] order.
    pub metrics: Vec<Option<f64>>,
}

impl UnitResult {
    /// The value of `name`.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<f64> {
        UNIT_METRICS
            .iter()
            .position(|&n| n == name)
            .and_then(|i| self.metrics.get(i).copied().flatten())
    }
}

/// Replays `scenario` on replicate `seed` of its seed tree (no event log, no offline
/// table) and measures the unit.
///
/// # Determinism
///
/// The world and the replay draw only from the streams of replicate `seed`, so the
/// result depends on (scenario, seed) alone, whatever runs beside it.
#[must_use]
pub fn run_unit(scenario: &Scenario, cell: usize, seed: usize) -> UnitResult {
    let seeds = SeedTree {
        seed: scenario.spec().seed,
        replicate: seed as u64,
    };
    let world = World::generate(scenario, &seeds);
    let outcome = sim::replay(scenario, &seeds, &world, &mut NoEvents, &mut |_| {})
        .expect("NoEvents never fails");
    let basis = ExposureBasis::new(&world.catalogue, &world.warm_up, world.population.len());
    let exposure = Exposure::of(&outcome.exposure, &basis);
    let engagement = Engagement::of(&outcome.overall);
    let unexpectedness = outcome.signals.overall_unexpectedness();
    let regret = outcome
        .regret
        .as_ref()
        .map(|ledger| ledger.slots.iter().map(|s| s.total.regret).sum::<f64>());
    UnitResult {
        cell,
        seed,
        requests: engagement.requests,
        metrics: vec![
            engagement.ctr,
            engagement.expected_ctr,
            engagement.mean_rating,
            Some(exposure.gini),
            Some(exposure.coverage),
            exposure.mean_self_information,
            unexpectedness.mean(),
            unexpectedness.dissimilar_click_share(),
            exposure.long_tail_share,
            engagement.niche_click_share,
            regret,
        ],
    }
}
