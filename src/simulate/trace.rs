//! Where arrivals come from: Poisson streams per user whose queries the scenario
//! generator draws ([`poisson_arrivals`]), or a trace file replayed ([`read_trace`]).

use std::path::Path;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::instance::User;
use crate::sources::generate::{generate, GenConfig, Scenario};
use crate::validate;

/// One query's own data: the query side of a [`User`] (SPEC 1); the device side
/// (compute, power, channel) belongs to the user who sends it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Query {
    /// `D_i`: bits uploaded when offloaded.
    pub prompt_bits: f64,
    /// `W_i^L`: FLOP on the device's small model.
    pub local_flops: f64,
    /// `W_i^E`: FLOP on a server's large model, as decisions are taken with.
    pub edge_flops: f64,
    /// The FLOP the server's model actually takes, when it differs.
    #[serde(default)]
    pub realised_edge_flops: Option<f64>,
    /// `alpha_i` in \[0,1\].
    pub uncertainty: f64,
    /// Probability (or 0/1 label) that the small model answers correctly.
    #[serde(default)]
    pub p_correct_local: Option<f64>,
    /// Probability (or 0/1 label) that the large model answers correctly.
    #[serde(default)]
    pub p_correct_edge: Option<f64>,
    /// Tokens generated.
    #[serde(default)]
    pub output_tokens: Option<f64>,
}

impl Query {
    /// The query side of an instance's user.
    #[must_use]
    pub fn of_user(u: &User, alpha: f64) -> Self {
        Query {
            prompt_bits: u.prompt_bits,
            local_flops: u.local_flops,
            edge_flops: u.edge_flops,
            realised_edge_flops: u.realised_edge_flops,
            uncertainty: alpha,
            p_correct_local: u.p_correct_local,
            p_correct_edge: u.p_correct_edge,
            output_tokens: u.output_tokens,
        }
    }

    /// The user of a decision instance: this query sent from `device`'s device.
    #[must_use]
    pub fn on_device(&self, device: &User) -> User {
        User {
            prompt_bits: self.prompt_bits,
            local_flops: self.local_flops,
            edge_flops: self.edge_flops,
            realised_edge_flops: self.realised_edge_flops,
            local_flops_per_s: device.local_flops_per_s,
            tx_power_w: device.tx_power_w,
            uncertainty: Some(self.uncertainty),
            top_probs: None,
            p_correct_local: self.p_correct_local,
            p_correct_edge: self.p_correct_edge,
            output_tokens: self.output_tokens,
        }
    }
}

/// One arrival: when, from which user, which query.
#[derive(Debug, Clone, PartialEq)]
pub struct Arrival {
    /// Arrival time (s from the start).
    pub time_s: f64,
    /// The sending user (an index of the world's users).
    pub user: usize,
    /// The query.
    pub query: Query,
}

/// Poisson arrivals: every user sends queries at `rate_per_user` (1/s) independently,
/// over `[0, horizon_s)`; each query's data is a fresh draw of the scenario
/// generator's query side (prompt, work, uncertainty, correctness, output tokens:
/// `generate --scenario` means the same thing here).
#[derive(Debug, Clone, PartialEq)]
pub struct PoissonConfig {
    /// Users `N` (>= 1).
    pub users: usize,
    /// Queries per second per user (> 0).
    pub rate_per_user: f64,
    /// Length of the run (s, > 0).
    pub horizon_s: f64,
    /// Seed.
    pub seed: u64,
    /// Scenario of the query draws.
    pub scenario: Scenario,
}

/// Queries drawn per call of the generator ([`poisson_arrivals`]).
pub const QUERY_CHUNK: usize = 1024;

/// ChaCha8 stream of the arrival times and senders (the generator's own draws use
/// their seeds' stream 0).
const ARRIVAL_STREAM: u64 = 2;

/// Draws Poisson arrivals (see [`PoissonConfig`]); same configuration, same arrivals,
/// on any platform.
///
/// The superposition of `N` independent Poisson streams of rate `r` is one stream of
/// rate `N r` whose every arrival comes from a uniformly drawn user: the times are
/// exponential gaps `-ln(U) / (N r)` (`libm`'s portable log), the sender a uniform
/// index, both from ChaCha8 seeded by `seed` (stream 2). Query `k` (in arrival order)
/// is user `k mod 1024` of the `k / 1024`-th instance of [`generate`] (one server,
/// the scenario's distributions), whose seeds are drawn from the same stream in
/// advance of need, so every query is an independent draw.
///
/// # Errors
/// [`Error::InvalidField`] for zero users, or a rate or horizon that is not positive
/// and finite.
pub fn poisson_arrivals(cfg: &PoissonConfig) -> Result<Vec<Arrival>> {
    const WHAT: &str = "simulation setting";
    validate::count_at_least(WHAT, || "users".into(), cfg.users, 1)?;
    validate::positive(WHAT, || "rate_per_user".into(), cfg.rate_per_user)?;
    validate::positive(WHAT, || "horizon_s".into(), cfg.horizon_s)?;
    let total = cfg.rate_per_user * cfg.users as f64;
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    rng.set_stream(ARRIVAL_STREAM);
    let mut out = Vec::new();
    let mut t = 0.0;
    let mut chunk: Vec<Query> = Vec::new();
    loop {
        let u: f64 = rng.gen_range(f64::MIN_POSITIVE..1.0);
        t += -libm::log(u) / total;
        if t >= cfg.horizon_s {
            break;
        }
        let user = rng.gen_range(0..cfg.users);
        let k = out.len() % QUERY_CHUNK;
        if k == 0 {
            let inst = generate(&GenConfig {
                scenario: cfg.scenario,
                users: QUERY_CHUNK,
                servers: 1,
                seed: rng.gen(),
                tau: 1.0,
                ..GenConfig::default()
            })?;
            chunk = (0..QUERY_CHUNK)
                .map(|i| Query::of_user(&inst.users()[i], inst.alpha(i)))
                .collect();
        }
        out.push(Arrival {
            time_s: t,
            user,
            query: chunk[k].clone(),
        });
    }
    Ok(out)
}

/// One row of a trace file (CSV with a header, or JSON lines): the arrival time, the
/// user and the query's fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TraceRow {
    /// Arrival time (s, >= 0).
    pub arrival_s: f64,
    /// Sending user (index below the world's N).
    pub user: usize,
    /// [`Query::prompt_bits`].
    pub prompt_bits: f64,
    /// [`Query::local_flops`].
    pub local_flops: f64,
    /// [`Query::edge_flops`].
    pub edge_flops: f64,
    /// [`Query::realised_edge_flops`].
    #[serde(default)]
    pub realised_edge_flops: Option<f64>,
    /// [`Query::uncertainty`].
    pub uncertainty: f64,
    /// [`Query::p_correct_local`].
    #[serde(default)]
    pub p_correct_local: Option<f64>,
    /// [`Query::p_correct_edge`].
    #[serde(default)]
    pub p_correct_edge: Option<f64>,
    /// [`Query::output_tokens`].
    #[serde(default)]
    pub output_tokens: Option<f64>,
}

impl TraceRow {
    /// The row's query.
    #[must_use]
    pub fn query(&self) -> Query {
        Query {
            prompt_bits: self.prompt_bits,
            local_flops: self.local_flops,
            edge_flops: self.edge_flops,
            realised_edge_flops: self.realised_edge_flops,
            uncertainty: self.uncertainty,
            p_correct_local: self.p_correct_local,
            p_correct_edge: self.p_correct_edge,
            output_tokens: self.output_tokens,
        }
    }
}

const WHAT: &str = "trace row";

/// Checks one row against the rules of SPEC 1 and the world's `users`.
fn check_row(row: &TraceRow, users: usize) -> Result<()> {
    validate::non_negative(WHAT, || "arrival_s".into(), row.arrival_s)?;
    if row.user >= users {
        return Err(Error::field(
            WHAT,
            "user",
            row.user,
            format!("must be a user index below N = {users}"),
        ));
    }
    let q = &row.query();
    validate::positive(WHAT, || "prompt_bits".into(), q.prompt_bits)?;
    validate::positive(WHAT, || "local_flops".into(), q.local_flops)?;
    validate::positive(WHAT, || "edge_flops".into(), q.edge_flops)?;
    if let Some(w) = q.realised_edge_flops {
        validate::positive(WHAT, || "realised_edge_flops".into(), w)?;
    }
    validate::unit(WHAT, || "uncertainty".into(), q.uncertainty)?;
    if let Some(p) = q.p_correct_local {
        validate::unit(WHAT, || "p_correct_local".into(), p)?;
    }
    if let Some(p) = q.p_correct_edge {
        validate::unit(WHAT, || "p_correct_edge".into(), p)?;
    }
    if let Some(t) = q.output_tokens {
        validate::non_negative(WHAT, || "output_tokens".into(), t)?;
    }
    Ok(())
}

fn line_error(path: &Path, line: usize, message: impl std::fmt::Display) -> Error {
    Error::Line {
        path: path.to_path_buf(),
        line,
        message: message.to_string(),
    }
}

/// Parses a trace: CSV with a header row when `path` ends in `.csv`, JSON lines
/// (one [`TraceRow`] object a line, blank lines skipped) otherwise. Arrivals are
/// returned sorted by time (stable: equal times keep the file's order).
///
/// # Errors
/// [`Error::Line`] naming the file, the 1-based line and, for a value that breaks a
/// rule, the field, the value and the rule (`trace.csv:3: invalid trace row:
/// `prompt_bits` = -1: must be positive`); a row that does not parse, with the
/// parser's message; an empty trace.
pub fn parse_trace(text: &str, path: &Path, users: usize) -> Result<Vec<Arrival>> {
    let text = validate::strip_bom(text);
    let mut rows: Vec<(usize, TraceRow)> = Vec::new();
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
    {
        let mut rd = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let headers = rd.headers().map_err(|e| line_error(path, 1, e))?.clone();
        for rec in rd.records() {
            let rec = rec.map_err(|e| {
                let line = e.position().map_or(1, |p| p.line() as usize);
                line_error(path, line, e)
            })?;
            let line = rec.position().map_or(rows.len() + 2, |p| p.line() as usize);
            let row: TraceRow = rec
                .deserialize(Some(&headers))
                .map_err(|e| line_error(path, line, e))?;
            rows.push((line, row));
        }
    } else {
        for (k, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let row: TraceRow =
                serde_json::from_str(line).map_err(|e| line_error(path, k + 1, e))?;
            rows.push((k + 1, row));
        }
    }
    if rows.is_empty() {
        return Err(line_error(path, 1, "the trace holds no arrivals"));
    }
    let mut out = Vec::with_capacity(rows.len());
    for (line, row) in rows {
        check_row(&row, users).map_err(|e| line_error(path, line, e))?;
        out.push(Arrival {
            time_s: row.arrival_s,
            user: row.user,
            query: row.query(),
        });
    }
    out.sort_by(|a, b| a.time_s.total_cmp(&b.time_s));
    Ok(out)
}

/// Reads and parses a trace file ([`parse_trace`]).
///
/// # Errors
/// [`Error::Io`] when it cannot be read; otherwise as [`parse_trace`].
pub fn read_trace(path: &Path, users: usize) -> Result<Vec<Arrival>> {
    let text = std::fs::read_to_string(path).map_err(|error| Error::Io {
        path: path.to_path_buf(),
        error,
    })?;
    parse_trace(&text, path, users)
}

/// The largest user index in a trace file plus one (the N a trace needs), without
/// checking the rows' other fields.
///
/// # Errors
/// As [`read_trace`], for rows that do not parse.
pub fn trace_users(path: &Path) -> Result<usize> {
    let arrivals = read_trace(path, usize::MAX)?;
    Ok(arrivals.iter().map(|a| a.user + 1).max().unwrap_or(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poisson_is_seeded_and_has_the_rate() {
        let cfg = PoissonConfig {
            users: 50,
            rate_per_user: 0.2,
            horizon_s: 200.0,
            seed: 3,
            scenario: Scenario::Paper,
        };
        let a = poisson_arrivals(&cfg).unwrap();
        assert_eq!(a, poisson_arrivals(&cfg).unwrap());
        // 50 x 0.2 x 200 = 2000 expected, sd about 45
        assert!((a.len() as f64 - 2000.0).abs() < 200.0, "{}", a.len());
        assert!(a.windows(2).all(|w| w[0].time_s <= w[1].time_s));
        assert!(a.iter().all(|x| x.user < 50 && x.time_s < 200.0));
        // fresh draws past the first chunk: not a repeated pool
        assert_ne!(a[0].query, a[QUERY_CHUNK].query);
        let other = poisson_arrivals(&PoissonConfig { seed: 4, ..cfg }).unwrap();
        assert_ne!(a[0], other[0]);
    }

    #[test]
    fn bad_rows_name_file_line_field_value_and_rule() {
        let csv = "arrival_s,user,prompt_bits,local_flops,edge_flops,uncertainty\n\
                   0.5,0,4096,1e12,8e12,0.3\n\
                   0.7,1,-1,1e12,8e12,0.3\n";
        let e = parse_trace(csv, Path::new("t.csv"), 2)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("t.csv:3:"), "{e}");
        assert!(e.contains("`prompt_bits` = -1") && e.contains("> 0"), "{e}");
        let jl = "{\"arrival_s\": 0.1, \"user\": 5, \"prompt_bits\": 4096, \"local_flops\": 1e12, \"edge_flops\": 8e12, \"uncertainty\": 0.3}\n";
        let e = parse_trace(jl, Path::new("t.jsonl"), 2)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("t.jsonl:1:") && e.contains("`user` = 5"),
            "{e}"
        );
        let e = parse_trace("{\"arrival_s\": 1}\n", Path::new("t.jsonl"), 2).unwrap_err();
        assert!(e.to_string().contains("missing field"), "{e}");
        let ok = parse_trace(
            "arrival_s,user,prompt_bits,local_flops,edge_flops,uncertainty,output_tokens\n\
             2,1,4096,1e12,8e12,0.3,4\n1,0,4096,1e12,8e12,0.9,\n",
            Path::new("t.csv"),
            2,
        )
        .unwrap();
        assert_eq!(ok.len(), 2);
        assert_eq!((ok[0].time_s, ok[0].user), (1.0, 0));
        assert_eq!(ok[0].query.output_tokens, None);
        assert_eq!(ok[1].query.output_tokens, Some(4.0));
        assert!(parse_trace("\n", Path::new("t.jsonl"), 2).is_err());
    }
}
