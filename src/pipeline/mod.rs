//! The simulated training pipeline: when arms are retrained and what each run logged.
//!
//! Today the pipeline fits every arm on the warm-up log at day 0 (model version 1) and
//! then, every `pipeline.retrain_every_hours`, warm-starts every arm with the
//! interactions since the previous run (the plan's continuous learning, step 5). Each
//! run is a [`ModelUpdateLog`] entry in the report. Before day 0, [`offline_table`] trains
//! every arm kind on a held-out split and writes the offline table.

pub mod offline_table;
mod schedule;

pub use schedule::{ModelUpdateLog, RetrainSchedule, UpdateDecision};
