//! StatefulSet controller (upstream `pkg/controller/statefulset`: stateful_set.go,
//! stateful_set_control.go, stateful_set_utils.go, stateful_pod_control.go; the history of
//! `pkg/controller/history`).
//!
//! **Pods.** A set claims the pods its selector matches *and* whose name is `<set>-<ordinal>`
//! (`isMemberOf`). The ordinals `start … start+replicas−1` (`spec.ordinals.start`) are its
//! replicas; pods of the set outside that range are condemned. `updateStatefulSet` then walks:
//!
//! 1. the replicas in ascending order (`processReplica`): a Failed or Succeeded pod is deleted
//!    (it comes back at the next sync); a missing pod is created — its claims first, named
//!    `<template>-<set>-<ordinal>`, unless a claim is being deleted or (whenScaled=Delete) still
//!    names an earlier pod of that ordinal; a Pending pod gets its missing claims; a pod whose
//!    identity label is missing gets it back. With **OrderedReady** (monotonic) the walk stops at
//!    the first pod created, terminating, not Running and Ready, or not available for
//!    minReadySeconds; with **Parallel** every replica is processed, in slow-start batches
//!    (1, 2, 4, … 500) a failing batch ends.
//! 2. the claims of condemned pods get the owner references the retention policy asks for.
//! 3. the condemned pods, highest ordinal first (`processCondemned`): OrderedReady deletes one
//!    per sync, and only once every replica is Running, Ready and available — an unhealthy
//!    condemned pod only if it is the first unhealthy one — and waits while one terminates;
//!    Parallel deletes every condemned pod at once.
//! 4. the update strategy. OnDelete stops. RollingUpdate walks from the highest ordinal down to
//!    `partition` (relative to start): the first pod at another revision that is not
//!    terminating is deleted (it is recreated at the update revision by step 1), and an
//!    unavailable pod on the way makes it wait. With the `MaxUnavailableStatefulSet` gate on
//!    (`updateStatefulSetAfterInvariantEstablished`), up to `maxUnavailable − unavailable`
//!    pods are deleted per sync instead, without waiting on unhealthy updated pods. The gate is
//!    off by default, as in Kubernetes through v1.34 (and again after v1.35's rollback), so the
//!    classic path runs unless the set carries `konverge.io/feature-gates:
//!    MaxUnavailableStatefulSet=true`.
//!
//! A new pod is made from the current revision's template when it sits below the partition,
//! from the update revision's otherwise (`newVersionedStatefulSetPod`), labelled with its name,
//! its ordinal and its revision's name, with `hostname` and `subdomain` (the serviceName) set.
//!
//! **Revisions** (`getStatefulSetRevisions`): the template's revision is the latest revision
//! if its data is equal, else an older equal one raised to the next number (a rollback), else
//! a new one named `<set>-<hash>` (the collision count raised while that name holds other
//! data). The current revision is the one `status.currentRevision` names, else the update
//! revision. `truncateHistory` deletes the oldest revisions beyond `revisionHistoryLimit` that
//! are neither current, update, nor any pod's.
//!
//! **Status**: replicas, ready, available, current and updated counts, the revisions, the
//! collision count and observedGeneration; a rolling update deleting a pod counts one current
//! replica less; `completeRollingUpdate` makes the update revision current once every replica
//! is updated and ready. It is written only when it changes. A set being deleted only has its
//! status written.
//!
//! **Claims** are never deleted by this controller: with `persistentVolumeClaimRetentionPolicy`
//! Delete it sets the owner references upstream sets (a controller reference to the set for
//! whenDeleted, to a condemned pod for whenScaled) and the garbage collector deletes.
//!
//! konverge adds one thing upstream does not do: when a set's new spec names a serviceName that
//! is not a headless Service of its namespace, the status write carries a Warning event
//! (ServiceNotFound / ServiceNotHeadless), since the pods then get no DNS names.
//!
//! The walks upstream does in loops are recursions along the ordinal chains the facts give.

use crate::actions::{
    Action, Change, EventSpec, EventType, Precondition, Propagation, FORBIDDEN_PLACEHOLDER,
};
use crate::controllers::{controller_ref_manager, Controller, Proposals};
use crate::facts::history::{self, History, HASH_LABEL, REVISION_LABEL};
use crate::facts::stateful::{self as sf, ClaimRefs, SetPods, StsF, UpdateStrategy};
use crate::facts::{Facts, Id, Phase, WorkloadKind};
use crate::model::{self, ObjKey};
use crate::podtemplate;
use crepe::crepe;
use rustc_hash::{FxBuildHasher, FxHashMap};
use serde_json::{json, Map, Value};

/// The name this controller's actions carry in the trace.
pub const NAME: &str = "statefulset";

pub const CONTROLLER: Controller = Controller { name: NAME, component: "statefulset-controller", reconcile };

/// A revision name, as the rules compare it.
pub type Rev = u32;

/// What is wrong with a set's serviceName.
pub const SERVICE_NOT_FOUND: u8 = 1;
pub const SERVICE_NOT_HEADLESS: u8 = 2;

/// The status fields a sync computes (those `inconsistentStatus` compares, and the collision
/// count).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Status {
    pub replicas: i64,
    pub ready: i64,
    pub available: i64,
    pub current: i64,
    pub updated: i64,
    pub current_revision: Rev,
    pub update_revision: Rev,
    pub collision_count: i64,
    pub observed_generation: i64,
}

/// A computed status (the rules' `let` takes no struct literal).
#[allow(clippy::too_many_arguments)]
fn status(
    replicas: i64,
    ready: i64,
    available: i64,
    current: i64,
    updated: i64,
    (current_revision, update_revision): (Rev, Rev),
    collision_count: i64,
    observed_generation: i64,
) -> Status {
    Status {
        replicas,
        ready,
        available,
        current,
        updated,
        current_revision,
        update_revision,
        collision_count,
        observed_generation,
    }
}

impl Status {
    /// `completeRollingUpdate`: the update revision becomes current with its pods.
    fn completed(self) -> Status {
        Status { current: self.updated, current_revision: self.update_revision, ..self }
    }
}

crepe! {
    // The set: (set, spec.replicas, first ordinal, being deleted).
    @input
    pub struct Set(pub Id, pub i64, pub i64, pub bool);
    // podManagementPolicy OrderedReady (else Parallel).
    @input
    pub struct OrderedReady(pub Id);
    // updateStrategy RollingUpdate (else OnDelete), with its partition (0 without
    // rollingUpdate); `rollingUpdate` is set, with this partition.
    @input
    pub struct RollingUpdate(pub Id, pub i64);
    @input
    pub struct Partition(pub Id, pub i64);
    // status.currentReplicas.
    @input
    pub struct ObservedCurrent(pub Id, pub i64);
    // The MaxUnavailableStatefulSet gate is on: (set, getStatefulSetMaxUnavailable).
    @input
    pub struct MaxUnavailable(pub Id, pub i64);
    @input
    pub struct WhenScaledDelete(pub Id);
    @input
    pub struct WhenDeletedDelete(pub Id);
    @input
    pub struct Generation(pub Id, pub i64);
    @input
    pub struct HistoryLimit(pub Id, pub i64);

    // The ordinals in range, and their order as chains.
    @input
    pub struct Slot(pub Id, pub i64);
    @input
    pub struct NextSlot(pub Id, pub i64, pub i64);
    @input
    pub struct PrevSlot(pub Id, pub i64, pub i64);
    @input
    pub struct LastSlot(pub Id, pub i64);
    // Parallel: (set, ordinal, slow-start batch), and every batch of a set.
    @input
    pub struct Batch(pub Id, pub i64, pub i64);
    @input
    pub struct BatchIndex(pub Id, pub i64);

    // The placed pods: (set, ordinal, pod), in range or condemned.
    @input
    pub struct PodAt(pub Id, pub i64, pub Id);
    // (set, pod, rank): condemned pods, rank 0 for the highest ordinal.
    @input
    pub struct Condemned(pub Id, pub Id, pub i64);
    // Phase Failed or Succeeded.
    @input
    pub struct Finished(pub Id);
    @input
    pub struct Terminating(pub Id);
    @input
    pub struct PendingPhase(pub Id);
    @input
    pub struct RunningReady(pub Id);
    // IsPodAvailable with the set's minReadySeconds.
    @input
    pub struct Available(pub Id);
    // Named `<set>-<ordinal>` but without its pod-name label: its identity can be repaired.
    @input
    pub struct IdentityLabelMissing(pub Id);
    @input
    pub struct PodRevision(pub Id, pub Rev);

    // The claim templates (set, index), and the claims that exist: (set, ordinal, template, claim).
    @input
    pub struct ClaimTemplate(pub Id, pub u32);
    @input
    pub struct Claim(pub Id, pub i64, pub u32, pub Id);
    @input
    pub struct ClaimState(pub Id, pub ClaimRefs);

    // Revisions: (set, revision, number) of the ones it owns.
    @input
    pub struct Revision(pub Id, pub Rev, pub i64);
    // Its data equals the template's.
    @input
    pub struct EqualRevision(pub Id, pub Rev);
    @input
    pub struct LatestRevision(pub Id, pub Rev);
    @input
    pub struct NewestEqualRevision(pub Id, pub Rev);
    @input
    pub struct NextNumber(pub Id, pub i64);
    // The name a new revision gets, its collision count, and whether that name is already a
    // revision with this data.
    @input
    pub struct NewRevisionName(pub Id, pub Rev, pub i64, pub bool);
    @input
    pub struct ObservedCollisions(pub Id, pub i64);
    @input
    pub struct StatusCurrentRevision(pub Id, pub Rev);
    // The revisions newest first: the newest, and each one's next older.
    @input
    pub struct NewestRevision(pub Id, pub Rev);
    @input
    pub struct OlderRevision(pub Id, pub Rev, pub Rev);
    // The revision label of a pod the set claims.
    @input
    pub struct PodLabelRevision(pub Id, pub Rev);

    // Status inputs: (set, replicas, ready, available) over the placed pods, the
    // non-terminating placed pods of each revision, the unavailable replicas.
    @input
    pub struct Counts(pub Id, pub i64, pub i64, pub i64);
    @input
    pub struct RevisionCount(pub Id, pub Rev, pub i64);
    @input
    pub struct UnavailableReplicas(pub Id, pub i64);
    @input
    pub struct Observed(pub Id, pub Status);

    // The serviceName names no Service, or one that is not headless; the set has a new spec.
    @input
    pub struct ServiceProblem(pub Id, pub u8);
    @input
    pub struct NewSpec(pub Id);
    // A placed pod of the set becomes available (minReadySeconds) at this time.
    @input
    pub struct AvailableFrom(pub Id, pub i64);
    @input
    pub struct Now(pub i64);

    struct Active(Id);
    struct HasEqual(Id);
    struct LatestIsEqual(Id);
    struct StatusNamesRevision(Id);
    struct Live(Id, Rev);
    struct NonLiveNewer(Id, Rev, i64);
    struct Collisions(Id, i64);
    struct Occupied(Id, i64, Id);
    struct HasPod(Id, i64);
    struct Empty(Id, i64);
    struct Stops(Id, i64);
    struct Reached(Id, i64);
    struct SlotError(Id, i64);
    struct AnySlotError(Id);
    struct ErrorBefore(Id, i64);
    struct StaleSlot(Id, i64);
    struct HasClaim(Id, i64, u32);
    struct MissingClaim(Id, i64, u32);
    struct CreateClaim(Id, i64, u32);
    struct Phase1Done(Id);
    struct Checked(Id, i64, Id);
    struct RetentionChecked(Id, i64);
    struct ScaledDown(Id, i64);
    struct WantPodRef(Id, i64);
    struct WantSetRef(Id, i64);
    struct Wanted(Id, i64, bool, bool);
    struct RetainAll(Id);
    struct Unexpected(Id);
    struct PodUnavailable(Id);
    struct CondemnedTop(Id, Id);
    struct LowerUnavailable(Id);
    struct HasCondemned(Id);
    struct Phase3Done(Id);
    struct AtUpdate(Id);
    struct UpdateFloor(Id, i64);
    struct Classic(Id);
    struct UpdateStops(Id, i64);
    struct UpdateReached(Id, i64);
    struct Gated(Id, i64);
    struct Outdated(Id, i64, Id);
    struct IsOutdated(Id, i64);
    struct Walk(Id, i64, i64);
    struct DeletedUpTo(Id, i64);
    struct AnyRollDelete(Id);
    struct Decrement(Id, i64);
    struct Counted(Id, Rev);
    struct CurrentCount(Id, i64);
    struct UpdatedCount(Id, i64);
    struct Computed(Id, Status);
    struct Completes(Id);
    struct Final(Id, Status);
    struct AtCurrent(Id, i64);
    struct HasPartition(Id);
    struct CreatePod(Id, i64);
    struct RollDeleted(Id, i64);

    // Revisions to create (set, name, number), to raise (set, revision, number), to delete.
    @output
    pub struct CreateRevision(pub Id, pub Rev, pub i64);
    @output
    pub struct RaiseRevision(pub Id, pub Rev, pub i64);
    @output
    pub struct DeleteRevision(pub Id, pub Rev);
    @output
    pub struct UpdateRevision(pub Id, pub Rev);
    @output
    pub struct CurrentRevision(pub Id, pub Rev);
    // A claim to create: (set, ordinal, template, with a controller reference to the set).
    @output
    pub struct NewClaim(pub Id, pub i64, pub u32, pub bool);
    // The revision a new pod is made from.
    @output
    pub struct NewPod(pub Id, pub i64, pub Rev);
    // Delete a Failed or Succeeded replica (it is recreated next sync).
    @output
    pub struct DeleteFinished(pub Id, pub Id);
    // Delete a condemned pod.
    @output
    pub struct ScaleDown(pub Id, pub Id);
    // Delete a pod at another revision (rolling update).
    @output
    pub struct RollDelete(pub Id, pub Id);
    @output
    pub struct FixIdentity(pub Id, pub Id, pub i64);
    // A claim's owner references: (set, ordinal, claim, reference the set, reference the pod).
    @output
    pub struct FixClaim(pub Id, pub i64, pub Id, pub bool, pub bool);
    @output
    pub struct WriteStatus(pub Id, pub Status);
    @output
    pub struct WarnService(pub Id, pub u8);
    @output
    pub struct Wake(pub i64);

    Active(set) <- Set(set, _, _, false);

    // getStatefulSetRevisions.
    HasEqual(set) <- EqualRevision(set, _);
    LatestIsEqual(set) <- LatestRevision(set, r), EqualRevision(set, r);
    UpdateRevision(set, r) <- LatestRevision(set, r), EqualRevision(set, r);
    RaiseRevision(set, r, n) <- NewestEqualRevision(set, r), !LatestIsEqual(set), NextNumber(set, n);
    UpdateRevision(set, r) <- RaiseRevision(set, r, _);
    CreateRevision(set, r, n) <- Set(set, _, _, _), !HasEqual(set), NewRevisionName(set, r, _, false), NextNumber(set, n);
    UpdateRevision(set, r) <- Set(set, _, _, _), !HasEqual(set), NewRevisionName(set, r, _, _);
    Collisions(set, c) <- NewRevisionName(set, _, c, _), !HasEqual(set);
    Collisions(set, c) <- HasEqual(set), ObservedCollisions(set, c);
    StatusNamesRevision(set) <- StatusCurrentRevision(set, r), Revision(set, r, _);
    CurrentRevision(set, r) <- StatusCurrentRevision(set, r), Revision(set, r, _);
    CurrentRevision(set, r) <- UpdateRevision(set, r), !StatusNamesRevision(set);

    // truncateHistory: the oldest revisions beyond the limit that nothing lives on.
    Live(set, r) <- CurrentRevision(set, r);
    Live(set, r) <- UpdateRevision(set, r);
    Live(set, r) <- PodLabelRevision(set, r);
    NonLiveNewer(set, r, 0) <- NewestRevision(set, r);
    NonLiveNewer(set, older, k + 1) <- NonLiveNewer(set, r, k), !Live(set, r), OlderRevision(set, r, older);
    NonLiveNewer(set, older, k) <- NonLiveNewer(set, r, k), Live(set, r), OlderRevision(set, r, older);
    DeleteRevision(set, r) <-
        NonLiveNewer(set, r, k), !Live(set, r), HistoryLimit(set, limit), (limit >= 0), (k >= limit);

    // 1. processReplica over the replicas, ascending.
    Occupied(set, o, p) <- Slot(set, o), PodAt(set, o, p);
    HasPod(set, o) <- Occupied(set, o, _);
    Empty(set, o) <- Slot(set, o), !HasPod(set, o);
    Stops(set, o) <- Empty(set, o);
    Stops(set, o) <- Occupied(set, o, p), Finished(p);
    Stops(set, o) <- Occupied(set, o, p), Terminating(p);
    Stops(set, o) <- Occupied(set, o, p), !RunningReady(p);
    Stops(set, o) <- Occupied(set, o, p), !Available(p);
    // createPersistentVolumeClaims fails on a claim being deleted: no pod.
    SlotError(set, o) <- Empty(set, o), Claim(set, o, _, c), ClaimState(c, st), (st.being_deleted);
    AnySlotError(set) <- SlotError(set, _);
    // PodClaimIsStale (whenScaled=Delete): a claim still names an earlier pod of the ordinal.
    StaleSlot(set, o) <- Empty(set, o), WhenScaledDelete(set), Claim(set, o, _, c), ClaimState(c, st), (st.stale_pod_ref);
    // Monotonic: one replica after the other, up to the first that stops the walk.
    Reached(set, start) <- Active(set), OrderedReady(set), Set(set, n, start, _), (n > 0);
    Reached(set, next) <- Reached(set, o), OrderedReady(set), !Stops(set, o), NextSlot(set, o, next);
    // Parallel: every batch up to the first with an error.
    ErrorBefore(set, b) <- SlotError(set, o), Batch(set, o, failed), BatchIndex(set, b), (failed < b);
    Reached(set, o) <- Active(set), !OrderedReady(set), Batch(set, o, b), !ErrorBefore(set, b);
    Phase1Done(set) <- Active(set), OrderedReady(set), Set(set, 0, _, _);
    Phase1Done(set) <- OrderedReady(set), LastSlot(set, o), Reached(set, o), !Stops(set, o);
    Phase1Done(set) <- Active(set), !OrderedReady(set), !AnySlotError(set);

    DeleteFinished(set, p) <- Reached(set, o), Occupied(set, o, p), Finished(p), !Terminating(p);
    CreatePod(set, o) <- Reached(set, o), Empty(set, o), !StaleSlot(set, o), !SlotError(set, o);
    HasClaim(set, o, t) <- Claim(set, o, t, _);
    MissingClaim(set, o, t) <- Slot(set, o), ClaimTemplate(set, t), !HasClaim(set, o, t);
    CreateClaim(set, o, t) <- Reached(set, o), Empty(set, o), !StaleSlot(set, o), MissingClaim(set, o, t);
    CreateClaim(set, o, t) <- Reached(set, o), Occupied(set, o, p), PendingPhase(p), MissingClaim(set, o, t);
    // The replicas whose identity and claims are checked: healthy ones (monotonic), every
    // live one (Parallel).
    Checked(set, o, p) <- Reached(set, o), Occupied(set, o, p), OrderedReady(set), !Stops(set, o);
    Checked(set, o, p) <- Reached(set, o), Occupied(set, o, p), !OrderedReady(set), !Finished(p);
    FixIdentity(set, p, o) <- Checked(set, o, p), IdentityLabelMissing(p);
    // newVersionedStatefulSetPod: below the partition from the current revision (without
    // rollingUpdate, below the current replicas; Go's precedence applies the partition
    // whatever the type).
    HasPartition(set) <- Partition(set, _);
    AtCurrent(set, o) <- CreatePod(set, o), Partition(set, partition), Set(set, _, start, _), (o < start + partition);
    AtCurrent(set, o) <-
        CreatePod(set, o), RollingUpdate(set, _), !HasPartition(set), ObservedCurrent(set, n), Set(set, _, start, _),
        (o < start + n);
    NewPod(set, o, r) <- CreatePod(set, o), AtCurrent(set, o), CurrentRevision(set, r);
    NewPod(set, o, r) <- CreatePod(set, o), !AtCurrent(set, o), UpdateRevision(set, r);

    // 2. Claims and the retention policy (isClaimOwnerUpToDate, updateClaimOwnerRefForSetAndPod).
    RetentionChecked(set, o) <- Checked(set, o, _);
    RetentionChecked(set, o) <- CreatePod(set, o);
    RetentionChecked(set, o) <- Phase1Done(set), Condemned(set, p, _), PodAt(set, o, p);
    ScaledDown(set, o) <- Condemned(set, p, _), PodAt(set, o, p);
    WantPodRef(set, o) <- WhenScaledDelete(set), ScaledDown(set, o);
    WantSetRef(set, o) <- WhenDeletedDelete(set), RetentionChecked(set, o), !WantPodRef(set, o);
    Wanted(set, o, true, false) <- WantSetRef(set, o);
    Wanted(set, o, false, true) <- RetentionChecked(set, o), WantPodRef(set, o);
    Wanted(set, o, false, false) <- RetentionChecked(set, o), !WantSetRef(set, o), !WantPodRef(set, o);
    RetainAll(set) <- Set(set, _, _, _), !WhenScaledDelete(set), !WhenDeletedDelete(set);
    Unexpected(c) <- Claim(set, _, _, c), ClaimState(c, st), (st.other_controller), !RetainAll(set);
    // Stale references (an earlier set or pod of that name) leave the claim alone; another
    // controller means ours are only removed.
    FixClaim(set, o, c, false, false) <-
        RetentionChecked(set, o), Claim(set, o, _, c), Unexpected(c), ClaimState(c, st),
        (!st.stale_set_ref && !st.stale_pod_ref), (st.set_ref || st.pod_ref);
    FixClaim(set, o, c, ws, wp) <-
        Wanted(set, o, ws, wp), Claim(set, o, _, c), !Unexpected(c), ClaimState(c, st),
        (!st.stale_set_ref && !st.stale_pod_ref),
        (st.non_controller_ref || st.set_ref != ws || st.pod_ref != wp);
    NewClaim(set, o, t, ws) <- CreateClaim(set, o, t), Wanted(set, o, ws, _);
    NewClaim(set, o, t, false) <- CreateClaim(set, o, t), !RetentionChecked(set, o);

    // 3. processCondemned, highest ordinal first.
    PodUnavailable(p) <- PodAt(_, _, p), !Available(p);
    PodUnavailable(p) <- PodAt(_, _, p), Terminating(p);
    CondemnedTop(set, p) <- Condemned(set, p, 0);
    LowerUnavailable(set) <- CondemnedTop(set, _), Condemned(set, q, rank), (rank > 0), PodUnavailable(q);
    ScaleDown(set, p) <-
        Phase1Done(set), OrderedReady(set), CondemnedTop(set, p), !Terminating(p), RunningReady(p), Available(p);
    // An unhealthy condemned pod goes only as the first unhealthy pod (the replicas are all
    // healthy once the walk got here).
    ScaleDown(set, p) <-
        Phase1Done(set), OrderedReady(set), CondemnedTop(set, p), !Terminating(p), PodUnavailable(p),
        !LowerUnavailable(set);
    ScaleDown(set, p) <- Phase1Done(set), !OrderedReady(set), Condemned(set, p, _), !Terminating(p);
    HasCondemned(set) <- Condemned(set, _, _);
    Phase3Done(set) <- Phase1Done(set), OrderedReady(set), !HasCondemned(set);
    Phase3Done(set) <- Phase1Done(set), !OrderedReady(set);

    // 4. RollingUpdate from the highest ordinal down to the partition.
    AtUpdate(p) <- PodAt(set, _, p), PodRevision(p, r), UpdateRevision(set, r);
    UpdateFloor(set, start + partition) <- RollingUpdate(set, partition), Set(set, _, start, _);
    Classic(set) <- Phase3Done(set), RollingUpdate(set, _), !MaxUnavailable(set, _);
    UpdateStops(set, o) <- Empty(set, o);
    UpdateStops(set, o) <- Occupied(set, o, p), !AtUpdate(p), !Terminating(p);
    UpdateStops(set, o) <- Occupied(set, o, p), PodUnavailable(p);
    UpdateReached(set, top) <- Classic(set), LastSlot(set, top), UpdateFloor(set, floor), (top >= floor);
    UpdateReached(set, prev) <-
        UpdateReached(set, o), !UpdateStops(set, o), PrevSlot(set, o, prev), UpdateFloor(set, floor), (prev >= floor);
    RollDelete(set, p) <- UpdateReached(set, o), Occupied(set, o, p), !AtUpdate(p), !Terminating(p);
    // updateStatefulSetAfterInvariantEstablished: up to maxUnavailable − unavailable deletions.
    Gated(set, m - u) <-
        Phase3Done(set), RollingUpdate(set, _), MaxUnavailable(set, m), UnavailableReplicas(set, u), (u <= m);
    Outdated(set, o, p) <- Occupied(set, o, p), !AtUpdate(p), !Terminating(p);
    IsOutdated(set, o) <- Outdated(set, o, _);
    Walk(set, top, 0) <- Gated(set, room), (room > 0), LastSlot(set, top), UpdateFloor(set, floor), (top >= floor);
    Walk(set, prev, k + 1) <- Walk(set, o, k), IsOutdated(set, o), PrevSlot(set, o, prev), UpdateFloor(set, floor), (prev >= floor);
    Walk(set, prev, k) <- Walk(set, o, k), !IsOutdated(set, o), PrevSlot(set, o, prev), UpdateFloor(set, floor), (prev >= floor);
    RollDelete(set, p) <- Walk(set, o, k), Outdated(set, o, p), Gated(set, room), (k < room);
    DeletedUpTo(set, k + 1) <- Walk(set, o, k), IsOutdated(set, o), Gated(set, room), (k < room);
    RollDeleted(set, 1) <- Classic(set), RollDelete(set, _);
    RollDeleted(set, n) <- DeletedUpTo(set, n), let more = n + 1, !DeletedUpTo(set, more);

    // Status (updateStatus, completeRollingUpdate); written when it changes.
    AnyRollDelete(set) <- RollDelete(set, _);
    Decrement(set, n) <- RollDeleted(set, n);
    Decrement(set, 0) <- Set(set, _, _, _), !AnyRollDelete(set);
    Counted(set, r) <- RevisionCount(set, r, _);
    CurrentCount(set, n) <- CurrentRevision(set, r), RevisionCount(set, r, n);
    CurrentCount(set, 0) <- CurrentRevision(set, r), !Counted(set, r);
    UpdatedCount(set, n) <- UpdateRevision(set, r), RevisionCount(set, r, n);
    UpdatedCount(set, 0) <- UpdateRevision(set, r), !Counted(set, r);
    Computed(set, st) <-
        Counts(set, replicas, ready, available), CurrentRevision(set, cr), UpdateRevision(set, ur),
        CurrentCount(set, current), UpdatedCount(set, updated), Decrement(set, d), Collisions(set, cc),
        Generation(set, generation),
        let st = status(replicas, ready, available, current - d, updated, (cr, ur), cc, generation);
    Completes(set) <-
        Computed(set, st), RollingUpdate(set, _), Set(set, n, _, _),
        (st.updated == n && st.ready == n && st.replicas == n);
    Final(set, st.completed()) <- Computed(set, st), Completes(set);
    Final(set, st) <- Computed(set, st), !Completes(set);
    WriteStatus(set, st) <- Final(set, st), !Observed(set, st);

    WarnService(set, problem) <- ServiceProblem(set, problem), NewSpec(set), Active(set);
    Wake(t) <- AvailableFrom(_, t), Now(now), (t > now);
}

/// Revision names interned for the rules.
#[derive(Default)]
struct RevNames {
    ids: FxHashMap<String, Rev>,
    names: Vec<String>,
}

impl RevNames {
    fn id(&mut self, name: &str) -> Rev {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = self.names.len() as Rev;
        self.names.push(name.to_string());
        self.ids.insert(name.to_string(), id);
        id
    }

    fn name(&self, id: Rev) -> &str {
        self.names.get(id as usize).map_or("", String::as_str)
    }
}

/// What the glue needs about one set after the rules ran.
struct SetView<'f> {
    set: StsF<'f>,
    pods: SetPods,
    history: History,
    /// The object a new revision would be, when the rules create one.
    new_revision: Value,
}

/// Run the controller over one snapshot.
pub fn reconcile(f: &Facts) -> Proposals {
    let sets = sf::stateful_sets(f);
    if sets.is_empty() {
        return Proposals::default();
    }
    let pod_claims = controller_ref_manager::claim(&sf::pod_claim_inputs(f));
    let pods_of = pod_claims.by_owner();
    let revision_claims = controller_ref_manager::claim(&history::claim_inputs(f, WorkloadKind::StatefulSet));
    let mut histories = history::histories(f, WorkloadKind::StatefulSet, &revision_claims.by_owner());
    let mut names = RevNames::default();
    let mut rt = Crepe::new();
    let mut views: FxHashMap<Id, SetView> = FxHashMap::default();
    for set in sets {
        let claimed = pods_of.get(&set.id).map(Vec::as_slice).unwrap_or(&[]);
        let pods = sf::place_pods(f, &set, claimed);
        let history = histories.remove(&set.id).unwrap_or_default();
        let new_revision = feed_revisions(f, &mut rt, &mut names, &set, &history);
        feed_set(f, &mut rt, &set);
        feed_pods(f, &mut rt, &mut names, &set, &pods, claimed);
        feed_claims(f, &mut rt, &set, &pods);
        feed_status(f, &mut rt, &mut names, &set, &pods);
        views.insert(set.id, SetView { set, pods, history, new_revision });
    }
    rt.extend([Now(f.now)]);
    let out = rt.run_with_hasher::<FxBuildHasher>();
    Glue { f, names, views }.actions(out, &pod_claims, &revision_claims)
}

/// The spec facts of one set and its ordinal chains.
fn feed_set(f: &Facts, rt: &mut Crepe, set: &StsF) {
    let id = set.id;
    rt.extend([Set(id, set.replicas, set.start, set.deleting)]);
    rt.extend([Generation(id, set.generation)]);
    rt.extend([HistoryLimit(id, set.history_limit)]);
    if set.ordered {
        rt.extend([OrderedReady(id)]);
    }
    rt.extend([ObservedCurrent(id, set.observed.current)]);
    if let UpdateStrategy::RollingUpdate { partition, .. } = set.strategy {
        rt.extend([RollingUpdate(id, partition.unwrap_or(0))]);
        rt.extend(partition.map(|p| Partition(id, p)));
        if set.max_unavailable_gate {
            rt.extend([MaxUnavailable(id, set.max_unavailable())]);
        }
    }
    if set.when_scaled_delete {
        rt.extend([WhenScaledDelete(id)]);
    }
    if set.when_deleted_delete {
        rt.extend([WhenDeletedDelete(id)]);
    }
    let last = set.start + set.replicas - 1;
    rt.extend((set.start..=last).map(|o| Slot(id, o)));
    rt.extend((set.start..last).map(|o| NextSlot(id, o, o + 1)));
    rt.extend((set.start..last).map(|o| PrevSlot(id, o + 1, o)));
    if set.replicas > 0 {
        rt.extend([LastSlot(id, last)]);
    }
    if !set.ordered {
        let batches = sf::slow_start_batches(set.replicas);
        rt.extend(batches.iter().enumerate().map(|(i, &b)| Batch(id, set.start + i as i64, b)));
        let count = batches.last().map_or(0, |&b| b + 1);
        rt.extend((0..count).map(|b| BatchIndex(id, b)));
    }
    rt.extend(service_problem(f, set).map(|p| ServiceProblem(id, p)));
    if set.observed.observed_generation < set.generation {
        rt.extend([NewSpec(id)]);
    }
}

/// Whether the set's serviceName names a headless Service of its namespace.
fn service_problem(f: &Facts, set: &StsF) -> Option<u8> {
    if set.service_name.is_empty() {
        return None;
    }
    match f.store.get(&ObjKey::new("Service", set.ns, set.service_name)) {
        None => Some(SERVICE_NOT_FOUND),
        Some(svc) if model::str_at(svc, &["spec", "clusterIP"]) != "None" => Some(SERVICE_NOT_HEADLESS),
        Some(_) => None,
    }
}

/// The revision facts of one set; returns the revision a new one would be.
fn feed_revisions(f: &Facts, rt: &mut Crepe, names: &mut RevNames, set: &StsF, h: &History) -> Value {
    let id = set.id;
    for r in &h.revisions {
        let rev = names.id(&r.name);
        rt.extend([Revision(id, rev, r.revision)]);
        if r.current {
            rt.extend([EqualRevision(id, rev)]);
        }
    }
    if let Some(latest) = h.revisions.last() {
        rt.extend([LatestRevision(id, names.id(&latest.name))]);
    }
    if let Some(equal) = h.current() {
        rt.extend([NewestEqualRevision(id, names.id(&equal.name))]);
    }
    for pair in h.revisions.windows(2) {
        rt.extend([OlderRevision(id, names.id(&pair[1].name), names.id(&pair[0].name))]);
    }
    if let Some(newest) = h.revisions.last() {
        rt.extend([NewestRevision(id, names.id(&newest.name))]);
    }
    rt.extend([NextNumber(id, h.next)]);
    let (name, collisions, taken) = sf::new_revision_name(f, set, &h.patch);
    rt.extend([NewRevisionName(id, names.id(&name), collisions, taken)]);
    rt.extend([ObservedCollisions(id, set.observed.collision_count)]);
    if !set.observed.current_revision.is_empty() {
        rt.extend([StatusCurrentRevision(id, names.id(&set.observed.current_revision))]);
    }
    let hash = name.rsplit_once('-').map_or("", |(_, h)| h).to_string();
    history::controller_revision(f.raw(id), &name, h.next, h.patch.clone(), &[(HASH_LABEL, &hash)])
}

/// The facts of the pods a set claims.
fn feed_pods(f: &Facts, rt: &mut Crepe, names: &mut RevNames, set: &StsF, pods: &SetPods, claimed: &[Id]) {
    let id = set.id;
    for &p in claimed {
        if let Some(pod) = f.pod(p) {
            let rev = sf::pod_revision(pod);
            if !rev.is_empty() {
                rt.extend([PodLabelRevision(id, names.id(rev))]);
            }
        }
    }
    for (rank, &(_, p)) in pods.condemned.iter().enumerate() {
        rt.extend([Condemned(id, p, rank as i64)]);
    }
    for (o, p) in pods.all() {
        let Some(pod) = f.pod(p) else { continue };
        rt.extend([PodAt(id, o, p)]);
        rt.extend([PodRevision(p, names.id(sf::pod_revision(pod)))]);
        if matches!(pod.phase, Phase::Failed | Phase::Succeeded) {
            rt.extend([Finished(p)]);
        }
        if pod.phase == Phase::Pending {
            rt.extend([PendingPhase(p)]);
        }
        if pod.deleting {
            rt.extend([Terminating(p)]);
        }
        if sf::running_and_ready(pod) {
            rt.extend([RunningReady(p)]);
        }
        if pod.available(set.min_ready, f.now) {
            rt.extend([Available(p)]);
        }
        if f.key(p).name == set.pod_name(o) && !sf::identity_matches(f, set, o, pod) {
            rt.extend([IdentityLabelMissing(p)]);
        }
        if set.min_ready > 0 {
            rt.extend(pod.available_from(set.min_ready).map(|t| AvailableFrom(id, t)));
        }
    }
    if set.max_unavailable_gate {
        let unavailable = (set.start..set.start + set.replicas)
            .filter(|o| match pods.in_range.get(o).and_then(|&p| f.pod(p)) {
                Some(pod) => sf::unavailable(pod, set.min_ready, f.now),
                None => true,
            })
            .count();
        rt.extend([UnavailableReplicas(id, unavailable as i64)]);
    }
}

/// The claims of every ordinal the set has a slot or a pod for.
fn feed_claims(f: &Facts, rt: &mut Crepe, set: &StsF, pods: &SetPods) {
    let id = set.id;
    rt.extend((0..set.claim_templates.len()).map(|t| ClaimTemplate(id, t as u32)));
    if set.claim_templates.is_empty() {
        return;
    }
    let ordinals = (set.start..set.start + set.replicas).chain(pods.condemned.iter().map(|&(o, _)| o));
    for o in ordinals {
        let pod_name = set.pod_name(o);
        let pod =
            pods.in_range.get(&o).copied().or_else(|| pods.condemned.iter().find(|c| c.0 == o).map(|c| c.1));
        let pod_uid = pod.map_or("", |p| model::uid(f.raw(p)));
        for (t, template) in set.claim_templates.iter().enumerate() {
            if let Some((claim, refs)) =
                sf::claim_refs(f, set, &set.claim_name(template, o), (&pod_name, pod_uid))
            {
                rt.extend([Claim(id, o, t as u32, claim)]);
                rt.extend([ClaimState(claim, refs)]);
            }
        }
    }
}

/// The counts behind the status, and the status the set shows.
fn feed_status(f: &Facts, rt: &mut Crepe, names: &mut RevNames, set: &StsF, pods: &SetPods) {
    let id = set.id;
    let (mut replicas, mut ready, mut available) = (0, 0, 0);
    let mut per_revision: FxHashMap<Rev, i64> = FxHashMap::default();
    for (_, p) in pods.all() {
        let Some(pod) = f.pod(p) else { continue };
        replicas += 1;
        if sf::running_and_ready(pod) {
            ready += 1;
            if pod.available(set.min_ready, f.now) {
                available += 1;
            }
        }
        if !pod.deleting {
            *per_revision.entry(names.id(sf::pod_revision(pod))).or_default() += 1;
        }
    }
    rt.extend([Counts(id, replicas, ready, available)]);
    rt.extend(per_revision.into_iter().map(|(r, n)| RevisionCount(id, r, n)));
    let o = &set.observed;
    rt.extend([Observed(
        id,
        Status {
            replicas: o.replicas,
            ready: o.ready,
            available: o.available,
            current: o.current,
            updated: o.updated,
            current_revision: names.id(&o.current_revision),
            update_revision: names.id(&o.update_revision),
            collision_count: o.collision_count,
            observed_generation: o.observed_generation,
        },
    )]);
}

/// The rules' outputs, in the order `crepe` returns them.
type Outputs = (
    std::collections::HashSet<CreateRevision, FxBuildHasher>,
    std::collections::HashSet<RaiseRevision, FxBuildHasher>,
    std::collections::HashSet<DeleteRevision, FxBuildHasher>,
    std::collections::HashSet<UpdateRevision, FxBuildHasher>,
    std::collections::HashSet<CurrentRevision, FxBuildHasher>,
    std::collections::HashSet<NewClaim, FxBuildHasher>,
    std::collections::HashSet<NewPod, FxBuildHasher>,
    std::collections::HashSet<DeleteFinished, FxBuildHasher>,
    std::collections::HashSet<ScaleDown, FxBuildHasher>,
    std::collections::HashSet<RollDelete, FxBuildHasher>,
    std::collections::HashSet<FixIdentity, FxBuildHasher>,
    std::collections::HashSet<FixClaim, FxBuildHasher>,
    std::collections::HashSet<WriteStatus, FxBuildHasher>,
    std::collections::HashSet<WarnService, FxBuildHasher>,
    std::collections::HashSet<Wake, FxBuildHasher>,
);

/// Turns the rules' outputs into actions.
struct Glue<'f> {
    f: &'f Facts<'f>,
    names: RevNames,
    views: FxHashMap<Id, SetView<'f>>,
}

/// Admission order of this controller's actions within a step.
const REVISIONS: u8 = 0;
const OWNERSHIP: u8 = 1;
const CLAIMS: u8 = 2;
const PODS: u8 = 3;
const DELETES: u8 = 4;
const UPDATES: u8 = 5;
const STATUS: u8 = 6;
const HISTORY: u8 = 7;

impl Glue<'_> {
    fn actions(
        &self,
        out: Outputs,
        pod_claims: &controller_ref_manager::Claims,
        revision_claims: &controller_ref_manager::Claims,
    ) -> Proposals {
        let (
            creates_rev,
            raises,
            deletes_rev,
            update,
            current,
            new_claims,
            new_pods,
            finished,
            scale_downs,
            rolls,
            identities,
            fix_claims,
            statuses,
            warnings,
            wakes,
        ) = out;
        let f = self.f;
        let mut acts: Vec<(u8, ObjKey, Action)> = Vec::new();
        let current: FxHashMap<Id, Rev> = current.into_iter().map(|CurrentRevision(s, r)| (s, r)).collect();
        let update: FxHashMap<Id, Rev> = update.into_iter().map(|UpdateRevision(s, r)| (s, r)).collect();
        for CreateRevision(set, _, n) in creates_rev {
            let v = &self.views[&set];
            let name = model::name(&v.new_revision).to_string();
            acts.push((
                REVISIONS,
                ObjKey::new("ControllerRevision", v.set.ns, &name),
                Action::new(
                    Change::Create { object: v.new_revision.clone() },
                    NAME,
                    format!("template has no revision: create revision {n}"),
                ),
            ));
        }
        for RaiseRevision(set, r, n) in raises {
            let v = &self.views[&set];
            let key = ObjKey::new("ControllerRevision", v.set.ns, self.names.name(r));
            let old =
                v.history.revisions.iter().find(|x| x.name == self.names.name(r)).map_or(0, |x| x.revision);
            acts.push((
                REVISIONS,
                key.clone(),
                Action::new(
                    Change::Patch { key, patch: json!({"revision": n}), precondition: Precondition::None },
                    NAME,
                    format!("template equals revision {old}: it becomes revision {n}"),
                ),
            ));
        }
        for NewClaim(set, o, t, set_ref) in new_claims {
            let v = &self.views[&set];
            let (claim, key) = self.claim_object(&v.set, o, t as usize, set_ref);
            let template = v.set.claim_templates.get(t as usize).copied().unwrap_or("");
            acts.push((
                CLAIMS,
                key.clone(),
                Action::new(
                    Change::Create { object: claim },
                    NAME,
                    format!("volumeClaimTemplate {template}, ordinal {o}: create claim"),
                )
                .with_event(
                    f.key(set),
                    EventType::Normal,
                    "SuccessfulCreate",
                    format!(
                        "create Claim {} Pod {} in StatefulSet {} success",
                        key.name,
                        v.set.pod_name(o),
                        v.set.name
                    ),
                ),
            ));
        }
        for NewPod(set, o, r) in new_pods {
            let v = &self.views[&set];
            let pod = self.pod_object(v, o, r);
            let key = ObjKey::new("Pod", v.set.ns, &v.set.pod_name(o));
            let why = self.create_reason(v, o, r, current.get(&set) == Some(&r));
            acts.push((
                PODS,
                key.clone(),
                Action::new(Change::Create { object: pod }, NAME, why)
                    .with_event(
                        f.key(set),
                        EventType::Normal,
                        "SuccessfulCreate",
                        format!("create Pod {} in StatefulSet {} successful", key.name, v.set.name),
                    )
                    .or_when_forbidden(Action::event_only(
                        NAME,
                        "create forbidden",
                        f.now,
                        EventSpec {
                            on: f.key(set).clone(),
                            kind: EventType::Warning,
                            reason: "FailedCreate".into(),
                            message: format!(
                                "create Pod {} in StatefulSet {} failed error: {FORBIDDEN_PLACEHOLDER}",
                                key.name, v.set.name
                            ),
                        },
                    )),
            ));
        }
        for DeleteFinished(set, p) in finished {
            let phase = model::str_at(f.raw(p), &["status", "phase"]);
            acts.push((
                DELETES,
                f.key(p).clone(),
                self.delete(set, p, format!("pod {phase}: delete, it is recreated")),
            ));
        }
        for ScaleDown(set, p) in scale_downs {
            let v = &self.views[&set];
            let last = v.set.start + v.set.replicas - 1;
            let why = if v.set.ordered {
                format!(
                    "OrderedReady: replicas {}, ordinals {}..{last}: delete the highest ordinal beyond them",
                    v.set.replicas, v.set.start
                )
            } else {
                format!(
                    "Parallel: replicas {}, ordinals {}..{last}: delete every pod beyond them",
                    v.set.replicas, v.set.start
                )
            };
            acts.push((DELETES, f.key(p).clone(), self.delete(set, p, why)));
        }
        for RollDelete(set, p) in rolls {
            let v = &self.views[&set];
            let partition = match v.set.strategy {
                UpdateStrategy::RollingUpdate { partition, .. } => partition.unwrap_or(0),
                UpdateStrategy::OnDelete => 0,
            };
            let from = f.pod(p).map_or("", sf::pod_revision);
            let to = update.get(&set).map_or("", |&r| self.names.name(r));
            let why = format!("RollingUpdate, partition {partition}: revision {from} is not {to}: delete (highest ordinal first)");
            acts.push((DELETES, f.key(p).clone(), self.delete(set, p, why)));
        }
        for FixIdentity(set, p, o) in identities {
            let v = &self.views[&set];
            let name = v.set.pod_name(o);
            let patch = json!({"metadata": {"labels": {sf::POD_NAME_LABEL: name, sf::POD_INDEX_LABEL: o.to_string()}}});
            acts.push((
                UPDATES,
                f.key(p).clone(),
                Action::new(
                    Change::Patch { key: f.key(p).clone(), patch, precondition: Precondition::None },
                    NAME,
                    "identity label missing: update",
                )
                .with_event(
                    f.key(set),
                    EventType::Normal,
                    "SuccessfulUpdate",
                    format!("update Pod {name} in StatefulSet {} successful", v.set.name),
                ),
            ));
        }
        for FixClaim(set, o, claim, set_ref, pod_ref) in fix_claims {
            if let Some(a) = self.claim_refs_action(&self.views[&set], o, claim, set_ref, pod_ref) {
                acts.push((OWNERSHIP, f.key(claim).clone(), a));
            }
        }
        for (_, child, a) in controller_ref_manager::adopt_and_release(f, pod_claims, NAME) {
            acts.push((OWNERSHIP, f.key(child).clone(), a));
        }
        for (_, child, a) in controller_ref_manager::adopt_and_release(f, revision_claims, NAME) {
            acts.push((OWNERSHIP, f.key(child).clone(), a));
        }
        let warnings: FxHashMap<Id, u8> = warnings.into_iter().map(|WarnService(s, p)| (s, p)).collect();
        for WriteStatus(set, st) in statuses {
            let mut a = self.status_action(set, &st);
            if let Some(&problem) = warnings.get(&set) {
                a = self.service_warning(a, set, problem);
            }
            acts.push((STATUS, f.key(set).clone(), a));
        }
        for DeleteRevision(set, r) in deletes_rev {
            let v = &self.views[&set];
            let key = ObjKey::new("ControllerRevision", v.set.ns, self.names.name(r));
            let number = v.history.revisions.iter().find(|x| x.name == key.name).map_or(0, |x| x.revision);
            acts.push((
                HISTORY,
                key.clone(),
                Action::new(
                    Change::Delete { key, propagation: Propagation::Background },
                    NAME,
                    format!("revisionHistoryLimit {}: delete unused revision {number}", v.set.history_limit),
                ),
            ));
        }
        acts.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        let mut wakes: Vec<i64> = wakes.into_iter().map(|Wake(t)| t).collect();
        wakes.sort_unstable();
        Proposals::new(acts.into_iter().map(|(_, _, a)| a).collect(), wakes)
    }

    fn delete(&self, set: Id, pod: Id, why: String) -> Action {
        let v = &self.views[&set];
        let name = &self.f.key(pod).name;
        Action::new(
            Change::Delete { key: self.f.key(pod).clone(), propagation: Propagation::Background },
            NAME,
            why,
        )
        .with_event(
            self.f.key(set),
            EventType::Normal,
            "SuccessfulDelete",
            format!("delete Pod {name} in StatefulSet {} successful", v.set.name),
        )
    }

    /// Why a pod is created, with the DNS name the headless Service gives it.
    fn create_reason(&self, v: &SetView, o: i64, r: Rev, at_current: bool) -> String {
        let s = &v.set;
        let which = if at_current { "current" } else { "update" };
        let mut why = if !s.ordered {
            format!(
                "Parallel: replicas {}, ordinals {}..{}: create missing ordinals",
                s.replicas,
                s.start,
                s.start + s.replicas - 1
            )
        } else if o == s.start {
            format!("OrderedReady: ordinal {o} missing: create at {which} revision {}", self.names.name(r))
        } else {
            format!(
                "OrderedReady: ordinals {}..{} Running and Ready: create ordinal {o} at {which} revision {}",
                s.start,
                o - 1,
                self.names.name(r)
            )
        };
        if s.ordered {
            if let Some(dns) = s.dns_name(o) {
                why.push_str(&format!("; DNS {dns}"));
            }
        }
        why
    }

    /// `newVersionedStatefulSetPod`: the pod of ordinal `o` from revision `r`'s template.
    fn pod_object(&self, v: &SetView, o: i64, r: Rev) -> Value {
        let s = &v.set;
        let owner = self.f.raw(s.id);
        let name = self.names.name(r);
        let template = v
            .history
            .revisions
            .iter()
            .find(|x| x.name == name)
            .and_then(|x| model::at(self.f.raw(x.id), &["data", "spec", "template"]))
            .or_else(|| model::at(owner, &["spec", "template"]))
            .cloned()
            .map(|mut t| {
                if let Some(m) = t.as_object_mut() {
                    m.remove("$patch");
                }
                t
            })
            .unwrap_or(Value::Null);
        let mut pod = podtemplate::pod_from(owner, &template);
        let pod_name = s.pod_name(o);
        // metadata.name first, as the API server returns it.
        let mut meta = Map::new();
        meta.insert("name".into(), json!(pod_name));
        if let Some(m) = pod.get("metadata").and_then(Value::as_object) {
            meta.extend(m.clone());
        }
        let labels = meta.entry("labels").or_insert_with(|| json!({}));
        if let Some(l) = labels.as_object_mut() {
            l.insert(sf::POD_NAME_LABEL.into(), json!(pod_name));
            l.insert(sf::POD_INDEX_LABEL.into(), json!(o.to_string()));
            l.insert(REVISION_LABEL.into(), json!(name));
        }
        pod["metadata"] = Value::Object(meta);
        let spec = model::obj_mut(&mut pod, &["spec"]);
        spec.insert("hostname".into(), json!(pod_name));
        if !s.service_name.is_empty() {
            spec.insert("subdomain".into(), json!(s.service_name));
        }
        if !s.claim_templates.is_empty() {
            let mut volumes: Vec<Value> = s
                .claim_templates
                .iter()
                .map(|t| json!({"name": t, "persistentVolumeClaim": {"claimName": s.claim_name(t, o)}}))
                .collect();
            let own = spec.get("volumes").and_then(Value::as_array).cloned().unwrap_or_default();
            volumes.extend(
                own.into_iter().filter(|vol| !s.claim_templates.contains(&model::str_at(vol, &["name"]))),
            );
            spec.insert("volumes".into(), Value::Array(volumes));
        }
        pod
    }

    /// `getPersistentVolumeClaims`: the claim of template `t` for ordinal `o`, labelled with the
    /// template's labels and the selector's matchLabels.
    fn claim_object(&self, s: &StsF, o: i64, t: usize, set_ref: bool) -> (Value, ObjKey) {
        let owner = self.f.raw(s.id);
        let template = model::at(owner, &["spec", "volumeClaimTemplates"])
            .and_then(Value::as_array)
            .and_then(|a| a.get(t))
            .cloned()
            .unwrap_or(Value::Null);
        let name = s.claim_name(model::str_at(&template, &["metadata", "name"]), o);
        let mut labels: Map<String, Value> = model::at(&template, &["metadata", "labels"])
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        if let Some(m) = model::at(owner, &["spec", "selector", "matchLabels"]).and_then(Value::as_object) {
            labels.extend(m.clone());
        }
        let mut meta = Map::new();
        meta.insert("name".into(), json!(name));
        meta.insert("namespace".into(), json!(s.ns));
        if !labels.is_empty() {
            meta.insert("labels".into(), Value::Object(labels));
        }
        if let Some(a) = model::at(&template, &["metadata", "annotations"])
            .filter(|a| a.as_object().is_some_and(|m| !m.is_empty()))
        {
            meta.insert("annotations".into(), a.clone());
        }
        if set_ref {
            meta.insert("ownerReferences".into(), json!([podtemplate::controller_ref(owner)]));
        }
        let claim = json!({
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": meta,
            "spec": model::at(&template, &["spec"]).cloned().unwrap_or_else(|| json!({})),
        });
        let key = ObjKey::new("PersistentVolumeClaim", s.ns, &name);
        (claim, key)
    }

    /// `updateClaimOwnerRefForSetAndPod`: drop the references naming the set or the pod, add
    /// the controller references wanted.
    fn claim_refs_action(
        &self,
        v: &SetView,
        o: i64,
        claim: Id,
        set_ref: bool,
        pod_ref: bool,
    ) -> Option<Action> {
        let f = self.f;
        let s = &v.set;
        let pod = v
            .pods
            .in_range
            .get(&o)
            .copied()
            .or_else(|| v.pods.condemned.iter().find(|c| c.0 == o).map(|c| c.1));
        let pod_name = s.pod_name(o);
        let names = |r: &Value, api: &str, kind: &str, name: &str| {
            model::str_at(r, &["apiVersion"]) == api
                && model::str_at(r, &["kind"]) == kind
                && model::str_at(r, &["name"]) == name
        };
        let mut refs: Vec<Value> = model::owner_refs(f.raw(claim))
            .filter(|r| !names(r, "apps/v1", "StatefulSet", s.name) && !names(r, "v1", "Pod", &pod_name))
            .cloned()
            .collect();
        if set_ref {
            refs.push(podtemplate::controller_ref(f.raw(s.id)));
        }
        if pod_ref {
            refs.push(podtemplate::controller_ref(f.raw(pod?)));
        }
        let policy = |delete: bool| if delete { "Delete" } else { "Retain" };
        Some(Action::new(
            Change::Patch {
                key: f.key(claim).clone(),
                patch: json!({"metadata": {"ownerReferences": if refs.is_empty() { Value::Null } else { Value::Array(refs) }}}),
                precondition: Precondition::None,
            },
            NAME,
            format!(
                "persistentVolumeClaimRetentionPolicy whenDeleted {}, whenScaled {}: owner references",
                policy(s.when_deleted_delete),
                policy(s.when_scaled_delete)
            ),
        ))
    }

    fn status_action(&self, set: Id, st: &Status) -> Action {
        let omit_zero = |n: i64| if n == 0 { Value::Null } else { json!(n) };
        let omit_empty = |s: &str| if s.is_empty() { Value::Null } else { json!(s) };
        // apps/v1 StatefulSetStatus: the zero counts and empty names marked omitempty are left out.
        let patch = json!({"status": {
            "observedGeneration": omit_zero(st.observed_generation),
            "replicas": st.replicas,
            "readyReplicas": omit_zero(st.ready),
            "currentReplicas": omit_zero(st.current),
            "updatedReplicas": omit_zero(st.updated),
            "currentRevision": omit_empty(self.names.name(st.current_revision)),
            "updateRevision": omit_empty(self.names.name(st.update_revision)),
            "collisionCount": st.collision_count,
            "availableReplicas": st.available,
        }});
        Action::new(
            Change::Patch { key: self.f.key(set).clone(), patch, precondition: Precondition::None },
            NAME,
            format!(
                "status: replicas {}, ready {}, available {}, current {}, updated {} (update revision {})",
                st.replicas,
                st.ready,
                st.available,
                st.current,
                st.updated,
                self.names.name(st.update_revision)
            ),
        )
    }

    /// The Warning event a status write carries when the serviceName gives no DNS names.
    fn service_warning(&self, a: Action, set: Id, problem: u8) -> Action {
        let s = &self.views[&set].set;
        let example = s.dns_name(s.start).unwrap_or_default();
        let (reason, message) = if problem == SERVICE_NOT_FOUND {
            (
                "ServiceNotFound",
                format!(
                    "service {:?} not found: the pods get no DNS names such as {example}",
                    s.service_name
                ),
            )
        } else {
            (
                "ServiceNotHeadless",
                format!("service {:?} is not headless (clusterIP: None): the pods get no DNS names such as {example}", s.service_name),
            )
        };
        a.with_event(self.f.key(set), EventType::Warning, reason, message)
    }
}
