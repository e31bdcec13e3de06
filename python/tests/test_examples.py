"""The examples in python/examples/ run as tests (docs/python.md shows them)."""

import importlib.util
import pathlib

EXAMPLES = pathlib.Path(__file__).resolve().parents[1] / "examples"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_own_heuristic_example():
    ex = _load("own_heuristic")
    # The hypothesis property: feasible, never below the exhaustive optimum, the
    # exact solvers agreeing, on small random instances.
    ex.test_nearest_server_against_the_optimum()
    # And it is caught when wrong: a heuristic that ignores tau is infeasible.
    assert ex.counterexample_is_found()
