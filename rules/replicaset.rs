//! ReplicaSet and ReplicationController controller (upstream
//! `pkg/controller/replicaset/replica_set.go`; the RC controller is the same code behind an
//! adapter).
//!
//! `manageReplicas`: with fewer claimed active pods than `spec.replicas`, create the
//! difference (at most 500 per sync); with more, delete the surplus in `ActivePodsWithRanks`
//! order. `claimPods`: adopt matching orphans, release owned pods whose labels stopped matching.
//! `calculateStatus`: replicas, fullyLabeled, ready, available, observedGeneration. A set being
//! deleted neither creates, deletes nor adopts. Changing the template touches no existing pod.
//!
//! A create the API server forbids (the template names an unknown PriorityClass) is recorded
//! as upstream records `manageReplicas`' error: a `FailedCreate` Warning ("Error creating: …")
//! and, unless the set already has one, the `ReplicaFailure` condition (reason FailedCreate,
//! the error as message); the set's other creates of the step are not tried (`slowStartBatch`).
//! The condition is removed by the first sync without an error: one with nothing to create, or
//! the one whose creates are all admitted (the removal is not tried once one is refused).

use crate::actions::{Action, Change, EventType, Precondition, Propagation, FORBIDDEN_PLACEHOLDER};
use crate::controllers::{controller_ref_manager, Controller, Proposals};
use crate::facts::{pods, Facts, Id, PodF, SetStatus, WorkloadKind};
use crate::podtemplate;
use crepe::crepe;
use rustc_hash::FxBuildHasher;
use serde_json::{json, Value};

/// `BurstReplicas`: the most pods one sync creates or deletes.
pub const BURST_REPLICAS: i64 = 500;

/// The name this controller's actions carry in the trace.
pub const NAME: &str = "replicaset";

pub const CONTROLLER: Controller = Controller { name: NAME, component: "replicaset-controller", reconcile };

crepe! {
    // A pod set: id, spec.replicas, being deleted.
    @input
    pub struct PodSet(Id, i64, bool);
    // How many active pods the set claims (owned and matching, or orphans it adopts; see
    // `controller_ref_manager.rs`).
    @input
    pub struct Claimed(Id, i64);
    // Place of a claimed pod in deletion order, 0 first: `pods::deletion_ranks`.
    @input
    pub struct DeletionRank(Id, Id, i64);
    // Status computed from claimed pods: `pods::set_status`.
    @input
    pub struct Counted(Id, SetStatus);
    // Status the object shows now.
    @input
    pub struct Observed(Id, SetStatus);
    // (set, time) at which a claimed Ready pod becomes available (minReadySeconds).
    @input
    pub struct AvailableFrom(Id, i64);
    @input
    pub struct Now(i64);
    // The set carries a ReplicaFailure condition.
    @input
    pub struct Failing(Id);

    // Create `n` pods: (set, n, replicas, claimed).
    @output
    pub struct CreatePods(Id, i64, i64, i64);
    // Delete a pod: (set, pod, replicas, claimed).
    @output
    pub struct DeletePod(Id, Id, i64, i64);
    @output
    pub struct WriteStatus(Id, SetStatus);
    // Look again when a pod passes minReadySeconds: upstream requeues the set after
    // minReadySeconds so that availableReplicas catches up.
    @output
    pub struct Wake(i64);
    struct Creating(Id);
    // A forbidden create sets the ReplicaFailure condition (the set has none yet).
    @output
    pub struct SetFailureOnRefusal(Id);
    // A sync with nothing to create clears the condition.
    @output
    pub struct ClearFailure(Id);
    // A sync that creates clears it too, unless one of its creates is refused.
    @output
    pub struct ClearFailureOnSuccess(Id);

    CreatePods(set, n, want, have) <-
        PodSet(set, want, false), Claimed(set, have), (have < want),
        let n = (want - have).min(BURST_REPLICAS);
    DeletePod(set, pod, want, have) <-
        PodSet(set, want, false), Claimed(set, have), (have > want),
        DeletionRank(set, pod, rank), (rank < (have - want).min(BURST_REPLICAS));
    Creating(set) <- CreatePods(set, _, _, _);
    SetFailureOnRefusal(set) <- Creating(set), !Failing(set);
    ClearFailure(set) <- Failing(set), !Creating(set);
    ClearFailureOnSuccess(set) <- Failing(set), Creating(set);
    WriteStatus(set, status) <- Counted(set, status), !Observed(set, status);
    Wake(t) <- AvailableFrom(_, t), Now(now), (t > now);
}

/// The kinds this controller manages.
const KINDS: &[WorkloadKind] = &[WorkloadKind::ReplicaSet, WorkloadKind::ReplicationController];

/// Run the controller over one snapshot.
pub fn reconcile(f: &Facts) -> Proposals {
    // upstream `syncReplicaSet`: only active pods are claimed.
    let claims = controller_ref_manager::claim(&pods::claim_inputs(f, KINDS, PodF::active, |_, _| true));
    let claimed = claims.by_owner();
    let count = |s: Id| claimed.get(&s).map_or(0, |v| v.len() as i64);
    let surplus: rustc_hash::FxHashMap<Id, Vec<Id>> = f
        .pod_sets
        .iter()
        .filter(|s| count(s.id) > s.replicas)
        .filter_map(|s| claimed.get(&s.id).map(|p| (s.id, p.clone())))
        .collect();

    let mut rt = Crepe::new();
    for s in &f.pod_sets {
        let deleting = f.workload(s.id).is_none_or(|w| w.deleting);
        rt.extend([PodSet(s.id, s.replicas, deleting)]);
        rt.extend([Claimed(s.id, count(s.id))]);
        rt.extend([Observed(s.id, s.observed)]);
        if s.failing {
            rt.extend([Failing(s.id)]);
        }
    }
    rt.extend(pods::deletion_ranks(f, &surplus).into_iter().map(|(s, p, r)| DeletionRank(s, p, r)));
    rt.extend(pods::set_status(f, &claimed).into_iter().map(|(s, st)| Counted(s, st)));
    for (&set, pods) in &claimed {
        let min_ready = f.workload(set).map_or(0, |w| w.min_ready);
        if min_ready > 0 {
            let from = pods.iter().filter_map(|&p| f.pod(p)?.available_from(min_ready));
            rt.extend(from.map(|t| AvailableFrom(set, t)));
        }
    }
    rt.extend([Now(f.now)]);
    let (creates, deletes, statuses, wakes, set_failure, clear_failure, clear_on_success) =
        rt.run_with_hasher::<FxBuildHasher>();

    let mut out = Vec::new();
    let mut creates: Vec<_> = creates.into_iter().collect();
    creates.sort_unstable_by_key(|c| f.key(c.0));
    for CreatePods(set, n, want, have) in creates {
        let key = f.key(set);
        let owner = f.raw(set);
        let pod = podtemplate::pod_from_template(owner, &format!("{}-", key.name));
        let refused = refused_create(f, set, set_failure.contains(&SetFailureOnRefusal(set)));
        for _ in 0..n {
            out.push(
                Action::new(
                    Change::Create { object: pod.clone() },
                    NAME,
                    format!("replicas {want}, pods {have}: create {n}"),
                )
                .with_event(key, EventType::Normal, "SuccessfulCreate", "Created pod: {name}")
                .or_when_forbidden(refused.clone()),
            );
        }
    }
    // After the creates: a removal that waits on them is skipped once one is refused.
    let mut cleared: Vec<(Id, bool)> = clear_failure
        .into_iter()
        .map(|ClearFailure(set)| (set, false))
        .chain(clear_on_success.into_iter().map(|ClearFailureOnSuccess(set)| (set, true)))
        .collect();
    cleared.sort_unstable_by_key(|&(set, _)| f.key(set));
    for (set, after_creates) in cleared {
        let key = f.key(set);
        let why = if after_creates {
            "pods created: ReplicaFailure cleared"
        } else {
            "nothing to create: ReplicaFailure cleared"
        };
        let clear = Action::new(
            Change::Patch {
                key: key.clone(),
                patch: json!({"status": {"conditions": null}}),
                precondition: Precondition::None,
            },
            NAME,
            why,
        );
        out.push(if after_creates { clear.unless_forbidden_for(key) } else { clear });
    }
    let mut deletes: Vec<_> = deletes.into_iter().collect();
    deletes.sort_unstable_by_key(|d| (f.key(d.0), f.key(d.1)));
    for DeletePod(set, pod, want, have) in deletes {
        let key = f.key(set);
        let pod_key = f.key(pod).clone();
        out.push(
            Action::new(
                Change::Delete { key: pod_key.clone(), propagation: Propagation::Background },
                NAME,
                format!("replicas {want}, pods {have}: delete {}", have - want),
            )
            .with_event(
                key,
                EventType::Normal,
                "SuccessfulDelete",
                format!("Deleted pod: {}", pod_key.name),
            ),
        );
    }
    out.extend(controller_ref_manager::adopt_and_release(f, &claims, NAME).into_iter().map(|(_, _, a)| a));
    let mut statuses: Vec<_> = statuses.into_iter().collect();
    statuses.sort_unstable_by_key(|s| f.key(s.0));
    for WriteStatus(set, st) in statuses {
        out.push(Action::new(
            Change::Patch {
                key: f.key(set).clone(),
                patch: status_patch(&st),
                precondition: Precondition::None,
            },
            NAME,
            format!("status: replicas {}, ready {}, available {}", st.replicas, st.ready, st.available),
        ));
    }
    let mut wakes: Vec<i64> = wakes.into_iter().map(|Wake(t)| t).collect();
    wakes.sort_unstable();
    Proposals::new(out, wakes)
}

/// What the set does when the API server forbids one of its creates: the `FailedCreate` Event,
/// and the `ReplicaFailure` condition when `set_condition`.
fn refused_create(f: &Facts, set: Id, set_condition: bool) -> Action {
    let key = f.key(set);
    let failed = podtemplate::failed_create(NAME, key, f.now);
    if !set_condition {
        return failed;
    }
    let condition = json!({
        "type": "ReplicaFailure",
        "status": "True",
        "lastTransitionTime": crate::model::fmt_time(f.now),
        "reason": "FailedCreate",
        "message": FORBIDDEN_PLACEHOLDER,
    });
    let patch = json!({"status": {"conditions": [condition]}});
    Action {
        change: Change::Patch { key: key.clone(), patch, precondition: Precondition::None },
        reason: "create forbidden: ReplicaFailure".into(),
        ..failed
    }
}

/// The status as upstream serializes it: zero counts other than `replicas` are omitted.
fn status_patch(st: &SetStatus) -> Value {
    let omit_zero = |n: i64| if n == 0 { Value::Null } else { json!(n) };
    json!({"status": {
        "replicas": st.replicas,
        "fullyLabeledReplicas": omit_zero(st.fully_labeled),
        "readyReplicas": omit_zero(st.ready),
        "availableReplicas": omit_zero(st.available),
        "observedGeneration": omit_zero(st.observed_generation),
    }})
}
