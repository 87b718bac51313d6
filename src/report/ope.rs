//! Files of `recolab ope`: `ope.json` and `ope.md`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::error::Result;
use crate::ope::{Accuracy, OpeReport, SeedResult, TargetResult};
use crate::scenario::limits::thousands;
use crate::sweep::Interval;

use super::ReportDir;

/// Writes the evaluation into `out_dir` atomically and returns the folder.
///
/// # Errors
///
/// [`crate::Error::Io`] naming the file that failed.
pub fn write_ope(report: &OpeReport, out_dir: &Path) -> Result<PathBuf> {
    let dir = ReportDir::create(out_dir)?;
    let mut json = serde_json::to_vec_pretty(report).expect("an evaluation always serialises");
    json.push(b'\n');
    dir.write("ope.json", &json)?;
    dir.write("ope.md", ope_markdown(report).as_bytes())?;
    dir.commit()
}

const LINE: &str = "writing to a String cannot fail";

fn value(x: Option<f64>) -> String {
    x.map_or_else(|| "–".into(), |v| format!("{v:.4}"))
}

fn signed(x: f64) -> String {
    format!("{x:+.4}")
}

fn ci(i: &Interval) -> String {
    format!(
        "{} [{}, {}]",
        signed(i.mean),
        signed(i.lower),
        signed(i.upper)
    )
}

/// The evaluation as tables (also what the CLI prints).
#[must_use]
pub fn ope_markdown(r: &OpeReport) -> String {
    let mut w = String::new();
    let source = match &r.log {
        Some(path) => format!("the log `{path}`"),
        None => format!(
            "{} logs generated on replicates 0..{} of seed {}",
            r.seeds.len(),
            r.seeds.len(),
            r.seed
        ),
    };
    writeln!(
        w,
        "# {}: {} target(s) estimated from `{}` logs\n\n\
         Reward: {} per request. Source: {source}; {} arm(s) per request. Intervals: 95% \
         bootstrap over users ({} replicates); Thompson targets' probabilities from {} \
         posterior draws per request.\n\n\
         *Truth on log*: the target's exact expected reward on the logged requests, \
         learning from the log as it goes — what the estimators estimate. *Deployed*: the \
         target serving the same world and users on-policy (common random numbers). See \
         docs/OFF_POLICY_EVALUATION.md.\n",
        r.scenario,
        r.targets.len(),
        r.logging_policy,
        r.reward.name(),
        r.arms_per_request,
        thousands(r.bootstrap_replicates as u64),
        thousands(r.target_draws as u64),
    )
    .expect(LINE);
    if let Some(summary) = &r.summary {
        writeln!(
            w,
            "## Over {} seeds\n\nBias = mean of estimate − truth with its 95% t-interval over \
             seeds; coverage = share of seeds whose 95% interval holds the truth.\n",
            r.seeds.len()
        )
        .expect(LINE);
        writeln!(
            w,
            "| target | truth on log | deployed | mean ESS | largest weight | withheld seeds |\n| --- | ---: | ---: | ---: | ---: | ---: |"
        )
        .expect(LINE);
        for t in summary {
            writeln!(
                w,
                "| `{}` | {} | {:.4} | {:.0} | {:.1} | {} |",
                t.label,
                value(t.truth_on_log.map(|i| i.mean)),
                t.truth_deployed.mean,
                t.effective_sample_size.mean,
                t.max_weight,
                t.withheld_seeds
            )
            .expect(LINE);
        }
        writeln!(
            w,
            "\n| target | estimator | mean estimate | bias vs log | RMSE vs log | coverage vs log | bias vs deployed | RMSE vs deployed | coverage vs deployed |\n| --- | --- |{}",
            " ---: |".repeat(7)
        )
        .expect(LINE);
        let acc = |a: Option<&Accuracy>| {
            a.map_or_else(
                || ["–".to_owned(), "–".to_owned(), "–".to_owned()],
                |a| {
                    [
                        ci(&a.bias),
                        format!("{:.4}", a.rmse),
                        format!("{:.0}%", 100.0 * a.coverage),
                    ]
                },
            )
        };
        for t in summary {
            for e in &t.estimators {
                let [lb, lr, lc] = acc(e.vs_log.as_ref());
                let [db, dr, dc] = acc(Some(&e.vs_deployed));
                writeln!(
                    w,
                    "| `{}` | {} | {:.4} | {lb} | {lr} | {lc} | {db} | {dr} | {dc} |",
                    t.label,
                    e.estimator.label(),
                    e.estimate.mean
                )
                .expect(LINE);
            }
        }
        w.push('\n');
    }
    if let [seed] = r.seeds.as_slice() {
        seed_tables(&mut w, seed);
    }
    writeln!(w, "Targets:\n").expect(LINE);
    for t in &r.targets {
        writeln!(w, "- `{}` = `{}`", t.label, t.resolved).expect(LINE);
    }
    w
}

/// The tables of one log.
fn seed_tables(w: &mut String, s: &SeedResult) {
    writeln!(
        w,
        "## Replicate {}: {} requests\n\nLogging policy: mean realised reward {:.4}, \
         expected {}.{}\n",
        s.replicate,
        thousands(s.requests as u64),
        s.logged_reward,
        value(s.logging_value),
        s.log_truth_note
            .as_ref()
            .map_or_else(String::new, |n| format!(" No truth on the log: {n}."))
    )
    .expect(LINE);
    writeln!(
        w,
        "| target | ESS | largest weight | switch-DR τ | outside support |\n| --- | ---: | ---: | ---: | ---: |"
    )
    .expect(LINE);
    for t in &s.targets {
        writeln!(
            w,
            "| `{}` | {:.0} | {:.1} | {} | {:.3}% |",
            t.label,
            t.effective_sample_size,
            t.max_weight,
            if t.estimates.is_empty() {
                "–".to_owned()
            } else {
                t.switch_tau
                    .map_or_else(|| "∞".to_owned(), |x| format!("{x}"))
            },
            100.0 * t.unsupported_share
        )
        .expect(LINE);
    }
    writeln!(
        w,
        "\n| target | estimator | estimate [95% interval] | truth on log | error | covered | deployed | error | covered |\n| --- | --- | ---: | ---: | ---: | :---: | ---: | ---: | :---: |"
    )
    .expect(LINE);
    for t in &s.targets {
        target_rows(w, t);
    }
    w.push('\n');
}

fn target_rows(w: &mut String, t: &TargetResult) {
    if let Some(reason) = &t.withheld {
        writeln!(
            w,
            "| `{}` | withheld: {reason} | | {} | | | {:.4} | | |",
            t.label,
            value(t.truth_on_log),
            t.truth_deployed
        )
        .expect(LINE);
        return;
    }
    let covered = |interval: Option<[f64; 2]>, truth: f64| {
        interval.map_or("–", |[lo, hi]| {
            if lo <= truth && truth <= hi {
                "yes"
            } else {
                "no"
            }
        })
    };
    for e in &t.estimates {
        let estimate = match (e.value, e.interval) {
            (Some(v), Some([lo, hi])) => format!("{v:.4} [{lo:.4}, {hi:.4}]"),
            (v, _) => value(v),
        };
        let (log_error, log_covered) = match (e.value, t.truth_on_log) {
            (Some(v), Some(truth)) => (signed(v - truth), covered(e.interval, truth)),
            _ => ("–".to_owned(), "–"),
        };
        let (error, deployed_covered) = match e.value {
            Some(v) => (
                signed(v - t.truth_deployed),
                covered(e.interval, t.truth_deployed),
            ),
            None => ("–".to_owned(), "–"),
        };
        writeln!(
            w,
            "| `{}` | {} | {estimate} | {} | {log_error} | {log_covered} | {:.4} | {error} | {deployed_covered} |",
            t.label,
            e.estimator.label(),
            value(t.truth_on_log),
            t.truth_deployed
        )
        .expect(LINE);
    }
}
