//! Scheduler: bind pending pods to nodes (upstream kube-scheduler's default profile,
//! `pkg/scheduler/framework/plugins`: its filters and scores).
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
//! - PodTopologySpread, for each `whenUnsatisfiable: DoNotSchedule` constraint: the node
//!   carries the topology key ("… (missing required label)"), and the pods the constraint's
//!   selector matches in the node's domain, plus the pod itself when it matches, exceed the
//!   global minimum by at most `maxSkew` (the minimum is 0 while there are fewer domains than
//!   `minDomains`). Pods count where they are bound, in the pod's namespace, unless finished or
//!   being deleted, and only on nodes the inclusion policies admit ([`topology_spread`]:
//!   `nodeAffinityPolicy` Honor by default, `nodeTaintsPolicy` Ignore by default) carrying
//!   every DoNotSchedule key; `matchLabelKeys` add the pod's values to the selector.
//! - InterPodAffinity ([`inter_pod_affinity`]): the pod's required affinity terms are met in
//!   the node's domains (or no pod matches them anywhere and the pod matches them itself), no
//!   pod matching its required anti-affinity terms is in the node's domains, and no existing
//!   pod's required anti-affinity term matching the pod covers the node. Pods count on every
//!   node, bound and not finished (being deleted too, as the scheduler's cache keeps them); a
//!   term's namespaces are its `namespaces` and those its `namespaceSelector` matches, the
//!   pod's own when neither is set.
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
//!   normalized reversed (fewest 100);
//! - PodTopologySpread (2), for the `ScheduleAnyway` constraints — or, for a pod that declares
//!   no constraint, the system defaults (`kubernetes.io/hostname` maxSkew 3 and
//!   `topology.kubernetes.io/zone` maxSkew 5) over the selectors of the Services selecting it
//!   and of its ReplicaSet, ReplicationController or StatefulSet: per constraint the matching
//!   pods in the node's domain (on the node itself for the hostname key) times the log of the
//!   number of domains among the feasible nodes plus 2, plus `maxSkew - 1`, summed and rounded,
//!   normalized so the fewest pods score 100 ([`spread_score`]);
//! - InterPodAffinity (2): per topology domain the weights of the pod's preferred affinity
//!   terms the pods there match, minus those of its preferred anti-affinity terms, plus the
//!   weights of those pods' preferred terms (anti-affinity negative) and 1 for each of their
//!   required affinity terms the pod matches; a node scores the sum over the keys it carries,
//!   normalized min–max to 0–100 over the nodes the pod passes the filters on.
//!
//! PostFilter: a class that fits nowhere goes to DefaultPreemption ([`preemption`]), whose
//! words end the FailedScheduling message and whose victims, nomination and events the step
//! proposes. Classes are placed in queue order: the class of the highest-priority pod first.
//!
//! ImageLocality (nodes list no images here) adds nothing.
//! Upstream picks at random among the best totals; konverge takes the highest LeastAllocated in
//! millionths (the same mean without rounding), then the node name. NodeAffinity's and
//! TaintToleration's normalized scores are scaled against the nodes feasible when the step
//! starts; PodTopologySpread's against the nodes feasible for each pod as it is placed.
//!
//! With 100 nodes or more, each pod is scored on a sample of them, as upstream's default
//! `percentageOfNodesToScore` does ([`NodeWalk`]): the filters walk the nodes one zone after
//! another, from where the previous pod's walk stopped, and stop once
//! [`num_feasible_nodes_to_find`] nodes pass (500 of 5,000); only those are scored. konverge
//! starts each step's walk at the first node. `explain-placement` shows every node.
//!
//! The real scheduler places one pod at a time and each placement changes the next pod's
//! scores. Within one step konverge places a whole queue at once: the filter rules decide which
//! nodes a class of equal pods fits; [`placement_slots`] ranks the places ("slots") those pods
//! would take one at a time — the k-th pod of a class on a node scores what the node scores
//! with k such pods already added — and the [`placement`] rule binds the class's pod of queue
//! rank `r` to slot `r`. Classes are placed in turn, each seeing the room, load, host ports and
//! labelled pods the classes before it took. A node over-committed anyway is caught by the API
//! server's bind check and the loser retries next step. Pods created with `spec.nodeName` are
//! bound already and never queued.
//!
//! Pods that differ only in their spread constraints (pods of different ReplicaSets, say) are
//! different classes of one *shape*: the filters other than PodTopologySpread are decided once
//! per shape. A class with spread constraints places its pods one at a time ([`one_at_a_time`]):
//! each pod sees the domain counts the pods before it left — the class's own and the earlier
//! classes' —, passes PodTopologySpread's filter with them (the [`SpreadSkewed`] rule's test,
//! re-evaluated as the counts move) and is scored with them, so six replicas spread over three
//! zones with maxSkew 1 land 2-2-2 in one step. While some pod has inter-pod affinity terms,
//! classes also share namespace, labels and terms, and every class is placed one pod at a time
//! ([`one_at_a_time`]): InterPodAffinity's rules judge each pod against the pods bound and
//! placed before it (the earlier classes' and its own class's), so three replicas that refuse
//! to share a host take one node each in one step. A (class, node) its filter refused when the
//! step started stays refused for the step, so a class reported unschedulable is not placed —
//! except a node PodTopologySpread refused only for skew, for a class with somewhere to go:
//! the skew is re-checked as each pod moves the counts, so uneven zones even out in one step.

use crate::actions::{Action, Change, EventType, Precondition};
use crate::controllers::{node_selector, preemption, taint_toleration};
use crate::controllers::{Controller, Proposals};
use crate::facts::node_selector::NAME_FIELD;
use crate::facts::sched::{self, SchedFacts};
use crate::facts::{pod_affinity, spread};
use crate::facts::{
    Facts, Id, Phase, PodF, Sym, EMPTY, NO_EXECUTE, NO_SCHEDULE, PREFER_NO_SCHEDULE, TAINT_UNSCHEDULABLE,
};
use crepe::crepe;
use rustc_hash::{FxBuildHasher, FxHashMap, FxHashSet};
use serde_json::{json, Value};

/// The name this controller's actions carry in the trace.
pub const NAME: &str = "scheduler";

pub const CONTROLLER: Controller = Controller { name: NAME, component: "default-scheduler", reconcile };

crepe! {
    // (pod, class, rank in the class's queue).
    @input
    pub struct Pending(Id, u32, i64);
    // (class, shape): classes of one shape differ in topology spread only; the filters other
    // than PodTopologySpread are decided once per shape (the `u32` of the relations below).
    @input
    pub struct ClassShape(u32, u32);
    // (class, constraint, topology key, maxSkew, 1 when the pod matches its own selector) of
    // each DoNotSchedule constraint.
    @input
    pub struct HardSpread(u32, u32, Sym, i64, i64);
    // (node, label key) for the topology keys of DoNotSchedule constraints.
    @input
    pub struct NodeKey(Id, Sym);
    // (class, constraint, node, pods): the matching pods in the node's domain, over the nodes
    // that count ([`topology_spread`]), for each candidate node carrying the key.
    @input
    pub struct DomainPods(u32, u32, Id, i64);
    // (class, constraint, global minimum): the fewest matching pods in a domain, 0 when there
    // are fewer domains than minDomains.
    @input
    pub struct GlobalMin(u32, u32, i64);
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

    // The shape fits the node: every filter but PodTopologySpread passes.
    @output
    pub struct Feasible(u32, Id);

    Feasible(c, n) <-
        Candidate(c, n), !PodsFull(n), !Cordoned(c, n), !Untolerated(c, n), !AffinityMiss(c, n),
        !PortClash(c, n), !ShortOf(c, n);

    // PodTopologySpread's filter, for each DoNotSchedule constraint: the node carries the
    // topology key, and the pods matching in its domain, plus the pod itself when it matches,
    // exceed the global minimum by at most maxSkew.
    @output
    pub struct SpreadMissingKey(u32, Id);
    @output
    pub struct SpreadSkewed(u32, Id);

    SpreadMissingKey(c, n) <- HardSpread(c, _, key, _, _), ClassShape(c, s), Candidate(s, n), !NodeKey(n, key);
    SpreadSkewed(c, n) <-
        HardSpread(c, j, _, max_skew, self_match), DomainPods(c, j, n, pods), GlobalMin(c, j, min),
        (pods + self_match - min > max_skew);

    // (class, node) InterPodAffinity's filter refuses ([`inter_pod_affinity`]).
    @input
    pub struct InterPodRefused(u32, Id);

    // The class fits some node: every filter passes.
    struct Refused(u32, Id);
    struct Schedulable(u32);
    @output
    pub struct Unschedulable(Id, u32);

    Refused(c, n) <- SpreadMissingKey(c, n);
    Refused(c, n) <- SpreadSkewed(c, n);
    Refused(c, n) <- InterPodRefused(c, n);
    Schedulable(c) <- ClassShape(c, s), Feasible(s, n), !Refused(c, n);
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

/// PodTopologySpread's node inclusion (`matchNodeInclusionPolicies`): which nodes' pods count
/// in a constraint's domains. With `nodeAffinityPolicy: Honor` (the default) only nodes the
/// pod's nodeSelector and required node affinity match; with `nodeTaintsPolicy: Honor` only
/// nodes without a NoSchedule or NoExecute taint the pod does not tolerate (the default,
/// Ignore, counts them).
pub mod topology_spread {
    use crate::facts::Id;
    use crepe::crepe;

    crepe! {
        @input
        pub struct Node(pub Id);
        // (shape, node): the shape's nodeSelector and required node affinity match the node.
        @input
        pub struct SelectorMatches(pub u32, pub Id);
        // (shape, node): a NoSchedule or NoExecute taint of the node is not tolerated.
        @input
        pub struct Untolerated(pub u32, pub Id);
        // (shape, honor nodeAffinityPolicy, honor nodeTaintsPolicy) some constraint asks for.
        @input
        pub struct Policy(pub u32, pub bool, pub bool);

        @output
        pub struct Included(pub u32, pub bool, pub bool, pub Id);

        Included(s, false, false, n) <- Policy(s, false, false), Node(n);
        Included(s, true, false, n) <- Policy(s, true, false), SelectorMatches(s, n);
        Included(s, false, true, n) <- Policy(s, false, true), Node(n), !Untolerated(s, n);
        Included(s, true, true, n) <- Policy(s, true, true), SelectorMatches(s, n), !Untolerated(s, n);
    }
}

/// InterPodAffinity (upstream `framework/plugins/interpodaffinity`), for the pod a class places
/// next, over the nodes it is judged on, from the counts per topology domain
/// ([`pod_affinity::domain_counts`]) of the pods bound and placed before it. The filter:
/// - every required affinity term's topology key is on the node, and pods matching all the
///   terms are in the node's domain of each — unless no pod anywhere matches them and the pod
///   matches its own terms (the first of a series that wants to be together goes anywhere
///   carrying the keys); else "node(s) didn't match pod affinity rules";
/// - no pod matching a required anti-affinity term is in the node's domain of that term's key;
///   else "node(s) didn't match pod anti-affinity rules";
/// - no existing pod whose required anti-affinity term matches the pod is in the node's domain
///   of that term's key; else "node(s) didn't satisfy existing pods anti-affinity rules".
///
/// The score: each node's share of the weights matched per domain (the pod's preferred terms
/// toward existing pods, existing pods' preferred terms and required affinity terms toward
/// the pod, anti-affinity negative), summed over the keys the node carries.
pub mod inter_pod_affinity {
    use crate::facts::{Id, Sym};
    use crepe::crepe;

    crepe! {
        // (class, node) judged.
        @input
        pub struct Candidate(pub u32, pub Id);
        // (node, label key, value).
        @input
        pub struct NodeLabel(pub Id, pub Sym, pub Sym);
        // (class, term, topology key) of each required affinity / anti-affinity term.
        @input
        pub struct RequiredAffinity(pub u32, pub u32, pub Sym);
        @input
        pub struct RequiredAntiAffinity(pub u32, pub u32, pub Sym);
        // (class, key, value, pods) per domain: pods matching all required affinity terms;
        // pods matching a required anti-affinity term; existing pods' required anti-affinity
        // terms the pod matches; and the score's matched weights.
        @input
        pub struct AffinityPods(pub u32, pub Sym, pub Sym, pub i64);
        @input
        pub struct AntiAffinityPods(pub u32, pub Sym, pub Sym, pub i64);
        @input
        pub struct ExistingAntiAffinity(pub u32, pub Sym, pub Sym, pub i64);
        @input
        pub struct TopologyScore(pub u32, pub Sym, pub Sym, pub i64);
        // The class's pod matches all of its own required affinity terms.
        @input
        pub struct SelfAffine(pub u32);

        struct HasKey(u32, Id, u32);
        struct TermMet(u32, Id, u32);
        struct TermUnmet(u32, Id);
        struct AffinityAnywhere(u32);
        struct FirstOfSeries(u32);
        @output
        pub struct AffinityUnmet(pub u32, pub Id);
        @output
        pub struct AntiAffinityHit(pub u32, pub Id);
        @output
        pub struct ExistingAntiAffinityHit(pub u32, pub Id);
        // (class, node, key, weight): the node's share of the score, per topology key.
        @output
        pub struct ScoreShare(pub u32, pub Id, pub Sym, pub i64);

        HasKey(c, n, t) <- Candidate(c, n), RequiredAffinity(c, t, k), NodeLabel(n, k, _);
        TermMet(c, n, t) <-
            Candidate(c, n), RequiredAffinity(c, t, k), NodeLabel(n, k, v), AffinityPods(c, k, v, pods),
            (pods > 0);
        TermUnmet(c, n) <- Candidate(c, n), RequiredAffinity(c, t, _), !TermMet(c, n, t);
        AffinityAnywhere(c) <- AffinityPods(c, _, _, pods), (pods > 0);
        FirstOfSeries(c) <- SelfAffine(c), !AffinityAnywhere(c);
        AffinityUnmet(c, n) <- Candidate(c, n), RequiredAffinity(c, t, _), !HasKey(c, n, t);
        AffinityUnmet(c, n) <- TermUnmet(c, n), !FirstOfSeries(c);

        AntiAffinityHit(c, n) <-
            Candidate(c, n), RequiredAntiAffinity(c, _, k), NodeLabel(n, k, v),
            AntiAffinityPods(c, k, v, pods), (pods > 0);
        ExistingAntiAffinityHit(c, n) <-
            Candidate(c, n), NodeLabel(n, k, v), ExistingAntiAffinity(c, k, v, pods), (pods > 0);

        ScoreShare(c, n, k, w) <- Candidate(c, n), NodeLabel(n, k, v), TopologyScore(c, k, v, w);
    }
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
                let suffix = super::preemption::prefilter_suffix(f, p);
                super::failed_scheduling(
                    f,
                    p,
                    format!("0/{nodes} nodes are available: {why}. {suffix}"),
                    None,
                )
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

/// The normalized scores that placing pods does not change, by (class, node), over each class's
/// feasible nodes: NodeAffinity (sum of the matching preferred terms' weights, normalized) and
/// TaintToleration (number of PreferNoSchedule taints not tolerated, normalized reversed).
/// Upstream normalizes over the nodes feasible for each pod; konverge over those feasible for
/// the class when the step starts, so a node filling up in the step leaves the scale as it was.
fn fixed_scores(
    feasible: &[(u32, Id)],
    hits: impl Iterator<Item = (u32, Id, i64)>,
    avoided: impl Iterator<Item = (u32, Id)>,
) -> FxHashMap<(u32, Id), (i64, i64)> {
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
            ((c, n), (a, t))
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

/// Default profile weight of PodTopologySpread's score.
pub const WEIGHT_POD_TOPOLOGY_SPREAD: i64 = 2;

/// What placing classes with topology spread constraints reads: the pods by label group (kept
/// current as pods are placed), the nodes each constraint counts ([`topology_spread`]), and
/// the (class, node) pairs PodTopologySpread's filter rule refused when the step starts.
pub struct SpreadInputs {
    pub groups: spread::Groups,
    pub included: FxHashSet<(u32, bool, bool, Id)>,
    pub refused: FxHashSet<(u32, Id)>,
}

impl SpreadInputs {
    /// The domains of each of the class's constraints, counted over the nodes the constraint
    /// includes that carry every key it requires: the DoNotSchedule keys for a DoNotSchedule
    /// constraint; the ScheduleAnyway keys for a ScheduleAnyway one, unless the constraints are
    /// the system defaults (`requireAllTopologies`).
    pub fn domains(&self, f: &Facts, class: &sched::Class) -> Vec<spread::Domains> {
        let Some(sp) = &class.spread else { return Vec::new() };
        let hard_keys: Vec<Sym> = sp.hard().map(|(_, c)| c.key).collect();
        let soft_keys: Vec<Sym> =
            if sp.system_default { Vec::new() } else { sp.soft().map(|(_, c)| c.key).collect() };
        sp.constraints
            .iter()
            .map(|c| {
                let keys = if c.hard { &hard_keys } else { &soft_keys };
                spread::Domains::new(f, &sp.ns, c, &self.groups, |i| {
                    let n = &f.nodes[i];
                    self.included.contains(&(class.shape, c.honor_affinity, c.honor_taints, n.id))
                        && keys.iter().all(|k| n.labels.iter().any(|(l, _)| l == k))
                })
            })
            .collect()
    }
}

/// Where each shape may go, as the filter rules decided when the step started.
pub struct Fits<'e> {
    /// (shape, node) every filter but PodTopologySpread and InterPodAffinity passes.
    pub feasible: &'e [(u32, Id)],
    /// Pairs of shapes whose host ports clash.
    pub clashes: &'e [(u32, u32)],
    /// The nodes NodeAffinity's PreFilter leaves each shape it pins to named nodes.
    pub pinned: &'e FxHashMap<u32, Vec<Id>>,
}

/// Rank the places the pending pods of each class would take if scheduled one at a time:
/// `(class, rank, node)` for ranks `0..pending`. `fits` is where the filter rules let each
/// shape go ([`Fits`]); `fixed` the weighted scores placing pods does not change. With fewer
/// than 100 nodes to walk, each node's k-th slot scores
/// LeastAllocated and BalancedAllocation with k pods of the class already added plus the one
/// being placed, plus `fixed`; the best total goes first, ties as the module says. Classes are
/// placed in turn, each seeing the room, load, host ports and labelled pods the classes before
/// it placed, so several shapes of pods in one queue spread and fit instead of piling onto
/// the same best nodes. A class with topology spread constraints, and every class once the
/// scheduler scores a sample of the nodes ([`NodeWalk`]), is placed one pod at a time
/// ([`one_at_a_time`]).
pub fn placement_slots<'a>(
    f: &'a Facts,
    s: &SchedFacts,
    fits: Fits,
    fixed: &FxHashMap<(u32, Id), i64>,
    mut spread: Option<&mut SpreadInputs>,
    mut inter_pod: Option<&mut InterPodInputs<'a>>,
) -> Vec<(u32, i64, Id)> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    let Fits { feasible, clashes, pinned } = fits;
    let node_index: FxHashMap<Id, usize> = f.nodes.iter().enumerate().map(|(i, n)| (n.id, i)).collect();
    let mut pending: FxHashMap<u32, i64> = FxHashMap::default();
    let mut by_rank: FxHashMap<(u32, i64), Id> = FxHashMap::default();
    for &(p, c, r) in &s.pending {
        *pending.entry(c).or_default() += 1;
        by_rank.insert((c, r), p);
    }
    let mut by_shape: FxHashMap<u32, Vec<usize>> = FxHashMap::default();
    for &(c, n) in feasible {
        if let Some(&i) = node_index.get(&n) {
            by_shape.entry(c).or_default().push(i);
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
    // Classes go in queue order: the class of the highest-priority pod first (PrioritySort).
    let mut top: FxHashMap<u32, i64> = FxHashMap::default();
    for &(p, c, _) in &s.pending {
        let priority = f.pod(p).map_or(0, |p| p.priority);
        top.entry(c).and_modify(|t| *t = (*t).max(priority)).or_insert(priority);
    }
    let mut classes: Vec<&sched::Class> = s.classes.iter().collect();
    classes.sort_by_key(|c| (Reverse(top.get(&c.id).copied().unwrap_or(i64::MIN)), c.id));
    let tree = node_tree_order(f);
    let mut walk = NodeWalk::new(f.nodes.len());
    for class in classes {
        let (Some(&want), Some(nodes)) = (pending.get(&class.id), by_shape.get(&class.shape)) else {
            continue;
        };
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
            (least + balanced + fixed.get(&(class.shape, n.id)).copied().unwrap_or(0), fine)
        };
        let one_per_node = !class.host_ports.is_empty();
        let open: Vec<(usize, i64)> = nodes
            .iter()
            .filter(|&&i| !closed.contains(&(class.shape, i)))
            .filter(|&&i| spread.as_ref().is_none_or(|sp| !sp.refused.contains(&(class.id, f.nodes[i].id))))
            .filter(|&&i| {
                inter_pod.as_ref().is_none_or(|ip| !ip.refused.contains(&(class.id, f.nodes[i].id)))
            })
            .filter_map(|&i| {
                let mut room = pods_fitting(&class.requests, &left[i].0, left[i].1);
                if one_per_node {
                    room = room.min(1);
                }
                (room > 0).then_some((i, room))
            })
            .collect();
        let spread_domains = match (&class.spread, spread.as_deref()) {
            (Some(sp), Some(inputs)) => Some((sp, inputs.domains(f, class))),
            _ => None,
        };
        // The nodes the class's PreFilter leaves, in the walk's order; when there are too many
        // to score them all, each pod is placed on its own sample ([`NodeWalk`]).
        let candidates: std::borrow::Cow<[usize]> = match pinned.get(&class.shape) {
            Some(names) => tree.iter().copied().filter(|&i| names.contains(&f.nodes[i].id)).collect(),
            None => (&tree[..]).into(),
        };
        let sampled = num_feasible_nodes_to_find(candidates.len()) < candidates.len();
        let placed: Vec<usize> = match (spread_domains, inter_pod.as_deref_mut()) {
            (None, None) if !sampled => {
                let mut heap: BinaryHeap<SlotHead> = open
                    .iter()
                    .map(|&(i, room)| {
                        let (up, fine) = score(&load, &left, i, 0);
                        (up, fine, Reverse(f.key(f.nodes[i].id)), Reverse(0), i, room)
                    })
                    .collect();
                let mut placed = Vec::new();
                while (placed.len() as i64) < want {
                    let Some((_, _, name, Reverse(k), i, r)) = heap.pop() else { break };
                    placed.push(i);
                    if k + 1 < r {
                        let (up, fine) = score(&load, &left, i, k + 1);
                        heap.push((up, fine, name, Reverse(k + 1), i, r));
                    }
                }
                walk.skip(candidates.len() * placed.len());
                placed
            }
            (spread, inter_pod) => {
                let pods: Vec<&PodF> =
                    (0..want).filter_map(|r| by_rank.get(&(class.id, r)).and_then(|&p| f.pod(p))).collect();
                let each = OneAtATime {
                    spread,
                    inter_pod: inter_pod.map(|inputs| (inputs, class.id, pods)),
                    candidates: &candidates[..],
                };
                let base = |i: usize, k: i64| score(&load, &left, i, k);
                one_at_a_time(f, each, &mut walk, &open, want, base)
            }
        };
        for (rank, i) in placed.into_iter().enumerate() {
            out.push((class.id, rank as i64, f.nodes[i].id));
            if let (Some(inputs), Some(&pod)) = (spread.as_deref_mut(), by_rank.get(&(class.id, rank as i64)))
            {
                inputs.groups.place(pod, i);
            }
            load[i].0 += cpu;
            load[i].1 += mem;
            let (room, pods) = &mut left[i];
            *pods -= 1;
            for (free, want) in room.iter_mut().zip(&class.requests) {
                *free -= want;
            }
            for &other in clash_with.get(&class.shape).into_iter().flatten() {
                closed.insert((other, i));
            }
        }
    }
    out
}

/// What placing a class's pods one at a time follows: its topology spread constraints with
/// their domains, InterPodAffinity's inputs with the class and its pending pods by rank, and
/// the nodes its PreFilter leaves in the walk's order.
struct OneAtATime<'s, 'a> {
    spread: Option<(&'s spread::Spread, Vec<spread::Domains>)>,
    inter_pod: Option<(&'s mut InterPodInputs<'a>, u32, Vec<&'a PodF>)>,
    candidates: &'s [usize],
}

/// Place the pods of a class one at a time over `open` (node index, pods of the class it has
/// room for), as the real scheduler would: for each pod, the nodes `walk` finds (a sample
/// of them from 100 nodes, [`NodeWalk`]) with room left that PodTopologySpread's filter
/// lets through with the domain counts as the class's earlier pods left them (the rule
/// [`SpreadSkewed`] evaluates at the step's start) and InterPodAffinity's filter rules pass
/// with the pods bound and placed before it ([`inter_pod_affinity`]), scored by `base` (the
/// node's other scores with `k` pods of the class already on it) plus PodTopologySpread's
/// ([`spread_score`]) and InterPodAffinity's scores over those nodes. Returns the node index of
/// each pod in rank order; fewer than `want` when the filters or the room run out.
fn one_at_a_time(
    f: &Facts,
    mut each: OneAtATime,
    walk: &mut NodeWalk,
    open: &[(usize, i64)],
    want: i64,
    base: impl Fn(usize, i64) -> (i64, i64),
) -> Vec<usize> {
    // The place in `open` of each node index (`usize::MAX`: not open to the class).
    let mut slot_of = vec![usize::MAX; f.nodes.len()];
    for (x, &(i, _)) in open.iter().enumerate() {
        slot_of[i] = x;
    }
    let mut k: Vec<i64> = vec![0; open.len()];
    let mut scores: Vec<(i64, i64)> = open.iter().map(|&(i, _)| base(i, 0)).collect();
    let mut placed = Vec::new();
    while (placed.len() as i64) < want {
        let mins: Vec<i64> = match &each.spread {
            Some((sp, domains)) => sp
                .constraints
                .iter()
                .zip(domains)
                .map(|(c, d)| if c.hard { d.global_min(c.min_domains) } else { 0 })
                .collect(),
            None => Vec::new(),
        };
        // Room left, then PodTopologySpread's filter with the counts as they stand.
        let passes = |i: usize| {
            let x = slot_of[i];
            x != usize::MAX
                && k[x] < open[x].1
                && each.spread.as_ref().is_none_or(|(sp, domains)| {
                    sp.hard().all(|(j, c)| {
                        let d = &domains[j];
                        d.value[i].is_some()
                            && d.in_domain_of(i) + i64::from(c.self_match) - mins[j] <= c.max_skew
                    })
                })
        };
        // InterPodAffinity's filter with the pods bound and placed before this one, and its raw
        // score of each node it passes.
        let mut raw: FxHashMap<usize, i64> = FxHashMap::default();
        let judged = match &each.inter_pod {
            Some((inputs, class, pods)) => {
                let Some(&pod) = pods.get(placed.len()) else { break };
                let class = *class;
                let mut judge = |nodes: &[usize]| -> Vec<bool> {
                    let verdicts = inputs.judge(f, &[(class, pod, nodes.to_vec())]);
                    nodes
                        .iter()
                        .map(|&i| {
                            let at = (class, f.nodes[i].id);
                            raw.insert(i, verdicts.raw.get(&at).copied().unwrap_or(0));
                            !verdicts.refused.contains_key(&at)
                        })
                        .collect()
                };
                walk.sample(each.candidates, passes, Some(&mut judge))
            }
            None => walk.sample(each.candidates, passes, None),
        };
        let allowed: Vec<usize> = judged.iter().map(|&i| slot_of[i]).collect();
        let inter_pod = match each.inter_pod {
            Some(_) => pod_affinity::normalize_min_max(
                &judged.iter().map(|i| raw.get(i).copied().unwrap_or(0)).collect::<Vec<_>>(),
            ),
            None => vec![0; allowed.len()],
        };
        let spread = match &each.spread {
            Some((sp, domains)) => spread_score(sp, domains, judged.iter().copied()),
            None => vec![0; allowed.len()],
        };
        let total = |a: usize, x: usize| {
            let plugins = WEIGHT_POD_TOPOLOGY_SPREAD * spread[a] + WEIGHT_INTER_POD_AFFINITY * inter_pod[a];
            (scores[x].0 + plugins, scores[x].1)
        };
        // Ties go to the first node by name. Ids number the objects in key order, so comparing
        // ids compares names without reading them: this runs pods × nodes times a step.
        let best = allowed.iter().enumerate().max_by(|&(a, &xa), &(b, &xb)| {
            total(a, xa).cmp(&total(b, xb)).then_with(|| f.nodes[open[xb].0].id.cmp(&f.nodes[open[xa].0].id))
        });
        let Some((_, &x)) = best else { break };
        let i = open[x].0;
        placed.push(i);
        k[x] += 1;
        scores[x] = base(i, k[x]);
        if let Some((sp, domains)) = each.spread.as_mut() {
            for (c, d) in sp.constraints.iter().zip(domains.iter_mut()) {
                if c.self_match {
                    d.add(i);
                }
            }
        }
        if let Some((inputs, _, pods)) = each.inter_pod.as_mut() {
            inputs.place(pods[placed.len() - 1], i);
        }
    }
    placed
}

/// Upstream `minFeasibleNodesToFind` and `minFeasibleNodesPercentageToFind`.
const MIN_FEASIBLE_NODES_TO_FIND: usize = 100;
const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND: i64 = 5;

/// How many feasible nodes the scheduler looks for before it stops filtering and scores what it
/// found (upstream `numFeasibleNodesToFind` with `percentageOfNodesToScore` unset, the default):
/// every node below 100 nodes; else an adaptive share, 50% less 1% per 125 nodes and at least
/// 5%, and at least 100 nodes.
pub fn num_feasible_nodes_to_find(all: usize) -> usize {
    if all < MIN_FEASIBLE_NODES_TO_FIND {
        return all;
    }
    let percentage = (50 - (all / 125) as i64).max(MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND) as usize;
    (all * percentage / 100).max(MIN_FEASIBLE_NODES_TO_FIND)
}

/// The node tree's order (upstream `nodeTree.list`): one node of each zone in turn, as node
/// indexes. Upstream orders zones and their nodes as the nodes were added; konverge orders
/// zones by their key ([`crate::facts::NodeF::zone`]) and a zone's nodes by name.
pub fn node_tree_order(f: &Facts) -> Vec<usize> {
    let mut zones: std::collections::BTreeMap<&str, Vec<usize>> = std::collections::BTreeMap::new();
    for (i, n) in f.nodes.iter().enumerate() {
        zones.entry(f.syms.resolve(n.zone)).or_default().push(i);
    }
    let zones: Vec<Vec<usize>> = zones.into_values().collect();
    let deepest = zones.iter().map(Vec::len).max().unwrap_or(0);
    (0..deepest).flat_map(|k| zones.iter().filter_map(move |z| z.get(k).copied())).collect()
}

/// Nodes judged together when InterPodAffinity's rules decide which of them pass: the walk asks
/// for at least this many, so a pod refused on most nodes costs few runs of the rules.
const JUDGED_TOGETHER: usize = 64;

/// A filter run over a batch of nodes at once: one verdict per node, true when it passes.
pub type Judge<'j> = &'j mut dyn FnMut(&[usize]) -> Vec<bool>;

/// The scheduler's walk over the nodes (upstream `findNodesThatPassFilters`): each pod is
/// filtered against the nodes in the node tree's order ([`node_tree_order`]), starting where
/// the previous pod's walk stopped, until [`num_feasible_nodes_to_find`] nodes pass; only
/// those are scored. Upstream filters in parallel and keeps its place between scheduling
/// cycles; konverge looks at one node after another and starts each step at the first node,
/// so the same state places the same way.
pub struct NodeWalk {
    /// Where the next pod's walk starts (upstream `nextStartNodeIndex`).
    next_start: usize,
    /// All nodes: the next start wraps around at this count, as upstream's does.
    nodes: usize,
}

impl NodeWalk {
    pub fn new(nodes: usize) -> NodeWalk {
        NodeWalk { next_start: 0, nodes }
    }

    /// The nodes one pod is scored on, in walk order: walk `candidates` (node indexes in the
    /// tree's order, what the pod's PreFilter left) from the next start, keep each node
    /// `passes` and, when `judge` is given, the batch judges (one verdict per node), and stop
    /// at the node where the last of [`num_feasible_nodes_to_find`] passes. The next walk
    /// starts after the last node looked at.
    pub fn sample(
        &mut self,
        candidates: &[usize],
        passes: impl Fn(usize) -> bool,
        mut judge: Option<Judge>,
    ) -> Vec<usize> {
        let all = candidates.len();
        let to_find = num_feasible_nodes_to_find(all);
        let start = if all == 0 { 0 } else { self.next_start % all };
        let mut walk = candidates[start..]
            .iter()
            .chain(&candidates[..start])
            .copied()
            .enumerate()
            .filter(|&(_, i)| passes(i));
        let mut found = Vec::new();
        let mut looked = 0;
        while found.len() < to_find {
            let need = to_find - found.len();
            let batch: Vec<(usize, usize)> =
                walk.by_ref().take(if judge.is_some() { need.max(JUDGED_TOGETHER) } else { need }).collect();
            let Some(&(last, _)) = batch.last() else {
                looked = all;
                break;
            };
            let nodes: Vec<usize> = batch.iter().map(|&(_, i)| i).collect();
            let verdicts = match judge.as_mut() {
                Some(judge) => judge(&nodes),
                None => vec![true; nodes.len()],
            };
            let mut filled_at = None;
            for ((at, i), pass) in batch.into_iter().zip(verdicts) {
                if pass && found.len() < to_find {
                    found.push(i);
                    if found.len() == to_find {
                        filled_at = Some(at);
                    }
                }
            }
            looked = filled_at.unwrap_or(last) + 1;
        }
        self.skip(looked);
        found
    }

    /// Move the next start past `looked` nodes.
    pub fn skip(&mut self, looked: usize) {
        if self.nodes > 0 {
            self.next_start = (self.next_start + looked) % self.nodes;
        }
    }
}

/// PodTopologySpread's normalized score (0–100) of each of `nodes` (the nodes the pod passes
/// the filters on), in order (upstream `PreScore`, `Score` and `NormalizeScore`): a node's raw
/// score sums, over the ScheduleAnyway constraints whose key it carries, the matching pods in
/// its domain (on the node itself for `kubernetes.io/hostname`) times the log of the number
/// of domains among `nodes`, plus maxSkew − 1, rounded; the fewest pods score 100. A node
/// lacking a key of constraints the pod declares itself scores 0 and is left out of the scale.
/// All 0 without ScheduleAnyway constraints.
pub fn spread_score(
    sp: &spread::Spread,
    domains: &[spread::Domains],
    nodes: impl Iterator<Item = usize> + Clone,
) -> Vec<i64> {
    let soft: Vec<(usize, &spread::Constraint)> = sp.soft().collect();
    if soft.is_empty() {
        return nodes.map(|_| 0).collect();
    }
    let ignored = |i: usize| !sp.system_default && soft.iter().any(|&(j, _)| domains[j].value[i].is_none());
    let weights: Vec<f64> = soft
        .iter()
        .map(|&(j, c)| {
            let scored = nodes.clone().filter(|&i| !ignored(i));
            let size = if c.hostname {
                scored.count()
            } else {
                let mut values: Vec<Sym> = scored.map(|i| domains[j].value[i].unwrap_or(EMPTY)).collect();
                values.sort_unstable();
                values.dedup();
                values.len()
            };
            spread::normalizing_weight(size)
        })
        .collect();
    let raw: Vec<Option<i64>> = nodes
        .clone()
        .map(|i| {
            (!ignored(i)).then(|| {
                let sum: f64 = soft
                    .iter()
                    .zip(&weights)
                    .filter(|((j, _), _)| domains[*j].value[i].is_some())
                    .map(|(&(j, c), &w)| {
                        let d = &domains[j];
                        let count = if c.hostname { d.per_node[i] } else { d.in_domain_of(i) };
                        spread::score_for_count(count, c.max_skew, w)
                    })
                    .sum();
                sum.round() as i64
            })
        })
        .collect();
    let scored = raw.iter().flatten();
    let (min, max) =
        (scored.clone().copied().min().unwrap_or(i64::MAX), scored.copied().max().unwrap_or(0).max(0));
    raw.into_iter()
        .map(|r| match r {
            None => 0,
            Some(_) if max == 0 => 100,
            Some(r) => 100 * (max + min - r) / max,
        })
        .collect()
}

/// PodTopologySpread's normalized score (0–100) of each of `filtered` (the nodes the pending
/// pod `pod` passes the filters on) as the pod's class sees them when a step starts, in order.
pub fn topology_spread_scores(f: &Facts, pod: Id, filtered: &[Id]) -> Vec<i64> {
    let s = sched::sched_facts(f);
    let Some(class) = s.pending.iter().find(|p| p.0 == pod).and_then(|p| s.classes.get(p.1 as usize)) else {
        return vec![0; filtered.len()];
    };
    let Some(sp) = &class.spread else { return vec![0; filtered.len()] };
    let shapes: Vec<&sched::Class> = s.classes.iter().filter(|c| c.id == c.shape).collect();
    let (matching, tolerance) = node_filters(f, &shapes);
    let inputs = spread_inputs(f, &s, &matching.matches, &tolerance.untolerated);
    let domains = inputs.domains(f, class);
    let index: FxHashMap<Id, usize> = f.nodes.iter().enumerate().map(|(i, n)| (n.id, i)).collect();
    spread_score(sp, &domains, filtered.iter().filter_map(|n| index.get(n).copied()))
}

/// NodeAffinity's and TaintToleration's matching of every shape against the nodes.
fn node_filters(
    f: &Facts,
    shapes: &[&sched::Class],
) -> (node_selector::Matching, taint_toleration::Tolerance) {
    let syms = |name: &str| f.syms.get(name).unwrap_or(u32::MAX);
    let mut selectors = node_selector::Selectors::new(syms(NAME_FIELD));
    for c in shapes {
        selectors.add(c.id, &c.node_selector, c.affinity.as_ref());
    }
    let matching = selectors.run(&f.syms, f.nodes.iter().map(|n| (n.id, n.name, n.labels.as_slice())));
    let mut taints = taint_toleration::Taints::new();
    for c in shapes {
        taints.holder(c.id, &c.tolerations);
    }
    for n in &f.nodes {
        taints.node(n.id, &n.taints, |e| e == NO_SCHEDULE || e == NO_EXECUTE || e == PREFER_NO_SCHEDULE);
    }
    let (key, value, effect) = cordon(f);
    taints.probe(key, value, effect);
    taints.scope(matching.scope.iter().copied());
    (matching, taints.run())
}

/// The taint NodeUnschedulable checks tolerations against.
fn cordon(f: &Facts) -> (Sym, Sym, u8) {
    (f.syms.get(TAINT_UNSCHEDULABLE).unwrap_or(u32::MAX), EMPTY, NO_SCHEDULE)
}

pub fn reconcile(f: &Facts) -> Proposals {
    let mut s = sched::sched_facts(f);
    scheduling_gates::pre_enqueue(f, &mut s.pending);
    let volume_refusals = volume_binding::prefilter(f, &mut s.pending);
    if s.pending.is_empty() {
        return volume_refusals.into();
    }
    let mut e = evaluate(f, s);
    let fixed: FxHashMap<(u32, Id), i64> = e
        .fixed_parts
        .iter()
        .map(|(&at, &(affinity, taints))| {
            (at, WEIGHT_NODE_AFFINITY * affinity + WEIGHT_TAINT_TOLERATION * taints)
        })
        .collect();
    let s = &e.s;
    let shape_of: FxHashMap<u32, u32> = s.classes.iter().map(|c| (c.id, c.shape)).collect();
    let class_of: FxHashMap<Id, u32> = s.pending.iter().map(|&(p, c, _)| (p, c)).collect();
    let mut place = placement::Crepe::new();
    place.extend(s.pending.iter().map(|&(p, c, r)| placement::Pending(p, c, r)));
    place.extend(
        placement_slots(
            f,
            s,
            Fits { feasible: &e.feasible, clashes: &e.clashes, pinned: &e.filters.pinned_candidates },
            &fixed,
            e.spread.as_mut(),
            e.inter_pod.as_mut(),
        )
        .into_iter()
        .map(|(c, r, n)| placement::Slot(c, r, n)),
    );
    let (binds,) = place.run_with_hasher::<FxBuildHasher>();

    let mut out = volume_refusals;
    let mut binds: Vec<_> = binds.into_iter().collect();
    binds.sort_unstable_by_key(|b| f.key(b.0));
    for placement::Bind(pod, node) in binds {
        let shape = class_of.get(&pod).and_then(|c| shape_of.get(c));
        let count = shape.and_then(|s| e.feasible_count.get(s)).copied().unwrap_or(0);
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
    let mut unschedulable = e.unschedulable;
    if unschedulable.is_empty() {
        return out.into();
    }
    let filters = e.filters;
    let wanted: FxHashSet<u32> = unschedulable.iter().map(|u| u.1).collect();
    let diagnosis = Diagnosis::new(f, s, &filters, &wanted);
    unschedulable.sort_unstable_by_key(|u| f.key(u.0));
    let (fails, not_rechecked) = filters.failures(f, s, &wanted);
    let failures = preemption::Failures {
        pods: unschedulable.iter().map(|u| (u.0, u.1)).collect(),
        fails,
        not_rechecked,
    };
    let post = preemption::post_filter(f, s, &failures);
    for Unschedulable(pod, class) in unschedulable {
        let mut message = diagnosis.message(class);
        if let Some(suffix) = post.suffix.get(&pod) {
            message = format!("{message} {suffix}");
        }
        out.extend(failed_scheduling(f, pod, message, post.nominate.get(&pod).map(String::as_str)));
    }
    out.extend(post.actions);
    out.into()
}

/// The scheduler's filters over the queue as a step starts, and the scores placing pods does
/// not change: what placement ranks, what FailedScheduling and PostFilter explain, and what
/// `explain-placement` shows.
struct Evaluation<'a> {
    s: SchedFacts,
    /// (shape, node) every filter but PodTopologySpread and InterPodAffinity passes.
    feasible: Vec<(u32, Id)>,
    clashes: Vec<(u32, u32)>,
    feasible_count: FxHashMap<u32, usize>,
    /// NodeAffinity's and TaintToleration's normalized scores by (shape, node).
    fixed_parts: FxHashMap<(u32, Id), (i64, i64)>,
    spread: Option<SpreadInputs>,
    inter_pod: Option<InterPodInputs<'a>>,
    filters: Filtered,
    unschedulable: Vec<Unschedulable>,
}

fn evaluate<'a>(f: &'a Facts, s: SchedFacts) -> Evaluation<'a> {
    let syms = |name: &str| f.syms.get(name).unwrap_or(u32::MAX);
    // The filters other than PodTopologySpread are decided once per shape.
    let shapes: Vec<&sched::Class> = s.classes.iter().filter(|c| c.id == c.shape).collect();
    let (matching, tolerance) = node_filters(f, &shapes);
    let cordon = cordon(f);

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
    for c in &shapes {
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

    for c in &shapes {
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
    rt.extend(s.classes.iter().map(|c| ClassShape(c.id, c.shape)));
    let mut spread = s.spreads.then(|| spread_inputs(f, &s, &matching.matches, &tolerance.untolerated));
    if let Some(inputs) = &spread {
        hard_spread_facts(f, &s, inputs, &mut rt);
    }
    let mut inter_pod = s.inter_pod.then(|| InterPodInputs::new(f));
    let inter_pod_refused = inter_pod
        .as_ref()
        .map(|inputs| inputs.at_step_start(f, &s, &matching.scope).refused)
        .unwrap_or_default();
    rt.extend(inter_pod_refused.keys().map(|&(c, n)| InterPodRefused(c, n)));
    if let Some(inputs) = inter_pod.as_mut() {
        inputs.refused.extend(inter_pod_refused.keys().copied());
    }
    let (
        cordoned,
        affinity_misses,
        port_clashes,
        class_clashes,
        short,
        full,
        feasible,
        spread_missing_key,
        spread_skewed,
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
    let fixed_parts = fixed_scores(
        &feasible,
        preferred_hits.into_iter().map(|PreferredHit(c, n, _, w)| (c, n, w)),
        prefer_avoided.into_iter().map(|PreferAvoided(c, n, ..)| (c, n)),
    );
    let spread_missing_key: Set<(u32, Id)> =
        spread_missing_key.into_iter().map(|SpreadMissingKey(c, n)| (c, n)).collect();
    let spread_skewed: Set<(u32, Id)> = spread_skewed.into_iter().map(|SpreadSkewed(c, n)| (c, n)).collect();
    let unschedulable: Vec<Unschedulable> = unschedulable.into_iter().collect();
    if let Some(inputs) = spread.as_mut() {
        // A node missing a topology key stays refused for the step. A node refused for skew
        // stays refused only for a class reported unschedulable (so it is not placed); for
        // the others placement re-checks the skew as each pod moves the counts
        // ([`one_at_a_time`]), as upstream re-runs the filter for every pod.
        let reported: FxHashSet<u32> = unschedulable.iter().map(|u| u.1).collect();
        inputs.refused.extend(spread_missing_key.iter().copied());
        inputs.refused.extend(spread_skewed.iter().filter(|(c, _)| reported.contains(c)).copied());
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
        spread_missing_key,
        spread_skewed,
        inter_pod: inter_pod_refused,
    };
    Evaluation {
        s,
        feasible,
        clashes,
        feasible_count,
        fixed_parts,
        spread,
        inter_pod,
        filters,
        unschedulable,
    }
}

/// One node as `explain-placement` shows it: the filters' verdict and, on a node that passes
/// them, each scoring plugin's normalized score.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeVerdict {
    pub node: String,
    /// Why the filters reject the node, in FailedScheduling's words; empty when it passes.
    pub refused: Vec<String>,
    pub scores: Option<PluginScores>,
}

/// The default profile's scores of one node for one pod, each 0–100 before its weight.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PluginScores {
    pub least_allocated: i64,
    pub balanced_allocation: i64,
    pub node_affinity: i64,
    pub taint_toleration: i64,
    pub topology_spread: i64,
    pub inter_pod_affinity: i64,
}

impl PluginScores {
    /// The weighted sum placement ranks nodes by (NodeResourcesFit and BalancedAllocation
    /// weigh 1).
    pub fn total(&self) -> i64 {
        self.least_allocated
            + self.balanced_allocation
            + WEIGHT_NODE_AFFINITY * self.node_affinity
            + WEIGHT_TAINT_TOLERATION * self.taint_toleration
            + WEIGHT_POD_TOPOLOGY_SPREAD * self.topology_spread
            + WEIGHT_INTER_POD_AFFINITY * self.inter_pod_affinity
    }
}

/// Where a pending pod goes and why: every node's verdict, the node the scheduler binds the
/// pod to in the next step (`None` when it fits nowhere, or the pods before it in the queue
/// take the room it fits in), and FailedScheduling's message when no node passes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explanation {
    pub nodes: Vec<NodeVerdict>,
    pub chosen: Option<String>,
    pub message: Option<String>,
}

/// Explain the placement of the pending pod `pod` as the next step sees the queue: the same
/// filters and scores [`reconcile`] ranks by, for this pod alone with nothing else placed yet.
/// `None` when the pod is not in the queue (bound, gated, or waiting for its volumes).
pub fn explain(f: &Facts, pod: Id) -> Option<Explanation> {
    let mut s = sched::sched_facts(f);
    scheduling_gates::pre_enqueue(f, &mut s.pending);
    let _ = volume_binding::prefilter(f, &mut s.pending);
    let class_id = s.pending.iter().find(|p| p.0 == pod)?.1;
    let e = evaluate(f, s);
    let class = e.s.classes.get(class_id as usize)?;
    let x = &e.filters;
    let named = x.pinned_candidates.get(&class.shape).map_or(&[][..], Vec::as_slice);
    let mut nodes: Vec<NodeVerdict> = f
        .nodes
        .iter()
        .map(|n| {
            let refused = if x.conflicts.contains(&class.shape) {
                vec!["pod affinity terms conflict".to_string()]
            } else if x.pinned.contains(&class.shape) && !named.contains(&n.id) {
                vec!["node(s) didn't satisfy plugin(s) [NodeAffinity]".to_string()]
            } else {
                Diagnosis::node_reasons(f, &e.s, x, class, n)
            };
            NodeVerdict { node: f.key(n.id).name.clone(), refused, scores: None }
        })
        .collect();
    let passed: Vec<usize> = (0..nodes.len()).filter(|&i| nodes[i].refused.is_empty()).collect();
    let passed_ids: Vec<Id> = passed.iter().map(|&i| f.nodes[i].id).collect();
    let spread = topology_spread_scores(f, pod, &passed_ids);
    let inter_pod = inter_pod_affinity_scores(f, pod, &passed_ids);
    let (cpu_req, mem_req) = (class.requests[sched::CPU], class.requests[sched::MEMORY]);
    for (j, &i) in passed.iter().enumerate() {
        let n = &f.nodes[i];
        let (load, free) = (e.s.load[i], &e.s.free[i].free);
        let (node_affinity, taint_toleration) =
            e.fixed_parts.get(&(class.shape, n.id)).copied().unwrap_or_default();
        let balanced_allocation = if cpu_req == 0 && mem_req == 0 {
            0
        } else {
            balanced_allocation(
                n.alloc.cpu_m - free[sched::CPU] + cpu_req,
                n.alloc.cpu_m,
                n.alloc.mem - free[sched::MEMORY] + mem_req,
                n.alloc.mem,
            )
        };
        nodes[i].scores = Some(PluginScores {
            least_allocated: least_allocated(
                load.0 + class.score_cpu_m,
                n.alloc.cpu_m,
                load.1 + class.score_mem,
                n.alloc.mem,
            )
            .0,
            balanced_allocation,
            node_affinity,
            taint_toleration,
            topology_spread: spread.get(j).copied().unwrap_or(0),
            inter_pod_affinity: inter_pod.get(j).copied().unwrap_or(0),
        });
    }
    let key = f.key(pod);
    let chosen = reconcile(f).actions.into_iter().find_map(|a| match a.change {
        Change::Bind { pod, node } if &pod == key => Some(node),
        _ => None,
    });
    let message = passed.is_empty().then(|| {
        let wanted: FxHashSet<u32> = [class_id].into_iter().collect();
        Diagnosis::new(f, &e.s, x, &wanted).message(class_id)
    });
    Some(Explanation { nodes, chosen, message })
}

/// The pod's PodScheduled condition and the FailedScheduling event for `message`, with the
/// nomination PostFilter wrote (`Some("")` clears it), unless the pod already says so.
fn failed_scheduling(f: &Facts, pod: Id, message: String, nominate: Option<&str>) -> Option<Action> {
    let raw = f.raw(pod);
    let current = crate::model::condition(raw, "PodScheduled")
        .map(|c| crate::model::str_at(c, &["message"]).to_string())
        .unwrap_or_default();
    let nominated = crate::model::str_at(raw, &["status", "nominatedNodeName"]);
    if current == message && nominate.is_none_or(|n| n == nominated) {
        return None;
    }
    let pod_key = f.key(pod);
    let mut status = json!({"phase": "Pending", "conditions": [{
        "type": "PodScheduled", "status": "False", "reason": "Unschedulable",
        "message": message, "lastTransitionTime": crate::model::fmt_time(f.now),
    }]});
    match nominate {
        Some("") => status["nominatedNodeName"] = Value::Null,
        Some(node) => status["nominatedNodeName"] = json!(node),
        None => {}
    }
    Some(
        Action::new(
            Change::Patch {
                key: pod_key.clone(),
                patch: json!({ "status": status }),
                precondition: Precondition::None,
            },
            NAME,
            message.clone(),
        )
        .with_event(pod_key, EventType::Warning, "FailedScheduling", message),
    )
}

type Set<T> = std::collections::HashSet<T, FxBuildHasher>;

/// PodTopologySpread's `ErrReasonConstraintsNotMatch`.
const SPREAD_MISMATCH: &str = "node(s) didn't match pod topology spread constraints";

/// The inputs of placing classes with topology spread constraints: the pods by label group,
/// and the nodes each constraint's inclusion policies count ([`topology_spread`]), from the
/// shapes' node selector matches and their untolerated NoSchedule/NoExecute taints.
fn spread_inputs(
    f: &Facts,
    s: &SchedFacts,
    matches: &[(u32, Id)],
    untolerated: &[(u32, Id, Sym, Sym, u8)],
) -> SpreadInputs {
    let by_name: FxHashMap<Sym, usize> = f.nodes.iter().enumerate().map(|(i, n)| (n.name, i)).collect();
    let groups = spread::Groups::new(f, &by_name, s.pending.iter().map(|p| p.0));
    let mut rt = topology_spread::Crepe::new();
    for c in &s.classes {
        for k in c.spread.iter().flat_map(|sp| &sp.constraints) {
            rt.extend([topology_spread::Policy(c.shape, k.honor_affinity, k.honor_taints)]);
        }
    }
    rt.extend(f.nodes.iter().map(|n| topology_spread::Node(n.id)));
    rt.extend(matches.iter().map(|&(c, n)| topology_spread::SelectorMatches(c, n)));
    rt.extend(
        untolerated
            .iter()
            .filter(|t| t.4 == NO_SCHEDULE || t.4 == NO_EXECUTE)
            .map(|&(c, n, ..)| topology_spread::Untolerated(c, n)),
    );
    let (included,) = rt.run_with_hasher::<FxBuildHasher>();
    let included = included.into_iter().map(|topology_spread::Included(s, a, t, n)| (s, a, t, n)).collect();
    SpreadInputs { groups, included, refused: FxHashSet::default() }
}

/// Default profile weight of InterPodAffinity's score.
pub const WEIGHT_INTER_POD_AFFINITY: i64 = 2;

/// InterPodAffinity's FailedScheduling reasons (upstream `ErrReasonAffinityRulesNotMatch`,
/// `ErrReasonAntiAffinityRulesNotMatch`, `ErrReasonExistingAntiAffinityRulesNotMatch`).
const AFFINITY_UNMET: &str = "node(s) didn't match pod affinity rules";
const ANTI_AFFINITY_HIT: &str = "node(s) didn't match pod anti-affinity rules";
const EXISTING_ANTI_AFFINITY_HIT: &str = "node(s) didn't satisfy existing pods anti-affinity rules";

/// What InterPodAffinity reads while classes are placed: the pods bound to a node and not
/// finished, then the pods placed earlier in the step, each with its node's index.
pub struct InterPodInputs<'a> {
    namespaces: pod_affinity::NamespaceLabels,
    existing: Vec<(&'a PodF, usize)>,
    /// (class, node) the filter refused when the step started: pods placed in the step only
    /// add to what anti-affinity refuses, and a node affinity refused then waits for the next
    /// step, so a class reported unschedulable is not placed.
    pub refused: FxHashSet<(u32, Id)>,
}

/// InterPodAffinity's verdicts by (class, node): the reason of the first of its checks that
/// refuses the node, and the raw score (before normalizing) of every node judged.
pub struct InterPodVerdicts {
    pub refused: FxHashMap<(u32, Id), &'static str>,
    pub raw: FxHashMap<(u32, Id), i64>,
}

impl<'a> InterPodInputs<'a> {
    pub fn new(f: &'a Facts) -> InterPodInputs<'a> {
        let by_name: FxHashMap<Sym, usize> = f.nodes.iter().enumerate().map(|(i, n)| (n.name, i)).collect();
        let existing = f
            .pods
            .iter()
            .filter(|p| !matches!(p.phase, Phase::Succeeded | Phase::Failed))
            .filter_map(|p| Some((p, *by_name.get(&p.node?)?)))
            .collect();
        InterPodInputs {
            namespaces: pod_affinity::NamespaceLabels::new(f),
            existing,
            refused: FxHashSet::default(),
        }
    }

    /// A pending pod placed on node `node` within the step.
    pub fn place(&mut self, pod: &'a PodF, node: usize) {
        self.existing.push((pod, node));
    }

    /// Run InterPodAffinity's rules for each (class, the pod it places next, node indexes
    /// judged).
    pub fn judge(&self, f: &Facts, asks: &[(u32, &PodF, Vec<usize>)]) -> InterPodVerdicts {
        use inter_pod_affinity::*;
        let sym = |k: &str| f.syms.get(k).unwrap_or(u32::MAX);
        let mut rt = Crepe::new();
        let mut nodes: Vec<usize> = Vec::new();
        for (c, pod, judged) in asks {
            let c = *c;
            rt.extend(judged.iter().map(|&i| Candidate(c, f.nodes[i].id)));
            nodes.extend(judged);
            if let Some(a) = pod.pod_affinity.as_deref() {
                let key = |(t, term): (usize, &pod_affinity::Term)| (t as u32, sym(&term.topology_key));
                rt.extend(a.required.iter().enumerate().map(key).map(|(t, k)| RequiredAffinity(c, t, k)));
                rt.extend(
                    a.required_anti.iter().enumerate().map(key).map(|(t, k)| RequiredAntiAffinity(c, t, k)),
                );
            }
            let counts = pod_affinity::domain_counts(f, &self.namespaces, pod, &self.existing);
            if counts.self_affine {
                rt.extend([SelfAffine(c)]);
            }
            rt.extend(counts.affinity.iter().map(|(&(k, v), &n)| AffinityPods(c, k, v, n)));
            rt.extend(counts.anti_affinity.iter().map(|(&(k, v), &n)| AntiAffinityPods(c, k, v, n)));
            rt.extend(
                counts.existing_anti_affinity.iter().map(|(&(k, v), &n)| ExistingAntiAffinity(c, k, v, n)),
            );
            rt.extend(counts.score.iter().map(|(&(k, v), &w)| TopologyScore(c, k, v, w)));
        }
        nodes.sort_unstable();
        nodes.dedup();
        for i in nodes {
            let n = &f.nodes[i];
            rt.extend(n.labels.iter().map(|&(k, v)| NodeLabel(n.id, k, v)));
        }
        let (unmet, anti, existing, shares) = rt.run_with_hasher::<FxBuildHasher>();
        // Upstream checks the pod's affinity, then its anti-affinity, then the existing pods'
        // anti-affinity: the first that fails names the reason.
        let mut refused: FxHashMap<(u32, Id), &'static str> = FxHashMap::default();
        refused.extend(
            existing.into_iter().map(|ExistingAntiAffinityHit(c, n)| ((c, n), EXISTING_ANTI_AFFINITY_HIT)),
        );
        refused.extend(anti.into_iter().map(|AntiAffinityHit(c, n)| ((c, n), ANTI_AFFINITY_HIT)));
        refused.extend(unmet.into_iter().map(|AffinityUnmet(c, n)| ((c, n), AFFINITY_UNMET)));
        let mut raw: FxHashMap<(u32, Id), i64> = FxHashMap::default();
        for ScoreShare(c, n, _, w) in shares {
            *raw.entry((c, n)).or_default() += w;
        }
        InterPodVerdicts { refused, raw }
    }

    /// The verdicts when the step starts, for the first pod in each class's queue over the
    /// nodes its shape is judged on (`scope`: NodeAffinity's PreFilter's candidates).
    fn at_step_start(&self, f: &Facts, s: &SchedFacts, scope: &[(u32, Id)]) -> InterPodVerdicts {
        let node_index: FxHashMap<Id, usize> = f.nodes.iter().enumerate().map(|(i, n)| (n.id, i)).collect();
        let mut by_shape: FxHashMap<u32, Vec<usize>> = FxHashMap::default();
        for (c, n) in scope {
            by_shape.entry(*c).or_default().extend(node_index.get(n));
        }
        let asks: Vec<(u32, &PodF, Vec<usize>)> = s
            .pending
            .iter()
            .filter(|&&(_, _, rank)| rank == 0)
            .filter_map(|&(p, c, _)| {
                let class = s.classes.get(c as usize)?;
                Some((c, f.pod(p)?, by_shape.get(&class.shape).cloned().unwrap_or_default()))
            })
            .collect();
        self.judge(f, &asks)
    }
}

/// InterPodAffinity's normalized score (0–100) of each of `filtered` (the nodes the pending pod
/// `pod` passes the filters on) as the pod sees them when a step starts, in order.
pub fn inter_pod_affinity_scores(f: &Facts, pod: Id, filtered: &[Id]) -> Vec<i64> {
    let (Some(p), Some(class)) =
        (f.pod(pod), sched::sched_facts(f).pending.iter().find(|x| x.0 == pod).map(|x| x.1))
    else {
        return vec![0; filtered.len()];
    };
    let index: FxHashMap<Id, usize> = f.nodes.iter().enumerate().map(|(i, n)| (n.id, i)).collect();
    let judged: Vec<usize> = filtered.iter().filter_map(|n| index.get(n).copied()).collect();
    let verdicts = InterPodInputs::new(f).judge(f, &[(class, p, judged)]);
    let raw: Vec<i64> =
        filtered.iter().map(|&n| verdicts.raw.get(&(class, n)).copied().unwrap_or(0)).collect();
    pod_affinity::normalize_min_max(&raw)
}

/// PodTopologySpread's filter inputs for each class with DoNotSchedule constraints: the
/// constraints, the nodes carrying their keys, each node's domain count and the global minimum.
fn hard_spread_facts(f: &Facts, s: &SchedFacts, inputs: &SpreadInputs, rt: &mut Crepe) {
    let mut keys: FxHashSet<Sym> = FxHashSet::default();
    for c in &s.classes {
        let Some(sp) = c.spread.as_ref().filter(|sp| sp.hard().next().is_some()) else { continue };
        let domains = inputs.domains(f, c);
        for (j, k) in sp.hard() {
            keys.insert(k.key);
            let d = &domains[j];
            rt.extend([HardSpread(c.id, j as u32, k.key, k.max_skew, i64::from(k.self_match))]);
            rt.extend([GlobalMin(c.id, j as u32, d.global_min(k.min_domains))]);
            rt.extend(
                f.nodes
                    .iter()
                    .enumerate()
                    .filter(|&(i, _)| d.value[i].is_some())
                    .map(|(i, n)| DomainPods(c.id, j as u32, n.id, d.in_domain_of(i))),
            );
        }
    }
    for n in &f.nodes {
        rt.extend(n.labels.iter().filter(|(k, _)| keys.contains(k)).map(|&(k, _)| NodeKey(n.id, k)));
    }
}

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
    /// (class, node) PodTopologySpread refuses: the node lacks a topology key, or the skew
    /// would exceed maxSkew.
    spread_missing_key: Set<(u32, Id)>,
    spread_skewed: Set<(u32, Id)>,
    /// (class, node) InterPodAffinity refuses, with the reason.
    inter_pod: FxHashMap<(u32, Id), &'static str>,
}

impl Filtered {
    /// Each (class, node, filter order, status) refusal of the `wanted` classes, for PostFilter
    /// ([`preemption::victims`]), as upstream's filters return them: NodeAffinity's PreFilter,
    /// NodeUnschedulable, TaintToleration, NodeAffinity, a missing topology key and unmet pod
    /// affinity are unresolvable; NodePorts and NodeResourcesFit resolvable; PodTopologySpread's
    /// skew and (existing pods') anti-affinity resolvable but not re-run, with their reasons.
    #[allow(clippy::type_complexity)]
    fn failures(
        &self,
        f: &Facts,
        s: &SchedFacts,
        wanted: &FxHashSet<u32>,
    ) -> (Vec<(u32, Id, u32, u8)>, FxHashMap<(u32, Id), String>) {
        use preemption::*;
        let mut out = Vec::new();
        let mut reasons = FxHashMap::default();
        for c in s.classes.iter().filter(|c| wanted.contains(&c.id)) {
            let (shape, id) = (c.shape, c.id);
            let named = self.pinned_candidates.get(&shape).map_or(&[][..], Vec::as_slice);
            for n in &f.nodes {
                let node = n.id;
                let mut fail = |order: u32, status: u8| out.push((id, node, order, status));
                if self.conflicts.contains(&shape) || (self.pinned.contains(&shape) && !named.contains(&node))
                {
                    fail(ORDER_PREFILTER, UNRESOLVABLE);
                }
                if self.cordoned.contains(&(shape, node)) {
                    fail(ORDER_UNSCHEDULABLE, UNRESOLVABLE);
                }
                if n.taints
                    .iter()
                    .any(|t| self.untolerated_taints.contains(&(shape, node, t.key, t.value, t.effect)))
                {
                    fail(ORDER_TAINTS, UNRESOLVABLE);
                }
                if self.affinity_misses.contains(&(shape, node)) {
                    fail(ORDER_AFFINITY, UNRESOLVABLE);
                }
                if self.port_clashes.contains(&(shape, node)) {
                    fail(ORDER_PORTS, RESOLVABLE);
                }
                if self.full.contains(&node)
                    || (0..s.resources.len()).any(|r| self.short.contains(&(shape, node, r as u32)))
                {
                    fail(ORDER_RESOURCES, RESOLVABLE);
                }
                if self.spread_missing_key.contains(&(id, node)) {
                    fail(ORDER_SPREAD, UNRESOLVABLE);
                } else if self.spread_skewed.contains(&(id, node)) {
                    fail(ORDER_SPREAD, NOT_RECHECKED);
                    reasons.insert((id, node), SPREAD_MISMATCH.to_string());
                }
                match self.inter_pod.get(&(id, node)) {
                    Some(&AFFINITY_UNMET) => fail(ORDER_INTER_POD, UNRESOLVABLE),
                    Some(reason) => {
                        fail(ORDER_INTER_POD, NOT_RECHECKED);
                        reasons.entry((id, node)).or_insert_with(|| reason.to_string());
                    }
                    None => {}
                }
            }
        }
        (out, reasons)
    }
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
            if x.conflicts.contains(&c.shape) {
                per_class.insert(c.id, vec!["pod affinity terms conflict".to_string()]);
                continue;
            }
            let mut reasons: std::collections::BTreeMap<String, usize> = Default::default();
            // PreFilter left out the nodes a pinned class does not name.
            let filtered: Vec<&crate::facts::NodeF> = if x.pinned.contains(&c.shape) {
                let named = x.pinned_candidates.get(&c.shape).map_or(&[][..], Vec::as_slice);
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
                for r in Self::node_reasons(f, s, x, c, n) {
                    *reasons.entry(r).or_default() += 1;
                }
            }
            let mut parts: Vec<String> = reasons.into_iter().map(|(r, n)| format!("{n} {r}")).collect();
            parts.sort();
            per_class.insert(c.id, parts);
        }
        Diagnosis { nodes: f.nodes.len(), per_class }
    }

    fn node_reasons(
        f: &Facts,
        s: &SchedFacts,
        x: &Filtered,
        class: &sched::Class,
        n: &crate::facts::NodeF,
    ) -> Vec<String> {
        let c = class.shape;
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
        let spread_at = (class.id, n.id);
        if x.full.contains(&n.id) {
            out.push("Too many pods".to_string());
        }
        for (r, name) in s.resources.iter().enumerate() {
            if x.short.contains(&(c, n.id, r as u32)) {
                out.push(format!("Insufficient {name}"));
            }
        }
        if out.is_empty() && x.spread_missing_key.contains(&spread_at) {
            out.push(format!("{SPREAD_MISMATCH} (missing required label)"));
        } else if out.is_empty() && x.spread_skewed.contains(&spread_at) {
            out.push(SPREAD_MISMATCH.to_string());
        } else if let Some(reason) = x.inter_pod.get(&spread_at).filter(|_| out.is_empty()) {
            out.push(reason.to_string());
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
