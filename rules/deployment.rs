//! Deployment controller (upstream `pkg/controller/deployment`: deployment_controller.go,
//! sync.go, rolling.go, recreate.go, progress.go, util/deployment_util.go).
//!
//! `syncDeployment` dispatch: a Deployment being deleted only has its status synced; a paused
//! one, or one whose active ReplicaSets were sized for another replica count (a scaling event),
//! is *synced* (`scale`: the single active ReplicaSet takes the new size, or old ones go to zero
//! when the new one is saturated, or — mid-rollout — every active ReplicaSet grows or shrinks in
//! proportion, leftovers to the largest); otherwise it is *rolled out* with its strategy:
//!
//! * RollingUpdate (`rolloutRolling`): create the new ReplicaSet if missing; scale it up to at
//!   most replicas + maxSurge pods in total; otherwise scale old ReplicaSets down, unhealthy
//!   replicas first, then oldest first, never below replicas − maxUnavailable available pods.
//!   One direction per sync.
//! * Recreate (`rolloutRecreate`): scale every old ReplicaSet to zero, wait until none of their
//!   pods is left, then create / scale up the new one.
//!
//! Around that: the new ReplicaSet's revision is one above the old ones' (its old number kept in
//! `revision-history`), the Deployment's annotations are copied onto it, a complete Deployment
//! deletes its oldest idle ReplicaSets beyond `revisionHistoryLimit`, and the status carries the
//! Available and Progressing conditions (ProgressDeadlineExceeded once no progress was made
//! for `progressDeadlineSeconds`; a stuck rollout asks to be looked at again when its deadline
//! passes, a complete one does not) and, while it rolls out, the ReplicaFailure condition of its
//! new ReplicaSet or else of an old one (`getReplicaFailures`), removed once none has one.
//!
//! The walks upstream does in loops (cleanup of unhealthy replicas, oldest-first scale down,
//! proportional scaling) are recursions along chains the facts layer orders.

use crate::actions::{Action, Change, EventType, Precondition};
use crate::controllers::{Controller, Proposals};
use crate::facts::deploy::{self as df, DeployFacts, DeployStatus, Strategy, Totals};
use crate::facts::{Facts, Id};
use crate::model;
use crate::podtemplate;
use crepe::crepe;
use rustc_hash::{FxBuildHasher, FxHashMap};
use serde_json::{json, Map, Value};

/// The Progressing condition's reasons (upstream deploymentutil's `*Reason` constants).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reason {
    /// No Progressing condition.
    Unset,
    /// A Progressing condition with a reason the controller never sets (or none): upstream's
    /// `DeploymentTimedOut` runs its clock from its lastUpdateTime like any reason other than
    /// NewReplicaSetAvailable and ProgressDeadlineExceeded.
    Other,
    NewReplicaSetCreated,
    FoundNewReplicaSet,
    ReplicaSetUpdated,
    NewReplicaSetAvailable,
    ProgressDeadlineExceeded,
    DeploymentPaused,
    DeploymentResumed,
}

impl Reason {
    /// The reason a stored Progressing condition carries.
    pub fn parse(reason: &str) -> Reason {
        match reason {
            "NewReplicaSetCreated" => Reason::NewReplicaSetCreated,
            "FoundNewReplicaSet" => Reason::FoundNewReplicaSet,
            "ReplicaSetUpdated" => Reason::ReplicaSetUpdated,
            "NewReplicaSetAvailable" => Reason::NewReplicaSetAvailable,
            "ProgressDeadlineExceeded" => Reason::ProgressDeadlineExceeded,
            "DeploymentPaused" => Reason::DeploymentPaused,
            "DeploymentResumed" => Reason::DeploymentResumed,
            _ => Reason::Other,
        }
    }

    /// The Progressing condition a reason sets, (status, reason), as upstream builds it with
    /// `NewDeploymentCondition`: Unknown while paused or just resumed (checkPausedConditions),
    /// False once the deadline is exceeded, True otherwise.
    pub fn condition(self) -> Option<(&'static str, &'static str)> {
        match self {
            Reason::Unset | Reason::Other => None,
            Reason::DeploymentPaused => Some(("Unknown", "DeploymentPaused")),
            Reason::DeploymentResumed => Some(("Unknown", "DeploymentResumed")),
            Reason::NewReplicaSetCreated => Some(("True", "NewReplicaSetCreated")),
            Reason::FoundNewReplicaSet => Some(("True", "FoundNewReplicaSet")),
            Reason::ReplicaSetUpdated => Some(("True", "ReplicaSetUpdated")),
            Reason::NewReplicaSetAvailable => Some(("True", "NewReplicaSetAvailable")),
            Reason::ProgressDeadlineExceeded => Some(("False", "ProgressDeadlineExceeded")),
        }
    }
}

/// The Available condition's reasons (`calculateStatus`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Availability {
    MinimumReplicasAvailable,
    MinimumReplicasUnavailable,
}

impl Availability {
    /// The Available condition: (status, reason, message).
    pub fn condition(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Availability::MinimumReplicasAvailable => {
                ("True", "MinimumReplicasAvailable", "Deployment has minimum availability.")
            }
            Availability::MinimumReplicasUnavailable => {
                ("False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.")
            }
        }
    }
}

/// Where in one sync a Progressing condition is set; a later one is set over an earlier one,
/// and the Available condition between `GetNewReplicaSet` and `SyncRolloutStatus` (as
/// `calculateStatus` sets it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stage {
    CheckPausedConditions,
    GetNewReplicaSet,
    SyncRolloutStatus,
}

/// `ResolveFenceposts` (0, 0 for Recreate): surge rounds up, unavailable down, and both zero
/// means one unavailable.
pub fn fenceposts(st: Strategy, replicas: i64) -> (i64, i64) {
    if !st.rolling {
        return (0, 0);
    }
    let surge = st.max_surge.scaled(replicas, true);
    let unavailable = st.max_unavailable.scaled(replicas, false);
    if surge == 0 && unavailable == 0 {
        (0, 1)
    } else {
        (surge, unavailable)
    }
}

/// `MaxSurge(d)`.
pub fn max_surge(st: Strategy, replicas: i64) -> i64 {
    fenceposts(st, replicas).0
}

/// `MaxUnavailable(d)`: never more than replicas; 0 for Recreate or zero replicas.
pub fn max_unavailable(st: Strategy, replicas: i64) -> i64 {
    if !st.rolling || replicas == 0 {
        0
    } else {
        fenceposts(st, replicas).1.min(replicas)
    }
}

/// `NewRSNewReplicas`: how big the new ReplicaSet may be now, given all ReplicaSets' specs.
pub fn new_rs_new_replicas(st: Strategy, replicas: i64, spec_all: i64, new_spec: i64) -> i64 {
    if !st.rolling {
        return replicas;
    }
    let max_total = replicas + st.max_surge.scaled(replicas, true);
    if spec_all >= max_total {
        return new_spec;
    }
    new_spec + (max_total - spec_all).min(replicas - new_spec)
}

/// `getReplicaSetFraction`: the ReplicaSet's share of the new maximum, from the maximum it was
/// sized for (its max-replicas annotation, else the Deployment's status.replicas).
pub fn fraction(spec: i64, st: Strategy, replicas: i64, annotated_max: i64, status_replicas: i64) -> i64 {
    if replicas == 0 {
        return -spec;
    }
    let max = replicas + max_surge(st, replicas);
    let before = if annotated_max > 0 { annotated_max } else { status_replicas };
    if before == 0 {
        return 0;
    }
    // math.Round of spec*max/before (all positive): half away from zero.
    (2 * spec * max + before) / (2 * before) - spec
}

/// `calculateStatus`: counts summed over the ReplicaSets; `updated` is the new one's replicas.
pub fn status_of(generation: i64, t: Totals, updated: i64, created_spec: i64) -> DeployStatus {
    DeployStatus {
        observed_generation: generation,
        replicas: t.status_all,
        updated,
        ready: t.ready_all,
        available: t.available_all,
        unavailable: (t.spec_all + created_spec - t.available_all).max(0),
    }
}

/// `GetProportion`.
pub fn proportion(spec: i64, to_add: i64, added: i64, fraction: i64) -> i64 {
    if spec == 0 || to_add == 0 || to_add == added {
        return 0;
    }
    let allowed = to_add - added;
    if to_add > 0 {
        fraction.min(allowed)
    } else {
        fraction.max(allowed)
    }
}

/// The name this controller's actions carry in the trace.
pub const NAME: &str = "deployment";

pub const CONTROLLER: Controller = Controller { name: NAME, component: "deployment-controller", reconcile };

crepe! {
    // (deployment, spec.replicas, paused, being deleted, strategy).
    @input
    pub struct Deploy(Id, i64, bool, bool, Strategy);
    // (deployment, metadata.generation, revision annotation, revisionHistoryLimit).
    @input
    pub struct DeployMeta(Id, i64, i64, i64);
    // (deployment, progressDeadlineSeconds) when it has one.
    @input
    pub struct Deadline(Id, i64);
    // Status the Deployment shows now, and its Progressing condition: (deployment, reason,
    // lastUpdateTime).
    @input
    pub struct Observed(Id, DeployStatus);
    @input
    pub struct CurrentProgress(Id, Reason, i64);
    // A claimed ReplicaSet: (deployment, rs, spec.replicas, availableReplicas).
    @input
    pub struct DRs(Id, Id, i64, i64);
    // (rs, status.replicas, revision, desired-replicas or -1, max-replicas or -1).
    @input
    pub struct RsState(Id, i64, i64, i64, i64);
    // (rs, annotations stale, minReadySeconds differs, status.observedGeneration caught up
    // with metadata.generation).
    @input
    pub struct RsFlags(Id, bool, bool, bool);
    @input
    pub struct NewRs(Id, Id);
    @input
    pub struct OldHead(Id, Id);
    @input
    pub struct OldNext(Id, Id, Id);
    @input
    pub struct NewerHead(Id, Id);
    @input
    pub struct NewerNext(Id, Id, Id);
    @input
    pub struct OlderHead(Id, Id);
    @input
    pub struct OlderNext(Id, Id, Id);
    @input
    pub struct ByRevision(Id, Id, i64);
    @input
    pub struct Cleanable(Id, i64);
    @input
    pub struct Sums(Id, Totals);
    // A ReplicaSet of a Recreate Deployment with a pod not Succeeded or Failed (terminating
    // pods count).
    @input
    pub struct LivePods(Id);
    // (deployment, object): the ReplicaSet holding the name of the one to create
    // (`<deployment>-<pod-template-hash>` with the collision count).
    @input
    pub struct NameHolder(Id, Id);
    // (deployment, time) one of its Ready pods becomes available (minReadySeconds).
    @input
    pub struct PodAvailableAt(Id, i64);
    // A claimed ReplicaSet carrying a ReplicaFailure condition.
    @input
    pub struct RsFailure(Id);
    @input
    pub struct Now(i64);

    struct HasNew(Id);
    struct NameTaken(Id);
    struct OldPodsRunning(Id);
    struct Idle(Id);
    struct OldRs(Id, Id);
    struct Active(Id, Id);
    struct ScalingEvent(Id);
    struct Sync(Id);
    struct Rollout(Id);
    struct RollingD(Id, i64, Strategy);
    struct RecreateD(Id, i64);
    struct WantRs(Id, i64);
    struct ScaleNew(Id, Id, i64);
    struct ScaleOld(Id, Id, i64);
    struct NewScaled(Id);
    struct NewNow(Id, i64, i64);
    struct OldPhase(Id, i64, i64);
    struct CleanAt(Id, Id, i64);
    struct Clean(Id, Id, i64, bool);
    struct CleanFailed(Id);
    struct DownAt(Id, Id, i64);
    struct Down(Id, Id, i64);
    struct OldScaled(Id);
    struct OldZeroed(Id);
    struct RecreateReady(Id, i64);
    struct SimpleSync(Id);
    struct Saturated(Id);
    struct Prop(Id, i64);
    struct PropAt(Id, Id, i64);
    struct Portion(Id, Id, i64);
    struct PropTotal(Id, i64);
    struct IsPropHead(Id, Id);
    struct PropSize(Id, Id, i64);
    struct Creating(Id);
    struct Settled(Id);
    struct Complete(Id);
    struct NewStatusOf(Id, DeployStatus);
    struct EarlyProgress(Id, Reason, Stage);
    struct EarlyChanged(Id);
    struct EarlyStage1(Id);
    struct Cond(Id, Reason, i64);
    struct NewComplete(Id);
    struct NewFails(Id);
    struct OldFailureAt(Id, Id);
    struct CopiesFailure(Id);

    // Create the new ReplicaSet with n replicas.
    @output
    pub struct CreateRs(Id, i64);
    @output
    pub struct BumpCollision(Id);
    // Scale a ReplicaSet: (deployment, rs, to). Rollout scaling records an event.
    @output
    pub struct ScaleRs(Id, Id, i64);
    // Sync scaling (proportional): also refreshes the replicas annotations.
    @output
    pub struct SyncScale(Id, Id, i64);
    // The new ReplicaSet's annotations (copied, revision) or minReadySeconds are stale: (deployment, rs, revision).
    @output
    pub struct SyncNewRs(Id, Id, i64);
    @output
    pub struct SetRevision(Id, i64);
    @output
    pub struct DeleteRs(Id, Id);
    // (deployment, status, the Available condition's reason).
    @output
    pub struct WriteStatus(Id, DeployStatus, Availability);
    // A Progressing condition this sync sets: (deployment, reason, stage).
    @output
    pub struct Progress(Id, Reason, Stage);
    // Without progressDeadlineSeconds the Deployment carries no Progressing condition.
    @output
    pub struct DropProgressing(Id);
    // The ReplicaFailure condition the Deployment takes over: (deployment, rs).
    @output
    pub struct CopyFailure(Id, Id);
    // No ReplicaSet of the rollout fails: the Deployment's ReplicaFailure condition is removed.
    @output
    pub struct DropFailure(Id);
    @output
    pub struct Wake(i64);

    HasNew(d) <- NewRs(d, _);
    OldRs(d, rs) <- OldHead(d, rs);
    OldRs(d, rs) <- OldNext(d, _, rs);
    Active(d, rs) <- DRs(d, rs, spec, _), (spec > 0);

    // syncDeployment dispatch.
    ScalingEvent(d) <-
        Deploy(d, replicas, false, false, _), Active(d, rs), RsState(rs, _, _, desired, _),
        (desired >= 0), (desired != replicas);
    Sync(d) <- Deploy(d, _, true, false, _);
    Sync(d) <- ScalingEvent(d);
    Rollout(d) <- Deploy(d, _, false, false, _), !ScalingEvent(d);
    RollingD(d, r, st) <- Rollout(d), Deploy(d, r, _, _, st), (st.rolling);
    RecreateD(d, r) <- Rollout(d), Deploy(d, r, _, _, st), (!st.rolling);

    // getNewReplicaSet: revision and annotations of the new ReplicaSet, and the Deployment's revision.
    SyncNewRs(d, rs, rev) <-
        NewRs(d, rs), Sums(d, t), RsState(rs, _, cur, _, _), RsFlags(rs, stale, min_ready_differs, _),
        let rev = cur.max(t.max_old_revision + 1), (rev != cur || stale || min_ready_differs);
    SetRevision(d, rev) <-
        NewRs(d, rs), !SyncNewRs(d, rs, _), RsState(rs, _, rev, _, _), DeployMeta(d, _, cur, _), (rev != cur);
    SetRevision(d, t.max_old_revision + 1) <- CreateRs(d, _), Sums(d, t);
    // A hash collision: the name is held by a ReplicaSet other than the new one.
    NameTaken(d) <- NameHolder(d, rs), !NewRs(d, rs);
    CreateRs(d, n) <- WantRs(d, n), !NameTaken(d);
    BumpCollision(d) <- WantRs(d, _), NameTaken(d);

    // rolloutRolling.
    WantRs(d, n) <- RollingD(d, r, st), !HasNew(d), Sums(d, t), let n = new_rs_new_replicas(st, r, t.spec_all, 0);
    ScaleNew(d, rs, to) <-
        RollingD(d, r, st), NewRs(d, rs), DRs(d, rs, spec, _), (spec != r), Sums(d, t),
        let to = if spec > r { r } else { new_rs_new_replicas(st, r, t.spec_all, spec) }, (to != spec);
    NewScaled(d) <- ScaleNew(d, _, _);
    ScaleRs(d, rs, to) <- ScaleNew(d, rs, to);
    NewNow(d, spec, available) <- RollingD(d, _, _), NewRs(d, rs), DRs(d, rs, spec, available), !NewScaled(d);
    NewNow(d, n, 0) <- RollingD(d, _, _), CreateRs(d, n);

    // reconcileOldReplicaSets: the budget, then cleanupUnhealthyReplicas and
    // scaleDownOldReplicaSetsForRollingUpdate, both oldest first.
    OldPhase(d, max_scaled_down, min_available) <-
        RollingD(d, r, st), NewNow(d, new_spec, new_available), Sums(d, t), (t.spec_old > 0),
        let min_available = r - max_unavailable(st, r),
        let max_scaled_down = t.spec_old + new_spec - min_available - (new_spec - new_available),
        (max_scaled_down > 0);
    // An old ReplicaSet reporting more available replicas than its spec (its pods not yet
    // deleted after a scale down) while budget is left makes upstream's cleanup fail ("invalid
    // request to scale down"): the cleanups before it stand, the walk stops, nothing else is
    // scaled down and the sync counts as not scaled (reconcileOldReplicaSets returns false, nil).
    CleanAt(d, rs, 0) <- OldPhase(d, _, _), OldHead(d, rs);
    Clean(d, rs, c, fails) <-
        CleanAt(d, rs, done), OldPhase(d, budget, _), DRs(d, rs, spec, available),
        let fails = { done < budget && spec > 0 && available > spec },
        let c = if spec == 0 || fails { 0 } else { (spec - available).max(0).min((budget - done).max(0)) };
    CleanAt(d, next, done + c) <- CleanAt(d, rs, done), Clean(d, rs, c, false), OldNext(d, rs, next);
    CleanFailed(d) <- Clean(d, _, _, true);
    DownAt(d, rs, 0) <- OldPhase(d, _, _), OldHead(d, rs), !CleanFailed(d);
    Down(d, rs, x) <-
        DownAt(d, rs, done), Clean(d, rs, c, _), DRs(d, rs, spec, _), OldPhase(d, _, min_available), Sums(d, t),
        let budget = t.available_all - min_available,
        let x = if budget <= 0 { 0 } else { (spec - c).min((budget - done).max(0)) };
    DownAt(d, next, done + x) <- DownAt(d, rs, done), Down(d, rs, x), OldNext(d, rs, next);
    ScaleOld(d, rs, spec - c - x) <- Down(d, rs, x), Clean(d, rs, c, _), DRs(d, rs, spec, _), (c + x > 0);
    ScaleOld(d, rs, spec - c) <- CleanFailed(d), Clean(d, rs, c, false), DRs(d, rs, spec, _), (c > 0);
    OldScaled(d) <- ScaleOld(d, _, _), !CleanFailed(d);
    ScaleRs(d, rs, to) <- ScaleOld(d, rs, to);

    // rolloutRecreate.
    ScaleRs(d, rs, 0) <- RecreateD(d, _), OldRs(d, rs), Active(d, rs);
    OldZeroed(d) <- RecreateD(d, _), OldRs(d, rs), Active(d, rs);
    // oldPodsRunning: old ReplicaSets still report pods, or one of their pods has not finished.
    OldPodsRunning(d) <- RecreateD(d, _), Sums(d, t), (t.status_old > 0);
    OldPodsRunning(d) <- RecreateD(d, _), OldRs(d, rs), LivePods(rs);
    RecreateReady(d, r) <- RecreateD(d, r), !OldZeroed(d), !OldPodsRunning(d);
    WantRs(d, r) <- RecreateReady(d, r), !HasNew(d);
    ScaleRs(d, rs, r) <- RecreateReady(d, r), NewRs(d, rs), DRs(d, rs, spec, _), (spec != r);

    // sync → scale(): FindActiveOrLatest, IsSaturated, proportional scaling.
    SimpleSync(d) <- Sync(d), Sums(d, t), (t.active == 1);
    SimpleSync(d) <- Sync(d), Sums(d, t), (t.active == 0), HasNew(d);
    SimpleSync(d) <- Sync(d), Sums(d, t), (t.active == 0), OldRs(d, _);
    ScaleRs(d, rs, r) <- Sync(d), Sums(d, t), (t.active == 1), Active(d, rs), DRs(d, rs, spec, _), Deploy(d, r, _, _, _), (spec != r);
    ScaleRs(d, rs, r) <- Sync(d), Sums(d, t), (t.active == 0), NewRs(d, rs), DRs(d, rs, spec, _), Deploy(d, r, _, _, _), (spec != r);
    ScaleRs(d, rs, r) <-
        Sync(d), Sums(d, t), (t.active == 0), !HasNew(d), OldRs(d, rs), !OldNext(d, rs, _),
        DRs(d, rs, spec, _), Deploy(d, r, _, _, _), (spec != r);
    Saturated(d) <-
        Sync(d), !SimpleSync(d), NewRs(d, rs), DRs(d, rs, spec, available), RsState(rs, _, _, desired, _),
        Deploy(d, r, _, _, _), (spec == r), (desired == r), (available == r);
    ScaleRs(d, rs, 0) <- Saturated(d), OldRs(d, rs), Active(d, rs);
    Prop(d, to_add) <-
        Sync(d), !SimpleSync(d), !Saturated(d), Deploy(d, r, _, _, st), (st.rolling), Sums(d, t),
        let allowed = if r > 0 { r + max_surge(st, r) } else { 0 }, let to_add = allowed - t.spec_all;
    PropAt(d, rs, 0) <- Prop(d, to_add), (to_add > 0), NewerHead(d, rs);
    PropAt(d, rs, 0) <- Prop(d, to_add), (to_add <= 0), OlderHead(d, rs);
    IsPropHead(d, rs) <- Prop(d, to_add), (to_add > 0), NewerHead(d, rs);
    IsPropHead(d, rs) <- Prop(d, to_add), (to_add <= 0), OlderHead(d, rs);
    Portion(d, rs, p) <-
        PropAt(d, rs, added), Prop(d, to_add), DRs(d, rs, spec, _), RsState(rs, _, _, _, annotated_max),
        Deploy(d, r, _, _, st), Observed(d, seen),
        let p = proportion(spec, to_add, added, fraction(spec, st, r, annotated_max, seen.replicas));
    PropAt(d, next, added + p) <- PropAt(d, rs, added), Portion(d, rs, p), Prop(d, to_add), (to_add > 0), NewerNext(d, rs, next);
    PropAt(d, next, added + p) <- PropAt(d, rs, added), Portion(d, rs, p), Prop(d, to_add), (to_add <= 0), OlderNext(d, rs, next);
    PropTotal(d, added + p) <- PropAt(d, rs, added), Portion(d, rs, p), Prop(d, to_add), (to_add > 0), !NewerNext(d, rs, _);
    PropTotal(d, added + p) <- PropAt(d, rs, added), Portion(d, rs, p), Prop(d, to_add), (to_add <= 0), !OlderNext(d, rs, _);
    PropSize(d, rs, spec + p) <- Portion(d, rs, p), DRs(d, rs, spec, _), !IsPropHead(d, rs);
    PropSize(d, rs, (spec + p + to_add - total).max(0)) <-
        Portion(d, rs, p), IsPropHead(d, rs), DRs(d, rs, spec, _), Prop(d, to_add), PropTotal(d, total);
    // scaleReplicaSet writes a ReplicaSet whose size or replicas annotations change.
    SyncScale(d, rs, size) <- PropSize(d, rs, size), DRs(d, rs, spec, _), (size != spec);
    SyncScale(d, rs, size) <-
        PropSize(d, rs, size), RsState(rs, _, _, desired, annotated_max), Deploy(d, r, _, _, st),
        (desired != r || annotated_max != r + max_surge(st, r));

    // cleanupDeployment: complete rollouts (and paused Deployments) drop their oldest idle
    // ReplicaSets beyond revisionHistoryLimit; idle: no replicas wanted or reported, and its
    // status observed its latest generation.
    Idle(rs) <- DRs(_, rs, 0, _), RsState(rs, 0, _, _, _), RsFlags(rs, _, _, true);
    Settled(d) <- RollingD(d, _, _), !NewScaled(d), !OldScaled(d), HasNew(d);
    Settled(d) <- RecreateD(d, _), !OldZeroed(d), HasNew(d);
    Settled(d) <- Deploy(d, _, true, false, _);
    Complete(d) <-
        Deploy(d, r, _, _, _), Observed(d, s), DeployMeta(d, generation, _, _),
        (s.updated == r), (s.replicas == r), (s.available == r), (s.observed_generation >= generation);
    DeleteRs(d, rs) <-
        Settled(d), Complete(d), DeployMeta(d, _, _, limit), Cleanable(d, n), ByRevision(d, rs, rank),
        (rank < n - limit), Idle(rs);
    DeleteRs(d, rs) <-
        Deploy(d, _, true, false, _), DeployMeta(d, _, _, limit), Cleanable(d, n), ByRevision(d, rs, rank),
        (rank < n - limit), Idle(rs);

    // calculateStatus and syncRolloutStatus.
    // A ReplicaSet created in this sync counts with its initial size (upstream keeps it in allRSs).
    Creating(d) <- CreateRs(d, _);
    NewStatusOf(d, status_of(generation, t, updated, 0)) <-
        DeployMeta(d, generation, _, _), Sums(d, t), NewRs(d, rs), RsState(rs, updated, _, _, _);
    NewStatusOf(d, status_of(generation, t, 0, n)) <- DeployMeta(d, generation, _, _), !HasNew(d), Sums(d, t), CreateRs(d, n);
    NewStatusOf(d, status_of(generation, t, 0, 0)) <- DeployMeta(d, generation, _, _), !HasNew(d), Sums(d, t), !Creating(d);
    WriteStatus(d, s, Availability::MinimumReplicasAvailable) <-
        NewStatusOf(d, s), Deploy(d, r, _, _, st), (s.available >= r - max_unavailable(st, r));
    WriteStatus(d, s, Availability::MinimumReplicasUnavailable) <-
        NewStatusOf(d, s), Deploy(d, r, _, _, st), (s.available < r - max_unavailable(st, r));

    // checkPausedConditions.
    EarlyProgress(d, Reason::DeploymentPaused, Stage::CheckPausedConditions) <-
        Deploy(d, _, true, false, _), Deadline(d, _), CurrentProgress(d, cur, _),
        (cur != Reason::DeploymentPaused), (cur != Reason::ProgressDeadlineExceeded);
    EarlyProgress(d, Reason::DeploymentResumed, Stage::CheckPausedConditions) <-
        Deploy(d, _, false, false, _), Deadline(d, _), CurrentProgress(d, Reason::DeploymentPaused, _);
    // getNewReplicaSet (FoundNewReplicaSet only when there was no condition and the new
    // ReplicaSet's annotations were already in sync).
    EarlyProgress(d, Reason::NewReplicaSetCreated, Stage::GetNewReplicaSet) <- CreateRs(d, _), Deadline(d, _);
    EarlyProgress(d, Reason::FoundNewReplicaSet, Stage::GetNewReplicaSet) <-
        Deploy(d, _, false, _, _), NewRs(d, rs), !SyncNewRs(d, rs, _), Deadline(d, _),
        CurrentProgress(d, Reason::Unset, _);
    Progress(d, code, stage) <- EarlyProgress(d, code, stage);
    DropProgressing(d) <- Deploy(d, _, _, _, _), !Deadline(d, _);
    // The Progressing condition syncRolloutStatus reads: the one set earlier in this sync (with
    // lastUpdateTime now), else the stored one. A resumed or newly created rollout's clock
    // starts now, so an old lastUpdateTime cannot time it out.
    EarlyChanged(d) <- EarlyProgress(d, _, _);
    EarlyStage1(d) <- EarlyProgress(d, _, Stage::GetNewReplicaSet);
    Cond(d, cur, since) <- CurrentProgress(d, cur, since), !EarlyChanged(d);
    Cond(d, reason, now) <- EarlyProgress(d, reason, Stage::GetNewReplicaSet), Now(now);
    Cond(d, reason, now) <- EarlyProgress(d, reason, Stage::CheckPausedConditions), !EarlyStage1(d), Now(now);
    // `DeploymentComplete` of the status this sync computes.
    NewComplete(d) <-
        NewStatusOf(d, s), Deploy(d, r, _, _, _), DeployMeta(d, generation, _, _),
        (s.updated == r && s.replicas == r && s.available == r && s.observed_generation >= generation);
    // syncRolloutStatus, for rollouts with a deadline that have not completed yet.
    Progress(d, Reason::NewReplicaSetAvailable, Stage::SyncRolloutStatus) <-
        Rollout(d), Deadline(d, _), NewStatusOf(d, s), Cond(d, cur, _), NewComplete(d),
        (!(s.replicas == s.updated && cur == Reason::NewReplicaSetAvailable));
    Progress(d, Reason::ReplicaSetUpdated, Stage::SyncRolloutStatus) <-
        Rollout(d), Deadline(d, _), NewStatusOf(d, s), Observed(d, old), Cond(d, cur, _), !NewComplete(d),
        (!(s.replicas == s.updated && cur == Reason::NewReplicaSetAvailable)),
        (s.updated > old.updated || s.replicas - s.updated < old.replicas - old.updated
            || s.ready > old.ready || s.available > old.available);
    // DeploymentTimedOut: any reason but NewReplicaSetAvailable runs the clock from the
    // condition's lastUpdateTime (ProgressDeadlineExceeded has already run out).
    Progress(d, Reason::ProgressDeadlineExceeded, Stage::SyncRolloutStatus) <-
        Rollout(d), Deadline(d, secs), NewStatusOf(d, s), Observed(d, old), Cond(d, cur, since), !NewComplete(d),
        Now(now),
        (cur != Reason::Unset), (cur != Reason::NewReplicaSetAvailable),
        (cur == Reason::ProgressDeadlineExceeded || since + secs < now),
        (!(s.replicas == s.updated && cur == Reason::NewReplicaSetAvailable)),
        (!(s.updated > old.updated || s.replicas - s.updated < old.replicas - old.updated
            || s.ready > old.ready || s.available > old.available));
    // getReplicaFailures: the new ReplicaSet's ReplicaFailure condition, else the first old
    // one's (oldest first; upstream takes the first of its informer's list), else none and the
    // Deployment's is removed.
    NewFails(d) <- NewRs(d, rs), RsFailure(rs);
    OldFailureAt(d, rs) <- OldHead(d, rs);
    OldFailureAt(d, next) <- OldFailureAt(d, rs), !RsFailure(rs), OldNext(d, rs, next);
    CopyFailure(d, rs) <- Rollout(d), NewRs(d, rs), RsFailure(rs);
    CopyFailure(d, rs) <- Rollout(d), !NewFails(d), OldFailureAt(d, rs), RsFailure(rs);
    CopiesFailure(d) <- CopyFailure(d, _);
    DropFailure(d) <- Rollout(d), !CopiesFailure(d);
    // Look again when a pod becomes available: its ReplicaSet's status, then this Deployment,
    // move on (upstream: the ReplicaSet controller's requeue after minReadySeconds).
    Wake(t) <- PodAvailableAt(_, t), Now(now), (t > now);
    // requeueStuckDeployment: look again when the deadline passes, unless the rollout is
    // complete or has timed out already.
    Wake(since + secs + 1) <-
        Rollout(d), Deadline(d, secs), Cond(d, cur, since), Now(now), !NewComplete(d),
        (cur != Reason::Unset), (cur != Reason::NewReplicaSetAvailable), (cur != Reason::ProgressDeadlineExceeded),
        (since + secs + 1 > now);
}

/// Run the Deployment controller over one snapshot.
pub fn reconcile(f: &Facts) -> Proposals {
    let d = f.deploy();
    if d.deployments.is_empty() {
        return Proposals::default();
    }
    let mut rt = Crepe::new();
    let new_rs_of: FxHashMap<Id, Id> = d.new_rs.iter().copied().collect();
    for x in &d.deployments {
        rt.extend([Deploy(x.id, x.replicas, x.paused, x.deleting, x.strategy)]);
        rt.extend([DeployMeta(x.id, x.generation, x.revision, x.history_limit)]);
        rt.extend(x.progress_deadline.map(|s| Deadline(x.id, s)));
        rt.extend([Observed(x.id, x.observed)]);
        let (reason, since) =
            x.progressing.as_ref().map_or((Reason::Unset, 0), |(_, reason, t)| (Reason::parse(reason), *t));
        rt.extend([CurrentProgress(x.id, reason, since)]);
        let name = new_rs_name(f, x.id, x.collision_count);
        let holder = f.id_of(&model::ObjKey::new("ReplicaSet", &x.ns, &name));
        rt.extend(holder.map(|rs| NameHolder(x.id, rs)));
    }
    for r in &d.replica_sets {
        rt.extend([DRs(r.deployment, r.rs, r.spec, r.available)]);
        let obj = f.raw(r.rs);
        let ann = |k: &str| model::annotation(obj, k).and_then(|v| v.parse::<i64>().ok()).unwrap_or(-1);
        rt.extend([RsState(
            r.rs,
            r.status_replicas,
            r.revision,
            ann(df::DESIRED_REPLICAS),
            ann(df::MAX_REPLICAS),
        )]);
        rt.extend([RsFlags(r.rs, r.annotations_stale, r.min_ready_differs, r.observed)]);
        if r.replica_failure {
            rt.extend([RsFailure(r.rs)]);
        }
    }
    rt.extend(d.new_rs.iter().map(|&(a, b)| NewRs(a, b)));
    rt.extend(d.old_head.iter().map(|&(a, b)| OldHead(a, b)));
    rt.extend(d.old_next.iter().map(|&(a, b, c)| OldNext(a, b, c)));
    rt.extend(d.newer_head.iter().map(|&(a, b)| NewerHead(a, b)));
    rt.extend(d.newer_next.iter().map(|&(a, b, c)| NewerNext(a, b, c)));
    rt.extend(d.older_head.iter().map(|&(a, b)| OlderHead(a, b)));
    rt.extend(d.older_next.iter().map(|&(a, b, c)| OlderNext(a, b, c)));
    rt.extend(d.by_revision.iter().map(|&(a, b, c)| ByRevision(a, b, c)));
    rt.extend(d.cleanable.iter().map(|&(a, b)| Cleanable(a, b)));
    rt.extend(d.totals.iter().map(|&(a, t)| Sums(a, t)));
    rt.extend(d.live_pods.iter().map(|&rs| LivePods(rs)));
    rt.extend(d.pods_available_at.iter().map(|&(a, t)| PodAvailableAt(a, t)));
    rt.extend([Now(f.now)]);
    let (
        creates,
        bumps,
        scales,
        sync_scales,
        sync_new,
        revisions,
        deletes,
        statuses,
        progress,
        dropped,
        copy_failure,
        drop_failure,
        wakes,
    ) = rt.run_with_hasher::<FxBuildHasher>();

    let glue = Glue::new(f, d, new_rs_of);
    let mut out: Vec<(u8, Id, Id, Action)> = Vec::new();
    for CreateRs(dep, n) in creates {
        out.push((0, dep, dep, glue.create_rs(dep, n)));
    }
    for BumpCollision(dep) in bumps {
        let count = glue.deployment(dep).collision_count + 1;
        out.push((
            0,
            dep,
            dep,
            patch(
                f,
                dep,
                json!({"status": {"collisionCount": count}}),
                format!("ReplicaSet name taken by another object: collisionCount {count}"),
            ),
        ));
    }
    for SyncNewRs(dep, rs, rev) in sync_new {
        out.push((1, dep, rs, glue.sync_new_rs(dep, rs, rev)));
    }
    for SetRevision(dep, rev) in revisions {
        out.push((
            1,
            dep,
            dep,
            patch(
                f,
                dep,
                json!({"metadata": {"annotations": {df::REVISION: rev.to_string()}}}),
                format!("revision {rev}"),
            ),
        ));
    }
    // Rollout scaling and proportional (sync) scaling never both fire for one Deployment.
    for ScaleRs(dep, rs, to) in
        scales.into_iter().chain(sync_scales.into_iter().map(|SyncScale(d, r, t)| ScaleRs(d, r, t)))
    {
        out.push((2, dep, rs, glue.scale(dep, rs, to, true)));
    }
    for DeleteRs(dep, rs) in deletes {
        out.push((
            3,
            dep,
            rs,
            Action::new(
                Change::Delete {
                    key: f.key(rs).clone(),
                    propagation: crate::actions::Propagation::Background,
                },
                NAME,
                format!("revisionHistoryLimit {}: delete old ReplicaSet", glue.deployment(dep).history_limit),
            ),
        ));
    }
    let mut progress_of: FxHashMap<Id, Vec<(Stage, Reason)>> = FxHashMap::default();
    for Progress(dep, reason, stage) in progress {
        progress_of.entry(dep).or_default().push((stage, reason));
    }
    let dropped: rustc_hash::FxHashSet<Id> = dropped.into_iter().map(|DropProgressing(d)| d).collect();
    let mut failure_of: FxHashMap<Id, Failure> =
        drop_failure.into_iter().map(|DropFailure(d)| (d, Failure::Remove)).collect();
    failure_of.extend(copy_failure.into_iter().map(|CopyFailure(d, rs)| (d, Failure::CopyFrom(rs))));
    for WriteStatus(dep, s, availability) in statuses {
        let mut progress = progress_of.remove(&dep).unwrap_or_default();
        progress.sort_unstable();
        let conditions = Conditions {
            progress: &progress,
            drop_progressing: dropped.contains(&dep),
            failure: failure_of.get(&dep).copied().unwrap_or(Failure::Keep),
        };
        if let Some(a) = glue.status(dep, s, availability, &conditions) {
            out.push((4, dep, dep, a));
        }
    }
    for (dep, rs, action) in crate::controllers::controller_ref_manager::adopt_and_release(f, &d.claims, NAME)
    {
        out.push((0, dep, rs, action));
    }
    out.sort_by(|a, b| (f.key(a.1), a.0, f.key(a.2)).cmp(&(f.key(b.1), b.0, f.key(b.2))));
    let mut wakes: Vec<i64> = wakes.into_iter().map(|Wake(t)| t).collect();
    wakes.sort_unstable();
    Proposals::new(out.into_iter().map(|x| x.3).collect(), wakes)
}

fn new_rs_name(f: &Facts, d: Id, collision_count: i64) -> String {
    let obj = f.raw(d);
    let template = model::at(obj, &["spec", "template"]).cloned().unwrap_or(Value::Null);
    format!("{}-{}", model::name(obj), df::pod_template_hash(&template, collision_count))
}

fn patch(f: &Facts, id: Id, patch: Value, reason: String) -> Action {
    Action::new(
        Change::Patch { key: f.key(id).clone(), patch, precondition: Precondition::None },
        NAME,
        reason,
    )
}

/// Turns derived facts into objects and patches.
struct Glue<'a, 's> {
    f: &'a Facts<'s>,
    d: &'a DeployFacts,
    /// Indexes into `d.deployments`, `d.replica_sets`, `d.totals`, and the new ReplicaSets.
    deployments: FxHashMap<Id, usize>,
    replica_sets: FxHashMap<Id, usize>,
    totals: FxHashMap<Id, usize>,
    new_rs_of: FxHashMap<Id, Id>,
}

impl<'a, 's> Glue<'a, 's> {
    fn new(f: &'a Facts<'s>, d: &'a DeployFacts, new_rs_of: FxHashMap<Id, Id>) -> Self {
        let index = |ids: &mut dyn Iterator<Item = Id>| ids.enumerate().map(|(i, id)| (id, i)).collect();
        Glue {
            f,
            d,
            deployments: index(&mut d.deployments.iter().map(|x| x.id)),
            replica_sets: index(&mut d.replica_sets.iter().map(|x| x.rs)),
            totals: index(&mut d.totals.iter().map(|x| x.0)),
            new_rs_of,
        }
    }

    fn deployment(&self, id: Id) -> &df::DeployF {
        &self.d.deployments[self.deployments[&id]]
    }

    fn rs(&self, id: Id) -> &df::DeployRsF {
        &self.d.replica_sets[self.replica_sets[&id]]
    }

    /// The replicas annotations every scaled ReplicaSet carries.
    fn replicas_annotations(&self, dep: Id) -> (i64, i64) {
        let x = self.deployment(dep);
        (x.replicas, x.replicas + max_surge(x.strategy, x.replicas))
    }

    fn create_rs(&self, dep: Id, n: i64) -> Action {
        let x = self.deployment(dep);
        let obj = self.f.raw(dep);
        let mut template = model::at(obj, &["spec", "template"]).cloned().unwrap_or_else(|| json!({}));
        let hash = df::pod_template_hash(&template, x.collision_count);
        model::obj_mut(&mut template, &["metadata", "labels"])
            .insert(df::POD_TEMPLATE_HASH.into(), json!(hash));
        let mut selector = model::at(obj, &["spec", "selector"]).cloned().unwrap_or_else(|| json!({}));
        model::obj_mut(&mut selector, &["matchLabels"]).insert(df::POD_TEMPLATE_HASH.into(), json!(hash));
        let labels = model::at(&template, &["metadata", "labels"]).cloned().unwrap_or_else(|| json!({}));
        let revision = self.totals.get(&dep).map_or(0, |&i| self.d.totals[i].1.max_old_revision) + 1;
        let (desired, max) = self.replicas_annotations(dep);
        let mut annotations: Map<String, Value> =
            x.annotations.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
        annotations.insert(df::DESIRED_REPLICAS.into(), json!(desired.to_string()));
        annotations.insert(df::MAX_REPLICAS.into(), json!(max.to_string()));
        annotations.insert(df::REVISION.into(), json!(revision.to_string()));
        let name = format!("{}-{hash}", self.f.key(dep).name);
        let rs = json!({
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": name,
                "namespace": self.f.key(dep).namespace,
                "labels": labels,
                "annotations": annotations,
                "ownerReferences": [podtemplate::controller_ref(obj)],
            },
            "spec": {
                "replicas": n,
                "minReadySeconds": x.min_ready,
                "selector": selector,
                "template": template,
            },
        });
        let action = Action::new(
            Change::Create { object: rs },
            NAME,
            format!("template has no ReplicaSet: revision {revision}, replicas {n}"),
        );
        if n > 0 {
            action.with_event(
                self.f.key(dep),
                EventType::Normal,
                "ScalingReplicaSet",
                format!("Scaled up replica set {name} from 0 to {n}"),
            )
        } else {
            action
        }
    }

    fn sync_new_rs(&self, dep: Id, rs: Id, rev: i64) -> Action {
        let x = self.deployment(dep);
        let obj = self.f.raw(rs);
        let mut annotations: Map<String, Value> =
            x.annotations.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
        let cur = self.rs(rs).revision;
        if rev != cur {
            annotations.insert(df::REVISION.into(), json!(rev.to_string()));
            if cur > 0 {
                let history = model::annotation(obj, df::REVISION_HISTORY).unwrap_or("");
                let joined = if history.is_empty() { cur.to_string() } else { format!("{history},{cur}") };
                annotations.insert(df::REVISION_HISTORY.into(), json!(truncate_history(&joined)));
            }
        }
        let reason = if rev != cur {
            format!("new ReplicaSet: revision {cur} → {rev}")
        } else {
            "new ReplicaSet: copy annotations".into()
        };
        patch(
            self.f,
            rs,
            json!({"metadata": {"annotations": annotations}, "spec": {"minReadySeconds": x.min_ready}}),
            reason,
        )
    }

    fn scale(&self, dep: Id, rs: Id, to: i64, event: bool) -> Action {
        let from = self.rs(rs).spec;
        let (desired, max) = self.replicas_annotations(dep);
        let name = &self.f.key(rs).name;
        let x = self.deployment(dep);
        let (surge, unavailable) = fenceposts(x.strategy, x.replicas);
        let why = if to == from {
            // scaleReplicaSet with an unchanged size only rewrites the replicas annotations.
            format!(
                "replicas {}: size stays {to}; annotations desired-replicas {desired}, max-replicas {max}",
                x.replicas
            )
        } else if !x.strategy.rolling {
            format!("Recreate, replicas {}: scale {from} → {to}", x.replicas)
        } else {
            format!(
                "replicas {}, maxSurge {surge}, maxUnavailable {unavailable}: scale {from} → {to}",
                x.replicas
            )
        };
        let action = Action::new(
            Change::Scale {
                key: self.f.key(rs).clone(),
                replicas: to,
                patch: Some(json!({"metadata": {"annotations": {
                    df::DESIRED_REPLICAS: desired.to_string(),
                    df::MAX_REPLICAS: max.to_string(),
                }}})),
            },
            NAME,
            why,
        );
        if !event || to == from {
            return action;
        }
        let what = if to > from { "Scaled up" } else { "Scaled down" };
        action.with_event(
            self.f.key(dep),
            EventType::Normal,
            "ScalingReplicaSet",
            format!("{what} replica set {name} from {from} to {to}"),
        )
    }

    /// The status patch, when it changes anything: the counts, and the conditions in the order
    /// the sync sets them (`c.progress`: (stage, reason) in stage order, Available before
    /// `SyncRolloutStatus`, ReplicaFailure last), each with `SetDeploymentCondition`.
    fn status(&self, dep: Id, s: DeployStatus, availability: Availability, c: &Conditions) -> Option<Action> {
        let obj = self.f.raw(dep);
        let x = self.deployment(dep);
        let now = model::fmt_time(self.f.now);
        let mut conditions: Vec<Value> =
            model::at(obj, &["status", "conditions"]).and_then(Value::as_array).cloned().unwrap_or_default();
        let new_condition = |kind: &str, status: &str, reason: &str, message: &str| {
            json!({
                "type": kind, "status": status, "lastUpdateTime": now, "lastTransitionTime": now,
                "reason": reason, "message": message,
            })
        };
        let set_progressing = |conditions: &mut Vec<Value>, reason: Reason| {
            if let Some(((st, why), msg)) = reason.condition().zip(self.progressing_message(dep, reason)) {
                // syncRolloutStatus rewrites ReplicaSetUpdated even with the same reason, so that
                // its lastUpdateTime moves with the progress made.
                let refresh = reason == Reason::ReplicaSetUpdated;
                set_condition(conditions, new_condition("Progressing", st, why, &msg), refresh);
            }
        };
        for &(_, reason) in c.progress.iter().filter(|(stage, _)| *stage < Stage::SyncRolloutStatus) {
            set_progressing(&mut conditions, reason);
        }
        let (st, why, msg) = availability.condition();
        set_condition(&mut conditions, new_condition("Available", st, why, msg), false);
        for &(_, reason) in c.progress.iter().filter(|(stage, _)| *stage == Stage::SyncRolloutStatus) {
            set_progressing(&mut conditions, reason);
        }
        match c.failure {
            Failure::Keep => {}
            Failure::Remove => conditions.retain(|c| model::str_at(c, &["type"]) != REPLICA_FAILURE),
            Failure::CopyFrom(rs) => {
                if let Some(failure) = model::condition(self.f.raw(rs), REPLICA_FAILURE) {
                    set_condition(&mut conditions, replica_set_to_deployment_condition(failure), false);
                }
            }
        }
        if c.drop_progressing {
            conditions.retain(|c| model::str_at(c, &["type"]) != "Progressing");
        }
        let omit_zero = |n: i64| if n == 0 { Value::Null } else { json!(n) };
        let mut status = json!({
            "observedGeneration": s.observed_generation,
            "replicas": omit_zero(s.replicas),
            "updatedReplicas": omit_zero(s.updated),
            "readyReplicas": omit_zero(s.ready),
            "availableReplicas": omit_zero(s.available),
            "unavailableReplicas": omit_zero(s.unavailable),
            "conditions": conditions,
        });
        if x.collision_count > 0 {
            status["collisionCount"] = json!(x.collision_count);
        }
        let mut after = obj.clone();
        json_patch::merge(&mut after, &json!({"status": status.clone()}));
        if after == *obj {
            return None;
        }
        let last = c.progress.last().and_then(|&(_, reason)| reason.condition());
        let progress_word = last.map(|(_, why)| format!(", Progressing {why}")).unwrap_or_default();
        Some(patch(
            self.f,
            dep,
            json!({"status": status}),
            format!(
                "status: {}/{} ready, {} up to date, {} available{progress_word}",
                s.ready, x.replicas, s.updated, s.available
            ),
        ))
    }

    /// The message of the Progressing condition a reason sets (progress.go, sync.go).
    fn progressing_message(&self, dep: Id, reason: Reason) -> Option<String> {
        let x = self.deployment(dep);
        let new_rs = self.new_rs_of.get(&dep).map(|rs| self.f.key(*rs).name.clone());
        let name = &self.f.key(dep).name;
        let subject = match &new_rs {
            Some(rs) => format!("ReplicaSet {rs:?}"),
            None => format!("Deployment {name:?}"),
        };
        match reason {
            Reason::Unset | Reason::Other => None,
            Reason::DeploymentPaused => Some("Deployment is paused".to_string()),
            Reason::DeploymentResumed => Some("Deployment is resumed".to_string()),
            Reason::NewReplicaSetCreated => {
                Some(format!("Created new replica set {:?}", new_rs_name(self.f, dep, x.collision_count)))
            }
            Reason::FoundNewReplicaSet => {
                Some(format!("Found new replica set {:?}", new_rs.unwrap_or_default()))
            }
            Reason::ReplicaSetUpdated => Some(format!("{subject} is progressing.")),
            Reason::NewReplicaSetAvailable => Some(format!("{subject} has successfully progressed.")),
            Reason::ProgressDeadlineExceeded => Some(format!("{subject} has timed out progressing.")),
        }
    }
}

/// The ReplicaSet condition a Deployment takes over.
const REPLICA_FAILURE: &str = "ReplicaFailure";

/// What a status write does with the Deployment's ReplicaFailure condition.
#[derive(Clone, Copy)]
enum Failure {
    /// A sync that does not run `syncRolloutStatus` leaves it as it is.
    Keep,
    Remove,
    /// Set from this ReplicaSet's.
    CopyFrom(Id),
}

/// The conditions one status write sets besides Available.
struct Conditions<'a> {
    progress: &'a [(Stage, Reason)],
    drop_progressing: bool,
    failure: Failure,
}

/// `ReplicaSetToDeploymentCondition`: the ReplicaSet's condition, stamped with its
/// lastTransitionTime as both times.
fn replica_set_to_deployment_condition(c: &Value) -> Value {
    let transition = model::at(c, &["lastTransitionTime"]).cloned().unwrap_or(Value::Null);
    let mut out = json!({
        "type": model::str_at(c, &["type"]),
        "status": model::str_at(c, &["status"]),
        "lastUpdateTime": transition,
        "lastTransitionTime": transition,
        "reason": model::str_at(c, &["reason"]),
        "message": model::str_at(c, &["message"]),
    });
    if let Some(map) = out.as_object_mut() {
        map.retain(|_, v| !v.is_null() && v.as_str() != Some(""));
    }
    out
}

/// `SetDeploymentCondition`: same status and reason keeps the old condition (unless `refresh`,
/// used for ReplicaSetUpdated whose lastUpdateTime moves with progress); same status keeps the
/// transition time; the new condition goes last.
fn set_condition(conditions: &mut Vec<Value>, mut condition: Value, refresh: bool) {
    let kind = model::str_at(&condition, &["type"]).to_string();
    let pos = conditions.iter().position(|c| model::str_at(c, &["type"]) == kind);
    if let Some(i) = pos {
        let old = &conditions[i];
        if model::str_at(old, &["status"]) == model::str_at(&condition, &["status"]) {
            if model::str_at(old, &["reason"]) == model::str_at(&condition, &["reason"]) && !refresh {
                return;
            }
            condition["lastTransitionTime"] = json!(model::str_at(old, &["lastTransitionTime"]));
        }
        conditions.remove(i);
    }
    conditions.push(condition);
}

/// `revision-history` is kept under 2000 characters by dropping its oldest entries.
fn truncate_history(joined: &str) -> String {
    let mut parts: Vec<&str> = joined.split(',').collect();
    while parts.join(",").len() > 2000 && parts.len() > 1 {
        parts.remove(0);
    }
    parts.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::IntOrPercent::{Int, Percent};

    fn rolling(s: crate::validate::IntOrPercent, u: crate::validate::IntOrPercent) -> Strategy {
        Strategy { rolling: true, max_surge: s, max_unavailable: u }
    }

    /// Upstream `TestResolveFenceposts` and `TestMaxUnavailable` cases.
    #[test]
    fn fenceposts_like_upstream() {
        let cases = [
            (rolling(Percent(0), Percent(0)), 1, (0, 1)),
            (rolling(Percent(39), Percent(39)), 10, (4, 3)),
            (rolling(Percent(25), Percent(25)), 2, (1, 0)),
            (rolling(Int(0), Percent(25)), 1, (0, 1)),
            (rolling(Int(1), Int(0)), 5, (1, 0)),
            (rolling(Percent(50), Int(1)), 10, (5, 1)),
        ];
        for (st, replicas, want) in cases {
            assert_eq!(fenceposts(st, replicas), want, "{st:?} {replicas}");
        }
        assert_eq!(max_unavailable(rolling(Int(0), Int(5)), 3), 3, "capped at replicas");
        assert_eq!(max_unavailable(rolling(Int(0), Int(5)), 0), 0);
        assert_eq!(max_unavailable(Strategy { rolling: false, ..rolling(Int(1), Int(1)) }, 3), 0);
    }

    /// Upstream `TestNewRSNewReplicas`.
    #[test]
    fn new_rs_new_replicas_like_upstream() {
        let st = rolling(Int(1), Int(1));
        // can not scale up: at max total
        assert_eq!(new_rs_new_replicas(st, 1, 2, 0), 0);
        // scale up by one
        assert_eq!(new_rs_new_replicas(st, 5, 5, 0), 1);
        // 25% surge of 10 is 3: from 10 total up to 13
        assert_eq!(new_rs_new_replicas(rolling(Percent(25), Percent(25)), 10, 10, 0), 3);
        // limited by what the new RS still needs
        assert_eq!(new_rs_new_replicas(rolling(Int(5), Int(1)), 3, 3, 2), 3);
        assert_eq!(new_rs_new_replicas(Strategy { rolling: false, ..st }, 4, 9, 0), 4);
    }

    /// Upstream `TestGetReplicaSetFraction` / proportional scaling checks.
    #[test]
    fn fractions_and_proportions() {
        let st = rolling(Int(0), Int(1));
        // 10 → 20 with the RS annotated for 10: its 10 become 20
        assert_eq!(fraction(10, st, 20, 10, 10), 10);
        // scale down to zero: the whole size
        assert_eq!(fraction(4, st, 0, 10, 10), -4);
        // no annotation and no status: nothing
        assert_eq!(fraction(4, st, 8, 0, 0), 0);
        // rounding half away from zero: 5 * 12 / 8 = 7.5 → 8
        assert_eq!(fraction(5, st, 12, 8, 8), 3);
        assert_eq!(proportion(5, 4, 0, 3), 3);
        assert_eq!(proportion(5, 4, 3, 3), 1, "limited by what is left to add");
        assert_eq!(proportion(5, -4, -3, -3), -1);
        assert_eq!(proportion(0, 4, 0, 3), 0);
    }
}
