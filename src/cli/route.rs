//! `llm-offload route` (SPEC 7, docs/routing.md).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::exit::usage_bail;
use anyhow::{Context, Result};
use llm_offload::routing::policies::{OutputEstimate, Policy};
use llm_offload::routing::preset::Preset;
use llm_offload::routing::report::{self, Study};
use llm_offload::routing::retest::{retest, RetestConfig};
use llm_offload::routing::Dialogues;

/// Arguments of `route`.
#[derive(Debug, clap::Args)]
pub struct RouteArgs {
    /// Dialogue file (JSON, docs/routing.md); not with --train.
    #[arg(required_unless_present = "train", conflicts_with = "train")]
    file: Option<PathBuf>,
    /// Latency parameters to use instead of the files' own: a built-in preset
    /// (phone-gpu__h100-c1, phone-cpu__a100-c1, phone-gpu__h100-c64, illustrative)
    /// or a preset file (JSON, docs/routing.md).
    #[arg(long, value_name = "NAME|FILE")]
    preset: Option<String>,
    /// Re-test mode: tune every policy family on this dialogue file and report on
    /// --test, with 95 % confidence intervals over dialogues.
    #[arg(long, requires = "test", value_name = "FILE")]
    train: Option<PathBuf>,
    /// With --train: the test dialogue file (drawn with another seed).
    #[arg(long, requires = "train", value_name = "FILE")]
    test: Option<PathBuf>,
    /// Threshold of the static policy: edge iff score > theta.
    #[arg(long, default_value_t = 0.5, allow_hyphen_values = true, value_parser = super::parse::finite)]
    theta: f64,
    /// Half-width of the hysteresis threshold's band (around --theta): after a
    /// device turn edge iff score > theta + band, after an edge turn iff
    /// score > theta - band.
    #[arg(long, default_value_t = 0.1, value_parser = super::parse::non_negative)]
    band: f64,
    /// Seconds of switching cost one unit of score margin is worth, for the context
    /// rule (threshold --theta; switches only when the re-prefill costs at most
    /// w * |score - theta|).
    #[arg(long, default_value_t = 2.0, value_parser = super::parse::non_negative)]
    w: f64,
    /// Weight `a` of the seed rule (1/s): edge iff score - a (T_edge - T_device) > theta.
    #[arg(long, default_value_t = 0.2, allow_hyphen_values = true, value_parser = super::parse::finite)]
    a: f64,
    /// Threshold of the seed rule.
    #[arg(long, default_value_t = 0.4, allow_hyphen_values = true, value_parser = super::parse::finite)]
    seed_theta: f64,
    /// Output tokens the seed rule assumes for every turn (default: the true count,
    /// a length oracle).
    #[arg(long, allow_negative_numbers = true)]
    assumed_output_tokens: Option<f64>,
    /// Quality weight of the weighted cost: seconds one wrong answer is worth.
    #[arg(long, default_value_t = 2.0, allow_hyphen_values = true, value_parser = super::parse::non_negative)]
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
    /// Output directory of the sweep's files (created if missing).
    #[arg(long, short = 'o', alias = "out-dir", default_value = ".")]
    output: PathBuf,
}

/// Loads a dialogue file, with the preset's latency parameters when one is given.
fn load(path: &Path, preset: Option<&Preset>) -> Result<Dialogues> {
    let set = Dialogues::load(path)?;
    Ok(match preset {
        Some(p) => set.with_latency(p.latency).map_err(|e| e.in_file(path))?,
        None => set,
    })
}

pub fn run_route(a: &RouteArgs) -> Result<ExitCode> {
    if a.sweep || a.train.is_some() {
        // The files come after the printed tables: a closed stdout must not stop
        // them from being written.
        super::finish_on_broken_pipe();
    }
    let preset = a.preset.as_deref().map(Preset::resolve).transpose()?;
    if let Some(p) = &preset {
        outln!("latency preset {}: {}", p.name, p.description);
    }
    if let (Some(train), Some(test)) = (&a.train, &a.test) {
        if a.sweep {
            usage_bail!("--sweep and --train/--test are separate modes: choose one");
        }
        let (train, test) = (load(train, preset.as_ref())?, load(test, preset.as_ref())?);
        return run_retest(&train, &test, &a.output);
    }
    let file = a
        .file
        .as_deref()
        .expect("clap requires FILE without --train");
    let set = load(file, preset.as_ref())?;
    if let Some(y) = a.assumed_output_tokens {
        if !(y.is_finite() && y >= 1.0) {
            usage_bail!(
                "--assumed-output-tokens = {}: must be a finite number >= 1 (every turn \
                 generates at least one token)",
                llm_offload::validate::num(y)
            );
        }
    }
    let output = a
        .assumed_output_tokens
        .map_or(OutputEstimate::Actual, OutputEstimate::Fixed);
    let policies = [
        Policy::AlwaysDevice,
        Policy::AlwaysEdge,
        Policy::Threshold { theta: a.theta },
        Policy::Hysteresis {
            theta: a.theta,
            band: a.band,
        },
        Policy::ContextAware {
            theta: a.theta,
            w: a.w,
        },
        Policy::SeedRule {
            a: a.a,
            theta: a.seed_theta,
            output,
        },
    ];
    out!("{}", report::policies(&set, &policies, a.mu)?);
    if a.sweep {
        let holdout = a
            .holdout
            .as_deref()
            .map(|h| load(h, preset.as_ref()))
            .transpose()?;
        sweep(&set, output, a.mu, &a.output, holdout.as_ref())?;
    }
    Ok(ExitCode::SUCCESS)
}

fn run_retest(train: &Dialogues, test: &Dialogues, dir: &Path) -> Result<ExitCode> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let r = retest(train, test, &RetestConfig::default())?;
    out!("{}", r.text());
    let stem = |s: &Dialogues| s.name.replace(['/', '\\'], "_");
    let base = format!("retest-{}-{}", stem(train), stem(test));
    let (csv, json) = (
        dir.join(format!("{base}.csv")),
        dir.join(format!("{base}.json")),
    );
    super::write_out(Some(&csv), &r.csv())?;
    super::write_out(Some(&json), &r.json())?;
    outln!("wrote {}, {}", csv.display(), json.display());
    Ok(ExitCode::SUCCESS)
}

fn sweep(
    set: &Dialogues,
    output: OutputEstimate,
    mu: f64,
    dir: &Path,
    holdout: Option<&Dialogues>,
) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let study = Study::new(set, output)?;
    let stem = study.stem();
    let points_csv = dir.join(format!("{stem}-frontier.csv"));
    let matched_csv = dir.join(format!("{stem}-matched.csv"));
    super::write_out(Some(&points_csv), &study.points_csv(mu))?;
    super::write_out(Some(&matched_csv), &study.matches_csv())?;
    let plots = study.chart().save(&dir.join(format!("{stem}-frontier")))?;
    out!("{}", study.text());
    if let Some(h) = holdout {
        out!("{}", study.holdout_text(h, output));
    }
    outln!("wrote {}, {}", points_csv.display(), matched_csv.display());
    for p in plots {
        outln!("wrote {}", p.display());
    }
    Ok(())
}
