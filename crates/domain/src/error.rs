//! Errors the domain rules raise. Adapters map them to their wire formats.

use std::fmt;

/// A validation failure tied to one input field, phrased for the person who sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Why a rule refused something.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// The input is malformed; each entry names the field at fault.
    #[error("invalid input: {}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    /// The actor lacks a permission or the action is never allowed to them.
    #[error("{0}")]
    Forbidden(String),
    /// A plan limit (seats) would be exceeded.
    #[error("{0}")]
    PlanLimit(String),
    /// The change would break an invariant of the current state (such as leaving a workspace
    /// without an administrator).
    #[error("{0}")]
    Conflict(String),
}

impl DomainError {
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, message)])
    }
}
