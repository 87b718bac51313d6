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
//!
//! With a hyper-parameter search (`pipeline.gate.search`) a validation set is held
//! out of the warm-up history beside it, by one of two functions:
//!
//! - [`random_split`]: the same single draw per rating decides both sets (test below
//!   `test_share`, validation in the next `validation_share`), so the test set is the
//!   one drawn without a search, and the rest (70% at 15/15) trains.
//! - [`temporal_split`]: the newest ratings by time, test newest, validation just
//!   before them. Its bias: the sets are the end of the warm-up history, drawn once,
//!   so from the first run after day 0 on a candidate also trains on interactions
//!   logged *after* the test period (the replay's), and the newest ratings belong
//!   mostly to the users most active at the end of the warm-up, not to a sample of
//!   all users. It measures how well a version predicts the warm-up's last days, not
//!   the future of the replay; a temporal set drawn from each run's newest ratings
//!   would be shaped by the deployed version, as above.

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

    /// Whether `i` belongs to a held-out (user, movie, time) event.
    #[must_use]
    pub fn holds(&self, i: &Interaction) -> bool {
        self.held.contains(&(i.user, i.movie, i.time_secs))
    }

    fn push(&mut self, i: &Interaction) {
        self.held.insert((i.user, i.movie, i.time_secs));
        self.test.entry(i.user).or_default().push(*i);
    }
}

/// The held-out sets of a gate with a hyper-parameter search.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Split {
    /// The test set the gate judges on.
    pub test: HoldOut,
    /// The validation set the search chooses on.
    pub validation: HoldOut,
}

/// Step 1, random split: each rating of `history` in log order takes one uniform
/// draw `u` from `rng` and is a test rating when `u < test_share`, a validation
/// rating when `test_share ≤ u < test_share + validation_share`, and trains
/// otherwise. The test set and the draws consumed are those of [`HoldOut::draw`]
/// with the same `test_share`.
#[must_use]
pub fn random_split(
    history: &[Interaction],
    test_share: f64,
    validation_share: f64,
    rng: &mut ChaCha8Rng,
) -> Split {
    let mut out = Split::default();
    for i in history.iter().filter(|i| i.kind == InteractionKind::Rating) {
        let u = rng.random::<f64>();
        if u < test_share {
            out.test.push(i);
        } else if u < test_share + validation_share {
            out.validation.push(i);
        }
    }
    out
}

/// Step 1, temporal split: the ratings of `history` ordered by time (ties in log
/// order); the newest `round(test_share · n)` are the test set and the
/// `round(validation_share · n)` before them the validation set. Draws nothing.
#[must_use]
pub fn temporal_split(history: &[Interaction], test_share: f64, validation_share: f64) -> Split {
    let mut ratings: Vec<&Interaction> = history
        .iter()
        .filter(|i| i.kind == InteractionKind::Rating)
        .collect();
    // A stable sort keeps log order among equal times.
    ratings.sort_by_key(|i| i.time_secs);
    let n = ratings.len();
    let share = |s: f64| ((s * n as f64).round() as usize).min(n);
    let n_test = share(test_share);
    let n_validation = share(validation_share).min(n - n_test);
    let mut out = Split::default();
    for (rank, i) in ratings.iter().rev().enumerate() {
        if rank < n_test {
            out.test.push(i);
        } else if rank < n_test + n_validation {
            out.validation.push(i);
        } else {
            break;
        }
    }
    // Pushed newest first: each user's held-out ratings back in log order.
    for set in [&mut out.test, &mut out.validation] {
        for v in set.test.values_mut() {
            v.reverse();
        }
    }
    out
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
    fn a_random_split_keeps_the_test_set_of_the_plain_hold_out() {
        let log = log();
        let seeds = SeedTree::new(5);
        let plain = HoldOut::draw(&log, 0.15, &mut seeds.stream(Purpose::PipelineSplit, 0));
        let mut rng = seeds.stream(Purpose::PipelineSplit, 0);
        let split = random_split(&log, 0.15, 0.15, &mut rng);
        assert_eq!(split.test, plain);
        // The same draws were consumed: the next draw of both streams agrees.
        let mut after = seeds.stream(Purpose::PipelineSplit, 0);
        let _ = HoldOut::draw(&log, 0.15, &mut after);
        assert_eq!(rng.random::<u64>(), after.random::<u64>());
        // Validation and test are disjoint, and both leave training.
        assert!(split.validation.n_test() > 0);
        assert!(
            split
                .validation
                .test
                .values()
                .flatten()
                .all(|i| !split.test.holds(i))
        );
    }

    #[test]
    fn random_split_shares_come_out_near_70_15_15() {
        // 10,000 ratings: each held-out count is Binomial(10,000, 0.15), sd ≈ 36.
        let log: Vec<Interaction> = (0..10_000u32)
            .map(|m| Interaction::rating(UserId(m % 100), MovieId(m), 3.0, i64::from(m)))
            .collect();
        let mut rng = SeedTree::new(3).stream(Purpose::PipelineSplit, 0);
        let split = random_split(&log, 0.15, 0.15, &mut rng);
        let (t, v) = (split.test.n_test(), split.validation.n_test());
        assert!((1_350..=1_650).contains(&t), "{t}");
        assert!((1_350..=1_650).contains(&v), "{v}");
    }

    #[test]
    fn a_temporal_split_holds_out_the_newest_ratings() {
        // 20 ratings at times 0..20 logged newest first, plus clicks (not counted).
        let mut log: Vec<Interaction> = (0..20u32)
            .rev()
            .flat_map(|m| event(m % 3, m, i64::from(m)))
            .collect();
        log.push(Interaction::rating(UserId(9), MovieId(99), 5.0, 19));
        // 21 ratings: test = round(0.2 · 21) = 4 newest, validation = round(0.1 · 21)
        // = 2 before them. Times 19, 19 (movie 99 logged after movie 19), 18, 17 test;
        // 16, 15 validation.
        let split = temporal_split(&log, 0.2, 0.1);
        let times = |h: &HoldOut| {
            let mut t: Vec<(i64, u32)> = h
                .test
                .values()
                .flatten()
                .map(|i| (i.time_secs, i.movie.0))
                .collect();
            t.sort_unstable();
            t
        };
        assert_eq!(times(&split.test), [(17, 17), (18, 18), (19, 19), (19, 99)]);
        assert_eq!(times(&split.validation), [(15, 15), (16, 16)]);
        // Each user's held-out ratings are in log order.
        for v in split.test.test.values() {
            let pos: Vec<usize> = v
                .iter()
                .map(|h| log.iter().position(|i| i == h).unwrap())
                .collect();
            assert!(pos.windows(2).all(|w| w[0] < w[1]), "{pos:?}");
        }
        // Shares of 0 hold out nothing; shares of 1 cannot exceed the ratings.
        assert_eq!(temporal_split(&log, 0.0, 0.0).test.n_test(), 0);
        let all = temporal_split(&log, 1.0, 0.5);
        assert_eq!((all.test.n_test(), all.validation.n_test()), (21, 0));
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
