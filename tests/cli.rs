//! The command line on good and bad input: every bad input file is a clear error
//! naming the file, the field and the value, with exit code 1 and no panic; bad usage
//! (unknown solver, a flag out of range) exits 2; a wrong solution exits 3.

use std::path::PathBuf;

mod common;
use common::{bin, run, stderr};

fn good() -> serde_json::Value {
    serde_json::json!({
        "tau": 0.5,
        "users": [
            {"prompt_bits": 4096, "local_flops": 3e12, "edge_flops": 2.4e13,
             "local_flops_per_s": 9.1e13, "tx_power_w": 0.2, "uncertainty": 0.7, "p_correct_local": 0, "p_correct_edge": 1},
            {"prompt_bits": 8192, "local_flops": 2e12, "edge_flops": 1.6e13,
             "local_flops_per_s": 9.1e13, "tx_power_w": 0.2, "uncertainty": 0.2}
        ],
        "servers": [
            {"bandwidth_hz": 1e8, "flops_per_s": 1.5e16, "max_flops_per_user": 1.513e15, "noise_w": 4e-13},
            {"bandwidth_hz": 1e8, "flops_per_s": 1.5e16, "max_flops_per_user": 1.513e15, "noise_w": 4e-13}
        ],
        "gain": [[1e-9, 2e-10], [3e-10, 1e-9]]
    })
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// Solving `text` fails with exit code 1 and a message naming the file and
/// containing every `needle`.
fn rejects(text: &str, needles: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let p = write(&dir, "bad.json", text);
    let o = run(&["solve", p.to_str().unwrap(), "--algo", "goa"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "input {text}\nstderr: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains(p.to_str().unwrap()), "file not named: {err}");
    for n in needles {
        assert!(err.contains(n), "expected {n:?} in: {err}");
    }
}

fn with(path: &str, value: serde_json::Value) -> String {
    let mut v = good();
    *v.pointer_mut(path).unwrap() = value;
    v.to_string()
}

#[test]
fn malformed_json() {
    rejects("{\"tau\": 0.5, \"users\": [", &["bad.json", "EOF"]);
    rejects("{\"tau\": NaN}", &["bad.json", "expected value"]);
}

#[test]
fn missing_and_unknown_fields() {
    let mut v = good();
    v["servers"][0].as_object_mut().unwrap().remove("noise_w");
    rejects(&v.to_string(), &["missing field `noise_w`"]);
    let mut v = good();
    v["users"][1]["bandwith"] = 1.into();
    rejects(&v.to_string(), &["unknown field `bandwith`"]);
}

#[test]
fn infinite_numbers() {
    let text = good()
        .to_string()
        .replace("\"bandwidth_hz\":100000000.0", "\"bandwidth_hz\":1e999");
    assert!(text.contains("1e999"), "{text}");
    rejects(&text, &["bad.json"]);
}

#[test]
fn non_positive_capacities() {
    rejects(
        &with("/servers/1/bandwidth_hz", (-1.0).into()),
        &["servers[1].bandwidth_hz", "-1", "> 0"],
    );
    rejects(
        &with("/servers/0/flops_per_s", 0.0.into()),
        &["servers[0].flops_per_s", "0", "> 0"],
    );
    rejects(
        &with("/servers/0/max_flops_per_user", 0.0.into()),
        &["servers[0].max_flops_per_user"],
    );
    rejects(
        &with("/servers/0/noise_w", 0.0.into()),
        &["servers[0].noise_w"],
    );
    rejects(
        &with("/users/0/tx_power_w", 0.0.into()),
        &["users[0].tx_power_w", "> 0"],
    );
    rejects(
        &with("/users/1/local_flops_per_s", (-5.0).into()),
        &["users[1].local_flops_per_s", "-5"],
    );
    rejects(
        &with("/users/1/prompt_bits", 0.0.into()),
        &["users[1].prompt_bits"],
    );
    rejects(&with("/gain/1/0", 0.0.into()), &["gain[1][0]", "> 0"]);
}

#[test]
fn uncertainty_outside_unit_interval() {
    rejects(
        &with("/users/0/uncertainty", 1.5.into()),
        &["users[0].uncertainty", "1.5", "[0, 1]"],
    );
    rejects(
        &with("/users/1/uncertainty", (-0.1).into()),
        &["users[1].uncertainty", "-0.1"],
    );
    rejects(&with("/tau", 2.0.into()), &["tau", "2"]);
    rejects(
        &with("/users/0/p_correct_edge", 3.0.into()),
        &["users[0].p_correct_edge"],
    );
}

#[test]
fn gain_dimensions() {
    rejects(
        &with("/gain", serde_json::json!([[1e-9, 1e-9]])),
        &["gain", "1 rows", "N = 2"],
    );
    rejects(
        &with("/gain/1", serde_json::json!([1e-9])),
        &["gain[1]", "1 entries", "M = 2"],
    );
}

#[test]
fn no_users_or_servers() {
    let mut v = good();
    v["users"] = serde_json::json!([]);
    v["gain"] = serde_json::json!([]);
    rejects(&v.to_string(), &["users", "at least one user"]);
    rejects(
        &with("/servers", serde_json::json!([])),
        &["servers", "at least one server"],
    );
}

#[test]
fn forced_offloading_impossible_under_caps() {
    let mut v = good();
    v["servers"][0]["max_users"] = 0.into();
    v["servers"][1]["max_users"] = 0.into();
    rejects(&v.to_string(), &["infeasible", "max_users add up to 0"]);
}

#[test]
fn unknown_solver_and_missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(&dir, "ok.json", &good().to_string());
    let o = run(&["solve", p.to_str().unwrap(), "--algo", "nope"]);
    assert_eq!(o.status.code(), Some(2), "bad usage: {}", stderr(&o));
    assert!(stderr(&o).contains("unknown solver `nope`") && stderr(&o).contains("goa"));
    for args in [
        vec!["compare", p.to_str().unwrap(), "-a", "goa,nope"],
        vec!["scaling", "-a", "nope"],
    ] {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("unknown solver `nope`"),
            "{}",
            stderr(&o)
        );
    }
    let o = run(&["solve", "/nonexistent/x.json"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("/nonexistent/x.json"));
}

#[test]
fn solve_json_then_check_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(&dir, "ok.json", &good().to_string());
    // (all-local ignores tau, so on this instance, where user 0 is forced, it answers
    // outside (P): see solve_flags_baselines_that_ignore_tau)
    for algo in [
        "goa",
        "goa-reference",
        "all-local-tau",
        "all-edge",
        "all-edge-tau",
        "random",
        "random-tau",
        "min-delay",
        "min-delay-tau",
    ] {
        let o = run(&[
            "solve",
            p.to_str().unwrap(),
            "--algo",
            algo,
            "--format",
            "json",
        ]);
        assert!(o.status.success(), "{algo}: {}", stderr(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        for key in [
            "assignment",
            "algorithm",
            "objective",
            "bound",
            "status",
            "elapsed_s",
            "mean_delay_s",
            "accuracy",
            "offloaded",
            "loads",
        ] {
            assert!(v.get(key).is_some(), "{algo}: no {key} in {v}");
        }
        assert_eq!(v["assignment"].as_array().unwrap().len(), 2);
        let sol = write(&dir, "sol.json", &v.to_string());
        let c = run(&["check", p.to_str().unwrap(), sol.to_str().unwrap()]);
        assert!(c.status.success(), "{}", stderr(&c));
        assert!(String::from_utf8_lossy(&c.stdout).contains("matches"));
    }
}

#[test]
fn solve_flags_baselines_that_ignore_tau() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(&dir, "ok.json", &good().to_string());
    // user 0 (alpha 0.7 > tau 0.5) must offload; the paper's all-local keeps it local
    let o = run(&["solve", p.to_str().unwrap(), "--algo", "all-local"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("NO: user 0 has uncertainty 0.7 > tau = 0.5"),
        "{out}"
    );
    // compare shows it as infeasible for (P), never as a gap
    let o = run(&[
        "compare",
        p.to_str().unwrap(),
        "--algo",
        "exhaustive,goa,all-local,all-local-tau",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    let row = out.lines().find(|l| l.starts_with("| all-local ")).unwrap();
    assert!(row.contains("infeasible for (P)"), "{out}");
    let row = out
        .lines()
        .find(|l| l.starts_with("| all-local-tau "))
        .unwrap();
    assert!(!row.contains("infeasible"), "{out}");
}

#[test]
fn check_reports_violations_with_exit_3() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(&dir, "ok.json", &good().to_string());
    // user 0 has uncertainty 0.7 > tau = 0.5 but answers locally
    let sol = write(&dir, "sol.json", r#"{"assignment": [null, 1]}"#);
    let o = run(&["check", p.to_str().unwrap(), sol.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&o.stdout).contains("user 0 has uncertainty 0.7 > tau = 0.5"));
    let sol = write(&dir, "sol.json", r#"{"assignment": [0, 2]}"#);
    let o = run(&["check", p.to_str().unwrap(), sol.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("assignment[1] = 2"), "{}", stderr(&o));
    let sol = write(&dir, "sol.json", r#"{"assignment": [0]}"#);
    let o = run(&["check", p.to_str().unwrap(), sol.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("1 entries for 2 users"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn generate_is_deterministic_and_validates() {
    let a = run(&["generate", "--users", "30", "--seed", "5"]);
    let b = run(&["generate", "--users", "30", "--seed", "5"]);
    assert!(a.status.success());
    assert_eq!(a.stdout, b.stdout);
    let c = run(&["generate", "--users", "30", "--seed", "6"]);
    assert_ne!(a.stdout, c.stdout);
    // Flags out of range are bad usage (exit 2), named.
    let o = run(&["generate", "--users", "0"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--users") && stderr(&o).contains(">= 1"));
    let o = run(&["generate", "--users", "5", "--tau", "1.5"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--tau") && stderr(&o).contains("[0, 1]"));
    let o = run(&["generate", "--users", "5", "--servers", "0"]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&["gen-dialogues", "--min-turns", "5", "--max-turns", "2"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("max_turns"), "{}", stderr(&o));
}

#[test]
fn uncertainty_reads_jsonl_and_names_bad_lines() {
    let dir = tempfile::tempdir().unwrap();
    let good_line = r#"{"choices":[{"logprobs":{"content":[{"token":"A","logprob":-0.5,"top_logprobs":[{"token":"A","logprob":-0.5108256},{"token":" a","logprob":-2.3025851},{"token":"B","logprob":-1.6094379}]}]}}]}"#;
    let p = write(&dir, "r.jsonl", &format!("{good_line}\n\n{{\"x\": 1}}\n"));
    let o = run(&["uncertainty", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    // A and " a" merge: 0.6 + 0.1 = 0.7 vs B 0.2 -> alpha = 1 - 0.5/0.9
    assert!(out.contains("1\t0.444444"), "{out}");
    assert!(stderr(&o).contains("r.jsonl:3"), "{}", stderr(&o));
}

#[test]
fn help_everywhere() {
    for sub in [
        vec!["--help"],
        vec!["solve", "--help"],
        vec!["generate", "--help"],
        vec!["check", "--help"],
        vec!["compare", "--help"],
        vec!["uncertainty", "--help"],
        vec!["sweep", "--help"],
    ] {
        let o = run(&sub);
        assert!(o.status.success(), "{sub:?}");
        assert!(String::from_utf8_lossy(&o.stdout).contains("Usage"));
    }
    let o = run(&["solvers"]);
    let out = String::from_utf8_lossy(&o.stdout);
    for name in [
        "goa",
        "goa-reference",
        "all-local",
        "all-edge",
        "random",
        "min-delay",
    ] {
        assert!(out.contains(name), "{out}");
    }
}

// ---- routing (docs/routing.md) ----

fn example_dialogues() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("instances/dialogues/example.json")
}

#[test]
fn route_prints_every_policy_and_the_optimum() {
    let o = run(&["route", example_dialogues().to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    for name in [
        "always-device",
        "always-edge",
        "threshold(theta=0.5)",
        "hysteresis(theta=0.5, band=0.1)",
        "context(theta=0.5, w=2)",
        "seed-rule(a=0.2, theta=0.4)",
        "optimum(mu=2, offline)",
        "gap to optimum %",
    ] {
        assert!(out.contains(name), "missing {name:?} in:\n{out}");
    }
}

#[test]
fn route_sweep_writes_csv_and_plots() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(&[
        "route",
        example_dialogues().to_str().unwrap(),
        "--sweep",
        "-o",
        dir.path().to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    for ext in [
        "frontier.csv",
        "matched.csv",
        "frontier.svg",
        "frontier.png",
    ] {
        let p = dir.path().join(format!("dialogues-n50-t1-8-s1-{ext}"));
        assert!(p.exists(), "{} missing", p.display());
    }
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("latency saving %"), "{out}");
}

#[test]
fn route_rejects_bad_dialogue_files_naming_the_field() {
    let text = std::fs::read_to_string(example_dialogues()).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["dialogues"][3]["turns"][0]["score"] = 1.5.into();
    let dir = tempfile::tempdir().unwrap();
    let p = write(&dir, "bad.json", &v.to_string());
    let o = run(&["route", p.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("dialogues[3].turns[0].score") && err.contains("1.5"),
        "{err}"
    );
    let o = run(&["route", example_dialogues().to_str().unwrap(), "--mu", "-1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--mu") && stderr(&o).contains("-1"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn route_presets_replace_the_latency_and_bad_presets_are_named() {
    let file = example_dialogues();
    let f = file.to_str().unwrap();
    let o = run(&["route", f, "--preset", "phone-gpu__h100-c1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("latency preset phone-gpu__h100-c1"), "{out}");
    let plain = run(&["route", f]);
    let ill = run(&["route", f, "--preset", "illustrative"]);
    // The illustrative preset is the example file's own parameters.
    let tables = |o: &std::process::Output| {
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .filter(|l| l.starts_with('|'))
            .map(String::from)
            .collect::<Vec<_>>()
    };
    assert_eq!(tables(&plain), tables(&ill));
    assert_ne!(tables(&plain), tables(&o));
    let o = run(&["route", f, "--preset", "no-such-preset"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("phone-cpu__a100-c1"), "{}", stderr(&o));
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/presets/routing/phone-cpu__a100-c1.json"
    ))
    .unwrap();
    let bad = text.replace(
        "\"edge_round_trip_s\": 0.05",
        "\"edge_round_trip_s\": -0.05",
    );
    assert_ne!(bad, text);
    let p = write(&dir, "mine.json", &bad);
    let o = run(&["route", f, "--preset", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("mine.json") && e.contains("latency.edge_round_trip_s") && e.contains("-0.05"),
        "{e}"
    );
}

#[test]
fn route_retest_writes_the_table_with_train_and_test_rows() {
    let dir = tempfile::tempdir().unwrap();
    let gen = |seed: &str, name: &str| {
        let p = dir.path().join(name);
        let o = run(&[
            "gen-dialogues",
            "-n",
            "30",
            "--seed",
            seed,
            "-o",
            p.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        p
    };
    let (train, test) = (gen("5", "train.json"), gen("6", "test.json"));
    let out_dir = dir.path().join("out");
    let o = run(&[
        "route",
        "--train",
        train.to_str().unwrap(),
        "--test",
        test.to_str().unwrap(),
        "--preset",
        "phone-gpu__h100-c64",
        "-o",
        out_dir.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    for needle in [
        "Target f = 1",
        "| train |",
        "|  test |",
        "seed rule vs",
        "±",
    ] {
        assert!(out.contains(needle), "{needle:?} missing in\n{out}");
    }
    let csv = std::fs::read_to_string(
        out_dir.join("retest-dialogues-n30-t1-8-s5-dialogues-n30-t1-8-s6.csv"),
    )
    .unwrap();
    assert!(csv.starts_with("target_fraction,target_quality,family,policy,split"));
    assert!(csv.contains(",train,") && csv.contains(",test,"));
    let json = std::fs::read_to_string(
        out_dir.join("retest-dialogues-n30-t1-8-s5-dialogues-n30-t1-8-s6.json"),
    )
    .unwrap();
    assert!(json.contains("seed_vs_strongest_baseline_on_test"));
    // FILE and --train are separate modes; --test needs --train.
    let e = example_dialogues();
    let o = run(&[
        "route",
        e.to_str().unwrap(),
        "--train",
        train.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = run(&["route", "--test", test.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn gen_dialogues_reproduces_the_example() {
    let o = run(&["gen-dialogues", "-n", "50", "--seed", "1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(example_dialogues()).unwrap();
    assert!(
        o.stdout == text.as_bytes(),
        "example.json differs from its command"
    );
}

#[test]
fn gen_dialogues_structure_flags_default_to_the_old_bytes_and_are_checked() {
    let zero = run(&[
        "gen-dialogues",
        "-n",
        "50",
        "--seed",
        "1",
        "--persistence",
        "0",
        "--output-length-correlation",
        "0",
    ]);
    assert!(zero.status.success(), "{}", stderr(&zero));
    let text = std::fs::read_to_string(example_dialogues()).unwrap();
    assert!(
        zero.stdout == text.as_bytes(),
        "explicit zeros changed the file"
    );
    let structured = run(&[
        "gen-dialogues",
        "-n",
        "50",
        "--seed",
        "1",
        "--persistence",
        "0.8",
        "--output-length-correlation",
        "0.6",
    ]);
    assert!(structured.status.success(), "{}", stderr(&structured));
    assert!(structured.stdout != text.as_bytes());
    let bad = run(&["gen-dialogues", "--persistence", "1"]);
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    assert!(stderr(&bad).contains("persistence"), "{}", stderr(&bad));
    let bad = run(&["gen-dialogues", "--output-length-correlation", "-2"]);
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    assert!(
        stderr(&bad).contains("output_length_correlation"),
        "{}",
        stderr(&bad)
    );
}

// ---- sweep and measured queries (docs/sweep.md, docs/queries.md) ----

#[test]
fn sweep_is_reproducible_across_thread_counts() {
    let dir = tempfile::tempdir().unwrap();
    let out = |jobs: &str| {
        let d = dir.path().join(format!("j{jobs}"));
        let o = run(&[
            "sweep",
            "--users",
            "5,8",
            "--tau",
            "0.5,1.0",
            "--runs",
            "3",
            "--seed",
            "9",
            "--jobs",
            jobs,
            "-o",
            d.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        d
    };
    let (one, two) = (out("1"), out("2"));
    let csv = std::fs::read(one.join("sweep.csv")).unwrap();
    assert_eq!(csv, std::fs::read(two.join("sweep.csv")).unwrap());
    // 2 sizes x 2 taus x 5 default solvers, plus the header
    assert_eq!(String::from_utf8_lossy(&csv).lines().count(), 21);
    for f in [
        "timing.csv",
        "meta.json",
        "accuracy_vs_users.svg",
        "delay_vs_users.png",
        "tau_delay_vs_users.svg",
    ] {
        assert!(one.join(f).is_file(), "{f}");
    }
}

#[test]
fn generate_and_sweep_from_measured_queries() {
    let example = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/instances/queries/example.jsonl"
    );
    let a = run(&["generate", "-n", "12", "--seed", "3", "--queries", example]);
    assert!(a.status.success(), "{}", stderr(&a));
    assert_eq!(
        a.stdout,
        run(&["generate", "-n", "12", "--seed", "3", "--queries", example]).stdout
    );
    let dir = tempfile::tempdir().unwrap();
    let o = run(&[
        "sweep",
        "--users",
        "6",
        "--runs",
        "2",
        "--queries",
        example,
        "--no-plots",
        "-o",
        dir.path().to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let bad = write(&dir, "bad.jsonl", "{\"prompt_tokens\": 3, \"uncertainty\": 0.2, \"local_flops\": 1, \"edge_flops\": 1}\n{\"prompt_tokens\": 3}\n");
    let o = run(&["generate", "-n", "4", "--queries", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("bad.jsonl:2") && err.contains("local_flops"),
        "{err}"
    );
    for args in [
        vec!["--users", "9:5:1"],
        vec!["--tau", "2"],
        vec!["--runs", "0"],
        vec!["--algo", "nope"],
    ] {
        let mut all = vec!["sweep", "--no-plots", "-o", dir.path().to_str().unwrap()];
        all.extend(args.iter().copied());
        let o = run(&all);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"));
    }
}

// ---- the command line as a new user meets it (issue 10, section 7) ----

#[test]
fn check_with_a_wrong_claimed_objective_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(&dir, "ok.json", &good().to_string());
    let o = run(&["solve", p.to_str().unwrap(), "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let right = v["objective"].as_f64().unwrap();
    v["objective"] = (right * 1.01).into();
    let sol = write(&dir, "sol.json", &v.to_string());
    for format in ["table", "json"] {
        let c = run(&[
            "check",
            p.to_str().unwrap(),
            sol.to_str().unwrap(),
            "--format",
            format,
        ]);
        assert_eq!(c.status.code(), Some(3), "{format}: {}", stderr(&c));
        assert!(stderr(&c).contains("wrong objective"), "{}", stderr(&c));
        if format == "table" {
            assert!(String::from_utf8_lossy(&c.stdout).contains("DIFFERS"));
        }
    }
}

#[test]
fn range_errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        &dir,
        "range.json",
        &with("/users/0/uncertainty", 1.3.into()),
    );
    for cmd in ["solve", "compare"] {
        let o = run(&[cmd, p.to_str().unwrap()]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{cmd}: {err}");
        assert!(
            err.contains(&format!("{}: invalid instance", p.display()))
                && err.contains("`users[0].uncertainty` = 1.3"),
            "{cmd}: {err}"
        );
    }
}

#[test]
fn family_names_resolve_from_any_directory() {
    let elsewhere = tempfile::tempdir().unwrap();
    let here = |args: &[&str]| {
        bin()
            .current_dir(elsewhere.path())
            .args(args)
            .output()
            .unwrap()
    };
    let o = here(&["table", "tiny", "-a", "goa", "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains(" goa "));
    let o = here(&["compare", "adversarial", "-a", "goa"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("regret-n2-m2"));
    let o = here(&["table", "no-such-family", "-a", "goa"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("no instance family") && err.contains(env!("CARGO_MANIFEST_DIR")),
        "{err}"
    );
}

#[test]
fn poa_header_uses_command_line_names_and_statuses_are_snake_case() {
    let tiny = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/instances/tiny/paper-n4-m2-s1.json"
    );
    let o = run(&["poa", tiny, "--max-rounds", "1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("best responses from all-local, round-robin order"),
        "{out}"
    );
    assert!(out.contains("| iteration_limit |"), "{out}");
    let o = run(&["poa", tiny, "--start", "goa", "--order", "random"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("from goa, random order"));
}

#[test]
fn compare_json_has_gap_and_reference() {
    let tiny = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/instances/tiny/paper-n4-m2-s1.json"
    );
    let o = run(&["compare", tiny, "-a", "goa,exhaustive", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    for r in rows {
        assert_eq!(r["reference"]["kind"], "optimum", "{r}");
        assert!(r["gap"].as_f64().unwrap() >= 0.0, "{r}");
        assert!(r.get("assignment").is_some());
    }
    assert_eq!(rows[1]["gap"], 0.0);
    // Heuristics alone: gaps to the best objective found, said so.
    let o = run(&["compare", tiny, "-a", "goa,all-local"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("gaps are to the best objective found"),
        "{out}"
    );
    assert!(out.contains("gap %"), "{out}");
}

#[test]
fn output_options_keep_their_old_spellings() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let o = run(&[
        "route",
        example_dialogues().to_str().unwrap(),
        "--sweep",
        "--out-dir",
        d,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(dir
        .path()
        .join("dialogues-n50-t1-8-s1-frontier.csv")
        .exists());
    for flag in ["--out", "--output"] {
        let sub = dir.path().join(flag.trim_start_matches('-'));
        let o = run(&[
            "scaling",
            "-a",
            "goa",
            "-n",
            "4,6,8",
            "--seeds",
            "1",
            flag,
            sub.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{flag}: {}", stderr(&o));
        assert!(sub.join("scaling-goa.csv").exists(), "{flag}");
    }
}

#[test]
fn scaling_compares_with_the_solvers_own_stated_complexity() {
    let fit = |algo: &str| {
        let o = run(&["scaling", "-a", algo, "-n", "4,6,8", "--seeds", "1", "-q"]);
        assert!(o.status.success(), "{algo}: {}", stderr(&o));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let goa = fit("goa");
    assert!(
        goa.contains("the stated O(N^3 M^2) of `goa` has 3 here"),
        "{goa}"
    );
    let local = fit("all-local");
    assert!(!local.contains("O(N^3 M^2)"), "{local}");
    assert!(
        local.contains("`all-local` states no complexity"),
        "{local}"
    );
}

#[test]
fn jobs_zero_means_one_per_core_in_table_and_sweep() {
    let dir = tempfile::tempdir().unwrap();
    let tiny = concat!(env!("CARGO_MANIFEST_DIR"), "/instances/tiny");
    let o = run(&["table", tiny, "-a", "goa", "--jobs", "0"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(&[
        "sweep",
        "--users",
        "5",
        "--tau",
        "0.8",
        "--runs",
        "2",
        "--no-plots",
        "--jobs",
        "0",
        "-o",
        dir.path().to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("meta.json")).unwrap())
            .unwrap();
    assert!(meta["threads"].as_u64().unwrap() >= 1);
    // The default is one thread, as in `table`.
    let o = run(&[
        "sweep",
        "--users",
        "5",
        "--tau",
        "0.8",
        "--runs",
        "2",
        "--no-plots",
        "-o",
        dir.path().to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("meta.json")).unwrap())
            .unwrap();
    assert_eq!(meta["threads"], 1);
}

#[test]
fn simulate_runs_and_prints_the_json_summary() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sim");
    let args = [
        "simulate",
        "-n",
        "30",
        "-m",
        "3",
        "--rate-per-user",
        "0.5",
        "--horizon-s",
        "4",
        "--epoch-s",
        "0.05",
        "--algo",
        "best-response",
        "--format",
        "json",
        "-o",
        out.to_str().unwrap(),
    ];
    let o = run(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    for k in [
        "arrived",
        "served",
        "unfinished",
        "token_throughput",
        "decision_share",
    ] {
        assert!(v[k].is_number(), "{k}: {v}");
    }
    for k in ["mean", "p50", "p95", "p99"] {
        assert!(v["latency_ms"][k].is_number(), "latency_ms.{k}: {v}");
    }
    let arrived = v["arrived"].as_u64().unwrap();
    assert_eq!(
        arrived,
        v["served"].as_u64().unwrap() + v["unfinished"].as_u64().unwrap()
    );
    let csv = std::fs::read_to_string(out.join("records.csv")).unwrap();
    assert_eq!(csv.lines().count() as u64, arrived + 1);
    assert!(csv.starts_with("id,user,phase,server"));
    // modelled decision time: the same bytes again
    let again = run(&args);
    assert_eq!(o.stdout, again.stdout);
    assert_eq!(
        csv,
        std::fs::read_to_string(out.join("records.csv")).unwrap()
    );
    let summary = std::fs::read_to_string(out.join("summary.json")).unwrap();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&summary).unwrap(),
        v
    );
    assert!(v["mean_perplexity"].is_null());
    let o = run(&[
        "simulate",
        "-n",
        "10",
        "--variants",
        "llama2",
        "--horizon-s",
        "3",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let ppl = v["mean_perplexity"].as_f64().unwrap();
    assert!((3.3..=5.6).contains(&ppl), "{ppl}");
}

#[test]
fn simulate_replays_a_trace_and_names_the_bad_line() {
    let dir = tempfile::tempdir().unwrap();
    let good = write(
        &dir,
        "trace.csv",
        "arrival_s,user,prompt_bits,local_flops,edge_flops,uncertainty,output_tokens\n\
         0.5,0,4096,1e12,8e12,0.3,5\n0.7,1,4096,1e12,8e12,0.9,3\n",
    );
    let o = run(&[
        "simulate",
        "--trace",
        good.to_str().unwrap(),
        "--horizon-s",
        "2",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("arrived 2, served 2, unfinished 0"));
    let bad = write(
        &dir,
        "bad.jsonl",
        "{\"arrival_s\": 0.1, \"user\": 0, \"prompt_bits\": 4096, \"local_flops\": 1e12, \"edge_flops\": 8e12, \"uncertainty\": 0.3}\n\
         {\"arrival_s\": 0.2, \"user\": 1, \"prompt_bits\": 4096, \"local_flops\": -2, \"edge_flops\": 8e12, \"uncertainty\": 0.3}\n",
    );
    let o = run(&["simulate", "--trace", bad.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let at = format!("{}:2:", bad.display());
    assert!(
        err.contains(&at) && err.contains("`local_flops` = -2"),
        "{err}"
    );
    let o = run(&["simulate", "--epoch-s", "0", "--horizon-s", "1"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}
