//! Known optima and best bounds of bundled instances (`instances/optima.csv`), so that
//! anyone can check a solver against them (in the manner of fontanf's known-optimum
//! test matrices): read, written from a run's records, merged.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::solver::{approx_eq, BoundKind};
use crate::study::gaps::{Known, Record};

/// One instance's best known value and how it was proven.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptimumRow {
    /// Instance name.
    pub instance: String,
    /// Instance file (relative to the repository root for bundled instances).
    pub file: String,
    /// N.
    pub users: usize,
    /// M.
    pub servers: usize,
    /// Interference on.
    pub interference: bool,
    /// Model variants listed.
    pub variants: bool,
    /// Best objective known (recomputed from an assignment).
    pub best_known: f64,
    /// Best proven lower bound, if any.
    pub best_bound: Option<f64>,
    /// Who proved `best_bound` and what it bounds, e.g. `mip (interference-free
    /// relaxation)`; empty without a bound.
    #[serde(default)]
    pub bound_by: String,
    /// `best_bound == best_known` within the tolerance: the optimum.
    pub optimal: bool,
    /// The exact solver that proved it (or found the best value).
    pub proven_by: String,
    /// Other exact solvers that proved the same optimum, `;`-separated.
    pub confirmed_by: String,
    /// Version of `proven_by`: HiGHS's for HiGHS solves, the solver's own when it
    /// reports one, else this crate's (`llm-offload 0.1.0`).
    pub version: String,
    /// Wall time of `proven_by`'s solve (s).
    pub time_s: f64,
}

impl OptimumRow {
    /// The value the gap tables use.
    #[must_use]
    pub fn known(&self) -> Known {
        Known {
            best_known: self.best_known,
            best_bound: self.best_bound,
        }
    }
}

/// Reads an optima file.
///
/// # Errors
/// [`Error::Io`] when it cannot be read, [`Error::Line`] for a malformed row, a
/// `best_known` or `best_bound` that is not a finite number, and a row whose best
/// known value lies below its own bound (a lower bound above a feasible value is a
/// contradiction: one of the two is wrong, and a table measured against it would be).
pub fn load(path: &Path) -> Result<Vec<OptimumRow>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut rd = csv::Reader::from_reader(crate::validate::strip_bom(&text).as_bytes());
    rd.deserialize()
        .enumerate()
        .map(|(k, r)| {
            let bad = |message: String| Error::Line {
                path: path.to_path_buf(),
                line: k + 2,
                message,
            };
            let row: OptimumRow = r.map_err(|e| bad(format!("not an optima row: {e}")))?;
            let num = crate::validate::num;
            if !row.best_known.is_finite() || row.best_bound.is_some_and(|b| !b.is_finite()) {
                return Err(bad(format!(
                    "{}: best_known = {}, best_bound = {}: must be finite numbers",
                    row.instance,
                    num(row.best_known),
                    row.best_bound.map_or_else(|| "none".into(), num)
                )));
            }
            if let Some(b) = row.best_bound {
                if b > row.best_known && !approx_eq(b, row.best_known) {
                    return Err(bad(format!(
                        "{}: best_known = {} lies below its own best_bound = {}: a lower \
                         bound cannot exceed a feasible value",
                        row.instance,
                        num(row.best_known),
                        num(b)
                    )));
                }
            }
            Ok(row)
        })
        .collect()
}

/// Writes rows (sorted by file name) as CSV.
///
/// # Errors
/// [`Error::Io`] when the file cannot be written, [`Error::Csv`] when a row cannot be
/// serialised.
pub fn save(path: &Path, rows: &[OptimumRow]) -> Result<()> {
    let mut rows = rows.to_vec();
    rows.sort_by(|a, b| a.file.cmp(&b.file).then(a.instance.cmp(&b.instance)));
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in &rows {
        w.serialize(r).map_err(|e| Error::csv(path, e))?;
    }
    let bytes = w.into_inner().map_err(|e| {
        Error::io(
            path,
            std::io::Error::new(e.error().kind(), e.error().to_string()),
        )
    })?;
    std::fs::write(path, bytes).map_err(|e| Error::io(path, e))
}

/// Best known values by instance name.
#[must_use]
pub fn known_by_name(rows: &[OptimumRow]) -> BTreeMap<String, Known> {
    rows.iter()
        .map(|r| (r.instance.clone(), r.known()))
        .collect()
}

/// One row per instance from a run's records (instances without a feasible answer are
/// left out). The best value is the smallest feasible objective, the bound the largest
/// bound; `proven_by` is the first solver whose own bound proves the optimum (else the
/// solver that found the best value) and `confirmed_by` the others that prove it too.
#[must_use]
pub fn from_records(records: &[Record]) -> Vec<OptimumRow> {
    let mut by_inst: BTreeMap<&str, Vec<&Record>> = BTreeMap::new();
    for r in records {
        by_inst.entry(&r.instance_hash).or_default().push(r);
    }
    let mut rows = Vec::new();
    for recs in by_inst.values() {
        let Some(best) = recs
            .iter()
            .filter(|r| r.feasible_objective().is_some())
            .min_by(|a, b| a.objective.unwrap().total_cmp(&b.objective.unwrap()))
        else {
            continue;
        };
        let value = best.objective.unwrap_or_default();
        let bounder = recs.iter().filter(|r| r.bound.is_some()).max_by(|a, b| {
            a.bound
                .unwrap_or_default()
                .total_cmp(&b.bound.unwrap_or_default())
        });
        let bound = bounder.and_then(|r| r.bound);
        let provers: Vec<&&Record> = recs
            .iter()
            .filter(|r| {
                r.proven_optimal && r.feasible_objective().is_some_and(|v| approx_eq(v, value))
            })
            .collect();
        let by = provers.first().copied().unwrap_or(best);
        rows.push(OptimumRow {
            instance: by.instance.clone(),
            file: by.file.clone(),
            users: by.users,
            servers: by.servers,
            interference: by.interference,
            variants: by.variants,
            best_known: value,
            best_bound: bound,
            bound_by: bounder.map_or_else(String::new, |r| {
                format!(
                    "{} ({})",
                    r.solver,
                    r.bound_kind.map_or("bound", BoundKind::as_str)
                )
            }),
            optimal: bound.is_some_and(|b| approx_eq(b, value)),
            proven_by: by.solver.clone(),
            confirmed_by: provers
                .iter()
                .skip(1)
                .map(|r| r.solver.as_str())
                .collect::<Vec<_>>()
                .join(";"),
            version: by
                .version
                .clone()
                .unwrap_or_else(|| format!("llm-offload {}", env!("CARGO_PKG_VERSION"))),
            time_s: by.elapsed_s,
        });
    }
    rows
}

/// Merges `new` rows into `old` by instance name: a new row replaces the old one unless
/// the old one is optimal and the new one is not.
#[must_use]
pub fn merge(old: Vec<OptimumRow>, new: Vec<OptimumRow>) -> Vec<OptimumRow> {
    let mut map: BTreeMap<String, OptimumRow> =
        old.into_iter().map(|r| (r.instance.clone(), r)).collect();
    for r in new {
        match map.get(&r.instance) {
            Some(o) if o.optimal && !r.optimal => {}
            _ => {
                map.insert(r.instance.clone(), r);
            }
        }
    }
    map.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::study::gaps::Record;

    fn rec(solver: &str, obj: f64, bound: Option<f64>) -> Record {
        let line = format!(
            "instance,file,instance_hash,users,servers,interference,variants,solver,exact,seed,time_limit_s,status,objective,bound,bound_kind,proven_optimal,feasible,elapsed_s,version,error\n\
             i,i.json,h,4,2,false,false,{solver},true,0,,completed,{obj},{},optimum,{},true,0.5,HiGHS 1.16.0,\n",
            bound.map_or(String::new(), |b| b.to_string()),
            bound.is_some_and(|b| approx_eq(b, obj)),
        );
        csv::Reader::from_reader(line.as_bytes())
            .deserialize()
            .next()
            .unwrap()
            .unwrap()
    }

    #[test]
    fn rows_record_provers_and_round_trip() {
        let rows = from_records(&[
            rec("goa", 3.0, None),
            rec("mip", 2.0, Some(2.0)),
            rec("exhaustive", 2.0, Some(2.0)),
        ]);
        assert_eq!(rows.len(), 1);
        let r = &rows[0];
        assert!(r.optimal);
        assert_eq!(
            (r.proven_by.as_str(), r.confirmed_by.as_str()),
            ("mip", "exhaustive")
        );
        assert_eq!(r.version, "HiGHS 1.16.0");
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("o.csv");
        save(&p, &rows).unwrap();
        assert_eq!(load(&p).unwrap(), rows);
        let worse = from_records(&[rec("goa", 3.0, None)]);
        assert!(!worse[0].optimal);
        assert_eq!(merge(rows.clone(), worse.clone()), rows);
        assert_eq!(merge(worse, rows.clone()), rows);
    }
}
