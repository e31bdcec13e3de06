//! Gap tables over instance sets: the plan (instances x solvers), the append-only
//! results file that makes long runs resumable, parallel execution, and the
//! renderings of a [`GapTable`] as Markdown, CSV and JSON (docs/tables.md), and (in
//! `tidy`) as the long CSV and LaTeX.
//!
//! Resume semantics: every finished solve is appended to the results file as one CSV
//! row and flushed at once, so an interrupted run loses only the solves in flight;
//! concurrent runs on one file share it under a lock ([`ResultsFile`]). A
//! rerun with the same file skips every planned solve whose key (instance hash,
//! solver, seed, time limit: [`Record::key`]) is already there, errors included (a
//! refusal is deterministic), and aggregates old and new rows alike. A partial last
//! line (a write cut short) is dropped when the file is opened.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use rayon::prelude::*;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::instance::Instance;
use crate::report::markdown_table;
use crate::solver::{Limits, Solver, GAP_DEFINITION};
use crate::study::gaps::{GapTable, Record, RefKind, Row, RunKey, TIME_SHIFT_S};
use crate::study::shard::{table_item, Shard};

mod import;
mod merge;
mod tidy;
pub use import::{import, Imported};
pub use merge::{merge, read_results, write_results};
pub use tidy::{class_label, latex, long_csv};

/// The append-only results file (CSV, one [`Record`] per row, header first), safe to
/// share between concurrent runs.
///
/// The file is opened in append mode and every access holds an exclusive lock on it
/// (`flock`, [`File::lock`]): opening checks its header and reads its rows, a solve
/// about to start first reads the rows other runs appended since ([`Self::claim`]),
/// and a finished solve is appended as one whole row unless another run appended the
/// same key meanwhile ([`Self::append`]). So two runs on one file keep every row, write
/// none twice, and each ends with the rows of the file.
#[derive(Debug)]
pub struct ResultsFile {
    path: PathBuf,
    opened_rows: usize,
    inner: Mutex<Shared>,
}

#[derive(Debug)]
struct Shared {
    file: File,
    done: HashMap<RunKey, Record>,
    /// Bytes of the file already read (always the end of a whole row).
    read_to: u64,
    /// Lines already read, header included (for line numbers in errors).
    lines: usize,
}

/// The header line of a results file.
fn header() -> String {
    let blank = Record::default();
    let mut w = csv::Writer::from_writer(Vec::new());
    // Serialising into memory cannot fail; an empty header would refuse every file.
    let _ = w.serialize(&blank);
    let bytes = w.into_inner().unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes);
    text.lines().next().unwrap_or_default().to_string()
}

/// Runs `f` with the file locked exclusively (released on every path).
fn locked<T>(file: &File, path: &Path, f: impl FnOnce() -> Result<T>) -> Result<T> {
    file.lock().map_err(|e| Error::io(path, e))?;
    let out = f();
    let unlocked = file.unlock().map_err(|e| Error::io(path, e));
    let out = out?;
    unlocked?;
    Ok(out)
}

impl Shared {
    /// Reads the whole rows appended since the last read. `Ok(partial)` is the number
    /// of bytes of an incomplete last line left unread.
    fn sync(&mut self, path: &Path, header: &str) -> Result<u64> {
        let io = |e| Error::io(path, e);
        self.file.seek(SeekFrom::Start(self.read_to)).map_err(io)?;
        let mut bytes = Vec::new();
        self.file.read_to_end(&mut bytes).map_err(io)?;
        let keep = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |k| k + 1);
        let partial = (bytes.len() - keep) as u64;
        if keep == 0 {
            return Ok(partial);
        }
        let text = std::str::from_utf8(&bytes[..keep]).map_err(|e| Error::Line {
            path: path.to_path_buf(),
            line: self.lines + 1,
            message: format!("not UTF-8 text: {e}"),
        })?;
        let mut with_header = String::with_capacity(header.len() + 1 + text.len());
        with_header.push_str(header);
        with_header.push('\n');
        with_header.push_str(text);
        let mut rd = csv::Reader::from_reader(with_header.as_bytes());
        for (k, row) in rd.deserialize::<Record>().enumerate() {
            let line = self.lines + k + 1;
            let bad = |message: String| Error::Line {
                path: path.to_path_buf(),
                line,
                message,
            };
            let r = row.map_err(|e| bad(format!("not a results row: {e}")))?;
            for (name, v) in [("objective", r.objective), ("bound", r.bound)] {
                if let Some(v) = v.filter(|v| !v.is_finite()) {
                    return Err(bad(format!(
                        "{name} = {v}: a results row must hold finite numbers (a NaN or \
                         infinite answer is not resumed); delete the line to solve it again"
                    )));
                }
            }
            self.done.insert(r.key(), r);
        }
        self.lines += text.matches('\n').count();
        self.read_to += keep as u64;
        Ok(partial)
    }
}

impl ResultsFile {
    /// Opens (or creates) `path`, reads the rows already there and returns the file
    /// ready for appending, with the number of bytes of a partial last line dropped (a
    /// write cut short by a crash).
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be read, written or locked; [`Error::Line`],
    /// with the file left untouched, when it is not a results file (its first line is
    /// not the results header: `-r notes.txt`), for a complete row that does not parse,
    /// and for a row whose objective or bound is NaN or infinite.
    pub fn open(path: &Path) -> Result<(Self, usize)> {
        let io = |e| Error::io(path, e);
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(io)?;
        let header = header();
        let mut shared = Shared {
            file,
            done: HashMap::new(),
            read_to: 0,
            lines: 0,
        };
        let file = shared.file.try_clone().map_err(io)?;
        let dropped = locked(&file, path, || {
            let mut first = Vec::new();
            (&shared.file)
                .take(header.len() as u64 + 2)
                .read_to_end(&mut first)
                .map_err(io)?;
            let len = shared.file.metadata().map_err(io)?.len();
            if len == 0 {
                use std::io::Write;
                shared
                    .file
                    .write_all(format!("{header}\n").as_bytes())
                    .map_err(io)?;
                shared.file.flush().map_err(io)?;
                shared.read_to = header.len() as u64 + 1;
                shared.lines = 1;
                return Ok(0);
            }
            let first = String::from_utf8_lossy(&first);
            let line = first.split('\n').next().unwrap_or_default();
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line != header || !first.contains('\n') {
                return Err(Error::Line {
                    path: path.to_path_buf(),
                    line: 1,
                    message: format!(
                        "not a results file of this version (left untouched): the first line \
                         must be the header `{header}`"
                    ),
                });
            }
            shared.read_to = line.len() as u64 + 1;
            shared.lines = 1;
            let partial = shared.sync(path, &header)?;
            if partial > 0 {
                shared.file.set_len(shared.read_to).map_err(io)?;
            }
            Ok(partial)
        })?;
        Ok((
            ResultsFile {
                path: path.to_path_buf(),
                opened_rows: shared.done.len(),
                inner: Mutex::new(shared),
            },
            usize::try_from(dropped).unwrap_or(usize::MAX),
        ))
    }

    fn shared(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The finished solve with this key, if any, among the rows read so far.
    #[must_use]
    pub fn get(&self, key: &RunKey) -> Option<Record> {
        self.shared().done.get(key).cloned()
    }

    /// Rows read when the file was opened.
    #[must_use]
    pub fn len(&self) -> usize {
        self.opened_rows
    }

    /// No rows were there when the file was opened.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.opened_rows == 0
    }

    /// The row with this key, reading first what other runs appended since the last
    /// read (so a concurrent run's finished solve is not repeated).
    ///
    /// # Errors
    /// As [`Self::open`] for the new rows.
    pub fn claim(&self, key: &RunKey) -> Result<Option<Record>> {
        let mut sh = self.shared();
        let file = sh.file.try_clone().map_err(|e| Error::io(&self.path, e))?;
        let header = header();
        locked(&file, &self.path, || {
            sh.sync(&self.path, &header)?;
            Ok(sh.done.get(key).cloned())
        })
    }

    /// Appends one row, whole, and flushes it, unless a row with its key is already
    /// there (appended by a concurrent run): returns the row the file keeps.
    ///
    /// # Errors
    /// [`Error::Io`] when reading or writing fails, [`Error::Csv`] when the row cannot be
    /// serialised; as [`Self::open`] for rows other runs appended.
    pub fn append(&self, r: &Record) -> Result<Record> {
        use std::io::Write;
        let mut row = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(Vec::new());
        row.serialize(r).map_err(|e| Error::csv(&self.path, e))?;
        let bytes = row.into_inner().map_err(|e| {
            Error::io(
                &self.path,
                std::io::Error::new(e.error().kind(), e.error().to_string()),
            )
        })?;
        let mut sh = self.shared();
        let file = sh.file.try_clone().map_err(|e| Error::io(&self.path, e))?;
        let header = header();
        let io = |e| Error::io(&self.path, e);
        locked(&file, &self.path, || {
            let partial = sh.sync(&self.path, &header)?;
            if let Some(kept) = sh.done.get(&r.key()) {
                return Ok(kept.clone());
            }
            if partial > 0 {
                // A run died mid-row: drop its fragment before writing after it.
                sh.file.set_len(sh.read_to).map_err(io)?;
            }
            sh.file.write_all(&bytes).map_err(io)?;
            sh.file.flush().map_err(io)?;
            sh.read_to += bytes.len() as u64;
            sh.lines += 1;
            sh.done.insert(r.key(), r.clone());
            Ok(r.clone())
        })
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
            let hash = crate::study::gaps::fnv1a_hex(p.instance.to_json().as_bytes());
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
    pending_in(plan, solvers, limits, results, None)
}

/// How many planned solves of `shard` (all, for `None`) are not yet in `results`
/// (what [`run_in`] will run).
#[must_use]
pub fn pending_in(
    plan: &[PlannedInstance],
    solvers: &[Box<dyn Solver>],
    limits: &Limits,
    results: Option<&ResultsFile>,
    shard: Option<Shard>,
) -> usize {
    keys(plan, solvers, limits)
        .iter()
        .flatten()
        .filter(|k| in_shard(shard, k))
        .filter(|k| results.and_then(|f| f.get(k)).is_none())
        .count()
}

/// Whether the solve `key` is in `shard` ([`crate::study::shard::table_item`]).
#[must_use]
pub fn in_shard(shard: Option<Shard>, key: &RunKey) -> bool {
    shard.is_none_or(|s| s.contains(&table_item(&key.instance_hash, &key.solver)))
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
/// [`Error::Io`] when the results file cannot be written, [`Error::Setup`] when the
/// thread pool cannot start. Solver errors are not errors here: they become records.
pub fn run(
    plan: &[PlannedInstance],
    solvers: &[Box<dyn Solver>],
    limits: &Limits,
    jobs: usize,
    results: Option<&ResultsFile>,
    tick: &(dyn Fn() + Sync),
) -> Result<RunSummary> {
    run_in(plan, solvers, limits, jobs, results, None, tick)
}

/// [`run`] restricted to the solves of `shard` (every solve for `None`): the records
/// are those of the shard's solves, in plan order.
///
/// # Errors
/// As [`run`].
pub fn run_in(
    plan: &[PlannedInstance],
    solvers: &[Box<dyn Solver>],
    limits: &Limits,
    jobs: usize,
    results: Option<&ResultsFile>,
    shard: Option<Shard>,
    tick: &(dyn Fn() + Sync),
) -> Result<RunSummary> {
    let tl = limits.time_limit.map(|d| d.as_secs_f64());
    let mut slots: Vec<Option<Record>> = Vec::new();
    let mut todo = Vec::new();
    for (p, keys) in plan.iter().zip(keys(plan, solvers, limits)) {
        for (s, key) in solvers.iter().zip(keys) {
            if !in_shard(shard, &key) {
                continue;
            }
            match results.and_then(|f| f.get(&key)) {
                Some(r) => slots.push(Some(r)),
                None => {
                    todo.push((slots.len(), p, s.as_ref(), key));
                    slots.push(None);
                }
            }
        }
    }
    let skipped = AtomicUsize::new(slots.len() - todo.len());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.max(1))
        .build()
        .map_err(|e| Error::Setup {
            what: "the thread pool",
            reason: e.to_string(),
        })?;
    let done: Vec<Result<(usize, Record)>> = pool.install(|| {
        todo.par_iter()
            .map(|(slot, p, s, key)| {
                if let Some(f) = results {
                    // Another run on the same file may have finished it meanwhile.
                    if let Some(r) = f.claim(key)? {
                        skipped.fetch_add(1, Ordering::Relaxed);
                        tick();
                        return Ok((*slot, r));
                    }
                }
                let out = s.solve(&p.instance, limits);
                let mut r = Record::new(&p.instance, &p.file, *s, limits.seed, tl, &out);
                if let Some(f) = results {
                    r = f.append(&r)?;
                }
                tick();
                Ok((*slot, r))
            })
            .collect()
    });
    for d in done {
        let (slot, r) = d?;
        slots[slot] = Some(r);
    }
    Ok(RunSummary {
        records: slots.into_iter().flatten().collect(),
        skipped: skipped.into_inner(),
    })
}

fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "-".into(), |v| format!("{:.3}", 100.0 * v))
}

fn refs(row: &Row) -> String {
    reference_counts(row, [" opt", "*", "~"])
}

/// The reference kinds of a row's instances, counted: `"3 opt, 1*"` with the given
/// marks for optimum, bound and best known (`none` without any).
pub(crate) fn reference_counts(row: &Row, marks: [&str; 3]) -> String {
    let mut parts = Vec::new();
    for (kind, mark) in [RefKind::Optimum, RefKind::Bound, RefKind::BestKnown]
        .into_iter()
        .zip(marks)
    {
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
mod tests;
