//! `mip`: the exact mixed-integer program of SPEC 5, solved by HiGHS through good_lp.
//!
//! Without interference a user's delay on server `j` depends only on the load `n_j`,
//! so the problem is linear in "load level" variables:
//!
//! - `y_jk` (binary): server `j` serves exactly `k` users, `k = 0..=K_j`;
//! - `z_ijvk` (continuous in \[0,1\]): user `i` runs variant `v` on server `j` and `j`
//!   serves `k` users (the product `x_ijv * y_jk`, linearised);
//! - `l_iv` (continuous in \[0,1\]): user `i` answers locally on device variant `v`
//!   (absent for users with `alpha_i > tau`, who must offload).
//!
//! Costs come from the model, never re-derived: `c_ijvk = w_i d_ijv(k, I = 0) +
//! penalty(j, v)` from [`Model::edge_delay`] and [`Model::penalty`]. Constraints:
//!
//! - `user_i`:  `sum_v l_iv + sum_{j,v,k} z_ijvk = 1` (one option per user);
//! - `level_j`: `sum_k y_jk = 1` (one load level per server);
//! - `load_jk`: `sum_{i,v} z_ijvk = k y_jk`, `k >= 1` (level `k` holds `k` users, of
//!   any variant); `max_users` caps are `K_j <= max_users`;
//! - optionally `link_ijvk`: `z_ijvk <= y_jk` (valid, tightens the LP relaxation).
//!
//! For integral `y` the rest is a transportation problem (totally unimodular), so
//! `z` and `l` need no integrality. With interference on, the same program (I = 0)
//! is a relaxation, and its optimum a valid lower bound (delays only grow with
//! interference): the outcome then reports the recomputed, interference-on objective
//! of the MIP's assignment and labels the bound `"interference-free relaxation"`.
//! See `docs/exact.md` for sizes, settings and measurements.

pub mod export;
mod formulation;
pub mod interference;

pub use formulation::{
    check_size, cost_evaluations, decode, formulate, formulate_until, is_integral, round,
    Formulation, InterferenceBound, MipConfig, Row, RowKind, Sense, Var, MAX_COLUMNS,
    MAX_COST_EVALUATIONS,
};

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use good_lp::solvers::highs::highs;
use good_lp::{constraint, variable, Expression, ProblemVariables, SolverModel};
use highs::{HighsModelStatus, HighsSolutionStatus};

use crate::assignment::{Assignment, Choice};
use crate::error::{Error, Result};
use crate::instance::Instance;
use crate::model::{evaluate, Model};
use serde::Serialize;

use crate::solver::{Answer, Bound, BoundKind, Budget, Diagnostics, Limits, Solver, Stats, Status};

const NAME: &str = "mip";

/// Registry name of `mip` with [`InterferenceBound::Relaxation`].
pub const RELAXATION_NAME: &str = "mip-relaxation";

/// The HiGHS linked into this build (the `highs-sys` crate version equals the bundled
/// HiGHS version; a test pins this string to `Cargo.lock`).
pub const HIGHS_VERSION: &str = "HiGHS 1.16.0 (highs-sys 1.16.0)";

static HIGHS_LOCK: Mutex<()> = Mutex::new(());

/// The lock every HiGHS solve in this crate holds: HiGHS's global thread scheduler is
/// not safe to tear down while another solve runs. Take it around your own HiGHS
/// calls when they may run beside this crate's.
pub fn highs_lock() -> MutexGuard<'static, ()> {
    HIGHS_LOCK.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What HiGHS returned.
#[derive(Debug, Clone)]
pub struct Solved {
    /// Column values of the incumbent, if HiGHS has one.
    pub values: Option<Vec<f64>>,
    /// HiGHS's model status.
    pub status: HighsModelStatus,
    /// HiGHS's dual (lower) bound, when finite.
    pub dual_bound: Option<f64>,
    /// HiGHS's objective of its incumbent (a diagnostic).
    pub objective: f64,
    /// Simplex iterations.
    pub iterations: u64,
}

impl Solved {
    /// Whether HiGHS's reported objective is the formulation's cost of its incumbent
    /// (within [`crate::TOLERANCE`]); true when there is no incumbent to check.
    #[must_use]
    pub fn consistent(&self, f: &Formulation) -> bool {
        self.values.as_ref().is_none_or(|x| {
            let cost: f64 = x.iter().zip(&f.cost).map(|(v, c)| v * c).sum();
            crate::solver::approx_eq(cost, self.objective)
        })
    }
}

/// HiGHS options beyond those [`run_highs`] always sets.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct HighsOptions {
    /// `primal_feasibility_tolerance` (HiGHS's default 1e-7 when `None`).
    pub primal_feasibility_tolerance: Option<f64>,
    /// `objective_bound` (unscaled): HiGHS looks only for solutions below it and
    /// reports the model infeasible when there is none.
    pub cutoff: Option<f64>,
    /// `presolve = "off"`: HiGHS 1.16's presolve (`strengthenInequalities`, also
    /// inside its RENS sub-MIPs) can run for minutes on the dense interference rows
    /// without looking at the time limit.
    pub presolve_off: bool,
    /// Every column continuous in [0, 1]: the LP relaxation, whose optimum
    /// (`Solved::objective`) bounds the MIP's from below.
    pub relaxation: bool,
}

/// Solves a formulation with HiGHS (under [`highs_lock`]): relative and absolute gap
/// 0, `limits.threads` threads, seed `limits.seed`, quiet, the time left of
/// `limits.time_limit` since `start`, `limits.node_limit` as HiGHS's node limit, and
/// `start_columns` as the starting incumbent.
///
/// HiGHS sees the costs multiplied by [`Formulation::objective_scale`], so that its
/// absolute tolerances (about 1e-6 on the objective) are far below the toolkit's
/// [`crate::TOLERANCE`]; the values returned are unscaled.
///
/// # Errors
/// [`Error::SolverFailed`] when HiGHS rejects the model or an option.
pub fn run_highs(
    f: &Formulation,
    limits: &Limits,
    start: Instant,
    start_columns: Option<&[f64]>,
) -> Result<Solved> {
    run_highs_with(f, limits, start, start_columns, &HighsOptions::default())
}

/// [`run_highs`] with further options.
///
/// # Errors
/// As [`run_highs`].
pub fn run_highs_with(
    f: &Formulation,
    limits: &Limits,
    start: Instant,
    start_columns: Option<&[f64]>,
    options: &HighsOptions,
) -> Result<Solved> {
    let fail = |reason: String| Error::SolverFailed {
        solver: NAME,
        reason,
    };
    let mut pv = ProblemVariables::new();
    let cols: Vec<good_lp::Variable> = (0..f.vars.len())
        .map(|c| {
            pv.add(if f.is_integer(c) && !options.relaxation {
                variable().binary()
            } else {
                variable().min(0).max(1)
            })
        })
        .collect();
    let scale = f.objective_scale();
    let mut objective = Expression::with_capacity(cols.len());
    for (&c, &w) in cols.iter().zip(&f.cost) {
        objective.add_mul(w * scale, c);
    }
    let mut problem = pv.minimise(objective).using(highs);
    for row in &f.rows {
        let mut e = Expression::with_capacity(row.terms.len());
        for &(c, a) in &row.terms {
            e.add_mul(a, cols[c]);
        }
        problem.add_constraint(match row.sense {
            Sense::Eq => constraint::eq(e, row.rhs),
            Sense::Le => constraint::leq(e, row.rhs),
        });
    }
    let _guard = highs_lock();
    let mut model = problem.try_into_inner().map_err(|e| fail(e.to_string()))?;
    let seed = i32::try_from(limits.seed % (i32::MAX as u64)).unwrap_or(0);
    let threads = i32::try_from(limits.threads).unwrap_or(i32::MAX);
    let set = |k: &str, r: std::result::Result<(), highs::TrySetOptionError>| {
        r.map_err(|_| fail(format!("HiGHS rejected option {k}")))
    };
    set("mip_rel_gap", model.try_set_option("mip_rel_gap", 0.0))?;
    set("mip_abs_gap", model.try_set_option("mip_abs_gap", 0.0))?;
    set("threads", model.try_set_option("threads", threads))?;
    set("random_seed", model.try_set_option("random_seed", seed))?;
    if options.presolve_off {
        set("presolve", model.try_set_option("presolve", "off"))?;
    }
    if let Some(cut) = options.cutoff {
        set(
            "objective_bound",
            model.try_set_option("objective_bound", cut * scale),
        )?;
    }
    if let Some(tol) = options.primal_feasibility_tolerance {
        set(
            "primal_feasibility_tolerance",
            model.try_set_option("primal_feasibility_tolerance", tol),
        )?;
        set(
            "mip_feasibility_tolerance",
            model.try_set_option("mip_feasibility_tolerance", tol),
        )?;
    }
    if let Some(t) = limits.time_limit {
        let left = t.saturating_sub(start.elapsed()).as_secs_f64().max(1e-6);
        set("time_limit", model.try_set_option("time_limit", left))?;
    }
    if let Some(nodes) = limits.node_limit {
        let nodes = i32::try_from(nodes).unwrap_or(i32::MAX);
        set(
            "mip_max_nodes",
            model.try_set_option("mip_max_nodes", nodes),
        )?;
    }
    if let Some(cols) = start_columns {
        model
            .try_set_solution(Some(cols), None, None, None)
            .map_err(|e| fail(format!("HiGHS rejected the start: {e:?}")))?;
    }
    let solved = model
        .try_solve()
        .map_err(|e| fail(format!("HiGHS run failed: {e:?}")))?;
    let status = solved.status();
    let has_solution = solved.primal_solution_status() == HighsSolutionStatus::Feasible;
    let dual_bound = solved
        .double_info_value(c"mip_dual_bound")
        .ok()
        .filter(|b| b.is_finite())
        .map(|b| b / scale);
    Ok(Solved {
        values: has_solution.then(|| solved.get_solution().columns().to_vec()),
        status,
        dual_bound,
        objective: solved.objective_value() / scale,
        iterations: u64::try_from(solved.simplex_iteration_count()).unwrap_or(0),
    })
}

/// `mip`: the exact MIP (interference off) or its relaxation bound (interference on).
#[derive(Debug, Clone, Copy, Default)]
pub struct Mip {
    /// Formulation settings.
    pub config: MipConfig,
}

impl Solver for Mip {
    fn name(&self) -> &'static str {
        match self.config.interference {
            InterferenceBound::Refine => NAME,
            InterferenceBound::Relaxation => RELAXATION_NAME,
        }
    }
    fn description(&self) -> &'static str {
        match self.config.interference {
            InterferenceBound::Refine => {
                "HiGHS MIP over load levels: exact without interference; with it, an \
                 interference-aware bound refined until it meets the incumbent"
            }
            InterferenceBound::Relaxation => {
                "HiGHS MIP over load levels: exact without interference, interference-free \
                 relaxation bound with it (for comparison)"
            }
        }
    }
    fn is_exact(&self) -> bool {
        true
    }
    fn is_seeded(&self) -> bool {
        true
    }
    fn version(&self) -> Option<String> {
        Some(HIGHS_VERSION.to_string())
    }
    fn search(&self, inst: &Instance, budget: &Budget<'_>) -> Result<Answer> {
        let limits = budget.limits();
        let start = Instant::now() - budget.elapsed();
        check_size(inst)?;
        if inst.interference() && self.config.interference == InterferenceBound::Refine {
            return solve_refined(inst, limits, start);
        }
        let deadline = limits.time_limit.map(|t| start + t);
        let Some(mut f) = formulate_until(inst, &self.config, deadline)? else {
            // The time limit passed while building: GOA's answer, no bound.
            let goa = super::goa::assignment(inst)?;
            return Ok(Answer::new(goa)
                .with_status(Status::TimeLimit)
                .with_diagnostics(Diagnostics::Mip(MipDiagnostics::built_too_late())));
        };
        let warm = if self.config.warm_start {
            super::goa::assignment(inst)
                .ok()
                .and_then(|a| repaired_start(inst, &f, a))
        } else {
            None
        };
        let mut solved = run_highs(&f, limits, start, warm.as_ref().map(|w| w.1.as_slice()))?;
        // HiGHS 1.16 can report "Optimal" with an objective that its own incumbent does
        // not have after a start was set (seen with the unreduced formulation: objective
        // and bound 0). Check the incumbent's cost against the reported objective and,
        // when they disagree, solve again without the start.
        let mut start_discarded = false;
        if warm.is_some() && !solved.consistent(&f) {
            solved = run_highs(&f, limits, start, None)?;
            start_discarded = true;
        }
        let (solved, edges_made_binary) = integral_answer(inst, &mut f, solved, limits, start)?;
        let status = match solved.status {
            HighsModelStatus::Optimal => Status::Completed,
            HighsModelStatus::ReachedTimeLimit => Status::TimeLimit,
            HighsModelStatus::ReachedSolutionLimit if limits.node_limit.is_some() => {
                Status::NodeLimit
            }
            HighsModelStatus::Infeasible => {
                return Err(Error::Infeasible(format!(
                    "HiGHS proves the MIP of {} infeasible (caps cannot hold the users \
                     that must offload)",
                    inst.name()
                )))
            }
            other => {
                return Err(Error::SolverFailed {
                    solver: NAME,
                    reason: format!("HiGHS stopped with status {other:?}"),
                })
            }
        };
        let mip_assignment = match &solved.values {
            Some(values) => Some(decode(&f, values, inst.n_users())?),
            None => None,
        };
        // With interference the MIP's assignment is optimal only for the relaxation;
        // its warm start may do better on the real objective, so keep the better one
        // (the MIP's on ties). Without interference HiGHS's incumbent is never worse
        // than the start it was given.
        let (assignment, source) = match (mip_assignment, warm) {
            (Some(a), Some((w, _))) if f.relaxation => {
                let (ea, ew) = (evaluate(inst, &a)?, evaluate(inst, &w)?);
                if ew.objective < ea.objective {
                    (w, Incumbent::GoaWarmStart)
                } else {
                    (a, Incumbent::Highs)
                }
            }
            (Some(a), _) => (a, Incumbent::Highs),
            (None, Some((w, _))) => (w, Incumbent::GoaWarmStart),
            (None, None) => {
                return Err(Error::SolverFailed {
                    solver: NAME,
                    reason: format!(
                        "stopped ({status:?}) before finding any feasible assignment; \
                         raise --time-limit"
                    ),
                })
            }
        };
        let stats = Stats {
            iterations: solved.iterations,
            ..Stats::default()
        };
        let diagnostics = MipDiagnostics {
            columns: f.vars.len(),
            integer_columns: f.n_integer(),
            rows: f.rows.len(),
            highs_status: Some(format!("{:?}", solved.status)),
            highs_objective: Some(solved.objective),
            highs_dual_bound: solved.dual_bound,
            incumbent: source,
            warm_start_discarded: start_discarded,
            edges_made_binary,
            interference_bound: None,
        };
        // The dual bound bounds the optimum of what was formulated from below: (P)
        // itself without interference, its interference-free relaxation with it.
        let kind = if f.relaxation {
            BoundKind::InterferenceFreeRelaxation
        } else {
            BoundKind::Optimum
        };
        let bound = solved.dual_bound.map(|value| Bound { value, kind });
        Ok(Answer::new(assignment)
            .with_status(status)
            .with_bound(bound)
            .with_stats(stats)
            .with_diagnostics(Diagnostics::Mip(diagnostics)))
    }
}

/// Where the MIP's returned assignment came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Incumbent {
    /// HiGHS's own incumbent.
    Highs,
    /// GOA's answer given as the start (better on the true objective than HiGHS's
    /// relaxation optimum, or HiGHS stopped before finding one).
    GoaWarmStart,
    /// GOA's answer: the time limit passed while the formulation was being built.
    GoaBuildTimeLimit,
    /// The interference-aware bound's search ([`interference::solve`]).
    InterferenceSearch,
}

/// What `mip` reports beyond the counters.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MipDiagnostics {
    /// Columns of the formulation (0 when none was solved whole).
    pub columns: usize,
    /// Integer columns.
    pub integer_columns: usize,
    /// Rows.
    pub rows: usize,
    /// HiGHS's model status, when one MIP was solved.
    pub highs_status: Option<String>,
    /// HiGHS's own objective (a diagnostic: the reported objective is the model's).
    pub highs_objective: Option<f64>,
    /// HiGHS's dual bound, unscaled.
    pub highs_dual_bound: Option<f64>,
    /// Where the returned assignment came from.
    pub incumbent: Incumbent,
    /// HiGHS disagreed with its own incumbent after the warm start, so the MIP was
    /// solved again without it.
    pub warm_start_discarded: bool,
    /// HiGHS ended on a fractional point (tied costs), so the MIP was solved again
    /// with binary edge columns.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub edges_made_binary: bool,
    /// What the interference-aware bound did (instances with interference).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interference_bound: Option<interference::Diagnostics>,
}

impl MipDiagnostics {
    fn built_too_late() -> Self {
        MipDiagnostics {
            columns: 0,
            integer_columns: 0,
            rows: 0,
            highs_status: None,
            highs_objective: None,
            highs_dual_bound: None,
            incumbent: Incumbent::GoaBuildTimeLimit,
            warm_start_discarded: false,
            edges_made_binary: false,
            interference_bound: None,
        }
    }
}

/// `solved` itself when its answer is an assignment; else `f` solved again with binary
/// edge columns (and `true`).
///
/// The edge columns are continuous: at fixed load levels the rest is a transportation
/// problem, whose vertices are integral. Where costs tie, HiGHS can still end on a
/// point between two vertices (a user split 0.5 / 0.5; seen in the interference
/// bound's count MIPs). Solving again with binary edge columns, from the rounded
/// answer where that is a feasible start, gives the same optimum and an assignment.
fn integral_answer(
    inst: &Instance,
    f: &mut Formulation,
    solved: Solved,
    limits: &Limits,
    start: Instant,
) -> Result<(Solved, bool)> {
    let n = inst.n_users();
    let Some(values) = solved.values.as_ref().filter(|v| !is_integral(f, v, n)) else {
        return Ok((solved, false));
    };
    f.binary_edges = true;
    let rounded = repaired_start(inst, f, round(f, values, n)?);
    let again = run_highs(f, limits, start, rounded.as_ref().map(|w| w.1.as_slice()))?;
    Ok((again, true))
}

/// `mip` on an instance with interference: [`interference::solve`]'s assignment and
/// bound (on the optimum of (P)).
fn solve_refined(inst: &Instance, limits: &Limits, start: Instant) -> Result<Answer> {
    let b = interference::solve(inst, limits, start, &interference::Params::default())?;
    let stats = Stats {
        iterations: b.iterations,
        ..Stats::default()
    };
    let diagnostics = MipDiagnostics {
        incumbent: Incumbent::InterferenceSearch,
        interference_bound: Some(b.diagnostics),
        ..MipDiagnostics::built_too_late()
    };
    Ok(Answer::new(b.assignment)
        .with_status(b.status)
        .with_bound(b.bound.map(Bound::optimum))
        .with_stats(stats)
        .with_diagnostics(Diagnostics::Mip(diagnostics)))
}

/// A start for HiGHS from a heuristic's assignment: users free to stay local whose
/// option is no column of `f` (dropped by the reductions) are moved home, and each
/// offloaded user takes the variant `f` keeps at its load, until every option is a
/// column. Neither step raises the interference-free objective.
fn repaired_start(
    inst: &Instance,
    f: &Formulation,
    mut a: Assignment,
) -> Option<(Assignment, Vec<f64>)> {
    let model = Model::new(inst);
    // Columns by (user, server or local, load; 0 when local).
    let mut at: std::collections::HashMap<(usize, Option<usize>, usize), Vec<Choice>> =
        std::collections::HashMap::new();
    for v in &f.vars {
        let load = match *v {
            Var::Edge { load, .. } => load,
            _ => 0,
        };
        if let Some((user, c)) = v.choice() {
            at.entry((user, c.server, load)).or_default().push(c);
        }
    }
    for _ in 0..=inst.n_users() {
        let loads = a.loads(inst.n_servers());
        let mut moved = false;
        for i in 0..inst.n_users() {
            let c = a.0[i];
            let load = c.server.map_or(0, |j| loads[j]);
            // The same option if it is a column, else the kept variant at that place.
            let kept = at
                .get(&(i, c.server, load))
                .and_then(|cs| cs.iter().find(|&&k| k == c).or(cs.first()));
            match kept {
                Some(&k) => a.0[i] = k,
                None if !inst.is_forced(i) => {
                    a.0[i] = model.best_local(i).0;
                    moved = true;
                }
                None => return None,
            }
        }
        if !moved {
            let cols = f.columns_of(&a)?;
            return Some((a, cols));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::generate::{generate, GenConfig};

    /// A small instance without interference, its formulation and HiGHS's answer.
    fn solved_small() -> (Instance, Formulation, Solved) {
        let inst = generate(&GenConfig {
            users: 6,
            servers: 2,
            seed: 4,
            interference: false,
            ..GenConfig::default()
        })
        .unwrap();
        let f = formulate(&inst, &MipConfig::default()).unwrap();
        let exact = run_highs(&f, &Limits::default(), Instant::now(), None).unwrap();
        (inst, f, exact)
    }

    /// A fractional answer: every column at 1 / (its user's column count), levels as
    /// HiGHS returned them.
    fn smeared(f: &Formulation, exact: &[f64], n: usize) -> Vec<f64> {
        let mut per_user = vec![0usize; n];
        for v in &f.vars {
            if let Some((u, _)) = v.choice() {
                per_user[u] += 1;
            }
        }
        f.vars
            .iter()
            .zip(exact)
            .map(|(v, &x)| match v.choice() {
                Some((u, _)) => 1.0 / per_user[u] as f64,
                None => x,
            })
            .collect()
    }

    #[test]
    fn a_fractional_answer_is_solved_again_with_binary_edges() {
        let (inst, mut f, exact) = solved_small();
        let (limits, start) = (Limits::default(), Instant::now());
        let values = exact.values.clone().unwrap();
        assert!(is_integral(&f, &values, inst.n_users()));
        let fractional = Solved {
            values: Some(smeared(&f, &values, inst.n_users())),
            ..exact.clone()
        };
        assert!(decode(&f, fractional.values.as_ref().unwrap(), inst.n_users()).is_err());
        let (again, rebuilt) = integral_answer(&inst, &mut f, fractional, &limits, start).unwrap();
        assert!(rebuilt && f.binary_edges);
        let a = decode(&f, again.values.as_ref().unwrap(), inst.n_users()).unwrap();
        let b = decode(&f, &values, inst.n_users()).unwrap();
        let (ea, eb) = (evaluate(&inst, &a).unwrap(), evaluate(&inst, &b).unwrap());
        assert!(ea.feasible());
        assert!(crate::solver::approx_eq(ea.objective, eb.objective));
    }

    #[test]
    fn an_integral_answer_is_kept() {
        let (inst, mut f, exact) = solved_small();
        let (limits, start) = (Limits::default(), Instant::now());
        let (same, rebuilt) =
            integral_answer(&inst, &mut f, exact.clone(), &limits, start).unwrap();
        assert!(!rebuilt && !f.binary_edges);
        assert_eq!(same.values, exact.values);
    }

    #[test]
    fn rounding_takes_each_users_largest_column() {
        let (inst, f, exact) = solved_small();
        let values = exact.values.unwrap();
        let n = inst.n_users();
        // Halving every column keeps each user's largest one largest.
        let halved: Vec<f64> = values.iter().map(|x| x * 0.5).collect();
        assert!(!is_integral(&f, &halved, n));
        assert_eq!(
            round(&f, &halved, n).unwrap(),
            decode(&f, &values, n).unwrap()
        );
        let err = decode(&f, &halved, n).unwrap_err().to_string();
        assert!(err.contains("no option above 0.5"), "{err}");
        assert!(round(&f, &halved[1..], n).is_err());
    }
}
