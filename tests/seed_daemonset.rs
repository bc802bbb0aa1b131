//! Seed §4 (the DaemonSet story) replayed through the `konverge` binary, command by command:
//! apply `daemset-nginx` on the seed's two nodes (one pod per node), `describe daemonset`, the
//! seed's custom-columns view, `set image … nginx-pod=nginx:1.14` (RollingUpdate, one node at
//! a time), `rollout status|history|undo`, a node joining (a third pod) and a node leaving (its
//! pod gone).
//!
//! Every reconciling command's text trace and `get ds|pods -o wide|controllerrevisions` after
//! it are pinned in snapshots under `snapshots/seed4_*.snap`; the numbers the seed shows are
//! asserted directly as well. Each reconciling command also runs with `-o json` on a copy of
//! the state: the JSON trace gives the pods per step and must leave a byte-identical state.

mod common;

use common::*;
use serde_json::Value;

const DS: &str = "daemonset/daemset-nginx";

const LISTINGS: &[(&str, &[&str])] = &[
    ("ds", &["get", "ds"]),
    ("pods", &["get", "pods", "-o", "wide"]),
    ("revisions", &["get", "controllerrevisions"]),
];

/// The seed's `kubectl get pods -l app=daem-nginx -o
/// custom-columns=NAME:metadata.name,NODE:spec.nodeName,Image:spec.containers[0].image`.
fn images(k: &Cluster) -> String {
    let mut rows = vec![vec!["NAME".to_string(), "NODE".into(), "Image".into()]];
    for p in k.live_pods() {
        rows.push(vec![name(&p).to_string(), node_of(&p).to_string(), image_of(&p).to_string()]);
    }
    konverge::render::table(&rows)
}

/// (node, image) of every live pod, sorted.
fn placement(k: &Cluster) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> =
        k.live_pods().iter().map(|p| (node_of(p).to_string(), image_of(p).to_string())).collect();
    v.sort();
    v
}

fn ds_columns(k: &Cluster) -> Vec<String> {
    row(&k.ok(&["get", "ds"]).stdout, "daemset-nginx")
}

fn placed(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(n, i)| (n.to_string(), i.to_string())).collect()
}

/// The steps of a JSON trace at which the daemonset controller deleted a pod, and at which it
/// created one.
fn delete_and_create_steps(trace: &Value) -> (Vec<i64>, Vec<i64>) {
    let (mut deletes, mut creates) = (Vec::new(), Vec::new());
    for s in trace["steps"].as_array().expect("steps") {
        for a in s["actions"].as_array().expect("actions") {
            if a["kind"] == "Pod" && a["controller"] == "daemonset" {
                let step = s["step"].as_i64().expect("step");
                match a["action"].as_str() {
                    Some("delete") => deletes.push(step),
                    Some("create") => creates.push(step),
                    _ => {}
                }
            }
        }
    }
    (deletes, creates)
}

#[test]
fn seed_4_daemonset_story() {
    let mut s = Story::new("seed4", LISTINGS);
    let nodes = &example("cluster/nodes.yaml");
    let manifest = &example("daemonset/daemonset-demo.yaml");

    // §4.2 create: one pod per node, named daemset-nginx-<5 characters>, owned by the
    // DaemonSet, labelled with the revision's hash and pinned to its node by node affinity.
    let t = s.run("apply", &["apply", "-f", nodes, "-f", manifest]);
    assert_eq!(count_actions(&t, "create", "Pod", "daemonset"), 2);
    assert_eq!(placement(&s.k), placed(&[("k8s-node1", "nginx:1.12"), ("k8s-node2", "nginx:1.12")]));
    let revisions = s.k.items("controllerrevisions");
    assert_eq!(revisions.len(), 1);
    let hash =
        revisions[0]["metadata"]["labels"]["controller-revision-hash"].as_str().expect("hash").to_string();
    assert_eq!(name(&revisions[0]), format!("daemset-nginx-{hash}"));
    let mut pinned = Vec::new();
    for p in s.k.live_pods() {
        assert!(generated(name(&p), "daemset-nginx-", 5, 5), "pod name {}", name(&p));
        assert_eq!(owner(&p), "daemset-nginx");
        assert_eq!(p["metadata"]["labels"]["controller-revision-hash"], hash.as_str());
        assert!(is_running_ready(&p));
        let term = &p["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
            ["nodeSelectorTerms"];
        assert_eq!(term[0]["matchFields"][0]["key"], "metadata.name");
        assert_eq!(term[0]["matchFields"][0]["operator"], "In");
        let target = term[0]["matchFields"][0]["values"][0].as_str().expect("node");
        assert_eq!(node_of(&p), target, "the scheduler binds a daemon pod to the node it is pinned to");
        pinned.push(target.to_string());
        let tolerations: Vec<&str> = p["spec"]["tolerations"]
            .as_array()
            .expect("tolerations")
            .iter()
            .filter_map(|t| t["key"].as_str())
            .collect();
        assert_eq!(
            tolerations,
            [
                "node.kubernetes.io/not-ready",
                "node.kubernetes.io/unreachable",
                "node.kubernetes.io/disk-pressure",
                "node.kubernetes.io/memory-pressure",
                "node.kubernetes.io/pid-pressure",
                "node.kubernetes.io/unschedulable",
            ]
        );
    }
    pinned.sort();
    assert_eq!(pinned, ["k8s-node1", "k8s-node2"], "one pod pinned to each node");
    // NAME DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR
    assert_eq!(ds_columns(&s.k)[..7], ["daemset-nginx", "2", "2", "2", "2", "2", "<none>"]);

    // The seed's describe.
    let describe = s.k.ok(&["describe", "daemonset/daemset-nginx"]).stdout;
    for line in [
        "Selector:       app=daem-nginx",
        "Node-Selector:  <none>",
        "Desired Number of Nodes Scheduled: 2",
        "Current Number of Nodes Scheduled: 2",
        "Number of Nodes Scheduled with Up-to-date Pods: 2",
        "Number of Nodes Scheduled with Available Pods: 2",
        "Number of Nodes Misscheduled: 0",
        "Pods Status:  2 Running / 0 Waiting / 0 Succeeded / 0 Failed",
    ] {
        assert!(describe.lines().any(|l| l == line), "{line:?} in\n{describe}");
    }
    snap!("seed4_describe", "konverge describe daemonset/daemset-nginx", describe);
    snap!("seed4_images_before", "the seed's custom-columns view before the update", images(&s.k));

    // §4.3 set image nginx-pod=nginx:1.14: RollingUpdate with maxUnavailable 1 deletes one old
    // pod, waits for its replacement to be available, then the other.
    let t = s.run("set_image_1_14", &["set", "image", DS, "nginx-pod=nginx:1.14"]);
    let (deletes, creates) = delete_and_create_steps(&t);
    assert_eq!((deletes.len(), creates.len()), (2, 2), "deletes at {deletes:?}, creates at {creates:?}");
    assert!(
        deletes[0] < creates[0] && creates[0] < deletes[1] && deletes[1] < creates[1],
        "one node at a time: deletes at {deletes:?}, creates at {creates:?}"
    );
    let counts = pod_counts(&t, 2);
    assert!(counts.iter().all(|&n| n >= 1), "never both nodes without a pod: {counts:?}");
    assert_eq!(*counts.last().unwrap(), 2);
    assert_eq!(placement(&s.k), placed(&[("k8s-node1", "nginx:1.14"), ("k8s-node2", "nginx:1.14")]));
    snap!("seed4_images_after", "the seed's custom-columns view after set image", images(&s.k));
    let describe = s.k.ok(&["describe", "daemonset", "daemset-nginx"]).stdout;
    let events: Vec<&str> = describe
        .lines()
        .filter(|l| l.contains("daemonset-controller"))
        .map(|l| l.split_whitespace().nth(1).expect("reason"))
        .collect();
    // The seed's event pattern after its update: delete, create, delete, create.
    assert_eq!(
        events,
        [
            "SuccessfulCreate",
            "SuccessfulCreate",
            "SuccessfulDelete",
            "SuccessfulCreate",
            "SuccessfulDelete",
            "SuccessfulCreate"
        ]
    );
    snap!("seed4_describe_after_update", "konverge describe daemonset daemset-nginx", describe);

    // rollout status and history.
    let status = s.k.ok(&["rollout", "status", DS]);
    assert_eq!(status.stdout.trim(), r#"daemon set "daemset-nginx" successfully rolled out"#);
    let history = s.k.ok(&["rollout", "history", "ds/daemset-nginx"]).stdout;
    snap!("seed4_history", "konverge rollout history ds/daemset-nginx", history);
    let revision_1 = s.k.ok(&["rollout", "history", DS, "--revision=1"]).stdout;
    assert!(revision_1.contains("Image:         nginx:1.12"), "{revision_1}");
    snap!(
        "seed4_history_revision_1",
        "konverge rollout history daemonset/daemset-nginx --revision=1",
        revision_1
    );
    let pause = s.k.code(&["rollout", "pause", DS], 1);
    assert_eq!(pause.stderr.trim(), r#"error: daemonsets.apps "daemset-nginx" pausing is not supported"#);

    // rollout undo: the template of revision 1 comes back; its revision is raised to 3.
    let t = s.run("rollout_undo", &["rollout", "undo", DS]);
    assert_eq!(count_actions(&t, "delete", "Pod", "daemonset"), 2);
    assert_eq!(placement(&s.k), placed(&[("k8s-node1", "nginx:1.12"), ("k8s-node2", "nginx:1.12")]));
    let mut numbers: Vec<(String, i64)> =
        s.k.items("controllerrevisions")
            .iter()
            .map(|r| (name(r).to_string(), r["revision"].as_i64().expect("revision")))
            .collect();
    numbers.sort_by_key(|n| n.1);
    assert_eq!(numbers.len(), 2, "{numbers:?}");
    assert_eq!(numbers[1], (format!("daemset-nginx-{hash}"), 3), "revision 1 raised to 3");

    // §4.1 a node that joins gets a pod.
    let t = s.run("node_add", &["node", "add", "k8s-node3"]);
    assert_eq!(count_actions(&t, "create", "Pod", "daemonset"), 1);
    assert_eq!(
        placement(&s.k),
        placed(&[("k8s-node1", "nginx:1.12"), ("k8s-node2", "nginx:1.12"), ("k8s-node3", "nginx:1.12")])
    );
    assert_eq!(ds_columns(&s.k)[1..6], ["3", "3", "3", "3", "3"]);

    // A node that leaves loses its pod (the pod garbage collector deletes pods of nodes that
    // no longer exist); the DaemonSet wants two again.
    let t = s.run("node_remove", &["node", "remove", "k8s-node1"]);
    assert_eq!(count_actions(&t, "create", "Pod", "daemonset"), 0);
    assert_eq!(placement(&s.k), placed(&[("k8s-node2", "nginx:1.12"), ("k8s-node3", "nginx:1.12")]));
    assert_eq!(ds_columns(&s.k)[1..6], ["2", "2", "2", "2", "2"]);

    // scale: a DaemonSet has no scale subresource; refused, the state file untouched.
    let before = s.k.state_bytes();
    let scale = s.k.code(&["scale", DS, "--replicas=3"], 1);
    assert_eq!(
        scale.stderr.trim(),
        "Error from server (NotFound): the server could not find the requested resource"
    );
    assert_eq!(s.k.state_bytes(), before);
}
