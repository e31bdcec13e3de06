//! GOA, the uncertainty-aware greedy offloading algorithm (SPEC 5; first seed paper).
//!
//! Phase 1 places every user with `alpha_i > tau` on the option of smallest weighted
//! gap, positive gaps included; phase 2 keeps placing the other users while the
//! smallest gap is negative ([`Recipe::goa`]). `goa` (lazy priority queue) and
//! `goa-reference` (full rescan, from-scratch gaps) return the identical assignment;
//! see [`super::greedy`] for the gap, the tie-break and the complexity of each.

use crate::assignment::Assignment;
use crate::error::Result;
use crate::instance::Instance;
use crate::solver::{Answer, Budget, Complexity, Solver};

use super::greedy::{Engine, Phase, Recipe};

/// GOA's two phases for `inst`.
#[must_use]
pub fn phases(inst: &Instance) -> Vec<Phase> {
    Recipe::goa().phases(inst)
}

/// GOA's assignment of `inst` (the lazy engine), e.g. as a start for other solvers.
///
/// # Errors
/// [`crate::Error::Infeasible`] when caps leave a forced user without a server
/// (instances that pass validation never do).
pub fn assignment(inst: &Instance) -> Result<Assignment> {
    Ok(Recipe::goa().assign(inst, Engine::Lazy)?.0)
}

/// Runs GOA with the given engine: the assignment and the greedy's counters.
///
/// # Errors
/// As [`assignment`].
pub fn solve_with(inst: &Instance, engine: Engine) -> Result<Answer> {
    Recipe::goa().answer(inst, engine)
}

/// The running time the first seed paper states for GOA: O(N^3 M^2).
pub const STATED_COMPLEXITY: Complexity = Complexity {
    users: 3.0,
    servers: 2.0,
};

/// `goa`: the fast GOA (lazy priority queue).
#[derive(Debug, Clone, Copy, Default)]
pub struct Goa;

impl Solver for Goa {
    fn name(&self) -> &'static str {
        "goa"
    }
    fn description(&self) -> &'static str {
        "greedy offloading (GOA), lazy priority queue; same answer as goa-reference"
    }
    fn stated_complexity(&self) -> Option<Complexity> {
        Some(STATED_COMPLEXITY)
    }
    fn search(&self, inst: &Instance, _budget: &Budget<'_>) -> Result<Answer> {
        solve_with(inst, Engine::Lazy)
    }
}

/// `goa-reference`: the straightforward GOA, every gap recomputed from scratch.
#[derive(Debug, Clone, Copy, Default)]
pub struct GoaReference;

impl Solver for GoaReference {
    fn name(&self) -> &'static str {
        "goa-reference"
    }
    fn description(&self) -> &'static str {
        "greedy offloading (GOA), straightforward rescan with from-scratch gaps, O(N^3 M)"
    }
    fn stated_complexity(&self) -> Option<Complexity> {
        Some(STATED_COMPLEXITY)
    }
    fn search(&self, inst: &Instance, _budget: &Budget<'_>) -> Result<Answer> {
        solve_with(inst, Engine::Reference)
    }
}
