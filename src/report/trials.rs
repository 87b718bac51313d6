//! Files of `recolab aa` (`aa.json`, `aa.md`) and `recolab power` (`power.json`,
//! `power.md`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::error::Result;
use crate::scenario::spec::Design;
use crate::sweep::{AA_LEVEL, AaReport, Interval, POWER_LEVEL, PowerReport, RateCheck};

use super::ReportDir;
use super::experiments::sig;

const LINE: &str = "writing to a String cannot fail";

fn json<T: serde::Serialize>(value: &T) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(value).expect("reports always serialise");
    bytes.push(b'\n');
    bytes
}

/// Writes an A/A series into `out_dir` atomically and returns the folder.
///
/// # Errors
///
/// [`crate::Error::Io`] naming the file that failed.
pub fn write_aa(report: &AaReport, out_dir: &Path) -> Result<PathBuf> {
    let dir = ReportDir::create(out_dir)?;
    dir.write("aa.json", &json(report))?;
    dir.write("aa.md", aa_markdown(report).as_bytes())?;
    dir.commit()
}

fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

fn rate_row(w: &mut String, c: &RateCheck, runs: u64) {
    writeln!(
        w,
        "| {} | {} | {} / {} | {} | [{}, {}] | {}–{} ([{}, {}]) | {} |",
        c.test,
        c.description,
        c.rejections,
        c.runs,
        pct(c.rate),
        pct(c.interval[0]),
        pct(c.interval[1]),
        c.expected_region[0],
        c.expected_region[1],
        pct(c.expected_region[0] as f64 / runs.max(1) as f64),
        pct(c.expected_region[1] as f64 / runs.max(1) as f64),
        match (c.within, c.must_hold) {
            (true, _) => "within",
            (false, true) => "**outside: FAIL**",
            (false, false) => "outside",
        }
    )
    .expect(LINE);
}

/// The A/A table (also what the CLI prints).
#[must_use]
pub fn aa_markdown(r: &AaReport) -> String {
    let mut w = String::new();
    writeln!(
        w,
        "# {}: A/A of `{}` over {} runs\n\nEvery variant ran the control's stack, each run on a fresh seed (replicates 0..{} of seed {}) with a fresh assignment salt, so every rejection is a false positive. Primary metric `{}`, alpha {}. A rate holds when its count lies in the central {:.0}% region of Binomial({}, {}); intervals are exact (Clopper–Pearson) at {:.0}%.\n",
        r.scenario,
        r.experiment,
        r.runs,
        r.runs,
        r.seed,
        r.primary_metric,
        r.alpha,
        100.0 * AA_LEVEL,
        r.runs,
        r.alpha,
        100.0 * AA_LEVEL
    )
    .expect(LINE);
    writeln!(w, "| test | what | rejections | false-positive rate | {:.0}% interval | expected count (rate) | |", 100.0 * AA_LEVEL).expect(LINE);
    writeln!(w, "| --- | --- | ---: | ---: | --- | --- | --- |").expect(LINE);
    for c in &r.checks {
        rate_row(&mut w, c, r.runs as u64);
    }
    if let Some(c) = &r.coverage {
        writeln!(
            w,
            "\nCoverage of the true difference: {} of {} runs ({}, {:.0}% interval [{}, {}]); nominal {}.",
            c.rejections,
            c.runs,
            pct(c.rate),
            100.0 * AA_LEVEL,
            pct(c.interval[0]),
            pct(c.interval[1]),
            pct(1.0 - r.alpha)
        )
        .expect(LINE);
    }
    writeln!(
        w,
        "\n{}",
        if r.passed {
            "Result: the fixed-horizon test and the sequential rule keep their false-positive rate."
        } else {
            "Result: **FAIL** — a test that must keep its false-positive rate does not."
        }
    )
    .expect(LINE);
    w
}

/// Writes a power study into `out_dir` atomically and returns the folder.
///
/// # Errors
///
/// [`crate::Error::Io`] naming the file that failed.
pub fn write_power(report: &PowerReport, out_dir: &Path) -> Result<PathBuf> {
    let dir = ReportDir::create(out_dir)?;
    dir.write("power.json", &json(report))?;
    dir.write("power.md", power_markdown(report).as_bytes())?;
    dir.commit()
}

fn interval(i: Option<&Interval>) -> String {
    i.map_or_else(
        || "–".into(),
        |i| format!("{} [{}, {}]", sig(i.mean), sig(i.lower), sig(i.upper)),
    )
}

fn relative(i: Option<&Interval>) -> String {
    i.map_or_else(
        || "–".into(),
        |i| {
            format!(
                "{:+.2}% [{:+.2}%, {:+.2}%]",
                100.0 * i.mean,
                100.0 * i.lower,
                100.0 * i.upper
            )
        },
    )
}

/// The power tables (also what the CLI prints).
#[must_use]
pub fn power_markdown(r: &PowerReport) -> String {
    let mut w = String::new();
    writeln!(
        w,
        "# {}: power over {} runs\n\nEach run is a fresh seed (replicates 0..{} of seed {}) with a fresh assignment salt. The true effect is the truth's expected clicks of the shown slates, aggregated exactly as the estimate. Rates with exact {:.0}% intervals; means with 95% t-intervals over runs.\n",
        r.scenario,
        r.runs,
        r.runs,
        r.seed,
        100.0 * POWER_LEVEL
    )
    .expect(LINE);
    writeln!(w, "| experiment | design | treatment | metric | power (fixed horizon) | power (rule) | horizon used when the rule stops | coverage of the truth |").expect(LINE);
    writeln!(w, "| --- | --- | --- | --- | ---: | ---: | ---: | ---: |").expect(LINE);
    let rate = |x: &crate::sweep::Rate| {
        format!(
            "{} [{}, {}]",
            pct(x.rate),
            pct(x.interval[0]),
            pct(x.interval[1])
        )
    };
    for row in &r.rows {
        writeln!(
            w,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            row.experiment,
            match row.design {
                Design::AbTest => "A/B",
                Design::Interleaving => "interleaving",
            },
            row.treatment,
            row.metric,
            rate(&row.power_fixed),
            row.power_rule.as_ref().map_or_else(|| "–".into(), rate),
            row.rule_mean_fraction.map_or_else(|| "–".into(), pct),
            row.coverage.as_ref().map_or_else(|| "–".into(), rate),
        )
        .expect(LINE);
    }
    writeln!(w, "\n## Estimates against the truth\n").expect(LINE);
    writeln!(w, "| experiment | treatment | estimated difference | true difference | bias (estimate − truth) | estimated lift | true lift | lift bias |").expect(LINE);
    writeln!(w, "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |").expect(LINE);
    for row in &r.rows {
        writeln!(
            w,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            row.experiment,
            row.treatment,
            interval(Some(&row.estimate)),
            interval(row.truth.as_ref()),
            interval(row.bias.as_ref()),
            relative(row.relative_lift.as_ref()),
            relative(row.true_relative_lift.as_ref()),
            relative(row.relative_bias.as_ref()),
        )
        .expect(LINE);
    }
    writeln!(w, "\n## Requests needed\n").expect(LINE);
    writeln!(w, "| experiment | design | requests per run | requests for 80% power against the mean effect |").expect(LINE);
    writeln!(w, "| --- | --- | ---: | ---: |").expect(LINE);
    for row in &r.rows {
        writeln!(
            w,
            "| {} | {} | {:.0} | {} |",
            row.experiment,
            match row.design {
                Design::AbTest => "A/B",
                Design::Interleaving => "interleaving",
            },
            row.mean_requests,
            row.requests_for_80_percent_power
                .map_or_else(|| "–".into(), |n| format!("{:.0}", n.ceil()))
        )
        .expect(LINE);
    }
    w
}
