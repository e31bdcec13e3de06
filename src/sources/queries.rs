//! Measured queries: a JSON-lines file of per-query measurements of a real small /
//! large model pair, from which the generator draws the users' queries (SPEC 1, 4, 6).
//!
//! The synthetic generator ([`crate::sources::generate`]) invents the query side of each user
//! (prompt size, work, uncertainty, correctness). A user who ran their own models can
//! instead describe each query once per line and let
//! [`crate::sources::generate::generate_with_queries`] place queries drawn from the file (seeded,
//! with replacement) into the scenario's geometry, channels and compute.
//!
//! # Format
//!
//! One JSON object per line; blank lines are skipped; unknown fields are errors. Units
//! are in the names. Where a group says "one of", exactly one must be given.
//!
//! | field | meaning |
//! |---|---|
//! | `id` | optional label (string) |
//! | one of `prompt_tokens`, `prompt_bits` | prompt size; tokens are uploaded at [`BITS_PER_TOKEN`] bits each |
//! | `output_tokens` | optional, tokens generated (>= 0) |
//! | one of `top_logprobs`, `top_probs`, `uncertainty` | the small model's first answer position: `[{"token": "B", "logprob": -0.36}, ...]` (as OpenAI-compatible servers return), `[{"token": "B", "prob": 0.7}, ...]`, or alpha in \[0,1\] directly; candidates go through [`crate::uncertainty::alpha_from_candidates`] (merge, top 10, margin) |
//! | one of `local_flops`, `local_latency_s` | small-model work (FLOP), or its latency measured on the nominal device of [`DEVICE_FLOPS_PER_S`] (work = latency x that speed) |
//! | one of `edge_flops`, `edge_latency_s` | large-model work (FLOP), or its compute latency (no network) measured with one server share of [`SERVER_CAP_FLOPS_PER_S`] |
//! | `local_correct`, `edge_correct` | optional, both or neither: `true`/`false` or a probability in \[0,1\] that the model answers correctly |
//!
//! A latency is thus turned into work by the speed of the scenario's reference
//! hardware: the device and server speeds of the scenario then scale it (a device of
//! half the nominal speed takes twice as long).
//!
//! # Example
//!
//! ```
//! use llm_offload::sources::queries::QuerySet;
//!
//! let text = r#"{"prompt_tokens": 200, "top_logprobs": [{"token": "A", "logprob": -0.1}, {"token": "B", "logprob": -2.5}], "local_latency_s": 0.03, "edge_latency_s": 0.002, "local_correct": true, "edge_correct": true}"#;
//! let set = QuerySet::parse(text, "example.jsonl")?;
//! assert_eq!(set.queries.len(), 1);
//! assert!(set.queries[0].alpha < 0.2);
//! # Ok::<(), llm_offload::Error>(())
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::scenario::{BITS_PER_TOKEN, DEVICE_FLOPS_PER_S, SERVER_CAP_FLOPS_PER_S};
use crate::error::{Error, Result};
use crate::uncertainty::{alpha_from_candidates, Scale, DEFAULT_TOP_K};
use crate::validate;

/// A candidate token with its natural-log probability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenLogprob {
    /// The candidate's text.
    pub token: String,
    /// `ln p` (<= 0).
    pub logprob: f64,
}

/// A candidate token with its probability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenProb {
    /// The candidate's text.
    pub token: String,
    /// `p` in \[0,1\].
    pub prob: f64,
}

/// One line of a queries file, as written (see the module docs for the rules).
/// Parsing checks only the shape; [`QueryLine::resolve`] checks the values.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueryLine {
    /// Optional label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Prompt size in tokens (or `prompt_bits`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_tokens: Option<f64>,
    /// Prompt size in bits (or `prompt_tokens`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_bits: Option<f64>,
    /// Tokens generated, optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_tokens: Option<f64>,
    /// Small model's top candidates with log-probabilities (or `top_probs`, `uncertainty`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_logprobs: Option<Vec<TokenLogprob>>,
    /// Small model's top candidates with probabilities (or `top_logprobs`, `uncertainty`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_probs: Option<Vec<TokenProb>>,
    /// alpha directly (or `top_logprobs`, `top_probs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uncertainty: Option<f64>,
    /// Small-model work (FLOP) (or `local_latency_s`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_flops: Option<f64>,
    /// Small-model latency on the nominal device (s) (or `local_flops`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_latency_s: Option<f64>,
    /// Large-model work (FLOP) (or `edge_latency_s`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edge_flops: Option<f64>,
    /// Large-model compute latency on one server share (s) (or `edge_flops`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edge_latency_s: Option<f64>,
    /// Whether the small model answered correctly: bool or probability.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_correct: Option<Value>,
    /// Whether the large model answered correctly: bool or probability.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edge_correct: Option<Value>,
}

/// A validated query, in the model's units (SPEC 1).
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// The line's `id`, if any.
    pub id: Option<String>,
    /// `D_i` (bits).
    pub prompt_bits: f64,
    /// `W_i^L` (FLOP).
    pub local_flops: f64,
    /// `W_i^E` (FLOP).
    pub edge_flops: f64,
    /// `alpha_i` in \[0,1\].
    pub alpha: f64,
    /// `a_i^L`, when given.
    pub p_correct_local: Option<f64>,
    /// `a_i^E`, when given.
    pub p_correct_edge: Option<f64>,
    /// `L_i^out`, when given.
    pub output_tokens: Option<f64>,
}

const WHAT: &str = "query";

/// The index of the one field of a group that is given (`(name, given)` pairs), or an
/// error naming the group.
fn one_of(fields: &[(&str, bool)]) -> Result<usize> {
    let given: Vec<usize> = (0..fields.len()).filter(|&k| fields[k].1).collect();
    let names = |ks: &mut dyn Iterator<Item = usize>, sep: &str| {
        ks.map(|k| format!("`{}`", fields[k].0))
            .collect::<Vec<_>>()
            .join(sep)
    };
    let group = fields.iter().map(|f| f.0).collect::<Vec<_>>().join(" | ");
    match given.as_slice() {
        [k] => Ok(*k),
        [] => Err(Error::field(
            WHAT,
            group,
            "missing",
            format!("needs one of {}", names(&mut (0..fields.len()), ", ")),
        )),
        _ => Err(Error::field(
            WHAT,
            group,
            "several",
            format!(
                "gives {} of {}: give exactly one",
                names(&mut given.iter().copied(), " and "),
                names(&mut (0..fields.len()), ", ")
            ),
        )),
    }
}

/// The value of the second field of a pair of which exactly one must be given.
fn pick(a: &str, va: Option<f64>, b: &str, vb: Option<f64>) -> Result<f64> {
    one_of(&[(a, va.is_some()), (b, vb.is_some())])?;
    vb.ok_or_else(|| Error::field(WHAT, b, "missing", format!("needs one of `{a}`, `{b}`")))
}

fn positive(name: &str, v: f64) -> Result<f64> {
    validate::positive(WHAT, || name.to_string(), v)
}

/// A size or work derived from a measured `v` of field `name` by a unit factor: both
/// the measurement and the product must be finite and > 0 (`prompt_tokens = 1e308`
/// overflows to infinite bits).
fn scaled(name: &str, v: f64, factor: f64, unit: &str) -> Result<f64> {
    let x = positive(name, v)? * factor;
    if x.is_finite() && x > 0.0 {
        Ok(x)
    } else {
        Err(Error::field(
            WHAT,
            name,
            validate::num(v),
            format!(
                "gives {} {unit} (x {}), which must be a finite number > 0",
                validate::num(x),
                validate::num(factor)
            ),
        ))
    }
}

fn correctness(name: &str, v: &Value) -> Result<f64> {
    let rule = "must be true, false or a probability in [0, 1]";
    match v {
        Value::Bool(b) => Ok(f64::from(u8::from(*b))),
        Value::Number(n) => match n.as_f64() {
            Some(p) if (0.0..=1.0).contains(&p) => Ok(p),
            _ => Err(Error::field(WHAT, name, n, rule)),
        },
        other => Err(Error::field(WHAT, name, other, rule)),
    }
}

impl QueryLine {
    /// Checks the values and converts to model units.
    ///
    /// # Errors
    /// [`Error::InvalidField`] (`what` = `query`) naming the field, its value and the
    /// rule: a group with none or several of its fields, a non-positive size or work
    /// (or one that overflows when converted to bits or FLOP), a negative output count,
    /// bad candidates (see [`alpha_from_candidates`]), uncertainty or correctness
    /// outside \[0,1\], or only one of the two correctness fields.
    pub fn resolve(&self) -> Result<Query> {
        let prompt_bits = match (self.prompt_tokens, self.prompt_bits) {
            (Some(t), None) => scaled("prompt_tokens", t, BITS_PER_TOKEN, "bits")?,
            (t, b) => positive("prompt_bits", pick("prompt_tokens", t, "prompt_bits", b)?)?,
        };
        let local_flops = match (self.local_flops, self.local_latency_s) {
            (Some(w), None) => positive("local_flops", w)?,
            (w, t) => {
                let t = pick("local_flops", w, "local_latency_s", t)?;
                scaled("local_latency_s", t, DEVICE_FLOPS_PER_S, "FLOP")?
            }
        };
        let edge_flops = match (self.edge_flops, self.edge_latency_s) {
            (Some(w), None) => positive("edge_flops", w)?,
            (w, t) => {
                let t = pick("edge_flops", w, "edge_latency_s", t)?;
                scaled("edge_latency_s", t, SERVER_CAP_FLOPS_PER_S, "FLOP")?
            }
        };
        let alpha = self.alpha()?;
        let (p_correct_local, p_correct_edge) = match (&self.local_correct, &self.edge_correct) {
            (None, None) => (None, None),
            (Some(l), Some(e)) => (
                Some(correctness("local_correct", l)?),
                Some(correctness("edge_correct", e)?),
            ),
            (Some(_), None) => {
                return Err(Error::field(
                    WHAT,
                    "edge_correct",
                    "missing",
                    "`local_correct` given without `edge_correct`: give both or neither",
                ))
            }
            (None, Some(_)) => {
                return Err(Error::field(
                    WHAT,
                    "local_correct",
                    "missing",
                    "`edge_correct` given without `local_correct`: give both or neither",
                ))
            }
        };
        let output_tokens = match self.output_tokens {
            Some(t) => Some(validate::non_negative(WHAT, || "output_tokens".into(), t)?),
            None => None,
        };
        Ok(Query {
            id: self.id.clone(),
            prompt_bits,
            local_flops,
            edge_flops,
            alpha,
            p_correct_local,
            p_correct_edge,
            output_tokens,
        })
    }

    fn alpha(&self) -> Result<f64> {
        let k = one_of(&[
            ("top_logprobs", self.top_logprobs.is_some()),
            ("top_probs", self.top_probs.is_some()),
            ("uncertainty", self.uncertainty.is_some()),
        ])?;
        let (name, scale, candidates): (_, _, Vec<(String, f64)>) =
            match (&self.top_logprobs, &self.top_probs, self.uncertainty) {
                (Some(c), _, _) => (
                    "top_logprobs",
                    Scale::LogProb,
                    c.iter().map(|t| (t.token.clone(), t.logprob)).collect(),
                ),
                (_, Some(c), _) => (
                    "top_probs",
                    Scale::Prob,
                    c.iter().map(|t| (t.token.clone(), t.prob)).collect(),
                ),
                (_, _, a) => {
                    return validate::unit(WHAT, || "uncertainty".into(), a.unwrap_or(f64::NAN));
                }
            };
        debug_assert!(k < 2);
        alpha_from_candidates(&candidates, scale, DEFAULT_TOP_K).map_err(|e| e.within(WHAT, name))
    }
}

/// The validated queries of one file.
#[derive(Debug, Clone, PartialEq)]
pub struct QuerySet {
    /// Where they came from (file name), recorded in generated instances.
    pub source: String,
    /// The queries, in file order (at least one).
    pub queries: Vec<Query>,
}

impl QuerySet {
    /// Parses and validates JSON-lines text; `path` names the source in errors.
    ///
    /// # Errors
    /// [`Error::Line`] with the 1-based line number for malformed JSON, unknown or
    /// mistyped fields and every rule of [`QueryLine::resolve`];
    /// [`Error::InvalidField`] when the text holds no query.
    pub fn parse(text: &str, path: impl AsRef<Path>) -> Result<Self> {
        let path: PathBuf = path.as_ref().to_path_buf();
        let mut queries = Vec::new();
        for (k, line) in validate::strip_bom(text).lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let bad = |message: String| Error::Line {
                path: path.clone(),
                line: k + 1,
                message,
            };
            let raw: QueryLine = serde_json::from_str(line).map_err(|e| bad(e.to_string()))?;
            queries.push(raw.resolve().map_err(|e| bad(e.to_string()))?);
        }
        if queries.is_empty() {
            return Err(Error::field(
                "queries file",
                path.display().to_string(),
                "(no lines)",
                "needs at least one query",
            ));
        }
        Ok(QuerySet {
            source: path.display().to_string(),
            queries,
        })
    }

    /// Reads and validates a queries file.
    ///
    /// # Errors
    /// [`Error::Io`] when it cannot be read; otherwise as [`QuerySet::parse`].
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::parse(&text, path)
    }

    /// Whether every query carries both correctness figures (so accuracy is defined).
    #[must_use]
    pub fn has_correctness(&self) -> bool {
        self.queries.iter().all(|q| q.p_correct_local.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"id": "a", "prompt_tokens": 100, "uncertainty": 0.3, "local_flops": 1e12, "edge_flops": 8e12}"#;

    fn err_of(text: &str) -> (usize, String) {
        match QuerySet::parse(text, "q.jsonl").unwrap_err() {
            Error::Line { line, message, .. } => (line, message),
            e => panic!("expected a line error, got {e}"),
        }
    }

    #[test]
    fn good_lines_resolve_to_model_units() {
        let text = format!(
            "{GOOD}\n\n{}\n",
            r#"{"prompt_bits": 4096, "top_probs": [{"token": " A", "prob": 0.3}, {"token": "a", "prob": 0.3}, {"token": "B", "prob": 0.4}], "local_latency_s": 0.02, "edge_latency_s": 0.001, "local_correct": false, "edge_correct": 0.75, "output_tokens": 3}"#
        );
        let set = QuerySet::parse(&text, "q.jsonl").unwrap();
        assert_eq!(set.queries.len(), 2);
        let (a, b) = (&set.queries[0], &set.queries[1]);
        assert_eq!(a.prompt_bits, 100.0 * BITS_PER_TOKEN);
        assert_eq!(a.alpha, 0.3);
        assert_eq!(a.p_correct_local, None);
        assert!(!set.has_correctness());
        // merged " A" + "a" = 0.6 against 0.4
        assert!((b.alpha - 0.8).abs() < 1e-12);
        assert_eq!(b.local_flops, 0.02 * DEVICE_FLOPS_PER_S);
        assert_eq!(b.edge_flops, 0.001 * SERVER_CAP_FLOPS_PER_S);
        assert_eq!(
            (b.p_correct_local, b.p_correct_edge),
            (Some(0.0), Some(0.75))
        );
        assert_eq!(b.output_tokens, Some(3.0));
    }

    #[test]
    fn bad_lines_name_line_and_field() {
        let cases = [
            (
                r#"{"prompt_tokens": 1, "uncertainty": 0.3, "local_flops": 1, "edge_flops": 1, "colour": 2}"#,
                "colour",
            ),
            (
                r#"{"uncertainty": 0.3, "local_flops": 1, "edge_flops": 1}"#,
                "prompt_tokens",
            ),
            (
                r#"{"prompt_tokens": 1, "prompt_bits": 8, "uncertainty": 0.3, "local_flops": 1, "edge_flops": 1}"#,
                "`prompt_tokens` and `prompt_bits`",
            ),
            (
                r#"{"prompt_tokens": -1, "uncertainty": 0.3, "local_flops": 1, "edge_flops": 1}"#,
                "prompt_tokens",
            ),
            (
                r#"{"prompt_tokens": 1, "uncertainty": 1.3, "local_flops": 1, "edge_flops": 1}"#,
                "uncertainty",
            ),
            (
                r#"{"prompt_tokens": 1, "top_logprobs": [{"token": "a", "logprob": 0.5}], "local_flops": 1, "edge_flops": 1}"#,
                "top_logprobs",
            ),
            (
                r#"{"prompt_tokens": 1, "top_probs": [], "local_flops": 1, "edge_flops": 1}"#,
                "top_probs",
            ),
            (
                r#"{"prompt_tokens": 1, "uncertainty": 0.3, "local_latency_s": 0, "edge_flops": 1}"#,
                "local_latency_s",
            ),
            (
                r#"{"prompt_tokens": 1, "uncertainty": 0.3, "local_flops": 1}"#,
                "edge_flops",
            ),
            (
                r#"{"prompt_tokens": 1, "uncertainty": 0.3, "local_flops": 1, "edge_flops": 1, "local_correct": true}"#,
                "edge_correct",
            ),
            (
                r#"{"prompt_tokens": 1, "uncertainty": 0.3, "local_flops": 1, "edge_flops": 1, "local_correct": 2, "edge_correct": 1}"#,
                "local_correct",
            ),
            (
                r#"{"prompt_tokens": 1, "uncertainty": 0.3, "local_flops": 1, "edge_flops": 1, "output_tokens": -2}"#,
                "output_tokens",
            ),
            (
                r#"{"prompt_tokens": "many", "uncertainty": 0.3, "local_flops": 1, "edge_flops": 1}"#,
                "invalid type",
            ),
            (r#"{"prompt_tokens": 1,"#, "EOF"),
        ];
        for (bad, field) in cases {
            let (line, message) = err_of(&format!("{GOOD}\n\n{bad}\n{GOOD}"));
            assert_eq!(line, 3, "{bad}");
            assert!(message.contains(field), "{bad}: {message}");
        }
        assert!(matches!(
            QuerySet::parse("\n  \n", "q.jsonl"),
            Err(Error::InvalidField { .. })
        ));
    }
}
