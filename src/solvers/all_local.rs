//! `all-local`: every user answers on its device, tau ignored (the paper's baseline,
//! SPEC 5): with users above tau its answer is infeasible for (P).
//!
//! `all-local-tau` is the version that respects tau: the users with `alpha > tau`,
//! whom (P) forces to offload, are placed as in GOA's phase 1, everyone else stays on
//! the device.

use crate::error::Result;
use crate::instance::Instance;
use crate::solver::{Answer, Budget, Solver};

use super::greedy::{Engine, GapWeight, Recipe, Step};

/// The all-local baseline (tau ignored).
#[derive(Debug, Clone, Copy, Default)]
pub struct AllLocal;

/// `all-local`'s recipe: no step at all.
#[must_use]
pub fn recipe() -> Recipe {
    Recipe {
        weight: GapWeight::Instance,
        steps: Vec::new(),
    }
}

/// `all-local-tau`'s recipe: GOA's phase 1 on the forced users only.
#[must_use]
pub fn recipe_tau() -> Recipe {
    Recipe {
        weight: GapWeight::Instance,
        steps: vec![Step::FORCED],
    }
}

impl Solver for AllLocal {
    fn name(&self) -> &'static str {
        "all-local"
    }
    fn description(&self) -> &'static str {
        "everyone on the device, tau ignored (the paper's baseline; may be infeasible for (P))"
    }
    fn ignores_tau(&self) -> bool {
        true
    }
    fn search(&self, inst: &Instance, _budget: &Budget<'_>) -> Result<Answer> {
        recipe().answer(inst, Engine::Lazy)
    }
}

/// The all-local baseline made feasible for (P).
#[derive(Debug, Clone, Copy, Default)]
pub struct AllLocalTau;

impl Solver for AllLocalTau {
    fn name(&self) -> &'static str {
        "all-local-tau"
    }
    fn description(&self) -> &'static str {
        "everyone on the device, except users forced by tau (placed as in GOA phase 1)"
    }
    fn search(&self, inst: &Instance, _budget: &Budget<'_>) -> Result<Answer> {
        recipe_tau().answer(inst, Engine::Lazy)
    }
}
