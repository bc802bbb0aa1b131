//! Aggregations over pods that crepe cannot express: which workloads' selectors match a pod
//! (the input of the claim rules in `rules/controller_ref_manager.rs`), in which order a
//! ReplicaSet deletes its pods, and the counts every workload controller reports.
//!
//! Each helper mirrors one upstream function and says which; the rules consume the results
//! as input facts.

use super::{Facts, Id, PodF, SetStatus, Sym, WorkloadF, WorkloadKind, EMPTY};
use crate::controllers::controller_ref_manager::ClaimInputs;
use crate::selector::Op;
use rustc_hash::FxHashMap;
use std::cmp::Ordering;

/// The claim-rule inputs for the pods of workloads of `kinds`. `considered` picks the pods the
/// controller looks at; `member` is the controller's own filter on top of the selector (upstream
/// passes such filters to `ClaimPods`).
pub fn claim_inputs(
    f: &Facts,
    kinds: &[WorkloadKind],
    considered: impl Fn(&PodF) -> bool,
    member: impl Fn(&WorkloadF, &PodF) -> bool,
) -> ClaimInputs {
    let owners: Vec<&WorkloadF> = f.workloads.iter().filter(|w| kinds.contains(&w.kind)).collect();
    let mut out =
        ClaimInputs { owners: owners.iter().map(|w| (w.id, w.deleting)).collect(), ..ClaimInputs::default() };
    if owners.is_empty() {
        return out;
    }
    let matches =
        |w: &WorkloadF, p: &PodF| !w.selector.is_empty() && w.selector.matches(&p.labels) && member(w, p);
    let candidates = WorkloadIndex::new(&owners);
    for pod in f.pods.iter().filter(|p| considered(p)) {
        match pod.controller.and_then(|o| f.workload(o)).filter(|w| kinds.contains(&w.kind)) {
            Some(w) => {
                out.considered.push(pod.id);
                out.controlled_by.push((pod.id, w.id));
                if matches(w, pod) {
                    out.matches.push((w.id, pod.id));
                }
            }
            None if !pod.has_controller_ref => {
                let mut matching =
                    candidates.for_pod(pod).map(|i| owners[i]).filter(|w| matches(w, pod)).peekable();
                if matching.peek().is_some() {
                    out.considered.push(pod.id);
                    out.orphans.push(pod.id);
                    if pod.deleting {
                        out.deleting.push(pod.id);
                    }
                    out.matches.extend(matching.map(|w| (w.id, pod.id)));
                }
            }
            None => {}
        }
    }
    out
}

/// The workloads an orphan pod may match, without trying every workload of its namespace: each
/// is filed under one label its selector requires (`key In (value)`, what `matchLabels` gives),
/// so a pod only meets the workloads filed under one of its own labels, plus the few whose
/// selectors require no single label value. Candidates still go through the full match.
struct WorkloadIndex<'f> {
    /// (namespace, key, value) → workloads requiring that label.
    by_label: FxHashMap<(&'f str, &'f str, &'f str), Vec<usize>>,
    /// namespace → workloads with no single-valued `In` requirement.
    unfiled: FxHashMap<&'f str, Vec<usize>>,
}

impl<'f> WorkloadIndex<'f> {
    fn new(workloads: &[&'f WorkloadF]) -> WorkloadIndex<'f> {
        let mut index = WorkloadIndex { by_label: FxHashMap::default(), unfiled: FxHashMap::default() };
        for (i, w) in workloads.iter().enumerate() {
            let required = w.selector.reqs.iter().find(|r| r.op == Op::In && r.values.len() == 1);
            match required {
                Some(r) => index.by_label.entry((&w.ns, &r.key, &r.values[0])).or_default().push(i),
                None => index.unfiled.entry(&w.ns).or_default().push(i),
            }
        }
        index
    }

    /// Indexes of candidate workloads, ascending and without repeats.
    fn for_pod(&self, pod: &PodF) -> impl Iterator<Item = usize> {
        let ns = pod.ns.as_str();
        let mut found: Vec<usize> = pod
            .labels
            .iter()
            .filter_map(|(k, v)| self.by_label.get(&(ns, k.as_str(), v.as_str())))
            .chain(self.unfiled.get(ns))
            .flatten()
            .copied()
            .collect();
        found.sort_unstable();
        found.dedup();
        found.into_iter()
    }
}

/// Rank of each claimed pod of the sets in `surplus` in deletion order, 0 deleted first
/// (upstream `getPodsToDelete`: the pods sorted by `ActivePodsWithRanks`, where a pod's rank is
/// the number of active *related* pods on its node — `getPodsRankedByRelatedPodsOnSameNode` over
/// `getIndirectlyRelatedPods`; see [`related_pods_on_node`]). Ties that upstream leaves to the
/// sort go by pod key.
pub fn deletion_ranks(f: &Facts, surplus: &FxHashMap<Id, Vec<Id>>) -> Vec<(Id, Id, i64)> {
    let mut sets: Vec<Id> = surplus.keys().copied().collect();
    sets.sort_unstable();
    let related = related_pods_on_node(f, &sets);
    let none = FxHashMap::default();
    let mut out = Vec::new();
    for set in sets {
        let on_node = f.workload(set).and_then(|w| related.get(&(w.kind, w.controller_uid))).unwrap_or(&none);
        let pods: Vec<&PodF> = surplus[&set].iter().filter_map(|&p| f.pod(p)).collect();
        let ranked = ranked_by_related_pods_on_same_node(&pods, on_node);
        let ordered = in_deletion_order(ranked, f.now, |p| f.key(p.id));
        out.extend(ordered.into_iter().enumerate().map(|(i, p)| (set, p.id, i as i64)));
    }
    out
}

/// Active related pods per node (`None`: not yet assigned), for the controller of each of
/// `sets`: upstream `getIndirectlyRelatedPods` takes every set of the same kind whose controller
/// reference names the same uid (the set itself included) and every pod of the namespace its
/// selector matches, whoever owns that pod; `getPodsRankedByRelatedPodsOnSameNode` counts the
/// active ones on each node. A set without a controller has no related pods at all (upstream
/// logs "ReplicaSet has no controller"), so its pods all rank 0.
pub fn related_pods_on_node(
    f: &Facts,
    sets: &[Id],
) -> FxHashMap<(WorkloadKind, Sym), FxHashMap<Option<Sym>, i64>> {
    let families: rustc_hash::FxHashSet<(WorkloadKind, Sym)> = sets
        .iter()
        .filter_map(|&s| f.workload(s))
        .filter(|w| w.controller_uid != EMPTY)
        .map(|w| (w.kind, w.controller_uid))
        .collect();
    let mut out: FxHashMap<(WorkloadKind, Sym), FxHashMap<Option<Sym>, i64>> = FxHashMap::default();
    if families.is_empty() {
        return out;
    }
    let siblings: Vec<&WorkloadF> = f
        .workloads
        .iter()
        .filter(|w| families.contains(&(w.kind, w.controller_uid)) && !w.selector.is_empty())
        .collect();
    let candidates = PodIndex::new(f, &siblings);
    let mut related: FxHashMap<(WorkloadKind, Sym), FxHashMap<Id, &PodF>> = FxHashMap::default();
    for w in siblings {
        let pods = related.entry((w.kind, w.controller_uid)).or_default();
        pods.extend(candidates.for_workload(w).filter(|p| w.selector.matches(&p.labels)).map(|p| (p.id, p)));
    }
    for (family, pods) in related {
        out.insert(family, active_on_node(pods.into_values()));
    }
    out
}

/// How many of `related` are active on each node (`None`: not yet assigned).
pub fn active_on_node<'p>(related: impl IntoIterator<Item = &'p PodF>) -> FxHashMap<Option<Sym>, i64> {
    let mut on_node: FxHashMap<Option<Sym>, i64> = FxHashMap::default();
    for p in related.into_iter().filter(|p| p.active()) {
        *on_node.entry(p.node).or_default() += 1;
    }
    on_node
}

/// Active pods filed under the labels the given workloads' selectors require, so that each
/// workload only tries the pods carrying one required label (the same filing as
/// [`WorkloadIndex`], from the other side).
struct PodIndex<'f> {
    by_label: FxHashMap<(&'f str, &'f str, &'f str), Vec<&'f PodF>>,
    by_namespace: FxHashMap<&'f str, Vec<&'f PodF>>,
}

impl<'f> PodIndex<'f> {
    fn new(f: &'f Facts, workloads: &[&'f WorkloadF]) -> PodIndex<'f> {
        let mut index = PodIndex { by_label: FxHashMap::default(), by_namespace: FxHashMap::default() };
        for &w in workloads {
            match required_label(w) {
                Some(l) => index.by_label.entry(l).or_default(),
                None => index.by_namespace.entry(&w.ns).or_default(),
            };
        }
        for p in f.pods.iter().filter(|p| p.active()) {
            for (k, v) in &p.labels {
                if let Some(list) = index.by_label.get_mut(&(p.ns.as_str(), k.as_str(), v.as_str())) {
                    list.push(p);
                }
            }
            if let Some(list) = index.by_namespace.get_mut(p.ns.as_str()) {
                list.push(p);
            }
        }
        index
    }

    fn for_workload(&self, w: &'f WorkloadF) -> impl Iterator<Item = &'f PodF> + '_ {
        let list = match required_label(w) {
            Some(l) => self.by_label.get(&l),
            None => self.by_namespace.get(w.ns.as_str()),
        };
        list.into_iter().flatten().copied()
    }
}

/// One `key In (value)` requirement of a workload's selector (what `matchLabels` gives).
fn required_label(w: &WorkloadF) -> Option<(&str, &str, &str)> {
    w.selector
        .reqs
        .iter()
        .find(|r| r.op == Op::In && r.values.len() == 1)
        .map(|r| (w.ns.as_str(), r.key.as_str(), r.values[0].as_str()))
}

/// upstream `getPodsRankedByRelatedPodsOnSameNode`: each pod with its rank, the number of
/// related pods on its node.
pub fn ranked_by_related_pods_on_same_node<'p>(
    pods: &[&'p PodF],
    on_node: &FxHashMap<Option<Sym>, i64>,
) -> Vec<(&'p PodF, i64)> {
    pods.iter().map(|&p| (p, on_node.get(&p.node).copied().unwrap_or(0))).collect()
}

/// The pods in `ActivePodsWithRanks` order at `now`, ties by `tie` (upstream leaves them to
/// the sort): the first are deleted first.
pub fn in_deletion_order<K: Ord>(
    mut ranked: Vec<(&PodF, i64)>,
    now: i64,
    tie: impl Fn(&PodF) -> K,
) -> Vec<&PodF> {
    ranked.sort_by(|a, b| active_pods_with_ranks(a, b, now).then_with(|| tie(a.0).cmp(&tie(b.0))));
    ranked.into_iter().map(|(p, _)| p).collect()
}

/// upstream `controller.ActivePodsWithRanks.Less` with PodDeletionCost and
/// LogarithmicScaleDown on (their defaults): `Less` means "delete first".
///
/// Upstream's `Less` is not a strict weak order: two ready pods with different ready times in
/// the same log2 bucket are ordered by uid, with equal ready times by restarts and creation, so
/// three pods can order in a cycle (Go's sort tolerates that; Rust's sort panics). Here the
/// criteria are one lexicographic key instead: ready pods by ready-time bucket, then restarts,
/// then creation-time bucket, then uid. It orders every pair as upstream does except pairs
/// whose ready (or creation) times differ inside one bucket, where upstream looks at the uid
/// before the restarts (or the creation bucket).
pub fn active_pods_with_ranks(a: &(&PodF, i64), b: &(&PodF, i64), now: i64) -> Ordering {
    deletion_key(a.0, a.1, now).cmp(&deletion_key(b.0, b.1, now))
}

type DeletionKey<'a> = (bool, u8, bool, i64, i64, i64, i64, i64, &'a str);

/// The place of a pod in deletion order, smallest deleted first.
fn deletion_key(p: &PodF, rank: i64, now: i64) -> DeletionKey<'_> {
    // 2. Pending < Unknown < Running.
    let ordinal = match p.phase {
        super::Phase::Pending => 0,
        super::Phase::Unknown => 1,
        super::Phase::Running => 2,
        _ => 0,
    };
    (
        // 1. Unassigned before assigned.
        p.node.is_some(),
        ordinal,
        // 3. Not ready before ready.
        p.ready,
        // 4. Lower deletion cost first.
        p.deletion_cost,
        // 5. More pods of the family on the same node first.
        -rank,
        // 6. Both ready: more recently ready first, in log2 buckets.
        if p.ready { age_bucket(p.ready_since, now) } else { 0 },
        // 7. More restarts first.
        -p.restarts,
        // 8. Newer first, in log2 buckets, then by uid.
        age_bucket(p.created, now),
        &p.uid,
    )
}

/// `floor(log2(now - t))` with the age in nanoseconds (upstream `logarithmicRankDiff`): younger
/// pods have smaller buckets. A zero time sorts first (upstream `afterOrZero`).
fn age_bucket(t: i64, now: i64) -> i64 {
    if t == 0 {
        return i64::MIN;
    }
    let d = (now - t).saturating_mul(1_000_000_000);
    if d <= 0 {
        -1
    } else {
        63 - d.leading_zeros() as i64
    }
}

/// Which attempt each pod's current run is, for the pods whose knobs limit failures to the
/// first attempts (`konverge.io/fail-attempts`): how many pods its controller made before it
/// for the same completion index (by creation time, then name), plus its container's restarts.
pub fn attempts(f: &Facts) -> FxHashMap<Id, i64> {
    let counted = |p: &&PodF| p.knobs.fail_attempts.is_some();
    if !f.pods.iter().any(|p| counted(&p)) {
        return FxHashMap::default();
    }
    let mut siblings: FxHashMap<(Id, Option<i64>), Vec<&PodF>> = FxHashMap::default();
    for p in &f.pods {
        if let Some(owner) = p.controller {
            siblings.entry((owner, p.completion_index)).or_default().push(p);
        }
    }
    let mut out: FxHashMap<Id, i64> = FxHashMap::default();
    for group in siblings.values_mut().filter(|g| g.iter().any(counted)) {
        group.sort_by(|a, b| (a.created, f.key(a.id)).cmp(&(b.created, f.key(b.id))));
        for (earlier, p) in group.iter().enumerate().filter(|(_, p)| counted(p)) {
            out.insert(p.id, earlier as i64 + p.restarts);
        }
    }
    for p in f.pods.iter().filter(counted).filter(|p| p.controller.is_none()) {
        out.insert(p.id, p.restarts);
    }
    out
}

/// What a workload controller counts over the pods it claims.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PodCounts {
    pub total: i64,
    /// Pods carrying every label of the workload's template.
    pub fully_labeled: i64,
    pub ready: i64,
    /// Ready for at least the workload's `minReadySeconds` (`podutil.IsPodAvailable`).
    pub available: i64,
    pub pending: i64,
    pub running: i64,
    pub succeeded: i64,
    pub failed: i64,
}

/// Count the pods `pods` of workload `w` now.
pub fn count(f: &Facts, w: &WorkloadF, pods: &[Id]) -> PodCounts {
    let mut c = PodCounts::default();
    for p in pods.iter().filter_map(|&id| f.pod(id)) {
        c.total += 1;
        if w.template_labels.iter().all(|l| p.labels.contains(l)) {
            c.fully_labeled += 1;
        }
        if p.ready {
            c.ready += 1;
        }
        if p.available(w.min_ready, f.now) {
            c.available += 1;
        }
        match p.phase {
            super::Phase::Pending => c.pending += 1,
            super::Phase::Running => c.running += 1,
            super::Phase::Succeeded => c.succeeded += 1,
            super::Phase::Failed => c.failed += 1,
            super::Phase::Unknown => {}
        }
    }
    c
}

/// Status counts of every ReplicaSet and ReplicationController from its claimed pods (upstream
/// `calculateStatus`).
pub fn set_status(f: &Facts, claimed: &FxHashMap<Id, Vec<Id>>) -> Vec<(Id, SetStatus)> {
    f.pod_sets
        .iter()
        .filter_map(|s| {
            let w = f.workload(s.id)?;
            let c = count(f, w, claimed.get(&s.id).map(Vec::as_slice).unwrap_or(&[]));
            let st = SetStatus {
                replicas: c.total,
                fully_labeled: c.fully_labeled,
                ready: c.ready,
                available: c.available,
                observed_generation: w.generation,
            };
            Some((s.id, st))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::{ContainerState, Knobs, Phase, PodCore, RestartPolicy};
    use std::sync::Arc;

    fn pod(name: u32, node: Option<u32>, phase: Phase, ready: bool, ready_since: i64, created: i64) -> PodF {
        PodF {
            id: name,
            controller: None,
            node,
            waiting_reason: 0,
            node_selector: vec![],
            affinity: None,
            preferred: vec![],
            tolerations: vec![],
            host_ports: vec![],
            core: Arc::new(PodCore {
                ns: "default".into(),
                labels: vec![],
                has_controller_ref: false,
                phase,
                ready,
                ready_since,
                started: 0,
                created,
                deleting: false,
                deletion_requested: 0,
                grace_period: 0,
                restarts: 0,
                requests: Default::default(),
                priority: 0,
                pod_affinity: None,
                knobs: Knobs::default(),
                restart_policy: RestartPolicy::Always,
                container: ContainerState::NotStarted,
                completion_index: None,
                active_deadline: None,
                has_finalizers: false,
                uid: format!("uid-{name}"),
                deletion_cost: 0,
                pod_ip: String::new(),
                host_network: false,
                strings: Default::default(),
            }),
        }
    }

    /// An orphan is offered to every set of its namespace whose selector matches it, whether
    /// the selector requires a single label value (indexed) or not (scanned).
    #[test]
    fn orphans_meet_every_matching_workload_of_their_namespace() {
        let set = |name: &str, ns: &str, selector: &str| {
            format!(
                "---\napiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {{name: {name}, namespace: {ns}, uid: u-{name}}}\n\
                 spec: {{replicas: 1, selector: {selector}, template: {{metadata: {{labels: {{app: a}}}}}}}}\n"
            )
        };
        let mut text = String::from(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: default, uid: u-p, labels: {app: a, tier: t}}\n",
        );
        text += &set("by-app", "default", "{matchLabels: {app: a}}");
        text += &set("by-tier", "default", "{matchExpressions: [{key: tier, operator: In, values: [t, u]}]}");
        text += &set("exists", "default", "{matchExpressions: [{key: tier, operator: Exists}]}");
        text += &set("both", "default", "{matchLabels: {app: a, tier: t}}");
        text += &set("other-app", "default", "{matchLabels: {app: b}}");
        text +=
            &set("not-tier", "default", "{matchExpressions: [{key: tier, operator: NotIn, values: [t]}]}");
        text += &set("elsewhere", "other", "{matchLabels: {app: a}}");
        let state = crate::state::State::parse(&text, "test").unwrap();
        let f = Facts::extract(&state);
        let inputs = claim_inputs(&f, &[WorkloadKind::ReplicaSet], |_| true, |_, _| true);
        let mut names: Vec<&str> = inputs.matches.iter().map(|&(s, _)| f.key(s).name.as_str()).collect();
        names.sort_unstable();
        assert_eq!(names, ["both", "by-app", "by-tier", "exists"]);
        assert_eq!(inputs.orphans.len(), 1);
    }

    /// upstream `TestSortingActivePodsWithRanks` (pkg/controller), with PodDeletionCost and
    /// LogarithmicScaleDown on: every `inequalityTests` row (lesser, rank; greater, rank) but
    /// the one that turns PodDeletionCost off, and every `equalityTests` row.
    #[test]
    fn sorting_active_pods_with_ranks() {
        let now = 100 * 86_400;
        let (month, hours) = (now - 30 * 86_400, |h: i64| now - h * 3600);
        #[allow(clippy::too_many_arguments)]
        fn p(
            id: u32,
            node: Option<u32>,
            phase: Phase,
            ready: bool,
            restarts: i64,
            since: i64,
            created: i64,
            cost: i64,
        ) -> PodF {
            let mut x = pod(id, node, phase, ready, since, created);
            x.restarts = restarts;
            x.deletion_cost = cost;
            x.uid = String::new();
            x
        }
        let node = Some(1);
        let unscheduled = p(1, None, Phase::Pending, false, 0, 0, 0, 0);
        let scheduled_pending = p(2, node, Phase::Pending, false, 0, 0, 0, 0);
        let unknown_phase = p(3, node, Phase::Unknown, false, 0, 0, 0, 0);
        let not_ready = p(4, node, Phase::Running, false, 0, 0, 0, 0);
        let ready_no_transition_time = p(5, node, Phase::Running, true, 0, 0, 0, 0);
        let ready_now = p(6, node, Phase::Running, true, 0, now, now, 0);
        let ready_then = p(7, node, Phase::Running, true, 0, month, month, 0);
        let ready_high_restarts = p(8, node, Phase::Running, true, 9001, now, now, 0);
        let ready_now_created_then = p(9, node, Phase::Running, true, 0, now, month, 0);
        let low_cost = p(10, node, Phase::Running, true, 0, now, month, 10);
        let high_cost = p(11, node, Phase::Running, true, 0, now, month, 100);
        let unscheduled_5h = p(12, None, Phase::Pending, false, 0, hours(5), hours(5), 0);
        let unscheduled_8h = p(13, None, Phase::Pending, false, 0, hours(8), hours(8), 0);
        let ready_2h = p(14, None, Phase::Running, true, 0, hours(2), month, 0);
        let ready_5h = p(15, None, Phase::Running, true, 0, hours(5), month, 0);
        let ready_8h = p(16, None, Phase::Running, true, 0, hours(8), month, 0);
        let less = |a: (&PodF, i64), b: (&PodF, i64)| active_pods_with_ranks(&a, &b, now) == Ordering::Less;
        let inequality = [
            ((&unscheduled, 1), (&scheduled_pending, 2)),
            ((&unscheduled, 2), (&scheduled_pending, 1)),
            ((&scheduled_pending, 1), (&unknown_phase, 2)),
            ((&unknown_phase, 1), (&not_ready, 2)),
            ((&not_ready, 1), (&ready_no_transition_time, 1)),
            ((&ready_no_transition_time, 1), (&ready_now, 1)),
            ((&ready_now, 2), (&ready_no_transition_time, 1)),
            ((&ready_now, 1), (&ready_then, 1)),
            ((&ready_now, 2), (&ready_then, 1)),
            ((&ready_high_restarts, 1), (&ready_now, 1)),
            ((&ready_now, 2), (&ready_high_restarts, 1)),
            ((&ready_now, 1), (&ready_now_created_then, 1)),
            ((&ready_now_created_then, 2), (&ready_now, 1)),
            ((&low_cost, 2), (&high_cost, 1)),
            ((&ready_2h, 1), (&ready_5h, 1)),
        ];
        for (i, (lesser, greater)) in inequality.into_iter().enumerate() {
            assert!(less(lesser, greater), "test{i}: {} before {}", lesser.0.id, greater.0.id);
            assert!(!less(greater, lesser), "test{i} reversed");
        }
        let equality = [
            (&unscheduled, &unscheduled),
            (&scheduled_pending, &scheduled_pending),
            (&unknown_phase, &unknown_phase),
            (&not_ready, &not_ready),
            (&ready_now_created_then, &ready_now_created_then),
            (&ready_now, &ready_now),
            (&ready_then, &ready_then),
            (&ready_high_restarts, &ready_high_restarts),
            (&unscheduled_5h, &unscheduled_8h),
            (&ready_5h, &ready_8h),
        ];
        for (a, b) in equality {
            assert!(!less((a, 1), (b, 1)) && !less((b, 1), (a, 1)), "{} equivalent to {}", a.id, b.id);
        }
    }

    /// upstream `TestGetPodsToDelete` (pkg/controller/replicaset): which `diff` pods
    /// `getPodsToDelete` picks, ranked by the related pods on their nodes (related defaults to
    /// the pods themselves). Upstream repeats a pod object in some rows; here each is a pod of
    /// its own with the same state.
    #[test]
    fn get_pods_to_delete() {
        let now = 10_000;
        let unscheduled_pending = pod(1, None, Phase::Pending, false, 0, 0);
        let scheduled_pending = pod(2, Some(100), Phase::Pending, false, 0, 0);
        let not_ready = |id| pod(id, Some(100), Phase::Running, false, 0, 0);
        let ready_on = |id, node| pod(id, Some(node), Phase::Running, true, 0, 0);
        let (node1, node2) = (101, 102);
        let to_delete = |pods: &[&PodF], related: Option<&[&PodF]>, diff: usize| -> Vec<u32> {
            let on_node = active_on_node(related.unwrap_or(pods).iter().copied());
            let ranked = ranked_by_related_pods_on_same_node(pods, &on_node);
            let mut ids: Vec<u32> =
                in_deletion_order(ranked, now, |p| p.id).into_iter().take(diff).map(|p| p.id).collect();
            if diff >= pods.len() {
                ids.sort_unstable(); // upstream does not sort then: all of them, as given
            }
            ids
        };
        let (nr3, r1, r1b, r2, r2b) =
            (not_ready(3), ready_on(4, node1), ready_on(5, node1), ready_on(6, node2), ready_on(7, node2));
        let nr8 = not_ready(8);
        assert_eq!(to_delete(&[], None, 0), Vec::<u32>::new(), "len(pods) = 0 (i.e., diff = 0 too)");
        assert_eq!(to_delete(&[&nr3, &r1], None, 2), [3, 4], "diff = len(pods)");
        assert_eq!(to_delete(&[&r1, &nr3], None, 1), [3], "diff < len(pods)");
        let various = [&r1, &r1b, &r2, &nr3, &scheduled_pending, &unscheduled_pending];
        assert_eq!(
            to_delete(&various, None, 6),
            [1, 2, 3, 4, 5, 6],
            "various pod phases and conditions, diff = len(pods)"
        );
        assert_eq!(
            to_delete(&various, Some(&[][..]), 6),
            [1, 2, 3, 4, 5, 6],
            "various pod phases and conditions, diff = len(pods), relatedPods empty"
        );
        assert_eq!(
            to_delete(&[&scheduled_pending, &unscheduled_pending], None, 1),
            [1],
            "scheduled vs unscheduled, diff < len(pods)"
        );
        assert_eq!(to_delete(&[&r1, &nr3, &nr8], None, 2), [3, 8], "ready vs not-ready, diff < len(pods)");
        assert_eq!(
            to_delete(&[&r1, &r2], Some(&[&r1, &r2, &r2b][..]), 1),
            [6],
            "ready and colocated with another ready pod vs not colocated, diff < len(pods)"
        );
        assert_eq!(
            to_delete(&[&scheduled_pending, &nr3], None, 1),
            [2],
            "pending vs running, diff < len(pods)"
        );
        assert_eq!(
            to_delete(&[&r1, &r2, &nr3, &scheduled_pending, &unscheduled_pending], None, 3),
            [1, 2, 3],
            "various pod phases and conditions, diff < len(pods)"
        );
    }

    /// Three ready pods that upstream's `Less` orders in a cycle (a and b ready at the same
    /// time, c a little later in the same bucket): the key orders them, so sorting cannot panic.
    #[test]
    fn deletion_order_is_a_total_order() {
        let now = 10_000;
        let mut a = pod(3, Some(1), Phase::Running, true, now - 100, 5);
        a.restarts = 2;
        let b = pod(1, Some(1), Phase::Running, true, now - 100, 5);
        let c = pod(2, Some(1), Phase::Running, true, now - 101, 5);
        let pods = [&a, &b, &c];
        for x in pods {
            for y in pods {
                for z in pods {
                    let (x, y, z) = ((x, 0), (y, 0), (z, 0));
                    if active_pods_with_ranks(&x, &y, now).is_lt()
                        && active_pods_with_ranks(&y, &z, now).is_lt()
                    {
                        assert!(active_pods_with_ranks(&x, &z, now).is_lt(), "transitive");
                    }
                }
            }
        }
        let mut v = [(&c, 0), (&b, 0), (&a, 0)];
        v.sort_by(|x, y| active_pods_with_ranks(x, y, now));
        assert_eq!(v.iter().map(|x| x.0.id).collect::<Vec<_>>(), [3, 1, 2], "restarts, then uid");
    }

    #[test]
    fn more_restarts_first() {
        let mut a = pod(1, Some(1), Phase::Running, false, 0, 5);
        a.restarts = 3;
        let b = pod(2, Some(1), Phase::Running, false, 0, 5);
        assert_eq!(active_pods_with_ranks(&(&a, 0), &(&b, 0), 100), Ordering::Less);
    }
}
