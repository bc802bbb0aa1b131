//! DefaultPreemption, the scheduler's PostFilter (upstream
//! `framework/plugins/defaultpreemption/default_preemption.go` and
//! `framework/preemption/preemption.go`): when a pod fits no node, find nodes where removing
//! lower-priority pods lets it fit, choose one, delete the victims there and nominate the node
//! for the pod, which is bound on a later step once the victims are gone.
//!
//! Pending pods that fail alike are evaluated once per *group*: equal scheduling class,
//! priority, preemption policy and nominated node. The group's first pod in the queue is the
//! preemptor.
//!
//! - `PodEligibleToPreemptOthers` ([`victims`]): not with `preemptionPolicy: Never` ("not
//!   eligible due to preemptionPolicy=Never."), nor while a lower-priority pod on the pod's
//!   nominated node is terminating by preemption (deleted, with the DisruptionTarget condition
//!   of reason PreemptionByScheduler) — unless that node now refuses the pod unresolvably ("not
//!   eligible due to a terminating pod on the nominated node.").
//! - `nodesWherePreemptionMightHelp`: the nodes whose first failing filter is resolvable by
//!   removing pods (upstream `Unschedulable`): NodePorts and NodeResourcesFit. NodeUnschedulable,
//!   TaintToleration, NodeAffinity, a missing topology key and unmet pod affinity are
//!   `UnschedulableAndUnresolvable` ("Preemption is not helpful for scheduling"). konverge
//!   counts a node refused only by PodTopologySpread's skew or by (existing pods')
//!   anti-affinity as unresolvable too: it does not re-run those filters with victims removed.
//! - `SelectVictimsOnNode`: the potential victims are the pods on the node of lower priority
//!   than the preemptor (none: "No preemption victims found for incoming pod"); with all of
//!   them removed the pod must fit (else the filter's own reasons, "Insufficient cpu", …);
//!   then each is added back, most important first (higher priority, then earlier start): a
//!   pod that can come back with the pod still fitting is reprieved, the others are victims.
//!   PodDisruptionBudgets are not modelled (no disruption controller computes their
//!   `disruptionsAllowed`): no victim violates one.
//! - `pickOneNodeForPreemption` ([`pick`]): the fewest PDB violations, then the lowest highest
//!   victim priority, the lowest sum of victim priorities (each shifted by 2³¹), the fewest
//!   victims, the latest start among the highest-priority victims (a victim not started counts
//!   as now), then — where upstream takes the first of a random scan — the node name.
//! - Upstream preempts for one pod per scheduling cycle; konverge lets the first group in queue
//!   order that has a candidate preempt in a step, the others try again on the next step.
//!   Upstream dry-runs a random sample of at least 100 nodes (10 %) once more than 100 are
//!   candidates; konverge looks at every node. Nominated pods do not reserve room on their
//!   nominated node for the other pods (`RunFilterPluginsWithNominatedPods`).
//!
//! The preemption: each victim gets the DisruptionTarget condition (reason
//! PreemptionByScheduler, "default-scheduler: preempting to accommodate a higher priority pod")
//! and is deleted gracefully, with the Normal event "Preempted by pod <uid> on node <node>";
//! lower-priority pods nominated to the node lose their nomination; the preemptor gets
//! `status.nominatedNodeName`. Its FailedScheduling message gets upstream's
//! "preemption: …" suffix whenever preemption did not succeed.

use crate::actions::{Action, Change, EventType, Precondition, Propagation};
use crate::facts::sched::{self, SchedFacts};
use crate::facts::{Facts, Id, Phase};
use crate::model;
use rustc_hash::{FxBuildHasher, FxHashMap, FxHashSet};
use serde_json::{json, Value};

/// Victim selection, per group of preemptors and node.
pub mod victims {
    use super::{NOT_RECHECKED, UNRESOLVABLE};
    use crate::facts::{Id, Sym};
    use crepe::crepe;

    crepe! {
        // (group, class, priority) of each group of unschedulable pods.
        @input
        pub struct Group(pub u32, pub u32, pub i64);
        // preemptionPolicy: Never.
        @input
        pub struct GroupNever(pub u32);
        // The group's `status.nominatedNodeName`.
        @input
        pub struct GroupNominated(pub u32, pub Id);
        // (node, priority) of each pod on the node terminating by preemption.
        @input
        pub struct Terminating(pub Id, pub i64);
        // (class, node, filter order, status): a filter refusing the class on the node, in the
        // default profile's order, with its status ([`UNRESOLVABLE`], [`RESOLVABLE`],
        // [`NOT_RECHECKED`]).
        @input
        pub struct Fails(pub u32, pub Id, pub u32, pub u8);
        // (pod, node, priority) of pods bound to nodes that are below some group's priority.
        @input
        pub struct Bound(pub Id, pub Id, pub i64);
        // Each node's pods of `Bound`, most important first: the head, and each next.
        @input
        pub struct ChainHead(pub Id, pub Id);
        @input
        pub struct ChainNext(pub Id, pub Id);
        // (pod, resource, amount): what the pod and every pod after it in its node's chain
        // request together.
        @input
        pub struct Suffix(pub Id, pub u32, pub i64);
        // (node, resource, room left) with every bound pod counted; the pod slots too.
        @input
        pub struct Free(pub Id, pub u32, pub i64);
        // (group, resource, amount) the group's pods request; (pod, resource, amount) a bound
        // pod requests. Every resource index, zeros included; a pod takes 1 pod slot.
        @input
        pub struct Want(pub u32, pub u32, pub i64);
        @input
        pub struct Wants(pub Id, pub u32, pub i64);
        // The resource indexes as a chain.
        @input
        pub struct ResFirst(pub u32);
        @input
        pub struct ResNext(pub u32, pub u32);
        @input
        pub struct ResLast(pub u32);
        // (group, host IP, protocol, host port) the group's pods ask for; (pod, node, priority,
        // host IP, protocol, host port) a bound pod holds; the interned `0.0.0.0`.
        @input
        pub struct GroupPort(pub u32, pub Sym, pub Sym, pub i64);
        @input
        pub struct PodPort(pub Id, pub Id, pub i64, pub Sym, pub Sym, pub i64);
        @input
        pub struct BindAll(pub Sym);

        // (group, pod, node, priority): a bound pod holds a host port clashing with one the
        // group's pods ask for (NodePorts' `CheckConflict`).
        struct PortHolder(u32, Id, Id, i64);
        PortHolder(g, v, n, vp) <-
            GroupPort(g, ip, pr, port), PodPort(v, n, vp, ip2, pr, port), BindAll(any),
            (ip == any || ip2 == any || ip == ip2);

        // PodEligibleToPreemptOthers.
        struct EarlierFail(u32, Id, u32);
        struct FirstFailing(u32, Id, u8);
        struct NominatedUnresolvable(u32);
        @output
        pub struct WaitsForVictims(pub u32);
        @output
        pub struct Eligible(pub u32);

        EarlierFail(c, n, o) <- Fails(c, n, o, _), Fails(c, n, o2, _), (o2 < o);
        FirstFailing(c, n, status) <- Fails(c, n, o, status), !EarlierFail(c, n, o);
        NominatedUnresolvable(g) <- GroupNominated(g, n), Group(g, c, _), FirstFailing(c, n, UNRESOLVABLE);
        WaitsForVictims(g) <-
            GroupNominated(g, n), Group(g, _, prio), Terminating(n, vp), (vp < prio),
            !NominatedUnresolvable(g), !GroupNever(g);
        Eligible(g) <- Group(g, _, _), !GroupNever(g), !WaitsForVictims(g);

        // nodesWherePreemptionMightHelp.
        @output
        pub struct Potential(pub u32, pub Id);

        // Nodes refused by a filter konverge does not re-run with victims removed.
        @output
        pub struct NotRechecked(pub u32, pub Id);

        Potential(g, n) <- Eligible(g), Group(g, c, _), FirstFailing(c, n, status), (status != UNRESOLVABLE);
        NotRechecked(g, n) <- Potential(g, n), Group(g, c, _), FirstFailing(c, n, NOT_RECHECKED);

        // SelectVictimsOnNode: the first potential victim in the node's chain.
        struct FirstVictim(u32, Id, Id);
        struct HasVictim(u32, Id);
        @output
        pub struct NoVictims(pub u32, pub Id);

        FirstVictim(g, n, v) <- Potential(g, n), Group(g, _, prio), ChainHead(n, v), Bound(v, _, vp), (vp < prio);
        FirstVictim(g, n, w) <-
            Potential(g, n), Group(g, _, prio), Bound(v, n, vp), (vp >= prio), ChainNext(v, w),
            Bound(w, _, wp), (wp < prio);
        HasVictim(g, n) <- FirstVictim(g, n, _);
        NoVictims(g, n) <- Potential(g, n), !HasVictim(g, n);

        // (group, node, pod, resource, room) before deciding the pod: every potential victim
        // removed, minus the pods reprieved before it.
        struct Left(u32, Id, Id, u32, i64);
        Left(g, n, v, r, a) <- FirstVictim(g, n, v), Free(n, r, free), Suffix(v, r, s), let a = free + s;

        // With every potential victim removed the pod must fit: NodePorts (a pod that stays
        // holds a clashing port), then NodeResourcesFit (every resource it asks for).
        @output
        pub struct PortBlocked(pub u32, pub Id);
        @output
        pub struct ShortEmptied(pub u32, pub Id, pub u32);
        struct Short(u32, Id);

        PortBlocked(g, n) <- Potential(g, n), Group(g, _, prio), PortHolder(g, _, n, vp), (vp >= prio);
        ShortEmptied(g, n, r) <- FirstVictim(g, n, v), Left(g, n, v, r, a), Want(g, r, w), (w > 0 && w > a);
        Short(g, n) <- ShortEmptied(g, n, _);

        // Reprieve, most important first: the pod comes back when the preemptor still fits
        // with it on every resource and it holds no clashing port.
        struct PortVictim(u32, Id);
        struct FitsUpTo(u32, Id, Id, u32);
        struct Reprieved(u32, Id, Id);
        @output
        pub struct Victim(pub u32, pub Id, pub Id);

        PortVictim(g, v) <- PortHolder(g, v, _, vp), Group(g, _, prio), (vp < prio);
        FitsUpTo(g, n, v, r) <-
            Left(g, n, v, r, a), ResFirst(r), Wants(v, r, x), Want(g, r, w), (w == 0 || a - x >= w);
        FitsUpTo(g, n, v, r2) <-
            FitsUpTo(g, n, v, r), ResNext(r, r2), Left(g, n, v, r2, a), Wants(v, r2, x), Want(g, r2, w),
            (w == 0 || a - x >= w);
        Reprieved(g, n, v) <- FitsUpTo(g, n, v, r), ResLast(r), !PortVictim(g, v);
        Victim(g, n, v) <- Left(g, n, v, r, a), Wants(v, r, x), Want(g, r, w), (w > 0 && a - x < w);
        Victim(g, n, v) <- Left(g, n, v, _, _), PortVictim(g, v);
        Left(g, n, w, r, b) <- Reprieved(g, n, v), ChainNext(v, w), Left(g, n, v, r, a), Wants(v, r, x), let b = a - x;
        Left(g, n, w, r, a) <- Victim(g, n, v), ChainNext(v, w), Left(g, n, v, r, a);

        // A candidate: the pod fits once some pods are gone.
        @output
        pub struct Candidate(pub u32, pub Id);

        Candidate(g, n) <- HasVictim(g, n), !Short(g, n), !PortBlocked(g, n), !NotRechecked(g, n);
    }
}

/// pickOneNodeForPreemption, and which group preempts this step.
pub mod pick {
    use crate::facts::Id;
    use crepe::crepe;

    crepe! {
        // (group, node, PDB violations, highest victim priority, sum of victim priorities each
        // plus 2³¹, victims, earliest start among the highest-priority victims, node name rank).
        @input
        pub struct Summary(pub u32, pub Id, pub i64, pub i64, pub i64, pub i64, pub i64, pub i64);
        // The groups in queue order.
        @input
        pub struct QueueHead(pub u32);
        @input
        pub struct QueueNext(pub u32, pub u32);

        struct Beaten(u32, Id);
        @output
        pub struct Best(pub u32, pub Id);
        struct HasBest(u32);
        struct Walk(u32);
        @output
        pub struct Preempt(pub u32, pub Id);

        Beaten(g, n) <-
            Summary(g, n, pdb, high, sum, count, start, rank),
            Summary(g, n2, pdb2, high2, sum2, count2, start2, rank2), (n2 != n),
            ((pdb2, high2, sum2, count2, -start2, rank2) < (pdb, high, sum, count, -start, rank));
        Best(g, n) <- Summary(g, n, _, _, _, _, _, _), !Beaten(g, n);
        HasBest(g) <- Best(g, _);
        Walk(g) <- QueueHead(g);
        Walk(g2) <- Walk(g), !HasBest(g), QueueNext(g, g2);
        Preempt(g, n) <- Walk(g), Best(g, n);
    }
}

/// The reason of a node PostFilter could not use, for FitError's histogram.
pub const NOT_HELPFUL: &str = "Preemption is not helpful for scheduling";
pub const NO_VICTIMS: &str = "No preemption victims found for incoming pod";
pub const NOT_ELIGIBLE_NEVER: &str = "not eligible due to preemptionPolicy=Never.";
pub const NOT_ELIGIBLE_TERMINATING: &str = "not eligible due to a terminating pod on the nominated node.";
const PORTS: &str = "node(s) didn't have free ports for the requested pod ports";

/// A filter's status: `UnschedulableAndUnresolvable`, `Unschedulable`, or `Unschedulable` by a
/// filter konverge does not re-run with victims removed (PodTopologySpread's skew,
/// InterPodAffinity's anti-affinity): such a node is a candidate for nothing, and keeps the
/// filter's own reason when it has potential victims (upstream's outcome whenever the victims
/// do not count in the constraint).
pub const UNRESOLVABLE: u8 = 0;
pub const RESOLVABLE: u8 = 1;
pub const NOT_RECHECKED: u8 = 2;

/// The filter order of [`victims::Fails`].
pub const ORDER_PREFILTER: u32 = 0;
pub const ORDER_UNSCHEDULABLE: u32 = 1;
pub const ORDER_TAINTS: u32 = 2;
pub const ORDER_AFFINITY: u32 = 3;
pub const ORDER_PORTS: u32 = 4;
pub const ORDER_RESOURCES: u32 = 5;
pub const ORDER_SPREAD: u32 = 6;
pub const ORDER_INTER_POD: u32 = 7;

/// What the scheduler hands PostFilter: the unschedulable pods with their class, each
/// (class, node, filter order, status) refusal, and the reason of each (class, node) refused
/// by a filter PostFilter does not re-run ([`NOT_RECHECKED`]).
pub struct Failures {
    pub pods: Vec<(Id, u32)>,
    pub fails: Vec<(u32, Id, u32, u8)>,
    pub not_rechecked: FxHashMap<(u32, Id), String>,
}

/// What PostFilter decided: the suffix of each pod's FailedScheduling message (empty when
/// preemption succeeded or will be tried next step), the nomination to write on each pod
/// (`Some("")` clears it), and the preemption's own actions.
#[derive(Default)]
pub struct Outcome {
    pub suffix: FxHashMap<Id, String>,
    pub nominate: FxHashMap<Id, String>,
    pub actions: Vec<Action>,
}

/// A group's key: (class, priority, preemptionPolicy Never, nominated node).
type GroupKey = (u32, i64, bool, Option<Id>);

/// A pod's `status.nominatedNodeName` as a node id, when that node exists.
fn nominated_node(f: &Facts, pod: Id, by_name: &FxHashMap<&str, Id>) -> Option<Id> {
    by_name.get(model::str_at(f.raw(pod), &["status", "nominatedNodeName"])).copied()
}

/// `podTerminatingByPreemption`: deleted, with DisruptionTarget True of reason
/// PreemptionByScheduler.
fn terminating_by_preemption(f: &Facts, pod: Id) -> bool {
    f.pod(pod).is_some_and(|p| p.deleting)
        && model::condition(f.raw(pod), "DisruptionTarget").is_some_and(|c| {
            model::str_at(c, &["status"]) == "True"
                && model::str_at(c, &["reason"]) == "PreemptionByScheduler"
        })
}

/// A pod's start as `util.GetPodStartTime` reads it (`status.startTime`; not started: now).
/// `util.MoreImportantPod` orders by higher priority, then earlier start; konverge then by key.
fn start_time(f: &Facts, p: &crate::facts::PodF) -> i64 {
    if p.started > 0 {
        p.started
    } else {
        f.now
    }
}

/// Run PostFilter for the pods the filters left unschedulable.
pub fn post_filter(f: &Facts, s: &SchedFacts, failures: &Failures) -> Outcome {
    let mut out = Outcome::default();
    if failures.pods.is_empty() {
        return out;
    }
    let by_name: FxHashMap<&str, Id> = f.nodes.iter().map(|n| (f.key(n.id).name.as_str(), n.id)).collect();
    // Groups in queue order (the pods come in queue order: priority, then age, then key).
    let mut queue: Vec<(Id, u32)> = failures.pods.clone();
    queue.sort_by(|a, b| {
        let (pa, pb) = (f.pod(a.0), f.pod(b.0));
        let key = |p: Option<&crate::facts::PodF>| p.map_or((0, 0), |p| (-p.priority, p.created));
        key(pa).cmp(&key(pb)).then_with(|| f.key(a.0).cmp(f.key(b.0)))
    });
    let mut groups: Vec<(GroupKey, Vec<Id>)> = Vec::new();
    let mut group_of: FxHashMap<GroupKey, usize> = FxHashMap::default();
    for &(pod, class) in &queue {
        let Some(p) = f.pod(pod) else { continue };
        let never =
            model::str_at(f.raw(pod), &["spec", "preemptionPolicy"]) == crate::priority::PREEMPT_NEVER;
        let key = (class, p.priority, never, nominated_node(f, pod, &by_name));
        let g = *group_of.entry(key).or_insert_with(|| {
            groups.push((key, Vec::new()));
            groups.len() - 1
        });
        groups[g].1.push(pod);
    }

    let mut rt = victims::Crepe::new();
    for (g, ((class, prio, never, nominated), _)) in groups.iter().enumerate() {
        let g = g as u32;
        rt.extend([victims::Group(g, *class, *prio)]);
        if *never {
            rt.extend([victims::GroupNever(g)]);
        }
        if let Some(n) = nominated {
            rt.extend([victims::GroupNominated(g, *n)]);
        }
    }
    rt.extend(failures.fails.iter().map(|&(c, n, o, r)| victims::Fails(c, n, o, r)));
    let node_of = |p: &crate::facts::PodF| p.node.and_then(|n| by_name.get(f.syms.resolve(n)).copied());
    for p in f.pods.iter().filter(|p| p.deleting) {
        if let (Some(n), true) = (node_of(p), terminating_by_preemption(f, p.id)) {
            rt.extend([victims::Terminating(n, p.priority)]);
        }
    }
    // Only pods below some group's priority can be victims; the others stay in `Free`.
    let top = groups.iter().map(|(k, _)| k.1).max().unwrap_or(i64::MIN);
    let names = &s.resources;
    let pods_slot = names.len() as u32;
    let dense = |r: &sched::Requests| {
        let mut v = sched::requests_by_index(names, r);
        v.push(1);
        v
    };
    let mut by_node: FxHashMap<Id, Vec<&crate::facts::PodF>> = FxHashMap::default();
    for p in
        f.pods.iter().filter(|p| p.priority < top && !matches!(p.phase, Phase::Succeeded | Phase::Failed))
    {
        if let Some(n) = node_of(p) {
            by_node.entry(n).or_default().push(p);
        }
    }
    let mut chains: Vec<(Id, Vec<&crate::facts::PodF>)> = by_node.into_iter().collect();
    chains.sort_unstable_by_key(|c| c.0);
    for (n, pods) in &mut chains {
        pods.sort_by(|a, b| {
            (-a.priority, start_time(f, a))
                .cmp(&(-b.priority, start_time(f, b)))
                .then_with(|| f.key(a.id).cmp(f.key(b.id)))
        });
        let mut suffix = vec![0i64; names.len() + 1];
        for (i, p) in pods.iter().enumerate().rev() {
            let wants = dense(&p.requests);
            for (acc, w) in suffix.iter_mut().zip(&wants) {
                *acc = acc.saturating_add(*w);
            }
            rt.extend([victims::Bound(p.id, *n, p.priority)]);
            rt.extend(suffix.iter().enumerate().map(|(r, &a)| victims::Suffix(p.id, r as u32, a)));
            rt.extend(wants.iter().enumerate().map(|(r, &x)| victims::Wants(p.id, r as u32, x)));
            match i {
                0 => rt.extend([victims::ChainHead(*n, p.id)]),
                _ => rt.extend([victims::ChainNext(pods[i - 1].id, p.id)]),
            }
        }
    }
    for (i, n) in f.nodes.iter().enumerate() {
        let free = &s.free[i];
        rt.extend(free.free.iter().enumerate().map(|(r, &a)| victims::Free(n.id, r as u32, a)));
        rt.extend([victims::Free(n.id, pods_slot, free.pods)]);
    }
    rt.extend([victims::ResFirst(0)]);
    rt.extend([victims::ResLast(pods_slot)]);
    rt.extend((0..pods_slot).map(|r| victims::ResNext(r, r + 1)));
    for (g, ((class, ..), _)) in groups.iter().enumerate() {
        let Some(c) = s.classes.get(*class as usize) else { continue };
        let g = g as u32;
        rt.extend(c.requests.iter().enumerate().map(|(r, &w)| victims::Want(g, r as u32, w)));
        rt.extend([victims::Want(g, pods_slot, 1)]);
        rt.extend(c.host_ports.iter().map(|hp| victims::GroupPort(g, hp.ip, hp.protocol, hp.port)));
    }
    if groups
        .iter()
        .any(|((class, ..), _)| s.classes.get(*class as usize).is_some_and(|c| !c.host_ports.is_empty()))
    {
        rt.extend([victims::BindAll(f.syms.get(sched::BIND_ALL).unwrap_or(u32::MAX))]);
        for p in f
            .pods
            .iter()
            .filter(|p| !p.host_ports.is_empty() && !matches!(p.phase, Phase::Succeeded | Phase::Failed))
        {
            let Some(n) = node_of(p) else { continue };
            rt.extend(
                p.host_ports
                    .iter()
                    .map(|hp| victims::PodPort(p.id, n, p.priority, hp.ip, hp.protocol, hp.port)),
            );
        }
    }
    let (waits, eligible, potential, not_rechecked, no_victims, port_blocked, short, victim_rows, candidates) =
        rt.run_with_hasher::<FxBuildHasher>();

    // Aggregates pickOneNodeForPreemption compares, per candidate.
    let candidates: FxHashSet<(u32, Id)> =
        candidates.into_iter().map(|victims::Candidate(g, n)| (g, n)).collect();
    let mut chosen: FxHashMap<(u32, Id), Vec<&crate::facts::PodF>> = FxHashMap::default();
    for victims::Victim(g, n, v) in victim_rows {
        if candidates.contains(&(g, n)) {
            if let Some(p) = f.pod(v) {
                chosen.entry((g, n)).or_default().push(p);
            }
        }
    }
    let name_rank: FxHashMap<Id, i64> = {
        let mut nodes: Vec<Id> = f.nodes.iter().map(|n| n.id).collect();
        nodes.sort_by(|a, b| f.key(*a).cmp(f.key(*b)));
        nodes.into_iter().enumerate().map(|(i, n)| (n, i as i64)).collect()
    };
    let mut picker = pick::Crepe::new();
    for ((g, n), victims) in &mut chosen {
        victims.sort_by(|a, b| {
            (-a.priority, start_time(f, a))
                .cmp(&(-b.priority, start_time(f, b)))
                .then_with(|| f.key(a.id).cmp(f.key(b.id)))
        });
        let summary = victim_summary(f, victims);
        let rank = name_rank.get(n).copied().unwrap_or(0);
        picker.extend([pick::Summary(*g, *n, 0, summary.0, summary.1, summary.2, summary.3, rank)]);
    }
    picker.extend((0..groups.len() as u32).take(1).map(pick::QueueHead));
    picker.extend((1..groups.len() as u32).map(|g| pick::QueueNext(g - 1, g)));
    let (best, preempt) = picker.run_with_hasher::<FxBuildHasher>();

    // Messages.
    let waits: FxHashSet<u32> = waits.into_iter().map(|victims::WaitsForVictims(g)| g).collect();
    let eligible: FxHashSet<u32> = eligible.into_iter().map(|victims::Eligible(g)| g).collect();
    let best: FxHashSet<u32> = best.into_iter().map(|pick::Best(g, _)| g).collect();
    let potential: FxHashSet<(u32, Id)> =
        potential.into_iter().map(|victims::Potential(g, n)| (g, n)).collect();
    let not_rechecked: FxHashSet<(u32, Id)> =
        not_rechecked.into_iter().map(|victims::NotRechecked(g, n)| (g, n)).collect();
    let no_victims: FxHashSet<(u32, Id)> =
        no_victims.into_iter().map(|victims::NoVictims(g, n)| (g, n)).collect();
    let port_blocked: FxHashSet<(u32, Id)> =
        port_blocked.into_iter().map(|victims::PortBlocked(g, n)| (g, n)).collect();
    let short: FxHashSet<(u32, Id, u32)> =
        short.into_iter().map(|victims::ShortEmptied(g, n, r)| (g, n, r)).collect();
    for (g, ((_, _, never, nominated), members)) in groups.iter().enumerate() {
        let g = g as u32;
        let suffix = if *never {
            format!("preemption: {NOT_ELIGIBLE_NEVER}")
        } else if waits.contains(&g) {
            format!("preemption: {NOT_ELIGIBLE_TERMINATING}")
        } else if best.contains(&g) || !eligible.contains(&g) {
            String::new()
        } else {
            let mut reasons: std::collections::BTreeMap<String, usize> = Default::default();
            for n in &f.nodes {
                let at = (g, n.id);
                let mut node_reasons: Vec<String> = Vec::new();
                if !potential.contains(&at) {
                    node_reasons.push(NOT_HELPFUL.into());
                } else if no_victims.contains(&at) {
                    node_reasons.push(NO_VICTIMS.into());
                } else if not_rechecked.contains(&at) {
                    let class = groups[g as usize].0 .0;
                    node_reasons.extend(failures.not_rechecked.get(&(class, n.id)).cloned());
                } else if port_blocked.contains(&at) {
                    node_reasons.push(PORTS.into());
                } else {
                    if short.contains(&(g, n.id, pods_slot)) {
                        node_reasons.push("Too many pods".into());
                    }
                    for (r, name) in names.iter().enumerate() {
                        if short.contains(&(g, n.id, r as u32)) {
                            node_reasons.push(format!("Insufficient {name}"));
                        }
                    }
                }
                for r in node_reasons {
                    *reasons.entry(r).or_default() += 1;
                }
            }
            let mut parts: Vec<String> = reasons.into_iter().map(|(r, c)| format!("{c} {r}")).collect();
            parts.sort();
            if nominated.is_some() {
                for &p in members {
                    out.nominate.insert(p, String::new());
                }
            }
            format!("preemption: 0/{} nodes are available: {}.", f.nodes.len(), parts.join(", "))
        };
        if !suffix.is_empty() {
            for &p in members {
                out.suffix.insert(p, suffix.clone());
            }
        }
    }

    // The preemption of this step.
    let mut preempt: Vec<(u32, Id)> = preempt.into_iter().map(|pick::Preempt(g, n)| (g, n)).collect();
    preempt.sort_unstable();
    for (g, n) in preempt {
        let Some(&preemptor) = groups.get(g as usize).and_then(|(_, m)| m.first()) else { continue };
        let node = f.key(n).name.clone();
        out.nominate.insert(preemptor, node.clone());
        let victims = chosen.get(&(g, n)).cloned().unwrap_or_default();
        out.actions.extend(preempt_victims(f, preemptor, &node, &victims));
        out.actions.extend(clear_lower_nominations(f, preemptor, &node));
    }
    out
}

/// (highest victim priority, sum of priorities each plus 2³¹, victims, earliest start among the
/// highest-priority victims) of victims sorted most important first.
pub fn victim_summary(f: &Facts, victims: &[&crate::facts::PodF]) -> (i64, i64, i64, i64) {
    let highest = victims.first().map_or(i64::MIN, |p| p.priority);
    let sum = victims.iter().map(|p| p.priority + (1i64 << 31)).sum();
    let earliest =
        victims.iter().filter(|p| p.priority == highest).map(|p| start_time(f, p)).min().unwrap_or(i64::MIN);
    (highest, sum, victims.len() as i64, earliest)
}

/// The victims' DisruptionTarget condition, their deletion and the Preempted event.
fn preempt_victims(f: &Facts, preemptor: Id, node: &str, victims: &[&crate::facts::PodF]) -> Vec<Action> {
    let raw = f.raw(preemptor);
    let scheduler = match model::str_at(raw, &["spec", "schedulerName"]) {
        "" => "default-scheduler",
        name => name,
    };
    let uid = model::uid(raw);
    let preemptor_key = f.key(preemptor);
    let mut out = Vec::new();
    for v in victims.iter().filter(|v| !v.deleting) {
        let key = f.key(v.id);
        let mut conditions: Vec<Value> = model::at(f.raw(v.id), &["status", "conditions"])
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|c| model::str_at(c, &["type"]) != "DisruptionTarget")
            .cloned()
            .collect();
        conditions.push(json!({
            "type": "DisruptionTarget", "status": "True", "reason": "PreemptionByScheduler",
            "message": format!("{scheduler}: preempting to accommodate a higher priority pod"),
            "lastTransitionTime": model::fmt_time(f.now),
        }));
        let why = format!("preempted for {} on {node}", preemptor_key.ns_name());
        out.push(Action::new(
            Change::Patch {
                key: key.clone(),
                patch: json!({"status": {"conditions": conditions}}),
                precondition: Precondition::None,
            },
            super::scheduler::NAME,
            why.clone(),
        ));
        out.push(
            Action::new(
                Change::Delete { key: key.clone(), propagation: Propagation::Background },
                super::scheduler::NAME,
                why,
            )
            .with_event(
                key,
                EventType::Normal,
                "Preempted",
                format!("Preempted by pod {uid} on node {node}"),
            ),
        );
    }
    out
}

/// Lower-priority pods nominated to `node` lose their nomination.
fn clear_lower_nominations(f: &Facts, preemptor: Id, node: &str) -> Vec<Action> {
    let priority = f.pod(preemptor).map_or(0, |p| p.priority);
    let mut pods: Vec<Id> = f
        .pods
        .iter()
        .filter(|p| p.id != preemptor && p.node.is_none() && p.priority < priority)
        .filter(|p| model::str_at(f.raw(p.id), &["status", "nominatedNodeName"]) == node)
        .map(|p| p.id)
        .collect();
    pods.sort_by(|a, b| f.key(*a).cmp(f.key(*b)));
    pods.into_iter()
        .map(|p| {
            Action::new(
                Change::Patch {
                    key: f.key(p).clone(),
                    patch: json!({"status": {"nominatedNodeName": null}}),
                    precondition: Precondition::None,
                },
                super::scheduler::NAME,
                format!("a higher-priority pod is nominated to {node}"),
            )
        })
        .collect()
}

/// PostFilter's suffix for a pod PreFilter refused (VolumeBinding): every node is
/// `UnschedulableAndUnresolvable`.
pub fn prefilter_suffix(f: &Facts, pod: Id) -> String {
    if model::str_at(f.raw(pod), &["spec", "preemptionPolicy"]) == crate::priority::PREEMPT_NEVER {
        return format!("preemption: {NOT_ELIGIBLE_NEVER}");
    }
    let n = f.nodes.len();
    format!("preemption: 0/{n} nodes are available: {n} {NOT_HELPFUL}.")
}
