//! `random`: offloads as many users as GOA does, chosen uniformly at random (seeded,
//! ChaCha8), placed by phase 1 on unweighted gaps. Users forced by tau are always
//! among the chosen, so the answer is feasible for (P).

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::error::Result;
use crate::instance::Instance;
use crate::model::Model;
use crate::solver::{Answer, Budget, Solver, Stats};

use super::greedy::{self, Engine, GapWeight, Phase};

/// The random baseline.
#[derive(Debug, Clone, Copy, Default)]
pub struct Random;

impl Solver for Random {
    fn name(&self) -> &'static str {
        "random"
    }
    fn is_seeded(&self) -> bool {
        true
    }
    fn description(&self) -> &'static str {
        "as many users as GOA offloads, chosen at random (seeded), placed on unweighted gaps"
    }
    fn search(&self, inst: &Instance, budget: &Budget<'_>) -> Result<Answer> {
        let target = super::goa::solve_with(inst, Engine::Lazy)?
            .assignment
            .offloaded();
        let model = Model::new(inst);
        let mut state = greedy::start(&model);
        let mut stats = Stats::default();
        let (forced, mut free): (Vec<usize>, Vec<usize>) =
            (0..inst.n_users()).partition(|&i| inst.is_forced(i));
        let mut rng = ChaCha8Rng::seed_from_u64(budget.seed);
        free.shuffle(&mut rng);
        free.truncate(target.saturating_sub(forced.len()));
        free.sort_unstable();
        let phases = [
            Phase {
                users: forced,
                only_negative: false,
                required: true,
            },
            Phase {
                users: free,
                only_negative: false,
                required: false,
            },
        ];
        greedy::run(
            &mut state,
            &phases,
            GapWeight::Unit,
            Engine::Lazy,
            &mut stats,
        )?;
        Ok(Answer::new(state.assignment()).with_stats(stats))
    }
}
