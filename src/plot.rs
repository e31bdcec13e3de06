//! Charts for reports: line, step and scatter series with optional error bars, written
//! as SVG and PNG side by side (plotters; the PNG text uses the embedded DejaVu Sans).
//!
//! Log axes are drawn by plotting `log10` of the values with the axis labelled
//! accordingly, so every chart type shares one code path.

use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::error::{Error, Result};

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Style {
    /// Points joined by straight lines, with markers.
    #[default]
    Line,
    /// A right-continuous step function (cumulative shares, performance profiles).
    Step,
    /// Markers only.
    Points,
}

/// One named series of `(x, y)` points.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Series {
    /// Legend label.
    pub label: String,
    /// Points, in drawing order.
    pub points: Vec<(f64, f64)>,
    /// Optional `(low, high)` error bar per point.
    pub errors: Option<Vec<(f64, f64)>>,
    /// How to draw it.
    pub style: Style,
}

/// A chart: title, axis labels, series and axis scales.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Chart {
    /// Title above the plot.
    pub title: String,
    /// X-axis label.
    pub x_label: String,
    /// Y-axis label.
    pub y_label: String,
    /// The series.
    pub series: Vec<Series>,
    /// Logarithmic x axis (values must be > 0).
    pub log_x: bool,
    /// Logarithmic y axis (values must be > 0).
    pub log_y: bool,
}

static FONT: Once = Once::new();

fn register_font() {
    FONT.call_once(|| {
        // The embedded font always parses; a failure would only lose PNG text.
        let _ = plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            dejavu::sans::regular(),
        );
    });
}

fn palette(k: usize) -> RGBColor {
    const COLORS: [RGBColor; 8] = [
        RGBColor(31, 119, 180),
        RGBColor(255, 127, 14),
        RGBColor(44, 160, 44),
        RGBColor(214, 39, 40),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
        RGBColor(227, 119, 194),
        RGBColor(127, 127, 127),
    ];
    COLORS[k % COLORS.len()]
}

fn plot_err(e: impl std::fmt::Display, path: &Path) -> Error {
    Error::io(path, std::io::Error::other(e.to_string()))
}

impl Chart {
    fn tx(&self, x: f64) -> f64 {
        if self.log_x {
            x.log10()
        } else {
            x
        }
    }
    fn ty(&self, y: f64) -> f64 {
        if self.log_y {
            y.log10()
        } else {
            y
        }
    }

    fn ranges(&self) -> ((f64, f64), (f64, f64)) {
        let mut xs = (f64::INFINITY, f64::NEG_INFINITY);
        let mut ys = (f64::INFINITY, f64::NEG_INFINITY);
        for s in &self.series {
            for (k, &(x, y)) in s.points.iter().enumerate() {
                let (x, y) = (self.tx(x), self.ty(y));
                if !x.is_finite() || !y.is_finite() {
                    continue;
                }
                xs = (xs.0.min(x), xs.1.max(x));
                let (lo, hi) = s
                    .errors
                    .as_ref()
                    .map_or((y, y), |e| (self.ty(e[k].0), self.ty(e[k].1)));
                ys = (ys.0.min(y.min(lo)), ys.1.max(y.max(hi)));
            }
        }
        let pad = |(a, b): (f64, f64)| {
            if !a.is_finite() {
                (0.0, 1.0)
            } else if (b - a).abs() < 1e-12 {
                (a - 0.5, b + 0.5)
            } else {
                (a - 0.05 * (b - a), b + 0.05 * (b - a))
            }
        };
        (pad(xs), pad(ys))
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), String> {
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let ((x0, x1), (y0, y1)) = self.ranges();
        let label = |l: &str, log: bool| {
            if log {
                format!("log10 {l}")
            } else {
                l.to_string()
            }
        };
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, ("sans-serif", 22))
            .margin(12)
            .x_label_area_size(45)
            .y_label_area_size(65)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc(label(&self.x_label, self.log_x))
            .y_desc(label(&self.y_label, self.log_y))
            .label_style(("sans-serif", 14))
            .draw()
            .map_err(|e| e.to_string())?;
        for (k, s) in self.series.iter().enumerate() {
            let color = palette(k);
            let pts: Vec<(f64, f64)> = s
                .points
                .iter()
                .map(|&(x, y)| (self.tx(x), self.ty(y)))
                .filter(|(x, y)| x.is_finite() && y.is_finite())
                .collect();
            let style = ShapeStyle::from(&color).stroke_width(2);
            let anno = match s.style {
                Style::Line => chart
                    .draw_series(LineSeries::new(pts.clone(), style))
                    .map_err(|e| e.to_string())?,
                Style::Step => {
                    let mut stepped = Vec::with_capacity(2 * pts.len());
                    for (w, &(x, y)) in pts.iter().enumerate() {
                        if w > 0 {
                            stepped.push((x, pts[w - 1].1));
                        }
                        stepped.push((x, y));
                    }
                    chart
                        .draw_series(LineSeries::new(stepped, style))
                        .map_err(|e| e.to_string())?
                }
                Style::Points => chart
                    .draw_series(pts.iter().map(|&p| Circle::new(p, 3, color.filled())))
                    .map_err(|e| e.to_string())?,
            };
            anno.label(s.label.clone()).legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
            });
            if s.style == Style::Line {
                chart
                    .draw_series(pts.iter().map(|&p| Circle::new(p, 3, color.filled())))
                    .map_err(|e| e.to_string())?;
            }
            if let Some(errs) = &s.errors {
                let bars = s.points.iter().zip(errs).map(|(&(x, _), &(lo, hi))| {
                    PathElement::new(
                        vec![(self.tx(x), self.ty(lo)), (self.tx(x), self.ty(hi))],
                        color.stroke_width(1),
                    )
                });
                chart.draw_series(bars).map_err(|e| e.to_string())?;
            }
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(("sans-serif", 14))
            .draw()
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())
    }

    /// Writes `<stem>.svg` and `<stem>.png` (900 x 560 pixels) and returns both paths.
    ///
    /// # Errors
    /// [`Error::Io`] when a file cannot be written or drawing fails.
    pub fn save(&self, stem: &Path) -> Result<Vec<PathBuf>> {
        register_font();
        let svg = stem.with_extension("svg");
        let png = stem.with_extension("png");
        {
            let root = SVGBackend::new(&svg, (900, 560)).into_drawing_area();
            self.draw(&root).map_err(|e| plot_err(e, &svg))?;
        }
        {
            let root = BitMapBackend::new(&png, (900, 560)).into_drawing_area();
            self.draw(&root).map_err(|e| plot_err(e, &png))?;
        }
        Ok(vec![svg, png])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_svg_and_png() {
        let dir = tempfile::tempdir().unwrap();
        let chart = Chart {
            title: "t".into(),
            x_label: "N".into(),
            y_label: "time (s)".into(),
            series: vec![
                Series {
                    label: "a".into(),
                    points: vec![(10.0, 1.0), (20.0, 4.0)],
                    errors: Some(vec![(0.5, 1.5), (3.0, 5.0)]),
                    style: Style::Line,
                },
                Series {
                    label: "b".into(),
                    points: vec![(10.0, 2.0), (20.0, 3.0)],
                    errors: None,
                    style: Style::Step,
                },
            ],
            log_x: true,
            log_y: true,
        };
        let files = chart.save(&dir.path().join("c")).unwrap();
        for f in files {
            assert!(
                std::fs::metadata(&f).unwrap().len() > 1000,
                "{}",
                f.display()
            );
        }
    }
}
