//! Line charts as SVG (plotters, SVG backend only: text is SVG `<text>`, so no font
//! library is needed to draw, and the bytes depend only on the data).

use plotters::prelude::*;

/// One line of a chart, with an optional band (for a confidence interval).
#[derive(Clone, Debug)]
pub struct Series {
    /// Legend label.
    pub name: String,
    /// (x, y) points in x order.
    pub points: Vec<(f64, f64)>,
    /// (x, lower, upper) in x order, drawn as a translucent area.
    pub band: Vec<(f64, f64, f64)>,
}

/// Draws `series` as an SVG document.
#[must_use]
pub fn line_chart_svg(title: &str, x_label: &str, y_label: &str, series: &[Series]) -> String {
    let mut svg = String::new();
    draw(&mut svg, title, x_label, y_label, series).expect("drawing to a String cannot fail");
    svg
}

fn draw(
    svg: &mut String,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
) -> Result<(), Box<dyn std::error::Error>> {
    let xs = series.iter().flat_map(|s| {
        s.points
            .iter()
            .map(|p| p.0)
            .chain(s.band.iter().map(|b| b.0))
    });
    let ys = series.iter().flat_map(|s| {
        s.points
            .iter()
            .map(|p| p.1)
            .chain(s.band.iter().flat_map(|b| [b.1, b.2]))
    });
    let (x0, x1) = bounds(xs);
    let (y0, y1) = bounds(ys);
    let y1 = y1 + 0.05 * (y1 - y0);
    let root = SVGBackend::with_string(svg, (960, 560)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(72)
        .build_cartesian_2d(x0..x1, y0..y1)?;
    chart
        .configure_mesh()
        .x_desc(x_label)
        .y_desc(y_label)
        .draw()?;
    for (i, s) in series.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        if !s.band.is_empty() {
            let outline: Vec<(f64, f64)> = s
                .band
                .iter()
                .map(|b| (b.0, b.2))
                .chain(s.band.iter().rev().map(|b| (b.0, b.1)))
                .collect();
            chart.draw_series(std::iter::once(Polygon::new(
                outline,
                color.mix(0.18).filled(),
            )))?;
        }
        chart
            .draw_series(LineSeries::new(
                s.points.iter().copied(),
                color.stroke_width(2),
            ))?
            .label(s.name.clone())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}

/// (min, max) of finite values, widened when empty or flat.
fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if !lo.is_finite() {
        (0.0, 1.0)
    } else if hi - lo < 1e-12 {
        (lo - 0.5, hi + 0.5)
    } else {
        (lo, hi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chart_is_svg_and_deterministic() {
        let s = vec![Series {
            name: "thompson".into(),
            points: vec![(0.0, 0.0), (1.0, 2.0), (2.0, 3.0)],
            band: vec![(0.0, 0.0, 0.0), (1.0, 1.5, 2.5), (2.0, 2.0, 4.0)],
        }];
        let a = line_chart_svg("t", "x", "y", &s);
        assert!(a.starts_with("<svg") && a.contains("thompson"));
        assert_eq!(a, line_chart_svg("t", "x", "y", &s));
    }
}
