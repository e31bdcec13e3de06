//! Subcommands, one file each; raw clap arguments become library settings here.

/// `println!` to stdout that ends the program quietly (exit 0) when the reader has
/// gone away (`llm-offload ... | head`), instead of panicking on a broken pipe.
macro_rules! outln {
    ($($t:tt)*) => { $crate::cli::emit(&format!("{}\n", format_args!($($t)*))) };
}
/// `print!` counterpart of [`outln!`].
macro_rules! out {
    ($($t:tt)*) => { $crate::cli::emit(&format!($($t)*)) };
}

mod adversarial;
mod choices;
mod compare;
mod exit;
mod export_mip;
mod figure;
mod gen_dialogues;
mod generate;
mod merge;
mod parse;
mod poa;
mod progress;
mod route;
mod scaling;
mod simulate;
mod solve;
mod sweep;
mod table;
mod uncertainty;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use llm_offload::Instance;

/// Offload LLM queries from mobile devices to edge servers: exact optima, heuristics,
/// gaps and scaling on one model (see SPEC.md).
#[derive(Debug, Parser)]
#[command(name = "llm-offload", version, about, long_about = None, propagate_version = true)]
struct Cli {
    /// No progress bars (they are drawn on stderr only when it is a terminal).
    #[arg(long, short = 'q', global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Generate a seeded instance of the paper's scenario (SPEC 6).
    Generate(generate::Args),
    /// Solve one instance with one solver.
    Solve(solve::SolveArgs),
    /// Evaluate a given assignment (a solution file) and report broken constraints.
    Check(solve::CheckArgs),
    /// List the solvers.
    Solvers,
    /// Run several solvers side by side on instance files or directories.
    Compare(compare::Args),
    /// Write the MIP of an instance as an LP or MPS file (HiGHS, SCIP, CBC, Gurobi).
    ExportMip(export_mip::Args),
    /// Token uncertainty (alpha) of OpenAI-compatible completion responses (JSON lines).
    Uncertainty(uncertainty::Args),
    /// Best-response equilibria against tree-search optima: the observed price of anarchy.
    Poa(poa::Args),
    /// Monte-Carlo sweep over users and tau: CSV of means with 95% CIs, and figures.
    Sweep(sweep::Args),
    /// Optimality-gap table of solvers over instance sets (resumable; docs/tables.md).
    Table(table::Args),
    /// Combine the results files of shards (`table --shard K/N`) into one
    /// (docs/cluster.md).
    Merge(merge::Args),
    /// Time one solver over sizes and fit the exponents of N and M (log-log OLS).
    Scaling(scaling::Args),
    /// Write an instance where GOA is provably suboptimal (optimum known).
    Adversarial(adversarial::Args),
    /// Route queries and dialogues between device and edge: policies vs the offline
    /// optimum, and the quality-latency frontier (SPEC 7, docs/routing.md).
    Route(route::RouteArgs),
    /// Generate a seeded synthetic dialogue file (docs/routing.md).
    GenDialogues(gen_dialogues::Args),
    /// Offloading over time: arrivals, decision epochs whose own time counts,
    /// processor-shared uplinks and servers; latency and throughput (docs/dynamic.md).
    Simulate(simulate::Args),
}

/// Parses the arguments, runs the command and maps errors to exit codes.
pub fn main() -> ExitCode {
    use clap::{CommandFactory, FromArgMatches};
    // Every option value may look negative (`--users -1`, `--time-limit -1`), so that
    // the option's own parser refuses it with its rule instead of clap's "unexpected
    // argument '-1'".
    let cmd = Cli::command().mut_subcommands(|sc| {
        sc.mut_args(|a| {
            if a.get_action().takes_values() {
                a.allow_negative_numbers(true)
            } else {
                a
            }
        })
    });
    let cli = match Cli::from_arg_matches(&cmd.get_matches()) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    progress::set_quiet(cli.quiet);
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            exit::code(&e)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Generate(a) => generate::run(&a),
        Command::Solve(a) => solve::run_solve(&a),
        Command::Check(a) => solve::run_check(&a),
        Command::Solvers => {
            for s in llm_offload::solvers::all() {
                outln!(
                    "{:<16} {}{}",
                    s.name(),
                    s.description(),
                    if s.is_exact() { " [exact]" } else { "" }
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Compare(a) => compare::run(&a),
        Command::Uncertainty(a) => uncertainty::run(&a),
        Command::Poa(a) => poa::run(&a),
        Command::Sweep(a) => sweep::run(&a),
        Command::Table(a) => table::run(&a),
        Command::Merge(a) => merge::run(&a),
        Command::Scaling(a) => scaling::run(&a),
        Command::Adversarial(a) => adversarial::run(&a),
        Command::ExportMip(a) => export_mip::run(&a),
        Command::Route(a) => route::run_route(&a),
        Command::GenDialogues(a) => gen_dialogues::run(&a),
        Command::Simulate(a) => simulate::run(&a),
    }
}

/// Output formats of commands that print results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Human-readable text.
    #[default]
    Table,
    /// JSON (SPEC 8 for solutions).
    Json,
}

/// Where a bare family name (`small`) is looked up, in order: `./instances/NAME`,
/// then the bundled library of the crate this binary was built from.
fn family_dirs(name: &Path) -> [PathBuf; 2] {
    [
        Path::new("instances").join(name),
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("instances")
            .join(name),
    ]
}

/// `p` itself, or for a bare name that is no file here (`small`), the instance family
/// of that name (see [`family_dirs`]).
fn resolve_family(p: &Path) -> Result<PathBuf> {
    if p.exists() || p.components().count() != 1 || p.extension().is_some() {
        return Ok(p.to_path_buf());
    }
    let dirs = family_dirs(p);
    if let Some(d) = dirs.iter().find(|d| d.is_dir()) {
        return Ok(d.clone());
    }
    anyhow::bail!(
        "{}: no such file or directory, and no instance family of that name in {} or {}",
        p.display(),
        dirs[0].display(),
        dirs[1].display()
    )
}

/// Instance files named on the command line: files as given, directories expanded to
/// their `*.json` files in name order, a bare family name (`small`) to the bundled
/// family's directory wherever the command runs.
pub fn instance_paths(inputs: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in inputs {
        let p = &resolve_family(p)?;
        if p.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(p)
                .with_context(|| format!("reading directory {}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.extension().is_some_and(|x| x == "json"))
                .collect();
            files.sort();
            if files.is_empty() {
                anyhow::bail!("{}: no *.json instance files", p.display());
            }
            out.extend(files);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

/// The outside solvers of `--external NAME=CMD` values (docs/external.md).
pub fn externals(specs: &[String]) -> Result<Vec<llm_offload::solvers::external::ExternalSpec>> {
    llm_offload::solvers::external::ExternalSpec::parse_all(specs).map_err(exit::usage)
}

/// The solvers named by an `--algo a,b,c` list, outside solvers of `--external`
/// included; every registered solver and every outside one when the list is empty.
pub fn chosen_solvers(
    names: &[String],
    external: &[String],
) -> Result<Vec<Box<dyn llm_offload::Solver>>> {
    use llm_offload::solvers::external;
    let specs = externals(external)?;
    if names.is_empty() {
        return Ok(external::all_with(&specs));
    }
    Ok(names
        .iter()
        .map(|n| external::by_name_with(n, &specs))
        .collect::<Result<_, _>>()?)
}

/// The longest `--time-limit` accepted (s): about 31.7 years. Larger values would
/// overflow a `Duration` (1e20 s) or an `Instant` deadline; leave the option out (or
/// use `--no-time-limit`) for no limit.
pub const MAX_TIME_LIMIT_S: f64 = 1e9;

/// The one clap value parser of time limits in seconds, used by every command: a
/// finite number of seconds in (0, [`MAX_TIME_LIMIT_S`]]. Pair it with
/// `allow_negative_numbers = true` so that `-1` reaches it and is refused with a clear
/// message instead of clap's "unexpected argument".
pub fn seconds(s: &str) -> std::result::Result<f64, String> {
    let t: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a number of seconds"))?;
    if t.is_nan() {
        return Err(format!("`{s}` is not a number of seconds"));
    }
    if t <= 0.0 {
        return Err(format!(
            "`{s}`: a time limit must be a number of seconds > 0"
        ));
    }
    if t > MAX_TIME_LIMIT_S {
        return Err(format!(
            "`{s}`: a time limit must be at most {} seconds (about 31 years); leave the \
             option out for no limit",
            llm_offload::validate::num(MAX_TIME_LIMIT_S)
        ));
    }
    Ok(t)
}

/// Checks the files a command will write, before it does any work: each must differ
/// from every file it reads (`inputs`: files, or directories whose `*.json` files are
/// read) and from the other outputs, and must be writable (an existing file is opened
/// for appending without changing it; a new one is created and removed again).
/// `outputs` pairs each path with the option that names it.
pub fn check_outputs(inputs: &[&Path], outputs: &[(&str, &Path)]) -> Result<()> {
    let mut read: Vec<PathBuf> = Vec::new();
    for p in inputs {
        if p.is_dir() {
            read.extend(instance_paths(&[p.to_path_buf()]).unwrap_or_default());
        } else {
            read.push(p.to_path_buf());
        }
    }
    for (k, (flag, out)) in outputs.iter().enumerate() {
        for inp in &read {
            if same_file(out, inp) {
                anyhow::bail!(
                    "{flag} {}: is also an input of this command ({}); refusing to \
                     overwrite it",
                    out.display(),
                    inp.display()
                );
            }
        }
        for (other_flag, other) in &outputs[..k] {
            if same_file(out, other) || out == other {
                anyhow::bail!(
                    "{flag} {} and {other_flag} {} name the same file",
                    out.display(),
                    other.display()
                );
            }
        }
        check_writable(flag, out)?;
    }
    Ok(())
}

/// Whether two paths name the same existing file (same device and inode).
#[cfg(unix)]
fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

/// Whether two paths name the same existing file (same canonical path).
#[cfg(not(unix))]
fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

fn check_writable(flag: &str, p: &Path) -> Result<()> {
    if p.is_dir() {
        anyhow::bail!("{flag} {}: is a directory, not a file", p.display());
    }
    if p.exists() {
        std::fs::OpenOptions::new()
            .append(true)
            .open(p)
            .with_context(|| format!("{flag} {}: cannot be written", p.display()))?;
        return Ok(());
    }
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(p)
        .with_context(|| format!("{flag} {}: cannot be created", p.display()))?;
    // Best effort: the probe is removed so that a failed run leaves nothing behind.
    let _ = std::fs::remove_file(p);
    Ok(())
}

/// Loads an instance, or explains which file failed.
pub fn load(path: &Path) -> Result<Instance> {
    Ok(Instance::load(path)?)
}

/// Writes `text` to `path`, or stdout when `None`.
pub fn write_out(path: Option<&Path>, text: &str) -> Result<()> {
    match path {
        Some(p) => std::fs::write(p, text).with_context(|| format!("writing {}", p.display())),
        None => {
            emit(text);
            Ok(())
        }
    }
}

/// Set by commands that still have files to write after printing (`route --sweep`):
/// a closed stdout then discards the rest of the printed output instead of ending the
/// program, so that the files are written all the same.
static FINISH_ON_BROKEN_PIPE: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);
/// Whether stdout was found closed (output is being discarded).
static STDOUT_CLOSED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Makes a closed stdout discard further output instead of ending the program (exit
/// code 0 at the end, as when the pipe ends it).
pub fn finish_on_broken_pipe() {
    FINISH_ON_BROKEN_PIPE.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// Writes to stdout; a closed pipe ends the program with exit code 0 (or, after
/// [`finish_on_broken_pipe`], discards the output and lets the command finish).
pub fn emit(text: &str) {
    use std::io::Write;
    use std::sync::atomic::Ordering;
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            if FINISH_ON_BROKEN_PIPE.load(Ordering::Relaxed) {
                STDOUT_CLOSED.store(true, Ordering::Relaxed);
                return;
            }
            std::process::exit(0);
        }
        eprintln!("error: writing to stdout: {e}");
        std::process::exit(1);
    }
}
