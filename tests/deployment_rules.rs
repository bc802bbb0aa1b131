//! The Deployment controller against upstream's own test tables
//! (pkg/controller/deployment: util/deployment_util_test.go, rolling_test.go, sync_test.go).
//!
//! The arithmetic helpers are checked directly. The controller is checked the way it runs: a
//! Deployment with its ReplicaSets (annotations and status as the controller left them) is put
//! in a store, one sync is run (`controllers::deployment::reconcile` over
//! `Facts::extract`), and the ReplicaSet sizes it proposes are compared with upstream's.
//! Where upstream tests one function in isolation and a whole sync does more (e.g. the
//! scale-down that follows `cleanupUnhealthyReplicas`), the expected value is the whole sync's
//! and the comment says how it splits.

use konverge::actions::Change;
use konverge::controllers::deployment::{
    fenceposts, fraction, max_surge, max_unavailable, new_rs_new_replicas, proportion, reconcile,
};
use konverge::facts::deploy::Strategy;
use konverge::facts::Facts;
use konverge::model::{self, ObjKey};
use konverge::state::State;
use konverge::validate::IntOrPercent::{self, Int, Percent};
use serde_json::{json, Value};
use std::collections::BTreeMap;

fn rolling(surge: IntOrPercent, unavailable: IntOrPercent) -> Strategy {
    Strategy { rolling: true, max_surge: surge, max_unavailable: unavailable }
}

fn recreate() -> Strategy {
    Strategy { rolling: false, max_surge: Percent(25), max_unavailable: Percent(25) }
}

// ---------------------------------------------------------------------------------------------
// Arithmetic (deployment_util_test.go)
// ---------------------------------------------------------------------------------------------

/// `TestResolveFenceposts`: surge rounds up, unavailable down, both zero → one unavailable.
/// An unset value is 0 (upstream `intstr.ValueOrDefault(…, 0)`); unparsable values ("oops",
/// "urg") are rejected before they reach the controller (see deployment_scenarios.rs).
#[test]
fn resolve_fenceposts() {
    let cases = [
        // (maxSurge, maxUnavailable, desired, surge, unavailable)
        (Percent(0), Percent(0), 0, 0, 1),
        (Percent(39), Percent(39), 10, 4, 3),
        (Int(0), Percent(39), 10, 0, 3),
        (Percent(39), Int(0), 10, 4, 0),
        (Int(0), Int(0), 10, 0, 1),
        // more: the defaults on small Deployments, and values above the size
        (Percent(25), Percent(25), 1, 1, 0),
        (Percent(25), Percent(25), 2, 1, 0),
        (Percent(25), Percent(25), 4, 1, 1),
        (Percent(25), Percent(25), 5, 2, 1),
        (Percent(25), Percent(25), 0, 0, 1),
        (Int(3), Int(7), 5, 3, 7),
        (Percent(100), Percent(100), 7, 7, 7),
        (Percent(1), Percent(1), 1, 1, 0),
    ];
    for (s, u, desired, surge, unavailable) in cases {
        assert_eq!(fenceposts(rolling(s, u), desired), (surge, unavailable), "{s:?} {u:?} of {desired}");
    }
    assert_eq!(fenceposts(recreate(), 10), (0, 0), "Recreate has no fenceposts");
}

/// `TestMaxUnavailable` and `MaxSurge`: capped at replicas, 0 for zero replicas and Recreate.
#[test]
fn max_unavailable_and_surge() {
    let cases = [
        // (strategy, replicas, MaxUnavailable, MaxSurge)
        (rolling(Int(1), Int(1)), 10, 1, 1),
        (rolling(Int(0), Int(25)), 10, 10, 0),
        (rolling(Percent(0), Percent(0)), 10, 1, 0),
        (rolling(Int(1), Int(1)), 0, 0, 1),
        (rolling(Percent(50), Percent(50)), 1, 0, 1),
        (rolling(Int(0), Int(0)), 1, 1, 0),
        (recreate(), 10, 0, 0),
    ];
    for (st, replicas, unavailable, surge) in cases {
        assert_eq!(max_unavailable(st, replicas), unavailable, "MaxUnavailable {st:?} {replicas}");
        assert_eq!(max_surge(st, replicas), surge, "MaxSurge {st:?} {replicas}");
    }
}

/// `TestNewRSNewReplicas`: the other ReplicaSet has 5 replicas (all specs sum to 5, the new
/// one is not in allRSs in the upstream test), maxUnavailable 1.
#[test]
fn new_rs_new_replicas_table() {
    let cases = [
        // (name, strategy, deployment replicas, new RS replicas, expected)
        ("can not scale up - to newRSReplicas", rolling(Int(1), Int(1)), 1, 5, 5),
        ("scale up - to depReplicas", rolling(Int(10), Int(1)), 6, 2, 6),
        ("recreate - to depReplicas", recreate(), 3, 1, 3),
    ];
    for (name, st, replicas, new_spec, want) in cases {
        assert_eq!(new_rs_new_replicas(st, replicas, 5, new_spec), want, "{name}");
    }
    // The surge is the raw scaled value, not the fencepost: 0 surge never scales up.
    assert_eq!(new_rs_new_replicas(rolling(Int(0), Int(0)), 10, 10, 0), 0);
    assert_eq!(new_rs_new_replicas(rolling(Percent(25), Int(0)), 10, 10, 0), 3);
    assert_eq!(new_rs_new_replicas(rolling(Percent(25), Int(0)), 10, 12, 2), 3);
}

/// `TestGetReplicaSetFraction`: a ReplicaSet's share of the new maximum, from the maximum it
/// was sized for (its max-replicas annotation, else the Deployment's status.replicas).
#[test]
fn replica_set_fraction() {
    let no_surge = rolling(Int(0), Int(1));
    const MISSING: i64 = -1;
    let cases = [
        // (name, strategy, deployment replicas, status.replicas, rs replicas, max-replicas, want)
        ("empty deployment always scales to 0", no_surge, 0, 10, 10, 10, -10),
        ("unsynced deployment: no annotation, no status replicas", no_surge, 10, 0, 5, MISSING, 0),
        ("unsynced deployment: annotation 0, no status replicas", no_surge, 10, 0, 5, 0, 0),
        ("scale up by 1/5 from status.replicas", no_surge, 120, 100, 50, MISSING, 10),
        ("scale up by 1/5 from the annotation", no_surge, 120, 0, 50, 100, 10),
        ("the annotation wins over status.replicas", no_surge, 120, 60, 50, 100, 10),
        ("scale down by 1/6", no_surge, 100, 120, 60, MISSING, -10),
        ("scale down by 1/6 from the annotation", no_surge, 100, 0, 60, 120, -10),
        ("surge counts in the new maximum: 5 of 10 → 12", rolling(Int(2), Int(0)), 10, 0, 5, 10, 1),
        ("half rounds away from zero: 1 of 2 → 3", no_surge, 3, 0, 1, 2, 1),
        ("below half rounds down: 3 of 7 → 10", no_surge, 10, 0, 3, 7, 1),
    ];
    for (name, st, replicas, status, spec, annotated, want) in cases {
        assert_eq!(fraction(spec, st, replicas, annotated, status), want, "{name}");
    }
}

/// `GetProportion`: bounded by what is left to add (or remove).
#[test]
fn proportions() {
    // (rs replicas, toAdd, added so far, fraction, want)
    let cases = [
        (0, 5, 0, 3, 0),
        (4, 0, 0, 3, 0),
        (4, 5, 5, 3, 0),
        (4, 5, 0, 3, 3),
        (4, 5, 3, 3, 2),
        (4, -5, 0, -3, -3),
        (4, -5, -4, -3, -1),
    ];
    for (spec, to_add, added, f, want) in cases {
        assert_eq!(proportion(spec, to_add, added, f), want, "{spec} {to_add} {added} {f}");
    }
}

// ---------------------------------------------------------------------------------------------
// Whole syncs
// ---------------------------------------------------------------------------------------------

/// The base of the creation timestamps (upstream tests use 2016-05-20).
const T0: &str = "2016-05-20T00:00:00Z";

fn at(hours: i64) -> String {
    model::fmt_time(model::parse_time(T0).unwrap() + hours * 3600)
}

/// A Deployment `foo` selecting `app: foo`, running `image`.
#[derive(Clone)]
struct Dep {
    replicas: i64,
    strategy: Value,
    image: &'static str,
    paused: bool,
    status_replicas: i64,
    history_limit: Option<i64>,
    /// (updated, available) for status; complete when both equal replicas.
    status: Option<(i64, i64)>,
}

fn dep(replicas: i64, surge: Value, unavailable: Value) -> Dep {
    Dep {
        replicas,
        strategy: json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": surge, "maxUnavailable": unavailable}}),
        image: "new",
        paused: false,
        status_replicas: 0,
        history_limit: None,
        status: None,
    }
}

fn template(image: &str, hash: Option<&str>) -> Value {
    let mut labels = json!({"app": "foo"});
    if let Some(h) = hash {
        labels["pod-template-hash"] = json!(h);
    }
    json!({"metadata": {"labels": labels}, "spec": {"containers": [{"name": "c", "image": image}]}})
}

impl Dep {
    fn object(&self) -> Value {
        let mut d = json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "foo", "namespace": "default", "uid": "uid-foo", "generation": 1,
                         "creationTimestamp": at(0)},
            "spec": {
                "replicas": self.replicas,
                "selector": {"matchLabels": {"app": "foo"}},
                "strategy": self.strategy,
                "template": template(self.image, None),
            },
            "status": {"observedGeneration": 1, "replicas": self.status_replicas},
        });
        if self.paused {
            d["spec"]["paused"] = json!(true);
        }
        if let Some(limit) = self.history_limit {
            d["spec"]["revisionHistoryLimit"] = json!(limit);
        }
        if let Some((updated, available)) = self.status {
            d["status"]["updatedReplicas"] = json!(updated);
            d["status"]["availableReplicas"] = json!(available);
            d["status"]["readyReplicas"] = json!(available);
        }
        d
    }
}

/// A ReplicaSet owned by `foo`.
#[derive(Clone)]
struct Rs {
    name: &'static str,
    image: &'static str,
    spec: i64,
    available: i64,
    /// status.replicas (pods it has), default: spec.
    pods: Option<i64>,
    created_hour: i64,
    revision: i64,
    /// desired-replicas and max-replicas annotations.
    desired: Option<(i64, i64)>,
    /// A ReplicaFailure condition with this message, set at `TEST_TIME`.
    failure: Option<&'static str>,
}

fn rs(name: &'static str, image: &'static str, spec: i64, created_hour: i64, revision: i64) -> Rs {
    Rs {
        name,
        image,
        spec,
        available: spec,
        pods: None,
        created_hour,
        revision,
        desired: None,
        failure: None,
    }
}

impl Rs {
    fn available(mut self, n: i64) -> Rs {
        self.available = n;
        self
    }

    fn pods(mut self, n: i64) -> Rs {
        self.pods = Some(n);
        self
    }

    fn sized_for(mut self, desired: i64, max: i64) -> Rs {
        self.desired = Some((desired, max));
        self
    }

    fn failing(mut self, message: &'static str) -> Rs {
        self.failure = Some(message);
        self
    }

    fn object(&self) -> Value {
        let mut annotations = json!({"deployment.kubernetes.io/revision": self.revision.to_string()});
        if let Some((desired, max)) = self.desired {
            annotations["deployment.kubernetes.io/desired-replicas"] = json!(desired.to_string());
            annotations["deployment.kubernetes.io/max-replicas"] = json!(max.to_string());
        }
        let conditions = match self.failure {
            Some(message) => json!([{"type": "ReplicaFailure", "status": "True", "reason": "FailedCreate",
                                     "message": message, "lastTransitionTime": TEST_TIME}]),
            None => Value::Null,
        };
        json!({
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": self.name, "namespace": "default", "uid": format!("uid-{}", self.name),
                "generation": 1, "creationTimestamp": at(self.created_hour),
                "labels": {"app": "foo", "pod-template-hash": self.name},
                "annotations": annotations,
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "foo",
                                     "uid": "uid-foo", "controller": true, "blockOwnerDeletion": true}],
            },
            "spec": {
                "replicas": self.spec,
                "selector": {"matchLabels": {"app": "foo", "pod-template-hash": self.name}},
                "template": template(self.image, Some(self.name)),
            },
            "status": {
                "replicas": self.pods.unwrap_or(self.spec),
                "readyReplicas": self.available,
                "availableReplicas": self.available,
                "observedGeneration": 1,
                "conditions": conditions,
            },
        })
    }
}

/// What one sync proposes for the ReplicaSets.
#[derive(Debug, Default, PartialEq)]
struct Proposed {
    /// ReplicaSet → new spec.replicas (scales that change the size).
    scales: BTreeMap<String, i64>,
    /// Replicas of a ReplicaSet created for the template.
    created: Option<i64>,
    deleted: Vec<String>,
}

/// One sync of the Deployment controller over `d` and `sets` (every ReplicaSet without
/// annotations gets them for `d`'s current size, i.e. no scaling event).
fn sync(d: &Dep, sets: &[Rs]) -> Proposed {
    let st = strategy_of(d);
    let mut objects = BTreeMap::new();
    objects.insert(ObjKey::new("Deployment", "default", "foo"), d.object());
    for r in sets {
        let r = match r.desired {
            Some(_) => r.clone(),
            None => r.clone().sized_for(d.replicas, d.replicas + max_surge(st, d.replicas)),
        };
        objects.insert(ObjKey::new("ReplicaSet", "default", r.name), r.object());
    }
    let now = model::parse_time(T0).unwrap() + 100 * 3600;
    let snapshot = State::of_objects(objects.clone(), now);
    let facts = Facts::extract(&snapshot);
    let actions = reconcile(&facts).actions;
    let mut out = Proposed::default();
    for a in actions {
        match a.change {
            Change::Scale { key, replicas, .. } => {
                let from = model::replicas(&objects[&key]);
                if from != replicas {
                    assert!(out.scales.insert(key.name.clone(), replicas).is_none(), "{key} scaled twice");
                }
            }
            Change::Create { object } if model::str_at(&object, &["kind"]) == "ReplicaSet" => {
                out.created = Some(model::replicas(&object));
            }
            Change::Delete { key, .. } => out.deleted.push(key.name),
            _ => {}
        }
    }
    out
}

fn strategy_of(d: &Dep) -> Strategy {
    let p = |k: &str| IntOrPercent::parse(&d.strategy["rollingUpdate"][k]).unwrap_or(Percent(25));
    Strategy {
        rolling: d.strategy["type"] != "Recreate",
        max_surge: p("maxSurge"),
        max_unavailable: p("maxUnavailable"),
    }
}

fn scales(pairs: &[(&str, i64)]) -> BTreeMap<String, i64> {
    pairs.iter().map(|(n, r)| (n.to_string(), *r)).collect()
}

/// `TestDeploymentController_reconcileNewReplicaSet` (maxUnavailable 0; old "foo-v1", new
/// "foo-v2"). When the new ReplicaSet is not scaled, the same sync goes on to the old ones:
/// the expectation shows that too.
#[test]
fn reconcile_new_replica_set() {
    let cases = [
        // (replicas, maxSurge, old, new, new available, proposed scales)
        // should not scale up (maxSurge 0); the fencepost rule allows one unavailable, so the
        // old ReplicaSet goes down by one
        (10, 0, 10, 0, 0, scales(&[("foo-v1", 9)])),
        (10, 2, 10, 0, 0, scales(&[("foo-v2", 2)])),
        (10, 2, 5, 0, 0, scales(&[("foo-v2", 7)])),
        // at the maximum (12) already; the 2 new pods are not available: nothing to scale down
        (10, 2, 10, 2, 0, scales(&[])),
        // should scale down
        (2, 2, 2, 4, 4, scales(&[("foo-v2", 2)])),
    ];
    for (replicas, surge, old, new, new_available, want) in cases {
        let d = dep(replicas, json!(surge), json!(0));
        let got = sync(
            &d,
            &[rs("foo-v1", "old", old, 1, 1), rs("foo-v2", "new", new, 2, 2).available(new_available)],
        );
        assert_eq!(got.scales, want, "replicas {replicas}, maxSurge {surge}, old {old}, new {new}");
        assert_eq!(got.created, None);
    }
}

/// `TestDeploymentController_reconcileOldReplicaSets` (maxSurge 0).
#[test]
fn reconcile_old_replica_sets() {
    let cases = [
        // (replicas, maxUnavailable, old, new, old available, new available, old scaled to)
        (10, 0, 10, 0, 10, 0, Some(9)),
        (10, 2, 10, 0, 10, 0, Some(8)),
        // unhealthy replicas of the old ReplicaSet are cleaned up
        (10, 2, 10, 0, 8, 0, Some(8)),
        // one unhealthy replica cleaned up, one ready pod scaled down
        (10, 2, 10, 0, 9, 0, Some(8)),
        // the unavailable pods of the new ReplicaSet stop a further scale down
        (10, 2, 8, 2, 8, 0, None),
    ];
    for (replicas, unavailable, old, new, old_available, new_available, want) in cases {
        let d = dep(replicas, json!(0), json!(unavailable));
        let got = sync(
            &d,
            &[
                rs("foo-v1", "old", old, 1, 1).available(old_available),
                rs("foo-v2", "new", new, 2, 2).available(new_available),
            ],
        );
        let want = match want {
            Some(n) => scales(&[("foo-v1", n)]),
            None => scales(&[]),
        };
        assert_eq!(
            got.scales, want,
            "replicas {replicas}, maxUnavailable {unavailable}, old {old}/{old_available}"
        );
    }
}

/// `TestDeploymentController_cleanupUnhealthyReplicas`: an old ReplicaSet of 10 with 8 ready
/// pods, cleaned up within a budget (maxScaledDown). The budget is set through the Deployment:
/// maxScaledDown = Σspec − (replicas − maxUnavailable) − (new spec − new available). Whatever
/// budget the cleanup leaves, the scale down of ready pods that follows in the same sync uses.
#[test]
fn cleanup_unhealthy_replicas() {
    let cases = [
        // (budget, ready, replicas, maxUnavailable, new spec, cleaned up, then scaled down)
        (1, 8, 10, 1, 0, 1, 0),
        (3, 8, 10, 3, 0, 2, 1),
        (0, 8, 11, 1, 1, 0, 0),
        (3, 10, 10, 3, 0, 0, 3),
    ];
    for (budget, ready, replicas, unavailable, new_spec, cleaned, scaled) in cases {
        let d = dep(replicas, json!(0), json!(unavailable));
        let old_spec: i64 = 10;
        let min_available = replicas - unavailable;
        assert_eq!(old_spec + new_spec - min_available - new_spec, budget, "the case's budget");
        let got = sync(
            &d,
            &[
                rs("foo-v1", "old", old_spec, 1, 1).available(ready),
                rs("foo-v2", "new", new_spec, 2, 2).available(0),
            ],
        );
        let want = if cleaned + scaled == 0 {
            scales(&[])
        } else {
            scales(&[("foo-v1", old_spec - cleaned - scaled)])
        };
        assert_eq!(got.scales, want, "budget {budget}, ready {ready}");
    }
}

/// Oldest first: the cleanup and the scale down walk old ReplicaSets by creation time.
#[test]
fn old_replica_sets_are_walked_oldest_first() {
    // replicas 10, maxUnavailable 3: at least 7 available. The oldest has 2 unhealthy replicas.
    let d = dep(10, json!(0), json!(3));
    let sets =
        [rs("foo-v1", "v1", 4, 0, 1).available(2), rs("foo-v2", "v2", 6, 1, 2), rs("foo-v3", "new", 0, 2, 3)];
    // maxScaledDown = 10 − 7 − 0 = 3: v1 cleaned 4 → 2; available 8 − 7 = 1 more: v1 (older)
    // 2 → 1 before v2 is touched.
    assert_eq!(sync(&d, &sets).scales, scales(&[("foo-v1", 1)]));
    // With healthy old ReplicaSets the scale down takes the oldest first, then the next.
    let sets = [rs("foo-v1", "v1", 2, 0, 1), rs("foo-v2", "v2", 8, 1, 2), rs("foo-v3", "new", 0, 2, 3)];
    assert_eq!(sync(&d, &sets).scales, scales(&[("foo-v1", 0), ("foo-v2", 7)]));
}

/// An old ReplicaSet whose status still counts more available pods than its spec (scaled down
/// a moment ago, pods not yet gone) makes upstream's cleanup fail: the walk stops there and no
/// ready pod is scaled down in that sync; cleanups of older ReplicaSets before it stand.
#[test]
fn stale_available_count_stops_the_scale_down() {
    let d = dep(10, json!(0), json!(3));
    let sets = [
        rs("foo-v1", "v1", 3, 0, 1).available(2),
        rs("foo-v2", "v2", 7, 1, 2).available(8).pods(8),
        rs("foo-v3", "new", 0, 2, 3),
    ];
    // maxScaledDown = 10 − 7 − 0 = 3: v1 is cleaned (3 → 2), then v2 (spec 7 < 8 available)
    // stops the walk. Counting those 8 as available would scale v1 to 0 and v2 to 6, leaving 6
    // pods that can be available while 7 are required.
    assert_eq!(sync(&d, &sets).scales, scales(&[("foo-v1", 2)]));
    // Once the status caught up (7 of 7 available) the scale down goes on.
    let sets =
        [rs("foo-v1", "v1", 2, 0, 1), rs("foo-v2", "v2", 7, 1, 2), rs("foo-v3", "new", 1, 2, 3).available(0)];
    // maxScaledDown = 10 − 7 − 1 = 2, available 9 − 7 = 2: v1 2 → 0.
    assert_eq!(sync(&d, &sets).scales, scales(&[("foo-v1", 0)]));
}

/// `TestDeploymentController_scaleDownOldReplicaSetsForRollingUpdate` (maxSurge 0, no pods in
/// the new ReplicaSet).
#[test]
fn scale_down_old_replica_sets_for_rolling_update() {
    let cases = [
        // (replicas, maxUnavailable, ready, old, old scaled to)
        (10, 0, 10, 10, Some(9)),
        (10, 2, 10, 10, Some(8)),
        // upstream's scaleDown alone does nothing here (8 available = minimum); in a whole sync
        // the cleanup before it removes the 2 unhealthy replicas
        (10, 2, 8, 10, Some(8)),
        // maxUnavailable is capped at replicas: 1 − 1 = 0 must stay available
        (1, 2, 1, 1, Some(0)),
        // nothing old left
        (10, 2, 0, 0, None),
    ];
    for (replicas, unavailable, ready, old, want) in cases {
        let d = dep(replicas, json!(0), json!(unavailable));
        let new_spec = replicas - old;
        let got =
            sync(&d, &[rs("foo-v1", "old", old, 1, 1).available(ready), rs("foo-v2", "new", new_spec, 2, 2)]);
        let want = match want {
            Some(n) => scales(&[("foo-v1", n)]),
            None => scales(&[]),
        };
        assert_eq!(
            got.scales, want,
            "replicas {replicas}, maxUnavailable {unavailable}, ready {ready}, old {old}"
        );
    }
}

/// `TestScale` (sync_test.go): scaling events and proportional scaling. Every ReplicaSet carries
/// the replicas annotations of the Deployment before the change (`old` replicas and surge); the
/// Deployment is paused when its size did not change, so that the sync is `scale()` too.
#[test]
fn scale_like_upstream() {
    struct Case {
        name: &'static str,
        replicas: i64,
        surge: i64,
        old_replicas: i64,
        old_surge: i64,
        /// (name, image, replicas, created hour); image "new" is the Deployment's template.
        sets: Vec<(&'static str, &'static str, i64, i64)>,
        want: Vec<(&'static str, i64)>,
        new_unavailable: bool,
    }
    let case = |name, replicas, old_replicas, sets: Vec<_>, want: Vec<_>| Case {
        name,
        replicas,
        surge: 0,
        old_replicas,
        old_surge: 0,
        sets,
        want,
        new_unavailable: false,
    };
    let cases = vec![
        case("normal scaling event: 10 -> 12", 12, 10, vec![("foo-v1", "new", 10, 2)], vec![("foo-v1", 12)]),
        case("normal scaling event: 10 -> 5", 5, 10, vec![("foo-v1", "new", 10, 2)], vec![("foo-v1", 5)]),
        case(
            "proportional scaling: 5 -> 10",
            10,
            5,
            vec![("foo-v2", "new", 2, 2), ("foo-v1", "v1", 3, 1)],
            vec![("foo-v2", 4), ("foo-v1", 6)],
        ),
        case(
            "proportional scaling: 5 -> 3",
            3,
            5,
            vec![("foo-v2", "new", 2, 2), ("foo-v1", "v1", 3, 1)],
            vec![("foo-v2", 1), ("foo-v1", 2)],
        ),
        case(
            "proportional scaling: 9 -> 4",
            4,
            9,
            vec![("foo-v2", "new", 8, 2), ("foo-v1", "v1", 1, 1)],
            vec![("foo-v2", 4), ("foo-v1", 0)],
        ),
        case(
            "proportional scaling: 7 -> 10",
            10,
            7,
            vec![("foo-v3", "new", 2, 2), ("foo-v2", "v2", 3, 1), ("foo-v1", "v1", 2, 0)],
            vec![("foo-v3", 3), ("foo-v2", 4), ("foo-v1", 3)],
        ),
        case(
            "proportional scaling: 13 -> 8",
            8,
            13,
            vec![("foo-v3", "new", 2, 2), ("foo-v2", "v2", 8, 1), ("foo-v1", "v1", 3, 0)],
            vec![("foo-v3", 1), ("foo-v2", 5), ("foo-v1", 2)],
        ),
        // Scales up the new replica set.
        case(
            "leftover distribution: 3 -> 4",
            4,
            3,
            vec![("foo-v3", "new", 1, 2), ("foo-v2", "v2", 1, 1), ("foo-v1", "v1", 1, 0)],
            vec![("foo-v3", 2), ("foo-v2", 1), ("foo-v1", 1)],
        ),
        // Scales down the older replica set.
        case(
            "leftover distribution: 3 -> 2",
            2,
            3,
            vec![("foo-v3", "new", 1, 2), ("foo-v2", "v2", 1, 1), ("foo-v1", "v1", 1, 0)],
            vec![("foo-v3", 1), ("foo-v2", 1), ("foo-v1", 0)],
        ),
        // Scales up the latest replica set first.
        case(
            "proportional scaling (no new rs): 4 -> 5",
            5,
            4,
            vec![("foo-v2", "v2", 2, 1), ("foo-v1", "v1", 2, 0)],
            vec![("foo-v2", 3), ("foo-v1", 2)],
        ),
        // Scales down to zero
        case(
            "proportional scaling: 6 -> 0",
            0,
            6,
            vec![("foo-v3", "new", 3, 2), ("foo-v2", "v2", 2, 1), ("foo-v1", "v1", 1, 0)],
            vec![("foo-v3", 0), ("foo-v2", 0), ("foo-v1", 0)],
        ),
        // Scales up from zero
        case(
            "proportional scaling: 0 -> 6",
            6,
            6,
            vec![("foo-v3", "new", 0, 2), ("foo-v2", "v2", 0, 1), ("foo-v1", "v1", 0, 0)],
            vec![("foo-v3", 6), ("foo-v2", 0), ("foo-v1", 0)],
        ),
        Case {
            surge: 2,
            old_surge: 2,
            ..case(
                "deployment with surge pods",
                20,
                10,
                vec![("foo-v2", "new", 6, 2), ("foo-v1", "v1", 6, 1)],
                vec![("foo-v2", 11), ("foo-v1", 11)],
            )
        },
        Case {
            surge: 6,
            old_surge: 3,
            ..case(
                "change both surge and size",
                50,
                10,
                vec![("foo-v2", "new", 5, 2), ("foo-v1", "v1", 8, 1)],
                vec![("foo-v2", 22), ("foo-v1", 34)],
            )
        },
        case(
            "change both size and template",
            14,
            10,
            vec![("foo-v2", "v2", 7, 2), ("foo-v1", "v1", 3, 1)],
            vec![("foo-v2", 10), ("foo-v1", 4)],
        ),
        Case {
            surge: 1,
            old_surge: 1,
            new_unavailable: true,
            ..case(
                "saturated but broken new replica set does not affect old pods",
                2,
                2,
                vec![("foo-v2", "new", 2, 2), ("foo-v1", "v1", 1, 1)],
                vec![("foo-v2", 2), ("foo-v1", 1)],
            )
        },
    ];
    for c in cases {
        // Upstream's newDeployment: maxSurge and maxUnavailable 0 unless given.
        let mut d = dep(c.replicas, json!(c.surge), json!(0));
        d.paused = c.replicas == c.old_replicas;
        let sets: Vec<Rs> = c
            .sets
            .iter()
            .enumerate()
            .map(|(i, &(name, image, spec, hour))| {
                let mut r = rs(name, image, spec, hour, 10 - i as i64);
                if image == "new" && c.new_unavailable {
                    r = r.available(0);
                }
                r.sized_for(c.old_replicas, c.old_replicas + c.old_surge)
            })
            .collect();
        let got = sync(&d, &sets);
        let before: BTreeMap<&str, i64> = c.sets.iter().map(|s| (s.0, s.2)).collect();
        let want: BTreeMap<String, i64> =
            c.want.iter().filter(|(n, r)| before[n] != *r).map(|(n, r)| (n.to_string(), *r)).collect();
        assert_eq!(got.scales, want, "{}", c.name);
        assert_eq!(got.created, None, "{}: scaling never creates a ReplicaSet", c.name);
    }
}

/// The ReplicaSet sizes of a paused Deployment follow scaling, but its template change is not
/// rolled out: no new ReplicaSet.
#[test]
fn paused_deployment_scales_but_does_not_roll_out() {
    let mut d = dep(4, json!(1), json!(0));
    d.paused = true;
    let got = sync(&d, &[rs("foo-v1", "v1", 2, 0, 1).sized_for(2, 3)]);
    assert_eq!(got.scales, scales(&[("foo-v1", 4)]));
    assert_eq!(got.created, None);
}

/// Rolling update from nothing: the new ReplicaSet is created at NewRSNewReplicas.
#[test]
fn new_replica_set_is_created_within_the_surge() {
    // 25% of 10: maxSurge 3, maxUnavailable 2. 10 old, the new one starts at 3, and the same
    // sync already scales the old one down (upstream keeps the created ReplicaSet in allRSs):
    // maxScaledDown = 13 − 8 − 3 (new, not available) = 2, 10 available − 8 = 2.
    let got = sync(&dep(10, json!("25%"), json!("25%")), &[rs("foo-v1", "v1", 10, 0, 1)]);
    assert_eq!(got.created, Some(3));
    assert_eq!(got.scales, scales(&[("foo-v1", 8)]));
    // A brand-new Deployment gets its first ReplicaSet at full size.
    let got = sync(&dep(10, json!("25%"), json!("25%")), &[]);
    assert_eq!(got.created, Some(10));
}

/// `rolloutRecreate`: old ReplicaSets to 0 first; the new one only once no old pod is left,
/// then at full size at once.
#[test]
fn recreate_scales_down_then_up() {
    let mut d = dep(3, json!(null), json!(null));
    d.strategy = json!({"type": "Recreate"});
    // Old pods running: scale the old ReplicaSet to 0, create nothing.
    let got = sync(&d, &[rs("foo-v1", "v1", 3, 0, 1)]);
    assert_eq!(got.scales, scales(&[("foo-v1", 0)]));
    assert_eq!(got.created, None);
    // Scaled to 0 but its pods still reported: wait.
    let got = sync(&d, &[rs("foo-v1", "v1", 0, 0, 1).pods(2).available(2)]);
    assert_eq!(got, Proposed::default());
    // No old pod left: the new ReplicaSet at full size.
    let got = sync(&d, &[rs("foo-v1", "v1", 0, 0, 1)]);
    assert_eq!(got.created, Some(3));
    // An existing new ReplicaSet is scaled straight to replicas.
    let got = sync(&d, &[rs("foo-v1", "v1", 0, 0, 1), rs("foo-v2", "new", 0, 1, 2)]);
    assert_eq!(got.scales, scales(&[("foo-v2", 3)]));
}

/// `cleanupDeployment`: a complete Deployment keeps `revisionHistoryLimit` old ReplicaSets,
/// deleting the lowest revisions among the idle ones; an old ReplicaSet still sized or still
/// holding pods is skipped, not replaced by the next one.
#[test]
fn history_cleanup() {
    let mut d = dep(2, json!(1), json!(0));
    d.history_limit = Some(1);
    d.status = Some((2, 2));
    d.status_replicas = 2;
    let old = |name, hour, revision| rs(name, "old", 0, hour, revision).available(0);
    let sets = [old("foo-a", 0, 1), old("foo-b", 1, 2), old("foo-c", 2, 3), rs("foo-d", "new", 2, 3, 4)];
    let mut got = sync(&d, &sets);
    got.deleted.sort();
    assert_eq!(got.deleted, ["foo-a", "foo-b"]);
    // The lowest revision still has a pod: it is skipped and the next one is not taken instead.
    let sets =
        [old("foo-a", 0, 1).pods(1), old("foo-b", 1, 2), old("foo-c", 2, 3), rs("foo-d", "new", 2, 3, 4)];
    assert_eq!(sync(&d, &sets).deleted, ["foo-b"]);
    // Not complete (an update in flight): nothing is deleted.
    d.status = Some((1, 2));
    assert!(sync(&d, &sets).deleted.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Conditions (progress_test.go, sync.go's calculateStatus)
// ---------------------------------------------------------------------------------------------

/// upstream progress_test.go's `testTime`: when the stored conditions were last written.
const TEST_TIME: &str = "2017-02-15T18:49:00Z";

/// A Progressing condition as progress_test.go writes them, stamped at `TEST_TIME`.
fn progressing(status: &str, reason: &str) -> Value {
    json!({"type": "Progressing", "status": status, "reason": reason, "message": "stored",
           "lastUpdateTime": TEST_TIME, "lastTransitionTime": TEST_TIME})
}

/// upstream `currentDeployment(pds, replicas, statusReplicas, updatedReplicas,
/// availableReplicas, conditions)`: a Recreate Deployment `foo` with that status.
fn current_deployment(
    pds: Option<i64>,
    replicas: i64,
    status: (i64, i64, i64),
    conditions: &[Value],
) -> Value {
    let mut d = Dep {
        status_replicas: status.0,
        status: Some((status.1, status.2)),
        ..dep(replicas, json!(0), json!(0))
    };
    d.strategy = json!({"type": "Recreate"});
    let mut obj = d.object();
    obj["spec"]["progressDeadlineSeconds"] = json!(pds.unwrap_or(i32::MAX as i64));
    obj["status"]["conditions"] = json!(conditions);
    obj
}

/// upstream `newRSWithAvailable(name, specReplicas, statusReplicas, availableReplicas)`; the
/// new ReplicaSet runs the Deployment's image ("new"), an old one another.
fn rs_with_available(name: &'static str, image: &'static str, spec: i64, status: i64, available: i64) -> Rs {
    let revision = if image == "new" { 2 } else { 1 };
    rs(name, image, spec, revision, revision).pods(status).available(available)
}

/// One sync of `d` over `sets` at `now`: the conditions of its status write (the stored ones
/// when it writes no status) and the times it asks to look again.
fn sync_conditions(d: Value, sets: &[Rs], now: &str) -> (Vec<Value>, Vec<i64>) {
    let replicas = model::replicas(&d);
    let mut objects = BTreeMap::new();
    for r in sets {
        let r = r.clone().sized_for(replicas, replicas);
        objects.insert(ObjKey::new("ReplicaSet", "default", r.name), r.object());
    }
    let stored = d["status"]["conditions"].as_array().cloned().unwrap_or_default();
    objects.insert(ObjKey::new("Deployment", "default", "foo"), d);
    let proposals =
        reconcile(&Facts::extract(&State::of_objects(objects.clone(), model::parse_time(now).unwrap())));
    let written = proposals.actions.into_iter().find_map(|a| match a.change {
        Change::Patch { key, patch, .. } if key.kind == "Deployment" && patch.get("status").is_some() => {
            patch["status"]["conditions"].as_array().cloned()
        }
        _ => None,
    });
    (written.unwrap_or(stored), proposals.wakes)
}

fn condition_of<'a>(conditions: &'a [Value], kind: &str) -> Option<&'a Value> {
    conditions.iter().find(|c| c["type"] == kind)
}

/// upstream `TestSyncRolloutStatus` (progress_test.go), each case through a whole sync of a
/// Recreate Deployment (upstream calls `syncRolloutStatus` alone): the Progressing condition's
/// status and reason, and which of its times stay at the stored `testTime`. Upstream's
/// "no Progress Deadline" is a nil field, which the API server defaults to 600; here it is
/// MaxInt32, the other spelling of "no deadline" (`HasProgressDeadline`).
#[test]
fn sync_rollout_status() {
    let now = "2017-02-15T19:00:00Z";
    let (updated, timed_out, available) = (
        progressing("True", "ReplicaSetUpdated"),
        progressing("False", "ProgressDeadlineExceeded"),
        progressing("True", "NewReplicaSetAvailable"),
    );
    // upstream's ReplicaSets "foo" (new) and "bar" (old); named apart from the Deployment here,
    // whose uid would otherwise be theirs too.
    let foo = |spec, status, avail| rs_with_available("foo-new", "new", spec, status, avail);
    let bar = |spec, status, avail| rs_with_available("foo-old", "old", spec, status, avail);
    // (name, deployment, ReplicaSets, expected (status, reason), lastUpdateTime kept,
    // lastTransitionTime kept); None: no Progressing condition.
    type Case = (&'static str, Value, Vec<Rs>, Option<(&'static str, &'static str)>, bool, bool);
    let cases: Vec<Case> = vec![
        (
            "General: remove Progressing condition and do not estimate progress if deployment has no Progress Deadline",
            current_deployment(None, 3, (2, 2, 2), std::slice::from_ref(&updated)),
            vec![bar(0, 1, 1), foo(3, 2, 2)],
            None,
            false,
            false,
        ),
        (
            "General: do not estimate progress of deployment with only one active ReplicaSet",
            current_deployment(Some(60), 3, (3, 3, 3), std::slice::from_ref(&available)),
            vec![bar(3, 3, 3)],
            Some(("True", "NewReplicaSetAvailable")),
            true,
            true,
        ),
        (
            "DeploymentProgressing: dont update lastTransitionTime if deployment already has Progressing=True",
            current_deployment(Some(60), 3, (2, 2, 2), std::slice::from_ref(&updated)),
            vec![bar(0, 1, 1), foo(3, 2, 2)],
            Some(("True", "ReplicaSetUpdated")),
            false,
            true,
        ),
        (
            "DeploymentProgressing: update everything if deployment has Progressing=False",
            current_deployment(Some(60), 3, (2, 2, 2), std::slice::from_ref(&timed_out)),
            vec![bar(0, 1, 1), foo(3, 2, 2)],
            Some(("True", "ReplicaSetUpdated")),
            false,
            false,
        ),
        (
            "DeploymentProgressing: create Progressing condition if it does not exist",
            current_deployment(Some(60), 3, (2, 2, 2), &[]),
            vec![bar(0, 1, 1), foo(3, 2, 2)],
            Some(("True", "ReplicaSetUpdated")),
            false,
            false,
        ),
        (
            "DeploymentComplete: dont update lastTransitionTime if deployment already has Progressing=True",
            current_deployment(Some(60), 3, (3, 3, 3), std::slice::from_ref(&updated)),
            vec![foo(3, 3, 3)],
            Some(("True", "NewReplicaSetAvailable")),
            false,
            true,
        ),
        (
            "DeploymentComplete: update everything if deployment has Progressing=False",
            current_deployment(Some(60), 3, (3, 3, 3), std::slice::from_ref(&timed_out)),
            vec![foo(3, 3, 3)],
            Some(("True", "NewReplicaSetAvailable")),
            false,
            false,
        ),
        (
            "DeploymentComplete: create Progressing condition if it does not exist",
            current_deployment(Some(60), 3, (3, 3, 3), &[]),
            vec![foo(3, 3, 3)],
            Some(("True", "NewReplicaSetAvailable")),
            false,
            false,
        ),
        (
            "DeploymentComplete: defend against NPE when newRS=nil",
            current_deployment(Some(60), 0, (3, 3, 3), std::slice::from_ref(&updated)),
            vec![rs_with_available("foo-old", "old", 0, 0, 0)],
            Some(("True", "NewReplicaSetAvailable")),
            false,
            true,
        ),
        (
            "DeploymentTimedOut: update status if rollout exceeds Progress Deadline",
            current_deployment(Some(60), 3, (2, 2, 2), std::slice::from_ref(&updated)),
            vec![foo(3, 2, 2)],
            Some(("False", "ProgressDeadlineExceeded")),
            false,
            false,
        ),
        (
            // Not upstream's table: `DeploymentTimedOut` runs the clock of a condition whose
            // reason the controller never sets from its lastUpdateTime, and getNewReplicaSet's
            // FoundNewReplicaSet is only for a Deployment without a Progressing condition.
            "DeploymentTimedOut: a Progressing condition of unknown reason times out",
            current_deployment(Some(60), 3, (2, 2, 2), &[progressing("True", "SomeOtherReason")]),
            vec![foo(3, 2, 2)],
            Some(("False", "ProgressDeadlineExceeded")),
            false,
            false,
        ),
        (
            "DeploymentTimedOut: a Progressing condition without a reason times out",
            current_deployment(Some(60), 3, (2, 2, 2), &[progressing("True", "")]),
            vec![foo(3, 2, 2)],
            Some(("False", "ProgressDeadlineExceeded")),
            false,
            false,
        ),
        (
            "DeploymentProgressing: a Progressing condition of unknown reason keeps lastTransitionTime",
            current_deployment(Some(60), 3, (2, 2, 2), &[progressing("True", "SomeOtherReason")]),
            vec![bar(0, 1, 1), foo(3, 2, 2)],
            Some(("True", "ReplicaSetUpdated")),
            false,
            true,
        ),
        (
            "DeploymentTimedOut: do not update status if deployment has existing timedOut condition",
            current_deployment(Some(60), 3, (2, 2, 2), std::slice::from_ref(&timed_out)),
            vec![foo(3, 2, 2)],
            Some(("False", "ProgressDeadlineExceeded")),
            true,
            true,
        ),
    ];
    for (name, d, sets, want, update_kept, transition_kept) in cases {
        let (conditions, _) = sync_conditions(d, &sets, now);
        let got = condition_of(&conditions, "Progressing");
        let Some((status, reason)) = want else {
            assert!(got.is_none(), "{name}: {got:?}");
            continue;
        };
        let got = got.unwrap_or_else(|| panic!("{name}: no Progressing condition in {conditions:?}"));
        assert_eq!((got["status"].as_str(), got["reason"].as_str()), (Some(status), Some(reason)), "{name}");
        let stamp = |kept: bool| if kept { TEST_TIME } else { now };
        assert_eq!(got["lastUpdateTime"], stamp(update_kept), "{name}: lastUpdateTime");
        assert_eq!(got["lastTransitionTime"], stamp(transition_kept), "{name}: lastTransitionTime");
    }
}

/// upstream `TestRequeueStuckDeployment` (progress_test.go): a rollout making no progress is
/// looked at again when its deadline passes (here one second after it, since the deadline is
/// exceeded once `lastUpdateTime + progressDeadlineSeconds` is strictly before now); a
/// Deployment without a deadline, complete (`DeploymentComplete`) or already timed out is not.
/// The "stuck" condition is upstream's: Progressing True with no reason, whose clock runs from
/// its lastUpdateTime like any reason other than NewReplicaSetAvailable and
/// ProgressDeadlineExceeded (`DeploymentTimedOut`).
#[test]
fn requeue_stuck_deployment() {
    let stuck = progressing("True", "");
    let failed = progressing("False", "ProgressDeadlineExceeded");
    let deadline = model::parse_time(TEST_TIME).unwrap() + 60 + 1;
    let foo = |available| rs_with_available("foo-new", "new", 3, 3, available);
    let cases: Vec<(&str, Value, Rs, &str, Vec<i64>)> = vec![
        (
            "infinite progressDeadlineSeconds specified",
            current_deployment(None, 4, (3, 3, 2), std::slice::from_ref(&stuck)),
            rs_with_available("foo-new", "new", 4, 3, 2),
            "2017-02-15T18:49:30Z",
            vec![],
        ),
        (
            // Upstream's requeueStuckDeployment alone finds no condition; a whole sync has
            // getNewReplicaSet set FoundNewReplicaSet now first, so the deadline runs from now.
            "no progressing condition found",
            current_deployment(Some(60), 4, (3, 3, 2), &[]),
            rs_with_available("foo-new", "new", 4, 3, 2),
            "2017-02-15T18:49:30Z",
            vec![model::parse_time("2017-02-15T18:49:30Z").unwrap() + 60 + 1],
        ),
        (
            // The whole sync sets FoundNewReplicaSet and then NewReplicaSetAvailable now.
            "complete deployment does not need to be requeued",
            current_deployment(Some(60), 3, (3, 3, 3), &[]),
            foo(3),
            "2017-02-15T18:49:30Z",
            vec![],
        ),
        (
            // The sync that completes a stuck rollout does not look again at its old deadline.
            "complete deployment does not need to be requeued: stuck condition",
            current_deployment(Some(60), 3, (3, 3, 3), std::slice::from_ref(&stuck)),
            foo(3),
            "2017-02-15T18:49:30Z",
            vec![],
        ),
        (
            "already failed deployment does not need to be requeued",
            current_deployment(Some(60), 3, (3, 3, 0), &[failed]),
            foo(0),
            "2017-02-15T18:49:30Z",
            vec![],
        ),
        (
            "stuck deployment - 30s",
            current_deployment(Some(60), 3, (3, 3, 1), std::slice::from_ref(&stuck)),
            foo(1),
            "2017-02-15T18:49:30Z",
            vec![deadline],
        ),
        (
            "stuck deployment - 1s",
            current_deployment(Some(60), 3, (3, 3, 1), std::slice::from_ref(&stuck)),
            foo(1),
            "2017-02-15T18:49:59Z",
            vec![deadline],
        ),
        (
            "failed deployment - 1s after deadline",
            current_deployment(Some(60), 3, (3, 3, 1), &[stuck]),
            foo(1),
            "2017-02-15T18:50:01Z",
            vec![],
        ),
    ];
    for (name, d, set, now, want) in cases {
        let (_, wakes) = sync_conditions(d, &[set], now);
        assert_eq!(wakes, want, "{name}");
    }
}

/// upstream `calculateStatus` with `deploymentutil.NewDeploymentCondition`: Available is True
/// with MinimumReplicasAvailable once available pods reach replicas − maxUnavailable, else
/// False with MinimumReplicasUnavailable; kept unchanged (times included) while it holds.
#[test]
fn available_condition() {
    let now = "2017-02-15T19:00:00Z";
    let stored_available = json!({"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable",
        "message": "Deployment has minimum availability.", "lastUpdateTime": TEST_TIME, "lastTransitionTime": TEST_TIME});
    let mut d = dep(4, json!(0), json!(1));
    d.status = Some((4, 3));
    d.status_replicas = 4;
    let sets = [rs("foo-new", "new", 4, 1, 1).available(3)];
    let mut with_condition = d.object();
    with_condition["status"]["conditions"] = json!([stored_available.clone()]);
    let (conditions, _) = sync_conditions(with_condition, &sets, now);
    assert_eq!(condition_of(&conditions, "Available"), Some(&stored_available), "3 of 4, maxUnavailable 1");
    let (conditions, _) = sync_conditions(d.object(), &[rs("foo-new", "new", 4, 1, 1).available(2)], now);
    let got = condition_of(&conditions, "Available").expect("Available written");
    assert_eq!((&got["status"], &got["reason"]), (&json!("False"), &json!("MinimumReplicasUnavailable")));
    assert_eq!(got["lastTransitionTime"], now);
}

/// upstream `syncRolloutStatus` → `getReplicaFailures` (progress.go): a rolling-out Deployment
/// takes over its new ReplicaSet's ReplicaFailure condition, else an old one's, as
/// `ReplicaSetToDeploymentCondition` converts it (both times the ReplicaSet's
/// lastTransitionTime) and `SetDeploymentCondition` sets it (kept as it is while status and
/// reason hold); with none, `RemoveDeploymentCondition(ReplicaFailure)`. A sync that does not run
/// `syncRolloutStatus` (paused: `sync` → `syncDeploymentStatus`) leaves it alone.
#[test]
fn replica_failure_from_replica_sets() {
    let now = "2017-02-15T19:00:00Z";
    let foo = || rs_with_available("foo-new", "new", 3, 2, 2);
    let bar = || rs_with_available("foo-old", "old", 1, 1, 1);
    let stored = json!({"type": "ReplicaFailure", "status": "True", "reason": "FailedCreate",
        "message": "stored", "lastUpdateTime": "2017-02-15T18:00:00Z", "lastTransitionTime": "2017-02-15T18:00:00Z"});
    let copied = |message: &str| {
        json!({"type": "ReplicaFailure", "status": "True", "reason": "FailedCreate", "message": message,
               "lastUpdateTime": TEST_TIME, "lastTransitionTime": TEST_TIME})
    };
    let deployment = |conditions: &[Value]| current_deployment(Some(60), 3, (3, 2, 2), conditions);
    let mut paused = deployment(std::slice::from_ref(&stored));
    paused["spec"]["paused"] = json!(true);
    // (name, deployment, ReplicaSets, the ReplicaFailure condition after the sync)
    let cases: Vec<(&str, Value, Vec<Rs>, Option<Value>)> = vec![
        (
            "the new ReplicaSet's failure",
            deployment(&[]),
            vec![bar(), foo().failing("new")],
            Some(copied("new")),
        ),
        (
            "the new ReplicaSet's failure over an old one's",
            deployment(&[]),
            vec![bar().failing("old"), foo().failing("new")],
            Some(copied("new")),
        ),
        (
            "an old ReplicaSet's failure",
            deployment(&[]),
            vec![bar().failing("old"), foo()],
            Some(copied("old")),
        ),
        (
            "same status and reason: the stored condition stays",
            deployment(std::slice::from_ref(&stored)),
            vec![bar(), foo().failing("new")],
            Some(stored.clone()),
        ),
        ("no failure: removed", deployment(std::slice::from_ref(&stored)), vec![bar(), foo()], None),
        ("paused: not synced", paused, vec![bar(), foo()], Some(stored.clone())),
    ];
    for (name, d, sets, want) in cases {
        let (conditions, _) = sync_conditions(d, &sets, now);
        assert_eq!(condition_of(&conditions, "ReplicaFailure"), want.as_ref(), "{name}: {conditions:?}");
    }
    // The condition goes last, after the Progressing condition this sync sets.
    let (conditions, _) = sync_conditions(deployment(&[]), &[bar(), foo().failing("new")], now);
    let kinds: Vec<&str> = conditions.iter().filter_map(|c| c["type"].as_str()).collect();
    assert_eq!(kinds.last(), Some(&"ReplicaFailure"), "{kinds:?}");
}
