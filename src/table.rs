//! Gap tables over instance sets: the plan (instances x solvers), the append-only
//! results file that makes long runs resumable, parallel execution, and the
//! renderings of a [`GapTable`] as Markdown, CSV and JSON (docs/tables.md), and (in
//! `tidy`) as the long CSV and LaTeX.
//!
//! Resume semantics: every finished solve is appended to the results file as one CSV
//! row and flushed at once, so an interrupted run loses only the solves in flight. A
//! rerun with the same file skips every planned solve whose key (instance hash,
//! solver, seed, time limit: [`Record::key`]) is already there, errors included (a
//! refusal is deterministic), and aggregates old and new rows alike. A partial last
//! line (a write cut short) is dropped when the file is opened.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rayon::prelude::*;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::gaps::{GapTable, Record, RefKind, Row, RunKey, TIME_SHIFT_S};
use crate::instance::Instance;
use crate::report::markdown_table;
use crate::solver::{Limits, Solver, GAP_DEFINITION};

mod tidy;
pub use tidy::{class_label, latex, long_csv};

/// The append-only results file (CSV, one [`Record`] per row, header first).
#[derive(Debug)]
pub struct ResultsFile {
    path: PathBuf,
    done: HashMap<RunKey, Record>,
    writer: Mutex<csv::Writer<File>>,
}

impl ResultsFile {
    /// Opens (or creates) `path`, reads the rows already there and returns the file
    /// ready for appending, with the number of bytes of a partial last line dropped.
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be read or written, [`Error::Line`] for a
    /// complete row that does not parse.
    pub fn open(path: &Path) -> Result<(Self, usize)> {
        let io = |e| Error::io(path, e);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(io)?;
        let mut text = String::new();
        file.read_to_string(&mut text).map_err(io)?;
        let keep = text.rfind('\n').map_or(0, |k| k + 1);
        let dropped = text.len() - keep;
        if dropped > 0 {
            file.set_len(keep as u64).map_err(io)?;
        }
        file.seek(SeekFrom::End(0)).map_err(io)?;
        let mut done = HashMap::new();
        if keep > 0 {
            let mut rd = csv::Reader::from_reader(text[..keep].as_bytes());
            for (k, row) in rd.deserialize::<Record>().enumerate() {
                let r = row.map_err(|e| Error::Line {
                    path: path.to_path_buf(),
                    line: k + 2,
                    message: format!("not a results row: {e}"),
                })?;
                done.insert(r.key(), r);
            }
        }
        let writer = csv::WriterBuilder::new()
            .has_headers(keep == 0)
            .from_writer(file);
        Ok((
            ResultsFile {
                path: path.to_path_buf(),
                done,
                writer: Mutex::new(writer),
            },
            dropped,
        ))
    }

    /// The finished solve with this key, if any.
    #[must_use]
    pub fn get(&self, key: &RunKey) -> Option<&Record> {
        self.done.get(key)
    }

    /// Rows read when the file was opened.
    #[must_use]
    pub fn len(&self) -> usize {
        self.done.len()
    }

    /// No rows were there when the file was opened.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.done.is_empty()
    }

    /// Appends one row and flushes it.
    ///
    /// # Errors
    /// [`Error::Io`] when writing fails.
    pub fn append(&self, r: &Record) -> Result<()> {
        let mut w = self
            .writer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let io = |e: std::io::Error| Error::io(&self.path, e);
        w.serialize(r)
            .map_err(|e| io(std::io::Error::other(e.to_string())))?;
        w.flush().map_err(io)
    }
}

/// An instance of the plan and the file it came from.
#[derive(Debug, Clone)]
pub struct PlannedInstance {
    /// The file, as given.
    pub file: String,
    /// The instance.
    pub instance: Instance,
}

fn keys(
    plan: &[PlannedInstance],
    solvers: &[Box<dyn Solver>],
    limits: &Limits,
) -> Vec<Vec<RunKey>> {
    let tl = limits.time_limit.map(|d| d.as_secs_f64());
    plan.iter()
        .map(|p| {
            let hash = crate::gaps::fnv1a_hex(p.instance.to_json().as_bytes());
            solvers
                .iter()
                .map(|s| RunKey::new(&hash, s.name(), limits.seed, tl))
                .collect()
        })
        .collect()
}

/// How many planned solves are not yet in `results` (what [`run`] will run).
#[must_use]
pub fn pending(
    plan: &[PlannedInstance],
    solvers: &[Box<dyn Solver>],
    limits: &Limits,
    results: Option<&ResultsFile>,
) -> usize {
    keys(plan, solvers, limits)
        .iter()
        .flatten()
        .filter(|k| results.and_then(|f| f.get(k)).is_none())
        .count()
}

/// What [`run`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    /// One record per (instance, solver), instance-major in plan order.
    pub records: Vec<Record>,
    /// Solves taken from the results file instead of being run.
    pub skipped: usize,
}

/// Runs every solver on every instance, `jobs` solves at a time (rayon), taking
/// finished solves from `results` and appending new ones to it as they finish.
/// `tick` is called after each solve (for a progress bar).
///
/// Timing: each solve reports its own wall time; with `jobs > 1` solves compete for
/// cores, so use `jobs = 1` for time columns you publish.
///
/// # Errors
/// [`Error::Io`] when the results file cannot be written, or when the thread pool
/// cannot start. Solver errors are not errors here: they become records.
pub fn run(
    plan: &[PlannedInstance],
    solvers: &[Box<dyn Solver>],
    limits: &Limits,
    jobs: usize,
    results: Option<&ResultsFile>,
    tick: &(dyn Fn() + Sync),
) -> Result<RunSummary> {
    let tl = limits.time_limit.map(|d| d.as_secs_f64());
    let mut slots: Vec<Option<Record>> = Vec::new();
    let mut todo = Vec::new();
    for (p, keys) in plan.iter().zip(keys(plan, solvers, limits)) {
        for (s, key) in solvers.iter().zip(keys) {
            match results.and_then(|f| f.get(&key)) {
                Some(r) => slots.push(Some(r.clone())),
                None => {
                    todo.push((slots.len(), p, s.as_ref()));
                    slots.push(None);
                }
            }
        }
    }
    let skipped = slots.len() - todo.len();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.max(1))
        .build()
        .map_err(|e| Error::io("<thread pool>", std::io::Error::other(e.to_string())))?;
    let done: Vec<Result<(usize, Record)>> = pool.install(|| {
        todo.par_iter()
            .map(|&(slot, p, s)| {
                let out = s.solve(&p.instance, limits);
                let r = Record::new(&p.instance, &p.file, s, limits.seed, tl, &out);
                if let Some(f) = results {
                    f.append(&r)?;
                }
                tick();
                Ok((slot, r))
            })
            .collect()
    });
    for d in done {
        let (slot, r) = d?;
        slots[slot] = Some(r);
    }
    Ok(RunSummary {
        records: slots.into_iter().flatten().collect(),
        skipped,
    })
}

fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "-".into(), |v| format!("{:.3}", 100.0 * v))
}

fn refs(row: &Row) -> String {
    let mut parts = Vec::new();
    for (kind, mark) in [
        (RefKind::Optimum, " opt"),
        (RefKind::Bound, "*"),
        (RefKind::BestKnown, "~"),
    ] {
        if let Some(n) = row.references.get(&kind) {
            parts.push(format!("{n}{mark}"));
        }
    }
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join(", ")
    }
}

/// The header lines printed above every table: gap definition, time measure and the
/// reference marks.
#[must_use]
pub fn legend(time_limit_s: Option<f64>) -> String {
    format!(
        "- {GAP_DEFINITION}.\n\
         - ref: instances per reference kind: `opt` proven optimum; `*` best proven bound \
         (no optimum proven; the gap shown is an upper bound of the true gap); `~` best \
         objective found (no bound; a lower bound of the true gap).\n\
         - gaps in %; `at ref` = answers with gap 0; `failed` = errors or infeasible answers; `refused` = instances outside a solver's scope (e.g. too large for exhaustive search).\n\
         - time: shifted geometric mean of wall time per solve, shift {} ms; `proven` = \
         exact solvers' proven-optimal answers (TL = stopped by the time limit).\n\
         - time limit per solve: {}.\n",
        1e3 * TIME_SHIFT_S,
        time_limit_s.map_or_else(|| "none".into(), |t| format!("{t} s"))
    )
}

/// The table as Markdown, with the [`legend`] above it and warnings below.
#[must_use]
pub fn markdown(t: &GapTable, time_limit_s: Option<f64>) -> String {
    let header = [
        "N", "M", "regime", "inst", "ref", "solver", "mean", "median", "p95", "max", "at ref",
        "failed", "refused", "time ms", "proven",
    ];
    let rows = t
        .rows
        .iter()
        .map(|r| {
            vec![
                r.class.users.to_string(),
                r.class.servers.to_string(),
                r.class.regime(),
                r.instances.to_string(),
                refs(r),
                r.solver.clone(),
                pct(r.gaps.map(|g| g.mean)),
                pct(r.gaps.map(|g| g.median)),
                pct(r.gaps.map(|g| g.p95)),
                pct(r.gaps.map(|g| g.max)),
                r.gaps.map_or(0, |g| g.hits).to_string(),
                r.failed.to_string(),
                r.refused.to_string(),
                r.time_sgm_s
                    .map_or_else(|| "-".into(), |s| format!("{:.3}", 1e3 * s)),
                r.proven_optimal.map_or_else(
                    || "-".into(),
                    |p| {
                        let tl = if r.time_limits > 0 {
                            format!(" ({} TL)", r.time_limits)
                        } else {
                            String::new()
                        };
                        format!("{p}/{}{tl}", r.instances)
                    },
                ),
            ]
        })
        .collect();
    let mut s = legend(time_limit_s);
    s.push('\n');
    s.push_str(&markdown_table(&header, rows).to_string());
    s.push('\n');
    for w in &t.warnings {
        s.push_str(&format!("\nWARNING: {w}"));
    }
    if !t.warnings.is_empty() {
        s.push('\n');
    }
    s
}

#[derive(Serialize)]
struct CsvRow<'a> {
    users: usize,
    servers: usize,
    interference: bool,
    variants: bool,
    instances: usize,
    ref_optimum: usize,
    ref_bound: usize,
    ref_best_known: usize,
    solver: &'a str,
    exact: bool,
    solved: usize,
    failed: usize,
    refused: usize,
    gap_count: Option<usize>,
    gap_mean: Option<f64>,
    gap_median: Option<f64>,
    gap_p95: Option<f64>,
    gap_max: Option<f64>,
    hits: Option<usize>,
    time_sgm_s: Option<f64>,
    proven_optimal: Option<usize>,
    time_limits: usize,
}

/// The table as CSV, one row per (class, solver); gaps as fractions.
///
/// # Panics
/// Never in practice: every row serialises into memory.
#[must_use]
pub fn csv_text(t: &GapTable) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in &t.rows {
        let n = |k| r.references.get(&k).copied().unwrap_or(0);
        w.serialize(CsvRow {
            users: r.class.users,
            servers: r.class.servers,
            interference: r.class.interference,
            variants: r.class.variants,
            instances: r.instances,
            ref_optimum: n(RefKind::Optimum),
            ref_bound: n(RefKind::Bound),
            ref_best_known: n(RefKind::BestKnown),
            solver: &r.solver,
            exact: r.exact,
            solved: r.solved,
            failed: r.failed,
            refused: r.refused,
            gap_count: r.gaps.map(|g| g.count),
            gap_mean: r.gaps.map(|g| g.mean),
            gap_median: r.gaps.map(|g| g.median),
            gap_p95: r.gaps.map(|g| g.p95),
            gap_max: r.gaps.map(|g| g.max),
            hits: r.gaps.map(|g| g.hits),
            time_sgm_s: r.time_sgm_s,
            proven_optimal: r.proven_optimal,
            time_limits: r.time_limits,
        })
        .expect("rows serialise");
    }
    String::from_utf8(w.into_inner().expect("in-memory writer")).expect("CSV is UTF-8")
}

/// The table as JSON: the gap definition, time shift, time limit, rows, per-instance
/// gaps and warnings.
#[must_use]
pub fn json(t: &GapTable, time_limit_s: Option<f64>) -> serde_json::Value {
    serde_json::json!({
        "gap_definition": GAP_DEFINITION,
        "time_shift_s": TIME_SHIFT_S,
        "time_limit_s": time_limit_s,
        "solvers": t.solvers,
        "rows": t.rows,
        "instances": t.instances,
        "warnings": t.warnings,
    })
}

#[cfg(test)]
#[path = "table_tests.rs"]
mod tests;
