//! `llm-offload route` (SPEC 7, docs/routing.md).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use llm_offload::plot::{Chart, Series, Style};
use llm_offload::report::markdown_table;
use llm_offload::routing::frontier::{
    self, matched_quality, pareto, run, run_optimum, Family, Match, Point, SweepConfig,
};
use llm_offload::routing::policies::{OutputEstimate, Policy};
use llm_offload::routing::{Dialogues, RouteStats};
use llm_offload::solver::relative_gap;

/// Arguments of `route`.
#[derive(Debug, clap::Args)]
pub struct RouteArgs {
    /// Dialogue file (JSON, docs/routing.md).
    file: PathBuf,
    /// Threshold of the static policy: edge iff score > theta.
    #[arg(long, default_value_t = 0.5, allow_hyphen_values = true)]
    theta: f64,
    /// Weight `a` of the seed rule (1/s): edge iff score - a (T_edge - T_device) > theta.
    #[arg(long, default_value_t = 0.2, allow_hyphen_values = true)]
    a: f64,
    /// Threshold of the seed rule.
    #[arg(long, default_value_t = 0.4, allow_hyphen_values = true)]
    seed_theta: f64,
    /// Output tokens the seed rule assumes for every turn (default: the true count,
    /// a length oracle).
    #[arg(long, allow_negative_numbers = true)]
    assumed_output_tokens: Option<f64>,
    /// Quality weight of the weighted cost: seconds one wrong answer is worth.
    #[arg(long, default_value_t = 2.0, allow_hyphen_values = true)]
    mu: f64,
    /// Trace the quality-latency frontier over `a` and `theta`, compare the seed rule
    /// with the static threshold at matched quality, and write CSV files and a plot.
    #[arg(long)]
    sweep: bool,
    /// With --sweep: a second dialogue file on which the seed-rule parameters chosen
    /// at matched quality on FILE are checked (out of sample) against the same static
    /// thresholds.
    #[arg(long, requires = "sweep")]
    holdout: Option<PathBuf>,
    /// Directory of the sweep's files (created if missing).
    #[arg(long, default_value = ".")]
    out_dir: PathBuf,
}

fn output_estimate(assumed: Option<f64>) -> Result<OutputEstimate> {
    match assumed {
        None => Ok(OutputEstimate::Actual),
        Some(y) if y.is_finite() && y >= 1.0 => Ok(OutputEstimate::Fixed(y)),
        Some(y) => anyhow::bail!(
            "--assumed-output-tokens = {}: must be a finite number >= 1 (every turn \
             generates at least one token)",
            llm_offload::validate::num(y)
        ),
    }
}

fn pct(x: f64) -> String {
    let v = 100.0 * x;
    // No "-0.0" for values that round to zero.
    format!("{:.1}", if v.abs() < 0.05 { 0.0 } else { v })
}

fn is_tenth(theta: Option<f64>) -> bool {
    theta.is_some_and(|t| (10.0 * t - (10.0 * t).round()).abs() < 1e-9)
}

/// Out-of-sample check: each static threshold and the seed-rule point chosen for it
/// on the sweep's file, both run on `holdout`.
fn holdout_check(holdout: &Dialogues, matches: &[Match], output: OutputEstimate) {
    let mut savings = Vec::new();
    let mut quality_diffs = Vec::new();
    let mut rows = Vec::new();
    for m in matches {
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
    outln!("");
    outln!(
        "Held-out check on {} ({} dialogues, {} turns): the same static thresholds and the \
         seed-rule parameters chosen above, run on a file they were not chosen on.",
        holdout.name,
        holdout.dialogues.len(),
        holdout.turns()
    );
    outln!(
        "{}",
        markdown_table(
            &[
                "static theta",
                "quality %",
                "latency ms",
                "edge %",
                "seed a / theta",
                "seed quality %",
                "seed latency ms",
                "latency saving %",
                "seed edge %",
            ],
            rows,
        )
    );
    if !savings.is_empty() {
        let n = savings.len() as f64;
        outln!(
            "held out, over {} thresholds: latency saving mean {:.1} %, quality change mean {:+.2} points \
             (min {:+.2})",
            savings.len(),
            100.0 * savings.iter().sum::<f64>() / n,
            100.0 * quality_diffs.iter().sum::<f64>() / n,
            100.0 * quality_diffs.iter().copied().fold(f64::INFINITY, f64::min)
        );
    }
}

fn ms(s: &RouteStats) -> String {
    format!("{:.1}", 1e3 * s.mean_latency_s())
}

pub fn run_route(a: &RouteArgs) -> Result<ExitCode> {
    if a.sweep {
        // The sweep's files come after the printed tables: a closed stdout must not
        // stop them from being written.
        super::finish_on_broken_pipe();
    }
    let set = Dialogues::load(&a.file)?;
    let output = output_estimate(a.assumed_output_tokens)?;
    for (flag, v) in [
        ("--theta", a.theta),
        ("--a", a.a),
        ("--seed-theta", a.seed_theta),
    ] {
        anyhow::ensure!(v.is_finite(), "{flag} = {v}: must be a finite number");
    }
    let policies = [
        Policy::AlwaysDevice,
        Policy::AlwaysEdge,
        Policy::Threshold { theta: a.theta },
        Policy::SeedRule {
            a: a.a,
            theta: a.seed_theta,
            output,
        },
    ];
    let optimum = run_optimum(&set, a.mu)?;
    let opt_cost = optimum.weighted_cost(a.mu);
    let turns = set.turns() as f64;
    let row = |label: String, s: &RouteStats, gap: String| {
        vec![
            label,
            ms(s),
            pct(s.edge_rate()),
            pct(s.quality()),
            s.switches.to_string(),
            format!("{:.3}", s.weighted_cost(a.mu) / turns),
            gap,
        ]
    };
    let mut rows: Vec<Vec<String>> = policies
        .iter()
        .map(|p| {
            let s = run(&set, p);
            let gap = pct(relative_gap(s.weighted_cost(a.mu), opt_cost));
            row(p.label(), &s, gap)
        })
        .collect();
    rows.push(row(
        format!("optimum(mu={}, offline)", a.mu),
        &optimum,
        "0.0".into(),
    ));
    outln!(
        "dialogue file {}: {} dialogues, {} turns",
        set.name,
        set.dialogues.len(),
        set.turns()
    );
    outln!(
        "weighted cost per turn = (latency_s + mu * (1 - correct)) summed / turns, mu = {} s; \
         gap = (cost - optimum) / optimum",
        a.mu
    );
    outln!(
        "{}",
        markdown_table(
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
        )
    );
    if a.sweep {
        let holdout = a.holdout.as_deref().map(Dialogues::load).transpose()?;
        sweep(&set, output, a.mu, &a.out_dir, holdout.as_ref())?;
    }
    Ok(ExitCode::SUCCESS)
}

fn opt_f(x: Option<f64>) -> String {
    x.map_or_else(String::new, |v| format!("{v}"))
}

fn write_points(path: &Path, points: &[Point], mu: f64) -> Result<()> {
    let mut w =
        csv::Writer::from_path(path).with_context(|| format!("writing {}", path.display()))?;
    w.write_record([
        "family",
        "a",
        "theta",
        "mu",
        "turns",
        "edge_calls",
        "switches",
        "mean_latency_s",
        "edge_rate",
        "quality",
        &format!("weighted_cost_s_per_turn_mu{mu}"),
    ])?;
    for p in points {
        let s = &p.stats;
        w.write_record([
            p.family.name().to_string(),
            opt_f(p.a),
            opt_f(p.theta),
            opt_f(p.mu),
            s.turns.to_string(),
            s.edge_calls.to_string(),
            s.switches.to_string(),
            format!("{:.6}", s.mean_latency_s()),
            format!("{:.6}", s.edge_rate()),
            format!("{:.6}", s.quality()),
            format!("{:.6}", s.weighted_cost(mu) / s.turns as f64),
        ])?;
    }
    w.flush()?;
    Ok(())
}

fn write_matches(path: &Path, matches: &[(Match, Option<Point>)]) -> Result<()> {
    let mut w =
        csv::Writer::from_path(path).with_context(|| format!("writing {}", path.display()))?;
    w.write_record([
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
    ])?;
    let f = |x: Option<f64>| x.map_or_else(String::new, |v| format!("{v:.6}"));
    for (m, o) in matches {
        let r = &m.reference;
        let fa = m.fastest.as_ref();
        let fc = m.fewest_calls.as_ref();
        w.write_record([
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
        ])?;
    }
    w.flush()?;
    Ok(())
}

fn sweep(
    set: &Dialogues,
    output: OutputEstimate,
    mu: f64,
    dir: &Path,
    holdout: Option<&Dialogues>,
) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let cfg = SweepConfig {
        output,
        ..SweepConfig::default()
    };
    let points = frontier::sweep(set, &cfg)?;
    let of =
        |f: Family| -> Vec<Point> { points.iter().filter(|p| p.family == f).copied().collect() };
    let (stat, seed, opt) = (
        of(Family::Threshold),
        of(Family::SeedRule),
        of(Family::Optimum),
    );
    let matches = matched_quality(&stat, &seed);
    let oracle = matched_quality(&stat, &opt);
    let both: Vec<(Match, Option<Point>)> = matches
        .iter()
        .zip(&oracle)
        .map(|(m, o)| (*m, o.fastest))
        .collect();
    let stem = set.name.replace(['/', '\\'], "_");
    let points_csv = dir.join(format!("{stem}-frontier.csv"));
    let matched_csv = dir.join(format!("{stem}-matched.csv"));
    write_points(&points_csv, &points, mu)?;
    write_matches(&matched_csv, &both)?;

    let xy = |ps: &[Point]| -> Vec<(f64, f64)> {
        ps.iter()
            .map(|p| (1e3 * p.stats.mean_latency_s(), 100.0 * p.stats.quality()))
            .collect()
    };
    let mut stat_sorted = stat.clone();
    stat_sorted.sort_by(|x, y| {
        x.stats
            .mean_latency_s()
            .total_cmp(&y.stats.mean_latency_s())
    });
    let chart = Chart {
        title: format!("quality-latency frontier: {}", set.name),
        x_label: "mean latency per turn (ms)".into(),
        y_label: "quality (% correct)".into(),
        series: vec![
            Series {
                label: "seed rule, all (a, theta)".into(),
                points: xy(&seed),
                errors: None,
                style: Style::Points,
            },
            Series {
                label: "seed rule, Pareto front".into(),
                points: xy(&pareto(&seed)),
                errors: None,
                style: Style::Line,
            },
            Series {
                label: "static threshold (theta order)".into(),
                points: xy(&stat),
                errors: None,
                style: Style::Line,
            },
            Series {
                label: "offline optimum (oracle), over mu".into(),
                points: xy(&pareto(&opt)),
                errors: None,
                style: Style::Line,
            },
        ],
        log_x: false,
        log_y: false,
    };
    let plots = chart.save(&dir.join(format!("{stem}-frontier")))?;

    // Matched-quality table at theta = 0, 0.1, ..., 1 of the static threshold.
    let rows: Vec<Vec<String>> = both
        .iter()
        .filter(|(m, _)| {
            m.reference
                .theta
                .is_some_and(|t| (10.0 * t - (10.0 * t).round()).abs() < 1e-9)
        })
        .map(|(m, o)| {
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
                    pct(-relative_gap(p.stats.mean_latency_s(), r.mean_latency_s())),
                    pct(p.stats.edge_rate()),
                ]),
                None => row.extend(std::iter::repeat("-".to_string()).take(5)),
            }
            row.push(
                m.fewest_calls
                    .as_ref()
                    .map_or("-".into(), |p| pct(p.stats.edge_rate())),
            );
            row.push(o.as_ref().map_or("-".into(), |p| ms(&p.stats)));
            row
        })
        .collect();
    outln!("");
    outln!(
        "Matched quality: for each static threshold theta, the seed-rule point (a / theta, over \
         {} a x {} theta) of least mean latency with at least the same quality; saving = latency \
         reduction; 'fewest edge %' = least edge-call rate of a seed point with at least the \
         quality and at most the latency; 'oracle ms' = the offline optimum's least latency at that \
         quality (mu sweep). In-sample: parameters chosen on this file.",
        cfg.a_values.len(),
        cfg.seed_thetas.len()
    );
    outln!(
        "{}",
        markdown_table(
            &[
                "static theta",
                "quality %",
                "latency ms",
                "edge %",
                "seed a / theta",
                "seed quality %",
                "seed latency ms",
                "latency saving %",
                "seed edge %",
                "fewest edge %",
                "oracle ms",
            ],
            rows,
        )
    );
    let savings: Vec<f64> = matches
        .iter()
        .filter_map(|m| {
            m.fastest.map(|p| {
                -relative_gap(p.stats.mean_latency_s(), m.reference.stats.mean_latency_s())
            })
        })
        .collect();
    let call_savings: Vec<f64> = matches
        .iter()
        .filter_map(|m| {
            m.fewest_calls
                .map(|p| m.reference.stats.edge_rate() - p.stats.edge_rate())
        })
        .collect();
    if !savings.is_empty() {
        let mean = savings.iter().sum::<f64>() / savings.len() as f64;
        let max = savings.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        outln!(
            "over all {} static thresholds: latency saving at matched quality mean {:.1} %, max {:.1} %",
            savings.len(),
            100.0 * mean,
            100.0 * max
        );
    }
    if !call_savings.is_empty() {
        let mean = call_savings.iter().sum::<f64>() / call_savings.len() as f64;
        let max = call_savings
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        outln!(
            "edge-call rate reduction at matched quality and no more latency: mean {:.1} points, max {:.1} points",
            100.0 * mean,
            100.0 * max
        );
    }
    if let Some(h) = holdout {
        holdout_check(h, &matches, output);
    }
    outln!("wrote {}, {}", points_csv.display(), matched_csv.display());
    for p in plots {
        outln!("wrote {}", p.display());
    }
    Ok(())
}
