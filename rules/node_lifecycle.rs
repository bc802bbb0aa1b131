//! Node lifecycle controller and pod garbage collection (upstream
//! `pkg/controller/nodelifecycle` with taint-based eviction, and `pkg/controller/podgc`).
//!
//! A node whose Ready condition is not True gets the NoExecute taint
//! `node.kubernetes.io/unreachable` (status Unknown) or `node.kubernetes.io/not-ready`
//! (status False) and its pods are marked not Ready. A pod that does not tolerate the taint is
//! evicted (deleted) once its `tolerationSeconds` (300 s by default, added at admission) have
//! passed since the taint was added; a pod that tolerates it for ever stays. The taint goes
//! when the node is Ready again. Pods bound to a node that no longer exists are force-deleted.

use crate::actions::{Action, Change, EventType, Precondition, Propagation};
use crate::controllers::{Controller, Proposals};
use crate::facts::{Facts, Id, ReadyStatus, Sym, NO_EXECUTE, TAINT_NOT_READY, TAINT_UNREACHABLE};
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
    let (adds, removes, not_ready_pods, evictions, force, wakes) = rt.run_with_hasher::<FxBuildHasher>();

    let mut out: Vec<(u8, Id, Action)> = Vec::new();
    for AddTaint(n, _) in adds {
        let node = f.raw(n);
        let (key, status) = match f.nodes.iter().find(|x| x.id == n).map(|x| x.ready_status) {
            Some(ReadyStatus::False) => (TAINT_NOT_READY, "False"),
            _ => (TAINT_UNREACHABLE, "Unknown"),
        };
        let mut taints: Vec<Value> = lifecycle_taints_removed(node);
        taints.push(json!({"key": key, "effect": "NoExecute", "timeAdded": model::fmt_time(f.now)}));
        out.push((
            0,
            n,
            Action::new(
                Change::Patch {
                    key: f.key(n).clone(),
                    patch: json!({"spec": {"taints": taints}}),
                    precondition: Precondition::None,
                },
                NAME,
                format!("Ready condition is {status}: taint {key}:NoExecute"),
            )
            .with_event(
                f.key(n),
                EventType::Normal,
                "NodeNotReady",
                format!("Node {} status is now: NodeNotReady", f.key(n).name),
            ),
        ));
    }
    for RemoveTaint(n, key) in removes {
        let taints = lifecycle_taints_removed(f.raw(n));
        out.push((
            0,
            n,
            Action::new(
                Change::Patch {
                    key: f.key(n).clone(),
                    patch: json!({"spec": {"taints": if taints.is_empty() { Value::Null } else { Value::Array(taints) }}}),
                    precondition: Precondition::None,
                },
                NAME,
                format!("node is Ready: remove taint {}", f.syms.resolve(key)),
            ),
        ));
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

/// The node's taints without the two the lifecycle controller manages.
fn lifecycle_taints_removed(node: &Value) -> Vec<Value> {
    model::at(node, &["spec", "taints"])
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|t| !matches!(model::str_at(t, &["key"]), TAINT_UNREACHABLE | TAINT_NOT_READY))
        .cloned()
        .collect()
}
