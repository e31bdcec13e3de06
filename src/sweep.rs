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
//! - **Every solver at every tau.** Each point is `(N, tau, algorithm)`. The paper's
//!   baselines (`all-local`, `all-edge`, `random`, `min-delay`) ignore tau, as the
//!   authors ran them; `random` still depends on it through GOA's count. Where some
//!   user with `alpha > tau` answers locally, the answer is infeasible for (P): the
//!   point counts those runs in `infeasible_runs` and the forced users left local in
//!   `forced_local`, and nothing hides it. The `*-tau` versions keep the forced users
//!   offloaded.
//! - **Determinism.** Runs are spread over rayon's current pool, but results are
//!   gathered in a fixed order and summed sequentially, so [`points_csv`] has the same
//!   bytes for the same configuration whatever the number of threads. Solver wall
//!   times cannot be reproduced and go to a separate table ([`timing_csv`]).
//! - **Confidence intervals.** `mean +- t_{0.975, R-1} s / sqrt(R)` (Student t, sample
//!   standard deviation `s` over the `R` runs); empty when `R = 1`.

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::instance::{Instance, Weights};
use crate::solver::{Limits, Solver};
use crate::solvers;
use crate::sources::generate::{generate, generate_with_queries, GenConfig, Scenario};
use crate::sources::queries::QuerySet;

pub mod authors;
mod output;
mod shard;

pub use crate::stats::Stat;
pub use output::{charts, points_csv, runs_csv, timing_csv, Run};
pub use shard::{
    config_hash, from_samples, is_samples_header, merge_samples, read_samples, run_shard,
    samples_csv, SampleRow, SAMPLES_FILE,
};

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
    /// The scenario instances are generated from.
    pub scenario: Scenario,
    /// Outside solvers (`--external`) that `algorithms` may name.
    pub externals: Vec<solvers::external::ExternalSpec>,
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
            scenario: Scenario::Paper,
            externals: Vec::new(),
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
        scenario: cfg.scenario,
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
    forced_local: f64,
    feasible: bool,
    objective: f64,
    elapsed_s: f64,
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
    /// Forced users the algorithm left on the device (0 for answers feasible for (P)).
    pub forced_local: Stat,
    /// Runs whose answer is infeasible for (P) (baselines that ignore tau).
    pub infeasible_runs: usize,
    /// The largest mean delay of one run (s): with the mean, it gives the mean
    /// without that run, the check for a heavy tail (docs/results.md).
    pub delay_max_run_s: f64,
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
    cfg.algorithms
        .iter()
        .map(|a| solvers::external::by_name_with(a, &cfg.externals))
        .collect()
}

/// Runs the sweep on rayon's current thread pool (wrap the call in
/// `ThreadPool::install` to choose the threads). `progress` is called once per
/// finished `(N, run)` (every tau and solver on one instance).
///
/// Points come in the order N, then tau, then algorithm, as configured.
///
/// # Example
/// ```
/// use llm_offload::sweep::{self, SweepConfig};
///
/// let cfg = SweepConfig { users: vec![6, 9], taus: vec![0.8], runs: 4, ..SweepConfig::default() };
/// let points = sweep::run(&cfg, &|| {})?;
/// assert_eq!(points.len(), 2 * 5); // two sizes, one tau, five solvers
/// assert!(sweep::points_csv(&points).starts_with("users,tau,algorithm,runs,"));
/// # Ok::<(), llm_offload::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidField`] for an empty or out-of-range grid or zero runs,
/// [`Error::UnknownSolver`], generator errors, a solver's error, and
/// [`Error::SolverFailed`] when a solver that respects tau returns an assignment
/// infeasible for (P).
pub fn run(cfg: &SweepConfig, progress: &(dyn Fn() + Sync)) -> Result<Vec<Point>> {
    run_with_runs(cfg, progress).map(|(points, _)| points)
}

/// [`run`], also returning the per-run rows behind the points (order: N, run, tau,
/// algorithm).
///
/// # Errors
/// As [`run`].
pub fn run_with_runs(
    cfg: &SweepConfig,
    progress: &(dyn Fn() + Sync),
) -> Result<(Vec<Point>, Vec<Run>)> {
    let chosen = check(cfg)?;
    let units = units(cfg);
    let samples: Vec<Vec<Sample>> = units
        .par_iter()
        .map(|&(n, r)| {
            let out = solve_unit(cfg, &chosen, n, r)?;
            progress();
            Ok(out)
        })
        .collect::<Result<_>>()?;
    Ok(aggregate(cfg, &chosen, &units, &samples))
}

/// The sweep's units of work, `(N, run)`, N-major.
fn units(cfg: &SweepConfig) -> Vec<(usize, usize)> {
    cfg.users
        .iter()
        .flat_map(|&n| (0..cfg.runs).map(move |r| (n, r)))
        .collect()
}

/// Every tau and solver on the instance of run `r` at `n` users (tau-major, then
/// solver).
fn solve_unit(
    cfg: &SweepConfig,
    chosen: &[Box<dyn Solver>],
    n: usize,
    r: usize,
) -> Result<Vec<Sample>> {
    let base = instance(cfg, n, r, cfg.taus[0])?;
    let limits = Limits {
        seed: instance_seed(cfg.seed, n, r),
        ..Limits::default()
    };
    let mut out = Vec::with_capacity(cfg.taus.len() * chosen.len());
    for &tau in &cfg.taus {
        let inst = base.with_tau(tau)?;
        let forced = inst.forced_users().count() as f64;
        for s in chosen {
            let o = s.solve(&inst, &limits)?;
            let e = &o.evaluation();
            // Only the baselines that ignore tau (and outside solvers) may answer
            // outside (P); any other infeasible answer is a solver bug.
            if !e.feasible() && !s.ignores_tau() {
                return Err(Error::SolverFailed {
                    solver: s.name(),
                    reason: format!("infeasible assignment on {}", inst.name()),
                });
            }
            let forced_local = inst
                .forced_users()
                .filter(|&i| o.assignment().0[i].server.is_none())
                .count() as f64;
            out.push(Sample {
                accuracy: e.accuracy,
                delay_s: e.mean_delay_s,
                comm_s: e.mean_comm_s,
                comp_s: e.mean_comp_s,
                local_s: e.mean_local_s,
                offloaded: e.offloaded as f64,
                forced,
                forced_local,
                feasible: e.feasible(),
                objective: e.objective,
                elapsed_s: o.elapsed_s(),
            });
        }
    }
    Ok(out)
}

/// The points and per-run rows of the samples of every unit (in [`units`] order).
fn aggregate(
    cfg: &SweepConfig,
    chosen: &[Box<dyn Solver>],
    units: &[(usize, usize)],
    samples: &[Vec<Sample>],
) -> (Vec<Point>, Vec<Run>) {
    let n_algo = chosen.len();
    let runs = output::runs(cfg, units, chosen, samples);
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
                    forced_local: stat(&|x| x.forced_local),
                    infeasible_runs: xs.iter().filter(|x| !x.feasible).count(),
                    delay_max_run_s: xs
                        .iter()
                        .map(|x| x.delay_s)
                        .fold(f64::NEG_INFINITY, f64::max),
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
    (points, runs)
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

    /// The tiny sweep on one thread (shared with the output tests).
    pub(super) fn on_threads_tiny() -> Vec<Point> {
        on_threads(&tiny(), 1)
    }

    /// The tiny sweep's settings (shared with the output tests).
    pub(super) fn tiny_config() -> SweepConfig {
        tiny()
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
        let mut infeasible = 0;
        for p in on_threads(&tiny(), 2) {
            let split = p.comm_s.mean + p.comp_s.mean + p.local_s.mean;
            assert!((split - p.delay_s.mean).abs() < 1e-12, "{p:?}");
            assert!(p.delay_max_run_s >= p.delay_s.mean - 1e-15, "{p:?}");
            let ignores_tau = solvers::by_name(&p.algorithm).unwrap().ignores_tau();
            if ignores_tau {
                infeasible += p.infeasible_runs;
            } else {
                assert!(p.offloaded.mean >= p.forced.mean - 1e-12, "{p:?}");
                assert_eq!(p.infeasible_runs, 0, "{p:?}");
            }
            // a run is infeasible exactly when some forced user stays local
            assert_eq!(p.infeasible_runs == 0, p.forced_local.mean == 0.0, "{p:?}");
            if p.algorithm == "all-local" {
                assert_eq!(p.offloaded.mean, 0.0);
                assert_eq!(p.forced_local.mean, p.forced.mean);
            }
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
        // tau = 0.5 forces someone in the tiny grid, whom all-local leaves local
        assert!(infeasible > 0);
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
}
