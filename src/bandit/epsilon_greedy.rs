//! ε-greedy: exploit the best posterior mean, explore uniformly with probability ε.

use rand::RngExt;

use crate::ids::ArmId;
use crate::rng::ChaCha8Rng;
use crate::world::Context;

use super::posterior::BetaTable;
use super::propensity::{ActionDistribution, ArmSet, Basis};
use super::ranking::top_n;
use super::reward::RewardRule;
use super::uniform::distinct_arms;
use super::{ArmChoice, Feedback, Policy};

/// ε-greedy (Sutton & Barto 2018, §2.2) over the same posteriors as Thompson.
///
/// Per request: with probability ε, `n` distinct arms uniformly at random with equal
/// confidences; otherwise the `n` arms with the highest posterior mean (ties: lower
/// arm id), confidences = means normalised over the chosen arms.
///
/// # Determinism
///
/// One uniform draw per request for the coin, plus `n` draws when exploring.
#[derive(Clone, Debug)]
pub struct EpsilonGreedy {
    table: BetaTable,
    rule: RewardRule,
    epsilon: f64,
    /// Scratch: the arms being shuffled (exploring) or their means (exploiting).
    arms: Vec<u16>,
    scores: Vec<f64>,
}

impl EpsilonGreedy {
    /// A policy with exploration probability `epsilon`.
    #[must_use]
    pub fn new(table: BetaTable, rule: RewardRule, epsilon: f64) -> Self {
        let n = table.n_arms();
        Self {
            table,
            rule,
            epsilon,
            arms: Vec::with_capacity(n),
            scores: Vec::with_capacity(n),
        }
    }
}

impl Policy for EpsilonGreedy {
    fn name(&self) -> &'static str {
        "epsilon_greedy"
    }

    fn select_into(
        &mut self,
        context: &Context,
        n: usize,
        rng: &mut ChaCha8Rng,
        out: &mut Vec<ArmChoice>,
    ) {
        let n_arms = self.table.n_arms();
        let coin: f64 = rng.random();
        if coin < self.epsilon {
            distinct_arms(n_arms, n, rng, &mut self.arms, out);
            return;
        }
        let key = self.table.keys().index(context);
        self.scores.clear();
        self.scores
            .extend((0..n_arms).map(|a| self.table.mean(key, a)));
        top_n(&self.scores, n, out);
    }

    fn action_distribution(
        &self,
        context: &Context,
        n: usize,
        _draws: usize,
        _rng: &mut ChaCha8Rng,
        out: &mut ActionDistribution,
    ) {
        // Exploring (probability ε): every set equally likely (`distinct_arms`);
        // exploiting: the top-n posterior means, as `select_into` ranks them.
        let n_arms = self.table.n_arms();
        let key = self.table.keys().index(context);
        let means: Vec<f64> = (0..n_arms).map(|a| self.table.mean(key, a)).collect();
        let mut greedy = Vec::with_capacity(n);
        top_n(&means, n, &mut greedy);
        out.reset(n_arms, n, Basis::Exact);
        out.add_uniform(self.epsilon);
        out.add(ArmSet::of(&greedy), 1.0 - self.epsilon);
    }

    learns_into_beta_table!();
}
