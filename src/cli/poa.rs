//! `llm-offload poa`: the equilibrium that best responses reach against the proven
//! optimum of `tree-search`, per instance and summarised (docs/game.md).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use llm_offload::report::{markdown_table, opt};
use llm_offload::solvers::best_response::Params;
use llm_offload::study::poa;

use super::choices::{spelling, Order, Start};
use super::exit::usage_bail;
use super::Format;

/// Arguments of `poa`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Instance files or directories of them; a bare family name (`tiny`) means
    /// `instances/<name>` (here, or in the bundled library).
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Turn order of the best responses.
    #[arg(long, value_enum, default_value_t = Order::RoundRobin)]
    order: Order,
    /// Start profile of the best responses.
    #[arg(long, value_enum, default_value_t = Start::AllLocal)]
    start: Start,
    /// Rounds before best responses give up (cycling).
    #[arg(long, default_value_t = 1000)]
    max_rounds: u64,
    /// Seed of the random order.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Wall-clock limit (s) of each tree search; instances it does not solve to
    /// optimality are listed but left out of the summary.
    #[arg(long, value_parser = super::seconds, allow_negative_numbers = true)]
    time_limit: Option<f64>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

pub fn run(a: &Args) -> Result<ExitCode> {
    if a.max_rounds == 0 {
        usage_bail!(
            "--max-rounds = 0: must be >= 1 (no round of best responses finds no equilibrium)"
        );
    }
    let params = Params {
        order: a.order.into(),
        start: a.start.into(),
        max_rounds: a.max_rounds,
    };
    let exact_limits = super::solve::limits(a.time_limit, None, a.seed, 1)?;
    let runs = super::instance_paths(&a.inputs)?
        .iter()
        .map(|path| {
            Ok(poa::measure(
                &super::load(path)?,
                params,
                a.seed,
                &exact_limits,
            )?)
        })
        .collect::<Result<Vec<_>>>()?;
    let summary = poa::summarize(&runs);
    match a.format {
        Format::Table => {
            outln!(
                "ratio = equilibrium social cost / proven optimum (best responses from {}, {} order)\n",
                spelling(&a.start),
                spelling(&a.order)
            );
            let header = [
                "instance",
                "N",
                "equilibrium",
                "status",
                "rounds",
                "optimum",
                "ratio",
                "tree nodes",
                "tree ms",
            ];
            let rows = runs.iter().map(row).collect();
            outln!("{}\n", markdown_table(&header, rows));
            outln!(
                "{} converged equilibria with a proven optimum: mean ratio {}, max ratio {}",
                summary.count,
                opt(summary.mean_ratio, 4),
                opt(summary.max_ratio, 4)
            );
        }
        Format::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "instances": runs.iter().map(poa::Run::json).collect::<Vec<_>>(),
                "count": summary.count,
                "mean_ratio": summary.mean_ratio,
                "max_ratio": summary.max_ratio,
            }))?
        ),
    }
    Ok(ExitCode::SUCCESS)
}

fn row(r: &poa::Run) -> Vec<String> {
    let (eq, ex) = (&r.equilibrium, &r.optimum);
    vec![
        r.instance.clone(),
        r.users.to_string(),
        format!("{:.6}", eq.objective()),
        eq.status().to_string(),
        eq.stats().iterations.to_string(),
        if ex.proven_optimal() {
            format!("{:.6}", ex.objective())
        } else {
            format!("> {:.6}", ex.bound_value().unwrap_or(f64::NAN))
        },
        opt(r.ratio, 4),
        ex.stats().nodes.unwrap_or(0).to_string(),
        format!("{:.1}", 1e3 * ex.elapsed_s()),
    ]
}
