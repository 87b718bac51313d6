//! The simulated-time scheduler: retraining ([`RetrainSchedule`]) and the
//! snapshots of bandit state and metrics ([`SnapshotSchedule`]), and the training
//! runs' log.

use serde::{Deserialize, Serialize};

use crate::interaction::{SECS_PER_HOUR, SimSecs};
use crate::scenario::spec::PipelineSpec;

use super::search::SearchLog;
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
    /// With `pipeline.gate.search`: the configurations searched, their validation
    /// scores and the chosen ones.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search: Option<Box<SearchLog>>,
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

impl ModelUpdateLog {
    /// The entry of `version` at `time_secs` with `decision`: learned from everything
    /// (`window_start_secs` none), nothing counted, no warm start, and none of the
    /// optional parts; callers set what their run has with struct update syntax.
    #[must_use]
    pub fn new(version: u32, time_secs: SimSecs, decision: UpdateDecision) -> Self {
        Self {
            version,
            time_secs,
            window_start_secs: None,
            n_interactions: 0,
            warm_start: false,
            decision,
            search: None,
            evaluation: None,
            fault: None,
            rollout: None,
        }
    }
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

    /// Moves past the next due time, whenever that is (one that was already taken).
    pub fn skip(&mut self) {
        if let Some(every) = self.every_secs {
            self.next_secs += every;
        }
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

/// The scheduler's snapshot jobs: bandit state every
/// `pipeline.bandit_snapshot_every_hours`, metrics every
/// `pipeline.metric_snapshot_every_hours` (0 = never), from time 0.
#[derive(Clone, Debug)]
pub struct SnapshotSchedule {
    /// When bandit snapshots fall due.
    pub bandit: RetrainSchedule,
    /// When metric snapshots fall due.
    pub metrics: RetrainSchedule,
}

/// A snapshot that fell due.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SnapshotKind {
    /// Every policy slot's learned state.
    Bandit,
    /// The run's metrics so far.
    Metrics,
}

impl SnapshotSchedule {
    /// The schedule of `pipeline`, with the first `n_bandit` bandit and `n_metrics`
    /// metric snapshots already taken (a resumed run's).
    #[must_use]
    pub fn new(pipeline: &PipelineSpec, n_bandit: usize, n_metrics: usize) -> Self {
        let mut out = Self {
            bandit: RetrainSchedule::every_hours(pipeline.bandit_snapshot_every_hours),
            metrics: RetrainSchedule::every_hours(pipeline.metric_snapshot_every_hours),
        };
        for _ in 0..n_bandit {
            out.bandit.skip();
        }
        for _ in 0..n_metrics {
            out.metrics.skip();
        }
        out
    }

    /// When the next snapshot falls due (`SimSecs::MAX` when never).
    #[must_use]
    pub fn next_at(&self) -> SimSecs {
        self.bandit.next_at().min(self.metrics.next_at())
    }

    /// The next snapshot due at or before `now`, with its time (bandit before
    /// metrics at the same time); call until `None`.
    pub fn due(&mut self, now: SimSecs) -> Option<(SnapshotKind, SimSecs)> {
        if self.bandit.next_at() <= self.metrics.next_at()
            && let Some(at) = self.bandit.due(now)
        {
            return Some((SnapshotKind::Bandit, at));
        }
        if let Some(at) = self.metrics.due(now) {
            return Some((SnapshotKind::Metrics, at));
        }
        self.bandit.due(now).map(|at| (SnapshotKind::Bandit, at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots_fall_due_in_time_order_and_resume_after_those_taken() {
        let pipeline = PipelineSpec {
            bandit_snapshot_every_hours: 12.0,
            metric_snapshot_every_hours: 8.0,
            ..PipelineSpec::default()
        };
        let h = SECS_PER_HOUR;
        let mut s = SnapshotSchedule::new(&pipeline, 0, 0);
        assert_eq!(s.next_at(), 8 * h);
        let mut got = Vec::new();
        while let Some(d) = s.due(24 * h) {
            got.push(d);
        }
        use SnapshotKind::{Bandit, Metrics};
        assert_eq!(
            got,
            [
                (Metrics, 8 * h),
                (Bandit, 12 * h),
                (Metrics, 16 * h),
                (Bandit, 24 * h),
                (Metrics, 24 * h)
            ]
        );
        // Resumed with 1 bandit and 2 metric snapshots taken: next are 24 h and 24 h.
        let mut r = SnapshotSchedule::new(&pipeline, 1, 2);
        assert_eq!(r.due(24 * h), Some((Bandit, 24 * h)));
        assert_eq!(r.due(24 * h), Some((Metrics, 24 * h)));
        assert_eq!(r.due(24 * h), None);
        // Off by default.
        assert_eq!(
            SnapshotSchedule::new(&PipelineSpec::default(), 0, 0).next_at(),
            SimSecs::MAX
        );
    }

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
