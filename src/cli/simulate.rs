//! `llm-offload simulate`: offloading over time (docs/dynamic.md).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use llm_offload::plot::{Chart, Plot, Series, Style};
use llm_offload::report::markdown_table;
use llm_offload::simulate::{
    poisson_arrivals, read_trace, simulate, trace::trace_users, write_records, Decide,
    DecisionTime as LibDecisionTime, PoissonConfig, SimConfig, Summary,
};
use llm_offload::sources::generate::{generate, GenConfig};
use llm_offload::{solvers, Instance, Limits};

use super::choices::{Scenario, VariantPreset};
use super::exit::usage_bail;
use super::Format;

/// How decision time is counted (`llm_offload::simulate::DecisionTime`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DecisionTime {
    /// The solver's wall time on this machine (not reproducible).
    Measured,
    /// The solver's fitted `c N^a M^b` (reproducible byte for byte).
    Modelled,
    /// No decision time (an ideal decision maker).
    Instant,
}

impl From<DecisionTime> for LibDecisionTime {
    fn from(d: DecisionTime) -> Self {
        match d {
            DecisionTime::Measured => LibDecisionTime::Measured,
            DecisionTime::Modelled => LibDecisionTime::Modelled,
            DecisionTime::Instant => LibDecisionTime::Instant,
        }
    }
}

/// Arguments of `simulate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Number of users N (default 100; with --trace, the trace's largest user + 1).
    #[arg(long, short = 'n', value_parser = super::parse::at_least_one)]
    users: Option<usize>,
    /// Number of edge servers M.
    #[arg(long, short = 'm', default_value_t = 4, value_parser = super::parse::at_least_one)]
    servers: usize,
    /// Queries per second per user (Poisson arrivals).
    #[arg(long, default_value_t = 0.1, value_parser = positive)]
    rate_per_user: f64,
    /// Simulated time (s): arrivals in [0, horizon); what is not finished by then is
    /// unfinished.
    #[arg(long, default_value_t = 60.0, value_parser = positive)]
    horizon_s: f64,
    /// Decision epoch (s): decisions at multiples of it, over the waiting queries.
    #[arg(long, default_value_t = 0.1, value_parser = positive)]
    epoch_s: f64,
    /// Decide on every arrival (when no decision runs) instead of in epochs.
    #[arg(long)]
    on_arrival: bool,
    /// The policy: a registered solver (`llm-offload solvers`); with --sweep-rates, a
    /// comma-separated list.
    #[arg(long, short = 'a', value_delimiter = ',', default_value = "goa")]
    algo: Vec<String>,
    /// Seed of the world, the arrivals and seeded solvers.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// How decision time delays dispatch.
    #[arg(long, value_enum, default_value_t = DecisionTime::Modelled)]
    decision_time: DecisionTime,
    /// Scenario of the world and of the queries' draws (as `generate`).
    #[arg(long, value_enum, default_value_t = Scenario::Paper)]
    scenario: Scenario,
    /// Add quantised model variants (FP16 / INT8 / INT4) on devices and servers, as
    /// `generate --variants` (the summary then reports the mean perplexity).
    #[arg(long, value_enum)]
    variants: Option<VariantPreset>,
    /// Weight of the perplexity penalty (default: the preset's, 0 without variants).
    #[arg(long, value_parser = super::parse::non_negative)]
    lambda: Option<f64>,
    /// Accuracy threshold tau of every decision.
    #[arg(long, default_value_t = 0.8, value_parser = super::parse::unit_interval)]
    tau: f64,
    /// Replay arrivals from this trace (CSV with a header, or JSON lines: arrival_s,
    /// user, prompt_bits, local_flops, edge_flops, uncertainty, and optionally
    /// realised_edge_flops, p_correct_local, p_correct_edge, output_tokens).
    #[arg(long)]
    trace: Option<PathBuf>,
    /// Per-decision wall-clock limit (s), for tree-search, mip, local-search; it also
    /// caps a modelled decision time.
    #[arg(long, value_parser = super::seconds, allow_negative_numbers = true)]
    time_limit: Option<f64>,
    /// best-response from all-local at every decision instead of from the users'
    /// previous choices.
    #[arg(long)]
    cold_start: bool,
    /// Output format of the summary.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Directory (created if missing) for `records.csv` (one row a query) and
    /// `summary.json`; with --sweep-rates, `dynamic-sweep.csv` and the figures.
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
    /// Run every --algo at each of these rates per user (comma-separated) and write
    /// the throughput and p95-latency figures to --output.
    #[arg(long, value_delimiter = ',', value_parser = positive)]
    sweep_rates: Vec<f64>,
    #[command(flatten)]
    figure: super::figure::FigureArgs,
}

fn positive(s: &str) -> std::result::Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a number"))?;
    if !(v.is_finite() && v > 0.0) {
        return Err(format!("`{s}`: must be a finite number > 0"));
    }
    Ok(v)
}

struct Setup {
    world: Instance,
    cfg: SimConfig,
}

fn setup(a: &Args) -> Result<Setup> {
    let users = match (&a.trace, a.users) {
        (_, Some(n)) => n,
        (Some(t), None) => trace_users(t)?,
        (None, None) => 100,
    };
    let world = generate(&GenConfig {
        scenario: a.scenario.into(),
        users,
        servers: a.servers,
        seed: a.seed,
        tau: a.tau,
        variants: a.variants.map(Into::into),
        lambda: a.lambda,
        ..GenConfig::default()
    })
    .map_err(super::exit::usage)?;
    let cfg = SimConfig {
        horizon_s: a.horizon_s,
        decide: if a.on_arrival {
            Decide::OnArrival
        } else {
            Decide::Epochs { epoch_s: a.epoch_s }
        },
        decision_time: a.decision_time.into(),
        limits: Limits {
            time_limit: a.time_limit.map(Duration::from_secs_f64),
            seed: a.seed,
            ..Limits::default()
        },
        warm_start: !a.cold_start,
    };
    Ok(Setup { world, cfg })
}

fn arrivals(a: &Args, world: &Instance, rate: f64) -> Result<Vec<llm_offload::simulate::Arrival>> {
    Ok(match &a.trace {
        Some(t) => read_trace(t, world.n_users())?,
        None => poisson_arrivals(&PoissonConfig {
            users: world.n_users(),
            rate_per_user: rate,
            horizon_s: a.horizon_s,
            seed: a.seed,
            scenario: a.scenario.into(),
        })?,
    })
}

fn run_one(
    a: &Args,
    s: &Setup,
    algo: &str,
    rate: f64,
) -> Result<(llm_offload::simulate::SimResult, f64)> {
    let policy = solvers::by_name(algo)?;
    let arr = arrivals(a, &s.world, rate)?;
    let pb = super::progress::bar((a.horizon_s.ceil() as usize).max(1), "simulated s");
    let start = Instant::now();
    let r = simulate(&s.world, &arr, policy.as_ref(), &s.cfg, &mut |t| {
        pb.set_position(t as u64);
    })?;
    pb.finish_and_clear();
    Ok((r, start.elapsed().as_secs_f64()))
}

fn text(s: &Summary, wall_s: f64) -> String {
    let opt = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |x| format!("{x:.4}"));
    let mut t = format!(
        "simulate `{}`: N = {}, M = {}, {} s simulated, decision time {} ({} decisions, {:.1} queries each, {} stopped at a limit)\n",
        s.algorithm,
        s.users,
        s.servers,
        s.horizon_s,
        s.decision_time.name(),
        s.decisions,
        s.mean_batch,
        s.limited_decisions
    );
    t.push_str(&format!(
        "arrived {}, served {}, unfinished {}\n",
        s.arrived, s.served, s.unfinished
    ));
    t.push_str(&format!(
        "latency ms: mean {:.3}, p50 {:.3}, p95 {:.3}, p99 {:.3} (service time mean {:.3})\n",
        s.latency_ms.mean, s.latency_ms.p50, s.latency_ms.p95, s.latency_ms.p99, s.service_ms
    ));
    t.push_str(&format!(
        "  parts: queue {:.3}, decision {:.3}, upload {:.3}, compute {:.3}\n",
        s.parts_ms.queue, s.parts_ms.decision, s.parts_ms.upload, s.parts_ms.compute
    ));
    t.push_str(&format!(
        "token throughput {:.2} tokens/s, accuracy {}, perplexity {}, offloaded {:.3}, decision share {:.4}\n",
        s.token_throughput,
        opt(s.accuracy),
        opt(s.mean_perplexity),
        s.offloaded_share,
        s.decision_share
    ));
    let u: Vec<String> = s
        .server_utilisation
        .iter()
        .map(|u| format!("{u:.3}"))
        .collect();
    t.push_str(&format!("server utilisation: {}\n", u.join(" ")));
    t.push_str(&format!("wall time {wall_s:.3} s\n"));
    t
}

pub fn run(a: &Args) -> Result<ExitCode> {
    if let Some(o) = &a.output {
        std::fs::create_dir_all(o).with_context(|| format!("creating {}", o.display()))?;
    }
    if !a.sweep_rates.is_empty() {
        return sweep(a);
    }
    if a.algo.len() != 1 {
        usage_bail!("--algo names one solver (several only with --sweep-rates)");
    }
    let s = setup(a)?;
    let (r, wall) = run_one(a, &s, &a.algo[0], a.rate_per_user)?;
    if let Some(o) = &a.output {
        let path = o.join("records.csv");
        let f =
            std::fs::File::create(&path).with_context(|| format!("writing {}", path.display()))?;
        write_records(std::io::BufWriter::new(f), &r.records, &path)?;
        let json = serde_json::to_string_pretty(&r.summary)? + "\n";
        super::write_out(Some(&o.join("summary.json")), &json)?;
    }
    match a.format {
        Format::Json => outln!("{}", serde_json::to_string_pretty(&r.summary)?),
        Format::Table => out!("{}", text(&r.summary, wall)),
    }
    Ok(ExitCode::SUCCESS)
}

fn sweep(a: &Args) -> Result<ExitCode> {
    let Some(dir) = &a.output else {
        usage_bail!("--sweep-rates writes figures: give --output DIR");
    };
    if a.trace.is_some() {
        usage_bail!("--sweep-rates draws Poisson arrivals: leave out --trace");
    }
    let s = setup(a)?;
    let mut rows = Vec::new();
    let mut csv = String::from(
        "algorithm,rate_per_user,arrived,served,unfinished,token_throughput,latency_mean_ms,latency_p95_ms,decision_share,wall_s\n",
    );
    let mut thr: Vec<Series> = Vec::new();
    let mut p95: Vec<Series> = Vec::new();
    for algo in &a.algo {
        let mut t = Vec::new();
        let mut p = Vec::new();
        for &rate in &a.sweep_rates {
            let (r, wall) = run_one(a, &s, algo, rate)?;
            let m = &r.summary;
            csv.push_str(&format!(
                "{algo},{rate},{},{},{},{},{},{},{},{wall:.3}\n",
                m.arrived,
                m.served,
                m.unfinished,
                m.token_throughput,
                m.latency_ms.mean,
                m.latency_ms.p95,
                m.decision_share
            ));
            rows.push(vec![
                algo.clone(),
                format!("{rate}"),
                m.arrived.to_string(),
                m.unfinished.to_string(),
                format!("{:.2}", m.token_throughput),
                format!("{:.2}", m.latency_ms.mean),
                format!("{:.2}", m.latency_ms.p95),
                format!("{:.4}", m.decision_share),
            ]);
            t.push((rate, m.token_throughput));
            p.push((rate, m.latency_ms.p95));
        }
        for (v, pts) in [(&mut thr, t), (&mut p95, p)] {
            v.push(Series {
                label: algo.clone(),
                points: pts,
                errors: None,
                style: Style::Line,
            });
        }
    }
    let csv_path = dir.join("dynamic-sweep.csv");
    super::write_out(Some(&csv_path), &csv)?;
    let what = format!(
        "N = {}, M = {}, {} s simulated, epochs of {} s, decision time {}{}, seed {}",
        s.world.n_users(),
        s.world.n_servers(),
        a.horizon_s,
        a.epoch_s,
        s.cfg.decision_time.name(),
        a.time_limit
            .map_or_else(String::new, |l| format!(" (limit {l} s per decision)")),
        a.seed
    );
    let figures = [
        (
            "dynamic-throughput",
            "Token throughput against arrival rate",
            "token throughput (tokens/s, log scale)",
            thr,
            true,
        ),
        (
            "dynamic-p95",
            "p95 latency against arrival rate",
            "p95 latency (ms, log scale)",
            p95,
            true,
        ),
    ];
    for (stem, title, y, series, log_y) in figures {
        let plot = Plot {
            chart: Chart {
                title: title.into(),
                x_label: "queries per second per user (log scale)".into(),
                y_label: y.into(),
                series,
                log_x: true,
                log_y,
            },
            notes: vec![what.clone()],
            ..Plot::default()
        };
        for p in plot.save_with(&dir.join(stem), &a.figure.options())? {
            eprintln!("wrote {}", p.display());
        }
    }
    outln!(
        "{}",
        markdown_table(
            &[
                "algorithm",
                "rate/user",
                "arrived",
                "unfinished",
                "tokens/s",
                "mean ms",
                "p95 ms",
                "decision share"
            ],
            rows
        )
    );
    eprintln!("wrote {}", csv_path.display());
    Ok(ExitCode::SUCCESS)
}
