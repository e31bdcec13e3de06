//! `goa-marginal`: GOA's greedy with the externality counted (ours; SPEC 5, GOA).
//!
//! GOA's gap of user `i` on server `j` counts only `i`'s own delay, so once servers
//! are loaded it keeps adding users whose arrival slows everyone already there
//! (docs/local_search.md). `goa-marginal` runs GOA's two phases (forced users first,
//! positive gaps included; then the others while the smallest gap is negative) with
//! the *marginal* gap instead: the change of the total objective (P) when `i` joins
//! `j`, every user's cost included ([`crate::model::DeltaState::delta_if`]). Same
//! tie-break as GOA ([`super::greedy::GapKey`]: gap, user, server, variant).
//!
//! Cost: with interference off, the lazy priority queue of GOA is exact (marginal
//! gaps only grow as users are placed) and a gap costs O(n_j); with interference on,
//! every step rescans every pending pair, O(N^2 (N + M)) in all
//! ([`super::greedy::run_marginal`]).

use crate::error::Result;
use crate::instance::Instance;
use crate::model::{DeltaState, Model};
use crate::solver::{Answer, Budget, Solver, Stats};
use crate::Assignment;

use super::goa::phases;
use super::greedy::{self, Engine};

/// GOA's phases with marginal gaps; returns the assignment and the counters.
///
/// # Errors
/// [`crate::Error::Infeasible`] when caps leave a forced user without a server.
pub fn assign(inst: &Instance, engine: Engine) -> Result<(Assignment, Stats)> {
    let model = Model::new(inst);
    let mut ds = DeltaState::from_state(greedy::start(&model));
    let mut stats = Stats::default();
    greedy::run_marginal(&mut ds, &phases(inst), engine, &mut stats)?;
    Ok((ds.state().assignment(), stats))
}

/// The `goa-marginal` solver.
#[derive(Debug, Clone, Copy, Default)]
pub struct GoaMarginal;

impl Solver for GoaMarginal {
    fn name(&self) -> &'static str {
        "goa-marginal"
    }
    fn description(&self) -> &'static str {
        "GOA's greedy on the marginal change of the total objective (congestion and interference counted)"
    }
    fn search(&self, inst: &Instance, _budget: &Budget<'_>) -> Result<Answer> {
        let (a, stats) = assign(inst, Engine::Lazy)?;
        Ok(Answer::new(a).with_stats(stats))
    }
}
