//! The game and the exact tree search: converged best responses are equilibria
//! (checked by brute force over each user's deviations with `evaluate`), the ordinal
//! potential tracks every unilateral move where it is claimed, and `tree-search`
//! equals brute force over all assignments, also under node limits (valid bound), and
//! equals `mip` without interference.

use llm_offload::model::{evaluate, Model, State};
use llm_offload::solvers::best_response::{self, BestResponse, Order, Params};
use llm_offload::solvers::mip::Mip;
use llm_offload::solvers::tree_search::{self, TreeSearch};
use llm_offload::{Assignment, Choice, Instance, Limits, Solver, Status};
use proptest::prelude::*;

use crate::strategies::{check_feasible, check_not_below, check_optimal, config, instances, Shape};

/// The options user `i` may deviate to from `a`, by the constraints of (P) only.
fn deviations(inst: &Instance, a: &Assignment, i: usize) -> Vec<Choice> {
    let loads = a.loads(inst.n_servers());
    Choice::all(inst)
        .filter(|c| match c.server {
            None => !inst.is_forced(i),
            Some(j) => {
                a.0[i].server == Some(j) || inst.servers()[j].max_users.is_none_or(|k| loads[j] < k)
            }
        })
        .collect()
}

/// The largest gain any single user gets by deviating, from scratch.
fn brute_nash_gap(inst: &Instance, a: &Assignment) -> f64 {
    let base = evaluate(inst, a).unwrap();
    let mut gap: f64 = 0.0;
    for i in 0..inst.n_users() {
        for c in deviations(inst, a, i) {
            let mut b = a.clone();
            b.0[i] = c;
            let e = evaluate(inst, &b).unwrap();
            gap = gap.max(base.users[i].cost - e.users[i].cost);
        }
    }
    gap
}

/// The instance made a potential game: interference off, compute cap inactive,
/// no quality penalty.
fn potential_variant(inst: &Instance) -> Instance {
    let mut f = inst.to_file();
    f.interference = false;
    f.lambda = 0.0;
    for s in &mut f.servers {
        s.max_flops_per_user = s.flops_per_s;
    }
    Instance::new(f).unwrap()
}

fn tol(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

proptest! {
    #![proptest_config(config(48))]

    #[test]
    fn converged_profiles_are_equilibria(
        inst in instances(Shape::tiny(7, 3).with_variants()),
        random in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let s = BestResponse { params: Params { order: if random { Order::Random } else { Order::RoundRobin }, ..Params::default() } };
        let out = s.solve(&inst, &Limits { seed, ..Limits::default() }).unwrap();
        check_feasible(&inst, &out).map_err(TestCaseError::fail)?;
        let gap = brute_nash_gap(&inst, out.assignment());
        let llm_offload::solver::Diagnostics::BestResponse(d) = out.diagnostics() else { panic!("best-response diagnostics") };
        let claimed = d.nash_equilibrium;
        if out.status() == Status::Converged {
            prop_assert!(claimed);
            prop_assert!(gap <= 1e-6 * out.objective().max(1.0), "converged but user gains {}", gap);
        }
        // The certificate agrees with brute force (away from the tolerance's edge).
        if gap > 1e-5 {
            prop_assert!(!claimed, "claims an equilibrium, brute force finds a gain of {}", gap);
        }
    }

    #[test]
    fn potential_tracks_every_unilateral_move(
        (inst, moves) in instances(Shape::tiny(6, 3).with_variants()).prop_flat_map(|inst| {
            let inst = potential_variant(&inst);
            let (n, k) = (inst.n_users(), Choice::all(&inst).count());
            (Just(inst), prop::collection::vec((0..n, 0..k), 1..20))
        })
    ) {
        prop_assert!(best_response::has_potential(&inst));
        let model = Model::new(&inst);
        let mut state = State::new(&model);
        let options: Vec<Choice> = Choice::all(&inst).collect();
        for (i, k) in moves {
            let (before, cost_before) = (best_response::potential(&state).unwrap(), state.cost(i));
            state.set(i, options[k]);
            let (after, cost_after) = (best_response::potential(&state).unwrap(), state.cost(i));
            if cost_before > 0.0 && cost_after > 0.0 {
                prop_assert!(tol(after - before, cost_after.ln() - cost_before.ln()),
                    "dPhi {} vs dln c {}", after - before, cost_after.ln() - cost_before.ln());
            }
        }
    }

    #[test]
    fn potential_games_converge(inst in instances(Shape::tiny(7, 3).with_variants())) {
        let inst = potential_variant(&inst);
        let out = BestResponse::default().solve(&inst, &Limits::default()).unwrap();
        prop_assert_eq!(out.status(), Status::Converged);
    }

    #[test]
    fn tree_search_equals_brute_force(inst in instances(Shape::tiny(6, 3))) {
        let opt = llm_offload::testkit::brute_force_optimum(&inst);
        let out = TreeSearch::default().solve(&inst, &Limits::default()).unwrap();
        check_feasible(&inst, &out).map_err(TestCaseError::fail)?;
        check_optimal(&out, opt).map_err(TestCaseError::fail)?;
        prop_assert!(out.proven_optimal());
    }

    #[test]
    fn tree_search_equals_brute_force_with_variants(inst in instances(Shape::tiny(4, 2).with_variants())) {
        let opt = llm_offload::testkit::brute_force_optimum(&inst);
        let out = TreeSearch::default().solve(&inst, &Limits::default()).unwrap();
        check_feasible(&inst, &out).map_err(TestCaseError::fail)?;
        check_optimal(&out, opt).map_err(TestCaseError::fail)?;
        prop_assert!(out.proven_optimal());
    }

    #[test]
    fn tree_search_limits_keep_a_valid_bound(
        inst in instances(Shape::tiny(6, 3)),
        nodes in 1u64..40,
        index_order in any::<bool>(),
    ) {
        let opt = llm_offload::testkit::brute_force_optimum(&inst);
        let s = TreeSearch { params: tree_search::Params {
            user_order: if index_order { tree_search::UserOrder::Index } else { tree_search::UserOrder::Weight },
            incumbent: tree_search::Incumbent::None,
        } };
        let out = s.solve(&inst, &Limits { node_limit: Some(nodes), ..Limits::default() }).unwrap();
        check_feasible(&inst, &out).map_err(TestCaseError::fail)?;
        check_not_below(&out, opt).map_err(TestCaseError::fail)?;
        if out.status() == Status::Completed {
            check_optimal(&out, opt).map_err(TestCaseError::fail)?;
        }
    }

    #[test]
    fn tree_search_equals_mip_without_interference(
        inst in instances(Shape::tiny(6, 3).interference(false)),
        variants in instances(Shape::tiny(4, 2).interference(false).with_variants()),
    ) {
        for inst in [inst, variants] {
            let mip = Mip::default().solve(&inst, &Limits::default()).unwrap();
            prop_assert!(mip.proven_optimal());
            let out = TreeSearch::default().solve(&inst, &Limits::default()).unwrap();
            check_optimal(&out, mip.objective()).map_err(TestCaseError::fail)?;
        }
    }
}
