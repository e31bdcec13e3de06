//! The offline optimum of a dialogue: a shortest path over (turn, side holding the
//! cache) states (SPEC 7), with petgraph's Dijkstra, and a brute-force reference.
//!
//! # Graph
//!
//! A source `s`, one node `(t, side)` per turn `t` and side ("turn `t` was served on
//! `side`, which now holds the cache"), and a sink. Arcs:
//!
//! - `s -> (0, side)` with weight `turn_cost(0, side, prev = None)`;
//! - `(t-1, prev) -> (t, side)` with weight `turn_cost(t, side, prev)`, which includes
//!   the switching cost when `prev != side`;
//! - `(T-1, side) -> sink` with weight 0.
//!
//! `turn_cost` is the weighted cost `latency + mu * (1 - correct)` of
//! [`crate::routing::turn_cost`]. The graph is a DAG with `2T + 2` nodes and `4T`
//! arcs, all weights `>= 0` (for `mu >= 0`), so Dijkstra is exact; `O(T log T)`
//! plus the history sums of the arc weights (`O(T^2)`).
//!
//! The optimum knows every turn's correctness: it is an oracle, the bound that no
//! online policy can beat on the weighted cost.
//!
//! # Ties
//!
//! Among routes of equal cost (within [`crate::TOLERANCE`], relative) the route is
//! rebuilt backwards from the sink, preferring at each turn, from the last to the
//! first, the device over the edge as the predecessor.

use petgraph::algo::dijkstra;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use petgraph::Direction;

use super::{evaluate, turn_cost, Dialogue, LatencyParams, Side};
use crate::error::{Error, Result};
use crate::solver::approx_eq;

/// An optimal route and its weighted cost.
#[derive(Debug, Clone, PartialEq)]
pub struct Optimum {
    /// One side per turn.
    pub route: Vec<Side>,
    /// Its weighted cost (recomputed by [`evaluate`] along the route).
    pub cost: f64,
}

/// Dialogues longer than this are refused by [`brute_force`].
pub const BRUTE_FORCE_MAX_TURNS: usize = 20;

fn check_mu(mu: f64) -> Result<()> {
    crate::validate::non_negative("routing setting", || "mu".into(), mu).map(|_| ())
}

fn side_index(s: Side) -> usize {
    match s {
        Side::Device => 0,
        Side::Edge => 1,
    }
}

/// The route of `d` with the least weighted cost for quality weight `mu` (module
/// docs: graph, complexity, ties).
///
/// # Errors
/// [`Error::InvalidField`] when `mu` is negative or not finite.
///
/// # Panics
/// When `d` has no turns (validated dialogues always have one).
pub fn optimum(d: &Dialogue, lat: &LatencyParams, mu: f64) -> Result<Optimum> {
    check_mu(mu)?;
    let n = d.turns.len();
    assert!(n > 0, "a dialogue has at least one turn");
    let mut g: DiGraph<(), f64> = DiGraph::with_capacity(2 * n + 2, 4 * n);
    let source = g.add_node(());
    let nodes: Vec<[NodeIndex; 2]> = (0..n).map(|_| [g.add_node(()), g.add_node(())]).collect();
    let sink = g.add_node(());
    for side in Side::BOTH {
        g.add_edge(
            source,
            nodes[0][side_index(side)],
            turn_cost(d, 0, side, None, lat, mu),
        );
        g.add_edge(nodes[n - 1][side_index(side)], sink, 0.0);
    }
    for t in 1..n {
        for prev in Side::BOTH {
            for side in Side::BOTH {
                g.add_edge(
                    nodes[t - 1][side_index(prev)],
                    nodes[t][side_index(side)],
                    turn_cost(d, t, side, Some(prev), lat, mu),
                );
            }
        }
    }
    let dist = dijkstra(&g, source, Some(sink), |e| *e.weight());
    // Walk back from the sink: take the device predecessor whenever it is on a
    // shortest path (ties, module docs).
    let mut route = Vec::with_capacity(n);
    let mut node = sink;
    while node != source {
        let mut best: Option<(NodeIndex, f64)> = None;
        for e in g.edges_directed(node, Direction::Incoming) {
            let (from, w) = (e.source(), *e.weight());
            let Some(&df) = dist.get(&from) else { continue };
            let via = df + w;
            let better = match best {
                None => true,
                Some((b, bv)) => {
                    let side_of = |x: NodeIndex| (x.index() - 1) % 2;
                    via < bv && !approx_eq(via, bv)
                        || approx_eq(via, bv) && side_of(from) < side_of(b)
                }
            };
            if better {
                best = Some((from, via));
            }
        }
        let (from, _) = best.expect("every node on the walk back has a reached predecessor");
        if from != source {
            route.push(if (from.index() - 1) % 2 == 0 {
                Side::Device
            } else {
                Side::Edge
            });
        }
        node = from;
    }
    route.reverse();
    let cost = evaluate(d, &route, lat).weighted_cost(mu);
    Ok(Optimum { route, cost })
}

/// The least weighted cost over all `2^T` routes, by enumeration (a test oracle for
/// [`optimum`]). Among equal costs (within [`crate::TOLERANCE`]) the first route in
/// binary order (device = 0, turn 0 most significant) is kept. `O(2^T T^2)`.
///
/// # Errors
/// [`Error::InvalidField`] for a bad `mu`; [`Error::Refused`] for dialogues of more
/// than [`BRUTE_FORCE_MAX_TURNS`] turns.
pub fn brute_force(d: &Dialogue, lat: &LatencyParams, mu: f64) -> Result<Optimum> {
    check_mu(mu)?;
    let n = d.turns.len();
    if n > BRUTE_FORCE_MAX_TURNS {
        return Err(Error::Refused {
            solver: "routing brute force",
            reason: format!(
                "{n} turns: enumerates 2^T routes, at most {BRUTE_FORCE_MAX_TURNS} turns"
            ),
        });
    }
    let mut best: Option<Optimum> = None;
    for code in 0u32..(1 << n) {
        let route: Vec<Side> = (0..n)
            .map(|t| {
                if code >> (n - 1 - t) & 1 == 1 {
                    Side::Edge
                } else {
                    Side::Device
                }
            })
            .collect();
        let cost = evaluate(d, &route, lat).weighted_cost(mu);
        if best
            .as_ref()
            .is_none_or(|b| cost < b.cost && !approx_eq(cost, b.cost))
        {
            best = Some(Optimum { route, cost });
        }
    }
    Ok(best.expect("at least one route"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::Turn;

    fn turn(score: f64, x: u32, y: u32, cd: f64, ce: f64) -> Turn {
        Turn {
            score,
            input_tokens: x,
            output_tokens: y,
            correct_device: cd,
            correct_edge: ce,
        }
    }

    #[test]
    fn mu_zero_is_pure_latency_and_large_mu_buys_correctness() {
        let lat = LatencyParams::default();
        let d = Dialogue {
            id: None,
            turns: vec![turn(0.9, 40, 80, 0.0, 1.0), turn(0.1, 10, 30, 1.0, 1.0)],
        };
        // Device is faster per turn with the defaults: latency alone keeps it local.
        assert_eq!(optimum(&d, &lat, 0.0).unwrap().route, [Side::Device; 2]);
        // A wrong answer worth 100 s sends turn 0 to the edge; turn 1 stays there
        // (switching back would re-prefill the history on the device).
        assert_eq!(optimum(&d, &lat, 100.0).unwrap().route, [Side::Edge; 2]);
    }

    #[test]
    fn ties_prefer_the_device_from_the_last_turn() {
        // Zero latency everywhere and equal correctness: every route costs 0.
        let lat = LatencyParams {
            device_prefill_s_per_token: 0.0,
            device_decode_s_per_token: 0.0,
            edge_prefill_s_per_token: 0.0,
            edge_decode_s_per_token: 0.0,
            bits_per_token: 0.0,
            edge_round_trip_s: 0.0,
            ..LatencyParams::default()
        };
        let d = Dialogue {
            id: None,
            turns: vec![turn(0.5, 1, 1, 1.0, 1.0); 4],
        };
        let o = optimum(&d, &lat, 1.0).unwrap();
        assert_eq!(o.route, [Side::Device; 4]);
        assert_eq!(o.cost, 0.0);
    }

    #[test]
    fn rejects_bad_mu_and_long_brute_force() {
        let lat = LatencyParams::default();
        let d = Dialogue {
            id: None,
            turns: vec![turn(0.5, 1, 1, 1.0, 1.0); 21],
        };
        assert!(matches!(
            optimum(&d, &lat, -1.0),
            Err(Error::InvalidField { .. })
        ));
        assert!(matches!(
            brute_force(&d, &lat, 1.0),
            Err(Error::Refused { .. })
        ));
    }
}
