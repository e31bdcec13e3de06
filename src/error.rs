//! The library's error type: every variant says which input, which value and which rule.
//!
//! Bad input is always one of these errors, never a panic (the binary maps them to a
//! non-zero exit). Modelled on rust-csv's `src/error.rs`.

use std::path::PathBuf;

/// Result alias used throughout the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the library.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or written.
    #[error("{}: {error}", path.display())]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The underlying error (part of the message, so not chained again).
        error: std::io::Error,
    },
    /// A JSON document did not parse or did not have the expected shape
    /// (missing field, wrong type, unknown field).
    #[error("{context}: {error}")]
    Json {
        /// Where the JSON came from (file name, `line 3`, ...).
        context: String,
        /// The parser's message, with line and column.
        error: serde_json::Error,
    },
    /// A field holds a value that breaks a rule of the model.
    #[error("invalid {what}: `{field}` = {value}: {rule}")]
    InvalidField {
        /// What was being read (`instance`, `solution`, `dialogue file`, ...).
        what: &'static str,
        /// Path of the field, e.g. `users[3].bandwidth_hz`.
        field: String,
        /// The offending value, as written.
        value: String,
        /// The rule it breaks.
        rule: String,
    },
    /// The constraints admit no solution.
    #[error("infeasible: {0}")]
    Infeasible(String),
    /// An assignment does not fit the instance it is applied to.
    #[error("assignment does not fit the instance: {0}")]
    AssignmentMismatch(String),
    /// No solver of that name is registered.
    #[error("unknown solver `{name}`; known solvers: {known}")]
    UnknownSolver {
        /// The name asked for.
        name: String,
        /// The registered names, comma separated.
        known: String,
    },
    /// A solver refuses an instance (too large for an exhaustive method, unsupported
    /// feature, ...). The message says how to proceed.
    #[error("{solver}: {reason}")]
    Refused {
        /// The solver's name.
        solver: &'static str,
        /// Why, and what to change.
        reason: String,
    },
    /// A solver failed for a reason that is not the input's fault.
    #[error("{solver} failed: {reason}")]
    SolverFailed {
        /// The solver's name.
        solver: &'static str,
        /// What went wrong.
        reason: String,
    },
    /// An error about the contents of a file, with the file's path (e.g. a range
    /// error in an instance file: `x.json: invalid instance: ...`).
    #[error("{}: {error}", path.display())]
    InFile {
        /// The file.
        path: PathBuf,
        /// What is wrong in it (part of the message, so not chained again).
        error: Box<Error>,
    },
    /// A CSV file could not be written (or read as CSV at all).
    #[error("{}: {error}", path.display())]
    Csv {
        /// The file.
        path: PathBuf,
        /// The CSV library's error.
        error: csv::Error,
    },
    /// A resource the run needs could not be set up (a thread pool, ...): not the
    /// input's fault.
    #[error("cannot start {what}: {reason}")]
    Setup {
        /// What could not be set up.
        what: &'static str,
        /// Why.
        reason: String,
    },
    /// A line of a JSON-lines or CSV input is wrong.
    #[error("{}:{line}: {message}", path.display())]
    Line {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        message: String,
    },
}

impl Error {
    /// Shorthand for an [`Error::InvalidField`].
    pub fn field(
        what: &'static str,
        field: impl Into<String>,
        value: impl std::fmt::Display,
        rule: impl Into<String>,
    ) -> Self {
        Error::InvalidField {
            what,
            field: field.into(),
            value: value.to_string(),
            rule: rule.into(),
        }
    }

    /// The error as raised while reading `path`: wrapped in [`Error::InFile`] unless it
    /// already names a file ([`Error::Io`], [`Error::Json`] with the path as context,
    /// [`Error::Line`], [`Error::InFile`]).
    #[must_use]
    pub fn in_file(self, path: &std::path::Path) -> Self {
        match self {
            Error::Io { .. } | Error::Json { .. } | Error::Line { .. } | Error::InFile { .. } => {
                self
            }
            other => Error::InFile {
                path: path.to_path_buf(),
                error: Box::new(other),
            },
        }
    }

    /// Places an error found in one part of a larger input into that input: an
    /// [`Error::InvalidField`] takes the outer input's kind `what` and has `prefix`
    /// prepended to its field path (`top_probs` + `[3]` = `top_probs[3]`;
    /// `users[0]` + `x` = `users[0].x`). Other errors are returned unchanged.
    #[must_use]
    pub fn within(self, what: &'static str, prefix: &str) -> Self {
        match self {
            Error::InvalidField {
                field, value, rule, ..
            } => {
                let field = if field.is_empty() {
                    prefix.to_string()
                } else if prefix.is_empty() || field.starts_with('[') {
                    format!("{prefix}{field}")
                } else {
                    format!("{prefix}.{field}")
                };
                Error::InvalidField {
                    what,
                    field,
                    value,
                    rule,
                }
            }
            other => other,
        }
    }

    /// Wraps a CSV error with the path it concerns.
    pub fn csv(path: impl Into<PathBuf>, error: csv::Error) -> Self {
        Error::Csv {
            path: path.into(),
            error,
        }
    }

    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, error: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            error,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn within_prefixes_the_field_path() {
        let e = Error::field("candidates", "[3]", "5", "must lie in [0, 1]");
        assert_eq!(
            e.within("instance", "users[0].top_probs").to_string(),
            "invalid instance: `users[0].top_probs[3]` = 5: must lie in [0, 1]"
        );
        let e = Error::field("candidates", "", "[]", "needs one");
        assert_eq!(
            e.within("instance", "users[1].top_probs").to_string(),
            "invalid instance: `users[1].top_probs` = []: needs one"
        );
        let e = Error::field("query", "prompt_bits", "inf", "r");
        assert!(e
            .within("x", "line")
            .to_string()
            .contains("`line.prompt_bits`"));
        assert!(matches!(
            Error::Infeasible("x".into()).within("y", "z"),
            Error::Infeasible(_)
        ));
    }

    #[test]
    fn in_file_names_the_file_once() {
        let p = std::path::Path::new("dir/x.json");
        let e = Error::field("instance", "tau", 2, "must lie in [0, 1]").in_file(p);
        assert_eq!(
            e.to_string(),
            "dir/x.json: invalid instance: `tau` = 2: must lie in [0, 1]"
        );
        // Already naming a file: unchanged.
        let again = e.in_file(std::path::Path::new("other.json"));
        assert!(!again.to_string().contains("other.json"), "{again}");
        let io = Error::io(p, std::io::Error::other("gone")).in_file(p);
        assert_eq!(io.to_string(), "dir/x.json: gone");
    }
}
