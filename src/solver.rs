//! The solver interface: [`Solver`], its [`Limits`], and the [`Outcome`] every solver
//! returns, whose objective is always recomputed by [`crate::model::evaluate`].

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::assignment::Assignment;
use crate::error::Result;
use crate::instance::Instance;
use crate::model::{evaluate, Evaluation};

/// The one tolerance of the toolkit, purely relative: two objective values are equal
/// when they differ by at most `TOLERANCE * max(|a|, |b|)`. "Proven optimal" means
/// `bound == objective` in this sense.
pub const TOLERANCE: f64 = 1e-6;

/// Whether `a` and `b` are equal within [`TOLERANCE`] (relative).
#[must_use]
pub fn approx_eq(a: f64, b: f64) -> bool {
    if !a.is_finite() || !b.is_finite() {
        // An infinite tolerance would make every number equal to infinity.
        return a == b;
    }
    (a - b).abs() <= TOLERANCE * a.abs().max(b.abs())
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
pub const GAP_DEFINITION: &str = "gap = (objective - reference) / |reference|, 0 when equal within 1e-6 x max(|objective|, |reference|); reference = proven optimum (or best bound where marked)";

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

/// What a proven lower bound bounds, or rather how it was obtained: every bound a
/// solver reports is a lower bound on the optimum of (P); the kind says whether it
/// came from the exact method's own search or from a relaxation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum BoundKind {
    /// The exact method's own bound on (P): a MIP's dual bound, a branch and bound's
    /// best open node, a complete enumeration's optimum.
    #[serde(rename = "optimum")]
    Optimum,
    /// The optimum (or dual bound) of (P) with interference switched off: a lower
    /// bound, since interference only adds delay.
    #[serde(rename = "interference-free relaxation")]
    InterferenceFreeRelaxation,
}

impl BoundKind {
    /// Every kind, in display order.
    pub const ALL: [BoundKind; 2] = [BoundKind::Optimum, BoundKind::InterferenceFreeRelaxation];

    /// The name written in results files and reports.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            BoundKind::Optimum => "optimum",
            BoundKind::InterferenceFreeRelaxation => "interference-free relaxation",
        }
    }
}

impl std::fmt::Display for BoundKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for BoundKind {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        BoundKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                let known: Vec<&str> = BoundKind::ALL.iter().map(|k| k.as_str()).collect();
                format!("unknown bound kind {s:?} (known: {})", known.join(", "))
            })
    }
}

/// A proven lower bound on the optimum and what it bounds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Bound {
    /// The value.
    pub value: f64,
    /// How it was obtained.
    pub kind: BoundKind,
}

impl Bound {
    /// A bound from the exact method's own search ([`BoundKind::Optimum`]).
    #[must_use]
    pub fn optimum(value: f64) -> Self {
        Bound {
            value,
            kind: BoundKind::Optimum,
        }
    }
}

/// Counters every solver may fill.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Stats {
    /// Iterations, rounds or greedy steps.
    pub iterations: u64,
    /// Delay or cost evaluations made.
    pub evaluations: u64,
    /// Search nodes (exact searches).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nodes: Option<u64>,
}

/// What only one solver family knows about its run, typed per family.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Diagnostics {
    /// Nothing beyond the counters.
    #[default]
    None,
    /// The HiGHS MIP.
    Mip(crate::solvers::mip::MipDiagnostics),
    /// Best-response dynamics.
    BestResponse(crate::solvers::best_response::BestResponseDiagnostics),
    /// The branch and bound.
    TreeSearch(crate::solvers::tree_search::TreeSearchDiagnostics),
    /// The iterated local search.
    LocalSearch(crate::solvers::local_search::LocalSearchDiagnostics),
    /// A solver outside this crate: free-form, as it reports them.
    External(serde_json::Value),
}

impl Diagnostics {
    /// Whether there is nothing to report.
    #[must_use]
    pub fn is_none(&self) -> bool {
        matches!(self, Diagnostics::None)
    }
}

/// What a solver knows of its own run: the assignment, why it stopped, a proven bound
/// if it has one, counters and diagnostics. [`run`] turns it into an [`Outcome`].
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The answer.
    pub assignment: Assignment,
    /// Why it stopped.
    pub status: Status,
    /// A proven lower bound on the optimum, if any.
    pub bound: Option<Bound>,
    /// Counters.
    pub stats: Stats,
    /// Family-specific facts.
    pub diagnostics: Diagnostics,
}

impl Answer {
    /// A completed run's assignment, without bound, counters or diagnostics.
    #[must_use]
    pub fn new(assignment: Assignment) -> Self {
        Answer {
            assignment,
            status: Status::Completed,
            bound: None,
            stats: Stats::default(),
            diagnostics: Diagnostics::None,
        }
    }

    /// Sets why it stopped.
    #[must_use]
    pub fn with_status(mut self, status: Status) -> Self {
        self.status = status;
        self
    }

    /// Sets the proven bound.
    #[must_use]
    pub fn with_bound(mut self, bound: Option<Bound>) -> Self {
        self.bound = bound;
        self
    }

    /// Sets the counters.
    #[must_use]
    pub fn with_stats(mut self, stats: Stats) -> Self {
        self.stats = stats;
        self
    }

    /// Sets the diagnostics.
    #[must_use]
    pub fn with_diagnostics(mut self, diagnostics: Diagnostics) -> Self {
        self.diagnostics = diagnostics;
        self
    }
}

/// A run's limits and its start: what a solver consults to stop in time.
#[derive(Debug, Clone)]
pub struct Budget<'l> {
    limits: &'l Limits,
    start: Instant,
}

impl<'l> Budget<'l> {
    /// A budget starting now.
    #[must_use]
    pub fn start(limits: &'l Limits) -> Self {
        Budget {
            limits,
            start: Instant::now(),
        }
    }

    /// The limits.
    #[must_use]
    pub fn limits(&self) -> &'l Limits {
        self.limits
    }

    /// Time since the run started.
    #[must_use]
    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    /// Whether the time limit has passed.
    #[must_use]
    pub fn timed_out(&self) -> bool {
        self.limits.time_limit.is_some_and(|t| self.elapsed() >= t)
    }

    /// Time left before the limit (`None` without a limit; zero once passed).
    #[must_use]
    pub fn remaining(&self) -> Option<Duration> {
        self.limits
            .time_limit
            .map(|t| t.saturating_sub(self.elapsed()))
    }
}

impl std::ops::Deref for Budget<'_> {
    type Target = Limits;
    fn deref(&self) -> &Limits {
        self.limits
    }
}

/// What a solver returns: the assignment, its from-scratch evaluation and the run's
/// facts. Built only by [`run`], which times the solver, names it, evaluates the
/// assignment and checks the bound (or, for a solution read from a file, by
/// [`Outcome::of_solution_file`]); its fields are read through methods, so the
/// objective is always the evaluation of the assignment.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    algorithm: String,
    version: Option<String>,
    instance: String,
    assignment: Assignment,
    bound: Option<Bound>,
    status: Status,
    elapsed_s: f64,
    seed: Option<u64>,
    stats: Stats,
    diagnostics: Diagnostics,
    evaluation: Evaluation,
}

impl Outcome {
    /// Solver name.
    #[must_use]
    pub fn algorithm(&self) -> &str {
        &self.algorithm
    }
    /// Solver version ([`Solver::version`]), e.g. the HiGHS linked in.
    #[must_use]
    pub fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }
    /// Instance name.
    #[must_use]
    pub fn instance(&self) -> &str {
        &self.instance
    }
    /// The answer.
    #[must_use]
    pub fn assignment(&self) -> &Assignment {
        &self.assignment
    }
    /// The answer, by value.
    #[must_use]
    pub fn into_assignment(self) -> Assignment {
        self.assignment
    }
    /// Objective recomputed from the assignment.
    #[must_use]
    pub fn objective(&self) -> f64 {
        self.evaluation.objective
    }
    /// The proven lower bound, if any, with its kind.
    #[must_use]
    pub fn bound(&self) -> Option<Bound> {
        self.bound
    }
    /// The proven lower bound's value, if any.
    #[must_use]
    pub fn bound_value(&self) -> Option<f64> {
        self.bound.map(|b| b.value)
    }
    /// The proven lower bound's kind, if any.
    #[must_use]
    pub fn bound_kind(&self) -> Option<BoundKind> {
        self.bound.map(|b| b.kind)
    }
    /// Why it stopped.
    #[must_use]
    pub fn status(&self) -> Status {
        self.status
    }
    /// Feasible and `bound == objective` within [`TOLERANCE`].
    #[must_use]
    pub fn proven_optimal(&self) -> bool {
        self.evaluation.feasible()
            && self
                .bound
                .is_some_and(|b| approx_eq(b.value, self.objective()))
    }
    /// Wall time (s), measured by [`run`].
    #[must_use]
    pub fn elapsed_s(&self) -> f64 {
        self.elapsed_s
    }
    /// Seed used (seeded solvers only).
    #[must_use]
    pub fn seed(&self) -> Option<u64> {
        self.seed
    }
    /// Counters.
    #[must_use]
    pub fn stats(&self) -> &Stats {
        &self.stats
    }
    /// Family-specific facts.
    #[must_use]
    pub fn diagnostics(&self) -> &Diagnostics {
        &self.diagnostics
    }
    /// The evaluation of section 3.
    #[must_use]
    pub fn evaluation(&self) -> &Evaluation {
        &self.evaluation
    }

    /// The outcome of a solution read from a file (`check`): the file's assignment,
    /// evaluated from scratch on `inst`, under the file's algorithm name (`given`
    /// when it names none); no bound (a claimed one is not evidence), status
    /// completed, the file's elapsed time (0 when absent).
    ///
    /// # Errors
    /// When the assignment does not fit the instance.
    pub fn of_solution_file(inst: &Instance, file: &crate::solution::SolutionFile) -> Result<Self> {
        let assignment = file.assignment()?;
        let evaluation = evaluate(inst, &assignment)?;
        Ok(Outcome {
            algorithm: file
                .algorithm
                .clone()
                .unwrap_or_else(|| "given".to_string()),
            version: file.version.clone(),
            instance: inst.name().to_string(),
            assignment,
            bound: None,
            status: Status::Completed,
            elapsed_s: file.elapsed_s.unwrap_or(0.0),
            seed: file.seed,
            stats: Stats::default(),
            diagnostics: Diagnostics::None,
            evaluation,
        })
    }

    /// The solution file of SPEC 8.
    #[must_use]
    pub fn to_file(&self) -> crate::solution::SolutionFile {
        crate::solution::SolutionFile::of(self)
    }

    /// The solution JSON of SPEC 8 ([`Outcome::to_file`] as a JSON value).
    ///
    /// # Panics
    /// Never in practice: every field serialises.
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self.to_file()).expect("solution file serialises")
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

/// An offloading algorithm: [`Solver::search`] returns what only it knows;
/// [`Solver::solve`] (that is, [`run`]) times it, names it and evaluates its answer.
pub trait Solver: Send + Sync {
    /// Registry name (`goa`, `mip`, ...).
    fn name(&self) -> &'static str;
    /// One line for `llm-offload solvers`.
    fn description(&self) -> &'static str;
    /// Whether a completed run proves optimality (exact methods).
    fn is_exact(&self) -> bool {
        false
    }
    /// Whether the solver ignores the threshold tau, as the paper's baselines do
    /// (SPEC 5): its answers solve (P) without the constraint that users with
    /// `alpha > tau` offload, so they may be infeasible for (P), and the evaluation's
    /// violations say so.
    fn ignores_tau(&self) -> bool {
        false
    }
    /// The running time the algorithm's authors state, when they state one;
    /// `scaling` compares its fitted exponents with it.
    fn stated_complexity(&self) -> Option<Complexity> {
        None
    }
    /// Whether the answer depends on [`Limits::seed`] (recorded in the outcome).
    fn is_seeded(&self) -> bool {
        false
    }
    /// The version of outside code the answer depends on (e.g. the HiGHS linked in).
    fn version(&self) -> Option<String> {
        None
    }
    /// Searches `inst` within the budget.
    ///
    /// # Errors
    /// When the solver refuses the instance (too large, unsupported) or fails.
    fn search(&self, inst: &Instance, budget: &Budget<'_>) -> Result<Answer>;

    /// Solves `inst` within `limits` through [`run`], the one path of every solve
    /// (an implementor has no reason to override it, and cannot build an
    /// [`Outcome`] any other way).
    ///
    /// # Errors
    /// As [`run`].
    fn solve(&self, inst: &Instance, limits: &Limits) -> Result<Outcome> {
        run(self, inst, limits)
    }
}

/// The one path every solve goes through: starts the clock, lets `solver` search,
/// takes the wall time, evaluates the returned assignment from scratch and checks the
/// bound against it: a bound above its own feasible objective by more than the
/// tolerance is a broken answer; one equal to it within the tolerance is reported as
/// the objective itself (the difference is float noise of incremental sums).
///
/// # Errors
/// The solver's own errors; [`Error::AssignmentMismatch`](crate::Error) when the
/// assignment does not fit the instance; [`Error::SolverFailed`](crate::Error) when
/// the bound is not finite or lies above the feasible objective.
pub fn run<S: Solver + ?Sized>(solver: &S, inst: &Instance, limits: &Limits) -> Result<Outcome> {
    let budget = Budget::start(limits);
    let answer = solver.search(inst, &budget)?;
    let elapsed_s = budget.elapsed().as_secs_f64();
    let evaluation = evaluate(inst, &answer.assignment)?;
    let objective = evaluation.objective;
    let bound = match answer.bound {
        Some(b) if b.value.is_nan() || b.value == f64::INFINITY => {
            return Err(crate::Error::SolverFailed {
                solver: solver.name(),
                reason: format!("reported the bound {}", b.value),
            })
        }
        Some(b)
            if evaluation.feasible() && b.value > objective && !approx_eq(b.value, objective) =>
        {
            return Err(crate::Error::SolverFailed {
                solver: solver.name(),
                reason: format!(
                    "reported the bound {} above the objective {objective} of its own feasible \
                     answer",
                    b.value
                ),
            })
        }
        // Equal within the tolerance: the objective itself (float noise either way).
        Some(b) if approx_eq(b.value, objective) => Some(Bound {
            value: objective,
            kind: b.kind,
        }),
        other => other,
    };
    Ok(Outcome {
        algorithm: solver.name().to_string(),
        version: solver.version(),
        instance: inst.name().to_string(),
        assignment: answer.assignment,
        bound,
        status: answer.status,
        elapsed_s,
        seed: solver.is_seeded().then_some(limits.seed),
        stats: answer.stats,
        diagnostics: answer.diagnostics,
        evaluation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::generate::{generate, GenConfig};

    /// Answers all-local with a bound of `factor` times that objective.
    struct Claims(f64);

    impl Solver for Claims {
        fn name(&self) -> &'static str {
            "claims"
        }
        fn description(&self) -> &'static str {
            "test solver"
        }
        fn search(&self, inst: &Instance, _: &Budget<'_>) -> Result<Answer> {
            let a = Assignment::all_local(inst.n_users());
            let v = evaluate(inst, &a)?.objective;
            Ok(Answer::new(a).with_bound(Some(Bound::optimum(self.0 * v))))
        }
    }

    fn inst() -> Instance {
        generate(&GenConfig {
            users: 5,
            servers: 2,
            tau: 1.0,
            seed: 2,
            ..GenConfig::default()
        })
        .unwrap()
    }

    #[test]
    fn run_evaluates_and_derives_optimality() {
        let inst = inst();
        let out = Claims(1.0).solve(&inst, &Limits::default()).unwrap();
        assert_eq!(
            out.objective(),
            evaluate(&inst, out.assignment()).unwrap().objective
        );
        assert!(out.proven_optimal());
        assert_eq!(out.algorithm(), "claims");
        assert_eq!(out.seed(), None);
        let lower = Claims(0.5).solve(&inst, &Limits::default()).unwrap();
        assert!(!lower.proven_optimal());
        assert_eq!(lower.bound_kind(), Some(BoundKind::Optimum));
    }

    #[test]
    fn run_rejects_a_bound_above_its_own_feasible_answer() {
        let inst = inst();
        let e = Claims(1.01).solve(&inst, &Limits::default()).unwrap_err();
        assert!(e.to_string().contains("above the objective"), "{e}");
        assert!(Claims(f64::NAN).solve(&inst, &Limits::default()).is_err());
        // Within the tolerance it is float noise: reported as the objective itself.
        let out = Claims(1.0 + 1e-9).solve(&inst, &Limits::default()).unwrap();
        assert_eq!(out.bound_value(), Some(out.objective()));
    }

    #[test]
    fn tolerance_is_relative() {
        assert!(approx_eq(1e-9, 1e-9 * (1.0 + 1e-7)));
        assert!(!approx_eq(1e-9, 2e-9));
        assert!(approx_eq(1e6, 1e6 + 0.5));
        assert!(!approx_eq(0.0, 1e-12));
        assert_eq!(relative_gap(1.0, 1.0 + 1e-8), 0.0);
    }

    #[test]
    fn bound_kinds_round_trip_through_their_names() {
        for k in BoundKind::ALL {
            assert_eq!(k.as_str().parse::<BoundKind>().unwrap(), k);
            assert_eq!(serde_json::to_string(&k).unwrap(), format!("\"{k}\""));
        }
        assert!("nonsense".parse::<BoundKind>().is_err());
    }
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
