//! Text reports of outcomes: one solver's answer, and the side-by-side comparison of
//! several solvers on one instance (Markdown, or LaTeX through [`latex`]).

use comfy_table::presets::ASCII_MARKDOWN;
use comfy_table::{Cell, CellAlignment, Table};

use crate::solver::{relative_gap, BoundKind, Outcome, GAP_DEFINITION};

pub mod latex;

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
    let e = &o.evaluation();
    let mut s = String::new();
    let mut line = |k: &str, v: String| s.push_str(&format!("{k:<18} {v}\n"));
    line("instance", o.instance().to_string());
    line("algorithm", o.algorithm().to_string());
    line("status", o.status().to_string());
    line("objective", format!("{:.9}", o.objective()));
    if let Some(b) = o.bound_value() {
        let kind = o.bound_kind().map_or("", BoundKind::as_str);
        line("bound", format!("{b:.9} ({kind})"));
        line("proven optimal", o.proven_optimal().to_string());
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
    line("time (ms)", format!("{:.3}", 1e3 * o.elapsed_s()));
    if let Some(seed) = o.seed() {
        line("seed", seed.to_string());
    }
    s
}

/// Side-by-side comparison of outcomes on one instance. When `reference` (the value
/// [`crate::study::gaps::reference`] chose: a proven optimum, a bound or the best known) is
/// given, a gap column is added and the gap definition printed above.
#[must_use]
pub fn comparison(outcomes: &[Outcome], reference: Option<f64>) -> String {
    let mut header = vec!["solver", "objective"];
    if reference.is_some() {
        header.push("gap %");
    }
    header.extend(["accuracy", "mean delay ms", "tokens/s"]);
    let with_ppl = outcomes
        .iter()
        .any(|o| o.evaluation().mean_perplexity.is_some());
    if with_ppl {
        header.push("perplexity");
    }
    header.extend(["offloaded", "feasible", "time ms"]);
    let rows = outcomes
        .iter()
        .map(|o| {
            let e = &o.evaluation();
            let mut r = vec![o.algorithm().to_string(), format!("{:.6}", o.objective())];
            if let Some(opt_val) = reference {
                // An answer outside (P) (a baseline that ignores tau) has no gap to
                // (P)'s optimum: its objective may even be below it.
                r.push(if e.feasible() {
                    format!("{:.3}", 100.0 * relative_gap(o.objective(), opt_val))
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
                format!("{:.3}", 1e3 * o.elapsed_s()),
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

/// The comparison of `outcomes` on instance `title` as a LaTeX (booktabs) table: one
/// row per solver with objective, gap (%) to `reference` (when given; `reference_note`
/// says what it is, e.g. "proven optimum"), accuracy, mean delay and time. The
/// caption states the gap definition; the best value of each column is bold (lowest
/// objective, gap, delay and time among feasible answers; highest accuracy); `†`
/// marks a proven optimal answer. Needs `\usepackage{booktabs}`.
#[must_use]
pub fn comparison_latex(
    title: &str,
    outcomes: &[Outcome],
    reference: Option<f64>,
    reference_note: &str,
) -> String {
    use latex::{bold_best, escape, Cell};
    let mut header: Vec<String> = vec!["solver".into(), "objective".into()];
    if reference.is_some() {
        header.push("gap (\\%)".into());
    }
    header.extend(["accuracy", "delay (ms)", "time (ms)", "feasible"].map(String::from));
    let feasible = |o: &Outcome| o.evaluation().feasible();
    let col = |f: &dyn Fn(&Outcome) -> Option<f64>| -> Vec<Option<f64>> {
        outcomes
            .iter()
            .map(|o| if feasible(o) { f(o) } else { None })
            .collect()
    };
    let mut columns: Vec<(Vec<Cell>, Vec<Option<f64>>, bool)> = Vec::new();
    let objective: Vec<Cell> = outcomes
        .iter()
        .map(|o| {
            let mark = if o.proven_optimal() {
                "$^{\\dagger}$"
            } else {
                ""
            };
            Cell::raw(format!("{:.6}{mark}", o.objective()))
        })
        .collect();
    columns.push((objective, col(&|o| Some(o.objective())), false));
    if let Some(r) = reference {
        columns.push((
            outcomes
                .iter()
                .map(|o| Cell::raw(format!("{:.3}", 100.0 * relative_gap(o.objective(), r))))
                .collect(),
            col(&|o| Some(relative_gap(o.objective(), r))),
            false,
        ));
    }
    columns.push((
        outcomes
            .iter()
            .map(|o| Cell::raw(opt(o.evaluation().accuracy, 4)))
            .collect(),
        col(&|o| o.evaluation().accuracy),
        true,
    ));
    columns.push((
        outcomes
            .iter()
            .map(|o| Cell::raw(format!("{:.3}", 1e3 * o.evaluation().mean_delay_s)))
            .collect(),
        col(&|o| Some(o.evaluation().mean_delay_s)),
        false,
    ));
    columns.push((
        outcomes
            .iter()
            .map(|o| Cell::raw(format!("{:.3}", 1e3 * o.elapsed_s())))
            .collect(),
        col(&|o| Some(o.elapsed_s())),
        false,
    ));
    for (cells, values, larger) in &mut columns {
        bold_best(cells, values, *larger);
    }
    let rows = outcomes
        .iter()
        .enumerate()
        .map(|(k, o)| {
            let mut r = vec![Cell::plain(o.algorithm())];
            r.extend(columns.iter().map(|c| c.0[k].clone()));
            r.push(Cell::raw(if feasible(o) { "yes" } else { "NO" }));
            Some(r)
        })
        .collect();
    let gap = if reference.is_some() {
        format!(
            " {}; here the reference is the {}.",
            escape(GAP_DEFINITION),
            escape(reference_note)
        )
    } else {
        " No reference (no optimum or bound was proven): no gaps.".into()
    };
    let align = format!("l{}c", "r".repeat(header.len() - 2));
    latex::render(&latex::Table {
        caption: format!(
            "Solvers on {}.{gap} Bold: best of the column among feasible answers; \
             $^{{\\dagger}}$: proven optimal.",
            escape(title)
        ),
        label: String::new(),
        align,
        header,
        rows,
        notes: Vec::new(),
        fit_width: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::solver::Limits;
    use crate::sources::generate::{generate, GenConfig};

    #[test]
    fn comparison_latex_is_booktabs_with_the_best_bold_and_optima_marked() {
        let inst = generate(&GenConfig {
            users: 5,
            servers: 2,
            seed: 3,
            ..GenConfig::default()
        })
        .unwrap();
        let outs: Vec<Outcome> = ["all-local", "goa", "exhaustive"]
            .iter()
            .map(|s| {
                crate::solvers::by_name(s)
                    .unwrap()
                    .solve(&inst, &Limits::default())
                    .unwrap()
            })
            .collect();
        let opt = outs[2].objective();
        let tex = comparison_latex("inst_1", &outs, Some(opt), "proven optimum");
        latex::check_well_formed(&tex).unwrap();
        assert!(tex.contains("inst\\_1") && tex.contains("proven optimum"));
        assert!(tex.contains(&latex::escape(GAP_DEFINITION)));
        let exhaustive = tex.lines().find(|l| l.starts_with("exhaustive")).unwrap();
        assert!(exhaustive.contains("$^{\\dagger}$"), "{exhaustive}");
        assert!(exhaustive.contains("\\textbf{0.000}"), "{exhaustive}");
        let rows: Vec<&str> = tex.lines().filter(|l| l.ends_with("\\\\")).collect();
        assert_eq!(rows.len(), 4);
        assert!(rows.iter().all(|r| r.matches(" & ").count() == 6));
    }
}
