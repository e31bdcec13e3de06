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
//! - [`Policy::Hysteresis`]: the static threshold with a band around it: the side
//!   holding the cache is kept unless the score leaves the band, edge iff
//!   `score > theta + band` after a device turn and iff `score > theta - band` after
//!   an edge turn (`score > theta` on the first turn). With `band = 0` it is the
//!   static threshold.
//! - [`Policy::ContextAware`]: the static threshold, except that it keeps the side
//!   holding the cache when changing side would cost more re-prefill than the
//!   score's margin is worth: it switches to the threshold's side only when the
//!   switching cost ([`LatencyParams::switch_cost_s`], the latency model's) is at
//!   most `w * |score - theta|`, `w` in seconds per unit of score. The longer the
//!   context, the larger the margin needed to move.
//!
//! Neither baseline switches more often than the static threshold with the same
//! `theta` (each switch of theirs follows a change of the threshold's side), which
//! the property tests check.
//!
//! Ties: every threshold is strict, so a score exactly at the threshold stays on the
//! device; the context rule switches when the cost equals the margin's worth.
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
    /// The static threshold with a hysteresis band (module docs).
    Hysteresis {
        /// Score threshold.
        theta: f64,
        /// Half-width of the band (>= 0).
        band: f64,
    },
    /// The static threshold that keeps the cache's side when the switching cost
    /// exceeds `w * |score - theta|` (module docs).
    ContextAware {
        /// Score threshold.
        theta: f64,
        /// Seconds of switching cost one unit of score margin is worth (>= 0).
        w: f64,
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
            Policy::Hysteresis { theta, band } => {
                format!("hysteresis(theta={theta}, band={band})")
            }
            Policy::ContextAware { theta, w } => format!("context(theta={theta}, w={w})"),
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
            Policy::Hysteresis { theta, band } => match prev {
                None => turn.score > theta,
                Some(Side::Device) => turn.score > theta + band,
                Some(Side::Edge) => turn.score > theta - band,
            },
            Policy::ContextAware { theta, w } => {
                let want = if turn.score > theta {
                    Side::Edge
                } else {
                    Side::Device
                };
                match prev {
                    Some(p) if p != want => {
                        let cost = lat.switch_cost_s(want, prev, d.history_tokens(t));
                        if cost <= w * (turn.score - theta).abs() {
                            want == Side::Edge
                        } else {
                            p == Side::Edge
                        }
                    }
                    _ => want == Side::Edge,
                }
            }
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
    /// for the seed and context rules (history sums), linear otherwise.
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
    fn hysteresis_keeps_the_cache_side_inside_the_band() {
        let lat = LatencyParams::default();
        let dia = d(&[0.7, 0.45, 0.35, 0.55, 0.65]);
        let h = Policy::Hysteresis {
            theta: 0.5,
            band: 0.1,
        };
        use Side::{Device as D, Edge as E};
        // 0.45 stays on the edge (above 0.4); 0.35 leaves; 0.55 stays on the device
        // (not above 0.6); 0.65 goes to the edge.
        assert_eq!(h.route(&dia, &lat), [E, E, D, D, E]);
        assert!(h.label().starts_with("hysteresis"));
    }

    #[test]
    fn context_rule_stays_when_the_reprefill_costs_more_than_the_margin() {
        let lat = LatencyParams::default();
        let dia = d(&[0.9, 0.45]);
        // Back to the device after turn 0: 150 tokens at 2.5 ms = 0.375 s of
        // re-prefill against a margin of 0.05.
        let cost = lat.switch_cost_s(Side::Device, Some(Side::Edge), 150.0);
        assert!((cost - 0.375).abs() < 1e-12);
        let stay = Policy::ContextAware { theta: 0.5, w: 1.0 };
        assert_eq!(stay.route(&dia, &lat), [Side::Edge, Side::Edge]);
        let go = Policy::ContextAware { theta: 0.5, w: 8.0 };
        assert_eq!(go.route(&dia, &lat), [Side::Edge, Side::Device]);
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
