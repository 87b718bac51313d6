//! Users: the public part (id, segment) and the hidden tastes.

use rand::RngExt;
use rand::distr::Distribution;
use rand::distr::weighted::WeightedIndex;
use rand_distr::{Beta, Normal, StandardNormal};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::data::SegmentThresholds;
use crate::ids::UserId;
use crate::rng::ChaCha8Rng;
use crate::rng::{Purpose, SeedTree};
use crate::scenario::Scenario;
use crate::scenario::spec::{ActivitySpec, PopulationSpec, SegmentSpec};
use crate::world::response::Rater;
use statrs::distribution::{ContinuousCDF, Normal as StatrsNormal};

/// A user's activity segment, as the plan names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Segment {
    /// Little history.
    ColdStart,
    /// Ordinary activity.
    Regular,
    /// Heavy use.
    Power,
}

impl Segment {
    /// All segments in report order.
    pub const ALL: [Segment; 3] = [Segment::ColdStart, Segment::Regular, Segment::Power];

    /// Snake-case name for reports.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Segment::ColdStart => "cold_start",
            Segment::Regular => "regular",
            Segment::Power => "power",
        }
    }
}

/// A user as production sees them.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct User {
    /// Its id (index in the population).
    pub id: UserId,
    /// Activity segment.
    pub segment: Segment,
}

/// All users, indexed by [`UserId`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Population {
    /// The users; `users[i].id == UserId(i)`.
    pub users: Vec<User>,
}

impl Population {
    /// Number of users.
    #[must_use]
    pub fn len(&self) -> usize {
        self.users.len()
    }

    /// Whether there are no users (validation forbids it).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }
}

/// What only the simulator knows about a user.
#[derive(Clone, Debug, PartialEq)]
pub struct UserTaste {
    /// Hidden taste factors (same space as movie factors).
    pub factors: Vec<f64>,
    /// Affinity per genre.
    pub genre_affinity: Vec<f64>,
    /// Appetite for unknown movies, in [0, 1].
    pub novelty_appetite: f64,
    /// How strongly context shifts tastes, in [0, 1].
    pub context_sensitivity: f64,
    /// Mean visits per simulated day.
    pub visits_per_day: f64,
    /// Whether the user loves niche genres.
    pub niche_lover: bool,
    /// Number of ratings the user made before day 0.
    pub activity: usize,
    /// Where in the activity distribution the user sits: the uniform draw whose
    /// inverse CDF is `activity` (`activity: LogNormal` only). `recolab fit` scores
    /// candidate distributions on the population's own draws.
    pub activity_quantile: Option<f64>,
    /// Stars the user adds to every rating (generous > 0, harsh < 0).
    pub rating_bias: f64,
    /// The step of the user's stars: 1.0, or 0.5 for a user of a half-star scale
    /// who uses half stars.
    pub rating_step: f64,
}

impl UserTaste {
    /// How the user rates.
    #[must_use]
    pub fn rater(&self) -> Rater {
        Rater {
            bias: self.rating_bias,
            step: self.rating_step,
        }
    }
}

/// The scenario settings of a segment.
#[must_use]
pub fn segment_spec(spec: &PopulationSpec, segment: Segment) -> &SegmentSpec {
    match segment {
        Segment::ColdStart => &spec.segments.cold_start,
        Segment::Regular => &spec.segments.regular,
        Segment::Power => &spec.segments.power,
    }
}

/// Generates the population and its hidden tastes.
///
/// # Determinism
///
/// User `i` draws only from stream `(Population, i)`, in this order: the segment
/// (with `activity: Segments` only), taste factors, niche-lover coin, genre
/// affinities, activity spread, novelty appetite, context sensitivity, warm-up count,
/// rating bias, and on a half-star scale whether the user uses half stars. Parallel,
/// collected in id order.
pub(crate) fn generate(scenario: &Scenario, seeds: &SeedTree) -> (Population, Vec<UserTaste>) {
    let spec = scenario.spec();
    let pop = &spec.population;
    let activity = Activity::new(&pop.activity, pop, spec.catalogue.n_movies);
    let appetite = Beta::new(pop.novelty_appetite.a, pop.novelty_appetite.b)
        .expect("validation: beta parameters > 0");
    let sensitivity = Beta::new(pop.context_sensitivity.a, pop.context_sensitivity.b)
        .expect("validation: beta parameters > 0");
    let affinity = Normal::new(0.0, pop.genre_affinity_sd).expect("validation: sd ≥ 0");
    let rating_bias =
        Normal::new(0.0, spec.response.rating.user_bias_sd).expect("validation: sd ≥ 0");
    let niche: Vec<bool> = spec
        .catalogue
        .genres
        .iter()
        .map(|g| spec.catalogue.niche_genres.contains(&g.name))
        .collect();
    let n_factors = spec.catalogue.n_factors;
    let scale = &spec.response.rating;
    let drawn: Vec<(User, UserTaste)> = (0..pop.n_users)
        .into_par_iter()
        .map(|i| {
            let mut rng = seeds.stream(Purpose::Population, i as u64);
            let drawn_segment = activity.draw_segment(&mut rng);
            let factors = (0..n_factors).map(|_| rng.sample(StandardNormal)).collect();
            let niche_lover = rng.random_bool(pop.niche_lover_share);
            let genre_affinity = niche
                .iter()
                .map(|&is_niche| {
                    let base = affinity.sample(&mut rng);
                    if niche_lover && is_niche {
                        base + pop.niche_lover_boost
                    } else {
                        base
                    }
                })
                .collect();
            // Activity varies within a segment: a log-normal multiplier with median 1.
            let spread: f64 = rng.sample(StandardNormal);
            let novelty_appetite = appetite.sample(&mut rng);
            let context_sensitivity = sensitivity.sample(&mut rng);
            let (segment, n_ratings, activity_quantile) =
                activity.draw_count(drawn_segment, &mut rng);
            let taste = UserTaste {
                factors,
                genre_affinity,
                novelty_appetite,
                context_sensitivity,
                visits_per_day: segment_spec(pop, segment).visits_per_day * (0.3 * spread).exp(),
                niche_lover,
                activity: n_ratings,
                activity_quantile,
                rating_bias: rating_bias.sample(&mut rng),
                // Drawn last (fields are evaluated in order), and only on a half-star
                // scale: whole-star worlds keep every draw they had before.
                rating_step: if scale.step < 1.0 && rng.random_bool(scale.half_star_users) {
                    scale.step
                } else {
                    1.0
                },
            };
            let id = UserId(u32::try_from(i).expect("validation caps n_users at u32"));
            (User { id, segment }, taste)
        })
        .collect();
    let (users, tastes) = drawn.into_iter().unzip();
    (Population { users }, tastes)
}

/// The validated activity model: how many warm-up ratings a user has.
pub(crate) enum Activity<'a> {
    LogNormal {
        mu: f64,
        sigma: f64,
        /// Φ of the standardised bounds: the inverse CDF draws uniformly between them.
        cdf_min: f64,
        cdf_max: f64,
        min: usize,
        max: usize,
        thresholds: SegmentThresholds,
    },
    Segments {
        pop: &'a PopulationSpec,
        index: WeightedIndex<f64>,
    },
}

impl<'a> Activity<'a> {
    pub(crate) fn new(spec: &ActivitySpec, pop: &'a PopulationSpec, n_movies: usize) -> Self {
        match *spec {
            ActivitySpec::LogNormal {
                median,
                sigma,
                min,
                max,
                thresholds,
            } => {
                let max = max.min(n_movies);
                let min = min.min(max);
                let mu = median.ln();
                let std = StatrsNormal::standard();
                // Integer counts come from rounding down a continuous draw in
                // [min, max + 1), so each count keeps its own probability mass.
                let z = |x: f64| {
                    if sigma > 0.0 {
                        (x.ln() - mu) / sigma
                    } else if x.ln() < mu {
                        f64::NEG_INFINITY
                    } else {
                        f64::INFINITY
                    }
                };
                Self::LogNormal {
                    mu,
                    sigma,
                    cdf_min: std.cdf(z(min.max(1) as f64)),
                    cdf_max: std.cdf(z(max as f64 + 1.0)),
                    min,
                    max,
                    thresholds,
                }
            }
            ActivitySpec::Segments => Self::Segments {
                pop,
                index: WeightedIndex::new(Segment::ALL.iter().map(|&s| segment_spec(pop, s).share))
                    .expect("validation: segment shares are ≥ 0 and sum to 1"),
            },
        }
    }

    /// The warm-up count at `u ∈ [0, 1)` of the truncated log-normal's distribution
    /// function: the inverse-CDF draw, so `u` uniform gives a draw and `u = (i + ½)/n`
    /// gives the i-th of n evenly spaced quantiles (`recolab fit` uses those).
    ///
    /// # Panics
    ///
    /// With `activity: Segments`, which has no single distribution.
    pub(crate) fn log_normal_count(&self, u: f64) -> usize {
        let Self::LogNormal {
            mu,
            sigma,
            cdf_min,
            cdf_max,
            min,
            max,
            ..
        } = self
        else {
            panic!("log_normal_count needs activity: LogNormal");
        };
        if cdf_max > cdf_min {
            let p = cdf_min + u * (cdf_max - cdf_min);
            let z = StatrsNormal::standard().inverse_cdf(p.clamp(1e-300, 1.0 - 1e-16));
            ((mu + sigma * z).exp().floor() as usize).clamp(*min, *max)
        } else {
            // σ = 0 or a median outside the bounds: every draw is the bound.
            (mu.exp().floor() as usize).clamp(*min, *max)
        }
    }

    /// The segment drawn before anything else, by share (`Segments` only).
    fn draw_segment(&self, rng: &mut ChaCha8Rng) -> Option<Segment> {
        match self {
            Self::LogNormal { .. } => None,
            Self::Segments { index, .. } => Some(Segment::ALL[index.sample(rng)]),
        }
    }

    /// The user's segment, warm-up count and (`LogNormal`) the uniform draw behind it.
    fn draw_count(
        &self,
        drawn: Option<Segment>,
        rng: &mut ChaCha8Rng,
    ) -> (Segment, usize, Option<f64>) {
        match self {
            Self::LogNormal { thresholds, .. } => {
                let u: f64 = rng.random();
                let n = self.log_normal_count(u);
                (thresholds.segment(n), n, Some(u))
            }
            Self::Segments { pop, .. } => {
                let segment = drawn.expect("Segments draws the segment first");
                let range = &segment_spec(pop, segment).warm_up_interactions;
                (segment, rng.random_range(range.min..=range.max), None)
            }
        }
    }
}
