//! Runs of policies over a dialogue set, sweeps of their parameters (the
//! quality-latency frontier), and the matched-quality comparison of two policy
//! families (SPEC 7).
//!
//! Matched quality: for each point of a reference family (e.g. the static threshold
//! at one `theta`), the candidate points (e.g. the seed rule over an `(a, theta)`
//! grid) whose quality is at least the reference's (within [`TOLERANCE`]); among them
//! the one with the least mean latency, and the one with the fewest large-model calls
//! among those no slower than the reference. Choosing the best candidate on the same
//! dialogues it is scored on is an in-sample choice: check a chosen `(a, theta)` on a
//! fresh set (docs/routing.md).

use super::optimum::optimum;
use super::policies::{OutputEstimate, Policy};
use super::{evaluate, Dialogues, RouteStats};
use crate::error::Result;
use crate::solver::TOLERANCE;

/// Totals of `policy` over every dialogue of `set`. Linear in the turns (quadratic
/// per dialogue for the seed rule).
#[must_use]
pub fn run(set: &Dialogues, policy: &Policy) -> RouteStats {
    let mut total = RouteStats::default();
    for d in &set.dialogues {
        total.add(&evaluate(d, &policy.route(d, &set.latency), &set.latency));
    }
    total
}

/// Totals of the per-dialogue offline optima for weight `mu`.
///
/// # Errors
/// As [`optimum`] (a bad `mu`).
pub fn run_optimum(set: &Dialogues, mu: f64) -> Result<RouteStats> {
    let mut total = RouteStats::default();
    for d in &set.dialogues {
        let o = optimum(d, &set.latency, mu)?;
        total.add(&evaluate(d, &o.route, &set.latency));
    }
    Ok(total)
}

/// Which family a sweep point belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// [`Policy::Threshold`].
    Threshold,
    /// [`Policy::SeedRule`].
    SeedRule,
    /// [`Policy::Hysteresis`].
    Hysteresis,
    /// [`Policy::ContextAware`].
    Context,
    /// [`Policy::AlwaysDevice`] and [`Policy::AlwaysEdge`].
    Static,
    /// The offline optimum.
    Optimum,
}

impl Family {
    /// Name used in CSV files and legends.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Family::Threshold => "threshold",
            Family::SeedRule => "seed-rule",
            Family::Hysteresis => "hysteresis",
            Family::Context => "context",
            Family::Static => "static",
            Family::Optimum => "optimum",
        }
    }
}

/// One point of a sweep: a family, its parameters and the totals over the set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// The family.
    pub family: Family,
    /// The online policy (`None` for the optimum).
    pub policy: Option<Policy>,
    /// `a` of the seed rule.
    pub a: Option<f64>,
    /// `theta` of the threshold, hysteresis, context or seed rule.
    pub theta: Option<f64>,
    /// The second parameter of a baseline: the hysteresis band or the context
    /// rule's `w`.
    pub param: Option<f64>,
    /// `mu` of the optimum.
    pub mu: Option<f64>,
    /// Totals over the set.
    pub stats: RouteStats,
}

/// Parameter grids of [`sweep`].
#[derive(Debug, Clone, PartialEq)]
pub struct SweepConfig {
    /// `theta` values of the static threshold.
    pub thresholds: Vec<f64>,
    /// `a` values of the seed rule (1/s).
    pub a_values: Vec<f64>,
    /// `theta` values of the seed rule.
    pub seed_thetas: Vec<f64>,
    /// Output length the seed rule assumes.
    pub output: OutputEstimate,
    /// `theta` values of the hysteresis threshold.
    pub hysteresis_thetas: Vec<f64>,
    /// Band half-widths of the hysteresis threshold.
    pub bands: Vec<f64>,
    /// `theta` values of the context rule.
    pub context_thetas: Vec<f64>,
    /// `w` values of the context rule (s per unit of score).
    pub ws: Vec<f64>,
    /// `mu` values of the offline optimum (s per wrong answer).
    pub mus: Vec<f64>,
}

/// `lo, lo + step, ..., hi`, each value rounded to 6 decimals so that a grid point
/// is the number its label shows (0.3, not 0.30000000000000004).
fn grid(lo: f64, hi: f64, step: f64) -> Vec<f64> {
    let n = ((hi - lo) / step).round() as i64;
    (0..=n)
        .map(|k| ((lo + step * k as f64) * 1e6).round() / 1e6)
        .collect()
}

impl Default for SweepConfig {
    /// `theta` in 0, 0.01, ..., 1 for the threshold; `a` in {0.05, 0.1, 0.2, 0.3,
    /// 0.5, 0.75, 1, 1.5, 2, 3} (`a = 0` is the threshold itself) and `theta` in
    /// -1, -0.99, ..., 1.5 for the seed rule, with the true output lengths;
    /// `theta` in 0, 0.02, ..., 1 with bands {0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4,
    /// 0.5, 0.6} for the hysteresis threshold and with `w` in {0.05, 0.1, 0.25, 0.5,
    /// 1, 2, 4, 8, 16, 32} s for the context rule; `mu` in {0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1, 1.5, 2, 3, 5, 7, 10, 15, 20, 30,
    /// 50, 100} for the optimum.
    fn default() -> Self {
        Self {
            thresholds: grid(0.0, 1.0, 0.01),
            a_values: vec![0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0],
            seed_thetas: grid(-1.0, 1.5, 0.01),
            output: OutputEstimate::Actual,
            hysteresis_thetas: grid(0.0, 1.0, 0.02),
            bands: vec![0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6],
            context_thetas: grid(0.0, 1.0, 0.02),
            ws: vec![0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0],
            mus: vec![
                0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0, 5.0, 7.0, 10.0, 15.0, 20.0,
                30.0, 50.0, 100.0,
            ],
        }
    }
}

/// Every point of the grids of `cfg` over `set`: thresholds first, then the seed rule
/// (`a` major, `theta` minor), the hysteresis threshold and the context rule (`theta`
/// major), always-device and always-edge, then the optimum.
///
/// # Errors
/// As [`run_optimum`] (a bad `mu`).
pub fn sweep(set: &Dialogues, cfg: &SweepConfig) -> Result<Vec<Point>> {
    let mut out = Vec::new();
    for &theta in &cfg.thresholds {
        out.push(Point::of(
            set,
            Family::Threshold,
            Policy::Threshold { theta },
        ));
    }
    for &a in &cfg.a_values {
        for &theta in &cfg.seed_thetas {
            let policy = Policy::SeedRule {
                a,
                theta,
                output: cfg.output,
            };
            out.push(Point::of(set, Family::SeedRule, policy));
        }
    }
    for &theta in &cfg.hysteresis_thetas {
        for &band in &cfg.bands {
            let policy = Policy::Hysteresis { theta, band };
            out.push(Point::of(set, Family::Hysteresis, policy));
        }
    }
    for &theta in &cfg.context_thetas {
        for &w in &cfg.ws {
            let policy = Policy::ContextAware { theta, w };
            out.push(Point::of(set, Family::Context, policy));
        }
    }
    for policy in [Policy::AlwaysDevice, Policy::AlwaysEdge] {
        out.push(Point::of(set, Family::Static, policy));
    }
    for &mu in &cfg.mus {
        out.push(Point {
            family: Family::Optimum,
            policy: None,
            a: None,
            theta: None,
            param: None,
            mu: Some(mu),
            stats: run_optimum(set, mu)?,
        });
    }
    Ok(out)
}

impl Point {
    /// The point of `policy` (of `family`) over `set`, its parameters filled in.
    #[must_use]
    pub fn of(set: &Dialogues, family: Family, policy: Policy) -> Point {
        let (a, theta, param) = match policy {
            Policy::AlwaysDevice | Policy::AlwaysEdge => (None, None, None),
            Policy::Threshold { theta } => (None, Some(theta), None),
            Policy::Hysteresis { theta, band } => (None, Some(theta), Some(band)),
            Policy::ContextAware { theta, w } => (None, Some(theta), Some(w)),
            Policy::SeedRule { a, theta, .. } => (Some(a), Some(theta), None),
        };
        Point {
            family,
            policy: Some(policy),
            a,
            theta,
            param,
            mu: None,
            stats: run(set, &policy),
        }
    }
}

/// The points not dominated in (higher quality, lower mean latency), sorted by
/// increasing latency. A point is dominated when another has quality at least as
/// high and latency at most as high, one of them strictly (beyond [`TOLERANCE`]);
/// among equal points the first is kept.
#[must_use]
pub fn pareto(points: &[Point]) -> Vec<Point> {
    let mut idx: Vec<usize> = (0..points.len()).collect();
    idx.sort_by(|&i, &j| {
        let (p, q) = (&points[i].stats, &points[j].stats);
        p.mean_latency_s()
            .total_cmp(&q.mean_latency_s())
            .then(q.quality().total_cmp(&p.quality()))
            .then(i.cmp(&j))
    });
    let mut out: Vec<Point> = Vec::new();
    for i in idx {
        let q = points[i].stats.quality();
        if out
            .last()
            .is_none_or(|last| q > last.stats.quality() + TOLERANCE)
        {
            out.push(points[i]);
        }
    }
    out
}

/// The matched-quality comparison of one reference point (module docs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Match {
    /// The reference point.
    pub reference: Point,
    /// The candidate of least mean latency with at least the reference's quality
    /// (ties: fewer edge calls, then the earlier candidate).
    pub fastest: Option<Point>,
    /// The candidate with the fewest edge calls among those with at least the
    /// reference's quality and at most its mean latency (ties: less latency, then the
    /// earlier candidate).
    pub fewest_calls: Option<Point>,
}

/// For each reference point, the best candidates at matched quality (module docs).
/// `O(|reference| * |candidates|)`.
#[must_use]
pub fn matched_quality(reference: &[Point], candidates: &[Point]) -> Vec<Match> {
    reference
        .iter()
        .map(|r| {
            let (rq, rl) = (r.stats.quality(), r.stats.mean_latency_s());
            let ok: Vec<&Point> = candidates
                .iter()
                .filter(|c| c.stats.quality() + TOLERANCE >= rq)
                .collect();
            let fastest = ok
                .iter()
                .min_by(|x, y| {
                    x.stats
                        .mean_latency_s()
                        .total_cmp(&y.stats.mean_latency_s())
                        .then(x.stats.edge_calls.cmp(&y.stats.edge_calls))
                })
                .map(|p| **p);
            let fewest_calls = ok
                .iter()
                .filter(|c| c.stats.mean_latency_s() <= rl + TOLERANCE)
                .min_by(|x, y| {
                    x.stats.edge_calls.cmp(&y.stats.edge_calls).then(
                        x.stats
                            .mean_latency_s()
                            .total_cmp(&y.stats.mean_latency_s()),
                    )
                })
                .map(|p| **p);
            Match {
                reference: *r,
                fastest,
                fewest_calls,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pt(latency_s: f64, correct: f64, edge_calls: usize) -> Point {
        Point {
            family: Family::SeedRule,
            policy: None,
            a: None,
            theta: None,
            param: None,
            mu: None,
            stats: RouteStats {
                turns: 10,
                edge_calls,
                switches: 0,
                latency_s,
                correct,
            },
        }
    }

    #[test]
    fn pareto_keeps_only_undominated_points() {
        let pts = [
            pt(10.0, 5.0, 1),
            pt(12.0, 5.0, 1),
            pt(11.0, 7.0, 2),
            pt(9.0, 4.0, 0),
        ];
        let front: Vec<f64> = pareto(&pts).iter().map(|p| p.stats.latency_s).collect();
        assert_eq!(front, [9.0, 10.0, 11.0]);
    }

    #[test]
    fn matched_quality_needs_at_least_the_reference_quality() {
        let reference = [pt(10.0, 6.0, 5)];
        let cands = [
            pt(8.0, 5.9, 1),
            pt(9.0, 6.0, 4),
            pt(9.5, 7.0, 3),
            pt(11.0, 9.0, 0),
        ];
        let m = matched_quality(&reference, &cands)[0];
        assert_eq!(m.fastest.unwrap().stats.latency_s, 9.0);
        assert_eq!(m.fewest_calls.unwrap().stats.edge_calls, 3);
        let none = matched_quality(&[pt(1.0, 10.0, 0)], &cands)[0];
        assert!(none.fastest.is_none() && none.fewest_calls.is_none());
    }
}
