//! Pipeline step 1, data preparation: the test set every gated training run is
//! scored on, and the training data of each run.
//!
//! Ratings logged during the replay were shaped by the deployed version: users rate
//! what it recommended, so a test set drawn from them favours the deployed version
//! over any candidate (in `scenarios/gated_retraining.ron`, a test set held out of
//! each day's new ratings put every fresh candidate's SVD 35–58% below the deployed
//! one in nDCG). The test set is therefore drawn once, at day 0, from the warm-up
//! history, which no version's recommendations shaped: each warm-up rating is held
//! out with probability `test_share` (one uniform draw per rating, in log order).
//! It is held out of every version's training, version 1 included; a run trains on
//! the whole log so far less the test set.

use std::collections::{BTreeMap, BTreeSet};

use rand::RngExt;

use crate::ids::{MovieId, UserId};
use crate::interaction::{Interaction, InteractionKind, SimSecs};
use crate::rng::ChaCha8Rng;

/// The held-out test set of a run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HoldOut {
    /// (user, movie, time) of every held-out rating: interactions with these keys
    /// never train.
    held: BTreeSet<(UserId, MovieId, SimSecs)>,
    /// Held-out ratings by user, in log order.
    pub test: BTreeMap<UserId, Vec<Interaction>>,
}

impl HoldOut {
    /// Holds out each rating of `history` with probability `test_share`, drawn from
    /// `rng` one per rating in order.
    #[must_use]
    pub fn draw(history: &[Interaction], test_share: f64, rng: &mut ChaCha8Rng) -> Self {
        let mut out = Self::default();
        for i in history.iter().filter(|i| i.kind == InteractionKind::Rating) {
            if rng.random::<f64>() < test_share {
                out.held.insert((i.user, i.movie, i.time_secs));
                out.test.entry(i.user).or_default().push(*i);
            }
        }
        out
    }

    /// `log` less every interaction of a held-out (user, movie, time) event.
    #[must_use]
    pub fn train(&self, log: &[Interaction]) -> Vec<Interaction> {
        log.iter()
            .filter(|i| !self.held.contains(&(i.user, i.movie, i.time_secs)))
            .copied()
            .collect()
    }

    /// Held-out ratings in all.
    #[must_use]
    pub fn n_test(&self) -> usize {
        self.test.values().map(Vec::len).sum()
    }
}

/// Up to `n` users with held-out ratings, drawn without replacement by a partial
/// shuffle from `rng`, returned in id order.
#[must_use]
pub fn sample_users(
    test: &BTreeMap<UserId, Vec<Interaction>>,
    n: usize,
    rng: &mut ChaCha8Rng,
) -> Vec<UserId> {
    let mut users: Vec<UserId> = test.keys().copied().collect();
    let n = n.min(users.len());
    for i in 0..n {
        let j = rng.random_range(i..users.len());
        users.swap(i, j);
    }
    users.truncate(n);
    users.sort_unstable();
    users
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Purpose, SeedTree};

    fn event(user: u32, movie: u32, t: SimSecs) -> [Interaction; 2] {
        let click = Interaction {
            user: UserId(user),
            movie: MovieId(movie),
            kind: InteractionKind::Click,
            value: 1.0,
            time_secs: t,
        };
        [
            click,
            Interaction::rating(UserId(user), MovieId(movie), 4.0, t),
        ]
    }

    fn log() -> Vec<Interaction> {
        (0..200u32)
            .flat_map(|m| event(m % 7, m, i64::from(m)))
            .collect()
    }

    #[test]
    fn held_out_events_leave_training_whole_and_nothing_else_does() {
        let log = log();
        let mut rng = SeedTree::new(1).stream(Purpose::PipelineSplit, 0);
        let hold = HoldOut::draw(&log, 0.5, &mut rng);
        let train = hold.train(&log);
        // Each held-out rating takes its click along: 2 records per held-out event.
        assert!(hold.n_test() > 0);
        assert_eq!(train.len() + 2 * hold.n_test(), log.len());
        let held: Vec<&Interaction> = hold.test.values().flatten().collect();
        assert!(
            train
                .iter()
                .all(|i| !held.iter().any(|h| (h.user, h.movie) == (i.user, i.movie)))
        );
        // Interactions logged later (not in the history drawn from) all train.
        let later: Vec<Interaction> = (0..10u32).flat_map(|m| event(1, 500 + m, 999)).collect();
        let mut longer = log.clone();
        longer.extend(&later);
        assert_eq!(hold.train(&longer)[train.len()..], later[..]);
    }

    #[test]
    fn share_zero_holds_out_nothing_and_one_holds_out_every_rating() {
        let log = log();
        let mut rng = SeedTree::new(1).stream(Purpose::PipelineSplit, 0);
        assert_eq!(HoldOut::draw(&log, 0.0, &mut rng).train(&log), log);
        let all = HoldOut::draw(&log, 1.0, &mut rng);
        assert_eq!(all.n_test(), 200);
        assert!(all.train(&log).is_empty());
    }

    #[test]
    fn the_held_out_share_is_near_the_asked_share() {
        // 10,000 ratings at share 0.15: the count is Binomial(10,000, 0.15), sd ≈ 36.
        let log: Vec<Interaction> = (0..10_000u32)
            .map(|m| Interaction::rating(UserId(m % 100), MovieId(m), 3.0, i64::from(m)))
            .collect();
        let mut rng = SeedTree::new(3).stream(Purpose::PipelineSplit, 0);
        let n = HoldOut::draw(&log, 0.15, &mut rng).n_test();
        assert!((1_350..=1_650).contains(&n), "{n}");
    }

    #[test]
    fn samples_are_distinct_sorted_and_bounded() {
        let log = log();
        let mut rng = SeedTree::new(1).stream(Purpose::PipelineSplit, 0);
        let hold = HoldOut::draw(&log, 1.0, &mut rng);
        assert_eq!(hold.test.len(), 7);
        let users = sample_users(&hold.test, 4, &mut rng);
        assert_eq!(users.len(), 4);
        assert!(users.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(sample_users(&hold.test, 100, &mut rng).len(), 7);
    }
}
