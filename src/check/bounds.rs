//! The absolute bounds of a scenario's `checks` section.

use std::fmt::Write as _;

use crate::scenario::spec::CheckSpec;

use super::metrics::ReportMetrics;

/// One bound and whether the report keeps it.
#[derive(Clone, Debug, PartialEq)]
pub struct BoundCheck {
    /// The metric.
    pub metric: String,
    /// Lower bound.
    pub min: Option<f64>,
    /// Upper bound.
    pub max: Option<f64>,
    /// The report's value; `None` when undefined (which fails the check).
    pub value: Option<f64>,
    /// Whether the bound holds.
    pub pass: bool,
}

/// Applies every bound to the report.
#[must_use]
pub fn check_bounds(checks: &[CheckSpec], report: &ReportMetrics) -> Vec<BoundCheck> {
    checks
        .iter()
        .map(|c| {
            let value = report.values.get(&c.metric).copied();
            let pass = value
                .is_some_and(|v| c.min.is_none_or(|lo| v >= lo) && c.max.is_none_or(|hi| v <= hi));
            BoundCheck {
                metric: c.metric.clone(),
                min: c.min,
                max: c.max,
                value,
                pass,
            }
        })
        .collect()
}

/// The table of bounds.
#[must_use]
pub fn bounds_table(rows: &[BoundCheck]) -> String {
    let line = "writing to a String cannot fail";
    let cell = |v: Option<f64>| v.map_or_else(|| "–".to_owned(), |v| format!("{v:.6}"));
    let width = rows
        .iter()
        .map(|r| r.metric.len())
        .max()
        .unwrap_or(6)
        .max(6);
    let mut out = String::new();
    writeln!(
        out,
        "{:<width$}  {:>12}  {:>12}  {:>12}  verdict",
        "metric", "min", "max", "report"
    )
    .expect(line);
    for r in rows {
        writeln!(
            out,
            "{:<width$}  {:>12}  {:>12}  {:>12}  {}",
            r.metric,
            cell(r.min),
            cell(r.max),
            r.value
                .map_or_else(|| "undefined".to_owned(), |v| format!("{v:.6}")),
            if r.pass { "ok" } else { "OUT OF BOUNDS" }
        )
        .expect(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn bounds_are_inclusive_and_undefined_fails() {
        let report = ReportMetrics {
            dir: PathBuf::from("r"),
            scenario: "s".into(),
            seed: 1,
            values: [("gini".to_owned(), 0.5)].into_iter().collect(),
        };
        let spec = |metric: &str, min, max| CheckSpec {
            metric: metric.into(),
            min,
            max,
        };
        let rows = check_bounds(
            &[
                spec("gini", None, Some(0.5)),
                spec("gini", Some(0.6), None),
                spec("mean_rating", Some(3.0), None),
            ],
            &report,
        );
        assert_eq!(
            rows.iter().map(|r| r.pass).collect::<Vec<_>>(),
            [true, false, false]
        );
        let table = bounds_table(&rows);
        assert!(
            table.contains("undefined") && table.contains("OUT OF BOUNDS"),
            "{table}"
        );
    }
}
