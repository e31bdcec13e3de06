//! `llm-offload merge`: the results files of shards combined into one (docs/cluster.md).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use llm_offload::study::table;

/// Arguments of `merge`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shards' results files (`table --shard K/N -r FILE`).
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// The merged results file (must not exist yet); read it with `table ... -r OUT`.
    #[arg(long, short = 'o')]
    output: PathBuf,
}

pub fn run(a: &Args) -> Result<ExitCode> {
    if a.output.exists() {
        anyhow::bail!(
            "--output {}: already exists; merge into a new file (remove the old one first)",
            a.output.display()
        );
    }
    let read: Vec<&std::path::Path> = a.inputs.iter().map(PathBuf::as_path).collect();
    super::check_outputs(&read, &[("--output", a.output.as_path())])?;
    let records = table::merge(&a.inputs)?;
    table::write_results(&a.output, &records)?;
    outln!(
        "merged {} rows from {} files into {}",
        records.len(),
        a.inputs.len(),
        a.output.display()
    );
    Ok(ExitCode::SUCCESS)
}
