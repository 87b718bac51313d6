//! Resumable runs: a run writes a checkpoint every N simulated days and when asked to
//! stop, and `recolab run --resume DIR` continues it to the report an uninterrupted
//! run writes, byte for byte (docs/CHECKPOINTS.md).
//!
//! | part | what it does |
//! | --- | --- |
//! | [`CheckpointOptions`] | where, how often, and the flag a signal handler sets |
//! | [`Checkpointer`] | the replay's [`crate::sim::Boundaries`]: decides at each midnight whether to write and whether to stop |
//! | [`Checkpoint`] | one checkpoint file read back and checked against the scenario |
//! | [`CheckpointError`] | why a folder cannot be resumed: missing, corrupt, another format version, another scenario |
//!
//! A checkpoint folder holds `checkpoint.bin` and, with `report.event_log`, the run's
//! `events.jsonl` as written so far (the checkpoint saves its length; a resumed run
//! cuts the file back to it and appends). The report itself is written only at the
//! end, into a hidden folder renamed into place ([`crate::report::ReportDir`]), so an
//! interrupted run never leaves a report folder that looks complete.

mod error;
mod file;

pub use error::CheckpointError;
pub use file::{
    CHECKPOINT_FILE, CHECKPOINT_FORMAT_VERSION, Checkpoint, Written, saved_cadence,
    scenario_fingerprint,
};

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::scenario::Scenario;
use crate::sim::{Boundaries, Boundary, Flow};

/// How a run checkpoints.
#[derive(Clone, Debug)]
pub struct CheckpointOptions {
    /// The checkpoint folder (created if missing).
    pub dir: PathBuf,
    /// Write a checkpoint at the first midnight at least this many simulated days
    /// after the last one (or after day 0).
    pub every_days: u32,
    /// Set (by a SIGINT/SIGTERM handler) to stop at the next midnight, after writing
    /// a checkpoint there.
    pub stop: Arc<AtomicBool>,
    /// Stop, with a checkpoint, at the first midnight at or after this day: an
    /// interruption at a chosen point, for tests and demonstrations.
    pub stop_after_days: Option<u32>,
}

/// Writes a run's checkpoints at the replay's day boundaries.
#[derive(Debug)]
pub struct Checkpointer<'a> {
    options: &'a CheckpointOptions,
    scenario: &'a Scenario,
    fingerprint: u64,
    last_day: u32,
    stopped_at: Option<u32>,
    written: Vec<Written>,
}

impl<'a> Checkpointer<'a> {
    /// A checkpointer for a run of `scenario`, whose last checkpoint (if it resumes
    /// one) was at `last_day`.
    #[must_use]
    pub fn new(options: &'a CheckpointOptions, scenario: &'a Scenario, last_day: u32) -> Self {
        Self {
            options,
            scenario,
            fingerprint: scenario_fingerprint(scenario),
            last_day,
            stopped_at: None,
            written: Vec::new(),
        }
    }

    /// The day the run stopped at, if it was stopped.
    #[must_use]
    pub fn stopped_at(&self) -> Option<u32> {
        self.stopped_at
    }

    /// Every checkpoint written: day, bytes, seconds taken.
    #[must_use]
    pub fn written(&self) -> &[Written] {
        &self.written
    }
}

impl Boundaries for Checkpointer<'_> {
    fn at(&mut self, boundary: &Boundary<'_>) -> std::io::Result<Flow> {
        let stop = self.options.stop.load(Ordering::SeqCst)
            || self
                .options
                .stop_after_days
                .is_some_and(|d| boundary.day >= d);
        let due = boundary.day >= self.last_day.saturating_add(self.options.every_days);
        if stop || due {
            let written = file::write(
                &self.options.dir,
                self.scenario,
                self.fingerprint,
                self.options.every_days,
                boundary,
            )?;
            self.written.push(written);
            self.last_day = boundary.day;
        }
        if stop {
            self.stopped_at = Some(boundary.day);
            return Ok(Flow::Stop);
        }
        Ok(Flow::Continue)
    }
}
