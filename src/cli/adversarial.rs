//! `llm-offload adversarial`: instances where GOA is provably suboptimal
//! (`llm_offload::sources::adversarial`, instances/README.md).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use llm_offload::sources::adversarial::{self, Congestion};

/// Which construction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// N identical users whose delay grows linearly with the load: GOA overfills.
    Congestion,
    /// Two forced users, two single-slot servers: GOA's first pick strands the other.
    Regret,
}

/// Arguments of `adversarial`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The construction.
    #[arg(value_enum)]
    kind: Kind,
    /// Users N (congestion).
    #[arg(long, short = 'n', default_value_t = 12)]
    users: usize,
    /// Servers M (congestion).
    #[arg(long, short = 'm', default_value_t = 2)]
    servers: usize,
    /// Local delay over the one-user edge delay, non-integer (congestion).
    #[arg(long, default_value_t = 6.5)]
    ratio: f64,
    /// Output file (default: stdout).
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
}

pub fn run(a: &Args) -> Result<ExitCode> {
    let inst = match a.kind {
        Kind::Congestion => Congestion {
            users: a.users,
            servers: a.servers,
            ratio: a.ratio,
        }
        .instance()
        // Every field of the construction is a flag.
        .map_err(super::exit::usage)?,
        Kind::Regret => adversarial::regret()?,
    };
    super::write_out(a.output.as_deref(), &inst.to_json())?;
    Ok(ExitCode::SUCCESS)
}
