//! Measures `tree-search` on generated paper instances: nodes, time and status for
//! each user order and incumbent, against the leaves of full enumeration (`exhaustive::search_size`).
//!
//! `cargo run --release --example tree_search_orders -- N_FROM N_TO SEEDS [TIME_LIMIT_S]`

use std::time::Duration;

use llm_offload::solvers::exhaustive::search_size;
use llm_offload::solvers::tree_search::{Incumbent, Params, TreeSearch, UserOrder};
use llm_offload::sources::generate::{generate, GenConfig};
use llm_offload::{Limits, Solver};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let get = |k: usize, d: f64| args.get(k).and_then(|s| s.parse().ok()).unwrap_or(d);
    let (from, to, seeds) = (
        get(0, 8.0) as usize,
        get(1, 12.0) as usize,
        get(2, 3.0) as u64,
    );
    let limits = Limits {
        time_limit: Some(Duration::from_secs_f64(get(3, 60.0))),
        ..Limits::default()
    };
    println!("| N | seed | order | incumbent | status | nodes | leaves of enumeration | time s |");
    println!("|---|---|---|---|---|---|---|---|");
    for n in from..=to {
        for seed in 0..seeds {
            let inst = generate(&GenConfig {
                users: n,
                seed,
                ..GenConfig::default()
            })?;
            let leaves = search_size(&inst) as f64;
            for user_order in [UserOrder::Index, UserOrder::Weight] {
                for incumbent in [Incumbent::None, Incumbent::Both] {
                    let s = TreeSearch {
                        params: Params {
                            user_order,
                            incumbent,
                        },
                    };
                    let out = s.solve(&inst, &limits)?;
                    println!(
                        "| {n} | {seed} | {user_order:?} | {incumbent:?} | {:?} | {} | {:.3e} | {:.3} |",
                        out.status(),
                        out.stats().nodes.unwrap_or(0),
                        leaves,
                        out.elapsed_s()
                    );
                }
            }
        }
    }
    Ok(())
}
