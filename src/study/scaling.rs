//! Empirical scaling of a solver's running time: time it on generated instances of
//! several sizes (SPEC 6 scenario, several seeds, median per size) and fit
//! `ln t = a + b ln N (+ c ln M)` by ordinary least squares, with 95 % confidence
//! intervals from Student's t distribution (docs/tables.md). The fitted `b` and `c`
//! are the empirical exponents of N and M, to compare with a stated complexity such
//! as GOA's O(N^3 M^2).

use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::plot::{Chart, Plot, Series, Style};
use crate::solver::{Limits, Solver, Status};
use crate::sources::generate::{generate, GenConfig};
use crate::stats::{median, ols, Fit};

/// What to time.
///
/// # Default
/// N in {25, 50, 100}, M = 4, 3 seeds, interference on, tau 0.8, no limits.
#[derive(Debug, Clone, PartialEq)]
pub struct ScalingConfig {
    /// User counts N.
    pub users: Vec<usize>,
    /// Server counts M.
    pub servers: Vec<usize>,
    /// Seeds 0..seeds per size (instance seed and solver seed alike).
    pub seeds: u64,
    /// Interference in the generated instances.
    pub interference: bool,
    /// Threshold tau of the generated instances.
    pub tau: f64,
    /// Limits of each solve (the seed is overridden per run).
    pub limits: Limits,
}

impl Default for ScalingConfig {
    fn default() -> Self {
        ScalingConfig {
            users: vec![25, 50, 100],
            servers: vec![4],
            seeds: 3,
            interference: true,
            tau: 0.8,
            limits: Limits::default(),
        }
    }
}

/// One timed solve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    /// N.
    pub users: usize,
    /// M.
    pub servers: usize,
    /// Seed.
    pub seed: u64,
    /// Wall time of `solve` (s), measured around the call.
    pub time_s: f64,
    /// Objective found.
    pub objective: f64,
    /// Why it stopped.
    pub status: Status,
}

/// Times `solver` on every (N, M, seed), calling `tick` after each solve.
///
/// # Errors
/// Generator errors (N or M = 0) and solver errors.
pub fn measure(solver: &dyn Solver, cfg: &ScalingConfig, tick: &dyn Fn()) -> Result<Vec<Timing>> {
    let mut out = Vec::new();
    for &m in &cfg.servers {
        for &n in &cfg.users {
            for seed in 0..cfg.seeds {
                let inst = generate(&GenConfig {
                    users: n,
                    servers: m,
                    seed,
                    tau: cfg.tau,
                    interference: cfg.interference,
                    ..GenConfig::default()
                })?;
                let limits = Limits {
                    seed,
                    ..cfg.limits.clone()
                };
                let start = Instant::now();
                let o = solver.solve(&inst, &limits)?;
                out.push(Timing {
                    users: n,
                    servers: m,
                    seed,
                    time_s: start.elapsed().as_secs_f64(),
                    objective: o.objective(),
                    status: o.status(),
                });
                tick();
            }
        }
    }
    Ok(out)
}

/// Median, min and max time of one size.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SizeTime {
    /// N.
    pub users: usize,
    /// M.
    pub servers: usize,
    /// Median over seeds (s).
    pub median_s: f64,
    /// Fastest seed (s).
    pub min_s: f64,
    /// Slowest seed (s).
    pub max_s: f64,
    /// Solves stopped by a limit.
    pub limited: usize,
}

/// Per-size medians, in (M, N) order.
#[must_use]
pub fn per_size(timings: &[Timing]) -> Vec<SizeTime> {
    let mut keys: Vec<(usize, usize)> = timings.iter().map(|t| (t.servers, t.users)).collect();
    keys.sort_unstable();
    keys.dedup();
    keys.into_iter()
        .filter_map(|(m, n)| {
            let sel: Vec<&Timing> = timings
                .iter()
                .filter(|t| t.servers == m && t.users == n)
                .collect();
            let mut ts: Vec<f64> = sel.iter().map(|t| t.time_s).collect();
            ts.sort_by(f64::total_cmp);
            Some(SizeTime {
                users: n,
                servers: m,
                median_s: median(&ts)?,
                min_s: ts[0],
                max_s: *ts.last()?,
                limited: sel
                    .iter()
                    .filter(|t| !matches!(t.status, Status::Completed | Status::Converged))
                    .count(),
            })
        })
        .collect()
}

/// The fitted exponents: `ln t = a + b ln N (+ c ln M)` on the per-size medians
/// (the M term only when M takes two or more values).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exponents {
    /// The regression; coefficients `[a, b]` or `[a, b, c]`.
    pub fit: Fit,
    /// Whether `c` (the exponent of M) was fitted.
    pub with_servers: bool,
}

/// Fits the exponents of N (and M) to per-size medians.
///
/// # Errors
/// From [`ols`]: too few sizes, or sizes that do not vary.
pub fn fit_exponents(sizes: &[SizeTime]) -> Result<Exponents> {
    let mut ms: Vec<usize> = sizes.iter().map(|s| s.servers).collect();
    ms.sort_unstable();
    ms.dedup();
    let with_servers = ms.len() > 1;
    let x: Vec<Vec<f64>> = sizes
        .iter()
        .map(|s| {
            let mut r = vec![1.0, (s.users as f64).ln()];
            if with_servers {
                r.push((s.servers as f64).ln());
            }
            r
        })
        .collect();
    let y: Vec<f64> = sizes.iter().map(|s| s.median_s.max(1e-9).ln()).collect();
    Ok(Exponents {
        fit: ols(&x, &y)?,
        with_servers,
    })
}

/// The log-log chart of `algo`'s running time: per M, the medians as markers with
/// min-max bars, and (when fitted) the fit as a line in the same colour.
#[must_use]
pub fn chart(algo: &str, sizes: &[SizeTime], ex: Option<&Exponents>) -> Plot {
    let mut ms: Vec<usize> = sizes.iter().map(|z| z.servers).collect();
    ms.sort_unstable();
    ms.dedup();
    let mut series = Vec::new();
    let mut groups = Vec::new();
    for (g, &m) in ms.iter().enumerate() {
        let sel: Vec<&SizeTime> = sizes.iter().filter(|z| z.servers == m).collect();
        series.push(Series {
            label: format!("M = {m}: median"),
            points: sel.iter().map(|z| (z.users as f64, z.median_s)).collect(),
            errors: Some(sel.iter().map(|z| (z.min_s, z.max_s)).collect()),
            style: Style::Points,
        });
        groups.push(g);
        if let Some(ex) = ex {
            let c = &ex.fit.coefficients;
            let mterm = if ex.with_servers {
                c[2] * (m as f64).ln()
            } else {
                0.0
            };
            series.push(Series {
                label: format!("M = {m}: fit, N^{:.2}", c[1]),
                points: sel
                    .iter()
                    .map(|z| {
                        let n = z.users as f64;
                        (n, (c[0] + c[1] * n.ln() + mterm).exp())
                    })
                    .collect(),
                errors: None,
                style: Style::Curve,
            });
            groups.push(g);
        }
    }
    let fit = match ex {
        Some(e) if e.with_servers => "; lines: the fit ln t = a + b ln N + c ln M",
        Some(_) => "; lines: the fit ln t = a + b ln N",
        None => "",
    };
    Plot {
        chart: Chart {
            title: format!("Running time of {algo}"),
            x_label: "users N (log scale)".into(),
            y_label: "time per solve (s, log scale)".into(),
            series,
            log_x: true,
            log_y: true,
        },
        colour_groups: Some(groups),
        notes: vec![format!(
            "Markers: median over seeds; bars: fastest to slowest seed{fit}."
        )],
        ..Plot::default()
    }
}

#[cfg(test)]
mod tests;
