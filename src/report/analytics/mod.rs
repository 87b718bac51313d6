//! `analytics/*.json`: one document per monitoring endpoint of the plan (section 5),
//! under the plan's names, each with a `format_version`. `recolab serve` answers
//! `GET /analytics/NAME` with `analytics/NAME.json`. docs/REPORTS.md gives every
//! document's schema.
//!
//! | document | builder |
//! | --- | --- |
//! | `diversity-metrics` | [`diversity_metrics`] |
//! | `algorithm-performance` | [`algorithm_performance`] |
//! | `bandit-state` | [`bandit_state`] |
//! | `experiments` | [`experiments`] |
//! | `long-tail-coverage` | [`long_tail_coverage`] |
//!
//! The documents only rearrange and divide what the replay counted
//! ([`crate::sim::RunOutcome`], its [`crate::sim::ReportSignals`]) and what the run
//! summary and offline table computed; the only statistics are the 95% intervals of
//! [`interval`].

mod algorithms;
mod bandit_state;
mod diversity;
mod experiments;
pub mod interval;
mod long_tail;

pub use algorithms::{AlgorithmPerformance, ArmPerformance, algorithm_performance};
pub use bandit_state::{ArmPosterior, BanditState, ContextState, SlotState, bandit_state};
pub use diversity::{
    DiversityMetrics, DiversityRow, OfflineDiversity, OfflineDiversityRow, VariantDiversity,
    diversity_metrics,
};
pub use experiments::{ExperimentResult, Experiments, Lift, VariantResult, experiments};
pub use interval::Estimate;
pub use long_tail::{
    GenreRates, GroupRates, LongTailCoverage, LongTailGroups, VariantLongTail, long_tail_coverage,
};

use serde::Serialize;

use crate::error::Result;
use crate::pipeline::offline_table::OfflineTable;
use crate::run::RunSummary;
use crate::scenario::Scenario;
use crate::sim::{RunOutcome, VariantKey};
use crate::world::World;

use super::ReportDir;

/// Version of the layout of every analytics document; bumped with any change of a
/// document's fields.
pub const ANALYTICS_FORMAT_VERSION: u32 = 1;

/// The folder of the documents inside a report.
pub const ANALYTICS_DIR: &str = "analytics";

/// The documents, by endpoint name (`GET /analytics/NAME`, file `analytics/NAME.json`).
pub const ENDPOINTS: [&str; 5] = [
    "diversity-metrics",
    "algorithm-performance",
    "bandit-state",
    "experiments",
    "long-tail-coverage",
];

/// What a finished run hands the analytics builders.
#[derive(Clone, Copy, Debug)]
pub struct RunView<'a> {
    /// The resolved scenario.
    pub scenario: &'a Scenario,
    /// The generated world (public catalogue facts: genres, vote counts, niche flags).
    pub world: &'a World,
    /// The run summary.
    pub summary: &'a RunSummary,
    /// What the replay counted.
    pub outcome: &'a RunOutcome,
    /// The offline table, unless `report.offline_users` is 0.
    pub offline: Option<&'a OfflineTable>,
    /// The experiments' analysis, when the scenario declares experiments.
    pub experiments: Option<&'a crate::experiment::ExperimentsReport>,
    /// The monitoring alerts, when the scenario has `pipeline.alerts`.
    pub alerts: Option<&'a [crate::pipeline::alerts::Alert]>,
}

/// The header every document starts with.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Header {
    /// Layout version ([`ANALYTICS_FORMAT_VERSION`]).
    pub format_version: u32,
    /// The endpoint path, e.g. `/analytics/diversity-metrics`.
    pub endpoint: String,
    /// Scenario name.
    pub scenario: String,
    /// Seed of the run.
    pub seed: u64,
}

impl Header {
    fn new(view: &RunView<'_>, name: &str) -> Self {
        Self {
            format_version: ANALYTICS_FORMAT_VERSION,
            endpoint: format!("/analytics/{name}"),
            scenario: view.scenario.name().to_owned(),
            seed: view.scenario.spec().seed,
        }
    }
}

/// A policy slot's name in reports: `experiment/variant`, or `default` outside
/// experiments.
#[must_use]
pub fn group_name(key: &VariantKey) -> String {
    match &key.experiment {
        Some(e) => format!("{e}/{}", key.variant),
        None => key.variant.clone(),
    }
}

/// All five documents of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct Analytics {
    /// `diversity-metrics`.
    pub diversity: DiversityMetrics,
    /// `algorithm-performance`.
    pub algorithms: AlgorithmPerformance,
    /// `bandit-state`.
    pub bandit: BanditState,
    /// `experiments`.
    pub experiments: Experiments,
    /// `long-tail-coverage`.
    pub long_tail: LongTailCoverage,
}

impl Analytics {
    /// Builds every document of a run.
    #[must_use]
    pub fn of(view: &RunView<'_>) -> Self {
        Self {
            diversity: diversity_metrics(view),
            algorithms: algorithm_performance(view),
            bandit: bandit_state(view),
            experiments: experiments(view),
            long_tail: long_tail_coverage(view),
        }
    }

    /// Writes `analytics/NAME.json` for every endpoint.
    ///
    /// # Errors
    ///
    /// [`crate::Error::Io`] naming the file that failed.
    pub fn write(&self, dir: &ReportDir) -> Result<()> {
        std::fs::create_dir_all(dir.path(ANALYTICS_DIR))
            .map_err(|e| dir.io_error(ANALYTICS_DIR, e))?;
        let file = |name: &str| format!("{ANALYTICS_DIR}/{name}.json");
        dir.write(&file(ENDPOINTS[0]), &super::files::to_json(&self.diversity))?;
        dir.write(
            &file(ENDPOINTS[1]),
            &super::files::to_json(&self.algorithms),
        )?;
        dir.write(&file(ENDPOINTS[2]), &super::files::to_json(&self.bandit))?;
        dir.write(
            &file(ENDPOINTS[3]),
            &super::files::to_json(&self.experiments),
        )?;
        dir.write(&file(ENDPOINTS[4]), &super::files::to_json(&self.long_tail))?;
        Ok(())
    }
}
