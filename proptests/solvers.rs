//! Every registered solver returns an assignment whose objective is recomputed; the
//! ones that respect tau are feasible for (P), the paper's baselines that ignore tau
//! break only the tau constraint and say so; `goa` returns exactly `goa-reference`'s
//! assignment; the greedy recipes stop where they say, and decide on the nominal edge
//! work while answers are scored on the realised one.

use llm_offload::model::{evaluate, Model, State, Violation};
use llm_offload::solvers::greedy::{start, Recipe};
use llm_offload::{solvers, Choice, Instance, Limits};
use proptest::prelude::*;

use crate::strategies::{check_feasible, config, instances, Shape};

/// Solvers too slow for random instances of this size are skipped by name here.
fn cheap_solvers() -> Vec<Box<dyn llm_offload::Solver>> {
    solvers::all()
}

/// `inst` with `realised_edge_flops = factor_i x edge_flops`.
fn with_realised(inst: &Instance, factors: &[f64]) -> Instance {
    let mut file = inst.to_file();
    for (u, f) in file.users.iter_mut().zip(factors.iter().cycle()) {
        u.realised_edge_flops = Some(u.edge_flops * f);
    }
    Instance::new(file).unwrap()
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn every_solver_is_feasible_or_ignores_tau(inst in instances(Shape::tiny(7, 3).with_variants()), seed in any::<u64>()) {
        let limits = Limits { seed, ..Limits::default() };
        for s in cheap_solvers() {
            let out = s.solve(&inst, &limits).map_err(|e| TestCaseError::fail(format!("{}: {e}", s.name())))?;
            if !s.ignores_tau() {
                check_feasible(&inst, &out).map_err(TestCaseError::fail)?;
                continue;
            }
            // The objective is still evaluate's; the only broken constraint is tau's,
            // reported for exactly the forced users left on the device.
            let e = evaluate(&inst, out.assignment()).unwrap();
            prop_assert_eq!(e.objective, out.objective());
            let mut left: Vec<usize> = e.violations.iter().map(|v| match v {
                Violation::ForcedLocal { user, .. } => Ok(*user),
                other => Err(format!("{}: {other}", s.name())),
            }).collect::<Result<_, _>>().map_err(TestCaseError::fail)?;
            left.sort_unstable();
            let expected: Vec<usize> = inst.forced_users().filter(|&i| out.assignment().0[i].server.is_none()).collect();
            prop_assert_eq!(left, expected);
            prop_assert_eq!(out.evaluation().feasible(), out.evaluation().violations.is_empty());
        }
    }

    #[test]
    fn baselines_ignoring_tau_do_not_depend_on_it(inst in instances(Shape::default()), tau in 0.0f64..=1.0) {
        // (a tau that forces more users than the caps hold is rejected by validation)
        let Ok(other) = inst.with_tau(tau) else { return Ok(()) };
        let limits = Limits::default();
        for name in ["all-local", "all-edge", "min-delay"] {
            let s = solvers::by_name(name).unwrap();
            prop_assert_eq!(s.solve(&inst, &limits).unwrap().into_assignment(), s.solve(&other, &limits).unwrap().into_assignment(), "{}", name);
        }
        // without forced users each baseline is its tau-respecting version
        let free = inst.with_tau(1.0).unwrap();
        for name in ["all-local", "all-edge", "min-delay", "random"] {
            let plain = solvers::by_name(name).unwrap().solve(&free, &limits).unwrap();
            let tau = solvers::by_name(&format!("{name}-tau")).unwrap().solve(&free, &limits).unwrap();
            prop_assert_eq!(plain.assignment(), tau.assignment(), "{}", name);
        }
    }

    #[test]
    fn baselines_stop_where_they_say(inst in instances(Shape::default()), seed in any::<u64>()) {
        let limits = Limits { seed, ..Limits::default() };
        let solve = |name: &str| solvers::by_name(name).unwrap().solve(&inst, &limits).unwrap();
        let room = |a: &llm_offload::Assignment| (0..inst.n_servers()).any(|j| {
            inst.servers()[j].max_users.is_none_or(|k| a.loads(inst.n_servers())[j] < k)
        });
        prop_assert_eq!(solve("all-local").evaluation().offloaded, 0);
        // all-edge leaves someone local only when no server has room
        let edge = solve("all-edge");
        prop_assert!(edge.evaluation().offloaded == inst.n_users() || !room(edge.assignment()));
        // min-delay stops when no local user's own (nominal, unweighted) delay would drop
        let md = solve("min-delay");
        let model = Model::nominal(&inst);
        let state = State::from_assignment(&model, md.assignment()).unwrap();
        for i in (0..inst.n_users()).filter(|&i| md.assignment().0[i].server.is_none()) {
            let local = (0..inst.device_variants().len()).map(|v| model.local_delay(i, v).total()).fold(f64::INFINITY, f64::min);
            for c in Choice::all(&inst).filter(|c| c.server.is_some_and(|j| !state.is_full(j))) {
                prop_assert!(state.delay_if(i, c).total() >= local, "user {} gains on {:?}", i, c);
            }
        }
        // random offloads GOA's count (when the caps leave room for it); random-tau
        // keeps every forced user offloaded
        let goa = solve("goa").evaluation().offloaded;
        let rnd = solve("random");
        prop_assert!(rnd.evaluation().offloaded == goa || !room(rnd.assignment()));
        prop_assert_eq!(rnd.seed(), Some(seed));
        let rt = solve("random-tau");
        prop_assert!(rt.evaluation().feasible());
    }

    #[test]
    fn recipes_decide_nominal_and_score_realised(
        inst in instances(Shape { users: (1, 20), servers: (1, 4), ..Shape::default() }),
        factors in prop::collection::vec(0.2f64..2.0, 1..5),
    ) {
        let real = with_realised(&inst, &factors);
        let limits = Limits::default();
        for name in ["goa", "all-edge", "min-delay", "random"] {
            let s = solvers::by_name(name).unwrap();
            let on_nominal = s.solve(&inst, &limits).unwrap();
            let on_real = s.solve(&real, &limits).unwrap();
            prop_assert_eq!(&on_nominal.assignment(), &on_real.assignment(), "{}", name);
            prop_assert_eq!(on_real.objective(), evaluate(&real, on_real.assignment()).unwrap().objective);
        }
        // the recipe's state is the nominal model's
        let (a, _) = Recipe::goa().assign(&real, solvers::greedy::Engine::Reference).unwrap();
        let nominal = Model::nominal(&real);
        let st = State::from_assignment(&nominal, &a).unwrap();
        let fresh = start(&nominal);
        prop_assert_eq!(fresh.assignment().offloaded(), 0);
        for i in 0..real.n_users() {
            if let Some(j) = a.0[i].server {
                let d_nom = st.delay(i);
                let d_real = evaluate(&real, &a).unwrap().users[i].delay;
                prop_assert_eq!(d_nom.comm_s, d_real.comm_s);
                let f = real.users()[i].realised_edge_flops.unwrap() / real.users()[i].edge_flops;
                prop_assert!((d_real.comp_s - f * d_nom.comp_s).abs() <= 1e-9 * d_real.comp_s.max(1e-12), "user {} on {}", i, j);
            }
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
