//! `llm-offload compare`: every chosen solver on every instance, side by side.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use llm_offload::report;
use llm_offload::study::compare::{compare, Comparison};
use llm_offload::study::gaps::RefKind;

/// Output formats of `compare`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Markdown table per instance.
    #[default]
    Table,
    /// JSON array of outcomes.
    Json,
    /// LaTeX (booktabs) table per instance.
    Latex,
}

/// Arguments of `compare`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Instance files or directories of them; a bare family name (`tiny`) means
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
    let chosen = super::chosen_solvers(&a.algo, &a.external)?;
    let mut limits = super::solve::limits(a.time_limit, None, a.seed, 1)?;
    limits.max_enumeration = a.max_enumeration;
    let mut json = Vec::new();
    for path in super::instance_paths(&a.inputs)? {
        let inst = super::load(&path)?;
        let c = compare(&inst, &path.display().to_string(), &chosen, &limits);
        for (_, e) in &c.errors {
            eprintln!("{}: {e}", inst.name());
        }
        for w in &c.warnings {
            eprintln!("warning: {w}");
        }
        match a.format {
            Format::Table => {
                outln!(
                    "## {} (N = {}, M = {}, tau = {}, interference {}, weights {})\n",
                    inst.name(),
                    inst.n_users(),
                    inst.n_servers(),
                    inst.tau(),
                    if inst.interference() { "on" } else { "off" },
                    inst.weights().name()
                );
                print_note(&c);
                outln!(
                    "{}",
                    report::comparison(&c.outcomes, c.reference.map(|r| r.value))
                );
            }
            Format::Json => json.extend(c.json()),
            Format::Latex => {
                let (r, note) = match c.reference {
                    Some(r) if r.kind == RefKind::Optimum => (Some(r.value), "proven optimum"),
                    Some(r) if r.kind == RefKind::Bound => (
                        Some(r.value),
                        "best proven lower bound (gaps are upper bounds)",
                    ),
                    Some(r) => (Some(r.value), "best known value (gaps are lower bounds)"),
                    None => (None, ""),
                };
                outln!(
                    "{}",
                    report::comparison_latex(inst.name(), &c.outcomes, r, note)
                );
            }
        }
    }
    if a.format == Format::Json {
        outln!("{}", serde_json::to_string_pretty(&json)?);
    }
    Ok(ExitCode::SUCCESS)
}

/// Says what the gaps mean when the reference is not a proven optimum.
fn print_note(c: &Comparison) {
    match c.reference.map(|r| r.kind) {
        Some(RefKind::Bound) => {
            // Every bound is a lower bound, whatever it relaxes: each gap is then an
            // upper bound on the true gap.
            if let Some((b, o)) = c.best_bound() {
                outln!(
                    "note: no solver proved optimality; gaps are to the best lower \
                     bound, {b:.6} from {} ({}), so each is an upper bound on the true gap\n",
                    o.algorithm(),
                    o.bound_kind()
                        .map_or("bound", llm_offload::BoundKind::as_str)
                );
            }
        }
        Some(RefKind::BestKnown) => outln!(
            "note: no solver proved optimality or gave a bound; gaps are to the best \
             objective found, {:.6}, so each is a lower bound on the true gap\n",
            c.reference.map_or(f64::NAN, |r| r.value)
        ),
        Some(RefKind::Optimum) | None => {}
    }
}
