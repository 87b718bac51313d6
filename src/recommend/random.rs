//! The uniform-random arm: pure exploration, and a floor for every comparison.

use rand::RngExt;

use crate::ids::MovieId;
use crate::interaction::Interaction;
use crate::rng::ChaCha8Rng;
use crate::world::Catalogue;

use super::{ListReuse, Recommender, Request, Scored, TrainingData};

/// Recommends unseen movies uniformly at random.
///
/// # Determinism
///
/// Draws movie indices from the arm's stream by rejection (seen or repeated movies are
/// redrawn), so the number of draws depends on the user's history.
#[derive(Clone, Debug)]
pub struct RandomArm {
    n_movies: u32,
}

impl RandomArm {
    /// An arm over the whole catalogue.
    #[must_use]
    pub fn new(catalogue: &Catalogue) -> Self {
        Self {
            n_movies: u32::try_from(catalogue.len()).expect("validation caps n_movies"),
        }
    }
}

impl Recommender for RandomArm {
    fn name(&self) -> &'static str {
        "random"
    }

    fn fit(&mut self, data: &TrainingData<'_>) {
        *self = Self::new(data.catalogue);
    }

    fn list_reuse(&self) -> ListReuse {
        ListReuse::Never
    }

    fn update(&mut self, _data: &TrainingData<'_>, _new: &[Interaction]) {}

    fn recommend(
        &self,
        request: &Request<'_>,
        n: usize,
        rng: &mut ChaCha8Rng,
        out: &mut Vec<Scored>,
    ) {
        out.clear();
        let available = (self.n_movies as usize).saturating_sub(request.seen.len());
        let n = n.min(available);
        if n * 2 > available {
            // Dense request: shuffle the unseen movies instead of rejecting forever.
            let mut unseen: Vec<MovieId> = (0..self.n_movies)
                .map(MovieId)
                .filter(|&m| !request.has_seen(m))
                .collect();
            for i in 0..n {
                let j = rng.random_range(i..unseen.len());
                unseen.swap(i, j);
            }
            out.extend(unseen[..n].iter().enumerate().map(|(rank, &movie)| Scored {
                movie,
                score: -(rank as f64),
            }));
            return;
        }
        while out.len() < n {
            let movie = MovieId(rng.random_range(0..self.n_movies));
            if !request.has_seen(movie) && !out.iter().any(|s| s.movie == movie) {
                let rank = out.len() as f64;
                out.push(Scored {
                    movie,
                    score: -rank,
                });
            }
        }
    }
}
