use proptest::prelude::*;

use super::*;

/// A hand-made record: `objective` None means an error; `bound` a proven bound.
pub(crate) fn rec(inst: &str, solver: &str, objective: Option<f64>, bound: Option<f64>) -> Record {
    Record {
        instance: inst.into(),
        file: format!("{inst}.json"),
        instance_hash: fnv1a_hex(inst.as_bytes()),
        users: 5,
        servers: 2,
        interference: false,
        variants: false,
        solver: solver.into(),
        exact: bound.is_some(),
        seed: 0,
        time_limit_s: None,
        status: objective.map(|_| Status::Completed),
        objective,
        bound,
        bound_kind: bound.map(|_| crate::solver::BoundKind::Optimum),
        proven_optimal: matches!((objective, bound), (Some(o), Some(b)) if approx_eq(o, b)),
        feasible: objective.is_some(),
        elapsed_s: 0.001,
        version: None,
        error: objective.is_none().then(|| "failed".into()),
        refused: false,
    }
}

fn solvers(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| (*s).to_string()).collect()
}

#[test]
fn gap_against_proven_optimum() {
    let rs = [
        rec("a", "mip", Some(10.0), Some(10.0)),
        rec("a", "goa", Some(11.0), None),
    ];
    let t = summarize(&rs, &solvers(&["mip", "goa"]), &BTreeMap::new());
    let goa = &t.rows[1];
    let g = goa.gaps.unwrap();
    assert!((g.mean - 0.1).abs() < 1e-12 && g.hits == 0 && g.count == 1);
    let mip = &t.rows[0];
    assert_eq!(mip.gaps.unwrap().hits, 1);
    assert_eq!(mip.proven_optimal, Some(1));
    assert_eq!(goa.proven_optimal, None);
    assert_eq!(t.rows[0].references.get(&RefKind::Optimum), Some(&1));
    assert!(t.warnings.is_empty());
}

#[test]
fn zero_optimum() {
    // Optimum 0 (every weight 0): equal answers have gap exactly 0, a positive answer
    // has the finite gap value / 1e-9 of the definition.
    let rs = [
        rec("z", "exhaustive", Some(0.0), Some(0.0)),
        rec("z", "goa", Some(0.0), None),
        rec("z", "all-local", Some(1e-3), None),
    ];
    let t = summarize(
        &rs,
        &solvers(&["exhaustive", "goa", "all-local"]),
        &BTreeMap::new(),
    );
    assert_eq!(t.rows[1].gaps.unwrap().max, 0.0);
    assert_eq!(t.rows[1].gaps.unwrap().hits, 1);
    let g = t.rows[2].gaps.unwrap().max;
    assert!(g.is_finite() && (g - 1e6).abs() < 1e-3, "{g}");
}

#[test]
fn missing_bounds_fall_back_to_bound_then_best_known() {
    // A timed-out exact solver: its bound is the reference (marked Bound).
    let mut timed_out = rec("b", "mip", Some(12.0), Some(9.0));
    timed_out.status = Some(Status::TimeLimit);
    let rs = [timed_out, rec("b", "goa", Some(10.0), None)];
    let t = summarize(&rs, &solvers(&["mip", "goa"]), &BTreeMap::new());
    assert_eq!(t.instances[0].reference.unwrap().kind, RefKind::Bound);
    assert!((t.rows[1].gaps.unwrap().mean - 1.0 / 9.0).abs() < 1e-12);
    assert_eq!(t.rows[0].time_limits, 1);
    assert_eq!(t.rows[0].proven_optimal, Some(0));
    // No bound at all: the best objective found, marked BestKnown.
    let rs = [
        rec("c", "goa", Some(10.0), None),
        rec("c", "random", Some(15.0), None),
    ];
    let t = summarize(&rs, &solvers(&["goa", "random"]), &BTreeMap::new());
    assert_eq!(t.instances[0].reference.unwrap().kind, RefKind::BestKnown);
    assert_eq!(t.rows[0].gaps.unwrap().hits, 1);
    assert!((t.rows[1].gaps.unwrap().max - 0.5).abs() < 1e-12);
    // Nothing feasible: no reference, no gaps, failures counted.
    let rs = [rec("d", "goa", None, None)];
    let t = summarize(&rs, &solvers(&["goa"]), &BTreeMap::new());
    assert_eq!(t.instances[0].reference, None);
    assert_eq!(t.rows[0].gaps, None);
    assert_eq!((t.rows[0].failed, t.rows[0].solved), (1, 0));
    assert_eq!(t.rows[0].time_sgm_s, None);
}

#[test]
fn known_optimum_from_file_is_used_and_checked() {
    let known = BTreeMap::from([(
        "k".to_string(),
        Known {
            best_known: 5.0,
            best_bound: Some(5.0),
        },
    )]);
    let rs = [rec("k", "goa", Some(4.0), None)];
    let t = summarize(&rs, &solvers(&["goa"]), &known);
    assert_eq!(t.instances[0].reference.unwrap().kind, RefKind::Optimum);
    assert_eq!(t.warnings.len(), 1, "{:?}", t.warnings);
    assert!(t.warnings[0].contains("below the proven optimum"));
}

#[test]
fn disagreeing_optima_are_reported() {
    let rs = [
        rec("e", "mip", Some(10.0), Some(10.0)),
        rec("e", "exhaustive", Some(10.5), Some(10.5)),
    ];
    let t = summarize(&rs, &solvers(&["mip", "exhaustive"]), &BTreeMap::new());
    assert!(t
        .warnings
        .iter()
        .any(|w| w.contains("proven optima differ")));
    assert!(t
        .warnings
        .iter()
        .any(|w| w.contains("above the proven optimum")));
}

#[test]
fn classes_group_by_size_and_regime() {
    let mut a = rec("a", "goa", Some(1.0), None);
    let mut b = rec("b", "goa", Some(1.0), None);
    let c = rec("c", "goa", Some(1.0), None);
    a.users = 10;
    b.interference = true;
    let t = summarize(&[a, b, c], &solvers(&["goa"]), &BTreeMap::new());
    assert_eq!(t.rows.len(), 3);
    assert_eq!(t.rows[0].class.users, 5);
    assert!(!t.rows[0].class.interference && t.rows[1].class.interference);
    assert_eq!(t.rows[2].class.users, 10);
}

#[test]
fn quantiles_and_means_by_hand() {
    let s = [1.0, 2.0, 3.0, 4.0];
    assert_eq!(median(&s), Some(2.5));
    assert_eq!(nearest_rank(&s, 0.95), Some(4.0));
    assert_eq!(nearest_rank(&s, 0.5), Some(2.0));
    assert_eq!(nearest_rank(&[], 0.5), None);
    let twenty: Vec<f64> = (1..=20).map(f64::from).collect();
    assert_eq!(nearest_rank(&twenty, 0.95), Some(19.0));
    let g = shifted_geomean(&[0.0, 0.0], 0.01).unwrap();
    assert!(g.abs() < 1e-15);
    // sqrt((1 + 0.01)(0.01 + 0.01)) - 0.01
    let g = shifted_geomean(&[1.0, 0.01], 0.01).unwrap();
    assert!((g - ((1.01f64 * 0.02).sqrt() - 0.01)).abs() < 1e-12);
}

proptest! {

    #![proptest_config(crate::proptest_config())]

    #[test]
    fn stats_are_ordered(gaps in prop::collection::vec(0.0..10.0f64, 1..40)) {
        let s = GapStats::of(&gaps).unwrap();
        let min = gaps.iter().copied().fold(f64::INFINITY, f64::min);
        prop_assert!(min <= s.median && s.median <= s.p95 + 1e-12 && s.p95 <= s.max);
        prop_assert!(min - 1e-12 <= s.mean && s.mean <= s.max + 1e-12);
        prop_assert_eq!(s.count, gaps.len());
    }

    #[test]
    fn shifted_geomean_lies_between_min_and_max(ts in prop::collection::vec(0.0..5.0f64, 1..30), shift in 0.0001..1.0f64) {
        let g = shifted_geomean(&ts, shift).unwrap();
        let lo = ts.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = ts.iter().copied().fold(0.0, f64::max);
        prop_assert!(lo - 1e-9 <= g && g <= hi + 1e-9, "{} not in [{}, {}]", g, lo, hi);
        let mean = ts.iter().sum::<f64>() / ts.len() as f64;
        prop_assert!(g <= mean + 1e-9);
    }

    #[test]
    fn gaps_are_never_negative_against_a_true_optimum(opt in 0.0..100.0f64, extra in prop::collection::vec(0.0..50.0f64, 1..6)) {
        let mut rs = vec![rec("p", "exact", Some(opt), Some(opt))];
        let names: Vec<String> = std::iter::once("exact".to_string()).chain((0..extra.len()).map(|k| format!("h{k}"))).collect();
        for (k, e) in extra.iter().enumerate() {
            rs.push(rec("p", &names[k + 1], Some(opt + e), None));
        }
        let t = summarize(&rs, &names, &BTreeMap::new());
        prop_assert!(t.warnings.is_empty());
        for (r, e) in t.rows.iter().skip(1).zip(&extra) {
            let g = r.gaps.unwrap().max;
            prop_assert!(g >= 0.0);
            prop_assert_eq!(g == 0.0, approx_eq(opt + e, opt));
        }
    }
}

#[test]
fn highs_version_matches_the_lock_file() {
    let lock = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.lock")).unwrap();
    let at = lock
        .find("name = \"highs-sys\"")
        .expect("highs-sys is locked");
    let version = lock[at..].lines().nth(1).unwrap();
    let v = version
        .trim_start_matches("version = \"")
        .trim_end_matches('"');
    assert_eq!(
        crate::solvers::mip::HIGHS_VERSION,
        format!("HiGHS {v} (highs-sys {v})")
    );
}

proptest! {

    #![proptest_config(crate::proptest_config())]

    /// Every planned solve lands in exactly one of solved / failed / refused, hits
    /// never exceed the gaps counted, and proven counts only exact solvers' answers.
    #[test]
    fn row_counts_add_up(cells in prop::collection::vec((0usize..4, 0.0..2.0f64, any::<bool>()), 1..24)) {
        let names = solvers(&["exact", "h"]);
        let mut rs = Vec::new();
        for (k, &(kind, v, big)) in cells.iter().enumerate() {
            let inst = format!("i{k}");
            let mut e = rec(&inst, "exact", Some(1.0), Some(1.0));
            if kind == 3 {
                e = rec(&inst, "exact", None, Some(1.0));
                e.refused = true;
            }
            let mut h = match kind {
                0 => rec(&inst, "h", Some(1.0 + v), None),
                1 => rec(&inst, "h", None, None),
                _ => rec(&inst, "h", Some(1.0), None),
            };
            if kind == 2 {
                h.feasible = false;
            }
            if big {
                e.users = 9;
                h.users = 9;
            }
            rs.push(e);
            rs.push(h);
        }
        let t = summarize(&rs, &names, &BTreeMap::new());
        for r in &t.rows {
            prop_assert_eq!(r.solved + r.failed + r.refused, r.instances);
            if let Some(g) = r.gaps {
                prop_assert!(g.hits <= g.count && g.count <= r.solved);
            }
            prop_assert_eq!(r.proven_optimal.is_some(), r.solver == "exact");
        }
        prop_assert_eq!(t.rows.iter().map(|r| r.instances).sum::<usize>(), 2 * cells.len());
    }
}
