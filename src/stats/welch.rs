//! Welch's t-test and intervals for the difference and the ratio of two means.

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};

use super::tail::{LogProb, normal_quantile, students_t_two_sided};

/// Size, mean and variance of the mean of one sample.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct SampleMean {
    /// Units (users).
    pub n: usize,
    /// The mean.
    pub mean: f64,
    /// Sample variance of the units' values, `Σ (x − x̄)² / (n − 1)`.
    pub unit_variance: f64,
}

impl SampleMean {
    /// The mean and unit variance of `values`, summed in order on one thread.
    ///
    /// # Panics
    ///
    /// If `values` is empty.
    #[must_use]
    pub fn of(values: &[f64]) -> Self {
        assert!(!values.is_empty(), "a mean needs at least one value");
        let n = values.len();
        let mean = values.iter().sum::<f64>() / n as f64;
        let unit_variance = if n > 1 {
            values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64
        } else {
            0.0
        };
        Self {
            n,
            mean,
            unit_variance,
        }
    }

    /// Variance of the mean, `s² / n`.
    #[must_use]
    pub fn variance_of_mean(&self) -> f64 {
        self.unit_variance / self.n as f64
    }
}

/// The difference of two means (treatment − control) with Welch's test.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Difference {
    /// `mean_t − mean_c`.
    pub estimate: f64,
    /// Its standard error `√(s_t²/n_t + s_c²/n_c)`.
    pub standard_error: f64,
    /// Welch–Satterthwaite degrees of freedom.
    pub df: f64,
}

impl Difference {
    /// Welch's unequal-variance comparison of `treatment` with `control`.
    ///
    /// ```text
    /// t = (x̄_t − x̄_c) / √(v_t + v_c),  v = s²/n
    /// ν = (v_t + v_c)² / (v_t²/(n_t − 1) + v_c²/(n_c − 1))
    /// ```
    ///
    /// # References
    ///
    /// Welch (1947), "The generalization of Student's problem when several different
    /// population variances are involved", Biometrika 34; Satterthwaite (1946).
    #[must_use]
    pub fn welch(treatment: &SampleMean, control: &SampleMean) -> Self {
        let vt = treatment.variance_of_mean();
        let vc = control.variance_of_mean();
        let v = vt + vc;
        let denominator = dof_term(vt, treatment.n) + dof_term(vc, control.n);
        let df = if denominator > 0.0 {
            v * v / denominator
        } else {
            f64::INFINITY
        };
        Self {
            estimate: treatment.mean - control.mean,
            standard_error: v.sqrt(),
            df,
        }
    }

    /// The t statistic (±∞ for a non-zero difference without variance, 0 for none).
    #[must_use]
    pub fn t(&self) -> f64 {
        if self.standard_error > 0.0 {
            self.estimate / self.standard_error
        } else if self.estimate == 0.0 {
            0.0
        } else {
            f64::INFINITY.copysign(self.estimate)
        }
    }

    /// Two-sided p-value of "no difference".
    #[must_use]
    pub fn p_value(&self) -> LogProb {
        let t = self.t();
        if t.is_infinite() {
            return LogProb::from_ln(-f64::MAX);
        }
        students_t_two_sided(t, self.df.max(1.0))
    }

    /// Two-sided interval at `level` (e.g. 0.95): `estimate ± t_{(1+level)/2, ν} · se`.
    #[must_use]
    pub fn interval(&self, level: f64) -> (f64, f64) {
        let half = t_quantile(0.5 + level / 2.0, self.df) * self.standard_error;
        (self.estimate - half, self.estimate + half)
    }
}

fn dof_term(v: f64, n: usize) -> f64 {
    if n > 1 { v * v / (n - 1) as f64 } else { 0.0 }
}

/// The Student-t quantile; the normal one for infinite or very large `df`.
#[must_use]
pub fn t_quantile(p: f64, df: f64) -> f64 {
    // Beyond a million degrees of freedom t and z agree to better than 1e-6.
    if !df.is_finite() || df > 1e6 {
        return normal_quantile(p);
    }
    StudentsT::new(0.0, 1.0, df.max(1.0))
        .expect("positive degrees of freedom")
        .inverse_cdf(p)
}

/// The relative lift `mean_t / mean_c − 1` with its delta-method standard error, for
/// independent groups:
///
/// ```text
/// Var(x̄_t / x̄_c) ≈ v_t / x̄_c² + x̄_t² v_c / x̄_c⁴
/// ```
///
/// `None` when the control mean is 0.
///
/// # References
///
/// Deng, Knoblich & Lu (2018), "Applying the delta method in metric analytics: a
/// practical guide with novel ideas", KDD, §3.3 (percent change).
#[must_use]
pub fn relative_lift(
    treatment_mean: f64,
    treatment_var_of_mean: f64,
    control_mean: f64,
    control_var_of_mean: f64,
) -> Option<(f64, f64)> {
    if control_mean == 0.0 {
        return None;
    }
    let c2 = control_mean * control_mean;
    let variance = treatment_var_of_mean / c2
        + treatment_mean * treatment_mean * control_var_of_mean / (c2 * c2);
    Some((treatment_mean / control_mean - 1.0, variance.sqrt()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Wikipedia, "Welch's t-test", example 1 (the two samples of 15).
    const A1: [f64; 15] = [
        27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4,
    ];
    const A2: [f64; 15] = [
        27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4,
    ];

    #[test]
    fn welch_matches_scipy_on_the_textbook_example() {
        // scipy 1.17.1: ttest_ind(A1, A2, equal_var=False) → statistic
        // −2.455356398, pvalue 0.021378001, df 24.98852929 (Wikipedia: t = −2.46,
        // ν ≈ 24.99, p = 0.021).
        let d = Difference::welch(&SampleMean::of(&A1), &SampleMean::of(&A2));
        assert!((d.t() - -2.455_356_398).abs() < 1e-8, "{}", d.t());
        assert!((d.df - 24.988_529_29).abs() < 1e-7, "{}", d.df);
        assert!((d.p_value().value() - 0.021_378_001).abs() < 1e-8);
        // scipy: ttest_ind(...).confidence_interval(0.95) → (−3.984096, −0.349237).
        let (lo, hi) = d.interval(0.95);
        assert!(
            (lo - -3.984_096).abs() < 1e-5 && (hi - -0.349_237).abs() < 1e-5,
            "{lo} {hi}"
        );
    }

    #[test]
    fn relative_lift_matches_the_delta_method_formula() {
        // x̄_t = 0.11, v_t = 1e-6, x̄_c = 0.10, v_c = 4e-6:
        // Var = 1e-6/0.01 + 0.0121 · 4e-6 / 1e-4 = 1e-4 + 4.84e-4 = 5.84e-4.
        let (lift, se) = relative_lift(0.11, 1e-6, 0.10, 4e-6).unwrap();
        assert!((lift - 0.1).abs() < 1e-12);
        assert!((se - 5.84e-4f64.sqrt()).abs() < 1e-12);
        assert_eq!(relative_lift(1.0, 0.1, 0.0, 0.1), None);
    }

    #[test]
    fn constant_samples_give_a_certain_difference() {
        let a = SampleMean::of(&[1.0, 1.0, 1.0]);
        let b = SampleMean::of(&[2.0, 2.0]);
        let d = Difference::welch(&b, &a);
        assert_eq!(d.t(), f64::INFINITY);
        assert!(d.p_value().log10() < -300.0);
        let same = Difference::welch(&a, &a);
        assert_eq!(same.p_value(), LogProb::ONE);
    }
}
