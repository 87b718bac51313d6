//! Policies: which arms serve a request, with what confidence, and how they learn.

mod static_weights;
mod uniform;

pub use static_weights::StaticWeights;
pub use uniform::Uniform;

use serde::Serialize;

use crate::ids::ArmId;
use crate::rng::ChaCha8Rng;
use crate::scenario::spec::{ArmSpec, PolicySpec};
use crate::world::Context;

/// An arm picked for a request and the policy's confidence in it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ArmChoice {
    /// The arm.
    pub arm: ArmId,
    /// The policy's confidence, used as the arm's blending weight; the confidences of
    /// one request sum to 1.
    pub confidence: f64,
}

/// What the user did with a slate, as the policy learns it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Feedback {
    /// Whether any slate item was clicked.
    pub clicked: bool,
    /// The arm credited with the clicked item (the arm contributing most to its blended
    /// score), if any.
    pub credited_arm: Option<ArmId>,
    /// Stars 1–5, if rated.
    pub rating: Option<u8>,
    /// ±1, if thumbed.
    pub thumbs: Option<i8>,
}

/// A policy choosing arms per context.
pub trait Policy: Send {
    /// The policy's short name.
    fn name(&self) -> &'static str;

    /// Chooses up to `n` distinct arms for a request in `context`, with confidences
    /// summing to 1, strongest first.
    ///
    /// # Determinism
    ///
    /// Randomised policies draw only from `rng`, the policy's own stream.
    fn select_arms(&mut self, context: &Context, n: usize, rng: &mut ChaCha8Rng) -> Vec<ArmChoice>;

    /// Learns from the feedback to a request it served with `choices`.
    fn update(&mut self, context: &Context, choices: &[ArmChoice], feedback: &Feedback);
}

/// Builds the policy a spec describes over the stack's arms.
#[must_use]
pub fn build_policy(spec: &PolicySpec, arms: &[ArmSpec]) -> Box<dyn Policy> {
    match spec {
        PolicySpec::StaticWeights { weights } => {
            let weights = arms
                .iter()
                .map(|a| weights.get(a.name()).copied().unwrap_or(0.0))
                .collect();
            Box::new(StaticWeights::new(weights))
        }
        PolicySpec::Uniform => Box::new(Uniform::new(arms.len())),
    }
}
