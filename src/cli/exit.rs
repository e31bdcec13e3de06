//! Exit codes of the command line, and the one place errors are mapped to them.
//!
//! | code | meaning |
//! |------|---------|
//! | 0 | success |
//! | 1 | error: bad input file, solver failure (the message names file, field, value, rule) |
//! | 2 | bad usage: unknown option or solver, a flag's value out of range |
//! | 3 | `check`: the solution is wrong (a broken constraint, or a claimed objective that differs from the recomputed one) |
//! | 4 | `table`: the results are inconsistent (e.g. an answer below a proven optimum) |

use std::process::ExitCode;

/// Bad usage (also clap's own code for parse errors).
pub const USAGE: u8 = 2;
/// `check` found the solution wrong.
pub const WRONG_SOLUTION: u8 = 3;
/// `table` found an inconsistency.
pub const INCONSISTENT: u8 = 4;

/// A command-line value that breaks a rule no single flag's parser can check (one
/// flag against another, or a setting checked after parsing): exit code 2.
#[derive(Debug)]
pub struct Usage(pub String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

/// `Err(Usage)` with a formatted message, from the enclosing function.
macro_rules! usage_bail {
    ($($t:tt)*) => { return Err($crate::cli::exit::Usage(format!($($t)*)).into()) };
}
pub(crate) use usage_bail;

/// A library error about settings that all came from flags, as bad usage.
pub fn usage(e: llm_offload::Error) -> anyhow::Error {
    Usage(e.to_string()).into()
}

/// The exit code of a failed command: 2 when the error (or any error it wraps) is
/// bad usage (a [`Usage`] or an unknown solver name), 1 otherwise.
pub fn code(e: &anyhow::Error) -> ExitCode {
    let usage = e.chain().any(|c| {
        c.is::<Usage>()
            || matches!(
                c.downcast_ref::<llm_offload::Error>(),
                Some(llm_offload::Error::UnknownSolver { .. })
            )
    });
    if usage {
        ExitCode::from(USAGE)
    } else {
        ExitCode::FAILURE
    }
}
