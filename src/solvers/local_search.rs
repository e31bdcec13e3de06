//! `local-search`: iterated local search on the true objective (P) (ours; SPEC 5,
//! "Local search"). See docs/local_search.md.
//!
//! Every move is priced by [`DeltaState`] as the change of the *total* objective:
//! the moving user's own cost, the congestion it brings to its new server, the relief
//! at its old one and the interference it adds or removes everywhere else.
//!
//! - **Start**: the best feasible answer of the constructive heuristics `goa`,
//!   `goa-marginal`, `best-response`, `min-delay` and `all-local` (the solver), or a
//!   given assignment ([`improve`]).
//! - **Descent**: sweeps over users `0..N`; each user takes its best *relocation*
//!   (another server, the device, another variant), first option in
//!   [`Choice::all`] order among equal deltas, when it lowers the objective by more
//!   than `1e-10` of it. When a sweep moves no one, a *swap* pass exchanges the
//!   options of two users at different places (first improving pair, in index order);
//!   the descent ends when neither finds an improving move (a local optimum of both
//!   neighbourhoods).
//! - **Perturbation** (iterated local search): from the best assignment found, move
//!   `k` users (uniform in `2..=destroy`) to uniformly drawn allowed options, descend
//!   again (swap pass restricted to pairs with a perturbed user), keep the result
//!   when it beats the best by more than `1e-10` of it.
//! - **Stopping rule**: `min(stall_rounds, stall_rounds_per_user * N)` perturbation
//!   rounds in a row without a better assignment ([`Status::Converged`]; 300 and 4
//!   by default, so 40 rounds at N = 10 and 300 from N = 75), `max_rounds` rounds or
//!   `max_evaluations` move prices ([`Status::IterationLimit`]; the work limit, 5e7 by
//!   default, about 5 s at N = 10,000, M = 50, and never reached at the library's
//!   sizes), or the time limit ([`Status::TimeLimit`]; the solver's
//!   `Limits::time_limit` when given, else `time_budget`). All but the time limit
//!   are machine-independent.
//! - **Pricing**: the descent only needs the moves that improve, so it asks
//!   [`DeltaState::deltas_below`], which bounds the O(N) moves to and from the
//!   device (with interference) in O(M) and prices them exactly only when the bound
//!   does not already rule them out: the same moves as exact pricing, faster.
//!
//! Every move keeps (P) feasible ([`crate::model::State::allows`]: users forced by
//! tau never go local, full servers admit no newcomer; a swap keeps every load).
//! Seeded (ChaCha8 from `Limits::seed`) and deterministic unless the time limit
//! stops it. Cost of one descent sweep: O(N (N + M)) delta work with interference on,
//! O(N (n_max + M)) with it off; a swap pass O(N^2) moves.

use std::time::{Duration, Instant};

use rand::seq::index::sample;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::assignment::{Assignment, Choice};
use crate::error::{Error, Result};
use crate::instance::Instance;
use crate::model::{evaluate, DeltaState, Model};
use crate::solver::{Answer, Budget, Limits, Solver, Stats, Status};

/// Relative improvement a move must bring: it must lower the objective by more than
/// this fraction of it (guards against accepting rounding noise).
pub const MIN_IMPROVEMENT: f64 = 1e-10;

/// Options of the local search.
///
/// # Default
/// At most 20,000 perturbation rounds and 5e7 move prices, stop after
/// `min(300, 4 N)` rounds in a row without improvement, perturb up to `destroy = 0`
/// (automatic: `clamp(N / 8, 4, 24)`, at most N) users, swaps on for N <= 400, no
/// time budget.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalSearchOptions {
    /// Most perturbation rounds.
    pub max_rounds: u64,
    /// Most move prices (relocation options priced plus swaps priced; the
    /// `evaluations` counter), checked between sweeps and rounds: a work limit that
    /// keeps large instances to seconds and, unlike a time limit, gives the same
    /// answer on every machine.
    pub max_evaluations: u64,
    /// Rounds in a row without a better assignment before stopping ...
    pub stall_rounds: u64,
    /// ... but at most this many per user (0: no such cap), so that small instances
    /// (a decision epoch of ten queries) do not pay the 300 rounds of large ones.
    pub stall_rounds_per_user: u64,
    /// Most users one perturbation moves (0: automatic).
    pub destroy: usize,
    /// Swap moves only when N is at most this (a swap pass is O(N^2) moves).
    pub swap_max_users: usize,
    /// Price relocations with [`DeltaState::deltas_below`] (bounds first; the same
    /// moves) rather than [`DeltaState::deltas`] (every price exact): on by default,
    /// off only to measure what the bounds save.
    pub bounded_pricing: bool,
    /// Time budget when `Limits::time_limit` is not given.
    pub time_budget: Option<Duration>,
}

impl Default for LocalSearchOptions {
    fn default() -> Self {
        LocalSearchOptions {
            max_rounds: 20_000,
            max_evaluations: 50_000_000,
            stall_rounds: 300,
            stall_rounds_per_user: 4,
            destroy: 0,
            swap_max_users: 400,
            bounded_pricing: true,
            time_budget: None,
        }
    }
}

/// What the search did (the outcome's `Diagnostics::LocalSearch`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LocalSearchDiagnostics {
    /// Which heuristic supplied the start (`"given"` for [`improve`]).
    pub start: String,
    /// Objective of the start.
    pub start_objective: f64,
    /// Perturbation rounds run.
    pub rounds: u64,
    /// Rounds that found a better assignment.
    pub improving_rounds: u64,
    /// Relocations applied.
    pub relocations: u64,
    /// Swaps applied.
    pub swaps: u64,
    /// Descent sweeps (over all users).
    pub sweeps: u64,
}

/// The result of [`improve`].
#[derive(Debug, Clone)]
pub struct Improved {
    /// The best assignment found (never worse than the start).
    pub assignment: Assignment,
    /// Its objective, from [`evaluate`].
    pub objective: f64,
    /// Why the search stopped.
    pub status: Status,
    /// Counters: rounds as iterations, move prices as evaluations.
    pub stats: Stats,
    /// What the search did.
    pub diagnostics: LocalSearchDiagnostics,
}

struct Search<'o> {
    options: Vec<Choice>,
    opts: &'o LocalSearchOptions,
    swaps: bool,
    start: Instant,
    limit: Option<Duration>,
    evaluations: u64,
    diag: LocalSearchDiagnostics,
}

impl Search<'_> {
    /// Why the search must stop now, if it must: the time limit or the work limit.
    fn limit_reached(&self) -> Option<Status> {
        if self.limit.is_some_and(|t| self.start.elapsed() >= t) {
            Some(Status::TimeLimit)
        } else if self.evaluations >= self.opts.max_evaluations {
            Some(Status::IterationLimit)
        } else {
            None
        }
    }

    fn eps(ds: &mut DeltaState<'_, '_>) -> f64 {
        (ds.objective().abs() * MIN_IMPROVEMENT).max(f64::MIN_POSITIVE)
    }

    /// One sweep of best relocations; whether anything moved.
    fn sweep(&mut self, ds: &mut DeltaState<'_, '_>, row: &mut [f64]) -> bool {
        let n = ds.state().model().instance().n_users();
        let mut moved = false;
        self.diag.sweeps += 1;
        let eps = Self::eps(ds);
        for i in 0..n {
            if self.opts.bounded_pricing {
                ds.deltas_below(i, &self.options, row, -eps);
            } else {
                ds.deltas(i, &self.options, row);
            }
            self.evaluations += self.options.len() as u64;
            let mut best: Option<(Choice, f64)> = None;
            for (&c, &d) in self.options.iter().zip(row.iter()) {
                if d < -eps && best.is_none_or(|b| d < b.1) && ds.state().allows(i, c) {
                    best = Some((c, d));
                }
            }
            if let Some((c, _)) = best {
                ds.set(i, c);
                self.diag.relocations += 1;
                moved = true;
            }
        }
        moved
    }

    /// First-improvement swaps of a user of `firsts` with any user at another place
    /// (priced by [`DeltaState::swap_delta`]); the users swapped are added to `touched`.
    fn swap_pass(
        &mut self,
        ds: &mut DeltaState<'_, '_>,
        firsts: &[usize],
        touched: &mut Vec<usize>,
    ) -> bool {
        let inst = ds.state().model().instance();
        let n = inst.n_users();
        let mut swapped = false;
        let eps = Self::eps(ds);
        for &i in firsts {
            for k in 0..n {
                let (ci, ck) = (ds.state().choice(i), ds.state().choice(k));
                if k == i || ci.server == ck.server {
                    continue;
                }
                if (ck.server.is_none() && inst.is_forced(i))
                    || (ci.server.is_none() && inst.is_forced(k))
                {
                    continue;
                }
                self.evaluations += 1;
                if ds.swap_delta(i, k) < -eps {
                    ds.set(i, ck);
                    ds.set(k, ci);
                    self.diag.swaps += 1;
                    touched.extend([i, k]);
                    swapped = true;
                }
            }
        }
        swapped
    }

    /// Relocation sweeps and swap passes until neither improves, or time runs out.
    /// Swap passes consider pairs with a user of `firsts`, then (after a swap) with
    /// a user swapped in the previous pass.
    fn descend(&mut self, ds: &mut DeltaState<'_, '_>, firsts: &[usize]) {
        let mut row = vec![0.0; self.options.len()];
        let mut swap_users = firsts.to_vec();
        loop {
            while self.sweep(ds, &mut row) {
                if self.limit_reached().is_some() {
                    return;
                }
            }
            if !self.swaps || self.limit_reached().is_some() {
                return;
            }
            let mut touched = Vec::new();
            if !self.swap_pass(ds, &swap_users, &mut touched) {
                return;
            }
            touched.sort_unstable();
            touched.dedup();
            swap_users = touched;
        }
    }
}

/// Improves a feasible assignment by iterated local search (module docs), never
/// returning anything worse than `start`.
///
/// # Errors
/// [`Error::AssignmentMismatch`] when `start` does not fit `inst`;
/// [`Error::Infeasible`] when `start` breaks a constraint of (P).
pub fn improve(
    inst: &Instance,
    start: &Assignment,
    opts: &LocalSearchOptions,
    limits: &Limits,
) -> Result<Improved> {
    improve_from(inst, start, "given", opts, limits, Instant::now())
}

fn improve_from(
    inst: &Instance,
    start: &Assignment,
    start_name: &str,
    opts: &LocalSearchOptions,
    limits: &Limits,
    t0: Instant,
) -> Result<Improved> {
    let e = evaluate(inst, start)?;
    if let Some(v) = e.violations.first() {
        return Err(Error::Infeasible(format!(
            "local search needs a feasible start, but in the start {v}"
        )));
    }
    let model = Model::new(inst);
    let n = inst.n_users();
    let mut search = Search {
        options: Choice::all(inst).collect(),
        opts,
        swaps: n <= opts.swap_max_users,
        start: t0,
        limit: limits.time_limit.or(opts.time_budget),
        evaluations: 0,
        diag: LocalSearchDiagnostics {
            start: start_name.to_string(),
            start_objective: e.objective,
            ..LocalSearchDiagnostics::default()
        },
    };
    let mut rng = ChaCha8Rng::seed_from_u64(limits.seed);
    let mut ds = DeltaState::new(&model, start)?;
    let all: Vec<usize> = (0..n).collect();
    search.descend(&mut ds, &all);
    let mut best = ds.state().assignment();
    let mut best_obj = ds.objective();
    let destroy = if opts.destroy == 0 {
        (n / 8).clamp(4, 24)
    } else {
        opts.destroy
    }
    .min(n);
    let mut stall = 0;
    let stall_limit = stall_limit(opts, n);
    let mut status = Status::Converged;
    loop {
        if let Some(why) = search.limit_reached() {
            status = why;
            break;
        }
        if stall >= stall_limit || destroy == 0 {
            break;
        }
        if search.diag.rounds >= search.opts.max_rounds {
            status = Status::IterationLimit;
            break;
        }
        search.diag.rounds += 1;
        let mut trial = DeltaState::new(&model, &best)?;
        let k = if destroy <= 2 {
            destroy
        } else {
            rng.gen_range(2..=destroy)
        };
        let picked: Vec<usize> = sample(&mut rng, n, k).into_iter().collect();
        for &u in &picked {
            let allowed: Vec<Choice> = search
                .options
                .iter()
                .copied()
                .filter(|&c| c != trial.state().choice(u) && trial.state().allows(u, c))
                .collect();
            if !allowed.is_empty() {
                trial.set(u, allowed[rng.gen_range(0..allowed.len())]);
            }
        }
        search.descend(&mut trial, &picked);
        let obj = trial.objective();
        if obj < best_obj - (best_obj.abs() * MIN_IMPROVEMENT) {
            best = trial.state().assignment();
            best_obj = obj;
            search.diag.improving_rounds += 1;
            stall = 0;
        } else {
            stall += 1;
        }
    }
    // Never worse than the start, whatever rounding in the incremental sums did.
    let mut final_eval = evaluate(inst, &best)?;
    let mut assignment = best;
    if final_eval.objective > e.objective || !final_eval.feasible() {
        assignment = start.clone();
        final_eval = e;
    }
    let stats = Stats {
        iterations: search.diag.rounds,
        evaluations: search.evaluations,
        ..Stats::default()
    };
    Ok(Improved {
        assignment,
        objective: final_eval.objective,
        status,
        stats,
        diagnostics: search.diag,
    })
}

/// Rounds in a row without improvement after which a search of `n` users stops:
/// `min(stall_rounds, stall_rounds_per_user * n)` (at least 1).
#[must_use]
pub fn stall_limit(opts: &LocalSearchOptions, n: usize) -> u64 {
    let per_user = match opts.stall_rounds_per_user {
        0 => u64::MAX,
        k => k.saturating_mul(n as u64),
    };
    opts.stall_rounds.min(per_user).max(1)
}

/// The constructive heuristics the solver starts from, in order (ties keep the first).
pub const STARTS: [&str; 5] = [
    "goa-marginal",
    "goa",
    "best-response",
    "min-delay-tau",
    "all-local-tau",
];

/// Above this many users with interference on, `goa-marginal` (O(N^3)) and
/// `best-response` are skipped as starts.
pub const MAX_USERS_SLOW_STARTS: usize = 1000;

/// Rounds of the `best-response` start (its dynamics converge in a few rounds when
/// they converge at all: 8 at N = 10,000, M = 50).
pub const START_BEST_RESPONSE_ROUNDS: u64 = 100;

/// The best feasible start among [`STARTS`] and its name.
///
/// # Errors
/// When every start fails or is infeasible (instances that pass validation always
/// have a feasible GOA answer).
pub fn best_start(inst: &Instance, limits: &Limits) -> Result<(Assignment, &'static str)> {
    let mut best: Option<(Assignment, f64, &'static str)> = None;
    let sub = Limits {
        time_limit: None,
        ..limits.clone()
    };
    for name in STARTS {
        let slow = matches!(name, "goa-marginal" | "best-response");
        if slow && inst.interference() && inst.n_users() > MAX_USERS_SLOW_STARTS {
            continue;
        }
        let solver: Box<dyn Solver> = if name == "best-response" {
            // A start needs a good profile, not a certified equilibrium: the dynamics
            // that cycle (interference makes the game lose its potential) stop at
            // START_BEST_RESPONSE_ROUNDS instead of the solver's 1,000.
            Box::new(super::best_response::BestResponse {
                params: super::best_response::Params {
                    max_rounds: START_BEST_RESPONSE_ROUNDS,
                    ..super::best_response::Params::default()
                },
            })
        } else {
            super::by_name(name)?
        };
        let Ok(out) = solver.solve(inst, &sub) else {
            continue;
        };
        if out.evaluation().feasible() && best.as_ref().is_none_or(|b| out.objective() < b.1) {
            let v = out.objective();
            best = Some((out.into_assignment(), v, name));
        }
    }
    best.map(|(a, _, name)| (a, name))
        .ok_or_else(|| Error::Infeasible("no constructive heuristic found a feasible start".into()))
}

/// The `local-search` solver.
#[derive(Debug, Clone, Default)]
pub struct LocalSearch {
    /// Its options.
    pub opts: LocalSearchOptions,
}

impl Solver for LocalSearch {
    fn name(&self) -> &'static str {
        "local-search"
    }
    fn description(&self) -> &'static str {
        "iterated local search (relocate, swap, perturb) on the total objective, from the best constructive heuristic"
    }
    fn is_seeded(&self) -> bool {
        true
    }
    fn search(&self, inst: &Instance, budget: &Budget<'_>) -> Result<Answer> {
        let t0 = Instant::now();
        let limits = budget.limits();
        let (start, name) = best_start(inst, limits)?;
        let r = improve_from(inst, &start, name, &self.opts, limits, t0)?;
        Ok(Answer::new(r.assignment)
            .with_status(r.status)
            .with_stats(r.stats)
            .with_diagnostics(crate::solver::Diagnostics::LocalSearch(r.diagnostics)))
    }
}
