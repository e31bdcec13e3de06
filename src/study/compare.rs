//! Several solvers side by side on one instance, each measured against one reference:
//! the reference [`gaps::reference`] chooses for `table`, so `compare` and `table`
//! give the same runs the same reference and the same gaps.

use serde::Serialize;

use crate::error::Error;
use crate::instance::Instance;
use crate::solver::{Limits, Outcome, Solver};
use crate::study::gaps::{self, Record, Reference};

/// Every solver's answer on one instance and the reference of its gaps.
#[derive(Debug)]
pub struct Comparison {
    /// The outcomes, in the order the solvers were given (failed solvers left out).
    pub outcomes: Vec<Outcome>,
    /// Gap of each outcome (same order) to the reference; `None` for an infeasible
    /// answer or without a reference.
    pub gaps: Vec<Option<f64>>,
    /// The solvers that returned an error (refusal or failure), with the error.
    pub errors: Vec<(&'static str, Error)>,
    /// What the gaps are measured against ([`gaps::reference`]).
    pub reference: Option<Reference>,
    /// Disagreements that can only be bugs (see [`gaps::reference`]).
    pub warnings: Vec<String>,
}

/// One outcome of a [`Comparison`] in JSON: the solution of SPEC 8 plus its gap and
/// the reference (value and kind).
#[derive(Debug, Serialize)]
struct Entry<'a> {
    #[serde(flatten)]
    solution: serde_json::Value,
    gap: Option<f64>,
    reference: Option<&'a Reference>,
}

impl Comparison {
    /// The outcome with the largest bound (the source of a [`gaps::RefKind::Bound`]
    /// reference), if any outcome has a bound.
    #[must_use]
    pub fn best_bound(&self) -> Option<(f64, &Outcome)> {
        self.outcomes
            .iter()
            .filter_map(|o| o.bound_value().map(|b| (b, o)))
            .max_by(|x, y| x.0.total_cmp(&y.0))
    }

    /// The outcomes as JSON solutions (SPEC 8), each with `gap` and `reference`
    /// (`{"value", "kind"}`, `null` without one) added.
    ///
    /// # Panics
    /// Never in practice: every field serialises.
    #[must_use]
    pub fn json(&self) -> Vec<serde_json::Value> {
        self.outcomes
            .iter()
            .zip(&self.gaps)
            .map(|(o, &gap)| {
                serde_json::to_value(Entry {
                    solution: o.to_json(),
                    gap,
                    reference: self.reference.as_ref(),
                })
                .expect("comparison entry serialises")
            })
            .collect()
    }
}

/// Runs every solver on `inst` (read from `file`) within `limits` and measures each
/// feasible answer against the instance's reference ([`gaps::reference`], no known
/// values): a proven optimum if some feasible objective meets a bound, else the best
/// bound, else the best objective found.
#[must_use]
pub fn compare(
    inst: &Instance,
    file: &str,
    solvers: &[Box<dyn Solver>],
    limits: &Limits,
) -> Comparison {
    let time_limit_s = limits.time_limit.map(|d| d.as_secs_f64());
    let mut outcomes = Vec::new();
    let mut records = Vec::new();
    let mut errors = Vec::new();
    for s in solvers {
        let result = s.solve(inst, limits);
        let record = Record::new(inst, file, s.as_ref(), limits.seed, time_limit_s, &result);
        match result {
            Ok(o) => {
                outcomes.push(o);
                records.push(record);
            }
            Err(e) => errors.push((s.name(), e)),
        }
    }
    let refs: Vec<&Record> = records.iter().collect();
    let (reference, warnings) = gaps::reference(&refs, None);
    let gaps = records
        .iter()
        .map(|r| gaps::record_gap(r, reference))
        .collect();
    Comparison {
        outcomes,
        gaps,
        errors,
        reference,
        warnings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::solvers;
    use crate::sources::generate::{generate, GenConfig};
    use crate::study::gaps::RefKind;

    fn named(names: &[&str]) -> Vec<Box<dyn Solver>> {
        names.iter().map(|n| solvers::by_name(n).unwrap()).collect()
    }

    #[test]
    fn an_exact_solver_gives_an_optimum_and_heuristics_non_negative_gaps() {
        let inst = generate(&GenConfig {
            users: 6,
            seed: 3,
            ..GenConfig::default()
        })
        .unwrap();
        let c = compare(
            &inst,
            "x.json",
            &named(&["goa", "all-local-tau", "exhaustive"]),
            &Limits::default(),
        );
        let r = c.reference.unwrap();
        assert_eq!(r.kind, RefKind::Optimum);
        assert!(c.warnings.is_empty(), "{:?}", c.warnings);
        assert_eq!(c.gaps.len(), 3);
        assert_eq!(c.gaps[2], Some(0.0));
        assert!(c.gaps.iter().all(|g| g.unwrap() >= 0.0));
        let json = c.json();
        assert_eq!(json[2]["reference"]["kind"], "optimum");
        assert_eq!(json[2]["gap"], 0.0);
        assert!(json[0].get("assignment").is_some());
    }

    #[test]
    fn heuristics_alone_are_measured_against_the_best_known() {
        let inst = generate(&GenConfig {
            users: 10,
            seed: 1,
            ..GenConfig::default()
        })
        .unwrap();
        let c = compare(
            &inst,
            "x.json",
            &named(&["goa", "all-local", "all-edge"]),
            &Limits::default(),
        );
        let r = c.reference.unwrap();
        assert_eq!(r.kind, RefKind::BestKnown);
        let best = c
            .outcomes
            .iter()
            .filter(|o| o.evaluation().feasible())
            .map(|o| o.objective())
            .fold(f64::INFINITY, f64::min);
        assert_eq!(r.value, best);
        assert!(c.gaps.iter().flatten().any(|&g| g == 0.0));
        assert!(c.best_bound().is_none());
    }
}
