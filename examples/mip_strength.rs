//! Measures what each strengthening of the MIP buys: solves instance files with one
//! formulation setting and prints one CSV line per instance (wall time, status,
//! model size, HiGHS's simplex iterations).
//!
//! `cargo run --release --example mip_strength -- SETTING TIME_LIMIT_S FILES...`,
//! SETTING one of `plain`, `reduce`, `reduce+warm` (the default), `reduce+warm+link`,
//! `plain+link`, `plain+warm`. Run one setting per process, under `time`, to see the
//! CPU time beside the wall time on a shared machine.

use std::time::Duration;

use llm_offload::solver::Diagnostics;
use llm_offload::solvers::mip::{Mip, MipConfig};
use llm_offload::{Instance, Limits, Solver};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [setting, limit, files @ ..] = args.as_slice() else {
        return Err("usage: mip_strength SETTING TIME_LIMIT_S FILES...".into());
    };
    let p = MipConfig::plain();
    let config = match setting.as_str() {
        "plain" => p,
        "plain+link" => MipConfig { linking: true, ..p },
        "plain+warm" => MipConfig {
            warm_start: true,
            ..p
        },
        "reduce" => MipConfig { reduce: true, ..p },
        "reduce+warm" => MipConfig::default(),
        "reduce+warm+link" => MipConfig {
            linking: true,
            ..MipConfig::default()
        },
        other => return Err(format!("unknown setting {other}").into()),
    };
    let limits = Limits {
        time_limit: Some(Duration::from_secs_f64(limit.parse()?)),
        ..Limits::default()
    };
    println!(
        "setting,instance,users,servers,status,elapsed_s,objective,bound,columns,rows,iterations"
    );
    for f in files {
        let inst = Instance::load(std::path::Path::new(f))?;
        let out = Mip { config }.solve(&inst, &limits)?;
        let Diagnostics::Mip(x) = out.diagnostics() else {
            unreachable!("mip reports MIP diagnostics")
        };
        println!(
            "{setting},{},{},{},{:?},{:.3},{:.9},{},{},{},{}",
            inst.name(),
            inst.n_users(),
            inst.n_servers(),
            out.status(),
            out.elapsed_s(),
            out.objective(),
            out.bound_value().map_or("-".into(), |b| format!("{b:.9}")),
            x.columns,
            x.rows,
            out.stats().iterations
        );
    }
    Ok(())
}
