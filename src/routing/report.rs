//! The reports of `llm-offload route` (docs/routing.md): the policies against the
//! offline optimum on one file, the quality-latency frontier with the matched-quality
//! comparison of the seed rule and the static threshold, its two CSV files and its
//! chart, and the held-out check on a second file.
//!
//! Percentages are printed with one decimal, latencies in ms with one decimal; the
//! latency saving of a seed-rule point over a static threshold is
//! `-relative_gap(seed latency, static latency)`.

use crate::error::Result;
use crate::plot::{Chart, Series, Style};
use crate::report::markdown_table;
use crate::solver::relative_gap;

use super::frontier::{
    self, matched_quality, pareto, run, run_optimum, Family, Match, Point, SweepConfig,
};
use super::policies::{OutputEstimate, Policy};
use super::{Dialogues, RouteStats};

fn pct(x: f64) -> String {
    let v = 100.0 * x;
    // No "-0.0" for values that round to zero.
    format!("{:.1}", if v.abs() < 0.05 { 0.0 } else { v })
}

fn ms(s: &RouteStats) -> String {
    format!("{:.1}", 1e3 * s.mean_latency_s())
}

fn opt_f(x: Option<f64>) -> String {
    x.map_or_else(String::new, |v| format!("{v}"))
}

/// The columns the in-sample and held-out matched-quality tables share.
const MATCH_COLUMNS: [&str; 9] = [
    "static theta",
    "quality %",
    "latency ms",
    "edge %",
    "seed a / theta",
    "seed quality %",
    "seed latency ms",
    "latency saving %",
    "seed edge %",
];

/// Whether `theta` is a multiple of 0.1 (the rows the text tables show).
fn is_tenth(theta: Option<f64>) -> bool {
    theta.is_some_and(|t| (10.0 * t - (10.0 * t).round()).abs() < 1e-9)
}

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// The latency saving of `p` over the static threshold `m.reference` (fraction).
fn saving(p: &Point, reference: &Point) -> f64 {
    -relative_gap(p.stats.mean_latency_s(), reference.stats.mean_latency_s())
}

/// The text report of `policies` and the offline optimum for quality weight `mu` on
/// `set`: the file's size, the cost definition and one table row per policy (mean
/// latency, edge-call rate, quality, switches, weighted cost per turn, gap to the
/// optimum).
///
/// # Errors
/// When `mu` is not a finite number >= 0.
pub fn policies(set: &Dialogues, policies: &[Policy], mu: f64) -> Result<String> {
    let optimum = run_optimum(set, mu)?;
    let opt_cost = optimum.weighted_cost(mu);
    let turns = set.turns() as f64;
    let row = |label: String, s: &RouteStats, gap: String| {
        vec![
            label,
            ms(s),
            pct(s.edge_rate()),
            pct(s.quality()),
            s.switches.to_string(),
            format!("{:.3}", s.weighted_cost(mu) / turns),
            gap,
        ]
    };
    let mut rows: Vec<Vec<String>> = policies
        .iter()
        .map(|p| {
            let s = run(set, p);
            let gap = pct(relative_gap(s.weighted_cost(mu), opt_cost));
            row(p.label(), &s, gap)
        })
        .collect();
    rows.push(row(
        format!("optimum(mu={mu}, offline)"),
        &optimum,
        "0.0".into(),
    ));
    let table = markdown_table(
        &[
            "policy",
            "mean latency ms",
            "edge calls %",
            "quality %",
            "switches",
            "weighted cost s/turn",
            "gap to optimum %",
        ],
        rows,
    );
    Ok(format!(
        "dialogue file {}: {} dialogues, {} turns\n\
         weighted cost per turn = (latency_s + mu * (1 - correct)) summed / turns, mu = {mu} s; \
         gap = (cost - optimum) / optimum\n\
         {table}\n",
        set.name,
        set.dialogues.len(),
        set.turns(),
    ))
}

/// The frontier of one file: every swept point, and for each static threshold the
/// seed-rule match and the offline optimum's fastest point at matched quality.
#[derive(Debug, Clone)]
pub struct Study {
    /// The file's name.
    pub name: String,
    /// The sweep's grid.
    pub config: SweepConfig,
    /// Every point of [`frontier::sweep`].
    pub points: Vec<Point>,
    /// Per static threshold (theta order): its seed-rule match, and the fastest
    /// offline-optimum point with at least its quality.
    pub matches: Vec<(Match, Option<Point>)>,
    /// Per static threshold (theta order): the fastest baseline point (threshold,
    /// hysteresis, context rule, always-device, always-edge) with at least its
    /// quality.
    pub baseline_matches: Vec<Match>,
}

/// The baseline families: every online policy but the seed rule.
pub const BASELINES: [Family; 4] = [
    Family::Threshold,
    Family::Hysteresis,
    Family::Context,
    Family::Static,
];

/// The points of the baseline families ([`BASELINES`]).
#[must_use]
pub fn baselines(points: &[Point]) -> Vec<Point> {
    points
        .iter()
        .filter(|p| BASELINES.contains(&p.family))
        .copied()
        .collect()
}

impl Study {
    /// Sweeps `set` with the seed rule's output estimate `output` (the default grid
    /// of [`SweepConfig`]) and matches each family against the static threshold.
    ///
    /// # Errors
    /// As [`frontier::sweep`].
    pub fn new(set: &Dialogues, output: OutputEstimate) -> Result<Self> {
        let config = SweepConfig {
            output,
            ..SweepConfig::default()
        };
        let points = frontier::sweep(set, &config)?;
        let (stat, seed, opt) = (
            family(&points, Family::Threshold),
            family(&points, Family::SeedRule),
            family(&points, Family::Optimum),
        );
        let oracle = matched_quality(&stat, &opt);
        let baseline_matches = matched_quality(&stat, &baselines(&points));
        let matches = matched_quality(&stat, &seed)
            .into_iter()
            .zip(&oracle)
            .map(|(m, o)| (m, o.fastest))
            .collect();
        Ok(Study {
            name: set.name.clone(),
            config,
            points,
            matches,
            baseline_matches,
        })
    }

    /// File-name stem of the study's files: the file's name with path separators
    /// replaced by `_`.
    #[must_use]
    pub fn stem(&self) -> String {
        self.name.replace(['/', '\\'], "_")
    }

    /// `<stem>-frontier.csv`: one row per point, with the weighted cost per turn at
    /// quality weight `mu`.
    #[must_use]
    pub fn points_csv(&self, mu: f64) -> String {
        let mut rows = vec![vec![
            "family".to_string(),
            "a".into(),
            "theta".into(),
            "mu".into(),
            "param".into(),
            "turns".into(),
            "edge_calls".into(),
            "switches".into(),
            "mean_latency_s".into(),
            "edge_rate".into(),
            "quality".into(),
            format!("weighted_cost_s_per_turn_mu{mu}"),
        ]];
        for p in &self.points {
            let s = &p.stats;
            rows.push(vec![
                p.family.name().to_string(),
                opt_f(p.a),
                opt_f(p.theta),
                opt_f(p.mu),
                opt_f(p.param),
                s.turns.to_string(),
                s.edge_calls.to_string(),
                s.switches.to_string(),
                format!("{:.6}", s.mean_latency_s()),
                format!("{:.6}", s.edge_rate()),
                format!("{:.6}", s.quality()),
                format!("{:.6}", s.weighted_cost(mu) / s.turns as f64),
            ]);
        }
        csv_text(&rows)
    }

    /// `<stem>-matched.csv`: one row per static threshold with its seed-rule match
    /// (fastest and fewest edge calls) and the oracle's latency.
    #[must_use]
    pub fn matches_csv(&self) -> String {
        let header = [
            "static_theta",
            "static_quality",
            "static_latency_s",
            "static_edge_rate",
            "seed_fastest_a",
            "seed_fastest_theta",
            "seed_fastest_quality",
            "seed_fastest_latency_s",
            "seed_fastest_edge_rate",
            "seed_fewest_calls_a",
            "seed_fewest_calls_theta",
            "seed_fewest_calls_edge_rate",
            "seed_fewest_calls_latency_s",
            "optimum_latency_s",
        ];
        let mut rows = vec![header.iter().map(ToString::to_string).collect()];
        let f = |x: Option<f64>| x.map_or_else(String::new, |v| format!("{v:.6}"));
        for (m, o) in &self.matches {
            let r = &m.reference;
            let fa = m.fastest.as_ref();
            let fc = m.fewest_calls.as_ref();
            rows.push(vec![
                opt_f(r.theta),
                f(Some(r.stats.quality())),
                f(Some(r.stats.mean_latency_s())),
                f(Some(r.stats.edge_rate())),
                opt_f(fa.and_then(|p| p.a)),
                opt_f(fa.and_then(|p| p.theta)),
                f(fa.map(|p| p.stats.quality())),
                f(fa.map(|p| p.stats.mean_latency_s())),
                f(fa.map(|p| p.stats.edge_rate())),
                opt_f(fc.and_then(|p| p.a)),
                opt_f(fc.and_then(|p| p.theta)),
                f(fc.map(|p| p.stats.edge_rate())),
                f(fc.map(|p| p.stats.mean_latency_s())),
                f(o.map(|p| p.stats.mean_latency_s())),
            ]);
        }
        csv_text(&rows)
    }

    /// The quality-latency chart: every seed-rule point, its Pareto front, the static
    /// threshold in theta order and the offline optimum's front.
    #[must_use]
    pub fn chart(&self) -> Chart {
        let xy = |ps: &[Point]| -> Vec<(f64, f64)> {
            ps.iter()
                .map(|p| (1e3 * p.stats.mean_latency_s(), 100.0 * p.stats.quality()))
                .collect()
        };
        let seed = family(&self.points, Family::SeedRule);
        let series = |label: &str, points, style| Series {
            label: label.into(),
            points,
            errors: None,
            style,
        };
        Chart {
            title: format!("quality-latency frontier: {}", self.name),
            x_label: "mean latency per turn (ms)".into(),
            y_label: "quality (% correct)".into(),
            series: vec![
                series("seed rule, all (a, theta)", xy(&seed), Style::Points),
                series("seed rule, Pareto front", xy(&pareto(&seed)), Style::Line),
                series(
                    "static threshold (theta order)",
                    xy(&family(&self.points, Family::Threshold)),
                    Style::Line,
                ),
                series(
                    "hysteresis threshold, Pareto front",
                    xy(&pareto(&family(&self.points, Family::Hysteresis))),
                    Style::Line,
                ),
                series(
                    "context rule, Pareto front",
                    xy(&pareto(&family(&self.points, Family::Context))),
                    Style::Line,
                ),
                series(
                    "offline optimum (oracle), over mu",
                    xy(&pareto(&family(&self.points, Family::Optimum))),
                    Style::Line,
                ),
            ],
            log_x: false,
            log_y: false,
        }
    }

    /// The matched-quality text: its definition, the table at theta = 0, 0.1, ..., 1
    /// and the savings over all thresholds (latency at matched quality, edge-call rate
    /// at matched quality and no more latency).
    #[must_use]
    pub fn text(&self) -> String {
        let rows: Vec<Vec<String>> = self
            .matches
            .iter()
            .zip(&self.baseline_matches)
            .filter(|((m, _), _)| is_tenth(m.reference.theta))
            .map(|((m, o), b)| {
                let r = &m.reference.stats;
                let mut row = vec![
                    format!("{:.1}", m.reference.theta.unwrap_or_default()),
                    pct(r.quality()),
                    ms(r),
                    pct(r.edge_rate()),
                ];
                match &m.fastest {
                    Some(p) => row.extend([
                        format!("{} / {:.2}", opt_f(p.a), p.theta.unwrap_or_default()),
                        pct(p.stats.quality()),
                        ms(&p.stats),
                        pct(saving(p, &m.reference)),
                        pct(p.stats.edge_rate()),
                    ]),
                    None => row.extend(std::iter::repeat_n("-".to_string(), 5)),
                }
                row.push(
                    m.fewest_calls
                        .as_ref()
                        .map_or("-".into(), |p| pct(p.stats.edge_rate())),
                );
                row.push(o.as_ref().map_or("-".into(), |p| ms(&p.stats)));
                match (&b.fastest, &m.fastest) {
                    (Some(bp), Some(sp)) => {
                        row.push(ms(&bp.stats));
                        row.push(pct(saving(sp, bp)));
                    }
                    (Some(bp), None) => {
                        row.push(ms(&bp.stats));
                        row.push("-".into());
                    }
                    _ => row.extend(["-".to_string(), "-".to_string()]),
                }
                row
            })
            .collect();
        let mut s = format!(
            "\nMatched quality: for each static threshold theta, the seed-rule point (a / theta, over \
             {} a x {} theta) of least mean latency with at least the same quality; saving = latency \
             reduction; 'fewest edge %' = least edge-call rate of a seed point with at least the \
             quality and at most the latency; 'oracle ms' = the offline optimum's least latency at that \
             quality (mu sweep); 'best baseline ms' = the least latency of a baseline point (threshold, \
             hysteresis, context rule, always-*) with at least that quality, and the seed point's saving \
             against it. In-sample: parameters chosen on this file.\n",
            self.config.a_values.len(),
            self.config.seed_thetas.len()
        );
        s.push_str(&format!(
            "{}\n",
            markdown_table(
                &[
                    MATCH_COLUMNS.as_slice(),
                    &[
                        "fewest edge %",
                        "oracle ms",
                        "best baseline ms",
                        "saving vs best baseline %",
                    ]
                ]
                .concat(),
                rows,
            )
        ));
        let savings: Vec<f64> = self
            .matches
            .iter()
            .filter_map(|(m, _)| m.fastest.map(|p| saving(&p, &m.reference)))
            .collect();
        let call_savings: Vec<f64> = self
            .matches
            .iter()
            .filter_map(|(m, _)| {
                m.fewest_calls
                    .map(|p| m.reference.stats.edge_rate() - p.stats.edge_rate())
            })
            .collect();
        let max = |xs: &[f64]| xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if !savings.is_empty() {
            s.push_str(&format!(
                "over all {} static thresholds: latency saving at matched quality mean {} %, max {} %\n",
                savings.len(),
                pct(mean(&savings)),
                pct(max(&savings))
            ));
        }
        let vs_baseline: Vec<f64> = self
            .matches
            .iter()
            .zip(&self.baseline_matches)
            .filter_map(|((m, _), b)| match (m.fastest, b.fastest) {
                (Some(sp), Some(bp)) => Some(saving(&sp, &bp)),
                _ => None,
            })
            .collect();
        if !vs_baseline.is_empty() {
            s.push_str(&format!(
                "against the best baseline at the same quality (in-sample): seed-rule latency saving mean {} %, max {} %\n",
                pct(mean(&vs_baseline)),
                pct(max(&vs_baseline))
            ));
        }
        if !call_savings.is_empty() {
            s.push_str(&format!(
                "edge-call rate reduction at matched quality and no more latency: mean {} points, max {} points\n",
                pct(mean(&call_savings)),
                pct(max(&call_savings))
            ));
        }
        s
    }

    /// Out-of-sample check: each static threshold and the seed-rule point chosen for
    /// it on the study's file, both run on `holdout` (seed rule with `output`); the
    /// table at theta = 0, 0.1, ..., 1 and the mean saving and quality change over all
    /// thresholds.
    #[must_use]
    pub fn holdout_text(&self, holdout: &Dialogues, output: OutputEstimate) -> String {
        let mut savings = Vec::new();
        let mut quality_diffs = Vec::new();
        let mut rows = Vec::new();
        for (m, _) in &self.matches {
            let (Some(theta), Some(p)) = (m.reference.theta, m.fastest) else {
                continue;
            };
            let (Some(a), Some(seed_theta)) = (p.a, p.theta) else {
                continue;
            };
            let st = run(holdout, &Policy::Threshold { theta });
            let sd = run(
                holdout,
                &Policy::SeedRule {
                    a,
                    theta: seed_theta,
                    output,
                },
            );
            let saving = -relative_gap(sd.mean_latency_s(), st.mean_latency_s());
            savings.push(saving);
            quality_diffs.push(sd.quality() - st.quality());
            if is_tenth(Some(theta)) {
                rows.push(vec![
                    format!("{theta:.1}"),
                    pct(st.quality()),
                    ms(&st),
                    pct(st.edge_rate()),
                    format!("{a} / {seed_theta:.2}"),
                    pct(sd.quality()),
                    ms(&sd),
                    pct(saving),
                    pct(sd.edge_rate()),
                ]);
            }
        }
        let mut s = format!(
            "\nHeld-out check on {} ({} dialogues, {} turns): the same static thresholds and the \
             seed-rule parameters chosen above, run on a file they were not chosen on.\n",
            holdout.name,
            holdout.dialogues.len(),
            holdout.turns()
        );
        s.push_str(&format!("{}\n", markdown_table(&MATCH_COLUMNS, rows,)));
        if !savings.is_empty() {
            s.push_str(&format!(
                "held out, over {} thresholds: latency saving mean {} %, quality change mean {:+.2} points \
                 (min {:+.2})\n",
                savings.len(),
                pct(mean(&savings)),
                100.0 * mean(&quality_diffs),
                100.0 * quality_diffs.iter().copied().fold(f64::INFINITY, f64::min)
            ));
        }
        s
    }
}

fn family(points: &[Point], f: Family) -> Vec<Point> {
    points.iter().filter(|p| p.family == f).copied().collect()
}

/// CSV text of `rows` (the first is the header), as the csv crate writes it.
fn csv_text(rows: &[Vec<String>]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        // Writing to memory cannot fail.
        w.write_record(r).expect("CSV into memory");
    }
    let bytes = w.into_inner().expect("CSV into memory");
    String::from_utf8(bytes).expect("CSV of UTF-8 fields is UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::synth::{generate, SynthConfig};

    fn set() -> Dialogues {
        generate(&SynthConfig {
            dialogues: 20,
            seed: 4,
            ..SynthConfig::default()
        })
        .unwrap()
    }

    #[test]
    fn policies_report_has_every_policy_and_the_optimum() {
        let t = policies(&set(), &[Policy::AlwaysDevice, Policy::AlwaysEdge], 2.0).unwrap();
        for needle in [
            "always-device",
            "always-edge",
            "optimum(mu=2, offline)",
            "20 dialogues",
        ] {
            assert!(t.contains(needle), "{needle} missing in\n{t}");
        }
        assert!(policies(&set(), &[], -1.0).is_err());
    }

    #[test]
    fn study_files_have_one_row_per_point_and_threshold() {
        let s = set();
        let study = Study::new(&s, OutputEstimate::Actual).unwrap();
        let points = study.points_csv(2.0);
        assert_eq!(points.lines().count(), study.points.len() + 1);
        assert!(points.starts_with("family,a,theta,mu,"));
        let matched = study.matches_csv();
        assert_eq!(matched.lines().count(), study.matches.len() + 1);
        for line in matched.lines() {
            assert_eq!(line.split(',').count(), 14, "{line}");
        }
        assert_eq!(study.chart().series.len(), 6);
        assert_eq!(study.baseline_matches.len(), study.matches.len());
        for (b, (m, _)) in study.baseline_matches.iter().zip(&study.matches) {
            // The static threshold itself is a baseline: the best baseline is never
            // slower than it.
            let bp = b.fastest.expect("the reference is its own candidate");
            assert!(bp.stats.mean_latency_s() <= m.reference.stats.mean_latency_s() + 1e-12);
        }
        let text = study.text();
        assert!(text.contains("latency saving %"), "{text}");
        // The holdout of a file on itself gives the in-sample savings back.
        let h = study.holdout_text(&s, OutputEstimate::Actual);
        assert!(h.contains("Held-out check"), "{h}");
        let in_sample: Vec<f64> = study
            .matches
            .iter()
            .filter_map(|(m, _)| m.fastest.map(|p| saving(&p, &m.reference)))
            .collect();
        if !in_sample.is_empty() {
            let line = format!("latency saving mean {} %", pct(mean(&in_sample)));
            assert!(h.contains(&line), "{line} not in\n{h}");
        }
    }
}
