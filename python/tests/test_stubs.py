"""The type stubs (llm_offload.pyi) name exactly what the module has."""

import ast
import pathlib

import llm_offload as lo

STUBS = pathlib.Path(__file__).resolve().parents[1] / "llm_offload.pyi"


def _stub_names():
    tree = ast.parse(STUBS.read_text())
    top, classes = set(), {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            top.add(node.name)
        elif isinstance(node, ast.ClassDef):
            top.add(node.name)
            classes[node.name] = {n.name for n in node.body if isinstance(n, ast.FunctionDef)}
        elif isinstance(node, ast.AnnAssign):
            top.add(node.target.id)
    return top, classes


def test_stubs_match_the_module():
    top, classes = _stub_names()
    public = {n for n in dir(lo) if not n.startswith("__")} - {"llm_offload"} | {"__version__"}
    assert lo.__version__
    assert top == public
    for name, members in classes.items():
        cls = getattr(lo, name)
        have = {n for n in dir(cls) if not n.startswith("_")}
        assert members - {"__eq__"} == have, name
