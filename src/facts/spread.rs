//! PodTopologySpread's facts (upstream `framework/plugins/podtopologyspread`): each pending
//! pod's spread constraints as the plugin reads them (`filterTopologySpreadConstraints`, and the
//! system defaults `buildDefaultConstraints` gives a pod that declares none), and the counts
//! crepe cannot make: how many pods a constraint's selector matches on each node, kept current
//! as the scheduler places pods within a step.
//!
//! Pods are grouped by (namespace, labels): a selector is matched once per group, not once per
//! pod, and the groups are indexed by label so a selector with a `key=value` requirement only
//! looks at the groups carrying that label.

use super::{Facts, Id, Phase, PodF, Sym, WorkloadKind};
use crate::model::{self, ObjKey};
use crate::selector::{Op, Requirement, Selector};
use rustc_hash::FxHashMap;
use serde_json::Value;

/// `v1.LabelHostname` and `v1.LabelTopologyZone`, the system default constraints' keys.
pub const HOSTNAME: &str = "kubernetes.io/hostname";
pub const ZONE: &str = "topology.kubernetes.io/zone";

/// One topology spread constraint of a pod, resolved as the plugin resolves it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Constraint {
    /// `whenUnsatisfiable: DoNotSchedule` (a filter); otherwise ScheduleAnyway (a score).
    pub hard: bool,
    /// `topologyKey`, interned (`u32::MAX` when no node carries it).
    pub key: Sym,
    pub hostname: bool,
    pub max_skew: i64,
    /// `minDomains` (1 when unset).
    pub min_domains: i64,
    /// `nodeAffinityPolicy` Honor (the default) and `nodeTaintsPolicy` Honor (default Ignore).
    pub honor_affinity: bool,
    pub honor_taints: bool,
    /// The label selector with `matchLabelKeys` merged in; `None` (no `labelSelector`) matches
    /// nothing, as `LabelSelectorAsSelector(nil)` does.
    pub selector: Option<Selector>,
    /// The incoming pod matches its own selector (it counts in the domain it lands in).
    pub self_match: bool,
}

/// A pending pod's constraints, for the pods of its namespace.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Spread {
    pub ns: String,
    pub constraints: Vec<Constraint>,
    /// The constraints are the system defaults: nodes lacking a key are still scored (upstream
    /// `requireAllTopologies` is false).
    pub system_default: bool,
}

impl Spread {
    pub fn hard(&self) -> impl Iterator<Item = (usize, &Constraint)> {
        self.constraints.iter().enumerate().filter(|(_, c)| c.hard)
    }

    pub fn soft(&self) -> impl Iterator<Item = (usize, &Constraint)> {
        self.constraints.iter().enumerate().filter(|(_, c)| !c.hard)
    }
}

/// The selectors of the Services of each namespace (a Service without `spec.selector` selects
/// nothing and is left out).
pub struct Services {
    by_ns: FxHashMap<String, Vec<Vec<(String, String)>>>,
}

impl Services {
    pub fn new(f: &Facts) -> Services {
        let mut by_ns: FxHashMap<String, Vec<Vec<(String, String)>>> = FxHashMap::default();
        for (key, svc) in f.store.range(ObjKey::new("Service", "", "")..ObjKey::new("Service\0", "", "")) {
            let Some(sel) = model::at(svc, &["spec", "selector"]).and_then(Value::as_object) else {
                continue;
            };
            let mut pairs: Vec<(String, String)> =
                sel.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))).collect();
            pairs.sort();
            by_ns.entry(key.namespace.clone()).or_default().push(pairs);
        }
        Services { by_ns }
    }
}

fn has_label(labels: &[(String, String)], key: &str, value: &str) -> bool {
    labels.iter().any(|(k, v)| k == key && v == value)
}

/// Upstream `helper.DefaultSelector`: the labels every Service of the pod's namespace that
/// selects it asks for, plus the selector of its controller when that is a
/// ReplicationController, ReplicaSet or StatefulSet.
pub fn default_selector(f: &Facts, services: &Services, p: &PodF) -> Selector {
    let mut reqs: Vec<Requirement> = Vec::new();
    let mut add = |r: Requirement| {
        if !reqs.contains(&r) {
            reqs.push(r);
        }
    };
    for sel in services.by_ns.get(&p.ns).into_iter().flatten() {
        if sel.iter().all(|(k, v)| has_label(&p.labels, k, v)) {
            for (k, v) in sel {
                add(Requirement { key: k.clone(), op: Op::In, values: vec![v.clone()] });
            }
        }
    }
    let owner = p.controller.and_then(|o| f.workload(o));
    if let Some(w) = owner.filter(|w| {
        matches!(
            w.kind,
            WorkloadKind::ReplicaSet | WorkloadKind::ReplicationController | WorkloadKind::StatefulSet
        )
    }) {
        for r in &w.selector.reqs {
            add(r.clone());
        }
    }
    reqs.sort();
    Selector { reqs }
}

/// The pod's constraints: its own `topologySpreadConstraints`, else the system defaults
/// (hostname maxSkew 3 and zone maxSkew 5, both ScheduleAnyway) over [`default_selector`];
/// `None` when it has neither.
pub fn pod_spread(f: &Facts, services: &Services, p: &PodF) -> Option<Spread> {
    let declared = model::at(f.raw(p.id), &["spec", "topologySpreadConstraints"])
        .and_then(Value::as_array)
        .filter(|l| !l.is_empty());
    let sym = |k: &str| f.syms.get(k).unwrap_or(u32::MAX);
    let constraints: Vec<Constraint> = match declared {
        Some(list) => list.iter().filter_map(|c| declared_constraint(c, &p.labels, sym)).collect(),
        None => {
            let selector = default_selector(f, services, p);
            if selector.is_empty() {
                return None;
            }
            let self_match = selector.matches(&p.labels);
            [(HOSTNAME, 3), (ZONE, 5)]
                .into_iter()
                .map(|(key, max_skew)| Constraint {
                    hard: false,
                    key: sym(key),
                    hostname: key == HOSTNAME,
                    max_skew,
                    min_domains: 1,
                    honor_affinity: true,
                    honor_taints: false,
                    selector: Some(selector.clone()),
                    self_match,
                })
                .collect()
        }
    };
    (!constraints.is_empty()).then(|| Spread {
        ns: p.ns.clone(),
        constraints,
        system_default: declared.is_none(),
    })
}

/// One declared constraint (`None` when it cannot be read; validation refuses such pods).
fn declared_constraint(
    c: &Value,
    labels: &[(String, String)],
    sym: impl Fn(&str) -> Sym,
) -> Option<Constraint> {
    let key = c.get("topologyKey")?.as_str()?;
    let hard = match model::str_at(c, &["whenUnsatisfiable"]) {
        "DoNotSchedule" => true,
        "ScheduleAnyway" => false,
        _ => return None,
    };
    let mut selector = match c.get("labelSelector").filter(|s| !s.is_null()) {
        Some(s) => Some(Selector::from_label_selector(s).ok()?),
        None => None,
    };
    let match_keys = c.get("matchLabelKeys").and_then(Value::as_array).into_iter().flatten();
    let extra: Vec<Requirement> = match_keys
        .filter_map(Value::as_str)
        .filter_map(|k| labels.iter().find(|(lk, _)| lk == k))
        .map(|(k, v)| Requirement { key: k.clone(), op: Op::In, values: vec![v.clone()] })
        .collect();
    if !extra.is_empty() {
        let mut s = selector.unwrap_or_default();
        s.reqs.extend(extra);
        s.reqs.sort();
        s.reqs.dedup();
        selector = Some(s);
    }
    let self_match = selector.as_ref().is_some_and(|s| s.matches(labels));
    Some(Constraint {
        hard,
        key: sym(key),
        hostname: key == HOSTNAME,
        max_skew: model::i64_at(c, &["maxSkew"])?,
        min_domains: model::i64_at(c, &["minDomains"]).unwrap_or(1),
        honor_affinity: model::str_at(c, &["nodeAffinityPolicy"]) != "Ignore",
        honor_taints: model::str_at(c, &["nodeTaintsPolicy"]) == "Honor",
        selector,
        self_match,
    })
}

/// Pods by (namespace, labels) and the nodes they are on: bound pods that are neither
/// finished nor being deleted (upstream `countPodsMatchSelector` skips terminating pods), and
/// the pods the scheduler places within the step as it places them.
#[derive(Default)]
pub struct Groups {
    ids: FxHashMap<(String, Vec<(String, String)>), u32>,
    members: Vec<(String, Vec<(String, String)>)>,
    by_label: FxHashMap<(String, String), Vec<u32>>,
    /// Per group: (node index, pods) entries, summed when read.
    on_nodes: Vec<Vec<(usize, i64)>>,
    /// The group of each pending pod.
    pending: FxHashMap<Id, u32>,
}

impl Groups {
    /// The groups of the pods bound to `nodes` (by name → node index) and of `pending`.
    pub fn new(f: &Facts, node_index: &FxHashMap<Sym, usize>, pending: impl Iterator<Item = Id>) -> Groups {
        let mut g = Groups::default();
        for p in &f.pods {
            let Some(&i) = p.node.and_then(|n| node_index.get(&n)) else { continue };
            if p.deleting || matches!(p.phase, Phase::Succeeded | Phase::Failed) {
                continue;
            }
            let id = g.group(p);
            g.on_nodes[id as usize].push((i, 1));
        }
        for pod in pending {
            if let Some(p) = f.pod(pod) {
                let id = g.group(p);
                g.pending.insert(pod, id);
            }
        }
        g
    }

    fn group(&mut self, p: &PodF) -> u32 {
        let mut labels = p.labels.clone();
        labels.sort();
        let key = (p.ns.clone(), labels);
        if let Some(&id) = self.ids.get(&key) {
            return id;
        }
        let id = self.members.len() as u32;
        for l in &key.1 {
            self.by_label.entry(l.clone()).or_default().push(id);
        }
        self.members.push(key.clone());
        self.on_nodes.push(Vec::new());
        self.ids.insert(key, id);
        id
    }

    /// A pending pod placed on node `node` within the step.
    pub fn place(&mut self, pod: Id, node: usize) {
        if let Some(&g) = self.pending.get(&pod) {
            self.on_nodes[g as usize].push((node, 1));
        }
    }

    /// Pods of namespace `ns` that `selector` matches, per node index (nodes without any left
    /// out).
    pub fn matching(&self, ns: &str, selector: Option<&Selector>) -> FxHashMap<usize, i64> {
        let mut out: FxHashMap<usize, i64> = FxHashMap::default();
        let Some(selector) = selector else { return out };
        let all: Vec<u32>;
        let candidates: &[u32] = match selector.equalities().next() {
            Some((k, v)) => self.by_label.get(&(k.to_string(), v.to_string())).map_or(&[], Vec::as_slice),
            None => {
                all = (0..self.members.len() as u32).collect();
                &all
            }
        };
        for &g in candidates {
            let (g_ns, labels) = &self.members[g as usize];
            if g_ns == ns && selector.matches(labels) {
                for &(node, n) in &self.on_nodes[g as usize] {
                    *out.entry(node).or_default() += n;
                }
            }
        }
        out
    }
}

/// `math.Log(size + 2)`: the weight of a soft constraint whose key has `size` domains among
/// the nodes scored (upstream `topologyNormalizingWeight`).
pub fn normalizing_weight(size: usize) -> f64 {
    ((size + 2) as f64).ln()
}

/// Upstream `scoreForCount`: `cnt * weight + (maxSkew - 1)`.
pub fn score_for_count(count: i64, max_skew: i64, weight: f64) -> f64 {
    count as f64 * weight + (max_skew - 1) as f64
}

/// One class's view of one constraint's domains, kept current as the class's pods are placed.
#[derive(Clone, Debug)]
pub struct Domains {
    /// The node's value for the topology key (`None`: the node lacks it), by node index.
    pub value: Vec<Option<Sym>>,
    /// Whether the node's pods count in its domain.
    pub counted: Vec<bool>,
    /// Matching pods per domain over the counted nodes; every counted node's domain is present.
    pub per_domain: FxHashMap<Sym, i64>,
    /// Matching pods on each node, counted or not (a soft hostname constraint scores these).
    pub per_node: Vec<i64>,
}

impl Domains {
    /// The domains of constraint `c` for pods of namespace `ns`: `counted(i)` says whether node
    /// `i`'s pods count.
    pub fn new(
        f: &Facts,
        ns: &str,
        c: &Constraint,
        groups: &Groups,
        counted: impl Fn(usize) -> bool,
    ) -> Domains {
        let matching = groups.matching(ns, c.selector.as_ref());
        let mut d = Domains {
            value: Vec::with_capacity(f.nodes.len()),
            counted: Vec::with_capacity(f.nodes.len()),
            per_domain: FxHashMap::default(),
            per_node: vec![0; f.nodes.len()],
        };
        for (i, n) in f.nodes.iter().enumerate() {
            let value = n.labels.iter().find(|(k, _)| *k == c.key).map(|&(_, v)| v);
            let pods = matching.get(&i).copied().unwrap_or(0);
            let counts = value.is_some() && counted(i);
            if let (true, Some(v)) = (counts, value) {
                *d.per_domain.entry(v).or_default() += pods;
            }
            d.per_node[i] = pods;
            d.value.push(value);
            d.counted.push(counts);
        }
        d
    }

    /// Matching pods in node `i`'s domain (0 for a domain no counted node is in).
    pub fn in_domain_of(&self, i: usize) -> i64 {
        self.value[i].and_then(|v| self.per_domain.get(&v)).copied().unwrap_or(0)
    }

    /// The global minimum of the filter: the fewest matching pods in a domain, or 0 when there
    /// are fewer domains than `min_domains` (upstream `minMatchNum`).
    pub fn global_min(&self, min_domains: i64) -> i64 {
        if (self.per_domain.len() as i64) < min_domains {
            return 0;
        }
        self.per_domain.values().copied().min().unwrap_or(0)
    }

    /// One more matching pod on node `i`.
    pub fn add(&mut self, i: usize) {
        self.per_node[i] += 1;
        if let (true, Some(v)) = (self.counted[i], self.value[i]) {
            *self.per_domain.entry(v).or_default() += 1;
        }
    }
}
