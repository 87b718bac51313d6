//! A sudden change of every user's hidden taste (`pipeline.faults`, `TasteShift`).
//!
//! At the fault's time each user's taste moves a share `s` (the fault's `strength`)
//! of the way towards a fresh one, keeping its size, so the population looks as
//! before but each user likes other movies:
//!
//! ```text
//! factors'  = |f| · normalise((1 − s) · f / |f| + s · z / |z|),  z ~ N(0, I)
//! affinity' = (1 − s) · a + s · a∘π,                            π a random permutation
//! ```
//!
//! `z` and `π` are drawn per user from stream `(TasteShift, fault · 2^32 + user)`.
//! Everything else of the user (visits, novelty appetite, rating bias) stays. Only
//! the response model and the regret read the shifted taste; arms learn it from the
//! clicks and ratings that follow, and the oracle arm keeps the taste it was built
//! with (it reads the world at day 0).

use rand::RngExt;
use rand::seq::SliceRandom;
use rand_distr::StandardNormal;

use crate::rng::{Purpose, SeedTree};

use super::UserTaste;

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

/// `tastes` after the taste shift of strength `strength` (in (0, 1]) that is fault
/// number `fault` of the scenario.
///
/// # Determinism
///
/// Per user, from stream `(TasteShift, fault · 2^32 + user)`: one standard normal
/// per taste factor, then a Fisher–Yates shuffle of the genres.
#[must_use]
pub fn shift_tastes(
    tastes: &[UserTaste],
    strength: f64,
    seeds: &SeedTree,
    fault: usize,
) -> Vec<UserTaste> {
    tastes
        .iter()
        .enumerate()
        .map(|(u, taste)| {
            let mut rng = seeds.stream(Purpose::TasteShift, ((fault as u64) << 32) | u as u64);
            let mut shifted = taste.clone();
            let size = norm(&taste.factors);
            let fresh: Vec<f64> = taste
                .factors
                .iter()
                .map(|_| rng.sample::<f64, _>(StandardNormal))
                .collect();
            let fresh_size = norm(&fresh);
            if size > 0.0 && fresh_size > 0.0 {
                let mixed: Vec<f64> = taste
                    .factors
                    .iter()
                    .zip(&fresh)
                    .map(|(f, z)| (1.0 - strength) * f / size + strength * z / fresh_size)
                    .collect();
                let mixed_size = norm(&mixed);
                if mixed_size > 0.0 {
                    for (s, m) in shifted.factors.iter_mut().zip(&mixed) {
                        *s = size * m / mixed_size;
                    }
                }
            }
            let mut order: Vec<usize> = (0..taste.genre_affinity.len()).collect();
            order.shuffle(&mut rng);
            for (s, (a, &p)) in shifted
                .genre_affinity
                .iter_mut()
                .zip(taste.genre_affinity.iter().zip(&order))
            {
                *s = (1.0 - strength) * a + strength * taste.genre_affinity[p];
            }
            shifted
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taste(factors: Vec<f64>, genre_affinity: Vec<f64>) -> UserTaste {
        UserTaste {
            factors,
            genre_affinity,
            novelty_appetite: 0.3,
            context_sensitivity: 0.5,
            visits_per_day: 1.0,
            niche_lover: false,
            activity: 10,
            activity_quantile: None,
            rating_bias: 0.2,
            rating_step: 1.0,
        }
    }

    #[test]
    fn a_shift_keeps_sizes_and_moves_directions_by_its_strength() {
        let seeds = SeedTree::new(3);
        let before = vec![
            taste(vec![3.0, 4.0, 0.0, 0.0], vec![1.0, 0.0, -1.0]),
            taste(vec![0.0, 0.0, 1.0, 0.0], vec![0.5, 0.5, 0.5]),
        ];
        let weak = shift_tastes(&before, 0.1, &seeds, 0);
        let strong = shift_tastes(&before, 1.0, &seeds, 0);
        assert_eq!(weak, shift_tastes(&before, 0.1, &seeds, 0));
        assert_ne!(strong, shift_tastes(&before, 1.0, &seeds, 1));
        for (b, (w, s)) in before.iter().zip(weak.iter().zip(&strong)) {
            // |f| kept: 5 and 1.
            assert!((norm(&w.factors) - norm(&b.factors)).abs() < 1e-12);
            assert!((norm(&s.factors) - norm(&b.factors)).abs() < 1e-12);
            let cos = |x: &[f64]| {
                x.iter().zip(&b.factors).map(|(p, q)| p * q).sum::<f64>()
                    / (norm(x) * norm(&b.factors))
            };
            // A weak shift stays close (cosine > 0.8 at s = 0.1: the mixed direction
            // is at least 0.9 of the old against at most 0.1 of a unit vector).
            assert!(cos(&w.factors) > 0.8, "{}", cos(&w.factors));
            assert!(cos(&w.factors) > cos(&s.factors));
            assert_eq!(w.rating_bias, b.rating_bias);
            assert_eq!(w.visits_per_day, b.visits_per_day);
        }
        // Affinities: a full shift permutes them (same multiset); the constant user
        // keeps hers.
        let mut sorted = strong[0].genre_affinity.clone();
        sorted.sort_by(f64::total_cmp);
        assert_eq!(sorted, [-1.0, 0.0, 1.0]);
        assert_eq!(strong[1].genre_affinity, [0.5, 0.5, 0.5]);
    }
}
