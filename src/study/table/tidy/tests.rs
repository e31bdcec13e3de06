use std::collections::BTreeMap;

use serde::Deserialize;

use super::*;
use crate::report::latex::check_well_formed;
use crate::solver::Limits;
use crate::sources::generate::{generate, GenConfig};
use crate::study::gaps::summarize;
use crate::study::table::{markdown, run, PlannedInstance};

/// goa, all-local and exhaustive on N = 3..6, exhaustive refusing N >= 5.
fn sample() -> (Vec<Record>, GapTable) {
    let plan: Vec<PlannedInstance> = [3, 4, 5, 6, 4]
        .iter()
        .enumerate()
        .map(|(k, &n)| PlannedInstance {
            file: format!("n{n}-{k}.json"),
            instance: generate(&GenConfig {
                users: n,
                servers: 2,
                seed: k as u64,
                tau: 0.9,
                ..GenConfig::default()
            })
            .unwrap(),
        })
        .collect();
    let solvers: Vec<Box<dyn crate::solver::Solver>> = ["goa", "all-local", "exhaustive"]
        .iter()
        .map(|s| crate::solvers::by_name(s).unwrap())
        .collect();
    let limits = Limits {
        max_enumeration: 100,
        ..Limits::default()
    };
    let out = run(&plan, &solvers, &limits, 1, None, &|| {}).unwrap();
    let names: Vec<String> = solvers.iter().map(|s| s.name().to_string()).collect();
    let t = summarize(&out.records, &names, &BTreeMap::new());
    (out.records, t)
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Long {
    instance: String,
    class: String,
    solver: String,
    objective: Option<f64>,
    reference: Option<f64>,
    reference_kind: Option<RefKind>,
    gap: Option<f64>,
    time_s: f64,
    status: Option<Status>,
    feasible: bool,
    refused: bool,
}

#[test]
fn long_csv_round_trips_and_its_gaps_are_the_markdown_tables() {
    let (records, t) = sample();
    assert!(
        t.rows.iter().any(|r| r.refused > 0),
        "the sample has refusals"
    );
    let text = long_csv(&records, &t);
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
    for col in [
        "instance",
        "class",
        "solver",
        "objective",
        "reference",
        "reference_kind",
        "gap",
        "time_s",
        "status",
        "feasible",
    ] {
        assert!(header.iter().any(|h| h == col), "column {col}");
    }
    let rows: Vec<Long> = rd.deserialize().map(Result::unwrap).collect();
    assert_eq!(rows.len(), records.len());
    for (row, rec) in rows.iter().zip(&records) {
        assert_eq!((&row.instance, &row.solver), (&rec.instance, &rec.solver));
        assert_eq!(row.objective, rec.feasible_objective());
        if row.refused {
            assert!(row.objective.is_none() && row.status.is_none());
        }
        assert_eq!(
            row.gap.is_some(),
            row.objective.is_some() && row.reference.is_some()
        );
        if let (Some(g), Some(o), Some(r)) = (row.gap, row.objective, row.reference) {
            assert_eq!(g, crate::solver::relative_gap(o, r));
        }
        assert!(row.time_s >= 0.0 && row.feasible == rec.feasible);
        assert_eq!(row.reference_kind.is_some(), row.reference.is_some());
    }
    // Per (class, solver), the mean of the long rows' gaps is the Markdown table's.
    let md = markdown(&t, None);
    let lines: Vec<Vec<String>> = md
        .lines()
        .filter(|l| l.starts_with('|') && !l.starts_with("|-"))
        .map(|l| {
            l.trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_string())
                .collect()
        })
        .collect();
    let col = |name: &str| lines[0].iter().position(|c| c == name).unwrap();
    let (n, m, regime, solver, mean) = (
        col("N"),
        col("M"),
        col("regime"),
        col("solver"),
        col("mean"),
    );
    assert_eq!(lines.len() - 1, t.rows.len());
    for l in &lines[1..] {
        let class = format!("N={} M={} {}", l[n], l[m], l[regime]);
        let gaps: Vec<f64> = rows
            .iter()
            .filter(|r| r.class == class && r.solver == l[solver])
            .filter_map(|r| r.gap)
            .collect();
        let ours = if gaps.is_empty() {
            "-".to_string()
        } else {
            format!(
                "{:.3}",
                100.0 * gaps.iter().sum::<f64>() / gaps.len() as f64
            )
        };
        assert_eq!(ours, l[mean], "{class} {}", l[solver]);
    }
}

fn body_rows(tex: &str) -> Vec<&str> {
    tex.lines().filter(|l| l.ends_with("\\\\")).collect()
}

#[test]
fn latex_is_well_formed_booktabs_with_bold_best_and_marked_optima() {
    let (_, t) = sample();
    let tex = latex(&t, Some(2.0));
    check_well_formed(&tex).unwrap();
    assert_eq!(tex.matches("\\begin{table}").count(), 2);
    assert_eq!(tex.matches("\\toprule").count(), 2);
    assert!(tex.contains(&escape(GAP_DEFINITION)));
    assert!(tex.contains("\\textbf{"));
    // exhaustive proves N = 3 and N = 4, and refuses N = 5 and 6.
    assert!(tex.contains("0.000$^{\\dagger}$"), "{tex}");
    assert!(tex.contains("refused"));
    let cols = 5 + t.solvers.len();
    for row in body_rows(&tex) {
        assert_eq!(row.matches(" & ").count(), cols - 1, "{row}");
    }
    // Each gap row has exactly one best block of bold cells, and it is the smallest.
    for row in body_rows(&tex).iter().skip(1).take(4) {
        assert!(row.contains("\\textbf{"), "{row}");
    }
}

/// Compiles the tables where `pdflatex` is installed (it is not on the build
/// machine; the test then checks only that the document is well formed).
#[test]
fn latex_compiles_where_pdflatex_exists() {
    let (_, t) = sample();
    let doc = format!(
        "\\documentclass{{article}}\n\\usepackage{{booktabs}}\n\\usepackage{{graphicx}}\n\\begin{{document}}\n{}\\end{{document}}\n",
        latex(&t, None)
    );
    check_well_formed(&doc).unwrap();
    let Ok(status) = std::process::Command::new("pdflatex")
        .arg("--version")
        .output()
    else {
        eprintln!("pdflatex not found: compile step skipped");
        return;
    };
    assert!(status.status.success());
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.tex"), doc).unwrap();
    let out = std::process::Command::new("pdflatex")
        .args(["-interaction=nonstopmode", "-halt-on-error", "t.tex"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
