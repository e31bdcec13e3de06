//! The model: the incremental evaluator agrees with the from-scratch evaluation, and
//! delays are monotone in the loads (SPEC 2).

use llm_offload::model::{evaluate, Model, State};
use llm_offload::{Assignment, Choice, Instance};
use proptest::prelude::*;

use crate::strategies::{config, instances, Shape};

/// An instance with a random sequence of moves (user, option index).
fn with_moves(shape: Shape) -> impl Strategy<Value = (Instance, Vec<(usize, usize)>)> {
    instances(shape).prop_flat_map(|inst| {
        let n = inst.n_users();
        let k = Choice::all(&inst).count();
        (Just(inst), prop::collection::vec((0..n, 0..k), 0..40))
    })
}

fn tol(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-12)
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn incremental_matches_from_scratch((inst, moves) in with_moves(Shape::default().with_variants())) {
        let model = Model::new(&inst);
        let mut state = State::new(&model);
        let options: Vec<Choice> = Choice::all(&inst).collect();
        for (i, k) in moves {
            let predicted = state.cost_if(i, options[k]);
            state.set(i, options[k]);
            let e = evaluate(&inst, &state.assignment()).unwrap();
            prop_assert!(tol(state.objective(), e.objective), "{} vs {}", state.objective(), e.objective);
            prop_assert!(tol(predicted, e.users[i].cost), "predicted {} vs {}", predicted, e.users[i].cost);
            for u in 0..inst.n_users() {
                prop_assert!(tol(state.delay(u).total(), e.users[u].delay_s));
            }
        }
    }

    #[test]
    fn adding_a_user_never_speeds_anyone_up(
        (inst, servers, who, to) in instances(Shape::default()).prop_flat_map(|inst| {
            let (n, m) = (inst.n_users(), inst.n_servers());
            (Just(inst), prop::collection::vec(prop::option::of(0..m), n), 0..n, 0..m)
        })
    ) {
        let mut a: Vec<Option<usize>> = servers;
        a[who] = None;
        let before = evaluate(&inst, &Assignment::from_servers(&a)).unwrap();
        a[who] = Some(to);
        let after = evaluate(&inst, &Assignment::from_servers(&a)).unwrap();
        for u in (0..inst.n_users()).filter(|&u| u != who) {
            prop_assert!(after.users[u].delay_s >= before.users[u].delay_s * (1.0 - 1e-12),
                "user {} got faster: {} -> {}", u, before.users[u].delay_s, after.users[u].delay_s);
        }
    }
}
