//! The deployed truth: each target policy serving the same world, on-policy.
//!
//! A target runs as `recolab compare` runs a policy ([`compare_scenario`]): it is the
//! stack's policy for every user, experiments removed, exact regret on, from its
//! prior, learning from its own choices. Run on the logging run's seed tree it meets
//! the same world, the same arrivals and the same response noise (common random
//! numbers) — as far as its choices allow: users it satisfies return sooner, and
//! arms retrain on what it showed. Its value is the expected reward per request of
//! the slates it showed (exact, from the response model), not the realised rewards.

use crate::bandit::{ShortSyntax, parse_policy};
use crate::rng::SeedTree;
use crate::scenario::Scenario;
use crate::scenario::spec::PolicySpec;
use crate::sim::{self, NoEvents};
use crate::sweep::{CompareError, compare_scenario};
use crate::world::World;

use super::error::OpeError;
use super::log::RewardKind;

/// A target policy, parsed and validated against the scenario.
#[derive(Clone, Debug)]
pub struct Target {
    /// As given on the command line.
    pub label: String,
    /// Every parameter spelled out.
    pub resolved: String,
    /// The policy.
    pub spec: PolicySpec,
    /// The scenario that deploys it (the truth run).
    pub deployed: Scenario,
}

impl Target {
    /// Parses `label` (`--target` syntax, as `--policy` of `recolab compare`) against
    /// the arms of `base`.
    ///
    /// # Errors
    ///
    /// [`OpeError::Syntax`], [`OpeError::Invalid`] with the field paths of the
    /// problems, [`OpeError::OracleTarget`].
    pub fn parse(base: &Scenario, label: &str) -> Result<Self, OpeError> {
        let arms: Vec<&str> = base.spec().stack.arms.iter().map(|a| a.name()).collect();
        let spec = parse_policy(label, &arms)?;
        if spec == PolicySpec::Oracle {
            return Err(OpeError::OracleTarget {
                label: label.to_owned(),
            });
        }
        let deployed = compare_scenario(base, label, spec.clone()).map_err(|e| match e {
            CompareError::Invalid { label, source } => OpeError::Invalid { label, source },
            CompareError::Syntax(e) => OpeError::Syntax(e),
            CompareError::NoPolicy | CompareError::NoSeeds => {
                unreachable!("compare_scenario checks one policy")
            }
        })?;
        Ok(Self {
            label: label.to_owned(),
            resolved: ShortSyntax(&spec).to_string(),
            spec,
            deployed,
        })
    }

    /// The target's expected reward per request deployed on `world` with `seeds`.
    #[must_use]
    pub fn deployed_value(&self, seeds: &SeedTree, world: &World, reward: RewardKind) -> f64 {
        let outcome = sim::replay(&self.deployed, seeds, world, &mut NoEvents, &mut |_| {})
            .expect("NoEvents never fails");
        let n = (outcome.overall.requests as f64).max(1.0);
        match reward {
            RewardKind::Success => {
                let ledger = outcome
                    .regret
                    .as_ref()
                    .expect("the truth runs turn regret on");
                ledger.slots[0].total.shown_reward / n
            }
            RewardKind::Click => outcome.overall.expected_clicks / n,
        }
    }
}
