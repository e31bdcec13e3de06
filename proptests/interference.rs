//! The interference-aware bound of `mip` (issue 11): on random instances with
//! interference it never exceeds the exhaustive optimum, nor does the LP bound of
//! the optimum's count, its proofs are right, and refining the breakpoints never
//! lowers it; secant pricing never lowers a bound either.

use llm_offload::solver::approx_eq;
use llm_offload::solvers::exhaustive::Exhaustive;
use llm_offload::solvers::mip::interference::Secants;
use llm_offload::solvers::mip::{interference, Mip};
use llm_offload::{Limits, Solver, Status};
use proptest::prelude::*;

use crate::strategies::{check_feasible, check_not_below, check_optimal, config, instances, Shape};

fn fail(e: impl std::fmt::Display) -> TestCaseError {
    TestCaseError::fail(e.to_string())
}

/// Whether `bound` is at most `optimum` within the tolerance.
fn not_above(bound: f64, optimum: f64) -> bool {
    bound <= optimum || approx_eq(bound, optimum)
}

proptest! {
    #![proptest_config(config(48))]

    /// The LP pass's bound of a count never exceeds the best assignment offloading
    /// that many users: checked at the optimum's count (and, as every count's bound
    /// is at least the least one, the least over counts bounds the optimum).
    #[test]
    fn count_lp_never_exceeds_the_optimum_of_its_count(
        inst in instances(Shape::tiny(8, 3).interference(true)),
        variants in instances(Shape::tiny(5, 2).interference(true).with_variants()),
    ) {
        for inst in [inst, variants] {
            let exact = Exhaustive.solve(&inst, &Limits::default()).map_err(fail)?;
            let t = exact.assignment().offloaded();
            let mut last = f64::NEG_INFINITY;
            for secants in [Secants::Off, Secants::Least, Secants::PerUser] {
                let lp = interference::count_lp_bound(&inst, t, secants).map_err(fail)?;
                let lp = lp.ok_or_else(|| fail("HiGHS proved no LP bound"))?;
                prop_assert!(not_above(lp, exact.objective()), "count {} LP {} ({:?}) above the optimum {}", t, lp, secants, exact.objective());
                // Each pricing adds only costs and rows to the one before.
                prop_assert!(not_above(last, lp), "count {} LP fell to {} with {:?} from {}", t, lp, secants, last);
                last = lp;
            }
        }
    }

    #[test]
    fn bound_never_exceeds_exhaustive_and_proofs_are_right(
        inst in instances(Shape::tiny(8, 3).interference(true)),
        variants in instances(Shape::tiny(5, 2).interference(true).with_variants()),
    ) {
        for inst in [inst, variants] {
            let exact = Exhaustive.solve(&inst, &Limits::default()).map_err(fail)?;
            prop_assert!(exact.proven_optimal());
            let out = Mip::default().solve(&inst, &Limits::default()).map_err(fail)?;
            check_feasible(&inst, &out).map_err(fail)?;
            check_not_below(&out, exact.objective()).map_err(fail)?;
            prop_assert_eq!(out.bound_kind(), Some(llm_offload::BoundKind::Optimum));
            let b = out.bound_value().ok_or_else(|| fail("no bound"))?;
            prop_assert!(not_above(b, exact.objective()), "bound {} above the optimum {}", b, exact.objective());
            if out.proven_optimal() {
                check_optimal(&out, exact.objective()).map_err(fail)?;
                prop_assert_eq!(out.status(), Status::Completed);
            }
        }
    }

    #[test]
    fn refinement_never_lowers_the_bound(
        inst in instances(Shape::tiny(7, 3).interference(true)),
        coarse in prop::collection::vec(prop::collection::vec(0.0..1.0f64, 0..3), 3),
        extra in prop::collection::vec(prop::collection::vec(0.0..1.0f64, 0..3), 3),
    ) {
        let exact = Exhaustive.solve(&inst, &Limits::default()).map_err(fail)?;
        let fine: Vec<Vec<f64>> = coarse
            .iter()
            .zip(&extra)
            .map(|(c, e)| c.iter().chain(e).copied().collect())
            .collect();
        let mut off = Vec::new();
        for secants in [Secants::Off, Secants::PerUser] {
            let at = |f: &[Vec<f64>]| -> Result<f64, TestCaseError> {
                interference::bound_with_breakpoints(&inst, f, secants)
                    .map_err(fail)?
                    .ok_or_else(|| fail("no bound"))
            };
            let (b0, b1, b2) = (at(&[])?, at(&coarse)?, at(&fine)?);
            prop_assert!(not_above(b0, b1), "adding breakpoints lowered the bound ({:?}): {} -> {}", secants, b0, b1);
            prop_assert!(not_above(b1, b2), "adding breakpoints lowered the bound ({:?}): {} -> {}", secants, b1, b2);
            prop_assert!(not_above(b2, exact.objective()), "bound {} ({:?}) above the optimum {}", b2, secants, exact.objective());
            if secants == Secants::Off {
                off = vec![b0, b1, b2];
            } else {
                // Secants add costs to the same buckets.
                for (o, b) in off.iter().zip([b0, b1, b2]) {
                    prop_assert!(not_above(*o, b), "secants lowered a bucketed bound: {} -> {}", o, b);
                }
            }
        }
    }

    #[test]
    fn time_limited_runs_return_a_valid_bound(inst in instances(Shape::tiny(8, 3).interference(true))) {
        let exact = Exhaustive.solve(&inst, &Limits::default()).map_err(fail)?;
        let limits = Limits { time_limit: Some(std::time::Duration::from_millis(1)), ..Limits::default() };
        let out = Mip::default().solve(&inst, &limits).map_err(fail)?;
        check_feasible(&inst, &out).map_err(fail)?;
        check_not_below(&out, exact.objective()).map_err(fail)?;
        if let Some(b) = out.bound_value() {
            prop_assert!(not_above(b, exact.objective()));
        }
    }
}

proptest! {
    // Six settings per case, each refined: fewer cases.
    #![proptest_config(config(12))]

    /// The refinement with continuous edge columns (the default above N = 30) and
    /// each pricing: its bound never exceeds the optimum, its proofs are right.
    #[test]
    fn continuous_refinement_and_every_pricing_bound_exhaustive(
        inst in instances(Shape::tiny(6, 2).interference(true)),
    ) {
        let exact = Exhaustive.solve(&inst, &Limits::default()).map_err(fail)?;
        for secants in [Secants::Off, Secants::Least, Secants::PerUser] {
            for binary_edges_max_users in [0, usize::MAX] {
                let params = interference::Params {
                    secants,
                    binary_edges_max_users,
                    refine_max_users: usize::MAX,
                    // Continuous answers can keep adding breakpoints without closing
                    // a count: a round limit (the bound stays valid) keeps this fast.
                    max_rounds: 10,
                    progress: false,
                    ..interference::Params::default()
                };
                let out = interference::solve(&inst, &Limits::default(), std::time::Instant::now(), &params)
                    .map_err(fail)?;
                let b = out.bound.ok_or_else(|| fail("no bound"))?;
                prop_assert!(not_above(b, exact.objective()), "bound {} ({:?}, binary up to {}) above the optimum {}", b, secants, binary_edges_max_users, exact.objective());
                prop_assert!(out.objective >= exact.objective() || approx_eq(out.objective, exact.objective()));
                if approx_eq(b, out.objective) {
                    prop_assert!(approx_eq(out.objective, exact.objective()), "claimed optimum {} is not {}", out.objective, exact.objective());
                }
            }
        }
    }
}
