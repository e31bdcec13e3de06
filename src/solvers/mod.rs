//! The solvers, one algorithm per file, and the registry.
//!
//! | name | file | kind |
//! |---|---|---|
//! | `goa` | [`goa`] | GOA, lazy priority queue |
//! | `goa-reference` | [`goa`] | GOA, straightforward rescan |
//! | `goa-marginal` | [`goa_marginal`] | GOA's greedy on marginal total-objective gaps |
//! | `local-search` | [`local_search`] | iterated local search on the total objective |
//! | `all-local` | [`all_local`] | baseline, tau ignored (the paper's) |
//! | `all-edge` | [`all_edge`] | baseline, tau ignored (the paper's) |
//! | `random` | [`random`] | baseline, tau ignored (the paper's; seeded) |
//! | `min-delay` | [`min_delay`] | baseline, tau ignored (the paper's) |
//! | `all-local-tau`, `all-edge-tau`, `random-tau`, `min-delay-tau` | same files | the baselines made feasible for (P): forced users offloaded first |
//! | `best-response` | [`best_response`] | Nash equilibrium by best responses |
//! | `tree-search` | [`tree_search`] | exact branch and bound over users |
//! | `mip` | [`mip`] | exact MIP (HiGHS); with interference a refined bound on the optimum |
//! | `mip-relaxation` | [`mip`] | the same without interference; interference-free relaxation bound with it |
//! | `exhaustive` | [`exhaustive`] | exact enumeration (tiny instances) |
//! | (`--external NAME=CMD`) | [`external`] | a command outside the crate printing a solution; [`external::by_name_with`] looks it up |
//!
//! The greedy policies (GOA and the baselines) are each a [`greedy::Recipe`]: which
//! users each step places, when it stops, and the gap weights.
//!
//! Adding a solver is one file and one line in [`all`].

pub mod all_edge;
pub mod all_local;
pub mod best_response;
pub mod exhaustive;
pub mod external;
pub mod goa;
pub mod goa_marginal;
pub mod greedy;
pub mod local_search;
pub mod min_delay;
pub mod mip;
pub mod random;
pub mod tree_search;

use crate::error::{Error, Result};
use crate::solver::Solver;

/// Every registered solver, in display order.
#[must_use]
pub fn all() -> Vec<Box<dyn Solver>> {
    vec![
        Box::new(goa::Goa),
        Box::new(goa::GoaReference),
        Box::new(goa_marginal::GoaMarginal),
        Box::new(local_search::LocalSearch::default()),
        Box::new(all_local::AllLocal),
        Box::new(all_edge::AllEdge),
        Box::new(random::Random),
        Box::new(min_delay::MinDelay),
        Box::new(all_local::AllLocalTau),
        Box::new(all_edge::AllEdgeTau),
        Box::new(random::RandomTau),
        Box::new(min_delay::MinDelayTau),
        Box::new(best_response::BestResponse::default()),
        Box::new(tree_search::TreeSearch::default()),
        Box::new(mip::Mip::default()),
        Box::new(mip::Mip {
            config: mip::MipConfig {
                interference: mip::InterferenceBound::Relaxation,
                ..mip::MipConfig::default()
            },
        }),
        Box::new(exhaustive::Exhaustive),
    ]
}

/// The registered names.
#[must_use]
pub fn names() -> Vec<&'static str> {
    all().iter().map(|s| s.name()).collect()
}

/// The solver called `name`.
///
/// # Errors
/// [`Error::UnknownSolver`] listing the known names.
pub fn by_name(name: &str) -> Result<Box<dyn Solver>> {
    all()
        .into_iter()
        .find(|s| s.name() == name)
        .ok_or_else(|| Error::UnknownSolver {
            name: name.to_string(),
            known: names().join(", "),
        })
}
