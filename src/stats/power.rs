//! Power of a two-sided z test: minimum detectable effect and required sample size.

use super::tail::{ln_normal_cdf, normal_quantile};

/// Power of the two-sided level-`alpha` z test when the true effect is `effect` and
/// the estimate's standard error is `se`:
///
/// ```text
/// power = Φ(δ/se − z_{1−α/2}) + Φ(−δ/se − z_{1−α/2})
/// ```
///
/// (both tails, as statsmodels' `NormalIndPower` counts them).
#[must_use]
pub fn power(effect: f64, se: f64, alpha: f64) -> f64 {
    power_at(effect.abs() / se, alpha)
}

fn power_at(ratio: f64, alpha: f64) -> f64 {
    // The lower-tail quantile stays exact however small alpha is.
    let z = -normal_quantile(alpha / 2.0);
    ln_normal_cdf(ratio - z).exp() + ln_normal_cdf(-ratio - z).exp()
}

/// The effect-to-standard-error ratio `δ/se` at which the test has `target` power.
///
/// # Panics
///
/// If `target` is not in (alpha, 1) or `alpha` not in (0, 1).
#[must_use]
pub fn detectable_ratio(alpha: f64, target: f64) -> f64 {
    assert!(alpha > 0.0 && alpha < 1.0, "alpha in (0, 1)");
    assert!(target > alpha && target < 1.0, "power in (alpha, 1)");
    // Power rises monotonically in the ratio; bisection on [0, 40] to 1e-12.
    let (mut lo, mut hi) = (0.0, 40.0);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if power_at(mid, alpha) < target {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-13 {
            break;
        }
    }
    0.5 * (lo + hi)
}

/// The minimum detectable effect: the smallest |δ| the test finds with `target` power
/// given the standard error at hand (≈ (z_{1−α/2} + z_{power}) · se).
#[must_use]
pub fn minimum_detectable_effect(se: f64, alpha: f64, target: f64) -> f64 {
    detectable_ratio(alpha, target) * se
}

/// Units needed in total so that an effect `effect` is found with `target` power,
/// when a unit's value has standard deviation `sd_treatment` / `sd_control` and a
/// share `treatment_share` of units is treated:
///
/// ```text
/// se(N)² = σ_t² / (N s) + σ_c² / (N (1 − s)),   N = (σ_eff · r* / δ)²
/// ```
///
/// with `r*` the [`detectable_ratio`]. `None` for a zero effect.
///
/// # References
///
/// Chow, Shao & Wang (2008), *Sample Size Calculations in Clinical Research*, 2nd ed.,
/// §3.2; statsmodels' `NormalIndPower.solve_power`.
#[must_use]
pub fn required_units(
    effect: f64,
    sd_treatment: f64,
    sd_control: f64,
    treatment_share: f64,
    alpha: f64,
    target: f64,
) -> Option<f64> {
    if effect == 0.0 {
        return None;
    }
    let k2 = sd_treatment.powi(2) / treatment_share + sd_control.powi(2) / (1.0 - treatment_share);
    let r = detectable_ratio(alpha, target);
    Some(k2 * (r / effect).powi(2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_size_matches_statsmodels() {
        // statsmodels 0.15: NormalIndPower().solve_power(effect_size=0.1, alpha=0.05,
        // power=0.8, ratio=1) → nobs1 = 1569.7721019 (so 3139.544 in total).
        let n = required_units(0.1, 1.0, 1.0, 0.5, 0.05, 0.8).unwrap();
        assert!((n / 2.0 - 1_569.772_101_9).abs() < 1e-6, "{n}");
        // ratio = 3 (three treated per control), effect 0.05, power 0.9 →
        // nobs1 = 5603.957021 controls, i.e. a quarter of the total.
        let n = required_units(0.05, 1.0, 1.0, 0.75, 0.05, 0.9).unwrap();
        assert!((n / 4.0 - 5_603.957_021).abs() < 1e-5, "{n}");
    }

    #[test]
    fn mde_and_power_match_statsmodels() {
        // NormalIndPower().solve_power(nobs1=1000, alpha=0.05, power=0.8, ratio=1)
        // → effect size 0.1252903 (its root finder stops at ~1e-7; scipy brentq on the
        // same power function to 1e-14 gives 0.12529054641);
        // .power(0.1, 1000, 0.05) → 0.6087794846.
        let se = (2.0f64 / 1_000.0).sqrt();
        let mde = minimum_detectable_effect(se, 0.05, 0.8);
        assert!((mde - 0.125_290_546_41).abs() < 1e-10, "{mde}");
        assert!((mde - 0.125_290_3).abs() < 1e-6, "{mde}");
        assert!((power(0.1, se, 0.05) - 0.608_779_484_6).abs() < 1e-9);
        // The textbook shortcut (z_{0.975} + z_{0.8}) · se = 2.8016 · se is within
        // 1e-4 of it.
        assert!((mde / se - 2.801_585).abs() < 1e-3);
    }

    #[test]
    fn no_effect_needs_no_sample() {
        assert_eq!(required_units(0.0, 1.0, 1.0, 0.5, 0.05, 0.8), None);
    }
}
