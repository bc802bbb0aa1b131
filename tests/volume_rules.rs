//! The PersistentVolume controller against upstream's own test tables
//! (pkg/controller/volume/persistentvolume: index_test.go — `TestMatchVolume`,
//! `TestMatchingWithBoundVolumes`, `TestFindingVolumeWithDifferentAccessModes`,
//! `TestFindingPreboundVolumes`, `TestBestMatchDelayed`, `TestFindMatchVolumeWithNode`,
//! `TestFilteringVolumeModes`, `TestStorageObjectInUseProtectionFiltering` — and binder_test.go
//! `TestSync` / `TestSyncBlockVolume`).
//!
//! Matching is checked with `controllers::volume::matches` (what `findBestMatchForClaim` returns
//! for each claim). A sync is checked the way it runs: the volumes and claims are put in a
//! store, one step of the controller is admitted, and the objects and events are compared with
//! upstream's expected ones. Upstream tests `syncClaim` and `syncVolume` one at a time; one
//! konverge step does both, so where the other half changes something too, the expected value
//! is the whole step's and the comment says so.

use konverge::apiserver::ApiServer;
use konverge::controllers::volume;
use konverge::facts::Facts;
use konverge::model::{self, ObjKey};
use konverge::state::State;
use serde_json::{json, Value};
use std::collections::BTreeMap;

const NOW: &str = "2025-01-01T00:00:00Z";

fn store(objects: &[Value]) -> BTreeMap<ObjKey, Value> {
    objects.iter().map(|o| (ObjKey::of(o), o.clone())).collect()
}

/// (claim name, volume name) of every match the search makes.
fn matched(objects: &[Value]) -> Vec<(String, String)> {
    let s = store(objects);
    let snapshot = State::of_objects(s.clone(), model::parse_time(NOW).unwrap());
    let f = Facts::extract(&snapshot);
    volume::matches(&f).into_iter().map(|(c, v)| (f.key(c).name.clone(), f.key(v).name.clone())).collect()
}

/// The volume the one claim of `objects` matches, by uid (index_test.go names volumes by uid).
fn match_uid(objects: &[Value]) -> String {
    let m = matched(objects);
    assert!(m.len() <= 1, "{m:?}");
    m.first()
        .map(|(_, v)| {
            let pv = objects.iter().find(|o| model::name(o) == v && o["kind"] == "PersistentVolume").unwrap();
            model::uid(pv).to_string()
        })
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// index_test.go
// ---------------------------------------------------------------------------------------------

/// index_test.go `createTestVolumes` (volume `affinity003` is there twice; the second one,
/// `affinity-pv3`, is `affinity003b` here since a store holds one object per name).
fn test_volumes() -> Vec<Value> {
    let pv = |name: &str, uid: &str, size: &str, modes: &[&str], extra: Value| {
        let mut v = json!({"apiVersion": "v1", "kind": "PersistentVolume",
            "metadata": {"name": name, "uid": uid, "creationTimestamp": NOW},
            "spec": {"capacity": {"storage": size}, "accessModes": modes, "volumeMode": "Filesystem", "gcePersistentDisk": {}},
            "status": {"phase": "Available"}});
        json_patch::merge(&mut v, &extra);
        v
    };
    let (rwo_rox, all3) =
        (&["ReadWriteOnce", "ReadOnlyMany"][..], &["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany"][..]);
    let affinity = |value: &str| json!({"nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [{"key": "key1", "operator": "In", "values": [value]}]}]}}});
    let with = |mut spec: Value, status: Value| {
        let mut out = json!({"spec": spec.take()});
        out["status"] = status;
        out
    };
    let wait = |value: &str, phase: Value| {
        let mut spec = affinity(value);
        spec["storageClassName"] = json!("wait");
        with(spec, json!({"phase": phase}))
    };
    vec![
        pv("gce003", "gce-pd-10", "10G", rwo_rox, json!({})),
        pv(
            "gce004",
            "gce-pd-20",
            "20G",
            rwo_rox,
            json!({"spec": {"claimRef": {"uid": "def456"}}, "status": {"phase": "Bound"}}),
        ),
        pv("nfs002", "nfs-5", "5G", all3, json!({})),
        pv(
            "gce001",
            "gce-pd-1",
            "1G",
            rwo_rox,
            json!({"spec": {"claimRef": {"uid": "abc123"}}, "status": {"phase": "Bound"}}),
        ),
        pv("nfs003", "nfs-10", "10G", all3, json!({})),
        pv("gce002", "gce-pd-5", "5G", rwo_rox, json!({})),
        pv("nfs001", "nfs-1", "1G", all3, json!({})),
        pv(
            "gce0022",
            "gce-pd-2",
            "20000G",
            &["ReadWriteOnce"],
            json!({"metadata": {"labels": {"should-exist": "true"}}}),
        ),
        pv(
            "gce0023",
            "gce-pd-silver1",
            "10000G",
            &["ReadWriteOnce"],
            json!({"metadata": {"labels": {"should-exist": "true"}}, "spec": {"storageClassName": "silver"}}),
        ),
        pv(
            "gce0024",
            "gce-pd-silver2",
            "100G",
            &["ReadWriteOnce"],
            json!({"spec": {"storageClassName": "silver"}}),
        ),
        pv(
            "gce0025",
            "gce-pd-gold",
            "50G",
            &["ReadWriteOnce"],
            json!({"spec": {"storageClassName": "gold"}}),
        ),
        pv("local001", "local-pd-very-large", "200E", all3, json!({"spec": {"storageClassName": "large"}})),
        pv(
            "local002",
            "local-pd-extremely-large",
            "800E",
            all3,
            json!({"spec": {"storageClassName": "large"}}),
        ),
        pv("affinity001", "affinity-pv", "100G", rwo_rox, wait("value1", json!("Available"))),
        pv("affinity002", "affinity-pv2", "150G", rwo_rox, wait("value1", json!("Available"))),
        pv("affinity003", "affinity-prebound", "100G", rwo_rox, {
            let mut p = wait("value1", json!("Available"));
            p["spec"]["claimRef"] = json!({"name": "claim02", "namespace": "myns"});
            p
        }),
        pv("affinity003b", "affinity-pv3", "200G", rwo_rox, wait("value3", json!("Available"))),
        pv("affinity004-pending", "affinity-pv4-pending", "200G", rwo_rox, wait("value4", json!("Pending"))),
        pv("affinity004-failed", "affinity-pv4-failed", "200G", rwo_rox, wait("value4", json!("Failed"))),
        pv(
            "affinity004-released",
            "affinity-pv4-released",
            "200G",
            rwo_rox,
            wait("value4", json!("Released")),
        ),
        pv("affinity004-empty", "affinity-pv4-empty", "200G", rwo_rox, wait("value4", Value::Null)),
    ]
}

/// index_test.go `makePVC`: claim01 in myns, ReadOnlyMany + ReadWriteOnce, Filesystem.
fn make_pvc(size: &str, patch: Value) -> Value {
    let mut c = json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
        "metadata": {"name": "claim01", "namespace": "myns", "uid": "claim01-uid", "creationTimestamp": NOW},
        "spec": {"accessModes": ["ReadOnlyMany", "ReadWriteOnce"], "resources": {"requests": {"storage": size}}, "volumeMode": "Filesystem"}});
    json_patch::merge(&mut c, &patch);
    c
}

fn with_claim(volumes: &[Value], claim: Value) -> Vec<Value> {
    let mut all = volumes.to_vec();
    all.push(claim);
    all
}

/// `TestMatchVolume`: the smallest volume of the first access-mode set with a fit, of the
/// claim's class, matching its selector.
#[test]
fn match_volume() {
    let rwo = json!(["ReadWriteOnce"]);
    let cases = [
        ("successful-match-gce-10", make_pvc("8G", json!({})), "gce-pd-10"),
        (
            "successful-match-nfs-5",
            make_pvc(
                "5G",
                json!({"spec": {"accessModes": ["ReadOnlyMany", "ReadWriteOnce", "ReadWriteMany"]}}),
            ),
            "nfs-5",
        ),
        ("successful-skip-1g-bound-volume", make_pvc("1G", json!({})), "gce-pd-5"),
        ("successful-no-match", make_pvc("999G", json!({})), ""),
        (
            "successful-no-match-due-to-label",
            make_pvc("999G", json!({"spec": {"selector": {"matchLabels": {"should-not-exist": "true"}}}})),
            "",
        ),
        (
            "successful-no-match-due-to-size-constraint-with-label-selector",
            make_pvc("20000G", json!({"spec": {"selector": {"matchLabels": {"should-exist": "true"}}}})),
            "",
        ),
        (
            "successful-match-due-with-constraint-and-label-selector",
            make_pvc(
                "20000G",
                json!({"spec": {"selector": {"matchLabels": {"should-exist": "true"}}, "accessModes": rwo}}),
            ),
            "gce-pd-2",
        ),
        (
            "successful-match-with-class",
            make_pvc(
                "1G",
                json!({"spec": {"selector": {"matchLabels": {"should-exist": "true"}}, "accessModes": rwo, "storageClassName": "silver"}}),
            ),
            "gce-pd-silver1",
        ),
        (
            "successful-match-with-class-and-labels",
            make_pvc("1G", json!({"spec": {"accessModes": rwo, "storageClassName": "silver"}})),
            "gce-pd-silver2",
        ),
        (
            "successful-match-very-large",
            make_pvc("1E", json!({"spec": {"accessModes": rwo, "storageClassName": "large"}})),
            "local-pd-very-large",
        ),
        (
            "successful-match-exact-extremely-large",
            make_pvc("800E", json!({"spec": {"accessModes": rwo, "storageClassName": "large"}})),
            "local-pd-extremely-large",
        ),
        (
            "successful-no-match-way-too-large",
            make_pvc("950E", json!({"spec": {"accessModes": rwo, "storageClassName": "large"}})),
            "",
        ),
    ];
    let volumes = test_volumes();
    for (name, claim, want) in cases {
        assert_eq!(match_uid(&with_claim(&volumes, claim)), want, "{name}");
    }
}

/// `TestMatchingWithBoundVolumes`: of two equal volumes the bound one is skipped.
#[test]
fn matching_with_bound_volumes() {
    let pv = |name: &str, bound: bool| {
        let mut v = json!({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": name, "uid": name},
            "spec": {"capacity": {"storage": "1G"}, "accessModes": ["ReadWriteOnce", "ReadOnlyMany"], "gcePersistentDisk": {}, "volumeMode": "Filesystem"},
            "status": {"phase": if bound { "Bound" } else { "Available" }}});
        if bound {
            v["spec"]["claimRef"] = json!({"uid": "abc123"});
        }
        v
    };
    assert_eq!(match_uid(&[pv("gce001", true), pv("gce002", false), make_pvc("1G", json!({}))]), "gce002");
}

/// `TestFindingVolumeWithDifferentAccessModes`: fewest modes first, the order of the claim's
/// modes does not matter, a claimed volume sends the claim one level up.
#[test]
fn finding_volume_with_different_access_modes() {
    let pv = |name: &str, modes: &[&str], claimed: bool| {
        let mut v = json!({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": name, "uid": name},
            "spec": {"capacity": {"storage": "10G"}, "accessModes": modes, "volumeMode": "Filesystem", "nfs": {}},
            "status": {"phase": "Available"}});
        if claimed {
            v["spec"]["claimRef"] = json!({});
        }
        v
    };
    let claim = |modes: &[&str]| make_pvc("1G", json!({"spec": {"accessModes": modes}}));
    let (rwo, rox, rwx) = ("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany");
    let cases: [(&str, bool, bool, &[&str], &str); 7] = [
        // (case, ebs claimed, gce claimed, claim modes, expected)
        ("RWO: the exact match", false, false, &[rwo], "ebs"),
        ("RWO+ROX", false, false, &[rwo, rox], "gce"),
        ("order of the requested modes should not matter", false, false, &[rwx, rwo, rox], "nfs"),
        ("fewer modes requested should still match", false, false, &[rwx], "nfs"),
        ("pretend the exact match is bound: next level up", true, false, &[rwo], "gce"),
        ("continue up the levels of modes", true, true, &[rwo], "nfs"),
        ("partial mode request", true, false, &[rox], "gce"),
    ];
    for (name, ebs_claimed, gce_claimed, modes, want) in cases {
        let objects = [
            pv("gce", &[rwo, rox], gce_claimed),
            pv("ebs", &[rwo], ebs_claimed),
            pv("nfs", &[rwo, rox, rwx], false),
            claim(modes),
        ];
        assert_eq!(match_uid(&objects), want, "{name}");
    }
}

/// `TestFindingPreboundVolumes`: a volume pre-bound to the claim wins over a smaller one, unless
/// it is too small or lacks the claim's access modes.
#[test]
fn finding_prebound_volumes() {
    let pv = |name: &str, size: &str, modes: &[&str], claim_ref: Option<(&str, &str)>| {
        let mut v = json!({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": name, "uid": name},
            "spec": {"capacity": {"storage": size}, "accessModes": modes, "hostPath": {"path": "/x"}, "volumeMode": "Filesystem"},
            "status": {"phase": "Available"}});
        if let Some((ns, claim)) = claim_ref {
            v["spec"]["claimRef"] =
                json!({"kind": "PersistentVolumeClaim", "namespace": ns, "name": claim, "apiVersion": "v1"});
        }
        v
    };
    let claim = make_pvc("1Gi", json!({"spec": {"accessModes": ["ReadWriteOnce"]}}));
    let ours = Some(("myns", "claim01"));
    let rwo: &[&str] = &["ReadWriteOnce"];
    let set = |pv1: Option<(&str, &str)>, pv8, bad_size, bad_mode| {
        vec![
            pv("pv1", "1Gi", rwo, pv1),
            pv("pv5", "5Gi", rwo, None),
            pv("pv8", "8Gi", rwo, pv8),
            pv("pvBadSize", "1Mi", rwo, bad_size),
            pv("pvBadMode", "1Gi", &["ReadOnlyMany"], bad_mode),
            claim.clone(),
        ]
    };
    let cases = [
        ("expected exact match on size", set(None, None, None, None), "pv1"),
        (
            "the exact match is pre-bound elsewhere: the next size up",
            set(Some(("bar", "foo")), None, None, None),
            "pv5",
        ),
        ("the largest volume is pre-bound to the claim", set(None, ours, None, None), "pv8"),
        ("a too small volume pre-bound to the claim: the exact match", set(None, None, ours, None), "pv1"),
        (
            "a volume without the access mode pre-bound to the claim: the exact match",
            set(None, None, None, ours),
            "pv1",
        ),
    ];
    for (name, objects, want) in cases {
        assert_eq!(match_uid(&objects), want, "{name}");
    }
}

/// A WaitForFirstConsumer class (upstream's `classWait`) with no provisioner.
fn class_wait() -> Value {
    json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "wait", "uid": "class-wait"},
           "provisioner": "kubernetes.io/no-provisioner", "volumeBindingMode": "WaitForFirstConsumer"})
}

/// `TestBestMatchDelayed`: binding through the PV controller waits for a consumer.
#[test]
fn best_match_delayed() {
    let mut objects = test_volumes();
    objects.push(class_wait());
    objects.push(make_pvc(
        "8G",
        json!({"spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "wait"}}),
    ));
    assert_eq!(match_uid(&objects), "");
}

/// `TestFindMatchVolumeWithNode`: a claim of a WaitForFirstConsumer class whose pod is on a node
/// gets the smallest volume whose node affinity admits the node. "Excluded" volumes (chosen for
/// another claim of the same pod) are volumes already claimed here.
#[test]
fn find_match_volume_with_node() {
    let node = |name: &str, value: &str| {
        json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "uid": name, "labels": {"key1": value}},
               "status": {"conditions": [{"type": "Ready", "status": "True"}]}})
    };
    let pod = |claim: &str, node: &str| {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "consumer", "namespace": "myns", "uid": "pod"},
               "spec": {"nodeName": node, "containers": [{"name": "c", "image": "i"}],
                        "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": claim}}]},
               "status": {"phase": "Pending"}})
    };
    let claim = |name: &str, modes: &[&str]| {
        make_pvc(
            "100G",
            json!({"metadata": {"name": name, "uid": format!("{name}-uid")},
                                 "spec": {"accessModes": modes, "storageClassName": "wait"}}),
        )
    };
    let excluded = |names: &[&str]| -> Vec<Value> {
        test_volumes()
            .into_iter()
            .map(|mut v| {
                if names.contains(&model::name(&v)) {
                    v["spec"]["claimRef"] = json!({"namespace": "myns", "name": "other", "uid": "other"});
                    v["status"]["phase"] = json!("Bound");
                }
                v
            })
            .collect()
    };
    let rwo: &[&str] = &["ReadWriteOnce"];
    let cases: [(&str, Value, &str, Vec<Value>, &str); 9] = [
        ("success-match", claim("claim01", rwo), "node1", excluded(&[]), "affinity-pv"),
        ("success-prebound", claim("claim02", rwo), "node1", excluded(&[]), "affinity-prebound"),
        ("success-exclusion", claim("claim01", rwo), "node1", excluded(&["affinity001"]), "affinity-pv2"),
        ("fail-exclusion", claim("claim01", rwo), "node1", excluded(&["affinity001", "affinity002"]), ""),
        ("fail-accessmode", claim("claim01", &["ReadWriteMany"]), "node1", excluded(&[]), ""),
        ("fail-nodeaffinity", claim("claim01", rwo), "node2", excluded(&[]), ""),
        // Upstream's scheduler path refuses the node; its PV controller path (no node) binds a
        // pre-bound volume at once anyway, and so does one konverge step.
        ("fail-prebound-node-affinity", claim("claim02", rwo), "node3", excluded(&[]), "affinity-prebound"),
        ("fail-nonavaiable", claim("claim04", rwo), "node4", excluded(&[]), ""),
        ("success-bad-and-good-node-affinity", claim("claim03", rwo), "node3", excluded(&[]), "affinity-pv3"),
    ];
    for (name, claim, on, volumes, want) in cases {
        let claim_name = model::name(&claim).to_string();
        let mut objects = volumes;
        objects.extend([
            class_wait(),
            node("node1", "value1"),
            node("node2", "value2"),
            node("node3", "value3"),
            node("node4", "value4"),
        ]);
        objects.push(claim);
        objects.push(pod(&claim_name, on));
        assert_eq!(match_uid(&objects), want, "{name}");
    }
}

/// `TestFilteringVolumeModes` (feature enabled): a claim only matches a volume of its volume
/// mode; a missing mode is Filesystem on both sides.
#[test]
fn filtering_volume_modes() {
    let pv = |mode: Option<&str>| {
        let mut v = json!({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "block", "uid": "local-1"},
            "spec": {"capacity": {"storage": "10G"}, "accessModes": ["ReadWriteOnce"], "local": {}},
            "status": {"phase": "Available"}});
        if let Some(m) = mode {
            v["spec"]["volumeMode"] = json!(m);
        }
        v
    };
    let pvc = |mode: Option<&str>| {
        let mut c = make_pvc("8G", json!({"spec": {"accessModes": ["ReadWriteOnce"], "volumeMode": null}}));
        if let Some(m) = mode {
            c["spec"]["volumeMode"] = json!(m);
        }
        c
    };
    let (b, fs) = (Some("Block"), Some("Filesystem"));
    let cases = [
        ("1-1 pvc block and pv filesystem", b, fs, false),
        ("1-2 pvc filesystem and pv block", fs, b, false),
        ("1-3 pvc block and pv no mode with default filesystem", b, None, false),
        ("1-4 pvc no mode defaulted to filesystem and pv block", None, b, false),
        ("1-5 pvc block and pv block", b, b, true),
        ("1-6 pvc filesystem and pv filesystem", fs, fs, true),
        ("1-7 pvc mode is nil and pv mode is nil", None, None, true),
    ];
    for (name, claim_mode, volume_mode, want) in cases {
        let got = match_uid(&[pv(volume_mode), pvc(claim_mode)]) == "local-1";
        assert_eq!(got, want, "{name}");
    }
}

/// `TestStorageObjectInUseProtectionFiltering` (feature enabled): a volume being deleted is
/// never matched, nor does it satisfy a claim that names it.
#[test]
fn storage_object_in_use_protection_filtering() {
    let pv = |deleting: bool| {
        let mut v = json!({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "pv1", "uid": "pv1"},
            "spec": {"capacity": {"storage": "1G"}, "accessModes": ["ReadWriteOnce"], "hostPath": {"path": "/x"}, "volumeMode": "Filesystem"},
            "status": {"phase": "Available"}});
        if deleting {
            v["metadata"]["deletionTimestamp"] = json!(NOW);
        }
        v
    };
    let pvc =
        make_pvc("1G", json!({"metadata": {"name": "pvc1"}, "spec": {"accessModes": ["ReadWriteOnce"]}}));
    assert_eq!(match_uid(&[pv(false), pvc.clone()]), "pv1", "pv deletionTimeStamp not set");
    assert_eq!(match_uid(&[pv(true), pvc.clone()]), "", "pv deletionTimeStamp set");
    // checkVolumeSatisfyClaim: the claim names the volume.
    let mut named = pvc;
    named["spec"]["volumeName"] = json!("pv1");
    let (objects, events) = sync(&[pv(true), named]);
    assert_eq!(claim_summary(&objects, "pvc1", "myns"), "volume=pv1 phase=Pending");
    assert_eq!(events, ["Warning VolumeMismatch Cannot bind to requested volume \"pv1\": the volume is marked for deletion \"pv1\""]);
}

/// Several claims that ask for the same thing bind in one step, in queue order, each to the
/// next volume of the walk (upstream binds them one sync at a time).
#[test]
fn a_queue_of_equal_claims_takes_the_walk_in_order() {
    let mut objects = test_volumes();
    for (i, name) in ["c0", "c1", "c2", "c3", "c4"].iter().enumerate() {
        objects.push(make_pvc(
            "1G",
            json!({"metadata": {"name": name, "uid": format!("{name}-uid"), "creationTimestamp": format!("2025-01-01T00:00:0{i}Z")}}),
        ));
    }
    let got: Vec<String> = matched(&objects).into_iter().map(|(c, v)| format!("{c}={v}")).collect();
    // RWO+ROX first: gce002 (5G), gce003 (10G); then RWO+ROX+RWX: nfs001 (1G), nfs002, nfs003.
    assert_eq!(got, ["c0=gce002", "c1=gce003", "c2=nfs001", "c3=nfs002", "c4=nfs003"]);
}

// ---------------------------------------------------------------------------------------------
// binder_test.go TestSync
// ---------------------------------------------------------------------------------------------

/// One step of the controller over `objects`: the objects afterwards and the events recorded
/// ("Type Reason Message").
fn sync(objects: &[Value]) -> (BTreeMap<ObjKey, Value>, Vec<String>) {
    let mut state = State::of_objects(
        objects.iter().map(|o| (ObjKey::of(o), o.clone())),
        model::parse_time(NOW).unwrap(),
    );
    let proposals = {
        let f = Facts::extract(&state);
        volume::reconcile(&f)
    };
    let mut api = ApiServer::new(&mut state);
    for a in &proposals.actions {
        if let Ok(done) = api.admit(&a.change) {
            for ev in &a.events {
                api.record_event(ev, a.controller, &done.key.name);
            }
        }
    }
    let events = state
        .events
        .values()
        .map(|e| format!("{} {} {}", e.text(&["type"]), e.reason(), e.message()))
        .collect();
    (state.objects, events)
}

/// framework_test.go `newVolume(name, capacity, boundToClaimUID, boundToClaimName, phase,
/// reclaimPolicy, class, annotations…)`: GCE PD, ReadWriteOnce + ReadOnlyMany, Filesystem.
fn new_volume(
    name: &str,
    size: &str,
    claim_uid: &str,
    claim: &str,
    phase: &str,
    class: &str,
    annotations: &[&str],
) -> Value {
    let mut v = json!({"apiVersion": "v1", "kind": "PersistentVolume",
        "metadata": {"name": name, "uid": format!("pv-{name}"), "resourceVersion": "1"},
        "spec": {"capacity": {"storage": size}, "accessModes": ["ReadWriteOnce", "ReadOnlyMany"], "gcePersistentDisk": {},
                 "persistentVolumeReclaimPolicy": "Retain", "storageClassName": class, "volumeMode": "Filesystem"},
        "status": {"phase": phase}});
    if !claim.is_empty() {
        v["spec"]["claimRef"] = json!({"kind": "PersistentVolumeClaim", "apiVersion": "v1", "uid": claim_uid, "namespace": "default", "name": claim});
    }
    for a in annotations {
        v["metadata"]["annotations"][*a] = json!("yes");
    }
    v
}

/// framework_test.go `newClaim(name, claimUID, capacity, boundToVolume, phase, class,
/// annotations…)`: ReadWriteOnce + ReadOnlyMany; a Bound claim shows its request as capacity.
fn new_claim(
    name: &str,
    uid: &str,
    size: &str,
    volume_name: &str,
    phase: &str,
    class: Option<&str>,
    annotations: &[&str],
) -> Value {
    let mut c = json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
        "metadata": {"name": name, "namespace": "default", "uid": uid, "resourceVersion": "1", "creationTimestamp": NOW},
        "spec": {"accessModes": ["ReadWriteOnce", "ReadOnlyMany"], "resources": {"requests": {"storage": size}}, "volumeMode": "Filesystem"},
        "status": {"phase": phase}});
    if !volume_name.is_empty() {
        c["spec"]["volumeName"] = json!(volume_name);
    }
    if let Some(class) = class {
        c["spec"]["storageClassName"] = json!(class);
    }
    if phase == "Bound" {
        c["status"]["capacity"] = json!({"storage": size});
        c["status"]["accessModes"] = json!(["ReadWriteOnce", "ReadOnlyMany"]);
    }
    for a in annotations {
        c["metadata"]["annotations"][*a] = json!("yes");
    }
    c
}

const BOUND_BY_CONTROLLER: &str = "pv.kubernetes.io/bound-by-controller";
const BIND_COMPLETED: &str = "pv.kubernetes.io/bind-completed";
const SELECTED_NODE: &str = "volume.kubernetes.io/selected-node";

/// What the tables compare of a volume: claimRef (name/uid), phase, bound-by-controller.
fn volume_summary(objects: &BTreeMap<ObjKey, Value>, name: &str) -> String {
    let Some(v) = objects.get(&ObjKey::new("PersistentVolume", "", name)) else { return "deleted".into() };
    let mut out = String::new();
    if let Some(r) = v["spec"].get("claimRef").filter(|r| r.is_object()) {
        out.push_str(&format!("claim={}/{} ", model::str_at(r, &["name"]), model::str_at(r, &["uid"])));
    }
    out.push_str(&format!("phase={}", model::str_at(v, &["status", "phase"])));
    if model::annotation(v, BOUND_BY_CONTROLLER).is_some() {
        out.push_str(" bound-by-controller");
    }
    out
}

/// What the tables compare of a claim: volume name, phase, annotations, capacity.
fn claim_summary(objects: &BTreeMap<ObjKey, Value>, name: &str, ns: &str) -> String {
    let Some(c) = objects.get(&ObjKey::new("PersistentVolumeClaim", ns, name)) else {
        return "deleted".into();
    };
    let mut out = String::new();
    if let Some(v) = c["spec"]["volumeName"].as_str() {
        out.push_str(&format!("volume={v} "));
    }
    out.push_str(&format!("phase={}", model::str_at(c, &["status", "phase"])));
    for (a, short) in [(BOUND_BY_CONTROLLER, "bound-by-controller"), (BIND_COMPLETED, "bind-completed")] {
        if model::annotation(c, a).is_some() {
            out.push_str(&format!(" {short}"));
        }
    }
    if let Some(cap) = c["status"]["capacity"]["storage"].as_str() {
        out.push_str(&format!(" capacity={cap}"));
    }
    out
}

/// One TestSync case: the objects before, then the expected volumes and claims (by summary)
/// and event reasons after one step.
struct SyncCase {
    name: &'static str,
    objects: Vec<Value>,
    volumes: Vec<(&'static str, &'static str)>,
    claims: Vec<(&'static str, &'static str)>,
    events: &'static [&'static str],
}

fn check(cases: Vec<SyncCase>) {
    for case in cases {
        let (after, events) = sync(&case.objects);
        for (name, want) in &case.volumes {
            assert_eq!(volume_summary(&after, name), *want, "{}: volume {name}", case.name);
        }
        for (name, want) in &case.claims {
            assert_eq!(claim_summary(&after, name, "default"), *want, "{}: claim {name}", case.name);
        }
        let reasons: Vec<String> =
            events.iter().map(|e| e.splitn(3, ' ').take(2).collect::<Vec<_>>().join(" ")).collect();
        assert_eq!(reasons, case.events, "{}: events {events:?}", case.name);
    }
}

const BBC: &str = BOUND_BY_CONTROLLER;
const BC: &str = BIND_COMPLETED;

/// `TestSync` [Unit test set 1]: the claim did not ask for a volume.
#[test]
fn sync_unbound_claims() {
    check(vec![
        SyncCase {
            name: "1-1 - successful bind",
            objects: vec![
                new_volume("volume1-1", "1Gi", "", "", "Available", "", &[]),
                new_claim("claim1-1", "uid1-1", "1Gi", "", "Pending", None, &[]),
            ],
            volumes: vec![("volume1-1", "claim=claim1-1/uid1-1 phase=Bound bound-by-controller")],
            claims: vec![(
                "claim1-1",
                "volume=volume1-1 phase=Bound bound-by-controller bind-completed capacity=1Gi",
            )],
            events: &[],
        },
        SyncCase {
            name: "1-2 - noop",
            objects: vec![
                new_volume("volume1-2", "1Gi", "", "", "Available", "", &[]),
                new_claim("claim1-2", "uid1-2", "10Gi", "", "Pending", None, &[]),
            ],
            volumes: vec![("volume1-2", "phase=Available")],
            claims: vec![("claim1-2", "phase=Pending")],
            events: &["Normal FailedBinding"],
        },
        SyncCase {
            name: "1-3 - reset to Pending",
            objects: vec![
                new_volume("volume1-3", "1Gi", "", "", "Available", "", &[]),
                new_claim("claim1-3", "uid1-3", "10Gi", "", "Bound", None, &[]),
            ],
            volumes: vec![("volume1-3", "phase=Available")],
            claims: vec![("claim1-3", "phase=Pending")],
            events: &["Normal FailedBinding"],
        },
        SyncCase {
            name: "1-4 - smallest volume",
            objects: vec![
                new_volume("volume1-4_1", "10Gi", "", "", "Available", "", &[]),
                new_volume("volume1-4_2", "1Gi", "", "", "Available", "", &[]),
                new_claim("claim1-4", "uid1-4", "1Gi", "", "Pending", None, &[]),
            ],
            volumes: vec![
                ("volume1-4_1", "phase=Available"),
                ("volume1-4_2", "claim=claim1-4/uid1-4 phase=Bound bound-by-controller"),
            ],
            claims: vec![(
                "claim1-4",
                "volume=volume1-4_2 phase=Bound bound-by-controller bind-completed capacity=1Gi",
            )],
            events: &[],
        },
        SyncCase {
            name: "1-5 - prebound volume by name - success",
            objects: vec![
                new_volume("volume1-5_1", "10Gi", "", "claim1-5", "Available", "", &[]),
                new_volume("volume1-5_2", "1Gi", "", "", "Available", "", &[]),
                new_claim("claim1-5", "uid1-5", "1Gi", "", "Pending", None, &[]),
            ],
            volumes: vec![
                ("volume1-5_1", "claim=claim1-5/uid1-5 phase=Bound"),
                ("volume1-5_2", "phase=Available"),
            ],
            claims: vec![(
                "claim1-5",
                "volume=volume1-5_1 phase=Bound bound-by-controller bind-completed capacity=10Gi",
            )],
            events: &[],
        },
        SyncCase {
            name: "1-6 - prebound volume by UID - success",
            objects: vec![
                new_volume("volume1-6_1", "10Gi", "uid1-6", "claim1-6", "Available", "", &[]),
                new_volume("volume1-6_2", "1Gi", "", "", "Available", "", &[]),
                new_claim("claim1-6", "uid1-6", "1Gi", "", "Pending", None, &[]),
            ],
            volumes: vec![
                ("volume1-6_1", "claim=claim1-6/uid1-6 phase=Bound"),
                ("volume1-6_2", "phase=Available"),
            ],
            claims: vec![(
                "claim1-6",
                "volume=volume1-6_1 phase=Bound bound-by-controller bind-completed capacity=10Gi",
            )],
            events: &[],
        },
        SyncCase {
            // syncVolume (4-4) releases the volume in the same step: its claim has another uid.
            name: "1-7 - prebound volume to different claim",
            objects: vec![
                new_volume("volume1-7", "10Gi", "uid1-777", "claim1-7", "Available", "", &[]),
                new_claim("claim1-7", "uid1-7", "1Gi", "", "Pending", None, &[]),
            ],
            volumes: vec![("volume1-7", "claim=claim1-7/uid1-777 phase=Released")],
            claims: vec![("claim1-7", "phase=Pending")],
            events: &["Normal FailedBinding"],
        },
        SyncCase {
            name: "1-8 - complete bind after crash - PV bound",
            objects: vec![
                new_volume("volume1-8", "1Gi", "uid1-8", "claim1-8", "Available", "", &[BBC]),
                new_claim("claim1-8", "uid1-8", "1Gi", "", "Pending", None, &[]),
            ],
            volumes: vec![("volume1-8", "claim=claim1-8/uid1-8 phase=Bound bound-by-controller")],
            claims: vec![(
                "claim1-8",
                "volume=volume1-8 phase=Bound bound-by-controller bind-completed capacity=1Gi",
            )],
            events: &[],
        },
        SyncCase {
            name: "1-9 - complete bind after crash - PV status saved",
            objects: vec![
                new_volume("volume1-9", "1Gi", "uid1-9", "claim1-9", "Bound", "", &[BBC]),
                new_claim("claim1-9", "uid1-9", "1Gi", "", "Pending", None, &[]),
            ],
            volumes: vec![("volume1-9", "claim=claim1-9/uid1-9 phase=Bound bound-by-controller")],
            claims: vec![(
                "claim1-9",
                "volume=volume1-9 phase=Bound bound-by-controller bind-completed capacity=1Gi",
            )],
            events: &[],
        },
        SyncCase {
            name: "1-10 - complete bind after crash - PVC bound",
            objects: vec![
                new_volume("volume1-10", "1Gi", "uid1-10", "claim1-10", "Bound", "", &[BBC]),
                new_claim("claim1-10", "uid1-10", "1Gi", "volume1-10", "Pending", None, &[BBC, BC]),
            ],
            volumes: vec![("volume1-10", "claim=claim1-10/uid1-10 phase=Bound bound-by-controller")],
            claims: vec![(
                "claim1-10",
                "volume=volume1-10 phase=Bound bound-by-controller bind-completed capacity=1Gi",
            )],
            events: &[],
        },
        SyncCase {
            name: "1-11 - bind when selector matches",
            objects: vec![
                labelled(new_volume("volume1-1", "1Gi", "", "", "Available", "", &[])),
                selecting(new_claim("claim1-1", "uid1-1", "1Gi", "", "Pending", None, &[])),
            ],
            volumes: vec![("volume1-1", "claim=claim1-1/uid1-1 phase=Bound bound-by-controller")],
            claims: vec![(
                "claim1-1",
                "volume=volume1-1 phase=Bound bound-by-controller bind-completed capacity=1Gi",
            )],
            events: &[],
        },
        SyncCase {
            name: "1-12 - do not bind when selector does not match",
            objects: vec![
                new_volume("volume1-1", "1Gi", "", "", "Available", "", &[]),
                selecting(new_claim("claim1-1", "uid1-1", "1Gi", "", "Pending", None, &[])),
            ],
            volumes: vec![("volume1-1", "phase=Available")],
            claims: vec![("claim1-1", "phase=Pending")],
            events: &["Normal FailedBinding"],
        },
        SyncCase {
            name: "1-13 - delayed binding",
            objects: vec![
                new_volume("volume1-1", "1Gi", "", "", "Available", "wait", &[]),
                new_claim("claim1-1", "uid1-1", "1Gi", "", "Pending", Some("wait"), &[]),
                class_wait(),
            ],
            volumes: vec![("volume1-1", "phase=Available")],
            claims: vec![("claim1-1", "phase=Pending")],
            events: &["Normal WaitForFirstConsumer"],
        },
        SyncCase {
            name: "1-14 - successful prebound PV",
            objects: vec![
                new_volume("volume1-1", "1Gi", "", "claim1-1", "Available", "wait", &[]),
                new_claim("claim1-1", "uid1-1", "1Gi", "", "Pending", Some("wait"), &[]),
                class_wait(),
            ],
            volumes: vec![("volume1-1", "claim=claim1-1/uid1-1 phase=Bound")],
            claims: vec![(
                "claim1-1",
                "volume=volume1-1 phase=Bound bound-by-controller bind-completed capacity=1Gi",
            )],
            events: &[],
        },
        SyncCase {
            name: "1-15 - successful prebound PVC",
            objects: vec![
                new_volume("volume1-15_1", "10Gi", "", "", "Available", "", &[]),
                new_volume("volume1-15_2", "1Gi", "", "", "Available", "", &[]),
                new_claim("claim1-15", "uid1-15", "1Gi", "volume1-15_1", "Pending", None, &[]),
            ],
            volumes: vec![
                ("volume1-15_1", "claim=claim1-15/uid1-15 phase=Bound bound-by-controller"),
                ("volume1-15_2", "phase=Available"),
            ],
            claims: vec![("claim1-15", "volume=volume1-15_1 phase=Bound bind-completed capacity=10Gi")],
            events: &[],
        },
        SyncCase {
            name: "1-16 - successful prebound PVC (a PV of another access mode is not bound)",
            objects: vec![new_volume("volume1-16", "1Gi", "", "", "Available", "", &[]), {
                let mut c = new_claim("claim1-16", "uid1-16", "1Gi", "volume1-16", "Pending", None, &[]);
                c["spec"]["accessModes"] = json!(["ReadWriteMany"]);
                c
            }],
            volumes: vec![("volume1-16", "phase=Available")],
            claims: vec![("claim1-16", "volume=volume1-16 phase=Pending")],
            events: &["Warning VolumeMismatch"],
        },
        SyncCase {
            name: "1-17 - skip non-available PV if it's not pre-bind",
            objects: vec![
                new_volume("volume1-17-pending", "1Gi", "", "", "Pending", "", &[]),
                new_volume("volume1-17-failed", "1Gi", "", "", "Failed", "", &[]),
                new_volume("volume1-17-released", "1Gi", "", "", "Released", "", &[]),
                new_volume("volume1-17-empty", "1Gi", "", "", "", "", &[]),
                new_claim("claim1-17", "uid1-17", "1Gi", "", "Pending", None, &[]),
            ],
            // syncVolume makes every unclaimed volume Available in the same step.
            volumes: vec![
                ("volume1-17-pending", "phase=Available"),
                ("volume1-17-failed", "phase=Available"),
                ("volume1-17-released", "phase=Available"),
                ("volume1-17-empty", "phase=Available"),
            ],
            claims: vec![("claim1-17", "phase=Pending")],
            events: &["Normal FailedBinding"],
        },
        SyncCase {
            name: "1-18 - successful pre-bound PV to PVC provisioning",
            objects: vec![
                new_volume("volume1-18", "1Gi", "uid1-18", "claim1-18", "Available", "wait", &[]),
                {
                    let mut c = new_claim("claim1-18", "uid1-18", "1Gi", "", "Pending", Some("wait"), &[]);
                    c["metadata"]["annotations"][SELECTED_NODE] = json!("node1");
                    c
                },
                class_wait(),
            ],
            volumes: vec![("volume1-18", "claim=claim1-18/uid1-18 phase=Bound")],
            claims: vec![(
                "claim1-18",
                "volume=volume1-18 phase=Bound bound-by-controller bind-completed capacity=1Gi",
            )],
            events: &[],
        },
    ]);
}

fn labelled(mut v: Value) -> Value {
    v["metadata"]["labels"] = json!({"foo": "true", "bar": "false"});
    v
}

fn selecting(mut c: Value) -> Value {
    c["spec"]["selector"] = json!({"matchLabels": {"foo": "true", "bar": "false"}});
    c
}

/// `TestSync` [Unit test set 2]: the claim asked for a volume.
#[test]
fn sync_claims_that_name_a_volume() {
    check(vec![
        SyncCase {
            name: "2-1 - claim prebound to non-existing volume - noop",
            objects: vec![new_claim("claim2-1", "uid2-1", "10Gi", "volume2-1", "Pending", None, &[])],
            volumes: vec![],
            claims: vec![("claim2-1", "volume=volume2-1 phase=Pending")],
            events: &[],
        },
        SyncCase {
            name: "2-2 - claim prebound to non-existing volume - reset status",
            objects: vec![new_claim("claim2-2", "uid2-2", "10Gi", "volume2-2", "Bound", None, &[])],
            volumes: vec![],
            claims: vec![("claim2-2", "volume=volume2-2 phase=Pending")],
            events: &[],
        },
        SyncCase {
            name: "2-3 - claim prebound to unbound volume",
            objects: vec![
                new_volume("volume2-3", "1Gi", "", "", "Available", "", &[]),
                new_claim("claim2-3", "uid2-3", "1Gi", "volume2-3", "Pending", None, &[]),
            ],
            volumes: vec![("volume2-3", "claim=claim2-3/uid2-3 phase=Bound bound-by-controller")],
            claims: vec![("claim2-3", "volume=volume2-3 phase=Bound bind-completed capacity=1Gi")],
            events: &[],
        },
        SyncCase {
            name: "2-4 - claim prebound to prebound volume by name",
            objects: vec![
                new_volume("volume2-4", "1Gi", "", "claim2-4", "Available", "", &[]),
                new_claim("claim2-4", "uid2-4", "1Gi", "volume2-4", "Pending", None, &[]),
            ],
            volumes: vec![("volume2-4", "claim=claim2-4/uid2-4 phase=Bound")],
            claims: vec![("claim2-4", "volume=volume2-4 phase=Bound bind-completed capacity=1Gi")],
            events: &[],
        },
        SyncCase {
            name: "2-5 - claim prebound to prebound volume by UID",
            objects: vec![
                new_volume("volume2-5", "1Gi", "uid2-5", "claim2-5", "Available", "", &[]),
                new_claim("claim2-5", "uid2-5", "1Gi", "volume2-5", "Pending", None, &[]),
            ],
            volumes: vec![("volume2-5", "claim=claim2-5/uid2-5 phase=Bound")],
            claims: vec![("claim2-5", "volume=volume2-5 phase=Bound bind-completed capacity=1Gi")],
            events: &[],
        },
        SyncCase {
            // The volume's own claim (claim2-6_1) does not exist: syncVolume releases it.
            name: "2-6 - claim prebound to already bound volume",
            objects: vec![
                new_volume("volume2-6", "1Gi", "uid2-6_1", "claim2-6_1", "Bound", "", &[]),
                new_claim("claim2-6", "uid2-6", "1Gi", "volume2-6", "Bound", None, &[]),
            ],
            volumes: vec![("volume2-6", "claim=claim2-6_1/uid2-6_1 phase=Released")],
            claims: vec![("claim2-6", "volume=volume2-6 phase=Pending")],
            events: &["Warning FailedBinding"],
        },
        SyncCase {
            name: "2-8 - claim prebound to unbound volume that does not match the selector",
            objects: vec![
                new_volume("volume2-8", "1Gi", "", "", "Available", "", &[]),
                selecting(new_claim("claim2-8", "uid2-8", "1Gi", "volume2-8", "Pending", None, &[])),
            ],
            volumes: vec![("volume2-8", "claim=claim2-8/uid2-8 phase=Bound bound-by-controller")],
            claims: vec![("claim2-8", "volume=volume2-8 phase=Bound bind-completed capacity=1Gi")],
            events: &[],
        },
        SyncCase {
            name: "2-9 - claim prebound to unbound volume that size is smaller than requested",
            objects: vec![
                new_volume("volume2-9", "1Gi", "", "", "Available", "", &[]),
                new_claim("claim2-9", "uid2-9", "2Gi", "volume2-9", "Bound", None, &[]),
            ],
            volumes: vec![("volume2-9", "phase=Available")],
            claims: vec![("claim2-9", "volume=volume2-9 phase=Pending")],
            events: &["Warning VolumeMismatch"],
        },
        SyncCase {
            name: "2-10 - claim prebound to unbound volume that class is different",
            objects: vec![
                new_volume("volume2-10", "1Gi", "1", "", "Available", "gold", &[]),
                new_claim("claim2-10", "uid2-10", "1Gi", "volume2-10", "Bound", None, &[]),
            ],
            volumes: vec![("volume2-10", "phase=Available")],
            claims: vec![("claim2-10", "volume=volume2-10 phase=Pending")],
            events: &["Warning VolumeMismatch"],
        },
    ]);
}

/// `TestSync` [Unit test set 3]: bound claims.
#[test]
fn sync_bound_claims() {
    check(vec![
        SyncCase {
            name: "3-1 - bound claim with missing VolumeName",
            objects: vec![new_claim("claim3-1", "uid3-1", "10Gi", "", "Bound", None, &[BBC, BC])],
            volumes: vec![],
            claims: vec![("claim3-1", "phase=Lost bound-by-controller bind-completed capacity=10Gi")],
            events: &["Warning ClaimLost"],
        },
        SyncCase {
            name: "3-2 - bound claim with missing volume",
            objects: vec![new_claim("claim3-2", "uid3-2", "10Gi", "volume3-2", "Bound", None, &[BBC, BC])],
            volumes: vec![],
            claims: vec![(
                "claim3-2",
                "volume=volume3-2 phase=Lost bound-by-controller bind-completed capacity=10Gi",
            )],
            events: &["Warning ClaimLost"],
        },
        SyncCase {
            name: "3-3 - bound claim with unbound volume",
            objects: vec![
                new_volume("volume3-3", "10Gi", "", "", "Available", "", &[]),
                new_claim("claim3-3", "uid3-3", "10Gi", "volume3-3", "Pending", None, &[BBC, BC]),
            ],
            volumes: vec![("volume3-3", "claim=claim3-3/uid3-3 phase=Bound bound-by-controller")],
            claims: vec![(
                "claim3-3",
                "volume=volume3-3 phase=Bound bound-by-controller bind-completed capacity=10Gi",
            )],
            events: &[],
        },
        SyncCase {
            // The volume's claim (claim3-4 with uid claim3-4-x) is gone: syncVolume releases it.
            name: "3-4 - bound claim with prebound volume",
            objects: vec![
                new_volume("volume3-4", "10Gi", "claim3-4-x", "claim3-4", "Available", "", &[]),
                new_claim("claim3-4", "uid3-4", "10Gi", "volume3-4", "Pending", None, &[BBC, BC]),
            ],
            volumes: vec![("volume3-4", "claim=claim3-4/claim3-4-x phase=Released")],
            claims: vec![("claim3-4", "volume=volume3-4 phase=Lost bound-by-controller bind-completed")],
            events: &["Warning ClaimMisbound"],
        },
        SyncCase {
            name: "3-5 - bound claim with bound volume",
            objects: vec![
                new_volume("volume3-5", "10Gi", "uid3-5", "claim3-5", "Available", "", &[]),
                new_claim("claim3-5", "uid3-5", "10Gi", "volume3-5", "Pending", None, &[BC]),
            ],
            volumes: vec![("volume3-5", "claim=claim3-5/uid3-5 phase=Bound")],
            claims: vec![("claim3-5", "volume=volume3-5 phase=Bound bind-completed capacity=10Gi")],
            events: &[],
        },
        SyncCase {
            // volume3-6's own claim (claim3-6-x) is gone too: syncVolume releases it.
            name: "3-6 - bound claim with bound volume",
            objects: vec![
                new_volume("volume3-6", "10Gi", "uid3-6-x", "claim3-6-x", "Available", "", &[]),
                new_claim("claim3-6", "uid3-6", "10Gi", "volume3-6", "Pending", None, &[BC]),
            ],
            volumes: vec![("volume3-6", "claim=claim3-6-x/uid3-6-x phase=Released")],
            claims: vec![("claim3-6", "volume=volume3-6 phase=Lost bind-completed")],
            events: &["Warning ClaimMisbound"],
        },
        SyncCase {
            name: "3-7 - bound claim with unbound volume where selector doesn't match",
            objects: vec![
                new_volume("volume3-3", "10Gi", "", "", "Available", "", &[]),
                selecting(new_claim("claim3-3", "uid3-3", "10Gi", "volume3-3", "Pending", None, &[BBC, BC])),
            ],
            volumes: vec![("volume3-3", "claim=claim3-3/uid3-3 phase=Bound bound-by-controller")],
            claims: vec![(
                "claim3-3",
                "volume=volume3-3 phase=Bound bound-by-controller bind-completed capacity=10Gi",
            )],
            events: &[],
        },
    ]);
}

/// `TestSync` [Unit test set 4]: volumes.
#[test]
fn sync_volumes() {
    check(vec![
        SyncCase {
            name: "4-1 - pending volume",
            objects: vec![new_volume("volume4-1", "10Gi", "", "", "Pending", "", &[])],
            volumes: vec![("volume4-1", "phase=Available")],
            claims: vec![],
            events: &[],
        },
        SyncCase {
            name: "4-2 - pending prebound volume",
            objects: vec![new_volume("volume4-2", "10Gi", "", "claim4-2", "Pending", "", &[])],
            volumes: vec![("volume4-2", "claim=claim4-2/ phase=Available")],
            claims: vec![],
            events: &[],
        },
        SyncCase {
            name: "4-3 - bound volume with missing claim",
            objects: vec![new_volume("volume4-3", "10Gi", "uid4-3", "claim4-3", "Bound", "", &[])],
            volumes: vec![("volume4-3", "claim=claim4-3/uid4-3 phase=Released")],
            claims: vec![],
            events: &[],
        },
        SyncCase {
            // syncClaim finds the claim's volume bound to another uid: Lost, in the same step.
            name: "4-4 - volume bound to claim with different UID",
            objects: vec![
                new_volume("volume4-4", "10Gi", "uid4-4", "claim4-4", "Bound", "", &[]),
                new_claim("claim4-4", "uid4-4-x", "10Gi", "volume4-4", "Bound", None, &[BC]),
            ],
            volumes: vec![("volume4-4", "claim=claim4-4/uid4-4 phase=Released")],
            claims: vec![("claim4-4", "volume=volume4-4 phase=Lost bind-completed capacity=10Gi")],
            events: &["Warning ClaimMisbound"],
        },
        SyncCase {
            // syncClaim completes the binding in the same step (upstream's next syncClaim).
            name: "4-5 - volume bound by controller to unbound claim",
            objects: vec![
                new_volume("volume4-5", "10Gi", "uid4-5", "claim4-5", "Bound", "", &[BBC]),
                new_claim("claim4-5", "uid4-5", "10Gi", "", "Pending", None, &[]),
            ],
            volumes: vec![("volume4-5", "claim=claim4-5/uid4-5 phase=Bound bound-by-controller")],
            claims: vec![(
                "claim4-5",
                "volume=volume4-5 phase=Bound bound-by-controller bind-completed capacity=10Gi",
            )],
            events: &[],
        },
        SyncCase {
            name: "4-6 - volume bound by to bound claim",
            objects: vec![
                new_volume("volume4-6", "10Gi", "uid4-6", "claim4-6", "Available", "", &[]),
                new_claim("claim4-6", "uid4-6", "10Gi", "volume4-6", "Bound", None, &[]),
            ],
            volumes: vec![("volume4-6", "claim=claim4-6/uid4-6 phase=Bound")],
            claims: vec![("claim4-6", "volume=volume4-6 phase=Bound bind-completed capacity=10Gi")],
            events: &[],
        },
        SyncCase {
            name: "4-7 - volume bound by controller to claim bound somewhere else",
            objects: vec![
                new_volume("volume4-7", "10Gi", "uid4-7", "claim4-7", "Bound", "", &[BBC]),
                new_claim("claim4-7", "uid4-7", "10Gi", "volume4-7-x", "Bound", None, &[]),
            ],
            volumes: vec![("volume4-7", "phase=Available")],
            claims: vec![("claim4-7", "volume=volume4-7-x phase=Pending")],
            events: &[],
        },
        SyncCase {
            name: "4-8 - volume bound by user to claim bound somewhere else",
            objects: vec![
                new_volume("volume4-8", "10Gi", "uid4-8", "claim4-8", "Bound", "", &[]),
                new_claim("claim4-8", "uid4-8", "10Gi", "volume4-8-x", "Bound", None, &[]),
            ],
            volumes: vec![("volume4-8", "claim=claim4-8/ phase=Available")],
            claims: vec![("claim4-8", "volume=volume4-8-x phase=Pending")],
            events: &[],
        },
    ]);
}

/// `TestSync` "PVC with class" (13-x) and `TestSyncBlockVolume` (14-x).
#[test]
fn sync_classes_and_volume_modes() {
    let block = |mut v: Value| {
        v["spec"]["volumeMode"] = json!("Block");
        v
    };
    check(vec![
        SyncCase {
            name: "13-1 - binding to class",
            objects: vec![
                new_volume("volume13-1-1", "1Gi", "", "", "Available", "", &[]),
                new_volume("volume13-1-2", "10Gi", "", "", "Available", "gold", &[]),
                new_claim("claim13-1", "uid13-1", "1Gi", "", "Pending", Some("gold"), &[]),
            ],
            volumes: vec![("volume13-1-2", "claim=claim13-1/uid13-1 phase=Bound bound-by-controller")],
            claims: vec![("claim13-1", "volume=volume13-1-2 phase=Bound bound-by-controller bind-completed capacity=10Gi")],
            events: &[],
        },
        SyncCase {
            name: "13-2 - binding without a class",
            objects: vec![
                new_volume("volume13-2-1", "1Gi", "", "", "Available", "gold", &[]),
                new_volume("volume13-2-2", "10Gi", "", "", "Available", "", &[]),
                new_claim("claim13-2", "uid13-2", "1Gi", "", "Pending", None, &[]),
            ],
            volumes: vec![("volume13-2-2", "claim=claim13-2/uid13-2 phase=Bound bound-by-controller")],
            claims: vec![("claim13-2", "volume=volume13-2-2 phase=Bound bound-by-controller bind-completed capacity=10Gi")],
            events: &[],
        },
        SyncCase {
            name: "13-3 - binding to specific a class",
            objects: vec![
                new_volume("volume13-3-1", "1Gi", "", "", "Available", "silver", &[]),
                new_volume("volume13-3-2", "10Gi", "", "", "Available", "gold", &[]),
                new_claim("claim13-3", "uid13-3", "1Gi", "", "Pending", Some("gold"), &[]),
            ],
            volumes: vec![("volume13-3-2", "claim=claim13-3/uid13-3 phase=Bound bound-by-controller")],
            claims: vec![("claim13-3", "volume=volume13-3-2 phase=Bound bound-by-controller bind-completed capacity=10Gi")],
            events: &[],
        },
        SyncCase {
            name: "13-4 - empty class",
            objects: vec![
                new_volume("volume13-4", "1Gi", "", "", "Available", "", &[]),
                new_claim("claim13-4", "uid13-4", "1Gi", "", "Pending", Some(""), &[]),
            ],
            volumes: vec![("volume13-4", "claim=claim13-4/uid13-4 phase=Bound bound-by-controller")],
            claims: vec![("claim13-4", "volume=volume13-4 phase=Bound bound-by-controller bind-completed capacity=1Gi")],
            events: &[],
        },
        SyncCase {
            name: "14-1 - binding to volumeMode block",
            objects: vec![
                block(new_volume("volume14-1", "10Gi", "", "", "Available", "", &[])),
                block(new_claim("claim14-1", "uid14-1", "10Gi", "", "Pending", None, &[])),
            ],
            volumes: vec![("volume14-1", "claim=claim14-1/uid14-1 phase=Bound bound-by-controller")],
            claims: vec![("claim14-1", "volume=volume14-1 phase=Bound bound-by-controller bind-completed capacity=10Gi")],
            events: &[],
        },
        SyncCase {
            name: "14-3 - do not bind pv volumeMode filesystem and pvc volumeMode block",
            objects: vec![
                new_volume("volume14-3", "10Gi", "", "", "Available", "", &[]),
                block(new_claim("claim14-3", "uid14-3", "10Gi", "", "Pending", None, &[])),
            ],
            volumes: vec![("volume14-3", "phase=Available")],
            claims: vec![("claim14-3", "phase=Pending")],
            events: &["Normal FailedBinding"],
        },
        SyncCase {
            name: "14-5 - do not bind when matching class but not volumeMode",
            objects: vec![
                new_volume("volume14-5", "10Gi", "", "", "Available", "gold", &[]),
                block(new_claim("claim14-5", "uid14-5", "10Gi", "", "Pending", Some("gold"), &[])),
            ],
            volumes: vec![("volume14-5", "phase=Available")],
            claims: vec![("claim14-5", "phase=Pending")],
            events: &["Warning ProvisioningFailed"],
        },
        SyncCase {
            name: "14-5-2 - do not bind when pvc is prebound to pv with matching volumeModes but class does not match",
            objects: vec![
                new_volume("volume14-5-2", "10Gi", "", "", "Available", "gold", &[]),
                new_claim("claim14-5-2", "uid14-5-2", "10Gi", "volume14-5-2", "Pending", Some("silver"), &[]),
            ],
            volumes: vec![("volume14-5-2", "phase=Available")],
            claims: vec![("claim14-5-2", "volume=volume14-5-2 phase=Pending")],
            events: &["Warning VolumeMismatch"],
        },
        SyncCase {
            name: "14-7 - bind when pv volume is prebound and volumeModes match",
            objects: vec![
                block(new_volume("volume14-7", "10Gi", "", "claim14-7", "Available", "", &[])),
                block(new_claim("claim14-7", "uid14-7", "10Gi", "", "Pending", None, &[])),
            ],
            volumes: vec![("volume14-7", "claim=claim14-7/uid14-7 phase=Bound")],
            claims: vec![("claim14-7", "volume=volume14-7 phase=Bound bound-by-controller bind-completed capacity=10Gi")],
            events: &[],
        },
        SyncCase {
            name: "14-8 - do not bind when pvc is prebound to pv with mismatching volumeModes",
            objects: vec![
                block(new_volume("volume14-8", "10Gi", "", "", "Available", "", &[])),
                new_claim("claim14-8", "uid14-8", "10Gi", "volume14-8", "Pending", None, &[]),
            ],
            volumes: vec![("volume14-8", "phase=Available")],
            claims: vec![("claim14-8", "volume=volume14-8 phase=Pending")],
            events: &["Warning VolumeMismatch"],
        },
        SyncCase {
            // syncVolume also warns both objects about the volume mode (14-13).
            name: "14-8-1 - do not bind when pv is prebound to pvc with mismatching volumeModes",
            objects: vec![
                block(new_volume("volume14-8-1", "10Gi", "", "claim14-8-1", "Available", "", &[])),
                new_claim("claim14-8-1", "uid14-8-1", "10Gi", "", "Pending", None, &[]),
            ],
            volumes: vec![("volume14-8-1", "claim=claim14-8-1/ phase=Available")],
            claims: vec![("claim14-8-1", "phase=Pending")],
            events: &["Normal FailedBinding"],
        },
        SyncCase {
            name: "14-13 - output warning when pv is prebound to pvc with different volumeModes",
            objects: vec![
                new_volume("volume14-13", "10Gi", "uid14-13", "claim14-13", "Available", "", &[]),
                block(new_claim("claim14-13", "uid14-13", "10Gi", "", "Pending", None, &[])),
            ],
            volumes: vec![("volume14-13", "claim=claim14-13/uid14-13 phase=Available")],
            claims: vec![("claim14-13", "phase=Pending")],
            events: &["Normal FailedBinding", "Warning VolumeMismatch", "Warning VolumeMismatch"],
        },
    ]);
}

/// delete_test.go and recycle_test.go: a released volume is reclaimed by its policy once it is
/// Released (the step after), Retain keeps it.
#[test]
fn reclaim_released_volumes() {
    let with_policy = |mut v: Value, policy: &str, source: &str| {
        v["spec"]["persistentVolumeReclaimPolicy"] = json!(policy);
        v["spec"].as_object_mut().unwrap().remove("gcePersistentDisk");
        v["spec"][source] = json!({"path": "/x", "server": "s"});
        v
    };
    let released = |policy, source| {
        with_policy(
            new_volume("volume8-1", "1Gi", "uid8-1", "claim8-1", "Released", "", &[BBC]),
            policy,
            source,
        )
    };
    check(vec![
        SyncCase {
            name: "8-1 - successful delete",
            objects: vec![released("Delete", "hostPath")],
            volumes: vec![("volume8-1", "deleted")],
            claims: vec![],
            events: &[],
        },
        SyncCase {
            name: "retain: the volume stays Released with its claimRef",
            objects: vec![released("Retain", "nfs")],
            volumes: vec![("volume8-1", "claim=claim8-1/uid8-1 phase=Released bound-by-controller")],
            claims: vec![],
            events: &[],
        },
        SyncCase {
            name: "6-1 - successful recycle",
            objects: vec![released("Recycle", "nfs")],
            volumes: vec![("volume8-1", "phase=Available")],
            claims: vec![],
            events: &["Normal VolumeRecycled"],
        },
        SyncCase {
            name: "6-3 - recycle volume without plugin",
            objects: vec![released("Recycle", "csi")],
            volumes: vec![("volume8-1", "claim=claim8-1/uid8-1 phase=Failed bound-by-controller")],
            claims: vec![],
            events: &["Warning VolumeFailedRecycle"],
        },
        SyncCase {
            // A user-pre-bound volume keeps its claimRef, without the uid (unbindVolume).
            name: "6-5 - successful recycle of a pre-bound volume",
            objects: vec![with_policy(
                new_volume("volume6-5", "1Gi", "uid6-5", "claim6-5", "Released", "", &[]),
                "Recycle",
                "nfs",
            )],
            volumes: vec![("volume6-5", "claim=claim6-5/ phase=Available")],
            claims: vec![],
            events: &["Normal VolumeRecycled"],
        },
    ]);
}
