//! Solutions computed elsewhere entering a gap table (`table --import FILE`,
//! docs/external.md): each line names an instance of the plan, a solver, an
//! assignment and a wall time; the model evaluates the assignment and checks its
//! feasibility, and the line becomes a [`Record`] like any solve's.
//!
//! Two formats, told apart by the first character that is not white space: `{` means
//! JSON lines (one object per line: `{"instance": "...", "solver": "...",
//! "assignment": [0, null, ...], "elapsed_s": 0.12}`, optional `variants`), anything
//! else CSV with a header naming the columns `instance`, `solver`, `assignment` (a
//! JSON array, quoted) and `elapsed_s` (optional `variants`; other columns ignored).

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use serde::Deserialize;

use super::PlannedInstance;
use crate::error::{Error, Result};
use crate::solution::SolutionFile;
use crate::solver::Outcome;
use crate::study::gaps::{fnv1a_hex, Record};

/// The records of an import and the solvers they name (in first-seen order).
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    /// One record per line.
    pub records: Vec<Record>,
    /// The solver names, in the order they first appear.
    pub solvers: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct JsonLine {
    instance: String,
    solver: String,
    assignment: Vec<Option<usize>>,
    #[serde(default)]
    variants: Option<Vec<usize>>,
    elapsed_s: f64,
}

#[derive(Debug, Deserialize)]
struct CsvLine {
    instance: String,
    solver: String,
    assignment: String,
    #[serde(default)]
    variants: Option<String>,
    elapsed_s: String,
}

/// Reads the solutions of `path` for the instances of `plan`, as run with `seed` and
/// `time_limit_s` (recorded in each row, so that a results file recognises them on a
/// rerun).
///
/// # Errors
/// [`Error::Io`] when the file cannot be read; [`Error::Line`] naming the line, field
/// and value for a line that does not parse, an instance name no planned instance has
/// (or two planned instances of different contents share), a solver name that is
/// empty, malformed or a built-in solver's, an (instance, solver) pair given twice, a
/// wall time that is not a finite number >= 0, and an assignment that does not fit its
/// instance. Infeasible assignments are not errors: their rows say so.
pub fn import(
    path: &Path,
    plan: &[PlannedInstance],
    seed: u64,
    time_limit_s: Option<f64>,
) -> Result<Imported> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let lines = if text.trim_start().starts_with('{') {
        json_lines(path, text)?
    } else {
        csv_lines(path, text)?
    };
    let mut by_name: BTreeMap<&str, Vec<(&PlannedInstance, String)>> = BTreeMap::new();
    for p in plan {
        let hash = fnv1a_hex(p.instance.to_json().as_bytes());
        let e = by_name.entry(p.instance.name()).or_default();
        if !e.iter().any(|(_, h)| *h == hash) {
            e.push((p, hash));
        }
    }
    let builtin = crate::solvers::names();
    let mut seen = HashSet::new();
    let mut out = Imported {
        records: Vec::new(),
        solvers: Vec::new(),
    };
    for (line, l) in lines {
        let bad = |field: &str, value: &dyn std::fmt::Display, rule: String| Error::Line {
            path: path.to_path_buf(),
            line,
            message: format!("`{field}` = {value}: {rule}"),
        };
        let planned = match by_name.get(l.instance.as_str()).map(Vec::as_slice) {
            Some([(p, _)]) => *p,
            Some(many) => {
                return Err(bad(
                    "instance",
                    &format!("`{}`", l.instance),
                    format!(
                        "{} planned instances of different contents have this name ({}); \
                         rename them",
                        many.len(),
                        many.iter()
                            .map(|(p, _)| p.file.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ))
            }
            None => {
                let known: Vec<&str> = by_name.keys().copied().take(8).collect();
                let more = if by_name.len() > 8 { ", ..." } else { "" };
                return Err(bad(
                    "instance",
                    &format!("`{}`", l.instance),
                    format!(
                        "no instance of the table has this name (its instances: {}{more})",
                        known.join(", ")
                    ),
                ));
            }
        };
        let name_ok = !l.solver.is_empty()
            && l.solver.len() <= 64
            && l.solver
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !name_ok {
            return Err(bad(
                "solver",
                &format!("`{}`", l.solver),
                "must be 1 to 64 letters, digits, `-`, `_` or `.`".into(),
            ));
        }
        if builtin.contains(&l.solver.as_str()) {
            return Err(bad(
                "solver",
                &format!("`{}`", l.solver),
                "is a built-in solver, which the table runs itself; give imported \
                 solutions their own name"
                    .into(),
            ));
        }
        if !seen.insert((l.instance.clone(), l.solver.clone())) {
            return Err(bad(
                "solver",
                &format!("`{}`", l.solver),
                format!(
                    "a second solution of instance `{}` by this solver",
                    l.instance
                ),
            ));
        }
        if !(l.elapsed_s.is_finite() && l.elapsed_s >= 0.0) {
            return Err(bad(
                "elapsed_s",
                &l.elapsed_s,
                "must be a finite number of seconds >= 0".into(),
            ));
        }
        let file = SolutionFile::from_json(
            &serde_json::json!({
                "assignment": l.assignment,
                "variants": l.variants,
                "algorithm": l.solver,
                "elapsed_s": l.elapsed_s,
            })
            .to_string(),
            "import",
        )?;
        let inst = &planned.instance;
        let outcome = file
            .assignment()
            .and_then(|a| a.check_fits(inst))
            .and_then(|()| Outcome::of_solution_file(inst, &file))
            .map_err(|e| {
                bad(
                    "assignment",
                    &serde_json::to_string(&l.assignment).unwrap_or_default(),
                    format!("does not fit instance `{}`: {e}", l.instance),
                )
            })?;
        if !out.solvers.contains(&l.solver) {
            out.solvers.push(l.solver.clone());
        }
        out.records.push(Record::named(
            inst,
            &planned.file,
            &l.solver,
            false,
            seed,
            time_limit_s,
            &Ok(outcome),
        ));
    }
    Ok(out)
}

fn json_lines(path: &Path, text: &str) -> Result<Vec<(usize, JsonLine)>> {
    let mut out = Vec::new();
    for (k, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let l: JsonLine = serde_json::from_str(line).map_err(|e| Error::Line {
            path: path.to_path_buf(),
            line: k + 1,
            message: format!(
                "not an imported solution (an object with `instance`, `solver`, \
                 `assignment` and `elapsed_s`): {e}"
            ),
        })?;
        out.push((k + 1, l));
    }
    Ok(out)
}

fn csv_lines(path: &Path, text: &str) -> Result<Vec<(usize, JsonLine)>> {
    let mut rd = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = rd
        .headers()
        .map_err(|e| Error::Line {
            path: path.to_path_buf(),
            line: 1,
            message: format!("not a CSV header: {e}"),
        })?
        .clone();
    let mut out = Vec::new();
    for rec in rd.records() {
        let bad = |line: usize, message: String| Error::Line {
            path: path.to_path_buf(),
            line,
            message,
        };
        let what = "not an imported solution (CSV columns `instance`, `solver`, \
                    `assignment`, `elapsed_s`)";
        let rec = rec.map_err(|e| {
            let line = e
                .position()
                .map_or(0, |p| usize::try_from(p.line()).unwrap_or(0));
            bad(line, format!("{what}: {e}"))
        })?;
        let line = rec
            .position()
            .map_or(0, |p| usize::try_from(p.line()).unwrap_or(0));
        let row: CsvLine = rec
            .deserialize(Some(&headers))
            .map_err(|e| bad(line, format!("{what}: {e}")))?;
        let assignment = serde_json::from_str(&row.assignment).map_err(|e| {
            bad(
                line,
                format!(
                    "`assignment` = {:?}: must be a JSON array of server indices or null, \
                     e.g. \"[0,null,1]\": {e}",
                    row.assignment
                ),
            )
        })?;
        let variants = match row.variants.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(v) => Some(serde_json::from_str(v).map_err(|e| {
                bad(
                    line,
                    format!("`variants` = {v:?}: must be a JSON array of indices: {e}"),
                )
            })?),
        };
        let elapsed_s = row.elapsed_s.parse::<f64>().map_err(|_| {
            bad(
                line,
                format!(
                    "`elapsed_s` = {:?}: must be a number of seconds",
                    row.elapsed_s
                ),
            )
        })?;
        out.push((
            line,
            JsonLine {
                instance: row.instance,
                solver: row.solver,
                assignment,
                variants,
                elapsed_s,
            },
        ));
    }
    Ok(out)
}
