"""Shared fixtures: the repository's bundled instances and, when built, the CLI
(whose output the bindings must match)."""

import os
import pathlib
import shutil

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
TINY = REPO / "instances" / "tiny"


def cli_binary():
    """The llm-offload binary: $LLM_OFFLOAD_BIN, else target/debug (built by `cargo
    test`, which `make test` runs first), else target/release, else None."""
    env = os.environ.get("LLM_OFFLOAD_BIN")
    if env:
        return pathlib.Path(env)
    for profile in ("debug", "release"):
        p = REPO / "target" / profile / "llm-offload"
        if p.exists():
            return p
    found = shutil.which("llm-offload")
    return pathlib.Path(found) if found else None


@pytest.fixture
def tiny_paths():
    paths = sorted(TINY.glob("*.json"))
    assert paths, f"no instances in {TINY}"
    return paths


@pytest.fixture
def tiny_path():
    return TINY / "paper-n4-m2-s1.json"


@pytest.fixture
def cli():
    """The CLI binary; the tests that compare against it are skipped (and say so)
    when none is built."""
    b = cli_binary()
    if b is None:
        pytest.skip("no llm-offload binary (cargo test or cargo build --release builds it)")
    return b
