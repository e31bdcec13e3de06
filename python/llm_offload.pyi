"""Type stubs of the llm_offload extension module (python/src/*.rs).

Which mobile users' LLM queries run on the device and which go to which edge
server: validated instances, every solver of the Rust crate, and the model's own
evaluation of any assignment. docs/python.md is the guide.
"""

import os
from typing import Any, Optional, Sequence

import numpy as np
import numpy.typing as npt

__version__: str
TOLERANCE: float
"""The one relative tolerance: equal when |a - b| <= TOLERANCE * max(|a|, |b|)."""
GAP_DEFINITION: str
"""The gap definition printed in every table header."""

class Instance:
    """A validated instance (SPEC 1 and 8); immutable. Arrays are fresh copies."""

    @staticmethod
    def load(path: str | os.PathLike[str]) -> Instance:
        """Reads and validates an instance file.

        Raises FileNotFoundError / OSError when it cannot be read, ValueError
        naming the file, field, value and rule when it is not a valid instance.
        """
    @staticmethod
    def from_json(text: str, origin: str = "<string>") -> Instance:
        """Parses and validates instance JSON; `origin` names it in errors."""
    def to_json(self) -> str:
        """The instance file as JSON text (SPEC 8); from_json reads it back equal."""
    def with_tau(self, tau: float) -> Instance:
        """A copy with another threshold tau (ValueError outside [0, 1] or when
        the max_users caps cannot hold the users it forces to offload)."""
    @property
    def name(self) -> str: ...
    @property
    def num_users(self) -> int:
        """N."""
    @property
    def num_servers(self) -> int:
        """M."""
    @property
    def tau(self) -> float:
        """Users with alpha > tau must offload."""
    @property
    def weights(self) -> str:
        """'uncertainty' (w_i = alpha_i) or 'uniform' (w_i = 1)."""
    @property
    def interference(self) -> bool: ...
    @property
    def lambda_(self) -> float:
        """Weight of the perplexity penalty."""
    @property
    def has_variants(self) -> bool: ...
    @property
    def num_device_variants(self) -> int: ...
    @property
    def num_server_variants(self) -> list[int]: ...
    @property
    def gain(self) -> npt.NDArray[np.float64]:
        """G, shape (N, M): linear power gains."""
    @property
    def alpha(self) -> npt.NDArray[np.float64]:
        """Each user's uncertainty alpha_i, shape (N,)."""
    @property
    def forced(self) -> npt.NDArray[np.bool_]:
        """Whether each user must offload (alpha_i > tau), shape (N,)."""
    @property
    def users(self) -> dict[str, npt.NDArray[np.float64]]:
        """Users' numeric fields by file name (prompt_bits, local_flops,
        edge_flops, realised_edge_flops, local_flops_per_s, tx_power_w,
        uncertainty, p_correct_local, p_correct_edge, output_tokens), each of
        shape (N,); optional fields are NaN where absent."""
    @property
    def servers(self) -> dict[str, npt.NDArray[np.float64]]:
        """Servers' numeric fields (bandwidth_hz, flops_per_s,
        max_flops_per_user, noise_w, max_users), each of shape (M,);
        max_users is NaN where a server has no cap."""
    def __eq__(self, other: object) -> bool: ...

class Evaluation:
    """The from-scratch evaluation of an assignment (SPEC 3)."""

    @property
    def objective(self) -> float: ...
    @property
    def mean_delay_s(self) -> float: ...
    @property
    def mean_comm_s(self) -> float: ...
    @property
    def mean_comp_s(self) -> float: ...
    @property
    def mean_local_s(self) -> float: ...
    @property
    def accuracy(self) -> Optional[float]: ...
    @property
    def offloaded(self) -> int: ...
    @property
    def loads(self) -> list[int]:
        """Users per server."""
    @property
    def token_throughput(self) -> Optional[float]: ...
    @property
    def mean_perplexity(self) -> Optional[float]: ...
    @property
    def feasible(self) -> bool: ...
    @property
    def violations(self) -> list[dict[str, Any]]:
        """Broken constraints: {'kind': 'forced_local' | 'over_capacity', its
        fields..., 'message': the text `check` prints}."""
    @property
    def delay_s(self) -> npt.NDArray[np.float64]:
        """Each user's delay d_i (s)."""
    @property
    def cost(self) -> npt.NDArray[np.float64]:
        """Each user's cost; they sum to the objective."""
    def to_dict(self) -> dict[str, Any]: ...

class Outcome:
    """A solve's answer, or (from `evaluate`) a given assignment's, always with
    the objective recomputed by the model."""

    @property
    def algorithm(self) -> str:
        """Solver name; 'given' for evaluate."""
    @property
    def instance(self) -> str: ...
    @property
    def assignment(self) -> list[Optional[int]]:
        """Server index per user; None where it answers on its device."""
    @property
    def variants(self) -> list[int]:
        """Model variant per user on the side it runs on; all 0 without variants."""
    @property
    def objective(self) -> float: ...
    @property
    def bound(self) -> Optional[float]:
        """A proven lower bound on the optimum, or None."""
    @property
    def bound_kind(self) -> Optional[str]:
        """'optimum' or 'interference-free relaxation', or None."""
    @property
    def proven_optimal(self) -> bool:
        """Feasible and bound == objective within TOLERANCE."""
    @property
    def feasible(self) -> bool: ...
    @property
    def violations(self) -> list[dict[str, Any]]: ...
    @property
    def status(self) -> str:
        """'completed', 'converged', 'time_limit', 'node_limit' or 'iteration_limit'."""
    @property
    def elapsed_s(self) -> float:
        """Wall time of the solver's search (s), measured in Rust."""
    @property
    def seed(self) -> Optional[int]: ...
    @property
    def evaluation(self) -> Evaluation: ...
    def to_dict(self) -> dict[str, Any]:
        """The solution (SPEC 8), as `llm-offload solve --format json` writes it."""
    def to_json(self) -> str: ...

def solvers() -> list[str]:
    """Registered solver names."""

def solver_info() -> list[dict[str, Any]]:
    """name, description, exact, ignores_tau, seeded for every solver."""

def generate(
    users: int,
    servers: int = 4,
    seed: int = 0,
    tau: float = 0.8,
    interference: bool = True,
    scenario: str = "paper",
    weights: str = "uncertainty",
    variants: Optional[str] = None,
    lambda_: Optional[float] = None,
) -> Instance:
    """A generated instance, as `llm-offload generate` (same settings, same bytes).

    scenario: 'paper' or 'kim2026'; weights: 'uncertainty' or 'uniform';
    variants: None or 'llama2'.
    """

def solve(
    inst: Instance,
    algo: str,
    time_limit: Optional[float] = None,
    seed: Optional[int] = None,
    node_limit: Optional[int] = None,
    threads: int = 1,
) -> Outcome:
    """Solves `inst` with the solver `algo` (see solvers()); releases the GIL.

    Raises ValueError for an unknown solver, bad limits or an instance the
    solver refuses; RuntimeError when the solver fails.
    """

def evaluate(
    inst: Instance,
    assignment: Sequence[Optional[int]],
    variants: Optional[Sequence[int]] = None,
) -> Outcome:
    """Evaluates an assignment exactly as `llm-offload check`: objective,
    feasibility, broken constraints. ValueError when it does not fit `inst`."""

def relative_gap(value: float, reference: float) -> float:
    """(value - reference) / max(|reference|, 1e-9); 0 when equal within TOLERANCE."""

def _rust_solve_times(inst: Instance, algo: str, repeats: int) -> list[float]:
    """Internal (python/bench/overhead.py): wall times of the Rust solve call."""
