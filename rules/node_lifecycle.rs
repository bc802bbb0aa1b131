//! Node lifecycle controller and pod garbage collection (upstream
//! `pkg/controller/nodelifecycle` with taint-based eviction, and `pkg/controller/podgc`).
//!
//! TaintNodesByCondition (`doNoScheduleTaintingPass`): a node's conditions and
//! `spec.unschedulable` become NoSchedule taints, which is all the scheduler looks at — Ready
//! False → `node.kubernetes.io/not-ready`, Ready Unknown (or missing) →
//! `node.kubernetes.io/unreachable`, MemoryPressure / DiskPressure / PIDPressure /
//! NetworkUnavailable True → `memory-pressure` / `disk-pressure` / `pid-pressure` /
//! `network-unavailable`, `spec.unschedulable` → `node.kubernetes.io/unschedulable`; each goes
//! when its cause does.
//!
//! Taint-based eviction (`doNoExecuteTaintingPass`): a node whose Ready condition is not True
//! gets the NoExecute taint `node.kubernetes.io/unreachable` (status Unknown) or
//! `node.kubernetes.io/not-ready` (status False) and its pods are marked not Ready. A pod that does not tolerate the taint is
//! evicted (deleted) once its `tolerationSeconds` (300 s by default, added at admission) have
//! passed since the taint was added; a pod that tolerates it for ever stays. The taint goes
//! when the node is Ready again. Pods bound to a node that no longer exists are force-deleted.

use crate::actions::{Action, Change, EventType, Precondition, Propagation};
use crate::controllers::{Controller, Proposals};
use crate::facts::{
    Facts, Id, ReadyStatus, Sym, NO_EXECUTE, NO_SCHEDULE, TAINT_DISK_PRESSURE, TAINT_MEMORY_PRESSURE,
    TAINT_NETWORK_UNAVAILABLE, TAINT_NOT_READY, TAINT_PID_PRESSURE, TAINT_UNREACHABLE, TAINT_UNSCHEDULABLE,
};
use crate::model;
use crepe::crepe;
use rustc_hash::FxBuildHasher;
use serde_json::{json, Value};

/// The name this controller's actions carry in the trace.
pub const NAME: &str = "node-lifecycle";

pub const CONTROLLER: Controller = Controller { name: NAME, component: "node-controller", reconcile };

crepe! {
    // (node, name, ready, the taint it should carry (interned key) or EMPTY when Ready).
    @input
    pub struct Node(Id, Sym, bool, Sym);
    // (node, taint key, timeAdded) for the lifecycle taints it carries now.
    @input
    pub struct Tainted(Id, Sym, i64);
    // (pod, node name, being deleted, ready).
    @input
    pub struct PodOn(Id, Sym, bool, bool);
    // (pod, taint key, seconds it tolerates the NoExecute taint; -1 for ever).
    @input
    pub struct Tolerates(Id, Sym, i64);
    @input
    pub struct Now(i64);
    // (node, condition, status) as codes of CONDITIONS and STATUSES.
    @input
    pub struct NodeCondition(Id, u8, u8);
    // spec.unschedulable.
    @input
    pub struct NodeCordoned(Id);
    // Upstream `nodeConditionToTaintKeyStatusMap`: (condition, status, NoSchedule taint).
    @input
    pub struct ConditionTaint(u8, u8, u8);
    @input
    pub struct CordonTaint(u8);
    // (node, managed NoSchedule taint it carries now).
    @input
    pub struct HasNoSchedule(Id, u8);

    @output
    pub struct AddTaint(Id, Sym);
    @output
    pub struct RemoveTaint(Id, Sym);
    @output
    pub struct MarkNotReady(Id);
    // (pod, node, seconds tolerated).
    @output
    pub struct Evict(Id, Id, i64);
    @output
    pub struct ForceDelete(Id);
    @output
    pub struct Wake(i64);
    @output
    pub struct AddNoSchedule(Id, u8);
    @output
    pub struct RemoveNoSchedule(Id, u8);
    struct WantNoSchedule(Id, u8);

    struct NodeName(Sym);
    struct Due(Id, Id, i64, i64);

    NodeName(name) <- Node(_, name, _, _);
    AddTaint(n, want) <- Node(n, _, false, want), !Tainted(n, want, _);
    RemoveTaint(n, key) <- Tainted(n, key, _), Node(n, _, _, want), (key != want);
    MarkNotReady(p) <- PodOn(p, name, _, true), Node(_, name, false, _);
    Due(p, n, secs, added + secs.max(0)) <-
        PodOn(p, name, false, _), Node(n, name, false, key), Tainted(n, key, added), Tolerates(p, key, secs), (secs != -1);
    Evict(p, n, secs) <- Due(p, n, secs, at), Now(now), (at <= now);
    Wake(at) <- Due(_, _, _, at), Now(now), (at > now);
    ForceDelete(p) <- PodOn(p, name, _, _), !NodeName(name);
    WantNoSchedule(n, key) <- NodeCondition(n, cond, status), ConditionTaint(cond, status, key);
    WantNoSchedule(n, key) <- NodeCordoned(n), CordonTaint(key);
    AddNoSchedule(n, key) <- WantNoSchedule(n, key), !HasNoSchedule(n, key);
    RemoveNoSchedule(n, key) <- HasNoSchedule(n, key), !WantNoSchedule(n, key);
}

/// NoSchedule taint keys the controller manages, by code.
const NO_SCHEDULE_KEYS: [&str; 7] = [
    TAINT_NOT_READY,
    TAINT_UNREACHABLE,
    TAINT_UNSCHEDULABLE,
    TAINT_MEMORY_PRESSURE,
    TAINT_DISK_PRESSURE,
    TAINT_PID_PRESSURE,
    TAINT_NETWORK_UNAVAILABLE,
];
/// Node condition types, by code (Ready first).
const CONDITIONS: [&str; 5] =
    ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure", "NetworkUnavailable"];
/// Condition statuses, by code.
const STATUSES: [&str; 3] = ["True", "False", "Unknown"];

/// Upstream `nodeConditionToTaintKeyStatusMap`, as codes of the tables above.
fn condition_taints() -> [ConditionTaint; 6] {
    let code = |table: &[&str], s: &str| table.iter().position(|x| *x == s).unwrap_or(0) as u8;
    let row = |cond: &str, status: &str, key: &str| {
        ConditionTaint(code(&CONDITIONS, cond), code(&STATUSES, status), code(&NO_SCHEDULE_KEYS, key))
    };
    [
        row("Ready", "False", TAINT_NOT_READY),
        row("Ready", "Unknown", TAINT_UNREACHABLE),
        row("MemoryPressure", "True", TAINT_MEMORY_PRESSURE),
        row("DiskPressure", "True", TAINT_DISK_PRESSURE),
        row("PIDPressure", "True", TAINT_PID_PRESSURE),
        row("NetworkUnavailable", "True", TAINT_NETWORK_UNAVAILABLE),
    ]
}

/// What one node's taint list gains and loses this step.
#[derive(Default)]
struct TaintChange {
    add: Vec<(&'static str, &'static str)>,
    remove: Vec<(String, &'static str)>,
}

pub fn reconcile(f: &Facts) -> Proposals {
    let unreachable = f.syms.get(TAINT_UNREACHABLE);
    let not_ready = f.syms.get(TAINT_NOT_READY);
    let mut rt = Crepe::new();
    for n in &f.nodes {
        let want = match n.ready_status {
            ReadyStatus::True => crate::facts::EMPTY,
            ReadyStatus::False => not_ready.unwrap_or(u32::MAX - 1),
            ReadyStatus::Unknown => unreachable.unwrap_or(u32::MAX - 2),
        };
        rt.extend([Node(n.id, n.name, n.ready, want)]);
        let ready = match n.ready_status {
            ReadyStatus::True => 0,
            ReadyStatus::False => 1,
            ReadyStatus::Unknown => 2,
        };
        rt.extend([NodeCondition(n.id, 0, ready)]);
        for &(cond, status) in &n.conditions {
            let code = |table: &[&str], s: Sym| table.iter().position(|x| *x == f.syms.resolve(s));
            if let (Some(c), Some(st)) = (code(&CONDITIONS, cond), code(&STATUSES, status)) {
                rt.extend([NodeCondition(n.id, c as u8, st as u8)]);
            }
        }
        if n.unschedulable {
            rt.extend([NodeCordoned(n.id)]);
        }
        for t in n.taints.iter().filter(|t| t.effect == NO_SCHEDULE) {
            if let Some(k) = NO_SCHEDULE_KEYS.iter().position(|k| *k == f.syms.resolve(t.key)) {
                rt.extend([HasNoSchedule(n.id, k as u8)]);
            }
        }
        for t in n
            .taints
            .iter()
            .filter(|t| t.effect == NO_EXECUTE && (Some(t.key) == unreachable || Some(t.key) == not_ready))
        {
            rt.extend([Tainted(n.id, t.key, t.added)]);
        }
    }
    for p in &f.pods {
        let Some(node) = p.node else { continue };
        rt.extend([PodOn(p.id, node, p.deleting, p.ready)]);
        for key in [unreachable, not_ready].into_iter().flatten() {
            // Not tolerating the taint at all means eviction at once.
            let secs = p.tolerates_no_execute(key, crate::facts::EMPTY).unwrap_or(0);
            rt.extend([Tolerates(p.id, key, secs)]);
        }
    }
    rt.extend([Now(f.now)]);
    rt.extend(condition_taints());
    rt.extend([CordonTaint(
        NO_SCHEDULE_KEYS.iter().position(|k| *k == TAINT_UNSCHEDULABLE).unwrap_or(0) as u8
    )]);
    let (adds, removes, not_ready_pods, evictions, force, wakes, no_schedule_adds, no_schedule_removes) =
        rt.run_with_hasher::<FxBuildHasher>();

    // Every node's taint changes go in one patch of `spec.taints`.
    let mut changes: std::collections::BTreeMap<Id, TaintChange> = Default::default();
    // NoExecute first, as upstream's nodes show them.
    for AddTaint(n, _) in &adds {
        let key = match f.nodes.iter().find(|x| x.id == *n).map(|x| x.ready_status) {
            Some(ReadyStatus::False) => TAINT_NOT_READY,
            _ => TAINT_UNREACHABLE,
        };
        changes.entry(*n).or_default().add.push((key, "NoExecute"));
    }
    let mut no_schedule_adds: Vec<_> =
        no_schedule_adds.into_iter().map(|AddNoSchedule(n, k)| (n, k)).collect();
    no_schedule_adds.sort_unstable();
    for (n, k) in no_schedule_adds {
        changes.entry(n).or_default().add.push((NO_SCHEDULE_KEYS[k as usize], "NoSchedule"));
    }
    let mut no_schedule_removes: Vec<_> =
        no_schedule_removes.into_iter().map(|RemoveNoSchedule(n, k)| (n, k)).collect();
    no_schedule_removes.sort_unstable();
    for (n, k) in no_schedule_removes {
        changes.entry(n).or_default().remove.push((NO_SCHEDULE_KEYS[k as usize].to_string(), "NoSchedule"));
    }
    let mut removes: Vec<_> = removes.into_iter().map(|RemoveTaint(n, k)| (n, k)).collect();
    removes.sort_unstable();
    for (n, key) in removes {
        changes.entry(n).or_default().remove.push((f.syms.resolve(key).to_string(), "NoExecute"));
    }
    let mut out: Vec<(u8, Id, Action)> = Vec::new();
    for (n, change) in changes {
        let evicting = adds.iter().any(|a| a.0 == n);
        out.push((0, n, taint_patch(f, n, &change, evicting)));
    }
    for MarkNotReady(p) in not_ready_pods {
        let conditions: Vec<Value> = model::at(f.raw(p), &["status", "conditions"])
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|c| {
                let mut c = c.clone();
                if matches!(model::str_at(&c, &["type"]), "Ready" | "ContainersReady") {
                    c["status"] = json!("False");
                    c["lastTransitionTime"] = json!(model::fmt_time(f.now));
                }
                c
            })
            .collect();
        out.push((
            1,
            p,
            Action::new(
                Change::Patch {
                    key: f.key(p).clone(),
                    patch: json!({"status": {"conditions": conditions}}),
                    precondition: Precondition::None,
                },
                NAME,
                "node is not Ready: pod marked not Ready",
            ),
        ));
    }
    for Evict(p, n, secs) in evictions {
        out.push((
            2,
            p,
            Action::new(
                Change::Delete { key: f.key(p).clone(), propagation: Propagation::Background },
                NAME,
                format!("node {} not Ready for {secs}s (tolerationSeconds): evict", f.key(n).name),
            )
            .with_event(
                f.key(p),
                EventType::Normal,
                "TaintManagerEviction",
                "Marking for deletion Pod {name}",
            ),
        ));
    }
    for ForceDelete(p) in force {
        out.push((
            3,
            p,
            Action::new(
                Change::Remove { key: f.key(p).clone() },
                "pod-gc",
                "bound to a node that no longer exists: force delete",
            ),
        ));
    }
    out.sort_by(|a, b| (a.0, f.key(a.1)).cmp(&(b.0, f.key(b.1))));
    let mut wakes: Vec<i64> = wakes.into_iter().map(|Wake(t)| t).collect();
    wakes.sort_unstable();
    Proposals::new(out.into_iter().map(|(_, _, a)| a).collect(), wakes)
}

/// One node's taint changes as a patch of `spec.taints` (the NoExecute taint carries its
/// `timeAdded`), with the NodeNotReady event when eviction starts.
fn taint_patch(f: &Facts, n: Id, change: &TaintChange, evicting: bool) -> Action {
    let node = f.raw(n);
    let mut taints: Vec<Value> = model::at(node, &["spec", "taints"])
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|t| {
            !change
                .remove
                .iter()
                .any(|(k, e)| model::str_at(t, &["key"]) == k && model::str_at(t, &["effect"]) == *e)
        })
        .cloned()
        .collect();
    for &(key, effect) in &change.add {
        taints.push(if effect == "NoExecute" {
            json!({"key": key, "effect": effect, "timeAdded": model::fmt_time(f.now)})
        } else {
            json!({"key": key, "effect": effect})
        });
    }
    let ready = f.nodes.iter().find(|x| x.id == n).map(|x| x.ready_status);
    let mut parts: Vec<String> = change.add.iter().map(|(k, e)| format!("taint {k}:{e}")).collect();
    parts.extend(change.remove.iter().map(|(k, e)| format!("remove taint {k}:{e}")));
    let readiness = |k: &str| k == TAINT_NOT_READY || k == TAINT_UNREACHABLE;
    let cause = match ready {
        _ if !change.add.iter().any(|(k, _)| readiness(k))
            && !change.remove.iter().any(|(k, _)| readiness(k)) =>
        {
            ""
        }
        Some(ReadyStatus::True) => "node is Ready: ",
        Some(ReadyStatus::False) => "Ready condition is False: ",
        _ => "Ready condition is Unknown: ",
    };
    let action = Action::new(
        Change::Patch {
            key: f.key(n).clone(),
            patch: json!({"spec": {"taints": if taints.is_empty() { Value::Null } else { Value::Array(taints) }}}),
            precondition: Precondition::None,
        },
        NAME,
        format!("{cause}{}", parts.join(", ")),
    );
    if evicting {
        action.with_event(
            f.key(n),
            EventType::Normal,
            "NodeNotReady",
            format!("Node {} status is now: NodeNotReady", f.key(n).name),
        )
    } else {
        action
    }
}
