//! The synthetic world: movies, users, context and the ground truth of responses.
//!
//! Split as RecSim splits it: a document model ([`catalogue`]), a user model
//! ([`population`]) and a choice model ([`response`]). Public attributes
//! ([`Catalogue`], [`Population`]) are what recommenders may read; the hidden truth
//! ([`MovieTruth`], [`UserTaste`]) is read only by the response model and the oracle.

pub mod catalogue;
pub mod context;
pub mod population;
pub mod response;
pub mod taste_shift;
mod warmup;

pub use catalogue::{Catalogue, Movie, MovieTruth};
pub use context::{Calendar, Context, DayType, Daypart};
pub use population::{Population, Segment, User, UserTaste};
pub use response::{Rater, Response, ResponseModel, Situation};
pub use warmup::RatingDraw;

use crate::interaction::Interaction;
use crate::rng::SeedTree;
use crate::scenario::Scenario;

/// A generated world: public catalogue and population, hidden truth, warm-up history.
#[derive(Clone, Debug)]
pub struct World {
    /// The movies' public attributes.
    pub catalogue: Catalogue,
    /// The users' public attributes.
    pub population: Population,
    /// Hidden truth per movie, indexed by movie id.
    pub movie_truth: Vec<MovieTruth>,
    /// Hidden tastes per user, indexed by user id.
    pub tastes: Vec<UserTaste>,
    /// The ground-truth response model.
    pub response: ResponseModel,
    /// Ratings before day 0, sorted by time.
    pub warm_up: Vec<Interaction>,
}

impl World {
    /// Generates the world of a scenario.
    ///
    /// # Determinism
    ///
    /// Depends only on the scenario and the seed tree, never on the number of threads:
    /// every movie and user draws from its own stream.
    #[must_use]
    pub fn generate(scenario: &Scenario, seeds: &SeedTree) -> Self {
        let (mut world, draws) = Self::generate_with_draws(scenario, seeds);
        let scale = &scenario.spec().response.rating;
        world.warm_up = draws.iter().map(|d| d.rating(scale)).collect();
        world
    }

    /// The world without its warm-up ratings, and those ratings before their stars.
    fn generate_with_draws(scenario: &Scenario, seeds: &SeedTree) -> (Self, Vec<RatingDraw>) {
        let (catalogue, movie_truth) = catalogue::generate(scenario, seeds);
        let (population, tastes) = population::generate(scenario, seeds);
        let response = ResponseModel::new(scenario);
        let draws = warmup::draws(
            scenario,
            seeds,
            &catalogue,
            &movie_truth,
            &population,
            &tastes,
            &response,
        );
        let world = Self {
            catalogue,
            population,
            movie_truth,
            tastes,
            response,
            warm_up: Vec::new(),
        };
        (world, draws)
    }

    /// The warm-up ratings of a scenario's world before their stars, in the order of
    /// [`World::warm_up`]: `draws[i].rating(&spec.response.rating) == warm_up[i]`.
    ///
    /// # Determinism
    ///
    /// As [`World::generate`].
    #[must_use]
    pub fn warm_up_draws(scenario: &Scenario, seeds: &SeedTree) -> Vec<RatingDraw> {
        Self::generate_with_draws(scenario, seeds).1
    }
}
