//! The scheduler's snapshot files: `bandit_snapshots.json` and
//! `metric_snapshots.json` (`pipeline.bandit_snapshot_every_hours`,
//! `pipeline.metric_snapshot_every_hours`).

use serde::Serialize;

use crate::bandit::state::BanditStateFile;
use crate::error::Result;
use crate::interaction::SimSecs;
use crate::scenario::spec::PipelineSpec;
use crate::sim::{MetricSnapshot, RunOutcome};

use super::ReportDir;
use super::files::to_json;

/// Name of the bandit snapshots file.
pub const BANDIT_SNAPSHOTS_FILE: &str = "bandit_snapshots.json";
/// Name of the metric snapshots file.
pub const METRIC_SNAPSHOTS_FILE: &str = "metric_snapshots.json";
/// Format tag of `bandit_snapshots.json`.
pub const BANDIT_SNAPSHOTS_FORMAT: &str = "recolab-bandit-snapshots";
/// Format tag of `metric_snapshots.json`.
pub const METRIC_SNAPSHOTS_FORMAT: &str = "recolab-metric-snapshots";

#[derive(Serialize)]
struct TimedState {
    time_secs: SimSecs,
    /// A whole `bandit_state.json` (version 2): `--resume-bandit` reads it.
    state: BanditStateFile,
}

#[derive(Serialize)]
struct Snapshots<'a, T> {
    format: &'static str,
    version: u32,
    every_hours: f64,
    snapshots: &'a [T],
}

/// Writes each snapshot file whose cadence `pipeline` sets (none by default).
///
/// # Errors
///
/// [`crate::Error::Io`] naming the file.
pub fn write_snapshots(
    dir: &ReportDir,
    scenario: &str,
    pipeline: &PipelineSpec,
    outcome: &RunOutcome,
) -> Result<()> {
    if pipeline.bandit_snapshot_every_hours > 0.0 {
        let arm_names: Vec<&str> = outcome.by_arm.iter().map(|(n, _)| n.as_str()).collect();
        let states: Vec<TimedState> = outcome
            .bandit_snapshots
            .iter()
            .map(|s| TimedState {
                time_secs: s.time_secs,
                state: BanditStateFile::from_slots(scenario, &arm_names, &s.slots),
            })
            .collect();
        let file = Snapshots {
            format: BANDIT_SNAPSHOTS_FORMAT,
            version: 1,
            every_hours: pipeline.bandit_snapshot_every_hours,
            snapshots: &states,
        };
        dir.write(BANDIT_SNAPSHOTS_FILE, &to_json(&file))?;
    }
    if pipeline.metric_snapshot_every_hours > 0.0 {
        let file: Snapshots<'_, MetricSnapshot> = Snapshots {
            format: METRIC_SNAPSHOTS_FORMAT,
            version: 1,
            every_hours: pipeline.metric_snapshot_every_hours,
            snapshots: &outcome.metric_snapshots,
        };
        dir.write(METRIC_SNAPSHOTS_FILE, &to_json(&file))?;
    }
    Ok(())
}
