//! `llm-offload poa`: the equilibrium that best responses reach against the proven
//! optimum of `tree-search`, per instance and summarised (docs/game.md).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use llm_offload::report::{markdown_table, opt};
use llm_offload::solvers::best_response::{BestResponse, Order, Params, Start};
use llm_offload::solvers::tree_search::TreeSearch;
use llm_offload::{Limits, Solver, Status};

use super::Format;

/// Arguments of `poa`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Instance files or directories of them.
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
    anyhow::ensure!(
        a.max_rounds >= 1,
        "--max-rounds = 0: must be >= 1 (no round of best responses finds no equilibrium)"
    );
    let br = BestResponse {
        params: Params {
            order: a.order,
            start: a.start,
            max_rounds: a.max_rounds,
        },
    };
    let exact_limits = super::solve::limits(a.time_limit, None, a.seed, 1)?;
    let br_limits = Limits {
        seed: a.seed,
        ..Limits::default()
    };
    let mut rows = Vec::new();
    let mut json = Vec::new();
    let mut ratios = Vec::new();
    for path in super::instance_paths(&a.inputs)? {
        let inst = super::load(&path)?;
        let eq = br.solve(&inst, &br_limits)?;
        let ex = TreeSearch::default().solve(&inst, &exact_limits)?;
        let ratio = ex.proven_optimal.then(|| eq.objective / ex.objective);
        if let (Some(r), Status::Converged) = (ratio, eq.status) {
            ratios.push(r);
        }
        rows.push(vec![
            inst.name.clone(),
            inst.n_users().to_string(),
            format!("{:.6}", eq.objective),
            format!("{:?}", eq.status).to_lowercase(),
            eq.stats.extra["rounds"].to_string(),
            if ex.proven_optimal {
                format!("{:.6}", ex.objective)
            } else {
                format!("> {:.6}", ex.bound.unwrap_or(f64::NAN))
            },
            opt(ratio, 4),
            ex.stats.nodes.unwrap_or(0).to_string(),
            format!("{:.1}", 1e3 * ex.elapsed_s),
        ]);
        json.push(serde_json::json!({
            "instance": inst.name, "users": inst.n_users(),
            "equilibrium": eq.to_json(), "optimum": ex.to_json(), "ratio": ratio,
        }));
    }
    let n = ratios.len();
    let mean = (n > 0).then(|| ratios.iter().sum::<f64>() / n as f64);
    let max = ratios.iter().copied().reduce(f64::max);
    match a.format {
        Format::Table => {
            outln!(
                "ratio = equilibrium social cost / proven optimum (best responses from {:?}, {:?} order)\n",
                a.start,
                a.order
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
            outln!("{}\n", markdown_table(&header, rows));
            outln!(
                "{n} converged equilibria with a proven optimum: mean ratio {}, max ratio {}",
                opt(mean, 4),
                opt(max, 4)
            );
        }
        Format::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "instances": json, "count": n, "mean_ratio": mean, "max_ratio": max,
            }))?
        ),
    }
    Ok(ExitCode::SUCCESS)
}
