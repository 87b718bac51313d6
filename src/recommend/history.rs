//! What an arm remembers about each user: interactions turned into preferences.
//!
//! Every kind of feedback becomes one preference weight in [−1, 1] per (user, movie):
//!
//! | interaction | weight | why |
//! | --- | --- | --- |
//! | rating r (1–5 stars) | (r − 3) / 2 | 3 stars is neutral, 5 is +1, 1 is −1 |
//! | thumbs ±1 | ±1 | an explicit verdict |
//! | click | +0.25 | implicit: the user chose it, but may not have liked it |
//!
//! A later rating or thumb replaces an earlier weight; a click never overrides an
//! explicit signal. Arms that need a 1–5 value (item-based CF) use `3 + 2 · weight`.
//! A movie is *liked* when its weight is positive.

use crate::ids::{MovieId, UserId};
use crate::interaction::{Interaction, InteractionKind};

/// Weight of a click without any explicit feedback.
pub const CLICK_WEIGHT: f32 = 0.25;

/// One movie in a user's history.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HistoryEntry {
    /// The movie.
    pub movie: MovieId,
    /// Preference weight in [−1, 1].
    pub weight: f32,
    /// Whether the weight comes from a rating or a thumb.
    pub explicit: bool,
}

impl HistoryEntry {
    /// The preference on the 1–5 star scale: `3 + 2 · weight`.
    #[must_use]
    pub fn value(&self) -> f32 {
        3.0 + 2.0 * self.weight
    }
}

/// The preference weight of one interaction and whether it is explicit.
#[must_use]
pub fn preference(interaction: &Interaction) -> (f32, bool) {
    match interaction.kind {
        InteractionKind::Rating => (((interaction.value - 3.0) / 2.0).clamp(-1.0, 1.0), true),
        InteractionKind::Thumbs => (interaction.value.signum(), true),
        InteractionKind::Click => (CLICK_WEIGHT, false),
    }
}

/// Per-user histories in order of first interaction.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Histories {
    users: Vec<Vec<HistoryEntry>>,
}

impl Histories {
    /// Empty histories for `n_users` users.
    #[must_use]
    pub fn new(n_users: usize) -> Self {
        Self {
            users: vec![Vec::new(); n_users],
        }
    }

    /// Histories built from a log.
    #[must_use]
    pub fn from_log(n_users: usize, log: &[Interaction]) -> Self {
        let mut h = Self::new(n_users);
        h.add(log);
        h
    }

    /// Adds interactions (in log order).
    pub fn add(&mut self, log: &[Interaction]) {
        for i in log {
            let (weight, explicit) = preference(i);
            let entries = &mut self.users[i.user.index()];
            match entries.iter_mut().find(|e| e.movie == i.movie) {
                Some(e) if explicit || !e.explicit => {
                    e.weight = weight;
                    e.explicit = explicit;
                }
                Some(_) => {}
                None => entries.push(HistoryEntry {
                    movie: i.movie,
                    weight,
                    explicit,
                }),
            }
        }
    }

    /// A user's history, oldest first.
    #[must_use]
    pub fn of(&self, user: UserId) -> &[HistoryEntry] {
        self.users.get(user.index()).map_or(&[], Vec::as_slice)
    }

    /// Number of users.
    #[must_use]
    pub fn n_users(&self) -> usize {
        self.users.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn i(kind: InteractionKind, value: f32) -> Interaction {
        Interaction {
            user: UserId(0),
            movie: MovieId(3),
            kind,
            value,
            time_secs: 0,
        }
    }

    #[test]
    fn explicit_feedback_overrides_clicks_but_not_the_reverse() {
        let mut h = Histories::new(1);
        h.add(&[i(InteractionKind::Click, 1.0)]);
        assert_eq!(h.of(UserId(0))[0].weight, CLICK_WEIGHT);
        h.add(&[i(InteractionKind::Rating, 1.0)]);
        assert_eq!(h.of(UserId(0))[0].weight, -1.0);
        h.add(&[i(InteractionKind::Click, 1.0)]);
        assert_eq!(h.of(UserId(0))[0].weight, -1.0);
        h.add(&[i(InteractionKind::Thumbs, 1.0)]);
        assert_eq!(h.of(UserId(0)).len(), 1);
        assert_eq!(h.of(UserId(0))[0].value(), 5.0);
    }
}
