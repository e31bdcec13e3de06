//! GOA: the fast lazy-queue `goa` against the straightforward `goa-reference`, and
//! the marginal-gap `goa-marginal`, on fixed-seed paper instances (built outside the
//! timed loop), one group per size axis.
//!
//! `cargo bench --bench goa` (add `-- --quick` for a shorter run). The groups:
//! - `goa/users`: N in {25, 50, 100, 120, 200, 400}, M = 4;
//! - `goa/servers`: M in {2, 4, 8, 16}, N = 100.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use llm_offload::sources::generate::{generate, GenConfig};
use llm_offload::{solvers, Instance, Limits};

fn instance(users: usize, servers: usize) -> Instance {
    generate(&GenConfig {
        users,
        servers,
        seed: 1,
        ..GenConfig::default()
    })
    .expect("valid config")
}

fn bench_axis(
    c: &mut Criterion,
    group: &str,
    sizes: &[(usize, usize)],
    param: impl Fn(usize, usize) -> usize,
) {
    let limits = Limits::default();
    let mut g = c.benchmark_group(group);
    g.sample_size(10);
    for &(n, m) in sizes {
        let inst = instance(n, m);
        for name in ["goa", "goa-marginal", "goa-reference"] {
            let solver = solvers::by_name(name).expect("registered");
            g.bench_with_input(BenchmarkId::new(name, param(n, m)), &inst, |b, inst| {
                b.iter(|| solver.solve(inst, &limits).expect("solves"));
            });
        }
    }
    g.finish();
}

fn users(c: &mut Criterion) {
    let sizes: Vec<(usize, usize)> = [25, 50, 100, 120, 200, 400]
        .iter()
        .map(|&n| (n, 4))
        .collect();
    bench_axis(c, "goa/users", &sizes, |n, _| n);
}

fn servers(c: &mut Criterion) {
    let sizes: Vec<(usize, usize)> = [2, 4, 8, 16].iter().map(|&m| (100, m)).collect();
    bench_axis(c, "goa/servers", &sizes, |_, m| m);
}

criterion_group! {
    name = benches;
    config = Criterion::default().without_plots();
    targets = users, servers
}
criterion_main!(benches);
