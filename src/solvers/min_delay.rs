//! `min-delay`: GOA's phase 2 on unweighted gaps over all users, ignoring uncertainty
//! (each user offloads while that lowers its own delay most). To stay feasible for
//! (P), users forced by tau are placed first by phase 1 on unweighted gaps.

use crate::error::Result;
use crate::instance::Instance;
use crate::model::Model;
use crate::solver::{Answer, Budget, Solver, Stats};

use super::greedy::{self, Engine, GapWeight, Phase};

/// The min-delay baseline.
#[derive(Debug, Clone, Copy, Default)]
pub struct MinDelay;

impl Solver for MinDelay {
    fn name(&self) -> &'static str {
        "min-delay"
    }
    fn description(&self) -> &'static str {
        "greedy on unweighted delay gaps, uncertainty ignored (forced users placed first)"
    }
    fn search(&self, inst: &Instance, _budget: &Budget<'_>) -> Result<Answer> {
        let model = Model::new(inst);
        let mut state = greedy::start(&model);
        let mut stats = Stats::default();
        let (forced, free): (Vec<usize>, Vec<usize>) =
            (0..inst.n_users()).partition(|&i| inst.is_forced(i));
        let phases = [
            Phase {
                users: forced,
                only_negative: false,
                required: true,
            },
            Phase {
                users: free,
                only_negative: true,
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
