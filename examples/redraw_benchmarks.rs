//! Redraws BENCHMARKS.md's figures and writes its LaTeX and long-CSV tables from the
//! committed run's data, without solving anything again: the results file of the
//! `table` run (`docs/benchmarks/library-results.csv`) and the `scaling` CSVs
//! (`docs/benchmarks/scaling/scaling-<algo>.csv`).
//!
//! `cargo run --example redraw_benchmarks -- [DIR]` (DIR defaults to
//! `docs/benchmarks`). It writes `DIR/plots/{gap-share,time-profile}.{svg,png}`,
//! `DIR/scaling/scaling-<algo>.{svg,png}`, `DIR/library.tex` and
//! `DIR/library-long.csv`. A fresh run of the commands in BENCHMARKS.md writes the same
//! files (the table command with `--format latex` / `--format long-csv`), but solves
//! the instances again; this redraw keeps the figures those commands' tables describe.

use std::path::PathBuf;

use llm_offload::plot::RenderOptions;
use llm_offload::study::gaps::{summarize, Record};
use llm_offload::study::scaling::{self, Timing};
use llm_offload::study::{profiles, table};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "docs/benchmarks".into()),
    );
    let opts = RenderOptions::default();

    let results = dir.join("library-results.csv");
    let records: Vec<Record> = csv::Reader::from_path(&results)?
        .deserialize()
        .collect::<Result<_, _>>()?;
    let mut names: Vec<String> = Vec::new();
    for r in &records {
        if !names.contains(&r.solver) {
            names.push(r.solver.clone());
        }
    }
    let t = summarize(&records, &names, &Default::default());
    let tl = records.first().and_then(|r| r.time_limit_s);
    std::fs::create_dir_all(dir.join("plots"))?;
    for (plot, stem) in [
        (profiles::gap_share(&t), "gap-share"),
        (profiles::performance_profile(&t), "time-profile"),
    ] {
        for f in plot.save_with(&dir.join("plots").join(stem), &opts)? {
            println!("wrote {}", f.display());
        }
    }
    for (name, text) in [
        ("library.tex", table::latex(&t, tl)),
        ("library-long.csv", table::long_csv(&records, &t)),
    ] {
        std::fs::write(dir.join(name), text)?;
        println!("wrote {}", dir.join(name).display());
    }

    let mut csvs: Vec<PathBuf> = std::fs::read_dir(dir.join("scaling"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .collect();
    csvs.sort();
    for path in csvs {
        let algo = path
            .file_stem()
            .and_then(|s| s.to_str())
            .and_then(|s| s.strip_prefix("scaling-"))
            .ok_or("scaling CSVs are named scaling-<algo>.csv")?
            .to_string();
        let timings: Vec<Timing> = csv::Reader::from_path(&path)?
            .deserialize()
            .collect::<Result<_, _>>()?;
        let sizes = scaling::per_size(&timings);
        let ex = scaling::fit_exponents(&sizes).ok();
        for f in
            scaling::chart(&algo, &sizes, ex.as_ref()).save_with(&path.with_extension(""), &opts)?
        {
            println!("wrote {}", f.display());
        }
    }
    Ok(())
}
