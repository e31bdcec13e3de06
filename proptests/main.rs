//! Property tests: one test binary, one file per theme. Strategies and checks come
//! from the library's `testkit` module (the same ones users get).
//!
//! Failing cases are persisted in `proptests/regressions/` (committed).

mod exact;
mod fuzz;
mod game;
mod imports;
mod interference;
mod local_search;
mod model;
mod routing;
mod shards;
mod simulate;
mod solvers;
mod strategies;
mod sweep;
