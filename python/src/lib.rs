//! Python bindings of the `llm_offload` library (PyO3): the module `llm_offload`.
//!
//! A thin layer: every instance is validated by [`llm_offload::Instance`], every solve
//! goes through [`llm_offload::Solver::solve`] (that is, `solver::run`) with the GIL
//! released, and `evaluate` is exactly the CLI's `check`
//! ([`llm_offload::Outcome::of_solution_file`]). Library errors become Python
//! exceptions carrying the library's message, the one the CLI prints: bad input is a
//! `ValueError`, an unreadable file an `OSError`, a solver's own failure a
//! `RuntimeError`. docs/python.md is the user's guide; `llm_offload.pyi` the typed
//! surface.

// PyO3 extracts arguments by value (`Vec`, `PathBuf`), and `map_err(py_err)` takes
// the error by value.
#![allow(clippy::needless_pass_by_value)]

use std::time::{Duration, Instant};

use llm_offload::solution::SolutionFile;
use llm_offload::sources::generate::{self, GenConfig};
use llm_offload::{solvers, Error, Limits, Outcome};
use pyo3::exceptions::{PyFileNotFoundError, PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;

mod convert;
mod instance;
mod outcome;

use instance::PyInstance;
use outcome::{PyEvaluation, PyOutcome};

/// The Python exception of a library error, with the library's message: `OSError`
/// (`FileNotFoundError` for a missing file) when a file cannot be read,
/// `RuntimeError` when a solver fails or cannot start through no fault of the input,
/// `ValueError` for everything the input is to blame for.
pub(crate) fn py_err(e: Error) -> PyErr {
    let msg = e.to_string();
    match &e {
        Error::Io { error, .. } if error.kind() == std::io::ErrorKind::NotFound => {
            PyFileNotFoundError::new_err(msg)
        }
        Error::Io { .. } => PyOSError::new_err(msg),
        Error::SolverFailed { .. } | Error::Setup { .. } => PyRuntimeError::new_err(msg),
        _ => PyValueError::new_err(msg),
    }
}

/// What the callers of `generate` and `solve` set wrong, as the library words a bad
/// field (`invalid <what>: `<field>` = <value>: <rule>`).
fn bad_setting(
    what: &'static str,
    field: &str,
    value: impl std::fmt::Display,
    rule: &str,
) -> PyErr {
    py_err(Error::field(what, field, value, rule))
}

/// A count from Python, at least `min` (the library's `count_at_least`): a negative
/// number is a `ValueError` naming the setting, not an `OverflowError`.
fn count(what: &'static str, field: &str, v: i64, min: usize) -> PyResult<usize> {
    let n = usize::try_from(v)
        .map_err(|_| bad_setting(what, field, v, &format!("must be >= {min}")))?;
    llm_offload::validate::count_at_least(what, || field.to_string(), n, min).map_err(py_err)
}

/// The registered solvers' names, in registry order.
#[pyfunction]
#[pyo3(name = "solvers")]
fn solver_names() -> Vec<&'static str> {
    solvers::names()
}

/// One line per solver: name, whether exact, whether it ignores tau, description.
#[pyfunction]
fn solver_info(py: Python<'_>) -> PyResult<Vec<Bound<'_, pyo3::types::PyDict>>> {
    solvers::all()
        .iter()
        .map(|s| {
            let d = pyo3::types::PyDict::new(py);
            d.set_item("name", s.name())?;
            d.set_item("description", s.description())?;
            d.set_item("exact", s.is_exact())?;
            d.set_item("ignores_tau", s.ignores_tau())?;
            d.set_item("seeded", s.is_seeded())?;
            Ok(d)
        })
        .collect()
}

/// A generated instance of a scenario (`llm-offload generate`).
#[pyfunction]
#[pyo3(name = "generate", signature = (users, servers=4, seed=0, tau=0.8, interference=true, scenario="paper", weights="uncertainty", variants=None, lambda_=None))]
#[allow(clippy::too_many_arguments)]
fn generate_instance(
    py: Python<'_>,
    users: i64,
    servers: i64,
    seed: u64,
    tau: f64,
    interference: bool,
    scenario: &str,
    weights: &str,
    variants: Option<&str>,
    lambda_: Option<f64>,
) -> PyResult<PyInstance> {
    const WHAT: &str = "generator setting";
    let scenario = match scenario {
        "paper" => generate::Scenario::Paper,
        "kim2026" => generate::Scenario::Kim2026,
        other => {
            return Err(bad_setting(
                WHAT,
                "scenario",
                other,
                "must be paper or kim2026",
            ))
        }
    };
    let weights = match weights {
        "uncertainty" => llm_offload::instance::Weights::Uncertainty,
        "uniform" => llm_offload::instance::Weights::Uniform,
        other => {
            return Err(bad_setting(
                WHAT,
                "weights",
                other,
                "must be uncertainty or uniform",
            ))
        }
    };
    let variants = match variants {
        None => None,
        Some("llama2") => Some(generate::VariantPreset::Llama2),
        Some(other) => {
            return Err(bad_setting(
                WHAT,
                "variants",
                other,
                "must be llama2 or None",
            ))
        }
    };
    let cfg = GenConfig {
        scenario,
        users: count(WHAT, "users", users, 1)?,
        servers: count(WHAT, "servers", servers, 1)?,
        seed,
        tau,
        weights,
        interference,
        variants,
        lambda: lambda_,
    };
    let inst = py.detach(|| generate::generate(&cfg)).map_err(py_err)?;
    Ok(PyInstance::new(inst))
}

/// The longest time limit accepted (s), as on the command line.
const MAX_TIME_LIMIT_S: f64 = 1e9;

/// Limits from the keyword arguments of `solve`.
fn limits(
    time_limit: Option<f64>,
    seed: Option<u64>,
    node_limit: Option<u64>,
    threads: i64,
) -> PyResult<Limits> {
    const WHAT: &str = "solve setting";
    let time_limit = match time_limit {
        None => None,
        Some(t) => {
            llm_offload::validate::positive(WHAT, || "time_limit".into(), t).map_err(py_err)?;
            if t > MAX_TIME_LIMIT_S {
                return Err(bad_setting(
                    WHAT,
                    "time_limit",
                    llm_offload::validate::num(t),
                    "must be at most 1e9 seconds; pass None for no limit",
                ));
            }
            Some(Duration::from_secs_f64(t))
        }
    };
    let threads = count(WHAT, "threads", threads, 1)?;
    Ok(Limits {
        time_limit,
        node_limit,
        seed: seed.unwrap_or(0),
        threads,
        ..Limits::default()
    })
}

/// Solves `inst` with the solver `algo` (see `solvers()`), the GIL released.
#[pyfunction]
#[pyo3(signature = (inst, algo, time_limit=None, seed=None, node_limit=None, threads=1))]
fn solve(
    py: Python<'_>,
    inst: &Bound<'_, PyInstance>,
    algo: &str,
    time_limit: Option<f64>,
    seed: Option<u64>,
    node_limit: Option<u64>,
    threads: i64,
) -> PyResult<PyOutcome> {
    let solver = solvers::by_name(algo).map_err(py_err)?;
    let limits = limits(time_limit, seed, node_limit, threads)?;
    let inst = inst.get().inner();
    let out = py.detach(|| solver.solve(inst, &limits)).map_err(py_err)?;
    Ok(PyOutcome::new(out))
}

/// The assignment of `evaluate` from Python lists: negative entries are a
/// `ValueError` naming the entry.
fn solution_file(
    assignment: Vec<Option<i64>>,
    variants: Option<Vec<i64>>,
) -> PyResult<SolutionFile> {
    let servers = assignment
        .iter()
        .enumerate()
        .map(|(i, s)| {
            s.map(|j| count("solution", &format!("assignment[{i}]"), j, 0))
                .transpose()
        })
        .collect::<PyResult<Vec<Option<usize>>>>()?;
    let variants = variants
        .map(|v| {
            v.iter()
                .enumerate()
                .map(|(i, &x)| count("solution", &format!("variants[{i}]"), x, 0))
                .collect::<PyResult<Vec<usize>>>()
        })
        .transpose()?;
    let value = serde_json::json!({ "assignment": servers, "variants": variants });
    let text = value.to_string();
    SolutionFile::from_json(&text, "assignment").map_err(py_err)
}

/// Evaluates an assignment exactly as `llm-offload check` does: the outcome of the
/// solution (algorithm `given`), its objective recomputed from scratch, its
/// feasibility and broken constraints.
#[pyfunction]
#[pyo3(signature = (inst, assignment, variants=None))]
fn evaluate(
    inst: &Bound<'_, PyInstance>,
    assignment: Vec<Option<i64>>,
    variants: Option<Vec<i64>>,
) -> PyResult<PyOutcome> {
    let file = solution_file(assignment, variants)?;
    let out = Outcome::of_solution_file(inst.get().inner(), &file).map_err(py_err)?;
    Ok(PyOutcome::new(out))
}

/// For python/bench/overhead.py: the wall time (s) of `repeats` calls of the Rust
/// `solvers::by_name(algo)?.solve(inst, &Limits::default())`, each timed in Rust, the
/// GIL released, to set beside the wall time of `solve` called from Python.
#[pyfunction]
fn _rust_solve_times(
    py: Python<'_>,
    inst: &Bound<'_, PyInstance>,
    algo: &str,
    repeats: usize,
) -> PyResult<Vec<f64>> {
    let inst = inst.get().inner();
    let limits = Limits::default();
    py.detach(|| {
        (0..repeats)
            .map(|_| {
                let start = Instant::now();
                let out = solvers::by_name(algo)?.solve(inst, &limits)?;
                let t = start.elapsed().as_secs_f64();
                std::hint::black_box(out);
                Ok(t)
            })
            .collect::<llm_offload::Result<Vec<f64>>>()
    })
    .map_err(py_err)
}

/// The Python module `llm_offload`.
#[pymodule]
#[pyo3(name = "llm_offload")]
fn python_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("TOLERANCE", llm_offload::TOLERANCE)?;
    m.add("GAP_DEFINITION", llm_offload::solver::GAP_DEFINITION)?;
    m.add_class::<PyInstance>()?;
    m.add_class::<PyOutcome>()?;
    m.add_class::<PyEvaluation>()?;
    m.add_function(wrap_pyfunction!(solver_names, m)?)?;
    m.add_function(wrap_pyfunction!(solver_info, m)?)?;
    m.add_function(wrap_pyfunction!(generate_instance, m)?)?;
    m.add_function(wrap_pyfunction!(solve, m)?)?;
    m.add_function(wrap_pyfunction!(evaluate, m)?)?;
    m.add_function(wrap_pyfunction!(relative_gap, m)?)?;
    m.add_function(wrap_pyfunction!(_rust_solve_times, m)?)?;
    Ok(())
}

/// The toolkit's one gap definition (`GAP_DEFINITION`): `(value - reference) /
/// max(|reference|, 1e-9)`, exactly 0 when equal within `TOLERANCE`.
#[pyfunction]
fn relative_gap(value: f64, reference: f64) -> f64 {
    llm_offload::solver::relative_gap(value, reference)
}
