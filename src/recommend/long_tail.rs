//! Long-tail discovery: hidden gems, personalised by genre affinity.
//!
//! Candidates are the long-tail movies (vote_count < `max_votes`). Each scores
//!
//! ```text
//! score(u, m) = mean_{g ∈ genres(m)} ln a(u, g) + quality(m) + boost · [vote_average(m) > min_average]
//! quality(m)  = (vote_average(m) − min_average) / (10 − min_average)
//! a(u, g)     = G · (L_u(g) + 1/G) / (L_u + 1)
//! ```
//!
//! where L_u(g) is the user's liked preference weight on movies of genre g, L_u the
//! total liked weight and G the number of genres: 1 means "as much as a uniform
//! user", so a user without history is neutral (`ln 1 = 0`) and gets the best gems.
//!
//! # Candidate generation
//!
//! Candidates are sorted once by their user-independent part (`quality + boost`);
//! a request walks that order and stops when the part plus the user's largest
//! genre term cannot beat the current n-th best (the threshold algorithm of Fagin,
//! Lotem & Naor 2003). Exact: tested against a full scan.

use crate::ids::MovieId;
use crate::interaction::Interaction;
use crate::rng::ChaCha8Rng;
use crate::world::Catalogue;

use super::history::Histories;
use super::topn::TopN;
use super::{ListReuse, Recommender, Request, Scored, TrainingData};

/// Settings of the long-tail arm.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LongTailParams {
    /// Long-tail threshold on vote_count.
    pub max_votes: u64,
    /// Gem threshold on vote_average.
    pub min_average: f64,
    /// Score added to gems.
    pub boost: f64,
}

/// The long-tail arm.
#[derive(Clone, Debug)]
pub struct LongTail {
    histories: Histories,
    /// Genres of every movie.
    genres: Vec<Vec<u16>>,
    n_genres: usize,
    /// (movie, user-independent score), best first.
    candidates: Vec<(MovieId, f64)>,
}

impl LongTail {
    /// An arm over the catalogue.
    #[must_use]
    pub fn new(params: LongTailParams, catalogue: &Catalogue) -> Self {
        let span = (10.0 - params.min_average).max(1e-9);
        let mut candidates: Vec<(MovieId, f64)> = catalogue
            .movies
            .iter()
            .filter(|m| m.vote_count < params.max_votes)
            .map(|m| {
                let quality = (m.vote_average - params.min_average) / span;
                let gem = if m.vote_average > params.min_average {
                    params.boost
                } else {
                    0.0
                };
                (m.id, quality + gem)
            })
            .collect();
        candidates.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        Self {
            histories: Histories::default(),
            genres: catalogue
                .movies
                .iter()
                .map(|m| m.genres.iter().map(|g| g.0).collect())
                .collect(),
            n_genres: catalogue.genre_names.len(),
            candidates,
        }
    }

    /// `ln affinity` per genre for a user.
    fn log_affinity(&self, request: &Request<'_>) -> Vec<f64> {
        let g = self.n_genres as f64;
        let mut liked = vec![0.0; self.n_genres];
        let mut total = 0.0;
        for e in self.histories.of(request.user) {
            if e.weight > 0.0 {
                let w = f64::from(e.weight);
                total += w;
                for &genre in &self.genres[e.movie.index()] {
                    liked[usize::from(genre)] += w;
                }
            }
        }
        liked
            .iter()
            .map(|&l| (g * (l + 1.0 / g) / (total + 1.0)).ln())
            .collect()
    }

    fn movie_term(&self, log_affinity: &[f64], movie: MovieId) -> f64 {
        let genres = &self.genres[movie.index()];
        if genres.is_empty() {
            return 0.0;
        }
        // A geometric mean of affinities: no exp or ln per candidate.
        genres
            .iter()
            .map(|&g| log_affinity[usize::from(g)])
            .sum::<f64>()
            / genres.len() as f64
    }

    /// The same ranking by scanning every candidate (the exactness test's reference).
    #[cfg(test)]
    fn full_scan(&self, request: &Request<'_>, n: usize, out: &mut Vec<Scored>) {
        let log_affinity = self.log_affinity(request);
        let mut top = TopN::reusing(n, std::mem::take(out));
        for &(movie, base) in &self.candidates {
            if !request.has_seen(movie) {
                top.push(movie, base + self.movie_term(&log_affinity, movie));
            }
        }
        top.finish(out);
    }
}

impl Recommender for LongTail {
    fn name(&self) -> &'static str {
        "long_tail"
    }

    fn list_reuse(&self) -> ListReuse {
        // Neighbours / vectors / the catalogue change only at `fit`; the rest is the
        // user's own history.
        ListReuse::WhileUserUnchanged
    }

    fn fit(&mut self, data: &TrainingData<'_>) {
        self.histories = Histories::from_log(data.population.len(), data.interactions);
    }

    fn update(&mut self, _data: &TrainingData<'_>, new: &[Interaction]) {
        self.histories.add(new);
    }

    fn recommend(
        &self,
        request: &Request<'_>,
        n: usize,
        _rng: &mut ChaCha8Rng,
        out: &mut Vec<Scored>,
    ) {
        let log_affinity = self.log_affinity(request);
        // The mean of affinities is at most the largest one.
        let bound = log_affinity
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        let mut top = TopN::reusing(n, std::mem::take(out));
        for &(movie, base) in &self.candidates {
            if let Some(threshold) = top.threshold()
                && base + bound < threshold
            {
                break;
            }
            if !request.has_seen(movie) {
                top.push(movie, base + self.movie_term(&log_affinity, movie));
            }
        }
        top.finish(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::UserId;
    use crate::interaction::InteractionKind;
    use crate::recommend::testing;

    fn params() -> LongTailParams {
        LongTailParams {
            max_votes: 1_000,
            min_average: 7.5,
            boost: 1.0,
        }
    }

    #[test]
    fn only_long_tail_movies_with_gems_first() {
        // testing::catalogue cycles vote counts over 50, 300, 900, 5,000, 40,000 and
        // averages over 6.0–8.5. Without history every affinity is 1 (ln 1 = 0), so
        // the order is quality + boost: gems (average > 7.5) before the rest.
        let catalogue = testing::catalogue(40);
        let arm = LongTail::new(params(), &catalogue);
        let context = testing::context();
        let request = testing::request(UserId(0), &context, &[]);
        let mut out = Vec::new();
        let mut rng = testing::rng();
        let mut arm = arm;
        arm.histories = Histories::new(1);
        arm.recommend(&request, 40, &mut rng, &mut out);
        assert!(!out.is_empty());
        for s in &out {
            assert!(catalogue.movie(s.movie).vote_count < 1_000);
        }
        let first_non_gem = out
            .iter()
            .position(|s| catalogue.movie(s.movie).vote_average <= 7.5)
            .unwrap_or(out.len());
        assert!(
            out[first_non_gem..]
                .iter()
                .all(|s| catalogue.movie(s.movie).vote_average <= 7.5)
        );
    }

    #[test]
    fn pruned_walk_matches_a_full_scan() {
        let catalogue = testing::catalogue(300);
        let mut arm = LongTail::new(params(), &catalogue);
        // User 0 likes a few movies of genre 1; user 1 has no history.
        let log: Vec<Interaction> = (0..300u32)
            .filter(|m| catalogue.movie(MovieId(*m)).genres[0].0 == 1)
            .take(5)
            .map(|m| Interaction {
                user: UserId(0),
                movie: MovieId(m),
                kind: InteractionKind::Rating,
                value: 5.0,
                time_secs: 0,
            })
            .collect();
        arm.histories = Histories::from_log(2, &log);
        let context = testing::context();
        let seen: Vec<MovieId> = log.iter().map(|i| i.movie).collect();
        for user in [0, 1] {
            let request = testing::request(UserId(user), &context, &seen);
            for n in [1, 5, 20] {
                let (mut fast, mut full) = (Vec::new(), Vec::new());
                arm.recommend(&request, n, &mut testing::rng(), &mut fast);
                arm.full_scan(&request, n, &mut full);
                assert_eq!(fast, full, "user {user}, n {n}");
            }
        }
    }
}
