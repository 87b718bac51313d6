//! `bandit-state`: each policy slot's posteriors per (context key, arm) as the run
//! ended, beside how often each arm was selected in that context.

use serde::Serialize;

use crate::bandit::{BetaTable, ContextKeys};
use crate::scenario::spec::ContextFeature;

use super::{Header, RunView, group_name};

/// Cells of [0, 1] integrated for the probability that an arm is best.
const PROBABILITY_BEST_CELLS: usize = 200;

/// One arm in one context key.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ArmPosterior {
    /// Arm name.
    pub arm: String,
    /// Posterior Beta α (prior, pooled pseudo-observations and evidence); `None` for
    /// a policy that learns nothing.
    pub alpha: Option<f64>,
    /// Posterior Beta β.
    pub beta: Option<f64>,
    /// Posterior mean α / (α + β).
    pub mean: Option<f64>,
    /// Evidence (successes, failures) observed in this context, confidence-weighted.
    pub evidence: Option<[f64; 2]>,
    /// Posterior probability that this arm has the highest success rate here.
    pub probability_best: Option<f64>,
    /// Requests of this context in which the arm was picked / the context's requests.
    pub selection_rate: Option<f64>,
    /// Requests it led / the context's requests.
    pub lead_rate: Option<f64>,
}

/// One context key of a slot.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ContextState {
    /// The key, e.g. `evening/weekend`, or `all` for a context-blind policy.
    pub key: String,
    /// Requests of the slot in this context.
    pub requests: u64,
    /// Their success rate under the reward rule.
    pub success_rate: Option<f64>,
    /// One entry per arm, in stack order.
    pub arms: Vec<ArmPosterior>,
}

/// An arm's selection rate.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ArmRate {
    /// Arm name.
    pub arm: String,
    /// Requests it was picked for / the slot's requests.
    pub selection_rate: Option<f64>,
}

/// One policy slot.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SlotState {
    /// `experiment/variant`, or `default`.
    pub group: String,
    /// Policy name.
    pub policy: String,
    /// Whether the policy keeps posteriors.
    pub learns: bool,
    /// Features of the context key: the policy's own, or `[daypart, day_type]` for
    /// a policy that learns nothing (selection rates only).
    pub context_features: Vec<&'static str>,
    /// Prior Beta(α₀, β₀).
    pub prior: Option<(f64, f64)>,
    /// Forgetting factor.
    pub discount: Option<f64>,
    /// Pseudo-observations lent from the arm's other contexts.
    pub pooling: Option<f64>,
    /// Requests of the slot.
    pub requests: u64,
    /// Selection rate per arm over all its requests, in stack order.
    pub selection_rates: Vec<ArmRate>,
    /// Per context key, in key order; keys without requests are kept when the
    /// policy learns (their posterior is the pooled prior).
    pub contexts: Vec<ContextState>,
}

/// The `bandit-state` document.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BanditState {
    /// Version, endpoint, scenario, seed.
    #[serde(flatten)]
    pub header: Header,
    /// Slots with requests, the default stack first.
    pub slots: Vec<SlotState>,
}

/// Builds the `bandit-state` document.
#[must_use]
pub fn bandit_state(view: &RunView<'_>) -> BanditState {
    let outcome = view.outcome;
    let arms: Vec<&str> = outcome.by_arm.iter().map(|(n, _)| n.as_str()).collect();
    let slots = outcome
        .by_variant
        .iter()
        .enumerate()
        .filter(|(_, (_, tally))| tally.requests > 0)
        .map(|(slot, (key, tally))| {
            let table: Option<&BetaTable> = outcome
                .final_policies
                .get(slot)
                .and_then(|p| p.table.as_ref());
            let keys = table.map_or_else(
                || ContextKeys::new(&[ContextFeature::Daypart, ContextFeature::DayType]),
                |t| t.keys().clone(),
            );
            let n_arms = arms.len();
            // (requests, successes, per arm (selections, led)) per key.
            let mut counts = vec![(0u64, 0u64, vec![(0u64, 0u64); n_arms]); keys.len()];
            let cells = outcome.signals.by_context.iter();
            for ((_, context), cell) in cells.filter(|((s, _), _)| *s == slot) {
                let c = &mut counts[keys.index(context)];
                c.0 += cell.requests;
                c.1 += cell.successes;
                for (a, arm) in cell.arms.iter().enumerate() {
                    c.2[a].0 += arm.selections;
                    c.2[a].1 += arm.led;
                }
            }
            let per = |n: u64, d: u64| (d > 0).then(|| n as f64 / d as f64);
            let mut totals = vec![0u64; n_arms];
            for c in &counts {
                for (a, (sel, _)) in c.2.iter().enumerate() {
                    totals[a] += sel;
                }
            }
            let contexts = (0..keys.len())
                .filter(|&k| table.is_some() || counts[k].0 > 0)
                .map(|k| {
                    let (requests, successes, per_arm) = &counts[k];
                    let best = table.map(|t| t.probability_best(k, PROBABILITY_BEST_CELLS));
                    ContextState {
                        key: keys.name(k),
                        requests: *requests,
                        success_rate: per(*successes, *requests),
                        arms: arms
                            .iter()
                            .enumerate()
                            .map(|(a, name)| {
                                let posterior = table.map(|t| t.posterior(k, a));
                                ArmPosterior {
                                    arm: (*name).to_owned(),
                                    alpha: posterior.map(|p| p.0),
                                    beta: posterior.map(|p| p.1),
                                    mean: posterior.map(|(a, b)| a / (a + b)),
                                    evidence: table.map(|t| t.evidence(k, a)),
                                    probability_best: best.as_ref().map(|b| b[a]),
                                    selection_rate: per(per_arm[a].0, *requests),
                                    lead_rate: per(per_arm[a].1, *requests),
                                }
                            })
                            .collect(),
                    }
                })
                .collect();
            SlotState {
                group: group_name(key),
                policy: key.policy.clone(),
                learns: table.is_some(),
                context_features: keys.features().iter().map(|f| f.name()).collect(),
                prior: table.map(BetaTable::prior),
                discount: table.and_then(BetaTable::discount),
                pooling: table.map(BetaTable::pooling),
                requests: tally.requests,
                selection_rates: arms
                    .iter()
                    .zip(&totals)
                    .map(|(name, &n)| ArmRate {
                        arm: (*name).to_owned(),
                        selection_rate: per(n, tally.requests),
                    })
                    .collect(),
                contexts,
            }
        })
        .collect();
    BanditState {
        header: Header::new(view, "bandit-state"),
        slots,
    }
}
