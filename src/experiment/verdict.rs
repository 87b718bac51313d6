//! The verdict on each treatment, and the sentence people read.

use serde::Serialize;

use crate::scenario::spec::{ExperimentSpec, Metric};

use super::compare::Comparison;
use super::guardrail::Guardrail;
use super::looks::{Decision, Sequential};

/// What a team should do about one treatment.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// The split does not match the configuration: nothing else can be trusted.
    SampleRatioMismatch,
    /// Fewer users than the minimum sample in a variant.
    TooFewUsers {
        /// The smaller variant's users.
        users: usize,
        /// The minimum.
        minimum: usize,
    },
    /// The primary metric is significantly better and every guardrail holds.
    Ship,
    /// The primary metric is better but a guardrail failed.
    GuardrailFailed {
        /// The failed guardrails.
        metrics: Vec<Metric>,
    },
    /// The primary metric is significantly worse.
    TreatmentWorse,
    /// No significant difference; effects below the MDE may exist.
    NoSignificantDifference,
}

/// The verdict on one treatment.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TreatmentVerdict {
    /// The treatment.
    pub treatment: String,
    /// The verdict.
    #[serde(flatten)]
    pub verdict: Verdict,
    /// One sentence for people.
    pub summary: String,
}

/// The verdict on treatment `t`: sample ratio mismatch first, then the minimum
/// sample, then the stopping rule's decision and the guardrails.
pub(crate) fn verdict(
    exp: &ExperimentSpec,
    t: usize,
    users: [usize; 2],
    srm_passed: bool,
    guardrails: &[Guardrail],
    primary: Option<&Comparison>,
    sequential: &Sequential,
) -> TreatmentVerdict {
    let name = exp.variants[t].name.clone();
    let min_users = users[0].min(users[1]);
    let failed: Vec<Metric> = guardrails
        .iter()
        .filter(|g| g.treatment == name && !g.passed)
        .map(|g| g.metric)
        .collect();
    let verdict = if !srm_passed {
        Verdict::SampleRatioMismatch
    } else if min_users < exp.min_users_per_variant {
        Verdict::TooFewUsers {
            users: min_users,
            minimum: exp.min_users_per_variant,
        }
    } else {
        match sequential.decision {
            Decision::Better if failed.is_empty() => Verdict::Ship,
            Decision::Better => Verdict::GuardrailFailed { metrics: failed },
            Decision::Worse => Verdict::TreatmentWorse,
            Decision::NoDifference => Verdict::NoSignificantDifference,
        }
    };
    let summary = verdict_summary(&verdict, &name, exp, primary, sequential);
    TreatmentVerdict {
        treatment: name,
        verdict,
        summary,
    }
}

fn verdict_summary(
    verdict: &Verdict,
    treatment: &str,
    exp: &ExperimentSpec,
    primary: Option<&Comparison>,
    sequential: &Sequential,
) -> String {
    let metric = exp.primary_metric.name();
    let lift = primary
        .and_then(|c| c.chosen().relative_lift.zip(c.chosen().relative_interval))
        .map(|(l, [lo, hi])| {
            format!(
                "{metric} {:+.2}% [{:+.2}%, {:+.2}%]",
                100.0 * l,
                100.0 * lo,
                100.0 * hi
            )
        })
        .unwrap_or_else(|| format!("{metric} undefined"));
    // An early stop decides on the look's data: say so, with its z, beside the
    // full-horizon estimate the replay went on to collect.
    let when = match sequential.stopped_at {
        Some(k) if k < sequential.looks.len() => {
            let look = &sequential.looks[k - 1];
            format!(
                " at the horizon; the rule stopped early at look {k} (day {:.1}, z = {:.2})",
                look.day,
                look.estimate.map_or(0.0, |e| e.z)
            )
        }
        _ => String::new(),
    };
    match verdict {
        Verdict::SampleRatioMismatch => format!(
            "{treatment}: do not trust — the users are not split as configured (sample ratio mismatch)"
        ),
        Verdict::TooFewUsers { users, minimum } => format!(
            "{treatment}: no verdict — {users} users in the smaller variant, fewer than the minimum of {minimum}"
        ),
        Verdict::Ship => format!("{treatment}: ship — {lift}{when}; every guardrail holds"),
        Verdict::GuardrailFailed { metrics } => format!(
            "{treatment}: do not ship — {lift}{when}, but guardrail(s) {} failed",
            metrics
                .iter()
                .map(|m| m.name())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Verdict::TreatmentWorse => format!("{treatment}: worse — {lift}{when}"),
        Verdict::NoSignificantDifference => {
            format!("{treatment}: no significant difference — {lift}")
        }
    }
}
