//! Means over folds with Student-t confidence intervals.

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};

/// Confidence level of every interval recolab reports.
pub const CONFIDENCE: f64 = 0.95;

/// The mean of a metric over folds and its 95% confidence interval.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct MeanInterval {
    /// Mean over the folds where the metric is defined.
    pub mean: f64,
    /// Lower end of the 95% interval; `None` with fewer than two folds.
    pub low: Option<f64>,
    /// Upper end of the 95% interval; `None` with fewer than two folds.
    pub high: Option<f64>,
    /// Folds where the metric is defined.
    pub n_folds: usize,
}

impl MeanInterval {
    /// Mean and two-sided 95% Student-t interval of `values`; `None` when empty.
    ///
    /// Values are summed in the order given, on one thread, so the result is
    /// bit-for-bit repeatable. Folds are not independent samples (their training sets
    /// overlap), so the interval is the customary approximation, somewhat too narrow
    /// (Bengio & Grandvalet 2004).
    ///
    /// ```text
    /// x̄ ± t_{0.975, n−1} · s / √n,   s² = Σ (x_i − x̄)² / (n − 1)
    /// ```
    ///
    /// # References
    ///
    /// Student (1908), "The probable error of a mean", Biometrika 6(1); Bengio &
    /// Grandvalet (2004), "No unbiased estimator of the variance of K-fold
    /// cross-validation", JMLR 5.
    #[must_use]
    pub fn of(values: &[f64]) -> Option<Self> {
        let n = values.len();
        if n == 0 {
            return None;
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        if n < 2 {
            return Some(Self {
                mean,
                low: None,
                high: None,
                n_folds: n,
            });
        }
        let variance = values.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let t = StudentsT::new(0.0, 1.0, (n - 1) as f64)
            .expect("n − 1 ≥ 1 degrees of freedom")
            .inverse_cdf(0.5 + CONFIDENCE / 2.0);
        let half = t * (variance / n as f64).sqrt();
        Some(Self {
            mean,
            low: Some(mean - half),
            high: Some(mean + half),
            n_folds: n,
        })
    }

    /// Half the width of the interval, if any.
    #[must_use]
    pub fn half_width(&self) -> Option<f64> {
        self.high.map(|high| high - self.mean)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_t_table_values() {
        // Five folds 1..5: mean 3, s = √2.5; t_{0.975, 4} = 2.776 (any t table, e.g.
        // NIST/SEMATECH e-Handbook §1.3.6.7.2), half-width 2.776 · √0.5 = 1.963.
        let m = MeanInterval::of(&[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
        assert_eq!(m.mean, 3.0);
        let half = m.half_width().unwrap();
        assert!((half - 2.776_445 * 0.5_f64.sqrt()).abs() < 1e-5, "{half}");
        assert_eq!(m.n_folds, 5);
        // Two folds: t_{0.975, 1} = 12.706.
        let two = MeanInterval::of(&[0.0, 2.0]).unwrap();
        assert!((two.half_width().unwrap() - 12.706_205).abs() < 1e-5);
    }

    #[test]
    fn one_fold_has_no_interval_and_none_has_no_mean() {
        let one = MeanInterval::of(&[0.25]).unwrap();
        assert_eq!((one.mean, one.low, one.high), (0.25, None, None));
        assert_eq!(MeanInterval::of(&[]), None);
    }

    #[test]
    fn constant_values_have_zero_width() {
        let m = MeanInterval::of(&[0.5, 0.5, 0.5]).unwrap();
        assert_eq!((m.low, m.high), (Some(0.5), Some(0.5)));
    }
}
