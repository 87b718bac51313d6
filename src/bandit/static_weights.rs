//! Fixed weights per arm: today's production system, the baseline of every test.

use crate::ids::ArmId;
use crate::rng::ChaCha8Rng;
use crate::world::Context;

use super::propensity::{ActionDistribution, ArmSet, Basis};
use super::{ArmChoice, Feedback, Policy};

/// Always the `n` heaviest arms with positive weight (ties: lower arm id), with
/// confidences = their weights normalised over the chosen arms. Learns nothing.
#[derive(Clone, Debug)]
pub struct StaticWeights {
    /// Arms by descending weight, positive weights only.
    ranked: Vec<(ArmId, f64)>,
    /// Arms of the stack (weights given, zero or not).
    n_arms: usize,
}

impl StaticWeights {
    /// A policy with `weights[i]` for arm `i`.
    ///
    /// # Panics
    ///
    /// If no weight is positive (validation rejects such scenarios).
    #[must_use]
    pub fn new(weights: Vec<f64>) -> Self {
        let n_arms = weights.len();
        let mut ranked: Vec<(ArmId, f64)> = weights
            .into_iter()
            .enumerate()
            .filter(|&(_, w)| w > 0.0)
            .map(|(i, w)| (ArmId(u16::try_from(i).expect("arm count fits u16")), w))
            .collect();
        assert!(!ranked.is_empty(), "static weights need a positive weight");
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        Self { ranked, n_arms }
    }
}

impl Policy for StaticWeights {
    fn name(&self) -> &'static str {
        "static_weights"
    }

    fn select_into(
        &mut self,
        _context: &Context,
        n: usize,
        _rng: &mut ChaCha8Rng,
        out: &mut Vec<ArmChoice>,
    ) {
        let chosen = &self.ranked[..n.min(self.ranked.len())];
        let total: f64 = chosen.iter().map(|c| c.1).sum();
        out.clear();
        out.extend(chosen.iter().map(|&(arm, w)| ArmChoice {
            arm,
            confidence: w / total,
        }));
    }

    fn action_distribution(
        &self,
        _context: &Context,
        n: usize,
        _draws: usize,
        _rng: &mut ChaCha8Rng,
        out: &mut ActionDistribution,
    ) {
        // The same heaviest arms every time.
        let chosen = &self.ranked[..n.min(self.ranked.len())];
        out.reset(self.n_arms, n, Basis::Exact);
        out.add(
            ArmSet(chosen.iter().fold(0, |m, c| m | 1 << c.0.index())),
            1.0,
        );
    }

    fn update(&mut self, _context: &Context, _choices: &[ArmChoice], _feedback: &Feedback) {}

    fn greedy_arm(&self, _context: &Context) -> Option<ArmId> {
        Some(self.ranked[0].0)
    }
}
