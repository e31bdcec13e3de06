//! `random`: offloads as many users as GOA does, chosen uniformly at random among all
//! users (seeded, ChaCha8), tau ignored as in the authors' simulator (SPEC 5), placed
//! by phase 1 on unweighted gaps.
//!
//! `random-tau` respects tau: the forced users are always among the chosen (placed
//! first), the rest of GOA's count is drawn from the others.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::error::Result;
use crate::instance::Instance;
use crate::solver::{Answer, Budget, Solver};

use super::greedy::{Engine, GapWeight, Recipe, Step, Until, Users};

/// The random baseline (tau ignored).
#[derive(Debug, Clone, Copy, Default)]
pub struct Random;

/// `count` users drawn uniformly from `pool` with `seed`, in increasing order.
fn draw(mut pool: Vec<usize>, count: usize, seed: u64) -> Vec<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    pool.shuffle(&mut rng);
    pool.truncate(count);
    pool.sort_unstable();
    pool
}

/// How many users GOA offloads on `inst`.
fn goa_count(inst: &Instance) -> Result<usize> {
    let (a, _) = Recipe::goa().assign(inst, Engine::Lazy)?;
    Ok(a.offloaded())
}

/// `random`'s recipe on `inst` with `seed`: GOA's count drawn from every user.
///
/// # Errors
/// As GOA's.
pub fn recipe(inst: &Instance, seed: u64) -> Result<Recipe> {
    let chosen = draw(Users::All.of(inst), goa_count(inst)?, seed);
    Ok(Recipe {
        weight: GapWeight::Unit,
        steps: vec![Step::new(Users::Given(chosen), Until::Room)],
    })
}

/// `random-tau`'s recipe on `inst` with `seed`: the forced users, then the rest of
/// GOA's count drawn from the others.
///
/// # Errors
/// As GOA's.
pub fn recipe_tau(inst: &Instance, seed: u64) -> Result<Recipe> {
    let forced = Users::Forced.of(inst).len();
    let chosen = draw(
        Users::Free.of(inst),
        goa_count(inst)?.saturating_sub(forced),
        seed,
    );
    Ok(Recipe {
        weight: GapWeight::Unit,
        steps: vec![Step::FORCED, Step::new(Users::Given(chosen), Until::Room)],
    })
}

impl Solver for Random {
    fn name(&self) -> &'static str {
        "random"
    }
    fn description(&self) -> &'static str {
        "as many users as GOA offloads, chosen at random (seeded), tau ignored (the paper's)"
    }
    fn ignores_tau(&self) -> bool {
        true
    }
    fn is_seeded(&self) -> bool {
        true
    }
    fn search(&self, inst: &Instance, budget: &Budget<'_>) -> Result<Answer> {
        recipe(inst, budget.seed)?.answer(inst, Engine::Lazy)
    }
}

/// The random baseline with the forced users always chosen.
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomTau;

impl Solver for RandomTau {
    fn name(&self) -> &'static str {
        "random-tau"
    }
    fn description(&self) -> &'static str {
        "as many users as GOA offloads, forced users plus a seeded random draw of the others"
    }
    fn is_seeded(&self) -> bool {
        true
    }
    fn search(&self, inst: &Instance, budget: &Budget<'_>) -> Result<Answer> {
        recipe_tau(inst, budget.seed)?.answer(inst, Engine::Lazy)
    }
}
