//! Imported state: a real `kubectl get pods,rs,nodes -o yaml` dump (a `v1 List`) or the same
//! objects as a multi-document stream load as a state, and every field konverge does not model
//! survives a reconcile and a save. The clock of a state that records none starts at the latest
//! timestamp in it, or at 2025-01-01T00:00:00Z; never at the wall clock.

mod common;

use common::*;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;

const FIXTURE: &str = "tests/fixtures/kubectl-get-pods-rs-nodes.yaml";
/// The Ready heartbeat of k8s-master: the latest timestamp in the fixture (see its header).
const FIXTURE_LATEST: &str = "2024-05-20T09:15:42Z";

fn fixture_text() -> String {
    std::fs::read_to_string(root().join(FIXTURE)).unwrap()
}

fn fixture_items() -> Vec<Value> {
    let v: Value = serde_yaml::from_str(&fixture_text()).unwrap();
    assert_eq!((v["apiVersion"].as_str(), v["kind"].as_str()), (Some("v1"), Some("List")));
    v["items"].as_array().unwrap().clone()
}

type Key = (String, String, String);

fn key(o: &Value) -> Key {
    (
        o["kind"].as_str().unwrap_or("").to_string(),
        o["metadata"]["namespace"].as_str().unwrap_or("").to_string(),
        name(o).to_string(),
    )
}

/// The documents of a state file: the clock, and the objects by key.
fn read_state(c: &Cluster) -> (Option<Value>, BTreeMap<Key, Value>) {
    let text = String::from_utf8(c.state_bytes()).unwrap();
    let mut clock = None;
    let mut objects = BTreeMap::new();
    for doc in serde_yaml::Deserializer::from_str(&text) {
        let v = Value::deserialize(doc).unwrap();
        if v["kind"] == "Clock" {
            assert!(clock.is_none(), "one clock");
            clock = Some(v);
        } else {
            assert!(objects.insert(key(&v), v.clone()).is_none(), "one document per object");
        }
    }
    (clock, objects)
}

fn clock_time(c: &Cluster) -> String {
    let (clock, _) = read_state(c);
    clock.expect("the saved state records its clock")["time"].as_str().unwrap().to_string()
}

/// Leaf paths where two trees differ.
fn differences(a: &Value, b: &Value, path: &str, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for k in x.keys().chain(y.keys().filter(|k| !x.contains_key(*k))) {
                let p = format!("{path}/{k}");
                differences(x.get(k).unwrap_or(&Value::Null), y.get(k).unwrap_or(&Value::Null), &p, out);
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (u, v)) in x.iter().zip(y).enumerate() {
                differences(u, v, &format!("{path}/{i}"), out);
            }
        }
        _ if a == b => {}
        _ => out.push(path.to_string()),
    }
}

/// The fixture's objects as konverge keys them (a kubectl dump names every namespace).
fn by_key(items: &[Value]) -> BTreeMap<Key, Value> {
    items.iter().map(|o| (key(o), o.clone())).collect()
}

#[test]
fn a_converged_dump_survives_run_untouched() {
    let c = Cluster::new();
    std::fs::write(&c.state, fixture_text()).unwrap();
    let r = c.ok(&["run", "-o", "json"]);
    assert_eq!(r.json()["steps"], json!([]), "a converged cluster: nothing to do");
    let (_, after) = read_state(&c);
    let before = by_key(&fixture_items());
    assert_eq!(after.keys().collect::<Vec<_>>(), before.keys().collect::<Vec<_>>());
    for (k, want) in &before {
        let mut diff = Vec::new();
        differences(want, &after[k], "", &mut diff);
        assert!(diff.is_empty(), "{k:?} changed at {diff:?}");
    }
    assert_eq!(clock_time(&c), FIXTURE_LATEST);
    // The saved state is a stream (one document per object), which loads back the same.
    let text = String::from_utf8(c.state_bytes()).unwrap();
    assert_eq!(text.matches("\n---\n").count(), before.len());
    let again = Cluster::from_state(&c.state);
    again.ok(&["run"]);
    assert_eq!(again.state_bytes(), c.state_bytes(), "a saved state round-trips byte for byte");
}

#[test]
fn unmodelled_fields_survive_a_reconcile() {
    let c = Cluster::new();
    std::fs::write(&c.state, fixture_text()).unwrap();
    let trace = c.ok(&["scale", "rs/myapp", "--replicas=4", "-o", "json"]).json();
    assert_eq!(trace["converged"], true);
    assert_eq!(count_actions(&trace, "create", "Pod", "replicaset"), 1, "{trace}");
    let (_, after) = read_state(&c);
    for (k, want) in by_key(&fixture_items()) {
        let got = after.get(&k).unwrap_or_else(|| panic!("{k:?} is still there"));
        let mut diff = Vec::new();
        differences(&want, got, "", &mut diff);
        // Only what the controllers own may change: the set's replicas, status and versions.
        let allowed = |p: &str| {
            k.0 == "ReplicaSet"
                && (p == "/spec/replicas"
                    || p.starts_with("/status/")
                    || p == "/metadata/resourceVersion"
                    || p == "/metadata/generation")
        };
        let unexpected: Vec<&String> = diff.iter().filter(|p| !allowed(p)).collect();
        assert!(unexpected.is_empty(), "{k:?} changed at {unexpected:?}");
    }
    let rs = &after[&("ReplicaSet".into(), "default".into(), "myapp".into())];
    assert_eq!(rs["spec"]["replicas"], 4);
    assert_eq!(rs["status"]["readyReplicas"], 4);
    assert_eq!(rs["metadata"]["generation"], 3, "the spec changed: generation 2 → 3");
    assert_eq!(rs["status"]["observedGeneration"], 3);
    // The new pod: created at the dump's clock, placed on a worker (the master is tainted).
    let new: Vec<&Value> = after
        .values()
        .filter(|o| o["kind"] == "Pod" && !by_key(&fixture_items()).contains_key(&key(o)))
        .collect();
    assert_eq!(new.len(), 1);
    assert_eq!(new[0]["metadata"]["creationTimestamp"], FIXTURE_LATEST);
    assert!(["k8s-node1", "k8s-node2"].contains(&node_of(new[0])), "{}", node_of(new[0]));
    assert_eq!(new[0]["metadata"]["ownerReferences"][0]["uid"], rs["metadata"]["uid"]);
}

#[test]
fn a_multi_document_stream_loads_like_the_list() {
    let items = fixture_items();
    let stream: Vec<String> = items.iter().map(|o| serde_yaml::to_string(o).unwrap()).collect();
    let (a, b) = (Cluster::new(), Cluster::new());
    std::fs::write(&a.state, fixture_text()).unwrap();
    std::fs::write(&b.state, stream.join("---\n")).unwrap();
    for c in [&a, &b] {
        c.ok(&["scale", "rs/myapp", "--replicas=5"]);
    }
    assert_eq!(a.state_bytes(), b.state_bytes());
    let out = a.ok(&["get", "pods", "-A"]).stdout;
    assert!(out.contains("etcd-k8s-master") && out.contains("12h"), "{out}");
}

#[test]
fn a_state_without_a_clock_starts_at_its_latest_timestamp() {
    let c = Cluster::new();
    std::fs::write(&c.state, fixture_text()).unwrap();
    let r = c.ok(&["get", "pods", "debug"]);
    // `debug` was created at 09:00:00, the latest timestamp is 09:15:42: 15m42s → "15m".
    assert!(r.stdout.contains(" 15m\n"), "{}", r.stdout);
    c.ok(&["apply", "-f", &c.write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")]);
    let cm = c.object("configmap", "c").unwrap();
    assert_eq!(cm["metadata"]["creationTimestamp"], FIXTURE_LATEST);
    // The apply took one step: the clock moved one tick past the dump's latest timestamp.
    assert_eq!(secs(&clock_time(&c)) - secs(FIXTURE_LATEST), 1);
}

#[test]
fn an_empty_state_starts_at_the_fixed_epoch() {
    // No file at all.
    let c = Cluster::new();
    c.ok(&["run"]);
    assert_eq!(clock_time(&c), "2025-01-01T00:00:00Z");
    // An empty file, and a file whose objects carry no timestamp.
    for text in
        ["", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\ndata: {k: v}\n"]
    {
        let c = Cluster::new();
        std::fs::write(&c.state, text).unwrap();
        c.ok(&["apply", "-f", &c.write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n")]);
        assert_eq!(
            c.object("configmap", "b").unwrap()["metadata"]["creationTimestamp"],
            "2025-01-01T00:00:00Z"
        );
        assert_eq!(clock_time(&c), "2025-01-01T00:00:01Z", "one step");
    }
    // The clock moves one second per step from the epoch: the nodes take step 1 at the epoch,
    // the set's four steps follow.
    let c = Cluster::seed_nodes();
    assert_eq!(clock_time(&c), "2025-01-01T00:00:01Z");
    let trace = c.ok(&["apply", "-f", &example("replicaset/rs-demo.yaml"), "-o", "json"]).json();
    let times: Vec<&str> =
        trace["steps"].as_array().unwrap().iter().map(|s| s["time"].as_str().unwrap()).collect();
    assert_eq!(
        times,
        ["2025-01-01T00:00:01Z", "2025-01-01T00:00:02Z", "2025-01-01T00:00:03Z", "2025-01-01T00:00:04Z"]
    );
}

#[test]
fn a_recorded_clock_wins_over_timestamps() {
    let c = Cluster::new();
    let clock = "apiVersion: konverge.io/v1alpha1\nkind: Clock\nmetadata: {name: konverge}\ntime: 2030-06-01T12:00:00Z\nsequence: 40\n";
    std::fs::write(&c.state, format!("{clock}---\n{}", fixture_text())).unwrap();
    c.ok(&["apply", "-f", &c.write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")]);
    assert_eq!(c.object("configmap", "c").unwrap()["metadata"]["creationTimestamp"], "2030-06-01T12:00:00Z");
    assert_eq!(clock_time(&c), "2030-06-01T12:00:01Z", "one step");
    c.ok(&["advance", "90s"]);
    assert_eq!(clock_time(&c), "2030-06-01T12:01:31Z");
}
