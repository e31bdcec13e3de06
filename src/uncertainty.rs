//! Token-level uncertainty of the small model (SPEC 4): the margin between the two most
//! likely answer tokens, `alpha = 1 - (p_(1) - p_(2))`.
//!
//! Candidates are normalised (trimmed, lower-cased), equal strings merged by adding
//! their probabilities, the top `k` kept and renormalised. Readers for the
//! `top_logprobs` that OpenAI-compatible servers (vLLM, llama.cpp) return are here too.

use serde_json::Value;

use crate::error::{Error, Result};
use crate::validate;

/// The kind of input named in candidate errors; callers place them with
/// [`Error::within`].
const WHAT: &str = "candidates";

/// Candidates kept after merging (SPEC 4).
pub const DEFAULT_TOP_K: usize = 10;

/// alpha from bare probabilities (already distinct candidates, any order).
///
/// # Errors
/// [`Error::InvalidField`] (`what` = `candidates`, the field `[k]` of a bad entry or
/// empty for the list; place it with [`Error::within`]) when the list is not part of
/// one distribution ([`validate::distribution`]): empty, an entry outside \[0, 1\], a
/// sum above 1 or a negligible total.
pub fn alpha_from_probs(probs: &[f64], top_k: usize) -> Result<f64> {
    validate::distribution(WHAT, "", probs)?;
    margin(probs, top_k)
}

/// `1 - (p_(1) - p_(2))` over the top `top_k` of a checked list, renormalised.
fn margin(probs: &[f64], top_k: usize) -> Result<f64> {
    let mut sorted = probs.to_vec();
    sorted.sort_by(|a, b| b.total_cmp(a));
    sorted.truncate(top_k.max(1));
    let total: f64 = sorted.iter().sum();
    if total <= 0.0 {
        return Err(Error::field(
            WHAT,
            "",
            validate::num(total),
            "the kept probabilities sum to zero",
        ));
    }
    if sorted.len() == 1 {
        return Ok(0.0);
    }
    let margin = (sorted[0] - sorted[1]) / total;
    Ok((1.0 - margin).clamp(0.0, 1.0))
}

/// Whether candidate scores are probabilities or natural-log probabilities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// Probabilities in \[0,1\].
    Prob,
    /// Natural logarithms of probabilities (`top_logprobs`).
    LogProb,
}

/// alpha from text candidates: normalises the strings, merges equal ones, keeps the
/// top `top_k` and applies [`alpha_from_probs`].
///
/// # Errors
/// [`Error::InvalidField`] as [`alpha_from_probs`], checked on the candidates as
/// given (before merging): a probability outside \[0, 1\] (llama.cpp `prob` = 5), a
/// log-probability that is positive or NaN, candidates whose probabilities add up to
/// more than 1 (two candidates of log-probability 0) or to almost nothing.
pub fn alpha_from_candidates(
    candidates: &[(String, f64)],
    scale: Scale,
    top_k: usize,
) -> Result<f64> {
    let mut raw = Vec::with_capacity(candidates.len());
    for (k, (_, score)) in candidates.iter().enumerate() {
        raw.push(match scale {
            Scale::Prob => *score,
            Scale::LogProb => {
                if score.is_nan() || *score > 1e-9 {
                    return Err(Error::field(
                        WHAT,
                        format!("[{k}].logprob"),
                        validate::num(*score),
                        "a log-probability must be <= 0",
                    ));
                }
                score.exp()
            }
        });
    }
    validate::distribution(WHAT, "", &raw)?;
    let mut merged: Vec<(String, f64)> = Vec::new();
    for ((text, _), &p) in candidates.iter().zip(&raw) {
        let key = text.trim().to_lowercase();
        match merged.iter_mut().find(|(k, _)| *k == key) {
            Some((_, q)) => *q += p,
            None => merged.push((key, p)),
        }
    }
    let probs: Vec<f64> = merged.into_iter().map(|(_, p)| p).collect();
    margin(&probs, top_k)
}

/// Extracts the candidates at generated position `position` from one completion
/// response of an OpenAI-compatible server, in any of the shapes servers return:
///
/// - chat completions: `choices[0].logprobs.content[pos].top_logprobs = [{token, logprob}]`
/// - completions: `choices[0].logprobs.top_logprobs[pos] = {token: logprob}`
/// - llama.cpp `/completion`: `completion_probabilities[pos].top_logprobs = [{token, logprob}]`
///   or the older `completion_probabilities[pos].probs = [{tok_str, prob}]`
///
/// # Errors
/// [`Error::InvalidField`] (`what` = `completion response`) naming the part of the
/// response and the shape that was expected there, when none matches.
pub fn candidates_from_response(
    resp: &Value,
    position: usize,
) -> Result<(Vec<(String, f64)>, Scale)> {
    const RESPONSE: &str = "completion response";
    let shape = |field: &str, value: String, rule: &str| Error::field(RESPONSE, field, value, rule);
    let list = |v: &Value, tok: &str, score: &str| -> Option<Vec<(String, f64)>> {
        v.as_array()?
            .iter()
            .map(|c| Some((c.get(tok)?.as_str()?.to_string(), c.get(score)?.as_f64()?)))
            .collect()
    };
    if let Some(lp) = resp.pointer("/choices/0/logprobs") {
        if let Some(content) = lp.get("content").and_then(Value::as_array) {
            let entry = content.get(position).ok_or_else(|| {
                shape(
                    "choices[0].logprobs.content",
                    format!("{} positions", content.len()),
                    &format!("needs position {position}"),
                )
            })?;
            let c = entry
                .get("top_logprobs")
                .and_then(|t| list(t, "token", "logprob"))
                .ok_or_else(|| {
                    shape(
                        &format!("choices[0].logprobs.content[{position}].top_logprobs"),
                        "missing or malformed".into(),
                        "must be a list of {token, logprob}",
                    )
                })?;
            return Ok((c, Scale::LogProb));
        }
        if let Some(tops) = lp.get("top_logprobs").and_then(Value::as_array) {
            let entry = tops
                .get(position)
                .and_then(Value::as_object)
                .ok_or_else(|| {
                    shape(
                        "choices[0].logprobs.top_logprobs",
                        format!("{} positions", tops.len()),
                        &format!("needs an object at position {position}"),
                    )
                })?;
            let c = entry
                .iter()
                .map(|(k, v)| v.as_f64().map(|x| (k.clone(), x)))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| {
                    shape(
                        &format!("choices[0].logprobs.top_logprobs[{position}]"),
                        "a non-number value".into(),
                        "values must be numbers",
                    )
                })?;
            return Ok((c, Scale::LogProb));
        }
    }
    if let Some(cp) = resp
        .get("completion_probabilities")
        .and_then(Value::as_array)
    {
        let entry = cp.get(position).ok_or_else(|| {
            shape(
                "completion_probabilities",
                format!("{} positions", cp.len()),
                &format!("needs position {position}"),
            )
        })?;
        if let Some(c) = entry
            .get("top_logprobs")
            .and_then(|t| list(t, "token", "logprob"))
        {
            return Ok((c, Scale::LogProb));
        }
        if let Some(c) = entry.get("probs").and_then(|t| list(t, "tok_str", "prob")) {
            return Ok((c, Scale::Prob));
        }
    }
    Err(shape(
        "top_logprobs",
        "missing".into(),
        "expected choices[0].logprobs.content[].top_logprobs (chat), \
         choices[0].logprobs.top_logprobs[] (completions) or completion_probabilities[] \
         (llama.cpp)",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn margin_formula() {
        assert!((alpha_from_probs(&[0.6, 0.3, 0.1], 10).unwrap() - 0.7).abs() < 1e-12);
        assert_eq!(alpha_from_probs(&[0.9], 10).unwrap(), 0.0);
        // equal top two: maximal uncertainty
        assert!((alpha_from_probs(&[0.4, 0.4, 0.2], 10).unwrap() - 1.0).abs() < 1e-12);
        // renormalised over the kept top-k: top-2 of [0.5,0.25,0.25] -> 0.5/0.75 - 0.25/0.75
        assert!(
            (alpha_from_probs(&[0.5, 0.25, 0.25], 2).unwrap() - (1.0 - 1.0 / 3.0)).abs() < 1e-12
        );
    }

    #[test]
    fn merges_normalised_strings() {
        let c = vec![
            (" A".to_string(), 0.3),
            ("a".to_string(), 0.3),
            ("B".to_string(), 0.4),
        ];
        // merged: a = 0.6, b = 0.4 -> alpha = 1 - 0.2
        assert!((alpha_from_candidates(&c, Scale::Prob, 10).unwrap() - 0.8).abs() < 1e-12);
    }

    #[test]
    fn reads_chat_and_llamacpp_shapes() {
        let chat: Value = serde_json::from_str(
            r#"{"choices":[{"logprobs":{"content":[{"token":"A","logprob":-0.1,
            "top_logprobs":[{"token":"A","logprob":-0.5108},{"token":"B","logprob":-1.2040}]}]}}]}"#,
        )
        .unwrap();
        let (c, s) = candidates_from_response(&chat, 0).unwrap();
        assert_eq!(s, Scale::LogProb);
        let a = alpha_from_candidates(&c, s, 10).unwrap();
        // 0.6 and 0.3, renormalised: margin 1/3
        assert!((a - (1.0 - 1.0 / 3.0)).abs() < 1e-3, "{a}");
        let llama: Value = serde_json::from_str(
            r#"{"completion_probabilities":[{"probs":[{"tok_str":"x","prob":1.0}]}]}"#,
        )
        .unwrap();
        let (c, s) = candidates_from_response(&llama, 0).unwrap();
        assert_eq!(alpha_from_candidates(&c, s, 10).unwrap(), 0.0);
        assert!(candidates_from_response(&serde_json::json!({"x": 1}), 0).is_err());
    }

    #[test]
    fn candidates_must_be_parts_of_one_distribution() {
        let c = |v: &[(&str, f64)]| -> Vec<(String, f64)> {
            v.iter().map(|(t, p)| ((*t).to_string(), *p)).collect()
        };
        // llama.cpp prob 5.0
        let e = alpha_from_candidates(&c(&[("x", 5.0)]), Scale::Prob, 10).unwrap_err();
        assert!(e.to_string().contains("[0]") && e.to_string().contains('5'), "{e}");
        // two candidates of log-probability 0 sum to 2
        let e = alpha_from_candidates(&c(&[("a", 0.0), ("b", 0.0)]), Scale::LogProb, 10)
            .unwrap_err();
        assert!(e.to_string().contains("at most 1"), "{e}");
        // the same, merged into one string, is refused too
        assert!(alpha_from_candidates(&c(&[("a", 0.0), (" A", 0.0)]), Scale::LogProb, 10).is_err());
        // a sum of 2.7, and one of 2e-300
        assert!(alpha_from_probs(&[0.9, 0.9, 0.9], 10).is_err());
        assert!(alpha_from_probs(&[1e-300, 1e-300], 10).is_err());
        // rounded log-probabilities slightly above 1 in total are accepted
        assert!(alpha_from_candidates(&c(&[("a", -0.0001), ("b", -9.0)]), Scale::LogProb, 10).is_ok());
        let e = alpha_from_candidates(&c(&[("a", 0.5)]), Scale::LogProb, 10).unwrap_err();
        assert!(e.to_string().contains("[0].logprob"), "{e}");
    }
}
