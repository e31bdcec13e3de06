//! Shards: a deterministic partition of a study's work, so that `table` and `sweep`
//! can run on many machines (docs/cluster.md).
//!
//! A work item is named by a string, its *item key*: for `table` the instance's hash
//! and the solver's name ([`table_item`]), for `sweep` the size N and the run index
//! ([`sweep_item`]). Item `k` belongs to shard `splitmix64(fnv1a(k)) mod N + 1` of
//! `N`: every item is in exactly one shard, the shard depends only on the item (not on
//! the machine, the thread count or the other items, so adding instances to a plan
//! moves no finished solve to another shard), and the items spread evenly in
//! expectation.

use crate::error::{Error, Result};
use crate::study::gaps::fnv1a;
use crate::sweep::splitmix64;

/// Shard `index` of `count` (`--shard K/N`, 1 <= K <= N).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Shard {
    index: usize,
    count: usize,
}

impl Shard {
    /// Shard `index` (1-based) of `count`.
    ///
    /// # Errors
    /// [`Error::InvalidField`] unless `1 <= index <= count`.
    pub fn new(index: usize, count: usize) -> Result<Self> {
        if count == 0 || index == 0 || index > count {
            return Err(Error::field(
                "option",
                "--shard",
                format!("{index}/{count}"),
                "must be K/N with 1 <= K <= N (shard K of N)",
            ));
        }
        Ok(Shard { index, count })
    }

    /// K, 1-based.
    #[must_use]
    pub fn index(&self) -> usize {
        self.index
    }

    /// N.
    #[must_use]
    pub fn count(&self) -> usize {
        self.count
    }

    /// The shard (1-based) of the item named `key` among `count` shards.
    ///
    /// # Panics
    /// When `count` is 0.
    #[must_use]
    pub fn of(key: &str, count: usize) -> usize {
        assert!(count > 0, "a partition into 0 shards");
        let h = splitmix64(fnv1a(key.as_bytes()));
        usize::try_from(h % count as u64).unwrap_or(0) + 1
    }

    /// Whether the item named `key` is in this shard.
    #[must_use]
    pub fn contains(&self, key: &str) -> bool {
        Self::of(key, self.count) == self.index
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl std::str::FromStr for Shard {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let bad = || {
            Error::field(
                "option",
                "--shard",
                format!("`{s}`"),
                "must be K/N with whole numbers 1 <= K <= N (shard K of N)",
            )
        };
        let (k, n) = s.trim().split_once('/').ok_or_else(bad)?;
        let k = k.trim().parse().map_err(|_| bad())?;
        let n = n.trim().parse().map_err(|_| bad())?;
        Shard::new(k, n).map_err(|_| bad())
    }
}

/// The item key of a `table` solve: the instance's hash and the solver.
#[must_use]
pub fn table_item(instance_hash: &str, solver: &str) -> String {
    format!("table/{instance_hash}/{solver}")
}

/// The item key of a `sweep` unit: run `run` at `users` users (every tau and solver
/// on that instance).
#[must_use]
pub fn sweep_item(users: usize, run: usize) -> String {
    format!("sweep/{users}/{run}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_validate() {
        let s: Shard = "2/5".parse().unwrap();
        assert_eq!((s.index(), s.count()), (2, 5));
        assert_eq!(s.to_string(), "2/5");
        for bad in ["0/3", "4/3", "1/0", "x/3", "3", "1/2/3", "-1/2", ""] {
            let e = bad.parse::<Shard>().unwrap_err().to_string();
            assert!(
                e.contains("--shard") && e.contains("1 <= K <= N"),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn the_partition_is_fixed() {
        // Pinned: a change here moves finished solves to other shards.
        let got: Vec<usize> = (0..8).map(|r| Shard::of(&sweep_item(10, r), 3)).collect();
        assert_eq!(got, PINNED);
        assert_eq!(Shard::of("anything", 1), 1);
    }

    const PINNED: [usize; 8] = [1, 3, 3, 3, 1, 1, 1, 1];

    #[test]
    fn items_spread_evenly() {
        let mut per = [0usize; 7];
        for n in 1..=100 {
            for r in 0..100 {
                per[Shard::of(&sweep_item(n, r), 7) - 1] += 1;
            }
        }
        // 10000 / 7 = 1429 expected; binomial sd about 35.
        assert!(per.iter().all(|&c| (1250..=1610).contains(&c)), "{per:?}");
    }
}
