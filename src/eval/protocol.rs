//! Evaluation protocols: which ratings train and which test, fold by fold.

use rand::RngExt;
use serde::Serialize;

use crate::interaction::Interaction;
use crate::rng::{Purpose, SeedTree};
use crate::scenario::spec::ProtocolSpec;

/// One training/test split, as indices into the rating log.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Fold {
    /// Ratings to train on, ascending.
    pub train: Vec<usize>,
    /// Ratings held out for tuning and not scored (random split only), ascending.
    pub validation: Vec<usize>,
    /// Ratings to test on, ascending.
    pub test: Vec<usize>,
}

/// The folds of `protocol` over `ratings` (sorted by time, as a
/// [`Dataset`](crate::data::Dataset) holds them).
///
/// # Determinism
///
/// A pure function of its inputs. Random protocols draw from the stream
/// `(seed, Evaluation, replicate)` of each *user*, walking the user's ratings in log
/// order, so no draw depends on other users or on threads: random split draws one
/// uniform per rating (replicate = repeat); k-fold draws one Fisher–Yates shuffle of
/// the user's ratings and one offset (replicate 0). Temporal and leave-last-out draw
/// nothing.
#[must_use]
pub fn folds(protocol: &ProtocolSpec, ratings: &[Interaction], seed: u64) -> Vec<Fold> {
    let by_user = ratings_by_user(ratings);
    match *protocol {
        ProtocolSpec::RandomSplit {
            train,
            validation,
            repeats,
            ..
        } => (0..repeats)
            .map(|repeat| {
                let seeds = SeedTree {
                    seed,
                    replicate: repeat as u64,
                };
                let mut fold = Fold::default();
                for (user, indices) in by_user.iter().enumerate() {
                    let mut rng = seeds.stream(Purpose::Evaluation, user as u64);
                    for &i in indices {
                        let u: f64 = rng.random();
                        if u < train {
                            fold.train.push(i);
                        } else if u < train + validation {
                            fold.validation.push(i);
                        } else {
                            fold.test.push(i);
                        }
                    }
                }
                fold.sort();
                fold
            })
            .collect(),
        ProtocolSpec::KFold { folds: k } => {
            let seeds = SeedTree::new(seed);
            let mut out: Vec<Fold> = (0..k).map(|_| Fold::default()).collect();
            for (user, indices) in by_user.iter().enumerate() {
                let mut rng = seeds.stream(Purpose::Evaluation, user as u64);
                let mut shuffled = indices.clone();
                for i in (1..shuffled.len()).rev() {
                    let j = rng.random_range(0..=i);
                    shuffled.swap(i, j);
                }
                let offset = rng.random_range(0..k);
                for (position, &i) in shuffled.iter().enumerate() {
                    let test_fold = (position + offset) % k;
                    for (f, fold) in out.iter_mut().enumerate() {
                        if f == test_fold {
                            fold.test.push(i);
                        } else {
                            fold.train.push(i);
                        }
                    }
                }
            }
            for fold in &mut out {
                fold.sort();
            }
            out
        }
        ProtocolSpec::Temporal { windows } => {
            let n = ratings.len();
            let cut = |part: usize| part * n / (windows + 1);
            (0..windows)
                .map(|w| Fold {
                    train: (0..cut(w + 1)).collect(),
                    validation: Vec::new(),
                    test: (cut(w + 1)..cut(w + 2)).collect(),
                })
                .collect()
        }
        ProtocolSpec::LeaveLastOut => {
            let mut fold = Fold::default();
            for indices in &by_user {
                // Log order is time order, ties broken by movie id: the last index is
                // the latest rating.
                let last = indices.len().saturating_sub(1);
                for (position, &i) in indices.iter().enumerate() {
                    if position == last && indices.len() >= 2 {
                        fold.test.push(i);
                    } else {
                        fold.train.push(i);
                    }
                }
            }
            fold.sort();
            vec![fold]
        }
    }
}

impl Fold {
    fn sort(&mut self) {
        self.train.sort_unstable();
        self.validation.sort_unstable();
        self.test.sort_unstable();
    }
}

/// Indices of each user's ratings, in log order; users are dense ids.
fn ratings_by_user(ratings: &[Interaction]) -> Vec<Vec<usize>> {
    let n_users = ratings
        .iter()
        .map(|r| r.user.index() + 1)
        .max()
        .unwrap_or(0);
    let mut by_user = vec![Vec::new(); n_users];
    for (i, r) in ratings.iter().enumerate() {
        by_user[r.user.index()].push(i);
    }
    by_user
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{MovieId, UserId};
    use crate::interaction::InteractionKind;

    /// `n_users` users with `per_user` ratings each, one second apart.
    fn log(n_users: u32, per_user: u32) -> Vec<Interaction> {
        let mut out = Vec::new();
        for m in 0..per_user {
            for u in 0..n_users {
                out.push(Interaction {
                    user: UserId(u),
                    movie: MovieId(m),
                    kind: InteractionKind::Rating,
                    value: 4.0,
                    time_secs: i64::from(m * n_users + u),
                });
            }
        }
        out
    }

    fn is_partition(fold: &Fold, n: usize) -> bool {
        let mut all: Vec<usize> = fold
            .train
            .iter()
            .chain(&fold.validation)
            .chain(&fold.test)
            .copied()
            .collect();
        all.sort_unstable();
        all == (0..n).collect::<Vec<_>>()
    }

    #[test]
    fn k_fold_tests_every_rating_exactly_once_and_stratifies_users() {
        let ratings = log(30, 10);
        let folds = folds(&ProtocolSpec::KFold { folds: 5 }, &ratings, 7);
        assert_eq!(folds.len(), 5);
        let mut tested = vec![0; ratings.len()];
        for fold in &folds {
            assert!(is_partition(fold, ratings.len()));
            for &i in &fold.test {
                tested[i] += 1;
            }
            // Ten ratings per user over five folds: exactly two per user per fold.
            for u in 0..30 {
                let n = fold
                    .test
                    .iter()
                    .filter(|&&i| ratings[i].user.0 == u)
                    .count();
                assert_eq!(n, 2);
            }
        }
        assert!(tested.iter().all(|&n| n == 1));
        assert_eq!(
            folds,
            super::folds(&ProtocolSpec::KFold { folds: 5 }, &ratings, 7)
        );
        assert_ne!(
            folds,
            super::folds(&ProtocolSpec::KFold { folds: 5 }, &ratings, 8)
        );
    }

    #[test]
    fn random_split_follows_the_shares() {
        let ratings = log(200, 50);
        let spec = ProtocolSpec::RandomSplit {
            train: 0.7,
            validation: 0.15,
            test: 0.15,
            repeats: 2,
        };
        let folds = folds(&spec, &ratings, 1);
        assert_eq!(folds.len(), 2);
        assert_ne!(folds[0], folds[1]);
        for fold in &folds {
            assert!(is_partition(fold, ratings.len()));
            // 10,000 ratings: binomial sd of the test count ≈ 36, so ±200 cannot flake.
            assert!(
                (1300..=1700).contains(&fold.test.len()),
                "{}",
                fold.test.len()
            );
            assert!((6800..=7200).contains(&fold.train.len()));
        }
    }

    #[test]
    fn temporal_windows_train_on_the_past_only() {
        let ratings = log(4, 10);
        let folds = folds(&ProtocolSpec::Temporal { windows: 3 }, &ratings, 0);
        assert_eq!(folds.len(), 3);
        for fold in &folds {
            let last_train = fold
                .train
                .iter()
                .map(|&i| ratings[i].time_secs)
                .max()
                .unwrap();
            let first_test = fold
                .test
                .iter()
                .map(|&i| ratings[i].time_secs)
                .min()
                .unwrap();
            assert!(last_train < first_test);
        }
        assert_eq!(folds[0].train.len(), 10);
        assert_eq!(folds[2].train.len(), 30);
        assert_eq!(folds[2].test, (30..40).collect::<Vec<_>>());
    }

    #[test]
    fn leave_last_out_holds_out_each_users_latest_rating() {
        let mut ratings = log(3, 4);
        // User 2 has a single rating: it only trains.
        ratings.retain(|r| r.user.0 != 2 || r.movie.0 == 0);
        let folds = folds(&ProtocolSpec::LeaveLastOut, &ratings, 0);
        let test: Vec<(u32, u32)> = folds[0]
            .test
            .iter()
            .map(|&i| (ratings[i].user.0, ratings[i].movie.0))
            .collect();
        assert_eq!(test, [(0, 3), (1, 3)]);
        assert!(is_partition(&folds[0], ratings.len()));
    }
}
