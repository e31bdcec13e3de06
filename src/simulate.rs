//! Offloading over time (docs/dynamic.md): queries arrive, wait for a decision, are
//! dispatched once the decision is taken (its own time counts), upload and compute
//! under processor sharing, and finish.
//!
//! # What is simulated
//!
//! - **World**: an instance of the scenario generator fixes the users' devices and
//!   channels and the servers ([`crate::sources::generate`]); its own users' queries
//!   are not used. Queries arrive from [`trace::poisson_arrivals`] or a trace file
//!   ([`trace::read_trace`]).
//! - **Decisions**: at every epoch boundary `k * epoch_s` (or at every arrival, when
//!   the decision maker is idle: [`Decide::OnArrival`]) with queries waiting and no
//!   decision running, the waiting queries become the users of one instance of (P)
//!   ([`decision_instance`]), which the policy solves. What the servers still have in
//!   progress enters it as their `busy_users`: each server's queries in service
//!   (uploading or computing) count in the load of both its shares (SPEC 2 as
//!   extended in docs/spec.md); a device already computing `k` local queries offers
//!   a new one the rate it would share (`local_flops_per_s / (k + 1)`). Queries of
//!   the same device within one decision do not see each other's local choice. The
//!   interference of uploads in progress is not in the
//!   decision instance (uploads last a fraction of a millisecond in the scenario,
//!   against epochs of tens); the simulation itself counts it.
//! - **Decision time**: the dispatch waits for the decision: its measured wall time,
//!   a modelled one ([`decision_time`], reproducible), or none ([`DecisionTime`]).
//!   One decision at a time: queries arriving meanwhile wait for the next one.
//! - **Sharing** (fluid processor sharing, rates recomputed at every event): a
//!   server's uplink band is split equally among the uploads in progress to it, each
//!   at its Shannon rate under the interference of the uploads in progress to the
//!   other servers ([`model::uplink_rate_bps`]); a server's compute is split equally
//!   among the queries computing on it, each capped at `max_flops_per_user`
//!   ([`model::compute_rate`]); a device's compute among its own local queries
//!   ([`model::device_rate`]). A query uploads its prompt, then computes
//!   ([`Model::option_work`]); a local query only computes. Every rate comes from
//!   `model.rs`; this module only integrates them over time.
//! - **Horizon**: arrivals in `[0, horizon_s)`; a query not finished by the horizon
//!   is reported unfinished, with the phase it was in.
//!
//! # Exactness statements (tested)
//!
//! Conservation: every arrived query is either served once or unfinished. No
//! latency is below the query's service time ([`Model::service_delay`]) plus its
//! queueing and decision time. With one epoch, every query at time 0 and instant
//! decisions, the decision instance is the static instance and the dispatched
//! assignment is `solve`'s; each latency is then at most its static delay `d_i`
//! (in the static model `n_j` users share the band and the server for the whole
//! delay; here shares grow as others finish), with equality for a query alone on its
//! server without interference.

pub mod decision_time;
pub mod trace;

use serde::Serialize;

use crate::assignment::{Assignment, Choice};
use crate::error::{Error, Result};
use crate::instance::{Instance, InstanceFile};
use crate::model::{self, Model};
use crate::solver::{Answer, Budget, Limits, Solver, Status};
use crate::solvers::best_response::BestResponse;
use crate::stats::nearest_rank;
use crate::validate;

pub use trace::{poisson_arrivals, read_trace, Arrival, PoissonConfig, Query};

/// When decisions are taken.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Decide {
    /// At the epoch boundaries `0, e, 2e, ...` (s), over the queries then waiting.
    Epochs {
        /// Epoch length `e` (s, > 0).
        epoch_s: f64,
    },
    /// As soon as a query waits and no decision runs.
    OnArrival,
}

/// How long a decision delays its dispatch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionTime {
    /// The solver's measured wall time (varies from run to run and machine to machine).
    Measured,
    /// The solver's fitted `c N^a M^b` ([`decision_time::TABLE`]), capped at the
    /// per-epoch time limit: reproducible byte for byte.
    Modelled,
    /// No time at all (the ideal decision maker; for the reduction to the static model).
    Instant,
}

impl DecisionTime {
    /// The name written in summaries.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            DecisionTime::Measured => "measured",
            DecisionTime::Modelled => "modelled",
            DecisionTime::Instant => "instant",
        }
    }
}

/// Settings of a simulation run.
///
/// # Default
/// One simulated minute, epochs of 100 ms, modelled decision time, default limits
/// (no per-epoch time limit, seed 0), best-response warm-started.
#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    /// Length of the run (s, > 0): arrivals in `[0, horizon_s)`, and what is not
    /// finished by then is unfinished.
    pub horizon_s: f64,
    /// When decisions are taken.
    pub decide: Decide,
    /// How long they take.
    pub decision_time: DecisionTime,
    /// Every decision's solver limits (the time limit is per epoch; the seed is used
    /// for every decision).
    pub limits: Limits,
    /// `best-response` starts each decision from the choices the queries' users made
    /// last (local for a user's first query), not from all-local.
    pub warm_start: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            horizon_s: 60.0,
            decide: Decide::Epochs { epoch_s: 0.1 },
            decision_time: DecisionTime::Modelled,
            limits: Limits::default(),
            warm_start: true,
        }
    }
}

/// Where a query is when the run ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Arrived, waiting for a decision.
    Waiting,
    /// In a decision that has not been dispatched.
    Deciding,
    /// Uploading its prompt to its server.
    Uploading,
    /// Computing on its server.
    Computing,
    /// Computing on its device.
    Local,
    /// Finished.
    Served,
}

/// One query's history (times in s from the start; `None` for what did not happen
/// before the horizon).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record {
    /// Index in arrival order.
    pub id: usize,
    /// Sending user.
    pub user: usize,
    /// Phase at the end of the run.
    pub phase: Phase,
    /// The server it was sent to (`None`: local, or not dispatched).
    pub server: Option<usize>,
    /// Its model variant.
    pub variant: usize,
    /// Arrival.
    pub arrival_s: f64,
    /// Start of the decision that placed it.
    pub decision_start_s: Option<f64>,
    /// Dispatch (end of that decision).
    pub dispatch_s: Option<f64>,
    /// End of its upload (offloaded queries).
    pub upload_done_s: Option<f64>,
    /// End of its computation.
    pub finish_s: Option<f64>,
    /// Its service time on its option ([`Model::service_delay`]), once dispatched.
    pub service_s: Option<f64>,
    /// Tokens it generates.
    pub output_tokens: Option<f64>,
    /// Probability (or label) that its option answers correctly.
    pub p_correct: Option<f64>,
    /// Perplexity of its option's model variant, where the variant has one.
    pub perplexity: Option<f64>,
}

impl Record {
    /// Arrival to finish (served queries).
    #[must_use]
    pub fn latency_s(&self) -> Option<f64> {
        self.finish_s.map(|f| f - self.arrival_s)
    }
    /// Arrival to decision start.
    #[must_use]
    pub fn queue_s(&self) -> Option<f64> {
        self.decision_start_s.map(|d| d - self.arrival_s)
    }
    /// Decision start to dispatch.
    #[must_use]
    pub fn decision_s(&self) -> Option<f64> {
        self.dispatch_s
            .zip(self.decision_start_s)
            .map(|(e, s)| e - s)
    }
    /// Dispatch to end of upload (0 for a finished local query).
    #[must_use]
    pub fn upload_s(&self) -> Option<f64> {
        match (self.upload_done_s, self.dispatch_s) {
            (Some(u), Some(d)) => Some(u - d),
            (None, Some(_)) if self.phase == Phase::Served => Some(0.0),
            _ => None,
        }
    }
    /// End of upload (or dispatch, when local) to finish.
    #[must_use]
    pub fn compute_s(&self) -> Option<f64> {
        self.finish_s
            .zip(self.upload_done_s.or(self.dispatch_s))
            .map(|(f, s)| f - s)
    }
}

/// Mean and order statistics of latencies (ms; nearest rank, [`nearest_rank`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Quantiles {
    /// Mean.
    pub mean: f64,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
}

/// Mean latency parts of the served queries (ms).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Parts {
    /// Waiting for a decision to start.
    pub queue: f64,
    /// The decision itself.
    pub decision: f64,
    /// Uploading (0 for local queries).
    pub upload: f64,
    /// Computing, on a server or the device.
    pub compute: f64,
}

/// What a run measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// The policy.
    pub algorithm: String,
    /// How decision time was counted.
    pub decision_time: DecisionTime,
    /// Length of the run (s).
    pub horizon_s: f64,
    /// World users N.
    pub users: usize,
    /// Servers M.
    pub servers: usize,
    /// Queries arrived before the horizon.
    pub arrived: usize,
    /// Queries finished before the horizon.
    pub served: usize,
    /// Arrived but not finished (`arrived - served`).
    pub unfinished: usize,
    /// Decisions taken.
    pub decisions: usize,
    /// Mean queries per decision.
    pub mean_batch: f64,
    /// Decisions whose solver stopped at a limit (time, nodes or iterations: e.g.
    /// tree-search at `--time-limit`, best responses cycling), not at its own end.
    pub limited_decisions: usize,
    /// Latency of the served queries (ms); all 0 when none was served.
    pub latency_ms: Quantiles,
    /// Its mean parts (ms).
    pub parts_ms: Parts,
    /// Mean service time of the served queries (ms): the floor of their latencies.
    pub service_ms: f64,
    /// Output tokens of the served queries per simulated second (tokens/s).
    pub token_throughput: f64,
    /// Mean probability of a correct answer over the served queries (`None` when some
    /// lacks the figure).
    pub accuracy: Option<f64>,
    /// Mean perplexity of the served queries' model variants (`None` when some
    /// variant lacks one, e.g. without model variants).
    pub mean_perplexity: Option<f64>,
    /// Share of the served queries that were offloaded.
    pub offloaded_share: f64,
    /// Share of the served queries' total latency spent in decisions.
    pub decision_share: f64,
    /// Per server: time-average of the compute in use over its total `flops_per_s`.
    pub server_utilisation: Vec<f64>,
    /// Per server: share of the time its uplink carried at least one upload.
    pub uplink_busy: Vec<f64>,
    /// Sum of the decision times (s).
    pub decision_total_s: f64,
}

/// A run's records and summary.
#[derive(Debug, Clone, PartialEq)]
pub struct SimResult {
    /// One per arrived query, in arrival order.
    pub records: Vec<Record>,
    /// The aggregate.
    pub summary: Summary,
    /// The first decision's instance and dispatched assignment (for checks).
    pub first_decision: Option<(Instance, Assignment)>,
}

/// The instance of (P) a decision at some moment solves: the `queries` as users
/// (their senders' devices and channel rows from `world`), the world's servers with
/// `busy[j]` queries in service counted in their load (`busy_users`), the world's
/// tau, weights, interference and lambda. A sender whose device already computes
/// `device_busy[user]` local queries offers the new one the rate it would share,
/// [`model::device_rate`]`(device, device_busy + 1)`, as its `local_flops_per_s`.
///
/// # Errors
/// As [`Instance::new`] (a query that breaks a rule; never for validated inputs).
pub fn decision_instance(
    world: &Instance,
    queries: &[(usize, &Query)],
    busy: &[usize],
    device_busy: &[usize],
    name: String,
) -> Result<Instance> {
    let file = InstanceFile {
        name: Some(name),
        tau: world.tau(),
        weights: world.weights(),
        interference: world.interference(),
        lambda: world.lambda(),
        device_variants: world.device_variants().to_vec(),
        users: queries
            .iter()
            .map(|(u, q)| {
                let mut user = q.on_device(&world.users()[*u]);
                if device_busy[*u] > 0 {
                    user.local_flops_per_s =
                        model::device_rate(&world.users()[*u], device_busy[*u] + 1);
                }
                user
            })
            .collect(),
        servers: world
            .servers()
            .iter()
            .enumerate()
            .map(|(j, s)| {
                let mut s = s.clone();
                s.busy_users = busy[j];
                s
            })
            .collect(),
        gain: queries
            .iter()
            .map(|(u, _)| world.gain().row(*u).to_vec())
            .collect(),
        meta: None,
    };
    Instance::new(file)
}

/// `best-response` from a given start profile, as a [`Solver`] (so that it runs
/// through [`crate::solver::run`] like every policy).
struct WarmBestResponse<'s> {
    inner: BestResponse,
    start: &'s Assignment,
}

impl Solver for WarmBestResponse<'_> {
    fn name(&self) -> &'static str {
        "best-response"
    }
    fn description(&self) -> &'static str {
        "best-response from the previous decisions' choices"
    }
    fn search(&self, inst: &Instance, budget: &Budget<'_>) -> Result<Answer> {
        self.inner.search_from(inst, budget, self.start)
    }
}

/// A decision taken and not yet dispatched.
struct Pending {
    dispatch_s: f64,
    batch: Vec<usize>,
    choices: Vec<Choice>,
    /// Per query, what its option takes and gives.
    work: Vec<OptionFacts>,
}

/// What a query's option takes (bits, FLOP, service time) and gives (correctness,
/// perplexity), from the decision instance's model.
#[derive(Debug, Clone, Copy)]
struct OptionFacts {
    bits: f64,
    flops: f64,
    service_s: f64,
    p_correct: Option<f64>,
    perplexity: Option<f64>,
}

/// The next event's kind; on equal times the lower kind goes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    Completion,
    Dispatch,
    Arrival,
    Decision,
}

/// Runs a simulation of `world` under `arrivals` (sorted by time) with `policy`.
/// `tick` is called after each decision with the simulated time (for progress bars).
///
/// # Errors
/// [`Error::InvalidField`] for a horizon or epoch that is not positive and finite, a
/// world with `max_users` caps (not modelled over time), an arrival whose user is not
/// in `world` or whose times are not sorted;
/// [`Error::Refused`] for modelled decision times of a solver the table does not
/// cover; a policy's own errors.
#[allow(clippy::too_many_lines)]
pub fn simulate(
    world: &Instance,
    arrivals: &[Arrival],
    policy: &dyn Solver,
    cfg: &SimConfig,
    tick: &mut dyn FnMut(f64),
) -> Result<SimResult> {
    const WHAT: &str = "simulation setting";
    validate::positive(WHAT, || "horizon_s".into(), cfg.horizon_s)?;
    if let Decide::Epochs { epoch_s } = cfg.decide {
        validate::positive(WHAT, || "epoch_s".into(), epoch_s)?;
    }
    let law = match cfg.decision_time {
        DecisionTime::Modelled => {
            Some(
                decision_time::law(policy.name()).ok_or_else(|| Error::Refused {
                    solver: "simulate",
                    reason: format!(
                        "no modelled decision time for `{}` (the table covers {}); use \
                     --decision-time measured",
                        policy.name(),
                        decision_time::covered()
                    ),
                })?,
            )
        }
        _ => None,
    };
    if let Some(j) = world.servers().iter().position(|s| s.max_users.is_some()) {
        return Err(Error::field(
            "world",
            format!("servers[{j}].max_users"),
            world.servers()[j].max_users.unwrap_or_default(),
            "simulate does not model caps on users over time; give a world without              max_users",
        ));
    }
    for (k, a) in arrivals.iter().enumerate() {
        if a.user >= world.n_users() {
            return Err(Error::field(
                "arrival",
                format!("arrivals[{k}].user"),
                a.user,
                format!("must be a user index below N = {}", world.n_users()),
            ));
        }
        if k > 0 && a.time_s < arrivals[k - 1].time_s {
            return Err(Error::field(
                "arrival",
                format!("arrivals[{k}].time_s"),
                validate::num(a.time_s),
                "arrivals must be sorted by time",
            ));
        }
    }
    let arrivals: Vec<&Arrival> = arrivals
        .iter()
        .filter(|a| a.time_s < cfg.horizon_s)
        .collect();
    let (nq, m) = (arrivals.len(), world.n_servers());
    let wm = Model::new(world);
    let mut rec: Vec<Record> = arrivals
        .iter()
        .enumerate()
        .map(|(id, a)| Record {
            id,
            user: a.user,
            phase: Phase::Waiting,
            server: None,
            variant: 0,
            arrival_s: a.time_s,
            decision_start_s: None,
            dispatch_s: None,
            upload_done_s: None,
            finish_s: None,
            service_s: None,
            output_tokens: a.query.output_tokens,
            p_correct: None,
            perplexity: None,
        })
        .collect();
    // Work left in the current phase, its rate, and the compute work after an upload.
    let mut remaining = vec![0.0f64; nq];
    let mut rate = vec![0.0f64; nq];
    let mut then_flops = vec![0.0f64; nq];
    let mut uploads: Vec<Vec<usize>> = vec![Vec::new(); m];
    let mut computes: Vec<Vec<usize>> = vec![Vec::new(); m];
    let mut locals: Vec<usize> = Vec::new();
    let mut local_count = vec![0usize; world.n_users()];
    let mut waiting: Vec<usize> = Vec::new();
    let mut pending: Option<Pending> = None;
    let mut last_choice: Vec<Choice> = vec![Choice::LOCAL; world.n_users()];
    let mut used_flops = vec![0.0f64; m];
    let mut uplink_busy = vec![0.0f64; m];
    let mut interf = vec![0.0f64; m];
    let (mut next_arrival, mut now, mut free_at) = (0usize, 0.0f64, 0.0f64);
    let (mut decisions, mut batched, mut decision_total) = (0usize, 0usize, 0.0f64);
    let mut limited = 0usize;
    let mut dirty = true;
    let mut first_decision = None;
    loop {
        if dirty {
            // Interference at each server from the uploads in progress elsewhere.
            interf.iter_mut().for_each(|x| *x = 0.0);
            if world.interference() {
                for (l, ups) in uploads.iter().enumerate() {
                    for &q in ups {
                        for (j, acc) in interf.iter_mut().enumerate() {
                            if j != l {
                                *acc += wm.interference_w(rec[q].user, j);
                            }
                        }
                    }
                }
            }
            for j in 0..m {
                let s = &world.servers()[j];
                for &q in &uploads[j] {
                    rate[q] = model::uplink_rate_bps(
                        s,
                        wm.signal_w(rec[q].user, j),
                        uploads[j].len(),
                        interf[j],
                    );
                }
                let r = if computes[j].is_empty() {
                    0.0
                } else {
                    model::compute_rate(s, computes[j].len())
                };
                for &q in &computes[j] {
                    rate[q] = r;
                }
            }
            for &q in &locals {
                let u = rec[q].user;
                rate[q] = model::device_rate(&world.users()[u], local_count[u]);
            }
            dirty = false;
        }
        // The next event.
        let active = uploads
            .iter()
            .chain(computes.iter())
            .flatten()
            .chain(locals.iter());
        let (t_done, first_done) = active.map(|&q| (now + remaining[q] / rate[q], q)).fold(
            (f64::INFINITY, usize::MAX),
            |a, b| if b.0 < a.0 { b } else { a },
        );
        let t_dispatch = pending.as_ref().map_or(f64::INFINITY, |p| p.dispatch_s);
        let t_arrival = arrivals
            .get(next_arrival)
            .map_or(f64::INFINITY, |a| a.time_s);
        let t_decision = if pending.is_none() && !waiting.is_empty() {
            let earliest = now.max(free_at);
            match cfg.decide {
                Decide::OnArrival => earliest,
                Decide::Epochs { epoch_s } => {
                    let mut k = (earliest / epoch_s).ceil();
                    if k * epoch_s < earliest {
                        k += 1.0;
                    }
                    k * epoch_s
                }
            }
        } else {
            f64::INFINITY
        };
        let (t, event) = [
            (t_done, Event::Completion),
            (t_dispatch, Event::Dispatch),
            (t_arrival, Event::Arrival),
            (t_decision, Event::Decision),
        ]
        .into_iter()
        .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
        .unwrap_or((f64::INFINITY, Event::Arrival));
        let stop = t >= cfg.horizon_s;
        let t = t.min(cfg.horizon_s);
        // Advance every active query to t at its current rate.
        let dt = t - now;
        if dt > 0.0 {
            for j in 0..m {
                for &q in &uploads[j] {
                    remaining[q] -= rate[q] * dt;
                }
                for &q in &computes[j] {
                    remaining[q] -= rate[q] * dt;
                    used_flops[j] += rate[q] * dt;
                }
                if !uploads[j].is_empty() {
                    uplink_busy[j] += dt;
                }
            }
            for &q in &locals {
                remaining[q] -= rate[q] * dt;
            }
        }
        now = t;
        if stop {
            break;
        }
        match event {
            Event::Completion => {
                // The query that defined the event is done, and so is every other whose
                // time to finish is below a nanosecond (float noise of simultaneous ends).
                remaining[first_done] = 0.0;
                let done = |q: usize, remaining: &[f64], rate: &[f64]| {
                    remaining[q] <= 0.0 || remaining[q] / rate[q] <= 1e-9
                };
                for j in 0..m {
                    let mut k = 0;
                    while k < uploads[j].len() {
                        let q = uploads[j][k];
                        if done(q, &remaining, &rate) {
                            uploads[j].swap_remove(k);
                            rec[q].upload_done_s = Some(now);
                            rec[q].phase = Phase::Computing;
                            remaining[q] = then_flops[q];
                            computes[j].push(q);
                        } else {
                            k += 1;
                        }
                    }
                    let mut k = 0;
                    while k < computes[j].len() {
                        let q = computes[j][k];
                        // a query that just moved here has its full work left
                        if rec[q].upload_done_s != Some(now) && done(q, &remaining, &rate) {
                            computes[j].swap_remove(k);
                            rec[q].finish_s = Some(now);
                            rec[q].phase = Phase::Served;
                        } else {
                            k += 1;
                        }
                    }
                    // keep a deterministic order (swap_remove reorders)
                    uploads[j].sort_unstable();
                    computes[j].sort_unstable();
                }
                locals.retain(|&q| {
                    if done(q, &remaining, &rate) {
                        rec[q].finish_s = Some(now);
                        rec[q].phase = Phase::Served;
                        local_count[rec[q].user] -= 1;
                        false
                    } else {
                        true
                    }
                });
                dirty = true;
            }
            Event::Dispatch => {
                let p = pending
                    .take()
                    .unwrap_or_else(|| unreachable!("a pending decision"));
                for (k, &q) in p.batch.iter().enumerate() {
                    let c = p.choices[k];
                    let OptionFacts {
                        bits,
                        flops,
                        service_s: service,
                        p_correct,
                        perplexity,
                    } = p.work[k];
                    let r = &mut rec[q];
                    r.dispatch_s = Some(now);
                    r.server = c.server;
                    r.variant = c.variant;
                    r.service_s = Some(service);
                    r.p_correct = p_correct;
                    r.perplexity = perplexity;
                    last_choice[r.user] = c;
                    match c.server {
                        Some(j) => {
                            r.phase = Phase::Uploading;
                            remaining[q] = bits;
                            then_flops[q] = flops;
                            uploads[j].push(q);
                        }
                        None => {
                            r.phase = Phase::Local;
                            remaining[q] = flops;
                            local_count[r.user] += 1;
                            locals.push(q);
                        }
                    }
                }
                dirty = true;
            }
            Event::Arrival => {
                waiting.push(next_arrival);
                next_arrival += 1;
            }
            Event::Decision => {
                let batch = std::mem::take(&mut waiting);
                let busy: Vec<usize> = (0..m)
                    .map(|j| uploads[j].len() + computes[j].len())
                    .collect();
                let queries: Vec<(usize, &Query)> = batch
                    .iter()
                    .map(|&q| (arrivals[q].user, &arrivals[q].query))
                    .collect();
                let inst = decision_instance(
                    world,
                    &queries,
                    &busy,
                    &local_count,
                    format!("decision-{decisions}"),
                )?;
                let out = if cfg.warm_start && policy.name() == "best-response" {
                    let start =
                        Assignment(batch.iter().map(|&q| last_choice[rec[q].user]).collect());
                    let warm = WarmBestResponse {
                        inner: BestResponse::default(),
                        start: &start,
                    };
                    warm.solve(&inst, &cfg.limits)?
                } else {
                    policy.solve(&inst, &cfg.limits)?
                };
                let mut delta = match cfg.decision_time {
                    DecisionTime::Measured => out.elapsed_s(),
                    DecisionTime::Modelled => law.map_or(0.0, |l| l.seconds(batch.len(), m)),
                    DecisionTime::Instant => 0.0,
                };
                if cfg.decision_time == DecisionTime::Modelled {
                    if let Some(limit) = cfg.limits.time_limit {
                        delta = delta.min(limit.as_secs_f64());
                    }
                }
                let dm = Model::new(&inst);
                let choices = out.assignment().0.clone();
                let work = choices
                    .iter()
                    .enumerate()
                    .map(|(k, &c)| {
                        let (bits, flops) = dm.option_work(k, c);
                        OptionFacts {
                            bits,
                            flops,
                            service_s: dm.service_delay(k, c).total(),
                            p_correct: dm.accuracy(k, c),
                            perplexity: dm.variant(c).perplexity,
                        }
                    })
                    .collect();
                for &q in &batch {
                    rec[q].decision_start_s = Some(now);
                    rec[q].phase = Phase::Deciding;
                }
                if first_decision.is_none() {
                    first_decision = Some((inst.clone(), out.assignment().clone()));
                }
                decisions += 1;
                if matches!(
                    out.status(),
                    Status::TimeLimit | Status::NodeLimit | Status::IterationLimit
                ) {
                    limited += 1;
                }
                batched += batch.len();
                decision_total += delta;
                free_at = now + delta;
                pending = Some(Pending {
                    dispatch_s: now + delta,
                    batch,
                    choices,
                    work,
                });
                tick(now);
            }
        }
    }
    let summary = summarise(
        policy.name(),
        world,
        cfg,
        &rec,
        (decisions, batched, decision_total, limited),
        &used_flops,
        &uplink_busy,
    );
    Ok(SimResult {
        records: rec,
        summary,
        first_decision,
    })
}

fn summarise(
    algorithm: &str,
    world: &Instance,
    cfg: &SimConfig,
    rec: &[Record],
    (decisions, batched, decision_total, limited): (usize, usize, f64, usize),
    used_flops: &[f64],
    uplink_busy: &[f64],
) -> Summary {
    let served: Vec<&Record> = rec.iter().filter(|r| r.phase == Phase::Served).collect();
    let ns = served.len();
    let mut lat: Vec<f64> = served.iter().filter_map(|r| r.latency_s()).collect();
    lat.sort_by(f64::total_cmp);
    let mean = |f: &dyn Fn(&Record) -> f64| {
        if ns == 0 {
            0.0
        } else {
            served.iter().map(|r| f(r)).sum::<f64>() / ns as f64
        }
    };
    let q = |p: f64| nearest_rank(&lat, p).unwrap_or(0.0) * 1e3;
    let total_latency: f64 = lat.iter().sum();
    let total_decision: f64 = served.iter().filter_map(|r| r.decision_s()).sum();
    let tokens: f64 = served.iter().filter_map(|r| r.output_tokens).sum();
    let mean_of = |f: fn(&Record) -> Option<f64>| {
        served
            .iter()
            .map(|r| f(r))
            .try_fold(0.0, |s, p| p.map(|p| s + p))
            .filter(|_| ns > 0)
            .map(|s| s / ns as f64)
    };
    let accuracy = mean_of(|r| r.p_correct);
    let mean_perplexity = mean_of(|r| r.perplexity);
    Summary {
        algorithm: algorithm.to_string(),
        decision_time: cfg.decision_time,
        horizon_s: cfg.horizon_s,
        users: world.n_users(),
        servers: world.n_servers(),
        arrived: rec.len(),
        served: ns,
        unfinished: rec.len() - ns,
        decisions,
        mean_batch: if decisions == 0 {
            0.0
        } else {
            batched as f64 / decisions as f64
        },
        limited_decisions: limited,
        latency_ms: Quantiles {
            mean: mean(&|r| r.latency_s().unwrap_or(0.0)) * 1e3,
            p50: q(0.5),
            p95: q(0.95),
            p99: q(0.99),
        },
        parts_ms: Parts {
            queue: mean(&|r| r.queue_s().unwrap_or(0.0)) * 1e3,
            decision: mean(&|r| r.decision_s().unwrap_or(0.0)) * 1e3,
            upload: mean(&|r| r.upload_s().unwrap_or(0.0)) * 1e3,
            compute: mean(&|r| r.compute_s().unwrap_or(0.0)) * 1e3,
        },
        service_ms: mean(&|r| r.service_s.unwrap_or(0.0)) * 1e3,
        token_throughput: tokens / cfg.horizon_s,
        accuracy,
        mean_perplexity,
        offloaded_share: if ns == 0 {
            0.0
        } else {
            served.iter().filter(|r| r.server.is_some()).count() as f64 / ns as f64
        },
        decision_share: if total_latency > 0.0 {
            total_decision / total_latency
        } else {
            0.0
        },
        server_utilisation: world
            .servers()
            .iter()
            .zip(used_flops)
            .map(|(s, u)| u / (s.flops_per_s * cfg.horizon_s))
            .collect(),
        uplink_busy: uplink_busy.iter().map(|b| b / cfg.horizon_s).collect(),
        decision_total_s: decision_total,
    }
}

/// One CSV row of a record, with the latency parts spelled out.
#[derive(Debug, Serialize)]
struct Row {
    id: usize,
    user: usize,
    phase: Phase,
    server: Option<usize>,
    variant: usize,
    arrival_s: f64,
    decision_start_s: Option<f64>,
    dispatch_s: Option<f64>,
    upload_done_s: Option<f64>,
    finish_s: Option<f64>,
    queue_s: Option<f64>,
    decision_s: Option<f64>,
    upload_s: Option<f64>,
    compute_s: Option<f64>,
    latency_s: Option<f64>,
    service_s: Option<f64>,
    output_tokens: Option<f64>,
    p_correct: Option<f64>,
    perplexity: Option<f64>,
}

/// Writes the per-query records as CSV (one row a query, in arrival order; empty
/// cells for what did not happen).
///
/// # Errors
/// [`Error::Csv`] when writing fails.
pub fn write_records<W: std::io::Write>(
    w: W,
    records: &[Record],
    path: &std::path::Path,
) -> Result<()> {
    let err = |error| Error::Csv {
        path: path.to_path_buf(),
        error,
    };
    let mut wr = csv::Writer::from_writer(w);
    for r in records {
        wr.serialize(Row {
            id: r.id,
            user: r.user,
            phase: r.phase,
            server: r.server,
            variant: r.variant,
            arrival_s: r.arrival_s,
            decision_start_s: r.decision_start_s,
            dispatch_s: r.dispatch_s,
            upload_done_s: r.upload_done_s,
            finish_s: r.finish_s,
            queue_s: r.queue_s(),
            decision_s: r.decision_s(),
            upload_s: r.upload_s(),
            compute_s: r.compute_s(),
            latency_s: r.latency_s(),
            service_s: r.service_s,
            output_tokens: r.output_tokens,
            p_correct: r.p_correct,
            perplexity: r.perplexity,
        })
        .map_err(err)?;
    }
    wr.flush().map_err(|e| err(e.into()))?;
    Ok(())
}

#[cfg(test)]
mod tests;
