//! Assignments: for every user, where its query runs (the device or a server) and on
//! which model variant there (SPEC 2).

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::instance::Instance;

/// Where one user's query runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Choice {
    /// `Some(j)`: offloaded to server `j`; `None`: answered on the device.
    pub server: Option<usize>,
    /// Index into the variants of that side (0 when the instance has none).
    pub variant: usize,
}

impl Choice {
    /// The device's base variant.
    pub const LOCAL: Choice = Choice {
        server: None,
        variant: 0,
    };

    /// Local inference on device variant `variant`.
    #[must_use]
    pub fn local(variant: usize) -> Self {
        Choice {
            server: None,
            variant,
        }
    }

    /// Offloading to server `server`, variant `variant`.
    #[must_use]
    pub fn edge(server: usize, variant: usize) -> Self {
        Choice {
            server: Some(server),
            variant,
        }
    }

    /// Every option a user has in `inst`: local variants first, then each server's
    /// variants in server order. This order is the tie-break order of every arg-min
    /// over options.
    pub fn all(inst: &Instance) -> impl Iterator<Item = Choice> + '_ {
        (0..inst.device_variants().len())
            .map(Choice::local)
            .chain((0..inst.n_servers()).flat_map(move |j| {
                (0..inst.servers()[j].variants.len()).map(move |v| Choice::edge(j, v))
            }))
    }
}

/// One [`Choice`] per user.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Assignment(pub Vec<Choice>);

/// The assignment as solution files write it (SPEC 8): `assignment` holds a server
/// index or `null` per user; `variants`, present only for instances with variants,
/// the variant index per user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssignmentFile {
    /// Server index or `null` (local) per user.
    pub assignment: Vec<Option<usize>>,
    /// Variant index per user (default: all 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variants: Option<Vec<usize>>,
}

impl Assignment {
    /// Everyone local on the device's base variant.
    #[must_use]
    pub fn all_local(n: usize) -> Self {
        Assignment(vec![Choice::LOCAL; n])
    }

    /// From server indices, base variants everywhere.
    #[must_use]
    pub fn from_servers(servers: &[Option<usize>]) -> Self {
        Assignment(
            servers
                .iter()
                .map(|&server| Choice { server, variant: 0 })
                .collect(),
        )
    }

    /// Number of users.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no users.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Server of user `i`, `None` when local.
    #[must_use]
    pub fn server(&self, i: usize) -> Option<usize> {
        self.0[i].server
    }

    /// Users per server (`n_j`).
    #[must_use]
    pub fn loads(&self, m: usize) -> Vec<usize> {
        let mut loads = vec![0; m];
        for c in &self.0 {
            if let Some(j) = c.server {
                loads[j] += 1;
            }
        }
        loads
    }

    /// Number of offloaded users.
    #[must_use]
    pub fn offloaded(&self) -> usize {
        self.0.iter().filter(|c| c.server.is_some()).count()
    }

    /// Checks that the assignment names existing users, servers and variants of `inst`.
    ///
    /// # Errors
    /// [`Error::AssignmentMismatch`] naming the first entry that does not fit.
    pub fn check_fits(&self, inst: &Instance) -> Result<()> {
        if self.len() != inst.n_users() {
            return Err(Error::AssignmentMismatch(format!(
                "{} entries for {} users",
                self.len(),
                inst.n_users()
            )));
        }
        for (i, c) in self.0.iter().enumerate() {
            let variants = match c.server {
                None => inst.device_variants().len(),
                Some(j) if j < inst.n_servers() => inst.servers()[j].variants.len(),
                Some(j) => {
                    return Err(Error::AssignmentMismatch(format!(
                        "assignment[{i}] = {j}, but there are only {} servers",
                        inst.n_servers()
                    )))
                }
            };
            if c.variant >= variants {
                return Err(Error::AssignmentMismatch(format!(
                    "variants[{i}] = {}, but that side has {variants} variants",
                    c.variant
                )));
            }
        }
        Ok(())
    }

    /// The file form; `variants` is written only when some variant is not 0.
    #[must_use]
    pub fn to_file(&self) -> AssignmentFile {
        let any = self.0.iter().any(|c| c.variant != 0);
        AssignmentFile {
            assignment: self.0.iter().map(|c| c.server).collect(),
            variants: any.then(|| self.0.iter().map(|c| c.variant).collect()),
        }
    }

    /// From the file form.
    ///
    /// # Errors
    /// [`Error::AssignmentMismatch`] when `variants` and `assignment` differ in length.
    pub fn from_file(file: &AssignmentFile) -> Result<Self> {
        let n = file.assignment.len();
        let variants = file.variants.clone().unwrap_or_else(|| vec![0; n]);
        if variants.len() != n {
            return Err(Error::AssignmentMismatch(format!(
                "`variants` has {} entries, `assignment` {n}",
                variants.len()
            )));
        }
        Ok(Assignment(
            file.assignment
                .iter()
                .zip(variants)
                .map(|(&server, variant)| Choice { server, variant })
                .collect(),
        ))
    }
}
