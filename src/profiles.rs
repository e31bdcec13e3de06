//! Charts of a gap table: the share of instances solved within gap g per solver, and
//! the Dolan-More performance profile of solve times (Dolan and More, "Benchmarking
//! optimization software with performance profiles", Math. Program. 91, 2002).

use crate::gaps::GapTable;
use crate::plot::{Chart, Series, Style};

/// Smallest time used in time ratios (s), so that a solve timed at 0 stays finite.
pub const MIN_TIME_S: f64 = 1e-6;

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

/// Share of instances (with a reference) whose gap (%) is at most g, per solver. A
/// solver without a feasible answer on an instance never reaches it.
#[must_use]
pub fn gap_share(t: &GapTable) -> Chart {
    let with_ref: Vec<_> = t
        .instances
        .iter()
        .filter(|i| i.reference.is_some())
        .collect();
    let mut series: Vec<Series> = t
        .solvers
        .iter()
        .enumerate()
        .map(|(c, s)| {
            let gaps: Vec<f64> = with_ref
                .iter()
                .filter_map(|i| i.per_solver[c].0.map(|g| 100.0 * g))
                .collect();
            Series {
                label: s.clone(),
                points: cumulative_share(&gaps, with_ref.len(), 0.0),
                errors: None,
                style: Style::Step,
            }
        })
        .collect();
    extend_to_common_end(&mut series);
    Chart {
        title: "Share of instances within gap g".into(),
        x_label: "gap g (%)".into(),
        y_label: "share of instances".into(),
        series,
        log_x: false,
        log_y: false,
    }
}

/// Dolan-More performance profile of solve times: for solver s, the share of
/// instances with `t_s / min_s' t_s' <= ratio`, where an instance counts as solved by
/// s when s returned a feasible answer (times floored at [`MIN_TIME_S`]).
#[must_use]
pub fn performance_profile(t: &GapTable) -> Chart {
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
    let mut series: Vec<Series> = t
        .solvers
        .iter()
        .zip(&ratios)
        .map(|(s, r)| Series {
            label: s.clone(),
            points: cumulative_share(r, n, 1.0),
            errors: None,
            style: Style::Step,
        })
        .collect();
    extend_to_common_end(&mut series);
    Chart {
        title: "Performance profile of solve times".into(),
        x_label: "time ratio to the fastest solver".into(),
        y_label: "share of instances".into(),
        series,
        log_x: true,
        log_y: false,
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
}
