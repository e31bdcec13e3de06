//! The simulator (src/simulate.rs, docs/dynamic.md) on random worlds and traces:
//! conservation (every arrived query served once or unfinished), latency never below
//! queueing + decision + service time and equal to the sum of its parts, decisions on
//! epoch boundaries, byte-for-byte determinism with modelled decision time, the
//! reduction to the static model (one epoch at time 0 with instant decisions: the
//! decision instance is the static instance, the dispatch is `solve`'s answer, and
//! each latency lies between the service time and the static delay), and busy users
//! only ever slowing a decision instance's delays.

use llm_offload::model::{evaluate, Model};
use llm_offload::simulate::{
    decision_instance, simulate, write_records, Arrival, Decide, DecisionTime, Phase, Query,
    SimConfig, SimResult,
};
use llm_offload::{solvers, Choice, Instance, Limits};
use proptest::prelude::*;

use crate::strategies::{config, instances, Shape};

fn shape(users: usize, variants: bool) -> Shape {
    Shape {
        users: (1, users),
        servers: (1, 3),
        interference: None,
        caps: false,
        variants,
    }
}

/// A world and a trace of its users' own queries at random times in [0, 2) s.
fn world_and_trace() -> impl Strategy<Value = (Instance, Vec<Arrival>)> {
    instances(shape(6, true)).prop_flat_map(|w| {
        let n = w.n_users();
        let arrivals = prop::collection::vec((0.0..2.0f64, 0..n, 0..n), 1..25);
        (Just(w), arrivals).prop_map(|(w, raw)| {
            let mut a: Vec<Arrival> = raw
                .into_iter()
                .map(|(t, user, q)| Arrival {
                    time_s: t,
                    user,
                    query: Query::of_user(&w.users()[q], w.alpha(q)),
                })
                .collect();
            a.sort_by(|x, y| x.time_s.total_cmp(&y.time_s));
            (w, a)
        })
    })
}

fn run(w: &Instance, a: &[Arrival], algo: &str, cfg: &SimConfig) -> SimResult {
    let policy = solvers::by_name(algo).unwrap();
    simulate(w, a, policy.as_ref(), cfg, &mut |_| {}).unwrap()
}

fn bytes(r: &SimResult) -> (Vec<u8>, String) {
    let mut v = Vec::new();
    write_records(&mut v, &r.records, std::path::Path::new("r.csv")).unwrap();
    (v, serde_json::to_string(&r.summary).unwrap())
}

/// Policies with a modelled decision time first; the last (no law) runs with instant
/// decisions.
const POLICIES: [&str; 3] = ["goa", "best-response", "all-edge-tau"];

proptest! {
    #![proptest_config(config(96))]

    #[test]
    fn conservation_latency_floor_and_determinism(
        (w, a) in world_and_trace(),
        k in 0..POLICIES.len(),
        epoch in prop::option::of(0.01..0.5f64),
        horizon in 0.5..3.0f64,
        instant in any::<bool>(),
    ) {
        let algo = POLICIES[k];
        let instant = instant || algo == "all-edge-tau";
        let cfg = SimConfig {
            horizon_s: horizon,
            decide: epoch.map_or(Decide::OnArrival, |e| Decide::Epochs { epoch_s: e }),
            decision_time: if instant { DecisionTime::Instant } else { DecisionTime::Modelled },
            limits: Limits::default(),
            warm_start: true,
        };
        let r = run(&w, &a, algo, &cfg);
        let s = &r.summary;
        let arrived = a.iter().filter(|x| x.time_s < horizon).count();
        prop_assert_eq!(s.arrived, arrived);
        prop_assert_eq!(s.served + s.unfinished, s.arrived);
        prop_assert_eq!(r.records.iter().filter(|x| x.phase == Phase::Served).count(), s.served);
        let with_ppl = w.device_variants().iter().chain(w.servers().iter().flat_map(|v| v.variants.iter())).all(|v| v.perplexity.is_some());
        if s.served > 0 {
            prop_assert_eq!(s.mean_perplexity.is_some(), with_ppl);
        }
        for rec in &r.records {
            if let (Some(d), Some(e)) = (rec.decision_start_s, epoch) {
                let k = (d / e).round();
                prop_assert!((d - k * e).abs() <= 1e-9 * d.max(1.0), "decision at {} off the epochs of {}", d, e);
            }
            if let Some(d) = rec.decision_start_s {
                prop_assert!(d >= rec.arrival_s);
                prop_assert!(rec.dispatch_s.is_none_or(|x| x >= d));
            }
            match rec.phase {
                Phase::Served => {
                    let l = rec.latency_s().unwrap();
                    prop_assert!(rec.finish_s.unwrap() <= horizon);
                    let floor = rec.queue_s().unwrap() + rec.decision_s().unwrap() + rec.service_s.unwrap();
                    prop_assert!(l >= floor * (1.0 - 1e-9), "latency {} below its floor {}", l, floor);
                    let parts = rec.queue_s().unwrap() + rec.decision_s().unwrap()
                        + rec.upload_s().unwrap() + rec.compute_s().unwrap();
                    prop_assert!((parts - l).abs() <= 1e-9 * l.max(1e-3));
                    prop_assert_eq!(rec.upload_done_s.is_some(), rec.server.is_some());
                }
                _ => prop_assert!(rec.finish_s.is_none()),
            }
        }
        if !instant {
            prop_assert_eq!(bytes(&r), bytes(&run(&w, &a, algo, &cfg)));
        }
    }

    #[test]
    fn one_epoch_at_time_zero_with_instant_decisions_is_the_static_model(
        w in instances(shape(7, true)),
        k in 0..3usize,
    ) {
        let algo = ["goa", "best-response", "tree-search"][k];
        let a: Vec<Arrival> = (0..w.n_users())
            .map(|i| Arrival { time_s: 0.0, user: i, query: Query::of_user(&w.users()[i], w.alpha(i)) })
            .collect();
        let cfg = SimConfig {
            horizon_s: 1e4,
            decision_time: DecisionTime::Instant,
            warm_start: false,
            ..SimConfig::default()
        };
        let r = run(&w, &a, algo, &cfg);
        let (inst, dispatched) = r.first_decision.clone().unwrap();
        let mut expected = w.to_file();
        expected.name = Some("decision-0".into());
        expected.meta = None;
        for (i, u) in expected.users.iter_mut().enumerate() {
            u.top_probs = None;
            u.uncertainty = Some(w.alpha(i));
        }
        prop_assert_eq!(inst.to_file(), expected);
        let out = solvers::by_name(algo).unwrap().solve(&w, &Limits::default()).unwrap();
        prop_assert_eq!(&dispatched, out.assignment());
        prop_assert_eq!(r.summary.decisions, 1);
        prop_assert_eq!(r.summary.served, w.n_users());
        let e = evaluate(&w, &dispatched).unwrap();
        for (i, rec) in r.records.iter().enumerate() {
            let l = rec.latency_s().unwrap();
            prop_assert!(l <= e.users[i].delay_s * (1.0 + 1e-9), "user {}: {} above the static {}", i, l, e.users[i].delay_s);
            prop_assert!(l >= rec.service_s.unwrap() * (1.0 - 1e-9));
        }
    }

    #[test]
    fn busy_users_never_speed_a_query_up(
        w in instances(shape(5, true)),
        busy in prop::collection::vec(0..4usize, 3),
    ) {
        let m = w.n_servers();
        let qs: Vec<Query> = (0..w.n_users()).map(|i| Query::of_user(&w.users()[i], w.alpha(i))).collect();
        let batch: Vec<(usize, &Query)> = qs.iter().enumerate().collect();
        let idle = decision_instance(&w, &batch, &vec![0; m], &vec![0; w.n_users()], "idle".into()).unwrap();
        let loaded = decision_instance(&w, &batch, &busy[..m], &vec![0; w.n_users()], "busy".into()).unwrap();
        let (mi, ml) = (Model::new(&idle), Model::new(&loaded));
        for i in 0..w.n_users() {
            for c in Choice::all(&w) {
                if let Some(j) = c.server {
                    for load in 1..=w.n_users() {
                        let (a, b) = (mi.edge_delay(i, j, c.variant, load, 0.0), ml.edge_delay(i, j, c.variant, load, 0.0));
                        prop_assert!(b.total() >= a.total());
                        if busy[j] == 0 {
                            prop_assert_eq!(a, b);
                        }
                    }
                }
                // the service time ignores busy users: it is the floor of every latency
                prop_assert_eq!(mi.service_delay(i, c), ml.service_delay(i, c));
            }
        }
    }
}
