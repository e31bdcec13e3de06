//! `llm_offload.Outcome` and `llm_offload.Evaluation`: a solve's (or a checked
//! solution's) answer and its from-scratch evaluation, read through properties.

use llm_offload::model::Evaluation;
use llm_offload::Outcome;
use numpy::PyArray1;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::json_to_py;

/// What a solve returns (or `evaluate` finds): the assignment, its objective
/// recomputed by the model, the proven bound if any, status and time.
#[pyclass(name = "Outcome", module = "llm_offload", frozen)]
pub struct PyOutcome {
    inner: Outcome,
}

impl PyOutcome {
    pub(crate) fn new(inner: Outcome) -> Self {
        PyOutcome { inner }
    }
}

/// The broken constraints as dicts (`kind` and its fields, as solution files write
/// them) with the message `check` prints under `message`.
fn violations<'py>(py: Python<'py>, e: &Evaluation) -> PyResult<Vec<Bound<'py, PyAny>>> {
    e.violations
        .iter()
        .map(|v| {
            let d = json_to_py(py, &serde_json::to_value(v).unwrap_or_default())?;
            d.set_item("message", v.to_string())?;
            Ok(d)
        })
        .collect()
}

#[pymethods]
impl PyOutcome {
    /// Solver name (`given` for `evaluate`).
    #[getter]
    fn algorithm(&self) -> &str {
        self.inner.algorithm()
    }

    /// Instance name.
    #[getter]
    fn instance(&self) -> &str {
        self.inner.instance()
    }

    /// Server index per user, None where the user answers on its device.
    #[getter]
    fn assignment(&self) -> Vec<Option<usize>> {
        self.inner.assignment().0.iter().map(|c| c.server).collect()
    }

    /// Model variant per user, an index into the variants of the side it runs on
    /// (the device's, or its server's); all 0 for instances without variants.
    #[getter]
    fn variants(&self) -> Vec<usize> {
        self.inner
            .assignment()
            .0
            .iter()
            .map(|c| c.variant)
            .collect()
    }

    /// The objective, recomputed from the assignment by the model.
    #[getter]
    fn objective(&self) -> f64 {
        self.inner.objective()
    }

    /// A proven lower bound on the optimum, or None.
    #[getter]
    fn bound(&self) -> Option<f64> {
        self.inner.bound_value()
    }

    /// How the bound was obtained (`optimum`, `interference-free relaxation`), or None.
    #[getter]
    fn bound_kind(&self) -> Option<&'static str> {
        self.inner.bound_kind().map(llm_offload::BoundKind::as_str)
    }

    /// Feasible and bound == objective within TOLERANCE.
    #[getter]
    fn proven_optimal(&self) -> bool {
        self.inner.proven_optimal()
    }

    /// Every constraint of (P) holds.
    #[getter]
    fn feasible(&self) -> bool {
        self.inner.evaluation().feasible()
    }

    /// Broken constraints, as in `evaluation.violations`.
    #[getter]
    fn violations<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyAny>>> {
        violations(py, self.inner.evaluation())
    }

    /// Why the solver stopped (`completed`, `converged`, `time_limit`, ...).
    #[getter]
    fn status(&self) -> &'static str {
        self.inner.status().name()
    }

    /// Wall time of the solver's search (s), measured in Rust.
    #[getter]
    fn elapsed_s(&self) -> f64 {
        self.inner.elapsed_s()
    }

    /// Seed of a seeded solver, else None.
    #[getter]
    fn seed(&self) -> Option<u64> {
        self.inner.seed()
    }

    /// The from-scratch evaluation (SPEC 3).
    #[getter]
    fn evaluation(&self) -> PyEvaluation {
        PyEvaluation {
            inner: self.inner.evaluation().clone(),
        }
    }

    /// The solution as a dict (SPEC 8, as `solve --format json` writes it).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_py(py, &self.inner.to_json())
    }

    /// The solution file's JSON text (SPEC 8).
    fn to_json(&self) -> String {
        self.inner.to_json().to_string()
    }

    fn __repr__(&self) -> String {
        format!(
            "Outcome(algorithm={:?}, objective={}, bound={}, status={:?}, feasible={}, elapsed_s={})",
            self.inner.algorithm(),
            self.inner.objective(),
            self.inner
                .bound_value()
                .map_or_else(|| "None".to_string(), |b| b.to_string()),
            self.inner.status().name(),
            if self.inner.evaluation().feasible() { "True" } else { "False" },
            self.inner.elapsed_s()
        )
    }
}

/// The from-scratch evaluation of an assignment (SPEC 3).
#[pyclass(name = "Evaluation", module = "llm_offload", frozen)]
pub struct PyEvaluation {
    inner: Evaluation,
}

#[pymethods]
impl PyEvaluation {
    /// `sum_i w_i d_i` (+ lambda x sum of perplexities).
    #[getter]
    fn objective(&self) -> f64 {
        self.inner.objective
    }

    /// Mean delay per user (s).
    #[getter]
    fn mean_delay_s(&self) -> f64 {
        self.inner.mean_delay_s
    }

    /// Mean upload delay per user (s), over all users.
    #[getter]
    fn mean_comm_s(&self) -> f64 {
        self.inner.mean_comm_s
    }

    /// Mean server compute delay per user (s), over all users.
    #[getter]
    fn mean_comp_s(&self) -> f64 {
        self.inner.mean_comp_s
    }

    /// Mean device compute delay per user (s), over all users.
    #[getter]
    fn mean_local_s(&self) -> f64 {
        self.inner.mean_local_s
    }

    /// Mean correctness probability, None when some user lacks correctness figures.
    #[getter]
    fn accuracy(&self) -> Option<f64> {
        self.inner.accuracy
    }

    /// Offloaded users.
    #[getter]
    fn offloaded(&self) -> usize {
        self.inner.offloaded
    }

    /// Users per server.
    #[getter]
    fn loads(&self) -> Vec<usize> {
        self.inner.loads.clone()
    }

    /// Output tokens per second of delay, None without output tokens.
    #[getter]
    fn token_throughput(&self) -> Option<f64> {
        self.inner.token_throughput
    }

    /// Mean perplexity of the chosen variants, None when some lacks one.
    #[getter]
    fn mean_perplexity(&self) -> Option<f64> {
        self.inner.mean_perplexity
    }

    /// Every constraint of (P) holds.
    #[getter]
    fn feasible(&self) -> bool {
        self.inner.feasible()
    }

    /// Broken constraints: dicts with `kind` (`forced_local`, `over_capacity`), its
    /// fields, and `message` (the text `check` prints).
    #[getter]
    fn violations<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyAny>>> {
        violations(py, &self.inner)
    }

    /// Each user's delay `d_i` (s).
    #[getter]
    fn delay_s<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_vec(py, self.inner.users.iter().map(|u| u.delay_s).collect())
    }

    /// Each user's cost `w_i d_i` (+ penalty): they sum to the objective.
    #[getter]
    fn cost<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_vec(py, self.inner.users.iter().map(|u| u.cost).collect())
    }

    /// The evaluation as a dict (its serde form, per-user detail under `users`).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let v = serde_json::to_value(&self.inner).unwrap_or_default();
        let d = json_to_py(py, &v)?;
        d.cast::<PyDict>()?
            .set_item("feasible", self.inner.feasible())?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        format!(
            "Evaluation(objective={}, mean_delay_s={}, offloaded={}, loads={:?}, feasible={})",
            self.inner.objective,
            self.inner.mean_delay_s,
            self.inner.offloaded,
            self.inner.loads,
            if self.inner.feasible() {
                "True"
            } else {
                "False"
            }
        )
    }
}
