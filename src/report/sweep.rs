//! Files of `recolab sweep` and `recolab merge`: `sweep.json`, `sweep.md`,
//! `sweep.csv` and one plot per metric (`plots/METRIC.svg`, `.png`); and the
//! `shard.json` of one slice.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::error::Result;
use crate::sweep::{Interval, SHARD_FILE, ShardFile, SweepReport, UNIT_METRICS};

use super::ReportDir;
use super::charts::PLOTS_DIR;
use super::plot::{Chart, LineChart, Series};

/// Writes one slice's `shard.json` into `out_dir` atomically.
///
/// # Errors
///
/// [`crate::Error::Io`] naming the file that failed.
pub fn write_shard(shard: &ShardFile, out_dir: &Path) -> Result<PathBuf> {
    let dir = ReportDir::create(out_dir)?;
    dir.write(SHARD_FILE, &super::files::to_json(shard))?;
    dir.commit()
}

/// Writes the sweep's files into `out_dir` atomically.
///
/// # Errors
///
/// [`crate::Error::Io`] naming the file that failed.
pub fn write_sweep(report: &SweepReport, out_dir: &Path) -> Result<PathBuf> {
    let dir = ReportDir::create(out_dir)?;
    dir.write("sweep.json", &super::files::to_json(report))?;
    dir.write("sweep.md", sweep_markdown(report).as_bytes())?;
    dir.write("sweep.csv", sweep_csv(report).as_bytes())?;
    std::fs::create_dir_all(dir.path(PLOTS_DIR)).map_err(|e| dir.io_error(PLOTS_DIR, e))?;
    for (name, chart) in sweep_charts(report) {
        dir.write(
            &format!("{PLOTS_DIR}/{name}.svg"),
            chart.to_svg().as_bytes(),
        )?;
        let png = format!("{PLOTS_DIR}/{name}.png");
        chart
            .write_png(&dir.path(&png))
            .map_err(|e| dir.io_error(&png, e))?;
    }
    dir.commit()
}

fn interval(i: Option<&Interval>) -> String {
    i.map_or_else(
        || "–".into(),
        |i| format!("{:.4} [{:.4}, {:.4}]", i.mean, i.lower, i.upper),
    )
}

/// The aggregated table (also what the CLI prints).
#[must_use]
pub fn sweep_markdown(r: &SweepReport) -> String {
    let line = "writing to a String cannot fail";
    let mut w = String::new();
    writeln!(
        w,
        "# {}: {} cell(s) × {} seed(s)\n\nMeans with 95% t-intervals over seeds (replicates 0..{} of seed {}).\n",
        r.scenario,
        r.cells.len(),
        r.n_seeds,
        r.n_seeds,
        r.seed
    )
    .expect(line);
    let shown: Vec<&str> = UNIT_METRICS
        .iter()
        .copied()
        .filter(|m| r.cells.iter().any(|c| metric(c, m).is_some()))
        .collect();
    writeln!(
        w,
        "| cell | {} |\n| --- |{}",
        shown.join(" | "),
        " ---: |".repeat(shown.len())
    )
    .expect(line);
    for c in &r.cells {
        let cells: Vec<String> = shown.iter().map(|m| interval(metric(c, m))).collect();
        writeln!(w, "| `{}` | {} |", c.label, cells.join(" | ")).expect(line);
    }
    w
}

fn metric<'a>(c: &'a crate::sweep::CellSummary, name: &str) -> Option<&'a Interval> {
    c.metrics
        .iter()
        .find(|(n, _)| n == name)
        .and_then(|(_, i)| i.as_ref())
}

fn sweep_csv(r: &SweepReport) -> String {
    let line = "writing to a String cannot fail";
    let mut out = String::from("cell,seed");
    for s in &r.settings {
        write!(out, ",{}", s.path).expect(line);
    }
    write!(out, ",requests,{}", UNIT_METRICS.join(",")).expect(line);
    out.push('\n');
    for u in &r.units {
        write!(out, "{},{}", u.cell, u.seed).expect(line);
        for v in &r.cells[u.cell].values {
            // Values holding commas or quotes are quoted, as CSV requires.
            if v.contains([',', '"']) {
                write!(out, ",\"{}\"", v.replace('"', "\"\"")).expect(line);
            } else {
                write!(out, ",{v}").expect(line);
            }
        }
        write!(out, ",{}", u.requests).expect(line);
        for m in &u.metrics {
            write!(out, ",{}", m.map_or_else(String::new, |v| v.to_string())).expect(line);
        }
        out.push('\n');
    }
    out
}

/// One chart per metric defined in some cell: the metric against the first swept
/// field (numeric axis when every value is a number), one line per combination of
/// the other fields, with the 95% band.
fn sweep_charts(r: &SweepReport) -> Vec<(String, Chart)> {
    let first_values: Vec<String> = r
        .settings
        .first()
        .map_or_else(|| vec!["base".to_owned()], |s| s.values.clone());
    let numeric: Option<Vec<f64>> = first_values.iter().map(|v| v.parse::<f64>().ok()).collect();
    let x_of = |k: usize| numeric.as_ref().map_or(k as f64, |xs| xs[k]);
    let per_line = (r.cells.len() / first_values.len()).max(1);
    let x_label = r.settings.first().map_or_else(
        || "scenario".to_owned(),
        |s| format!("{} (swept value)", s.path),
    );
    UNIT_METRICS
        .iter()
        .filter(|m| r.cells.iter().any(|c| metric(c, m).is_some()))
        .map(|&name| {
            let series = (0..per_line)
                .map(|l| {
                    // Cells of line l: the first setting's value k at index k · per_line + l.
                    let cells: Vec<(usize, &crate::sweep::CellSummary)> = (0..first_values.len())
                        .map(|k| (k, &r.cells[k * per_line + l]))
                        .collect();
                    let label = cells[0]
                        .1
                        .label
                        .split(' ')
                        .skip(1)
                        .collect::<Vec<_>>()
                        .join(" ");
                    Series {
                        name: if label.is_empty() {
                            format!("{name} (mean, 95% band)")
                        } else {
                            label
                        },
                        points: cells
                            .iter()
                            .filter_map(|(k, c)| metric(c, name).map(|i| (x_of(*k), i.mean)))
                            .collect(),
                        band: cells
                            .iter()
                            .filter_map(|(k, c)| {
                                metric(c, name).map(|i| (x_of(*k), i.lower, i.upper))
                            })
                            .collect(),
                    }
                })
                .collect();
            let chart = Chart::Line(LineChart {
                title: format!(
                    "{}: {name}, mean and 95% interval over {} seed(s)",
                    r.scenario, r.n_seeds
                ),
                x_label: x_label.clone(),
                y_label: unit_label(name).to_owned(),
                series,
                y_range: None,
                x_categories: if numeric.is_some() {
                    Vec::new()
                } else {
                    first_values.clone()
                },
            });
            (name.to_owned(), chart)
        })
        .collect()
}

fn unit_label(metric: &str) -> &'static str {
    match metric {
        "ctr" => "CTR (clicks per request)",
        "expected_ctr" => "expected CTR (true click probability)",
        "mean_rating" => "mean rating of clicked movies (stars)",
        "gini" => "Gini of recommendation counts",
        "coverage" => "catalogue coverage (share)",
        "novelty" => "novelty (mean self-information, bits)",
        "serendipity" => "serendipity (mean dissimilarity to history)",
        "dissimilar_click_share" => "share of clicks on dissimilar movies",
        "long_tail_share" => "long-tail share of impressions",
        "niche_click_share" => "niche share of clicks",
        "regret" => "cumulative regret (expected successes)",
        _ => "value",
    }
}
