//! Recommendation algorithms ("arms") and how their lists are blended into a slate.
//!
//! Every arm implements [`Recommender`]: `fit` on the interaction log, `update` with
//! new interactions only (warm start), and `recommend` a user's top candidates. Arms
//! see the public [`Catalogue`] and the log, never the world's hidden truth.

mod blend;
mod popularity;
mod random;

pub use blend::{Blend, BlendedItem, blend};
pub use popularity::Popularity;
pub use random::RandomArm;

use crate::ids::{ArmId, MovieId, UserId};
use crate::interaction::{Interaction, SimSecs};
use crate::rng::ChaCha8Rng;
use crate::scenario::spec::ArmSpec;
use crate::world::{Catalogue, Context, Population};

/// What an arm may learn from.
#[derive(Clone, Copy, Debug)]
pub struct TrainingData<'a> {
    /// Public movie attributes.
    pub catalogue: &'a Catalogue,
    /// Public user attributes.
    pub population: &'a Population,
    /// The interaction log, sorted by time.
    pub interactions: &'a [Interaction],
}

/// One request as an arm sees it.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    /// Who asks.
    pub user: UserId,
    /// The request's context.
    pub context: &'a Context,
    /// Movies the user has already watched, sorted; arms never return them.
    pub seen: &'a [MovieId],
    /// When.
    pub time_secs: SimSecs,
    /// 1-based position of the request in its session.
    pub session_position: u32,
    /// How many of the user's most recent watches (the fatigue window) had each genre,
    /// indexed by genre id.
    pub recent_genre_counts: &'a [u16],
}

impl Request<'_> {
    /// Whether the user has watched `movie`.
    #[must_use]
    pub fn has_seen(&self, movie: MovieId) -> bool {
        self.seen.binary_search(&movie).is_ok()
    }
}

/// A movie with an arm's score (higher is better; scales differ between arms).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scored {
    /// The movie.
    pub movie: MovieId,
    /// The arm's score.
    pub score: f64,
}

/// A recommendation algorithm.
pub trait Recommender: Send + Sync {
    /// The arm's name, as in scenarios and reports.
    fn name(&self) -> &'static str;

    /// Trains from scratch on `data`.
    fn fit(&mut self, data: &TrainingData<'_>);

    /// Warm-starts from the current model with interactions that arrived since the
    /// last `fit` or `update`; `data` holds the full log for arms that need context.
    fn update(&mut self, data: &TrainingData<'_>, new: &[Interaction]);

    /// Writes up to `n` unseen movies for `request` into `out`, best first.
    ///
    /// # Determinism
    ///
    /// Arms that randomise draw only from `rng`, the arm's own stream.
    fn recommend(
        &self,
        request: &Request<'_>,
        n: usize,
        rng: &mut ChaCha8Rng,
        out: &mut Vec<Scored>,
    );

    /// The rating (on the log's star scale) the arm predicts `user` would give
    /// `movie`, for rating-prediction metrics (RMSE, MAE); `None` for arms that only
    /// rank, which is the default.
    fn predict_rating(&self, user: UserId, movie: MovieId) -> Option<f64> {
        let _ = (user, movie);
        None
    }
}

/// Builds the arm a spec describes (untrained).
#[must_use]
pub fn build_arm(spec: &ArmSpec, catalogue: &Catalogue) -> Box<dyn Recommender> {
    match spec {
        ArmSpec::Popularity => Box::new(Popularity::new(catalogue)),
        ArmSpec::Random => Box::new(RandomArm::new(catalogue)),
    }
}

/// The arms of a stack, indexed by [`ArmId`].
pub struct Arms {
    arms: Vec<Box<dyn Recommender>>,
}

impl Arms {
    /// Builds every arm of the stack.
    #[must_use]
    pub fn build(specs: &[ArmSpec], catalogue: &Catalogue) -> Self {
        Self {
            arms: specs.iter().map(|s| build_arm(s, catalogue)).collect(),
        }
    }

    /// Number of arms.
    #[must_use]
    pub fn len(&self) -> usize {
        self.arms.len()
    }

    /// Whether there are no arms.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.arms.is_empty()
    }

    /// One arm.
    #[must_use]
    pub fn get(&self, id: ArmId) -> &dyn Recommender {
        self.arms[id.index()].as_ref()
    }

    /// Arm names in id order.
    #[must_use]
    pub fn names(&self) -> Vec<&'static str> {
        self.arms.iter().map(|a| a.name()).collect()
    }

    /// Fits every arm.
    pub fn fit(&mut self, data: &TrainingData<'_>) {
        for arm in &mut self.arms {
            arm.fit(data);
        }
    }

    /// Updates every arm with new interactions.
    pub fn update(&mut self, data: &TrainingData<'_>, new: &[Interaction]) {
        for arm in &mut self.arms {
            arm.update(data, new);
        }
    }
}
