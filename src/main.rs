//! The `llm-offload` command line: a thin layer over the library.
//!
//! `main -> cli::run -> ExitCode`: 0 on success, 1 on any error (bad input, solver
//! failure), 2 on bad usage (clap, an unknown solver, a flag out of range), 3 when
//! `check` finds the solution wrong, 4 when `table` finds an inconsistency
//! (`cli/exit.rs`).

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
