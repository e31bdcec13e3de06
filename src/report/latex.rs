//! LaTeX tables in the booktabs style (`\toprule`, `\midrule`, `\bottomrule`; no
//! vertical rules), as `table` environments ready for `\input`. They need
//! `\usepackage{booktabs}` in the preamble, nothing else.

/// One cell: its text (already LaTeX) and whether it is set in bold.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Cell {
    /// LaTeX text of the cell.
    pub text: String,
    /// Set in bold (the best value of its row or column).
    pub bold: bool,
}

impl Cell {
    /// A plain cell from raw text (escaped).
    #[must_use]
    pub fn plain(s: &str) -> Self {
        Cell {
            text: escape(s),
            bold: false,
        }
    }
    /// A cell of LaTeX source, taken as it is.
    #[must_use]
    pub fn raw(s: impl Into<String>) -> Self {
        Cell {
            text: s.into(),
            bold: false,
        }
    }
}

/// A table: caption, label, column alignment (`l`, `r`, `c` per column), header,
/// body rows, and notes set under the table.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Table {
    /// Caption (LaTeX).
    pub caption: String,
    /// `\label` key (empty: none).
    pub label: String,
    /// One alignment letter per column.
    pub align: String,
    /// Header cells (LaTeX).
    pub header: Vec<String>,
    /// Body rows; a `None` row is a `\midrule` between groups.
    pub rows: Vec<Option<Vec<Cell>>>,
    /// Notes under the table (LaTeX), one paragraph each.
    pub notes: Vec<String>,
    /// Scale the tabular down to the line width when it is wider (`\resizebox`, needs
    /// `\usepackage{graphicx}`): for tables with many columns.
    pub fit_width: bool,
}

/// Escapes the characters LaTeX treats specially in text, and those the default
/// (OT1) font sets wrongly (`|`, `<`, `>`); non-ASCII symbols used in this crate's
/// labels become their LaTeX commands.
#[must_use]
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str(r"\textbackslash{}"),
            '&' | '%' | '$' | '#' | '_' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            '~' => out.push_str(r"\textasciitilde{}"),
            '^' => out.push_str(r"\textasciicircum{}"),
            '|' => out.push_str(r"\textbar{}"),
            '<' => out.push_str(r"\textless{}"),
            '>' => out.push_str(r"\textgreater{}"),
            '≤' => out.push_str(r"$\le$"),
            '≥' => out.push_str(r"$\ge$"),
            '±' => out.push_str(r"$\pm$"),
            _ => out.push(c),
        }
    }
    out
}

/// Renders `t` as a `table` environment with a `tabular` inside.
///
/// # Panics
/// When a row's cell count differs from the header's (a caller bug).
#[must_use]
pub fn render(t: &Table) -> String {
    let cols = t.header.len();
    assert_eq!(t.align.chars().count(), cols, "one alignment per column");
    let mut s = String::new();
    s.push_str(if t.fit_width {
        "% requires \\usepackage{booktabs} and \\usepackage{graphicx}\n"
    } else {
        "% requires \\usepackage{booktabs}\n"
    });
    s.push_str("\\begin{table}[htbp]\n\\centering\n\\small\n");
    s.push_str(&format!("\\caption{{{}}}\n", t.caption));
    if !t.label.is_empty() {
        s.push_str(&format!("\\label{{{}}}\n", t.label));
    }
    if t.fit_width {
        s.push_str("\\resizebox{\\ifdim\\width>\\linewidth\\linewidth\\else\\width\\fi}{!}{%\n");
    }
    s.push_str(&format!(
        "\\begin{{tabular}}{{@{{}}{}@{{}}}}\n\\toprule\n",
        t.align
    ));
    s.push_str(&t.header.join(" & "));
    s.push_str(" \\\\\n\\midrule\n");
    for row in &t.rows {
        match row {
            None => s.push_str("\\midrule\n"),
            Some(cells) => {
                assert_eq!(cells.len(), cols, "one cell per column");
                let texts: Vec<String> = cells
                    .iter()
                    .map(|c| {
                        if c.bold {
                            format!("\\textbf{{{}}}", c.text)
                        } else {
                            c.text.clone()
                        }
                    })
                    .collect();
                s.push_str(&texts.join(" & "));
                s.push_str(" \\\\\n");
            }
        }
    }
    s.push_str("\\bottomrule\n\\end{tabular}\n");
    if t.fit_width {
        s.push_str("}\n");
    }
    for n in &t.notes {
        s.push_str(&format!("\n\\par\\smallskip\\footnotesize {n}\n"));
    }
    s.push_str("\\end{table}\n");
    s
}

/// Marks the best of `values` in `cells` bold: the smallest (or largest when
/// `larger_is_better`), every value within the crate's tolerance of it
/// ([`crate::solver::approx_eq`]) included. `None` values take no part.
pub fn bold_best(cells: &mut [Cell], values: &[Option<f64>], larger_is_better: bool) {
    let best =
        values.iter().flatten().copied().reduce(
            |a, b| {
                if (b < a) != larger_is_better {
                    b
                } else {
                    a
                }
            },
        );
    if let Some(best) = best {
        for (c, v) in cells.iter_mut().zip(values) {
            if v.is_some_and(|v| crate::solver::approx_eq(v, best)) {
                c.bold = true;
            }
        }
    }
}

/// Checks what a LaTeX compiler would reject first, for tests and callers: braces
/// balanced (ignoring escaped ones), every `\begin{x}` closed by its `\end{x}` in
/// order, and the three booktabs rules present. Returns the first problem found.
///
/// # Errors
/// A message naming the problem.
pub fn check_well_formed(s: &str) -> std::result::Result<(), String> {
    let mut depth = 0i64;
    let mut prev_backslash = false;
    for (k, c) in s.chars().enumerate() {
        if !prev_backslash {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth < 0 {
                        return Err(format!("unbalanced '}}' at character {k}"));
                    }
                }
                _ => {}
            }
        }
        prev_backslash = c == '\\' && !prev_backslash;
    }
    if depth != 0 {
        return Err(format!("{depth} unclosed '{{'"));
    }
    let mut stack: Vec<&str> = Vec::new();
    let mut rest = s;
    while let Some(k) = rest.find(['\\']) {
        rest = &rest[k + 1..];
        for (cmd, open) in [("begin{", true), ("end{", false)] {
            if let Some(r) = rest.strip_prefix(cmd) {
                let Some(e) = r.find('}') else {
                    return Err(format!("\\{cmd} without '}}'"));
                };
                let env = &r[..e];
                if open {
                    stack.push(env);
                } else if stack.pop() != Some(env) {
                    return Err(format!("\\end{{{env}}} does not close the last \\begin"));
                }
            }
        }
    }
    if let Some(env) = stack.pop() {
        return Err(format!("\\begin{{{env}}} never ended"));
    }
    for rule in ["\\toprule", "\\midrule", "\\bottomrule"] {
        if !s.contains(rule) {
            return Err(format!("no {rule}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        let mut cells = vec![Cell::plain("a_1"), Cell::raw("1.5"), Cell::raw("0.5")];
        bold_best(&mut cells[1..], &[Some(1.5), Some(0.5)], false);
        Table {
            caption: escape("gap = |a - b| / |b| (100 %)"),
            label: "tab:x".into(),
            align: "lrr".into(),
            header: vec!["name".into(), "x".into(), "y".into()],
            rows: vec![
                Some(cells),
                None,
                Some(vec![Cell::plain("b"), Cell::raw("-"), Cell::raw("2")]),
            ],
            notes: vec!["note".into()],
            fit_width: true,
        }
    }

    #[test]
    fn renders_booktabs_and_bolds_the_best() {
        let s = render(&sample());
        check_well_formed(&s).unwrap();
        assert!(s.contains("a\\_1 & 1.5 & \\textbf{0.5} \\\\"), "{s}");
        assert!(s.contains("\\textbar{}a - b\\textbar{}"));
        assert!(s.contains("(100 \\%)"));
        assert_eq!(s.matches("\\midrule").count(), 2);
        assert!(s.contains("\\resizebox") && s.contains("graphicx"));
        let narrow = render(&Table {
            fit_width: false,
            ..sample()
        });
        check_well_formed(&narrow).unwrap();
        assert!(!narrow.contains("\\resizebox"));
    }

    #[test]
    fn the_checker_finds_what_latex_rejects() {
        assert!(check_well_formed("\\toprule\\midrule\\bottomrule{").is_err());
        assert!(check_well_formed("\\toprule\\midrule\\bottomrule}").is_err());
        assert!(check_well_formed(
            "\\begin{a}\\begin{b}\\end{a}\\end{b}\\toprule\\midrule\\bottomrule"
        )
        .is_err());
        assert!(check_well_formed("\\begin{a}\\toprule\\midrule\\bottomrule").is_err());
        assert!(check_well_formed("\\begin{a}\\{\\end{a}\\midrule\\bottomrule").is_err());
        assert!(check_well_formed("\\begin{a}\\{\\end{a}\\toprule\\midrule\\bottomrule").is_ok());
    }

    #[test]
    fn ties_are_all_bold_and_larger_can_be_better() {
        let mut c = vec![Cell::raw("1"), Cell::raw("1"), Cell::raw("2")];
        bold_best(&mut c, &[Some(1.0), Some(1.0), Some(2.0)], false);
        assert_eq!(
            c.iter().map(|c| c.bold).collect::<Vec<_>>(),
            [true, true, false]
        );
        let mut c = vec![Cell::raw("1"), Cell::raw("2"), Cell::raw("-")];
        bold_best(&mut c, &[Some(1.0), Some(2.0), None], true);
        assert_eq!(
            c.iter().map(|c| c.bold).collect::<Vec<_>>(),
            [false, true, false]
        );
    }
}
