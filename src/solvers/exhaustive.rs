//! `exhaustive`: every assignment of (P), enumerated depth-first (SPEC 3); the
//! reference oracle for tiny instances, exact with or without interference.
//!
//! Each user takes each of its options in [`Choice::all`] order (users with
//! `alpha_i > tau` skip the local ones); a server at its `max_users` cap is skipped.
//! Every complete assignment is scored by the incremental [`State`] (O(N) per
//! assignment after an O(M) move), so the search costs O(N * prod_i |options_i|).
//! Nothing is pruned by cost: the oracle shares no reasoning with the MIP it checks.
//!
//! Tie-break: the first assignment in enumeration order (user 0 varies slowest, each
//! user's options in [`Choice::all`] order) whose objective is strictly below all
//! earlier ones.

use crate::assignment::Choice;
use crate::error::{Error, Result};
use crate::instance::Instance;
use crate::model::{Model, State};
use crate::solver::{Answer, Bound, Budget, Solver, Stats, Status};

const NAME: &str = "exhaustive";

/// The number of assignments the search would visit without caps: the product over
/// users of their options (saturating at `u128::MAX`).
#[must_use]
pub fn search_size(inst: &Instance) -> u128 {
    options_per_user(inst)
        .iter()
        .fold(1u128, |acc, o| acc.saturating_mul(o.len() as u128))
}

/// The search size for messages: exact below 10^15, else in scientific notation.
fn approx_count(inst: &Instance) -> String {
    let size = options_per_user(inst)
        .iter()
        .fold(1f64, |acc, o| acc * o.len() as f64);
    if size < 1e15 {
        format!("{size:.0}")
    } else {
        format!("{size:.3e}")
    }
}

fn options_per_user(inst: &Instance) -> Vec<Vec<Choice>> {
    let all: Vec<Choice> = Choice::all(inst).collect();
    (0..inst.n_users())
        .map(|i| {
            let forced = inst.is_forced(i);
            all.iter()
                .copied()
                .filter(|c| !forced || c.server.is_some())
                .collect()
        })
        .collect()
}

struct Search<'s, 'm, 'a> {
    state: State<'m, 'a>,
    options: &'s [Vec<Choice>],
    home: Vec<Choice>,
    best: Option<(f64, Vec<Choice>)>,
    leaves: u64,
    budget: &'s Budget<'s>,
    stopped: Option<Status>,
}

impl Search<'_, '_, '_> {
    fn dfs(&mut self, i: usize) {
        if i == self.options.len() {
            self.leaf();
            return;
        }
        for k in 0..self.options[i].len() {
            if self.stopped.is_some() {
                return;
            }
            let c = self.options[i][k];
            // Full without user i itself (it may sit on `j` from the previous option).
            let here = self.state.choice(i).server;
            if c.server
                .is_some_and(|j| here != Some(j) && self.state.is_full(j))
            {
                continue;
            }
            self.state.set(i, c);
            self.dfs(i + 1);
        }
        // Back home: a local user loads no server, so caps stay right for siblings.
        self.state.set(i, self.home[i]);
    }

    fn leaf(&mut self) {
        self.leaves += 1;
        let obj = self.state.objective();
        if self.best.as_ref().is_none_or(|b| obj < b.0) {
            let a = (0..self.options.len()).map(|i| self.state.choice(i));
            self.best = Some((obj, a.collect()));
        }
        if self.budget.node_limit.is_some_and(|n| self.leaves >= n) {
            self.stopped = Some(Status::NodeLimit);
        } else if self.leaves.is_multiple_of(4096) && self.budget.timed_out() {
            self.stopped = Some(Status::TimeLimit);
        }
    }
}

/// `exhaustive`: enumerates every assignment; refuses instances with more than
/// [`Limits::max_enumeration`] of them.
#[derive(Debug, Clone, Copy, Default)]
pub struct Exhaustive;

impl Solver for Exhaustive {
    fn name(&self) -> &'static str {
        NAME
    }
    fn description(&self) -> &'static str {
        "enumerates every assignment (tiny instances; exact with interference)"
    }
    fn is_exact(&self) -> bool {
        true
    }
    fn search(&self, inst: &Instance, budget: &Budget<'_>) -> Result<Answer> {
        let size = search_size(inst);
        if size > u128::from(budget.max_enumeration) {
            // Raising the limit helps only when the count fits in it at all.
            let advice = if size > u128::from(u64::MAX) {
                format!(
                    "no --max-enumeration can hold that (the largest is {}); use `mip` or \
                     `tree-search`",
                    u64::MAX
                )
            } else {
                "raise it or use `mip`".to_string()
            };
            return Err(Error::Refused {
                solver: NAME,
                reason: format!(
                    "{} assignments to enumerate (each user's options, local ones \
                     removed for users that must offload) exceed --max-enumeration = {}; \
                     {advice}",
                    approx_count(inst),
                    budget.max_enumeration
                ),
            });
        }
        let options = options_per_user(inst);
        let model = Model::new(inst);
        let home = (0..inst.n_users()).map(|i| model.best_local(i).0).collect();
        let mut search = Search {
            state: State::new(&model),
            options: &options,
            home,
            best: None,
            leaves: 0,
            budget,
            stopped: None,
        };
        search.dfs(0);
        let stats = Stats {
            iterations: search.leaves,
            evaluations: search.leaves,
            nodes: Some(search.leaves),
        };
        let status = search.stopped.unwrap_or(Status::Completed);
        let Some((best_value, best)) = search.best else {
            return Err(match status {
                Status::Completed => Error::Infeasible(format!(
                    "{}: no assignment fits the servers' max_users caps",
                    inst.name()
                )),
                _ => Error::SolverFailed {
                    solver: NAME,
                    reason: format!("stopped ({status:?}) before the first assignment"),
                },
            });
        };
        // Complete: the best assignment is optimal, its objective the bound.
        let bound = (status == Status::Completed).then(|| Bound::optimum(best_value));
        Ok(Answer::new(crate::Assignment(best))
            .with_status(status)
            .with_bound(bound)
            .with_stats(stats))
    }
}
