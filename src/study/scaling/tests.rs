use proptest::prelude::*;

use super::*;

#[test]
fn ols_recovers_an_exact_power_law() {
    // t = 2e-6 N^3 M^2 exactly: exponents 3 and 2, zero-width intervals.
    let mut x = Vec::new();
    let mut y = Vec::new();
    for n in [10.0f64, 20.0, 40.0, 80.0] {
        for m in [2.0f64, 4.0, 8.0] {
            x.push(vec![1.0, n.ln(), m.ln()]);
            y.push((2e-6 * n.powi(3) * m * m).ln());
        }
    }
    let f = ols(&x, &y).unwrap();
    assert!((f.coefficients[1] - 3.0).abs() < 1e-9);
    assert!((f.coefficients[2] - 2.0).abs() < 1e-9);
    assert!((f.coefficients[0] - 2e-6f64.ln()).abs() < 1e-8);
    assert_eq!(f.dof, 9);
    assert!((f.r_squared - 1.0).abs() < 1e-12);
    assert!(f.ci95[1].1 - f.ci95[1].0 < 1e-6);
}

#[test]
fn ols_matches_a_hand_computed_line() {
    // y = x + noise (+1, -1, -1, +1) on x = 0..3: slope 1 (noise orthogonal to x? no:
    // sum x e = 0 - 1 - 2 + 3 = 0, sum e = 0), so beta = (0, 1), s^2 = 4 / 2 = 2,
    // se(slope) = sqrt(2 / sum (x - 1.5)^2) = sqrt(2 / 5).
    let x: Vec<Vec<f64>> = (0..4).map(|k| vec![1.0, f64::from(k)]).collect();
    let y = [1.0, 0.0, 1.0, 4.0];
    let f = ols(&x, &y).unwrap();
    assert!((f.coefficients[0]).abs() < 1e-12 && (f.coefficients[1] - 1.0).abs() < 1e-12);
    assert!((f.std_errors[1] - (2.0f64 / 5.0).sqrt()).abs() < 1e-12);
    let half = 4.3027 * (2.0f64 / 5.0).sqrt();
    assert!((f.ci95[1].1 - 1.0 - half).abs() < 1e-3);
}

#[test]
fn ols_refuses_degenerate_designs() {
    let x = vec![vec![1.0, 2.0], vec![1.0, 2.0], vec![1.0, 2.0]];
    assert!(ols(&x, &[1.0, 2.0, 3.0]).is_err());
    assert!(ols(&[vec![1.0, 1.0]], &[1.0]).is_err());
}

#[test]
fn measures_and_fits_a_real_solver() {
    let cfg = ScalingConfig {
        users: vec![5, 10, 20],
        servers: vec![2],
        seeds: 2,
        ..ScalingConfig::default()
    };
    let s = crate::solvers::by_name("all-local").unwrap();
    let t = measure(s.as_ref(), &cfg, &|| {}).unwrap();
    assert_eq!(t.len(), 6);
    let sizes = per_size(&t);
    assert_eq!(sizes.len(), 3);
    assert!(sizes
        .iter()
        .all(|s| s.min_s <= s.median_s && s.median_s <= s.max_s));
    let e = fit_exponents(&sizes).unwrap();
    assert!(!e.with_servers && e.fit.coefficients.len() == 2);
}

proptest! {

    #![proptest_config(crate::proptest_config())]

    #[test]
    fn ols_slope_is_exact_without_noise(a in -5.0..5.0f64, b in -3.0..3.0f64, n in 3usize..12) {
        let x: Vec<Vec<f64>> = (0..n).map(|k| vec![1.0, k as f64]).collect();
        let y: Vec<f64> = (0..n).map(|k| a + b * k as f64).collect();
        let f = ols(&x, &y).unwrap();
        prop_assert!((f.coefficients[1] - b).abs() < 1e-8);
        prop_assert!(f.ci95[1].0 <= b + 1e-8 && b - 1e-8 <= f.ci95[1].1);
    }
}
