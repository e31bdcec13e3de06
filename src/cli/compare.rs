//! `llm-offload compare`: every chosen solver on every instance, side by side.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use llm_offload::{report, Outcome};

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
    #[arg(long, value_parser = super::seconds, allow_negative_numbers = true)]
    time_limit: Option<f64>,
    /// Most assignments `exhaustive` may enumerate before it refuses.
    #[arg(long, default_value_t = llm_offload::solver::DEFAULT_MAX_ENUMERATION)]
    max_enumeration: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

pub fn run(a: &Args) -> Result<ExitCode> {
    let chosen = super::chosen_solvers(&a.algo)?;
    let mut limits = super::solve::limits(a.time_limit, None, a.seed, 1)?;
    limits.max_enumeration = a.max_enumeration;
    let mut json = Vec::new();
    for path in super::instance_paths(&a.inputs)? {
        let inst = super::load(&path)?;
        let mut outs: Vec<Outcome> = Vec::new();
        for s in &chosen {
            match s.solve(&inst, &limits) {
                Ok(o) => outs.push(o),
                Err(e) => eprintln!("{}: {e}", inst.name),
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
                // Without a proven optimum, gaps are taken to the best proven lower
                // bound (every bound is one, whatever it relaxes): each is then an
                // upper bound on the true gap, and the note says so.
                let best_bound = outs
                    .iter()
                    .filter_map(|o| o.bound.map(|b| (b, o)))
                    .max_by(|x, y| x.0.total_cmp(&y.0));
                match (reference, best_bound) {
                    (None, Some((b, o))) => {
                        outln!(
                            "note: no solver proved optimality; gaps are to the best lower \
                             bound, {b:.6} from {} ({}), so each is an upper bound on the true gap\n",
                            o.algorithm,
                            o.bound_kind.as_deref().unwrap_or("bound")
                        );
                        outln!("{}", report::comparison(&outs, Some(b)));
                    }
                    _ => outln!("{}", report::comparison(&outs, reference)),
                }
            }
            Format::Json => json.extend(outs.iter().map(Outcome::to_json)),
        }
    }
    if a.format == Format::Json {
        outln!("{}", serde_json::to_string_pretty(&json)?);
    }
    Ok(ExitCode::SUCCESS)
}
