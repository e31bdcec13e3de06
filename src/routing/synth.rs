//! Seeded generator of synthetic dialogues whose difficulty, score noise and lengths
//! are parameters (SPEC 7).
//!
//! Same configuration and seed, same bytes, on any platform: ChaCha8 (`rand_chacha`)
//! and `libm`'s portable functions.
//!
//! # Generative story
//!
//! With `sigma(u) = 1 / (1 + exp(-u))`:
//!
//! 1. A dialogue has `T ~ U{min_turns..max_turns}` turns and a topic difficulty
//!    `z_d ~ N(difficulty, dialogue_sd^2)` (logit units).
//! 2. Turn `t` has a latent difficulty `z_t = z_d + u_t`, where the turn deviation
//!    `u_t` is a stationary AR(1) process with persistence `rho` in \[0, 1):
//!    `u_0 = turn_sd * e_0`, `u_t = rho * u_{t-1} + sqrt(1 - rho^2) * turn_sd * e_t`
//!    (`e_t ~ N(0, 1)`), so every `u_t ~ N(0, turn_sd^2)` and consecutive turns
//!    correlate by `rho`. `rho = 0` (the default) gives independent turns.
//! 3. The small model answers correctly with probability `sigma(-z)`, the large one
//!    with `sigma(edge_advantage - z)`; each draws its own 0/1 label, independently
//!    given `z` (so the large model is sometimes wrong where the small one is right).
//! 4. The semantic score is a noisy estimate of the small model's failure
//!    probability, `score = sigma(z + N(0, score_noise^2))`: with `score_noise = 0`
//!    it is exactly `P(small model fails)`, a calibrated predictor. Scores are
//!    rounded to 4 decimals.
//! 5. Token counts are log-normal with the given means,
//!    `x = max(1, round(mean * exp(length_sigma * g - length_sigma^2 / 2)))` with
//!    `g ~ N(0, 1)`, independently for the input and output of each turn. For the
//!    output, `g = c * s + sqrt(1 - c^2) * e` where `s = (z_t - difficulty) /
//!    sqrt(dialogue_sd^2 + turn_sd^2)` is the turn's standardised difficulty (0 when
//!    both deviations are 0), `e ~ N(0, 1)` the length draw and `c` in \[-1, 1\]
//!    the `output_length_correlation`: `g` stays standard normal (the mean length is
//!    kept) and correlates with the difficulty by `c`, so hard turns get long
//!    answers for `c > 0`. `c = 0` (the default) gives lengths independent of
//!    difficulty.
//!
//! Draw order, fixed: per dialogue `T`, `z_d`; then per turn the turn noise, the score
//! noise, the two correctness uniforms, the input and output lengths. The two
//! structure parameters change no draw, only how draws combine: with both at 0 the
//! files are byte-identical to those of earlier versions (their settings are not
//! even written into `meta` then).
//!
//! # Defaults
//!
//! 50 dialogues of 1-8 turns, `difficulty = 0`, `dialogue_sd = 1`, `turn_sd = 0.7`,
//! `edge_advantage = 1.5` (about 50 % small-model and 75 % large-model accuracy),
//! `score_noise = 0.7`, 60 input and 150 output tokens on average,
//! `length_sigma = 0.6`, `persistence = 0`, `output_length_correlation = 0`, the
//! default [`LatencyParams`].

use rand::distributions::{Distribution, Open01};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::{Dialogue, DialogueFile, Dialogues, LatencyParams, Turn};
use crate::error::{Error, Result};
use crate::validate;

/// Settings of [`generate`] (module docs for the story and the defaults).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SynthConfig {
    /// Number of dialogues (>= 1).
    pub dialogues: usize,
    /// Seed of the ChaCha8 generator.
    pub seed: u64,
    /// Fewest turns per dialogue (>= 1).
    pub min_turns: usize,
    /// Most turns per dialogue (>= `min_turns`).
    pub max_turns: usize,
    /// Mean latent difficulty (logits; higher: harder).
    pub difficulty: f64,
    /// Standard deviation of the dialogues' topic difficulty.
    pub dialogue_sd: f64,
    /// Standard deviation of a turn's difficulty around its dialogue's.
    pub turn_sd: f64,
    /// How much easier a query is for the large model (logits).
    pub edge_advantage: f64,
    /// Standard deviation of the score's noise (logits).
    pub score_noise: f64,
    /// Mean input tokens per turn (>= 1).
    pub mean_input_tokens: f64,
    /// Mean output tokens per turn (>= 1).
    pub mean_output_tokens: f64,
    /// Log-normal shape of the lengths (>= 0; 0: every length is the mean).
    pub length_sigma: f64,
    /// Persistence `rho` in \[0, 1) of a turn's difficulty deviation from one turn
    /// to the next (AR(1), module docs); 0: independent turns.
    #[serde(skip_serializing_if = "is_zero")]
    pub persistence: f64,
    /// Correlation `c` in \[-1, 1\] of a turn's log output length with its
    /// difficulty (module docs); 0: independent.
    #[serde(skip_serializing_if = "is_zero")]
    pub output_length_correlation: f64,
    /// Latency parameters written into the file.
    pub latency: LatencyParams,
}

impl Default for SynthConfig {
    fn default() -> Self {
        Self {
            dialogues: 50,
            seed: 0,
            min_turns: 1,
            max_turns: 8,
            difficulty: 0.0,
            dialogue_sd: 1.0,
            turn_sd: 0.7,
            edge_advantage: 1.5,
            score_noise: 0.7,
            mean_input_tokens: 60.0,
            mean_output_tokens: 150.0,
            length_sigma: 0.6,
            persistence: 0.0,
            output_length_correlation: 0.0,
            latency: LatencyParams::default(),
        }
    }
}

const WHAT: &str = "generator setting";

// serde's `skip_serializing_if` passes a reference.
#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

/// The largest mean length (tokens per turn) the generator takes: far beyond any
/// model's context, and small enough that drawn lengths fit the file's integer counts.
pub const MAX_MEAN_TOKENS: f64 = 1e6;

impl SynthConfig {
    fn validate(&self) -> Result<()> {
        validate::count_at_least(WHAT, || "dialogues".into(), self.dialogues, 1)?;
        validate::count_at_least(WHAT, || "min_turns".into(), self.min_turns, 1)?;
        if self.max_turns < self.min_turns {
            return Err(Error::field(
                WHAT,
                "max_turns",
                self.max_turns,
                format!("must be >= min_turns = {}", self.min_turns),
            ));
        }
        for (name, v) in [
            ("difficulty", self.difficulty),
            ("edge_advantage", self.edge_advantage),
        ] {
            validate::finite(WHAT, || name.into(), v)?;
        }
        for (name, v) in [
            ("dialogue_sd", self.dialogue_sd),
            ("turn_sd", self.turn_sd),
            ("score_noise", self.score_noise),
            ("length_sigma", self.length_sigma),
        ] {
            validate::non_negative(WHAT, || name.into(), v)?;
        }
        for (name, v) in [
            ("mean_input_tokens", self.mean_input_tokens),
            ("mean_output_tokens", self.mean_output_tokens),
        ] {
            validate::at_least(WHAT, || name.into(), v, 1.0)?;
            if v > MAX_MEAN_TOKENS {
                return Err(Error::field(
                    WHAT,
                    name,
                    validate::num(v),
                    format!("must be at most {} tokens", validate::num(MAX_MEAN_TOKENS)),
                ));
            }
        }
        let p = validate::non_negative(WHAT, || "persistence".into(), self.persistence)?;
        if p >= 1.0 {
            return Err(Error::field(
                WHAT,
                "persistence",
                validate::num(p),
                "must be < 1 (an AR(1) persistence in [0, 1))",
            ));
        }
        let c = validate::finite(
            WHAT,
            || "output_length_correlation".into(),
            self.output_length_correlation,
        )?;
        if !(-1.0..=1.0).contains(&c) {
            return Err(Error::field(
                WHAT,
                "output_length_correlation",
                validate::num(c),
                "must lie in [-1, 1] (a correlation)",
            ));
        }
        self.latency.validate(WHAT, "latency")
    }
}

fn sigmoid(u: f64) -> f64 {
    1.0 / (1.0 + libm::exp(-u))
}

/// `x` rounded to 4 decimals: short files, exact JSON round trips.
fn round4(x: f64) -> f64 {
    libm::round(x * 1e4) / 1e4
}

/// A standard normal draw (Box-Muller, one of the pair).
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = Open01.sample(rng);
    let u2: f64 = rng.gen();
    libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(2.0 * std::f64::consts::PI * u2)
}

/// A log-normal length of mean `mean`, at least 1, from the standard normal `g`; an
/// error (never a silent clamp) when the draw does not fit a `u32` count.
fn tokens(g: f64, name: &str, mean: f64, sigma: f64) -> Result<u32> {
    let x = libm::round(mean * libm::exp(sigma * g - sigma * sigma / 2.0)).max(1.0);
    if x <= f64::from(u32::MAX) {
        // In range and integral, so the cast is exact.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let n = x as u32;
        Ok(n)
    } else {
        Err(Error::field(
            WHAT,
            name,
            validate::num(mean),
            format!(
                "drew a length of {} tokens, above the largest count {}: lower it or \
                 length_sigma",
                validate::num(x),
                u32::MAX
            ),
        ))
    }
}

/// A synthetic dialogue set (module docs). `O(dialogues * max_turns)`.
///
/// # Errors
/// [`Error::InvalidField`] for a bad setting (no dialogues, `min_turns` 0 or above
/// `max_turns`, negative or non-finite deviations, means below 1, bad latency
/// parameters).
pub fn generate(cfg: &SynthConfig) -> Result<Dialogues> {
    cfg.validate()?;
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    let mut dialogues = Vec::with_capacity(cfg.dialogues);
    let rho = cfg.persistence;
    let innovation = libm::sqrt(1.0 - rho * rho);
    let c = cfg.output_length_correlation;
    let length_noise = libm::sqrt(1.0 - c * c);
    let total_sd = libm::sqrt(cfg.dialogue_sd * cfg.dialogue_sd + cfg.turn_sd * cfg.turn_sd);
    for k in 0..cfg.dialogues {
        let n = rng.gen_range(cfg.min_turns..=cfg.max_turns);
        let z_d = cfg.difficulty + cfg.dialogue_sd * normal(&mut rng);
        let mut u_prev: Option<f64> = None;
        let turns = (0..n)
            .map(|_| -> Result<Turn> {
                let e = cfg.turn_sd * normal(&mut rng);
                // With rho = 0 this is `e` exactly (the earlier generator's draw).
                let u = match u_prev {
                    None => e,
                    Some(prev) => rho * prev + innovation * e,
                };
                u_prev = Some(u);
                let z = z_d + u;
                let score = round4(sigmoid(z + cfg.score_noise * normal(&mut rng)));
                let device_ok = rng.gen::<f64>() < sigmoid(-z);
                let edge_ok = rng.gen::<f64>() < sigmoid(cfg.edge_advantage - z);
                let input_tokens = tokens(
                    normal(&mut rng),
                    "mean_input_tokens",
                    cfg.mean_input_tokens,
                    cfg.length_sigma,
                )?;
                let mut g = normal(&mut rng);
                if c != 0.0 {
                    let s = if total_sd > 0.0 {
                        (z - cfg.difficulty) / total_sd
                    } else {
                        0.0
                    };
                    g = c * s + length_noise * g;
                }
                Ok(Turn {
                    score,
                    input_tokens,
                    output_tokens: tokens(
                        g,
                        "mean_output_tokens",
                        cfg.mean_output_tokens,
                        cfg.length_sigma,
                    )?,
                    correct_device: f64::from(u8::from(device_ok)),
                    correct_edge: f64::from(u8::from(edge_ok)),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        dialogues.push(Dialogue {
            id: Some(format!("d{k}")),
            turns,
        });
    }
    let meta = serde_json::json!({
        "generator": "llm-offload gen-dialogues (src/routing/synth.rs)",
        "settings": cfg,
    });
    Dialogues::new(DialogueFile {
        name: Some(format!(
            "dialogues-n{}-t{}-{}-s{}",
            cfg.dialogues, cfg.min_turns, cfg.max_turns, cfg.seed
        )),
        latency: cfg.latency,
        dialogues,
        meta: Some(meta),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        let cfg = SynthConfig::default();
        let a = generate(&cfg).unwrap().to_json();
        assert_eq!(a, generate(&cfg).unwrap().to_json());
        let b = generate(&SynthConfig { seed: 1, ..cfg }).unwrap().to_json();
        assert_ne!(a, b);
    }

    #[test]
    fn output_is_valid_and_calibrated_roughly() {
        let set = generate(&SynthConfig {
            dialogues: 400,
            ..SynthConfig::default()
        })
        .unwrap();
        let again = Dialogues::from_json(&set.to_json(), "t").unwrap();
        assert!(
            again.dialogues == set.dialogues,
            "JSON round trip changed the set"
        );
        let turns: Vec<&Turn> = set.dialogues.iter().flat_map(|d| &d.turns).collect();
        let n = turns.len() as f64;
        let dev = turns.iter().map(|t| t.correct_device).sum::<f64>() / n;
        let edge = turns.iter().map(|t| t.correct_edge).sum::<f64>() / n;
        assert!((0.4..0.6).contains(&dev), "device accuracy {dev}");
        assert!((0.65..0.85).contains(&edge), "edge accuracy {edge}");
        // The score predicts the small model's failures: failing turns score higher.
        let mean = |fail: bool| {
            let s: Vec<f64> = turns
                .iter()
                .filter(|t| (t.correct_device == 0.0) == fail)
                .map(|t| t.score)
                .collect();
            s.iter().sum::<f64>() / s.len() as f64
        };
        assert!(mean(true) > mean(false) + 0.1);
    }

    #[test]
    fn committed_example_is_reproducible() {
        // docs/routing.md: `llm-offload gen-dialogues -n 50 --seed 1`.
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/instances/dialogues/example.json"
        );
        let text = std::fs::read_to_string(path).unwrap();
        let set = generate(&SynthConfig {
            dialogues: 50,
            seed: 1,
            ..SynthConfig::default()
        })
        .unwrap();
        assert!(text == set.to_json(), "{path} differs from its generator");
    }

    fn pearson(xs: &[f64], ys: &[f64]) -> f64 {
        let n = xs.len() as f64;
        let (mx, my) = (xs.iter().sum::<f64>() / n, ys.iter().sum::<f64>() / n);
        let cov: f64 = xs.iter().zip(ys).map(|(x, y)| (x - mx) * (y - my)).sum();
        let vx: f64 = xs.iter().map(|x| (x - mx) * (x - mx)).sum();
        let vy: f64 = ys.iter().map(|y| (y - my) * (y - my)).sum();
        cov / (vx * vy).sqrt()
    }

    /// Lag-1 correlation of consecutive scores within dialogues.
    fn lag1(set: &Dialogues) -> f64 {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for d in &set.dialogues {
            for w in d.turns.windows(2) {
                a.push(w[0].score);
                b.push(w[1].score);
            }
        }
        pearson(&a, &b)
    }

    fn score_length_correlation(set: &Dialogues) -> f64 {
        let turns: Vec<&Turn> = set.dialogues.iter().flat_map(|d| &d.turns).collect();
        let s: Vec<f64> = turns.iter().map(|t| t.score).collect();
        let y: Vec<f64> = turns
            .iter()
            .map(|t| f64::from(t.output_tokens).ln())
            .collect();
        pearson(&s, &y)
    }

    #[test]
    fn structure_parameters_do_what_they_say_and_default_to_the_old_files() {
        let base = SynthConfig {
            dialogues: 600,
            min_turns: 4,
            seed: 9,
            ..SynthConfig::default()
        };
        let plain = generate(&base).unwrap();
        // Zero structure: no new setting in `meta` (old files stay byte-identical,
        // `committed_example_is_reproducible`).
        assert!(!plain.to_json().contains("persistence"));
        assert!(!plain.to_json().contains("output_length_correlation"));
        // Without topic difficulty and score noise the score follows the turn
        // deviation alone, whose lag-1 correlation is the persistence.
        let turns_only = SynthConfig {
            dialogue_sd: 0.0,
            score_noise: 0.0,
            ..base.clone()
        };
        let sticky = generate(&SynthConfig {
            persistence: 0.9,
            ..turns_only.clone()
        })
        .unwrap();
        assert!(sticky.to_json().contains("\"persistence\": 0.9"));
        let (l0, l1) = (lag1(&generate(&turns_only).unwrap()), lag1(&sticky));
        assert!(l0.abs() < 0.1, "independent turns correlate {l0}");
        assert!(l1 > 0.75, "persistence 0.9 gives lag-1 {l1}");
        // Same draws, combined differently: the input lengths do not move.
        let inputs = |s: &Dialogues| -> Vec<u32> {
            s.dialogues
                .iter()
                .flat_map(|d| d.turns.iter().map(|t| t.input_tokens))
                .collect()
        };
        assert_eq!(inputs(&generate(&turns_only).unwrap()), inputs(&sticky));
        let long_when_hard = generate(&SynthConfig {
            output_length_correlation: 0.8,
            ..base.clone()
        })
        .unwrap();
        let (c0, c1) = (
            score_length_correlation(&plain),
            score_length_correlation(&long_when_hard),
        );
        assert!(c0.abs() < 0.1, "independent lengths correlate {c0}");
        assert!(c1 > 0.4, "correlated lengths only {c1}");
        for (field, cfg) in [
            (
                "persistence",
                SynthConfig {
                    persistence: 1.0,
                    ..base.clone()
                },
            ),
            (
                "output_length_correlation",
                SynthConfig {
                    output_length_correlation: -1.5,
                    ..base.clone()
                },
            ),
        ] {
            let e = generate(&cfg).unwrap_err();
            assert!(e.to_string().contains(field), "{e}");
        }
    }

    #[test]
    fn bad_settings_are_named() {
        let e = generate(&SynthConfig {
            min_turns: 3,
            max_turns: 2,
            ..SynthConfig::default()
        })
        .unwrap_err();
        assert!(e.to_string().contains("max_turns"), "{e}");
        let e = generate(&SynthConfig {
            score_noise: -1.0,
            ..SynthConfig::default()
        })
        .unwrap_err();
        assert!(e.to_string().contains("score_noise"), "{e}");
    }
}
