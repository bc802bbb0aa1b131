//! The node lifecycle controller's rules against upstream: `pkg/controller/tainteviction`
//! (`processPodOnNode`, `getMinTolerationTime`), `pkg/controller/nodelifecycle`
//! (`monitorNodeHealth`, `ComputeZoneState`, `handleDisruption`) and `pkg/controller/podgc`
//! (`gcOrphaned`'s quarantine).
//!
//! Each case is one `node_lifecycle::reconcile` over a store of nodes and pods.

use konverge::actions::{Action, Change};
use konverge::controllers::node_lifecycle::reconcile;
use konverge::facts::Facts;
use konverge::model::{self, ObjKey};
use konverge::state::State;
use serde_json::{json, Value};
use std::collections::BTreeMap;

const NOW: i64 = 1_735_689_600;

/// A node whose Ready condition has `ready` status since an hour ago, in `zone`, with these
/// taints.
fn node(name: &str, ready: &str, zone: &str, taints: Value) -> Value {
    let mut labels = json!({"kubernetes.io/hostname": name});
    if !zone.is_empty() {
        labels["topology.kubernetes.io/zone"] = json!(zone);
    }
    json!({
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "uid": format!("uid-{name}"), "labels": labels,
                     "creationTimestamp": model::fmt_time(NOW - 7200)},
        "spec": {"taints": taints},
        "status": {"conditions": [{"type": "Ready", "status": ready,
                                   "lastHeartbeatTime": model::fmt_time(NOW - 3600),
                                   "lastTransitionTime": model::fmt_time(NOW - 3600)}]},
    })
}

fn no_execute(key: &str, added: i64) -> Value {
    json!({"key": key, "effect": "NoExecute", "timeAdded": model::fmt_time(added)})
}

/// A running pod bound to `node`, created an hour ago, with these tolerations.
fn pod(name: &str, node: &str, tolerations: Value) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "default", "uid": format!("uid-{name}"),
                     "creationTimestamp": model::fmt_time(NOW - 3600)},
        "spec": {"nodeName": node, "tolerations": tolerations, "containers": [{"name": "c", "image": "nginx"}]},
        "status": {"phase": "Running"},
    })
}

fn toleration(key: &str, seconds: Option<i64>) -> Value {
    let mut t = json!({"key": key, "operator": "Exists", "effect": "NoExecute"});
    if let Some(s) = seconds {
        t["tolerationSeconds"] = json!(s);
    }
    t
}

fn run(objects: Vec<Value>) -> (Vec<Action>, Vec<i64>) {
    let store: BTreeMap<ObjKey, Value> = objects.into_iter().map(|o| (ObjKey::of(&o), o)).collect();
    let p = reconcile(&Facts::extract(&State::of_objects(store.clone(), NOW)));
    (p.actions, p.wakes)
}

fn evicted(actions: &[Action]) -> Vec<String> {
    let mut out: Vec<String> = actions
        .iter()
        .filter_map(|a| match &a.change {
            Change::Delete { key, .. } if key.kind == "Pod" => Some(key.name.clone()),
            _ => None,
        })
        .collect();
    out.sort();
    out
}

/// The NoExecute taint keys each node's taint patch adds.
fn no_execute_added(actions: &[Action]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for a in actions {
        if let Change::Patch { key, patch, .. } = &a.change {
            for t in patch["spec"]["taints"].as_array().into_iter().flatten() {
                if t["effect"] == "NoExecute"
                    && !t["timeAdded"].is_null()
                    && t["timeAdded"] == model::fmt_time(NOW)
                {
                    out.push((key.name.clone(), t["key"].as_str().unwrap_or_default().to_string()));
                }
            }
        }
    }
    out.sort();
    out
}

/// upstream `processPodOnNode` with `getMinTolerationTime` over the tolerations a pod uses:
/// not tolerating every NoExecute taint evicts at once; otherwise the shortest
/// tolerationSeconds, 0 or less at once, none for ever; counted from when the taint came.
#[test]
fn process_pod_on_node_and_min_toleration_time() {
    const UNREACHABLE: &str = "node.kubernetes.io/unreachable";
    let tainted_at = NOW - 100;
    let objects = vec![
        node("n1", "Unknown", "", json!([no_execute(UNREACHABLE, tainted_at)])),
        node("n2", "True", "", json!([no_execute("example.com/drain", tainted_at)])),
        pod("no-toleration", "n1", json!([])),
        pod("forever", "n1", json!([toleration(UNREACHABLE, None)])),
        pod(
            "shortest-of-60-and-300",
            "n1",
            json!([toleration(UNREACHABLE, Some(300)), toleration("", Some(60))]),
        ),
        pod("only-300", "n1", json!([toleration(UNREACHABLE, Some(300))])),
        pod("zero", "n1", json!([toleration(UNREACHABLE, Some(0))])),
        pod("negative", "n1", json!([toleration(UNREACHABLE, Some(-5))])),
        pod("forever-and-300", "n1", json!([toleration(UNREACHABLE, None), toleration("", Some(300))])),
        pod("unrelated-toleration-only", "n1", json!([toleration("example.com/other", Some(1))])),
        // Every NoExecute taint counts, not only the ones the controller sets.
        pod("custom-taint-untolerated", "n2", json!([])),
        pod("custom-taint-tolerated", "n2", json!([toleration("example.com/drain", None)])),
    ];
    let (actions, wakes) = run(objects);
    assert_eq!(
        evicted(&actions),
        [
            "custom-taint-untolerated",
            "negative",
            "no-toleration",
            "shortest-of-60-and-300",
            "unrelated-toleration-only",
            "zero"
        ]
    );
    assert!(wakes.contains(&(tainted_at + 300)), "only-300 and forever-and-300 are woken for: {wakes:?}");
}

/// upstream `ComputeZoneState` and `handleDisruption`: a zone with every node NotReady is
/// fully disrupted; when every zone is, nothing is tainted and the controller's NoExecute
/// taints are removed (`markNodeAsReachable`); while another zone is up, it is tainted at the
/// normal rate. A zone with more than 2 NotReady nodes making at least 55 % of it is partially
/// disrupted, and stops tainting when it has at most 50 nodes.
#[test]
fn zone_states_decide_whether_nodes_are_tainted() {
    let down = |name: &str, zone: &str| node(name, "Unknown", zone, json!([]));
    let up = |name: &str, zone: &str| node(name, "True", zone, json!([]));
    /// (case, nodes, the (node, NoExecute taint) pairs added).
    type Case<'a> = (&'a str, Vec<Value>, Vec<(&'a str, &'a str)>);
    let cases: Vec<Case> = vec![
        (
            "one zone, every node down: full disruption everywhere, no taint",
            vec![down("a1", "a"), down("a2", "a")],
            vec![],
        ),
        (
            "zone a fully disrupted, zone b up: a's first node is tainted (one per 10 s)",
            vec![down("a1", "a"), down("a2", "a"), up("b1", "b")],
            vec![("a1", "node.kubernetes.io/unreachable")],
        ),
        (
            "normal zone (1 of 3 down): the node is tainted",
            vec![down("a1", "a"), up("a2", "a"), up("a3", "a")],
            vec![("a1", "node.kubernetes.io/unreachable")],
        ),
        (
            "partial disruption (3 of 4 down) in a zone of at most 50 nodes: no taint",
            vec![down("a1", "a"), down("a2", "a"), down("a3", "a"), up("a4", "a")],
            vec![],
        ),
        (
            "2 of 3 down is not a partial disruption (needs more than 2)",
            vec![down("a1", "a"), down("a2", "a"), up("a3", "a")],
            vec![("a1", "node.kubernetes.io/unreachable")],
        ),
    ];
    for (name, nodes, want) in cases {
        let (actions, _) = run(nodes);
        let want: Vec<(String, String)> =
            want.into_iter().map(|(n, k)| (n.to_string(), k.to_string())).collect();
        assert_eq!(no_execute_added(&actions), want, "{name}");
    }

    // Every zone fully disrupted: the NoExecute taints already set are removed.
    let tainted = node("a1", "Unknown", "a", json!([no_execute("node.kubernetes.io/unreachable", NOW - 10)]));
    let (actions, _) = run(vec![tainted, down("a2", "a")]);
    let removed = actions.iter().any(|a| match &a.change {
        Change::Patch { key, patch, .. } => {
            key.name == "a1"
                && !patch["spec"]["taints"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|t| t["effect"] == "NoExecute")
        }
        _ => false,
    });
    assert!(removed, "markNodeAsReachable: {actions:?}");
}

/// upstream `monitorNodeHealth`: a node whose kubelet stopped posting status keeps its
/// conditions for the node-monitor grace period (50 s) and becomes Unknown once it has
/// strictly passed.
#[test]
fn monitor_node_health_waits_for_the_grace_period() {
    let silent_since = |secs: i64| {
        let mut n = node("n1", "True", "", json!([]));
        n["metadata"]["annotations"] = json!({"konverge.io/kubelet": "stopped"});
        n["status"]["conditions"][0]["lastHeartbeatTime"] = json!(model::fmt_time(NOW - secs));
        n
    };
    let marked_unknown = |actions: &[Action]| {
        actions.iter().any(|a| match &a.change {
            Change::Patch { patch, .. } => patch["status"]["conditions"][0]["status"] == "Unknown",
            _ => false,
        })
    };
    let (actions, wakes) = run(vec![silent_since(50)]);
    assert!(!marked_unknown(&actions), "50 s is not past the grace period");
    assert_eq!(wakes, [NOW + 1]);
    let (actions, _) = run(vec![silent_since(51)]);
    assert!(marked_unknown(&actions), "51 s is");
}

/// upstream `PodGCController.gcOrphaned`: a pod bound to a node that does not exist is
/// deleted only after the 40 s quarantine, not in the step it appears.
#[test]
fn gc_orphaned_waits_for_the_quarantine() {
    let orphan = |age: i64| {
        let mut p = pod("p", "gone", json!([]));
        p["metadata"]["creationTimestamp"] = json!(model::fmt_time(NOW - age));
        p
    };
    let removed = |actions: &[Action]| {
        actions.iter().any(|a| matches!(&a.change, Change::Remove { key } if key.name == "p"))
    };
    let (actions, wakes) = run(vec![orphan(0)]);
    assert!(!removed(&actions), "just created");
    assert_eq!(wakes, [NOW + 40]);
    let (actions, _) = run(vec![orphan(40)]);
    assert!(removed(&actions), "quarantine over");
}
