//! The latency model of edge-device routing: the only place routing latencies are
//! computed (SPEC 7).
//!
//! # Model
//!
//! Serving a turn with `x` new input tokens and `y` output tokens, when the history
//! before it holds `h` tokens (the inputs and outputs of all earlier turns):
//!
//! - on the **device**: `x * device_prefill + y * device_decode`;
//! - on the **edge**: `edge_round_trip + x * bits_per_token / uplink + x *
//!   edge_prefill + y * edge_decode + y * bits_per_token / downlink` (the download
//!   of the answer is not overlapped with decoding: conservative);
//! - plus, when the previous turn was served on the **other** side, the **switching
//!   cost**: that side holds the KV cache of the history and this one holds none, so
//!   the whole history is prefilled again, `h * prefill` of the new side, and, when
//!   moving to the edge, uploaded first, `h * bits_per_token / uplink`. Moving to the
//!   device uploads nothing: the device already has the text of every turn.
//!
//! The first turn of a dialogue has no history and no switching cost. A side that
//! keeps serving reuses its cache, so only the new input is prefilled. A side that
//! served earlier turns but not the last one is treated as holding no cache (the
//! seed's model, SPEC 7: the state is the side holding the cache, not how much of
//! the history each side has seen).
//!
//! # Default parameters
//!
//! **Illustrative**, not measurements: a labelled example (the built-in preset
//! `illustrative`). Parameters from published measurements, with the source of each
//! figure, are the presets of [`super::preset`] (docs/routing.md); with them the edge
//! decodes faster than the phone, unlike here.
//!
//! | parameter | default | reading |
//! |---|---|---|
//! | `device_prefill_s_per_token` | 0.0025 | 400 tok/s prompt processing, a 1-3B 4-bit model on a flagship phone |
//! | `device_decode_s_per_token` | 0.025 | 40 tok/s generation, same |
//! | `edge_prefill_s_per_token` | 0.00025 | 4000 tok/s, a 7-8B FP16 model on one data-centre GPU |
//! | `edge_decode_s_per_token` | 0.03 | 33 tok/s per stream under batched load, same |
//! | `uplink_bits_per_s` | 2e7 | 20 Mbit/s (5G / Wi-Fi uplink) |
//! | `downlink_bits_per_s` | 5e7 | 50 Mbit/s |
//! | `bits_per_token` | 32 | about 4 bytes of text per token (as `generate.rs`) |
//! | `edge_round_trip_s` | 0.05 | network round trip plus request scheduling |
//!
//! With these figures the edge decodes slightly slower per stream than a small local
//! model (it is shared), prefills ten times faster, and every edge call pays a round
//! trip: the large model buys quality at a latency price, and switching back to the
//! device after a long edge stretch is expensive (slow device prefill of the history).

use serde::{Deserialize, Serialize};

use super::{Dialogue, Side};
use crate::error::Result;
use crate::validate;

/// Device, edge and link parameters of the latency model (module docs), with units in
/// the field names.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LatencyParams {
    /// Device prefill time per input token (s).
    pub device_prefill_s_per_token: f64,
    /// Device decode time per output token (s).
    pub device_decode_s_per_token: f64,
    /// Edge prefill time per input token (s).
    pub edge_prefill_s_per_token: f64,
    /// Edge decode time per output token (s).
    pub edge_decode_s_per_token: f64,
    /// Uplink rate device -> edge (bit/s).
    pub uplink_bits_per_s: f64,
    /// Downlink rate edge -> device (bit/s).
    pub downlink_bits_per_s: f64,
    /// Bits per token on the link.
    pub bits_per_token: f64,
    /// Fixed time of every edge call: network round trip and scheduling (s).
    pub edge_round_trip_s: f64,
}

impl Default for LatencyParams {
    /// The illustrative defaults of the module docs (not measurements).
    fn default() -> Self {
        Self {
            device_prefill_s_per_token: 0.0025,
            device_decode_s_per_token: 0.025,
            edge_prefill_s_per_token: 0.000_25,
            edge_decode_s_per_token: 0.03,
            uplink_bits_per_s: 2e7,
            downlink_bits_per_s: 5e7,
            bits_per_token: 32.0,
            edge_round_trip_s: 0.05,
        }
    }
}

/// The parts of one turn's latency (s); [`TurnLatency::total_s`] is their sum.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TurnLatency {
    /// Re-prefill (and, to the edge, upload) of the history after a change of side.
    pub switch_s: f64,
    /// Round trip, input upload and output download (edge only).
    pub network_s: f64,
    /// Prefill of the new input tokens.
    pub prefill_s: f64,
    /// Decoding of the output tokens.
    pub decode_s: f64,
}

impl TurnLatency {
    /// The turn's latency (s).
    #[must_use]
    pub fn total_s(&self) -> f64 {
        self.switch_s + self.network_s + self.prefill_s + self.decode_s
    }
}

impl LatencyParams {
    /// Checks every parameter: times and bits per token finite and `>= 0`, rates
    /// finite and `> 0`. `what` and `prefix` name the source in errors (e.g.
    /// `"dialogue file"`, `"latency"`).
    ///
    /// # Errors
    /// [`Error::InvalidField`] naming the first bad parameter.
    pub fn validate(&self, what: &'static str, prefix: &str) -> Result<()> {
        let nonneg = [
            (
                "device_prefill_s_per_token",
                self.device_prefill_s_per_token,
            ),
            ("device_decode_s_per_token", self.device_decode_s_per_token),
            ("edge_prefill_s_per_token", self.edge_prefill_s_per_token),
            ("edge_decode_s_per_token", self.edge_decode_s_per_token),
            ("bits_per_token", self.bits_per_token),
            ("edge_round_trip_s", self.edge_round_trip_s),
        ];
        for (name, v) in nonneg {
            validate::non_negative(what, || format!("{prefix}.{name}"), v)?;
        }
        let rates = [
            ("uplink_bits_per_s", self.uplink_bits_per_s),
            ("downlink_bits_per_s", self.downlink_bits_per_s),
        ];
        for (name, v) in rates {
            validate::positive(what, || format!("{prefix}.{name}"), v)?;
        }
        Ok(())
    }

    fn prefill(&self, side: Side) -> f64 {
        match side {
            Side::Device => self.device_prefill_s_per_token,
            Side::Edge => self.edge_prefill_s_per_token,
        }
    }

    fn decode(&self, side: Side) -> f64 {
        match side {
            Side::Device => self.device_decode_s_per_token,
            Side::Edge => self.edge_decode_s_per_token,
        }
    }

    /// The switching cost (s) of serving on `side` after `prev` with a history of
    /// `history_tokens`: `h * prefill` of `side`, plus `h * bits_per_token / uplink`
    /// when `side` is the edge, exactly when `prev` is the other side; 0 otherwise
    /// (same side, or the first turn). Constant time.
    #[must_use]
    pub fn switch_cost_s(&self, side: Side, prev: Option<Side>, history_tokens: f64) -> f64 {
        if prev.is_none_or(|p| p == side) {
            return 0.0;
        }
        let mut s = history_tokens * self.prefill(side);
        if side == Side::Edge {
            let upload = self.bits_per_token / self.uplink_bits_per_s;
            s += history_tokens * upload;
        }
        s
    }

    /// Latency of serving `input_tokens` new input and `output_tokens` output tokens
    /// on `side` after a history of `history_tokens`, when `prev` served the previous
    /// turn (`None`: first turn). The switching cost is charged exactly when `prev` is
    /// the other side. Constant time.
    #[must_use]
    pub fn serve(
        &self,
        side: Side,
        prev: Option<Side>,
        history_tokens: f64,
        input_tokens: f64,
        output_tokens: f64,
    ) -> TurnLatency {
        let upload = self.bits_per_token / self.uplink_bits_per_s;
        let switch_s = self.switch_cost_s(side, prev, history_tokens);
        let network_s = match side {
            Side::Device => 0.0,
            Side::Edge => {
                self.edge_round_trip_s
                    + input_tokens * upload
                    + output_tokens * self.bits_per_token / self.downlink_bits_per_s
            }
        };
        TurnLatency {
            switch_s,
            network_s,
            prefill_s: input_tokens * self.prefill(side),
            decode_s: output_tokens * self.decode(side),
        }
    }

    /// A ceiling on the latency (s) of any route through `d`: every turn on its slower
    /// side and charged the switching cost as if the other side served the turn
    /// before. Validation checks it is finite, so that no route (and no sum of routes
    /// over a file) can overflow to infinity. Linear in the number of turns.
    #[must_use]
    pub fn latency_ceiling_s(&self, d: &Dialogue) -> f64 {
        let mut history = 0.0;
        let mut total = 0.0;
        for turn in &d.turns {
            let (x, y) = (f64::from(turn.input_tokens), f64::from(turn.output_tokens));
            total += [(Side::Device, Side::Edge), (Side::Edge, Side::Device)]
                .into_iter()
                .map(|(side, prev)| self.serve(side, Some(prev), history, x, y).total_s())
                .fold(0.0, f64::max);
            history += x + y;
        }
        total
    }

    /// Latency of turn `t` of `d` on `side` after `prev` ([`LatencyParams::serve`]
    /// with the turn's own token counts). Linear in `t` (sums the history).
    ///
    /// # Panics
    /// When `t` is out of range.
    #[must_use]
    pub fn turn(&self, d: &Dialogue, t: usize, side: Side, prev: Option<Side>) -> TurnLatency {
        let turn = &d.turns[t];
        self.serve(
            side,
            prev,
            d.history_tokens(t),
            f64::from(turn.input_tokens),
            f64::from(turn.output_tokens),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::Turn;

    fn dialogue() -> Dialogue {
        let turn = |x, y| Turn {
            score: 0.5,
            input_tokens: x,
            output_tokens: y,
            correct_device: 1.0,
            correct_edge: 1.0,
        };
        Dialogue {
            id: None,
            turns: vec![turn(10, 20), turn(5, 7), turn(3, 4)],
        }
    }

    #[test]
    fn switching_cost_is_the_history_reprefill_plus_upload_to_the_edge() {
        let p = LatencyParams::default();
        let d = dialogue();
        let h = 10.0 + 20.0 + 5.0 + 7.0;
        let to_edge = p.turn(&d, 2, Side::Edge, Some(Side::Device));
        let expected = h * (p.edge_prefill_s_per_token + p.bits_per_token / p.uplink_bits_per_s);
        assert!((to_edge.switch_s - expected).abs() < 1e-15);
        let to_device = p.turn(&d, 2, Side::Device, Some(Side::Edge));
        assert!((to_device.switch_s - h * p.device_prefill_s_per_token).abs() < 1e-15);
        for side in Side::BOTH {
            assert_eq!(p.turn(&d, 2, side, Some(side)).switch_s, 0.0);
            assert_eq!(p.turn(&d, 0, side, None).switch_s, 0.0);
        }
    }

    #[test]
    fn edge_turn_pays_round_trip_and_transfers() {
        let p = LatencyParams::default();
        let d = dialogue();
        let e = p.turn(&d, 0, Side::Edge, None);
        let expected = p.edge_round_trip_s
            + 10.0 * p.bits_per_token / p.uplink_bits_per_s
            + 20.0 * p.bits_per_token / p.downlink_bits_per_s;
        assert!((e.network_s - expected).abs() < 1e-15);
        assert!((e.decode_s - 20.0 * p.edge_decode_s_per_token).abs() < 1e-15);
        assert_eq!(p.turn(&d, 0, Side::Device, None).network_s, 0.0);
    }

    #[test]
    fn validation_names_the_parameter() {
        let p = LatencyParams {
            uplink_bits_per_s: 0.0,
            ..LatencyParams::default()
        };
        let e = p.validate("dialogue file", "latency").unwrap_err();
        assert!(e.to_string().contains("latency.uplink_bits_per_s"), "{e}");
        let p = LatencyParams {
            edge_decode_s_per_token: f64::NAN,
            ..LatencyParams::default()
        };
        let e = p.validate("dialogue file", "latency").unwrap_err();
        assert!(
            e.to_string().contains("latency.edge_decode_s_per_token"),
            "{e}"
        );
    }
}
