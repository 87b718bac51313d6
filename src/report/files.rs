//! Writing a run's files.

use std::fmt::Write as _;

use crate::error::Result;
use crate::eval::Engagement;
use crate::experiment::ExperimentsReport;
use crate::pipeline::offline_table::OfflineTable;
use crate::run::RunSummary;
use crate::scenario::Scenario;
use crate::sim::RunOutcome;

use super::ReportDir;
use super::markdown::{offline_markdown, summary_markdown};

/// Writes every file of a run's report into `dir` (not yet committed).
///
/// # Errors
///
/// [`crate::Error::Io`] naming the file that failed.
pub fn write_run(
    dir: &ReportDir,
    scenario: &Scenario,
    summary: &RunSummary,
    outcome: &RunOutcome,
    offline: Option<&OfflineTable>,
    experiments: Option<&ExperimentsReport>,
) -> Result<()> {
    dir.write("scenario.ron", scenario.to_ron().as_bytes())?;
    dir.write("summary.json", &to_json(summary))?;
    let mut markdown = summary_markdown(summary);
    if let Some(table) = offline {
        dir.write("offline.json", &to_json(table))?;
        markdown.push_str(&offline_markdown(table));
    }
    // The experiments come last: a report with an experiment ends with its verdict
    // and scorecard.
    if let Some(report) = experiments {
        dir.write("experiments.json", &to_json(report))?;
        let section = super::experiments_markdown(report);
        dir.write("experiments.md", section.trim_start().as_bytes())?;
        markdown.push_str(&section);
    }
    dir.write("summary.md", markdown.as_bytes())?;
    dir.write(
        "timeseries.csv",
        timeseries_csv(outcome, scenario.spec().report.timeseries_bucket_hours).as_bytes(),
    )?;
    dir.write("model_updates.json", &to_json(&outcome.model_updates))?;
    super::write_regret(
        dir,
        scenario.name(),
        outcome,
        scenario.spec().report.timeseries_bucket_hours,
    )?;
    Ok(())
}

/// Pretty JSON with a final newline.
fn to_json<T: serde::Serialize>(value: &T) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(value).expect("report types always serialise");
    bytes.push(b'\n');
    bytes
}

/// A CSV cell of an optional number: empty when undefined.
fn cell(value: Option<f64>) -> String {
    value.map_or_else(String::new, |v| v.to_string())
}

fn timeseries_csv(outcome: &RunOutcome, bucket_hours: u32) -> String {
    let mut out = String::from(
        "bucket,start_hour,requests,clicks,ctr,expected_ctr,mean_rating,long_tail_share,niche_click_share,cumulative_coverage",
    );
    for (arm, _) in &outcome.by_arm {
        write!(out, ",selection_rate_{arm}").expect("writing to a String cannot fail");
    }
    out.push('\n');
    let n_movies = outcome.exposure.len() as f64;
    let mut exposed = 0u64;
    for (i, row) in outcome.timeseries.iter().enumerate() {
        exposed += row.newly_exposed;
        let e = Engagement::of(&row.tally);
        write!(
            out,
            "{i},{},{},{},{},{},{},{},{},{}",
            i as u64 * u64::from(bucket_hours),
            e.requests,
            e.clicks,
            cell(e.ctr),
            cell(e.expected_ctr),
            cell(e.mean_rating),
            cell(e.long_tail_share),
            cell(e.niche_click_share),
            exposed as f64 / n_movies,
        )
        .expect("writing to a String cannot fail");
        for &n in &row.arm_selections {
            let rate = (row.tally.requests > 0).then(|| n as f64 / row.tally.requests as f64);
            write!(out, ",{}", cell(rate)).expect("writing to a String cannot fail");
        }
        out.push('\n');
    }
    out
}
