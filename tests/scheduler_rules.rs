//! The scheduler against upstream's own test tables (pkg/scheduler/framework/plugins:
//! nodeaffinity/node_affinity_test.go, tainttoleration/taint_toleration_test.go,
//! nodeunschedulable/node_unschedulable_test.go, nodeports/node_ports_test.go,
//! noderesources/fit_test.go and least_allocated_test.go, podtopologyspread/filtering_test.go
//! and scoring_test.go).
//!
//! Each case runs the way the scheduler runs: the pending pod, the node(s) and the pods already
//! bound are put in a store and one `scheduler::reconcile` is run over `Facts::extract`. A
//! plugin's Success is the pod bound to the node; its failure is the FailedScheduling message
//! the whole scheduler gives for one node, "0/1 nodes are available: <reason>.". Where the
//! whole scheduler words a case differently from the lone plugin (NodeAffinity's PreFilter
//! narrows the nodes first), the comment says so. Cases about scheduler configuration
//! konverge does not model (added affinity, ignored resources, weights) are left out.

use konverge::actions::{Action, Change};
use konverge::controllers::scheduler::{balanced_allocation, least_allocated, normalize_score, reconcile};
use konverge::facts::Facts;
use konverge::model::ObjKey;
use konverge::state::State;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// A node with these labels, taints and allocatable resources (roomy when `alloc` is null).
fn node(name: &str, labels: Value, taints: Value, alloc: Value) -> Value {
    let mut n = json!({
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "uid": format!("uid-{name}"), "labels": labels},
        "spec": {"taints": taints},
        "status": {"conditions": [{"type": "Ready", "status": "True"}]},
    });
    if !alloc.is_null() {
        n["status"]["allocatable"] = alloc;
    }
    n
}

fn plain_node(name: &str) -> Value {
    node(name, json!({}), json!([]), Value::Null)
}

/// A pending pod with these spec fields (one container unless `spec` says otherwise).
fn pod(name: &str, spec: Value) -> Value {
    let mut s = json!({"containers": [{"name": "c", "image": "nginx"}]});
    for (k, v) in spec.as_object().expect("spec object") {
        s[k] = v.clone();
    }
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "default", "uid": format!("uid-{name}"),
                     "creationTimestamp": "2025-01-01T00:00:00Z"},
        "spec": s,
        "status": {"phase": "Pending"},
    })
}

/// The same pod bound to a node and running.
fn bound(mut p: Value, node: &str) -> Value {
    p["spec"]["nodeName"] = json!(node);
    p["status"]["phase"] = json!("Running");
    p
}

fn run(objects: Vec<Value>) -> Vec<Action> {
    let store: BTreeMap<ObjKey, Value> = objects.into_iter().map(|o| (ObjKey::of(&o), o)).collect();
    let snapshot = State::of_objects(store.clone(), 1_735_689_600);
    let f = Facts::extract(&snapshot);
    reconcile(&f).actions
}

/// Schedule `pending` among `nodes` with `existing` pods bound: the node it binds to, or the
/// FailedScheduling message the filters give (PostFilter's " preemption: …" suffix left out:
/// tests/preemption_rules.rs covers it).
fn schedule(pending: Value, nodes: Vec<Value>, existing: Vec<Value>) -> Result<String, String> {
    let name = pending["metadata"]["name"].as_str().unwrap_or_default().to_string();
    let mut objects = nodes;
    objects.extend(existing);
    objects.push(pending);
    for a in run(objects) {
        match &a.change {
            Change::Bind { pod, node } if pod.name == name => return Ok(node.clone()),
            Change::Patch { key, patch, .. } if key.name == name => {
                let message = patch["status"]["conditions"][0]["message"].as_str().unwrap_or_default();
                return Err(message
                    .split_once(" preemption: ")
                    .map_or(message, |(filters, _)| filters)
                    .to_string());
            }
            _ => {}
        }
    }
    Err("no decision".into())
}

/// One node's verdict: `None` for Success, else the FailedScheduling reason for that node.
fn verdict(pending: Value, n: Value, existing: Vec<Value>) -> Option<String> {
    match schedule(pending, vec![n], existing) {
        Ok(_) => None,
        Err(m) => Some(
            m.strip_prefix("0/1 nodes are available: ")
                .and_then(|r| r.strip_suffix('.'))
                .map(|r| r.strip_prefix("1 ").unwrap_or(r).to_string())
                .unwrap_or(m),
        ),
    }
}

fn required(terms: Value) -> Value {
    json!({"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": terms}}}})
}

fn expr(key: &str, op: &str, values: &[&str]) -> Value {
    if values.is_empty() {
        json!({"key": key, "operator": op})
    } else {
        json!({"key": key, "operator": op, "values": values})
    }
}

fn name_in(names: &[&str]) -> Value {
    json!({"key": "metadata.name", "operator": "In", "values": names})
}

fn with(mut a: Value, b: Value) -> Value {
    for (k, v) in b.as_object().expect("object") {
        a[k] = v.clone();
    }
    a
}

const NO_MATCH: &str = "node(s) didn't match Pod's node affinity/selector";
const OUTSIDE: &str = "node(s) didn't satisfy plugin(s) [NodeAffinity]";

/// `TestNodeAffinity` (node_affinity_test.go), every case without scheduler-added affinity.
#[test]
fn node_affinity() {
    let no = Some(NO_MATCH);
    let cases: Vec<(&str, Value, Value, &str, Option<&str>)> = vec![
        // (upstream case, pod spec, node labels, node name, want)
        ("missing labels", json!({"nodeSelector": {"foo": "bar"}}), json!({}), "n", no),
        ("same labels", json!({"nodeSelector": {"foo": "bar"}}), json!({"foo": "bar"}), "n", None),
        (
            "node labels are superset",
            json!({"nodeSelector": {"foo": "bar"}}),
            json!({"foo": "bar", "baz": "blah"}),
            "n",
            None,
        ),
        (
            "node labels are subset",
            json!({"nodeSelector": {"foo": "bar", "baz": "blah"}}),
            json!({"foo": "bar"}),
            "n",
            no,
        ),
        (
            "Pod with matchExpressions using In operator that matches the existing node",
            required(json!([{"matchExpressions": [expr("foo", "In", &["bar", "value2"])]}])),
            json!({"foo": "bar"}),
            "n",
            None,
        ),
        (
            "Pod with matchExpressions using Gt operator that matches the existing node",
            required(json!([{"matchExpressions": [expr("kernel-version", "Gt", &["0204"])]}])),
            json!({"kernel-version": "0206"}),
            "n",
            None,
        ),
        (
            "Pod with matchExpressions using NotIn operator that matches the existing node",
            required(json!([{"matchExpressions": [expr("mem-type", "NotIn", &["DDR", "DDR2"])]}])),
            json!({"mem-type": "DDR3"}),
            "n",
            None,
        ),
        (
            "Pod with matchExpressions using Exists operator that matches the existing node",
            required(json!([{"matchExpressions": [expr("GPU", "Exists", &[])]}])),
            json!({"GPU": "NVIDIA-GRID-K1"}),
            "n",
            None,
        ),
        (
            "Pod with affinity that don't match node's labels won't schedule onto the node",
            required(json!([{"matchExpressions": [expr("foo", "In", &["value1", "value2"])]}])),
            json!({"foo": "bar"}),
            "n",
            no,
        ),
        (
            "Pod with empty MatchExpressions is not a valid value will match no objects and won't schedule onto the node",
            required(json!([{"matchExpressions": []}])),
            json!({"foo": "bar"}),
            "n",
            no,
        ),
        ("Pod with no Affinity will schedule onto a node", json!({}), json!({"foo": "bar"}), "n", None),
        (
            "Pod with Affinity but nil NodeSelector will schedule onto a node",
            json!({"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": null}}}),
            json!({"foo": "bar"}),
            "n",
            None,
        ),
        (
            "Pod with multiple matchExpressions ANDed that matches the existing node",
            required(
                json!([{"matchExpressions": [expr("GPU", "Exists", &[]), expr("GPU", "NotIn", &["AMD", "INTER"])]}]),
            ),
            json!({"GPU": "NVIDIA-GRID-K1"}),
            "n",
            None,
        ),
        (
            "Pod with multiple matchExpressions ANDed that doesn't match the existing node",
            required(json!([{"matchExpressions": [expr("GPU", "Exists", &[]), expr("GPU", "In", &["AMD", "INTER"])]}])),
            json!({"GPU": "NVIDIA-GRID-K1"}),
            "n",
            no,
        ),
        (
            "Pod with multiple NodeSelectorTerms ORed in affinity, matches the node's labels and will schedule onto the node",
            required(json!([
                {"matchExpressions": [expr("foo", "In", &["bar", "value2"])]},
                {"matchExpressions": [expr("diffkey", "In", &["wrong", "value2"])]},
            ])),
            json!({"foo": "bar"}),
            "n",
            None,
        ),
        (
            "Pod with an Affinity and a PodSpec.NodeSelector both are satisfied, will schedule onto the node",
            with(
                json!({"nodeSelector": {"foo": "bar"}}),
                required(json!([{"matchExpressions": [expr("foo", "Exists", &[])]}])),
            ),
            json!({"foo": "bar"}),
            "n",
            None,
        ),
        (
            "Pod with an Affinity matches node's labels but the PodSpec.NodeSelector is not satisfied, won't schedule onto the node",
            with(
                json!({"nodeSelector": {"foo": "bar"}}),
                required(json!([{"matchExpressions": [expr("foo", "Exists", &[])]}])),
            ),
            json!({"foo": "barrrrrr"}),
            "n",
            no,
        ),
        (
            "Pod with an invalid value in Affinity term won't be scheduled onto the node",
            required(json!([{"matchExpressions": [expr("foo", "NotIn", &["invalid value: ___@#$%^"])]}])),
            json!({"foo": "bar"}),
            "n",
            no,
        ),
        (
            "Pod with matchFields using In operator that matches the existing node",
            required(json!([{"matchFields": [name_in(&["node1"])]}])),
            json!({}),
            "node1",
            None,
        ),
        // The lone plugin's Filter says "didn't match"; its PreFilter already left node2 out
        // (NodeNames {node1}), which is what the whole scheduler reports.
        (
            "Pod with matchFields using In operator that does not match the existing node",
            required(json!([{"matchFields": [name_in(&["node1"])]}])),
            json!({}),
            "node2",
            Some(OUTSIDE),
        ),
        (
            "Pod with two terms: matchFields does not match, but matchExpressions matches",
            required(json!([
                {"matchFields": [name_in(&["node1"]), name_in(&["node2"])]},
                {"matchExpressions": [expr("foo", "In", &["bar"])]},
            ])),
            json!({"foo": "bar"}),
            "node2",
            None,
        ),
        (
            "Pod with one term: matchFields does not match, but matchExpressions matches",
            required(
                json!([{"matchFields": [name_in(&["node1"])], "matchExpressions": [expr("foo", "In", &["bar"])]}]),
            ),
            json!({"foo": "bar"}),
            "node2",
            Some(OUTSIDE),
        ),
        (
            "Pod with one term: both matchFields and matchExpressions match",
            required(
                json!([{"matchFields": [name_in(&["node1"])], "matchExpressions": [expr("foo", "In", &["bar"])]}]),
            ),
            json!({"foo": "bar"}),
            "node1",
            None,
        ),
        (
            "Pod with two terms: both matchFields and matchExpressions do not match",
            required(json!([
                {"matchFields": [name_in(&["node1"])]},
                {"matchExpressions": [expr("foo", "In", &["not-match-to-bar"])]},
            ])),
            json!({"foo": "bar"}),
            "node2",
            no,
        ),
        (
            "Pod with two terms of node.Name affinity",
            required(json!([{"matchFields": [name_in(&["node1"])]}, {"matchFields": [name_in(&["node2"])]}])),
            json!({}),
            "node2",
            None,
        ),
        // PreFilter's UnschedulableAndUnresolvable status is the whole message.
        (
            "Pod with two conflicting mach field requirements",
            required(json!([{"matchFields": [name_in(&["node1"]), name_in(&["node2"])]}])),
            json!({"foo": "bar"}),
            "node2",
            Some("pod affinity terms conflict"),
        ),
        // more, from component-helpers nodeaffinity: the remaining operators.
        (
            "DoesNotExist on a missing label",
            required(json!([{"matchExpressions": [expr("GPU", "DoesNotExist", &[])]}])),
            json!({"foo": "bar"}),
            "n",
            None,
        ),
        (
            "DoesNotExist on a present label",
            required(json!([{"matchExpressions": [expr("foo", "DoesNotExist", &[])]}])),
            json!({"foo": "bar"}),
            "n",
            no,
        ),
        (
            "Lt below the label",
            required(json!([{"matchExpressions": [expr("cores", "Lt", &["8"])]}])),
            json!({"cores": "16"}),
            "n",
            no,
        ),
        (
            "Lt above the label",
            required(json!([{"matchExpressions": [expr("cores", "Lt", &["32"])]}])),
            json!({"cores": "16"}),
            "n",
            None,
        ),
        (
            "Gt on a label that is not an integer",
            required(json!([{"matchExpressions": [expr("cores", "Gt", &["1"])]}])),
            json!({"cores": "many"}),
            "n",
            no,
        ),
        (
            "NotIn on a missing label",
            required(json!([{"matchExpressions": [expr("zone", "NotIn", &["a"])]}])),
            json!({}),
            "n",
            None,
        ),
        (
            "matchFields NotIn the node's name",
            required(json!([{"matchFields": [{"key": "metadata.name", "operator": "NotIn", "values": ["n"]}]}])),
            json!({}),
            "n",
            no,
        ),
        ("no terms at all matches nothing", required(json!([])), json!({}), "n", no),
    ];
    for (case, spec, labels, name, want) in cases {
        let got = verdict(pod("p", spec), node(name, labels, json!([]), Value::Null), vec![]);
        assert_eq!(got.as_deref(), want, "{case}");
    }
}

/// `TestTaintTolerationFilter` (taint_toleration_test.go).
#[test]
fn taint_toleration() {
    let t = |k: &str, v: &str, e: &str| json!({"key": k, "value": v, "effect": e});
    let cases: Vec<(&str, Value, Value, Option<&str>)> = vec![
        (
            "A pod having no tolerations can't be scheduled onto a node with nonempty taints",
            json!([]),
            json!([t("dedicated", "user1", "NoSchedule")]),
            Some("node(s) had untolerated taint {dedicated: user1}"),
        ),
        (
            "A pod which can be scheduled on a dedicated node assigned to user1 with effect NoSchedule",
            json!([{"key": "dedicated", "value": "user1", "effect": "NoSchedule"}]),
            json!([t("dedicated", "user1", "NoSchedule")]),
            None,
        ),
        (
            "A pod which can't be scheduled on a dedicated node assigned to user2 with effect NoSchedule",
            json!([{"key": "dedicated", "operator": "Equal", "value": "user2", "effect": "NoSchedule"}]),
            json!([t("dedicated", "user1", "NoSchedule")]),
            Some("node(s) had untolerated taint {dedicated: user1}"),
        ),
        (
            "A pod can be scheduled onto the node, with a toleration uses operator Exists that tolerates the taints on the node",
            json!([{"key": "foo", "operator": "Exists", "effect": "NoSchedule"}]),
            json!([t("foo", "bar", "NoSchedule")]),
            None,
        ),
        (
            "A pod has multiple tolerations, node has multiple taints, all the taints are tolerated, pod can be scheduled onto the node",
            json!([
                {"key": "dedicated", "operator": "Equal", "value": "user2", "effect": "NoSchedule"},
                {"key": "foo", "operator": "Exists", "effect": "NoSchedule"},
            ]),
            json!([t("dedicated", "user2", "NoSchedule"), t("foo", "bar", "NoSchedule")]),
            None,
        ),
        (
            "A pod has a toleration that keys and values match the taint on the node, but (non-empty) effect doesn't match, can't be scheduled onto the node",
            json!([{"key": "foo", "operator": "Equal", "value": "bar", "effect": "PreferNoSchedule"}]),
            json!([t("foo", "bar", "NoSchedule")]),
            Some("node(s) had untolerated taint {foo: bar}"),
        ),
        (
            "The pod has a toleration that keys and values match the taint on the node, the effect of toleration is empty, and the effect of taint is NoSchedule. Pod can be scheduled onto the node",
            json!([{"key": "foo", "operator": "Equal", "value": "bar"}]),
            json!([t("foo", "bar", "NoSchedule")]),
            None,
        ),
        (
            "The pod has a toleration that key and value don't match the taint on the node, but the effect of taint on node is PreferNoSchedule. Pod can be scheduled onto the node",
            json!([{"key": "dedicated", "operator": "Equal", "value": "user2", "effect": "NoSchedule"}]),
            json!([t("dedicated", "user1", "PreferNoSchedule")]),
            None,
        ),
        (
            "The pod has no toleration, but the effect of taint on node is PreferNoSchedule. Pod can be scheduled onto the node",
            json!([]),
            json!([t("dedicated", "user1", "PreferNoSchedule")]),
            None,
        ),
        // more: NoExecute taints filter too; the node-condition taints are ordinary taints.
        (
            "an untolerated NoExecute taint",
            json!([]),
            json!([t("node.kubernetes.io/unreachable", "", "NoExecute")]),
            Some("node(s) had untolerated taint {node.kubernetes.io/unreachable: }"),
        ),
        (
            "the not-ready NoSchedule taint",
            json!([{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"}]),
            json!([t("node.kubernetes.io/not-ready", "", "NoSchedule")]),
            Some("node(s) had untolerated taint {node.kubernetes.io/not-ready: }"),
        ),
        ("an empty key with Exists tolerates everything", json!([{"operator": "Exists"}]), json!([t("a", "b", "NoSchedule"), t("c", "", "NoExecute")]), None),
    ];
    for (case, tolerations, taints, want) in cases {
        let got = verdict(
            pod("p", json!({"tolerations": tolerations})),
            node("nodeA", json!({}), taints, Value::Null),
            vec![],
        );
        assert_eq!(got.as_deref(), want, "{case}");
    }
}

/// `TestNodeUnschedulable` (node_unschedulable_test.go).
#[test]
fn node_unschedulable() {
    let cordoned = || {
        let mut n = plain_node("n");
        n["spec"]["unschedulable"] = json!(true);
        n
    };
    let cases: Vec<(&str, Value, Value, Option<&str>)> = vec![
        (
            "Does not schedule pod to unschedulable node (node.Spec.Unschedulable==true)",
            json!({}),
            cordoned(),
            Some("node(s) were unschedulable"),
        ),
        ("Schedule pod to normal node", json!({}), plain_node("n"), None),
        (
            "Schedule pod with toleration to unschedulable node (node.Spec.Unschedulable==true)",
            json!({"tolerations": [{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}]}),
            cordoned(),
            None,
        ),
    ];
    for (case, spec, n, want) in cases {
        assert_eq!(verdict(pod("p", spec), n, vec![]).as_deref(), want, "{case}");
    }
}

/// A pod with these host ports, as upstream's `newPod(host, "UDP/127.0.0.1/8080", …)`.
fn port_pod(name: &str, ports: &[&str]) -> Value {
    let ports: Vec<Value> = ports
        .iter()
        .map(|p| {
            let parts: Vec<&str> = p.split('/').collect();
            let port: i64 = parts[2].parse().expect("port");
            json!({"containerPort": port, "hostPort": port, "hostIP": parts[1], "protocol": parts[0]})
        })
        .collect();
    pod(name, json!({"containers": [{"name": "c", "image": "nginx", "ports": ports}]}))
}

/// `TestNodePorts` (node_ports_test.go).
#[test]
fn node_ports() {
    let clash = Some("node(s) didn't have free ports for the requested pod ports");
    // (upstream case, the pod's ports, ports held on the node, want)
    type Case<'a> = (&'a str, &'a [&'a str], &'a [&'a str], Option<&'a str>);
    let cases: Vec<Case> = vec![
        ("skip filter", &[], &[], None),
        ("other port", &["UDP/127.0.0.1/8080"], &["UDP/127.0.0.1/9090"], None),
        ("same udp port", &["UDP/127.0.0.1/8080"], &["UDP/127.0.0.1/8080"], clash),
        ("same tcp port", &["TCP/127.0.0.1/8080"], &["TCP/127.0.0.1/8080"], clash),
        ("different host ip", &["TCP/127.0.0.1/8080"], &["TCP/127.0.0.2/8080"], None),
        ("different protocol", &["UDP/127.0.0.1/8080"], &["TCP/127.0.0.1/8080"], None),
        (
            "second udp port conflict",
            &["UDP/127.0.0.1/8000", "UDP/127.0.0.1/8080"],
            &["UDP/127.0.0.1/8080"],
            clash,
        ),
        (
            "first tcp port conflict",
            &["TCP/127.0.0.1/8001", "UDP/127.0.0.1/8080"],
            &["TCP/127.0.0.1/8001", "UDP/127.0.0.1/8081"],
            clash,
        ),
        (
            "first tcp port conflict due to 0.0.0.0 hostIP",
            &["TCP/0.0.0.0/8001"],
            &["TCP/127.0.0.1/8001"],
            clash,
        ),
        (
            "TCP hostPort conflict due to 0.0.0.0 hostIP",
            &["TCP/10.0.10.10/8001", "TCP/0.0.0.0/8001"],
            &["TCP/127.0.0.1/8001"],
            clash,
        ),
        ("second tcp port conflict to 0.0.0.0 hostIP", &["TCP/127.0.0.1/8001"], &["TCP/0.0.0.0/8001"], clash),
        ("second different protocol", &["UDP/127.0.0.1/8001"], &["TCP/0.0.0.0/8001"], None),
        (
            "UDP hostPort conflict due to 0.0.0.0 hostIP",
            &["UDP/127.0.0.1/8001"],
            &["TCP/0.0.0.0/8001", "UDP/0.0.0.0/8001"],
            clash,
        ),
        // more: an empty hostIP is 0.0.0.0 and an empty protocol TCP (HostPortInfo.sanitize).
        ("sanitized defaults", &["/127.0.0.1/8001"], &["TCP//8001"], clash),
    ];
    for (case, want_ports, held, want) in cases {
        let existing = if held.is_empty() { vec![] } else { vec![bound(port_pod("m1", held), "n")] };
        let got = verdict(port_pod("p", want_ports), plain_node("n"), existing);
        assert_eq!(got.as_deref(), want, "{case}");
    }
}

/// A container requesting these resources (every key set, even to 0, as upstream's
/// `newResourcePod` does for cpu, memory and ephemeral-storage).
fn container(cpu_m: i64, mem: i64, scalar: &[(&str, i64)]) -> Value {
    let mut requests =
        json!({"cpu": format!("{cpu_m}m"), "memory": mem.to_string(), "ephemeral-storage": "0"});
    for (k, v) in scalar {
        requests[*k] = json!(v.to_string());
    }
    json!({"name": "c", "image": "nginx", "resources": {"requests": requests}})
}

/// The node of `TestEnoughRequests`: `makeResources(10, 20, 32, 5, 20, 5)`.
fn fit_node() -> Value {
    node(
        "n",
        json!({}),
        json!([]),
        json!({"cpu": "10m", "memory": "20", "pods": "32", "example.com/aaa": "5", "ephemeral-storage": "20", "hugepages-2Mi": "5"}),
    )
}

/// `TestEnoughRequests` (fit_test.go).
#[test]
fn enough_requests() {
    const A: &str = "example.com/aaa";
    const B: &str = "example.com/bbb";
    const K8S_A: &str = "kubernetes.io/something";
    const K8S_B: &str = "subdomain.kubernetes.io/something";
    const HUGE: &str = "hugepages-2Mi";
    let c = container;
    let spec =
        |containers: Vec<Value>, init: Vec<Value>| json!({"containers": containers, "initContainers": init});
    let on_node =
        |containers: Vec<Value>| vec![bound(pod("existing", json!({"containers": containers})), "n")];
    let cases: Vec<(&str, Value, Vec<Value>, Option<&str>)> = vec![
        (
            "no resources requested always fits",
            json!({"containers": []}),
            on_node(vec![c(10, 20, &[])]),
            None,
        ),
        (
            "too many resources fails",
            spec(vec![c(1, 1, &[])], vec![]),
            on_node(vec![c(10, 20, &[])]),
            Some("Insufficient cpu, 1 Insufficient memory"),
        ),
        (
            "too many resources fails due to init container cpu",
            spec(vec![c(1, 1, &[])], vec![c(3, 1, &[])]),
            on_node(vec![c(8, 19, &[])]),
            Some("Insufficient cpu"),
        ),
        (
            "too many resources fails due to highest init container cpu",
            spec(vec![c(1, 1, &[])], vec![c(3, 1, &[]), c(2, 1, &[])]),
            on_node(vec![c(8, 19, &[])]),
            Some("Insufficient cpu"),
        ),
        (
            "too many resources fails due to init container memory",
            spec(vec![c(1, 1, &[])], vec![c(1, 3, &[])]),
            on_node(vec![c(9, 19, &[])]),
            Some("Insufficient memory"),
        ),
        (
            "too many resources fails due to highest init container memory",
            spec(vec![c(1, 1, &[])], vec![c(1, 3, &[]), c(1, 2, &[])]),
            on_node(vec![c(9, 19, &[])]),
            Some("Insufficient memory"),
        ),
        (
            "init container fits because it's the max, not sum, of containers and init containers",
            spec(vec![c(1, 1, &[])], vec![c(1, 1, &[])]),
            on_node(vec![c(9, 19, &[])]),
            None,
        ),
        (
            "multiple init containers fit because it's the max, not sum, of containers and init containers",
            spec(vec![c(1, 1, &[])], vec![c(1, 1, &[]), c(1, 1, &[])]),
            on_node(vec![c(9, 19, &[])]),
            None,
        ),
        ("both resources fit", spec(vec![c(1, 1, &[])], vec![]), on_node(vec![c(5, 5, &[])]), None),
        (
            "one resource memory fits",
            spec(vec![c(2, 1, &[])], vec![]),
            on_node(vec![c(9, 5, &[])]),
            Some("Insufficient cpu"),
        ),
        (
            "one resource cpu fits",
            spec(vec![c(1, 2, &[])], vec![]),
            on_node(vec![c(5, 19, &[])]),
            Some("Insufficient memory"),
        ),
        ("equal edge case", spec(vec![c(5, 1, &[])], vec![]), on_node(vec![c(5, 19, &[])]), None),
        (
            "equal edge case for init container",
            spec(vec![c(4, 1, &[])], vec![c(5, 1, &[])]),
            on_node(vec![c(5, 19, &[])]),
            None,
        ),
        ("extended resource fits", spec(vec![c(0, 0, &[(A, 1)])], vec![]), on_node(vec![c(0, 0, &[])]), None),
        (
            "extended resource fits for init container",
            spec(vec![c(0, 0, &[])], vec![c(0, 0, &[(A, 1)])]),
            on_node(vec![c(0, 0, &[])]),
            None,
        ),
        (
            "extended resource capacity enforced",
            spec(vec![c(1, 1, &[(A, 10)])], vec![]),
            on_node(vec![c(0, 0, &[(A, 0)])]),
            Some("Insufficient example.com/aaa"),
        ),
        (
            "extended resource capacity enforced for init container",
            spec(vec![c(0, 0, &[])], vec![c(1, 1, &[(A, 10)])]),
            on_node(vec![c(0, 0, &[(A, 0)])]),
            Some("Insufficient example.com/aaa"),
        ),
        (
            "extended resource allocatable enforced",
            spec(vec![c(1, 1, &[(A, 1)])], vec![]),
            on_node(vec![c(0, 0, &[(A, 5)])]),
            Some("Insufficient example.com/aaa"),
        ),
        (
            "extended resource allocatable enforced for init container",
            spec(vec![c(0, 0, &[])], vec![c(1, 1, &[(A, 1)])]),
            on_node(vec![c(0, 0, &[(A, 5)])]),
            Some("Insufficient example.com/aaa"),
        ),
        (
            "extended resource allocatable enforced for multiple containers",
            spec(vec![c(1, 1, &[(A, 3)]), c(1, 1, &[(A, 3)])], vec![]),
            on_node(vec![c(0, 0, &[(A, 2)])]),
            Some("Insufficient example.com/aaa"),
        ),
        (
            "extended resource allocatable admits multiple init containers",
            spec(vec![c(0, 0, &[])], vec![c(1, 1, &[(A, 3)]), c(1, 1, &[(A, 3)])]),
            on_node(vec![c(0, 0, &[(A, 2)])]),
            None,
        ),
        (
            "extended resource allocatable enforced for multiple init containers",
            spec(vec![c(0, 0, &[])], vec![c(1, 1, &[(A, 6)]), c(1, 1, &[(A, 3)])]),
            on_node(vec![c(0, 0, &[(A, 2)])]),
            Some("Insufficient example.com/aaa"),
        ),
        (
            "extended resource allocatable enforced for unknown resource",
            spec(vec![c(1, 1, &[(B, 1)])], vec![]),
            on_node(vec![c(0, 0, &[])]),
            Some("Insufficient example.com/bbb"),
        ),
        (
            "extended resource allocatable enforced for unknown resource for init container",
            spec(vec![c(0, 0, &[])], vec![c(1, 1, &[(B, 1)])]),
            on_node(vec![c(0, 0, &[])]),
            Some("Insufficient example.com/bbb"),
        ),
        (
            "kubernetes.io resource capacity enforced",
            spec(vec![c(1, 1, &[(K8S_A, 10)])], vec![]),
            on_node(vec![c(0, 0, &[])]),
            Some("Insufficient kubernetes.io/something"),
        ),
        (
            "kubernetes.io resource capacity enforced for init container",
            spec(vec![c(0, 0, &[])], vec![c(1, 1, &[(K8S_B, 10)])]),
            on_node(vec![c(0, 0, &[])]),
            Some("Insufficient subdomain.kubernetes.io/something"),
        ),
        (
            "hugepages resource capacity enforced",
            spec(vec![c(1, 1, &[(HUGE, 10)])], vec![]),
            on_node(vec![c(0, 0, &[(HUGE, 0)])]),
            Some("Insufficient hugepages-2Mi"),
        ),
        (
            "hugepages resource capacity enforced for init container",
            spec(vec![c(0, 0, &[])], vec![c(1, 1, &[(HUGE, 10)])]),
            on_node(vec![c(0, 0, &[(HUGE, 0)])]),
            Some("Insufficient hugepages-2Mi"),
        ),
        (
            "hugepages resource allocatable enforced for multiple containers",
            spec(vec![c(1, 1, &[(HUGE, 3)]), c(1, 1, &[(HUGE, 3)])], vec![]),
            on_node(vec![c(0, 0, &[(HUGE, 2)])]),
            Some("Insufficient hugepages-2Mi"),
        ),
        (
            "resources + pod overhead fits",
            with(spec(vec![c(1, 1, &[])], vec![]), json!({"overhead": {"cpu": "3m", "memory": "13"}})),
            on_node(vec![c(5, 5, &[])]),
            None,
        ),
        (
            "requests + overhead does not fit for memory",
            with(spec(vec![c(1, 1, &[])], vec![]), json!({"overhead": {"cpu": "1m", "memory": "15"}})),
            on_node(vec![c(5, 5, &[])]),
            Some("Insufficient memory"),
        ),
        (
            "skip checking extended resource request with quantity zero via resource groups",
            spec(vec![c(1, 1, &[(A, 0)])], vec![]),
            on_node(vec![c(0, 0, &[(A, 6)])]),
            None,
        ),
        (
            "both pod-level and container-level resources fit",
            with(
                spec(vec![c(1, 1, &[])], vec![]),
                json!({"resources": {"requests": {"cpu": "1m", "memory": "2"}}}),
            ),
            on_node(vec![c(5, 5, &[])]),
            None,
        ),
        (
            "pod-level cpu resource not fit",
            with(
                spec(vec![c(1, 1, &[])], vec![]),
                json!({"resources": {"requests": {"cpu": "7m", "memory": "2"}}}),
            ),
            on_node(vec![c(5, 5, &[])]),
            Some("Insufficient cpu"),
        ),
        (
            "pod-level memory resource not fit",
            with(
                spec(vec![c(1, 1, &[])], vec![]),
                json!({"resources": {"requests": {"cpu": "3m", "memory": "2"}}}),
            ),
            on_node(vec![c(5, 19, &[])]),
            Some("Insufficient memory"),
        ),
        (
            "pod-level hugepages resource fit",
            json!({"containers": [], "resources": {"requests": {"cpu": "3m", "memory": "2", HUGE: "5"}}}),
            vec![],
            None,
        ),
        (
            "both pod-level and container-level hugepages resource fit",
            with(
                spec(vec![c(1, 1, &[(HUGE, 3)])], vec![]),
                json!({"resources": {"requests": {"cpu": "3m", "memory": "2", HUGE: "5"}}}),
            ),
            vec![],
            None,
        ),
        (
            "pod-level hugepages resource not fit",
            json!({"containers": [], "resources": {"requests": {"cpu": "3m", "memory": "2", HUGE: "10"}}}),
            vec![],
            Some("Insufficient hugepages-2Mi"),
        ),
        (
            "one pod-level cpu resource fits and all init and non-init containers resources fit",
            with(
                spec(vec![c(1, 1, &[])], vec![c(1, 1, &[])]),
                json!({"resources": {"requests": {"cpu": "3m", "memory": "2"}}}),
            ),
            on_node(vec![c(5, 19, &[])]),
            Some("Insufficient memory"),
        ),
        // more: sidecars (restartable init containers) add to the containers and to every
        // later init container (KEP-753).
        (
            "a sidecar counts with the containers",
            spec(vec![c(3, 1, &[])], vec![with(c(3, 1, &[]), json!({"restartPolicy": "Always"}))]),
            on_node(vec![c(5, 5, &[])]),
            Some("Insufficient cpu"),
        ),
        (
            "an init container after a sidecar runs beside it",
            spec(
                vec![c(1, 1, &[])],
                vec![with(c(2, 1, &[]), json!({"restartPolicy": "Always"})), c(4, 1, &[])],
            ),
            on_node(vec![c(5, 5, &[])]),
            Some("Insufficient cpu"),
        ),
        (
            "an init container before a sidecar does not",
            spec(
                vec![c(1, 1, &[])],
                vec![c(4, 1, &[]), with(c(2, 1, &[]), json!({"restartPolicy": "Always"}))],
            ),
            on_node(vec![c(5, 5, &[])]),
            None,
        ),
        (
            "ephemeral-storage is enforced",
            json!({"containers": [{"name": "c", "image": "i", "resources": {"requests": {"ephemeral-storage": "21"}}}]}),
            vec![],
            Some("Insufficient ephemeral-storage"),
        ),
    ];
    for (case, spec, existing, want) in cases {
        assert_eq!(verdict(pod("p", spec), fit_node(), existing).as_deref(), want, "{case}");
    }
}

/// `TestNotEnoughRequests` (fit_test.go): a node with one pod slot, taken.
#[test]
fn not_enough_requests() {
    let full = || {
        node(
            "n",
            json!({}),
            json!([]),
            json!({"cpu": "10m", "memory": "20", "pods": "1", "example.com/aaa": "5", "ephemeral-storage": "20"}),
        )
    };
    let existing = || vec![bound(pod("existing", json!({"containers": [container(10, 20, &[])]})), "n")];
    let cases: Vec<(&str, Value, Option<&str>)> = vec![
        (
            "even without specified resources, predicate fails when there's no space for additional pod",
            json!({"containers": []}),
            Some("Too many pods"),
        ),
        (
            "even if both resources fit, predicate fails when there's no space for additional pod",
            json!({"containers": [container(1, 1, &[])]}),
            Some("Insufficient cpu, 1 Insufficient memory, 1 Too many pods"),
        ),
    ];
    for (case, spec, want) in cases {
        assert_eq!(verdict(pod("p", spec), full(), existing()).as_deref(), want, "{case}");
    }
}

/// `TestLeastAllocatedScoringStrategy` (least_allocated_test.go) with the default resources
/// (cpu and memory, weight 1): the score of each node, then the node the scheduler picks with
/// BalancedAllocation added ("resources requested, pods scheduled with resources": node1
/// 57 + 82, node2 45 + 95, so node2).
#[test]
fn least_allocated_scoring() {
    // (case, pod's containers (cpu, memory), nodes (name, cpu, memory),
    //  bound pods (node, cpu, memory), upstream's scores)
    type Case<'a> = (&'a str, Vec<(i64, i64)>, Vec<(&'a str, i64, i64)>, Vec<(&'a str, i64, i64)>, Vec<i64>);
    let cases: Vec<Case> = vec![
        (
            "nothing scheduled, nothing requested",
            vec![],
            vec![("node1", 4000, 10000), ("node2", 4000, 10000)],
            vec![],
            vec![100, 100],
        ),
        (
            "nothing scheduled, resources requested, differently sized nodes",
            vec![(1000, 2000), (2000, 3000)],
            vec![("node1", 4000, 10000), ("node2", 6000, 10000)],
            vec![],
            vec![37, 50],
        ),
        (
            "no resources requested, pods scheduled",
            vec![],
            vec![("node1", 4000, 10000), ("node2", 4000, 10000)],
            vec![],
            vec![100, 100],
        ),
        (
            "no resources requested, pods scheduled with resources",
            vec![],
            vec![("node1", 10000, 20000), ("node2", 10000, 20000)],
            vec![("node1", 3000, 0), ("node1", 3000, 0), ("node2", 3000, 0), ("node2", 3000, 5000)],
            vec![70, 57],
        ),
        (
            "resources requested, pods scheduled with resources",
            vec![(1000, 2000), (2000, 3000)],
            vec![("node1", 10000, 20000), ("node2", 10000, 20000)],
            vec![("node1", 3000, 0), ("node2", 3000, 5000)],
            vec![57, 45],
        ),
        (
            "resources requested, pods scheduled with resources, differently sized nodes",
            vec![(1000, 2000), (2000, 3000)],
            vec![("node1", 10000, 20000), ("node2", 10000, 50000)],
            vec![("node1", 3000, 0), ("node2", 3000, 5000)],
            vec![57, 60],
        ),
        (
            "requested resources exceed node capacity",
            vec![(3000, 0)],
            vec![("node1", 4000, 10000), ("node2", 4000, 10000)],
            vec![("node1", 3000, 0), ("node2", 3000, 5000)],
            vec![50, 25],
        ),
        (
            "zero node resources, pods scheduled with resources",
            vec![],
            vec![("node1", 0, 0), ("node2", 0, 0)],
            vec![("node1", 3000, 0), ("node2", 3000, 5000)],
            vec![0, 0],
        ),
    ];
    let cores = |n: i64| n * 1000;
    for (case, containers, nodes, existing, want) in cases {
        let (pod_cpu, pod_mem) = containers.iter().fold((0, 0), |a, c| (a.0 + cores(c.0), a.1 + c.1));
        let scores: Vec<i64> = nodes
            .iter()
            .map(|&(name, cpu, mem)| {
                let on = existing.iter().filter(|e| e.0 == name);
                let (used_cpu, used_mem) = on.fold((0, 0), |a, e| (a.0 + cores(e.1), a.1 + e.2));
                least_allocated(used_cpu + pod_cpu, cores(cpu), used_mem + pod_mem, mem).0
            })
            .collect();
        assert_eq!(scores, want, "{case}");

        // The scheduler itself: the best total of LeastAllocated and BalancedAllocation wins
        // (the default profile's other scores are equal here).
        let totals: Vec<i64> = nodes
            .iter()
            .zip(&scores)
            .map(|(&(name, cpu, mem), least)| {
                let on = existing.iter().filter(|e| e.0 == name);
                let (used_cpu, used_mem) = on.fold((0, 0), |a, e| (a.0 + cores(e.1), a.1 + e.2));
                least + balanced_allocation(used_cpu + pod_cpu, cores(cpu), used_mem + pod_mem, mem)
            })
            .collect();
        let fits_all = nodes.iter().all(|&(name, cpu, mem)| {
            let on = existing.iter().filter(|e| e.0 == name);
            let (used_cpu, used_mem) = on.fold((0, 0), |a, e| (a.0 + cores(e.1), a.1 + e.2));
            used_cpu + pod_cpu <= cores(cpu) && used_mem + pod_mem <= mem
        });
        if pod_cpu > 0 && fits_all && totals[0] != totals[1] {
            let node_objs: Vec<Value> = nodes
                .iter()
                .map(|&(name, cpu, mem)| {
                    node(
                        name,
                        json!({}),
                        json!([]),
                        json!({"cpu": cpu.to_string(), "memory": mem.to_string(), "pods": "110"}),
                    )
                })
                .collect();
            let req = |cpu: i64, mem: i64| json!({"name": "c", "image": "i", "resources": {"requests": {"cpu": cpu.to_string(), "memory": mem.to_string()}}});
            let bound_pods: Vec<Value> = existing
                .iter()
                .enumerate()
                .map(|(i, &(n, cpu, mem))| {
                    bound(pod(&format!("e{i}"), json!({"containers": [req(cpu, mem)]})), n)
                })
                .collect();
            let p = pod(
                "p",
                json!({"containers": containers.iter().map(|&(c, m)| req(c, m)).collect::<Vec<_>>()}),
            );
            let best = if totals[0] > totals[1] { nodes[0].0 } else { nodes[1].0 };
            assert_eq!(schedule(p, node_objs, bound_pods), Ok(best.to_string()), "{case}");
        }
    }
}

/// Two empty nodes of different sizes do not tie: the pod's own request counts, so the larger
/// node scores higher; a pod asking for nothing scores the defaults (100m, 200Mi) per container.
#[test]
fn the_incoming_pod_counts_in_its_own_score() {
    let sized = |name: &str, cpu: &str, mem: &str| {
        node(name, json!({}), json!([]), json!({"cpu": cpu, "memory": mem, "pods": "110"}))
    };
    let nodes = || vec![sized("a-small", "2", "4Gi"), sized("b-large", "8", "16Gi")];
    assert_eq!(schedule(pod("p", json!({})), nodes(), vec![]), Ok("b-large".into()));
    let small = vec![sized("a", "2", "4Gi"), sized("b", "2", "4Gi")];
    assert_eq!(schedule(pod("p", json!({})), small, vec![]), Ok("a".into()), "a tie goes by name");
}

/// Classes placed in one step see each other's host ports: two shapes of pods asking for the
/// same host port do not share a node, and one class puts at most one pod on a node.
#[test]
fn host_ports_are_taken_within_one_step() {
    let nodes = vec![plain_node("n1"), plain_node("n2")];
    let mut objects = nodes;
    let web = |name: &str, cpu: &str| {
        pod(
            name,
            json!({"containers": [{"name": "c", "image": "i", "ports": [{"containerPort": 80, "hostPort": 80}],
                                         "resources": {"requests": {"cpu": cpu}}}]}),
        )
    };
    objects.extend([web("a1", "100m"), web("a2", "100m"), web("a3", "100m"), web("b1", "200m")]);
    let mut placed: Vec<(String, String)> = run(objects)
        .into_iter()
        .filter_map(|a| match a.change {
            Change::Bind { pod, node } => Some((node, pod.name)),
            _ => None,
        })
        .collect();
    placed.sort();
    let nodes: Vec<&str> = placed.iter().map(|p| p.0.as_str()).collect();
    assert_eq!(nodes, ["n1", "n2"], "one port-80 pod per node: {placed:?}");
}

/// DaemonSet-shaped load: every pod pinned to its own node by `matchFields metadata.name`
/// (each its own scheduling class) and holding the same host port. One step places them all,
/// each on its node.
#[test]
fn pods_pinned_to_their_nodes_all_land_in_one_step() {
    let n = 300;
    let mut objects: Vec<Value> = (0..n).map(|i| plain_node(&format!("node-{i:03}"))).collect();
    for i in 0..n {
        let spec = with(
            required(json!([{"matchFields": [name_in(&[&format!("node-{i:03}")])]}])),
            json!({"containers": [{"name": "agent", "image": "i", "ports": [{"containerPort": 9100, "hostPort": 9100}]}]}),
        );
        objects.push(pod(&format!("agent-{i:03}"), spec));
    }
    let binds: Vec<(String, String)> = run(objects)
        .into_iter()
        .filter_map(|a| match a.change {
            Change::Bind { pod, node } => Some((pod.name, node)),
            _ => None,
        })
        .collect();
    assert_eq!(binds.len(), n);
    assert!(binds.iter().all(|(p, node)| p["agent-".len()..] == node["node-".len()..]), "{binds:?}");
}

mod affinity_oracle {
    //! Property: wherever the scheduler binds a pod with required node affinity, an
    //! independent matcher (written from the API reference, not from the rules) accepts that
    //! node; and a pod stays Pending only when it accepts none.
    use super::*;
    use proptest::prelude::*;

    const KEYS: [&str; 3] = ["zone", "disk", "gen"];
    const VALUES: [&str; 3] = ["1", "2", "3"];
    const OPS: [&str; 6] = ["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"];

    /// (key, operator, values) of one matchExpressions requirement.
    type Req = (usize, usize, Vec<usize>);

    fn oracle_holds(labels: &BTreeMap<&str, &str>, (k, op, vals): &Req) -> bool {
        let key = KEYS[*k];
        let got = labels.get(key);
        let want: Vec<&str> = vals.iter().map(|v| VALUES[*v]).collect();
        let number = |s: &str| s.parse::<i64>().ok();
        match OPS[*op] {
            "In" => got.is_some_and(|g| want.contains(g)),
            "NotIn" => got.is_none_or(|g| !want.contains(g)),
            "Exists" => got.is_some(),
            "DoesNotExist" => got.is_none(),
            "Gt" => got.and_then(|g| number(g)).zip(number(want[0])).is_some_and(|(g, w)| g > w),
            _ => got.and_then(|g| number(g)).zip(number(want[0])).is_some_and(|(g, w)| g < w),
        }
    }

    fn requirement() -> impl Strategy<Value = Req> {
        (0..KEYS.len(), 0..OPS.len(), proptest::collection::vec(0..VALUES.len(), 1..3)).prop_map(
            |(k, op, mut v)| {
                match OPS[op] {
                    "Exists" | "DoesNotExist" => v.clear(),
                    "Gt" | "Lt" => v.truncate(1),
                    _ => {}
                }
                (k, op, v)
            },
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
        #[test]
        fn bound_nodes_satisfy_the_affinity(
            node_labels in proptest::collection::vec(proptest::collection::btree_map(0..KEYS.len(), 0..VALUES.len(), 0..3), 1..5),
            terms in proptest::collection::vec(proptest::collection::vec(requirement(), 1..3), 1..3),
        ) {
            let labels: Vec<BTreeMap<&str, &str>> =
                node_labels.iter().map(|m| m.iter().map(|(k, v)| (KEYS[*k], VALUES[*v])).collect()).collect();
            let nodes: Vec<Value> = labels
                .iter()
                .enumerate()
                .map(|(i, l)| node(&format!("n{i}"), json!(l), json!([]), Value::Null))
                .collect();
            let terms_json: Vec<Value> = terms
                .iter()
                .map(|t| json!({"matchExpressions": t.iter().map(|(k, op, vals)| {
                    let values: Vec<&str> = vals.iter().map(|v| VALUES[*v]).collect();
                    expr(KEYS[*k], OPS[*op], &values)
                }).collect::<Vec<_>>()}))
                .collect();
            let accepted: Vec<bool> =
                labels.iter().map(|l| terms.iter().any(|t| t.iter().all(|r| oracle_holds(l, r)))).collect();
            match schedule(pod("p", required(json!(terms_json))), nodes, vec![]) {
                Ok(node) => {
                    let i: usize = node[1..].parse().unwrap();
                    prop_assert!(accepted[i], "bound to {node}, which the oracle rejects");
                }
                Err(message) => {
                    prop_assert!(accepted.iter().all(|a| !a), "pending ({message}) though the oracle accepts a node");
                    prop_assert_eq!(
                        message,
                        format!("0/{n} nodes are available: {n} {NO_MATCH}.", n = labels.len())
                    );
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// SchedulingGates (schedulinggates/scheduling_gates_test.go, TestPreEnqueue)

/// A gated pod is never queued: no bind, no FailedScheduling, whatever the nodes offer.
#[test]
fn scheduling_gates() {
    // "pod does not carry scheduling gates": Success.
    assert_eq!(
        schedule(pod("p", json!({"schedulingGates": []})), vec![plain_node("n")], vec![]),
        Ok("n".into())
    );
    // "pod carries scheduling gates": not enqueued.
    let gated = pod("p", json!({"schedulingGates": [{"name": "foo"}, {"name": "bar"}]}));
    assert_eq!(schedule(gated, vec![plain_node("n")], vec![]), Err("no decision".into()));
    // A gated pod does not hold a rank of its class's queue: its ungated twin still binds.
    let gated = pod("a", json!({"schedulingGates": [{"name": "foo"}]}));
    let twin = pod("b", json!({}));
    let binds: Vec<String> = run(vec![plain_node("n"), gated, twin])
        .into_iter()
        .filter_map(|a| match a.change {
            Change::Bind { pod, .. } => Some(pod.name),
            _ => None,
        })
        .collect();
    assert_eq!(binds, ["b"]);
}

// ---------------------------------------------------------------------------------------------
// The kubelet's admission (pkg/kubelet/lifecycle/predicate_test.go, TestGeneralPredicates):
// a pod bound by `spec.nodeName` skips the scheduler, and the kubelet refuses it when the
// node lacks room.

/// The kubelet's verdict on the pod `name` bound to node "machine1" (allocatable cpu 10m,
/// memory 20, pods 32) beside `existing`: "started", or the Failed status's reason and
/// message.
fn admit(pending: Value, existing: Vec<Value>) -> String {
    let name = pending["metadata"]["name"].as_str().unwrap_or_default().to_string();
    let n = node("machine1", json!({}), json!([]), json!({"cpu": "10m", "memory": "20", "pods": "32"}));
    let mut objects = vec![n];
    objects.extend(existing);
    let mut p = pending;
    p["spec"]["nodeName"] = json!("machine1");
    objects.push(p);
    let store: BTreeMap<ObjKey, Value> = objects.into_iter().map(|o| (ObjKey::of(&o), o)).collect();
    let snapshot = State::of_objects(store.clone(), 1_735_689_600);
    let f = Facts::extract(&snapshot);
    for a in konverge::controllers::kubelet::reconcile(&f).actions {
        if let Change::Patch { key, patch, .. } = &a.change {
            if key.name == name {
                return match patch["status"]["phase"].as_str() {
                    Some("Failed") => format!(
                        "{}: {}",
                        patch["status"]["reason"].as_str().unwrap_or_default(),
                        patch["status"]["message"].as_str().unwrap_or_default()
                    ),
                    _ => "started".into(),
                };
            }
        }
    }
    "waits".into()
}

fn requesting(name: &str, cpu: &str, mem: &str) -> Value {
    pod(
        name,
        json!({"containers": [{"name": "c", "image": "i", "resources": {"requests": {"cpu": cpu, "memory": mem}}}]}),
    )
}

#[test]
fn kubelet_admission() {
    // "no resources/port/host requested always fits".
    assert_eq!(admit(pod("p", json!({})), vec![bound(requesting("e", "9m", "19"), "machine1")]), "started");
    // "not enough cpu and memory resource": the kubelet reports the first reason, cpu.
    assert_eq!(
        admit(requesting("p", "8m", "10"), vec![bound(requesting("e", "5m", "19"), "machine1")]),
        "OutOfcpu: Pod was rejected: Node didn't have enough resource: cpu, requested: 8, used: 5, capacity: 10"
    );
    // Memory alone short.
    assert_eq!(
        admit(requesting("p", "1m", "10"), vec![bound(requesting("e", "5m", "19"), "machine1")]),
        "OutOfmemory: Pod was rejected: Node didn't have enough resource: memory, requested: 10, used: 19, capacity: 20"
    );
    // Pods fill the node's 32 slots first ("Too many pods" is the first reason upstream).
    let full: Vec<Value> = (0..32).map(|i| bound(pod(&format!("e{i:02}"), json!({})), "machine1")).collect();
    assert_eq!(
        admit(requesting("p", "20m", "1"), full),
        "OutOfpods: Pod was rejected: Node didn't have enough resource: pods, requested: 1, used: 32, capacity: 32"
    );
    // Admission goes in creation order: an older pod awaiting admission that would take the
    // room makes this one wait for its verdict rather than start beside it.
    let mut older = requesting("a-older", "6m", "1");
    older["spec"]["nodeName"] = json!("machine1");
    older["metadata"]["creationTimestamp"] = json!("2024-12-31T00:00:00Z");
    assert_eq!(admit(requesting("p", "6m", "1"), vec![older.clone()]), "waits");
    assert_eq!(admit(requesting("p", "4m", "1"), vec![older]), "started");
}

// ---------------------------------------------------------------------------------------------
// Scores of the default profile

/// `TestNodeResourcesBalancedAllocation` (noderesources/balanced_allocation_test.go), the
/// cpu-and-memory cases: (case, requested cpu and memory with the pod's, allocatable) per node.
#[test]
fn balanced_allocation_scoring() {
    // (requested cpu, allocatable cpu, requested memory, allocatable memory, score).
    type Node = (i64, i64, i64, i64, i64);
    let cases: &[(&str, [Node; 2])] = &[
        (
            "nothing scheduled, resources requested, differently sized nodes",
            [(3000, 4000, 5000, 10000, 87), (3000, 6000, 5000, 10000, 100)],
        ),
        (
            "resources requested, pods scheduled with resources",
            [(6000, 10000, 5000, 20000, 82), (6000, 10000, 10000, 20000, 95)],
        ),
        (
            "resources requested, pods scheduled with resources, differently sized nodes",
            [(6000, 10000, 5000, 20000, 82), (6000, 10000, 10000, 50000, 80)],
        ),
        ("requested resources at node capacity", [(6000, 6000, 0, 10000, 50), (6000, 6000, 5000, 10000, 75)]),
    ];
    for (case, nodes) in cases {
        for &(cpu, cpu_alloc, mem, mem_alloc, want) in nodes {
            assert_eq!(balanced_allocation(cpu, cpu_alloc, mem, mem_alloc), want, "{case}");
        }
    }
}

/// `DefaultNormalizeScore` as NodeAffinity (highest raw score 100) and TaintToleration
/// (reversed: fewest intolerable taints 100) use it.
#[test]
fn scores_are_normalized_as_upstream() {
    // TestNodeAffinityPriority "all machines matches the preferred scheduling requirements of
    // pod but with different priorities": raw 2, 11, 4 → 18, 100, 36.
    let raw = [2, 11, 4];
    let got: Vec<i64> = raw.iter().map(|&r| normalize_score(r, 11, false)).collect();
    assert_eq!(got, [18, 100, 36]);
    // TestTaintTolerationScore "the more intolerable taints a node has, the lower score it
    // gets": 0, 1, 2 intolerable taints → 100, 50, 0.
    let got: Vec<i64> = [0, 1, 2].iter().map(|&r| normalize_score(r, 2, true)).collect();
    assert_eq!(got, [100, 50, 0]);
    // No node with a raw score: all 0, or all 100 reversed.
    assert_eq!((normalize_score(0, 0, false), normalize_score(0, 0, true)), (0, 100));
}

/// `TestNodeAffinityPriority` (nodeaffinity/node_affinity_test.go) through the whole
/// scheduler: the preferred terms' weights (2, 4 and 5) make the node matching all of them
/// the best, whatever LeastAllocated says; without preferences the emptier node wins.
#[test]
fn node_affinity_preferred_scoring() {
    let preference = |w: i64, exprs: Value| json!({"weight": w, "preference": {"matchExpressions": exprs}});
    let affinity2 = json!({"affinity": {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        preference(2, json!([expr("foo", "In", &["bar"])])),
        preference(4, json!([expr("key", "In", &["value"])])),
        preference(5, json!([expr("foo", "In", &["bar"]), expr("key", "In", &["value"]), expr("az", "In", &["az1"])])),
    ]}}});
    let nodes = || {
        vec![
            node("machine1", json!({"foo": "bar"}), json!([]), Value::Null),
            node("machine2", json!({"key": "value"}), json!([]), Value::Null),
            node("machine5", json!({"foo": "bar", "key": "value", "az": "az1"}), json!([]), Value::Null),
        ]
    };
    let busy = bound(
        pod(
            "e",
            json!({"containers": [{"name": "c", "image": "i", "resources": {"requests": {"cpu": "2"}}}]}),
        ),
        "machine5",
    );
    // "all machines matches the preferred scheduling requirements of pod but with different
    // priorities": machine5 scores 100, even when busier.
    assert_eq!(schedule(pod("p", affinity2.clone()), nodes(), vec![busy.clone()]), Ok("machine5".into()));
    // "all nodes are same priority as NodeAffinity is nil": the emptier node.
    assert_eq!(schedule(pod("p", json!({})), nodes(), vec![busy]), Ok("machine1".into()));
    // "no node matches preferred scheduling requirements in NodeAffinity of pod so all
    // nodes' priority is zero": by name among equals.
    let unmatched = json!({"affinity": {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        preference(2, json!([expr("foo", "In", &["nope"])])),
    ]}}});
    assert_eq!(schedule(pod("p", unmatched), nodes(), vec![]), Ok("machine1".into()));
}

/// `TestTaintTolerationScore` (tainttoleration/taint_toleration_test.go) through the whole
/// scheduler: PreferNoSchedule taints the pod does not tolerate push it elsewhere.
#[test]
fn taint_toleration_scoring() {
    let t = |k: &str, v: &str| json!({"key": k, "value": v, "effect": "PreferNoSchedule"});
    // "node with taints tolerated by the pod, gets a higher score than those node with
    // intolerable taints".
    let tolerant = pod(
        "p",
        json!({"tolerations": [{"key": "foo", "operator": "Equal", "value": "bar", "effect": "PreferNoSchedule"}]}),
    );
    let nodes = vec![
        node("nodeA", json!({}), json!([t("foo", "blah")]), Value::Null),
        node("nodeB", json!({}), json!([t("foo", "bar")]), Value::Null),
    ];
    assert_eq!(schedule(tolerant, nodes, vec![]), Ok("nodeB".into()));
    // "the more intolerable taints a node has, the lower score it gets": of nodes with 2 and
    // 1 intolerable taints and none, the pod goes to the untainted one, then to the one with
    // fewer when the untainted node is gone.
    let nodes = || {
        vec![
            node("nodeA", json!({}), json!([t("cpu-type", "arm64"), t("disk-type", "ssd")]), Value::Null),
            node("nodeB", json!({}), json!([t("cpu-type", "arm64")]), Value::Null),
            node("nodeC", json!({}), json!([]), Value::Null),
        ]
    };
    assert_eq!(schedule(pod("p", json!({})), nodes(), vec![]), Ok("nodeC".into()));
    assert_eq!(schedule(pod("p", json!({})), nodes()[..2].to_vec(), vec![]), Ok("nodeB".into()));
    // "Default behaviour No taints and tolerations, lands on node with no taints": a busier
    // untainted node still beats an idle tainted one (weight 3 against LeastAllocated's 1).
    let busy = bound(
        pod(
            "e",
            json!({"containers": [{"name": "c", "image": "i", "resources": {"requests": {"cpu": "2"}}}]}),
        ),
        "nodeC",
    );
    assert_eq!(schedule(pod("p", json!({})), nodes(), vec![busy]), Ok("nodeC".into()));
}

// ---------------------------------------------------------------------------------------------
// PodTopologySpread (podtopologyspread/filtering_test.go, scoring_test.go)

/// A pod labelled `foo: ""` (upstream `st.MakePod().Label("foo", "")`) with these spec fields.
fn foo_pod(name: &str, spec: Value) -> Value {
    let mut p = pod(name, spec);
    p["metadata"]["labels"] = json!({"foo": ""});
    p
}

/// A `foo` pod bound to `node`.
fn foo_on(name: &str, node: &str) -> Value {
    bound(foo_pod(name, json!({})), node)
}

/// A topology spread constraint; `selector` null for none.
fn spread_constraint(max_skew: i64, key: &str, when: &str, selector: Value) -> Value {
    let mut c = json!({"maxSkew": max_skew, "topologyKey": key, "whenUnsatisfiable": when});
    if !selector.is_null() {
        c["labelSelector"] = selector;
    }
    c
}

/// `st.MakeLabelSelector().Exists(key)`.
fn exists(key: &str) -> Value {
    json!({"matchExpressions": [{"key": key, "operator": "Exists"}]})
}

fn spread_pod(constraints: Value) -> Value {
    foo_pod("p", json!({"topologySpreadConstraints": constraints}))
}

/// A node labelled `zone` and `node` (upstream's filtering tests' nodes).
fn zone_node(name: &str, zone: &str) -> Value {
    node(name, json!({"zone": zone, "node": name}), json!([]), Value::Null)
}

/// Each node's Filter verdict for `pending` in a cluster of `nodes` and `existing` pods: the
/// pod is scheduled with every other node tainted NoSchedule (nodeTaintsPolicy Ignore still
/// counts their pods), so the whole scheduler either binds it to that node (`None`) or names
/// that node's reason.
fn filter_verdicts(
    pending: Value,
    nodes: Vec<Value>,
    existing: Vec<Value>,
) -> BTreeMap<String, Option<String>> {
    let names: Vec<String> =
        nodes.iter().map(|n| n["metadata"]["name"].as_str().unwrap().to_string()).collect();
    let mut out = BTreeMap::new();
    for target in &names {
        let cluster: Vec<Value> = nodes
            .iter()
            .map(|n| {
                let mut n = n.clone();
                if n["metadata"]["name"] != json!(target) {
                    n["spec"]["taints"] = json!([{"key": "other", "value": "", "effect": "NoSchedule"}]);
                }
                n
            })
            .collect();
        let verdict = match schedule(pending.clone(), cluster, existing.clone()) {
            Ok(node) => {
                assert_eq!(&node, target);
                None
            }
            Err(m) => {
                let reasons = m.split_once(": ").map(|(_, r)| r.trim_end_matches('.')).unwrap_or(&m);
                let mine: Vec<&str> =
                    reasons.split(", ").filter(|r| !r.contains("untolerated taint {other")).collect();
                assert_eq!(mine.len(), 1, "{m}");
                Some(mine[0].strip_prefix("1 ").unwrap_or(mine[0]).to_string())
            }
        };
        out.insert(target.clone(), verdict);
    }
    out
}

const SKEWED: &str = "node(s) didn't match pod topology spread constraints";
const NO_KEY: &str = "node(s) didn't match pod topology spread constraints (missing required label)";

fn verdicts(expected: &[(&str, Option<&str>)]) -> BTreeMap<String, Option<String>> {
    expected.iter().map(|(n, v)| (n.to_string(), v.map(str::to_string))).collect()
}

fn four_zone_nodes() -> Vec<Value> {
    vec![
        zone_node("node-a", "zone1"),
        zone_node("node-b", "zone1"),
        zone_node("node-x", "zone2"),
        zone_node("node-y", "zone2"),
    ]
}

/// Matching pods spread as 2/1/0/3 over node-a, node-b, node-x, node-y.
fn two_one_zero_three() -> Vec<Value> {
    vec![
        foo_on("p-a1", "node-a"),
        foo_on("p-a2", "node-a"),
        foo_on("p-b1", "node-b"),
        foo_on("p-y1", "node-y"),
        foo_on("p-y2", "node-y"),
        foo_on("p-y3", "node-y"),
    ]
}

#[test]
fn pod_topology_spread_single_constraint() {
    // upstream TestSingleConstraint.
    let zone_foo = json!([spread_constraint(1, "zone", "DoNotSchedule", exists("foo"))]);
    let node_foo = |skew| json!([spread_constraint(skew, "node", "DoNotSchedule", exists("foo"))]);
    let all_fit = verdicts(&[("node-a", None), ("node-b", None), ("node-x", None), ("node-y", None)]);

    // "no existing pods"
    assert_eq!(filter_verdicts(spread_pod(zone_foo.clone()), four_zone_nodes(), vec![]), all_fit);
    // "no existing pods, incoming pod doesn't match itself"
    let bar = json!([spread_constraint(1, "zone", "DoNotSchedule", exists("bar"))]);
    assert_eq!(filter_verdicts(spread_pod(bar), four_zone_nodes(), vec![]), all_fit);
    // "existing pods in a different namespace do not count"
    let mut other_ns = vec![foo_on("p-a1", "node-a"), foo_on("p-b1", "node-a")];
    other_ns[0]["metadata"]["namespace"] = json!("ns1");
    other_ns[1]["metadata"]["namespace"] = json!("ns2");
    other_ns.extend([foo_on("p-x1", "node-x"), foo_on("p-y1", "node-y")]);
    assert_eq!(
        filter_verdicts(spread_pod(zone_foo.clone()), four_zone_nodes(), other_ns),
        verdicts(&[("node-a", None), ("node-b", None), ("node-x", Some(SKEWED)), ("node-y", Some(SKEWED))])
    );
    // "pods spread across zones as 3/3, all nodes fit"
    assert_eq!(
        filter_verdicts(spread_pod(zone_foo.clone()), four_zone_nodes(), two_one_zero_three()),
        all_fit
    );
    // "pods spread across zones as 1/2 due to absence of label 'zone' on node-b"
    let mut nodes = four_zone_nodes();
    nodes[1] = node("node-b", json!({"zon": "zone1", "node": "node-b"}), json!([]), Value::Null);
    let existing = vec![
        foo_on("p-a1", "node-a"),
        foo_on("p-b1", "node-b"),
        foo_on("p-x1", "node-x"),
        foo_on("p-y1", "node-y"),
    ];
    assert_eq!(
        filter_verdicts(spread_pod(zone_foo.clone()), nodes, existing),
        verdicts(&[
            ("node-a", None),
            ("node-b", Some(NO_KEY)),
            ("node-x", Some(SKEWED)),
            ("node-y", Some(SKEWED))
        ])
    );
    // "pod cannot be scheduled as all nodes don't have label 'rack'"
    let rack = json!([spread_constraint(1, "rack", "DoNotSchedule", exists("foo"))]);
    assert_eq!(
        filter_verdicts(
            spread_pod(rack),
            vec![zone_node("node-a", "zone1"), zone_node("node-x", "zone2")],
            vec![]
        ),
        verdicts(&[("node-a", Some(NO_KEY)), ("node-x", Some(NO_KEY))])
    );
    // "pods spread across nodes as 2/1/0/3, only node-x fits"
    assert_eq!(
        filter_verdicts(spread_pod(node_foo(1)), four_zone_nodes(), two_one_zero_three()),
        verdicts(&[
            ("node-a", Some(SKEWED)),
            ("node-b", Some(SKEWED)),
            ("node-x", None),
            ("node-y", Some(SKEWED))
        ])
    );
    // "pods spread across nodes as 2/1/0/3, maxSkew is 2, node-b and node-x fit"
    let b_and_x =
        verdicts(&[("node-a", Some(SKEWED)), ("node-b", None), ("node-x", None), ("node-y", Some(SKEWED))]);
    assert_eq!(filter_verdicts(spread_pod(node_foo(2)), four_zone_nodes(), two_one_zero_three()), b_and_x);
    // "pods spread across nodes as 2/1/0/3, but pod doesn't match itself"
    let mut bar_pod = spread_pod(node_foo(1));
    bar_pod["metadata"]["labels"] = json!({"bar": ""});
    assert_eq!(filter_verdicts(bar_pod, four_zone_nodes(), two_one_zero_three()), b_and_x);
    // "incoming pod has nodeAffinity, pods spread as 2/~1~/~0~/3, hence node-a fits": the
    // whole scheduler refuses node-b and node-x by NodeAffinity first (upstream's comment: "in
    // real case, it's false").
    let affine = with(
        spread_pod(node_foo(1)),
        json!({"spec": {"affinity": required(json!([{"matchExpressions": [expr("node", "In", &["node-a", "node-y"])]}]))["affinity"].clone(),
                        "topologySpreadConstraints": node_foo(1),
                        "containers": [{"name": "c", "image": "nginx"}]}}),
    );
    let affinity_miss = "node(s) didn't match Pod's node affinity/selector";
    assert_eq!(
        filter_verdicts(affine, four_zone_nodes(), two_one_zero_three()),
        verdicts(&[
            ("node-a", None),
            ("node-b", Some(affinity_miss)),
            ("node-x", Some(affinity_miss)),
            ("node-y", Some(SKEWED))
        ])
    );
    // "terminating Pods should be excluded"
    let mut terminating = foo_on("p-a", "node-a");
    terminating["metadata"]["deletionTimestamp"] = json!("2025-01-01T00:00:00Z");
    let nodes = vec![
        node("node-a", json!({"node": "node-a"}), json!([]), Value::Null),
        node("node-b", json!({"node": "node-b"}), json!([]), Value::Null),
    ];
    assert_eq!(
        filter_verdicts(spread_pod(node_foo(1)), nodes, vec![terminating, foo_on("p-b", "node-b")]),
        verdicts(&[("node-a", None), ("node-b", Some(SKEWED))])
    );
}

#[test]
fn pod_topology_spread_multiple_constraints() {
    // upstream TestMultipleConstraints.
    let both = json!([
        spread_constraint(1, "zone", "DoNotSchedule", exists("foo")),
        spread_constraint(1, "node", "DoNotSchedule", exists("foo")),
    ]);
    // "two Constraints on zone and node, spreads = [3/3, 2/1/0/3]"
    assert_eq!(
        filter_verdicts(spread_pod(both.clone()), four_zone_nodes(), two_one_zero_three()),
        verdicts(&[
            ("node-a", Some(SKEWED)),
            ("node-b", Some(SKEWED)),
            ("node-x", None),
            ("node-y", Some(SKEWED))
        ])
    );
    // "two Constraints on zone and node, spreads = [3/4, 2/1/0/4]"
    let mut existing = two_one_zero_three();
    existing.push(foo_on("p-y4", "node-y"));
    assert_eq!(
        filter_verdicts(spread_pod(both), four_zone_nodes(), existing),
        verdicts(&[
            ("node-a", Some(SKEWED)),
            ("node-b", Some(SKEWED)),
            ("node-x", Some(SKEWED)),
            ("node-y", Some(SKEWED))
        ])
    );
}

#[test]
fn pod_topology_spread_min_domains() {
    // upstream TestSingleConstraint "pods spread across nodes as 2/2/1, maxSkew is 2, and the
    // number of domains < minDomains, then the third node fits": with fewer domains than
    // minDomains the global minimum is 0.
    let c = json!([{"maxSkew": 2, "topologyKey": "node", "whenUnsatisfiable": "DoNotSchedule",
                    "labelSelector": exists("foo"), "minDomains": 4}]);
    let nodes =
        vec![zone_node("node-a", "zone1"), zone_node("node-b", "zone1"), zone_node("node-x", "zone2")];
    let existing = vec![
        foo_on("p-a1", "node-a"),
        foo_on("p-a2", "node-a"),
        foo_on("p-b1", "node-b"),
        foo_on("p-b2", "node-b"),
        foo_on("p-x1", "node-x"),
    ];
    assert_eq!(
        filter_verdicts(spread_pod(c), nodes, existing),
        verdicts(&[("node-a", Some(SKEWED)), ("node-b", Some(SKEWED)), ("node-x", None)])
    );
}

/// PodTopologySpread's normalized scores of `filtered` (nodes labelled with their hostname)
/// for the pending pod, `failed` nodes in the cluster but not candidates.
fn spread_scores(
    pending: Value,
    filtered: &[&str],
    failed: Vec<Value>,
    existing: Vec<Value>,
    extra: Vec<Value>,
) -> Vec<(String, i64)> {
    let mut objects: Vec<Value> = failed;
    objects.extend(
        filtered.iter().map(|&n| node(n, json!({"kubernetes.io/hostname": n}), json!([]), Value::Null)),
    );
    objects.extend(existing);
    objects.extend(extra);
    scores_in(pending, objects, filtered)
}

fn scores(expected: &[(&str, i64)]) -> Vec<(String, i64)> {
    expected.iter().map(|(n, s)| (n.to_string(), *s)).collect()
}

#[test]
fn pod_topology_spread_score() {
    // upstream TestPodTopologySpreadScore.
    let host = |skew| {
        spread_pod(json!([spread_constraint(
            skew,
            "kubernetes.io/hostname",
            "ScheduleAnyway",
            exists("foo")
        )]))
    };
    let hostname_node = |n: &str| node(n, json!({"kubernetes.io/hostname": n}), json!([]), Value::Null);
    // "one constraint on node, no existing pods"
    assert_eq!(
        spread_scores(host(1), &["node-a", "node-b"], vec![], vec![], vec![]),
        scores(&[("node-a", 100), ("node-b", 100)])
    );
    // "one constraint on node, only one node is candidate"
    assert_eq!(
        spread_scores(
            host(1),
            &["node-a"],
            vec![hostname_node("node-b")],
            vec![foo_on("p-a1", "node-a"), foo_on("p-a2", "node-a"), foo_on("p-b1", "node-b")],
            vec![]
        ),
        scores(&[("node-a", 100)])
    );
    // "one constraint on node, all nodes have the same number of matching pods"
    assert_eq!(
        spread_scores(
            host(1),
            &["node-a", "node-b"],
            vec![],
            vec![foo_on("p-a1", "node-a"), foo_on("p-b1", "node-b")],
            vec![]
        ),
        scores(&[("node-a", 100), ("node-b", 100)])
    );
    let abcd = ["node-a", "node-b", "node-c", "node-d"];
    let two_one_zero_three = || {
        vec![
            foo_on("p-a1", "node-a"),
            foo_on("p-a2", "node-a"),
            foo_on("p-b1", "node-b"),
            foo_on("p-d1", "node-d"),
            foo_on("p-d2", "node-d"),
            foo_on("p-d3", "node-d"),
        ]
    };
    // "one constraint on node, all 4 nodes are candidates"
    assert_eq!(
        spread_scores(host(1), &abcd, vec![], two_one_zero_three(), vec![]),
        scores(&[("node-a", 20), ("node-b", 60), ("node-c", 100), ("node-d", 0)])
    );
    // "one constraint on node, null selector"
    let null_selector =
        spread_pod(json!([spread_constraint(1, "kubernetes.io/hostname", "ScheduleAnyway", Value::Null)]));
    assert_eq!(
        spread_scores(null_selector, &abcd, vec![], two_one_zero_three(), vec![]),
        scores(&[("node-a", 100), ("node-b", 100), ("node-c", 100), ("node-d", 100)])
    );
    // "one constraint on node, all 4 nodes are candidates, maxSkew=2"
    assert_eq!(
        spread_scores(host(2), &abcd, vec![], two_one_zero_three(), vec![]),
        scores(&[("node-a", 33), ("node-b", 66), ("node-c", 100), ("node-d", 16)])
    );
    let four_three_two_one = || {
        let mut v = Vec::new();
        for (n, count) in [("a", 4), ("b", 3), ("c", 2), ("d", 1)] {
            for i in 1..=count {
                v.push(foo_on(&format!("p-{n}{i}"), &format!("node-{n}")));
            }
        }
        v
    };
    // "one constraint on node, all 4 nodes are candidates, maxSkew=3"
    assert_eq!(
        spread_scores(host(3), &abcd, vec![], four_three_two_one(), vec![]),
        scores(&[("node-a", 44), ("node-b", 66), ("node-c", 77), ("node-d", 100)])
    );
    // "system defaulting, nodes don't have zone, pods match service"
    let service = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s", "namespace": "default"},
                         "spec": {"selector": {"foo": ""}}});
    assert_eq!(
        spread_scores(foo_pod("p", json!({})), &abcd, vec![], four_three_two_one(), vec![service]),
        scores(&[("node-a", 44), ("node-b", 66), ("node-c", 77), ("node-d", 100)])
    );
    // "one constraint on node, 3 out of 4 nodes are candidates"
    let four_two_one_three = || {
        let mut v = Vec::new();
        for (n, count) in [("a", 4), ("b", 2), ("x", 1), ("y", 3)] {
            for i in 1..=count {
                v.push(foo_on(&format!("p-{n}{i}"), &format!("node-{n}")));
            }
        }
        v
    };
    assert_eq!(
        spread_scores(
            host(1),
            &["node-a", "node-b", "node-x"],
            vec![hostname_node("node-y")],
            four_two_one_three(),
            vec![]
        ),
        scores(&[("node-a", 33), ("node-b", 83), ("node-x", 100)])
    );
    let zone =
        |n: &str, z: &str| node(n, json!({"zone": z, "kubernetes.io/hostname": n}), json!([]), Value::Null);
    // "one constraint on zone, 3 out of 4 nodes are candidates"
    let zone_pod = spread_pod(json!([spread_constraint(1, "zone", "ScheduleAnyway", exists("foo"))]));
    let mut objects = vec![
        zone("node-a", "zone1"),
        zone("node-b", "zone1"),
        zone("node-x", "zone2"),
        zone("node-y", "zone2"),
    ];
    objects.extend(four_two_one_three());
    assert_eq!(
        scores_in(zone_pod, objects, &["node-a", "node-b", "node-x"]),
        scores(&[("node-a", 75), ("node-b", 75), ("node-x", 100)])
    );
    // "one constraint on node, 3 out of 4 nodes are candidates, one node doesn't match topology key"
    let mut objects = vec![
        hostname_node("node-a"),
        node("node-b", json!({"n": "node-b"}), json!([]), Value::Null),
        hostname_node("node-x"),
        hostname_node("node-y"),
    ];
    objects.extend(four_two_one_three());
    assert_eq!(
        scores_in(host(1), objects, &["node-a", "node-b", "node-x"]),
        scores(&[("node-a", 16), ("node-b", 0), ("node-x", 100)])
    );
}

/// PodTopologySpread's scores of `filtered` for `pending` among `objects` (nodes and pods).
fn scores_in(pending: Value, mut objects: Vec<Value>, filtered: &[&str]) -> Vec<(String, i64)> {
    objects.push(pending.clone());
    let store: BTreeMap<ObjKey, Value> = objects.into_iter().map(|o| (ObjKey::of(&o), o)).collect();
    let snapshot = State::of_objects(store.clone(), 1_735_689_600);
    let f = Facts::extract(&snapshot);
    let pod = f.id_of(&ObjKey::of(&pending)).unwrap();
    let nodes: Vec<_> = filtered.iter().map(|n| f.id_of(&ObjKey::new("Node", "", n)).unwrap()).collect();
    let scores = konverge::controllers::scheduler::topology_spread_scores(&f, pod, &nodes);
    filtered.iter().map(|n| n.to_string()).zip(scores).collect()
}

// InterPodAffinity (interpodaffinity/filtering_test.go and scoring_test.go). Upstream's
// default namespace "" is "default" here.

const AFFINITY_UNMET: &str = "node(s) didn't match pod affinity rules";
const ANTI_AFFINITY_HIT: &str = "node(s) didn't match pod anti-affinity rules";
const EXISTING_ANTI_AFFINITY_HIT: &str = "node(s) didn't satisfy existing pods anti-affinity rules";

/// A pod affinity term: `op` on label `key` with `values` (none for Exists), over `topology`
/// (upstream `st.PodAffinityIn` / `NotIn` / `Exists`).
fn pod_term(key: &str, op: &str, values: &[&str], topology: &str) -> Value {
    let mut e = json!({"key": key, "operator": op});
    if !values.is_empty() {
        e["values"] = json!(values);
    }
    json!({"labelSelector": {"matchExpressions": [e]}, "topologyKey": topology})
}

/// `spec.affinity` with these required podAffinity and podAntiAffinity terms.
fn required_terms(affinity: Vec<Value>, anti: Vec<Value>) -> Value {
    let mut a = json!({});
    if !affinity.is_empty() {
        a["podAffinity"] = json!({"requiredDuringSchedulingIgnoredDuringExecution": affinity});
    }
    if !anti.is_empty() {
        a["podAntiAffinity"] = json!({"requiredDuringSchedulingIgnoredDuringExecution": anti});
    }
    a
}

/// A pod `name` of namespace `ns` with `labels` and `spec.affinity` (none when null).
fn affinity_pod(name: &str, ns: &str, labels: Value, affinity: Value) -> Value {
    let spec = if affinity.is_null() { json!({}) } else { json!({"affinity": affinity}) };
    let mut p = pod(name, spec);
    p["metadata"]["namespace"] = json!(ns);
    p["metadata"]["labels"] = labels;
    p
}

fn labelled_node(name: &str, labels: Value) -> Value {
    node(name, labels, json!([]), Value::Null)
}

/// The one-node verdict: `None` when the pod binds to node1, else the reason.
fn single_node_verdict(pending: Value, existing: Vec<Value>) -> Option<String> {
    let node1 = labelled_node("node1", json!({"region": "r1", "zone": "z11"}));
    match schedule(pending, vec![node1], existing) {
        Ok(_) => None,
        Err(m) => Some(m.trim_start_matches("0/1 nodes are available: 1 ").trim_end_matches('.').to_string()),
    }
}

/// upstream `TestRequiredAffinitySingleNode`.
#[test]
fn inter_pod_affinity_required_single_node() {
    let securityscan = json!({"service": "securityscan"});
    let s1 = json!({"security": "S1"});
    let existing = || vec![bound(affinity_pod("p0", "default", securityscan.clone(), Value::Null), "node1")];
    let in_region = pod_term("service", "In", &["securityscan", "value2"], "region");
    let reason = |r: &str| Some(r.to_string());
    // "A pod that has no required pod affinity scheduling rules can schedule onto a node with no existing pods"
    assert_eq!(single_node_verdict(affinity_pod("p", "default", json!({}), Value::Null), vec![]), None);
    // "satisfies with requiredDuringSchedulingIgnoredDuringExecution in PodAffinity using In operator that matches the existing pod"
    let p = affinity_pod("p", "default", s1.clone(), required_terms(vec![in_region.clone()], vec![]));
    assert_eq!(single_node_verdict(p, existing()), None);
    // "satisfies the pod with requiredDuringSchedulingIgnoredDuringExecution in PodAffinity using not in operator in labelSelector that matches the existing pod"
    let not_in = pod_term("service", "NotIn", &["securityscan3", "value3"], "region");
    let p = affinity_pod("p", "default", s1.clone(), required_terms(vec![not_in], vec![]));
    assert_eq!(single_node_verdict(p, existing()), None);
    // "Does not satisfy the PodAffinity with labelSelector because of diff Namespace"
    let mut other_ns = pod_term("service", "In", &["securityscan", "value2"], "");
    other_ns["namespaces"] = json!(["DiffNameSpace"]);
    let p = affinity_pod("p", "default", s1.clone(), required_terms(vec![other_ns], vec![]));
    let in_ns = bound(affinity_pod("p0", "ns", securityscan.clone(), Value::Null), "node1");
    assert_eq!(single_node_verdict(p, vec![in_ns]), reason(AFFINITY_UNMET));
    // "Doesn't satisfy the PodAffinity because of unmatching labelSelector with the existing pod"
    let antivirus = pod_term("service", "In", &["antivirusscan", "value2"], "");
    let p = affinity_pod("p", "default", securityscan.clone(), required_terms(vec![antivirus], vec![]));
    assert_eq!(single_node_verdict(p, existing()), reason(AFFINITY_UNMET));
    // "satisfies the PodAffinity with different label Operators in multiple RequiredDuringSchedulingIgnoredDuringExecution "
    let exists_term = json!({"labelSelector": {"matchExpressions": [
        {"key": "service", "operator": "Exists"}, {"key": "wrongkey", "operator": "DoesNotExist"}]},
        "topologyKey": "region"});
    let in_not_in = |value: &str| {
        json!({"labelSelector": {"matchExpressions": [
            {"key": "service", "operator": "In", "values": [value]},
            {"key": "service", "operator": "NotIn", "values": ["WrongValue"]}]},
            "topologyKey": "region"})
    };
    let p = affinity_pod(
        "p",
        "default",
        s1.clone(),
        required_terms(vec![exists_term.clone(), in_not_in("securityscan")], vec![]),
    );
    assert_eq!(single_node_verdict(p, existing()), None);
    // "The labelSelector requirements(items of matchExpressions) are ANDed, the pod cannot schedule onto the node because one of the matchExpression item don't match."
    let p = affinity_pod(
        "p",
        "default",
        s1.clone(),
        required_terms(vec![exists_term, in_not_in("securityscan2")], vec![]),
    );
    assert_eq!(single_node_verdict(p, existing()), reason(AFFINITY_UNMET));
    // "satisfies the PodAffinity and PodAntiAffinity with the existing pod"
    let antivirus_node = pod_term("service", "In", &["antivirusscan", "value2"], "node");
    let both = required_terms(vec![in_region.clone()], vec![antivirus_node.clone()]);
    assert_eq!(single_node_verdict(affinity_pod("p", "default", s1.clone(), both.clone()), existing()), None);
    // "satisfies the PodAffinity and PodAntiAffinity and PodAntiAffinity symmetry with the existing pod"
    let anti_existing = bound(
        affinity_pod(
            "p0",
            "default",
            securityscan.clone(),
            required_terms(vec![], vec![antivirus_node.clone()]),
        ),
        "node1",
    );
    assert_eq!(
        single_node_verdict(affinity_pod("p", "default", s1.clone(), both), vec![anti_existing]),
        None
    );
    // "satisfies the PodAffinity but doesn't satisfy the PodAntiAffinity with the existing pod"
    let securityscan_zone = pod_term("service", "In", &["securityscan", "value2"], "zone");
    let p = affinity_pod(
        "p",
        "default",
        s1.clone(),
        required_terms(vec![in_region.clone()], vec![securityscan_zone.clone()]),
    );
    assert_eq!(single_node_verdict(p, existing()), reason(ANTI_AFFINITY_HIT));
    // "satisfies the PodAffinity and PodAntiAffinity but doesn't satisfy PodAntiAffinity symmetry with the existing pod"
    let p = affinity_pod(
        "p",
        "default",
        securityscan.clone(),
        required_terms(vec![in_region.clone()], vec![antivirus_node]),
    );
    let zone_anti = || {
        bound(
            affinity_pod(
                "p0",
                "default",
                securityscan.clone(),
                required_terms(vec![], vec![securityscan_zone.clone()]),
            ),
            "node1",
        )
    };
    assert_eq!(single_node_verdict(p, vec![zone_anti()]), reason(EXISTING_ANTI_AFFINITY_HIT));
    // "pod matches its own Label in PodAffinity and that matches the existing pod Labels" (the
    // existing pod is on a node that is not in the cluster)
    let not_securityscan = pod_term("service", "NotIn", &["securityscan", "value2"], "region");
    let p =
        affinity_pod("p", "default", securityscan.clone(), required_terms(vec![not_securityscan], vec![]));
    let elsewhere = bound(affinity_pod("p0", "default", securityscan.clone(), Value::Null), "node2");
    assert_eq!(single_node_verdict(p, vec![elsewhere]), reason(AFFINITY_UNMET));
    // "verify that PodAntiAffinity from existing pod is respected when pod has no AntiAffinity constraints. doesn't satisfy PodAntiAffinity symmetry with the existing pod"
    let plain = || affinity_pod("p", "default", securityscan.clone(), Value::Null);
    assert_eq!(single_node_verdict(plain(), vec![zone_anti()]), reason(EXISTING_ANTI_AFFINITY_HIT));
    // "verify that PodAntiAffinity from existing pod is respected when pod has no AntiAffinity constraints. satisfy PodAntiAffinity symmetry with the existing pod"
    let not_in_zone = pod_term("service", "NotIn", &["securityscan", "value2"], "zone");
    let existing_not_in = bound(
        affinity_pod("p0", "default", securityscan.clone(), required_terms(vec![], vec![not_in_zone])),
        "node1",
    );
    assert_eq!(single_node_verdict(plain(), vec![existing_not_in]), None);
    // "satisfies the PodAntiAffinity with existing pod but doesn't satisfy PodAntiAffinity symmetry with incoming pod"
    let exists = |key: &str, topology: &str| pod_term(key, "Exists", &[], topology);
    let p = affinity_pod(
        "p",
        "default",
        securityscan.clone(),
        required_terms(vec![], vec![exists("service", "region"), exists("security", "region")]),
    );
    let s1_anti = |terms: Vec<Value>, labels: &Value| {
        bound(affinity_pod("p0", "default", labels.clone(), required_terms(vec![], terms)), "node1")
    };
    assert_eq!(
        single_node_verdict(p, vec![s1_anti(vec![exists("security", "zone")], &s1)]),
        reason(ANTI_AFFINITY_HIT)
    );
    // "PodAntiAffinity symmetry check a1: incoming pod and existing pod partially match each other on AffinityTerms"
    let p = affinity_pod(
        "p",
        "default",
        securityscan.clone(),
        required_terms(vec![], vec![exists("service", "zone"), exists("security", "zone")]),
    );
    assert_eq!(
        single_node_verdict(p, vec![s1_anti(vec![exists("security", "zone")], &s1)]),
        reason(ANTI_AFFINITY_HIT)
    );
    // "PodAntiAffinity symmetry check a2: incoming pod and existing pod partially match each other on AffinityTerms"
    let p =
        affinity_pod("p", "default", s1.clone(), required_terms(vec![], vec![exists("security", "zone")]));
    assert_eq!(
        single_node_verdict(
            p,
            vec![s1_anti(vec![exists("service", "zone"), exists("security", "zone")], &securityscan)]
        ),
        reason(EXISTING_ANTI_AFFINITY_HIT)
    );
    // "PodAntiAffinity symmetry check b1: incoming pod and existing pod partially match each other on AffinityTerms"
    let abc_def = || vec![exists("abc", "zone"), exists("def", "zone")];
    let p = affinity_pod("p", "default", json!({"abc": "", "xyz": ""}), required_terms(vec![], abc_def()));
    assert_eq!(
        single_node_verdict(p, vec![s1_anti(abc_def(), &json!({"def": "", "xyz": ""}))]),
        reason(ANTI_AFFINITY_HIT)
    );
    // "PodAntiAffinity symmetry check b2: incoming pod and existing pod partially match each other on AffinityTerms"
    let p = affinity_pod("p", "default", json!({"def": "", "xyz": ""}), required_terms(vec![], abc_def()));
    assert_eq!(
        single_node_verdict(p, vec![s1_anti(abc_def(), &json!({"abc": "", "xyz": ""}))]),
        reason(ANTI_AFFINITY_HIT)
    );
}

/// upstream `TestRequiredAffinityMultipleNodes` (each node's verdict as [`filter_verdicts`]
/// takes it; the case whose incoming pod already names a node is left out).
#[test]
fn inter_pod_affinity_required_multiple_nodes() {
    let china = |n: &str| labelled_node(n, json!({"region": "China"}));
    let china_az1 = |n: &str| labelled_node(n, json!({"region": "China", "az": "az1"}));
    let india = |n: &str| labelled_node(n, json!({"region": "India"}));
    let on = |name: &str, node: &str, ns: &str, labels: Value, affinity: Value| {
        bound(affinity_pod(name, ns, labels, affinity), node)
    };
    let exists = |key: &str, topology: &str| pod_term(key, "Exists", &[], topology);
    let rzh = |n: &str, zone: &str| labelled_node(n, json!({"region": "r1", "zone": zone, "hostname": n}));
    // "A pod can be scheduled onto all the nodes that have the same topology key & label value with one of them has an existing pod that matches the affinity rules"
    let p = affinity_pod(
        "p",
        "default",
        json!({}),
        required_terms(vec![pod_term("foo", "In", &["bar"], "region")], vec![]),
    );
    assert_eq!(
        filter_verdicts(
            p,
            vec![china("node1"), china_az1("node2"), india("node3")],
            vec![on("p1", "node1", "default", json!({"foo": "bar"}), Value::Null)]
        ),
        verdicts(&[("node1", None), ("node2", None), ("node3", Some(AFFINITY_UNMET))])
    );
    // "The affinity rule is to schedule all of the pods of this collection to the same zone. The first pod of the collection should not be blocked from being scheduled onto any node, even there's no existing pod that matches the rule anywhere."
    let collection = || {
        affinity_pod(
            "p",
            "default",
            json!({"foo": "bar", "service": "securityscan"}),
            required_terms(
                vec![
                    pod_term("foo", "In", &["bar"], "zone"),
                    pod_term("service", "In", &["securityscan"], "zone"),
                ],
                vec![],
            ),
        )
    };
    let foo_bar_on_a = || vec![on("p1", "nodeA", "default", json!({"foo": "bar"}), Value::Null)];
    assert_eq!(
        filter_verdicts(
            collection(),
            vec![
                labelled_node("nodeA", json!({"zone": "az1", "hostname": "h1"})),
                labelled_node("nodeB", json!({"zone": "az2", "hostname": "h2"}))
            ],
            foo_bar_on_a()
        ),
        verdicts(&[("nodeA", None), ("nodeB", None)])
    );
    // "The first pod of the collection can only be scheduled on nodes labelled with the requested topology keys"
    assert_eq!(
        filter_verdicts(
            collection(),
            vec![
                labelled_node("nodeA", json!({"zoneLabel": "az1", "hostname": "h1"})),
                labelled_node("nodeB", json!({"zoneLabel": "az2", "hostname": "h2"}))
            ],
            foo_bar_on_a()
        ),
        verdicts(&[("nodeA", Some(AFFINITY_UNMET)), ("nodeB", Some(AFFINITY_UNMET))])
    );
    // "NodeA and nodeB have same topologyKey and label value. NodeA has an existing pod that matches the inter pod affinity rule. The pod can not be scheduled onto nodeA and nodeB."
    let away_from_abc = || required_terms(vec![], vec![pod_term("foo", "In", &["abc"], "region")]);
    let region_host = |n: &str| labelled_node(n, json!({"region": "r1", "hostname": n}));
    assert_eq!(
        filter_verdicts(
            affinity_pod("p", "default", json!({}), away_from_abc()),
            vec![region_host("nodeA"), region_host("nodeB")],
            vec![on("p1", "nodeA", "default", json!({"foo": "abc"}), Value::Null)]
        ),
        verdicts(&[("nodeA", Some(ANTI_AFFINITY_HIT)), ("nodeB", Some(ANTI_AFFINITY_HIT))])
    );
    // "This test ensures that anti-affinity matches a pod when any term of the anti-affinity rule matches a pod."
    let two_terms = required_terms(
        vec![],
        vec![pod_term("foo", "In", &["abc"], "region"), pod_term("service", "In", &["securityscan"], "zone")],
    );
    assert_eq!(
        filter_verdicts(
            affinity_pod("p", "default", json!({}), two_terms),
            vec![rzh("nodeA", "z1"), rzh("nodeB", "z2")],
            vec![on("p1", "nodeA", "default", json!({"foo": "abc", "service": "securityscan"}), Value::Null)]
        ),
        verdicts(&[("nodeA", Some(ANTI_AFFINITY_HIT)), ("nodeB", Some(ANTI_AFFINITY_HIT))])
    );
    // "NodeA and nodeB have same topologyKey and label value. NodeA has an existing pod that matches the inter pod affinity rule. The pod can not be scheduled onto nodeA and nodeB but can be scheduled onto nodeC"
    assert_eq!(
        filter_verdicts(
            affinity_pod("p", "default", json!({}), away_from_abc()),
            vec![china("nodeA"), china_az1("nodeB"), india("nodeC")],
            vec![on("p1", "nodeA", "default", json!({"foo": "abc"}), Value::Null)]
        ),
        verdicts(&[("nodeA", Some(ANTI_AFFINITY_HIT)), ("nodeB", Some(ANTI_AFFINITY_HIT)), ("nodeC", None)])
    );
    // "… The pod can not be scheduled onto nodeA, nodeB, but can be scheduled onto nodeC (NodeC has an existing pod that match the inter pod affinity rule but in different namespace)"
    let p = affinity_pod(
        "p",
        "ns1",
        json!({"foo": "123"}),
        required_terms(vec![], vec![pod_term("foo", "In", &["bar"], "region")]),
    );
    let other_ns = required_terms(vec![], vec![pod_term("foo", "In", &["123"], "region")]);
    assert_eq!(
        filter_verdicts(
            p,
            vec![china("nodeA"), china_az1("nodeB"), india("nodeC")],
            vec![
                on("p1", "nodeA", "ns1", json!({"foo": "bar"}), Value::Null),
                on("p2", "nodeC", "ns2", json!({}), other_ns)
            ]
        ),
        verdicts(&[("nodeA", Some(ANTI_AFFINITY_HIT)), ("nodeB", Some(ANTI_AFFINITY_HIT)), ("nodeC", None)])
    );
    // "Test existing pod's anti-affinity: if an existing pod has a term with invalid topologyKey, labelSelector of the term is firstly checked, and then topologyKey of the term is also checked"
    let zz = || vec![rzh("nodeA", "z1"), rzh("nodeB", "z1")];
    let invalid_key = required_terms(vec![], vec![exists("foo", "invalid-node-label")]);
    assert_eq!(
        filter_verdicts(
            affinity_pod("p", "default", json!({"foo": ""}), Value::Null),
            zz(),
            vec![on("p1", "nodeA", "default", json!({}), invalid_key)]
        ),
        verdicts(&[("nodeA", None), ("nodeB", None)])
    );
    let z12 = || vec![rzh("nodeA", "z1"), rzh("nodeB", "z2")];
    let foo_bar = || json!({"foo": "", "bar": ""});
    // "Test existing pod's anti-affinity: incoming pod wouldn't considered as a fit as it violates each existingPod's terms on all nodes"
    assert_eq!(
        filter_verdicts(
            affinity_pod("p", "default", foo_bar(), Value::Null),
            z12(),
            vec![
                on("p1", "nodeA", "default", json!({}), required_terms(vec![], vec![exists("foo", "zone")])),
                on(
                    "p2",
                    "nodeA",
                    "default",
                    json!({}),
                    required_terms(vec![], vec![exists("bar", "region")])
                )
            ]
        ),
        verdicts(&[("nodeA", Some(EXISTING_ANTI_AFFINITY_HIT)), ("nodeB", Some(EXISTING_ANTI_AFFINITY_HIT))])
    );
    // "Test incoming pod's anti-affinity: incoming pod wouldn't considered as a fit as it at least violates one anti-affinity rule of existingPod"
    assert_eq!(
        filter_verdicts(
            affinity_pod(
                "p",
                "default",
                json!({}),
                required_terms(vec![], vec![exists("foo", "zone"), exists("bar", "region")])
            ),
            z12(),
            vec![
                on("p1", "nodeA", "default", json!({"foo": ""}), Value::Null),
                on("p2", "nodeB", "default", json!({"bar": ""}), Value::Null)
            ]
        ),
        verdicts(&[("nodeA", Some(ANTI_AFFINITY_HIT)), ("nodeB", Some(ANTI_AFFINITY_HIT))])
    );
    // "Test existing pod's anti-affinity: only when labelSelector and topologyKey both match, it's counted as a single term match - case when one term has invalid topologyKey"
    let invalid_and_zone =
        required_terms(vec![], vec![exists("foo", "invalid-node-label"), exists("bar", "zone")]);
    assert_eq!(
        filter_verdicts(
            affinity_pod("p", "default", foo_bar(), Value::Null),
            z12(),
            vec![on("p1", "nodeA", "default", json!({}), invalid_and_zone.clone())]
        ),
        verdicts(&[("nodeA", Some(EXISTING_ANTI_AFFINITY_HIT)), ("nodeB", None)])
    );
    // "Test incoming pod's anti-affinity: only when labelSelector and topologyKey both match, it's counted as a single term match - case when one term has invalid topologyKey"
    assert_eq!(
        filter_verdicts(
            affinity_pod("p", "default", json!({}), invalid_and_zone),
            z12(),
            vec![on("podA", "nodeA", "default", foo_bar(), Value::Null)]
        ),
        verdicts(&[("nodeA", Some(ANTI_AFFINITY_HIT)), ("nodeB", None)])
    );
    // "Test existing pod's anti-affinity: only when labelSelector and topologyKey both match, it's counted as a single term match - case when all terms have valid topologyKey"
    let region_and_zone = required_terms(vec![], vec![exists("foo", "region"), exists("bar", "zone")]);
    assert_eq!(
        filter_verdicts(
            affinity_pod("p", "default", foo_bar(), Value::Null),
            z12(),
            vec![on("p1", "nodeA", "default", json!({}), region_and_zone.clone())]
        ),
        verdicts(&[("nodeA", Some(EXISTING_ANTI_AFFINITY_HIT)), ("nodeB", Some(EXISTING_ANTI_AFFINITY_HIT))])
    );
    // "Test incoming pod's anti-affinity: only when labelSelector and topologyKey both match, it's counted as a single term match - case when all terms have valid topologyKey"
    assert_eq!(
        filter_verdicts(
            affinity_pod("p", "default", json!({}), region_and_zone),
            z12(),
            vec![on("p1", "nodeA", "default", foo_bar(), Value::Null)]
        ),
        verdicts(&[("nodeA", Some(ANTI_AFFINITY_HIT)), ("nodeB", Some(ANTI_AFFINITY_HIT))])
    );
}

/// InterPodAffinity's scores of `filtered` for `pending` among `objects`.
fn inter_pod_scores(pending: Value, mut objects: Vec<Value>, filtered: &[&str]) -> Vec<(String, i64)> {
    objects.push(pending.clone());
    let store: BTreeMap<ObjKey, Value> = objects.into_iter().map(|o| (ObjKey::of(&o), o)).collect();
    let snapshot = State::of_objects(store.clone(), 1_735_689_600);
    let f = Facts::extract(&snapshot);
    let pod = f.id_of(&ObjKey::of(&pending)).unwrap();
    let nodes: Vec<_> = filtered.iter().map(|n| f.id_of(&ObjKey::new("Node", "", n)).unwrap()).collect();
    let scores = konverge::controllers::scheduler::inter_pod_affinity_scores(&f, pod, &nodes);
    filtered.iter().map(|n| n.to_string()).zip(scores).collect()
}

/// A preferred (weight, term) list entry.
fn weighted(weight: i64, term: Value) -> Value {
    json!({"weight": weight, "podAffinityTerm": term})
}

fn preferred_terms(affinity: Vec<Value>, anti: Vec<Value>) -> Value {
    let mut a = json!({});
    if !affinity.is_empty() {
        a["podAffinity"] = json!({"preferredDuringSchedulingIgnoredDuringExecution": affinity});
    }
    if !anti.is_empty() {
        a["podAntiAffinity"] = json!({"preferredDuringSchedulingIgnoredDuringExecution": anti});
    }
    a
}

/// upstream `TestPreferredAffinity` (the cases about the plugin's configuration and about
/// selectors validation refuses are left out).
#[test]
fn inter_pod_affinity_preferred_scoring() {
    let s1 = || json!({"security": "S1"});
    let s2 = || json!({"security": "S2"});
    let security = |v: &str, key: &str| pod_term("security", "In", &[v], key);
    let stay_with_s1_in_region = || preferred_terms(vec![weighted(5, security("S1", "region"))], vec![]);
    let stay_with_s2_in_region = || preferred_terms(vec![weighted(6, security("S2", "region"))], vec![]);
    let affinity3 = preferred_terms(
        vec![
            weighted(
                8,
                json!({"labelSelector": {"matchExpressions": [
                {"key": "security", "operator": "NotIn", "values": ["S1"]},
                {"key": "security", "operator": "In", "values": ["S2"]}]}, "topologyKey": "region"}),
            ),
            weighted(
                2,
                json!({"labelSelector": {"matchExpressions": [
                {"key": "security", "operator": "Exists"},
                {"key": "wrongkey", "operator": "DoesNotExist"}]}, "topologyKey": "region"}),
            ),
        ],
        vec![],
    );
    let hard_affinity = || {
        required_terms(
            vec![
                pod_term("security", "In", &["S1", "value2"], "region"),
                json!({"labelSelector": {"matchExpressions": [
                    {"key": "security", "operator": "Exists"},
                    {"key": "wrongkey", "operator": "DoesNotExist"}]}, "topologyKey": "region"}),
            ],
            vec![],
        )
    };
    let away_from_s1_in_az = || preferred_terms(vec![], vec![weighted(5, security("S1", "az"))]);
    let away_from_s2_in_az = || preferred_terms(vec![], vec![weighted(5, security("S2", "az"))]);
    let stay_s1_away_s2 = || {
        preferred_terms(vec![weighted(8, security("S1", "region"))], vec![weighted(5, security("S2", "az"))])
    };
    let mut ns_term = security("S1", "region");
    ns_term["namespaces"] = json!(["subteam2.team2"]);
    ns_term["namespaceSelector"] =
        json!({"matchExpressions": [{"key": "team", "operator": "In", "values": ["team1"]}]});
    let namespaces = || {
        [("subteam1.team1", "team1"), ("subteam2.team1", "team1"), ("subteam1.team2", "team2"), ("subteam2.team2", "team2")]
            .into_iter()
            .map(|(n, team)| {
                json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n, "labels": {"team": team}}})
            })
            .collect::<Vec<Value>>()
    };
    let china = |n: &str| labelled_node(n, json!({"region": "China"}));
    let india = |n: &str| labelled_node(n, json!({"region": "India"}));
    let az = |n: &str, z: &str| labelled_node(n, json!({"az": z}));
    let china_az1 = |n: &str| labelled_node(n, json!({"region": "China", "az": "az1"}));
    let on = |name: &str, node: &str, labels: Value, affinity: Value| {
        bound(affinity_pod(name, "default", labels, affinity), node)
    };
    let incoming = |labels: Value, affinity: Value| affinity_pod("p", "default", labels, affinity);
    let cluster = |nodes: Vec<Value>, pods: Vec<Value>| nodes.into_iter().chain(pods).collect::<Vec<Value>>();
    let n123 = ["node1", "node2", "node3"];
    let n12 = ["node1", "node2"];
    let n12345 = ["node1", "node2", "node3", "node4", "node5"];

    // "all nodes are same priority as Affinity is nil"
    assert_eq!(
        inter_pod_scores(
            incoming(s1(), Value::Null),
            cluster(vec![china("node1"), india("node2"), az("node3", "az1")], vec![]),
            &n123
        ),
        scores(&[("node1", 0), ("node2", 0), ("node3", 0)])
    );
    // "Affinity: pod that matches topology key & pods in nodes will get high score comparing to otherswhich doesn't match either pods in nodes or in topology key"
    let s1_s2_s1 = || {
        vec![
            on("p1", "node1", s1(), Value::Null),
            on("p2", "node2", s2(), Value::Null),
            on("p3", "node3", s1(), Value::Null),
        ]
    };
    let china_india_az1 = || vec![china("node1"), india("node2"), az("node3", "az1")];
    assert_eq!(
        inter_pod_scores(
            incoming(s1(), stay_with_s1_in_region()),
            cluster(china_india_az1(), s1_s2_s1()),
            &n123
        ),
        scores(&[("node1", 100), ("node2", 0), ("node3", 0)])
    );
    // "All the nodes that have the same topology key & label value with one of them has an existing pod that match the affinity rules, have the same score"
    assert_eq!(
        inter_pod_scores(
            incoming(json!({}), stay_with_s1_in_region()),
            cluster(
                vec![china("node1"), china_az1("node2"), india("node3")],
                vec![on("p1", "node1", s1(), Value::Null)]
            ),
            &n123
        ),
        scores(&[("node1", 100), ("node2", 100), ("node3", 0)])
    );
    // "Affinity: nodes in one region has more matching pods comparing to other region, so the region which has more matches will get high score"
    let s2_pods: Vec<Value> = ["node1", "node1", "node2", "node3", "node4", "node5"]
        .iter()
        .enumerate()
        .map(|(i, n)| on(&format!("p{i}"), n, s2(), Value::Null))
        .collect();
    let five = || vec![china("node1"), india("node2"), china("node3"), china("node4"), india("node5")];
    assert_eq!(
        inter_pod_scores(incoming(s1(), stay_with_s2_in_region()), cluster(five(), s2_pods), &n12345),
        scores(&[("node1", 100), ("node2", 0), ("node3", 100), ("node4", 100), ("node5", 0)])
    );
    // "Affinity: different Label operators and values for pod affinity scheduling preference, including some match failures "
    assert_eq!(
        inter_pod_scores(incoming(s1(), affinity3), cluster(china_india_az1(), s1_s2_s1()), &n123),
        scores(&[("node1", 20), ("node2", 100), ("node3", 0)])
    );
    // "Affinity symmetry: considered only the preferredDuringSchedulingIgnoredDuringExecution in pod affinity symmetry"
    let symmetric = || {
        vec![
            on("p1", "node1", s1(), stay_with_s1_in_region()),
            on("p2", "node2", s2(), stay_with_s2_in_region()),
        ]
    };
    assert_eq!(
        inter_pod_scores(incoming(s2(), Value::Null), cluster(china_india_az1(), symmetric()), &n123),
        scores(&[("node1", 0), ("node2", 100), ("node3", 0)])
    );
    // "Affinity symmetry with namespace selector"
    let team1_pod = || affinity_pod("p", "subteam1.team1", s1(), Value::Null);
    let mut objects = cluster(
        china_india_az1(),
        vec![
            on("p1", "node1", s1(), preferred_terms(vec![weighted(5, ns_term.clone())], vec![])),
            on("p2", "node2", s2(), stay_with_s2_in_region()),
        ],
    );
    objects.extend(namespaces());
    assert_eq!(
        inter_pod_scores(team1_pod(), objects, &n123),
        scores(&[("node1", 100), ("node2", 0), ("node3", 0)])
    );
    // "AntiAffinity symmetry with namespace selector"
    let mut objects = cluster(
        china_india_az1(),
        vec![
            on("p1", "node1", s1(), preferred_terms(vec![], vec![weighted(5, ns_term.clone())])),
            on("p2", "node2", s2(), stay_with_s2_in_region()),
        ],
    );
    objects.extend(namespaces());
    assert_eq!(
        inter_pod_scores(team1_pod(), objects, &n123),
        scores(&[("node1", 0), ("node2", 100), ("node3", 100)])
    );
    // "Affinity symmetry: considered RequiredDuringSchedulingIgnoredDuringExecution in pod affinity symmetry"
    assert_eq!(
        inter_pod_scores(
            incoming(s1(), Value::Null),
            cluster(
                china_india_az1(),
                vec![on("p1", "node1", s1(), hard_affinity()), on("p2", "node2", s2(), hard_affinity())]
            ),
            &n123
        ),
        scores(&[("node1", 100), ("node2", 100), ("node3", 0)])
    );
    // "Anti Affinity: pod that does not match existing pods in node will get high score "
    assert_eq!(
        inter_pod_scores(
            incoming(s1(), away_from_s1_in_az()),
            cluster(
                vec![az("node1", "az1"), china("node2")],
                vec![on("p1", "node1", s1(), Value::Null), on("p2", "node2", s2(), Value::Null)]
            ),
            &n12
        ),
        scores(&[("node1", 0), ("node2", 100)])
    );
    // "Anti Affinity: pod that does not match topology key & match the pods in nodes will get higher score comparing to others "
    assert_eq!(
        inter_pod_scores(
            incoming(s1(), away_from_s1_in_az()),
            cluster(
                vec![az("node1", "az1"), china("node2")],
                vec![on("p1", "node1", s1(), Value::Null), on("p2", "node2", s1(), Value::Null)]
            ),
            &n12
        ),
        scores(&[("node1", 0), ("node2", 100)])
    );
    // "Anti Affinity: one node has more matching pods comparing to other node, so the node which has more unmatches will get high score"
    assert_eq!(
        inter_pod_scores(
            incoming(s1(), away_from_s1_in_az()),
            cluster(
                vec![az("node1", "az1"), india("node2")],
                vec![
                    on("p1", "node1", s1(), Value::Null),
                    on("p2", "node1", s1(), Value::Null),
                    on("p3", "node2", s2(), Value::Null)
                ]
            ),
            &n12
        ),
        scores(&[("node1", 0), ("node2", 100)])
    );
    // "Anti Affinity symmetry: the existing pods in node which has anti affinity match will get high score"
    assert_eq!(
        inter_pod_scores(
            incoming(s2(), Value::Null),
            cluster(
                vec![az("node1", "az1"), az("node2", "az2")],
                vec![
                    on("p1", "node1", s1(), away_from_s2_in_az()),
                    on("p2", "node2", s2(), away_from_s1_in_az())
                ]
            ),
            &n12
        ),
        scores(&[("node1", 0), ("node2", 100)])
    );
    // "Affinity and Anti Affinity: considered only preferredDuringSchedulingIgnoredDuringExecution in both pod affinity & anti affinity"
    assert_eq!(
        inter_pod_scores(
            incoming(s1(), stay_s1_away_s2()),
            cluster(
                vec![china("node1"), az("node2", "az1")],
                vec![on("p1", "node1", s1(), Value::Null), on("p2", "node2", s1(), Value::Null)]
            ),
            &n12
        ),
        scores(&[("node1", 100), ("node2", 0)])
    );
    // "Affinity and Anti Affinity: considering both affinity and anti-affinity, the pod to schedule and existing pods have the same labels"
    let s1_pods: Vec<Value> = ["node1", "node1", "node2", "node3", "node3", "node4", "node5"]
        .iter()
        .enumerate()
        .map(|(i, n)| on(&format!("p{i}"), n, s1(), Value::Null))
        .collect();
    let five_az = vec![china_az1("node1"), india("node2"), china("node3"), china("node4"), india("node5")];
    assert_eq!(
        inter_pod_scores(incoming(s1(), stay_s1_away_s2()), cluster(five_az, s1_pods), &n12345),
        scores(&[("node1", 100), ("node2", 0), ("node3", 100), ("node4", 100), ("node5", 0)])
    );
    // "Affinity and Anti Affinity and symmetry: considered only preferredDuringSchedulingIgnoredDuringExecution in both pod affinity & anti affinity & symmetry"
    assert_eq!(
        inter_pod_scores(
            incoming(s1(), stay_s1_away_s2()),
            cluster(
                vec![china("node1"), az("node2", "az1"), india("node3"), az("node4", "az2")],
                vec![
                    on("p1", "node1", s1(), Value::Null),
                    on("p2", "node2", s2(), Value::Null),
                    on("p3", "node3", json!({}), stay_s1_away_s2()),
                    on("p4", "node4", json!({}), away_from_s1_in_az()),
                ]
            ),
            &["node1", "node2", "node3", "node4"]
        ),
        scores(&[("node1", 100), ("node2", 0), ("node3", 100), ("node4", 0)])
    );
    // "Avoid panic when partial nodes in a topology don't have pods with affinity"
    assert_eq!(
        inter_pod_scores(
            incoming(s1(), Value::Null),
            cluster(
                vec![china("node1"), china("node2")],
                vec![on("p1", "node1", s1(), Value::Null), on("p2", "node2", json!({}), stay_s1_away_s2())]
            ),
            &n12
        ),
        scores(&[("node1", 0), ("node2", 0)])
    );
}

/// Upstream `TestNumFeasibleNodesToFind` (pkg/scheduler/schedule_one_test.go), the cases with
/// `percentageOfNodesToScore` unset (konverge runs the default profile), and the edges of the
/// adaptive share: every node below 100, at least 100 nodes, at least 5%.
#[test]
fn num_feasible_nodes_to_find_cases() {
    use konverge::controllers::scheduler::num_feasible_nodes_to_find;
    for (nodes, want) in [
        (10, 10),    // "not set percentageOfNodesToScore and nodes number not more than 50"
        (1000, 420), // "not set percentageOfNodesToScore and nodes number more than 50"
        (6000, 300), // "not set percentageOfNodesToScore and nodes number more than 50*125"
        (0, 0),
        (99, 99),
        (100, 100),
        (200, 100),
        (500, 230),
        (5000, 500),
        (20000, 1000),
    ] {
        assert_eq!(num_feasible_nodes_to_find(nodes), want, "{nodes} nodes");
    }
}

/// Upstream `TestFairEvaluationForNodes`: over 500 nodes that all pass, each pod is filtered
/// against `numFeasibleNodesToFind` nodes (230 here; upstream sets 30% to make the count not
/// divide the nodes, the default 46% does too) and the next pod starts after them, wrapping
/// around, more than twice over the list.
#[test]
fn fair_evaluation_for_nodes() {
    use konverge::controllers::scheduler::NodeWalk;
    let nodes: Vec<usize> = (0..500).collect();
    let mut walk = NodeWalk::new(nodes.len());
    for i in 0..2 * (500 / 230 + 1) {
        let found = walk.sample(&nodes, |_| true, None);
        let start = i * 230 % 500;
        let want: Vec<usize> = (start..start + 230).map(|n| n % 500).collect();
        assert_eq!(found, want, "walk {i}");
    }
}

/// The walk counts the nodes it looked at, feasible or not, and stops at the node where the
/// last node it needs passes; a batch judge (InterPodAffinity) refusing nodes makes it look
/// further. Fewer nodes pass than it needs: it looks at all of them.
#[test]
fn the_walk_stops_at_the_last_node_it_needs() {
    use konverge::controllers::scheduler::NodeWalk;
    let nodes: Vec<usize> = (0..300).collect(); // 144 to find
    let mut walk = NodeWalk::new(nodes.len());
    let odd = walk.sample(&nodes, |n| n % 2 == 1, None);
    assert_eq!((odd.first(), odd.last(), odd.len()), (Some(&1), Some(&287), 144));
    let mut refuse_below_100 = |batch: &[usize]| batch.iter().map(|&n| n >= 100).collect::<Vec<bool>>();
    let judged = walk.sample(&nodes, |_| true, Some(&mut refuse_below_100));
    // From 288: 288..299, then 0..99 refused, then 100..231.
    assert_eq!(
        (judged.first(), judged.get(12), judged.last(), judged.len()),
        (Some(&288), Some(&100), Some(&231), 144)
    );
    let few = walk.sample(&nodes, |n| n == 7, None);
    assert_eq!(few, vec![7]);
    // Having looked at all 300 nodes, the next walk starts where this one did: at 232.
    assert_eq!(walk.sample(&nodes, |_| true, None).first(), Some(&232));
}

/// Upstream `nodeTree.list`: one node of each zone in turn (zones by key here, nodes by name),
/// so a walk that scores a sample still sees every zone.
#[test]
fn the_node_tree_interleaves_zones() {
    use konverge::controllers::scheduler::node_tree_order;
    let zoned = |name: &str, zone: &str| {
        node(name, json!({"topology.kubernetes.io/zone": zone}), json!([]), Value::Null)
    };
    let objects = vec![
        zoned("a1", "zone-a"),
        zoned("a2", "zone-a"),
        zoned("a3", "zone-a"),
        zoned("b1", "zone-b"),
        zoned("c1", "zone-c"),
        zoned("c2", "zone-c"),
        plain_node("n1"),
    ];
    let store: BTreeMap<ObjKey, Value> = objects.into_iter().map(|o| (ObjKey::of(&o), o)).collect();
    let snapshot = State::of_objects(store.clone(), 1_735_689_600);
    let f = Facts::extract(&snapshot);
    let names: Vec<&str> =
        node_tree_order(&f).into_iter().map(|i| f.key(f.nodes[i].id).name.as_str()).collect();
    assert_eq!(names, ["n1", "a1", "b1", "c1", "a2", "c2", "a3"]);
}

/// With 100 nodes or more each pod is scored on a sample of them (`percentageOfNodesToScore`):
/// of 300 equal nodes the first pod sees node-000..143 and takes node-000, the second
/// node-144..287 and takes node-144, the third node-288..299 and node-000..131 and takes
/// node-001 (node-000 is no longer empty). Scored over every node, they would take
/// node-000, node-001 and node-002.
#[test]
fn large_clusters_score_a_sample_of_the_nodes() {
    let alloc = json!({"cpu": "4", "memory": "8Gi", "pods": "110"});
    let mut objects: Vec<Value> =
        (0..300).map(|i| node(&format!("node-{i:03}"), json!({}), json!([]), alloc.clone())).collect();
    objects.extend(["p1", "p2", "p3"].map(|name| pod(name, json!({}))));
    let mut binds: Vec<(String, String)> = run(objects)
        .into_iter()
        .filter_map(|a| match a.change {
            Change::Bind { pod, node } => Some((pod.name, node)),
            _ => None,
        })
        .collect();
    binds.sort();
    let want = [("p1", "node-000"), ("p2", "node-144"), ("p3", "node-001")];
    assert_eq!(binds, want.map(|(p, n)| (p.to_string(), n.to_string())));
}

proptest::proptest! {
    /// The walk against a plain oracle, over random clusters of 1–400 nodes where random nodes
    /// pass the cheap filters and a batch judge refuses random others: each pod's sample is the
    /// first `numFeasibleNodesToFind` nodes passing both, in walk order from where the previous
    /// walk stopped (after the last node it needed, or a full turn when too few pass).
    #[test]
    fn the_walk_takes_the_first_passing_nodes_from_where_it_stopped(
        nodes in proptest::collection::vec((proptest::bool::weighted(0.7), proptest::bool::weighted(0.2)), 1..400),
        walks in 1usize..6,
        judged in proptest::bool::ANY,
    ) {
        use konverge::controllers::scheduler::{num_feasible_nodes_to_find, NodeWalk};
        let n = nodes.len();
        let candidates: Vec<usize> = (0..n).collect();
        let passes = |i: usize| nodes[i].0 && !(judged && nodes[i].1);
        let to_find = num_feasible_nodes_to_find(n);
        let mut walk = NodeWalk::new(n);
        let mut start = 0;
        for _ in 0..walks {
            let mut refuse = |batch: &[usize]| batch.iter().map(|&i| !nodes[i].1).collect::<Vec<bool>>();
            let got = if judged {
                walk.sample(&candidates, |i| nodes[i].0, Some(&mut refuse))
            } else {
                walk.sample(&candidates, |i| nodes[i].0, None)
            };
            let mut want = Vec::new();
            let mut looked = n;
            for j in 0..n {
                let i = (start + j) % n;
                if passes(i) {
                    want.push(i);
                    if want.len() == to_find {
                        looked = j + 1;
                        break;
                    }
                }
            }
            proptest::prop_assert_eq!(got, want);
            start = (start + looked) % n;
        }
    }
}
