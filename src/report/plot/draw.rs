//! Drawing a [`Chart`] on any plotters backend.

use plotters::coord::Shift;
use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;

use super::{Chart, HeatmapChart, IntervalChart, LineChart, StackedChart};

type DrawResult = Result<(), Box<dyn std::error::Error>>;

const TITLE_SIZE: u32 = 22;
const LABEL_SIZE: u32 = 16;

fn font(size: u32) -> TextStyle<'static> {
    ("sans-serif", size).into_font().into()
}

/// Draws `chart` on `root` and presents it.
pub(super) fn draw<DB: DrawingBackend>(chart: &Chart, root: &DrawingArea<DB, Shift>) -> DrawResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    match chart {
        Chart::Line(c) => line(c, root)?,
        Chart::Stacked(c) => stacked(c, root)?,
        Chart::Heatmap(c) => heatmap(c, root)?,
        Chart::Intervals(c) => intervals(c, root)?,
    }
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

fn color(i: usize) -> RGBAColor {
    Palette99::pick(i).to_rgba()
}

fn line<DB: DrawingBackend>(c: &LineChart, root: &DrawingArea<DB, Shift>) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let xs = c.series.iter().flat_map(|s| {
        s.points
            .iter()
            .map(|p| p.0)
            .chain(s.band.iter().map(|b| b.0))
    });
    let ys = c.series.iter().flat_map(|s| {
        s.points
            .iter()
            .map(|p| p.1)
            .chain(s.band.iter().flat_map(|b| [b.1, b.2]))
    });
    let (x0, x1) = bounds(xs);
    let (y0, y1) = c.y_range.unwrap_or_else(|| {
        let (lo, hi) = bounds(ys);
        (lo, hi + 0.08 * (hi - lo))
    });
    let mut chart = ChartBuilder::on(root)
        .caption(&c.title, font(TITLE_SIZE))
        .margin(14)
        .x_label_area_size(48)
        .y_label_area_size(80)
        .build_cartesian_2d(x0..x1, y0..y1)?;
    let categories = &c.x_categories;
    let category = |x: &f64| {
        let i = x.round();
        if (x - i).abs() < 1e-9 && i >= 0.0 {
            categories.get(i as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    };
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(&c.x_label)
        .y_desc(&c.y_label)
        .label_style(font(LABEL_SIZE - 2))
        .axis_desc_style(font(LABEL_SIZE));
    if !categories.is_empty() {
        mesh.x_labels(categories.len().max(2) * 4)
            .x_label_formatter(&category);
    }
    mesh.draw()?;
    for (i, s) in c.series.iter().enumerate() {
        let color = color(i);
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
        if !categories.is_empty() {
            chart.draw_series(s.points.iter().map(|&p| Circle::new(p, 4, color.filled())))?;
        }
    }
    if !c.series.is_empty() {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .label_font(font(LABEL_SIZE - 2))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()?;
    }
    Ok(())
}

fn stacked<DB: DrawingBackend>(c: &StackedChart, root: &DrawingArea<DB, Shift>) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (x0, x1) = bounds(c.xs.iter().copied());
    let mut chart = ChartBuilder::on(root)
        .caption(&c.title, font(TITLE_SIZE))
        .margin(14)
        .x_label_area_size(48)
        .y_label_area_size(80)
        .build_cartesian_2d(x0..x1, 0.0..1.0)?;
    chart
        .configure_mesh()
        .x_desc(&c.x_label)
        .y_desc(&c.y_label)
        .label_style(font(LABEL_SIZE - 2))
        .axis_desc_style(font(LABEL_SIZE))
        .draw()?;
    let mut lower = vec![0.0; c.xs.len()];
    for (i, (name, values)) in c.layers.iter().enumerate() {
        let upper: Vec<f64> = lower.iter().zip(values).map(|(l, v)| l + v).collect();
        let outline: Vec<(f64, f64)> =
            c.xs.iter()
                .zip(&upper)
                .map(|(&x, &y)| (x, y))
                .chain(c.xs.iter().zip(&lower).rev().map(|(&x, &y)| (x, y)))
                .collect();
        let color = color(i);
        chart
            .draw_series(std::iter::once(Polygon::new(
                outline,
                color.mix(0.75).filled(),
            )))?
            .label(name.clone())
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 16, y + 6)], color.filled()));
        lower = upper;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .label_font(font(LABEL_SIZE - 2))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()?;
    Ok(())
}

/// A colour from pale yellow (0) to dark blue (1).
fn ramp(t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0);
    let mix = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
    RGBColor(mix(255.0, 8.0), mix(247.0, 48.0), mix(188.0, 107.0))
}

fn heatmap<DB: DrawingBackend>(c: &HeatmapChart, root: &DrawingArea<DB, Shift>) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let n_cols = i32::try_from(c.columns.len()).expect("few columns");
    let n_rows = i32::try_from(c.rows.len()).expect("few rows");
    let (lo, hi) = bounds(c.values.iter().flatten().flatten().copied());
    let mut chart = ChartBuilder::on(root)
        .caption(&c.title, font(TITLE_SIZE))
        .margin(14)
        .x_label_area_size(48)
        .y_label_area_size(190)
        .build_cartesian_2d(
            // A segmented 0..n spans n + 1 segments (0..=n): stop one short.
            (0..(n_cols - 1).max(0)).into_segmented(),
            (0..(n_rows - 1).max(0)).into_segmented(),
        )?;
    let columns = &c.columns;
    let rows = &c.rows;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc(&c.x_label)
        .y_desc(&c.y_label)
        .x_labels(columns.len())
        .y_labels(rows.len())
        .label_style(font(LABEL_SIZE - 2))
        .axis_desc_style(font(LABEL_SIZE))
        .x_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => columns.get(*i as usize).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .y_label_formatter(&|v| match v {
            // Row 0 is drawn at the top.
            SegmentValue::CenterOf(i) => rows
                .get((n_rows - 1 - *i) as usize)
                .cloned()
                .unwrap_or_default(),
            _ => String::new(),
        })
        .draw()?;
    for (r, row) in c.values.iter().enumerate() {
        let y = n_rows - 1 - i32::try_from(r).expect("few rows");
        for (col, value) in row.iter().enumerate() {
            let x = i32::try_from(col).expect("few columns");
            let fill = value.map_or(RGBColor(225, 225, 225), |v| ramp((v - lo) / (hi - lo)));
            chart.draw_series(std::iter::once(Rectangle::new(
                [
                    (SegmentValue::Exact(x), SegmentValue::Exact(y)),
                    (SegmentValue::Exact(x + 1), SegmentValue::Exact(y + 1)),
                ],
                fill.filled(),
            )))?;
            if let Some(v) = value {
                let dark = (v - lo) / (hi - lo) > 0.55;
                let style = font(LABEL_SIZE - 3)
                    .color(if dark { &WHITE } else { &BLACK })
                    .pos(plotters::style::text_anchor::Pos::new(
                        plotters::style::text_anchor::HPos::Center,
                        plotters::style::text_anchor::VPos::Center,
                    ));
                chart.draw_series(std::iter::once(Text::new(
                    format!("{v:.3}"),
                    (SegmentValue::CenterOf(x), SegmentValue::CenterOf(y)),
                    style,
                )))?;
            }
        }
    }
    Ok(())
}

fn intervals<DB: DrawingBackend>(c: &IntervalChart, root: &DrawingArea<DB, Shift>) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let n = i32::try_from(c.items.len()).expect("few items");
    let values = c.items.iter().flat_map(|(_, v, i)| {
        std::iter::once(*v)
            .chain(i.iter().flat_map(|&(l, u)| [l, u]))
            .chain(std::iter::once(0.0))
    });
    let (lo, hi) = bounds(values);
    let pad = 0.08 * (hi - lo);
    let mut chart = ChartBuilder::on(root)
        .caption(&c.title, font(TITLE_SIZE))
        .margin(14)
        .x_label_area_size(48)
        .y_label_area_size(260)
        .build_cartesian_2d(lo - pad..hi + pad, (0..(n - 1).max(0)).into_segmented())?;
    let labels: Vec<&str> = c.items.iter().map(|(l, _, _)| l.as_str()).collect();
    chart
        .configure_mesh()
        .x_desc(&c.x_label)
        .y_labels(labels.len().max(1))
        .label_style(font(LABEL_SIZE - 2))
        .axis_desc_style(font(LABEL_SIZE))
        .y_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => labels
                .get((n - 1 - *i) as usize)
                .map(|s| (*s).to_owned())
                .unwrap_or_default(),
            _ => String::new(),
        })
        .draw()?;
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(0.0, SegmentValue::Exact(0)), (0.0, SegmentValue::Last)],
        BLACK.stroke_width(1),
    )))?;
    for (k, (_, value, interval)) in c.items.iter().enumerate() {
        let y = SegmentValue::CenterOf(n - 1 - i32::try_from(k).expect("few items"));
        let color = color(0);
        if let Some((l, u)) = interval {
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(*l, y.clone()), (*u, y.clone())],
                color.stroke_width(3),
            )))?;
        }
        chart.draw_series(std::iter::once(Circle::new((*value, y), 6, color.filled())))?;
    }
    Ok(())
}
