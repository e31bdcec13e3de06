//! Objective deltas (SPEC 3): the change of the total objective of (P) when one user
//! moves, every user's cost included, for local search and marginal-cost greedy.
//!
//! A move of user `i` from server `a` to option `c` changes, besides `i`'s own cost:
//! - at `a`: one user fewer (`n_a - 1`), and `P_i G_ia` more interference when `i`
//!   goes to another server (it now interferes at `a`);
//! - at its new server `b`: one user more (`n_b + 1`), and `P_i G_ib` less
//!   interference when `i` came from another server;
//! - at every other server `l`: `P_i G_il` more interference when `i` leaves the
//!   device, less when it returns to it, nothing when it moves between servers.
//!
//! The delta sums, over the servers whose load or interference changes, each served
//! user's new cost minus its current one (current costs are cached per user and
//! refreshed per server when a move makes them stale). Cost: O(n_a + n_b) for a move
//! between servers; O(N) (every offloaded user) for a move to or from the device when
//! interference is on; [`DeltaState::deltas`] prices all options of one user for the
//! price of one such move plus O(n_b) per server `b`. Pinned to
//! [`super::evaluate`] by the property tests (`proptests/local_search.rs`).

use crate::assignment::{Assignment, Choice};
use crate::error::Result;

use super::{Model, State};

/// A [`State`] that also knows which users each server serves and every user's
/// current cost, so that it can price a move's change of the total objective.
#[derive(Debug, Clone)]
pub struct DeltaState<'m, 'a> {
    state: State<'m, 'a>,
    /// Users served by each server (unordered).
    members: Vec<Vec<usize>>,
    /// Position of each offloaded user in its server's `members`.
    pos: Vec<usize>,
    /// Every user's cost, valid unless its server is `stale`.
    cost: Vec<f64>,
    /// Every offloaded user's weighted communication and server compute delay
    /// (`w_k t_comm`, `w_k t_comp`), valid unless its server is `stale`.
    wcomm: Vec<f64>,
    wcomp: Vec<f64>,
    /// Per server, the sums of `wcomm` and `wcomp` over its users.
    sum_comm: Vec<f64>,
    sum_comp: Vec<f64>,
    /// Servers whose members' cached costs are out of date.
    stale: Vec<bool>,
    /// Per-server scratch (terms of [`DeltaState::deltas`]).
    scratch: Vec<f64>,
}

impl<'m, 'a> DeltaState<'m, 'a> {
    /// The delta state of an assignment: O(N M).
    ///
    /// # Errors
    /// [`crate::Error::AssignmentMismatch`] when it does not fit the instance.
    pub fn new(model: &'m Model<'a>, a: &Assignment) -> Result<Self> {
        Ok(Self::from_state(State::from_assignment(model, a)?))
    }

    /// Wraps a state: O(N).
    #[must_use]
    pub fn from_state(state: State<'m, 'a>) -> Self {
        let m = state.load.len();
        let n = state.choice.len();
        let mut members = vec![Vec::new(); m];
        let mut pos = vec![0; n];
        for (i, c) in state.choice.iter().enumerate() {
            if let Some(j) = c.server {
                pos[i] = members[j].len();
                members[j].push(i);
            }
        }
        let cost = (0..n).map(|i| state.cost(i)).collect();
        let mut ds = DeltaState {
            state,
            members,
            pos,
            cost,
            wcomm: vec![0.0; n],
            wcomp: vec![0.0; n],
            sum_comm: vec![0.0; m],
            sum_comp: vec![0.0; m],
            stale: vec![true; m],
            scratch: vec![0.0; m],
        };
        ds.refresh();
        ds
    }

    /// The underlying state.
    #[must_use]
    pub fn state(&self) -> &State<'m, 'a> {
        &self.state
    }

    /// Users served by server `j`, in no particular order.
    #[must_use]
    pub fn members(&self, j: usize) -> &[usize] {
        &self.members[j]
    }

    /// Moves user `i` to option `c`: O(M), plus the cost refresh of the servers it
    /// touched, paid at the next price or objective query.
    pub fn set(&mut self, i: usize, c: Choice) {
        let old = self.state.choice[i];
        if old == c {
            return;
        }
        if let Some(a) = old.server {
            let p = self.pos[i];
            self.members[a].swap_remove(p);
            if let Some(&moved) = self.members[a].get(p) {
                self.pos[moved] = p;
            }
            self.stale[a] = true;
        }
        if let Some(b) = c.server {
            self.pos[i] = self.members[b].len();
            self.members[b].push(i);
            self.stale[b] = true;
        }
        if self.state.model.instance().interference() && old.server.is_none() != c.server.is_none()
        {
            // To or from the device: the interference changes at every server.
            self.stale.iter_mut().for_each(|s| *s = true);
        }
        self.state.set(i, c);
        if c.server.is_none() {
            self.cost[i] = self.state.cost(i);
        }
    }

    fn refresh(&mut self) {
        let model = self.state.model;
        for j in 0..self.stale.len() {
            if self.stale[j] {
                let (mut sc, mut sp) = (0.0, 0.0);
                for &k in &self.members[j] {
                    let c = self.state.choice[k];
                    let d = self.state.delay(k);
                    let w = model.weight(k);
                    self.cost[k] = model.cost(k, c, d);
                    self.wcomm[k] = w * d.comm_s;
                    self.wcomp[k] = w * d.comp_s;
                    sc += self.wcomm[k];
                    sp += self.wcomp[k];
                }
                self.sum_comm[j] = sc;
                self.sum_comp[j] = sp;
                self.stale[j] = false;
            }
        }
    }

    /// User `i`'s current cost (refreshing stale caches first).
    pub fn cost(&mut self, i: usize) -> f64 {
        self.refresh();
        self.cost[i]
    }

    /// The objective of the current assignment, summed in user order: O(N).
    pub fn objective(&mut self) -> f64 {
        self.refresh();
        self.cost.iter().sum()
    }

    /// Change of the cost of server `l`'s users other than `skip` if the server had
    /// `load` users and interference `interf` (`None`: unchanged). O(n_l), or O(1)
    /// when the interference is unchanged.
    fn others(&self, l: usize, skip: usize, load: usize, interf: Option<f64>) -> f64 {
        self.others_but(l, skip, skip, load, interf)
    }

    /// The interference at `l` shifted by `dx` (`None` when `dx` is 0).
    fn shifted(&self, l: usize, dx: f64) -> Option<f64> {
        (dx != 0.0).then(|| (self.state.interf[l] + dx).max(0.0))
    }

    /// Change of the total objective if user `i` alone moved to option `c`
    /// (0 for its current option). Caps and tau are not checked here
    /// ([`State::allows`] does that). Cost in the module docs.
    pub fn delta_if(&mut self, i: usize, c: Choice) -> f64 {
        let mut out = [0.0];
        self.deltas(i, &[c], &mut out);
        out[0]
    }

    /// The [`DeltaState::delta_if`] of each option in `options` for user `i`, written
    /// to `out` (same length), for the price of one move to or from the device plus
    /// O(n_b) per server `b` among the options.
    ///
    /// # Panics
    /// When `out` is shorter than `options`.
    pub fn deltas(&mut self, i: usize, options: &[Choice], out: &mut [f64]) {
        self.deltas_below(i, options, out, f64::NEG_INFINITY);
    }

    /// [`DeltaState::deltas`] for a caller that only needs the deltas below
    /// `threshold`: an option's `out` is its exact delta when that delta is below
    /// `threshold`, and otherwise either its exact delta or a lower bound on it that
    /// is itself at or above `threshold`. So the options below `threshold`, and their
    /// order, are the same as with [`DeltaState::deltas`], and a local search that
    /// only takes moves below a negative threshold takes the same moves.
    ///
    /// What it saves, with interference on (without it every price is O(1) or
    /// O(n_b) already and nothing is bounded): each bound drops a sum over other
    /// users, using only that a communication delay is positive, falls with less
    /// interference and that compute only slows with more load.
    /// - To the device from server a: exact at a in O(1) (a's interference does not
    ///   change), and every other server's users gain at most their communication
    ///   delay (their interference falls): O(M) instead of O(N).
    /// - From server a to server b: i's own cost at least its compute part; at a at
    ///   most the O(1) load relief (a's interference rises); at b at most its users'
    ///   communication delay (load up, interference down): O(1) instead of
    ///   O(n_a + n_b) and a logarithm. When that does not decide, i's exact cost and
    ///   a's exact change with the same bound at b: O(n_a).
    /// - Off the device: it only harms the others, so i's compute-only cost plus the
    ///   O(1) load change at b bounds each server option; when every one reaches the
    ///   threshold the O(N) sum of the interference it brings is skipped.
    ///
    /// A bound counts as reaching `threshold` only with a margin of `1e-9` of the
    /// costs involved, for rounding; a property test (`deltas_below_agrees_with_deltas`)
    /// checks the promise against [`DeltaState::deltas`].
    ///
    /// # Panics
    /// When `out` is shorter than `options`.
    pub fn deltas_below(&mut self, i: usize, options: &[Choice], out: &mut [f64], threshold: f64) {
        assert!(out.len() >= options.len(), "one output per option");
        self.refresh();
        let model = self.state.model;
        let m = self.state.load.len();
        let x = |l: usize| model.interference_w(i, l);
        let interference = model.instance().interference();
        let cur = self.state.choice[i];
        let own_now = self.cost[i];
        let load = &self.state.load;
        // Bounds (see above) only where they save an O(N) or O(n_b) sum, with a
        // rounding margin relative to the costs involved.
        let prune = interference && threshold > f64::NEG_INFINITY;
        let total_comm: f64 = self.sum_comm.iter().sum();
        let margin = if prune {
            1e-9 * (own_now.abs() + total_comm + self.sum_comp.iter().sum::<f64>())
        } else {
            0.0
        };
        let reaches = |lb: f64| lb - margin >= threshold;
        match cur.server {
            None => {
                // Leaving the device only harms the others (more load at b, more
                // interference everywhere else): i's compute-only cost plus the O(1)
                // load term at b bounds each server option from below.
                if prune {
                    let lbs = |c: Choice, this: &Self| match c.server {
                        None => this.state.cost_if(i, c) - own_now,
                        Some(b) => {
                            this.state.cost_floor_if(i, c) - own_now
                                + this.others(b, i, load[b] + 1, None)
                        }
                    };
                    if options
                        .iter()
                        .all(|&c| c.server.is_none() || reaches(lbs(c, self)))
                    {
                        for (o, &c) in out.iter_mut().zip(options) {
                            *o = lbs(c, self);
                        }
                        return;
                    }
                }
                // i starts interfering at every server but its own.
                let mut sum_t = 0.0;
                #[allow(clippy::needless_range_loop)] // l indexes load, scratch and others()
                for l in 0..m {
                    let t = if interference {
                        self.others(l, i, load[l], self.shifted(l, x(l)))
                    } else {
                        0.0
                    };
                    sum_t += t;
                    self.scratch[l] = t;
                }
                for (o, &c) in out.iter_mut().zip(options) {
                    let own = self.state.cost_if(i, c) - own_now;
                    *o = match c.server {
                        None => own,
                        Some(b) => {
                            own + self.others(b, i, load[b] + 1, None) + sum_t - self.scratch[b]
                        }
                    };
                }
            }
            Some(a) => {
                // The others at a with i gone, a's interference unchanged: O(1).
                let at_a = self.others(a, i, load[a] - 1, None);
                let mut leave_to_local = None;
                let mut leave_to_server = None;
                for (o, &c) in out.iter_mut().zip(options) {
                    *o = match c.server {
                        Some(b) if b == a => self.state.cost_if(i, c) - own_now,
                        None => {
                            let own = self.state.cost_if(i, c) - own_now;
                            if prune {
                                // The relief at a is exact (`at_a`); elsewhere it is at
                                // most the users' communication delay.
                                let lb = own + at_a - (total_comm - self.sum_comm[a]);
                                if reaches(lb) {
                                    *o = lb;
                                    continue;
                                }
                            }
                            let t = *leave_to_local.get_or_insert_with(|| {
                                let mut t = at_a;
                                if interference {
                                    for l in (0..m).filter(|&l| l != a) {
                                        t += self.others(l, i, load[l], self.shifted(l, -x(l)));
                                    }
                                }
                                t
                            });
                            own + t
                        }
                        Some(b) => {
                            if prune {
                                // At a the interference rises (only harm beyond the
                                // O(1) load term); at b the load grows (compute only
                                // slows) and the interference falls: b's users gain at
                                // most their communication delay.
                                let lb = self.state.cost_floor_if(i, c) - own_now + at_a
                                    - self.sum_comm[b];
                                if reaches(lb) {
                                    *o = lb;
                                    continue;
                                }
                            }
                            let own = self.state.cost_if(i, c) - own_now;
                            let t = *leave_to_server.get_or_insert_with(|| {
                                self.others(a, i, load[a] - 1, self.shifted(a, x(a)))
                            });
                            if prune {
                                let lb = own + t - self.sum_comm[b];
                                if reaches(lb) {
                                    *o = lb;
                                    continue;
                                }
                            }
                            own + t + self.others(b, i, load[b] + 1, self.shifted(b, -x(b)))
                        }
                    };
                }
            }
        }
    }

    /// Change of the total objective if users `i` and `k` exchanged their options
    /// (each takes the other's server and variant; every load stays the same). Caps
    /// hold by construction; tau is not checked here. O(n_a + n_b) when both are
    /// offloaded, O(N) when one is local and interference is on; no state change.
    pub fn swap_delta(&mut self, i: usize, k: usize) -> f64 {
        self.refresh();
        let (ci, ck) = (self.state.choice[i], self.state.choice[k]);
        if ci == ck || i == k {
            return 0.0;
        }
        let model = self.state.model;
        let m = self.state.load.len();
        // What user u adds to the interference at l when on option c.
        let contrib = |u: usize, c: Choice, l: usize| match c.server {
            Some(s) if s != l => model.interference_w(u, l),
            _ => 0.0,
        };
        let new_interf = |l: usize| {
            (self.state.interf[l] - contrib(i, ci, l) - contrib(k, ck, l)
                + contrib(i, ck, l)
                + contrib(k, ci, l))
            .max(0.0)
        };
        let own = |u: usize, c: Choice| match c.server {
            None => model.cost(u, c, model.local_delay(u, c.variant)),
            Some(l) => model.cost(
                u,
                c,
                model.edge_delay(u, l, c.variant, self.state.load[l], new_interf(l)),
            ),
        };
        let mut delta = own(i, ck) - self.cost[i] + own(k, ci) - self.cost[k];
        let everywhere =
            model.instance().interference() && (ci.server.is_none() || ck.server.is_none());
        for l in 0..m {
            let touched = ci.server == Some(l) || ck.server == Some(l);
            if !(touched || everywhere) || self.members[l].is_empty() {
                continue;
            }
            // i's and k's own new costs are in `delta` already.
            let dx = new_interf(l) - self.state.interf[l];
            delta += self.others_but(l, i, k, self.state.load[l], self.shifted(l, dx));
        }
        delta
    }

    /// [`Self::others`] skipping two users.
    ///
    /// With the interference unchanged, every user's communication delay on `l` is
    /// proportional to the load (`D n / (B log2(1 + SINR))`) and its compute delay
    /// inversely proportional to the share, so the change is
    /// `(n'/n - 1) sum w t_comm + (c(n)/c(n') - 1) sum w t_comp` over the others.
    fn others_but(&self, l: usize, a: usize, b: usize, load: usize, interf: Option<f64>) -> f64 {
        let model = self.state.model;
        let Some(interf) = interf else {
            let n = self.state.load[l];
            if n == 0 || load == n {
                return 0.0;
            }
            let (mut sc, mut sp) = (self.sum_comm[l], self.sum_comp[l]);
            let skips: &[usize] = if a == b { &[a] } else { &[a, b] };
            for &u in skips {
                if self.state.choice[u].server == Some(l) {
                    sc -= self.wcomm[u];
                    sp -= self.wcomp[u];
                }
            }
            let ratio = load as f64 / n as f64 - 1.0;
            let share = model.compute_share(l, n) / model.compute_share(l, load) - 1.0;
            return sc * ratio + sp * share;
        };
        let mut sum = 0.0;
        for &u in &self.members[l] {
            if u != a && u != b {
                let c = self.state.choice[u];
                let d = model.edge_delay(u, l, c.variant, load, interf);
                sum += model.cost(u, c, d) - self.cost[u];
            }
        }
        sum
    }
}
