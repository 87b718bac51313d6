//! The metrics a report holds, by name.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::CheckError;

/// Metrics the `checks` section of a scenario may bound (besides `regret/GROUP`).
pub const CHECKABLE_METRICS: [&str; 10] = [
    "gini",
    "coverage",
    "novelty",
    "serendipity",
    "long_tail_share",
    "dissimilar_click_share",
    "niche_click_share",
    "ctr",
    "expected_ctr",
    "mean_rating",
];

/// Which way a metric gets worse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Up is a regression (Gini, regret).
    LowerIsBetter,
    /// Down is a regression (coverage, novelty, serendipity, shares, CTR, rating).
    HigherIsBetter,
}

/// The direction of a metric name.
#[must_use]
pub fn direction(metric: &str) -> Direction {
    if metric == "gini" || metric.starts_with("regret/") {
        Direction::LowerIsBetter
    } else {
        Direction::HigherIsBetter
    }
}

/// The metrics of one report.
#[derive(Clone, Debug, PartialEq)]
pub struct ReportMetrics {
    /// The report folder.
    pub dir: PathBuf,
    /// Scenario name.
    pub scenario: String,
    /// Seed of the run.
    pub seed: u64,
    /// Defined metrics by name (an undefined metric, such as the mean rating of a run
    /// without ratings, is absent).
    pub values: BTreeMap<String, f64>,
}

const FIX_REPORT: &str = "pass a report folder written by `recolab run` of this version (it holds analytics/ and summary.json)";

fn read_json(path: &Path) -> Result<Value, CheckError> {
    let text = std::fs::read_to_string(path).map_err(|source| CheckError::Read {
        path: path.to_owned(),
        source,
        fix: FIX_REPORT.into(),
    })?;
    serde_json::from_str(&text).map_err(|e| CheckError::Invalid {
        path: path.to_owned(),
        problem: format!("is not JSON ({e})"),
        fix: FIX_REPORT.into(),
    })
}

/// The value at a `/`-separated pointer: a number, `None` for `null`, an error when
/// absent or of another type.
fn number(doc: &Value, pointer: &str, path: &Path) -> Result<Option<f64>, CheckError> {
    match doc.pointer(pointer) {
        Some(Value::Null) => Ok(None),
        Some(v) => v.as_f64().map(Some).ok_or_else(|| CheckError::Invalid {
            path: path.to_owned(),
            problem: format!("field {pointer} is {v}, not a number"),
            fix: FIX_REPORT.into(),
        }),
        None => Err(CheckError::Invalid {
            path: path.to_owned(),
            problem: format!("has no field {pointer}"),
            fix: FIX_REPORT.into(),
        }),
    }
}

impl ReportMetrics {
    /// Reads the metrics of the report in `dir`.
    ///
    /// # Errors
    ///
    /// [`CheckError`] naming the file and field that is missing or malformed.
    pub fn read(dir: &Path) -> Result<Self, CheckError> {
        if !dir.is_dir() {
            return Err(CheckError::Read {
                path: dir.to_owned(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such folder"),
                fix: FIX_REPORT.into(),
            });
        }
        let diversity_path = dir.join("analytics").join("diversity-metrics.json");
        let diversity = read_json(&diversity_path)?;
        let scenario = diversity
            .pointer("/scenario")
            .and_then(Value::as_str)
            .ok_or_else(|| CheckError::Invalid {
                path: diversity_path.clone(),
                problem: "has no string field /scenario".into(),
                fix: FIX_REPORT.into(),
            })?
            .to_owned();
        let seed = diversity
            .pointer("/seed")
            .and_then(Value::as_u64)
            .ok_or_else(|| CheckError::Invalid {
                path: diversity_path.clone(),
                problem: "has no integer field /seed".into(),
                fix: FIX_REPORT.into(),
            })?;
        let mut values = BTreeMap::new();
        for name in &CHECKABLE_METRICS[..7] {
            if let Some(v) = number(&diversity, &format!("/online/{name}"), &diversity_path)? {
                values.insert((*name).to_owned(), v);
            }
        }
        let summary_path = dir.join("summary.json");
        let summary = read_json(&summary_path)?;
        for name in &CHECKABLE_METRICS[7..] {
            if let Some(v) = number(&summary, &format!("/overall/{name}"), &summary_path)? {
                values.insert((*name).to_owned(), v);
            }
        }
        let regret_path = dir.join("regret.json");
        if regret_path.exists() {
            let regret = read_json(&regret_path)?;
            let slots = regret.as_array().ok_or_else(|| CheckError::Invalid {
                path: regret_path.clone(),
                problem: "is not a list of policy slots".into(),
                fix: FIX_REPORT.into(),
            })?;
            for (i, slot) in slots.iter().enumerate() {
                let requests = number(slot, "/overall/requests", &regret_path)?.unwrap_or(0.0);
                if requests == 0.0 {
                    continue;
                }
                let variant = slot.pointer("/variant").and_then(Value::as_str);
                let group = match (slot.pointer("/experiment").and_then(Value::as_str), variant) {
                    (Some(e), Some(v)) => format!("{e}/{v}"),
                    (None, Some(v)) => v.to_owned(),
                    _ => {
                        return Err(CheckError::Invalid {
                            path: regret_path.clone(),
                            problem: format!("slot {i} has no /variant"),
                            fix: FIX_REPORT.into(),
                        });
                    }
                };
                if let Some(v) = number(slot, "/overall/oracle_regret", &regret_path)? {
                    values.insert(format!("regret/{group}"), v);
                }
            }
        }
        Ok(Self {
            dir: dir.to_owned(),
            scenario,
            seed,
            values,
        })
    }
}
