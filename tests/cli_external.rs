//! Outside solvers (`--external`), imported solutions (`table --import`), shards
//! (`--shard K/N`) and `merge`, from the command line.

use std::path::{Path, PathBuf};

mod common;
use common::{run, text};

fn ok(args: &[&str]) -> String {
    let o = run(args);
    assert!(o.status.success(), "{args:?}: {}", text(&o.stderr));
    text(&o.stdout)
}

const GREEDY: &str = "py=python3 examples/external_greedy.py";
/// All users local, whatever the instance: infeasible where tau forces someone.
const ALL_LOCAL: &str = r#"local=python3 -c 'import json, sys; n = len(json.load(open(sys.argv[-1]))["users"]); print(json.dumps({"assignment": [None] * n, "objective": -1}))'"#;
const INSTANCE: &str = "instances/tiny/paper-n4-m2-s1.json";

/// The CSV rows (as maps) of `table --format csv` output.
fn csv_rows(csv: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut rd = csv::Reader::from_reader(csv.as_bytes());
    let h = rd.headers().unwrap().clone();
    rd.records()
        .map(|r| {
            h.iter()
                .zip(r.unwrap().iter())
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// The table's CSV with the measured-time column blanked.
fn without_times(csv: &str) -> String {
    let mut rd = csv::Reader::from_reader(csv.as_bytes());
    let h = rd.headers().unwrap().clone();
    let t = h.iter().position(|c| c == "time_sgm_s").unwrap();
    let mut out = String::new();
    for r in rd.records() {
        let r = r.unwrap();
        let cells: Vec<&str> = r
            .iter()
            .enumerate()
            .map(|(k, c)| if k == t { "" } else { c })
            .collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

#[test]
fn a_python_solver_enters_the_gap_table() {
    let csv = ok(&[
        "table",
        "tiny",
        "-a",
        "exhaustive,py",
        "--external",
        GREEDY,
        "--format",
        "csv",
        "-q",
    ]);
    let py: Vec<_> = csv_rows(&csv)
        .into_iter()
        .filter(|r| r["solver"] == "py")
        .collect();
    assert!(!py.is_empty(), "{csv}");
    for r in &py {
        // Every class has a proven optimum (exhaustive), and the script's feasible
        // answers have a gap to it.
        assert_eq!(r["ref_optimum"], r["instances"], "{r:?}");
        assert_eq!(r["solved"], r["instances"], "{r:?}");
        let gap: f64 = r["gap_mean"].parse().unwrap();
        assert!(gap >= 0.0, "{r:?}");
        assert!(!r["time_sgm_s"].is_empty(), "{r:?}");
    }
}

#[test]
fn failing_outside_solvers_are_recorded_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let results = dir.path().join("r.csv");
    let o = run(&[
        "table",
        INSTANCE,
        "-a",
        "goa,crash,badjson,local,slow",
        "--external",
        "crash=echo boom >&2; exit 3",
        "--external",
        "badjson=echo this is not json; :",
        "--external",
        ALL_LOCAL,
        "--external",
        "slow=sleep 20; :",
        "--time-limit",
        "0.5",
        "-r",
        results.to_str().unwrap(),
        "--format",
        "csv",
        "-q",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    for s in ["crash", "badjson", "slow"] {
        assert!(err.contains(&format!("by {s}:")), "{s}: {err}");
    }
    let rows = csv_rows(&text(&o.stdout));
    let row = |s: &str| rows.iter().find(|r| r["solver"] == s).unwrap().clone();
    assert_eq!(row("goa")["failed"], "0");
    for s in ["crash", "badjson", "local", "slow"] {
        assert_eq!(row(s)["failed"], "1", "{s}: {:?}", row(s));
        assert_eq!(row(s)["solved"], "0", "{s}");
        assert_eq!(
            row(s)["gap_count"],
            "",
            "{s}: an infeasible answer has no gap"
        );
    }
    let file = std::fs::read_to_string(&results).unwrap();
    let line = |s: &str| {
        file.lines()
            .find(|l| l.contains(&format!(",{s},")))
            .unwrap()
            .to_string()
    };
    assert!(
        line("crash").contains("exited with") && line("crash").contains("boom"),
        "{file}"
    );
    assert!(line("badjson").contains("not a solution JSON"), "{file}");
    assert!(line("slow").contains("time limit"), "{file}");
    // The infeasible answer is an answer: its row has the model's objective (not the
    // claimed -1) and says it is infeasible.
    let local = line("local");
    assert!(
        local.contains(",false,") && !local.contains(",-1,"),
        "{local}"
    );
}

#[test]
fn solve_runs_an_outside_solver_and_exits_with_its_failure() {
    let json = ok(&[
        "solve",
        INSTANCE,
        "-a",
        "py",
        "--external",
        GREEDY,
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["algorithm"], "py");
    assert_eq!(v["feasible"], true);
    assert_eq!(
        v["diagnostics"]["external"]["output"]["algorithm"],
        "external-greedy"
    );
    let o = run(&["solve", INSTANCE, "-a", "bad", "--external", "bad=exit 7"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("bad failed"),
        "{}",
        text(&o.stderr)
    );
    for clash in ["goa=true", "noequals", "a b=true"] {
        let o = run(&["solve", INSTANCE, "-a", "goa", "--external", clash]);
        assert_eq!(o.status.code(), Some(2), "{clash}: {}", text(&o.stderr));
        assert!(text(&o.stderr).contains("--external"), "{clash}");
    }
    let cmp = ok(&[
        "compare",
        INSTANCE,
        "-a",
        "exhaustive,py",
        "--external",
        GREEDY,
    ]);
    assert!(cmp.lines().any(|l| l.contains("py")), "{cmp}");
}

fn shard_files(dir: &Path, args: &[&str], n: usize) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for k in 1..=n {
        let f = dir.join(format!("shard-{k}.csv"));
        let shard = format!("{k}/{n}");
        let mut a = args.to_vec();
        a.extend(["--shard", &shard, "-r", f.to_str().unwrap(), "-q"]);
        let out = ok(&a);
        assert!(out.contains(&format!("shard {k}/{n}")), "{out}");
        files.push(f);
    }
    files
}

#[test]
fn merged_shards_give_the_unsharded_table() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["table", "tiny", "-a", "goa,exhaustive,all-local-tau,random"];
    let files = shard_files(dir.path(), &args, 3);
    let rows: usize = files
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap().lines().count() - 1)
        .sum();
    assert_eq!(rows, 10 * 4, "every solve in exactly one shard");
    let merged = dir.path().join("merged.csv");
    let mut m = vec!["merge"];
    m.extend(files.iter().map(|f| f.to_str().unwrap()));
    m.extend(["-o", merged.to_str().unwrap()]);
    ok(&m);
    // The same files in another order merge to the same bytes.
    let again = dir.path().join("again.csv");
    let mut m2 = vec!["merge"];
    m2.extend(files.iter().rev().map(|f| f.to_str().unwrap()));
    m2.extend(["-o", again.to_str().unwrap()]);
    ok(&m2);
    assert_eq!(
        std::fs::read(&merged).unwrap(),
        std::fs::read(&again).unwrap()
    );
    let mut from_merged = args.to_vec();
    from_merged.extend(["-r", merged.to_str().unwrap(), "--format", "csv"]);
    let o = run(&from_merged);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("resumed: 40 solves taken from the results file, 0 run"),
        "{}",
        text(&o.stderr)
    );
    let mut plain = args.to_vec();
    plain.extend(["--format", "csv", "-q"]);
    let unsharded = ok(&plain);
    assert_eq!(without_times(&text(&o.stdout)), without_times(&unsharded));
}

#[test]
fn merge_refuses_overlaps_and_other_files() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["table", "tiny", "-a", "goa"];
    let files = shard_files(dir.path(), &args, 2);
    let out = dir.path().join("m.csv");
    let f0 = files[0].to_str().unwrap();
    let o = run(&["merge", f0, f0, "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("overlapping shards"),
        "{}",
        text(&o.stderr)
    );
    assert!(!out.exists());
    let o = run(&["merge", f0, "Cargo.toml", "-o", out.to_str().unwrap()]);
    assert!(
        text(&o.stderr).contains("Cargo.toml:1"),
        "{}",
        text(&o.stderr)
    );
    // A shard cut short mid-row is refused until it is rerun (which resumes it).
    let cut = dir.path().join("cut.csv");
    let mut bytes = std::fs::read(&files[1]).unwrap();
    bytes.truncate(bytes.len() - 5);
    std::fs::write(&cut, bytes).unwrap();
    let o = run(&[
        "merge",
        f0,
        cut.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(
        text(&o.stderr).contains("incomplete"),
        "{}",
        text(&o.stderr)
    );
    for bad in [
        vec!["--shard", "0/2"],
        vec!["--shard", "3/2"],
        vec!["--shard", "x"],
    ] {
        let mut a = args.to_vec();
        a.extend(bad.iter().copied());
        a.extend(["-r", out.to_str().unwrap()]);
        let o = run(&a);
        assert_eq!(o.status.code(), Some(2), "{bad:?}");
        assert!(
            text(&o.stderr).contains("1 <= K <= N"),
            "{}",
            text(&o.stderr)
        );
    }
}

#[test]
fn imported_solutions_are_evaluated_and_bad_lines_refused() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.csv");
    std::fs::write(
        &good,
        "instance,solver,assignment,elapsed_s,note\n\
         paper-n4-m2-s1,theirs,\"[0,1,0,1]\",0.5,x\n\
         paper-n4-m2-s1,zeros,\"[null,null,null,null]\",0.1,y\n",
    )
    .unwrap();
    let jsonl = dir.path().join("good.jsonl");
    std::fs::write(
        &jsonl,
        "{\"instance\": \"paper-n4-m2-s1\", \"solver\": \"json\", \"assignment\": [0, 1, 0, 1], \"elapsed_s\": 0.2}\n",
    )
    .unwrap();
    let results = dir.path().join("r.csv");
    let csv = ok(&[
        "table",
        INSTANCE,
        "-a",
        "exhaustive",
        "--import",
        good.to_str().unwrap(),
        "--import",
        jsonl.to_str().unwrap(),
        "-r",
        results.to_str().unwrap(),
        "--format",
        "csv",
        "-q",
    ]);
    let rows = csv_rows(&csv);
    let row = |s: &str| rows.iter().find(|r| r["solver"] == s).unwrap().clone();
    assert_eq!(row("theirs")["solved"], "1");
    assert_eq!(row("json")["gap_mean"], row("theirs")["gap_mean"]);
    // All local breaks tau on this instance: flagged, not counted as good.
    assert_eq!(row("zeros")["failed"], "1");
    let file = std::fs::read_to_string(&results).unwrap();
    assert_eq!(file.lines().count(), 1 + 4, "{file}");
    for (body, want) in [
        ("instance,solver,assignment,elapsed_s\nnope,x,\"[0]\",1\n", ":2: `instance` = `nope`"),
        ("instance,solver,assignment,elapsed_s\npaper-n4-m2-s1,goa,\"[0,0,0,0]\",1\n", ":2: `solver` = `goa`"),
        ("instance,solver,assignment,elapsed_s\npaper-n4-m2-s1,x,\"[0,0]\",1\n", ":2: `assignment` = [0,0]"),
        ("instance,solver,assignment,elapsed_s\npaper-n4-m2-s1,x,\"[0,0,0,9]\",1\n", "only 2 servers"),
        ("instance,solver,assignment,elapsed_s\npaper-n4-m2-s1,x,\"[0,0,0,0]\",-1\n", ":2: `elapsed_s` = -1"),
        ("instance,solver,assignment,elapsed_s\npaper-n4-m2-s1,x,zero,1\n", ":2: `assignment` = \"zero\""),
        ("instance,solver,assignment,elapsed_s\npaper-n4-m2-s1,x,\"[0,0,0,0]\",1\npaper-n4-m2-s1,x,\"[0,0,0,0]\",1\n", ":3: `solver` = `x`"),
        ("{\"instance\": \"paper-n4-m2-s1\", \"solver\": \"x\"}\n", ":1: not an imported solution"),
    ] {
        let bad = dir.path().join("bad.txt");
        std::fs::write(&bad, body).unwrap();
        let o = run(&["table", INSTANCE, "-a", "goa", "--import", bad.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1), "{body}");
        let e = text(&o.stderr);
        assert!(e.contains("bad.txt") && e.contains(want), "{body}: {e}");
    }
}

#[test]
fn merged_sweep_shards_give_the_unsharded_sweep() {
    let dir = tempfile::tempdir().unwrap();
    let d = |s: &str| dir.path().join(s).to_str().unwrap().to_string();
    let grid = [
        "sweep",
        "--users",
        "5,9",
        "--tau",
        "0.6,1.0",
        "--runs",
        "3",
        "--no-plots",
        "-q",
    ];
    let mut samples = Vec::new();
    for k in 1..=2 {
        let mut a = grid.to_vec();
        let (shard, out) = (format!("{k}/2"), d(&format!("s{k}")));
        a.extend(["--shard", &shard, "-o", &out]);
        ok(&a);
        samples.push(format!("{out}/samples.csv"));
    }
    let merged = d("merged.csv");
    ok(&["merge", &samples[0], &samples[1], "-o", &merged]);
    let (from, full) = (d("from"), d("full"));
    let mut a = grid.to_vec();
    a.extend(["--from-samples", &merged, "-o", &from]);
    ok(&a);
    let mut b = grid.to_vec();
    b.extend(["-o", &full]);
    ok(&b);
    assert_eq!(
        std::fs::read(format!("{from}/sweep.csv")).unwrap(),
        std::fs::read(format!("{full}/sweep.csv")).unwrap()
    );
    // One shard alone is not the sweep.
    let mut c = grid.to_vec();
    c.extend(["--from-samples", &samples[0], "-o", &from]);
    let o = run(&c);
    assert!(text(&o.stderr).contains("missing"), "{}", text(&o.stderr));
}
