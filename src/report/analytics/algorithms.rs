//! `algorithm-performance`: how often each arm served and what its requests earned,
//! with 95% intervals.

use serde::Serialize;

use super::interval::{Estimate, mean_t, wilson};
use super::{Header, RunView};

/// One arm's performance.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ArmPerformance {
    /// Arm name.
    pub arm: String,
    /// Requests in which the policy picked the arm.
    pub selections: u64,
    /// Selections / requests (sums to `arms_per_request` over arms).
    pub selection_rate: Option<f64>,
    /// Requests the arm led (the policy's first choice) / requests.
    pub lead_rate: Option<f64>,
    /// Mean confidence (blending weight) when picked.
    pub mean_confidence: Option<f64>,
    /// Clicks per request over the requests it was picked for, with a 95% Wilson
    /// interval.
    pub ctr: Option<Estimate>,
    /// Mean true click probability of those requests' slates (the oracle stamp).
    pub expected_ctr: Option<f64>,
    /// Successes under the reward rule per request picked for, with a Wilson interval.
    pub success_rate: Option<Estimate>,
    /// Mean stars of rated clicks in those requests, with a 95% t interval.
    pub mean_rating: Option<Estimate>,
    /// Slate items credited to the arm (largest blended contribution).
    pub credited_impressions: u64,
    /// Clicks on those items per credited impression, with a Wilson interval.
    pub click_rate_per_impression: Option<Estimate>,
}

/// The `algorithm-performance` document.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AlgorithmPerformance {
    /// Version, endpoint, scenario, seed.
    #[serde(flatten)]
    pub header: Header,
    /// Requests of the run.
    pub requests: u64,
    /// What the intervals assume.
    pub interval_note: String,
    /// One row per arm of the stack, in stack order.
    pub arms: Vec<ArmPerformance>,
}

/// Builds the `algorithm-performance` document.
#[must_use]
pub fn algorithm_performance(view: &RunView<'_>) -> AlgorithmPerformance {
    let outcome = view.outcome;
    let signals = &outcome.signals;
    let requests = outcome.overall.requests;
    let n_arms = outcome.by_arm.len();
    let mut led = vec![0u64; n_arms];
    let mut successes = vec![0u64; n_arms];
    for cell in signals.by_context.values() {
        for (a, arm) in cell.arms.iter().enumerate() {
            led[a] += arm.led;
            successes[a] += arm.successes;
        }
    }
    let rate = |n: u64| (requests > 0).then(|| n as f64 / requests as f64);
    AlgorithmPerformance {
        header: Header::new(view, "algorithm-performance"),
        requests,
        interval_note: "95% intervals: Wilson score for rates, Student t for the mean rating; \
                        they treat requests as independent, so they are narrower than \
                        intervals with the user as the unit"
            .into(),
        arms: outcome
            .by_arm
            .iter()
            .enumerate()
            .map(|(a, (name, t))| {
                let picked = &outcome.by_arm_engagement[a];
                ArmPerformance {
                    arm: name.clone(),
                    selections: t.selections,
                    selection_rate: rate(t.selections),
                    lead_rate: rate(led[a]),
                    mean_confidence: (t.selections > 0)
                        .then(|| t.confidence_sum / t.selections as f64),
                    ctr: wilson(picked.clicks, picked.requests),
                    expected_ctr: (picked.requests > 0)
                        .then(|| picked.expected_clicks / picked.requests as f64),
                    success_rate: wilson(successes[a], picked.requests),
                    mean_rating: mean_t(&signals.arm_ratings[a]),
                    credited_impressions: t.impressions,
                    click_rate_per_impression: wilson(t.clicks, t.impressions),
                }
            })
            .collect(),
    }
}
