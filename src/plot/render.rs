//! Draws a [`Figure`] with plotters, in pixel coordinates: the layout is in points and
//! `s` is pixels per point (96/72 for SVG, dpi/72 for PNG).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{layout, metrics, step_path, DrawnSeries, Figure, Look, Marker, Shape, Style};

type Outcome = std::result::Result<(), String>;

/// Indices of the points that get a marker: all of them up to 15 points, else about
/// ten evenly spaced ones, shifted by the series' index so that curves lying on top
/// of each other still show every series' markers.
#[must_use]
pub(crate) fn marker_indices(n: usize, series: usize, n_series: usize, style: Style) -> Vec<usize> {
    if style == Style::Points || n <= 15 {
        return (0..n).collect();
    }
    let every = n.div_ceil(10);
    let phase = series * every / n_series.max(1);
    (0..n).filter(|k| k % every == phase % every).collect()
}

/// Splits a polyline (pixels) into the "on" pieces of a dash pattern (pixels); an
/// empty pattern gives the polyline back.
#[must_use]
pub(crate) fn dash_segments(path: &[(f64, f64)], pattern: &[f64]) -> Vec<Vec<(f64, f64)>> {
    if pattern.is_empty() || pattern.iter().any(|&p| p <= 0.0) {
        return vec![path.to_vec()];
    }
    let mut out = Vec::new();
    let mut cur: Vec<(f64, f64)> = Vec::new();
    let (mut k, mut left) = (0usize, pattern[0]);
    for w in path.windows(2) {
        let (a, b) = (w[0], w[1]);
        let len = (b.0 - a.0).hypot(b.1 - a.1);
        let mut t = 0.0;
        while t < len {
            let step = left.min(len - t);
            let p = |d: f64| (a.0 + (b.0 - a.0) * d / len, a.1 + (b.1 - a.1) * d / len);
            if k % 2 == 0 {
                if cur.is_empty() {
                    cur.push(p(t));
                }
                cur.push(p(t + step));
            }
            t += step;
            left -= step;
            if left <= 1e-9 {
                if k % 2 == 0 && cur.len() > 1 {
                    out.push(std::mem::take(&mut cur));
                }
                cur.clear();
                k = (k + 1) % pattern.len();
                left = pattern[k];
            }
        }
    }
    if cur.len() > 1 {
        out.push(cur);
    }
    out
}

fn rgb(l: &Look) -> RGBColor {
    RGBColor(l.colour.0, l.colour.1, l.colour.2)
}

fn px(v: f64) -> i32 {
    v.round() as i32
}

fn draw_marker<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    (x, y): (f64, f64),
    m: Marker,
    colour: RGBColor,
    r: f64,
    s: f64,
) -> Outcome {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let stroke = (s * 0.9).round().max(1.0) as u32;
    let fill = if m.filled { colour } else { WHITE };
    if m.shape == Shape::Circle {
        let c = (px(x), px(y));
        let rad = r.round().max(1.0) as i32;
        root.draw(&Circle::new(c, rad, fill.filled()))
            .map_err(err)?;
        return root
            .draw(&Circle::new(c, rad, colour.stroke_width(stroke)))
            .map_err(err);
    }
    let unit: Vec<(f64, f64)> = match m.shape {
        Shape::Square => vec![(-0.85, -0.85), (0.85, -0.85), (0.85, 0.85), (-0.85, 0.85)],
        Shape::TriangleUp => vec![(0.0, -1.2), (1.1, 0.75), (-1.1, 0.75)],
        Shape::TriangleDown => vec![(0.0, 1.2), (1.1, -0.75), (-1.1, -0.75)],
        Shape::Diamond => vec![(0.0, -1.25), (1.0, 0.0), (0.0, 1.25), (-1.0, 0.0)],
        Shape::Pentagon | Shape::Circle => (0..5)
            .map(|k| {
                let a = (-90.0 + 72.0 * f64::from(k)).to_radians();
                (1.1 * a.cos(), 1.1 * a.sin())
            })
            .collect(),
    };
    let pts: Vec<(i32, i32)> = unit
        .iter()
        .map(|&(u, v)| (px(x + r * u), px(y + r * v)))
        .collect();
    root.draw(&Polygon::new(pts.clone(), fill.filled()))
        .map_err(err)?;
    let mut ring = pts.clone();
    ring.push(pts[0]);
    root.draw(&PathElement::new(ring, colour.stroke_width(stroke)))
        .map_err(err)
}

fn draw_line<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    path: &[(f64, f64)],
    pattern: &[f64],
    colour: RGBColor,
    s: f64,
) -> Outcome {
    let scaled: Vec<f64> = pattern.iter().map(|p| p * s).collect();
    let width = (metrics::LINE * s).round().max(1.0) as u32;
    for seg in dash_segments(path, &scaled) {
        let pts: Vec<(i32, i32)> = seg.iter().map(|&(x, y)| (px(x), px(y))).collect();
        root.draw(&PathElement::new(pts, colour.stroke_width(width)))
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Draws `fig` on `root` at `s` pixels per point.
pub(super) fn draw<DB: DrawingBackend>(
    fig: &Figure,
    root: &DrawingArea<DB, Shift>,
    s: f64,
) -> Outcome {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(err)?;
    let l = layout(fig, fig.legend);
    let (pl, pt, pr, pb) = (l.plot.0 * s, l.plot.1 * s, l.plot.2 * s, l.plot.3 * s);
    let to_px = |(x, y): (f64, f64)| -> Option<(f64, f64)> {
        let u = fig.x.fraction(x)?;
        let v = fig.y.fraction(y)?;
        Some((pl + u * (pr - pl), pb - v * (pb - pt)))
    };
    let font = |size: f64| ("sans-serif", size * s).into_font();
    let text = |size: f64, h: HPos, v: VPos| {
        TextStyle::from(font(size))
            .color(&BLACK)
            .pos(Pos::new(h, v))
    };
    let thin = (0.6 * s).round().max(1.0) as u32;
    let grid = RGBColor(225, 225, 225);

    // Grid at labelled ticks, then the frame.
    for t in fig.x.ticks.iter().filter(|t| t.label.is_some()) {
        if let Some(u) = fig.x.fraction(t.value) {
            let x = px(pl + u * (pr - pl));
            root.draw(&PathElement::new(
                vec![(x, px(pt)), (x, px(pb))],
                grid.stroke_width(thin),
            ))
            .map_err(err)?;
        }
    }
    for t in fig.y.ticks.iter().filter(|t| t.label.is_some()) {
        if let Some(v) = fig.y.fraction(t.value) {
            let y = px(pb - v * (pb - pt));
            root.draw(&PathElement::new(
                vec![(px(pl), y), (px(pr), y)],
                grid.stroke_width(thin),
            ))
            .map_err(err)?;
        }
    }
    root.draw(&Rectangle::new(
        [(px(pl), px(pt)), (px(pr), px(pb))],
        BLACK.stroke_width(thin),
    ))
    .map_err(err)?;

    // Ticks and their labels.
    for t in &fig.x.ticks {
        let Some(u) = fig.x.fraction(t.value) else {
            continue;
        };
        let x = px(pl + u * (pr - pl));
        let len = if t.label.is_some() { 4.0 } else { 2.0 } * s;
        root.draw(&PathElement::new(
            vec![(x, px(pb)), (x, px(pb + len))],
            BLACK.stroke_width(thin),
        ))
        .map_err(err)?;
        if let Some(label) = &t.label {
            root.draw(&Text::new(
                label.clone(),
                (x, px(pb + 5.0 * s)),
                text(metrics::FONT, HPos::Center, VPos::Top),
            ))
            .map_err(err)?;
        }
    }
    for t in &fig.y.ticks {
        let Some(v) = fig.y.fraction(t.value) else {
            continue;
        };
        let y = px(pb - v * (pb - pt));
        let len = if t.label.is_some() { 4.0 } else { 2.0 } * s;
        root.draw(&PathElement::new(
            vec![(px(pl - len), y), (px(pl), y)],
            BLACK.stroke_width(thin),
        ))
        .map_err(err)?;
        if let Some(label) = &t.label {
            root.draw(&Text::new(
                label.clone(),
                (px(pl - 6.0 * s), y),
                text(metrics::FONT, HPos::Right, VPos::Center),
            ))
            .map_err(err)?;
        }
    }

    // Axis labels, title, notes.
    let xlab_y = pb + (5.0 + metrics::FONT * 1.4) * s;
    root.draw(&Text::new(
        fig.x.label.clone(),
        (px((pl + pr) / 2.0), px(xlab_y)),
        text(metrics::LABEL_FONT, HPos::Center, VPos::Top),
    ))
    .map_err(err)?;
    root.draw(&Text::new(
        fig.y.label.clone(),
        (px(6.0 * s), px((pt + pb) / 2.0)),
        text(metrics::LABEL_FONT, HPos::Center, VPos::Top).transform(FontTransform::Rotate270),
    ))
    .map_err(err)?;
    if !fig.title.is_empty() {
        let (w, _) = fig.options.size_pt();
        root.draw(&Text::new(
            fig.title.clone(),
            (px(w * s / 2.0), px(5.0 * s)),
            text(metrics::TITLE_FONT, HPos::Center, VPos::Top),
        ))
        .map_err(err)?;
    }
    for (k, note) in fig.notes.iter().enumerate() {
        let y = (l.notes_top + k as f64 * metrics::FONT * 1.3) * s;
        root.draw(&Text::new(
            note.clone(),
            (px(pl), px(y)),
            TextStyle::from(font(metrics::FONT))
                .color(&RGBColor(60, 60, 60))
                .pos(Pos::new(HPos::Left, VPos::Top)),
        ))
        .map_err(err)?;
    }

    // Series: error bars, lines, markers.
    let n_series = fig.series.len();
    for (k, ser) in fig.series.iter().enumerate() {
        draw_series(root, ser, k, n_series, s, &to_px)?;
    }

    // Legend.
    if let Some((x0, y0, x1, y1)) = l.legend {
        let (x0, y0, x1, y1) = (x0 * s, y0 * s, x1 * s, y1 * s);
        root.draw(&Rectangle::new(
            [(px(x0), px(y0)), (px(x1), px(y1))],
            WHITE.filled(),
        ))
        .map_err(err)?;
        root.draw(&Rectangle::new(
            [(px(x0), px(y0)), (px(x1), px(y1))],
            RGBColor(150, 150, 150).stroke_width(thin),
        ))
        .map_err(err)?;
        let row = metrics::ROW * metrics::FONT * s;
        let (cols, col_w) = l.columns;
        for (i, ser) in fig
            .series
            .iter()
            .filter(|x| !x.label.is_empty())
            .enumerate()
        {
            let (r, c) = (i / cols.max(1), i % cols.max(1));
            let y = y0 + metrics::PAD * s + (r as f64 + 0.5) * row;
            let xc = x0 + c as f64 * col_w * s;
            let (a, b) = (
                xc + metrics::PAD * s,
                xc + (metrics::PAD + metrics::SAMPLE) * s,
            );
            let colour = rgb(&ser.look);
            if let Some(d) = ser.look.dash {
                draw_line(root, &[(a, y), (b, y)], d.0, colour, s)?;
            }
            if let Some(m) = ser.look.marker {
                draw_marker(root, ((a + b) / 2.0, y), m, colour, metrics::MARKER * s, s)?;
            }
            root.draw(&Text::new(
                ser.label.clone(),
                (px(b + 5.0 * s), px(y)),
                text(metrics::FONT, HPos::Left, VPos::Center),
            ))
            .map_err(err)?;
        }
    }
    root.present().map_err(err)
}

fn draw_series<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    ser: &DrawnSeries,
    k: usize,
    n_series: usize,
    s: f64,
    to_px: &dyn Fn((f64, f64)) -> Option<(f64, f64)>,
) -> Outcome {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let colour = rgb(&ser.look);
    let thin = (0.9 * s).round().max(1.0) as u32;
    if let Some(errs) = &ser.errors {
        let cap = metrics::CAP * s;
        for (&(x, _), &(lo, hi)) in ser.points.iter().zip(errs) {
            let (Some(a), Some(b)) = (to_px((x, lo)), to_px((x, hi))) else {
                continue;
            };
            if (a.1 - b.1).abs() < 0.5 {
                continue;
            }
            for path in [
                vec![(px(a.0), px(a.1)), (px(b.0), px(b.1))],
                vec![(px(a.0 - cap), px(a.1)), (px(a.0 + cap), px(a.1))],
                vec![(px(b.0 - cap), px(b.1)), (px(b.0 + cap), px(b.1))],
            ] {
                root.draw(&PathElement::new(path, colour.stroke_width(thin)))
                    .map_err(err)?;
            }
        }
    }
    let data: Vec<(f64, f64)> = ser.points.iter().filter_map(|&p| to_px(p)).collect();
    if let Some(d) = ser.look.dash {
        let path = if ser.style == Style::Step {
            step_path(&data)
        } else {
            data.clone()
        };
        draw_line(root, &path, d.0, colour, s)?;
    }
    if let Some(m) = ser.look.marker {
        let r = if ser.style == Style::Points && data.len() > 200 {
            metrics::SMALL_MARKER
        } else {
            metrics::MARKER
        } * s;
        for i in marker_indices(data.len(), k, n_series, ser.style) {
            draw_marker(root, data[i], m, colour, r, s)?;
        }
    }
    Ok(())
}
