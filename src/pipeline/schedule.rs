//! The retraining schedule and its log.

use serde::{Deserialize, Serialize};

use crate::interaction::{SECS_PER_HOUR, SimSecs};

use super::training_run::VersionEvaluation;

/// What happened to a trained model version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UpdateDecision {
    /// Serving all traffic.
    Deployed,
    /// Refused by the deployment gate (`pipeline.gate`): the deployed version stays.
    Rejected,
    /// The job failed (`pipeline.faults`, `pipeline.work_budget`): nothing was
    /// fitted and the deployed version stays.
    Failed,
    /// Rolled out (`pipeline.rollout`) and rolled back when a watched online metric
    /// degraded: the previous version serves again.
    RolledBack,
    /// Not run: a rollout (`pipeline.rollout`) was under way when it fell due.
    Skipped,
}

/// One training run (the plan's `ModelUpdateLog` table).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelUpdateLog {
    /// Model version, from 1 (the initial fit).
    pub version: u32,
    /// When the run happened.
    pub time_secs: SimSecs,
    /// Start of the data window (exclusive) the run learned from; `None` = everything.
    pub window_start_secs: Option<SimSecs>,
    /// Interactions learned from in this run.
    pub n_interactions: usize,
    /// Whether it was a warm start from the previous version.
    pub warm_start: bool,
    /// What happened to the version.
    pub decision: UpdateDecision,
    /// With `pipeline.gate`: the offline evaluation the gate decided on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evaluation: Option<VersionEvaluation>,
    /// What went wrong: why the run failed (decision `failed`), or the injected
    /// fault it trained through (a corrupted batch).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<String>,
    /// With `pipeline.rollout`: the version's staged rollout.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollout: Option<super::rollout::RolloutLog>,
}

/// When the next incremental update is due.
#[derive(Clone, Debug)]
pub struct RetrainSchedule {
    every_secs: Option<SimSecs>,
    next_secs: SimSecs,
}

impl RetrainSchedule {
    /// A schedule every `hours` simulated hours from time 0; 0 means never.
    #[must_use]
    pub fn every_hours(hours: f64) -> Self {
        let every = (hours * SECS_PER_HOUR as f64).round() as SimSecs;
        let every_secs = (every > 0).then_some(every);
        Self {
            every_secs,
            next_secs: every_secs.unwrap_or(SimSecs::MAX),
        }
    }

    /// When the next update falls due (`SimSecs::MAX` when never): requests before it
    /// are served by the current models.
    #[must_use]
    pub fn next_at(&self) -> SimSecs {
        self.next_secs
    }

    /// If an update is due at or before `now`, its scheduled time (and the schedule
    /// moves on); call repeatedly until `None` to catch up on idle periods.
    pub fn due(&mut self, now: SimSecs) -> Option<SimSecs> {
        let every = self.every_secs?;
        if now < self.next_secs {
            return None;
        }
        let at = self.next_secs;
        self.next_secs += every;
        Some(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_fires_on_each_boundary_once() {
        let mut s = RetrainSchedule::every_hours(6.0);
        assert_eq!(s.due(100), None);
        assert_eq!(s.due(13 * SECS_PER_HOUR), Some(6 * SECS_PER_HOUR));
        assert_eq!(s.due(13 * SECS_PER_HOUR), Some(12 * SECS_PER_HOUR));
        assert_eq!(s.due(13 * SECS_PER_HOUR), None);
        assert_eq!(
            RetrainSchedule::every_hours(0.0).due(SimSecs::MAX - 1),
            None
        );
    }
}
