//! The rating scale: slope, noise skew, midpoint and noise that give the target mean, sd, mode
//! and five-star share on the world's own draws. Which movies a user rated does not
//! depend on the scale, so the search re-rounds the same draws
//! ([`RatingDraw::rating`]) instead of generating worlds: each trial is one pass over
//! the ratings.
//!
//! For each slope and noise skew on a grid, the midpoint (secant steps) and the noise
//! (`noise² += sd_target² − sd²`: a rounded normal's variance grows with the noise's)
//! are solved for the mean and sd; the grid point then picks, among those, the scale
//! whose mode and five-star share come closest. The slope sets how much of the
//! latent rating is the experienced utility of what users chose and how much is
//! noise; the skew lengthens the lower tail, which real ratings have (a mode of 4
//! with a mean of 3.5 and few fives).

use crate::data::LogShape;
use crate::scenario::spec::RatingSpec;
use crate::world::RatingDraw;
use crate::world::response::stars;

use super::activity::round_significant;
use super::search::Secant;
use super::statistics::{FIVE_STAR_SHARE, RATING_MEAN, RATING_MODE, RATING_SD};

/// Midpoint and noise trials per slope.
const TRIALS: usize = 12;

/// Slopes tried: 0.1 to 1.5 by 0.1.
const SLOPES: std::ops::RangeInclusive<u32> = 1..=15;

/// Noise skews tried: 0 to 0.6 by 0.1.
const SKEWS: std::ops::RangeInclusive<u32> = 0..=6;

/// Mean, sd, mode and five-star share of the stars of `draws` on `scale`.
fn summary(draws: &[RatingDraw], scale: &RatingSpec) -> [f64; 4] {
    // Half-star buckets 0.5 … 5.0.
    let mut counts = [0u64; 11];
    for d in draws {
        let v = stars(scale, d.rater, d.experienced, d.noise);
        counts[(v * 2.0) as usize] += 1;
    }
    let n = draws.len().max(1) as f64;
    let value = |bucket: usize| bucket as f64 / 2.0;
    let mean = counts
        .iter()
        .enumerate()
        .map(|(b, &c)| value(b) * c as f64)
        .sum::<f64>()
        / n;
    let variance = counts
        .iter()
        .enumerate()
        .map(|(b, &c)| (value(b) - mean).powi(2) * c as f64)
        .sum::<f64>()
        / n;
    // The lowest of equally frequent values, as `LogShape::rating_mode`.
    let mode = (0..counts.len())
        .rev()
        .max_by_key(|&b| counts[b])
        .map_or(0.0, value);
    [mean, variance.sqrt(), mode, counts[10] as f64 / n]
}

/// Midpoint and noise for `slope` that bring the mean and sd closest to the target.
fn solve_for_slope(
    draws: &[RatingDraw],
    scale: &RatingSpec,
    target: &LogShape,
) -> (f64, RatingSpec) {
    let mut scale = scale.clone();
    let mut midpoint = Secant::new(0.9, (-5.0, 10.0), 1.0);
    let mut best = (f64::INFINITY, scale.clone());
    for _ in 0..TRIALS {
        let [mean, sd, ..] = summary(draws, &scale);
        let error = RATING_MEAN
            .tolerance
            .error(mean, target.rating_mean)
            .max(RATING_SD.tolerance.error(sd, target.rating_sd));
        if error < best.0 {
            best = (error, scale.clone());
        }
        let variance = scale.noise_sd.powi(2) + target.rating_sd.powi(2) - sd * sd;
        scale.midpoint =
            round_significant(midpoint.next(scale.midpoint, mean, target.rating_mean), 4);
        scale.noise_sd = round_significant(variance.max(0.05f64.powi(2)).sqrt().min(3.0), 4);
    }
    best
}

/// The scale, starting from `scale` (its probability, offsets and step kept), whose
/// slope, noise skew, midpoint and noise sd (rounded as the scenario writes them) bring the
/// stars' mean, sd, mode and five-star share closest to `target`'s: the largest of
/// the four errors in tolerance units is the smallest. With `keep_shape`, the slope
/// and skew stay `scale`'s and only the midpoint and noise are solved.
#[must_use]
pub fn fit_rating_scale(
    draws: &[RatingDraw],
    scale: &RatingSpec,
    target: &LogShape,
    keep_shape: bool,
) -> RatingSpec {
    if keep_shape {
        return solve_for_slope(draws, scale, target).1;
    }
    let mut best = (f64::INFINITY, scale.clone());
    for (k, j) in SLOPES.flat_map(|k| SKEWS.map(move |j| (k, j))) {
        let candidate = RatingSpec {
            slope: round_significant(f64::from(k) * 0.1, 4),
            noise_skew: round_significant(f64::from(j) * 0.1, 4),
            ..scale.clone()
        };
        let (_, solved) = solve_for_slope(draws, &candidate, target);
        let [mean, sd, mode, five] = summary(draws, &solved);
        let error = [
            RATING_MEAN.tolerance.error(mean, target.rating_mean),
            RATING_SD.tolerance.error(sd, target.rating_sd),
            RATING_MODE.tolerance.error(mode, target.rating_mode),
            FIVE_STAR_SHARE
                .tolerance
                .error(five, target.five_star_share),
        ]
        .into_iter()
        .fold(0.0, f64::max);
        if error < best.0 {
            best = (error, solved);
        }
    }
    best.1
}
