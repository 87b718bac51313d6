//! The replay: simulated time, requests, responses, the event log.

mod arrivals;
mod candidates;
mod event;
mod outcome;
mod regret;
mod replay;
mod sessions;
mod tally;

pub use arrivals::ArrivalProfile;
pub use event::{EVENT_LOG_VERSION, EventSink, RecommendationEvent};
pub use outcome::{RunOutcome, TimeBucket, VariantKey};
pub use regret::{
    RegretCell, RegretLedger, RegretRow, RequestRegret, SlotRegret, SlotRegretSummary,
};
pub use replay::{
    MAX_GROUP, POOL_FACTOR, Progress, ReplayOptions, SlotPolicy, fit_arms, initial_policies,
    replay, replay_with,
};
pub use sessions::{RETENTION_DAYS, SessionTallies, SessionTally};
pub use tally::{ArmTally, Tally};

/// A sink that drops every event (when only the tallies are wanted).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoEvents;

impl EventSink for NoEvents {
    fn record(&mut self, _event: &RecommendationEvent) -> std::io::Result<()> {
        Ok(())
    }
}
