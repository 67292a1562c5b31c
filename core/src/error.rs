//! Errors of the contract layer: what is wrong with a document, field by field.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What is wrong with one field. The widget and the server turn it into words in the
/// visitor's language; `code()` is the stable machine-readable name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Problem {
    /// The field is absent or empty but must be given.
    Required,
    /// A negative amount or count.
    Negative,
    /// Outside the allowed range (inclusive bounds, in the field's own unit).
    OutOfRange { min: i64, max: i64 },
    /// Longer than allowed, in characters.
    TooLong { max: u32 },
    /// Not of the required form (slug, currency code, RFC 3339 time, …).
    Format { expected: String },
    /// Contains control characters.
    ControlCharacters,
    /// A sum or product does not fit in 64 bits.
    Overflow,
    /// Inconsistent with another field, e.g. `received` above `participants`.
    Inconsistent { with: String },
}

impl Problem {
    /// Stable machine name, as serialised in `code`.
    pub fn code(&self) -> &'static str {
        match self {
            Problem::Required => "required",
            Problem::Negative => "negative",
            Problem::OutOfRange { .. } => "out_of_range",
            Problem::TooLong { .. } => "too_long",
            Problem::Format { .. } => "format",
            Problem::ControlCharacters => "control_characters",
            Problem::Overflow => "overflow",
            Problem::Inconsistent { .. } => "inconsistent",
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Required => write!(f, "is required"),
            Problem::Negative => write!(f, "must not be negative"),
            Problem::OutOfRange { min, max } => write!(f, "must be between {min} and {max}"),
            Problem::TooLong { max } => write!(f, "must be at most {max} characters"),
            Problem::Format { expected } => write!(f, "must be {expected}"),
            Problem::ControlCharacters => write!(f, "must not contain control characters"),
            Problem::Overflow => write!(f, "is too large to add up"),
            Problem::Inconsistent { with } => write!(f, "is inconsistent with {with}"),
        }
    }
}

/// A problem with the field at `field`, a path such as `stakeholders[2].amount_cents`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    #[serde(flatten)]
    pub problem: Problem,
}

impl FieldError {
    pub fn new(field: impl Into<String>, problem: Problem) -> Self {
        Self { field: field.into(), problem }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.field, self.problem)
    }
}

/// Why a cohort document cannot be shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocumentError {
    /// Not JSON, or JSON of the wrong shape (serde's message, with line and column).
    Json(String),
    /// The `schema` field names another contract or major version.
    UnsupportedSchema { found: Option<String> },
    /// Well-formed but not valid: every problem found, each naming its field.
    Invalid(Vec<FieldError>),
}

impl fmt::Display for DocumentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DocumentError::Json(m) => write!(f, "not a valid JSON document: {m}"),
            DocumentError::UnsupportedSchema { found: Some(s) } => {
                write!(f, "unsupported schema {s:?}, expected {:?}", crate::SCHEMA_V1)
            }
            DocumentError::UnsupportedSchema { found: None } => {
                write!(f, "missing schema, expected {:?}", crate::SCHEMA_V1)
            }
            DocumentError::Invalid(errors) => {
                write!(f, "invalid document: ")?;
                for (i, e) in errors.iter().enumerate() {
                    if i > 0 {
                        write!(f, "; ")?;
                    }
                    write!(f, "{e}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for DocumentError {}
