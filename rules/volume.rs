//! PersistentVolume controller (upstream `pkg/controller/volume/persistentvolume`:
//! `pv_controller.go`, `index.go`, and `FindMatchingVolume` in
//! `component-helpers/storage/volume/pv_helpers.go`).
//!
//! `syncUnboundClaim` — a claim without `pv.kubernetes.io/bind-completed`:
//! - no `spec.volumeName`: find the best volume (`findBestMatchForClaim`). A volume pre-bound to
//!   the claim (its `claimRef` names the claim, and its uid if set) wins at once if it is big
//!   enough, of the claim's volume mode and attributes class and not being deleted. Otherwise
//!   the claim looks through the access-mode sets that contain all its modes, fewest modes
//!   first, and in the first set with a fit takes the smallest volume that is Available, has
//!   no `claimRef`, is big enough, is of the claim's class (`""` for none), volume mode and
//!   attributes class, is not being deleted and matches the claim's selector. When the class
//!   waits for the first consumer (WaitForFirstConsumer) only pre-bound volumes count — unless
//!   a pod using the claim is on a node: then, as the scheduler's VolumeBinding plugin does,
//!   the claim takes the smallest fitting volume of its class whose node affinity admits that
//!   node. No fit: a claim with no class at all first gets the default class; a waiting claim
//!   with no selected node gets `WaitForFirstConsumer` / `WaitForPodScheduled`, or — when its
//!   pod is on a node and the class can provision — `volume.kubernetes.io/selected-node` (the
//!   scheduler's PreBind); a claim with a class is provisioned (`provisionClaim`: the
//!   storage-provisioner annotations and `ExternalProvisioning`, or `ProvisioningFailed` when
//!   the class is missing or cannot provision); a claim without one gets `FailedBinding`.
//! - `spec.volumeName` set: a missing volume waits; an unclaimed one is bound if it satisfies
//!   the claim (`checkVolumeSatisfyClaim`, else `VolumeMismatch`); one pre-bound to the claim
//!   is bound; one bound elsewhere gives `FailedBinding` ("already bound to a different claim").
//! - a claim not being bound is reset to Pending.
//!
//! `syncBoundClaim`: a bound claim whose volume name is gone, whose volume is gone or whose
//! volume is bound to another claim becomes Lost (`ClaimLost`, `ClaimMisbound`); a volume that
//! lost its `claimRef` is bound again.
//!
//! `syncVolume`: a volume without `claimRef` (or pre-bound, uid unset) is Available; a volume
//! whose claim is gone (or has another uid) is Released and reclaimed — Retain keeps it,
//! Delete deletes it (this controller for volumes no external provisioner made; the simulated
//! provisioner, `rules/provisioner.rs`, for its own), Recycle scrubs an NFS or hostPath volume
//! and makes it Available again (`VolumeRecycled`) and fails for any other source; a volume
//! bound to a claim that went to another volume is rolled back (`unbindVolume`), or Released
//! and deleted when it was provisioned for that claim with policy Delete.
//!
//! `bind` writes the volume first (`claimRef` with the claim's uid, `bound-by-controller` when
//! the controller chose, phase Bound), then the claim (`spec.volumeName`, `bind-completed`,
//! `bound-by-controller` when the controller chose, phase Bound, the volume's access modes and
//! capacity). Upstream binds one claim at a time; here a whole queue binds in one step: claims
//! asking for the same thing form a search class, and the class's k-th claim in queue order
//! (creation time, then namespace and name) takes the k-th volume of the class's walk. Two
//! classes may still pick one volume: the API server refuses the second write of its
//! `claimRef` (a 409) and that claim looks again next step. Events are recorded once per
//! object and reason (upstream repeats them at every resync).

use crate::actions::{Action, Change, EventType, Precondition};
use crate::controllers::{node_selector, Controller, Proposals};
use crate::facts::node_selector::NAME_FIELD;
use crate::facts::volumes::{
    self, access_mode_names, ClaimF, ClaimPhase, Reclaim, VolumeF, VolumePhase, ANN_BETA_STORAGE_PROVISIONER,
    ANN_BIND_COMPLETED, ANN_BOUND_BY_CONTROLLER, ANN_SELECTED_NODE, ANN_STORAGE_PROVISIONER, NO_PROVISIONER,
};
use crate::facts::{Facts, Id, Sym, EMPTY};
use crate::model;
use crate::printers;
use crepe::crepe;
use rustc_hash::{FxBuildHasher, FxHashMap};
use serde_json::{json, Value};

/// The name this controller's actions carry in the trace.
pub const NAME: &str = "persistentvolume";

pub const CONTROLLER: Controller =
    Controller { name: NAME, component: "persistentvolume-controller", reconcile };

/// Reclaim policies as the rules compare them.
pub const RETAIN: u8 = 0;
pub const DELETE: u8 = 1;
pub const RECYCLE: u8 = 2;
pub const UNKNOWN_POLICY: u8 = 3;

/// Why a requested volume does not satisfy its claim (`checkVolumeSatisfyClaim`, in its order).
pub const MISMATCH_DELETING: u8 = 0;
pub const MISMATCH_SIZE: u8 = 1;
pub const MISMATCH_CLASS: u8 = 2;
pub const MISMATCH_VOLUME_MODE: u8 = 3;
pub const MISMATCH_ACCESS_MODE: u8 = 4;

/// Why a bound claim is lost.
pub const LOST_VOLUME_NAME: u8 = 0;
pub const LOST_VOLUME: u8 = 1;
pub const LOST_MISBOUND: u8 = 2;

/// Why provisioning cannot start.
pub const NO_CLASS: u8 = 0;
pub const NO_PLUGIN: u8 = 1;

/// Why a volume fails.
pub const NO_RECYCLER: u8 = 0;
pub const UNKNOWN_RECLAIM_POLICY: u8 = 1;

/// Events this controller records once per object: their reasons as codes.
pub const EV_FAILED_BINDING: u8 = 0;
pub const EV_WAIT_FOR_FIRST_CONSUMER: u8 = 1;
pub const EV_WAIT_FOR_POD_SCHEDULED: u8 = 2;
pub const EV_EXTERNAL_PROVISIONING: u8 = 3;
pub const EV_PROVISIONING_FAILED: u8 = 4;
pub const EV_VOLUME_MISMATCH: u8 = 5;
const EVENT_REASONS: [&str; 6] = [
    "FailedBinding",
    "WaitForFirstConsumer",
    "WaitForPodScheduled",
    "ExternalProvisioning",
    "ProvisioningFailed",
    "VolumeMismatch",
];

crepe! {
    // ---- Volumes: (volume, name, phase, capacity in nano-units, access modes, block mode,
    // attributes class, being deleted).
    @input
    pub struct Volume(Id, Sym, VolumePhase, i128, u8, bool, Sym, bool);
    // GetPersistentVolumeClass.
    @input
    pub struct VolumeClass(Id, Sym);
    // (volume, claimRef namespace, name, uid).
    @input
    pub struct VolumeClaimRef(Id, Sym, Sym, Sym);
    @input
    pub struct VolumePolicy(Id, u8);
    // `pv.kubernetes.io/provisioned-by` is set: an external provisioner deletes it.
    @input
    pub struct ProvisionedExternally(Id);
    // An NFS or hostPath volume.
    @input
    pub struct Recyclable(Id);

    // ---- Claims: (claim, namespace, name, uid, request, access modes, block mode, attributes
    // class, phase).
    @input
    pub struct Claim(Id, Sym, Sym, Sym, i128, u8, bool, Sym, ClaimPhase);
    // GetPersistentVolumeClaimClass ("" for none).
    @input
    pub struct ClaimClass(Id, Sym);
    // No class asked for at all (nil, not ""): the default class may be assigned.
    @input
    pub struct ClassUnset(Id);
    @input
    pub struct BindCompleted(Id);
    @input
    pub struct ClaimVolumeName(Id, Sym);
    @input
    pub struct SelectedNode(Id, Sym);
    // (claim, node name) of the first pod using the claim that is on a node.
    @input
    pub struct ScheduledConsumer(Id, Sym);
    // A pod using the claim waits for a node.
    @input
    pub struct WaitingConsumer(Id);

    // ---- StorageClasses: (name, provisioner, waits for the first consumer).
    @input
    pub struct StorageClass(Sym, Sym, bool);
    @input
    pub struct DefaultClass(Sym);
    // The interned `kubernetes.io/no-provisioner`.
    @input
    pub struct NoProvisioner(Sym);
    // (object, event reason code) already recorded.
    @input
    pub struct Recorded(Id, u8);

    // ---- The search index (`facts::volumes::search`).
    // (claim, search class, rank in the class's queue).
    @input
    pub struct Queued(Id, u32, i64);
    // (class, request, access modes, number of claims).
    @input
    pub struct SearchClass(u32, i128, u8, i64);
    @input
    pub struct Delayed(u32);
    @input
    pub struct OnNode(u32, Id);
    @input
    pub struct ModeSets(u32, i64);
    @input
    pub struct ModeSetIndex(u32, u8, i64);
    @input
    pub struct Part(u32, i64, u32);
    @input
    pub struct PartStart(u32, i64, Id);
    @input
    pub struct Next(u32, Id, Id);
    @input
    pub struct Last(u32, Id);
    @input
    pub struct HasSelector(u32);
    @input
    pub struct Selected(u32, Id);
    @input
    pub struct VolumeRank(Id, i64);

    // ---- Node affinity of volumes (`CheckNodeAffinity`, matched by `node_selector` on the
    // nodes of the scheduler's path): (volume) has `spec.nodeAffinity.required`, (volume,
    // node) it admits the node.
    @input
    pub struct HasAffinity(Id);
    @input
    pub struct AffinityMatch(Id, Id);

    // IsVolumeBoundToClaim: the claimRef names the claim (and its uid, when the ref has one).
    struct RefersTo(Id, Id);
    RefersTo(v, c) <- VolumeClaimRef(v, ns, name, uid), Claim(c, ns, name, cu, _, _, _, _, _), (uid == EMPTY || uid == cu);
    struct Claimed(Id);
    Claimed(v) <- VolumeClaimRef(v, _, _, _);
    // Bindable by a claim that searches: Available, no claimRef, not being deleted.
    struct Free(Id);
    Free(v) <- Volume(v, _, VolumePhase::Available, _, _, _, _, false), !Claimed(v);
    struct VolumeNamed(Sym);
    VolumeNamed(name) <- Volume(_, name, _, _, _, _, _, _);
    struct HasVolumeName(Id);
    HasVolumeName(c) <- ClaimVolumeName(c, _);

    // ---- FindMatchingVolume, for a whole search class at once.
    // A volume pre-bound to the claim is returned at once when big enough, of the claim's
    // volume mode and attributes class, and not being deleted.
    struct PreboundFits(Id, Id);
    PreboundFits(c, v) <-
        RefersTo(v, c), Volume(v, _, _, cap, _, block, attrs, false), Claim(c, _, _, _, req, _, block, attrs, _),
        (cap >= req);
    // (class, place in its mode-set order, volume pre-bound to its claim there).
    struct PreboundAt(u32, i64, Id);
    PreboundAt(k, i, v) <- Queued(c, k, _), PreboundFits(c, v), Volume(v, _, _, _, m, _, _, _), ModeSetIndex(k, m, i);
    struct HasPrebound(u32, i64);
    HasPrebound(k, i) <- PreboundAt(k, i, _);
    struct PreboundLater(u32, i64, Id);
    PreboundLater(k, i, v) <- PreboundAt(k, i, v), PreboundAt(k, i, w), VolumeRank(w, rw), VolumeRank(v, rv), (rw < rv);
    struct HasStart(u32, i64);
    HasStart(k, i) <- PartStart(k, i, _);

    // Enter(class, place, taken so far): the class reaches the chain of that place.
    struct Enter(u32, i64, i64);
    Enter(k, 0, 0) <- SearchClass(k, _, _, _);
    Enter(k, i + 1, n) <- Enter(k, i, n), ModeSets(k, count), (i + 1 < count), !HasPrebound(k, i), !HasStart(k, i);
    Enter(k, i + 1, n) <- Enter(k, i, n), Delayed(k), ModeSets(k, count), (i + 1 < count), !HasPrebound(k, i);
    // Walk(class, place, volume, taken so far): the class looks at that volume.
    struct Walk(u32, i64, Id, i64);
    Walk(k, i, v, n) <- Enter(k, i, n), !Delayed(k), !HasPrebound(k, i), PartStart(k, i, v);
    struct Fits(u32, Id);
    Fits(k, v) <-
        Walk(k, _, v, _), Free(v), Volume(v, _, _, cap, m, _, _, _), SearchClass(k, req, cm, _), (cap >= req),
        (m & cm == cm);
    struct SelectorOk(u32, Id);
    SelectorOk(k, v) <- Fits(k, v), !HasSelector(k);
    SelectorOk(k, v) <- Fits(k, v), Selected(k, v);
    struct ScheduledClass(u32);
    ScheduledClass(k) <- OnNode(k, _);
    struct Takes(u32, Id);
    Takes(k, v) <- SelectorOk(k, v), !ScheduledClass(k);
    Takes(k, v) <- SelectorOk(k, v), ScheduledClass(k), !HasAffinity(v);
    Takes(k, v) <- SelectorOk(k, v), OnNode(k, n), AffinityMatch(v, n);
    struct Skips(u32, Id);
    Skips(k, v) <- Walk(k, _, v, _), !Free(v);
    Skips(k, v) <-
        Walk(k, _, v, _), Volume(v, _, _, cap, m, _, _, _), SearchClass(k, req, cm, _), (cap < req || m & cm != cm);
    Skips(k, v) <- Walk(k, _, v, _), HasSelector(k), !Selected(k, v);
    Skips(k, v) <- Walk(k, _, v, _), OnNode(k, n), HasAffinity(v), !AffinityMatch(v, n);
    Walk(k, i, w, n + 1) <-
        Walk(k, i, v, n), Takes(k, v), SearchClass(k, _, _, want), (n + 1 < want), Part(k, i, p), Next(p, v, w);
    Walk(k, i, w, n) <- Walk(k, i, v, n), Skips(k, v), Part(k, i, p), Next(p, v, w);
    Enter(k, i + 1, n + 1) <-
        Walk(k, i, v, n), Takes(k, v), SearchClass(k, _, _, want), (n + 1 < want), Part(k, i, p), Last(p, v),
        ModeSets(k, count), (i + 1 < count);
    Enter(k, i + 1, n) <- Walk(k, i, v, n), Skips(k, v), Part(k, i, p), Last(p, v), ModeSets(k, count), (i + 1 < count);
    // Slot(class, rank, volume): the volume the class's claim of that rank takes.
    struct Slot(u32, i64, Id);
    Slot(k, n, v) <- Walk(k, _, v, n), Takes(k, v);
    Slot(k, 0, v) <- Enter(k, i, 0), PreboundAt(k, i, v), !PreboundLater(k, i, v);
    @output
    pub struct Match(Id, Id);
    Match(c, v) <- Queued(c, k, r), Slot(k, r, v);

    // ---- syncUnboundClaim.
    struct Unbound(Id);
    Unbound(c) <- Claim(c, _, _, _, _, _, _, _, _), !BindCompleted(c);
    struct Searching(Id);
    Searching(c) <- Unbound(c), !HasVolumeName(c);
    // (claim, volume it names).
    struct Requested(Id, Id);
    Requested(c, v) <- ClaimVolumeName(c, name), Volume(v, name, _, _, _, _, _, _);
    struct RequestedMissing(Id);
    RequestedMissing(c) <- ClaimVolumeName(c, name), !VolumeNamed(name);
    // checkVolumeSatisfyClaim, each failure with its code.
    @output
    pub struct Mismatch(Id, Id, u8);
    struct Asks(Id, Id);
    Asks(c, v) <- Unbound(c), Requested(c, v), !Claimed(v);
    Mismatch(c, v, MISMATCH_DELETING) <- Asks(c, v), Volume(v, _, _, _, _, _, _, true);
    Mismatch(c, v, MISMATCH_SIZE) <-
        Asks(c, v), Volume(v, _, _, cap, _, _, _, _), Claim(c, _, _, _, req, _, _, _, _), (cap < req);
    Mismatch(c, v, MISMATCH_CLASS) <- Asks(c, v), VolumeClass(v, a), ClaimClass(c, b), (a != b);
    Mismatch(c, v, MISMATCH_VOLUME_MODE) <-
        Asks(c, v), Volume(v, _, _, _, _, block, _, _), Claim(c, _, _, _, _, _, block2, _, _), (block != block2);
    Mismatch(c, v, MISMATCH_ACCESS_MODE) <-
        Asks(c, v), Volume(v, _, _, _, m, _, _, _), Claim(c, _, _, _, _, cm, _, _, _), (m & cm != cm);
    struct Mismatched(Id);
    Mismatched(c) <- Mismatch(c, _, _);
    // A requested volume bound to another claim.
    @output
    pub struct TakenElsewhere(Id, Id);
    TakenElsewhere(c, v) <- Unbound(c), Requested(c, v), Claimed(v), !RefersTo(v, c);

    // ---- syncBoundClaim.
    struct BoundClaim(Id);
    BoundClaim(c) <- BindCompleted(c);
    struct RefUidIs(Id, Sym);
    RefUidIs(v, uid) <- VolumeClaimRef(v, _, _, uid);
    // Nothing left to do: both sides Bound to each other.
    struct Settled(Id, Id);
    Settled(v, c) <-
        BoundClaim(c), Claim(c, _, _, uid, _, _, _, _, ClaimPhase::Bound), Requested(c, v),
        Volume(v, _, VolumePhase::Bound, _, _, _, _, _), RefUidIs(v, uid);
    @output
    pub struct Lose(Id, u8);
    struct NotLost(Id);
    NotLost(c) <- Claim(c, _, _, _, _, _, _, _, phase), (phase != ClaimPhase::Lost);
    Lose(c, LOST_VOLUME_NAME) <- BoundClaim(c), !HasVolumeName(c), NotLost(c);
    Lose(c, LOST_VOLUME) <- BoundClaim(c), RequestedMissing(c), NotLost(c);
    Lose(c, LOST_MISBOUND) <-
        BoundClaim(c), Requested(c, v), RefUidIs(v, uid), Claim(c, _, _, cu, _, _, _, _, _), (uid != cu), NotLost(c);

    // ---- bind.
    @output
    pub struct Bind(Id, Id);
    Bind(v, c) <- Match(c, v), Searching(c);
    Bind(v, c) <- Asks(c, v), !Mismatched(c);
    Bind(v, c) <- Unbound(c), Requested(c, v), RefersTo(v, c);
    Bind(v, c) <- BoundClaim(c), Requested(c, v), !Claimed(v);
    Bind(v, c) <- BoundClaim(c), Requested(c, v), RefUidIs(v, uid), Claim(c, _, _, uid, _, _, _, _, _), !Settled(v, c);
    struct Binding(Id);
    Binding(c) <- Bind(_, c);
    struct BindingVolume(Id);
    BindingVolume(v) <- Bind(v, _);
    // updateClaimStatus(Pending) for an unbound claim left as it is.
    @output
    pub struct ClaimPending(Id);
    ClaimPending(c) <- Unbound(c), !Binding(c), Claim(c, _, _, _, _, _, _, _, phase), (phase != ClaimPhase::Pending);

    // ---- No volume fits a claim that searches.
    struct Matched(Id);
    Matched(c) <- Match(c, _);
    struct Unmatched(Id);
    Unmatched(c) <- Searching(c), !Matched(c);
    // assignDefaultStorageClass (retroactive default class).
    @output
    pub struct AssignDefault(Id, Sym);
    AssignDefault(c, d) <- Unmatched(c), ClassUnset(c), DefaultClass(d);
    struct Assigning(Id);
    Assigning(c) <- AssignDefault(c, _);
    struct Waits(Id);
    Waits(c) <- ClaimClass(c, cls), StorageClass(cls, _, true);
    struct HasSelectedNode(Id);
    HasSelectedNode(c) <- SelectedNode(c, _);
    struct Scheduled(Id);
    Scheduled(c) <- ScheduledConsumer(c, _);
    struct Undecided(Id);
    Undecided(c) <- Unmatched(c), !Assigning(c);
    // Waiting for a consumer: the event names the pods that wait for a node, if any.
    @output
    pub struct AwaitConsumer(Id, u8);
    struct Awaiting(Id);
    Awaiting(c) <- Undecided(c), Waits(c), !HasSelectedNode(c), !Scheduled(c);
    AwaitConsumer(c, EV_WAIT_FOR_FIRST_CONSUMER) <-
        Awaiting(c), !WaitingConsumer(c), !Recorded(c, EV_WAIT_FOR_FIRST_CONSUMER);
    AwaitConsumer(c, EV_WAIT_FOR_POD_SCHEDULED) <- Awaiting(c), WaitingConsumer(c), !Recorded(c, EV_WAIT_FOR_POD_SCHEDULED);
    // The scheduler's PreBind for a claim its pod's node cannot find a volume for: provision
    // there.
    @output
    pub struct SelectNode(Id, Sym);
    SelectNode(c, n) <-
        Undecided(c), Waits(c), !HasSelectedNode(c), ScheduledConsumer(c, n), ClaimClass(c, cls),
        StorageClass(cls, p, true), NoProvisioner(none), (p != none);
    struct MayProvision(Id);
    MayProvision(c) <- Undecided(c), ClaimClass(c, cls), (cls != EMPTY), !Waits(c);
    MayProvision(c) <- Undecided(c), ClaimClass(c, cls), (cls != EMPTY), Waits(c), HasSelectedNode(c);
    // provisionClaim: (claim, class, provisioner).
    @output
    pub struct Provision(Id, Sym, Sym);
    Provision(c, cls, p) <- MayProvision(c), ClaimClass(c, cls), StorageClass(cls, p, _), NoProvisioner(none), (p != none);
    struct ClassExists(Sym);
    ClassExists(cls) <- StorageClass(cls, _, _);
    @output
    pub struct ProvisioningFails(Id, u8);
    ProvisioningFails(c, NO_CLASS) <-
        MayProvision(c), ClaimClass(c, cls), !ClassExists(cls), !Recorded(c, EV_PROVISIONING_FAILED);
    ProvisioningFails(c, NO_PLUGIN) <-
        MayProvision(c), ClaimClass(c, cls), StorageClass(cls, p, _), NoProvisioner(none), (p == none),
        !Recorded(c, EV_PROVISIONING_FAILED);
    @output
    pub struct NoVolumeNoClass(Id);
    NoVolumeNoClass(c) <- Undecided(c), ClaimClass(c, cls), (cls == EMPTY), !Recorded(c, EV_FAILED_BINDING);

    // ---- syncVolume.
    struct RefHolds(Id, Id);
    RefHolds(v, c) <- VolumeClaimRef(v, ns, name, uid), (uid != EMPTY), Claim(c, ns, name, uid, _, _, _, _, _);
    struct RefValid(Id);
    RefValid(v) <- RefHolds(v, _);
    // The claim is gone (or was replaced by one with another uid).
    struct Orphaned(Id);
    Orphaned(v) <- VolumeClaimRef(v, _, _, uid), (uid != EMPTY), !RefValid(v);
    // The claim went to another volume.
    struct BoundElsewhere(Id);
    BoundElsewhere(v) <- RefHolds(v, c), ClaimVolumeName(c, name), Volume(v, own, _, _, _, _, _, _), (name != own);
    // A volume provisioned for the claim, deleted with it.
    struct ProvisionedForIt(Id);
    ProvisionedForIt(v) <- BoundElsewhere(v), ProvisionedExternally(v), VolumePolicy(v, DELETE);
    struct Reclaimable(Id);
    Reclaimable(v) <- Orphaned(v);
    Reclaimable(v) <- ProvisionedForIt(v);
    @output
    pub struct SetVolumePhase(Id, VolumePhase);
    SetVolumePhase(v, VolumePhase::Available) <-
        Volume(v, _, phase, _, _, _, _, _), !Claimed(v), (phase != VolumePhase::Available), !BindingVolume(v);
    SetVolumePhase(v, VolumePhase::Available) <-
        VolumeClaimRef(v, _, _, uid), (uid == EMPTY), Volume(v, _, phase, _, _, _, _, _),
        (phase != VolumePhase::Available), !BindingVolume(v);
    SetVolumePhase(v, VolumePhase::Released) <-
        Reclaimable(v), Volume(v, _, phase, _, _, _, _, _), (phase != VolumePhase::Released && phase != VolumePhase::Failed);
    struct ReleasedNow(Id);
    ReleasedNow(v) <- Reclaimable(v), Volume(v, _, VolumePhase::Released, _, _, _, _, _);
    // reclaimVolume, once the volume is Released.
    @output
    pub struct DeleteVolume(Id);
    DeleteVolume(v) <- ReleasedNow(v), VolumePolicy(v, DELETE), !ProvisionedExternally(v), Volume(v, _, _, _, _, _, _, false);
    @output
    pub struct RecycleVolume(Id);
    RecycleVolume(v) <- ReleasedNow(v), VolumePolicy(v, RECYCLE), Recyclable(v);
    @output
    pub struct FailVolume(Id, u8);
    FailVolume(v, NO_RECYCLER) <- ReleasedNow(v), VolumePolicy(v, RECYCLE), !Recyclable(v);
    FailVolume(v, UNKNOWN_RECLAIM_POLICY) <- ReleasedNow(v), VolumePolicy(v, UNKNOWN_POLICY);
    // unbindVolume: a volume whose claim went elsewhere.
    @output
    pub struct UnbindVolume(Id);
    UnbindVolume(v) <- BoundElsewhere(v), !ProvisionedForIt(v);
    // A pre-bound claim that has not searched yet and a volume of another volume mode.
    @output
    pub struct VolumeModeConflict(Id, Id);
    VolumeModeConflict(v, c) <-
        RefHolds(v, c), !HasVolumeName(c), Volume(v, _, _, _, _, block, _, _), Claim(c, _, _, _, _, _, block2, _, _),
        (block != block2), !Recorded(v, EV_VOLUME_MISMATCH);

    // ---- Events recorded once.
    @output
    pub struct MismatchEvent(Id, Id);
    MismatchEvent(c, v) <- Mismatch(c, v, _), !Recorded(c, EV_VOLUME_MISMATCH);
    @output
    pub struct TakenEvent(Id, Id);
    TakenEvent(c, v) <- TakenElsewhere(c, v), !Recorded(c, EV_FAILED_BINDING);
    @output
    pub struct ProvisioningEvent(Id);
    ProvisioningEvent(c) <- Provision(c, _, _), !Recorded(c, EV_EXTERNAL_PROVISIONING);
}

type Out = (
    FxHashSet<Match>,
    FxHashSet<Mismatch>,
    FxHashSet<TakenElsewhere>,
    FxHashSet<Lose>,
    FxHashSet<Bind>,
    FxHashSet<ClaimPending>,
    FxHashSet<AssignDefault>,
    FxHashSet<AwaitConsumer>,
    FxHashSet<SelectNode>,
    FxHashSet<Provision>,
    FxHashSet<ProvisioningFails>,
    FxHashSet<NoVolumeNoClass>,
    FxHashSet<SetVolumePhase>,
    FxHashSet<DeleteVolume>,
    FxHashSet<RecycleVolume>,
    FxHashSet<FailVolume>,
    FxHashSet<UnbindVolume>,
    FxHashSet<VolumeModeConflict>,
    FxHashSet<MismatchEvent>,
    FxHashSet<TakenEvent>,
    FxHashSet<ProvisioningEvent>,
);

type FxHashSet<T> = std::collections::HashSet<T, FxBuildHasher>;

fn policy_code(r: Reclaim) -> u8 {
    match r {
        Reclaim::Retain => RETAIN,
        Reclaim::Delete => DELETE,
        Reclaim::Recycle => RECYCLE,
        Reclaim::Unknown => UNKNOWN_POLICY,
    }
}

/// Run the rules over one snapshot.
fn derive(f: &Facts) -> Out {
    let s = &f.storage;
    let mut rt = Crepe::new();
    for v in &s.volumes {
        rt.extend([Volume(
            v.id,
            v.name,
            v.phase,
            v.capacity,
            v.modes,
            v.block,
            v.attributes_class,
            v.deleting,
        )]);
        rt.extend([VolumeClass(v.id, v.class)]);
        rt.extend([VolumePolicy(v.id, policy_code(v.reclaim))]);
        if let Some(r) = v.claim_ref {
            rt.extend([VolumeClaimRef(v.id, r.ns, r.name, r.uid)]);
        }
        if v.provisioned_by != EMPTY {
            rt.extend([ProvisionedExternally(v.id)]);
        }
        if v.recyclable {
            rt.extend([Recyclable(v.id)]);
        }
    }
    for c in &s.claims {
        rt.extend([Claim(
            c.id,
            c.ns,
            c.name,
            c.uid,
            c.request,
            c.modes,
            c.block,
            c.attributes_class,
            c.phase,
        )]);
        rt.extend([ClaimClass(c.id, c.class)]);
        if c.class_unset {
            rt.extend([ClassUnset(c.id)]);
        }
        if c.bind_completed {
            rt.extend([BindCompleted(c.id)]);
        }
        if c.volume_name != EMPTY {
            rt.extend([ClaimVolumeName(c.id, c.volume_name)]);
        }
        if c.selected_node != EMPTY {
            rt.extend([SelectedNode(c.id, c.selected_node)]);
        }
    }
    let mut scheduled: FxHashMap<Id, Sym> = FxHashMap::default();
    for (claim, _, node) in volumes::consumers(f) {
        match node {
            Some(n) => {
                scheduled.entry(claim).or_insert(n);
            }
            None => rt.extend([WaitingConsumer(claim)]),
        }
    }
    rt.extend(scheduled.into_iter().map(|(c, n)| ScheduledConsumer(c, n)));
    for c in &s.classes {
        rt.extend([StorageClass(c.name, c.provisioner, c.wait_for_consumer)]);
    }
    rt.extend(s.default_class(&f.syms).map(DefaultClass));
    // A provisioner name no class uses when nothing interned it.
    rt.extend([NoProvisioner(f.syms.get(NO_PROVISIONER).unwrap_or(Sym::MAX))]);
    rt.extend(recorded_events(f).into_iter().map(|(o, r)| Recorded(o, r)));

    let search = volumes::search(f);
    rt.extend(search.queued.iter().map(|&(c, k, r)| Queued(c, k, r)));
    rt.extend(search.classes.iter().map(|&(k, req, m, n)| SearchClass(k, req, m, n)));
    rt.extend(search.delayed.iter().map(|&k| Delayed(k)));
    rt.extend(search.on_node.iter().map(|&(k, n)| OnNode(k, n)));
    rt.extend(search.mode_sets.iter().map(|&(k, n)| ModeSets(k, n)));
    rt.extend(search.mode_set_index.iter().map(|&(k, m, i)| ModeSetIndex(k, m, i)));
    rt.extend(search.parts.iter().map(|&(k, i, p)| Part(k, i, p)));
    rt.extend(search.starts.iter().map(|&(k, i, v)| PartStart(k, i, v)));
    rt.extend(search.next.iter().map(|&(p, v, w)| Next(p, v, w)));
    rt.extend(search.last.iter().map(|&(p, v)| Last(p, v)));
    rt.extend(search.with_selector.iter().map(|&k| HasSelector(k)));
    rt.extend(search.selected.iter().map(|&(k, v)| Selected(k, v)));
    rt.extend(search.ranks.iter().map(|&(v, r)| VolumeRank(v, r)));
    if !search.on_node.is_empty() {
        extend_affinity(&mut rt, f, &search);
    }
    rt.run_with_hasher::<FxBuildHasher>()
}

/// The node affinity of the volumes, matched on the nodes of the scheduler's path.
fn extend_affinity(rt: &mut Crepe, f: &Facts, search: &volumes::Search) {
    let nodes: FxHashSet<Id> = search.on_node.iter().map(|&(_, n)| n).collect();
    let mut selectors = node_selector::Selectors::new(f.syms.get(NAME_FIELD).unwrap_or(u32::MAX));
    for v in &f.storage.volumes {
        if let Some(affinity) = &v.affinity {
            rt.extend([HasAffinity(v.id)]);
            selectors.add(v.id, &[], Some(affinity));
        }
    }
    let targets = f.nodes.iter().filter(|n| nodes.contains(&n.id));
    let matching = selectors.run(&f.syms, targets.map(|n| (n.id, n.name, n.labels.as_slice())));
    rt.extend(matching.matches.into_iter().map(|(v, n)| AffinityMatch(v, n)));
}

/// The Events already recorded on volumes and claims, by object and reason code.
pub fn recorded_events(f: &Facts) -> Vec<(Id, u8)> {
    if f.storage.claims.is_empty() && f.storage.volumes.is_empty() {
        return Vec::new();
    }
    let mut out: Vec<(Id, u8)> = f
        .events
        .values()
        .filter(|e| matches!(e.involved("kind"), "PersistentVolumeClaim" | "PersistentVolume"))
        .filter_map(|e| {
            let code = EVENT_REASONS.iter().position(|r| *r == e.reason())?;
            Some((f.resolve_uid(e.involved("uid"))?, code as u8))
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Upstream's claim queue order: creation time, then namespace and name.
fn queue_order<'a>(
    f: &'a Facts,
    claims: &'a FxHashMap<Id, &ClaimF>,
) -> impl Fn(Id) -> (i64, &'a model::ObjKey) + 'a {
    move |c: Id| (claims.get(&c).map_or(i64::MAX, |c| c.created), f.key(c))
}

/// The pairs the search matches this step, (claim, volume), in queue order: what
/// `findBestMatchForClaim` returns for each claim that searches.
pub fn matches(f: &Facts) -> Vec<(Id, Id)> {
    let claims: FxHashMap<Id, &ClaimF> = f.storage.claims.iter().map(|c| (c.id, c)).collect();
    let order = queue_order(f, &claims);
    let mut out: Vec<(Id, Id)> = derive(f).0.into_iter().map(|Match(c, v)| (c, v)).collect();
    out.sort_unstable_by(|a, b| order(a.0).cmp(&order(b.0)));
    out
}

/// Run the controller over one snapshot.
pub fn reconcile(f: &Facts) -> Proposals {
    if f.storage.claims.is_empty() && f.storage.volumes.is_empty() {
        return Proposals::default();
    }
    let (
        _,
        mismatches,
        _,
        losses,
        binds,
        pendings,
        defaults,
        awaits,
        selects,
        provisions,
        provisioning_fails,
        no_class,
        phases,
        deletes,
        recycles,
        failures,
        unbinds,
        mode_conflicts,
        mismatch_events,
        taken_events,
        provisioning_events,
    ) = derive(f);
    let volumes: FxHashMap<Id, &VolumeF> = f.storage.volumes.iter().map(|v| (v.id, v)).collect();
    let claims: FxHashMap<Id, &ClaimF> = f.storage.claims.iter().map(|c| (c.id, c)).collect();
    let order = queue_order(f, &claims);
    let g = Glue { f, volumes: &volumes, claims: &claims };
    let mut out: Vec<Action> = Vec::new();

    // Binds first, in queue order: the claim that comes first wins a volume two claims picked.
    let mut binds: Vec<Bind> = binds.into_iter().collect();
    binds.sort_unstable_by(|a, b| order(a.1).cmp(&order(b.1)).then_with(|| f.key(a.0).cmp(f.key(b.0))));
    for Bind(v, c) in binds {
        out.extend(g.bind(v, c));
    }

    let mut per_claim: Vec<(Id, Action)> = Vec::new();
    for ClaimPending(c) in pendings {
        per_claim.push((c, g.claim_pending(c)));
    }
    for AssignDefault(c, class) in defaults {
        let class = f.syms.resolve(class);
        per_claim.push((
            c,
            g.patch(
                c,
                json!({"spec": {"storageClassName": class}}),
                format!("no volume fits; default class {class}"),
            ),
        ));
    }
    for AwaitConsumer(c, code) in awaits {
        let (reason, message) = g.await_consumer(c, code);
        per_claim.push((c, g.event_only(c, EventType::Normal, reason, message)));
    }
    for SelectNode(c, node) in selects {
        let node = f.syms.resolve(node);
        per_claim.push((
            c,
            g.patch(
                c,
                json!({"metadata": {"annotations": {ANN_SELECTED_NODE: node}}}),
                format!("VolumeBinding: a pod using the claim is on node {node}, no volume there fits: provision there"),
            ),
        ));
    }
    let announced: FxHashSet<Id> = provisioning_events.into_iter().map(|ProvisioningEvent(c)| c).collect();
    for Provision(c, _, provisioner) in provisions {
        if let Some(a) = g.provision(c, f.syms.resolve(provisioner), announced.contains(&c)) {
            per_claim.push((c, a));
        }
    }
    for ProvisioningFails(c, why) in provisioning_fails {
        let class = claims.get(&c).map_or("", |c| f.syms.resolve(c.class));
        let message = match why {
            NO_CLASS => format!("storageclass.storage.k8s.io {class:?} not found"),
            _ => format!("no volume plugin matched name: {NO_PROVISIONER}"),
        };
        per_claim.push((c, g.event_only(c, EventType::Warning, "ProvisioningFailed", message)));
    }
    for NoVolumeNoClass(c) in no_class {
        let message = "no persistent volumes available for this claim and no storage class is set";
        per_claim.push((c, g.event_only(c, EventType::Normal, "FailedBinding", message.to_string())));
    }
    // checkVolumeSatisfyClaim names the first check that fails.
    let mut first_mismatch: FxHashMap<(Id, Id), u8> = FxHashMap::default();
    for Mismatch(c, v, why) in mismatches {
        let e = first_mismatch.entry((c, v)).or_insert(why);
        *e = (*e).min(why);
    }
    for MismatchEvent(c, v) in mismatch_events {
        let why = first_mismatch.get(&(c, v)).copied().unwrap_or(MISMATCH_SIZE);
        let message = format!(
            "Cannot bind to requested volume {:?}: {}",
            f.key(v).name,
            mismatch_text(&f.key(v).name, why)
        );
        per_claim.push((c, g.event_only(c, EventType::Warning, "VolumeMismatch", message)));
    }
    for TakenEvent(c, v) in taken_events {
        let message = format!("volume {:?} already bound to a different claim.", f.key(v).name);
        per_claim.push((c, g.event_only(c, EventType::Warning, "FailedBinding", message)));
    }
    for Lose(c, why) in losses {
        per_claim.push((c, g.lose(c, why)));
    }
    per_claim.sort_by(|a, b| order(a.0).cmp(&order(b.0)));
    out.extend(one_write_per_object(per_claim));

    let mut per_volume: Vec<(Id, Action)> = Vec::new();
    for SetVolumePhase(v, phase) in phases {
        per_volume.push((v, g.volume_phase(v, phase, "", None)));
    }
    for DeleteVolume(v) in deletes {
        let key = f.key(v).clone();
        per_volume.push((
            v,
            Action::new(
                Change::Delete { key, propagation: crate::actions::Propagation::Background },
                NAME,
                "released with reclaim policy Delete: the volume is deleted",
            ),
        ));
    }
    for RecycleVolume(v) in recycles {
        per_volume.push((v, g.unbind(v, "recycled (reclaim policy Recycle): Available again", true)));
    }
    for UnbindVolume(v) in unbinds {
        per_volume.push((v, g.unbind(v, "its claim is bound to another volume: binding rolled back", false)));
    }
    for FailVolume(v, why) in failures {
        let (reason, message) = match why {
            NO_RECYCLER => ("VolumeFailedRecycle", "No recycler plugin found for the volume!"),
            _ => ("VolumeUnknownReclaimPolicy", "Volume has unrecognized PersistentVolumeReclaimPolicy"),
        };
        per_volume.push((v, g.volume_phase(v, VolumePhase::Failed, message, Some((reason, message)))));
    }
    for VolumeModeConflict(v, c) in mode_conflicts {
        let (pv, pvc) = (&f.key(v).name, &f.key(c).name);
        let on_volume =
            format!("Cannot bind PersistentVolume to requested PersistentVolumeClaim {pvc:?} due to incompatible volumeMode.");
        let on_claim =
            format!("Cannot bind PersistentVolume {pv:?} to requested PersistentVolumeClaim due to incompatible volumeMode.");
        per_volume.push((v, g.event_only(v, EventType::Warning, "VolumeMismatch", on_volume)));
        per_volume.push((v, g.event_only(c, EventType::Warning, "VolumeMismatch", on_claim)));
    }
    per_volume.sort_by(|a, b| f.key(a.0).cmp(f.key(b.0)));
    out.extend(one_write_per_object(per_volume));
    out.into()
}

/// Upstream writes an object once per sync (status, annotations and the event together): the
/// plain patches of one object that follow each other become one, unless two of them carry an
/// event.
fn one_write_per_object(actions: Vec<(Id, Action)>) -> Vec<Action> {
    let mut out: Vec<(Id, Action)> = Vec::new();
    for (id, a) in actions {
        if let Some((last_id, last)) = out.last_mut() {
            if *last_id == id && (last.events.is_empty() || a.events.is_empty()) {
                if let (
                    Change::Patch { key: into_key, patch: into, precondition: Precondition::None },
                    Change::Patch { key, patch, precondition: Precondition::None },
                ) = (&mut last.change, &a.change)
                {
                    if into_key != key {
                        out.push((id, a));
                        continue;
                    }
                    combine(into, patch);
                    last.reason = format!("{}; {}", last.reason, a.reason);
                    last.events.extend(a.events);
                    continue;
                }
            }
        }
        out.push((id, a));
    }
    out.into_iter().map(|(_, a)| a).collect()
}

/// Two merge patches as one: maps merge key by key, anything else (nulls included, which
/// delete) from `b`.
fn combine(a: &mut Value, b: &Value) {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                match a.get_mut(k) {
                    Some(existing) => combine(existing, v),
                    None => {
                        a.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (a, b) => *a = b.clone(),
    }
}

/// The message of `checkVolumeSatisfyClaim`'s error.
fn mismatch_text(volume: &str, why: u8) -> String {
    match why {
        MISMATCH_DELETING => format!("the volume is marked for deletion {volume:?}"),
        MISMATCH_SIZE => "requested PV is too small".into(),
        MISMATCH_CLASS => "storageClassName does not match".into(),
        MISMATCH_VOLUME_MODE => "incompatible volumeMode".into(),
        _ => "incompatible accessMode".into(),
    }
}

/// Turns derived facts into API writes, as upstream's `bind`, `updateClaimStatus`,
/// `updateVolumePhase` and `unbindVolume` write them.
struct Glue<'a, 'f> {
    f: &'a Facts<'f>,
    volumes: &'a FxHashMap<Id, &'a VolumeF>,
    claims: &'a FxHashMap<Id, &'a ClaimF>,
}

impl Glue<'_, '_> {
    fn patch(&self, id: Id, patch: Value, reason: String) -> Action {
        Action::new(
            Change::Patch { key: self.f.key(id).clone(), patch, precondition: Precondition::None },
            NAME,
            reason,
        )
    }

    /// An Event with no write (upstream emits it while the object stays as it is).
    fn event_only(&self, id: Id, kind: EventType, reason: &'static str, message: String) -> Action {
        let key = self.f.key(id);
        self.patch(id, json!({}), format!("{reason}: {message}")).with_event(key, kind, reason, message)
    }

    /// `bind(volume, claim)`: the volume's write then the claim's, each only when something
    /// changes.
    fn bind(&self, v: Id, c: Id) -> Vec<Action> {
        let (Some(volume), Some(claim)) = (self.volumes.get(&v), self.claims.get(&c)) else { return vec![] };
        let pv = self.f.raw(v);
        let pvc = self.f.raw(c);
        let claim_key = self.f.key(c);
        let volume_name = &self.f.key(v).name;
        let now = model::fmt_time(self.f.now);
        let uid = self.f.syms.resolve(claim.uid);
        let refers = volume.claim_ref.is_some_and(|r| {
            r.ns == claim.ns && r.name == claim.name && (r.uid == EMPTY || r.uid == claim.uid)
        });
        let mut out = Vec::new();

        // bindVolumeToClaim, then updateVolumePhase(Bound).
        let mut pv_patch = json!({});
        if volume.claim_ref.is_none_or(|r| r.ns != claim.ns || r.name != claim.name || r.uid != claim.uid) {
            pv_patch["spec"] = json!({"claimRef": {
                "kind": "PersistentVolumeClaim", "namespace": claim_key.namespace, "name": claim_key.name,
                "uid": uid, "apiVersion": "v1", "resourceVersion": model::str_at(pvc, &["metadata", "resourceVersion"]),
            }});
        }
        if !refers && !volume.bound_by_controller {
            pv_patch["metadata"] = json!({"annotations": {ANN_BOUND_BY_CONTROLLER: "yes"}});
        }
        if volume.phase != VolumePhase::Bound {
            pv_patch["status"] = json!({"phase": "Bound", "message": null, "lastPhaseTransitionTime": now});
        }
        let request = printers::quantity_at(pvc, &["spec", "resources", "requests", "storage"]);
        if pv_patch != json!({}) {
            out.push(Action::new(
                Change::Patch {
                    key: self.f.key(v).clone(),
                    patch: pv_patch,
                    precondition: Precondition::VolumeFreeFor {
                        namespace: claim_key.namespace.clone(),
                        name: claim_key.name.clone(),
                        uid: uid.to_string(),
                    },
                },
                NAME,
                format!(
                    "bound to claim {} (asks {request} {}; volume {} {})",
                    claim_key.ns_name(),
                    access_mode_names(claim.modes),
                    printers::quantity_at(pv, &["spec", "capacity", "storage"]),
                    access_mode_names(volume.modes),
                ),
            ));
        }

        // bindClaimToVolume, then updateClaimStatus(Bound, volume).
        let mut pvc_patch = json!({});
        let mut annotations = serde_json::Map::new();
        if claim.volume_name != volume.name {
            pvc_patch["spec"] = json!({"volumeName": volume_name});
            if !claim.bound_by_controller {
                annotations.insert(ANN_BOUND_BY_CONTROLLER.into(), json!("yes"));
            }
        }
        if !claim.bind_completed {
            annotations.insert(ANN_BIND_COMPLETED.into(), json!("yes"));
        }
        if !annotations.is_empty() {
            pvc_patch["metadata"] = json!({"annotations": annotations});
        }
        let mut status = serde_json::Map::new();
        if claim.phase != ClaimPhase::Bound {
            status.insert("phase".into(), json!("Bound"));
            // The capacity is written when the claim becomes Bound, not after.
            let capacity = model::at(pv, &["spec", "capacity"]).cloned().unwrap_or(Value::Null);
            if model::at(pvc, &["status", "capacity"]) != Some(&capacity) {
                status.insert("capacity".into(), capacity);
            }
        }
        let modes = model::at(pv, &["spec", "accessModes"]).cloned().unwrap_or(Value::Null);
        if model::at(pvc, &["status", "accessModes"]).unwrap_or(&Value::Null) != &modes {
            status.insert("accessModes".into(), modes);
        }
        if !status.is_empty() {
            pvc_patch["status"] = Value::Object(status);
        }
        if pvc_patch != json!({}) {
            out.push(Action::new(
                Change::Patch {
                    key: claim_key.clone(),
                    patch: pvc_patch,
                    precondition: Precondition::VolumeClaimedBy { volume: volume_name.clone() },
                },
                NAME,
                format!("bound to volume {volume_name}"),
            ));
        }
        out
    }

    /// `updateClaimStatus(Pending, nil)`: the phase, and no access modes or capacity.
    fn claim_pending(&self, c: Id) -> Action {
        self.patch(
            c,
            json!({"status": {"phase": "Pending", "accessModes": null, "capacity": null}}),
            "not bound: Pending".into(),
        )
    }

    fn await_consumer(&self, c: Id, code: u8) -> (&'static str, String) {
        if code == EV_WAIT_FOR_FIRST_CONSUMER {
            return (
                "WaitForFirstConsumer",
                "waiting for first consumer to be created before binding".into(),
            );
        }
        let mut pods: Vec<&str> = volumes::consumers(self.f)
            .into_iter()
            .filter(|&(claim, _, node)| claim == c && node.is_none())
            .map(|(_, p, _)| self.f.key(p).name.as_str())
            .collect();
        pods.dedup();
        match pods.as_slice() {
            [one] => ("WaitForPodScheduled", format!("waiting for pod {one} to be scheduled")),
            many => ("WaitForPodScheduled", format!("waiting for pods {} to be scheduled", many.join(","))),
        }
    }

    /// `provisionClaimOperationExternal`: the storage-provisioner annotations, and
    /// `ExternalProvisioning` while the provisioner works.
    fn provision(&self, c: Id, provisioner: &str, announce: bool) -> Option<Action> {
        let claim = self.claims.get(&c)?;
        let annotated = self.f.syms.resolve(claim.provisioner) == provisioner
            && model::annotation(self.f.raw(c), ANN_BETA_STORAGE_PROVISIONER) == Some(provisioner);
        if annotated && !announce {
            return None;
        }
        let patch = if annotated {
            json!({})
        } else {
            json!({"metadata": {"annotations": {
                ANN_STORAGE_PROVISIONER: provisioner, ANN_BETA_STORAGE_PROVISIONER: provisioner,
            }}})
        };
        let action = self.patch(c, patch, format!("no volume fits: provisioning by {provisioner}"));
        if !announce {
            return Some(action);
        }
        let message = format!(
            "Waiting for a volume to be created either by the external provisioner '{provisioner}' or manually by the \
             system administrator. If volume creation is delayed, please verify that the provisioner is running and \
             correctly registered."
        );
        Some(action.with_event(self.f.key(c), EventType::Normal, "ExternalProvisioning", message))
    }

    /// `updateClaimStatusWithEvent(Lost)`.
    fn lose(&self, c: Id, why: u8) -> Action {
        let (reason, message) = match why {
            LOST_VOLUME_NAME => (
                "ClaimLost",
                "Bound claim has lost reference to PersistentVolume. Data on the volume is lost!",
            ),
            LOST_VOLUME => {
                ("ClaimLost", "Bound claim has lost its PersistentVolume. Data on the volume is lost!")
            }
            _ => ("ClaimMisbound", "Two claims are bound to the same volume, this one is bound incorrectly"),
        };
        self.patch(c, json!({"status": {"phase": "Lost"}}), format!("{reason}: {message}")).with_event(
            self.f.key(c),
            EventType::Warning,
            reason,
            message,
        )
    }

    /// `updateVolumePhase` (and `updateVolumePhaseWithEvent`).
    fn volume_phase(
        &self,
        v: Id,
        phase: VolumePhase,
        message: &str,
        event: Option<(&'static str, &str)>,
    ) -> Action {
        let message_value = if message.is_empty() { Value::Null } else { json!(message) };
        let patch = json!({"status": {
            "phase": phase.name(), "message": message_value, "lastPhaseTransitionTime": model::fmt_time(self.f.now),
        }});
        let why = match (phase, self.volumes.get(&v).and_then(|x| x.claim_ref)) {
            (VolumePhase::Released, Some(r)) => format!(
                "claim {}/{} is gone: Released ({})",
                self.f.syms.resolve(r.ns),
                self.f.syms.resolve(r.name),
                self.volumes.get(&v).map_or("", |x| policy_name(x.reclaim)),
            ),
            (VolumePhase::Available, _) => "not bound to a claim: Available".into(),
            (p, _) if message.is_empty() => p.name().to_string(),
            (p, _) => format!("{}: {message}", p.name()),
        };
        let action = self.patch(v, patch, why);
        match event {
            Some((reason, text)) => {
                action.with_event(self.f.key(v), EventType::Warning, reason, text.to_string())
            }
            None => action,
        }
    }

    /// `unbindVolume`: a volume the controller bound loses its claimRef and annotation; one the
    /// user pre-bound keeps the claimRef without its uid. Then phase Available.
    fn unbind(&self, v: Id, reason: &str, recycled: bool) -> Action {
        let by_controller = self.volumes.get(&v).is_some_and(|x| x.bound_by_controller);
        let mut patch = if by_controller {
            json!({"spec": {"claimRef": null}, "metadata": {"annotations": {ANN_BOUND_BY_CONTROLLER: null}}})
        } else {
            json!({"spec": {"claimRef": {"uid": null}}})
        };
        patch["status"] = json!({"phase": "Available", "message": null, "lastPhaseTransitionTime": model::fmt_time(self.f.now)});
        let action = self.patch(v, patch, reason.to_string());
        if recycled {
            action.with_event(self.f.key(v), EventType::Normal, "VolumeRecycled", "Volume recycled")
        } else {
            action
        }
    }
}

fn policy_name(r: Reclaim) -> &'static str {
    match r {
        Reclaim::Retain => "Retain: kept",
        Reclaim::Delete => "Delete",
        Reclaim::Recycle => "Recycle",
        Reclaim::Unknown => "unknown reclaim policy",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_reason_codes_follow_the_table() {
        assert_eq!(EVENT_REASONS[EV_FAILED_BINDING as usize], "FailedBinding");
        assert_eq!(EVENT_REASONS[EV_WAIT_FOR_FIRST_CONSUMER as usize], "WaitForFirstConsumer");
        assert_eq!(EVENT_REASONS[EV_WAIT_FOR_POD_SCHEDULED as usize], "WaitForPodScheduled");
        assert_eq!(EVENT_REASONS[EV_EXTERNAL_PROVISIONING as usize], "ExternalProvisioning");
        assert_eq!(EVENT_REASONS[EV_PROVISIONING_FAILED as usize], "ProvisioningFailed");
        assert_eq!(EVENT_REASONS[EV_VOLUME_MISMATCH as usize], "VolumeMismatch");
    }
}
