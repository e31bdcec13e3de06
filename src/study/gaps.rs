//! Optimality gaps over many instances: one [`Record`] per (instance, solver) solve,
//! the [`Reference`] each instance is measured against, and per-class statistics
//! (mean, median, p95 and max gap, hits, shifted geometric mean time), in the manner of
//! fontanf's benchmark tables. The gap is [`crate::solver::relative_gap`], defined in
//! [`crate::solver::GAP_DEFINITION`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::instance::Instance;
use crate::solver::{approx_eq, relative_gap, BoundKind, Outcome, Solver, Status};
use crate::stats::{median, nearest_rank, shifted_geomean};

/// Shift (s) of the shifted geometric mean of solve times: `exp(mean(ln(t + s))) - s`.
/// 10 ms keeps microsecond heuristics from dominating the mean by their noise while
/// leaving seconds-long exact solves almost unchanged.
pub const TIME_SHIFT_S: f64 = 0.010;

/// One solve of one instance by one solver: a row of the results file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Instance name.
    pub instance: String,
    /// Instance file as given on the command line.
    pub file: String,
    /// FNV-1a 64 hash (hex) of the instance's canonical JSON: a regenerated file with
    /// the same name is a different instance.
    pub instance_hash: String,
    /// N.
    pub users: usize,
    /// M.
    pub servers: usize,
    /// Interference on.
    pub interference: bool,
    /// The instance lists model variants.
    pub variants: bool,
    /// Solver name.
    pub solver: String,
    /// The solver is exact ([`Solver::is_exact`]).
    pub exact: bool,
    /// Seed given to the solver.
    pub seed: u64,
    /// Per-solve time limit (s), if any.
    pub time_limit_s: Option<f64>,
    /// Why it stopped; empty when the solver returned an error.
    pub status: Option<Status>,
    /// Recomputed objective (absent on error).
    pub objective: Option<f64>,
    /// Proven lower bound, if the solver has one.
    pub bound: Option<f64>,
    /// What the bound bounds (`optimum`, or a relaxation).
    pub bound_kind: Option<BoundKind>,
    /// `bound == objective` within the tolerance.
    pub proven_optimal: bool,
    /// The assignment satisfies every constraint.
    pub feasible: bool,
    /// Wall time of the solve (s), as the outcome reports it.
    pub elapsed_s: f64,
    /// Solver version, when the solver reports one ([`Solver::version`], e.g. the
    /// HiGHS version).
    pub version: Option<String>,
    /// The solver's error message, when it returned one.
    pub error: Option<String>,
    /// The error was a refusal ([`crate::Error::Refused`]: instance out of the
    /// solver's scope, e.g. too large for an exhaustive search), not a failure.
    #[serde(default)]
    pub refused: bool,
}

/// FNV-1a 64-bit hash of `bytes` (stable across platforms).
#[must_use]
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// [`fnv1a`] as 16 hex digits.
#[must_use]
pub fn fnv1a_hex(bytes: &[u8]) -> String {
    format!("{:016x}", fnv1a(bytes))
}

impl Record {
    /// The record of `result`, the outcome (or error) of `solver` on `inst`, read from
    /// `file`, with the `seed` and time limit it ran with.
    #[must_use]
    pub fn new(
        inst: &Instance,
        file: &str,
        solver: &dyn Solver,
        seed: u64,
        time_limit_s: Option<f64>,
        result: &crate::Result<Outcome>,
    ) -> Self {
        Self::named(
            inst,
            file,
            solver.name(),
            solver.is_exact(),
            seed,
            time_limit_s,
            result,
        )
    }

    /// [`Record::new`] for a solver known only by its name and whether it is exact
    /// (solutions imported from elsewhere, `table --import`).
    #[must_use]
    pub fn named(
        inst: &Instance,
        file: &str,
        solver: &str,
        exact: bool,
        seed: u64,
        time_limit_s: Option<f64>,
        result: &crate::Result<Outcome>,
    ) -> Self {
        let mut r = Record {
            instance: inst.name().to_string(),
            file: file.to_string(),
            instance_hash: fnv1a_hex(inst.to_json().as_bytes()),
            users: inst.n_users(),
            servers: inst.n_servers(),
            interference: inst.interference(),
            variants: inst.has_variants(),
            solver: solver.to_string(),
            exact,
            seed,
            time_limit_s,
            ..Record::default()
        };
        match result {
            Ok(o) => {
                r.status = Some(o.status());
                r.objective = Some(o.objective());
                r.bound = o.bound_value();
                r.bound_kind = o.bound_kind();
                r.proven_optimal = o.proven_optimal();
                r.feasible = o.evaluation().feasible();
                r.elapsed_s = o.elapsed_s();
                r.version = o.version().map(str::to_string);
            }
            Err(e) => {
                r.error = Some(e.to_string());
                r.refused = matches!(e, crate::Error::Refused { .. });
            }
        }
        r
    }

    /// The key under which a rerun recognises this solve as done.
    #[must_use]
    pub fn key(&self) -> RunKey {
        RunKey::new(
            &self.instance_hash,
            &self.solver,
            self.seed,
            self.time_limit_s,
        )
    }

    /// The objective of a feasible answer.
    #[must_use]
    pub fn feasible_objective(&self) -> Option<f64> {
        self.objective.filter(|_| self.feasible)
    }
}

/// What identifies a solve for resuming: the instance's hash, the solver, the seed and
/// the time limit (compared bit for bit).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RunKey {
    /// [`Record::instance_hash`].
    pub instance_hash: String,
    /// Solver name.
    pub solver: String,
    /// Seed given to the solver.
    pub seed: u64,
    /// Time limit (s) as `f64` bits, if any.
    time_limit_bits: Option<u64>,
}

impl RunKey {
    /// The key of a planned solve.
    #[must_use]
    pub fn new(instance_hash: &str, solver: &str, seed: u64, time_limit_s: Option<f64>) -> Self {
        RunKey {
            instance_hash: instance_hash.to_string(),
            solver: solver.to_string(),
            seed,
            time_limit_bits: time_limit_s.map(f64::to_bits),
        }
    }

    /// The time limit (s), if any.
    #[must_use]
    pub fn time_limit_s(&self) -> Option<f64> {
        self.time_limit_bits.map(f64::from_bits)
    }
}

/// What an instance's gaps are measured against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefKind {
    /// A proven optimum: a feasible objective equal to a proven lower bound.
    Optimum,
    /// The best proven lower bound (no optimum proven): gaps are upper bounds of the
    /// true gaps. Marked `*` in tables.
    Bound,
    /// Neither optimum nor bound: the best objective found. Gaps are lower bounds of
    /// the true gaps. Marked `~` in tables.
    BestKnown,
}

/// An instance's reference value and its kind.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Reference {
    /// The value.
    pub value: f64,
    /// What it is.
    pub kind: RefKind,
}

/// A value known beforehand for an instance (from `optima.csv`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Known {
    /// Best known objective.
    pub best_known: f64,
    /// Best proven lower bound.
    pub best_bound: Option<f64>,
}

/// The reference of one instance from its records and an optional known value.
///
/// A proven optimum is the smallest feasible objective whose own bound meets it (a
/// feasible value equal to a valid lower bound is optimal, whatever the bound relaxed),
/// or a known value whose bound meets it. Without one, the largest bound; without a
/// bound, the smallest feasible objective. Disagreements that can only be bugs (two
/// different proven optima, an objective below a proven optimum, a bound above one)
/// are returned as warnings.
#[must_use]
pub fn reference(records: &[&Record], known: Option<&Known>) -> (Option<Reference>, Vec<String>) {
    let mut warnings = Vec::new();
    let mut optima: Vec<(f64, String)> = records
        .iter()
        .filter(|r| r.proven_optimal)
        .filter_map(|r| r.feasible_objective().map(|v| (v, r.solver.clone())))
        .collect();
    if let Some(k) = known {
        if k.best_bound.is_some_and(|b| approx_eq(b, k.best_known)) {
            optima.push((k.best_known, "optima.csv".into()));
        }
    }
    let name = records.first().map_or("?", |r| r.instance.as_str());
    if let Some(&(opt, ref by)) = optima.iter().min_by(|a, b| a.0.total_cmp(&b.0)) {
        for (v, other) in &optima {
            if !approx_eq(*v, opt) {
                warnings.push(format!(
                    "{name}: proven optima differ: {other} {v} vs {by} {opt}"
                ));
            }
        }
        for r in records {
            if let Some(b) = r.bound {
                if b > opt && !approx_eq(b, opt) {
                    warnings.push(format!(
                        "{name}: {} bound {b} above the proven optimum {opt}",
                        r.solver
                    ));
                }
            }
        }
        return (
            Some(Reference {
                value: opt,
                kind: RefKind::Optimum,
            }),
            warnings,
        );
    }
    let bound = records
        .iter()
        .filter_map(|r| r.bound)
        .chain(known.and_then(|k| k.best_bound))
        .max_by(f64::total_cmp);
    if let Some(b) = bound {
        return (
            Some(Reference {
                value: b,
                kind: RefKind::Bound,
            }),
            warnings,
        );
    }
    let best = records
        .iter()
        .filter_map(|r| r.feasible_objective())
        .chain(known.map(|k| k.best_known))
        .min_by(f64::total_cmp);
    (
        best.map(|value| Reference {
            value,
            kind: RefKind::BestKnown,
        }),
        warnings,
    )
}

/// Gap of `record` against `reference`, when it has a feasible objective.
#[must_use]
pub fn record_gap(record: &Record, reference: Option<Reference>) -> Option<f64> {
    Some(relative_gap(record.feasible_objective()?, reference?.value))
}

/// Statistics of one solver's gaps over a set of instances (fractions, not %).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GapStats {
    /// Instances with a gap (feasible answer and a reference).
    pub count: usize,
    /// Mean gap.
    pub mean: f64,
    /// Median gap.
    pub median: f64,
    /// 95th percentile (nearest rank).
    pub p95: f64,
    /// Largest gap.
    pub max: f64,
    /// Gaps equal to 0 (the answer meets the reference within the tolerance).
    pub hits: usize,
}

impl GapStats {
    /// The statistics of `gaps`; `None` when empty.
    #[must_use]
    pub fn of(gaps: &[f64]) -> Option<Self> {
        let mut s = gaps.to_vec();
        s.sort_by(f64::total_cmp);
        Some(GapStats {
            count: s.len(),
            mean: s.iter().sum::<f64>() / s.len().max(1) as f64,
            median: median(&s)?,
            p95: nearest_rank(&s, 0.95)?,
            max: *s.last()?,
            hits: s.iter().filter(|&&g| g == 0.0).count(),
        })
    }
}

/// A class of instances: size and regime.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ClassKey {
    /// N.
    pub users: usize,
    /// M.
    pub servers: usize,
    /// Interference on.
    pub interference: bool,
    /// Model variants listed.
    pub variants: bool,
}

impl ClassKey {
    /// The class of a record.
    #[must_use]
    pub fn of(r: &Record) -> Self {
        ClassKey {
            users: r.users,
            servers: r.servers,
            interference: r.interference,
            variants: r.variants,
        }
    }

    /// `interference on|off`, with `+ variants` when listed.
    #[must_use]
    pub fn regime(&self) -> String {
        format!(
            "interference {}{}",
            if self.interference { "on" } else { "off" },
            if self.variants { " + variants" } else { "" }
        )
    }
}

/// One (class, solver) row of the gap table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// The class.
    pub class: ClassKey,
    /// Instances in the class.
    pub instances: usize,
    /// How many instances have each reference kind.
    pub references: BTreeMap<RefKind, usize>,
    /// Solver name.
    pub solver: String,
    /// Exact solver.
    pub exact: bool,
    /// Feasible answers.
    pub solved: usize,
    /// Errors (other than refusals) and infeasible answers.
    pub failed: usize,
    /// Refusals: instances outside the solver's scope.
    pub refused: usize,
    /// Gap statistics over instances with a reference.
    pub gaps: Option<GapStats>,
    /// Shifted geometric mean time (s, shift [`TIME_SHIFT_S`]) over returned answers.
    pub time_sgm_s: Option<f64>,
    /// Proven optimal answers (exact solvers only).
    pub proven_optimal: Option<usize>,
    /// Answers stopped by the time limit.
    pub time_limits: usize,
}

/// Per-instance gaps, the input of the plots.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InstanceGaps {
    /// Instance name.
    pub instance: String,
    /// Its reference.
    pub reference: Option<Reference>,
    /// Per solver (in the table's order): gap (None: no feasible answer or no
    /// reference) and time (None: error).
    pub per_solver: Vec<(Option<f64>, Option<f64>)>,
}

/// The whole table: rows, per-instance gaps and the warnings met on the way.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GapTable {
    /// Solvers, in column order.
    pub solvers: Vec<String>,
    /// One row per (class, solver), classes in (N, M, regime) order.
    pub rows: Vec<Row>,
    /// Per instance, in file order.
    pub instances: Vec<InstanceGaps>,
    /// Bugs exposed (proven optima disagreeing, objectives below an optimum).
    pub warnings: Vec<String>,
}

/// Builds the table from one record per (instance, solver): `records` are grouped by
/// instance hash (first-seen order), `solvers` fixes the column order, and `known`
/// maps instance names to values known beforehand.
#[must_use]
pub fn summarize(
    records: &[Record],
    solvers: &[String],
    known: &BTreeMap<String, Known>,
) -> GapTable {
    let mut order: Vec<&str> = Vec::new();
    let mut by_inst: BTreeMap<&str, Vec<&Record>> = BTreeMap::new();
    for r in records {
        let e = by_inst.entry(r.instance_hash.as_str()).or_default();
        if e.is_empty() {
            order.push(&r.instance_hash);
        }
        e.push(r);
    }
    let mut warnings = Vec::new();
    let mut instances = Vec::new();
    let mut classes: BTreeMap<ClassKey, Vec<usize>> = BTreeMap::new();
    for h in order {
        let recs = &by_inst[h];
        let (reference, w) = reference(recs, known.get(&recs[0].instance));
        warnings.extend(w);
        if let Some(Reference {
            value: opt,
            kind: RefKind::Optimum,
        }) = reference
        {
            for r in recs {
                if let Some(v) = r.feasible_objective() {
                    if v < opt && !approx_eq(v, opt) {
                        warnings.push(format!(
                            "{}: {} objective {v} below the proven optimum {opt}",
                            r.instance, r.solver
                        ));
                    }
                }
            }
        }
        let per_solver = solvers
            .iter()
            .map(|s| {
                recs.iter()
                    .find(|r| &r.solver == s)
                    .map_or((None, None), |r| {
                        (
                            record_gap(r, reference),
                            r.error.is_none().then_some(r.elapsed_s),
                        )
                    })
            })
            .collect();
        classes
            .entry(ClassKey::of(recs[0]))
            .or_default()
            .push(instances.len());
        instances.push((
            recs.clone(),
            InstanceGaps {
                instance: recs[0].instance.clone(),
                reference,
                per_solver,
            },
        ));
    }
    let mut rows = Vec::new();
    for (class, members) in classes {
        let mut references = BTreeMap::new();
        for &k in &members {
            if let Some(r) = instances[k].1.reference {
                *references.entry(r.kind).or_insert(0) += 1;
            }
        }
        for (c, s) in solvers.iter().enumerate() {
            let recs: Vec<&Record> = members
                .iter()
                .filter_map(|&k| instances[k].0.iter().find(|r| &r.solver == s).copied())
                .collect();
            let gaps: Vec<f64> = members
                .iter()
                .filter_map(|&k| instances[k].1.per_solver[c].0)
                .collect();
            let times: Vec<f64> = members
                .iter()
                .filter_map(|&k| instances[k].1.per_solver[c].1)
                .collect();
            let exact = recs.iter().any(|r| r.exact);
            rows.push(Row {
                class: class.clone(),
                instances: members.len(),
                references: references.clone(),
                solver: s.clone(),
                exact,
                solved: recs.iter().filter(|r| r.feasible).count(),
                failed: recs.iter().filter(|r| !r.feasible && !r.refused).count()
                    + (members.len() - recs.len()),
                refused: recs.iter().filter(|r| r.refused).count(),
                gaps: GapStats::of(&gaps),
                time_sgm_s: shifted_geomean(&times, TIME_SHIFT_S),
                proven_optimal: exact.then(|| {
                    recs.iter()
                        .filter(|r| r.proven_optimal && r.feasible)
                        .count()
                }),
                time_limits: recs
                    .iter()
                    .filter(|r| r.status == Some(Status::TimeLimit))
                    .count(),
            });
        }
    }
    GapTable {
        solvers: solvers.to_vec(),
        rows,
        instances: instances.into_iter().map(|(_, g)| g).collect(),
        warnings,
    }
}

#[cfg(test)]
mod tests;
