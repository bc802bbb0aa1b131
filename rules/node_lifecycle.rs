//! Node lifecycle controller, taint-based eviction and pod garbage collection (upstream
//! `pkg/controller/nodelifecycle`, `pkg/controller/tainteviction` and `pkg/controller/podgc`).
//!
//! `monitorNodeHealth`: a node whose kubelet stopped posting status (`node fail`) is left as it
//! is for the node-monitor grace period, then its Ready, MemoryPressure, DiskPressure and
//! PIDPressure conditions become Unknown ("Kubelet stopped posting node status.").
//!
//! TaintNodesByCondition (`doNoScheduleTaintingPass`): a node's conditions and
//! `spec.unschedulable` become NoSchedule taints, which is all the scheduler looks at — Ready
//! False → `node.kubernetes.io/not-ready`, Ready Unknown (or missing) →
//! `node.kubernetes.io/unreachable`, MemoryPressure / DiskPressure / PIDPressure /
//! NetworkUnavailable True → `memory-pressure` / `disk-pressure` / `pid-pressure` /
//! `network-unavailable`, `spec.unschedulable` → `node.kubernetes.io/unschedulable`; each goes
//! when its cause does.
//!
//! `processTaintBaseEviction`: a node whose Ready condition is False (Unknown) is queued for the
//! NoExecute taint `node.kubernetes.io/not-ready` (`unreachable`), carrying its `timeAdded`; a
//! node that already has the other one swaps it at once; both go when the node is Ready again.
//! Its pods are marked not Ready. The queue is drained per zone (`GetZoneKey`) at the rate
//! `handleDisruption` sets from the zone states of `ComputeZoneState`: a zone with every node
//! NotReady is fully disrupted, one with more than 2 NotReady nodes making at least 55 % of it
//! is partially disrupted, the others are normal. Normal zones, and fully disrupted ones while
//! some zone is not, taint one node every 10 s (0.1 nodes a second); partially disrupted zones
//! one every 100 s when they have more than 50 nodes, none when smaller; when every zone is
//! fully disrupted nothing is tainted and the taints are removed (`markNodeAsReachable`). The
//! queue is ordered by the time each node's Ready condition changed, then by name.
//!
//! Taint eviction (`processPodOnNode`), for every NoExecute taint, whoever set it: a pod that
//! does not tolerate all of its node's NoExecute taints is evicted at once; otherwise at the
//! shortest `tolerationSeconds` among the tolerations it uses (`getMinTolerationTime`: 0 or
//! less is at once; none means for ever), counted from the node's first NoExecute taint (or
//! the pod's creation, when later).
//!
//! Pod GC (`gcOrphaned`): a pod bound to a node that does not exist is deleted once the node
//! has been missing for the quarantine (40 s), counted from the pod's creation (konverge keeps
//! no memory of when a node went away).

use crate::actions::{Action, Change, EventType, Precondition, Propagation};
use crate::controllers::{Controller, Proposals};
use crate::facts::{
    Facts, Id, NodeF, ReadyStatus, Sym, Taint, Toleration, ANY_EFFECT, EMPTY, NO_EXECUTE, NO_SCHEDULE,
    TAINT_DISK_PRESSURE, TAINT_MEMORY_PRESSURE, TAINT_NETWORK_UNAVAILABLE, TAINT_NOT_READY,
    TAINT_PID_PRESSURE, TAINT_UNREACHABLE, TAINT_UNSCHEDULABLE,
};
use crate::model;
use crepe::crepe;
use rustc_hash::{FxBuildHasher, FxHashMap, FxHashSet};
use serde_json::{json, Value};

/// The name this controller's actions carry in the trace.
pub const NAME: &str = "node-lifecycle";

pub const CONTROLLER: Controller = Controller { name: NAME, component: "node-controller", reconcile };

/// `--node-monitor-grace-period` (kube-controller-manager's default since v1.32; 40 s before).
pub const NODE_MONITOR_GRACE_PERIOD: i64 = 50;
/// Pod GC `quarantineTime`: how long a node must be missing before its pods are deleted.
pub const POD_GC_QUARANTINE: i64 = 40;
/// Seconds between two NoExecute taints in a zone at `--node-eviction-rate` 0.1.
pub const EVICTION_INTERVAL: i64 = 10;
/// The same at `--secondary-node-eviction-rate` 0.01 (partially disrupted large zones).
pub const SECONDARY_EVICTION_INTERVAL: i64 = 100;
/// `--large-cluster-size-threshold`: a partially disrupted zone of at most this many nodes
/// stops evicting.
pub const LARGE_CLUSTER_THRESHOLD: i64 = 50;
/// `--unhealthy-zone-threshold`.
pub const UNHEALTHY_ZONE_THRESHOLD: f32 = 0.55;

/// Ready condition statuses, as codes.
pub const READY_TRUE: u8 = 0;
pub const READY_FALSE: u8 = 1;
pub const READY_UNKNOWN: u8 = 2;
/// Zone states (`ZoneState`), as codes.
pub const ZONE_NORMAL: u8 = 0;
pub const ZONE_PARTIAL_DISRUPTION: u8 = 1;
pub const ZONE_FULL_DISRUPTION: u8 = 2;
/// The NoExecute taints the controller manages, by code.
const NO_EXECUTE_KEYS: [&str; 2] = [TAINT_NOT_READY, TAINT_UNREACHABLE];

/// `ComputeZoneState`'s threshold test, in float32 as upstream computes it.
fn unhealthy(not_ready: i64, nodes: i64) -> bool {
    not_ready as f32 / nodes as f32 >= UNHEALTHY_ZONE_THRESHOLD
}

crepe! {
    // (node, name).
    @input
    pub struct Node(pub Id, pub Sym);
    // (node, Ready status: READY_TRUE, READY_FALSE or READY_UNKNOWN; missing is Unknown).
    @input
    pub struct NodeReady(pub Id, pub u8);
    // (node, zone key).
    @input
    pub struct NodeZone(pub Id, pub Sym);
    // (node, its place in the tainting queue: by Ready transition time, then name).
    @input
    pub struct QueueRank(pub Id, pub i64);
    // (zone, nodes, NotReady nodes).
    @input
    pub struct ZoneCounts(pub Sym, pub i64, pub i64);
    // (node, last heartbeat): its kubelet stopped posting status.
    @input
    pub struct KubeletStopped(pub Id, pub i64);
    // Upstream's taint templates: (Ready status, NO_EXECUTE_KEYS code).
    @input
    pub struct ReadinessTaint(pub u8, pub u8);
    // (node, NO_EXECUTE_KEYS code, timeAdded) of the managed NoExecute taints it carries.
    @input
    pub struct Tainted(pub Id, pub u8, pub i64);
    // Every NoExecute taint of a node.
    @input
    pub struct NoExecute(pub Id, pub Taint);
    // (pod, node name, created) for every pod bound to a node.
    @input
    pub struct Bound(pub Id, pub Sym, pub i64);
    // (pod, being deleted, Ready).
    @input
    pub struct PodState(pub Id, pub bool, pub bool);
    @input
    pub struct PodToleration(pub Id, pub Toleration);
    @input
    pub struct Now(pub i64);
    // (node, condition, status) as codes of CONDITIONS and STATUSES.
    @input
    pub struct NodeCondition(pub Id, pub u8, pub u8);
    // spec.unschedulable.
    @input
    pub struct NodeCordoned(pub Id);
    // Upstream `nodeConditionToTaintKeyStatusMap`: (condition, status, NoSchedule taint).
    @input
    pub struct ConditionTaint(pub u8, pub u8, pub u8);
    @input
    pub struct CordonTaint(pub u8);
    // (node, managed NoSchedule taint it carries now).
    @input
    pub struct HasNoSchedule(pub Id, pub u8);

    // Set the node's conditions Unknown: its kubelet is silent past the grace period.
    @output
    pub struct MarkUnknown(pub Id);
    // (node, NO_EXECUTE_KEYS code).
    @output
    pub struct AddTaint(pub Id, pub u8);
    @output
    pub struct RemoveTaint(pub Id, pub u8);
    // Removals because every zone is fully disrupted.
    @output
    pub struct Reachable(pub Id);
    @output
    pub struct MarkNotReady(pub Id);
    // (pod, node, tolerationSeconds it got; -1 when it does not tolerate a taint).
    @output
    pub struct Evict(pub Id, pub Id, pub i64);
    @output
    pub struct ForceDelete(pub Id);
    @output
    pub struct Wake(pub i64);
    @output
    pub struct AddNoSchedule(pub Id, pub u8);
    @output
    pub struct RemoveNoSchedule(pub Id, pub u8);

    struct WantNoSchedule(Id, u8);
    struct NodeNamed(Sym);
    struct PodOn(Id, Id);
    struct ZoneState(Sym, u8);
    struct SomeZoneUp(bool);
    struct AllDisrupted(bool);
    struct TaintInterval(Sym, i64);
    struct Wants(Id, u8);
    struct HasManagedTaint(Id);
    struct Pending(Id, u8);
    struct PendingIn(Sym, Id);
    struct Behind(Id);
    struct ZoneTaintedAt(Sym, i64);
    struct LaterTaint(Sym, i64);
    struct Throttled(Sym, i64);
    struct Tolerated(Id, Taint);
    struct Untolerated(Id);
    struct Bounded(Id, i64);
    struct Shorter(Id, i64);
    struct MinToleration(Id, i64);
    struct Matches(Id, Taint, Toleration);
    struct NodeTaintedAt(Id, i64);
    struct EarlierTaint(Id, i64);
    struct EvictAt(Id, Id, i64, i64);
    struct Orphaned(Id, i64);

    // monitorNodeHealth: silent past the grace period (strictly after, as upstream's `After`).
    MarkUnknown(n) <-
        KubeletStopped(n, heartbeat), NodeReady(n, r), (r != READY_UNKNOWN), Now(now),
        (now > heartbeat + NODE_MONITOR_GRACE_PERIOD);
    Wake(heartbeat + NODE_MONITOR_GRACE_PERIOD + 1) <-
        KubeletStopped(n, heartbeat), NodeReady(n, r), (r != READY_UNKNOWN), Now(now),
        (now <= heartbeat + NODE_MONITOR_GRACE_PERIOD);

    // doNoScheduleTaintingPass.
    WantNoSchedule(n, key) <- NodeCondition(n, cond, status), ConditionTaint(cond, status, key);
    WantNoSchedule(n, key) <- NodeCordoned(n), CordonTaint(key);
    AddNoSchedule(n, key) <- WantNoSchedule(n, key), !HasNoSchedule(n, key);
    RemoveNoSchedule(n, key) <- HasNoSchedule(n, key), !WantNoSchedule(n, key);

    // ComputeZoneState and handleDisruption: the seconds between two taints in a zone.
    ZoneState(z, ZONE_FULL_DISRUPTION) <- ZoneCounts(z, nodes, not_ready), (nodes > 0), (not_ready == nodes);
    ZoneState(z, ZONE_PARTIAL_DISRUPTION) <-
        ZoneCounts(z, nodes, not_ready), (not_ready < nodes), (not_ready > 2), (unhealthy(not_ready, nodes));
    ZoneState(z, ZONE_NORMAL) <-
        ZoneCounts(z, nodes, not_ready), (not_ready < nodes), (not_ready <= 2 || !unhealthy(not_ready, nodes));
    SomeZoneUp(true) <- ZoneState(_, state), (state != ZONE_FULL_DISRUPTION);
    AllDisrupted(true) <- ZoneState(_, ZONE_FULL_DISRUPTION), !SomeZoneUp(true);
    TaintInterval(z, EVICTION_INTERVAL) <- ZoneState(z, ZONE_NORMAL);
    TaintInterval(z, EVICTION_INTERVAL) <- ZoneState(z, ZONE_FULL_DISRUPTION), SomeZoneUp(true);
    TaintInterval(z, SECONDARY_EVICTION_INTERVAL) <-
        ZoneState(z, ZONE_PARTIAL_DISRUPTION), ZoneCounts(z, nodes, _), (nodes > LARGE_CLUSTER_THRESHOLD);

    // processTaintBaseEviction: swap at once, else queue; markNodeAsReachable.
    Wants(n, key) <- NodeReady(n, r), ReadinessTaint(r, key);
    HasManagedTaint(n) <- Tainted(n, _, _);
    AddTaint(n, key) <- Wants(n, key), Tainted(n, other, _), (other != key), SomeZoneUp(true);
    Pending(n, key) <- Wants(n, key), !HasManagedTaint(n);
    PendingIn(z, n) <- Pending(n, _), NodeZone(n, z);
    Behind(n) <- PendingIn(z, n), PendingIn(z, m), QueueRank(m, before), QueueRank(n, rank), (before < rank);
    ZoneTaintedAt(z, t) <- Tainted(n, _, t), NodeZone(n, z);
    LaterTaint(z, t) <- ZoneTaintedAt(z, t), ZoneTaintedAt(z, later), (later > t);
    Throttled(z, t + secs) <-
        ZoneTaintedAt(z, t), !LaterTaint(z, t), TaintInterval(z, secs), Now(now), (now < t + secs);
    AddTaint(n, key) <- Pending(n, key), !Behind(n), NodeZone(n, z), TaintInterval(z, _), !Throttled(z, _);
    Wake(t) <- Pending(n, _), !Behind(n), NodeZone(n, z), Throttled(z, t);
    RemoveTaint(n, key) <- Tainted(n, key, _), !Wants(n, key);
    RemoveTaint(n, key) <- Tainted(n, key, _), AllDisrupted(true);
    Reachable(n) <- Tainted(n, _, _), AllDisrupted(true);
    MarkNotReady(p) <- PodOn(p, n), PodState(p, _, true), NodeReady(n, r), (r != READY_TRUE);

    // Taint eviction: processPodOnNode and getMinTolerationTime.
    NodeNamed(name) <- Node(_, name);
    PodOn(p, n) <- Bound(p, name, _), Node(n, name);
    // ToleratesTaint, per toleration: getMinTolerationTime needs each one's seconds.
    Matches(p, t, tol) <-
        PodOn(p, n), NoExecute(n, t), PodToleration(p, tol),
        (tol.effect == ANY_EFFECT || tol.effect == t.effect), (tol.key == EMPTY || tol.key == t.key),
        (tol.exists || tol.value == t.value);
    Tolerated(p, t) <- Matches(p, t, _);
    Untolerated(p) <- PodOn(p, n), NoExecute(n, t), !Tolerated(p, t);
    Bounded(p, secs) <- Matches(p, _, tol), let Some(secs) = tol.seconds;
    Shorter(p, secs) <- Bounded(p, secs), Bounded(p, shorter), (shorter < secs);
    MinToleration(p, secs.max(0)) <- Bounded(p, secs), !Shorter(p, secs);
    NodeTaintedAt(n, t.added) <- NoExecute(n, t);
    EarlierTaint(n, t) <- NodeTaintedAt(n, t), NodeTaintedAt(n, earlier), (earlier < t);
    EvictAt(p, n, -1, now) <- Untolerated(p), PodOn(p, n), PodState(p, false, _), Now(now);
    EvictAt(p, n, secs, first.max(created) + secs) <-
        MinToleration(p, secs), !Untolerated(p), PodState(p, false, _), PodOn(p, n), Bound(p, _, created),
        NodeTaintedAt(n, first), !EarlierTaint(n, first);
    Evict(p, n, secs) <- EvictAt(p, n, secs, at), Now(now), (at <= now);
    Wake(at) <- EvictAt(_, _, _, at), Now(now), (at > now);

    // gcOrphaned.
    Orphaned(p, created) <- Bound(p, name, created), !NodeNamed(name);
    ForceDelete(p) <- Orphaned(p, created), Now(now), (now >= created + POD_GC_QUARANTINE);
    Wake(created + POD_GC_QUARANTINE) <- Orphaned(_, created), Now(now), (now < created + POD_GC_QUARANTINE);
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
/// The conditions `monitorNodeHealth` sets Unknown (NetworkUnavailable is left to the network).
const MONITORED_CONDITIONS: [&str; 4] = ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"];

fn code(table: &[&str], s: &str) -> u8 {
    table.iter().position(|x| *x == s).unwrap_or(0) as u8
}

/// Upstream `nodeConditionToTaintKeyStatusMap`, as codes of the tables above.
fn condition_taints() -> [ConditionTaint; 6] {
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
    remove: Vec<(&'static str, &'static str)>,
    /// The removals are `markNodeAsReachable` in full disruption mode.
    reachable: bool,
}

fn ready_code(status: ReadyStatus) -> u8 {
    match status {
        ReadyStatus::True => READY_TRUE,
        ReadyStatus::False => READY_FALSE,
        ReadyStatus::Unknown => READY_UNKNOWN,
    }
}

pub fn reconcile(f: &Facts) -> Proposals {
    let quiet: FxHashSet<Sym> = f.nodes.iter().filter(|n| quiet(n)).map(|n| n.name).collect();
    let proposals = propose(f, |node| !quiet.contains(&node));
    debug_assert!(
        proposals == propose(f, |_| true),
        "the node lifecycle controller proposes something else for a pod on a node `quiet` leaves out"
    );
    proposals
}

/// Whether no rule above can fire for a pod bound to this node: the node exists (no pod GC),
/// its Ready condition is True (its pods are not marked not Ready) and it has no NoExecute
/// taint (nothing to evict). Only pods bound elsewhere are fed to the rules, so a step costs
/// what the pods of troubled nodes cost; debug builds, and so every test, evaluate the rules
/// over every pod as well and check that they propose the same.
fn quiet(n: &NodeF) -> bool {
    n.ready_status == ReadyStatus::True && n.taints.iter().all(|t| t.effect != NO_EXECUTE)
}

/// What the controller does, its rules fed the pods bound to the nodes (by name) `feed`
/// accepts.
fn propose(f: &Facts, feed: impl Fn(Sym) -> bool) -> Proposals {
    let mut rt = Crepe::new();
    let mut zones: FxHashMap<Sym, (i64, i64)> = FxHashMap::default();
    for n in &f.nodes {
        rt.extend([Node(n.id, n.name)]);
        rt.extend([NodeReady(n.id, ready_code(n.ready_status))]);
        rt.extend([NodeZone(n.id, n.zone)]);
        let zone = zones.entry(n.zone).or_default();
        zone.0 += 1;
        zone.1 += i64::from(n.ready_status != ReadyStatus::True);
        if n.kubelet_stopped {
            rt.extend([KubeletStopped(n.id, n.last_heartbeat)]);
        }
        rt.extend([NodeCondition(n.id, 0, ready_code(n.ready_status))]);
        for &(cond, status) in &n.conditions {
            let code = |table: &[&str], s: Sym| table.iter().position(|x| *x == f.syms.resolve(s));
            if let (Some(c), Some(st)) = (code(&CONDITIONS, cond), code(&STATUSES, status)) {
                rt.extend([NodeCondition(n.id, c as u8, st as u8)]);
            }
        }
        if n.unschedulable {
            rt.extend([NodeCordoned(n.id)]);
        }
        for t in &n.taints {
            let key = f.syms.resolve(t.key);
            if t.effect == NO_SCHEDULE {
                if let Some(k) = NO_SCHEDULE_KEYS.iter().position(|x| *x == key) {
                    rt.extend([HasNoSchedule(n.id, k as u8)]);
                }
            }
            if t.effect == NO_EXECUTE {
                rt.extend([NoExecute(n.id, *t)]);
                if let Some(k) = NO_EXECUTE_KEYS.iter().position(|x| *x == key) {
                    rt.extend([Tainted(n.id, k as u8, t.added)]);
                }
            }
        }
    }
    rt.extend(zones.iter().map(|(&z, &(nodes, not_ready))| ZoneCounts(z, nodes, not_ready)));
    rt.extend(tainting_queue(f).into_iter().map(|(n, rank)| QueueRank(n, rank)));
    rt.extend([
        ReadinessTaint(READY_FALSE, code(&NO_EXECUTE_KEYS, TAINT_NOT_READY)),
        ReadinessTaint(READY_UNKNOWN, code(&NO_EXECUTE_KEYS, TAINT_UNREACHABLE)),
    ]);
    for p in &f.pods {
        let Some(node) = p.node.filter(|&n| feed(n)) else { continue };
        rt.extend([Bound(p.id, node, p.created)]);
        rt.extend([PodState(p.id, p.deleting, p.ready)]);
        rt.extend(p.tolerations.iter().map(|&t| PodToleration(p.id, t)));
    }
    rt.extend([Now(f.now)]);
    rt.extend(condition_taints());
    rt.extend([CordonTaint(code(&NO_SCHEDULE_KEYS, TAINT_UNSCHEDULABLE))]);
    let (
        unknowns,
        adds,
        removes,
        reachable,
        not_ready_pods,
        evictions,
        force,
        wakes,
        no_schedule_adds,
        no_schedule_removes,
    ) = rt.run_with_hasher::<FxBuildHasher>();

    // Every node's taint changes go in one patch of `spec.taints`.
    let mut changes: std::collections::BTreeMap<Id, TaintChange> = Default::default();
    let sorted = |v: Vec<(Id, u8)>| {
        let mut v = v;
        v.sort_unstable();
        v
    };
    // NoExecute first, as upstream's nodes show them.
    for (n, k) in sorted(adds.iter().map(|a| (a.0, a.1)).collect()) {
        changes.entry(n).or_default().add.push((NO_EXECUTE_KEYS[k as usize], "NoExecute"));
    }
    for (n, k) in sorted(no_schedule_adds.into_iter().map(|AddNoSchedule(n, k)| (n, k)).collect()) {
        changes.entry(n).or_default().add.push((NO_SCHEDULE_KEYS[k as usize], "NoSchedule"));
    }
    for (n, k) in sorted(no_schedule_removes.into_iter().map(|RemoveNoSchedule(n, k)| (n, k)).collect()) {
        changes.entry(n).or_default().remove.push((NO_SCHEDULE_KEYS[k as usize], "NoSchedule"));
    }
    for (n, k) in sorted(removes.into_iter().map(|RemoveTaint(n, k)| (n, k)).collect()) {
        changes.entry(n).or_default().remove.push((NO_EXECUTE_KEYS[k as usize], "NoExecute"));
    }
    for Reachable(n) in reachable {
        changes.entry(n).or_default().reachable = true;
    }
    let mut out: Vec<(u8, Id, Action)> = Vec::new();
    for MarkUnknown(n) in unknowns {
        out.push((0, n, mark_unknown(f, n)));
    }
    for (n, change) in changes {
        let evicting = adds.iter().any(|a| a.0 == n);
        out.push((1, n, taint_patch(f, n, &change, evicting)));
    }
    for MarkNotReady(p) in not_ready_pods {
        out.push((2, p, mark_pod_not_ready(f, p)));
    }
    for Evict(p, n, secs) in evictions {
        let why = if secs < 0 {
            format!("a NoExecute taint of node {} is not tolerated: evict", f.key(n).name)
        } else {
            format!(
                "NoExecute taints of node {} tolerated for {secs}s (tolerationSeconds): evict",
                f.key(n).name
            )
        };
        out.push((
            3,
            p,
            Action::new(
                Change::Delete { key: f.key(p).clone(), propagation: Propagation::Background },
                NAME,
                why,
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
            4,
            p,
            Action::new(
                Change::Remove { key: f.key(p).clone() },
                "pod-gc",
                format!("bound to a node that no longer exists ({POD_GC_QUARANTINE}s quarantine over): force delete"),
            ),
        ));
    }
    out.sort_by(|a, b| (a.0, f.key(a.1)).cmp(&(b.0, f.key(b.1))));
    let mut wakes: Vec<i64> = wakes.into_iter().map(|Wake(t)| t).collect();
    wakes.sort_unstable();
    Proposals::new(out.into_iter().map(|(_, _, a)| a).collect(), wakes)
}

/// Each node's place in its zone's tainting queue: upstream's `RateLimitedTimedQueue` hands
/// nodes out in the order they were added, which is when their Ready condition stopped being
/// True; equal times go by name.
fn tainting_queue(f: &Facts) -> Vec<(Id, i64)> {
    let mut nodes: Vec<(i64, &str, Id)> =
        f.nodes.iter().map(|n| (n.ready_since, f.key(n.id).name.as_str(), n.id)).collect();
    nodes.sort_unstable();
    nodes.into_iter().enumerate().map(|(i, (_, _, id))| (id, i as i64)).collect()
}

/// `tryUpdateNodeHealth`: the monitored conditions become Unknown (a condition the kubelet never
/// posted is added as such).
fn mark_unknown(f: &Facts, n: Id) -> Action {
    let node = f.raw(n);
    let now = model::fmt_time(f.now);
    let mut conditions: Vec<Value> =
        model::at(node, &["status", "conditions"]).and_then(Value::as_array).cloned().unwrap_or_default();
    for kind in MONITORED_CONDITIONS {
        match conditions.iter_mut().find(|c| model::str_at(c, &["type"]) == kind) {
            Some(c) if model::str_at(c, &["status"]) == "Unknown" => {}
            Some(c) => {
                c["status"] = json!("Unknown");
                c["reason"] = json!("NodeStatusUnknown");
                c["message"] = json!("Kubelet stopped posting node status.");
                c["lastTransitionTime"] = json!(now);
            }
            None => conditions.push(json!({
                "type": kind, "status": "Unknown", "reason": "NodeStatusNeverUpdated",
                "message": "Kubelet never posted node status.",
                "lastHeartbeatTime": model::str_at(node, &["metadata", "creationTimestamp"]),
                "lastTransitionTime": now,
            })),
        }
    }
    Action::new(
        Change::Patch {
            key: f.key(n).clone(),
            patch: json!({"status": {"conditions": conditions}}),
            precondition: Precondition::None,
        },
        NAME,
        format!(
            "kubelet stopped posting node status {NODE_MONITOR_GRACE_PERIOD}s ago (node-monitor-grace-period): conditions Unknown"
        ),
    )
}

/// `MarkPodsNotReady`: the pod's Ready and ContainersReady conditions become False.
fn mark_pod_not_ready(f: &Facts, p: Id) -> Action {
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
    Action::new(
        Change::Patch {
            key: f.key(p).clone(),
            patch: json!({"status": {"conditions": conditions}}),
            precondition: Precondition::None,
        },
        NAME,
        "node is not Ready: pod marked not Ready",
    )
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
                .any(|(k, e)| model::str_at(t, &["key"]) == *k && model::str_at(t, &["effect"]) == *e)
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
        _ if change.reachable => "every zone fully disrupted (every node NotReady): ",
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
