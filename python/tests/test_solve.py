"""Solving: every solver on tiny instances, objectives equal to the model's
evaluation, bounds never above feasible objectives, exact solvers agreeing, and
`evaluate` being exactly `check`."""

import json
import math
import subprocess

import pytest

import llm_offload as lo

EXACT_BUDGET = {"time_limit": 30.0}


def test_solver_registry():
    names = lo.solvers()
    assert {"goa", "mip", "exhaustive", "tree-search", "all-local"} <= set(names)
    info = {d["name"]: d for d in lo.solver_info()}
    assert list(info) == names
    assert info["exhaustive"]["exact"] and not info["goa"]["exact"]
    assert info["all-local"]["ignores_tau"] and not info["all-local-tau"]["ignores_tau"]


@pytest.mark.parametrize("algo", lo.solvers())
def test_every_solver_answers_honestly(algo, tiny_paths):
    exact = {d["name"]: d["exact"] for d in lo.solver_info()}
    ignores_tau = {d["name"]: d["ignores_tau"] for d in lo.solver_info()}
    for p in tiny_paths[:4]:
        inst = lo.Instance.load(p)
        out = lo.solve(inst, algo, seed=3, **EXACT_BUDGET)
        assert out.algorithm == algo and out.instance == inst.name
        assert len(out.assignment) == inst.num_users
        assert all(s is None or 0 <= s < inst.num_servers for s in out.assignment)
        assert out.variants == [0] * inst.num_users
        # The objective is the model's evaluation of the assignment.
        again = lo.evaluate(inst, out.assignment, out.variants)
        assert again.objective == out.objective
        assert again.feasible == out.feasible
        assert out.evaluation.objective == out.objective
        assert math.isclose(sum(out.evaluation.cost), out.objective, rel_tol=1e-12)
        assert sum(out.evaluation.loads) == out.evaluation.offloaded
        if not ignores_tau[algo]:
            assert out.feasible, (algo, p.name, out.violations)
        if out.bound is not None:
            assert out.bound_kind in ("optimum", "interference-free relaxation")
            if out.feasible:
                assert out.bound <= out.objective * (1 + lo.TOLERANCE), (algo, p.name)
        else:
            assert out.bound_kind is None and not out.proven_optimal
        if exact[algo] and out.status == "completed" and inst.interference is False:
            assert out.proven_optimal, (algo, p.name)
        assert out.elapsed_s >= 0.0
        assert out.status in ("completed", "converged", "time_limit", "node_limit", "iteration_limit")


def test_exact_solvers_agree_and_bound_the_heuristics(tiny_paths):
    for p in tiny_paths:
        inst = lo.Instance.load(p)
        opt = lo.solve(inst, "exhaustive")
        assert opt.proven_optimal and opt.bound_kind == "optimum"
        tree = lo.solve(inst, "tree-search")
        assert lo.relative_gap(tree.objective, opt.objective) == 0.0
        mip = lo.solve(inst, "mip")
        assert mip.bound <= opt.objective * (1 + lo.TOLERANCE)
        if not inst.interference:
            assert mip.proven_optimal and lo.relative_gap(mip.objective, opt.objective) == 0.0
        for algo in ("goa", "local-search", "min-delay-tau"):
            assert lo.relative_gap(lo.solve(inst, algo).objective, opt.objective) >= 0.0


def test_seeds_are_recorded(tiny_path):
    inst = lo.Instance.load(tiny_path)
    assert lo.solve(inst, "random", seed=7).seed == 7
    assert lo.solve(inst, "random").seed == 0
    assert lo.solve(inst, "goa", seed=7).seed is None


def test_solution_json_is_the_clis(tiny_path, cli):
    inst = lo.Instance.load(tiny_path)
    out = lo.solve(inst, "goa")
    ours = out.to_dict()
    assert json.loads(out.to_json()) == ours
    theirs = json.loads(
        subprocess.run([cli, "solve", tiny_path, "--format", "json"], capture_output=True,
                       text=True, check=True).stdout
    )
    for d in (ours, theirs):
        d.pop("elapsed_s")
    assert ours == theirs


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"algo": "nope"}, "unknown solver `nope`; known solvers: goa"),
        ({"algo": "goa", "time_limit": 0.0}, "`time_limit`"),
        ({"algo": "goa", "time_limit": -1.0}, "`time_limit`"),
        ({"algo": "goa", "time_limit": float("nan")}, "`time_limit`"),
        ({"algo": "goa", "time_limit": 1e12}, "`time_limit`"),
        ({"algo": "mip", "threads": 0}, "`threads`"),
    ],
)
def test_bad_solve_settings_are_value_errors(tiny_path, kwargs, match):
    inst = lo.Instance.load(tiny_path)
    with pytest.raises(ValueError, match=match):
        lo.solve(inst, **kwargs)


def test_refused_instance_is_a_value_error():
    inst = lo.generate(users=40, servers=4)
    with pytest.raises(ValueError, match="exhaustive"):
        lo.solve(inst, "exhaustive")


def test_evaluate_is_check(tiny_path, tmp_path, cli):
    inst = lo.Instance.load(tiny_path)
    forced = [i for i, f in enumerate(inst.forced) if f]
    # Everyone local: infeasible when someone must offload.
    local = [None] * inst.num_users
    out = lo.evaluate(inst, local)
    assert out.algorithm == "given" and out.bound is None and out.status == "completed"
    assert out.feasible == (not forced)
    assert [v["user"] for v in out.violations] == forced
    assert all(v["kind"] == "forced_local" and "answers locally" in v["message"]
               for v in out.violations)
    sol = tmp_path / "s.json"
    sol.write_text(json.dumps({"assignment": local}))
    run = subprocess.run([cli, "check", tiny_path, sol, "--format", "json"],
                         capture_output=True, text=True)
    assert run.returncode == (3 if forced else 0)
    theirs = json.loads(run.stdout)
    theirs.pop("claimed_objective")
    ours = out.to_dict()
    # check writes violations without the message text; the rest is identical.
    assert [dict(v, message=None) for v in theirs.pop("violations")] == \
        [dict(v, message=None) for v in ours.pop("violations")]
    assert ours == theirs


def test_capacity_violations(tiny_path):
    raw = json.loads(tiny_path.read_text())
    for s in raw["servers"]:
        s["max_users"] = 1
    inst = lo.Instance.from_json(json.dumps(raw))
    np_max = inst.servers["max_users"]
    assert list(np_max) == [1.0] * inst.num_servers
    everyone_on_0 = [0] * inst.num_users
    ev = lo.evaluate(inst, everyone_on_0).evaluation
    assert not ev.feasible
    over = [v for v in ev.violations if v["kind"] == "over_capacity"]
    assert over == [{"kind": "over_capacity", "server": 0, "load": inst.num_users,
                     "max_users": 1, "message": over[0]["message"]}]
    assert lo.solve(inst, "goa").feasible


@pytest.mark.parametrize(
    "assignment, variants, match",
    [
        ([None] * 3, None, "3 entries for 4 users"),
        ([0, 0, 0, 9], None, r"assignment\[3\] = 9"),
        ([0, 0, 0, -1], None, r"assignment\[3\]"),
        ([0, 0, 0, 0], [0, 0, 0, 2], r"variants\[3\] = 2"),
        ([0, 0, 0, 0], [0, 0], "`variants` has 2 entries"),
    ],
)
def test_assignments_that_do_not_fit_are_value_errors(tiny_path, assignment, variants, match):
    inst = lo.Instance.load(tiny_path)
    with pytest.raises(ValueError, match=match):
        lo.evaluate(inst, assignment, variants)


def test_variants_appear_per_user():
    inst = lo.generate(users=5, servers=2, seed=1, variants="llama2")
    out = lo.solve(inst, "exhaustive")
    assert len(out.variants) == 5
    assert all(0 <= v < 3 for v in out.variants)
    assert lo.evaluate(inst, out.assignment, out.variants).objective == out.objective
    assert out.evaluation.mean_perplexity is not None
