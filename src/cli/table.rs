//! `llm-offload table`: optimality-gap table of solvers over an instance set
//! (docs/tables.md).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use llm_offload::study::gaps::summarize;
use llm_offload::study::table::{self, PlannedInstance, ResultsFile};
use llm_offload::study::{optima, profiles};

/// Output formats of `table`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum TableFormat {
    /// Markdown table with the gap definition and legend above it.
    #[default]
    Markdown,
    /// CSV, one row per (class, solver), gaps as fractions.
    Csv,
    /// JSON: rows, per-instance gaps, definitions, warnings.
    Json,
    /// Long ("tidy") CSV: one row per (instance, solver) solve with its reference
    /// and gap.
    LongCsv,
    /// LaTeX (booktabs) table of the mean gaps and times.
    Latex,
}

/// Arguments of `table`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Instance files or directories; a bare family name (`small`) means
    /// `instances/<name>` (here, or in the bundled library).
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Comma-separated solvers (default: all registered).
    #[arg(long, short = 'a', value_delimiter = ',')]
    algo: Vec<String>,
    /// An outside solver NAME running the shell command CMD (repeatable): the
    /// instance file's path is appended, LLM_OFFLOAD_SEED and LLM_OFFLOAD_TIME_LIMIT_S
    /// are set, and it prints a solution JSON (docs/external.md).
    #[arg(long = "external", value_name = "NAME=CMD")]
    external: Vec<String>,
    /// Seed of randomised solvers.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Per-solve wall-clock limit (s); exact solvers stopped by it return their
    /// incumbent and bound (counted as TL).
    #[arg(long, default_value_t = 60.0, value_parser = super::seconds, allow_negative_numbers = true)]
    time_limit: f64,
    /// No per-solve time limit (exact solvers run to the end).
    #[arg(long, conflicts_with = "time_limit")]
    no_time_limit: bool,
    /// Solves run in parallel (0 = one per core; publish times from `--jobs 1`).
    #[arg(long, short = 'j', default_value_t = 1)]
    jobs: usize,
    /// Results file (CSV): every finished solve is appended at once, and solves
    /// already there are skipped (resume).
    #[arg(long, short = 'r')]
    results: Option<PathBuf>,
    /// Known optima / bounds (e.g. instances/optima.csv) used as references.
    #[arg(long)]
    optima: Option<PathBuf>,
    /// Merge this run's best values and bounds into an optima file.
    #[arg(long)]
    write_optima: Option<PathBuf>,
    /// Write gap-share and time-profile charts (SVG and PNG) into this directory.
    #[arg(long)]
    plots: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TableFormat::Markdown)]
    format: TableFormat,
    /// Write the table here instead of stdout.
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
    #[command(flatten)]
    figure: super::figure::FigureArgs,
}

pub fn run(a: &Args) -> Result<ExitCode> {
    let chosen = super::chosen_solvers(&a.algo, &a.external)?;
    a.figure.options().validate()?;
    let time_limit = (!a.no_time_limit).then_some(a.time_limit);
    let limits = super::solve::limits(time_limit, None, a.seed, 1)?;
    let inputs = a.inputs.clone();
    let read: Vec<&Path> = inputs.iter().map(PathBuf::as_path).collect();
    let written: Vec<(&str, &Path)> = [
        ("--results", &a.results),
        ("--output", &a.output),
        ("--write-optima", &a.write_optima),
    ]
    .into_iter()
    .filter_map(|(flag, p)| p.as_deref().map(|p| (flag, p)))
    .collect();
    super::check_outputs(&read, &written)?;
    if let Some(known) = &a.optima {
        // --write-optima may name the --optima file: it is merged into, not replaced.
        let not_optima: Vec<_> = written
            .iter()
            .copied()
            .filter(|(flag, _)| *flag != "--write-optima")
            .collect();
        super::check_outputs(&[known.as_path()], &not_optima)?;
    }
    let plan = super::instance_paths(&inputs)?
        .into_iter()
        .map(|p| {
            Ok(PlannedInstance {
                file: p.display().to_string(),
                instance: super::load(&p)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let results = match &a.results {
        Some(p) => {
            let (f, dropped) = ResultsFile::open(p)?;
            if dropped > 0 {
                eprintln!(
                    "{}: dropped a partial last line ({dropped} bytes)",
                    p.display()
                );
            }
            Some(f)
        }
        None => None,
    };
    let todo = table::pending(&plan, &chosen, &limits, results.as_ref());
    let pb = super::progress::bar(todo, "solves");
    let tick = || pb.inc(1);
    let out = table::run(
        &plan,
        &chosen,
        &limits,
        super::parse::threads(a.jobs),
        results.as_ref(),
        &tick,
    )?;
    pb.finish_and_clear();
    if out.skipped > 0 {
        // Counted after the run: a concurrent run on the same file may have finished
        // some of the `todo` solves first.
        eprintln!(
            "resumed: {} solves taken from the results file, {} run",
            out.skipped,
            out.records.len() - out.skipped
        );
    }
    let known = match &a.optima {
        Some(p) => optima::known_by_name(&optima::load(p)?),
        None => Default::default(),
    };
    let names: Vec<String> = chosen.iter().map(|s| s.name().to_string()).collect();
    let t = summarize(&out.records, &names, &known);
    let tl = limits.time_limit.map(|d| d.as_secs_f64());
    let text = match a.format {
        TableFormat::Markdown => table::markdown(&t, tl),
        TableFormat::Csv => table::csv_text(&t),
        TableFormat::Json => serde_json::to_string_pretty(&table::json(&t, tl))? + "\n",
        TableFormat::LongCsv => table::long_csv(&out.records, &t),
        TableFormat::Latex => table::latex(&t, tl),
    };
    super::write_out(a.output.as_deref(), &text)?;
    if let Some(dir) = &a.plots {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        for (chart, stem) in [
            (profiles::gap_share(&t), "gap-share"),
            (profiles::performance_profile(&t), "time-profile"),
        ] {
            for f in chart.save_with(&dir.join(stem), &a.figure.options())? {
                eprintln!("wrote {}", f.display());
            }
        }
    }
    if let Some(p) = &a.write_optima {
        let old = if p.exists() {
            optima::load(p)?
        } else {
            Vec::new()
        };
        optima::save(p, &optima::merge(old, optima::from_records(&out.records)))?;
        eprintln!("wrote {}", p.display());
    }
    for w in &t.warnings {
        eprintln!("warning: {w}");
    }
    Ok(if t.warnings.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(super::exit::INCONSISTENT)
    })
}
