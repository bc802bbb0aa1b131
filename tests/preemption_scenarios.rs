//! Priority and preemption through the `konverge` binary: a node full of a low-priority
//! Deployment's pods, then a pod of a higher PriorityClass. The scheduler preempts one victim
//! (DisruptionTarget, graceful deletion, the Preempted event), nominates the node for the pod
//! (`get pods -o wide` NOMINATED NODE), binds it there once the victim is gone, and the
//! Deployment's replacement pod stays Pending with PostFilter's words. A pod whose class says
//! `preemptionPolicy: Never` waits instead.

mod common;

use common::*;

const CLUSTER: &str = "apiVersion: v1
kind: Node
metadata:
  name: node-1
  labels: {kubernetes.io/hostname: node-1}
status:
  allocatable: {cpu: '1', memory: 4Gi, pods: '110'}
  capacity: {cpu: '1', memory: 4Gi, pods: '110'}
  conditions: [{type: Ready, status: 'True'}]
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: batch}
value: 100
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: urgent}
value: 100000
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: polite}
value: 100000
preemptionPolicy: Never
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: batch, namespace: default}
spec:
  replicas: 2
  selector: {matchLabels: {app: batch}}
  template:
    metadata: {labels: {app: batch}}
    spec:
      priorityClassName: batch
      containers:
      - {name: work, image: busybox:1.36, resources: {requests: {cpu: 500m}}}
";

fn pod(name: &str, class: &str) -> String {
    format!(
        "apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: default}}
spec:
  priorityClassName: {class}
  containers:
  - {{name: web, image: nginx:1.27, resources: {{requests: {{cpu: 500m}}}}}}
"
    )
}

fn full_node() -> Cluster {
    let k = Cluster::new();
    let f = k.write("cluster.yaml", CLUSTER);
    k.ok(&["apply", "-f", &f]);
    assert!(k.live_pods().iter().all(|p| node_of(p) == "node-1"), "both batch pods run");
    k
}

#[test]
fn a_higher_priority_pod_preempts_a_batch_pod_and_takes_its_place() {
    let k = full_node();
    let f = k.write("urgent.yaml", &pod("urgent", "urgent"));

    // One step: the pod fails to fit, preempts, and is nominated.
    let (first, _, command) = k.replay(&["apply", "-f", &f, "--steps", "1"]);
    let wide = k.ok(&["get", "pods", "-o", "wide"]).stdout;
    let urgent = k.object("pod", "urgent").expect("urgent");
    assert_eq!(urgent["spec"]["priority"], 100000, "admission resolved the class");
    assert_eq!(str_at(&urgent, "/status/nominatedNodeName"), "node-1");
    assert!(row(&wide, "urgent").contains(&"node-1".to_string()), "{wide}");

    // The rest: the victim goes, the pod binds, the replacement stays Pending.
    let (rest, _, rest_command) = k.replay(&["run"]);
    let pods = k.live_pods();
    let urgent = pods.iter().find(|p| name(p) == "urgent").expect("urgent");
    assert_eq!(node_of(urgent), "node-1");
    assert_eq!(str_at(urgent, "/status/nominatedNodeName"), "", "binding clears the nomination");
    let pending: Vec<_> = pods.iter().filter(|p| node_of(p).is_empty()).collect();
    assert_eq!(pending.len(), 1, "the batch replacement waits");
    assert_eq!(
        str_at(pending[0], "/status/conditions/0/message"),
        "0/1 nodes are available: 1 Insufficient cpu. \
         preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod."
    );
    let events = k.ok(&["get", "events"]).stdout;
    assert!(events.contains("Preempted by pod"), "{events}");
    let described = k.ok(&["describe", "pod", "urgent"]).stdout;
    let field = |label: &str| {
        described.lines().find_map(|l| l.strip_prefix(label)).map(str::trim).unwrap_or_default().to_string()
    };
    assert_eq!((field("Priority:"), field("Priority Class Name:")), ("100000".into(), "urgent".into()));
    snap!(
        "preemption__urgent_pod",
        format!(
            "$ {command}\n{}\n$ konverge get pods -o wide\n{wide}\n$ {rest_command}\n{}\n$ konverge get pods -o wide\n{}",
            first.stdout,
            rest.stdout,
            k.ok(&["get", "pods", "-o", "wide"]).stdout
        )
    );
}

#[test]
fn a_never_preempting_pod_waits_for_room() {
    let k = full_node();
    let f = k.write("polite.yaml", &pod("polite", "polite"));
    k.ok(&["apply", "-f", &f]);
    let polite = k.object("pod", "polite").expect("polite");
    assert_eq!(polite["spec"]["preemptionPolicy"], "Never");
    assert_eq!(node_of(&polite), "");
    assert_eq!(
        str_at(&polite, "/status/conditions/0/message"),
        "0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never."
    );
    assert_eq!(k.live_pods().iter().filter(|p| node_of(p) == "node-1").count(), 2, "no batch pod preempted");
}

#[test]
fn an_unknown_priority_class_is_refused_with_upstreams_words() {
    let k = full_node();
    let before = k.state_bytes();
    let f = k.write("lost.yaml", &pod("lost", "nonexistent"));
    let out = k.code(&["apply", "-f", &f], 1);
    assert!(
        out.stderr.contains("pods \"lost\" is forbidden: no PriorityClass with name nonexistent was found"),
        "{}",
        out.stderr
    );
    assert_eq!(k.state_bytes(), before, "the state is untouched");
}
