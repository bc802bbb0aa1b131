//! DaemonSet controller (upstream `pkg/controller/daemon`: daemon_controller.go, update.go,
//! util/daemonset_util.go).
//!
//! `NodeShouldRunDaemonPod` ([`eligibility`]): the template's `nodeName`, `nodeSelector` and
//! required node affinity must match the node, and its NoSchedule/NoExecute taints must be
//! tolerated by the template's tolerations plus the DaemonSet defaults (not-ready and
//! unreachable NoExecute; disk-, memory-, pid-pressure and unschedulable NoSchedule;
//! network-unavailable with hostNetwork). An untolerated NoSchedule taint only stops new pods
//! (`shouldRun` false, `shouldContinueRunning` true); an untolerated NoExecute one stops both.
//!
//! `syncDaemonSet`, per DaemonSet that is not being deleted:
//! - `constructHistory` ([`history`]): the ControllerRevision whose data equals the template is
//!   current; none → `snapshot` one numbered after the old ones (a taken name bumps
//!   `status.collisionCount` and the sync stops); several → keep the highest, delete the
//!   others and relabel the pods; a current one numbered below an old one is raised. Its
//!   `controller-revision-hash` is the hash new pods carry.
//! - `manage` (`podsShouldBeOnNode`, per node): a node that should run a pod and has none gets
//!   one; on a node where pods may continue, failed pods are deleted (one per node, with a
//!   per-node back-off of 1 s doubling to 15 min), succeeded pods are deleted, and of the
//!   running pods only the oldest is kept — with surge, the oldest pod of the current hash and
//!   the oldest other one, the old one going once it is not ready or the new one is available,
//!   and a node left without a running pod gets one at once; on a node where they may not
//!   continue every pod is deleted; unscheduled pods pinned to a node that does not exist are
//!   deleted. Creates and deletes are each capped at 250 per sync (`BurstReplicas`), nodes and
//!   pods taken in node-name order.
//! - `rollingUpdate`, only for RollingUpdate and only when `manage` changed nothing (its
//!   expectations are met): maxSurge and maxUnavailable are scaled on the nodes that should
//!   run a pod, rounding up, and both 0 means maxUnavailable 1. Without surge, old pods that
//!   are not available are deleted, then available old pods while fewer nodes than
//!   maxUnavailable lack an available up-to-date pod; `manage` recreates them. With surge, a
//!   new pod is created next to each unavailable old pod and next to up to maxSurge available
//!   ones, and an old pod goes once the new pod beside it is available. Upstream walks a Go map
//!   of nodes; here nodes go in name order.
//! - `cleanupHistory`: old revisions beyond `revisionHistoryLimit` (default 10) are deleted,
//!   lowest number first, skipping those a pod still carries.
//! - The status (desired, current, ready, up-to-date, available, unavailable, misscheduled,
//!   observedGeneration) is written when it changes; pods passing minReadySeconds and back-offs
//!   ending wake the controller.

use crate::actions::{Action, Change, EventType, Precondition, Propagation};
use crate::controllers::{controller_ref_manager, Controller, Proposals};
use crate::facts::daemon::{self as fd, DaemonPod, DaemonSetF, DaemonStatus, Symbols, END_OF_NODES};
use crate::facts::history::{self as fh, REVISION_LABEL};
use crate::facts::{pods, Facts, Id, Phase, Sym, WorkloadKind, NO_EXECUTE, NO_SCHEDULE};
use crate::model::{self, ObjKey};
use crate::podtemplate;
use crepe::crepe;
use rustc_hash::{FxBuildHasher, FxHashMap, FxHashSet};
use serde_json::{json, Value};

/// The name this controller's actions carry in the trace.
pub const NAME: &str = "daemonset";

pub const CONTROLLER: Controller = Controller { name: NAME, component: "daemonset-controller", reconcile };

/// `BurstReplicas`: the most pods one sync creates, and the most it deletes.
pub const BURST_REPLICAS: i64 = 250;

/// The kinds this controller manages.
const KINDS: &[WorkloadKind] = &[WorkloadKind::DaemonSet];

/// `NodeShouldRunDaemonPod` for every DaemonSet and node: the node-selector and
/// taint-toleration matching are the shared programs (`node_selector`, `taint_toleration`);
/// these rules add `fitsNodeName` and the effects' meaning.
pub mod eligibility {
    use super::*;
    use crate::controllers::{node_selector, taint_toleration};
    use crate::facts::node_selector::NAME_FIELD;

    crepe! {
        // Existing nodes, by name.
        @input
        pub struct Node(pub Sym);
        // The template's spec.nodeName.
        @input
        pub struct PinnedTo(pub Id, pub Sym);
        // (ds, node): the template's nodeSelector and required node affinity match the node.
        @input
        pub struct SelectorMatches(pub Id, pub Sym);
        // (ds, node, effect) of a NoSchedule or NoExecute taint of the node the template's
        // tolerations (with the DaemonSet defaults) do not tolerate.
        @input
        pub struct Untolerated(pub Id, pub Sym, pub u8);

        @output
        pub struct ShouldRun(pub Id, pub Sym);
        @output
        pub struct ShouldContinue(pub Id, pub Sym);

        struct Misplaced(Id, Sym);
        struct Fits(Id, Sym);
        struct UntoleratedNoExecute(Id, Sym);
        struct UntoleratedNoSchedule(Id, Sym);

        // fitsNodeName, then the node selector.
        Misplaced(ds, n) <- PinnedTo(ds, want), Node(n), (want != n);
        Fits(ds, n) <- SelectorMatches(ds, n), !Misplaced(ds, n);
        // An untolerated NoSchedule taint stops new pods; an untolerated NoExecute one
        // stops running pods too.
        UntoleratedNoExecute(ds, n) <- Fits(ds, n), Untolerated(ds, n, e), (e == NO_EXECUTE);
        UntoleratedNoSchedule(ds, n) <- Fits(ds, n), Untolerated(ds, n, e), (e == NO_SCHEDULE);
        ShouldContinue(ds, n) <- Fits(ds, n), !UntoleratedNoExecute(ds, n);
        ShouldRun(ds, n) <- ShouldContinue(ds, n), !UntoleratedNoSchedule(ds, n);
    }

    /// Which nodes each DaemonSet should run a pod on (`shouldRun`) and may keep one on
    /// (`shouldContinueRunning`).
    #[derive(Debug, Default)]
    pub struct Eligibility {
        pub should_run: FxHashSet<(Id, Sym)>,
        pub should_continue: FxHashSet<(Id, Sym)>,
    }

    /// Run the rules for `daemons` (interned in `syms`) over the snapshot's nodes (nodes are
    /// known by name).
    pub fn run(f: &Facts, daemons: &[DaemonSetF], syms: &Symbols) -> Eligibility {
        let mut selectors = node_selector::Selectors::new(syms.get(NAME_FIELD).unwrap_or(u32::MAX));
        for ds in daemons {
            selectors.add(ds.id, &ds.shape.node_selector, ds.shape.affinity.as_ref());
        }
        let matching = selectors.run(&f.syms, f.nodes.iter().map(|n| (n.name, n.name, n.labels.as_slice())));
        let mut taints = taint_toleration::Taints::new();
        for ds in daemons {
            taints.holder(ds.id, &ds.shape.tolerations);
        }
        for n in &f.nodes {
            taints.node(n.name, &n.taints, |e| e == NO_SCHEDULE || e == NO_EXECUTE);
        }
        taints.scope(matching.matches.iter().copied());
        let tolerance = taints.run();

        let mut rt = Crepe::new();
        rt.extend(f.nodes.iter().map(|n| Node(n.name)));
        rt.extend(daemons.iter().filter_map(|ds| ds.shape.node_name.map(|n| PinnedTo(ds.id, n))));
        rt.extend(matching.matches.iter().map(|&(ds, n)| SelectorMatches(ds, n)));
        rt.extend(tolerance.untolerated.iter().map(|&(ds, n, _, _, e)| Untolerated(ds, n, e)));
        let (should_run, should_continue) = rt.run_with_hasher::<FxBuildHasher>();
        Eligibility {
            should_run: should_run.into_iter().map(|ShouldRun(d, n)| (d, n)).collect(),
            should_continue: should_continue.into_iter().map(|ShouldContinue(d, n)| (d, n)).collect(),
        }
    }
}

/// `constructHistory` and `cleanupHistory`: the decisions on each DaemonSet's
/// ControllerRevisions.
pub mod history {
    use super::*;

    crepe! {
        // (ds, revisionHistoryLimit).
        @input
        pub struct Daemon(pub Id, pub i64);
        // (ds, revision, its number, has a controller-revision-hash label).
        @input
        pub struct Revision(pub Id, pub Id, pub i64, pub bool);
        // `maxRevision(old)`: the largest number among revisions that differ from the template
        // (0 when there are none).
        @input
        pub struct MaxOld(pub Id, pub i64);
        // Revisions equal to the template, by the place dedup gives them (0 is kept).
        @input
        pub struct Current(pub Id, pub Id, pub i64);
        // The name a new revision would get is held by another object.
        @input
        pub struct NameTaken(pub Id);
        // Old revisions no pod names, lowest number first, and how many old revisions there are.
        @input
        pub struct Cleanable(pub Id, pub Id, pub i64);
        @input
        pub struct OldCount(pub Id, pub i64);

        // Create the current revision with this number.
        @output
        pub struct Snapshot(pub Id, pub i64);
        @output
        pub struct BumpCollision(pub Id);
        @output
        pub struct Keep(pub Id, pub Id);
        @output
        pub struct Dedup(pub Id, pub Id);
        @output
        pub struct Raise(pub Id, pub Id, pub i64);
        @output
        pub struct AddHashLabel(pub Id, pub Id);
        @output
        pub struct Truncate(pub Id, pub Id);

        struct HasCurrent(Id);

        HasCurrent(ds) <- Current(ds, _, _);
        AddHashLabel(ds, rev) <- Daemon(ds, _), Revision(ds, rev, _, false);
        Snapshot(ds, max + 1) <- Daemon(ds, _), !HasCurrent(ds), !NameTaken(ds), MaxOld(ds, max);
        BumpCollision(ds) <- Daemon(ds, _), !HasCurrent(ds), NameTaken(ds);
        Keep(ds, rev) <- Daemon(ds, _), Current(ds, rev, 0);
        Dedup(ds, rev) <- Daemon(ds, _), Current(ds, rev, place), (place > 0);
        Raise(ds, rev, max + 1) <- Keep(ds, rev), Revision(ds, rev, n, _), MaxOld(ds, max), (n < max + 1);
        Truncate(ds, rev) <-
            Daemon(ds, limit), !BumpCollision(ds), OldCount(ds, old), Cleanable(ds, rev, place), (place < old - limit);
    }
}

/// Why a pod is created or deleted (the trace's reason and the Events).
const NO_POD: u8 = 0;
const NO_RUNNING_POD: u8 = 1;
const FAILED: u8 = 2;
const SUCCEEDED: u8 = 3;
const EXTRA: u8 = 4;
const OLD_NOT_READY: u8 = 5;
const NEW_AVAILABLE: u8 = 6;
const NOT_ELIGIBLE: u8 = 7;
const NO_NODE: u8 = 8;
const OLD_UNAVAILABLE: u8 = 9;
const OLD_AVAILABLE: u8 = 10;
const SURGE: u8 = 11;
const NO_LONGER_RUNS: u8 = 12;

/// What the rolling update sees at a node (`rollingUpdate`'s loop body).
const STEP_UNAVAILABLE: u8 = 0;
const STEP_REPLACE: u8 = 1;
const STEP_CANDIDATE: u8 = 2;
const STEP_EXCESS: u8 = 3;
const STEP_DELETE_OLD: u8 = 4;
const STEP_ALLOWED: u8 = 5;
const STEP_NOT_RUN: u8 = 6;
const STEP_WAIT: u8 = 7;
const STEP_NONE: u8 = 8;

/// The end of `updatedDesiredNodeCounts`: (maxSurge, maxUnavailable) as scaled for `desired`
/// nodes, except that a DaemonSet allowing neither (both 0) on some node gets maxUnavailable 1.
pub fn budget((surge, unavailable): (i64, i64), desired: i64) -> (i64, i64) {
    if desired > 0 && surge == 0 && unavailable == 0 {
        (0, 1)
    } else {
        (surge, unavailable)
    }
}

/// What the rolling update without surge has counted on its way through the nodes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NoSurgeTally {
    /// `numUnavailable`.
    pub unavailable: i64,
    /// `allowedReplacementPods`.
    pub replacements: i64,
    /// `candidatePodsToDelete`.
    pub candidates: i64,
}

impl NoSurgeTally {
    fn after(self, step: u8, max_unavailable: i64) -> NoSurgeTally {
        let mut t = self;
        match step {
            STEP_UNAVAILABLE => t.unavailable += 1,
            STEP_REPLACE => {
                t.unavailable += 1;
                t.replacements += 1;
            }
            STEP_CANDIDATE if t.unavailable < max_unavailable => t.candidates += 1,
            _ => {}
        }
        t
    }
}

/// What the rolling update with surge has counted on its way through the nodes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SurgeTally {
    /// `numSurge`.
    pub surge: i64,
    /// `allowedNewNodes`.
    pub allowed: i64,
    /// `candidateNewNodes`.
    pub candidates: i64,
    /// `oldPodsToDelete`.
    pub deletes: i64,
    /// `shouldNotRunPodsToDelete`.
    pub not_run: i64,
    /// `numAvailable`.
    pub available: i64,
}

impl SurgeTally {
    fn after(self, step: u8, available: bool, max_surge: i64) -> SurgeTally {
        let mut t = self;
        t.available += i64::from(available);
        match step {
            STEP_EXCESS | STEP_WAIT => t.surge += 1,
            STEP_DELETE_OLD => t.deletes += 1,
            STEP_ALLOWED => t.allowed += 1,
            STEP_NOT_RUN => t.not_run += 1,
            STEP_CANDIDATE if t.surge < max_surge => t.candidates += 1,
            _ => {}
        }
        t
    }
}

crepe! {
    // (ds, surge allowed: `AllowsSurge`, RollingUpdate).
    @input
    pub struct Daemon(Id, bool, bool);
    // (ds, maxSurge, maxUnavailable, desired): `SurgeCount` and `UnavailableCount` of the
    // nodes that should run a pod.
    @input
    pub struct Scaled(Id, i64, i64, i64);
    @input
    pub struct NodeExists(Sym);
    @input
    pub struct ShouldRun(Id, Sym);
    @input
    pub struct ShouldContinue(Id, Sym);
    // The node has pods of the DaemonSet (`getNodesToDaemonPods`).
    @input
    pub struct HasPods(Id, Sym);
    // A running pod: (ds, node, pod, place among the node's running pods, carries the current
    // hash, place among the node's running pods that do (or do not) carry it).
    @input
    pub struct Running(Id, Sym, Id, i64, bool, i64);
    @input
    pub struct RunningCount(Id, Sym, i64);
    // (ds, node, pod, place among the node's failed pods).
    @input
    pub struct Failed(Id, Sym, Id, i64);
    @input
    pub struct Succeeded(Id, Sym, Id);
    // A pod not being deleted.
    @input
    pub struct Live(Id, Sym, Id);
    // An unscheduled pod pinned to a node that does not exist.
    @input
    pub struct Unplaced(Id, Id);
    // (ds, node, when it ends): deleting failed pods on the node is in back-off.
    @input
    pub struct InBackoff(Id, Sym, i64);
    @input
    pub struct PodReady(Id);
    @input
    pub struct PodAvailable(Id);
    // (ds, node, updated pods, other pods) not being deleted, for nodes with pods.
    @input
    pub struct PodCounts(Id, Sym, i64, i64);
    // The node's only updated (new) and only other (old) pod not being deleted.
    @input
    pub struct NewOn(Id, Sym, Id);
    @input
    pub struct OldOn(Id, Sym, Id);
    // Some pod of the DaemonSet not being deleted is not updated.
    @input
    pub struct HasOldPods(Id);
    // Node names in name order, ending at END_OF_NODES.
    @input
    pub struct NodeFirst(Sym);
    @input
    pub struct NodeNext(Sym, Sym);
    // The pods `manage` may delete, in node-name order: (ds, first), (ds, pod, next).
    @input
    pub struct PodFirst(Id, Id);
    @input
    pub struct PodNext(Id, Id, Id);
    // Status computed from the pods, and the status the DaemonSet shows.
    @input
    pub struct Counted(Id, DaemonStatus);
    @input
    pub struct Observed(Id, DaemonStatus);
    // Duplicate current revisions were deleted: every claimed pod gets the kept hash.
    @input
    pub struct Deduped(Id);
    @input
    pub struct Claimed(Id, Id);
    @input
    pub struct HashMatches(Id);
    // (ds, time) at which a ready pod becomes available (minReadySeconds).
    @input
    pub struct AvailableAt(Id, i64);
    @input
    pub struct Now(i64);

    // (ds, node, why).
    @output
    pub struct Create(Id, Sym, u8);
    // (ds, pod, why, the number the decision used).
    @output
    pub struct Delete(Id, Id, u8, i64);
    @output
    pub struct WriteStatus(Id, DaemonStatus);
    @output
    pub struct Relabel(Id, Id);
    @output
    pub struct Wake(i64);

    struct NeedsPod(Id, Sym, u8);
    struct Needs(Id, Sym);
    struct Managed(Id, Sym);
    struct Backoff(Id, Sym);
    struct HasRunning(Id, Sym);
    struct SurgeNode(Id, Sym);
    struct Several(Id, Sym);
    struct OldestNew(Id, Sym, Id);
    struct OldestOld(Id, Sym, Id);
    struct Drop(Id, Id, u8, i64);
    struct Dropping(Id, Id);
    struct ManageActs(Id);
    struct CreateWalk(Id, Sym, i64);
    struct DeleteWalk(Id, Id, i64);
    struct Budget(Id, i64, i64);
    struct Rolls(Id);
    struct Key(Id, Sym);
    struct Slot(Id, Sym, i64, i64);
    struct NoSurge(Id);
    struct NsStep(Id, Sym, u8, Id);
    struct NsStepped(Id, Sym);
    struct NsAt(Id, Sym, NoSurgeTally);
    struct NsEnd(Id, NoSurgeTally);
    struct Surges(Id);
    struct SgStep(Id, Sym, u8, Id, bool);
    struct SgStepped(Id, Sym);
    struct SgAt(Id, Sym, SurgeTally);
    struct SgEnd(Id, SurgeTally);

    // manage → podsShouldBeOnNode, per existing node.
    NeedsPod(ds, n, NO_POD) <- ShouldRun(ds, n), !HasPods(ds, n);
    Managed(ds, n) <- ShouldContinue(ds, n), HasPods(ds, n);
    Backoff(ds, n) <- InBackoff(ds, n, _);
    // After the first failed pod's deletion the node is in back-off: one per sync.
    Drop(ds, p, FAILED, 0) <- Managed(ds, n), Failed(ds, n, p, 0), !Backoff(ds, n);
    Drop(ds, p, SUCCEEDED, 0) <- Managed(ds, n), Succeeded(ds, n, p);
    Drop(ds, p, EXTRA, c) <-
        Managed(ds, n), Daemon(ds, false, _), Running(ds, n, p, place, _, _), (place > 0), RunningCount(ds, n, c);
    SurgeNode(ds, n) <- Managed(ds, n), Daemon(ds, true, _);
    HasRunning(ds, n) <- Running(ds, n, _, _, _, _);
    NeedsPod(ds, n, NO_RUNNING_POD) <- SurgeNode(ds, n), ShouldRun(ds, n), !HasRunning(ds, n);
    Several(ds, n) <- SurgeNode(ds, n), RunningCount(ds, n, c), (c > 1);
    Drop(ds, p, EXTRA, c) <- Several(ds, n), Running(ds, n, p, _, _, same), (same > 0), RunningCount(ds, n, c);
    OldestNew(ds, n, p) <- Several(ds, n), Running(ds, n, p, _, true, 0);
    OldestOld(ds, n, p) <- Several(ds, n), Running(ds, n, p, _, false, 0);
    Drop(ds, old, OLD_NOT_READY, 0) <- OldestOld(ds, n, old), OldestNew(ds, n, _), !PodReady(old);
    Drop(ds, old, NEW_AVAILABLE, 0) <-
        OldestOld(ds, n, old), OldestNew(ds, n, new), PodReady(old), PodAvailable(new);
    Drop(ds, p, NOT_ELIGIBLE, 0) <- HasPods(ds, n), NodeExists(n), !ShouldContinue(ds, n), Live(ds, n, p);
    Drop(ds, p, NO_NODE, 0) <- Unplaced(ds, p);
    Dropping(ds, p) <- Drop(ds, p, _, _);
    Needs(ds, n) <- NeedsPod(ds, n, _);
    ManageActs(ds) <- Needs(ds, _);
    ManageActs(ds) <- Dropping(ds, _);

    // syncNodes: at most BURST_REPLICAS creates and as many deletes, in node-name order.
    CreateWalk(ds, n, 0) <- ManageActs(ds), Needs(ds, _), NodeFirst(n);
    CreateWalk(ds, next, k + 1) <- CreateWalk(ds, n, k), Needs(ds, n), NodeNext(n, next), (k + 1 < BURST_REPLICAS);
    CreateWalk(ds, next, k) <- CreateWalk(ds, n, k), !Needs(ds, n), NodeNext(n, next);
    Create(ds, n, why) <- CreateWalk(ds, n, _), NeedsPod(ds, n, why);
    DeleteWalk(ds, p, 0) <- ManageActs(ds), Dropping(ds, _), PodFirst(ds, p);
    DeleteWalk(ds, next, k + 1) <-
        DeleteWalk(ds, p, k), Dropping(ds, p), PodNext(ds, p, next), (k + 1 < BURST_REPLICAS);
    DeleteWalk(ds, next, k) <- DeleteWalk(ds, p, k), !Dropping(ds, p), PodNext(ds, p, next);
    Delete(ds, p, why, x) <- DeleteWalk(ds, p, _), Drop(ds, p, why, x);

    // rollingUpdate: budgets, then the nodes of nodeToDaemonPods (nodes with pods and nodes
    // that should run one), in name order.
    Budget(ds, b.0, b.1) <- Scaled(ds, surge, unavailable, desired), let b = budget((surge, unavailable), desired);
    Rolls(ds) <- Daemon(ds, _, true), !ManageActs(ds), HasOldPods(ds);
    Key(ds, n) <- Rolls(ds), HasPods(ds, n);
    Key(ds, n) <- Rolls(ds), ShouldRun(ds, n);
    Slot(ds, n, new, old) <- Key(ds, n), PodCounts(ds, n, new, old);
    Slot(ds, n, 0, 0) <- Key(ds, n), !HasPods(ds, n);

    // Without surge.
    NoSurge(ds) <- Rolls(ds), Budget(ds, 0, _);
    NsStep(ds, n, STEP_UNAVAILABLE, 0) <- NoSurge(ds), Slot(ds, n, new, old), (new > 1 || old > 1);
    NsStep(ds, n, STEP_UNAVAILABLE, 0) <-
        NoSurge(ds), Slot(ds, n, new, old), ((new == 0 && old == 0) || (new == 1 && old == 1));
    NsStep(ds, n, STEP_UNAVAILABLE, 0) <- NoSurge(ds), Slot(ds, n, 1, 0), NewOn(ds, n, p), !PodAvailable(p);
    NsStep(ds, n, STEP_REPLACE, p) <- NoSurge(ds), Slot(ds, n, 0, 1), OldOn(ds, n, p), !PodAvailable(p);
    NsStep(ds, n, STEP_CANDIDATE, p) <- NoSurge(ds), Slot(ds, n, 0, 1), OldOn(ds, n, p), PodAvailable(p);
    NsStepped(ds, n) <- NsStep(ds, n, _, _);
    NsAt(ds, n, NoSurgeTally::default()) <- NoSurge(ds), NodeFirst(n);
    NsAt(ds, next, t.after(step, max)) <-
        NsAt(ds, n, t), NsStep(ds, n, step, _), Budget(ds, _, max), NodeNext(n, next);
    NsAt(ds, next, t) <- NsAt(ds, n, t), !NsStepped(ds, n), NodeNext(n, next);
    NsEnd(ds, t) <- NsAt(ds, n, t), (n == END_OF_NODES);
    Delete(ds, p, OLD_UNAVAILABLE, max) <-
        NsAt(ds, n, t), NsStep(ds, n, step, p), (step == STEP_REPLACE), (t.replacements < BURST_REPLICAS),
        Budget(ds, _, max);
    Delete(ds, p, OLD_AVAILABLE, max) <-
        NsAt(ds, n, t), NsStep(ds, n, step, p), (step == STEP_CANDIDATE), Budget(ds, _, max),
        (t.unavailable < max), NsEnd(ds, end), (t.candidates < max - end.unavailable),
        (end.replacements + t.candidates < BURST_REPLICAS);

    // With surge.
    Surges(ds) <- Rolls(ds), Budget(ds, surge, _), (surge > 0);
    SgStep(ds, n, STEP_EXCESS, 0, false) <- Surges(ds), Slot(ds, n, new, old), (new > 1 || old > 1);
    SgStep(ds, n, STEP_DELETE_OLD, p, false) <-
        Surges(ds), Slot(ds, n, 0, 1), OldOn(ds, n, p), !PodAvailable(p), !ShouldRun(ds, n);
    SgStep(ds, n, STEP_ALLOWED, p, false) <-
        Surges(ds), Slot(ds, n, 0, 1), OldOn(ds, n, p), !PodAvailable(p), ShouldRun(ds, n);
    SgStep(ds, n, STEP_NOT_RUN, p, true) <-
        Surges(ds), Slot(ds, n, 0, 1), OldOn(ds, n, p), PodAvailable(p), !ShouldRun(ds, n);
    SgStep(ds, n, STEP_CANDIDATE, p, true) <-
        Surges(ds), Slot(ds, n, 0, 1), OldOn(ds, n, p), PodAvailable(p), ShouldRun(ds, n);
    SgStep(ds, n, STEP_WAIT, old, true) <-
        Surges(ds), Slot(ds, n, 1, 1), NewOn(ds, n, new), !PodAvailable(new), OldOn(ds, n, old), PodAvailable(old);
    SgStep(ds, n, STEP_WAIT, old, false) <-
        Surges(ds), Slot(ds, n, 1, 1), NewOn(ds, n, new), !PodAvailable(new), OldOn(ds, n, old), !PodAvailable(old);
    SgStep(ds, n, STEP_DELETE_OLD, old, true) <-
        Surges(ds), Slot(ds, n, 1, 1), NewOn(ds, n, new), PodAvailable(new), OldOn(ds, n, old), PodAvailable(old);
    SgStep(ds, n, STEP_DELETE_OLD, old, false) <-
        Surges(ds), Slot(ds, n, 1, 1), NewOn(ds, n, new), PodAvailable(new), OldOn(ds, n, old), !PodAvailable(old);
    SgStep(ds, n, STEP_NONE, p, true) <- Surges(ds), Slot(ds, n, 1, 0), NewOn(ds, n, p), PodAvailable(p);
    SgStepped(ds, n) <- SgStep(ds, n, _, _, _);
    SgAt(ds, n, SurgeTally::default()) <- Surges(ds), NodeFirst(n);
    SgAt(ds, next, t.after(step, available, max)) <-
        SgAt(ds, n, t), SgStep(ds, n, step, _, available), Budget(ds, max, _), NodeNext(n, next);
    SgAt(ds, next, t) <- SgAt(ds, n, t), !SgStepped(ds, n), NodeNext(n, next);
    SgEnd(ds, t) <- SgAt(ds, n, t), (n == END_OF_NODES);
    Create(ds, n, OLD_UNAVAILABLE) <-
        SgAt(ds, n, t), SgStep(ds, n, step, _, _), (step == STEP_ALLOWED), (t.allowed < BURST_REPLICAS);
    Create(ds, n, SURGE) <-
        SgAt(ds, n, t), SgStep(ds, n, step, _, _), (step == STEP_CANDIDATE), Budget(ds, max, _), (t.surge < max),
        SgEnd(ds, end), (t.candidates < max - end.surge), (end.allowed + t.candidates < BURST_REPLICAS);
    Delete(ds, p, NEW_AVAILABLE, 0) <-
        SgAt(ds, n, t), SgStep(ds, n, step, p, _), (step == STEP_DELETE_OLD), (t.deletes < BURST_REPLICAS);
    Delete(ds, p, NO_LONGER_RUNS, end.available) <-
        SgAt(ds, n, t), SgStep(ds, n, step, p, _), (step == STEP_NOT_RUN), SgEnd(ds, end), Scaled(ds, _, _, desired),
        (t.not_run < end.available - desired), (end.deletes + t.not_run < BURST_REPLICAS);

    // updateDaemonSetStatus, dedupCurHistories' relabelling, and when to look again.
    WriteStatus(ds, st) <- Counted(ds, st), !Observed(ds, st);
    Relabel(ds, p) <- Deduped(ds), Claimed(ds, p), !HashMatches(p);
    Wake(t) <- AvailableAt(_, t), Now(now), (t > now);
    Wake(t) <- Managed(ds, n), Failed(ds, n, _, _), InBackoff(ds, n, t);
}

/// Run the controller over one snapshot.
pub fn reconcile(f: &Facts) -> Proposals {
    let pod_claims = controller_ref_manager::claim(&pods::claim_inputs(f, KINDS, |_| true, |_, _| true));
    let revision_claims = controller_ref_manager::claim(&fh::claim_inputs(f, WorkloadKind::DaemonSet));
    let mut out: Vec<(Id, u8, Id, Action)> = Vec::new();
    for claims in [&revision_claims, &pod_claims] {
        let changes = controller_ref_manager::adopt_and_release(f, claims, NAME);
        out.extend(changes.into_iter().map(|(owner, child, action)| (owner, 0, child, action)));
    }
    let mut syms = Symbols::new(&f.syms);
    let daemons = fd::daemon_sets(f, &mut syms);
    let mut wakes = Vec::new();
    if !daemons.is_empty() {
        let claimed_pods = pod_claims.by_owner();
        let histories = fh::histories(f, WorkloadKind::DaemonSet, &revision_claims.by_owner());
        let eligible = eligibility::run(f, &daemons, &syms);
        let hashes = construct_history(f, &daemons, &histories, &claimed_pods, &mut out);
        wakes = sync(f, &daemons, &hashes, &claimed_pods, &eligible, &mut syms, &mut out);
    }
    out.sort_by(|a, b| (f.key(a.0), a.1, f.key(a.2)).cmp(&(f.key(b.0), b.1, f.key(b.2))));
    Proposals::new(out.into_iter().map(|(_, _, _, a)| a).collect(), wakes)
}

/// The order of a DaemonSet's actions in a step: claims and history first, then pods created
/// and deleted, revisions truncated, the status last (as a sync does them).
const PHASE_HISTORY: u8 = 1;
const PHASE_RELABEL: u8 = 2;
const PHASE_CREATE: u8 = 3;
const PHASE_DELETE: u8 = 4;
const PHASE_CLEANUP: u8 = 5;
const PHASE_STATUS: u8 = 6;

/// A synced DaemonSet's current hash, and whether duplicates of its revision were deleted.
struct CurrentHash {
    hash: String,
    deduped: bool,
}

/// Run the history rules; push their actions; return each DaemonSet's current hash (none for
/// a DaemonSet whose sync stops on a revision-name collision).
fn construct_history(
    f: &Facts,
    daemons: &[DaemonSetF],
    histories: &FxHashMap<Id, fh::History>,
    claimed_pods: &FxHashMap<Id, Vec<Id>>,
    out: &mut Vec<(Id, u8, Id, Action)>,
) -> FxHashMap<Id, CurrentHash> {
    let mut rt = history::Crepe::new();
    let mut next_hash: FxHashMap<Id, String> = FxHashMap::default();
    for ds in daemons {
        let Some(h) = histories.get(&ds.id) else { continue };
        let live: FxHashSet<String> = claimed_pods
            .get(&ds.id)
            .into_iter()
            .flatten()
            .filter_map(|&p| f.pod(p))
            .filter_map(|p| p.labels.iter().find(|(k, _)| k == REVISION_LABEL).map(|(_, v)| v.clone()))
            .collect();
        let numbers = fd::history_numbers(h, f, &live);
        rt.extend([history::Daemon(ds.id, ds.history_limit)]);
        rt.extend([history::MaxOld(ds.id, numbers.max_old)]);
        rt.extend([history::OldCount(ds.id, numbers.old)]);
        for r in &h.revisions {
            let labelled = model::at(f.raw(r.id), &["metadata", "labels", REVISION_LABEL]).is_some();
            rt.extend([history::Revision(ds.id, r.id, r.revision, labelled)]);
        }
        rt.extend(numbers.current.iter().enumerate().map(|(i, &rev)| history::Current(ds.id, rev, i as i64)));
        rt.extend(
            numbers.cleanable.iter().enumerate().map(|(i, &rev)| history::Cleanable(ds.id, rev, i as i64)),
        );
        let hash = crate::facts::deploy::pod_template_hash(
            model::at(f.raw(ds.id), &["spec", "template"]).unwrap_or(&Value::Null),
            ds.collision_count,
        );
        let key = f.key(ds.id);
        if f.store.contains_key(&ObjKey::new(
            "ControllerRevision",
            &key.namespace,
            &fh::revision_name(&key.name, &hash),
        )) {
            rt.extend([history::NameTaken(ds.id)]);
        }
        next_hash.insert(ds.id, hash);
    }
    let (snapshots, bumps, keeps, dedups, raises, labels, truncates) = rt.run_with_hasher::<FxBuildHasher>();
    let by_id: FxHashMap<Id, &DaemonSetF> = daemons.iter().map(|d| (d.id, d)).collect();
    let mut hashes: FxHashMap<Id, CurrentHash> = FxHashMap::default();
    for history::Snapshot(ds, number) in snapshots {
        let hash = next_hash.remove(&ds).unwrap_or_default();
        let owner = f.raw(ds);
        let name = fh::revision_name(&f.key(ds).name, &hash);
        let revision = fh::controller_revision(
            owner,
            &name,
            number,
            fh::template_patch(owner),
            &[(REVISION_LABEL, &hash)],
        );
        out.push((
            ds,
            PHASE_HISTORY,
            ds,
            Action::new(
                Change::Create { object: revision },
                NAME,
                format!("no revision equals the template: revision {number}"),
            ),
        ));
        hashes.insert(ds, CurrentHash { hash, deduped: false });
    }
    for history::BumpCollision(ds) in bumps {
        let count = by_id.get(&ds).map_or(0, |d| d.collision_count) + 1;
        out.push((
            ds,
            PHASE_HISTORY,
            ds,
            Action::new(
                Change::Patch {
                    key: f.key(ds).clone(),
                    patch: json!({"status": {"collisionCount": count}}),
                    precondition: Precondition::None,
                },
                NAME,
                format!("revision name taken by another object: collisionCount {count}"),
            ),
        ));
    }
    let deduped: FxHashSet<Id> = dedups.iter().map(|history::Dedup(ds, _)| *ds).collect();
    for history::Keep(ds, rev) in keeps {
        let hash = fd::revision_hash_label(f.raw(rev)).to_string();
        hashes.insert(ds, CurrentHash { hash, deduped: deduped.contains(&ds) });
    }
    for history::Dedup(ds, rev) in dedups {
        out.push((ds, PHASE_HISTORY, rev, delete_action(f, rev, "duplicate of the current revision".into())));
    }
    for history::Raise(ds, rev, number) in raises {
        out.push((
            ds,
            PHASE_HISTORY,
            rev,
            patch_action(
                f,
                rev,
                json!({"revision": number}),
                format!("equals the template again: revision {number}"),
            ),
        ));
    }
    for history::AddHashLabel(ds, rev) in labels {
        let name = f.key(rev).name.clone();
        out.push((
            ds,
            PHASE_HISTORY,
            rev,
            patch_action(
                f,
                rev,
                json!({"metadata": {"labels": {REVISION_LABEL: name}}}),
                "revision without a hash label: label it with its name".into(),
            ),
        ));
    }
    for history::Truncate(ds, rev) in truncates {
        let limit = by_id.get(&ds).map_or(0, |d| d.history_limit);
        out.push((
            ds,
            PHASE_CLEANUP,
            rev,
            delete_action(f, rev, format!("revisionHistoryLimit {limit}: delete old revision")),
        ));
    }
    hashes
}

fn delete_action(f: &Facts, id: Id, reason: String) -> Action {
    Action::new(Change::Delete { key: f.key(id).clone(), propagation: Propagation::Background }, NAME, reason)
}

fn patch_action(f: &Facts, id: Id, patch: Value, reason: String) -> Action {
    Action::new(
        Change::Patch { key: f.key(id).clone(), patch, precondition: Precondition::None },
        NAME,
        reason,
    )
}

/// What one DaemonSet's sync worked from, for the glue that turns decisions into actions.
struct Synced<'f> {
    ds: &'f DaemonSetF,
    hash: String,
    pods: Vec<DaemonPod>,
    /// (maxSurge, maxUnavailable, desired).
    scaled: (i64, i64, i64),
}

/// Feed the sync rules every DaemonSet that has a current hash; push the actions; return the
/// wake-up times.
fn sync(
    f: &Facts,
    daemons: &[DaemonSetF],
    hashes: &FxHashMap<Id, CurrentHash>,
    claimed_pods: &FxHashMap<Id, Vec<Id>>,
    eligible: &eligibility::Eligibility,
    syms: &mut Symbols,
    out: &mut Vec<(Id, u8, Id, Action)>,
) -> Vec<i64> {
    let no_pods = Vec::new();
    let nodes: Vec<Sym> = f.nodes.iter().map(|n| n.name).collect();
    let node_set: FxHashSet<Sym> = nodes.iter().copied().collect();
    let mut rt = Crepe::new();
    rt.extend(nodes.iter().map(|&n| NodeExists(n)));
    rt.extend([Now(f.now)]);
    let mut synced: FxHashMap<Id, Synced> = FxHashMap::default();
    let mut all_pods: Vec<DaemonPod> = Vec::new();
    for ds in daemons {
        let Some(current) = hashes.get(&ds.id) else { continue };
        let claimed = claimed_pods.get(&ds.id).unwrap_or(&no_pods);
        let pods = fd::nodes_to_daemon_pods(f, ds, claimed, &current.hash, syms);
        let should_run: FxHashSet<Sym> =
            nodes.iter().copied().filter(|&n| eligible.should_run.contains(&(ds.id, n))).collect();
        let desired = should_run.len() as i64;
        let (surge, unavailable) = ds.strategy.scaled(desired);
        rt.extend([Daemon(ds.id, ds.strategy.allows_surge(), ds.strategy.rolling)]);
        rt.extend([Scaled(ds.id, surge, unavailable, desired)]);
        rt.extend(should_run.iter().map(|&n| ShouldRun(ds.id, n)));
        rt.extend(
            nodes
                .iter()
                .filter(|&&n| eligible.should_continue.contains(&(ds.id, n)))
                .map(|&n| ShouldContinue(ds.id, n)),
        );
        let generation = f.workload(ds.id).map_or(1, |w| w.generation);
        rt.extend([Counted(ds.id, fd::status(generation, &nodes, &should_run, &pods))]);
        rt.extend([Observed(ds.id, ds.observed)]);
        pod_facts(&mut rt, ds.id, &pods, &node_set);
        if current.deduped {
            rt.extend([Deduped(ds.id)]);
            for p in claimed.iter().filter_map(|&p| f.pod(p)) {
                rt.extend([Claimed(ds.id, p.id)]);
                if p.labels.iter().any(|(k, v)| k == REVISION_LABEL && *v == current.hash) {
                    rt.extend([HashMatches(p.id)]);
                }
            }
        }
        let min_ready = f.workload(ds.id).map_or(0, |w| w.min_ready);
        if min_ready > 0 {
            let at = claimed.iter().filter_map(|&p| f.pod(p)?.available_from(min_ready));
            rt.extend(at.map(|t| AvailableAt(ds.id, t)));
        }
        if pods.iter().any(|p| p.phase == Phase::Failed && !p.deleting) {
            for (node, until) in fd::failed_pod_backoff(f, ds.id, f.now) {
                rt.extend([InBackoff(ds.id, syms.sym(&node), until)]);
            }
        }
        all_pods.extend(pods.iter().cloned());
        synced.insert(
            ds.id,
            Synced { ds, hash: current.hash.clone(), pods, scaled: (surge, unavailable, desired) },
        );
    }
    let (first, links) = fd::node_chain(f, &all_pods);
    rt.extend(first.map(NodeFirst));
    rt.extend(links.into_iter().map(|(a, b)| NodeNext(a, b)));
    let (creates, deletes, statuses, relabels, wakes) = rt.run_with_hasher::<FxBuildHasher>();

    let mut templates: FxHashMap<Id, Value> = FxHashMap::default();
    for Create(ds, n, why) in creates {
        let Some(s) = synced.get(&ds) else { continue };
        let node = syms.resolve(n).to_string();
        let base = templates.entry(ds).or_insert_with(|| daemon_pod(f.raw(ds), s.ds, &s.hash));
        let mut pod = base.clone();
        fd::pin_to_node(&mut pod, &node);
        let action = Action::new(Change::Create { object: pod }, NAME, create_reason(why, &node, s.scaled))
            .with_event(f.key(ds), EventType::Normal, "SuccessfulCreate", "Created pod: {name}")
            .or_when_forbidden(podtemplate::failed_create(NAME, f.key(ds), f.now));
        out.push((ds, PHASE_CREATE, ds, action));
    }
    let pod_node: FxHashMap<Id, &DaemonPod> =
        synced.values().flat_map(|s| s.pods.iter()).map(|p| (p.id, p)).collect();
    for Delete(ds, pod, why, x) in deletes {
        let Some(s) = synced.get(&ds) else { continue };
        let key = f.key(pod).clone();
        let node = pod_node.get(&pod).map_or("", |p| p.node_name.as_str()).to_string();
        let mut action = Action::new(
            Change::Delete { key: key.clone(), propagation: Propagation::Background },
            NAME,
            delete_reason(why, &node, x, s.scaled),
        );
        let ds_key = f.key(ds);
        if why == FAILED {
            action = action.with_event(
                ds_key,
                EventType::Warning,
                fd::FAILED_DAEMON_POD,
                fd::failed_pod_message(&key, &node),
            );
        } else if why == SUCCEEDED {
            action = action.with_event(
                ds_key,
                EventType::Normal,
                "SucceededDaemonPod",
                format!(
                    "Found succeeded daemon pod {}/{} on node {node}, will try to delete it",
                    key.namespace, key.name
                ),
            );
        }
        let action = action.with_event(
            ds_key,
            EventType::Normal,
            "SuccessfulDelete",
            format!("Deleted pod: {}", key.name),
        );
        out.push((ds, PHASE_DELETE, pod, action));
    }
    for Relabel(ds, pod) in relabels {
        let Some(s) = synced.get(&ds) else { continue };
        out.push((
            ds,
            PHASE_RELABEL,
            pod,
            patch_action(
                f,
                pod,
                json!({"metadata": {"labels": {REVISION_LABEL: s.hash}}}),
                format!("duplicate revisions deleted: relabel to hash {}", s.hash),
            ),
        ));
    }
    for WriteStatus(ds, st) in statuses {
        out.push((
            ds,
            PHASE_STATUS,
            ds,
            patch_action(
                f,
                ds,
                status_patch(&st),
                format!(
                    "status: desired {}, current {}, ready {}, up-to-date {}, available {}",
                    st.desired, st.current, st.ready, st.updated, st.available
                ),
            ),
        ));
    }
    let mut wakes: Vec<i64> = wakes.into_iter().map(|Wake(t)| t).collect();
    wakes.sort_unstable();
    wakes.dedup();
    wakes
}

/// The per-pod and per-node facts of one DaemonSet's pods (sorted by node, then
/// `podByCreationTimestampAndPhase`).
fn pod_facts(rt: &mut Crepe, ds: Id, pods: &[DaemonPod], nodes: &FxHashSet<Sym>) {
    let mut deletable: Vec<Id> = Vec::new();
    let mut unplaced: Vec<Id> = Vec::new();
    for group in fd::by_node(pods) {
        let node = group[0].node;
        rt.extend([HasPods(ds, node)]);
        let running: Vec<&DaemonPod> = group.iter().filter(|p| p.running()).collect();
        rt.extend([RunningCount(ds, node, running.len() as i64)]);
        let (mut new, mut old) = (0i64, 0i64);
        for (place, p) in running.iter().enumerate() {
            let same = running[..place].iter().filter(|q| q.hash_matches == p.hash_matches).count();
            rt.extend([Running(ds, node, p.id, place as i64, p.hash_matches, same as i64)]);
        }
        let failed = group.iter().filter(|p| p.phase == Phase::Failed && !p.deleting);
        rt.extend(failed.enumerate().map(|(place, p)| Failed(ds, node, p.id, place as i64)));
        for p in group.iter().filter(|p| !p.deleting) {
            rt.extend([Live(ds, node, p.id)]);
            if p.phase == Phase::Succeeded {
                rt.extend([Succeeded(ds, node, p.id)]);
            }
            if p.updated {
                new += 1;
            } else {
                old += 1;
            }
            if nodes.contains(&node) {
                deletable.push(p.id);
            } else if !p.scheduled {
                unplaced.push(p.id);
            }
        }
        rt.extend([PodCounts(ds, node, new, old)]);
        let live = || group.iter().filter(|p| !p.deleting);
        if new == 1 {
            rt.extend(live().filter(|p| p.updated).map(|p| NewOn(ds, node, p.id)));
        }
        if old == 1 {
            rt.extend(live().filter(|p| !p.updated).map(|p| OldOn(ds, node, p.id)));
        }
        if old > 0 {
            rt.extend([HasOldPods(ds)]);
        }
        for p in group {
            if p.ready {
                rt.extend([PodReady(p.id)]);
            }
            if p.available {
                rt.extend([PodAvailable(p.id)]);
            }
        }
    }
    rt.extend(unplaced.iter().map(|&p| Unplaced(ds, p)));
    deletable.extend(unplaced);
    rt.extend(deletable.first().map(|&p| PodFirst(ds, p)));
    rt.extend(deletable.windows(2).map(|w| PodNext(ds, w[0], w[1])));
}

/// `CreatePodTemplate` for a DaemonSet: its template with the `controller-revision-hash` (and
/// `pod-template-generation`) labels and the default tolerations, as a pod named
/// `<daemonset>-<suffix>` by the API server.
fn daemon_pod(owner: &Value, ds: &DaemonSetF, hash: &str) -> Value {
    let mut pod = podtemplate::pod_from_template(owner, &format!("{}-", model::name(owner)));
    let labels = model::obj_mut(&mut pod, &["metadata", "labels"]);
    labels.insert(REVISION_LABEL.into(), json!(hash));
    if let Some(generation) = &ds.template_generation {
        labels.insert(fd::POD_TEMPLATE_GENERATION.into(), json!(generation));
    }
    let tolerations = fd::daemon_pod_tolerations(model::at(&pod, &["spec"]).unwrap_or(&Value::Null));
    model::obj_mut(&mut pod, &["spec"]).insert("tolerations".into(), Value::Array(tolerations));
    pod
}

fn create_reason(why: u8, node: &str, (surge, unavailable, desired): (i64, i64, i64)) -> String {
    match why {
        NO_POD => format!("node {node} should run a daemon pod and has none ({desired} desired)"),
        NO_RUNNING_POD => format!("node {node} has no running daemon pod (maxSurge {surge})"),
        OLD_UNAVAILABLE => format!("rolling update (maxSurge {surge}): old pod on {node} unavailable: surge"),
        SURGE => format!("rolling update (maxSurge {surge}, maxUnavailable {unavailable}): surge on {node}"),
        _ => format!("node {node}: create"),
    }
}

fn delete_reason(why: u8, node: &str, x: i64, (surge, _, desired): (i64, i64, i64)) -> String {
    match why {
        FAILED => format!("daemon pod failed on {node}: delete"),
        SUCCEEDED => format!("daemon pod succeeded on {node}: delete"),
        EXTRA => format!("{x} daemon pods running on {node}: keep the oldest"),
        OLD_NOT_READY => format!("surge on {node}: old pod not ready: delete"),
        NEW_AVAILABLE => {
            format!("rolling update (maxSurge {surge}): new pod on {node} available: delete old")
        }
        NOT_ELIGIBLE => format!("node {node} should no longer run the daemon pod"),
        NO_NODE => format!("pinned to node {node}, which does not exist"),
        OLD_UNAVAILABLE => {
            format!("rolling update (maxUnavailable {x}): old pod on {node} unavailable: delete")
        }
        OLD_AVAILABLE => format!("rolling update (maxUnavailable {x}): replace old pod on {node}"),
        NO_LONGER_RUNS => {
            format!("rolling update: {x} available of {desired} desired, node {node} no longer runs the daemon pod")
        }
        _ => format!("daemon pod on {node}: delete"),
    }
}

/// The status as upstream serializes it: `observedGeneration`, `updatedNumberScheduled`,
/// `numberAvailable` and `numberUnavailable` are omitted when zero.
fn status_patch(st: &DaemonStatus) -> Value {
    let omit_zero = |n: i64| if n == 0 { Value::Null } else { json!(n) };
    json!({"status": {
        "currentNumberScheduled": st.current,
        "numberMisscheduled": st.misscheduled,
        "desiredNumberScheduled": st.desired,
        "numberReady": st.ready,
        "observedGeneration": omit_zero(st.observed_generation),
        "updatedNumberScheduled": omit_zero(st.updated),
        "numberAvailable": omit_zero(st.available),
        "numberUnavailable": omit_zero(st.unavailable),
    }})
}
