//! The offline table: every arm trained on a held-out split of the warm-up log and
//! scored on accuracy, beyond-accuracy metrics and the true expected utility.
//!
//! Protocol (deterministic):
//!
//! - **Split.** Each user's warm-up ratings sorted by (time, movie); the last
//!   ⌊n/5⌋ (20%) are held out, the rest train. Users with fewer than 5 ratings only
//!   train.
//! - **Users.** Up to `report.offline_users` users with a held-out rating, drawn
//!   without replacement by a shuffle of stream `(Evaluation, 0)`.
//! - **Arms.** Every arm kind (`ArmSpec::all_defaults`), with the stack's parameters
//!   where the stack has that arm, each fitted on the training part.
//! - **Requests.** For each sampled user: evening, weekday, first request of a
//!   session, no recent genres; the user's training movies are "seen"; the arm returns
//!   its top K (`stack.slate_size`).
//! - **Metrics.** Accuracy against held-out ratings ≥ 4 (precision, recall, nDCG with
//!   linear gain, hit rate); RMSE of predicted ratings for arms that predict them;
//!   Gini, coverage, mean self-information (novelty; p(i) = (raters + 1) / (users + 1)
//!   in the training part), serendipity (mean genre dissimilarity of each list to its
//!   user's training history, [`crate::eval::profile_dissimilarity`]) and long-tail
//!   share of all top-K lists together; expected
//!   utility = mean true utility of the top K under that same request, and the
//!   expected CTR of the top K as a slate. The oracle maximises the former exactly,
//!   so it bounds every arm from above.

use std::collections::BTreeMap;

use rand::RngExt;
use rayon::prelude::*;
use serde::Serialize;

use crate::eval::{
    Gain, Relevance, coverage, gini, hit_rate_at_k, long_tail_share, mean_self_information,
    ndcg_at_k, precision_at_k, profile_dissimilarity, recall_at_k, rmse,
};
use crate::ids::{MovieId, UserId};
use crate::interaction::{Interaction, InteractionKind};
use crate::recommend::{ArmFactory, Arms, Request, Scored, TrainingData};
use crate::rng::{Purpose, SeedTree};
use crate::scenario::Scenario;
use crate::scenario::spec::ArmSpec;
use crate::world::{Context, Situation, World};

/// Rating at or above which a held-out movie is relevant.
pub const RELEVANT_STARS: f64 = 4.0;

/// One arm's offline scores.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OfflineRow {
    /// Arm name.
    pub arm: String,
    /// Whether a production policy may serve it (false for the oracle).
    pub selectable: bool,
    /// RMSE of predicted ratings on held-out ratings (arms that predict ratings).
    pub rmse: Option<f64>,
    /// Mean precision@K over users with a relevant held-out movie.
    pub precision: Option<f64>,
    /// Mean recall@K.
    pub recall: Option<f64>,
    /// Mean nDCG@K (linear gain = stars).
    pub ndcg: Option<f64>,
    /// Mean hit rate@K.
    pub hit_rate: Option<f64>,
    /// Gini of how often each movie appears in the top-K lists.
    pub gini: f64,
    /// Share of the catalogue in at least one top-K list.
    pub coverage: f64,
    /// Mean self-information (bits) of recommended movies.
    pub novelty: Option<f64>,
    /// Mean unexpectedness of recommended movies to the user's training history
    /// ([`crate::eval::profile_dissimilarity`], the online serendipity's definition).
    pub serendipity: Option<f64>,
    /// Share of recommended slots holding long-tail movies.
    pub long_tail_share: Option<f64>,
    /// Mean true utility of the top K (needs the truth: only a simulator has it).
    pub expected_utility: Option<f64>,
    /// Mean true click probability of the top K shown as a slate.
    pub expected_ctr: Option<f64>,
}

/// The offline table of a run (`offline.json`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OfflineTable {
    /// How the data were split.
    pub protocol: String,
    /// List length K.
    pub k: usize,
    /// Users evaluated.
    pub n_users: usize,
    /// Training interactions.
    pub n_train: usize,
    /// Held-out ratings.
    pub n_test: usize,
    /// One row per arm.
    pub rows: Vec<OfflineRow>,
}

/// The warm-up log split into training interactions and held-out ratings per user.
#[derive(Clone, Debug, PartialEq)]
pub struct Split {
    /// Training interactions, in log order.
    pub train: Vec<Interaction>,
    /// Held-out ratings by user.
    pub test: BTreeMap<UserId, Vec<Interaction>>,
}

/// Holds out the last ⌊n/5⌋ ratings of each user by (time, movie).
#[must_use]
pub fn temporal_split(log: &[Interaction], n_users: usize) -> Split {
    let mut per_user: Vec<Vec<&Interaction>> = vec![Vec::new(); n_users];
    for i in log.iter().filter(|i| i.kind == InteractionKind::Rating) {
        per_user[i.user.index()].push(i);
    }
    let mut held: std::collections::BTreeSet<(UserId, MovieId, i64)> = Default::default();
    let mut test = BTreeMap::new();
    for (u, ratings) in per_user.iter_mut().enumerate() {
        ratings.sort_by_key(|i| (i.time_secs, i.movie));
        let n_test = ratings.len() / 5;
        if n_test > 0 {
            let tail: Vec<Interaction> = ratings[ratings.len() - n_test..]
                .iter()
                .map(|i| **i)
                .collect();
            for i in &tail {
                held.insert((i.user, i.movie, i.time_secs));
            }
            test.insert(UserId(u as u32), tail);
        }
    }
    let train = log
        .iter()
        .filter(|i| {
            !(i.kind == InteractionKind::Rating && held.contains(&(i.user, i.movie, i.time_secs)))
        })
        .copied()
        .collect();
    Split { train, test }
}

/// The arms of the offline table: every kind, with the stack's parameters where the
/// stack has it.
#[must_use]
pub fn offline_arms(stack: &[ArmSpec]) -> Vec<ArmSpec> {
    ArmSpec::all_defaults()
        .into_iter()
        .map(|d| {
            stack
                .iter()
                .find(|s| s.name() == d.name())
                .cloned()
                .unwrap_or(d)
        })
        .collect()
}

/// Per-user outcome of one arm.
struct UserResult {
    list: Vec<u32>,
    precision: Option<f64>,
    recall: Option<f64>,
    ndcg: Option<f64>,
    hit_rate: Option<f64>,
    utility: Option<f64>,
    ctr: Option<f64>,
    rating_pairs: Vec<(f64, f64)>,
    unexpectedness_sum: f64,
}

fn mean(values: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    let (sum, n) = values
        .flatten()
        .fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| sum / n as f64)
}

/// Computes the offline table; `None` when `report.offline_users` is 0.
///
/// # Errors
///
/// An embeddings arm's vector file cannot be read.
///
/// # Determinism
///
/// The user sample comes from stream `(Evaluation, 0)`, arm training from
/// `(ArmTraining, 1000 + arm)`, random arms draw from stream
/// `(Evaluation, 1 + arm · users + user)`. Arms fit in parallel and users are scored
/// in parallel, collected in order and summed on one thread.
pub fn evaluate(
    scenario: &Scenario,
    seeds: &SeedTree,
    world: &World,
) -> Result<Option<OfflineTable>, crate::recommend::ArmBuildError> {
    let spec = scenario.spec();
    if spec.report.offline_users == 0 {
        return Ok(None);
    }
    let n_users = world.population.len();
    let split = temporal_split(&world.warm_up, n_users);
    let mut candidates: Vec<UserId> = split.test.keys().copied().collect();
    let mut rng = seeds.stream(Purpose::Evaluation, 0);
    let n_sample = spec.report.offline_users.min(candidates.len());
    for i in 0..n_sample {
        let j = rng.random_range(i..candidates.len());
        candidates.swap(i, j);
    }
    let mut users = candidates[..n_sample].to_vec();
    users.sort_unstable();

    let specs = offline_arms(&spec.stack.arms);
    let window = spec.context.fatigue.window;
    let factory = ArmFactory::new(world, *seeds, window);
    let boxes = specs
        .iter()
        .enumerate()
        .map(|(a, s)| factory.build(s, 1000 + a as u64))
        .collect::<Result<Vec<_>, _>>()?;
    let mut arms = Arms::from_boxes(boxes);
    arms.fit(&TrainingData {
        catalogue: &world.catalogue,
        population: &world.population,
        interactions: &split.train,
    });

    let mut seen: Vec<Vec<MovieId>> = vec![Vec::new(); n_users];
    let mut raters = vec![0u64; world.catalogue.len()];
    for i in &split.train {
        seen[i.user.index()].push(i.movie);
    }
    for s in &mut seen {
        s.sort_unstable();
        s.dedup();
        for m in s.iter() {
            raters[m.index()] += 1;
        }
    }
    let shares: Vec<f64> = raters
        .iter()
        .map(|&r| (r as f64 + 1.0) / (n_users as f64 + 1.0))
        .collect();
    let long_tail: Vec<bool> = world
        .catalogue
        .movies
        .iter()
        .map(|m| world.catalogue.is_long_tail(m.id))
        .collect();
    let n_genres = world.catalogue.genre_names.len();
    let movie_genres: Vec<Vec<usize>> = world
        .catalogue
        .movies
        .iter()
        .map(|m| m.genres.iter().map(|g| g.index()).collect())
        .collect();
    let profile_of = |user: UserId| -> Vec<u32> {
        let mut profile = vec![0u32; n_genres];
        for m in &seen[user.index()] {
            for &g in &movie_genres[m.index()] {
                profile[g] += 1;
            }
        }
        profile
    };
    let k = spec.stack.slate_size;
    let no_recent = vec![0u16; world.catalogue.genre_names.len()];

    let rows = specs
        .iter()
        .enumerate()
        .map(|(a, arm_spec)| {
            let arm = arms.get(crate::ids::ArmId(a as u16));
            // Rating predictions in one batch per arm: an arm that shares work
            // between pairs (item CF: one similarity row per target movie) does it
            // once for the whole table instead of once per pair.
            let mut starts = Vec::with_capacity(users.len() + 1);
            let mut pairs: Vec<(UserId, MovieId)> = Vec::new();
            for &user in &users {
                starts.push(pairs.len());
                pairs.extend(split.test[&user].iter().map(|i| (user, i.movie)));
            }
            starts.push(pairs.len());
            let mut predicted = Vec::with_capacity(pairs.len());
            arm.predict_ratings(&pairs, &mut predicted);
            let results: Vec<UserResult> = users
                .par_iter()
                .enumerate()
                .map(|(at, &user)| {
                    let context = Context::offline(world.population.users[user.index()].segment);
                    let request = Request {
                        user,
                        context: &context,
                        seen: &seen[user.index()],
                        time_secs: 0,
                        session_position: 1,
                        recent_genre_counts: &no_recent,
                    };
                    let mut rng =
                        seeds.stream(Purpose::Evaluation, 1 + (a * n_users + user.index()) as u64);
                    let mut out: Vec<Scored> = Vec::with_capacity(k);
                    arm.recommend(&request, k, &mut rng, &mut out);
                    let list: Vec<u32> = out.iter().map(|s| s.movie.0).collect();
                    let test = &split.test[&user];
                    let grades: BTreeMap<u32, f64> = test
                        .iter()
                        .map(|i| (i.movie.0, f64::from(i.value)))
                        .collect();
                    let relevance =
                        Relevance::new(grades, RELEVANT_STARS).expect("finite stars, threshold 4");
                    let situation = Situation {
                        daypart: context.daypart,
                        day_type: context.day_type,
                        session_position: 1,
                        recent_genre_counts: &no_recent,
                        fatigue_window: window,
                    };
                    let taste = &world.tastes[user.index()];
                    let utilities: Vec<f64> = out
                        .iter()
                        .map(|s| {
                            world.response.utility(
                                &world.catalogue,
                                &world.movie_truth,
                                taste,
                                s.movie,
                                &situation,
                            )
                        })
                        .collect();
                    let mut scratch = Vec::new();
                    let rating_pairs = test
                        .iter()
                        .zip(&predicted[starts[at]..starts[at + 1]])
                        .filter_map(|(i, p)| p.map(|p| (p, f64::from(i.value))))
                        .collect();
                    let profile = profile_of(user);
                    let unexpectedness_sum = list
                        .iter()
                        .map(|&m| profile_dissimilarity(&movie_genres[m as usize], &profile))
                        .sum();
                    UserResult {
                        unexpectedness_sum,
                        precision: precision_at_k(&list, &relevance, k),
                        recall: recall_at_k(&list, &relevance, k),
                        ndcg: ndcg_at_k(&list, &relevance, k, Gain::Linear),
                        hit_rate: hit_rate_at_k(&list, &relevance, k),
                        utility: (!utilities.is_empty())
                            .then(|| utilities.iter().sum::<f64>() / utilities.len() as f64),
                        ctr: (!utilities.is_empty())
                            .then(|| world.response.expected_click(&utilities, &mut scratch)),
                        list,
                        rating_pairs,
                    }
                })
                .collect();
            let mut counts = vec![0u64; world.catalogue.len()];
            for r in &results {
                for &m in &r.list {
                    counts[m as usize] += 1;
                }
            }
            let pairs: Vec<(f64, f64)> = results
                .iter()
                .flat_map(|r| r.rating_pairs.iter().copied())
                .collect();
            OfflineRow {
                arm: arm_spec.name().to_owned(),
                selectable: arm_spec.is_selectable(),
                rmse: rmse(&pairs),
                precision: mean(results.iter().map(|r| r.precision)),
                recall: mean(results.iter().map(|r| r.recall)),
                ndcg: mean(results.iter().map(|r| r.ndcg)),
                hit_rate: mean(results.iter().map(|r| r.hit_rate)),
                gini: gini(&counts),
                coverage: coverage(&counts),
                novelty: mean_self_information(&counts, &shares),
                serendipity: {
                    let slots: usize = results.iter().map(|r| r.list.len()).sum();
                    (slots > 0).then(|| {
                        results.iter().map(|r| r.unexpectedness_sum).sum::<f64>() / slots as f64
                    })
                },
                long_tail_share: long_tail_share(&counts, &long_tail),
                expected_utility: mean(results.iter().map(|r| r.utility)),
                expected_ctr: mean(results.iter().map(|r| r.ctr)),
            }
        })
        .collect();
    Ok(Some(OfflineTable {
        protocol: "temporal: last 20% of each user's warm-up ratings held out; evening, \
                   weekday, first request of a session"
            .into(),
        k,
        n_users: users.len(),
        n_train: split.train.len(),
        n_test: split.test.values().map(Vec::len).sum(),
        rows,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rating(user: u32, movie: u32, t: i64) -> Interaction {
        Interaction {
            user: UserId(user),
            movie: MovieId(movie),
            kind: InteractionKind::Rating,
            value: 4.0,
            time_secs: t,
        }
    }

    #[test]
    fn split_holds_out_the_latest_fifth_of_each_user() {
        // User 0: 10 ratings at t = 0..10 → the last 2 (movies 8, 9) are held out.
        // User 1: 4 ratings → fewer than 5, nothing held out.
        let mut log: Vec<Interaction> = (0..10).map(|m| rating(0, m, i64::from(m))).collect();
        log.extend((0..4).map(|m| rating(1, m, 100)));
        let split = temporal_split(&log, 2);
        let held: Vec<u32> = split.test[&UserId(0)].iter().map(|i| i.movie.0).collect();
        assert_eq!(held, [8, 9]);
        assert!(!split.test.contains_key(&UserId(1)));
        assert_eq!(split.train.len(), 12);
    }
}
