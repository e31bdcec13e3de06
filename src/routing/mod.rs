//! Quality-latency routing of single queries and multi-turn dialogues between a small
//! model on the device and a large model on the edge server (SPEC 7).
//!
//! A different decision problem from the offloading assignment of the rest of the
//! crate: one user, one dialogue at a time, no shared resources. Each turn of a
//! dialogue is served by one [`Side`]; the side that served the previous turn holds
//! the KV cache of the history, so changing sides costs re-prefilling the whole
//! history on the new side (plus uploading it when moving to the edge). A single query
//! is a dialogue of one turn.
//!
//! - [`dialogue`]: the dialogue file (JSON), its validation.
//! - [`latency`]: the latency model, the only place routing latencies are computed.
//! - [`policies`]: always-device, always-edge, the static score threshold, its
//!   hysteresis and context-aware variants, and the seed's rule
//!   `score - a * (T_edge - T_device) > theta`.
//! - [`preset`]: latency presets of named device/edge pairs with the source of every
//!   figure, and their file format.
//! - [`retest`]: every policy tuned on a training file and reported on a test file,
//!   with confidence intervals over dialogues.
//! - [`optimum`]: the offline optimum of a dialogue, a shortest path over
//!   (turn, side holding the cache) states (petgraph), and a brute-force reference.
//! - [`frontier`]: runs over a file, sweeps of the policies' parameters, and the
//!   matched-quality comparison of two policies.
//! - [`synth`]: the seeded generator of synthetic dialogues.
//! - [`report`]: the texts, CSV files and chart of `llm-offload route`.
//!
//! # Weighted cost
//!
//! The quality-latency trade-off is scalarised as the weighted cost of a turn,
//! `latency_s + mu * (1 - correct)`, where `correct` is the serving side's correctness
//! (0/1 label or probability) and `mu >= 0` is the number of seconds one wrong answer
//! is worth. The cost of a route is the sum over its turns ([`RouteStats::weighted_cost`]).
//!
//! # Example
//!
//! ```
//! use llm_offload::routing::{evaluate, optimum::optimum, policies::Policy, synth};
//!
//! let set = synth::generate(&synth::SynthConfig { dialogues: 5, seed: 3, ..Default::default() })?;
//! let d = &set.dialogues[0];
//! let route = Policy::Threshold { theta: 0.5 }.route(d, &set.latency);
//! let stats = evaluate(d, &route, &set.latency);
//! let best = optimum(d, &set.latency, 2.0)?;
//! assert!(best.cost <= stats.weighted_cost(2.0) + 1e-9);
//! # Ok::<(), llm_offload::Error>(())
//! ```

pub mod dialogue;
pub mod frontier;
pub mod latency;
pub mod optimum;
pub mod policies;
pub mod preset;
pub mod report;
pub mod retest;
pub mod synth;

use serde::{Deserialize, Serialize};

pub use dialogue::{Dialogue, DialogueFile, Dialogues, Turn};
pub use latency::LatencyParams;

/// Where a turn is served, and so which side holds the KV cache after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// The device's small model.
    Device,
    /// The edge server's large model.
    Edge,
}

impl Side {
    /// Both sides, in tie-break order (the device first).
    pub const BOTH: [Side; 2] = [Side::Device, Side::Edge];

    /// The serving side's correctness on `turn` (0/1 label or probability).
    #[must_use]
    pub fn correct(self, turn: &Turn) -> f64 {
        match self {
            Side::Device => turn.correct_device,
            Side::Edge => turn.correct_edge,
        }
    }
}

/// Totals of a route (or of many routes, summed with [`RouteStats::add`]).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RouteStats {
    /// Turns served.
    pub turns: usize,
    /// Turns served on the edge (large-model calls).
    pub edge_calls: usize,
    /// Turns served on a different side than the previous turn of their dialogue.
    pub switches: usize,
    /// Total latency (s).
    pub latency_s: f64,
    /// Expected number of correct answers (sum of the serving sides' correctness).
    pub correct: f64,
}

impl RouteStats {
    /// Adds `other` into `self`.
    pub fn add(&mut self, other: &RouteStats) {
        self.turns += other.turns;
        self.edge_calls += other.edge_calls;
        self.switches += other.switches;
        self.latency_s += other.latency_s;
        self.correct += other.correct;
    }

    /// `latency_s + mu * (turns - correct)`: the weighted cost (module docs).
    #[must_use]
    pub fn weighted_cost(&self, mu: f64) -> f64 {
        self.latency_s + mu * (self.turns as f64 - self.correct)
    }

    /// Mean latency per turn (s); 0 for no turns.
    #[must_use]
    pub fn mean_latency_s(&self) -> f64 {
        self.per_turn(self.latency_s)
    }

    /// Share of turns served on the edge; 0 for no turns.
    #[must_use]
    pub fn edge_rate(&self) -> f64 {
        self.per_turn(self.edge_calls as f64)
    }

    /// Share of turns answered correctly (expected); 0 for no turns.
    #[must_use]
    pub fn quality(&self) -> f64 {
        self.per_turn(self.correct)
    }

    fn per_turn(&self, x: f64) -> f64 {
        if self.turns == 0 {
            0.0
        } else {
            x / self.turns as f64
        }
    }
}

/// The weighted cost of serving turn `t` of `d` on `side` when `prev` served turn
/// `t - 1` (`None` for the first turn): `latency + mu * (1 - correct)`.
///
/// # Panics
/// When `t` is out of range.
#[must_use]
pub fn turn_cost(
    d: &Dialogue,
    t: usize,
    side: Side,
    prev: Option<Side>,
    lat: &LatencyParams,
    mu: f64,
) -> f64 {
    lat.turn(d, t, side, prev).total_s() + mu * (1.0 - side.correct(&d.turns[t]))
}

/// Latency, edge calls, switches and correctness of serving `d` along `route`.
///
/// Linear in the number of turns.
///
/// # Panics
/// When `route` does not have one side per turn.
#[must_use]
pub fn evaluate(d: &Dialogue, route: &[Side], lat: &LatencyParams) -> RouteStats {
    assert_eq!(route.len(), d.turns.len(), "one side per turn");
    let mut s = RouteStats::default();
    let mut prev = None;
    for (t, &side) in route.iter().enumerate() {
        s.turns += 1;
        s.edge_calls += usize::from(side == Side::Edge);
        s.switches += usize::from(prev.is_some_and(|p| p != side));
        s.latency_s += lat.turn(d, t, side, prev).total_s();
        s.correct += side.correct(&d.turns[t]);
        prev = Some(side);
    }
    s
}
