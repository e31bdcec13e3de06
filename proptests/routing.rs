//! Routing (SPEC 7): the shortest-path optimum is never beaten by an online policy and
//! equals brute force; the switching cost is charged exactly on a change of side;
//! validation names the field; the generator is deterministic.

use llm_offload::routing::frontier::{Family, SweepConfig};
use llm_offload::routing::optimum::{brute_force, optimum};
use llm_offload::routing::policies::{OutputEstimate, Policy};
use llm_offload::routing::retest::{retest, RetestConfig};
use llm_offload::routing::synth::{generate, SynthConfig};
use llm_offload::routing::{evaluate, Dialogue, Dialogues, LatencyParams, Side, Turn};
use llm_offload::solver::approx_eq;
use llm_offload::Error;
use proptest::prelude::*;

use crate::strategies::config;

fn correctness() -> impl Strategy<Value = f64> {
    prop_oneof![Just(0.0), Just(1.0), 0.0..=1.0]
}

fn turn() -> impl Strategy<Value = Turn> {
    (
        0.0..=1.0f64,
        1u32..400,
        1u32..600,
        correctness(),
        correctness(),
    )
        .prop_map(
            |(score, input_tokens, output_tokens, correct_device, correct_edge)| Turn {
                score,
                input_tokens,
                output_tokens,
                correct_device,
                correct_edge,
            },
        )
}

fn dialogue(max_turns: usize) -> impl Strategy<Value = Dialogue> {
    prop::collection::vec(turn(), 1..=max_turns).prop_map(|turns| Dialogue { id: None, turns })
}

/// Latency parameters spanning "edge much faster" to "device much faster".
fn latency() -> impl Strategy<Value = LatencyParams> {
    (
        (1e-4..1e-2f64, 5e-3..0.1f64, 1e-5..1e-3f64, 5e-3..0.1f64),
        (1e6..1e8f64, 1e6..1e8f64, 8.0..64.0f64, 0.0..0.2f64),
    )
        .prop_map(|((dp, dd, ep, ed), (up, down, bits, rtt))| LatencyParams {
            device_prefill_s_per_token: dp,
            device_decode_s_per_token: dd,
            edge_prefill_s_per_token: ep,
            edge_decode_s_per_token: ed,
            uplink_bits_per_s: up,
            downlink_bits_per_s: down,
            bits_per_token: bits,
            edge_round_trip_s: rtt,
        })
}

fn policy() -> impl Strategy<Value = Policy> {
    prop_oneof![
        Just(Policy::AlwaysDevice),
        Just(Policy::AlwaysEdge),
        (0.0..=1.0f64).prop_map(|theta| Policy::Threshold { theta }),
        (0.0..=1.0f64, 0.0..0.5f64).prop_map(|(theta, band)| Policy::Hysteresis { theta, band }),
        (0.0..=1.0f64, 0.0..50.0f64).prop_map(|(theta, w)| Policy::ContextAware { theta, w }),
        (0.0..3.0f64, -1.0..1.5f64, prop::option::of(1.0..500.0f64)).prop_map(|(a, theta, y)| {
            Policy::SeedRule {
                a,
                theta,
                output: y.map_or(OutputEstimate::Actual, OutputEstimate::Fixed),
            }
        }),
    ]
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn optimum_is_never_worse_than_a_policy(
        d in dialogue(12), lat in latency(), mu in 0.0..20.0f64,
        policies in prop::collection::vec(policy(), 1..6),
    ) {
        let best = optimum(&d, &lat, mu).unwrap();
        prop_assert_eq!(best.route.len(), d.turns.len());
        for p in policies {
            let cost = evaluate(&d, &p.route(&d, &lat), &lat).weighted_cost(mu);
            prop_assert!(best.cost <= cost || approx_eq(best.cost, cost),
                "{}: {} < optimum {}", p.label(), cost, best.cost);
        }
    }

    #[test]
    fn optimum_equals_brute_force(d in dialogue(10), lat in latency(), mu in 0.0..20.0f64) {
        let best = optimum(&d, &lat, mu).unwrap();
        let bf = brute_force(&d, &lat, mu).unwrap();
        prop_assert!(approx_eq(best.cost, bf.cost), "dijkstra {} vs brute force {}", best.cost, bf.cost);
        let recomputed = evaluate(&d, &best.route, &lat).weighted_cost(mu);
        prop_assert!(approx_eq(best.cost, recomputed));
    }

    #[test]
    fn switching_cost_is_charged_exactly_on_a_change(
        (d, route) in dialogue(10).prop_flat_map(|d| {
            let n = d.turns.len();
            (Just(d), prop::collection::vec(prop_oneof![Just(Side::Device), Just(Side::Edge)], n))
        }),
        lat in latency(),
    ) {
        let mut changes = 0;
        let mut expected_switch = 0.0;
        let mut total_switch = 0.0;
        for t in 0..d.turns.len() {
            let prev = (t > 0).then(|| route[t - 1]);
            let l = lat.turn(&d, t, route[t], prev);
            let changed = prev.is_some_and(|p| p != route[t]);
            prop_assert_eq!(l.switch_s > 0.0, changed, "turn {}", t);
            if changed {
                changes += 1;
                let h = d.history_tokens(t);
                expected_switch += match route[t] {
                    Side::Device => h * lat.device_prefill_s_per_token,
                    Side::Edge => h * (lat.edge_prefill_s_per_token + lat.bits_per_token / lat.uplink_bits_per_s),
                };
            }
            total_switch += l.switch_s;
        }
        prop_assert!(approx_eq(total_switch, expected_switch));
        let stats = evaluate(&d, &route, &lat);
        prop_assert_eq!(stats.switches, changes);
        // A route that never changes pays no switching cost at all.
        for side in Side::BOTH {
            for t in 0..d.turns.len() {
                let prev = (t > 0).then_some(side);
                prop_assert_eq!(lat.turn(&d, t, side, prev).switch_s, 0.0);
            }
        }
    }
}

/// A dialogue whose scores sit on a coarse grid, so that scores exactly at a
/// threshold (the ties) are drawn often.
fn grid_dialogue(max_turns: usize) -> impl Strategy<Value = Dialogue> {
    prop::collection::vec((turn(), 0u32..=10), 1..=max_turns).prop_map(|v| Dialogue {
        id: None,
        turns: v
            .into_iter()
            .map(|(t, k)| Turn {
                score: f64::from(k) / 10.0,
                ..t
            })
            .collect(),
    })
}

fn baseline_dialogue() -> impl Strategy<Value = Dialogue> {
    prop_oneof![dialogue(14), grid_dialogue(14)]
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn optimum_is_never_worse_than_hysteresis_or_the_context_rule(
        d in baseline_dialogue(), lat in latency(), mu in 0.0..20.0f64,
        theta in prop_oneof![Just(0.5), 0.0..=1.0f64], band in 0.0..0.5f64, w in 0.0..50.0f64,
    ) {
        let best = optimum(&d, &lat, mu).unwrap();
        for p in [Policy::Hysteresis { theta, band }, Policy::ContextAware { theta, w }] {
            let cost = evaluate(&d, &p.route(&d, &lat), &lat).weighted_cost(mu);
            prop_assert!(best.cost <= cost || approx_eq(best.cost, cost),
                "{}: {} < optimum {}", p.label(), cost, best.cost);
        }
    }

    #[test]
    fn hysteresis_with_zero_band_is_the_static_threshold(
        d in baseline_dialogue(), lat in latency(),
        theta in prop_oneof![(0u32..=10).prop_map(|k| f64::from(k) / 10.0), 0.0..=1.0f64],
    ) {
        prop_assert_eq!(
            Policy::Hysteresis { theta, band: 0.0 }.route(&d, &lat),
            Policy::Threshold { theta }.route(&d, &lat)
        );
    }

    #[test]
    fn baselines_switch_no_more_than_the_threshold_and_pay_exactly_on_a_change(
        d in baseline_dialogue(), lat in latency(),
        theta in 0.0..=1.0f64, band in 0.0..0.5f64, w in 0.0..50.0f64,
    ) {
        let threshold = evaluate(&d, &Policy::Threshold { theta }.route(&d, &lat), &lat);
        for p in [Policy::Hysteresis { theta, band }, Policy::ContextAware { theta, w }] {
            let route = p.route(&d, &lat);
            let stats = evaluate(&d, &route, &lat);
            prop_assert!(stats.switches <= threshold.switches,
                "{}: {} switches, threshold {}", p.label(), stats.switches, threshold.switches);
            // The route's latency is the switch-free latency of each turn plus the
            // switching cost exactly at the turns where the side changes.
            let mut expected = 0.0;
            let mut changes = 0;
            for t in 0..route.len() {
                let prev = (t > 0).then(|| route[t - 1]);
                let own = lat.turn(&d, t, route[t], Some(route[t]));
                prop_assert_eq!(own.switch_s, 0.0);
                expected += own.total_s();
                if prev.is_some_and(|q| q != route[t]) {
                    changes += 1;
                    let c = lat.switch_cost_s(route[t], prev, d.history_tokens(t));
                    prop_assert!(t == 0 || d.history_tokens(t) == 0.0 || c > 0.0);
                    expected += c;
                }
            }
            prop_assert_eq!(stats.switches, changes);
            prop_assert!(approx_eq(stats.latency_s, expected),
                "{}: latency {} vs parts {}", p.label(), stats.latency_s, expected);
        }
    }
}

proptest! {
    #![proptest_config(config(32))]

    #[test]
    fn generator_is_deterministic_and_valid(
        seed in any::<u64>(), dialogues in 1usize..12, max_turns in 1usize..6,
        score_noise in 0.0..2.0f64, difficulty in -2.0..2.0f64,
    ) {
        let cfg = SynthConfig { dialogues, seed, max_turns, score_noise, difficulty, ..SynthConfig::default() };
        let a = generate(&cfg).unwrap().to_json();
        prop_assert_eq!(&a, &generate(&cfg).unwrap().to_json());
        let set = Dialogues::from_json(&a, "g").unwrap();
        prop_assert_eq!(set.dialogues.len(), dialogues);
        prop_assert!(set.dialogues.iter().all(|d| (1..=max_turns).contains(&d.turns.len())));
    }

    #[test]
    fn a_bad_value_anywhere_is_named(
        seed in 0u64..1000, pick in any::<prop::sample::Index>(),
        field in 0usize..3, bad in prop_oneof![-10.0..-1e-6f64, 1.000_001..10.0f64],
    ) {
        let set = generate(&SynthConfig { dialogues: 5, seed, ..SynthConfig::default() }).unwrap();
        let places: Vec<(usize, usize)> = set.dialogues.iter().enumerate()
            .flat_map(|(k, d)| (0..d.turns.len()).map(move |t| (k, t))).collect();
        let (k, t) = places[pick.index(places.len())];
        let mut file = set.to_file();
        let turn = &mut file.dialogues[k].turns[t];
        let name = ["score", "correct_device", "correct_edge"][field];
        *[&mut turn.score, &mut turn.correct_device, &mut turn.correct_edge][field] = bad;
        match Dialogues::new(file) {
            Err(Error::InvalidField { field: f, .. }) => {
                prop_assert_eq!(f, format!("dialogues[{}].turns[{}].{}", k, t, name));
            }
            other => prop_assert!(false, "expected InvalidField, got {:?}", other),
        }
    }
}

proptest! {
    #![proptest_config(config(24))]

    #[test]
    fn structure_recombines_the_same_draws_and_stays_valid(
        seed in any::<u64>(), dialogues in 1usize..10, max_turns in 1usize..7,
        persistence in 0.0..0.99f64, correlation in -1.0..=1.0f64,
    ) {
        let base = SynthConfig { dialogues, seed, max_turns, ..SynthConfig::default() };
        let plain = generate(&base).unwrap();
        let cfg = SynthConfig { persistence, output_length_correlation: correlation, ..base };
        let a = generate(&cfg).unwrap().to_json();
        prop_assert_eq!(&a, &generate(&cfg).unwrap().to_json());
        let set = Dialogues::from_json(&a, "g").unwrap();
        // Same turn counts and input lengths: the structure changes no draw.
        let shape = |s: &Dialogues| -> Vec<Vec<u32>> {
            s.dialogues.iter().map(|d| d.turns.iter().map(|t| t.input_tokens).collect()).collect()
        };
        prop_assert_eq!(shape(&set), shape(&plain));
        // The first turn of every dialogue has no predecessor: persistence cannot
        // change its difficulty, so its score is the plain generator's.
        for (d, p) in set.dialogues.iter().zip(&plain.dialogues) {
            prop_assert_eq!(d.turns[0].score, p.turns[0].score);
        }
    }

    #[test]
    fn retest_choices_reach_their_targets_on_train_and_the_baseline_is_fastest(
        seed in 0u64..500, f in 0.0..=1.0f64, lat in latency(),
    ) {
        let gen = |s| generate(&SynthConfig { dialogues: 12, seed: s, latency: lat, ..SynthConfig::default() }).unwrap();
        let (train, test) = (gen(seed), gen(seed + 1));
        let cfg = RetestConfig {
            fractions: vec![f],
            sweep: SweepConfig {
                thresholds: vec![0.2, 0.5, 0.8],
                a_values: vec![0.5, 2.0],
                seed_thetas: vec![-0.5, 0.0, 0.5],
                hysteresis_thetas: vec![0.3, 0.6],
                bands: vec![0.1, 0.3],
                context_thetas: vec![0.3, 0.6],
                ws: vec![0.5, 4.0],
                mus: Vec::new(),
                ..SweepConfig::default()
            },
        };
        let r = retest(&train, &test, &cfg).unwrap();
        let t = &r.targets[0];
        // Always-edge reaches every target up to its own quality: never empty.
        prop_assert!(t.rows.iter().any(|row| row.family != Family::SeedRule));
        for row in &t.rows {
            prop_assert!(row.train.quality().mean + 1e-6 >= t.quality, "{}", row.policy.label());
            for run in [&row.train, &row.test] {
                for e in [run.latency_s(), run.edge_rate(), run.quality()] {
                    prop_assert!(e.ci95 >= 0.0 && e.mean.is_finite());
                }
            }
        }
        if let Some(v) = t.versus {
            let best = t.rows[v.baseline].train.latency_s().mean;
            for row in t.rows.iter().filter(|r| r.family != Family::SeedRule) {
                prop_assert!(best <= row.train.latency_s().mean);
            }
            prop_assert!(v.latency_saving.ci95 >= 0.0 && v.quality_diff.ci95 >= 0.0);
        }
    }
}
