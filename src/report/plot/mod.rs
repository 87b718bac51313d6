//! Charts as SVG and PNG (plotters). Every chart is drawn once per backend from the
//! same description, so the SVG and the PNG show the same thing.
//!
//! PNG text is rasterised from DejaVu Sans, embedded in the binary through plotters'
//! `ab_glyph` feature (`assets/fonts/`, Bitstream Vera licence): no system font
//! library is needed, and the bytes depend only on the data and the embedded font.
//! SVG text is SVG `<text>` in the browser's sans-serif; its layout is measured with
//! the same font.

mod draw;
mod font;

use std::path::Path;

use plotters::prelude::*;

pub use font::ensure_font;

/// One line of a chart, with an optional band (for a confidence interval).
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Legend label.
    pub name: String,
    /// (x, y) points in x order.
    pub points: Vec<(f64, f64)>,
    /// (x, lower, upper) in x order, drawn as a translucent area.
    pub band: Vec<(f64, f64, f64)>,
}

/// A line chart.
#[derive(Clone, Debug, PartialEq)]
pub struct LineChart {
    /// Title.
    pub title: String,
    /// X axis label, with its unit.
    pub x_label: String,
    /// Y axis label, with its unit.
    pub y_label: String,
    /// The lines.
    pub series: Vec<Series>,
    /// Fixed y range; default: the data's, padded.
    pub y_range: Option<(f64, f64)>,
    /// Names of x = 0, 1, 2, … for a categorical x axis; empty for a numeric one.
    pub x_categories: Vec<String>,
}

/// Shares stacked to 1 over x (e.g. arm selection shares over time).
#[derive(Clone, Debug, PartialEq)]
pub struct StackedChart {
    /// Title.
    pub title: String,
    /// X axis label.
    pub x_label: String,
    /// Y axis label.
    pub y_label: String,
    /// The x values.
    pub xs: Vec<f64>,
    /// (name, value at each x), stacked bottom to top in this order.
    pub layers: Vec<(String, Vec<f64>)>,
}

/// A matrix of values, one coloured cell each (e.g. reward per context and arm).
#[derive(Clone, Debug, PartialEq)]
pub struct HeatmapChart {
    /// Title.
    pub title: String,
    /// X axis label (columns).
    pub x_label: String,
    /// Y axis label (rows).
    pub y_label: String,
    /// Column names.
    pub columns: Vec<String>,
    /// Row names, top to bottom.
    pub rows: Vec<String>,
    /// `values[row][column]`; `None` is an empty (grey) cell.
    pub values: Vec<Vec<Option<f64>>>,
}

/// One row of an [`IntervalChart`]: label, estimate, interval if known.
pub type IntervalItem = (String, f64, Option<(f64, f64)>);

/// Point estimates with intervals, one row each (e.g. an experiment's lifts).
#[derive(Clone, Debug, PartialEq)]
pub struct IntervalChart {
    /// Title.
    pub title: String,
    /// X axis label (the estimate's unit).
    pub x_label: String,
    /// (row label, estimate, interval if known), top to bottom.
    pub items: Vec<IntervalItem>,
}

/// Any chart of a report.
#[derive(Clone, Debug, PartialEq)]
pub enum Chart {
    /// Lines.
    Line(LineChart),
    /// Stacked shares.
    Stacked(StackedChart),
    /// A heatmap.
    Heatmap(HeatmapChart),
    /// Estimates with intervals.
    Intervals(IntervalChart),
}

/// Pixel size of every chart.
pub const CHART_SIZE: (u32, u32) = (1000, 560);

impl Chart {
    /// The chart as an SVG document.
    #[must_use]
    pub fn to_svg(&self) -> String {
        ensure_font();
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, CHART_SIZE).into_drawing_area();
            draw::draw(self, &root).expect("drawing to a String cannot fail");
        }
        svg
    }

    /// Writes the chart as a PNG file.
    ///
    /// # Errors
    ///
    /// The PNG cannot be encoded or written (the message names the file).
    pub fn write_png(&self, path: &Path) -> std::io::Result<()> {
        ensure_font();
        let root = BitMapBackend::new(path, CHART_SIZE).into_drawing_area();
        draw::draw(self, &root).map_err(|e| std::io::Error::other(e.to_string()))
    }
}

/// Draws `series` as an SVG line chart.
#[must_use]
pub fn line_chart_svg(title: &str, x_label: &str, y_label: &str, series: &[Series]) -> String {
    Chart::Line(LineChart {
        title: title.to_owned(),
        x_label: x_label.to_owned(),
        y_label: y_label.to_owned(),
        series: series.to_vec(),
        y_range: None,
        x_categories: Vec::new(),
    })
    .to_svg()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line() -> Chart {
        Chart::Line(LineChart {
            title: "t".into(),
            x_label: "x (days)".into(),
            y_label: "y".into(),
            series: vec![Series {
                name: "thompson".into(),
                points: vec![(0.0, 0.0), (1.0, 2.0), (2.0, 3.0)],
                band: vec![(0.0, 0.0, 0.0), (1.0, 1.5, 2.5), (2.0, 2.0, 4.0)],
            }],
            y_range: None,
            x_categories: Vec::new(),
        })
    }

    fn every_kind() -> Vec<Chart> {
        vec![
            line(),
            Chart::Stacked(StackedChart {
                title: "shares".into(),
                x_label: "day".into(),
                y_label: "share".into(),
                xs: vec![0.0, 1.0, 2.0],
                layers: vec![
                    ("a".into(), vec![0.2, 0.5, 0.7]),
                    ("b".into(), vec![0.8, 0.5, 0.3]),
                ],
            }),
            Chart::Heatmap(HeatmapChart {
                title: "heat".into(),
                x_label: "arm".into(),
                y_label: "context".into(),
                columns: vec!["svd".into(), "random".into()],
                rows: vec!["morning".into(), "night".into()],
                values: vec![vec![Some(0.3), None], vec![Some(0.1), Some(0.2)]],
            }),
            Chart::Intervals(IntervalChart {
                title: "lift".into(),
                x_label: "relative lift".into(),
                items: vec![
                    ("ctr".into(), 0.1, Some((-0.05, 0.25))),
                    ("gini".into(), -0.2, None),
                ],
            }),
        ]
    }

    #[test]
    fn every_chart_kind_draws_svg_deterministically() {
        for chart in every_kind() {
            let a = chart.to_svg();
            assert!(a.starts_with("<svg"), "{chart:?}");
            assert_eq!(a, chart.to_svg());
        }
        assert!(line().to_svg().contains("thompson"));
    }

    #[test]
    fn every_chart_kind_writes_the_same_png_twice() {
        let dir = tempfile::tempdir().unwrap();
        for (i, chart) in every_kind().iter().enumerate() {
            let a = dir.path().join(format!("{i}a.png"));
            let b = dir.path().join(format!("{i}b.png"));
            chart.write_png(&a).unwrap();
            chart.write_png(&b).unwrap();
            let bytes = std::fs::read(&a).unwrap();
            assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
            assert_eq!(bytes, std::fs::read(&b).unwrap());
        }
    }

    #[test]
    fn a_png_into_a_missing_folder_fails_naming_nothing_silently() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no").join("such.png");
        assert!(line().write_png(&path).is_err());
    }
}
