//! Exact regret: every arm's expected reward for every request, against the choice.
//!
//! For request t and arm a, `r_{t,a}` is the expected reward (probability of a
//! success under the stack's reward rule, from the ground truth) of the slate arm a
//! alone shows: its own top-K list for this request, produced from its own stream
//! before the policy chooses. With the policy's lead arm ℓ_t:
//!
//! ```text
//! oracle regret      R = Σ_t ( max_a r_{t,a} − r_{t,ℓ_t} )
//! hindsight regret   H = Σ_c ( max_a Σ_{t∈c} r_{t,a} − Σ_{t∈c} r_{t,ℓ_t} )
//! ```
//!
//! R compares with the oracle that knows each request's best arm; it includes the
//! part no context-level policy can avoid, so it grows linearly when users within a
//! context differ. H compares with the best fixed arm of each context c (all five
//! context features) in hindsight, the usual contextual-bandit regret: a learning
//! policy keeps it sublinear. With `arms_per_request > 1` the regret is that of the
//! lead arm; the blended slate's own expected reward is kept beside it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::world::Context;

/// Regret counts of one group of requests (a context, a time bucket).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RegretCell {
    /// Requests.
    pub requests: u64,
    /// Σ max_a r_{t,a}.
    pub best_reward: f64,
    /// Σ r_{t,lead}.
    pub lead_reward: f64,
    /// Σ of the shown (possibly blended) slate's expected reward.
    pub shown_reward: f64,
    /// Σ (max_a r_{t,a} − r_{t,lead}).
    pub regret: f64,
    /// Requests whose lead arm was not the policy's greedy arm.
    pub explored: u64,
    /// Requests led by each arm, by arm id.
    pub lead_counts: Vec<u64>,
    /// Σ r_{t,a} per arm, by arm id (for hindsight regret).
    pub arm_rewards: Vec<f64>,
    /// Realised successes under the reward rule.
    pub successes: u64,
}

impl RegretCell {
    fn new(n_arms: usize) -> Self {
        Self {
            lead_counts: vec![0; n_arms],
            arm_rewards: vec![0.0; n_arms],
            ..Self::default()
        }
    }

    fn add(&mut self, r: &RequestRegret<'_>) {
        self.requests += 1;
        self.best_reward += r.best();
        self.lead_reward += r.arm_rewards[r.lead];
        self.shown_reward += r.shown_reward;
        self.regret += r.best() - r.arm_rewards[r.lead];
        self.explored += u64::from(r.explored);
        self.lead_counts[r.lead] += 1;
        for (sum, &x) in self.arm_rewards.iter_mut().zip(r.arm_rewards) {
            *sum += x;
        }
        self.successes += u64::from(r.success);
    }

    /// Regret against the best fixed arm of this group in hindsight.
    #[must_use]
    pub fn hindsight_regret(&self) -> f64 {
        self.arm_rewards
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max)
            .max(self.lead_reward)
            - self.lead_reward
    }
}

/// What one request contributes.
#[derive(Clone, Copy, Debug)]
pub struct RequestRegret<'a> {
    /// Expected reward of every arm's slate, by arm id.
    pub arm_rewards: &'a [f64],
    /// The lead arm's id.
    pub lead: usize,
    /// Expected reward of the slate shown.
    pub shown_reward: f64,
    /// Whether the lead arm differed from the policy's greedy arm.
    pub explored: bool,
    /// Whether the response was a success under the reward rule.
    pub success: bool,
}

impl RequestRegret<'_> {
    fn best(&self) -> f64 {
        self.arm_rewards.iter().copied().fold(0.0, f64::max)
    }
}

/// The regret of one policy slot.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SlotRegret {
    /// All its requests.
    pub total: RegretCell,
    /// Per full context, in context order.
    pub by_context: BTreeMap<Context, RegretCell>,
    /// Per time bucket of `report.timeseries_bucket_hours`.
    pub timeseries: Vec<RegretCell>,
}

impl SlotRegret {
    /// Hindsight regret summed over contexts (see the module docs).
    #[must_use]
    pub fn hindsight_regret(&self) -> f64 {
        self.by_context
            .values()
            .map(RegretCell::hindsight_regret)
            .sum()
    }
}

/// Regret of every policy slot of a run, when `report.regret` is on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RegretLedger {
    /// Per slot, in slot order (slot 0 = the default stack).
    pub slots: Vec<SlotRegret>,
    n_arms: usize,
}

impl RegretLedger {
    /// An empty ledger.
    #[must_use]
    pub fn new(n_slots: usize, n_arms: usize, n_buckets: usize) -> Self {
        Self {
            slots: (0..n_slots)
                .map(|_| SlotRegret {
                    total: RegretCell::new(n_arms),
                    by_context: BTreeMap::new(),
                    timeseries: (0..n_buckets).map(|_| RegretCell::new(n_arms)).collect(),
                })
                .collect(),
            n_arms,
        }
    }

    /// Records one request of `slot`.
    pub fn record(&mut self, slot: usize, context: Context, bucket: usize, r: &RequestRegret<'_>) {
        let n_arms = self.n_arms;
        let s = &mut self.slots[slot];
        s.total.add(r);
        s.by_context
            .entry(context)
            .or_insert_with(|| RegretCell::new(n_arms))
            .add(r);
        s.timeseries[bucket].add(r);
    }
}

/// One row of a regret summary: a slot overall or one of its contexts.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RegretRow {
    /// Requests.
    pub requests: u64,
    /// Σ expected reward of the shown slates.
    pub expected_reward: f64,
    /// Expected reward per request.
    pub expected_reward_rate: Option<f64>,
    /// Realised successes per request under the reward rule.
    pub success_rate: Option<f64>,
    /// Cumulative regret against the per-request oracle.
    pub oracle_regret: f64,
    /// Cumulative regret against the best fixed arm per context, in hindsight.
    pub hindsight_regret: f64,
    /// Share of requests whose lead arm was not the policy's greedy arm.
    pub exploration_share: Option<f64>,
    /// Share of requests each arm led, by arm name.
    pub lead_share: BTreeMap<String, f64>,
    /// Mean expected reward of each arm's slate over these requests, by arm name.
    pub arm_mean_reward: BTreeMap<String, f64>,
}

impl RegretRow {
    /// Summarises a cell; `hindsight` is its hindsight regret (summed over contexts for
    /// a slot).
    #[must_use]
    pub fn of(cell: &RegretCell, hindsight: f64, arm_names: &[&str]) -> Self {
        let n = cell.requests as f64;
        let per = |x: f64| (n > 0.0).then(|| x / n);
        Self {
            requests: cell.requests,
            expected_reward: cell.shown_reward,
            expected_reward_rate: per(cell.shown_reward),
            success_rate: per(cell.successes as f64),
            oracle_regret: cell.regret,
            hindsight_regret: hindsight,
            exploration_share: per(cell.explored as f64),
            lead_share: arm_names
                .iter()
                .zip(&cell.lead_counts)
                .filter_map(|(a, &c)| Some(((*a).to_owned(), per(c as f64)?)))
                .collect(),
            arm_mean_reward: arm_names
                .iter()
                .zip(&cell.arm_rewards)
                .filter_map(|(a, &r)| Some(((*a).to_owned(), per(r)?)))
                .collect(),
        }
    }
}

/// The regret summary of one policy slot.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SlotRegretSummary {
    /// Experiment id, `None` outside experiments.
    pub experiment: Option<String>,
    /// Variant name.
    pub variant: String,
    /// Policy name.
    pub policy: String,
    /// All requests of the slot.
    pub overall: RegretRow,
    /// Per full context key (`daypart/day_type/segment/saturation/session_phase`).
    pub by_context: BTreeMap<String, RegretRow>,
}

impl SlotRegretSummary {
    /// Summarises every slot of a ledger.
    #[must_use]
    pub fn all(ledger: &RegretLedger, keys: &[super::VariantKey], arm_names: &[&str]) -> Vec<Self> {
        ledger
            .slots
            .iter()
            .zip(keys)
            .map(|(s, key)| Self {
                experiment: key.experiment.clone(),
                variant: key.variant.clone(),
                policy: key.policy.clone(),
                overall: RegretRow::of(&s.total, s.hindsight_regret(), arm_names),
                by_context: s
                    .by_context
                    .iter()
                    .map(|(c, cell)| {
                        (
                            c.key(),
                            RegretRow::of(cell, cell.hindsight_regret(), arm_names),
                        )
                    })
                    .collect(),
            })
            .collect()
    }
}
