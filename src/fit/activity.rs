//! Ratings per user: the truncated log-normal that reproduces a log's activity.
//!
//! The warm-up count of a user *is* a draw of the activity distribution, so this part
//! of the fit needs no simulation: each user of the fitted world sits at a quantile
//! of the activity distribution that does not depend on its parameters (the uniform
//! draw of their own random stream, [`UserTaste::activity_quantile`]), so candidate
//! distributions are scored on exactly the counts the world will give its users,
//! through the very function that draws them (`Activity::log_normal_count`); and the median and sigma are chosen to make those
//! counts' median, p99, Gini and power share meet the log's (the power share within
//! 20% or 0.02: the check only asks that the segment exists, and a log-normal cannot always
//! meet all four at once), by a grid search refined
//! three times around its best point. The bounds are the log's own fewest and most
//! ratings per user (MovieLens keeps only users with at least 20).

use serde::Serialize;

use crate::data::{LogShape, Quantiles, SegmentThresholds};
use crate::eval::gini;
use crate::scenario::spec::{ActivitySpec, PopulationSpec};
#[cfg(doc)]
use crate::world::UserTaste;
use crate::world::population::Activity;

use super::statistics::{POWER_SHARE, Statistic, Tolerance, USER_GINI, USER_MEDIAN, USER_P99};

/// Users scored per candidate: every user up to this many, else an evenly spaced
/// subset of them (sorted by quantile), so the search stays within a second.
const MAX_POINTS: usize = 2_000;

/// The fitted activity distribution.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ActivityFit {
    /// Median of the untruncated log-normal.
    pub median: f64,
    /// Its log-scale sigma.
    pub sigma: f64,
    /// Fewest ratings per user (the log's).
    pub min: usize,
    /// Most ratings per user: between the log's p99 and its most active user (and at
    /// most the catalogue's size).
    pub max: usize,
    /// The largest error, in tolerance units, of the four statistics on the evenly
    /// spaced quantiles.
    pub error: f64,
}

impl ActivityFit {
    /// The scenario's activity setting.
    #[must_use]
    pub fn spec(&self) -> ActivitySpec {
        ActivitySpec::LogNormal {
            median: self.median,
            sigma: self.sigma,
            min: self.min,
            max: self.max,
            thresholds: SegmentThresholds::default(),
        }
    }
}

/// The four statistics of a sorted count vector, in [`TARGETS`] order.
fn statistics(counts: &[u64]) -> [f64; 4] {
    let q = Quantiles::of_sorted(counts);
    let power_from = SegmentThresholds::default().power_from as u64;
    let power = counts.iter().filter(|&&c| c >= power_from).count();
    [
        q.p50,
        q.p99,
        gini(counts),
        power as f64 / counts.len() as f64,
    ]
}

/// The statistics the activity is fitted to.
const TARGETS: [Statistic; 4] = [USER_MEDIAN, USER_P99, USER_GINI, POWER_SHARE];

/// The tolerance each of [`TARGETS`] is aimed at.
const AIMS: [Tolerance; 4] = [
    USER_MEDIAN.tolerance,
    USER_P99.tolerance,
    USER_GINI.tolerance,
    // A few users either way is no miss: 20% of a 1.5% share is one user in 300.
    Tolerance::RelativeOrAbsolute(0.2, 0.02),
];

/// Fits the activity of a log with `shape` and fewest ratings per user `min` to a
/// catalogue of `n_movies` and users at `quantiles` (their activity quantiles; evenly
/// spaced ones when empty), rounded to what the scenario file writes (4 significant
/// digits) and scored as rounded.
#[must_use]
pub fn fit_activity(
    shape: &LogShape,
    min: usize,
    n_movies: usize,
    quantiles: &[f64],
) -> ActivityFit {
    let max = (shape.user_quantiles.max as usize)
        .min(n_movies)
        .max(min.max(1));
    let min = min.max(1).min(max);
    let mut points: Vec<f64> = if quantiles.is_empty() {
        let n = shape.n_users.clamp(1, MAX_POINTS);
        (0..n).map(|i| (i as f64 + 0.5) / n as f64).collect()
    } else {
        quantiles.to_vec()
    };
    points.sort_unstable_by(f64::total_cmp);
    if points.len() > MAX_POINTS {
        let stride = points.len() as f64 / MAX_POINTS as f64;
        points = (0..MAX_POINTS)
            .map(|i| points[((i as f64 + 0.5) * stride) as usize])
            .collect();
    }
    let targets: Vec<Option<f64>> = TARGETS.iter().map(|s| (s.value)(shape)).collect();
    let population = PopulationSpec::default();
    let score = |median: f64, sigma: f64, max: usize| -> f64 {
        let spec = ActivitySpec::LogNormal {
            median,
            sigma,
            min,
            max,
            thresholds: SegmentThresholds::default(),
        };
        let activity = Activity::new(&spec, &population, n_movies);
        let counts: Vec<u64> = points
            .iter()
            .map(|&u| activity.log_normal_count(u) as u64)
            .collect();
        let values = statistics(&counts);
        AIMS.iter()
            .zip(&targets)
            .zip(values)
            .filter_map(|((aim, t), v)| t.map(|t| aim.error(v, t)))
            .fold(0.0, f64::max)
    };
    // Search ln(median), sigma and ln(max) on a grid, then thrice on a finer grid
    // around the best. The upper bound is free below the log's most active user: real
    // logs thin out faster at the very top than a log-normal (a collection window
    // caps how much one person can rate), and a lower cap reproduces that.
    let lowest_max = (shape.user_quantiles.p99.ceil() as usize).clamp(min, max);
    let (ln_max_lo, ln_max_hi) = ((lowest_max as f64).ln(), (max as f64).ln());
    let mut centre = (shape.user_quantiles.p50.max(1.0).ln(), 1.0, ln_max_hi);
    let mut spans = (2.5, 1.5, ln_max_hi - ln_max_lo);
    let mut best = (f64::INFINITY, 0.0, 0.0, max);
    for _ in 0..4 {
        let steps = 14;
        let at = |c: f64, span: f64, k: usize| c + span * (2.0 * k as f64 / steps as f64 - 1.0);
        let (cm, cs, cx) = centre;
        for i in 0..=steps {
            for j in 0..=steps {
                for k in 0..=steps / 2 {
                    let m = round_significant(at(cm, spans.0, i).exp(), 4);
                    let s = round_significant(at(cs, spans.1, j).clamp(0.05, 4.0), 4);
                    let x = at(cx, spans.2, 2 * k).clamp(ln_max_lo, ln_max_hi);
                    let x = (x.exp().round() as usize).clamp(lowest_max, max);
                    let e = score(m, s, x);
                    if e < best.0 {
                        best = (e, m, s, x);
                    }
                }
            }
        }
        centre = (best.1.ln(), best.2, (best.3 as f64).ln());
        spans = (spans.0 / 5.0, spans.1 / 5.0, spans.2 / 5.0);
    }
    let (error, median, sigma, max) = best;
    ActivityFit {
        median,
        sigma,
        min,
        max,
        error,
    }
}

/// `x` rounded to `digits` significant digits, as the scenario file writes it.
pub(super) fn round_significant(x: f64, digits: i32) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let scale = 10f64.powi(digits - 1 - x.abs().log10().floor() as i32);
    (x * scale).round() / scale
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_to_significant_digits() {
        assert_eq!(round_significant(123.456, 4), 123.5);
        assert_eq!(round_significant(0.012345, 3), 0.0123);
        assert_eq!(round_significant(0.0, 4), 0.0);
    }
}
