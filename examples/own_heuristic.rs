//! Property-testing your own heuristic against the exact solvers with the testkit.
//!
//! The heuristic: users whose uncertainty exceeds tau (who must offload) go to the
//! server they hear best (largest channel gain, lowest index on ties) that still has
//! room; everyone else answers on the device's cheapest variant. It is a `Solver`
//! like the built-in ones, so the toolkit's checks apply to it unchanged:
//!
//! - feasibility and a recomputed objective (`check_feasible`);
//! - never below the optimum proven by `exhaustive` (any instance, interference on
//!   or off) or by `mip` (interference off) (`check_not_below`);
//! - and the exact solvers agree with each other (`check_optimal`).
//!
//! Run with `cargo run --example own_heuristic --features testkit`.

use llm_offload::model::Model;
use llm_offload::solvers::{exhaustive::Exhaustive, mip::Mip};
use llm_offload::testkit::{check_feasible, check_not_below, check_optimal, instances, Shape};
use llm_offload::{Answer, Assignment, Budget, Choice, Error, Instance, Limits, Solver};
use proptest::test_runner::{Config, TestCaseError, TestRunner};

/// Forced users to their best-heard server with room, the others local.
struct NearestServer;

impl Solver for NearestServer {
    fn name(&self) -> &'static str {
        "nearest-server"
    }
    fn description(&self) -> &'static str {
        "forced users to the best-heard server with room, others local"
    }
    fn search(&self, inst: &Instance, _budget: &Budget<'_>) -> llm_offload::Result<Answer> {
        let model = Model::new(inst);
        let mut loads = vec![0usize; inst.n_servers()];
        let mut choices = Vec::with_capacity(inst.n_users());
        for i in 0..inst.n_users() {
            if !inst.is_forced(i) {
                choices.push(model.best_local(i).0);
                continue;
            }
            let room = |j: &usize| inst.servers()[*j].max_users.is_none_or(|c| loads[*j] < c);
            let best = (0..inst.n_servers())
                .filter(room)
                .reduce(|b, j| {
                    if inst.gain()[[i, j]] > inst.gain()[[i, b]] {
                        j
                    } else {
                        b
                    }
                })
                .ok_or_else(|| Error::Infeasible(format!("no server has room for user {i}")))?;
            loads[best] += 1;
            choices.push(Choice::edge(best, 0));
        }
        // Only the assignment: the toolkit times the run and evaluates it.
        Ok(Answer::new(Assignment(choices)))
    }
}

fn fail(e: impl std::fmt::Display) -> TestCaseError {
    TestCaseError::fail(e.to_string())
}

fn main() {
    let limits = Limits::default();
    let mut runner = TestRunner::new(Config {
        cases: 64,
        failure_persistence: None,
        ..Config::default()
    });
    // Tiny instances, interference either way, with model variants: exhaustive is
    // the oracle, and the MIP must agree with it when interference is off.
    let gaps = std::cell::RefCell::new(Vec::new());
    let result = runner.run(&instances(Shape::tiny(5, 2).with_variants()), |inst| {
        let ours = NearestServer.solve(&inst, &limits).map_err(fail)?;
        check_feasible(&inst, &ours).map_err(fail)?;
        let exact = Exhaustive.solve(&inst, &limits).map_err(fail)?;
        check_not_below(&ours, exact.objective()).map_err(fail)?;
        let mip = Mip::default().solve(&inst, &limits).map_err(fail)?;
        check_not_below(&mip, exact.objective()).map_err(fail)?;
        if !inst.interference() {
            check_optimal(&mip, exact.objective()).map_err(fail)?;
        }
        gaps.borrow_mut().push(llm_offload::solver::relative_gap(
            ours.objective(),
            exact.objective(),
        ));
        Ok(())
    });
    if let Err(e) = result {
        eprintln!("nearest-server failed a property: {e}");
        std::process::exit(1);
    }
    // Larger interference-free instances: the MIP is the oracle.
    let shape = Shape {
        users: (5, 12),
        servers: (1, 4),
        ..Shape::default()
    }
    .interference(false);
    let result = runner.run(&instances(shape), |inst| {
        let ours = NearestServer.solve(&inst, &limits).map_err(fail)?;
        check_feasible(&inst, &ours).map_err(fail)?;
        let mip = Mip::default().solve(&inst, &limits).map_err(fail)?;
        if !mip.proven_optimal() {
            return Err(fail("the MIP did not prove optimality"));
        }
        check_not_below(&ours, mip.objective()).map_err(fail)
    });
    if let Err(e) = result {
        eprintln!("nearest-server failed a property: {e}");
        std::process::exit(1);
    }
    let gaps = gaps.into_inner();
    let n = gaps.len() as f64;
    let mean = gaps.iter().sum::<f64>() / n;
    let max = gaps.iter().copied().fold(0.0, f64::max);
    println!(
        "nearest-server passed every property on {} + {} instances; gap to the optimum \
         on the tiny ones: mean {:.2} %, max {:.2} %",
        gaps.len(),
        runner.config().cases,
        100.0 * mean,
        100.0 * max
    );
}
