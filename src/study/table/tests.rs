use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;
use crate::assignment::Assignment;
use crate::solver::{Answer, Bound, Budget};
use crate::sources::generate::{generate, GenConfig};
use crate::study::gaps::{summarize, GapTable};

/// A solver that counts its calls and answers all-local with a bound equal to it on
/// even-N instances (so both reference kinds appear), and refuses N = 3.
struct Counting(AtomicUsize);

impl Solver for Counting {
    fn name(&self) -> &'static str {
        "counting"
    }
    fn description(&self) -> &'static str {
        "test solver"
    }
    fn is_exact(&self) -> bool {
        true
    }
    fn version(&self) -> Option<String> {
        Some("1.2.3".into())
    }
    fn search(&self, inst: &Instance, _: &Budget<'_>) -> crate::Result<Answer> {
        self.0.fetch_add(1, Ordering::SeqCst);
        if inst.n_users() == 3 {
            return Err(Error::Refused {
                solver: "counting",
                reason: "N = 3, for the test".into(),
            });
        }
        let a = Assignment::all_local(inst.n_users());
        let v = crate::model::evaluate(inst, &a)?.objective;
        let bound = inst.n_users().is_multiple_of(2).then(|| Bound::optimum(v));
        Ok(Answer::new(a).with_bound(bound))
    }
}

fn plan(sizes: &[usize]) -> Vec<PlannedInstance> {
    sizes
        .iter()
        .map(|&n| PlannedInstance {
            file: format!("n{n}.json"),
            instance: generate(&GenConfig {
                users: n,
                servers: 2,
                seed: n as u64,
                tau: 1.0,
                ..GenConfig::default()
            })
            .unwrap(),
        })
        .collect()
}

fn solvers_with_counter() -> (Vec<Box<dyn Solver>>, &'static Counting) {
    let counter: &'static Counting = Box::leak(Box::new(Counting(AtomicUsize::new(0))));
    struct Ref(&'static Counting);
    impl Solver for Ref {
        fn name(&self) -> &'static str {
            self.0.name()
        }
        fn description(&self) -> &'static str {
            self.0.description()
        }
        fn is_exact(&self) -> bool {
            true
        }
        fn version(&self) -> Option<String> {
            self.0.version()
        }
        fn search(&self, inst: &Instance, b: &Budget<'_>) -> crate::Result<Answer> {
            self.0.search(inst, b)
        }
    }
    (
        vec![
            Box::new(Ref(counter)),
            crate::solvers::by_name("goa").unwrap(),
        ],
        counter,
    )
}

#[test]
fn results_csv_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.csv");
    let (solvers, _) = solvers_with_counter();
    let p = plan(&[3, 4, 5]);
    let limits = Limits {
        time_limit: Some(std::time::Duration::from_millis(1500)),
        seed: 7,
        ..Limits::default()
    };
    let (f, dropped) = ResultsFile::open(&path).unwrap();
    assert_eq!((dropped, f.len()), (0, 0));
    let first = run(&p, &solvers, &limits, 2, Some(&f), &|| {}).unwrap();
    drop(f);
    assert_eq!(first.records.len(), 6);
    let refused = &first.records[0];
    assert!(refused.error.as_deref().unwrap().contains("N = 3") && refused.refused);
    assert_eq!(first.records[2].version.as_deref(), Some("1.2.3"));
    let (f, dropped) = ResultsFile::open(&path).unwrap();
    assert_eq!((dropped, f.len()), (0, 6));
    for r in &first.records {
        assert_eq!(f.get(&r.key()).as_ref(), Some(r), "{:?}", r.key());
    }
}

#[test]
fn interrupted_run_resumes_without_redoing_work() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.csv");
    let (solvers, counter) = solvers_with_counter();
    let p = plan(&[3, 4, 5, 6]);
    let limits = Limits::default();
    let (f, _) = ResultsFile::open(&path).unwrap();
    let full = run(&p, &solvers, &limits, 1, Some(&f), &|| {}).unwrap();
    drop(f);
    assert_eq!(counter.0.load(Ordering::SeqCst), 4);
    // Interrupt: keep the header and three rows, then half a row cut mid-write.
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let cut = format!(
        "{}\n{}",
        lines[..4].join("\n"),
        &lines[4][..lines[4].len() / 2]
    );
    std::fs::write(&path, cut).unwrap();
    let (f, dropped) = ResultsFile::open(&path).unwrap();
    assert!(dropped > 0);
    assert_eq!(f.len(), 3);
    let before = counter.0.load(Ordering::SeqCst);
    let resumed = run(&p, &solvers, &limits, 2, Some(&f), &|| {}).unwrap();
    drop(f);
    assert_eq!(resumed.skipped, 3);
    // counting ran first on instances 0 and 1 (rows 1, 3); rows 2 is goa on 0.
    assert_eq!(counter.0.load(Ordering::SeqCst) - before, 2);
    let key = |r: &Record| (r.key(), r.objective.map(f64::to_bits), r.error.clone());
    assert_eq!(
        resumed.records.iter().map(key).collect::<Vec<_>>(),
        full.records.iter().map(key).collect::<Vec<_>>()
    );
    // The file now holds every solve once, and a third run does nothing.
    let (f, dropped) = ResultsFile::open(&path).unwrap();
    assert_eq!((dropped, f.len()), (0, 8));
    let again = run(&p, &solvers, &limits, 1, Some(&f), &|| {}).unwrap();
    assert_eq!(again.skipped, 8);
    // A different seed or time limit is a different solve.
    let other = Limits {
        seed: 1,
        ..Limits::default()
    };
    assert_eq!(
        run(&p, &solvers, &other, 1, Some(&f), &|| {})
            .unwrap()
            .skipped,
        0
    );
}

fn sample_table() -> GapTable {
    let (solvers, _) = solvers_with_counter();
    let p = plan(&[3, 4, 5]);
    let out = run(&p, &solvers, &Limits::default(), 1, None, &|| {}).unwrap();
    let names: Vec<String> = solvers.iter().map(|s| s.name().to_string()).collect();
    summarize(&out.records, &names, &Default::default())
}

#[test]
fn renderings_carry_the_definitions_and_every_row() {
    let t = sample_table();
    let md = markdown(&t, Some(2.0));
    assert!(md.contains(GAP_DEFINITION));
    assert!(md.contains("shift 10 ms") && md.contains("2 s"));
    assert_eq!(md.lines().filter(|l| l.contains(" goa |")).count(), 3);
    // The test solver's bound on even N is its all-local value, which goa beats: a
    // bogus "proof" that the table must expose.
    assert!(md.contains("WARNING: paper-n4-m2-s4: goa objective"));
    let csv = csv_text(&t);
    let mut rd = csv::Reader::from_reader(csv.as_bytes());
    assert_eq!(rd.records().count(), t.rows.len());
    let j = json(&t, None);
    assert_eq!(j["rows"].as_array().unwrap().len(), t.rows.len());
    assert_eq!(j["gap_definition"], GAP_DEFINITION);
}

#[test]
fn two_handles_on_one_results_file_keep_each_row_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.csv");
    let (solvers, counter) = solvers_with_counter();
    let p = plan(&[4, 5, 6]);
    let limits = Limits::default();
    // Two runs that opened the file before either wrote (as two processes would).
    let (a, _) = ResultsFile::open(&path).unwrap();
    let (b, _) = ResultsFile::open(&path).unwrap();
    let first = run(&p, &solvers, &limits, 2, Some(&a), &|| {}).unwrap();
    let calls = counter.0.load(Ordering::SeqCst);
    let second = run(&p, &solvers, &limits, 2, Some(&b), &|| {}).unwrap();
    // The second run found every solve in the file before starting it.
    assert_eq!(counter.0.load(Ordering::SeqCst), calls);
    assert_eq!(second.skipped, 6);
    assert_eq!(second.records, first.records);
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count(), 1 + 6, "{text}");
    // A row appended by another handle meanwhile is kept, ours is not written twice.
    let r = first.records[0].clone();
    assert_eq!(b.append(&r).unwrap(), r);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
}

#[test]
fn a_file_that_is_not_a_results_file_is_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, "notes\nmore").unwrap();
    let err = ResultsFile::open(&path).unwrap_err().to_string();
    assert!(err.contains("not a results file"), "{err}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "notes\nmore");
    // A header alone, or the header cut short, is no results file either.
    std::fs::write(&path, "instance,file").unwrap();
    assert!(ResultsFile::open(&path).is_err());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "instance,file");
}
