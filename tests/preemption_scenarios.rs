//! Priority and preemption through the `konverge` binary: a node full of a low-priority
//! Deployment's pods, then a pod of a higher PriorityClass. The scheduler preempts one victim
//! (DisruptionTarget, graceful deletion, the Preempted event), nominates the node for the pod
//! (`get pods -o wide` NOMINATED NODE), binds it there once the victim is gone, and the
//! Deployment's replacement pod stays Pending with PostFilter's words. A pod whose class says
//! `preemptionPolicy: Never` waits instead.

mod common;

use common::*;
use serde_json::Value;

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

    // What it asks for against the room left: both batch pods hold node-1's one cpu.
    let described = k.ok(&["describe", "pod", "polite"]).stdout;
    assert!(described.contains("\nRoom on nodes:\n"), "{described}");
    assert_eq!(row(&described, "cpu"), ["cpu", "500m", "0", "(node-1)", "!"], "{described}");
    assert_eq!(row(&described, "pods"), ["pods", "1", "108", "(node-1)"], "{described}");
    let bound = k.ok(&["describe", "pod", name(&k.live_pods()[0])]).stdout;
    assert!(!bound.contains("Room on nodes:"), "only for a pod the scheduler could not place");
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

/// A workload whose pod template names a PriorityClass that does not exist: upstream's
/// controllers get the admission plugin's 403 from every create and record it —
/// `PodControl.CreatePods`' "Error creating: …" (ReplicaSet, DaemonSet, Job) or the
/// StatefulSet's "create Pod … failed error: …" as a `FailedCreate` Warning, the ReplicaSet
/// also as its `ReplicaFailure` condition (`calculateStatus`) — and try again later, one pod
/// first (`slowStartBatch`). The run converges instead of proposing the refused creates until
/// `--max-steps`; once the class exists the pods are created and the condition is cleared in
/// that same sync (`calculateStatus`: removed when `manageReplicas` returned no error), while a
/// sync whose create is refused keeps it. A Deployment carries its ReplicaSet's condition while
/// it rolls out (`syncRolloutStatus` → `getReplicaFailures`) and removes it the sync after.
#[test]
fn a_template_naming_an_unknown_class_fails_its_creates_until_the_class_exists() {
    let template = "metadata: {labels: {app: web}}
    spec:
      priorityClassName: gold
      restartPolicy: RESTART
      containers:
      - {name: web, image: nginx:1.27, resources: {requests: {cpu: 100m}}}";
    let workload = |kind: &str, api: &str, spec: &str, restart: &str| {
        format!(
            "apiVersion: {api}\nkind: {kind}\nmetadata: {{name: web, namespace: default}}\nspec:\n{spec}  selector: {{matchLabels: {{app: web}}}}\n  template:\n    {}\n",
            template.replace("RESTART", restart)
        )
    };
    let cases = [
        // (kind, manifest, the Warning's message, the object the health verdict names)
        (
            "Deployment",
            workload("Deployment", "apps/v1", "  replicas: 3\n", "Always"),
            "Error creating: pods \"web-",
            "replicaset.apps/web-",
        ),
        (
            "DaemonSet",
            workload("DaemonSet", "apps/v1", "", "Always"),
            "Error creating: pods \"web-\" is forbidden",
            "daemonset.apps/web",
        ),
        (
            "StatefulSet",
            workload("StatefulSet", "apps/v1", "  replicas: 2\n  serviceName: web\n", "Always"),
            "create Pod web-0 in StatefulSet web failed error: pods \"web-0\" is forbidden",
            "statefulset.apps/web",
        ),
        (
            "Job",
            workload("Job", "batch/v1", "  completions: 2\n  parallelism: 2\n", "Never")
                .replace("  selector: {matchLabels: {app: web}}\n", ""),
            "Error creating: pods \"web-\" is forbidden",
            "job.batch/web",
        ),
    ];
    for (kind, manifest, message, subject) in cases {
        let k = full_node();
        let f = k.write("web.yaml", &manifest);
        let (run, trace, _) = k.replay(&["apply", "-f", &f]);
        assert!(run.stdout.contains("\nconverged after"), "{kind}: the run converges\n{}", run.stdout);
        let steps = trace["steps"].as_array().expect("steps");
        let per_step: Vec<usize> =
            steps.iter().map(|s| s["forbidden"].as_array().map_or(0, Vec::len)).collect();
        assert!(
            per_step.iter().all(|&n| n <= 1),
            "{kind}: one create tried per step, the rest skipped: {per_step:?}"
        );
        let refused: Vec<&Value> = steps.iter().flat_map(|s| s["forbidden"].as_array()).flatten().collect();
        assert!(!refused.is_empty(), "{kind}");
        for r in &refused {
            let why = r["reason"].as_str().unwrap_or_default();
            assert!(
                why.ends_with("is forbidden: no PriorityClass with name gold was found"),
                "{kind}: {why}"
            );
        }
        let events = k.items("event");
        let failed: Vec<&Value> = events.iter().filter(|e| e["reason"] == "FailedCreate").collect();
        assert_eq!(failed.len(), 1, "{kind}: repeats are counted on one Event: {failed:?}");
        // Retries in steps that wrote nothing else are counted without being shown again.
        assert!(
            failed[0]["count"].as_i64() >= Some(refused.len() as i64),
            "{kind}: {:?}",
            failed[0]["count"]
        );
        assert_eq!(failed[0]["type"], "Warning");
        let text = str_at(failed[0], "/message");
        assert!(
            text.starts_with(message) && text.ends_with("no PriorityClass with name gold was found"),
            "{kind}: {text}"
        );
        let verdict = run.stdout.lines().find(|l| l.contains("FailedCreate:")).unwrap_or_default();
        assert!(
            verdict.trim_start().starts_with(subject),
            "{kind}: the verdict names {subject}:\n{}",
            run.stdout
        );
        let web_pods =
            || -> Vec<Value> { k.live_pods().into_iter().filter(|p| name(p).starts_with("web")).collect() };
        let web_rs =
            || k.items("rs").into_iter().find(|r| name(r).starts_with("web")).expect("web's ReplicaSet");
        assert!(web_pods().is_empty(), "{kind}: no pod of the workload exists");
        let failure_of = |obj: &Value| -> Option<Value> {
            obj["status"]["conditions"].as_array()?.iter().find(|c| c["type"] == "ReplicaFailure").cloned()
        };
        if kind == "Deployment" {
            let rs = &web_rs();
            assert_eq!(str_at(rs, "/status/conditions/0/type"), "ReplicaFailure");
            assert_eq!(str_at(rs, "/status/conditions/0/reason"), "FailedCreate");
            assert!(str_at(rs, "/status/conditions/0/message")
                .ends_with("no PriorityClass with name gold was found"));
            let cleared = actions(&trace).into_iter().filter(|(_, a)| {
                a["kind"] == "ReplicaSet" && a["reason"].as_str().is_some_and(|r| r.contains("cleared"))
            });
            assert_eq!(cleared.count(), 0, "a sync whose create is refused keeps ReplicaFailure");
            let d = k.object("deployment", "web").expect("the Deployment");
            let copied = failure_of(&d).expect("the Deployment carries the ReplicaSet's ReplicaFailure");
            let on_rs = &web_rs()["status"]["conditions"][0];
            assert_eq!((&copied["status"], &copied["reason"]), (&on_rs["status"], &on_rs["reason"]));
            assert_eq!(copied["message"], on_rs["message"]);
            assert_eq!(
                copied["lastUpdateTime"], on_rs["lastTransitionTime"],
                "ReplicaSetToDeploymentCondition"
            );
        }

        let class = k.write(
            "gold.yaml",
            "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: gold}\nvalue: 10\n",
        );
        let (after, trace, _) = k.replay(&["apply", "-f", &class]);
        assert!(!after.stdout.contains("FailedCreate"), "{kind}: healthy again\n{}", after.stdout);
        let ours = web_pods();
        assert!(!ours.is_empty(), "{kind}: pods created once the class exists");
        assert!(ours.iter().all(|p| p["spec"]["priority"] == 10), "{kind}");
        if kind == "Deployment" {
            assert!(web_rs()["status"]["conditions"].is_null(), "ReplicaFailure cleared");
            let steps = trace["steps"].as_array().expect("steps");
            let step_of = |pred: &dyn Fn(&Value) -> bool| {
                steps.iter().position(|s| s["actions"].as_array().is_some_and(|a| a.iter().any(pred)))
            };
            let created = step_of(&|a| a["kind"] == "Pod" && a["action"] == "create");
            let cleared = step_of(&|a| {
                a["kind"] == "ReplicaSet" && a["reason"] == "pods created: ReplicaFailure cleared"
            });
            assert!(created.is_some(), "pods created");
            assert_eq!(cleared, created, "cleared in the sync whose creates succeed");
            let d = k.object("deployment", "web").expect("the Deployment");
            assert_eq!(failure_of(&d), None, "the Deployment's ReplicaFailure removed");
            let removed = step_of(&|a| a["kind"] == "Deployment" && a["controller"] == "deployment");
            assert_eq!(removed, created.map(|s| s + 1), "the Deployment removes it the sync after");
        }
    }
}
