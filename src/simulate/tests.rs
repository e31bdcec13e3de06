use super::*;
use crate::model::evaluate;
use crate::solvers;
use crate::sources::generate::{generate, GenConfig, Scenario};

fn world(users: usize, servers: usize, seed: u64) -> Instance {
    generate(&GenConfig {
        users,
        servers,
        seed,
        ..GenConfig::default()
    })
    .unwrap()
}

fn arrivals(users: usize, rate: f64, horizon_s: f64, seed: u64) -> Vec<Arrival> {
    poisson_arrivals(&PoissonConfig {
        users,
        rate_per_user: rate,
        horizon_s,
        seed,
        scenario: Scenario::Paper,
    })
    .unwrap()
}

fn run(world: &Instance, arr: &[Arrival], algo: &str, cfg: &SimConfig) -> SimResult {
    simulate(
        world,
        arr,
        solvers::by_name(algo).unwrap().as_ref(),
        cfg,
        &mut |_| {},
    )
    .unwrap()
}

/// The world's own queries, all at time 0.
fn static_arrivals(w: &Instance) -> Vec<Arrival> {
    (0..w.n_users())
        .map(|i| Arrival {
            time_s: 0.0,
            user: i,
            query: Query::of_user(&w.users()[i], w.alpha(i)),
        })
        .collect()
}

#[test]
fn one_epoch_at_time_zero_with_instant_decisions_is_solve() {
    let w = world(12, 3, 4);
    let cfg = SimConfig {
        horizon_s: 100.0,
        decision_time: DecisionTime::Instant,
        ..SimConfig::default()
    };
    for algo in ["goa", "local-search", "tree-search"] {
        let r = run(&w, &static_arrivals(&w), algo, &cfg);
        let (inst, a) = r.first_decision.clone().unwrap();
        let mut expected = w.to_file();
        expected.name = Some("decision-0".into());
        expected.meta = None;
        assert_eq!(inst.to_file(), expected, "{algo}: the decision instance");
        let out = solvers::by_name(algo)
            .unwrap()
            .solve(&w, &Limits::default())
            .unwrap();
        assert_eq!(&a, out.assignment(), "{algo}: the dispatched assignment");
        assert_eq!(r.summary.decisions, 1);
        assert_eq!(r.summary.served, 12);
        // sharing only frees capacity as others finish: latency <= static delay,
        // and >= the service time
        let e = evaluate(&w, &a).unwrap();
        for (i, rec) in r.records.iter().enumerate() {
            let l = rec.latency_s().unwrap();
            let d = e.users[i].delay_s;
            assert!(l <= d * (1.0 + 1e-9), "{algo} user {i}: {l} > {d}");
            assert!(l >= rec.service_s.unwrap() * (1.0 - 1e-9));
            assert_eq!(rec.server, a.0[i].server);
        }
    }
}

#[test]
fn a_query_alone_on_its_server_without_interference_takes_its_static_delay() {
    let mut f = world(3, 3, 1).to_file();
    f.interference = false;
    let w = Instance::new(f).unwrap();
    let cfg = SimConfig {
        horizon_s: 100.0,
        decision_time: DecisionTime::Instant,
        ..SimConfig::default()
    };
    let r = run(&w, &static_arrivals(&w), "all-edge", &cfg);
    let a = &r.first_decision.as_ref().unwrap().1;
    let e = evaluate(&w, a).unwrap();
    let mut alone = 0;
    for (i, rec) in r.records.iter().enumerate() {
        if e.loads[a.0[i].server.unwrap()] == 1 {
            let (l, d) = (rec.latency_s().unwrap(), e.users[i].delay_s);
            assert!((l - d).abs() <= 1e-9 * d, "user {i}: {l} vs {d}");
            alone += 1;
        }
    }
    assert!(alone > 0, "the case is exercised");
}

#[test]
fn conservation_and_latency_floor_under_load() {
    let w = world(40, 4, 2);
    let arr = arrivals(40, 2.0, 5.0, 9);
    let cfg = SimConfig {
        horizon_s: 5.0,
        ..SimConfig::default()
    };
    for algo in ["goa", "best-response", "all-edge-tau"] {
        let cfg = if algo == "all-edge-tau" {
            SimConfig {
                decision_time: DecisionTime::Instant,
                ..cfg.clone()
            }
        } else {
            cfg.clone()
        };
        let r = run(&w, &arr, algo, &cfg);
        let s = &r.summary;
        assert_eq!(s.arrived, arr.len());
        assert_eq!(s.served + s.unfinished, s.arrived);
        assert!(s.served > 0);
        for rec in &r.records {
            match rec.phase {
                Phase::Served => {
                    let floor =
                        rec.queue_s().unwrap() + rec.decision_s().unwrap() + rec.service_s.unwrap();
                    assert!(rec.latency_s().unwrap() >= floor * (1.0 - 1e-9));
                    let parts = rec.queue_s().unwrap()
                        + rec.decision_s().unwrap()
                        + rec.upload_s().unwrap()
                        + rec.compute_s().unwrap();
                    assert!((parts - rec.latency_s().unwrap()).abs() < 1e-9);
                }
                _ => assert!(rec.finish_s.is_none()),
            }
        }
        assert!(s.server_utilisation.iter().all(|u| (0.0..=1.0).contains(u)));
    }
}

#[test]
fn modelled_decision_time_is_reproducible_byte_for_byte() {
    let w = world(30, 4, 5);
    let arr = arrivals(30, 1.0, 3.0, 1);
    let cfg = SimConfig {
        horizon_s: 3.0,
        ..SimConfig::default()
    };
    let bytes = |r: &SimResult| {
        let mut v = Vec::new();
        write_records(&mut v, &r.records, std::path::Path::new("x.csv")).unwrap();
        (v, serde_json::to_string(&r.summary).unwrap())
    };
    let a = bytes(&run(&w, &arr, "local-search", &cfg));
    assert_eq!(a, bytes(&run(&w, &arr, "local-search", &cfg)));
    let r = run(&w, &arr, "goa", &cfg);
    let law = decision_time::law("goa").unwrap();
    // every decision took the law's time for its batch
    for rec in r.records.iter().filter(|r| r.dispatch_s.is_some()) {
        assert!(rec.decision_s().unwrap() > 0.0);
    }
    assert!(r.summary.decision_total_s > 0.0);
    assert!(law.seconds(1, 4) > 0.0);
}

#[test]
fn decision_time_delays_dispatch_and_counts_in_latency() {
    let w = world(30, 4, 5);
    let arr = arrivals(30, 1.0, 3.0, 1);
    let base = SimConfig {
        horizon_s: 3.0,
        decide: Decide::Epochs { epoch_s: 0.05 },
        ..SimConfig::default()
    };
    let instant = run(
        &w,
        &arr,
        "local-search",
        &SimConfig {
            decision_time: DecisionTime::Instant,
            ..base.clone()
        },
    );
    let modelled = run(&w, &arr, "local-search", &base);
    assert_eq!(instant.summary.decision_share, 0.0);
    assert!(modelled.summary.decision_share > 0.0);
    assert!(modelled.summary.latency_ms.mean > instant.summary.latency_ms.mean);
    // with a cap, no decision takes longer than the limit
    let capped = run(
        &w,
        &arr,
        "local-search",
        &SimConfig {
            limits: Limits {
                time_limit: Some(std::time::Duration::from_millis(2)),
                ..Limits::default()
            },
            ..base
        },
    );
    assert!(capped
        .records
        .iter()
        .filter_map(Record::decision_s)
        .all(|d| d <= 0.002 + 1e-12));
}

#[test]
fn in_progress_queries_enter_the_next_decision() {
    // A slow trickle onto one server without a per-user cap below its total, so that
    // sharing slows: the second decision sees the first query busy.
    let mut f = world(2, 1, 3).to_file();
    f.servers[0].flops_per_s = f.servers[0].max_flops_per_user;
    let w = Instance::new(f).unwrap();
    let q = |i: usize| Query::of_user(&w.users()[i], 1.0);
    let arr = vec![
        Arrival {
            time_s: 0.0,
            user: 0,
            query: q(0),
        },
        Arrival {
            time_s: 0.001,
            user: 1,
            query: q(1),
        },
    ];
    let cfg = SimConfig {
        horizon_s: 10.0,
        decide: Decide::OnArrival,
        decision_time: DecisionTime::Instant,
        ..SimConfig::default()
    };
    // alpha = 1 > tau: both forced to the one server
    let r = run(&w, &arr, "goa", &cfg);
    assert_eq!(r.summary.decisions, 2);
    assert_eq!(r.summary.served, 2);
    let second = &r.records[1];
    assert_eq!(second.decision_start_s, Some(0.001));
    let busy = decision_instance(&w, &[(1, &q(1))], &[1], &[0, 0], "x".into()).unwrap();
    assert_eq!(busy.servers()[0].busy_users, 1);
    // a device computing one local query offers the next half its speed
    let half = decision_instance(&w, &[(1, &q(1))], &[0], &[0, 1], "y".into()).unwrap();
    assert_eq!(
        half.users()[0].local_flops_per_s,
        w.users()[1].local_flops_per_s / 2.0
    );
    // the first query, alone for a millisecond, then shared: slower than alone
    let first = &r.records[0];
    assert!(first.latency_s().unwrap() > first.service_s.unwrap());
}

#[test]
fn the_horizon_leaves_late_queries_unfinished_and_bad_settings_are_errors() {
    let w = world(20, 2, 1);
    let arr = arrivals(20, 5.0, 1.0, 2);
    let cfg = SimConfig {
        horizon_s: 1.0,
        ..SimConfig::default()
    };
    let r = run(&w, &arr, "goa", &cfg);
    assert!(r.summary.unfinished > 0);
    assert!(r
        .records
        .iter()
        .any(|x| matches!(x.phase, Phase::Waiting | Phase::Deciding | Phase::Computing)));
    let goa = solvers::by_name("goa").unwrap();
    let bad = SimConfig {
        decide: Decide::Epochs { epoch_s: 0.0 },
        ..cfg.clone()
    };
    let e = simulate(&w, &arr, goa.as_ref(), &bad, &mut |_| {}).unwrap_err();
    assert!(e.to_string().contains("epoch_s"), "{e}");
    let ex = solvers::by_name("exhaustive").unwrap();
    let e = simulate(&w, &arr, ex.as_ref(), &cfg, &mut |_| {}).unwrap_err();
    assert!(e.to_string().contains("no modelled decision time"), "{e}");
    let mut wrong = arr.clone();
    wrong[0].user = 99;
    let e = simulate(&w, &wrong, goa.as_ref(), &cfg, &mut |_| {}).unwrap_err();
    assert!(e.to_string().contains("arrivals[0].user"), "{e}");
}
