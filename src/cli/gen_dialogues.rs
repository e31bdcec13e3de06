//! `llm-offload gen-dialogues` (SPEC 7, docs/routing.md).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use llm_offload::routing::synth::{generate, SynthConfig};

/// Arguments of `gen-dialogues` (docs/routing.md for the generative story).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Number of dialogues.
    #[arg(long, short = 'n', default_value_t = 50, value_parser = super::parse::at_least_one)]
    dialogues: usize,
    /// Seed (same seed and settings, same bytes).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Fewest turns per dialogue (1 with --max-turns 1: single queries).
    #[arg(long, default_value_t = 1, value_parser = super::parse::at_least_one)]
    min_turns: usize,
    /// Most turns per dialogue.
    #[arg(long, default_value_t = 8)]
    max_turns: usize,
    /// Mean latent difficulty (logits; higher: harder).
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
    difficulty: f64,
    /// Standard deviation of the dialogues' topic difficulty (logits).
    #[arg(long, default_value_t = 1.0)]
    dialogue_sd: f64,
    /// Standard deviation of a turn's difficulty around its dialogue's (logits).
    #[arg(long, default_value_t = 0.7)]
    turn_sd: f64,
    /// How much easier a query is for the large model (logits).
    #[arg(long, default_value_t = 1.5, allow_hyphen_values = true)]
    edge_advantage: f64,
    /// Standard deviation of the score's noise (logits; 0: calibrated score).
    #[arg(long, default_value_t = 0.7)]
    score_noise: f64,
    /// Mean input tokens per turn.
    #[arg(long, default_value_t = 60.0)]
    mean_input_tokens: f64,
    /// Mean output tokens per turn.
    #[arg(long, default_value_t = 150.0)]
    mean_output_tokens: f64,
    /// Log-normal shape of the lengths (0: every length is the mean).
    #[arg(long, default_value_t = 0.6)]
    length_sigma: f64,
    /// Persistence in [0, 1) of a turn's difficulty from one turn to the next
    /// (AR(1); 0: independent turns, the earlier generator).
    #[arg(long, default_value_t = 0.0)]
    persistence: f64,
    /// Correlation in [-1, 1] of a turn's log output length with its difficulty
    /// (0: independent, the earlier generator).
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
    output_length_correlation: f64,
    /// Output file (default: stdout).
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
}

pub fn run(a: &Args) -> Result<ExitCode> {
    let set = generate(&SynthConfig {
        dialogues: a.dialogues,
        seed: a.seed,
        min_turns: a.min_turns,
        max_turns: a.max_turns,
        difficulty: a.difficulty,
        dialogue_sd: a.dialogue_sd,
        turn_sd: a.turn_sd,
        edge_advantage: a.edge_advantage,
        score_noise: a.score_noise,
        mean_input_tokens: a.mean_input_tokens,
        mean_output_tokens: a.mean_output_tokens,
        length_sigma: a.length_sigma,
        persistence: a.persistence,
        output_length_correlation: a.output_length_correlation,
        ..SynthConfig::default()
    })
    // Every setting is a flag.
    .map_err(super::exit::usage)?;
    super::write_out(a.output.as_deref(), &set.to_json())?;
    Ok(ExitCode::SUCCESS)
}
