//! The `llm-offload` command line: a thin layer over the library.
//!
//! `main -> cli::run -> ExitCode`: 0 on success, 1 on any error (bad input, solver
//! failure), 2 on bad usage (clap), 3 when `check` finds a broken constraint.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
