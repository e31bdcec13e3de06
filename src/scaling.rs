//! Empirical scaling of a solver's running time: time it on generated instances of
//! several sizes (SPEC 6 scenario, several seeds, median per size) and fit
//! `ln t = a + b ln N (+ c ln M)` by ordinary least squares, with 95 % confidence
//! intervals from Student's t distribution (docs/tables.md). The fitted `b` and `c`
//! are the empirical exponents of N and M, to compare with a stated complexity such
//! as GOA's O(N^3 M^2).

use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::gaps::median;
use crate::generate::{generate, GenConfig};
use crate::plot::{Chart, Plot, Series, Style};
use crate::solver::{Limits, Solver, Status};

/// A least-squares fit `y = X beta`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fit {
    /// Coefficients, in the order of the columns of X.
    pub coefficients: Vec<f64>,
    /// Their standard errors.
    pub std_errors: Vec<f64>,
    /// 95 % confidence intervals `beta +- t_{0.975, dof} se`.
    pub ci95: Vec<(f64, f64)>,
    /// Residual degrees of freedom (observations minus coefficients).
    pub dof: usize,
    /// Coefficient of determination.
    pub r_squared: f64,
}

/// Solves the square system `a x = b` by Gauss-Jordan elimination with partial
/// pivoting; `None` when singular.
fn solve_linear(mut a: Vec<Vec<f64>>, mut b: Vec<Vec<f64>>) -> Option<Vec<Vec<f64>>> {
    let n = a.len();
    for c in 0..n {
        let p = (c..n).max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs()))?;
        if a[p][c].abs() < 1e-12 {
            return None;
        }
        a.swap(c, p);
        b.swap(c, p);
        let (ac, bc) = (a[c].clone(), b[c].clone());
        for (r, (ar, br)) in a.iter_mut().zip(b.iter_mut()).enumerate() {
            if r != c {
                let f = ar[c] / ac[c];
                ar.iter_mut().zip(&ac).for_each(|(x, y)| *x -= f * y);
                br.iter_mut().zip(&bc).for_each(|(x, y)| *x -= f * y);
            }
        }
    }
    Some(
        b.into_iter()
            .zip(&a)
            .enumerate()
            .map(|(k, (row, arow))| row.into_iter().map(|v| v / arow[k]).collect())
            .collect(),
    )
}

/// Ordinary least squares of `y` on the rows of `x` (include a column of ones for an
/// intercept). Cost O(n k^2 + k^3).
///
/// # Errors
/// [`Error::InvalidField`] when there are no more observations than coefficients or
/// the columns are collinear.
pub fn ols(x: &[Vec<f64>], y: &[f64]) -> Result<Fit> {
    let k = x.first().map_or(0, Vec::len);
    let n = y.len();
    if n != x.len() || k == 0 || n <= k {
        return Err(Error::field(
            "scaling fit",
            "observations",
            n,
            format!("need more observations than the {k} coefficients"),
        ));
    }
    let xtx: Vec<Vec<f64>> = (0..k)
        .map(|a| {
            (0..k)
                .map(|b| x.iter().map(|r| r[a] * r[b]).sum())
                .collect()
        })
        .collect();
    let identity: Vec<Vec<f64>> = (0..k)
        .map(|a| (0..k).map(|b| f64::from(u8::from(a == b))).collect())
        .collect();
    let inv = solve_linear(xtx, identity).ok_or_else(|| {
        Error::field(
            "scaling fit",
            "sizes",
            "collinear",
            "vary N (and M) over at least two values each",
        )
    })?;
    let xty: Vec<f64> = (0..k)
        .map(|a| x.iter().zip(y).map(|(r, v)| r[a] * v).sum())
        .collect();
    let beta: Vec<f64> = (0..k)
        .map(|a| (0..k).map(|b| inv[a][b] * xty[b]).sum())
        .collect();
    let resid: Vec<f64> = x
        .iter()
        .zip(y)
        .map(|(r, v)| v - r.iter().zip(&beta).map(|(a, b)| a * b).sum::<f64>())
        .collect();
    let dof = n - k;
    let sse: f64 = resid.iter().map(|e| e * e).sum();
    let mean = y.iter().sum::<f64>() / n as f64;
    let sst: f64 = y.iter().map(|v| (v - mean) * (v - mean)).sum();
    let s2 = sse / dof as f64;
    let t = student_t_quantile(0.975, dof as f64);
    let se: Vec<f64> = (0..k).map(|a| (s2 * inv[a][a]).max(0.0).sqrt()).collect();
    Ok(Fit {
        ci95: beta
            .iter()
            .zip(&se)
            .map(|(b, s)| (b - t * s, b + t * s))
            .collect(),
        coefficients: beta,
        std_errors: se,
        dof,
        r_squared: if sst > 0.0 { 1.0 - sse / sst } else { 1.0 },
    })
}

/// Continued fraction of the regularised incomplete beta function (modified Lentz).
fn beta_cf(a: f64, b: f64, x: f64) -> f64 {
    let tiny = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    d = 1.0 / if d.abs() < tiny { tiny } else { d };
    let mut h = d;
    for m in 1..400 {
        let m = f64::from(m);
        let m2 = 2.0 * m;
        for aa in [
            m * (b - m) * x / ((qam + m2) * (a + m2)),
            -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)),
        ] {
            d = 1.0 + aa * d;
            d = 1.0 / if d.abs() < tiny { tiny } else { d };
            c = 1.0 + aa / c;
            if c.abs() < tiny {
                c = tiny;
            }
            h *= d * c;
        }
        if (d * c - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

/// Regularised incomplete beta function `I_x(a, b)`.
fn reg_inc_beta(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_front =
        libm::lgamma(a + b) - libm::lgamma(a) - libm::lgamma(b) + a * x.ln() + b * (1.0 - x).ln();
    if x < (a + 1.0) / (a + b + 2.0) {
        ln_front.exp() * beta_cf(a, b, x) / a
    } else {
        1.0 - ln_front.exp() * beta_cf(b, a, 1.0 - x) / b
    }
}

/// Student's t cumulative distribution function with `dof` degrees of freedom.
#[must_use]
pub fn student_t_cdf(t: f64, dof: f64) -> f64 {
    // tail = P(T > |t|) = I_x(dof/2, 1/2) / 2 with x = dof / (dof + t^2); for small
    // |t| use the complement I_{1-x}(1/2, dof/2), whose argument keeps its precision.
    let (x, y) = (dof / (dof + t * t), t * t / (dof + t * t));
    let tail = if x < 0.5 {
        0.5 * reg_inc_beta(0.5 * dof, 0.5, x)
    } else {
        0.5 * (1.0 - reg_inc_beta(0.5, 0.5 * dof, y))
    };
    if t >= 0.0 {
        1.0 - tail
    } else {
        tail
    }
}

/// The `p`-quantile (0 < p < 1) of Student's t with `dof > 0` degrees of freedom, by
/// bisection on [`student_t_cdf`] to 1e-12.
#[must_use]
pub fn student_t_quantile(p: f64, dof: f64) -> f64 {
    let (mut lo, mut hi) = (-1e7, 1e7);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if student_t_cdf(mid, dof) < p {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-12 {
            break;
        }
    }
    0.5 * (lo + hi)
}

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
                    objective: o.objective,
                    status: o.status,
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
#[path = "scaling_tests.rs"]
mod tests;
