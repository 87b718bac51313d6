//! Guardrails: non-inferiority tests of the metrics a treatment must not degrade.

use serde::Serialize;

use crate::scenario::spec::{ExperimentSpec, Metric};
use crate::stats::{LogProb, holm, ln_normal_sf};

use super::compare::{Comparer, Comparison, UserRow};

/// A non-inferiority guardrail on one treatment.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Guardrail {
    /// The metric.
    pub metric: Metric,
    /// The treatment.
    pub treatment: String,
    /// Largest acceptable relative loss.
    pub margin: f64,
    /// Relative lift and its (1 − alpha) interval; `None` when undefined.
    pub relative_lift: Option<f64>,
    /// The interval.
    pub relative_interval: Option<[f64; 2]>,
    /// Holds when the interval's lower end is above −margin (one-sided test at
    /// alpha/2), Holm-adjusted over the guardrails.
    pub passed: bool,
    /// One-sided p-value of "worse by at least the margin", Holm-adjusted.
    pub p_holm: Option<LogProb>,
}

/// Tests every guardrail on every treatment, Holm-adjusted over all of them.
///
/// H0: the relative lift is at most −margin. With the relative lift's delta-method
/// standard error `se`, the one-sided p-value is `P(Z > (lift + margin) / se)`; the
/// guardrail holds when the Holm-adjusted value is below alpha/2 — without the
/// adjustment, exactly when the lower end of the 1 − alpha interval lies above
/// −margin.
pub(crate) fn guardrails(
    exp: &ExperimentSpec,
    rows: &[Vec<UserRow>],
    treatments: &[usize],
    compare: &Comparer<'_>,
) -> Vec<Guardrail> {
    let mut guardrails = Vec::new();
    let mut guard_p = Vec::new();
    for g in &exp.guardrails {
        for &t in treatments {
            let c = compare(g.metric, t, &rows[0], &rows[t], exp.cuped);
            let chosen = c.as_ref().map(Comparison::chosen);
            let rel = chosen.and_then(|e| e.relative_lift.zip(e.relative_interval));
            let p = chosen
                .and_then(|e| e.relative_lift.zip(e.relative_standard_error))
                .map(|(lift, se)| {
                    LogProb::from_ln(ln_normal_sf((lift + g.margin) / se.max(f64::MIN_POSITIVE)))
                });
            guard_p.push(p);
            guardrails.push(Guardrail {
                metric: g.metric,
                treatment: exp.variants[t].name.clone(),
                margin: g.margin,
                relative_lift: rel.map(|r| r.0),
                relative_interval: rel.map(|r| r.1),
                passed: false,
                p_holm: None,
            });
        }
    }
    let defined: Vec<LogProb> = guard_p.iter().flatten().copied().collect();
    let mut adjusted = holm(&defined).into_iter();
    for (g, p) in guardrails.iter_mut().zip(&guard_p) {
        if p.is_some() {
            let a = adjusted.next().expect("one adjusted value per defined p");
            g.p_holm = Some(a);
            g.passed = a.is_below(exp.alpha / 2.0);
        }
    }
    guardrails
}
