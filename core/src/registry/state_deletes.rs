//! Deleting subjects and versions, soft then permanent, as Confluent does: a
//! permanent delete forgets the schemas no version uses any more, which frees
//! their ids (an import may then put another schema under them).

use super::{RegistryError, RegistryState, VersionSpec};
use crate::registry::error::ErrorCode;

impl RegistryState {
    /// Deletes a subject: soft by default (versions marked deleted, 40404 if already so),
    /// permanent after a soft delete (40405 otherwise). Returns the deleted versions.
    pub fn delete_subject(
        &mut self,
        subject: &str,
        permanent: bool,
    ) -> Result<Vec<u32>, RegistryError> {
        let entry = self
            .subjects
            .get_mut(subject)
            .filter(|s| !s.versions.is_empty())
            .ok_or_else(|| RegistryError::subject_not_found(subject))?;
        if permanent {
            if entry.has_live() {
                return Err(RegistryError::new(
                    ErrorCode::SubjectNotSoftDeleted,
                    format!(
                        "Subject '{subject}' was not deleted first before being permanently deleted"
                    ),
                ));
            }
            let versions = entry.versions.iter().map(|v| v.version).collect();
            entry.versions.clear();
            self.prune(subject);
            self.drop_unreferenced_schemas();
            return Ok(versions);
        }
        if !entry.has_live() {
            return Err(RegistryError::new(
                ErrorCode::SubjectSoftDeleted,
                format!(
                    "Subject '{subject}' was soft deleted. Set permanent=true to delete permanently"
                ),
            ));
        }
        let mut deleted = Vec::new();
        for v in entry.versions.iter_mut().filter(|v| !v.deleted) {
            v.deleted = true;
            deleted.push(v.version);
        }
        Ok(deleted)
    }

    /// Deletes one version: soft by default (40406 if already so), permanent after a
    /// soft delete (40407 otherwise). Returns the version number.
    pub fn delete_version(
        &mut self,
        subject: &str,
        spec: VersionSpec,
        permanent: bool,
    ) -> Result<u32, RegistryError> {
        let entry = self
            .subjects
            .get_mut(subject)
            .filter(|s| !s.versions.is_empty())
            .ok_or_else(|| RegistryError::subject_not_found(subject))?;
        let number = match spec {
            VersionSpec::Number(n) => n,
            VersionSpec::Latest => entry
                .live()
                .next_back()
                .map(|v| v.version)
                .ok_or_else(|| RegistryError::subject_not_found(subject))?,
        };
        let index = entry
            .versions
            .iter()
            .position(|v| v.version == number)
            .ok_or_else(|| RegistryError::version_not_found(subject, number))?;
        let deleted = entry.versions.get(index).is_some_and(|v| v.deleted);
        match (permanent, deleted) {
            (false, false) => {
                if let Some(v) = entry.versions.get_mut(index) {
                    v.deleted = true;
                }
            }
            (false, true) => {
                return Err(RegistryError::new(
                    ErrorCode::VersionSoftDeleted,
                    format!(
                        "Version {number} of subject '{subject}' was soft deleted. Set permanent=true to delete permanently"
                    ),
                ));
            }
            (true, false) => {
                return Err(RegistryError::new(
                    ErrorCode::VersionNotSoftDeleted,
                    format!("Version {number} of subject '{subject}' must be soft deleted first"),
                ));
            }
            (true, true) => {
                entry.versions.remove(index);
                self.prune(subject);
                self.drop_unreferenced_schemas();
            }
        }
        Ok(number)
    }
}
