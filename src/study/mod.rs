//! Studies of solvers over instances: optimality gaps and their reference values
//! ([`gaps`]), resumable gap tables ([`table`]), known optima ([`optima`]), gap-share
//! and time profiles ([`profiles`]), running-time exponents ([`scaling`]), several
//! solvers side by side on one instance ([`compare`]) and the observed price of
//! anarchy ([`poa`]); the partition of a table's or a sweep's work into shards
//! ([`shard`]).

pub mod compare;
pub mod gaps;
pub mod optima;
pub mod poa;
pub mod profiles;
pub mod scaling;
pub mod shard;
pub mod table;
