//! Thompson Sampling over (context, arm) Beta posteriors.

use rand::distr::Distribution;
use rand_distr::Beta;

use crate::ids::ArmId;
use crate::rng::ChaCha8Rng;
use crate::world::Context;

use super::posterior::BetaTable;
use super::reward::RewardRule;
use super::{ArmChoice, Feedback, Policy};

/// Thompson Sampling (Thompson 1933; Chapelle & Li 2011), multiple-play by top-n
/// draws (Komiyama, Honda & Nakagawa 2015).
///
/// Per request in context key c: draw `θ_a ~ Beta(α_{c,a}, β_{c,a})` for every arm
/// (posteriors of [`BetaTable`], pooled prior included), choose the `n` arms with the
/// largest draws (ties: lower arm id), and give each chosen arm the confidence
/// `θ_a / Σ_chosen θ` — its sampled success probability, normalised so the blend
/// weights sum to 1. The probability of being best is reported separately
/// ([`BetaTable::probability_best`]): it is a posterior integral, too costly per request.
///
/// # Determinism
///
/// Exactly one Beta draw per arm per request from the policy's stream, in arm order.
///
/// # References
///
/// ```text
/// O. Chapelle, L. Li. An Empirical Evaluation of Thompson Sampling. NIPS 2011.
/// J. Komiyama, J. Honda, H. Nakagawa. Optimal Regret Analysis of Thompson Sampling
///   in Stochastic Multi-armed Bandit Problem with Multiple Plays. ICML 2015.
/// ```
#[derive(Clone, Debug)]
pub struct ThompsonSampling {
    table: BetaTable,
    rule: RewardRule,
    draws: Vec<(f64, u16)>,
}

impl ThompsonSampling {
    /// A policy learning into `table` with reward rule `rule`.
    #[must_use]
    pub fn new(table: BetaTable, rule: RewardRule) -> Self {
        let n = table.n_arms();
        Self {
            table,
            rule,
            draws: Vec::with_capacity(n),
        }
    }
}

/// Sorts `(score, arm)` pairs best first (ties: lower arm) and writes the top `n` as
/// choices with confidences `score / Σ top scores` (equal if that sum is not positive).
pub(crate) fn top_n(scores: &mut [(f64, u16)], n: usize, out: &mut Vec<ArmChoice>) {
    scores.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let chosen = &scores[..n.min(scores.len())];
    let total: f64 = chosen.iter().map(|c| c.0.max(0.0)).sum();
    out.clear();
    out.extend(chosen.iter().map(|&(score, arm)| ArmChoice {
        arm: ArmId(arm),
        confidence: if total > 0.0 && total.is_finite() {
            score.max(0.0) / total
        } else {
            1.0 / chosen.len() as f64
        },
    }));
}

impl Policy for ThompsonSampling {
    fn name(&self) -> &'static str {
        "thompson"
    }

    fn select_into(
        &mut self,
        context: &Context,
        n: usize,
        rng: &mut ChaCha8Rng,
        out: &mut Vec<ArmChoice>,
    ) {
        let key = self.table.keys().index(context);
        self.draws.clear();
        for arm in 0..self.table.n_arms() {
            let (a, b) = self.table.posterior(key, arm);
            let theta = Beta::new(a, b)
                .expect("posterior parameters are positive and finite")
                .sample(rng);
            self.draws
                .push((theta, u16::try_from(arm).expect("arm count fits u16")));
        }
        top_n(&mut self.draws, n, out);
    }

    fn update(&mut self, context: &Context, choices: &[ArmChoice], feedback: &Feedback) {
        if let Some(success) = self.rule.reward(feedback) {
            let key = self.table.keys().index(context);
            self.table.observe(key, choices, success);
        }
    }

    fn greedy_arm(&self, context: &Context) -> Option<ArmId> {
        let key = self.table.keys().index(context);
        Some(ArmId(
            u16::try_from(self.table.best_mean_arm(key)).expect("arm count fits u16"),
        ))
    }

    fn table(&self) -> Option<&BetaTable> {
        Some(&self.table)
    }

    fn table_mut(&mut self) -> Option<&mut BetaTable> {
        Some(&mut self.table)
    }
}
