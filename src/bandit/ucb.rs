//! UCB1: optimism in the face of uncertainty.

use crate::ids::ArmId;
use crate::rng::ChaCha8Rng;
use crate::world::Context;

use super::posterior::BetaTable;
use super::propensity::{ActionDistribution, ArmSet, Basis};
use super::reward::RewardRule;
use super::{ArmChoice, Feedback, Policy};

/// UCB1 (Auer, Cesa-Bianchi & Fischer 2002), per context key.
///
/// ```text
/// score_a = mean_a + sqrt(c · ln t / n_a)
/// ```
///
/// with `n_a` the arm's own observations in the context, `t = max(1, Σ_a n_a)`, and
/// `mean_a` the posterior mean (the pooled prior keeps it sensible when `n_a` is
/// small). Arms never observed in the context come first (infinite bonus). The `n`
/// best scores are chosen; confidences are their means normalised. Deterministic:
/// draws nothing.
///
/// # References
///
/// ```text
/// P. Auer, N. Cesa-Bianchi, P. Fischer. Finite-time Analysis of the Multiarmed
///   Bandit Problem. Machine Learning 47, 2002.
/// ```
#[derive(Clone, Debug)]
pub struct Ucb1 {
    table: BetaTable,
    rule: RewardRule,
    c: f64,
    scores: Vec<(f64, u16)>,
}

impl Ucb1 {
    /// A policy with exploration constant `c` (2 in the paper).
    #[must_use]
    pub fn new(table: BetaTable, rule: RewardRule, c: f64) -> Self {
        let n = table.n_arms();
        Self {
            table,
            rule,
            c,
            scores: Vec::with_capacity(n),
        }
    }
}

impl Policy for Ucb1 {
    fn name(&self) -> &'static str {
        "ucb1"
    }

    fn select_into(
        &mut self,
        context: &Context,
        n: usize,
        _rng: &mut ChaCha8Rng,
        out: &mut Vec<ArmChoice>,
    ) {
        let key = self.table.keys().index(context);
        let n_arms = self.table.n_arms();
        rank_arms(&self.table, self.c, key, &mut self.scores);
        // Confidences from means, not from (possibly infinite) optimistic scores.
        let n = n.min(n_arms);
        let chosen = &self.scores[..n];
        let means: f64 = chosen
            .iter()
            .map(|s| self.table.mean(key, usize::from(s.1)))
            .sum();
        out.clear();
        out.extend(chosen.iter().map(|&(_, arm)| ArmChoice {
            arm: ArmId(arm),
            confidence: if means > 0.0 {
                self.table.mean(key, usize::from(arm)) / means
            } else {
                1.0 / n as f64
            },
        }));
    }

    fn action_distribution(
        &self,
        context: &Context,
        n: usize,
        _draws: usize,
        _rng: &mut ChaCha8Rng,
        out: &mut ActionDistribution,
    ) {
        // Deterministic: the top n of the same ranking as `select_into`.
        let key = self.table.keys().index(context);
        let mut scores = Vec::with_capacity(self.table.n_arms());
        rank_arms(&self.table, self.c, key, &mut scores);
        let n = n.min(scores.len());
        out.reset(self.table.n_arms(), n, Basis::Exact);
        out.add(ArmSet(scores[..n].iter().fold(0, |m, s| m | 1 << s.1)), 1.0);
    }

    learns_into_beta_table!();
}

/// Every arm's UCB1 score in context key `key`, best first (ties: lower arm).
fn rank_arms(table: &BetaTable, c: f64, key: usize, scores: &mut Vec<(f64, u16)>) {
    let n_arms = table.n_arms();
    let counts = |a: usize| {
        let [s, f] = table.evidence(key, a);
        s + f
    };
    let t: f64 = (0..n_arms).map(counts).sum::<f64>().max(1.0);
    scores.clear();
    for a in 0..n_arms {
        let n_a = counts(a);
        let bonus = if n_a > 0.0 {
            (c * t.ln() / n_a).sqrt()
        } else {
            f64::INFINITY
        };
        scores.push((
            table.mean(key, a) + bonus,
            u16::try_from(a).expect("fits u16"),
        ));
    }
    scores.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
}
