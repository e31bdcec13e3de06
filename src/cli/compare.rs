//! `llm-offload compare`: every chosen solver on every instance, side by side.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use llm_offload::{report, solvers, Outcome};

use super::Format;

/// Arguments of `compare`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Instance files or directories of them.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Comma-separated solvers (default: all registered).
    #[arg(long, short = 'a', value_delimiter = ',')]
    algo: Vec<String>,
    /// Seed of randomised solvers.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Per-solve wall-clock limit (s) for exact solvers.
    #[arg(long)]
    time_limit: Option<f64>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

pub fn run(a: &Args) -> Result<ExitCode> {
    let chosen: Vec<Box<dyn llm_offload::Solver>> = if a.algo.is_empty() {
        solvers::all()
    } else {
        a.algo
            .iter()
            .map(|n| solvers::by_name(n))
            .collect::<Result<_, _>>()?
    };
    let limits = super::solve::limits(a.time_limit, None, a.seed, 1)?;
    let mut json = Vec::new();
    for path in super::instance_paths(&a.inputs)? {
        let inst = super::load(&path)?;
        let mut outs: Vec<Outcome> = Vec::new();
        for s in &chosen {
            match s.solve(&inst, &limits) {
                Ok(o) => outs.push(o),
                Err(e) => eprintln!("{}: {}: {e}", inst.name, s.name()),
            }
        }
        let reference = outs
            .iter()
            .filter(|o| o.proven_optimal && o.bound_kind.as_deref() == Some("optimum"))
            .map(|o| o.objective)
            .reduce(f64::min);
        match a.format {
            Format::Table => {
                outln!(
                    "## {} (N = {}, M = {}, tau = {}, interference {}, weights {:?})\n",
                    inst.name,
                    inst.n_users(),
                    inst.n_servers(),
                    inst.tau,
                    if inst.interference { "on" } else { "off" },
                    inst.weights
                );
                outln!("{}", report::comparison(&outs, reference));
            }
            Format::Json => json.extend(outs.iter().map(Outcome::to_json)),
        }
    }
    if a.format == Format::Json {
        outln!("{}", serde_json::to_string_pretty(&json)?);
    }
    Ok(ExitCode::SUCCESS)
}
