//! Where instances come from: the seeded scenario generator ([`generate`]) and its
//! constants ([`scenario`]), measured per-query files ([`queries`]), and constructions
//! with known optima where GOA is provably suboptimal ([`adversarial`]).

pub mod adversarial;
pub mod generate;
pub mod queries;
pub mod scenario;
