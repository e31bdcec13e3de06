"""Instances: loading, JSON round trips, the numpy views, the generator, and bad
input raising ValueError with the CLI's field-level message."""

import json
import subprocess

import numpy as np
import pytest

import llm_offload as lo


def test_load_and_round_trip(tiny_paths):
    for p in tiny_paths:
        inst = lo.Instance.load(p)
        assert inst.name == p.stem
        text = inst.to_json()
        back = lo.Instance.from_json(text)
        assert back == inst
        assert back.to_json() == text
        # Also as a str path, and the JSON is the file's (same users and gains).
        assert lo.Instance.load(str(p)) == inst
        raw = json.loads(p.read_text())
        assert inst.num_users == len(raw["users"])
        assert inst.num_servers == len(raw["servers"])


def test_arrays_are_the_file_numbers(tiny_path):
    inst = lo.Instance.load(tiny_path)
    raw = json.loads(tiny_path.read_text())
    n, m = inst.num_users, inst.num_servers
    assert inst.gain.shape == (n, m) and inst.gain.dtype == np.float64
    np.testing.assert_array_equal(inst.gain, np.array(raw["gain"]))
    users = inst.users
    for field in ("prompt_bits", "local_flops", "edge_flops", "local_flops_per_s", "tx_power_w"):
        assert users[field].shape == (n,)
        np.testing.assert_array_equal(users[field], [u[field] for u in raw["users"]])
    np.testing.assert_array_equal(inst.alpha, [u["uncertainty"] for u in raw["users"]])
    np.testing.assert_array_equal(inst.forced, inst.alpha > inst.tau)
    assert np.isnan(users["realised_edge_flops"]).all()  # absent in this file
    servers = inst.servers
    for field in ("bandwidth_hz", "flops_per_s", "max_flops_per_user", "noise_w"):
        np.testing.assert_array_equal(servers[field], [s[field] for s in raw["servers"]])
    assert np.isnan(servers["max_users"]).all()
    # Copies: editing one changes nothing.
    g = inst.gain
    g[0, 0] = -1.0
    assert inst.gain[0, 0] == raw["gain"][0][0]


def test_generate_is_the_cli_generator(cli):
    inst = lo.generate(users=7, servers=3, seed=5, tau=0.6, interference=False)
    assert (inst.num_users, inst.num_servers, inst.tau, inst.interference) == (7, 3, 0.6, False)
    out = subprocess.run(
        [cli, "generate", "-n", "7", "-m", "3", "--seed", "5", "--tau", "0.6", "--no-interference"],
        capture_output=True, text=True, check=True,
    ).stdout
    assert inst.to_json() == out
    assert lo.generate(users=7, servers=3, seed=5, tau=0.6, interference=False) == inst
    assert lo.generate(users=7, servers=3, seed=6, tau=0.6, interference=False) != inst
    k = lo.generate(users=5, scenario="kim2026", variants="llama2")
    assert k.has_variants and k.num_device_variants == 3


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"users": 0}, "`users`"),
        ({"users": -3}, "`users`"),
        ({"users": 4, "servers": 0}, "`servers`"),
        ({"users": 4, "tau": 1.5}, "`tau`"),
        ({"users": 4, "scenario": "nope"}, "`scenario`"),
        ({"users": 4, "weights": "nope"}, "`weights`"),
        ({"users": 4, "variants": "nope"}, "`variants`"),
    ],
)
def test_bad_generator_settings_are_value_errors(kwargs, field):
    with pytest.raises(ValueError, match=field):
        lo.generate(**kwargs)


def _broken(tiny_path, tmp_path, edit):
    raw = json.loads(tiny_path.read_text())
    edit(raw)
    p = tmp_path / "bad.json"
    p.write_text(json.dumps(raw))
    return p


BAD_EDITS = [
    ("users[2].prompt_bits", lambda d: d["users"][2].__setitem__("prompt_bits", -5)),
    ("tau", lambda d: d.__setitem__("tau", 2)),
    ("gain[1][0]", lambda d: d["gain"][1].__setitem__(0, -1e-9)),
    ("servers[0].noise_w", lambda d: d["servers"][0].__setitem__("noise_w", 0)),
]


@pytest.mark.parametrize("field, edit", BAD_EDITS, ids=[b[0] for b in BAD_EDITS])
def test_bad_instance_is_a_value_error_naming_the_field(tiny_path, tmp_path, field, edit):
    p = _broken(tiny_path, tmp_path, edit)
    with pytest.raises(ValueError) as err:
        lo.Instance.load(p)
    msg = str(err.value)
    assert str(p) in msg and f"`{field}`" in msg, msg
    with pytest.raises(ValueError, match=field.replace("[", r"\[").replace("]", r"\]")):
        lo.Instance.from_json(p.read_text(), origin="mine")


@pytest.mark.parametrize("field, edit", BAD_EDITS, ids=[b[0] for b in BAD_EDITS])
def test_bad_instance_message_is_the_clis(tiny_path, tmp_path, field, edit, cli):
    p = _broken(tiny_path, tmp_path, edit)
    with pytest.raises(ValueError) as err:
        lo.Instance.load(p)
    run = subprocess.run([cli, "solve", p], capture_output=True, text=True)
    assert run.returncode == 1
    assert run.stderr.strip() == f"error: {err.value}"


def test_malformed_and_missing_files(tmp_path):
    p = tmp_path / "x.json"
    p.write_text('{"tau": 0.5,')
    with pytest.raises(ValueError, match="x.json"):
        lo.Instance.load(p)
    with pytest.raises(ValueError, match="unknown field"):
        lo.Instance.from_json('{"tau": 0.5, "users": [], "servers": [], "gain": [], "extra": 1}')
    with pytest.raises(FileNotFoundError, match="missing.json"):
        lo.Instance.load(tmp_path / "missing.json")
    inst = lo.generate(users=3)
    with pytest.raises(ValueError, match="tau"):
        inst.with_tau(-0.1)
    assert inst.with_tau(0.2).tau == 0.2
