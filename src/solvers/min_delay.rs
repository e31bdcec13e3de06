//! `min-delay`: GOA's phase 2 on unweighted gaps over all users, tau and uncertainty
//! ignored, as in the authors' simulator (SPEC 5): each step offloads the user whose
//! own delay drops most, while some drop is left.
//!
//! `min-delay-tau` respects tau: the forced users are placed first by phase 1 on
//! unweighted gaps, then phase 2 runs on the others.

use crate::error::Result;
use crate::instance::Instance;
use crate::solver::{Answer, Budget, Solver};

use super::greedy::{Engine, GapWeight, Recipe, Step, Until, Users};

/// The min-delay baseline (tau ignored).
#[derive(Debug, Clone, Copy, Default)]
pub struct MinDelay;

/// `min-delay`'s recipe: phase 2 on every user, unweighted.
#[must_use]
pub fn recipe() -> Recipe {
    Recipe {
        weight: GapWeight::Unit,
        steps: vec![Step::new(Users::All, Until::GapNegative)],
    }
}

/// `min-delay-tau`'s recipe: phase 1 on the forced users, phase 2 on the others,
/// unweighted.
#[must_use]
pub fn recipe_tau() -> Recipe {
    Recipe {
        weight: GapWeight::Unit,
        steps: vec![Step::FORCED, Step::new(Users::Free, Until::GapNegative)],
    }
}

impl Solver for MinDelay {
    fn name(&self) -> &'static str {
        "min-delay"
    }
    fn description(&self) -> &'static str {
        "greedy on unweighted delay gaps over all users, tau ignored (the paper's baseline)"
    }
    fn ignores_tau(&self) -> bool {
        true
    }
    fn search(&self, inst: &Instance, _budget: &Budget<'_>) -> Result<Answer> {
        recipe().answer(inst, Engine::Lazy)
    }
}

/// The min-delay baseline with the forced users placed first.
#[derive(Debug, Clone, Copy, Default)]
pub struct MinDelayTau;

impl Solver for MinDelayTau {
    fn name(&self) -> &'static str {
        "min-delay-tau"
    }
    fn description(&self) -> &'static str {
        "greedy on unweighted delay gaps, forced users placed first"
    }
    fn search(&self, inst: &Instance, _budget: &Budget<'_>) -> Result<Answer> {
        recipe_tau().answer(inst, Engine::Lazy)
    }
}
