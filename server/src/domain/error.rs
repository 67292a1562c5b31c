//! Why a domain operation did not happen. Storage, the domain rules, the routes and the
//! CLI share this one type; the routes map it to HTTP once (`crate::error::ApiError`).

use cofund_core::api::ErrorCode;
use cofund_core::FieldError;
use std::fmt;

#[derive(Debug)]
pub enum DomainError {
    /// What was not found, e.g. `Cohort "utrecht-2027"`.
    NotFound(String),
    /// The input or the change it makes is invalid, field by field.
    Invalid(Vec<FieldError>),
    /// Refused because of the current state, with a stable code
    /// (`campaign_not_open`, `idempotency_key_reused`, `invalid_transition`,
    /// `stale_revision`) and an English sentence.
    Refused { code: ErrorCode, message: String },
    /// Anything else; logged, never shown.
    Internal(anyhow::Error),
}

impl DomainError {
    pub fn not_found(what: impl Into<String>) -> Self {
        DomainError::NotFound(what.into())
    }

    pub fn cohort_not_found(slug: &str) -> Self {
        DomainError::NotFound(format!("Cohort {slug:?}"))
    }

    pub fn refused(code: ErrorCode, message: impl Into<String>) -> Self {
        DomainError::Refused { code, message: message.into() }
    }
}

impl From<sqlx::Error> for DomainError {
    fn from(e: sqlx::Error) -> Self {
        DomainError::Internal(e.into())
    }
}

impl From<anyhow::Error> for DomainError {
    fn from(e: anyhow::Error) -> Self {
        DomainError::Internal(e)
    }
}

impl fmt::Display for DomainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DomainError::NotFound(what) => write!(f, "{what} not found"),
            DomainError::Invalid(errors) => {
                write!(f, "invalid: ")?;
                for (i, e) in errors.iter().enumerate() {
                    if i > 0 {
                        write!(f, "; ")?;
                    }
                    write!(f, "{e}")?;
                }
                Ok(())
            }
            DomainError::Refused { message, .. } => write!(f, "{message}"),
            DomainError::Internal(e) => write!(f, "{e:#}"),
        }
    }
}

impl std::error::Error for DomainError {}

pub type DomainResult<T> = Result<T, DomainError>;
