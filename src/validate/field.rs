//! Field errors and field paths: what every validator returns.
//!
//! A path is written as upstream's `field.Path` prints it (`spec.template.spec.containers[0].image`,
//! `metadata.labels[app]`); an error is the first field the API server would refuse and why.

use serde_json::Value;

/// A rejected field: path from the object root and the reason.
#[derive(Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// The result of a validator: the first refused field, if any.
pub type Validation = Result<(), FieldError>;

/// Refuse `field` with `message`.
pub fn fail<T>(field: &str, message: impl Into<String>) -> Result<T, FieldError> {
    Err(FieldError { field: field.to_string(), message: message.into() })
}

/// `a.b`, with an empty side or a `[i]`/`.x` suffix joined without a doubled dot.
pub fn join(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty(), b.starts_with('.') || b.starts_with('[')) {
        (_, true, _) => a.to_string(),
        (true, _, _) => b.trim_start_matches('.').to_string(),
        (_, _, true) => format!("{a}{b}"),
        _ => format!("{a}.{b}"),
    }
}

/// The JSON pointer of a dotted path without indexes (`spec.template` → `/spec/template`).
pub fn pointer(path: &str) -> String {
    format!("/{}", path.replace('.', "/"))
}

/// JSON type names as messages spell them.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "object",
    }
}
