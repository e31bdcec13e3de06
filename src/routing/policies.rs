//! Online routing policies: each turn is routed knowing only the past and the turn's
//! own score and token counts (SPEC 7).
//!
//! - [`Policy::AlwaysDevice`], [`Policy::AlwaysEdge`]: static baselines.
//! - [`Policy::Threshold`]: edge iff `score > theta` (the static score threshold).
//! - [`Policy::SeedRule`]: the seed system's rule, edge iff
//!   `score - a * (T_edge - T_device) > theta`, where `T_side` is the turn's latency
//!   on that side given the side holding the cache ([`LatencyParams::serve`]), so the
//!   switching cost is included in the multi-turn case. With `a = 0` it is the static
//!   threshold.
//!
//! Ties: both thresholds are strict, so a score exactly at the threshold stays on the
//! device.
//!
//! What the seed rule knows of the output length is an explicit choice,
//! [`OutputEstimate`]: the true count is a length oracle (favours the rule), a fixed
//! estimate is what a system without a length predictor has.

use super::{Dialogue, LatencyParams, Side};

/// The output length the seed rule assumes when estimating `T_edge - T_device`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum OutputEstimate {
    /// The turn's true `output_tokens` (a length oracle).
    #[default]
    Actual,
    /// This many tokens for every turn.
    Fixed(f64),
}

/// An online routing policy (module docs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Policy {
    /// Every turn on the device.
    AlwaysDevice,
    /// Every turn on the edge.
    AlwaysEdge,
    /// Edge iff `score > theta`.
    Threshold {
        /// Score threshold.
        theta: f64,
    },
    /// Edge iff `score - a * (T_edge - T_device) > theta`.
    SeedRule {
        /// Weight of the latency difference (1/s).
        a: f64,
        /// Threshold.
        theta: f64,
        /// Output length assumed in `T`.
        output: OutputEstimate,
    },
}

impl Policy {
    /// A short label, e.g. `threshold(theta=0.5)`.
    #[must_use]
    pub fn label(&self) -> String {
        match *self {
            Policy::AlwaysDevice => "always-device".into(),
            Policy::AlwaysEdge => "always-edge".into(),
            Policy::Threshold { theta } => format!("threshold(theta={theta})"),
            Policy::SeedRule { a, theta, output } => match output {
                OutputEstimate::Actual => format!("seed-rule(a={a}, theta={theta})"),
                OutputEstimate::Fixed(y) => {
                    format!("seed-rule(a={a}, theta={theta}, output={y})")
                }
            },
        }
    }

    /// The side chosen for turn `t` of `d` when `prev` served turn `t - 1`.
    /// Constant time except for the history sum of the seed rule (linear in `t`).
    ///
    /// # Panics
    /// When `t` is out of range.
    #[must_use]
    pub fn decide(&self, d: &Dialogue, t: usize, prev: Option<Side>, lat: &LatencyParams) -> Side {
        let turn = &d.turns[t];
        let edge = match *self {
            Policy::AlwaysDevice => false,
            Policy::AlwaysEdge => true,
            Policy::Threshold { theta } => turn.score > theta,
            Policy::SeedRule { a, theta, output } => {
                let y = match output {
                    OutputEstimate::Actual => f64::from(turn.output_tokens),
                    OutputEstimate::Fixed(y) => y,
                };
                let h = d.history_tokens(t);
                let x = f64::from(turn.input_tokens);
                let t_edge = lat.serve(Side::Edge, prev, h, x, y).total_s();
                let t_device = lat.serve(Side::Device, prev, h, x, y).total_s();
                turn.score - a * (t_edge - t_device) > theta
            }
        };
        if edge {
            Side::Edge
        } else {
            Side::Device
        }
    }

    /// The route of a whole dialogue, turn by turn. Quadratic in the number of turns
    /// for the seed rule (history sums), linear otherwise.
    #[must_use]
    pub fn route(&self, d: &Dialogue, lat: &LatencyParams) -> Vec<Side> {
        let mut route = Vec::with_capacity(d.turns.len());
        let mut prev = None;
        for t in 0..d.turns.len() {
            let side = self.decide(d, t, prev, lat);
            route.push(side);
            prev = Some(side);
        }
        route
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::Turn;

    fn d(scores: &[f64]) -> Dialogue {
        Dialogue {
            id: None,
            turns: scores
                .iter()
                .map(|&score| Turn {
                    score,
                    input_tokens: 50,
                    output_tokens: 100,
                    correct_device: 0.0,
                    correct_edge: 1.0,
                })
                .collect(),
        }
    }

    #[test]
    fn threshold_is_strict() {
        let lat = LatencyParams::default();
        let r = Policy::Threshold { theta: 0.5 }.route(&d(&[0.5, 0.51, 0.2]), &lat);
        assert_eq!(r, [Side::Device, Side::Edge, Side::Device]);
    }

    #[test]
    fn seed_rule_with_zero_weight_is_the_threshold() {
        let lat = LatencyParams::default();
        let dia = d(&[0.1, 0.6, 0.4, 0.9, 0.5]);
        for theta in [0.0, 0.3, 0.5, 0.7] {
            let seed = Policy::SeedRule {
                a: 0.0,
                theta,
                output: OutputEstimate::Actual,
            };
            assert_eq!(
                seed.route(&dia, &lat),
                Policy::Threshold { theta }.route(&dia, &lat)
            );
        }
    }

    #[test]
    fn seed_rule_is_sticky_after_a_long_edge_history() {
        // After the edge served, going back to the device re-prefills the history on
        // the slow device, so a score the static threshold sends to the device stays
        // on the edge under the seed rule.
        let lat = LatencyParams::default();
        let dia = d(&[0.9, 0.9, 0.45]);
        let seed = Policy::SeedRule {
            a: 1.0,
            theta: 0.0,
            output: OutputEstimate::Actual,
        };
        assert_eq!(seed.route(&dia, &lat)[2], Side::Edge);
        assert_eq!(
            Policy::Threshold { theta: 0.5 }.route(&dia, &lat)[2],
            Side::Device
        );
    }
}
