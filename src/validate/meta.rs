//! What every object needs (`ValidateObjectMeta`): apiVersion and kind the API server serves
//! (retired versions name their replacement), a name valid for its kind, a valid namespace,
//! labels and annotations.

use super::checks::{annotations, labels, required_str};
use super::field::{check, fail, required, FieldError};
use super::names;
use super::schema;
use serde_json::Value;

/// How a kind's names are checked (`ValidateObjectMeta`'s name function per kind).
fn name_rule(kind: &str) -> fn(&str) -> Vec<String> {
    match kind {
        // rbac `ValidateRBACName` and `ValidatePersistentVolumeName`: path segments, so
        // `system:kube-scheduler` is a valid ClusterRole name.
        "Role" | "ClusterRole" | "RoleBinding" | "ClusterRoleBinding" | "PersistentVolume" => {
            names::path_segment_name
        }
        // `ValidateServiceName`: a DNS-1035 label.
        "Service" => names::dns1035_label,
        // `ValidateNamespaceName`: a DNS-1123 label.
        "Namespace" => names::dns1123_label,
        _ => names::dns1123_subdomain,
    }
}

/// Check the identity of an object and return its kind.
pub(super) fn identity(obj: &Value) -> Result<&str, FieldError> {
    if !obj.is_object() {
        return fail("", "a Kubernetes object must be a YAML mapping");
    }
    let api_version = required_str(obj, "apiVersion")?;
    let kind = required_str(obj, "kind")?;
    schema::served(api_version, kind)?;
    if !obj.get("metadata").is_some_and(Value::is_object) {
        return required("metadata", "");
    }
    let name = match obj.pointer("/metadata/name") {
        Some(Value::String(s)) if !s.is_empty() => s.as_str(),
        None | Some(Value::Null) | Some(Value::String(_)) => {
            return required("metadata.name", "name or generateName is required")
        }
        Some(_) => return fail("metadata.name", "expected string"),
    };
    check("metadata.name", name, name_rule(kind)(name))?;
    match obj.pointer("/metadata/namespace") {
        None | Some(Value::Null) => {}
        Some(Value::String(ns)) if ns.is_empty() => {}
        Some(Value::String(ns)) => check("metadata.namespace", ns, names::dns1123_label(ns))?,
        Some(_) => return fail("metadata.namespace", "expected string"),
    }
    labels(obj, "metadata.labels")?;
    annotations(obj, "metadata.annotations")?;
    Ok(kind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn named(kind: &str, api_version: &str, name: &str) -> Result<(), FieldError> {
        identity(&json!({"apiVersion": api_version, "kind": kind, "metadata": {"name": name}})).map(|_| ())
    }

    /// rbac/validation `TestValidateClusterRoleBinding` / `ValidateRBACName`: path segment
    /// names; core `TestValidateObjectMetaNamespaces`-style names per kind.
    #[test]
    fn names_follow_each_kinds_rule() {
        assert!(named("ClusterRole", "rbac.authorization.k8s.io/v1", "system:kube-scheduler").is_ok());
        assert!(named("ClusterRole", "rbac.authorization.k8s.io/v1", "a/b").is_err());
        assert!(named("ConfigMap", "v1", "system:x").is_err());
        assert!(named("Service", "v1", "1abc").is_err());
        assert!(named("Deployment", "apps/v1", "1abc").is_ok());
        assert!(named("Namespace", "v1", "a.b").is_err());
        assert!(named("PersistentVolume", "v1", "pv:1").is_ok());
    }

    #[test]
    fn labels_and_annotations_are_checked() {
        let e = identity(&json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "labels": {"bad key": "v"}}}))
            .unwrap_err();
        assert_eq!(e.field, "metadata.labels");
        assert!(
            e.message.starts_with("Invalid value: \"bad key\": name part must consist of"),
            "{}",
            e.message
        );
        let e = identity(&json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "labels": {"k": "-v"}}}))
            .unwrap_err();
        assert!(e.message.starts_with("Invalid value: \"-v\": a valid label must be"), "{}", e.message);
        let big = "x".repeat(256 * 1024);
        let e = identity(&json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "annotations": {"a": big}}}))
            .unwrap_err();
        assert_eq!(e.message, "Too long: must have at most 262144 bytes");
    }
}
