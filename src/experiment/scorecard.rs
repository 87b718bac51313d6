//! The plan's success metrics, treatment against control: target, measured value,
//! interval and pass/fail for each.
//!
//! A target with a sampling interval passes when the whole interval meets it, fails
//! when the whole interval misses it, and is inconclusive otherwise: a point estimate
//! above the line with an interval across it has not shown anything. Targets measured
//! on the whole run (catalogue coverage, the variation of the true CTR) have no
//! sampling interval and pass or fail on their value.

use serde::Serialize;

use crate::scenario::Scenario;
use crate::scenario::spec::{Metric, PolicySpec};
use crate::sim::RunOutcome;

use super::analysis::{ExperimentResult, Population};
use super::compare::{Comparison, UserRow, group_value};

/// Whether a target was met.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Met: the whole interval (or the value, without one) is on the target's side.
    Pass,
    /// Missed: the whole interval (or the value) is on the wrong side.
    Fail,
    /// The interval straddles the target.
    Inconclusive,
    /// The target does not apply to this experiment.
    NotApplicable,
}

/// One success metric.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ScorecardRow {
    /// The plan's goal.
    pub goal: &'static str,
    /// The target as people read it, e.g. "≥ +40% vs control".
    pub target: String,
    /// The target as a number, on the scale of `measured`.
    pub target_value: f64,
    /// What was measured.
    pub measured: Option<f64>,
    /// Its interval at 1 − alpha, if it is a sample estimate.
    pub interval: Option<[f64; 2]>,
    /// Met or not.
    pub status: Status,
    /// How it was measured.
    pub note: String,
}

/// The scorecard of one experiment.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Scorecard {
    /// The variant scored.
    pub treatment: String,
    /// The control.
    pub control: String,
    /// One row per success metric, in the plan's order.
    pub rows: Vec<ScorecardRow>,
}

fn at_least(target: f64, measured: Option<f64>, interval: Option<[f64; 2]>) -> Status {
    match (measured, interval) {
        (None, _) => Status::Inconclusive,
        (Some(_), Some([lo, _])) if lo >= target => Status::Pass,
        (Some(_), Some([_, hi])) if hi < target => Status::Fail,
        (Some(_), Some(_)) => Status::Inconclusive,
        (Some(v), None) if v >= target => Status::Pass,
        (Some(_), None) => Status::Fail,
    }
}

fn pct(x: f64) -> String {
    format!("{:+.0}%", 100.0 * x)
}

fn find<'a>(
    result: &'a ExperimentResult,
    metric: Metric,
    treatment: &str,
) -> Option<&'a Comparison> {
    result
        .metrics
        .iter()
        .find(|c| c.metric == metric && c.treatment == treatment)
}

fn lift_row(
    goal: &'static str,
    target: f64,
    comparison: Option<&Comparison>,
    note: &str,
) -> ScorecardRow {
    let e = comparison.map(Comparison::chosen);
    let measured = e.and_then(|e| e.relative_lift);
    let interval = e.and_then(|e| e.relative_interval);
    ScorecardRow {
        goal,
        target: format!("≥ {} vs control", pct(target)),
        target_value: target,
        measured,
        interval,
        status: at_least(target, measured, interval),
        note: note.to_owned(),
    }
}

fn is_context_aware(policy: &PolicySpec) -> bool {
    match policy {
        PolicySpec::Thompson { context, .. }
        | PolicySpec::EpsilonGreedy { context, .. }
        | PolicySpec::Ucb1 { context, .. } => !context.is_empty(),
        _ => false,
    }
}

/// The scorecard of an A/B experiment's treatment (`scorecard.treatment`, default
/// the last variant) against its control; `None` when the treatment has no users.
pub(crate) fn scorecard(
    scenario: &Scenario,
    outcome: &RunOutcome,
    pop: &Population<'_>,
    rows: &[Vec<UserRow>],
    result: &ExperimentResult,
) -> Option<Scorecard> {
    let exp = pop.spec;
    let targets = &exp.scorecard;
    let t = exp.scorecard_treatment();
    let name = exp.variants[t].name.as_str();
    if rows[t].is_empty() {
        return None;
    }
    let level = 1.0 - exp.alpha;
    let slot = pop.first_slot + t;
    let stack_policy = &scenario.spec().stack.policy;
    let policy_of = |v: usize| exp.variants[v].policy.as_ref().unwrap_or(stack_policy);
    let mut out = Vec::new();

    out.push(lift_row(
        "Diversity: long-tail recommendation rate (vote_count < threshold)",
        targets.long_tail_lift,
        find(result, Metric::LongTailShare, name),
        "relative lift of Σ long-tail impressions / Σ impressions, per user (delta method)",
    ));

    let niche = find(result, Metric::NicheClicksPerRequest, name).map(Comparison::chosen);
    let measured = niche.and_then(|e| e.relative_lift).map(|l| 1.0 + l);
    let interval = niche
        .and_then(|e| e.relative_interval)
        .map(|[lo, hi]| [1.0 + lo, 1.0 + hi]);
    out.push(ScorecardRow {
        goal: "Discovery: anime/niche genre clicks",
        target: format!("≥ ×{} control", targets.niche_click_ratio),
        target_value: targets.niche_click_ratio,
        measured,
        interval,
        status: at_least(targets.niche_click_ratio, measured, interval),
        note: "ratio of niche clicks per request, treatment / control".into(),
    });

    let rating = group_value(Metric::MeanRating, &rows[t], level);
    out.push(ScorecardRow {
        goal: "Quality: mean rating of clicked recommendations",
        target: format!("≥ {}", targets.min_mean_rating),
        target_value: targets.min_mean_rating,
        measured: rating.map(|r| r.0),
        interval: rating.map(|r| r.1),
        status: at_least(
            targets.min_mean_rating,
            rating.map(|r| r.0),
            rating.map(|r| r.1),
        ),
        note: "treatment's Σ stars / Σ ratings (delta method)".into(),
    });

    out.push(lift_row(
        "Engagement: CTR",
        targets.ctr_lift,
        find(result, Metric::Ctr, name),
        "relative lift of Σ clicks / Σ requests, per user (delta method)",
    ));

    let counts = &outcome.variant_exposure[slot];
    let coverage = counts.iter().filter(|&&c| c > 0).count() as f64 / counts.len().max(1) as f64;
    out.push(ScorecardRow {
        goal: "Coverage: share of the catalogue recommended over time",
        target: format!("≥ {:.0}%", 100.0 * targets.min_coverage),
        target_value: targets.min_coverage,
        measured: Some(coverage),
        interval: None,
        status: at_least(targets.min_coverage, Some(coverage), None),
        note: "movies shown at least once to the treatment's users over the run (a census, no sampling interval)".into(),
    });

    let dissimilar = group_value(Metric::DissimilarClickShare, &rows[t], level);
    out.push(ScorecardRow {
        goal: "Serendipity: clicks on movies dissimilar to the user's history",
        target: format!("≥ {:.0}%", 100.0 * targets.min_dissimilar_click_share),
        target_value: targets.min_dissimilar_click_share,
        measured: dissimilar.map(|r| r.0),
        interval: dissimilar.map(|r| r.1),
        status: at_least(
            targets.min_dissimilar_click_share,
            dissimilar.map(|r| r.0),
            dissimilar.map(|r| r.1),
        ),
        note: format!(
            "mean cosine distance of the clicked movie's content to the user's history ≥ the catalogue's mean pairwise distance ({:.3})",
            pop.log.dissimilarity_threshold
        ),
    });

    let applies =
        is_context_aware(policy_of(t)) && matches!(policy_of(0), PolicySpec::StaticWeights { .. });
    let mut context = lift_row(
        "Context awareness: bandit vs static weighting",
        targets.context_lift,
        find(result, Metric::Ctr, name),
        "relative CTR lift of the context-aware treatment over the static-weights control",
    );
    if !applies {
        context.measured = None;
        context.interval = None;
        context.status = Status::NotApplicable;
        context.note = format!(
            "applies when the treatment's policy is context-aware and the control's is static weights (here {} vs {})",
            policy_of(t).name(),
            policy_of(0).name()
        );
    }
    out.push(context);

    let daily: Vec<f64> = pop.log.daily[slot]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, e)| e / *n as f64)
        .collect();
    let cv = (daily.len() > 1).then(|| {
        let n = daily.len() as f64;
        let mean = daily.iter().sum::<f64>() / n;
        let sd = (daily.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        sd / mean
    });
    let every = scenario.spec().pipeline.retrain_every_hours;
    out.push(ScorecardRow {
        goal: "Model freshness: variation of performance across retraining",
        target: format!("< {:.0}%", 100.0 * targets.max_retrain_variation),
        target_value: targets.max_retrain_variation,
        measured: cv,
        interval: None,
        status: match cv {
            None => Status::Inconclusive,
            Some(v) if v < targets.max_retrain_variation => Status::Pass,
            Some(_) => Status::Fail,
        },
        note: format!(
            "coefficient of variation of the treatment's true CTR (expected clicks per request) across simulated days, each spanning {} retraining window(s) of {every} h; days rather than windows so the daypart cycle is not counted as variation",
            if every > 0.0 { (24.0 / every).round().to_string() } else { "no".into() }
        ),
    });

    Some(Scorecard {
        treatment: name.to_owned(),
        control: exp.variants[0].name.clone(),
        rows: out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_passes_only_when_the_whole_interval_meets_it() {
        assert_eq!(at_least(0.2, Some(0.3), Some([0.21, 0.39])), Status::Pass);
        assert_eq!(
            at_least(0.2, Some(0.25), Some([0.15, 0.35])),
            Status::Inconclusive
        );
        assert_eq!(at_least(0.2, Some(0.1), Some([0.05, 0.19])), Status::Fail);
        assert_eq!(at_least(0.8, Some(0.85), None), Status::Pass);
        assert_eq!(at_least(0.8, Some(0.5), None), Status::Fail);
        assert_eq!(at_least(0.8, None, None), Status::Inconclusive);
    }
}
