//! The solution file of SPEC 8, typed: what `solve --format json` writes and what
//! `check` (and any outside tool) reads back.
//!
//! Only `assignment` is required when reading (and `variants` for instances with model
//! variants); every other field is what a solver's [`Outcome`] reports. Extra fields
//! are allowed (SPEC 8); a field given twice is an error, as in instance files.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::assignment::{Assignment, AssignmentFile};
use crate::error::{Error, Result};
use crate::model::{UserEval, Violation};
use crate::solver::{BoundKind, Diagnostics, Outcome, Stats, Status};

/// A solution file (SPEC 8). Written from an [`Outcome`] by [`SolutionFile::of`];
/// read by [`SolutionFile::from_json`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SolutionFile {
    /// Server index or `null` (local) per user.
    pub assignment: Vec<Option<usize>>,
    /// Variant index per user (present only for instances with variants).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variants: Option<Vec<usize>>,
    /// The solver that produced it.
    #[serde(default)]
    pub algorithm: Option<String>,
    /// The solver's outside version (e.g. HiGHS), when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Instance name.
    #[serde(default)]
    pub instance: Option<String>,
    /// The objective (as claimed by the file; `check` recomputes it).
    #[serde(default)]
    pub objective: Option<f64>,
    /// A proven lower bound on the optimum, or `null`.
    #[serde(default)]
    pub bound: Option<f64>,
    /// What the bound bounds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bound_kind: Option<BoundKind>,
    /// Why the solver stopped.
    #[serde(default)]
    pub status: Option<Status>,
    /// Feasible and `bound == objective` within the tolerance.
    #[serde(default)]
    pub proven_optimal: Option<bool>,
    /// Every constraint of (P) holds.
    #[serde(default)]
    pub feasible: Option<bool>,
    /// Wall time (s).
    #[serde(default)]
    pub elapsed_s: Option<f64>,
    /// Seed of a seeded solver.
    #[serde(default)]
    pub seed: Option<u64>,
    /// Counters (written, not read back).
    #[serde(default, skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub stats: Option<Stats>,
    /// Family-specific diagnostics (written, not read back).
    #[serde(default, skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub diagnostics: Option<Diagnostics>,
    /// Mean delay per user (s).
    #[serde(default)]
    pub mean_delay_s: Option<f64>,
    /// Mean communication delay per user (s).
    #[serde(default)]
    pub mean_comm_s: Option<f64>,
    /// Mean server compute delay per user (s).
    #[serde(default)]
    pub mean_comp_s: Option<f64>,
    /// Mean device compute delay per user (s).
    #[serde(default)]
    pub mean_local_s: Option<f64>,
    /// Mean correctness probability, when known.
    #[serde(default)]
    pub accuracy: Option<f64>,
    /// Offloaded users.
    #[serde(default)]
    pub offloaded: Option<usize>,
    /// Users per server.
    #[serde(default)]
    pub loads: Option<Vec<usize>>,
    /// Output tokens per second of delay, when known.
    #[serde(default)]
    pub token_throughput: Option<f64>,
    /// Mean perplexity of the chosen variants, when known.
    #[serde(default)]
    pub mean_perplexity: Option<f64>,
    /// Broken constraints (written, not read back: `check` recomputes them).
    #[serde(default, skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub violations: Option<Vec<Violation>>,
    /// Per-user detail (written, not read back).
    #[serde(default, skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub users: Option<Vec<UserEval>>,
}

impl SolutionFile {
    /// The file of an outcome.
    #[must_use]
    pub fn of(out: &Outcome) -> Self {
        let AssignmentFile {
            assignment,
            variants,
        } = out.assignment().to_file();
        let e = out.evaluation();
        SolutionFile {
            assignment,
            variants,
            algorithm: Some(out.algorithm().to_string()),
            version: out.version().map(str::to_string),
            instance: Some(out.instance().to_string()),
            objective: Some(out.objective()),
            bound: out.bound_value(),
            bound_kind: out.bound_kind(),
            status: Some(out.status()),
            proven_optimal: Some(out.proven_optimal()),
            feasible: Some(e.feasible()),
            elapsed_s: Some(out.elapsed_s()),
            seed: out.seed(),
            stats: Some(out.stats().clone()),
            diagnostics: (!out.diagnostics().is_none()).then(|| out.diagnostics().clone()),
            mean_delay_s: Some(e.mean_delay_s),
            mean_comm_s: Some(e.mean_comm_s),
            mean_comp_s: Some(e.mean_comp_s),
            mean_local_s: Some(e.mean_local_s),
            accuracy: e.accuracy,
            offloaded: Some(e.offloaded),
            loads: Some(e.loads.clone()),
            token_throughput: e.token_throughput,
            mean_perplexity: e.mean_perplexity,
            violations: Some(e.violations.clone()),
            users: Some(e.users.clone()),
        }
    }

    /// Reads a solution from JSON text; `origin` names it in errors (a file path).
    ///
    /// # Errors
    /// [`Error::Json`] naming `origin` for malformed JSON, a missing `assignment`, a
    /// field of the wrong type or a field given twice.
    pub fn from_json(text: &str, origin: &str) -> Result<Self> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        serde_json::from_str(text).map_err(|error| Error::Json {
            context: origin.to_string(),
            error,
        })
    }

    /// Reads a solution file.
    ///
    /// # Errors
    /// [`Error::Io`] when it cannot be read; as [`SolutionFile::from_json`].
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::from_json(&text, &path.display().to_string())
    }

    /// The assignment it names.
    ///
    /// # Errors
    /// As [`Assignment::from_file`].
    pub fn assignment(&self) -> Result<Assignment> {
        Assignment::from_file(&AssignmentFile {
            assignment: self.assignment.clone(),
            variants: self.variants.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_file_reads() {
        let f =
            SolutionFile::from_json(r#"{"assignment": [0, null], "note": "x"}"#, "s.json").unwrap();
        assert_eq!(f.assignment, vec![Some(0), None]);
        assert_eq!(f.objective, None);
    }

    #[test]
    fn duplicate_assignment_is_an_error_naming_the_file() {
        let e = SolutionFile::from_json(r#"{"assignment": [0], "assignment": [1]}"#, "s.json")
            .unwrap_err()
            .to_string();
        assert!(e.contains("s.json") && e.contains("duplicate"), "{e}");
    }

    #[test]
    fn missing_assignment_is_an_error() {
        let e = SolutionFile::from_json(r#"{"objective": 1.0}"#, "s.json")
            .unwrap_err()
            .to_string();
        assert!(e.contains("assignment"), "{e}");
    }
}
