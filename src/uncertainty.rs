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

/// Candidates kept after merging (SPEC 4).
pub const DEFAULT_TOP_K: usize = 10;

/// How many raw candidates enter the merge, per candidate kept (SPEC 4: the top `3k`).
pub const MERGE_FACTOR: usize = 3;

/// alpha from bare probabilities (already distinct candidates, any order).
///
/// # Errors
/// A message when the list is empty, or holds a negative or non-finite number, or
/// sums to zero.
pub fn alpha_from_probs(probs: &[f64], top_k: usize) -> Result<f64, String> {
    if probs.is_empty() {
        return Err("needs at least one candidate".into());
    }
    if let Some(p) = probs.iter().find(|p| !p.is_finite() || **p < 0.0) {
        return Err(format!("probability {p} is not a finite number >= 0"));
    }
    let mut sorted = probs.to_vec();
    sorted.sort_by(|a, b| b.total_cmp(a));
    sorted.truncate(top_k.max(1));
    let total: f64 = sorted.iter().sum();
    if total <= 0.0 {
        return Err("probabilities sum to zero".into());
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
/// As [`alpha_from_probs`]; also when a log-probability is positive or NaN, or when
/// every candidate is empty after normalisation.
pub fn alpha_from_candidates(
    candidates: &[(String, f64)],
    scale: Scale,
    top_k: usize,
) -> Result<f64, String> {
    let mut raw: Vec<(&str, f64)> = Vec::with_capacity(candidates.len());
    for (text, score) in candidates {
        let p = match scale {
            Scale::Prob => *score,
            Scale::LogProb => {
                if score.is_nan() || *score > 1e-9 {
                    return Err(format!("log-probability {score} is not <= 0"));
                }
                score.exp()
            }
        };
        if !p.is_finite() || p < 0.0 {
            return Err(format!("probability {p} is not a finite number >= 0"));
        }
        raw.push((text, p));
    }
    // The top 3k raw candidates (stable: equal probabilities keep the given order).
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
        return Err("every candidate is empty after trimming and lower-casing".into());
    }
    let probs: Vec<f64> = merged.into_iter().map(|(_, p)| p).collect();
    alpha_from_probs(&probs, top_k)
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
/// A message naming the shape that was expected when none matches.
pub fn candidates_from_response(
    resp: &Value,
    position: usize,
) -> Result<(Vec<(String, f64)>, Scale), String> {
    let list = |v: &Value, tok: &str, score: &str| -> Option<Vec<(String, f64)>> {
        v.as_array()?
            .iter()
            .map(|c| Some((c.get(tok)?.as_str()?.to_string(), c.get(score)?.as_f64()?)))
            .collect()
    };
    if let Some(lp) = resp.pointer("/choices/0/logprobs") {
        if let Some(content) = lp.get("content").and_then(Value::as_array) {
            let entry = content.get(position).ok_or_else(|| {
                format!(
                    "logprobs.content has {} positions, asked for {position}",
                    content.len()
                )
            })?;
            let c = entry
                .get("top_logprobs")
                .and_then(|t| list(t, "token", "logprob"))
                .ok_or("logprobs.content[..].top_logprobs is not a list of {token, logprob}")?;
            return Ok((c, Scale::LogProb));
        }
        if let Some(tops) = lp.get("top_logprobs").and_then(Value::as_array) {
            let entry = tops
                .get(position)
                .and_then(Value::as_object)
                .ok_or_else(|| {
                    format!("logprobs.top_logprobs has no object at position {position}")
                })?;
            let c = entry
                .iter()
                .map(|(k, v)| v.as_f64().map(|x| (k.clone(), x)))
                .collect::<Option<Vec<_>>>()
                .ok_or("logprobs.top_logprobs values must be numbers")?;
            return Ok((c, Scale::LogProb));
        }
    }
    if let Some(cp) = resp
        .get("completion_probabilities")
        .and_then(Value::as_array)
    {
        let entry = cp.get(position).ok_or_else(|| {
            format!(
                "completion_probabilities has {} positions, asked for {position}",
                cp.len()
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
    Err("no top_logprobs found: expected choices[0].logprobs.content[].top_logprobs (chat), \
         choices[0].logprobs.top_logprobs[] (completions) or completion_probabilities[] (llama.cpp)"
        .into())
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
        assert!(err.unwrap_err().contains("empty"));
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
}
