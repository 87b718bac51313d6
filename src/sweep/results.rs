//! A sweep's results: the shard file one slice writes, merging slices, and the
//! aggregate (mean and 95% interval per cell and metric).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::grid::{Setting, combinations};
use super::interval::{Interval, mean_interval};
use super::plan::{Shard, SweepError, SweepPlan};
use super::unit::{UNIT_METRICS, UnitResult};

/// Version of the `shard.json` and `sweep.json` layouts.
pub const SWEEP_FORMAT_VERSION: u32 = 1;

/// File a `--shard` run writes into its folder.
pub const SHARD_FILE: &str = "shard.json";

/// What one slice of a sweep writes (`shard.json`), enough for `recolab merge` to
/// check that slices belong together and to rebuild the whole sweep.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardFile {
    /// Layout version.
    pub format_version: u32,
    /// Scenario name.
    pub scenario: String,
    /// The resolved base scenario (RON): slices of one sweep hold the same text.
    pub scenario_ron: String,
    /// The scenario's seed.
    pub seed: u64,
    /// The swept fields.
    pub settings: Vec<Setting>,
    /// Seeds per cell.
    pub n_seeds: usize,
    /// Which slice this is.
    pub shard: Shard,
    /// Its units, in unit order.
    pub units: Vec<UnitResult>,
}

impl ShardFile {
    /// The slice `shard` of `plan` with its results.
    #[must_use]
    pub fn new(plan: &SweepPlan, shard: Shard, units: Vec<UnitResult>) -> Self {
        Self {
            format_version: SWEEP_FORMAT_VERSION,
            scenario: plan.base.name().to_owned(),
            scenario_ron: plan.base.to_ron(),
            seed: plan.base.spec().seed,
            settings: plan.settings.clone(),
            n_seeds: plan.n_seeds,
            shard,
            units,
        }
    }
}

/// One cell of the aggregate.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CellSummary {
    /// Cell index.
    pub cell: usize,
    /// `path=value …`, or `base`.
    pub label: String,
    /// The value of each setting, in setting order.
    pub values: Vec<String>,
    /// Mean and 95% t-interval over seeds, per metric in [`UNIT_METRICS`] order;
    /// `None` where no seed defines the metric.
    pub metrics: Vec<(String, Option<Interval>)>,
}

/// The whole sweep (`sweep.json`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SweepReport {
    /// Layout version.
    pub format_version: u32,
    /// Scenario name.
    pub scenario: String,
    /// The scenario's seed (replicates 0..n_seeds of it).
    pub seed: u64,
    /// Seeds per cell.
    pub n_seeds: usize,
    /// The swept fields.
    pub settings: Vec<Setting>,
    /// One row per cell, first setting varying slowest.
    pub cells: Vec<CellSummary>,
    /// Every unit, in (cell, seed) order.
    pub units: Vec<UnitResult>,
}

impl SweepReport {
    /// Aggregates every unit of a sweep (`units` in (cell, seed) order, complete).
    #[must_use]
    pub fn new(
        scenario: &str,
        seed: u64,
        settings: Vec<Setting>,
        n_seeds: usize,
        units: Vec<UnitResult>,
    ) -> Self {
        let cells = combinations(&settings)
            .into_iter()
            .enumerate()
            .map(|(c, indices)| {
                let values: Vec<String> = settings
                    .iter()
                    .zip(&indices)
                    .map(|(s, &v)| s.values[v].clone())
                    .collect();
                let label = if settings.is_empty() {
                    "base".to_owned()
                } else {
                    settings
                        .iter()
                        .zip(&values)
                        .map(|(s, v)| format!("{}={v}", s.path))
                        .collect::<Vec<_>>()
                        .join(" ")
                };
                let of_cell = &units[c * n_seeds..(c + 1) * n_seeds];
                CellSummary {
                    cell: c,
                    label,
                    values,
                    metrics: UNIT_METRICS
                        .iter()
                        .map(|&name| {
                            let xs: Vec<f64> = of_cell.iter().filter_map(|u| u.get(name)).collect();
                            (
                                name.to_owned(),
                                (!xs.is_empty()).then(|| mean_interval(&xs)),
                            )
                        })
                        .collect(),
                }
            })
            .collect();
        Self {
            format_version: SWEEP_FORMAT_VERSION,
            scenario: scenario.to_owned(),
            seed,
            n_seeds,
            settings,
            cells,
            units,
        }
    }

    /// The aggregate of a whole (unsharded) run of `plan`.
    #[must_use]
    pub fn of_plan(plan: &SweepPlan, units: Vec<UnitResult>) -> Self {
        Self::new(
            plan.base.name(),
            plan.base.spec().seed,
            plan.settings.clone(),
            plan.n_seeds,
            units,
        )
    }
}

/// Merges the slices of one sweep into its aggregate.
///
/// # Errors
///
/// [`SweepError::Merge`] naming the file when slices come from different sweeps
/// (scenario, settings, seeds, shard count), a slice is repeated or missing, or the
/// units do not cover the grid exactly once.
pub fn merge(shards: Vec<(PathBuf, ShardFile)>) -> Result<SweepReport, SweepError> {
    let Some((first_path, first)) = shards.first().cloned() else {
        return Err(SweepError::Merge(
            "no shard given; fix: pass every slice's folder, e.g. recolab merge out/shard-*".into(),
        ));
    };
    let count = first.shard.count;
    let mut seen = vec![false; count];
    let mut units = Vec::new();
    for (path, s) in shards {
        let differs = |what: &str| {
            SweepError::Merge(format!(
                "{}: its {what} differs from {}'s; fix: merge only the slices of one sweep \
                 (same scenario file, --set, --seeds and --shard count)",
                path.display(),
                first_path.display()
            ))
        };
        if s.format_version != SWEEP_FORMAT_VERSION {
            return Err(SweepError::Merge(format!(
                "{}: format_version {} is not {SWEEP_FORMAT_VERSION}; fix: rerun the slice with this recolab",
                path.display(),
                s.format_version
            )));
        }
        if s.scenario_ron != first.scenario_ron || s.seed != first.seed {
            return Err(differs("scenario"));
        }
        if s.settings != first.settings {
            return Err(differs("--set grid"));
        }
        if s.n_seeds != first.n_seeds {
            return Err(differs("--seeds"));
        }
        if s.shard.count != count {
            return Err(differs("shard count"));
        }
        let i = s.shard.index;
        if i == 0 || i > count || seen[i - 1] {
            return Err(SweepError::Merge(format!(
                "{}: slice {i}/{count} is given twice (or out of range); fix: pass each slice once",
                path.display()
            )));
        }
        seen[i - 1] = true;
        units.extend(s.units);
    }
    if let Some(missing) = seen.iter().position(|s| !s) {
        return Err(SweepError::Merge(format!(
            "slice {}/{count} is missing; fix: run `recolab sweep … --shard {}/{count}` and pass its folder too",
            missing + 1,
            missing + 1
        )));
    }
    units.sort_by_key(|u| (u.cell, u.seed));
    let n_cells = combinations(&first.settings).len();
    let expected = n_cells * first.n_seeds;
    let complete = units.len() == expected
        && units
            .iter()
            .enumerate()
            .all(|(k, u)| u.cell == k / first.n_seeds && u.seed == k % first.n_seeds);
    if !complete {
        return Err(SweepError::Merge(format!(
            "the slices hold {} units where the grid has {expected} (cells × seeds); fix: rerun the slices",
            units.len()
        )));
    }
    Ok(SweepReport::new(
        &first.scenario,
        first.seed,
        first.settings,
        first.n_seeds,
        units,
    ))
}
