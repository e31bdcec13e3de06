//! Latency presets: named device/edge pairs whose [`LatencyParams`] come with the
//! source of every figure (SPEC 7, docs/routing.md).
//!
//! # Format
//!
//! One JSON object; unknown fields are rejected:
//!
//! ```json
//! {
//!   "name": "my-phone__my-gpu",
//!   "description": "what the pair is",
//!   "latency": { "device_prefill_s_per_token": 0.00114, "...": 0 },
//!   "sources": [
//!     { "fields": ["device_prefill_s_per_token"], "status": "measured",
//!       "reference": "URL or 'own measurement, date'",
//!       "note": "what was measured: model, quantisation, hardware, runtime" }
//!   ]
//! }
//! ```
//!
//! - `latency`: the eight [`LatencyParams`] fields, all required, with their rules.
//! - `sources`: at least one entry; each names latency fields it backs, a `status`
//!   (`measured`: a published or own measurement; `derived`: computed from a
//!   measurement, the computation in `note`; `estimate`: not measured, labelled as
//!   such; `illustrative`: a made-up example value), a non-empty `reference` and
//!   a `note`. Every latency field must be backed by at least one entry, so a preset
//!   never carries an unlabelled number.
//!
//! The built-in presets live in `presets/routing/` of the repository and are compiled
//! in ([`builtin`]); any other file in this format is read with [`Preset::load`].

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::LatencyParams;
use crate::error::{Error, Result};
use crate::validate;

const WHAT: &str = "latency preset";

/// How a preset figure was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// A published (or own) measurement, used as is (a rate inverted to s/token).
    Measured,
    /// Computed from measurements; the computation is in the note.
    Derived,
    /// Not measured: an estimate, labelled as such.
    Estimate,
    /// A made-up example value.
    Illustrative,
}

/// The source of one or more latency figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// The latency fields it backs (names of [`LatencyParams`] fields).
    pub fields: Vec<String>,
    /// How the figures were obtained.
    pub status: Status,
    /// Where: a URL, or "own measurement" with a date.
    pub reference: String,
    /// What was measured (model, quantisation, hardware, runtime, load) and how
    /// the figure follows from it.
    pub note: String,
}

/// A latency preset (module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preset {
    /// Its name.
    pub name: String,
    /// What the device/edge pair is.
    pub description: String,
    /// The parameters.
    pub latency: LatencyParams,
    /// Where each figure comes from.
    pub sources: Vec<Source>,
}

/// The names of the [`LatencyParams`] fields, in declaration order.
pub const LATENCY_FIELDS: [&str; 8] = [
    "device_prefill_s_per_token",
    "device_decode_s_per_token",
    "edge_prefill_s_per_token",
    "edge_decode_s_per_token",
    "uplink_bits_per_s",
    "downlink_bits_per_s",
    "bits_per_token",
    "edge_round_trip_s",
];

/// The built-in presets: (name, JSON text), in the order docs/routing.md lists them.
const BUILTIN: [(&str, &str); 4] = [
    (
        "phone-gpu__h100-c1",
        include_str!("../../presets/routing/phone-gpu__h100-c1.json"),
    ),
    (
        "phone-cpu__a100-c1",
        include_str!("../../presets/routing/phone-cpu__a100-c1.json"),
    ),
    (
        "phone-gpu__h100-c64",
        include_str!("../../presets/routing/phone-gpu__h100-c64.json"),
    ),
    (
        "illustrative",
        include_str!("../../presets/routing/illustrative.json"),
    ),
];

/// The names of the built-in presets.
#[must_use]
pub fn builtin_names() -> Vec<&'static str> {
    BUILTIN.iter().map(|(n, _)| *n).collect()
}

/// The built-in preset `name`, or `None` for an unknown name.
///
/// # Panics
/// When a compiled-in preset is invalid (a unit test checks they all load).
#[must_use]
pub fn builtin(name: &str) -> Option<Preset> {
    BUILTIN.iter().find(|(n, _)| *n == name).map(|(n, text)| {
        Preset::from_json(text, &format!("presets/routing/{n}.json"))
            .expect("built-in presets are valid (unit test)")
    })
}

impl Preset {
    /// Checks the rules of the module docs.
    ///
    /// # Errors
    /// [`Error::InvalidField`] naming the first field that breaks a rule: a bad
    /// latency parameter, an empty name or source list, an unknown field name in
    /// `sources[k].fields`, an empty reference, a latency field no source backs.
    pub fn validate(&self) -> Result<()> {
        if self.name.trim().is_empty() {
            return Err(Error::field(WHAT, "name", "\"\"", "must not be empty"));
        }
        self.latency.validate(WHAT, "latency")?;
        if self.sources.is_empty() {
            return Err(Error::field(
                WHAT,
                "sources",
                "[]",
                "needs at least one source: every latency figure must say where it comes from",
            ));
        }
        for (k, s) in self.sources.iter().enumerate() {
            if s.fields.is_empty() {
                return Err(Error::field(
                    WHAT,
                    format!("sources[{k}].fields"),
                    "[]",
                    "must name at least one latency field",
                ));
            }
            for (j, f) in s.fields.iter().enumerate() {
                if !LATENCY_FIELDS.contains(&f.as_str()) {
                    return Err(Error::field(
                        WHAT,
                        format!("sources[{k}].fields[{j}]"),
                        format!("\"{f}\""),
                        format!("must be a latency field: {}", LATENCY_FIELDS.join(", ")),
                    ));
                }
            }
            if s.reference.trim().is_empty() {
                return Err(Error::field(
                    WHAT,
                    format!("sources[{k}].reference"),
                    "\"\"",
                    "must not be empty (a URL, or 'own measurement' with a date)",
                ));
            }
        }
        for f in LATENCY_FIELDS {
            if !self.sources.iter().any(|s| s.fields.iter().any(|g| g == f)) {
                return Err(Error::field(
                    WHAT,
                    format!("latency.{f}"),
                    "(no source)",
                    "every latency field needs a source entry (status measured, derived, \
                     estimate or illustrative)",
                ));
            }
        }
        Ok(())
    }

    /// The status of the source backing `field` (the first entry naming it).
    #[must_use]
    pub fn status_of(&self, field: &str) -> Option<Status> {
        self.sources
            .iter()
            .find(|s| s.fields.iter().any(|g| g == field))
            .map(|s| s.status)
    }

    /// Parses and validates JSON text; `context` names the source in errors.
    ///
    /// # Errors
    /// [`Error::Json`] for malformed JSON, missing, unknown or mistyped fields;
    /// otherwise as [`Preset::validate`].
    pub fn from_json(text: &str, context: &str) -> Result<Self> {
        let p: Preset =
            serde_json::from_str(validate::strip_bom(text)).map_err(|error| Error::Json {
                context: context.to_string(),
                error,
            })?;
        p.validate()?;
        Ok(p)
    }

    /// Reads and validates a preset file; errors name the file.
    ///
    /// # Errors
    /// [`Error::Io`] when it cannot be read; otherwise as [`Preset::from_json`],
    /// wrapped in [`Error::InFile`].
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::from_json(&text, &path.display().to_string()).map_err(|e| e.in_file(path))
    }

    /// The built-in preset `name_or_path` if there is one, else the file at that
    /// path.
    ///
    /// # Errors
    /// As [`Preset::load`]; a missing file that is not a built-in name says so and
    /// lists the built-in names.
    pub fn resolve(name_or_path: &str) -> Result<Self> {
        if let Some(p) = builtin(name_or_path) {
            return Ok(p);
        }
        let path = Path::new(name_or_path);
        if !path.exists() {
            return Err(Error::field(
                "routing setting",
                "preset",
                name_or_path,
                format!(
                    "neither a built-in preset ({}) nor an existing file",
                    builtin_names().join(", ")
                ),
            ));
        }
        Self::load(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_loads_and_only_the_example_is_illustrative() {
        for name in builtin_names() {
            let p = builtin(name).unwrap();
            assert_eq!(p.name, name);
            for f in LATENCY_FIELDS {
                let st = p.status_of(f).unwrap();
                if name == "illustrative" {
                    assert_eq!(st, Status::Illustrative, "{f}");
                } else {
                    assert_ne!(st, Status::Illustrative, "{name}: {f}");
                }
            }
            // The speeds of a sourced preset are measured or derived, never guessed.
            if name != "illustrative" {
                for f in [
                    "device_prefill_s_per_token",
                    "device_decode_s_per_token",
                    "edge_decode_s_per_token",
                ] {
                    assert!(
                        matches!(p.status_of(f), Some(Status::Measured | Status::Derived)),
                        "{name}: {f}"
                    );
                }
            }
        }
        assert_eq!(
            builtin("illustrative").unwrap().latency,
            LatencyParams::default()
        );
    }

    #[test]
    fn bad_presets_name_the_field() {
        let good = builtin("phone-gpu__h100-c1").unwrap();
        let json = |p: &Preset| serde_json::to_string(p).unwrap();
        let mut p = good.clone();
        p.latency.edge_decode_s_per_token = -1.0;
        let e = Preset::from_json(&json(&p), "x.json").unwrap_err();
        assert!(
            e.to_string().contains("latency.edge_decode_s_per_token"),
            "{e}"
        );
        let mut p = good.clone();
        p.sources[0].fields.push("edge_speed".into());
        let e = Preset::from_json(&json(&p), "x.json").unwrap_err();
        assert!(e.to_string().contains("sources[0].fields["), "{e}");
        assert!(e.to_string().contains("edge_speed"), "{e}");
        let mut p = good.clone();
        for s in &mut p.sources {
            s.fields.retain(|f| f != "bits_per_token");
        }
        p.sources.retain(|s| !s.fields.is_empty());
        let e = Preset::from_json(&json(&p), "x.json").unwrap_err();
        assert!(e.to_string().contains("latency.bits_per_token"), "{e}");
        let e = Preset::from_json("{\"name\": \"x\"}", "x.json").unwrap_err();
        assert!(matches!(e, Error::Json { .. }), "{e}");
        let e = Preset::resolve("no-such-preset").unwrap_err();
        assert!(e.to_string().contains("phone-gpu__h100-c1"), "{e}");
    }

    #[test]
    fn a_file_error_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mine.json");
        let mut p = builtin("phone-cpu__a100-c1").unwrap();
        p.latency.uplink_bits_per_s = 0.0;
        std::fs::write(&path, serde_json::to_string(&p).unwrap()).unwrap();
        let e = Preset::resolve(path.to_str().unwrap()).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("mine.json"), "{msg}");
        assert!(msg.contains("latency.uplink_bits_per_s"), "{msg}");
        assert!(msg.contains("= 0"), "{msg}");
    }
}
