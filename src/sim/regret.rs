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

use serde::Serialize;

use crate::world::Context;

/// Regret counts of one group of requests (a context, a time bucket).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
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
#[derive(Clone, Debug, PartialEq, Serialize)]
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
#[derive(Clone, Debug, PartialEq, Serialize)]
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
