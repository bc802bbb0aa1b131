//! Scheduler: bind pending pods to nodes (upstream kube-scheduler's default plugins, reduced
//! to what konverge models).
//!
//! Filters: the node is Ready and schedulable (NodeUnschedulable), carries every nodeSelector
//! label (NodeAffinity), has no NoSchedule/NoExecute taint the pod does not tolerate
//! (TaintToleration), and has room for the pod's cpu, memory and pod count (NodeResourcesFit).
//! Score: LeastAllocated, ties by node name — the node order comes from `sched::sched_facts`.
//!
//! The real scheduler places one pod at a time and each placement changes the next pod's
//! scores; within one step konverge places a whole queue at once by dealing pods round-robin
//! over the feasible nodes in preference order (pod `r` of a class goes to feasible node
//! `r mod n`, as long as that node has room for `r / n + 1` such pods). With equal pods this is
//! exactly what one-at-a-time LeastAllocated does; a node over-committed by two classes in
//! the same step is caught by the driver's admission and the loser retries next step.

use crate::actions::{Action, Change, EventType, Precondition};
use crate::facts::sched::{self, SchedFacts};
use crate::facts::{Facts, Id, Sym, EMPTY, NO_EXECUTE, NO_SCHEDULE};
use crepe::crepe;
use rustc_hash::{FxBuildHasher, FxHashMap};
use serde_json::json;

crepe! {
    // (pod, class, rank in the class's queue).
    @input
    pub struct Pending(Id, u32, i64);
    // (class, cpu millicores, memory bytes) requested by each pod of the class.
    @input
    pub struct Class(u32, i64, i64);
    @input
    pub struct ClassSelects(u32, Sym, Sym);
    // (class, key, operator is Exists, value, effect or ANY_EFFECT).
    @input
    pub struct ClassTolerates(u32, Sym, bool, Sym, u8);
    // (node, ready, spec.unschedulable).
    @input
    pub struct Node(Id, bool, bool);
    @input
    pub struct NodeLabel(Id, Sym, Sym);
    // (node, key, value, effect).
    @input
    pub struct NodeTaint(Id, Sym, Sym, u8);
    // (node, free cpu, free memory, free pod slots).
    @input
    pub struct Free(Id, i64, i64, i64);
    // Node preference order as a chain: first node, successor, last node.
    @input
    pub struct First(Id);
    @input
    pub struct Next(Id, Id);
    @input
    pub struct Last(Id);

    struct Tolerated(u32, Id, Sym, Sym, u8);
    @output
    pub struct SelectorMiss(u32, Id);
    @output
    pub struct Untolerated(u32, Id);
    @output
    pub struct NotReady(Id);
    // How many pods of the class still fit on the node.
    @output
    pub struct Room(u32, Id, i64);
    struct Feasible(u32, Id);
    // (class, node, feasible nodes before it in preference order).
    struct Walk(u32, Id, i64);
    struct FeasibleAt(u32, Id, i64);
    @output
    pub struct FeasibleCount(u32, i64);
    // (pod, node, feasible nodes for its class).
    @output
    pub struct Bind(Id, Id, i64);
    @output
    pub struct Unschedulable(Id, u32);

    SelectorMiss(c, n) <- ClassSelects(c, k, v), Node(n, _, _), !NodeLabel(n, k, v);
    Tolerated(c, n, k, v, e) <-
        NodeTaint(n, k, v, e), ClassTolerates(c, tk, exists, tv, te),
        (tk == k || (exists && tk == EMPTY)), (exists || tv == v), (te == 0 || te == e);
    Untolerated(c, n) <-
        Class(c, _, _), NodeTaint(n, k, v, e), (e == NO_SCHEDULE || e == NO_EXECUTE), !Tolerated(c, n, k, v, e);
    NotReady(n) <- Node(n, false, _);
    NotReady(n) <- Node(n, _, true);
    Room(c, n, room) <-
        Class(c, cpu, mem), Free(n, free_cpu, free_mem, free_pods),
        let room = fits(cpu, free_cpu).min(fits(mem, free_mem)).min(free_pods), (room > 0);
    Feasible(c, n) <- Room(c, n, _), !NotReady(n), !SelectorMiss(c, n), !Untolerated(c, n);

    Walk(c, n, 0) <- Class(c, _, _), First(n);
    Walk(c, next, i + 1) <- Walk(c, n, i), Feasible(c, n), Next(n, next);
    Walk(c, next, i) <- Walk(c, n, i), !Feasible(c, n), Next(n, next);
    FeasibleAt(c, n, i) <- Walk(c, n, i), Feasible(c, n);
    FeasibleCount(c, i + 1) <- Walk(c, n, i), Last(n), Feasible(c, n);
    FeasibleCount(c, i) <- Walk(c, n, i), Last(n), !Feasible(c, n);

    Bind(pod, node, count) <-
        Pending(pod, c, r), FeasibleCount(c, count), (count > 0),
        FeasibleAt(c, node, r % count), Room(c, node, room), (r / count < room);
    Unschedulable(pod, c) <- Pending(pod, c, _), FeasibleCount(c, 0);
}

/// How many requests of `want` fit in `free` (unbounded when nothing is requested).
fn fits(want: i64, free: i64) -> i64 {
    if want <= 0 {
        i64::MAX
    } else {
        (free / want).max(0)
    }
}

pub fn reconcile(f: &Facts) -> Vec<Action> {
    let s = sched::sched_facts(f);
    if s.pending.is_empty() {
        return Vec::new();
    }
    let mut rt = Crepe::new();
    rt.extend(s.pending.iter().map(|&(p, c, r)| Pending(p, c, r)));
    for c in &s.classes {
        rt.extend([Class(c.id, c.cpu_m, c.mem)]);
        rt.extend(c.node_selector.iter().map(|&(k, v)| ClassSelects(c.id, k, v)));
        rt.extend(c.tolerations.iter().map(|t| ClassTolerates(c.id, t.key, t.exists, t.value, t.effect)));
    }
    for n in &f.nodes {
        rt.extend([Node(n.id, n.ready, n.unschedulable)]);
        rt.extend(n.labels.iter().map(|&(k, v)| NodeLabel(n.id, k, v)));
        rt.extend(n.taints.iter().map(|t| NodeTaint(n.id, t.key, t.value, t.effect)));
    }
    rt.extend(s.free.iter().map(|x| Free(x.node, x.cpu_m, x.mem, x.pods)));
    rt.extend(s.order.first().map(|&n| First(n)));
    rt.extend(s.order.windows(2).map(|w| Next(w[0], w[1])));
    rt.extend(s.order.last().map(|&n| Last(n)));
    let (misses, untolerated, not_ready, rooms, _counts, binds, unschedulable) =
        rt.run_with_hasher::<FxBuildHasher>();

    let mut out = Vec::new();
    let mut binds: Vec<_> = binds.into_iter().collect();
    binds.sort_unstable_by_key(|b| f.key(b.0));
    for Bind(pod, node, count) in binds {
        let pod_key = f.key(pod);
        let node_name = &f.key(node).name;
        out.push(
            Action::new(
                Change::Bind { pod: pod_key.clone(), node: node_name.clone() },
                "scheduler",
                format!("fits {count} of {} nodes; least allocated", f.nodes.len()),
            )
            .with_event(
                pod_key,
                EventType::Normal,
                "Scheduled",
                format!("Successfully assigned {} to {node_name}", pod_key.ns_name()),
            ),
        );
    }
    let mut unschedulable: Vec<_> = unschedulable.into_iter().collect();
    if unschedulable.is_empty() {
        return out;
    }
    let with_room: std::collections::HashSet<(u32, Id), FxBuildHasher> =
        rooms.iter().map(|r| (r.0, r.1)).collect();
    let diagnosis = Diagnosis::new(f, &s, &misses, &untolerated, &not_ready, &with_room);
    unschedulable.sort_unstable_by_key(|u| f.key(u.0));
    for Unschedulable(pod, class) in unschedulable {
        let message = diagnosis.message(class);
        let current = crate::model::condition(f.raw(pod), "PodScheduled")
            .map(|c| crate::model::str_at(c, &["message"]).to_string())
            .unwrap_or_default();
        if current == message {
            continue;
        }
        let pod_key = f.key(pod);
        out.push(
            Action::new(
                Change::Patch {
                    key: pod_key.clone(),
                    patch: json!({"status": {"phase": "Pending", "conditions": [{
                        "type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                        "message": message, "lastTransitionTime": crate::model::fmt_time(f.now),
                    }]}}),
                    precondition: Precondition::None,
                },
                "scheduler",
                message.clone(),
            )
            .with_event(pod_key, EventType::Warning, "FailedScheduling", message.clone()),
        );
    }
    out
}

/// Why a class fits nowhere, counted per filter like the scheduler's FailedScheduling message.
struct Diagnosis {
    nodes: usize,
    per_class: FxHashMap<u32, Vec<(String, usize)>>,
}

impl Diagnosis {
    fn new(
        f: &Facts,
        s: &SchedFacts,
        misses: &std::collections::HashSet<SelectorMiss, FxBuildHasher>,
        untolerated: &std::collections::HashSet<Untolerated, FxBuildHasher>,
        not_ready: &std::collections::HashSet<NotReady, FxBuildHasher>,
        with_room: &std::collections::HashSet<(u32, Id), FxBuildHasher>,
    ) -> Diagnosis {
        let mut per_class = FxHashMap::default();
        for c in &s.classes {
            let mut reasons: std::collections::BTreeMap<String, usize> = Default::default();
            for n in &f.nodes {
                let reason = if not_ready.contains(&NotReady(n.id)) {
                    if n.unschedulable {
                        "node(s) were unschedulable"
                    } else {
                        "node(s) were not ready"
                    }
                } else if misses.contains(&SelectorMiss(c.id, n.id)) {
                    "node(s) didn't match Pod's node affinity/selector"
                } else if untolerated.contains(&Untolerated(c.id, n.id)) {
                    "node(s) had untolerated taint"
                } else if !with_room.contains(&(c.id, n.id)) {
                    "Insufficient resources (cpu, memory or pods)"
                } else {
                    continue;
                };
                *reasons.entry(reason.to_string()).or_default() += 1;
            }
            per_class.insert(c.id, reasons.into_iter().collect());
        }
        Diagnosis { nodes: f.nodes.len(), per_class }
    }

    fn message(&self, class: u32) -> String {
        let parts: Vec<String> =
            self.per_class.get(&class).into_iter().flatten().map(|(r, n)| format!("{n} {r}")).collect();
        if parts.is_empty() {
            format!("0/{} nodes are available.", self.nodes)
        } else {
            format!("0/{} nodes are available: {}.", self.nodes, parts.join(", "))
        }
    }
}
