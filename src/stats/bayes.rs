//! Bayesian chance to beat control on a normal model with the user as the unit.

use serde::Serialize;

use super::tail::{Chance, LogProb, ln_normal_cdf};

/// The posterior of a difference of means under a normal likelihood and a normal prior
/// centred on no effect.
///
/// The estimate `d` of the difference comes from per-user values (means or
/// delta-method pseudo-values), so its sampling distribution is `N(δ, se²)` with the
/// user as the unit — unlike a Beta posterior on pooled clicks and requests, which
/// treats every request as independent and is overconfident when a user's requests
/// are alike. With the prior `δ ~ N(0, τ²)`:
///
/// ```text
/// σ_post² = 1 / (1/τ² + 1/se²),   μ_post = σ_post² · d / se²
/// P(δ > 0 | data) = Φ(μ_post / σ_post)
/// ```
///
/// The prior shrinks small, noisy differences towards 0; with τ → ∞ the chance is
/// `Φ(d/se)`, one minus the one-sided p-value.
///
/// # References
///
/// Deng (2015), "Objective Bayesian two sample hypothesis testing for online controlled
/// experiments", WWW Companion; Gelman et al. (2013), *Bayesian Data Analysis*, 3rd
/// ed., §2.5 (normal mean with known variance).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct NormalPosterior {
    /// Posterior mean of the difference.
    pub mean: f64,
    /// Posterior standard deviation.
    pub sd: f64,
    /// `P(δ > 0 | data)`: the chance that the treatment beats the control.
    pub chance_to_beat: Chance,
}

impl NormalPosterior {
    /// The posterior for an estimate `difference` with standard error `se` and a prior
    /// standard deviation `prior_sd` (infinite for a flat prior).
    ///
    /// # Panics
    ///
    /// If `se` or `prior_sd` is not positive.
    #[must_use]
    pub fn new(difference: f64, se: f64, prior_sd: f64) -> Self {
        assert!(se > 0.0 && prior_sd > 0.0, "positive standard deviations");
        let precision = 1.0 / (prior_sd * prior_sd) + 1.0 / (se * se);
        let variance = 1.0 / precision;
        let mean = variance * difference / (se * se);
        let sd = variance.sqrt();
        let z = mean / sd;
        Self {
            mean,
            sd,
            chance_to_beat: Chance::new(
                LogProb::from_ln(ln_normal_cdf(z)),
                LogProb::from_ln(ln_normal_cdf(-z)),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posterior_matches_the_conjugate_formula() {
        // d = 0.01, se = 0.004, τ = 0.02: precision = 2500 + 62500 = 65000,
        // σ² = 1.53846e-5, μ = 1.53846e-5 · 0.01 / 1.6e-5 = 0.0096154;
        // scipy 1.17.1 norm.cdf(0.0096154 / 0.0039223) = norm.cdf(2.451452) = 0.99288594.
        let p = NormalPosterior::new(0.01, 0.004, 0.02);
        assert!((p.mean - 0.009_615_384_6).abs() < 1e-10);
        assert!((p.sd - 0.003_922_322_7).abs() < 1e-10);
        assert!((p.chance_to_beat.p.value() - 0.992_885_936).abs() < 1e-8);
    }

    #[test]
    fn a_flat_prior_gives_one_minus_the_one_sided_p_value() {
        let p = NormalPosterior::new(1.959_963_984_540_054, 1.0, f64::INFINITY);
        assert!((p.chance_to_beat.complement.value() - 0.025).abs() < 1e-11);
    }

    #[test]
    fn overwhelming_evidence_stays_off_one() {
        let p = NormalPosterior::new(1.0, 0.02, f64::INFINITY);
        // z = 50: 1 − Φ(50) = 1.08e-545 (mpmath 1.4.1 ncdf(-50)), printed as such.
        assert_eq!(p.chance_to_beat.to_string(), "1 − 1.1e-545");
    }
}
