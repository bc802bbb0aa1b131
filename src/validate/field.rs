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

/// A bad value as upstream's `field.Error` prints it: strings quoted, numbers and booleans
/// plain.
pub fn show(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{s:?}"),
        Value::Null => "null".to_string(),
        other => other.to_string(),
    }
}

/// `field.Invalid`: `Invalid value: "x": detail`.
pub fn invalid<T>(field: &str, value: &Value, detail: &str) -> Result<T, FieldError> {
    fail(field, format!("Invalid value: {}: {detail}", show(value)))
}

/// `field.Required`: `Required value` with an optional detail.
pub fn required<T>(field: &str, detail: &str) -> Result<T, FieldError> {
    if detail.is_empty() {
        fail(field, "Required value")
    } else {
        fail(field, format!("Required value: {detail}"))
    }
}

/// `field.NotSupported`: `Unsupported value: "x": supported values: "a", "b"`.
pub fn not_supported<T>(field: &str, value: &Value, supported: &[&str]) -> Result<T, FieldError> {
    let quoted: Vec<String> = supported.iter().map(|s| format!("{s:?}")).collect();
    fail(field, format!("Unsupported value: {}: supported values: {}", show(value), quoted.join(", ")))
}

/// `field.Forbidden`: `Forbidden: detail`.
pub fn forbidden<T>(field: &str, detail: &str) -> Result<T, FieldError> {
    fail(field, format!("Forbidden: {detail}"))
}

/// `field.TooLong`: `Too long: must have at most N bytes`.
pub fn too_long<T>(field: &str, max: usize) -> Result<T, FieldError> {
    fail(field, format!("Too long: must have at most {max} bytes"))
}

/// The first message of an upstream check as an `Invalid value` error.
pub fn check(field: &str, value: &str, messages: Vec<String>) -> Validation {
    match messages.first() {
        None => Ok(()),
        Some(first) => invalid(field, &Value::String(value.to_string()), first),
    }
}
