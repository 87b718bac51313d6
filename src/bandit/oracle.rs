//! The oracle: the one policy allowed to read the truth.

use crate::ids::ArmId;
use crate::rng::ChaCha8Rng;
use crate::world::Context;

use super::propensity::{ActionDistribution, ArmSet, Basis};
use super::ranking::top_n;
use super::{ArmChoice, Feedback, Policy};

/// Chooses the `n` arms whose slates have the highest true expected reward for this
/// very request (given by the simulator through [`Policy::observe_truth`] just before
/// each selection); confidences are those rewards normalised. Its regret is 0 by
/// definition: it is the yardstick, not a deployable policy. Learns nothing, draws
/// nothing.
#[derive(Clone, Debug)]
pub struct Oracle {
    truth: Vec<f64>,
}

impl Oracle {
    /// An oracle over `n_arms` arms.
    #[must_use]
    pub fn new(n_arms: usize) -> Self {
        Self {
            truth: vec![0.0; n_arms],
        }
    }
}

impl Policy for Oracle {
    fn name(&self) -> &'static str {
        "oracle"
    }

    fn select_into(
        &mut self,
        _context: &Context,
        n: usize,
        _rng: &mut ChaCha8Rng,
        out: &mut Vec<ArmChoice>,
    ) {
        top_n(&self.truth, n, out);
    }

    fn action_distribution(
        &self,
        _context: &Context,
        n: usize,
        _draws: usize,
        _rng: &mut ChaCha8Rng,
        out: &mut ActionDistribution,
    ) {
        let mut chosen = Vec::with_capacity(n);
        top_n(&self.truth, n, &mut chosen);
        out.reset(self.truth.len(), n, Basis::Exact);
        out.add(ArmSet::of(&chosen), 1.0);
    }

    fn update(&mut self, _context: &Context, _choices: &[ArmChoice], _feedback: &Feedback) {}

    fn greedy_arm(&self, _context: &Context) -> Option<ArmId> {
        let best = self
            .truth
            .iter()
            .enumerate()
            .fold(0, |b, (a, &r)| if r > self.truth[b] { a } else { b });
        Some(ArmId(u16::try_from(best).expect("fits u16")))
    }

    fn reads_truth(&self) -> bool {
        true
    }

    fn observe_truth(&mut self, expected_rewards: &[f64]) {
        self.truth.clear();
        self.truth.extend_from_slice(expected_rewards);
    }
}
