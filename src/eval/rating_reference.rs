//! Reference rating predictors that every arm's RMSE is read against: the global
//! mean, the bias baseline, and — in a generated world — the truth itself.

use statrs::distribution::{ContinuousCDF, Normal};

use crate::ids::{MovieId, UserId};
use crate::interaction::Interaction;
use crate::world::context::{DayType, Daypart};
use crate::world::{Situation, World};

/// Damping of item and user biases (Koren 2010 uses λ₂ = 25, λ₃ = 10; recolab uses
/// 10 for both, which suits logs of a few hundred thousand ratings).
pub const BIAS_DAMPING: f64 = 10.0;

/// The baseline predictor `r̂(u, i) = μ + b_u + b_i` with damped biases, fitted in
/// closed form (items first, then users), clamped to the observed rating range.
///
/// ```text
/// b_i = Σ_{u ∈ R(i)} (r_ui − μ) / (λ + |R(i)|)
/// b_u = Σ_{i ∈ R(u)} (r_ui − μ − b_i) / (λ + |R(u)|)
/// ```
///
/// # References
///
/// Koren (2010), "Factor in the neighbors: scalable and accurate collaborative
/// filtering", ACM TKDD 4(1), §2.1.
#[derive(Clone, Debug, PartialEq)]
pub struct BiasBaseline {
    mean: f64,
    user_bias: Vec<f64>,
    item_bias: Vec<f64>,
    min: f64,
    max: f64,
}

impl BiasBaseline {
    /// Fits on `ratings`; users and items are dense ids below `n_users`, `n_items`.
    #[must_use]
    pub fn fit(ratings: &[Interaction], n_users: usize, n_items: usize) -> Self {
        let n = ratings.len().max(1) as f64;
        let mean = ratings.iter().map(|r| f64::from(r.value)).sum::<f64>() / n;
        let (min, max) = ratings.iter().fold((f64::MAX, f64::MIN), |(lo, hi), r| {
            (lo.min(f64::from(r.value)), hi.max(f64::from(r.value)))
        });
        let mut sum = vec![0.0; n_items];
        let mut count = vec![0.0; n_items];
        for r in ratings {
            sum[r.movie.index()] += f64::from(r.value) - mean;
            count[r.movie.index()] += 1.0;
        }
        let item_bias: Vec<f64> = sum
            .iter()
            .zip(&count)
            .map(|(s, c)| s / (BIAS_DAMPING + c))
            .collect();
        let mut sum = vec![0.0; n_users];
        let mut count = vec![0.0; n_users];
        for r in ratings {
            sum[r.user.index()] += f64::from(r.value) - mean - item_bias[r.movie.index()];
            count[r.user.index()] += 1.0;
        }
        let user_bias = sum
            .iter()
            .zip(&count)
            .map(|(s, c)| s / (BIAS_DAMPING + c))
            .collect();
        Self {
            mean,
            user_bias,
            item_bias,
            min: if ratings.is_empty() { mean } else { min },
            max: if ratings.is_empty() { mean } else { max },
        }
    }

    /// The global mean rating μ.
    #[must_use]
    pub fn mean(&self) -> f64 {
        self.mean
    }

    /// `μ + b_u + b_i`, clamped to the training ratings' range.
    #[must_use]
    pub fn predict(&self, user: UserId, movie: MovieId) -> f64 {
        (self.mean + self.user_bias[user.index()] + self.item_bias[movie.index()])
            .clamp(self.min, self.max)
    }
}

/// Probability of each star 1–5 of `round(clamp(μ + σ ε))`, ε ~ N(0, 1): the
/// generated world's rating rule (`ResponseModel`, warm-up history).
///
/// ```text
/// P(1) = Φ((1.5 − μ)/σ),  P(r) = Φ((r + ½ − μ)/σ) − Φ((r − ½ − μ)/σ),  P(5) = 1 − Φ((4.5 − μ)/σ)
/// ```
#[must_use]
pub fn rating_distribution(mu: f64, sigma: f64) -> [f64; 5] {
    let cdf = |x: f64| {
        if sigma > 0.0 {
            Normal::new(mu, sigma).expect("sigma > 0 and finite").cdf(x)
        } else if x > mu {
            1.0
        } else {
            0.0
        }
    };
    let edges = [1.5, 2.5, 3.5, 4.5].map(cdf);
    [
        edges[0],
        edges[1] - edges[0],
        edges[2] - edges[1],
        edges[3] - edges[2],
        1.0 - edges[3],
    ]
}

/// The true rating distribution of a generated world's warm-up ratings.
#[derive(Clone, Copy, Debug)]
pub struct RatingTruth<'a> {
    world: &'a World,
}

impl<'a> RatingTruth<'a> {
    /// The truth of `world`.
    #[must_use]
    pub fn new(world: &'a World) -> Self {
        Self { world }
    }

    /// Mean and variance of the stars `user` gives `movie` in the warm-up's neutral
    /// situation (weekday evening, first request, no fatigue). The mean is the best
    /// possible prediction; the mean variance over test ratings is the noise floor of
    /// the squared error no recommender can beat.
    #[must_use]
    pub fn moments(&self, user: UserId, movie: MovieId) -> (f64, f64) {
        let w = self.world;
        let neutral = Situation {
            daypart: Daypart::Evening,
            day_type: DayType::Weekday,
            session_position: 1,
            recent_genre_counts: &[],
            fatigue_window: 0,
        };
        let taste = &w.tastes[user.index()];
        let u = w
            .response
            .utility(&w.catalogue, &w.movie_truth, taste, movie, &neutral);
        let e = w.response.experienced(u, &w.movie_truth[movie.index()]);
        let p = rating_distribution(
            w.response.latent_rating(e, taste.rating_bias),
            w.response.spec().rating.noise_sd,
        );
        let mean: f64 = p.iter().zip(1..).map(|(p, r)| p * f64::from(r)).sum();
        let variance: f64 = p
            .iter()
            .zip(1..)
            .map(|(p, r)| p * (f64::from(r) - mean).powi(2))
            .sum();
        (mean, variance)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rating(user: u32, movie: u32, value: f32) -> Interaction {
        Interaction::rating(UserId(user), MovieId(movie), value, 0)
    }

    #[test]
    fn bias_baseline_hand_computed() {
        // μ = 3; item 0: (+2 + 0) / (10 + 2) = 1/6; item 1: (−2) / 11.
        let ratings = [rating(0, 0, 5.0), rating(1, 0, 3.0), rating(1, 1, 1.0)];
        let b = BiasBaseline::fit(&ratings, 2, 2);
        assert_eq!(b.mean(), 3.0);
        // User 0: (5 − 3 − 1/6) / 11.
        let expected = 3.0 + (2.0 - 1.0 / 6.0) / 11.0 + 1.0 / 6.0;
        assert!((b.predict(UserId(0), MovieId(0)) - expected).abs() < 1e-12);
    }

    #[test]
    fn rating_distribution_sums_to_one_and_is_symmetric_about_three() {
        let p = rating_distribution(3.0, 0.5);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!((p[0] - p[4]).abs() < 1e-12 && (p[1] - p[3]).abs() < 1e-12);
        // P(2.5 ≤ x < 3.5) = Φ(1) − Φ(−1) = 0.682689 (68–95–99.7 rule).
        assert!((p[2] - 0.682_689_5).abs() < 1e-6, "{}", p[2]);
        assert_eq!(rating_distribution(4.2, 0.0), [0.0, 0.0, 0.0, 1.0, 0.0]);
    }
}
