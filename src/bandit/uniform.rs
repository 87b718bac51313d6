//! Uniformly random arms: the no-learning floor.

use rand::RngExt;

use crate::ids::ArmId;
use crate::rng::ChaCha8Rng;
use crate::world::Context;

use super::{ArmChoice, Feedback, Policy};

/// `n` distinct arms drawn uniformly per request, equal confidences. Learns nothing.
#[derive(Clone, Debug)]
pub struct Uniform {
    n_arms: usize,
}

impl Uniform {
    /// A policy over `n_arms` arms.
    #[must_use]
    pub fn new(n_arms: usize) -> Self {
        Self { n_arms }
    }
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
        let n = n.min(self.n_arms);
        let mut arms: Vec<u16> =
            (0..u16::try_from(self.n_arms).expect("arm count fits u16")).collect();
        // Partial Fisher–Yates: exactly n draws.
        for i in 0..n {
            let j = rng.random_range(i..arms.len());
            arms.swap(i, j);
        }
        out.clear();
        out.extend(arms[..n].iter().map(|&a| ArmChoice {
            arm: ArmId(a),
            confidence: 1.0 / n as f64,
        }));
    }

    fn update(&mut self, _context: &Context, _choices: &[ArmChoice], _feedback: &Feedback) {}
}
