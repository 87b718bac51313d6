//! The popularity baseline.

use crate::ids::MovieId;
use crate::interaction::{Interaction, InteractionKind};
use crate::rng::ChaCha8Rng;
use crate::world::Catalogue;

use super::{Recommender, Request, Scored, TrainingData};

/// Ranks movies by public vote count plus interactions observed in the log.
///
/// Score = `vote_count + interactions`; the log counts once per interaction of any
/// kind except thumbs down. Ties go to the lower movie id, so the order is total.
#[derive(Clone, Debug)]
pub struct Popularity {
    counts: Vec<f64>,
    /// Movie ids by descending score.
    order: Vec<MovieId>,
}

impl Popularity {
    /// An untrained arm ranking by vote count alone.
    #[must_use]
    pub fn new(catalogue: &Catalogue) -> Self {
        let counts = catalogue
            .movies
            .iter()
            .map(|m| m.vote_count as f64)
            .collect();
        let mut arm = Self {
            counts,
            order: Vec::new(),
        };
        arm.sort();
        arm
    }

    fn sort(&mut self) {
        let counts = &self.counts;
        self.order = (0..counts.len() as u32).map(MovieId).collect();
        self.order.sort_by(|a, b| {
            counts[b.index()]
                .total_cmp(&counts[a.index()])
                .then(a.cmp(b))
        });
    }

    fn add(&mut self, new: &[Interaction]) {
        for i in new {
            let counts = !(i.kind == InteractionKind::Thumbs && i.value < 0.0);
            if counts {
                self.counts[i.movie.index()] += 1.0;
            }
        }
    }
}

impl Recommender for Popularity {
    fn name(&self) -> &'static str {
        "popularity"
    }

    fn fit(&mut self, data: &TrainingData<'_>) {
        *self = Self::new(data.catalogue);
        self.add(data.interactions);
        self.sort();
    }

    fn update(&mut self, _data: &TrainingData<'_>, new: &[Interaction]) {
        self.add(new);
        self.sort();
    }

    fn recommend(
        &self,
        request: &Request<'_>,
        n: usize,
        _rng: &mut ChaCha8Rng,
        out: &mut Vec<Scored>,
    ) {
        out.clear();
        out.extend(
            self.order
                .iter()
                .filter(|&&m| !request.has_seen(m))
                .take(n)
                .map(|&movie| Scored {
                    movie,
                    score: self.counts[movie.index()],
                }),
        );
    }
}
