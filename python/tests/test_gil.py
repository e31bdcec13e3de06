"""Solves release the GIL: Python threads run while a solve runs, and several solves
run at once."""

import threading
import time

import llm_offload as lo


def _long_solve(at_least_s=0.1):
    """An exhaustive search long enough to observe: the smallest N from 9 up whose
    solve takes `at_least_s` in this build (dev or release)."""
    for n in range(9, 16):
        inst = lo.generate(users=n, servers=2, seed=4, interference=True)
        start = time.perf_counter()
        lo.solve(inst, "exhaustive")
        if time.perf_counter() - start >= at_least_s:
            break
    return inst, "exhaustive"


def test_python_runs_while_a_solve_runs():
    inst, algo = _long_solve()
    span = {}

    def work():
        span["start"] = time.perf_counter()
        span["out"] = lo.solve(inst, algo)
        span["end"] = time.perf_counter()

    ticks = []
    t = threading.Thread(target=work)
    t.start()
    while t.is_alive():
        ticks.append(time.perf_counter())
        time.sleep(0.001)
    t.join()
    assert span["out"].proven_optimal
    assert span["end"] - span["start"] > 0.05, "solve too short to observe"
    # Had the solve held the GIL, the main thread could not tick during it.
    inside = [x for x in ticks if span["start"] + 0.01 < x < span["end"] - 0.01]
    assert len(inside) >= 10, (len(inside), span["end"] - span["start"])


def test_two_solves_overlap():
    inst, algo = _long_solve()
    outs = [None, None]

    def work(k):
        outs[k] = lo.solve(inst, algo)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    assert outs[0].objective == outs[1].objective
    # Each search's elapsed_s is a wall-clock interval inside [start, start + wall].
    # With the GIL held the two would be disjoint, so wall >= their sum; released,
    # they run at once and wall is about the longer one.
    busy = outs[0].elapsed_s + outs[1].elapsed_s
    assert wall < 0.8 * busy, (wall, outs[0].elapsed_s, outs[1].elapsed_s)
