//! Field-level checks shared by every reader of user input (instances, queries,
//! dialogues, latency tables, generator and router settings): one set of rules, one
//! wording, one compact number format, so that every bad value gives the same kind of
//! [`Error::InvalidField`] naming the input, the field, the value and the rule.
//!
//! Each check takes `what` (the kind of input: `instance`, `dialogue file`, ...), a
//! closure giving the field's path (built only on failure) and the value, and returns
//! the value when it passes.

use crate::error::{Error, Result};

/// Slack on the rule "probabilities of distinct candidates sum to at most 1": servers
/// round the log-probabilities they return, so an honest list can exceed 1 by a little.
pub const PROB_SUM_SLACK: f64 = 1e-3;

/// The least total probability a candidate list may carry. The top candidates of a
/// real next-token distribution hold a visible share of its mass; a list summing to
/// less (`2e-300`) is noise, and renormalising it would invent a confident answer.
pub const MIN_PROB_MASS: f64 = 1e-6;

/// Text without a leading UTF-8 byte-order mark (U+FEFF), which some Windows editors
/// write and JSON parsers refuse: every reader of input files accepts it.
#[must_use]
pub fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// Checks that no JSON object in `text` repeats a key, at any depth. serde_json keeps
/// the last of repeated keys when it builds a `Value`, so readers that go through a
/// `Value` (solution files) would silently take one of two contradicting answers;
/// typed readers (instance files) refuse them, and this makes every reader agree.
///
/// # Errors
/// The parser's error (malformed JSON, or `duplicate key `x``, with line and column).
pub fn no_duplicate_keys(text: &str) -> std::result::Result<(), serde_json::Error> {
    use serde::de::{Deserialize, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};

    struct Unique;
    struct UniqueVisitor;

    impl<'de> Visitor<'de> for UniqueVisitor {
        type Value = Unique;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_bool<E: serde::de::Error>(self, _: bool) -> std::result::Result<Unique, E> {
            Ok(Unique)
        }
        fn visit_i64<E: serde::de::Error>(self, _: i64) -> std::result::Result<Unique, E> {
            Ok(Unique)
        }
        fn visit_u64<E: serde::de::Error>(self, _: u64) -> std::result::Result<Unique, E> {
            Ok(Unique)
        }
        fn visit_f64<E: serde::de::Error>(self, _: f64) -> std::result::Result<Unique, E> {
            Ok(Unique)
        }
        fn visit_str<E: serde::de::Error>(self, _: &str) -> std::result::Result<Unique, E> {
            Ok(Unique)
        }
        fn visit_unit<E: serde::de::Error>(self) -> std::result::Result<Unique, E> {
            Ok(Unique)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Unique, A::Error> {
            while seq.next_element::<Unique>()?.is_some() {}
            Ok(Unique)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Unique, A::Error> {
            let mut seen = std::collections::HashSet::new();
            while let Some(key) = map.next_key::<String>()? {
                map.next_value::<Unique>()?;
                if !seen.insert(key.clone()) {
                    return Err(A::Error::custom(format!("duplicate key `{key}`")));
                }
            }
            Ok(Unique)
        }
    }

    impl<'de> Deserialize<'de> for Unique {
        fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
            d.deserialize_any(UniqueVisitor)
        }
    }

    serde_json::from_str::<Unique>(text).map(|_| ())
}

/// A number as messages print it: the shorter of the plain and the exponent form,
/// each the shortest text that reads back to the same `f64` (`3.14e297`, not 298
/// digits; `1e-12`, not `0.000000000001`; `0.5`, not `5e-1`).
#[must_use]
pub fn num(v: f64) -> String {
    let plain = format!("{v}");
    let exp = format!("{v:e}");
    if exp.len() < plain.len() {
        exp
    } else {
        plain
    }
}

/// `v`, when it is a finite number.
///
/// # Errors
/// [`Error::InvalidField`] "must be a finite number" for NaN and infinities.
pub fn finite(what: &'static str, field: impl FnOnce() -> String, v: f64) -> Result<f64> {
    check(what, field, v, v.is_finite(), || {
        "must be a finite number".into()
    })
}

/// `v` when `ok`, else the field error with `rule` (the one shape of every check).
fn check(
    what: &'static str,
    field: impl FnOnce() -> String,
    v: f64,
    ok: bool,
    rule: impl FnOnce() -> String,
) -> Result<f64> {
    if ok {
        Ok(v)
    } else {
        Err(Error::field(what, field(), num(v), rule()))
    }
}

/// `v`, when it is a finite number > 0.
///
/// # Errors
/// [`Error::InvalidField`] "must be a finite number > 0".
pub fn positive(what: &'static str, field: impl FnOnce() -> String, v: f64) -> Result<f64> {
    check(what, field, v, v.is_finite() && v > 0.0, || {
        "must be a finite number > 0".into()
    })
}

/// `v`, when it is a finite number >= 0.
///
/// # Errors
/// [`Error::InvalidField`] "must be a finite number >= 0".
pub fn non_negative(what: &'static str, field: impl FnOnce() -> String, v: f64) -> Result<f64> {
    check(what, field, v, v.is_finite() && v >= 0.0, || {
        "must be a finite number >= 0".into()
    })
}

/// `v`, when it is a finite number >= `min`.
///
/// # Errors
/// [`Error::InvalidField`] "must be a finite number >= min".
pub fn at_least(
    what: &'static str,
    field: impl FnOnce() -> String,
    v: f64,
    min: f64,
) -> Result<f64> {
    check(what, field, v, v.is_finite() && v >= min, || {
        format!("must be a finite number >= {}", num(min))
    })
}

/// `v`, when it lies in \[0, 1\].
///
/// # Errors
/// [`Error::InvalidField`] "must lie in \[0, 1\]" (NaN included).
pub fn unit(what: &'static str, field: impl FnOnce() -> String, v: f64) -> Result<f64> {
    check(what, field, v, (0.0..=1.0).contains(&v), || {
        "must lie in [0, 1]".into()
    })
}

/// An integer count `n`, when it is at least `min`.
///
/// # Errors
/// [`Error::InvalidField`] "must be >= min".
pub fn count_at_least(
    what: &'static str,
    field: impl FnOnce() -> String,
    n: usize,
    min: usize,
) -> Result<usize> {
    if n >= min {
        Ok(n)
    } else {
        Err(Error::field(what, field(), n, format!("must be >= {min}")))
    }
}

/// The probabilities of distinct candidates of one distribution: at least one, each
/// in \[0, 1\], summing to at most `1 + PROB_SUM_SLACK` (they are parts of one
/// distribution) and to at least [`MIN_PROB_MASS`]. `field` names the list; an entry
/// is named `field[k]`.
///
/// # Errors
/// [`Error::InvalidField`] naming the list or the entry and the rule broken.
pub fn distribution(what: &'static str, field: &str, probs: &[f64]) -> Result<()> {
    if probs.is_empty() {
        return Err(Error::field(
            what,
            field,
            "[]",
            "needs at least one probability",
        ));
    }
    for (k, &p) in probs.iter().enumerate() {
        unit(what, || format!("{field}[{k}]"), p)?;
    }
    let total: f64 = probs.iter().sum();
    if total > 1.0 + PROB_SUM_SLACK {
        return Err(Error::field(
            what,
            field,
            format!("a list summing to {}", num(total)),
            "the probabilities of distinct candidates must sum to at most 1",
        ));
    }
    if total < MIN_PROB_MASS {
        return Err(Error::field(
            what,
            field,
            format!("a list summing to {}", num(total)),
            format!(
                "the top candidates must carry a probability mass of at least {} \
                 (renormalising less would invent a confident answer)",
                num(MIN_PROB_MASS)
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_compactly_and_read_back() {
        for v in [
            3.14e297, 1e-300, 0.1, 1e14, 1e15, 123.456, -2.5e-7, 0.0, 5e-324,
        ] {
            let s = num(v);
            assert!(s.len() <= 24, "{s}");
            assert_eq!(s.parse::<f64>().unwrap(), v, "{s}");
        }
        assert_eq!(num(3.14e297), "3.14e297");
        assert_eq!(num(0.5), "0.5");
        assert_eq!(num(1e10), "1e10");
        assert_eq!(num(123.456), "123.456");
        assert_eq!(num(f64::INFINITY), "inf");
    }

    #[test]
    fn checks_name_field_value_and_rule() {
        let e = positive("instance", || "users[2].prompt_bits".into(), -1.0)
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "invalid instance: `users[2].prompt_bits` = -1: must be a finite number > 0"
        );
        assert!(positive("x", || "f".into(), 0.0).is_err());
        assert!(positive("x", || "f".into(), f64::NAN).is_err());
        assert!(non_negative("x", || "f".into(), 0.0).is_ok());
        assert!(non_negative("x", || "f".into(), -0.1).is_err());
        assert!(unit("x", || "f".into(), f64::NAN).is_err());
        assert!(unit("x", || "f".into(), 1.0).is_ok());
        assert!(at_least("x", || "f".into(), 0.5, 1.0).is_err());
        assert!(finite("x", || "f".into(), f64::INFINITY).is_err());
        assert!(count_at_least("x", || "f".into(), 0, 1).is_err());
    }

    #[test]
    fn duplicate_keys_are_found_at_any_depth() {
        assert!(no_duplicate_keys(r#"{"a": [1, {"b": 2}], "c": null}"#).is_ok());
        let e = no_duplicate_keys(r#"{"assignment": [0], "assignment": [1]}"#).unwrap_err();
        assert!(e.to_string().contains("duplicate key `assignment`"), "{e}");
        assert!(no_duplicate_keys(r#"{"a": [{"x": 1, "x": 2}]}"#).is_err());
        assert!(no_duplicate_keys("{").is_err());
    }

    #[test]
    fn distributions_sum_to_at_most_one_and_carry_mass() {
        assert!(distribution("x", "p", &[0.6, 0.3, 0.1]).is_ok());
        assert!(distribution("x", "p", &[0.6, 0.3]).is_ok());
        let over = distribution("x", "p", &[0.9, 0.9, 0.9])
            .unwrap_err()
            .to_string();
        assert!(over.contains("2.7") && over.contains("at most 1"), "{over}");
        assert!(distribution("x", "p", &[1e-300, 1e-300]).is_err());
        let entry = distribution("x", "p", &[0.5, 5.0]).unwrap_err().to_string();
        assert!(entry.contains("`p[1]` = 5"), "{entry}");
        assert!(distribution("x", "p", &[]).is_err());
        assert!(distribution("x", "p", &[1.0, 1.0]).is_err());
    }
}
