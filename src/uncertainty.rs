//! Token-level uncertainty of the small model (SPEC 4): the margin between the two most
//! likely answer tokens, `alpha = 1 - (p_(1) - p_(2))`.
//!
//! The authors' procedure (SPEC 4): from the `3k` most likely candidates, the strings
//! are normalised (trimmed, lower-cased), those left empty dropped (whitespace and
//! newline tokens are no answer), equal strings merged by adding their probabilities,
//! the top `k` kept and renormalised; one candidate left gives alpha = 0. Merging
//! before keeping `k` matters: " paris" at rank 14 still adds to "Paris" at rank 1, so
//! ask the server for `3k` = 30 candidates (docs/queries.md). Readers for the
//! `top_logprobs` that OpenAI-compatible servers (vLLM, llama.cpp) return are here too.

use serde_json::Value;

use crate::error::{Error, Result};
use crate::validate;

/// The kind of input named in candidate errors; callers place them with
/// [`Error::within`].
const WHAT: &str = "candidates";

/// Candidates kept after merging (SPEC 4).
pub const DEFAULT_TOP_K: usize = 10;

/// How many raw candidates enter the merge, per candidate kept (SPEC 4: the top `3k`).
pub const MERGE_FACTOR: usize = 3;

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

/// alpha from text candidates by the authors' procedure (module docs): the `3 top_k`
/// most likely raw candidates are normalised, the empty ones dropped, equal strings
/// merged, the top `top_k` kept and renormalised, and [`alpha_from_probs`] applied.
///
/// # Errors
/// [`Error::InvalidField`] as [`alpha_from_probs`], checked on the candidates as
/// given (before merging): a probability outside \[0, 1\] (llama.cpp `prob` = 5), a
/// log-probability that is positive or NaN, candidates whose probabilities add up to
/// more than 1 (two candidates of log-probability 0) or to almost nothing; and when
/// every candidate is empty after normalisation.
pub fn alpha_from_candidates(
    candidates: &[(String, f64)],
    scale: Scale,
    top_k: usize,
) -> Result<f64> {
    let mut probs = Vec::with_capacity(candidates.len());
    for (k, (_, score)) in candidates.iter().enumerate() {
        probs.push(match scale {
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
    validate::distribution(WHAT, "", &probs)?;
    // The top 3k raw candidates (stable: equal probabilities keep the given order).
    let mut raw: Vec<(&str, f64)> = candidates
        .iter()
        .zip(&probs)
        .map(|((text, _), &p)| (text.as_str(), p))
        .collect();
    raw.sort_by(|a, b| b.1.total_cmp(&a.1));
    raw.truncate(MERGE_FACTOR * top_k.max(1));
    let mut merged: Vec<(String, f64)> = Vec::new();
    for (text, p) in raw {
        let key = text.trim().to_lowercase();
        if key.is_empty() {
            continue;
        }
        match merged.iter_mut().find(|(k, _)| *k == key) {
            Some((_, q)) => *q += p,
            None => merged.push((key, p)),
        }
    }
    if merged.is_empty() && !candidates.is_empty() {
        return Err(Error::field(
            WHAT,
            "",
            format!("{} candidates", candidates.len()),
            "every candidate is empty after trimming and lower-casing",
        ));
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

    fn cands(list: &[(&str, f64)]) -> Vec<(String, f64)> {
        list.iter().map(|(t, p)| ((*t).to_string(), *p)).collect()
    }

    #[test]
    fn drops_empty_candidates() {
        // issue 13's example: "" and "\n" are no answer; paris 0.6, london 0.15
        let c = cands(&[
            ("Paris", 0.4),
            (" paris", 0.2),
            (" ", 0.15),
            ("\n", 0.1),
            ("London", 0.15),
        ]);
        let a = alpha_from_candidates(&c, Scale::Prob, 10).unwrap();
        assert!((a - 0.4).abs() < 1e-12, "{a}");
        // one answer left: alpha = 0
        let c = cands(&[("Paris", 0.5), (" ", 0.3), (" PARIS ", 0.2)]);
        assert_eq!(alpha_from_candidates(&c, Scale::Prob, 10).unwrap(), 0.0);
        let err = alpha_from_candidates(&cands(&[(" ", 0.5), ("\t", 0.5)]), Scale::Prob, 10);
        assert!(err.unwrap_err().to_string().contains("empty"));
    }

    #[test]
    fn merges_the_top_3k_before_keeping_k() {
        // k = 2: "b" at rank 4 (within 3k = 6) merges into "B" at rank 2, which then
        // beats "a"; "a" at rank 7 is outside the top 6 and is not merged.
        let c = cands(&[
            ("a", 0.30),
            ("B", 0.20),
            ("c", 0.15),
            (" b", 0.12),
            ("d", 0.08),
            ("e", 0.06),
            (" a", 0.05),
        ]);
        // merged: b 0.32, a 0.30 (top 2 kept) -> margin 0.02 / 0.62
        let a = alpha_from_candidates(&c, Scale::Prob, 2).unwrap();
        assert!((a - (1.0 - 0.02 / 0.62)).abs() < 1e-12, "{a}");
        assert!(alpha_from_candidates(&cands(&[("x", -0.1)]), Scale::Prob, 2).is_err());
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
        assert!(
            e.to_string().contains("[0]") && e.to_string().contains('5'),
            "{e}"
        );
        // two candidates of log-probability 0 sum to 2
        let e =
            alpha_from_candidates(&c(&[("a", 0.0), ("b", 0.0)]), Scale::LogProb, 10).unwrap_err();
        assert!(e.to_string().contains("at most 1"), "{e}");
        // the same, merged into one string, is refused too
        assert!(alpha_from_candidates(&c(&[("a", 0.0), (" A", 0.0)]), Scale::LogProb, 10).is_err());
        // a sum of 2.7, and one of 2e-300
        assert!(alpha_from_probs(&[0.9, 0.9, 0.9], 10).is_err());
        assert!(alpha_from_probs(&[1e-300, 1e-300], 10).is_err());
        // rounded log-probabilities slightly above 1 in total are accepted
        assert!(
            alpha_from_candidates(&c(&[("a", -0.0001), ("b", -9.0)]), Scale::LogProb, 10).is_ok()
        );
        let e = alpha_from_candidates(&c(&[("a", 0.5)]), Scale::LogProb, 10).unwrap_err();
        assert!(e.to_string().contains("[0].logprob"), "{e}");
    }
}
