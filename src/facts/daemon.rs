//! DaemonSet facts (upstream `pkg/controller/daemon`, `util/daemonset_util.go`): what the
//! DaemonSet controller's rules read, and the aggregations crepe cannot express.
//!
//! - Each DaemonSet's update strategy, history limit and the *daemon pod* it would create on a
//!   node (`NewPod`: its template with the default DaemonSet tolerations), whose nodeName,
//!   nodeSelector, required node affinity and tolerations `NodeShouldRunDaemonPod` checks.
//! - `getNodesToDaemonPods`: the claimed pods of a DaemonSet grouped by the node they run on or
//!   are pinned to, each group ordered by `podByCreationTimestampAndPhase`, with the counts,
//!   ranks and chains the rules walk (node names in name order, pods in node order).
//! - `updateDaemonSetStatus`'s counts, the failed-pod back-off read back from the
//!   `FailedDaemonPod` Events, and the history numbers `constructHistory` and `cleanupHistory`
//!   compare.
//!
//! Upstream iterates Go maps in two places where the order matters (the rolling update's
//! nodes and the nodes that need pods, when more than `BurstReplicas` do): here nodes are
//! always taken in node-name order.

use super::history::{History, RevisionF, REVISION_LABEL};
use super::node_selector::{self, RequiredAffinity, NAME_FIELD};
use super::{
    effect_code, Facts, Id, Interner, Phase, Sym, Toleration, WorkloadF, TAINT_DISK_PRESSURE,
    TAINT_MEMORY_PRESSURE, TAINT_NETWORK_UNAVAILABLE, TAINT_NOT_READY, TAINT_PID_PRESSURE, TAINT_UNREACHABLE,
    TAINT_UNSCHEDULABLE,
};
use crate::correlator;
use crate::model::{self, ObjKey};
use crate::validate::IntOrPercent;
use rustc_hash::{FxHashMap, FxHashSet};
use serde_json::{json, Value};

/// `spec.revisionHistoryLimit` when unset.
pub const REVISION_HISTORY_LIMIT: i64 = 10;
/// The DaemonSet annotation whose value new pods carry as [`POD_TEMPLATE_GENERATION`].
pub const TEMPLATE_GENERATION: &str = "deprecated.daemonset.template.generation";
pub const POD_TEMPLATE_GENERATION: &str = "pod-template-generation";
/// The back-off of deleting failed daemon pods on one node: 1 s doubling up to 15 min
/// (kube-controller-manager's `failedPodsBackoff`); an entry unused for twice the maximum
/// starts over.
pub const BACKOFF_INITIAL: i64 = 1;
pub const BACKOFF_MAX: i64 = 15 * 60;
/// The Event the controller records before deleting a failed daemon pod.
pub const FAILED_DAEMON_POD: &str = "FailedDaemonPod";

/// The step's interned strings, extended with the strings only a DaemonSet mentions (a
/// nodeSelector value no node carries, a node an affinity names): equal strings get equal
/// symbols, new ones symbols beyond the interner's.
pub struct Symbols<'f> {
    base: &'f Interner,
    extra: FxHashMap<String, Sym>,
    /// The strings of the extra symbols, in symbol order.
    names: Vec<String>,
}

impl<'f> Symbols<'f> {
    pub fn new(base: &'f Interner) -> Symbols<'f> {
        Symbols { base, extra: FxHashMap::default(), names: Vec::new() }
    }

    pub fn sym(&mut self, s: &str) -> Sym {
        if let Some(sym) = self.base.get(s) {
            return sym;
        }
        if let Some(&sym) = self.extra.get(s) {
            return sym;
        }
        let sym = (self.base.strings.len() + self.names.len()) as Sym;
        self.extra.insert(s.to_string(), sym);
        self.names.push(s.to_string());
        sym
    }

    /// The symbol of `s`, if the step's interner or this table has handed one out.
    pub fn get(&self, s: &str) -> Option<Sym> {
        self.base.get(s).or_else(|| self.extra.get(s).copied())
    }

    /// The string of a symbol this table (or the step's interner) handed out.
    pub fn resolve(&self, sym: Sym) -> &str {
        let base = self.base.strings.len();
        match (sym as usize).checked_sub(base) {
            None => self.base.resolve(sym),
            Some(i) => self.names.get(i).map_or("", String::as_str),
        }
    }
}

/// `spec.updateStrategy`, defaulted as the API server does (RollingUpdate, maxUnavailable 1,
/// maxSurge 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct UpdateStrategy {
    pub rolling: bool,
    pub max_surge: IntOrPercent,
    pub max_unavailable: IntOrPercent,
}

impl UpdateStrategy {
    /// `SurgeCount` / `UnavailableCount` for `desired` nodes (both round up; OnDelete has
    /// neither).
    pub fn scaled(self, desired: i64) -> (i64, i64) {
        if !self.rolling {
            return (0, 0);
        }
        (self.max_surge.scaled(desired, true), self.max_unavailable.scaled(desired, true))
    }

    /// `AllowsSurge`: surge scaled for one node is positive.
    pub fn allows_surge(self) -> bool {
        self.scaled(1).0 > 0
    }
}

/// The status the controller writes (`storeDaemonSetStatus`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DaemonStatus {
    pub desired: i64,
    pub current: i64,
    pub misscheduled: i64,
    pub ready: i64,
    pub updated: i64,
    pub available: i64,
    pub unavailable: i64,
    pub observed_generation: i64,
}

/// What `NodeShouldRunDaemonPod` reads from the pod a DaemonSet would create (`NewPod`).
#[derive(Clone, Debug, Default)]
pub struct DaemonPodShape {
    /// `spec.nodeName` of the template.
    pub node_name: Option<Sym>,
    pub node_selector: Vec<(Sym, Sym)>,
    /// `requiredDuringSchedulingIgnoredDuringExecution` (terms ORed, requirements ANDed).
    pub affinity: Option<RequiredAffinity>,
    /// The template's tolerations and the DaemonSet defaults.
    pub tolerations: Vec<Toleration>,
}

/// A DaemonSet the controller syncs (not being deleted, with a non-empty selector).
#[derive(Clone, Debug)]
pub struct DaemonSetF {
    pub id: Id,
    pub strategy: UpdateStrategy,
    pub history_limit: i64,
    pub collision_count: i64,
    /// The `deprecated.daemonset.template.generation` annotation.
    pub template_generation: Option<String>,
    pub observed: DaemonStatus,
    pub shape: DaemonPodShape,
}

/// The DaemonSets to sync, in key order.
pub fn daemon_sets(f: &Facts, syms: &mut Symbols) -> Vec<DaemonSetF> {
    f.workloads_of(super::WorkloadKind::DaemonSet)
        .filter(|w| !w.deleting && !w.selector.is_empty())
        .map(|w| daemon_set(f, w, syms))
        .collect()
}

fn daemon_set(f: &Facts, w: &WorkloadF, syms: &mut Symbols) -> DaemonSetF {
    let obj = f.raw(w.id);
    let strategy_type = model::str_at(obj, &["spec", "updateStrategy", "type"]);
    let rolling_update = model::at(obj, &["spec", "updateStrategy", "rollingUpdate"]);
    let int_or_percent = |field: &str, default: IntOrPercent| {
        rolling_update.and_then(|r| r.get(field)).and_then(IntOrPercent::parse).unwrap_or(default)
    };
    let st = |k: &str| model::i64_at(obj, &["status", k]).unwrap_or(0);
    let template = model::at(obj, &["spec", "template"]).unwrap_or(&Value::Null);
    DaemonSetF {
        id: w.id,
        strategy: UpdateStrategy {
            rolling: strategy_type != "OnDelete",
            max_surge: int_or_percent("maxSurge", IntOrPercent::Int(0)),
            max_unavailable: int_or_percent("maxUnavailable", IntOrPercent::Int(1)),
        },
        history_limit: model::i64_at(obj, &["spec", "revisionHistoryLimit"])
            .unwrap_or(REVISION_HISTORY_LIMIT),
        collision_count: st("collisionCount"),
        template_generation: model::annotation(obj, TEMPLATE_GENERATION).map(str::to_string),
        observed: DaemonStatus {
            desired: st("desiredNumberScheduled"),
            current: st("currentNumberScheduled"),
            misscheduled: st("numberMisscheduled"),
            ready: st("numberReady"),
            updated: st("updatedNumberScheduled"),
            available: st("numberAvailable"),
            unavailable: st("numberUnavailable"),
            observed_generation: st("observedGeneration"),
        },
        shape: pod_shape(template, syms),
    }
}

/// The scheduling-relevant part of `NewPod(ds, node)` for a DaemonSet's pod template: its
/// spec with the default DaemonSet tolerations.
pub fn pod_shape(template: &Value, syms: &mut Symbols) -> DaemonPodShape {
    let spec = model::at(template, &["spec"]).unwrap_or(&Value::Null);
    let node_name = Some(model::str_at(spec, &["nodeName"])).filter(|n| !n.is_empty()).map(|n| syms.sym(n));
    let mut node_selector: Vec<(Sym, Sym)> =
        model::string_map(spec, &["nodeSelector"]).iter().map(|(k, v)| (syms.sym(k), syms.sym(v))).collect();
    node_selector.sort_unstable();
    let tolerations = daemon_pod_tolerations(spec).iter().filter_map(|t| toleration(t, syms)).collect();
    let affinity = node_selector::required_affinity(template, &mut |s| syms.sym(s));
    DaemonPodShape { node_name, node_selector, affinity, tolerations }
}

/// A toleration as the rules compare it; `None` for an operator upstream does not know (it
/// tolerates nothing).
fn toleration(t: &Value, syms: &mut Symbols) -> Option<Toleration> {
    let exists = match model::str_at(t, &["operator"]) {
        "Exists" => true,
        "" | "Equal" => false,
        _ => return None,
    };
    Some(Toleration {
        key: syms.sym(model::str_at(t, &["key"])),
        exists,
        value: syms.sym(model::str_at(t, &["value"])),
        effect: effect_code(model::str_at(t, &["effect"])),
        seconds: model::i64_at(t, &["tolerationSeconds"]),
    })
}

/// `AddOrUpdateDaemonPodTolerations`: the template's tolerations, each default one
/// (`Exists`, no toleration seconds) replacing a toleration of the same key, operator, value
/// and effect or appended: not-ready and unreachable NoExecute; disk-pressure,
/// memory-pressure, pid-pressure and unschedulable NoSchedule; network-unavailable
/// NoSchedule for pods on the host network.
pub fn daemon_pod_tolerations(spec: &Value) -> Vec<Value> {
    let mut defaults = vec![
        (TAINT_NOT_READY, "NoExecute"),
        (TAINT_UNREACHABLE, "NoExecute"),
        (TAINT_DISK_PRESSURE, "NoSchedule"),
        (TAINT_MEMORY_PRESSURE, "NoSchedule"),
        (TAINT_PID_PRESSURE, "NoSchedule"),
        (TAINT_UNSCHEDULABLE, "NoSchedule"),
    ];
    if model::at(spec, &["hostNetwork"]).and_then(Value::as_bool) == Some(true) {
        defaults.push((TAINT_NETWORK_UNAVAILABLE, "NoSchedule"));
    }
    let mut list: Vec<Value> =
        model::at(spec, &["tolerations"]).and_then(Value::as_array).cloned().unwrap_or_default();
    for (key, effect) in defaults {
        let default = json!({"key": key, "operator": "Exists", "effect": effect});
        // upstream `MatchToleration`: same key, operator, value and effect.
        let same = |t: &Value| {
            model::str_at(t, &["key"]) == key
                && model::str_at(t, &["operator"]) == "Exists"
                && model::str_at(t, &["value"]).is_empty()
                && model::str_at(t, &["effect"]) == effect
        };
        match list.iter().position(same) {
            Some(i) => list[i] = default,
            None => list.push(default),
        }
    }
    list
}

/// `ReplaceDaemonSetPodNodeNameNodeAffinity`: the pod's required node affinity becomes one
/// term, `metadata.name In [node]`; preferred terms and other affinities are kept.
pub fn pin_to_node(pod: &mut Value, node: &str) {
    let required = json!({"nodeSelectorTerms": [{"matchFields": [
        {"key": NAME_FIELD, "operator": "In", "values": [node]},
    ]}]});
    model::obj_mut(pod, &["spec", "affinity", "nodeAffinity"])
        .insert("requiredDuringSchedulingIgnoredDuringExecution".into(), required);
}

/// `GetTargetNodeName`: the node a daemon pod runs on, or for an unscheduled one the node
/// its `metadata.name In [node]` affinity term names.
pub fn target_node(pod: &Value) -> Option<&str> {
    let bound = model::str_at(pod, &["spec", "nodeName"]);
    if !bound.is_empty() {
        return Some(bound);
    }
    let terms = model::at(
        pod,
        &[
            "spec",
            "affinity",
            "nodeAffinity",
            "requiredDuringSchedulingIgnoredDuringExecution",
            "nodeSelectorTerms",
        ],
    )?
    .as_array()?;
    for term in terms {
        for r in term.get("matchFields").and_then(Value::as_array).into_iter().flatten() {
            if model::str_at(r, &["key"]) == NAME_FIELD && model::str_at(r, &["operator"]) == "In" {
                let values = r.get("values").and_then(Value::as_array)?;
                return match values.as_slice() {
                    [one] => one.as_str(),
                    _ => None,
                };
            }
        }
    }
    None
}

/// A claimed pod of a DaemonSet, as the sync reads it.
#[derive(Clone, Debug)]
pub struct DaemonPod {
    pub id: Id,
    /// The node it runs on or is pinned to.
    pub node: Sym,
    pub node_name: String,
    /// `spec.nodeName` is set.
    pub scheduled: bool,
    pub created: i64,
    pub phase: Phase,
    pub deleting: bool,
    pub ready: bool,
    /// Ready for the DaemonSet's minReadySeconds.
    pub available: bool,
    /// `controller-revision-hash` equals the current hash.
    pub hash_matches: bool,
    /// `IsPodUpdated`: the hash matches, or `pod-template-generation` equals the DaemonSet's
    /// template generation.
    pub updated: bool,
}

impl DaemonPod {
    /// Not Failed, not Succeeded, not being deleted: `daemonPodsRunning` in the manage loop.
    pub fn running(&self) -> bool {
        !self.deleting && !matches!(self.phase, Phase::Failed | Phase::Succeeded)
    }
}

/// `getNodesToDaemonPods` of one DaemonSet: its claimed pods that have a target node, without
/// the terminal pods already being deleted, ordered by node name and within a node by
/// `podByCreationTimestampAndPhase` (scheduled first, then older, then by name).
pub fn nodes_to_daemon_pods(
    f: &Facts,
    ds: &DaemonSetF,
    claimed: &[Id],
    hash: &str,
    syms: &mut Symbols,
) -> Vec<DaemonPod> {
    let min_ready = f.workload(ds.id).map_or(0, |w| w.min_ready);
    let mut out: Vec<DaemonPod> = Vec::with_capacity(claimed.len());
    for p in claimed.iter().filter_map(|&id| f.pod(id)) {
        let terminal = matches!(p.phase, Phase::Failed | Phase::Succeeded);
        if terminal && p.deleting {
            continue;
        }
        let raw = f.raw(p.id);
        let Some(node_name) = target_node(raw) else { continue };
        let label = |k: &str| p.labels.iter().find(|(lk, _)| lk == k).map(|(_, v)| v.as_str());
        let hash_matches = !hash.is_empty() && label(REVISION_LABEL) == Some(hash);
        let generation_matches =
            ds.template_generation.as_deref().is_some_and(|g| label(POD_TEMPLATE_GENERATION) == Some(g));
        out.push(DaemonPod {
            id: p.id,
            node: syms.sym(node_name),
            node_name: node_name.to_string(),
            scheduled: p.node.is_some(),
            created: p.created,
            phase: p.phase,
            deleting: p.deleting,
            ready: p.ready,
            available: p.available(min_ready, f.now),
            hash_matches,
            updated: hash_matches || generation_matches,
        });
    }
    out.sort_by(|a, b| {
        (&a.node_name, !a.scheduled, a.created, &f.key(a.id).name).cmp(&(
            &b.node_name,
            !b.scheduled,
            b.created,
            &f.key(b.id).name,
        ))
    });
    out
}

/// The pods of one node in a sorted [`nodes_to_daemon_pods`] list, node by node.
pub fn by_node(pods: &[DaemonPod]) -> impl Iterator<Item = &[DaemonPod]> {
    pods.chunk_by(|a, b| a.node == b.node)
}

/// `updateDaemonSetStatus`: over existing nodes, those that should run a daemon pod count as
/// desired, scheduled when they have pods, and their oldest pod decides ready, available and
/// updated; nodes that should not run one but have pods are misscheduled.
pub fn status(
    generation: i64,
    nodes: &[Sym],
    should_run: &FxHashSet<Sym>,
    pods: &[DaemonPod],
) -> DaemonStatus {
    let oldest: FxHashMap<Sym, &DaemonPod> = by_node(pods).map(|group| (group[0].node, &group[0])).collect();
    let mut st = DaemonStatus { observed_generation: generation, ..DaemonStatus::default() };
    for n in nodes {
        match (should_run.contains(n), oldest.get(n)) {
            (true, None) => st.desired += 1,
            (true, Some(p)) => {
                st.desired += 1;
                st.current += 1;
                st.ready += i64::from(p.ready);
                st.available += i64::from(p.ready && p.available);
                st.updated += i64::from(p.updated);
            }
            (false, Some(_)) => st.misscheduled += 1,
            (false, None) => {}
        }
    }
    st.unavailable = st.desired - st.available;
    st
}

/// Node names in name order, as (name, next) links ending at [`END_OF_NODES`]: every existing
/// node and every node a daemon pod targets. The rules walk it wherever upstream walks a map
/// of nodes and counts as it goes.
pub fn node_chain(f: &Facts, pods: &[DaemonPod]) -> (Option<Sym>, Vec<(Sym, Sym)>) {
    let mut names: Vec<(&str, Sym)> = f.nodes.iter().map(|n| (f.syms.resolve(n.name), n.name)).collect();
    names.extend(pods.iter().map(|p| (p.node_name.as_str(), p.node)));
    names.sort_unstable();
    names.dedup();
    let mut links: Vec<(Sym, Sym)> = names.windows(2).map(|w| (w[0].1, w[1].1)).collect();
    links.extend(names.last().map(|&(_, s)| (s, END_OF_NODES)));
    (names.first().map(|&(_, s)| s), links)
}

/// The symbol after the last node of [`node_chain`]: a walk standing there has counted every
/// node.
pub const END_OF_NODES: Sym = Sym::MAX;

/// When the back-off on deleting failed daemon pods ends on each node, for the nodes still in
/// back-off at `now` (key `<uid>/<node>`): rebuilt from the `FailedDaemonPod` Events the
/// controller recorded on the DaemonSet, each one a deletion that advanced the back-off
/// (1 s, doubling to 15 min; an entry unused for 30 min starts over). Upstream keys the
/// back-off on the DaemonSet's observedGeneration too, and keeps it in memory; Events keep
/// only the node, so here a new generation does not reset it.
///
/// Once ten of them came within ten minutes the event correlator folds the next ones into one
/// aggregate Event (`(combined from similar events): `, [`correlator`]) that names only the
/// latest pod's node: its `count` deletions are taken to be that node's, from its
/// `firstTimestamp` to its `lastTimestamp` — exact for the common case of one node whose
/// daemon pod keeps failing.
pub fn failed_pod_backoff(f: &Facts, ds: Id, now: i64) -> FxHashMap<String, i64> {
    let key = f.key(ds);
    let uid = model::uid(f.raw(ds));
    let prefix = format!("{}.", key.name);
    // (node, last deletion, first deletion, deletions)
    let mut deletions: Vec<(String, i64, i64, i64)> = crate::event::named(f.events, &key.namespace, &prefix)
        .map(|(_, e)| e)
        .filter(|e| e.reason() == FAILED_DAEMON_POD && e.involved("uid") == uid)
        .filter_map(|e| {
            let node = failed_pod_node(correlator::original_message(e.message()))?;
            let last = e.last_time()?;
            if !correlator::is_combined(e) {
                return Some((node.to_string(), last, last, 1));
            }
            let first = e.first_time().unwrap_or(last).min(last);
            Some((node.to_string(), last, first, e.count().unwrap_or(1).max(1)))
        })
        .collect();
    deletions.sort();
    let mut out: FxHashMap<String, i64> = FxHashMap::default();
    for group in deletions.chunk_by(|a, b| a.0 == b.0) {
        let (mut last, mut backoff) = (i64::MIN, 0);
        for &(_, t, first, n) in group {
            // Past 11 doublings the back-off is at its maximum.
            for i in 0..n.min(16) {
                backoff = if last == i64::MIN || (i == 0 && first - last > 2 * BACKOFF_MAX) {
                    BACKOFF_INITIAL
                } else {
                    (backoff * 2).min(BACKOFF_MAX)
                };
                last = last.max(first);
            }
            last = t;
        }
        if now - last < backoff {
            out.insert(group[0].0.clone(), last + backoff);
        }
    }
    out
}

/// The message of a `FailedDaemonPod` Event.
pub fn failed_pod_message(pod: &ObjKey, node: &str) -> String {
    format!("Found failed daemon pod {}/{} on node {node}, will try to kill it", pod.namespace, pod.name)
}

/// The node a [`failed_pod_message`] names.
fn failed_pod_node(message: &str) -> Option<&str> {
    message.split_once(" on node ")?.1.strip_suffix(", will try to kill it")
}

/// The revision numbers `constructHistory` and `cleanupHistory` compare, for one DaemonSet.
#[derive(Clone, Debug, Default)]
pub struct HistoryNumbers {
    /// `maxRevision(old)`: the largest number among revisions not equal to the template.
    pub max_old: i64,
    /// Revisions equal to the template, the one `dedupCurHistories` keeps first (highest
    /// number; on a tie the later one in upstream's order).
    pub current: Vec<Id>,
    /// Revisions not equal to the template that no pod's hash names, lowest number first:
    /// the ones `cleanupHistory` may delete.
    pub cleanable: Vec<Id>,
    /// How many revisions are not equal to the template.
    pub old: i64,
}

/// [`HistoryNumbers`] of a DaemonSet's history; `live` holds the hashes its pods carry
/// (terminal pods being deleted included).
pub fn history_numbers(h: &History, f: &Facts, live: &FxHashSet<String>) -> HistoryNumbers {
    let mut out = HistoryNumbers::default();
    // Latest in upstream's order first, then (a stable sort) the highest number first.
    let mut current: Vec<&RevisionF> = h.revisions.iter().rev().filter(|r| r.current).collect();
    current.sort_by_key(|r| std::cmp::Reverse(r.revision));
    out.current = current.iter().map(|r| r.id).collect();
    for r in h.revisions.iter().filter(|r| !r.current) {
        out.old += 1;
        out.max_old = out.max_old.max(r.revision);
        if !live.contains(revision_hash_label(f.raw(r.id))) {
            out.cleanable.push(r.id);
        }
    }
    out
}

/// The `controller-revision-hash` label of a revision; upstream labels a revision without one
/// with its name.
pub fn revision_hash_label(rev: &Value) -> &str {
    match model::at(rev, &["metadata", "labels", REVISION_LABEL]).and_then(Value::as_str) {
        Some(h) => h,
        None => model::name(rev),
    }
}
