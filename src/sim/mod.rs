//! The replay: simulated time, requests, responses, the event log.

mod ahead;
mod arrivals;
mod candidates;
mod checkpoint;
mod event;
mod outcome;
mod regret;
mod replay;
mod sessions;
mod signals;
mod slots;
mod snapshots;
mod tally;
mod user_state;

pub use ahead::MAX_AHEAD;
pub use arrivals::ArrivalProfile;
pub use candidates::{CROSS_SESSION_BUDGET_BYTES, Candidates, MARGIN, RegretInputs, Scratch};
pub use checkpoint::{Boundaries, Boundary, Flow, NoBoundaries, ReplayState, ReplayStateRef};
pub use event::{EVENT_LOG_VERSION, EventSink, RecommendationEvent};
pub use outcome::{RunOutcome, TimeBucket, VariantKey};
pub use regret::{
    RegretCell, RegretLedger, RegretRow, RequestRegret, SlotRegret, SlotRegretSummary,
};
pub use replay::{
    POOL_FACTOR, Progress, ReplayOptions, fit_arms, replay, replay_until, replay_with,
};
pub use sessions::{RETENTION_DAYS, SessionTallies, SessionTally};
pub use signals::{
    ArmInContext, BucketSignals, ContextCell, Observation, RatingMoments, ReportSignals,
    Unexpectedness,
};
pub use slots::{SlotPolicy, initial_policies};
pub use snapshots::{BanditSnapshot, MetricSnapshot, VariantSnapshot};
pub use tally::{ArmTally, Tally};

/// A sink that drops every event (when only the tallies are wanted).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoEvents;

impl EventSink for NoEvents {
    fn record(&mut self, _event: &RecommendationEvent) -> std::io::Result<()> {
        Ok(())
    }
}
