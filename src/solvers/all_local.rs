//! `all-local`: every user answers on its device, except the users whose uncertainty
//! exceeds tau, which (P) forces to offload; those are placed as in GOA's phase 1.
//! With `tau = 1` it is pure local inference, the paper's baseline.

use crate::error::Result;
use crate::instance::Instance;
use crate::model::Model;
use crate::solver::{Answer, Budget, Solver, Stats};

use super::greedy::{self, Engine, GapWeight, Phase};

/// The all-local baseline.
#[derive(Debug, Clone, Copy, Default)]
pub struct AllLocal;

impl Solver for AllLocal {
    fn name(&self) -> &'static str {
        "all-local"
    }
    fn description(&self) -> &'static str {
        "everyone on the device, except users forced by tau (placed as in GOA phase 1)"
    }
    fn search(&self, inst: &Instance, _budget: &Budget<'_>) -> Result<Answer> {
        let model = Model::new(inst);
        let mut state = greedy::start(&model);
        let mut stats = Stats::default();
        let forced = Phase {
            users: inst.forced_users().collect(),
            only_negative: false,
            required: true,
        };
        greedy::run(
            &mut state,
            &[forced],
            GapWeight::Instance,
            Engine::Lazy,
            &mut stats,
        )?;
        Ok(Answer::new(state.assignment()).with_stats(stats))
    }
}
