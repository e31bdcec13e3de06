//! The MIP of [`super::formulate`] as a file other solvers read: CPLEX LP format or
//! free MPS, with readable names (`y_s1_k4`, `z_i3_s1_v0_k4`, `user_i3`, ...).
//!
//! Both formats minimise; `y` columns are binary, `z` and `l` continuous in \[0,1\].
//! HiGHS, SCIP, CBC and Gurobi read both. Numbers are written in Rust's shortest
//! round-trip form, so the file reproduces the costs bit for bit.

use std::fmt::Write as _;

use super::{Formulation, Sense};

/// File formats of [`write`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// CPLEX LP format (`.lp`).
    Lp,
    /// Free-format MPS (`.mps`).
    Mps,
}

/// The formulation as text in `format`; `title` goes into a comment (LP) or the
/// `NAME` line (MPS, spaces replaced by `_`).
#[must_use]
pub fn write(f: &Formulation, format: Format, title: &str) -> String {
    match format {
        Format::Lp => lp(f, title),
        Format::Mps => mps(f, title),
    }
}

fn num(x: f64) -> String {
    format!("{x:e}")
}

/// Appends `+ a name` terms, at most 4 per line.
fn terms(out: &mut String, items: impl Iterator<Item = (f64, String)>) {
    let mut any = false;
    for (k, (a, name)) in items.enumerate() {
        if k > 0 && k % 4 == 0 {
            out.push_str("\n   ");
        }
        let sign = if a < 0.0 { '-' } else { '+' };
        let _ = write!(out, " {sign} {} {name}", num(a.abs()));
        any = true;
    }
    if !any {
        // Only an all-zero objective gets here; `y_s0_k0` exists in every model.
        out.push_str(" 0 y_s0_k0");
    }
}

fn lp(f: &Formulation, title: &str) -> String {
    let names: Vec<String> = f.vars.iter().map(super::Var::name).collect();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\\ {title}: llm-offload MIP (SPEC 5), {} columns ({} binary), {} rows{}",
        f.vars.len(),
        f.n_integer(),
        f.rows.len(),
        if f.relaxation {
            "; interference-free relaxation of an instance with interference"
        } else {
            ""
        }
    );
    out.push_str("Minimize\n obj:");
    terms(
        &mut out,
        f.cost
            .iter()
            .zip(&names)
            .filter(|(&c, _)| c != 0.0)
            .map(|(&c, n)| (c, n.clone())),
    );
    out.push_str("\nSubject To\n");
    for row in &f.rows {
        let _ = write!(out, " {}:", row.name(&f.vars));
        terms(
            &mut out,
            row.terms.iter().map(|&(c, a)| (a, names[c].clone())),
        );
        let op = match row.sense {
            Sense::Eq => "=",
            Sense::Le => "<=",
        };
        let _ = writeln!(out, " {op} {}", num(row.rhs));
    }
    out.push_str("Bounds\n");
    for (v, n) in f.vars.iter().zip(&names) {
        if !v.is_integer() {
            let _ = writeln!(out, " 0 <= {n} <= 1");
        }
    }
    out.push_str("Binaries\n");
    for (v, n) in f.vars.iter().zip(&names) {
        if v.is_integer() {
            let _ = writeln!(out, " {n}");
        }
    }
    out.push_str("End\n");
    out
}

fn mps(f: &Formulation, title: &str) -> String {
    let names: Vec<String> = f.vars.iter().map(super::Var::name).collect();
    let row_names: Vec<String> = f.rows.iter().map(|r| r.name(&f.vars)).collect();
    // Column-wise entries.
    let mut by_col: Vec<Vec<(usize, f64)>> = vec![Vec::new(); f.vars.len()];
    for (r, row) in f.rows.iter().enumerate() {
        for &(c, a) in &row.terms {
            by_col[c].push((r, a));
        }
    }
    let mut out = String::new();
    let _ = writeln!(out, "NAME {}", title.replace(char::is_whitespace, "_"));
    out.push_str("ROWS\n N obj\n");
    for (row, name) in f.rows.iter().zip(&row_names) {
        let s = match row.sense {
            Sense::Eq => 'E',
            Sense::Le => 'L',
        };
        let _ = writeln!(out, " {s} {name}");
    }
    out.push_str("COLUMNS\n");
    let mut in_int = false;
    for (c, (v, name)) in f.vars.iter().zip(&names).enumerate() {
        if v.is_integer() != in_int {
            in_int = v.is_integer();
            let marker = if in_int { "INTORG" } else { "INTEND" };
            let _ = writeln!(out, " MARKER 'MARKER' '{marker}'");
        }
        if f.cost[c] != 0.0 {
            let _ = writeln!(out, " {name} obj {}", num(f.cost[c]));
        }
        for &(r, a) in &by_col[c] {
            let _ = writeln!(out, " {name} {} {}", row_names[r], num(a));
        }
    }
    if in_int {
        out.push_str(" MARKER 'MARKER' 'INTEND'\n");
    }
    out.push_str("RHS\n");
    for (row, name) in f.rows.iter().zip(&row_names) {
        if row.rhs != 0.0 {
            let _ = writeln!(out, " rhs {name} {}", num(row.rhs));
        }
    }
    out.push_str("BOUNDS\n");
    for (v, name) in f.vars.iter().zip(&names) {
        let kind = if v.is_integer() { "BV" } else { "UP" };
        if v.is_integer() {
            let _ = writeln!(out, " {kind} bnd {name}");
        } else {
            let _ = writeln!(out, " {kind} bnd {name} 1");
        }
    }
    out.push_str("ENDATA\n");
    out
}
