//! Item–item similarities of item-based CF, computed row by row from the rating
//! columns, and the k-nearest-neighbour rating prediction built on them.
//!
//! With `v_ui` a user's value of an item (the star rating, or for adjusted cosine the
//! rating minus the user's mean), `U_ij` the users who rated both items and
//! `n_ij = |U_ij|`:
//!
//! ```text
//! cosine:           sim(i, j) = Σ_{u ∈ U_ij} v_ui v_uj / (‖v_i‖ ‖v_j‖)        norms over all of an item's users
//! adjusted cosine:  the same with v_ui − v̄_u
//! cosine_common:    sim(i, j) = Σ_{u ∈ U_ij} v_ui v_uj / sqrt(Σ_{U_ij} v_ui² · Σ_{U_ij} v_uj²)
//! shrunk:           sim(i, j) · n_ij / (n_ij + s)
//! ```
//!
//! `cosine_common` is Surprise's `cosine` (norms over the common users only, so two
//! items rated by one common user have similarity 1); `cosine` and `adjusted cosine`
//! are Sarwar et al.'s.
//!
//! # Rating prediction
//!
//! Surprise's `KNNBasic` (item-based): among the items the user rated, the `k` most
//! similar to the target with positive similarity vote with their similarity,
//!
//! ```text
//! r̂(u, i) = Σ_{j ∈ N_k(i; u)} sim(i, j) r_uj / Σ_{j ∈ N_k(i; u)} sim(i, j)
//! ```
//!
//! clamped to 1–5; with no such neighbour, the mean training rating (Surprise's
//! default prediction). Ties at the k-th similarity go to the lower movie id.
//!
//! # Cost and exactness
//!
//! A row of similarities (item i against every item) costs `Σ_{u ∈ U_i} |H_u|`;
//! all rows cost `Σ_u |H_u|²`. [`SimilarityInputs::row`] accumulates a row densely;
//! [`SimilarityInputs::similarity`] merges two columns for one pair. Both add the
//! same products in the same order (ascending user), so they agree bit for bit, and
//! a batch of predictions (one row per target movie) equals predictions one by one.
//!
//! # References
//!
//! Sarwar, Karypis, Konstan & Riedl (2001), "Item-based collaborative filtering
//! recommendation algorithms", WWW; Hug (2020), "Surprise: a Python library for
//! recommender systems", JOSS 5(52) (`KNNBasic`, `similarities.cosine`).

use crate::ids::{MovieId, UserId};
use crate::scenario::spec::SimilarityKind;

use super::history::Histories;

/// What item similarities are computed from: each user's values (rows) and each
/// item's values (columns, ascending user), with the items' norms.
#[derive(Clone, Debug, Default)]
pub(crate) struct SimilarityInputs {
    kind: SimilarityKind,
    shrinkage: f32,
    /// Per user: (movie, value), ascending movie.
    rows: Vec<Vec<(u32, f32)>>,
    /// Per movie: (user, value), ascending user.
    columns: Vec<Vec<(u32, f32)>>,
    /// Per movie: the norm of its whole column.
    norms: Vec<f32>,
    /// Per user: the mean subtracted from their values (adjusted cosine; else 0).
    means: Vec<f32>,
}

/// The sums over common users of one pair, kept together: one cache line per
/// touched movie instead of four.
#[derive(Clone, Copy, Debug, Default)]
struct PairSums {
    dot: f32,
    sq_i: f32,
    sq_j: f32,
    common: u32,
}

/// Reusable sums of one row.
#[derive(Clone, Debug, Default)]
pub(crate) struct RowSums {
    cells: Vec<PairSums>,
    /// Touched movies, with one spare slot so that a visit writes unconditionally and
    /// advances only on a first touch (no branch to mispredict).
    touched: Vec<u32>,
}

impl SimilarityInputs {
    /// The inputs of `n_movies` movies from users' histories (values on the star
    /// scale, [`HistoryEntry::value`](super::history::HistoryEntry::value)); with
    /// adjusted cosine each user's mean is their history's mean now.
    pub(crate) fn new(
        histories: &Histories,
        n_movies: usize,
        kind: SimilarityKind,
        shrinkage: f64,
    ) -> Self {
        let means = if kind == SimilarityKind::AdjustedCosine {
            (0..histories.n_users())
                .map(|u| history_mean(histories, UserId(u as u32)))
                .collect()
        } else {
            vec![0.0; histories.n_users()]
        };
        Self::with_means(histories, n_movies, kind, shrinkage, means)
    }

    /// [`Self::new`] with each user's mean given (`means[u]`, subtracted only with
    /// adjusted cosine): the model item CF's `frozen_means` warm start keeps.
    pub(crate) fn with_means(
        histories: &Histories,
        n_movies: usize,
        kind: SimilarityKind,
        shrinkage: f64,
        means: Vec<f32>,
    ) -> Self {
        let adjusted = kind == SimilarityKind::AdjustedCosine;
        let means = if adjusted {
            means
        } else {
            vec![0.0; histories.n_users()]
        };
        let rows: Vec<Vec<(u32, f32)>> = (0..histories.n_users())
            .map(|u| user_row(histories, UserId(u as u32), means[u]))
            .collect();
        let mut columns: Vec<Vec<(u32, f32)>> = vec![Vec::new(); n_movies];
        for (u, row) in rows.iter().enumerate() {
            for &(m, v) in row {
                columns[m as usize].push((u as u32, v));
            }
        }
        let norms = columns.iter().map(|c| column_norm(c)).collect();
        Self {
            kind,
            shrinkage: shrinkage as f32,
            rows,
            columns,
            norms,
            means,
        }
    }

    /// Each user's mean as subtracted (0 for all without adjusted cosine).
    #[cfg(test)]
    pub(crate) fn means(&self) -> &[f32] {
        &self.means
    }

    /// Number of movies.
    pub(crate) fn n_movies(&self) -> usize {
        self.columns.len()
    }

    /// Products summed by [`Self::row`] for movie `i`: `Σ_{u ∈ U_i} |H_u|`.
    pub(crate) fn row_cost(&self, i: usize) -> usize {
        self.columns[i]
            .iter()
            .map(|&(u, _)| self.rows[u as usize].len())
            .sum()
    }

    /// Products summed by the upper rows of every movie (a full fit):
    /// `Σ_u |H_u| (|H_u| + 1) / 2`.
    pub(crate) fn full_cost(&self) -> usize {
        self.rows.iter().map(|r| r.len() * (r.len() + 1) / 2).sum()
    }

    /// The similarity measure.
    pub(crate) fn kind(&self) -> SimilarityKind {
        self.kind
    }

    /// The shrinkage s.
    pub(crate) fn shrinkage(&self) -> f32 {
        self.shrinkage
    }

    /// Movie `i`'s values, (user, value) by ascending user.
    pub(crate) fn column(&self, i: usize) -> &[(u32, f32)] {
        &self.columns[i]
    }

    /// User `u`'s values, (movie, value) by ascending movie.
    pub(crate) fn user_values(&self, u: usize) -> &[(u32, f32)] {
        &self.rows[u]
    }

    /// Number of users (rows).
    pub(crate) fn n_users(&self) -> usize {
        self.rows.len()
    }

    /// Brings the inputs up to date with `histories`, where only the histories of
    /// `users` changed since (histories only grow or change values); returns the
    /// movies whose column changed, ascending. With [`Means::Fresh`] the result is
    /// what [`Self::new`] gives for `histories`; with [`Means::Frozen`] it is what
    /// [`Self::with_means`] gives with the means kept, except that a user whose row
    /// was empty takes their mean now (and keeps it). Each changed user's row is
    /// rebuilt as `with_means` builds it; an entry whose value differs (bitwise) or
    /// is new goes into its column at its user's place, and the norms of those
    /// columns are summed again in ascending user order — so every row, column and
    /// norm has the same bits as a rebuild. With adjusted cosine and fresh means a
    /// changed user's mean moves every value of theirs, so all their movies usually
    /// change; with frozen means only the movies of their new or changed entries.
    pub(crate) fn apply_user_changes(
        &mut self,
        histories: &Histories,
        users: &[UserId],
        means: Means,
    ) -> Vec<usize> {
        let adjusted = self.kind == SimilarityKind::AdjustedCosine;
        let mut touched: Vec<usize> = Vec::new();
        for &user in users {
            let old = std::mem::take(&mut self.rows[user.index()]);
            if adjusted && (means == Means::Fresh || old.is_empty()) {
                self.means[user.index()] = history_mean(histories, user);
            }
            let row = user_row(histories, user, self.means[user.index()]);
            let mut at_old = 0;
            for &(m, v) in &row {
                while at_old < old.len() && old[at_old].0 < m {
                    at_old += 1;
                }
                let same = old
                    .get(at_old)
                    .is_some_and(|&(om, ov)| om == m && ov.to_bits() == v.to_bits());
                if same {
                    continue;
                }
                touched.push(m as usize);
                let column = &mut self.columns[m as usize];
                match column.binary_search_by_key(&user.0, |&(u, _)| u) {
                    Ok(at) => column[at].1 = v,
                    Err(at) => column.insert(at, (user.0, v)),
                }
            }
            self.rows[user.index()] = row;
        }
        touched.sort_unstable();
        touched.dedup();
        for &m in &touched {
            self.norms[m] = column_norm(&self.columns[m]);
        }
        touched
    }

    /// The similarity from the sums over common users (see the module docs); `None`
    /// when a norm is zero.
    #[inline]
    fn finish(
        &self,
        i: usize,
        j: usize,
        dot: f32,
        sq_i: f32,
        sq_j: f32,
        common: u32,
    ) -> Option<f32> {
        let denom = match self.kind {
            SimilarityKind::CosineCommon => (sq_i * sq_j).sqrt(),
            SimilarityKind::Cosine | SimilarityKind::AdjustedCosine => {
                self.norms[i] * self.norms[j]
            }
        };
        (denom > 0.0).then(|| {
            let n = common as f32;
            dot / denom * n / (n + self.shrinkage)
        })
    }

    /// Calls `visit(j, sim(i, j))` for every movie `j ≠ i` sharing a user with `i`
    /// and a defined similarity, in the order first met.
    pub(crate) fn row(&self, i: usize, sums: &mut RowSums, mut visit: impl FnMut(usize, f32)) {
        let n = self.n_movies();
        if sums.cells.len() < n {
            sums.cells.resize(n, PairSums::default());
            sums.touched.resize(n + 1, 0);
        }
        let common_norms = self.kind == SimilarityKind::CosineCommon;
        let mut n_touched = 0;
        for &(u, vi) in &self.columns[i] {
            for &(j, vj) in &self.rows[u as usize] {
                let cell = &mut sums.cells[j as usize];
                sums.touched[n_touched] = j;
                n_touched += usize::from(cell.common == 0);
                cell.common += 1;
                cell.dot += vi * vj;
                if common_norms {
                    cell.sq_i += vi * vi;
                    cell.sq_j += vj * vj;
                }
            }
        }
        for &j in &sums.touched[..n_touched] {
            let j = j as usize;
            let cell = std::mem::take(&mut sums.cells[j]);
            if j == i {
                continue;
            }
            if let Some(sim) = self.finish(i, j, cell.dot, cell.sq_i, cell.sq_j, cell.common) {
                visit(j, sim);
            }
        }
    }

    /// [`Self::row`] restricted to movies `j > i`: each unordered pair once, for
    /// callers that fill a symmetric matrix. The similarity is symmetric bit for bit
    /// (the same products over the same users in the same order; `finish` only
    /// multiplies the two sides' sums and norms, which commutes), so `visit(j, s)`
    /// gives `sim(i, j)` and `sim(j, i)` at half the cost of two rows.
    pub(crate) fn upper_row(
        &self,
        i: usize,
        sums: &mut RowSums,
        mut visit: impl FnMut(usize, f32),
    ) {
        let n = self.n_movies();
        if sums.cells.len() < n {
            sums.cells.resize(n, PairSums::default());
            sums.touched.resize(n + 1, 0);
        }
        let common_norms = self.kind == SimilarityKind::CosineCommon;
        let mut n_touched = 0;
        for &(u, vi) in &self.columns[i] {
            let row = &self.rows[u as usize];
            // Rows ascend by movie, so the movies after i are a suffix.
            let from = row.partition_point(|&(m, _)| m as usize <= i);
            for &(j, vj) in &row[from..] {
                let cell = &mut sums.cells[j as usize];
                sums.touched[n_touched] = j;
                n_touched += usize::from(cell.common == 0);
                cell.common += 1;
                cell.dot += vi * vj;
                if common_norms {
                    cell.sq_i += vi * vi;
                    cell.sq_j += vj * vj;
                }
            }
        }
        for &j in &sums.touched[..n_touched] {
            let j = j as usize;
            let cell = std::mem::take(&mut sums.cells[j]);
            if let Some(sim) = self.finish(i, j, cell.dot, cell.sq_i, cell.sq_j, cell.common) {
                visit(j, sim);
            }
        }
    }

    /// `sim(i, j)` of one pair, by merging the two columns; `None` without a common
    /// user or with a zero norm. Equal, bit for bit, to the value [`Self::row`] gives.
    pub(crate) fn similarity(&self, i: usize, j: usize) -> Option<f32> {
        if i == j {
            return None;
        }
        let (a, b) = (&self.columns[i], &self.columns[j]);
        let (mut x, mut y) = (0, 0);
        let (mut dot, mut sq_i, mut sq_j, mut common) = (0f32, 0f32, 0f32, 0u32);
        while x < a.len() && y < b.len() {
            match a[x].0.cmp(&b[y].0) {
                std::cmp::Ordering::Less => x += 1,
                std::cmp::Ordering::Greater => y += 1,
                std::cmp::Ordering::Equal => {
                    let (vi, vj) = (a[x].1, b[y].1);
                    common += 1;
                    dot += vi * vj;
                    sq_i += vi * vi;
                    sq_j += vj * vj;
                    x += 1;
                    y += 1;
                }
            }
        }
        if common == 0 {
            return None;
        }
        self.finish(i, j, dot, sq_i, sq_j, common)
    }
}

/// Which means [`SimilarityInputs::apply_user_changes`] subtracts under adjusted
/// cosine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Means {
    /// Each changed user's mean now (a full fit's).
    Fresh,
    /// The means kept; a user whose row was empty takes their mean now.
    Frozen,
}

/// The mean of a user's values in history order (0 without history).
pub(crate) fn history_mean(histories: &Histories, user: UserId) -> f32 {
    let h = histories.of(user);
    if h.is_empty() {
        0.0
    } else {
        h.iter().map(|e| e.value()).sum::<f32>() / h.len() as f32
    }
}

/// A user's values by ascending movie: the star-scale value less `mean`.
fn user_row(histories: &Histories, user: UserId, mean: f32) -> Vec<(u32, f32)> {
    let h = histories.of(user);
    let mut row: Vec<(u32, f32)> = h.iter().map(|e| (e.movie.0, e.value() - mean)).collect();
    // A user rates a movie once, so the order is total.
    row.sort_unstable_by_key(|&(m, _)| m);
    row
}

/// The norm of a column, summed in its (ascending user) order.
fn column_norm(column: &[(u32, f32)]) -> f32 {
    column.iter().map(|(_, v)| v * v).sum::<f32>().sqrt()
}

/// The k-nearest-neighbour prediction of the module docs from `(similarity, rating)`
/// of the user's rated items (with their movie ids for ties); `mean` without a
/// positive neighbour.
pub(crate) fn knn_prediction(
    candidates: &mut Vec<(f32, MovieId, f32)>,
    k: usize,
    mean: f64,
) -> f64 {
    candidates.retain(|c| c.0 > 0.0);
    // Higher similarity first, then lower movie id, as one integer: the bits of a
    // positive f32 order as its value (`total_cmp`), so this is that order exactly,
    // compared without branches.
    let by_similarity =
        |c: &(f32, MovieId, f32)| (u64::from(u32::MAX - c.0.to_bits()) << 32) | u64::from(c.1.0);
    if candidates.len() > k && k > 0 {
        candidates.select_nth_unstable_by_key(k - 1, by_similarity);
        candidates.truncate(k);
    }
    if k == 0 {
        candidates.clear();
    }
    // Sum in a fixed order, whatever order selection left.
    candidates.sort_unstable_by_key(by_similarity);
    let (mut weighted, mut total) = (0f64, 0f64);
    for &(sim, _, rating) in candidates.iter() {
        weighted += f64::from(sim) * f64::from(rating);
        total += f64::from(sim);
    }
    let raw = if total > 0.0 { weighted / total } else { mean };
    raw.clamp(1.0, 5.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recommend::testing::rating;

    #[test]
    fn common_cosine_uses_only_common_users_norms() {
        // Item 0: u0 = 5, u1 = 1; item 1: u0 = 4 (only). Common users: {u0}, so
        // Surprise's cosine is 5·4 / sqrt(25 · 16) = 1; the full-norm cosine is
        // 20 / (sqrt(26) · 4) = 0.98058.
        let log = [rating(0, 0, 5.0), rating(1, 0, 1.0), rating(0, 1, 4.0)];
        let h = Histories::from_log(2, &log);
        let common = SimilarityInputs::new(&h, 2, SimilarityKind::CosineCommon, 0.0);
        assert!((common.similarity(0, 1).unwrap() - 1.0).abs() < 1e-6);
        let full = SimilarityInputs::new(&h, 2, SimilarityKind::Cosine, 0.0);
        let expected = 20.0 / (26f32.sqrt() * 4.0);
        assert!((full.similarity(0, 1).unwrap() - expected).abs() < 1e-6);
    }

    #[test]
    fn rows_and_pairs_agree_bit_for_bit() {
        let mut log = Vec::new();
        for u in 0..9u32 {
            for m in 0..7u32 {
                if (u * 3 + m) % 4 != 0 {
                    log.push(rating(u, m, 1.0 + ((u * 5 + m * 2) % 9) as f32 / 2.0));
                }
            }
        }
        let h = Histories::from_log(9, &log);
        for kind in [
            SimilarityKind::Cosine,
            SimilarityKind::AdjustedCosine,
            SimilarityKind::CosineCommon,
        ] {
            let inputs = SimilarityInputs::new(&h, 7, kind, 3.0);
            let mut sums = RowSums::default();
            for i in 0..7 {
                let mut seen = 0;
                inputs.row(i, &mut sums, |j, sim| {
                    assert_eq!(
                        inputs.similarity(i, j).map(f32::to_bits),
                        Some(sim.to_bits())
                    );
                    seen += 1;
                });
                assert_eq!(seen, 6, "{kind:?} item {i}: every other item shares a user");
            }
        }
    }

    #[test]
    fn upper_rows_give_both_halves_of_every_row_bit_for_bit() {
        let mut log = Vec::new();
        for u in 0..11u32 {
            for m in 0..9u32 {
                if (u * 7 + m * 3) % 5 != 0 {
                    log.push(rating(u, m, 1.0 + ((u * 3 + m * 5) % 9) as f32 / 2.0));
                }
            }
        }
        let h = Histories::from_log(11, &log);
        for kind in [
            SimilarityKind::Cosine,
            SimilarityKind::AdjustedCosine,
            SimilarityKind::CosineCommon,
        ] {
            let inputs = SimilarityInputs::new(&h, 9, kind, 2.0);
            let mut sums = RowSums::default();
            let mut full = vec![vec![None; 9]; 9];
            for (i, row) in full.iter_mut().enumerate() {
                inputs.row(i, &mut sums, |j, sim| row[j] = Some(sim.to_bits()));
            }
            let mut halves = vec![vec![None; 9]; 9];
            let mut pairs = Vec::new();
            for i in 0..9 {
                inputs.upper_row(i, &mut sums, |j, sim| pairs.push((i, j, sim.to_bits())));
            }
            for (i, j, bits) in pairs {
                assert!(j > i, "{kind:?}: upper row {i} visited {j}");
                halves[i][j] = Some(bits);
                halves[j][i] = Some(bits);
            }
            assert_eq!(halves, full, "{kind:?}");
            assert!(full.iter().flatten().filter(|s| s.is_some()).count() > 60);
        }
    }

    #[test]
    fn knn_votes_with_the_k_most_similar_positive_neighbours() {
        // Neighbours (sim, rating): (0.9, 5), (0.5, 1), (0.4, 3), (−0.2, 1). k = 2:
        // (0.9·5 + 0.5·1) / 1.4 = 3.5714…
        let mut c = vec![
            (0.4, MovieId(3), 3.0),
            (0.9, MovieId(1), 5.0),
            (-0.2, MovieId(4), 1.0),
            (0.5, MovieId(2), 1.0),
        ];
        let p = knn_prediction(&mut c, 2, 3.0);
        assert!((p - 5.0 / 1.4).abs() < 1e-6, "{p}");
        // No positive neighbour: the mean.
        let mut none = vec![(-0.5, MovieId(1), 5.0)];
        assert_eq!(knn_prediction(&mut none, 2, 3.25), 3.25);
        // Ties at the k-th place go to the lower movie id: (0.5, m2, r 1) beats
        // (0.5, m7, r 5).
        let mut tie = vec![(0.5, MovieId(7), 5.0), (0.5, MovieId(2), 1.0)];
        assert_eq!(knn_prediction(&mut tie, 1, 3.0), 1.0);
    }
}
