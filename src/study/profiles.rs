//! Charts of a gap table: the share of instances solved within gap g per solver, and
//! the Dolan-More performance profile of solve times (Dolan and More, "Benchmarking
//! optimization software with performance profiles", Math. Program. 91, 2002).

use crate::plot::{AxisOptions, Chart, Plot, Series, Style, Tick};
use crate::study::gaps::GapTable;

/// Smallest time used in time ratios (s), so that a solve timed at 0 stays finite.
pub const MIN_TIME_S: f64 = 1e-6;

/// Smallest gap (%) the gap-share chart shows: its log axis starts here, and gaps
/// below (answers at the reference) are drawn at it.
pub const GAP_FLOOR_PCT: f64 = 1e-3;

/// The legend label of solver `c`: its name, with the instances it refused or failed
/// on (the reason its curve ends below 1).
fn label_with_misses(t: &GapTable, c: usize) -> String {
    let name = &t.solvers[c];
    let rows = t.rows.iter().filter(|r| &r.solver == name);
    let (refused, failed, total) = rows.fold((0, 0, 0), |(a, b, n), r| {
        (a + r.refused, b + r.failed, n + r.instances)
    });
    let mut parts = Vec::new();
    if refused > 0 {
        parts.push(format!("{refused} refused"));
    }
    if failed > 0 {
        parts.push(format!("{failed} failed"));
    }
    if parts.is_empty() {
        name.clone()
    } else {
        format!("{name} ({} of {total})", parts.join(", "))
    }
}

const MISSES_NOTE: &str = "A curve ending below 1: the solver refused (instance outside its \
     scope, e.g. too large to enumerate) or failed (error, infeasible answer) on the rest; \
     counts in the legend.";

fn share_axis() -> AxisOptions {
    AxisOptions {
        ticks: None,
        include: vec![0.0, 1.0],
    }
}

/// `(x, share)` points of the empirical distribution of `values` over `total`
/// instances (values not present count as never reached): a step at each distinct
/// value, starting from `(start, share at start)`.
#[must_use]
pub fn cumulative_share(values: &[f64], total: usize, start: f64) -> Vec<(f64, f64)> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    let total = total.max(1) as f64;
    let at_start = v.iter().filter(|&&x| x <= start).count();
    let mut pts = vec![(start, at_start as f64 / total)];
    for (k, &x) in v.iter().enumerate() {
        if x > start && (k + 1 == v.len() || v[k + 1] > x) {
            pts.push((x, (k + 1) as f64 / total));
        }
    }
    pts
}

/// Extends every series to the largest x of all, so that each step function runs
/// across the whole chart (a solver at 100 % from the start stays visible).
fn extend_to_common_end(series: &mut [Series]) {
    let end = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0))
        .fold(f64::NEG_INFINITY, f64::max);
    for s in series {
        if let Some(&(x, y)) = s.points.last() {
            if x < end {
                s.points.push((end, y));
            }
        }
    }
}

/// Share of instances (with a reference) whose gap (%) is at most g, per solver, on a
/// log gap axis from [`GAP_FLOOR_PCT`] (gaps of 0 are drawn there) so that 0-5 %
/// takes most of the width. A solver without a feasible answer on an instance never
/// reaches it; its label counts the instances it refused or failed on.
#[must_use]
pub fn gap_share(t: &GapTable) -> Plot {
    let with_ref: Vec<_> = t
        .instances
        .iter()
        .filter(|i| i.reference.is_some())
        .collect();
    let mut series: Vec<Series> = t
        .solvers
        .iter()
        .enumerate()
        .map(|(c, _)| {
            let gaps: Vec<f64> = with_ref
                .iter()
                .filter_map(|i| i.per_solver[c].0.map(|g| (100.0 * g).max(GAP_FLOOR_PCT)))
                .collect();
            Series {
                label: label_with_misses(t, c),
                points: cumulative_share(&gaps, with_ref.len(), GAP_FLOOR_PCT),
                errors: None,
                style: Style::Step,
            }
        })
        .collect();
    extend_to_common_end(&mut series);
    let end = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0))
        .fold(GAP_FLOOR_PCT, f64::max);
    let mut ticks = vec![Tick::major(GAP_FLOOR_PCT, "≤0.001")];
    for (v, l) in [(0.01, "0.01"), (0.1, "0.1"), (1.0, "1"), (5.0, "5")] {
        ticks.push(Tick::major(v, l));
    }
    ticks.push(Tick {
        value: 10.0,
        label: None,
    });
    let mut decade = 100.0;
    while decade <= 1.5 * end {
        ticks.push(Tick::major(decade, format!("{decade}")));
        decade *= 10.0;
    }
    Plot {
        chart: Chart {
            title: "Share of instances within gap g".into(),
            x_label: "gap g (%, log scale)".into(),
            y_label: "share of instances".into(),
            series,
            log_x: true,
            log_y: false,
        },
        x: AxisOptions {
            ticks: Some(ticks),
            include: vec![GAP_FLOOR_PCT, 10.0],
        },
        y: share_axis(),
        colour_groups: None,
        notes: vec![
            "Left edge: gap ≤ 0.001 % (answers at the reference).".into(),
            MISSES_NOTE.into(),
        ],
    }
}

/// Dolan-More performance profile of solve times: for solver s, the share of
/// instances with `t_s / min_s' t_s' <= ratio`, where an instance counts as solved by
/// s when s returned a feasible answer (times floored at [`MIN_TIME_S`]), on a log
/// ratio axis.
#[must_use]
pub fn performance_profile(t: &GapTable) -> Plot {
    let n = t.instances.len();
    let ratios: Vec<Vec<f64>> = (0..t.solvers.len())
        .map(|c| {
            t.instances
                .iter()
                .filter_map(|i| {
                    let best = i
                        .per_solver
                        .iter()
                        .filter(|(g, _)| g.is_some())
                        .filter_map(|&(_, time)| time)
                        .map(|x| x.max(MIN_TIME_S))
                        .min_by(f64::total_cmp)?;
                    let (gap, time) = i.per_solver[c];
                    gap.and(time).map(|x| x.max(MIN_TIME_S) / best)
                })
                .collect()
        })
        .collect();
    let mut series: Vec<Series> = ratios
        .iter()
        .enumerate()
        .map(|(c, r)| Series {
            label: label_with_misses(t, c),
            points: cumulative_share(r, n, 1.0),
            errors: None,
            style: Style::Step,
        })
        .collect();
    extend_to_common_end(&mut series);
    Plot {
        chart: Chart {
            title: "Performance profile of solve times".into(),
            x_label: "time ratio to the fastest solver (log scale)".into(),
            y_label: "share of instances".into(),
            series,
            log_x: true,
            log_y: false,
        },
        x: AxisOptions {
            ticks: None,
            include: vec![1.0, 10.0],
        },
        y: share_axis(),
        colour_groups: None,
        notes: vec![MISSES_NOTE.into()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cumulative_share_steps_at_distinct_values() {
        let pts = cumulative_share(&[0.0, 2.0, 1.0, 2.0], 5, 0.0);
        assert_eq!(pts, vec![(0.0, 0.2), (1.0, 0.4), (2.0, 0.8)]);
        assert_eq!(cumulative_share(&[], 3, 1.0), vec![(1.0, 0.0)]);
    }

    #[test]
    fn gap_share_has_a_log_gap_axis_and_labels_the_refusals() {
        use crate::plot::{RenderOptions, Scale};
        use crate::study::gaps::{ClassKey, InstanceGaps, RefKind, Reference, Row};
        let reference = Some(Reference {
            value: 1.0,
            kind: RefKind::Optimum,
        });
        let inst = |gaps: [Option<f64>; 2]| InstanceGaps {
            instance: "i".into(),
            reference,
            per_solver: gaps.iter().map(|g| (*g, Some(0.01))).collect(),
        };
        let row = |solver: &str, refused| Row {
            class: ClassKey {
                users: 4,
                servers: 2,
                interference: false,
                variants: false,
            },
            instances: 4,
            references: Default::default(),
            solver: solver.into(),
            exact: false,
            solved: 4 - refused,
            failed: 0,
            refused,
            gaps: None,
            time_sgm_s: None,
            proven_optimal: None,
            time_limits: 0,
        };
        let t = GapTable {
            solvers: vec!["heur".into(), "exact".into()],
            rows: vec![row("heur", 0), row("exact", 1)],
            instances: vec![
                inst([Some(0.0), Some(0.0)]),
                inst([Some(0.002), Some(0.0)]),
                inst([Some(0.04), Some(0.0)]),
                inst([Some(1.2), None]),
            ],
            warnings: Vec::new(),
        };
        let fig = gap_share(&t).describe(&RenderOptions::default());
        assert_eq!(fig.x.scale, Scale::Log);
        let labels: Vec<&str> = fig
            .x
            .ticks
            .iter()
            .filter_map(|t| t.label.as_deref())
            .collect();
        assert_eq!(labels, ["≤0.001", "0.01", "0.1", "1", "5", "100"]);
        assert!(fig.x.range.0 < GAP_FLOOR_PCT && fig.x.range.1 > 120.0);
        assert_eq!((fig.y.range.0 < 0.0, fig.y.range.1 > 1.0), (true, true));
        assert_eq!(fig.series.len(), 2);
        assert_eq!(fig.series[0].label, "heur");
        assert_eq!(fig.series[1].label, "exact (1 refused of 4)");
        // The refusing solver's curve ends at 3/4, the other's at 1, both at the end.
        assert_eq!(fig.series[1].points.last().unwrap().1, 0.75);
        assert_eq!(fig.series[0].points.last().unwrap(), &(120.0, 1.0));
        assert_eq!(fig.series[1].points.last().unwrap().0, 120.0);
        assert_ne!(fig.series[0].look, fig.series[1].look);
        assert!(fig.notes.iter().any(|n| n.contains("refused")));
    }
}
