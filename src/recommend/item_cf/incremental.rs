//! Item CF's `incremental` warm start: every pair of movies' sums kept, as exact
//! integers, so that an update adds only the new interactions' products.
//!
//! # The model
//!
//! `frozen_means`' model — adjusted cosine with each user's mean frozen since the
//! last full fit (cosine and `cosine_common` subtract none) — with its sums kept
//! instead of recomputed: for every pair of movies i < j, over their common users,
//! `Σ v_ui v_uj`, the number of common users, and for `cosine_common` the two
//! sides' `Σ v²`; for every movie its column's `Σ v²`. An interaction changes one
//! value `v_um`, so it changes the sums of the pairs (m, j) for the user's other
//! movies j: an update costs `Σ_u |changed_u| · |H_u|` additions (Papagelis,
//! Rousidis, Plexousakis & Theoharopoulos (2005), "Incremental collaborative
//! filtering for highly-scalable recommendation algorithms", ISMIS), where
//! `frozen_means` recomputes the touched movies' whole rows
//! (`Σ_{i touched} Σ_{u ∈ U_i} |H_u|`).
//!
//! # Why it is exact
//!
//! Each product `v_ui · v_uj` of two `f32` values is exact in `f64`, and so is its
//! scaling by 2^32; truncated to an integer it depends on the two values alone. Sums
//! of such integers do not depend on the order of their terms, so a sum patched by
//! subtracting a replaced value's terms and adding the new ones is the sum a count
//! from scratch gives, bit for bit (`patched_sums_equal_a_count_from_scratch`). The
//! similarity is then computed from the sums in `f64` and rounded to `f32` once.
//! The truncation moves each term by less than 2^-32 — far below the `f32`
//! arithmetic of the other modes, whose similarities these are to about 1e-6
//! (`similarities_are_the_row_sums_to_f32_precision`).
//!
//! # The lists
//!
//! The table is counted at the first update after a fit (a fit itself, day 0 or an
//! offline evaluation, computes rows as the other modes do and keeps no table), and
//! every movie's list selected from it. Each movie keeps more than its `k`
//! neighbours: its best `2k` (`stored`) and a floor below which every movie outside
//! them ranks (`None`: no positive similarity is left outside). An update changes
//! only the similarities of pairs with a touched movie (one whose column changed):
//! a touched movie's list is selected from its new row in the table; an untouched
//! one's from its stored entries with untouched movies and its new similarities to
//! the touched ones, keeping those that rank above its floor. Its `k` best are
//! exact as long as at least `k` remain; only then is its row read whole. The lists
//! equal those selected from a table counted afresh on the whole log
//! (`updates_give_the_lists_of_a_fresh_table`).
//!
//! # Memory
//!
//! The table holds every pair of the catalogue: `n(n−1)/2 × 12` bytes (24 more per
//! pair with `cosine_common`), 150 MB at 5,000 movies. Validation refuses it above
//! [`PAIR_TABLE_MAX_MOVIES`] when the scenario retrains.

use std::sync::Arc;

use rayon::prelude::*;

use crate::ids::MovieId;
use crate::interaction::Interaction;
use crate::scenario::spec::SimilarityKind;

use super::super::item_similarity::{Means, SimilarityInputs};
use super::super::topn::TopN;
use super::{ItemCf, NeighbourList, list_of, push_positive};

/// Largest catalogue whose pair table `incremental` keeps (16,384 movies: 1.6 GB).
pub const PAIR_TABLE_MAX_MOVIES: usize = 16_384;

/// Bytes per pair of movies of the table: 12, or 28 with `cosine_common`.
#[must_use]
pub fn pair_table_bytes(n_movies: usize, kind: SimilarityKind) -> f64 {
    let per_pair = if kind == SimilarityKind::CosineCommon {
        28.0
    } else {
        12.0
    };
    let n = n_movies as f64;
    n * (n - 1.0).max(0.0) / 2.0 * per_pair
}

/// The `k` most similar movies with positive similarity among `(j, sim)`, and how
/// many of them are positive.
fn select(row: impl Iterator<Item = (usize, f32)>, k: usize) -> (NeighbourList, usize) {
    let mut top = TopN::new(k);
    let mut positive = 0;
    for (j, sim) in row {
        positive += usize::from(sim > 0.0);
        push_positive(&mut top, j, sim);
    }
    (list_of(top), positive)
}

/// One unit of the integer sums is 2^-32.
const SCALE: f64 = 4_294_967_296.0;

/// `a · b` in units of 2^-32, truncated toward zero: exact up to the truncation and
/// a function of the two values alone (the `f64` product of two `f32` and its
/// scaling by a power of two are exact).
#[inline]
fn units(a: f32, b: f32) -> i64 {
    (f64::from(a) * f64::from(b) * SCALE) as i64
}

/// One pair's sums over common users: `Σ v_ui v_uj` in units and the number of
/// common users, packed in 12 bytes so that reading a pair is one memory access.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C, packed(4))]
struct Pair {
    dot: i64,
    common: u32,
}

/// Every pair of movies' sums over common users, and every movie's column norm, as
/// integers (see the module docs).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct PairTable {
    n: usize,
    kind: SimilarityKind,
    shrinkage: f64,
    /// Pair (i, j), i < j, at `start(i) + j − i − 1`.
    pairs: Vec<Pair>,
    /// `cosine_common` only (else empty): `Σ v_ui²` and `Σ v_uj²` over common users.
    sq_lo: Vec<i64>,
    sq_hi: Vec<i64>,
    /// Per movie: `Σ v_um²` over its whole column, and its norm.
    norm_sq: Vec<i64>,
    norms: Vec<f64>,
}

impl PairTable {
    /// The table of `inputs`, counted from scratch: row i's pairs (i, j > i) from
    /// the users of column i, rows in parallel.
    pub(crate) fn count(inputs: &SimilarityInputs) -> Self {
        let n = inputs.n_movies();
        let kind = inputs.kind();
        let len = n * n.saturating_sub(1) / 2;
        let common_norms = kind == SimilarityKind::CosineCommon;
        let sq_len = if common_norms { len } else { 0 };
        let mut table = Self {
            n,
            kind,
            shrinkage: f64::from(inputs.shrinkage()),
            pairs: vec![Pair::default(); len],
            sq_lo: vec![0; sq_len],
            sq_hi: vec![0; sq_len],
            norm_sq: (0..n)
                .map(|m| inputs.column(m).iter().map(|&(_, v)| units(v, v)).sum())
                .collect(),
            norms: Vec::new(),
        };
        table.norms = table.norm_sq.iter().map(|&s| norm(s)).collect();
        let mut rows = Vec::with_capacity(n);
        let mut pairs = &mut table.pairs[..];
        let (mut sq_lo, mut sq_hi) = (&mut table.sq_lo[..], &mut table.sq_hi[..]);
        for i in 0..n {
            let width = n - i - 1;
            let sq_width = if common_norms { width } else { 0 };
            let (row, rest) = pairs.split_at_mut(width);
            let (lo, rest_lo) = sq_lo.split_at_mut(sq_width);
            let (hi, rest_hi) = sq_hi.split_at_mut(sq_width);
            rows.push((i, row, lo, hi));
            (pairs, sq_lo, sq_hi) = (rest, rest_lo, rest_hi);
        }
        rows.into_par_iter().for_each(|(i, pairs, sq_lo, sq_hi)| {
            for &(u, vi) in inputs.column(i) {
                let row = inputs.user_values(u as usize);
                let from = row.partition_point(|&(m, _)| m as usize <= i);
                for &(j, vj) in &row[from..] {
                    let at = j as usize - i - 1;
                    let pair = &mut pairs[at];
                    pair.dot += units(vi, vj);
                    pair.common += 1;
                    if common_norms {
                        sq_lo[at] += units(vi, vi);
                        sq_hi[at] += units(vj, vj);
                    }
                }
            }
        });
        table
    }

    /// Where pair (i, j), i < j, is kept.
    #[inline]
    fn at(&self, i: usize, j: usize) -> usize {
        i * self.n - i * (i + 1) / 2 + j - i - 1
    }

    /// `sim(i, j)` from the sums (`None`: no common user, or a zero norm).
    #[inline]
    pub(crate) fn similarity(&self, i: usize, j: usize) -> Option<f32> {
        if i == j {
            return None;
        }
        let (lo, hi) = if i < j { (i, j) } else { (j, i) };
        self.pair_similarity(lo, hi)
    }

    /// `sim(lo, hi)` for `lo < hi`.
    #[inline]
    fn pair_similarity(&self, lo: usize, hi: usize) -> Option<f32> {
        let at = self.at(lo, hi);
        let Pair { dot, common } = self.pairs[at];
        if common == 0 {
            return None;
        }
        let denom = if self.kind == SimilarityKind::CosineCommon {
            (self.sq_lo[at] as f64 / SCALE * (self.sq_hi[at] as f64 / SCALE)).sqrt()
        } else {
            self.norms[lo] * self.norms[hi]
        };
        (denom > 0.0).then(|| {
            let n = f64::from(common);
            (dot as f64 / SCALE / denom * n / (n + self.shrinkage)) as f32
        })
    }

    /// The defined similarities of each of `movies` (ascending), `(j, sim)` by
    /// ascending j. One pass over the table in its order: a movie's pairs with the
    /// movies before it lie one in each earlier row, so they are read as the rows go
    /// by rather than one cache line per pair.
    pub(crate) fn rows_of(&self, movies: &[usize]) -> Vec<Vec<(u32, f32)>> {
        let mut rows = vec![Vec::new(); movies.len()];
        for r in 0..self.n {
            let after = movies.partition_point(|&i| i <= r);
            for (row, &i) in rows[after..].iter_mut().zip(&movies[after..]) {
                if let Some(sim) = self.pair_similarity(r, i) {
                    row.push((r as u32, sim));
                }
            }
            if let Ok(t) = movies.binary_search(&r) {
                let row = &mut rows[t];
                for j in r + 1..self.n {
                    if let Some(sim) = self.pair_similarity(r, j) {
                        row.push((j as u32, sim));
                    }
                }
            }
        }
        rows
    }

    /// [`Self::list`] of every movie, in one pass over the table (each pair offered
    /// to both of its movies; a selection's result does not depend on the order of
    /// its offers).
    pub(crate) fn lists(&self, k: usize) -> Vec<(NeighbourList, usize)> {
        let mut tops: Vec<TopN> = (0..self.n).map(|_| TopN::new(k)).collect();
        let mut positive = vec![0usize; self.n];
        for i in 0..self.n {
            for j in i + 1..self.n {
                if let Some(sim) = self.pair_similarity(i, j)
                    && sim > 0.0
                {
                    positive[i] += 1;
                    positive[j] += 1;
                    push_positive(&mut tops[i], j, sim);
                    push_positive(&mut tops[j], i, sim);
                }
            }
        }
        tops.into_iter().map(list_of).zip(positive).collect()
    }

    /// Movie `i`'s `k` most similar movies with positive similarity, and how many
    /// movies have a positive similarity with it.
    pub(crate) fn list(&self, i: usize, k: usize) -> (NeighbourList, usize) {
        select(
            (0..self.n).filter_map(|j| self.similarity(i, j).map(|s| (j, s))),
            k,
        )
    }

    /// Takes in one user's values changing from `old` to `new` (both by ascending
    /// movie; `new` holds every movie of `old`, as histories only grow or change
    /// values): each pair with a new or changed value loses the old products and
    /// gains the new ones. Norms are refreshed by [`Self::refresh_norms`].
    pub(crate) fn apply_user(&mut self, old: &[(u32, f32)], new: &[(u32, f32)]) {
        // Each new entry with its old value, if any.
        let mut at_old = 0;
        let entries: Vec<(usize, f32, Option<f32>)> = new
            .iter()
            .map(|&(m, v)| {
                while at_old < old.len() && old[at_old].0 < m {
                    at_old += 1;
                }
                let was = old.get(at_old).filter(|o| o.0 == m).map(|o| o.1);
                (m as usize, v, was)
            })
            .collect();
        let changed =
            |e: &(usize, f32, Option<f32>)| e.2.is_none_or(|o| o.to_bits() != e.1.to_bits());
        let common_norms = self.kind == SimilarityKind::CosineCommon;
        for (a, ea) in entries.iter().enumerate() {
            if !changed(ea) {
                continue;
            }
            let (ma, va, wa) = *ea;
            self.norm_sq[ma] += units(va, va) - wa.map_or(0, |w| units(w, w));
            for (b, eb) in entries.iter().enumerate() {
                // A pair of two changed entries is taken once, from its later one.
                if b == a || b < a && changed(eb) {
                    continue;
                }
                let (mb, vb, wb) = *eb;
                let ((lo, v_lo, w_lo), (hi, v_hi, w_hi)) = if ma < mb {
                    ((ma, va, wa), (mb, vb, wb))
                } else {
                    ((mb, vb, wb), (ma, va, wa))
                };
                let at = self.at(lo, hi);
                let mut pair = self.pairs[at];
                pair.dot += units(v_lo, v_hi);
                match (w_lo, w_hi) {
                    (Some(w_lo), Some(w_hi)) => {
                        pair.dot -= units(w_lo, w_hi);
                        if common_norms {
                            self.sq_lo[at] += units(v_lo, v_lo) - units(w_lo, w_lo);
                            self.sq_hi[at] += units(v_hi, v_hi) - units(w_hi, w_hi);
                        }
                    }
                    _ => {
                        pair.common += 1;
                        if common_norms {
                            self.sq_lo[at] += units(v_lo, v_lo);
                            self.sq_hi[at] += units(v_hi, v_hi);
                        }
                    }
                }
                self.pairs[at] = pair;
            }
        }
    }

    /// The norms of the `movies` whose column sums changed, from their sums.
    pub(crate) fn refresh_norms(&mut self, movies: &[usize]) {
        for &m in movies {
            self.norms[m] = norm(self.norm_sq[m]);
        }
    }
}

/// The norm of a column from its sum of squares in units.
fn norm(sum_sq: i64) -> f64 {
    (sum_sq as f64 / SCALE).sqrt()
}

/// `(movie, sim)` ranks above `other`: higher similarity, then lower id (the order
/// of neighbour selection).
fn ranks_above(a: (MovieId, f32), b: (MovieId, f32)) -> bool {
    a.1 > b.1 || a.1 == b.1 && a.0 < b.0
}

/// A movie's floor: every positive neighbour outside its stored ones ranks below it
/// (`None`: there is none outside).
type Floor = Option<(MovieId, f32)>;

/// The table and each movie's stored neighbours (see the module docs).
#[derive(Clone, Debug)]
pub(crate) struct PairState {
    pub(crate) table: PairTable,
    /// Per movie: its best `2k` neighbours with positive similarity, best first.
    stored: Vec<NeighbourList>,
    /// Per movie: its [`Floor`].
    floor: Vec<Floor>,
}

impl PairState {
    /// The stored list and floor of one selection of `2k` among `positive` movies.
    fn entry_of((list, positive): (NeighbourList, usize)) -> (NeighbourList, Floor) {
        let floor = list.last().copied().filter(|_| positive > list.len());
        (list, floor)
    }

    /// Every movie's served list: the first `k` of its stored ones.
    fn served(&self, k: usize) -> Vec<NeighbourList> {
        self.stored
            .iter()
            .map(|l| l[..k.min(l.len())].to_vec())
            .collect()
    }
}

impl ItemCf {
    /// The `incremental` update: see the module docs.
    pub(super) fn update_incremental(&mut self, new: &[Interaction]) {
        let users = self.take_in(new);
        let old_rows: Vec<Vec<(u32, f32)>> = if self.pairs.is_some() {
            users
                .iter()
                .map(|u| self.inputs.user_values(u.index()).to_vec())
                .collect()
        } else {
            Vec::new()
        };
        let inputs = Arc::make_mut(&mut self.inputs);
        let touched = inputs.apply_user_changes(&self.histories, &users, Means::Frozen);
        let k = self.params.neighbours;
        let kept = (2 * k).min(self.inputs.n_movies());
        let Some(state) = self.pairs.as_mut() else {
            // The first update since the last fit: the table counted once, every list
            // selected from it; the dense matrix of the fit's arithmetic is dropped
            // (predictions read the table).
            let table = PairTable::count(&self.inputs);
            let (stored, floor) = table
                .lists(kept)
                .into_iter()
                .map(PairState::entry_of)
                .unzip();
            let state = PairState {
                table,
                stored,
                floor,
            };
            self.set_lists(state.served(k));
            self.dense = None;
            self.pairs = Some(Arc::new(state));
            return;
        };
        if touched.is_empty() {
            return;
        }
        let state = Arc::make_mut(state);
        for (u, old) in users.iter().zip(&old_rows) {
            state
                .table
                .apply_user(old, self.inputs.user_values(u.index()));
        }
        state.table.refresh_norms(&touched);
        let table = &state.table;
        let rows = table.rows_of(&touched);
        let n = table.n;
        let mut at_touched = vec![usize::MAX; n];
        for (r, &i) in touched.iter().enumerate() {
            at_touched[i] = r;
        }
        // The touched movies' new similarities offered to the untouched ones, those
        // ranking above their floor (the others stay outside, below it).
        let mut offers: Vec<Vec<(MovieId, f32)>> = vec![Vec::new(); n];
        for (&i, row) in touched.iter().zip(&rows) {
            for &(j, sim) in row {
                let offer = (MovieId(i as u32), sim);
                let j = j as usize;
                if at_touched[j] == usize::MAX
                    && sim > 0.0
                    && state.floor[j].is_none_or(|f| ranks_above(offer, f))
                {
                    offers[j].push(offer);
                }
            }
        }
        let fresh: Vec<(usize, NeighbourList, Floor)> = (0..n)
            .into_par_iter()
            .filter(|&m| {
                at_touched[m] != usize::MAX
                    || !offers[m].is_empty()
                    || state.stored[m]
                        .iter()
                        .any(|(j, _)| at_touched[j.index()] != usize::MAX)
            })
            .map(|m| {
                if at_touched[m] != usize::MAX {
                    let row = rows[at_touched[m]].iter().map(|&(j, s)| (j as usize, s));
                    let (list, floor) = PairState::entry_of(select(row, kept));
                    return (m, list, floor);
                }
                let floor = state.floor[m];
                let above = |e: &(MovieId, f32)| floor.is_none_or(|f| ranks_above(*e, f));
                let mut top = TopN::new(kept);
                let mut candidates = 0;
                let untouched = state.stored[m]
                    .iter()
                    .filter(|(j, _)| at_touched[j.index()] == usize::MAX);
                for &e in untouched.chain(&offers[m]).filter(|e| above(e)) {
                    candidates += 1;
                    top.push(e.0, f64::from(e.1));
                }
                let list = list_of(top);
                if candidates > kept {
                    // More than 2k above the old floor: the 2k-th is the new floor.
                    let floor = list.last().copied();
                    return (m, list, floor);
                }
                if list.len() >= k || floor.is_none() {
                    return (m, list, floor);
                }
                // Fewer than k known to rank above everything outside: the whole row.
                let (list, floor) = PairState::entry_of(table.list(m, kept));
                (m, list, floor)
            })
            .collect();
        for (m, list, floor) in fresh {
            state.stored[m] = list;
            state.floor[m] = floor;
        }
        let served = state.served(k);
        self.set_lists(served);
    }
}

#[cfg(test)]
mod tests {
    use super::super::ItemCfParams;
    use super::*;
    use crate::ids::UserId;
    use crate::interaction::InteractionKind;
    use crate::recommend::history::Histories;
    use crate::recommend::item_similarity::RowSums;
    use crate::scenario::spec::ItemCfWarmStart;

    /// 40 users × 30 movies, ratings, clicks and thumbs, later entries overwriting
    /// earlier ones; users 40–43 appear only in the second half.
    fn log() -> Vec<Interaction> {
        let mut log = Vec::new();
        for t in 0..1_100u32 {
            let n_users = if t < 550 { 40 } else { 44 };
            let (u, m) = ((t * 7 + t / 13) % n_users, (t * 11 + t / 7) % 30);
            if (u * 3 + m * 5 + t) % 2 == 0 {
                continue;
            }
            let (kind, value) = match t % 5 {
                0 => (InteractionKind::Click, 1.0),
                1 => (InteractionKind::Thumbs, if t % 2 == 0 { 1.0 } else { -1.0 }),
                _ => (
                    InteractionKind::Rating,
                    1.0 + ((u + 2 * m + t) % 9) as f32 / 2.0,
                ),
            };
            log.push(Interaction {
                user: UserId(u),
                movie: MovieId(m),
                kind,
                value,
                time_secs: i64::from(t),
            });
        }
        log
    }

    const KINDS: [SimilarityKind; 3] = [
        SimilarityKind::Cosine,
        SimilarityKind::AdjustedCosine,
        SimilarityKind::CosineCommon,
    ];

    fn incremental(kind: SimilarityKind, full_fit_every: u32) -> ItemCf {
        ItemCf::new(ItemCfParams {
            similarity: kind,
            shrinkage: 2.0,
            neighbours: 4,
            warm_start: ItemCfWarmStart::Incremental,
            full_fit_every,
        })
    }

    #[test]
    fn patched_sums_equal_a_count_from_scratch() {
        let log = log();
        for kind in KINDS {
            let mut cf = incremental(kind, 0);
            let (a, b, c) = (log.len() / 2, log.len() * 2 / 3, log.len() * 5 / 6);
            cf.fit_log(44, 30, &log[..a]);
            for window in [&log[a..b], &log[b..c], &log[c..], &[][..]] {
                cf.update_incremental(window);
                let counted = PairTable::count(&cf.inputs);
                assert_eq!(
                    cf.pairs.as_ref().map(|s| &s.table),
                    Some(&counted),
                    "{kind:?}"
                );
            }
        }
    }

    #[test]
    fn updates_give_the_lists_of_a_fresh_table() {
        // Eight windows of the second half, checked after each; with 1 and 4
        // neighbours (2 and 8 stored), so stored lists run short and rows are read
        // whole, and floors move.
        let log = log();
        for kind in KINDS {
            for neighbours in [1, 4] {
                let mut cf = ItemCf::new(ItemCfParams {
                    neighbours,
                    ..incremental(kind, 0).params
                });
                let half = log.len() / 2;
                cf.fit_log(44, 30, &log[..half]);
                let fitted = (cf.offsets.clone(), cf.neighbours.clone());
                for window in log[half..].chunks(log[half..].len() / 8 + 1) {
                    cf.update_incremental(window);
                    let table = PairTable::count(&cf.inputs);
                    for m in 0..30 {
                        let (expected, _) = table.list(m, neighbours);
                        let got: Vec<(MovieId, u32)> = cf
                            .neighbours_of(MovieId(m as u32))
                            .iter()
                            .map(|&(j, s)| (j, s.to_bits()))
                            .collect();
                        let expected: Vec<(MovieId, u32)> =
                            expected.iter().map(|&(j, s)| (j, s.to_bits())).collect();
                        assert_eq!(got, expected, "{kind:?} k = {neighbours}, movie {m}");
                    }
                }
                assert_ne!(fitted, (cf.offsets.clone(), cf.neighbours.clone()));
            }
            let mut cf = incremental(kind, 0);
            cf.fit_log(44, 30, &log[..log.len() / 2]);
            cf.update_incremental(&log[log.len() / 2..]);
            // Predictions read the table.
            for u in 0..44 {
                for m in 0..30 {
                    let p = cf.predict_one(UserId(u), MovieId(m), &mut Vec::new());
                    assert!((1.0..=5.0).contains(&p));
                }
            }
        }
    }

    #[test]
    fn one_pass_rows_and_lists_are_those_of_each_movie() {
        let log = log();
        let histories = Histories::from_log(44, &log);
        for kind in KINDS {
            let inputs = SimilarityInputs::new(&histories, 30, kind, 2.0);
            let table = PairTable::count(&inputs);
            let movies = [0, 3, 4, 17, 29];
            for (row, &i) in table.rows_of(&movies).iter().zip(&movies) {
                let expected: Vec<(u32, u32)> = (0..30)
                    .filter_map(|j| table.similarity(i, j).map(|s| (j as u32, s.to_bits())))
                    .collect();
                let got: Vec<(u32, u32)> = row.iter().map(|&(j, s)| (j, s.to_bits())).collect();
                assert_eq!(got, expected, "{kind:?} movie {i}");
            }
            for (m, list) in table.lists(4).iter().enumerate() {
                assert_eq!(list, &table.list(m, 4), "{kind:?} movie {m}");
                assert!(list.1 >= list.0.len());
            }
        }
    }

    #[test]
    fn similarities_are_the_row_sums_to_f32_precision() {
        let log = log();
        let histories = Histories::from_log(44, &log);
        for kind in KINDS {
            let inputs = SimilarityInputs::new(&histories, 30, kind, 2.0);
            let table = PairTable::count(&inputs);
            let mut sums = RowSums::default();
            let mut compared = 0;
            for i in 0..30 {
                let mut from_rows = vec![None; 30];
                inputs.row(i, &mut sums, |j, sim| from_rows[j] = Some(sim));
                for (j, expected) in from_rows.into_iter().enumerate() {
                    let got = table.similarity(i, j);
                    assert_eq!(got.is_some(), expected.is_some(), "{kind:?} ({i}, {j})");
                    if let (Some(got), Some(expected)) = (got, expected) {
                        assert!(
                            (got - expected).abs() <= 2e-6 * expected.abs().max(1.0),
                            "{kind:?} ({i}, {j}): {got} against {expected}"
                        );
                        assert_eq!(got.to_bits(), table.similarity(j, i).unwrap().to_bits());
                        compared += 1;
                    }
                }
            }
            assert!(compared > 600, "{compared}");
        }
    }

    #[test]
    fn a_full_fit_drops_the_table_and_the_next_update_counts_it_again() {
        let log = log();
        let mut cf = incremental(SimilarityKind::AdjustedCosine, 2);
        let (a, b) = (log.len() / 2, log.len() * 3 / 4);
        cf.fit_log(44, 30, &log[..a]);
        cf.update_incremental(&log[a..b]);
        assert!(cf.pairs.is_some());
        // The second update is the full fit: fresh means, no table.
        let mut data_log = log[..b].to_vec();
        data_log.extend_from_slice(&log[b..]);
        cf.fit_log(44, 30, &data_log);
        assert!(cf.pairs.is_none());
        cf.update_incremental(&[]);
        assert_eq!(
            cf.pairs.as_ref().map(|s| &s.table),
            Some(&PairTable::count(&cf.inputs))
        );
    }

    #[test]
    fn the_table_size_is_twelve_bytes_a_pair() {
        assert_eq!(
            pair_table_bytes(5_000, SimilarityKind::AdjustedCosine),
            149_970_000.0
        );
        assert_eq!(pair_table_bytes(3, SimilarityKind::CosineCommon), 84.0);
        assert_eq!(pair_table_bytes(1, SimilarityKind::Cosine), 0.0);
        assert_eq!(pair_table_bytes(0, SimilarityKind::Cosine), 0.0);
    }
}
