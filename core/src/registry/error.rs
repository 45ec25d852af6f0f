//! Registry errors with Confluent's error codes, shared by the state, the server and the client.

use std::fmt;

/// Confluent Schema Registry error codes (the `error_code` field of error bodies).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ErrorCode {
    /// 400: the request body is not the JSON expected.
    BadRequest,
    /// 404: no such endpoint.
    NotFound,
    /// 40401: subject not found.
    SubjectNotFound,
    /// 40402: version not found.
    VersionNotFound,
    /// 40403: schema not found.
    SchemaNotFound,
    /// 40404: the subject was soft-deleted.
    SubjectSoftDeleted,
    /// 40405: a permanent delete needs a soft delete first.
    SubjectNotSoftDeleted,
    /// 40406: the version was soft-deleted.
    VersionSoftDeleted,
    /// 40407: a permanent delete of a version needs a soft delete first.
    VersionNotSoftDeleted,
    /// 40408: the subject has no compatibility level of its own.
    SubjectCompatibilityNotConfigured,
    /// 40409: the subject has no mode of its own.
    SubjectModeNotConfigured,
    /// 409: the schema is incompatible with earlier versions.
    IncompatibleSchema,
    /// 42201: the schema text is not a valid Avro schema.
    InvalidSchema,
    /// 42202: the version is not "latest", -1 or a positive integer.
    InvalidVersion,
    /// 42203: unknown compatibility level.
    InvalidCompatibilityLevel,
    /// 42204: unknown mode.
    InvalidMode,
    /// 42205: the operation is not permitted (mode, id overwrite).
    OperationNotPermitted,
    /// 50001: the backing store failed.
    StoreError,
}

impl ErrorCode {
    /// The numeric code Confluent uses.
    pub fn code(self) -> u32 {
        match self {
            Self::BadRequest => 400,
            Self::NotFound => 404,
            Self::SubjectNotFound => 40401,
            Self::VersionNotFound => 40402,
            Self::SchemaNotFound => 40403,
            Self::SubjectSoftDeleted => 40404,
            Self::SubjectNotSoftDeleted => 40405,
            Self::VersionSoftDeleted => 40406,
            Self::VersionNotSoftDeleted => 40407,
            Self::SubjectCompatibilityNotConfigured => 40408,
            Self::SubjectModeNotConfigured => 40409,
            Self::IncompatibleSchema => 409,
            Self::InvalidSchema => 42201,
            Self::InvalidVersion => 42202,
            Self::InvalidCompatibilityLevel => 42203,
            Self::InvalidMode => 42204,
            Self::OperationNotPermitted => 42205,
            Self::StoreError => 50001,
        }
    }

    /// The code for a number, if it is one this crate knows.
    pub fn from_code(code: u32) -> Option<Self> {
        const ALL: [ErrorCode; 18] = [
            ErrorCode::BadRequest,
            ErrorCode::NotFound,
            ErrorCode::SubjectNotFound,
            ErrorCode::VersionNotFound,
            ErrorCode::SchemaNotFound,
            ErrorCode::SubjectSoftDeleted,
            ErrorCode::SubjectNotSoftDeleted,
            ErrorCode::VersionSoftDeleted,
            ErrorCode::VersionNotSoftDeleted,
            ErrorCode::SubjectCompatibilityNotConfigured,
            ErrorCode::SubjectModeNotConfigured,
            ErrorCode::IncompatibleSchema,
            ErrorCode::InvalidSchema,
            ErrorCode::InvalidVersion,
            ErrorCode::InvalidCompatibilityLevel,
            ErrorCode::InvalidMode,
            ErrorCode::OperationNotPermitted,
            ErrorCode::StoreError,
        ];
        ALL.into_iter().find(|c| c.code() == code)
    }

    /// The HTTP status Confluent answers with: the first three digits of the code.
    pub fn http_status(self) -> u16 {
        let mut code = self.code();
        while code >= 1000 {
            code /= 10;
        }
        u16::try_from(code).unwrap_or(500)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code())
    }
}

/// An error of the registry state, with its Confluent code and message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (error code {code})")]
pub struct RegistryError {
    /// Confluent's error code.
    pub code: ErrorCode,
    /// Human-readable message.
    pub message: String,
}

impl RegistryError {
    /// An error with a code and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// Subject not found (40401).
    pub fn subject_not_found(subject: &str) -> Self {
        Self::new(
            ErrorCode::SubjectNotFound,
            format!("Subject '{subject}' not found."),
        )
    }

    pub(crate) fn version_not_found(subject: &str, version: u32) -> Self {
        Self::new(
            ErrorCode::VersionNotFound,
            format!("Version {version} not found for subject '{subject}'."),
        )
    }

    pub(crate) fn schema_not_found() -> Self {
        Self::new(ErrorCode::SchemaNotFound, "Schema not found")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_status_is_the_leading_three_digits() {
        assert_eq!(ErrorCode::SubjectNotFound.http_status(), 404);
        assert_eq!(ErrorCode::IncompatibleSchema.http_status(), 409);
        assert_eq!(ErrorCode::InvalidSchema.http_status(), 422);
        assert_eq!(ErrorCode::OperationNotPermitted.http_status(), 422);
        assert_eq!(ErrorCode::StoreError.http_status(), 500);
    }

    #[test]
    fn codes_round_trip() {
        for code in [40401, 40402, 40403, 409, 42201, 42202, 42205] {
            assert_eq!(ErrorCode::from_code(code).map(ErrorCode::code), Some(code));
        }
        assert_eq!(ErrorCode::from_code(12345), None);
    }
}
