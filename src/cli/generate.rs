//! `llm-offload generate`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use llm_offload::sources::generate::{generate, generate_with_queries, GenConfig};
use llm_offload::sources::queries::QuerySet;

use super::choices::{Scenario, VariantPreset, Weights};

/// Arguments of `generate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scenario to simulate.
    #[arg(long, value_enum, default_value_t = Scenario::Paper)]
    scenario: Scenario,
    /// Number of users N.
    #[arg(long, short = 'n', value_parser = super::parse::at_least_one)]
    users: usize,
    /// Seed (same seed, same bytes).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Number of edge servers M (placed on a grid; the paper's layout for 4).
    #[arg(long, short = 'm', default_value_t = 4, value_parser = super::parse::at_least_one)]
    servers: usize,
    /// Accuracy threshold: users with uncertainty above it must offload.
    #[arg(long, default_value_t = 0.8, value_parser = super::parse::unit_interval)]
    tau: f64,
    /// Delay weights of the objective.
    #[arg(long, value_enum, default_value_t = Weights::Uncertainty)]
    weights: Weights,
    /// Switch off inter-cell interference.
    #[arg(long)]
    no_interference: bool,
    /// Add quantised model variants (FP16 / INT8 / INT4) on devices and servers, with
    /// sourced perplexities (see docs/game.md).
    #[arg(long, value_enum)]
    variants: Option<VariantPreset>,
    /// Weight of the perplexity penalty in each user's cost (weighted seconds per
    /// perplexity point; default: the preset's, 0 without variants).
    #[arg(long, value_parser = super::parse::non_negative)]
    lambda: Option<f64>,
    /// Draw the users' queries from this measured JSON-lines file (docs/queries.md);
    /// positions, channels and compute are generated as usual.
    #[arg(long)]
    queries: Option<PathBuf>,
    /// Output file (default: stdout).
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
}

pub fn run(a: &Args) -> Result<ExitCode> {
    if let Some(o) = &a.output {
        let read: Vec<&std::path::Path> = a.queries.iter().map(PathBuf::as_path).collect();
        super::check_outputs(&read, &[("--output", o.as_path())])?;
    }
    let cfg = GenConfig {
        scenario: a.scenario.into(),
        users: a.users,
        servers: a.servers,
        seed: a.seed,
        tau: a.tau,
        weights: a.weights.into(),
        interference: !a.no_interference,
        variants: a.variants.map(Into::into),
        lambda: a.lambda,
    };
    let inst = match &a.queries {
        Some(path) => generate_with_queries(&cfg, &QuerySet::load(path)?)?,
        // Without a queries file every setting is a flag.
        None => generate(&cfg).map_err(super::exit::usage)?,
    };
    super::write_out(a.output.as_deref(), &inst.to_json())?;
    Ok(ExitCode::SUCCESS)
}
