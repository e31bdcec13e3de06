//! `tree-search`: exact depth-first branch and bound over users (SPEC 5, "Tree
//! search"), with or without interference, with model variants. See docs/game.md.
//!
//! Users are decided one at a time in the [`UserOrder`] of [`Params`]; a node's
//! children are the user's options that keep (P) feasible ([`State::allows`]: no
//! local option for users forced by tau, no full server), tried cheapest first (the
//! user's own cost at the node's loads; ties in [`Choice::all`] order). Undecided
//! users sit on their best local option, which adds no load and no interference, so
//! the [`State`] holds exactly the decided users' loads.
//!
//! Lower bound of a node: the decided users' costs at the current loads plus, for
//! each undecided user, its cheapest allowed option at the current loads (joining a
//! server counts itself in that server's load). It is valid because delays never
//! decrease when users are added (SPEC 2) and penalties do not depend on loads: in
//! any completion every decided user's cost is at least its current cost and every
//! undecided user's at least its cheapest option now. A node is pruned when its bound
//! reaches the incumbent within the tolerance.
//!
//! The incumbent starts from `goa` and `best-response` (the cheaper; see
//! [`Params::incumbent`]). With a node or time limit the search stops with the
//! incumbent and a valid bound: the minimum of the incumbent, the bounds of the nodes
//! pruned within the tolerance and the bounds of every open node (the unexplored
//! children along the current path). Without limits the bound equals the objective
//! within the tolerance: a proof of optimality.
//!
//! Cost: O(N K) per node (K options per user); at most `sum_k K^k` nodes. Without a
//! time or node limit it refuses instances above [`MAX_USERS_WITHOUT_LIMIT`] users.

use serde::Serialize;

use crate::assignment::{Assignment, Choice};
use crate::error::Result;
use crate::instance::Instance;
use crate::model::{evaluate, Model, State};
use crate::solver::{approx_eq, Answer, Bound, Budget, Diagnostics, Limits, Solver, Stats, Status};

use super::best_response::BestResponse;
use super::goa::Goa;

/// The most users `tree-search` accepts without a time or node limit. At M = 4 on
/// the paper scenario, N = 24 takes from 20 s to over a minute (docs/game.md) and
/// each further user multiplies that, so beyond it the solver refuses rather than
/// hang a `compare` run.
pub const MAX_USERS_WITHOUT_LIMIT: usize = 24;

/// The order in which users are decided (depth k decides the k-th user).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum UserOrder {
    /// Index order 0, 1, ..., N-1.
    Index,
    /// Decreasing weight `w_i` first (ties by index; index order under uniform
    /// weights): the users that dominate the objective are fixed near the root, where
    /// their exact costs tighten the bound of the most nodes. Measured against index
    /// order and other orders in docs/game.md.
    #[default]
    Weight,
}

/// Where the first incumbent comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Incumbent {
    /// The cheaper of `goa` and `best-response`.
    #[default]
    Both,
    /// `goa` only.
    Goa,
    /// None: the first leaf found (for measuring the heuristics' contribution).
    None,
}

/// Options of the tree search.
///
/// # Default
/// [`UserOrder::Weight`], [`Incumbent::Both`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Params {
    /// The order in which users are decided.
    pub user_order: UserOrder,
    /// The first incumbent.
    pub incumbent: Incumbent,
}

/// What `tree-search` reports beyond the counters.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TreeSearchDiagnostics {
    /// The root node's bound.
    pub root_bound: f64,
    /// The solver whose answer was the first incumbent, if any.
    pub incumbent_from: Option<String>,
    /// The user order.
    pub user_order: UserOrder,
    /// Leaves a full enumeration would visit (as a float: it overflows integers).
    pub leaves_of_full_enumeration: f64,
}

/// The `tree-search` solver.
#[derive(Debug, Clone, Copy, Default)]
pub struct TreeSearch {
    /// Its options.
    pub params: Params,
}

struct Search<'s, 'm, 'a> {
    state: State<'m, 'a>,
    order: Vec<usize>,
    options: &'s [Choice],
    /// Best local option of each user (where undecided users sit).
    parked: Vec<Choice>,
    best: Option<(Assignment, f64)>,
    /// Smallest bound among nodes pruned within the tolerance (not strictly above).
    pruned_bound: f64,
    /// Smallest bound among open nodes left when a limit stopped the search.
    open_bound: f64,
    nodes: u64,
    evaluations: u64,
    stopped: Option<Status>,
    budget: &'s Budget<'s>,
}

impl Search<'_, '_, '_> {
    /// The node's lower bound with users `order[..depth]` decided (infinite when an
    /// undecided forced user has no server with room).
    fn bound(&mut self, depth: usize) -> f64 {
        let mut b = 0.0;
        for &i in &self.order[..depth] {
            b += self.state.cost(i);
        }
        for &i in &self.order[depth..] {
            let mut m = f64::INFINITY;
            for &c in self.options {
                if self.state.allows(i, c) {
                    m = m.min(self.state.cost_if(i, c));
                }
            }
            b += m;
        }
        self.evaluations += (self.order.len() - depth) as u64 * self.options.len() as u64;
        b
    }

    fn incumbent_value(&self) -> f64 {
        self.best.as_ref().map_or(f64::INFINITY, |b| b.1)
    }

    /// Whether a node of bound `b` cannot improve on the incumbent by more than the
    /// tolerance.
    fn prunes(&self, b: f64) -> bool {
        let ub = self.incumbent_value();
        b >= ub || (ub.is_finite() && approx_eq(b, ub))
    }

    fn limit_reached(&mut self) -> bool {
        if self.stopped.is_some() {
            return true;
        }
        if self.budget.node_limit.is_some_and(|n| self.nodes >= n) {
            self.stopped = Some(Status::NodeLimit);
        } else if self.nodes.is_multiple_of(256) && self.budget.timed_out() {
            self.stopped = Some(Status::TimeLimit);
        }
        self.stopped.is_some()
    }

    /// Explores the node whose users `order[..depth]` are decided.
    fn dfs(&mut self, depth: usize) -> Result<()> {
        let b = self.bound(depth);
        if self.limit_reached() {
            self.open_bound = self.open_bound.min(b);
            return Ok(());
        }
        self.nodes += 1;
        if self.prunes(b) {
            if b.is_finite() {
                self.pruned_bound = self.pruned_bound.min(b);
            }
            return Ok(());
        }
        if depth == self.order.len() {
            // A leaf whose bound is its objective: confirm from scratch.
            let a = self.state.assignment();
            let value = evaluate(self.state.model().instance(), &a)?.objective;
            if value < self.incumbent_value() {
                self.best = Some((a, value));
            }
            return Ok(());
        }
        let i = self.order[depth];
        let mut children: Vec<(f64, Choice)> = self
            .options
            .iter()
            .filter(|&&c| self.state.allows(i, c))
            .map(|&c| (self.state.cost_if(i, c), c))
            .collect();
        self.evaluations += children.len() as u64;
        children.sort_by(|x, y| x.0.total_cmp(&y.0));
        for (k, &(_, c)) in children.iter().enumerate() {
            if self.stopped.is_some() {
                // Record the open siblings' own bounds.
                for &(_, rest) in &children[k..] {
                    self.state.set(i, rest);
                    let rb = self.bound(depth + 1);
                    self.open_bound = self.open_bound.min(rb);
                }
                break;
            }
            self.state.set(i, c);
            self.dfs(depth + 1)?;
        }
        self.state.set(i, self.parked[i]);
        Ok(())
    }
}

impl TreeSearch {
    fn order(&self, model: &Model<'_>) -> Vec<usize> {
        let n = model.instance().n_users();
        let mut order: Vec<usize> = (0..n).collect();
        if self.params.user_order == UserOrder::Weight {
            order.sort_by(|&a, &b| model.weight(b).total_cmp(&model.weight(a)).then(a.cmp(&b)));
        }
        order
    }
}

impl Solver for TreeSearch {
    fn name(&self) -> &'static str {
        "tree-search"
    }
    fn description(&self) -> &'static str {
        "exact depth-first branch and bound over users (monotone-delay bound); exponential"
    }
    fn is_exact(&self) -> bool {
        true
    }
    fn search(&self, inst: &Instance, budget: &Budget<'_>) -> Result<Answer> {
        let unlimited = budget.time_limit.is_none() && budget.node_limit.is_none();
        if unlimited && inst.n_users() > MAX_USERS_WITHOUT_LIMIT {
            return Err(crate::Error::Refused {
                solver: "tree-search",
                reason: format!(
                    "N = {} users exceeds {MAX_USERS_WITHOUT_LIMIT} without a limit (the search is \
                     exponential); give a time or node limit (--time-limit, --node-limit) to get \
                     the incumbent and a proven bound",
                    inst.n_users()
                ),
            });
        }
        let model = Model::new(inst);
        let options: Vec<Choice> = Choice::all(inst).collect();
        let heuristic = Limits::default();
        let mut first = None;
        if self.params.incumbent != Incumbent::None {
            first = Some(Goa.solve(inst, &heuristic)?);
        }
        if self.params.incumbent == Incumbent::Both {
            let br = BestResponse::default().solve(inst, &heuristic)?;
            if first
                .as_ref()
                .is_none_or(|g| br.objective() < g.objective())
            {
                first = Some(br);
            }
        }
        let incumbent_source = first.as_ref().map(|o| o.algorithm().to_string());
        let state = State::new(&model);
        let parked = (0..inst.n_users()).map(|i| model.best_local(i).0).collect();
        let mut search = Search {
            state,
            order: self.order(&model),
            options: &options,
            parked,
            best: first.map(|o| {
                let v = o.objective();
                (o.into_assignment(), v)
            }),
            pruned_bound: f64::INFINITY,
            open_bound: f64::INFINITY,
            nodes: 0,
            evaluations: 0,
            stopped: None,
            budget,
        };
        let root_bound = search.bound(0);
        search.dfs(0)?;
        let mut incumbent_source = incumbent_source;
        let (assignment, value) = match search.best.take() {
            Some(best) => best,
            // Stopped before the first leaf without a heuristic incumbent: fall back
            // to GOA's answer (always feasible on a valid instance).
            None if search.stopped.is_some() => {
                incumbent_source = Some("goa (fallback)".into());
                let g = Goa.solve(inst, &heuristic)?;
                let v = g.objective();
                (g.into_assignment(), v)
            }
            None => {
                return Err(crate::Error::Infeasible(
                    "tree-search found no assignment that keeps every constraint".into(),
                ))
            }
        };
        let bound = value.min(search.pruned_bound).min(search.open_bound);
        let status = search.stopped.unwrap_or(Status::Completed);
        let stats = Stats {
            iterations: 0,
            evaluations: search.evaluations,
            nodes: Some(search.nodes),
        };
        let diagnostics = TreeSearchDiagnostics {
            root_bound,
            incumbent_from: incumbent_source,
            user_order: self.params.user_order,
            leaves_of_full_enumeration: super::exhaustive::search_size(inst) as f64,
        };
        Ok(Answer::new(assignment)
            .with_status(status)
            .with_bound(Some(Bound::optimum(bound)))
            .with_stats(stats)
            .with_diagnostics(Diagnostics::TreeSearch(diagnostics)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::generate::{generate, GenConfig};

    #[test]
    fn matches_brute_force_on_paper_instances() {
        for (seed, interference) in [(1, true), (2, false), (3, true)] {
            let inst = generate(&GenConfig {
                users: 6,
                servers: 2,
                seed,
                interference,
                ..GenConfig::default()
            })
            .unwrap();
            let out = TreeSearch::default()
                .solve(&inst, &Limits::default())
                .unwrap();
            assert!(approx_eq(
                out.objective(),
                crate::testkit::brute_force_optimum(&inst)
            ));
            assert!(out.proven_optimal());
            assert_eq!(out.status(), Status::Completed);
        }
    }

    #[test]
    fn node_limit_returns_incumbent_and_valid_bound() {
        let inst = generate(&GenConfig {
            users: 7,
            servers: 2,
            seed: 5,
            ..GenConfig::default()
        })
        .unwrap();
        let opt = crate::testkit::brute_force_optimum(&inst);
        let s = TreeSearch {
            params: Params {
                incumbent: Incumbent::None,
                ..Params::default()
            },
        };
        let limits = Limits {
            node_limit: Some(5),
            ..Limits::default()
        };
        let out = s.solve(&inst, &limits).unwrap();
        assert_eq!(out.status(), Status::NodeLimit);
        let b = out.bound_value().unwrap();
        assert!(b <= opt + 1e-12 && out.objective() >= opt - 1e-12);
    }

    #[test]
    fn refuses_large_instances_without_a_limit() {
        let inst = generate(&GenConfig {
            users: MAX_USERS_WITHOUT_LIMIT + 1,
            ..GenConfig::default()
        })
        .unwrap();
        let err = TreeSearch::default()
            .solve(&inst, &Limits::default())
            .unwrap_err();
        assert!(err.to_string().contains("--time-limit"), "{err}");
        let limits = Limits {
            node_limit: Some(100),
            ..Limits::default()
        };
        let out = TreeSearch::default().solve(&inst, &limits).unwrap();
        assert!(out.bound_value().unwrap() <= out.objective());
    }
}
