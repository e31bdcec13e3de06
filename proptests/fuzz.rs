//! Parser fuzz (issue 18): arbitrary bytes and mutations of valid files, in the four
//! input formats (instance, solution, dialogue file, queries file), never panic; what
//! the readers accept never gives a NaN or infinite answer.
//!
//! `make test` runs a few cases per target; set `FUZZ_CASES` (e.g. `FUZZ_CASES=20000
//! cargo test --release --test proptests fuzz`) for a longer run. Failing inputs are
//! persisted in `proptests/regressions/` like every other property test.

use llm_offload::assignment::AssignmentFile;
use llm_offload::routing::optimum::optimum;
use llm_offload::routing::Dialogues;
use llm_offload::sources::queries::QuerySet;
use llm_offload::{model, solvers, validate, Assignment, Instance, Limits};
use proptest::prelude::*;

use crate::strategies::config;

const INSTANCE: &str = include_str!("../instances/tiny/paper-n5-m3-s2.json");
const DIALOGUES: &str = include_str!("../instances/dialogues/example.json");
const QUERIES: &str = include_str!("../instances/queries/example.jsonl");
const SOLUTION: &str =
    r#"{"algorithm": "goa", "objective": 1.5, "assignment": [0, null, 2, 1, null]}"#;

/// Cases per fuzz target: `FUZZ_CASES`, else a short run.
fn cases() -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(32)
}

/// Numbers that break naive readers: overflow, underflow, signs, zero, huge integers.
const NASTY: &[&str] = &[
    "1e308",
    "-1e308",
    "1e-300",
    "5e-324",
    "0",
    "-0",
    "-1",
    "2.5",
    "1.0000001",
    "18446744073709551616",
    "4294967296",
    "1e999",
    "null",
    "true",
    "\"x\"",
    "[]",
    "{}",
];

/// The byte ranges of the numeric literals of a JSON text.
fn numbers(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut k = 0;
    while k < b.len() {
        let starts =
            b[k].is_ascii_digit() || (b[k] == b'-' && b.get(k + 1).is_some_and(u8::is_ascii_digit));
        let inside_word = k > 0 && (b[k - 1].is_ascii_alphanumeric() || b[k - 1] == b'_');
        if starts && !inside_word {
            let s = k;
            k += 1;
            while k < b.len()
                && (b[k].is_ascii_digit() || matches!(b[k], b'.' | b'e' | b'E' | b'+' | b'-'))
            {
                k += 1;
            }
            out.push((s, k));
        } else {
            k += 1;
        }
    }
    out
}

/// One edit of a text.
#[derive(Debug, Clone)]
enum Mutation {
    /// Replace the `k`-th number (mod count) by a nasty value.
    Number(usize, usize),
    /// Delete `len` bytes at `at` (mod length).
    Delete(usize, usize),
    /// Insert bytes at `at`.
    Insert(usize, Vec<u8>),
    /// Duplicate `len` bytes at `at` in place.
    Duplicate(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<usize>(), 0..NASTY.len()).prop_map(|(k, v)| Mutation::Number(k, v)),
        1 => (any::<usize>(), 1usize..40).prop_map(|(a, l)| Mutation::Delete(a, l)),
        1 => (any::<usize>(), proptest::collection::vec(any::<u8>(), 1..12))
            .prop_map(|(a, b)| Mutation::Insert(a, b)),
        1 => (any::<usize>(), 1usize..80).prop_map(|(a, l)| Mutation::Duplicate(a, l)),
    ]
}

fn apply(text: &str, edits: &[Mutation]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for e in edits {
        let n = bytes.len().max(1);
        match e {
            Mutation::Number(k, v) => {
                let s = String::from_utf8_lossy(&bytes).into_owned();
                let nums = numbers(&s);
                if !nums.is_empty() {
                    let (a, b) = nums[k % nums.len()];
                    let mut t = s.into_bytes();
                    t.splice(a..b, NASTY[*v].bytes());
                    bytes = t;
                }
            }
            Mutation::Delete(at, len) => {
                let a = at % n;
                let b = (a + len).min(bytes.len());
                bytes.drain(a.min(bytes.len())..b);
            }
            Mutation::Insert(at, ins) => {
                let a = at % (bytes.len() + 1);
                bytes.splice(a..a, ins.iter().copied());
            }
            Mutation::Duplicate(at, len) => {
                let a = at % n;
                let b = (a + len).min(bytes.len());
                if a < b {
                    let piece = bytes[a..b].to_vec();
                    bytes.splice(b..b, piece);
                }
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// What `check` does with a solution file, against a valid instance: any error is
/// fine; an accepted assignment has a finite objective.
fn read_solution(text: &str, inst: &Instance) -> Result<(), TestCaseError> {
    let text = validate::strip_bom(text);
    if validate::no_duplicate_keys(text).is_err() {
        return Ok(());
    }
    let Ok(file) = serde_json::from_str::<AssignmentFile>(text) else {
        return Ok(());
    };
    let Ok(a) = Assignment::from_file(&file) else {
        return Ok(());
    };
    if let Ok(e) = model::evaluate(inst, &a) {
        prop_assert!(e.objective.is_finite(), "objective {}", e.objective);
    }
    Ok(())
}

/// An accepted instance gives finite answers: every delay and the objective of a
/// greedy and of all-edge are finite.
fn read_instance(text: &str) -> Result<(), TestCaseError> {
    let Ok(inst) = Instance::from_json(text, "fuzz") else {
        return Ok(());
    };
    if inst.n_users() > 64 || inst.n_servers() > 16 {
        return Ok(());
    }
    for name in ["goa", "all-edge", "all-local"] {
        let out = solvers::by_name(name)
            .unwrap()
            .solve(&inst, &Limits::default());
        if let Ok(o) = out {
            prop_assert!(o.objective().is_finite(), "{name}: {}", o.objective());
            for u in &o.evaluation().users {
                prop_assert!(u.delay_s.is_finite() && u.cost.is_finite());
            }
        }
    }
    Ok(())
}

/// An accepted dialogue file gives finite optimal costs.
fn read_dialogues(text: &str) -> Result<(), TestCaseError> {
    let Ok(set) = Dialogues::from_json(text, "fuzz") else {
        return Ok(());
    };
    for d in set.dialogues.iter().take(5) {
        if d.turns.len() <= 64 {
            let o = optimum(d, &set.latency, 1.0).unwrap();
            prop_assert!(o.cost.is_finite(), "cost {}", o.cost);
        }
    }
    Ok(())
}

/// An accepted queries file holds finite, positive model quantities.
fn read_queries(text: &str) -> Result<(), TestCaseError> {
    let Ok(set) = QuerySet::parse(text, "fuzz.jsonl") else {
        return Ok(());
    };
    for q in &set.queries {
        prop_assert!(q.prompt_bits.is_finite() && q.prompt_bits > 0.0);
        prop_assert!(q.local_flops.is_finite() && q.edge_flops.is_finite());
        prop_assert!((0.0..=1.0).contains(&q.alpha));
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(cases()))]

    #[test]
    fn fuzz_arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let text = String::from_utf8_lossy(&bytes);
        let inst = Instance::from_json(INSTANCE, "tiny").unwrap();
        read_instance(&text)?;
        read_solution(&text, &inst)?;
        read_dialogues(&text)?;
        read_queries(&text)?;
    }

    #[test]
    fn fuzz_mutated_instances(edits in proptest::collection::vec(mutation(), 1..4)) {
        read_instance(&apply(INSTANCE, &edits))?;
    }

    #[test]
    fn fuzz_mutated_solutions(edits in proptest::collection::vec(mutation(), 1..4)) {
        let inst = Instance::from_json(INSTANCE, "tiny").unwrap();
        read_solution(&apply(SOLUTION, &edits), &inst)?;
    }

    #[test]
    fn fuzz_mutated_dialogues(edits in proptest::collection::vec(mutation(), 1..4)) {
        read_dialogues(&apply(DIALOGUES, &edits))?;
    }

    #[test]
    fn fuzz_mutated_queries(edits in proptest::collection::vec(mutation(), 1..4)) {
        read_queries(&apply(QUERIES, &edits))?;
    }
}

#[test]
fn the_seeds_of_the_fuzz_are_valid() {
    let inst = Instance::from_json(INSTANCE, "tiny").unwrap();
    assert!(Dialogues::from_json(DIALOGUES, "d").is_ok());
    assert!(QuerySet::parse(QUERIES, "q.jsonl").is_ok());
    let file: AssignmentFile = serde_json::from_str(SOLUTION).unwrap();
    assert!(model::evaluate(&inst, &Assignment::from_file(&file).unwrap()).is_ok());
    // The number scanner finds the numbers and only them.
    assert_eq!(numbers(r#"{"a1": 12, "b": -3.5e-2, "c": [1,2]}"#).len(), 4);
    let edited = apply(SOLUTION, &[Mutation::Number(0, 0)]);
    assert!(edited.contains("1e308"), "{edited}");
}
