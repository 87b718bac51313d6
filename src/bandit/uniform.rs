//! Uniformly random arms: the no-learning floor.

use rand::RngExt;

use crate::ids::ArmId;
use crate::rng::ChaCha8Rng;
use crate::world::Context;

use super::propensity::{ActionDistribution, Basis};
use super::{ArmChoice, Feedback, Policy};

/// `n` distinct arms drawn uniformly per request, equal confidences. Learns nothing.
#[derive(Clone, Debug)]
pub struct Uniform {
    n_arms: usize,
    /// Scratch of the shuffle, kept to avoid allocating per request.
    arms: Vec<u16>,
}

impl Uniform {
    /// A policy over `n_arms` arms.
    #[must_use]
    pub fn new(n_arms: usize) -> Self {
        Self {
            n_arms,
            arms: Vec::with_capacity(n_arms),
        }
    }
}

/// Writes `n` distinct arms of `n_arms`, uniformly at random, with equal confidences:
/// the uniform policy's choice and ε-greedy's exploration. `arms` is scratch.
///
/// # Determinism
///
/// A partial Fisher–Yates shuffle: exactly `min(n, n_arms)` draws from `rng`.
pub(crate) fn distinct_arms(
    n_arms: usize,
    n: usize,
    rng: &mut ChaCha8Rng,
    arms: &mut Vec<u16>,
    out: &mut Vec<ArmChoice>,
) {
    let n = n.min(n_arms);
    arms.clear();
    arms.extend(0..u16::try_from(n_arms).expect("arm count fits u16"));
    for i in 0..n {
        let j = rng.random_range(i..n_arms);
        arms.swap(i, j);
    }
    out.clear();
    out.extend(arms[..n].iter().map(|&arm| ArmChoice {
        arm: ArmId(arm),
        confidence: 1.0 / n as f64,
    }));
}

impl Policy for Uniform {
    fn name(&self) -> &'static str {
        "uniform"
    }

    fn select_into(
        &mut self,
        _context: &Context,
        n: usize,
        rng: &mut ChaCha8Rng,
        out: &mut Vec<ArmChoice>,
    ) {
        distinct_arms(self.n_arms, n, rng, &mut self.arms, out);
    }

    fn action_distribution(
        &self,
        _context: &Context,
        n: usize,
        _draws: usize,
        _rng: &mut ChaCha8Rng,
        out: &mut ActionDistribution,
    ) {
        // A partial Fisher–Yates shuffle makes every ordered draw of n arms equally
        // likely, so every unordered set too.
        out.reset(self.n_arms, n, Basis::Exact);
        out.add_uniform(1.0);
    }

    fn update(&mut self, _context: &Context, _choices: &[ArmChoice], _feedback: &Feedback) {}
}
