//! The off-policy estimators, as formulas over per-request rounds.
//!
//! For logged requests `t = 1..n` with context `x_t`, served arm set `A_t`, reward
//! `r_t` and logging propensity `π₀(A_t | x_t)`, a target policy's probability
//! `π(A | x_t)` of each set, and the reward model `q̂(x, A)` ([`super::reward_model`]):
//!
//! ```text
//! w_t        = π(A_t | x_t) / π₀(A_t | x_t)                      importance weight
//! q̂_t(π)     = Σ_A π(A | x_t) q̂(x_t, A)                          the model's value of π at x_t
//!
//! IPS        = (1/n) Σ_t w_t r_t
//! SNIPS      = Σ_t w_t r_t / Σ_t w_t
//! DM         = (1/n) Σ_t q̂_t(π)
//! DR         = (1/n) Σ_t [ q̂_t(π) + w_t (r_t − q̂(x_t, A_t)) ]
//! switch-DR  = (1/n) Σ_t [ q̂_t(π) + w_t (r_t − q̂(x_t, A_t)) · 1{w_t ≤ τ} ]
//! ESS        = (Σ_t w_t)² / Σ_t w_t²                             Kish's effective sample size
//! ```
//!
//! Switch-DR's threshold τ is chosen from [`SWITCH_TAUS`] (τ = ∞ is DR) as Open
//! Bandit Pipeline's tuning does by default (`tuning_method="mse"`,
//! `use_bias_upper_bound=True`, δ = 0.05; Su et al. 2020, section 5): the smallest
//! estimated MSE
//!
//! ```text
//! score(τ) = Var_t(round value at τ) / n + (b̂(τ) + c)²
//! b̂(τ)     = |(1/n) Σ_t w_t 1{w_t > τ} (r_t − q̂(x_t, A_t))|         the direct bias estimate
//! c        = √(2 · mean(w²) · ln(2/δ) / n) + 2 · max(w) · ln(2/δ) / (3n)   Bernstein's slack
//! ```
//!
//! the first minimum in grid order winning.
//!
//! Assumptions: the logged propensities are the logging policy's (known, as in a
//! simulator; an estimate for Thompson Sampling); overlap — the target chooses no set
//! the logger could not have chosen (checked: `recolab ope` withholds the estimates
//! of a target outside the logging policy's support); rewards depend on the context
//! and the arm set only. IPS is unbiased under these, SNIPS consistent, DM as good as
//! `q̂`, DR unbiased if either the propensities or `q̂` are right, switch-DR trades the
//! IPS part's variance on large weights for the model's bias.
//!
//! # References
//!
//! ```text
//! D. G. Horvitz, D. J. Thompson. A generalization of sampling without replacement from a
//!   finite universe. JASA 47, 1952.                                               (IPS)
//! A. Swaminathan, T. Joachims. The self-normalized estimator for counterfactual
//!   learning. NeurIPS 2015.                                                      (SNIPS)
//! A. Beygelzimer, J. Langford. The offset tree for learning with partial labels.
//!   KDD 2009.                                                                       (DM)
//! M. Dudík, J. Langford, L. Li. Doubly robust policy evaluation and learning.
//!   ICML 2011.                                                                      (DR)
//! Y.-X. Wang, A. Agarwal, M. Dudík. Optimal and adaptive off-policy evaluation in
//!   contextual bandits. ICML 2017.                                           (switch-DR)
//! Y. Su, M. Dimakopoulou, A. Krishnamurthy, M. Dudík. Doubly robust off-policy
//!   evaluation with shrinkage. ICML 2020.                        (tuning by estimated MSE)
//! Y. Saito et al. Open Bandit Dataset and Pipeline. NeurIPS 2021 Datasets and
//!   Benchmarks (obp.ope: InverseProbabilityWeighting, SelfNormalizedInverseProbability-
//!   Weighting, DirectMethod, DoublyRobust, SwitchDoublyRobust).
//! ```

use serde::Serialize;

/// Candidate thresholds of switch-DR, ascending; the last, ∞, makes it DR.
pub const SWITCH_TAUS: [f64; 11] = [
    1.0,
    2.0,
    5.0,
    10.0,
    20.0,
    50.0,
    100.0,
    200.0,
    500.0,
    1_000.0,
    f64::INFINITY,
];

const N_TAUS: usize = SWITCH_TAUS.len();

/// One logged request as the estimators see it for one target policy.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Round {
    /// `w_t`.
    pub weight: f64,
    /// `r_t`.
    pub reward: f64,
    /// `q̂(x_t, A_t)`.
    pub q_logged: f64,
    /// `q̂_t(π)`.
    pub q_target: f64,
}

/// The sums over a group of rounds that every estimate is a function of, so that
/// groups (users) can be resampled by adding their sums.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RoundSums {
    /// Rounds.
    pub n: f64,
    /// `Σ w`.
    pub w: f64,
    /// `Σ w²`.
    pub w2: f64,
    /// The largest `w`.
    pub w_max: f64,
    /// `Σ w r`.
    pub wr: f64,
    /// `Σ q̂_t(π)`.
    pub q_target: f64,
    /// `Σ [q̂_t(π) + w (r − q̂)]`.
    pub dr: f64,
    /// Per threshold of [`SWITCH_TAUS`], `Σ` of switch-DR's round value.
    pub switch: [f64; N_TAUS],
    /// Per threshold, `Σ` of its square.
    pub switch2: [f64; N_TAUS],
    /// Per threshold, `Σ w 1{w > τ} (r − q̂)`: the bias estimate's sum.
    pub switch_bias: [f64; N_TAUS],
}

impl Default for RoundSums {
    fn default() -> Self {
        Self {
            n: 0.0,
            w: 0.0,
            w2: 0.0,
            w_max: 0.0,
            wr: 0.0,
            q_target: 0.0,
            dr: 0.0,
            switch: [0.0; N_TAUS],
            switch2: [0.0; N_TAUS],
            switch_bias: [0.0; N_TAUS],
        }
    }
}

impl RoundSums {
    /// Adds one round.
    pub fn add(&mut self, round: &Round) {
        let Round {
            weight: w,
            reward: r,
            q_logged,
            q_target,
        } = *round;
        let correction = w * (r - q_logged);
        self.n += 1.0;
        self.w += w;
        self.w2 += w * w;
        self.w_max = self.w_max.max(w);
        self.wr += w * r;
        self.q_target += q_target;
        self.dr += q_target + correction;
        for (i, &tau) in SWITCH_TAUS.iter().enumerate() {
            let kept = w <= tau;
            let value = q_target + if kept { correction } else { 0.0 };
            self.switch[i] += value;
            self.switch2[i] += value * value;
            self.switch_bias[i] += if kept { 0.0 } else { correction };
        }
    }

    /// Adds another group's sums.
    pub fn merge(&mut self, other: &Self) {
        self.n += other.n;
        self.w += other.w;
        self.w2 += other.w2;
        self.w_max = self.w_max.max(other.w_max);
        self.wr += other.wr;
        self.q_target += other.q_target;
        self.dr += other.dr;
        for i in 0..N_TAUS {
            self.switch[i] += other.switch[i];
            self.switch2[i] += other.switch2[i];
            self.switch_bias[i] += other.switch_bias[i];
        }
    }

    /// Kish's effective sample size `(Σ w)² / Σ w²` (0 when every weight is 0).
    #[must_use]
    pub fn effective_sample_size(&self) -> f64 {
        if self.w2 > 0.0 {
            self.w * self.w / self.w2
        } else {
            0.0
        }
    }
}

/// Every estimator's value of one target policy.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Estimates {
    /// Inverse propensity scoring.
    pub ips: f64,
    /// Self-normalised IPS; `None` when every weight is 0.
    pub snips: Option<f64>,
    /// Direct method.
    pub dm: f64,
    /// Doubly robust.
    pub dr: f64,
    /// Switch-DR at the chosen threshold.
    pub switch_dr: f64,
    /// The chosen threshold (∞: switch-DR is DR).
    pub switch_tau: f64,
}

/// The confidence δ of the bias bound in switch-DR's tuning (OBP's default).
pub const SWITCH_DELTA: f64 = 0.05;

/// Switch-DR's threshold chosen on `s` (see the module docs): an index into
/// [`SWITCH_TAUS`].
///
/// # Panics
///
/// If the sums hold no round.
#[must_use]
pub fn tune_switch(s: &RoundSums) -> usize {
    assert!(s.n > 0.0, "tuning needs at least one round");
    let n = s.n;
    let log = (2.0 / SWITCH_DELTA).ln();
    let slack = (2.0 * (s.w2 / n) * log / n).sqrt() + 2.0 * s.w_max * log / (3.0 * n);
    let mut best = (f64::INFINITY, N_TAUS - 1);
    for i in 0..N_TAUS {
        let mean = s.switch[i] / n;
        let variance = (s.switch2[i] / n - mean * mean).max(0.0) / n;
        let bias = (s.switch_bias[i] / n).abs() + slack;
        let score = variance + bias * bias;
        if score < best.0 {
            best = (score, i);
        }
    }
    best.1
}

/// The estimates from the sums of all rounds, switch-DR at the threshold
/// [`tune_switch`] chooses.
///
/// # Panics
///
/// If the sums hold no round.
#[must_use]
pub fn estimate(s: &RoundSums) -> Estimates {
    estimate_at(s, tune_switch(s))
}

/// The estimates with switch-DR at threshold `SWITCH_TAUS[tau]` (the bootstrap holds
/// the threshold chosen on the whole log, as OBP's `estimate_interval` does).
///
/// # Panics
///
/// If the sums hold no round.
#[must_use]
pub fn estimate_at(s: &RoundSums, tau: usize) -> Estimates {
    assert!(s.n > 0.0, "an estimate needs at least one round");
    let n = s.n;
    Estimates {
        ips: s.wr / n,
        snips: (s.w > 0.0).then(|| s.wr / s.w),
        dm: s.q_target / n,
        dr: s.dr / n,
        switch_dr: s.switch[tau] / n,
        switch_tau: SWITCH_TAUS[tau],
    }
}

/// The estimators, in report order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Estimator {
    /// Inverse propensity scoring.
    Ips,
    /// Self-normalised IPS.
    Snips,
    /// Direct method.
    Dm,
    /// Doubly robust.
    Dr,
    /// Switch doubly robust.
    SwitchDr,
}

impl Estimator {
    /// Every estimator, in report order.
    pub const ALL: [Self; 5] = [Self::Ips, Self::Snips, Self::Dm, Self::Dr, Self::SwitchDr];

    /// The name tables use.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Ips => "IPS",
            Self::Snips => "SNIPS",
            Self::Dm => "DM",
            Self::Dr => "DR",
            Self::SwitchDr => "switch-DR",
        }
    }

    /// This estimator's value among `e`.
    #[must_use]
    pub fn of(self, e: &Estimates) -> Option<f64> {
        match self {
            Self::Ips => Some(e.ips),
            Self::Snips => e.snips,
            Self::Dm => Some(e.dm),
            Self::Dr => Some(e.dr),
            Self::SwitchDr => Some(e.switch_dr),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hand-built log of four requests, two arms, one arm per request. The logging
    /// policy chose arm 0 with probability 0.8; the target chooses arm 1 with
    /// probability 0.9 (so w = 0.1/0.8 = 0.125 on arm 0 and 0.9/0.2 = 4.5 on arm 1);
    /// the reward model says q̂(·, 0) = 0.3 and q̂(·, 1) = 0.6 everywhere, so
    /// q̂_t(π) = 0.1·0.3 + 0.9·0.6 = 0.57.
    fn hand_log() -> Vec<Round> {
        let round = |arm1: bool, reward: f64| Round {
            weight: if arm1 { 4.5 } else { 0.125 },
            reward,
            q_logged: if arm1 { 0.6 } else { 0.3 },
            q_target: 0.57,
        };
        vec![
            round(false, 1.0),
            round(false, 0.0),
            round(true, 1.0),
            round(false, 0.0),
        ]
    }

    #[test]
    fn estimators_match_the_hand_computed_values() {
        let mut s = RoundSums::default();
        for r in hand_log() {
            s.add(&r);
        }
        let e = estimate(&s);
        // By hand, following the formulas of OBP's estimators (obp.ope,
        // estimate_round_rewards of each class):
        // IPS   = (0.125·1 + 0 + 4.5·1 + 0) / 4 = 4.625 / 4 = 1.15625
        // SNIPS = 4.625 / (0.125·3 + 4.5) = 4.625 / 4.875 = 0.948717…
        // DM    = 0.57
        // DR    = 0.57 + (0.125·0.7 + 0.125·(−0.3) + 4.5·0.4 + 0.125·(−0.3)) / 4
        //       = 0.57 + (0.0875 − 0.0375 + 1.8 − 0.0375) / 4 = 0.57 + 1.8125/4 = 1.023125
        // ESS   = 4.875² / (3·0.015625 + 20.25) = 23.765625 / 20.296875 = 1.170900…
        assert!((e.ips - 1.15625).abs() < 1e-12);
        assert!((e.snips.unwrap() - 4.625 / 4.875).abs() < 1e-12);
        assert!((e.dm - 0.57).abs() < 1e-12);
        assert!((e.dr - 1.023125).abs() < 1e-12);
        assert!((s.effective_sample_size() - 23.765625 / 20.296875).abs() < 1e-12);
        // Switch-DR at τ: rounds with w ≤ τ keep their correction. τ = 1, 2 drop the
        // arm-1 round (w = 4.5): values 0.6575, 0.5325, 0.57, 0.5325 → mean 0.573125,
        // mean of squares 1.32431875/4 = 0.3310796875, variance over n
        // (0.3310796875 − 0.328472265625)/4 = 0.000651855…; direct bias |4.5·0.4/4| =
        // 0.45. τ ≥ 5 is DR: values 0.6575, 0.5325, 2.37, 0.5325, mean 1.023125, mean of
        // squares 6.61631875/4 = 1.6540796875, variance over n (1.6540796875 −
        // 1.046784765625)/4 = 0.151824, direct bias 0. Bernstein's slack with mean(w²) =
        // (3·0.015625 + 20.25)/4 = 5.07421875, max w = 4.5, ln(2/0.05) = 3.688879:
        // c = √(2·5.07421875·3.688879/4) + 2·4.5·3.688879/12 = 3.059263 + 2.766660 =
        // 5.825923. Scores: τ = 1: 0.000652 + (0.45 + 5.825923)² = 39.388; DR:
        // 0.151824 + 5.825923² = 34.093: switch-DR picks τ = 5 and equals DR.
        let c = (2.0 * 5.07421875 * 40f64.ln() / 4.0).sqrt() + 2.0 * 4.5 * 40f64.ln() / 12.0;
        assert!((c - 5.825923).abs() < 1e-6, "{c}");
        assert_eq!(e.switch_tau, 5.0);
        assert!((e.switch_dr - e.dr).abs() < 1e-12);
        let mut tight = s;
        for i in 0..2 {
            assert!((tight.switch[i] / 4.0 - 0.573125).abs() < 1e-12);
            assert!((tight.switch_bias[i] / 4.0 - 0.45).abs() < 1e-12);
        }
        // With the direct bias estimate zeroed, τ = 1 scores 0.000652 + c² = 33.942,
        // below DR's 34.093, and wins.
        tight.switch_bias = [0.0; N_TAUS];
        assert_eq!(estimate(&tight).switch_tau, 1.0);
    }

    #[test]
    fn merged_group_sums_equal_the_sums_of_all_rounds() {
        let rounds = hand_log();
        let mut all = RoundSums::default();
        for r in &rounds {
            all.add(r);
        }
        let (mut a, mut b) = (RoundSums::default(), RoundSums::default());
        for r in &rounds[..1] {
            a.add(r);
        }
        for r in &rounds[1..] {
            b.add(r);
        }
        a.merge(&b);
        let (x, y) = (estimate(&a), estimate(&all));
        assert!((x.ips - y.ips).abs() < 1e-15 && (x.dr - y.dr).abs() < 1e-15);
    }

    #[test]
    fn logging_policy_evaluated_on_its_own_log_gives_the_mean_reward() {
        // Target = logging policy: every weight 1, so IPS = SNIPS = the mean reward and
        // DR = DM + mean(r − q̂) = mean(r) when q̂_t(π) = q̂(x_t, A_t).
        let mut s = RoundSums::default();
        for (r, q) in [(1.0, 0.2), (0.0, 0.4), (1.0, 0.7)] {
            s.add(&Round {
                weight: 1.0,
                reward: r,
                q_logged: q,
                q_target: q,
            });
        }
        let e = estimate(&s);
        assert!((e.ips - 2.0 / 3.0).abs() < 1e-15);
        assert!((e.snips.unwrap() - 2.0 / 3.0).abs() < 1e-15);
        assert!((e.dr - 2.0 / 3.0).abs() < 1e-15);
        assert!((s.effective_sample_size() - 3.0).abs() < 1e-12);
    }
}
