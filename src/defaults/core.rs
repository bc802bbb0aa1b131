//! Namespaces and Secrets (`SetDefaults_Namespace`, `SetDefaults_NamespaceStatus`, the
//! namespace registry's `kubernetes` finalizer, `SetDefaults_Secret`).

use super::{child, set, set_str};
use serde_json::{json, Value};

/// The name label, the `kubernetes` finalizer (the namespace controller empties the
/// namespace before it goes) and phase Active.
fn namespace(obj: &mut Value) {
    let name = obj.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("").to_string();
    let Some(map) = obj.as_object_mut() else { return };
    if !name.is_empty() {
        if let Some(labels) = child(map, "metadata").and_then(|m| child(m, "labels")) {
            labels.insert("kubernetes.io/metadata.name".into(), json!(name));
        }
    }
    if let Some(spec) = child(map, "spec") {
        set(spec, "finalizers", json!(["kubernetes"]));
    }
    if let Some(status) = child(map, "status") {
        set_str(status, "phase", "Active");
    }
}

/// `SetDefaults_Secret`: type Opaque.
fn secret(obj: &mut Value) {
    if let Some(map) = obj.as_object_mut() {
        set_str(map, "type", "Opaque");
    }
}

pub(super) const KINDS: &[(&str, super::KindDefaulter)] = &[("Namespace", namespace), ("Secret", secret)];

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    fn defaulted(mut obj: Value) -> Value {
        super::super::apply(&mut obj);
        obj
    }

    /// core/v1 `TestSetDefaultNamespace` (label), `TestSetDefaultNamespaceStatus`-style phase,
    /// `TestSetDefaultSecret`.
    #[test]
    fn upstream_namespace_and_secret_defaults() {
        let ns = defaulted(json!({"kind": "Namespace", "metadata": {"name": "team-a"}}));
        assert_eq!(ns["metadata"]["labels"], json!({"kubernetes.io/metadata.name": "team-a"}));
        assert_eq!(ns["spec"]["finalizers"], json!(["kubernetes"]));
        assert_eq!(ns["status"]["phase"], "Active");
        assert_eq!(defaulted(json!({"kind": "Secret"}))["type"], "Opaque");
        assert_eq!(
            defaulted(json!({"kind": "Secret", "type": "kubernetes.io/tls"}))["type"],
            "kubernetes.io/tls"
        );
    }
}
