//! `kubectl apply`'s client side: turn a manifest into the change it makes to the live object.
//!
//! Like kubectl's client-side apply, the manifest is remembered in the
//! `kubectl.kubernetes.io/last-applied-configuration` annotation; a later apply sets every field
//! the new manifest gives and removes the fields the previous manifest gave and the new one
//! drops (a three-way merge), leaving fields that controllers own (status, revisions, owner
//! references, …) alone.

use crate::model;
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
    let last_applied = serde_json::to_string(&desired).unwrap_or_default();
    model::obj_mut(&mut desired, &["metadata", "annotations"])
        .insert(LAST_APPLIED.into(), json!(last_applied));
    let Some(live) = live else { return Applied::Create(desired) };
    let previous: Value = model::annotation(live, LAST_APPLIED)
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or(Value::Null);
    let patch = three_way(&previous, &desired, live);
    let mut merged = live.clone();
    json_patch::merge(&mut merged, &patch);
    // Lists are replaced whole, so a manifest's containers lack what the API server defaulted
    // in them; stored, the patched object is defaulted again.
    crate::defaults::apply(&mut merged);
    if merged == *live {
        Applied::Unchanged
    } else {
        Applied::Configure(patch)
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

/// The merge patch that turns `old` into `new`.
pub fn merge_diff(old: &Value, new: &Value) -> Value {
    three_way(old, new, old)
}

/// Merge patch that sets what `desired` gives and deletes what `previous` gave and `desired`
/// no longer does. Maps merge key by key; lists and scalars are replaced whole.
fn three_way(previous: &Value, desired: &Value, live: &Value) -> Value {
    let mut patch = Map::new();
    if let Some(d) = desired.as_object() {
        for (k, v) in d {
            let live_v = live.get(k);
            match (v, live_v) {
                (Value::Object(_), Some(Value::Object(_))) => {
                    let sub =
                        three_way(previous.get(k).unwrap_or(&Value::Null), v, live_v.unwrap_or(&Value::Null));
                    if sub.as_object().is_some_and(|m| !m.is_empty()) {
                        patch.insert(k.clone(), sub);
                    }
                }
                _ if live_v == Some(v) => {}
                _ => {
                    patch.insert(k.clone(), v.clone());
                }
            }
        }
    }
    if let Some(p) = previous.as_object() {
        for k in p.keys() {
            if desired.get(k).is_none() && live.get(k).is_some() {
                patch.insert(k.clone(), Value::Null);
            }
        }
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
}
