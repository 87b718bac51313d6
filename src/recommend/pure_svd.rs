//! PureSVD: a factor model for top-N ranking, not for rating prediction.
//!
//! The user × movie matrix `R` holds each known preference on the star scale
//! ([`HistoryEntry::value`](super::history::HistoryEntry::value): the rating, 3.5
//! for a click, 5 or 1 for a thumb) and 0 where nothing is known. Its `factors`
//! leading right singular vectors `V` ([`subspace`](super::subspace)) span the item
//! space; a user is folded in through their own row,
//!
//! ```text
//! p_u = r_u V                      (1 × factors)
//! score(u, i) = p_u · v_i = r_u V v_iᵀ
//! ```
//!
//! so a user's list needs only their history and `V`. Unlike [`Svd`](super::Svd),
//! which fits the known ratings only and ranks by predicted stars, PureSVD treats the
//! unknown cells as zeros: an unrated movie scores high when it is both liked and
//! likely to be watched, which is what a top-N list is judged on. It predicts no
//! ratings (no RMSE).
//!
//! Users without any preference get the popularity order (as the embeddings arm):
//! their row is zero and every score ties.
//!
//! # Updates (warm start)
//!
//! `update` extends user histories and warm-starts the factorisation: the
//! preference matrix is rebuilt (one pass over the histories) and `V` refined by
//! [`WARM_ITERATIONS`] subspace iteration from the basis the last fit or update
//! ended on, instead of `iterations` from a random block
//! ([`subspace`](super::subspace)'s warm start). Close to a full refit, not equal
//! to it: the warm-start test and bench measure the difference in nDCG.
//!
//! # Candidate generation
//!
//! [`ItemFactorBlocks`]' bounded exact scan, as the SVD arm's.
//!
//! # References
//!
//! Cremonesi, Koren & Turrin (2010), "Performance of recommender algorithms on
//! top-N recommendation tasks", RecSys (PureSVD); Halko, Martinsson & Tropp (2011)
//! for the randomised SVD.

use crate::ids::MovieId;
use crate::interaction::Interaction;
use crate::rng::ChaCha8Rng;
use crate::world::Catalogue;

use super::factor_blocks::ItemFactorBlocks;
use super::history::Histories;
use super::subspace::{Basis, SparseRows, WARM_ITERATIONS, right_singular_warm};
use super::topn::TopN;
use super::{
    ListReuse, Recommender, Request, Scored, TrainingData, fill_by_popularity, popularity_order,
};

/// Settings of PureSVD (checked by scenario validation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PureSvdParams {
    /// Singular vectors kept.
    pub factors: usize,
    /// Subspace iterations of the randomised SVD.
    pub iterations: usize,
}

/// The PureSVD arm.
///
/// # Determinism
///
/// The randomised SVD's start block comes from the arm's training stream (given at
/// construction), advanced by each `fit`.
#[derive(Clone, Debug)]
pub struct PureSvd {
    params: PureSvdParams,
    rng: ChaCha8Rng,
    histories: Histories,
    /// `n_movies × k` item factors (k ≤ `factors` when the catalogue is smaller).
    item_factors: Vec<f32>,
    k: usize,
    blocks: ItemFactorBlocks,
    fallback: Vec<MovieId>,
    /// The basis the last factorisation ended on (a warm start's start).
    basis: Basis,
}

impl PureSvd {
    /// An untrained arm whose SVD draws from `rng`.
    #[must_use]
    pub fn new(params: PureSvdParams, catalogue: &Catalogue, rng: ChaCha8Rng) -> Self {
        Self {
            params,
            rng,
            histories: Histories::default(),
            item_factors: Vec::new(),
            k: 0,
            blocks: ItemFactorBlocks::default(),
            fallback: popularity_order(catalogue),
            basis: Basis::default(),
        }
    }

    /// `p_u = r_u V`, or `None` for a user without preferences.
    fn user_factors(&self, user: crate::ids::UserId) -> Option<Vec<f32>> {
        let history = self.histories.of(user);
        if history.is_empty() || self.k == 0 {
            return None;
        }
        let k = self.k;
        let mut p = vec![0f64; k];
        for e in history {
            let v = &self.item_factors[e.movie.index() * k..(e.movie.index() + 1) * k];
            let r = f64::from(e.value());
            for (a, &b) in p.iter_mut().zip(v) {
                *a += r * f64::from(b);
            }
        }
        Some(p.into_iter().map(|x| x as f32).collect())
    }
}

/// The user × movie matrix of preference values on the star scale.
pub(crate) fn preference_matrix(histories: &Histories, n_movies: usize) -> SparseRows {
    SparseRows::from_rows(
        n_movies,
        (0..histories.n_users()).map(|u| {
            histories
                .of(crate::ids::UserId(u as u32))
                .iter()
                .map(|e| (e.movie.0, e.value()))
                .collect()
        }),
    )
}

impl PureSvd {
    /// Factorises the preference matrix of the current histories: `iterations`
    /// subspace iterations from `basis` (a random block when it does not fit).
    fn factorise(&mut self, n_movies: usize, iterations: usize, basis: Basis) {
        let matrix = preference_matrix(&self.histories, n_movies);
        let (svd, basis) = right_singular_warm(
            &matrix,
            self.params.factors,
            iterations,
            basis,
            &mut self.rng,
        );
        self.basis = basis;
        self.k = svd.factors;
        self.item_factors = svd.vectors.iter().map(|&x| x as f32).collect();
        // A typical user norm orders the blocks (any positive value keeps the scan exact).
        let norms: Vec<f64> = (0..self.histories.n_users())
            .filter_map(|u| self.user_factors(crate::ids::UserId(u as u32)))
            .map(|p| p.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>())
            .collect();
        let rms = if norms.is_empty() {
            1.0
        } else {
            (norms.iter().sum::<f64>() / norms.len() as f64).sqrt()
        };
        self.blocks = ItemFactorBlocks::new(self.k, &self.item_factors, &vec![0.0; n_movies], rms);
    }
}

impl Recommender for PureSvd {
    fn name(&self) -> &'static str {
        "pure_svd"
    }

    fn list_reuse(&self) -> ListReuse {
        // V changes at every update.
        ListReuse::UntilUpdate
    }

    fn fit(&mut self, data: &TrainingData<'_>) {
        self.histories = Histories::from_log(data.population.len(), data.interactions);
        self.factorise(
            data.catalogue.len(),
            self.params.iterations,
            Basis::default(),
        );
        self.fallback = popularity_order(data.catalogue);
    }

    fn update(&mut self, data: &TrainingData<'_>, new: &[Interaction]) {
        if self.histories.n_users() != data.population.len() {
            self.fit(data);
            return;
        }
        self.histories.add(new);
        let basis = std::mem::take(&mut self.basis);
        self.factorise(data.catalogue.len(), WARM_ITERATIONS, basis);
    }

    fn recommend(
        &self,
        request: &Request<'_>,
        n: usize,
        _rng: &mut ChaCha8Rng,
        out: &mut Vec<Scored>,
    ) {
        let Some(p) = self.user_factors(request.user) else {
            fill_by_popularity(&self.fallback, request, n, out);
            return;
        };
        let mut top = TopN::reusing(n, std::mem::take(out));
        self.blocks.scan(0.0, &p, request.seen, &mut top, |_| true);
        top.finish(out);
    }

    fn recommend_many(
        &self,
        requests: &[Request<'_>],
        n: usize,
        _rngs: &mut [ChaCha8Rng],
        outs: &mut [Vec<Scored>],
    ) {
        let factors: Vec<Option<Vec<f32>>> =
            requests.iter().map(|r| self.user_factors(r.user)).collect();
        let vectors: Vec<Option<&[f32]>> = factors.iter().map(Option::as_deref).collect();
        self.blocks
            .top_n_or_popular(requests, &vectors, &self.fallback, n, outs);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::UserId;
    use crate::recommend::testing::{self, rating};

    #[test]
    fn recommends_what_users_with_the_same_taste_watched() {
        // Two taste groups over movies 0..10: users 0..6 watch 0..5, users 6..12 watch
        // 5..10; movie 9 is watched by only one user of the second group, so a
        // popularity ranking would not put it first. User 0 misses movie 4, user 6
        // misses movie 8: with one factor per group each gets their group's movie.
        let mut log = Vec::new();
        for u in 0..6u32 {
            for m in 0..5u32 {
                if !(u == 0 && m == 4) {
                    log.push(rating(u, m, 4.0));
                }
            }
        }
        for u in 6..12u32 {
            for m in 5..9u32 {
                if !(u == 6 && m == 8) {
                    log.push(rating(u, m, 5.0));
                }
            }
        }
        log.push(rating(11, 9, 5.0));
        let catalogue = testing::catalogue(10);
        let mut arm = PureSvd::new(
            PureSvdParams {
                factors: 2,
                iterations: 4,
            },
            &catalogue,
            testing::rng(),
        );
        arm.fit(&testing::data(&catalogue, 13, &log));
        let context = testing::context();
        let first = |user: u32| {
            let seen: Vec<MovieId> = log
                .iter()
                .filter(|i| i.user == UserId(user))
                .map(|i| i.movie)
                .collect();
            let mut seen = seen;
            seen.sort_unstable();
            let request = testing::request(UserId(user), &context, &seen);
            let mut out = Vec::new();
            arm.recommend(&request, 3, &mut testing::rng(), &mut out);
            out
        };
        assert_eq!(first(0)[0].movie, MovieId(4));
        assert_eq!(first(6)[0].movie, MovieId(8));
        // User 12 has no history: the popularity order (the catalogue's vote counts).
        let cold = first(12);
        let order = popularity_order(&catalogue);
        assert_eq!(
            cold.iter().map(|s| s.movie).collect::<Vec<_>>(),
            order[..3].to_vec()
        );
    }
}
