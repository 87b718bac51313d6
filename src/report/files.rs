//! Writing a run's files.

use crate::error::Result;
use crate::world::context::Calendar;

use super::analytics::{Analytics, RunView};
use super::charts::{PLOTS_DIR, run_plots};
use super::dashboard::{dashboard_html, plan_scorecard};
use super::markdown::{offline_markdown, summary_markdown};
use super::timeseries::Timeseries;
use super::{DASHBOARD_FILE, ReportDir};

/// Writes every file of a run's report into `dir` (not yet committed): the summary,
/// the offline table, the time series, the analytics documents, the plots (SVG and
/// PNG) and the dashboard.
///
/// # Errors
///
/// [`crate::Error::Io`] naming the file that failed.
pub fn write_run(dir: &ReportDir, view: &RunView<'_>) -> Result<()> {
    let scenario = view.scenario;
    let outcome = view.outcome;
    let bucket_hours = scenario.spec().report.timeseries_bucket_hours;
    dir.write("scenario.ron", scenario.to_ron().as_bytes())?;
    dir.write("summary.json", &to_json(view.summary))?;
    let mut markdown = summary_markdown(view.summary);
    if let Some(table) = view.offline {
        dir.write("offline.json", &to_json(table))?;
        markdown.push_str(&offline_markdown(table));
    }
    // The experiments come last: a report with an experiment ends with its verdict
    // and scorecard.
    if let Some(report) = view.experiments {
        dir.write("experiments.json", &to_json(report))?;
        let section = super::experiments_markdown(report);
        dir.write("experiments.md", section.trim_start().as_bytes())?;
        markdown.push_str(&section);
    }
    dir.write("summary.md", markdown.as_bytes())?;
    let calendar = Calendar {
        start_weekday: scenario.spec().horizon.start_weekday,
    };
    let mut timeseries = Timeseries::of(outcome, bucket_hours, calendar);
    if scenario.spec().pipeline.rollout.is_some() {
        timeseries = timeseries.with_rollout(&outcome.model_updates);
    }
    dir.write("timeseries.csv", timeseries.to_csv().as_bytes())?;
    dir.write("model_updates.json", &to_json(&outcome.model_updates))?;
    super::write_regret(dir, scenario.name(), outcome, bucket_hours)?;
    super::write_snapshots(dir, scenario.name(), &scenario.spec().pipeline, outcome)?;
    let analytics = Analytics::of(view);
    analytics.write(dir)?;
    let plots = run_plots(
        scenario.name(),
        outcome,
        &timeseries,
        &analytics,
        view.experiments,
    );
    std::fs::create_dir_all(dir.path(PLOTS_DIR)).map_err(|e| dir.io_error(PLOTS_DIR, e))?;
    let mut drawn = Vec::with_capacity(plots.len());
    for plot in plots {
        let svg = plot.chart.to_svg();
        dir.write(&format!("{PLOTS_DIR}/{}.svg", plot.name), svg.as_bytes())?;
        let png = format!("{PLOTS_DIR}/{}.png", plot.name);
        plot.chart
            .write_png(&dir.path(&png))
            .map_err(|e| dir.io_error(&png, e))?;
        drawn.push((plot, svg));
    }
    let scorecard = plan_scorecard(
        &analytics,
        view.summary.overall.mean_rating,
        view.experiments,
    );
    dir.write(
        DASHBOARD_FILE,
        dashboard_html(view.summary, &analytics, &drawn, &scorecard, view.alerts).as_bytes(),
    )?;
    if let Some(alerts) = view.alerts {
        dir.write(super::ALERTS_FILE, &to_json(&alerts))?;
    }
    Ok(())
}

/// Pretty JSON with a final newline.
pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(value).expect("report types always serialise");
    bytes.push(b'\n');
    bytes
}
