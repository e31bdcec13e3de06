//! Means and Student-t 95 % confidence intervals of the sweep's points.

/// A mean and the half-width of its 95 % confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stat {
    /// Sample mean.
    pub mean: f64,
    /// Half-width of the 95 % interval (`None` for a single run).
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
            t975(xs.len() - 1) * (var / n).sqrt()
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

/// The 0.975 quantile of Student's t with `df` degrees of freedom: tabulated to three
/// decimals for `df <= 30`, beyond by the Cornish-Fisher expansion in `1/df` (error
/// below 1e-4 there).
///
/// # Panics
/// When `df == 0`.
#[must_use]
pub fn t975(df: usize) -> f64 {
    const TABLE: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    assert!(df > 0, "Student t needs df >= 1");
    if df <= TABLE.len() {
        return TABLE[df - 1];
    }
    let z: f64 = 1.959_963_984_540_054;
    let v = df as f64;
    let (z3, z5, z7) = (z.powi(3), z.powi(5), z.powi(7));
    z + (z3 + z) / (4.0 * v)
        + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * v * v)
        + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * v * v * v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn student_t_quantiles() {
        assert_eq!(t975(1), 12.706);
        assert_eq!(t975(30), 2.042);
        // the expansion continues the table and tends to the normal quantile
        assert!((t975(31) - 2.0395).abs() < 2e-4, "{}", t975(31));
        assert!((t975(120) - 1.9799).abs() < 1e-4, "{}", t975(120));
        assert!((t975(1_000_000) - 1.959_96).abs() < 1e-4);
        assert!((2..200).all(|d| t975(d) < t975(d - 1)));
    }

    #[test]
    fn stat_mean_and_interval() {
        let s = Stat::of(&[1.0, 2.0, 3.0]);
        assert_eq!(s.mean, 2.0);
        // s = 1, t(2) = 4.303, half-width 4.303 / sqrt(3)
        assert!((s.ci95.unwrap() - 4.303 / 3f64.sqrt()).abs() < 1e-12);
        assert_eq!(Stat::of(&[5.0]).ci95, None);
        assert_eq!(Stat::of(&[5.0]).interval(), (5.0, 5.0));
    }
}
