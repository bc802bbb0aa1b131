//! Seed §5 (the StatefulSet story) replayed through the `konverge` binary, command by command:
//! five NFS volumes, the headless Service and `nginx-statefulset` (pods 0, 1, 2 created in
//! order, each claim bound to the smallest fitting volume), `delete -f` and a re-apply that
//! finds its claims again, `scale --replicas=4`, `patch` down to 2 (highest ordinal first), back
//! to 4, `set image` (RollingUpdate from the highest ordinal down, one pod at a time), then a
//! partition of 2 with another image (only ordinals 2 and 3 move) and the partition back to 0.
//!
//! Every reconciling command's text trace and `get sts|pods -o wide|pvc` after it are pinned in
//! snapshots under `snapshots/seed5_*.snap`; the orders and bindings the seed shows are asserted
//! directly from each command's JSON trace. Each reconciling command also runs with `-o json` on
//! a copy of the state and must leave a byte-identical state (`Cluster::replay`).

mod common;

use common::*;
use serde_json::Value;

const STS: &str = "statefulset/nginx-statefulset";

const LISTINGS: &[(&str, &[&str])] =
    &[("sts", &["get", "sts"]), ("pods", &["get", "pods", "-o", "wide"]), ("pvc", &["get", "pvc"])];

/// `(pod, image)` of every live pod of the set, by name — the seed's
/// `get pods -l app=nginx-pod -o custom-columns=NAME:metadata.name,IMAGE:spec.containers[0].image`.
fn images(k: &Cluster) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> =
        k.live_pods().iter().map(|p| (name(p).to_string(), image_of(p).to_string())).collect();
    v.sort();
    v
}

/// `claim=volume` for every claim, by claim name.
fn bindings(k: &Cluster) -> Vec<String> {
    let mut v: Vec<String> =
        k.items("pvc").iter().map(|c| format!("{}={}", name(c), str_at(c, "/spec/volumeName"))).collect();
    v.sort();
    v
}

/// The StatefulSet controller's pod creations and deletions in a JSON trace, in order:
/// `+name` / `-name`.
fn pod_moves(trace: &Value) -> Vec<String> {
    actions(trace)
        .iter()
        .filter(|(_, a)| a["kind"] == "Pod" && a["controller"] == "statefulset")
        .filter_map(|(_, a)| match a["action"].as_str() {
            Some("create") => Some(format!("+{}", a["name"].as_str().unwrap_or(""))),
            Some("delete") => Some(format!("-{}", a["name"].as_str().unwrap_or(""))),
            _ => None,
        })
        .collect()
}

fn moves(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

fn expected_images(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(p, i)| (format!("nginx-statefulset-{p}"), i.to_string())).collect()
}

/// The first step of a JSON trace with an action on pod `pod` by `controller` whose reason
/// contains `reason`.
fn step_of(trace: &Value, pod: &str, controller: &str, reason: &str) -> i64 {
    trace["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .find(|s| {
            s["actions"].as_array().expect("actions").iter().any(|a| {
                a["kind"] == "Pod"
                    && a["name"] == pod
                    && a["controller"] == controller
                    && a["reason"].as_str().is_some_and(|r| r.contains(reason))
            })
        })
        .and_then(|s| s["step"].as_i64())
        .unwrap_or_else(|| panic!("no {controller} action on {pod} with {reason:?}"))
}

#[test]
fn seed_5_statefulset_story() {
    let mut s = Story::new("seed5", LISTINGS);
    let nodes = &example("cluster/nodes.yaml");
    let volumes = &example("statefulset/pv-nfs.yaml");
    let manifest = &example("statefulset/statefulset-demo.yaml");

    // §5.3.1 2) five volumes, all Available.
    s.run("apply_volumes", &["apply", "-f", nodes, "-f", volumes]);
    let phases: Vec<String> =
        s.k.items("pv").iter().map(|v| str_at(v, "/status/phase").to_string()).collect();
    assert_eq!(phases, ["Available"; 5]);

    // 4) the Service and the set: pods 0, 1, 2, each created once the one before is Running and
    // Ready (OrderedReady), each with its claim, bound to pv-nfs-002, -003, -004 (the 2Gi
    // pv-nfs-001 is too small).
    let t = s.run("apply", &["apply", "-f", manifest]);
    let created = moves(&["+nginx-statefulset-0", "+nginx-statefulset-1", "+nginx-statefulset-2"]);
    assert_eq!(pod_moves(&t), created);
    for (before, next) in
        [("nginx-statefulset-0", "nginx-statefulset-1"), ("nginx-statefulset-1", "nginx-statefulset-2")]
    {
        let ready = step_of(&t, before, "kubelet", "Ready");
        let created = step_of(&t, next, "statefulset", "");
        assert!(
            ready < created,
            "{next} created at step {created}, after {before} was Ready at step {ready}"
        );
    }
    let bound = [
        "nginxdata-nginx-statefulset-0=pv-nfs-002",
        "nginxdata-nginx-statefulset-1=pv-nfs-003",
        "nginxdata-nginx-statefulset-2=pv-nfs-004",
    ];
    assert_eq!(bindings(&s.k), bound);
    assert_eq!(row(&s.k.ok(&["get", "sts"]).stdout, "nginx-statefulset")[1], "3/3");

    // 5) delete -f: the Service and the set go, the garbage collector takes the pods; the claims
    // stay (whenDeleted: Retain) and a re-apply finds them, bound to the same volumes.
    s.run("delete", &["delete", "-f", manifest]);
    assert!(s.k.items("pods").is_empty(), "every pod of the set is gone");
    assert_eq!(bindings(&s.k), bound, "the claims outlive the set");
    let t = s.run("reapply", &["apply", "-f", manifest]);
    assert_eq!(pod_moves(&t), created);
    assert_eq!(bindings(&s.k), bound, "the new pods use the old claims");

    // §5.3.2 1) scale to 4: ordinal 3 and its claim, bound to pv-nfs-005.
    let t = s.run("scale_4", &["scale", STS, "--replicas=4"]);
    assert_eq!(pod_moves(&t), moves(&["+nginx-statefulset-3"]));
    assert!(bindings(&s.k).contains(&"nginxdata-nginx-statefulset-3=pv-nfs-005".to_string()));

    // 2) patch to 2: the highest ordinal first, the next once it is gone; claims stay.
    let t = s.run("patch_2", &["patch", "sts/nginx-statefulset", "-p", r#"{"spec":{"replicas":2}}"#]);
    assert_eq!(pod_moves(&t), moves(&["-nginx-statefulset-3", "-nginx-statefulset-2"]));
    assert_eq!(s.k.live_pods().len(), 2);
    assert_eq!(s.k.items("pvc").len(), 4, "scaling down keeps the claims (whenScaled: Retain)");

    // §5.3.3.1 back to 4, then set image: RollingUpdate from the highest ordinal down, each pod
    // deleted and recreated before the next goes.
    let t = s.run("patch_4", &["patch", "sts/nginx-statefulset", "-p", r#"{"spec":{"replicas":4}}"#]);
    assert_eq!(pod_moves(&t), moves(&["+nginx-statefulset-2", "+nginx-statefulset-3"]));
    let t = s.run("set_image_1_14", &["set", "image", STS, "nginx=nginx:1.14"]);
    let rolled = moves(&[
        "-nginx-statefulset-3",
        "+nginx-statefulset-3",
        "-nginx-statefulset-2",
        "+nginx-statefulset-2",
        "-nginx-statefulset-1",
        "+nginx-statefulset-1",
        "-nginx-statefulset-0",
        "+nginx-statefulset-0",
    ]);
    assert_eq!(pod_moves(&t), rolled);
    assert_eq!(
        images(&s.k),
        expected_images(&[
            ("0", "nginx:1.14"),
            ("1", "nginx:1.14"),
            ("2", "nginx:1.14"),
            ("3", "nginx:1.14")
        ])
    );

    // §5.3.3.2 partition 2, then another image: only ordinals 3 and 2 move.
    let t = s.run(
        "partition_2",
        &[
            "patch",
            "sts/nginx-statefulset",
            "-p",
            r#"{"spec":{"updateStrategy":{"rollingUpdate":{"partition":2}}}}"#,
        ],
    );
    assert!(pod_moves(&t).is_empty(), "a partition alone changes no pod");
    let t = s.run("set_image_1_12", &["set", "image", STS, "nginx=nginx:1.12"]);
    assert_eq!(pod_moves(&t), rolled[..4]);
    assert_eq!(
        images(&s.k),
        expected_images(&[
            ("0", "nginx:1.14"),
            ("1", "nginx:1.14"),
            ("2", "nginx:1.12"),
            ("3", "nginx:1.12")
        ])
    );

    // Partition 0: the rest, 1 then 0.
    let t = s.run(
        "partition_0",
        &[
            "patch",
            "sts/nginx-statefulset",
            "-p",
            r#"{"spec":{"updateStrategy":{"rollingUpdate":{"partition":0}}}}"#,
        ],
    );
    assert_eq!(pod_moves(&t), rolled[4..]);
    assert_eq!(
        images(&s.k),
        expected_images(&[
            ("0", "nginx:1.12"),
            ("1", "nginx:1.12"),
            ("2", "nginx:1.12"),
            ("3", "nginx:1.12")
        ])
    );
    assert_eq!(bindings(&s.k).len(), 4);
    assert!(bindings(&s.k).iter().all(|b| !b.ends_with('=')), "every claim stays bound");
}
