//! Deployment facts and the aggregations its rules need: which ReplicaSets a Deployment owns,
//! which one is new (the oldest whose pod template equals the Deployment's, ignoring the
//! `pod-template-hash` label: upstream `FindNewReplicaSet`), the old ones in the orders the
//! controller walks them (oldest first; by size for proportional scaling; by revision for
//! history cleanup) as chains, and the sums of their replica counts.

use super::{Facts, Id, Phase, WorkloadKind};
use crate::controllers::controller_ref_manager::{claim, ClaimInputs, Claims};
use crate::model::{self, ObjKey};
use crate::selector::Selector;
use crate::validate::IntOrPercent;
use rustc_hash::FxHashMap;
use serde_json::Value;
use std::hash::Hasher;

pub const POD_TEMPLATE_HASH: &str = "pod-template-hash";
pub const REVISION: &str = "deployment.kubernetes.io/revision";
pub const REVISION_HISTORY: &str = "deployment.kubernetes.io/revision-history";
pub const DESIRED_REPLICAS: &str = "deployment.kubernetes.io/desired-replicas";
pub const MAX_REPLICAS: &str = "deployment.kubernetes.io/max-replicas";
pub const CHANGE_CAUSE: &str = "kubernetes.io/change-cause";

/// Deployment annotations never copied to its ReplicaSets (upstream `annotationsToSkip`).
pub const ANNOTATIONS_TO_SKIP: &[&str] = &[
    crate::apply::LAST_APPLIED,
    REVISION,
    REVISION_HISTORY,
    DESIRED_REPLICAS,
    MAX_REPLICAS,
    "deprecated.deployment.rollback.to",
];

/// The status counts a Deployment reports (upstream `calculateStatus`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DeployStatus {
    pub observed_generation: i64,
    pub replicas: i64,
    pub updated: i64,
    pub ready: i64,
    pub available: i64,
    pub unavailable: i64,
}

/// `spec.strategy` as rules read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Strategy {
    pub rolling: bool,
    pub max_surge: IntOrPercent,
    pub max_unavailable: IntOrPercent,
}

#[derive(Clone, Debug)]
pub struct DeployF {
    pub id: Id,
    pub ns: String,
    pub selector: Selector,
    pub template_hash: u64,
    pub replicas: i64,
    pub paused: bool,
    pub deleting: bool,
    pub strategy: Strategy,
    pub min_ready: i64,
    /// `revisionHistoryLimit`, default 10.
    pub history_limit: i64,
    /// `progressDeadlineSeconds`, default 600; None when it is MaxInt32 (no deadline).
    pub progress_deadline: Option<i64>,
    pub generation: i64,
    pub observed: DeployStatus,
    pub collision_count: i64,
    /// Progressing condition: (status, reason, lastUpdateTime).
    pub progressing: Option<(String, String, i64)>,
    pub revision: i64,
    /// Annotations to copy to the new ReplicaSet.
    pub annotations: Vec<(String, String)>,
}

/// A ReplicaSet as its Deployment sees it.
#[derive(Clone, Debug)]
pub struct DeployRsF {
    pub rs: Id,
    pub deployment: Id,
    pub spec: i64,
    pub status_replicas: i64,
    pub ready: i64,
    pub available: i64,
    pub revision: i64,
    pub created: i64,
    pub template_matches: bool,
    pub desired_annotation: Option<i64>,
    pub deleting: bool,
    /// `status.observedGeneration >= metadata.generation`.
    pub observed: bool,
    /// Some annotation of the Deployment is missing on the ReplicaSet or differs.
    pub annotations_stale: bool,
    pub min_ready_differs: bool,
    /// It carries a `ReplicaFailure` condition (of any status: upstream's `getReplicaFailures`
    /// copies every one).
    pub replica_failure: bool,
}

/// Everything the deployment rules read, beyond the Deployments themselves.
#[derive(Default, Debug)]
pub struct DeployFacts {
    pub deployments: Vec<DeployF>,
    pub replica_sets: Vec<DeployRsF>,
    /// (deployment, new ReplicaSet).
    pub new_rs: Vec<(Id, Id)>,
    /// Old ReplicaSets oldest first: (deployment, first) and (deployment, rs, next).
    pub old_head: Vec<(Id, Id)>,
    pub old_next: Vec<(Id, Id, Id)>,
    /// Active ReplicaSets (spec > 0) in upstream's `ReplicaSetsBySizeNewer` (scaling up) and
    /// `ReplicaSetsBySizeOlder` (scaling down) orders.
    pub newer_head: Vec<(Id, Id)>,
    pub newer_next: Vec<(Id, Id, Id)>,
    pub older_head: Vec<(Id, Id)>,
    pub older_next: Vec<(Id, Id, Id)>,
    /// Old ReplicaSets not being deleted, by revision: (deployment, rs, rank from 0), and how
    /// many there are.
    pub by_revision: Vec<(Id, Id, i64)>,
    pub cleanable: Vec<(Id, i64)>,
    pub totals: Vec<(Id, Totals)>,
    /// ReplicaSets of Recreate Deployments with a pod not Succeeded or Failed (the pods
    /// upstream's `oldPodsRunning` looks at).
    pub live_pods: Vec<Id>,
    /// (deployment, time) at which the first of its Ready pods still inside minReadySeconds
    /// becomes available.
    pub pods_available_at: Vec<(Id, i64)>,
    /// The ReplicaSets each Deployment owns, adopts and releases.
    pub claims: Claims,
}

/// Sums over a Deployment's ReplicaSets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Totals {
    /// Σ spec.replicas of all ReplicaSets.
    pub spec_all: i64,
    /// Σ spec.replicas of the old ones.
    pub spec_old: i64,
    /// Σ status.replicas of all / of the old ones.
    pub status_all: i64,
    pub status_old: i64,
    pub ready_all: i64,
    pub available_all: i64,
    /// Largest revision among the old ones.
    pub max_old_revision: i64,
    /// ReplicaSets with spec.replicas > 0.
    pub active: i64,
}

/// Hash of a pod template ignoring the `pod-template-hash` label, stable across key order.
pub fn template_hash(template: &Value) -> u64 {
    let mut t = template.clone();
    if let Some(labels) = t.pointer_mut("/metadata/labels").and_then(Value::as_object_mut) {
        labels.remove(POD_TEMPLATE_HASH);
        if labels.is_empty() {
            if let Some(meta) = t.get_mut("metadata").and_then(Value::as_object_mut) {
                meta.remove("labels");
            }
        }
    }
    let mut h = fnv::FnvHasher::default();
    h.write(canonical(&t).as_bytes());
    h.finish()
}

/// JSON text with object keys sorted at every level.
pub fn canonical(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let inner: Vec<String> = keys
                .iter()
                .map(|k| format!("{}:{}", Value::String((*k).clone()), canonical(&m[*k])))
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        Value::Array(a) => format!("[{}]", a.iter().map(canonical).collect::<Vec<_>>().join(",")),
        other => other.to_string(),
    }
}

/// The `pod-template-hash` of a template (upstream `controller.ComputeHash`: FNV-32a of the
/// template and the collision count, its decimal digits mapped onto the safe alphabet).
pub fn pod_template_hash(template: &Value, collision_count: i64) -> String {
    let mut t = template.clone();
    if let Some(labels) = t.pointer_mut("/metadata/labels").and_then(Value::as_object_mut) {
        labels.remove(POD_TEMPLATE_HASH);
    }
    let mut text = canonical(&t);
    if collision_count > 0 {
        text.push_str(&collision_count.to_string());
    }
    let mut h: u32 = 0x811c9dc5;
    for b in text.bytes() {
        h ^= b as u32;
        h = h.wrapping_mul(0x01000193);
    }
    safe_encode(&h.to_string())
}

/// upstream `rand.SafeEncodeString`: each byte mapped onto an alphabet without vowels and
/// look-alike characters, so generated names spell no words.
pub fn safe_encode(s: &str) -> String {
    const ALPHANUMS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    s.bytes().map(|b| ALPHANUMS[b as usize % ALPHANUMS.len()] as char).collect()
}

/// The claim-rule inputs for ReplicaSets (upstream `getReplicaSetsForDeployment`: every
/// ReplicaSet of the namespace, no filter beyond the selector).
fn replica_set_claim_inputs(f: &Facts, deployments: &[DeployF], index: &FxHashMap<Id, usize>) -> ClaimInputs {
    let mut inputs = ClaimInputs {
        owners: deployments.iter().map(|d| (d.id, d.deleting)).collect(),
        ..Default::default()
    };
    for rs in f.workloads_of(WorkloadKind::ReplicaSet) {
        let labels = model::labels(f.raw(rs.id));
        let matches = |d: &DeployF| d.ns == rs.ns && d.selector.matches(&labels);
        match rs.controller.filter(|c| f.key(*c).kind == "Deployment") {
            Some(d) => {
                let Some(&i) = index.get(&d) else { continue };
                inputs.considered.push(rs.id);
                inputs.controlled_by.push((rs.id, d));
                if matches(&deployments[i]) {
                    inputs.matches.push((d, rs.id));
                }
            }
            None if model::controller_ref(f.raw(rs.id)).is_none() => {
                inputs.considered.push(rs.id);
                inputs.orphans.push(rs.id);
                if rs.deleting {
                    inputs.deleting.push(rs.id);
                }
                inputs.matches.extend(deployments.iter().filter(|d| matches(d)).map(|d| (d.id, rs.id)));
            }
            None => {}
        }
    }
    inputs
}

fn annotation_i64(obj: &Value, key: &str) -> Option<i64> {
    model::annotation(obj, key).and_then(|v| v.parse().ok())
}

impl Facts<'_> {
    /// The deployment facts of this snapshot, built once however many readers ask.
    pub fn deploy(&self) -> &DeployFacts {
        self.deploy.get_or_init(|| deploy_facts(self))
    }
}

/// Build the deployment facts from the snapshot.
fn deploy_facts(f: &Facts) -> DeployFacts {
    let mut out = DeployFacts::default();
    let mut index: FxHashMap<Id, usize> = FxHashMap::default();
    for (key, obj) in
        f.store.range(ObjKey::new("Deployment", "", "")..).take_while(|(k, _)| k.kind == "Deployment")
    {
        let Some(id) = f.id_of(key) else { continue };
        index.insert(id, out.deployments.len());
        out.deployments.push(deployment(id, key, obj));
    }
    if out.deployments.is_empty() {
        return out;
    }
    out.claims = claim(&replica_set_claim_inputs(f, &out.deployments, &index));
    let mut owned: FxHashMap<Id, Vec<DeployRsF>> = FxHashMap::default();
    let mut claimed: Vec<(Id, Id)> = out.claims.owned.iter().chain(&out.claims.adopt).copied().collect();
    claimed.sort_unstable();
    for (d, rs) in claimed {
        let Some(&i) = index.get(&d) else { continue };
        let d = &out.deployments[i];
        let obj = f.raw(rs);
        let template = model::at(obj, &["spec", "template"]).cloned().unwrap_or(Value::Null);
        let d_obj = f.raw(d.id);
        let stale = d.annotations.iter().any(|(k, v)| model::annotation(obj, k) != Some(v.as_str()));
        let st = |k: &str| model::i64_at(obj, &["status", k]).unwrap_or(0);
        owned.entry(d.id).or_default().push(DeployRsF {
            rs,
            deployment: d.id,
            spec: model::i64_at(obj, &["spec", "replicas"]).unwrap_or(1),
            status_replicas: st("replicas"),
            ready: st("readyReplicas"),
            available: st("availableReplicas"),
            revision: annotation_i64(obj, REVISION).unwrap_or(0),
            created: model::parse_time(model::str_at(obj, &["metadata", "creationTimestamp"])).unwrap_or(0),
            template_matches: template_hash(&template) == d.template_hash,
            desired_annotation: annotation_i64(obj, DESIRED_REPLICAS),
            deleting: model::at(obj, &["metadata", "deletionTimestamp"]).is_some(),
            observed: st("observedGeneration")
                >= model::i64_at(obj, &["metadata", "generation"]).unwrap_or(1),
            annotations_stale: stale,
            min_ready_differs: model::i64_at(obj, &["spec", "minReadySeconds"]).unwrap_or(0)
                != model::i64_at(d_obj, &["spec", "minReadySeconds"]).unwrap_or(0),
            replica_failure: model::condition(obj, "ReplicaFailure").is_some(),
        });
    }
    let by_created = |a: &&DeployRsF, b: &&DeployRsF| (a.created, f.key(a.rs)).cmp(&(b.created, f.key(b.rs)));
    for d in &out.deployments {
        let rses = owned.remove(&d.id).unwrap_or_default();
        let new = rses.iter().filter(|r| r.template_matches).min_by(by_created).map(|r| r.rs);
        if let Some(n) = new {
            out.new_rs.push((d.id, n));
        }
        let mut old: Vec<&DeployRsF> = rses.iter().filter(|r| Some(r.rs) != new).collect();
        old.sort_by(by_created);
        chain(d.id, old.iter().map(|r| r.rs), &mut out.old_head, &mut out.old_next);
        let mut active: Vec<&DeployRsF> = rses.iter().filter(|r| r.spec > 0).collect();
        // ReplicaSetsBySizeNewer: larger first, then newer first.
        active.sort_by(|a, b| {
            b.spec.cmp(&a.spec).then((b.created, f.key(b.rs)).cmp(&(a.created, f.key(a.rs))))
        });
        chain(d.id, active.iter().map(|r| r.rs), &mut out.newer_head, &mut out.newer_next);
        // ReplicaSetsBySizeOlder: larger first, then older first.
        active.sort_by(|a, b| b.spec.cmp(&a.spec).then(by_created(a, b)));
        chain(d.id, active.iter().map(|r| r.rs), &mut out.older_head, &mut out.older_next);
        let mut cleanable: Vec<&&DeployRsF> = old.iter().filter(|r| !r.deleting).collect();
        cleanable.sort_by(|a, b| a.revision.cmp(&b.revision).then(by_created(a, b)));
        out.cleanable.push((d.id, cleanable.len() as i64));
        out.by_revision.extend(cleanable.iter().enumerate().map(|(i, r)| (d.id, r.rs, i as i64)));
        let sum = |it: &mut dyn Iterator<Item = &&DeployRsF>, g: fn(&DeployRsF) -> i64| {
            it.map(|r| g(r)).sum::<i64>()
        };
        let all: Vec<&DeployRsF> = rses.iter().collect();
        out.totals.push((
            d.id,
            Totals {
                spec_all: sum(&mut all.iter(), |r| r.spec),
                spec_old: sum(&mut old.iter(), |r| r.spec),
                status_all: sum(&mut all.iter(), |r| r.status_replicas),
                status_old: sum(&mut old.iter(), |r| r.status_replicas),
                ready_all: sum(&mut all.iter(), |r| r.ready),
                available_all: sum(&mut all.iter(), |r| r.available),
                max_old_revision: old.iter().map(|r| r.revision).max().unwrap_or(0),
                active: all.iter().filter(|r| r.spec > 0).count() as i64,
            },
        ));
        out.replica_sets.extend(rses);
    }
    out.live_pods = live_pods(f, &out);
    out.pods_available_at = pods_available_at(f, &out);
    out
}

/// For each Deployment, the earliest time one of its ReplicaSets' Ready pods passes
/// `minReadySeconds` and becomes available. Nothing else changes in the cluster at that moment,
/// so without a timer the run would stop with the rollout half done (upstream the ReplicaSet
/// controller requeues itself after minReadySeconds and its status update wakes the Deployment).
fn pods_available_at(f: &Facts, df: &DeployFacts) -> Vec<(Id, i64)> {
    let owner_of: FxHashMap<Id, Id> = df.replica_sets.iter().map(|r| (r.rs, r.deployment)).collect();
    let min_ready: FxHashMap<Id, i64> = f
        .workloads_of(super::WorkloadKind::ReplicaSet)
        .filter(|s| s.min_ready > 0)
        .map(|s| (s.id, s.min_ready))
        .collect();
    if min_ready.is_empty() {
        return Vec::new();
    }
    let mut out: Vec<(Id, i64)> = Vec::new();
    for p in &f.pods {
        let Some(rs) = p.controller else { continue };
        let (Some(&d), Some(&m)) = (owner_of.get(&rs), min_ready.get(&rs)) else { continue };
        if !p.active() {
            continue;
        }
        if let Some(t) = p.available_from(m).filter(|&t| t > f.now) {
            out.push((d, t));
        }
    }
    out.sort_unstable();
    out.dedup_by_key(|x| x.0);
    out
}

fn chain(d: Id, mut items: impl Iterator<Item = Id>, head: &mut Vec<(Id, Id)>, next: &mut Vec<(Id, Id, Id)>) {
    let Some(mut prev) = items.next() else { return };
    head.push((d, prev));
    for rs in items {
        next.push((d, prev, rs));
        prev = rs;
    }
}

/// The ReplicaSets of Recreate Deployments with a pod in a non-terminal phase (terminating
/// pods count). Only the Recreate strategy asks, so rolling Deployments are left out (no walk
/// over every pod).
fn live_pods(f: &Facts, df: &DeployFacts) -> Vec<Id> {
    let recreate: rustc_hash::FxHashSet<Id> =
        df.deployments.iter().filter(|d| !d.strategy.rolling).map(|d| d.id).collect();
    if recreate.is_empty() {
        return Vec::new();
    }
    let of_recreate: rustc_hash::FxHashSet<Id> =
        df.replica_sets.iter().filter(|r| recreate.contains(&r.deployment)).map(|r| r.rs).collect();
    let mut live: Vec<Id> = f
        .pods
        .iter()
        .filter(|p| !matches!(p.phase, Phase::Succeeded | Phase::Failed))
        .filter_map(|p| p.controller.filter(|rs| of_recreate.contains(rs)))
        .collect();
    live.sort_unstable();
    live.dedup();
    live
}

fn deployment(id: Id, key: &ObjKey, obj: &Value) -> DeployF {
    let strategy_type = model::str_at(obj, &["spec", "strategy", "type"]);
    let rolling_param = |k: &str, default: IntOrPercent| {
        model::at(obj, &["spec", "strategy", "rollingUpdate", k])
            .and_then(IntOrPercent::parse)
            .unwrap_or(default)
    };
    let st = |k: &str| model::i64_at(obj, &["status", k]).unwrap_or(0);
    let progressing = model::condition(obj, "Progressing").map(|c| {
        (
            model::str_at(c, &["status"]).to_string(),
            model::str_at(c, &["reason"]).to_string(),
            model::parse_time(model::str_at(c, &["lastUpdateTime"])).unwrap_or(0),
        )
    });
    let annotations = model::string_map(obj, &["metadata", "annotations"])
        .into_iter()
        .filter(|(k, _)| !ANNOTATIONS_TO_SKIP.contains(&k.as_str()))
        .collect();
    DeployF {
        id,
        ns: key.namespace.clone(),
        selector: model::at(obj, &["spec", "selector"])
            .and_then(|s| Selector::from_label_selector(s).ok())
            .unwrap_or_default(),
        template_hash: template_hash(model::at(obj, &["spec", "template"]).unwrap_or(&Value::Null)),
        replicas: model::replicas(obj),
        paused: model::at(obj, &["spec", "paused"]).and_then(Value::as_bool).unwrap_or(false),
        deleting: model::at(obj, &["metadata", "deletionTimestamp"]).is_some(),
        strategy: Strategy {
            rolling: strategy_type != "Recreate",
            max_surge: rolling_param("maxSurge", IntOrPercent::Percent(25)),
            max_unavailable: rolling_param("maxUnavailable", IntOrPercent::Percent(25)),
        },
        min_ready: model::i64_at(obj, &["spec", "minReadySeconds"]).unwrap_or(0),
        history_limit: model::i64_at(obj, &["spec", "revisionHistoryLimit"]).unwrap_or(10),
        progress_deadline: match model::i64_at(obj, &["spec", "progressDeadlineSeconds"]) {
            Some(s) if s >= i32::MAX as i64 => None,
            Some(s) => Some(s),
            None => Some(600),
        },
        generation: model::i64_at(obj, &["metadata", "generation"]).unwrap_or(1),
        observed: DeployStatus {
            observed_generation: st("observedGeneration"),
            replicas: st("replicas"),
            updated: st("updatedReplicas"),
            ready: st("readyReplicas"),
            available: st("availableReplicas"),
            unavailable: st("unavailableReplicas"),
        },
        collision_count: st("collisionCount"),
        progressing,
        revision: annotation_i64(obj, REVISION).unwrap_or(0),
        annotations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn template_hash_ignores_key_order_and_the_hash_label() {
        let a = json!({"metadata": {"labels": {"app": "x"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}});
        let b = json!({"spec": {"containers": [{"image": "i", "name": "c"}]}, "metadata": {"labels": {"pod-template-hash": "abc", "app": "x"}}});
        assert_eq!(template_hash(&a), template_hash(&b));
        let c = json!({"metadata": {"labels": {"app": "x"}}, "spec": {"containers": [{"name": "c", "image": "j"}]}});
        assert_ne!(template_hash(&a), template_hash(&c));
    }

    #[test]
    fn pod_template_hash_is_kubernetes_shaped_and_moves_with_collisions() {
        let t = json!({"metadata": {"labels": {"app": "x"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}});
        let h = pod_template_hash(&t, 0);
        assert!(h.len() >= 6 && h.len() <= 10, "{h}");
        assert!(h.bytes().all(|b| b"bcdfghjklmnpqrstvwxz2456789".contains(&b)));
        assert_ne!(h, pod_template_hash(&t, 1));
    }
}
