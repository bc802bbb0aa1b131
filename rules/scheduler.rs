//! Scheduler: bind pending pods to nodes (upstream kube-scheduler's default plugins, reduced
//! to what konverge models).
//!
//! Filters: the node is Ready and schedulable (NodeUnschedulable), carries every nodeSelector
//! label (NodeAffinity), has no NoSchedule/NoExecute taint the pod does not tolerate
//! (TaintToleration), and has room for the pod's cpu, memory and pod count (NodeResourcesFit).
//! Score: LeastAllocated, ties by node name.
//!
//! The real scheduler places one pod at a time and each placement changes the next pod's
//! scores. Within one step konverge places a whole queue at once: the filter rules decide which
//! nodes a class of equal pods fits and how many of them each node holds; [`placement_slots`]
//! ranks the places ("slots") those pods would take one at a time — the k-th pod of a class on
//! a node scores what the node scores with k such pods already added, so the ranking is the
//! one-at-a-time LeastAllocated order — and the [`placement`] rule binds the class's pod of
//! queue rank `r` to slot `r`. A node over-committed by two classes in the same step is caught
//! by the driver's admission and the loser retries next step.

use crate::actions::{Action, Change, EventType, Precondition};
use crate::controllers::{Controller, Proposals};
use crate::facts::sched::{self, SchedFacts};
use crate::facts::{Facts, Id, Sym, EMPTY, NO_EXECUTE, NO_SCHEDULE};
use crepe::crepe;
use rustc_hash::{FxBuildHasher, FxHashMap};
use serde_json::json;

/// The name this controller's actions carry in the trace.
pub const NAME: &str = "scheduler";

pub const CONTROLLER: Controller = Controller { name: NAME, component: "default-scheduler", reconcile };

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

    struct Tolerated(u32, Id, Sym, Sym, u8);
    @output
    pub struct SelectorMiss(u32, Id);
    @output
    pub struct Untolerated(u32, Id);
    // (class, node, key, value, effect) of each NoSchedule/NoExecute taint the class does not
    // tolerate, for the FailedScheduling message.
    @output
    pub struct UntoleratedTaint(u32, Id, Sym, Sym, u8);
    @output
    pub struct NotReady(Id);
    // How many pods of the class still fit on the node.
    @output
    pub struct Room(u32, Id, i64);
    // The class fits the node (every filter passes and there is room for one more pod).
    @output
    pub struct Feasible(u32, Id);
    struct Schedulable(u32);
    @output
    pub struct Unschedulable(Id, u32);

    SelectorMiss(c, n) <- ClassSelects(c, k, v), Node(n, _, _), !NodeLabel(n, k, v);
    Tolerated(c, n, k, v, e) <-
        NodeTaint(n, k, v, e), ClassTolerates(c, tk, exists, tv, te),
        (tk == k || (exists && tk == EMPTY)), (exists || tv == v), (te == 0 || te == e);
    UntoleratedTaint(c, n, k, v, e) <-
        Class(c, _, _), NodeTaint(n, k, v, e), (e == NO_SCHEDULE || e == NO_EXECUTE), !Tolerated(c, n, k, v, e);
    Untolerated(c, n) <- UntoleratedTaint(c, n, _, _, _);
    NotReady(n) <- Node(n, false, _);
    NotReady(n) <- Node(n, _, true);
    Room(c, n, room) <-
        Class(c, cpu, mem), Free(n, free_cpu, free_mem, free_pods),
        let room = fits(cpu, free_cpu).min(fits(mem, free_mem)).min(free_pods), (room > 0);
    Feasible(c, n) <- Room(c, n, _), !NotReady(n), !SelectorMiss(c, n), !Untolerated(c, n);
    Schedulable(c) <- Feasible(c, _);
    Unschedulable(pod, c) <- Pending(pod, c, _), !Schedulable(c);
}

/// Placement: the pending pod of queue rank `r` in its class takes the class's slot `r`.
pub mod placement {
    use crate::facts::Id;
    use crepe::crepe;

    crepe! {
        // (pod, class, rank in the class's queue).
        @input
        pub struct Pending(pub Id, pub u32, pub i64);
        // (class, rank, node): the node the class's pod of that rank goes to, one at a time.
        @input
        pub struct Slot(pub u32, pub i64, pub Id);
        @output
        pub struct Bind(pub Id, pub Id);

        Bind(pod, node) <- Pending(pod, c, r), Slot(c, r, node);
    }
}

/// VolumeBinding's PreFilter (upstream `framework/plugins/volumebinding`, `GetPodVolumeClaims`):
/// a pod that uses a claim which does not exist or is being deleted, or a claim of a class that
/// binds immediately and is not bound yet, is not scheduled: it stays Pending with the
/// plugin's message (the first missing or deleted claim in the pod's volume order, else
/// "pod has unbound immediate PersistentVolumeClaims"). Claims of WaitForFirstConsumer
/// classes do not hold the pod back: the PV controller binds them once the pod is on a node.
pub mod volume_binding {
    use crate::actions::Action;
    use crate::facts::volumes::{self, ClaimUse};
    use crate::facts::{Facts, Id, Sym};
    use crepe::crepe;
    use rustc_hash::{FxBuildHasher, FxHashMap};

    pub const NOT_FOUND: u8 = 0;
    pub const BEING_DELETED: u8 = 1;

    crepe! {
        // A pod in the scheduling queue.
        @input
        pub struct Queued(pub Id);
        // (pod, volume index, claim name) of a claim that does not exist.
        @input
        pub struct Missing(pub Id, pub u32, pub Sym);
        // (pod, volume index, claim name, claim).
        @input
        pub struct Uses(pub Id, pub u32, pub Sym, pub Id);
        @input
        pub struct ClaimDeleting(pub Id);
        // `spec.volumeName` is set.
        @input
        pub struct ClaimHasVolume(pub Id);
        // The claim's class waits for the first consumer.
        @input
        pub struct ClaimWaits(pub Id);

        // (pod, volume index, claim name, why): the claim refuses the pod.
        @output
        pub struct Refused(pub Id, pub u32, pub Sym, pub u8);
        @output
        pub struct UnboundImmediate(pub Id);

        Refused(p, i, n, NOT_FOUND) <- Queued(p), Missing(p, i, n);
        Refused(p, i, n, BEING_DELETED) <- Queued(p), Uses(p, i, n, c), ClaimDeleting(c);
        UnboundImmediate(p) <- Queued(p), Uses(p, _, _, c), !ClaimHasVolume(c), !ClaimWaits(c);
    }

    /// Take the pods the plugin refuses out of the queue (the rest keep their order, ranks
    /// renumbered) and say why on each refused pod.
    pub fn prefilter(f: &Facts, pending: &mut Vec<(Id, u32, i64)>) -> Vec<Action> {
        let uses = volumes::claim_uses(f);
        if uses.is_empty() || pending.is_empty() {
            return Vec::new();
        }
        let mut rt = Crepe::new();
        rt.extend(pending.iter().map(|&(p, _, _)| Queued(p)));
        for (pod, index, name, state) in uses {
            match state {
                ClaimUse::Missing => rt.extend([Missing(pod, index, name)]),
                ClaimUse::Claim { claim, deleting, has_volume, delayed, .. } => {
                    rt.extend([Uses(pod, index, name, claim)]);
                    if deleting {
                        rt.extend([ClaimDeleting(claim)]);
                    }
                    if has_volume {
                        rt.extend([ClaimHasVolume(claim)]);
                    }
                    if delayed {
                        rt.extend([ClaimWaits(claim)]);
                    }
                }
            }
        }
        let (refused, unbound) = rt.run_with_hasher::<FxBuildHasher>();
        let mut why: FxHashMap<Id, String> = FxHashMap::default();
        for UnboundImmediate(p) in unbound {
            why.insert(p, "pod has unbound immediate PersistentVolumeClaims".into());
        }
        let mut first: FxHashMap<Id, (u32, Sym, u8)> = FxHashMap::default();
        for Refused(p, i, n, code) in refused {
            let e = first.entry(p).or_insert((i, n, code));
            if (i, code) < (e.0, e.2) {
                *e = (i, n, code);
            }
        }
        for (p, (_, name, code)) in first {
            let name = f.syms.resolve(name);
            let text = if code == NOT_FOUND { "not found" } else { "is being deleted" };
            why.insert(p, format!("persistentvolumeclaim {name:?} {text}"));
        }
        let mut refused: Vec<(Id, String)> = why.into_iter().collect();
        refused.sort_unstable_by(|a, b| f.key(a.0).cmp(f.key(b.0)));
        pending.retain(|(p, _, _)| refused.binary_search_by(|r| f.key(r.0).cmp(f.key(*p))).is_err());
        let mut next_rank: FxHashMap<u32, i64> = FxHashMap::default();
        for (_, class, rank) in pending.iter_mut() {
            let r = next_rank.entry(*class).or_default();
            *rank = *r;
            *r += 1;
        }
        let nodes = f.nodes.len();
        refused
            .into_iter()
            .filter_map(|(p, why)| {
                super::failed_scheduling(f, p, format!("0/{nodes} nodes are available: {why}."))
            })
            .collect()
    }
}

/// NodeResourcesFit's LeastAllocated score: the mean over cpu and memory of the free share,
/// 0–100, in millionths so that close scores still order.
fn least_allocated(cpu_alloc: i64, cpu_req: i64, mem_alloc: i64, mem_req: i64) -> i64 {
    let share = |alloc: i64, req: i64| {
        if alloc <= 0 {
            0
        } else {
            ((alloc - req).max(0) as i128 * 100_000_000 / alloc as i128) as i64
        }
    };
    (share(cpu_alloc, cpu_req) + share(mem_alloc, mem_req)) / 2
}

/// The next free slot of a node while ranking slots: (score, node name first, k, node index,
/// slots the node has for the class). The heap's greatest is the next place a pod goes.
type SlotHead<'a> = (i64, std::cmp::Reverse<&'a crate::model::ObjKey>, std::cmp::Reverse<i64>, usize, i64);

/// Rank the places the pending pods of each class would take if scheduled one at a time:
/// `(class, rank, node)` for ranks `0..pending`. `room` is what the filter rules derived:
/// `(class, node, how many pods of the class fit)` for the nodes the class fits. Each node's
/// k-th slot scores LeastAllocated with k pods of the class already added (requests of 0 count
/// as upstream's scoring defaults); the best score goes first, ties by node name. Classes are
/// placed in turn, each seeing the room and load the classes before it took, so several shapes
/// of pods in one queue spread and fit instead of piling onto the same best nodes.
pub fn placement_slots(f: &Facts, s: &SchedFacts, room: &[(u32, Id, i64)]) -> Vec<(u32, i64, Id)> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    let node_by_name: FxHashMap<Sym, usize> = f.nodes.iter().enumerate().map(|(i, n)| (n.name, i)).collect();
    let node_index: FxHashMap<Id, usize> = f.nodes.iter().enumerate().map(|(i, n)| (n.id, i)).collect();
    let scored = |req: i64, default: i64| if req == 0 { default } else { req };
    // Requests on each node as the score sees them.
    let mut used = vec![(0i64, 0i64); f.nodes.len()];
    for p in &f.pods {
        if matches!(p.phase, crate::facts::Phase::Succeeded | crate::facts::Phase::Failed) {
            continue;
        }
        if let Some(&i) = p.node.and_then(|n| node_by_name.get(&n)) {
            used[i].0 += scored(p.cpu_m, sched::DEFAULT_CPU_M);
            used[i].1 += scored(p.mem, sched::DEFAULT_MEM);
        }
    }
    let mut pending: FxHashMap<u32, i64> = FxHashMap::default();
    for &(_, c, _) in &s.pending {
        *pending.entry(c).or_default() += 1;
    }
    let mut by_class: FxHashMap<u32, Vec<(Id, i64)>> = FxHashMap::default();
    for &(c, n, r) in room {
        by_class.entry(c).or_default().push((n, r));
    }
    // Room left on each node once earlier classes placed their pods: (cpu, memory, pods).
    let mut left: Vec<(i64, i64, i64)> = vec![(0, 0, 0); f.nodes.len()];
    for free in &s.free {
        if let Some(&i) = node_index.get(&free.node) {
            left[i] = (free.cpu_m, free.mem, free.pods);
        }
    }
    let mut out = Vec::new();
    for class in &s.classes {
        let (Some(&want), Some(nodes)) = (pending.get(&class.id), by_class.get(&class.id)) else { continue };
        let (cpu, mem) = (scored(class.cpu_m, sched::DEFAULT_CPU_M), scored(class.mem, sched::DEFAULT_MEM));
        let score = |used: &[(i64, i64)], i: usize, k: i64| {
            let n = &f.nodes[i];
            least_allocated(n.alloc_cpu_m, used[i].0 + k * cpu, n.alloc_mem, used[i].1 + k * mem)
        };
        let mut heap: BinaryHeap<SlotHead> = nodes
            .iter()
            .filter_map(|&(n, r)| {
                let &i = node_index.get(&n)?;
                let (c, m, p) = left[i];
                let room = r.min(fits(class.cpu_m, c)).min(fits(class.mem, m)).min(p);
                (room > 0).then(|| (score(&used, i, 0), Reverse(f.key(n)), Reverse(0), i, room))
            })
            .collect();
        let mut placed: Vec<usize> = Vec::new();
        let mut rank = 0;
        while rank < want {
            let Some((_, name, Reverse(k), i, r)) = heap.pop() else { break };
            out.push((class.id, rank, f.nodes[i].id));
            placed.push(i);
            rank += 1;
            if k + 1 < r {
                heap.push((score(&used, i, k + 1), name, Reverse(k + 1), i, r));
            }
        }
        for i in placed {
            used[i].0 += cpu;
            used[i].1 += mem;
            left[i].0 -= class.cpu_m;
            left[i].1 -= class.mem;
            left[i].2 -= 1;
        }
    }
    out
}

/// How many requests of `want` fit in `free` (unbounded when nothing is requested).
fn fits(want: i64, free: i64) -> i64 {
    if want <= 0 {
        i64::MAX
    } else {
        (free / want).max(0)
    }
}

pub fn reconcile(f: &Facts) -> Proposals {
    let mut s = sched::sched_facts(f);
    let volume_refusals = volume_binding::prefilter(f, &mut s.pending);
    if s.pending.is_empty() {
        return volume_refusals.into();
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
    let (misses, untolerated, untolerated_taints, not_ready, rooms, feasible, unschedulable) =
        rt.run_with_hasher::<FxBuildHasher>();

    let feasible_room: Vec<(u32, Id, i64)> = {
        let mut v: Vec<(u32, Id, i64)> = rooms
            .iter()
            .filter(|r| feasible.contains(&Feasible(r.0, r.1)))
            .map(|r| (r.0, r.1, r.2))
            .collect();
        v.sort_unstable();
        v
    };
    let mut feasible_count: FxHashMap<u32, usize> = FxHashMap::default();
    for &(c, _, _) in &feasible_room {
        *feasible_count.entry(c).or_default() += 1;
    }
    let class_of: FxHashMap<Id, u32> = s.pending.iter().map(|&(p, c, _)| (p, c)).collect();
    let mut place = placement::Crepe::new();
    place.extend(s.pending.iter().map(|&(p, c, r)| placement::Pending(p, c, r)));
    place
        .extend(placement_slots(f, &s, &feasible_room).into_iter().map(|(c, r, n)| placement::Slot(c, r, n)));
    let (binds,) = place.run_with_hasher::<FxBuildHasher>();

    let mut out = volume_refusals;
    let mut binds: Vec<_> = binds.into_iter().collect();
    binds.sort_unstable_by_key(|b| f.key(b.0));
    for placement::Bind(pod, node) in binds {
        let count = class_of.get(&pod).and_then(|c| feasible_count.get(c)).copied().unwrap_or(0);
        let pod_key = f.key(pod);
        let node_name = &f.key(node).name;
        out.push(
            Action::new(
                Change::Bind { pod: pod_key.clone(), node: node_name.clone() },
                NAME,
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
        return out.into();
    }
    let with_room: std::collections::HashSet<(u32, Id), FxBuildHasher> =
        rooms.iter().map(|r| (r.0, r.1)).collect();
    let filters = Filtered { misses, untolerated, untolerated_taints, not_ready, with_room };
    let diagnosis = Diagnosis::new(f, &s, &filters);
    unschedulable.sort_unstable_by_key(|u| f.key(u.0));
    for Unschedulable(pod, class) in unschedulable {
        out.extend(failed_scheduling(f, pod, diagnosis.message(class)));
    }
    out.into()
}

/// The pod's PodScheduled condition and the FailedScheduling event for `message`, unless the
/// pod already says so.
fn failed_scheduling(f: &Facts, pod: Id, message: String) -> Option<Action> {
    let current = crate::model::condition(f.raw(pod), "PodScheduled")
        .map(|c| crate::model::str_at(c, &["message"]).to_string())
        .unwrap_or_default();
    if current == message {
        return None;
    }
    let pod_key = f.key(pod);
    Some(
        Action::new(
            Change::Patch {
                key: pod_key.clone(),
                patch: json!({"status": {"phase": "Pending", "conditions": [{
                    "type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                    "message": message, "lastTransitionTime": crate::model::fmt_time(f.now),
                }]}}),
                precondition: Precondition::None,
            },
            NAME,
            message.clone(),
        )
        .with_event(pod_key, EventType::Warning, "FailedScheduling", message),
    )
}

type Set<T> = std::collections::HashSet<T, FxBuildHasher>;

/// What the filter rules derived, for the diagnosis.
struct Filtered {
    misses: Set<SelectorMiss>,
    untolerated: Set<Untolerated>,
    untolerated_taints: Set<UntoleratedTaint>,
    not_ready: Set<NotReady>,
    with_room: Set<(u32, Id)>,
}

/// Why a class fits nowhere, like the scheduler's FailedScheduling message: for each node the
/// first filter that rejects it, in the default plugin order (NodeUnschedulable,
/// TaintToleration, NodeAffinity, NodeResourcesFit — which names every resource that is
/// short), counted per reason; the "N reason" strings sorted as upstream sorts them.
struct Diagnosis {
    nodes: usize,
    per_class: FxHashMap<u32, Vec<String>>,
}

impl Diagnosis {
    fn new(f: &Facts, s: &SchedFacts, x: &Filtered) -> Diagnosis {
        let free: FxHashMap<Id, &sched::NodeFree> = s.free.iter().map(|n| (n.node, n)).collect();
        let mut per_class = FxHashMap::default();
        for c in &s.classes {
            let mut reasons: std::collections::BTreeMap<String, usize> = Default::default();
            for n in &f.nodes {
                let mut node_reasons: Vec<String> = Vec::new();
                if x.not_ready.contains(&NotReady(n.id)) {
                    node_reasons.push(
                        if n.unschedulable { "node(s) were unschedulable" } else { "node(s) were not ready" }
                            .into(),
                    );
                } else if x.untolerated.contains(&Untolerated(c.id, n.id)) {
                    // upstream names the first untolerated taint in the node's order.
                    let taint = n.taints.iter().find(|t| {
                        x.untolerated_taints.contains(&UntoleratedTaint(c.id, n.id, t.key, t.value, t.effect))
                    });
                    node_reasons.push(match taint {
                        Some(t) => format!(
                            "node(s) had untolerated taint {{{}: {}}}",
                            f.syms.resolve(t.key),
                            f.syms.resolve(t.value)
                        ),
                        None => "node(s) had untolerated taint".into(),
                    });
                } else if x.misses.contains(&SelectorMiss(c.id, n.id)) {
                    node_reasons.push("node(s) didn't match Pod's node affinity/selector".into());
                } else if !x.with_room.contains(&(c.id, n.id)) {
                    if let Some(room) = free.get(&n.id) {
                        if room.pods < 1 {
                            node_reasons.push("Too many pods".into());
                        }
                        if c.cpu_m > 0 && c.cpu_m > room.cpu_m {
                            node_reasons.push("Insufficient cpu".into());
                        }
                        if c.mem > 0 && c.mem > room.mem {
                            node_reasons.push("Insufficient memory".into());
                        }
                    }
                    if node_reasons.is_empty() {
                        node_reasons.push("Insufficient resources".into());
                    }
                }
                for r in node_reasons {
                    *reasons.entry(r).or_default() += 1;
                }
            }
            let mut parts: Vec<String> = reasons.into_iter().map(|(r, n)| format!("{n} {r}")).collect();
            parts.sort();
            per_class.insert(c.id, parts);
        }
        Diagnosis { nodes: f.nodes.len(), per_class }
    }

    fn message(&self, class: u32) -> String {
        let parts: &[String] = self.per_class.get(&class).map_or(&[], Vec::as_slice);
        if parts.is_empty() {
            format!("0/{} nodes are available.", self.nodes)
        } else {
            format!("0/{} nodes are available: {}.", self.nodes, parts.join(", "))
        }
    }
}
