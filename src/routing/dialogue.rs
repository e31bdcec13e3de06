//! Dialogue files: queries and multi-turn dialogues with their semantic scores, token
//! counts and each model's correctness, plus the latency parameters (SPEC 7).
//!
//! # Format
//!
//! One JSON object; units are in the field names:
//!
//! ```json
//! {
//!   "name": "example",
//!   "latency": {
//!     "device_prefill_s_per_token": 0.0025, "device_decode_s_per_token": 0.025,
//!     "edge_prefill_s_per_token": 0.00025, "edge_decode_s_per_token": 0.03,
//!     "uplink_bits_per_s": 2e7, "downlink_bits_per_s": 5e7,
//!     "bits_per_token": 32, "edge_round_trip_s": 0.05
//!   },
//!   "dialogues": [
//!     { "id": "d0", "turns": [
//!       { "score": 0.42, "input_tokens": 57, "output_tokens": 140,
//!         "correct_device": 1, "correct_edge": 1 } ] }
//!   ],
//!   "meta": { "generator": "..." }
//! }
//! ```
//!
//! - `name` (optional), `meta` (optional, free-form provenance), `dialogues[k].id`
//!   (optional).
//! - `score` in \[0, 1\]: the predicted semantic difficulty, how likely the large model
//!   is needed; known before routing.
//! - `input_tokens` >= 1: new tokens of this turn's prompt; `output_tokens` >= 1:
//!   tokens of the answer. The history before turn `t` is the sum of both over the
//!   earlier turns.
//! - `correct_device`, `correct_edge` in \[0, 1\]: whether (0/1 label) or how likely
//!   (probability) each model answers this turn correctly; quality counts their sum.
//! - `latency`: [`LatencyParams`], all eight fields required.
//!
//! A single query is a dialogue of one turn. Unknown fields are rejected.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::LatencyParams;
use crate::error::{Error, Result};
use crate::validate;

const WHAT: &str = "dialogue file";

/// One turn: its score, token counts and each model's correctness.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Turn {
    /// Predicted semantic difficulty in \[0, 1\] (higher: the large model is more
    /// likely needed).
    pub score: f64,
    /// New input tokens of this turn (>= 1).
    pub input_tokens: u32,
    /// Output tokens of the answer (>= 1).
    pub output_tokens: u32,
    /// Correctness of the device's small model in \[0, 1\] (label or probability).
    pub correct_device: f64,
    /// Correctness of the edge's large model in \[0, 1\] (label or probability).
    pub correct_edge: f64,
}

/// A dialogue: its turns, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dialogue {
    /// Optional identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The turns (at least one).
    pub turns: Vec<Turn>,
}

impl Dialogue {
    /// Tokens of the history before turn `t`: inputs and outputs of turns `0..t`.
    /// Linear in `t`.
    ///
    /// # Panics
    /// When `t > turns.len()`.
    #[must_use]
    pub fn history_tokens(&self, t: usize) -> f64 {
        self.turns[..t]
            .iter()
            .map(|u| f64::from(u.input_tokens) + f64::from(u.output_tokens))
            .sum()
    }
}

/// The file form of a dialogue set (module docs), before validation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DialogueFile {
    /// Optional name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Latency parameters.
    pub latency: LatencyParams,
    /// The dialogues (at least one).
    pub dialogues: Vec<Dialogue>,
    /// Free-form provenance (the generator writes its settings here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<serde_json::Value>,
}

/// A validated dialogue set.
#[derive(Debug, Clone, PartialEq)]
pub struct Dialogues {
    /// Name (the file's, or its stem).
    pub name: String,
    /// Latency parameters.
    pub latency: LatencyParams,
    /// The dialogues.
    pub dialogues: Vec<Dialogue>,
    /// Provenance carried through from the file.
    pub meta: Option<serde_json::Value>,
}

fn unit(field: impl FnOnce() -> String, v: f64) -> Result<f64> {
    validate::unit(WHAT, field, v)
}

impl Dialogues {
    /// Validates a parsed file.
    ///
    /// # Errors
    /// [`Error::InvalidField`] naming the first field that breaks a rule: no
    /// dialogues, a dialogue without turns, a score or correctness outside \[0, 1\]
    /// (or NaN), zero tokens, a bad latency parameter
    /// ([`LatencyParams::validate`]).
    pub fn new(file: DialogueFile) -> Result<Self> {
        let DialogueFile {
            name,
            latency,
            dialogues,
            meta,
        } = file;
        latency.validate(WHAT, "latency")?;
        if dialogues.is_empty() {
            return Err(Error::field(
                WHAT,
                "dialogues",
                "[]",
                "needs at least one dialogue",
            ));
        }
        for (k, d) in dialogues.iter().enumerate() {
            if d.turns.is_empty() {
                return Err(Error::field(
                    WHAT,
                    format!("dialogues[{k}].turns"),
                    "[]",
                    "needs at least one turn",
                ));
            }
            for (t, turn) in d.turns.iter().enumerate() {
                let f = |name: &'static str| move || format!("dialogues[{k}].turns[{t}].{name}");
                unit(f("score"), turn.score)?;
                unit(f("correct_device"), turn.correct_device)?;
                unit(f("correct_edge"), turn.correct_edge)?;
                for (name, v) in [
                    ("input_tokens", turn.input_tokens),
                    ("output_tokens", turn.output_tokens),
                ] {
                    validate::count_at_least(WHAT, f(name), v as usize, 1)?;
                }
            }
        }
        let mut total = 0.0;
        for (k, d) in dialogues.iter().enumerate() {
            let ceiling = latency.latency_ceiling_s(d);
            total += ceiling;
            if !ceiling.is_finite() || !total.is_finite() {
                return Err(Error::field(
                    WHAT,
                    format!("dialogues[{k}]"),
                    format!("a route latency of up to {} s", validate::num(ceiling)),
                    "the latencies of the file's routes must add up to a finite number \
                     (the latency parameters or token counts are too large)",
                ));
            }
        }
        Ok(Self {
            name: name.unwrap_or_default(),
            latency,
            dialogues,
            meta,
        })
    }

    /// Parses and validates JSON text; `context` names the source in errors and
    /// names an unnamed set.
    ///
    /// # Errors
    /// [`Error::Json`] for malformed JSON, missing or unknown fields and wrong types
    /// (e.g. negative token counts); otherwise as [`Dialogues::new`].
    pub fn from_json(text: &str, context: &str) -> Result<Self> {
        let file: DialogueFile =
            serde_json::from_str(validate::strip_bom(text)).map_err(|error| Error::Json {
                context: context.to_string(),
                error,
            })?;
        let mut set = Self::new(file)?;
        if set.name.is_empty() {
            set.name = context.to_string();
        }
        Ok(set)
    }

    /// Reads and validates a dialogue file; an unnamed set takes the file's stem.
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be read; otherwise as
    /// [`Dialogues::from_json`].
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let context = path.display().to_string();
        let mut set = Self::from_json(&text, &context)?;
        if set.name == context {
            set.name = path
                .file_stem()
                .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
        }
        Ok(set)
    }

    /// The set as its file form.
    #[must_use]
    pub fn to_file(&self) -> DialogueFile {
        DialogueFile {
            name: (!self.name.is_empty()).then(|| self.name.clone()),
            latency: self.latency,
            dialogues: self.dialogues.clone(),
            meta: self.meta.clone(),
        }
    }

    /// Pretty JSON of [`Dialogues::to_file`], newline-terminated.
    #[must_use]
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(&self.to_file())
            .expect("a dialogue file always serialises");
        s.push('\n');
        s
    }

    /// The same dialogues under other latency parameters (e.g. a preset's),
    /// validated again.
    ///
    /// # Errors
    /// As [`Dialogues::new`] (bad parameters, or route latencies that overflow).
    pub fn with_latency(&self, latency: LatencyParams) -> Result<Self> {
        let mut file = self.to_file();
        file.latency = latency;
        let mut set = Self::new(file)?;
        set.name.clone_from(&self.name);
        Ok(set)
    }

    /// Total number of turns.
    #[must_use]
    pub fn turns(&self) -> usize {
        self.dialogues.iter().map(|d| d.turns.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> serde_json::Value {
        serde_json::json!({
            "latency": LatencyParams::default(),
            "dialogues": [
                { "turns": [
                    { "score": 0.2, "input_tokens": 10, "output_tokens": 20,
                      "correct_device": 1, "correct_edge": 1 } ] },
                { "id": "b", "turns": [
                    { "score": 0.7, "input_tokens": 10, "output_tokens": 20,
                      "correct_device": 0, "correct_edge": 1 },
                    { "score": 0.9, "input_tokens": 5, "output_tokens": 8,
                      "correct_device": 0, "correct_edge": 0.5 } ] }
            ]
        })
    }

    fn err(v: &serde_json::Value) -> Error {
        Dialogues::from_json(&v.to_string(), "t").unwrap_err()
    }

    fn invalid_field(e: &Error) -> (&str, &str) {
        match e {
            Error::InvalidField { field, value, .. } => (field.as_str(), value.as_str()),
            other => panic!("expected InvalidField, got {other}"),
        }
    }

    #[test]
    fn loads_and_round_trips() {
        let set = Dialogues::from_json(&good().to_string(), "t").unwrap();
        assert_eq!(set.name, "t");
        assert_eq!(set.turns(), 3);
        assert_eq!(set.dialogues[1].history_tokens(1), 30.0);
        let again = Dialogues::from_json(&set.to_json(), "t").unwrap();
        assert_eq!(again, set);
    }

    #[test]
    fn each_bad_field_is_named() {
        let cases: Vec<(&str, serde_json::Value, &str, &str)> = vec![
            (
                "/dialogues/1/turns/1/score",
                1.5.into(),
                "dialogues[1].turns[1].score",
                "1.5",
            ),
            (
                "/dialogues/1/turns/0/score",
                (-0.1).into(),
                "dialogues[1].turns[0].score",
                "-0.1",
            ),
            (
                "/dialogues/0/turns/0/correct_device",
                2.into(),
                "dialogues[0].turns[0].correct_device",
                "2",
            ),
            (
                "/dialogues/1/turns/1/correct_edge",
                (-1).into(),
                "dialogues[1].turns[1].correct_edge",
                "-1",
            ),
            (
                "/dialogues/0/turns/0/input_tokens",
                0.into(),
                "dialogues[0].turns[0].input_tokens",
                "0",
            ),
            (
                "/dialogues/1/turns/0/output_tokens",
                0.into(),
                "dialogues[1].turns[0].output_tokens",
                "0",
            ),
            (
                "/dialogues/1/turns",
                serde_json::json!([]),
                "dialogues[1].turns",
                "[]",
            ),
            ("/dialogues", serde_json::json!([]), "dialogues", "[]"),
            (
                "/latency/uplink_bits_per_s",
                0.into(),
                "latency.uplink_bits_per_s",
                "0",
            ),
            (
                "/latency/device_decode_s_per_token",
                (-1).into(),
                "latency.device_decode_s_per_token",
                "-1",
            ),
        ];
        for (pointer, value, field, shown) in cases {
            let mut v = good();
            *v.pointer_mut(pointer).unwrap() = value;
            let e = err(&v);
            assert_eq!(invalid_field(&e), (field, shown), "{pointer}: {e}");
        }
    }

    #[test]
    fn malformed_json_and_wrong_shapes_are_json_errors() {
        let e = Dialogues::from_json("{ \"latency\": ", "t").unwrap_err();
        assert!(matches!(e, Error::Json { .. }), "{e}");
        let mut v = good();
        *v.pointer_mut("/dialogues/0/turns/0/input_tokens").unwrap() = (-3).into();
        assert!(matches!(err(&v), Error::Json { .. }));
        let mut v = good();
        v["dialogues"][0]["turns"][0]["extra"] = 1.into();
        assert!(matches!(err(&v), Error::Json { .. }));
        let mut v = good();
        v.as_object_mut().unwrap().remove("latency");
        assert!(matches!(err(&v), Error::Json { .. }));
    }
}
