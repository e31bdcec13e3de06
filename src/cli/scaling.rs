//! `llm-offload scaling`: time one solver over sizes and fit the exponents of N and M
//! (docs/tables.md).

use std::path::PathBuf;
use std::process::ExitCode;

use super::exit::usage_bail;
use anyhow::{Context, Result};
use llm_offload::report::markdown_table;
use llm_offload::solver::Complexity;
use llm_offload::solvers;
use llm_offload::study::scaling::{self, Exponents, ScalingConfig, SizeTime};

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
        default_value = "25,50,100,200",
        value_parser = super::parse::at_least_one
    )]
    users: Vec<usize>,
    /// Comma-separated server counts M.
    #[arg(
        long,
        short = 'm',
        value_delimiter = ',',
        default_value = "4",
        value_parser = super::parse::at_least_one
    )]
    servers: Vec<usize>,
    /// Seeds per size (the median time is fitted).
    #[arg(long, default_value_t = 3, value_parser = super::parse::at_least_one)]
    seeds: usize,
    /// Threshold tau of the generated instances.
    #[arg(long, default_value_t = 0.8, value_parser = super::parse::unit_interval)]
    tau: f64,
    /// Generate instances without interference.
    #[arg(long)]
    no_interference: bool,
    /// Per-solve wall-clock limit (s).
    #[arg(long, value_parser = super::seconds, allow_negative_numbers = true)]
    time_limit: Option<f64>,
    /// Output directory (created if missing) for `scaling-<algo>.csv` (every solve)
    /// and the log-log chart.
    #[arg(long, short = 'o', alias = "out")]
    output: Option<PathBuf>,
    #[command(flatten)]
    figure: super::figure::FigureArgs,
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

/// The Markdown report: per-size times, the fit and its comparison with the solver's
/// stated complexity, if it has one.
fn report(
    algo: &str,
    stated: Option<Complexity>,
    cfg: &ScalingConfig,
    sizes: &[SizeTime],
    ex: Option<&Exponents>,
) -> String {
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
    let mut line = |name: &str, k: usize, stated_exponent: Option<f64>| {
        s.push_str(&format!(
            "- exponent of {name}: {:.3} (95 % CI [{:.3}, {:.3}])",
            f.coefficients[k], f.ci95[k].0, f.ci95[k].1,
        ));
        if let (Some(c), Some(e)) = (stated, stated_exponent) {
            s.push_str(&format!(
                "; the stated {c} of `{algo}` has {e} here: the fit is {}",
                verdict(f.ci95[k], e)
            ));
        }
        s.push('\n');
    };
    line("N", 1, stated.map(|c| c.users));
    if ex.with_servers {
        line("M", 2, stated.map(|c| c.servers));
    }
    if stated.is_none() {
        s.push_str(&format!(
            "\n`{algo}` states no complexity to compare the fit with.\n"
        ));
    }
    s
}

pub fn run(a: &Args) -> Result<ExitCode> {
    let solver = solvers::by_name(&a.algo)?;
    let cfg = ScalingConfig {
        users: a.users.clone(),
        servers: a.servers.clone(),
        seeds: a.seeds as u64,
        interference: !a.no_interference,
        tau: a.tau,
        limits: super::solve::limits(a.time_limit, None, 0, 1)?,
    };
    if a.seeds == 0 {
        usage_bail!("--seeds = 0: must be >= 1");
    }
    let distinct = |v: &[usize]| {
        let mut v = v.to_vec();
        v.sort_unstable();
        v.dedup();
        v.len()
    };
    let (ns, ms) = (distinct(&a.users), distinct(&a.servers));
    // The fit ln t = a + b ln N (+ c ln M) needs more sizes than coefficients.
    let coefficients = if ms > 1 { 3 } else { 2 };
    if !(ns >= 2 && ns * ms > coefficients) {
        usage_bail!(
            "--users {:?} --servers {:?}: fitting the exponent{} needs at least two distinct \
         --users values and more sizes ({}) than coefficients ({coefficients}); e.g. \
         --users 25,50,100",
            a.users,
            a.servers,
            if ms > 1 { "s of N and M" } else { " of N" },
            ns * ms
        );
    }
    if let Some(dir) = &a.output {
        // Made before timing, so that an unwritable `-o` fails at once.
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let total = cfg.users.len() * cfg.servers.len() * a.seeds;
    let pb = super::progress::bar(total, "solves");
    let timings = scaling::measure(solver.as_ref(), &cfg, &|| pb.inc(1))?;
    pb.finish_and_clear();
    let sizes = scaling::per_size(&timings);
    let ex = scaling::fit_exponents(&sizes).ok();
    out!(
        "{}",
        report(
            &a.algo,
            solver.stated_complexity(),
            &cfg,
            &sizes,
            ex.as_ref()
        )
    );
    if let Some(dir) = &a.output {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let csv_path = dir.join(format!("scaling-{}.csv", a.algo));
        let mut w = csv::Writer::from_path(&csv_path)
            .with_context(|| format!("writing {}", csv_path.display()))?;
        for t in &timings {
            w.serialize(t)?;
        }
        w.flush()?;
        eprintln!("wrote {}", csv_path.display());
        for f in scaling::chart(&a.algo, &sizes, ex.as_ref()).save_with(
            &dir.join(format!("scaling-{}", a.algo)),
            &a.figure.options(),
        )? {
            eprintln!("wrote {}", f.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
