//! `llm-offload table`: optimality-gap table of solvers over an instance set
//! (docs/tables.md).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use llm_offload::study::gaps::summarize;
use llm_offload::study::gaps::Record;
use llm_offload::study::shard::Shard;
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
    /// Run only shard K of N of the solves (1 <= K <= N; needs --results): each
    /// shard writes its own results file; `llm-offload merge` combines them
    /// (docs/cluster.md). Prints no table.
    #[arg(long, value_name = "K/N", value_parser = parse_shard, requires = "results",
          conflicts_with_all = ["import", "plots", "write_optima"])]
    shard: Option<Shard>,
    /// Solutions computed elsewhere (CSV or JSON lines: instance, solver, assignment,
    /// elapsed_s; repeatable): evaluated by the model and tabled beside the solvers
    /// (docs/external.md).
    #[arg(long, value_name = "FILE")]
    import: Vec<PathBuf>,
    #[command(flatten)]
    figure: super::figure::FigureArgs,
}

fn parse_shard(s: &str) -> std::result::Result<Shard, String> {
    s.parse::<Shard>().map_err(|e| e.to_string())
}

pub fn run(a: &Args) -> Result<ExitCode> {
    let chosen = super::chosen_solvers(&a.algo, &a.external)?;
    a.figure.options().validate()?;
    let time_limit = (!a.no_time_limit).then_some(a.time_limit);
    let limits = super::solve::limits(time_limit, None, a.seed, 1)?;
    let inputs = a.inputs.clone();
    let mut read: Vec<&Path> = inputs.iter().map(PathBuf::as_path).collect();
    read.extend(a.import.iter().map(PathBuf::as_path));
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
    let tl = limits.time_limit.map(|d| d.as_secs_f64());
    // Imports are read (and refused line by line) before anything is solved.
    let mut imported: Vec<Record> = Vec::new();
    let mut imported_solvers: Vec<String> = Vec::new();
    for f in &a.import {
        let got = table::import(f, &plan, limits.seed, tl)?;
        for s in &got.solvers {
            if chosen.iter().any(|c| c.name() == s) {
                anyhow::bail!(
                    "--import {}: solver `{s}` is also run by this table (--external); give \
                     the imported solutions another name",
                    f.display()
                );
            }
        }
        for r in got.records {
            if imported
                .iter()
                .any(|o| o.instance_hash == r.instance_hash && o.solver == r.solver)
            {
                anyhow::bail!(
                    "--import {}: a second solution of instance `{}` by `{}` (another \
                     --import file has one)",
                    f.display(),
                    r.instance,
                    r.solver
                );
            }
            imported.push(r);
        }
        for s in got.solvers {
            if !imported_solvers.contains(&s) {
                imported_solvers.push(s);
            }
        }
    }
    let todo = table::pending_in(&plan, &chosen, &limits, results.as_ref(), a.shard);
    let pb = super::progress::bar(todo, "solves");
    let tick = || pb.inc(1);
    let mut out = table::run_in(
        &plan,
        &chosen,
        &limits,
        super::parse::threads(a.jobs),
        results.as_ref(),
        a.shard,
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
    report_failures(&out.records);
    if let Some(shard) = a.shard {
        let total = plan.len() * chosen.len();
        outln!(
            "shard {shard}: {} of the {total} solves ({} run now, {} already in the results \
             file) are in {}; combine the shards with `llm-offload merge FILE... -o OUT` \
             and print the table with `table ... -r OUT`",
            out.records.len(),
            out.records.len() - out.skipped,
            out.skipped,
            a.results
                .as_deref()
                .map_or(String::new(), |p| p.display().to_string())
        );
        return Ok(ExitCode::SUCCESS);
    }
    for r in imported {
        let kept = match &results {
            Some(f) => f.append(&r)?,
            None => r.clone(),
        };
        if kept.objective != r.objective || kept.feasible != r.feasible {
            anyhow::bail!(
                "--import: the results file already holds a different solution of instance \
                 `{}` by `{}` (objective {:?}, now {:?}); delete that line of the results \
                 file to import the new one",
                r.instance,
                r.solver,
                kept.objective,
                r.objective
            );
        }
        out.records.push(kept);
    }
    let known = match &a.optima {
        Some(p) => optima::known_by_name(&optima::load(p)?),
        None => Default::default(),
    };
    let mut names: Vec<String> = chosen.iter().map(|s| s.name().to_string()).collect();
    names.extend(imported_solvers);
    let t = summarize(&out.records, &names, &known);
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

/// Says on stderr why solves failed (errors other than refusals: an outside solver's
/// crash, bad output or time-limit overrun, ...), the first few of them.
fn report_failures(records: &[Record]) {
    const SHOWN: usize = 10;
    let failed: Vec<&Record> = records
        .iter()
        .filter(|r| r.error.is_some() && !r.refused)
        .collect();
    for r in failed.iter().take(SHOWN) {
        eprintln!(
            "failed: {} by {}: {}",
            r.instance,
            r.solver,
            r.error.as_deref().unwrap_or_default()
        );
    }
    if failed.len() > SHOWN {
        eprintln!(
            "failed: {} more (see the error column of the results file)",
            failed.len() - SHOWN
        );
    }
}
