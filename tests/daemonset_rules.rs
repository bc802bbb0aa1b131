//! The DaemonSet controller against upstream's own tests (pkg/controller/daemon:
//! daemon_controller_test.go, update_test.go), each test naming the upstream test (and case)
//! it encodes.
//!
//! Upstream's tests sync a DaemonSet against a fake pod control and count the pods it creates
//! and deletes and the Events it records (its own Events only: `SuccessfulCreate` and
//! `SuccessfulDelete` come from the pod control). [`Sim`] does the same through the real
//! controller (`controllers::daemonset::reconcile` over `Facts::extract`) and the real API
//! server: each `sync` is one reconcile, whose actions are admitted; like the fake pod
//! control, created pods are not scheduled (they are found through their node affinity) and
//! deleted pods are gone at once.
//!
//! One difference is deliberate: upstream's fake pod control observes its own creates and
//! deletes at once, so a test sync there runs `manage` and then `rollingUpdate` in one go;
//! with a real API server the expectations wait for the informer, and here for the next step.
//! Where a test sync did both, it is two syncs here, and the comment says so.

use konverge::actions::Change;
use konverge::apiserver::ApiServer;
use konverge::controllers::daemonset::{self, eligibility};
use konverge::facts::daemon::{self as fd, Symbols, UpdateStrategy};
use konverge::facts::Facts;
use konverge::model::{self, ObjKey};
use konverge::state::State;
use konverge::validate::IntOrPercent::{self, Int, Percent};
use serde_json::{json, Value};

/// `simpleDaemonSetLabel`, `simpleDaemonSetLabel2`, `simpleNodeLabel`.
fn label() -> Value {
    json!({"name": "simple-daemon", "type": "production"})
}
fn label2() -> Value {
    json!({"name": "simple-daemon", "type": "test"})
}
fn node_label() -> Value {
    json!({"color": "blue", "speed": "fast"})
}

/// `newDaemonSet(name)`: OnDelete, revisionHistoryLimit 2, one `foo/bar` container.
fn daemon_set(name: &str) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "revisionHistoryLimit": 2,
            "updateStrategy": {"type": "OnDelete"},
            "selector": {"matchLabels": label()},
            "template": {"metadata": {"labels": label()}, "spec": {"containers": [{"name": "c", "image": "foo/bar"}]}},
        },
    })
}

/// `newRollingUpdateStrategy()` and `newUpdateSurge(v)`.
fn rolling(unavailable: Value) -> Value {
    json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": unavailable}})
}
fn surge(value: Value) -> Value {
    json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": value}})
}

/// `updateStrategies()`: every test that loops over them runs under both.
fn strategies() -> [Value; 2] {
    [json!({"type": "OnDelete"}), rolling(json!(1))]
}

fn with(mut obj: Value, patch: Value) -> Value {
    json_patch::merge(&mut obj, &patch);
    obj
}

/// `newNode(name, labels)`: Ready, 100 pods allocatable.
fn node(name: &str, labels: Value) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "labels": labels},
        "status": {"allocatable": {"pods": "100"}, "conditions": [{"type": "Ready", "status": "True"}]},
    })
}

/// What one sync did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Did {
    creates: usize,
    deletes: usize,
    /// Events of the controller's own recorder (not the pod control's Created/Deleted pod).
    events: usize,
}

fn did(creates: usize, deletes: usize, events: usize) -> Did {
    Did { creates, deletes, events }
}

/// A cluster the controller syncs one reconcile at a time.
struct Sim {
    state: State,
}

impl Sim {
    fn new() -> Sim {
        Sim { state: State::empty() }
    }

    fn add(&mut self, obj: Value) -> ObjKey {
        ApiServer::new(&mut self.state).create(obj).expect("create").key
    }

    /// `addNodes(store, start, n, labels)`: nodes `node-<i>`.
    fn nodes(&mut self, start: usize, n: usize, labels: Value) {
        for i in start..start + n {
            self.add(node(&format!("node-{i}"), labels.clone()));
        }
    }

    /// `newPod`/`addPods(store, node, labels, ds, n)`: pods on `node` controlled by `ds`,
    /// labelled with its current hash.
    fn pods(&mut self, node: &str, labels: Value, ds: &str, n: usize) -> Vec<ObjKey> {
        (0..n).map(|_| self.add(self.pod(node, labels.clone(), ds, json!({})))).collect()
    }

    fn pod(&self, node: &str, labels: Value, ds: &str, extra: Value) -> Value {
        let owner = &self.state.objects[&ObjKey::new("DaemonSet", "default", ds)];
        let hash = konverge::facts::deploy::pod_template_hash(&owner["spec"]["template"], 0);
        let mut labels = labels;
        labels["controller-revision-hash"] = json!(hash);
        with(
            json!({
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"generateName": format!("{node}-"), "namespace": "default", "labels": labels,
                    "ownerReferences": [konverge::podtemplate::controller_ref(owner)]},
                "spec": {"nodeName": node, "containers": [{"name": "c", "image": "foo/bar"}]},
            }),
            extra,
        )
    }

    fn patch(&mut self, key: &ObjKey, patch: Value) {
        let change =
            Change::Patch { key: key.clone(), patch, precondition: konverge::actions::Precondition::None };
        ApiServer::new(&mut self.state).admit(&change).expect("patch");
    }

    /// One `syncDaemonSet` of every DaemonSet.
    fn sync(&mut self) -> Did {
        let proposals = {
            let f = Facts::extract(&self.state);
            daemonset::reconcile(&f)
        };
        let mut out = Did::default();
        let mut api = ApiServer::new(&mut self.state);
        for a in &proposals.actions {
            let done = api.admit(&a.change).unwrap_or_else(|e| panic!("{:?} refused: {e}", a.change));
            for ev in &a.events {
                api.record_event(ev, a.controller, &done.key.name);
            }
            out.events += a.events.iter().filter(|e| !e.reason.starts_with("Successful")).count();
            if done.key.kind == "Pod" {
                match &a.change {
                    Change::Create { .. } => out.creates += 1,
                    Change::Delete { .. } => out.deletes += 1,
                    _ => {}
                }
            }
        }
        // The fake pod control deletes at once.
        self.state
            .objects
            .retain(|k, v| k.kind != "Pod" || v.pointer("/metadata/deletionTimestamp").is_none());
        out
    }

    fn pods_of(&self) -> Vec<&Value> {
        self.state.of_kind("Pod", Some("default")).collect()
    }

    /// `markPodsReady` / `setPodReadiness`: the Ready condition of every pod (matching
    /// `which`) becomes `ready`, changing now.
    fn set_ready(&mut self, ready: bool, which: impl Fn(&Value) -> bool) {
        let now = model::fmt_time(self.state.now);
        let keys: Vec<ObjKey> = self
            .pods_of()
            .into_iter()
            .filter(|p| which(p) && model::pod_ready(p).0 != ready)
            .map(ObjKey::of)
            .collect();
        for key in keys {
            let status = if ready { "True" } else { "False" };
            self.patch(
                &key,
                json!({"status": {"conditions": [{"type": "Ready", "status": status, "lastTransitionTime": now}]}}),
            );
        }
    }

    fn mark_pods_ready(&mut self) {
        self.set_ready(true, |_| true);
    }

    fn ds(&self, name: &str) -> &Value {
        &self.state.objects[&ObjKey::new("DaemonSet", "default", name)]
    }

    fn update_ds(&mut self, name: &str, patch: Value) {
        self.patch(&ObjKey::new("DaemonSet", "default", name), patch);
    }

    /// The hash new pods of `name` carry (its current revision's).
    fn hash(&self, name: &str) -> String {
        konverge::facts::deploy::pod_template_hash(&self.ds(name)["spec"]["template"], 0)
    }
}

/// A cluster with `nodes` and `ds` (and nothing synced yet).
fn sim(ds: Value) -> Sim {
    let mut s = Sim::new();
    s.add(ds);
    s
}

// ---------------------------------------------------------------------------------------------
// NodeShouldRunDaemonPod (daemon_controller_test.go)
// ---------------------------------------------------------------------------------------------

/// (shouldRun, shouldContinueRunning) of `ds` on `node`, with `pods` on the node.
fn should_run(node: Value, ds: Value, pods: Vec<Value>) -> (bool, bool) {
    let mut s = Sim::new();
    s.add(node.clone());
    s.add(ds);
    for p in pods {
        s.add(p);
    }
    let f = Facts::extract(&s.state);
    let mut syms = Symbols::new(&f.syms);
    let daemons = fd::daemon_sets(&f, &mut syms);
    let e = eligibility::run(&f, &daemons, &syms);
    let n = f.syms.get(node["metadata"]["name"].as_str().unwrap()).unwrap();
    let d = daemons[0].id;
    (e.should_run.contains(&(d, n)), e.should_continue.contains(&(d, n)))
}

fn resource_pod_spec(node_name: &str, memory: &str, cpu: &str) -> Value {
    json!({"nodeName": node_name, "containers": [{"name": "c", "image": "i", "resources": {"requests": {"memory": memory, "cpu": cpu}}}]})
}

/// `TestNodeShouldRunDaemonPod`: resources and host ports are the scheduler's business; the
/// template's nodeName, nodeSelector and required node affinity decide; an unschedulable node
/// still runs the pod. Run under both update strategies, as upstream does.
#[test]
fn node_should_run_daemon_pod() {
    let test_node = || {
        with(
            node("test-node", label()),
            json!({"status": {"allocatable": {"memory": "100M", "cpu": "1", "pods": "100"}}}),
        )
    };
    let ds = |spec: Value| with(daemon_set("x"), json!({"spec": {"template": {"spec": spec}}}));
    let spec_only = |spec: Value| {
        let mut d = daemon_set("x");
        d["spec"]["template"]["spec"] = spec;
        d
    };
    let host_port_pod = |resources: Value| {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "other", "namespace": "default"},
            "spec": {"nodeName": "test-node", "containers": [{"name": "c", "image": "i", "ports": [{"hostPort": 666}], "resources": resources}]}})
    };
    let affinity = |value: &str| {
        json!({"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [{"matchExpressions": [{"key": "type", "operator": "In", "values": [value]}]}]}}}})
    };
    // (case, node, pods on it, daemon pod spec, (should run, should continue running)).
    type Case = (&'static str, Value, Vec<Value>, Value, (bool, bool));
    let cases: Vec<Case> = vec![
        (
            "ShouldRunDaemonPod",
            test_node(),
            vec![],
            spec_only(resource_pod_spec("", "50M", "0.5")),
            (true, true),
        ),
        (
            "InsufficientResourceError",
            test_node(),
            vec![],
            spec_only(resource_pod_spec("", "200M", "0.5")),
            (true, true),
        ),
        (
            "ErrPodNotMatchHostName",
            test_node(),
            vec![],
            spec_only(resource_pod_spec("other-node", "50M", "0.5")),
            (false, false),
        ),
        (
            "ErrPodNotFitsHostPorts",
            test_node(),
            vec![host_port_pod(json!({}))],
            spec_only(json!({"containers": [{"name": "c", "image": "i", "ports": [{"hostPort": 666}]}]})),
            (true, true),
        ),
        (
            "InsufficientResourceError (a pod with a host port on the node)",
            test_node(),
            vec![host_port_pod(json!({"requests": {"memory": "50M", "cpu": "0.5"}}))],
            spec_only(resource_pod_spec("", "100M", "0.5")),
            (true, true),
        ),
        (
            "ShouldRunDaemonPod (a pod with a host port on the node)",
            test_node(),
            vec![host_port_pod(json!({"requests": {"memory": "50M", "cpu": "0.5"}}))],
            spec_only(resource_pod_spec("", "50M", "0.5")),
            (true, true),
        ),
        (
            "ErrNodeSelectorNotMatch",
            test_node(),
            vec![],
            ds(json!({"nodeSelector": label2()})),
            (false, false),
        ),
        (
            "ShouldRunDaemonPod (nodeSelector)",
            test_node(),
            vec![],
            ds(json!({"nodeSelector": label()})),
            (true, true),
        ),
        ("ErrPodAffinityNotMatch", test_node(), vec![], ds(affinity("test")), (false, false)),
        ("ShouldRunDaemonPod (node affinity)", test_node(), vec![], ds(affinity("production")), (true, true)),
        (
            "ShouldRunDaemonPodOnUnschedulableNode",
            with(test_node(), json!({"spec": {"unschedulable": true}})),
            vec![],
            spec_only(resource_pod_spec("", "50M", "0.5")),
            (true, true),
        ),
    ];
    for (name, n, pods, d, want) in cases {
        for strategy in strategies() {
            let d = with(d.clone(), json!({"spec": {"updateStrategy": strategy}}));
            assert_eq!(should_run(n.clone(), d, pods.clone()), want, "{name} ({strategy})");
        }
    }
}

/// The taint rules behind the taint tests (`TestTaintedNodeDaemonDoesNotLaunchIntolerantPod`,
/// `TestNoScheduleTaintedDoesntEvicitRunningIntolerantPod`,
/// `TestNoExecuteTaintedDoesEvicitRunningIntolerantPod`, `TestTaintedNodeDaemonLaunchesToleratePod`,
/// `TestNotReadyNodeDaemonLaunchesPod`, `TestUnreachableNodeDaemonLaunchesPod`,
/// `TestTaintPressureNodeDaemonLaunchesPod`), and the requirement operators of component-helpers'
/// node affinity (In, NotIn, Exists, DoesNotExist, Gt, Lt, `matchFields` on the name, a
/// requirement that does not parse) on one node.
#[test]
fn node_should_run_daemon_pod_taints_and_affinity() {
    let tainted = |taints: Value| {
        with(node("tainted", json!({"zone": "a", "cores": "8"})), json!({"spec": {"taints": taints}}))
    };
    let ds = |spec: Value| with(daemon_set("x"), json!({"spec": {"template": {"spec": spec}}}));
    let no_schedule = json!([{"key": "dedicated", "value": "user1", "effect": "NoSchedule"}]);
    let no_execute = json!([{"key": "dedicated", "value": "user1", "effect": "NoExecute"}]);
    let tolerate = json!({"tolerations": [{"key": "dedicated", "value": "user1", "effect": "NoSchedule"}]});
    let requires = |expr: Value| json!({"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [expr]}}}});
    let exprs = |key: &str, op: &str, values: Value| {
        requires(json!({"matchExpressions": [{"key": key, "operator": op, "values": values}]}))
    };
    let cases: Vec<(&str, Value, Value, (bool, bool))> = vec![
        (
            "untolerated NoSchedule: no new pod, a running one stays",
            tainted(no_schedule.clone()),
            ds(json!({})),
            (false, true),
        ),
        ("untolerated NoExecute: neither", tainted(no_execute), ds(json!({})), (false, false)),
        ("tolerated NoSchedule", tainted(no_schedule.clone()), ds(tolerate), (true, true)),
        (
            "an Exists toleration with no key tolerates everything",
            tainted(no_schedule),
            ds(json!({"tolerations": [{"operator": "Exists"}]})),
            (true, true),
        ),
        (
            "not-ready NoExecute: tolerated by default",
            tainted(json!([{"key": "node.kubernetes.io/not-ready", "effect": "NoExecute"}])),
            ds(json!({})),
            (true, true),
        ),
        (
            "unreachable NoExecute: tolerated by default",
            tainted(json!([{"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"}])),
            ds(json!({})),
            (true, true),
        ),
        (
            "pressure NoSchedule taints: tolerated by default",
            tainted(json!([
                {"key": "node.kubernetes.io/disk-pressure", "effect": "NoSchedule"},
                {"key": "node.kubernetes.io/memory-pressure", "effect": "NoSchedule"},
                {"key": "node.kubernetes.io/pid-pressure", "effect": "NoSchedule"},
                {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"},
            ])),
            ds(json!({})),
            (true, true),
        ),
        (
            "network-unavailable: not tolerated without hostNetwork",
            tainted(json!([{"key": "node.kubernetes.io/network-unavailable", "effect": "NoSchedule"}])),
            ds(json!({})),
            (false, true),
        ),
        (
            "network-unavailable: tolerated with hostNetwork",
            tainted(json!([{"key": "node.kubernetes.io/network-unavailable", "effect": "NoSchedule"}])),
            ds(json!({"hostNetwork": true})),
            (true, true),
        ),
        (
            "PreferNoSchedule is ignored",
            tainted(json!([{"key": "k", "effect": "PreferNoSchedule"}])),
            ds(json!({})),
            (true, true),
        ),
        ("NotIn", tainted(json!([])), ds(exprs("zone", "NotIn", json!(["a"]))), (false, false)),
        ("NotIn other", tainted(json!([])), ds(exprs("zone", "NotIn", json!(["b"]))), (true, true)),
        ("Exists", tainted(json!([])), ds(exprs("zone", "Exists", json!([]))), (true, true)),
        ("DoesNotExist", tainted(json!([])), ds(exprs("zone", "DoesNotExist", json!([]))), (false, false)),
        ("Gt", tainted(json!([])), ds(exprs("cores", "Gt", json!(["4"]))), (true, true)),
        ("Lt", tainted(json!([])), ds(exprs("cores", "Lt", json!(["4"]))), (false, false)),
        (
            "In with a value that does not parse as the operator wants (Gt x)",
            tainted(json!([])),
            ds(exprs("cores", "Gt", json!(["x"]))),
            (false, false),
        ),
        (
            "matchFields metadata.name In [tainted]",
            tainted(json!([])),
            ds(requires(
                json!({"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["tainted"]}]}),
            )),
            (true, true),
        ),
        (
            "matchFields metadata.name In [other]",
            tainted(json!([])),
            ds(requires(
                json!({"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["other"]}]}),
            )),
            (false, false),
        ),
        (
            "terms are ORed",
            tainted(json!([])),
            ds(
                json!({"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                    {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["b"]}]},
                    {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}]},
                ]}}}}),
            ),
            (true, true),
        ),
        (
            "no terms match nothing",
            tainted(json!([])),
            ds(
                json!({"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": []}}}}),
            ),
            (false, false),
        ),
    ];
    for (name, n, d, want) in cases {
        assert_eq!(should_run(n, d, vec![]), want, "{name}");
    }
}

// ---------------------------------------------------------------------------------------------
// manage (daemon_controller_test.go)
// ---------------------------------------------------------------------------------------------

/// One sync of `ds` on a cluster built by `setup`, under both strategies (`updateStrategies()`).
fn sync_both(ds: Value, setup: impl Fn(&mut Sim)) -> Vec<Did> {
    strategies()
        .into_iter()
        .map(|strategy| {
            let mut s = sim(with(ds.clone(), json!({"spec": {"updateStrategy": strategy}})));
            setup(&mut s);
            s.sync()
        })
        .collect()
}

fn both(d: Did) -> Vec<Did> {
    vec![d.clone(), d]
}

/// Launching: `TestSimpleDaemonSetLaunchesPods` (5 nodes → 5), `TestNoNodesDoesNothing`,
/// `TestOneNodeDaemonLaunchesPod`, `TestNotReadyNodeDaemonDoesLaunchPod`,
/// `TestSelectorDaemonLaunchesPods` (3 of 7 nodes), `TestBadSelectorDaemonDoesNothing`,
/// `TestNameDaemonSetLaunchesPods`, `TestBadNameDaemonSetDoesNothing`,
/// `TestNameAndSelectorDaemonSetLaunchesPods`, `TestInconsistentNameSelectorDaemonSetDoesNothing`,
/// `TestNodeAffinityDaemonLaunchesPods`, `TestNodeDaemonLaunchesToleratePod`,
/// `TestNetworkUnavailableNodeDaemonLaunchesPod` (a condition without a taint).
#[test]
fn launches() {
    let spec = |s: Value| with(daemon_set("foo"), json!({"spec": {"template": {"spec": s}}}));
    let four_and_three = |s: &mut Sim| {
        s.nodes(0, 4, json!({}));
        s.nodes(4, 3, node_label());
    };
    type Case = (&'static str, Value, Box<dyn Fn(&mut Sim)>, usize);
    let cases: Vec<Case> = vec![
        (
            "TestSimpleDaemonSetLaunchesPods",
            daemon_set("foo"),
            Box::new(|s: &mut Sim| s.nodes(0, 5, json!({}))),
            5,
        ),
        ("TestNoNodesDoesNothing", daemon_set("foo"), Box::new(|_: &mut Sim| {}), 0),
        (
            "TestOneNodeDaemonLaunchesPod",
            daemon_set("foo"),
            Box::new(|s: &mut Sim| drop(s.add(node("only-node", json!({}))))),
            1,
        ),
        (
            "TestNotReadyNodeDaemonDoesLaunchPod",
            daemon_set("foo"),
            Box::new(|s: &mut Sim| {
                drop(s.add(with(
                    node("not-ready", json!({})),
                    json!({"status": {"conditions": [{"type": "Ready", "status": "False"}]}}),
                )))
            }),
            1,
        ),
        (
            "TestSelectorDaemonLaunchesPods",
            spec(json!({"nodeSelector": node_label()})),
            Box::new(four_and_three),
            3,
        ),
        (
            "TestBadSelectorDaemonDoesNothing",
            spec(json!({"nodeSelector": {"color": "red", "speed": "fast"}})),
            Box::new(four_and_three),
            0,
        ),
        (
            "TestNameDaemonSetLaunchesPods",
            spec(json!({"nodeName": "node-0"})),
            Box::new(|s: &mut Sim| s.nodes(0, 5, json!({}))),
            1,
        ),
        (
            "TestBadNameDaemonSetDoesNothing",
            spec(json!({"nodeName": "node-10"})),
            Box::new(|s: &mut Sim| s.nodes(0, 5, json!({}))),
            0,
        ),
        (
            "TestNameAndSelectorDaemonSetLaunchesPods",
            spec(json!({"nodeSelector": node_label(), "nodeName": "node-6"})),
            Box::new(four_and_three),
            1,
        ),
        (
            "TestInconsistentNameSelectorDaemonSetDoesNothing",
            spec(json!({"nodeSelector": node_label(), "nodeName": "node-0"})),
            Box::new(four_and_three),
            0,
        ),
        (
            "TestNodeAffinityDaemonLaunchesPods",
            spec(
                json!({"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                {"matchExpressions": [{"key": "color", "operator": "In", "values": ["blue"]}]}]}}}}),
            ),
            Box::new(four_and_three),
            3,
        ),
        (
            "TestNodeDaemonLaunchesToleratePod",
            spec(json!({"tolerations": [{"key": "dedicated", "value": "user1", "effect": "NoSchedule"}]})),
            Box::new(|s: &mut Sim| s.nodes(0, 1, json!({}))),
            1,
        ),
        (
            "TestNetworkUnavailableNodeDaemonLaunchesPod",
            daemon_set("simple"),
            Box::new(|s: &mut Sim| {
                drop(s.add(with(
                    node("network-unavailable", json!({})),
                    json!({"status": {"conditions": [{"type": "NetworkUnavailable", "status": "True"}]}}),
                )))
            }),
            1,
        ),
    ];
    for (name, ds, setup, creates) in cases {
        assert_eq!(sync_both(ds, setup), both(did(creates, 0, 0)), "{name}");
    }
}

/// `TestSimpleDaemonSetScheduleDaemonSetPodsLaunchesPods`: every pod is unscheduled and
/// pinned to its node by one `matchFields metadata.name In [node]` term, one per node.
#[test]
fn pods_are_pinned_by_node_affinity() {
    let mut s = sim(daemon_set("foo"));
    s.nodes(0, 5, json!({}));
    assert_eq!(s.sync(), did(5, 0, 0));
    let mut pinned: Vec<String> = Vec::new();
    for p in s.pods_of() {
        assert_eq!(p["spec"]["nodeName"], Value::Null);
        let terms = &p["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
            ["nodeSelectorTerms"];
        assert_eq!(terms.as_array().unwrap().len(), 1);
        let fields = terms[0]["matchFields"].as_array().unwrap();
        assert_eq!(fields.len(), 1);
        assert_eq!(
            (fields[0]["key"].as_str(), fields[0]["operator"].as_str()),
            (Some("metadata.name"), Some("In"))
        );
        pinned.push(fields[0]["values"][0].as_str().unwrap().to_string());
        assert_eq!(p["metadata"]["generateName"], "foo-");
        assert_eq!(p["metadata"]["ownerReferences"][0]["kind"], "DaemonSet");
        assert_eq!(p["metadata"]["ownerReferences"][0]["apiVersion"], "apps/v1");
        assert_eq!(p["metadata"]["ownerReferences"][0]["controller"], true);
    }
    pinned.sort();
    assert_eq!(pinned, ["node-0", "node-1", "node-2", "node-3", "node-4"]);
}

/// Existing pods: `TestDealsWithExistingPods` (2 creates, 5 deletes: node-4's pods do not
/// match the selector any more and are released), `TestSelectorDaemonDeletesUnselectedPods`
/// (5, 4), `TestSelectorDaemonDealsWithExistingPods` (3, 20),
/// `TestNoScheduleTaintedDoesntEvicitRunningIntolerantPod` (0, 0),
/// `TestNoExecuteTaintedDoesEvicitRunningIntolerantPod` (0, 1),
/// `TestDaemonSetRespectsTermination` (a pod being deleted: 0, 0),
/// `TestPortConflictWithSameDaemonPodDoesNotDeletePod` (0, 0).
#[test]
fn deals_with_existing_pods() {
    let selector_ds =
        with(daemon_set("foo"), json!({"spec": {"template": {"spec": {"nodeSelector": node_label()}}}}));
    type Case = (&'static str, Value, Box<dyn Fn(&mut Sim)>, Did);
    let cases: Vec<Case> = vec![
        (
            "TestDealsWithExistingPods",
            daemon_set("foo"),
            Box::new(|s: &mut Sim| {
                s.nodes(0, 5, json!({}));
                s.pods("node-1", label(), "foo", 1);
                s.pods("node-2", label(), "foo", 2);
                s.pods("node-3", label(), "foo", 5);
                s.pods("node-4", label2(), "foo", 2);
            }),
            did(2, 5, 0),
        ),
        (
            "TestSelectorDaemonDeletesUnselectedPods",
            selector_ds.clone(),
            Box::new(|s: &mut Sim| {
                s.nodes(0, 5, json!({}));
                s.nodes(5, 5, node_label());
                s.pods("node-0", label2(), "foo", 2);
                s.pods("node-1", label(), "foo", 3);
                s.pods("node-1", label2(), "foo", 1);
                s.pods("node-4", label(), "foo", 1);
            }),
            did(5, 4, 0),
        ),
        (
            "TestSelectorDaemonDealsWithExistingPods",
            selector_ds,
            Box::new(|s: &mut Sim| {
                s.nodes(0, 5, json!({}));
                s.nodes(5, 5, node_label());
                s.pods("node-0", label(), "foo", 1);
                s.pods("node-1", label(), "foo", 3);
                s.pods("node-1", label2(), "foo", 2);
                s.pods("node-2", label(), "foo", 4);
                s.pods("node-6", label(), "foo", 13);
                s.pods("node-7", label2(), "foo", 4);
                s.pods("node-9", label(), "foo", 1);
                s.pods("node-9", label2(), "foo", 1);
            }),
            did(3, 20, 0),
        ),
        (
            "TestNoScheduleTaintedDoesntEvicitRunningIntolerantPod",
            daemon_set("intolerant"),
            Box::new(|s: &mut Sim| {
                s.add(with(node("tainted", json!({})), json!({"spec": {"taints": [{"key": "dedicated", "value": "user1", "effect": "NoSchedule"}]}})));
                s.pods("tainted", label(), "intolerant", 1);
            }),
            did(0, 0, 0),
        ),
        (
            "TestNoExecuteTaintedDoesEvicitRunningIntolerantPod",
            daemon_set("intolerant"),
            Box::new(|s: &mut Sim| {
                s.add(with(node("tainted", json!({})), json!({"spec": {"taints": [{"key": "dedicated", "value": "user1", "effect": "NoExecute"}]}})));
                s.pods("tainted", label(), "intolerant", 1);
            }),
            did(0, 1, 0),
        ),
        (
            "TestDaemonSetRespectsTermination",
            daemon_set("foo"),
            Box::new(|s: &mut Sim| {
                s.nodes(0, 1, node_label());
                let pod = s.pod(
                    "node-0",
                    label(),
                    "foo",
                    json!({"metadata": {"deletionTimestamp": "2025-01-01T00:00:00Z"}}),
                );
                s.add(pod);
            }),
            did(0, 0, 0),
        ),
        (
            "TestPortConflictWithSameDaemonPodDoesNotDeletePod",
            with(
                daemon_set("foo"),
                json!({"spec": {"template": {"spec": {"nodeName": "port-conflict", "containers": [{"name": "c", "image": "i", "ports": [{"hostPort": 666}]}]}}}}),
            ),
            Box::new(|s: &mut Sim| {
                s.add(node("port-conflict", json!({})));
                s.pods("port-conflict", label(), "foo", 1);
            }),
            did(0, 0, 0),
        ),
    ];
    for (name, ds, setup, want) in cases {
        assert_eq!(sync_both(ds, setup), both(did(want.creates, want.deletes, want.events)), "{name}");
    }
}

/// `TestDaemonKillFailedPods`: failed pods are deleted (one `FailedDaemonPod` Event each),
/// and at most one pod runs per node.
#[test]
fn kill_failed_pods() {
    let cases = [
        // (failed, normal, creates, deletes, events, name)
        (0, 1, 0, 0, 0, "normal (do nothing)"),
        (0, 0, 1, 0, 0, "no pods (create 1)"),
        (1, 0, 0, 1, 1, "1 failed pod (kill 1), 0 normal pod (create 0; will create in the next sync)"),
        (1, 3, 0, 3, 1, "1 failed pod (kill 1), 3 normal pods (kill 2)"),
    ];
    for (failed, normal, creates, deletes, events, name) in cases {
        let got = sync_both(daemon_set("foo"), |s| {
            s.nodes(0, 1, json!({}));
            for _ in 0..failed {
                let pod = s.pod("node-0", label(), "foo", json!({"status": {"phase": "Failed"}}));
                s.add(pod);
            }
            s.pods("node-0", label(), "foo", normal);
        });
        assert_eq!(got, both(did(creates, deletes, events)), "{name}");
    }
}

/// `TestDaemonKillFailedPodsBackoff`: the first failed pod on a node is deleted at once; a
/// failed pod on the node in the same second waits; after the back-off (1 s for the first
/// deletion) the next one is deleted. Upstream's fake pod control cannot delete the pod it did
/// not create, so its pod stays; here the kubelet fails a new pod on the node instead.
#[test]
fn kill_failed_pods_backoff() {
    for strategy in strategies() {
        let mut s = sim(with(daemon_set("foo"), json!({"spec": {"updateStrategy": strategy}})));
        s.nodes(0, 1, json!({}));
        let failed = |s: &mut Sim| {
            let pod = s.pod("node-0", label(), "foo", json!({"status": {"phase": "Failed"}}));
            s.add(pod);
        };
        failed(&mut s);
        assert_eq!(s.sync(), did(0, 1, 1), "first sync deletes the pod, starting the back-off");
        failed(&mut s);
        assert_eq!(s.sync(), did(0, 0, 0), "immediate second sync is limited by the back-off");
        let f = Facts::extract(&s.state);
        assert_eq!(
            daemonset::reconcile(&f).wakes,
            vec![s.state.now + 1],
            "and asks to look again when it ends"
        );
        s.state.now += 1;
        assert_eq!(s.sync(), did(0, 1, 1), "after the back-off it deletes the failed pod");
        failed(&mut s);
        s.state.now += 1;
        assert_eq!(s.sync(), did(0, 0, 0), "the back-off doubled to 2 s");
        s.state.now += 1;
        assert_eq!(s.sync(), did(0, 1, 1));
    }
}

/// The back-off of `TestDaemonKillFailedPodsBackoff` on a node whose daemon pod keeps failing:
/// it doubles with each deletion up to 15 min also once client-go's event correlator folds the
/// `FailedDaemonPod` Events (ten distinct messages within ten minutes, `EventAggregate`) into
/// one `(combined from similar events)` Event, which the back-off is rebuilt from; a gap of
/// more than ten minutes starts the aggregation over, so the last two are Events of their own.
#[test]
fn kill_failed_pods_backoff_through_aggregated_events() {
    let mut s = sim(daemon_set("foo"));
    s.nodes(0, 1, json!({}));
    let failed = |s: &mut Sim| {
        let pod = s.pod("node-0", label(), "foo", json!({"status": {"phase": "Failed"}}));
        s.add(pod);
    };
    failed(&mut s);
    assert_eq!(s.sync(), did(0, 1, 1));
    let mut backoff = 1;
    for i in 1..13 {
        failed(&mut s);
        assert_eq!(s.sync(), did(0, 0, 0), "deletion {i} waits");
        let f = Facts::extract(&s.state);
        assert_eq!(daemonset::reconcile(&f).wakes, vec![s.state.now + backoff], "deletion {i}");
        s.state.now += backoff;
        assert_eq!(s.sync(), did(0, 1, 1), "deletion {i} after {backoff} s");
        backoff = (backoff * 2).min(fd::BACKOFF_MAX);
    }
    let events: Vec<(&str, i64)> = s
        .state
        .events
        .values()
        .filter(|e| e.reason() == fd::FAILED_DAEMON_POD)
        .map(|e| (e.message(), e.count().unwrap()))
        .collect();
    let combined: Vec<&(&str, i64)> =
        events.iter().filter(|(m, _)| m.starts_with("(combined from similar events): ")).collect();
    assert_eq!(combined.len(), 1, "{events:?}");
    assert_eq!(combined[0].1, 2, "deletions 10 and 11 (512 s apart): {events:?}");
    assert_eq!(events.len(), 12, "nine, the aggregate, and two after gaps of 15 min: {events:?}");
}

/// Pods of other phases and places: a succeeded pod is deleted (`SucceededDaemonPod`); an
/// unscheduled pod pinned to a node that does not exist is deleted
/// (`getUnscheduledPodsWithoutNode`); a pod bound to a node that does not exist is left to the
/// pod garbage collector.
#[test]
fn succeeded_and_nodeless_pods() {
    let got = sync_both(daemon_set("foo"), |s| {
        s.nodes(0, 1, json!({}));
        let pod = s.pod("node-0", label(), "foo", json!({"status": {"phase": "Succeeded"}}));
        s.add(pod);
    });
    assert_eq!(got, both(did(0, 1, 1)));
    let got = sync_both(daemon_set("foo"), |s| {
        s.nodes(0, 1, json!({}));
        s.pods("node-0", label(), "foo", 1);
        let mut pinned = s.pod("node-0", label(), "foo", json!({}));
        pinned["spec"]["nodeName"] = Value::Null;
        pinned["spec"]["affinity"] = json!({"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["node-2"]}]}]}}});
        s.add(pinned);
        s.pods("gone", label(), "foo", 1);
    });
    assert_eq!(got, both(did(0, 1, 0)));
}

/// `BurstReplicas`: at most 250 creates per sync, nodes in name order.
#[test]
fn burst_replicas() {
    let mut s = sim(daemon_set("foo"));
    s.nodes(0, 300, json!({}));
    assert_eq!(s.sync(), did(250, 0, 0));
    assert_eq!(s.sync(), did(50, 0, 0));
    assert_eq!(s.sync(), did(0, 0, 0));
}

/// `TestNumberReadyStatus`, `TestObservedGeneration` and the other status fields: the oldest
/// pod of each node decides; nodes that should not run a pod but have one are misscheduled.
#[test]
fn status() {
    for strategy in strategies() {
        let mut s = sim(with(daemon_set("foo"), json!({"spec": {"updateStrategy": strategy}})));
        s.nodes(0, 2, node_label());
        s.pods("node-0", label(), "foo", 1);
        s.pods("node-1", label(), "foo", 1);
        assert_eq!(s.sync(), did(0, 0, 0));
        let st = |s: &Sim, k: &str| s.ds("foo")["status"][k].as_i64().unwrap_or(0);
        assert_eq!((st(&s, "numberReady"), st(&s, "observedGeneration")), (0, 1));
        s.mark_pods_ready();
        assert_eq!(s.sync(), did(0, 0, 0));
        assert_eq!(st(&s, "numberReady"), 2);
        for (field, want) in [
            ("desiredNumberScheduled", 2),
            ("currentNumberScheduled", 2),
            ("updatedNumberScheduled", 2),
            ("numberAvailable", 2),
            ("numberUnavailable", 0),
            ("numberMisscheduled", 0),
        ] {
            assert_eq!(st(&s, field), want, "{field}");
        }
        // A node label change makes node-1 ineligible: its pod is misscheduled until deleted.
        let node1 = ObjKey::new("Node", "", "node-1");
        s.patch(&node1, json!({"metadata": {"labels": {"speed": "slow"}}}));
        s.update_ds("foo", json!({"spec": {"template": {"spec": {"nodeSelector": node_label()}}}}));
        s.sync();
        assert_eq!((st(&s, "desiredNumberScheduled"), st(&s, "numberMisscheduled")), (1, 1));
        assert_eq!(st(&s, "observedGeneration"), 2);
    }
}

// ---------------------------------------------------------------------------------------------
// Surge in manage (daemon_controller_test.go)
// ---------------------------------------------------------------------------------------------

/// A pod of DaemonSet `ds` on `node` created at `created` seconds, ready or not, with the
/// current hash or without one (old).
fn aged_pod(s: &Sim, ds: &str, node: &str, created: i64, current: bool, ready: Option<bool>) -> Value {
    let mut p = s.pod(node, label(), ds, json!({}));
    if !current {
        p["metadata"]["labels"].as_object_mut().unwrap().remove("controller-revision-hash");
    }
    p["metadata"]["creationTimestamp"] = json!(model::fmt_time(created));
    if let Some(r) = ready {
        p["status"] = json!({"conditions": [{"type": "Ready", "status": if r { "True" } else { "False" },
            "lastTransitionTime": model::fmt_time(created)}]});
    }
    p
}

/// Add an [`aged_pod`], keeping its creation time (the API server would stamp now).
fn add_aged(s: &mut Sim, node: &str, created: i64, current: bool, ready: Option<bool>) -> String {
    let pod = aged_pod(s, "foo", node, created, current, ready);
    add_pod_as_is(s, pod)
}

fn add_pod_as_is(s: &mut Sim, pod: Value) -> String {
    let created = pod["metadata"]["creationTimestamp"].clone();
    let key = s.add(pod);
    s.patch(&key, json!({"metadata": {"creationTimestamp": created}}));
    key.name
}

fn deleted_names(s: &mut Sim) -> (Did, Vec<String>) {
    let before: Vec<String> = s.pods_of().iter().map(|p| model::name(p).to_string()).collect();
    let d = s.sync();
    let after: Vec<String> = s.pods_of().iter().map(|p| model::name(p).to_string()).collect();
    let mut gone: Vec<String> = before.into_iter().filter(|n| !after.contains(n)).collect();
    gone.sort();
    (d, gone)
}

/// `TestSurgeDealsWithExistingPods`, `TestSurgePreservesReadyOldPods`,
/// `TestSurgeDeletesUnreadyOldPods`, `TestSurgePreservesOldReadyWithUnsatisfiedMinReady`,
/// `TestSurgeDeletesOldReadyWithUnsatisfiedMinReady`,
/// `TestSurgeCreatesNewPodWhenAtMaxSurgeAndOldPodDeleted`.
#[test]
fn surge_in_manage() {
    let surge_ds = |min_ready: i64| {
        with(
            daemon_set("foo"),
            json!({"spec": {"updateStrategy": surge(json!(1)), "minReadySeconds": min_ready}}),
        )
    };

    // TestSurgeDealsWithExistingPods.
    let mut s = sim(surge_ds(0));
    s.nodes(0, 5, json!({}));
    s.pods("node-1", label(), "foo", 1);
    s.pods("node-2", label(), "foo", 2);
    s.pods("node-3", label(), "foo", 5);
    s.pods("node-4", label2(), "foo", 2);
    assert_eq!(s.sync(), did(2, 5, 0), "TestSurgeDealsWithExistingPods");

    // TestSurgePreservesReadyOldPods / TestSurgeDeletesUnreadyOldPods.
    for (old_ready, want) in [(true, 1), (false, 2)] {
        let mut s = sim(surge_ds(0));
        s.nodes(0, 5, json!({}));
        s.state.now = 1_000;
        add_aged(&mut s, "node-1", 100, true, None);
        let oldest = add_aged(&mut s, "node-1", 50, false, Some(old_ready));
        let excess = add_aged(&mut s, "node-1", 60, false, Some(true));
        s.pods("node-2", label(), "foo", 1);
        let (d, gone) = deleted_names(&mut s);
        assert_eq!(d, did(3, want, 0), "old ready {old_ready}");
        let mut expected = vec![excess];
        if !old_ready {
            expected.push(oldest);
        }
        expected.sort();
        assert_eq!(gone, expected, "old ready {old_ready}");
    }

    // TestSurgePreservesOldReadyWithUnsatisfiedMinReady (now 60: the new pod ready at 50 is not
    // available for 15 s) / TestSurgeDeletesOldReadyWithUnsatisfiedMinReady (now 70: it is).
    for (now, want) in [(60, 1), (70, 2)] {
        let mut s = sim(surge_ds(15));
        s.nodes(0, 5, json!({}));
        s.state.now = now;
        let mut new = aged_pod(&s, "foo", "node-1", 100, true, Some(true));
        new["status"]["conditions"][0]["lastTransitionTime"] = json!(model::fmt_time(50));
        add_pod_as_is(&mut s, new);
        let ready_old = add_aged(&mut s, "node-1", 50, false, Some(true));
        let excess = add_aged(&mut s, "node-1", 60, false, Some(true));
        s.pods("node-2", label(), "foo", 1);
        let (d, gone) = deleted_names(&mut s);
        assert_eq!(d, did(3, want, 0), "now {now}");
        let mut expected = vec![excess];
        if want == 2 {
            expected.push(ready_old);
        }
        expected.sort();
        assert_eq!(gone, expected, "now {now}");
    }

    // TestSurgeCreatesNewPodWhenAtMaxSurgeAndOldPodDeleted: node-4 has only an old pod being
    // deleted; with surge a node without a running pod gets one at once.
    let mut s = sim(surge_ds(0));
    s.nodes(0, 5, json!({}));
    s.state.now = 1_000;
    add_aged(&mut s, "node-0", 100, true, Some(false));
    add_aged(&mut s, "node-0", 50, false, Some(true));
    for i in 1..5 {
        let mut old = aged_pod(&s, "foo", &format!("node-{i}"), 1, false, Some(true));
        if i == 4 {
            old["metadata"]["deletionTimestamp"] = json!(model::fmt_time(31));
        }
        add_pod_as_is(&mut s, old);
    }
    let d = {
        let f = Facts::extract(&s.state);
        daemonset::reconcile(&f)
    };
    let creates: Vec<&str> = d
        .actions
        .iter()
        .filter(|a| matches!(&a.change, Change::Create { object } if object["kind"] == "Pod"))
        .map(|a| a.reason.as_str())
        .collect();
    assert_eq!(creates.len(), 1, "{creates:?}");
    assert!(creates[0].contains("node-4"), "{creates:?}");
}

// ---------------------------------------------------------------------------------------------
// Rolling update (update_test.go)
// ---------------------------------------------------------------------------------------------

/// A DaemonSet on 5 nodes (or `n`), synced and its pods ready, then updated to `foo2/bar2`
/// with `strategy`.
fn updated(n: usize, strategy: Value, ready: bool) -> Sim {
    let mut s = sim(daemon_set("foo"));
    s.nodes(0, n, json!({}));
    assert_eq!(s.sync(), did(n, 0, 0));
    if ready {
        s.mark_pods_ready();
    }
    s.update_ds(
        "foo",
        json!({"spec": {"updateStrategy": strategy, "template": {"spec": {"containers": [{"name": "c", "image": "foo2/bar2"}]}}}}),
    );
    s
}

/// `TestDaemonSetUpdatesPods`: maxUnavailable 2 on 5 nodes deletes 2, 2, then 1 old pods,
/// each batch recreated by the manage loop once deleted.
#[test]
fn daemon_set_updates_pods() {
    let mut s = updated(5, rolling(json!(2)), true);
    for batch in [2, 2, 1] {
        assert_eq!(s.sync(), did(0, batch, 0));
        assert_eq!(s.sync(), did(batch, 0, 0));
        s.mark_pods_ready();
    }
    assert_eq!(s.sync(), did(0, 0, 0));
}

/// `TestDaemonSetUpdatesPodsWithMaxSurge`: maxSurge 2 creates 2 new pods beside old ones;
/// once they are available the old ones go and 2 more surge. Upstream's syncs of (2, 2) and
/// (1, 2) are each two syncs here: the manage loop deletes the replaced old pods, then the
/// rolling update surges.
#[test]
fn daemon_set_updates_pods_with_max_surge() {
    let max_surge = 2;
    let mut s = updated(5, surge(json!(max_surge)), true);
    assert_eq!(s.sync(), did(max_surge, 0, 0));
    assert_eq!(s.sync(), did(0, 0, 0));
    s.mark_pods_ready();
    assert_eq!(s.sync(), did(0, max_surge, 0), "upstream (2, 2), first half");
    assert_eq!(s.sync(), did(max_surge, 0, 0), "upstream (2, 2), second half");
    assert_eq!(s.sync(), did(0, 0, 0));
    s.mark_pods_ready();
    assert_eq!(s.sync(), did(0, max_surge, 0), "upstream (5 % 2, 2), first half");
    assert_eq!(s.sync(), did(5 % max_surge, 0, 0), "upstream (5 % 2, 2), second half");
    assert_eq!(s.sync(), did(0, 0, 0));
    s.mark_pods_ready();
    assert_eq!(s.sync(), did(0, 5 % max_surge, 0));
    assert_eq!(s.sync(), did(0, 0, 0));
}

/// `TestDaemonSetUpdatesWhenNewPodIsNotReady`: new pods that never get ready hold the budget.
#[test]
fn daemon_set_updates_when_new_pod_is_not_ready() {
    let mut s = updated(5, rolling(json!(3)), true);
    assert_eq!(s.sync(), did(0, 3, 0));
    assert_eq!(s.sync(), did(3, 0, 0));
    assert_eq!(s.sync(), did(0, 0, 0));
}

/// `TestDaemonSetUpdatesAllOldPodsNotReady`: old pods that are not available are all replaced.
#[test]
fn daemon_set_updates_all_old_pods_not_ready() {
    let mut s = updated(5, rolling(json!(3)), false);
    assert_eq!(s.sync(), did(0, 5, 0));
    assert_eq!(s.sync(), did(5, 0, 0));
    assert_eq!(s.sync(), did(0, 0, 0));
}

/// `TestDaemonSetUpdatesSomeOldPodsNotReady`: with maxUnavailable 2 the update goes two at a
/// time, and a second update while the first is done deletes two more.
#[test]
fn daemon_set_updates_some_old_pods_not_ready() {
    let mut s = updated(5, rolling(json!(2)), true);
    assert_eq!(s.sync(), did(0, 2, 0));
    assert_eq!(s.sync(), did(2, 0, 0));
    assert_eq!(s.sync(), did(0, 0, 0));
    s.update_ds(
        "foo",
        json!({"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "foo2/bar3"}]}}}}),
    );
    assert_eq!(s.sync(), did(0, 2, 0));
    assert_eq!(s.sync(), did(2, 0, 0));
    assert_eq!(s.sync(), did(0, 0, 0));
    let ready = s.pods_of().iter().filter(|p| model::pod_ready(p).0).count();
    assert_eq!(ready, 5 - 2, "the three old ready pods stay untouched");
}

/// `TestDaemonSetUpdatesAllOldPodsNotReadyMaxSurge`: unavailable old pods each get a new pod
/// at once (beyond maxSurge); the old pods go when the new are available; with
/// minReadySeconds the new pods must be ready that long first.
#[test]
fn daemon_set_updates_all_old_pods_not_ready_max_surge() {
    let mut s = updated(5, surge(json!(3)), false);
    s.state.now = 100;
    assert_eq!(s.sync(), did(5, 0, 0), "all old pods are unavailable so should be surged");
    s.state.now = 200;
    s.mark_pods_ready();
    assert_eq!(s.sync(), did(0, 5, 0), "the new pods are available: old pods are deleted");
    s.update_ds(
        "foo",
        json!({"spec": {"minReadySeconds": 15, "template": {"spec": {"containers": [{"name": "c", "image": "foo3/bar3"}]}}}}),
    );
    s.state.now = 300;
    assert_eq!(s.sync(), did(3, 0, 0));
    let hash = s.hash("foo");
    let current = |p: &Value| p["metadata"]["labels"]["controller-revision-hash"] == hash.as_str();
    // Two new pods ready at 300; one old pod on a node without a new pod becomes unready.
    let new_ready: Vec<ObjKey> =
        s.pods_of().into_iter().filter(|p| current(p)).take(2).map(ObjKey::of).collect();
    let nodes_with_new: Vec<String> = s
        .pods_of()
        .into_iter()
        .filter(|p| current(p))
        .filter_map(|p| fd::target_node(p).map(str::to_string))
        .collect();
    let old_unready: ObjKey = s
        .pods_of()
        .into_iter()
        .find(|p| !current(p) && !nodes_with_new.iter().any(|n| Some(n.as_str()) == fd::target_node(p)))
        .map(ObjKey::of)
        .unwrap();
    let now = model::fmt_time(300);
    for k in &new_ready {
        s.patch(k, json!({"status": {"conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": now}]}}));
    }
    s.patch(
        &old_unready,
        json!({"status": {"conditions": [{"type": "Ready", "status": "False", "lastTransitionTime": now}]}}),
    );
    s.state.now = 310;
    assert_eq!(
        s.sync(),
        did(1, 0, 0),
        "new pods wait for minReadySeconds; the unready old pod gets a new one"
    );
    s.state.now = 320;
    // Upstream (1, 3) in one sync; here manage deletes first, the rolling update then surges.
    let first = s.sync();
    let second = s.sync();
    assert_eq!(first.creates + second.creates, 1, "{first:?} {second:?}");
    assert_eq!(first.deletes + second.deletes, 3, "{first:?} {second:?}");
    s.set_ready(true, current);
    s.state.now = 340;
    let first = s.sync();
    let second = s.sync();
    assert_eq!(
        (first.creates + second.creates, first.deletes + second.deletes),
        (0, 2),
        "{first:?} {second:?}"
    );
    s.state.now = 350;
    assert_eq!(s.sync(), did(0, 0, 0), "the update is complete");
}

/// `TestDaemonSetUpdatesNoTemplateChanged`: a strategy change alone deletes nothing.
#[test]
fn daemon_set_updates_no_template_changed() {
    let mut s = sim(daemon_set("foo"));
    s.nodes(0, 5, json!({}));
    assert_eq!(s.sync(), did(5, 0, 0));
    s.update_ds("foo", json!({"spec": {"updateStrategy": rolling(json!(3))}}));
    assert_eq!(s.sync(), did(0, 0, 0));
}

/// `TestDaemonSetUpdatesSaveOldHealthyPods`: with 10 new pods never ready on 20 nodes, any
/// further update replaces only those 10, never the healthy old ones.
#[test]
fn daemon_set_updates_save_old_healthy_pods() {
    let mut s = updated(20, rolling(json!(10)), true);
    assert_eq!(s.sync(), did(0, 10, 0));
    assert_eq!(s.sync(), did(10, 0, 0));
    assert_eq!(s.sync(), did(0, 0, 0));
    let healthy: Vec<String> =
        s.pods_of().iter().filter(|p| model::pod_ready(p).0).map(|p| model::name(p).to_string()).collect();
    assert_eq!(healthy.len(), 10);
    for (i, max) in [3, 0, 9, 1].into_iter().enumerate() {
        s.update_ds(
            "foo",
            json!({"spec": {"updateStrategy": rolling(json!(max)), "template": {"spec": {"containers": [{"name": "c", "image": format!("foo2/bar3-{i}")}]}}}}),
        );
        assert_eq!(s.sync(), did(0, 10, 0), "iteration {i}, maxUnavailable {max}");
        assert_eq!(s.sync(), did(10, 0, 0));
        assert_eq!(s.sync(), did(0, 0, 0));
        let ready: Vec<String> = s
            .pods_of()
            .iter()
            .filter(|p| model::pod_ready(p).0)
            .map(|p| model::name(p).to_string())
            .collect();
        assert_eq!(ready, healthy, "iteration {i}: the ready pods are never touched");
    }
}

/// `TestGetUnavailableNumbers` (`updatedDesiredNodeCounts`): maxSurge and maxUnavailable of
/// the nodes that should run a pod, both rounded up, both 0 meaning maxUnavailable 1.
#[test]
fn get_unavailable_numbers() {
    let strategy = |surge: IntOrPercent, unavailable: IntOrPercent| UpdateStrategy {
        rolling: true,
        max_surge: surge,
        max_unavailable: unavailable,
    };
    let cases = [
        // (name, strategy, nodes, maxSurge, maxUnavailable)
        ("No nodes", strategy(Int(0), Int(0)), 0, 0, 0),
        ("Two nodes with ready pods", strategy(Int(0), Int(1)), 2, 0, 1),
        ("Two nodes, one node without pods", strategy(Int(0), Int(0)), 2, 0, 1),
        ("Two nodes, one node without pods, surge", strategy(Int(0), Int(0)), 2, 0, 1),
        ("Two nodes with pods, MaxUnavailable in percents", strategy(Int(0), Percent(50)), 2, 0, 1),
        ("Two nodes with pods, MaxUnavailable in percents, surge", strategy(Percent(50), Int(0)), 2, 1, 0),
        ("Two nodes with pods, MaxUnavailable is 100%, surge", strategy(Percent(100), Int(0)), 2, 2, 0),
        (
            "Two nodes with pods, MaxUnavailable in percents, pod terminating",
            strategy(Int(0), Percent(50)),
            3,
            0,
            2,
        ),
    ];
    for (name, st, nodes, surge, unavailable) in cases {
        assert_eq!(daemonset::budget(st.scaled(nodes), nodes), (surge, unavailable), "{name}");
    }
}

// ---------------------------------------------------------------------------------------------
// History (update.go: constructHistory, cleanupHistory; TestControlledHistories)
// ---------------------------------------------------------------------------------------------

fn revisions(s: &Sim) -> Vec<(String, i64)> {
    let mut v: Vec<(String, i64)> = s
        .state
        .of_kind("ControllerRevision", Some("default"))
        .map(|r| (model::name(r).to_string(), r["revision"].as_i64().unwrap()))
        .collect();
    v.sort_by_key(|r| r.1);
    v
}

/// `snapshot` creates revision 1 (`<ds>-<hash>`, labelled with the hash, owned by the
/// DaemonSet); each template change adds the next; going back raises the old revision to
/// the next number (no new one); `cleanupHistory` keeps `revisionHistoryLimit` (2 here) old
/// revisions, deleting the lowest numbers first, but never one a pod still carries.
#[test]
fn history() {
    let mut s = sim(with(daemon_set("foo"), json!({"spec": {"updateStrategy": rolling(json!(5))}})));
    s.nodes(0, 2, json!({}));
    s.sync();
    let first_hash = s.hash("foo");
    assert_eq!(revisions(&s), [(format!("foo-{first_hash}"), 1)]);
    let r = s.state.get("ControllerRevision", "default", &format!("foo-{first_hash}")).unwrap();
    assert_eq!(r["metadata"]["labels"]["controller-revision-hash"], first_hash.as_str());
    assert_eq!(r["metadata"]["ownerReferences"][0]["name"], "foo");
    assert_eq!(r["data"]["spec"]["template"]["$patch"], "replace");
    let image = |s: &mut Sim, i: &str| {
        s.update_ds(
            "foo",
            json!({"spec": {"template": {"spec": {"containers": [{"name": "c", "image": i}]}}}}),
        );
        s.sync();
    };
    image(&mut s, "v2");
    image(&mut s, "v3");
    let numbers: Vec<i64> = revisions(&s).iter().map(|r| r.1).collect();
    assert_eq!(numbers, [1, 2, 3]);
    // Back to the first template: revision 1 is raised to 4, nothing new is created.
    image(&mut s, "foo/bar");
    assert_eq!(revisions(&s).last().unwrap(), &(format!("foo-{first_hash}"), 4));
    assert_eq!(revisions(&s).len(), 3);
    // Two more templates: old revisions beyond the limit of 2 go, lowest first, except one
    // a pod carries. The pods were deleted by the update (all at once, maxUnavailable 5), so
    // none carries an old hash: revisions 2 and 3 go.
    s.sync();
    s.mark_pods_ready();
    image(&mut s, "v5");
    image(&mut s, "v6");
    let numbers: Vec<i64> = revisions(&s).iter().map(|r| r.1).collect();
    assert_eq!(numbers, [4, 5, 6], "two old revisions kept beside the current one");

    // A pod carrying an old revision's hash keeps that revision.
    let mut s = sim(with(daemon_set("foo"), json!({"spec": {"revisionHistoryLimit": 0}})));
    s.nodes(0, 1, json!({}));
    s.sync();
    image(&mut s, "v2");
    let numbers: Vec<i64> = revisions(&s).iter().map(|r| r.1).collect();
    assert_eq!(numbers, [1, 2], "OnDelete keeps the old pod, whose hash keeps revision 1");
    let old = s.pods_of()[0]["metadata"]["name"].as_str().unwrap().to_string();
    s.state.objects.remove(&ObjKey::new("Pod", "default", &old));
    s.sync();
    s.sync();
    let numbers: Vec<i64> = revisions(&s).iter().map(|r| r.1).collect();
    assert_eq!(numbers, [2], "no pod carries revision 1 any more");
}

/// `dedupCurHistories`: two revisions equal to the template: the higher is kept, the other
/// deleted, and every pod relabelled with the kept one's hash.
#[test]
fn dedup_current_revisions() {
    let mut s = sim(daemon_set("foo"));
    s.nodes(0, 1, json!({}));
    s.sync();
    let owner = s.ds("foo").clone();
    let data = konverge::facts::history::template_patch(&owner);
    let dup = konverge::facts::history::controller_revision(
        &owner,
        "foo-dup",
        7,
        data,
        &[("controller-revision-hash", "dup")],
    );
    s.add(dup);
    s.sync();
    let names: Vec<String> = revisions(&s).into_iter().map(|r| r.0).collect();
    assert_eq!(names, ["foo-dup"]);
    assert!(s.pods_of().iter().all(|p| p["metadata"]["labels"]["controller-revision-hash"] == "dup"));
}

/// `TestControlledHistories`: an orphan revision in the DaemonSet's namespace matching its
/// selector is adopted; one in another namespace is not.
#[test]
fn controlled_histories() {
    let mut s = sim(daemon_set("ds1"));
    s.add(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default-other"}}));
    for (name, ns) in [("ds1-x2", "default"), ("ds1-x3", "default-other")] {
        s.add(json!({"apiVersion": "apps/v1", "kind": "ControllerRevision",
            "metadata": {"name": name, "namespace": ns, "labels": label()}, "revision": 1, "data": {}}));
    }
    s.sync();
    let owner_of = |s: &Sim, ns: &str, name: &str| {
        s.state.get("ControllerRevision", ns, name).unwrap()["metadata"]["ownerReferences"][0]["name"].clone()
    };
    assert_eq!(owner_of(&s, "default", "ds1-x2"), "ds1");
    assert_eq!(owner_of(&s, "default-other", "ds1-x3"), Value::Null);
}
