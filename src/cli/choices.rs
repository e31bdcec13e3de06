//! The command line's spellings of the library's option enums.
//!
//! The library knows nothing of clap: each enum here mirrors one library enum
//! variant for variant (same names on the command line as before) and maps onto it
//! with `From`. A new library variant fails to compile here until it is given a
//! spelling, because every `match` below is exhaustive.

use clap::ValueEnum;
use llm_offload::instance::Weights as LibWeights;
use llm_offload::solvers::best_response::{Order as LibOrder, Start as LibStart};
use llm_offload::solvers::mip::export::Format as LibMipFormat;
use llm_offload::sources::generate::{Scenario as LibScenario, VariantPreset as LibPreset};

/// Delay weights of the objective (`llm_offload::instance::Weights`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Weights {
    /// `w_i = alpha_i`: the uncertainty-weighted delay that GOA targets.
    #[default]
    Uncertainty,
    /// `w_i = 1`: plain total delay.
    Uniform,
}

impl From<Weights> for LibWeights {
    fn from(w: Weights) -> Self {
        match w {
            Weights::Uncertainty => LibWeights::Uncertainty,
            Weights::Uniform => LibWeights::Uniform,
        }
    }
}

/// Scenario to generate (`llm_offload::sources::generate::Scenario`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Scenario {
    /// The first seed paper's simulation (SPEC 6), read literally (the default).
    #[default]
    Paper,
    /// The GOA authors' public simulator as it runs (docs/results.md).
    Kim2026,
}

impl From<Scenario> for LibScenario {
    fn from(s: Scenario) -> Self {
        match s {
            Scenario::Paper => LibScenario::Paper,
            Scenario::Kim2026 => LibScenario::Kim2026,
        }
    }
}

/// Model-variant presets (`llm_offload::sources::generate::VariantPreset`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VariantPreset {
    /// Llama-2 at FP16 / INT8 / INT4: Llama-2-7B on the devices, Llama-2-70B on the
    /// servers (a 10x larger model; the scenario keeps SPEC 6's 8x work ratio).
    Llama2,
}

impl From<VariantPreset> for LibPreset {
    fn from(p: VariantPreset) -> Self {
        match p {
            VariantPreset::Llama2 => LibPreset::Llama2,
        }
    }
}

/// Turn order of best responses (`llm_offload::solvers::best_response::Order`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Order {
    /// Users 0, 1, ..., N-1 every round.
    #[default]
    RoundRobin,
    /// A fresh uniform permutation every round (ChaCha8 seeded by `Limits::seed`).
    Random,
}

impl From<Order> for LibOrder {
    fn from(o: Order) -> Self {
        match o {
            Order::RoundRobin => LibOrder::RoundRobin,
            Order::Random => LibOrder::Random,
        }
    }
}

/// Start profile of best responses (`llm_offload::solvers::best_response::Start`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Start {
    /// The `all-local` baseline: everyone on its best local option, users forced by
    /// tau placed as in GOA's phase 1 (no coordination beyond feasibility).
    #[default]
    AllLocal,
    /// GOA's answer.
    Goa,
}

impl From<Start> for LibStart {
    fn from(s: Start) -> Self {
        match s {
            Start::AllLocal => LibStart::AllLocal,
            Start::Goa => LibStart::Goa,
        }
    }
}

/// File formats of `export-mip` (`llm_offload::solvers::mip::export::Format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum MipFormat {
    /// CPLEX LP format (`.lp`).
    #[default]
    Lp,
    /// Free-format MPS (`.mps`).
    Mps,
}

impl From<MipFormat> for LibMipFormat {
    fn from(f: MipFormat) -> Self {
        match f {
            MipFormat::Lp => LibMipFormat::Lp,
            MipFormat::Mps => LibMipFormat::Mps,
        }
    }
}

/// The command-line spelling of a choice (what the user typed, e.g. `all-local`).
pub fn spelling(v: &impl ValueEnum) -> String {
    v.to_possible_value()
        .map_or_else(String::new, |p| p.get_name().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_are_the_kebab_case_names() {
        assert_eq!(spelling(&Start::AllLocal), "all-local");
        assert_eq!(spelling(&Order::RoundRobin), "round-robin");
        assert_eq!(spelling(&Weights::Uniform), "uniform");
        assert_eq!(spelling(&MipFormat::Mps), "mps");
    }

    #[test]
    fn mapping_keeps_the_variant() {
        assert_eq!(LibStart::from(Start::Goa), LibStart::Goa);
        assert_eq!(LibOrder::from(Order::Random), LibOrder::Random);
        assert_eq!(LibWeights::from(Weights::Uniform), LibWeights::Uniform);
        assert_eq!(LibMipFormat::from(MipFormat::Lp), LibMipFormat::Lp);
        assert_eq!(LibPreset::from(VariantPreset::Llama2), LibPreset::Llama2);
        assert_eq!(LibScenario::from(Scenario::Paper), LibScenario::Paper);
    }
}
