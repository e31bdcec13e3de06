//! Measured queries and sweeps: query lines round-trip and bad lines are reported at
//! their line, generated instances keep the scenario's physics and draw only from the
//! file, and any sweep point rerun alone gives the same row (seeded, paired design).

use llm_offload::sources::generate::{generate, generate_with_queries, GenConfig};
use llm_offload::sources::queries::{QueryLine, QuerySet, TokenLogprob, TokenProb};
use llm_offload::sweep::{self, SweepConfig};
use llm_offload::Error;
use proptest::prelude::*;

use crate::strategies::config;

/// A valid query line, using each alternative of each field group (candidates hold a
/// letter: all-blank candidate lists are invalid, see [`bad_lines`]).
fn query_lines() -> impl Strategy<Value = QueryLine> {
    let size = (1.0f64..2000.0, any::<bool>());
    // Candidates are parts of one distribution (issue 18: their probabilities sum to at
    // most 1): weights scaled to a total mass in [0.05, 1].
    let distribution = (
        prop::collection::vec(("[a-d ]{0,2}[a-d]", 0.001f64..=1.0), 1..6),
        0.05f64..=1.0,
    )
        .prop_map(|(c, mass)| {
            let total: f64 = c.iter().map(|(_, w)| w).sum();
            c.into_iter()
                .map(|(t, w)| (t, w / total * mass))
                .collect::<Vec<_>>()
        });
    let alpha = prop_oneof![
        (0.0f64..=1.0).prop_map(|a| (None, None, Some(a))),
        distribution.clone().prop_map(|c| (
            Some(
                c.into_iter()
                    .map(|(token, p)| TokenLogprob {
                        token,
                        logprob: p.ln()
                    })
                    .collect()
            ),
            None,
            None
        )),
        distribution.prop_map(|c| (
            None,
            Some(
                c.into_iter()
                    .map(|(token, prob)| TokenProb { token, prob })
                    .collect()
            ),
            None
        )),
    ];
    let work = (1e9f64..1e14, any::<bool>(), 1e9f64..1e15, any::<bool>());
    let correct = prop::option::of((any::<bool>(), 0.0f64..=1.0));
    let out = prop::option::of(0u32..64);
    (size, alpha, work, correct, out).prop_map(
        |((prompt, tokens), (lp, pp, a), (wl, lat_l, we, lat_e), correct, out)| QueryLine {
            prompt_tokens: tokens.then_some(prompt),
            prompt_bits: (!tokens).then_some(prompt),
            top_logprobs: lp,
            top_probs: pp,
            uncertainty: a,
            local_flops: (!lat_l).then_some(wl),
            local_latency_s: lat_l.then_some(wl / 1e14),
            edge_flops: (!lat_e).then_some(we),
            edge_latency_s: lat_e.then_some(we / 1e16),
            local_correct: correct.map(|(b, _)| b.into()),
            edge_correct: correct.map(|(_, p)| p.into()),
            output_tokens: out.map(f64::from),
            id: None,
        },
    )
}

/// A line that breaks one rule, and a word its error must contain.
fn bad_lines() -> impl Strategy<Value = (String, &'static str)> {
    query_lines().prop_flat_map(|q| {
        let cases: Vec<(QueryLine, &'static str)> = vec![
            (
                QueryLine {
                    prompt_tokens: None,
                    prompt_bits: None,
                    ..q.clone()
                },
                "prompt_tokens",
            ),
            (
                QueryLine {
                    prompt_bits: Some(-1.0),
                    prompt_tokens: None,
                    ..q.clone()
                },
                "prompt_bits",
            ),
            (
                QueryLine {
                    uncertainty: Some(1.5),
                    top_logprobs: None,
                    top_probs: None,
                    ..q.clone()
                },
                "uncertainty",
            ),
            (
                QueryLine {
                    edge_flops: Some(0.0),
                    edge_latency_s: None,
                    ..q.clone()
                },
                "edge_flops",
            ),
            (
                QueryLine {
                    local_flops: Some(1.0),
                    local_latency_s: Some(1.0),
                    ..q.clone()
                },
                "local_latency_s",
            ),
            (
                QueryLine {
                    top_logprobs: Some(vec![
                        TokenLogprob {
                            token: " ".into(),
                            logprob: -0.5,
                        },
                        TokenLogprob {
                            token: "\n".into(),
                            logprob: -1.0,
                        },
                    ]),
                    top_probs: None,
                    uncertainty: None,
                    ..q.clone()
                },
                "empty",
            ),
            (
                QueryLine {
                    output_tokens: Some(-1.0),
                    ..q.clone()
                },
                "output_tokens",
            ),
            (
                QueryLine {
                    top_probs: Some(vec![
                        TokenProb {
                            token: "a".into(),
                            prob: 0.9,
                        },
                        TokenProb {
                            token: "b".into(),
                            prob: 0.9,
                        },
                    ]),
                    top_logprobs: None,
                    uncertainty: None,
                    ..q.clone()
                },
                "at most 1",
            ),
            (
                QueryLine {
                    local_correct: Some(true.into()),
                    edge_correct: None,
                    ..q
                },
                "edge_correct",
            ),
        ];
        prop::sample::select(
            cases
                .into_iter()
                .map(|(l, w)| (serde_json::to_string(&l).unwrap(), w))
                .collect::<Vec<_>>(),
        )
    })
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn valid_lines_round_trip(lines in prop::collection::vec(query_lines(), 1..8)) {
        let text: String = lines.iter().map(|l| serde_json::to_string(l).unwrap() + "\n").collect();
        let set = QuerySet::parse(&text, "q.jsonl").unwrap();
        prop_assert_eq!(set.queries.len(), lines.len());
        for (q, l) in set.queries.iter().zip(&lines) {
            // exact: serde_json's `float_roundtrip` parses what it wrote
            prop_assert_eq!(q, &l.resolve().unwrap());
            prop_assert!((0.0..=1.0).contains(&q.alpha));
            prop_assert!(q.prompt_bits > 0.0 && q.local_flops > 0.0 && q.edge_flops > 0.0);
        }
    }

    #[test]
    fn bad_line_is_reported_at_its_line(
        good in prop::collection::vec(query_lines(), 2..6),
        (bad, word) in bad_lines(),
        at in 0usize..6,
    ) {
        let mut lines: Vec<String> = good.iter().map(|l| serde_json::to_string(l).unwrap()).collect();
        let at = at.min(lines.len());
        lines.insert(at, bad);
        match QuerySet::parse(&lines.join("\n"), "q.jsonl") {
            Err(Error::Line { line, message, .. }) => {
                prop_assert_eq!(line, at + 1);
                prop_assert!(message.contains(word), "{}", message);
            }
            other => prop_assert!(false, "expected a line error, got {:?}", other),
        }
    }

    #[test]
    fn queries_keep_physics_and_come_from_the_file(
        lines in prop::collection::vec(query_lines(), 1..5),
        users in 1usize..30,
        seed in any::<u64>(),
    ) {
        let text: String = lines.iter().map(|l| serde_json::to_string(l).unwrap() + "\n").collect();
        let set = QuerySet::parse(&text, "q.jsonl").unwrap();
        let cfg = GenConfig { users, seed, ..GenConfig::default() };
        let synthetic = generate(&cfg).unwrap();
        let measured = generate_with_queries(&cfg, &set).unwrap();
        prop_assert_eq!(&measured, &generate_with_queries(&cfg, &set).unwrap());
        prop_assert_eq!(&measured.gain(), &synthetic.gain());
        prop_assert_eq!(&measured.servers(), &synthetic.servers());
        for (m, s) in measured.users().iter().zip(synthetic.users()) {
            prop_assert_eq!(m.local_flops_per_s, s.local_flops_per_s);
            prop_assert!(set.queries.iter().any(|q| Some(q.alpha) == m.uncertainty
                && q.prompt_bits == m.prompt_bits
                && q.local_flops == m.local_flops
                && q.edge_flops == m.edge_flops
                && q.p_correct_local == m.p_correct_local
                && q.output_tokens == m.output_tokens));
        }
    }
}

proptest! {
    #![proptest_config(config(6))]

    #[test]
    fn a_point_rerun_alone_gives_the_same_row(seed in any::<u64>(), n in 2usize..9, tau in 0.3f64..0.9) {
        let grid = SweepConfig {
            users: vec![n, n + 3],
            taus: vec![tau, 1.0],
            runs: 3,
            seed,
            ..SweepConfig::default()
        };
        let alone = SweepConfig { users: vec![n + 3], taus: vec![1.0], ..grid.clone() };
        let rows = |cfg: &SweepConfig| {
            let csv = sweep::points_csv(&sweep::run(cfg, &|| {}).unwrap());
            csv.lines().map(String::from).collect::<Vec<_>>()
        };
        let full = rows(&grid);
        let single = rows(&alone);
        for row in &single[1..] {
            prop_assert!(full.contains(row), "{} not in the full grid", row);
        }
    }
}
