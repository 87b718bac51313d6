//! Many runs at once: policies × seeds in parallel (`recolab compare`), A/A series
//! (`recolab aa`) and power studies (`recolab power`), reduced in a fixed order.

mod aa;
mod compare;
mod interval;
mod power;
mod trials;

pub use aa::{AA_LEVEL, AaReport, AaRun, RateCheck, aa, aa_scenario};
pub use compare::{
    CellResult, CompareError, CompareReport, PolicyRow, compare, compare_scenario, run_cells,
};
pub use interval::{Interval, mean_interval};
pub use power::{POWER_LEVEL, PowerCell, PowerReport, PowerRow, Rate, power};
pub use trials::{TrialRun, TrialsError, run_trials, salted};
