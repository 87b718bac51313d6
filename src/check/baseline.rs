//! The committed baseline, tolerances, and the comparison of a report with both.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::CheckError;
use super::metrics::{Direction, ReportMetrics, direction};

/// Version of the baseline file layout.
pub const BASELINE_FORMAT_VERSION: u32 = 1;

/// Metrics a baseline holds besides every `regret/GROUP` of the report.
const BASELINE_METRICS: [&str; 5] = [
    "gini",
    "coverage",
    "novelty",
    "serendipity",
    "long_tail_share",
];

/// A committed baseline (`reports/baselines/NAME.json`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// Layout version ([`BASELINE_FORMAT_VERSION`]).
    pub format_version: u32,
    /// Scenario the baseline was measured on.
    pub scenario: String,
    /// Seed of that run.
    pub seed: u64,
    /// How to regenerate it.
    pub regenerate: String,
    /// Metric values by name.
    pub metrics: BTreeMap<String, f64>,
}

impl Baseline {
    /// The baseline of a report: its diversity metrics and every slot's regret.
    #[must_use]
    pub fn of(report: &ReportMetrics, regenerate: &str) -> Self {
        Self {
            format_version: BASELINE_FORMAT_VERSION,
            scenario: report.scenario.clone(),
            seed: report.seed,
            regenerate: regenerate.to_owned(),
            metrics: report
                .values
                .iter()
                .filter(|(k, _)| BASELINE_METRICS.contains(&k.as_str()) || k.starts_with("regret/"))
                .map(|(k, v)| (k.clone(), *v))
                .collect(),
        }
    }

    /// Pretty JSON with a final newline.
    #[must_use]
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a baseline always serialises");
        text.push('\n');
        text
    }

    /// Reads a baseline file.
    ///
    /// # Errors
    ///
    /// [`CheckError`] when the file is unreadable, not a baseline, of another version
    /// or holds a non-finite value.
    pub fn read(path: &Path) -> Result<Self, CheckError> {
        let fix = "pass a file written by `recolab run SCENARIO --update-baseline FILE`";
        let text = std::fs::read_to_string(path).map_err(|source| CheckError::Read {
            path: path.to_owned(),
            source,
            fix: fix.into(),
        })?;
        let baseline: Self = serde_json::from_str(&text).map_err(|e| CheckError::Invalid {
            path: path.to_owned(),
            problem: format!("is not a baseline ({e})"),
            fix: fix.into(),
        })?;
        if baseline.format_version != BASELINE_FORMAT_VERSION {
            return Err(CheckError::Invalid {
                path: path.to_owned(),
                problem: format!(
                    "has format_version {}, this recolab reads {BASELINE_FORMAT_VERSION}",
                    baseline.format_version
                ),
                fix: format!("regenerate it: {}", baseline.regenerate),
            });
        }
        Ok(baseline)
    }
}

/// How far a metric may move in its bad direction before it counts as a regression:
/// `max(absolute, relative · |baseline|)`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Allowance {
    /// In the metric's own unit.
    pub absolute: f64,
    /// As a share of the baseline value.
    pub relative: f64,
}

impl Default for Allowance {
    /// 2% of the baseline value.
    fn default() -> Self {
        Self {
            absolute: 0.0,
            relative: 0.02,
        }
    }
}

impl Allowance {
    fn of(&self, baseline: f64) -> f64 {
        self.absolute.max(self.relative * baseline.abs())
    }
}

/// A tolerance file: a default allowance and allowances per metric.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Tolerance {
    /// Allowance of every metric not listed. Default: 2% relative.
    pub default: Allowance,
    /// Allowances by metric name.
    pub metrics: BTreeMap<String, Allowance>,
}

impl Tolerance {
    /// Reads a tolerance file (JSON).
    ///
    /// # Errors
    ///
    /// [`CheckError`] when it is unreadable, malformed or holds a negative or
    /// non-finite allowance.
    pub fn read(path: &Path) -> Result<Self, CheckError> {
        let fix = "write JSON such as {\"default\": {\"relative\": 0.02}, \"metrics\": {\"gini\": {\"absolute\": 0.01}}}";
        let text = std::fs::read_to_string(path).map_err(|source| CheckError::Read {
            path: path.to_owned(),
            source,
            fix: fix.into(),
        })?;
        let tolerance: Self = serde_json::from_str(&text).map_err(|e| CheckError::Invalid {
            path: path.to_owned(),
            problem: format!("is not a tolerance file ({e})"),
            fix: fix.into(),
        })?;
        let all = std::iter::once(("default".to_owned(), tolerance.default)).chain(
            tolerance
                .metrics
                .iter()
                .map(|(k, v)| (format!("metrics.{k}"), *v)),
        );
        for (name, a) in all {
            for (field, v) in [("absolute", a.absolute), ("relative", a.relative)] {
                if !(v.is_finite() && v >= 0.0) {
                    return Err(CheckError::Invalid {
                        path: path.to_owned(),
                        problem: format!("{name}.{field} is {v}"),
                        fix: "use a finite allowance ≥ 0".into(),
                    });
                }
            }
        }
        Ok(tolerance)
    }

    fn allowance(&self, metric: &str) -> Allowance {
        self.metrics.get(metric).copied().unwrap_or(self.default)
    }
}

/// What happened to a metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Worse than the baseline by more than the allowance.
    Regressed,
    /// Within the allowance.
    Held,
    /// Better than the baseline by more than the allowance.
    Improved,
}

/// One metric of the comparison.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    /// Metric name.
    pub metric: String,
    /// Its direction.
    pub direction: Direction,
    /// The baseline's value.
    pub baseline: f64,
    /// The report's value.
    pub report: f64,
    /// How far it may move in its bad direction.
    pub allowed: f64,
    /// The verdict.
    pub verdict: Verdict,
}

/// Compares every metric of the baseline with the report.
///
/// # Errors
///
/// [`CheckError::Invalid`] when the report is of another scenario or seed than the
/// baseline, or lacks one of its metrics, or the tolerance names a metric the baseline
/// does not have.
pub fn compare(
    baseline: &Baseline,
    baseline_path: &Path,
    report: &ReportMetrics,
    tolerance: &Tolerance,
) -> Result<Vec<Comparison>, CheckError> {
    let mismatch = |what: &str, b: String, r: String| CheckError::Invalid {
        path: report.dir.clone(),
        problem: format!(
            "is a report of {what} {r}, but the baseline {} is of {what} {b}",
            baseline_path.display()
        ),
        fix: format!(
            "check the report of the baseline's run, or regenerate the baseline on purpose: {}",
            baseline.regenerate
        ),
    };
    if baseline.scenario != report.scenario {
        return Err(mismatch(
            "scenario",
            baseline.scenario.clone(),
            report.scenario.clone(),
        ));
    }
    if baseline.seed != report.seed {
        return Err(mismatch(
            "seed",
            baseline.seed.to_string(),
            report.seed.to_string(),
        ));
    }
    if let Some(unknown) = tolerance
        .metrics
        .keys()
        .find(|k| !baseline.metrics.contains_key(*k))
    {
        return Err(CheckError::Invalid {
            path: baseline_path.to_owned(),
            problem: format!("has no metric {unknown:?}, which the tolerance file names"),
            fix: format!(
                "name one of {:?} in the tolerance file",
                baseline.metrics.keys().collect::<Vec<_>>()
            ),
        });
    }
    baseline
        .metrics
        .iter()
        .map(|(metric, &b)| {
            let r = *report
                .values
                .get(metric)
                .ok_or_else(|| CheckError::Invalid {
                    path: report.dir.clone(),
                    problem: format!("has no value for {metric:?}, which the baseline holds"),
                    fix: if metric.starts_with("regret/") {
                        "run the scenario with `report: (regret: true)` and the same experiments"
                            .into()
                    } else {
                        "run the baseline's scenario with this version of recolab".into()
                    },
                })?;
            let allowed = tolerance.allowance(metric).of(b);
            let worse_by = match direction(metric) {
                Direction::LowerIsBetter => r - b,
                Direction::HigherIsBetter => b - r,
            };
            let verdict = if worse_by > allowed {
                Verdict::Regressed
            } else if -worse_by > allowed {
                Verdict::Improved
            } else {
                Verdict::Held
            };
            Ok(Comparison {
                metric: metric.clone(),
                direction: direction(metric),
                baseline: b,
                report: r,
                allowed,
                verdict,
            })
        })
        .collect()
}

/// The regression table: one row per metric.
#[must_use]
pub fn comparison_table(rows: &[Comparison]) -> String {
    let line = "writing to a String cannot fail";
    let mut out = String::new();
    let width = rows
        .iter()
        .map(|r| r.metric.len())
        .max()
        .unwrap_or(6)
        .max(6);
    writeln!(
        out,
        "{:<width$}  {:<10}  {:>12}  {:>12}  {:>11}  {:>10}  verdict",
        "metric", "bad if", "baseline", "report", "change", "allowed"
    )
    .expect(line);
    for r in rows {
        let change = r.report - r.baseline;
        writeln!(
            out,
            "{:<width$}  {:<10}  {:>12.6}  {:>12.6}  {:>+11.6}  {:>10.6}  {}",
            r.metric,
            match r.direction {
                Direction::LowerIsBetter => "it rises",
                Direction::HigherIsBetter => "it falls",
            },
            r.baseline,
            r.report,
            change,
            r.allowed,
            match r.verdict {
                Verdict::Regressed => "REGRESSED",
                Verdict::Held => "ok",
                Verdict::Improved => "improved",
            }
        )
        .expect(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn report(values: &[(&str, f64)]) -> ReportMetrics {
        ReportMetrics {
            dir: PathBuf::from("r"),
            scenario: "ci".into(),
            seed: 7,
            values: values.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect(),
        }
    }

    #[test]
    fn a_metric_regresses_only_past_its_allowance_in_its_bad_direction() {
        let base = Baseline::of(
            &report(&[
                ("gini", 0.5),
                ("coverage", 0.6),
                ("regret/default", 100.0),
                ("ctr", 0.1),
            ]),
            "cmd",
        );
        // CTR is not part of a baseline.
        assert_eq!(base.metrics.len(), 3);
        // Gini +0.009 (allowed 2% of 0.5 = 0.01): held; coverage −0.05: regressed;
        // regret −10 (allowed 2): improved.
        let rows = compare(
            &base,
            Path::new("b.json"),
            &report(&[
                ("gini", 0.509),
                ("coverage", 0.55),
                ("regret/default", 90.0),
            ]),
            &Tolerance::default(),
        )
        .unwrap();
        let verdicts: Vec<_> = rows
            .iter()
            .map(|r| (r.metric.as_str(), r.verdict))
            .collect();
        assert_eq!(
            verdicts,
            [
                ("coverage", Verdict::Regressed),
                ("gini", Verdict::Held),
                ("regret/default", Verdict::Improved)
            ]
        );
        assert!((rows[0].allowed - 0.012).abs() < 1e-12);
        let table = comparison_table(&rows);
        assert!(
            table.contains("REGRESSED") && table.contains("it falls"),
            "{table}"
        );
    }

    #[test]
    fn identical_reports_hold_with_zero_tolerance() {
        let r = report(&[("gini", 0.5), ("novelty", 3.0)]);
        let strict = Tolerance {
            default: Allowance {
                absolute: 0.0,
                relative: 0.0,
            },
            metrics: BTreeMap::new(),
        };
        let rows = compare(&Baseline::of(&r, "cmd"), Path::new("b"), &r, &strict).unwrap();
        assert!(rows.iter().all(|c| c.verdict == Verdict::Held));
    }

    #[test]
    fn another_scenario_or_a_missing_metric_is_unusable_input() {
        let base = Baseline::of(&report(&[("gini", 0.5), ("regret/default", 1.0)]), "cmd");
        let mut other = report(&[("gini", 0.5)]);
        let e = compare(&base, Path::new("b"), &other, &Tolerance::default()).unwrap_err();
        assert!(e.to_string().contains("regret/default") && e.to_string().contains("regret: true"));
        other.scenario = "default".into();
        let e = compare(&base, Path::new("b"), &other, &Tolerance::default()).unwrap_err();
        assert!(e.to_string().contains("scenario default"), "{e}");
    }

    #[test]
    fn per_metric_allowances_override_the_default() {
        let t = Tolerance {
            default: Allowance::default(),
            metrics: BTreeMap::from([(
                "gini".to_owned(),
                Allowance {
                    absolute: 0.1,
                    relative: 0.0,
                },
            )]),
        };
        assert_eq!(t.allowance("gini").of(0.5), 0.1);
        assert!((t.allowance("coverage").of(0.5) - 0.01).abs() < 1e-15);
    }
}
