//! Property tests: one test binary, one file per theme. Strategies and checks come
//! from the library's `testkit` module (the same ones users get).
//!
//! Failing cases are persisted in `proptests/regressions/` (committed).

mod exact;
mod game;
mod interference;
mod model;
mod routing;
mod solvers;
mod strategies;
mod sweep;
