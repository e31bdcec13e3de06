//! Measures the interference-aware bound of `mip` (docs/exact.md, "Interference")
//! with its settings exposed, one run per process:
//!
//!     cargo run --release --example interference_bound -- INSTANCE SECONDS [SETTING[,SETTING...]]
//!
//! Settings: `count` (the default of `mip`), `count-only`, `count-refine-all`,
//! `count-continuous` (continuous edge columns in every bucketed MIP), `count-binary`
//! (binary ones at every size), `buckets`, and the modifiers `no-secants` (costs at each
//! bucket's lower end only, the method before secant pricing) and `progress` (one
//! line per MIP on stderr, also when it is not a terminal).
//!
//! Prints one JSON line: instance, setting, objective, bound, gap, status, seconds,
//! rounds, why it stopped.

use std::time::{Duration, Instant};

use llm_offload::solvers::mip::interference::{self, Method, Params, Secants};
use llm_offload::{Instance, Limits};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [path, secs, rest @ ..] = args.as_slice() else {
        return Err("usage: interference_bound INSTANCE SECONDS [setting]".into());
    };
    let setting = rest.first().map_or("count", String::as_str);
    let mut params = Params::default();
    for one in setting.split(',') {
        apply(&mut params, one)?;
    }
    let inst = Instance::load(std::path::Path::new(path))?;
    let limits = Limits {
        time_limit: Some(Duration::from_secs_f64(secs.parse()?)),
        ..Limits::default()
    };
    let start = Instant::now();
    let b = interference::solve(&inst, &limits, start, &params)?;
    let bound = b.bound.unwrap_or(f64::NAN);
    println!(
        "{}",
        serde_json::json!({
            "instance": inst.name(),
            "setting": setting,
            "objective": b.objective,
            "bound": bound,
            "gap": (b.objective - bound) / b.objective,
            "status": b.status,
            "seconds": start.elapsed().as_secs_f64(),
            "rounds": b.diagnostics.rounds.len(),
            "stopped": b.diagnostics.stopped,
            "first_incumbent": b.diagnostics.first_incumbent_objective,
        })
    );
    Ok(())
}

/// Applies one setting or modifier to `params`.
fn apply(params: &mut Params, setting: &str) -> Result<(), Box<dyn std::error::Error>> {
    match setting {
        "count" => {}
        "count-only" => params.refine = false,
        // Refinement at any N (what `count` does too since it is given a time limit;
        // kept for the runs BENCHMARKS.md quotes).
        "count-refine-all" => params.refine_max_users = usize::MAX,
        "count-continuous" => params.binary_edges_max_users = 0,
        "count-binary" => params.binary_edges_max_users = usize::MAX,
        "buckets" => params.method = Method::Buckets,
        "no-secants" => params.secants = Secants::Off,
        "least-secants" => params.secants = Secants::Least,
        "progress" => params.progress = true,
        other => return Err(format!("unknown setting {other}").into()),
    }
    Ok(())
}
