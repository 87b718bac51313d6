//! Biased matrix factorisation trained by stochastic gradient descent (Funk SVD).
//!
//! ```text
//! r̂(u, i) = μ + b_u + b_i + p_u · q_i
//! for each rating r(u, i), in a shuffled order, with e = r − r̂(u, i):
//!     b_u ← b_u + η (e − λ b_u)        b_i ← b_i + η (e − λ b_i)
//!     p_u ← p_u + η (e q_i − λ p_u)    q_i ← q_i + η (e p_u − λ q_i)
//! ```
//!
//! Trained on ratings only: clicks and thumbs carry no star value to regress on.
//!
//! # References
//!
//! Funk (2006), "Netflix update: try this at home"; Koren, Bell & Volinsky (2009),
//! "Matrix factorization techniques for recommender systems", IEEE Computer 42(8).

use rand::RngExt;
use rand_distr::StandardNormal;

use crate::ids::{MovieId, UserId};
use crate::interaction::{Interaction, InteractionKind};
use crate::rng::ChaCha8Rng;

use super::factor_blocks::{ItemFactorBlocks, Scan, norm};
use super::topn::TopN;
use super::vectors::dot;
use super::{Recommender, Request, Scored, TrainingData};

/// Settings of a biased matrix factorisation (checked by scenario validation).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SvdParams {
    /// Latent factors k.
    pub factors: usize,
    /// Learning rate η.
    pub learning_rate: f64,
    /// Regularisation λ.
    pub regularisation: f64,
    /// Epochs of a full fit.
    pub epochs: usize,
    /// Epochs over new ratings in a warm-start update.
    pub update_epochs: usize,
    /// Standard deviation of initial factors.
    pub init_sd: f64,
}

impl Default for SvdParams {
    fn default() -> Self {
        Self {
            factors: 32,
            learning_rate: 0.01,
            regularisation: 0.05,
            epochs: 20,
            update_epochs: 3,
            init_sd: 0.1,
        }
    }
}

/// A biased matrix factorisation model.
///
/// # Determinism
///
/// Initial factors and the SGD order of every epoch come from the arm's training
/// stream (given at construction), advanced in a fixed order by `fit` and `update`.
#[derive(Clone, Debug)]
pub struct Svd {
    params: SvdParams,
    rng: ChaCha8Rng,
    mu: f64,
    n_ratings: usize,
    user_bias: Vec<f32>,
    item_bias: Vec<f32>,
    /// `n_users × k`, row-major.
    p: Vec<f32>,
    /// `n_movies × k`, row-major.
    q: Vec<f32>,
    /// `q` and `item_bias` laid out for [`Svd::scan`], rebuilt after every fit and
    /// update.
    blocks: ItemFactorBlocks,
}

/// Clamp of predictions to the star scale.
const STARS: (f64, f64) = (1.0, 5.0);

impl Svd {
    /// An untrained model whose training randomness comes from `rng`.
    #[must_use]
    pub fn new(params: SvdParams, rng: ChaCha8Rng) -> Self {
        Self {
            params,
            rng,
            mu: 3.0,
            n_ratings: 0,
            user_bias: Vec::new(),
            item_bias: Vec::new(),
            p: Vec::new(),
            q: Vec::new(),
            blocks: ItemFactorBlocks::default(),
        }
    }

    /// Grows the tables to `n_users` × `n_movies`; new rows get fresh random factors
    /// (a warm start keeps every trained row).
    fn ensure_size(&mut self, n_users: usize, n_movies: usize) {
        let k = self.params.factors;
        let sd = self.params.init_sd as f32;
        let rng = &mut self.rng;
        let mut draw = |table: &mut Vec<f32>, rows: usize| {
            while table.len() < rows * k {
                let z: f32 = rng.sample(StandardNormal);
                table.push(sd * z);
            }
        };
        draw(&mut self.p, n_users);
        draw(&mut self.q, n_movies);
        self.user_bias
            .resize(n_users.max(self.user_bias.len()), 0.0);
        self.item_bias
            .resize(n_movies.max(self.item_bias.len()), 0.0);
    }

    /// Trains from scratch on the ratings of `log` for a world of the given size.
    pub fn fit_ratings(&mut self, n_users: usize, n_movies: usize, log: &[Interaction]) {
        let params = self.params;
        *self = Self::new(params, self.rng.clone());
        self.ensure_size(n_users, n_movies);
        let ratings = ratings_of(log);
        self.n_ratings = ratings.len();
        self.mu = if ratings.is_empty() {
            3.0
        } else {
            ratings.iter().map(|r| f64::from(r.2)).sum::<f64>() / ratings.len() as f64
        };
        self.train(&ratings, params.epochs);
        self.index();
    }

    /// Warm start: grows the model for new users and movies and runs
    /// `update_epochs` epochs over `new` ratings only.
    pub fn update_ratings(&mut self, n_users: usize, n_movies: usize, new: &[Interaction]) {
        self.ensure_size(n_users, n_movies);
        let ratings = ratings_of(new);
        if !ratings.is_empty() {
            let total = self.mu * self.n_ratings as f64
                + ratings.iter().map(|r| f64::from(r.2)).sum::<f64>();
            self.n_ratings += ratings.len();
            self.mu = total / self.n_ratings as f64;
            self.train(&ratings, self.params.update_epochs);
        }
        self.index();
    }

    /// Rebuilds the scan's blocked copy of the item factors.
    fn index(&mut self) {
        let n_users = self.user_bias.len().max(1) as f64;
        let rms_user_norm = (norm(&self.p).powi(2) / n_users).sqrt();
        self.blocks =
            ItemFactorBlocks::new(self.params.factors, &self.q, &self.item_bias, rms_user_norm);
    }

    fn train(&mut self, ratings: &[(u32, u32, f32)], epochs: usize) {
        let k = self.params.factors;
        let lr = self.params.learning_rate as f32;
        let reg = self.params.regularisation as f32;
        let mu = self.mu as f32;
        // SGD order: one full Fisher–Yates shuffle of the ratings themselves, then
        // before each later epoch the chunks of `CHUNK` are visited in a fresh random
        // order and each chunk is reshuffled in place. The pass reads ratings in
        // sequence and every shuffle stays in cache; a gather through a shuffled
        // index, or a full reshuffle per epoch, spent most of training waiting on
        // memory.
        const CHUNK: usize = 4_096;
        let mut order: Vec<(u32, u32, f32)> = ratings.to_vec();
        shuffle(&mut order, &mut self.rng);
        let mut chunks: Vec<usize> = (0..order.len().div_ceil(CHUNK)).collect();
        for epoch in 0..epochs {
            if epoch > 0 {
                shuffle(&mut chunks, &mut self.rng);
                for &c in &chunks {
                    let end = ((c + 1) * CHUNK).min(order.len());
                    shuffle(&mut order[c * CHUNK..end], &mut self.rng);
                }
            }
            let visit = chunks.iter().map(|&c| {
                let end = ((c + 1) * CHUNK).min(order.len());
                &order[c * CHUNK..end]
            });
            let mut step = SgdStep {
                k,
                lr,
                reg,
                mu,
                p: &mut self.p,
                q: &mut self.q,
                user_bias: &mut self.user_bias,
                item_bias: &mut self.item_bias,
            };
            for chunk in visit {
                step.run(chunk);
            }
        }
    }

    /// The predicted rating, clamped to 1–5; the global mean for an unknown user or
    /// movie.
    #[must_use]
    pub fn predict(&self, user: UserId, movie: MovieId) -> f64 {
        let (u, m) = (user.index(), movie.index());
        if u >= self.user_bias.len() || m >= self.item_bias.len() {
            return self.mu.clamp(STARS.0, STARS.1);
        }
        let raw = self.mu
            + f64::from(self.user_bias[u])
            + f64::from(self.item_bias[m])
            + f64::from(self.dot(u, m));
        raw.clamp(STARS.0, STARS.1)
    }

    #[inline]
    fn dot(&self, u: usize, m: usize) -> f32 {
        let k = self.params.factors;
        dot(&self.p[u * k..(u + 1) * k], &self.q[m * k..(m + 1) * k])
    }

    /// Scores every unseen movie by unclamped predicted rating into `top`.
    ///
    /// Exact, but not a full scan: [`ItemFactorBlocks::scan`] skips blocks whose score
    /// bound cannot beat the current n-th best. Tested against [`Svd::full_scan`].
    pub(crate) fn scan(&self, request: &Request<'_>, top: &mut TopN) {
        self.scan_where(request, top, |_| true);
    }

    /// [`Svd::scan`] over the movies `keep` accepts; `keep` is asked only about
    /// movies whose score would enter `top`, so an expensive test runs rarely.
    pub(crate) fn scan_where(
        &self,
        request: &Request<'_>,
        top: &mut TopN,
        keep: impl FnMut(MovieId) -> bool,
    ) {
        let u = request.user.index();
        if u >= self.user_bias.len() {
            return;
        }
        let k = self.params.factors;
        let base = self.mu + f64::from(self.user_bias[u]);
        let pu = &self.p[u * k..(u + 1) * k];
        self.blocks.scan(base, pu, request.seen, top, keep);
    }

    /// The top `n` of [`Svd::scan_where`] for every request at once, into `outs`;
    /// `keep(i, movie)` filters for `requests[i]`. The factor blocks are read once for
    /// all requests ([`ItemFactorBlocks::scan_many`]).
    pub(crate) fn scan_many_where(
        &self,
        requests: &[Request<'_>],
        n: usize,
        outs: &mut [Vec<Scored>],
        mut keep: impl FnMut(usize, MovieId) -> bool,
    ) {
        let k = self.params.factors;
        // Users the model has never seen get no list, as in `scan_where`.
        let known: Vec<usize> = (0..requests.len())
            .filter(|&i| requests[i].user.index() < self.user_bias.len())
            .collect();
        let mut scans: Vec<Scan<'_>> = known
            .iter()
            .map(|&i| {
                let u = requests[i].user.index();
                Scan {
                    base: self.mu + f64::from(self.user_bias[u]),
                    p: &self.p[u * k..(u + 1) * k],
                    seen: requests[i].seen,
                    top: TopN::reusing(n, std::mem::take(&mut outs[i])),
                }
            })
            .collect();
        self.blocks
            .scan_many(&mut scans, |j, movie| keep(known[j], movie));
        for (scan, &i) in scans.into_iter().zip(&known) {
            scan.top.finish(&mut outs[i]);
        }
        for (i, out) in outs.iter_mut().enumerate() {
            if requests[i].user.index() >= self.user_bias.len() {
                out.clear();
            }
        }
    }

    /// The same ranking by scoring every movie one dot product at a time (the
    /// exactness test's reference).
    #[cfg(test)]
    fn full_scan(&self, request: &Request<'_>, top: &mut TopN) {
        let u = request.user.index();
        if u >= self.user_bias.len() {
            return;
        }
        let base = self.mu + f64::from(self.user_bias[u]);
        for m in 0..self.item_bias.len() {
            let movie = MovieId(m as u32);
            let s = self.item_bias[m] + self.dot(u, m);
            if s > f32::NEG_INFINITY && !request.has_seen(movie) {
                top.push(movie, base + f64::from(s));
            }
        }
    }
}

/// One SGD pass over ratings, borrowing the model's tables.
///
/// # Determinism
///
/// The pass is compiled twice, for the baseline x86-64 target and, chosen at run time
/// where the CPU has it, with AVX2 (as [`ItemFactorBlocks`]'s scan): the same code,
/// wider registers, no FMA, so each factor sees the same IEEE operations in the same
/// order and both give the same bits.
struct SgdStep<'a> {
    k: usize,
    lr: f32,
    reg: f32,
    mu: f32,
    p: &'a mut [f32],
    q: &'a mut [f32],
    user_bias: &'a mut [f32],
    item_bias: &'a mut [f32],
}

impl SgdStep<'_> {
    fn run(&mut self, ratings: &[(u32, u32, f32)]) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2, checked just above.
            unsafe { self.run_avx2(ratings) };
            return;
        }
        self.run_body(ratings, dot);
    }

    /// [`SgdStep::run`] compiled with AVX2, its dot product in eight-lane registers
    /// ([`dot_avx2`]).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn run_avx2(&mut self, ratings: &[(u32, u32, f32)]) {
        // SAFETY: this function only runs where the CPU has AVX2.
        self.run_body(ratings, |a, b| unsafe { dot_avx2(a, b) });
    }

    /// The pass: each rating's error, then its updates, in order. Two ratings in a
    /// row with different users and different movies read and write disjoint rows
    /// and biases, so the second's error does not depend on the first's updates;
    /// both errors are computed before either update (the same values as one after
    /// the other), which lets the two dependent chains of dot product, error and
    /// update run side by side.
    #[inline(always)]
    fn run_body(&mut self, ratings: &[(u32, u32, f32)], dot: impl Fn(&[f32], &[f32]) -> f32) {
        let k = self.k;
        let mut t = 0;
        while t < ratings.len() {
            // The factor rows of ratings a few steps on, asked for now: they arrive
            // in cache while these steps compute (no value changes).
            for &(u_ahead, m_ahead, _) in ratings.iter().skip(t + SGD_PREFETCH_AHEAD).take(2) {
                prefetch_row(self.p, u_ahead as usize * k, k);
                prefetch_row(self.q, m_ahead as usize * k, k);
            }
            let (u, m, r) = ratings[t];
            match ratings.get(t + 1) {
                Some(&(u2, m2, r2)) if u2 != u && m2 != m => {
                    let e = self.error(u as usize, m as usize, r, &dot);
                    let e2 = self.error(u2 as usize, m2 as usize, r2, &dot);
                    self.update(u as usize, m as usize, e);
                    self.update(u2 as usize, m2 as usize, e2);
                    t += 2;
                }
                _ => {
                    let e = self.error(u as usize, m as usize, r, &dot);
                    self.update(u as usize, m as usize, e);
                    t += 1;
                }
            }
        }
    }

    /// The pass one rating at a time (the reference of [`SgdStep::run_body`]).
    #[cfg(test)]
    fn run_one_by_one(&mut self, ratings: &[(u32, u32, f32)]) {
        for &(u, m, r) in ratings {
            let e = self.error(u as usize, m as usize, r, &dot);
            self.update(u as usize, m as usize, e);
        }
    }

    /// `r − r̂(u, m)` with the model as it stands.
    #[inline(always)]
    fn error(&self, u: usize, m: usize, r: f32, dot: &impl Fn(&[f32], &[f32]) -> f32) -> f32 {
        let k = self.k;
        let pu = &self.p[u * k..(u + 1) * k];
        let qi = &self.q[m * k..(m + 1) * k];
        r - (self.mu + self.user_bias[u] + self.item_bias[m] + dot(pu, qi))
    }

    /// The SGD updates of one rating with error `e`.
    #[inline(always)]
    fn update(&mut self, u: usize, m: usize, e: f32) {
        let (k, lr, reg) = (self.k, self.lr, self.reg);
        self.user_bias[u] += lr * (e - reg * self.user_bias[u]);
        self.item_bias[m] += lr * (e - reg * self.item_bias[m]);
        let pu = &mut self.p[u * k..(u + 1) * k];
        let qi = &mut self.q[m * k..(m + 1) * k];
        for (a, b) in pu.iter_mut().zip(qi.iter_mut()) {
            let (pa, qb) = (*a, *b);
            *a += lr * (e * qb - reg * pa);
            *b += lr * (e * pa - reg * qb);
        }
    }
}

/// [`dot`] in AVX registers: the same eight running sums (lane `l` adds `a[c·8 + l]
/// · b[c·8 + l]` chunk by chunk), combined as `dot` combines them,
/// `((l0 + l4) + (l1 + l5)) + ((l2 + l6) + (l3 + l7)) + tail`, so the same bits.
/// The compiler's own vectorisation of `dot` kept the lanes in two halves and
/// shuffled them on every chunk.
///
/// # Safety
///
/// The CPU must have AVX (every caller has checked AVX2).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn dot_avx2(a: &[f32], b: &[f32]) -> f32 {
    use std::arch::x86_64::{
        _mm_add_ps, _mm_add_ss, _mm_cvtss_f32, _mm_movehdup_ps, _mm_movehl_ps, _mm256_add_ps,
        _mm256_castps256_ps128, _mm256_extractf128_ps, _mm256_loadu_ps, _mm256_mul_ps,
        _mm256_setzero_ps,
    };
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let whole = n - n % 8;
    // SAFETY: every load reads 8 floats inside `a[..whole]` or `b[..whole]`; the
    // caller guarantees AVX.
    unsafe {
        let mut lanes = _mm256_setzero_ps();
        for c in (0..whole).step_by(8) {
            let x = _mm256_loadu_ps(a.as_ptr().add(c));
            let y = _mm256_loadu_ps(b.as_ptr().add(c));
            lanes = _mm256_add_ps(lanes, _mm256_mul_ps(x, y));
        }
        let mut tail = 0f32;
        for (x, y) in a[whole..].iter().zip(&b[whole..]) {
            tail += x * y;
        }
        // [l0 + l4, l1 + l5, l2 + l6, l3 + l7]
        let halves = _mm_add_ps(
            _mm256_castps256_ps128(lanes),
            _mm256_extractf128_ps::<1>(lanes),
        );
        // [(l0 + l4) + (l1 + l5), _, (l2 + l6) + (l3 + l7), _]
        let pairs = _mm_add_ps(halves, _mm_movehdup_ps(halves));
        _mm_cvtss_f32(_mm_add_ss(pairs, _mm_movehl_ps(pairs, pairs))) + tail
    }
}

/// Fisher–Yates shuffle from `rng`: for `i` from the last index down to 1, swap
/// item `i` with item `j`, `j` drawn uniformly from `0..=i`.
///
/// The draws do not depend on the items, so they are made [`SHUFFLE_AHEAD`] at a
/// time and each drawn item is prefetched before the swaps run, in the same order:
/// the same draws and swaps as one at a time ([`shuffle_one_by_one`]), but the
/// cache misses of a shuffle larger than the cache (the first epoch's, over every
/// rating) overlap instead of stalling one after another.
fn shuffle<T>(items: &mut [T], rng: &mut ChaCha8Rng) {
    let mut picks = [0usize; SHUFFLE_AHEAD];
    let mut end = items.len();
    while end > 1 {
        let count = (end - 1).min(SHUFFLE_AHEAD);
        for (s, pick) in picks[..count].iter_mut().enumerate() {
            *pick = rng.random_range(0..=end - 1 - s);
            prefetch(&items[*pick]);
        }
        for (s, &pick) in picks[..count].iter().enumerate() {
            items.swap(end - 1 - s, pick);
        }
        end -= count;
    }
}

/// How many ratings ahead an SGD pass prefetches factor rows.
const SGD_PREFETCH_AHEAD: usize = 4;

/// Prefetches the cache lines of `table[from..from + len]` (its first, middle and
/// last entries: a row of up to 48 `f32`s spans at most three lines); nothing when
/// the range is out of the table.
#[inline(always)]
fn prefetch_row(table: &[f32], from: usize, len: usize) {
    if let Some(row) = table.get(from..from + len)
        && let (Some(first), Some(last)) = (row.first(), row.last())
    {
        prefetch(first);
        prefetch(&row[row.len() / 2]);
        prefetch(last);
    }
}

/// Draws made ahead of their swaps by [`shuffle`].
const SHUFFLE_AHEAD: usize = 32;

/// Asks the CPU to bring `item`'s cache line in; no effect on any value.
#[inline(always)]
fn prefetch<T>(item: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        // SAFETY: a prefetch never faults and writes nothing; SSE is part of the
        // x86-64 baseline.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(item).cast::<i8>()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = item;
}

/// [`shuffle`] one draw and one swap at a time (its reference).
#[cfg(test)]
fn shuffle_one_by_one<T>(items: &mut [T], rng: &mut ChaCha8Rng) {
    for i in (1..items.len()).rev() {
        let j = rng.random_range(0..=i);
        items.swap(i, j);
    }
}

fn ratings_of(log: &[Interaction]) -> Vec<(u32, u32, f32)> {
    log.iter()
        .filter(|i| i.kind == InteractionKind::Rating)
        .map(|i| (i.user.0, i.movie.0, i.value))
        .collect()
}

impl Recommender for Svd {
    fn name(&self) -> &'static str {
        "svd"
    }

    fn fit(&mut self, data: &TrainingData<'_>) {
        self.fit_ratings(
            data.population.len(),
            data.catalogue.len(),
            data.interactions,
        );
    }

    fn update(&mut self, data: &TrainingData<'_>, new: &[Interaction]) {
        self.update_ratings(data.population.len(), data.catalogue.len(), new);
    }

    fn recommend(
        &self,
        request: &Request<'_>,
        n: usize,
        _rng: &mut ChaCha8Rng,
        out: &mut Vec<Scored>,
    ) {
        let mut top = TopN::reusing(n, std::mem::take(out));
        self.scan(request, &mut top);
        top.finish(out);
    }

    fn recommend_many(
        &self,
        requests: &[Request<'_>],
        n: usize,
        _rngs: &mut [ChaCha8Rng],
        outs: &mut [Vec<Scored>],
    ) {
        self.scan_many_where(requests, n, outs, |_, _| true);
    }

    fn predict_rating(&self, user: UserId, movie: MovieId) -> Option<f64> {
        Some(self.predict(user, movie))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Purpose, stream};

    #[test]
    fn shuffling_ahead_makes_the_same_draws_and_swaps() {
        for n in [0usize, 1, 2, 3, 32, 33, 34, 65, 1000, 4097] {
            let mut ahead: Vec<usize> = (0..n).collect();
            let mut one = ahead.clone();
            let mut rng_ahead = stream(9, Purpose::ArmTraining, 0, n as u64);
            let mut rng_one = rng_ahead.clone();
            shuffle(&mut ahead, &mut rng_ahead);
            shuffle_one_by_one(&mut one, &mut rng_one);
            assert_eq!(ahead, one, "n = {n}");
            // The stream is left at the same place.
            assert_eq!(rng_ahead.random::<u64>(), rng_one.random::<u64>());
        }
    }

    #[test]
    fn pairs_of_ratings_side_by_side_train_the_same_bits() {
        // 6 users × 5 movies, so that many neighbouring ratings share a user or a
        // movie (those run one at a time) and many do not (those run in pairs).
        let mut rng = stream(3, Purpose::Evaluation, 0, 1);
        let ratings: Vec<(u32, u32, f32)> = (0..997)
            .map(|_| {
                let u = rng.random_range(0..6u32);
                let m = rng.random_range(0..5u32);
                (u, m, 1.0 + rng.random_range(0..5u32) as f32)
            })
            .collect();
        for k in [1usize, 8, 13, 32] {
            let init = |n: usize| -> Vec<f32> {
                (0..n * k)
                    .map(|i| ((i * 37 % 101) as f32 - 50.0) / 500.0)
                    .collect()
            };
            let (mut p1, mut q1) = (init(6), init(5));
            let (mut p2, mut q2) = (p1.clone(), q1.clone());
            let (mut ub1, mut ib1) = (vec![0.1f32; 6], vec![-0.2f32; 5]);
            let (mut ub2, mut ib2) = (ub1.clone(), ib1.clone());
            for _ in 0..3 {
                let mut pairs = SgdStep {
                    k,
                    lr: 0.01,
                    reg: 0.05,
                    mu: 3.5,
                    p: &mut p1,
                    q: &mut q1,
                    user_bias: &mut ub1,
                    item_bias: &mut ib1,
                };
                pairs.run(&ratings);
                let mut one = SgdStep {
                    k,
                    lr: 0.01,
                    reg: 0.05,
                    mu: 3.5,
                    p: &mut p2,
                    q: &mut q2,
                    user_bias: &mut ub2,
                    item_bias: &mut ib2,
                };
                one.run_one_by_one(&ratings);
            }
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&p1), bits(&p2), "k = {k}");
            assert_eq!(bits(&q1), bits(&q2), "k = {k}");
            assert_eq!(bits(&ub1), bits(&ub2), "k = {k}");
            assert_eq!(bits(&ib1), bits(&ib2), "k = {k}");
        }
    }

    #[test]
    fn the_avx_dot_product_is_the_portable_one_bit_for_bit() {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            let mut rng = stream(5, Purpose::Evaluation, 0, 0);
            for n in [0, 1, 7, 8, 9, 16, 31, 32, 33, 100] {
                for _ in 0..50 {
                    let mut draw = || -> Vec<f32> {
                        (0..n)
                            .map(|_| rng.sample::<f32, _>(StandardNormal) * 1e3)
                            .collect()
                    };
                    let (a, b) = (draw(), draw());
                    // SAFETY: the CPU has AVX2, checked above.
                    let fast = unsafe { dot_avx2(&a, &b) };
                    assert_eq!(fast.to_bits(), dot(&a, &b).to_bits(), "n = {n}");
                }
            }
        }
    }

    /// A rank-2 world: r = 3 + b_u + b_i + p_u·q_i + N(0, 0.1²), clamped to 1–5.
    type Cells = Vec<(u32, u32, f32)>;

    fn low_rank(n_users: usize, n_items: usize) -> (Cells, Cells) {
        let mut rng = stream(1, Purpose::Evaluation, 0, 0);
        let mut draw = |sd: f64| -> f64 { sd * rng.sample::<f64, _>(StandardNormal) };
        let users: Vec<(f64, [f64; 2])> = (0..n_users)
            .map(|_| (draw(0.3), [draw(0.8), draw(0.8)]))
            .collect();
        let items: Vec<(f64, [f64; 2])> = (0..n_items)
            .map(|_| (draw(0.3), [draw(0.8), draw(0.8)]))
            .collect();
        let (mut train, mut test) = (Vec::new(), Vec::new());
        let mut coin = stream(1, Purpose::Evaluation, 0, 1);
        for (u, (bu, pu)) in users.iter().enumerate() {
            for (i, (bi, qi)) in items.iter().enumerate() {
                let r = 3.0 + bu + bi + pu[0] * qi[0] + pu[1] * qi[1] + draw(0.1);
                let cell = (u as u32, i as u32, r.clamp(1.0, 5.0) as f32);
                let u01: f64 = coin.random();
                if u01 < 0.6 {
                    train.push(cell);
                } else if u01 < 0.8 {
                    test.push(cell);
                }
            }
        }
        (train, test)
    }

    fn log(cells: &[(u32, u32, f32)]) -> Vec<Interaction> {
        cells
            .iter()
            .map(|&(u, m, r)| Interaction {
                user: UserId(u),
                movie: MovieId(m),
                kind: InteractionKind::Rating,
                value: r,
                time_secs: 0,
            })
            .collect()
    }

    fn rmse(model: &Svd, cells: &[(u32, u32, f32)]) -> f64 {
        let se: f64 = cells
            .iter()
            .map(|&(u, m, r)| (model.predict(UserId(u), MovieId(m)) - f64::from(r)).powi(2))
            .sum();
        (se / cells.len() as f64).sqrt()
    }

    fn params() -> SvdParams {
        SvdParams {
            factors: 2,
            learning_rate: 0.02,
            regularisation: 0.01,
            epochs: 150,
            update_epochs: 60,
            init_sd: 0.1,
        }
    }

    #[test]
    fn svd_recovers_a_low_rank_matrix_to_near_the_noise_level() {
        // Noise sd is 0.1; a global-mean predictor has RMSE ≈ sd of the ratings
        // (≈ 0.9 here). Recovering the rank-2 structure from 60% of the cells must
        // come within a small multiple of the noise.
        let (train, test) = low_rank(50, 40);
        let mut model = Svd::new(params(), stream(1, Purpose::ArmTraining, 0, 0));
        model.fit_ratings(50, 40, &log(&train));
        let err = rmse(&model, &test);
        assert!(err < 0.2, "held-out RMSE {err}");
    }

    #[test]
    fn warm_start_learns_new_users_from_new_ratings_only() {
        let (train, test) = low_rank(50, 40);
        // Users 40..50 are new: absent from the first fit.
        let (old, new): (Vec<_>, Vec<_>) = train.iter().partition(|c| c.0 < 40);
        let test_new: Vec<_> = test.iter().copied().filter(|c| c.0 >= 40).collect();
        let mut model = Svd::new(params(), stream(1, Purpose::ArmTraining, 0, 0));
        model.fit_ratings(40, 40, &log(&old));
        let before = rmse(&model, &test_new);
        model.update_ratings(50, 40, &log(&new));
        let after = rmse(&model, &test_new);
        assert!(after < 0.6 * before && after < 0.35, "{before} → {after}");
    }

    #[test]
    fn same_stream_same_model() {
        let (train, _) = low_rank(10, 10);
        let fit = || {
            let mut m = Svd::new(params(), stream(3, Purpose::ArmTraining, 0, 0));
            m.fit_ratings(10, 10, &log(&train));
            m.predict(UserId(1), MovieId(2))
        };
        assert_eq!(fit().to_bits(), fit().to_bits());
    }

    /// Every user's top n from the pruned scan equals a full scan's, scores
    /// bit for bit, with seen movies, ties (duplicated movies) and every n.
    #[test]
    fn pruned_scan_matches_a_full_scan() {
        let (train, _) = low_rank(60, 90);
        let mut model = Svd::new(
            SvdParams {
                factors: 11,
                ..params()
            },
            stream(2, Purpose::ArmTraining, 0, 0),
        );
        model.fit_ratings(60, 90, &log(&train));
        // Movies 90..100 copy movies 0..10: equal scores, so ties decide.
        let k = model.params.factors;
        for m in 0..10 {
            let row = model.q[m * k..(m + 1) * k].to_vec();
            model.q.extend(row);
            model.item_bias.push(model.item_bias[m]);
        }
        model.index();
        let context = crate::recommend::testing::context();
        for u in 0..60u32 {
            let seen: Vec<MovieId> = (0..100).filter(|m| (m + u) % 7 == 0).map(MovieId).collect();
            let request = crate::recommend::testing::request(UserId(u), &context, &seen);
            for n in [0, 1, 5, 10, 37, 100] {
                let (mut pruned, mut full) = (TopN::new(n), TopN::new(n));
                model.scan(&request, &mut pruned);
                model.full_scan(&request, &mut full);
                let (mut a, mut b) = (Vec::new(), Vec::new());
                pruned.finish(&mut a);
                full.finish(&mut b);
                let bits = |v: &[Scored]| -> Vec<(MovieId, u64)> {
                    v.iter().map(|s| (s.movie, s.score.to_bits())).collect()
                };
                assert_eq!(bits(&a), bits(&b), "user {u}, n {n}");
            }
        }
    }
}
