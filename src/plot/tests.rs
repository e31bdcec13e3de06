use super::render::{dash_segments, marker_indices};
use super::*;

fn line(label: &str, points: Vec<(f64, f64)>, style: Style) -> Series {
    Series {
        label: label.into(),
        points,
        errors: None,
        style,
    }
}

fn labels(t: &[Tick]) -> Vec<String> {
    t.iter().filter_map(|t| t.label.clone()).collect()
}

#[test]
fn twelve_series_differ_in_colour_marker_and_dash() {
    let chart = Chart {
        series: (0..12)
            .map(|k| {
                line(
                    &format!("s{k}"),
                    vec![(1.0, k as f64), (2.0, k as f64 + 1.0)],
                    Style::Line,
                )
            })
            .collect(),
        ..Chart::default()
    };
    let fig = Plot::from(chart).describe(&RenderOptions::default());
    assert_eq!(fig.series.len(), 12);
    for (i, a) in fig.series.iter().enumerate() {
        for b in &fig.series[i + 1..] {
            assert_ne!(a.look.colour, b.look.colour);
            assert_ne!(a.look.marker, b.look.marker);
            assert_ne!(a.look.dash, b.look.dash);
        }
    }
    // Greyscale: no two colours of the first six have the same lightness within 5 %.
    let lum = |c: (u8, u8, u8)| {
        0.2126 * f64::from(c.0) + 0.7152 * f64::from(c.1) + 0.0722 * f64::from(c.2)
    };
    for w in fig.series[..6].windows(2) {
        assert!((lum(w[0].look.colour) - lum(w[1].look.colour)).abs() > 12.0);
    }
}

#[test]
fn colour_groups_share_a_colour_and_keep_marker_and_dash_apart() {
    let chart = Chart {
        series: vec![
            line("data", vec![(1.0, 1.0)], Style::Points),
            line("fit", vec![(1.0, 1.0), (2.0, 2.0)], Style::Curve),
        ],
        ..Chart::default()
    };
    let fig = Plot {
        chart,
        colour_groups: Some(vec![0, 0]),
        ..Plot::default()
    }
    .describe(&RenderOptions::default());
    assert_eq!(fig.series[0].look.colour, fig.series[1].look.colour);
    assert!(fig.series[0].look.dash.is_none() && fig.series[0].look.marker.is_some());
    assert!(fig.series[1].look.marker.is_none() && fig.series[1].look.dash.is_some());
}

#[test]
fn integer_data_get_integer_ticks() {
    let chart = Chart {
        series: vec![line(
            "a",
            (5..=12).map(|n| (f64::from(n * 10), 0.5)).collect(),
            Style::Line,
        )],
        ..Chart::default()
    };
    let fig = Plot::from(chart).describe(&RenderOptions::default());
    assert_eq!(
        labels(&fig.x.ticks),
        ["50", "60", "70", "80", "90", "100", "110", "120"]
    );
    assert!(fig.x.range.0 < 50.0 && fig.x.range.1 > 120.0);
    assert_eq!(fig.x.scale, Scale::Linear);
    assert_eq!(
        labels(&linear_ticks((0.0, 1.0), false)),
        ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]
    );
    assert_eq!(
        labels(&linear_ticks((-0.3, 0.3), false)),
        ["-0.3", "-0.2", "-0.1", "0.0", "0.1", "0.2", "0.3"]
    );
}

#[test]
fn log_axes_have_ticks_in_data_units() {
    let chart = Chart {
        series: vec![line("t", vec![(25.0, 4e-5), (3200.0, 1.3)], Style::Line)],
        log_x: true,
        log_y: true,
        ..Chart::default()
    };
    let fig = Plot::from(chart).describe(&RenderOptions::default());
    assert_eq!(fig.x.scale, Scale::Log);
    assert_eq!(
        labels(&fig.x.ticks),
        ["50", "100", "200", "500", "1000", "2000"]
    );
    assert_eq!(
        labels(&fig.y.ticks),
        ["10⁻⁴", "10⁻³", "10⁻²", "10⁻¹", "10⁰"]
    );
    assert!(fig.y.range.0 < 4e-5 && fig.y.range.1 > 1.3);
    // Minor ticks at 2..9 times a power of ten, and positions logarithmic.
    assert!(fig
        .x
        .ticks
        .iter()
        .any(|t| t.value == 300.0 && t.label.is_none()));
    let f = |v| fig.x.fraction(v).unwrap();
    assert!(((f(1000.0) - f(100.0)) - (f(100.0) - f(10f64.powf(1.5))) * 2.0).abs() < 1e-9);
    assert_eq!(fig.x.fraction(0.0), None);
    // Short ranges label 2 and 5 too.
    assert_eq!(labels(&log_ticks((1.0, 9.0))), ["1", "2", "5"]);
}

#[test]
fn legend_covers_nothing() {
    // Rising lines fill the upper right and lower left: the legend goes elsewhere.
    let rising = Chart {
        series: (0..3)
            .map(|k| {
                line(
                    &format!("series {k}"),
                    (0..20)
                        .map(|i| (f64::from(i), f64::from(i) + f64::from(k)))
                        .collect(),
                    Style::Line,
                )
            })
            .collect(),
        ..Chart::default()
    };
    let fig = Plot::from(rising).describe(&RenderOptions::default());
    assert!(
        matches!(
            fig.legend,
            LegendPlace::Inside(Corner::UpperLeft | Corner::LowerRight)
        ),
        "{:?}",
        fig.legend
    );
    assert_eq!(legend_overlap(&fig, fig.legend), 0);
    assert!(legend_overlap(&fig, LegendPlace::Inside(Corner::UpperRight)) > 0);
    // A scatter everywhere leaves no corner: outside.
    let cloud = Chart {
        series: vec![line(
            "cloud",
            (0..=30)
                .flat_map(|i| (0..=30).map(move |j| (f64::from(i), f64::from(j))))
                .collect(),
            Style::Points,
        )],
        ..Chart::default()
    };
    let fig = Plot::from(cloud).describe(&RenderOptions::default());
    assert_eq!(fig.legend, LegendPlace::Right);
    let l = layout(&fig, fig.legend);
    assert!(
        l.legend.unwrap().0 > l.plot.2,
        "the legend box lies right of the plot"
    );
    // Long labels go below the plot, in columns.
    let mut wide = Plot::from(Chart {
        series: (0..4)
            .map(|k| {
                line(
                    &format!("a long label for series number {k}, with its details"),
                    (0..=30)
                        .flat_map(|i| (0..=30).map(move |j| (f64::from(i), f64::from(j))))
                        .collect(),
                    Style::Points,
                )
            })
            .collect(),
        ..Chart::default()
    });
    wide.notes.push("a note".into());
    let fig = wide.describe(&RenderOptions::default());
    assert_eq!(fig.legend, LegendPlace::Below);
    let l = layout(&fig, fig.legend);
    let (_, y0, _, y1) = l.legend.unwrap();
    assert!(y0 > l.plot.3 && y1 <= l.notes_top, "{l:?}");
    assert!(l.columns.0 >= 1);
}

#[test]
fn dashes_split_lines_and_markers_spread() {
    let segs = dash_segments(&[(0.0, 0.0), (10.0, 0.0), (10.0, 10.0)], &[2.0, 3.0]);
    let on: f64 = segs
        .iter()
        .map(|s| {
            s.windows(2)
                .map(|w| (w[1].0 - w[0].0).hypot(w[1].1 - w[0].1))
                .sum::<f64>()
        })
        .sum();
    assert!((on - 8.0).abs() < 1e-9, "{on}");
    assert_eq!(dash_segments(&[(0.0, 0.0), (1.0, 1.0)], &[]).len(), 1);
    assert_eq!(marker_indices(5, 0, 3, Style::Step), [0, 1, 2, 3, 4]);
    let a = marker_indices(100, 0, 3, Style::Step);
    let b = marker_indices(100, 1, 3, Style::Step);
    assert_eq!(a.len(), 10);
    assert!(
        a.iter().all(|k| !b.contains(k)),
        "overlaid curves show different markers"
    );
    assert_eq!(marker_indices(300, 0, 1, Style::Points).len(), 300);
}

#[test]
fn bad_sizes_are_errors() {
    let mut o = RenderOptions {
        dpi: 5,
        ..RenderOptions::default()
    };
    assert!(matches!(o.validate(), Err(Error::InvalidField { .. })));
    o = RenderOptions {
        width_in: 0.0,
        ..RenderOptions::default()
    };
    assert!(o.validate().is_err());
}

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
            line("b", vec![(10.0, 2.0), (20.0, 3.0)], Style::Step),
        ],
        log_x: true,
        log_y: true,
    };
    let opts = RenderOptions {
        width_in: 3.0,
        height_in: 2.0,
        dpi: 100,
    };
    let files = Plot::from(chart)
        .save_with(&dir.path().join("c"), &opts)
        .unwrap();
    for f in &files {
        assert!(
            std::fs::metadata(f).unwrap().len() > 1000,
            "{}",
            f.display()
        );
    }
    let svg = std::fs::read_to_string(&files[0]).unwrap();
    assert!(svg.contains("width=\"288\""), "3 in at 96 units per inch");
}
