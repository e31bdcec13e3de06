//! Property-testing kit for offloading algorithms (cargo feature `testkit`).
//!
//! The strategies draw small random instances in the ranges of the paper's scenario
//! (so that offloading is a real trade-off), and the checks are the invariants every
//! solver must keep: feasibility, an objective recomputed from the assignment, never
//! below a proven optimum, and equal to it for exact methods. The toolkit's own
//! property tests use exactly these; `examples/` shows how to test your own heuristic.

use proptest::prelude::*;

use crate::assignment::{Assignment, Choice};
use crate::instance::{Instance, InstanceFile, Server, User, Variant, Weights};
use crate::model::evaluate;
use crate::solver::{approx_eq, Outcome};

/// What [`instances`] draws.
///
/// # Default
/// 1..=6 users, 1..=3 servers, interference either way, weights either way, caps
/// sometimes, no variants, tau anywhere in \[0,1\].
#[derive(Debug, Clone)]
pub struct Shape {
    /// Users, inclusive range.
    pub users: (usize, usize),
    /// Servers, inclusive range.
    pub servers: (usize, usize),
    /// `Some(b)`: interference always `b`; `None`: either.
    pub interference: Option<bool>,
    /// Draw `max_users` caps on some servers.
    pub caps: bool,
    /// Draw model variants (and a positive `lambda`).
    pub variants: bool,
}

impl Default for Shape {
    fn default() -> Self {
        Shape {
            users: (1, 6),
            servers: (1, 3),
            interference: None,
            caps: true,
            variants: false,
        }
    }
}

impl Shape {
    /// Tiny instances (N <= `n`, M <= `m`) for exhaustive oracles.
    #[must_use]
    pub fn tiny(n: usize, m: usize) -> Self {
        Shape {
            users: (1, n),
            servers: (1, m),
            ..Shape::default()
        }
    }
    /// Fixes interference on or off.
    #[must_use]
    pub fn interference(mut self, on: bool) -> Self {
        self.interference = Some(on);
        self
    }
    /// Adds model variants.
    #[must_use]
    pub fn with_variants(mut self) -> Self {
        self.variants = true;
        self
    }
}

fn user() -> impl Strategy<Value = User> {
    (
        64.0..512.0f64,
        0.3..1.8f64,
        0.5..1.5f64,
        0.0..=1.0f64,
        prop::option::of(0.0..=1.0f64),
        prop::option::of(0.0..=1.0f64),
    )
        .prop_map(|(tokens, work, speed, alpha, pl, pe)| {
            let local_flops = 3e12 * work;
            User {
                prompt_bits: 32.0 * tokens,
                local_flops,
                edge_flops: 8.0 * local_flops,
                realised_edge_flops: None,
                local_flops_per_s: 91.06e12 * speed,
                tx_power_w: 0.2,
                uncertainty: Some(alpha),
                top_probs: None,
                p_correct_local: pl,
                p_correct_edge: pe,
                output_tokens: Some(tokens / 32.0),
            }
        })
}

fn variants() -> impl Strategy<Value = Vec<Variant>> {
    prop::collection::vec((0.2..1.0f64, 3.0..9.0f64), 1..=3).prop_map(|vs| {
        vs.into_iter()
            .enumerate()
            .map(|(k, (mult, ppl))| Variant {
                name: format!("v{k}"),
                work_multiplier: mult,
                perplexity: Some(ppl),
                accuracy_factor: 1.0,
            })
            .collect()
    })
}

fn server(caps: bool, with_variants: bool) -> impl Strategy<Value = Server> {
    let vs = if with_variants {
        variants().boxed()
    } else {
        Just(Vec::new()).boxed()
    };
    let cap = if caps {
        prop::option::weighted(0.3, 0usize..4).boxed()
    } else {
        Just(None).boxed()
    };
    (0.1..1.0f64, 0.6..1.4f64, cap, vs).prop_map(|(band, comp, max_users, variants)| Server {
        bandwidth_hz: 1e8 * band,
        flops_per_s: 1.513e16 * comp * 0.2,
        max_flops_per_user: 1.513e15,
        noise_w: 4e-13,
        max_users,
        variants,
        busy_users: 0,
    })
}

/// Random valid instances of the given shape. Gains span the paper's range (users
/// from tens to hundreds of metres away, Rayleigh fading). Instances whose caps
/// cannot hold the forced users are redrawn.
pub fn instances(shape: Shape) -> impl Strategy<Value = Instance> {
    let Shape {
        users,
        servers,
        interference,
        caps,
        variants: with_variants,
    } = shape;
    (users.0..=users.1, servers.0..=servers.1)
        .prop_flat_map(move |(n, m)| {
            let inter = match interference {
                Some(b) => Just(b).boxed(),
                None => any::<bool>().boxed(),
            };
            let dv = if with_variants {
                variants().boxed()
            } else {
                Just(Vec::new()).boxed()
            };
            let lambda = if with_variants {
                (0.0..0.01f64).boxed()
            } else {
                Just(0.0).boxed()
            };
            (
                prop::collection::vec(user(), n),
                prop::collection::vec(server(caps, with_variants), m),
                prop::collection::vec(prop::collection::vec(-11.0..-7.0f64, m), n),
                0.0..=1.0f64,
                any::<bool>(),
                inter,
                dv,
                lambda,
            )
        })
        .prop_filter_map(
            "caps below forced users",
            |(users, servers, log_gain, tau, uniform, interference, device_variants, lambda)| {
                Instance::new(InstanceFile {
                    name: Some("prop".into()),
                    tau,
                    weights: if uniform {
                        Weights::Uniform
                    } else {
                        Weights::Uncertainty
                    },
                    interference,
                    lambda,
                    device_variants,
                    users,
                    servers,
                    gain: log_gain
                        .into_iter()
                        .map(|r| r.into_iter().map(|g| 10f64.powf(g)).collect())
                        .collect(),
                    meta: None,
                })
                .ok()
            },
        )
}

/// The outcome's objective is the from-scratch evaluation of its assignment and the
/// assignment satisfies every constraint of (P).
///
/// # Errors
/// A message saying which invariant broke.
pub fn check_feasible(inst: &Instance, out: &Outcome) -> Result<(), String> {
    let e = evaluate(inst, out.assignment()).map_err(|e| e.to_string())?;
    if !approx_eq(e.objective, out.objective()) {
        return Err(format!(
            "{}: reported objective {} but the assignment evaluates to {}",
            out.algorithm(),
            out.objective(),
            e.objective
        ));
    }
    if !e.feasible() {
        return Err(format!(
            "{}: infeasible: {:?}",
            out.algorithm(),
            e.violations
        ));
    }
    Ok(())
}

/// The outcome is not below a proven optimum (a heuristic "beating" it means a bug in
/// one of the two), and its own bound, if any, is not above the optimum.
///
/// # Errors
/// A message with both values.
pub fn check_not_below(out: &Outcome, optimum: f64) -> Result<(), String> {
    if out.objective() < optimum && !approx_eq(out.objective(), optimum) {
        return Err(format!(
            "{}: objective {} below the proven optimum {optimum}",
            out.algorithm(),
            out.objective()
        ));
    }
    if let Some(b) = out.bound_value() {
        if b > optimum && !approx_eq(b, optimum) {
            return Err(format!(
                "{}: bound {b} above the proven optimum {optimum}",
                out.algorithm()
            ));
        }
    }
    Ok(())
}

/// An exact method's outcome equals the optimum.
///
/// # Errors
/// A message with both values.
pub fn check_optimal(out: &Outcome, optimum: f64) -> Result<(), String> {
    if approx_eq(out.objective(), optimum) {
        Ok(())
    } else {
        Err(format!(
            "{}: objective {} but the optimum is {optimum}",
            out.algorithm(),
            out.objective()
        ))
    }
}

/// The optimum of `inst` by brute force over every assignment, each evaluated from
/// scratch by [`evaluate`]: an oracle independent of every solver's search, for tiny
/// instances only ((options)^N evaluations). `f64::INFINITY` when nothing is feasible.
///
/// # Panics
/// Never for a valid instance (every enumerated assignment fits it).
#[must_use]
pub fn brute_force_optimum(inst: &Instance) -> f64 {
    let options: Vec<Choice> = Choice::all(inst).collect();
    let n = inst.n_users();
    let mut idx = vec![0usize; n];
    let mut best = f64::INFINITY;
    loop {
        let a = Assignment(idx.iter().map(|&k| options[k]).collect());
        let e = evaluate(inst, &a).expect("enumerated assignments fit the instance");
        if e.feasible() {
            best = best.min(e.objective);
        }
        let mut d = 0;
        while d < n && idx[d] + 1 == options.len() {
            idx[d] = 0;
            d += 1;
        }
        if d == n {
            return best;
        }
        idx[d] += 1;
    }
}
