//! `llm-offload export-mip`: the MIP of an instance as an LP or MPS file for other
//! solvers (HiGHS, SCIP, CBC, Gurobi), with readable names; see `docs/exact.md`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use llm_offload::solvers::mip::{export, formulate, MipConfig};

use super::choices::MipFormat;

/// Arguments of `export-mip`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Instance file (JSON, SPEC 8).
    instance: PathBuf,
    /// File format.
    #[arg(long, value_enum, default_value_t = MipFormat::Lp)]
    format: MipFormat,
    /// The formulation exactly as SPEC 5 states it, without the exact reductions.
    #[arg(long)]
    plain: bool,
    /// Add the linking rows `z_ijvk <= y_jk`.
    #[arg(long)]
    linking: bool,
    /// Write the model here instead of stdout.
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
}

pub fn run(a: &Args) -> Result<ExitCode> {
    if let Some(o) = &a.output {
        super::check_outputs(&[a.instance.as_path()], &[("--output", o.as_path())])?;
    }
    let inst = super::load(&a.instance)?;
    let base = if a.plain {
        MipConfig::plain()
    } else {
        MipConfig::default()
    };
    let config = MipConfig {
        linking: a.linking,
        ..base
    };
    let f = formulate(&inst, &config)?;
    super::write_out(
        a.output.as_deref(),
        &export::write(&f, a.format.into(), inst.name()),
    )?;
    if a.output.is_some() {
        eprintln!(
            "{}: {} columns ({} binary), {} rows, {} nonzeros{}",
            inst.name(),
            f.vars.len(),
            f.n_integer(),
            f.rows.len(),
            f.nonzeros(),
            if f.relaxation {
                " (interference-free relaxation: the instance has interference)"
            } else {
                ""
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}
