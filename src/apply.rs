//! `kubectl apply`'s client side: turn a manifest into the change it makes to the live object.
//!
//! Like kubectl's client-side apply, the manifest is remembered in the
//! `kubectl.kubernetes.io/last-applied-configuration` annotation; a later apply sets every field
//! the new manifest gives and removes the fields the previous manifest gave and the new one
//! drops, leaving fields that controllers own (status, revisions, owner references, …) alone:
//! the three-way strategic merge of [`crate::strategic`]. The API server is then sent the JSON
//! merge patch from the live object to that result.

use crate::{model, strategic};
use serde_json::{json, Map, Value};

pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// What an apply does to one object.
#[derive(Debug, Clone, PartialEq)]
pub enum Applied {
    /// A new object: the object to create.
    Create(Value),
    /// An existing object changes: the merge patch.
    Configure(Value),
    Unchanged,
}

/// Compare a manifest with the live object (if any).
pub fn plan_apply(manifest: &Value, live: Option<&Value>) -> Applied {
    let mut desired = manifest.clone();
    let keep_status = model::str_at(manifest, &["kind"]) == "Node";
    if !keep_status {
        if let Some(m) = desired.as_object_mut() {
            m.remove("status");
        }
    }
    let last_applied = last_applied_configuration(&desired);
    model::obj_mut(&mut desired, &["metadata", "annotations"])
        .insert(LAST_APPLIED.into(), json!(last_applied));
    let Some(live) = live else { return Applied::Create(desired) };
    let previous: Value = model::annotation(live, LAST_APPLIED)
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or(Value::Null);
    let mut merged = strategic::three_way(&previous, &desired, live);
    // What the manifest brings anew (a container, a port) lacks what the API server defaults
    // in it; stored, the patched object is defaulted again.
    crate::defaults::apply(&mut merged);
    if merged == *live {
        Applied::Unchanged
    } else {
        Applied::Configure(merge_diff(live, &merged))
    }
}

/// The annotation's text as kubectl writes it (`GetModifiedConfiguration`): the manifest
/// without the annotation but with `metadata.annotations` (`{}` when it has none), encoded as
/// Go's `json.Encoder` encodes a map: keys sorted, `<`, `>`, `&`, U+2028 and U+2029 escaped,
/// a final newline (so `get -o yaml` shows it as a `|` block, as kubectl does).
fn last_applied_configuration(desired: &Value) -> String {
    let mut manifest = desired.clone();
    model::obj_mut(&mut manifest, &["metadata", "annotations"]).remove(LAST_APPLIED);
    let text = serde_json::to_string(&sorted_keys(&manifest)).unwrap_or_default();
    let mut out = String::with_capacity(text.len() + 1);
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out.push('\n');
    out
}

/// `value` with every map's keys in byte order (Go's `encoding/json` order for maps).
fn sorted_keys(value: &Value) -> Value {
    match value {
        Value::Object(m) => {
            let mut entries: Vec<(&String, &Value)> = m.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k.clone(), sorted_keys(v))).collect())
        }
        Value::Array(a) => Value::Array(a.iter().map(sorted_keys).collect()),
        other => other.clone(),
    }
}

/// The object an apply would leave (for `diff`).
pub fn merged(manifest: &Value, live: Option<&Value>) -> Value {
    match (plan_apply(manifest, live), live) {
        (Applied::Create(obj), _) => obj,
        (Applied::Configure(patch), Some(live)) => {
            let mut m = live.clone();
            json_patch::merge(&mut m, &patch);
            m
        }
        (_, live) => live.cloned().unwrap_or(Value::Null),
    }
}

/// The JSON merge patch (RFC 7386) that turns `old` into `new`: maps key by key, lists and
/// scalars whole, keys `new` lacks deleted.
pub fn merge_diff(old: &Value, new: &Value) -> Value {
    let (Some(o), Some(n)) = (old.as_object(), new.as_object()) else { return new.clone() };
    let mut patch = Map::new();
    for (k, v) in n {
        match (o.get(k), v) {
            (Some(ov), _) if ov == v => {}
            (Some(ov @ Value::Object(_)), Value::Object(_)) => {
                patch.insert(k.clone(), merge_diff(ov, v));
            }
            _ => {
                patch.insert(k.clone(), v.clone());
            }
        }
    }
    for k in o.keys().filter(|k| !n.contains_key(*k)) {
        patch.insert(k.clone(), Value::Null);
    }
    Value::Object(patch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reapply_removes_dropped_fields_and_keeps_controller_fields() {
        let v1 = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "labels": {"a": "1", "b": "2"}}, "data": {"x": "1"}});
        let Applied::Create(mut live) = plan_apply(&v1, None) else { panic!() };
        live["metadata"]["uid"] = json!("u1");
        live["metadata"]["annotations"]["controller/owned"] = json!("yes");
        let v2 = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "labels": {"a": "1"}}, "data": {"x": "2"}});
        let Applied::Configure(patch) = plan_apply(&v2, Some(&live)) else { panic!() };
        let mut after = live.clone();
        json_patch::merge(&mut after, &patch);
        assert_eq!(after["metadata"]["labels"], json!({"a": "1"}));
        assert_eq!(after["data"], json!({"x": "2"}));
        assert_eq!(after["metadata"]["uid"], json!("u1"));
        assert_eq!(after["metadata"]["annotations"]["controller/owned"], json!("yes"));
        assert_eq!(plan_apply(&v2, Some(&after)), Applied::Unchanged);
    }

    /// The annotation `kubectl apply` writes for a manifest without annotations: keys sorted,
    /// `"annotations":{}`, HTML characters escaped, a final newline.
    #[test]
    fn the_last_applied_annotation_is_kubectls_encoding() {
        let m = json!({"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": "c", "namespace": "default"},
                       "data": {"b": "<&>", "a": "1"}});
        let Applied::Create(obj) = plan_apply(&m, None) else { panic!() };
        let want = r#"{"apiVersion":"v1","data":{"a":"1","b":"\u003c\u0026\u003e"},"kind":"ConfigMap","metadata":{"annotations":{},"name":"c","namespace":"default"}}"#;
        assert_eq!(obj["metadata"]["annotations"][LAST_APPLIED], format!("{want}\n"));
        assert_eq!(plan_apply(&m, Some(&obj)), Applied::Unchanged);
    }
}
