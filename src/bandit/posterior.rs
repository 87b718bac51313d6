//! Beta posteriors per (context key, arm), with a pooled prior and optional
//! forgetting: the learned state every learning policy shares.

use serde::{Deserialize, Serialize};
use statrs::distribution::{Beta as BetaDist, ContinuousCDF};

use super::context_key::ContextKeys;
use super::{ArmChoice, Feedback, RewardRule};
use crate::ids::ArmId;
use crate::world::Context;

/// Successes and failures observed per (context key, arm), and per arm over all
/// contexts, with the prior that turns them into Beta posteriors.
///
/// # The posterior
///
/// With prior Beta(α₀, β₀), evidence (s, f) of the arm in the context and evidence
/// (S, F) of the arm over all contexts, the evidence elsewhere is
/// (S', F') = (max(0, S − s), max(0, F − f)) and the posterior is
///
/// ```text
/// p̂     = (S' + α₀) / (S' + F' + α₀ + β₀)        the arm's mean in the other contexts
/// m     = min(pooling, S' + F')                  pseudo-observations lent
/// α     = α₀ + m · p̂ + s
/// β     = β₀ + m · (1 − p̂) + f
/// ```
///
/// so a context never seen starts from what the arm earns elsewhere (worth at most
/// `pooling` observations, and never more than the arm has seen), and its own evidence
/// takes over as it accumulates. Lending only the *other* contexts' evidence matters:
/// lending a context its own observations counts them twice, and a doubly confident
/// posterior after an unlucky start can starve an arm of exploration for thousands of
/// requests (seen on `scenarios/stationary.ron` before this rule). With one context
/// nothing is lent.
///
/// # Forgetting
///
/// With a discount γ, every update in a context first multiplies that context's
/// evidence (all arms) and the global evidence by γ: old observations fade with an
/// effective memory of about 1 / (1 − γ) updates.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BetaTable {
    keys: ContextKeys,
    n_arms: usize,
    prior: (f64, f64),
    discount: Option<f64>,
    pooling: f64,
    /// (successes, failures) per (key, arm), row-major by key.
    evidence: Vec<[f64; 2]>,
    /// (successes, failures) per arm over all keys.
    global: Vec<[f64; 2]>,
}

impl BetaTable {
    /// Learns one request's feedback: the reward rule turns it into a success, a
    /// failure or nothing, credited to `choices` in `context`. The update every
    /// learning policy shares.
    pub fn learn(
        &mut self,
        rule: &RewardRule,
        context: &Context,
        choices: &[ArmChoice],
        feedback: &Feedback,
    ) {
        if let Some(success) = rule.reward(feedback) {
            let key = self.keys().index(context);
            self.observe(key, choices, success);
        }
    }

    /// The arm with the best posterior mean in `context` (exploitation's choice).
    #[must_use]
    pub fn greedy_arm(&self, context: &Context) -> ArmId {
        let key = self.keys().index(context);
        ArmId(u16::try_from(self.best_mean_arm(key)).expect("arm count fits u16"))
    }

    /// An empty table (validated parameters: prior > 0, γ in (0, 1], pooling ≥ 0).
    #[must_use]
    pub fn new(
        keys: ContextKeys,
        n_arms: usize,
        prior: (f64, f64),
        discount: Option<f64>,
        pooling: f64,
    ) -> Self {
        Self {
            evidence: vec![[0.0; 2]; keys.len() * n_arms],
            global: vec![[0.0; 2]; n_arms],
            keys,
            n_arms,
            prior,
            discount,
            pooling,
        }
    }

    /// The context keys.
    #[must_use]
    pub fn keys(&self) -> &ContextKeys {
        &self.keys
    }

    /// Number of arms.
    #[must_use]
    pub fn n_arms(&self) -> usize {
        self.n_arms
    }

    /// The prior Beta(α₀, β₀).
    #[must_use]
    pub fn prior(&self) -> (f64, f64) {
        self.prior
    }

    /// The forgetting factor, if any.
    #[must_use]
    pub fn discount(&self) -> Option<f64> {
        self.discount
    }

    /// The pooled-prior strength.
    #[must_use]
    pub fn pooling(&self) -> f64 {
        self.pooling
    }

    /// Evidence (successes, failures) of `arm` in context key `key`.
    #[must_use]
    pub fn evidence(&self, key: usize, arm: usize) -> [f64; 2] {
        self.evidence[key * self.n_arms + arm]
    }

    /// Evidence of `arm` over all contexts.
    #[must_use]
    pub fn global(&self, arm: usize) -> [f64; 2] {
        self.global[arm]
    }

    /// Overwrites the evidence (restoring a saved state).
    ///
    /// # Panics
    ///
    /// If the lengths do not match the table's keys and arms.
    pub fn set_evidence(&mut self, evidence: Vec<[f64; 2]>, global: Vec<[f64; 2]>) {
        assert_eq!(
            evidence.len(),
            self.evidence.len(),
            "evidence per (key, arm)"
        );
        assert_eq!(global.len(), self.n_arms, "global evidence per arm");
        self.evidence = evidence;
        self.global = global;
    }

    /// The posterior Beta(α, β) of `arm` in context key `key` (see the type's docs).
    #[inline]
    #[must_use]
    pub fn posterior(&self, key: usize, arm: usize) -> (f64, f64) {
        let (a0, b0) = self.prior;
        let [s, f] = self.evidence[key * self.n_arms + arm];
        let [gs, gf] = self.global[arm];
        // Forgetting runs on different clocks for the context and the whole table, so
        // the difference can dip below 0 by rounding or discounting: clamp.
        let (os, of) = ((gs - s).max(0.0), (gf - f).max(0.0));
        let seen = os + of;
        let lent = self.pooling.min(seen);
        let pooled_mean = (os + a0) / (seen + a0 + b0);
        (
            a0 + lent * pooled_mean + s,
            b0 + lent * (1.0 - pooled_mean) + f,
        )
    }

    /// The posterior mean of `arm` in context key `key`.
    #[inline]
    #[must_use]
    pub fn mean(&self, key: usize, arm: usize) -> f64 {
        let (a, b) = self.posterior(key, arm);
        a / (a + b)
    }

    /// The arm with the highest posterior mean in `key` (ties: lower arm id).
    #[must_use]
    pub fn best_mean_arm(&self, key: usize) -> usize {
        (0..self.n_arms).fold(0, |best, arm| {
            if self.mean(key, arm) > self.mean(key, best) {
                arm
            } else {
                best
            }
        })
    }

    /// Learns one request's reward: the chosen arms share it by confidence (each gets
    /// `confidence` successes or failures), after the discount if any.
    pub fn observe(&mut self, key: usize, choices: &[ArmChoice], success: bool) {
        let row = key * self.n_arms;
        if let Some(gamma) = self.discount {
            for cell in &mut self.evidence[row..row + self.n_arms] {
                cell[0] *= gamma;
                cell[1] *= gamma;
            }
            for cell in &mut self.global {
                cell[0] *= gamma;
                cell[1] *= gamma;
            }
        }
        let slot = usize::from(!success);
        for choice in choices {
            let arm = choice.arm.index();
            self.evidence[row + arm][slot] += choice.confidence;
            self.global[arm][slot] += choice.confidence;
        }
    }

    /// Each arm's posterior probability of having the highest success probability in
    /// `key`: `P_i = ∫ f_i(x) Π_{j≠i} F_j(x) dx`, integrated on `n_cells` cells of
    /// [0, 1] with each cell's exact posterior mass (so sharp posteriors lose no
    /// mass), then normalised. Deterministic: no random draws.
    #[must_use]
    pub fn probability_best(&self, key: usize, n_cells: usize) -> Vec<f64> {
        let dists: Vec<BetaDist> = (0..self.n_arms)
            .map(|arm| {
                let (a, b) = self.posterior(key, arm);
                BetaDist::new(a, b).expect("posterior parameters are positive")
            })
            .collect();
        let mut p = vec![0.0; self.n_arms];
        let mut lower: Vec<f64> = vec![0.0; self.n_arms];
        for cell in 1..=n_cells {
            let x_hi = cell as f64 / n_cells as f64;
            let x_mid = (cell as f64 - 0.5) / n_cells as f64;
            let mid: Vec<f64> = dists.iter().map(|d| d.cdf(x_mid)).collect();
            for (i, d) in dists.iter().enumerate() {
                let upper = d.cdf(x_hi);
                let mass = upper - lower[i];
                lower[i] = upper;
                if mass > 0.0 {
                    let others: f64 = (0..self.n_arms)
                        .filter(|&j| j != i)
                        .map(|j| mid[j])
                        .product();
                    p[i] += mass * others;
                }
            }
        }
        let total: f64 = p.iter().sum();
        if total > 0.0 {
            for v in &mut p {
                *v /= total;
            }
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::ArmId;
    use crate::scenario::spec::ContextFeature;

    fn one(arm: u16) -> [ArmChoice; 1] {
        [ArmChoice {
            arm: ArmId(arm),
            confidence: 1.0,
        }]
    }

    #[test]
    fn updates_match_hand_computation() {
        // One context, no pooling: Beta(1, 1) + 3 successes + 1 failure = Beta(4, 2).
        let mut t = BetaTable::new(ContextKeys::new(&[]), 2, (1.0, 1.0), None, 0.0);
        for s in [true, true, false, true] {
            t.observe(0, &one(0), s);
        }
        assert_eq!(t.posterior(0, 0), (4.0, 2.0));
        assert_eq!(t.posterior(0, 1), (1.0, 1.0));
        assert!((t.mean(0, 0) - 2.0 / 3.0).abs() < 1e-15);
        // Blended request: confidences split the observation.
        t.observe(
            0,
            &[
                ArmChoice {
                    arm: ArmId(0),
                    confidence: 0.75,
                },
                ArmChoice {
                    arm: ArmId(1),
                    confidence: 0.25,
                },
            ],
            false,
        );
        assert_eq!(t.posterior(0, 0), (4.0, 2.75));
        assert_eq!(t.posterior(0, 1), (1.0, 1.25));
    }

    #[test]
    fn discount_shrinks_old_evidence() {
        let mut t = BetaTable::new(ContextKeys::new(&[]), 1, (1.0, 1.0), Some(0.5), 0.0);
        t.observe(0, &one(0), true); // (1, 0)
        t.observe(0, &one(0), true); // (0.5 + 1, 0)
        t.observe(0, &one(0), false); // (0.75, 1)
        assert_eq!(t.evidence(0, 0), [0.75, 1.0]);
        assert_eq!(t.posterior(0, 0), (1.75, 2.0));
    }

    #[test]
    fn unseen_context_borrows_the_pooled_prior() {
        // Arm 0 succeeded 30 of 40 times in key 0; key 1 has seen nothing.
        let keys = ContextKeys::new(&[ContextFeature::DayType]);
        let mut t = BetaTable::new(keys, 1, (1.0, 1.0), None, 10.0);
        for i in 0..40 {
            t.observe(0, &one(0), i % 4 != 0);
        }
        // p̂ = 31 / 42, m = 10: Beta(1 + 10·31/42, 1 + 10·11/42).
        let (a, b) = t.posterior(1, 0);
        assert!((a - (1.0 + 310.0 / 42.0)).abs() < 1e-12);
        assert!((b - (1.0 + 110.0 / 42.0)).abs() < 1e-12);
        // Key 0 borrows nothing from itself: only key 1's evidence (none yet).
        assert_eq!(t.posterior(0, 0), (31.0, 11.0));
        // Lending never exceeds what the other contexts have seen: 1 observation.
        t.observe(1, &one(0), true);
        let (a, b) = t.posterior(0, 0);
        assert!((a - (31.0 + 2.0 / 3.0)).abs() < 1e-12 && (b - (11.0 + 1.0 / 3.0)).abs() < 1e-12);
        // One context: nothing to borrow.
        let mut single = BetaTable::new(ContextKeys::new(&[]), 1, (1.0, 1.0), None, 10.0);
        single.observe(0, &one(0), true);
        assert_eq!(single.posterior(0, 0), (2.0, 1.0));
    }

    #[test]
    fn probability_best_is_symmetric_and_sharp() {
        let mut t = BetaTable::new(ContextKeys::new(&[]), 2, (1.0, 1.0), None, 0.0);
        let p = t.probability_best(0, 400);
        assert!((p[0] - 0.5).abs() < 1e-9 && (p[1] - 0.5).abs() < 1e-9);
        // Beta(2,1) vs Beta(1,1): P(X > Y) = ∫ 2x · x dx = 2/3.
        t.observe(0, &one(0), true);
        let p = t.probability_best(0, 2000);
        assert!((p[0] - 2.0 / 3.0).abs() < 1e-3, "{p:?}");
        for _ in 0..5000 {
            t.observe(0, &one(0), true);
            t.observe(0, &one(1), false);
        }
        assert!(t.probability_best(0, 1000)[0] > 0.999_999);
    }
}
