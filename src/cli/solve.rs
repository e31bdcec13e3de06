//! `llm-offload solve` and `llm-offload check`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use llm_offload::solution::SolutionFile;
use llm_offload::solver::approx_eq;
use llm_offload::{report, solvers, Limits, Outcome};

use super::exit::usage_bail;
use super::Format;

/// Arguments of `solve`.
#[derive(Debug, clap::Args)]
pub struct SolveArgs {
    /// Instance file (JSON, SPEC 8).
    instance: PathBuf,
    /// Solver (see `llm-offload solvers`).
    #[arg(long, short = 'a', default_value = "goa")]
    algo: String,
    /// An outside solver NAME running the shell command CMD (repeatable): the
    /// instance file's path is appended, LLM_OFFLOAD_SEED and LLM_OFFLOAD_TIME_LIMIT_S
    /// are set, and it prints a solution JSON (docs/external.md).
    #[arg(long = "external", value_name = "NAME=CMD")]
    external: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Seed of randomised solvers.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Wall-clock limit in seconds (exact solvers return their incumbent and bound).
    #[arg(long, value_parser = super::seconds, allow_negative_numbers = true)]
    time_limit: Option<f64>,
    /// Node limit of tree searches.
    #[arg(long)]
    node_limit: Option<u64>,
    /// Threads an exact solver may use.
    #[arg(long, default_value_t = 1, value_parser = super::parse::at_least_one)]
    threads: usize,
    /// Most assignments `exhaustive` may enumerate before it refuses.
    #[arg(long, default_value_t = llm_offload::solver::DEFAULT_MAX_ENUMERATION)]
    max_enumeration: u64,
    /// Write the output here instead of stdout.
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
}

impl SolveArgs {
    fn limits(&self) -> Result<Limits> {
        let mut l = limits(self.time_limit, self.node_limit, self.seed, self.threads)?;
        l.max_enumeration = self.max_enumeration;
        Ok(l)
    }
}

/// Validated limits from raw flags.
pub fn limits(
    time_limit: Option<f64>,
    node_limit: Option<u64>,
    seed: u64,
    threads: usize,
) -> Result<Limits> {
    let time_limit = match time_limit {
        Some(t) if t > 0.0 && t <= super::MAX_TIME_LIMIT_S => Some(Duration::from_secs_f64(t)),
        Some(t) => usage_bail!(
            "--time-limit = {}: must be a number of seconds in (0, {}]",
            llm_offload::validate::num(t),
            llm_offload::validate::num(super::MAX_TIME_LIMIT_S)
        ),
        None => None,
    };
    if threads == 0 {
        usage_bail!("--threads = 0: must be >= 1");
    }
    Ok(Limits {
        time_limit,
        node_limit,
        seed,
        threads,
        ..Limits::default()
    })
}

pub fn run_solve(a: &SolveArgs) -> Result<ExitCode> {
    let solver = solvers::external::by_name_with(&a.algo, &super::externals(&a.external)?)?;
    if let Some(o) = &a.output {
        super::check_outputs(&[a.instance.as_path()], &[("--output", o.as_path())])?;
    }
    let inst = super::load(&a.instance)?;
    let out = solver.solve(&inst, &a.limits()?)?;
    let text = match a.format {
        Format::Table => report::outcome_text(&out),
        Format::Json => serde_json::to_string_pretty(&out.to_json())? + "\n",
    };
    super::write_out(a.output.as_deref(), &text)?;
    Ok(ExitCode::SUCCESS)
}

/// Arguments of `check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Instance file.
    instance: PathBuf,
    /// Solution file: a JSON object with `assignment` (server index or null per user)
    /// and, for instances with variants, `variants`; other fields are ignored, except
    /// `objective`, which is compared with the recomputed one.
    solution: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

pub fn run_check(a: &CheckArgs) -> Result<ExitCode> {
    let inst = super::load(&a.instance)?;
    let file = SolutionFile::load(&a.solution)?;
    let out = Outcome::of_solution_file(&inst, &file)?;
    let claimed = file.objective;
    let differs = claimed.is_some_and(|c| !approx_eq(c, out.objective()));
    match a.format {
        Format::Table => {
            out!("{}", report::outcome_text(&out));
            if let Some(c) = claimed {
                let verdict = if differs { "DIFFERS from" } else { "matches" };
                outln!(
                    "{:<18} {c:.9} {verdict} the recomputed objective",
                    "claimed objective"
                );
            }
        }
        Format::Json => {
            let mut v = out.to_json();
            v["claimed_objective"] = claimed.into();
            outln!("{}", serde_json::to_string_pretty(&v)?);
        }
    }
    let mut wrong = false;
    if !out.evaluation().feasible() {
        eprintln!(
            "infeasible: {} broken constraint(s)",
            out.evaluation().violations.len()
        );
        wrong = true;
    }
    if differs {
        eprintln!(
            "wrong objective: claimed {:.9}, recomputed {:.9}",
            claimed.unwrap_or(f64::NAN),
            out.objective()
        );
        wrong = true;
    }
    Ok(if wrong {
        ExitCode::from(super::exit::WRONG_SOLUTION)
    } else {
        ExitCode::SUCCESS
    })
}
