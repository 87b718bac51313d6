//! Early stopping that keeps its error rate: group-sequential boundaries from an
//! alpha-spending function, and always-valid p-values from the mixture SPRT.
//!
//! Looking at a fixed-horizon test every day and stopping at the first p < α rejects
//! a true null far more often than α (Armitage, McPherson & Rowe 1969: 14% for five
//! looks at α = 0.05). Both rules here keep the overall false-positive rate at α:
//!
//! - **Group sequential** (Lan & DeMets 1983): a spending function α(t) says how much
//!   of α may be used up by "time" t ∈ [0, 1]; at look k the boundary c_k is chosen so
//!   that the probability, under no effect, of crossing first at look k is
//!   α(t_k) − α(t_{k−1}). The joint law of the z statistics comes from the
//!   information observed at each look (`Cov(Z_j, Z_k) = √(I_j/I_k)`), and the
//!   crossing probabilities are integrated numerically, one look at a time
//!   (Armitage, McPherson & Rowe 1969; Jennison & Turnbull 2000, ch. 19).
//! - **mSPRT** (Johari, Koomen, Pekelis & Walsh 2017): the likelihood ratio of a
//!   normal mixture of alternatives against no effect is a martingale under the null,
//!   so `p_n = min(1, min_{m ≤ n} 1/Λ_m)` is a p-value valid at every look at once.

use serde::{Deserialize, Serialize};

use super::tail::{LogProb, ln_normal_sf, normal_quantile};

/// Most Simpson intervals of one look's grid.
const MAX_INTERVALS: usize = 4_000;

/// An alpha-spending function of the Lan–DeMets family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Spending {
    /// O'Brien–Fleming-like: each side spends `α_1(t) = 2 − 2 Φ(z_{1−α_1/2} / √t)` of
    /// its one-sided `α_1 = α/2` (the convention of gsDesign's `sfLDOF` and of the
    /// published tables). Spends almost nothing early, so the final look keeps nearly
    /// the fixed-horizon boundary.
    ObrienFleming,
    /// Pocock-like: `α(t) = α ln(1 + (e − 1) t)`. Spends evenly: easier to stop
    /// early, a stricter final boundary.
    Pocock,
}

impl Spending {
    /// Two-sided alpha spent by information time `t` (clamped to [0, 1]).
    #[must_use]
    pub fn spent(self, t: f64, alpha: f64) -> f64 {
        let t = t.clamp(0.0, 1.0);
        if t == 0.0 {
            return 0.0;
        }
        match self {
            Self::ObrienFleming => {
                let z = -normal_quantile(alpha / 4.0);
                4.0 * ln_normal_sf(z / t.sqrt()).exp()
            }
            Self::Pocock => alpha * (1.0 + (std::f64::consts::E - 1.0) * t).ln(),
        }
    }
}

/// Two-sided z boundaries of a group-sequential test: reject at look k when
/// `|Z_k| ≥ c_k` (and no earlier look rejected).
///
/// `information` holds the statistical information at each look so far (any scale,
/// increasing: 1/se² of the estimate), `times` the spending time of each look
/// (e.g. the share of the planned duration elapsed, the last look at 1). A look with
/// nothing left to spend gets an infinite boundary.
///
/// # Panics
///
/// If the slices differ in length, are empty, or information does not increase.
///
/// # References
///
/// Lan & DeMets (1983), "Discrete sequential boundaries for clinical trials",
/// Biometrika 70(3); Jennison & Turnbull (2000), *Group Sequential Methods with
/// Applications to Clinical Trials*, §7.2 and ch. 19 (the numerical integration).
#[must_use]
pub fn boundaries(information: &[f64], times: &[f64], alpha: f64, spending: Spending) -> Vec<f64> {
    assert!(!information.is_empty(), "at least one look");
    assert_eq!(information.len(), times.len(), "one spending time per look");
    assert!(
        information.windows(2).all(|w| w[1] > w[0]) && information[0] > 0.0,
        "information increases from look to look"
    );
    let scale = *information.last().expect("non-empty");
    let info: Vec<f64> = information.iter().map(|i| i / scale).collect();
    let increments: Vec<f64> = info
        .iter()
        .scan(0.0, |prev, &i| {
            let d = (i - *prev).sqrt();
            *prev = i;
            Some(d)
        })
        .collect();
    // Grid spacing: a tenth of the narrowest increment's sd keeps Simpson's rule
    // accurate to ~1e-7 on these smooth Gaussian integrands.
    let h = increments.iter().copied().fold(f64::INFINITY, f64::min) / 10.0;
    let mut spent_before = 0.0;
    let mut bounds = Vec::with_capacity(info.len());
    let mut grid: Option<Grid> = None;
    for (k, &i_k) in info.iter().enumerate() {
        let spent = spending.spent(times[k], alpha).max(spent_before);
        let target = spent - spent_before;
        let sd = increments[k];
        let c = match &grid {
            None => {
                // From the lower tail: an early look of many spends as little as
                // 1e-35, and 1 − 1e-35 is 1 in floating point.
                if target <= 0.0 {
                    f64::INFINITY
                } else {
                    -normal_quantile(target / 2.0)
                }
            }
            Some(g) => solve_boundary(g, i_k.sqrt(), sd, target),
        };
        bounds.push(c);
        spent_before = spent;
        // The density of S_k = Z_k √I_k on the region where the test goes on.
        let half_width = if c.is_finite() { c } else { 12.0 } * i_k.sqrt();
        grid = Some(match grid {
            None => Grid::first(half_width, sd, h),
            Some(g) => g.step(half_width, sd, h),
        });
    }
    bounds
}

/// A density on `[−b, b]` sampled at an odd number of evenly spaced points.
struct Grid {
    points: Vec<f64>,
    /// Density times Simpson weight times spacing: the mass of each point.
    mass: Vec<f64>,
}

fn simpson_weights(m: usize, h: f64) -> Vec<f64> {
    (0..m)
        .map(|j| {
            let w = if j == 0 || j == m - 1 {
                1.0
            } else if j % 2 == 1 {
                4.0
            } else {
                2.0
            };
            w * h / 3.0
        })
        .collect()
}

fn normal_pdf(x: f64, sd: f64) -> f64 {
    const INV_SQRT_2PI: f64 = 0.398_942_280_401_432_7;
    INV_SQRT_2PI / sd * (-0.5 * (x / sd).powi(2)).exp()
}

impl Grid {
    fn points(b: f64, h: f64) -> (Vec<f64>, f64) {
        // At most 4,000 intervals: a look whose information barely grew would ask for
        // a grid finer than the quadrature needs, and its cost is quadratic.
        let intervals = ((2.0 * b / h).ceil() as usize).clamp(2, MAX_INTERVALS);
        let intervals = intervals + intervals % 2;
        let step = 2.0 * b / intervals as f64;
        (
            (0..=intervals).map(|j| -b + j as f64 * step).collect(),
            step,
        )
    }

    fn first(b: f64, sd: f64, h: f64) -> Self {
        let (points, step) = Self::points(b, h);
        let weights = simpson_weights(points.len(), step);
        let mass = points
            .iter()
            .zip(&weights)
            .map(|(&s, w)| normal_pdf(s, sd) * w)
            .collect();
        Self { points, mass }
    }

    fn step(&self, b: f64, sd: f64, h: f64) -> Self {
        let (points, step) = Self::points(b, h);
        let weights = simpson_weights(points.len(), step);
        let mass = points
            .iter()
            .zip(&weights)
            .map(|(&u, w)| {
                let density: f64 = self
                    .points
                    .iter()
                    .zip(&self.mass)
                    .map(|(&s, m)| m * normal_pdf(u - s, sd))
                    .sum();
                density * w
            })
            .collect();
        Self { points, mass }
    }

    /// Probability of going on to this look and then |S| ≥ bound.
    fn exit(&self, bound: f64, sd: f64) -> f64 {
        self.points
            .iter()
            .zip(&self.mass)
            .map(|(&s, m)| {
                m * (ln_normal_sf((bound - s) / sd).exp() + ln_normal_sf((bound + s) / sd).exp())
            })
            .sum()
    }
}

fn solve_boundary(grid: &Grid, sqrt_info: f64, sd: f64, target: f64) -> f64 {
    if target <= 0.0 {
        return f64::INFINITY;
    }
    let (mut lo, mut hi) = (0.0, 40.0);
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if grid.exit(mid * sqrt_info, sd) > target {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-10 {
            break;
        }
    }
    0.5 * (lo + hi)
}

/// The always-valid p-value of the mixture SPRT after each look.
///
/// At each look the estimate `θ̂` (treatment − control) has variance `V`; with a
/// normal mixing distribution `N(0, τ²)` over alternatives the likelihood ratio is
///
/// ```text
/// Λ = √(V / (V + τ²)) · exp(τ² θ̂² / (2 V (V + τ²)))
/// p_n = min(1, p_{n−1}, 1/Λ_n)
/// ```
///
/// Rejecting when `p_n < α` at any look keeps the false-positive rate at α however
/// often one looks. Each look is `(estimate, variance, tau²)`; τ may change between
/// looks (it is set relative to the control mean).
///
/// # References
///
/// Johari, Koomen, Pekelis & Walsh (2017), "Peeking at A/B tests: why it matters,
/// and what to do about it", KDD, §4; Robbins (1970), "Statistical methods related to
/// the law of the iterated logarithm", Annals of Mathematical Statistics 41(5).
#[must_use]
pub fn msprt_p_values(looks: &[(f64, f64, f64)]) -> Vec<LogProb> {
    let mut running = 0.0f64;
    looks
        .iter()
        .map(|&(estimate, variance, tau2)| {
            if variance > 0.0 && tau2 > 0.0 {
                let ln_lambda = 0.5 * (variance / (variance + tau2)).ln()
                    + tau2 * estimate * estimate / (2.0 * variance * (variance + tau2));
                running = running.min(-ln_lambda);
            }
            LogProb::from_ln(running)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn obrien_fleming_spending_matches_gsdesign() {
        // gsDesign: gsDesign(k = 5, test.type = 2, alpha = 0.025, sfu = sfLDOF) upper
        // bounds 4.8769 3.3569 2.6803 2.2898 2.0310; recomputed with scipy 1.17.1
        // (multivariate_normal.cdf with Cov(Z_j, Z_k) = √(j/k), each c_k solved by
        // brentq so that P(all |Z_j| < c_j, j ≤ k) = 1 − α(t_k)): 4.876885, 3.357012,
        // 2.680280, 2.289817, 2.031032.
        let info = [1.0, 2.0, 3.0, 4.0, 5.0];
        let times = [0.2, 0.4, 0.6, 0.8, 1.0];
        let c = boundaries(&info, &times, 0.05, Spending::ObrienFleming);
        for (got, want) in c.iter().zip([4.8769, 3.3569, 2.6803, 2.2898, 2.0310]) {
            assert!((got - want).abs() < 2e-4, "{c:?}");
        }
    }

    #[test]
    fn pocock_spending_matches_gsdesign() {
        // gsDesign: gsDesign(k = 5, test.type = 2, alpha = 0.025, sfu = sfLDPocock)
        // upper bounds 2.4380 2.4268 2.4101 2.3966 2.3860; scipy as above: 2.437977,
        // 2.426814, 2.410194, 2.396645, 2.385985.
        let info = [1.0, 2.0, 3.0, 4.0, 5.0];
        let times = [0.2, 0.4, 0.6, 0.8, 1.0];
        let c = boundaries(&info, &times, 0.05, Spending::Pocock);
        for (got, want) in c.iter().zip([2.4380, 2.4268, 2.4101, 2.3966, 2.3859]) {
            assert!((got - want).abs() < 2e-4, "{c:?}");
        }
    }

    #[test]
    fn many_looks_start_with_a_boundary_far_in_the_tail() {
        // Thirty equal looks: look 1 spends α_1 = 4·Q(z_{0.9875}·√30) = 4·Q(12.27667)
        // = 2.4175e-34, so c_1 solves 2·Q(c) = α_1: c_1 = 12.2204481 (mpmath 1.4.1,
        // findroot at 40 digits) — computed from the lower tail, since 1 − 1.2e-34
        // rounds to 1.
        let info: Vec<f64> = (1..=30).map(f64::from).collect();
        let times: Vec<f64> = (1..=30).map(|k| f64::from(k) / 30.0).collect();
        let c = boundaries(&info, &times, 0.05, Spending::ObrienFleming);
        assert!((c[0] - 12.220_448_137).abs() < 1e-6, "{c:?}");
        assert!(c.windows(2).all(|w| w[1] < w[0]), "{c:?}");
        assert!(c[29] > 1.96 && c[29] < 2.2, "{c:?}");
    }

    #[test]
    fn one_look_is_the_fixed_horizon_test() {
        let c = boundaries(&[7.0], &[1.0], 0.05, Spending::ObrienFleming);
        assert!((c[0] - 1.959_963_985).abs() < 1e-8);
    }

    #[test]
    fn uneven_information_and_skipped_looks() {
        // Information growing faster than calendar time, spending on calendar time;
        // a look at t = 0 spends nothing and gets no boundary.
        let c = boundaries(
            &[0.5, 2.0, 3.0, 3.5],
            &[0.0, 0.5, 0.75, 1.0],
            0.05,
            Spending::ObrienFleming,
        );
        // scipy 1.17.1, the multivariate-normal check above with Cov = √(I_j/I_k):
        // ∞, 2.962588, 2.359018, 1.986948.
        assert!(c[0].is_infinite());
        for (got, want) in c[1..].iter().zip([2.962_588, 2.359_018, 1.986_948]) {
            assert!((got - want).abs() < 2e-4, "{c:?}");
        }
    }

    #[test]
    fn msprt_matches_the_closed_form_and_never_rises() {
        // θ̂ = 0.02, V = 1e-4, τ² = 4e-4: ln Λ = ½ ln(0.2) + 4e-4·4e-4/(2·1e-4·5e-4)
        // = −0.8047190 + 1.6 = 0.7952810 → p = e^−0.795281 = 0.4514543 (Python 3.11).
        let p = msprt_p_values(&[(0.02, 1e-4, 4e-4), (0.0, 5e-5, 4e-4), (0.05, 2e-5, 4e-4)]);
        assert!(
            (p[0].value() - 0.451_454_338_66).abs() < 1e-10,
            "{}",
            p[0].value()
        );
        assert_eq!(p[1], p[0]);
        assert!(p[2] < p[1]);
    }
}
