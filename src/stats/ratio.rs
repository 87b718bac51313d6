//! Ratio metrics with the user as the unit: the delta method as a linearisation.
//!
//! A metric such as click-through `Σ clicks / Σ requests` over the users of a variant
//! is a ratio of two per-user sums, and the users — not the requests — are the
//! independent units (a user's requests share the user's taste). The delta method
//! gives the variance of the ratio from per-user values; written as a linearisation,
//! each user gets a pseudo-value whose mean is the ratio and whose variance over `n`
//! is the delta-method variance, so every later step (Welch's test, CUPED, intervals)
//! works on pseudo-values exactly as on a plain per-user mean:
//!
//! ```text
//! R = ȳ / x̄,   ℓ_i = R + (y_i − R x_i) / x̄
//! mean(ℓ) = R,   Var(ℓ)/n = (s_y² − 2R s_xy + R² s_x²) / (n x̄²)
//! ```
//!
//! A per-user mean metric is the special case `x_i = 1`, where `ℓ_i = y_i`.
//!
//! # References
//!
//! Deng, Knoblich & Lu (2018), "Applying the delta method in metric analytics: a
//! practical guide with novel ideas", KDD, §2–3; Kohavi, Tang & Xu (2020), *Trustworthy
//! Online Controlled Experiments*, ch. 18.

/// The ratio of two per-unit sums and its per-unit pseudo-values.
#[derive(Clone, Debug, PartialEq)]
pub struct Linearised {
    /// `Σ y / Σ x`.
    pub ratio: f64,
    /// One pseudo-value per unit; their mean is `ratio`.
    pub values: Vec<f64>,
}

/// Linearises the ratio `Σ numerators / Σ denominators`; `None` when the denominators
/// sum to 0 (the ratio is undefined, e.g. a mean rating without any rating).
///
/// # Panics
///
/// If the slices differ in length.
#[must_use]
pub fn linearise(numerators: &[f64], denominators: &[f64]) -> Option<Linearised> {
    assert_eq!(
        numerators.len(),
        denominators.len(),
        "one numerator and one denominator per unit"
    );
    let n = numerators.len() as f64;
    let x_sum: f64 = denominators.iter().sum();
    if n == 0.0 || x_sum <= 0.0 {
        return None;
    }
    let x_bar = x_sum / n;
    let ratio = numerators.iter().sum::<f64>() / x_sum;
    let values = numerators
        .iter()
        .zip(denominators)
        .map(|(y, x)| ratio + (y - ratio * x) / x_bar)
        .collect();
    Some(Linearised { ratio, values })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::SampleMean;

    #[test]
    fn pseudo_values_reproduce_the_delta_method_variance() {
        // Clicks and requests of six users. Reference: numpy 2.4 with the formula of
        // Deng et al. (2018): R = 9/30 = 0.3; s_y² = 1.1, s_x² = 10.4, s_xy = 2.8,
        // x̄ = 5; Var(R̂) = (1.1 − 2·0.3·2.8 + 0.09·10.4) / (6 · 25) = 0.00237333.
        let y = [1.0, 0.0, 3.0, 2.0, 1.0, 2.0];
        let x = [2.0, 3.0, 10.0, 8.0, 3.0, 4.0];
        let l = linearise(&y, &x).unwrap();
        assert!((l.ratio - 0.3).abs() < 1e-15);
        let m = SampleMean::of(&l.values);
        assert!((m.mean - 0.3).abs() < 1e-15);
        let expected = (1.1 - 2.0 * 0.3 * 2.8 + 0.09 * 10.4) / (6.0 * 25.0);
        assert!(
            (m.variance_of_mean() - expected).abs() < 1e-15,
            "{}",
            m.variance_of_mean()
        );
        assert!((expected - 0.002_373_333_333).abs() < 1e-12);
    }

    #[test]
    fn a_unit_denominator_is_a_plain_mean() {
        let y = [0.5, 1.5, 4.0];
        let l = linearise(&y, &[1.0; 3]).unwrap();
        assert_eq!(l.values, y.to_vec());
        assert_eq!(linearise(&[0.0], &[0.0]), None);
    }
}
