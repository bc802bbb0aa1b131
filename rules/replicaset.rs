//! ReplicaSet and ReplicationController controller (upstream
//! `pkg/controller/replicaset/replica_set.go`; the RC controller is the same code behind an
//! adapter).
//!
//! `manageReplicas`: with fewer claimed active pods than `spec.replicas`, create the
//! difference (at most 500 per sync); with more, delete the surplus in `ActivePodsWithRanks`
//! order. `claimPods`: adopt matching orphans, release owned pods whose labels stopped matching.
//! `calculateStatus`: replicas, fullyLabeled, ready, available, observedGeneration. A set being
//! deleted neither creates, deletes nor adopts. Changing the template touches no existing pod.

use crate::actions::{Action, Change, EventType, Precondition, Propagation};
use crate::facts::{pods, Facts, Id, SetStatus};
use crate::podtemplate;
use crepe::crepe;
use rustc_hash::FxBuildHasher;
use serde_json::{json, Value};

/// `BurstReplicas`: the most pods one sync creates or deletes.
pub const BURST_REPLICAS: i64 = 500;

crepe! {
    // A pod set: id, spec.replicas, being deleted.
    @input
    pub struct PodSet(Id, i64, bool);
    // Active pods the set claims (owned and matching, or adoptable orphans): `pods::claims`.
    @input
    pub struct Claimed(Id, i64);
    // Place of a claimed pod in deletion order, 0 first: `pods::deletion_ranks`.
    @input
    pub struct DeletionRank(Id, Id, i64);
    @input
    pub struct Adoptable(Id, Id);
    @input
    pub struct Mismatched(Id, Id);
    // Status computed from claimed pods: `pods::set_status`.
    @input
    pub struct Counted(Id, SetStatus);
    // Status the object shows now.
    @input
    pub struct Observed(Id, SetStatus);

    // Create `n` pods: (set, n, replicas, claimed).
    @output
    pub struct CreatePods(Id, i64, i64, i64);
    // Delete a pod: (set, pod, replicas, claimed).
    @output
    pub struct DeletePod(Id, Id, i64, i64);
    @output
    pub struct AdoptPod(Id, Id);
    @output
    pub struct ReleasePod(Id, Id);
    @output
    pub struct WriteStatus(Id, SetStatus);

    CreatePods(set, n, want, have) <-
        PodSet(set, want, false), Claimed(set, have), (have < want),
        let n = (want - have).min(BURST_REPLICAS);
    DeletePod(set, pod, want, have) <-
        PodSet(set, want, false), Claimed(set, have), (have > want),
        DeletionRank(set, pod, rank), (rank < (have - want).min(BURST_REPLICAS));
    AdoptPod(set, pod) <- PodSet(set, _, false), Adoptable(set, pod);
    ReleasePod(set, pod) <- Mismatched(set, pod);
    WriteStatus(set, status) <- Counted(set, status), !Observed(set, status);
}

/// Run the controller over one snapshot.
pub fn reconcile(f: &Facts) -> Vec<Action> {
    let claims = pods::claims(f);
    let claimed = claims.by_set();
    let count = |s: Id| claimed.get(&s).map_or(0, |v| v.len() as i64);
    let surplus: rustc_hash::FxHashMap<Id, Vec<Id>> = f
        .pod_sets
        .iter()
        .filter(|s| count(s.id) > s.replicas)
        .filter_map(|s| claimed.get(&s.id).map(|p| (s.id, p.clone())))
        .collect();

    let mut rt = Crepe::new();
    rt.extend(f.pod_sets.iter().map(|s| PodSet(s.id, s.replicas, s.deleting)));
    rt.extend(f.pod_sets.iter().map(|s| Claimed(s.id, count(s.id))));
    rt.extend(pods::deletion_ranks(f, &surplus).into_iter().map(|(s, p, r)| DeletionRank(s, p, r)));
    rt.extend(claims.adoptable.iter().map(|&(s, p)| Adoptable(s, p)));
    rt.extend(claims.mismatched.iter().map(|&(s, p)| Mismatched(s, p)));
    rt.extend(pods::set_status(f, &claimed).into_iter().map(|(s, st)| Counted(s, st)));
    rt.extend(f.pod_sets.iter().map(|s| Observed(s.id, s.observed)));
    let (creates, deletes, adopts, releases, statuses) = rt.run_with_hasher::<FxBuildHasher>();

    let mut out = Vec::new();
    let mut creates: Vec<_> = creates.into_iter().collect();
    creates.sort_unstable_by_key(|c| f.key(c.0));
    for CreatePods(set, n, want, have) in creates {
        let key = f.key(set);
        let owner = f.raw(set);
        let pod = podtemplate::pod_from_template(owner, &format!("{}-", key.name));
        for _ in 0..n {
            out.push(
                Action::new(
                    Change::Create { object: pod.clone() },
                    "replicaset",
                    format!("replicas {want}, pods {have}: create {n}"),
                )
                .with_event(
                    key,
                    EventType::Normal,
                    "SuccessfulCreate",
                    "Created pod: {name}",
                ),
            );
        }
    }
    let mut deletes: Vec<_> = deletes.into_iter().collect();
    deletes.sort_unstable_by_key(|d| (f.key(d.0), f.key(d.1)));
    for DeletePod(set, pod, want, have) in deletes {
        let key = f.key(set);
        let pod_key = f.key(pod).clone();
        out.push(
            Action::new(
                Change::Delete { key: pod_key.clone(), propagation: Propagation::Background },
                "replicaset",
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
    let mut adopts: Vec<_> = adopts.into_iter().map(|AdoptPod(s, p)| (f.key(p), s)).collect();
    adopts.sort_unstable();
    // A pod matching several sets is offered to each; the first admitted adoption wins and the
    // others conflict, as with the API server.
    for (pod_key, set) in adopts {
        let owner = f.raw(set);
        out.push(Action::new(
            Change::Patch {
                key: pod_key.clone(),
                patch: json!({"metadata": {"ownerReferences": [podtemplate::controller_ref(owner)]}}),
                precondition: Precondition::NoController,
            },
            "replicaset",
            format!("orphan matches selector of {}: adopt", f.key(set).ns_name()),
        ));
    }
    let mut releases: Vec<_> = releases.into_iter().map(|ReleasePod(s, p)| (f.key(p), s)).collect();
    releases.sort_unstable();
    for (pod_key, set) in releases {
        let remaining: Vec<Value> = crate::model::owner_refs(f.raw(f.by_key[pod_key]))
            .filter(|r| crate::model::str_at(r, &["uid"]) != crate::model::uid(f.raw(set)))
            .cloned()
            .collect();
        out.push(Action::new(
            Change::Patch {
                key: pod_key.clone(),
                patch: json!({"metadata": {"ownerReferences": if remaining.is_empty() { Value::Null } else { Value::Array(remaining) }}}),
                precondition: Precondition::None,
            },
            "replicaset",
            format!("labels no longer match selector of {}: release", f.key(set).ns_name()),
        ));
    }
    let mut statuses: Vec<_> = statuses.into_iter().collect();
    statuses.sort_unstable_by_key(|s| f.key(s.0));
    for WriteStatus(set, st) in statuses {
        out.push(Action::new(
            Change::Patch {
                key: f.key(set).clone(),
                patch: status_patch(&st),
                precondition: Precondition::None,
            },
            "replicaset",
            format!("status: replicas {}, ready {}, available {}", st.replicas, st.ready, st.available),
        ));
    }
    out
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
