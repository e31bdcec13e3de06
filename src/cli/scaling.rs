//! `llm-offload scaling`: time one solver over sizes and fit the exponents of N and M
//! (docs/tables.md).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget};
use llm_offload::plot::{Chart, Series, Style};
use llm_offload::report::markdown_table;
use llm_offload::scaling::{self, Exponents, ScalingConfig, SizeTime};
use llm_offload::solvers;

/// Arguments of `scaling`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The solver to time.
    #[arg(long, short = 'a', default_value = "goa")]
    algo: String,
    /// Comma-separated user counts N.
    #[arg(
        long,
        short = 'n',
        value_delimiter = ',',
        default_value = "25,50,100,200"
    )]
    users: Vec<usize>,
    /// Comma-separated server counts M.
    #[arg(long, short = 'm', value_delimiter = ',', default_value = "4")]
    servers: Vec<usize>,
    /// Seeds per size (the median time is fitted).
    #[arg(long, default_value_t = 3)]
    seeds: u64,
    /// Threshold tau of the generated instances.
    #[arg(long, default_value_t = 0.8)]
    tau: f64,
    /// Generate instances without interference.
    #[arg(long)]
    no_interference: bool,
    /// Per-solve wall-clock limit (s).
    #[arg(long, value_parser = super::seconds, allow_negative_numbers = true)]
    time_limit: Option<f64>,
    /// Directory for `scaling-<algo>.csv` (every solve) and the log-log chart.
    #[arg(long, short = 'o')]
    out: Option<PathBuf>,
}

fn verdict(ci: (f64, f64), stated: f64) -> &'static str {
    if ci.1 < stated {
        "below it (the whole interval)"
    } else if ci.0 > stated {
        "above it (the whole interval)"
    } else {
        "consistent with it (inside the interval)"
    }
}

/// The Markdown report: per-size times, the fit and its comparison with O(N^3 M^2).
fn report(algo: &str, cfg: &ScalingConfig, sizes: &[SizeTime], ex: Option<&Exponents>) -> String {
    let mut s = format!(
        "Scaling of `{algo}`: wall time of one `solve` call, median over {} seeds per size; \
         instances from `llm-offload generate` (SPEC 6 scenario, tau {}, interference {}).\n\n",
        cfg.seeds,
        cfg.tau,
        if cfg.interference { "on" } else { "off" }
    );
    let rows = sizes
        .iter()
        .map(|z| {
            vec![
                z.users.to_string(),
                z.servers.to_string(),
                format!("{:.4}", 1e3 * z.median_s),
                format!("{:.4}", 1e3 * z.min_s),
                format!("{:.4}", 1e3 * z.max_s),
                z.limited.to_string(),
            ]
        })
        .collect();
    let header = [
        "N",
        "M",
        "median ms",
        "min ms",
        "max ms",
        "stopped by limit",
    ];
    s.push_str(&markdown_table(&header, rows).to_string());
    s.push_str("\n\n");
    let Some(ex) = ex else {
        s.push_str("No fit: need more sizes than coefficients (vary N over 3+ values).\n");
        return s;
    };
    let f = &ex.fit;
    s.push_str(&format!(
        "Fit `ln t = a + b ln N{}` by least squares on the per-size medians; 95 % intervals \
         from Student's t with {} degrees of freedom; R^2 = {:.4}.\n\n",
        if ex.with_servers { " + c ln M" } else { "" },
        f.dof,
        f.r_squared
    ));
    let mut line = |name: &str, k: usize, stated: f64| {
        s.push_str(&format!(
            "- exponent of {name}: {:.3} (95 % CI [{:.3}, {:.3}]); GOA's stated O(N^3 M^2) \
             has {stated} here: the fit is {}\n",
            f.coefficients[k],
            f.ci95[k].0,
            f.ci95[k].1,
            verdict(f.ci95[k], stated)
        ));
    };
    line("N", 1, 3.0);
    if ex.with_servers {
        line("M", 2, 2.0);
    }
    s
}

fn chart(algo: &str, sizes: &[SizeTime], ex: Option<&Exponents>) -> Chart {
    let mut ms: Vec<usize> = sizes.iter().map(|z| z.servers).collect();
    ms.dedup();
    let mut series = Vec::new();
    for m in ms {
        let sel: Vec<&SizeTime> = sizes.iter().filter(|z| z.servers == m).collect();
        series.push(Series {
            label: format!("M = {m} (median, min-max)"),
            points: sel.iter().map(|z| (z.users as f64, z.median_s)).collect(),
            errors: Some(sel.iter().map(|z| (z.min_s, z.max_s)).collect()),
            style: Style::Points,
        });
        if let Some(ex) = ex {
            let c = &ex.fit.coefficients;
            let mterm = if ex.with_servers {
                c[2] * (m as f64).ln()
            } else {
                0.0
            };
            series.push(Series {
                label: format!("fit, M = {m}: N^{:.2}", c[1]),
                points: sel
                    .iter()
                    .map(|z| {
                        let n = z.users as f64;
                        (n, (c[0] + c[1] * n.ln() + mterm).exp())
                    })
                    .collect(),
                errors: None,
                style: Style::Line,
            });
        }
    }
    Chart {
        title: format!("Running time of {algo}"),
        x_label: "users N".into(),
        y_label: "time (s)".into(),
        series,
        log_x: true,
        log_y: true,
    }
}

pub fn run(a: &Args) -> Result<ExitCode> {
    let solver = solvers::by_name(&a.algo)?;
    let cfg = ScalingConfig {
        users: a.users.clone(),
        servers: a.servers.clone(),
        seeds: a.seeds,
        interference: !a.no_interference,
        tau: a.tau,
        limits: super::solve::limits(a.time_limit, None, 0, 1)?,
    };
    anyhow::ensure!(a.seeds >= 1, "--seeds = 0: must be >= 1");
    let distinct = |v: &[usize]| {
        let mut v = v.to_vec();
        v.sort_unstable();
        v.dedup();
        v.len()
    };
    let (ns, ms) = (distinct(&a.users), distinct(&a.servers));
    // The fit ln t = a + b ln N (+ c ln M) needs more sizes than coefficients.
    let coefficients = if ms > 1 { 3 } else { 2 };
    anyhow::ensure!(
        ns >= 2 && ns * ms > coefficients,
        "--users {:?} --servers {:?}: fitting the exponent{} needs at least two distinct \
         --users values and more sizes ({}) than coefficients ({coefficients}); e.g. \
         --users 25,50,100",
        a.users,
        a.servers,
        if ms > 1 { "s of N and M" } else { " of N" },
        ns * ms
    );
    if let Some(dir) = &a.out {
        // Made before timing, so that an unwritable `-o` fails at once.
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let total = cfg.users.len() * cfg.servers.len() * a.seeds as usize;
    let pb = ProgressBar::new(total as u64);
    if !std::io::stderr().is_terminal() {
        pb.set_draw_target(ProgressDrawTarget::hidden());
    }
    let timings = scaling::measure(solver.as_ref(), &cfg, &|| pb.inc(1))?;
    pb.finish_and_clear();
    let sizes = scaling::per_size(&timings);
    let ex = scaling::fit_exponents(&sizes).ok();
    out!("{}", report(&a.algo, &cfg, &sizes, ex.as_ref()));
    if let Some(dir) = &a.out {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let csv_path = dir.join(format!("scaling-{}.csv", a.algo));
        let mut w = csv::Writer::from_path(&csv_path)
            .with_context(|| format!("writing {}", csv_path.display()))?;
        for t in &timings {
            w.serialize(t)?;
        }
        w.flush()?;
        eprintln!("wrote {}", csv_path.display());
        for f in
            chart(&a.algo, &sizes, ex.as_ref()).save(&dir.join(format!("scaling-{}", a.algo)))?
        {
            eprintln!("wrote {}", f.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
