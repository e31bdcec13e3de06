//! Imported solutions (`table --import`): any assignment that fits its instance enters
//! as the model's evaluation of it, in CSV and JSON lines alike; one that does not fit
//! is refused at its line.

use llm_offload::assignment::Assignment;
use llm_offload::model::evaluate;
use llm_offload::study::table::{self, PlannedInstance};
use proptest::prelude::*;

use crate::strategies::{config, instances, Shape};

proptest! {
    #![proptest_config(config(32))]

    #[test]
    fn imported_assignments_are_evaluated_by_the_model(
        inst in instances(Shape::tiny(6, 3)),
        picks in prop::collection::vec(0usize..4, 6),
        extra in 0usize..2,
    ) {
        let m = inst.n_servers();
        let servers: Vec<Option<usize>> = (0..inst.n_users())
            .map(|i| (picks[i] < m).then_some(picks[i]))
            .collect();
        let want = evaluate(&inst, &Assignment::from_servers(&servers)).unwrap();
        let name = inst.name().to_string();
        let plan = vec![PlannedInstance { file: "x.json".into(), instance: inst }];
        let json = serde_json::to_string(&servers).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("a.csv");
        std::fs::write(
            &csv,
            format!("instance,solver,assignment,elapsed_s\n{name},mine,\"{json}\",0.25\n"),
        )
        .unwrap();
        let jsonl = dir.path().join("a.jsonl");
        std::fs::write(
            &jsonl,
            format!("{{\"instance\": {name:?}, \"solver\": \"mine\", \"assignment\": {json}, \"elapsed_s\": 0.25}}\n"),
        )
        .unwrap();
        for f in [&csv, &jsonl] {
            let got = table::import(f, &plan, 3, Some(60.0)).unwrap();
            prop_assert_eq!(&got.solvers, &vec!["mine".to_string()]);
            let r = &got.records[0];
            prop_assert_eq!(r.objective, Some(want.objective));
            prop_assert_eq!(r.feasible, want.feasible());
            prop_assert_eq!(r.elapsed_s, 0.25);
            prop_assert_eq!((r.seed, r.time_limit_s), (3, Some(60.0)));
            prop_assert!(r.bound.is_none() && !r.proven_optimal);
        }
        // One entry too many or too few, or a server that does not exist: refused at
        // line 2 naming the field.
        let mut wrong = servers.clone();
        if extra == 0 { wrong.push(None); } else { wrong[0] = Some(m); }
        let bad = dir.path().join("bad.csv");
        std::fs::write(
            &bad,
            format!(
                "instance,solver,assignment,elapsed_s\n{name},mine,\"{}\",0.25\n",
                serde_json::to_string(&wrong).unwrap()
            ),
        )
        .unwrap();
        let e = table::import(&bad, &plan, 3, None).unwrap_err().to_string();
        prop_assert!(e.contains("bad.csv:2") && e.contains("`assignment`"), "{}", e);
    }
}
