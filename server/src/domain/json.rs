//! Reading JSON bodies and files into typed values, with the path of what is wrong.
//! Shared by the HTTP extractor (`routes::extract::ApiJson`) and the CLI, so a request
//! body and a file given to `cofund cohort put` get the same messages.

use cofund_core::{FieldError, Problem};
use serde::de::DeserializeOwned;

/// Why JSON did not become a `T`.
#[derive(Debug)]
pub enum JsonError {
    /// Not JSON at all: serde's message with line and column.
    Syntax(String),
    /// JSON of the wrong shape: the field (a path such as `crowd.min_cents`) and what
    /// was expected there.
    Shape(Vec<FieldError>),
}

/// Parses `bytes` as a `T`; a missing member is `required`, a mistyped one `format`
/// with serde's words for what was expected.
/// A top-level array is refused as not JSON of the kind asked for (every body and file
/// read here is an object, as the pledge route already required, and serde would
/// otherwise read a struct from an array of its fields in order: `[null, null]` as a
/// token request).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, JsonError> {
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return Err(JsonError::Syntax("the body must be a JSON object, not an array".into()));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(de) {
        Ok(v) => Ok(v),
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            if inner.is_syntax() || inner.is_eof() {
                return Err(JsonError::Syntax(inner.to_string()));
            }
            let msg = inner.to_string();
            let msg = msg.split(" at line ").next().unwrap_or(&msg).to_owned();
            let field = if path == "." { String::new() } else { path };
            let error = if let Some(name) = msg.strip_prefix("missing field `").and_then(|r| r.strip_suffix('`')) {
                let f = if field.is_empty() { name.to_owned() } else { format!("{field}.{name}") };
                FieldError::new(f, Problem::Required)
            } else {
                FieldError::new(field, Problem::Format { expected: msg })
            };
            Err(JsonError::Shape(vec![error]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Body {
        inner: Inner,
    }
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        cents: i64,
    }

    // Found by the API fuzzer: a token request `[null, null]` made a token.
    #[test]
    fn an_array_is_not_read_as_a_struct() {
        assert!(matches!(parse_json::<Inner>(b" [5]"), Err(JsonError::Syntax(m)) if m.contains("object")));
    }

    #[test]
    fn errors_name_their_path() {
        assert!(matches!(parse_json::<Body>(b"{"), Err(JsonError::Syntax(_))));
        let Err(JsonError::Shape(e)) = parse_json::<Body>(br#"{"inner": {"cents": "12"}}"#) else { panic!() };
        assert_eq!(e[0].field, "inner.cents");
        let Err(JsonError::Shape(e)) = parse_json::<Body>(br#"{"inner": {}}"#) else { panic!() };
        assert_eq!((e[0].field.as_str(), &e[0].problem), ("inner.cents", &Problem::Required));
    }
}
