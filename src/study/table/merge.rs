//! Merging the results files of shards (`llm-offload merge`, docs/cluster.md).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::header;
use crate::error::{Error, Result};
use crate::study::gaps::{Record, RunKey};

/// The rows of a results file with their line numbers, read without changing it.
///
/// # Errors
/// [`Error::Io`] when it cannot be read; [`Error::Line`] when its first line is not the
/// results header of this version, when a row does not parse or holds a NaN or
/// infinite objective or bound, and when the last line is incomplete (a run cut short
/// while writing: rerun that shard, which drops the fragment and resumes).
pub fn read_results(path: &Path) -> Result<Vec<(usize, Record)>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let header = header();
    let bad = |line: usize, message: String| Error::Line {
        path: path.to_path_buf(),
        line,
        message,
    };
    let first = text.split('\n').next().unwrap_or_default();
    if first.strip_suffix('\r').unwrap_or(first) != header {
        return Err(bad(
            1,
            format!(
                "not a results file of this version: the first line must be the header \
                 `{header}`"
            ),
        ));
    }
    if !text.is_empty() && !text.ends_with('\n') {
        let line = text.matches('\n').count() + 1;
        return Err(bad(
            line,
            "the last line is incomplete (a run cut short while writing): rerun the \
             command that wrote this file with the same flags to resume it, then merge"
                .into(),
        ));
    }
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    let mut out = Vec::new();
    for row in rd.deserialize::<Record>() {
        let line = out.len() + 2;
        let r = row.map_err(|e| bad(line, format!("not a results row: {e}")))?;
        for (name, v) in [("objective", r.objective), ("bound", r.bound)] {
            if let Some(v) = v.filter(|v| !v.is_finite()) {
                return Err(bad(
                    line,
                    format!("{name} = {v}: a results row must hold finite numbers"),
                ));
            }
        }
        out.push((line, r));
    }
    Ok(out)
}

/// Combines the rows of several results files (the shards of one run) into one list,
/// in a fixed order: by instance name, instance hash, solver, seed and time limit.
///
/// # Errors
/// As [`read_results`] for each file; [`Error::Line`] when two rows have the same key
/// (instance hash, solver, seed, time limit), within a file or across files:
/// overlapping shards, or a file given twice.
pub fn merge(inputs: &[PathBuf]) -> Result<Vec<Record>> {
    let mut by_key: BTreeMap<(String, RunKey), (Record, &Path, usize)> = BTreeMap::new();
    for path in inputs {
        for (line, r) in read_results(path)? {
            let key = (r.instance.clone(), r.key());
            if let Some((_, other, other_line)) = by_key.get(&key) {
                let tl = r
                    .time_limit_s
                    .map_or_else(|| "none".to_string(), |t| format!("{t} s"));
                return Err(Error::Line {
                    path: path.clone(),
                    line,
                    message: format!(
                        "the solve of instance `{}` (hash {}) by `{}` with seed {} and time \
                         limit {tl} is also at {}:{other_line}: overlapping shards (or a \
                         file given twice); merge each shard once",
                        r.instance,
                        r.instance_hash,
                        r.solver,
                        r.seed,
                        other.display()
                    ),
                });
            }
            by_key.insert(key, (r, path, line));
        }
    }
    Ok(by_key.into_values().map(|(r, _, _)| r).collect())
}

/// Writes `records` as a results file (header first), replacing `path`.
///
/// # Errors
/// [`Error::Io`] or [`Error::Csv`] when it cannot be written.
pub fn write_results(path: &Path, records: &[Record]) -> Result<()> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    for r in records {
        w.serialize(r).map_err(|e| Error::csv(path, e))?;
    }
    let rows = w
        .into_inner()
        .map_err(|e| Error::io(path, std::io::Error::other(e.error().to_string())))?;
    let mut bytes = format!("{}\n", header()).into_bytes();
    bytes.extend(rows);
    std::fs::write(path, bytes).map_err(|e| Error::io(path, e))
}
