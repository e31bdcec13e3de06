//! `llm_offload.Instance`: a validated instance, immutable, read through properties;
//! numbers come out as fresh numpy arrays (copies: editing one changes nothing).

use std::path::PathBuf;

use llm_offload::Instance;
use numpy::{PyArray1, PyArray2, ToPyArray};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::py_err;

/// A validated instance (SPEC 1 and 8).
#[pyclass(name = "Instance", module = "llm_offload", frozen)]
pub struct PyInstance {
    inner: Instance,
}

impl PyInstance {
    pub(crate) fn new(inner: Instance) -> Self {
        PyInstance { inner }
    }

    pub(crate) fn inner(&self) -> &Instance {
        &self.inner
    }
}

/// An optional number per item as floats, NaN where absent.
fn or_nan<T>(items: &[T], f: impl Fn(&T) -> Option<f64>) -> Vec<f64> {
    items.iter().map(|x| f(x).unwrap_or(f64::NAN)).collect()
}

#[pymethods]
impl PyInstance {
    /// Reads and validates an instance file.
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let inst = py.detach(|| Instance::load(&path)).map_err(py_err)?;
        Ok(PyInstance::new(inst))
    }

    /// Parses and validates an instance from JSON text; `origin` names it in errors
    /// (and names the instance when the text names none).
    #[staticmethod]
    #[pyo3(signature = (text, origin="<string>"))]
    fn from_json(text: &str, origin: &str) -> PyResult<Self> {
        Ok(PyInstance::new(
            Instance::from_json(text, origin).map_err(py_err)?,
        ))
    }

    /// The instance file as JSON text (SPEC 8).
    fn to_json(&self) -> String {
        self.inner.to_json()
    }

    /// A copy with another threshold tau.
    fn with_tau(&self, tau: f64) -> PyResult<Self> {
        Ok(PyInstance::new(self.inner.with_tau(tau).map_err(py_err)?))
    }

    /// Name (from the file, or the file's stem).
    #[getter]
    fn name(&self) -> &str {
        self.inner.name()
    }

    /// Number of users N.
    #[getter]
    fn num_users(&self) -> usize {
        self.inner.n_users()
    }

    /// Number of servers M.
    #[getter]
    fn num_servers(&self) -> usize {
        self.inner.n_servers()
    }

    /// Threshold tau: users with alpha > tau must offload.
    #[getter]
    fn tau(&self) -> f64 {
        self.inner.tau()
    }

    /// Delay weights: `uncertainty` or `uniform`.
    #[getter]
    fn weights(&self) -> &'static str {
        self.inner.weights().name()
    }

    /// Whether users of other servers interfere.
    #[getter]
    fn interference(&self) -> bool {
        self.inner.interference()
    }

    /// Weight of the perplexity penalty.
    #[getter]
    fn lambda_(&self) -> f64 {
        self.inner.lambda()
    }

    /// Whether any side lists more than one model variant.
    #[getter]
    fn has_variants(&self) -> bool {
        self.inner.has_variants()
    }

    /// Number of device model variants (1 without variants).
    #[getter]
    fn num_device_variants(&self) -> usize {
        self.inner.device_variants().len()
    }

    /// Number of model variants on each server (1 each without variants).
    #[getter]
    fn num_server_variants(&self) -> Vec<usize> {
        self.inner
            .servers()
            .iter()
            .map(|s| s.variants.len())
            .collect()
    }

    /// G: N x M linear power gains (a copy).
    #[getter]
    fn gain<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray2<f64>> {
        self.inner.gain().to_pyarray(py)
    }

    /// alpha of every user, as resolved at validation (from `uncertainty` or
    /// `top_probs`).
    #[getter]
    fn alpha<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        let a: Vec<f64> = (0..self.inner.n_users())
            .map(|i| self.inner.alpha(i))
            .collect();
        PyArray1::from_vec(py, a)
    }

    /// Whether each user must offload (alpha > tau).
    #[getter]
    fn forced<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<bool>> {
        let f: Vec<bool> = (0..self.inner.n_users())
            .map(|i| self.inner.is_forced(i))
            .collect();
        PyArray1::from_vec(py, f)
    }

    /// The users' numeric fields, one float array of length N each, named as in the
    /// file (SPEC 1); an optional field is NaN where a user lacks it.
    #[getter]
    fn users<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let u = self.inner.users();
        let d = PyDict::new(py);
        let col = |f: &dyn Fn(&llm_offload::instance::User) -> f64| -> Vec<f64> {
            u.iter().map(f).collect()
        };
        d.set_item(
            "prompt_bits",
            PyArray1::from_vec(py, col(&|x| x.prompt_bits)),
        )?;
        d.set_item(
            "local_flops",
            PyArray1::from_vec(py, col(&|x| x.local_flops)),
        )?;
        d.set_item("edge_flops", PyArray1::from_vec(py, col(&|x| x.edge_flops)))?;
        d.set_item(
            "realised_edge_flops",
            PyArray1::from_vec(py, or_nan(u, |x| x.realised_edge_flops)),
        )?;
        d.set_item(
            "local_flops_per_s",
            PyArray1::from_vec(py, col(&|x| x.local_flops_per_s)),
        )?;
        d.set_item("tx_power_w", PyArray1::from_vec(py, col(&|x| x.tx_power_w)))?;
        d.set_item(
            "uncertainty",
            PyArray1::from_vec(py, or_nan(u, |x| x.uncertainty)),
        )?;
        d.set_item(
            "p_correct_local",
            PyArray1::from_vec(py, or_nan(u, |x| x.p_correct_local)),
        )?;
        d.set_item(
            "p_correct_edge",
            PyArray1::from_vec(py, or_nan(u, |x| x.p_correct_edge)),
        )?;
        d.set_item(
            "output_tokens",
            PyArray1::from_vec(py, or_nan(u, |x| x.output_tokens)),
        )?;
        Ok(d)
    }

    /// The servers' numeric fields, one float array of length M each, named as in the
    /// file (SPEC 1); `max_users` is NaN where a server has no cap.
    #[getter]
    #[allow(clippy::cast_precision_loss)] // caps are user counts, far below 2^52
    fn servers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = self.inner.servers();
        let d = PyDict::new(py);
        let col = |f: &dyn Fn(&llm_offload::instance::Server) -> f64| -> Vec<f64> {
            s.iter().map(f).collect()
        };
        d.set_item(
            "bandwidth_hz",
            PyArray1::from_vec(py, col(&|x| x.bandwidth_hz)),
        )?;
        d.set_item(
            "flops_per_s",
            PyArray1::from_vec(py, col(&|x| x.flops_per_s)),
        )?;
        d.set_item(
            "max_flops_per_user",
            PyArray1::from_vec(py, col(&|x| x.max_flops_per_user)),
        )?;
        d.set_item("noise_w", PyArray1::from_vec(py, col(&|x| x.noise_w)))?;
        d.set_item(
            "max_users",
            PyArray1::from_vec(py, or_nan(s, |x| x.max_users.map(|k| k as f64))),
        )?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        format!(
            "Instance(name={:?}, num_users={}, num_servers={}, tau={}, interference={})",
            self.inner.name(),
            self.inner.n_users(),
            self.inner.n_servers(),
            self.inner.tau(),
            if self.inner.interference() {
                "True"
            } else {
                "False"
            }
        )
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<PyInstance>()
            .is_ok_and(|o| o.get().inner == self.inner)
    }
}
