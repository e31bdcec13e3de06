//! Shared strategies and the proptest configuration of this binary.

#[allow(unused_imports)]
pub use llm_offload::testkit::{check_feasible, check_not_below, check_optimal, instances, Shape};
use proptest::test_runner::{Config, FileFailurePersistence};

/// Configuration with `cases` cases and failures persisted in `proptests/regressions/`.
pub fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/proptests/regressions/proptests.txt"
        )))),
        ..Config::default()
    }
}
