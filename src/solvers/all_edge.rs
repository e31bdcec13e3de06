//! `all-edge`: every user offloads, placed by GOA's phase 1 over all users (smallest
//! weighted gap, positive gaps included), tau ignored, as in the authors' simulator
//! (SPEC 5); users stay local only when the servers' `max_users` caps leave no room.
//!
//! `all-edge-tau` respects tau: the forced users are placed first (and must find a
//! server), then the others while the caps leave room. Without caps both offload
//! everyone, in a different order, so on different servers.

use crate::error::Result;
use crate::instance::Instance;
use crate::solver::{Answer, Budget, Solver};

use super::greedy::{Engine, GapWeight, Recipe, Step, Until, Users};

/// The all-edge baseline (tau ignored).
#[derive(Debug, Clone, Copy, Default)]
pub struct AllEdge;

/// `all-edge`'s recipe: phase 1 on every user while caps leave room.
#[must_use]
pub fn recipe() -> Recipe {
    Recipe {
        weight: GapWeight::Instance,
        steps: vec![Step::new(Users::All, Until::Room)],
    }
}

/// `all-edge-tau`'s recipe: phase 1 on the forced users, then on the others.
#[must_use]
pub fn recipe_tau() -> Recipe {
    Recipe {
        weight: GapWeight::Instance,
        steps: vec![Step::FORCED, Step::new(Users::Free, Until::Room)],
    }
}

impl Solver for AllEdge {
    fn name(&self) -> &'static str {
        "all-edge"
    }
    fn description(&self) -> &'static str {
        "everyone offloads, placed by GOA phase 1 on weighted gaps, tau ignored (the paper's)"
    }
    fn ignores_tau(&self) -> bool {
        true
    }
    fn search(&self, inst: &Instance, _budget: &Budget<'_>) -> Result<Answer> {
        recipe().answer(inst, Engine::Lazy)
    }
}

/// The all-edge baseline with the forced users placed first.
#[derive(Debug, Clone, Copy, Default)]
pub struct AllEdgeTau;

impl Solver for AllEdgeTau {
    fn name(&self) -> &'static str {
        "all-edge-tau"
    }
    fn description(&self) -> &'static str {
        "everyone offloads, placed by GOA phase 1 on weighted gaps, forced users first"
    }
    fn search(&self, inst: &Instance, _budget: &Budget<'_>) -> Result<Answer> {
        recipe_tau().answer(inst, Engine::Lazy)
    }
}
