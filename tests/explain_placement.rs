//! `explain-placement` through the `konverge` binary: each node's filter verdict in
//! FailedScheduling's words and, where the filters pass, every default-profile score, checked
//! against the plugins' formulas worked by hand (upstream `leastResourceScorer`,
//! `balancedResourceScorer`, TaintToleration's reversed `DefaultNormalizeScore`).

mod common;

use common::*;

fn node(name: &str, cpu: &str, memory: &str, taint: &str) -> String {
    format!(
        "apiVersion: v1
kind: Node
metadata:
  name: {name}
  labels: {{kubernetes.io/hostname: {name}}}
spec:
  taints: [{taint}]
status:
  allocatable: {{cpu: '{cpu}', memory: {memory}, pods: '110'}}
  capacity: {{cpu: '{cpu}', memory: {memory}, pods: '110'}}
  conditions: [{{type: Ready, status: 'True'}}]
---
"
    )
}

fn pod(name: &str, cpu: &str) -> String {
    format!(
        "apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: default}}
spec:
  containers:
  - {{name: c, image: nginx:1.27, resources: {{requests: {{cpu: '{cpu}', memory: 1Gi}}}}}}
"
    )
}

fn cluster() -> Cluster {
    let k = Cluster::new();
    let nodes = [
        node("node-a", "4", "8Gi", ""),
        node("node-b", "2", "4Gi", ""),
        node("node-c", "8", "16Gi", "{key: dedicated, value: gpu, effect: NoSchedule}"),
    ]
    .concat();
    let f = k.write("nodes.yaml", &nodes);
    k.ok(&["apply", "-f", &f]);
    k
}

#[test]
fn a_bound_pod_is_judged_as_if_pending_with_every_plugins_score() {
    let k = cluster();
    let f = k.write("p.yaml", &pod("p", "1"));
    k.ok(&["apply", "-f", &f]);
    assert_eq!(node_of(&k.object("pod", "p").expect("p")), "node-a");

    let out = k.ok(&["explain-placement", "pod/p"]).stdout;
    assert!(out.starts_with("pod default/p (bound to node-a; judged as if pending again)\n"), "{out}");
    // FIT: mean of (alloc - requested) * 100 / alloc over cpu and memory, the pod's own request
    // included: node-a (75 + 87) / 2 = 81, node-b (50 + 75) / 2 = 62. BALANCED: (1 - |fcpu -
    // fmem| / 2) * 100: node-a 1/4 vs 1/8 → 93, node-b 1/2 vs 1/4 → 87. No PreferNoSchedule
    // taint anywhere: TaintToleration 100 on both. No preferences, spreading or pod affinity.
    assert_eq!(row(&out, "node-a"), ["node-a", "passed", "81", "93", "0", "100", "0", "0", "474"], "{out}");
    assert_eq!(row(&out, "node-b"), ["node-b", "passed", "62", "87", "0", "100", "0", "0", "449"], "{out}");
    assert!(out.contains("node-c   node(s) had untolerated taint {dedicated: gpu}\n"), "{out}");
    assert!(out.contains("\nnext step: bound to node-a (the highest total;"), "{out}");
    // Explaining reads the state and writes nothing.
    let before = k.state_bytes();
    k.ok(&["explain-placement", "pod", "p"]);
    assert_eq!(k.state_bytes(), before);
}

#[test]
fn a_pod_that_fits_nowhere_gets_the_failed_scheduling_message() {
    let k = cluster();
    let f = k.write("big.yaml", &pod("big", "6"));
    k.ok(&["apply", "-f", &f]);
    let big = k.object("pod", "big").expect("big");
    assert_eq!(node_of(&big), "");
    let out = k.ok(&["explain-placement", "pod/big"]).stdout;
    assert_eq!(row(&out, "node-a"), ["node-a", "Insufficient", "cpu"], "{out}");
    assert_eq!(row(&out, "node-b"), ["node-b", "Insufficient", "cpu"], "{out}");
    let stated = str_at(&big, "/status/conditions/0/message");
    let without_preemption = stated.split(" preemption:").next().unwrap_or_default();
    assert_eq!(
        without_preemption,
        "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 2 Insufficient cpu."
    );
    assert!(out.ends_with(&format!("next step: stays Pending: {without_preemption}\n")), "{out}");
}

#[test]
fn only_pods_are_explained() {
    let k = cluster();
    let out = k.code(&["explain-placement", "node/node-a"], 1);
    assert!(out.stderr.contains("explain-placement explains pods, not nodes"), "{}", out.stderr);
    let out = k.code(&["explain-placement", "pod/nope"], 1);
    assert!(out.stderr.contains("pods \"nope\" not found"), "{}", out.stderr);
}
