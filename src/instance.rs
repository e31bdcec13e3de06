//! Problem instances: users, edge servers, channel gains and the problem parameters
//! (SPEC sections 1, 3 and 8).
//!
//! An [`Instance`] is always valid: the only ways to get one are
//! [`Instance::from_json`], [`Instance::load`] and [`Instance::new`], which check every
//! field against the rules of the model and name the field, the value and the rule in
//! the error. Instances do no I/O beyond `load`/`save` and draw no random numbers.

use std::path::Path;

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::assignment::Choice;
use crate::error::{Error, Result};
use crate::model::{Delay, Model};
use crate::uncertainty;
use crate::validate;

/// How the objective weighs each user's delay (SPEC 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Weights {
    /// `w_i = alpha_i`: the uncertainty-weighted delay that GOA targets.
    #[default]
    Uncertainty,
    /// `w_i = 1`: plain total delay.
    Uniform,
}

impl Weights {
    /// The name instance files use (`uncertainty`, `uniform`).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Weights::Uncertainty => "uncertainty",
            Weights::Uniform => "uniform",
        }
    }
}

/// One model variant on one side (e.g. an INT4 quantisation of the device model).
///
/// A user's option is a location (device or a server) and a variant of the model there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    /// Display name (`FP16`, `INT8`, ...).
    pub name: String,
    /// Work relative to the side's base model: the FLOP of a query are multiplied by it.
    pub work_multiplier: f64,
    /// Perplexity of this variant: its quality penalty (lower is better).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub perplexity: Option<f64>,
    /// Factor applied to the side's probability of a correct answer (default 1).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub accuracy_factor: f64,
}

fn one() -> f64 {
    1.0
}
#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_one(x: &f64) -> bool {
    (*x - 1.0).abs() < f64::EPSILON
}
#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_zero(x: &f64) -> bool {
    *x == 0.0
}
fn yes() -> bool {
    true
}

impl Variant {
    /// The implicit single variant of a side that lists none.
    #[must_use]
    pub fn base() -> Self {
        Variant {
            name: "base".into(),
            work_multiplier: 1.0,
            perplexity: None,
            accuracy_factor: 1.0,
        }
    }
}

/// A mobile user and its query (SPEC 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    /// `D_i`: bits uploaded when offloading.
    pub prompt_bits: f64,
    /// `W_i^L`: FLOP to answer on the device's small model.
    pub local_flops: f64,
    /// `W_i^E`: FLOP to answer on a server's large model, as decisions are taken with.
    pub edge_flops: f64,
    /// The FLOP the server's model actually takes, when it differs from the figure
    /// decisions are taken with (`edge_flops`): delays are scored with it
    /// ([`crate::model`], nominal and realised edge work). Optional, > 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub realised_edge_flops: Option<f64>,
    /// `C_i^L`: device compute (FLOP/s).
    pub local_flops_per_s: f64,
    /// `P_i`: uplink transmit power (W).
    pub tx_power_w: f64,
    /// `alpha_i` in \[0,1\]. In a file, give it or `top_probs`; after loading it is
    /// always set.
    #[serde(default)]
    pub uncertainty: Option<f64>,
    /// The small model's top next-token probabilities (SPEC 4); `uncertainty` is
    /// computed from them when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_probs: Option<Vec<f64>>,
    /// Probability (or 0/1 label) that the small model answers correctly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_correct_local: Option<f64>,
    /// Probability (or 0/1 label) that the large model answers correctly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_correct_edge: Option<f64>,
    /// `L_i^out`: tokens generated (for token throughput).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_tokens: Option<f64>,
}

/// An edge server (SPEC 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Server {
    /// `B_j`: uplink band (Hz), shared equally by the users it serves.
    pub bandwidth_hz: f64,
    /// `C_j`: total compute (FLOP/s), shared by the users it serves.
    pub flops_per_s: f64,
    /// `Cmax_j`: the most compute one user can get (FLOP/s).
    pub max_flops_per_user: f64,
    /// `sigma2_j`: noise power over the band (W).
    pub noise_w: f64,
    /// `K_j`: cap on users served (`null` = none).
    #[serde(default)]
    pub max_users: Option<usize>,
    /// Model variants on this server (empty = one base variant).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<Variant>,
    /// `b_j`: queries already in service on this server when the decision is taken
    /// (an extension for decisions over time, docs/dynamic.md): they count in the
    /// load of both shares, `r = B_j / (n_j + b_j) ...` and
    /// `c_j = min(Cmax_j, C_j / (n_j + b_j))`, but are not users of the instance.
    /// Default 0 (the static model); the `simulate` command sets it.
    #[serde(default, skip_serializing_if = "is_zero_count")]
    pub busy_users: usize,
}

#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_zero_count(x: &usize) -> bool {
    *x == 0
}

/// The instance file as written (SPEC 8). Deserialising it checks only the shape;
/// [`Instance::new`] checks the values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstanceFile {
    /// Optional name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Accuracy threshold: users with `alpha > tau` must offload.
    pub tau: f64,
    /// Delay weights.
    #[serde(default)]
    pub weights: Weights,
    /// Whether users of other servers interfere (SPEC 2).
    #[serde(default = "yes")]
    pub interference: bool,
    /// Weight of the quality penalty (perplexity) in each user's cost (default 0).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub lambda: f64,
    /// Model variants on the devices (empty = one base variant).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub device_variants: Vec<Variant>,
    /// The users.
    pub users: Vec<User>,
    /// The servers.
    pub servers: Vec<Server>,
    /// `G_ij`, N rows of M linear power gains.
    pub gain: Vec<Vec<f64>>,
    /// Free-form provenance (generator, seed, ...); not used by the model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<serde_json::Value>,
}

/// A validated instance: built only by [`Instance::new`] (and the loaders over it),
/// which checks every field and what the model derives from them, and read through
/// methods, so that an `Instance` is always valid. [`InstanceFile`] is the file form,
/// free to edit; [`Instance::to_file`] and [`Instance::new`] convert between them.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    name: String,
    tau: f64,
    weights: Weights,
    interference: bool,
    lambda: f64,
    device_variants: Vec<Variant>,
    users: Vec<User>,
    /// alpha of each user, resolved from `uncertainty` or `top_probs` at validation.
    alphas: Vec<f64>,
    servers: Vec<Server>,
    gain: Array2<f64>,
    meta: Option<serde_json::Value>,
}

impl Instance {
    /// Name (from the file, or the file's stem).
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Accuracy threshold tau in \[0,1\].
    #[must_use]
    pub fn tau(&self) -> f64 {
        self.tau
    }
    /// Delay weights.
    #[must_use]
    pub fn weights(&self) -> Weights {
        self.weights
    }
    /// Whether inter-cell interference is modelled.
    #[must_use]
    pub fn interference(&self) -> bool {
        self.interference
    }
    /// Weight of the quality penalty in the objective (0 = plain problem (P)).
    #[must_use]
    pub fn lambda(&self) -> f64 {
        self.lambda
    }
    /// Device-side variants (at least one).
    #[must_use]
    pub fn device_variants(&self) -> &[Variant] {
        &self.device_variants
    }
    /// Users (at least one), each with `uncertainty` set.
    #[must_use]
    pub fn users(&self) -> &[User] {
        &self.users
    }
    /// User `i`'s uncertainty alpha in \[0,1\] (given, or computed from `top_probs`).
    ///
    /// # Panics
    /// When `i` is not a user index (a caller bug).
    #[must_use]
    pub fn alpha(&self, i: usize) -> f64 {
        self.alphas[i]
    }
    /// Servers (at least one), each with at least one variant.
    #[must_use]
    pub fn servers(&self) -> &[Server] {
        &self.servers
    }
    /// N x M gains.
    #[must_use]
    pub fn gain(&self) -> &Array2<f64> {
        &self.gain
    }
    /// Provenance carried through from the file.
    #[must_use]
    pub fn meta(&self) -> Option<&serde_json::Value> {
        self.meta.as_ref()
    }
}

const WHAT: &str = "instance";

fn positive(field: impl FnOnce() -> String, v: f64) -> Result<f64> {
    validate::positive(WHAT, field, v)
}

fn non_negative(field: impl FnOnce() -> String, v: f64) -> Result<f64> {
    validate::non_negative(WHAT, field, v)
}

fn unit(field: impl FnOnce() -> String, v: f64) -> Result<f64> {
    validate::unit(WHAT, field, v)
}

fn check_variants(prefix: &str, variants: &[Variant]) -> Result<()> {
    for (v, var) in variants.iter().enumerate() {
        positive(
            || format!("{prefix}[{v}].work_multiplier"),
            var.work_multiplier,
        )?;
        if let Some(p) = var.perplexity {
            positive(|| format!("{prefix}[{v}].perplexity"), p)?;
        }
        non_negative(
            || format!("{prefix}[{v}].accuracy_factor"),
            var.accuracy_factor,
        )?;
    }
    Ok(())
}

/// A variant's `accuracy_factor` times a user's probability of a correct answer on
/// that side must still be a probability (the model would otherwise clamp it to 1
/// silently).
fn check_accuracy(prefix: &str, variants: &[Variant], users: &[User], edge: bool) -> Result<()> {
    for (v, var) in variants.iter().enumerate() {
        for (i, u) in users.iter().enumerate() {
            let (name, p) = if edge {
                ("p_correct_edge", u.p_correct_edge)
            } else {
                ("p_correct_local", u.p_correct_local)
            };
            if let Some(p) = p {
                if p * var.accuracy_factor > 1.0 + 1e-12 {
                    return Err(Error::field(
                        WHAT,
                        format!("{prefix}[{v}].accuracy_factor"),
                        validate::num(var.accuracy_factor),
                        format!(
                            "times users[{i}].{name} = {} gives {}, not a probability",
                            validate::num(p),
                            validate::num(p * var.accuracy_factor)
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

impl Instance {
    /// Validates a parsed instance file.
    ///
    /// # Errors
    /// [`Error::InvalidField`] naming the first field that breaks a rule: NaN or
    /// infinite numbers, non-positive bandwidth, power, compute, work, noise or gains,
    /// uncertainty or probabilities outside \[0,1\], `gain` not N x M, no users, no
    /// servers; [`Error::Infeasible`] when the `max_users` caps cannot hold the users
    /// that `tau` forces to offload.
    pub fn new(file: InstanceFile) -> Result<Self> {
        let InstanceFile {
            name,
            tau,
            weights,
            interference,
            lambda,
            mut device_variants,
            mut users,
            mut servers,
            gain,
            meta,
        } = file;
        unit(|| "tau".into(), tau)?;
        non_negative(|| "lambda".into(), lambda)?;
        if users.is_empty() {
            return Err(Error::field(WHAT, "users", "[]", "needs at least one user"));
        }
        if servers.is_empty() {
            return Err(Error::field(
                WHAT,
                "servers",
                "[]",
                "needs at least one server",
            ));
        }
        check_variants("device_variants", &device_variants)?;
        if device_variants.is_empty() {
            device_variants.push(Variant::base());
        }
        for (i, u) in users.iter_mut().enumerate() {
            let f = |name: &'static str| move || format!("users[{i}].{name}");
            positive(f("prompt_bits"), u.prompt_bits)?;
            positive(f("local_flops"), u.local_flops)?;
            positive(f("edge_flops"), u.edge_flops)?;
            if let Some(w) = u.realised_edge_flops {
                positive(f("realised_edge_flops"), w)?;
            }
            positive(f("local_flops_per_s"), u.local_flops_per_s)?;
            positive(f("tx_power_w"), u.tx_power_w)?;
            if let Some(p) = u.p_correct_local {
                unit(f("p_correct_local"), p)?;
            }
            if let Some(p) = u.p_correct_edge {
                unit(f("p_correct_edge"), p)?;
            }
            if let Some(t) = u.output_tokens {
                non_negative(f("output_tokens"), t)?;
            }
            if let Some(probs) = &u.top_probs {
                let field = format!("users[{i}].top_probs");
                validate::distribution(WHAT, &field, probs)?;
                let from_probs = uncertainty::alpha_from_probs(probs, uncertainty::DEFAULT_TOP_K)
                    .map_err(|e| e.within(WHAT, &field))?;
                match u.uncertainty {
                    None => u.uncertainty = Some(from_probs),
                    Some(a) => {
                        unit(f("uncertainty"), a)?;
                        if (a - from_probs).abs() > 1e-6 {
                            return Err(Error::field(
                                WHAT,
                                format!("users[{i}].uncertainty"),
                                validate::num(a),
                                format!(
                                    "disagrees with the {} computed from top_probs; give one of the two",
                                    validate::num(from_probs)
                                ),
                            ));
                        }
                    }
                }
            }
            match u.uncertainty {
                Some(a) => {
                    unit(f("uncertainty"), a)?;
                }
                None => {
                    return Err(Error::field(
                        WHAT,
                        format!("users[{i}].uncertainty"),
                        "missing",
                        "give `uncertainty` or `top_probs`",
                    ))
                }
            }
        }
        for (j, s) in servers.iter_mut().enumerate() {
            let f = |name: &'static str| move || format!("servers[{j}].{name}");
            positive(f("bandwidth_hz"), s.bandwidth_hz)?;
            positive(f("flops_per_s"), s.flops_per_s)?;
            positive(f("max_flops_per_user"), s.max_flops_per_user)?;
            positive(f("noise_w"), s.noise_w)?;
            check_variants(&format!("servers[{j}].variants"), &s.variants)?;
            if s.variants.is_empty() {
                s.variants.push(Variant::base());
            }
        }
        if lambda > 0.0 {
            // A variant without a perplexity would carry no penalty and win unfairly.
            let sides = std::iter::once(("device_variants".to_string(), &device_variants)).chain(
                servers
                    .iter()
                    .enumerate()
                    .map(|(j, s)| (format!("servers[{j}].variants"), &s.variants)),
            );
            for (side, vs) in sides {
                if let Some(v) = vs.iter().position(|v| v.perplexity.is_none()) {
                    return Err(Error::field(
                        WHAT,
                        format!("{side}[{v}].perplexity"),
                        "missing",
                        "every variant needs a perplexity when lambda > 0 (a side that lists \
                         no variants has one base variant without perplexity)",
                    ));
                }
            }
        }
        check_accuracy("device_variants", &device_variants, &users, false)?;
        for (j, s) in servers.iter().enumerate() {
            check_accuracy(&format!("servers[{j}].variants"), &s.variants, &users, true)?;
        }
        let (n, m) = (users.len(), servers.len());
        if gain.len() != n {
            return Err(Error::field(
                WHAT,
                "gain",
                format!("{} rows", gain.len()),
                format!("must have one row per user (N = {n})"),
            ));
        }
        let mut g = Array2::zeros((n, m));
        for (i, row) in gain.iter().enumerate() {
            if row.len() != m {
                return Err(Error::field(
                    WHAT,
                    format!("gain[{i}]"),
                    format!("{} entries", row.len()),
                    format!("must have one entry per server (M = {m})"),
                ));
            }
            for (j, &v) in row.iter().enumerate() {
                g[[i, j]] = positive(|| format!("gain[{i}][{j}]"), v)?;
            }
        }
        let alphas = users
            .iter()
            .map(|u| u.uncertainty.unwrap_or_default())
            .collect();
        let inst = Instance {
            name: name.unwrap_or_default(),
            tau,
            weights,
            interference,
            lambda,
            device_variants,
            users,
            alphas,
            servers,
            gain: g,
            meta,
        };
        inst.check_capacity()?;
        inst.check_derived()?;
        Ok(inst)
    }

    /// Fails when some quantity the model derives from the inputs is not a finite,
    /// positive number for some assignment: every local delay, every edge delay at its
    /// two extremes ([`Model::edge_delay_extremes`]: alone without interference, and
    /// shared by all N users under all the interference there is; every assignment lies
    /// between them, by monotonicity), every penalty and the objective of the worst
    /// assignment. Finite inputs can still overflow (`local_flops = 1e308` over
    /// `local_flops_per_s = 1e-300`) or underflow (a subnormal gain gives a zero rate);
    /// after this check no solver can meet a NaN or an infinity. O(N M V).
    fn check_derived(&self) -> Result<()> {
        let model = Model::new(self);
        let ceiling: Vec<f64> = (0..self.n_servers())
            .map(|j| model.interference_ceiling_w(j))
            .collect();
        // The fastest case must be > 0 (nothing underflowed to zero) and finite; the
        // slowest must be finite. Every assignment lies between the two.
        let acceptable = |d: &Delay, fastest: bool| {
            d.total().is_finite() && (!fastest || (d.comm_s > 0.0 && d.comp_s > 0.0))
        };
        let mut worst_total = 0.0;
        for i in 0..self.n_users() {
            let mut worst = 0.0_f64;
            for v in 0..self.device_variants.len() {
                let d = model.local_delay(i, v);
                if !(d.local_s.is_finite() && d.local_s > 0.0) {
                    return Err(Error::field(
                        WHAT,
                        format!("users[{i}] on device_variants[{v}]"),
                        format!("local delay {} s", validate::num(d.local_s)),
                        "local_flops x work_multiplier / local_flops_per_s must be a finite \
                         number > 0 (the inputs overflow or underflow)",
                    ));
                }
                worst = worst.max(model.cost(i, Choice::local(v), d));
            }
            for (j, s) in self.servers.iter().enumerate() {
                for v in 0..s.variants.len() {
                    let (best, slow) = model.edge_delay_extremes(i, j, v, ceiling[j]);
                    for (d, is_best, case) in [
                        (best, true, "alone and without interference"),
                        (slow, false, "shared by all users under all interference"),
                    ] {
                        if !acceptable(&d, is_best) {
                            return Err(Error::field(
                                WHAT,
                                format!("users[{i}] on servers[{j}].variants[{v}]"),
                                format!(
                                    "upload {} s + compute {} s {case}",
                                    validate::num(d.comm_s),
                                    validate::num(d.comp_s)
                                ),
                                "every edge delay must be a finite number > 0 (check \
                                 prompt_bits, tx_power_w, gain, noise_w, bandwidth_hz, \
                                 edge_flops, flops_per_s, work_multiplier: they overflow or \
                                 underflow)",
                            ));
                        }
                    }
                    worst = worst.max(model.cost(i, Choice::edge(j, v), slow));
                }
            }
            if !worst.is_finite() {
                return Err(Error::field(
                    WHAT,
                    format!("users[{i}]"),
                    validate::num(worst),
                    "the cost (weight x delay + lambda x perplexity) of some option is not \
                     finite",
                ));
            }
            worst_total += worst;
        }
        if !worst_total.is_finite() {
            return Err(Error::field(
                WHAT,
                "users",
                validate::num(worst_total),
                "the objective of the costliest assignment overflows: the delays are too \
                 large to add up",
            ));
        }
        Ok(())
    }

    /// Fails when the forced users (`alpha > tau`) cannot all be offloaded because
    /// every server has a `max_users` cap and the caps add up to fewer.
    fn check_capacity(&self) -> Result<()> {
        let forced = self.forced_users().count();
        let caps: Option<usize> = self.servers.iter().map(|s| s.max_users).sum();
        if let Some(total) = caps {
            if forced > total {
                return Err(Error::Infeasible(format!(
                    "{forced} users have uncertainty above tau = {} and must offload, \
                     but the servers' max_users add up to {total}",
                    self.tau
                )));
            }
        }
        Ok(())
    }

    /// Parses and validates an instance from JSON text. `context` names the source in
    /// errors; when the file has no `name`, the instance is named after `context`.
    ///
    /// # Errors
    /// [`Error::Json`] for malformed JSON, missing or unknown fields and wrong types;
    /// otherwise as [`Instance::new`].
    pub fn from_json(text: &str, context: &str) -> Result<Self> {
        let file: InstanceFile =
            serde_json::from_str(validate::strip_bom(text)).map_err(|error| Error::Json {
                context: context.to_string(),
                error,
            })?;
        let mut inst = Instance::new(file)?;
        if inst.name.is_empty() {
            inst.name = context.to_string();
        }
        Ok(inst)
    }

    /// Reads and validates an instance file; an unnamed instance takes the file's stem.
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be read; otherwise as [`Instance::from_json`],
    /// wrapped in [`Error::InFile`] with the path when the error does not name it yet.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let mut inst =
            Self::from_json(&text, &path.display().to_string()).map_err(|e| e.in_file(path))?;
        if inst.name == path.display().to_string() {
            inst.name = path
                .file_stem()
                .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
        }
        Ok(inst)
    }

    /// The instance as its file form.
    #[must_use]
    pub fn to_file(&self) -> InstanceFile {
        let strip = |v: &[Variant]| {
            if v.len() == 1 && v[0] == Variant::base() {
                Vec::new()
            } else {
                v.to_vec()
            }
        };
        InstanceFile {
            name: Some(self.name.clone()),
            tau: self.tau,
            weights: self.weights,
            interference: self.interference,
            lambda: self.lambda,
            device_variants: strip(&self.device_variants),
            users: self.users.clone(),
            servers: self
                .servers
                .iter()
                .map(|s| Server {
                    variants: strip(&s.variants),
                    ..s.clone()
                })
                .collect(),
            gain: self.gain.rows().into_iter().map(|r| r.to_vec()).collect(),
            meta: self.meta.clone(),
        }
    }

    /// Pretty JSON of the instance file.
    ///
    /// # Panics
    /// Never in practice: the file form holds only finite numbers and strings.
    #[must_use]
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(&self.to_file()).expect("instance serialises") + "\n"
    }

    /// Number of users `N`.
    #[must_use]
    pub fn n_users(&self) -> usize {
        self.users.len()
    }

    /// Number of servers `M`.
    #[must_use]
    pub fn n_servers(&self) -> usize {
        self.servers.len()
    }

    /// Whether any side lists more than one model variant.
    #[must_use]
    pub fn has_variants(&self) -> bool {
        self.device_variants.len() > 1 || self.servers.iter().any(|s| s.variants.len() > 1)
    }

    /// Whether user `i` must offload (`alpha_i > tau`).
    #[must_use]
    pub fn is_forced(&self, i: usize) -> bool {
        self.alphas[i] > self.tau
    }

    /// The users that must offload, in index order.
    pub fn forced_users(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.n_users()).filter(|&i| self.is_forced(i))
    }

    /// A copy with another threshold tau (the same users, servers and channels), as
    /// the sweep uses to compare thresholds on identical instances.
    ///
    /// # Errors
    /// [`Error::InvalidField`] when `tau` lies outside \[0,1\]; [`Error::Infeasible`]
    /// when the `max_users` caps cannot hold the users it forces to offload.
    pub fn with_tau(&self, tau: f64) -> Result<Self> {
        unit(|| "tau".into(), tau)?;
        let inst = Instance {
            tau,
            ..self.clone()
        };
        inst.check_capacity()?;
        Ok(inst)
    }

    /// A copy with interference switched off (the relaxation used as a bound).
    #[must_use]
    pub fn without_interference(&self) -> Self {
        Instance {
            interference: false,
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn tiny_json() -> String {
        r#"{"tau": 0.5, "users": [
            {"prompt_bits": 1000, "local_flops": 1e12, "edge_flops": 8e12,
             "local_flops_per_s": 1e14, "tx_power_w": 0.2, "uncertainty": 0.7}],
           "servers": [{"bandwidth_hz": 1e8, "flops_per_s": 1e16,
             "max_flops_per_user": 1e15, "noise_w": 4e-13}],
           "gain": [[1e-9]]}"#
            .to_string()
    }

    #[test]
    fn loads_minimal_instance_with_defaults() {
        let inst = Instance::from_json(&tiny_json(), "t").unwrap();
        assert_eq!(inst.name, "t");
        assert!(inst.interference);
        assert_eq!(inst.weights, Weights::Uncertainty);
        assert_eq!(inst.device_variants, vec![Variant::base()]);
        assert!(inst.is_forced(0));
    }

    #[test]
    fn round_trips_through_json() {
        let inst = Instance::from_json(&tiny_json(), "t").unwrap();
        let again = Instance::from_json(&inst.to_json(), "u").unwrap();
        assert_eq!(inst, again);
    }

    #[test]
    fn lambda_needs_a_perplexity_on_every_variant() {
        let with_lambda = tiny_json().replace("{\"tau\": 0.5,", "{\"tau\": 0.5, \"lambda\": 0.1,");
        let err = Instance::from_json(&with_lambda, "t")
            .unwrap_err()
            .to_string();
        assert!(err.contains("device_variants[0].perplexity"), "{err}");
        let dv = r#"{"tau": 0.5, "lambda": 0.1,
            "device_variants": [{"name": "a", "work_multiplier": 1, "perplexity": 5.5}],"#;
        let err = Instance::from_json(&tiny_json().replace("{\"tau\": 0.5,", dv), "t")
            .unwrap_err()
            .to_string();
        assert!(err.contains("servers[0].variants[0].perplexity"), "{err}");
    }

    #[test]
    fn realised_edge_flops_is_optional_and_positive() {
        let with = |v: &str| {
            tiny_json().replace(
                "\"edge_flops\": 8e12,",
                &format!("\"edge_flops\": 8e12, \"realised_edge_flops\": {v},"),
            )
        };
        let inst = Instance::from_json(&with("6.3e12"), "t").unwrap();
        assert_eq!(inst.users[0].realised_edge_flops, Some(6.3e12));
        assert_eq!(Instance::from_json(&inst.to_json(), "u").unwrap(), inst);
        assert!(!Instance::from_json(&tiny_json(), "t")
            .unwrap()
            .to_json()
            .contains("realised"));
        for bad in ["0", "-1"] {
            let err = Instance::from_json(&with(bad), "t")
                .unwrap_err()
                .to_string();
            assert!(err.contains("users[0].realised_edge_flops"), "{err}");
        }
    }

    #[test]
    fn names_the_bad_field() {
        let bad = tiny_json().replace("\"bandwidth_hz\": 1e8", "\"bandwidth_hz\": -1");
        let err = Instance::from_json(&bad, "t").unwrap_err().to_string();
        assert!(
            err.contains("servers[0].bandwidth_hz") && err.contains("-1"),
            "{err}"
        );
        let bad = tiny_json().replace("0.7}", "1.5}");
        let err = Instance::from_json(&bad, "t").unwrap_err().to_string();
        assert!(
            err.contains("users[0].uncertainty") && err.contains("[0, 1]"),
            "{err}"
        );
    }

    #[test]
    fn top_probs_give_uncertainty() {
        let j = tiny_json().replace("\"uncertainty\": 0.7", "\"top_probs\": [0.6, 0.3, 0.1]");
        let inst = Instance::from_json(&j, "t").unwrap();
        assert!((inst.alpha(0) - 0.7).abs() < 1e-12);
    }

    #[test]
    fn derived_delays_must_be_finite_and_positive() {
        let err = |j: &str| Instance::from_json(j, "t").unwrap_err().to_string();
        // Finite inputs whose local delay overflows.
        let j = tiny_json()
            .replace("\"local_flops\": 1e12", "\"local_flops\": 1e308")
            .replace(
                "\"local_flops_per_s\": 1e14",
                "\"local_flops_per_s\": 1e-300",
            );
        let e = err(&j);
        assert!(
            e.contains("users[0] on device_variants[0]") && e.contains("inf"),
            "{e}"
        );
        // A subnormal gain: the rate underflows to zero, the upload is infinite.
        let e = err(&tiny_json().replace("[[1e-9]]", "[[5e-324]]"));
        assert!(e.contains("users[0] on servers[0].variants[0]"), "{e}");
        // Compute share so small that the edge compute time overflows.
        let e = err(&tiny_json().replace(
            "\"max_flops_per_user\": 1e15",
            "\"max_flops_per_user\": 1e-300",
        ));
        assert!(e.contains("users[0] on servers[0]"), "{e}");
        // A penalty that overflows.
        let j = tiny_json().replace("{\"tau\": 0.5,", r#"{"tau": 0.5, "lambda": 1e300,
            "device_variants": [{"name": "a", "work_multiplier": 1, "perplexity": 1e300}],"#)
            .replace("\"noise_w\": 4e-13}", r#""noise_w": 4e-13, "variants": [{"name": "b", "work_multiplier": 1, "perplexity": 2}]}"#);
        let e = err(&j);
        assert!(e.contains("users[0]") && e.contains("not finite"), "{e}");
        // Each user fine alone (a local delay of 1e308 s), the sum overflows.
        let user = r#"{"prompt_bits": 1000, "local_flops": 1e308, "edge_flops": 8e12,
             "local_flops_per_s": 1, "tx_power_w": 0.2, "uncertainty": 1}"#;
        let two = format!(
            r#"{{"tau": 0.5, "users": [{user}, {user}],
               "servers": [{{"bandwidth_hz": 1e8, "flops_per_s": 1e16,
                 "max_flops_per_user": 1e15, "noise_w": 4e-13}}],
               "gain": [[1e-9], [1e-9]]}}"#
        );
        let e = err(&two);
        assert!(e.contains("costliest assignment overflows"), "{e}");
        assert!(Instance::from_json(&two.replacen("1e308", "1e300", 1), "t").is_ok());
        // The bundled-scale instance still loads.
        assert!(Instance::from_json(&tiny_json(), "t").is_ok());
    }

    #[test]
    fn probabilities_are_checked_where_they_enter() {
        let err = |probs: &str| {
            let j = tiny_json().replace("\"uncertainty\": 0.7", &format!("\"top_probs\": {probs}"));
            Instance::from_json(&j, "t").unwrap_err().to_string()
        };
        let e = err("[0.9, 0.9, 0.9]");
        assert!(e.contains("users[0].top_probs") && e.contains("2.7"), "{e}");
        assert!(err("[1e-300, 1e-300]").contains("mass"));
        assert!(err("[0.5, 1.5]").contains("users[0].top_probs[1]"));
        // accuracy_factor x p_correct above 1
        let j = tiny_json()
            .replace("\"uncertainty\": 0.7}", "\"uncertainty\": 0.7, \"p_correct_local\": 0.5}")
            .replace("{\"tau\": 0.5,", r#"{"tau": 0.5, "device_variants": [{"name": "a", "work_multiplier": 1, "accuracy_factor": 5}],"#);
        let e = Instance::from_json(&j, "t").unwrap_err().to_string();
        assert!(
            e.contains("device_variants[0].accuracy_factor") && e.contains("2.5"),
            "{e}"
        );
        // A factor of 2 on a p_correct of 0.5 is a probability: accepted.
        assert!(Instance::from_json(
            &j.replace("\"accuracy_factor\": 5", "\"accuracy_factor\": 2"),
            "t"
        )
        .is_ok());
    }

    #[test]
    fn a_byte_order_mark_is_accepted() {
        let inst = Instance::from_json(&format!("\u{feff}{}", tiny_json()), "t").unwrap();
        assert_eq!(inst.n_users(), 1);
    }

    #[test]
    fn caps_below_forced_users_are_infeasible() {
        let j = tiny_json().replace("\"noise_w\": 4e-13", "\"noise_w\": 4e-13, \"max_users\": 0");
        let err = Instance::from_json(&j, "t").unwrap_err();
        assert!(matches!(err, Error::Infeasible(_)), "{err}");
    }
}
