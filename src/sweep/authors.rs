//! Our sweep beside the GOA authors' published per-point means
//! (shared/kim2026/authors-means.csv; `sweep --compare-authors FILE`).
//!
//! For every `(N, tau, policy)` present in both, the table gives ours, theirs and the
//! difference for accuracy (points of percent), mean delay (ms and %), its local /
//! comm / comp split (ms) and the offloaded count. The paper's orderings are counted
//! in both; an ordering is *clear* in the authors' data at a point when its margin
//! exceeds our 95 % interval of the same difference (`sqrt(h_a^2 + h_b^2)` from the
//! two marginal half-widths: the authors publish no intervals, and their 500 runs
//! have about the same noise as ours). The worst point per policy and metric comes
//! first, against the reproduction targets (delay within 10 %, accuracy within 1.5
//! points).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use super::{Point, Stat};
use crate::error::{Error, Result};
use crate::solver::approx_eq;

/// Reproduction target on the mean delay: within this relative difference.
pub const DELAY_TARGET: f64 = 0.10;
/// Reproduction target on accuracy: within this many points of percent.
pub const ACCURACY_TARGET_PTS: f64 = 1.5;

/// One row of the authors' file.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct AuthorsPoint {
    /// tau.
    pub tau: f64,
    /// N.
    pub users: usize,
    /// Policy, in our names (`goa`, `all-local`, `all-edge`, `random`, `min-delay`).
    pub policy: String,
    /// Accuracy (%).
    pub accuracy_pct: f64,
    /// Mean delay per user (ms).
    pub mean_delay_ms: f64,
    /// Local part (ms per user).
    pub local_ms: f64,
    /// Communication part (ms per user).
    pub comm_ms: f64,
    /// Server computation part (ms per user).
    pub comp_ms: f64,
    /// Mean offloaded users, when published.
    pub offloaded: Option<f64>,
}

/// Reads the authors' per-point means (columns as in shared/kim2026/README.md).
///
/// # Errors
/// [`Error::Line`] naming the file and line of a malformed row, or of a negative or
/// non-finite figure.
pub fn parse(text: &str, path: &Path) -> Result<Vec<AuthorsPoint>> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let mut out = Vec::new();
    for (k, row) in reader.deserialize::<AuthorsPoint>().enumerate() {
        let line = k + 2;
        let err = |message: String| Error::Line {
            path: path.to_path_buf(),
            line,
            message,
        };
        let p = row.map_err(|e| err(e.to_string()))?;
        let figures = [
            ("tau", p.tau),
            ("accuracy_pct", p.accuracy_pct),
            ("mean_delay_ms", p.mean_delay_ms),
            ("local_ms", p.local_ms),
            ("comm_ms", p.comm_ms),
            ("comp_ms", p.comp_ms),
            ("offloaded", p.offloaded.unwrap_or(0.0)),
        ];
        if let Some((name, v)) = figures.iter().find(|(_, v)| !(v.is_finite() && *v >= 0.0)) {
            return Err(err(format!("`{name}` = {v}: must be a finite number >= 0")));
        }
        out.push(p);
    }
    if out.is_empty() {
        return Err(Error::Line {
            path: path.to_path_buf(),
            line: 1,
            message: "no rows after the header".into(),
        });
    }
    Ok(out)
}

/// Ours beside theirs at one `(N, tau, policy)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Row<'a> {
    /// Our point.
    pub ours: &'a Point,
    /// Their point.
    pub theirs: &'a AuthorsPoint,
}

impl Row<'_> {
    /// Our accuracy in %, when the instances carry correctness.
    #[must_use]
    pub fn our_accuracy_pct(&self) -> Option<f64> {
        self.ours.accuracy.map(|s| 100.0 * s.mean)
    }

    /// Ours minus theirs, accuracy in points.
    #[must_use]
    pub fn accuracy_diff_pts(&self) -> Option<f64> {
        self.our_accuracy_pct()
            .map(|a| a - self.theirs.accuracy_pct)
    }

    /// Ours over theirs minus 1, mean delay.
    #[must_use]
    pub fn delay_rel_diff(&self) -> f64 {
        1e3 * self.ours.delay_s.mean / self.theirs.mean_delay_ms - 1.0
    }

    /// Our mean delay without the run of largest delay (ms; the mean when there is
    /// one run): how much a single heavy-tail run moves the point.
    #[must_use]
    pub fn delay_without_worst_run_ms(&self) -> f64 {
        let (r, p) = (self.ours.runs as f64, self.ours);
        if self.ours.runs < 2 {
            return 1e3 * p.delay_s.mean;
        }
        1e3 * (r * p.delay_s.mean - p.delay_max_run_s) / (r - 1.0)
    }
}

/// The rows of every point present in both, in our order.
#[must_use]
pub fn pair<'a>(ours: &'a [Point], theirs: &'a [AuthorsPoint]) -> Vec<Row<'a>> {
    ours.iter()
        .filter_map(|p| {
            theirs
                .iter()
                .find(|t| t.users == p.users && approx_eq(t.tau, p.tau) && t.policy == p.algorithm)
                .map(|t| Row { ours: p, theirs: t })
        })
        .collect()
}

/// Which quantity an ordering compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Metric {
    Delay,
    Accuracy,
}

/// An ordering of the paper: every `(low, high)` pair has `low`'s metric below
/// `high`'s.
struct Ordering {
    label: &'static str,
    metric: Metric,
    pairs: Vec<(&'static str, &'static str)>,
}

fn orderings() -> Vec<Ordering> {
    let all = ["goa", "all-local", "all-edge", "random", "min-delay"];
    let others = |p: &'static str| all.iter().copied().filter(move |q| *q != p);
    vec![
        Ordering {
            label: "GOA faster than all-local",
            metric: Metric::Delay,
            pairs: vec![("goa", "all-local")],
        },
        Ordering {
            label: "GOA faster than random",
            metric: Metric::Delay,
            pairs: vec![("goa", "random")],
        },
        Ordering {
            label: "GOA faster than all-edge",
            metric: Metric::Delay,
            pairs: vec![("goa", "all-edge")],
        },
        Ordering {
            label: "min-delay fastest",
            metric: Metric::Delay,
            pairs: others("min-delay").map(|q| ("min-delay", q)).collect(),
        },
        Ordering {
            label: "all-edge slowest",
            metric: Metric::Delay,
            pairs: others("all-edge").map(|q| (q, "all-edge")).collect(),
        },
        Ordering {
            label: "all-edge most accurate",
            metric: Metric::Accuracy,
            pairs: others("all-edge").map(|q| (q, "all-edge")).collect(),
        },
        Ordering {
            label: "all-local least accurate",
            metric: Metric::Accuracy,
            pairs: others("all-local").map(|q| ("all-local", q)).collect(),
        },
        Ordering {
            label: "GOA more accurate than min-delay",
            metric: Metric::Accuracy,
            pairs: vec![("min-delay", "goa")],
        },
        Ordering {
            label: "GOA more accurate than random",
            metric: Metric::Accuracy,
            pairs: vec![("random", "goa")],
        },
    ]
}

/// Mean and 95 % half-width of `metric` (ms or %) for ours, and theirs' mean.
fn figures(r: &Row<'_>, metric: Metric) -> Option<(f64, f64, f64)> {
    match metric {
        Metric::Delay => Some((
            1e3 * r.ours.delay_s.mean,
            1e3 * r.ours.delay_s.ci95.unwrap_or(0.0),
            r.theirs.mean_delay_ms,
        )),
        Metric::Accuracy => r.ours.accuracy.map(|s: Stat| {
            (
                100.0 * s.mean,
                100.0 * s.ci95.unwrap_or(0.0),
                r.theirs.accuracy_pct,
            )
        }),
    }
}

/// How an ordering fares over the grid.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OrderingCount {
    /// Its name.
    pub label: &'static str,
    /// Grid points where every policy it names is present.
    pub points: usize,
    /// Points where it holds in the authors' data.
    pub theirs: usize,
    /// Points where it holds in ours.
    pub ours: usize,
    /// Points where it is clear in theirs (margin above our interval).
    pub clear: usize,
    /// Clear points where ours agrees with theirs.
    pub clear_agree: usize,
}

/// The orderings counted over the rows.
#[must_use]
pub fn count_orderings(rows: &[Row<'_>]) -> Vec<OrderingCount> {
    let mut grid: BTreeMap<(usize, u64), Vec<&Row<'_>>> = BTreeMap::new();
    for r in rows {
        grid.entry((r.ours.users, r.ours.tau.to_bits()))
            .or_default()
            .push(r);
    }
    orderings()
        .into_iter()
        .map(|o| {
            let mut c = OrderingCount {
                label: o.label,
                ..OrderingCount::default()
            };
            for rs in grid.values() {
                let get = |name: &str| {
                    rs.iter()
                        .find(|r| r.ours.algorithm == name)
                        .and_then(|r| figures(r, o.metric))
                };
                let Some(pairs) = o
                    .pairs
                    .iter()
                    .map(|&(lo, hi)| Some((get(lo)?, get(hi)?)))
                    .collect::<Option<Vec<_>>>()
                else {
                    continue;
                };
                c.points += 1;
                let ours_holds = pairs.iter().all(|(lo, hi)| lo.0 < hi.0);
                let theirs_holds = pairs.iter().all(|(lo, hi)| lo.2 < hi.2);
                // the tightest pair in their data decides whether the ordering is clear
                let clear = pairs
                    .iter()
                    .all(|(lo, hi)| (hi.2 - lo.2).abs() > (lo.1 * lo.1 + hi.1 * hi.1).sqrt());
                c.ours += usize::from(ours_holds);
                c.theirs += usize::from(theirs_holds);
                if clear {
                    c.clear += 1;
                    c.clear_agree += usize::from(ours_holds == theirs_holds);
                }
            }
            c
        })
        .collect()
}

/// The worst point of one policy and metric.
#[derive(Debug, Clone, PartialEq)]
pub struct Worst {
    /// The policy.
    pub policy: String,
    /// The metric's name and unit.
    pub metric: &'static str,
    /// The difference (ours - theirs) of largest magnitude.
    pub diff: f64,
    /// Where.
    pub users: usize,
    /// Where.
    pub tau: f64,
    /// Points of the policy within the target (when the metric has one).
    pub within_target: Option<usize>,
    /// Points of the policy.
    pub points: usize,
}

/// Per policy (in our order) and metric, the point of largest difference.
#[must_use]
pub fn worst(rows: &[Row<'_>]) -> Vec<Worst> {
    type Metric = (&'static str, Option<f64>, fn(&Row<'_>) -> Option<f64>);
    let metrics: [Metric; 7] = [
        ("mean delay (%)", Some(100.0 * DELAY_TARGET), |r| {
            Some(100.0 * r.delay_rel_diff())
        }),
        ("accuracy (points)", Some(ACCURACY_TARGET_PTS), |r| {
            r.accuracy_diff_pts()
        }),
        (
            "mean delay without our worst run (%)",
            Some(100.0 * DELAY_TARGET),
            |r| Some(100.0 * (r.delay_without_worst_run_ms() / r.theirs.mean_delay_ms - 1.0)),
        ),
        ("local (ms)", None, |r| {
            Some(1e3 * r.ours.local_s.mean - r.theirs.local_ms)
        }),
        ("comm (ms)", None, |r| {
            Some(1e3 * r.ours.comm_s.mean - r.theirs.comm_ms)
        }),
        ("comp (ms)", None, |r| {
            Some(1e3 * r.ours.comp_s.mean - r.theirs.comp_ms)
        }),
        ("offloaded", None, |r| {
            r.theirs.offloaded.map(|t| r.ours.offloaded.mean - t)
        }),
    ];
    let mut policies: Vec<&str> = Vec::new();
    for r in rows {
        if !policies.contains(&r.ours.algorithm.as_str()) {
            policies.push(&r.ours.algorithm);
        }
    }
    let mut out = Vec::new();
    for policy in policies {
        let of: Vec<&Row<'_>> = rows.iter().filter(|r| r.ours.algorithm == policy).collect();
        for (name, target, f) in &metrics {
            let diffs: Vec<(f64, &Row<'_>)> =
                of.iter().filter_map(|r| f(r).map(|d| (d, *r))).collect();
            let Some(&(diff, at)) = diffs.iter().max_by(|a, b| a.0.abs().total_cmp(&b.0.abs()))
            else {
                continue;
            };
            out.push(Worst {
                policy: policy.to_string(),
                metric: name,
                diff,
                users: at.ours.users,
                tau: at.ours.tau,
                within_target: target.map(|t| diffs.iter().filter(|(d, _)| d.abs() <= t).count()),
                points: diffs.len(),
            });
        }
    }
    out
}

fn opt(v: Option<f64>, decimals: usize) -> String {
    v.map_or_else(|| "-".to_string(), |x| format!("{x:.decimals$}"))
}

/// The side-by-side report as Markdown: worst points, orderings, then every point.
#[must_use]
pub fn markdown(rows: &[Row<'_>]) -> String {
    let mut s = String::new();
    let runs = rows.first().map_or(0, |r| r.ours.runs);
    let _ = writeln!(
        s,
        "Ours: {runs} runs per point; theirs: the authors' published means (500 runs). \
         diff = ours - theirs (delay also in % of theirs).\n"
    );
    s.push_str("### Worst point per policy and metric\n\n");
    s.push_str(
        "| policy | metric | worst diff | at N, tau | within target |\n|---|---|---|---|---|\n",
    );
    for w in worst(rows) {
        let _ = writeln!(
            s,
            "| {} | {} | {:+.2} | {}, {} | {} |",
            w.policy,
            w.metric,
            w.diff,
            w.users,
            w.tau,
            w.within_target
                .map_or_else(|| "-".to_string(), |k| format!("{k} / {}", w.points))
        );
    }
    s.push_str(
        "\n### The paper's orderings, counted in both\n\n\
         | ordering | points | holds in theirs | holds in ours | clear in theirs | ours agrees where clear |\n\
         |---|---|---|---|---|---|\n",
    );
    for c in count_orderings(rows) {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} / {} |",
            c.label, c.points, c.theirs, c.ours, c.clear, c.clear_agree, c.clear
        );
    }
    s.push_str(
        "\n### Every point\n\n\
         | tau | N | policy | accuracy % ours / theirs / diff | mean delay ms ours / theirs / diff % | \
         without our worst run ms / diff % | local ms | comm ms | comp ms | offloaded | infeasible runs |\n\
         |---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for r in rows {
        let (o, t) = (r.ours, r.theirs);
        let pair = |ours: f64, theirs: f64| format!("{ours:.2} / {theirs:.2}");
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} / {:.2} / {} | {:.2} / {:.2} / {:+.1} | {:.2} / {:+.1} | {} | {} | {} | {:.1} / {} | {} |",
            o.tau,
            o.users,
            o.algorithm,
            opt(r.our_accuracy_pct(), 2),
            t.accuracy_pct,
            opt(r.accuracy_diff_pts().map(|d| (d * 100.0).round() / 100.0), 2),
            1e3 * o.delay_s.mean,
            t.mean_delay_ms,
            100.0 * r.delay_rel_diff(),
            r.delay_without_worst_run_ms(),
            100.0 * (r.delay_without_worst_run_ms() / t.mean_delay_ms - 1.0),
            pair(1e3 * o.local_s.mean, t.local_ms),
            pair(1e3 * o.comm_s.mean, t.comm_ms),
            pair(1e3 * o.comp_s.mean, t.comp_ms),
            o.offloaded.mean,
            opt(t.offloaded, 1),
            o.infeasible_runs,
        );
    }
    s
}

/// The side-by-side table as CSV (one row per point; `*_ours`, `*_theirs`, `*_diff`).
#[must_use]
pub fn csv(rows: &[Row<'_>]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["users".to_string(), "tau".into(), "policy".into()];
    for m in [
        "accuracy_pct",
        "delay_ms",
        "local_ms",
        "comm_ms",
        "comp_ms",
        "offloaded",
    ] {
        for k in ["ours", "theirs", "diff"] {
            header.push(format!("{m}_{k}"));
        }
    }
    header.push("delay_ms_without_worst_run".into());
    header.push("infeasible_runs".into());
    w.write_record(&header)
        .expect("writing to memory cannot fail");
    for r in rows {
        let (o, t) = (r.ours, r.theirs);
        let mut rec = vec![o.users.to_string(), o.tau.to_string(), o.algorithm.clone()];
        let mut three = |ours: Option<f64>, theirs: Option<f64>| {
            rec.push(opt(ours, 4));
            rec.push(opt(theirs, 4));
            rec.push(opt(ours.zip(theirs).map(|(a, b)| a - b), 4));
        };
        three(r.our_accuracy_pct(), Some(t.accuracy_pct));
        three(Some(1e3 * o.delay_s.mean), Some(t.mean_delay_ms));
        three(Some(1e3 * o.local_s.mean), Some(t.local_ms));
        three(Some(1e3 * o.comm_s.mean), Some(t.comm_ms));
        three(Some(1e3 * o.comp_s.mean), Some(t.comp_ms));
        three(Some(o.offloaded.mean), t.offloaded);
        rec.push(format!("{:.4}", r.delay_without_worst_run_ms()));
        rec.push(o.infeasible_runs.to_string());
        w.write_record(&rec).expect("writing to memory cannot fail");
    }
    String::from_utf8(w.into_inner().expect("in-memory writer")).expect("CSV is UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stat(mean: f64, ci: f64) -> Stat {
        Stat {
            mean,
            ci95: Some(ci),
        }
    }

    fn point(algorithm: &str, delay_ms: f64, acc: f64) -> Point {
        let z = stat(0.0, 0.0);
        Point {
            users: 50,
            tau: 0.6,
            algorithm: algorithm.into(),
            runs: 10,
            accuracy: Some(stat(acc, 0.001)),
            delay_s: stat(delay_ms / 1e3, 0.1 / 1e3),
            comm_s: z,
            comp_s: z,
            local_s: stat(delay_ms / 1e3, 0.0),
            offloaded: stat(3.0, 0.0),
            forced: z,
            forced_local: z,
            infeasible_runs: 0,
            delay_max_run_s: 2.0 * delay_ms / 1e3,
            objective: z,
            accuracy_diff: None,
            delay_diff_s: z,
            solver_time_s: z,
        }
    }

    const FILE: &str =
        "tau,users,policy,accuracy_pct,mean_delay_ms,local_ms,comm_ms,comp_ms,offloaded\n\
        0.6,50,goa,56.0,20.0,20.0,0.0,0.0,49.4\n\
        0.6,50,all-local,45.0,36.0,36.0,0.0,0.0,\n\
        0.6,60,goa,55.0,21.0,21.0,0.0,0.0,\n";

    #[test]
    fn parses_pairs_and_finds_the_worst() {
        let theirs = parse(FILE, Path::new("a.csv")).unwrap();
        assert_eq!(theirs.len(), 3);
        assert_eq!(theirs[0].offloaded, Some(49.4));
        assert_eq!(theirs[1].offloaded, None);
        // goa 21 ms against 20 (+5 %), all-local 36 against 36; goa 0.57 against 56 %
        let ours = vec![point("goa", 21.0, 0.57), point("all-local", 36.0, 0.44)];
        let rows = pair(&ours, &theirs);
        assert_eq!(rows.len(), 2);
        let w = worst(&rows);
        let delay = w
            .iter()
            .find(|w| w.policy == "goa" && w.metric.starts_with("mean"))
            .unwrap();
        assert!((delay.diff - 5.0).abs() < 1e-9 && delay.within_target == Some(1));
        // without its worst run (42 ms of 10 runs) goa averages 168 / 9 ms: -6.7 %
        let without = w
            .iter()
            .find(|w| w.policy == "goa" && w.metric.contains("without"))
            .unwrap();
        assert!((without.diff - 100.0 * (168.0 / 9.0 / 20.0 - 1.0)).abs() < 1e-9);
        let acc = w
            .iter()
            .find(|w| w.policy == "all-local" && w.metric.starts_with("acc"))
            .unwrap();
        assert!((acc.diff + 1.0).abs() < 1e-9);
        let c = count_orderings(&rows);
        let faster = c
            .iter()
            .find(|c| c.label == "GOA faster than all-local")
            .unwrap();
        assert_eq!(
            (faster.points, faster.theirs, faster.ours, faster.clear),
            (1, 1, 1, 1)
        );
        // orderings naming absent policies are not counted
        assert_eq!(
            c.iter()
                .find(|c| c.label == "min-delay fastest")
                .unwrap()
                .points,
            0
        );
        let md = markdown(&rows);
        assert!(
            md.contains(
                "| 0.6 | 50 | goa | 57.00 / 56.00 / 1.00 | 21.00 / 20.00 / +5.0 | 18.67 / -6.7 |"
            ),
            "{md}"
        );
        assert_eq!(csv(&rows).lines().count(), 3);
    }

    #[test]
    fn bad_rows_name_their_line() {
        let bad = FILE.replace("0.6,60,goa,55.0,21.0", "0.6,60,goa,55.0,-21.0");
        match parse(&bad, Path::new("a.csv")) {
            Err(Error::Line { line, message, .. }) => {
                assert_eq!(line, 4);
                assert!(message.contains("mean_delay_ms"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        let err = parse("tau,users\n0.6,x\n", Path::new("b.csv")).unwrap_err();
        assert!(err.to_string().starts_with("b.csv:2:"), "{err}");
        assert!(parse(FILE.lines().next().unwrap(), Path::new("c.csv")).is_err());
    }
}
