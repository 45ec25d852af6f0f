//! Which id a registration takes, as Confluent decides it: a plain
//! registration reuses the id the schema was registered under last (its
//! lookup by schema hash), assigned ids go on above the highest ever stored,
//! and a permanent delete frees the ids no version uses any more.

use super::{RegistryError, RegistryState, SubjectVersion};
use crate::registry::error::ErrorCode;

impl RegistryState {
    /// The live version of `subject` holding this schema: under `id` when one is
    /// asked for; else under the id a plain registration would reuse (the one
    /// registered last, as Confluent's lookup by schema hash), or the latest such version.
    pub(super) fn find_live(
        &self,
        subject: &str,
        canonical: &str,
        id: Option<u32>,
    ) -> Option<&SubjectVersion> {
        let holding: Vec<&SubjectVersion> = self
            .subjects
            .get(subject)?
            .live()
            .filter(|v| {
                self.schemas
                    .get(&v.id)
                    .is_some_and(|s| s.canonical == canonical)
            })
            .collect();
        if id.is_some() {
            return holding.into_iter().find(|v| Some(v.id) == id);
        }
        self.reused_version(&holding, canonical)
    }

    /// Among the versions holding a schema, the one a plain registration or a
    /// lookup answers with: under the id registered last (Confluent's lookup by
    /// schema hash), else the latest.
    pub(super) fn reused_version<'a>(
        &self,
        holding: &[&'a SubjectVersion],
        canonical: &str,
    ) -> Option<&'a SubjectVersion> {
        let reused = self.id_of_canonical(canonical);
        holding
            .iter()
            .find(|v| Some(v.id) == reused)
            .or_else(|| holding.last())
            .copied()
    }

    /// The id of a stored schema with this canonical form: the one a version took last
    /// (the lowest id among those never told apart).
    pub(super) fn id_of_canonical(&self, canonical: &str) -> Option<u32> {
        self.schemas
            .iter()
            .filter(|(_, s)| s.canonical == canonical)
            .max_by_key(|(id, s)| (s.registered, std::cmp::Reverse(**id)))
            .map(|(id, _)| *id)
    }

    /// The next assigned id: one above the highest ever stored.
    pub(super) fn next_id(&self) -> Result<u32, RegistryError> {
        let highest = self
            .schemas
            .keys()
            .next_back()
            .copied()
            .unwrap_or(0)
            .max(self.highest_id);
        highest.checked_add(1).ok_or_else(|| {
            RegistryError::new(ErrorCode::OperationNotPermitted, "Schema ids exhausted")
        })
    }

    /// Forgets the schemas no version (live or soft-deleted) uses any more: after a
    /// permanent delete their ids are free, as in Confluent, so an import may reuse them.
    pub(super) fn drop_unreferenced_schemas(&mut self) {
        let used: std::collections::BTreeSet<u32> = self
            .subjects
            .values()
            .flat_map(|s| s.versions.iter().map(|v| v.id))
            .collect();
        self.schemas.retain(|id, _| used.contains(id));
    }
}
