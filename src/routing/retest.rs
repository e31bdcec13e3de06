//! The fair re-test of the seed rule (docs/routing.md): every policy family tuned on
//! a training file, reported on a test file drawn with another seed, with 95 %
//! confidence intervals over dialogues.
//!
//! # Protocol
//!
//! 1. Quality targets come from the training file alone: with `q_D`, `q_E` the
//!    quality of always-device and always-edge there, target `f` is
//!    `q_D + f * (q_E - q_D)`; `f = 1` is the large model's full quality.
//! 2. For each target and each family (static threshold, hysteresis, context rule,
//!    always-device/edge, seed rule), its parameters are tuned **on the training
//!    file**: the swept point ([`frontier::sweep`]) with the least mean latency among
//!    those with at least the target quality (within [`TOLERANCE`]; ties: fewer edge
//!    calls, then the earlier point). The strongest baseline is the non-seed family
//!    whose choice is fastest on the training file.
//! 3. Every chosen policy is run on both files. On each, the mean latency per turn,
//!    the share of large-model (edge) calls and the quality (share correct) are
//!    ratio estimates over dialogues, `sum_k x_k / sum_k n_k` (`n_k` turns of
//!    dialogue `k`), with the Student-t 95 % half-width of the linearised residuals
//!    `(x_k - r n_k) / mean(n)` ([`crate::stats::Stat`], the delta method).
//! 4. On the test file the seed rule is compared with the strongest baseline
//!    **paired by dialogue** (the same dialogues under both): latency saving
//!    `-(L_seed - L_base) / L_base`, edge-call reduction `-(E_seed - E_base) /
//!    E_base`, quality difference `Q_seed - Q_base`, each with its 95 % half-width
//!    (the relative ones divide the half-width of the paired difference by the
//!    baseline's mean: the baseline's own uncertainty is not propagated).
//!    **Equal quality** means the seed rule's quality is not significantly lower:
//!    `diff + half-width >= 0`.
//!
//! The seed's claim (5-15 % lower latency and 10-20 % fewer large-model calls at
//! equal quality) holds at a target when quality is equal, the latency saving is at
//! least 5 % and the edge-call reduction at least 10 %.

use super::frontier::{self, Family, Point, SweepConfig};
use super::policies::Policy;
use super::{evaluate, Dialogues, RouteStats};
use crate::error::Result;
use crate::report::markdown_table;
use crate::solver::TOLERANCE;
use crate::stats::Stat;

/// Settings of [`retest`].
#[derive(Debug, Clone, PartialEq)]
pub struct RetestConfig {
    /// Quality targets as fractions `f` of the way from always-device's to
    /// always-edge's training quality (module docs).
    pub fractions: Vec<f64>,
    /// The parameter grids the families are tuned over (the optimum's `mus` are not
    /// used).
    pub sweep: SweepConfig,
}

impl Default for RetestConfig {
    /// Targets `f` in {0.5, 0.75, 0.9, 1}, the default grids of [`SweepConfig`].
    fn default() -> Self {
        Self {
            fractions: vec![0.5, 0.75, 0.9, 1.0],
            sweep: SweepConfig {
                mus: Vec::new(),
                ..SweepConfig::default()
            },
        }
    }
}

/// A per-turn mean over a file and the half-width of its 95 % interval over
/// dialogues.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// The estimate.
    pub mean: f64,
    /// Half-width of the 95 % interval (0 for a single dialogue).
    pub ci95: f64,
}

impl Estimate {
    /// `(mean - ci95, mean + ci95)`.
    #[must_use]
    pub fn interval(&self) -> (f64, f64) {
        (self.mean - self.ci95, self.mean + self.ci95)
    }
}

/// `sum(x) / sum(n)` with the delta-method half-width (module docs).
fn ratio(x: &[f64], n: &[f64]) -> Estimate {
    let total_n: f64 = n.iter().sum();
    let r = x.iter().sum::<f64>() / total_n;
    let mean_n = total_n / n.len() as f64;
    let residuals: Vec<f64> = x
        .iter()
        .zip(n)
        .map(|(xk, nk)| (xk - r * nk) / mean_n)
        .collect();
    Estimate {
        mean: r,
        ci95: Stat::of(&residuals).ci95.unwrap_or(0.0),
    }
}

/// One policy's per-dialogue totals on one file.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// One entry per dialogue, in file order.
    pub per_dialogue: Vec<RouteStats>,
}

impl Run {
    /// Runs `policy` on every dialogue of `set`.
    #[must_use]
    pub fn new(set: &Dialogues, policy: &Policy) -> Self {
        Run {
            per_dialogue: set
                .dialogues
                .iter()
                .map(|d| evaluate(d, &policy.route(d, &set.latency), &set.latency))
                .collect(),
        }
    }

    fn column(&self, f: impl Fn(&RouteStats) -> f64) -> Vec<f64> {
        self.per_dialogue.iter().map(f).collect()
    }

    fn turns(&self) -> Vec<f64> {
        self.column(|s| s.turns as f64)
    }

    /// Mean latency per turn (s).
    #[must_use]
    pub fn latency_s(&self) -> Estimate {
        ratio(&self.column(|s| s.latency_s), &self.turns())
    }

    /// Share of turns served on the edge.
    #[must_use]
    pub fn edge_rate(&self) -> Estimate {
        ratio(&self.column(|s| s.edge_calls as f64), &self.turns())
    }

    /// Share of turns answered correctly.
    #[must_use]
    pub fn quality(&self) -> Estimate {
        ratio(&self.column(|s| s.correct), &self.turns())
    }
}

/// `(sum a - sum b) / sum n`, paired by dialogue, with its half-width.
fn paired(a: &Run, b: &Run, f: impl Fn(&RouteStats) -> f64) -> Estimate {
    let d: Vec<f64> = a
        .per_dialogue
        .iter()
        .zip(&b.per_dialogue)
        .map(|(x, y)| f(x) - f(y))
        .collect();
    ratio(&d, &a.turns())
}

/// One family's choice at one target, run on both files.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The family.
    pub family: Family,
    /// The policy chosen on the training file.
    pub policy: Policy,
    /// On the training file.
    pub train: Run,
    /// On the test file.
    pub test: Run,
}

/// The seed rule against the strongest baseline on the test file, paired by
/// dialogue (module docs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Versus {
    /// Index of the strongest baseline in [`Target::rows`].
    pub baseline: usize,
    /// Index of the seed rule in [`Target::rows`].
    pub seed: usize,
    /// Relative latency saving of the seed rule (fraction; > 0: faster).
    pub latency_saving: Estimate,
    /// Relative reduction of edge calls (fraction; > 0: fewer), `None` when the
    /// baseline makes none.
    pub edge_call_reduction: Option<Estimate>,
    /// Quality difference seed - baseline (fraction of turns).
    pub quality_diff: Estimate,
}

impl Versus {
    /// The seed rule's quality is not significantly below the baseline's.
    #[must_use]
    pub fn equal_quality(&self) -> bool {
        self.quality_diff.mean + self.quality_diff.ci95 >= 0.0
    }

    /// The seed's claim holds: equal quality, saving >= 5 %, calls >= 10 % fewer.
    #[must_use]
    pub fn claim_holds(&self) -> bool {
        self.equal_quality()
            && self.latency_saving.mean >= 0.05
            && self.edge_call_reduction.is_some_and(|e| e.mean >= 0.10)
    }
}

/// One quality target.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// Its fraction `f`.
    pub fraction: f64,
    /// The training quality every choice must reach.
    pub quality: f64,
    /// One row per family that reaches it on the training file.
    pub rows: Vec<Row>,
    /// The seed rule against the strongest baseline, when both reach the target.
    pub versus: Option<Versus>,
}

/// The whole re-test.
#[derive(Debug, Clone, PartialEq)]
pub struct Retest {
    /// Training file's name.
    pub train: String,
    /// Test file's name.
    pub test: String,
    /// Dialogues and turns of the training and test files.
    pub sizes: [(usize, usize); 2],
    /// Always-device and always-edge quality on the training file.
    pub anchors: (f64, f64),
    /// One entry per target.
    pub targets: Vec<Target>,
}

/// The families in table order.
const FAMILIES: [Family; 5] = [
    Family::Static,
    Family::Threshold,
    Family::Hysteresis,
    Family::Context,
    Family::SeedRule,
];

/// The fastest point of `family` with at least quality `q` (ties: fewer edge calls,
/// then the earlier point).
fn choose(points: &[Point], family: Family, q: f64) -> Option<Point> {
    points
        .iter()
        .filter(|p| p.family == family && p.stats.quality() + TOLERANCE >= q)
        .min_by(|x, y| {
            x.stats
                .mean_latency_s()
                .total_cmp(&y.stats.mean_latency_s())
                .then(x.stats.edge_calls.cmp(&y.stats.edge_calls))
        })
        .copied()
}

/// Runs the protocol of the module docs.
///
/// # Errors
/// [`crate::Error::InvalidField`] for a fraction outside \[0, 1\] or not finite; as
/// [`frontier::sweep`].
pub fn retest(train: &Dialogues, test: &Dialogues, cfg: &RetestConfig) -> Result<Retest> {
    for (k, &f) in cfg.fractions.iter().enumerate() {
        crate::validate::unit("routing setting", || format!("fractions[{k}]"), f)?;
    }
    let points = frontier::sweep(train, &cfg.sweep)?;
    let q_of = |p: Policy| frontier::run(train, &p).quality();
    let anchors = (q_of(Policy::AlwaysDevice), q_of(Policy::AlwaysEdge));
    let mut targets = Vec::new();
    for &fraction in &cfg.fractions {
        let quality = anchors.0 + fraction * (anchors.1 - anchors.0);
        let rows: Vec<Row> = FAMILIES
            .iter()
            .filter_map(|&family| choose(&points, family, quality))
            .map(|p| {
                let policy = p.policy.expect("online families carry their policy");
                Row {
                    family: p.family,
                    policy,
                    train: Run::new(train, &policy),
                    test: Run::new(test, &policy),
                }
            })
            .collect();
        let seed = rows.iter().position(|r| r.family == Family::SeedRule);
        let baseline = rows
            .iter()
            .enumerate()
            .filter(|(_, r)| r.family != Family::SeedRule)
            .min_by(|(_, x), (_, y)| {
                x.train
                    .latency_s()
                    .mean
                    .total_cmp(&y.train.latency_s().mean)
            })
            .map(|(i, _)| i);
        let versus = match (seed, baseline) {
            (Some(s), Some(b)) => {
                let (sr, br) = (&rows[s].test, &rows[b].test);
                let base_latency = br.latency_s().mean;
                let base_edge = br.edge_rate().mean;
                let dl = paired(sr, br, |x| x.latency_s);
                let de = paired(sr, br, |x| x.edge_calls as f64);
                Some(Versus {
                    baseline: b,
                    seed: s,
                    latency_saving: Estimate {
                        mean: -dl.mean / base_latency,
                        ci95: dl.ci95 / base_latency,
                    },
                    edge_call_reduction: (base_edge > 0.0).then(|| Estimate {
                        mean: -de.mean / base_edge,
                        ci95: de.ci95 / base_edge,
                    }),
                    quality_diff: paired(sr, br, |x| x.correct),
                })
            }
            _ => None,
        };
        targets.push(Target {
            fraction,
            quality,
            rows,
            versus,
        });
    }
    Ok(Retest {
        train: train.name.clone(),
        test: test.name.clone(),
        sizes: [
            (train.dialogues.len(), train.turns()),
            (test.dialogues.len(), test.turns()),
        ],
        anchors,
        targets,
    })
}

/// `mean ± ci95` scaled, without "-0.0" for values that round to zero.
fn pm(e: Estimate, scale: f64, digits: usize) -> String {
    let clean = |v: f64| {
        let shown = format!("{v:.digits$}");
        if shown
            .trim_start_matches('-')
            .chars()
            .all(|c| c == '0' || c == '.')
        {
            format!("{:.digits$}", 0.0)
        } else {
            shown
        }
    };
    format!("{} ± {}", clean(scale * e.mean), clean(scale * e.ci95))
}

/// Column names of [`Retest::table_rows`].
pub const COLUMNS: [&str; 13] = [
    "target_fraction",
    "target_quality",
    "family",
    "policy",
    "split",
    "strongest_baseline",
    "mean_latency_ms",
    "latency_ci95_ms",
    "edge_calls_pct",
    "edge_calls_ci95_pct",
    "quality_pct",
    "quality_ci95_pct",
    "dialogues",
];

impl Retest {
    /// One row per target, family and split, as [`COLUMNS`] (numbers unrounded).
    #[must_use]
    pub fn table_rows(&self) -> Vec<Vec<String>> {
        let mut out = Vec::new();
        for t in &self.targets {
            for (i, r) in t.rows.iter().enumerate() {
                for (split, run, k) in [("train", &r.train, 0), ("test", &r.test, 1)] {
                    let (l, e, q) = (run.latency_s(), run.edge_rate(), run.quality());
                    out.push(vec![
                        format!("{}", t.fraction),
                        format!("{:.6}", t.quality),
                        r.family.name().to_string(),
                        r.policy.label(),
                        split.to_string(),
                        t.versus.is_some_and(|v| v.baseline == i).to_string(),
                        format!("{:.4}", 1e3 * l.mean),
                        format!("{:.4}", 1e3 * l.ci95),
                        format!("{:.4}", 100.0 * e.mean),
                        format!("{:.4}", 100.0 * e.ci95),
                        format!("{:.4}", 100.0 * q.mean),
                        format!("{:.4}", 100.0 * q.ci95),
                        self.sizes[k].0.to_string(),
                    ]);
                }
            }
        }
        out
    }

    /// The table as CSV (header [`COLUMNS`]).
    #[must_use]
    pub fn csv(&self) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(COLUMNS).expect("CSV into memory");
        for r in self.table_rows() {
            w.write_record(&r).expect("CSV into memory");
        }
        String::from_utf8(w.into_inner().expect("CSV into memory"))
            .expect("CSV of UTF-8 fields is UTF-8")
    }

    /// The table and the seed-vs-baseline comparisons as JSON.
    #[must_use]
    pub fn json(&self) -> String {
        let rows: Vec<serde_json::Value> = self
            .table_rows()
            .into_iter()
            .map(|r| {
                serde_json::Value::Object(
                    COLUMNS
                        .iter()
                        .zip(r)
                        .map(|(k, v)| ((*k).to_string(), serde_json::Value::String(v)))
                        .collect(),
                )
            })
            .collect();
        let versus: Vec<serde_json::Value> = self
            .targets
            .iter()
            .filter_map(|t| {
                t.versus.map(|v| {
                    serde_json::json!({
                        "target_fraction": t.fraction,
                        "strongest_baseline": t.rows[v.baseline].policy.label(),
                        "seed_rule": t.rows[v.seed].policy.label(),
                        "latency_saving": v.latency_saving.mean,
                        "latency_saving_ci95": v.latency_saving.ci95,
                        "edge_call_reduction": v.edge_call_reduction.map(|e| e.mean),
                        "edge_call_reduction_ci95": v.edge_call_reduction.map(|e| e.ci95),
                        "quality_diff": v.quality_diff.mean,
                        "quality_diff_ci95": v.quality_diff.ci95,
                        "equal_quality": v.equal_quality(),
                        "claim_holds": v.claim_holds(),
                    })
                })
            })
            .collect();
        let mut s = serde_json::to_string_pretty(&serde_json::json!({
            "train": self.train,
            "test": self.test,
            "rows": rows,
            "seed_vs_strongest_baseline_on_test": versus,
        }))
        .expect("JSON of strings and numbers");
        s.push('\n');
        s
    }

    /// The printed report: the protocol in one paragraph, one table per target and
    /// the verdict line of each.
    #[must_use]
    pub fn text(&self) -> String {
        let mut s = format!(
            "Re-test: parameters tuned on {} ({} dialogues, {} turns), reported on {} ({} dialogues, {} turns).\n\
             Target quality = q_device + f (q_edge - q_device) on the training file (q_device {:.1} %, q_edge {:.1} %); \
             each family's fastest point reaching it on the training file; ± = 95 % CI over dialogues; \
             * = strongest baseline (fastest on the training file). Seed vs baseline: on the test file, paired by dialogue; \
             equal quality = the quality difference's CI reaches 0 or above.\n",
            self.train,
            self.sizes[0].0,
            self.sizes[0].1,
            self.test,
            self.sizes[1].0,
            self.sizes[1].1,
            100.0 * self.anchors.0,
            100.0 * self.anchors.1,
        );
        for t in &self.targets {
            let mut rows = Vec::new();
            for (i, r) in t.rows.iter().enumerate() {
                let star = if t.versus.is_some_and(|v| v.baseline == i) {
                    " *"
                } else {
                    ""
                };
                for (split, run) in [("train", &r.train), ("test", &r.test)] {
                    rows.push(vec![
                        format!("{}{star}", r.policy.label()),
                        split.to_string(),
                        pm(run.latency_s(), 1e3, 1),
                        pm(run.edge_rate(), 100.0, 1),
                        pm(run.quality(), 100.0, 1),
                    ]);
                }
            }
            s.push_str(&format!(
                "\nTarget f = {} (training quality >= {:.1} %)\n{}\n",
                t.fraction,
                100.0 * t.quality,
                markdown_table(
                    &[
                        "policy",
                        "split",
                        "latency ms",
                        "large-model calls %",
                        "quality %"
                    ],
                    rows
                )
            ));
            match &t.versus {
                Some(v) => s.push_str(&format!(
                    "seed rule vs {} on the test file: latency saving {} %, large-model call reduction {} %, \
                     quality difference {} points: {}; claim (>= 5 % faster and >= 10 % fewer calls at equal quality) {}\n",
                    t.rows[v.baseline].policy.label(),
                    pm(v.latency_saving, 100.0, 1),
                    v.edge_call_reduction
                        .map_or_else(|| "n/a".into(), |e| pm(e, 100.0, 1)),
                    pm(v.quality_diff, 100.0, 2),
                    if v.equal_quality() {
                        "equal quality"
                    } else {
                        "LOWER quality"
                    },
                    if v.claim_holds() { "HOLDS" } else { "does not hold" },
                )),
                None => s.push_str("no seed-rule or baseline point reaches this target on the training file\n"),
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::synth::{generate, SynthConfig};

    fn set(seed: u64) -> Dialogues {
        generate(&SynthConfig {
            dialogues: 40,
            seed,
            ..SynthConfig::default()
        })
        .unwrap()
    }

    fn small() -> RetestConfig {
        RetestConfig {
            fractions: vec![0.5, 1.0],
            sweep: SweepConfig {
                thresholds: vec![0.3, 0.5, 0.7],
                a_values: vec![0.5, 2.0],
                seed_thetas: vec![-0.5, 0.0, 0.4],
                hysteresis_thetas: vec![0.5],
                bands: vec![0.1],
                context_thetas: vec![0.5],
                ws: vec![2.0],
                mus: Vec::new(),
                ..SweepConfig::default()
            },
        }
    }

    #[test]
    fn ratio_interval_is_the_delta_method() {
        // Equal-size dialogues: the ratio is the mean of the per-dialogue means and
        // the half-width that of a plain mean of them.
        let x = [2.0, 4.0, 6.0];
        let n = [2.0, 2.0, 2.0];
        let r = ratio(&x, &n);
        assert!((r.mean - 2.0).abs() < 1e-12);
        let plain = Stat::of(&[1.0, 2.0, 3.0]);
        assert!((r.ci95 - plain.ci95.unwrap()).abs() < 1e-12);
    }

    #[test]
    fn choices_reach_the_target_on_train_and_tables_are_complete() {
        let (train, test) = (set(1), set(2));
        let r = retest(&train, &test, &small()).unwrap();
        assert_eq!(r.targets.len(), 2);
        for t in &r.targets {
            for row in &t.rows {
                assert!(
                    row.train.quality().mean + TOLERANCE >= t.quality,
                    "{}",
                    row.policy.label()
                );
                assert_eq!(row.test.per_dialogue.len(), test.dialogues.len());
            }
            if let Some(v) = t.versus {
                assert_ne!(t.rows[v.baseline].family, Family::SeedRule);
                assert_eq!(t.rows[v.seed].family, Family::SeedRule);
                // The strongest baseline is the fastest baseline on the training file.
                let best = t.rows[v.baseline].train.latency_s().mean;
                for row in t.rows.iter().filter(|r| r.family != Family::SeedRule) {
                    assert!(best <= row.train.latency_s().mean);
                }
            }
        }
        // f = 1 is always-edge's quality: always-edge itself qualifies.
        assert!(r.targets[1]
            .rows
            .iter()
            .any(|row| row.policy == Policy::AlwaysEdge));
        let csv = r.csv();
        assert_eq!(csv.lines().count(), 1 + r.table_rows().len());
        assert!(csv.starts_with("target_fraction,target_quality,family,policy,split"));
        let json: serde_json::Value = serde_json::from_str(&r.json()).unwrap();
        assert_eq!(json["rows"].as_array().unwrap().len(), r.table_rows().len());
        let text = r.text();
        assert!(text.contains("Target f = 0.5"), "{text}");
        assert!(text.contains("train") && text.contains("test"), "{text}");
    }

    #[test]
    fn a_policy_against_itself_saves_nothing() {
        let s = set(3);
        let run = Run::new(&s, &Policy::Threshold { theta: 0.5 });
        let d = paired(&run, &run, |x| x.latency_s);
        assert_eq!((d.mean, d.ci95), (0.0, 0.0));
        assert!(retest(
            &s,
            &s,
            &RetestConfig {
                fractions: vec![1.5],
                ..small()
            }
        )
        .is_err());
    }
}
