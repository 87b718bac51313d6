//! The plots of a run's report, built from its time series and analytics, written as
//! `plots/NAME.svg` and `plots/NAME.png`.

use crate::bandit::ContextKeys;
use crate::experiment::ExperimentsReport;
use crate::scenario::spec::ContextFeature;
use crate::sim::RunOutcome;

use super::analytics::Analytics;
use super::plot::{Chart, HeatmapChart, IntervalChart, LineChart, Series, StackedChart};
use super::timeseries::Timeseries;

/// The folder of the plots inside a report.
pub const PLOTS_DIR: &str = "plots";

/// One plot: its file stem and what it shows.
#[derive(Clone, Debug, PartialEq)]
pub struct Plot {
    /// File stem (`plots/NAME.svg`, `plots/NAME.png`).
    pub name: &'static str,
    /// The chart.
    pub chart: Chart,
}

/// Simulated days at the end of a bucket (for cumulative values).
fn days(ts: &Timeseries, bucket: usize) -> f64 {
    (bucket + 1) as f64 * f64::from(ts.bucket_hours) / 24.0
}

/// Simulated days at the middle of a bucket (for values of the bucket alone).
fn mid(ts: &Timeseries, bucket: usize) -> f64 {
    (bucket as f64 + 0.5) * f64::from(ts.bucket_hours) / 24.0
}

/// The Lorenz curve of recommendation counts: movies sorted from least to most
/// recommended, cumulative share of movies against cumulative share of
/// recommendations; the Gini is twice the area between it and the diagonal.
#[must_use]
pub fn lorenz(counts: &[u64], gini: f64, scenario: &str) -> Chart {
    let mut sorted = counts.to_vec();
    sorted.sort_unstable();
    let total: u64 = sorted.iter().sum();
    let n = sorted.len().max(1);
    // At most ~500 points: the curve is convex, so a stride loses nothing visible.
    let stride = n.div_ceil(500).max(1);
    let mut points = vec![(0.0, 0.0)];
    let mut cumulative = 0u64;
    for (i, c) in sorted.iter().enumerate() {
        cumulative += c;
        if (i + 1) % stride == 0 || i + 1 == sorted.len() {
            let y = if total == 0 {
                0.0
            } else {
                cumulative as f64 / total as f64
            };
            points.push(((i + 1) as f64 / n as f64, y));
        }
    }
    Chart::Line(LineChart {
        title: format!("{scenario}: Lorenz curve of recommendations (Gini {gini:.3})"),
        x_label: "share of the catalogue, least recommended first".into(),
        y_label: "share of all recommendations".into(),
        series: vec![
            Series {
                name: "recommendations".into(),
                points,
                band: Vec::new(),
            },
            Series {
                name: "perfect equality (Gini 0)".into(),
                points: vec![(0.0, 0.0), (1.0, 1.0)],
                band: Vec::new(),
            },
        ],
        y_range: Some((0.0, 1.0)),
        x_categories: Vec::new(),
    })
}

/// Every plot of a run, in dashboard order. Cumulative regret needs
/// `report.regret: true`; the lift plot needs an experiment.
#[must_use]
pub fn run_plots(
    scenario: &str,
    outcome: &RunOutcome,
    ts: &Timeseries,
    analytics: &Analytics,
    experiments: Option<&ExperimentsReport>,
) -> Vec<Plot> {
    let mut plots = vec![Plot {
        name: "lorenz",
        chart: lorenz(&outcome.exposure, analytics.diversity.online.gini, scenario),
    }];
    let line = |title: String, y_label: &str, series: Vec<Series>, y_range| {
        Chart::Line(LineChart {
            title,
            x_label: "simulated days".into(),
            y_label: y_label.into(),
            series,
            y_range,
            x_categories: Vec::new(),
        })
    };
    let over_time = |name: &str,
                     at: fn(&Timeseries, usize) -> f64,
                     value: &dyn Fn(usize) -> Option<f64>| Series {
        name: name.into(),
        points: (0..ts.rows.len())
            .filter_map(|b| value(b).map(|v| (at(ts, b), v)))
            .collect(),
        band: Vec::new(),
    };
    plots.push(Plot {
        name: "coverage",
        chart: line(
            format!("{scenario}: catalogue coverage over time"),
            "share of movies recommended at least once so far",
            vec![
                over_time("cumulative coverage", days, &|b| {
                    Some(ts.rows[b].cumulative_coverage)
                }),
                over_time("cumulative Gini", days, &|b| {
                    Some(ts.rows[b].cumulative_gini)
                }),
            ],
            Some((0.0, 1.0)),
        ),
    });
    if !ts.regret_slots.is_empty() {
        let series = ts
            .regret_slots
            .iter()
            .enumerate()
            .map(|(s, name)| Series {
                name: name.clone(),
                points: std::iter::once((0.0, 0.0))
                    .chain(
                        ts.rows
                            .iter()
                            .enumerate()
                            .map(|(b, r)| (days(ts, b), r.cumulative_regret[s])),
                    )
                    .collect(),
                band: Vec::new(),
            })
            .collect();
        plots.push(Plot {
            name: "regret",
            chart: line(
                format!("{scenario}: cumulative regret per policy"),
                "regret against the oracle (expected successes)",
                series,
                None,
            ),
        });
    }
    let served: Vec<usize> = (0..ts.rows.len())
        .filter(|&b| ts.rows[b].selection_shares.iter().any(Option::is_some))
        .collect();
    plots.push(Plot {
        name: "arm_shares",
        chart: Chart::Stacked(StackedChart {
            title: format!("{scenario}: arm selection shares over time"),
            x_label: "simulated days".into(),
            y_label: "share of arm selections".into(),
            xs: served.iter().map(|&b| mid(ts, b)).collect(),
            layers: ts
                .arms
                .iter()
                .enumerate()
                .map(|(a, name)| {
                    let values = served
                        .iter()
                        .map(|&b| ts.rows[b].selection_shares[a].unwrap_or(0.0))
                        .collect();
                    (name.clone(), values)
                })
                .collect(),
        }),
    });
    plots.push(Plot {
        name: "context_arm_reward",
        chart: context_arm_heatmap(scenario, outcome),
    });
    // Per day, weighted by each bucket's requests (long-tail share) and clicks (niche
    // clicks): hourly values of a quiet night are noisy.
    let per_day = |weight: fn(&super::timeseries::TimeRow) -> f64,
                   value: fn(&super::timeseries::TimeRow) -> Option<f64>| {
        let buckets_per_day = (24 / ts.bucket_hours.max(1)).max(1) as usize;
        let points: Vec<(f64, f64)> = ts
            .rows
            .chunks(buckets_per_day)
            .enumerate()
            .filter_map(|(d, rows)| {
                let (sum, w) = rows.iter().fold((0.0, 0.0), |(s, w), r| match value(r) {
                    Some(v) => (s + v * weight(r), w + weight(r)),
                    None => (s, w),
                });
                (w > 0.0).then(|| {
                    let x = (d * buckets_per_day) as f64 * f64::from(ts.bucket_hours) / 24.0;
                    (
                        x + rows.len() as f64 * f64::from(ts.bucket_hours) / 48.0,
                        sum / w,
                    )
                })
            })
            .collect();
        points
    };
    plots.push(Plot {
        name: "long_tail",
        chart: line(
            format!("{scenario}: long-tail and niche shares over time"),
            "share (long tail: vote count below the threshold)",
            vec![
                over_time("long-tail share of impressions, per bucket", mid, &|b| {
                    ts.rows[b].engagement.long_tail_share
                }),
                Series {
                    name: "long-tail share of impressions, per day".into(),
                    points: per_day(
                        |r| r.engagement.requests as f64,
                        |r| r.engagement.long_tail_share,
                    ),
                    band: Vec::new(),
                },
                Series {
                    name: "niche share of clicks, per day".into(),
                    points: per_day(
                        |r| r.engagement.clicks as f64,
                        |r| r.engagement.niche_click_share,
                    ),
                    band: Vec::new(),
                },
            ],
            Some((0.0, 1.0)),
        ),
    });
    if let Some(e) = experiments.and_then(|r| r.experiments.first()) {
        // The user-level comparisons of the experiment statistics, with the interval
        // each verdict reads (src/experiment/compare.rs).
        let items = e
            .metrics
            .iter()
            .filter_map(|c| {
                let chosen = c.chosen();
                let relative = chosen.relative_lift?;
                Some((
                    format!("{} · {}", c.treatment, c.metric.name()),
                    100.0 * relative,
                    chosen
                        .relative_interval
                        .map(|[lo, hi]| (100.0 * lo, 100.0 * hi)),
                ))
            })
            .collect();
        let control = e.variants.first().map_or("", |v| v.name.as_str());
        plots.push(Plot {
            name: "experiment_lift",
            chart: Chart::Intervals(IntervalChart {
                title: format!(
                    "{scenario}: experiment {}, lift over {control} ({:.0}% interval, per user)",
                    e.id,
                    100.0 * (1.0 - e.alpha)
                ),
                x_label: "relative lift over the control (%)".into(),
                items,
            }),
        });
    }
    plots
}

/// Success rate of the requests each arm was picked for, by daypart and user segment,
/// over every policy slot.
fn context_arm_heatmap(scenario: &str, outcome: &RunOutcome) -> Chart {
    let keys = ContextKeys::new(&[ContextFeature::Daypart, ContextFeature::Segment]);
    let n_arms = outcome.by_arm.len();
    let mut cells = vec![vec![(0u64, 0u64); n_arms]; keys.len()];
    for ((_, context), cell) in &outcome.signals.by_context {
        let row = &mut cells[keys.index(context)];
        for (a, arm) in cell.arms.iter().enumerate() {
            row[a].0 += arm.successes;
            row[a].1 += arm.selections;
        }
    }
    Chart::Heatmap(HeatmapChart {
        title: format!("{scenario}: success rate by context and arm"),
        x_label: "arm (requests it was picked for)".into(),
        y_label: "daypart / user segment".into(),
        columns: outcome.by_arm.iter().map(|(n, _)| n.clone()).collect(),
        rows: (0..keys.len()).map(|k| keys.name(k)).collect(),
        values: cells
            .iter()
            .map(|row| {
                row.iter()
                    .map(|&(s, n)| (n > 0).then(|| s as f64 / n as f64))
                    .collect()
            })
            .collect(),
    })
}
