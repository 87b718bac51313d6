//! A sweep's plan: the base scenario, the settings, the seeds, every unit (cell ×
//! seed) and which units a shard runs.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::scenario::Scenario;

use super::grid::{SetError, Setting, apply, combinations};
use super::unit::{UnitResult, run_unit};

/// Why a sweep cannot run.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// A `--set` does not apply.
    #[error(transparent)]
    Set(#[from] SetError),
    /// No seeds.
    #[error("--seeds is 0; fix: use at least 1 (20 gives usable intervals)")]
    NoSeeds,
    /// The same path swept twice.
    #[error("--set {0} is given twice; fix: list all its values in one --set")]
    Repeated(String),
    /// A bad `--shard`.
    #[error("--shard {0}: {1}")]
    Shard(String, String),
    /// Shards that do not belong together, or a missing shard.
    #[error("{0}")]
    Merge(String),
}

/// Which slice of the units a process runs: units `u` with `u mod count = index − 1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// 1-based index.
    pub index: usize,
    /// Number of shards.
    pub count: usize,
}

impl Shard {
    /// Parses `I/N` with 1 ≤ I ≤ N.
    ///
    /// # Errors
    ///
    /// [`SweepError::Shard`] with the fix.
    pub fn parse(text: &str) -> Result<Self, SweepError> {
        let bad = |why: &str| SweepError::Shard(text.to_owned(), why.to_owned());
        let (i, n) = text
            .split_once('/')
            .ok_or_else(|| bad("expected I/N, e.g. 3/10 (slice 3 of 10)"))?;
        let index: usize = i
            .trim()
            .parse()
            .map_err(|_| bad("I is not a whole number"))?;
        let count: usize = n
            .trim()
            .parse()
            .map_err(|_| bad("N is not a whole number"))?;
        if count == 0 || index == 0 || index > count {
            return Err(bad("use 1 ≤ I ≤ N, e.g. 1/4 … 4/4"));
        }
        Ok(Self { index, count })
    }

    /// Whether unit `u` belongs to this shard.
    #[must_use]
    pub fn holds(&self, unit: usize) -> bool {
        unit % self.count == self.index - 1
    }
}

/// The whole sweep: every cell's scenario and the seeds.
#[derive(Clone, Debug)]
pub struct SweepPlan {
    /// The base scenario.
    pub base: Scenario,
    /// The swept fields.
    pub settings: Vec<Setting>,
    /// Value index of each setting, per cell.
    pub cells: Vec<Vec<usize>>,
    /// The scenario of each cell.
    pub scenarios: Vec<Scenario>,
    /// Seeds per cell.
    pub n_seeds: usize,
}

impl SweepPlan {
    /// Builds and validates every cell's scenario.
    ///
    /// # Errors
    ///
    /// [`SweepError`] for a repeated path, a value that does not apply, or 0 seeds.
    pub fn new(base: Scenario, settings: Vec<Setting>, n_seeds: usize) -> Result<Self, SweepError> {
        if n_seeds == 0 {
            return Err(SweepError::NoSeeds);
        }
        for (i, s) in settings.iter().enumerate() {
            if settings[..i].iter().any(|t| t.path == s.path) {
                return Err(SweepError::Repeated(s.path.clone()));
            }
        }
        let cells = combinations(&settings);
        let scenarios = cells
            .iter()
            .map(|cell| {
                let assignments: Vec<(&str, &str)> = settings
                    .iter()
                    .zip(cell)
                    .map(|(s, &v)| (s.path.as_str(), s.values[v].as_str()))
                    .collect();
                apply(&base, &assignments)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            base,
            settings,
            cells,
            scenarios,
            n_seeds,
        })
    }

    /// Number of units (cells × seeds).
    #[must_use]
    pub fn n_units(&self) -> usize {
        self.cells.len() * self.n_seeds
    }

    /// A cell's label, e.g. `stack.diversity.weight=0.3`; `base` without settings.
    #[must_use]
    pub fn label(&self, cell: usize) -> String {
        if self.settings.is_empty() {
            return "base".into();
        }
        self.settings
            .iter()
            .zip(&self.cells[cell])
            .map(|(s, &v)| format!("{}={}", s.path, s.values[v]))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Runs the units of `shard` (all without one) in parallel, in unit order;
    /// `on_unit` is called as each finishes.
    #[must_use]
    pub fn run(&self, shard: Option<Shard>, on_unit: &(dyn Fn() + Sync)) -> Vec<UnitResult> {
        let units: Vec<usize> = (0..self.n_units())
            .filter(|&u| shard.is_none_or(|s| s.holds(u)))
            .collect();
        units
            .par_iter()
            .map(|&u| {
                let (cell, seed) = (u / self.n_seeds, u % self.n_seeds);
                let result = run_unit(&self.scenarios[cell], cell, seed);
                on_unit();
                result
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_units() {
        let shards: Vec<Shard> = (1..=3).map(|i| Shard { index: i, count: 3 }).collect();
        for u in 0..20 {
            assert_eq!(shards.iter().filter(|s| s.holds(u)).count(), 1);
        }
        assert_eq!(Shard::parse("2/3").unwrap(), shards[1]);
        for bad in ["0/3", "4/3", "1/0", "x/2", "2"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
    }
}
