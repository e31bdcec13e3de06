"""What calling `solve` from Python costs over the Rust call: GOA at N = 120.

Times, in one process and interleaved in rounds (so that machine load falls on
both alike):

- python: the wall time of `llm_offload.solve(inst, "goa")` around the call in
  Python (`time.perf_counter_ns`): argument conversion, the registry look-up, the
  GIL released and re-taken, the Outcome object;
- rust: the wall time of the Rust call `solvers::by_name("goa")?.solve(&inst,
  &Limits::default())`, each call timed in Rust (`llm_offload._rust_solve_times`);
- and the solver's own `elapsed_s` (the search alone, without the final
  evaluation), for reference.

The overhead is median(python) - median(rust); the target is <= 20 us. Build the
extension optimised first (`maturin develop --release -m python/Cargo.toml` in the
virtual environment, or `pip install ./python`): the dev build `make test` uses is
unoptimised in the crate itself and says nothing about speed.

    target/venv/bin/python python/bench/overhead.py [--users 120] [--rounds 30] [--calls 50]
"""

import argparse
import platform
import statistics
import time

import llm_offload as lo


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=120)
    ap.add_argument("--servers", type=int, default=4)
    ap.add_argument("--seed", type=int, default=1, help="as benches/goa.rs")
    ap.add_argument("--algo", default="goa")
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--calls", type=int, default=50, help="calls per side per round")
    a = ap.parse_args()

    inst = lo.generate(users=a.users, servers=a.servers, seed=a.seed)
    for _ in range(20):  # warm up both paths
        lo.solve(inst, a.algo)
    lo._rust_solve_times(inst, a.algo, 20)

    py, rust, search = [], [], []
    for _ in range(a.rounds):
        for _ in range(a.calls):
            t0 = time.perf_counter_ns()
            out = lo.solve(inst, a.algo)
            py.append((time.perf_counter_ns() - t0) * 1e-9)
            search.append(out.elapsed_s)
        rust.extend(lo._rust_solve_times(inst, a.algo, a.calls))

    med = {k: statistics.median(v) for k, v in (("python", py), ("rust", rust), ("search", search))}
    q = {k: statistics.quantiles(v, n=4) for k, v in (("python", py), ("rust", rust))}
    over = med["python"] - med["rust"]
    print(f"{a.algo}, N = {a.users}, M = {a.servers}, seed {a.seed}: {a.rounds} rounds x "
          f"{a.calls} calls per side, interleaved; Python {platform.python_version()}, "
          f"llm_offload {lo.__version__}")
    print(f"{'':28} {'median':>10} {'q1':>10} {'q3':>10}")
    for k, label in (("python", "llm_offload.solve (Python)"), ("rust", "Solver::solve (Rust)")):
        print(f"{label:28} {med[k] * 1e6:8.1f}us {q[k][0] * 1e6:8.1f}us {q[k][2] * 1e6:8.1f}us")
    print(f"{'search alone (elapsed_s)':28} {med['search'] * 1e6:8.1f}us")
    print(f"overhead of the Python call: {over * 1e6:.1f} us (target <= 20 us): "
          f"{'met' if over <= 20e-6 else 'MISSED'}")


if __name__ == "__main__":
    main()
