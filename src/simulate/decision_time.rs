//! Modelled decision times: a per-solver power law `c N^a M^b` (seconds) fitted by
//! `llm-offload scaling`, stored here so that a simulation with
//! `--decision-time modelled` is reproducible byte for byte on any machine.
//!
//! Provenance: `llm-offload scaling --algo ALGO -n 10,20,40,80 -m 4,8 --seeds 3
//! --time-limit 1` (goa, local-search, best-response) and `-n 6,8,10,12,14 -m 4,8
//! --seeds 3 --time-limit 5` (tree-search, mip), release build, on the project's
//! shared 2-core machine under load (four builds at once), 2026-12-02; local-search
//! refitted the same way after its stopping rule scaled with N (load about 1,
//! 2026-12-02 03:25 UTC; it was `2.595581e-4 N^1.6250 M^0.3265`, 22 ms at N = 10,
//! M = 8, now 1.3 ms). `c` is
//! `exp` of the fit's intercept on the per-size medians, `a` and `b` its exponents
//! of N and M (the same log-log least squares as `scaling`, src/study/scaling.rs).
//! The exact methods' times grow faster than any power law; their fit is over the
//! sizes they mostly finish (mip: 2 of 3 solves at N = 14, M = 4 and 1 of 3 at
//! N = 14, M = 8 stopped at the 5 s limit, so its law is a lower estimate there),
//! and a run caps the modelled time at the per-epoch time limit (as the measured
//! time would be). At N = 36, M = 8 the laws give about 35 us (goa), 38 ms
//! (local-search), 72 us (best-response), 45 s (tree-search) and 91 s (mip).
//! best-response's fit is of cold starts from all-local; a warm-started decision is
//! modelled with the same law (an overestimate when the warm start is close).

/// One solver's fitted decision time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PowerLaw {
    /// Registry name of the solver.
    pub solver: &'static str,
    /// `c` (s).
    pub c: f64,
    /// Exponent of N.
    pub a: f64,
    /// Exponent of M.
    pub b: f64,
}

impl PowerLaw {
    /// `c N^a M^b` (s) for `n` users and `m` servers (`libm`'s portable `pow`).
    #[must_use]
    pub fn seconds(&self, n: usize, m: usize) -> f64 {
        self.c * libm::pow(n as f64, self.a) * libm::pow(m as f64, self.b)
    }
}

/// The committed table (see the module docs for its provenance).
pub const TABLE: &[PowerLaw] = &[
    PowerLaw {
        solver: "goa",
        c: 4.919090e-7,
        a: 0.9192,
        b: 0.4669,
    },
    PowerLaw {
        solver: "local-search",
        c: 1.710303e-6,
        a: 2.616096,
        b: 0.301041,
    },
    PowerLaw {
        solver: "best-response",
        c: 3.968618e-7,
        a: 1.0766,
        b: 0.6446,
    },
    PowerLaw {
        solver: "tree-search",
        c: 2.838942e-12,
        a: 5.6488,
        b: 4.8853,
    },
    PowerLaw {
        solver: "mip",
        c: 5.394664e-5,
        a: 3.7378,
        b: 0.4516,
    },
];

/// The fitted law of `solver`, if the table has one.
#[must_use]
pub fn law(solver: &str) -> Option<&'static PowerLaw> {
    TABLE.iter().find(|l| l.solver == solver)
}

/// The solvers the table covers, comma separated (for error messages).
#[must_use]
pub fn covered() -> String {
    TABLE
        .iter()
        .map(|l| l.solver)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_is_a_registered_solver_and_grows() {
        for l in TABLE {
            assert!(crate::solvers::by_name(l.solver).is_ok(), "{}", l.solver);
            assert!(l.c > 0.0 && l.a > 0.0 && l.b >= 0.0);
            assert!(l.seconds(40, 8) > l.seconds(20, 8));
        }
        let g = law("goa").unwrap();
        assert!((g.seconds(1, 1) - g.c).abs() < 1e-18);
        assert!(law("exhaustive").is_none());
    }
}
