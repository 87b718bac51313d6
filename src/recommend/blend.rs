//! Blending several arms' lists into one slate.
//!
//! Arms score on different scales (vote counts, predicted stars, random ranks), so
//! scores are made comparable by rank: the item at 0-based rank `r` of an arm's list
//! of length `L` gets `1 − r / L`, an item the arm did not list gets 0. The blended
//! score is `Σ_a w_a · (1 − r_a / L_a)` with the policy's confidences as weights.
//! Rank normalisation ignores score gaps but cannot be dominated by one arm's scale.

use crate::ids::{ArmId, MovieId};

use super::Scored;

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
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BlendedItem {
    /// The movie.
    pub movie: MovieId,
    /// Blended score.
    pub score: f64,
    /// The arm with the largest weighted contribution (ties: lower arm id).
    pub arm: ArmId,
}

/// Blends `inputs` into the top `k` items, best first; ties go to the lower movie id.
pub fn blend(inputs: &[Blend<'_>], k: usize, out: &mut Vec<BlendedItem>) {
    // (movie, contribution, arm) triples, merged per movie after sorting.
    let mut parts: Vec<(MovieId, f64, ArmId)> =
        Vec::with_capacity(inputs.iter().map(|b| b.list.len()).sum());
    for input in inputs {
        let len = input.list.len() as f64;
        for (rank, scored) in input.list.iter().enumerate() {
            parts.push((
                scored.movie,
                input.weight * (1.0 - rank as f64 / len),
                input.arm,
            ));
        }
    }
    parts.sort_by_key(|p| (p.0, p.2));
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
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.movie.cmp(&b.movie)));
    out.truncate(k);
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
}
