//! Scheduler: bind pending pods to nodes (upstream kube-scheduler's default filter plugins and
//! NodeResourcesFit's LeastAllocated score, `pkg/scheduler/framework/plugins`).
//!
//! Filters, in the default profile's order (a node is rejected by the first that fails):
//! - NodeUnschedulable: a node with `spec.unschedulable` takes only pods that tolerate
//!   `node.kubernetes.io/unschedulable:NoSchedule` (as DaemonSet pods do).
//! - TaintToleration: every NoSchedule/NoExecute taint of the node must be tolerated. Node
//!   conditions reach the scheduler only as taints (`not-ready`, `unreachable`, …), which the
//!   node lifecycle controller writes onto the Node (TaintNodesByCondition); as upstream, a
//!   node is filtered from the step after its condition changed, once the taint is written.
//! - NodeAffinity: the node carries every `nodeSelector` label, and one of the required
//!   node-affinity terms matches it (terms ORed; within a term `matchExpressions` on labels —
//!   In, NotIn, Exists, DoesNotExist, Gt, Lt — and `matchFields` on `metadata.name` — In, NotIn
//!   — ANDed; a term that does not parse matches nothing). Its PreFilter narrows the nodes to
//!   the names every term pins with `matchFields metadata.name In`; the other nodes "didn't
//!   satisfy plugin(s) [NodeAffinity]", and terms that pin no common name conflict.
//! - NodePorts: no host port the pod asks for is held on the node for the same protocol and
//!   port by the same IP or `0.0.0.0`.
//! - NodeResourcesFit: a free pod slot and room for every resource the pod requests (cpu,
//!   memory, ephemeral-storage, extended and hugepages resources) as upstream's `PodRequests`
//!   counts them.
//!
//! Score: LeastAllocated over cpu and memory, with the incoming pod's own request added (so of
//! two empty nodes the larger wins); ties by a finer (millionths) score, then by node name.
//!
//! The real scheduler places one pod at a time and each placement changes the next pod's
//! scores. Within one step konverge places a whole queue at once: the filter rules decide which
//! nodes a class of equal pods fits; [`placement_slots`] ranks the places ("slots") those pods
//! would take one at a time — the k-th pod of a class on a node scores what the node scores
//! with k such pods already added — and the [`placement`] rule binds the class's pod of queue
//! rank `r` to slot `r`. Classes are placed in turn, each seeing the room, load and host ports
//! the classes before it took. A node over-committed anyway is caught by the API server's bind
//! check and the loser retries next step. Pods created with `spec.nodeName` are bound already
//! and never queued.

use crate::actions::{Action, Change, EventType, Precondition};
use crate::controllers::{Controller, Proposals};
use crate::facts::sched::{self, SchedFacts, OP_DOES_NOT_EXIST, OP_EXISTS, OP_GT, OP_IN, OP_LT, OP_NOT_IN};
use crate::facts::{Facts, Id, Sym, ANY_EFFECT, EMPTY, NO_EXECUTE, NO_SCHEDULE, TAINT_UNSCHEDULABLE};
use crepe::crepe;
use rustc_hash::{FxBuildHasher, FxHashMap, FxHashSet};
use serde_json::json;

/// The name this controller's actions carry in the trace.
pub const NAME: &str = "scheduler";

pub const CONTROLLER: Controller = Controller { name: NAME, component: "default-scheduler", reconcile };

crepe! {
    // (pod, class, rank in the class's queue).
    @input
    pub struct Pending(Id, u32, i64);
    @input
    pub struct Class(u32);
    // (class, resource index, amount) of every resource the class's pods request.
    @input
    pub struct ClassRequests(u32, u32, i64);
    @input
    pub struct ClassSelects(u32, Sym, Sym);
    // (class, key, operator is Exists, value, effect or ANY_EFFECT).
    @input
    pub struct ClassTolerates(u32, Sym, bool, Sym, u8);
    // The class has required node affinity, made of these terms.
    @input
    pub struct ClassAffinity(u32);
    @input
    pub struct ClassTerm(u32, u32);
    @input
    pub struct TermRequires(u32, u32);
    // (requirement, matchFields, key, operator, parses).
    @input
    pub struct Requirement(u32, bool, Sym, u8, bool);
    @input
    pub struct RequirementValue(u32, Sym);
    // The integer of a Gt/Lt requirement.
    @input
    pub struct RequirementNumber(u32, i64);
    // (class, host IP, protocol, host port).
    @input
    pub struct ClassPort(u32, Sym, Sym, i64);
    // (node, name).
    @input
    pub struct Node(Id, Sym);
    // spec.unschedulable.
    @input
    pub struct NodeCordoned(Id);
    @input
    pub struct NodeLabel(Id, Sym, Sym);
    // A label whose value is an integer (for Gt/Lt).
    @input
    pub struct NodeLabelNumber(Id, Sym, i64);
    // (node, key, value, effect).
    @input
    pub struct NodeTaint(Id, Sym, Sym, u8);
    // (node, resource index, room left).
    @input
    pub struct NodeFree(Id, u32, i64);
    // Pod slots left.
    @input
    pub struct NodePods(Id, i64);
    // (node, host IP, protocol, host port) held by bound pods.
    @input
    pub struct NodePort(Id, Sym, Sym, i64);
    // The interned names the rules compare with: the unschedulable taint key, the
    // `metadata.name` field, the `0.0.0.0` host IP.
    @input
    pub struct Names(Sym, Sym, Sym);

    // NodeAffinity's PreFilter: the node names every term pins with `metadata.name In`. A
    // class whose every term pins names is a candidate for those nodes only; any other class
    // for every node. Every filter below is evaluated on candidates only, so a class pinned
    // to one node (a DaemonSet pod) costs one node, not all of them.
    struct NameIn(u32, u32);
    struct TermPinned(u32);
    struct NameCandidate(u32, Sym);
    struct NameDropped(u32, Sym);
    struct TermNames(u32, Sym);
    struct ClassUnpinned(u32);
    struct ClassPinned(u32);
    @output
    pub struct PinnedAll(u32);
    struct ClassNames(u32, Sym);
    struct ClassNamesAny(u32);
    @output
    pub struct AffinityConflict(u32);
    struct Candidate(u32, Id);
    // The nodes a pinned class is a candidate for.
    @output
    pub struct PinnedCandidate(u32, Id);

    NameIn(t, r) <-
        TermRequires(t, r), Requirement(r, true, k, op, _), (op == OP_IN), Names(_, name_field, _), (k == name_field);
    TermPinned(t) <- NameIn(t, _);
    NameCandidate(t, v) <- NameIn(t, r), RequirementValue(r, v);
    NameDropped(t, v) <- NameCandidate(t, v), NameIn(t, r), !RequirementValue(r, v);
    TermNames(t, v) <- NameCandidate(t, v), !NameDropped(t, v);
    ClassUnpinned(c) <- ClassTerm(c, t), !TermPinned(t);
    ClassPinned(c) <- ClassTerm(c, t), TermPinned(t);
    PinnedAll(c) <- ClassPinned(c), !ClassUnpinned(c);
    ClassNames(c, v) <- PinnedAll(c), ClassTerm(c, t), TermNames(t, v);
    ClassNamesAny(c) <- ClassNames(c, _);
    AffinityConflict(c) <- PinnedAll(c), !ClassNamesAny(c);
    Candidate(c, n) <- Class(c), !PinnedAll(c), Node(n, _);
    Candidate(c, n) <- ClassNames(c, name), Node(n, name);
    PinnedCandidate(c, n) <- PinnedAll(c), Candidate(c, n);

    // NodeUnschedulable and TaintToleration.
    struct CordonTaint(Sym, Sym, u8);
    struct TaintSeen(Sym, Sym, u8);
    struct ClassToleratesTaint(u32, Sym, Sym, u8);
    @output
    pub struct Cordoned(u32, Id);
    // (class, node, key, value, effect) of each NoSchedule/NoExecute taint the class does not
    // tolerate, for the FailedScheduling message.
    @output
    pub struct UntoleratedTaint(u32, Id, Sym, Sym, u8);
    struct Untolerated(u32, Id);

    CordonTaint(k, v, e) <- Names(k, _, _), let v = EMPTY, let e = NO_SCHEDULE;
    TaintSeen(k, v, e) <- NodeTaint(_, k, v, e), (e == NO_SCHEDULE || e == NO_EXECUTE);
    TaintSeen(k, v, e) <- CordonTaint(k, v, e);
    // Upstream `Toleration.ToleratesTaint`.
    ClassToleratesTaint(c, k, v, e) <-
        TaintSeen(k, v, e), ClassTolerates(c, tk, exists, tv, te),
        (te == ANY_EFFECT || te == e), (tk == EMPTY || tk == k), (exists || tv == v);
    Cordoned(c, n) <- Candidate(c, n), NodeCordoned(n), CordonTaint(k, v, e), !ClassToleratesTaint(c, k, v, e);
    UntoleratedTaint(c, n, k, v, e) <-
        Candidate(c, n), NodeTaint(n, k, v, e), (e == NO_SCHEDULE || e == NO_EXECUTE),
        !ClassToleratesTaint(c, k, v, e);
    Untolerated(c, n) <- UntoleratedTaint(c, n, _, _, _);

    // NodeAffinity: nodeSelector, then the required terms (each requirement evaluated on the
    // nodes some class holding it is a candidate for).
    struct TermCandidate(u32, Id);
    struct RequirementCandidate(u32, Id);
    struct HasLabel(Id, Sym);
    struct NotInHit(u32, Id);
    struct NameNotInHit(u32, Id);
    struct Holds(u32, Id);
    struct TermBroken(u32);
    struct TermFails(u32, Id);
    struct TermMatches(u32, Id);
    struct AffinityMatches(u32, Id);
    @output
    pub struct AffinityMiss(u32, Id);

    AffinityMiss(c, n) <- Candidate(c, n), ClassSelects(c, k, v), !NodeLabel(n, k, v);
    TermCandidate(t, n) <- Candidate(c, n), ClassTerm(c, t);
    RequirementCandidate(r, n) <- TermCandidate(t, n), TermRequires(t, r);
    HasLabel(n, k) <- NodeLabel(n, k, _);
    Holds(r, n) <-
        RequirementCandidate(r, n), Requirement(r, false, k, op, true), (op == OP_IN), NodeLabel(n, k, v),
        RequirementValue(r, v);
    NotInHit(r, n) <-
        RequirementCandidate(r, n), Requirement(r, false, k, op, true), (op == OP_NOT_IN), NodeLabel(n, k, v),
        RequirementValue(r, v);
    Holds(r, n) <- RequirementCandidate(r, n), Requirement(r, false, _, op, true), (op == OP_NOT_IN), !NotInHit(r, n);
    Holds(r, n) <- RequirementCandidate(r, n), Requirement(r, false, k, op, true), (op == OP_EXISTS), HasLabel(n, k);
    Holds(r, n) <-
        RequirementCandidate(r, n), Requirement(r, false, k, op, true), (op == OP_DOES_NOT_EXIST), !HasLabel(n, k);
    Holds(r, n) <-
        RequirementCandidate(r, n), Requirement(r, false, k, op, true), (op == OP_GT), RequirementNumber(r, x),
        NodeLabelNumber(n, k, y), (y > x);
    Holds(r, n) <-
        RequirementCandidate(r, n), Requirement(r, false, k, op, true), (op == OP_LT), RequirementNumber(r, x),
        NodeLabelNumber(n, k, y), (y < x);
    // matchFields: a node has only the `metadata.name` field; on any other key In never
    // holds and NotIn always does.
    Holds(r, n) <-
        RequirementCandidate(r, n), Requirement(r, true, k, op, true), (op == OP_IN), Names(_, name_field, _),
        (k == name_field), Node(n, name), RequirementValue(r, name);
    NameNotInHit(r, n) <-
        RequirementCandidate(r, n), Requirement(r, true, k, op, true), (op == OP_NOT_IN), Names(_, name_field, _),
        (k == name_field), Node(n, name), RequirementValue(r, name);
    Holds(r, n) <-
        RequirementCandidate(r, n), Requirement(r, true, _, op, true), (op == OP_NOT_IN), !NameNotInHit(r, n);
    TermBroken(t) <- TermRequires(t, r), Requirement(r, _, _, _, false);
    TermFails(t, n) <- TermCandidate(t, n), TermRequires(t, r), !Holds(r, n);
    TermMatches(t, n) <- TermCandidate(t, n), !TermBroken(t), !TermFails(t, n);
    AffinityMatches(c, n) <- Candidate(c, n), ClassTerm(c, t), TermMatches(t, n);
    AffinityMiss(c, n) <- Candidate(c, n), ClassAffinity(c), !AffinityMatches(c, n);

    // NodePorts (upstream `HostPortInfo.CheckConflict`).
    @output
    pub struct PortClash(u32, Id);
    // Pods of the two classes may meet on a node and ask for a clashing host port (a class
    // with host ports clashes with itself: one such pod per node).
    @output
    pub struct ClassesClash(u32, u32);
    struct PortOnNode(Id, Sym, Sym, i64, u32);

    PortClash(c, n) <-
        Candidate(c, n), ClassPort(c, ip, pr, p), NodePort(n, ip2, pr, p), Names(_, _, any),
        (ip == any || ip2 == any || ip == ip2);
    PortOnNode(n, ip, pr, p, c) <- ClassPort(c, ip, pr, p), Candidate(c, n);
    ClassesClash(c, c2) <-
        PortOnNode(n, ip, pr, p, c), PortOnNode(n, ip2, pr, p, c2), Names(_, _, any),
        (ip == any || ip2 == any || ip == ip2);

    // NodeResourcesFit.
    // (class, node, resource index) the node has too little of.
    @output
    pub struct Short(u32, Id, u32);
    struct ShortOf(u32, Id);
    @output
    pub struct PodsFull(Id);

    Short(c, n, r) <- Candidate(c, n), ClassRequests(c, r, want), NodeFree(n, r, free), (want > free);
    ShortOf(c, n) <- Short(c, n, _);
    PodsFull(n) <- NodePods(n, free), (free < 1);

    // The class fits the node: every filter passes.
    @output
    pub struct Feasible(u32, Id);
    struct Schedulable(u32);
    @output
    pub struct Unschedulable(Id, u32);

    Feasible(c, n) <-
        Candidate(c, n), !PodsFull(n), !Cordoned(c, n), !Untolerated(c, n), !AffinityMiss(c, n),
        !PortClash(c, n), !ShortOf(c, n);
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

/// NodeResourcesFit's LeastAllocated score of a node with `cpu` millicores and `mem` bytes
/// requested (the incoming pod included) out of what it can allocate: upstream's integer score
/// (0–100, the mean of cpu's and memory's `(capacity - requested) * 100 / capacity`), and the
/// same mean in millionths without rounding, which konverge uses to order upstream's ties.
pub fn least_allocated(cpu: i64, cpu_alloc: i64, mem: i64, mem_alloc: i64) -> (i64, i64) {
    let score = |req: i64, cap: i64, scale: i128| {
        if cap <= 0 || req > cap {
            0
        } else {
            ((cap - req) as i128 * scale / cap as i128) as i64
        }
    };
    (
        (score(cpu, cpu_alloc, 100) + score(mem, mem_alloc, 100)) / 2,
        (score(cpu, cpu_alloc, 100_000_000) + score(mem, mem_alloc, 100_000_000)) / 2,
    )
}

/// The next free slot of a node while ranking slots: (score, finer score, node name first, k,
/// node index, slots the node has for the class). The heap's greatest is the next place a pod
/// goes.
type SlotHead<'a> =
    (i64, i64, std::cmp::Reverse<&'a crate::model::ObjKey>, std::cmp::Reverse<i64>, usize, i64);

/// How many pods requesting `want` (by resource index) fit in `free`.
fn pods_fitting(want: &[i64], free: &[i64], pods: i64) -> i64 {
    want.iter().zip(free).filter(|(&w, _)| w > 0).map(|(&w, &f)| (f / w).max(0)).fold(pods.max(0), i64::min)
}

/// Rank the places the pending pods of each class would take if scheduled one at a time:
/// `(class, rank, node)` for ranks `0..pending`. `feasible` is what the filter rules derived
/// (the nodes each class fits); `clashes` the pairs of classes whose host ports clash. Each
/// node's k-th slot scores LeastAllocated with k pods of the class already added plus the one
/// being placed; the best score goes first, ties by node name. Classes are placed in turn, each
/// seeing the room, load and host ports the classes before it took, so several shapes of pods
/// in one queue spread and fit instead of piling onto the same best nodes.
pub fn placement_slots(
    f: &Facts,
    s: &SchedFacts,
    feasible: &[(u32, Id)],
    clashes: &[(u32, u32)],
) -> Vec<(u32, i64, Id)> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    let node_index: FxHashMap<Id, usize> = f.nodes.iter().enumerate().map(|(i, n)| (n.id, i)).collect();
    let mut pending: FxHashMap<u32, i64> = FxHashMap::default();
    for &(_, c, _) in &s.pending {
        *pending.entry(c).or_default() += 1;
    }
    let mut by_class: FxHashMap<u32, Vec<usize>> = FxHashMap::default();
    for &(c, n) in feasible {
        if let Some(&i) = node_index.get(&n) {
            by_class.entry(c).or_default().push(i);
        }
    }
    let mut clash_with: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
    for &(a, b) in clashes {
        clash_with.entry(a).or_default().push(b);
    }
    // What earlier classes took in this step: room, load, nodes closed by their host ports.
    let mut left: Vec<(Vec<i64>, i64)> = s.free.iter().map(|x| (x.free.clone(), x.pods)).collect();
    let mut load = s.load.clone();
    let mut closed: FxHashSet<(u32, usize)> = FxHashSet::default();
    let mut out = Vec::new();
    for class in &s.classes {
        let (Some(&want), Some(nodes)) = (pending.get(&class.id), by_class.get(&class.id)) else { continue };
        let (cpu, mem) = (class.score_cpu_m, class.score_mem);
        let score = |load: &[(i64, i64)], i: usize, k: i64| {
            let n = &f.nodes[i];
            let (up, fine) = least_allocated(
                load[i].0 + (k + 1) * cpu,
                n.alloc.cpu_m,
                load[i].1 + (k + 1) * mem,
                n.alloc.mem,
            );
            (up, fine)
        };
        let one_per_node = !class.host_ports.is_empty();
        let mut heap: BinaryHeap<SlotHead> = nodes
            .iter()
            .filter(|&&i| !closed.contains(&(class.id, i)))
            .filter_map(|&i| {
                let mut room = pods_fitting(&class.requests, &left[i].0, left[i].1);
                if one_per_node {
                    room = room.min(1);
                }
                let (up, fine) = score(&load, i, 0);
                (room > 0).then(|| (up, fine, Reverse(&f.keys[f.nodes[i].id as usize]), Reverse(0), i, room))
            })
            .collect();
        let mut placed: Vec<usize> = Vec::new();
        let mut rank = 0;
        while rank < want {
            let Some((_, _, name, Reverse(k), i, r)) = heap.pop() else { break };
            out.push((class.id, rank, f.nodes[i].id));
            placed.push(i);
            rank += 1;
            if k + 1 < r {
                let (up, fine) = score(&load, i, k + 1);
                heap.push((up, fine, name, Reverse(k + 1), i, r));
            }
        }
        for i in placed {
            load[i].0 += cpu;
            load[i].1 += mem;
            let (room, pods) = &mut left[i];
            *pods -= 1;
            for (free, want) in room.iter_mut().zip(&class.requests) {
                *free -= want;
            }
            for &other in clash_with.get(&class.id).into_iter().flatten() {
                closed.insert((other, i));
            }
        }
    }
    out
}

pub fn reconcile(f: &Facts) -> Proposals {
    let mut s = sched::sched_facts(f);
    let volume_refusals = volume_binding::prefilter(f, &mut s.pending);
    if s.pending.is_empty() {
        return volume_refusals.into();
    }
    let syms = |name: &str| f.syms.get(name).unwrap_or(u32::MAX);
    let names = Names(syms(TAINT_UNSCHEDULABLE), syms(sched::NAME_FIELD), syms(sched::BIND_ALL));
    let mut rt = Crepe::new();
    rt.extend([names]);
    rt.extend(s.pending.iter().map(|&(p, c, r)| Pending(p, c, r)));
    for c in &s.classes {
        rt.extend([Class(c.id)]);
        rt.extend(
            c.requests
                .iter()
                .enumerate()
                .filter(|(_, &v)| v > 0)
                .map(|(r, &v)| ClassRequests(c.id, r as u32, v)),
        );
        rt.extend(c.node_selector.iter().map(|&(k, v)| ClassSelects(c.id, k, v)));
        rt.extend(c.tolerations.iter().map(|t| ClassTolerates(c.id, t.key, t.exists, t.value, t.effect)));
        if let Some(terms) = &c.affinity {
            rt.extend([ClassAffinity(c.id)]);
            rt.extend(terms.iter().map(|&t| ClassTerm(c.id, t)));
        }
        rt.extend(c.host_ports.iter().map(|p| ClassPort(c.id, p.ip, p.protocol, p.port)));
    }
    for (t, reqs) in s.terms.iter().enumerate() {
        rt.extend(reqs.iter().map(|&r| TermRequires(t as u32, r)));
    }
    for (id, r) in s.requirements.iter().enumerate() {
        let id = id as u32;
        rt.extend([Requirement(id, r.field, r.key, r.op, r.valid)]);
        rt.extend(r.values.iter().map(|&v| RequirementValue(id, v)));
        if matches!(r.op, OP_GT | OP_LT) {
            rt.extend([RequirementNumber(id, r.number)]);
        }
    }
    // Label keys some Gt/Lt requirement compares: only their values are parsed as integers.
    let numeric_keys: FxHashSet<Sym> =
        s.requirements.iter().filter(|r| matches!(r.op, OP_GT | OP_LT)).map(|r| r.key).collect();
    for (i, n) in f.nodes.iter().enumerate() {
        rt.extend([Node(n.id, n.name)]);
        if n.unschedulable {
            rt.extend([NodeCordoned(n.id)]);
        }
        rt.extend(n.labels.iter().map(|&(k, v)| NodeLabel(n.id, k, v)));
        rt.extend(
            n.labels
                .iter()
                .filter(|(k, _)| numeric_keys.contains(k))
                .filter_map(|&(k, v)| Some(NodeLabelNumber(n.id, k, f.syms.resolve(v).parse().ok()?))),
        );
        rt.extend(n.taints.iter().map(|t| NodeTaint(n.id, t.key, t.value, t.effect)));
        let free = &s.free[i];
        rt.extend(free.free.iter().enumerate().map(|(r, &v)| NodeFree(n.id, r as u32, v)));
        rt.extend([NodePods(n.id, free.pods)]);
    }
    rt.extend(s.used_ports.iter().map(|&(n, p)| NodePort(n, p.ip, p.protocol, p.port)));
    let (
        pinned,
        conflicts,
        pinned_candidates,
        cordoned,
        untolerated_taints,
        affinity_misses,
        port_clashes,
        class_clashes,
        short,
        full,
        feasible,
        unschedulable,
    ) = rt.run_with_hasher::<FxBuildHasher>();

    let mut feasible: Vec<(u32, Id)> = feasible.into_iter().map(|Feasible(c, n)| (c, n)).collect();
    feasible.sort_unstable();
    let mut clashes: Vec<(u32, u32)> = class_clashes.into_iter().map(|ClassesClash(a, b)| (a, b)).collect();
    clashes.sort_unstable();
    let mut feasible_count: FxHashMap<u32, usize> = FxHashMap::default();
    for &(c, _) in &feasible {
        *feasible_count.entry(c).or_default() += 1;
    }
    let class_of: FxHashMap<Id, u32> = s.pending.iter().map(|&(p, c, _)| (p, c)).collect();
    let mut place = placement::Crepe::new();
    place.extend(s.pending.iter().map(|&(p, c, r)| placement::Pending(p, c, r)));
    place.extend(
        placement_slots(f, &s, &feasible, &clashes).into_iter().map(|(c, r, n)| placement::Slot(c, r, n)),
    );
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
    let filters = Filtered {
        cordoned: cordoned.into_iter().map(|Cordoned(c, n)| (c, n)).collect(),
        untolerated_taints,
        affinity_misses: affinity_misses.into_iter().map(|AffinityMiss(c, n)| (c, n)).collect(),
        conflicts: conflicts.into_iter().map(|AffinityConflict(c)| c).collect(),
        pinned: pinned.into_iter().map(|PinnedAll(c)| c).collect(),
        pinned_candidates: {
            let mut by_class: FxHashMap<u32, Vec<Id>> = FxHashMap::default();
            for PinnedCandidate(c, n) in pinned_candidates {
                by_class.entry(c).or_default().push(n);
            }
            by_class
        },
        port_clashes: port_clashes.into_iter().map(|PortClash(c, n)| (c, n)).collect(),
        short: short.into_iter().map(|Short(c, n, r)| (c, n, r)).collect(),
        full: full.into_iter().map(|PodsFull(n)| n).collect(),
    };
    let wanted: FxHashSet<u32> = unschedulable.iter().map(|u| u.1).collect();
    let diagnosis = Diagnosis::new(f, &s, &filters, &wanted);
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
    cordoned: Set<(u32, Id)>,
    untolerated_taints: Set<UntoleratedTaint>,
    affinity_misses: Set<(u32, Id)>,
    conflicts: Set<u32>,
    /// Classes NodeAffinity's PreFilter narrows to the nodes it names, and those nodes.
    pinned: Set<u32>,
    pinned_candidates: FxHashMap<u32, Vec<Id>>,
    port_clashes: Set<(u32, Id)>,
    short: Set<(u32, Id, u32)>,
    full: Set<Id>,
}

/// Why a class fits nowhere, in upstream's FailedScheduling words: a NodeAffinity PreFilter
/// conflict alone, otherwise for each node the first filter that rejects it in the default
/// plugin order (NodeResourcesFit names every resource that is short), counted per reason, the
/// "N reason" strings sorted as upstream sorts them.
struct Diagnosis {
    nodes: usize,
    per_class: FxHashMap<u32, Vec<String>>,
}

impl Diagnosis {
    fn new(f: &Facts, s: &SchedFacts, x: &Filtered, wanted: &FxHashSet<u32>) -> Diagnosis {
        let mut per_class = FxHashMap::default();
        let node_index: FxHashMap<Id, usize> = f.nodes.iter().enumerate().map(|(i, n)| (n.id, i)).collect();
        for c in s.classes.iter().filter(|c| wanted.contains(&c.id)) {
            if x.conflicts.contains(&c.id) {
                per_class.insert(c.id, vec!["pod affinity terms conflict".to_string()]);
                continue;
            }
            let mut reasons: std::collections::BTreeMap<String, usize> = Default::default();
            // PreFilter left out the nodes a pinned class does not name.
            let filtered: Vec<&crate::facts::NodeF> = if x.pinned.contains(&c.id) {
                let named = x.pinned_candidates.get(&c.id).map_or(&[][..], Vec::as_slice);
                let nodes: Vec<&crate::facts::NodeF> =
                    named.iter().filter_map(|n| f.nodes.get(*node_index.get(n)?)).collect();
                let outside = f.nodes.len() - nodes.len();
                if outside > 0 {
                    reasons.insert("node(s) didn't satisfy plugin(s) [NodeAffinity]".into(), outside);
                }
                nodes
            } else {
                f.nodes.iter().collect()
            };
            for n in filtered {
                for r in Self::node_reasons(f, s, x, c.id, n) {
                    *reasons.entry(r).or_default() += 1;
                }
            }
            let mut parts: Vec<String> = reasons.into_iter().map(|(r, n)| format!("{n} {r}")).collect();
            parts.sort();
            per_class.insert(c.id, parts);
        }
        Diagnosis { nodes: f.nodes.len(), per_class }
    }

    fn node_reasons(f: &Facts, s: &SchedFacts, x: &Filtered, c: u32, n: &crate::facts::NodeF) -> Vec<String> {
        let at = (c, n.id);
        if x.cordoned.contains(&at) {
            return vec!["node(s) were unschedulable".into()];
        }
        // upstream names the first untolerated taint in the node's order.
        if let Some(t) = n
            .taints
            .iter()
            .find(|t| x.untolerated_taints.contains(&UntoleratedTaint(c, n.id, t.key, t.value, t.effect)))
        {
            return vec![format!(
                "node(s) had untolerated taint {{{}: {}}}",
                f.syms.resolve(t.key),
                f.syms.resolve(t.value)
            )];
        }
        if x.affinity_misses.contains(&at) {
            return vec!["node(s) didn't match Pod's node affinity/selector".into()];
        }
        if x.port_clashes.contains(&at) {
            return vec!["node(s) didn't have free ports for the requested pod ports".into()];
        }
        let mut out = Vec::new();
        if x.full.contains(&n.id) {
            out.push("Too many pods".to_string());
        }
        for (r, name) in s.resources.iter().enumerate() {
            if x.short.contains(&(c, n.id, r as u32)) {
                out.push(format!("Insufficient {name}"));
            }
        }
        out
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
