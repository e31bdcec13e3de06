//! Charts for reports in one style, written as SVG and PNG side by side (plotters; the
//! PNG text uses the embedded DejaVu Sans).
//!
//! A chart goes through three stages, so that what a figure shows can be tested
//! without looking at pixels:
//!
//! 1. [`Chart`] (with [`Plot`] for axis ticks, colour groups and notes) is the data:
//!    named series of `(x, y)` points, how each is drawn, which axes are logarithmic.
//! 2. [`Plot::describe`] resolves every choice into a [`Figure`]: axis ranges and
//!    ticks in the data's units ([`Axis`]), one [`Look`] per series (colour, marker,
//!    dash: distinct for up to [`DISTINCT_LOOKS`] series, and readable in greyscale
//!    because marker and dash differ as well as colour), and where the legend goes
//!    ([`LegendPlace`]: the first plot corner it covers nothing in, else outside on
//!    the right).
//! 3. [`Figure::save`] draws the description (module `render`), nothing else.
//!
//! Logarithmic axes are real: positions are `log10` of the values, ticks sit at
//! 1, 10, 100 ... (and 2, 5 on short ranges) and are labelled in the data's units.
//! Integer data on a linear axis get integer ticks. Error bars have caps. PDF is not
//! offered: plotters 0.3 has no PDF backend without a system library (cairo).

use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::prelude::*;

use crate::error::{Error, Result};

mod render;

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Style {
    /// Points joined by straight lines, with markers.
    #[default]
    Line,
    /// A right-continuous step function (cumulative shares, performance profiles),
    /// with markers on some of its steps.
    Step,
    /// Markers only (a scatter).
    Points,
    /// A line without markers (a fitted curve).
    Curve,
}

impl Style {
    /// Whether the series draws a line (and so has a dash pattern).
    #[must_use]
    pub fn has_line(self) -> bool {
        !matches!(self, Style::Points)
    }
    /// Whether the series draws markers.
    #[must_use]
    pub fn has_markers(self) -> bool {
        !matches!(self, Style::Curve)
    }
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
    /// Logarithmic x axis (values <= 0 are not drawn).
    pub log_x: bool,
    /// Logarithmic y axis (values <= 0 are not drawn).
    pub log_y: bool,
}

/// Choices for one axis beyond the data.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AxisOptions {
    /// Fixed ticks (default: computed from the range).
    pub ticks: Option<Vec<Tick>>,
    /// Values the range must include (e.g. 0 and 1 for a share).
    pub include: Vec<f64>,
}

/// A chart with the choices its data cannot carry.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Plot {
    /// The data.
    pub chart: Chart,
    /// X axis choices.
    pub x: AxisOptions,
    /// Y axis choices.
    pub y: AxisOptions,
    /// Colour group per series: series with equal groups share a colour (a fit and
    /// its data); `None`: every series its own colour.
    pub colour_groups: Option<Vec<usize>>,
    /// Lines printed under the plot (what a plateau or a mark means).
    pub notes: Vec<String>,
}

impl From<Chart> for Plot {
    fn from(chart: Chart) -> Self {
        Plot {
            chart,
            ..Plot::default()
        }
    }
}

/// Size of the written figures.
///
/// # Default
/// 6.4 x 4 inches, 150 dots per inch (a 960 x 600 PNG); the SVG is 96 units per inch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RenderOptions {
    /// Width (inches).
    pub width_in: f64,
    /// Height (inches).
    pub height_in: f64,
    /// Resolution of the PNG (dots per inch).
    pub dpi: u32,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            width_in: 6.4,
            height_in: 4.0,
            dpi: 150,
        }
    }
}

impl RenderOptions {
    /// Checks the sizes.
    ///
    /// # Errors
    /// [`Error::InvalidField`] for a width or height outside (0.5, 40] inches or a
    /// resolution outside [36, 1200] dpi.
    pub fn validate(&self) -> Result<()> {
        let what = "figure option";
        for (field, v) in [("width", self.width_in), ("height", self.height_in)] {
            if !(v > 0.5 && v <= 40.0) {
                return Err(Error::field(what, field, v, "must lie in (0.5, 40] inches"));
            }
        }
        if !(36..=1200).contains(&self.dpi) {
            return Err(Error::field(
                what,
                "dpi",
                self.dpi,
                "must lie in [36, 1200]",
            ));
        }
        Ok(())
    }

    /// Width and height in points (1/72 inch), the unit of the layout.
    #[must_use]
    pub fn size_pt(&self) -> (f64, f64) {
        (72.0 * self.width_in, 72.0 * self.height_in)
    }
}

/// Linear or logarithmic (base 10) axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// Positions proportional to values.
    Linear,
    /// Positions proportional to `log10` of values (values > 0).
    Log,
}

/// A tick: its value in the data's units and its label (`None`: a minor tick).
#[derive(Debug, Clone, PartialEq)]
pub struct Tick {
    /// Position, in data units.
    pub value: f64,
    /// Label; `None` for an unlabelled minor tick.
    pub label: Option<String>,
}

impl Tick {
    /// A labelled tick.
    #[must_use]
    pub fn major(value: f64, label: impl Into<String>) -> Self {
        Tick {
            value,
            label: Some(label.into()),
        }
    }
}

/// A resolved axis.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    /// Label (with units).
    pub label: String,
    /// Scale.
    pub scale: Scale,
    /// Drawn range `(low, high)`, in data units.
    pub range: (f64, f64),
    /// Ticks inside the range.
    pub ticks: Vec<Tick>,
}

impl Axis {
    fn t(&self, v: f64) -> f64 {
        match self.scale {
            Scale::Linear => v,
            Scale::Log => v.log10(),
        }
    }

    /// Position of `v` as a fraction of the axis length (0 at `range.0`, 1 at
    /// `range.1`); `None` for a value a log axis cannot show.
    #[must_use]
    pub fn fraction(&self, v: f64) -> Option<f64> {
        if !v.is_finite() || (self.scale == Scale::Log && v <= 0.0) {
            return None;
        }
        let (a, b) = (self.t(self.range.0), self.t(self.range.1));
        Some((self.t(v) - a) / (b - a))
    }
}

/// Marker shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Circle.
    Circle,
    /// Square.
    Square,
    /// Triangle pointing up.
    TriangleUp,
    /// Diamond.
    Diamond,
    /// Triangle pointing down.
    TriangleDown,
    /// Pentagon.
    Pentagon,
}

/// A marker: shape, filled or hollow (white inside, coloured outline).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Marker {
    /// Shape.
    pub shape: Shape,
    /// Filled (else hollow).
    pub filled: bool,
}

/// A dash pattern: alternating on and off lengths (points); empty = solid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dash(pub &'static [f64]);

/// How one series looks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Look {
    /// Colour (sRGB).
    pub colour: (u8, u8, u8),
    /// Marker (`None` for a line without markers).
    pub marker: Option<Marker>,
    /// Dash of the line (`None` for a scatter).
    pub dash: Option<Dash>,
}

/// Number of series that get pairwise different colours, markers and dashes.
pub const DISTINCT_LOOKS: usize = 12;

/// Colour-blind-safe colours (Okabe and Ito, plus Tol's wine, teal, grey and purple),
/// ordered so that neighbours differ in lightness too.
const COLOURS: [(u8, u8, u8); DISTINCT_LOOKS] = [
    (0, 114, 178),
    (230, 159, 0),
    (213, 94, 0),
    (86, 180, 233),
    (0, 0, 0),
    (204, 121, 167),
    (0, 158, 115),
    (136, 34, 85),
    (153, 153, 51),
    (170, 68, 153),
    (68, 170, 153),
    (119, 119, 119),
];

const MARKERS: [Marker; DISTINCT_LOOKS] = {
    const fn m(shape: Shape, filled: bool) -> Marker {
        Marker { shape, filled }
    }
    [
        m(Shape::Circle, true),
        m(Shape::Square, false),
        m(Shape::TriangleUp, true),
        m(Shape::Diamond, false),
        m(Shape::TriangleDown, true),
        m(Shape::Pentagon, false),
        m(Shape::Circle, false),
        m(Shape::Square, true),
        m(Shape::TriangleUp, false),
        m(Shape::Diamond, true),
        m(Shape::TriangleDown, false),
        m(Shape::Pentagon, true),
    ]
};

const DASHES: [Dash; DISTINCT_LOOKS] = [
    Dash(&[]),
    Dash(&[6.0, 3.0]),
    Dash(&[1.5, 2.0]),
    Dash(&[8.0, 2.5, 1.5, 2.5]),
    Dash(&[3.0, 3.0]),
    Dash(&[12.0, 3.0]),
    Dash(&[8.0, 2.5, 1.5, 2.5, 1.5, 2.5]),
    Dash(&[4.5, 1.5]),
    Dash(&[12.0, 3.0, 3.0, 3.0]),
    Dash(&[1.5, 4.5]),
    Dash(&[16.0, 3.0, 1.5, 3.0]),
    Dash(&[3.0, 1.5, 1.5, 1.5]),
];

/// The look of series `k` in colour group `group`: colour from the group, marker and
/// dash from `k` (each cycling after [`DISTINCT_LOOKS`]); a scatter has no dash and a
/// curve no marker.
#[must_use]
pub fn look(k: usize, group: usize, style: Style) -> Look {
    Look {
        colour: COLOURS[group % DISTINCT_LOOKS],
        marker: style.has_markers().then_some(MARKERS[k % DISTINCT_LOOKS]),
        dash: style.has_line().then_some(DASHES[k % DISTINCT_LOOKS]),
    }
}

/// A plot corner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Corner {
    /// Upper right.
    UpperRight,
    /// Upper left.
    UpperLeft,
    /// Lower right.
    LowerRight,
    /// Lower left.
    LowerLeft,
}

/// Where the legend goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegendPlace {
    /// Inside the plot, in a corner where it covers no point, line or bar.
    Inside(Corner),
    /// Outside the plot, on its right (no corner was free, and the legend is
    /// narrow).
    Right,
    /// Outside the plot, under the x axis label, in columns (no corner was free, and
    /// the legend is too wide for the right side).
    Below,
    /// No legend (no labelled series).
    None,
}

/// A series as drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct DrawnSeries {
    /// Legend label.
    pub label: String,
    /// Points (data units).
    pub points: Vec<(f64, f64)>,
    /// Error bars (data units).
    pub errors: Option<Vec<(f64, f64)>>,
    /// How it is drawn.
    pub style: Style,
    /// Its look.
    pub look: Look,
}

/// Everything a figure shows, resolved: the description [`Figure::save`] draws.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// Title.
    pub title: String,
    /// X axis.
    pub x: Axis,
    /// Y axis.
    pub y: Axis,
    /// Series, in drawing order.
    pub series: Vec<DrawnSeries>,
    /// Legend position.
    pub legend: LegendPlace,
    /// Lines under the plot.
    pub notes: Vec<String>,
    /// Size.
    pub options: RenderOptions,
}

/// Font sizes (points) and the layout's fixed lengths.
pub(crate) mod metrics {
    /// Tick labels, legend, notes.
    pub const FONT: f64 = 9.0;
    /// Axis labels.
    pub const LABEL_FONT: f64 = 10.0;
    /// Title.
    pub const TITLE_FONT: f64 = 11.0;
    /// Estimated width of one character, as a share of the font size (DejaVu Sans
    /// averages about 0.5 on these labels; a little more keeps the estimate safe).
    pub const CHAR_WIDTH: f64 = 0.54;
    /// Height of one legend row, as a multiple of the font size.
    pub const ROW: f64 = 1.35;
    /// Length of the line sample in the legend.
    pub const SAMPLE: f64 = 24.0;
    /// Padding inside the legend box.
    pub const PAD: f64 = 4.0;
    /// Gap between the legend box and the plot's frame.
    pub const INSET: f64 = 4.0;
    /// Marker radius.
    pub const MARKER: f64 = 2.7;
    /// Marker radius of a large scatter (more than 200 points).
    pub const SMALL_MARKER: f64 = 1.6;
    /// Half-width of an error bar's cap.
    pub const CAP: f64 = 3.0;
    /// Line width.
    pub const LINE: f64 = 1.2;
}

/// The plot area and legend box, in points from the top-left corner.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Layout {
    /// Plot area: left, top, right, bottom.
    pub plot: (f64, f64, f64, f64),
    /// Legend box: left, top, right, bottom (when there is a legend).
    pub legend: Option<(f64, f64, f64, f64)>,
    /// Legend columns, and the width of one column.
    pub columns: (usize, f64),
    /// Top of the first note line.
    pub notes_top: f64,
}

fn text_width(s: &str, font: f64) -> f64 {
    s.chars().count() as f64 * metrics::CHAR_WIDTH * font
}

/// Width of one legend entry and the number of labelled series.
fn legend_entry(series: &[DrawnSeries]) -> Option<(f64, usize)> {
    let labelled: Vec<&DrawnSeries> = series.iter().filter(|s| !s.label.is_empty()).collect();
    if labelled.is_empty() {
        return None;
    }
    let w = labelled
        .iter()
        .map(|s| text_width(&s.label, metrics::FONT))
        .fold(0.0, f64::max);
    Some((metrics::SAMPLE + 5.0 + w, labelled.len()))
}

/// Size of a legend box of one column.
fn legend_size(series: &[DrawnSeries]) -> Option<(f64, f64)> {
    let (w, n) = legend_entry(series)?;
    Some((
        2.0 * metrics::PAD + w,
        2.0 * metrics::PAD + n as f64 * metrics::ROW * metrics::FONT,
    ))
}

/// The layout of `fig` with its legend at `place`.
pub(crate) fn layout(fig: &Figure, place: LegendPlace) -> Layout {
    use metrics::{FONT, INSET, LABEL_FONT, TITLE_FONT};
    let (w, h) = fig.options.size_pt();
    let top = 6.0
        + if fig.title.is_empty() {
            0.0
        } else {
            TITLE_FONT * 1.6
        };
    let ytick = fig
        .y
        .ticks
        .iter()
        .filter_map(|t| t.label.as_deref())
        .map(|l| text_width(l, FONT))
        .fold(0.0, f64::max);
    let left = 6.0 + LABEL_FONT * 1.4 + ytick + 6.0;
    let notes_h = fig.notes.len() as f64 * FONT * 1.3;
    let mut bottom = h - 6.0 - FONT * 1.5 - LABEL_FONT * 1.5 - notes_h;
    let size = legend_size(&fig.series);
    let mut right = w - 10.0;
    let mut columns = (1, size.map_or(0.0, |s| s.0 - 2.0 * metrics::PAD));
    let mut notes_top = h - 4.0 - notes_h;
    let legend = match (place, size) {
        (LegendPlace::None, _) | (_, None) => None,
        (LegendPlace::Below, Some(_)) => {
            let (ew, n) = legend_entry(&fig.series).unwrap_or((1.0, 1));
            let col_w = ew + 10.0;
            let cols = (((w - 16.0 - 2.0 * metrics::PAD) / col_w).floor() as usize).clamp(1, n);
            let rows = n.div_ceil(cols);
            let lh = 2.0 * metrics::PAD + rows as f64 * metrics::ROW * FONT;
            let lw = 2.0 * metrics::PAD + cols as f64 * col_w - 10.0;
            bottom -= lh + 4.0;
            columns = (cols, col_w);
            let y0 = bottom + FONT * 1.5 + LABEL_FONT * 1.5 + 4.0;
            notes_top = y0 + lh + 3.0;
            let x0 = ((w - lw) / 2.0).max(8.0);
            Some((x0, y0, x0 + lw, y0 + lh))
        }
        (LegendPlace::Right, Some((lw, lh))) => {
            right = w - 8.0 - lw - 8.0;
            Some((w - 8.0 - lw, top, w - 8.0, top + lh))
        }
        (LegendPlace::Inside(c), Some((lw, lh))) => {
            let (x0, x1) = match c {
                Corner::UpperRight | Corner::LowerRight => (right - INSET - lw, right - INSET),
                Corner::UpperLeft | Corner::LowerLeft => (left + INSET, left + INSET + lw),
            };
            let (y0, y1) = match c {
                Corner::UpperRight | Corner::UpperLeft => (top + INSET, top + INSET + lh),
                Corner::LowerRight | Corner::LowerLeft => (bottom - INSET - lh, bottom - INSET),
            };
            Some((x0, y0, x1, y1))
        }
    };
    Layout {
        plot: (left, top, right, bottom),
        legend,
        columns,
        notes_top,
    }
}

/// Points along everything a series draws, as plot fractions `(u, v)` (v upwards):
/// its points, its lines (sampled) and its error bars.
fn footprint(fig: &Figure, s: &DrawnSeries) -> Vec<(f64, f64)> {
    let at = |(x, y): (f64, f64)| Some((fig.x.fraction(x)?, fig.y.fraction(y)?));
    let pts: Vec<(f64, f64)> = s.points.iter().filter_map(|&p| at(p)).collect();
    let mut out = pts.clone();
    if s.style.has_line() {
        let path = if s.style == Style::Step {
            step_path(&pts)
        } else {
            pts.clone()
        };
        for w in path.windows(2) {
            let (a, b) = (w[0], w[1]);
            let n = ((b.0 - a.0).hypot(b.1 - a.1) / 0.005).ceil().min(400.0) as usize;
            for k in 1..n {
                let t = k as f64 / n as f64;
                out.push((a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1)));
            }
        }
    }
    if let Some(errs) = &s.errors {
        for (&(x, _), &(lo, hi)) in s.points.iter().zip(errs) {
            if let (Some((u, a)), Some((_, b))) = (at((x, lo)), at((x, hi))) {
                for k in 0..=20 {
                    out.push((u, a + (b - a) * f64::from(k) / 20.0));
                }
            }
        }
    }
    out
}

/// Notes broken at spaces into lines of at most `width` points (estimated).
fn wrap_notes(notes: &[String], width: f64) -> Vec<String> {
    let max = ((width / (metrics::CHAR_WIDTH * metrics::FONT)) as usize).max(20);
    let mut out = Vec::new();
    for n in notes {
        let mut line = String::new();
        for w in n.split_whitespace() {
            if !line.is_empty() && line.chars().count() + 1 + w.chars().count() > max {
                out.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(w);
        }
        if !line.is_empty() {
            out.push(line);
        }
    }
    out
}

/// The corners of a right-continuous step function through `pts`.
pub(crate) fn step_path(pts: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut stepped = Vec::with_capacity(2 * pts.len());
    for (w, &(x, y)) in pts.iter().enumerate() {
        if w > 0 {
            stepped.push((x, pts[w - 1].1));
        }
        stepped.push((x, y));
    }
    stepped
}

/// How many footprint points of the figure's series fall inside the legend box at
/// `place` (grown by a marker radius).
#[must_use]
pub fn legend_overlap(fig: &Figure, place: LegendPlace) -> usize {
    let l = layout(fig, place);
    let Some((x0, y0, x1, y1)) = l.legend else {
        return 0;
    };
    let (pl, pt, pr, pb) = l.plot;
    let (pw, ph) = (pr - pl, pb - pt);
    let m = metrics::MARKER + 1.0;
    let (u0, u1) = ((x0 - m - pl) / pw, (x1 + m - pl) / pw);
    let (v0, v1) = ((pb - y1 - m) / ph, (pb - y0 + m) / ph);
    fig.series
        .iter()
        .flat_map(|s| footprint(fig, s))
        .filter(|&(u, v)| u >= u0 && u <= u1 && v >= v0 && v <= v1)
        .count()
}

fn nice_step(span: f64, target: f64, integer: bool) -> f64 {
    let raw = (span / target).max(f64::MIN_POSITIVE);
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|&s| s >= raw * 0.999)
        .unwrap_or(10.0 * mag);
    if integer {
        // 2.5 x 10^k below 10 has no integer neighbour in the series: take 2.
        step.max(1.0).floor()
    } else {
        step
    }
}

fn decimals_for(step: f64) -> usize {
    let mut d = 0;
    while d < 10
        && ((step * 10f64.powi(d as i32)).round() - step * 10f64.powi(d as i32)).abs() > 1e-6
    {
        d += 1;
    }
    d
}

fn fmt_fixed(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    if s.trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        s.trim_start_matches('-').to_string()
    } else {
        s
    }
}

/// Ticks of a linear axis over `range`: multiples of a step of 1, 2, 2.5 or 5 times a
/// power of ten giving five to ten labels; integer steps for integer data.
#[must_use]
pub fn linear_ticks(range: (f64, f64), integer: bool) -> Vec<Tick> {
    let (lo, hi) = range;
    let step = nice_step(hi - lo, 8.0, integer);
    let d = decimals_for(step);
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    (first..=last)
        .map(|k| {
            let v = k as f64 * step;
            Tick::major(v, fmt_fixed(v, d))
        })
        .collect()
}

const SUPERSCRIPT: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];

fn power_of_ten(e: i32) -> String {
    let mut s = String::from("10");
    if e < 0 {
        s.push('⁻');
    }
    for c in e.unsigned_abs().to_string().chars() {
        s.push(SUPERSCRIPT[c.to_digit(10).unwrap_or(0) as usize]);
    }
    s
}

/// Ticks of a logarithmic axis over `range` (both > 0): a labelled tick at each power
/// of ten (every k-th when there are more than eight), unlabelled ones at 2..9 times
/// it, and labels at 2 and 5 times too when the range holds fewer than three powers.
/// Labels are plain numbers when every one lies in [0.001, 10000], else powers of ten.
#[must_use]
pub fn log_ticks(range: (f64, f64)) -> Vec<Tick> {
    let (lo, hi) = range;
    let (e0, e1) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    let inside = |v: f64| v >= lo * (1.0 - 1e-9) && v <= hi * (1.0 + 1e-9);
    let decades = (e0..=e1).filter(|&e| inside(10f64.powi(e))).count();
    let every = decades.div_ceil(8).max(1) as i32;
    let short = decades < 3;
    let mut ticks: Vec<(f64, bool, i32, u32)> = Vec::new();
    for e in e0..=e1 {
        for m in 1..=9u32 {
            let v = f64::from(m) * 10f64.powi(e);
            if !inside(v) {
                continue;
            }
            let labelled = if m == 1 {
                e.rem_euclid(every) == 0 || short
            } else {
                short && (m == 2 || m == 5)
            };
            ticks.push((v, labelled, e, m));
        }
    }
    let plain = ticks
        .iter()
        .filter(|t| t.1)
        .all(|t| (1e-3 * 0.999..=1e4 * 1.001).contains(&t.0));
    ticks
        .into_iter()
        .map(|(v, labelled, e, m)| Tick {
            value: v,
            label: labelled.then(|| {
                if plain {
                    fmt_fixed(v, (-e).max(0) as usize)
                } else if m == 1 {
                    power_of_ten(e)
                } else {
                    format!("{m}·{}", power_of_ten(e))
                }
            }),
        })
        .collect()
}

fn axis(label: &str, log: bool, values: &[f64], opts: &AxisOptions) -> Axis {
    let scale = if log { Scale::Log } else { Scale::Linear };
    let ok = |v: &f64| v.is_finite() && (!log || *v > 0.0);
    let mut vals: Vec<f64> = values.iter().copied().filter(ok).collect();
    vals.extend(opts.include.iter().copied().filter(ok));
    let integer =
        !log && !vals.is_empty() && vals.iter().all(|v| v.fract() == 0.0 && v.abs() < 1e9);
    let (mut lo, mut hi) = vals
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    if !lo.is_finite() {
        (lo, hi) = if log { (1.0, 10.0) } else { (0.0, 1.0) };
    }
    let range = if log {
        let (a, b) = (lo.log10(), hi.log10());
        let (a, b) = if b - a < 1e-9 {
            (a - 0.5, b + 0.5)
        } else {
            (a, b)
        };
        let pad = 0.04 * (b - a);
        (10f64.powf(a - pad), 10f64.powf(b + pad))
    } else if hi - lo < 1e-12 * lo.abs().max(1.0) {
        (lo - 0.5 * lo.abs().max(1.0), hi + 0.5 * hi.abs().max(1.0))
    } else {
        let pad = 0.04 * (hi - lo);
        (lo - pad, hi + pad)
    };
    let ticks = match &opts.ticks {
        Some(t) => t
            .iter()
            .filter(|t| t.value >= range.0 && t.value <= range.1)
            .cloned()
            .collect(),
        None if log => log_ticks(range),
        None => linear_ticks(range, integer),
    };
    Axis {
        label: label.to_string(),
        scale,
        range,
        ticks,
    }
}

impl Plot {
    /// Resolves every drawing choice for figures of size `options`: the axes (range
    /// over every point and error bar, padded by 4 %, plus [`AxisOptions::include`];
    /// ticks), a [`look`] per series and the legend's place: the first of the upper
    /// right, upper left, lower right and lower left corners where the legend box
    /// covers no point, sampled line or error bar (and takes at most 60 % of the plot's
    /// width and height), else outside: on the right when the legend is at most 30 %
    /// of the figure's width, below the plot in columns when wider.
    #[must_use]
    pub fn describe(&self, options: &RenderOptions) -> Figure {
        let c = &self.chart;
        let mut xs = Vec::new();
        let mut ys = Vec::new();
        for s in &c.series {
            for (k, &(x, y)) in s.points.iter().enumerate() {
                xs.push(x);
                ys.push(y);
                if let Some(e) = s.errors.as_ref().and_then(|e| e.get(k)) {
                    ys.extend([e.0, e.1]);
                }
            }
        }
        let series = c
            .series
            .iter()
            .enumerate()
            .map(|(k, s)| {
                let group = self
                    .colour_groups
                    .as_ref()
                    .and_then(|g| g.get(k).copied())
                    .unwrap_or(k);
                DrawnSeries {
                    label: s.label.clone(),
                    points: s.points.clone(),
                    errors: s.errors.clone(),
                    style: s.style,
                    look: look(k, group, s.style),
                }
            })
            .collect();
        let mut fig = Figure {
            title: c.title.clone(),
            x: axis(&c.x_label, c.log_x, &xs, &self.x),
            y: axis(&c.y_label, c.log_y, &ys, &self.y),
            series,
            legend: LegendPlace::Right,
            notes: wrap_notes(&self.notes, options.size_pt().0 - 70.0),
            options: *options,
        };
        fig.legend = if legend_size(&fig.series).is_none() {
            LegendPlace::None
        } else {
            [
                Corner::UpperRight,
                Corner::UpperLeft,
                Corner::LowerRight,
                Corner::LowerLeft,
            ]
            .into_iter()
            .map(LegendPlace::Inside)
            .find(|&p| {
                let l = layout(&fig, p);
                let fits = l.legend.is_some_and(|(x0, y0, x1, y1)| {
                    x1 - x0 < 0.6 * (l.plot.2 - l.plot.0) && y1 - y0 < 0.6 * (l.plot.3 - l.plot.1)
                });
                fits && legend_overlap(&fig, p) == 0
            })
            .unwrap_or_else(|| {
                let (w, _) = options.size_pt();
                match legend_size(&fig.series) {
                    Some((lw, _)) if lw > 0.3 * w => LegendPlace::Below,
                    _ => LegendPlace::Right,
                }
            })
        };
        fig
    }

    /// Writes `<stem>.svg` and `<stem>.png` at `options` and returns both paths.
    ///
    /// # Errors
    /// [`Error::InvalidField`] for bad options, [`Error::Io`] when a file cannot be
    /// written or drawing fails.
    pub fn save_with(&self, stem: &Path, options: &RenderOptions) -> Result<Vec<PathBuf>> {
        options.validate()?;
        self.describe(options).save(stem)
    }
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

fn plot_err(e: impl std::fmt::Display, path: &Path) -> Error {
    Error::io(path, std::io::Error::other(e.to_string()))
}

impl Figure {
    /// Writes `<stem>.svg` (96 units per inch) and `<stem>.png` (at the options'
    /// dpi) and returns both paths.
    ///
    /// # Errors
    /// [`Error::Io`] when a file cannot be written or drawing fails.
    pub fn save(&self, stem: &Path) -> Result<Vec<PathBuf>> {
        register_font();
        let svg = stem.with_extension("svg");
        let png = stem.with_extension("png");
        let (w, h) = self.options.size_pt();
        let px = |scale: f64| ((w * scale).round() as u32, (h * scale).round() as u32);
        {
            let scale = 96.0 / 72.0;
            let root = SVGBackend::new(&svg, px(scale)).into_drawing_area();
            render::draw(self, &root, scale).map_err(|e| plot_err(e, &svg))?;
        }
        {
            let scale = f64::from(self.options.dpi) / 72.0;
            let root = BitMapBackend::new(&png, px(scale)).into_drawing_area();
            render::draw(self, &root, scale).map_err(|e| plot_err(e, &png))?;
        }
        Ok(vec![svg, png])
    }
}

impl Chart {
    /// Writes `<stem>.svg` and `<stem>.png` at the default [`RenderOptions`] and
    /// returns both paths.
    ///
    /// # Errors
    /// [`Error::Io`] when a file cannot be written or drawing fails.
    pub fn save(&self, stem: &Path) -> Result<Vec<PathBuf>> {
        Plot::from(self.clone()).save_with(stem, &RenderOptions::default())
    }
}

#[cfg(test)]
mod tests;
