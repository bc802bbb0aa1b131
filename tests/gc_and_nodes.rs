//! Garbage collection (background, foreground, orphan), node faults (fail, recover, remove),
//! the scheduler's filters, and the CI-facing exit codes of `plan --detailed-exitcode` and
//! `diff`.

mod common;

use common::*;
use serde_json::{json, Value};

/// The seed's two nodes and `myapp` (2 replicas, one pod per node).
fn rs_cluster() -> Cluster {
    let c = Cluster::seed_nodes();
    c.ok(&["apply", "-f", &example("replicaset/rs-demo.yaml")]);
    let ps = c.items("pods");
    assert_eq!(ps.len(), 2);
    assert!(ps.iter().all(is_running_ready));
    c
}

fn pod_on<'a>(ps: &'a [Value], node: &str) -> Vec<&'a Value> {
    ps.iter().filter(|p| node_of(p) == node).collect()
}

/// (time, action) pairs of a trace that match a verb, kind and controller.
fn find(trace: &Value, verb: &str, kind: &str, controller: &str) -> Vec<(i64, Value)> {
    actions(trace)
        .into_iter()
        .filter(|(_, a)| a["action"] == verb && a["kind"] == kind && a["controller"] == controller)
        .map(|(t, a)| (secs(&t), a))
        .collect()
}

fn start_time(trace: &Value) -> i64 {
    secs(trace["steps"][0]["time"].as_str().expect("a first step"))
}

fn finalizers(obj: &Value) -> Vec<String> {
    obj["metadata"]["finalizers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f.as_str().map(str::to_string))
        .collect()
}

fn has_owner_refs(obj: &Value) -> bool {
    obj["metadata"]["ownerReferences"].as_array().is_some_and(|a| !a.is_empty())
}

// ---------------------------------------------------------------------------------------------
// Garbage collection

#[test]
fn background_delete_of_a_replicaset_deletes_its_pods() {
    let c = rs_cluster();
    let pods = names(&c.items("pods"));

    // After the first step the set is gone and its pods are terminating.
    let first = Cluster::from_state(&c.state);
    first.ok(&["delete", "rs", "myapp", "--steps", "1"]);
    assert!(first.object("rs", "myapp").is_none(), "background: the owner goes at once");
    let ps = first.items("pods");
    assert_eq!(names(&ps), pods);
    assert!(ps.iter().all(is_terminating), "dependents are being deleted");
    let text = first.ok(&["get", "pods"]).stdout;
    assert_eq!(text.matches("Terminating").count(), 2, "{text}");

    let r = c.ok(&["delete", "rs", "myapp"]);
    snap!("gc__background_delete", r.transcript());
    assert!(c.items("pods").is_empty(), "pods are gone once their kubelet stopped them");

    let c = rs_cluster();
    let trace = c.ok(&["delete", "rs", "myapp", "-o", "json"]).json();
    let deletes = find(&trace, "delete", "Pod", "garbage-collector");
    let removed = find(&trace, "update", "Pod", "kubelet");
    assert_eq!(deletes.len(), 2, "{trace}");
    assert_eq!(removed.len(), 2, "{trace}");
    assert!(removed.iter().all(|(_, a)| a["detail"] == "removed"));
    assert!(deletes.iter().map(|d| d.0).max() <= removed.iter().map(|r| r.0).min());
    assert_eq!(count_actions(&trace, "create", "Pod", "replicaset"), 0, "nothing replaces them");
}

#[test]
fn foreground_delete_keeps_the_replicaset_until_its_pods_are_gone() {
    let c = rs_cluster();
    let first = Cluster::from_state(&c.state);
    first.ok(&["delete", "rs", "myapp", "--cascade=foreground", "--steps", "1"]);
    let rs = first.object("rs", "myapp").expect("foreground: the owner waits for its dependents");
    assert!(rs["metadata"]["deletionTimestamp"].is_string());
    assert_eq!(finalizers(&rs), ["foregroundDeletion"]);
    let ps = first.items("pods");
    assert_eq!(ps.len(), 2);
    for p in &ps {
        assert!(is_terminating(p), "{} is being deleted", name(p));
        // Upstream deletes dependents that own nothing in the background: no finalizer.
        assert!(finalizers(p).is_empty(), "{}: {:?}", name(p), finalizers(p));
    }

    let r = c.ok(&["delete", "rs", "myapp", "--cascade=foreground"]);
    snap!("gc__foreground_delete", r.transcript());
    assert!(c.object("rs", "myapp").is_none());
    assert!(c.items("pods").is_empty());

    let c = rs_cluster();
    let trace = c.ok(&["delete", "rs", "myapp", "--cascade=foreground", "-o", "json"]).json();
    // The pods finish their graceful deletion on their node (the kubelet removes them) …
    let pods_gone = find(&trace, "update", "Pod", "kubelet");
    assert_eq!(pods_gone.len(), 2, "{trace}");
    assert!(
        find(&trace, "update", "Pod", "garbage-collector").is_empty(),
        "the collector does not skip the kubelet"
    );
    // … and only then does the set go.
    let rs_gone = find(&trace, "update", "ReplicaSet", "garbage-collector");
    assert_eq!(rs_gone.len(), 1, "{trace}");
    assert_eq!(rs_gone[0].1["detail"], "removed");
    assert!(rs_gone[0].0 > pods_gone.iter().map(|p| p.0).max().unwrap());
}

#[test]
fn foreground_delete_waits_for_a_pod_stuck_on_a_failed_node() {
    let c = rs_cluster();
    c.ok(&["node", "fail", "k8s-node1"]);
    let stuck: Vec<String> =
        c.items("pods").iter().filter(|p| is_terminating(p)).map(|p| name(p).to_string()).collect();
    assert_eq!(stuck.len(), 1, "the evicted pod stays Terminating while the kubelet is down");

    c.ok(&["delete", "rs", "myapp", "--cascade=foreground"]);
    let rs = c.object("rs", "myapp").expect("the set waits for its last pod");
    assert_eq!(finalizers(&rs), ["foregroundDeletion"]);
    assert_eq!(names(&c.items("pods")), stuck);

    let trace = c.ok(&["node", "recover", "k8s-node1", "-o", "json"]).json();
    assert!(c.items("pods").is_empty());
    assert!(c.object("rs", "myapp").is_none(), "{trace}");
    let pod_gone = find(&trace, "update", "Pod", "kubelet");
    let rs_gone = find(&trace, "update", "ReplicaSet", "garbage-collector");
    assert_eq!((pod_gone.len(), rs_gone.len()), (1, 1), "{trace}");
    assert!(rs_gone[0].0 > pod_gone[0].0);
}

#[test]
fn foreground_delete_of_a_pod_still_waits_for_its_kubelet() {
    let c = rs_cluster();
    // The kubelet of k8s-node1 stops (one step: before any eviction is due).
    c.ok(&["node", "fail", "k8s-node1", "--steps", "1"]);
    let pods = c.items("pods");
    let on_node1 = name(pod_on(&pods, "k8s-node1")[0]).to_string();
    c.ok(&["delete", "pod", &on_node1, "--cascade=foreground"]);
    let p = c.object("pod", &on_node1).expect("a graceful pod deletion needs its kubelet");
    assert!(is_terminating(&p));
    assert!(finalizers(&p).is_empty(), "nothing depends on the pod: the finalizer goes at once");
    c.ok(&["node", "recover", "k8s-node1"]);
    assert!(c.object("pod", &on_node1).is_none());
}

#[test]
fn a_pod_with_a_finalizer_stays_terminating_until_it_is_removed() {
    let c = Cluster::seed_nodes();
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: keeper\n  finalizers: [example.com/keep]\nspec:\n  containers: [{name: c, image: nginx}]\n";
    c.ok(&["apply", "-f", &c.write("pod.yaml", pod)]);
    assert!(is_running_ready(&c.object("pod", "keeper").unwrap()));
    c.ok(&["delete", "pod", "keeper"]);
    let p = c.object("pod", "keeper").expect("the finalizer holds the pod");
    assert!(is_terminating(&p));
    assert_eq!(finalizers(&p), ["example.com/keep"]);
    // Its kubelet stopped the containers and, as upstream's since 1.27, the pod ended in a
    // terminal phase: kubectl no longer calls it Terminating but shows how it ended.
    assert_eq!(p["status"]["phase"], "Failed");
    assert!(c.ok(&["get", "pods"]).stdout.contains(" Error "));
    // Whoever owns the finalizer removes it: the deletion completes.
    c.ok(&["patch", "pod", "keeper", "-p", r#"{"metadata":{"finalizers":null}}"#]);
    assert!(c.object("pod", "keeper").is_none());
    // With the GC's own finalizer (foreground) on a running pod, the kubelet still stops it:
    // the collector drops its finalizer, then the kubelet removes the pod.
    c.ok(&[
        "apply",
        "-f",
        &c.write("pod2.yaml", &pod.replace("keeper", "fg").replace("  finalizers: [example.com/keep]\n", "")),
    ]);
    let trace = c.ok(&["delete", "pod", "fg", "--cascade=foreground", "-o", "json"]).json();
    assert!(c.object("pod", "fg").is_none());
    let dropped = find(&trace, "update", "Pod", "garbage-collector");
    // The kubelet stops the containers (the pod ends Failed while the collector's finalizer
    // holds it), then removes the pod once nothing holds it.
    let removed: Vec<_> = find(&trace, "update", "Pod", "kubelet")
        .into_iter()
        .filter(|(_, a)| a["detail"] == "removed")
        .collect();
    assert_eq!((dropped.len(), removed.len()), (1, 1), "{trace}");
    assert!(dropped[0].1["detail"].is_null(), "a patch, not a removal: {trace}");
    assert_eq!(removed[0].1["detail"], "removed");
    assert!(removed[0].0 > dropped[0].0);
}

#[test]
fn orphan_delete_keeps_the_pods_and_a_new_set_adopts_them() {
    let c = rs_cluster();
    let pods = names(&c.items("pods"));
    let first = Cluster::from_state(&c.state);
    first.ok(&["delete", "rs", "myapp", "--cascade=orphan", "--steps", "1"]);
    let rs = first.object("rs", "myapp").expect("orphan: the owner waits while dependents are released");
    assert_eq!(finalizers(&rs), ["orphan"]);

    c.ok(&["delete", "rs", "myapp", "--cascade=orphan"]);
    assert!(c.object("rs", "myapp").is_none());
    let ps = c.items("pods");
    assert_eq!(names(&ps), pods);
    assert!(ps.iter().all(|p| is_running_ready(p) && !has_owner_refs(p) && !is_terminating(p)));

    // A set whose selector matches adopts the orphans (claimPods) and creates nothing.
    let trace = c.ok(&["apply", "-f", &example("replicaset/rs-demo.yaml"), "-o", "json"]).json();
    let adoptions = find(&trace, "update", "Pod", "replicaset");
    assert_eq!(adoptions.len(), 2, "{trace}");
    assert_eq!(count_actions(&trace, "create", "Pod", "replicaset"), 0);
    let rs = c.object("rs", "myapp").unwrap();
    for p in c.items("pods") {
        assert_eq!(p["metadata"]["ownerReferences"][0]["uid"], rs["metadata"]["uid"]);
    }
}

// ---------------------------------------------------------------------------------------------
// Node faults

#[test]
fn failed_node_pods_are_evicted_after_300s_and_replaced_on_the_other_node() {
    let c = rs_cluster();
    let before = c.items("pods");
    let victim = name(pod_on(&before, "k8s-node1")[0]).to_string();
    let survivor = name(pod_on(&before, "k8s-node2")[0]).to_string();

    // Step 1 stops the kubelet; the node-monitor grace period later (step 2) its conditions
    // become Unknown; step 3 taints it and marks its pods not Ready, no eviction yet; step 4
    // the ReplicaSet counts one ready pod.
    let early = Cluster::from_state(&c.state);
    early.ok(&["node", "fail", "k8s-node1", "--steps", "4"]);
    let p = early.object("pod", &victim).unwrap();
    assert!(!is_running_ready(&p) && !is_terminating(&p), "marked not Ready, not evicted yet");
    let node = early.object("node", "k8s-node1").unwrap();
    assert_eq!(node["spec"]["taints"][0]["key"], "node.kubernetes.io/unreachable");
    assert_eq!(node["spec"]["taints"][0]["effect"], "NoExecute");
    assert_eq!(early.object("rs", "myapp").unwrap()["status"]["readyReplicas"], 1);

    let r = c.ok(&["node", "fail", "k8s-node1"]);
    snap!("nodes__fail", r.transcript());
    let c2 = rs_cluster();
    let trace = c2.ok(&["node", "fail", "k8s-node1", "-o", "json"]).json();
    let t0 = start_time(&trace);
    // upstream monitorNodeHealth: Unknown once the grace period (50 s) has strictly passed;
    // the taints follow on the next pass.
    let node_updates = find(&trace, "update", "Node", "node-lifecycle");
    assert_eq!(node_updates.iter().map(|(t, _)| t - t0).collect::<Vec<_>>(), [51, 52], "{trace}");
    let tainted_at = node_updates[1].0;
    let marked = find(&trace, "update", "Pod", "node-lifecycle");
    assert_eq!(marked.len(), 1);
    assert_eq!((marked[0].0, marked[0].1["name"].as_str().unwrap()), (tainted_at, victim.as_str()));
    let evictions = find(&trace, "delete", "Pod", "node-lifecycle");
    assert_eq!(evictions.len(), 1, "{trace}");
    assert_eq!(evictions[0].1["name"], victim.as_str());
    assert_eq!(evictions[0].0 - tainted_at, 300, "default tolerationSeconds for unreachable is 300");
    let creates = find(&trace, "create", "Pod", "replicaset");
    assert_eq!(creates.len(), 1);
    assert!(creates[0].0 > evictions[0].0, "the replacement comes after the eviction");
    let binds = find(&trace, "bind", "Pod", "scheduler");
    assert_eq!(binds.len(), 1);
    assert_eq!(binds[0].1["node"], "k8s-node2");

    for cl in [&c, &c2] {
        let ps = cl.items("pods");
        assert_eq!(ps.len(), 3);
        let v = ps.iter().find(|p| name(p) == victim).unwrap();
        assert!(is_terminating(v), "stays Terminating: its kubelet is down");
        let active: Vec<&Value> = ps.iter().filter(|p| !is_terminating(p)).collect();
        assert_eq!(active.len(), 2);
        assert!(active.iter().all(|p| node_of(p) == "k8s-node2" && is_running_ready(p)));
        assert!(active.iter().any(|p| name(p) == survivor));
        let rs = cl.object("rs", "myapp").unwrap();
        assert_eq!(
            (rs["status"]["replicas"].clone(), rs["status"]["readyReplicas"].clone()),
            (json!(2), json!(2))
        );
        assert!(cl.ok(&["get", "nodes"]).stdout.contains("k8s-node1   NotReady"));
    }

    // Recovery: the taint goes and the terminating pod finishes; nothing moves back.
    let r = c.ok(&["node", "recover", "k8s-node1"]);
    snap!("nodes__recover", r.transcript());
    let ps = c.items("pods");
    assert_eq!(ps.len(), 2);
    assert!(ps.iter().all(|p| is_running_ready(p) && node_of(p) == "k8s-node2"));
    assert!(!ps.iter().any(|p| name(p) == victim));
    let node = c.object("node", "k8s-node1").unwrap();
    assert!(node["spec"]["taints"].as_array().is_none_or(|t| t.is_empty()), "{node}");
    assert!(c.ok(&["get", "nodes"]).stdout.contains("k8s-node1   Ready"));
}

#[test]
fn toleration_seconds_decide_when_a_pod_is_evicted() {
    let c = Cluster::seed_nodes();
    let pod = |name: &str, toleration: Value| {
        json!({
            "apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {
                "nodeSelector": {"kubernetes.io/hostname": "k8s-node1"},
                "tolerations": [toleration],
                "containers": [{"name": "c", "image": "nginx"}],
            },
        })
    };
    let forever = pod(
        "forever",
        json!({"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"}),
    );
    let brief = pod(
        "brief",
        json!({"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 60}),
    );
    let text = format!(
        "{}\n---\n{}\n",
        serde_json::to_string(&forever).unwrap(),
        serde_json::to_string(&brief).unwrap()
    );
    let f = c.write("pods.yaml", &text);
    c.ok(&["apply", "-f", &f]);
    let trace = c.ok(&["node", "fail", "k8s-node1", "-o", "json"]).json();
    let t0 = start_time(&trace);
    let evictions = find(&trace, "delete", "Pod", "node-lifecycle");
    assert_eq!(evictions.len(), 1, "{trace}");
    assert_eq!(evictions[0].1["name"], "brief");
    // Tainted 52 s after the kubelet stopped (grace period, then the taint pass), evicted
    // tolerationSeconds later.
    assert_eq!(evictions[0].0 - t0, 52 + 60);
    assert!(is_terminating(&c.object("pod", "brief").unwrap()));
    let p = c.object("pod", "forever").unwrap();
    assert!(!is_terminating(&p), "tolerates the taint for ever");
    // Only the not-ready-by-default toleration was added by admission, not a second unreachable one.
    let tolerations = p["spec"]["tolerations"].as_array().unwrap();
    assert_eq!(tolerations.iter().filter(|t| t["key"] == "node.kubernetes.io/unreachable").count(), 1);
    assert!(tolerations
        .iter()
        .any(|t| t["key"] == "node.kubernetes.io/not-ready" && t["tolerationSeconds"] == 300));
}

#[test]
fn removed_node_pods_are_force_deleted_and_replaced() {
    let c = rs_cluster();
    let before = c.items("pods");
    let victim = name(pod_on(&before, "k8s-node1")[0]).to_string();
    let r = c.ok(&["node", "remove", "k8s-node1"]);
    snap!("nodes__remove", r.transcript());
    assert!(c.object("node", "k8s-node1").is_none());
    let ps = c.items("pods");
    assert_eq!(ps.len(), 2);
    assert!(!ps.iter().any(|p| name(p) == victim), "force-deleted, not left Terminating");
    assert!(ps.iter().all(|p| is_running_ready(p) && node_of(p) == "k8s-node2"));

    let c = rs_cluster();
    let trace = c.ok(&["node", "remove", "k8s-node1", "-o", "json"]).json();
    let gone = find(&trace, "update", "Pod", "pod-gc");
    assert_eq!(gone.len(), 1, "{trace}");
    assert_eq!(gone[0].1["name"], victim.as_str());
    assert_eq!(gone[0].1["detail"], "removed");
    assert_eq!(find(&trace, "create", "Pod", "replicaset").len(), 1);
}

// ---------------------------------------------------------------------------------------------
// Scheduler

/// A ReplicaSet manifest with extra pod spec fields.
fn rs(name: &str, replicas: i64, pod_spec: Value) -> String {
    let mut spec = json!({"containers": [{"name": "c", "image": "nginx"}]});
    for (k, v) in pod_spec.as_object().unwrap() {
        spec[k] = v.clone();
    }
    serde_json::to_string(&json!({
        "apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": spec},
        },
    }))
    .unwrap()
}

fn pods_of(c: &Cluster, app: &str) -> Vec<Value> {
    let r = c.ok(&["get", "pods", "-l", &format!("app={app}"), "-o", "json"]);
    r.json()["items"].as_array().cloned().unwrap_or_default()
}

fn pending_reason(c: &Cluster, pod: &str) -> String {
    let d = c.ok(&["describe", "pod", pod]).stdout;
    assert!(d.lines().any(|l| l.starts_with("Status:") && l.ends_with("Pending")), "{d}");
    assert!(d.lines().any(|l| l.trim_start().starts_with("PodScheduled") && l.contains("False")), "{d}");
    // The FailedScheduling event carries the scheduler's reason.
    d.lines()
        .find_map(|l| l.split_once("FailedScheduling").map(|(_, rest)| rest))
        .and_then(|rest| rest.split_once("default-scheduler"))
        .map(|(_, message)| message.trim().to_string())
        .unwrap_or_default()
}

#[test]
fn node_selector_restricts_the_nodes() {
    let c = Cluster::seed_nodes();
    c.ok(&["node", "add", "k8s-node3", "--labels", "disktype=ssd"]);
    let f = c.write("ssd.yaml", &rs("ssd", 3, json!({"nodeSelector": {"disktype": "ssd"}})));
    c.ok(&["apply", "-f", &f]);
    let ps = pods_of(&c, "ssd");
    assert_eq!(ps.len(), 3);
    assert!(ps.iter().all(|p| node_of(p) == "k8s-node3" && is_running_ready(p)));

    let f = c.write("nvme.yaml", &rs("nvme", 1, json!({"nodeSelector": {"disktype": "nvme"}})));
    c.ok(&["apply", "-f", &f]);
    let ps = pods_of(&c, "nvme");
    assert_eq!(ps.len(), 1);
    assert_eq!(node_of(&ps[0]), "", "fits nowhere: stays Pending");
    assert_eq!(
        pending_reason(&c, name(&ps[0])),
        "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
    );
    // Labelling a node lets it schedule.
    c.ok(&["patch", "node", "k8s-node2", "-p", r#"{"metadata":{"labels":{"disktype":"nvme"}}}"#]);
    let ps = pods_of(&c, "nvme");
    assert_eq!(node_of(&ps[0]), "k8s-node2");
    assert!(is_running_ready(&ps[0]));
}

#[test]
fn no_schedule_taints_need_a_toleration() {
    let c = Cluster::seed_nodes();
    let taint = r#"{"spec":{"taints":[{"key":"dedicated","value":"db","effect":"NoSchedule"}]}}"#;
    c.ok(&["patch", "node", "k8s-node1", "-p", taint]);
    let f = c.write("web.yaml", &rs("web", 4, json!({})));
    c.ok(&["apply", "-f", &f]);
    let ps = pods_of(&c, "web");
    assert_eq!(ps.len(), 4);
    assert!(ps.iter().all(|p| node_of(p) == "k8s-node2"), "untolerated NoSchedule taint");

    let toleration = json!({"tolerations": [{"key": "dedicated", "operator": "Equal", "value": "db", "effect": "NoSchedule"}]});
    let f = c.write("db.yaml", &rs("db", 2, toleration));
    c.ok(&["apply", "-f", &f]);
    let ps = pods_of(&c, "db");
    assert_eq!(ps.len(), 2);
    assert!(ps.iter().all(is_running_ready));
    // The first goes to the emptier k8s-node1 (LeastAllocated 95 against 87); the second
    // would too by LeastAllocated alone, but the system default spreading (by hostname, over
    // the ReplicaSet's selector) scores k8s-node1, which already runs one `db` pod, 66 against
    // 100 with weight 2, and that outweighs the 8 points: one on each node, as upstream.
    let mut nodes: Vec<&str> = ps.iter().map(node_of).collect();
    nodes.sort();
    assert_eq!(nodes, ["k8s-node1", "k8s-node2"]);

    // Both nodes tainted, no toleration: Pending with the taint named.
    c.ok(&["patch", "node", "k8s-node2", "-p", taint]);
    let f = c.write("late.yaml", &rs("late", 1, json!({})));
    c.ok(&["apply", "-f", &f]);
    let ps = pods_of(&c, "late");
    assert_eq!(node_of(&ps[0]), "");
    assert_eq!(
        pending_reason(&c, name(&ps[0])),
        "0/2 nodes are available: 2 node(s) had untolerated taint {dedicated: db}. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling."
    );
}

/// Two small nodes: 2 cpu, 4Gi, 3 pods each.
const SMALL_NODES: &str = r#"
apiVersion: v1
kind: Node
metadata: {name: small-a}
status:
  allocatable: {cpu: "2", memory: 4Gi, pods: "3"}
  conditions: [{type: Ready, status: "True"}]
---
apiVersion: v1
kind: Node
metadata: {name: small-b}
status:
  allocatable: {cpu: "2", memory: 4Gi, pods: "3"}
  conditions: [{type: Ready, status: "True"}]
"#;

fn small_cluster() -> Cluster {
    let c = Cluster::new();
    let f = c.write("nodes.yaml", SMALL_NODES);
    c.ok(&["apply", "-f", &f]);
    c
}

#[test]
fn requests_larger_than_any_node_stay_pending() {
    let c = small_cluster();
    let big = json!({"containers": [{"name": "c", "image": "nginx", "resources": {"requests": {"cpu": "3", "memory": "8Gi"}}}]});
    let f = c.write("big.yaml", &rs("big", 1, big));
    c.ok(&["apply", "-f", &f]);
    let ps = pods_of(&c, "big");
    assert_eq!(node_of(&ps[0]), "");
    assert_eq!(
        pending_reason(&c, name(&ps[0])),
        "0/2 nodes are available: 2 Insufficient cpu, 2 Insufficient memory. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod."
    );
    assert!(c.ok(&["get", "pods"]).stdout.contains("Pending"));
    snap!("scheduler__describe_pending", c.ok(&["describe", "pod", name(&ps[0])]).transcript());
}

#[test]
fn cpu_requests_and_pod_slots_bound_how_many_pods_fit() {
    // 1500m each: one per 2-cpu node.
    let c = small_cluster();
    let spec =
        json!({"containers": [{"name": "c", "image": "nginx", "resources": {"requests": {"cpu": "1500m"}}}]});
    let f = c.write("cpu.yaml", &rs("cpu", 3, spec));
    c.ok(&["apply", "-f", &f]);
    let ps = pods_of(&c, "cpu");
    assert_eq!(ps.len(), 3);
    let bound: Vec<&str> = ps.iter().map(node_of).filter(|n| !n.is_empty()).collect();
    assert_eq!(bound.len(), 2, "one per node");
    assert_ne!(bound[0], bound[1]);
    let pending = ps.iter().find(|p| node_of(p).is_empty()).unwrap();
    assert_eq!(pending_reason(&c, name(pending)), "0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.");

    // Pod slots: 3 per node, 6 in all.
    let c = small_cluster();
    let f = c.write("many.yaml", &rs("many", 8, json!({})));
    c.ok(&["apply", "-f", &f]);
    let ps = pods_of(&c, "many");
    assert_eq!(ps.len(), 8);
    let mut per: std::collections::BTreeMap<&str, usize> = Default::default();
    for p in &ps {
        *per.entry(node_of(p)).or_default() += 1;
    }
    assert_eq!(per, [("", 2), ("small-a", 3), ("small-b", 3)].into_iter().collect());
    let pending = ps.iter().find(|p| node_of(p).is_empty()).unwrap();
    assert_eq!(pending_reason(&c, name(pending)), "0/2 nodes are available: 2 Too many pods. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.");
    // Room appears: the pending pods schedule.
    c.ok(&["node", "add", "small-c", "--pods", "3"]);
    let ps = pods_of(&c, "many");
    assert!(ps.iter().all(is_running_ready));
    assert_eq!(ps.iter().filter(|p| node_of(p) == "small-c").count(), 2);
}

#[test]
fn scale_up_fills_the_emptiest_node_first() {
    // After a failed node recovers it is empty: LeastAllocated, one pod at a time, sends both
    // new pods there.
    let c = rs_cluster();
    c.ok(&["node", "fail", "k8s-node1"]);
    c.ok(&["node", "recover", "k8s-node1"]);
    let ps = c.items("pods");
    assert!(ps.iter().all(|p| node_of(p) == "k8s-node2"));
    let trace = c.ok(&["scale", "rs/myapp", "--replicas=4", "-o", "json"]).json();
    let binds = find(&trace, "bind", "Pod", "scheduler");
    assert_eq!(binds.len(), 2);
    assert!(binds.iter().all(|(_, b)| b["node"] == "k8s-node1"), "{trace}");
}

/// Three nodes: two in zone a, one in zone b.
fn zoned_cluster() -> Cluster {
    let c = Cluster::seed_nodes();
    c.ok(&["patch", "node", "k8s-node1", "-p", r#"{"metadata":{"labels":{"zone":"a"}}}"#]);
    c.ok(&["patch", "node", "k8s-node2", "-p", r#"{"metadata":{"labels":{"zone":"b"}}}"#]);
    c.ok(&["node", "add", "k8s-node3", "--labels", "zone=a"]);
    c
}

fn required_affinity(terms: Value) -> Value {
    json!({"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": terms}}}})
}

#[test]
fn required_node_affinity_places_pods_only_on_matching_nodes() {
    let c = zoned_cluster();
    let terms = json!([{"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}]}]);
    let f = c.write("zone-a.yaml", &rs("zone-a", 4, required_affinity(terms)));
    c.ok(&["apply", "-f", &f]);
    let ps = pods_of(&c, "zone-a");
    assert_eq!(ps.len(), 4);
    assert!(ps.iter().all(is_running_ready));
    let mut on: Vec<&str> = ps.iter().map(node_of).collect();
    on.sort();
    assert_eq!(on, ["k8s-node1", "k8s-node1", "k8s-node3", "k8s-node3"], "spread over zone a only");

    // NotIn and Exists ANDed in one term, ORed with a term that matches nothing.
    let terms = json!([
        {"matchExpressions": [{"key": "zone", "operator": "Exists"}, {"key": "zone", "operator": "NotIn", "values": ["a"]}]},
        {"matchExpressions": [{"key": "gpu", "operator": "Exists"}]},
    ]);
    let f = c.write("not-a.yaml", &rs("not-a", 2, required_affinity(terms)));
    c.ok(&["apply", "-f", &f]);
    assert!(pods_of(&c, "not-a").iter().all(|p| node_of(p) == "k8s-node2"));

    // Nothing matches: Pending, and describe shows the scheduler's words.
    let terms = json!([{"matchExpressions": [{"key": "zone", "operator": "In", "values": ["c"]}]}]);
    let f = c.write("zone-c.yaml", &rs("zone-c", 1, required_affinity(terms)));
    c.ok(&["apply", "-f", &f]);
    let ps = pods_of(&c, "zone-c");
    assert_eq!(node_of(&ps[0]), "");
    assert_eq!(
        pending_reason(&c, name(&ps[0])),
        "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
    );
}

#[test]
fn match_fields_on_the_node_name_pins_a_pod_to_that_node() {
    let c = small_cluster();
    let pinned = |node: &str| {
        required_affinity(
            json!([{"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node]}]}]),
        )
    };
    let f = c.write("pinned.yaml", &rs("pinned", 2, pinned("small-b")));
    c.ok(&["apply", "-f", &f]);
    let ps = pods_of(&c, "pinned");
    assert!(ps.iter().all(|p| node_of(p) == "small-b" && is_running_ready(p)), "both on small-b");

    // small-b has 3 pod slots: a third and fourth pinned pod find it full. The other node is
    // left out by NodeAffinity's PreFilter, as a DaemonSet pod's FailedScheduling shows.
    c.ok(&["scale", "rs/pinned", "--replicas=4"]);
    let ps = pods_of(&c, "pinned");
    let pending: Vec<&Value> = ps.iter().filter(|p| node_of(p).is_empty()).collect();
    assert_eq!(pending.len(), 1, "3 pod slots on small-b");
    assert_eq!(
        pending_reason(&c, name(pending[0])),
        "0/2 nodes are available: 1 Too many pods, 1 node(s) didn't satisfy plugin(s) [NodeAffinity]. preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling."
    );
    snap!("scheduler__describe_pinned_pending", c.ok(&["describe", "pod", name(pending[0])]).transcript());
}

#[test]
fn an_unschedulable_node_gets_nothing_unless_tolerated() {
    let c = Cluster::seed_nodes();
    c.ok(&["patch", "node", "k8s-node1", "-p", r#"{"spec":{"unschedulable":true}}"#]);
    // The node lifecycle controller turns spec.unschedulable into a taint.
    let node = c.object("node", "k8s-node1").unwrap();
    assert_eq!(
        node["spec"]["taints"],
        json!([{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}])
    );
    let f = c.write("web.yaml", &rs("web", 3, json!({})));
    c.ok(&["apply", "-f", &f]);
    assert!(pods_of(&c, "web").iter().all(|p| node_of(p) == "k8s-node2"), "cordoned node skipped");

    // A pod tolerating the unschedulable taint (as DaemonSet pods do) may land there: it is
    // the emptier node.
    let toleration = json!({"tolerations": [{"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"}]});
    let f = c.write("agent.yaml", &rs("agent", 1, toleration));
    c.ok(&["apply", "-f", &f]);
    assert_eq!(node_of(&pods_of(&c, "agent")[0]), "k8s-node1");

    // Both cordoned: Pending with NodeUnschedulable's reason.
    c.ok(&["patch", "node", "k8s-node2", "-p", r#"{"spec":{"unschedulable":true}}"#]);
    let f = c.write("late.yaml", &rs("late", 1, json!({})));
    c.ok(&["apply", "-f", &f]);
    let ps = pods_of(&c, "late");
    assert_eq!(pending_reason(&c, name(&ps[0])), "0/2 nodes are available: 2 node(s) were unschedulable. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.");

    // Uncordoned: the taint goes and the pod schedules.
    c.ok(&["patch", "node", "k8s-node1", "-p", r#"{"spec":{"unschedulable":false}}"#]);
    let node = c.object("node", "k8s-node1").unwrap();
    assert!(node["spec"]["taints"].as_array().is_none_or(|t| t.is_empty()), "{node}");
    assert_eq!(node_of(&pods_of(&c, "late")[0]), "k8s-node1");
}

#[test]
fn a_not_ready_node_gets_nothing() {
    let c = Cluster::seed_nodes();
    c.ok(&["node", "fail", "k8s-node1", "--steps", "3"]);
    let node = c.object("node", "k8s-node1").unwrap();
    let taints: Vec<(&str, &str)> = node["spec"]["taints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["key"].as_str().unwrap(), t["effect"].as_str().unwrap()))
        .collect();
    assert_eq!(
        taints,
        [("node.kubernetes.io/unreachable", "NoExecute"), ("node.kubernetes.io/unreachable", "NoSchedule")]
    );
    let f = c.write("web.yaml", &rs("web", 4, json!({})));
    c.ok(&["apply", "-f", &f]);
    assert!(pods_of(&c, "web").iter().all(|p| node_of(p) == "k8s-node2"), "the NotReady node is skipped");

    // Both down: the pods stay Pending with the taint named.
    c.ok(&["node", "fail", "k8s-node2", "--steps", "3"]);
    let f = c.write("late.yaml", &rs("late", 1, json!({})));
    c.ok(&["apply", "-f", &f, "--steps", "3"]);
    let ps = pods_of(&c, "late");
    assert_eq!(
        pending_reason(&c, name(&ps[0])),
        "0/2 nodes are available: 2 node(s) had untolerated taint {node.kubernetes.io/unreachable: }. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling."
    );
}

#[test]
fn host_ports_keep_pods_apart() {
    let c = Cluster::seed_nodes();
    let spec = json!({"containers": [{"name": "c", "image": "nginx", "ports": [{"containerPort": 80, "hostPort": 8080}]}]});
    let f = c.write("hp.yaml", &rs("hp", 3, spec));
    c.ok(&["apply", "-f", &f]);
    let ps = pods_of(&c, "hp");
    let mut on: Vec<&str> = ps.iter().map(node_of).collect();
    on.sort();
    assert_eq!(on, ["", "k8s-node1", "k8s-node2"], "one pod per node holds host port 8080");
    let pending = ps.iter().find(|p| node_of(p).is_empty()).unwrap();
    assert_eq!(
        pending_reason(&c, name(pending)),
        "0/2 nodes are available: 2 node(s) didn't have free ports for the requested pod ports. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod."
    );
}

#[test]
fn a_pod_created_with_a_node_name_skips_the_scheduler() {
    let c = Cluster::seed_nodes();
    c.ok(&["patch", "node", "k8s-node1", "-p", r#"{"spec":{"unschedulable":true}}"#]);
    let pod = json!({
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "direct"},
        "spec": {"nodeName": "k8s-node1", "containers": [{"name": "c", "image": "nginx"}]},
    });
    let f = c.write("direct.yaml", &serde_json::to_string(&pod).unwrap());
    let trace = c.ok(&["apply", "-f", &f, "-o", "json"]).json();
    assert!(find(&trace, "bind", "Pod", "scheduler").is_empty(), "already bound: {trace}");
    let p = c.object("pod", "direct").unwrap();
    assert_eq!(node_of(&p), "k8s-node1", "a cordon does not stop a pod that names its node");
    assert!(is_running_ready(&p));
}

#[test]
fn extended_resources_are_counted_against_node_allocatable() {
    let c = Cluster::new();
    let nodes = r#"
apiVersion: v1
kind: Node
metadata: {name: gpu-node}
status:
  allocatable: {cpu: "8", memory: 16Gi, pods: "110", example.com/gpu: "2"}
  conditions: [{type: Ready, status: "True"}]
---
apiVersion: v1
kind: Node
metadata: {name: cpu-node}
status:
  allocatable: {cpu: "8", memory: 16Gi, pods: "110"}
  conditions: [{type: Ready, status: "True"}]
"#;
    let f = c.write("nodes.yaml", nodes);
    c.ok(&["apply", "-f", &f]);
    let spec = json!({"containers": [{"name": "c", "image": "cuda", "resources": {"requests": {"example.com/gpu": "1"}}}]});
    let f = c.write("gpu.yaml", &rs("gpu", 3, spec));
    c.ok(&["apply", "-f", &f]);
    let ps = pods_of(&c, "gpu");
    let on_gpu = ps.iter().filter(|p| node_of(p) == "gpu-node").count();
    assert_eq!(on_gpu, 2, "two GPUs, two pods");
    let pending = ps.iter().find(|p| node_of(p).is_empty()).unwrap();
    assert_eq!(pending_reason(&c, name(pending)), "0/2 nodes are available: 2 Insufficient example.com/gpu. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.");
}

// ---------------------------------------------------------------------------------------------
// plan and diff for CI

#[test]
fn plan_detailed_exitcode_and_diff() {
    let c = Cluster::seed_nodes();
    let state = c.state_bytes();
    let manifest =
        c.write("rs-demo.yaml", &std::fs::read_to_string(example("replicaset/rs-demo.yaml")).unwrap());

    let plan = c.code(&["plan", "-f", &manifest, "--detailed-exitcode"], 2);
    assert!(plan.stdout.contains("converged after"), "{}", plan.stdout);
    assert_eq!(c.state_bytes(), state, "plan writes nothing");
    c.code(&["plan", "-f", &manifest], 0);
    let trace = c.ok(&["plan", "-f", &manifest, "-o", "json"]).json();
    assert_eq!(count_actions(&trace, "create", "Pod", "replicaset"), 2);
    assert_eq!(c.state_bytes(), state);

    let d = c.code(&["diff", "-f", &manifest], 1);
    assert!(d.stdout.contains("+kind: ReplicaSet"), "{}", d.stdout);
    assert_eq!(c.state_bytes(), state, "diff writes nothing");

    c.ok(&["apply", "-f", &manifest]);
    c.code(&["plan", "-f", &manifest, "--detailed-exitcode"], 0);
    let d = c.code(&["diff", "-f", &manifest], 0);
    assert_eq!(d.stdout, "");

    let text = std::fs::read_to_string(&manifest).unwrap().replace("myapp:v1", "myapp:v2");
    std::fs::write(&manifest, text).unwrap();
    let d = c.code(&["diff", "-f", &manifest], 1);
    snap!("diff__image_change", d.transcript());
    // both sides as kubectl prints them: keys sorted, so `image` leads the container
    assert!(d.stdout.contains("-      - image: ikubernetes/myapp:v1"), "{}", d.stdout);
    assert!(d.stdout.contains("+      - image: ikubernetes/myapp:v2"), "{}", d.stdout);
    let plan = c.code(&["plan", "-f", &manifest, "--detailed-exitcode"], 2);
    snap!("plan__image_change", plan.transcript());
}

#[test]
fn a_gated_pod_waits_for_its_gates_to_be_removed() {
    let c = small_cluster();
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "gated"},
        "spec": {"schedulingGates": [{"name": "example.com/quota"}], "containers": [{"name": "c", "image": "nginx"}]}});
    let f = c.write("gated.yaml", &pod.to_string());
    c.ok(&["apply", "-f", &f]);
    let table = c.ok(&["get", "pods"]).stdout;
    assert_eq!(row(&table, "gated")[2], "SchedulingGated", "{table}");
    assert_eq!(node_of(&c.object("Pod", "gated").unwrap()), "");
    c.ok(&["patch", "pod", "gated", "-p", r#"{"spec":{"schedulingGates":null}}"#]);
    let p = c.object("Pod", "gated").unwrap();
    assert!(is_running_ready(&p), "{p}");
}

#[test]
fn a_pod_pinned_by_node_name_to_a_full_node_is_refused_by_the_kubelet() {
    let c = small_cluster();
    let pinned = |name: &str| {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": {"nodeName": "small-a",
            "containers": [{"name": "c", "image": "nginx", "resources": {"requests": {"cpu": "1500m"}}}]}})
        .to_string()
    };
    let f = c.write("first.yaml", &pinned("first"));
    c.ok(&["apply", "-f", &f]);
    assert!(is_running_ready(&c.object("Pod", "first").unwrap()));
    let f = c.write("second.yaml", &pinned("second"));
    c.ok(&["apply", "-f", &f]);
    let p = c.object("Pod", "second").unwrap();
    assert_eq!(str_at(&p, "/status/phase"), "Failed");
    assert_eq!(str_at(&p, "/status/reason"), "OutOfcpu");
    let table = c.ok(&["get", "pods"]).stdout;
    assert_eq!(row(&table, "second")[2], "OutOfcpu", "{table}");
    let d = c.ok(&["describe", "pod", "second"]).stdout;
    assert!(d.contains("Warning  OutOfcpu"), "{d}");
}
