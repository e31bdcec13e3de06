//! The gap table for papers and data frames: the long ("tidy") CSV, one row per
//! (instance, solver) solve, and the LaTeX (booktabs) tables of mean gaps and times
//! per class.

use std::collections::HashMap;

use serde::Serialize;

use crate::report::latex::{self, bold_best, escape, Cell};
use crate::solver::{Status, GAP_DEFINITION};
use crate::study::gaps::{record_gap, ClassKey, GapTable, Record, RefKind, Row, TIME_SHIFT_S};

#[derive(Serialize)]
struct LongRow<'a> {
    instance: &'a str,
    file: &'a str,
    class: String,
    users: usize,
    servers: usize,
    interference: bool,
    variants: bool,
    solver: &'a str,
    exact: bool,
    objective: Option<f64>,
    bound: Option<f64>,
    reference: Option<f64>,
    reference_kind: Option<RefKind>,
    gap: Option<f64>,
    time_s: f64,
    status: Option<Status>,
    feasible: bool,
    proven_optimal: bool,
    refused: bool,
    error: Option<&'a str>,
    seed: u64,
    time_limit_s: Option<f64>,
}

/// The class label of a record, as the Markdown table prints it: `N=8 M=2
/// interference off`.
#[must_use]
pub fn class_label(c: &ClassKey) -> String {
    format!("N={} M={} {}", c.users, c.servers, c.regime())
}

/// The long CSV: one row per record (instance x solver, in `records`' order) with
/// the instance's class, the solve's objective (empty when infeasible or an error),
/// the instance's reference and its kind (`optimum`, `bound`, `best_known`), the gap
/// as a fraction (the Markdown table's gaps are these times 100), wall time, status
/// and feasibility. `t` must be the [`crate::study::gaps::summarize`] of `records`.
///
/// # Panics
/// Never in practice: every row serialises into memory.
#[must_use]
pub fn long_csv(records: &[Record], t: &GapTable) -> String {
    let mut index: HashMap<&str, usize> = HashMap::new();
    for r in records {
        let n = index.len();
        index.entry(r.instance_hash.as_str()).or_insert(n);
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in records {
        let reference = t
            .instances
            .get(index[r.instance_hash.as_str()])
            .and_then(|i| i.reference);
        w.serialize(LongRow {
            instance: &r.instance,
            file: &r.file,
            class: class_label(&ClassKey::of(r)),
            users: r.users,
            servers: r.servers,
            interference: r.interference,
            variants: r.variants,
            solver: &r.solver,
            exact: r.exact,
            objective: r.feasible_objective(),
            bound: r.bound,
            reference: reference.map(|x| x.value),
            reference_kind: reference.map(|x| x.kind),
            gap: record_gap(r, reference),
            time_s: r.elapsed_s,
            status: r.status,
            feasible: r.feasible,
            proven_optimal: r.proven_optimal,
            refused: r.refused,
            error: r.error.as_deref(),
            seed: r.seed,
            time_limit_s: r.time_limit_s,
        })
        .expect("rows serialise");
    }
    String::from_utf8(w.into_inner().expect("in-memory writer")).expect("CSV is UTF-8")
}

fn refs(row: &Row) -> String {
    super::reference_counts(row, [" opt", "$^{*}$", "$^{\\sim}$"])
}

/// Instances of the row without a gap (refused, failed, or no reference).
fn missing(r: &Row) -> usize {
    r.instances - r.gaps.map_or(0, |g| g.count)
}

fn gap_cell(r: &Row) -> (Cell, Option<f64>) {
    let Some(g) = r.gaps else {
        let what = if r.refused == r.instances {
            "refused"
        } else if r.failed == r.instances {
            "failed"
        } else {
            "--"
        };
        return (Cell::raw(what), None);
    };
    let mut text = format!("{:.3}", 100.0 * g.mean);
    if r.proven_optimal == Some(r.instances) && r.instances > 0 {
        text.push_str("$^{\\dagger}$");
    }
    let miss = missing(r);
    if miss > 0 {
        text.push_str(&format!("\\textsuperscript{{({miss})}}"));
    }
    // Only means over every instance of the row compete for the best.
    (Cell::raw(text), (miss == 0).then_some(g.mean))
}

fn time_cell(r: &Row) -> (Cell, Option<f64>) {
    let Some(t) = r.time_sgm_s else {
        return (Cell::raw("--"), None);
    };
    let mut text = format!("{:.3}", 1e3 * t);
    if r.time_limits > 0 {
        text.push_str(&format!("\\textsuperscript{{TL {}}}", r.time_limits));
    }
    (Cell::raw(text), Some(t))
}

fn class_table(
    t: &GapTable,
    caption: String,
    label: &str,
    cell: &dyn Fn(&Row) -> (Cell, Option<f64>),
    notes: Vec<String>,
) -> latex::Table {
    let mut classes: Vec<&ClassKey> = Vec::new();
    for r in &t.rows {
        if !classes.contains(&&r.class) {
            classes.push(&r.class);
        }
    }
    let mut header: Vec<String> = ["$N$", "$M$", "regime", "inst.", "ref."]
        .map(String::from)
        .to_vec();
    header.extend(t.solvers.iter().map(|s| escape(s)));
    let rows = classes
        .iter()
        .map(|&c| {
            let of_class: Vec<&Row> = t.rows.iter().filter(|r| &r.class == c).collect();
            let first = of_class[0];
            let mut cells = vec![
                Cell::raw(c.users.to_string()),
                Cell::raw(c.servers.to_string()),
                Cell::plain(&c.regime().replace("interference ", "interf. ")),
                Cell::raw(first.instances.to_string()),
                Cell::raw(refs(first)),
            ];
            let (mut sc, vals): (Vec<Cell>, Vec<Option<f64>>) = t
                .solvers
                .iter()
                .map(|s| {
                    of_class
                        .iter()
                        .find(|r| &r.solver == s)
                        .map_or((Cell::raw("--"), None), |r| cell(r))
                })
                .unzip();
            bold_best(&mut sc, &vals, false);
            cells.extend(sc);
            Some(cells)
        })
        .collect();
    latex::Table {
        caption,
        label: label.into(),
        align: format!("rrlrl{}", "r".repeat(t.solvers.len())),
        header,
        rows,
        notes,
        fit_width: t.solvers.len() > 4,
    }
}

/// The gap table as LaTeX: two booktabs tables, one row per instance class and one
/// column per solver, of the mean gap (%) and of the shifted geometric mean time
/// (ms). Captions state the gap definition and the time measure; the best value of
/// each row is bold (among means over every instance of the row); `†` marks a solver
/// that proved every instance of the row optimal; a superscript `(k)` counts the
/// row's instances without a gap (refused, failed or without a reference); `TL k` the
/// solves stopped by the time limit. Needs `\usepackage{booktabs}` (and, with more
/// than four solvers, `\usepackage{graphicx}`: the tabular is scaled down to the line
/// width when wider).
#[must_use]
pub fn latex(t: &GapTable, time_limit_s: Option<f64>) -> String {
    let ref_note = "ref.: instances per reference kind: opt = proven optimum; $^{*}$ = best \
                    proven bound (the gap is an upper bound of the true gap); $^{\\sim}$ = \
                    best objective found (a lower bound of the true gap)."
        .to_string();
    let limit = time_limit_s.map_or_else(|| "none".into(), |s| format!("{s} s"));
    let gaps = class_table(
        t,
        format!(
            "Mean optimality gap (\\%) per instance class. {}. Bold: best of the row; \
             $^{{\\dagger}}$: every instance of the row proven optimal by the solver; \
             $^{{(k)}}$: $k$ instances without a gap (refused, failed or no reference).",
            escape(GAP_DEFINITION)
        ),
        "tab:gaps",
        &gap_cell,
        vec![ref_note.clone()],
    );
    let times = class_table(
        t,
        format!(
            "Solve time per instance class: shifted geometric mean of the wall time per \
             solve (ms, shift {} ms); time limit per solve: {}. Bold: fastest of the row; \
             $^{{\\mathrm{{TL}}\\,k}}$: $k$ solves stopped by the time limit.",
            1e3 * TIME_SHIFT_S,
            escape(&limit)
        ),
        "tab:times",
        &time_cell,
        vec![ref_note],
    );
    let mut s = latex::render(&gaps);
    s.push('\n');
    s.push_str(&latex::render(&times));
    s
}

#[cfg(test)]
mod tests;
