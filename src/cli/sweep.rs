//! `llm-offload sweep`: Monte-Carlo sweeps over N and tau, written as CSV and figures.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use llm_offload::sources::queries::QuerySet;
use llm_offload::study::shard::Shard;
use llm_offload::sweep::{self, SweepConfig};

use super::choices::{Scenario, Weights};
use super::exit::usage_bail;

/// Arguments of `sweep`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Numbers of users: `FROM:TO:STEP` (inclusive) or a comma-separated list.
    #[arg(long, default_value = "50:120:10", value_parser = parse_users)]
    users: UserGrid,
    /// Thresholds tau, comma-separated.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "0.6,0.7,0.8,0.9,1.0",
        value_parser = super::parse::unit_interval
    )]
    tau: Vec<f64>,
    /// Monte-Carlo runs per point.
    #[arg(long, default_value_t = 500, value_parser = super::parse::at_least_one)]
    runs: usize,
    /// Comma-separated solvers; the first is the reference of the paired differences
    /// and of the across-tau figures.
    #[arg(
        long,
        short = 'a',
        value_delimiter = ',',
        default_value = "goa,all-local,all-edge,random,min-delay"
    )]
    algo: Vec<String>,
    /// An outside solver NAME running the shell command CMD (repeatable; added to
    /// --algo unless named there): the instance file's path is appended,
    /// LLM_OFFLOAD_SEED is set, and it prints a solution JSON (docs/external.md).
    #[arg(long = "external", value_name = "NAME=CMD")]
    external: Vec<String>,
    /// Draw the users' queries from this measured JSON-lines file (docs/queries.md)
    /// instead of the synthetic generator.
    #[arg(long)]
    queries: Option<PathBuf>,
    /// Scenario to simulate (`kim2026`: the authors' simulator, docs/results.md).
    #[arg(long, value_enum, default_value_t = Scenario::Paper)]
    scenario: Scenario,
    /// Put the points beside the authors' per-point means in this CSV
    /// (shared/kim2026/authors-means.csv): writes vs_authors.md and vs_authors.csv.
    #[arg(long)]
    compare_authors: Option<PathBuf>,
    /// Number of edge servers M.
    #[arg(long, short = 'm', default_value_t = 4, value_parser = super::parse::at_least_one)]
    servers: usize,
    /// Delay weights of the objective.
    #[arg(long, value_enum, default_value_t = Weights::Uncertainty)]
    weights: Weights,
    /// Switch off inter-cell interference.
    #[arg(long)]
    no_interference: bool,
    /// Base seed (run r at size N uses a seed derived from (seed, N, r)).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Threshold of the all-policies figures (default: the middle of --tau).
    #[arg(long, value_parser = super::parse::unit_interval)]
    plot_tau: Option<f64>,
    /// Worker threads (0 = one per core); the output is the same whatever the count.
    #[arg(long, short = 'j', default_value_t = 1)]
    jobs: usize,
    /// Skip the figures (CSV only).
    #[arg(long)]
    no_plots: bool,
    /// Also write `runs.csv`: one row per (N, run, tau, solver), the runs behind
    /// every mean.
    #[arg(long)]
    per_run: bool,
    /// Solve only shard K of N of the (N, run) units (1 <= K <= N) and write their
    /// samples to `<output>/samples.csv`; `llm-offload merge` combines the shards'
    /// files and `--from-samples` makes the sweep's tables from them
    /// (docs/cluster.md).
    #[arg(long, value_name = "K/N", value_parser = parse_shard,
          conflicts_with_all = ["from_samples", "compare_authors", "per_run"])]
    shard: Option<Shard>,
    /// Compute the points from these merged samples (`merge` of the shards'
    /// samples.csv) instead of solving; the other flags must be the shards' own.
    #[arg(long, value_name = "FILE")]
    from_samples: Option<PathBuf>,
    #[command(flatten)]
    figure: super::figure::FigureArgs,
    /// Output directory (created if missing).
    #[arg(long, short = 'o', default_value = "sweep-out")]
    output: PathBuf,
}

fn parse_shard(s: &str) -> std::result::Result<Shard, String> {
    s.parse::<Shard>().map_err(|e| e.to_string())
}

/// A grid of user counts.
#[derive(Debug, Clone)]
struct UserGrid(Vec<usize>);

fn parse_users(s: &str) -> Result<UserGrid, String> {
    let num = |t: &str| super::parse::at_least_one(t).map_err(|e| format!("`{t}`: {e}"));
    let parts: Vec<&str> = s.split(':').collect();
    let grid = match parts.as_slice() {
        [from, to, step] => {
            let (from, to, step) = (num(from)?, num(to)?, num(step)?);
            if step == 0 || from > to {
                return Err(format!("`{s}`: need FROM <= TO and STEP >= 1"));
            }
            (from..=to).step_by(step).collect()
        }
        [list] => list.split(',').map(num).collect::<Result<Vec<_>, _>>()?,
        _ => return Err(format!("`{s}`: expected FROM:TO:STEP or a list like 50,80")),
    };
    Ok(UserGrid(grid))
}

pub fn run(a: &Args) -> Result<ExitCode> {
    a.figure.options().validate()?;
    let queries = a.queries.as_deref().map(QuerySet::load).transpose()?;
    let externals = super::externals(&a.external)?;
    let mut algorithms = a.algo.clone();
    for e in &externals {
        if !algorithms.contains(&e.name) {
            algorithms.push(e.name.clone());
        }
    }
    let cfg = SweepConfig {
        users: a.users.0.clone(),
        taus: a.tau.clone(),
        runs: a.runs,
        algorithms,
        externals,
        servers: a.servers,
        seed: a.seed,
        weights: a.weights.into(),
        interference: !a.no_interference,
        queries,
        scenario: a.scenario.into(),
    };
    let authors = match &a.compare_authors {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            Some(sweep::authors::parse(&text, path)?)
        }
        None => None,
    };
    let plot_tau = a.plot_tau.unwrap_or(cfg.taus[cfg.taus.len() / 2]);
    if !cfg.taus.contains(&plot_tau) {
        usage_bail!("--plot-tau = {plot_tau}: must be one of --tau");
    }
    // The output directory is made before the sweep, so that an unwritable `-o`
    // fails at once, not after all the solving.
    std::fs::create_dir_all(&a.output)
        .with_context(|| format!("creating {}", a.output.display()))?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(super::parse::threads(a.jobs))
        .build()
        .context("starting worker threads")?;
    let total = cfg.users.len() * cfg.runs;
    if let Some(shard) = a.shard {
        let bar = super::progress::bar(total, "instances");
        let rows = pool.install(|| sweep::run_shard(&cfg, shard, &|| bar.inc(1)))?;
        bar.finish_and_clear();
        let path = a.output.join(sweep::SAMPLES_FILE);
        super::write_out(Some(&path), &sweep::samples_csv(&rows))?;
        let per_unit = cfg.taus.len() * cfg.algorithms.len();
        outln!(
            "shard {shard}: {} of the {total} instances ({} samples); wrote {}",
            rows.len() / per_unit.max(1),
            rows.len(),
            path.display()
        );
        outln!(
            "combine the shards with `llm-offload merge DIR1/{0} DIR2/{0} ... -o FILE`, then \
             rerun this command without --shard and with --from-samples FILE",
            sweep::SAMPLES_FILE
        );
        return Ok(ExitCode::SUCCESS);
    }
    let start = Instant::now();
    let (points, runs) = match &a.from_samples {
        Some(path) => {
            let rows: Vec<_> = sweep::read_samples(path)?
                .into_iter()
                .map(|(_, r)| r)
                .collect();
            sweep::from_samples(&cfg, &rows).map_err(|e| e.in_file(path))?
        }
        None => {
            let bar = super::progress::bar(total, "instances");
            let out = pool.install(|| sweep::run_with_runs(&cfg, &|| bar.inc(1)))?;
            bar.finish_and_clear();
            out
        }
    };
    let elapsed = start.elapsed().as_secs_f64();

    let mut written = Vec::new();
    for (name, text) in [
        ("sweep.csv", sweep::points_csv(&points)),
        ("timing.csv", sweep::timing_csv(&points)),
    ] {
        let path = a.output.join(name);
        super::write_out(Some(&path), &text)?;
        written.push(path);
    }
    if a.per_run {
        let path = a.output.join("runs.csv");
        super::write_out(Some(&path), &sweep::runs_csv(&runs))?;
        written.push(path);
    }
    let meta = serde_json::json!({
        "command": std::env::args().collect::<Vec<_>>().join(" "),
        "version": env!("CARGO_PKG_VERSION"),
        "users": cfg.users, "tau": cfg.taus, "runs": cfg.runs, "algorithms": cfg.algorithms,
        "servers": cfg.servers, "seed": cfg.seed, "weights": cfg.weights,
        "interference": cfg.interference, "scenario": cfg.scenario.label(),
        "queries": cfg.queries.as_ref().map(|q| q.source.clone()),
        "threads": pool.current_num_threads(),
        "elapsed_s": elapsed,
    });
    if let Some(theirs) = &authors {
        let rows = sweep::authors::pair(&points, theirs);
        anyhow::ensure!(
            !rows.is_empty(),
            "--compare-authors: no point of the sweep is in {}",
            a.compare_authors
                .as_ref()
                .map_or(String::new(), |p| p.display().to_string())
        );
        for (name, text) in [
            ("vs_authors.md", sweep::authors::markdown(&rows)),
            ("vs_authors.csv", sweep::authors::csv(&rows)),
        ] {
            let path = a.output.join(name);
            super::write_out(Some(&path), &text)?;
            written.push(path);
        }
    }
    let path = a.output.join("meta.json");
    super::write_out(Some(&path), &(serde_json::to_string_pretty(&meta)? + "\n"))?;
    written.push(path);
    if !a.no_plots {
        for (stem, chart) in sweep::charts(&points, plot_tau) {
            written.extend(
                llm_offload::plot::Plot::from(chart)
                    .save_with(&a.output.join(stem), &a.figure.options())?,
            );
        }
    }
    outln!(
        "{} points ({} instances x {} tau x {} solvers) in {elapsed:.2} s on {} threads",
        points.len(),
        total,
        cfg.taus.len(),
        cfg.algorithms.len(),
        pool.current_num_threads()
    );
    for p in written {
        outln!("wrote {}", p.display());
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_grids() {
        assert_eq!(
            parse_users("50:120:10").unwrap().0,
            vec![50, 60, 70, 80, 90, 100, 110, 120]
        );
        assert_eq!(parse_users("5:6:10").unwrap().0, vec![5]);
        assert_eq!(parse_users("8,20").unwrap().0, vec![8, 20]);
        assert!(parse_users("9:5:1").is_err());
        assert!(parse_users("5:9:0").is_err());
        assert!(parse_users("5:x:1").is_err());
        assert!(parse_users("1:2:3:4").is_err());
    }
}
