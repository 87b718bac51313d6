//! The direct method's reward model, fitted on the log: `q̂(x, A)`, the expected
//! reward of arm set `A` in context `x`.
//!
//! # The model
//!
//! A two-level shrinkage of empirical means (a hierarchical Beta–Binomial with a
//! fixed prior strength `k` = [`PRIOR_STRENGTH`] observations at each level): with
//! `S, N` the rewards and requests of the fitting data, `S_A, N_A` those served with
//! set `A`, and `S_xA, N_xA` those served with `A` in the full context `x` (daypart ×
//! day type × segment × saturation × session phase, 144 cells),
//!
//! ```text
//! μ       = S / N                                (0 for no data)
//! m_A     = (S_A + k μ) / (N_A + k)              the set's rate, shrunk to μ
//! q̂(x, A) = (S_xA + k m_A) / (N_xA + k)          the cell's rate, shrunk to m_A
//! ```
//!
//! so a cell seen rarely borrows its set's rate, and a set never served gets the
//! global rate. The model ignores time (arms improve as they retrain, users tire) and
//! the blend weights: both are part of the direct method's bias, which
//! `recolab ope` measures.
//!
//! # Cross-fitting
//!
//! Users are split into [`N_FOLDS`] folds by `user mod N_FOLDS`; an event is
//! predicted by the model fitted on the other folds only (Chernozhukov et al. 2018),
//! so the doubly robust correction `r − q̂` is never taken against a model that saw
//! `r`.
//!
//! # References
//!
//! ```text
//! V. Chernozhukov et al. Double/debiased machine learning for treatment and structural
//!   parameters. The Econometrics Journal 21(1), 2018.
//! ```

use std::collections::BTreeMap;

use crate::bandit::ContextKeys;
use crate::bandit::propensity::{ArmSet, all_sets};
use crate::scenario::spec::ContextFeature;
use crate::world::Context;

use super::log::{OffPolicyLog, Reward};

/// Pseudo-observations each level of the model borrows from the level above.
pub const PRIOR_STRENGTH: f64 = 10.0;

/// Folds of the cross-fitting.
pub const N_FOLDS: usize = 2;

/// Rewards and requests.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Counts {
    rewards: f64,
    requests: f64,
}

impl Counts {
    fn add(&mut self, reward: f64) {
        self.rewards += reward;
        self.requests += 1.0;
    }

    fn minus(self, other: Self) -> Self {
        Self {
            rewards: self.rewards - other.rewards,
            requests: self.requests - other.requests,
        }
    }

    /// `(rewards + k · prior) / (requests + k)`.
    fn shrunk(self, prior: f64) -> f64 {
        (self.rewards + PRIOR_STRENGTH * prior) / (self.requests + PRIOR_STRENGTH)
    }
}

/// The counts of one slice of the log.
#[derive(Clone, Debug, Default)]
struct Tables {
    all: Counts,
    by_set: BTreeMap<ArmSet, Counts>,
    by_cell: BTreeMap<(usize, ArmSet), Counts>,
}

/// One fold's model: fitted on every event outside the fold.
#[derive(Clone, Debug)]
struct FoldModel {
    global: f64,
    by_set: BTreeMap<ArmSet, f64>,
    by_cell: BTreeMap<(usize, ArmSet), Counts>,
    /// Per cell, the mean of q̂ over every set of the stack's size.
    mean_over_sets: Vec<f64>,
}

impl FoldModel {
    fn predict(&self, cell: usize, set: ArmSet) -> f64 {
        let m = self.by_set.get(&set).copied().unwrap_or(self.global);
        self.by_cell
            .get(&(cell, set))
            .copied()
            .unwrap_or_default()
            .shrunk(m)
    }
}

/// `q̂(x, A)`, cross-fitted (see the module docs).
#[derive(Clone, Debug)]
pub struct RewardModel {
    keys: ContextKeys,
    folds: Vec<FoldModel>,
}

impl RewardModel {
    /// Fits the model on `log` with rewards `reward`, for a stack of `n_arms` arms
    /// serving `size` arms per request.
    #[must_use]
    pub fn fit(log: &OffPolicyLog, reward: &Reward, n_arms: usize, size: usize) -> Self {
        let keys = ContextKeys::new(&ContextFeature::ALL);
        let mut total = Tables::default();
        let mut by_fold = vec![Tables::default(); N_FOLDS];
        for e in &log.events {
            let r = reward.of(&e.feedback);
            let cell = keys.index(&e.context);
            for t in [&mut total, &mut by_fold[fold_of(e.user)]] {
                t.all.add(r);
                t.by_set.entry(e.set).or_default().add(r);
                t.by_cell.entry((cell, e.set)).or_default().add(r);
            }
        }
        let sets: Vec<ArmSet> = all_sets(n_arms, size).collect();
        let folds = by_fold
            .iter()
            .map(|held_out| {
                let all = total.all.minus(held_out.all);
                let global = if all.requests > 0.0 {
                    all.rewards / all.requests
                } else {
                    0.0
                };
                let by_set: BTreeMap<ArmSet, f64> = total
                    .by_set
                    .iter()
                    .map(|(set, counts)| {
                        let held = held_out.by_set.get(set).copied().unwrap_or_default();
                        (*set, counts.minus(held).shrunk(global))
                    })
                    .collect();
                let by_cell: BTreeMap<(usize, ArmSet), Counts> = total
                    .by_cell
                    .iter()
                    .map(|(key, counts)| {
                        let held = held_out.by_cell.get(key).copied().unwrap_or_default();
                        (*key, counts.minus(held))
                    })
                    .collect();
                let mut model = FoldModel {
                    global,
                    by_set,
                    by_cell,
                    mean_over_sets: Vec::new(),
                };
                model.mean_over_sets = (0..keys.len())
                    .map(|cell| {
                        let sum: f64 = sets.iter().map(|&s| model.predict(cell, s)).sum();
                        if sets.is_empty() {
                            0.0
                        } else {
                            sum / sets.len() as f64
                        }
                    })
                    .collect();
                model
            })
            .collect();
        Self { keys, folds }
    }

    /// `q̂(x, A)` for an event of `user` in `context`, from the model that did not see
    /// the user's fold.
    #[must_use]
    pub fn predict(&self, user: u32, context: &Context, set: ArmSet) -> f64 {
        self.folds[fold_of(user)].predict(self.keys.index(context), set)
    }

    /// The mean of `q̂(x, A)` over every set of the stack's size, as
    /// [`Self::predict`] would give each.
    #[must_use]
    pub fn mean_over_sets(&self, user: u32, context: &Context) -> f64 {
        self.folds[fold_of(user)].mean_over_sets[self.keys.index(context)]
    }
}

/// The cross-fitting fold of a user.
#[must_use]
pub fn fold_of(user: u32) -> usize {
    user as usize % N_FOLDS
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bandit::{ArmChoice, Feedback};
    use crate::ids::ArmId;
    use crate::ope::log::{LoggedEvent, RewardKind};
    use crate::scenario::spec::RewardSpec;
    use crate::world::Segment;
    use crate::world::context::{DayType, Daypart, Saturation, SessionPhase};

    fn context(daypart: Daypart) -> Context {
        Context {
            daypart,
            day_type: DayType::Weekday,
            segment: Segment::Regular,
            saturation: Saturation::Low,
            session_phase: SessionPhase::Early,
        }
    }

    fn event(user: u32, daypart: Daypart, arm: u16, clicked: bool) -> LoggedEvent {
        let choices = vec![ArmChoice {
            arm: ArmId(arm),
            confidence: 1.0,
        }];
        LoggedEvent {
            user,
            context: context(daypart),
            set: ArmSet::of(&choices),
            choices,
            feedback: Feedback {
                clicked,
                credited_arm: None,
                rating: None,
                thumbs: None,
            },
            propensity: 0.5,
            arm_propensities: vec![0.5, 0.5],
        }
    }

    #[test]
    fn predictions_are_the_hand_computed_shrunk_means_of_the_other_fold() {
        // Fold 1 (odd users): arm 0 in the morning 3 clicks of 4, arm 1 in the
        // evening 1 of 2. Fold 0 (even users): 1 event, arm 0 in the morning, no click.
        let mut log = OffPolicyLog::default();
        for (user, daypart, arm, clicked) in [
            (1, Daypart::Morning, 0, true),
            (3, Daypart::Morning, 0, true),
            (5, Daypart::Morning, 0, false),
            (7, Daypart::Morning, 0, true),
            (1, Daypart::Evening, 1, true),
            (3, Daypart::Evening, 1, false),
            (2, Daypart::Morning, 0, false),
        ] {
            log.events.push(event(user, daypart, arm, clicked));
        }
        let reward = Reward::new(RewardKind::Click, &RewardSpec::default());
        let model = RewardModel::fit(&log, &reward, 2, 1);
        let arm0 = ArmSet(0b01);
        let arm1 = ArmSet(0b10);
        // An even user is predicted from fold 1: μ = 4/6; m_0 = (3 + 10·4/6)/(4 + 10);
        // q̂(morning, 0) = (3 + 10 m_0)/(4 + 10).
        let mu = 4.0 / 6.0;
        let m0 = (3.0 + 10.0 * mu) / 14.0;
        let q = (3.0 + 10.0 * m0) / 14.0;
        assert!((model.predict(2, &context(Daypart::Morning), arm0) - q).abs() < 1e-12);
        // A cell never seen borrows the set's rate; the mean over both sets too.
        let m1 = (1.0 + 10.0 * mu) / 12.0;
        let night = context(Daypart::Night);
        assert!((model.predict(2, &night, arm1) - m1).abs() < 1e-12);
        assert!((model.mean_over_sets(2, &night) - (m0 + m1) / 2.0).abs() < 1e-12);
        // An odd user is predicted from fold 0 alone: μ = 0, m_0 = 0/(1 + 10),
        // q̂(morning, 0) = 0; arm 1 never served there: the global rate 0.
        assert_eq!(model.predict(1, &context(Daypart::Morning), arm0), 0.0);
        assert_eq!(model.predict(1, &context(Daypart::Evening), arm1), 0.0);
    }
}
