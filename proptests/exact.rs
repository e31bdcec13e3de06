//! The exact solvers: `mip` equals `exhaustive` without interference, bounds it from
//! below with interference, no heuristic beats them, the MIP has the size its
//! formulation promises, exported models read back into HiGHS give the same optimum,
//! and the time-limit and infeasible paths return what they say.

use std::ffi::CString;
use std::path::Path;
use std::time::Duration;

use llm_offload::solver::approx_eq;
use llm_offload::solvers::exhaustive::Exhaustive;
use llm_offload::solvers::mip::{self, export, formulate, Mip, MipConfig};
use llm_offload::sources::generate::{generate, GenConfig};
use llm_offload::{solvers, Error, Instance, Limits, Solver, Status};
use proptest::prelude::*;

use crate::strategies::{check_feasible, check_not_below, check_optimal, config, instances, Shape};

fn fail(e: impl std::fmt::Display) -> TestCaseError {
    TestCaseError::fail(e.to_string())
}

/// Every configuration of the MIP, each a different formulation of the same problem.
fn configs() -> Vec<MipConfig> {
    let d = MipConfig::default();
    vec![
        d,
        MipConfig::plain(),
        MipConfig { linking: true, ..d },
        MipConfig {
            reduce: false,
            warm_start: true,
            linking: true,
            ..d
        },
    ]
}

/// Expected size of the plain formulation: (columns, binaries, rows).
fn plain_size(inst: &Instance) -> (usize, usize, usize) {
    let n = inst.n_users();
    let free = (0..n).filter(|&i| !inst.is_forced(i)).count();
    let mut cols = free * inst.device_variants().len();
    let (mut bins, mut rows) = (0, n);
    for s in inst.servers() {
        let k = s.max_users.map_or(n, |c| c.min(n));
        cols += (k + 1) + k * n * s.variants.len();
        bins += k + 1;
        rows += 1 + k;
    }
    (cols, bins, rows)
}

proptest! {
    #![proptest_config(config(48))]

    #[test]
    fn mip_equals_exhaustive_without_interference(
        inst in instances(Shape::tiny(5, 2).interference(false)),
        variants in instances(Shape::tiny(4, 2).interference(false).with_variants()),
    ) {
        for inst in [inst, variants] {
            let exact = Exhaustive.solve(&inst, &Limits::default()).map_err(fail)?;
            prop_assert!(exact.proven_optimal());
            for cfg in configs() {
                let out = Mip { config: cfg }.solve(&inst, &Limits::default()).map_err(fail)?;
                check_feasible(&inst, &out).map_err(fail)?;
                check_optimal(&out, exact.objective()).map_err(fail)?;
                prop_assert!(out.proven_optimal(), "{:?}: bound {:?} objective {}", cfg, out.bound_value(), out.objective());
                prop_assert_eq!(out.bound_kind(), Some(llm_offload::BoundKind::Optimum));
                prop_assert_eq!(out.status(), Status::Completed);
            }
        }
    }

    #[test]
    fn mip_bounds_exhaustive_with_interference(inst in instances(Shape::tiny(5, 2).interference(true).with_variants())) {
        let exact = Exhaustive.solve(&inst, &Limits::default()).map_err(fail)?;
        let out = solvers::by_name(mip::RELAXATION_NAME).map_err(fail)?.solve(&inst, &Limits::default()).map_err(fail)?;
        check_feasible(&inst, &out).map_err(fail)?;
        check_not_below(&out, exact.objective()).map_err(fail)?;
        prop_assert!(out.bound_value().is_some());
        prop_assert_eq!(out.bound_kind(), Some(llm_offload::BoundKind::InterferenceFreeRelaxation));
    }

    #[test]
    fn no_heuristic_beats_a_proven_optimum(inst in instances(Shape::tiny(5, 2).with_variants()), seed in any::<u64>()) {
        let limits = Limits { seed, ..Limits::default() };
        let exact = Exhaustive.solve(&inst, &limits).map_err(fail)?;
        for s in solvers::all().into_iter().filter(|s| !s.is_exact()) {
            let out = s.solve(&inst, &limits).map_err(|e| fail(format!("{}: {e}", s.name())))?;
            // A baseline that ignores tau answers a relaxation of (P) when someone is
            // forced (and may then go below (P)'s optimum); with a feasible answer it
            // is bound by the optimum like every heuristic.
            if s.ignores_tau() && !out.evaluation().feasible() {
                continue;
            }
            check_feasible(&inst, &out).map_err(fail)?;
            check_not_below(&out, exact.objective()).map_err(fail)?;
        }
    }

    #[test]
    fn formulation_has_the_promised_size(inst in instances(Shape { users: (1, 8), servers: (1, 3), ..Shape::default() }.with_variants())) {
        let plain = formulate(&inst, &MipConfig::plain()).map_err(fail)?;
        let (cols, bins, rows) = plain_size(&inst);
        prop_assert_eq!(plain.vars.len(), cols);
        prop_assert_eq!(plain.n_integer(), bins);
        prop_assert_eq!(plain.rows.len(), rows);
        let linked = formulate(&inst, &MipConfig { linking: true, ..MipConfig::plain() }).map_err(fail)?;
        prop_assert_eq!(linked.rows.len(), rows + (cols - bins - (plain.vars.iter().filter(|v| matches!(v, mip::Var::Local { .. })).count())));
        let reduced = formulate(&inst, &MipConfig::default()).map_err(fail)?;
        prop_assert!(reduced.vars.len() <= cols && reduced.rows.len() <= rows);
    }

    #[test]
    fn exported_models_read_back_into_highs(inst in instances(Shape::tiny(5, 2).with_variants())) {
        let f = formulate(&inst, &MipConfig::default()).map_err(fail)?;
        let ours = mip::run_highs(&f, &Limits::default(), std::time::Instant::now(), None).map_err(fail)?;
        let dir = tempfile::tempdir().map_err(fail)?;
        for (format, ext) in [(export::Format::Lp, "lp"), (export::Format::Mps, "mps")] {
            let path = dir.path().join(format!("model.{ext}"));
            std::fs::write(&path, export::write(&f, format, "prop test")).map_err(fail)?;
            let (cols, rows, optimal, objective) = highs_reads(&path);
            prop_assert_eq!((cols, rows), (f.vars.len(), f.rows.len()), "{}", ext);
            prop_assert!(optimal, "{}: HiGHS did not solve the file to optimality", ext);
            prop_assert!(approx_eq(objective, ours.objective), "{}: {} vs {}", ext, objective, ours.objective);
        }
    }
}

/// HiGHS reads the file and solves it to a zero gap: (columns, rows, optimal, objective).
#[allow(unsafe_code)]
fn highs_reads(path: &Path) -> (usize, usize, bool, f64) {
    let _lock = mip::highs_lock();
    let file = CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: a fresh HiGHS instance, used and destroyed on this thread under the lock.
    unsafe {
        let h = highs_sys::Highs_create();
        highs_sys::Highs_setBoolOptionValue(h, c"output_flag".as_ptr(), 0);
        highs_sys::Highs_setDoubleOptionValue(h, c"mip_rel_gap".as_ptr(), 0.0);
        highs_sys::Highs_setDoubleOptionValue(h, c"mip_abs_gap".as_ptr(), 0.0);
        let read = highs_sys::Highs_readModel(h, file.as_ptr());
        assert_ne!(
            read,
            highs_sys::STATUS_ERROR,
            "HiGHS cannot read {}",
            path.display()
        );
        highs_sys::Highs_run(h);
        let out = (
            usize::try_from(highs_sys::Highs_getNumCol(h)).unwrap(),
            usize::try_from(highs_sys::Highs_getNumRow(h)).unwrap(),
            highs_sys::Highs_getModelStatus(h) == highs_sys::MODEL_STATUS_OPTIMAL,
            highs_sys::Highs_getObjectiveValue(h),
        );
        highs_sys::Highs_destroy(h);
        out
    }
}

#[test]
fn time_limit_returns_a_feasible_incumbent_or_a_clear_error() {
    let inst = generate(&GenConfig {
        users: 80,
        servers: 4,
        seed: 3,
        interference: false,
        ..GenConfig::default()
    })
    .unwrap();
    let limits = Limits {
        time_limit: Some(Duration::from_micros(1000)),
        ..Limits::default()
    };
    for cfg in [MipConfig::default(), MipConfig::plain()] {
        match (Mip { config: cfg }).solve(&inst, &limits) {
            Ok(out) => {
                check_feasible(&inst, &out).unwrap();
                assert_eq!(out.status(), Status::TimeLimit, "{cfg:?}");
                assert!(
                    out.bound_value().is_none_or(|b| b <= out.objective()),
                    "{cfg:?}"
                );
            }
            Err(e) => {
                assert!(
                    !cfg.warm_start,
                    "a warm-started MIP always has an incumbent: {e}"
                );
                assert!(matches!(e, Error::SolverFailed { .. }), "{e}");
                assert!(e.to_string().contains("time-limit"), "{e}");
            }
        }
    }
}

/// The file of an instance whose servers' `max_users` caps cannot hold the users tau
/// forces to offload (every user is forced).
fn over_capacity(caps: &[usize]) -> llm_offload::instance::InstanceFile {
    let inst = generate(&GenConfig {
        users: 2,
        servers: caps.len(),
        seed: 1,
        tau: 0.0,
        interference: false,
        ..GenConfig::default()
    })
    .unwrap();
    let mut file = inst.to_file();
    for u in &mut file.users {
        u.uncertainty = Some(0.9);
    }
    for (s, &c) in file.servers.iter_mut().zip(caps) {
        s.max_users = Some(c);
    }
    file
}

#[test]
fn infeasible_caps_are_a_clear_error() {
    // Such an instance never reaches a solver: validation refuses it, saying why (an
    // `Instance` is valid by construction, its fields private).
    for caps in [&[0][..], &[1][..]] {
        let err = Instance::new(over_capacity(caps)).unwrap_err();
        assert!(matches!(err, Error::Infeasible(_)), "{err}");
        assert!(
            err.to_string().contains("max_users") || err.to_string().contains("offload"),
            "{err}"
        );
    }
}

#[test]
fn exhaustive_refuses_above_its_limit() {
    let inst = generate(&GenConfig {
        users: 30,
        seed: 1,
        ..GenConfig::default()
    })
    .unwrap();
    let err = Exhaustive.solve(&inst, &Limits::default()).unwrap_err();
    assert!(
        matches!(err, Error::Refused { .. }) && err.to_string().contains("--max-enumeration"),
        "{err}"
    );
}

#[test]
fn size_guard_refuses_before_building() {
    // Issue 18: N = 10,000, M = 50 reached 5.6 GB while building. Now refused at once.
    let inst = generate(&GenConfig {
        users: 10_000,
        servers: 50,
        seed: 1,
        ..GenConfig::default()
    })
    .unwrap();
    assert!(mip::cost_evaluations(&inst) > mip::MAX_COST_EVALUATIONS);
    let started = std::time::Instant::now();
    for s in [
        Mip::default(),
        Mip {
            config: MipConfig::plain(),
        },
    ] {
        let err = s.solve(&inst, &Limits::default()).unwrap_err();
        assert!(matches!(err, Error::Refused { .. }), "{err}");
        let text = err.to_string();
        assert!(text.contains("budget") && text.contains("10000"), "{text}");
    }
    let err = formulate(&inst, &MipConfig::default()).unwrap_err();
    assert!(matches!(err, Error::Refused { .. }), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn time_limit_is_honoured_while_building() {
    // Under the budget, but the plain build (3.6e7 cost evaluations) outlasts 1 ms.
    let inst = generate(&GenConfig {
        users: 3_000,
        servers: 4,
        seed: 1,
        interference: false,
        ..GenConfig::default()
    })
    .unwrap();
    let limits = Limits {
        time_limit: Some(Duration::from_millis(1)),
        ..Limits::default()
    };
    let deadline = std::time::Instant::now();
    assert!(
        mip::formulate_until(&inst, &MipConfig::plain(), Some(deadline))
            .unwrap()
            .is_none()
    );
    let out = Mip {
        config: MipConfig::plain(),
    }
    .solve(&inst, &limits)
    .unwrap();
    check_feasible(&inst, &out).unwrap();
    assert_eq!(out.status(), Status::TimeLimit);
    assert!(out.bound_value().is_none());
}
