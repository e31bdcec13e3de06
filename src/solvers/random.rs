//! `random`: offloads as many users as GOA does, chosen uniformly at random (seeded,
//! ChaCha8), placed by phase 1 on unweighted gaps. Users forced by tau are always
//! among the chosen, so the answer is feasible for (P).

use std::time::Instant;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::error::Result;
use crate::instance::Instance;
use crate::model::Model;
use crate::solver::{Limits, Outcome, Solver, Stats, Status};

use super::greedy::{self, Engine, GapWeight, Phase};

/// The random baseline.
#[derive(Debug, Clone, Copy, Default)]
pub struct Random;

impl Solver for Random {
    fn name(&self) -> &'static str {
        "random"
    }
    fn description(&self) -> &'static str {
        "as many users as GOA offloads, chosen at random (seeded), placed on unweighted gaps"
    }
    fn solve(&self, inst: &Instance, limits: &Limits) -> Result<Outcome> {
        let start = Instant::now();
        let target = super::goa::solve_with("goa", inst, Engine::Lazy)?
            .evaluation
            .offloaded;
        let model = Model::new(inst);
        let mut state = greedy::start(&model);
        let mut stats = Stats::default();
        let (forced, mut free): (Vec<usize>, Vec<usize>) =
            (0..inst.n_users()).partition(|&i| inst.is_forced(i));
        let mut rng = ChaCha8Rng::seed_from_u64(limits.seed);
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
        Ok(Outcome::new(
            self.name(),
            inst,
            state.assignment(),
            start,
            Status::Completed,
            None,
            stats,
        )?
        .with_seed(limits.seed))
    }
}
