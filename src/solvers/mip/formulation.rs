//! The formulation of the `mip` solver (SPEC 5): columns, rows, the exact reductions,
//! and the decoding of a column vector into an assignment. See [`super`] for the model.

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
}

impl Default for MipConfig {
    fn default() -> Self {
        MipConfig {
            reduce: true,
            linking: false,
            warm_start: true,
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
            Var::Level { .. } => None,
        }
    }

    /// Readable name: `l_i3_v0`, `z_i3_s1_v0_k4`, `y_s1_k4`.
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
}

impl Formulation {
    /// Number of integer (binary) columns.
    #[must_use]
    pub fn n_integer(&self) -> usize {
        self.vars.iter().filter(|v| v.is_integer()).count()
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

/// Builds the formulation of `inst` (costs at zero interference).
///
/// Complexity: O(N^2 M V) cost evaluations, where V is the most variants a server has.
///
/// # Errors
/// [`Error::Infeasible`] when a user that must offload has no server that can take it
/// (every server capped at 0).
pub fn formulate(inst: &Instance, config: &MipConfig) -> Result<Formulation> {
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
        let levels = if config.reduce {
            reduced_levels(inst, &model, j, k_max, &best_local)
        } else {
            (1..=k_max)
                .map(|k| {
                    let cands = (0..n)
                        .flat_map(|i| (0..inst.servers()[j].variants.len()).map(move |v| (i, v)));
                    let cands = cands.map(|(i, v)| {
                        let c = Choice::edge(j, v);
                        (i, v, model.cost(i, c, model.edge_delay(i, j, v, k, 0.0)))
                    });
                    (k, cands.collect())
                })
                .collect()
        };
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
    for (i, mut terms) in user_terms.into_iter().enumerate() {
        if terms.is_empty() {
            return Err(Error::Infeasible(format!(
                "user {i} must offload (uncertainty {} > tau = {}) but no server can take it",
                inst.alpha(i),
                inst.tau()
            )));
        }
        terms.sort_unstable_by_key(|t| t.0);
        user_rows.push(Row {
            kind: RowKind::User(i),
            terms,
            sense: Sense::Eq,
            rhs: 1.0,
        });
    }
    user_rows.extend(rows);
    user_rows.extend(links);
    Ok(Formulation {
        vars,
        cost,
        rows: user_rows,
        relaxation: inst.interference(),
    })
}

/// A load level `k` and its edge columns `(user, variant, cost)`.
type Level = (usize, Vec<(usize, usize, f64)>);

/// The load levels of server `j` that some optimum may use, each with the edge
/// columns it needs (SPEC 2's monotonicity makes every rule exact): at each level only
/// a user's cheapest variant (lowest index on ties); a user free to stay local only
/// where moving it home would not lower the objective, that is where its cost minus
/// its local cost plus the least the other `k - 1` users on `j` would gain from one
/// user fewer is not positive; and only levels that at least `k` users can take.
fn reduced_levels(
    inst: &Instance,
    model: &Model,
    j: usize,
    k_max: usize,
    best_local: &[(Choice, f64)],
) -> Vec<Level> {
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
        let cands: Vec<(usize, usize, f64)> = may
            .iter()
            .filter(|&&i| {
                let others = if rank[i] < k - 1 {
                    sum_k - gain[rank[i]].0
                } else {
                    sum_km1
                };
                inst.is_forced(i) || best[i].1 - best_local[i].1 + others <= 0.0
            })
            .map(|&i| (i, best[i].0, best[i].1))
            .collect();
        if cands.len() >= k {
            levels.push((k, cands));
        }
        prev = best.iter().map(|b| b.1).collect();
    }
    levels
}

/// The assignment a column vector stands for: each user's option is its column of
/// largest value.
///
/// # Errors
/// [`Error::SolverFailed`] when some user's largest column is not above 0.5 (a
/// fractional answer) or the vector does not match the formulation.
pub fn decode(f: &Formulation, values: &[f64], n_users: usize) -> Result<Assignment> {
    if values.len() != f.vars.len() {
        return Err(Error::SolverFailed {
            solver: NAME,
            reason: format!("{} values for {} columns", values.len(), f.vars.len()),
        });
    }
    let mut best: Vec<Option<(Choice, f64)>> = vec![None; n_users];
    for (v, &x) in f.vars.iter().zip(values) {
        if let Some((user, c)) = v.choice() {
            if best[user].map_or(true, |(_, b)| x > b) {
                best[user] = Some((c, x));
            }
        }
    }
    let choices = best
        .into_iter()
        .enumerate()
        .map(|(i, b)| match b {
            Some((c, x)) if x > 0.5 => Ok(c),
            _ => Err(Error::SolverFailed {
                solver: NAME,
                reason: format!("user {i} has no option above 0.5 in HiGHS's answer"),
            }),
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Assignment(choices))
}
