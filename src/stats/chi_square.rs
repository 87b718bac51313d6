//! Pearson's chi-square tests: independence of a 2 × k table, and goodness of fit
//! (the sample ratio mismatch test).

use serde::Serialize;

use super::tail::{LogProb, chi_square_sf};

/// A chi-square statistic, its degrees of freedom and p-value.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ChiSquare {
    /// `Σ (O − E)² / E`.
    pub statistic: f64,
    /// Degrees of freedom.
    pub df: usize,
    /// `P(χ²_df > statistic)`.
    pub p_value: LogProb,
}

/// Pearson's test of independence of a 2 × k table given as k columns of
/// (successes, failures), without continuity correction.
///
/// ```text
/// E_ij = row_i · col_j / N,   χ² = Σ (O_ij − E_ij)² / E_ij,   df = k − 1
/// ```
///
/// `None` when a row or a column is empty (the test is undefined).
///
/// # References
///
/// Pearson (1900); Agresti (2013), *Categorical Data Analysis*, 3rd ed., §3.2.
#[must_use]
pub fn independence(columns: &[(u64, u64)]) -> Option<ChiSquare> {
    if columns.len() < 2 {
        return None;
    }
    let successes: u64 = columns.iter().map(|c| c.0).sum();
    let failures: u64 = columns.iter().map(|c| c.1).sum();
    let n = (successes + failures) as f64;
    if successes == 0 || failures == 0 || columns.iter().any(|c| c.0 + c.1 == 0) {
        return None;
    }
    let mut statistic = 0.0;
    for &(s, f) in columns {
        let col = (s + f) as f64;
        for (observed, row) in [(s, successes), (f, failures)] {
            let expected = row as f64 * col / n;
            statistic += (observed as f64 - expected).powi(2) / expected;
        }
    }
    let df = columns.len() - 1;
    Some(ChiSquare {
        statistic,
        df,
        p_value: chi_square_sf(statistic, df as f64),
    })
}

/// Pearson's goodness-of-fit test of `observed` counts against expected shares
/// (normalised to sum to 1): the sample ratio mismatch test of an experiment's split.
///
/// `None` with fewer than two cells or no observations.
///
/// # Panics
///
/// If the lengths differ or a share is not positive.
#[must_use]
pub fn goodness_of_fit(observed: &[u64], shares: &[f64]) -> Option<ChiSquare> {
    assert_eq!(observed.len(), shares.len(), "one share per cell");
    assert!(shares.iter().all(|&s| s > 0.0), "shares are positive");
    let n: u64 = observed.iter().sum();
    if observed.len() < 2 || n == 0 {
        return None;
    }
    let total: f64 = shares.iter().sum();
    let statistic = observed
        .iter()
        .zip(shares)
        .map(|(&o, &s)| {
            let e = n as f64 * s / total;
            (o as f64 - e).powi(2) / e
        })
        .sum();
    let df = observed.len() - 1;
    Some(ChiSquare {
        statistic,
        df,
        p_value: chi_square_sf(statistic, df as f64),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn independence_matches_scipy() {
        // scipy 1.17.1: chi2_contingency([[120, 150, 90], [880, 850, 910]],
        // correction=False) → statistic 17.0454545, df 2, p 0.000198896241.
        let c = independence(&[(120, 880), (150, 850), (90, 910)]).unwrap();
        assert!(
            (c.statistic - 17.045_454_545).abs() < 1e-8,
            "{}",
            c.statistic
        );
        assert_eq!(c.df, 2);
        assert!((c.p_value.value() - 0.000_198_896_241).abs() < 1e-12);
        assert_eq!(independence(&[(0, 10), (0, 12)]), None);
    }

    #[test]
    fn goodness_of_fit_matches_scipy() {
        // scipy 1.17.1: chisquare([5_050, 4_950], f_exp=[5_000, 5_000]) → statistic 1.0,
        // p 0.317310508; chisquare([2_600, 7_400], f_exp=[2_500, 7_500]) → 5.33333,
        // p 0.0209213.
        let even = goodness_of_fit(&[5_050, 4_950], &[1.0, 1.0]).unwrap();
        assert!((even.statistic - 1.0).abs() < 1e-12);
        assert!((even.p_value.value() - 0.317_310_508).abs() < 1e-9);
        let uneven = goodness_of_fit(&[2_600, 7_400], &[0.25, 0.75]).unwrap();
        assert!((uneven.statistic - 5.333_333_333).abs() < 1e-8);
        assert!((uneven.p_value.value() - 0.020_921_335).abs() < 1e-8);
    }

    #[test]
    fn a_gross_mismatch_has_a_tiny_but_nonzero_p_value() {
        let c = goodness_of_fit(&[60_000, 40_000], &[1.0, 1.0]).unwrap();
        // χ² = 4,000 on 1 df; mpmath 1.4.1: log10 Q(1/2, 2000) = −870.488162 (3.25e-871).
        assert!((c.p_value.log10() - -870.488_162).abs() < 1e-5);
        assert_eq!(c.p_value.to_string(), "3.2e-871");
    }
}
