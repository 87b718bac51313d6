//! Blending several arms' lists into one slate.
//!
//! Arms score on different scales (vote counts, predicted stars, random ranks), so
//! scores are made comparable by rank: the item at 0-based rank `r` of an arm's list
//! of length `L` gets `1 − r / L`, an item the arm did not list gets 0. The blended
//! score is `Σ_a w_a · (1 − r_a / L_a)` with the policy's confidences as weights.
//! Rank normalisation ignores score gaps but cannot be dominated by one arm's scale.
//!
//! With [`BlendNormalisation::ZScore`] an item's part is instead
//! `w_a · (z − z_min)` with `z = (s − mean) / sd` over the arm's list and `z_min` the
//! list's lowest z, so an unlisted item again gets 0 (shifting all of an arm's items
//! by one constant changes no order). z-scores keep score gaps (a clear winner stays
//! clear) but one outlier compresses the rest of its list. A list whose scores are
//! all equal falls back to rank parts.
//!
//! [`SlateBuilder::contextual_recommendations`] is the seed plan's
//! `contextual_recommendations(user, arms, weights, diversity_weight, n)`: each chosen
//! arm lists candidates, the lists are blended by the policy's confidences, and the
//! diversity post-processing re-ranks the blended pool into the slate.

use crate::ids::{ArmId, MovieId};
use crate::rng::ChaCha8Rng;
pub use crate::scenario::spec::BlendNormalisation;
use serde::{Deserialize, Serialize};

use super::diversity::{CoverageTracker, Diversity};
use super::{Arms, Request, Scored};

/// One arm's list and its weight.
#[derive(Clone, Copy, Debug)]
pub struct Blend<'a> {
    /// The arm.
    pub arm: ArmId,
    /// Its blending weight (the policy's confidence).
    pub weight: f64,
    /// Its list, best first.
    pub list: &'a [Scored],
}

/// A slate item with the arm that contributed most to its blended score.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct BlendedItem {
    /// The movie.
    pub movie: MovieId,
    /// Blended score.
    pub score: f64,
    /// The arm with the largest weighted contribution (ties: lower arm id).
    pub arm: ArmId,
}

/// Blends `inputs` into the top `k` items by rank normalisation, best first; ties go
/// to the lower movie id.
pub fn blend(inputs: &[Blend<'_>], k: usize, out: &mut Vec<BlendedItem>) {
    blend_normalised(inputs, k, BlendNormalisation::Rank, out);
}

/// Blends `inputs` into the top `k` items with the given normalisation.
///
/// The reference form: every (movie, part, arm) sorted and merged per movie.
/// [`SlateBuilder`] gets the same bits from a dense accumulator.
pub fn blend_normalised(
    inputs: &[Blend<'_>],
    k: usize,
    normalisation: BlendNormalisation,
    out: &mut Vec<BlendedItem>,
) {
    // (movie, contribution, arm) triples, merged per movie after sorting.
    let mut parts: Vec<(MovieId, f64, ArmId)> =
        Vec::with_capacity(inputs.iter().map(|b| b.list.len()).sum());
    for input in inputs {
        parts.extend(parts_of(input, normalisation).map(|(movie, part)| (movie, part, input.arm)));
    }
    // (movie, arm) pairs are distinct (an arm lists a movie once), so an unstable
    // sort gives the one order.
    parts.sort_unstable_by_key(|p| (p.0, p.2));
    out.clear();
    let mut i = 0;
    while i < parts.len() {
        let movie = parts[i].0;
        let (mut score, mut best, mut best_arm) = (0.0, f64::NEG_INFINITY, parts[i].2);
        while i < parts.len() && parts[i].0 == movie {
            score += parts[i].1;
            if parts[i].1 > best {
                best = parts[i].1;
                best_arm = parts[i].2;
            }
            i += 1;
        }
        out.push(BlendedItem {
            movie,
            score,
            arm: best_arm,
        });
    }
    keep_best(out, k);
}

/// Each movie of `input`'s list with its weighted part of the blended score.
fn parts_of<'a>(
    input: &'a Blend<'a>,
    normalisation: BlendNormalisation,
) -> impl Iterator<Item = (MovieId, f64)> + 'a {
    let len = input.list.len() as f64;
    let z = match normalisation {
        BlendNormalisation::Rank => None,
        BlendNormalisation::ZScore => z_parts(input.list),
    };
    input.list.iter().enumerate().map(move |(rank, scored)| {
        let part = match z {
            Some((mean, sd, z_min)) => (scored.score - mean) / sd - z_min,
            None => 1.0 - rank as f64 / len,
        };
        (scored.movie, input.weight * part)
    })
}

/// Keeps the best `k` of `items` (score descending, then lower movie id), sorted:
/// selected first, then only those sorted (the order is total, so this is the full
/// sort's prefix).
fn keep_best(items: &mut Vec<BlendedItem>, k: usize) {
    let order =
        |a: &BlendedItem, b: &BlendedItem| b.score.total_cmp(&a.score).then(a.movie.cmp(&b.movie));
    if k == 0 {
        items.clear();
        return;
    }
    if items.len() > k {
        items.select_nth_unstable_by(k - 1, order);
        items.truncate(k);
    }
    items.sort_unstable_by(order);
}

/// Blended sums per movie, accumulated densely (one slot per movie, a list of the
/// touched ones) instead of sorting every part: the replay blends on every request.
#[derive(Clone, Debug, Default)]
struct DenseBlend {
    /// Per movie: (sum of parts, largest part, its arm), valid where `touched_at`
    /// marks the movie.
    slots: Vec<(f64, f64, ArmId)>,
    touched_at: Vec<bool>,
    touched: Vec<MovieId>,
}

impl DenseBlend {
    /// [`blend_normalised`], bit for bit: inputs are taken in arm-id order, so each
    /// movie's parts are summed in the order the sorted merge sums them, and a tie
    /// for the largest part keeps the lower arm.
    fn blend(
        &mut self,
        inputs: &mut [Blend<'_>],
        k: usize,
        normalisation: BlendNormalisation,
        out: &mut Vec<BlendedItem>,
    ) {
        inputs.sort_by_key(|b| b.arm);
        for input in inputs.iter() {
            for (movie, part) in parts_of(input, normalisation) {
                let m = movie.index();
                if self.touched_at.len() <= m {
                    self.touched_at.resize(m + 1, false);
                    self.slots.resize(m + 1, (0.0, 0.0, ArmId(0)));
                }
                let slot = &mut self.slots[m];
                if self.touched_at[m] {
                    slot.0 += part;
                    if part > slot.1 {
                        (slot.1, slot.2) = (part, input.arm);
                    }
                } else {
                    self.touched_at[m] = true;
                    self.touched.push(movie);
                    *slot = (0.0 + part, part, input.arm);
                }
            }
        }
        out.clear();
        for movie in self.touched.drain(..) {
            let (score, _, arm) = self.slots[movie.index()];
            self.touched_at[movie.index()] = false;
            out.push(BlendedItem { movie, score, arm });
        }
        keep_best(out, k);
    }
}

/// (mean, sd, lowest z) of a list's scores; `None` when the sd is 0 or not finite.
fn z_parts(list: &[Scored]) -> Option<(f64, f64, f64)> {
    let n = list.len() as f64;
    let mean = list.iter().map(|s| s.score).sum::<f64>() / n;
    let var = list.iter().map(|s| (s.score - mean).powi(2)).sum::<f64>() / n;
    let sd = var.sqrt();
    let min = list.iter().map(|s| s.score).fold(f64::INFINITY, f64::min);
    (sd > 0.0 && sd.is_finite()).then(|| (mean, sd, (min - mean) / sd))
}

/// Diversity settings of a request and the run's coverage tracker.
#[derive(Clone, Copy, Debug)]
pub struct PostProcess<'a> {
    /// The variant's diversity post-processing.
    pub diversity: &'a Diversity,
    /// How often each movie was recommended so far.
    pub coverage: &'a CoverageTracker,
}

/// Reusable buffers and per-arm random streams for building slates.
#[derive(Clone, Debug)]
pub struct SlateBuilder {
    normalisation: BlendNormalisation,
    list_len: usize,
    rngs: Vec<ChaCha8Rng>,
    lists: Vec<Vec<Scored>>,
    pool: Vec<BlendedItem>,
    dense: DenseBlend,
}

impl SlateBuilder {
    /// A builder asking each arm for `list_len` candidates; `rngs[a]` is arm a's stream.
    #[must_use]
    pub fn new(normalisation: BlendNormalisation, list_len: usize, rngs: Vec<ChaCha8Rng>) -> Self {
        Self {
            normalisation,
            list_len,
            lists: vec![Vec::new(); rngs.len()],
            rngs,
            pool: Vec::new(),
            dense: DenseBlend::default(),
        }
    }

    /// The seed plan's `contextual_recommendations(user, arms, weights,
    /// diversity_weight, n)`: the slate of `n` for `request`, blending the lists of the
    /// `weights` arms (the policy's confidences) and post-processing the blended pool.
    ///
    /// # Determinism
    ///
    /// Arm `a` draws only from its own stream `rngs[a]`.
    pub fn contextual_recommendations(
        &mut self,
        arms: &Arms,
        request: &Request<'_>,
        weights: &[(ArmId, f64)],
        post: PostProcess<'_>,
        n: usize,
        out: &mut Vec<BlendedItem>,
    ) {
        self.fill_lists(arms, request, weights.iter().map(|&(arm, _)| arm));
        self.blend_lists(weights, post, n, out);
    }

    /// Asks each arm of `which` for its candidate list for `request` (kept until the
    /// next call); used directly when every arm's list is needed (exact regret).
    ///
    /// # Determinism
    ///
    /// Arm `a` draws only from its own stream `rngs[a]`.
    pub fn fill_lists(
        &mut self,
        arms: &Arms,
        request: &Request<'_>,
        which: impl IntoIterator<Item = ArmId>,
    ) {
        for arm in which {
            let a = arm.index();
            arms.get(arm).recommend(
                request,
                self.list_len,
                &mut self.rngs[a],
                &mut self.lists[a],
            );
        }
    }

    /// Arm `arm`'s last candidate list, best first.
    #[must_use]
    pub fn list(&self, arm: ArmId) -> &[Scored] {
        &self.lists[arm.index()]
    }

    /// Blends the last lists of the `weights` arms and post-processes the pool into the
    /// slate of `n`.
    pub fn blend_lists(
        &mut self,
        weights: &[(ArmId, f64)],
        post: PostProcess<'_>,
        n: usize,
        out: &mut Vec<BlendedItem>,
    ) {
        let lists = std::mem::take(&mut self.lists);
        self.blend_from(&lists, weights, post, n, out);
        self.lists = lists;
    }

    /// Blends `lists[a]` of each arm `a` of `weights` and post-processes the pool
    /// into the slate of `n`.
    pub fn blend_from(
        &mut self,
        lists: &[Vec<Scored>],
        weights: &[(ArmId, f64)],
        post: PostProcess<'_>,
        n: usize,
        out: &mut Vec<BlendedItem>,
    ) {
        let mut inputs: Vec<Blend<'_>> = weights
            .iter()
            .map(|&(arm, weight)| Blend {
                arm,
                weight,
                list: &lists[arm.index()],
            })
            .collect();
        let pool_size = post.diversity.pool_size(n);
        self.dense
            .blend(&mut inputs, pool_size, self.normalisation, &mut self.pool);
        post.diversity.rerank(&mut self.pool, post.coverage, n, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(ids: &[u32]) -> Vec<Scored> {
        ids.iter()
            .map(|&m| Scored {
                movie: MovieId(m),
                score: 0.0,
            })
            .collect()
    }

    #[test]
    fn blend_adds_rank_scores_by_weight() {
        // Arm 0 (w 0.75): [1, 2]; arm 1 (w 0.25): [2, 3].
        // 1: 0.75·1 = 0.75; 2: 0.75·0.5 + 0.25·1 = 0.625; 3: 0.25·0.5 = 0.125.
        let a = list(&[1, 2]);
        let b = list(&[2, 3]);
        let mut out = Vec::new();
        blend(
            &[
                Blend {
                    arm: ArmId(0),
                    weight: 0.75,
                    list: &a,
                },
                Blend {
                    arm: ArmId(1),
                    weight: 0.25,
                    list: &b,
                },
            ],
            3,
            &mut out,
        );
        let movies: Vec<u32> = out.iter().map(|i| i.movie.0).collect();
        assert_eq!(movies, [1, 2, 3]);
        assert!((out[1].score - 0.625).abs() < 1e-12);
        assert_eq!(out[1].arm, ArmId(0));
        assert_eq!(out[2].arm, ArmId(1));
    }

    #[test]
    fn z_score_blend_keeps_score_gaps() {
        // Arm 0 scores movies [2, 1, 0] with [10, 1, 0] (a clear winner), arm 1 scores
        // movies [3, 1, 0] with [0.2, 0.1, 0]; equal weights. By hand:
        // arm 0: mean 11/3, sd ≈ 4.497, z − z_min = s / sd ≈ (2.224, 0.222, 0);
        // arm 1: sd ≈ 0.0816, z − z_min ≈ (2.449, 1.225, 0). Blended: movie 3 ≈ 1.225,
        // movie 2 ≈ 1.112, movie 1 ≈ 0.724, movie 0 = 0. (Rank blending would put
        // movie 1 first: 0.5·(2/3) + 0.5·(2/3) = 0.667 > 0.5.)
        let a = [(2, 10.0), (1, 1.0), (0, 0.0)].map(|(m, s)| Scored {
            movie: MovieId(m),
            score: s,
        });
        let b = [(3, 0.2), (1, 0.1), (0, 0.0)].map(|(m, s)| Scored {
            movie: MovieId(m),
            score: s,
        });
        let mut out = Vec::new();
        blend_normalised(
            &[
                Blend {
                    arm: ArmId(0),
                    weight: 0.5,
                    list: &a,
                },
                Blend {
                    arm: ArmId(1),
                    weight: 0.5,
                    list: &b,
                },
            ],
            4,
            BlendNormalisation::ZScore,
            &mut out,
        );
        let movies: Vec<u32> = out.iter().map(|i| i.movie.0).collect();
        assert_eq!(movies, [3, 2, 1, 0]);
        let sd = (((10.0f64 - 11.0 / 3.0).powi(2)
            + (1.0f64 - 11.0 / 3.0).powi(2)
            + (11.0f64 / 3.0).powi(2))
            / 3.0)
            .sqrt();
        assert!((out[1].score - 0.5 * 10.0 / sd).abs() < 1e-12);
    }

    #[test]
    fn blend_breaks_ties_by_movie_id_and_truncates() {
        let a = list(&[9]);
        let b = list(&[4]);
        let mut out = Vec::new();
        blend(
            &[
                Blend {
                    arm: ArmId(0),
                    weight: 0.5,
                    list: &a,
                },
                Blend {
                    arm: ArmId(1),
                    weight: 0.5,
                    list: &b,
                },
            ],
            1,
            &mut out,
        );
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].movie, MovieId(4));
    }

    #[test]
    fn dense_blend_gives_the_sorted_merge_bit_for_bit() {
        // Three overlapping lists of 40 with uneven scores, given in an order other
        // than arm id, and ties of parts across arms; both normalisations; pools of
        // several sizes.
        let lists: Vec<Vec<Scored>> = (0..3u32)
            .map(|a| {
                (0..40u32)
                    .map(|r| Scored {
                        movie: MovieId((r * (a + 3) + 7 * a) % 61),
                        score: f64::from((r * 37 + a * 11) % 23) - f64::from(r),
                    })
                    .collect::<Vec<_>>()
            })
            .map(|mut l| {
                l.sort_by_key(|s| s.movie);
                l.dedup_by_key(|s| s.movie);
                l
            })
            .collect();
        let weights = [(ArmId(2), 0.25), (ArmId(0), 0.5), (ArmId(1), 0.25)];
        for normalisation in [BlendNormalisation::Rank, BlendNormalisation::ZScore] {
            for k in [0, 1, 10, 50, 200] {
                let inputs = || -> Vec<Blend<'_>> {
                    weights
                        .iter()
                        .map(|&(arm, weight)| Blend {
                            arm,
                            weight,
                            list: &lists[arm.index()],
                        })
                        .collect()
                };
                let mut want = Vec::new();
                blend_normalised(&inputs(), k, normalisation, &mut want);
                let mut dense = DenseBlend::default();
                let mut got = Vec::new();
                dense.blend(&mut inputs(), k, normalisation, &mut got);
                // Reused: a second blend on the same accumulator gives the same.
                let mut again = Vec::new();
                dense.blend(&mut inputs(), k, normalisation, &mut again);
                for out in [&got, &again] {
                    assert_eq!(out.len(), want.len());
                    for (g, w) in out.iter().zip(&want) {
                        assert_eq!((g.movie, g.arm), (w.movie, w.arm));
                        assert_eq!(g.score.to_bits(), w.score.to_bits());
                    }
                }
            }
        }
    }
}
