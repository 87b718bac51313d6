//! `recolab check`: a report's metrics against a committed baseline (with
//! tolerances) and against the absolute bounds of its scenario's `checks` section.
//!
//! - [`ReportMetrics::read`] takes the metrics a report holds: the online diversity of
//!   `analytics/diversity-metrics.json`, the engagement of `summary.json` and, with
//!   `report.regret: true`, each policy slot's cumulative oracle regret
//!   (`regret.json`).
//! - [`Baseline`] is the committed file: the diversity metrics and regrets of one run
//!   (`recolab run --update-baseline FILE` writes it).
//! - [`compare`] flags a metric as regressed when it moved in its bad direction (Gini
//!   and regret up; coverage, novelty, serendipity, long-tail share down) by more than
//!   its [`Allowance`]; [`check_bounds`] applies the scenario's bounds.
//!
//! docs/CI.md shows the tables and the exit codes (0 pass, 1 regression, 2 unusable
//! input).

mod baseline;
mod bounds;
mod metrics;

pub use baseline::{
    Allowance, BASELINE_FORMAT_VERSION, Baseline, Comparison, Tolerance, Verdict, compare,
    comparison_table,
};
pub use bounds::{BoundCheck, bounds_table, check_bounds};
pub use metrics::{CHECKABLE_METRICS, Direction, ReportMetrics, direction};

use std::path::PathBuf;

/// Why a check could not run (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// A file could not be read.
    #[error("{}: cannot read: {source}; fix: {fix}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
        /// What to do.
        fix: String,
    },
    /// A file is not what it should be.
    #[error("{}: {problem}; fix: {fix}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the field.
        problem: String,
        /// What to do.
        fix: String,
    },
}
