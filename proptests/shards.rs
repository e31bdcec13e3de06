//! Shards (`--shard K/N`): every work item is in exactly one shard for any N, and a
//! table run shard by shard gives, together, the records of the unsharded run.

use llm_offload::solver::Limits;
use llm_offload::study::shard::{sweep_item, table_item, Shard};
use llm_offload::study::table::{self, PlannedInstance};
use proptest::prelude::*;

use crate::strategies::{config, instances, Shape};

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn every_item_is_in_exactly_one_shard(
        n in 1usize..40,
        items in prop::collection::vec(("[0-9a-f]{16}", "[a-z-]{1,12}", 1usize..200, 0usize..500), 1..60),
    ) {
        for (hash, solver, users, run) in &items {
            for key in [table_item(hash, solver), sweep_item(*users, *run)] {
                let owners: Vec<usize> = (1..=n)
                    .filter(|&k| Shard::new(k, n).unwrap().contains(&key))
                    .collect();
                prop_assert_eq!(owners.len(), 1, "{} in shards {:?} of {}", key, owners, n);
                prop_assert_eq!(owners[0], Shard::of(&key, n));
            }
        }
    }

    #[test]
    fn bad_shards_are_refused(k in 0usize..50, n in 0usize..50) {
        let valid = (1..=n).contains(&k);
        prop_assert_eq!(Shard::new(k, n).is_ok(), valid);
        prop_assert_eq!(format!("{k}/{n}").parse::<Shard>().is_ok(), valid);
    }
}

proptest! {
    #![proptest_config(config(12))]

    #[test]
    fn shards_of_a_table_partition_its_records(
        insts in prop::collection::vec(instances(Shape::tiny(5, 2)), 1..5),
        n in 1usize..5,
    ) {
        let plan: Vec<PlannedInstance> = insts
            .into_iter()
            .enumerate()
            .map(|(k, instance)| PlannedInstance { file: format!("i{k}.json"), instance })
            .collect();
        let solvers: Vec<_> = ["goa", "all-local-tau", "exhaustive"]
            .iter()
            .map(|s| llm_offload::solvers::by_name(s).unwrap())
            .collect();
        let limits = Limits::default();
        let key = |r: &llm_offload::study::gaps::Record| {
            (r.instance_hash.clone(), r.solver.clone(), r.objective.map(f64::to_bits))
        };
        let mut all: Vec<_> = table::run(&plan, &solvers, &limits, 1, None, &|| {})
            .unwrap()
            .records
            .iter()
            .map(key)
            .collect();
        let mut sharded = Vec::new();
        for k in 1..=n {
            let shard = Some(Shard::new(k, n).unwrap());
            let out = table::run_in(&plan, &solvers, &limits, 1, None, shard, &|| {}).unwrap();
            prop_assert_eq!(
                table::pending_in(&plan, &solvers, &limits, None, shard),
                out.records.len()
            );
            sharded.extend(out.records.iter().map(key));
        }
        all.sort();
        sharded.sort();
        prop_assert_eq!(all, sharded);
    }
}

proptest! {
    #![proptest_config(config(8))]

    /// Shards written to their own results files and merged, in any order, give one
    /// file of fixed bytes holding exactly the unsharded run's solves.
    #[test]
    fn merged_shard_files_hold_the_unsharded_solves(
        insts in prop::collection::vec(instances(Shape::tiny(5, 2)), 1..4),
        n in 1usize..5,
        order in any::<u64>(),
    ) {
        use llm_offload::study::table::ResultsFile;
        let plan: Vec<PlannedInstance> = insts
            .into_iter()
            .enumerate()
            .map(|(k, instance)| PlannedInstance { file: format!("i{k}.json"), instance })
            .collect();
        let solvers: Vec<_> = ["goa", "random-tau"]
            .iter()
            .map(|s| llm_offload::solvers::by_name(s).unwrap())
            .collect();
        let limits = Limits::default();
        let dir = tempfile::tempdir().unwrap();
        let mut files = Vec::new();
        for k in 1..=n {
            let path = dir.path().join(format!("r{k}.csv"));
            let (f, _) = ResultsFile::open(&path).unwrap();
            let shard = Some(Shard::new(k, n).unwrap());
            table::run_in(&plan, &solvers, &limits, 1, Some(&f), shard, &|| {}).unwrap();
            files.push(path);
        }
        let forward = table::merge(&files).unwrap();
        let mut shuffled = files.clone();
        let len = shuffled.len();
        shuffled.rotate_left(usize::try_from(order % len as u64).unwrap());
        shuffled.reverse();
        prop_assert_eq!(&table::merge(&shuffled).unwrap(), &forward);
        let out = dir.path().join("merged.csv");
        table::write_results(&out, &forward).unwrap();
        let back: Vec<_> = table::read_results(&out).unwrap().into_iter().map(|(_, r)| r).collect();
        prop_assert_eq!(&back, &forward);
        let key = |r: &llm_offload::study::gaps::Record| {
            (r.key(), r.objective.map(f64::to_bits), r.feasible)
        };
        let mut full: Vec<_> = table::run(&plan, &solvers, &limits, 1, None, &|| {})
            .unwrap()
            .records
            .iter()
            .map(key)
            .collect();
        full.sort();
        full.dedup();
        let mut merged: Vec<_> = forward.iter().map(key).collect();
        merged.sort();
        prop_assert_eq!(merged, full);
    }
}
