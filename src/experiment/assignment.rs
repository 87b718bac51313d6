//! Consistent-hash assignment of users to experiments and variants.
//!
//! A user's experiment and variant depend only on the user id and the experiment
//! ids, never on arrival order or on other users: the same user always lands in the
//! same arm of a test, run after run, as the plan's "random assignment with consistent
//! hashing (user_id → variant)" asks. Hash: XXH3-64 (stable across platforms and
//! versions) of `"layer:" + user id` for the experiment and `id + ":" + user id` for
//! the variant, mapped to `[0, 1)` by its top 53 bits.

use xxhash_rust::xxh3::xxh3_64;

use crate::ids::UserId;
use crate::scenario::spec::ExperimentSpec;

/// Where a user belongs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Assignment {
    /// Index of the experiment in the scenario, or `None` outside every experiment.
    pub experiment: Option<usize>,
    /// Index of the variant within the experiment (0 outside experiments).
    pub variant: usize,
}

/// Assigns users to the scenario's experiments.
#[derive(Clone, Debug)]
pub struct Assigner {
    /// Cumulative traffic upper bounds, one per experiment.
    traffic_bounds: Vec<f64>,
    /// Per experiment: its id and cumulative variant weight bounds in [0, 1].
    variants: Vec<(String, Vec<f64>)>,
}

fn unit_interval(bytes: &[u8]) -> f64 {
    (xxh3_64(bytes) >> 11) as f64 / (1u64 << 53) as f64
}

fn cumulative(weights: impl Iterator<Item = f64>) -> Vec<f64> {
    let weights: Vec<f64> = weights.collect();
    let total: f64 = weights.iter().sum();
    let mut acc = 0.0;
    weights
        .iter()
        .map(|w| {
            acc += w / total;
            acc
        })
        .collect()
}

impl Assigner {
    /// An assigner for validated experiments.
    #[must_use]
    pub fn new(experiments: &[ExperimentSpec]) -> Self {
        let mut acc = 0.0;
        let traffic_bounds = experiments
            .iter()
            .map(|e| {
                acc += e.traffic;
                acc
            })
            .collect();
        let variants = experiments
            .iter()
            .map(|e| {
                (
                    e.id.clone(),
                    cumulative(e.variants.iter().map(|v| v.weight)),
                )
            })
            .collect();
        Self {
            traffic_bounds,
            variants,
        }
    }

    /// The experiment and variant of `user`.
    #[must_use]
    pub fn assign(&self, user: UserId) -> Assignment {
        let layer = unit_interval(format!("layer:{}", user.0).as_bytes());
        let Some(experiment) = self.traffic_bounds.iter().position(|&b| layer < b) else {
            return Assignment {
                experiment: None,
                variant: 0,
            };
        };
        let (id, bounds) = &self.variants[experiment];
        let x = unit_interval(format!("{id}:{}", user.0).as_bytes());
        let variant = bounds
            .iter()
            .position(|&b| x < b)
            .unwrap_or(bounds.len() - 1);
        Assignment {
            experiment: Some(experiment),
            variant,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::spec::VariantSpec;

    fn experiment(id: &str, traffic: f64, weights: &[f64]) -> ExperimentSpec {
        ExperimentSpec {
            id: id.into(),
            traffic,
            variants: weights
                .iter()
                .enumerate()
                .map(|(i, &weight)| VariantSpec {
                    name: format!("v{i}"),
                    weight,
                    policy: None,
                    diversity: None,
                })
                .collect(),
        }
    }

    #[test]
    fn assignment_is_consistent_and_follows_the_split() {
        let assigner = Assigner::new(&[experiment("ab", 0.5, &[1.0, 3.0])]);
        let n = 40_000;
        let mut counts = [0usize; 3];
        for u in 0..n {
            let a = assigner.assign(UserId(u));
            assert_eq!(a, assigner.assign(UserId(u)));
            match a.experiment {
                None => counts[2] += 1,
                Some(_) => counts[a.variant] += 1,
            }
        }
        // Binomial sd at n = 40,000 is ≤ 0.0025; 0.015 is six of them.
        let share = |c: usize| c as f64 / f64::from(n);
        assert!((share(counts[2]) - 0.5).abs() < 0.015);
        assert!((share(counts[0]) - 0.125).abs() < 0.015);
        assert!((share(counts[1]) - 0.375).abs() < 0.015);
    }

    #[test]
    fn no_experiments_means_nobody_enrolled() {
        let assigner = Assigner::new(&[]);
        assert_eq!(assigner.assign(UserId(3)).experiment, None);
    }
}
