//! `experiments`: every A/B experiment of the scenario, its variants' metrics and the
//! lift of each variant over the control.
//!
//! This document is built in one place, [`experiments`], from what the replay
//! measured per variant. Lifts here are ratios of point estimates over all slates,
//! including exposure metrics (Gini, coverage) that have no per-user test; the
//! user-level statistics (intervals, p-values, sample-ratio mismatch, stopping rules,
//! guardrails; `src/experiment/`, `src/stats/`) are in the report's `experiments.json`,
//! and each treatment's verdict from them is repeated here ([`VerdictRow`]).

use serde::Serialize;

use super::{Header, RunView};

/// One variant's results.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VariantResult {
    /// Variant name; the first variant is the control.
    pub name: String,
    /// Policy serving it.
    pub policy: String,
    /// Configured share of all users: experiment traffic × weight / Σ weights.
    pub configured_share: f64,
    /// Users assigned to it who made at least one request.
    pub active_users: u64,
    /// Slates shown.
    pub requests: u64,
    /// Slates clicked.
    pub clicks: u64,
    /// Clicks / requests.
    pub ctr: Option<f64>,
    /// Mean true click probability of the shown slates.
    pub expected_ctr: Option<f64>,
    /// Mean stars of rated clicks.
    pub mean_rating: Option<f64>,
    /// Clicks rated ≥ 4 / clicks.
    pub conversion_rate: Option<f64>,
    /// Share of impressions of long-tail movies.
    pub long_tail_share: Option<f64>,
    /// Share of clicks on niche movies.
    pub niche_click_share: Option<f64>,
    /// Gini of the variant's recommendation counts.
    pub gini: f64,
    /// Catalogue coverage of the variant's recommendations.
    pub coverage: f64,
    /// Mean self-information (bits).
    pub novelty: Option<f64>,
    /// Mean unexpectedness to the user's history.
    pub serendipity: Option<f64>,
}

/// One metric of one variant against the control.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Lift {
    /// The treatment variant.
    pub variant: String,
    /// Metric name (a field of [`VariantResult`]).
    pub metric: String,
    /// The control's value.
    pub control: f64,
    /// The variant's value.
    pub treatment: f64,
    /// treatment − control.
    pub absolute: f64,
    /// (treatment − control) / control; `None` when the control is 0.
    pub relative: Option<f64>,
}

/// The verdict of the experiment statistics on one treatment.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VerdictRow {
    /// The treatment variant.
    pub treatment: String,
    /// `ship`, `treatment_worse`, `no_significant_difference`, `guardrail_failed`,
    /// `too_few_users` or `sample_ratio_mismatch`.
    pub verdict: String,
    /// One sentence for people.
    pub summary: String,
}

/// One experiment.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExperimentResult {
    /// Experiment id.
    pub id: String,
    /// Share of all users enrolled.
    pub traffic: f64,
    /// The control variant's name.
    pub control: String,
    /// Variants in scenario order, the control first.
    pub variants: Vec<VariantResult>,
    /// Every non-control variant against the control, metric by metric.
    pub lifts: Vec<Lift>,
    /// The statistics' verdict on each treatment (`experiments.json` has the details).
    pub verdicts: Vec<VerdictRow>,
}

/// Users outside every experiment.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Outside {
    /// Active users.
    pub active_users: u64,
    /// Requests.
    pub requests: u64,
}

/// The `experiments` document.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Experiments {
    /// Version, endpoint, scenario, seed.
    #[serde(flatten)]
    pub header: Header,
    /// The experiments, in scenario order.
    pub experiments: Vec<ExperimentResult>,
    /// Users served by the default stack.
    pub outside_experiments: Outside,
}

/// Metrics compared between variants: (name, value).
type MetricOf = (&'static str, fn(&VariantResult) -> Option<f64>);

const LIFT_METRICS: [MetricOf; 9] = [
    ("ctr", |v| v.ctr),
    ("expected_ctr", |v| v.expected_ctr),
    ("mean_rating", |v| v.mean_rating),
    ("long_tail_share", |v| v.long_tail_share),
    ("niche_click_share", |v| v.niche_click_share),
    ("gini", |v| Some(v.gini)),
    ("coverage", |v| Some(v.coverage)),
    ("novelty", |v| v.novelty),
    ("serendipity", |v| v.serendipity),
];

/// Builds the `experiments` document: per variant metrics and point lifts.
#[must_use]
pub fn experiments(view: &RunView<'_>) -> Experiments {
    let summary = view.summary;
    let signals = &view.outcome.signals;
    let spec = view.scenario.spec();
    let mut slot = 1; // slot 0 is the default stack
    let experiments = spec
        .experiments
        .iter()
        .map(|e| {
            let total_weight: f64 = e.variants.iter().map(|v| v.weight).sum();
            let variants: Vec<VariantResult> = e
                .variants
                .iter()
                .map(|v| {
                    let row = &summary.by_variant[slot - 1];
                    let result = VariantResult {
                        name: v.name.clone(),
                        policy: row.policy.clone(),
                        configured_share: e.traffic * v.weight / total_weight,
                        active_users: signals.active_users[slot],
                        requests: row.engagement.requests,
                        clicks: row.engagement.clicks,
                        ctr: row.engagement.ctr,
                        expected_ctr: row.engagement.expected_ctr,
                        mean_rating: row.engagement.mean_rating,
                        conversion_rate: row.engagement.conversion_rate,
                        long_tail_share: row.exposure.long_tail_share,
                        niche_click_share: row.engagement.niche_click_share,
                        gini: row.exposure.gini,
                        coverage: row.exposure.coverage,
                        novelty: row.exposure.mean_self_information,
                        serendipity: signals.unexpectedness[slot].mean(),
                    };
                    slot += 1;
                    result
                })
                .collect();
            let control = &variants[0];
            let lifts = variants[1..]
                .iter()
                .flat_map(|v| {
                    LIFT_METRICS.iter().filter_map(move |(metric, of)| {
                        let (c, t) = (of(control)?, of(v)?);
                        Some(Lift {
                            variant: v.name.clone(),
                            metric: (*metric).to_owned(),
                            control: c,
                            treatment: t,
                            absolute: t - c,
                            relative: (c != 0.0).then(|| (t - c) / c),
                        })
                    })
                })
                .collect();
            ExperimentResult {
                id: e.id.clone(),
                traffic: e.traffic,
                control: control.name.clone(),
                variants,
                lifts,
                verdicts: verdicts(view, &e.id),
            }
        })
        .collect();
    Experiments {
        header: Header::new(view, "experiments"),
        experiments,
        outside_experiments: Outside {
            active_users: signals.active_users[0],
            requests: summary
                .outside_experiments
                .as_ref()
                .map_or(0, |row| row.engagement.requests),
        },
    }
}

/// The verdicts of experiment `id` from the run's experiment analysis.
fn verdicts(view: &RunView<'_>, id: &str) -> Vec<VerdictRow> {
    view.experiments
        .iter()
        .flat_map(|r| &r.experiments)
        .filter(|e| e.id == id)
        .flat_map(|e| &e.verdicts)
        .map(|v| VerdictRow {
            treatment: v.treatment.clone(),
            verdict: serde_json::to_value(&v.verdict)
                .ok()
                .and_then(|j| j.get("verdict").and_then(|t| t.as_str().map(str::to_owned)))
                .unwrap_or_default(),
            summary: v.summary.clone(),
        })
        .collect()
}
