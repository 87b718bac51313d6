//! The two 95% intervals the analytics documents print: Wilson's for a proportion,
//! Student's t for a mean from its moments.

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::sim::RatingMoments;

/// z of a two-sided 95% normal interval, Φ⁻¹(0.975).
const Z_95: f64 = 1.959_963_984_540_054;

/// An estimate with its two-sided 95% interval.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Estimate {
    /// The point estimate.
    pub value: f64,
    /// Lower bound of the 95% interval.
    pub lower: f64,
    /// Upper bound of the 95% interval.
    pub upper: f64,
    /// Observations behind it (trials of a proportion, values of a mean).
    pub n: u64,
}

/// `successes / trials` with its 95% Wilson score interval; `None` without trials.
///
/// ```text
/// centre = (p̂ + z²/2n) / (1 + z²/n)
/// half   = z · √(p̂(1 − p̂)/n + z²/4n²) / (1 + z²/n)
/// ```
///
/// Unlike the Wald interval it stays inside [0, 1] and keeps its coverage near 0 and 1.
///
/// # References
///
/// Wilson (1927), "Probable inference, the law of succession, and statistical
/// inference", JASA 22(158); Agresti & Coull (1998), The American Statistician 52(2).
#[must_use]
pub fn wilson(successes: u64, trials: u64) -> Option<Estimate> {
    if trials == 0 {
        return None;
    }
    let n = trials as f64;
    let p = successes as f64 / n;
    let z2 = Z_95 * Z_95;
    let denominator = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denominator;
    let half = Z_95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denominator;
    Some(Estimate {
        value: p,
        lower: (centre - half).max(0.0),
        upper: (centre + half).min(1.0),
        n: trials,
    })
}

/// The mean of values given by their moments, with its 95% Student-t interval
/// `mean ± t_{0.975, n−1} · s/√n`; `None` without values, a point with one.
#[must_use]
pub fn mean_t(m: &RatingMoments) -> Option<Estimate> {
    if m.n == 0 {
        return None;
    }
    let n = m.n as f64;
    let mean = m.sum / n;
    if m.n == 1 {
        return Some(Estimate {
            value: mean,
            lower: mean,
            upper: mean,
            n: 1,
        });
    }
    // Σx² − n·x̄², clamped: rounding can make a zero variance slightly negative.
    let variance = ((m.sum_sq - n * mean * mean) / (n - 1.0)).max(0.0);
    let t = StudentsT::new(0.0, 1.0, n - 1.0)
        .expect("n − 1 ≥ 1 degrees of freedom")
        .inverse_cdf(0.975);
    let half = t * (variance / n).sqrt();
    Some(Estimate {
        value: mean,
        lower: mean - half,
        upper: mean + half,
        n: m.n,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_published_values() {
        // Agresti & Coull (1998), and R's prop.test(…, correct = FALSE): 8 of 10 →
        // [0.4902, 0.9433] (Newcombe 1998, Statistics in Medicine 17, Table I, method 3:
        // 81/263 → [0.2553, 0.3662]).
        let e = wilson(81, 263).unwrap();
        assert!(
            (e.lower - 0.2553).abs() < 5e-5 && (e.upper - 0.3662).abs() < 5e-5,
            "{e:?}"
        );
        let e = wilson(8, 10).unwrap();
        assert!(
            (e.lower - 0.4902).abs() < 5e-5 && (e.upper - 0.9433).abs() < 5e-5,
            "{e:?}"
        );
        // 0 of 10 stays inside [0, 1]: [0, 0.2775].
        let e = wilson(0, 10).unwrap();
        assert_eq!(e.lower, 0.0);
        assert!((e.upper - 0.2775).abs() < 5e-5, "{e:?}");
        assert_eq!(wilson(0, 0), None);
    }

    #[test]
    fn t_interval_of_moments_matches_the_t_table() {
        // Ratings 3, 4, 5, 4: mean 4, s² = 2/3, t_{0.975,3} = 3.182446.
        let m = RatingMoments {
            n: 4,
            sum: 16.0,
            sum_sq: 66.0,
        };
        let e = mean_t(&m).unwrap();
        let half = 3.182_446 * (2.0f64 / 3.0 / 4.0).sqrt();
        assert!((e.value - 4.0).abs() < 1e-12);
        assert!((e.upper - 4.0 - half).abs() < 1e-5 && (4.0 - e.lower - half).abs() < 1e-5);
        let one = RatingMoments {
            n: 1,
            sum: 3.5,
            sum_sq: 12.25,
        };
        assert_eq!(mean_t(&one).unwrap().lower, 3.5);
        assert_eq!(mean_t(&RatingMoments::default()), None);
    }
}
