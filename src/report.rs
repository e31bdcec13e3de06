//! Text reports of outcomes: one solver's answer, and the side-by-side comparison of
//! several solvers on one instance.

use comfy_table::presets::ASCII_MARKDOWN;
use comfy_table::{Cell, CellAlignment, Table};

use crate::solver::{relative_gap, Outcome, GAP_DEFINITION};

/// Formats an optional number with `digits` decimals, `-` when absent.
#[must_use]
pub fn opt(x: Option<f64>, digits: usize) -> String {
    x.map_or_else(|| "-".to_string(), |v| format!("{v:.digits$}"))
}

/// A Markdown table with right-aligned numeric columns (all but the first).
#[must_use]
pub fn markdown_table(header: &[&str], rows: Vec<Vec<String>>) -> Table {
    let mut t = Table::new();
    t.load_preset(ASCII_MARKDOWN).set_header(header.to_vec());
    for row in rows {
        t.add_row(row.into_iter().enumerate().map(|(k, s)| {
            let c = Cell::new(s);
            if k == 0 {
                c
            } else {
                c.set_alignment(CellAlignment::Right)
            }
        }));
    }
    t
}

/// A human-readable report of one outcome.
#[must_use]
pub fn outcome_text(o: &Outcome) -> String {
    let e = &o.evaluation;
    let mut s = String::new();
    let mut line = |k: &str, v: String| s.push_str(&format!("{k:<18} {v}\n"));
    line("instance", o.instance.clone());
    line("algorithm", o.algorithm.clone());
    line("status", format!("{:?}", o.status).to_lowercase());
    line("objective", format!("{:.9}", o.objective));
    if let Some(b) = o.bound {
        let kind = o.bound_kind.clone().unwrap_or_default();
        line("bound", format!("{b:.9} ({kind})"));
        line("proven optimal", o.proven_optimal.to_string());
    }
    line(
        "feasible",
        if e.feasible() {
            "yes".into()
        } else {
            format!(
                "NO: {}",
                e.violations
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        },
    );
    line(
        "mean delay (ms)",
        format!(
            "{:.3} (comm {:.3}, comp {:.3}, local {:.3})",
            1e3 * e.mean_delay_s,
            1e3 * e.mean_comm_s,
            1e3 * e.mean_comp_s,
            1e3 * e.mean_local_s
        ),
    );
    line("accuracy", opt(e.accuracy, 4));
    line("offloaded", format!("{} of {}", e.offloaded, e.users.len()));
    line("loads", format!("{:?}", e.loads));
    line("tokens/s", opt(e.token_throughput, 1));
    if e.mean_perplexity.is_some() {
        line("mean perplexity", opt(e.mean_perplexity, 3));
    }
    line("time (ms)", format!("{:.3}", 1e3 * o.elapsed_s));
    if let Some(seed) = o.seed {
        line("seed", seed.to_string());
    }
    s
}

/// Side-by-side comparison of outcomes on one instance. When `reference` (a proven
/// optimum) is given, a gap column is added and the gap definition printed above.
#[must_use]
pub fn comparison(outcomes: &[Outcome], reference: Option<f64>) -> String {
    let mut header = vec!["solver", "objective"];
    if reference.is_some() {
        header.push("gap %");
    }
    header.extend(["accuracy", "mean delay ms", "tokens/s"]);
    let with_ppl = outcomes
        .iter()
        .any(|o| o.evaluation.mean_perplexity.is_some());
    if with_ppl {
        header.push("perplexity");
    }
    header.extend(["offloaded", "feasible", "time ms"]);
    let rows = outcomes
        .iter()
        .map(|o| {
            let e = &o.evaluation;
            let mut r = vec![o.algorithm.clone(), format!("{:.6}", o.objective)];
            if let Some(opt_val) = reference {
                // An answer outside (P) (a baseline that ignores tau) has no gap to
                // (P)'s optimum: its objective may even be below it.
                r.push(if e.feasible() {
                    format!("{:.3}", 100.0 * relative_gap(o.objective, opt_val))
                } else {
                    "infeasible for (P)".into()
                });
            }
            r.extend([
                opt(e.accuracy, 4),
                format!("{:.3}", 1e3 * e.mean_delay_s),
                opt(e.token_throughput, 1),
            ]);
            if with_ppl {
                r.push(opt(e.mean_perplexity, 3));
            }
            r.extend([
                e.offloaded.to_string(),
                if e.feasible() {
                    "yes".into()
                } else {
                    format!(
                        "NO: infeasible for (P), {} violation(s)",
                        e.violations.len()
                    )
                },
                format!("{:.3}", 1e3 * o.elapsed_s),
            ]);
            r
        })
        .collect();
    let mut s = String::new();
    if reference.is_some() {
        s.push_str(&format!("{GAP_DEFINITION}\n"));
    }
    s.push_str(&markdown_table(&header, rows).to_string());
    s.push('\n');
    s
}
