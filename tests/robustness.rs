//! Nothing lost, nothing silently wrong (issue 18): bad limits, inputs whose derived
//! delays overflow, probabilities that are not probabilities, outputs that would
//! overwrite inputs, results files shared by concurrent runs, closed pipes. Every case
//! is a clear error (or a correct run), never a panic, a signal or a non-finite answer.

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

mod common;
use common::{bin, run, text};

/// No panic and no signal: the process exited with a code.
fn exited_cleanly(o: &Output, what: &str) {
    let err = text(&o.stderr);
    assert!(
        o.status.code().is_some(),
        "{what}: killed by a signal\n{err}"
    );
    assert!(!err.contains("panicked"), "{what}: {err}");
}

/// `args` fail with exit `code` and a message containing every needle.
fn fails(args: &[&str], code: i32, needles: &[&str]) -> String {
    let o = run(args);
    exited_cleanly(&o, &format!("{args:?}"));
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(code), "{args:?}: {err}");
    for n in needles {
        assert!(err.contains(n), "{args:?}: expected {n:?} in {err}");
    }
    err
}

fn good() -> serde_json::Value {
    serde_json::json!({
        "tau": 0.5,
        "users": [
            {"prompt_bits": 4096, "local_flops": 3e12, "edge_flops": 2.4e13,
             "local_flops_per_s": 9.1e13, "tx_power_w": 0.2, "uncertainty": 0.7,
             "p_correct_local": 0.5, "p_correct_edge": 1},
            {"prompt_bits": 8192, "local_flops": 2e12, "edge_flops": 1.6e13,
             "local_flops_per_s": 9.1e13, "tx_power_w": 0.2, "uncertainty": 0.2,
             "p_correct_local": 0.5, "p_correct_edge": 0.9}
        ],
        "servers": [
            {"bandwidth_hz": 1e8, "flops_per_s": 1.5e16, "max_flops_per_user": 1.513e15, "noise_w": 4e-13},
            {"bandwidth_hz": 1e8, "flops_per_s": 1.5e16, "max_flops_per_user": 1.513e15, "noise_w": 4e-13}
        ],
        "gain": [[1e-9, 2e-10], [3e-10, 1e-9]]
    })
}

fn with(path: &str, value: serde_json::Value) -> String {
    let mut v = good();
    *v.pointer_mut(path).unwrap() = value;
    v.to_string()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

// ---- limits checked where they are parsed ----

#[test]
fn time_limits_out_of_range_are_usage_errors_not_panics() {
    let inst = "instances/tiny/paper-n4-m2-s1.json";
    for cmd in [
        vec!["solve", inst, "--algo", "mip"],
        vec!["compare", inst, "--algo", "goa"],
        vec!["table", inst, "--algo", "goa"],
        vec!["poa", inst],
        vec!["scaling", "-a", "goa", "-n", "5,10,20"],
    ] {
        for (value, needle) in [
            ("1e20", "at most 1e9"),
            ("1e300", "at most 1e9"),
            ("inf", "at most 1e9"),
            ("-1", "> 0"),
            ("0", "> 0"),
            ("NaN", "not a number"),
            ("soon", "not a number"),
        ] {
            let mut args = cmd.clone();
            args.extend(["--time-limit", value]);
            fails(&args, 2, &["--time-limit", needle]);
        }
    }
}

#[test]
fn negative_values_reach_the_options_own_check() {
    for args in [
        vec!["generate", "--users", "-1"],
        vec![
            "solve",
            "instances/tiny/paper-n4-m2-s1.json",
            "--threads",
            "-2",
        ],
        vec!["table", "instances/tiny", "--jobs", "-1"],
    ] {
        let err = fails(&args, 2, &["invalid value '-"]);
        assert!(!err.contains("unexpected argument"), "{err}");
    }
}

#[test]
fn meaningless_settings_are_refused() {
    let d = "instances/dialogues/example.json";
    fails(
        &[
            "poa",
            "instances/tiny/paper-n4-m2-s1.json",
            "--max-rounds",
            "0",
        ],
        2,
        &["--max-rounds"],
    );
    for y in ["0", "-3", "0.5"] {
        fails(
            &["route", d, "--assumed-output-tokens", y],
            2,
            &["--assumed-output-tokens", ">= 1"],
        );
    }
    fails(
        &["scaling", "-a", "goa", "-n", "25", "--seeds", "1"],
        2,
        &["--users", "two distinct"],
    );
    // Two sizes and one M leave no degree of freedom for the fit either.
    fails(
        &["scaling", "-a", "goa", "-n", "25,50"],
        2,
        &["coefficients"],
    );
    fails(
        &["gen-dialogues", "--mean-output-tokens", "1e10"],
        2,
        &["mean_output_tokens", "1e10", "at most"],
    );
}

// ---- derived quantities bounded at load time ----

#[test]
fn inputs_whose_delays_overflow_or_underflow_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut local = good();
    local["users"][0]["local_flops"] = 1e308.into();
    local["users"][0]["local_flops_per_s"] = 1e-300.into();
    let mut edge_work = good();
    edge_work["users"][1]["edge_flops"] = 1e308.into();
    edge_work["servers"][0]["max_flops_per_user"] = 1e-300.into();
    let mut sum = good();
    for u in 0..2 {
        sum["users"][u]["local_flops"] = 1e308.into();
        sum["users"][u]["local_flops_per_s"] = 1.0.into();
        sum["users"][u]["edge_flops"] = 1e308.into();
        sum["users"][u]["uncertainty"] = 1.0.into();
    }
    sum["tau"] = 1.0.into();
    for (name, inst, needles) in [
        (
            "local",
            local.to_string(),
            vec!["users[0] on device_variants[0]", "local delay"],
        ),
        // a subnormal gain: the rate underflows to 0, the upload takes forever
        (
            "gain",
            with("/gain/0/1", 5e-324.into()),
            vec!["users[0] on servers[1]", "finite number > 0"],
        ),
        (
            "edge",
            edge_work.to_string(),
            vec!["on servers[0]", "compute inf s"],
        ),
        ("sum", sum.to_string(), vec!["overflows"]),
    ] {
        let p = write(dir.path(), &format!("{name}.json"), &inst);
        for algo in ["exhaustive", "mip", "tree-search", "goa"] {
            fails(&["solve", s(&p), "--algo", algo], 1, &needles);
        }
        fails(&["export-mip", s(&p)], 1, &needles);
        let o = run(&["table", s(&p), "-a", "goa"]);
        assert_eq!(o.status.code(), Some(1), "{name}: {}", text(&o.stderr));
        assert!(!text(&o.stdout).contains("NaN"));
    }
}

#[test]
fn probabilities_are_checked_where_they_enter() {
    let dir = tempfile::tempdir().unwrap();
    let probs = |v: serde_json::Value| {
        let mut inst = good();
        inst["users"][0]
            .as_object_mut()
            .unwrap()
            .remove("uncertainty");
        inst["users"][0]["top_probs"] = v;
        inst.to_string()
    };
    for (name, inst, needles) in [
        (
            "sum27",
            probs(serde_json::json!([0.9, 0.9, 0.9])),
            vec!["users[0].top_probs", "2.7", "at most 1"],
        ),
        (
            "tiny",
            probs(serde_json::json!([1e-300, 1e-300])),
            vec!["users[0].top_probs", "2e-300", "mass"],
        ),
        (
            "entry",
            probs(serde_json::json!([0.5, 1.5])),
            vec!["users[0].top_probs[1]", "1.5"],
        ),
    ] {
        let p = write(dir.path(), &format!("{name}.json"), &inst);
        fails(&["solve", s(&p)], 1, &needles);
    }
    // A variant accuracy_factor that would push an accuracy above 1.
    let mut v = good();
    v["servers"][1]["variants"] = serde_json::json!([
        {"name": "FP16", "work_multiplier": 1.0},
        {"name": "boosted", "work_multiplier": 1.0, "accuracy_factor": 5.0}
    ]);
    let p = write(dir.path(), "factor.json", &v.to_string());
    fails(
        &["solve", s(&p)],
        1,
        &[
            "servers[1].variants[1].accuracy_factor",
            "= 5",
            "p_correct_edge",
        ],
    );
    // Completion responses: a llama.cpp prob of 5, two candidates of logprob 0.
    let responses = [
        r#"{"completion_probabilities":[{"probs":[{"tok_str":"x","prob":5.0}]}]}"#,
        r#"{"choices":[{"logprobs":{"content":[{"token":"A","logprob":0,"top_logprobs":[{"token":"A","logprob":0},{"token":"B","logprob":0}]}]}}]}"#,
    ];
    for (k, r) in responses.iter().enumerate() {
        let p = write(dir.path(), &format!("resp{k}.jsonl"), r);
        fails(
            &["uncertainty", s(&p)],
            1,
            &[format!("{}:1", s(&p)).as_str()],
        );
    }
    // Queries: top_probs summing to 1.8.
    let q = r#"{"prompt_tokens": 10, "top_probs": [{"token": "a", "prob": 0.9}, {"token": "b", "prob": 0.9}], "local_flops": 1e12, "edge_flops": 8e12}"#;
    let p = write(dir.path(), "q.jsonl", q);
    fails(
        &["generate", "--queries", s(&p), "--users", "3"],
        1,
        &[format!("{}:1", s(&p)).as_str(), "top_probs", "1.8"],
    );
}

#[test]
fn queries_errors_name_the_queries_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let good_q =
        r#"{"prompt_tokens": 10, "uncertainty": 0.3, "local_flops": 1e12, "edge_flops": 8e12}"#;
    // prompt_tokens 1e308 overflows to infinite bits.
    let big =
        r#"{"prompt_tokens": 1e308, "uncertainty": 0.3, "local_flops": 1e12, "edge_flops": 8e12}"#;
    let p = write(dir.path(), "q.jsonl", &format!("{good_q}\n\n{big}\n"));
    fails(
        &["generate", "--queries", s(&p), "--users", "3"],
        1,
        &[format!("{}:3", s(&p)).as_str(), "prompt_tokens", "1e308"],
    );
    // A latency that overflows once turned into work.
    let huge = r#"{"prompt_tokens": 10, "uncertainty": 0.3, "local_latency_s": 1e308, "edge_flops": 8e12}"#;
    let p = write(dir.path(), "h.jsonl", &format!("\n{huge}\n"));
    fails(
        &["generate", "--queries", s(&p), "--users", "2"],
        1,
        &[format!("{}:2", s(&p)).as_str(), "local_latency_s", "FLOP"],
    );
}

// ---- messages ----

#[test]
fn a_byte_order_mark_is_accepted_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let bom = |t: &str| format!("\u{feff}{t}");
    let inst = write(dir.path(), "i.json", &bom(&good().to_string()));
    let o = run(&["solve", s(&inst), "--format", "json"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let sol = write(dir.path(), "s.json", &bom(r#"{"assignment": [0, null]}"#));
    let o = run(&["check", s(&inst), s(&sol)]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let q = write(
        dir.path(),
        "q.jsonl",
        &bom(
            r#"{"prompt_tokens": 10, "uncertainty": 0.3, "local_flops": 1e12, "edge_flops": 8e12}"#,
        ),
    );
    let o = run(&["generate", "--queries", s(&q), "--users", "2"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let d = std::fs::read_to_string("instances/dialogues/example.json").unwrap();
    let d = write(dir.path(), "d.json", &bom(&d));
    let o = run(&["route", s(&d)]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let resp = write(
        dir.path(),
        "r.jsonl",
        &bom(
            r#"{"completion_probabilities":[{"probs":[{"tok_str":"x","prob":0.6},{"tok_str":"y","prob":0.3}]}]}"#,
        ),
    );
    let o = run(&["uncertainty", s(&resp)]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let optima = std::fs::read_to_string("instances/optima.csv").unwrap();
    let optima = write(dir.path(), "o.csv", &bom(&optima));
    assert!(llm_offload::study::optima::load(&optima).is_ok());
}

#[test]
fn long_numbers_print_compactly() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "x.json",
        &with("/users/0/prompt_bits", (-3.14e297).into()),
    );
    let err = fails(&["solve", s(&p)], 1, &["-3.14e297"]);
    assert!(err.len() < 200, "{err}");
}

#[test]
fn exhaustive_says_raise_it_only_when_that_can_help() {
    let err = fails(
        &[
            "solve",
            "instances/paper/paper-n120-m4-s1.json",
            "--algo",
            "exhaustive",
        ],
        1,
        &["no --max-enumeration can hold"],
    );
    assert!(!err.contains("raise it"), "{err}");
    let err = fails(
        &[
            "solve",
            "instances/tiny/paper-n8-m2-s4.json",
            "--algo",
            "exhaustive",
            "--max-enumeration",
            "2",
        ],
        1,
        &["raise it"],
    );
    assert!(err.contains("--max-enumeration = 2"), "{err}");
}

// ---- solution files ----

#[test]
fn duplicate_keys_in_a_solution_file_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let inst = write(dir.path(), "i.json", &good().to_string());
    let sol = write(
        dir.path(),
        "s.json",
        r#"{"assignment": [0, 1], "assignment": [null, null]}"#,
    );
    fails(
        &["check", s(&inst), s(&sol)],
        1,
        &["duplicate field `assignment`"],
    );
}

// ---- outputs checked before any work, never equal to an input ----

#[test]
fn outputs_never_overwrite_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let inst_text = good().to_string();
    let inst = write(dir.path(), "a.json", &inst_text);
    fails(&["solve", s(&inst), "-o", s(&inst)], 1, &["also an input"]);
    assert_eq!(std::fs::read_to_string(&inst).unwrap(), inst_text);
    fails(
        &["table", s(&inst), "-a", "goa", "-r", s(&inst)],
        1,
        &["also an input"],
    );
    assert_eq!(std::fs::read_to_string(&inst).unwrap(), inst_text);
    // A directory input: its instance files are inputs too.
    fails(
        &["table", s(dir.path()), "-a", "goa", "-o", s(&inst)],
        1,
        &["also an input"],
    );
    assert_eq!(std::fs::read_to_string(&inst).unwrap(), inst_text);
    let r = dir.path().join("r.csv");
    fails(
        &["table", s(&inst), "-a", "goa", "-r", s(&r), "-o", s(&r)],
        1,
        &["same file"],
    );
    fails(
        &["export-mip", s(&inst), "-o", s(&inst)],
        1,
        &["also an input"],
    );
    let q_text =
        r#"{"prompt_tokens": 10, "uncertainty": 0.3, "local_flops": 1e12, "edge_flops": 8e12}"#;
    let q = write(dir.path(), "q.jsonl", q_text);
    fails(
        &["generate", "--users", "3", "--queries", s(&q), "-o", s(&q)],
        1,
        &["also an input"],
    );
    assert_eq!(std::fs::read_to_string(&q).unwrap(), q_text);
}

#[test]
fn unwritable_outputs_fail_before_solving() {
    let t = std::time::Instant::now();
    // mip with a 60 s limit on a paper instance would take long: the check comes first.
    fails(
        &["table", "instances/paper", "-a", "mip", "-o", "/proc/x"],
        1,
        &["/proc/x", "cannot be created"],
    );
    fails(
        &[
            "solve",
            "instances/tiny/paper-n4-m2-s1.json",
            "-o",
            "/proc/x/y",
        ],
        1,
        &["/proc/x/y"],
    );
    fails(
        &["scaling", "-a", "mip", "-n", "50,100,200", "-o", "/proc/x"],
        1,
        &["creating /proc/x"],
    );
    fails(&["sweep", "-o", "/proc/x"], 1, &["creating /proc/x"]);
    assert!(t.elapsed().as_secs() < 20, "{:?}", t.elapsed());
}

// ---- results files ----

#[test]
fn a_file_that_is_not_a_results_file_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let notes = write(dir.path(), "notes.txt", "my notes\nline two\nline three");
    fails(
        &[
            "table",
            "instances/tiny/paper-n4-m2-s1.json",
            "-a",
            "goa",
            "-r",
            s(&notes),
        ],
        1,
        &["not a results file", "untouched"],
    );
    assert_eq!(
        std::fs::read_to_string(&notes).unwrap(),
        "my notes\nline two\nline three"
    );
}

#[test]
fn results_rows_with_non_finite_answers_are_not_resumed() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path().join("r.csv");
    let inst = "instances/tiny/paper-n4-m2-s1.json";
    let o = run(&["table", inst, "-a", "goa", "-r", s(&r)]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let rows = std::fs::read_to_string(&r).unwrap();
    let mut lines: Vec<String> = rows.lines().map(str::to_string).collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    let col = header.iter().position(|h| *h == "objective").unwrap();
    let mut cells: Vec<String> = lines[1].split(',').map(str::to_string).collect();
    cells[col] = "NaN".into();
    lines[1] = cells.join(",");
    std::fs::write(&r, lines.join("\n") + "\n").unwrap();
    fails(
        &["table", inst, "-a", "goa", "-r", s(&r)],
        1,
        &[":2:", "objective = NaN"],
    );
}

#[test]
fn optima_rows_with_best_known_below_their_bound_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string("instances/optima.csv").unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    let known = header.iter().position(|h| *h == "best_known").unwrap();
    let bound = header.iter().position(|h| *h == "best_bound").unwrap();
    let row = (1..lines.len())
        .find(|&k| !lines[k].split(',').nth(bound).unwrap().is_empty())
        .unwrap();
    let mut cells: Vec<String> = lines[row].split(',').map(str::to_string).collect();
    let b: f64 = cells[bound].parse().unwrap();
    cells[known] = (b * 0.5).to_string();
    lines[row] = cells.join(",");
    let p = write(dir.path(), "o.csv", &(lines.join("\n") + "\n"));
    let err = llm_offload::study::optima::load(&p)
        .unwrap_err()
        .to_string();
    assert!(err.contains("below its own best_bound"), "{err}");
    assert!(err.contains(&format!(":{}:", row + 1)), "{err}");
}

#[test]
fn two_concurrent_table_runs_share_one_results_file() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path().join("r.csv");
    let args = [
        "table",
        "instances/tiny",
        "instances/adversarial",
        "-a",
        "goa,all-local,all-edge,min-delay,random,best-response",
        "--jobs",
        "2",
        "-r",
        s(&r),
    ];
    let spawn = || {
        bin()
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    for o in [&a, &b] {
        exited_cleanly(o, "concurrent table");
        assert!(
            o.status.code() == Some(0) || o.status.code() == Some(4),
            "{}",
            text(&o.stderr)
        );
    }
    let rows = std::fs::read_to_string(&r).unwrap();
    let mut rd = csv::Reader::from_reader(rows.as_bytes());
    let header = rd.headers().unwrap().clone();
    let key = |rec: &csv::StringRecord| {
        ["instance_hash", "solver", "seed", "time_limit_s"]
            .iter()
            .map(|h| rec[header.iter().position(|x| x == *h).unwrap()].to_string())
            .collect::<Vec<_>>()
    };
    let keys: Vec<_> = rd.records().map(|x| key(&x.unwrap())).collect();
    let instances = std::fs::read_dir("instances/tiny").unwrap().count()
        + std::fs::read_dir("instances/adversarial")
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == "json")
            })
            .count();
    // Every planned solve is there once: no row lost, none duplicated, none garbled.
    let mut unique = keys.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(keys.len(), unique.len(), "duplicated rows:\n{rows}");
    assert_eq!(keys.len(), instances * 6, "{rows}");
    // Both tables, and a third run's from the file alone, are the same table.
    let c = run(&args);
    assert!(text(&c.stderr).contains(&format!(
        "{} solves taken from the results file, 0 run",
        instances * 6
    )));
    assert_eq!(text(&a.stdout), text(&c.stdout));
    assert_eq!(text(&b.stdout), text(&c.stdout));
}

// ---- closed pipes ----

#[test]
fn route_sweep_writes_its_files_when_stdout_is_closed() {
    for _ in 0..5 {
        let dir = tempfile::tempdir().unwrap();
        let mut child = bin()
            .args([
                "route",
                "instances/dialogues/example.json",
                "--sweep",
                "--out-dir",
                s(dir.path()),
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let o = child.wait_with_output().unwrap();
        exited_cleanly(&o, "route --sweep | (closed)");
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        for ext in [
            "frontier.csv",
            "matched.csv",
            "frontier.svg",
            "frontier.png",
        ] {
            let p = dir.path().join(format!("dialogues-n50-t1-8-s1-{ext}"));
            assert!(p.exists(), "{} missing", p.display());
        }
    }
}

#[test]
fn dialogue_latencies_that_overflow_are_refused() {
    let text = std::fs::read_to_string("instances/dialogues/example.json").unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["latency"]["device_decode_s_per_token"] = 1e308.into();
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "d.json", &v.to_string());
    fails(&["route", s(&p)], 1, &["dialogues[", "finite"]);
}
