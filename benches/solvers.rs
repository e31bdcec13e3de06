//! Every registered solver on fixed-seed paper instances, one criterion group per
//! size (instances built outside the timed loop). Exact solvers run only at the
//! smallest sizes (N <= `EXACT_MAX_USERS`): they are exponential or MIP-sized.
//!
//! `cargo bench --bench solvers` takes a few minutes; `-- n10` runs one group.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use llm_offload::sources::generate::{generate, GenConfig};
use llm_offload::{solvers, Limits};

/// Largest N at which exact solvers are benched.
const EXACT_MAX_USERS: usize = 8;

/// (N, interference) of the groups: tiny (exact solvers too), small, paper-like.
const SIZES: [(usize, bool); 5] = [(6, false), (6, true), (20, true), (60, true), (120, true)];

fn bench_solvers(c: &mut Criterion) {
    let limits = Limits::default();
    for (n, interference) in SIZES {
        let inst = generate(&GenConfig {
            users: n,
            servers: if n <= EXACT_MAX_USERS { 2 } else { 4 },
            seed: 1,
            interference,
            ..GenConfig::default()
        })
        .expect("generator settings are valid");
        let name = format!(
            "n{n}-m{}-{}",
            inst.n_servers(),
            if interference { "int" } else { "noint" }
        );
        let mut group = c.benchmark_group(name);
        group.sample_size(10);
        group.warm_up_time(std::time::Duration::from_millis(300));
        group.measurement_time(std::time::Duration::from_secs(1));
        for s in solvers::all() {
            if s.is_exact() && n > EXACT_MAX_USERS {
                continue;
            }
            // A solver that refuses this instance (unsupported regime) is left out.
            if s.solve(&inst, &limits).is_err() {
                continue;
            }
            group.bench_function(BenchmarkId::from_parameter(s.name()), |b| {
                b.iter(|| s.solve(&inst, &limits).expect("solved once already"));
            });
        }
        group.finish();
    }
}

criterion_group! {
    name = benches;
    // Criterion's plotters charts need a system font, absent on CI images (it panics
    // with FontUnavailable); the numbers do not need them.
    config = Criterion::default().without_plots();
    targets = bench_solvers
}
criterion_main!(benches);
