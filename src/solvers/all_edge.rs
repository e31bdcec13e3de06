//! `all-edge`: every user offloads, placed by GOA's phase 1 (smallest weighted gap,
//! positive gaps included): forced users first, then the others while the servers'
//! `max_users` caps leave room.

use crate::error::Result;
use crate::instance::Instance;
use crate::model::Model;
use crate::solver::{Answer, Budget, Solver, Stats};

use super::greedy::{self, Engine, GapWeight, Phase};

/// The all-edge baseline.
#[derive(Debug, Clone, Copy, Default)]
pub struct AllEdge;

impl Solver for AllEdge {
    fn name(&self) -> &'static str {
        "all-edge"
    }
    fn description(&self) -> &'static str {
        "everyone offloads, placed by GOA phase 1 on weighted gaps (forced users first)"
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
                only_negative: false,
                required: false,
            },
        ];
        greedy::run(
            &mut state,
            &phases,
            GapWeight::Instance,
            Engine::Lazy,
            &mut stats,
        )?;
        Ok(Answer::new(state.assignment()).with_stats(stats))
    }
}
