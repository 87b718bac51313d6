//! A target policy walked along the log: its probability of every arm set at each
//! logged request, as it would stand having learned from the log so far.
//!
//! # The estimand
//!
//! Production logs hold one policy's choices; a *learning* target's choices depend
//! on what it has learned. Here the target starts from its prior and, after each
//! logged request, learns that request's logged arm set and response exactly as the
//! logging policy did (same reward rule, credit split by the logged confidences).
//! Its distribution `π_t(A | x_t)` over arm sets at request `t` is then fixed by the
//! log before `t`, and the estimators ([`super::estimators`]) estimate
//!
//! ```text
//! V_log(π) = (1/n) Σ_t Σ_A π_t(A | x_t) · E[r | x_t, A]
//! ```
//!
//! the expected reward per request the target would have earned on the logged
//! requests, trained on the logged data. IPS is exactly unbiased for it (the
//! weights' expectation given the past is 1 whatever the past was). Deployed, the
//! target would learn from its own choices and change which users come back and
//! when; `recolab ope` measures that second gap with an on-policy run
//! ([`super::truth`]).
//!
//! With one arm per request, and a shown slate that is the chosen arm's own top K,
//! the simulator knows `E[r | x_t, a]` for every arm (the event's
//! `arm_expected_rewards`), so `V_log` itself is computed exactly beside the
//! estimates.

use crate::bandit::{ActionDistribution, ArmSet, Policy};
use crate::rng::ChaCha8Rng;

use super::estimators::Round;
use super::log::{OffPolicyLog, Reward};
use super::reward_model::RewardModel;

/// A target's rounds over a log, and how far it strays from the logging policy.
#[derive(Clone, Debug, PartialEq)]
pub struct TargetRounds {
    /// One per logged request.
    pub rounds: Vec<Round>,
    /// The user of each round.
    pub users: Vec<u32>,
    /// `(1/n) Σ_t` of the target's probability of sets holding an arm whose logged
    /// propensity is 0 at `t`: the target's mass outside the logging policy's support.
    pub unsupported_share: f64,
    /// The arms behind that mass.
    pub unsupported_arms: ArmSet,
    /// `V_log` computed exactly from the oracle stamps, when the log allows
    /// ([`log_truth_available`]).
    pub truth_on_log: Option<f64>,
    /// The largest importance weight.
    pub max_weight: f64,
}

/// Walks `policy` (fresh, at its prior) along `log`, serving `n` arms per request.
///
/// # Determinism
///
/// Monte-Carlo policies draw `draws` joint draws per request from `rng`; the others
/// draw nothing.
#[allow(clippy::too_many_arguments)]
pub fn walk(
    policy: &mut dyn Policy,
    log: &OffPolicyLog,
    reward: &Reward,
    model: &RewardModel,
    n: usize,
    draws: usize,
    exact_truth: bool,
    rng: &mut ChaCha8Rng,
) -> TargetRounds {
    let mut distribution = ActionDistribution::default();
    let mut rounds = Vec::with_capacity(log.len());
    let mut users = Vec::with_capacity(log.len());
    let (mut unsupported, mut unsupported_arms) = (0.0, ArmSet::default());
    let mut truth = 0.0;
    let mut max_weight: f64 = 0.0;
    for (e, stamps) in log.events.iter().zip(&log.truth) {
        policy.action_distribution(&e.context, n, draws, rng, &mut distribution);
        let d = &distribution;
        let weight = d.probability(e.set) / e.propensity;
        max_weight = max_weight.max(weight);
        let q = |set: ArmSet| model.predict(e.user, &e.context, set);
        rounds.push(Round {
            weight,
            reward: reward.of(&e.feedback),
            q_logged: q(e.set),
            q_target: d.expectation(q, || model.mean_over_sets(e.user, &e.context)),
        });
        users.push(e.user);
        let zero = ArmSet(
            e.arm_propensities
                .iter()
                .enumerate()
                .filter(|(_, p)| **p <= 0.0)
                .fold(0, |m, (a, _)| m | 1 << a),
        );
        if !zero.is_empty() {
            let mass = d.mass_touching(zero);
            if mass > 0.0 {
                unsupported += mass;
                for a in zero.arms().filter(|&a| d.marginal(a) > 0.0) {
                    unsupported_arms.0 |= 1 << a;
                }
            }
        }
        if exact_truth {
            let rewards = stamps
                .arm_expected_rewards
                .as_ref()
                .expect("checked by log_truth_available");
            truth += rewards
                .iter()
                .enumerate()
                .map(|(a, r)| d.marginal(a) * r)
                .sum::<f64>();
        }
        policy.update(&e.context, &e.choices, &e.feedback);
    }
    let n_events = log.len().max(1) as f64;
    TargetRounds {
        rounds,
        users,
        unsupported_share: unsupported / n_events,
        unsupported_arms,
        truth_on_log: exact_truth.then_some(truth / n_events),
        max_weight,
    }
}

/// Whether `V_log` can be computed exactly from the log's oracle stamps, or why not:
/// it needs the plan's reward (the stamps are under the reward rule), one arm per
/// request, the stamps (exact regret on), and shown slates that are the chosen arm's
/// own top K (no diversity post-processing) — checked on every event, as the shown
/// slate's expected reward equal to the chosen arm's.
///
/// # Errors
///
/// The reason, for the report.
pub fn log_truth_available(log: &OffPolicyLog, reward: &Reward) -> Result<(), String> {
    use super::log::RewardKind;
    if reward.kind() != RewardKind::Success {
        return Err("the oracle stamps give expected successes, not clicks".into());
    }
    for (e, t) in log.events.iter().zip(&log.truth) {
        if e.set.len() != 1 {
            return Err("more than one arm per request: the stamps score single arms".into());
        }
        let (Some(shown), Some(arms)) = (t.expected_reward, &t.arm_expected_rewards) else {
            return Err("the log has no oracle stamps (run with `report.regret: true`)".into());
        };
        let arm = e.choices[0].arm.index();
        if (shown - arms[arm]).abs() > 1e-9 {
            return Err(
                "shown slates differ from the chosen arm's own top K (diversity \
                 post-processing is on)"
                    .into(),
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bandit::{
        ArmChoice, BetaTable, ContextKeys, EpsilonGreedy, Feedback, RewardRule, StaticWeights,
        Uniform,
    };
    use crate::ids::ArmId;
    use crate::ope::log::{EventTruth, LoggedEvent, RewardKind};
    use crate::rng::{Purpose, stream};
    use crate::scenario::spec::RewardSpec;
    use crate::world::context::{DayType, Daypart, Saturation, SessionPhase};
    use crate::world::{Context, Segment};

    /// A hand-built log of three requests over two arms, one arm each, from a
    /// logging policy that chose arm 0 with probability 0.8 and arm 1 with 0.2:
    /// (user, arm, clicked, the two arms' true expected rewards).
    fn hand_log(arm_propensities: [f64; 2]) -> OffPolicyLog {
        let context = Context {
            daypart: Daypart::Morning,
            day_type: DayType::Weekday,
            segment: Segment::Regular,
            saturation: Saturation::Low,
            session_phase: SessionPhase::Early,
        };
        let mut log = OffPolicyLog::default();
        for (user, arm, clicked, truth) in [
            (0u32, 0u16, false, [0.1, 0.3]),
            (1, 1, true, [0.2, 0.4]),
            (0, 0, false, [0.1, 0.5]),
        ] {
            let choices = vec![ArmChoice {
                arm: ArmId(arm),
                confidence: 1.0,
            }];
            log.events.push(LoggedEvent {
                user,
                context,
                set: ArmSet::of(&choices),
                choices,
                feedback: Feedback {
                    clicked,
                    credited_arm: None,
                    rating: None,
                    thumbs: None,
                },
                propensity: arm_propensities[usize::from(arm)],
                arm_propensities: arm_propensities.to_vec(),
            });
            log.truth.push(EventTruth {
                expected_click: 0.0,
                expected_reward: Some(truth[usize::from(arm)]),
                arm_expected_rewards: Some(truth.to_vec()),
            });
        }
        log
    }

    fn reward() -> Reward {
        Reward::new(RewardKind::Success, &RewardSpec::default())
    }

    fn walk_all(policy: &mut dyn Policy, log: &OffPolicyLog) -> TargetRounds {
        let model = RewardModel::fit(log, &reward(), 2, 1);
        let mut rng = stream(1, Purpose::OffPolicyTarget, 0, 0);
        log_truth_available(log, &reward()).unwrap();
        walk(policy, log, &reward(), &model, 1, 10, true, &mut rng)
    }

    #[test]
    fn a_fixed_target_gets_the_hand_computed_weights_and_truth() {
        // The target always serves arm 1: weights 0/0.8, 1/0.2, 0/0.8 = 0, 5, 0; IPS =
        // 5·1/3; its exact value on the log is the mean of arm 1's truths,
        // (0.3 + 0.4 + 0.5)/3 = 0.4.
        let log = hand_log([0.8, 0.2]);
        let r = walk_all(&mut StaticWeights::new(vec![0.0, 1.0]), &log);
        let weights: Vec<f64> = r.rounds.iter().map(|x| x.weight).collect();
        assert_eq!(weights, [0.0, 5.0, 0.0]);
        assert_eq!(r.max_weight, 5.0);
        assert!((r.truth_on_log.unwrap() - 0.4).abs() < 1e-15);
        assert_eq!(r.unsupported_share, 0.0);
        assert_eq!(r.users, [0, 1, 0]);
        // The estimators on this log, by hand. Rewards 0, 1, 0. The reward model is
        // cross-fitted by user parity: user 0's requests (fold 0) are predicted from
        // fold 1, i.e. request 2 alone (arm 1, reward 1): μ = 1, m(arm 1) = (1 + 10)/11
        // = 1, arm 0 unseen so m(arm 0) = μ = 1, and every q̂ = 1. User 1's request is
        // predicted from fold 0 (two arm-0 failures): μ = 0 and every q̂ = 0. So
        // q̂_t(π) = q̂(x_t, 1) = 1, 0, 1 and q̂(x_t, A_t) = 1, 0, 1:
        // IPS   = (0 + 5·1 + 0)/3 = 5/3          SNIPS = 5 / 5 = 1
        // DM    = (1 + 0 + 1)/3 = 2/3
        // DR    = (1 + 0·(0 − 1) + 0 + 5·(1 − 0) + 1 + 0·(0 − 1))/3 = 7/3
        let mut sums = crate::ope::RoundSums::default();
        for round in &r.rounds {
            sums.add(round);
        }
        let e = crate::ope::estimate(&sums);
        assert!((e.ips - 5.0 / 3.0).abs() < 1e-15);
        assert!((e.snips.unwrap() - 1.0).abs() < 1e-15);
        assert!((e.dm - 2.0 / 3.0).abs() < 1e-15);
        assert!((e.dr - 7.0 / 3.0).abs() < 1e-15);
    }

    #[test]
    fn a_learning_target_learns_from_the_log_as_it_goes() {
        // Greedy (ε = 0) from Beta(1, 1), one context: at request 1 both means are ½
        // and the tie goes to arm 0 (w = 1/0.8 = 1.25); request 1 (arm 0, no click) is a
        // failure, arm 0's mean falls to ⅓, so request 2 goes to arm 1 (w = 1/0.2 = 5);
        // request 2 (arm 1, click) is a success (⅔), so request 3 goes to arm 1 (w = 0
        // for the logged arm 0). Truth: (0.1 + 0.4 + 0.5)/3.
        let log = hand_log([0.8, 0.2]);
        let table = BetaTable::new(ContextKeys::new(&[]), 2, (1.0, 1.0), None, 10.0);
        let rule = RewardRule::new(&RewardSpec::default());
        let r = walk_all(&mut EpsilonGreedy::new(table, rule, 0.0), &log);
        let weights: Vec<f64> = r.rounds.iter().map(|x| x.weight).collect();
        assert_eq!(weights, [1.25, 5.0, 0.0]);
        assert!((r.truth_on_log.unwrap() - 1.0 / 3.0).abs() < 1e-15);
    }

    #[test]
    fn mass_on_arms_the_logger_never_chooses_is_flagged() {
        // A logger that always serves arm 0 (arm 1's propensity 0) and a uniform
        // target: half of the target's choices are outside the log's support.
        let mut log = hand_log([1.0, 0.0]);
        for e in &mut log.events {
            e.propensity = 1.0;
        }
        let r = walk_all(&mut Uniform::new(2), &log);
        assert!((r.unsupported_share - 0.5).abs() < 1e-15);
        assert_eq!(r.unsupported_arms, ArmSet(0b10));
        // A target that stays on arm 0 is inside the support.
        let r = walk_all(&mut StaticWeights::new(vec![1.0, 0.0]), &log);
        assert_eq!(r.unsupported_share, 0.0);
    }

    #[test]
    fn the_exact_truth_needs_single_arm_stamps_that_match_the_shown_slate() {
        let mut log = hand_log([0.8, 0.2]);
        assert!(log_truth_available(&log, &reward()).is_ok());
        let clicks = Reward::new(RewardKind::Click, &RewardSpec::default());
        assert!(log_truth_available(&log, &clicks).is_err());
        log.truth[1].expected_reward = Some(0.25);
        let why = log_truth_available(&log, &reward()).unwrap_err();
        assert!(why.contains("diversity"), "{why}");
        log.truth[1].arm_expected_rewards = None;
        assert!(
            log_truth_available(&log, &reward())
                .unwrap_err()
                .contains("regret")
        );
    }
}
