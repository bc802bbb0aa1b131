//! The StatefulSet controller against upstream's tests (pkg/controller/statefulset:
//! stateful_set_control_test.go, stateful_set_utils_test.go, stateful_pod_control_test.go;
//! kubectl's rollout tests are in `src/rollout/`).
//!
//! Upstream drives its control loop with fakes and asserts on the pods and status it leaves;
//! here the whole cluster runs (library driver: API server, scheduler, kubelet, garbage
//! collector) and each test names the upstream test (and case) it encodes. Where upstream's
//! case is a single sync, the test runs one step and reads what the controller did in it.

mod common;

use common::sim::{self, acted, created_pods, deleted_pods, headless_service, stateful_set, Sim};
use common::{image_of, name};
use serde_json::{json, Value};

const CONTROLLER: &str = "statefulset";

/// A converged cluster running `set`.
fn running(set: Value) -> Sim {
    let mut s = Sim::new();
    s.create(vec![set]);
    s
}

fn pod<'a>(s: &'a Sim, name: &str) -> &'a Value {
    s.get("Pod", name).unwrap_or_else(|| panic!("no pod {name}"))
}

fn label<'a>(obj: &'a Value, key: &str) -> &'a str {
    obj["metadata"]["labels"][key].as_str().unwrap_or("")
}

fn burst(spec: Value) -> Value {
    let mut spec = spec;
    spec["podManagementPolicy"] = json!("Parallel");
    spec
}

/// `CreatesPods` (Monotonic and Burst): 3 pods, status replicas/ready/updated 3, each pod's
/// index label matches its name (`PodIndexLabel`), with a controller reference to the set
/// (`TestNewPodControllerRef`), hostname and subdomain set (`TestIdentityMatches`).
#[test]
fn creates_pods() {
    for spec in [json!({}), burst(json!({}))] {
        let s = running(stateful_set("foo", 3, spec.clone()));
        assert_eq!(s.pod_names(), ["foo-0", "foo-1", "foo-2"], "{spec}");
        for field in ["replicas", "readyReplicas", "updatedReplicas", "currentReplicas", "availableReplicas"]
        {
            assert_eq!(s.status("foo", field), 3, "{field} {spec}");
        }
        for o in 0..3 {
            let p = pod(&s, &format!("foo-{o}"));
            assert_eq!(label(p, "apps.kubernetes.io/pod-index"), o.to_string());
            assert_eq!(label(p, "statefulset.kubernetes.io/pod-name"), name(p));
            assert_eq!(label(p, "controller-revision-hash"), s.status("foo", "updateRevision"));
            assert_eq!(p["spec"]["hostname"], name(p));
            assert_eq!(p["spec"]["subdomain"], "foo");
            let owner = &p["metadata"]["ownerReferences"][0];
            assert_eq!(
                (owner["kind"].as_str(), owner["name"].as_str(), owner["controller"].as_bool()),
                (Some("StatefulSet"), Some("foo"), Some(true))
            );
            assert_eq!(owner["uid"], s.get("StatefulSet", "foo").unwrap()["metadata"]["uid"]);
        }
    }
}

/// `CreatesPods`, monotonic invariant: OrderedReady creates ordinal k only once 0..k−1 are
/// Running and Ready; Parallel creates them all in one sync.
#[test]
fn ordered_ready_creates_one_at_a_time_parallel_at_once() {
    let mut s = Sim::new();
    let t = s.create(vec![stateful_set("foo", 3, json!({}))]);
    let steps: Vec<usize> =
        acted(&t, CONTROLLER).into_iter().filter(|a| a.1 == "create" && a.2 == "Pod").map(|a| a.0).collect();
    assert_eq!(steps.len(), 3);
    assert!(steps[0] < steps[1] && steps[1] < steps[2], "{steps:?}");
    let mut s = Sim::new();
    let t = s.create(vec![stateful_set("foo", 3, burst(json!({})))]);
    let steps: Vec<usize> =
        acted(&t, CONTROLLER).into_iter().filter(|a| a.1 == "create" && a.2 == "Pod").map(|a| a.0).collect();
    assert_eq!(steps, [1, 1, 1]);
}

/// `CreatesPods` with a slow readiness: pod 1 waits while pod 0 is Running but not Ready
/// ("StatefulSet is waiting for Pod to be Running and Ready"), and follows once it is.
#[test]
fn ordered_ready_waits_for_running_and_ready() {
    let mut s = Sim::new();
    let spec = json!({"template": {"metadata": {"annotations": {"konverge.io/ready-after": "30s"}}}});
    let t = s.create(vec![stateful_set("foo", 2, spec)]);
    let created: Vec<(usize, String)> = acted(&t, CONTROLLER)
        .into_iter()
        .filter(|a| a.1 == "create" && a.2 == "Pod")
        .map(|a| (a.0, a.3))
        .collect();
    assert_eq!(created.iter().map(|c| c.1.as_str()).collect::<Vec<_>>(), ["foo-0", "foo-1"]);
    let time_of = |step: usize| t.steps.iter().find(|s| s.step == step).map(|s| s.time).unwrap();
    let ready_at = |p: &Value| {
        let c = p["status"]["conditions"].as_array().unwrap().iter().find(|c| c["type"] == "Ready").unwrap();
        common::secs(c["lastTransitionTime"].as_str().unwrap())
    };
    let started = common::secs(pod(&s, "foo-0")["status"]["startTime"].as_str().unwrap());
    assert_eq!(ready_at(pod(&s, "foo-0")) - started, 30, "the knob: Ready 30 s after it started");
    assert!(time_of(created[1].0) >= ready_at(pod(&s, "foo-0")), "foo-1 is created once foo-0 is Ready");
}

/// `ScalesUp` and `ScalesDown` (Monotonic and Burst): 3 → 4 → 0; OrderedReady deletes from
/// the highest ordinal, one at a time (each after the previous one is gone).
#[test]
fn scales_up_and_down() {
    for spec in [json!({}), burst(json!({}))] {
        let mut s = running(stateful_set("foo", 3, spec.clone()));
        s.patch("StatefulSet", "foo", json!({"spec": {"replicas": 4}}), None);
        assert_eq!(s.pod_names(), ["foo-0", "foo-1", "foo-2", "foo-3"]);
        assert_eq!(
            (
                s.status("foo", "replicas"),
                s.status("foo", "readyReplicas"),
                s.status("foo", "updatedReplicas")
            ),
            (json!(4), json!(4), json!(4))
        );
        let t = s.patch("StatefulSet", "foo", json!({"spec": {"replicas": 0}}), None);
        assert!(s.pod_names().is_empty(), "{spec}");
        assert_eq!(s.status("foo", "replicas"), 0);
        assert_eq!(s.status("foo", "readyReplicas"), Value::Null, "a zero count is omitted");
        let deletes: Vec<(usize, String)> =
            acted(&t, CONTROLLER).into_iter().filter(|a| a.1 == "delete").map(|a| (a.0, a.3)).collect();
        if spec["podManagementPolicy"] == "Parallel" {
            assert!(deletes.iter().all(|d| d.0 == 1), "Parallel deletes at once: {deletes:?}");
        } else {
            let order: Vec<&str> = deletes.iter().map(|d| d.1.as_str()).collect();
            assert_eq!(order, ["foo-3", "foo-2", "foo-1", "foo-0"]);
            assert!(
                deletes.windows(2).all(|w| w[1].0 >= w[0].0 + 2),
                "one at a time, after removal: {deletes:?}"
            );
        }
    }
}

/// `ReplacesPods`: pods 0, 2 and 4 of five disappear; they come back (one at a time with
/// OrderedReady, lowest first) and the status counts 5 again.
#[test]
fn replaces_pods() {
    for spec in [json!({}), burst(json!({}))] {
        let mut s = running(stateful_set("foo", 5, spec.clone()));
        let gone = [0, 2, 4].map(|o| {
            sim::user(konverge::actions::Change::Remove { key: sim::key("Pod", &format!("foo-{o}")) })
        });
        let created = created_pods(&s.run_with(gone.to_vec(), None), CONTROLLER);
        assert_eq!(s.pod_names().len(), 5, "{spec}");
        assert_eq!(s.status("foo", "replicas"), 5);
        if spec["podManagementPolicy"] != "Parallel" {
            assert_eq!(created, ["foo-0", "foo-2", "foo-4"]);
        }
    }
}

/// `RecreatesFailedPod` / `RecreatesSucceededPod` (Monotonic and Burst): a pod in a terminal
/// phase is deleted, then recreated by a later sync.
#[test]
fn recreates_failed_and_succeeded_pods() {
    for phase in ["Failed", "Succeeded"] {
        for spec in [json!({}), burst(json!({}))] {
            let mut s = running(stateful_set("foo", 3, spec.clone()));
            let before = pod(&s, "foo-0")["metadata"]["uid"].clone();
            let t = s.patch("Pod", "foo-0", json!({"status": {"phase": phase}}), None);
            assert_eq!(deleted_pods(&t, CONTROLLER), ["foo-0"], "{phase} {spec}");
            assert_eq!(created_pods(&t, CONTROLLER), ["foo-0"]);
            assert_ne!(pod(&s, "foo-0")["metadata"]["uid"], before, "a new pod");
            assert_eq!(pod(&s, "foo-0")["status"]["phase"], "Running");
        }
    }
}

/// `RecreatesPVCForPendingPod`: the claims of a Pending pod that went missing are created
/// again.
#[test]
fn recreates_claims_for_a_pending_pod() {
    let claims = json!({"volumeClaimTemplates": [{"metadata": {"name": "datadir"}, "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]});
    let mut s = running(stateful_set("foo", 1, claims));
    assert!(s.get("PersistentVolumeClaim", "datadir-foo-0").is_some());
    s.remove("PersistentVolumeClaim", "datadir-foo-0", Some(1));
    let t = s.patch("Pod", "foo-0", json!({"status": {"phase": "Pending"}}), Some(1));
    let made: Vec<String> =
        acted(&t, CONTROLLER).into_iter().filter(|a| a.1 == "create").map(|a| a.3).collect();
    assert_eq!(made, ["datadir-foo-0"]);
}

/// `TestUpdateIdentity`: a pod that lost its identity label gets it back
/// (`UpdateStatefulPod`).
#[test]
fn identity_label_is_restored() {
    let mut s = running(stateful_set("foo", 2, json!({})));
    let t = s.patch(
        "Pod",
        "foo-1",
        json!({"metadata": {"labels": {"statefulset.kubernetes.io/pod-name": null}}}),
        None,
    );
    assert!(acted(&t, CONTROLLER).iter().any(|a| a.1 == "update" && a.3 == "foo-1"));
    assert_eq!(label(pod(&s, "foo-1"), "statefulset.kubernetes.io/pod-name"), "foo-1");
}

/// `TestIsMemberOf` and `getPodsForStatefulSet`: an orphan matching the selector is adopted
/// only when its name makes it a member (`<set>-<ordinal>`).
#[test]
fn adopts_only_members_by_name() {
    let mut s = Sim::new();
    let orphan = |n: &str| json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": n, "namespace": "default", "labels": {"app": "foo"}}, "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}});
    s.create(vec![orphan("foo-1"), orphan("bar-1")]);
    s.create(vec![stateful_set("foo", 2, json!({}))]);
    assert_eq!(common::owner(pod(&s, "foo-1")), "foo");
    assert_eq!(common::owner(pod(&s, "bar-1")), "", "bar-1 is not a member of foo");
    assert_eq!(s.pod_names(), ["bar-1", "foo-0", "foo-1"]);
}

/// `processCondemned`, monotonic: a terminating condemned pod blocks the scale down ("waiting
/// for Pod to Terminate prior to scale down").
#[test]
fn scale_down_waits_for_a_terminating_pod() {
    let mut s = running(stateful_set("foo", 3, json!({})));
    // A finalizer keeps foo-2 terminating until it is removed.
    s.patch("Pod", "foo-2", json!({"metadata": {"finalizers": ["example.com/hold"]}}), None);
    s.delete("Pod", "foo-2", Some(1));
    let t = s.patch("StatefulSet", "foo", json!({"spec": {"replicas": 1}}), Some(3));
    assert!(deleted_pods(&t, CONTROLLER).is_empty(), "foo-1 waits behind the terminating foo-2");
    s.patch("Pod", "foo-2", json!({"metadata": {"finalizers": null}}), Some(1));
    let t = s.run_with(vec![], None);
    assert_eq!(deleted_pods(&t, CONTROLLER), ["foo-1"]);
    assert_eq!(s.pod_names(), ["foo-0"]);
}

/// `processCondemned`, monotonic: an unhealthy condemned pod is deleted only when it is the
/// first unhealthy pod; otherwise the scale down waits.
#[test]
fn unhealthy_condemned_pods_go_only_as_the_first_unhealthy_pod() {
    let not_ready = json!({"status": {"conditions": [{"type": "Ready", "status": "False"}]}});
    // foo-3 unhealthy, foo-2 healthy: foo-3 is the first unhealthy pod.
    let mut s = running(stateful_set("foo", 4, json!({})));
    s.patch("Pod", "foo-3", not_ready.clone(), Some(1));
    let t = s.patch("StatefulSet", "foo", json!({"spec": {"replicas": 2}}), Some(1));
    assert_eq!(deleted_pods(&t, CONTROLLER), ["foo-3"]);
    // foo-3 and foo-2 unhealthy: the first unhealthy pod is foo-2, so foo-3 blocks.
    let mut s = running(stateful_set("foo", 4, json!({})));
    s.patch("Pod", "foo-3", not_ready.clone(), Some(1));
    s.patch("Pod", "foo-2", not_ready.clone(), Some(1));
    let t = s.patch("StatefulSet", "foo", json!({"spec": {"replicas": 2}}), Some(2));
    assert!(deleted_pods(&t, CONTROLLER).is_empty());
    // A replica that is not Ready blocks every scale down (the walk stops at it first).
    let mut s = running(stateful_set("foo", 3, json!({})));
    s.patch("Pod", "foo-0", not_ready, Some(1));
    let t = s.patch("StatefulSet", "foo", json!({"spec": {"replicas": 2}}), Some(2));
    assert!(deleted_pods(&t, CONTROLLER).is_empty());
}

/// `TestStatefulSetControlRollingUpdate` (monotonic and burst; with a scale up or a scale down
/// at once): every pod ends at the new image, replaced from the highest ordinal down.
#[test]
fn rolling_update() {
    let cases = [
        ("monotonic image update", 3, json!({}), 3),
        ("monotonic image update and scale up", 3, json!({}), 5),
        ("monotonic image update and scale down", 5, json!({}), 3),
        ("burst image update", 3, burst(json!({})), 3),
        ("burst image update and scale up", 3, burst(json!({})), 5),
        ("burst image update and scale down", 5, burst(json!({})), 3),
    ];
    for (name, from, spec, to) in cases {
        let mut s = running(stateful_set("foo", from, spec));
        let t = s.patch("StatefulSet", "foo", json!({"spec": {"replicas": to, "template": {"spec": {"containers": [{"name": "nginx", "image": "foo"}]}}}}), None);
        let images: Vec<String> = s.images().into_iter().map(|(_, i)| i).collect();
        assert_eq!(images, vec!["foo".to_string(); to as usize], "{name}");
        let updated = deleted_pods(&t, CONTROLLER)
            .into_iter()
            .filter(|p| p.as_str() < format!("foo-{to}").as_str())
            .collect::<Vec<_>>();
        let want: Vec<String> = (0..from.min(to)).rev().map(|o| format!("foo-{o}")).collect();
        if !name.starts_with("burst") {
            assert_eq!(updated, want, "{name}: highest ordinal first");
        }
        assert_eq!(
            s.status("foo", "currentRevision"),
            s.status("foo", "updateRevision"),
            "{name}: completeRollingUpdate"
        );
        assert_eq!(s.status("foo", "currentReplicas"), to);
    }
}

/// `TestStatefulSetControlRollingUpdateWithPartition`: with partition 2, pods below it keep
/// the original image (also the new ones of a scale up made from the current revision).
#[test]
fn rolling_update_with_partition() {
    for (name, spec, to) in [
        ("monotonic image update", json!({}), 3),
        ("monotonic image update and scale up", json!({}), 5),
        ("burst image update", burst(json!({})), 3),
        ("burst image update and scale up", burst(json!({})), 5),
    ] {
        let mut spec = spec;
        spec["updateStrategy"] = json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 2}});
        let mut s = running(stateful_set("foo", 3, spec));
        s.patch("StatefulSet", "foo", json!({"spec": {"replicas": to, "template": {"spec": {"containers": [{"name": "nginx", "image": "foo"}]}}}}), None);
        for (pod, image) in s.images() {
            let o: i64 = pod.rsplit_once('-').unwrap().1.parse().unwrap();
            assert_eq!(image, if o < 2 { "nginx" } else { "foo" }, "{name}: {pod}");
        }
        assert_ne!(
            s.status("foo", "currentRevision"),
            s.status("foo", "updateRevision"),
            "{name}: not complete below the partition"
        );
    }
}

/// `TestStatefulSetControlOnDeleteUpdate`: OnDelete replaces nothing; a pod the user deletes
/// comes back at the update revision.
#[test]
fn on_delete_replaces_only_deleted_pods() {
    let mut s = running(stateful_set("foo", 3, json!({"updateStrategy": {"type": "OnDelete"}})));
    let t = s.patch(
        "StatefulSet",
        "foo",
        json!({"spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": "foo"}]}}}}),
        None,
    );
    assert!(deleted_pods(&t, CONTROLLER).is_empty());
    assert!(s.images().iter().all(|(_, i)| i == "nginx"));
    s.delete("Pod", "foo-1", None);
    assert_eq!(s.images().into_iter().map(|(_, i)| i).collect::<Vec<_>>(), ["nginx", "foo", "nginx"]);
    assert_eq!(s.status("foo", "updatedReplicas"), 1);
}

/// `getStatefulSetRevisions` table: "creates initial revision", "creates revision on
/// update" (current stays the first until the update completes), "must not recreate a new
/// revision of same set", "must rollback to a previous revision" (the equal older revision is
/// raised to the next number and reused).
#[test]
fn revisions_like_get_stateful_set_revisions() {
    let revisions = |s: &Sim| -> Vec<(String, i64)> {
        s.all("ControllerRevision")
            .iter()
            .map(|r| (name(r).to_string(), r["revision"].as_i64().unwrap()))
            .collect()
    };
    let image =
        |i: &str| json!({"spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": i}]}}}});
    let mut s = running(stateful_set("foo", 2, json!({})));
    let r1 = revisions(&s);
    assert_eq!(r1.len(), 1, "creates initial revision");
    let rev0 = r1[0].0.clone();
    assert_eq!(
        (s.status("foo", "currentRevision"), s.status("foo", "updateRevision")),
        (json!(rev0), json!(rev0))
    );
    s.patch("StatefulSet", "foo", image("foo"), Some(1));
    let r2 = revisions(&s);
    assert_eq!(r2.len(), 2, "creates revision on update");
    let rev1 = r2.iter().find(|r| r.0 != rev0).unwrap().clone();
    assert_eq!(rev1.1, 2);
    assert_eq!(s.status("foo", "currentRevision"), json!(rev0), "current until complete");
    assert_eq!(s.status("foo", "updateRevision"), json!(rev1.0));
    s.run_with(vec![], None);
    assert_eq!(revisions(&s).len(), 2, "must not recreate a new revision of same set");
    s.patch("StatefulSet", "foo", image("bar"), None);
    s.patch("StatefulSet", "foo", image("foo"), None);
    let r4 = revisions(&s);
    assert_eq!(r4.len(), 3, "must rollback to a previous revision: no new one");
    assert_eq!(r4.iter().find(|r| r.0 == rev1.0).unwrap().1, 4, "raised to the next number");
    assert_eq!(s.status("foo", "updateRevision"), json!(rev1.0));
}

/// `TestStatefulSetControlLimitsHistory` / `TestStatefulSetHonorRevisionHistoryLimit`: after
/// many updates at most revisionHistoryLimit revisions are kept besides the live ones (current,
/// update, any pod's), the oldest deleted first.
#[test]
fn limits_history() {
    for spec in [json!({"revisionHistoryLimit": 2}), burst(json!({"revisionHistoryLimit": 2}))] {
        let mut s = running(stateful_set("foo", 3, spec.clone()));
        for i in 0..10 {
            s.patch("StatefulSet", "foo", json!({"spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": format!("foo-{i}")}]}}}}), None);
            let revisions = s.all("ControllerRevision");
            assert!(revisions.len() <= 2 + 2, "{spec}: {} revisions after update {i}", revisions.len());
        }
        let mut numbers: Vec<i64> =
            s.all("ControllerRevision").iter().map(|r| r["revision"].as_i64().unwrap()).collect();
        numbers.sort();
        assert_eq!(numbers, [9, 10, 11], "the two newest old ones and the live one");
    }
}

/// `TestStatefulSetControlRollback`: rolled back to the first revision's template, the pods
/// return to the original image and the first revision is reused.
#[test]
fn rollback() {
    let mut s = running(stateful_set("foo", 3, json!({})));
    let original = s.get("StatefulSet", "foo").unwrap()["spec"]["template"].clone();
    s.patch(
        "StatefulSet",
        "foo",
        json!({"spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": "foo"}]}}}}),
        None,
    );
    assert!(s.images().iter().all(|(_, i)| i == "foo"));
    s.patch("StatefulSet", "foo", json!({"spec": {"template": original}}), None);
    assert!(s.images().iter().all(|(_, i)| i == "nginx"));
    assert_eq!(s.all("ControllerRevision").len(), 2);
}

/// `TestStatefulSetControlRollingUpdateWithMaxUnavailable` (gate on): 6 pods, partition 3,
/// maxUnavailable 2: the first sync deletes 5 and 4, without waiting between them.
#[test]
fn max_unavailable_deletes_up_to_the_budget() {
    for policy in ["OrderedReady", "Parallel"] {
        let spec = json!({"podManagementPolicy": policy, "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 3, "maxUnavailable": 2}}});
        let mut set = stateful_set("foo", 6, spec);
        set["metadata"]["annotations"] =
            json!({"konverge.io/feature-gates": "MaxUnavailableStatefulSet=true"});
        let mut s = running(set);
        let t = s.patch(
            "StatefulSet",
            "foo",
            json!({"spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": "foo"}]}}}}),
            Some(1),
        );
        assert_eq!(deleted_pods(&t, CONTROLLER), ["foo-4", "foo-5"], "{policy}");
        s.run_with(vec![], None);
        let images: Vec<String> = s.images().into_iter().map(|(_, i)| i).collect();
        assert_eq!(images, ["nginx", "nginx", "nginx", "foo", "foo", "foo"], "{policy}");
    }
}

/// `TestStatefulSetControlRollingUpdateWithMaxUnavailableInOrderedModeVerifyInvariant`: with
/// pods already terminating (anywhere, even below the partition), only maxUnavailable minus
/// those are deleted. Upstream calls the update step directly; here the set is Parallel so that
/// a whole sync reaches it (OrderedReady would stop at the terminating pod first).
#[test]
fn max_unavailable_counts_terminating_pods() {
    let cases: [&[i64]; 10] = [&[], &[5], &[3], &[4], &[5, 4], &[5, 3], &[4, 3], &[5, 4, 3], &[2], &[1]];
    for terminating in cases {
        let spec = json!({"podManagementPolicy": "Parallel", "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 3, "maxUnavailable": 2}}});
        let mut set = stateful_set("foo", 6, spec);
        set["metadata"]["annotations"] =
            json!({"konverge.io/feature-gates": "MaxUnavailableStatefulSet=true"});
        let mut s = running(set);
        for o in terminating {
            s.patch(
                "Pod",
                &format!("foo-{o}"),
                json!({"metadata": {"finalizers": ["example.com/hold"]}}),
                Some(1),
            );
            s.delete("Pod", &format!("foo-{o}"), Some(1));
        }
        let t = s.patch(
            "StatefulSet",
            "foo",
            json!({"spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": "foo"}]}}}}),
            Some(1),
        );
        let expected = 2usize.saturating_sub(terminating.len());
        assert_eq!(deleted_pods(&t, CONTROLLER).len(), expected, "terminating {terminating:?}");
    }
}

/// Scale up with minReadySeconds (`isRunningAndAvailable`): the next ordinal waits until the
/// previous pod has been Ready for minReadySeconds; the controller asks to be woken then, and
/// availableReplicas follows.
#[test]
fn min_ready_seconds_gates_the_next_ordinal() {
    let mut s = Sim::new();
    let t = s.create(vec![stateful_set("foo", 2, json!({"minReadySeconds": 10}))]);
    let creates: Vec<(usize, String)> = acted(&t, CONTROLLER)
        .into_iter()
        .filter(|a| a.1 == "create" && a.2 == "Pod")
        .map(|a| (a.0, a.3))
        .collect();
    let at = |step: usize| t.steps.iter().find(|s| s.step == step).unwrap().time;
    assert_eq!(creates.len(), 2);
    assert!(at(creates[1].0) - at(creates[0].0) >= 10, "pod 1 after pod 0 was available: {creates:?}");
    assert_eq!(s.status("foo", "availableReplicas"), 2);
}

/// `spec.ordinals.start` (`getStartOrdinal`, `TestStatefulSetStartOrdinal`): pods start..start+replicas−1;
/// moving the start condemns the ordinals left behind and creates the new ones.
#[test]
fn start_ordinal() {
    let mut s = running(stateful_set("foo", 3, json!({"ordinals": {"start": 2}})));
    assert_eq!(s.pod_names(), ["foo-2", "foo-3", "foo-4"]);
    let t = s.patch("StatefulSet", "foo", json!({"spec": {"ordinals": {"start": 3}}}), None);
    assert_eq!(s.pod_names(), ["foo-3", "foo-4", "foo-5"]);
    assert_eq!(created_pods(&t, CONTROLLER), ["foo-5"]);
    assert_eq!(deleted_pods(&t, CONTROLLER), ["foo-2"]);
}

fn claim_template() -> Value {
    json!([{"metadata": {"name": "datadir"}, "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}])
}

fn policy(when_deleted: &str, when_scaled: &str) -> Value {
    json!({"volumeClaimTemplates": claim_template(), "persistentVolumeClaimRetentionPolicy": {"whenDeleted": when_deleted, "whenScaled": when_scaled}})
}

fn claim_owners(s: &Sim, name: &str) -> Vec<(String, String)> {
    let claim = s.get("PersistentVolumeClaim", name).unwrap_or_else(|| panic!("no claim {name}"));
    claim["metadata"]["ownerReferences"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| (r["kind"].as_str().unwrap().to_string(), r["name"].as_str().unwrap().to_string()))
        .collect()
}

/// Claims: `<template>-<set>-<ordinal>`, labelled with the selector, created before their pod,
/// which mounts them; kept (Retain) when pods and the set go, and used again when they return.
#[test]
fn claims_are_made_before_their_pod_and_kept() {
    let mut s = Sim::new();
    let t = s.create(vec![stateful_set("foo", 2, json!({"volumeClaimTemplates": claim_template()}))]);
    let made: Vec<(usize, String)> = acted(&t, CONTROLLER)
        .into_iter()
        .filter(|a| a.1 == "create" && a.2 != "ControllerRevision")
        .map(|a| (a.0, a.3))
        .collect();
    assert_eq!(
        made.iter().map(|m| m.1.as_str()).collect::<Vec<_>>(),
        ["datadir-foo-0", "foo-0", "datadir-foo-1", "foo-1"]
    );
    let claim = s.get("PersistentVolumeClaim", "datadir-foo-0").unwrap();
    assert_eq!(claim["metadata"]["labels"], json!({"app": "foo"}));
    assert_eq!(claim["spec"]["resources"]["requests"]["storage"], "1Gi");
    assert_eq!(
        pod(&s, "foo-1")["spec"]["volumes"],
        json!([{"name": "datadir", "persistentVolumeClaim": {"claimName": "datadir-foo-1"}}])
    );
    let uid = s.get("PersistentVolumeClaim", "datadir-foo-1").unwrap()["metadata"]["uid"].clone();
    s.patch("StatefulSet", "foo", json!({"spec": {"replicas": 1}}), None);
    s.delete("StatefulSet", "foo", None);
    assert!(s.pod_names().is_empty());
    assert_eq!(s.all("PersistentVolumeClaim").len(), 2, "Retain keeps both claims");
    s.create(vec![stateful_set("foo", 2, json!({"volumeClaimTemplates": claim_template()}))]);
    assert_eq!(
        s.get("PersistentVolumeClaim", "datadir-foo-1").unwrap()["metadata"]["uid"],
        uid,
        "the same claim, used again"
    );
}

/// `isClaimOwnerUpToDate` / `updateClaimOwnerRefForSetAndPod` over the four policies
/// (`runTestOverPVCRetentionPolicies`): whenDeleted=Delete puts a controller reference to the
/// set on in-range claims; whenScaled=Delete puts one to the pod on condemned pods' claims (and
/// none to the set); the garbage collector then deletes them with their owner.
#[test]
fn retention_policies() {
    let cases = [
        ("Retain", "Retain", vec![], 3, 3),
        ("Delete", "Retain", vec![("StatefulSet", "foo")], 3, 0),
        ("Retain", "Delete", vec![], 1, 1),
        ("Delete", "Delete", vec![("StatefulSet", "foo")], 1, 0),
    ];
    for (when_deleted, when_scaled, in_range_owners, after_scale_down, after_delete) in cases {
        let name = format!("whenDeleted {when_deleted}, whenScaled {when_scaled}");
        let mut s = running(stateful_set("foo", 3, policy(when_deleted, when_scaled)));
        let want: Vec<(String, String)> =
            in_range_owners.iter().map(|(k, n)| (k.to_string(), n.to_string())).collect();
        assert_eq!(claim_owners(&s, "datadir-foo-2"), want, "{name}");
        s.patch("StatefulSet", "foo", json!({"spec": {"replicas": 1}}), None);
        assert_eq!(s.all("PersistentVolumeClaim").len(), after_scale_down, "{name}: after scale down");
        s.delete("StatefulSet", "foo", None);
        assert_eq!(s.all("PersistentVolumeClaim").len(), after_delete, "{name}: after the set is deleted");
    }
}

fn claim(name: &str, meta: Value) -> Value {
    let mut c = json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name, "namespace": "default"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}});
    json_patch::merge(&mut c["metadata"], &meta);
    c
}

/// `PodClaimIsStale` (whenScaled=Delete): a claim still owned by an earlier pod of the ordinal
/// holds the pod back ("no more work can be done this round") until the garbage collector has
/// removed it; then a fresh claim and the pod are made.
#[test]
fn stale_claims_hold_the_pod_back() {
    let mut s = Sim::new();
    let stale = claim(
        "datadir-foo-0",
        json!({"ownerReferences": [{"apiVersion": "v1", "kind": "Pod", "name": "foo-0", "uid": "gone", "controller": true}]}),
    );
    let create = |o: Value| sim::user(konverge::actions::Change::Create { object: o });
    let t =
        s.run_with(vec![create(stale), create(stateful_set("foo", 1, policy("Retain", "Delete")))], Some(1));
    assert!(created_pods(&t, CONTROLLER).is_empty(), "the stale claim blocks foo-0");
    assert!(acted(&t, "garbage-collector").iter().any(|a| a.1 == "delete" && a.3 == "datadir-foo-0"));
    let t = s.run_with(vec![], None);
    assert_eq!(created_pods(&t, CONTROLLER), ["foo-0"]);
    assert_eq!(claim_owners(&s, "datadir-foo-0"), Vec::<(String, String)>::new(), "a fresh claim");
}

/// `createPersistentVolumeClaims`: a claim being deleted is an error ("pvc … is being
/// deleted"): no pod until it is gone.
#[test]
fn a_claim_being_deleted_holds_the_pod_back() {
    let mut s = Sim::new();
    s.create(vec![claim("datadir-foo-0", json!({"finalizers": ["example.com/hold"]}))]);
    s.delete("PersistentVolumeClaim", "datadir-foo-0", None);
    let t = s.create(vec![stateful_set("foo", 1, policy("Retain", "Retain"))]);
    assert!(created_pods(&t, CONTROLLER).is_empty());
    let t =
        s.patch("PersistentVolumeClaim", "datadir-foo-0", json!({"metadata": {"finalizers": null}}), None);
    assert_eq!(
        created_pods(&t, CONTROLLER),
        ["foo-0"],
        "its last finalizer gone, the claim goes; a new one and the pod follow"
    );
}

/// Status (`updateStatus`, `inconsistentStatus`): written while it changes, and not again once
/// the set has converged.
#[test]
fn status_is_written_only_when_it_changes() {
    let mut s = running(stateful_set("foo", 2, json!({})));
    let st = s.get("StatefulSet", "foo").unwrap()["status"].clone();
    assert_eq!(st["observedGeneration"], 1);
    assert_eq!(st["collisionCount"], 0);
    let t = s.run_with(vec![], None);
    assert!(acted(&t, CONTROLLER).is_empty(), "nothing to do, nothing written");
}

/// konverge's serviceName check: a missing or non-headless Service gives a Warning event on the
/// set (once per spec), a headless one none.
#[test]
fn service_name_is_checked_against_a_headless_service() {
    let warnings = |s: &Sim| -> Vec<String> {
        s.state
            .events
            .values()
            .filter(|e| e.text(&["type"]) == "Warning")
            .map(|e| e.reason().to_string())
            .collect()
    };
    let s = running(stateful_set("foo", 1, json!({})));
    assert_eq!(warnings(&s), ["ServiceNotFound"]);
    let mut s = Sim::new();
    s.create(vec![headless_service("foo"), stateful_set("foo", 1, json!({}))]);
    assert!(warnings(&s).is_empty());
    let mut s = Sim::new();
    let mut svc = headless_service("foo");
    svc["spec"]["clusterIP"] = Value::Null;
    s.create(vec![svc, stateful_set("foo", 1, json!({}))]);
    assert_eq!(warnings(&s), ["ServiceNotHeadless"]);
    assert!(s.get("Service", "foo").unwrap()["spec"]["clusterIP"].as_str().unwrap().starts_with("10."));
}

/// The pods a set makes are `image_of` its template at the revision they belong to.
#[test]
fn new_pods_below_the_partition_use_the_current_template() {
    let spec = json!({"updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 2}}});
    let mut s = running(stateful_set("foo", 3, spec));
    s.patch(
        "StatefulSet",
        "foo",
        json!({"spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": "foo"}]}}}}),
        None,
    );
    s.delete("Pod", "foo-0", None);
    assert_eq!(image_of(pod(&s, "foo-0")), "nginx", "recreated from the current revision");
    assert_eq!(label(pod(&s, "foo-0"), "controller-revision-hash"), s.status("foo", "currentRevision"));
}
