//! Sweeps split into shards (docs/cluster.md): `sweep --shard K/N` solves the units
//! `(N, run)` of shard K ([`crate::study::shard::sweep_item`]) and writes their raw
//! samples ([`SampleRow`], `samples.csv`); `merge` combines the shards' files; `sweep
//! --from-samples FILE` computes the points from them without solving, the same
//! points an unsharded sweep gives (solver times aside).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{aggregate, check, solve_unit, units, Point, Run, Sample, SweepConfig};
use crate::error::{Error, Result};
use crate::study::gaps::fnv1a_hex;
use crate::study::shard::{sweep_item, Shard};

/// The file a shard writes into its output directory.
pub const SAMPLES_FILE: &str = "samples.csv";

/// One solver on one run's instance at one tau, at full precision: a row of
/// `samples.csv`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SampleRow {
    /// [`config_hash`] of the sweep it belongs to.
    pub config: String,
    /// N.
    pub users: usize,
    /// Run index r (0-based).
    pub run: usize,
    /// tau.
    pub tau: f64,
    /// Solver name.
    pub algorithm: String,
    /// Accuracy, when queries have correctness.
    pub accuracy: Option<f64>,
    /// Mean delay per user (s).
    pub delay_s: f64,
    /// Its communication part (s).
    pub comm_s: f64,
    /// Its server computation part (s).
    pub comp_s: f64,
    /// Its local computation part (s).
    pub local_s: f64,
    /// Offloaded users.
    pub offloaded: f64,
    /// Users forced by tau.
    pub forced: f64,
    /// Forced users left on the device.
    pub forced_local: f64,
    /// The answer is feasible for (P).
    pub feasible: bool,
    /// Objective of (P).
    pub objective: f64,
    /// Solver wall time (s), not reproducible.
    pub elapsed_s: f64,
}

impl SampleRow {
    fn sample(&self) -> Sample {
        Sample {
            accuracy: self.accuracy,
            delay_s: self.delay_s,
            comm_s: self.comm_s,
            comp_s: self.comp_s,
            local_s: self.local_s,
            offloaded: self.offloaded,
            forced: self.forced,
            forced_local: self.forced_local,
            feasible: self.feasible,
            objective: self.objective,
            elapsed_s: self.elapsed_s,
        }
    }

    fn key(&self) -> SampleKey {
        (
            self.users,
            self.run,
            self.tau.to_bits(),
            self.algorithm.clone(),
        )
    }
}

/// What identifies a sample: N, run, tau (as bits) and solver.
type SampleKey = (usize, usize, u64, String);

/// FNV-1a hash (hex) of everything that decides a sweep's samples: the grid, runs,
/// solvers (outside ones with their commands), servers, seed, weights, interference,
/// scenario and query file. Shards of one sweep share it; merging or reading samples
/// of another sweep is refused.
#[must_use]
pub fn config_hash(cfg: &SweepConfig) -> String {
    let externals: Vec<(&str, &str)> = cfg
        .externals
        .iter()
        .map(|e| (e.name.as_str(), e.command.as_str()))
        .collect();
    let text = format!(
        "{:?}",
        (
            &cfg.users,
            &cfg.taus,
            cfg.runs,
            &cfg.algorithms,
            cfg.servers,
            cfg.seed,
            cfg.weights.name(),
            cfg.interference,
            cfg.scenario.label(),
            cfg.queries.as_ref().map(|q| q.source.as_str()),
            externals,
        )
    );
    fnv1a_hex(text.as_bytes())
}

/// Solves the units of `shard` (on rayon's current pool; `progress` after each) and
/// returns their samples in unit order (N, run, tau, solver).
///
/// # Errors
/// As [`super::run`].
pub fn run_shard(
    cfg: &SweepConfig,
    shard: Shard,
    progress: &(dyn Fn() + Sync),
) -> Result<Vec<SampleRow>> {
    let chosen = check(cfg)?;
    let hash = config_hash(cfg);
    let mine: Vec<(usize, usize)> = units(cfg)
        .into_iter()
        .filter(|&(n, r)| shard.contains(&sweep_item(n, r)))
        .collect();
    let per_unit: Vec<Vec<Sample>> = mine
        .par_iter()
        .map(|&(n, r)| {
            let out = solve_unit(cfg, &chosen, n, r)?;
            progress();
            Ok(out)
        })
        .collect::<Result<_>>()?;
    let mut rows = Vec::new();
    for (&(users, run), samples) in mine.iter().zip(&per_unit) {
        let mut k = 0;
        for &tau in &cfg.taus {
            for s in &chosen {
                let x = samples[k];
                k += 1;
                rows.push(SampleRow {
                    config: hash.clone(),
                    users,
                    run,
                    tau,
                    algorithm: s.name().to_string(),
                    accuracy: x.accuracy,
                    delay_s: x.delay_s,
                    comm_s: x.comm_s,
                    comp_s: x.comp_s,
                    local_s: x.local_s,
                    offloaded: x.offloaded,
                    forced: x.forced,
                    forced_local: x.forced_local,
                    feasible: x.feasible,
                    objective: x.objective,
                    elapsed_s: x.elapsed_s,
                });
            }
        }
    }
    Ok(rows)
}

fn header() -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.serialize(SampleRow::default());
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8_lossy(&bytes)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

/// `samples.csv`: the header, then one row per sample (floats round-trip exactly).
///
/// # Panics
/// Never in practice: every row serialises into memory.
#[must_use]
pub fn samples_csv(rows: &[SampleRow]) -> String {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    for r in rows {
        w.serialize(r).expect("rows serialise");
    }
    let body = String::from_utf8(w.into_inner().expect("in-memory writer")).expect("UTF-8");
    format!("{}\n{body}", header())
}

/// Whether `first_line` is the header of a samples file (what `merge` tells kinds by).
#[must_use]
pub fn is_samples_header(first_line: &str) -> bool {
    first_line.strip_suffix('\r').unwrap_or(first_line) == header()
}

/// The rows of a samples file, with their line numbers.
///
/// # Errors
/// [`Error::Io`] when it cannot be read; [`Error::Line`] when the first line is not
/// the samples header of this version, or a row does not parse.
pub fn read_samples(path: &Path) -> Result<Vec<(usize, SampleRow)>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let bad = |line: usize, message: String| Error::Line {
        path: path.to_path_buf(),
        line,
        message,
    };
    if !is_samples_header(text.split('\n').next().unwrap_or_default()) {
        return Err(bad(
            1,
            format!(
                "not a sweep samples file of this version: the first line must be `{}`",
                header()
            ),
        ));
    }
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    let mut out = Vec::new();
    for row in rd.deserialize::<SampleRow>() {
        let line = out.len() + 2;
        out.push((
            line,
            row.map_err(|e| bad(line, format!("not a samples row: {e}")))?,
        ));
    }
    Ok(out)
}

/// Combines the samples files of a sweep's shards, in a fixed order (N, run, tau,
/// solver).
///
/// # Errors
/// As [`read_samples`]; [`Error::Line`] for rows of another sweep (a different
/// [`config_hash`]) or a sample present twice (overlapping shards).
pub fn merge_samples(inputs: &[PathBuf]) -> Result<Vec<SampleRow>> {
    let mut config: Option<(String, PathBuf)> = None;
    let mut by_key: BTreeMap<SampleKey, (SampleRow, &Path, usize)> = BTreeMap::new();
    for path in inputs {
        for (line, r) in read_samples(path)? {
            let bad = |message: String| Error::Line {
                path: path.clone(),
                line,
                message,
            };
            match &config {
                None => config = Some((r.config.clone(), path.clone())),
                Some((c, first)) if *c != r.config => {
                    return Err(bad(format!(
                        "`config` = {}: another sweep than {} (config {c}); merge the shards \
                         of one sweep command",
                        r.config,
                        first.display()
                    )))
                }
                Some(_) => {}
            }
            if let Some((_, other, other_line)) = by_key.get(&r.key()) {
                return Err(bad(format!(
                    "the sample N = {}, run {}, tau = {}, {} is also at {}:{other_line}: \
                     overlapping shards (or a file given twice)",
                    r.users,
                    r.run,
                    r.tau,
                    r.algorithm,
                    other.display()
                )));
            }
            by_key.insert(r.key(), (r, path, line));
        }
    }
    let mut rows: Vec<SampleRow> = by_key.into_values().map(|(r, _, _)| r).collect();
    rows.sort_by(|a, b| {
        (a.users, a.run)
            .cmp(&(b.users, b.run))
            .then(a.tau.total_cmp(&b.tau))
            .then(a.algorithm.cmp(&b.algorithm))
    });
    Ok(rows)
}

/// The points (and per-run rows) of `cfg` from merged samples, without solving: what
/// [`super::run_with_runs`] returns, solver times aside.
///
/// # Errors
/// As [`super::run`] for the settings; [`Error::InvalidField`] when a row belongs to
/// another sweep, or a sample of the grid is missing (a shard not run or not merged)
/// or is not in the grid.
pub fn from_samples(cfg: &SweepConfig, rows: &[SampleRow]) -> Result<(Vec<Point>, Vec<Run>)> {
    let chosen = check(cfg)?;
    let hash = config_hash(cfg);
    let what = "sweep samples";
    if let Some(r) = rows.iter().find(|r| r.config != hash) {
        return Err(Error::field(
            what,
            "config",
            &r.config,
            format!(
                "the samples are of another sweep (this one is {hash}): give the same grid, \
                 runs, solvers, servers, seed, weights and scenario as the shards"
            ),
        ));
    }
    let index: HashMap<SampleKey, &SampleRow> = rows.iter().map(|r| (r.key(), r)).collect();
    let units = units(cfg);
    let mut samples = Vec::with_capacity(units.len());
    for &(n, r) in &units {
        let mut per = Vec::with_capacity(cfg.taus.len() * chosen.len());
        for &tau in &cfg.taus {
            for s in &chosen {
                let key = (n, r, tau.to_bits(), s.name().to_string());
                let row = index.get(&key).ok_or_else(|| {
                    Error::field(
                        what,
                        "samples",
                        format!("N = {n}, run {r}, tau = {tau}, {}", s.name()),
                        "missing: the shard holding this run was not run or not merged".to_string(),
                    )
                })?;
                per.push(row.sample());
            }
        }
        samples.push(per);
    }
    let expected = units.len() * cfg.taus.len() * chosen.len();
    if index.len() != expected {
        return Err(Error::field(
            what,
            "samples",
            index.len(),
            format!("the grid has {expected} samples: some rows are outside it"),
        ));
    }
    Ok(aggregate(cfg, &chosen, &units, &samples))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> SweepConfig {
        SweepConfig {
            users: vec![4, 6],
            taus: vec![0.5, 1.0],
            runs: 3,
            ..SweepConfig::default()
        }
    }

    #[test]
    fn shards_merged_give_the_unsharded_points() {
        let cfg = tiny();
        let (full, _) = super::super::run_with_runs(&cfg, &|| {}).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let mut files = Vec::new();
        let mut filled = Vec::new();
        for k in 1..=3 {
            let rows = run_shard(&cfg, Shard::new(k, 3).unwrap(), &|| {}).unwrap();
            if !rows.is_empty() {
                filled.push(files.len());
            }
            let p = dir.path().join(format!("s{k}.csv"));
            std::fs::write(&p, samples_csv(&rows)).unwrap();
            files.push(p);
        }
        let merged = merge_samples(&files).unwrap();
        let (points, _) = from_samples(&cfg, &merged).unwrap();
        assert_eq!(
            super::super::points_csv(&points),
            super::super::points_csv(&full)
        );
        // Overlap and a missing shard are refused.
        let twice = [files[0].clone(), files[0].clone()];
        let e = merge_samples(&twice).unwrap_err().to_string();
        assert!(e.contains("overlapping"), "{e}");
        assert!(filled.len() >= 2, "{filled:?}");
        let partial = merge_samples(&files[filled[0]..=filled[0]]).unwrap();
        assert!(from_samples(&cfg, &partial).is_err());
        let other = SweepConfig { seed: 1, ..tiny() };
        let e = from_samples(&other, &merged).unwrap_err().to_string();
        assert!(e.contains("another sweep"), "{e}");
    }
}
