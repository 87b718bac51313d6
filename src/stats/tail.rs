//! Tail probabilities on a log scale, so that a p-value of 1e-134 is printed as such
//! and never underflows to an exact 0.
//!
//! Every tail here returns the natural log of the probability. The normal tail uses
//! `erfc` where it is accurate and the asymptotic series of Mills' ratio beyond; the
//! chi-square tail is the regularised upper incomplete gamma function and Student's
//! t tail the regularised incomplete beta function, both as continued fractions whose
//! prefactor is summed in logs (Press et al., *Numerical Recipes*, 3rd ed., §6.2 and
//! §6.4), so they stay exact where the probability itself is below `f64::MIN_POSITIVE`.

use std::cmp::Ordering;
use std::fmt;

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use statrs::function::beta::ln_beta;
use statrs::function::erf::erfc;
use statrs::function::gamma::ln_gamma;

const LN_2: f64 = std::f64::consts::LN_2;
/// ln √(2π).
const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;
/// Beyond this |z| the normal tail comes from the asymptotic series (erfc is still
/// far from underflow at 20: Q(20) ≈ 2.8e-89).
const ASYMPTOTIC_Z: f64 = 20.0;
const MAX_ITERATIONS: usize = 100_000;
const EPS: f64 = 1e-16;
const TINY: f64 = 1e-300;

/// A probability held as its natural logarithm: exact far into the tail.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LogProb(f64);

impl LogProb {
    /// Probability one.
    pub const ONE: Self = Self(0.0);

    /// The probability whose natural log is `ln` (values above 0 are clamped to 1).
    ///
    /// # Panics
    ///
    /// If `ln` is NaN: every caller computes it from finite statistics.
    #[must_use]
    pub fn from_ln(ln: f64) -> Self {
        assert!(!ln.is_nan(), "a log-probability cannot be NaN");
        Self(ln.min(0.0))
    }

    /// The probability `p` in [0, 1].
    #[must_use]
    pub fn from_prob(p: f64) -> Self {
        Self::from_ln(p.clamp(0.0, 1.0).ln())
    }

    /// Natural log of the probability.
    #[must_use]
    pub fn ln(self) -> f64 {
        self.0
    }

    /// Base-10 log of the probability.
    #[must_use]
    pub fn log10(self) -> f64 {
        self.0 / std::f64::consts::LN_10
    }

    /// The probability as an `f64` (0 below `f64::MIN_POSITIVE`: use it only to compare
    /// or plot, never to print).
    #[must_use]
    pub fn value(self) -> f64 {
        self.0.exp()
    }

    /// Whether the probability is below `alpha`.
    #[must_use]
    pub fn is_below(self, alpha: f64) -> bool {
        self.0 < alpha.ln()
    }

    /// `min(1, k · p)`: a Bonferroni or Holm multiplier.
    #[must_use]
    pub fn times(self, k: f64) -> Self {
        Self::from_ln(self.0 + k.ln())
    }

    /// `1 − p`, accurate when p is close to 0 or to 1.
    #[must_use]
    pub fn complement(self) -> Self {
        Self::from_ln(ln_one_minus_exp(self.0))
    }
}

impl Eq for LogProb {}

impl PartialOrd for LogProb {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for LogProb {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// Three significant digits: `0.0214`, `0.512`, `1`, and in scientific notation from
/// 1e-4 down: `3.2e-5`, `1.3e-134`, `2.0e-1200`; below 1e-100000 (a difference
/// without any variance) `< 1e-100000`.
impl fmt::Display for LogProb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let log10 = self.log10();
        if log10 < -100_000.0 {
            return write!(f, "< 1e-100000");
        }
        if log10 >= -4.0 {
            let p = self.value();
            if p >= 0.9995 {
                return write!(f, "1");
            }
            let digits = (2 - log10.floor() as i64).clamp(3, 7) as usize;
            return write!(f, "{p:.digits$}");
        }
        let mut exponent = log10.floor();
        let mut mantissa = 10f64.powf(log10 - exponent);
        if mantissa >= 9.95 {
            mantissa /= 10.0;
            exponent += 1.0;
        }
        write!(f, "{mantissa:.1}e{exponent:.0}")
    }
}

/// Serialised as `{"text": "1.3e-134", "log10": -133.88}`: the text is what people
/// read, `log10` what programs compare (a JSON number would read 1e-400 as 0).
impl Serialize for LogProb {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("LogProb", 2)?;
        s.serialize_field("text", &self.to_string())?;
        s.serialize_field("log10", &round_to(self.log10(), 6))?;
        s.end()
    }
}

/// A probability that may sit close to 0 or to 1 (a chance to beat control): both it
/// and its complement are held as logs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Chance {
    /// The probability.
    pub p: LogProb,
    /// One minus it.
    pub complement: LogProb,
}

impl Chance {
    /// From the log of the probability and the log of its complement.
    #[must_use]
    pub fn new(p: LogProb, complement: LogProb) -> Self {
        Self { p, complement }
    }
}

/// `0.973`, `3.2e-5`, or `1 − 4.1e-40` when the complement is the small side.
impl fmt::Display for Chance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.complement.log10() < -3.0 {
            write!(f, "1 − {}", self.complement)
        } else {
            write!(f, "{}", self.p)
        }
    }
}

/// Serialised as `{"text": "1 − 4.1e-40", "log10": …, "log10_complement": …}`.
impl Serialize for Chance {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Chance", 3)?;
        s.serialize_field("text", &self.to_string())?;
        s.serialize_field("log10", &round_to(self.p.log10(), 6))?;
        s.serialize_field("log10_complement", &round_to(self.complement.log10(), 6))?;
        s.end()
    }
}

/// Rounds for JSON: the files stay readable and the bytes do not depend on the last
/// bit of a libm function.
fn round_to(x: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (x * scale).round() / scale
}

/// `ln(1 − e^x)` for `x ≤ 0`, accurate at both ends (Mächler 2012, "Accurately
/// computing log(1 − exp(−|a|))", Rmpfr vignette).
#[must_use]
pub fn ln_one_minus_exp(x: f64) -> f64 {
    if x > -LN_2 {
        (-x.exp_m1()).ln()
    } else {
        (-x.exp()).ln_1p()
    }
}

/// `ln P(Z > z)` for a standard normal Z.
#[must_use]
pub fn ln_normal_sf(z: f64) -> f64 {
    if z < 0.0 {
        return ln_one_minus_exp(ln_normal_sf(-z));
    }
    if z <= ASYMPTOTIC_Z {
        return (0.5 * erfc(z / std::f64::consts::SQRT_2)).ln();
    }
    // Q(z) = φ(z)/z · Σ (−1)^n (2n−1)!! / z^{2n}; at z > 20 the terms fall below
    // 1e-16 within eight terms, long before the series starts to diverge (n ≈ z²/2).
    let z2 = z * z;
    let mut term = 1.0;
    let mut sum = 1.0;
    for n in 1..=12 {
        term *= -f64::from(2 * n - 1) / z2;
        sum += term;
    }
    -0.5 * z2 - z.ln() - LN_SQRT_2PI + sum.ln()
}

/// `ln P(Z ≤ z)` for a standard normal Z.
#[must_use]
pub fn ln_normal_cdf(z: f64) -> f64 {
    ln_normal_sf(-z)
}

/// Two-sided p-value of a z statistic: `2 · P(Z > |z|)`.
#[must_use]
pub fn normal_two_sided(z: f64) -> LogProb {
    LogProb::from_ln(LN_2 + ln_normal_sf(z.abs()))
}

/// The standard normal quantile `Φ⁻¹(p)`.
///
/// # Panics
///
/// If `p` is outside (0, 1).
#[must_use]
pub fn normal_quantile(p: f64) -> f64 {
    assert!(p > 0.0 && p < 1.0, "a quantile needs p in (0, 1), got {p}");
    -std::f64::consts::SQRT_2 * statrs::function::erf::erfc_inv(2.0 * p)
}

/// Upper tail `P(X > x)` of a chi-square variable with `df` degrees of freedom:
/// `Q(df/2, x/2)`, the regularised upper incomplete gamma function.
///
/// # Panics
///
/// If `df` is not positive.
#[must_use]
pub fn chi_square_sf(x: f64, df: f64) -> LogProb {
    assert!(df > 0.0, "chi-square needs positive degrees of freedom");
    LogProb::from_ln(ln_gamma_q(0.5 * df, 0.5 * x))
}

/// Two-sided p-value of a t statistic with `df` degrees of freedom:
/// `I_{df/(df+t²)}(df/2, 1/2)`; an infinite `df` is the normal.
///
/// # Panics
///
/// If `df` is not positive.
#[must_use]
pub fn students_t_two_sided(t: f64, df: f64) -> LogProb {
    assert!(df > 0.0, "Student's t needs positive degrees of freedom");
    if df.is_infinite() {
        return normal_two_sided(t);
    }
    let t2 = t * t;
    let x = df / (df + t2);
    let y = t2 / (df + t2);
    LogProb::from_ln(ln_beta_reg(0.5 * df, 0.5, x, y))
}

/// `ln Q(a, x)`, the regularised upper incomplete gamma function.
fn ln_gamma_q(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x < a + 1.0 {
        ln_one_minus_exp(ln_gamma_p_series(a, x))
    } else {
        ln_gamma_q_fraction(a, x)
    }
}

/// `ln P(a, x)` by its power series (converges fast for x < a + 1).
fn ln_gamma_p_series(a: f64, x: f64) -> f64 {
    let mut ap = a;
    let mut del = 1.0 / a;
    let mut sum = del;
    for _ in 0..MAX_ITERATIONS {
        ap += 1.0;
        del *= x / ap;
        sum += del;
        if del.abs() < sum.abs() * EPS {
            break;
        }
    }
    sum.ln() - x + a * x.ln() - ln_gamma(a)
}

/// `ln Q(a, x)` by Legendre's continued fraction, modified Lentz (x ≥ a + 1).
fn ln_gamma_q_fraction(a: f64, x: f64) -> f64 {
    let mut b = x + 1.0 - a;
    let mut c = 1.0 / TINY;
    let mut d = 1.0 / b;
    let mut h = d;
    for i in 1..MAX_ITERATIONS {
        let i = i as f64;
        let an = -i * (i - a);
        b += 2.0;
        d = an * d + b;
        if d.abs() < TINY {
            d = TINY;
        }
        c = b + an / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < EPS {
            break;
        }
    }
    -x + a * x.ln() - ln_gamma(a) + h.ln()
}

/// `ln I_x(a, b)` with `y = 1 − x` passed separately (it is often known exactly).
fn ln_beta_reg(a: f64, b: f64, x: f64, y: f64) -> f64 {
    if x <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if y <= 0.0 {
        return 0.0;
    }
    if x < (a + 1.0) / (a + b + 2.0) {
        a * x.ln() + b * y.ln() - ln_beta(a, b) + beta_fraction(a, b, x).ln() - a.ln()
    } else {
        let other = b * y.ln() + a * x.ln() - ln_beta(a, b) + beta_fraction(b, a, y).ln() - b.ln();
        ln_one_minus_exp(other)
    }
}

/// The continued fraction of the incomplete beta function, modified Lentz.
fn beta_fraction(a: f64, b: f64, x: f64) -> f64 {
    let qab = a + b;
    let qap = a + 1.0;
    let qam = a - 1.0;
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..MAX_ITERATIONS {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < EPS {
            break;
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: f64, expected: f64, rel: f64) {
        assert!(
            (actual - expected).abs() <= rel * expected.abs(),
            "{actual} vs {expected}"
        );
    }

    #[test]
    fn normal_tail_matches_mpmath_deep_into_the_tail() {
        // Reference: mpmath 1.4.1 at 50 digits, log(ncdf(-z)) (the same values as
        // scipy 1.17.1 `norm.logsf`). ln Q(1.959964) = ln 0.025.
        for (z, reference) in [
            (0.0, -std::f64::consts::LN_2),
            (1.959_963_984_540_054, -3.688_879_454_113_936),
            (5.0, -15.064_998_393_988_725),
            (19.9, -201.917_167_707_332_6),
            (20.1, -205.927_118_401_948_25),
            (40.0, -804.608_442_013_753_8),
            (100.0, -5_005.524_208_694_205),
        ] {
            // statrs' erfc is good to ~1e-11 relative; the series beyond z = 20 to 1e-15.
            close(ln_normal_sf(z), reference, 2e-11);
        }
        // Below zero the upper tail approaches 1: ln P(Z > −5) = ln(1 − 2.866516e-7).
        close(ln_normal_sf(-5.0), -2.866_516_129_637_636e-7, 1e-9);
    }

    #[test]
    fn chi_square_tail_matches_scipy_and_mpmath() {
        // scipy 1.17.1 chi2.sf(x, df); deep values from mpmath log(gammainc(df/2,
        // x/2, inf, regularized=True)).
        for (x, df, reference) in [
            (3.841_458_820_694_124, 1.0, 0.05_f64.ln()),
            (1.0, 3.0, 0.801_251_956_901_200_8_f64.ln()),
            (10.0, 4.0, 0.040_427_681_994_512_8_f64.ln()),
            (0.5, 10.0, -6.611_732_418_488_862e-6),
            (700.0, 2.0, -350.0),
            (2_000.0, 5.0, -989.921_550_327_373_5),
        ] {
            close(chi_square_sf(x, df).ln(), reference, 1e-10);
        }
    }

    #[test]
    fn t_tail_matches_scipy_and_mpmath() {
        // scipy 1.17.1 2·t.sf(|t|, df); deep values from mpmath
        // log(betainc(df/2, 1/2, 0, df/(df+t²), regularized=True)).
        for (t, df, reference) in [
            (2.0, 10.0, 0.073_388_034_770_740_37_f64.ln()),
            (-2.228_138_851_986_274, 10.0, 0.05_f64.ln()),
            (0.5, 3.0, 0.651_447_964_848_151_f64.ln()),
            (1.96, 40_000.0, 0.050_002_722_580_970_6_f64.ln()),
            (3.0, 1_000_000.0, 0.002_699_862_541_421_797_f64.ln()),
            (30.0, 20.0, -40.012_584_622_901_3),
            (60.0, 5_000.0, -1_359.860_028_307_177_7),
        ] {
            close(students_t_two_sided(t, df).ln(), reference, 1e-9);
        }
    }

    #[test]
    fn tiny_p_values_print_in_scientific_notation_never_as_zero() {
        let p = LogProb::from_ln(-133.9 * std::f64::consts::LN_10);
        assert!((p.value() / 1.258_925_411_794_176_6e-134 - 1.0).abs() < 1e-12);
        assert_eq!(p.to_string(), "1.3e-134");
        let deeper = LogProb::from_ln(-1_000.0 * std::f64::consts::LN_10);
        assert_eq!(deeper.value(), 0.0);
        assert_eq!(deeper.to_string(), "1.0e-1000");
        assert_eq!(LogProb::from_ln(-f64::MAX).to_string(), "< 1e-100000");
        assert_eq!(LogProb::from_prob(0.021_43).to_string(), "0.0214");
        assert_eq!(LogProb::from_prob(0.5123).to_string(), "0.512");
        assert_eq!(LogProb::from_prob(0.000_321).to_string(), "0.000321");
        assert_eq!(LogProb::from_prob(0.99999).to_string(), "1");
        assert_eq!(LogProb::from_prob(9.97e-6).to_string(), "1.0e-5");
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(json, r#"{"text":"1.3e-134","log10":-133.9}"#);
    }

    #[test]
    fn chance_prints_the_small_side() {
        let near_one = Chance::new(LogProb::from_ln(-1e-40), LogProb::from_ln(-92.1));
        assert_eq!(near_one.to_string(), "1 − 1.0e-40");
        let middling = Chance::new(LogProb::from_prob(0.73), LogProb::from_prob(0.27));
        assert_eq!(middling.to_string(), "0.730");
    }

    #[test]
    fn complement_is_accurate_at_both_ends() {
        close(LogProb::from_prob(1e-20).complement().ln(), -1e-20, 1e-12);
        close(
            LogProb::from_ln(-1e-20).complement().ln(),
            (1e-20f64).ln(),
            1e-12,
        );
    }

    #[test]
    fn quantile_inverts_the_tail() {
        close(normal_quantile(0.975), 1.959_963_984_540_054, 1e-12);
        close(normal_quantile(0.8), 0.841_621_233_572_914_2, 1e-12);
    }
}
