//! The interference-aware bound of `mip` (SPEC 5, issue 11): a lower bound on the
//! optimum of (P) with interference on, refined until it meets the incumbent.
//!
//! The interference at server `j`, `I_j = sum_l P_l G_lj (o_l - x_lj)` (`o_l`: user
//! `l` offloads), is linear in the assignment, and every delay on `j` is increasing in
//! it. Each server's interference range `[0, I_max_j]` (`I_max_j = sum_l P_l G_lj`) is
//! cut at breakpoints `0 = b_0 < b_1 < ... < b_Q = I_max_j` into buckets. The load-level
//! MIP of [`super::formulation`] gets one copy of each level column and of each edge
//! column per bucket, `y_jkq` and `z_ijkq`, where the edge cost is taken at the
//! bucket's lower end, `c_ijkq = w_i d_ij(k, max(b_q, I_lo(j, k)))`, and one row per
//! server forces the chosen bucket to contain the interference:
//!
//! ```text
//! interference_j:  sum_l P_l G_lj (sum of l's edge columns on servers != j)
//!                    <= sum_{k,q} b_{q+1} y_jkq + I_max_j y_j0
//! ```
//!
//! For any assignment, the columns of its loads and of the buckets holding its
//! interferences satisfy every row, at a cost no larger than its true objective
//! (costs are taken at or below its interference). So the MIP's optimum, and any dual
//! bound HiGHS proves of it, bounds (P) from below: it is labelled `"optimum"`.
//! `I_lo(j, k)` is the least interference `j` can see at load `k`: the
//! `(F - k)^+` smallest `P_l G_lj` of the `F` users that must offload (at most `k` of
//! them fit on `j`).
//!
//! Refinement: the MIP's answer `x*` is an assignment; its true objective (from
//! [`evaluate`]) is an incumbent candidate. Where `x*`'s interference `p_j` lies
//! strictly inside a bucket, a breakpoint is added just below it (`p_j (1 - 1e-7)`), so
//! that `x*` pays (within 1e-7) its true cost in the next MIP. Refining only raises
//! costs, so the bound never falls, and an `x*` whose buckets start at its own
//! interferences is priced exactly: when the MIP picks it again, bound and objective
//! meet. Columns that reduction rule 3 of [`super::formulation`] drops at the bucket's
//! cost (moving the user home would lower the objective) are left out, which keeps the
//! upper buckets small. The incumbent comes from [`incumbent`] and is improved after
//! every MIP by a relocate descent.
//!
//! See docs/exact.md ("Interference") for measurements.

use std::io::IsTerminal;
use std::time::Instant;

use highs::HighsModelStatus;
use serde::Serialize;

use crate::assignment::{Assignment, Choice};
use crate::error::{Error, Result};
use crate::instance::Instance;
use crate::model::{evaluate, Model, State};
use crate::solver::{approx_eq, Limits, Solver, Status};
use crate::solvers::{best_response::BestResponse, goa, tree_search};

use super::formulation::{reduced_levels, too_many_columns, Cand, MAX_COLUMNS};
use super::{round, run_highs_with, Formulation, HighsOptions, Row, RowKind, Sense, Var, NAME};

/// How far below an interference value its breakpoint goes (relative): far above
/// HiGHS's feasibility tolerance on the scaled row (see [`HighsOptions`]), far below
/// the toolkit's tolerance on the objective.
const SPLIT_BELOW: f64 = 1e-7;

/// Relative distance under which two breakpoints count as one.
const SAME_BREAKPOINT: f64 = 1e-6;

/// Options of the refinement.
///
/// # Default
/// Initial breakpoints at the incumbent's interferences times [`DEFAULT_GRID`], at
/// most 200 rounds, progress on stderr when stderr is a terminal.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// How the bound is computed.
    pub method: Method,
    /// Factors around the incumbent's interference at each server where the first
    /// MIP already has breakpoints (besides the incumbent's own interference).
    pub grid: Vec<f64>,
    /// Most MIPs solved (status `iteration_limit` when reached without a proof).
    pub max_rounds: usize,
    /// One line per round on stderr (bound, incumbent, gap).
    pub progress: bool,
    /// [`Method::Count`]: refine the counts whose bound stays below the incumbent
    /// with interference buckets (else stop after one MIP per count).
    pub refine: bool,
    /// Without a time limit, refine only instances with at most this many users: at
    /// N = 50 (paper scenario) one bucketed MIP can take minutes (docs/exact.md). With
    /// a time limit every size is refined until it passes (each MIP gets what is
    /// left, and a MIP stopped by it still raises the bound by its dual bound).
    pub refine_max_users: usize,
    /// Edge columns binary in the bucketed MIPs of the refinement up to this many
    /// users, continuous above (a weaker relaxation, refined at its fractional
    /// interference, but several times cheaper). Measured (docs/exact.md): binary
    /// proves N = 20-24 in 4-15 s where continuous takes 17-93 s; at N = 50 with
    /// secant pricing, continuous reaches 5.40 % in 600 s where binary reaches 5.98 %.
    pub binary_edges_max_users: usize,
    /// How the count MIPs, the second LP pass and the refinement price the
    /// interference above each level's (bucket's) lower end ([`Secants`];
    /// docs/exact.md, "Secant pricing").
    pub secants: Secants,
}

/// How the bound prices the interference above a level's (or bucket's) lower end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Secants {
    /// Not at all: every cost at the lower end.
    Off,
    /// The sum of the level's `k` least secant slopes times the excess (one column
    /// per level).
    Least,
    /// Each user's own secant slope times the excess (one more column and two rows
    /// per edge column).
    PerUser,
}

/// How [`solve`] bounds the optimum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// One load-level MIP per number `T` of offloaded users, edge costs at the least
    /// interference `I_lo(j, k, T)` a server at load `k` can see when `T` users
    /// offload; the bound is the least over `T` ([`solve_by_count`]).
    Count,
    /// Interference buckets refined at the MIP's answer (the module's description).
    Buckets,
}

/// Default of [`Params::grid`] (measured in docs/exact.md).
pub const DEFAULT_GRID: &[f64] = &[0.7, 0.9, 0.97, 1.03, 1.1, 1.3];

impl Default for Params {
    fn default() -> Self {
        Params {
            method: Method::Count,
            grid: DEFAULT_GRID.to_vec(),
            max_rounds: 100_000,
            progress: std::io::stderr().is_terminal(),
            refine: true,
            refine_max_users: 30,
            binary_edges_max_users: 30,
            secants: Secants::PerUser,
        }
    }
}

/// One round of the refinement, as reported in the diagnostics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Round {
    /// Lower bound after this round (the best so far).
    pub bound: f64,
    /// Incumbent objective after this round.
    pub incumbent: f64,
    /// Columns of this round's MIP.
    pub columns: usize,
    /// Breakpoints per server (interior ones, 0 and `I_max` not counted).
    pub breakpoints: usize,
    /// Wall time at the end of the round (s since the solver started).
    pub elapsed_s: f64,
}

/// Whether `limits`' time limit has passed since `start`.
fn timed_out(limits: &Limits, start: Instant) -> bool {
    limits.time_limit.is_some_and(|t| start.elapsed() >= t)
}

/// What the refinement did (stored in `stats.extra["interference_bound"]`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostics {
    /// Where the first incumbent came from.
    pub first_incumbent: String,
    /// Its objective.
    pub first_incumbent_objective: f64,
    /// Every round.
    pub rounds: Vec<Round>,
    /// Why it stopped: `proven`, `time limit`, `round limit`, `size budget`,
    /// `no new breakpoint`.
    pub stopped: &'static str,
}

/// What [`solve`] found.
#[derive(Debug, Clone)]
pub struct Bounded {
    /// The best assignment found.
    pub assignment: Assignment,
    /// Its objective (from [`evaluate`]).
    pub objective: f64,
    /// Status of the run.
    pub status: Status,
    /// The best lower bound on the optimum of (P), when any MIP gave one.
    pub bound: Option<f64>,
    /// Simplex iterations over all MIPs.
    pub iterations: u64,
    /// The diagnostics.
    pub diagnostics: Diagnostics,
}

/// The incumbent the refinement starts from: the best of `goa`, `best-response`,
/// `all-local` (when no user must offload) and, for N <= 12, `tree-search` with a
/// node limit, then improved by `local-search`'s iterated local search
/// ([`crate::solvers::local_search::improve`]). The one place an incumbent comes from.
///
/// # Errors
/// When no heuristic returns a feasible assignment (caps that cannot hold the forced
/// users; valid instances never get there).
pub fn incumbent(
    inst: &Instance,
    limits: &Limits,
    start: Instant,
) -> Result<(Assignment, f64, String)> {
    let mut best: Option<(Assignment, f64, String)> = None;
    let mut offer = |a: Assignment, source: &str| -> Result<()> {
        let e = evaluate(inst, &a)?;
        if e.feasible() && best.as_ref().is_none_or(|b| e.objective < b.1) {
            best = Some((a, e.objective, source.to_string()));
        }
        Ok(())
    };
    if let Ok(o) = goa::Goa.solve(inst, &Limits::default()) {
        offer(o.into_assignment(), "goa")?;
    }
    let quick = Limits {
        time_limit: None,
        node_limit: None,
        ..limits.clone()
    };
    if let Ok(o) = BestResponse::default().solve(inst, &quick) {
        offer(o.into_assignment(), "best-response")?;
    }
    if (0..inst.n_users()).all(|i| !inst.is_forced(i)) {
        offer(Assignment::all_local(inst.n_users()), "all-local")?;
    }
    if inst.n_users() <= 12 {
        let small = Limits {
            node_limit: Some(20_000),
            ..quick
        };
        if let Ok(o) = tree_search::TreeSearch::default().solve(inst, &small) {
            offer(o.into_assignment(), "tree-search")?;
        }
    }
    let (a, _, source) = best.ok_or_else(|| Error::SolverFailed {
        solver: NAME,
        reason: format!(
            "no heuristic found a feasible assignment of {}",
            inst.name()
        ),
    })?;
    // The iterated local search (issue 12) improves the best start within what is left
    // of the time limit; it is seeded and stops by its own rule.
    let rest = Limits {
        time_limit: limits.time_limit.map(|t| t.saturating_sub(start.elapsed())),
        node_limit: None,
        ..limits.clone()
    };
    let improved = crate::solvers::local_search::improve(
        inst,
        &a,
        &crate::solvers::local_search::LocalSearchOptions::default(),
        &rest,
    )?;
    Ok((
        improved.assignment,
        improved.objective,
        source + " + local-search",
    ))
}

/// First-improvement descent over single-user moves (any user to any allowed option)
/// on the true objective, until no move lowers it by more than a relative 1e-12 or
/// the time limit passes. O(N^2 K) per pass (K options per user).
///
/// # Errors
/// When `a` does not fit the instance.
pub fn relocate(
    inst: &Instance,
    a: &Assignment,
    limits: &Limits,
    start: Instant,
) -> Result<Assignment> {
    let model = Model::new(inst);
    let mut state = State::from_assignment(&model, a)?;
    let options: Vec<Choice> = Choice::all(inst).collect();
    let mut current = state.objective();
    for _pass in 0..1000 {
        let mut improved = false;
        for i in 0..inst.n_users() {
            if timed_out(limits, start) {
                break;
            }
            let old = state.choice(i);
            for &c in &options {
                if c == old || !state.allows(i, c) {
                    continue;
                }
                state.set(i, c);
                let o = state.objective();
                if o < current - 1e-12 * current.abs() {
                    current = o;
                    improved = true;
                    break;
                }
                state.set(i, old);
            }
        }
        if !improved || timed_out(limits, start) {
            break;
        }
    }
    Ok(state.assignment())
}

/// Per-server data of the bucketed MIP.
struct Server {
    /// Load levels `k` with their candidate columns (zero-interference reductions).
    levels: Vec<(usize, Vec<Cand>)>,
    /// `I_lo(j, k)` for each level of `levels`.
    lowest: Vec<f64>,
    /// Interior breakpoints, increasing, in (0, I_max).
    breaks: Vec<f64>,
    /// `I_max_j`.
    top: f64,
    /// The scale of the interference row (W).
    scale: f64,
}

impl Server {
    /// Bucket lower and upper ends.
    fn buckets(&self) -> Vec<(f64, f64)> {
        let mut ends = Vec::with_capacity(self.breaks.len() + 2);
        ends.push(0.0);
        ends.extend(&self.breaks);
        ends.push(self.top);
        ends.windows(2).map(|w| (w[0], w[1])).collect()
    }

    /// Adds a breakpoint just below `p`, unless one is already there (or `p` is at an
    /// end); whether it added one.
    fn split_below(&mut self, p: f64) -> bool {
        let b = p * (1.0 - SPLIT_BELOW);
        if b <= 0.0 || p >= self.top * (1.0 - SAME_BREAKPOINT) {
            return false;
        }
        // Already there: a breakpoint in [b - 1e-6 p, p] (one above p would leave p
        // in the bucket below it, priced at that bucket's lower end).
        let near = |x: f64| x <= p && x >= b - SAME_BREAKPOINT * p;
        if self.breaks.iter().any(|&x| near(x)) {
            return false;
        }
        let at = self.breaks.partition_point(|&x| x < b);
        self.breaks.insert(at, b);
        true
    }
}

/// Adds a breakpoint just below `p` to `breaks` (sorted) as [`Server::split_below`]
/// does; whether it added one.
fn split_into(breaks: &mut Vec<f64>, p: f64, top: f64) -> bool {
    let mut s = Server {
        levels: Vec::new(),
        lowest: Vec::new(),
        breaks: std::mem::take(breaks),
        top,
        scale: 1.0,
    };
    let added = s.split_below(p);
    *breaks = s.breaks;
    added
}

/// The interference at every server of a (possibly fractional) column vector: each
/// edge column counts its value times its user's `P_l G_lj` at the other servers.
fn fractional_interferences(model: &Model, f: &Formulation, values: &[f64], m: usize) -> Vec<f64> {
    let mut acc = vec![0.0; m];
    for (v, &x) in f.vars.iter().zip(values) {
        if let Var::Edge { user, server, .. } = *v {
            if x > 0.0 {
                for (j, a) in acc.iter_mut().enumerate() {
                    if j != server {
                        *a += x * model.interference_w(user, j);
                    }
                }
            }
        }
    }
    acc
}

/// The (possibly fractional) load of every server in a column vector.
fn fractional_loads(f: &Formulation, values: &[f64], m: usize) -> Vec<f64> {
    let mut acc = vec![0.0; m];
    for (v, &x) in f.vars.iter().zip(values) {
        if let Var::Edge { server, .. } = *v {
            acc[server] += x;
        }
    }
    acc
}

/// What one MIP's answer `values` gives the refinement: `split(j, I_j)` at every server
/// it loads (above half a user), at its (possibly fractional) interference `I_j`, and
/// its rounded assignment and that improved by [`relocate`] as incumbent candidates,
/// taken into `best` / `best_obj` when feasible and better. Whether any split added a
/// breakpoint.
#[allow(clippy::too_many_arguments)]
fn take_answer(
    inst: &Instance,
    model: &Model,
    f: &Formulation,
    values: &[f64],
    mut split: impl FnMut(usize, f64) -> bool,
    best: &mut Assignment,
    best_obj: &mut f64,
    limits: &Limits,
    start: Instant,
) -> Result<bool> {
    let m = inst.n_servers();
    let xi = fractional_interferences(model, f, values, m);
    let loads = fractional_loads(f, values, m);
    let mut added = false;
    for j in (0..m).filter(|&j| loads[j] > 0.5) {
        added |= split(j, xi[j]);
    }
    let x = round(f, values, inst.n_users())?;
    let improved = relocate(inst, &x, limits, start)?;
    for cand in [x, improved] {
        let e = evaluate(inst, &cand)?;
        if e.feasible() && e.objective < *best_obj {
            *best = cand;
            *best_obj = e.objective;
        }
    }
    Ok(added)
}

/// Every server's levels, least interferences and range, without interior breakpoints
/// (row scale `I_max`); `None` when `deadline` passed.
fn servers_of(inst: &Instance, model: &Model, deadline: Option<Instant>) -> Option<Vec<Server>> {
    let (n, m) = (inst.n_users(), inst.n_servers());
    let best_local: Vec<(Choice, f64)> = (0..n).map(|i| model.best_local(i)).collect();
    let mut forced: Vec<usize> = (0..n).filter(|&i| inst.is_forced(i)).collect();
    let mut servers = Vec::with_capacity(m);
    for j in 0..m {
        let k_max = inst.servers()[j].max_users.map_or(n, |cap| cap.min(n));
        let levels = reduced_levels(inst, model, j, k_max, &best_local, deadline)?;
        forced.sort_by(|&a, &b| {
            model
                .interference_w(a, j)
                .total_cmp(&model.interference_w(b, j))
        });
        // At load k at most k forced users sit on j: the others interfere.
        let lowest = levels
            .iter()
            .map(|(k, _)| {
                let outside = forced.len().saturating_sub(*k);
                forced[..outside]
                    .iter()
                    .map(|&l| model.interference_w(l, j))
                    .sum()
            })
            .collect();
        let top: f64 = (0..n).map(|l| model.interference_w(l, j)).sum();
        servers.push(Server {
            levels,
            lowest,
            breaks: Vec::new(),
            top,
            scale: top.max(f64::MIN_POSITIVE),
        });
    }
    Some(servers)
}

/// The interference at every server of an assignment, summed in user order as
/// [`evaluate`] does (through the model's `interference_w`).
fn interferences(model: &Model, a: &Assignment, m: usize) -> Vec<f64> {
    let mut acc = vec![0.0; m];
    for (l, c) in a.0.iter().enumerate() {
        if let Some(s) = c.server {
            for (j, x) in acc.iter_mut().enumerate() {
                if j != s {
                    *x += model.interference_w(l, j);
                }
            }
        }
    }
    acc
}

/// The bucketed MIP of the current breakpoints, with each column's bucket.
struct Built {
    f: Formulation,
    /// For each column, `(server, bucket)` of edge and level columns.
    bucket: Vec<Option<(usize, usize)>>,
}

/// A count restriction of [`build`]: exactly `t` users offload; `sorted` as for
/// [`least_at`].
#[derive(Clone, Copy)]
struct Count<'s> {
    t: usize,
    sorted: &'s [(Vec<f64>, Vec<f64>)],
}

/// What [`build_with`] builds beyond the load levels.
#[derive(Clone, Copy)]
struct Shape<'s> {
    /// Exactly this many users offload (costs at `I_lo(j, k, t)`).
    count: Option<Count<'s>>,
    /// Each server's breakpoints cut its range into buckets, tied to the interference
    /// by one row per server; else one bucket `[0, I_max]` and no such row (it would
    /// say `I_j <= I_max`, which always holds): the count MIP of [`solve_by_count`].
    buckets: bool,
    /// Edge columns binary (else continuous: exact at fixed levels without buckets).
    binary_edges: bool,
    /// Secant pricing: each level (and bucket) also gets an excess column for the
    /// interference above its lower end, priced at the sum of the `k` least secant
    /// slopes of its users' costs over the bucket (a valid under-estimator: the cost
    /// is concave in the interference), and the interference row ties it to the
    /// columns; with a count the bucket's upper end is also cut at the most
    /// interference the count allows ([`most_at`]).
    secants: Secants,
}

/// The bucketed MIP of the servers' breakpoints (no count, binary edge columns).
fn build(inst: &Instance, model: &Model, servers: &[Server]) -> Result<Built> {
    let shape = Shape {
        count: None,
        buckets: true,
        binary_edges: true,
        secants: Secants::Off,
    };
    build_with(inst, model, servers, shape)?.ok_or_else(|| unreachable_none(inst))
}

/// Without a count every user has a column or [`build_with`] fails.
fn unreachable_none(inst: &Instance) -> Error {
    Error::SolverFailed {
        solver: NAME,
        reason: format!("the interference MIP of {} lost a user", inst.name()),
    }
}

/// The load-level MIP of `shape`; `None` when a count is given and some user that
/// must offload has no column at it (no assignment offloads exactly that many).
///
/// # Errors
/// [`Error::Infeasible`] when, without a count, a user that must offload has no
/// column; [`Error::Refused`] beyond [`MAX_COLUMNS`].
fn build_with(
    inst: &Instance,
    model: &Model,
    servers: &[Server],
    shape: Shape,
) -> Result<Option<Built>> {
    let Shape {
        count,
        buckets: bucketed,
        binary_edges,
        secants,
    } = shape;
    let mut count_terms = Vec::new();
    let n = inst.n_users();
    let m = servers.len();
    let mut vars = Vec::new();
    let mut cost = Vec::new();
    let mut bucket = Vec::new();
    let mut user_terms: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n];
    for i in (0..n).filter(|&i| !inst.is_forced(i)) {
        let (c, local) = model.best_local(i);
        user_terms[i].push((vars.len(), 1.0));
        vars.push(Var::Local {
            user: i,
            variant: c.variant,
        });
        cost.push(local);
        bucket.push(None);
    }
    let mut rows = Vec::new();
    // Edge columns of each server, to write the interference rows afterwards.
    let mut edge_cols: Vec<Vec<(usize, usize)>> = vec![Vec::new(); m];
    // Level (and excess) columns of each server with the interference they allow:
    // a level column the upper end of its bucket, or with an excess column the lower
    // end, the excess column the bucket's width.
    let mut level_cols: Vec<Vec<(usize, f64)>> = vec![Vec::new(); m];
    let mut excess_rows = Vec::new();
    for (j, s) in servers.iter().enumerate() {
        let buckets = if bucketed {
            s.buckets()
        } else {
            vec![(0.0, s.top)]
        };
        let y0 = vars.len();
        vars.push(Var::Level { server: j, load: 0 });
        cost.push(0.0);
        bucket.push(None);
        level_cols[j].push((y0, s.top));
        let mut level_terms = vec![(y0, 1.0)];
        for ((k, cands), &lo) in s.levels.iter().zip(&s.lowest) {
            let (lo, most) = match count {
                None => (lo, s.top),
                Some(c) => match least_at(&c.sorted[j].0, &c.sorted[j].1, *k, c.t) {
                    Some(x) => (
                        x.max(lo),
                        most_at(&c.sorted[j].0, &c.sorted[j].1, *k, c.t).unwrap_or(s.top),
                    ),
                    None => continue,
                },
            };
            for (q, &(b_lo, b_hi)) in buckets.iter().enumerate() {
                // Without secants the bucket keeps its own upper end (as before
                // secants existed); with them it is cut at the count's most.
                let hi = if secants == Secants::Off {
                    b_hi
                } else {
                    b_hi.min(most)
                };
                if hi < lo {
                    continue;
                }
                let at = b_lo.max(lo);
                let mut cols = Vec::new();
                let mut slopes = Vec::new();
                for c in cands {
                    let choice = Choice::edge(j, c.variant);
                    let cost_q = model.cost(
                        c.user,
                        choice,
                        model.edge_delay(c.user, j, c.variant, *k, at),
                    );
                    if c.keeps(cost_q) {
                        cols.push((c.user, c.variant, cost_q));
                        if secants != Secants::Off && hi > at {
                            let cost_hi = model.cost(
                                c.user,
                                choice,
                                model.edge_delay(c.user, j, c.variant, *k, hi),
                            );
                            slopes.push(((cost_hi - cost_q) / (hi - at)).max(0.0));
                        }
                    }
                }
                if cols.len() < *k {
                    continue;
                }
                let y = vars.len();
                vars.push(Var::Level {
                    server: j,
                    load: *k,
                });
                cost.push(0.0);
                bucket.push(Some((j, q)));
                level_terms.push((y, 1.0));
                count_terms.push((y, *k as f64));
                // The k least slopes: whichever k users the level holds, their costs
                // rise at least this fast over the bucket (secants of concave costs).
                let sigma: f64 = if slopes.len() >= *k {
                    let mut least = slopes.clone();
                    least.sort_by(f64::total_cmp);
                    least[..*k].iter().sum()
                } else {
                    0.0
                };
                let width = hi - at;
                let mut excess = None;
                if sigma > 0.0 && width > 0.0 && (sigma * width).is_finite() {
                    let e = vars.len();
                    excess = Some(e);
                    vars.push(Var::Excess {
                        server: j,
                        load: *k,
                        bucket: q,
                    });
                    cost.push(if secants == Secants::Least {
                        sigma * width
                    } else {
                        0.0
                    });
                    bucket.push(Some((j, q)));
                    level_cols[j].push((y, at));
                    level_cols[j].push((e, width));
                    excess_rows.push(Row {
                        kind: RowKind::Link(e),
                        terms: vec![(e, 1.0), (y, -1.0)],
                        sense: Sense::Le,
                        rhs: 0.0,
                    });
                } else {
                    level_cols[j].push((y, hi));
                }
                let mut terms = Vec::with_capacity(cols.len() + 1);
                let mut shares = Vec::new();
                for (n_col, (user, variant, c)) in cols.into_iter().enumerate() {
                    let col = vars.len();
                    vars.push(Var::Edge {
                        user,
                        server: j,
                        variant,
                        load: *k,
                    });
                    cost.push(c);
                    bucket.push(Some((j, q)));
                    terms.push((col, 1.0));
                    user_terms[user].push((col, 1.0));
                    edge_cols[j].push((col, user));
                    let (Some(e), Secants::PerUser) = (excess, secants) else {
                        continue;
                    };
                    // u <= z, u <= e, u >= z + e - 1 (McCormick), and the level's u
                    // sum to at least k e: with integral columns u = z e, the user's
                    // own secant times the excess.
                    let u = vars.len();
                    vars.push(Var::Share {
                        user,
                        server: j,
                        load: *k,
                        bucket: q,
                    });
                    cost.push(slopes[n_col] * width);
                    bucket.push(Some((j, q)));
                    shares.push((u, 1.0));
                    excess_rows.push(Row {
                        kind: RowKind::Link(u),
                        terms: vec![(u, 1.0), (col, -1.0)],
                        sense: Sense::Le,
                        rhs: 0.0,
                    });
                    excess_rows.push(Row {
                        kind: RowKind::Share(u),
                        terms: vec![(u, 1.0), (e, -1.0)],
                        sense: Sense::Le,
                        rhs: 0.0,
                    });
                    excess_rows.push(Row {
                        kind: RowKind::Product(u),
                        terms: vec![(col, 1.0), (e, 1.0), (u, -1.0)],
                        sense: Sense::Le,
                        rhs: 1.0,
                    });
                }
                if let Some(e) = excess.filter(|_| !shares.is_empty()) {
                    // k e - sum u <= 0.
                    for t in &mut shares {
                        t.1 = -1.0;
                    }
                    shares.push((e, *k as f64));
                    excess_rows.push(Row {
                        kind: RowKind::Excess(e),
                        terms: shares,
                        sense: Sense::Le,
                        rhs: 0.0,
                    });
                }
                terms.push((y, -(*k as f64)));
                rows.push(Row {
                    kind: RowKind::Load {
                        server: j,
                        load: *k,
                    },
                    terms,
                    sense: Sense::Eq,
                    rhs: 0.0,
                });
                if vars.len() > MAX_COLUMNS {
                    return Err(too_many_columns(inst));
                }
            }
        }
        rows.push(Row {
            kind: RowKind::Level(j),
            terms: level_terms,
            sense: Sense::Eq,
            rhs: 1.0,
        });
    }
    rows.extend(excess_rows);
    for (j, s) in servers
        .iter()
        .enumerate()
        .filter(|_| bucketed || secants != Secants::Off)
    {
        let mut terms = Vec::new();
        for (l, cols) in edge_cols.iter().enumerate() {
            if l == j {
                continue;
            }
            for &(col, user) in cols {
                let w = model.interference_w(user, j) / s.scale;
                if w > 0.0 {
                    terms.push((col, w));
                }
            }
        }
        for &(y, hi) in &level_cols[j] {
            terms.push((y, -hi / s.scale));
        }
        rows.push(Row {
            kind: RowKind::Interference(j),
            terms,
            sense: Sense::Le,
            rhs: 0.0,
        });
    }
    if let Some(c) = count {
        rows.push(Row {
            kind: RowKind::Offloaded,
            terms: count_terms,
            sense: Sense::Eq,
            rhs: c.t as f64,
        });
    }
    let mut all_rows = Vec::with_capacity(n + rows.len());
    for (i, terms) in user_terms.into_iter().enumerate() {
        if terms.is_empty() && count.is_some() {
            // No column at this count (not the instance's fault): no bound from it.
            return Ok(None);
        }
        all_rows.push(super::formulation::user_row(inst, i, terms)?);
    }
    all_rows.extend(rows);
    Ok(Some(Built {
        f: Formulation {
            vars,
            cost,
            rows: all_rows,
            relaxation: false,
            binary_edges,
        },
        bucket,
    }))
}

/// The columns of `a` in `b` (each server's load at the lowest bucket holding its
/// interference), or `None` when some option of `a` is no column.
fn start_columns(
    b: &Built,
    servers: &[Server],
    a: &Assignment,
    interf: &[f64],
) -> Option<Vec<f64>> {
    let m = servers.len();
    let loads = a.loads(m);
    // The bucket of each server: the first whose upper end holds its interference.
    let chosen: Vec<usize> = servers
        .iter()
        .zip(interf)
        .map(|(s, &p)| {
            s.buckets()
                .iter()
                .position(|&(_, hi)| hi >= p)
                .unwrap_or(s.breaks.len())
        })
        .collect();
    let mut values = vec![0.0; b.f.vars.len()];
    let mut used = vec![0usize; a.len()];
    let mut level_set = vec![false; m];
    for (c, v) in b.f.vars.iter().enumerate() {
        let on = match (*v, b.bucket[c]) {
            (Var::Local { user, variant }, _) => a.0[user] == Choice::local(variant),
            (
                Var::Edge {
                    user,
                    server,
                    variant,
                    load,
                },
                Some((_, q)),
            ) => {
                a.0[user] == Choice::edge(server, variant)
                    && loads[server] == load
                    && chosen[server] == q
            }
            (Var::Level { server, load: 0 }, None) => loads[server] == 0,
            (Var::Level { server, load }, Some((_, q))) => {
                loads[server] == load && chosen[server] == q
            }
            _ => false,
        };
        if on {
            values[c] = 1.0;
            match v.choice() {
                Some((user, _)) => used[user] += 1,
                None => {
                    if let Var::Level { server, .. } = *v {
                        level_set[server] = true;
                    }
                }
            }
        }
    }
    (used.iter().all(|&u| u == 1) && level_set.iter().all(|&s| s)).then_some(values)
}

/// The interference-aware bound and the best assignment found, refined until they
/// meet, `limits.time_limit` passes or `params.max_rounds` MIPs were solved.
///
/// # Errors
/// As [`super::run_highs`]; [`Error::Refused`] when even the first bucketed MIP
/// exceeds [`MAX_COLUMNS`].
pub fn solve(inst: &Instance, limits: &Limits, start: Instant, params: &Params) -> Result<Bounded> {
    match params.method {
        Method::Count => solve_by_count(inst, limits, start, params),
        Method::Buckets => solve_by_buckets(inst, limits, start, params),
    }
}

/// Per server, the interference `P_l G_lj` of the users who must offload and of the
/// others, each sorted ascending (what [`least_at`] sums from).
fn sorted_interference(inst: &Instance, model: &Model) -> Vec<(Vec<f64>, Vec<f64>)> {
    (0..inst.n_servers())
        .map(|j| {
            let (mut f, mut o): (Vec<f64>, Vec<f64>) = (Vec::new(), Vec::new());
            for l in 0..inst.n_users() {
                let w = model.interference_w(l, j);
                if inst.is_forced(l) {
                    f.push(w);
                } else {
                    o.push(w);
                }
            }
            f.sort_by(f64::total_cmp);
            o.sort_by(f64::total_cmp);
            (f, o)
        })
        .collect()
}

/// The LP relaxation of count `count.t`'s MIP (every column continuous): a lower
/// bound on every assignment offloading `t` users. `Some(f64::INFINITY)` when no
/// assignment can (no columns, or the LP is infeasible), `None` when HiGHS ends
/// otherwise (time limit); with the simplex iterations.
fn count_lp(
    inst: &Instance,
    model: &Model,
    servers: &[Server],
    count: Count,
    secants: Secants,
    limits: &Limits,
    start: Instant,
) -> Result<(Option<f64>, u64)> {
    let shape = Shape {
        count: Some(count),
        buckets: false,
        binary_edges: false,
        secants,
    };
    let Some(Built { f, .. }) = build_with(inst, model, servers, shape)? else {
        return Ok((Some(f64::INFINITY), 0));
    };
    let solved = run_highs_with(
        &f,
        limits,
        start,
        None,
        &HighsOptions {
            relaxation: true,
            ..HighsOptions::default()
        },
    )?;
    let v = match solved.status {
        HighsModelStatus::Optimal if solved.objective.is_finite() => Some(solved.objective),
        HighsModelStatus::Infeasible => Some(f64::INFINITY),
        _ => None,
    };
    Ok((v, solved.iterations))
}

/// The LP bound of count `t` ([`solve_by_count`]'s LP pass) on its own, priced by
/// `secants`, without the interference-free floor: for tests (it must not exceed the
/// best assignment that offloads `t` users, and must not fall from `Off` to `Least`
/// to `PerUser`). `None` when HiGHS proves nothing.
///
/// # Errors
/// As [`solve`].
pub fn count_lp_bound(inst: &Instance, t: usize, secants: Secants) -> Result<Option<f64>> {
    let model = Model::new(inst);
    let Some(servers) = servers_of(inst, &model, None) else {
        return Ok(None);
    };
    let sorted = sorted_interference(inst, &model);
    Ok(count_lp(
        inst,
        &model,
        &servers,
        Count { t, sorted: &sorted },
        secants,
        &Limits::default(),
        Instant::now(),
    )?
    .0)
}

/// The most interference server `j` can see at load `k` when exactly `t` users
/// offload: as [`least_at`] with the largest `P_l G_lj` (the users that must offload
/// and are not on `j` first, then the largest of all the others); at least what any
/// such assignment has. `None` when [`least_at`] is.
fn most_at(forced: &[f64], free: &[f64], k: usize, t: usize) -> Option<f64> {
    let outside = t.checked_sub(k)?;
    let must = forced.len().saturating_sub(k);
    if must > outside || outside > forced.len() + free.len() {
        return None;
    }
    let (mut f, mut o) = (forced.iter().rev().peekable(), free.iter().rev().peekable());
    let mut sum: f64 = 0.0;
    for _ in 0..must {
        sum += f.next().copied().unwrap_or(0.0);
    }
    for _ in must..outside {
        let take_forced = match (f.peek(), o.peek()) {
            (Some(x), Some(y)) => x >= y,
            (Some(_), None) => true,
            _ => false,
        };
        sum += if take_forced { f.next() } else { o.next() }
            .copied()
            .unwrap_or(0.0);
    }
    Some(sum)
}

/// The least interference server `j` can see at load `k` when exactly `t` users
/// offload: the users elsewhere are `t - k` users, among them at least `(F - k)^+` of
/// the `F` users that must offload; the least sum of their `P_l G_lj` takes the
/// `(F - k)^+` smallest forced ones and then the smallest of all the others.
/// `forced` and `free` are the `P_l G_lj` of the forced and the other users, each
/// sorted increasing. `None` when `t < k` or `t - k` users cannot be found.
fn least_at(forced: &[f64], free: &[f64], k: usize, t: usize) -> Option<f64> {
    let outside = t.checked_sub(k)?;
    let must = forced.len().saturating_sub(k);
    if must > outside || outside > forced.len() + free.len() {
        return None;
    }
    let mut sum: f64 = forced[..must].iter().sum();
    let (mut a, mut b) = (must, 0);
    for _ in must..outside {
        let take_forced = match (forced.get(a), free.get(b)) {
            (Some(x), Some(y)) => x <= y,
            (Some(_), None) => true,
            _ => false,
        };
        if take_forced {
            sum += forced[a];
            a += 1;
        } else {
            sum += free[b];
            b += 1;
        }
    }
    Some(sum)
}

/// [`Method::Count`]: every assignment offloads some number `t` of users, and for
/// each `t` the MIP with costs at `I_lo(j, k, t)` bounds all of them from below, so
/// the least of these bounds over `t` bounds (P). Counts are taken nearest the
/// incumbent's first; each MIP is cut off at the incumbent (a count whose MIP has no
/// solution below it cannot improve on it, and is bounded by it). An LP pass first
/// solves every count's LP relaxation: a count whose LP reaches the incumbent is
/// closed without its MIP, and a count the time limit leaves without its MIP keeps
/// its LP bound (or the interference-free relaxation, solved first, which is also the
/// floor of every count). Every MIP's answer is evaluated, improved by [`relocate`]
/// and offered as incumbent.
///
/// # Errors
/// As [`solve`].
pub fn solve_by_count(
    inst: &Instance,
    limits: &Limits,
    start: Instant,
    params: &Params,
) -> Result<Bounded> {
    let model = Model::new(inst);
    let (n, m) = (inst.n_users(), inst.n_servers());
    let (mut best, mut best_obj, first_source) = incumbent(inst, limits, start)?;
    let first_obj = best_obj;
    let deadline = limits.time_limit.map(|t| start + t);
    let Some(servers) = servers_of(inst, &model, deadline) else {
        return Ok(stopped_early(best, best_obj, first_source, first_obj));
    };
    let sorted = sorted_interference(inst, &model);
    let mut iterations = 0;
    // The interference-free relaxation: the bound of every count left unsolved.
    let relax = {
        let f = super::formulate(inst, &super::MipConfig::default())?;
        let solved = super::run_highs(&f, limits, start, None)?;
        iterations += solved.iterations;
        solved.dual_bound.unwrap_or(0.0)
    };
    let forced = (0..n).filter(|&i| inst.is_forced(i)).count();
    let cap: usize = inst
        .servers()
        .iter()
        .map(|s| s.max_users.map_or(n, |c| c.min(n)))
        .sum::<usize>()
        .min(n);
    let t0 = best.offloaded();
    let mut counts: Vec<usize> = (forced..=cap).collect();
    counts.sort_by_key(|&t| (t.abs_diff(t0), t));
    let mut bound_of: Vec<Option<f64>> = vec![None; cap + 1];
    // Interior breakpoints of each count's refinement, per server.
    let mut breaks_of: Vec<Vec<Vec<f64>>> = vec![vec![Vec::new(); m]; cap + 1];
    let inc_interf = interferences(&model, &best, m);
    let scales: Vec<f64> = servers
        .iter()
        .zip(&inc_interf)
        .map(|(s, &p)| {
            if p > 0.0 {
                p
            } else {
                s.top.max(f64::MIN_POSITIVE)
            }
        })
        .collect();
    let mut rounds = Vec::new();
    let mut status = Status::Completed;
    let mut stopped = "proven";
    let options = HighsOptions::default();
    // The LP pass: each count's LP relaxation (milliseconds each) bounds the count
    // from below, better than the interference-free relaxation, and closes the
    // counts whose LP already reaches the incumbent without their MIP. A count the
    // time limit leaves without its MIP keeps its LP bound (or the relaxation, when
    // the limit came before its LP).
    let mut lp_of: Vec<f64> = vec![relax; cap + 1];
    let mut lp_closed = 0usize;
    // Without secants first (about 15 ms a count at N = 120), then with them (several
    // times that) for the counts still open: a short time limit keeps the cheap
    // bounds of every count.
    let mut passes = vec![Secants::Off];
    if params.secants != Secants::Off {
        passes.push(params.secants);
    }
    'passes: for secants in passes {
        for &t in &counts {
            if bound_of[t].is_some() {
                continue;
            }
            if timed_out(limits, start) {
                break 'passes;
            }
            let (lp, its) = count_lp(
                inst,
                &model,
                &servers,
                Count { t, sorted: &sorted },
                secants,
                limits,
                start,
            )?;
            iterations += its;
            match lp {
                Some(v) => lp_of[t] = lp_of[t].max(v),
                None => continue,
            }
            if lp_of[t] >= best_obj || approx_eq(lp_of[t], best_obj) {
                bound_of[t] = Some(lp_of[t]);
                lp_closed += 1;
            }
        }
    }
    // The bound so far: the least over counts (the LP, or the relaxation, for those
    // without a MIP),
    // capped at the incumbent.
    let overall = |bound_of: &[Option<f64>], best_obj: f64| {
        counts
            .iter()
            .map(|&u| bound_of[u].unwrap_or(lp_of[u]))
            .fold(f64::INFINITY, f64::min)
            .min(best_obj)
    };
    if params.progress {
        eprintln!(
            "mip: {} LP pass: {} of {} counts closed by their LP; bound {:.9}, {:.1} s",
            inst.name(),
            lp_closed,
            counts.len(),
            overall(&bound_of, best_obj),
            start.elapsed().as_secs_f64()
        );
    }
    for &t in &counts {
        if bound_of[t].is_some() {
            continue;
        }
        if timed_out(limits, start) {
            status = Status::TimeLimit;
            stopped = "time limit";
            break;
        }
        // Given the levels the users form a transportation problem again, so the
        // edge columns need no integrality (tied costs can still leave a fractional
        // answer: see below).
        let shape = Shape {
            count: Some(Count { t, sorted: &sorted }),
            buckets: false,
            binary_edges: false,
            secants: params.secants,
        };
        let Some(Built { f, .. }) = build_with(inst, &model, &servers, shape)? else {
            bound_of[t] = Some(f64::INFINITY);
            continue;
        };
        let cutoff = best_obj * (1.0 + 1e-9);
        let solved = run_highs_with(
            &f,
            limits,
            start,
            None,
            &HighsOptions {
                cutoff: Some(cutoff),
                ..options
            },
        )?;
        iterations += solved.iterations;
        let floor = lp_of[t];
        let b = match solved.status {
            HighsModelStatus::Optimal => solved.dual_bound.unwrap_or(floor).max(floor),
            HighsModelStatus::Infeasible | HighsModelStatus::ObjectiveBound => cutoff,
            HighsModelStatus::ReachedTimeLimit => solved.dual_bound.unwrap_or(floor).max(floor),
            other => {
                return Err(Error::SolverFailed {
                    solver: NAME,
                    reason: format!("HiGHS stopped with status {other:?} at count {t}"),
                })
            }
        };
        if let Some(values) = &solved.values {
            // Edge columns are continuous here: tied costs can leave a user split
            // between servers, so breakpoints go at the (fractional) interference
            // and the incumbent candidate is the rounded answer, kept if feasible.
            let breaks = &mut breaks_of[t];
            take_answer(
                inst,
                &model,
                &f,
                values,
                |j, p| split_into(&mut breaks[j], p, servers[j].top),
                &mut best,
                &mut best_obj,
                limits,
                start,
            )?;
        }
        bound_of[t] = Some(b);
        let now = overall(&bound_of, best_obj);
        let round = Round {
            bound: now,
            incumbent: best_obj,
            columns: f.vars.len(),
            breakpoints: t,
            elapsed_s: start.elapsed().as_secs_f64(),
        };
        if params.progress {
            eprintln!(
                "mip: {} count {:>4} ({}/{})  count bound {:.9}  bound {:.9}  incumbent {:.9}  gap {:.4} %  {:.1} s",
                inst.name(),
                t,
                rounds.len() + 1,
                counts.len(),
                b,
                now,
                best_obj,
                100.0 * (best_obj - now) / best_obj.abs().max(1e-300),
                round.elapsed_s
            );
        }
        rounds.push(round);
        if solved.status == HighsModelStatus::ReachedTimeLimit {
            status = Status::TimeLimit;
            stopped = "time limit";
            break;
        }
    }
    // Refinement: the count whose bound is lowest gets interference buckets, split at
    // its MIPs' answers, until every count's bound meets the incumbent.
    let mut servers = servers;
    let mut closed = vec![false; cap + 1];
    let refines = params.refine && (n <= params.refine_max_users || limits.time_limit.is_some());
    while status == Status::Completed && refines {
        if rounds.len() >= params.max_rounds {
            status = Status::IterationLimit;
            stopped = "round limit";
            break;
        }
        if timed_out(limits, start) {
            status = Status::TimeLimit;
            stopped = "time limit";
            break;
        }
        let open = counts
            .iter()
            .copied()
            .filter(|&u| {
                !closed[u] && bound_of[u].is_some_and(|b| b < best_obj && !approx_eq(b, best_obj))
            })
            .min_by(|&a, &b| {
                bound_of[a]
                    .unwrap_or(relax)
                    .total_cmp(&bound_of[b].unwrap_or(relax))
            });
        let Some(t) = open else {
            break;
        };
        for (s, b) in servers.iter_mut().zip(&breaks_of[t]) {
            s.breaks.clone_from(b);
        }
        for (s, &sc) in servers.iter_mut().zip(&scales) {
            s.scale = sc;
        }
        let shape = Shape {
            count: Some(Count { t, sorted: &sorted }),
            buckets: true,
            binary_edges: n <= params.binary_edges_max_users,
            secants: params.secants,
        };
        let built = match build_with(inst, &model, &servers, shape) {
            // Counts with no assignment are bounded by +inf and never refined.
            Ok(b) => b.ok_or_else(|| unreachable_none(inst))?,
            Err(Error::Refused { .. }) => {
                closed[t] = true;
                stopped = "size budget";
                continue;
            }
            Err(e) => return Err(e),
        };
        let cutoff = best_obj * (1.0 + 1e-9);
        let solved = run_highs_with(
            &built.f,
            limits,
            start,
            None,
            &HighsOptions {
                primal_feasibility_tolerance: Some(1e-9),
                cutoff: Some(cutoff),
                presolve_off: true,
                ..HighsOptions::default()
            },
        )?;
        iterations += solved.iterations;
        let b = match solved.status {
            HighsModelStatus::Optimal | HighsModelStatus::ReachedTimeLimit => {
                solved.dual_bound.unwrap_or(relax)
            }
            HighsModelStatus::Infeasible | HighsModelStatus::ObjectiveBound => cutoff,
            other => {
                return Err(Error::SolverFailed {
                    solver: NAME,
                    reason: format!("HiGHS stopped with status {other:?} at count {t}"),
                })
            }
        };
        bound_of[t] = Some(bound_of[t].map_or(b, |old| old.max(b)));
        let mut added = false;
        if let Some(values) = &solved.values {
            let breaks = &mut breaks_of[t];
            added = take_answer(
                inst,
                &model,
                &built.f,
                values,
                |j, p| split_into(&mut breaks[j], p, servers[j].top),
                &mut best,
                &mut best_obj,
                limits,
                start,
            )?;
        }
        if solved.status == HighsModelStatus::Optimal && !added {
            closed[t] = true;
        }
        let now = overall(&bound_of, best_obj);
        let round = Round {
            bound: now,
            incumbent: best_obj,
            columns: built.f.vars.len(),
            breakpoints: t,
            elapsed_s: start.elapsed().as_secs_f64(),
        };
        if params.progress {
            eprintln!(
                "mip: {} refine count {:>4}  buckets {:>3}  count bound {:.9}  bound {:.9}  incumbent {:.9}  gap {:.4} %  {:.1} s",
                inst.name(),
                t,
                breaks_of[t].iter().map(Vec::len).sum::<usize>(),
                bound_of[t].unwrap_or(lp_of[t]),
                now,
                best_obj,
                100.0 * (best_obj - now) / best_obj.abs().max(1e-300),
                round.elapsed_s
            );
        }
        rounds.push(round);
        if solved.status == HighsModelStatus::ReachedTimeLimit {
            status = Status::TimeLimit;
            stopped = "time limit";
            break;
        }
    }
    let bound = overall(&bound_of, best_obj);
    if status == Status::Completed && !approx_eq(bound, best_obj) {
        // The method ran out of refinements without a proof: no claim of optimality.
        status = Status::IterationLimit;
        stopped = if refines {
            "every count closed without a proof"
        } else {
            "every count solved (no refinement at this size)"
        };
    }
    Ok(Bounded {
        assignment: best,
        objective: best_obj,
        status,
        bound: Some(bound),
        iterations,
        diagnostics: Diagnostics {
            first_incumbent: first_source,
            first_incumbent_objective: first_obj,
            rounds,
            stopped,
        },
    })
}

/// [`Method::Buckets`].
///
/// # Errors
/// As [`solve`].
pub fn solve_by_buckets(
    inst: &Instance,
    limits: &Limits,
    start: Instant,
    params: &Params,
) -> Result<Bounded> {
    let model = Model::new(inst);
    let m = inst.n_servers();
    let (mut best, mut best_obj, first_source) = incumbent(inst, limits, start)?;
    let first_obj = best_obj;
    let inc_interf = interferences(&model, &best, m);
    let inc_loads = best.loads(m);
    let deadline = limits.time_limit.map(|t| start + t);
    let Some(mut servers) = servers_of(inst, &model, deadline) else {
        return Ok(stopped_early(best, best_obj, first_source, first_obj));
    };
    for (j, s) in servers.iter_mut().enumerate() {
        let p = inc_interf[j];
        if inc_loads[j] > 0 && p > 0.0 {
            s.scale = p;
            s.split_below(p);
            for &g in &params.grid {
                s.split_below(p * g);
            }
        }
    }
    let mut bound: Option<f64> = None;
    let mut rounds = Vec::new();
    let mut iterations = 0;
    let mut status = Status::IterationLimit;
    let mut stopped = "round limit";
    let options = HighsOptions {
        primal_feasibility_tolerance: Some(1e-9),
        cutoff: None,
        presolve_off: true,
        ..HighsOptions::default()
    };
    for _ in 0..params.max_rounds {
        if timed_out(limits, start) {
            status = Status::TimeLimit;
            stopped = "time limit";
            break;
        }
        let built = match build(inst, &model, &servers) {
            Ok(b) => b,
            Err(e @ Error::Refused { .. }) if !rounds.is_empty() => {
                let _ = e;
                stopped = "size budget";
                break;
            }
            Err(e) => return Err(e),
        };
        let inc_interf = interferences(&model, &best, m);
        let warm = start_columns(&built, &servers, &best, &inc_interf);
        let solved = run_highs_with(&built.f, limits, start, warm.as_deref(), &options)?;
        iterations += solved.iterations;
        match solved.status {
            HighsModelStatus::Optimal | HighsModelStatus::ReachedTimeLimit => {}
            HighsModelStatus::Infeasible => {
                return Err(Error::Infeasible(format!(
                    "HiGHS proves the interference MIP of {} infeasible (caps cannot hold \
                     the users that must offload)",
                    inst.name()
                )))
            }
            other => {
                return Err(Error::SolverFailed {
                    solver: NAME,
                    reason: format!("HiGHS stopped with status {other:?}"),
                })
            }
        }
        if let Some(b) = solved.dual_bound {
            bound = Some(bound.map_or(b, |old: f64| old.max(b)));
        }
        let mut added = false;
        if let Some(values) = &solved.values {
            // Binary edge columns by default; with continuous ones (or a solver
            // tolerance) the answer can be fractional: as in the count path.
            added = take_answer(
                inst,
                &model,
                &built.f,
                values,
                |j, p| servers[j].split_below(p),
                &mut best,
                &mut best_obj,
                limits,
                start,
            )?;
        }
        let capped = bound.map(|b| b.min(best_obj));
        let round = Round {
            bound: capped.unwrap_or(f64::NEG_INFINITY),
            incumbent: best_obj,
            columns: built.f.vars.len(),
            breakpoints: servers.iter().map(|s| s.breaks.len()).sum(),
            elapsed_s: start.elapsed().as_secs_f64(),
        };
        if params.progress {
            let gap = capped.map_or(f64::NAN, |b| (best_obj - b) / best_obj.abs().max(1e-300));
            eprintln!(
                "mip: {} round {:>3}  bound {:.9}  incumbent {:.9}  gap {:.4} %  columns {}  {:.1} s",
                inst.name(),
                rounds.len() + 1,
                round.bound,
                best_obj,
                100.0 * gap,
                round.columns,
                round.elapsed_s
            );
        }
        rounds.push(round);
        if capped.is_some_and(|b| approx_eq(b, best_obj)) {
            status = Status::Completed;
            stopped = "proven";
            break;
        }
        if solved.status == HighsModelStatus::ReachedTimeLimit || timed_out(limits, start) {
            status = Status::TimeLimit;
            stopped = "time limit";
            break;
        }
        if !added {
            // The MIP's answer is priced at its own interferences and still below the
            // incumbent by more than the tolerance: only possible within HiGHS's
            // feasibility tolerance. Stop rather than loop.
            stopped = "no new breakpoint";
            break;
        }
    }
    Ok(Bounded {
        assignment: best,
        objective: best_obj,
        status,
        bound: bound.map(|b| b.min(best_obj)),
        iterations,
        diagnostics: Diagnostics {
            first_incumbent: first_source,
            first_incumbent_objective: first_obj,
            rounds,
            stopped,
        },
    })
}

fn stopped_early(best: Assignment, obj: f64, source: String, first: f64) -> Bounded {
    Bounded {
        assignment: best,
        objective: obj,
        status: Status::TimeLimit,
        bound: None,
        iterations: 0,
        diagnostics: Diagnostics {
            first_incumbent: source,
            first_incumbent_objective: first,
            rounds: Vec::new(),
            stopped: "time limit",
        },
    }
}

/// The bound of one bucketed MIP (no count, binary edge columns) whose interior
/// breakpoints at server `j` are `fractions[j]` times `I_max_j` (fractions outside
/// (0, 1) ignored), priced by `secants`, without refinement: for tests of
/// monotonicity. `None` when HiGHS proves no bound.
///
/// # Errors
/// As [`solve`].
pub fn bound_with_breakpoints(
    inst: &Instance,
    fractions: &[Vec<f64>],
    secants: Secants,
) -> Result<Option<f64>> {
    let model = Model::new(inst);
    let Some(mut servers) = servers_of(inst, &model, None) else {
        return Ok(None);
    };
    for (s, fs) in servers.iter_mut().zip(fractions) {
        for &f in fs {
            let p = f * s.top;
            if p > 0.0 && p < s.top {
                let at = s.breaks.partition_point(|&x| x < p);
                if s.breaks.get(at) != Some(&p) {
                    s.breaks.insert(at, p);
                }
            }
        }
    }
    let shape = Shape {
        count: None,
        buckets: true,
        binary_edges: true,
        secants,
    };
    let built = build_with(inst, &model, &servers, shape)?.ok_or_else(|| unreachable_none(inst))?;
    let options = HighsOptions {
        primal_feasibility_tolerance: Some(1e-9),
        cutoff: None,
        presolve_off: true,
        ..HighsOptions::default()
    };
    let solved = run_highs_with(&built.f, &Limits::default(), Instant::now(), None, &options)?;
    Ok(solved.dual_bound)
}
