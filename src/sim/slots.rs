//! Policy slots: the stack's policy and one per experiment variant, each with its
//! own stream and diversity settings, and the learned state a run ends with or
//! resumes from.

use crate::bandit::{BetaTable, Policy, build_policy};
use crate::recommend::Diversity;
use crate::rng::{ChaCha8Rng, Purpose, RngPosition, SeedTree};
use crate::scenario::Scenario;
use serde::{Deserialize, Serialize};

use super::outcome::VariantKey;

/// The policy serving one (experiment, variant) slot.
pub(super) struct Slot {
    /// The (experiment, variant) and its policy's name.
    pub key: VariantKey,
    /// The policy.
    pub policy: Box<dyn Policy>,
    /// The policy's stream.
    pub rng: ChaCha8Rng,
    /// The variant's diversity post-processing.
    pub diversity: Diversity,
}

/// A policy slot's learned state: what a run ends with, or starts from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SlotPolicy {
    /// The (experiment, variant) slot and its policy.
    pub key: VariantKey,
    /// The learned posteriors (`None` for policies that learn nothing).
    pub table: Option<BetaTable>,
    /// Where the slot's policy stream stands.
    pub rng: RngPosition,
}

/// The policy slots of a scenario as a run starts them (priors, fresh streams): what a
/// saved state must match to be resumed.
#[must_use]
pub fn initial_policies(scenario: &Scenario, seeds: &SeedTree) -> Vec<SlotPolicy> {
    slot_policies(scenario, seeds)
        .into_iter()
        .map(|(key, policy, rng)| SlotPolicy {
            key,
            table: policy.table().cloned(),
            rng: RngPosition::of(&rng),
        })
        .collect()
}

/// Every slot's key, policy (at its prior) and policy stream: the default stack first,
/// then each experiment's variants in order.
fn slot_policies(
    scenario: &Scenario,
    seeds: &SeedTree,
) -> Vec<(VariantKey, Box<dyn Policy>, ChaCha8Rng)> {
    let spec = scenario.spec();
    let mut slots = vec![(
        VariantKey {
            experiment: None,
            variant: "default".into(),
            policy: spec.stack.policy.name().into(),
        },
        build_policy(&spec.stack.policy, &spec.stack),
        seeds.stream(Purpose::Policy, 0),
    )];
    for e in &spec.experiments {
        for v in &e.variants {
            let policy_spec = v.policy.as_ref().unwrap_or(&spec.stack.policy);
            let index = slots.len() as u64;
            slots.push((
                VariantKey {
                    experiment: Some(e.id.clone()),
                    variant: v.name.clone(),
                    policy: policy_spec.name().into(),
                },
                build_policy(policy_spec, &spec.stack),
                seeds.stream(Purpose::Policy, index),
            ));
        }
    }
    slots
}

/// The slots of a run: policies with their diversity settings (a variant's own, or the
/// stack's).
pub(super) fn build_slots(
    scenario: &Scenario,
    seeds: &SeedTree,
    catalogue: &crate::world::Catalogue,
) -> Vec<Slot> {
    let spec = scenario.spec();
    let stack_diversity = Diversity::new(&spec.stack.diversity, catalogue);
    let variant_diversity = spec
        .experiments
        .iter()
        .flat_map(|e| &e.variants)
        .map(|v| v.diversity.as_ref().map(|d| Diversity::new(d, catalogue)));
    let diversities = std::iter::once(None).chain(variant_diversity);
    slot_policies(scenario, seeds)
        .into_iter()
        .zip(diversities)
        .map(|((key, policy, rng), diversity)| Slot {
            key,
            policy,
            rng,
            diversity: diversity.unwrap_or_else(|| stack_diversity.clone()),
        })
        .collect()
}
