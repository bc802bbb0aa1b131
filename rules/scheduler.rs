//! Scheduler: bind pending pods to nodes (upstream kube-scheduler's default filter plugins and
//! NodeResourcesFit's LeastAllocated score, `pkg/scheduler/framework/plugins`).
//!
//! PreEnqueue: a pod with scheduling gates is not queued ([`scheduling_gates`]).
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
//! Score, the default profile's plugins with their weights, summed:
//! - NodeResourcesFit LeastAllocated (1) over cpu and memory, with the incoming pod's own
//!   request added (so of two empty nodes the larger wins), containers without requests
//!   counting 100m / 200Mi;
//! - NodeResourcesBalancedAllocation (1): `(1 - std) * 100` of the cpu and memory fractions
//!   requested (as set, the pod's included); skipped for a pod that requests neither;
//! - NodeAffinity (2): the weights of the preferred terms the node matches, normalized to
//!   0–100 against the best node (`DefaultNormalizeScore`);
//! - TaintToleration (3): the node's PreferNoSchedule taints the pod does not tolerate,
//!   normalized reversed (fewest 100).
//!
//! ImageLocality (nodes list no images here), PodTopologySpread and InterPodAffinity (not
//! modelled) add nothing. Upstream picks at random among the best totals; konverge takes the
//! highest LeastAllocated in millionths (the same mean without rounding), then the node name.
//! The two normalized scores are scaled against the nodes feasible when the step starts.
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
use crate::controllers::{node_selector, taint_toleration};
use crate::controllers::{Controller, Proposals};
use crate::facts::node_selector::NAME_FIELD;
use crate::facts::sched::{self, SchedFacts};
use crate::facts::{Facts, Id, Sym, EMPTY, NO_EXECUTE, NO_SCHEDULE, PREFER_NO_SCHEDULE, TAINT_UNSCHEDULABLE};
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
    // (class, node): the nodes NodeAffinity's PreFilter leaves the class (`node_selector`'s
    // scope). Every filter below is evaluated on candidates only, so a class pinned to one
    // node (a daemon pod) costs one node, not all of them.
    @input
    pub struct Candidate(u32, Id);
    // (class, node): the class's nodeSelector and required node affinity match the node.
    @input
    pub struct SelectorMatches(u32, Id);
    // The class tolerates `node.kubernetes.io/unschedulable:NoSchedule`.
    @input
    pub struct ToleratesCordon(u32);
    // (class, node, key, value, effect) of each taint of the node the class does not tolerate.
    @input
    pub struct UntoleratedTaint(u32, Id, Sym, Sym, u8);
    // (term, class, weight) of each preferred node-affinity term, and the nodes it matches.
    @input
    pub struct PreferredTerm(u32, u32, i64);
    @input
    pub struct PreferredMatches(u32, Id);
    // (class, resource index, amount) of every resource the class's pods request.
    @input
    pub struct ClassRequests(u32, u32, i64);
    // (class, host IP, protocol, host port).
    @input
    pub struct ClassPort(u32, Sym, Sym, i64);
    // spec.unschedulable.
    @input
    pub struct NodeCordoned(Id);
    // (node, resource index, room left).
    @input
    pub struct NodeFree(Id, u32, i64);
    // Pod slots left.
    @input
    pub struct NodePods(Id, i64);
    // (node, host IP, protocol, host port) held by bound pods.
    @input
    pub struct NodePort(Id, Sym, Sym, i64);
    // The interned `0.0.0.0` host IP.
    @input
    pub struct BindAll(Sym);

    // NodeUnschedulable and TaintToleration.
    @output
    pub struct Cordoned(u32, Id);
    struct Untolerated(u32, Id);

    Untolerated(c, n) <- UntoleratedTaint(c, n, _, _, e), (e == NO_SCHEDULE || e == NO_EXECUTE);

    Cordoned(c, n) <- Candidate(c, n), NodeCordoned(n), !ToleratesCordon(c);

    // NodeAffinity.
    @output
    pub struct AffinityMiss(u32, Id);

    AffinityMiss(c, n) <- Candidate(c, n), !SelectorMatches(c, n);

    // NodePorts (upstream `HostPortInfo.CheckConflict`).
    @output
    pub struct PortClash(u32, Id);
    // Pods of the two classes may meet on a node and ask for a clashing host port (a class
    // with host ports clashes with itself: one such pod per node).
    @output
    pub struct ClassesClash(u32, u32);
    struct PortOnNode(Id, Sym, Sym, i64, u32);

    PortClash(c, n) <-
        Candidate(c, n), ClassPort(c, ip, pr, p), NodePort(n, ip2, pr, p), BindAll(any),
        (ip == any || ip2 == any || ip == ip2);
    PortOnNode(n, ip, pr, p, c) <- ClassPort(c, ip, pr, p), Candidate(c, n);
    ClassesClash(c, c2) <-
        PortOnNode(n, ip, pr, p, c), PortOnNode(n, ip2, pr, p, c2), BindAll(any),
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

    // The scores that do not change as pods are placed, on feasible nodes: NodeAffinity's
    // (class, node, term, weight) of each preferred term matching the node, and
    // TaintToleration's (class, node, key, value) of each PreferNoSchedule taint not tolerated.
    @output
    pub struct PreferredHit(u32, Id, u32, i64);
    @output
    pub struct PreferAvoided(u32, Id, Sym, Sym);

    PreferredHit(c, n, t, w) <- PreferredTerm(t, c, w), PreferredMatches(t, n), Feasible(c, n);
    PreferAvoided(c, n, k, v) <- UntoleratedTaint(c, n, k, v, e), (e == PREFER_NO_SCHEDULE), Feasible(c, n);
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

/// SchedulingGates (upstream `framework/plugins/schedulinggates`, a PreEnqueue plugin): a pod
/// with `spec.schedulingGates` is not queued at all — it stays Pending, its PodScheduled
/// condition (reason SchedulingGated, set by the API server when it was created) untouched —
/// until every gate is removed.
pub mod scheduling_gates {
    use crate::facts::{Facts, Id};
    use crate::model;
    use crepe::crepe;
    use rustc_hash::{FxBuildHasher, FxHashSet};
    use serde_json::Value;

    crepe! {
        @input
        pub struct Queued(pub Id);
        // The pod has scheduling gates.
        @input
        pub struct Gated(pub Id);

        @output
        pub struct Held(pub Id);

        Held(p) <- Queued(p), Gated(p);
    }

    /// Take the gated pods out of the queue (the rest keep their order, ranks renumbered).
    pub fn pre_enqueue(f: &Facts, pending: &mut Vec<(Id, u32, i64)>) {
        let gated = |p: Id| {
            model::at(f.raw(p), &["spec", "schedulingGates"])
                .and_then(Value::as_array)
                .is_some_and(|g| !g.is_empty())
        };
        let mut rt = Crepe::new();
        rt.extend(pending.iter().map(|&(p, _, _)| Queued(p)));
        rt.extend(pending.iter().filter(|&&(p, _, _)| gated(p)).map(|&(p, _, _)| Gated(p)));
        let (held,) = rt.run_with_hasher::<FxBuildHasher>();
        if !held.is_empty() {
            let held: FxHashSet<Id> = held.into_iter().map(|Held(p)| p).collect();
            super::leave_queue(pending, &held);
        }
    }
}

/// Take `left` out of the queue: the other pods keep their order, each class's ranks
/// renumbered from 0.
fn leave_queue(pending: &mut Vec<(Id, u32, i64)>, left: &FxHashSet<Id>) {
    pending.retain(|(p, _, _)| !left.contains(p));
    let mut next_rank: FxHashMap<u32, i64> = FxHashMap::default();
    for (_, class, rank) in pending.iter_mut() {
        let r = next_rank.entry(*class).or_default();
        *rank = *r;
        *r += 1;
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
    use rustc_hash::{FxBuildHasher, FxHashMap, FxHashSet};

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
        let left: FxHashSet<Id> = refused.iter().map(|r| r.0).collect();
        super::leave_queue(pending, &left);
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

/// NodeResourcesBalancedAllocation's score of a node with `cpu` millicores and `mem` bytes
/// requested (the incoming pod included, requests as set — no defaults) out of what it can
/// allocate: `(1 - std) * 100` truncated, `std` the standard deviation of the two fractions
/// (each capped at 1; a resource the node has none of is left out).
pub fn balanced_allocation(cpu: i64, cpu_alloc: i64, mem: i64, mem_alloc: i64) -> i64 {
    let fractions: Vec<f64> = [(cpu, cpu_alloc), (mem, mem_alloc)]
        .into_iter()
        .filter(|&(_, alloc)| alloc != 0)
        .map(|(req, alloc)| (req as f64 / alloc as f64).min(1.0))
        .collect();
    let std = match fractions.as_slice() {
        [a, b] => ((a - b) / 2.0).abs(),
        _ => 0.0,
    };
    ((1.0 - std) * 100.0) as i64
}

/// Upstream's `DefaultNormalizeScore`: scale `raw` to 0–100 against the highest raw score
/// among the nodes scored (`reverse`: the lowest raw score gets 100); all zero stay 0 (100
/// reversed).
pub fn normalize_score(raw: i64, max: i64, reverse: bool) -> i64 {
    let score = if max == 0 { 0 } else { 100 * raw / max };
    if reverse {
        100 - score
    } else {
        score
    }
}

/// Default profile weights of the scores konverge computes.
pub const WEIGHT_NODE_AFFINITY: i64 = 2;
pub const WEIGHT_TAINT_TOLERATION: i64 = 3;

/// The weighted scores that placing pods does not change, by (class, node), over each class's
/// feasible nodes: NodeAffinity (sum of the matching preferred terms' weights, normalized) and
/// TaintToleration (number of PreferNoSchedule taints not tolerated, normalized reversed).
/// Upstream normalizes over the nodes feasible for each pod; konverge over those feasible for
/// the class when the step starts, so a node filling up in the step leaves the scale as it was.
fn fixed_scores(
    feasible: &[(u32, Id)],
    hits: impl Iterator<Item = (u32, Id, i64)>,
    avoided: impl Iterator<Item = (u32, Id)>,
) -> FxHashMap<(u32, Id), i64> {
    let mut affinity: FxHashMap<(u32, Id), i64> = FxHashMap::default();
    for (c, n, w) in hits {
        *affinity.entry((c, n)).or_default() += w;
    }
    let mut taints: FxHashMap<(u32, Id), i64> = FxHashMap::default();
    for (c, n) in avoided {
        *taints.entry((c, n)).or_default() += 1;
    }
    let mut max: FxHashMap<u32, (i64, i64)> = FxHashMap::default();
    for &(c, n) in feasible {
        let m = max.entry(c).or_default();
        m.0 = m.0.max(affinity.get(&(c, n)).copied().unwrap_or(0));
        m.1 = m.1.max(taints.get(&(c, n)).copied().unwrap_or(0));
    }
    feasible
        .iter()
        .map(|&(c, n)| {
            let (max_affinity, max_taints) = max.get(&c).copied().unwrap_or_default();
            let a = normalize_score(affinity.get(&(c, n)).copied().unwrap_or(0), max_affinity, false);
            let t = normalize_score(taints.get(&(c, n)).copied().unwrap_or(0), max_taints, true);
            ((c, n), WEIGHT_NODE_AFFINITY * a + WEIGHT_TAINT_TOLERATION * t)
        })
        .collect()
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
/// (the nodes each class fits); `clashes` the pairs of classes whose host ports clash; `fixed`
/// the weighted scores placing pods does not change. Each node's k-th slot scores
/// LeastAllocated and BalancedAllocation with k pods of the class already added plus the one
/// being placed, plus `fixed`; the best total goes first, ties as the module says. Classes are placed in turn, each
/// seeing the room, load and host ports the classes before it took, so several shapes of pods
/// in one queue spread and fit instead of piling onto the same best nodes.
pub fn placement_slots(
    f: &Facts,
    s: &SchedFacts,
    feasible: &[(u32, Id)],
    clashes: &[(u32, u32)],
    fixed: &FxHashMap<(u32, Id), i64>,
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
        let (cpu_req, mem_req) = (class.requests[sched::CPU], class.requests[sched::MEMORY]);
        let best_effort = cpu_req == 0 && mem_req == 0;
        let score = |load: &[(i64, i64)], left: &[(Vec<i64>, i64)], i: usize, k: i64| {
            let n = &f.nodes[i];
            let (least, fine) = least_allocated(
                load[i].0 + (k + 1) * cpu,
                n.alloc.cpu_m,
                load[i].1 + (k + 1) * mem,
                n.alloc.mem,
            );
            let balanced = if best_effort {
                0
            } else {
                balanced_allocation(
                    n.alloc.cpu_m - left[i].0[sched::CPU] + (k + 1) * cpu_req,
                    n.alloc.cpu_m,
                    n.alloc.mem - left[i].0[sched::MEMORY] + (k + 1) * mem_req,
                    n.alloc.mem,
                )
            };
            (least + balanced + fixed.get(&(class.id, n.id)).copied().unwrap_or(0), fine)
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
                let (up, fine) = score(&load, &left, i, 0);
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
                let (up, fine) = score(&load, &left, i, k + 1);
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
    scheduling_gates::pre_enqueue(f, &mut s.pending);
    let volume_refusals = volume_binding::prefilter(f, &mut s.pending);
    if s.pending.is_empty() {
        return volume_refusals.into();
    }
    let syms = |name: &str| f.syms.get(name).unwrap_or(u32::MAX);
    let mut selectors = node_selector::Selectors::new(syms(NAME_FIELD));
    for c in &s.classes {
        selectors.add(c.id, &c.node_selector, c.affinity.as_ref());
    }
    let matching = selectors.run(&f.syms, f.nodes.iter().map(|n| (n.id, n.name, n.labels.as_slice())));
    let cordon = (syms(TAINT_UNSCHEDULABLE), EMPTY, NO_SCHEDULE);
    let mut taints = taint_toleration::Taints::new();
    for c in &s.classes {
        taints.holder(c.id, &c.tolerations);
    }
    for n in &f.nodes {
        taints.node(n.id, &n.taints, |e| e == NO_SCHEDULE || e == NO_EXECUTE || e == PREFER_NO_SCHEDULE);
    }
    taints.probe(cordon.0, cordon.1, cordon.2);
    taints.scope(matching.scope.iter().copied());
    let tolerance = taints.run();

    let mut rt = Crepe::new();
    rt.extend([BindAll(syms(sched::BIND_ALL))]);
    rt.extend(s.pending.iter().map(|&(p, c, r)| Pending(p, c, r)));
    rt.extend(matching.scope.iter().map(|&(c, n)| Candidate(c, n)));
    rt.extend(matching.matches.iter().map(|&(c, n)| SelectorMatches(c, n)));
    rt.extend(
        tolerance
            .tolerated
            .iter()
            .filter(|&&(_, k, v, e)| (k, v, e) == cordon)
            .map(|&(c, ..)| ToleratesCordon(c)),
    );
    rt.extend(tolerance.untolerated.iter().map(|&(c, n, k, v, e)| UntoleratedTaint(c, n, k, v, e)));
    let mut preferred = node_selector::Selectors::new(syms(NAME_FIELD));
    let mut term = 0u32;
    for c in &s.classes {
        for (weight, requirements) in &c.preferred {
            preferred.add_term(term, requirements);
            rt.extend([PreferredTerm(term, c.id, *weight)]);
            term += 1;
        }
    }
    if term > 0 {
        let nodes = f.nodes.iter().map(|n| (n.id, n.name, n.labels.as_slice()));
        rt.extend(preferred.run(&f.syms, nodes).matches.into_iter().map(|(t, n)| PreferredMatches(t, n)));
    }

    for c in &s.classes {
        rt.extend(
            c.requests
                .iter()
                .enumerate()
                .filter(|(_, &v)| v > 0)
                .map(|(r, &v)| ClassRequests(c.id, r as u32, v)),
        );
        rt.extend(c.host_ports.iter().map(|p| ClassPort(c.id, p.ip, p.protocol, p.port)));
    }
    for (i, n) in f.nodes.iter().enumerate() {
        if n.unschedulable {
            rt.extend([NodeCordoned(n.id)]);
        }
        let free = &s.free[i];
        rt.extend(free.free.iter().enumerate().map(|(r, &v)| NodeFree(n.id, r as u32, v)));
        rt.extend([NodePods(n.id, free.pods)]);
    }
    rt.extend(s.used_ports.iter().map(|&(n, p)| NodePort(n, p.ip, p.protocol, p.port)));
    let (
        cordoned,
        affinity_misses,
        port_clashes,
        class_clashes,
        short,
        full,
        feasible,
        unschedulable,
        preferred_hits,
        prefer_avoided,
    ) = rt.run_with_hasher::<FxBuildHasher>();

    let mut feasible: Vec<(u32, Id)> = feasible.into_iter().map(|Feasible(c, n)| (c, n)).collect();
    feasible.sort_unstable();
    let mut clashes: Vec<(u32, u32)> = class_clashes.into_iter().map(|ClassesClash(a, b)| (a, b)).collect();
    clashes.sort_unstable();
    let mut feasible_count: FxHashMap<u32, usize> = FxHashMap::default();
    for &(c, _) in &feasible {
        *feasible_count.entry(c).or_default() += 1;
    }
    let fixed = fixed_scores(
        &feasible,
        preferred_hits.into_iter().map(|PreferredHit(c, n, _, w)| (c, n, w)),
        prefer_avoided.into_iter().map(|PreferAvoided(c, n, ..)| (c, n)),
    );
    let class_of: FxHashMap<Id, u32> = s.pending.iter().map(|&(p, c, _)| (p, c)).collect();
    let mut place = placement::Crepe::new();
    place.extend(s.pending.iter().map(|&(p, c, r)| placement::Pending(p, c, r)));
    place.extend(
        placement_slots(f, &s, &feasible, &clashes, &fixed)
            .into_iter()
            .map(|(c, r, n)| placement::Slot(c, r, n)),
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
    let pinned: FxHashSet<u32> = matching.pinned.iter().copied().collect();
    let mut pinned_candidates: FxHashMap<u32, Vec<Id>> = FxHashMap::default();
    for &(c, n) in matching.scope.iter().filter(|(c, _)| pinned.contains(c)) {
        pinned_candidates.entry(c).or_default().push(n);
    }
    let filters = Filtered {
        cordoned: cordoned.into_iter().map(|Cordoned(c, n)| (c, n)).collect(),
        untolerated_taints: tolerance
            .untolerated
            .iter()
            .filter(|t| t.4 == NO_SCHEDULE || t.4 == NO_EXECUTE)
            .copied()
            .collect(),
        affinity_misses: affinity_misses.into_iter().map(|AffinityMiss(c, n)| (c, n)).collect(),
        conflicts: matching.conflicts.iter().copied().collect(),
        pinned,
        pinned_candidates,
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
    /// (class, node, key, value, effect) of each NoSchedule/NoExecute taint not tolerated.
    untolerated_taints: Set<(u32, Id, Sym, Sym, u8)>,
    affinity_misses: Set<(u32, Id)>,
    conflicts: Set<u32>,
    /// Classes NodeAffinity's PreFilter narrows to the nodes it names, and those nodes.
    pinned: FxHashSet<u32>,
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
        if let Some(t) =
            n.taints.iter().find(|t| x.untolerated_taints.contains(&(c, n.id, t.key, t.value, t.effect)))
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
