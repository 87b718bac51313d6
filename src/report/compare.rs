//! Files of `recolab compare`: `compare.json`, `compare.md`, `regret.svg`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::error::Result;
use crate::sweep::{CompareReport, Interval};

use super::ReportDir;
use super::plot::{Series, line_chart_svg};

/// Writes the comparison into `out_dir` atomically and returns the folder.
///
/// # Errors
///
/// [`crate::Error::Io`] naming the file that failed.
pub fn write_compare(report: &CompareReport, out_dir: &Path) -> Result<PathBuf> {
    let dir = ReportDir::create(out_dir)?;
    let mut json = serde_json::to_vec_pretty(report).expect("a comparison always serialises");
    json.push(b'\n');
    dir.write("compare.json", &json)?;
    dir.write("compare.md", compare_markdown(report).as_bytes())?;
    dir.write("regret.svg", regret_svg(report).as_bytes())?;
    dir.commit()
}

fn interval(i: &Interval, digits: usize) -> String {
    format!(
        "{:.digits$} [{:.digits$}, {:.digits$}]",
        i.mean, i.lower, i.upper
    )
}

/// The comparison table (also what the CLI prints).
#[must_use]
pub fn compare_markdown(r: &CompareReport) -> String {
    let line = "writing to a String cannot fail";
    let mut w = String::new();
    writeln!(
        w,
        "# {}: {} policies × {} seeds\n\nMeans with 95% t-intervals over seeds (replicates 0..{} of seed {}); \
         Δ = paired difference to the first policy on the same worlds and users. \
         Regret is in expected successes (see docs/BANDIT_SELECTOR.md).\n",
        r.scenario,
        r.policies.len(),
        r.n_seeds,
        r.n_seeds,
        r.seed
    )
    .expect(line);
    writeln!(
        w,
        "| policy | oracle regret | Δ oracle regret | hindsight regret | reward / request | Δ reward / request | CTR | Δ CTR | Gini | coverage | exploration |\n| --- |{}",
        " ---: |".repeat(10)
    )
    .expect(line);
    for p in &r.policies {
        writeln!(
            w,
            "| `{}` | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            p.label,
            interval(&p.oracle_regret, 1),
            interval(&p.oracle_regret_vs_first, 1),
            interval(&p.hindsight_regret, 1),
            interval(&p.expected_reward_rate, 4),
            interval(&p.expected_reward_rate_vs_first, 4),
            interval(&p.ctr, 4),
            interval(&p.ctr_vs_first, 4),
            interval(&p.gini, 4),
            interval(&p.coverage, 4),
            interval(&p.exploration_share, 3),
        )
        .expect(line);
    }
    writeln!(w, "\nResolved policies:\n").expect(line);
    for p in &r.policies {
        writeln!(w, "- `{}` = `{}`", p.label, p.resolved).expect(line);
    }
    w
}

fn regret_svg(r: &CompareReport) -> String {
    let days = |b: usize| (b + 1) as f64 * f64::from(r.bucket_hours) / 24.0;
    let series: Vec<Series> = r
        .policies
        .iter()
        .map(|p| Series {
            name: p.label.clone(),
            points: std::iter::once((0.0, 0.0))
                .chain(
                    p.regret_curve
                        .iter()
                        .enumerate()
                        .map(|(b, i)| (days(b), i.mean)),
                )
                .collect(),
            band: std::iter::once((0.0, 0.0, 0.0))
                .chain(
                    p.regret_curve
                        .iter()
                        .enumerate()
                        .map(|(b, i)| (days(b), i.lower, i.upper)),
                )
                .collect(),
        })
        .collect();
    line_chart_svg(
        &format!(
            "{}: cumulative regret, mean and 95% band over {} seeds",
            r.scenario, r.n_seeds
        ),
        "simulated days",
        "cumulative regret against the oracle (expected successes)",
        &series,
    )
}
