//! The garbage collector's rules against upstream `pkg/controller/garbagecollector`
//! (`attemptToDeleteItem`, `classifyReferences`, `isDangling`; garbagecollector_test.go's
//! `TestConflictingData` for references that name an object of another kind or namespace).
//!
//! Each case is one `garbage_collector::reconcile` over a store: what the collector proposes
//! for the dependent — delete it (and how), drop some of its owner references, or nothing.

use konverge::actions::{Action, Change, Propagation};
use konverge::controllers::garbage_collector::reconcile;
use konverge::facts::Facts;
use konverge::model::ObjKey;
use konverge::state::State;
use serde_json::{json, Value};
use std::collections::BTreeMap;

const NOW: i64 = 1_735_689_600;

fn object(kind: &str, ns: &str, name: &str, owners: Value) -> Value {
    let api_version = if kind == "ReplicaSet" { "apps/v1" } else { "v1" };
    let mut o = json!({
        "apiVersion": api_version, "kind": kind,
        "metadata": {"name": name, "uid": format!("uid-{name}"), "ownerReferences": owners},
    });
    if !ns.is_empty() {
        o["metadata"]["namespace"] = json!(ns);
    }
    o
}

/// An owner reference to `kind`/`name` with that name's uid.
fn owner(kind: &str, name: &str) -> Value {
    let api_version = if kind == "ReplicaSet" { "apps/v1" } else { "v1" };
    json!({"apiVersion": api_version, "kind": kind, "name": name, "uid": format!("uid-{name}")})
}

/// The object being deleted in the foreground (it waits for its dependents).
fn deleting_in_foreground(mut o: Value) -> Value {
    o["metadata"]["deletionTimestamp"] = json!("2025-01-01T00:00:00Z");
    o["metadata"]["finalizers"] = json!(["foregroundDeletion"]);
    o
}

fn run(objects: Vec<Value>) -> Vec<Action> {
    let store: BTreeMap<ObjKey, Value> = objects.into_iter().map(|o| (ObjKey::of(&o), o)).collect();
    reconcile(&Facts::extract(&State::of_objects(store.clone(), NOW))).actions
}

/// What the collector does to `name`: "delete background", "delete foreground",
/// "drop uid-a,uid-b" (the owner references left), or "nothing".
fn verdict(actions: &[Action], name: &str) -> String {
    for a in actions {
        match &a.change {
            Change::Delete { key, propagation } if key.name == name => {
                let how = match propagation {
                    Propagation::Foreground => "foreground",
                    Propagation::Background => "background",
                    Propagation::Orphan => "orphan",
                };
                return format!("delete {how}");
            }
            Change::Patch { key, patch, .. } if key.name == name => {
                let kept: Vec<&str> = patch["metadata"]["ownerReferences"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|r| r["uid"].as_str())
                    .collect();
                return format!("keep {}", kept.join(","));
            }
            _ => {}
        }
    }
    "nothing".to_string()
}

#[test]
fn attempt_to_delete_item() {
    let rs = |name: &str| object("ReplicaSet", "ns1", name, json!([]));
    let pod = |owners: Value| object("Pod", "ns1", "child", owners);
    let cases: Vec<(&str, Vec<Value>, &str)> = vec![
        ("a solid owner: nothing to do", vec![rs("a"), pod(json!([owner("ReplicaSet", "a")]))], "nothing"),
        (
            "the only owner is gone: collected in the background",
            vec![pod(json!([owner("ReplicaSet", "a")]))],
            "delete background",
        ),
        (
            "one owner gone, one solid: only the dangling reference goes",
            vec![rs("a"), pod(json!([owner("ReplicaSet", "a"), owner("ReplicaSet", "b")]))],
            "keep uid-a",
        ),
        (
            "the only owner waits for its dependents: deleted (background: it owns nothing)",
            vec![deleting_in_foreground(rs("a")), pod(json!([owner("ReplicaSet", "a")]))],
            "delete background",
        ),
        (
            "one owner waits for its dependents, another is solid: the dependent stays and only \
             loses the waiting reference",
            vec![
                deleting_in_foreground(rs("a")),
                rs("b"),
                pod(json!([owner("ReplicaSet", "a"), owner("ReplicaSet", "b")])),
            ],
            "keep uid-b",
        ),
        (
            "isDangling: the uid exists but as another kind (TestConflictingData: wrong kind)",
            vec![object("ConfigMap", "ns1", "a", json!([])), pod(json!([owner("ReplicaSet", "a")]))],
            "delete background",
        ),
        (
            "isDangling: the owner is namespaced and lives in another namespace \
             (TestConflictingData: bad child in ns1 -> owner in ns2)",
            vec![object("ReplicaSet", "ns2", "a", json!([])), pod(json!([owner("ReplicaSet", "a")]))],
            "delete background",
        ),
        (
            "a cluster-scoped owner resolves from any namespace \
             (TestConflictingData: good child in ns1 -> cluster-scoped owner)",
            vec![object("Node", "", "a", json!([])), pod(json!([owner("Node", "a")]))],
            "nothing",
        ),
    ];
    for (name, objects, want) in cases {
        assert_eq!(verdict(&run(objects), "child"), want, "{name}");
    }
}

/// A dependent an owner waits for that owns objects itself is deleted in the foreground
/// (`attemptToDeleteItem`: waitingForDependentsDeletion with dependents of its own).
#[test]
fn a_waited_for_dependent_with_dependents_is_deleted_in_the_foreground() {
    let objects = vec![
        deleting_in_foreground(object("ReplicaSet", "ns1", "a", json!([]))),
        object("Pod", "ns1", "child", json!([owner("ReplicaSet", "a")])),
        object("ConfigMap", "ns1", "grandchild", json!([owner("Pod", "child")])),
    ];
    let actions = run(objects);
    assert_eq!(verdict(&actions, "child"), "delete foreground");
    assert_eq!(verdict(&actions, "grandchild"), "nothing", "its owner still exists");
}
