//! The recommendation event log: one record per shown slate.

use serde::Serialize;

use crate::bandit::ArmChoice;
use crate::ids::{MovieId, UserId};
use crate::interaction::SimSecs;
use crate::world::Context;

/// Version of the event-log format written in the first line of `events.jsonl`.
/// Version 2 added `propensity`, `arm_propensities`, `expected_reward` and
/// `arm_expected_rewards` (null unless `report.propensities` is on).
pub const EVENT_LOG_VERSION: u32 = 2;

/// One shown slate and its outcome — the plan's `RecommendationEvent`, with the
/// simulator's oracle stamp added.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RecommendationEvent {
    /// Sequence number of the request in the run, from 0.
    pub request: u64,
    /// Simulated time.
    pub time_secs: SimSecs,
    /// Who.
    pub user: UserId,
    /// The user's visit number (session), from 0.
    pub session: u32,
    /// 1-based position of the request in its session.
    pub session_position: u32,
    /// The experiment the user is enrolled in (the plan's `experiment_id`).
    pub experiment_id: Option<String>,
    /// The variant (the plan's `variant`); "default" outside experiments.
    pub variant: String,
    /// The context at selection time (the plan's `bandit_context`).
    pub bandit_context: Context,
    /// Names of the arms picked, strongest first.
    pub arms: Vec<&'static str>,
    /// The policy's choices with confidences.
    pub choices: Vec<ArmChoice>,
    /// The strongest arm's confidence (the plan's `algorithm_confidence`).
    pub algorithm_confidence: f64,
    /// The slate, top first.
    pub slate: Vec<MovieId>,
    /// Clicked movie and its 0-based position.
    pub click: Option<(usize, MovieId)>,
    /// Stars given after the click.
    pub rating: Option<f32>,
    /// Thumbs given after the click.
    pub thumbs: Option<i8>,
    /// The true probability that this slate got a click (oracle stamp).
    pub expected_click: f64,
    /// With `report.propensities`: the policy's probability of choosing this arm set,
    /// order ignored — exact, or for Thompson Sampling a Monte-Carlo estimate
    /// ([`crate::bandit::PropensityLogger`]); null otherwise.
    pub propensity: Option<f64>,
    /// With `report.propensities`: per arm of the stack, in scenario order, the
    /// probability that the policy chooses it for this request; null otherwise.
    pub arm_propensities: Option<Vec<f64>>,
    /// With `report.propensities` and `report.regret`: the true expected reward of
    /// the shown slate under the reward rule (oracle stamp); null otherwise.
    pub expected_reward: Option<f64>,
    /// With `report.propensities` and `report.regret`: the true expected reward of
    /// the slate each arm alone would show (its top K), by arm (oracle stamp); null
    /// otherwise.
    pub arm_expected_rewards: Option<Vec<f64>>,
}

/// Receives events as the replay produces them.
pub trait EventSink {
    /// Records one event.
    ///
    /// # Errors
    ///
    /// An I/O error of the sink; the replay stops and returns it.
    fn record(&mut self, event: &RecommendationEvent) -> std::io::Result<()>;

    /// Makes every event recorded so far durable and returns how many bytes the sink
    /// holds: a checkpoint's resumed run cuts the sink back to there. The default, for
    /// sinks that keep nothing a resumed run would continue, is 0.
    ///
    /// # Errors
    ///
    /// An I/O error of the flush.
    fn position(&mut self) -> std::io::Result<u64> {
        Ok(0)
    }
}
