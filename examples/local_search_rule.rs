//! What `local-search`'s stopping rule costs and saves: the default rule
//! (`min(300, 4 N)` rounds without improvement, 5e7 move prices) against the rule it
//! replaced (300 rounds at every N, no work limit), on the same instances, side by
//! side in one run.
//!
//! The third rule is the second with every move priced exactly (no bounds): it
//! takes the same moves as the second, so the difference is what the bounded
//! pricing saves.
//!
//! - Generated paper-scenario instances (interference on) at the sizes of a
//!   simulation's decision epochs and above: the sum of the objectives over the
//!   seeds (the quality the shorter rule gives up) and the mean time per solve.
//! - The bundled library: how many solves change (seed 0 and seed 1).
//!
//! Run with `cargo run --release --example local_search_rule [SEEDS]` (default 100
//! seeds per size; the numbers in docs/local_search.md are from the default).

use std::path::Path;
use std::time::Instant;

use llm_offload::solvers::local_search::{LocalSearch, LocalSearchOptions};
use llm_offload::sources::generate::{generate, GenConfig};
use llm_offload::{Instance, Limits, Solver};

fn rules() -> [(&'static str, LocalSearch); 3] {
    [
        (
            "default",
            LocalSearch {
                opts: LocalSearchOptions::default(),
            },
        ),
        (
            "300 rounds at every N",
            LocalSearch {
                opts: LocalSearchOptions {
                    stall_rounds_per_user: 0,
                    max_evaluations: u64::MAX,
                    ..LocalSearchOptions::default()
                },
            },
        ),
        (
            "300 rounds, exact pricing",
            LocalSearch {
                opts: LocalSearchOptions {
                    stall_rounds_per_user: 0,
                    max_evaluations: u64::MAX,
                    bounded_pricing: false,
                    ..LocalSearchOptions::default()
                },
            },
        ),
    ]
}

/// Sum of objectives, mean ms per solve and mean rounds.
fn run(s: &LocalSearch, insts: &[Instance], seed: u64) -> (f64, f64, f64) {
    let (mut obj, mut secs, mut rounds) = (0.0, 0.0, 0.0);
    for inst in insts {
        let t = Instant::now();
        let out = s
            .solve(
                inst,
                &Limits {
                    seed,
                    ..Limits::default()
                },
            )
            .expect("local-search solves every generated instance");
        secs += t.elapsed().as_secs_f64();
        obj += out.objective();
        rounds += out.stats().iterations as f64;
    }
    let k = insts.len() as f64;
    (obj, secs * 1e3 / k, rounds / k)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let seeds: u64 = std::env::args()
        .nth(1)
        .map_or(100, |s| s.parse().expect("SEEDS is a number"));
    let rules = rules();
    println!("| N | M | rule | sum of objectives | vs 300 rounds | mean ms | mean rounds |");
    println!("|---|---|---|---|---|---|---|");
    for (n, m) in [(5, 8), (10, 4), (10, 8), (20, 4), (20, 8), (40, 4), (80, 4)] {
        let insts: Vec<Instance> = (0..seeds)
            .map(|seed| {
                generate(&GenConfig {
                    users: n,
                    servers: m,
                    seed,
                    ..GenConfig::default()
                })
            })
            .collect::<llm_offload::Result<_>>()?;
        let results: Vec<_> = rules.iter().map(|(_, s)| run(s, &insts, 0)).collect();
        let old = results[1].0;
        for ((name, _), (obj, ms, rounds)) in rules.iter().zip(&results) {
            println!(
                "| {n} | {m} | {name} | {obj:.6} | {:+.3} % | {ms:.3} | {rounds:.1} |",
                (obj / old - 1.0) * 100.0
            );
        }
    }
    let mut files: Vec<_> = std::fs::read_dir("instances")?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .flat_map(|d| std::fs::read_dir(d).into_iter().flatten())
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json") && !p.ends_with("example.json"))
        .collect();
    files.sort();
    let (mut same, mut total) = (0, 0);
    for f in &files {
        let Ok(inst) = Instance::load(Path::new(f)) else {
            continue;
        };
        for seed in [0, 1] {
            let a: Vec<f64> = rules
                .iter()
                .map(|(_, s)| run(s, std::slice::from_ref(&inst), seed).0)
                .collect();
            total += 1;
            assert!(
                llm_offload::solver::approx_eq(a[1], a[2]),
                "bounded pricing changed an answer on {}",
                f.display()
            );
            if llm_offload::solver::approx_eq(a[0], a[1]) {
                same += 1;
            } else {
                println!(
                    "library: {} seed {seed}: {:.9} (default) vs {:.9} ({:+.4} %)",
                    f.display(),
                    a[0],
                    a[1],
                    (a[0] / a[1] - 1.0) * 100.0
                );
            }
        }
    }
    println!("library: {same} of {total} solves (instances x seeds 0, 1) give the same objective");
    Ok(())
}
