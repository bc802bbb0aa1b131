//! Building objects from the templates controllers carry: a pod from a pod template, with the
//! controller owner reference upstream's `GetPodFromTemplate` sets.

use crate::model;
use serde_json::{json, Map, Value};

/// The controller owner reference to `owner` (`controller: true`, `blockOwnerDeletion: true`).
pub fn controller_ref(owner: &Value) -> Value {
    json!({
        "apiVersion": model::str_at(owner, &["apiVersion"]),
        "kind": model::str_at(owner, &["kind"]),
        "name": model::name(owner),
        "uid": model::uid(owner),
        "controller": true,
        "blockOwnerDeletion": true,
    })
}

/// A new pod from `owner`'s `spec.template`, named by the API server from `generate_name`.
pub fn pod_from_template(owner: &Value, generate_name: &str) -> Value {
    let template = model::at(owner, &["spec", "template"]).cloned().unwrap_or(Value::Null);
    pod_with(owner, &template, Some(generate_name))
}

/// A new, unnamed pod of `owner` from `template` (upstream `GetPodFromTemplate`): the
/// template's labels, annotations and spec, the owner's namespace, a controller reference.
pub fn pod_from(owner: &Value, template: &Value) -> Value {
    pod_with(owner, template, None)
}

fn pod_with(owner: &Value, template: &Value, generate_name: Option<&str>) -> Value {
    let mut meta = Map::new();
    if let Some(prefix) = generate_name {
        meta.insert("generateName".into(), Value::String(prefix.to_string()));
    }
    meta.insert(
        "namespace".into(),
        Value::String(model::str_at(owner, &["metadata", "namespace"]).to_string()),
    );
    for field in ["labels", "annotations"] {
        if let Some(v) =
            model::at(template, &["metadata", field]).filter(|v| v.as_object().is_some_and(|m| !m.is_empty()))
        {
            meta.insert(field.into(), v.clone());
        }
    }
    meta.insert("ownerReferences".into(), Value::Array(vec![controller_ref(owner)]));
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": model::at(template, &["spec"]).cloned().unwrap_or_else(|| json!({})),
    })
}
