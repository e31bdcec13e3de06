//! The constants of the first seed paper's simulation scenario (SPEC 6), shared by the
//! generator ([`super::generate`]) and the measured-query reader ([`super::queries`]),
//! which converts tokens and latencies into the scenario's units.

/// Speed of light (m/s).
pub(crate) const LIGHT_M_PER_S: f64 = 299_792_458.0;
/// Carrier frequency (Hz).
pub const CARRIER_HZ: f64 = 3.5e9;
/// Side of the square area (m).
pub const AREA_M: f64 = 500.0;
/// Uplink band per server (Hz).
pub const BANDWIDTH_HZ: f64 = 1e8;
/// Transmit power (W).
pub const TX_POWER_W: f64 = 0.2;
/// Noise spectral density (dBm/Hz).
pub const NOISE_DBM_PER_HZ: f64 = -174.0;
/// Mean device compute (FLOP/s).
pub const DEVICE_FLOPS_PER_S: f64 = 91.06e12;
/// Per-user server compute cap (FLOP/s).
pub const SERVER_CAP_FLOPS_PER_S: f64 = 1513e12;
/// Large-model work over small-model work.
pub const EDGE_WORK_RATIO: f64 = 8.0;
/// Target mean local delay (s).
pub const MEAN_LOCAL_DELAY_S: f64 = 0.036;
/// Bits uploaded per prompt token.
pub const BITS_PER_TOKEN: f64 = 32.0;
