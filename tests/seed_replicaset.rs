//! Seed §2 (ReplicaSet), replayed through the CLI exactly as the tutorial runs it:
//! create `myapp` (2 × v1) → `kubectl edit` replicas to 4 → edit the manifest's image to v2 and
//! `apply` it again (three-way apply puts replicas back to the manifest's 2, existing pods keep
//! v1) → `delete pods -l app=myapp` (replacements are v2) → scale to 5 → scale to 3 (logarithmic
//! scale-down: the two oldest stay) → `delete rs myapp --cascade=false|orphan` (pods stay,
//! without owner references).
//!
//! Every command's trace and the `get pods` / `get rs` that follow are pinned in snapshots; the
//! counts, images, nodes and survivors are also asserted directly.

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeSet;

/// One step of the story: the command's transcript followed by what `get` shows afterwards.
fn step(c: &Cluster, args: &[&str]) -> String {
    let mut out = c.ok(args).transcript();
    out.push('\n');
    out.push_str(&c.ok(&["get", "pods", "-o", "wide"]).transcript());
    out.push('\n');
    out.push_str(&c.run(&["get", "rs", "-o", "wide"]).transcript());
    out.push('\n');
    // The seed's `-o custom-columns=Name:metadata.name,Image:spec.containers[0].image`.
    out.push_str("# pods: name, image, node\n");
    for p in pods(c) {
        out.push_str(&format!("{}  {}  {}\n", name(&p), image_of(&p), node_of(&p)));
    }
    out
}

fn pods(c: &Cluster) -> Vec<Value> {
    c.items("pods")
}

fn pod_names(c: &Cluster) -> BTreeSet<String> {
    pods(c).iter().map(|p| name(p).to_string()).collect()
}

/// The RS `myapp`, asserting its spec and status agree on `replicas`, all Ready.
fn assert_rs_converged(c: &Cluster, replicas: i64, image: &str) {
    let rs = c.object("rs", "myapp").expect("rs/myapp exists");
    assert_eq!(rs["spec"]["replicas"], replicas, "spec.replicas");
    assert_eq!(rs["status"]["replicas"], replicas, "status.replicas");
    let ready = rs["status"]["readyReplicas"].as_i64().unwrap_or(0);
    assert_eq!(ready, replicas, "status.readyReplicas");
    assert_eq!(str_at(&rs, "/spec/template/spec/containers/0/image"), image);
    assert_eq!(rs["status"]["observedGeneration"], rs["metadata"]["generation"]);
}

/// All pods are active, Running and Ready, owned by `myapp`, and as many as `n`.
fn assert_pods_running(c: &Cluster, n: usize) -> Vec<Value> {
    let ps = pods(c);
    assert_eq!(ps.len(), n, "pods: {:?}", names(&ps));
    for p in &ps {
        assert!(!is_terminating(p), "{} is terminating", name(p));
        assert!(is_running_ready(p), "{} is not Running/Ready", name(p));
        assert!(name(p).starts_with("myapp-") && name(p).len() == "myapp-".len() + 5, "{}", name(p));
        let owner = &p["metadata"]["ownerReferences"][0];
        assert_eq!(owner["kind"], "ReplicaSet");
        assert_eq!(owner["name"], "myapp");
        assert_eq!(owner["controller"], true);
    }
    ps
}

fn per_node(ps: &[Value]) -> Vec<(String, usize)> {
    let mut m = std::collections::BTreeMap::new();
    for p in ps {
        *m.entry(node_of(p).to_string()).or_insert(0) += 1;
    }
    m.into_iter().collect()
}

/// Replays the story up to (and including) the scale down to 3 and returns the cluster and the
/// names of the surviving pods.
fn story_until_scaled_to_3() -> (Cluster, BTreeSet<String>) {
    let c = Cluster::new();
    let manifest = c.write(
        "manfests/rs-demo.yaml",
        &std::fs::read_to_string(example("replicaset/rs-demo.yaml")).unwrap(),
    );
    let snap_step = |n: &str, text: String| snap!(format!("seed_replicaset__{n}"), text);

    // (3) kubectl apply -f manfests/rs-demo.yaml (on the seed's two nodes).
    let t = step(&c, &["apply", "-f", &example("cluster/nodes.yaml"), "-f", &manifest]);
    snap_step("01_apply", t);
    let ps = assert_pods_running(&c, 2);
    assert_eq!(per_node(&ps), [("k8s-node1".into(), 1), ("k8s-node2".into(), 1)], "one pod per node");
    assert!(ps.iter().all(|p| image_of(p) == "ikubernetes/myapp:v1"));
    assert_rs_converged(&c, 2, "ikubernetes/myapp:v1");
    let originals = pod_names(&c);

    // (4) kubectl edit rs myapp → replicas: 4.
    let t = step(&c, &["scale", "rs/myapp", "--replicas=4"]);
    snap_step("02_scale_to_4", t);
    let ps = assert_pods_running(&c, 4);
    assert_eq!(per_node(&ps), [("k8s-node1".into(), 2), ("k8s-node2".into(), 2)]);
    assert!(originals.is_subset(&pod_names(&c)), "scaling up keeps the existing pods");
    assert_rs_converged(&c, 4, "ikubernetes/myapp:v1");

    // 2.2.3: image v1 → v2 in the manifest, `kubectl apply` again. The manifest still says
    // replicas: 2 and three-way apply sets it back; the existing pods keep v1.
    let text = std::fs::read_to_string(&manifest).unwrap();
    assert!(text.contains("ikubernetes/myapp:v1"));
    std::fs::write(&manifest, text.replace("ikubernetes/myapp:v1", "ikubernetes/myapp:v2")).unwrap();
    let t = step(&c, &["apply", "-f", &manifest]);
    snap_step("03_apply_v2", t);
    let ps = assert_pods_running(&c, 2);
    assert_eq!(pod_names(&c), originals, "the seed's transcript shows exactly the two original pods");
    assert!(ps.iter().all(|p| image_of(p) == "ikubernetes/myapp:v1"), "a template change touches no pod");
    assert_rs_converged(&c, 2, "ikubernetes/myapp:v2");

    // kubectl delete pods -l app=myapp: the replacements come from the v2 template.
    let t = step(&c, &["delete", "pods", "-l", "app=myapp"]);
    snap_step("04_delete_pods", t);
    let ps = assert_pods_running(&c, 2);
    let second = pod_names(&c);
    assert!(second.is_disjoint(&originals), "both pods were replaced");
    assert!(ps.iter().all(|p| image_of(p) == "ikubernetes/myapp:v2"));
    assert_eq!(per_node(&ps), [("k8s-node1".into(), 1), ("k8s-node2".into(), 1)]);
    assert_rs_converged(&c, 2, "ikubernetes/myapp:v2");
    // Before scaling, the seed shows `get rs` 2/2/2 and the two v2 pods.
    let mut t = c.ok(&["get", "rs"]).transcript();
    t.push_str(&c.ok(&["get", "pods"]).transcript());
    snap!("seed_replicaset__05_before_scaling", t);

    // kubectl scale replicasets myapp --replicas=5
    let t = step(&c, &["scale", "replicasets", "myapp", "--replicas=5"]);
    snap_step("06_scale_to_5", t);
    let ps = assert_pods_running(&c, 5);
    assert!(second.is_subset(&pod_names(&c)));
    assert!(ps.iter().all(|p| image_of(p) == "ikubernetes/myapp:v2"));
    let newest: BTreeSet<String> = pod_names(&c).difference(&second).cloned().collect();
    assert_eq!(newest.len(), 3);
    assert_rs_converged(&c, 5, "ikubernetes/myapp:v2");

    // kubectl scale replicasets myapp --replicas=3: two of the three newest go, the two oldest
    // stay (ActivePodsWithRanks with LogarithmicScaleDown: more recently ready pods first).
    let t = step(&c, &["scale", "replicasets", "myapp", "--replicas=3"]);
    snap_step("07_scale_to_3", t);
    assert_pods_running(&c, 3);
    let left = pod_names(&c);
    assert!(second.is_subset(&left), "the two oldest pods stay: {second:?} ⊄ {left:?}");
    assert_eq!(left.intersection(&newest).count(), 1, "exactly one of the newest stays");
    assert_rs_converged(&c, 3, "ikubernetes/myapp:v2");
    (c, left)
}

#[test]
fn seed_section_2_replicaset_story() {
    let (c, left) = story_until_scaled_to_3();

    // 2.2.4: `kubectl delete replicasets myapp --cascade=false` (and today's spelling,
    // `--cascade=orphan`) leave the pods running without owner references.
    let orphan = Cluster::from_state(&c.state);
    let old_spelling = Cluster::from_state(&c.state);
    let t = step(&old_spelling, &["delete", "replicasets", "myapp", "--cascade=false"]);
    snap!("seed_replicaset__08_delete_rs_cascade_false", t);
    step(&orphan, &["delete", "rs", "myapp", "--cascade=orphan"]);
    for cl in [&orphan, &old_spelling] {
        assert!(cl.object("rs", "myapp").is_none(), "the ReplicaSet is gone");
        let r = cl.ok(&["get", "rs"]);
        assert_eq!(r.stdout, "");
        assert!(r.stderr.contains("No resources found"), "{}", r.stderr);
        let ps = pods(cl);
        assert_eq!(pod_names(cl), left, "the same three pods remain");
        for p in &ps {
            assert!(is_running_ready(p) && !is_terminating(p), "{} still runs", name(p));
            let refs = p["metadata"].get("ownerReferences");
            assert!(refs.is_none_or(|r| r.as_array().is_some_and(|a| a.is_empty())), "{}: {refs:?}", name(p));
        }
        // Nothing adopts or replaces them afterwards.
        let again = cl.ok(&["run", "-o", "json"]).json();
        assert_eq!(again["steps"], serde_json::json!([]), "{again}");
    }
    // Both spellings make the same changes.
    assert_eq!(old_spelling.state_bytes(), orphan.state_bytes(), "--cascade=false is --cascade=orphan");
}

#[test]
fn apply_v2_trace_scales_down_only_the_newer_pods() {
    // The JSON trace of the re-apply: one user patch that sets replicas 4 → 2, two deletes by
    // the replicaset controller, no creates.
    let c = Cluster::new();
    let manifest = c.write("rs.yaml", &std::fs::read_to_string(example("replicaset/rs-demo.yaml")).unwrap());
    c.ok(&["apply", "-f", &example("cluster/nodes.yaml"), "-f", &manifest]);
    let originals = pod_names(&c);
    c.ok(&["scale", "rs/myapp", "--replicas=4"]);
    let text = std::fs::read_to_string(&manifest).unwrap().replace("myapp:v1", "myapp:v2");
    std::fs::write(&manifest, text).unwrap();
    let trace = c.ok(&["apply", "-f", &manifest, "-o", "json"]).json();
    assert_eq!(trace["format_version"], "1");
    assert_eq!(trace["converged"], true);
    assert_eq!(count_actions(&trace, "delete", "Pod", "replicaset"), 2);
    assert_eq!(count_actions(&trace, "create", "Pod", "replicaset"), 0);
    let deleted: BTreeSet<String> = actions(&trace)
        .iter()
        .filter(|(_, a)| a["action"] == "delete")
        .map(|(_, a)| a["name"].as_str().unwrap().to_string())
        .collect();
    assert!(deleted.is_disjoint(&originals), "the older pods stay: deleted {deleted:?}");
    let user: Vec<_> = actions(&trace).into_iter().filter(|(_, a)| a["controller"] == "kubectl").collect();
    assert_eq!(user.len(), 1);
    assert_eq!(user[0].1["kind"], "ReplicaSet");
}

#[test]
fn scaling_to_the_current_replicas_is_a_no_op() {
    // `kubectl scale` to the replicas a set already has succeeds and changes nothing.
    let c = Cluster::seed_nodes();
    c.ok(&["apply", "-f", &example("replicaset/rs-demo.yaml")]);
    let pods = pod_names(&c);
    let r = c.ok(&["scale", "rs/myapp", "--replicas=2", "-o", "json"]);
    let trace = r.json();
    assert_eq!(trace["converged"], true, "{trace}");
    assert!(actions(&trace).iter().all(|(_, a)| a["controller"] == "kubectl"), "{trace}");
    assert_eq!(pod_names(&c), pods);
}

/// client-go's event correlator (`EventAggregate`: `defaultAggregateMaxEvents` = 10 distinct
/// messages of similar Events within `defaultAggregateIntervalInSeconds`): scaled to 30, the
/// ReplicaSet's `SuccessfulCreate` Events are nine individual ones (two from the first apply,
/// seven from the scale) and one `(combined from similar events)` Event counting the other 21
/// creates, and `describe rs` prints it as kubectl does (`(x21 over …)`).
#[test]
fn scaled_to_30_the_creates_fold_into_one_combined_event() {
    let c = Cluster::seed_nodes();
    c.ok(&["apply", "-f", &example("replicaset/rs-demo.yaml")]);
    c.ok(&["scale", "rs/myapp", "--replicas=30"]);
    assert_eq!(pods(&c).len(), 30);
    let creates: Vec<Value> = c
        .items("events")
        .into_iter()
        .filter(|e| e["involvedObject"]["name"] == "myapp" && e["reason"] == "SuccessfulCreate")
        .collect();
    assert_eq!(creates.len(), 10, "{creates:?}");
    let total: i64 = creates.iter().map(|e| e["count"].as_i64().unwrap()).sum();
    assert_eq!(total, 30, "every create is counted once");
    let described = c.ok(&["describe", "rs", "myapp"]).stdout;
    let events: Vec<&str> = described.lines().skip_while(|l| !l.starts_with("Events:")).skip(3).collect();
    let individual: Vec<&&str> =
        events.iter().filter(|l| l.contains("replicaset-controller  Created pod: myapp-")).collect();
    assert_eq!(individual.len(), 9, "{described}");
    let combined: Vec<&&str> = events
        .iter()
        .filter(|l| l.contains("  (combined from similar events): Created pod: myapp-"))
        .collect();
    assert_eq!(combined.len(), 1, "{described}");
    assert!(combined[0].contains(" (x21 over ") && combined[0].contains("SuccessfulCreate"), "{described}");
    assert_eq!(events.last(), combined.first().copied(), "the aggregate is the latest: {described}");
}
