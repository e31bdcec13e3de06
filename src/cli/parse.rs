//! Value parsers of flags with a range: a value out of range is a clap usage error
//! (exit code 2) naming the flag, before any work starts.

/// A count of at least 1 (users, servers, runs, seeds, ...).
pub fn at_least_one(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(0) => Err("must be >= 1".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(format!("`{s}`: {e}")),
    }
}

fn number(s: &str) -> Result<f64, String> {
    let v: f64 = s.trim().parse().map_err(|e| format!("`{s}`: {e}"))?;
    if v.is_finite() {
        Ok(v)
    } else {
        Err(format!("{v}: must be a finite number"))
    }
}

/// A finite number.
pub fn finite(s: &str) -> Result<f64, String> {
    number(s)
}

/// A finite number >= 0.
pub fn non_negative(s: &str) -> Result<f64, String> {
    let v = number(s)?;
    if v >= 0.0 {
        Ok(v)
    } else {
        Err(format!("{v}: must be a finite number >= 0"))
    }
}

/// A number in [0, 1] (tau, uncertainties).
pub fn unit_interval(s: &str) -> Result<f64, String> {
    let v = number(s)?;
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{v}: must lie in [0, 1]"))
    }
}

/// The number of worker threads `--jobs n` asks for (0: one per core).
pub fn threads(jobs: usize) -> usize {
    if jobs == 0 {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    } else {
        jobs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(at_least_one("3"), Ok(3));
        assert!(at_least_one("0").is_err());
        assert!(at_least_one("-1").is_err());
        assert_eq!(unit_interval("0.5"), Ok(0.5));
        assert!(unit_interval("1.3").is_err());
        assert!(unit_interval("NaN").is_err());
        assert!(non_negative("-1").is_err());
        assert_eq!(non_negative("0"), Ok(0.0));
        assert!(finite("inf").is_err());
        assert_eq!(finite("-2.5"), Ok(-2.5));
        assert!(threads(0) >= 1);
        assert_eq!(threads(3), 3);
    }
}
