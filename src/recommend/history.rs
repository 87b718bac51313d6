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
    ///
    /// Interactions are grouped by user (keeping log order within a user); a user
    /// whose history is long finds entries through a movie-indexed scratch table
    /// instead of a linear search, so a whole warm-up log costs O(n log n), not the
    /// sum of squared history lengths.
    pub fn add(&mut self, log: &[Interaction]) {
        let order = by_user(log);
        let mut slot_of: Vec<u32> = Vec::new();
        for group in order.chunk_by(|&a, &b| log[a as usize].user == log[b as usize].user) {
            let entries = &mut self.users[log[group[0] as usize].user.index()];
            if entries.len() + group.len() <= LINEAR_SEARCH_MAX {
                for &i in group {
                    let i = &log[i as usize];
                    let at = entries.iter().position(|e| e.movie == i.movie);
                    apply(entries, at, i);
                }
                continue;
            }
            for (at, e) in entries.iter().enumerate() {
                index_slot(&mut slot_of, e.movie, at);
            }
            for &i in group {
                let i = &log[i as usize];
                let at = slot_of
                    .get(i.movie.index())
                    .copied()
                    .filter(|&at| at != u32::MAX)
                    .map(|at| at as usize);
                if at.is_none() {
                    index_slot(&mut slot_of, i.movie, entries.len());
                }
                apply(entries, at, i);
            }
            for e in entries.iter() {
                slot_of[e.movie.index()] = u32::MAX;
            }
        }
    }

    /// Whether `user` likes `movie` (its preference weight is positive).
    #[must_use]
    pub fn likes(&self, user: UserId, movie: MovieId) -> bool {
        self.of(user)
            .iter()
            .any(|e| e.movie == movie && e.weight > 0.0)
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

/// The indices of `log` grouped by user, users ascending, log order within a user:
/// what a stable sort of the indices by user gives. A log much longer than its
/// users' id range (a fit) is bucketed by a counting sort, `O(n + users)`; a short
/// one (an update's few interactions among many users) is sorted.
fn by_user(log: &[Interaction]) -> Vec<u32> {
    let n = u32::try_from(log.len()).expect("log fits u32");
    let n_buckets = log.iter().map(|i| i.user.index() + 1).max().unwrap_or(0);
    if n_buckets > log.len().saturating_mul(4) {
        let mut order: Vec<u32> = (0..n).collect();
        order.sort_by_key(|&i| log[i as usize].user);
        return order;
    }
    let mut starts = vec![0u32; n_buckets + 1];
    for i in log {
        starts[i.user.index() + 1] += 1;
    }
    for u in 0..n_buckets {
        starts[u + 1] += starts[u];
    }
    let mut order = vec![0u32; log.len()];
    for (at, i) in (0..n).zip(log) {
        let next = &mut starts[i.user.index()];
        order[*next as usize] = at;
        *next += 1;
    }
    order
}

/// Histories up to this long (with their new interactions) are searched linearly.
const LINEAR_SEARCH_MAX: usize = 48;

/// Applies interaction `i` to a history whose entry for the movie is at `at`.
fn apply(entries: &mut Vec<HistoryEntry>, at: Option<usize>, i: &Interaction) {
    let (weight, explicit) = preference(i);
    match at.map(|at| &mut entries[at]) {
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

/// Records that `movie`'s entry is at `at` (growing the table as needed).
fn index_slot(slot_of: &mut Vec<u32>, movie: MovieId, at: usize) {
    if slot_of.len() <= movie.index() {
        slot_of.resize(movie.index() + 1, u32::MAX);
    }
    slot_of[movie.index()] = u32::try_from(at).expect("history fits u32");
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

    #[test]
    fn long_histories_match_the_linear_rule() {
        // 300 interactions of one user over 40 movies (far past the linear-search
        // length), interleaved with another user's: the indexed path must give the
        // histories that applying the rule one interaction at a time gives.
        let kinds = [
            (InteractionKind::Click, 1.0),
            (InteractionKind::Rating, 5.0),
            (InteractionKind::Rating, 2.0),
            (InteractionKind::Thumbs, -1.0),
        ];
        let log: Vec<Interaction> = (0..300u32)
            .map(|k| {
                let (kind, value) = kinds[(k as usize * 7) % 4];
                Interaction {
                    user: UserId(k % 3 / 2),
                    movie: MovieId((k * 13) % 40),
                    kind,
                    value,
                    time_secs: i64::from(k),
                }
            })
            .collect();
        let mut want = Histories::new(2);
        for i in &log {
            let entries = &mut want.users[i.user.index()];
            let at = entries.iter().position(|e| e.movie == i.movie);
            apply(entries, at, i);
        }
        let mut got = Histories::new(2);
        got.add(&log[..150]);
        got.add(&log[150..]);
        assert_eq!(got, want);
        assert_eq!(Histories::from_log(2, &log), want);
    }

    #[test]
    fn bucketing_by_user_is_the_stable_sort() {
        // Users 0..7 in a scrambled order with repeats; the counting sort (a log
        // longer than its user range) and the comparison sort (a short log over a
        // wide range, user 1000 added) must both give the stable sort's order.
        let log: Vec<Interaction> = (0..200u32)
            .map(|k| Interaction {
                user: UserId((k * 5 + k / 3) % 7),
                movie: MovieId(k),
                kind: InteractionKind::Rating,
                value: 3.0,
                time_secs: 0,
            })
            .collect();
        let stable = |log: &[Interaction]| {
            let mut order: Vec<u32> = (0..log.len() as u32).collect();
            order.sort_by_key(|&i| log[i as usize].user);
            order
        };
        assert_eq!(by_user(&log), stable(&log));
        let mut wide = log[..20].to_vec();
        wide[3].user = UserId(1000);
        assert_eq!(by_user(&wide), stable(&wide));
        assert!(by_user(&[]).is_empty());
    }
}
