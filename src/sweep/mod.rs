//! Many runs at once: policies × seeds in parallel, reduced in a fixed order.

mod compare;
mod interval;

pub use compare::{
    CellResult, CompareError, CompareReport, PolicyRow, compare, compare_scenario, run_cells,
};
pub use interval::{Interval, mean_interval};
