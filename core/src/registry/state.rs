//! The registry's state: schemas by id, subjects with their versions, compatibility levels
//! and modes. Plain synchronous code with no I/O, so the server, the simulator and unit
//! tests all drive the same logic. Serializable, so a store can persist it whole.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::compat::{CompatibilityLevel, Mode, ParsedSchema, incompatibilities};
use super::error::{ErrorCode, RegistryError};

/// A schema stored under its id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredSchema {
    /// The schema text as first registered.
    pub schema: String,
    /// Its canonical form (see [`ParsedSchema::canonical`]).
    pub canonical: String,
    /// When a version last took this id (the state's registration count then): a plain
    /// registration of a schema stored under several ids reuses the one registered last,
    /// as Confluent's lookup by schema hash does.
    #[serde(default)]
    pub registered: u64,
}

/// One version of a subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubjectVersion {
    /// Version number, from 1.
    pub version: u32,
    /// Schema id.
    pub id: u32,
    /// Soft-deleted.
    pub deleted: bool,
}

/// A subject: its versions (ascending) and optional own settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    /// Versions, ascending by number.
    pub versions: Vec<SubjectVersion>,
    /// Own compatibility level, if set.
    pub compatibility: Option<CompatibilityLevel>,
    /// Own mode, if set.
    pub mode: Option<Mode>,
}

impl Subject {
    fn live(&self) -> impl DoubleEndedIterator<Item = &SubjectVersion> {
        self.versions.iter().filter(|v| !v.deleted)
    }

    fn has_live(&self) -> bool {
        self.live().next().is_some()
    }
}

/// Which version of a subject a request names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionSpec {
    /// The highest live version ("latest" or -1).
    Latest,
    /// A version number.
    Number(u32),
}

impl VersionSpec {
    /// Parses "latest", "-1" or a positive integer; anything else is error 42202.
    pub fn parse(text: &str) -> Result<Self, RegistryError> {
        match text {
            "latest" | "-1" => Ok(Self::Latest),
            _ => match text.parse::<u32>() {
                Ok(n) if n >= 1 && n <= i32::MAX as u32 => Ok(Self::Number(n)),
                _ => Err(RegistryError::new(
                    ErrorCode::InvalidVersion,
                    format!(
                        "The specified version '{text}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\""
                    ),
                )),
            },
        }
    }
}

/// A registration request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    /// Schema text (Avro JSON).
    pub schema: String,
    /// Explicit id (IMPORT mode only).
    pub id: Option<u32>,
    /// Explicit version (IMPORT mode only).
    pub version: Option<u32>,
}

impl Registration {
    /// A plain registration: the registry picks id and version.
    pub fn new(schema: impl Into<String>) -> Self {
        Self {
            schema: schema.into(),
            id: None,
            version: None,
        }
    }

    /// A registration that keeps the given id (the registry must be in IMPORT mode).
    pub fn with_id(schema: impl Into<String>, id: u32) -> Self {
        Self {
            schema: schema.into(),
            id: Some(id),
            version: None,
        }
    }
}

/// A subject's version with its schema: what lookups and version reads return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemaVersionInfo {
    /// Subject name.
    pub subject: String,
    /// Version number.
    pub version: u32,
    /// Schema id.
    pub id: u32,
    /// Schema text.
    pub schema: String,
}

/// The whole registry state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryState {
    schemas: BTreeMap<u32, StoredSchema>,
    subjects: BTreeMap<String, Subject>,
    compatibility: CompatibilityLevel,
    mode: Mode,
    /// Versions registered so far (orders [`StoredSchema::registered`]).
    #[serde(default)]
    registrations: u64,
    /// The highest id ever stored: assigned ids continue above it even after the schema
    /// holding it was permanently deleted, as Confluent's id generator does.
    #[serde(default)]
    highest_id: u32,
}

impl RegistryState {
    /// An empty registry with Confluent's defaults (BACKWARD, READWRITE).
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a schema under a subject and returns its id. The same schema (by canonical
    /// form) already live in the subject returns its existing id; the same schema in
    /// another subject reuses that id.
    pub fn register(
        &mut self,
        subject: &str,
        request: &Registration,
    ) -> Result<u32, RegistryError> {
        let parsed = ParsedSchema::parse(&request.schema)?;
        let mode = self.effective_mode(subject);
        if mode == Mode::Readonly {
            return Err(RegistryError::new(
                ErrorCode::OperationNotPermitted,
                format!("Subject '{subject}' is in read-only mode"),
            ));
        }
        if (request.id.is_some() || request.version.is_some()) && mode != Mode::Import {
            return Err(RegistryError::new(
                ErrorCode::OperationNotPermitted,
                format!(
                    "Subject '{subject}' is not in import mode: an explicit id or version is not permitted"
                ),
            ));
        }
        if request.id == Some(0) || request.version == Some(0) {
            return Err(RegistryError::new(
                ErrorCode::OperationNotPermitted,
                "Explicit ids and versions start at 1",
            ));
        }
        // The schema already live in the subject: its id, unless an import asks for
        // another id or version (Confluent then registers a new version).
        if let Some(existing) = self.find_live(subject, &parsed.canonical, request.id)
            && request.version.is_none_or(|v| v == existing.version)
        {
            return Ok(existing.id);
        }
        let id = match request.id {
            Some(id) => {
                if let Some(stored) = self.schemas.get(&id)
                    && stored.canonical != parsed.canonical
                {
                    return Err(RegistryError::new(
                        ErrorCode::OperationNotPermitted,
                        format!(
                            "Overwrite new schema with id {id} is not permitted: id {id} holds another schema"
                        ),
                    ));
                }
                id
            }
            None => match self.id_of_canonical(&parsed.canonical) {
                Some(id) => id,
                None => self.next_id()?,
            },
        };
        if mode != Mode::Import {
            let level = self.effective_compatibility(subject);
            let previous = self.live_schemas(subject)?;
            let previous: Vec<&apache_avro::Schema> = previous.iter().collect();
            let reasons = incompatibilities(level, &parsed.schema, &previous);
            if !reasons.is_empty() {
                return Err(RegistryError::new(
                    ErrorCode::IncompatibleSchema,
                    format!(
                        "Schema being registered is incompatible with an earlier schema for subject '{subject}' ({level}): {}",
                        reasons.join("; ")
                    ),
                ));
            }
        }
        let entry = self.subjects.entry(subject.to_owned()).or_default();
        let next_version = entry
            .versions
            .iter()
            .map(|v| v.version)
            .max()
            .unwrap_or(0)
            .checked_add(1)
            .ok_or_else(|| {
                RegistryError::new(
                    ErrorCode::OperationNotPermitted,
                    "Version numbers exhausted",
                )
            })?;
        let version = request.version.unwrap_or(next_version);
        if entry.versions.iter().any(|v| v.version == version) {
            return Err(RegistryError::new(
                ErrorCode::OperationNotPermitted,
                format!("Version {version} already exists in subject '{subject}'"),
            ));
        }
        entry.versions.push(SubjectVersion {
            version,
            id,
            deleted: false,
        });
        entry.versions.sort_by_key(|v| v.version);
        self.registrations += 1;
        let registered = self.registrations;
        self.schemas
            .entry(id)
            .or_insert(StoredSchema {
                schema: request.schema.clone(),
                canonical: parsed.canonical,
                registered,
            })
            .registered = registered;
        self.highest_id = self.highest_id.max(id);
        Ok(id)
    }

    /// Finds the version of `subject` holding `schema` (error 40401 or 40403).
    pub fn lookup(
        &self,
        subject: &str,
        schema: &str,
        include_deleted: bool,
    ) -> Result<SchemaVersionInfo, RegistryError> {
        let entry = self.subject(subject, include_deleted)?;
        let parsed = ParsedSchema::parse(schema)?;
        let holding: Vec<&SubjectVersion> = entry
            .versions
            .iter()
            .filter(|v| include_deleted || !v.deleted)
            .filter(|v| {
                self.schemas
                    .get(&v.id)
                    .is_some_and(|s| s.canonical == parsed.canonical)
            })
            .collect();
        self.reused_version(&holding, &parsed.canonical)
            .and_then(|v| self.info(subject, v))
            .ok_or_else(RegistryError::schema_not_found)
    }

    /// Subject names, sorted.
    pub fn subjects(&self, include_deleted: bool) -> Vec<String> {
        self.subjects
            .iter()
            .filter(|(_, s)| s.has_live() || (include_deleted && !s.versions.is_empty()))
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// Version numbers of a subject, ascending (error 40401).
    pub fn versions(
        &self,
        subject: &str,
        include_deleted: bool,
    ) -> Result<Vec<u32>, RegistryError> {
        let entry = self.subject(subject, include_deleted)?;
        Ok(entry
            .versions
            .iter()
            .filter(|v| include_deleted || !v.deleted)
            .map(|v| v.version)
            .collect())
    }

    /// One version of a subject (errors 40401, 40402).
    pub fn version(
        &self,
        subject: &str,
        spec: VersionSpec,
        include_deleted: bool,
    ) -> Result<SchemaVersionInfo, RegistryError> {
        let entry = self.subject(subject, include_deleted)?;
        let found = Self::pick(entry, spec, include_deleted).ok_or_else(|| match spec {
            VersionSpec::Number(n) => RegistryError::version_not_found(subject, n),
            VersionSpec::Latest => RegistryError::new(
                ErrorCode::VersionNotFound,
                format!("No live version in subject '{subject}'"),
            ),
        })?;
        self.info(subject, found)
            .ok_or_else(RegistryError::schema_not_found)
    }

    /// The schema text for an id (error 40403). Schemas referenced only by soft-deleted
    /// versions need `include_deleted`.
    pub fn schema_by_id(&self, id: u32, include_deleted: bool) -> Result<&str, RegistryError> {
        let stored = self
            .schemas
            .get(&id)
            .ok_or_else(RegistryError::schema_not_found)?;
        let live = self.subjects.values().any(|s| s.live().any(|v| v.id == id));
        if live || include_deleted {
            Ok(&stored.schema)
        } else {
            Err(RegistryError::schema_not_found())
        }
    }

    /// (subject, version) pairs using an id, sorted.
    pub fn versions_of_id(
        &self,
        id: u32,
        include_deleted: bool,
    ) -> Result<Vec<(String, u32)>, RegistryError> {
        self.schema_by_id(id, include_deleted)?;
        Ok(self
            .subjects
            .iter()
            .flat_map(|(name, s)| {
                s.versions
                    .iter()
                    .filter(move |v| v.id == id && (include_deleted || !v.deleted))
                    .map(move |v| (name.clone(), v.version))
            })
            .collect())
    }

    /// Checks `schema` against one version of a subject (or all live versions with
    /// `spec = None`) under the subject's level; returns the reasons it is incompatible.
    pub fn check_compatibility(
        &self,
        subject: &str,
        spec: Option<VersionSpec>,
        schema: &str,
    ) -> Result<Vec<String>, RegistryError> {
        let parsed = ParsedSchema::parse(schema)?;
        let level = self.effective_compatibility(subject);
        let existing = match spec {
            Some(spec) => {
                let info = self.version(subject, spec, false)?;
                vec![Self::parse_stored(&info.schema)?]
            }
            None => match self.subject(subject, false) {
                Ok(_) => self.live_schemas(subject)?,
                Err(_) => Vec::new(),
            },
        };
        let refs: Vec<&apache_avro::Schema> = existing.iter().collect();
        let level = if spec.is_some() {
            untransitive(level)
        } else {
            level
        };
        Ok(incompatibilities(level, &parsed.schema, &refs))
    }

    /// The global compatibility level.
    pub fn compatibility(&self) -> CompatibilityLevel {
        self.compatibility
    }

    /// Sets the global compatibility level.
    pub fn set_compatibility(&mut self, level: CompatibilityLevel) {
        self.compatibility = level;
    }

    /// A subject's own level, if set.
    pub fn subject_compatibility(&self, subject: &str) -> Option<CompatibilityLevel> {
        self.subjects.get(subject).and_then(|s| s.compatibility)
    }

    /// Sets (or with `None` clears) a subject's own level.
    pub fn set_subject_compatibility(&mut self, subject: &str, level: Option<CompatibilityLevel>) {
        self.subjects
            .entry(subject.to_owned())
            .or_default()
            .compatibility = level;
        self.prune(subject);
    }

    /// The level that applies to a subject.
    pub fn effective_compatibility(&self, subject: &str) -> CompatibilityLevel {
        self.subject_compatibility(subject)
            .unwrap_or(self.compatibility)
    }

    /// The global mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Sets the global mode. IMPORT on a registry that has subjects needs `force`
    /// (error 42205 otherwise), as in Confluent.
    pub fn set_mode(&mut self, mode: Mode, force: bool) -> Result<(), RegistryError> {
        if mode == Mode::Import && !force && !self.subjects(false).is_empty() {
            return Err(RegistryError::new(
                ErrorCode::OperationNotPermitted,
                "Cannot import since found existing subjects (use force=true)",
            ));
        }
        self.mode = mode;
        Ok(())
    }

    /// A subject's own mode, if set.
    pub fn subject_mode(&self, subject: &str) -> Option<Mode> {
        self.subjects.get(subject).and_then(|s| s.mode)
    }

    /// Sets (or with `None` clears) a subject's own mode. As in Confluent, switching a
    /// subject that is not already in IMPORT mode to IMPORT needs it to have no live
    /// versions (unless `force`), and permanently deletes its soft-deleted ones, freeing
    /// their ids for the import.
    pub fn set_subject_mode(
        &mut self,
        subject: &str,
        mode: Option<Mode>,
        force: bool,
    ) -> Result<(), RegistryError> {
        if mode == Some(Mode::Import) && self.effective_mode(subject) != Mode::Import && !force {
            if self.subjects.get(subject).is_some_and(Subject::has_live) {
                return Err(RegistryError::new(
                    ErrorCode::OperationNotPermitted,
                    format!(
                        "Cannot import since subject '{subject}' has versions (use force=true)"
                    ),
                ));
            }
            if let Some(entry) = self.subjects.get_mut(subject) {
                entry.versions.clear();
                self.drop_unreferenced_schemas();
            }
        }
        self.subjects.entry(subject.to_owned()).or_default().mode = mode;
        self.prune(subject);
        Ok(())
    }

    /// The mode that applies to a subject.
    pub fn effective_mode(&self, subject: &str) -> Mode {
        self.subject_mode(subject).unwrap_or(self.mode)
    }

    /// Number of distinct schema ids stored (a permanent delete frees the ids no version
    /// uses any more).
    pub fn schema_count(&self) -> usize {
        self.schemas.len()
    }

    fn prune(&mut self, subject: &str) {
        if self
            .subjects
            .get(subject)
            .is_some_and(|s| s.versions.is_empty() && s.compatibility.is_none() && s.mode.is_none())
        {
            self.subjects.remove(subject);
        }
    }

    fn subject(&self, subject: &str, include_deleted: bool) -> Result<&Subject, RegistryError> {
        self.subjects
            .get(subject)
            .filter(|s| s.has_live() || (include_deleted && !s.versions.is_empty()))
            .ok_or_else(|| RegistryError::subject_not_found(subject))
    }

    fn pick(entry: &Subject, spec: VersionSpec, include_deleted: bool) -> Option<&SubjectVersion> {
        let mut candidates = entry
            .versions
            .iter()
            .filter(|v| include_deleted || !v.deleted);
        match spec {
            VersionSpec::Latest => candidates.next_back(),
            VersionSpec::Number(n) => candidates.find(|v| v.version == n),
        }
    }

    fn info(&self, subject: &str, v: &SubjectVersion) -> Option<SchemaVersionInfo> {
        self.schemas.get(&v.id).map(|s| SchemaVersionInfo {
            subject: subject.to_owned(),
            version: v.version,
            id: v.id,
            schema: s.schema.clone(),
        })
    }

    fn live_schemas(&self, subject: &str) -> Result<Vec<apache_avro::Schema>, RegistryError> {
        let Some(entry) = self.subjects.get(subject) else {
            return Ok(Vec::new());
        };
        entry
            .live()
            .filter_map(|v| self.schemas.get(&v.id))
            .map(|s| Self::parse_stored(&s.schema))
            .collect()
    }

    fn parse_stored(text: &str) -> Result<apache_avro::Schema, RegistryError> {
        ParsedSchema::parse(text).map(|p| p.schema)
    }
}

/// The non-transitive form of a level (a check against one named version).
fn untransitive(level: CompatibilityLevel) -> CompatibilityLevel {
    match level {
        CompatibilityLevel::BackwardTransitive => CompatibilityLevel::Backward,
        CompatibilityLevel::ForwardTransitive => CompatibilityLevel::Forward,
        CompatibilityLevel::FullTransitive => CompatibilityLevel::Full,
        other => other,
    }
}

#[path = "state_deletes.rs"]
mod deletes;
#[path = "state_ids.rs"]
mod ids;

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
