//! The observed price of anarchy: the social cost of the equilibrium best responses
//! reach ([`BestResponse`]) over the proven optimum of [`TreeSearch`], per instance
//! and summarised over instances (docs/game.md, "Price of anarchy").

use serde::Serialize;

use crate::error::Result;
use crate::instance::Instance;
use crate::solver::{Limits, Outcome, Solver, Status};
use crate::solvers::best_response::{BestResponse, Params};
use crate::solvers::tree_search::TreeSearch;

/// One instance: the equilibrium, the exact search and their ratio.
#[derive(Debug, Clone)]
pub struct Run {
    /// Instance name.
    pub instance: String,
    /// N.
    pub users: usize,
    /// The best responses' answer.
    pub equilibrium: Outcome,
    /// The tree search's answer (optimal when `proven_optimal`).
    pub optimum: Outcome,
    /// Equilibrium social cost over the optimum, when the optimum is proven.
    pub ratio: Option<f64>,
}

impl Run {
    /// Whether the run counts in the [`Summary`]: a converged equilibrium against a
    /// proven optimum.
    #[must_use]
    pub fn counted(&self) -> bool {
        self.ratio.is_some() && self.equilibrium.status() == Status::Converged
    }

    /// The run as JSON: instance, users, both solutions (SPEC 8) and the ratio.
    #[must_use]
    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "instance": self.instance, "users": self.users,
            "equilibrium": self.equilibrium.to_json(), "optimum": self.optimum.to_json(),
            "ratio": self.ratio,
        })
    }
}

/// Runs best responses with `params` (seeded by `seed`) and the tree search within
/// `exact_limits` on `inst`.
///
/// # Errors
/// When either solver refuses or fails (e.g. a tree search without limits on an
/// instance too large for it).
pub fn measure(inst: &Instance, params: Params, seed: u64, exact_limits: &Limits) -> Result<Run> {
    let br_limits = Limits {
        seed,
        ..Limits::default()
    };
    let equilibrium = BestResponse { params }.solve(inst, &br_limits)?;
    let optimum = TreeSearch::default().solve(inst, exact_limits)?;
    let ratio = optimum
        .proven_optimal()
        .then(|| equilibrium.objective() / optimum.objective());
    Ok(Run {
        instance: inst.name().to_string(),
        users: inst.n_users(),
        equilibrium,
        optimum,
        ratio,
    })
}

/// The ratios of the counted runs ([`Run::counted`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Summary {
    /// Runs counted.
    pub count: usize,
    /// Mean ratio.
    pub mean_ratio: Option<f64>,
    /// Largest ratio: the observed price of anarchy.
    pub max_ratio: Option<f64>,
}

/// The summary of `runs`.
#[must_use]
pub fn summarize(runs: &[Run]) -> Summary {
    let ratios: Vec<f64> = runs
        .iter()
        .filter(|r| r.counted())
        .filter_map(|r| r.ratio)
        .collect();
    let n = ratios.len();
    Summary {
        count: n,
        mean_ratio: (n > 0).then(|| ratios.iter().sum::<f64>() / n as f64),
        max_ratio: ratios.iter().copied().reduce(f64::max),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::generate::{generate, GenConfig};

    #[test]
    fn ratios_are_at_least_one_and_summarised() {
        let runs: Vec<Run> = (0..3)
            .map(|seed| {
                let inst = generate(&GenConfig {
                    users: 6,
                    seed,
                    ..GenConfig::default()
                })
                .unwrap();
                measure(&inst, Params::default(), 0, &Limits::default()).unwrap()
            })
            .collect();
        for r in &runs {
            let ratio = r.ratio.unwrap();
            assert!(ratio >= 1.0 - 1e-6, "{ratio}");
        }
        let s = summarize(&runs);
        let counted = runs.iter().filter(|r| r.counted()).count();
        assert_eq!(s.count, counted);
        if counted > 0 {
            assert!(s.max_ratio.unwrap() >= s.mean_ratio.unwrap());
        }
        assert_eq!(
            summarize(&[]),
            Summary {
                count: 0,
                mean_ratio: None,
                max_ratio: None
            }
        );
    }
}
