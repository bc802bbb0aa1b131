//! Aggregations over pods that crepe cannot express: which pods a pod set claims, how many,
//! in which order it deletes them, and the status counts it reports.
//!
//! Each helper mirrors one upstream function and says which; the rules in
//! `rules/replicaset.rs` consume the results as input facts.

use super::{Facts, Id, PodF, SetStatus};
use crate::selector::Op;
use rustc_hash::FxHashMap;
use std::cmp::Ordering;

/// The pods a pod set claims this step (upstream `ClaimPods` without the side effects):
/// active pods it already controls whose labels still match, plus active orphans that match
/// (which it will adopt). Pods it controls that no longer match are listed for release.
#[derive(Default, Debug)]
pub struct Claims {
    /// (set, pod): controlled, active, matching.
    pub owned: Vec<(Id, Id)>,
    /// (set, pod): orphan, active, matching; the set is not being deleted.
    pub adoptable: Vec<(Id, Id)>,
    /// (set, pod): controlled but the selector no longer matches.
    pub mismatched: Vec<(Id, Id)>,
}

impl Claims {
    /// Claimed pods of each set: owned and adoptable.
    pub fn by_set(&self) -> FxHashMap<Id, Vec<Id>> {
        let mut m: FxHashMap<Id, Vec<Id>> = FxHashMap::default();
        for &(s, p) in self.owned.iter().chain(&self.adoptable) {
            m.entry(s).or_default().push(p);
        }
        m
    }
}

/// Compute [`Claims`] for every ReplicaSet and ReplicationController.
pub fn claims(f: &Facts) -> Claims {
    let mut out = Claims::default();
    let sets: FxHashMap<Id, usize> = f.pod_sets.iter().enumerate().map(|(i, s)| (s.id, i)).collect();
    let candidates = SetIndex::new(f);
    for pod in &f.pods {
        if !pod.active() {
            continue;
        }
        match pod.controller {
            Some(owner) => {
                if let Some(&i) = sets.get(&owner) {
                    let set = &f.pod_sets[i];
                    let pair = (set.id, pod.id);
                    if !set.selector.is_empty() && set.selector.matches(&pod.labels) {
                        out.owned.push(pair);
                    } else {
                        out.mismatched.push(pair);
                    }
                }
            }
            None if !pod.has_controller_ref => {
                for i in candidates.for_pod(pod) {
                    let set = &f.pod_sets[i];
                    if !set.deleting && !set.selector.is_empty() && set.selector.matches(&pod.labels) {
                        out.adoptable.push((set.id, pod.id));
                    }
                }
            }
            None => {}
        }
    }
    out.owned.sort_unstable();
    out.adoptable.sort_unstable();
    out.mismatched.sort_unstable();
    out
}

/// The pod sets an orphan pod may match, without trying every set of its namespace: each set
/// is filed under one label its selector requires (`key In (value)`, what `matchLabels` gives),
/// so a pod only meets the sets filed under one of its own labels, plus the few sets whose
/// selectors require no single label value. Candidates still go through the full match.
struct SetIndex<'f> {
    /// (namespace, key, value) → sets requiring that label.
    by_label: FxHashMap<(&'f str, &'f str, &'f str), Vec<usize>>,
    /// namespace → sets with no single-valued `In` requirement.
    unfiled: FxHashMap<&'f str, Vec<usize>>,
}

impl<'f> SetIndex<'f> {
    fn new(f: &'f Facts) -> SetIndex<'f> {
        let mut index = SetIndex { by_label: FxHashMap::default(), unfiled: FxHashMap::default() };
        for (i, s) in f.pod_sets.iter().enumerate() {
            let required = s.selector.reqs.iter().find(|r| r.op == Op::In && r.values.len() == 1);
            match required {
                Some(r) => index.by_label.entry((&s.ns, &r.key, &r.values[0])).or_default().push(i),
                None => index.unfiled.entry(&s.ns).or_default().push(i),
            }
        }
        index
    }

    fn for_pod<'a>(&'a self, pod: &'a PodF) -> impl Iterator<Item = usize> + 'a {
        let ns = pod.ns.as_str();
        let filed =
            pod.labels.iter().filter_map(move |(k, v)| self.by_label.get(&(ns, k.as_str(), v.as_str())));
        filed.chain(self.unfiled.get(ns)).flatten().copied()
    }
}

/// Rank of each claimed pod in deletion order, 0 deleted first (upstream `getPodsToDelete`:
/// pods ranked by `ActivePodsWithRanks`, where a pod's rank is the number of active pods of
/// related sets — sets with the same controlling owner — on its node).
pub fn deletion_ranks(f: &Facts, claimed: &FxHashMap<Id, Vec<Id>>) -> Vec<(Id, Id, i64)> {
    let pod_index: FxHashMap<Id, &PodF> = f.pods.iter().map(|p| (p.id, p)).collect();
    let set_owner: FxHashMap<Id, Option<Id>> = f.pod_sets.iter().map(|s| (s.id, s.controller)).collect();
    // Active pods on each node per "family" (the sets' shared owner, or the set itself).
    let family = |set: Id| set_owner.get(&set).copied().flatten().map_or((set, false), |o| (o, true));
    let mut on_node: FxHashMap<((Id, bool), u32), i64> = FxHashMap::default();
    for (&set, pods) in claimed {
        for p in pods {
            if let Some(node) = pod_index[p].node {
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
            .map(|p| {
                let pod = pod_index[p];
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

/// Status counts of every pod set from its claimed pods (upstream `calculateStatus`).
pub fn set_status(f: &Facts, claimed: &FxHashMap<Id, Vec<Id>>) -> Vec<(Id, SetStatus)> {
    let pod_index: FxHashMap<Id, &PodF> = f.pods.iter().map(|p| (p.id, p)).collect();
    f.pod_sets
        .iter()
        .map(|s| {
            let pods = claimed.get(&s.id).map(Vec::as_slice).unwrap_or(&[]);
            let pods = pods.iter().map(|p| pod_index[p]);
            let mut st = SetStatus { observed_generation: s.generation, ..SetStatus::default() };
            for p in pods {
                st.replicas += 1;
                if s.template_labels.iter().all(|l| p.labels.contains(l)) {
                    st.fully_labeled += 1;
                }
                if p.ready {
                    st.ready += 1;
                }
                if p.available(s.min_ready, f.now) {
                    st.available += 1;
                }
            }
            (s.id, st)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::{Knobs, Phase};

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
            uid: format!("uid-{name}"),
            deletion_cost: 0,
        }
    }

    /// An orphan is offered to every set of its namespace whose selector matches it, whether
    /// the selector requires a single label value (indexed) or not (scanned).
    #[test]
    fn orphans_meet_every_matching_set_of_their_namespace() {
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
        let mut names: Vec<&str> =
            claims(&f).adoptable.iter().map(|&(s, _)| f.key(s).name.as_str()).collect();
        names.sort_unstable();
        assert_eq!(names, ["both", "by-app", "by-tier", "exists"]);
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
