//! The statistics every study in the toolkit uses, in one place: means with Student-t
//! confidence intervals (sweeps), order statistics and shifted geometric means (gap
//! tables), and ordinary least squares with coefficient intervals (scaling fits).
//!
//! Distribution functions come from `statrs` (Student's t quantiles, exact to the
//! crate's precision rather than a table) and linear algebra from `nalgebra` (the
//! least-squares normal equations by Cholesky): both maintained, widely used crates,
//! chosen so that no quantile or matrix inverse is written by hand here.

use nalgebra::{DMatrix, DVector};
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

use crate::error::{Error, Result};

/// Degrees of freedom beyond which [`t_quantile`] returns the normal quantile: there
/// t and normal quantiles agree to 2e-5, while statrs's t inversion loses about 1e-4
/// (measured at 10^6 degrees of freedom).
pub const NORMAL_BEYOND_DOF: f64 = 1e5;

/// The `p`-quantile (0 < p < 1) of Student's t with `dof > 0` degrees of freedom
/// (the normal quantile beyond [`NORMAL_BEYOND_DOF`]).
///
/// # Panics
/// When `dof` is not positive or `p` is outside (0, 1) (caller bugs).
#[must_use]
pub fn t_quantile(p: f64, dof: f64) -> f64 {
    assert!(p > 0.0 && p < 1.0, "a quantile needs 0 < p < 1, got {p}");
    if dof > NORMAL_BEYOND_DOF {
        return Normal::new(0.0, 1.0)
            .expect("standard normal")
            .inverse_cdf(p);
    }
    StudentsT::new(0.0, 1.0, dof)
        .expect("Student's t needs dof > 0")
        .inverse_cdf(p)
}

/// The CDF of Student's t with `dof > 0` degrees of freedom at `t`.
///
/// # Panics
/// When `dof` is not positive (a caller bug).
#[must_use]
pub fn t_cdf(t: f64, dof: f64) -> f64 {
    StudentsT::new(0.0, 1.0, dof)
        .expect("Student's t needs dof > 0")
        .cdf(t)
}

/// A mean and the half-width of its 95 % confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stat {
    /// Sample mean.
    pub mean: f64,
    /// Half-width of the 95 % Student-t interval (`None` for a single sample).
    pub ci95: Option<f64>,
}

impl Stat {
    /// Mean and Student-t interval of `xs` (summed in order).
    ///
    /// # Panics
    /// When `xs` is empty (a caller bug).
    #[must_use]
    pub fn of(xs: &[f64]) -> Stat {
        assert!(!xs.is_empty(), "a statistic needs at least one sample");
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let ci95 = (xs.len() > 1).then(|| {
            let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0);
            t_quantile(0.975, n - 1.0) * (var / n).sqrt()
        });
        Stat { mean, ci95 }
    }

    /// `(mean - ci95, mean + ci95)`, or `(mean, mean)` without an interval.
    #[must_use]
    pub fn interval(&self) -> (f64, f64) {
        let h = self.ci95.unwrap_or(0.0);
        (self.mean - h, self.mean + h)
    }
}

/// The `q`-quantile (0 < q <= 1) of sorted values by the nearest-rank method: the
/// `ceil(q n)`-th smallest value. `None` for no values.
#[must_use]
pub fn nearest_rank(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (q * sorted.len() as f64).ceil().max(1.0) as usize;
    Some(sorted[rank.min(sorted.len()) - 1])
}

/// The median of sorted values (mean of the two middle values for an even count).
#[must_use]
pub fn median(sorted: &[f64]) -> Option<f64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some(0.5 * (sorted[n / 2 - 1] + sorted[n / 2])),
    }
}

/// Shifted geometric mean `exp(mean(ln(t + shift))) - shift` of non-negative values.
#[must_use]
pub fn shifted_geomean(values: &[f64], shift: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mean = values.iter().map(|t| (t + shift).ln()).sum::<f64>() / values.len() as f64;
    Some(mean.exp() - shift)
}

/// A least-squares fit `y = X beta`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Fit {
    /// Coefficients, in the order of the columns of X.
    pub coefficients: Vec<f64>,
    /// Their standard errors.
    pub std_errors: Vec<f64>,
    /// 95 % confidence intervals `beta +- t_{0.975, dof} se`.
    pub ci95: Vec<(f64, f64)>,
    /// Residual degrees of freedom (observations minus coefficients).
    pub dof: usize,
    /// Coefficient of determination.
    pub r_squared: f64,
}

/// Ordinary least squares of `y` on the rows of `x` (include a column of ones for an
/// intercept): the normal equations `X'X beta = X'y` by Cholesky, standard errors from
/// `s^2 (X'X)^-1`. Cost O(n k^2 + k^3).
///
/// # Errors
/// [`Error::InvalidField`] when there are no more observations than coefficients, the
/// rows have different lengths, or the columns are collinear.
pub fn ols(x: &[Vec<f64>], y: &[f64]) -> Result<Fit> {
    let k = x.first().map_or(0, Vec::len);
    let n = y.len();
    if n != x.len() || k == 0 || n <= k || x.iter().any(|r| r.len() != k) {
        return Err(Error::field(
            "least-squares fit",
            "observations",
            n,
            format!("need more observations than the {k} coefficients, in rows of equal length"),
        ));
    }
    let xm = DMatrix::from_fn(n, k, |r, c| x[r][c]);
    let yv = DVector::from_column_slice(y);
    let xtx = xm.transpose() * &xm;
    let collinear = || {
        Error::field(
            "least-squares fit",
            "sizes",
            "collinear",
            "vary N (and M) over at least two values each",
        )
    };
    let chol = xtx.cholesky().ok_or_else(collinear)?;
    let inv = chol.inverse();
    // A numerically singular X'X can still factor: reject a tiny pivot relative to
    // the matrix's scale, as the hand-written elimination did.
    if (0..k).any(|a| !inv[(a, a)].is_finite() || inv[(a, a)] > 1e12) {
        return Err(collinear());
    }
    let beta = &inv * (xm.transpose() * &yv);
    let resid = &yv - &xm * &beta;
    let dof = n - k;
    let sse = resid.norm_squared();
    let mean = yv.mean();
    let sst: f64 = y.iter().map(|v| (v - mean) * (v - mean)).sum();
    let s2 = sse / dof as f64;
    let t = t_quantile(0.975, dof as f64);
    let se: Vec<f64> = (0..k).map(|a| (s2 * inv[(a, a)]).max(0.0).sqrt()).collect();
    let coefficients: Vec<f64> = beta.iter().copied().collect();
    Ok(Fit {
        ci95: coefficients
            .iter()
            .zip(&se)
            .map(|(b, s)| (b - t * s, b + t * s))
            .collect(),
        coefficients,
        std_errors: se,
        dof,
        r_squared: if sst > 0.0 { 1.0 - sse / sst } else { 1.0 },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn student_t_quantiles_match_tables() {
        // Two-sided 95 % critical values from any statistics table.
        for (dof, t) in [
            (1.0, 12.706_2),
            (2.0, 4.302_7),
            (5.0, 2.570_6),
            (30.0, 2.042_3),
            (120.0, 1.979_9),
            (499.0, 1.964_7),
            (1000.0, 1.962_3),
            (1e5, 1.960_0),
            (1e6, 1.960_0),
        ] {
            let got = t_quantile(0.975, dof);
            assert!((got - t).abs() < 1e-4, "dof {dof}: {got} vs {t}");
        }
        assert!(t_quantile(0.5, 3.0).abs() < 1e-9);
    }

    #[test]
    fn stat_mean_and_interval() {
        let s = Stat::of(&[1.0, 2.0, 3.0]);
        assert_eq!(s.mean, 2.0);
        // s = 1, t(2) = 4.3027, half-width 4.3027 / sqrt(3)
        assert!((s.ci95.unwrap() - 4.302_653 / 3f64.sqrt()).abs() < 1e-5);
        assert_eq!(Stat::of(&[5.0]).ci95, None);
        assert_eq!(Stat::of(&[5.0]).interval(), (5.0, 5.0));
    }

    #[test]
    fn order_statistics() {
        let s = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(median(&s), Some(2.5));
        assert_eq!(median(&[1.0, 2.0, 3.0]), Some(2.0));
        assert_eq!(nearest_rank(&s, 0.95), Some(4.0));
        assert_eq!(nearest_rank(&s, 0.5), Some(2.0));
        assert_eq!(nearest_rank(&[], 0.5), None);
        assert!((shifted_geomean(&[1.0, 1.0], 0.01).unwrap() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn ols_recovers_an_exact_line_and_rejects_bad_designs() {
        let x: Vec<Vec<f64>> = (0..5).map(|i| vec![1.0, f64::from(i)]).collect();
        let y: Vec<f64> = (0..5).map(|i| 2.0 + 3.0 * f64::from(i)).collect();
        let f = ols(&x, &y).unwrap();
        assert!((f.coefficients[0] - 2.0).abs() < 1e-9 && (f.coefficients[1] - 3.0).abs() < 1e-9);
        assert!((f.r_squared - 1.0).abs() < 1e-12);
        let collinear: Vec<Vec<f64>> = (0..5).map(|_| vec![1.0, 2.0]).collect();
        assert!(ols(&collinear, &y).is_err());
        assert!(ols(&[vec![1.0, 1.0]], &[1.0]).is_err());
    }

    proptest! {

        #![proptest_config(crate::proptest_config())]

        #[test]
        fn quantile_inverts_cdf(p in 0.01f64..0.99, dof in 1.0f64..200.0) {
            let t = t_quantile(p, dof);
            prop_assert!((t_cdf(t, dof) - p).abs() < 1e-7);
            prop_assert!((t_quantile(1.0 - p, dof) + t).abs() < 1e-6);
        }
    }
}
