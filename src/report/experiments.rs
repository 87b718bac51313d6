//! `experiments.json` and `experiments.md`: every experiment's analysis, and its
//! scorecard. The Markdown is also appended to `summary.md`, so a report with an
//! experiment ends with its verdict and scorecard.

use std::fmt::Write as _;

use crate::experiment::{
    Comparison, Decision, ExperimentResult, ExperimentsReport, Preference, Scorecard, Sequential,
    Status,
};
use crate::scenario::spec::Design;
use crate::stats::LogProb;

const LINE: &str = "writing to a String cannot fail";

/// A value with four significant digits (`0.1234`, `12.35`, `1234`, `1.2e-7`).
#[must_use]
pub fn sig(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let magnitude = x.abs().log10().floor() as i32;
    if !(-4..6).contains(&magnitude) {
        return format!("{x:.3e}");
    }
    let digits = (3 - magnitude).max(0) as usize;
    format!("{x:.digits$}")
}

fn signed_pct(x: f64) -> String {
    format!("{:+.2}%", 100.0 * x)
}

fn pct(x: f64) -> String {
    format!("{:.2}%", 100.0 * x)
}

fn interval(i: [f64; 2], f: fn(f64) -> String) -> String {
    format!("[{}, {}]", f(i[0]), f(i[1]))
}

fn opt<T>(v: Option<T>, f: impl Fn(T) -> String) -> String {
    v.map_or_else(|| "–".into(), f)
}

fn decision(d: Decision) -> &'static str {
    match d {
        Decision::Better => "treatment better",
        Decision::Worse => "treatment worse",
        Decision::NoDifference => "no significant difference",
    }
}

fn status(s: Status) -> &'static str {
    match s {
        Status::Pass => "✅ pass",
        Status::Fail => "❌ fail",
        Status::Inconclusive => "❔ inconclusive",
        Status::NotApplicable => "n/a",
    }
}

/// The experiments section for people.
#[must_use]
pub fn experiments_markdown(report: &ExperimentsReport) -> String {
    let mut out = String::new();
    let w = &mut out;
    writeln!(w, "\n# Experiments\n").expect(LINE);
    let o = &report.outside_experiments;
    writeln!(
        w,
        "Outside every experiment: {} users ({} active, {} requests), served by the stack — \
         not a variant, and not part of any comparison.",
        o.users, o.active_users, o.requests
    )
    .expect(LINE);
    for e in &report.experiments {
        experiment_markdown(w, e);
    }
    out
}

fn experiment_markdown(w: &mut String, e: &ExperimentResult) {
    let design = match e.design {
        Design::AbTest => "A/B test",
        Design::Interleaving => "team-draft interleaving",
    };
    writeln!(
        w,
        "\n## Experiment `{}` ({design}, {} of users)\n",
        e.id,
        pct(e.traffic)
    )
    .expect(LINE);
    if e.design == Design::Interleaving {
        writeln!(
            w,
            "Every enrolled user sees both variants in each slate, so each row counts all of them.\n"
        )
        .expect(LINE);
    }
    writeln!(
        w,
        "| variant | policy | configured share | assigned users | active users | requests |"
    )
    .expect(LINE);
    writeln!(w, "| --- | --- | ---: | ---: | ---: | ---: |").expect(LINE);
    for v in &e.variants {
        writeln!(
            w,
            "| {} | {} | {} | {} | {} | {} |",
            v.name,
            v.policy,
            pct(v.share),
            v.assigned_users,
            v.active_users,
            v.requests
        )
        .expect(LINE);
    }
    if let Some(p) = &e.interleaving {
        interleaving_markdown(w, p, e.alpha);
        return;
    }
    if let Some(s) = &e.sample_ratio {
        writeln!(
            w,
            "\n**Sample ratio:** χ² = {} on {} df, p = {} — {}\n",
            sig(s.test.statistic),
            s.test.df,
            s.test.p_value,
            if s.passed {
                format!("the active users are split as configured (p ≥ {}).", s.srm_alpha)
            } else {
                format!(
                    "**sample ratio mismatch** (p < {}): the split is broken and no result below can be trusted.",
                    s.srm_alpha
                )
            }
        )
        .expect(LINE);
    }
    writeln!(w, "### Verdict\n").expect(LINE);
    for v in &e.verdicts {
        writeln!(w, "- {}", v.summary).expect(LINE);
    }
    writeln!(
        w,
        "\nPrimary metric `{}`: {}. Alpha {}; stopping rule: {}.\n",
        e.primary_metric.name(),
        e.primary.first().map_or("–", |c| c.estimand),
        e.alpha,
        e.stopping
    )
    .expect(LINE);
    writeln!(w, "### Primary metric\n").expect(LINE);
    comparison_table(w, &e.primary);
    for c in &e.primary {
        if let Some(cu) = &c.cuped {
            writeln!(
                w,
                "\nCUPED ({}): variance of the difference reduced by {} (covariates: {}); unadjusted difference {} {}, p = {}.",
                c.treatment,
                pct(cu.variance_reduction),
                cu.covariates.join(", "),
                sig(c.unadjusted.difference),
                interval(c.unadjusted.interval, sig),
                c.unadjusted.p_value
            )
            .expect(LINE);
        }
        if let Some(t) = &c.truth {
            writeln!(
                w,
                "\nTrue effect ({}): control {}, treatment {}, difference {} ({}), aggregated as the estimate; the interval {} it.",
                c.treatment,
                sig(t.control),
                sig(t.treatment),
                sig(t.difference),
                opt(t.relative_lift, signed_pct),
                if t.covered { "covers" } else { "**misses**" }
            )
            .expect(LINE);
        }
    }
    for s in &e.sequential {
        sequential_markdown(w, s);
    }
    if !e.guardrails.is_empty() {
        writeln!(w, "\n### Guardrails (non-inferiority, Holm-adjusted)\n").expect(LINE);
        writeln!(
            w,
            "| metric | treatment | margin | relative lift | interval | p (Holm) | holds |"
        )
        .expect(LINE);
        writeln!(w, "| --- | --- | ---: | ---: | --- | ---: | --- |").expect(LINE);
        for g in &e.guardrails {
            writeln!(
                w,
                "| {} | {} | −{} | {} | {} | {} | {} |",
                g.metric.name(),
                g.treatment,
                pct(g.margin),
                opt(g.relative_lift, signed_pct),
                opt(g.relative_interval, |i| interval(i, signed_pct)),
                opt(g.p_holm, |p| p.to_string()),
                if g.passed { "yes" } else { "**no**" }
            )
            .expect(LINE);
        }
    }
    writeln!(w, "\n### Power\n").expect(LINE);
    writeln!(w, "| treatment | users | requests | MDE (absolute) | MDE (relative) | planned lift | power at planned lift | users needed for it | requests needed for the measured difference |").expect(LINE);
    writeln!(
        w,
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    )
    .expect(LINE);
    for p in &e.power {
        writeln!(
            w,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            p.treatment,
            p.users,
            p.requests,
            sig(p.minimum_detectable_effect),
            opt(p.minimum_detectable_lift, pct),
            signed_pct(p.planned_lift),
            opt(p.power_at_planned_lift, pct),
            opt(p.required_users, |n| format!("{:.0}", n.ceil())),
            opt(p.requests_for_observed_effect, |n| format!(
                "{:.0}",
                n.ceil()
            ))
        )
        .expect(LINE);
    }
    writeln!(
        w,
        "\nMDE at power {} and the comparison's alpha, with the sample at hand.",
        e.power.first().map_or(0.0, |p| p.power)
    )
    .expect(LINE);
    writeln!(
        w,
        "\n### Every metric ({} comparisons, Holm-adjusted together)\n",
        e.metrics.len()
    )
    .expect(LINE);
    comparison_table(w, &e.metrics);
    if let Some(c) = &e.clicked_users {
        writeln!(
            w,
            "\nUsers with at least one click, χ² test of the {}-variant table: χ² = {} on {} df, p = {}.",
            e.variants.len(),
            sig(c.statistic),
            c.df,
            c.p_value
        )
        .expect(LINE);
    }
    if let Some(b) = &e.breakdown {
        writeln!(w, "\n### By segment and daypart\n").expect(LINE);
        writeln!(w, "{}\n", b.caveat).expect(LINE);
        writeln!(w, "| by | group | treatment | users C / T | relative lift | interval | p | p (Holm) | true lift |").expect(LINE);
        writeln!(
            w,
            "| --- | --- | --- | ---: | ---: | --- | ---: | ---: | ---: |"
        )
        .expect(LINE);
        for s in &b.subgroups {
            let c = &s.comparison;
            let x = c.chosen();
            writeln!(
                w,
                "| {} | {} | {} | {} / {} | {} | {} | {} | {} | {} |",
                s.by,
                s.group,
                c.treatment,
                c.users[0],
                c.users[1],
                opt(x.relative_lift, signed_pct),
                opt(x.relative_interval, |i| interval(i, signed_pct)),
                x.p_value,
                c.p_holm,
                opt(c.truth.as_ref().and_then(|t| t.relative_lift), signed_pct)
            )
            .expect(LINE);
        }
    }
    if let Some(s) = &e.scorecard {
        scorecard_markdown(w, s);
    }
}

fn comparison_table(w: &mut String, rows: &[Comparison]) {
    writeln!(w, "| metric | treatment | control | treatment value | difference | interval | relative lift | interval | p | p (Holm) | chance to beat | analysis | true difference | covered |").expect(LINE);
    writeln!(w, "| --- | --- | ---: | ---: | ---: | --- | ---: | --- | ---: | ---: | ---: | --- | ---: | --- |").expect(LINE);
    for c in rows {
        let e = c.chosen();
        writeln!(
            w,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            c.metric.name(),
            c.treatment,
            sig(e.control),
            sig(e.treatment),
            sig(e.difference),
            interval(e.interval, sig),
            opt(e.relative_lift, signed_pct),
            opt(e.relative_interval, |i| interval(i, signed_pct)),
            e.p_value,
            c.p_holm,
            c.chance_to_beat,
            c.analysis,
            opt(c.truth.as_ref(), |t| sig(t.difference)),
            opt(c.truth.as_ref(), |t| if t.covered {
                "yes".into()
            } else {
                "**no**".into()
            })
        )
        .expect(LINE);
    }
}

fn sequential_markdown(w: &mut String, s: &Sequential) {
    writeln!(
        w,
        "\n### Stopping rule ({}): {}, at alpha {}\n",
        s.treatment, s.rule, s.alpha
    )
    .expect(LINE);
    writeln!(w, "| look | day | users C / T | difference | z | boundary |z| | always-valid p | p if this were the only look | analysed |").expect(LINE);
    writeln!(
        w,
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
    )
    .expect(LINE);
    for l in &s.looks {
        writeln!(
            w,
            "| {} | {:.1} | {} / {} | {} | {} | {} | {} | {} | {} |",
            l.look,
            l.day,
            l.users[0],
            l.users[1],
            opt(l.estimate, |e| sig(e.difference)),
            opt(l.estimate, |e| format!("{:.2}", e.z)),
            opt(l.boundary, |b| if b.is_finite() {
                format!("{b:.3}")
            } else {
                "∞".into()
            }),
            opt(l.always_valid_p, |p: LogProb| p.to_string()),
            opt(l.estimate, |e| e.p_value.to_string()),
            if l.taken { "yes" } else { "no" }
        )
        .expect(LINE);
    }
    writeln!(
        w,
        "\nDecision: {}{}. Naive peeking (stop at the first look with p < alpha, as if each were the only one) {} — shown only to show how peeking inflates false positives.",
        decision(s.decision),
        s.stopped_at.map_or_else(String::new, |k| format!(", at look {k}")),
        match s.naive_peeking_stop {
            Some(k) => format!("would have stopped at look {k}"),
            None => "would never have stopped".into(),
        }
    )
    .expect(LINE);
}

fn interleaving_markdown(w: &mut String, p: &Preference, alpha: f64) {
    writeln!(w, "\n### Interleaving verdict\n").expect(LINE);
    writeln!(
        w,
        "Every enrolled user saw one slate merging both variants' lists by team draft; a click credits the team that placed the movie.\n"
    )
    .expect(LINE);
    writeln!(w, "| quantity | value |\n| --- | ---: |").expect(LINE);
    for (name, value) in [
        ("users", p.users.to_string()),
        ("requests", p.requests.to_string()),
        (
            "clicks credited to control / treatment",
            format!("{} / {}", p.credited_clicks[0], p.credited_clicks[1]),
        ),
        (
            "treatment's share of credited clicks",
            opt(p.treatment_share, pct),
        ),
        (
            "users preferring control / treatment / neither",
            format!(
                "{} / {} / {}",
                p.users_preferring[0], p.users_preferring[1], p.users_preferring[2]
            ),
        ),
        (
            "excess clicks per request (treatment − control)",
            format!(
                "{} {}",
                sig(p.excess_clicks_per_request),
                interval(p.interval, sig)
            ),
        ),
        ("p (user-level t-test)", p.p_value.to_string()),
        (
            "requests needed for this preference at the experiment's power",
            opt(p.required_requests, |n| format!("{:.0}", n.ceil())),
        ),
    ] {
        writeln!(w, "| {name} | {value} |").expect(LINE);
    }
    writeln!(w, "\nVerdict at alpha {alpha}: {}.", decision(p.decision)).expect(LINE);
}

fn scorecard_markdown(w: &mut String, s: &Scorecard) {
    writeln!(
        w,
        "\n### Scorecard: {} vs {} (the plan's success metrics)\n",
        s.treatment, s.control
    )
    .expect(LINE);
    writeln!(w, "| goal | target | measured | interval | status | how |").expect(LINE);
    writeln!(w, "| --- | --- | ---: | --- | --- | --- |").expect(LINE);
    for r in &s.rows {
        let as_pct = r.target.contains('%');
        let f: fn(f64) -> String = if as_pct {
            |x| format!("{:.2}%", 100.0 * x)
        } else {
            sig
        };
        let shown = |x: f64| {
            if r.target.contains("vs control") {
                signed_pct(x)
            } else {
                f(x)
            }
        };
        writeln!(
            w,
            "| {} | {} | {} | {} | {} | {} |",
            r.goal,
            r.target,
            opt(r.measured, shown),
            opt(r.interval, |[a, b]| format!("[{}, {}]", shown(a), shown(b))),
            status(r.status),
            r.note
        )
        .expect(LINE);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_significant_digits() {
        assert_eq!(sig(0.123_456), "0.1235");
        assert_eq!(sig(12.3456), "12.35");
        assert_eq!(sig(1_234.56), "1235");
        assert_eq!(sig(-0.001_234_5), "-0.001234");
        assert_eq!(sig(1.234e-7), "1.234e-7");
        assert_eq!(sig(0.0), "0");
    }
}
