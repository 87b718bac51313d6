//! Propensities: how likely a policy was to choose the arm set it chose.
//!
//! Off-policy evaluation (`src/ope`) reweights logged rewards by the ratio of a
//! target policy's probability of the logged action to the logging policy's. Here
//! the *action* is the arm set a request was served with, order ignored: the blend
//! weights the arms' lists by the policy's confidences, but which arms were listed is
//! what a propensity can be exact about (docs/OFF_POLICY_EVALUATION.md states the
//! estimand).
//!
//! Every policy describes its choice for a context as an [`ActionDistribution`]
//! ([`Policy::action_distribution`]):
//!
//! | policy | distribution | exact? |
//! | --- | --- | --- |
//! | static weights, UCB1, oracle | one set with probability 1 | yes |
//! | uniform | every set of `n` arms equally | yes |
//! | ε-greedy | `1 − ε` on the greedy set, `ε` spread evenly over every set | yes |
//! | Thompson Sampling | the top-`n` sets of `draws` joint posterior draws | Monte Carlo |
//!
//! [`PropensityLogger`] is what the replay calls for the event log: the chosen set's
//! probability and every arm's marginal probability of being chosen.

use crate::rng::{ChaCha8Rng, Purpose, SeedTree};
use crate::world::Context;
use serde::{Deserialize, Serialize};

use super::{ArmChoice, Policy};

/// A set of arms, order ignored: bit `i` is arm `i`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ArmSet(pub u64);

impl ArmSet {
    /// The largest number of arms a set can hold.
    pub const MAX_ARMS: usize = 64;

    /// The set of the chosen arms.
    #[must_use]
    pub fn of(choices: &[ArmChoice]) -> Self {
        Self(choices.iter().fold(0, |m, c| m | 1 << c.arm.index()))
    }

    /// Whether arm `arm` is in the set.
    #[must_use]
    pub fn contains(self, arm: usize) -> bool {
        self.0 >> arm & 1 == 1
    }

    /// Number of arms in the set.
    #[must_use]
    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// Whether the set is empty.
    #[must_use]
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether the two sets share an arm.
    #[must_use]
    pub fn intersects(self, other: Self) -> bool {
        self.0 & other.0 != 0
    }

    /// The arms, in increasing order.
    pub fn arms(self) -> impl Iterator<Item = usize> {
        (0..Self::MAX_ARMS).filter(move |&a| self.contains(a))
    }
}

/// Every set of `size` arms out of `n_arms`, in increasing mask order (Gosper's hack:
/// the next larger integer with the same number of bits set).
///
/// # Panics
///
/// If `n_arms` exceeds [`ArmSet::MAX_ARMS`] − 1 (validation keeps stacks far below).
pub fn all_sets(n_arms: usize, size: usize) -> impl Iterator<Item = ArmSet> {
    assert!(n_arms < ArmSet::MAX_ARMS, "at most 63 arms");
    let limit = 1u64 << n_arms;
    let first = if size == 0 || size > n_arms {
        None
    } else {
        Some((1u64 << size) - 1)
    };
    std::iter::successors(first, move |&x| {
        let c = x & x.wrapping_neg();
        let r = x + c;
        let next = (((r ^ x) >> 2) / c) | r;
        (next < limit).then_some(next)
    })
    .map(ArmSet)
}

/// The binomial coefficient C(n, k) as a float (exact for the stacks a scenario can
/// hold).
#[must_use]
pub fn n_sets(n_arms: usize, size: usize) -> f64 {
    if size > n_arms {
        return 0.0;
    }
    let k = size.min(n_arms - size);
    (0..k).fold(1.0, |acc, i| acc * (n_arms - i) as f64 / (i + 1) as f64)
}

/// How an [`ActionDistribution`] was obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Basis {
    /// From the policy's rule: exact.
    Exact,
    /// From this many Monte-Carlo draws of the policy's randomness.
    MonteCarlo {
        /// Draws.
        draws: usize,
    },
}

/// A policy's probability of every arm set for one request: a mass spread evenly over
/// every set of `size` arms, plus point masses on particular sets.
///
/// ```text
/// P(A) = uniform / C(n_arms, size) · [|A| = size] + point(A)
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ActionDistribution {
    n_arms: usize,
    size: usize,
    uniform: f64,
    /// Distinct sets, in the order first added.
    points: Vec<(ArmSet, f64)>,
    basis: Basis,
}

impl Default for ActionDistribution {
    fn default() -> Self {
        Self {
            n_arms: 0,
            size: 0,
            uniform: 0.0,
            points: Vec::new(),
            basis: Basis::Exact,
        }
    }
}

impl ActionDistribution {
    /// Empties the distribution for sets of `size` arms out of `n_arms`.
    pub fn reset(&mut self, n_arms: usize, size: usize, basis: Basis) {
        self.n_arms = n_arms;
        self.size = size.min(n_arms);
        self.uniform = 0.0;
        self.points.clear();
        self.basis = basis;
    }

    /// Adds `mass` spread evenly over every set of `size` arms.
    pub fn add_uniform(&mut self, mass: f64) {
        self.uniform += mass;
    }

    /// Adds `mass` on `set`.
    pub fn add(&mut self, set: ArmSet, mass: f64) {
        match self.points.iter_mut().find(|p| p.0 == set) {
            Some(point) => point.1 += mass,
            None => self.points.push((set, mass)),
        }
    }

    /// Number of arms of the stack.
    #[must_use]
    pub fn n_arms(&self) -> usize {
        self.n_arms
    }

    /// The size of the sets the uniform part covers.
    #[must_use]
    pub fn size(&self) -> usize {
        self.size
    }

    /// The mass spread evenly over every set of [`Self::size`] arms.
    #[must_use]
    pub fn uniform(&self) -> f64 {
        self.uniform
    }

    /// The point masses.
    #[must_use]
    pub fn points(&self) -> &[(ArmSet, f64)] {
        &self.points
    }

    /// Exact or Monte Carlo.
    #[must_use]
    pub fn basis(&self) -> Basis {
        self.basis
    }

    /// The probability of choosing exactly `set`.
    #[must_use]
    pub fn probability(&self, set: ArmSet) -> f64 {
        let spread = if self.uniform > 0.0 && set.len() == self.size {
            self.uniform / n_sets(self.n_arms, self.size)
        } else {
            0.0
        };
        spread
            + self
                .points
                .iter()
                .filter(|p| p.0 == set)
                .map(|p| p.1)
                .sum::<f64>()
    }

    /// The probability that `arm` is among the chosen arms.
    #[must_use]
    pub fn marginal(&self, arm: usize) -> f64 {
        let spread = if self.n_arms > 0 {
            self.uniform * self.size as f64 / self.n_arms as f64
        } else {
            0.0
        };
        spread
            + self
                .points
                .iter()
                .filter(|p| p.0.contains(arm))
                .map(|p| p.1)
                .sum::<f64>()
    }

    /// The probability of choosing a set that holds any arm of `arms`.
    #[must_use]
    pub fn mass_touching(&self, arms: ArmSet) -> f64 {
        let outside = self.n_arms - (0..self.n_arms).filter(|&a| arms.contains(a)).count();
        let spread = if self.uniform > 0.0 {
            self.uniform * (1.0 - n_sets(outside, self.size) / n_sets(self.n_arms, self.size))
        } else {
            0.0
        };
        spread
            + self
                .points
                .iter()
                .filter(|p| p.0.intersects(arms))
                .map(|p| p.1)
                .sum::<f64>()
    }

    /// `Σ_A P(A) · q(A)`, where `mean_over_sets` is the mean of `q` over every set of
    /// [`Self::size`] arms (asked only when the uniform part is not zero).
    pub fn expectation(
        &self,
        mut q: impl FnMut(ArmSet) -> f64,
        mean_over_sets: impl FnOnce() -> f64,
    ) -> f64 {
        let spread = if self.uniform > 0.0 {
            self.uniform * mean_over_sets()
        } else {
            0.0
        };
        spread + self.points.iter().map(|p| p.1 * q(p.0)).sum::<f64>()
    }
}

/// What the event log records of one choice.
#[derive(Clone, Debug, PartialEq)]
pub struct Propensity {
    /// The probability of the chosen arm set.
    pub set: f64,
    /// Per arm of the stack, the probability that it is among the chosen arms.
    pub arms: Vec<f64>,
}

/// Propensities of every choice of a replay, one Monte-Carlo stream per policy slot.
///
/// # Monte Carlo
///
/// For Thompson Sampling the chosen set's probability is estimated from `draws`
/// fresh joint posterior draws (from [`Purpose::Propensity`], never the policy's own
/// stream, so the replay's choices do not change) *pooled with the draw that made
/// the choice*, which is one more draw from the same posterior:
///
/// ```text
/// p̂(A) = (1 + #{fresh draws whose top-n set is A}) / (1 + draws)
/// p̂(a) = ([a ∈ A] + #{fresh draws whose top-n set holds a}) / (1 + draws)
/// ```
///
/// so a logged propensity is never 0 (an importance weight never infinite); its
/// bias is at most `1 / (1 + draws)`.
///
/// # Determinism
///
/// Slot `s` draws from `(Purpose::Propensity, unit s)` in request order; `draws`
/// joint draws (one Beta draw per arm each) per Thompson request, none for the
/// other policies.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PropensityLogger {
    draws: usize,
    streams: Vec<ChaCha8Rng>,
    /// Scratch of one request, rebuilt each time.
    #[serde(skip)]
    distribution: ActionDistribution,
}

impl PropensityLogger {
    /// A logger for `n_slots` policy slots, with `draws` Monte-Carlo draws per
    /// request of a posterior-sampling policy.
    #[must_use]
    pub fn new(seeds: &SeedTree, n_slots: usize, draws: usize) -> Self {
        Self {
            draws,
            streams: (0..n_slots as u64)
                .map(|slot| seeds.stream(Purpose::Propensity, slot))
                .collect(),
            distribution: ActionDistribution::default(),
        }
    }

    /// The propensities of `chosen`, which `policy` (of slot `slot`) just chose for
    /// `context` with `n` arms per request, before it learns from the response.
    pub fn log(
        &mut self,
        slot: usize,
        policy: &dyn Policy,
        context: &Context,
        n: usize,
        chosen: &[ArmChoice],
    ) -> Propensity {
        let d = &mut self.distribution;
        policy.action_distribution(context, n, self.draws, &mut self.streams[slot], d);
        let set = ArmSet::of(chosen);
        let n_arms = d.n_arms();
        match d.basis() {
            Basis::Exact => Propensity {
                set: d.probability(set),
                arms: (0..n_arms).map(|a| d.marginal(a)).collect(),
            },
            Basis::MonteCarlo { draws } => {
                let m = draws as f64;
                let pooled = |estimate: f64, chosen: bool| {
                    (m * estimate + f64::from(u8::from(chosen))) / (m + 1.0)
                };
                Propensity {
                    set: pooled(d.probability(set), true),
                    arms: (0..n_arms)
                        .map(|a| pooled(d.marginal(a), set.contains(a)))
                        .collect(),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bandit::{
        BetaTable, ContextKeys, EpsilonGreedy, RewardRule, StaticWeights, ThompsonSampling, Ucb1,
        Uniform,
    };
    use crate::ids::ArmId;
    use crate::scenario::spec::RewardSpec;
    use crate::world::Segment;
    use crate::world::context::{DayType, Daypart, Saturation, SessionPhase};

    fn context() -> Context {
        Context {
            daypart: Daypart::Evening,
            day_type: DayType::Weekend,
            segment: Segment::Power,
            saturation: Saturation::Medium,
            session_phase: SessionPhase::Late,
        }
    }

    /// A table over five arms with uneven evidence, so that no two arms tie.
    fn table() -> BetaTable {
        let mut t = BetaTable::new(ContextKeys::new(&[]), 5, (1.0, 1.0), None, 0.0);
        for (arm, s, f) in [(0u16, 6, 14), (1, 9, 11), (2, 3, 4), (3, 1, 9), (4, 12, 20)] {
            let choice = [ArmChoice {
                arm: ArmId(arm),
                confidence: 1.0,
            }];
            for i in 0..s + f {
                t.observe(0, &choice, i < s);
            }
        }
        t
    }

    /// The share of `n_draws` selections of `n` arms that chose each set, beside the
    /// policy's distribution: every set's probability within 0.01 (40,000 draws: a
    /// standard error of at most 0.0025, so 4 of them; fixed seeds cannot flake),
    /// marginals likewise, and the distribution sums to 1.
    fn agrees_with_its_choices(policy: &mut dyn Policy, n: usize, draws: usize) {
        let n_draws = 40_000;
        let mut rng = crate::rng::stream(9, Purpose::Policy, 0, 0);
        let mut counts: Vec<(ArmSet, u32)> = Vec::new();
        let mut arm_counts = [0u32; 5];
        for _ in 0..n_draws {
            let set = ArmSet::of(&policy.select_arms(&context(), n, &mut rng));
            for a in set.arms() {
                arm_counts[a] += 1;
            }
            match counts.iter_mut().find(|c| c.0 == set) {
                Some(c) => c.1 += 1,
                None => counts.push((set, 1)),
            }
        }
        let mut d = ActionDistribution::default();
        let mut mc = crate::rng::stream(9, Purpose::Propensity, 0, 0);
        policy.action_distribution(&context(), n, draws, &mut mc, &mut d);
        let total: f64 = all_sets(5, n).map(|s| d.probability(s)).sum();
        assert!(
            (total - 1.0).abs() < 1e-9,
            "{} sums to {total}",
            policy.name()
        );
        for set in all_sets(5, n) {
            let seen = counts.iter().find(|c| c.0 == set).map_or(0, |c| c.1);
            let share = f64::from(seen) / f64::from(n_draws);
            let p = d.probability(set);
            assert!(
                (share - p).abs() < 0.01,
                "{} {set:?}: {share} vs {p}",
                policy.name()
            );
        }
        for (a, &count) in arm_counts.iter().enumerate() {
            let share = f64::from(count) / f64::from(n_draws);
            assert!(
                (share - d.marginal(a)).abs() < 0.01,
                "{} arm {a}",
                policy.name()
            );
        }
    }

    #[test]
    fn every_policy_chooses_as_its_distribution_says() {
        let rule = || RewardRule::new(&RewardSpec::default());
        for n in [1, 2, 3] {
            agrees_with_its_choices(&mut ThompsonSampling::new(table(), rule()), n, 40_000);
            agrees_with_its_choices(&mut EpsilonGreedy::new(table(), rule(), 0.3), n, 1);
            agrees_with_its_choices(&mut Ucb1::new(table(), rule(), 2.0), n, 1);
            agrees_with_its_choices(&mut Uniform::new(5), n, 1);
            agrees_with_its_choices(&mut StaticWeights::new(vec![0.1, 0.0, 0.5, 0.3, 0.1]), n, 1);
        }
    }

    #[test]
    fn thompson_single_arm_propensities_match_the_exact_integral() {
        // One arm per request: P(arm a chosen) = P(a has the largest draw), which the
        // posterior integrates without random draws (`probability_best`).
        let policy = ThompsonSampling::new(table(), RewardRule::new(&RewardSpec::default()));
        let exact = table().probability_best(0, 4000);
        let mut d = ActionDistribution::default();
        let mut mc = crate::rng::stream(4, Purpose::Propensity, 0, 0);
        policy.action_distribution(&context(), 1, 100_000, &mut mc, &mut d);
        assert_eq!(d.basis(), Basis::MonteCarlo { draws: 100_000 });
        for (a, p) in exact.iter().enumerate() {
            // Standard error ≤ 0.0016 at 100,000 draws.
            assert!(
                (d.marginal(a) - p).abs() < 0.006,
                "arm {a}: {} vs {p}",
                d.marginal(a)
            );
        }
    }

    #[test]
    fn logged_monte_carlo_propensities_pool_the_choosing_draw() {
        // Two arms, arm 0 far better: fresh draws almost never choose arm 1, yet the
        // logged propensity of a choice of arm 1 is at least 1 / (1 + draws).
        let mut t = BetaTable::new(ContextKeys::new(&[]), 2, (1.0, 1.0), None, 0.0);
        let zero = [ArmChoice {
            arm: ArmId(0),
            confidence: 1.0,
        }];
        let one = [ArmChoice {
            arm: ArmId(1),
            confidence: 1.0,
        }];
        for i in 0..400 {
            t.observe(0, &zero, i % 10 != 0);
            t.observe(0, &one, i % 10 == 0);
        }
        let policy = ThompsonSampling::new(t, RewardRule::new(&RewardSpec::default()));
        let mut logger = PropensityLogger::new(&SeedTree::new(3), 1, 99);
        let logged = logger.log(0, &policy, &context(), 1, &one);
        assert!((logged.set - 0.01).abs() < 1e-12, "{logged:?}");
        assert!((logged.arms[1] - 0.01).abs() < 1e-12 && (logged.arms[0] - 0.99).abs() < 1e-12);
        // Exact policies log their exact probabilities.
        let mut eg = EpsilonGreedy::new(table(), RewardRule::new(&RewardSpec::default()), 0.2);
        let chosen = eg.select_arms(
            &context(),
            1,
            &mut crate::rng::stream(1, Purpose::Policy, 0, 0),
        );
        let logged = logger.log(0, &eg, &context(), 1, &chosen);
        // Arm 1 has the best mean (10/22, by hand from its 9 successes and 11
        // failures under Beta(1, 1)); an ε-greedy choice of it: 0.8 + 0.2/5.
        assert_eq!(chosen[0].arm, ArmId(1));
        assert!((logged.set - 0.84).abs() < 1e-12);
        assert!((logged.arms[0] - 0.04).abs() < 1e-12);
    }

    #[test]
    fn all_sets_enumerates_every_combination_once() {
        let sets: Vec<u64> = all_sets(4, 2).map(|s| s.0).collect();
        assert_eq!(sets, [0b0011, 0b0101, 0b0110, 0b1001, 0b1010, 0b1100]);
        assert_eq!(all_sets(6, 3).count(), 20);
        assert_eq!(n_sets(6, 3), 20.0);
        assert_eq!(all_sets(7, 7).count(), 1);
        assert_eq!(all_sets(3, 4).count(), 0);
        assert_eq!(n_sets(9, 4), 126.0);
    }

    #[test]
    fn a_mixture_has_the_hand_computed_probabilities() {
        // ε-greedy with ε = 0.2 choosing 2 of 4 arms, greedy set {0, 2}: by hand,
        // P({0,2}) = 0.8 + 0.2/6, P({1,3}) = 0.2/6; P(arm 0 chosen) = 0.8 + 0.2·2/4;
        // P(arm 1 chosen) = 0.2·2/4; sets touching arm 3: 0.2·(1 − C(3,2)/C(4,2)).
        let mut d = ActionDistribution::default();
        d.reset(4, 2, Basis::Exact);
        d.add_uniform(0.2);
        d.add(ArmSet(0b0101), 0.8);
        assert!((d.probability(ArmSet(0b0101)) - (0.8 + 0.2 / 6.0)).abs() < 1e-15);
        assert!((d.probability(ArmSet(0b1010)) - 0.2 / 6.0).abs() < 1e-15);
        assert!((d.marginal(0) - 0.9).abs() < 1e-15);
        assert!((d.marginal(1) - 0.1).abs() < 1e-15);
        assert!((d.mass_touching(ArmSet(0b1000)) - 0.2 * 0.5).abs() < 1e-15);
        assert!((d.mass_touching(ArmSet(0b0001)) - (0.8 + 0.1)).abs() < 1e-15);
        let total: f64 = all_sets(4, 2).map(|s| d.probability(s)).sum();
        assert!((total - 1.0).abs() < 1e-15);
        // E[q] with q(A) = number of the lowest arm: mean over the six sets by hand
        // (0+0+1+0+1+2)/6 = 2/3, so 0.2·2/3 + 0.8·0.
        let q = |s: ArmSet| s.arms().next().unwrap() as f64;
        let mean = all_sets(4, 2).map(q).sum::<f64>() / 6.0;
        assert!((d.expectation(q, || mean) - 0.2 * 2.0 / 3.0).abs() < 1e-15);
    }

    #[test]
    fn arm_sets_ignore_order() {
        let choices = [
            ArmChoice {
                arm: ArmId(3),
                confidence: 0.7,
            },
            ArmChoice {
                arm: ArmId(1),
                confidence: 0.3,
            },
        ];
        let set = ArmSet::of(&choices);
        assert_eq!(set, ArmSet(0b1010));
        assert_eq!(set.arms().collect::<Vec<_>>(), [1, 3]);
        assert_eq!(set.len(), 2);
    }
}
