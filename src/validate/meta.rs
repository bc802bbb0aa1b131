//! What every object needs (`ValidateObjectMeta`): apiVersion, kind, a valid name and
//! namespace, string labels and annotations, and a version the API server still serves.

use super::checks::{check_dns_label, check_dns_subdomain, required_str, string_map};
use super::field::{fail, FieldError};
use crate::model::kind_info;
use serde_json::Value;

/// Check the identity of an object and return its kind.
pub(super) fn identity(obj: &Value) -> Result<&str, FieldError> {
    if !obj.is_object() {
        return fail("", "a Kubernetes object must be a YAML mapping");
    }
    let api_version = required_str(obj, "apiVersion")?;
    let kind = required_str(obj, "kind")?;
    if !obj.get("metadata").is_some_and(Value::is_object) {
        return fail("metadata", "required object");
    }
    let name = required_str(obj, "metadata.name")?;
    check_dns_subdomain("metadata.name", name)?;
    if let Some(ns) = obj.pointer("/metadata/namespace") {
        let ns = ns.as_str().ok_or(()).or_else(|_| fail("metadata.namespace", "expected string"))?;
        if !ns.is_empty() {
            check_dns_label("metadata.namespace", ns)?;
        }
    }
    for field in ["labels", "annotations"] {
        string_map(obj, &format!("metadata.{field}"))?;
    }
    let Some(info) = kind_info(kind) else { return Ok(kind) };
    if info.removed.contains(&api_version) {
        return fail(
            "apiVersion",
            format!(
                "{kind} is no longer served at {api_version}; use {}",
                info.served.first().copied().unwrap_or("a current version")
            ),
        );
    }
    if !info.served.contains(&api_version) {
        return fail(
            "apiVersion",
            format!(
                "no matches for kind {kind:?} in version {api_version:?} (served: {})",
                info.served.join(", ")
            ),
        );
    }
    Ok(kind)
}
