//! History before day 0, so that trained arms have data to learn from.
//!
//! Each user rated `n` distinct movies (n = the user's drawn activity), chosen with
//! probability proportional to `exp(u(m) + β ln vote_count(m))` — users watch what
//! they like and what is visible, β = `population.visibility_weight` — without
//! replacement (Gumbel top-n, Vieira 2014 "Gumbel-max trick and weighted reservoir
//! sampling"). Times are uniform over the warm-up days; ratings follow the response
//! model in a neutral context, with the user's rating bias.

use rand::RngExt;
use rand_distr::{Gumbel, StandardNormal};
use rayon::prelude::*;

use crate::ids::{MovieId, UserId};
use crate::interaction::{Interaction, SECS_PER_DAY};
use crate::rng::{Purpose, SeedTree};
use crate::scenario::Scenario;
use crate::scenario::spec::RatingSpec;
use crate::world::context::{DayType, Daypart};
use crate::world::response::{Rater, ResponseModel, Situation, stars};
use crate::world::{Catalogue, MovieTruth, Population, UserTaste};

/// One warm-up rating before its stars: who rated what when, the experienced utility
/// and the noise draw. The stars follow from the rating scale alone ([`stars`]), and
/// which movies a user rated does not depend on it, so `recolab fit` tries rating
/// scales on the same draws without generating the world again.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RatingDraw {
    /// The user.
    pub user: UserId,
    /// The movie.
    pub movie: MovieId,
    /// When (negative: before day 0).
    pub time_secs: i64,
    /// Experienced utility of the movie for the user (neutral context).
    pub experienced: f64,
    /// How the user rates.
    pub rater: Rater,
    /// The rating noise, a standard normal draw.
    pub noise: f64,
}

impl RatingDraw {
    /// The rating this draw becomes on `scale`.
    #[must_use]
    pub fn rating(&self, scale: &RatingSpec) -> Interaction {
        let value = stars(scale, self.rater, self.experienced, self.noise);
        Interaction::rating(self.user, self.movie, value, self.time_secs)
    }
}

/// Draws every user's warm-up ratings, sorted by (time, user, movie).
///
/// # Determinism
///
/// User `i` draws only from stream `(WarmUp, i)`; parallel, merged in a fixed order.
pub(crate) fn draws(
    scenario: &Scenario,
    seeds: &SeedTree,
    catalogue: &Catalogue,
    movie_truth: &[MovieTruth],
    population: &Population,
    tastes: &[UserTaste],
    response: &ResponseModel,
) -> Vec<RatingDraw> {
    let spec = scenario.spec();
    let warm_up_secs = i64::from(spec.horizon.warm_up_days) * SECS_PER_DAY;
    let visibility: Vec<f64> = catalogue
        .movies
        .iter()
        .map(|m| spec.population.visibility_weight * (m.vote_count as f64).ln())
        .collect();
    let gumbel = Gumbel::new(0.0, 1.0).expect("scale 1 is valid");
    let no_recent = vec![0u16; catalogue.genre_names.len()];
    let per_user: Vec<Vec<RatingDraw>> = population
        .users
        .par_iter()
        .map_init(Vec::new, |keyed: &mut Vec<(f64, MovieId, f64)>, user| {
            let mut rng = seeds.stream(Purpose::WarmUp, u64::from(user.id.0));
            let taste = &tastes[user.id.index()];
            let n = taste.activity.min(catalogue.len());
            if n == 0 || warm_up_secs == 0 {
                return Vec::new();
            }
            let neutral = Situation {
                daypart: Daypart::Evening,
                day_type: DayType::Weekday,
                session_position: 1,
                recent_genre_counts: &no_recent,
                fatigue_window: 0,
            };
            // The buffer is per thread and fully overwritten: results cannot depend on it.
            keyed.clear();
            keyed.extend(catalogue.movies.iter().map(|m| {
                let u = response.utility(catalogue, movie_truth, taste, m.id, &neutral);
                let key = u + visibility[m.id.index()] + rng.sample(gumbel);
                (key, m.id, u)
            }));
            keyed.select_nth_unstable_by(n - 1, |a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            let mut chosen: Vec<(MovieId, f64)> =
                keyed[..n].iter().map(|&(_, id, u)| (id, u)).collect();
            chosen.sort_by_key(|&(id, _)| id);
            chosen
                .into_iter()
                .map(|(movie, u)| {
                    let time_secs = -rng.random_range(1..=warm_up_secs);
                    let noise: f64 = rng.sample(StandardNormal);
                    RatingDraw {
                        user: UserId(user.id.0),
                        movie,
                        time_secs,
                        experienced: response.experienced(u, &movie_truth[movie.index()]),
                        rater: taste.rater(),
                        noise,
                    }
                })
                .collect()
        })
        .collect();
    let mut all: Vec<RatingDraw> = per_user.into_iter().flatten().collect();
    all.sort_by_key(|i| (i.time_secs, i.user, i.movie));
    all
}
