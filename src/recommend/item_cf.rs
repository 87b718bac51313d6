//! Item-based collaborative filtering over a sparse top-k similarity.
//!
//! Each (user, movie) preference becomes a value on the star scale (see
//! [`history`](super::history)). Two movies' columns of values are compared by
//!
//! ```text
//! cosine:           sim(i, j) = Σ_u v_ui v_uj / (‖v_i‖ ‖v_j‖)
//! adjusted cosine:  the same with v_ui − v̄_u (each user's mean removed)
//! shrunk:           sim(i, j) · n_ij / (n_ij + s)      n_ij = common users
//! ```
//!
//! (norms over all of an item's users). Each movie keeps its `neighbours` most
//! similar movies with positive similarity. A user is scored by
//! `score(j) = Σ_{i ∈ history} w_ui · sim(i, j)` over the neighbour lists of their
//! history — the top-N item-kNN of Deshpande & Karypis (2004); disliked movies
//! (negative w) push their neighbours down.
//!
//! # Candidate generation
//!
//! Only movies in the neighbour lists of the user's history can score non-zero, so a
//! request touches `|history| × neighbours` entries instead of the catalogue; this is
//! exact (tested against a dense scan). Lists are always full: when fewer than n
//! movies score above 0 (a short history, or one of disliked movies only), the
//! movies scoring exactly 0 follow in popularity order, then the negative scores.
//!
//! # Rating prediction
//!
//! Surprise's `KNNBasic`, item-based, with `neighbours` as k
//! ([`item_similarity`](super::item_similarity)).
//!
//! # Updates (warm start)
//!
//! `update` takes in only the new interactions ([`warm`]). With `warm_start:
//! frozen_means` adjusted cosine subtracts each user's mean as of
//! the last full fit (a user first seen since: their mean after the update that
//! first gave them a history), so a new interaction changes only its own movie's
//! column: the columns it touches are patched in place, their norms summed again,
//! and only the similarity rows of those movies recomputed; the model equals a
//! full fit with those means on the whole log, bit for bit (tested). Every
//! `full_fit_every`-th update is a full fit, which refreshes the means. With
//! `exact` every changed user's mean is refreshed, so all their movies are touched
//! and the model equals a plain full fit bit for bit — under adjusted cosine at
//! about a full fit's cost on the default world. With `incremental` (the default)
//! the model is `frozen_means`' but every pair of movies' sums is kept as exact
//! integers and patched with the new interactions' products ([`incremental`]): an
//! update costs a few additions per new interaction instead of the touched rows.
//! With `histories` `update` extends user histories only and the similarity lists
//! wait for the next full fit (docs/TRAINING_PIPELINE.md).
//!
//! # References
//!
//! Sarwar, Karypis, Konstan & Riedl (2001), "Item-based collaborative filtering
//! recommendation algorithms", WWW; Deshpande & Karypis (2004), "Item-based top-N
//! recommendation algorithms", ACM TOIS 22(1).

use std::sync::Arc;

use rayon::prelude::*;

use crate::ids::{MovieId, UserId};
use crate::interaction::{Interaction, InteractionKind};
use crate::rng::ChaCha8Rng;
use crate::scenario::spec::{ItemCfWarmStart, SimilarityKind};

use super::accumulator::Accumulator;
use super::history::{Histories, HistoryEntry};
use super::item_similarity::{Means, RowSums, SimilarityInputs, knn_prediction};
use super::topn::TopN;
use super::{ListReuse, Recommender, Request, Scored, TrainingData, popularity_order};

/// Settings of item-based CF.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ItemCfParams {
    /// Similarity measure.
    pub similarity: SimilarityKind,
    /// Shrinkage s.
    pub shrinkage: f64,
    /// Neighbours kept per movie.
    pub neighbours: usize,
    /// What an update does with the similarities.
    pub warm_start: ItemCfWarmStart,
    /// Every `full_fit_every`-th update is a full fit (0: never; validation refuses it with `exact`).
    pub full_fit_every: u32,
}

/// Item-based collaborative filtering.
#[derive(Clone, Debug)]
pub struct ItemCf {
    params: ItemCfParams,
    histories: Histories,
    /// Movie m's (neighbour, similarity) pairs, most similar first, are
    /// `neighbours[offsets[m]..offsets[m + 1]]`: one array, read in sequence.
    offsets: Vec<usize>,
    neighbours: Vec<(MovieId, f32)>,
    /// The columns and rows similarities are computed from (shared by clones).
    inputs: Arc<SimilarityInputs>,
    /// Mean training rating: the prediction without a neighbour.
    mean_rating: f64,
    /// Every similarity, `n × n` row-major (NaN where undefined), kept by `fit` for
    /// catalogues of at most [`DENSE_MAX_MOVIES`] movies: predictions then read it
    /// instead of recomputing rows (shared by clones).
    dense: Option<Arc<Vec<f32>>>,
    /// The catalogue by popularity at the last `fit`: the order of zero scores.
    fallback: Vec<MovieId>,
    /// Sum and count of training ratings, in log order (the mean's running state).
    rating_sum: f64,
    n_ratings: usize,
    /// Largest catalogue whose dense matrix is kept ([`DENSE_MAX_MOVIES`]; lower in
    /// tests, to reach the sparse path on small catalogues).
    dense_max_movies: usize,
    /// Whether an exact update rebuilds every similarity when recomputing the touched
    /// rows would cost more (false in tests, to reach the row path on small data).
    rebuild_when_cheaper: bool,
    /// Updates since the last full fit (for `full_fit_every`).
    updates_since_fit: u32,
    /// `incremental`: every pair's sums, counted at the first update after a fit
    /// (shared by clones; see [`incremental`]).
    pairs: Option<Arc<incremental::PairState>>,
}

/// One movie's (neighbour, similarity) pairs, most similar first.
type NeighbourList = Vec<(MovieId, f32)>;

/// Largest catalogue whose whole similarity matrix `fit` keeps (4,096² f32 = 64 MiB).
pub const DENSE_MAX_MOVIES: usize = 4_096;

/// Offers `sim(·, j)` to a neighbour selection when it is positive (NaN, undefined,
/// is not).
#[inline]
fn push_positive(top: &mut TopN, j: usize, sim: f32) {
    if sim > 0.0 {
        top.push(MovieId(j as u32), f64::from(sim));
    }
}

/// The neighbour list a selection holds, most similar first.
fn list_of(top: TopN) -> NeighbourList {
    let mut list = Vec::new();
    top.finish(&mut list);
    list.into_iter()
        .map(|s| (s.movie, s.score as f32))
        .collect()
}

/// The `k` most similar movies with positive similarity of one dense matrix row.
fn list_of_dense_row(row: &[f32], k: usize) -> NeighbourList {
    let mut top = TopN::new(k);
    for (j, &sim) in row.iter().enumerate() {
        push_positive(&mut top, j, sim);
    }
    list_of(top)
}

mod incremental;
mod warm;

pub use incremental::{PAIR_TABLE_MAX_MOVIES, pair_table_bytes};

impl ItemCf {
    /// An untrained arm.
    #[must_use]
    pub fn new(params: ItemCfParams) -> Self {
        Self {
            params,
            histories: Histories::default(),
            offsets: vec![0],
            neighbours: Vec::new(),
            inputs: Arc::default(),
            mean_rating: 3.0,
            dense: None,
            fallback: Vec::new(),
            rating_sum: 0.0,
            n_ratings: 0,
            dense_max_movies: DENSE_MAX_MOVIES,
            rebuild_when_cheaper: true,
            updates_since_fit: 0,
            pairs: None,
        }
    }

    /// The neighbours of a movie, most similar first.
    #[must_use]
    pub fn neighbours_of(&self, movie: MovieId) -> &[(MovieId, f32)] {
        match (
            self.offsets.get(movie.index()),
            self.offsets.get(movie.index() + 1),
        ) {
            (Some(&from), Some(&to)) => &self.neighbours[from..to],
            _ => &[],
        }
    }

    /// Rebuilds histories and similarity lists from a log.
    pub fn fit_log(&mut self, n_users: usize, n_movies: usize, log: &[Interaction]) {
        self.histories = Histories::from_log(n_users, log);
        let inputs = SimilarityInputs::new(
            &self.histories,
            n_movies,
            self.params.similarity,
            self.params.shrinkage,
        );
        self.fit_inputs(log, inputs);
    }

    /// A full fit on `log` with adjusted cosine's user means given: the model a
    /// `frozen_means` update keeps (the reference its tests compare with).
    #[cfg(test)]
    fn fit_log_with_means(&mut self, n_movies: usize, log: &[Interaction], means: Vec<f32>) {
        self.histories = Histories::from_log(means.len(), log);
        let inputs = SimilarityInputs::with_means(
            &self.histories,
            n_movies,
            self.params.similarity,
            self.params.shrinkage,
            means,
        );
        self.fit_inputs(log, inputs);
    }

    /// Sets the mean rating and every similarity list from `inputs` built on `log`.
    fn fit_inputs(&mut self, log: &[Interaction], inputs: SimilarityInputs) {
        self.inputs = Arc::new(inputs);
        self.pairs = None;
        self.updates_since_fit = 0;
        (self.rating_sum, self.n_ratings) = (0.0, 0);
        self.add_ratings(log);
        let (lists, dense) = self.similarities();
        self.dense = dense.map(Arc::new);
        self.set_lists(lists);
    }

    /// Adds a log's ratings to the running sum (in log order, as one fold over the
    /// whole log would) and sets the mean.
    fn add_ratings(&mut self, log: &[Interaction]) {
        for i in log.iter().filter(|i| i.kind == InteractionKind::Rating) {
            self.rating_sum += f64::from(i.value);
            self.n_ratings += 1;
        }
        self.mean_rating = if self.n_ratings > 0 {
            self.rating_sum / self.n_ratings as f64
        } else {
            3.0
        };
    }

    /// Lays out per-movie neighbour lists as one array.
    fn set_lists(&mut self, lists: Vec<NeighbourList>) {
        self.offsets = Vec::with_capacity(lists.len() + 1);
        self.offsets.push(0);
        self.neighbours = Vec::with_capacity(lists.iter().map(Vec::len).sum());
        for list in lists {
            self.neighbours.extend(list);
            self.offsets.push(self.neighbours.len());
        }
    }

    /// Each movie's `neighbours` most similar movies with positive similarity, most
    /// similar first; with a catalogue of at most [`DENSE_MAX_MOVIES`] movies also
    /// every similarity, for rating predictions.
    fn similarities(&self) -> (Vec<NeighbourList>, Option<Vec<f32>>) {
        let inputs = &self.inputs;
        let k = self.params.neighbours;
        let n = inputs.n_movies();
        if n <= self.dense_max_movies {
            let matrix = self.dense_similarities();
            let lists = matrix
                .par_chunks(n.max(1))
                .map(|row| list_of_dense_row(row, k))
                .collect();
            return (lists, Some(matrix));
        }
        let lists = (0..n)
            .into_par_iter()
            .map_init(RowSums::default, |sums, i| {
                let mut top = TopN::new(k);
                inputs.row(i, sums, |j, sim| push_positive(&mut top, j, sim));
                list_of(top)
            })
            .collect();
        (lists, None)
    }

    /// Every similarity, `n × n` row-major, NaN where undefined: each unordered pair
    /// computed once ([`SimilarityInputs::upper_row`], rows in parallel) and written
    /// to both halves — the values [`SimilarityInputs::row`] gives, bit for bit.
    fn dense_similarities(&self) -> Vec<f32> {
        let inputs = &self.inputs;
        let n = inputs.n_movies();
        let upper: Vec<Vec<(u32, f32)>> = (0..n)
            .into_par_iter()
            .map_init(RowSums::default, |sums, i| {
                let mut row = Vec::new();
                inputs.upper_row(i, sums, |j, sim| row.push((j as u32, sim)));
                row
            })
            .collect();
        let mut matrix = vec![f32::NAN; n * n];
        for (i, row) in upper.iter().enumerate() {
            for &(j, sim) in row {
                let j = j as usize;
                matrix[i * n + j] = sim;
                matrix[j * n + i] = sim;
            }
        }
        matrix
    }

    /// Completes a list shorter than `n` (a user whose history reaches few movies,
    /// or only disliked ones): movies scoring exactly 0 — untouched by the history's
    /// neighbour lists — in popularity order, then the negative scores, highest first.
    /// The order stays a fixed total order over movies (score, then popularity rank
    /// among zeros, then id), so a longer list with some movies dropped is the
    /// shorter list.
    fn fill(
        &self,
        request: &Request<'_>,
        n: usize,
        mut touched_rest: Vec<(MovieId, f32)>,
        out: &mut Vec<Scored>,
    ) {
        let mut touched: Vec<MovieId> = touched_rest
            .iter()
            .filter(|(_, s)| *s != 0.0)
            .map(|(m, _)| *m)
            .chain(out.iter().map(|s| s.movie))
            .collect();
        touched.sort_unstable();
        for &movie in &self.fallback {
            if out.len() >= n {
                return;
            }
            if !request.has_seen(movie) && touched.binary_search(&movie).is_err() {
                out.push(Scored { movie, score: 0.0 });
            }
        }
        touched_rest.retain(|(_, s)| *s < 0.0);
        touched_rest.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        out.extend(
            touched_rest
                .into_iter()
                .take(n.saturating_sub(out.len()))
                .map(|(movie, score)| Scored {
                    movie,
                    score: f64::from(score),
                }),
        );
    }

    /// `sim(i, j)`: from the pair table after an `incremental` update; else from the
    /// dense matrix where there is one (NaN: undefined), or merged from the columns —
    /// the same bits either way.
    fn similarity(&self, i: usize, j: usize) -> Option<f32> {
        if let Some(pairs) = &self.pairs {
            return pairs.table.similarity(i, j);
        }
        match &self.dense {
            Some(m) => Some(m[i * self.inputs.n_movies() + j]).filter(|s| !s.is_nan()),
            None => self.inputs.similarity(i, j),
        }
    }

    /// The predicted rating of `movie` for the user whose history is `history`, from
    /// similarities `sim_of(j)` (see [`knn_prediction`]).
    fn predict_from(
        &self,
        history: &[HistoryEntry],
        sim_of: impl Fn(usize) -> Option<f32>,
        candidates: &mut Vec<(f32, MovieId, f32)>,
    ) -> f64 {
        candidates.clear();
        candidates.extend(
            history
                .iter()
                .filter(|e| e.explicit)
                .filter_map(|e| sim_of(e.movie.index()).map(|sim| (sim, e.movie, e.value()))),
        );
        knn_prediction(candidates, self.params.neighbours, self.mean_rating)
    }

    /// [`Recommender::predict_rating`], reusing `candidates`' allocation.
    fn predict_one(
        &self,
        user: UserId,
        movie: MovieId,
        candidates: &mut Vec<(f32, MovieId, f32)>,
    ) -> f64 {
        let i = movie.index();
        let n = self.inputs.n_movies();
        if let Some(matrix) = self.dense.as_deref()
            && i < n
        {
            // `predict_from` without a branch per history entry: every entry is
            // written, and kept (the cursor advances) only when it is explicit with a
            // positive similarity — the candidates `knn_prediction` keeps, in the
            // same order.
            let row = &matrix[i * n..(i + 1) * n];
            let history = self.histories.of(user);
            if candidates.len() <= history.len() {
                candidates.resize(history.len() + 1, (0.0, MovieId(0), 0.0));
            }
            let mut n_kept = 0;
            for e in history {
                let sim = row[e.movie.index()];
                candidates[n_kept] = (sim, e.movie, e.value());
                n_kept += usize::from(e.explicit & (sim > 0.0));
            }
            candidates.truncate(n_kept);
            knn_prediction(candidates, self.params.neighbours, self.mean_rating)
        } else if i < n {
            self.predict_from(
                self.histories.of(user),
                |j| self.similarity(i, j),
                candidates,
            )
        } else {
            self.mean_rating.clamp(1.0, 5.0)
        }
    }

    /// Scores of every candidate movie by a dense scan (the exactness test's reference).
    #[cfg(test)]
    fn dense_scores(&self, user: UserId, n_movies: usize) -> Vec<f32> {
        let mut acc = vec![0f32; n_movies];
        for e in self.histories.of(user) {
            for &(j, sim) in self.neighbours_of(e.movie) {
                acc[j.index()] += e.weight * sim;
            }
        }
        acc
    }
}

impl Recommender for ItemCf {
    fn name(&self) -> &'static str {
        "item_cf"
    }

    fn list_reuse(&self) -> ListReuse {
        match self.params.warm_start {
            // Neighbours change only at `fit`; the rest is the user's own history.
            // (A periodic full fit is an update too: lists are recomputed after
            // every update whenever `full_fit_every` is on.)
            ItemCfWarmStart::Histories if self.params.full_fit_every == 0 => {
                ListReuse::WhileUserUnchanged
            }
            // An update changes neighbour lists of movies others have seen.
            _ => ListReuse::UntilUpdate,
        }
    }

    fn fit(&mut self, data: &TrainingData<'_>) {
        self.fallback = popularity_order(data.catalogue);
        self.fit_log(
            data.population.len(),
            data.catalogue.len(),
            data.interactions,
        );
    }

    fn update(&mut self, data: &TrainingData<'_>, new: &[Interaction]) {
        if self.inputs.n_movies() != data.catalogue.len()
            || self.inputs.n_users() != data.population.len()
        {
            // Nothing fitted to start from (or another world): a full fit.
            self.fit(data);
            return;
        }
        let warm_start = self.params.warm_start;
        self.updates_since_fit = self.updates_since_fit.saturating_add(1);
        if warm_start != ItemCfWarmStart::Exact
            && self.updates_since_fit == self.params.full_fit_every
        {
            self.fit(data);
            return;
        }
        match warm_start {
            ItemCfWarmStart::Histories => self.histories.add(new),
            ItemCfWarmStart::FrozenMeans => self.update_log(new, Means::Frozen),
            ItemCfWarmStart::Incremental => self.update_incremental(new),
            ItemCfWarmStart::Exact => self.update_log(new, Means::Fresh),
        }
    }

    fn recommend(
        &self,
        request: &Request<'_>,
        n: usize,
        _rng: &mut ChaCha8Rng,
        out: &mut Vec<Scored>,
    ) {
        // Accumulate over the history's neighbour lists in history order (the order
        // of a dense scan, so sums match it bit for bit); only touched movies are
        // candidates, seen ones excluded up front.
        thread_local! {
            static SUMS: std::cell::RefCell<Accumulator<f32>> = std::cell::RefCell::default();
        }
        SUMS.with_borrow_mut(|acc| {
            acc.prepare(self.offsets.len() - 1);
            acc.exclude(request.seen);
            for e in self.histories.of(request.user) {
                for &(j, sim) in self.neighbours_of(e.movie) {
                    acc.add(j.0, e.weight * sim);
                }
            }
            let mut top = TopN::reusing(n, std::mem::take(out));
            let mut touched_rest: Vec<(MovieId, f32)> = Vec::new();
            acc.drain(request.seen, |movie, score| {
                if score > 0.0 {
                    top.push(movie, f64::from(score));
                } else {
                    touched_rest.push((movie, score));
                }
            });
            top.finish(out);
            if out.len() < n {
                self.fill(request, n, touched_rest, out);
            }
        });
    }

    fn predict_rating(&self, user: UserId, movie: MovieId) -> Option<f64> {
        Some(self.predict_one(user, movie, &mut Vec::new()))
    }

    fn predict_ratings(&self, pairs: &[(UserId, MovieId)], out: &mut Vec<Option<f64>>) {
        // One similarity row per target movie, shared by its pairs; the values are
        // `predict_rating`'s bit for bit (see `item_similarity`).
        if self.dense.is_some() || self.pairs.is_some() {
            // Pairs by target movie, so that its row of the matrix (or the table)
            // stays in cache for all of them; each pair is still computed alone.
            out.clear();
            out.resize(pairs.len(), None);
            let mut order: Vec<usize> = (0..pairs.len()).collect();
            order.sort_by_key(|&p| pairs[p].1);
            let mut candidates = Vec::new();
            for p in order {
                let (user, movie) = pairs[p];
                out[p] = Some(self.predict_one(user, movie, &mut candidates));
            }
            return;
        }
        out.clear();
        out.resize(pairs.len(), None);
        let mut order: Vec<usize> = (0..pairs.len()).collect();
        order.sort_by_key(|&p| pairs[p].1);
        let n_movies = self.inputs.n_movies();
        let groups: Vec<&[usize]> = order.chunk_by(|&a, &b| pairs[a].1 == pairs[b].1).collect();
        // Target movies in parallel, each pair computed alone: the same values at any
        // thread count.
        let predicted: Vec<Vec<(usize, Option<f64>)>> = groups
            .par_iter()
            .map_init(
                || {
                    (
                        vec![None::<f32>; n_movies],
                        Vec::<usize>::new(),
                        RowSums::default(),
                        Vec::new(),
                    )
                },
                |(sims, touched, sums, candidates), group| {
                    let i = pairs[group[0]].1.index();
                    if i >= n_movies {
                        return group
                            .iter()
                            .map(|&p| (p, self.predict_rating(pairs[p].0, pairs[p].1)))
                            .collect();
                    }
                    self.inputs.row(i, sums, |j, sim| {
                        sims[j] = Some(sim);
                        touched.push(j);
                    });
                    let values = group
                        .iter()
                        .map(|&p| {
                            let value = self.predict_from(
                                self.histories.of(pairs[p].0),
                                |j| sims[j],
                                candidates,
                            );
                            (p, Some(value))
                        })
                        .collect();
                    for &j in touched.iter() {
                        sims[j] = None;
                    }
                    touched.clear();
                    values
                },
            )
            .collect();
        for (p, value) in predicted.into_iter().flatten() {
            out[p] = value;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recommend::testing::{self, rating};

    /// Movies 0..6 rated by 8 users with varied ratings; movie 6 is an exact copy of
    /// movie 2 (same users, same stars).
    fn log() -> Vec<Interaction> {
        let mut log = Vec::new();
        for u in 0..8u32 {
            for m in 0..6u32 {
                if (u + m) % 3 != 0 {
                    let r = 1.0 + ((u * 7 + m * 3) % 5) as f32;
                    log.push(rating(u, m, r));
                    if m == 2 {
                        log.push(rating(u, 6, r));
                    }
                }
            }
        }
        log
    }

    fn params(similarity: SimilarityKind) -> ItemCfParams {
        ItemCfParams {
            similarity,
            shrinkage: 0.0,
            neighbours: 3,
            warm_start: ItemCfWarmStart::Exact,
            full_fit_every: 0,
        }
    }

    #[test]
    fn a_duplicated_item_is_its_copys_nearest_neighbour() {
        // Identical columns have cosine (and adjusted cosine) exactly 1.
        for kind in [SimilarityKind::Cosine, SimilarityKind::AdjustedCosine] {
            let mut cf = ItemCf::new(params(kind));
            cf.fit_log(8, 7, &log());
            let (first, sim) = cf.neighbours_of(MovieId(2))[0];
            assert_eq!(first, MovieId(6));
            assert!((sim - 1.0).abs() < 1e-5, "{kind:?}: {sim}");
            assert_eq!(cf.neighbours_of(MovieId(6))[0].0, MovieId(2));
        }
    }

    #[test]
    fn batched_predictions_equal_single_ones_and_vote_by_similarity() {
        for kind in [
            SimilarityKind::Cosine,
            SimilarityKind::AdjustedCosine,
            SimilarityKind::CosineCommon,
        ] {
            // 7 movies keep the dense matrix; a catalogue over DENSE_MAX_MOVIES takes
            // the batched row path (one row per target movie, targets in parallel).
            for n_movies in [7, DENSE_MAX_MOVIES + 1] {
                let mut cf = ItemCf::new(params(kind));
                cf.fit_log(8, n_movies, &log());
                assert_eq!(cf.dense.is_some(), n_movies <= DENSE_MAX_MOVIES);
                let pairs: Vec<(UserId, MovieId)> = (0..8u32)
                    .flat_map(|u| (0..7u32).map(move |m| (UserId(u), MovieId(m))))
                    .collect();
                let mut batch = Vec::new();
                cf.predict_ratings(&pairs, &mut batch);
                for (&(u, m), b) in pairs.iter().zip(&batch) {
                    let one = cf.predict_rating(u, m).unwrap();
                    assert_eq!(
                        b.map(f64::to_bits),
                        Some(one.to_bits()),
                        "{kind:?} {n_movies} {u:?} {m:?}"
                    );
                    assert!((1.0..=5.0).contains(&one));
                }
            }
        }
        // Movie 6 copies movie 2: with k = 1 its nearest rated neighbour for a user
        // who rated movie 2 is movie 2 itself (similarity 1), so the prediction is
        // that rating exactly.
        let data = log();
        let rated_2 = data.iter().find(|i| i.movie == MovieId(2)).unwrap();
        let mut partial = ItemCf::new(ItemCfParams {
            neighbours: 1,
            ..params(SimilarityKind::Cosine)
        });
        let without_own: Vec<Interaction> = log()
            .into_iter()
            .filter(|i| !(i.user == rated_2.user && i.movie == MovieId(6)))
            .collect();
        partial.fit_log(8, 7, &without_own);
        assert_eq!(
            partial.predict_rating(rated_2.user, MovieId(6)),
            Some(f64::from(rated_2.value))
        );
        // A movie nobody rated: no neighbour, the mean training rating.
        let mean = log().iter().map(|i| f64::from(i.value)).sum::<f64>() / log().len() as f64;
        let mut wide = ItemCf::new(params(SimilarityKind::Cosine));
        wide.fit_log(8, 8, &log());
        assert!((wide.predict_rating(UserId(0), MovieId(7)).unwrap() - mean).abs() < 1e-9);
    }

    #[test]
    fn shrinkage_scales_by_common_support() {
        // Copy shares 5 users (u with (u + 2) % 3 != 0 among 0..8): 5 / (5 + 5) = 0.5.
        let mut cf = ItemCf::new(ItemCfParams {
            shrinkage: 5.0,
            ..params(SimilarityKind::Cosine)
        });
        cf.fit_log(8, 7, &log());
        let sim = cf.neighbours_of(MovieId(2))[0].1;
        assert!((sim - 0.5).abs() < 1e-5, "{sim}");
    }

    #[test]
    fn sparse_candidates_match_a_dense_scan() {
        let mut cf = ItemCf::new(params(SimilarityKind::AdjustedCosine));
        let mut data = log();
        data.push(rating(9, 2, 5.0));
        data.push(rating(9, 0, 2.0));
        let catalogue = testing::catalogue(7);
        cf.fit(&testing::data(&catalogue, 10, &data));
        let context = testing::context();
        let seen = [MovieId(0), MovieId(2)];
        let request = testing::request(UserId(9), &context, &seen);
        let mut rng = crate::rng::stream(0, crate::rng::Purpose::Arm, 0, 0);
        let mut out = Vec::new();
        cf.recommend(&request, 7, &mut rng, &mut out);
        let dense = cf.dense_scores(UserId(9), 7);
        let mut expected: Vec<(u32, f32)> = (0..7u32)
            .filter(|m| !seen.contains(&MovieId(*m)) && dense[*m as usize] > 0.0)
            .map(|m| (m, dense[m as usize]))
            .collect();
        expected.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let got: Vec<u32> = out.iter().map(|s| s.movie.0).collect();
        let want: Vec<u32> = expected.iter().map(|e| e.0).collect();
        // The positive scores first, as the dense scan ranks them; the list is then
        // completed (zeros, then negatives) up to every unseen movie.
        assert_eq!(got[..want.len()], want[..]);
        assert!(!want.is_empty());
        assert_eq!(got.len(), 5);
    }
}
