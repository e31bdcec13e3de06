//! The greedy engine behind GOA and the baselines (SPEC 5): phases that place users
//! one at a time on the option with the smallest gap.
//!
//! The gap of user `i` on edge option `c` is `cost_if(i, c) - local_i`, user `i`'s own
//! cost if it alone joined `c` minus the cost of its best local option (SPEC 5's
//! `w_i (d_ij - t_i^L)`, plus the quality penalty when the instance has `lambda > 0`).
//! [`GapWeight::Unit`] replaces `w_i` by 1 (the baselines' "unweighted gaps").
//!
//! Tie-break, for every arg-min here: smallest gap, then lowest user index, then lowest
//! server index, then lowest variant index ([`GapKey`]'s order).
//!
//! Two implementations return identical assignments: [`Engine::Reference`] rescans
//! every pair each step and computes each gap from scratch from the placement history
//! (O(N^3 M) for GOA: N steps x N M pairs x O(N) per gap); [`Engine::Lazy`] keeps a
//! priority queue of stale gaps, which are lower bounds of the current ones because
//! delays only grow as users are placed (SPEC 2), and recomputes only the entry on top
//! until it stays on top. Both sum interference in placement order, so they compute
//! bitwise-identical gaps.

use std::cmp::{Ordering, Reverse};
use std::collections::binary_heap::PeekMut;
use std::collections::BinaryHeap;

use crate::assignment::Choice;
use crate::error::{Error, Result};
use crate::model::{DeltaState, Model, State};
use crate::solver::Stats;

/// Which weights the gaps use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GapWeight {
    /// The instance's `w_i` (GOA).
    Instance,
    /// `w_i = 1` (the baselines' unweighted gaps).
    Unit,
}

/// Which implementation runs the phases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// Full rescan with from-scratch gaps (the reference).
    Reference,
    /// Lazy priority queue (same result, about O(N M log(N M)) per phase in practice).
    Lazy,
}

/// One phase: which users it may place and when it stops.
#[derive(Debug, Clone)]
pub struct Phase {
    /// The users it places (each at most once).
    pub users: Vec<usize>,
    /// Stop as soon as the smallest gap is >= 0 (SPEC 5's phase 2). Otherwise place
    /// every user, positive gaps included (phase 1).
    pub only_negative: bool,
    /// Fail when servers' caps leave a user of this phase without a place (phase 1
    /// for forced users); otherwise stop quietly.
    pub required: bool,
}

/// A candidate `(gap, user, option)`, ordered by the tie-break of the module docs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GapKey {
    /// The gap.
    pub gap: f64,
    /// The user.
    pub user: usize,
    /// The edge option.
    pub choice: Choice,
}

impl Eq for GapKey {}
impl Ord for GapKey {
    fn cmp(&self, other: &Self) -> Ordering {
        self.gap
            .total_cmp(&other.gap)
            .then(self.user.cmp(&other.user))
            .then(self.choice.server.cmp(&other.choice.server))
            .then(self.choice.variant.cmp(&other.choice.variant))
    }
}
impl PartialOrd for GapKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Runs greedy phases from the current `state`, in order.
///
/// # Errors
/// [`Error::Infeasible`] when a required phase cannot place a user because every
/// server is at its `max_users` cap.
pub fn run(
    state: &mut State<'_, '_>,
    phases: &[Phase],
    weight: GapWeight,
    engine: Engine,
    stats: &mut Stats,
) -> Result<()> {
    let model = state.model();
    let inst = model.instance();
    let edge_options: Vec<Choice> = Choice::all(inst).filter(|c| c.server.is_some()).collect();
    let w = |i: usize| match weight {
        GapWeight::Instance => model.weight(i),
        GapWeight::Unit => 1.0,
    };
    // Cost of user i's best local option under the chosen weights.
    let local_ref: Vec<f64> = (0..inst.n_users())
        .map(|i| {
            (0..inst.device_variants().len())
                .map(|v| w(i) * model.local_delay(i, v).total() + model.penalty(Choice::local(v)))
                .fold(f64::INFINITY, f64::min)
        })
        .collect();
    let mut history: Vec<(usize, usize)> = (0..inst.n_users())
        .filter_map(|i| state.choice(i).server.map(|j| (i, j)))
        .collect();
    let weights: Vec<f64> = (0..inst.n_users()).map(w).collect();
    for phase in phases {
        let placed = match engine {
            Engine::Lazy => lazy_phase(
                &mut OwnGaps {
                    state,
                    w: &weights,
                    local_ref: &local_ref,
                },
                phase,
                &edge_options,
                stats,
            ),
            Engine::Reference => reference_phase(
                state,
                phase,
                &edge_options,
                &w,
                &local_ref,
                &mut history,
                stats,
            ),
        };
        check_placed(phase, placed)?;
    }
    Ok(())
}

/// What a greedy phase minimises and how it places a user: GOA's own gaps on a
/// [`State`], or the marginal gaps of a [`DeltaState`].
trait Gaps {
    /// The state.
    fn state(&self) -> &State<'_, '_>;
    /// The gap of user `i` on edge option `c` in the current state.
    fn gap(&mut self, i: usize, c: Choice) -> f64;
    /// The gaps of user `i` on every option of `options`, into `out`.
    fn gaps(&mut self, i: usize, options: &[Choice], out: &mut [f64]) {
        for (o, &c) in out.iter_mut().zip(options) {
            *o = self.gap(i, c);
        }
    }
    /// Places user `i` on `c`.
    fn place(&mut self, i: usize, c: Choice);
}

/// GOA's gap: user i's own cost on `c` minus its best local cost.
struct OwnGaps<'s, 'm, 'a, 'w> {
    state: &'s mut State<'m, 'a>,
    /// The gap weight of each user.
    w: &'w [f64],
    local_ref: &'w [f64],
}

impl Gaps for OwnGaps<'_, '_, '_, '_> {
    fn state(&self) -> &State<'_, '_> {
        self.state
    }
    fn gap(&mut self, i: usize, c: Choice) -> f64 {
        self.w[i] * self.state.delay_if(i, c).total() + self.state.model().penalty(c)
            - self.local_ref[i]
    }
    fn place(&mut self, i: usize, c: Choice) {
        self.state.set(i, c);
    }
}

/// The marginal gap: the change of the total objective when i joins `c`.
struct MarginalGaps<'s, 'm, 'a> {
    ds: &'s mut DeltaState<'m, 'a>,
}

impl Gaps for MarginalGaps<'_, '_, '_> {
    fn state(&self) -> &State<'_, '_> {
        self.ds.state()
    }
    fn gap(&mut self, i: usize, c: Choice) -> f64 {
        self.ds.delta_if(i, c)
    }
    fn gaps(&mut self, i: usize, options: &[Choice], out: &mut [f64]) {
        self.ds.deltas(i, options, out);
    }
    fn place(&mut self, i: usize, c: Choice) {
        self.ds.set(i, c);
    }
}

/// Runs greedy phases with *marginal* gaps: the gap of user `i` on edge option `c` is
/// the change of the total objective (P) if `i` joined `c`
/// ([`DeltaState::delta_if`]: its own cost, minus its cost where it is, plus the
/// congestion and interference it imposes on everyone else). Same phases, same
/// tie-break ([`GapKey`]) as [`run`].
///
/// [`Engine::Lazy`] is exact only when marginal gaps never decrease as users are
/// placed, which holds with interference off (a server's users' delays are convex in
/// its load: comm grows linearly, compute as `max(1/Cmax, n/C)`); with interference
/// on (a user's delay is concave in the interference) `Lazy` is refused in favour of
/// the full rescan: [`Engine::Reference`] recomputes every pending pair's gap from the
/// current state at each step, O(N) steps x O(N (N + M)) each.
///
/// # Errors
/// As [`run`].
pub fn run_marginal(
    ds: &mut DeltaState<'_, '_>,
    phases: &[Phase],
    engine: Engine,
    stats: &mut Stats,
) -> Result<()> {
    let inst = ds.state().model().instance();
    let edge_options: Vec<Choice> = Choice::all(inst).filter(|c| c.server.is_some()).collect();
    let lazy = engine == Engine::Lazy && !inst.interference();
    let mut gaps = MarginalGaps { ds };
    for phase in phases {
        let placed = if lazy {
            lazy_phase(&mut gaps, phase, &edge_options, stats)
        } else {
            rescan_phase(&mut gaps, phase, &edge_options, stats)
        };
        check_placed(phase, placed)?;
    }
    Ok(())
}

fn check_placed(phase: &Phase, placed: usize) -> Result<()> {
    if phase.required && placed < phase.users.len() {
        return Err(Error::Infeasible(format!(
            "{} users must offload but every server is at its max_users cap",
            phase.users.len() - placed
        )));
    }
    Ok(())
}

/// [`GapKey`]'s order packed into one integer, for the lazy queue (a `u128`
/// comparison is a few instructions; the heap's sifting is most of GOA's time):
/// the gap's bits mapped so that integer order is [`f64::total_cmp`]'s order, then
/// the user, then the index of the option in `options` (which lists edge options
/// by server, then variant, so index order is (server, variant) order).
fn pack(gap: f64, user: usize, option: usize) -> u128 {
    let b = gap.to_bits() as i64;
    // f64::total_cmp's transform, then i64 order to u64 order.
    let ordered = ((b ^ ((((b >> 63) as u64) >> 1) as i64)) as u64) ^ (1 << 63);
    debug_assert!(user <= u32::MAX as usize && option <= u32::MAX as usize);
    (u128::from(ordered) << 64) | ((user as u128) << 32) | option as u128
}

fn unpack(key: u128) -> (usize, usize) {
    (((key >> 32) as u32) as usize, (key as u32) as usize)
}

fn lazy_phase<G: Gaps>(g: &mut G, phase: &Phase, options: &[Choice], stats: &mut Stats) -> usize {
    let n = g.state().model().instance().n_users();
    let mut pending = vec![false; n];
    let mut keys = Vec::with_capacity(phase.users.len() * options.len());
    let mut row = vec![0.0; options.len()];
    for &i in &phase.users {
        pending[i] = true;
        g.gaps(i, options, &mut row);
        for (o, &gap) in row.iter().enumerate() {
            keys.push(Reverse(pack(gap, i, o)));
        }
    }
    stats.evaluations += keys.len() as u64;
    // Keys are distinct (user, option), so the pop order does not depend on how the
    // heap was built.
    let mut heap = BinaryHeap::from(keys);
    let mut placed = 0;
    loop {
        let Some(mut top) = heap.peek_mut() else {
            break;
        };
        let key = top.0;
        let (user, o) = unpack(key);
        let choice = options[o];
        if !pending[user] || g.state().is_full(choice.server.expect("edge option")) {
            PeekMut::pop(top);
            continue;
        }
        let gap = g.gap(user, choice);
        let fresh = pack(gap, user, o);
        stats.evaluations += 1;
        if fresh != key {
            // Replace the stale key in place (one sift instead of a pop and a push);
            // the fresh key is the smallest iff it is still on top (keys are unique).
            top.0 = fresh;
            drop(top);
            if heap.peek().is_some_and(|Reverse(k)| *k != fresh) {
                continue;
            }
        } else {
            drop(top);
        }
        if phase.only_negative && gap >= 0.0 {
            break;
        }
        heap.pop();
        g.place(user, choice);
        pending[user] = false;
        placed += 1;
        stats.iterations += 1;
    }
    placed
}

/// Every step recomputes the gap of every pending pair from the current state.
fn rescan_phase<G: Gaps>(g: &mut G, phase: &Phase, options: &[Choice], stats: &mut Stats) -> usize {
    let mut pending: Vec<usize> = phase.users.clone();
    let mut row = vec![0.0; options.len()];
    let mut placed = 0;
    loop {
        let mut best: Option<GapKey> = None;
        for &i in &pending {
            g.gaps(i, options, &mut row);
            stats.evaluations += options.len() as u64;
            for (&c, &gap) in options.iter().zip(&row) {
                if g.state().is_full(c.server.expect("edge option")) {
                    continue;
                }
                let key = GapKey {
                    gap,
                    user: i,
                    choice: c,
                };
                if best.is_none_or(|b| key < b) {
                    best = Some(key);
                }
            }
        }
        let Some(best) = best else { break };
        if phase.only_negative && best.gap >= 0.0 {
            break;
        }
        g.place(best.user, best.choice);
        pending.retain(|&i| i != best.user);
        placed += 1;
        stats.iterations += 1;
    }
    placed
}

fn reference_phase(
    state: &mut State<'_, '_>,
    phase: &Phase,
    options: &[Choice],
    w: &dyn Fn(usize) -> f64,
    local_ref: &[f64],
    history: &mut Vec<(usize, usize)>,
    stats: &mut Stats,
) -> usize {
    let model = state.model();
    let mut pending: Vec<usize> = phase.users.clone();
    let mut placed = 0;
    loop {
        let mut best: Option<GapKey> = None;
        for &i in &pending {
            for &c in options {
                let j = c.server.expect("edge option");
                // From scratch: load and interference of server j from the history.
                let load = history.iter().filter(|&&(_, l)| l == j).count();
                let cap = model.instance().servers()[j].max_users;
                if cap.is_some_and(|k| load >= k) {
                    continue;
                }
                let mut interference = 0.0;
                for &(k, l) in history.iter() {
                    if l != j {
                        interference += model.interference_w(k, j);
                    }
                }
                let d = model.edge_delay(i, j, c.variant, load + 1, interference);
                stats.evaluations += 1;
                let key = GapKey {
                    gap: w(i) * d.total() + model.penalty(c) - local_ref[i],
                    user: i,
                    choice: c,
                };
                if best.is_none_or(|b| key < b) {
                    best = Some(key);
                }
            }
        }
        let Some(best) = best else { break };
        if phase.only_negative && best.gap >= 0.0 {
            break;
        }
        state.set(best.user, best.choice);
        history.push((best.user, best.choice.server.expect("edge option")));
        pending.retain(|&i| i != best.user);
        placed += 1;
        stats.iterations += 1;
    }
    placed
}

/// A state with everyone on their best local option.
#[must_use]
pub fn start<'m, 'a>(model: &'m Model<'a>) -> State<'m, 'a> {
    State::new(model)
}

/// Which users a [`Step`] of a [`Recipe`] places.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Users {
    /// The users with `alpha_i > tau`, whom (P) forces to offload.
    Forced,
    /// The other users.
    Free,
    /// Every user, tau ignored.
    All,
    /// These users (each at most once).
    Given(Vec<usize>),
}

impl Users {
    /// The user indices of `inst` this selects, in increasing order.
    #[must_use]
    pub fn of(&self, inst: &crate::instance::Instance) -> Vec<usize> {
        match self {
            Users::Forced => inst.forced_users().collect(),
            Users::Free => (0..inst.n_users())
                .filter(|&i| !inst.is_forced(i))
                .collect(),
            Users::All => (0..inst.n_users()).collect(),
            Users::Given(users) => users.clone(),
        }
    }
}

/// When a [`Step`] stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Until {
    /// Every user of the step is placed, positive gaps included, and the solve fails
    /// when `max_users` caps leave one without a server (phase 1 for forced users).
    AllPlaced,
    /// Users are placed, positive gaps included, while the caps leave room.
    Room,
    /// Users are placed while the smallest gap is negative (phase 2).
    GapNegative,
}

/// One step of a [`Recipe`]: a set of users and a stopping rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The users it may place.
    pub users: Users,
    /// When it stops.
    pub until: Until,
}

impl Step {
    /// GOA's phase 1 on the forced users.
    pub const FORCED: Step = Step {
        users: Users::Forced,
        until: Until::AllPlaced,
    };

    /// A step on `users` that stops at `until`.
    #[must_use]
    pub fn new(users: Users, until: Until) -> Step {
        Step { users, until }
    }
}

/// A greedy policy as data: the gap weights and the steps, run from everyone local
/// with decisions taken on the instance's nominal model ([`Model::nominal`]: the edge
/// work decisions are made with) and the answer scored, like every answer, by
/// [`crate::model::evaluate`] on the realised model. GOA and every baseline are one
/// recipe each (SPEC 5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipe {
    /// Weights of the gaps.
    pub weight: GapWeight,
    /// The steps, in order.
    pub steps: Vec<Step>,
}

impl Recipe {
    /// GOA: phase 1 on the forced users, then phase 2 on the others, weighted gaps.
    #[must_use]
    pub fn goa() -> Recipe {
        Recipe {
            weight: GapWeight::Instance,
            steps: vec![Step::FORCED, Step::new(Users::Free, Until::GapNegative)],
        }
    }

    /// The phases of this recipe on `inst`.
    #[must_use]
    pub fn phases(&self, inst: &crate::instance::Instance) -> Vec<Phase> {
        self.steps
            .iter()
            .map(|s| Phase {
                users: s.users.of(inst),
                only_negative: s.until == Until::GapNegative,
                required: s.until == Until::AllPlaced,
            })
            .collect()
    }

    /// Runs the recipe on `inst`: the assignment and the counters.
    ///
    /// # Errors
    /// [`Error::Infeasible`] when caps leave a user of an [`Until::AllPlaced`] step
    /// without a server.
    pub fn assign(
        &self,
        inst: &crate::instance::Instance,
        engine: Engine,
    ) -> Result<(crate::assignment::Assignment, Stats)> {
        let model = Model::nominal(inst);
        let mut state = start(&model);
        let mut stats = Stats::default();
        run(
            &mut state,
            &self.phases(inst),
            self.weight,
            engine,
            &mut stats,
        )?;
        Ok((state.assignment(), stats))
    }

    /// Runs the recipe: its [`Answer`](crate::solver::Answer) (the assignment and the
    /// counters; [`crate::solver::run`] times and evaluates it).
    ///
    /// # Errors
    /// As [`Recipe::assign`].
    pub fn answer(
        &self,
        inst: &crate::instance::Instance,
        engine: Engine,
    ) -> Result<crate::solver::Answer> {
        let (assignment, stats) = self.assign(inst, engine)?;
        Ok(crate::solver::Answer::new(assignment).with_stats(stats))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_keys_sort_like_gap_keys() {
        let gaps = [
            -1e300,
            -2.5,
            -0.0,
            0.0,
            1e-310,
            3.0,
            f64::INFINITY,
            -f64::INFINITY,
        ];
        let options = [Choice::edge(0, 0), Choice::edge(0, 1), Choice::edge(2, 0)];
        let mut keys = Vec::new();
        for &gap in &gaps {
            for user in [0, 7, 1 << 20] {
                for (o, &choice) in options.iter().enumerate() {
                    keys.push((GapKey { gap, user, choice }, pack(gap, user, o)));
                }
            }
        }
        for a in &keys {
            for b in &keys {
                assert_eq!(a.0.cmp(&b.0), a.1.cmp(&b.1), "{:?} vs {:?}", a.0, b.0);
            }
        }
    }
}
