//! What every pod-owning controller shares: claiming pods by controller reference (adopt,
//! release) and asking to be woken when a pod passes minReadySeconds.

mod common;

use common::*;

const RS: &str = "apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: NAME, namespace: default}
spec:
  replicas: 2
  minReadySeconds: MIN
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: c, image: nginx}]
";

fn replica_set(name: &str, min_ready: i64) -> String {
    RS.replace("NAME", name).replace("MIN", &min_ready.to_string())
}

/// upstream `ReplicaSetController.syncReplicaSet` requeues a set after minReadySeconds
/// (`AddAfter(key, minReadySeconds)`) so that availableReplicas catches up without any other
/// change in the cluster: a bare ReplicaSet reports its pods available once they pass it.
#[test]
fn a_bare_replica_set_wakes_up_when_its_pods_pass_min_ready_seconds() {
    let c = Cluster::seed_nodes();
    let file = c.write("rs.yaml", &replica_set("web", 30));
    let trace = c.ok(&["apply", "-f", &file, "-o", "json"]).json();
    let rs = c.object("rs", "web").expect("rs");
    assert_eq!(rs["status"]["readyReplicas"], 2);
    assert_eq!(rs["status"]["availableReplicas"], 2, "woken after minReadySeconds: {rs:#}");
    let ready_at = c.items("pods").iter().map(|p| secs(str_at(p, "/status/startTime"))).max().unwrap_or(0);
    let last = actions(&trace).last().map(|(t, _)| secs(t)).unwrap_or(0);
    assert!(last >= ready_at + 30, "the last status update comes minReadySeconds after Ready");
}

/// upstream `ControllerRefManager.ClaimObject`: an orphan matching two sets is adopted by one of
/// them, never counted by both; the other set creates its own pods.
#[test]
fn an_orphan_matching_two_sets_is_adopted_once() {
    let c = Cluster::seed_nodes();
    let pod = c.write(
        "pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: stray, namespace: default, labels: {app: web}}\n\
         spec: {containers: [{name: c, image: nginx}]}\n",
    );
    c.ok(&["apply", "-f", &pod]);
    let sets = c.write("sets.yaml", &format!("{}---\n{}", replica_set("a", 0), replica_set("b", 0)));
    c.ok(&["apply", "-f", &sets]);
    let pods = c.items("pods");
    assert_eq!(pods.len(), 4, "2 + 2 pods, the stray counted once: {:?}", names(&pods));
    let stray = c.object("pod", "stray").expect("stray");
    assert_eq!(stray["metadata"]["ownerReferences"][0]["name"], "a", "the first set in key order adopts");
    for set in ["a", "b"] {
        let rs = c.object("rs", set).expect("rs");
        assert_eq!(rs["status"]["replicas"], 2, "{set}");
    }
}

/// upstream `ClaimObject`: a pod whose labels stop matching its set's selector is released
/// (its controller reference removed) and replaced; it keeps running.
#[test]
fn a_pod_whose_labels_stop_matching_is_released_and_replaced() {
    let c = Cluster::seed_nodes();
    let file = c.write("rs.yaml", &replica_set("web", 0));
    c.ok(&["apply", "-f", &file]);
    let victim = names(&c.items("pods"))[0].clone();
    c.ok(&["patch", "pod", &victim, "-p", r#"{"metadata":{"labels":{"app":"other"}}}"#]);
    let released = c.object("pod", &victim).expect("pod");
    assert!(released["metadata"]["ownerReferences"].is_null(), "{released:#}");
    assert_eq!(c.items("pods").len(), 3);
    assert_eq!(c.object("rs", "web").expect("rs")["status"]["replicas"], 2);
}
