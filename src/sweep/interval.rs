//! Student-t confidence intervals of a mean.

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};

/// A mean and its two-sided 95% confidence interval.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Interval {
    /// The sample mean.
    pub mean: f64,
    /// Lower bound.
    pub lower: f64,
    /// Upper bound.
    pub upper: f64,
}

/// The mean of `values` with its 95% Student-t interval
/// `mean ± t_{0.975, n−1} · s / √n`; with one value the interval is the point.
///
/// # Panics
///
/// If `values` is empty.
#[must_use]
pub fn mean_interval(values: &[f64]) -> Interval {
    assert!(!values.is_empty(), "an interval needs at least one value");
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    if values.len() < 2 {
        return Interval {
            mean,
            lower: mean,
            upper: mean,
        };
    }
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let t = StudentsT::new(0.0, 1.0, n - 1.0)
        .expect("n − 1 ≥ 1 degrees of freedom")
        .inverse_cdf(0.975);
    let half = t * (var / n).sqrt();
    Interval {
        mean,
        lower: mean - half,
        upper: mean + half,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_matches_the_t_table() {
        // n = 5, mean 3, s² = 2.5, t_{0.975,4} = 2.776445.
        let i = mean_interval(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        let half = 2.776_445 * (2.5f64 / 5.0).sqrt();
        assert!((i.mean - 3.0).abs() < 1e-12);
        assert!((i.upper - 3.0 - half).abs() < 1e-5 && (3.0 - i.lower - half).abs() < 1e-5);
    }
}
