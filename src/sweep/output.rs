//! The sweep's tables (CSV) and figures (the paper's curves, via [`crate::plot`]).

use serde::Serialize;

use super::{instance_seed, Point, Sample, Stat, SweepConfig};
use crate::plot::{Chart, Series, Style};
use crate::solver::{approx_eq, Solver};

/// One solver on one run's instance at one tau: a row of `runs.csv`, in the units of
/// [`points_csv`] (delays in ms per user).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Run {
    /// N.
    pub users: usize,
    /// Run index r (0-based).
    pub run: usize,
    /// The instance's seed, [`instance_seed`]`(base, N, r)`.
    pub seed: u64,
    /// tau.
    pub tau: f64,
    /// Solver name.
    pub algorithm: String,
    /// Accuracy (empty when queries lack correctness).
    pub accuracy: Option<f64>,
    /// Mean delay per user (ms).
    pub delay_ms: f64,
    /// Its communication part (ms).
    pub comm_ms: f64,
    /// Its server computation part (ms).
    pub comp_ms: f64,
    /// Its local computation part (ms).
    pub local_ms: f64,
    /// Offloaded users.
    pub offloaded: f64,
    /// Users forced by tau.
    pub forced: f64,
    /// Objective of (P).
    pub objective: f64,
    /// Solver wall time (ms), not reproducible.
    pub solver_ms: f64,
}

/// The per-run rows of `samples` (one vector per `(N, r)` unit, tau-major then
/// solver), in unit order.
pub(super) fn runs(
    cfg: &SweepConfig,
    units: &[(usize, usize)],
    chosen: &[Box<dyn Solver>],
    samples: &[Vec<Sample>],
) -> Vec<Run> {
    let mut out = Vec::with_capacity(samples.iter().map(Vec::len).sum());
    for (&(users, run), per_unit) in units.iter().zip(samples) {
        for (ti, &tau) in cfg.taus.iter().enumerate() {
            for (a, s) in chosen.iter().enumerate() {
                let x = per_unit[ti * chosen.len() + a];
                out.push(Run {
                    users,
                    run,
                    seed: instance_seed(cfg.seed, users, run),
                    tau,
                    algorithm: s.name().to_string(),
                    accuracy: x.accuracy,
                    delay_ms: 1e3 * x.delay_s,
                    comm_ms: 1e3 * x.comm_s,
                    comp_ms: 1e3 * x.comp_s,
                    local_ms: 1e3 * x.local_s,
                    offloaded: x.offloaded,
                    forced: x.forced,
                    objective: x.objective,
                    solver_ms: 1e3 * x.elapsed_s,
                });
            }
        }
    }
    out
}

/// `runs.csv`: one row per [`Run`], header first (full precision, so a mean of
/// [`points_csv`] is the mean of its rows).
///
/// # Panics
/// Never in practice: every row serialises into memory.
#[must_use]
pub fn runs_csv(runs: &[Run]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in runs {
        w.serialize(r).expect("rows serialise");
    }
    String::from_utf8(w.into_inner().expect("in-memory writer")).expect("CSV is UTF-8")
}

fn push_stat(row: &mut Vec<String>, s: Option<Stat>, scale: f64, decimals: usize) {
    match s {
        Some(s) => {
            row.push(format!("{:.*}", decimals, s.mean * scale));
            row.push(
                s.ci95
                    .map_or(String::new(), |h| format!("{:.*}", decimals, h * scale)),
            );
        }
        None => row.extend([String::new(), String::new()]),
    }
}

fn to_csv(header: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let write = |w: &mut csv::Writer<Vec<u8>>, r: &[String]| {
        w.write_record(r).expect("writing to memory cannot fail");
    };
    write(
        &mut w,
        &header.iter().map(ToString::to_string).collect::<Vec<_>>(),
    );
    for r in &rows {
        write(&mut w, r);
    }
    String::from_utf8(w.into_inner().expect("in-memory writer")).expect("CSV is UTF-8")
}

fn key(p: &Point) -> Vec<String> {
    vec![
        p.users.to_string(),
        p.tau.to_string(),
        p.algorithm.clone(),
        p.runs.to_string(),
    ]
}

/// The reproducible table: one row per point, each quantity as `<name>_mean` and
/// `<name>_ci95` (half-width of the 95 % interval). Delays are in milliseconds per
/// user (`delay_ms` = `comm_ms` + `comp_ms` + `local_ms`), `*_diff_*` are paired
/// differences to the first algorithm; `infeasible_runs` counts the runs whose answer
/// is infeasible for (P) and `forced_local` the users with `alpha > tau` left on the
/// device (both 0 except for baselines that ignore tau), `delay_ms_max_run` the
/// largest mean delay of a single run. Fixed decimals: the same
/// points give the same bytes.
#[must_use]
pub fn points_csv(points: &[Point]) -> String {
    let header = [
        "users",
        "tau",
        "algorithm",
        "runs",
        "accuracy_mean",
        "accuracy_ci95",
        "delay_ms_mean",
        "delay_ms_ci95",
        "comm_ms_mean",
        "comm_ms_ci95",
        "comp_ms_mean",
        "comp_ms_ci95",
        "local_ms_mean",
        "local_ms_ci95",
        "offloaded_mean",
        "offloaded_ci95",
        "forced_mean",
        "forced_ci95",
        "objective_mean",
        "objective_ci95",
        "accuracy_diff_mean",
        "accuracy_diff_ci95",
        "delay_diff_ms_mean",
        "delay_diff_ms_ci95",
        "infeasible_runs",
        "forced_local_mean",
        "forced_local_ci95",
        "delay_ms_max_run",
    ];
    let rows = points
        .iter()
        .map(|p| {
            let mut r = key(p);
            push_stat(&mut r, p.accuracy, 1.0, 5);
            for s in [p.delay_s, p.comm_s, p.comp_s, p.local_s] {
                push_stat(&mut r, Some(s), 1e3, 5);
            }
            push_stat(&mut r, Some(p.offloaded), 1.0, 3);
            push_stat(&mut r, Some(p.forced), 1.0, 3);
            push_stat(&mut r, Some(p.objective), 1.0, 7);
            push_stat(&mut r, p.accuracy_diff, 1.0, 5);
            push_stat(&mut r, Some(p.delay_diff_s), 1e3, 5);
            r.push(p.infeasible_runs.to_string());
            push_stat(&mut r, Some(p.forced_local), 1.0, 3);
            r.push(format!("{:.5}", 1e3 * p.delay_max_run_s));
            r
        })
        .collect();
    to_csv(&header, rows)
}

/// Solver wall times (ms) per point: measured, so not reproducible byte for byte.
#[must_use]
pub fn timing_csv(points: &[Point]) -> String {
    let header = [
        "users",
        "tau",
        "algorithm",
        "runs",
        "solver_ms_mean",
        "solver_ms_ci95",
    ];
    let rows = points
        .iter()
        .map(|p| {
            let mut r = key(p);
            push_stat(&mut r, Some(p.solver_time_s), 1e3, 4);
            r
        })
        .collect();
    to_csv(&header, rows)
}

fn series(label: String, pts: &[&Point], y: impl Fn(&Point) -> Option<Stat>, scale: f64) -> Series {
    let stats: Vec<(f64, Stat)> = pts
        .iter()
        .filter_map(|p| y(p).map(|s| (p.users as f64, s)))
        .collect();
    Series {
        label,
        points: stats.iter().map(|&(x, s)| (x, s.mean * scale)).collect(),
        errors: Some(
            stats
                .iter()
                .map(|&(_, s)| {
                    let (lo, hi) = s.interval();
                    (lo * scale, hi * scale)
                })
                .collect(),
        ),
        style: Style::Line,
    }
}

/// The paper's figures, as `(file stem, chart)`: accuracy and mean delay against N
/// for every algorithm at `plot_tau` (`accuracy_vs_users`, `delay_vs_users`), and the
/// first algorithm (GOA by default) at every tau (`tau_accuracy_vs_users`,
/// `tau_delay_vs_users`). Error bars are the 95 % intervals. Accuracy charts are left
/// out when the points carry no accuracy.
#[must_use]
pub fn charts(points: &[Point], plot_tau: f64) -> Vec<(&'static str, Chart)> {
    let mut algos: Vec<&str> = Vec::new();
    let mut taus: Vec<f64> = Vec::new();
    for p in points {
        if !algos.contains(&p.algorithm.as_str()) {
            algos.push(&p.algorithm);
        }
        if !taus.contains(&p.tau) {
            taus.push(p.tau);
        }
    }
    let Some(&reference) = algos.first() else {
        return Vec::new();
    };
    let runs = points.first().map_or(0, |p| p.runs);
    let select = |a: &str, t: f64| -> Vec<&Point> {
        points
            .iter()
            .filter(|p| p.algorithm == a && approx_eq(p.tau, t))
            .collect()
    };
    let by_algo = |y: &dyn Fn(&Point) -> Option<Stat>, scale: f64| {
        algos
            .iter()
            .map(|a| series((*a).to_string(), &select(a, plot_tau), y, scale))
            .collect::<Vec<_>>()
    };
    let by_tau = |y: &dyn Fn(&Point) -> Option<Stat>, scale: f64| {
        taus.iter()
            .map(|&t| series(format!("tau = {t}"), &select(reference, t), y, scale))
            .collect::<Vec<_>>()
    };
    let chart = |title: String, y_label: &str, series: Vec<Series>| Chart {
        title,
        x_label: "users N".into(),
        y_label: y_label.into(),
        series,
        ..Chart::default()
    };
    let acc = |p: &Point| p.accuracy;
    let delay = |p: &Point| Some(p.delay_s);
    let has_accuracy = points.iter().all(|p| p.accuracy.is_some());
    let mut out = Vec::new();
    if has_accuracy {
        out.push((
            "accuracy_vs_users",
            chart(
                format!("Accuracy, tau = {plot_tau} ({runs} runs, 95% CI)"),
                "accuracy",
                by_algo(&acc, 1.0),
            ),
        ));
    }
    out.push((
        "delay_vs_users",
        chart(
            format!("Mean delay per user, tau = {plot_tau} ({runs} runs, 95% CI)"),
            "mean delay (ms)",
            by_algo(&delay, 1e3),
        ),
    ));
    if has_accuracy {
        out.push((
            "tau_accuracy_vs_users",
            chart(
                format!("{reference} across tau: accuracy"),
                "accuracy",
                by_tau(&acc, 1.0),
            ),
        ));
    }
    out.push((
        "tau_delay_vs_users",
        chart(
            format!("{reference} across tau: mean delay per user"),
            "mean delay (ms)",
            by_tau(&delay, 1e3),
        ),
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::super::tests::on_threads_tiny;
    use super::*;

    #[test]
    fn charts_cover_algorithms_and_taus() {
        let points = on_threads_tiny();
        let charts = charts(&points, 0.5);
        let names: Vec<&str> = charts.iter().map(|(n, _)| *n).collect();
        assert_eq!(
            names,
            [
                "accuracy_vs_users",
                "delay_vs_users",
                "tau_accuracy_vs_users",
                "tau_delay_vs_users"
            ]
        );
        assert_eq!(charts[0].1.series.len(), 5);
        assert_eq!(charts[2].1.series.len(), 2);
        assert!(charts.iter().all(|(_, c)| c
            .series
            .iter()
            .all(|s| s.points.len() == 2 && s.errors.as_ref().unwrap().len() == 2)));
    }

    #[test]
    fn sweep_figures_have_integer_n_ticks_capped_bars_and_distinct_looks() {
        use crate::plot::{LegendPlace, Plot, RenderOptions, Scale};
        let points = on_threads_tiny();
        for (name, chart) in charts(&points, 0.5) {
            let fig = Plot::from(chart).describe(&RenderOptions::default());
            assert_eq!(fig.x.scale, Scale::Linear, "{name}");
            assert!(
                fig.x.ticks.iter().all(|t| t
                    .label
                    .as_deref()
                    .is_some_and(|l| l.parse::<usize>().is_ok())),
                "{name}: {:?}",
                fig.x.ticks
            );
            assert!(fig.x.range.0 < 4.0 && fig.x.range.1 > 7.0);
            let looks: Vec<_> = fig.series.iter().map(|s| s.look).collect();
            for (i, a) in looks.iter().enumerate() {
                assert!(a.marker.is_some() && a.dash.is_some());
                assert!(looks[i + 1..]
                    .iter()
                    .all(|b| b.colour != a.colour && b.marker != a.marker && b.dash != a.dash));
            }
            assert_ne!(fig.legend, LegendPlace::None);
            assert_eq!(crate::plot::legend_overlap(&fig, fig.legend), 0, "{name}");
        }
    }

    #[test]
    fn runs_csv_holds_the_rows_behind_every_mean() {
        let cfg = super::super::tests::tiny_config();
        let (points, runs) = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| super::super::run_with_runs(&cfg, &|| {}))
            .unwrap();
        assert_eq!(runs.len(), points.len() * cfg.runs);
        let text = runs_csv(&runs);
        let mut rd = csv::Reader::from_reader(text.as_bytes());
        let header: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
        assert_eq!(&header[..5], ["users", "run", "seed", "tau", "algorithm"]);
        let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), runs.len());
        let col = |name: &str| header.iter().position(|h| h == name).unwrap();
        for p in &points {
            let delays: Vec<f64> = rows
                .iter()
                .filter(|r| {
                    r[col("users")].parse::<usize>().unwrap() == p.users
                        && r[col("tau")].parse::<f64>().unwrap() == p.tau
                        && r[col("algorithm")] == p.algorithm
                })
                .map(|r| r[col("delay_ms")].parse::<f64>().unwrap())
                .collect();
            assert_eq!(delays.len(), cfg.runs);
            let mean = delays.iter().sum::<f64>() / delays.len() as f64;
            assert!(
                (mean - 1e3 * p.delay_s.mean).abs() <= 1e-9 * mean.abs().max(1.0),
                "{p:?}"
            );
        }
    }
}
