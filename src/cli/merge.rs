//! `llm-offload merge`: the results files of shards combined into one (docs/cluster.md).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use llm_offload::study::table;
use llm_offload::sweep;

/// Arguments of `merge`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shards' results files (`table --shard K/N -r FILE`), or the shards'
    /// samples files (`sweep --shard K/N -o DIR` writes DIR/samples.csv).
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
    // The kind is told by the first file's header: a table's results file or a
    // sweep's samples file; the other files must be of the same kind (each is
    // checked against its header as it is read).
    let first = std::fs::read_to_string(&a.inputs[0])
        .with_context(|| format!("reading {}", a.inputs[0].display()))?;
    let rows = if sweep::is_samples_header(first.split('\n').next().unwrap_or_default()) {
        let rows = sweep::merge_samples(&a.inputs)?;
        super::write_out(Some(&a.output), &sweep::samples_csv(&rows))?;
        rows.len()
    } else {
        let records = table::merge(&a.inputs)?;
        table::write_results(&a.output, &records)?;
        records.len()
    };
    outln!(
        "merged {rows} rows from {} files into {}",
        a.inputs.len(),
        a.output.display()
    );
    Ok(ExitCode::SUCCESS)
}
