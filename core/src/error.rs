//! Errors of the contract layer: what is wrong with a document, field by field.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What is wrong with one field. The widget and the server turn it into words in the
/// visitor's language; `code()` is the stable machine-readable name.
///
/// On the wire a [`FieldError`] is flat: `{"field": "...", "code": "out_of_range",
/// "min": 500, "max": 500000}` (see [`FieldErrorWire`]).
#[derive(Debug, Clone, PartialEq, Eq)]
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
    /// Contains control characters or invisible formatting characters (bidirectional
    /// overrides and isolates).
    ControlCharacters,
    /// A sum or product does not fit in 64 bits.
    Overflow,
    /// Inconsistent with another field, e.g. `received` above `participants`.
    Inconsistent { with: String },
    /// A JSON value of the wrong type; `expected` is a JSON Schema type name
    /// (`integer`, `string`, `array`, `object`, `boolean`).
    WrongType { expected: String },
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
            Problem::WrongType { .. } => "wrong_type",
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
            Problem::ControlCharacters => write!(f, "must not contain control or invisible formatting characters"),
            Problem::Overflow => write!(f, "is too large to add up"),
            Problem::Inconsistent { with } => write!(f, "is inconsistent with {with}"),
            Problem::WrongType { expected } => write!(f, "must be of type {expected}"),
        }
    }
}

/// A problem with the field at `field`, a path such as `stakeholders[2].amount_cents`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "FieldErrorWire", try_from = "FieldErrorWire")]
pub struct FieldError {
    pub field: String,
    pub problem: Problem,
}

/// The flat wire shape of a [`FieldError`]. Written out by hand rather than with
/// `#[serde(flatten)]` and a tagged enum, whose generic buffering costs the widget
/// tens of kilobytes of wasm.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FieldErrorWire {
    pub field: String,
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub with: Option<String>,
}

impl From<FieldError> for FieldErrorWire {
    fn from(e: FieldError) -> Self {
        let mut w = FieldErrorWire { field: e.field, code: e.problem.code().to_owned(), ..Default::default() };
        match e.problem {
            Problem::OutOfRange { min, max } => (w.min, w.max) = (Some(min), Some(max)),
            Problem::TooLong { max } => w.max = Some(i64::from(max)),
            Problem::Format { expected } | Problem::WrongType { expected } => w.expected = Some(expected),
            Problem::Inconsistent { with } => w.with = Some(with),
            Problem::Required | Problem::Negative | Problem::ControlCharacters | Problem::Overflow => {}
        }
        w
    }
}

impl TryFrom<FieldErrorWire> for FieldError {
    type Error = String;

    fn try_from(w: FieldErrorWire) -> Result<Self, String> {
        let problem = match (w.code.as_str(), w.min, w.max) {
            ("required", ..) => Problem::Required,
            ("negative", ..) => Problem::Negative,
            ("out_of_range", Some(min), Some(max)) => Problem::OutOfRange { min, max },
            ("too_long", _, Some(max)) => Problem::TooLong { max: u32::try_from(max).map_err(|_| "max out of range")? },
            ("format", ..) => Problem::Format { expected: w.expected.unwrap_or_default() },
            ("control_characters", ..) => Problem::ControlCharacters,
            ("overflow", ..) => Problem::Overflow,
            ("inconsistent", ..) => Problem::Inconsistent { with: w.with.unwrap_or_default() },
            ("wrong_type", ..) => Problem::WrongType { expected: w.expected.unwrap_or_default() },
            (code, ..) => return Err(format!("unknown field error code {code:?}")),
        };
        Ok(FieldError { field: w.field, problem })
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_errors_are_flat_on_the_wire_and_round_trip() {
        let cases = [
            (
                FieldError::new("amount_cents", Problem::OutOfRange { min: 500, max: 500_000 }),
                r#"{"field":"amount_cents","code":"out_of_range","min":500,"max":500000}"#,
            ),
            (
                FieldError::new("message", Problem::TooLong { max: 280 }),
                r#"{"field":"message","code":"too_long","max":280}"#,
            ),
            (
                FieldError::new("email", Problem::Format { expected: "an e-mail address".into() }),
                r#"{"field":"email","code":"format","expected":"an e-mail address"}"#,
            ),
            (
                FieldError::new("a", Problem::Inconsistent { with: "b".into() }),
                r#"{"field":"a","code":"inconsistent","with":"b"}"#,
            ),
            (FieldError::new("consent", Problem::Required), r#"{"field":"consent","code":"required"}"#),
            (FieldError::new("x", Problem::Negative), r#"{"field":"x","code":"negative"}"#),
            (FieldError::new("x", Problem::ControlCharacters), r#"{"field":"x","code":"control_characters"}"#),
            (FieldError::new("x", Problem::Overflow), r#"{"field":"x","code":"overflow"}"#),
            (
                FieldError::new("x", Problem::WrongType { expected: "integer".into() }),
                r#"{"field":"x","code":"wrong_type","expected":"integer"}"#,
            ),
        ];
        for (error, json) in cases {
            assert_eq!(serde_json::to_string(&error).unwrap(), json);
            assert_eq!(serde_json::from_str::<FieldError>(json).unwrap(), error);
        }
        assert!(serde_json::from_str::<FieldError>(r#"{"field":"x","code":"nonsense"}"#).is_err());
        assert!(serde_json::from_str::<FieldError>(r#"{"field":"x","code":"out_of_range"}"#).is_err());
    }
}
