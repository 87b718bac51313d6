//! Binomial intervals: exact (Clopper–Pearson) confidence intervals of a rate, and the
//! central acceptance region of a count.

use statrs::function::beta::inv_beta_reg;
use statrs::function::gamma::ln_gamma;

/// The exact two-sided Clopper–Pearson interval of a rate from `k` successes in `n`
/// trials at `level` (e.g. 0.99):
///
/// ```text
/// lower = B⁻¹(α/2; k, n − k + 1),   upper = B⁻¹(1 − α/2; k + 1, n − k)
/// ```
///
/// (0 and 1 at the ends).
///
/// # Panics
///
/// If `n == 0` or `k > n`.
///
/// # References
///
/// Clopper & Pearson (1934), Biometrika 26(4); scipy's `binomtest(...).proportion_ci(
/// method="exact")`.
#[must_use]
pub fn clopper_pearson(k: u64, n: u64, level: f64) -> (f64, f64) {
    assert!(n > 0 && k <= n, "k successes out of n > 0 trials");
    let alpha = 1.0 - level;
    let (k, n) = (k as f64, n as f64);
    let lower = if k == 0.0 {
        0.0
    } else {
        inv_beta_reg(k, n - k + 1.0, alpha / 2.0)
    };
    let upper = if k == n {
        1.0
    } else {
        inv_beta_reg(k + 1.0, n - k, 1.0 - alpha / 2.0)
    };
    (lower, upper)
}

/// The central region `[lo, hi]` of a Binomial(n, p) count holding at least `level`
/// of its mass: `lo` the smallest k with `P(X ≤ k) ≥ (1 − level)/2`, `hi` the
/// smallest k with `P(X ≤ k) ≥ (1 + level)/2` (scipy's `binom.ppf` at both ends).
///
/// # Panics
///
/// If `p` is not in (0, 1).
#[must_use]
pub fn acceptance_region(n: u64, p: f64, level: f64) -> (u64, u64) {
    assert!(p > 0.0 && p < 1.0, "p in (0, 1)");
    let ln_pmf = |k: u64| {
        let (k, nf) = (k as f64, n as f64);
        ln_gamma(nf + 1.0) - ln_gamma(k + 1.0) - ln_gamma(nf - k + 1.0)
            + k * p.ln()
            + (nf - k) * (1.0 - p).ln()
    };
    let low_mass = (1.0 - level) / 2.0;
    let high_mass = (1.0 + level) / 2.0;
    let mut cdf = 0.0;
    let mut lo = None;
    for k in 0..=n {
        cdf += ln_pmf(k).exp();
        if lo.is_none() && cdf >= low_mass {
            lo = Some(k);
        }
        // A hair of slack for the rounding of the running sum.
        if cdf >= high_mass - 1e-12 {
            return (lo.unwrap_or(k), k);
        }
    }
    (lo.unwrap_or(n), n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clopper_pearson_matches_scipy() {
        // scipy 1.17.1: binomtest(k, n).proportion_ci(0.99, method="exact").
        for (k, n, lo, hi) in [
            (25, 500, 0.028_276_387_33, 0.080_686_874_62),
            (0, 500, 0.0, 0.010_540_688_19),
            (71, 500, 0.104_376_495_65, 0.186_630_383_09),
            (3, 40, 0.008_627_788_84, 0.248_372_274_77),
        ] {
            let (l, h) = clopper_pearson(k, n, 0.99);
            assert!(
                (l - lo).abs() < 1e-9 && (h - hi).abs() < 1e-9,
                "{k}/{n}: {l} {h}"
            );
        }
    }

    #[test]
    fn acceptance_region_matches_scipy() {
        // scipy 1.17.1: binom.ppf(0.005, 500, 0.05) = 13, binom.ppf(0.995, 500, 0.05)
        // = 38; for n = 40: 0 and 6.
        assert_eq!(acceptance_region(500, 0.05, 0.99), (13, 38));
        assert_eq!(acceptance_region(40, 0.05, 0.99), (0, 6));
    }
}
