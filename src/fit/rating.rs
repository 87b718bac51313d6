//! The rating scale: midpoint and noise that give the target mean and sd on the
//! world's own draws. Which movies a user rated does not depend on the scale, so the
//! search re-rounds the same draws ([`RatingDraw::rating`]) instead of generating
//! worlds: each trial is one pass over the ratings.

use crate::scenario::spec::RatingSpec;
use crate::world::RatingDraw;
use crate::world::response::stars;

use super::activity::round_significant;
use super::search::Secant;

/// Trials of the scale on the draws.
const TRIALS: usize = 40;

/// Population mean and sd of the stars of `draws` on `scale`.
fn mean_sd(draws: &[RatingDraw], scale: &RatingSpec) -> (f64, f64) {
    let (mut sum, mut squares) = (0.0, 0.0);
    for d in draws {
        let v = f64::from(stars(scale, d.experienced, d.rating_bias, d.noise));
        sum += v;
        squares += v * v;
    }
    let n = draws.len().max(1) as f64;
    let mean = sum / n;
    (mean, (squares / n - mean * mean).max(0.0).sqrt())
}

/// The scale, starting from `scale`, whose midpoint and noise sd (rounded to 4
/// significant digits, as the scenario writes them) bring the stars' mean and sd
/// closest to the targets: the midpoint by secant steps, the noise by
/// `noise² += sd_target² − sd²` (a rounded normal's variance grows with the noise's).
#[must_use]
pub fn fit_rating_scale(
    draws: &[RatingDraw],
    scale: &RatingSpec,
    mean: f64,
    sd: f64,
) -> RatingSpec {
    let mut scale = scale.clone();
    let mut midpoint = Secant::new(0.9, (-5.0, 10.0), 1.0);
    let mut best = (f64::INFINITY, scale.clone());
    for _ in 0..TRIALS {
        let (m, s) = mean_sd(draws, &scale);
        let error = ((m - mean) / mean).abs().max(((s - sd) / sd).abs());
        if error < best.0 {
            best = (error, scale.clone());
        }
        scale.midpoint = round_significant(midpoint.next(scale.midpoint, m, mean), 4);
        let variance = scale.noise_sd.powi(2) + sd * sd - s * s;
        scale.noise_sd = round_significant(variance.max(0.05f64.powi(2)).sqrt().min(3.0), 4);
    }
    best.1
}
