//! The formulation of the `mip` solver (SPEC 5): columns, rows, the exact reductions,
//! and the decoding of a column vector into an assignment. See [`super`] for the model.

use std::time::Instant;

use crate::assignment::{Assignment, Choice};
use crate::error::{Error, Result};
use crate::instance::Instance;
use crate::model::Model;

use super::NAME;

/// How the formulation is built and started.
///
/// # Default
/// Every exact reduction on, linking rows off, warm start from GOA on (the fastest
/// combination measured; see `docs/exact.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MipConfig {
    /// Drop options that no optimum needs (exact for the interference-free problem):
    /// every variant but the cheapest at each (user, server, load); every local
    /// variant but the cheapest; edge options of users free to stay local whose cost
    /// exceeds their local cost (moving such a user home never hurts anyone, by the
    /// monotonicity of SPEC 2); load levels `k` that fewer than `k` users can take.
    pub reduce: bool,
    /// Add the rows `z_ijvk <= y_jk`.
    pub linking: bool,
    /// Give HiGHS GOA's assignment as a starting incumbent.
    pub warm_start: bool,
    /// What `mip` does on an instance with interference.
    pub interference: InterferenceBound,
}

/// What `mip` computes when the instance has interference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InterferenceBound {
    /// The interference-aware bound, refined until it meets the incumbent
    /// ([`super::interference`]); labelled `"optimum"`.
    #[default]
    Refine,
    /// The interference-free relaxation (the MIP at `I = 0`) only, labelled
    /// the interference-free relaxation: the solver `mip-relaxation`, kept for comparison.
    Relaxation,
}

impl Default for MipConfig {
    fn default() -> Self {
        MipConfig {
            reduce: true,
            linking: false,
            warm_start: true,
            interference: InterferenceBound::Refine,
        }
    }
}

impl MipConfig {
    /// The formulation exactly as SPEC 5 states it: no reductions, no linking rows,
    /// no warm start.
    #[must_use]
    pub fn plain() -> Self {
        MipConfig {
            reduce: false,
            linking: false,
            warm_start: false,
            interference: InterferenceBound::Refine,
        }
    }
}

/// A column of the formulation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Var {
    /// `l_iv`: user `user` answers locally on device variant `variant`.
    Local {
        /// The user.
        user: usize,
        /// Device variant.
        variant: usize,
    },
    /// `z_ijvk`: user `user` runs `variant` on `server`, which serves `load` users.
    Edge {
        /// The user.
        user: usize,
        /// The server.
        server: usize,
        /// Server variant.
        variant: usize,
        /// Load level `k >= 1`.
        load: usize,
    },
    /// `y_jk`: server `server` serves exactly `load` users.
    Level {
        /// The server.
        server: usize,
        /// Load level `k >= 0`.
        load: usize,
    },
    /// `e_jkq`: the interference at server `server` above the lower end of bucket
    /// `bucket` of level `load`, as a fraction of that bucket's width (0 unless the
    /// level is chosen); priced at the least secant slope of the level's users (the
    /// interference-aware bound of [`super::interference`]). Continuous in [0, 1].
    Excess {
        /// The server.
        server: usize,
        /// The level.
        load: usize,
        /// The bucket.
        bucket: usize,
    },
    /// `u_ijkq`: the product of edge column `z_ijkq` and its level's excess `e_jkq`
    /// (at most either, and the level's `u` sum to `k e_jkq`), priced at the user's
    /// own secant slope. Continuous in [0, 1].
    Share {
        /// The user.
        user: usize,
        /// The server.
        server: usize,
        /// The level.
        load: usize,
        /// The bucket.
        bucket: usize,
    },
}

impl Var {
    /// Whether the column is integer (binary): only the `y_jk`.
    #[must_use]
    pub fn is_integer(&self) -> bool {
        matches!(self, Var::Level { .. })
    }

    /// The user's option this column stands for (`None` for `y_jk`).
    #[must_use]
    pub fn choice(&self) -> Option<(usize, Choice)> {
        match *self {
            Var::Local { user, variant } => Some((user, Choice::local(variant))),
            Var::Edge {
                user,
                server,
                variant,
                ..
            } => Some((user, Choice::edge(server, variant))),
            Var::Level { .. } | Var::Excess { .. } | Var::Share { .. } => None,
        }
    }

    /// Readable name: `l_i3_v0`, `z_i3_s1_v0_k4`, `y_s1_k4`, `e_s1_k4_q0`.
    #[must_use]
    pub fn name(&self) -> String {
        match *self {
            Var::Local { user, variant } => format!("l_i{user}_v{variant}"),
            Var::Edge {
                user,
                server,
                variant,
                load,
            } => format!("z_i{user}_s{server}_v{variant}_k{load}"),
            Var::Level { server, load } => format!("y_s{server}_k{load}"),
            Var::Excess {
                server,
                load,
                bucket,
            } => format!("e_s{server}_k{load}_q{bucket}"),
            Var::Share {
                user,
                server,
                load,
                bucket,
            } => format!("u_i{user}_s{server}_k{load}_q{bucket}"),
        }
    }
}

/// What a row says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    /// `user_i`: the user takes exactly one option.
    User(usize),
    /// `level_j`: the server has exactly one load level.
    Level(usize),
    /// `load_jk`: level `k` of server `j` holds `k` users.
    Load {
        /// The server.
        server: usize,
        /// The level.
        load: usize,
    },
    /// `link_...`: an edge column is at most its level column (its index given).
    Link(usize),
    /// `interference_s{j}`: the interference at server `j`, linear in the columns, is at
    /// most the upper end of the interference bucket its level column names (the
    /// interference-aware bound of [`super::interference`]).
    Interference(usize),
    /// `share_...`: a share column is at most its level's excess column (its index
    /// given; `link_...` bounds it by its edge column).
    Share(usize),
    /// `product_...`: a share column is at least its edge column plus its excess
    /// column minus 1 (McCormick; its index given).
    Product(usize),
    /// `excess_...`: a level's share columns sum to at least `k` times its excess
    /// column (its index given).
    Excess(usize),
    /// `offloaded`: exactly `T` users offload (the bound by offloaded count of
    /// [`super::interference`]).
    Offloaded,
}

/// Row sense.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sense {
    /// `terms = rhs`.
    Eq,
    /// `terms <= rhs`.
    Le,
}

/// A linear row: `sum coef * column (sense) rhs`.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// What it says.
    pub kind: RowKind,
    /// `(column index, coefficient)`.
    pub terms: Vec<(usize, f64)>,
    /// Sense.
    pub sense: Sense,
    /// Right-hand side.
    pub rhs: f64,
}

impl Row {
    /// Readable name: `user_i3`, `level_s1`, `load_s1_k4`, `link_z_i3_s1_v0_k4`.
    #[must_use]
    pub fn name(&self, vars: &[Var]) -> String {
        match self.kind {
            RowKind::User(i) => format!("user_i{i}"),
            RowKind::Level(j) => format!("level_s{j}"),
            RowKind::Load { server, load } => format!("load_s{server}_k{load}"),
            RowKind::Link(c) => format!("link_{}", vars[c].name()),
            RowKind::Interference(j) => format!("interference_s{j}"),
            RowKind::Share(c) => format!("share_{}", vars[c].name()),
            RowKind::Product(c) => format!("product_{}", vars[c].name()),
            RowKind::Excess(c) => format!("excess_{}", vars[c].name()),
            RowKind::Offloaded => "offloaded".to_string(),
        }
    }
}

/// The MIP: columns with their costs, and rows (minimise `sum cost * column`).
#[derive(Debug, Clone, PartialEq)]
pub struct Formulation {
    /// Columns.
    pub vars: Vec<Var>,
    /// Objective coefficient of each column.
    pub cost: Vec<f64>,
    /// Rows.
    pub rows: Vec<Row>,
    /// Whether the instance has interference (the program is then a relaxation).
    pub relaxation: bool,
    /// Whether the edge columns are binary too (the interference-aware MIP, whose
    /// interference rows break the transportation structure that makes them integral
    /// for free).
    pub binary_edges: bool,
}

impl Formulation {
    /// Number of integer (binary) columns.
    #[must_use]
    pub fn n_integer(&self) -> usize {
        (0..self.vars.len()).filter(|&c| self.is_integer(c)).count()
    }

    /// Whether column `c` is integer (binary).
    #[must_use]
    pub fn is_integer(&self, c: usize) -> bool {
        let v = &self.vars[c];
        v.is_integer() || (self.binary_edges && matches!(v, Var::Edge { .. }))
    }

    /// The factor the costs are multiplied by for the solver: 1000 over the mean of
    /// each user's cheapest column cost (1 when that is not positive), so that a
    /// typical user costs about 1000 and a solver's absolute objective tolerances
    /// are negligible against the toolkit's relative one.
    #[must_use]
    pub fn objective_scale(&self) -> f64 {
        let users = self
            .rows
            .iter()
            .filter(|r| matches!(r.kind, RowKind::User(_)));
        let (sum, count) = users.fold((0.0, 0usize), |(s, n), r| {
            let cheapest = r
                .terms
                .iter()
                .map(|&(c, _)| self.cost[c])
                .fold(f64::INFINITY, f64::min);
            (s + cheapest, n + 1)
        });
        let mean = sum / count.max(1) as f64;
        if mean.is_finite() && mean > 0.0 {
            1e3 / mean
        } else {
            1.0
        }
    }

    /// Number of nonzero coefficients in the rows.
    #[must_use]
    pub fn nonzeros(&self) -> usize {
        self.rows.iter().map(|r| r.terms.len()).sum()
    }

    /// The columns of an assignment, when every option it uses (at its load) is a
    /// column of this formulation; `None` otherwise.
    #[must_use]
    pub fn columns_of(&self, a: &Assignment) -> Option<Vec<f64>> {
        let m = self.vars.iter().fold(0, |m, v| match *v {
            Var::Level { server, .. } => m.max(server + 1),
            _ => m,
        });
        let loads = a.loads(m);
        let mut values = vec![0.0; self.vars.len()];
        let mut used = vec![0usize; a.len()];
        for (c, v) in self.vars.iter().enumerate() {
            let on = match *v {
                Var::Local { user, variant } => a.0[user] == Choice::local(variant),
                Var::Edge {
                    user,
                    server,
                    variant,
                    load,
                } => a.0[user] == Choice::edge(server, variant) && loads[server] == load,
                Var::Level { server, load } => loads[server] == load,
                // Excess columns depend on the interference: 0 here (only the
                // interference bound has them, and it places its start itself).
                Var::Excess { .. } | Var::Share { .. } => false,
            };
            if on {
                values[c] = 1.0;
                if let Some((user, _)) = v.choice() {
                    used[user] += 1;
                }
            }
        }
        used.iter().all(|&u| u == 1).then_some(values)
    }
}

/// The most cost evaluations (`sum_j K_j N V_j`, the plain formulation's edge columns)
/// a formulation may need before [`formulate`] refuses the instance: 2 x 10^8, a few
/// seconds of building (N = 7,000 at M = 4, N = 2,000 at M = 50). Measured in
/// docs/exact.md ("Size guard").
pub const MAX_COST_EVALUATIONS: u64 = 200_000_000;

/// The most columns a built formulation may have (3 x 10^6, about 1 GB with HiGHS's
/// copy); the build stops and refuses as soon as it passes this.
pub const MAX_COLUMNS: usize = 3_000_000;

/// `sum_j K_j N V_j`: the cost evaluations (and edge columns of the plain formulation)
/// of `inst`, in O(M), before anything is built. Saturates instead of overflowing.
#[must_use]
pub fn cost_evaluations(inst: &Instance) -> u64 {
    let n = inst.n_users() as u64;
    inst.servers().iter().fold(0u64, |acc, s| {
        let k = s.max_users.map_or(n, |c| (c as u64).min(n));
        acc.saturating_add(k.saturating_mul(n).saturating_mul(s.variants.len() as u64))
    })
}

/// Refuses instances whose formulation would need more than
/// [`MAX_COST_EVALUATIONS`] cost evaluations, before any is made.
///
/// # Errors
/// [`Error::Refused`] naming the size, the budget and what to use instead.
pub fn check_size(inst: &Instance) -> Result<()> {
    let evals = cost_evaluations(inst);
    if evals > MAX_COST_EVALUATIONS {
        return Err(Error::Refused {
            solver: NAME,
            reason: format!(
                "{}: N = {} users and M = {} servers need {evals:.3e} cost evaluations \
                 (sum over servers of max load x N x variants) to build the MIP, above \
                 the budget of {MAX_COST_EVALUATIONS:.1e} (docs/exact.md, \"Size guard\"); \
                 use a heuristic (goa, best-response) at this size",
                inst.name(),
                inst.n_users(),
                inst.n_servers(),
                evals = evals as f64,
                MAX_COST_EVALUATIONS = MAX_COST_EVALUATIONS as f64,
            ),
        });
    }
    Ok(())
}

/// Builds the formulation of `inst` (costs at zero interference).
///
/// Complexity: O(N^2 M V) cost evaluations, where V is the most variants a server has.
///
/// # Errors
/// [`Error::Infeasible`] when a user that must offload has no server that can take it
/// (every server capped at 0); [`Error::Refused`] above the size budget
/// ([`check_size`], [`MAX_COLUMNS`]).
pub fn formulate(inst: &Instance, config: &MipConfig) -> Result<Formulation> {
    formulate_until(inst, config, None)?.ok_or_else(unreachable_deadline)
}

fn unreachable_deadline() -> Error {
    Error::SolverFailed {
        solver: NAME,
        reason: "the build stopped at a deadline it was not given".into(),
    }
}

/// [`formulate`], stopping with `Ok(None)` once `deadline` (an instant) has passed;
/// the clock is read once per load level.
///
/// # Errors
/// As [`formulate`].
pub fn formulate_until(
    inst: &Instance,
    config: &MipConfig,
    deadline: Option<Instant>,
) -> Result<Option<Formulation>> {
    check_size(inst)?;
    let late = || deadline.is_some_and(|d| Instant::now() >= d);
    let model = Model::new(inst);
    let (n, m) = (inst.n_users(), inst.n_servers());
    let mut vars = Vec::new();
    let mut cost = Vec::new();
    let mut user_terms: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n];
    let best_local: Vec<(Choice, f64)> = (0..n).map(|i| model.best_local(i)).collect();
    for i in (0..n).filter(|&i| !inst.is_forced(i)) {
        for v in 0..inst.device_variants().len() {
            let c = Choice::local(v);
            if config.reduce && c != best_local[i].0 {
                continue;
            }
            user_terms[i].push((vars.len(), 1.0));
            vars.push(Var::Local {
                user: i,
                variant: v,
            });
            cost.push(model.cost(i, c, model.local_delay(i, v)));
        }
    }
    let mut rows = Vec::new();
    let mut links = Vec::new();
    for j in 0..m {
        let k_max = inst.servers()[j].max_users.map_or(n, |cap| cap.min(n));
        // Edge columns per load level k = 1..=k_max: (k, [(user, variant, cost)]).
        let levels: Vec<Level> = if config.reduce {
            let Some(levels) = reduced_levels(inst, &model, j, k_max, &best_local, deadline) else {
                return Ok(None);
            };
            levels
                .into_iter()
                .map(|(k, cands)| {
                    let cands = cands.into_iter().map(|c| (c.user, c.variant, c.cost));
                    (k, cands.collect())
                })
                .collect()
        } else {
            let mut levels = Vec::with_capacity(k_max);
            for k in 1..=k_max {
                if late() {
                    return Ok(None);
                }
                let cands =
                    (0..n).flat_map(|i| (0..inst.servers()[j].variants.len()).map(move |v| (i, v)));
                let cands = cands.map(|(i, v)| {
                    let c = Choice::edge(j, v);
                    (i, v, model.cost(i, c, model.edge_delay(i, j, v, k, 0.0)))
                });
                levels.push((k, cands.collect()));
            }
            levels
        };
        if late() {
            return Ok(None);
        }
        if vars.len() + levels.iter().map(|l| l.1.len() + 1).sum::<usize>() > MAX_COLUMNS {
            return Err(too_many_columns(inst));
        }
        let y0 = vars.len();
        vars.push(Var::Level { server: j, load: 0 });
        cost.push(0.0);
        for &(k, _) in &levels {
            vars.push(Var::Level { server: j, load: k });
            cost.push(0.0);
        }
        rows.push(Row {
            kind: RowKind::Level(j),
            terms: (y0..vars.len()).map(|c| (c, 1.0)).collect(),
            sense: Sense::Eq,
            rhs: 1.0,
        });
        for (pos, (k, cands)) in levels.into_iter().enumerate() {
            let y = y0 + 1 + pos;
            let mut terms = Vec::with_capacity(cands.len() + 1);
            for (i, v, c) in cands {
                let col = vars.len();
                vars.push(Var::Edge {
                    user: i,
                    server: j,
                    variant: v,
                    load: k,
                });
                cost.push(c);
                terms.push((col, 1.0));
                user_terms[i].push((col, 1.0));
                if config.linking {
                    links.push(Row {
                        kind: RowKind::Link(col),
                        terms: vec![(col, 1.0), (y, -1.0)],
                        sense: Sense::Le,
                        rhs: 0.0,
                    });
                }
            }
            terms.push((y, -(k as f64)));
            rows.push(Row {
                kind: RowKind::Load { server: j, load: k },
                terms,
                sense: Sense::Eq,
                rhs: 0.0,
            });
        }
    }
    let mut user_rows = Vec::with_capacity(n);
    for (i, terms) in user_terms.into_iter().enumerate() {
        user_rows.push(user_row(inst, i, terms)?);
    }
    user_rows.extend(rows);
    user_rows.extend(links);
    Ok(Some(Formulation {
        vars,
        cost,
        rows: user_rows,
        relaxation: inst.interference(),
        binary_edges: false,
    }))
}

/// The refusal when a build passes [`MAX_COLUMNS`].
pub(super) fn too_many_columns(inst: &Instance) -> Error {
    Error::Refused {
        solver: NAME,
        reason: format!(
            "{}: the MIP passes the budget of {MAX_COLUMNS} columns (docs/exact.md, \
             \"Size guard\"); use a heuristic (goa, best-response) at this size",
            inst.name()
        ),
    }
}

/// A load level `k` and its edge columns `(user, variant, cost)`.
type Level = (usize, Vec<(usize, usize, f64)>);

/// An edge column kept by [`reduced_levels`] at some level.
#[derive(Debug, Clone, Copy)]
pub(super) struct Cand {
    /// The user.
    pub user: usize,
    /// Its cheapest variant at this level.
    pub variant: usize,
    /// Its cost at zero interference.
    pub cost: f64,
    /// Whether the user must offload (alpha > tau).
    pub forced: bool,
    /// Its cheapest local cost.
    pub local: f64,
    /// The least the other `k - 1` users on the server gain from one user fewer.
    pub others: f64,
}

impl Cand {
    /// Reduction rule 3: whether a column of this user at this level with cost `cost`
    /// may be needed by an optimum (forced, or moving it home would not lower the
    /// objective whatever the others are).
    #[must_use]
    pub fn keeps(&self, cost: f64) -> bool {
        self.forced || cost - self.local + self.others <= 0.0
    }
}

/// The load levels of server `j` that some optimum may use, each with the edge
/// columns it needs (SPEC 2's monotonicity makes every rule exact): at each level only
/// a user's cheapest variant (lowest index on ties); a user free to stay local only
/// where moving it home would not lower the objective, that is where its cost minus
/// its local cost plus the least the other `k - 1` users on `j` would gain from one
/// user fewer is not positive; and only levels that at least `k` users can take.
///
/// The gains and costs are those at zero interference; with interference every cost
/// and every gain is at least as large (the upload time grows with interference, the
/// compute time does not depend on it), so the rules stay exact with it, and the
/// interference-aware bound filters its columns with each [`Cand::slack`].
///
/// `None` when `deadline` passed (the clock is read once per level).
pub(super) fn reduced_levels(
    inst: &Instance,
    model: &Model,
    j: usize,
    k_max: usize,
    best_local: &[(Choice, f64)],
    deadline: Option<Instant>,
) -> Option<Vec<(usize, Vec<Cand>)>> {
    let n = inst.n_users();
    let cheapest = |i: usize, k: usize| {
        (0..inst.servers()[j].variants.len())
            .map(|v| {
                let c = Choice::edge(j, v);
                (v, model.cost(i, c, model.edge_delay(i, j, v, k, 0.0)))
            })
            .reduce(|b, x| if x.1 < b.1 { x } else { b })
            .expect("a server has at least one variant")
    };
    let mut levels = Vec::new();
    let mut prev: Vec<f64> = vec![0.0; n];
    for k in 1..=k_max {
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return None;
        }
        let best: Vec<(usize, f64)> = (0..n).map(|i| cheapest(i, k)).collect();
        // Users that may sit at level k at all: forced, or not costlier than local.
        // These sets shrink as k grows, so once fewer than k remain, stop.
        let may: Vec<usize> = (0..n)
            .filter(|&i| inst.is_forced(i) || best[i].1 <= best_local[i].1)
            .collect();
        if may.len() < k {
            break;
        }
        // What each of them gains when level k loses a user (0 at k = 1).
        let mut gain: Vec<(f64, usize)> = may
            .iter()
            .map(|&i| (if k > 1 { best[i].1 - prev[i] } else { 0.0 }, i))
            .collect();
        gain.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let first = |m: usize| gain[..m].iter().map(|g| g.0).sum::<f64>();
        let (sum_km1, sum_k) = (first(k - 1), first(k));
        let rank: Vec<usize> = {
            let mut r = vec![usize::MAX; n];
            for (p, &(_, i)) in gain.iter().enumerate() {
                r[i] = p;
            }
            r
        };
        let cands: Vec<Cand> = may
            .iter()
            .map(|&i| {
                let others = if rank[i] < k - 1 {
                    sum_k - gain[rank[i]].0
                } else {
                    sum_km1
                };
                Cand {
                    user: i,
                    variant: best[i].0,
                    cost: best[i].1,
                    forced: inst.is_forced(i),
                    local: best_local[i].1,
                    others,
                }
            })
            .filter(|c| c.keeps(c.cost))
            .collect();
        if cands.len() >= k {
            levels.push((k, cands));
        }
        prev = best.iter().map(|b| b.1).collect();
    }
    Some(levels)
}

/// Each user's column of largest value in `values`, with that value.
fn largest(f: &Formulation, values: &[f64], n_users: usize) -> Result<Vec<Option<(Choice, f64)>>> {
    if values.len() != f.vars.len() {
        return Err(Error::SolverFailed {
            solver: NAME,
            reason: format!("{} values for {} columns", values.len(), f.vars.len()),
        });
    }
    let mut best: Vec<Option<(Choice, f64)>> = vec![None; n_users];
    for (v, &x) in f.vars.iter().zip(values) {
        if let Some((user, c)) = v.choice() {
            if best[user].is_none_or(|(_, b)| x > b) {
                best[user] = Some((c, x));
            }
        }
    }
    Ok(best)
}

/// The assignment a column vector stands for: each user's option is its column of
/// largest value.
///
/// # Errors
/// [`Error::SolverFailed`] when some user's largest column is not above 0.5 (a
/// fractional answer: [`round`] then gives a guess) or the vector does not match the
/// formulation.
pub fn decode(f: &Formulation, values: &[f64], n_users: usize) -> Result<Assignment> {
    let choices = largest(f, values, n_users)?
        .into_iter()
        .enumerate()
        .map(|(i, b)| match b {
            Some((c, x)) if x > 0.5 => Ok(c),
            Some((_, x)) => Err(Error::SolverFailed {
                solver: NAME,
                reason: format!("user {i} has no option above 0.5 in HiGHS's answer (largest {x})"),
            }),
            None => Err(Error::SolverFailed {
                solver: NAME,
                reason: format!("user {i} has no column in the formulation"),
            }),
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Assignment(choices))
}

/// Whether every user has a column above 0.5 in `values` (so [`decode`] succeeds).
#[must_use]
pub fn is_integral(f: &Formulation, values: &[f64], n_users: usize) -> bool {
    largest(f, values, n_users).is_ok_and(|b| b.iter().all(|b| b.is_some_and(|(_, x)| x > 0.5)))
}

/// A fractional column vector rounded: each user takes its column of largest value,
/// however small (ties to the first column). Continuous edge columns can come back
/// fractional where costs tie or where rows beyond the load levels break the
/// transportation structure; the result may then break a load level or a cap, so the
/// caller evaluates it before using it.
///
/// # Errors
/// When the vector does not match the formulation or a user has no column.
pub fn round(f: &Formulation, values: &[f64], n_users: usize) -> Result<Assignment> {
    let choices = largest(f, values, n_users)?
        .into_iter()
        .enumerate()
        .map(|(i, b)| {
            b.map(|(c, _)| c).ok_or_else(|| Error::SolverFailed {
                solver: NAME,
                reason: format!("user {i} has no column in the formulation"),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Assignment(choices))
}

/// User `i`'s assignment row, `sum of its columns = 1` (columns in index order).
///
/// # Errors
/// [`Error::Infeasible`] when no column is left for it (a user that must offload,
/// and no server can take it).
pub(super) fn user_row(inst: &Instance, i: usize, mut terms: Vec<(usize, f64)>) -> Result<Row> {
    if terms.is_empty() {
        return Err(Error::Infeasible(format!(
            "user {i} must offload (uncertainty {} > tau = {}) but no server can take it",
            inst.alpha(i),
            inst.tau()
        )));
    }
    terms.sort_unstable_by_key(|t| t.0);
    Ok(Row {
        kind: RowKind::User(i),
        terms,
        sense: Sense::Eq,
        rhs: 1.0,
    })
}
