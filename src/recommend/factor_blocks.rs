//! Item factors laid out to score several movies per pass, with per-block bounds.
//!
//! Movies are grouped in blocks of [`LANES`]; a block stores its factors
//! factor-major (`k` rows of `LANES` values), so one pass over `k` scores the whole
//! block in parallel lanes with plain vertical multiplies and adds — no horizontal
//! sums, no FMA. Each lane keeps the eight partial sums of
//! [`dot`](super::vectors::dot) and combines them in the same order, so a block score
//! is bit-identical to `bias + dot(p, q_i)` on every machine.
//!
//! The scan is compiled twice: for the baseline x86-64 target (SSE2, two registers
//! per eight lanes) and, chosen at run time where the CPU has it, with AVX2 enabled
//! (one register per eight lanes). Both compile the same code; AVX2 only widens the
//! registers, and without FMA (never enabled here, and Rust never fuses a multiply
//! and an add on its own) every lane performs the same IEEE operations in the same
//! order, so both give the same bits.
//!
//! Each block also keeps `max b_i` and `max ‖q_i‖`, so a scan can skip a block whose
//! upper bound (Cauchy–Schwarz)
//!
//! ```text
//! b_i + p · q_i ≤ max_block b_i + ‖p‖ · max_block ‖q_i‖
//! ```
//!
//! (widened by the f32 rounding of the dot product) cannot beat the current n-th best.

use crate::ids::MovieId;

use super::topn::TopN;
use super::{Request, Scored, fill_by_popularity};

/// Movies per block: one AVX register of `f32` (two SSE2 registers). With eight
/// partial sums per lane the AVX2 kernel keeps eight registers of accumulators live.
pub(crate) const LANES: usize = 8;

/// Partial sums per lane: the same as [`dot`](super::vectors::dot)'s.
const PARTIALS: usize = 8;

/// Item factors and biases in blocks of [`LANES`] movies, best bound first.
#[derive(Clone, Debug, Default)]
pub(crate) struct ItemFactorBlocks {
    k: usize,
    /// Per block: the `LANES` movie indices of its lanes (padding: `u32::MAX`).
    movies: Vec<u32>,
    /// Per block: `k × LANES`, factor-major.
    factors: Vec<f32>,
    /// Per block: `LANES` biases (padding: −∞, so padding lanes score −∞).
    biases: Vec<f32>,
    /// Per block: (max bias, max factor norm) over its movies.
    bounds: Vec<(f64, f64)>,
    /// Per block: (max bias, max factor norm) over it and every later block.
    rest_bounds: Vec<(f64, f64)>,
}

impl ItemFactorBlocks {
    /// Lays out `biases.len()` rows of `k` factors (`factors` row-major) and their
    /// biases, ordered by `b_i + p_norm · ‖q_i‖` descending (ties: lower index) so
    /// that a scan meets likely winners first and blocks hold movies of similar
    /// bounds; `p_norm` is a typical user-factor norm.
    pub(crate) fn new(k: usize, factors: &[f32], biases: &[f32], p_norm: f64) -> Self {
        let n_items = biases.len();
        assert_eq!(factors.len(), n_items * k, "one row of k factors per bias");
        let row = |i: usize| &factors[i * k..(i + 1) * k];
        let norms: Vec<f64> = (0..n_items).map(|i| norm(row(i))).collect();
        let key = |i: usize| f64::from(biases[i]) + p_norm * norms[i];
        let mut order: Vec<usize> = (0..n_items).collect();
        order.sort_by(|&a, &b| key(b).total_cmp(&key(a)).then(a.cmp(&b)));
        let n_blocks = n_items.div_ceil(LANES);
        let mut blocks = Self {
            k,
            movies: vec![u32::MAX; n_blocks * LANES],
            factors: vec![0f32; n_blocks * k * LANES],
            biases: vec![f32::NEG_INFINITY; n_blocks * LANES],
            bounds: vec![(f64::NEG_INFINITY, 0f64); n_blocks],
            rest_bounds: Vec::new(),
        };
        for (slot, &i) in order.iter().enumerate() {
            let (block, lane) = (slot / LANES, slot % LANES);
            let start = block * k * LANES;
            for (f, &x) in row(i).iter().enumerate() {
                blocks.factors[start + f * LANES + lane] = x;
            }
            blocks.movies[slot] = i as u32;
            blocks.biases[slot] = biases[i];
            let (max_bias, max_norm) = &mut blocks.bounds[block];
            *max_bias = max_bias.max(f64::from(biases[i]));
            *max_norm = max_norm.max(norms[i]);
        }
        let mut rest = (f64::NEG_INFINITY, 0f64);
        blocks.rest_bounds = blocks
            .bounds
            .iter()
            .rev()
            .map(|&(b, n)| {
                rest = (rest.0.max(b), rest.1.max(n));
                rest
            })
            .collect();
        blocks.rest_bounds.reverse();
        blocks
    }

    /// Number of blocks.
    pub(crate) fn n_blocks(&self) -> usize {
        self.bounds.len()
    }

    /// The movie indices of `block`'s lanes (padding lanes: `u32::MAX`).
    #[inline]
    pub(crate) fn movies(&self, block: usize) -> &[u32] {
        &self.movies[block * LANES..(block + 1) * LANES]
    }

    /// An upper bound on every score `bias + dot(p, q_i)` of `block`, as computed in
    /// f32, for a user vector of norm `p_norm`.
    pub(crate) fn upper_bound(&self, block: usize, p_norm: f64) -> f64 {
        self.bound(self.bounds[block], p_norm)
    }

    /// An upper bound on every score of `block` and the blocks after it.
    pub(crate) fn rest_upper_bound(&self, block: usize, p_norm: f64) -> f64 {
        self.bound(self.rest_bounds[block], p_norm)
    }

    /// `max b + ‖p‖ · max ‖q‖`, widened for rounding: the f32 dot product of length k
    /// errs by at most `k·u·Σ|p_f q_f|` (u = 2⁻²⁴; Higham 2002, §3.1) and the bias
    /// addition by `u` of the sum; the margin uses `(k + 2)·2u`, twice that.
    /// (NaN factors are ignored by the maxima; their scores never enter anyway.)
    fn bound(&self, (max_bias, max_norm): (f64, f64), p_norm: f64) -> f64 {
        let reach = max_norm * p_norm;
        let eps = (self.k as f64 + 2.0) * f64::from(f32::EPSILON);
        max_bias + reach + eps * (max_bias.abs() + reach)
    }

    /// `bias_i + dot(p, q_i)` for the movies of `block` (padding lanes score −∞),
    /// bit-identical to [`dot`](super::vectors::dot).
    #[inline(always)]
    pub(crate) fn scores(&self, block: usize, p: &[f32]) -> [f32; LANES] {
        let k = self.k;
        let p = &p[..k];
        let q = &self.factors[block * k * LANES..(block + 1) * k * LANES];
        let mut partial = [[0f32; LANES]; PARTIALS];
        let full = k - k % PARTIALS;
        for (pc, qc) in p[..full]
            .chunks_exact(PARTIALS)
            .zip(q[..full * LANES].chunks_exact(PARTIALS * LANES))
        {
            for (j, acc) in partial.iter_mut().enumerate() {
                let row = &qc[j * LANES..(j + 1) * LANES];
                for l in 0..LANES {
                    acc[l] += pc[j] * row[l];
                }
            }
        }
        let mut tail = [0f32; LANES];
        for (&pf, row) in p[full..].iter().zip(q[full * LANES..].chunks_exact(LANES)) {
            for l in 0..LANES {
                tail[l] += pf * row[l];
            }
        }
        let biases = &self.biases[block * LANES..(block + 1) * LANES];
        let s = &partial;
        // Plain loops, no closures: everything here must inline into the AVX2 scan,
        // whose target feature a separately compiled helper would not have.
        let mut out = [0f32; LANES];
        for l in 0..LANES {
            let dot = ((s[0][l] + s[4][l]) + (s[1][l] + s[5][l]))
                + ((s[2][l] + s[6][l]) + (s[3][l] + s[7][l]))
                + tail[l];
            out[l] = biases[l] + dot;
        }
        out
    }
}

/// One user of [`ItemFactorBlocks::scan_many`]: the score offset, the user vector, the
/// movies to skip (sorted) and the selection the scan fills.
pub(crate) struct Scan<'a> {
    /// Added to every score (the global mean and user bias of a factor model).
    pub base: f64,
    /// The user vector.
    pub p: &'a [f32],
    /// Movies the user has watched, sorted.
    pub seen: &'a [MovieId],
    /// The best movies so far.
    pub top: TopN,
}

impl ItemFactorBlocks {
    /// Each request's top `n` unseen movies by `bias_i + dot(p, q_i)` with its vector
    /// `vectors[i]`, every request with a vector sharing one pass over the blocks
    /// ([`ItemFactorBlocks::scan_many`]); a request without one gets the unseen movies of
    /// the popularity order `fallback` ([`fill_by_popularity`]). The `recommend_many` of
    /// the arms that score by item vectors (PureSVD, embeddings).
    pub(crate) fn top_n_or_popular(
        &self,
        requests: &[Request<'_>],
        vectors: &[Option<&[f32]>],
        fallback: &[MovieId],
        n: usize,
        outs: &mut [Vec<Scored>],
    ) {
        let mut with_vector: Vec<usize> = Vec::new();
        let mut scans: Vec<Scan<'_>> = Vec::new();
        for (i, (request, vector)) in requests.iter().zip(vectors).enumerate() {
            match vector {
                Some(p) => {
                    with_vector.push(i);
                    scans.push(Scan {
                        base: 0.0,
                        p,
                        seen: request.seen,
                        top: TopN::reusing(n, std::mem::take(&mut outs[i])),
                    });
                }
                None => fill_by_popularity(fallback, request, n, &mut outs[i]),
            }
        }
        self.scan_many(&mut scans, |_, _| true);
        for (scan, &i) in scans.into_iter().zip(&with_vector) {
            scan.top.finish(&mut outs[i]);
        }
    }
}

impl ItemFactorBlocks {
    /// Offers every movie not in `seen` (sorted) that `keep` accepts to `top`, scored
    /// `base + bias_i + dot(p, q_i)` ([`ItemFactorBlocks::scan_many`] for one user).
    pub(crate) fn scan(
        &self,
        base: f64,
        p: &[f32],
        seen: &[MovieId],
        top: &mut TopN,
        mut keep: impl FnMut(MovieId) -> bool,
    ) {
        let mut scans = [Scan {
            base,
            p,
            seen,
            top: std::mem::replace(top, TopN::new(0)),
        }];
        self.scan_many(&mut scans, |_, movie| keep(movie));
        let [scan] = scans;
        *top = scan.top;
    }

    /// For every user of `scans`, offers every movie not in their `seen` that
    /// `keep(user index, movie)` accepts to their `top`, scored
    /// `base + bias_i + dot(p, q_i)`. Blocks are visited best bound first, each read
    /// once for all users (so a batch streams the model from memory once, not once
    /// per user): for each user, a block whose bound cannot beat their current n-th
    /// best is skipped, and a user is done when no later block can. `keep` is asked
    /// only about movies whose score would enter.
    ///
    /// Exact: each user's result is the top of a full scan (only scores the selection
    /// would reject are skipped, by bounds widened for rounding and a conservative
    /// f32 floor).
    pub(crate) fn scan_many(
        &self,
        scans: &mut [Scan<'_>],
        keep: impl FnMut(usize, MovieId) -> bool,
    ) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2, checked just above.
            unsafe { self.scan_avx2(scans, keep) };
            return;
        }
        self.scan_body(scans, keep);
    }

    /// [`ItemFactorBlocks::scan_many`] compiled with AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn scan_avx2(&self, scans: &mut [Scan<'_>], keep: impl FnMut(usize, MovieId) -> bool) {
        self.scan_body(scans, keep);
    }

    #[inline(always)]
    fn scan_body(&self, scans: &mut [Scan<'_>], mut keep: impl FnMut(usize, MovieId) -> bool) {
        let norms: Vec<f64> = scans.iter().map(|s| norm(s.p)).collect();
        let mut live: Vec<usize> = (0..scans.len()).collect();
        for block in 0..self.n_blocks() {
            live.retain(|&j| {
                let s = &scans[j];
                s.top
                    .threshold()
                    .is_none_or(|t| s.base + self.rest_upper_bound(block, norms[j]) >= t)
            });
            if live.is_empty() {
                break;
            }
            for &j in &live {
                let scan = &mut scans[j];
                let base = scan.base;
                let mut threshold = scan.top.threshold();
                if threshold.is_some_and(|t| base + self.upper_bound(block, norms[j]) < t) {
                    continue;
                }
                let mut floor = score_floor(threshold, base);
                let scores = self.scores(block, scan.p);
                if !scores.iter().any(|&s| s >= floor) {
                    continue;
                }
                for (&m, &s) in self.movies(block).iter().zip(&scores) {
                    let movie = MovieId(m);
                    // −∞ (padding lanes, diverged factors) never enters; NaN fails `>=`.
                    if s >= floor
                        && s > f32::NEG_INFINITY
                        && scan.seen.binary_search(&movie).is_err()
                        && keep(j, movie)
                    {
                        scan.top.push(movie, base + f64::from(s));
                        threshold = scan.top.threshold();
                        floor = score_floor(threshold, base);
                    }
                }
            }
        }
    }
}

/// An f32 score floor: every `s < floor` has `base + f64::from(s) < threshold`, so
/// the heap would reject it; −∞ while the heap is not full.
///
/// The margin of 10⁻⁶ of the magnitudes dwarfs both the f64 rounding (≈ 10⁻¹⁶) and
/// the f32 rounding of the floor itself (2⁻²⁴ ≈ 6·10⁻⁸), so the filter only drops
/// items the heap would drop.
fn score_floor(threshold: Option<f64>, base: f64) -> f32 {
    let Some(t) = threshold else {
        return f32::NEG_INFINITY;
    };
    let margin = 1e-6 * (t.abs() + base.abs());
    let floor = (t - base - margin) as f32;
    if floor.is_nan() {
        f32::NEG_INFINITY
    } else {
        floor
    }
}

/// Euclidean norm, in f64.
pub(crate) fn norm(v: &[f32]) -> f64 {
    v.iter()
        .map(|&x| f64::from(x) * f64::from(x))
        .sum::<f64>()
        .sqrt()
}

#[cfg(test)]
mod tests {
    use rand::RngExt;
    use rand_distr::StandardNormal;

    use super::*;
    use crate::recommend::Scored;
    use crate::recommend::vectors::dot;
    use crate::rng::{Purpose, stream};

    #[test]
    fn block_scores_are_bit_identical_to_dot() {
        let mut rng = stream(7, Purpose::Evaluation, 0, 0);
        for k in [1, 2, 7, 8, 9, 16, 31, 32, 33, 64] {
            for n_items in [1, 3, 4, 5, 13] {
                let mut draw =
                    |n: usize| -> Vec<f32> { (0..n).map(|_| rng.sample(StandardNormal)).collect() };
                let (q, b, p) = (draw(n_items * k), draw(n_items), draw(k));
                let blocks = ItemFactorBlocks::new(k, &q, &b, 1.0);
                let mut covered = vec![0; n_items];
                for block in 0..blocks.n_blocks() {
                    let scores = blocks.scores(block, &p);
                    for (&i, s) in blocks.movies(block).iter().zip(scores) {
                        if i == u32::MAX {
                            assert_eq!(s, f32::NEG_INFINITY);
                            continue;
                        }
                        let i = i as usize;
                        covered[i] += 1;
                        let want = b[i] + dot(&p, &q[i * k..(i + 1) * k]);
                        assert_eq!(s.to_bits(), want.to_bits(), "k {k}, item {i}");
                    }
                }
                assert!(covered.iter().all(|&c| c == 1), "each item in one lane");
            }
        }
    }

    #[test]
    fn upper_bounds_hold_for_every_score() {
        let mut rng = stream(8, Purpose::Evaluation, 0, 0);
        let k = 32;
        let n_items = 200;
        let q: Vec<f32> = (0..n_items * k)
            .map(|_| rng.sample::<f32, _>(StandardNormal))
            .collect();
        let b: Vec<f32> = (0..n_items)
            .map(|_| rng.sample::<f32, _>(StandardNormal))
            .collect();
        let blocks = ItemFactorBlocks::new(k, &q, &b, 3.0);
        for _ in 0..20 {
            let p: Vec<f32> = (0..k).map(|_| rng.sample(StandardNormal)).collect();
            let p_norm = norm(&p);
            let mut rest = f64::NEG_INFINITY;
            for block in (0..blocks.n_blocks()).rev() {
                let bound = blocks.upper_bound(block, p_norm);
                for s in blocks.scores(block, &p) {
                    assert!(f64::from(s) <= bound, "{s} > {bound}");
                    rest = rest.max(f64::from(s));
                }
                assert!(rest <= blocks.rest_upper_bound(block, p_norm));
            }
            // A movie parallel to p reaches the bound up to the margin: it is tight.
            let p_unit: Vec<f32> = p.iter().map(|&x| x / p_norm as f32).collect();
            let tight = ItemFactorBlocks::new(k, &p_unit, &[0.5], 1.0);
            let s = f64::from(tight.scores(0, &p)[0]);
            assert!((tight.upper_bound(0, p_norm) - s).abs() < 1e-4 * s.abs());
        }
    }

    #[test]
    fn scan_equals_the_top_of_a_full_scan_on_both_code_paths() {
        // The dispatched scan (AVX2 where the CPU has it) and the baseline build must
        // both return exactly the top n of every unseen movie scored one dot product
        // at a time: same movies, same score bits.
        let mut rng = stream(9, Purpose::Evaluation, 0, 0);
        for (k, n_items, n) in [(32, 997, 60), (16, 300, 10), (64, 64, 64), (7, 50, 5)] {
            let mut draw =
                |n: usize| -> Vec<f32> { (0..n).map(|_| rng.sample(StandardNormal)).collect() };
            let (q, b, p) = (draw(n_items * k), draw(n_items), draw(k));
            let seen: Vec<MovieId> = (0..n_items as u32).step_by(7).map(MovieId).collect();
            let blocks = ItemFactorBlocks::new(k, &q, &b, 1.5);
            let base = 3.25;
            let mut want: Vec<Scored> = (0..n_items)
                .filter(|&i| seen.binary_search(&MovieId(i as u32)).is_err())
                .map(|i| Scored {
                    movie: MovieId(i as u32),
                    score: base + f64::from(b[i] + dot(&p, &q[i * k..(i + 1) * k])),
                })
                .collect();
            want.sort_by(|x, y| y.score.total_cmp(&x.score).then(x.movie.cmp(&y.movie)));
            want.truncate(n);
            let mut dispatched = TopN::new(n);
            blocks.scan(base, &p, &seen, &mut dispatched, |_| true);
            let mut baseline = [Scan {
                base,
                p: &p,
                seen: &seen,
                top: TopN::new(n),
            }];
            blocks.scan_body(&mut baseline, |_, _| true);
            let [baseline] = baseline;
            for top in [dispatched, baseline.top] {
                let mut got = Vec::new();
                top.finish(&mut got);
                assert_eq!(got.len(), want.len());
                for (g, w) in got.iter().zip(&want) {
                    assert_eq!((g.movie, g.score.to_bits()), (w.movie, w.score.to_bits()));
                }
            }
        }
    }
}
