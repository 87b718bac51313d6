//! Pipeline step 3, evaluation: a model version's offline metrics on a training
//! run's held-out test set, for the gate to compare the candidate with the deployed
//! version.
//!
//! Protocol (the offline table's, [`super::offline_table`], on the gate's test set): each
//! sampled user asks every arm of the version for its top K (`stack.slate_size`) in an
//! evening weekday request, first of a session, with no recent genres, the user's
//! training movies "seen". Relevant = held-out ratings ≥ 4 stars
//! ([`super::offline_table::RELEVANT_STARS`]). Per arm: mean precision, recall, nDCG
//! (linear gain) and hit rate over users with a relevant held-out movie, and the RMSE
//! of predicted ratings on every held-out rating of the sampled users (arms that
//! predict ratings).
//!
//! Both versions answer the same requests with the same random draws (stream
//! `(PipelineEvaluation, arm · 2^32 + user)`), so their difference is paired.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::eval::{Gain, Relevance, hit_rate_at_k, ndcg_at_k, precision_at_k, recall_at_k, rmse};
use crate::ids::{ArmId, MovieId, UserId};
use crate::interaction::Interaction;
use crate::recommend::{Arms, Recommender, Request, Scored};
use crate::rng::{Purpose, SeedTree};
use crate::scenario::spec::GateMetric;
use crate::world::{Context, World};

use super::offline_table::RELEVANT_STARS;
use super::split::HoldOut;

/// One arm's offline metrics on a run's test set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ArmMetrics {
    /// Arm name.
    pub arm: String,
    /// Mean nDCG@K (linear gain = stars).
    pub ndcg: Option<f64>,
    /// Mean precision@K.
    pub precision: Option<f64>,
    /// Mean recall@K.
    pub recall: Option<f64>,
    /// Mean hit rate@K.
    pub hit_rate: Option<f64>,
    /// RMSE of predicted ratings (arms that predict ratings).
    pub rmse: Option<f64>,
}

impl ArmMetrics {
    /// The value of `metric`, if the arm has it.
    #[must_use]
    pub fn get(&self, metric: GateMetric) -> Option<f64> {
        match metric {
            GateMetric::Ndcg => self.ndcg,
            GateMetric::Precision => self.precision,
            GateMetric::Recall => self.recall,
            GateMetric::HitRate => self.hit_rate,
            GateMetric::Rmse => self.rmse,
        }
    }
}

/// The sampled users of a run's test set with what each has seen in training.
pub struct TestSet<'a> {
    users: Vec<UserId>,
    /// Sorted, distinct training movies of `users[i]`.
    seen: Vec<Vec<MovieId>>,
    test: &'a BTreeMap<UserId, Vec<Interaction>>,
}

impl<'a> TestSet<'a> {
    /// The test set of `hold` for `users` (each must have held-out ratings), who have
    /// seen what they did in `train`; `n_users` is the population size.
    #[must_use]
    pub fn new(
        hold: &'a HoldOut,
        train: &[Interaction],
        users: Vec<UserId>,
        n_users: usize,
    ) -> Self {
        let mut slot = vec![usize::MAX; n_users];
        for (s, u) in users.iter().enumerate() {
            slot[u.index()] = s;
        }
        let mut seen: Vec<Vec<MovieId>> = vec![Vec::new(); users.len()];
        for i in train {
            let s = slot[i.user.index()];
            if s != usize::MAX {
                seen[s].push(i.movie);
            }
        }
        for s in &mut seen {
            s.sort_unstable();
            s.dedup();
        }
        Self {
            users,
            seen,
            test: &hold.test,
        }
    }

    /// Users evaluated.
    #[must_use]
    pub fn n_users(&self) -> usize {
        self.users.len()
    }
}

struct UserScores {
    precision: Option<f64>,
    recall: Option<f64>,
    ndcg: Option<f64>,
    hit_rate: Option<f64>,
}

fn mean(values: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    let (sum, n) = values
        .flatten()
        .fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| sum / n as f64)
}

/// Every arm of `arms` scored on `set` with lists of length `k`.
///
/// # Determinism
///
/// Users are scored in parallel, collected in order and averaged on one thread.
#[must_use]
pub fn evaluate_version(
    arms: &Arms,
    set: &TestSet<'_>,
    world: &World,
    k: usize,
    seeds: &SeedTree,
) -> Vec<ArmMetrics> {
    let names = arms.names();
    (0..arms.len())
        .map(|a| {
            let arm = arms.get(ArmId(a as u16));
            evaluate_arm(
                arm,
                a,
                names[a],
                set,
                world,
                k,
                seeds,
                Purpose::PipelineEvaluation,
            )
        })
        .collect()
}

/// Arm `a` of a version (`arm`, named `name`) scored on `set` with lists of length
/// `k`, its request draws from stream `(purpose, a · 2^32 + user)`: the gate's
/// evaluation ([`evaluate_version`]) and the search's validation
/// ([`super::search`]) each have their own purpose.
///
/// # Determinism
///
/// Users are scored in parallel, collected in order and averaged on one thread.
#[allow(clippy::too_many_arguments)]
#[must_use]
pub fn evaluate_arm(
    arm: &dyn Recommender,
    a: usize,
    name: &str,
    set: &TestSet<'_>,
    world: &World,
    k: usize,
    seeds: &SeedTree,
    purpose: Purpose,
) -> ArmMetrics {
    let no_recent = vec![0u16; world.catalogue.genre_names.len()];
    let pairs: Vec<(UserId, MovieId)> = set
        .users
        .iter()
        .flat_map(|&u| set.test[&u].iter().map(move |i| (u, i.movie)))
        .collect();
    let mut predicted = Vec::with_capacity(pairs.len());
    arm.predict_ratings(&pairs, &mut predicted);
    let rating_pairs: Vec<(f64, f64)> = set
        .users
        .iter()
        .flat_map(|u| &set.test[u])
        .zip(&predicted)
        .filter_map(|(i, p)| p.map(|p| (p, f64::from(i.value))))
        .collect();
    let scores: Vec<UserScores> = set
        .users
        .par_iter()
        .zip(&set.seen)
        .map(|(&user, seen)| {
            let context = Context::offline(world.population.users[user.index()].segment);
            let request = Request {
                user,
                context: &context,
                seen,
                time_secs: 0,
                session_position: 1,
                recent_genre_counts: &no_recent,
            };
            let mut rng = seeds.stream(purpose, ((a as u64) << 32) | u64::from(user.0));
            let mut out: Vec<Scored> = Vec::with_capacity(k);
            arm.recommend(&request, k, &mut rng, &mut out);
            let list: Vec<u32> = out.iter().map(|s| s.movie.0).collect();
            let grades: BTreeMap<u32, f64> = set.test[&user]
                .iter()
                .map(|i| (i.movie.0, f64::from(i.value)))
                .collect();
            let relevance =
                Relevance::new(grades, RELEVANT_STARS).expect("finite stars, threshold 4");
            UserScores {
                precision: precision_at_k(&list, &relevance, k),
                recall: recall_at_k(&list, &relevance, k),
                ndcg: ndcg_at_k(&list, &relevance, k, Gain::Linear),
                hit_rate: hit_rate_at_k(&list, &relevance, k),
            }
        })
        .collect();
    ArmMetrics {
        arm: name.to_owned(),
        ndcg: mean(scores.iter().map(|s| s.ndcg)),
        precision: mean(scores.iter().map(|s| s.precision)),
        recall: mean(scores.iter().map(|s| s.recall)),
        hit_rate: mean(scores.iter().map(|s| s.hit_rate)),
        rmse: rmse(&rating_pairs),
    }
}
