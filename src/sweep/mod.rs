//! Many runs at once, reduced in a fixed order:
//!
//! - `recolab compare` ([`compare`]): policies × seeds on common random numbers;
//! - `recolab sweep` ([`SweepPlan`]): every combination of `--set PATH=V1,V2,…` values
//!   ([`grid`]) × seeds, each unit replayed in parallel ([`run_unit`]) and aggregated
//!   per cell with 95% intervals ([`SweepReport`]); `--shard I/N` runs one slice and
//!   writes a [`ShardFile`], and [`merge`] rebuilds the whole sweep from the slices, byte
//!   for byte what the unsharded sweep writes (docs/SCALING.md).
//! - `recolab aa` and `recolab power`: A/A series and power studies of an experiment.

mod aa;
mod compare;
pub mod grid;
mod interval;
mod plan;
mod power;
mod results;
mod trials;
mod unit;

pub use aa::{AA_LEVEL, AaReport, AaRun, RateCheck, aa, aa_scenario};
pub use compare::{
    CellResult, CompareError, CompareReport, PolicyRow, compare, compare_scenario, run_cells,
};
pub use grid::{SetError, Setting};
pub use interval::{Interval, mean_interval};
pub use plan::{Shard, SweepError, SweepPlan};
pub use power::{POWER_LEVEL, PowerCell, PowerReport, PowerRow, Rate, power};
pub use results::{CellSummary, SHARD_FILE, SWEEP_FORMAT_VERSION, ShardFile, SweepReport, merge};
pub use trials::{TrialRun, TrialsError, run_trials, salted};
pub use unit::{UNIT_METRICS, UnitResult, run_unit};
