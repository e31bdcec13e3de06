//! Monte-Carlo sweeps over the number of users N and the threshold tau: the first seed
//! paper's accuracy-delay curves (SPEC 6), as per-point means with 95 % confidence
//! intervals.
//!
//! # Design
//!
//! - **Seeds.** Run `r` at size `N` uses the instance of seed
//!   [`instance_seed`]`(base, N, r)`, so any point can be rerun alone; the random
//!   baseline gets the same seed through [`Limits::seed`].
//! - **Paired comparison.** One instance per `(N, r)` serves every tau (through
//!   [`Instance::with_tau`]) and every solver, so differences between policies or
//!   thresholds are measured on identical users and channels. The `*_diff_*` columns
//!   are the paired differences to the first algorithm (`goa` by default).
//! - **Every solver at every tau.** The baselines depend on tau too: all of them keep
//!   the users with `alpha > tau` offloaded (feasibility for (P)), `random` offloads as
//!   many users as GOA, and `all-edge` places the forced users first. So each point is
//!   `(N, tau, algorithm)`, baselines included; at `tau = 1` nobody is forced and the
//!   baselines are the paper's unconstrained ones.
//! - **Determinism.** Runs are spread over rayon's current pool, but results are
//!   gathered in a fixed order and summed sequentially, so [`points_csv`] has the same
//!   bytes for the same configuration whatever the number of threads. Solver wall
//!   times cannot be reproduced and go to a separate table ([`timing_csv`]).
//! - **Confidence intervals.** `mean +- t_{0.975, R-1} s / sqrt(R)` (Student t, sample
//!   standard deviation `s` over the `R` runs); empty when `R = 1`.

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::generate::{generate, generate_with_queries, GenConfig};
use crate::instance::{Instance, Weights};
use crate::plot::{Chart, Series, Style};
use crate::queries::QuerySet;
use crate::solver::{approx_eq, Limits, Solver};
use crate::solvers;

/// Sweep settings.
///
/// # Default
/// The paper's grid: N = 50, 60, ..., 120; tau = 0.6, 0.7, 0.8, 0.9, 1.0; 500 runs;
/// `goa`, `all-local`, `all-edge`, `random`, `min-delay`; 4 servers; seed 0;
/// uncertainty weights; interference on; synthetic queries.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepConfig {
    /// Numbers of users N (each >= 1).
    pub users: Vec<usize>,
    /// Thresholds tau (each in \[0,1\]).
    pub taus: Vec<f64>,
    /// Monte-Carlo runs per point (>= 1).
    pub runs: usize,
    /// Solver names (registry, [`solvers::by_name`]); the first is the reference of
    /// the paired differences.
    pub algorithms: Vec<String>,
    /// Servers M.
    pub servers: usize,
    /// Base seed.
    pub seed: u64,
    /// Delay weights.
    pub weights: Weights,
    /// Inter-cell interference.
    pub interference: bool,
    /// Measured queries to draw users from (`None`: the synthetic generator's).
    pub queries: Option<QuerySet>,
}

impl Default for SweepConfig {
    fn default() -> Self {
        SweepConfig {
            users: (50..=120).step_by(10).collect(),
            taus: vec![0.6, 0.7, 0.8, 0.9, 1.0],
            runs: 500,
            algorithms: ["goa", "all-local", "all-edge", "random", "min-delay"]
                .map(String::from)
                .to_vec(),
            servers: 4,
            seed: 0,
            weights: Weights::Uncertainty,
            interference: true,
            queries: None,
        }
    }
}

/// SplitMix64's output function (Steele, Lea and Flood 2014): a portable 64-bit mixer.
#[must_use]
pub fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The seed of run `run` at `users` users: `splitmix64(splitmix64(splitmix64(base) ^
/// users) ^ run)`. The same on every platform; `llm-offload generate --seed` with it
/// regenerates the run's instance.
#[must_use]
pub fn instance_seed(base: u64, users: usize, run: usize) -> u64 {
    splitmix64(splitmix64(splitmix64(base) ^ users as u64) ^ run as u64)
}

/// The instance of run `run` at `users` users, with tau = `tau`.
///
/// # Errors
/// As [`generate`].
pub fn instance(cfg: &SweepConfig, users: usize, run: usize, tau: f64) -> Result<Instance> {
    let gen = GenConfig {
        users,
        servers: cfg.servers,
        seed: instance_seed(cfg.seed, users, run),
        tau,
        weights: cfg.weights,
        interference: cfg.interference,
        ..GenConfig::default()
    };
    match &cfg.queries {
        Some(q) => generate_with_queries(&gen, q),
        None => generate(&gen),
    }
}

/// What one solver gave on one instance.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Sample {
    accuracy: Option<f64>,
    delay_s: f64,
    comm_s: f64,
    comp_s: f64,
    local_s: f64,
    offloaded: f64,
    forced: f64,
    objective: f64,
    elapsed_s: f64,
}

/// A mean and the half-width of its 95 % confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stat {
    /// Sample mean.
    pub mean: f64,
    /// Half-width of the 95 % interval (`None` for a single run).
    pub ci95: Option<f64>,
}

impl Stat {
    /// Mean and Student-t interval of `xs` (summed in order).
    ///
    /// # Panics
    /// When `xs` is empty (a caller bug).
    #[must_use]
    pub fn of(xs: &[f64]) -> Stat {
        assert!(!xs.is_empty(), "a statistic needs at least one sample");
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let ci95 = (xs.len() > 1).then(|| {
            let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0);
            t975(xs.len() - 1) * (var / n).sqrt()
        });
        Stat { mean, ci95 }
    }

    /// `(mean - ci95, mean + ci95)`, or `(mean, mean)` without an interval.
    #[must_use]
    pub fn interval(&self) -> (f64, f64) {
        let h = self.ci95.unwrap_or(0.0);
        (self.mean - h, self.mean + h)
    }
}

/// The 0.975 quantile of Student's t with `df` degrees of freedom: tabulated to three
/// decimals for `df <= 30`, beyond by the Cornish-Fisher expansion in `1/df` (error
/// below 1e-4 there).
///
/// # Panics
/// When `df == 0`.
#[must_use]
pub fn t975(df: usize) -> f64 {
    const TABLE: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    assert!(df > 0, "Student t needs df >= 1");
    if df <= TABLE.len() {
        return TABLE[df - 1];
    }
    let z: f64 = 1.959_963_984_540_054;
    let v = df as f64;
    let (z3, z5, z7) = (z.powi(3), z.powi(5), z.powi(7));
    z + (z3 + z) / (4.0 * v)
        + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * v * v)
        + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * v * v * v)
}

/// One point of the sweep: an algorithm at `(N, tau)` over the runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// N.
    pub users: usize,
    /// tau.
    pub tau: f64,
    /// Solver name.
    pub algorithm: String,
    /// Runs averaged.
    pub runs: usize,
    /// Accuracy `(1/N) sum_i a_i(x)`; `None` when queries lack correctness.
    pub accuracy: Option<Stat>,
    /// Mean delay per user (s).
    pub delay_s: Stat,
    /// Its communication part (s per user).
    pub comm_s: Stat,
    /// Its server computation part (s per user).
    pub comp_s: Stat,
    /// Its local computation part (s per user).
    pub local_s: Stat,
    /// Offloaded users.
    pub offloaded: Stat,
    /// Users forced by tau (`alpha > tau`), the same for every algorithm.
    pub forced: Stat,
    /// Objective of (P).
    pub objective: Stat,
    /// Paired difference of accuracy to the first algorithm, run by run.
    pub accuracy_diff: Option<Stat>,
    /// Paired difference of mean delay (s) to the first algorithm.
    pub delay_diff_s: Stat,
    /// Solver wall time (s), not reproducible.
    pub solver_time_s: Stat,
}

fn check(cfg: &SweepConfig) -> Result<Vec<Box<dyn Solver>>> {
    let what = "sweep setting";
    if cfg.users.is_empty() {
        return Err(Error::field(what, "users", "[]", "needs at least one size"));
    }
    if let Some(n) = cfg.users.iter().find(|&&n| n == 0) {
        return Err(Error::field(what, "users", n, "must be >= 1"));
    }
    if cfg.taus.is_empty() {
        return Err(Error::field(
            what,
            "tau",
            "[]",
            "needs at least one threshold",
        ));
    }
    if let Some(t) = cfg.taus.iter().find(|t| !(0.0..=1.0).contains(*t)) {
        return Err(Error::field(what, "tau", t, "must lie in [0, 1]"));
    }
    if cfg.runs == 0 {
        return Err(Error::field(what, "runs", 0, "must be >= 1"));
    }
    if cfg.algorithms.is_empty() {
        return Err(Error::field(
            what,
            "algo",
            "[]",
            "needs at least one solver",
        ));
    }
    cfg.algorithms.iter().map(|a| solvers::by_name(a)).collect()
}

/// Runs the sweep on rayon's current thread pool (wrap the call in
/// `ThreadPool::install` to choose the threads). `progress` is called once per
/// finished `(N, run)` (every tau and solver on one instance).
///
/// Points come in the order N, then tau, then algorithm, as configured.
///
/// # Errors
/// [`Error::InvalidField`] for an empty or out-of-range grid or zero runs,
/// [`Error::UnknownSolver`], generator errors, a solver's error, and
/// [`Error::SolverFailed`] when a solver returns an assignment infeasible for (P).
pub fn run(cfg: &SweepConfig, progress: &(dyn Fn() + Sync)) -> Result<Vec<Point>> {
    let chosen = check(cfg)?;
    let units: Vec<(usize, usize)> = cfg
        .users
        .iter()
        .flat_map(|&n| (0..cfg.runs).map(move |r| (n, r)))
        .collect();
    let samples: Vec<Vec<Sample>> = units
        .par_iter()
        .map(|&(n, r)| {
            let base = instance(cfg, n, r, cfg.taus[0])?;
            let limits = Limits {
                seed: instance_seed(cfg.seed, n, r),
                ..Limits::default()
            };
            let mut out = Vec::with_capacity(cfg.taus.len() * chosen.len());
            for &tau in &cfg.taus {
                let inst = base.with_tau(tau)?;
                let forced = inst.forced_users().count() as f64;
                for s in &chosen {
                    let o = s.solve(&inst, &limits)?;
                    let e = &o.evaluation;
                    if !e.feasible() {
                        return Err(Error::SolverFailed {
                            solver: s.name(),
                            reason: format!("infeasible assignment on {}", inst.name),
                        });
                    }
                    out.push(Sample {
                        accuracy: e.accuracy,
                        delay_s: e.mean_delay_s,
                        comm_s: e.mean_comm_s,
                        comp_s: e.mean_comp_s,
                        local_s: e.mean_local_s,
                        offloaded: e.offloaded as f64,
                        forced,
                        objective: e.objective,
                        elapsed_s: o.elapsed_s,
                    });
                }
            }
            progress();
            Ok(out)
        })
        .collect::<Result<_>>()?;
    let n_algo = chosen.len();
    let mut points = Vec::with_capacity(cfg.users.len() * cfg.taus.len() * n_algo);
    for (ni, &users) in cfg.users.iter().enumerate() {
        let runs = &samples[ni * cfg.runs..(ni + 1) * cfg.runs];
        for (ti, &tau) in cfg.taus.iter().enumerate() {
            let at =
                |a: usize| -> Vec<Sample> { runs.iter().map(|s| s[ti * n_algo + a]).collect() };
            let reference = at(0);
            for (a, s) in chosen.iter().enumerate() {
                let xs = at(a);
                let stat =
                    |f: &dyn Fn(&Sample) -> f64| Stat::of(&xs.iter().map(f).collect::<Vec<_>>());
                let acc: Option<Vec<f64>> = xs.iter().map(|x| x.accuracy).collect();
                let ref_acc: Option<Vec<f64>> = reference.iter().map(|x| x.accuracy).collect();
                let delay_diff: Vec<f64> = xs
                    .iter()
                    .zip(&reference)
                    .map(|(x, r)| x.delay_s - r.delay_s)
                    .collect();
                points.push(Point {
                    users,
                    tau,
                    algorithm: s.name().to_string(),
                    runs: cfg.runs,
                    accuracy: acc.as_deref().map(Stat::of),
                    delay_s: stat(&|x| x.delay_s),
                    comm_s: stat(&|x| x.comm_s),
                    comp_s: stat(&|x| x.comp_s),
                    local_s: stat(&|x| x.local_s),
                    offloaded: stat(&|x| x.offloaded),
                    forced: stat(&|x| x.forced),
                    objective: stat(&|x| x.objective),
                    accuracy_diff: acc.zip(ref_acc).map(|(a, r)| {
                        Stat::of(&a.iter().zip(&r).map(|(x, y)| x - y).collect::<Vec<_>>())
                    }),
                    delay_diff_s: Stat::of(&delay_diff),
                    solver_time_s: stat(&|x| x.elapsed_s),
                });
            }
        }
    }
    Ok(points)
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
/// differences to the first algorithm. Fixed decimals: the same points give the same
/// bytes.
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
    use super::*;

    fn tiny() -> SweepConfig {
        SweepConfig {
            users: vec![4, 7],
            taus: vec![0.5, 1.0],
            runs: 3,
            ..SweepConfig::default()
        }
    }

    fn on_threads(cfg: &SweepConfig, threads: usize) -> Vec<Point> {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| run(cfg, &|| {}))
            .unwrap()
    }

    #[test]
    fn student_t_quantiles() {
        assert_eq!(t975(1), 12.706);
        assert_eq!(t975(30), 2.042);
        // the expansion continues the table and tends to the normal quantile
        assert!((t975(31) - 2.0395).abs() < 2e-4, "{}", t975(31));
        assert!((t975(120) - 1.9799).abs() < 1e-4, "{}", t975(120));
        assert!((t975(1_000_000) - 1.959_96).abs() < 1e-4);
        assert!((2..200).all(|d| t975(d) < t975(d - 1)));
    }

    #[test]
    fn stat_mean_and_interval() {
        let s = Stat::of(&[1.0, 2.0, 3.0]);
        assert_eq!(s.mean, 2.0);
        // s = 1, t(2) = 4.303, half-width 4.303 / sqrt(3)
        assert!((s.ci95.unwrap() - 4.303 / 3f64.sqrt()).abs() < 1e-12);
        assert_eq!(Stat::of(&[5.0]).ci95, None);
        assert_eq!(Stat::of(&[5.0]).interval(), (5.0, 5.0));
    }

    #[test]
    fn seeds_differ_across_sizes_and_runs() {
        let mut seeds: Vec<u64> = (1..20)
            .flat_map(|n| (0..20).map(move |r| instance_seed(0, n, r)))
            .collect();
        seeds.sort_unstable();
        seeds.dedup();
        assert_eq!(seeds.len(), 19 * 20);
        assert_ne!(instance_seed(0, 5, 1), instance_seed(1, 5, 1));
    }

    #[test]
    fn same_bytes_on_one_or_two_threads() {
        let cfg = tiny();
        let one = on_threads(&cfg, 1);
        let two = on_threads(&cfg, 2);
        assert_eq!(points_csv(&one), points_csv(&two));
        assert_eq!(one.len(), 2 * 2 * 5);
        let csv = points_csv(&one);
        assert_eq!(csv.lines().count(), 1 + one.len());
        assert!(csv.starts_with("users,tau,algorithm,runs,accuracy_mean,"));
    }

    #[test]
    fn points_are_consistent() {
        for p in on_threads(&tiny(), 2) {
            let split = p.comm_s.mean + p.comp_s.mean + p.local_s.mean;
            assert!((split - p.delay_s.mean).abs() < 1e-12, "{p:?}");
            assert!(p.offloaded.mean >= p.forced.mean - 1e-12, "{p:?}");
            let acc = p.accuracy.unwrap().mean;
            assert!((0.0..=1.0).contains(&acc));
            if p.algorithm == "goa" {
                assert_eq!(p.delay_diff_s.mean, 0.0);
            }
            if p.algorithm == "all-edge" {
                assert_eq!(p.offloaded.mean, p.users as f64);
            }
            if p.tau == 1.0 {
                assert_eq!(p.forced.mean, 0.0);
            }
        }
    }

    #[test]
    fn bad_settings_are_errors() {
        let bad = |f: &dyn Fn(&mut SweepConfig)| {
            let mut cfg = tiny();
            f(&mut cfg);
            run(&cfg, &|| {}).unwrap_err()
        };
        assert!(matches!(
            bad(&|c| c.users.clear()),
            Error::InvalidField { .. }
        ));
        assert!(matches!(
            bad(&|c| c.users = vec![0]),
            Error::InvalidField { .. }
        ));
        assert!(matches!(
            bad(&|c| c.taus = vec![1.5]),
            Error::InvalidField { .. }
        ));
        assert!(matches!(bad(&|c| c.runs = 0), Error::InvalidField { .. }));
        assert!(matches!(
            bad(&|c| c.algorithms = vec!["nope".into()]),
            Error::UnknownSolver { .. }
        ));
    }

    #[test]
    fn charts_cover_algorithms_and_taus() {
        let points = on_threads(&tiny(), 1);
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
}
