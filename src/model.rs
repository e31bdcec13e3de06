//! The delay and cost model (SPEC 2-3): the only place that knows the physics.
//!
//! Shared uplink (`B_j / n_j` per user, Shannon rate with inter-cell interference),
//! shared server compute (`min(Cmax_j, C_j / n_j)`), local inference, weights and the
//! quality penalty. Solvers ask a [`Model`] or a [`State`] for delays and costs; they
//! never compute one themselves. [`evaluate`] is the from-scratch evaluation every
//! reported objective comes from; [`State`] is the incremental evaluator, pinned to
//! `evaluate` by the property tests. [`DeltaState`] adds what local search needs: the
//! change of the total objective when one user moves, every user's cost included.
//!
//! Nominal and realised edge work: a user's `edge_flops` is the work decisions are
//! taken with (e.g. the authors' 8 x the small model's work), `realised_edge_flops`
//! (when given) the work the server's model actually takes, which delays are scored
//! with. [`Model::new`] is the realised model: [`evaluate`], [`State`] and every
//! solver that optimises the true objective use it. [`Model::nominal`] is the model
//! a decision-maker believes; the greedy recipes (GOA and the baselines, as the
//! authors ran them) decide on it. Without `realised_edge_flops` the two agree.
//!
//! Monotonicity (SPEC 2): every delay is nondecreasing in every server's load, since
//! a larger `n_j` shrinks both shares on `j` and an extra user on `j` can only add
//! interference at the other servers. Exact search and the lazy GOA rely on it.

use serde::{Deserialize, Serialize};

use crate::assignment::{Assignment, Choice};
use crate::error::Result;
use crate::instance::{Instance, Weights};

mod delta;
pub use delta::DeltaState;

/// One user's delay, split as the paper reports it.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Delay {
    /// Upload time of the prompt (s); 0 when local.
    pub comm_s: f64,
    /// Server compute time (s); 0 when local.
    pub comp_s: f64,
    /// Device compute time (s); 0 when offloaded.
    pub local_s: f64,
}

impl Delay {
    /// `d_i`, the sum of the parts.
    #[must_use]
    pub fn total(&self) -> f64 {
        self.comm_s + self.comp_s + self.local_s
    }
}

/// Precomputed per-instance quantities and the delay formulas.
#[derive(Debug, Clone)]
pub struct Model<'a> {
    inst: &'a Instance,
    weight: Vec<f64>,
    /// `P_i G_ij`, row-major N x M.
    signal: Vec<f64>,
    /// The edge work each user's delays are computed with (FLOP).
    edge_work: Vec<f64>,
}

/// Which edge work a [`Model`] computes delays with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeWork {
    /// `edge_flops`, the figure decisions are taken with.
    Nominal,
    /// `realised_edge_flops` when given (else `edge_flops`): what delays are scored with.
    Realised,
}

/// The uplink rate of one of `sharing` users uploading to server `s` at once (the
/// band split equally among them), with received power `signal_w` (`P_i G_ij`) and
/// interference `interference_w` at the server: `(B / sharing) log2(1 + S / (I +
/// sigma2))` (bit/s; SPEC 2). The static model calls it with `sharing = n_j + b_j`;
/// the simulator ([`crate::simulate`]) with the uploads in progress at the moment.
///
/// # Panics
/// In debug builds, when `sharing == 0` (a caller bug).
#[must_use]
pub fn uplink_rate_bps(
    s: &crate::instance::Server,
    signal_w: f64,
    sharing: usize,
    interference_w: f64,
) -> f64 {
    debug_assert!(sharing > 0, "the uploading user shares the band");
    let sinr = signal_w / (interference_w + s.noise_w);
    s.bandwidth_hz / sharing as f64 * sinr.ln_1p() / std::f64::consts::LN_2
}

/// The compute one of `sharing` users gets on server `s` when they share it:
/// `min(Cmax, C / sharing)` (FLOP/s; SPEC 2, processor sharing). `sharing = 0`
/// gives `Cmax` (what a first user would get; incremental evaluators price ratios
/// with it).
#[must_use]
pub fn compute_rate(s: &crate::instance::Server, sharing: usize) -> f64 {
    s.max_flops_per_user.min(s.flops_per_s / sharing as f64)
}

/// The compute one of `sharing` queries of the same device gets on it:
/// `C_i^L / sharing` (FLOP/s; the device is processor-shared too in the simulator,
/// and `sharing = 1` is SPEC 2's local delay).
///
/// # Panics
/// In debug builds, when `sharing == 0` (a caller bug).
#[must_use]
pub fn device_rate(u: &crate::instance::User, sharing: usize) -> f64 {
    debug_assert!(sharing > 0, "the computing query shares the device");
    u.local_flops_per_s / sharing as f64
}

/// The work a user's query takes on a server's model, the realised figure where
/// given ([`EdgeWork::Realised`]): `realised_edge_flops`, else `edge_flops` (FLOP).
#[must_use]
pub fn realised_edge_work(u: &crate::instance::User) -> f64 {
    u.realised_edge_flops.unwrap_or(u.edge_flops)
}

impl<'a> Model<'a> {
    /// Builds the (realised) model of an instance: O(N M).
    #[must_use]
    pub fn new(inst: &'a Instance) -> Self {
        Self::with_edge_work(inst, EdgeWork::Realised)
    }

    /// The nominal model: delays computed with `edge_flops` even where the instance
    /// gives a different `realised_edge_flops` (see the module docs).
    #[must_use]
    pub fn nominal(inst: &'a Instance) -> Self {
        Self::with_edge_work(inst, EdgeWork::Nominal)
    }

    /// The model computing edge delays with `work`: O(N M).
    #[must_use]
    pub fn with_edge_work(inst: &'a Instance, work: EdgeWork) -> Self {
        let m = inst.n_servers();
        let weight = (0..inst.n_users())
            .map(|i| match inst.weights() {
                Weights::Uncertainty => inst.alpha(i),
                Weights::Uniform => 1.0,
            })
            .collect();
        let mut signal = Vec::with_capacity(inst.n_users() * m);
        for (i, u) in inst.users().iter().enumerate() {
            for j in 0..m {
                signal.push(u.tx_power_w * inst.gain()[[i, j]]);
            }
        }
        let edge_work = inst
            .users()
            .iter()
            .map(|u| match work {
                EdgeWork::Nominal => u.edge_flops,
                EdgeWork::Realised => realised_edge_work(u),
            })
            .collect();
        Model {
            inst,
            weight,
            signal,
            edge_work,
        }
    }

    /// The instance.
    #[must_use]
    pub fn instance(&self) -> &'a Instance {
        self.inst
    }

    /// `w_i`.
    #[must_use]
    pub fn weight(&self, i: usize) -> f64 {
        self.weight[i]
    }

    /// Received power of user `i` at server `j`, `P_i G_ij` (W).
    #[must_use]
    pub fn signal_w(&self, i: usize, j: usize) -> f64 {
        self.signal[i * self.inst.n_servers() + j]
    }

    /// What user `k`, offloaded to some server other than `j`, adds to the
    /// interference at server `j`: `P_k G_kj`, or 0 when interference is off.
    #[must_use]
    pub fn interference_w(&self, k: usize, j: usize) -> f64 {
        if self.inst.interference() {
            self.signal_w(k, j)
        } else {
            0.0
        }
    }

    /// Local delay of user `i` on device variant `v`: `W_i^L kappa_v / C_i^L`.
    #[must_use]
    pub fn local_delay(&self, i: usize, v: usize) -> Delay {
        let u = &self.inst.users()[i];
        Delay {
            local_s: u.local_flops * self.inst.device_variants()[v].work_multiplier
                / u.local_flops_per_s,
            ..Delay::default()
        }
    }

    /// Delay of user `i` on server `j`, variant `v`, when `load` users (i included)
    /// share the server and `interference_w` is the interference at `j` (SPEC 2).
    ///
    /// # Panics
    /// In debug builds, when `load == 0` (a caller bug).
    #[must_use]
    pub fn edge_delay(
        &self,
        i: usize,
        j: usize,
        v: usize,
        load: usize,
        interference_w: f64,
    ) -> Delay {
        debug_assert!(load > 0, "an offloaded user counts in its server's load");
        let u = &self.inst.users()[i];
        let s = &self.inst.servers()[j];
        let sharing = load + s.busy_users;
        let rate_bps = uplink_rate_bps(s, self.signal_w(i, j), sharing, interference_w);
        Delay {
            comm_s: u.prompt_bits / rate_bps,
            comp_s: self.edge_compute_s(i, j, v, load),
            local_s: 0.0,
        }
    }

    /// The server compute part of [`Model::edge_delay`] (`comp_s`), which does not
    /// depend on the interference: O(1), no logarithm.
    #[must_use]
    pub fn edge_compute_s(&self, i: usize, j: usize, v: usize, load: usize) -> f64 {
        let s = &self.inst.servers()[j];
        self.edge_work[i] * s.variants[v].work_multiplier / self.compute_share(j, load)
    }

    /// What user `i`'s query takes on option `c`: the bits it uploads (0 when local)
    /// and the FLOP it computes (the device variant's work, or the realised edge work
    /// times the server variant's multiplier), as [`Model::local_delay`] and
    /// [`Model::edge_delay`] use them. The simulator drains these amounts at the rates
    /// of [`uplink_rate_bps`], [`compute_rate`] and [`device_rate`].
    #[must_use]
    pub fn option_work(&self, i: usize, c: Choice) -> (f64, f64) {
        let u = &self.inst.users()[i];
        match c.server {
            None => (
                0.0,
                u.local_flops * self.inst.device_variants()[c.variant].work_multiplier,
            ),
            Some(j) => (
                u.prompt_bits,
                self.edge_work[i] * self.inst.servers()[j].variants[c.variant].work_multiplier,
            ),
        }
    }

    /// User `i`'s service time on option `c`: its delay with the option to itself,
    /// no other user on the band or the server (`busy_users` ignored too) and no
    /// interference. No sharing makes a query faster (SPEC 2), so no latency in the
    /// simulator is below it.
    #[must_use]
    pub fn service_delay(&self, i: usize, c: Choice) -> Delay {
        let (bits, flops) = self.option_work(i, c);
        match c.server {
            None => Delay {
                local_s: flops / device_rate(&self.inst.users()[i], 1),
                ..Delay::default()
            },
            Some(j) => {
                let s = &self.inst.servers()[j];
                Delay {
                    comm_s: bits / uplink_rate_bps(s, self.signal_w(i, j), 1, 0.0),
                    comp_s: flops / compute_rate(s, 1),
                    local_s: 0.0,
                }
            }
        }
    }

    /// Compute one user gets on server `j` when `load` users of the instance share
    /// it, beside the server's `busy_users`:
    /// `c_j = min(Cmax_j, C_j / (n_j + b_j))` (FLOP/s; `b_j = 0` in the static model).
    #[must_use]
    pub fn compute_share(&self, j: usize, load: usize) -> f64 {
        let s = &self.inst.servers()[j];
        compute_rate(s, load + s.busy_users)
    }

    /// A ceiling on the interference any user can meet at server `j`: the received
    /// power of every user, `sum_k P_k G_kj` (0 without interference). An assignment
    /// only ever counts users offloaded elsewhere, a subset. O(N).
    #[must_use]
    pub fn interference_ceiling_w(&self, j: usize) -> f64 {
        (0..self.inst.n_users())
            .map(|k| self.interference_w(k, j))
            .sum()
    }

    /// The two extremes of user `i`'s delay on server `j`, variant `v`: alone and
    /// without interference (load 1: no assignment makes it faster), and shared by all
    /// `N` users under `ceiling_w` = [`Model::interference_ceiling_w`]`(j)` (no
    /// assignment makes it slower, by monotonicity, SPEC 2). Validation checks both, so
    /// that no assignment can produce an infinite, NaN or zero delay. O(1).
    #[must_use]
    pub fn edge_delay_extremes(
        &self,
        i: usize,
        j: usize,
        v: usize,
        ceiling_w: f64,
    ) -> (Delay, Delay) {
        (
            self.edge_delay(i, j, v, 1, 0.0),
            self.edge_delay(i, j, v, self.inst.n_users(), ceiling_w),
        )
    }

    /// The quality penalty of an option, `lambda * perplexity` (0 without perplexity).
    #[must_use]
    pub fn penalty(&self, c: Choice) -> f64 {
        if self.inst.lambda() == 0.0 {
            return 0.0;
        }
        self.variant(c)
            .perplexity
            .map_or(0.0, |p| self.inst.lambda() * p)
    }

    /// The variant an option names.
    #[must_use]
    pub fn variant(&self, c: Choice) -> &'a crate::instance::Variant {
        match c.server {
            None => &self.inst.device_variants()[c.variant],
            Some(j) => &self.inst.servers()[j].variants[c.variant],
        }
    }

    /// User `i`'s cost of a delay on an option: `w_i d + penalty`.
    #[must_use]
    pub fn cost(&self, i: usize, c: Choice, d: Delay) -> f64 {
        self.weight[i] * d.total() + self.penalty(c)
    }

    /// The cheapest local option of user `i` (lowest variant on ties) and its cost.
    #[must_use]
    pub fn best_local(&self, i: usize) -> (Choice, f64) {
        let mut best = (Choice::LOCAL, f64::INFINITY);
        for v in 0..self.inst.device_variants().len() {
            let c = Choice::local(v);
            let cost = self.cost(i, c, self.local_delay(i, v));
            if cost < best.1 {
                best = (c, cost);
            }
        }
        best
    }

    /// Probability that user `i` is answered correctly on option `c`, when known.
    #[must_use]
    pub fn accuracy(&self, i: usize, c: Choice) -> Option<f64> {
        let u = &self.inst.users()[i];
        let p = match c.server {
            None => u.p_correct_local?,
            Some(_) => u.p_correct_edge?,
        };
        Some((p * self.variant(c).accuracy_factor).min(1.0))
    }
}

/// A broken constraint of (P).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Violation {
    /// A user with `alpha > tau` answers locally.
    ForcedLocal {
        /// The user.
        user: usize,
        /// Its uncertainty.
        alpha: f64,
        /// The threshold.
        tau: f64,
    },
    /// A server serves more than `max_users`.
    OverCapacity {
        /// The server.
        server: usize,
        /// Users it serves.
        load: usize,
        /// Its cap.
        max_users: usize,
    },
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Violation::ForcedLocal { user, alpha, tau } => write!(
                f,
                "user {user} has uncertainty {alpha} > tau = {tau} but answers locally"
            ),
            Violation::OverCapacity {
                server,
                load,
                max_users,
            } => write!(
                f,
                "server {server} serves {load} users, max_users = {max_users}"
            ),
        }
    }
}

/// One user's line of an [`Evaluation`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserEval {
    /// Its option.
    pub server: Option<usize>,
    /// Its variant.
    pub variant: usize,
    /// Its delay.
    #[serde(flatten)]
    pub delay: Delay,
    /// `d_i`.
    pub delay_s: f64,
    /// `w_i d_i + penalty`.
    pub cost: f64,
}

/// The from-scratch evaluation of an assignment (SPEC 3).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// `sum_i w_i d_i (+ lambda * sum of perplexities)`.
    pub objective: f64,
    /// Mean delay per user (s).
    pub mean_delay_s: f64,
    /// Mean communication delay per user (s), over all users.
    pub mean_comm_s: f64,
    /// Mean server compute delay per user (s), over all users.
    pub mean_comp_s: f64,
    /// Mean device compute delay per user (s), over all users.
    pub mean_local_s: f64,
    /// `(1/N) sum_i a_i(x)`; `None` when some user lacks correctness figures.
    pub accuracy: Option<f64>,
    /// Number of offloaded users.
    pub offloaded: usize,
    /// Users per server.
    pub loads: Vec<usize>,
    /// `sum_i L_i^out / sum_i d_i` (tokens/s); `None` without output tokens.
    pub token_throughput: Option<f64>,
    /// Mean perplexity of the chosen variants; `None` when some lacks one.
    pub mean_perplexity: Option<f64>,
    /// Broken constraints (empty when feasible).
    pub violations: Vec<Violation>,
    /// Per-user detail.
    pub users: Vec<UserEval>,
}

impl Evaluation {
    /// Whether every constraint of (P) holds.
    #[must_use]
    pub fn feasible(&self) -> bool {
        self.violations.is_empty()
    }
}

/// Evaluates an assignment from scratch: O(N M).
///
/// # Errors
/// [`crate::Error::AssignmentMismatch`] when the assignment does not fit the instance.
pub fn evaluate(inst: &Instance, a: &Assignment) -> Result<Evaluation> {
    a.check_fits(inst)?;
    let model = Model::new(inst);
    let (n, m) = (inst.n_users(), inst.n_servers());
    let loads = a.loads(m);
    // Interference at each server from users offloaded elsewhere, summed in user order.
    let mut interference = vec![0.0; m];
    for (k, c) in a.0.iter().enumerate() {
        if let Some(l) = c.server {
            for (j, acc) in interference.iter_mut().enumerate() {
                if j != l {
                    *acc += model.interference_w(k, j);
                }
            }
        }
    }
    let mut users = Vec::with_capacity(n);
    let (mut objective, mut total_delay) = (0.0, 0.0);
    let (mut comm, mut comp, mut local) = (0.0, 0.0, 0.0);
    let mut acc = Some(0.0);
    let mut tokens = Some(0.0);
    let mut ppl = Some(0.0);
    let mut violations = Vec::new();
    for (i, &c) in a.0.iter().enumerate() {
        let d = match c.server {
            None => model.local_delay(i, c.variant),
            Some(j) => model.edge_delay(i, j, c.variant, loads[j], interference[j]),
        };
        let cost = model.cost(i, c, d);
        objective += cost;
        total_delay += d.total();
        comm += d.comm_s;
        comp += d.comp_s;
        local += d.local_s;
        acc = acc.zip(model.accuracy(i, c)).map(|(s, p)| s + p);
        tokens = tokens
            .zip(inst.users()[i].output_tokens)
            .map(|(s, t)| s + t);
        ppl = ppl.zip(model.variant(c).perplexity).map(|(s, p)| s + p);
        if c.server.is_none() && inst.is_forced(i) {
            violations.push(Violation::ForcedLocal {
                user: i,
                alpha: inst.alpha(i),
                tau: inst.tau(),
            });
        }
        users.push(UserEval {
            server: c.server,
            variant: c.variant,
            delay: d,
            delay_s: d.total(),
            cost,
        });
    }
    for (j, s) in inst.servers().iter().enumerate() {
        if let Some(cap) = s.max_users {
            if loads[j] > cap {
                violations.push(Violation::OverCapacity {
                    server: j,
                    load: loads[j],
                    max_users: cap,
                });
            }
        }
    }
    let nf = n as f64;
    Ok(Evaluation {
        objective,
        mean_delay_s: total_delay / nf,
        mean_comm_s: comm / nf,
        mean_comp_s: comp / nf,
        mean_local_s: local / nf,
        accuracy: acc.map(|s| s / nf),
        offloaded: a.offloaded(),
        loads,
        token_throughput: tokens.map(|t| t / total_delay),
        mean_perplexity: ppl.map(|s| s / nf),
        violations,
        users,
    })
}

/// The incremental evaluator: an assignment with its loads and per-server
/// interference kept up to date as users move.
///
/// Moving a user costs O(M); a user's delay or the cost of a hypothetical move is
/// O(1); [`State::objective`] is O(N). Interference sums are updated by adding and
/// subtracting, so after many moves they may differ from [`evaluate`]'s in the last
/// bits (the tests compare within [`crate::TOLERANCE`]).
#[derive(Debug, Clone)]
pub struct State<'m, 'a> {
    model: &'m Model<'a>,
    choice: Vec<Choice>,
    load: Vec<usize>,
    /// Interference at each server from users offloaded to other servers (W).
    interf: Vec<f64>,
}

impl<'m, 'a> State<'m, 'a> {
    /// Everyone on their cheapest local option.
    #[must_use]
    pub fn new(model: &'m Model<'a>) -> Self {
        let inst = model.instance();
        State {
            model,
            choice: (0..inst.n_users()).map(|i| model.best_local(i).0).collect(),
            load: vec![0; inst.n_servers()],
            interf: vec![0.0; inst.n_servers()],
        }
    }

    /// The state of a given assignment.
    ///
    /// # Errors
    /// [`crate::Error::AssignmentMismatch`] when it does not fit the instance.
    pub fn from_assignment(model: &'m Model<'a>, a: &Assignment) -> Result<Self> {
        a.check_fits(model.instance())?;
        let mut s = State::new(model);
        for (i, &c) in a.0.iter().enumerate() {
            s.set(i, c);
        }
        Ok(s)
    }

    /// The model.
    #[must_use]
    pub fn model(&self) -> &'m Model<'a> {
        self.model
    }

    /// User `i`'s current option.
    #[must_use]
    pub fn choice(&self, i: usize) -> Choice {
        self.choice[i]
    }

    /// Users on server `j`.
    #[must_use]
    pub fn load(&self, j: usize) -> usize {
        self.load[j]
    }

    /// Interference at server `j` (W).
    #[must_use]
    pub fn interference_at(&self, j: usize) -> f64 {
        self.interf[j]
    }

    /// Whether server `j` is at its `max_users` cap.
    #[must_use]
    pub fn is_full(&self, j: usize) -> bool {
        self.model.inst.servers()[j]
            .max_users
            .is_some_and(|cap| self.load[j] >= cap)
    }

    /// Whether user `i` may take option `c` from the current state without breaking a
    /// constraint of (P): a user forced by tau (`alpha_i > tau`) has no local option,
    /// and a server at its `max_users` cap takes no one new (the user's own server
    /// always keeps room for it, e.g. to change variant). O(1).
    #[must_use]
    pub fn allows(&self, i: usize, c: Choice) -> bool {
        match c.server {
            None => !self.model.inst.is_forced(i),
            Some(j) => self.choice[i].server == Some(j) || !self.is_full(j),
        }
    }

    /// Moves user `i` to option `c`.
    pub fn set(&mut self, i: usize, c: Choice) {
        let old = self.choice[i];
        if let Some(j) = old.server {
            self.load[j] -= 1;
            if self.model.inst.interference() {
                for (l, acc) in self.interf.iter_mut().enumerate() {
                    if l != j {
                        *acc -= self.model.interference_w(i, l);
                    }
                }
            }
        }
        if let Some(j) = c.server {
            self.load[j] += 1;
            if self.model.inst.interference() {
                for (l, acc) in self.interf.iter_mut().enumerate() {
                    if l != j {
                        *acc += self.model.interference_w(i, l);
                    }
                }
            }
        }
        self.choice[i] = c;
    }

    /// User `i`'s current delay.
    #[must_use]
    pub fn delay(&self, i: usize) -> Delay {
        let c = self.choice[i];
        match c.server {
            None => self.model.local_delay(i, c.variant),
            Some(j) => self
                .model
                .edge_delay(i, j, c.variant, self.load[j], self.interf[j]),
        }
    }

    /// User `i`'s delay if it alone moved to `c`, everyone else staying put.
    #[must_use]
    pub fn delay_if(&self, i: usize, c: Choice) -> Delay {
        match c.server {
            None => self.model.local_delay(i, c.variant),
            Some(j) => {
                let cur = self.choice[i].server;
                let (load, interf) = match cur {
                    Some(k) if k == j => (self.load[j], self.interf[j]),
                    Some(_) => (
                        self.load[j] + 1,
                        self.interf[j] - self.model.interference_w(i, j),
                    ),
                    None => (self.load[j] + 1, self.interf[j]),
                };
                self.model
                    .edge_delay(i, j, c.variant, load, interf.max(0.0))
            }
        }
    }

    /// User `i`'s cost if it alone moved to `c`.
    #[must_use]
    pub fn cost_if(&self, i: usize, c: Choice) -> f64 {
        self.model.cost(i, c, self.delay_if(i, c))
    }

    /// A lower bound on [`State::cost_if`] without its communication delay (which is
    /// positive): exact for a local option, the compute part only on a server. O(1),
    /// no logarithm.
    #[must_use]
    pub fn cost_floor_if(&self, i: usize, c: Choice) -> f64 {
        match c.server {
            None => self.cost_if(i, c),
            Some(j) => {
                let load = if self.choice[i].server == Some(j) {
                    self.load[j]
                } else {
                    self.load[j] + 1
                };
                let comp_s = self.model.edge_compute_s(i, j, c.variant, load);
                self.model.cost(
                    i,
                    c,
                    Delay {
                        comp_s,
                        ..Delay::default()
                    },
                )
            }
        }
    }

    /// User `i`'s current cost.
    #[must_use]
    pub fn cost(&self, i: usize) -> f64 {
        self.model.cost(i, self.choice[i], self.delay(i))
    }

    /// The objective of the current assignment: O(N).
    #[must_use]
    pub fn objective(&self) -> f64 {
        (0..self.choice.len()).map(|i| self.cost(i)).sum()
    }

    /// The current assignment.
    #[must_use]
    pub fn assignment(&self) -> Assignment {
        Assignment(self.choice.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_user_instance(interference: bool) -> Instance {
        let json = format!(
            r#"{{"tau": 1.0, "interference": {interference}, "weights": "uniform",
            "users": [
             {{"prompt_bits": 1e6, "local_flops": 1e12, "edge_flops": 4e12,
               "local_flops_per_s": 1e13, "tx_power_w": 1.0, "uncertainty": 0.5}},
             {{"prompt_bits": 2e6, "local_flops": 2e12, "edge_flops": 6e12,
               "local_flops_per_s": 1e13, "tx_power_w": 0.5, "uncertainty": 0.2}}],
            "servers": [
             {{"bandwidth_hz": 1e6, "flops_per_s": 1e14, "max_flops_per_user": 8e13, "noise_w": 1.0}},
             {{"bandwidth_hz": 2e6, "flops_per_s": 1e14, "max_flops_per_user": 1e14, "noise_w": 1.0}}],
            "gain": [[3.0, 1.0], [1.0, 2.0]]}}"#
        );
        Instance::from_json(&json, "two").unwrap()
    }

    #[test]
    fn hand_computed_delays() {
        let inst = two_user_instance(true);
        // user 0 on server 0, user 1 on server 1: each interferes with the other.
        let a = Assignment::from_servers(&[Some(0), Some(1)]);
        let e = evaluate(&inst, &a).unwrap();
        // user 0 at server 0: signal 1*3 = 3, interference 0.5*1 = 0.5, noise 1
        // rate = 1e6 * log2(1 + 3/1.5) = 1e6 * log2(3); comm = 1e6 / rate
        let comm0 = 1.0 / 3f64.log2();
        // compute share min(8e13, 1e14/1) = 8e13; 4e12 / 8e13 = 0.05
        assert!((e.users[0].delay.comm_s - comm0).abs() < 1e-12);
        assert!((e.users[0].delay.comp_s - 0.05).abs() < 1e-12);
        // user 1 at server 1: signal 0.5*2 = 1, interference 1*1 = 1, noise 1
        // rate = 2e6 * log2(1.5); comm = 2e6 / rate = 1 / log2(1.5)
        let comm1 = 1.0 / 1.5f64.log2();
        assert!((e.users[1].delay.comm_s - comm1).abs() < 1e-12);
        assert!((e.users[1].delay.comp_s - 0.06).abs() < 1e-12);
        assert!((e.objective - (comm0 + 0.05 + comm1 + 0.06)).abs() < 1e-12);
        assert_eq!(e.loads, vec![1, 1]);
    }

    #[test]
    fn shared_server_halves_band_and_compute() {
        let inst = two_user_instance(true);
        let a = Assignment::from_servers(&[Some(0), Some(0)]);
        let e = evaluate(&inst, &a).unwrap();
        // same server: no interference; band 1e6/2; share min(8e13, 5e13) = 5e13
        let comm0 = 1e6 / (0.5e6 * 4f64.log2());
        assert!((e.users[0].delay.comm_s - comm0).abs() < 1e-12);
        assert!((e.users[0].delay.comp_s - 4e12 / 5e13).abs() < 1e-12);
        // local user: 1e12 / 1e13
        let a = Assignment::from_servers(&[None, Some(0)]);
        let e = evaluate(&inst, &a).unwrap();
        assert!((e.users[0].delay_s - 0.1).abs() < 1e-12);
        assert_eq!(e.offloaded, 1);
    }

    #[test]
    fn nominal_and_realised_edge_work() {
        let mut file = two_user_instance(true).to_file();
        file.users[0].realised_edge_flops = Some(2e12);
        let inst = Instance::new(file).unwrap();
        let (real, nominal) = (Model::new(&inst), Model::nominal(&inst));
        // share min(8e13, 1e14) = 8e13: realised 2e12 / 8e13, nominal 4e12 / 8e13
        assert!((real.edge_delay(0, 0, 0, 1, 0.0).comp_s - 0.025).abs() < 1e-12);
        assert!((nominal.edge_delay(0, 0, 0, 1, 0.0).comp_s - 0.05).abs() < 1e-12);
        // same communication; user 1 has no realised figure, so both models agree
        assert_eq!(
            real.edge_delay(0, 0, 0, 1, 0.0).comm_s,
            nominal.edge_delay(0, 0, 0, 1, 0.0).comm_s
        );
        assert_eq!(
            real.edge_delay(1, 1, 0, 2, 0.3),
            nominal.edge_delay(1, 1, 0, 2, 0.3)
        );
        // evaluate scores the realised work
        let e = evaluate(&inst, &Assignment::from_servers(&[Some(0), None])).unwrap();
        assert!((e.users[0].delay.comp_s - 0.025).abs() < 1e-12);
    }

    #[test]
    fn busy_users_count_in_both_shares() {
        let mut file = two_user_instance(false).to_file();
        file.servers[0].busy_users = 2;
        let inst = Instance::new(file).unwrap();
        let model = Model::new(&inst);
        // one instance user beside two busy ones: band 1e6 / 3, share min(8e13, 1e14 / 3)
        let d = model.edge_delay(0, 0, 0, 1, 0.0);
        assert!((d.comm_s - 1e6 / (1e6 / 3.0 * 4f64.log2())).abs() < 1e-12);
        assert!((d.comp_s - 4e12 / (1e14 / 3.0)).abs() < 1e-12);
        assert_eq!(
            model.compute_share(0, 1),
            compute_rate(&inst.servers()[0], 3)
        );
        // server 1 is idle: the static delay
        let plain = two_user_instance(false);
        assert_eq!(
            model.edge_delay(1, 1, 0, 2, 0.0),
            Model::new(&plain).edge_delay(1, 1, 0, 2, 0.0)
        );
        // the file form keeps the field, and drops it at 0
        assert!(inst.to_json().contains("\"busy_users\": 2"));
        assert!(!plain.to_json().contains("busy_users"));
    }

    #[test]
    fn work_over_rate_is_the_static_delay_alone() {
        let inst = two_user_instance(true);
        let model = Model::new(&inst);
        for i in 0..2 {
            for c in [Choice::LOCAL, Choice::edge(0, 0), Choice::edge(1, 0)] {
                let alone = match c.server {
                    None => model.local_delay(i, 0),
                    Some(j) => model.edge_delay(i, j, 0, 1, 0.0),
                };
                let d = model.service_delay(i, c);
                assert!((d.total() - alone.total()).abs() < 1e-12 * alone.total());
            }
        }
        assert_eq!(model.option_work(0, Choice::edge(1, 0)), (1e6, 4e12));
        assert_eq!(model.option_work(1, Choice::LOCAL), (0.0, 2e12));
        assert_eq!(device_rate(&inst.users()[0], 2), 5e12);
    }

    #[test]
    fn rate_functions_are_the_static_formulas() {
        let inst = two_user_instance(true);
        let s = &inst.servers()[0];
        // SINR 3 / (0.5 + 1) = 2, band halved
        let r = uplink_rate_bps(s, 3.0, 2, 0.5);
        assert!((r - 0.5e6 * 3f64.log2()).abs() < 1e-6);
        assert_eq!(compute_rate(s, 1), 8e13);
        assert_eq!(compute_rate(s, 4), 2.5e13);
    }

    #[test]
    fn interference_switch() {
        let inst = two_user_instance(false);
        let e = evaluate(&inst, &Assignment::from_servers(&[Some(0), Some(1)])).unwrap();
        assert!((e.users[0].delay.comm_s - 1.0 / 4f64.log2()).abs() < 1e-12);
    }

    #[test]
    fn state_matches_evaluate() {
        let inst = two_user_instance(true);
        let model = Model::new(&inst);
        let mut s = State::new(&model);
        s.set(0, Choice::edge(0, 0));
        s.set(1, Choice::edge(1, 0));
        let predicted = s.cost_if(1, Choice::edge(0, 0));
        s.set(1, Choice::edge(0, 0));
        let e = evaluate(&inst, &s.assignment()).unwrap();
        assert!((s.objective() - e.objective).abs() < 1e-12);
        assert!((predicted - e.users[1].cost).abs() < 1e-12);
    }
}
