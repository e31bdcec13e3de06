//! The solver interface: [`Solver`], its [`Limits`], and the [`Outcome`] every solver
//! returns, whose objective is always recomputed by [`crate::model::evaluate`].

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::assignment::Assignment;
use crate::error::Result;
use crate::instance::Instance;
use crate::model::{evaluate, Evaluation};

/// The one tolerance of the toolkit: two objective values are equal when they differ
/// by at most `TOLERANCE * max(1, |a|, |b|)` (relative above 1, absolute below: the
/// paper's objectives are weighted seconds, mostly below 1). "Proven optimal" means
/// `bound == objective` in this sense.
pub const TOLERANCE: f64 = 1e-6;

/// Whether `a` and `b` are equal within [`TOLERANCE`].
#[must_use]
pub fn approx_eq(a: f64, b: f64) -> bool {
    if !a.is_finite() || !b.is_finite() {
        // An infinite tolerance would make every number equal to infinity.
        return a == b;
    }
    (a - b).abs() <= TOLERANCE * 1f64.max(a.abs()).max(b.abs())
}

/// The toolkit's one gap definition: `(value - reference) / max(|reference|, 1e-9)`,
/// and exactly 0 when the two are equal within [`TOLERANCE`]. A negative gap against
/// a proven optimum means a bug.
#[must_use]
pub fn relative_gap(value: f64, reference: f64) -> f64 {
    if approx_eq(value, reference) {
        0.0
    } else {
        (value - reference) / reference.abs().max(1e-9)
    }
}

/// The gap definition as printed in table headers.
pub const GAP_DEFINITION: &str = "gap = (objective - reference) / |reference|, 0 when equal within 1e-6 x max(1, |objective|, |reference|); reference = proven optimum (or best bound where marked)";

/// Resource limits and the seed, shared by every solver.
///
/// # Default
/// No time limit, no node limit, seed 0, one thread, at most
/// [`DEFAULT_MAX_ENUMERATION`] assignments for exhaustive search.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Wall-clock limit; solvers that cannot stop early ignore it.
    pub time_limit: Option<Duration>,
    /// Node limit for tree searches.
    pub node_limit: Option<u64>,
    /// Seed of randomised solvers (recorded in the outcome).
    pub seed: u64,
    /// Threads an exact solver may use.
    pub threads: usize,
    /// Most assignments an exhaustive enumeration may face before it refuses.
    pub max_enumeration: u64,
}

/// Default of [`Limits::max_enumeration`]: 10^8 assignments (about a minute).
pub const DEFAULT_MAX_ENUMERATION: u64 = 100_000_000;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            time_limit: None,
            node_limit: None,
            seed: 0,
            threads: 1,
            max_enumeration: DEFAULT_MAX_ENUMERATION,
        }
    }
}

impl Limits {
    /// Whether the time limit has passed since `start`.
    #[must_use]
    pub fn timed_out(&self, start: Instant) -> bool {
        self.time_limit.is_some_and(|t| start.elapsed() >= t)
    }
}

/// Why a solver stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// It ran to its end (a heuristic's last step, or an exact method's proof).
    Completed,
    /// Best-response dynamics reached a profile no user can improve.
    Converged,
    /// The time limit stopped it; the assignment is the incumbent.
    TimeLimit,
    /// The node limit stopped it; the assignment is the incumbent.
    NodeLimit,
    /// The iteration limit stopped it (e.g. best responses cycling).
    IterationLimit,
}

impl Status {
    /// The status as serde writes it (`completed`, `time_limit`, ...): the one
    /// spelling of every output, text or JSON.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Status::Completed => "completed",
            Status::Converged => "converged",
            Status::TimeLimit => "time_limit",
            Status::NodeLimit => "node_limit",
            Status::IterationLimit => "iteration_limit",
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Solver-specific counters, all optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Stats {
    /// Iterations, rounds or greedy steps.
    pub iterations: u64,
    /// Delay or cost evaluations made.
    pub evaluations: u64,
    /// Search nodes (exact searches).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nodes: Option<u64>,
    /// Anything else worth reporting (moves, potential, bound kind, ...).
    #[serde(skip_serializing_if = "serde_json::Map::is_empty")]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// What a solver returns: the assignment, its from-scratch evaluation and the run's
/// facts. Built only by [`Outcome::new`], which evaluates the assignment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    /// Solver name.
    pub algorithm: String,
    /// Instance name.
    pub instance: String,
    /// The answer.
    #[serde(skip)]
    pub assignment: Assignment,
    /// Objective recomputed from `assignment`.
    pub objective: f64,
    /// A proven lower bound on the optimum, when the solver has one.
    pub bound: Option<f64>,
    /// What the bound bounds: `"optimum"` or, for relaxations, what was relaxed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bound_kind: Option<String>,
    /// Why it stopped.
    pub status: Status,
    /// `bound == objective` within [`TOLERANCE`].
    pub proven_optimal: bool,
    /// Wall time (s).
    pub elapsed_s: f64,
    /// Seed used (randomised solvers).
    pub seed: Option<u64>,
    /// Counters.
    pub stats: Stats,
    /// The evaluation of section 3.
    pub evaluation: Evaluation,
}

impl Outcome {
    /// Evaluates `assignment` on `inst` and packages it. `start` is when the solver
    /// began; the elapsed time is taken now.
    ///
    /// # Errors
    /// When the assignment does not fit the instance (a solver bug, reported rather
    /// than hidden).
    pub fn new(
        algorithm: &str,
        inst: &Instance,
        assignment: Assignment,
        start: Instant,
        status: Status,
        bound: Option<f64>,
        stats: Stats,
    ) -> Result<Self> {
        let elapsed_s = start.elapsed().as_secs_f64();
        let evaluation = evaluate(inst, &assignment)?;
        let objective = evaluation.objective;
        Ok(Outcome {
            algorithm: algorithm.to_string(),
            instance: inst.name.clone(),
            assignment,
            objective,
            bound,
            bound_kind: bound.map(|_| "optimum".to_string()),
            status,
            proven_optimal: bound.is_some_and(|b| approx_eq(b, objective)),
            elapsed_s,
            seed: None,
            stats,
            evaluation,
        })
    }

    /// Records the seed.
    #[must_use]
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Labels the bound as the optimum of a relaxation (so no output calls the
    /// answer optimal unless it also meets the bound).
    #[must_use]
    pub fn with_bound_kind(mut self, kind: &str) -> Self {
        self.bound_kind = Some(kind.to_string());
        self
    }

    /// The solution JSON of SPEC 8: `assignment`, `algorithm`, `objective`, `bound`,
    /// `status`, `elapsed_s` and the evaluation's fields at top level.
    ///
    /// # Panics
    /// Never in practice: every field serialises.
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(self).expect("outcome serialises");
        let obj = v.as_object_mut().expect("outcome is an object");
        let file = self.assignment.to_file();
        obj.insert("assignment".into(), serde_json::json!(file.assignment));
        if let Some(vs) = file.variants {
            obj.insert("variants".into(), serde_json::json!(vs));
        }
        if let Some(serde_json::Value::Object(eval)) = obj.remove("evaluation") {
            for (k, val) in eval {
                obj.insert(k, val);
            }
        }
        obj.insert("feasible".into(), self.evaluation.feasible().into());
        v
    }
}

/// A running time stated as `O(N^users M^servers)`, for N users and M servers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Complexity {
    /// Exponent of N.
    pub users: f64,
    /// Exponent of M.
    pub servers: f64,
}

impl std::fmt::Display for Complexity {
    /// `O(N^3 M^2)`; an exponent 1 is left out (`O(N^2 M)`), a factor with exponent 0
    /// too.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let factor = |name: &str, e: f64| match e {
            _ if e == 0.0 => None,
            _ if e == 1.0 => Some(name.to_string()),
            _ => Some(format!("{name}^{e}")),
        };
        let parts: Vec<String> = [factor("N", self.users), factor("M", self.servers)]
            .into_iter()
            .flatten()
            .collect();
        if parts.is_empty() {
            f.write_str("O(1)")
        } else {
            write!(f, "O({})", parts.join(" "))
        }
    }
}

/// An offloading algorithm.
pub trait Solver: Send + Sync {
    /// Registry name (`goa`, `mip`, ...).
    fn name(&self) -> &'static str;
    /// One line for `llm-offload solvers`.
    fn description(&self) -> &'static str;
    /// Whether a completed run proves optimality (exact methods).
    fn is_exact(&self) -> bool {
        false
    }
    /// The running time the algorithm's authors state, when they state one;
    /// `scaling` compares its fitted exponents with it.
    fn stated_complexity(&self) -> Option<Complexity> {
        None
    }
    /// Solves `inst` within `limits`.
    ///
    /// # Errors
    /// When the solver refuses the instance (too large, unsupported) or fails.
    fn solve(&self, inst: &Instance, limits: &Limits) -> Result<Outcome>;
}

#[cfg(test)]
mod spelling_tests {
    use super::*;

    #[test]
    fn status_names_are_what_serde_writes() {
        for s in [
            Status::Completed,
            Status::Converged,
            Status::TimeLimit,
            Status::NodeLimit,
            Status::IterationLimit,
        ] {
            assert_eq!(serde_json::to_value(s).unwrap(), s.to_string());
        }
    }

    #[test]
    fn complexities_print_in_big_o() {
        let c = |users, servers| Complexity { users, servers }.to_string();
        assert_eq!(c(3.0, 2.0), "O(N^3 M^2)");
        assert_eq!(c(2.0, 1.0), "O(N^2 M)");
        assert_eq!(c(1.0, 0.0), "O(N)");
        assert_eq!(c(0.0, 0.0), "O(1)");
    }
}
