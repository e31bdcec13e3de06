//! `best-response`: selfish users reach a pure Nash equilibrium by best responses
//! (SPEC 5, "Nash best response"; the game-theoretic seed system). See docs/game.md.
//!
//! Each user `i` is a player whose cost is its own `w_i d_i + lambda * perplexity`
//! ([`State::cost_if`]); its strategies are the options of [`Choice::all`] that keep
//! (P) feasible ([`State::allows`]): a user forced by tau has no local option, and a
//! server at its `max_users` cap admits no newcomer. So every profile the dynamics
//! visit is feasible, and an equilibrium is one of the constrained game.
//!
//! One *round* visits every user once, in the [`Order`] of [`Params`]; a visited user
//! moves to its best response when that beats its current cost by more than the
//! tolerance ([`crate::solver::approx_eq`]). Tie-break: keep the current option
//! unless strictly better by more than the tolerance; otherwise the cheapest option,
//! the first in [`Choice::all`] order among equal costs. The run stops when a round
//! makes no move and a check on a freshly built [`State`] confirms that no user can
//! improve by more than the tolerance ([`Status::Converged`], with that largest
//! improvement as `nash_gap`), or at `max_rounds` ([`Status::IterationLimit`]: with
//! player-specific costs, best responses can cycle) or the time limit.
//!
//! Cost: a round is O(N K) cost evaluations (K options per user) plus O(M) per move.
//!
//! With interference off, every server's per-user compute cap inactive
//! (`max_flops_per_user >= flops_per_s`) and no quality penalty, each user's cost on
//! an edge option is `n_j a_ic` and the game has the ordinal potential
//! `Phi = sum_j ln(n_j!) + sum_{i: w_i > 0} ln a_i` ([`potential`]); otherwise no
//! potential is reported (docs/game.md explains why).

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::assignment::{Assignment, Choice};
use crate::error::Result;
use crate::instance::Instance;
use crate::model::{Model, State};
use crate::solver::{approx_eq, Answer, Budget, Diagnostics, Limits, Solver, Stats, Status};

/// In which order users take their turns within a round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum Order {
    /// Users 0, 1, ..., N-1 every round.
    #[default]
    RoundRobin,
    /// A fresh uniform permutation every round (ChaCha8 seeded by `Limits::seed`).
    Random,
}

/// The profile the dynamics start from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum Start {
    /// The `all-local-tau` baseline: everyone on its best local option, users forced by
    /// tau placed as in GOA's phase 1 (no coordination beyond feasibility).
    #[default]
    AllLocal,
    /// GOA's answer.
    Goa,
}

/// Options of the best-response dynamics.
///
/// # Default
/// Round-robin order, all-local start, at most 1000 rounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params {
    /// Turn order within a round.
    pub order: Order,
    /// Start profile.
    pub start: Start,
    /// Rounds before giving up with [`Status::IterationLimit`].
    pub max_rounds: u64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            order: Order::RoundRobin,
            start: Start::AllLocal,
            max_rounds: 1000,
        }
    }
}

/// The `best-response` solver.
#[derive(Debug, Clone, Copy, Default)]
pub struct BestResponse {
    /// Its options.
    pub params: Params,
}

/// User `i`'s best response in `state` among the options it may take, and its cost.
/// Tie-break: the first option of [`Choice::all`] order among equal costs (the current
/// option is always allowed, so a best response exists). `options` must be
/// `Choice::all(inst)` collected. O(K).
#[must_use]
pub fn best_response(state: &State<'_, '_>, i: usize, options: &[Choice]) -> (Choice, f64) {
    let mut best = (state.choice(i), f64::INFINITY);
    for &c in options {
        if state.allows(i, c) {
            let cost = state.cost_if(i, c);
            if cost < best.1 {
                best = (c, cost);
            }
        }
    }
    best
}

/// By how much user `i` could lower its cost by deviating alone (0 when it cannot).
#[must_use]
pub fn improvement(state: &State<'_, '_>, i: usize, options: &[Choice]) -> f64 {
    let (_, best) = best_response(state, i, options);
    (state.cost(i) - best).max(0.0)
}

/// Whether a deviation from cost `current` to cost `candidate` is a strict
/// improvement by more than the tolerance.
#[must_use]
pub fn improves(candidate: f64, current: f64) -> bool {
    candidate < current && !approx_eq(candidate, current)
}

/// The largest improvement any user could make in `a`, computed on a freshly built
/// [`State`], and whether every user is within the tolerance (a pure Nash
/// equilibrium of the constrained game). O(N K).
///
/// # Errors
/// When `a` does not fit `inst`.
pub fn nash_gap(inst: &Instance, a: &Assignment) -> Result<(f64, bool)> {
    let model = Model::new(inst);
    let state = State::from_assignment(&model, a)?;
    let options: Vec<Choice> = Choice::all(inst).collect();
    let mut gap: f64 = 0.0;
    let mut nash = true;
    for i in 0..inst.n_users() {
        let (_, best) = best_response(&state, i, &options);
        let cur = state.cost(i);
        gap = gap.max(cur - best);
        nash &= !improves(best, cur);
    }
    Ok((gap, nash))
}

/// Whether `inst`'s game has the ordinal potential of [`potential`]: interference
/// off, `max_flops_per_user >= flops_per_s` on every server (so a user's edge delay
/// is linear in the load), no `busy_users` (the potential counts instance users only)
/// and no quality penalty (`lambda = 0` or no perplexity).
#[must_use]
pub fn has_potential(inst: &Instance) -> bool {
    let no_penalty = inst.lambda() == 0.0
        || inst
            .device_variants()
            .iter()
            .chain(inst.servers().iter().flat_map(|s| s.variants.iter()))
            .all(|v| v.perplexity.is_none());
    !inst.interference()
        && no_penalty
        && inst
            .servers()
            .iter()
            .all(|s| s.max_flops_per_user >= s.flops_per_s && s.busy_users == 0)
}

/// The ordinal potential `Phi = sum_j ln(n_j!) + sum_{i: c_i > 0} ln a_i` of the
/// current profile, where `a_i = c_i / n_j` for a user on server `j` and `a_i = c_i`
/// for a local user (`c_i` its cost), or `None` when [`has_potential`] is false.
///
/// Under the conditions of [`has_potential`] the edge cost is `c_i = n_j a_ic` with
/// `a_ic` fixed per user and option, so a unilateral move changes `Phi` by exactly
/// `ln c_i(new) - ln c_i(old)`: every improving move lowers `Phi`, hence best
/// responses cannot cycle. Users with zero cost (`w_i = 0`) never move and are left
/// out. O(N + M).
#[must_use]
pub fn potential(state: &State<'_, '_>) -> Option<f64> {
    let inst = state.model().instance();
    if !has_potential(inst) {
        return None;
    }
    let mut phi = 0.0;
    for j in 0..inst.n_servers() {
        phi += (1..=state.load(j)).map(|k| (k as f64).ln()).sum::<f64>();
    }
    for i in 0..inst.n_users() {
        let c = state.cost(i);
        if c > 0.0 {
            let n = state.choice(i).server.map_or(1, |j| state.load(j));
            phi += (c / n as f64).ln();
        }
    }
    Some(phi)
}

impl BestResponse {
    /// `start` made feasible for (P), as [`BestResponse::search_from`] describes.
    fn repaired(&self, inst: &Instance, start: &Assignment) -> Result<Assignment> {
        start.check_fits(inst)?;
        let mut a = start.clone();
        let mut cold: Option<Assignment> = None;
        let m = inst.n_servers();
        let mut loads = vec![0usize; m];
        for i in 0..inst.n_users() {
            let c = a.0[i];
            let over = c.server.is_some_and(|j| {
                inst.servers()[j]
                    .max_users
                    .is_some_and(|cap| loads[j] >= cap)
            });
            if (c.server.is_none() && inst.is_forced(i)) || over {
                if cold.is_none() {
                    cold = Some(self.start_profile(inst)?);
                }
                a.0[i] = cold.as_ref().map_or(c, |cold| cold.0[i]);
            }
            if let Some(j) = a.0[i].server {
                loads[j] += 1;
            }
        }
        if crate::model::evaluate(inst, &a)?.feasible() {
            Ok(a)
        } else {
            self.start_profile(inst)
        }
    }

    fn start_profile(&self, inst: &Instance) -> Result<Assignment> {
        let limits = Limits::default();
        let budget = Budget::start(&limits);
        Ok(match self.params.start {
            Start::AllLocal => super::all_local::AllLocalTau.search(inst, &budget)?,
            Start::Goa => super::goa::Goa.search(inst, &budget)?,
        }
        .assignment)
    }
}

/// What `best-response` reports beyond the counters.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BestResponseDiagnostics {
    /// Rounds played.
    pub rounds: u64,
    /// Improving moves made.
    pub moves: u64,
    /// Largest gain any user could still get by deviating alone (0 at an equilibrium),
    /// recomputed from scratch.
    pub nash_gap: f64,
    /// Whether the profile is a pure Nash equilibrium (certified from scratch).
    pub nash_equilibrium: bool,
    /// Turn order.
    pub order: Order,
    /// Start profile.
    pub start: Start,
    /// Whether the instance is one where the game has the potential below.
    pub potential_game: bool,
    /// Rosenthal-type potential of the final profile, where defined.
    pub potential: Option<f64>,
}

impl Solver for BestResponse {
    fn name(&self) -> &'static str {
        "best-response"
    }
    fn description(&self) -> &'static str {
        "selfish users' best responses to a certified pure Nash equilibrium (round robin from all-local)"
    }
    fn is_seeded(&self) -> bool {
        self.params.order == Order::Random
    }
    fn search(&self, inst: &Instance, budget: &Budget<'_>) -> Result<Answer> {
        self.search_from(inst, budget, &self.start_profile(inst)?)
    }
}

impl BestResponse {
    /// The dynamics from a given start profile instead of [`Params::start`] (a warm
    /// start, e.g. the previous decision's choices in `simulate`); the diagnostics
    /// still name `params.start`. A start that breaks a constraint of (P) is first
    /// repaired user by user: a forced user on a local option, or a user on a server
    /// over its cap, takes its place in the cold start ([`Params::start`]) instead.
    ///
    /// # Errors
    /// [`crate::Error::AssignmentMismatch`] when `start` does not fit `inst`.
    pub fn search_from(
        &self,
        inst: &Instance,
        budget: &Budget<'_>,
        start: &Assignment,
    ) -> Result<Answer> {
        let p = self.params;
        let model = Model::new(inst);
        let start = self.repaired(inst, start)?;
        let mut state = State::from_assignment(&model, &start)?;
        let options: Vec<Choice> = Choice::all(inst).collect();
        let mut rng = ChaCha8Rng::seed_from_u64(budget.seed);
        let mut turn: Vec<usize> = (0..inst.n_users()).collect();
        let mut stats = Stats::default();
        let (mut rounds, mut moves) = (0u64, 0u64);
        let mut certificate = None;
        let status = loop {
            if rounds >= p.max_rounds {
                break Status::IterationLimit;
            }
            if budget.timed_out() {
                break Status::TimeLimit;
            }
            if p.order == Order::Random {
                turn.shuffle(&mut rng);
            }
            rounds += 1;
            let mut moved = 0u64;
            for &i in &turn {
                let (c, best) = best_response(&state, i, &options);
                stats.evaluations += options.len() as u64;
                if c != state.choice(i) && improves(best, state.cost(i)) {
                    state.set(i, c);
                    moved += 1;
                }
            }
            moves += moved;
            if moved == 0 {
                // Certify from scratch (the incremental sums may have drifted).
                let cert = nash_gap(inst, &state.assignment())?;
                stats.evaluations += (inst.n_users() * options.len()) as u64;
                if cert.1 {
                    certificate = Some(cert);
                    break Status::Converged;
                }
                state = State::from_assignment(&model, &state.assignment())?;
            }
        };
        stats.iterations = rounds;
        let assignment = state.assignment();
        let (gap, nash) = match certificate {
            Some(cert) => cert,
            None => nash_gap(inst, &assignment)?,
        };
        let phi = potential(&State::from_assignment(&model, &assignment)?);
        let diagnostics = BestResponseDiagnostics {
            rounds,
            moves,
            nash_gap: gap,
            nash_equilibrium: nash,
            order: p.order,
            start: p.start,
            potential_game: phi.is_some(),
            potential: phi,
        };
        Ok(Answer::new(assignment)
            .with_status(status)
            .with_stats(stats)
            .with_diagnostics(Diagnostics::BestResponse(diagnostics)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::generate::{generate, GenConfig};

    #[test]
    fn converges_to_a_certified_equilibrium() {
        let inst = generate(&GenConfig {
            users: 40,
            seed: 3,
            // With interference on, this instance cycles (a 2-move cycle; see docs/game.md).
            interference: false,
            ..GenConfig::default()
        })
        .unwrap();
        for order in [Order::RoundRobin, Order::Random] {
            let s = BestResponse {
                params: Params {
                    order,
                    ..Params::default()
                },
            };
            let out = s.solve(&inst, &Limits::default()).unwrap();
            assert_eq!(out.status(), Status::Converged);
            assert!(out.evaluation().feasible());
            let Diagnostics::BestResponse(d) = out.diagnostics() else {
                panic!("best-response diagnostics")
            };
            assert!(d.nash_equilibrium);
            assert!(d.nash_gap <= 1e-6);
        }
    }

    #[test]
    fn a_warm_start_at_an_equilibrium_stays_there_and_a_bad_one_is_repaired() {
        let inst = generate(&GenConfig {
            users: 30,
            seed: 5,
            interference: false,
            tau: 0.5,
            ..GenConfig::default()
        })
        .unwrap();
        let s = BestResponse::default();
        let cold = s.solve(&inst, &Limits::default()).unwrap();
        assert_eq!(cold.status(), Status::Converged);
        let limits = Limits::default();
        let warm = s
            .search_from(&inst, &Budget::start(&limits), cold.assignment())
            .unwrap();
        assert_eq!(&warm.assignment, cold.assignment());
        let Diagnostics::BestResponse(d) = &warm.diagnostics else {
            panic!("best-response diagnostics")
        };
        assert_eq!(d.moves, 0);
        // all-local breaks tau for the forced users: repaired, then played to a
        // certified equilibrium
        let all_local = Assignment::all_local(inst.n_users());
        assert!(!crate::model::evaluate(&inst, &all_local)
            .unwrap()
            .feasible());
        let out = s
            .search_from(&inst, &Budget::start(&limits), &all_local)
            .unwrap();
        assert_eq!(out.status, Status::Converged);
        assert!(crate::model::evaluate(&inst, &out.assignment)
            .unwrap()
            .feasible());
        assert!(s
            .search_from(&inst, &Budget::start(&limits), &Assignment::all_local(3))
            .is_err());
    }

    #[test]
    fn round_cap_reports_iteration_limit() {
        let inst = generate(&GenConfig {
            users: 60,
            seed: 1,
            tau: 1.0,
            ..GenConfig::default()
        })
        .unwrap();
        let s = BestResponse {
            params: Params {
                max_rounds: 1,
                ..Params::default()
            },
        };
        let out = s.solve(&inst, &Limits::default()).unwrap();
        // From all-local, the first round moves someone, so one round cannot certify.
        let Diagnostics::BestResponse(d) = out.diagnostics() else {
            panic!("best-response diagnostics")
        };
        assert!(d.moves > 0);
        assert_eq!(out.status(), Status::IterationLimit);
    }
}
