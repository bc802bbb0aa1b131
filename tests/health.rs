//! The health verdict through the binary: one case per unhealthy cause, each with its exit 4
//! under `--require-healthy` (and exit 0 without it), the healthy line, the verdict in the JSON
//! trace, and `plan --detailed-exitcode` giving way to the verdict.

mod common;

use common::*;
use serde_json::Value;

/// A workload manifest: `kind` with `replicas` (when `Some`) and one container with `extra`
/// lines under the container (resources, …) and `meta` lines under the template metadata.
fn workload(kind: &str, name: &str, replicas: Option<i64>, container_extra: &str, meta: &str) -> String {
    let replicas = replicas.map(|r| format!("  replicas: {r}\n")).unwrap_or_default();
    format!(
        "apiVersion: apps/v1\nkind: {kind}\nmetadata: {{name: {name}}}\nspec:\n{replicas}  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata:\n      labels: {{app: {name}}}\n{meta}    spec:\n      containers:\n      - name: c\n        image: nginx:1.12\n{container_extra}"
    )
}

fn cpu(n: &str) -> String {
    format!("        resources: {{requests: {{cpu: \"{n}\"}}}}\n")
}

/// The problems of the verdict in a reconciling command's JSON trace: (subject, cause, message).
fn problems(c: &Cluster, args: &[&str]) -> Vec<(String, String, String)> {
    let args: Vec<&str> = args.iter().copied().chain(["-o", "json"]).collect();
    let trace = c.ok(&args).json();
    trace["health"]["problems"]
        .as_array()
        .expect("a health verdict in the trace")
        .iter()
        .map(|p| {
            let s = |f: &str| p[f].as_str().unwrap_or("").to_string();
            (s("subject"), s("cause"), s("message"))
        })
        .collect()
}

/// Write a manifest into the cluster's directory, apply it, and return the verdict's problems.
fn apply_problems(c: &Cluster, file: &str, manifest: &str) -> Vec<(String, String, String)> {
    let f = c.write(file, manifest);
    problems(c, &["apply", "-f", &f])
}

/// `run --require-healthy` exits 4 and prints the verdict's lines; without the flag, exit 0.
fn unhealthy_exit(c: &Cluster) -> String {
    let strict = c.code(&["run", "--require-healthy"], 4);
    c.ok(&["run"]);
    strict.stdout
}

#[test]
fn a_converged_cluster_is_healthy() {
    let c = Cluster::seed_nodes();
    let out = c.ok(&["apply", "-f", &example("replicaset"), "--require-healthy"]);
    assert!(out.stdout.ends_with("healthy: 2 pods running on 2 nodes\n"), "{}", out.stdout);
    let trace = c.ok(&["run", "-o", "json"]).json();
    assert_eq!(trace["health"], serde_json::json!({"healthy": true, "problems": []}));
}

/// A Deployment whose pods fit no node: the controller's ProgressDeadlineExceeded after the
/// 600 s deadline, and the scheduler's reason with the numbers (3 cpu asked; each 4-cpu node
/// has 1 left after one pod).
#[test]
fn a_deployment_past_its_progress_deadline() {
    let c = Cluster::seed_nodes();
    let f = c.write("big.yaml", &workload("Deployment", "big", Some(3), &cpu("3"), ""));
    let plan = c.code(&["plan", "-f", &f, "--detailed-exitcode", "--require-healthy"], 4);
    assert!(plan.stdout.contains("unhealthy: 2 problems"), "{}", plan.stdout);
    c.code(&["plan", "-f", &f, "--detailed-exitcode"], 2);
    let got = problems(&c, &["apply", "-f", &f]);
    assert_eq!(got.len(), 2, "{got:?}");
    let (subject, cause, message) = &got[0];
    assert_eq!((subject.as_str(), cause.as_str()), ("deployment.apps/big", "ProgressDeadlineExceeded"));
    assert!(
        message.contains("has timed out progressing") && message.contains("2 of 3 replicas available"),
        "{message}"
    );
    let (subject, cause, message) = &got[1];
    assert!(subject.starts_with("replicaset.apps/big-"), "{subject}");
    assert_eq!(cause, "Unschedulable");
    assert!(
        message.starts_with("1 pod Pending: 0/2 nodes are available: 2 Insufficient cpu.")
            && message.ends_with("Each pod requests cpu 3; the largest free is 1 on k8s-node1."),
        "{message}"
    );
    unhealthy_exit(&c);
}

#[test]
fn a_cluster_without_nodes() {
    let c = Cluster::new();
    let got = problems(&c, &["apply", "-f", &example("replicaset")]);
    assert_eq!(got[0].0, "cluster");
    assert_eq!(got[0].1, "NoNodes");
    assert!(
        got[0].2.contains("2 pods cannot be scheduled") && got[0].2.contains("konverge node add"),
        "{got:?}"
    );
    let out = unhealthy_exit(&c);
    assert!(out.contains("NoNodes: the cluster has no nodes"), "{out}");
}

/// A claim no volume satisfies, with the PersistentVolume controller's FailedBinding words.
#[test]
fn a_claim_that_does_not_bind() {
    let c = Cluster::seed_nodes();
    let got = apply_problems(&c, "claim.yaml", "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n");
    assert_eq!(
        got,
        vec![(
            "persistentvolumeclaim/data".to_string(),
            "ClaimNotBound".to_string(),
            "Pending: no persistent volumes available for this claim and no storage class is set".to_string()
        )]
    );
    unhealthy_exit(&c);
}

#[test]
fn a_failed_job() {
    let c = Cluster::seed_nodes();
    let got = problems(&c, &["apply", "-f", &example("job/failing.yaml")]);
    let job: Vec<_> = got.iter().filter(|p| p.1 == "JobFailed").collect();
    assert_eq!(job.len(), 1, "{got:?}");
    assert_eq!(job[0].0, "job.batch/fails");
    assert!(
        job[0].2.starts_with("BackoffLimitExceeded: Job has reached the specified backoff limit"),
        "{got:?}"
    );
    assert!(job[0].2.ends_with("(4 failed, 0 succeeded)"), "{got:?}");
    // The Job's own failed pods are the Job's business, not separate problems.
    assert_eq!(got.len(), 1, "{got:?}");
    unhealthy_exit(&c);
}

/// A DaemonSet whose pod fits no node: each node has its daemon pod, none available.
#[test]
fn a_daemonset_short_of_available_pods() {
    let c = Cluster::seed_nodes();
    let got = apply_problems(&c, "ds.yaml", &workload("DaemonSet", "agent", None, &cpu("5"), ""));
    assert_eq!(got[0].0, "daemonset.apps/agent");
    assert_eq!(got[0].1, "NotReady");
    assert_eq!(got[0].2, "0 of 2 daemon pods available");
    assert_eq!(got[1].1, "Unschedulable", "{got:?}");
    assert!(got[1].2.starts_with("2 pods Pending:"), "{got:?}");
    assert!(got[1].2.ends_with("Each pod requests cpu 5; the largest free is 4 on k8s-node1."), "{got:?}");
    unhealthy_exit(&c);
}

#[test]
fn a_statefulset_whose_image_does_not_pull() {
    let c = Cluster::seed_nodes();
    let meta = "      annotations: {konverge.io/image-pull: fail}\n";
    let got = apply_problems(&c, "sts.yaml", &workload("StatefulSet", "db", Some(2), "", meta));
    // OrderedReady: pod 0 never pulls its image, so pod 1 is never created.
    assert_eq!(got[0], ("statefulset.apps/db".into(), "NotReady".into(), "0 of 2 replicas ready".into()));
    assert_eq!(got[1].0, "statefulset.apps/db");
    assert_eq!(got[1].1, "ImagePullBackOff");
    assert!(got[1].2.starts_with("1 pod not running: container c:"), "{got:?}");
    unhealthy_exit(&c);
}

#[test]
fn an_ownerless_replicaset_with_crashing_pods() {
    let c = Cluster::seed_nodes();
    let meta = "      annotations: {konverge.io/crash: \"true\"}\n";
    let got = apply_problems(&c, "rs.yaml", &workload("ReplicaSet", "crashy", Some(2), "", meta));
    assert_eq!(
        got[0],
        ("replicaset.apps/crashy".into(), "NotReady".into(), "0 of 2 replicas available".into())
    );
    assert_eq!(got[1].1, "CrashLoopBackOff", "{got:?}");
    assert_eq!(got.len(), 2, "the two pods are one problem: {got:?}");
    assert!(got[1].2.starts_with("2 pods not running, as crashy-"), "{got:?}");
    assert!(
        got[1].2.contains(": container c: back-off 10s restarting failed container=c pod=crashy-"),
        "{got:?}"
    );
    unhealthy_exit(&c);
}

/// A bare pod pinned to a node without room: the kubelet refuses it (OutOfcpu).
#[test]
fn a_pod_the_kubelet_refuses() {
    let c = Cluster::seed_nodes();
    let got = apply_problems(&c, "pod.yaml", &format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: pinned}}\nspec:\n  nodeName: k8s-node1\n  containers:\n  - name: c\n    image: nginx:1.12\n{}",
            cpu("8").replacen("        ", "    ", 1)
        ));
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!((got[0].0.as_str(), got[0].1.as_str()), ("pod/pinned", "OutOfcpu"));
    assert!(got[0].2.contains("Node didn't have enough resource: cpu"), "{got:?}");
    unhealthy_exit(&c);
}

/// A failed node is a problem of its own, named with its Ready condition.
#[test]
fn a_node_that_is_not_ready() {
    let c = Cluster::seed_nodes();
    c.ok(&["apply", "-f", &example("replicaset")]);
    let got = problems(&c, &["node", "fail", "k8s-node1"]);
    assert_eq!(got[0].0, "node/k8s-node1");
    assert_eq!(got[0].1, "NodeNotReady");
    assert!(got[0].2.starts_with("NotReady (Ready=Unknown, NodeStatusUnknown)"), "{got:?}");
    // The ReplicaSet's pods moved to k8s-node2: nothing else is wrong.
    assert_eq!(got.len(), 1, "{got:?}");
    unhealthy_exit(&c);
}

/// A gated pod waits for its gates: Pending for a reason the scheduler does not give.
#[test]
fn a_pod_held_by_scheduling_gates() {
    let c = Cluster::seed_nodes();
    let got = apply_problems(&c, "gated.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: gated}\nspec:\n  schedulingGates: [{name: example.com/quota}]\n  containers:\n  - {name: c, image: nginx:1.12}\n");
    assert_eq!(
        got,
        vec![(
            "pod/gated".into(),
            "SchedulingGated".into(),
            "waiting for scheduling gates example.com/quota".into()
        )]
    );
    unhealthy_exit(&c);
}

/// Stopping on purpose is not judged a failure: `--steps` exits 0 even when unhealthy.
#[test]
fn a_run_stopped_on_purpose_exits_zero() {
    let c = Cluster::seed_nodes();
    let out = c.ok(&["apply", "-f", &example("replicaset"), "--steps", "1", "--require-healthy"]);
    assert!(
        out.stdout.contains("\nnot healthy yet (the run stopped before converging): 1 problem\n"),
        "{}",
        out.stdout
    );
    let trace: Value = c.ok(&["run", "--steps", "1", "-o", "json"]).json();
    assert!(trace["health"]["healthy"].is_boolean());
}
