//! What users did: the log recommenders learn from.

use serde::{Deserialize, Serialize};

use crate::ids::{MovieId, UserId};

/// Simulated time in seconds since day 0, 00:00 (negative during warm-up).
pub type SimSecs = i64;

/// Seconds in a simulated hour.
pub const SECS_PER_HOUR: SimSecs = 3_600;
/// Seconds in a simulated day.
pub const SECS_PER_DAY: SimSecs = 86_400;

/// What kind of feedback an interaction is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InteractionKind {
    /// A click on a recommended movie (value 1).
    Click,
    /// A star rating, value 1–5.
    Rating,
    /// A thumb, value +1 (up) or −1 (down).
    Thumbs,
}

/// One piece of feedback.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Interaction {
    /// Who.
    pub user: UserId,
    /// On what.
    pub movie: MovieId,
    /// Which kind of feedback.
    pub kind: InteractionKind,
    /// Its value (1 for a click, stars for a rating, ±1 for thumbs).
    pub value: f32,
    /// When.
    pub time_secs: SimSecs,
}

impl Interaction {
    /// A rating of `stars` by `user` of `movie` at `time_secs`.
    #[must_use]
    pub fn rating(user: UserId, movie: MovieId, stars: f32, time_secs: SimSecs) -> Self {
        Self {
            user,
            movie,
            kind: InteractionKind::Rating,
            value: stars,
            time_secs,
        }
    }
}
