//! StatefulSet facts (upstream `pkg/controller/statefulset/stateful_set_utils.go`): each set's
//! spec as the controller reads it, which claimed pod sits at which ordinal, the claims of each
//! ordinal and the owner references they carry, and the small aggregates the rules in
//! `rules/statefulset.rs` cannot compute (the pods of each revision, the unavailable replicas,
//! the slow-start batch of each ordinal, the name a new revision gets past collisions).
//!
//! Everything here reads; what the controller does with it is decided by the rules.

use super::deploy::canonical;
use super::history::{revision_hash, revision_name, REVISION_LABEL};
use super::{Facts, Id, PodF, WorkloadF, WorkloadKind};
use crate::controllers::controller_ref_manager::ClaimInputs;
use crate::model::{self, ObjKey};
use crate::validate::IntOrPercent;
use serde_json::Value;
use std::collections::BTreeMap;

/// The label naming a StatefulSet pod (`apps.StatefulSetPodNameLabel`).
pub const POD_NAME_LABEL: &str = "statefulset.kubernetes.io/pod-name";
/// The label carrying a pod's ordinal (`apps.PodIndexLabel`, GA in v1.32).
pub const POD_INDEX_LABEL: &str = "apps.kubernetes.io/pod-index";
/// `MaxBatchSize`: the largest slow-start batch of a Parallel set.
pub const MAX_BATCH_SIZE: i64 = 500;
/// The annotation turning on, for one StatefulSet, what kube-controller-manager's
/// `--feature-gates=MaxUnavailableStatefulSet=true` turns on for a cluster.
pub const FEATURE_GATES_ANNOTATION: &str = "konverge.io/feature-gates";
/// The feature gate behind `rollingUpdate.maxUnavailable`.
pub const MAX_UNAVAILABLE_GATE: &str = "MaxUnavailableStatefulSet";
/// The cluster domain of pod DNS names.
pub const CLUSTER_DOMAIN: &str = "cluster.local";

/// `spec.updateStrategy`, defaulted as the API server defaults it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpdateStrategy {
    /// `rollingUpdate.partition` (`None` without `rollingUpdate`, which an explicit
    /// `type: RollingUpdate` leaves unset) and, when set, `rollingUpdate.maxUnavailable`.
    RollingUpdate {
        partition: Option<i64>,
        max_unavailable: Option<IntOrPercent>,
    },
    OnDelete,
}

/// The status a StatefulSet shows now (the fields `inconsistentStatus` compares).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ObservedStatus {
    pub replicas: i64,
    pub ready: i64,
    pub available: i64,
    pub current: i64,
    pub updated: i64,
    pub observed_generation: i64,
    pub current_revision: String,
    pub update_revision: String,
    pub collision_count: i64,
}

/// One StatefulSet as its controller reads it.
#[derive(Clone, Debug)]
pub struct StsF<'f> {
    pub id: Id,
    pub name: &'f str,
    pub ns: &'f str,
    pub uid: &'f str,
    pub replicas: i64,
    /// `spec.ordinals.start` (0 without `ordinals`).
    pub start: i64,
    /// `podManagementPolicy` is OrderedReady (the default), not Parallel.
    pub ordered: bool,
    pub strategy: UpdateStrategy,
    /// `persistentVolumeClaimRetentionPolicy.whenScaled` / `whenDeleted` is Delete.
    pub when_scaled_delete: bool,
    pub when_deleted_delete: bool,
    pub service_name: &'f str,
    /// `volumeClaimTemplates[*].metadata.name`, in order.
    pub claim_templates: Vec<&'f str>,
    pub history_limit: i64,
    pub min_ready: i64,
    pub generation: i64,
    pub deleting: bool,
    /// The `MaxUnavailableStatefulSet` gate is on for this set.
    pub max_unavailable_gate: bool,
    pub observed: ObservedStatus,
}

impl StsF<'_> {
    /// The ordinals the set should run: `start ..= start + replicas - 1`.
    pub fn in_range(&self, ordinal: i64) -> bool {
        ordinal >= self.start && ordinal < self.start + self.replicas
    }

    /// `getPodName`.
    pub fn pod_name(&self, ordinal: i64) -> String {
        format!("{}-{ordinal}", self.name)
    }

    /// `getPersistentVolumeClaimName`: `<template>-<set>-<ordinal>`.
    pub fn claim_name(&self, template: &str, ordinal: i64) -> String {
        format!("{template}-{}-{ordinal}", self.name)
    }

    /// `<pod>.<service>.<namespace>.svc.cluster.local`, the name the headless Service gives a
    /// pod; `None` without a serviceName.
    pub fn dns_name(&self, ordinal: i64) -> Option<String> {
        (!self.service_name.is_empty()).then(|| {
            format!("{}.{}.{}.svc.{CLUSTER_DOMAIN}", self.pod_name(ordinal), self.service_name, self.ns)
        })
    }

    /// `getStatefulSetMaxUnavailable`: maxUnavailable (1 when unset) of the replicas, rounded
    /// down, at least 1.
    pub fn max_unavailable(&self) -> i64 {
        match self.strategy {
            UpdateStrategy::RollingUpdate { max_unavailable, .. } => {
                max_unavailable.unwrap_or(IntOrPercent::Int(1)).scaled(self.replicas, false).max(1)
            }
            UpdateStrategy::OnDelete => 1,
        }
    }
}

/// Every StatefulSet, in key order.
pub fn stateful_sets<'f>(f: &'f Facts) -> Vec<StsF<'f>> {
    f.workloads_of(WorkloadKind::StatefulSet).map(|w| read_set(f, w)).collect()
}

fn read_set<'f>(f: &'f Facts, w: &WorkloadF) -> StsF<'f> {
    let obj = f.raw(w.id);
    let spec = |path: &[&str]| model::at(obj, &[&["spec"], path].concat());
    let str_of = |path: &[&str]| spec(path).and_then(Value::as_str).unwrap_or("");
    let strategy = match str_of(&["updateStrategy", "type"]) {
        "OnDelete" => UpdateStrategy::OnDelete,
        _ => UpdateStrategy::RollingUpdate {
            partition: spec(&["updateStrategy", "rollingUpdate"])
                .filter(|r| r.is_object())
                .map(|r| model::i64_at(r, &["partition"]).unwrap_or(0)),
            max_unavailable: spec(&["updateStrategy", "rollingUpdate", "maxUnavailable"])
                .and_then(IntOrPercent::parse),
        },
    };
    let status = |k: &str| model::i64_at(obj, &["status", k]).unwrap_or(0);
    let gates = model::annotation(obj, FEATURE_GATES_ANNOTATION).unwrap_or("");
    StsF {
        id: w.id,
        name: &f.key(w.id).name,
        ns: &f.key(w.id).namespace,
        uid: model::uid(obj),
        replicas: model::replicas(obj),
        start: spec(&["ordinals", "start"]).and_then(Value::as_i64).unwrap_or(0),
        ordered: str_of(&["podManagementPolicy"]) != "Parallel",
        strategy,
        when_scaled_delete: str_of(&["persistentVolumeClaimRetentionPolicy", "whenScaled"]) == "Delete",
        when_deleted_delete: str_of(&["persistentVolumeClaimRetentionPolicy", "whenDeleted"]) == "Delete",
        service_name: str_of(&["serviceName"]),
        claim_templates: spec(&["volumeClaimTemplates"])
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|t| model::str_at(t, &["metadata", "name"]))
            .collect(),
        history_limit: spec(&["revisionHistoryLimit"]).and_then(Value::as_i64).unwrap_or(10),
        min_ready: w.min_ready,
        generation: w.generation,
        deleting: w.deleting,
        max_unavailable_gate: gates.split(',').any(|g| g.trim() == format!("{MAX_UNAVAILABLE_GATE}=true")),
        observed: ObservedStatus {
            replicas: status("replicas"),
            ready: status("readyReplicas"),
            available: status("availableReplicas"),
            current: status("currentReplicas"),
            updated: status("updatedReplicas"),
            observed_generation: status("observedGeneration"),
            current_revision: model::str_at(obj, &["status", "currentRevision"]).to_string(),
            update_revision: model::str_at(obj, &["status", "updateRevision"]).to_string(),
            collision_count: status("collisionCount"),
        },
    }
}

/// `getParentNameAndOrdinal`: a pod name split by `(.*)-([0-9]+)$` into the parent's name and an
/// ordinal that fits in an int32; `None` when the name does not have that shape.
pub fn parent_and_ordinal(pod_name: &str) -> Option<(&str, i64)> {
    let (parent, digits) = pod_name.rsplit_once('-')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<i32>().ok().map(|o| (parent, o as i64))
}

/// `isMemberOf`: the pod's name says it belongs to the set (the filter the StatefulSet
/// controller adds to its selector when it claims pods).
pub fn is_member(f: &Facts, set: &WorkloadF, pod: &PodF) -> bool {
    let name = &f.key(pod.id).name;
    // The parent is whatever precedes the last `-digits`, even when the digits overflow.
    let parent =
        name.rsplit_once('-').filter(|(_, d)| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()));
    parent.is_some_and(|(p, _)| p == f.key(set.id).name)
}

/// The claim-rule inputs for StatefulSet pods: every pod is considered, and a pod must be a
/// member of the set by name as well as match its selector.
pub fn pod_claim_inputs(f: &Facts) -> ClaimInputs {
    super::pods::claim_inputs(f, &[WorkloadKind::StatefulSet], |_| true, |w, p| is_member(f, w, p))
}

/// The claimed pods of one set by ordinal: the pods in range and the condemned ones (outside
/// the range), highest ordinal first. Pods whose name carries no ordinal are left out, as
/// upstream ignores them. Two pods with one ordinal (`web-1`, `web-01`) cannot both be placed:
/// the one named exactly `<set>-<ordinal>` wins, else the first by name.
#[derive(Clone, Debug, Default)]
pub struct SetPods {
    pub in_range: BTreeMap<i64, Id>,
    /// (ordinal, pod), ordinal descending.
    pub condemned: Vec<(i64, Id)>,
}

impl SetPods {
    /// Every placed pod with its ordinal.
    pub fn all(&self) -> impl Iterator<Item = (i64, Id)> + '_ {
        self.in_range.iter().map(|(&o, &p)| (o, p)).chain(self.condemned.iter().copied())
    }
}

pub fn place_pods(f: &Facts, set: &StsF, claimed: &[Id]) -> SetPods {
    let mut by_ordinal: BTreeMap<i64, Id> = BTreeMap::new();
    let mut sorted: Vec<Id> = claimed.to_vec();
    sorted.sort_unstable_by(|a, b| f.key(*a).cmp(f.key(*b)));
    for p in sorted {
        let name = &f.key(p).name;
        let Some((_, ordinal)) = parent_and_ordinal(name) else { continue };
        let canonical = *name == set.pod_name(ordinal);
        match by_ordinal.get(&ordinal) {
            Some(&held) if f.key(held).name == set.pod_name(ordinal) || !canonical => {}
            _ => {
                by_ordinal.insert(ordinal, p);
            }
        }
    }
    let mut out = SetPods::default();
    for (o, p) in by_ordinal {
        if set.in_range(o) {
            out.in_range.insert(o, p);
        } else {
            out.condemned.push((o, p));
        }
    }
    out.condemned.reverse();
    out
}

/// A pod's `controller-revision-hash` label.
pub fn pod_revision(pod: &PodF) -> &str {
    pod.labels.iter().find(|(k, _)| k == REVISION_LABEL).map_or("", |(_, v)| v.as_str())
}

/// `identityMatches`: the pod is named `<set>-<ordinal>` and labelled with that name.
pub fn identity_matches(f: &Facts, set: &StsF, ordinal: i64, pod: &PodF) -> bool {
    let name = &f.key(pod.id).name;
    *name == set.pod_name(ordinal) && pod.labels.iter().any(|(k, v)| k == POD_NAME_LABEL && v == name)
}

/// `isRunningAndReady`.
pub fn running_and_ready(pod: &PodF) -> bool {
    pod.phase == super::Phase::Running && pod.ready
}

/// `isUnavailable`: not available for minReadySeconds, or terminating.
pub fn unavailable(pod: &PodF, min_ready: i64, now: i64) -> bool {
    !pod.available(min_ready, now) || pod.deleting
}

/// `slowStartBatch(1, n)`: the batch of each of `n` replicas (sizes 1, 2, 4, … capped at
/// [`MAX_BATCH_SIZE`]), by index.
pub fn slow_start_batches(n: i64) -> Vec<i64> {
    let mut out = Vec::with_capacity(n.max(0) as usize);
    let (mut size, mut batch) = (1i64, 0i64);
    while (out.len() as i64) < n {
        let take = size.min(n - out.len() as i64);
        out.extend(std::iter::repeat_n(batch, take as usize));
        batch += 1;
        size = (size * 2).min(MAX_BATCH_SIZE);
    }
    out
}

/// The name a new revision of `set` gets (upstream `CreateControllerRevision`): the hash of
/// its data with the collision count, the count raised while a revision of that name holds
/// other data. Returns (name, collision count, a revision of that name with this data exists
/// already).
pub fn new_revision_name(f: &Facts, set: &StsF, data: &Value) -> (String, i64, bool) {
    let wanted = canonical(data);
    let mut count = set.observed.collision_count;
    loop {
        let name = revision_name(set.name, &revision_hash(data, count));
        match f.store.get(&ObjKey::new("ControllerRevision", set.ns, &name)) {
            None => return (name, count, false),
            Some(existing) if model::at(existing, &["data"]).is_some_and(|d| canonical(d) == wanted) => {
                return (name, count, true)
            }
            Some(_) => count += 1,
        }
    }
}

/// What the retention-policy rules read about one existing claim of a set's ordinal
/// (upstream `isClaimOwnerUpToDate`'s inputs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ClaimRefs {
    pub being_deleted: bool,
    /// An owner reference with the set's uid / the uid of the pod at this ordinal.
    pub set_ref: bool,
    pub pod_ref: bool,
    /// A reference naming the set (apps/v1 StatefulSet) with another uid (`hasStaleOwnerRef`).
    pub stale_set_ref: bool,
    /// A reference naming the ordinal's pod (v1 Pod) with a uid other than the live pod's (any
    /// uid, when no pod runs there).
    pub stale_pod_ref: bool,
    /// A controller reference to something that is neither the set nor the pod.
    pub other_controller: bool,
    /// A reference to the set or the pod that is not a controller reference.
    pub non_controller_ref: bool,
}

/// The claim `name` of `set` in its namespace, if it exists: its id and references, seen from
/// the pod `pod` (name, uid; the uid is empty when no pod runs at the ordinal).
pub fn claim_refs(f: &Facts, set: &StsF, name: &str, pod: (&str, &str)) -> Option<(Id, ClaimRefs)> {
    let key = ObjKey::new("PersistentVolumeClaim", set.ns, name);
    let id = f.id_of(&key)?;
    let claim = f.raw(id);
    let (pod_name, pod_uid) = pod;
    let names = |r: &Value, api: &str, kind: &str, name: &str| {
        model::str_at(r, &["apiVersion"]) == api
            && model::str_at(r, &["kind"]) == kind
            && model::str_at(r, &["name"]) == name
    };
    let refs: Vec<&Value> = model::owner_refs(claim).collect();
    let first_naming =
        |api: &str, kind: &str, name: &str| refs.iter().find(|r| names(r, api, kind, name)).copied();
    let uid = |r: &Value| model::str_at(r, &["uid"]).to_string();
    let is_controller = |r: &Value| r.get("controller").and_then(Value::as_bool).unwrap_or(false);
    let ours = |r: &Value| {
        let u = uid(r);
        u == set.uid || (!pod_uid.is_empty() && u == pod_uid)
    };
    let out = ClaimRefs {
        being_deleted: model::at(claim, &["metadata", "deletionTimestamp"]).is_some(),
        set_ref: refs.iter().any(|r| uid(r) == set.uid),
        pod_ref: !pod_uid.is_empty() && refs.iter().any(|r| uid(r) == pod_uid),
        stale_set_ref: first_naming("apps/v1", "StatefulSet", set.name).is_some_and(|r| uid(r) != set.uid),
        stale_pod_ref: first_naming("v1", "Pod", pod_name).is_some_and(|r| uid(r) != pod_uid),
        other_controller: refs.iter().any(|r| {
            is_controller(r)
                && !names(r, "apps/v1", "StatefulSet", set.name)
                && !names(r, "v1", "Pod", pod_name)
        }),
        non_controller_ref: refs.iter().any(|r| ours(r) && !is_controller(r)),
    };
    Some((id, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// upstream `TestGetParentNameAndOrdinal` (and the int32 bound of `strconv.ParseInt(…, 10, 32)`).
    #[test]
    fn parent_and_ordinal_like_get_parent_name_and_ordinal() {
        let cases = [
            ("foo-1", Some(("foo", 1))),
            ("1-bar", None),
            ("web-0", Some(("web", 0))),
            ("web-01", Some(("web", 1))),
            ("my-web-12", Some(("my-web", 12))),
            ("web-", None),
            ("web", None),
            ("web-2147483647", Some(("web", 2147483647))),
            ("web-2147483648", None),
        ];
        for (name, want) in cases {
            assert_eq!(parent_and_ordinal(name), want, "{name}");
        }
    }

    /// `slowStartBatch(1, n)`: 1, 2, 4, … capped at 500.
    #[test]
    fn slow_start_batches_double_up_to_the_cap() {
        assert_eq!(slow_start_batches(0), Vec::<i64>::new());
        assert_eq!(slow_start_batches(5), [0, 1, 1, 2, 2]);
        let b = slow_start_batches(2000);
        let sizes: Vec<usize> = (0..=b[1999]).map(|k| b.iter().filter(|&&x| x == k).count()).collect();
        assert_eq!(sizes, [1, 2, 4, 8, 16, 32, 64, 128, 256, 500, 500, 489]);
    }
}
