//! The oracle: ranks by true expected utility. Only a simulator can have it.
//!
//! It reads the hidden truth (user tastes, movie factors and quality) through the
//! response model, so it is the upper bound every arm is measured against, never a
//! production candidate: [`ArmSpec::is_selectable`](crate::scenario::spec::ArmSpec::is_selectable)
//! is false for it unless a scenario sets `Oracle(selectable: true)`, and validation
//! rejects policies that could serve a non-selectable oracle.
//!
//! For a request it computes `world.response.utility(…)` for every unseen movie with
//! the request's daypart, day type, session position and recent genre counts — the
//! exact utility the response model will use — and returns the top `n`.

use std::sync::Arc;

use crate::ids::{MovieId, UserId};
use crate::interaction::Interaction;
use crate::rng::ChaCha8Rng;
use crate::world::{Catalogue, MovieTruth, ResponseModel, Situation, UserTaste, World};

use super::topn::TopN;
use super::{ListReuse, Recommender, Request, Scored, TrainingData};

/// The hidden truth the oracle reads, shared (cloned once from the world).
#[derive(Clone, Debug)]
pub struct Truth {
    /// Public movie attributes (genres feed the utility).
    pub catalogue: Catalogue,
    /// Hidden movie truth.
    pub movie_truth: Vec<MovieTruth>,
    /// Hidden user tastes.
    pub tastes: Vec<UserTaste>,
    /// The response model.
    pub response: ResponseModel,
    /// The fatigue window of the scenario.
    pub fatigue_window: usize,
}

impl Truth {
    /// Copies the truth of a world.
    #[must_use]
    pub fn of(world: &World, fatigue_window: usize) -> Arc<Self> {
        Arc::new(Self {
            catalogue: world.catalogue.clone(),
            movie_truth: world.movie_truth.clone(),
            tastes: world.tastes.clone(),
            response: world.response.clone(),
            fatigue_window,
        })
    }

    /// True utility of a movie for a request.
    #[must_use]
    pub fn utility(&self, request: &Request<'_>, movie: MovieId) -> f64 {
        self.response.utility(
            &self.catalogue,
            &self.movie_truth,
            &self.tastes[request.user.index()],
            movie,
            &self.situation(request),
        )
    }

    fn situation<'a>(&self, request: &Request<'a>) -> Situation<'a> {
        Situation {
            daypart: request.context.daypart,
            day_type: request.context.day_type,
            session_position: request.session_position,
            recent_genre_counts: request.recent_genre_counts,
            fatigue_window: self.fatigue_window,
        }
    }
}

/// The oracle arm.
#[derive(Clone, Debug)]
pub struct Oracle {
    truth: Arc<Truth>,
}

impl Oracle {
    /// An oracle over a world's truth.
    #[must_use]
    pub fn new(truth: Arc<Truth>) -> Self {
        Self { truth }
    }
}

impl Recommender for Oracle {
    fn name(&self) -> &'static str {
        "oracle"
    }

    fn fit(&mut self, _data: &TrainingData<'_>) {}

    fn list_reuse(&self) -> ListReuse {
        ListReuse::Never
    }

    fn update(&mut self, _data: &TrainingData<'_>, _new: &[Interaction]) {}

    fn recommend(
        &self,
        request: &Request<'_>,
        n: usize,
        _rng: &mut ChaCha8Rng,
        out: &mut Vec<Scored>,
    ) {
        let t = &*self.truth;
        let taste = &t.tastes[request.user.index()];
        let situation = t.situation(request);
        let mut top = TopN::reusing(n, std::mem::take(out));
        for m in &t.catalogue.movies {
            if !request.has_seen(m.id) {
                let u = t
                    .response
                    .utility(&t.catalogue, &t.movie_truth, taste, m.id, &situation);
                top.push(m.id, u);
            }
        }
        top.finish(out);
    }

    fn predict_rating(&self, _user: UserId, _movie: MovieId) -> Option<f64> {
        None
    }

    fn reads_truth(&self) -> bool {
        true
    }
}
