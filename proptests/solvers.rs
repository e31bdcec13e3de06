//! Every registered solver returns a feasible assignment whose objective is recomputed,
//! and `goa` returns exactly `goa-reference`'s assignment.

use llm_offload::{solvers, Limits};
use proptest::prelude::*;

use crate::strategies::{check_feasible, config, instances, Shape};

/// Solvers too slow for random instances of this size are skipped by name here.
fn cheap_solvers() -> Vec<Box<dyn llm_offload::Solver>> {
    solvers::all()
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn every_solver_is_feasible(inst in instances(Shape::tiny(7, 3).with_variants()), seed in any::<u64>()) {
        let limits = Limits { seed, ..Limits::default() };
        for s in cheap_solvers() {
            let out = s.solve(&inst, &limits).map_err(|e| TestCaseError::fail(format!("{}: {e}", s.name())))?;
            check_feasible(&inst, &out).map_err(TestCaseError::fail)?;
        }
    }

    #[test]
    fn goa_equals_reference(inst in instances(Shape { users: (1, 40), servers: (1, 5), ..Shape::default() })) {
        let limits = Limits::default();
        let fast = solvers::by_name("goa").unwrap().solve(&inst, &limits).unwrap();
        let slow = solvers::by_name("goa-reference").unwrap().solve(&inst, &limits).unwrap();
        prop_assert_eq!(fast.assignment(), slow.assignment());
    }

    #[test]
    fn goa_equals_reference_with_variants(inst in instances(Shape { users: (1, 15), servers: (1, 4), ..Shape::default() }.with_variants())) {
        let limits = Limits::default();
        let fast = solvers::by_name("goa").unwrap().solve(&inst, &limits).unwrap();
        let slow = solvers::by_name("goa-reference").unwrap().solve(&inst, &limits).unwrap();
        prop_assert_eq!(fast.assignment(), slow.assignment());
    }
}
