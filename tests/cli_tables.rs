//! `table`, `scaling` and `adversarial` from the command line: outputs, the results
//! file across reruns, and bad flags.

mod common;
use common::{run, text};

#[test]
fn table_resumes_from_its_results_file() {
    let dir = tempfile::tempdir().unwrap();
    let results = dir.path().join("r.csv");
    let r = results.to_str().unwrap();
    let args = [
        "table",
        "adversarial",
        "-a",
        "goa,all-local",
        "--jobs",
        "2",
        "-r",
        r,
    ];
    let first = run(&args);
    assert!(first.status.success(), "{}", text(&first.stderr));
    let md = text(&first.stdout);
    assert!(md.contains("gap = (objective - reference)"), "{md}");
    assert_eq!(md.lines().filter(|l| l.contains(" goa |")).count(), 4);
    // Header plus one row per (instance, solver).
    assert_eq!(
        std::fs::read_to_string(&results).unwrap().lines().count(),
        1 + 8
    );
    let second = run(&args);
    assert!(text(&second.stderr).contains("resumed: 8 solves taken from the results file, 0 run"));
    assert_eq!(text(&second.stdout), md.replace("\r", ""));
    assert_eq!(
        std::fs::read_to_string(&results).unwrap().lines().count(),
        1 + 8
    );
    let csv = run(&[
        "table",
        "adversarial",
        "-a",
        "goa",
        "-r",
        r,
        "--format",
        "csv",
    ]);
    assert!(text(&csv.stdout).starts_with("users,servers,interference"));
    let json = run(&[
        "table",
        "adversarial",
        "-a",
        "goa",
        "-r",
        r,
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["rows"].as_array().unwrap().len(), 4);
}

#[test]
fn table_writes_plots_and_optima() {
    let dir = tempfile::tempdir().unwrap();
    let optima = dir.path().join("o.csv");
    let plots = dir.path().join("plots");
    let o = run(&[
        "table",
        "instances/adversarial/regret-n2-m2.json",
        "-a",
        "goa",
        "--write-optima",
        optima.to_str().unwrap(),
        "--plots",
        plots.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    for f in [
        "gap-share.svg",
        "gap-share.png",
        "time-profile.svg",
        "time-profile.png",
    ] {
        assert!(plots.join(f).exists(), "{f}");
    }
    let rows = llm_offload::study::optima::load(&optima).unwrap();
    assert_eq!(rows.len(), 1);
    assert!(!rows[0].optimal && (rows[0].best_known - 0.110).abs() < 1e-5);
}

#[test]
fn bad_flags_are_errors() {
    // Bad usage exits 2 (README); a missing input is an error (1).
    for (args, code) in [
        (vec!["table", "adversarial", "--time-limit", "0"], 2),
        (vec!["table", "adversarial", "-a", "nope"], 2),
        (vec!["table", "no-such-dir"], 1),
        (vec!["scaling", "-a", "goa", "--seeds", "0"], 2),
        (vec!["adversarial", "congestion", "--ratio", "4"], 2),
    ] {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(code), "{args:?}: {}", text(&o.stderr));
        assert!(text(&o.stderr).starts_with("error: "), "{args:?}");
    }
}

#[test]
fn scaling_prints_a_fit_and_writes_files() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(&[
        "scaling",
        "-a",
        "all-local",
        "-n",
        "5,10,20",
        "-m",
        "2",
        "--seeds",
        "2",
        "-o",
        dir.path().to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("exponent of N"));
    let csv = std::fs::read_to_string(dir.path().join("scaling-all-local.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 6);
    assert!(dir.path().join("scaling-all-local.png").exists());
}

#[test]
fn table_prints_long_csv_and_latex_and_compare_prints_latex() {
    let long = run(&[
        "table",
        "tiny",
        "-a",
        "goa,exhaustive",
        "--format",
        "long-csv",
    ]);
    assert!(long.status.success(), "{}", text(&long.stderr));
    let csv = text(&long.stdout);
    let header = csv.lines().next().unwrap();
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
        assert!(header.split(',').any(|h| h == col), "{col} in {header}");
    }
    let instances = std::fs::read_dir("instances/tiny")
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "json")
        })
        .count();
    assert_eq!(csv.lines().count(), 1 + 2 * instances);
    let tex = run(&["table", "tiny", "-a", "goa,exhaustive", "--format", "latex"]);
    assert!(tex.status.success(), "{}", text(&tex.stderr));
    let tex = text(&tex.stdout);
    llm_offload::report::latex::check_well_formed(&tex).unwrap();
    assert!(tex.contains("$^{\\dagger}$") && tex.contains("\\textbf{"));
    let cmp = run(&[
        "compare",
        "instances/tiny",
        "-a",
        "goa,exhaustive",
        "--format",
        "latex",
    ]);
    assert!(cmp.status.success(), "{}", text(&cmp.stderr));
    let cmp = text(&cmp.stdout);
    llm_offload::report::latex::check_well_formed(&cmp).unwrap();
    assert_eq!(cmp.matches("\\begin{table}").count(), instances);
}

#[test]
fn sweep_per_run_writes_the_runs_behind_the_means() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(&[
        "sweep",
        "--users",
        "5,8",
        "--tau",
        "0.5,1.0",
        "--runs",
        "3",
        "--per-run",
        "--no-plots",
        "-o",
        dir.path().to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let runs = std::fs::read_to_string(dir.path().join("runs.csv")).unwrap();
    assert!(runs.starts_with("users,run,seed,tau,algorithm,"));
    // 2 sizes x 3 runs x 2 taus x 5 default solvers, plus the header.
    assert_eq!(runs.lines().count(), 1 + 2 * 3 * 2 * 5);
    let bad = run(&[
        "sweep",
        "--users",
        "5",
        "--runs",
        "1",
        "--dpi",
        "5",
        "-o",
        dir.path().to_str().unwrap(),
    ]);
    assert!(!bad.status.success());
    assert!(text(&bad.stderr).contains("dpi"), "{}", text(&bad.stderr));
}
