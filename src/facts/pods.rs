//! Aggregations over pods that crepe cannot express: which workloads' selectors match a pod
//! (the input of the claim rules in `rules/controller_ref_manager.rs`), in which order a
//! ReplicaSet deletes its pods, and the counts every workload controller reports.
//!
//! Each helper mirrors one upstream function and says which; the rules consume the results
//! as input facts.

use super::{Facts, Id, PodF, SetStatus, WorkloadF, WorkloadKind};
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
            None if !pod.has_controller_ref && !pod.deleting => {
                let mut matching =
                    candidates.for_pod(pod).map(|i| owners[i]).filter(|w| matches(w, pod)).peekable();
                if matching.peek().is_some() {
                    out.considered.push(pod.id);
                    out.orphans.push(pod.id);
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

/// Rank of each claimed pod in deletion order, 0 deleted first (upstream `getPodsToDelete`:
/// pods ranked by `ActivePodsWithRanks`, where a pod's rank is the number of active pods of
/// related sets — sets with the same controlling owner — on its node).
pub fn deletion_ranks(f: &Facts, claimed: &FxHashMap<Id, Vec<Id>>) -> Vec<(Id, Id, i64)> {
    // Active pods on each node per "family" (the sets' shared owner, or the set itself).
    let family = |set: Id| f.workload(set).and_then(|w| w.controller).map_or((set, false), |o| (o, true));
    let mut on_node: FxHashMap<((Id, bool), u32), i64> = FxHashMap::default();
    for (&set, pods) in claimed {
        for p in pods {
            if let Some(node) = f.pod(*p).and_then(|p| p.node) {
                *on_node.entry((family(set), node)).or_default() += 1;
            }
        }
    }
    let mut out = Vec::new();
    let mut sets: Vec<&Id> = claimed.keys().collect();
    sets.sort_unstable();
    for &set in sets {
        let mut pods: Vec<(&PodF, i64)> = claimed[&set]
            .iter()
            .filter_map(|&p| f.pod(p))
            .map(|pod| {
                let rank = pod.node.map_or(0, |n| on_node.get(&(family(set), n)).copied().unwrap_or(0));
                (pod, rank)
            })
            .collect();
        pods.sort_by(|a, b| {
            active_pods_with_ranks(a, b, f.now).then_with(|| f.key(a.0.id).cmp(f.key(b.0.id)))
        });
        out.extend(pods.iter().enumerate().map(|(i, (p, _))| (set, p.id, i as i64)));
    }
    out
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
    use crate::facts::{ContainerState, Knobs, Phase, RestartPolicy};

    fn pod(name: u32, node: Option<u32>, phase: Phase, ready: bool, ready_since: i64, created: i64) -> PodF {
        PodF {
            id: name,
            ns: "default".into(),
            labels: vec![],
            controller: None,
            has_controller_ref: false,
            node,
            phase,
            ready,
            ready_since,
            started: 0,
            created,
            deleting: false,
            restarts: 0,
            waiting_reason: 0,
            requests: Default::default(),
            priority: 0,
            node_selector: vec![],
            affinity: None,
            tolerations: vec![],
            host_ports: vec![],
            knobs: Knobs::default(),
            restart_policy: RestartPolicy::Always,
            container: ContainerState::NotStarted,
            completion_index: None,
            active_deadline: None,
            has_finalizers: false,
            uid: format!("uid-{name}"),
            deletion_cost: 0,
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
        let f = Facts::extract(&state.objects, state.now);
        let inputs = claim_inputs(&f, &[WorkloadKind::ReplicaSet], |_| true, |_, _| true);
        let mut names: Vec<&str> = inputs.matches.iter().map(|&(s, _)| f.key(s).name.as_str()).collect();
        names.sort_unstable();
        assert_eq!(names, ["both", "by-app", "by-tier", "exists"]);
        assert_eq!(inputs.orphans.len(), 1);
    }

    /// Table of upstream `TestSortingActivePodsWithRanks` orderings: each row's first pod is
    /// deleted before the second.
    #[test]
    fn deletion_order_matches_upstream() {
        let now = 10_000;
        let running = |id, ready_since, created| pod(id, Some(1), Phase::Running, true, ready_since, created);
        type Ranked = (PodF, i64);
        let cases: Vec<(&str, Ranked, Ranked)> = vec![
            ("unassigned first", (pod(1, None, Phase::Pending, false, 0, 5), 0), (running(2, 5, 5), 0)),
            (
                "pending before running",
                (pod(1, Some(1), Phase::Pending, false, 0, 5), 0),
                (running(2, 5, 5), 0),
            ),
            (
                "unknown before running",
                (pod(1, Some(1), Phase::Unknown, false, 0, 5), 0),
                (pod(2, Some(1), Phase::Running, false, 0, 5), 0),
            ),
            (
                "not ready before ready",
                (pod(1, Some(1), Phase::Running, false, 0, 5), 0),
                (running(2, 5, 5), 0),
            ),
            ("doubled up first", (running(1, 5, 5), 2), (running(2, 5, 5), 1)),
            (
                "recently ready first (different buckets)",
                (running(1, now - 10, 5), 1),
                (running(2, now - 5000, 5), 1),
            ),
            ("same bucket: smaller uid first", (running(1, now - 9, 5), 1), (running(2, now - 10, 5), 1)),
            ("newer first", (running(1, 7, now - 10), 1), (running(2, 7, now - 5000), 1)),
        ];
        for (name, a, b) in cases {
            let (a, b) = ((&a.0, a.1), (&b.0, b.1));
            assert_eq!(active_pods_with_ranks(&a, &b, now), Ordering::Less, "{name}");
            assert_eq!(active_pods_with_ranks(&b, &a, now), Ordering::Greater, "{name} (reversed)");
        }
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
