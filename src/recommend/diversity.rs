//! Diversity post-processing after the blend (seed plan section 1).
//!
//! A pool of blended candidates (`pool_factor × K`) is re-scored and re-ranked:
//!
//! ```text
//! adjusted(i) = blended(i) + W · ( − w_pop · ln(1 + votes_i) / ln(1 + max votes)   dampening
//!                                  + w_tail · [votes_i < V and average_i > A]       long-tail boost
//!                                  + w_niche · [i niche]                            niche emphasis
//!                                  + w_cov · max(0, 1 − c_i / c̄) )                  coverage boost
//! ```
//!
//! with W the global `weight` (the plan's `diversity_weight`), c_i how often movie i
//! was recommended so far ([`CoverageTracker`]) and c̄ the mean count. The first three
//! terms depend only on the movie and are precomputed. Then either the K best by
//! adjusted score, or, with MMR on, a greedy selection
//!
//! ```text
//! next = argmax_{i ∉ S} λ · rel(i) − (1 − λ) · max_{j ∈ S} cos(v_i, v_j)
//! ```
//!
//! where rel is the adjusted score min–max scaled to [0, 1] over the pool and v the
//! public content vectors (Carbonell & Goldstein 1998, "The use of MMR,
//! diversity-based reranking for reordering documents and producing summaries").

use crate::ids::MovieId;
use crate::scenario::spec::DiversitySpec;
use crate::world::Catalogue;
use serde::{Deserialize, Serialize};

use super::BlendedItem;
use super::vectors::{UnitVectors, dot};

/// How often each movie has been recommended: the coverage tracker.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CoverageTracker {
    counts: Vec<u64>,
    total: u64,
}

impl CoverageTracker {
    /// A tracker for `n_movies` movies, all at 0.
    #[must_use]
    pub fn new(n_movies: usize) -> Self {
        Self {
            counts: vec![0; n_movies],
            total: 0,
        }
    }

    /// Records a shown slate.
    pub fn record(&mut self, slate: &[BlendedItem]) {
        for item in slate {
            self.counts[item.movie.index()] += 1;
            self.total += 1;
        }
    }

    /// `max(0, 1 − c_i / c̄)`: 1 for a never-recommended movie, 0 at or above the
    /// mean; 0 for every movie before anything was recommended.
    #[must_use]
    pub fn under_exposure(&self, movie: MovieId) -> f64 {
        if self.total == 0 {
            return 0.0;
        }
        let mean = self.total as f64 / self.counts.len() as f64;
        (1.0 - self.counts[movie.index()] as f64 / mean).max(0.0)
    }

    /// Counts by movie id.
    #[must_use]
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }
}

/// A checked diversity configuration with its per-movie tables.
#[derive(Clone, Debug)]
pub struct Diversity {
    enabled: bool,
    pool_factor: usize,
    /// Sum of the static adjustments (dampening, long tail, niche) per movie, × W.
    static_bonus: Vec<f64>,
    coverage_weight: Option<f64>,
    mmr_lambda: Option<f64>,
    content: UnitVectors,
}

impl Diversity {
    /// Precomputes the tables of a (validated) spec over a catalogue.
    #[must_use]
    pub fn new(spec: &DiversitySpec, catalogue: &Catalogue) -> Self {
        let w = spec.weight;
        let max_votes = catalogue
            .movies
            .iter()
            .map(|m| m.vote_count)
            .max()
            .unwrap_or(0) as f64;
        let niche_genres: Vec<bool> = catalogue
            .genre_names
            .iter()
            .map(|g| spec.niche_boost.genres.contains(g))
            .collect();
        let default_language = most_common_language(catalogue);
        let static_bonus = catalogue
            .movies
            .iter()
            .map(|m| {
                let mut bonus = 0.0;
                if spec.popularity_dampening.enabled && max_votes > 0.0 {
                    bonus -= spec.popularity_dampening.weight * (m.vote_count as f64).ln_1p()
                        / max_votes.ln_1p();
                }
                let lt = &spec.long_tail_boost;
                if lt.enabled && m.vote_count < lt.max_votes && m.vote_average > lt.min_average {
                    bonus += lt.weight;
                }
                let nb = &spec.niche_boost;
                let niche = m.genres.iter().any(|g| niche_genres[g.index()])
                    || (nb.foreign_language
                        && Some(&m.original_language) != default_language.as_ref());
                if nb.enabled && niche {
                    bonus += nb.weight;
                }
                w * bonus
            })
            .collect();
        let mmr_lambda = spec.mmr.enabled.then_some(spec.mmr.lambda);
        let content = if mmr_lambda.is_some() {
            let parts: Vec<Vec<&[f32]>> = catalogue
                .movies
                .iter()
                .map(|m| vec![m.content.as_slice()])
                .collect();
            UnitVectors::from_parts(&parts)
        } else {
            UnitVectors::default()
        };
        Self {
            enabled: spec.any_enabled(),
            pool_factor: spec.pool_factor.max(1),
            static_bonus,
            coverage_weight: spec
                .coverage_boost
                .enabled
                .then_some(w * spec.coverage_boost.weight),
            mmr_lambda,
            content,
        }
    }

    /// Whether any strategy is on (if not, [`Diversity::rerank`] keeps the blend's top K).
    #[must_use]
    pub fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// Candidates to blend for a slate of `k`.
    #[must_use]
    pub fn pool_size(&self, k: usize) -> usize {
        if self.enabled {
            k * self.pool_factor
        } else {
            k
        }
    }

    /// Re-ranks a blended `pool` (best first) into the top `k` in `out`.
    pub fn rerank(
        &self,
        pool: &mut [BlendedItem],
        coverage: &CoverageTracker,
        k: usize,
        out: &mut Vec<BlendedItem>,
    ) {
        out.clear();
        if !self.enabled {
            out.extend(pool.iter().take(k).copied());
            return;
        }
        for item in pool.iter_mut() {
            item.score += self.static_bonus[item.movie.index()];
            if let Some(w) = self.coverage_weight {
                item.score += w * coverage.under_exposure(item.movie);
            }
        }
        // Movies are distinct, so the order is total and an unstable sort is exact.
        pool.sort_unstable_by(|a, b| b.score.total_cmp(&a.score).then(a.movie.cmp(&b.movie)));
        match self.mmr_lambda {
            None => out.extend(pool.iter().take(k).copied()),
            Some(lambda) => self.mmr(pool, lambda, k, out),
        }
    }

    fn mmr(&self, pool: &[BlendedItem], lambda: f64, k: usize, out: &mut Vec<BlendedItem>) {
        let (lo, hi) = pool
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), i| {
                (lo.min(i.score), hi.max(i.score))
            });
        let span = hi - lo;
        let rel = |i: &BlendedItem| {
            if span > 0.0 {
                (i.score - lo) / span
            } else {
                1.0
            }
        };
        // max similarity of each candidate to the selection so far.
        let mut max_sim = vec![f64::NEG_INFINITY; pool.len()];
        let mut taken = vec![false; pool.len()];
        for _ in 0..k.min(pool.len()) {
            let mut best: Option<(usize, f64)> = None;
            for (c, item) in pool.iter().enumerate() {
                if taken[c] {
                    continue;
                }
                let penalty = if max_sim[c].is_finite() {
                    max_sim[c]
                } else {
                    0.0
                };
                let value = lambda * rel(item) - (1.0 - lambda) * penalty;
                // Pool order (score, then id) breaks ties: strict > keeps the first.
                if best.is_none_or(|(_, v)| value > v) {
                    best = Some((c, value));
                }
            }
            let (chosen, _) = best.expect("the pool has untaken items");
            taken[chosen] = true;
            out.push(pool[chosen]);
            if out.len() == k {
                break; // no later pick needs the similarities to this one
            }
            let v = self.content.get(pool[chosen].movie.index());
            for (c, item) in pool.iter().enumerate() {
                if !taken[c] {
                    let s = f64::from(dot(v, self.content.get(item.movie.index())));
                    max_sim[c] = max_sim[c].max(s);
                }
            }
        }
    }
}

/// The catalogue's most common original language (the default language; ties: the
/// alphabetically first).
fn most_common_language(catalogue: &Catalogue) -> Option<String> {
    let mut counts: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for m in &catalogue.movies {
        *counts.entry(m.original_language.as_str()).or_insert(0) += 1;
    }
    counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
        .map(|(l, _)| l.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::ArmId;
    use crate::recommend::testing;

    fn pool(ids: &[u32]) -> Vec<BlendedItem> {
        ids.iter()
            .enumerate()
            .map(|(r, &m)| BlendedItem {
                movie: MovieId(m),
                score: 1.0 - r as f64 * 0.01,
                arm: ArmId(0),
            })
            .collect()
    }

    #[test]
    fn off_keeps_the_blend_order() {
        let catalogue = testing::catalogue(20);
        let d = Diversity::new(&DiversitySpec::default(), &catalogue);
        let mut p = pool(&[3, 1, 2]);
        let mut out = Vec::new();
        d.rerank(&mut p, &CoverageTracker::new(20), 2, &mut out);
        assert_eq!(out.iter().map(|i| i.movie.0).collect::<Vec<_>>(), [3, 1]);
        assert_eq!(d.pool_size(10), 10);
    }

    #[test]
    fn dampening_demotes_the_popular_and_long_tail_boost_promotes_gems() {
        // testing::catalogue: movie 3 has 5,000 votes; movie 2 has 900 votes and
        // average 7.0; movie 5 has 50 votes… (counts cycle 50, 300, 900, 5000, 40000
        // over i mod 5, averages 6.0 + 0.5·(i mod 6)). Movie 8: 5,000 votes; movie 10:
        // 50 votes, average 8.0 → a gem.
        let catalogue = testing::catalogue(20);
        let mut spec = DiversitySpec::default();
        spec.popularity_dampening.enabled = true;
        spec.popularity_dampening.weight = 1.0;
        let d = Diversity::new(&spec, &catalogue);
        let mut p = pool(&[8, 10]);
        let mut out = Vec::new();
        d.rerank(&mut p, &CoverageTracker::new(20), 2, &mut out);
        assert_eq!(out[0].movie, MovieId(10));

        let mut spec = DiversitySpec::default();
        spec.long_tail_boost.enabled = true;
        let d = Diversity::new(&spec, &catalogue);
        let mut p = pool(&[8, 10]);
        d.rerank(&mut p, &CoverageTracker::new(20), 2, &mut out);
        assert_eq!(out[0].movie, MovieId(10));
        assert!((out[0].score - (0.99 + 0.3)).abs() < 1e-12);
    }

    #[test]
    fn coverage_boost_favours_the_never_recommended() {
        let catalogue = testing::catalogue(4);
        let mut spec = DiversitySpec::default();
        spec.coverage_boost.enabled = true;
        let d = Diversity::new(&spec, &catalogue);
        let mut tracker = CoverageTracker::new(4);
        tracker.record(&pool(&[0, 0, 1, 1]));
        // Mean count 1: movies 0 and 1 at 2 get 0, movies 2 and 3 get 1.
        assert_eq!(tracker.under_exposure(MovieId(0)), 0.0);
        assert_eq!(tracker.under_exposure(MovieId(3)), 1.0);
        let mut p = pool(&[0, 3]);
        let mut out = Vec::new();
        d.rerank(&mut p, &tracker, 1, &mut out);
        assert_eq!(out[0].movie, MovieId(3));
    }

    #[test]
    fn mmr_with_lambda_zero_picks_the_most_dissimilar_second() {
        // testing::catalogue puts movie i's content at angle 37°·i on a circle:
        // movie 0 at 0°, 1 at 37°, 5 at 185° (cos ≈ −1 to movie 0).
        let catalogue = testing::catalogue(10);
        let mut spec = DiversitySpec::default();
        spec.mmr.enabled = true;
        spec.mmr.lambda = 0.0;
        let d = Diversity::new(&spec, &catalogue);
        let mut p = pool(&[0, 1, 5]);
        let mut out = Vec::new();
        d.rerank(&mut p, &CoverageTracker::new(10), 2, &mut out);
        // First pick: all penalties 0, ties keep pool order → movie 0; then 5.
        assert_eq!(out.iter().map(|i| i.movie.0).collect::<Vec<_>>(), [0, 5]);
        // λ = 1 is pure relevance.
        spec.mmr.lambda = 1.0;
        let d = Diversity::new(&spec, &catalogue);
        let mut p = pool(&[0, 1, 5]);
        d.rerank(&mut p, &CoverageTracker::new(10), 2, &mut out);
        assert_eq!(out.iter().map(|i| i.movie.0).collect::<Vec<_>>(), [0, 1]);
    }
}
