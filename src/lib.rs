//! # llm-offload
//!
//! Which LLM queries of many mobile users should run on the device's small model, and
//! which should go to which edge server's large model, when uplink bandwidth and
//! server compute are shared and token-level uncertainty says how much the large
//! model would help. The model is `SPEC.md` (shared with the other tools); this crate
//! computes it in one place ([`model`]), runs every algorithm on the same instances,
//! and reports objectives recomputed from the returned assignments.
//!
//! ## Modules
//!
//! - [`instance`]: validated instances and their JSON form.
//! - [`validate`]: the field-level checks every reader of input shares.
//! - [`sources`]: where instances come from.
//! - [`sources::generate`]: the paper's simulation scenario, seeded and portable.
//! - [`uncertainty`]: margin-based token uncertainty from top (log-)probabilities.
//! - [`assignment`]: who runs where, on which model variant.
//! - [`model`]: delays, costs, from-scratch [`model::evaluate`] and the incremental
//!   [`model::State`].
//! - [`solver`]: the [`Solver`] trait, [`Limits`], the one path [`run`] that turns a
//!   solver's [`Answer`] into an [`Outcome`], the tolerance and the gap definition.
//! - [`solution`]: the solution file of SPEC 8, read and written.
//! - [`solvers`]: one algorithm per file and the registry ([`solvers::by_name`]).
//! - [`report`]: text tables.
//! - [`study`]: studies of solvers over instance sets.
//! - [`study::compare`]: several solvers on one instance against one reference (as `table`).
//! - [`routing`]: quality-latency routing of queries and dialogues between device and
//!   edge (SPEC 7): latency model, policies, shortest-path offline optimum.
//! - [`plot`]: SVG and PNG charts.
//! - [`sources::queries`]: measured per-query files (JSON lines) for the generator.
//! - [`sweep`]: Monte-Carlo sweeps over users and tau with confidence intervals.
//! - [`study::poa`]: observed price of anarchy (best-response equilibria vs tree-search optima).
//! - [`sources::adversarial`]: instances where GOA is provably suboptimal, optima known.
//! - [`study::gaps`]: optimality gaps over instance sets: records, references, statistics.
//! - [`study::table`]: resumable parallel runs and gap tables (Markdown, CSV, JSON).
//! - [`study::optima`]: known optima of bundled instances (`instances/optima.csv`).
//! - [`study::scaling`]: empirical running-time exponents (log-log least squares, 95 % CI).
//! - [`stats`]: means and Student-t intervals, order statistics, least squares.
//! - [`study::profiles`]: gap-share charts and performance profiles of solve times.
//! - [`simulate`]: offloading over time: arrivals, epochs of decisions whose own time
//!   counts, processor-shared uplinks and servers, latency and throughput
//!   (docs/dynamic.md).
//!
//! ## Algorithms
//!
//! - `goa`: uncertainty-aware greedy offloading, lazy priority queue.
//! - `goa-reference`: the same GOA, straightforward full rescan.
//! - `goa-marginal`: GOA's greedy on marginal changes of the total objective.
//! - `local-search`: iterated local search on the total objective (relocate, swap,
//!   perturb), from the best constructive answer (docs/local_search.md).
//! - `all-local`, `all-edge`, `random`, `min-delay`: the paper's baselines, tau
//!   ignored as in the authors' code (answers may be infeasible for (P));
//!   `all-local-tau`, `all-edge-tau`, `random-tau`, `min-delay-tau` respect it.
//! - `mip`: HiGHS MIP over load levels; exact without interference, a relaxation
//!   bound with it (`docs/exact.md`).
//! - `exhaustive`: enumerates every assignment; exact, for tiny instances.
//! - `best-response`: selfish users' best responses to a certified pure Nash
//!   equilibrium (docs/game.md).
//! - `tree-search`: exact depth-first branch and bound over users (docs/game.md).
//!
//! ## Example
//!
//! ```
//! use llm_offload::sources::generate::{generate, GenConfig};
//! use llm_offload::{solvers, Limits};
//!
//! let inst = generate(&GenConfig { users: 20, seed: 1, ..GenConfig::default() })?;
//! let out = solvers::by_name("goa")?.solve(&inst, &Limits::default())?;
//! assert!(out.evaluation().feasible());
//! # Ok::<(), llm_offload::Error>(())
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod assignment;
pub mod error;
pub mod instance;
pub mod model;
pub mod plot;
pub mod report;
pub mod routing;
pub mod simulate;
pub mod solution;
pub mod solver;
pub mod solvers;
pub mod sources;
pub mod stats;
pub mod study;
pub mod sweep;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod uncertainty;
pub mod validate;

pub use assignment::{Assignment, Choice};
pub use error::{Error, Result};
pub use instance::Instance;
pub use solver::{
    run, Answer, Bound, BoundKind, Budget, Limits, Outcome, Solver, Status, TOLERANCE,
};

/// The README's Rust examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// The proptest configuration of the unit tests: the default case count, from a fixed
/// seed unless `PROPTEST_RNG_SEED` names another (as proptests/strategies.rs does for
/// the property-test binary), so the same commit tests the same cases everywhere.
#[cfg(test)]
pub(crate) fn proptest_config() -> proptest::test_runner::Config {
    use proptest::test_runner::{Config, RngSeed};
    let mut c = Config::default();
    if std::env::var_os("PROPTEST_RNG_SEED").is_none() {
        c.rng_seed = RngSeed::Fixed(20_261_202);
    }
    c
}
