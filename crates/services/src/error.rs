//! The one error type of the services layer. Adapters map each variant once to their wire
//! format; internal details are logged, never shown.

use corral_domain::{DomainError, FieldError};
use corral_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Input failed validation; each entry names a field.
    #[error("{message}")]
    Invalid {
        message: String,
        fields: Vec<FieldError>,
    },
    /// No (or bad) credentials.
    #[error("{0}")]
    Unauthorized(String),
    /// Authenticated, but not allowed.
    #[error("{0}")]
    Forbidden(String),
    /// The thing does not exist, or the actor may not know it exists.
    #[error("{0}")]
    NotFound(String),
    /// The request conflicts with the current state.
    #[error("{0}")]
    Conflict(String),
    /// A plan limit (such as seats) would be exceeded.
    #[error("{0}")]
    PlanLimit(String),
    /// Too many attempts; try again after the given number of seconds.
    #[error("{message}")]
    TooManyRequests {
        message: String,
        retry_after_secs: i64,
    },
    /// The server cannot store anything now (its disk is full); nothing was changed.
    #[error("{0}")]
    Unavailable(String),
    /// Something broke inside; the message is for logs only.
    #[error("internal error: {0}")]
    Internal(String),
}

/// What a write refused for want of disk space is told.
pub const DISK_FULL: &str = "The server has run out of disk space, so nothing was changed. Please try again once its operator has freed some.";

impl ServiceError {
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        ServiceError::Invalid {
            message: message.clone(),
            fields: vec![FieldError::new(field, message)],
        }
    }

    pub fn not_found(what: &str) -> Self {
        ServiceError::NotFound(format!("{what} not found."))
    }
}

impl From<DomainError> for ServiceError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::Invalid(fields) => {
                let message = fields
                    .iter()
                    .map(|f| f.message.clone())
                    .collect::<Vec<_>>()
                    .join(" ");
                ServiceError::Invalid { message, fields }
            }
            DomainError::Forbidden(m) => ServiceError::Forbidden(m),
            DomainError::PlanLimit(m) => ServiceError::PlanLimit(m),
            DomainError::Conflict(m) => ServiceError::Conflict(m),
        }
    }
}

/// What a request holding a NUL character is told (no engine stores one consistently).
pub const NUL_TEXT: &str = "Text may not contain NUL (\\u0000) characters.";

/// Whether any string in `v` (keys included) holds a NUL character.
pub fn has_nul(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::String(s) => s.contains('\0'),
        serde_json::Value::Array(a) => a.iter().any(has_nul),
        serde_json::Value::Object(o) => o.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
        _ => false,
    }
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(what) => {
                ServiceError::Conflict(format!("That conflicts with an existing record ({what})."))
            }
            StoreError::InvalidText(_) => ServiceError::Invalid {
                message: NUL_TEXT.into(),
                fields: vec![],
            },
            StoreError::Full(detail) => {
                tracing::error!(error = %detail, "a write was refused: the disk is full");
                ServiceError::Unavailable(DISK_FULL.into())
            }
            other => ServiceError::Internal(other.to_string()),
        }
    }
}
