//! What the replay knows about each user as requests go by: what they watched, the
//! genres of their recent watches (fatigue), where their session stands, their
//! streams, and the lists the arms keep for them.

use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

use crate::ids::MovieId;
use crate::interaction::SimSecs;
use crate::rng::ChaCha8Rng;
use crate::world::context::{Calendar, EARLY_REQUESTS, SessionPhase, saturation_of};
use crate::world::{Catalogue, Context, Segment};

use super::candidates::KeptLists;

/// A user's evolving state.
#[derive(Serialize, Deserialize)]
pub(super) struct UserState {
    /// Movies watched (warm-up and clicked), sorted.
    pub seen: Vec<MovieId>,
    /// Movies clicked during the replay, in order.
    pub watched: Vec<MovieId>,
    /// The last `window` movies watched, oldest first.
    pub recent: VecDeque<MovieId>,
    /// How many of `recent` have each genre.
    pub recent_genre_counts: Vec<u16>,
    /// Sessions completed.
    pub visits: u32,
    /// Requests of the current session so far.
    pub session_requests: u32,
    /// Clicks of the current session so far.
    pub session_clicks: u32,
    /// Requests served so far (addresses the arms' per-request streams).
    pub requests: u32,
    /// The arms' lists kept for reuse.
    pub kept: KeptLists,
    /// The model version at which the arms last took in this user's interactions.
    pub revision: u32,
    /// Visit times and session continuation.
    pub arrivals: ChaCha8Rng,
    /// Clicks, ratings, thumbs.
    pub responses: ChaCha8Rng,
}

impl UserState {
    /// A user who has watched nothing yet, with their two streams.
    pub fn new(
        n_genres: usize,
        window: usize,
        arrivals: ChaCha8Rng,
        responses: ChaCha8Rng,
    ) -> Self {
        Self {
            seen: Vec::new(),
            watched: Vec::new(),
            recent: VecDeque::with_capacity(window + 1),
            recent_genre_counts: vec![0; n_genres],
            visits: 0,
            session_requests: 0,
            session_clicks: 0,
            requests: 0,
            kept: KeptLists::default(),
            revision: 1,
            arrivals,
            responses,
        }
    }

    /// Records a watched movie in the fatigue window of recent genres.
    pub fn watch(&mut self, movie: MovieId, catalogue: &Catalogue, window: usize) {
        if window == 0 {
            return;
        }
        self.recent.push_back(movie);
        for g in &catalogue.movie(movie).genres {
            self.recent_genre_counts[g.index()] += 1;
        }
        if self.recent.len() > window {
            let old = self.recent.pop_front().expect("window is non-empty");
            for g in &catalogue.movie(old).genres {
                self.recent_genre_counts[g.index()] -= 1;
            }
        }
    }

    /// The context of this user's request at `now`, `position` in its session.
    pub fn context(
        &self,
        calendar: &Calendar,
        now: SimSecs,
        position: u32,
        segment: Segment,
    ) -> Context {
        context_of(
            calendar,
            now,
            position,
            segment,
            &self.recent_genre_counts,
            self.recent.len(),
        )
    }
}

/// The context of a request at `now`, `position` in its session, of a user of
/// `segment` whose last `n_recent` watches had `recent_genre_counts`.
pub(super) fn context_of(
    calendar: &Calendar,
    now: SimSecs,
    position: u32,
    segment: Segment,
    recent_genre_counts: &[u16],
    n_recent: usize,
) -> Context {
    let top_genre = recent_genre_counts.iter().copied().max().unwrap_or(0);
    Context {
        daypart: calendar.daypart(now),
        day_type: calendar.day_type(now),
        segment,
        saturation: saturation_of(usize::from(top_genre), n_recent),
        session_phase: if position <= EARLY_REQUESTS {
            SessionPhase::Early
        } else {
            SessionPhase::Late
        },
    }
}
