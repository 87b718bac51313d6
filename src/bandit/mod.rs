//! Policies: which arms serve a request, with what confidence, and how they learn.
//!
//! | policy | file | learns | reads the truth |
//! | --- | --- | --- | --- |
//! | [`ThompsonSampling`] | `thompson.rs` | Beta posteriors per (context, arm) | no |
//! | [`EpsilonGreedy`] | `epsilon_greedy.rs` | the same posteriors | no |
//! | [`Ucb1`] | `ucb.rs` | the same posteriors | no |
//! | [`StaticWeights`] | `static_weights.rs` | nothing (today's system) | no |
//! | [`Uniform`] | `uniform.rs` | nothing | no |
//! | [`Oracle`] | `oracle.rs` | nothing | yes: every arm's expected reward |
//!
//! [`ContextKeys`] turns a request's context into the key a policy learns under;
//! [`RewardRule`] turns feedback into a success or failure; [`BetaTable`] holds the
//! posteriors with the sparse-context fallback; [`state`] persists them. Scoring
//! policies rank arms with one `top_n` (`ranking.rs`); the uniform policy and
//! ε-greedy's exploration draw distinct arms with one shuffle (`uniform.rs`).
//! [`propensity`] gives every policy's probability of each arm set, for the event
//! log's propensities and off-policy evaluation.
//! `docs/BANDIT_SELECTOR.md` explains the whole selector.

/// The [`Policy`] methods every policy that learns into [`BetaTable`]s shares:
/// `update`, `greedy_arm`, `table` and `table_mut`, for a policy with fields
/// `table: BetaTable` and `rule: RewardRule`. Used inside `impl Policy for …`.
macro_rules! learns_into_beta_table {
    () => {
        fn update(&mut self, context: &Context, choices: &[ArmChoice], feedback: &Feedback) {
            self.table.learn(&self.rule, context, choices, feedback);
        }

        fn greedy_arm(&self, context: &Context) -> Option<ArmId> {
            Some(self.table.greedy_arm(context))
        }

        fn table(&self) -> Option<&BetaTable> {
            Some(&self.table)
        }

        fn table_mut(&mut self) -> Option<&mut BetaTable> {
            Some(&mut self.table)
        }
    };
}

mod context_key;
mod epsilon_greedy;
mod oracle;
mod posterior;
pub mod propensity;
mod ranking;
mod reward;
pub mod state;
mod static_weights;
mod syntax;
mod thompson;
mod ucb;
mod uniform;
mod ziggurat;

pub use context_key::ContextKeys;
pub use epsilon_greedy::EpsilonGreedy;
pub use oracle::Oracle;
pub use posterior::BetaTable;
pub use propensity::{ActionDistribution, ArmSet, Propensity, PropensityLogger};
pub use reward::RewardRule;
pub use static_weights::StaticWeights;
pub use syntax::{PolicySyntaxError, ShortSyntax, parse_policy};
pub use thompson::{ThompsonSampling, sample_beta, sample_gamma};
pub use ucb::Ucb1;
pub use uniform::Uniform;

use serde::Serialize;

use crate::ids::ArmId;
use crate::rng::ChaCha8Rng;
use crate::scenario::spec::{PolicySpec, StackSpec};
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
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Feedback {
    /// Whether any slate item was clicked.
    pub clicked: bool,
    /// The arm credited with the clicked item (the arm contributing most to its blended
    /// score), if any. Reported, not used for learning: the learning policies split a
    /// request's reward between the chosen arms by confidence ([`BetaTable::observe`]).
    pub credited_arm: Option<ArmId>,
    /// Stars 1–5, if rated.
    pub rating: Option<f32>,
    /// ±1, if thumbed.
    pub thumbs: Option<i8>,
}

/// A policy choosing arms per context.
pub trait Policy: Send {
    /// The policy's short name.
    fn name(&self) -> &'static str;

    /// Writes up to `n` distinct arms for a request in `context` into `out` (cleared
    /// first), with confidences summing to 1, the lead (strongest) arm first.
    ///
    /// # Determinism
    ///
    /// Randomised policies draw only from `rng`, the policy's own stream.
    fn select_into(
        &mut self,
        context: &Context,
        n: usize,
        rng: &mut ChaCha8Rng,
        out: &mut Vec<ArmChoice>,
    );

    /// [`Policy::select_into`] into a new vector.
    fn select_arms(&mut self, context: &Context, n: usize, rng: &mut ChaCha8Rng) -> Vec<ArmChoice> {
        let mut out = Vec::with_capacity(n);
        self.select_into(context, n, rng, &mut out);
        out
    }

    /// The policy's probability of every arm set (order ignored) for a request in
    /// `context` with `n` arms per request, as it stands now, written to `out`: exact
    /// from the policy's rule, or for Thompson Sampling estimated from `draws` joint
    /// posterior draws ([`propensity`] lists which is which).
    ///
    /// # Determinism
    ///
    /// Draws only from `rng`, never from the policy's own stream: `draws` joint draws
    /// (one Beta draw per arm each) for Thompson Sampling, none for the others.
    fn action_distribution(
        &self,
        context: &Context,
        n: usize,
        draws: usize,
        rng: &mut ChaCha8Rng,
        out: &mut ActionDistribution,
    );

    /// Learns from the feedback to a request it served with `choices`.
    fn update(&mut self, context: &Context, choices: &[ArmChoice], feedback: &Feedback);

    /// The arm the policy currently believes best in `context` (highest estimate), if
    /// it has beliefs. A request whose lead arm differs from it is exploration.
    fn greedy_arm(&self, _context: &Context) -> Option<ArmId> {
        None
    }

    /// Whether the policy must be told the truth before each selection (the oracle).
    fn reads_truth(&self) -> bool {
        false
    }

    /// The true expected reward of every arm for the coming request, by arm id; the
    /// simulator calls it only when [`Policy::reads_truth`] is true.
    fn observe_truth(&mut self, _expected_rewards: &[f64]) {}

    /// The learned posteriors, for reports and persistence.
    fn table(&self) -> Option<&BetaTable> {
        None
    }

    /// The learned posteriors, to restore a saved state.
    fn table_mut(&mut self) -> Option<&mut BetaTable> {
        None
    }
}

/// Builds the policy a spec describes over the stack's arms, learning with the
/// stack's reward rule.
#[must_use]
pub fn build_policy(spec: &PolicySpec, stack: &StackSpec) -> Box<dyn Policy> {
    let arms = &stack.arms;
    let rule = || RewardRule::new(&stack.reward);
    let table = |prior: (f64, f64), context: &[_], discount: Option<f64>, pooling: f64| {
        BetaTable::new(
            ContextKeys::new(context),
            arms.len(),
            prior,
            discount,
            pooling,
        )
    };
    match spec {
        PolicySpec::StaticWeights { weights } => {
            let weights = arms
                .iter()
                .map(|a| weights.get(a.name()).copied().unwrap_or(0.0))
                .collect();
            Box::new(StaticWeights::new(weights))
        }
        PolicySpec::Uniform => Box::new(Uniform::new(arms.len())),
        PolicySpec::Thompson {
            prior,
            context,
            discount,
            pooling,
        } => Box::new(ThompsonSampling::new(
            table(*prior, context, *discount, *pooling),
            rule(),
        )),
        PolicySpec::EpsilonGreedy {
            epsilon,
            context,
            prior,
            discount,
            pooling,
        } => Box::new(EpsilonGreedy::new(
            table(*prior, context, *discount, *pooling),
            rule(),
            *epsilon,
        )),
        PolicySpec::Ucb1 {
            c,
            context,
            prior,
            discount,
            pooling,
        } => Box::new(Ucb1::new(
            table(*prior, context, *discount, *pooling),
            rule(),
            *c,
        )),
        PolicySpec::Oracle => Box::new(Oracle::new(arms.len())),
    }
}
