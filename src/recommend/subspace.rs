//! The leading right singular vectors of a sparse matrix, by randomised subspace
//! iteration: the item factors of PureSVD and of the embeddings arm's rating-matrix
//! vectors.
//!
//! For a sparse `R` (users × items) and `l = factors + oversampling` columns:
//!
//! ```text
//! Z ← orth(Ω)                      Ω: items × l, standard normal
//! repeat `iterations` times:  Z ← orth(Rᵀ (R Z))      (subspace iteration on RᵀR)
//! G = (R Z)ᵀ (R Z) = E Λ Eᵀ        (l × l, Jacobi eigenvalue algorithm)
//! V = Z E[:, first `factors`],  σ_c = sqrt(λ_c)
//! ```
//!
//! `orth` is Cholesky QR applied twice (CholeskyQR2: `Z Z ᵀ`-free, one pass over
//! `Z` for its Gram matrix, a triangular solve per row), stable in f64 for the
//! well-conditioned blocks subspace iteration makes. Columns whose Gram pivot
//! vanishes (a rank below `l`) are set to zero rather than divided by zero.
//!
//! # Warm start
//!
//! [`right_singular_warm`] starts the iteration from the basis `Z` an earlier call
//! ended on instead of a random block: after a small change of `R` that basis is
//! already close to the new leading subspace, so [`WARM_ITERATIONS`] iterations
//! (against `iterations` from a random start) follow the change. It is the same
//! algorithm with a better start — each iteration contracts the error by
//! `σ_{l+1}/σ_factors` per step — not an approximation of a different one.
//!
//! # Determinism
//!
//! Ω comes from the caller's stream (items × l normal draws, row by row); every sum
//! runs in a fixed order on one thread, so the factors are the same bits on every
//! run. Eigenvector signs are fixed so that each column's largest-magnitude entry
//! is positive.
//!
//! # References
//!
//! Halko, Martinsson & Tropp (2011), "Finding structure with randomness",
//! SIAM Review 53(2), algorithms 4.4 and 5.1; Fukaya, Nakatsukasa, Yanagisawa &
//! Yamamoto (2014), "CholeskyQR2", ScalA; Golub & Van Loan (2013), *Matrix
//! Computations*, §8.5 (cyclic Jacobi).

use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

/// A sparse matrix by rows: row `r` is `entries[offsets[r]..offsets[r + 1]]` of
/// (column, value).
#[derive(Clone, Debug, Default)]
pub(crate) struct SparseRows {
    /// Number of columns.
    pub n_columns: usize,
    /// Row starts, one more than rows.
    pub offsets: Vec<usize>,
    /// (column, value) pairs.
    pub entries: Vec<(u32, f32)>,
}

impl SparseRows {
    /// Rows from per-row lists.
    pub(crate) fn from_rows(n_columns: usize, rows: impl Iterator<Item = Vec<(u32, f32)>>) -> Self {
        let mut offsets = vec![0];
        let mut entries = Vec::new();
        for row in rows {
            entries.extend(row);
            offsets.push(entries.len());
        }
        Self {
            n_columns,
            offsets,
            entries,
        }
    }

    fn n_rows(&self) -> usize {
        self.offsets.len() - 1
    }

    fn row(&self, r: usize) -> &[(u32, f32)] {
        &self.entries[self.offsets[r]..self.offsets[r + 1]]
    }

    /// `self · z` for `z` of `n_columns × l` row-major, into `n_rows × l`.
    #[inline(always)]
    fn times(&self, z: &[f64], l: usize) -> Vec<f64> {
        let mut y = vec![0.0; self.n_rows() * l];
        for r in 0..self.n_rows() {
            let out = &mut y[r * l..(r + 1) * l];
            for &(c, v) in self.row(r) {
                let zc = &z[c as usize * l..(c as usize + 1) * l];
                let v = f64::from(v);
                for (o, &x) in out.iter_mut().zip(zc) {
                    *o += v * x;
                }
            }
        }
        y
    }

    /// `selfᵀ · y` for `y` of `n_rows × l`, into `n_columns × l`.
    #[inline(always)]
    fn transpose_times(&self, y: &[f64], l: usize) -> Vec<f64> {
        let mut z = vec![0.0; self.n_columns * l];
        for r in 0..self.n_rows() {
            let yr = &y[r * l..(r + 1) * l];
            for &(c, v) in self.row(r) {
                let out = &mut z[c as usize * l..(c as usize + 1) * l];
                let v = f64::from(v);
                for (o, &x) in out.iter_mut().zip(yr) {
                    *o += v * x;
                }
            }
        }
        z
    }
}

/// The leading right singular vectors (rows: columns of the matrix, `factors` values
/// each, row-major) and singular values, largest first.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct RightSingular {
    /// Number of vectors kept.
    pub factors: usize,
    /// `n_columns × factors`, row-major: row i is column i's coordinates.
    pub vectors: Vec<f64>,
    /// The singular values, descending.
    pub values: Vec<f64>,
}

/// Subspace iterations of a warm start (from the previous basis).
pub(crate) const WARM_ITERATIONS: usize = 1;

/// Oversampling columns beyond `factors` (Halko et al. recommend 5–10).
const OVERSAMPLING: usize = 10;

/// The `factors` leading right singular vectors of `matrix` (see the module docs):
/// [`right_singular_warm`] without a basis to start from.
#[cfg(test)]
pub(crate) fn right_singular(
    matrix: &SparseRows,
    factors: usize,
    iterations: usize,
    rng: &mut impl Rng,
) -> RightSingular {
    let n = matrix.n_columns;
    let factors = factors.min(n);
    let l = (factors + OVERSAMPLING).min(n);
    if l == 0 {
        return RightSingular {
            factors,
            vectors: Vec::new(),
            values: Vec::new(),
        };
    }
    let mut z: Vec<f64> = (0..n * l).map(|_| StandardNormal.sample(rng)).collect();
    orthonormalise(&mut z, l);
    right_singular_from(matrix, factors, iterations, Basis { z, l }).0
}

/// The orthonormal `n_columns × l` block a subspace iteration ended on: the start of
/// a warm one.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Basis {
    z: Vec<f64>,
    l: usize,
}

/// [`right_singular`] and the basis it ended on, started from `basis` instead of a
/// random block (a warm start: `basis` from an earlier call on a matrix that has
/// since changed a little). Subspace iteration converges from any start whose span
/// is not orthogonal to the leading singular vectors, and a previous basis is
/// already close to them, so a few iterations follow the change; with the
/// matrix's shape changed or no basis yet, a random start is drawn from `rng`.
pub(crate) fn right_singular_warm(
    matrix: &SparseRows,
    factors: usize,
    iterations: usize,
    basis: Basis,
    rng: &mut impl Rng,
) -> (RightSingular, Basis) {
    let n = matrix.n_columns;
    let factors = factors.min(n);
    let l = (factors + OVERSAMPLING).min(n);
    if l == 0 {
        let svd = RightSingular {
            factors,
            ..RightSingular::default()
        };
        return (svd, Basis::default());
    }
    if basis.l != l || basis.z.len() != n * l {
        let mut z: Vec<f64> = (0..n * l).map(|_| StandardNormal.sample(rng)).collect();
        orthonormalise(&mut z, l);
        return right_singular_from(matrix, factors, iterations, Basis { z, l });
    }
    right_singular_from(matrix, factors, iterations, basis)
}

/// The subspace iterations and Rayleigh–Ritz step of [`right_singular`] from an
/// orthonormal `basis` of `l` columns.
///
/// # Determinism
///
/// Compiled twice, for the baseline x86-64 target and, chosen at run time where
/// the CPU has it, with AVX2 (as [`ItemFactorBlocks`](super::factor_blocks)'s
/// scan): the loops vectorise only across independent sums (no reduction is
/// reordered, no FMA), so both give the same bits.
fn right_singular_from(
    matrix: &SparseRows,
    factors: usize,
    iterations: usize,
    basis: Basis,
) -> (RightSingular, Basis) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2, checked just above.
        return unsafe { right_singular_avx2(matrix, factors, iterations, basis) };
    }
    right_singular_body(matrix, factors, iterations, basis)
}

/// [`right_singular_from`] compiled with AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn right_singular_avx2(
    matrix: &SparseRows,
    factors: usize,
    iterations: usize,
    basis: Basis,
) -> (RightSingular, Basis) {
    right_singular_body(matrix, factors, iterations, basis)
}

#[inline(always)]
fn right_singular_body(
    matrix: &SparseRows,
    factors: usize,
    iterations: usize,
    basis: Basis,
) -> (RightSingular, Basis) {
    let Basis { mut z, l } = basis;
    for _ in 0..iterations {
        let y = matrix.times(&z, l);
        z = matrix.transpose_times(&y, l);
        orthonormalise(&mut z, l);
    }
    let y = matrix.times(&z, l);
    let gram = gram(&y, l);
    let (eigenvalues, eigenvectors) = symmetric_eigen(gram, l);
    let vectors = rotate(&z, &eigenvectors, l, factors);
    let svd = RightSingular {
        factors,
        vectors,
        values: eigenvalues[..factors]
            .iter()
            .map(|&v| v.max(0.0).sqrt())
            .collect(),
    };
    (svd, Basis { z, l })
}

/// `Z E[:, ..factors]` for `z` (rows × l) and `e` (l × l), both row-major: each
/// entry the sum over `a` in ascending order, started from −0.0 as `Iterator::sum`
/// of `f64` starts, so the same bits as summing each entry on its own
/// ([`rotate_by_entries`]); the running sums of one row's entries sit side by side,
/// so the additions of different entries proceed together.
#[inline(always)]
fn rotate(z: &[f64], e: &[f64], l: usize, factors: usize) -> Vec<f64> {
    if factors == 0 || l == 0 {
        return Vec::new();
    }
    let mut vectors = vec![-0.0; z.len() / l * factors];
    for (zi, out) in z.chunks_exact(l).zip(vectors.chunks_exact_mut(factors)) {
        for (a, &x) in zi.iter().enumerate() {
            for (o, &y) in out.iter_mut().zip(&e[a * l..a * l + factors]) {
                *o += x * y;
            }
        }
    }
    vectors
}

/// [`rotate`] one entry at a time (its reference).
#[cfg(test)]
fn rotate_by_entries(z: &[f64], e: &[f64], l: usize, factors: usize) -> Vec<f64> {
    let n = z.len() / l;
    let mut vectors = vec![0.0; n * factors];
    for i in 0..n {
        let zi = &z[i * l..(i + 1) * l];
        for c in 0..factors {
            vectors[i * factors + c] = (0..l).map(|a| zi[a] * e[a * l + c]).sum();
        }
    }
    vectors
}

/// `aᵀ a` of `a` (rows × l, row-major), `l × l` row-major.
#[inline(always)]
fn gram(a: &[f64], l: usize) -> Vec<f64> {
    let mut g = vec![0.0; l * l];
    for row in a.chunks_exact(l) {
        for (p, &x) in row.iter().enumerate() {
            if x == 0.0 {
                continue;
            }
            let gp = &mut g[p * l..(p + 1) * l];
            for (q, &y) in row.iter().enumerate().skip(p) {
                gp[q] += x * y;
            }
        }
    }
    for p in 0..l {
        for q in 0..p {
            g[p * l + q] = g[q * l + p];
        }
    }
    g
}

/// Orthonormalises the columns of `a` (rows × l, row-major) in place: CholeskyQR2.
#[inline(always)]
fn orthonormalise(a: &mut [f64], l: usize) {
    for _ in 0..2 {
        let g = gram(a, l);
        // Cholesky G = Lᵀ L with upper-triangular factor U (G = Uᵀ U); then A U⁻¹.
        let mut u = vec![0.0; l * l];
        let scale = (0..l).map(|p| g[p * l + p]).fold(0.0f64, f64::max);
        let tiny = scale * 1e-24;
        for p in 0..l {
            let mut d = g[p * l + p];
            for k in 0..p {
                d -= u[k * l + p] * u[k * l + p];
            }
            if d <= tiny {
                // A dependent column: drop it (zero) rather than divide by zero.
                continue;
            }
            let d = d.sqrt();
            u[p * l + p] = d;
            for q in p + 1..l {
                let mut s = g[p * l + q];
                for k in 0..p {
                    s -= u[k * l + p] * u[k * l + q];
                }
                u[p * l + q] = s / d;
            }
        }
        solve_rows(a, &u, l);
    }
}

/// Each row `x ← x U⁻¹` of `a` (rows × l) for upper-triangular `u` (a zero pivot
/// zeroes its column): forward substitution, column `q` being
/// `(x_q − Σ_{k<q} x_k u_kq) / u_qq` with the terms subtracted in ascending `k`.
/// Once `x_k` is known its term is subtracted from every later column at once (a
/// contiguous row of `u`, so the columns' subtractions proceed together); each
/// column still sees the same subtractions in the same order as
/// [`solve_rows_by_columns`], so the same bits.
#[inline(always)]
fn solve_rows(a: &mut [f64], u: &[f64], l: usize) {
    for row in a.chunks_exact_mut(l) {
        for q in 0..l {
            let d = u[q * l + q];
            let x = if d == 0.0 { 0.0 } else { row[q] / d };
            row[q] = x;
            let (_, later) = row.split_at_mut(q + 1);
            for (r, &uq) in later.iter_mut().zip(&u[q * l + q + 1..(q + 1) * l]) {
                *r -= x * uq;
            }
        }
    }
}

/// [`solve_rows`] column by column (its reference).
#[cfg(test)]
fn solve_rows_by_columns(a: &mut [f64], u: &[f64], l: usize) {
    for row in a.chunks_exact_mut(l) {
        for q in 0..l {
            let d = u[q * l + q];
            if d == 0.0 {
                row[q] = 0.0;
                continue;
            }
            let mut s = row[q];
            for k in 0..q {
                s -= row[k] * u[k * l + q];
            }
            row[q] = s / d;
        }
    }
}

/// Eigenvalues (descending) and eigenvectors (columns of an `l × l` row-major
/// matrix) of a symmetric matrix, by the cyclic Jacobi method.
fn symmetric_eigen(mut a: Vec<f64>, l: usize) -> (Vec<f64>, Vec<f64>) {
    let mut v = vec![0.0; l * l];
    for p in 0..l {
        v[p * l + p] = 1.0;
    }
    let total: f64 = a.iter().map(|x| x * x).sum();
    for _sweep in 0..60 {
        let off: f64 = (0..l)
            .flat_map(|p| (0..l).filter(move |&q| q != p).map(move |q| (p, q)))
            .map(|(p, q)| a[p * l + q] * a[p * l + q])
            .sum();
        if off <= total * 1e-30 || off == 0.0 {
            break;
        }
        for p in 0..l {
            for q in p + 1..l {
                let apq = a[p * l + q];
                if apq == 0.0 {
                    continue;
                }
                let theta = (a[q * l + q] - a[p * l + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..l {
                    let (akp, akq) = (a[k * l + p], a[k * l + q]);
                    a[k * l + p] = c * akp - s * akq;
                    a[k * l + q] = s * akp + c * akq;
                }
                for k in 0..l {
                    let (apk, aqk) = (a[p * l + k], a[q * l + k]);
                    a[p * l + k] = c * apk - s * aqk;
                    a[q * l + k] = s * apk + c * aqk;
                }
                for k in 0..l {
                    let (vkp, vkq) = (v[k * l + p], v[k * l + q]);
                    v[k * l + p] = c * vkp - s * vkq;
                    v[k * l + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    let mut order: Vec<usize> = (0..l).collect();
    order.sort_by(|&x, &y| a[y * l + y].total_cmp(&a[x * l + x]).then(x.cmp(&y)));
    let values: Vec<f64> = order.iter().map(|&c| a[c * l + c]).collect();
    let mut vectors = vec![0.0; l * l];
    for (to, &from) in order.iter().enumerate() {
        let largest = (0..l)
            .map(|k| v[k * l + from])
            .fold(0.0f64, |m, x| if x.abs() > m.abs() { x } else { m });
        let sign = if largest < 0.0 { -1.0 } else { 1.0 };
        for k in 0..l {
            vectors[k * l + to] = sign * v[k * l + from];
        }
    }
    (values, vectors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Purpose, stream};

    /// A deterministic dense block with zeros, negative zeros and a wide range.
    fn block(rows: usize, l: usize, salt: u32) -> Vec<f64> {
        (0..rows * l)
            .map(|x| {
                let x = (x as u32).wrapping_mul(2_654_435_761) ^ salt;
                match x % 11 {
                    0 => 0.0,
                    1 => -0.0,
                    _ => (f64::from(x % 1000) - 500.0) / f64::from(1 + x % 37),
                }
            })
            .collect()
    }

    #[test]
    fn row_solve_and_rotation_give_the_entrywise_bits() {
        // An upper-triangular u with one zero pivot (a dropped column) and its
        // row above the diagonal zero, as the Cholesky step leaves it.
        let l = 13;
        let mut u = block(l, l, 7);
        for p in 0..l {
            for q in 0..l {
                if q < p || p == 4 {
                    u[p * l + q] = 0.0;
                } else if q == p {
                    u[p * l + q] = 1.0 + u[p * l + q].abs();
                }
            }
        }
        let a = block(57, l, 3);
        let (mut fast, mut slow) = (a.clone(), a);
        solve_rows(&mut fast, &u, l);
        solve_rows_by_columns(&mut slow, &u, l);
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&fast), bits(&slow));
        // A row of negative zeros against a column of positive values: every term
        // is −0.0, so the sum shows where it starts.
        let mut z = block(57, l, 5);
        z[..l].fill(-0.0);
        let mut e = block(l, l, 9);
        for a in 0..l {
            e[a * l] = 1.0 + e[a * l].abs();
        }
        for factors in [0, 1, 8, l] {
            assert_eq!(
                bits(&rotate(&z, &e, l, factors)),
                bits(&rotate_by_entries(&z, &e, l, factors))
            );
        }
    }

    #[test]
    fn jacobi_finds_the_eigenpairs_of_a_known_matrix() {
        // [[2, 1], [1, 2]]: eigenvalues 3 and 1, vectors (1, 1)/√2 and (1, −1)/√2
        // (sign: largest entry positive; for the tie the first).
        let (values, vectors) = symmetric_eigen(vec![2.0, 1.0, 1.0, 2.0], 2);
        assert!((values[0] - 3.0).abs() < 1e-12 && (values[1] - 1.0).abs() < 1e-12);
        let h = std::f64::consts::FRAC_1_SQRT_2;
        assert!((vectors[0] - h).abs() < 1e-12 && (vectors[2] - h).abs() < 1e-12);
        assert!((vectors[1].abs() - h).abs() < 1e-12 && (vectors[3].abs() - h).abs() < 1e-12);
    }

    #[test]
    fn recovers_the_singular_values_of_a_low_rank_matrix() {
        // R = σ1 u1 v1ᵀ + σ2 u2 v2ᵀ with orthonormal u, v over 12 × 9, σ = (6, 2):
        // built from disjoint supports, so orthogonality is exact.
        let mut dense = vec![vec![0.0f32; 9]; 12];
        let (s1, s2) = (6.0f32, 2.0f32);
        let (u1, v1) = (1.0 / 6f32.sqrt(), 1.0 / 4f32.sqrt());
        let (u2, v2) = (1.0 / 6f32.sqrt(), 1.0 / 5f32.sqrt());
        for (r, row) in dense.iter_mut().enumerate() {
            for (c, cell) in row.iter_mut().enumerate() {
                if r < 6 && c < 4 {
                    *cell = s1 * u1 * v1;
                } else if r >= 6 && c >= 4 {
                    *cell = s2 * u2 * v2;
                }
            }
        }
        let matrix = SparseRows::from_rows(
            9,
            dense.iter().map(|row| {
                row.iter()
                    .enumerate()
                    .filter(|(_, v)| **v != 0.0)
                    .map(|(c, &v)| (c as u32, v))
                    .collect()
            }),
        );
        let svd = right_singular(&matrix, 2, 3, &mut stream(1, Purpose::ArmTraining, 0, 0));
        assert!((svd.values[0] - 6.0).abs() < 1e-5, "{:?}", svd.values);
        assert!((svd.values[1] - 2.0).abs() < 1e-5, "{:?}", svd.values);
        // v1 is uniform on columns 0..4, zero elsewhere.
        for c in 0..9 {
            let want = if c < 4 { 0.5 } else { 0.0 };
            assert!((svd.vectors[c * 2].abs() - want).abs() < 1e-5, "column {c}");
        }
    }

    /// A 60 × 25 matrix of rank ≤ 3 plus a deterministic ripple, with `extra` more
    /// rows of the same kind (a log that grew).
    fn grown(extra: usize) -> SparseRows {
        SparseRows::from_rows(
            25,
            (0..60 + extra).map(|r| {
                (0..25u32)
                    .filter(|c| !(r as u32 * 7 + c * 3).is_multiple_of(4))
                    .map(|c| {
                        let (x, y) = (r as f32, c as f32);
                        let v = 3.0
                            + (x * 0.3).sin() * (y * 0.2).cos() * 2.0
                            + (x * 0.11).cos() * (y * 0.37).sin()
                            + ((r * 13 + c as usize * 5) % 7) as f32 * 0.01;
                        (c, v)
                    })
                    .collect()
            }),
        )
    }

    #[test]
    fn a_cold_start_of_the_warm_entry_is_the_fit_bit_for_bit() {
        let matrix = grown(0);
        let rng = || stream(3, Purpose::ArmTraining, 0, 0);
        let cold = right_singular(&matrix, 4, 4, &mut rng());
        let (warm_entry, basis) = right_singular_warm(&matrix, 4, 4, Basis::default(), &mut rng());
        assert_eq!(cold, warm_entry);
        assert_eq!(basis.l, 4 + OVERSAMPLING);
    }

    #[test]
    fn one_warm_iteration_follows_a_grown_matrix() {
        // Fit on 60 rows, the matrix grows by 6 rows: one iteration from the old
        // basis gives the singular values a full 4-iteration fit on the grown matrix
        // gives, to 1e-4 relative (the leading gap of this matrix is wide).
        let (small, big) = (grown(0), grown(6));
        let rng = || stream(3, Purpose::ArmTraining, 0, 0);
        let (_, basis) = right_singular_warm(&small, 3, 4, Basis::default(), &mut rng());
        let (warm, _) = right_singular_warm(&big, 3, WARM_ITERATIONS, basis, &mut rng());
        let full = right_singular(&big, 3, 4, &mut rng());
        for (w, f) in warm.values.iter().zip(&full.values) {
            assert!((w - f).abs() <= 1e-4 * f, "warm {w} full {f}");
        }
        // The old fit's values are further off: the growth did move them.
        let (stale, _) = right_singular_warm(&small, 3, 4, Basis::default(), &mut rng());
        assert!((stale.values[0] - full.values[0]).abs() > 1e-4 * full.values[0]);
    }
}
