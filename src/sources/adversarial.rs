//! Instances on which GOA (SPEC 5) is provably suboptimal, with optima known by
//! construction (instances/README.md explains each).
//!
//! - [`congestion`]: GOA's gap counts only the joining user's own delay, not the
//!   slowdown it imposes on the users already on the server. With N identical users
//!   whose delay on a server of load n is exactly `n e` (bandwidth and compute both
//!   shared equally, no per-user cap, no interference) and local delay `L = r e`, GOA
//!   keeps adding users while `k e < L` (up to `floor(r)` per server, `r`
//!   non-integer) but the total cost only falls while the marginal `(2k - 1) e < L`
//!   (up to `floor((r + 1) / 2)` per server). The total is convex in each load, so
//!   the optimum is those loads, spread evenly.
//! - [`regret`]: two forced users, two servers with room for one user each. GOA
//!   places the pair with the smallest gap first (user 0 on server 0, gap 1.0 vs
//!   1.1), leaving user 1 the server where it is ten times slower; swapping costs
//!   user 0 a tenth and saves user 1 much more. Greedy without regret.

use crate::error::{Error, Result};
use crate::instance::{Instance, InstanceFile, Server, User, Weights};

/// Bits uploaded per query (10 ms at 100 Mbit/s and SINR 1).
const PROMPT_BITS: f64 = 1e6;
/// Band per server (Hz).
const BANDWIDTH_HZ: f64 = 1e8;
/// Noise over the band (W).
const NOISE_W: f64 = 4e-13;
/// Transmit power (W).
const TX_POWER_W: f64 = 0.2;
/// Server compute (FLOP/s), also its per-user cap: the share is exactly `C / n`.
const SERVER_FLOPS: f64 = 1e16;

/// The congestion family's parameters.
///
/// # Default
/// `ratio = 6.5` (L = 6.5 e), `e` = 20 ms.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Congestion {
    /// Users N.
    pub users: usize,
    /// Servers M.
    pub servers: usize,
    /// `r = L / e`; non-integer, so that no gap is ever exactly 0.
    pub ratio: f64,
}

/// Delay of one user alone on a server (s): 10 ms upload + 10 ms compute.
pub const CONGESTION_UNIT_S: f64 = 0.02;

fn user(local_s: f64, edge_flops: f64, alpha: f64) -> User {
    User {
        prompt_bits: PROMPT_BITS,
        local_flops: local_s * 1e14,
        edge_flops,
        realised_edge_flops: None,
        local_flops_per_s: 1e14,
        tx_power_w: TX_POWER_W,
        uncertainty: Some(alpha),
        top_probs: None,
        p_correct_local: None,
        p_correct_edge: None,
        output_tokens: None,
    }
}

fn server(max_users: Option<usize>) -> Server {
    Server {
        bandwidth_hz: BANDWIDTH_HZ,
        flops_per_s: SERVER_FLOPS,
        max_flops_per_user: SERVER_FLOPS,
        noise_w: NOISE_W,
        max_users,
        variants: Vec::new(),
        busy_users: 0,
    }
}

/// Gain giving SINR `snr` without interference.
fn gain_for_snr(snr: f64) -> f64 {
    snr * NOISE_W / TX_POWER_W
}

fn finish(
    name: String,
    tau: f64,
    users: Vec<User>,
    servers: Vec<Server>,
    gain: Vec<Vec<f64>>,
    note: &str,
) -> Result<Instance> {
    Instance::new(InstanceFile {
        name: Some(name),
        tau,
        weights: Weights::Uniform,
        interference: false,
        lambda: 0.0,
        device_variants: Vec::new(),
        users,
        servers,
        gain,
        meta: Some(serde_json::json!({ "generator": "llm-offload adversarial", "why": note })),
    })
}

impl Congestion {
    /// Users per server that GOA places: the largest `k` with `k < r`, capped by N.
    #[must_use]
    pub fn goa_loads(&self) -> Vec<usize> {
        self.spread(self.ratio.ceil() as usize - 1)
    }

    /// Users per server in an optimum: the largest `k` with `2k - 1 < r`.
    #[must_use]
    pub fn optimal_loads(&self) -> Vec<usize> {
        self.spread(((self.ratio + 1.0) / 2.0).ceil() as usize - 1)
    }

    fn spread(&self, per_server: usize) -> Vec<usize> {
        let total = self.users.min(per_server * self.servers);
        (0..self.servers)
            .map(|j| total / self.servers + usize::from(j < total % self.servers))
            .collect()
    }

    /// The total delay (s) with these loads: `sum_j n_j^2 e + (N - sum n_j) r e`.
    #[must_use]
    pub fn value(&self, loads: &[usize]) -> f64 {
        let off: usize = loads.iter().sum();
        let e = CONGESTION_UNIT_S;
        loads.iter().map(|&n| (n * n) as f64 * e).sum::<f64>()
            + (self.users - off) as f64 * self.ratio * e
    }

    /// The instance.
    ///
    /// # Errors
    /// [`Error::InvalidField`] for zero users or servers or a ratio that is not a
    /// non-integer above 1.
    pub fn instance(&self) -> Result<Instance> {
        if self.users == 0 || self.servers == 0 {
            return Err(Error::field(
                "adversarial setting",
                "users/servers",
                0,
                "must be >= 1",
            ));
        }
        if !(self.ratio > 1.0 && self.ratio.fract() != 0.0) {
            return Err(Error::field(
                "adversarial setting",
                "ratio",
                self.ratio,
                "must be above 1 and not an integer (no zero gaps)",
            ));
        }
        let edge_flops = 0.5 * CONGESTION_UNIT_S * SERVER_FLOPS;
        let users = (0..self.users)
            .map(|_| user(self.ratio * CONGESTION_UNIT_S, edge_flops, 0.5))
            .collect();
        finish(
            format!(
                "congestion-n{}-m{}-r{}",
                self.users, self.servers, self.ratio
            ),
            1.0,
            users,
            (0..self.servers).map(|_| server(None)).collect(),
            vec![vec![gain_for_snr(1.0); self.servers]; self.users],
            "GOA's gap ignores the slowdown a joining user imposes on those already served",
        )
    }
}

/// The regret instance: two forced users, two servers with `max_users = 1`. Delays
/// alone (s): user 0: 10 ms on server 0, 11 ms on server 1; user 1: 20 ms on
/// server 0, 100 ms on server 1. GOA: 10 + 100 = 110 ms; optimum: 11 + 20 = 31 ms.
///
/// # Errors
/// Never in practice (the instance is valid by construction).
pub fn regret() -> Result<Instance> {
    // Upload time D / (B log2(1 + snr)) = 10 ms / log2(1 + snr); compute ~1e-7 s.
    let snr_for_ms = |ms: f64| 2f64.powf(10.0 / ms) - 1.0;
    let g = |ms| gain_for_snr(snr_for_ms(ms));
    finish(
        "regret-n2-m2".into(),
        0.5,
        vec![user(0.05, 1e9, 0.9), user(0.05, 1e9, 0.9)],
        vec![server(Some(1)), server(Some(1))],
        vec![vec![g(10.0), g(11.0)], vec![g(20.0), g(100.0)]],
        "GOA takes the smallest gap first and leaves the second forced user only its bad server",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::evaluate;
    use crate::solvers::by_name;
    use crate::{Assignment, Limits};

    fn loads_assignment(loads: &[usize], n: usize) -> Assignment {
        let mut servers = Vec::new();
        for (j, &k) in loads.iter().enumerate() {
            servers.extend(std::iter::repeat_n(Some(j), k));
        }
        servers.resize(n, None);
        Assignment::from_servers(&servers)
    }

    #[test]
    fn congestion_values_match_the_model_and_goa() {
        for (n, m, r) in [(6, 1, 6.5), (12, 2, 6.5), (10, 3, 4.5), (40, 4, 9.5)] {
            let c = Congestion {
                users: n,
                servers: m,
                ratio: r,
            };
            let inst = c.instance().unwrap();
            for loads in [c.goa_loads(), c.optimal_loads()] {
                let v = evaluate(&inst, &loads_assignment(&loads, n))
                    .unwrap()
                    .objective;
                assert!(
                    (v - c.value(&loads)).abs() < 1e-9,
                    "{n} {m} {r}: {v} vs {}",
                    c.value(&loads)
                );
            }
            let goa = by_name("goa")
                .unwrap()
                .solve(&inst, &Limits::default())
                .unwrap();
            assert!((goa.objective() - c.value(&c.goa_loads())).abs() < 1e-9);
            assert!(c.value(&c.optimal_loads()) < goa.objective());
        }
    }

    #[test]
    fn regret_goa_takes_the_bad_pairing() {
        let inst = regret().unwrap();
        let goa = by_name("goa")
            .unwrap()
            .solve(&inst, &Limits::default())
            .unwrap();
        assert_eq!(
            *goa.assignment(),
            Assignment::from_servers(&[Some(0), Some(1)])
        );
        let swap = evaluate(&inst, &Assignment::from_servers(&[Some(1), Some(0)])).unwrap();
        assert!(
            (goa.objective() - 0.110).abs() < 1e-5,
            "{}",
            goa.objective()
        );
        assert!((swap.objective - 0.031).abs() < 1e-5, "{}", swap.objective);
    }

    #[test]
    fn bad_settings_are_errors() {
        assert!(Congestion {
            users: 3,
            servers: 1,
            ratio: 4.0
        }
        .instance()
        .is_err());
        assert!(Congestion {
            users: 0,
            servers: 1,
            ratio: 4.5
        }
        .instance()
        .is_err());
    }
}
