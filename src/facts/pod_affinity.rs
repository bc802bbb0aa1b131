//! InterPodAffinity's facts (upstream `framework/plugins/interpodaffinity`): a pod's
//! `affinity.podAffinity` / `podAntiAffinity` terms as the plugin reads them
//! (`framework.NewPodInfo`), and the counts per topology domain crepe cannot make — how many
//! pods, bound or placed earlier in the step, match a pending pod's terms in each domain, how
//! many existing pods' terms the pending pod matches, and the preferred terms' weights
//! (upstream `PreFilter` and `PreScore`).

use super::{Facts, PodF, Sym};
use crate::model::{self, ObjKey};
use crate::selector::{Op, Requirement, Selector};
use rustc_hash::FxHashMap;
use serde_json::Value;

/// The weight of an existing pod's required affinity term the incoming pod matches, in the
/// score (upstream `HardPodAffinityWeight`, 1 by default).
pub const HARD_POD_AFFINITY_WEIGHT: i64 = 1;

/// One `PodAffinityTerm`, resolved as `framework.AffinityTerm`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Term {
    /// `labelSelector` with `matchLabelKeys` / `mismatchLabelKeys` merged in; `None` (unset)
    /// matches no pod, as `LabelSelectorAsSelector(nil)` does.
    pub selector: Option<Selector>,
    /// `namespaces`, sorted; the pod's own namespace when neither `namespaces` nor
    /// `namespaceSelector` is set.
    pub namespaces: Vec<String>,
    /// `namespaceSelector`: the namespaces whose labels it matches (`{}` matches all).
    pub namespace_selector: Option<Selector>,
    pub topology_key: String,
}

impl Term {
    /// `AffinityTerm.Matches`: the pod is in one of the term's namespaces and its labels match.
    pub fn matches(&self, ns: &str, labels: &[(String, String)], namespaces: &NamespaceLabels) -> bool {
        let in_namespace = self.namespaces.iter().any(|n| n == ns)
            || self.namespace_selector.as_ref().is_some_and(|s| s.matches(namespaces.of(ns)));
        in_namespace && self.selector.as_ref().is_some_and(|s| s.matches(labels))
    }
}

/// A pod's inter-pod affinity: required and preferred (weight, term) affinity and
/// anti-affinity terms.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct PodAffinity {
    pub required: Vec<Term>,
    pub required_anti: Vec<Term>,
    pub preferred: Vec<(i64, Term)>,
    pub preferred_anti: Vec<(i64, Term)>,
}

/// The pod's `spec.affinity.podAffinity` and `podAntiAffinity`; `None` when it has no term.
pub fn pod_affinity(obj: &Value, ns: &str, labels: &[(String, String)]) -> Option<PodAffinity> {
    let affinity = model::at(obj, &["spec", "affinity"])?;
    let list = |kind: &str, when: &str| {
        model::at(affinity, &[kind, when]).and_then(Value::as_array).into_iter().flatten()
    };
    let required = |kind: &str| -> Vec<Term> {
        list(kind, "requiredDuringSchedulingIgnoredDuringExecution").map(|t| term(t, ns, labels)).collect()
    };
    let preferred = |kind: &str| -> Vec<(i64, Term)> {
        list(kind, "preferredDuringSchedulingIgnoredDuringExecution")
            .filter_map(|w| {
                Some((model::i64_at(w, &["weight"])?, term(w.get("podAffinityTerm")?, ns, labels)))
            })
            .collect()
    };
    let out = PodAffinity {
        required: required("podAffinity"),
        required_anti: required("podAntiAffinity"),
        preferred: preferred("podAffinity"),
        preferred_anti: preferred("podAntiAffinity"),
    };
    let empty = out.required.is_empty()
        && out.required_anti.is_empty()
        && out.preferred.is_empty()
        && out.preferred_anti.is_empty();
    (!empty).then_some(out)
}

/// One term of a pod of namespace `ns` with `labels`: the API server merges `matchLabelKeys`
/// (`key in (the pod's value)`) and `mismatchLabelKeys` (`key notin (…)`) into a set
/// `labelSelector`.
fn term(t: &Value, ns: &str, labels: &[(String, String)]) -> Term {
    let mut selector = t
        .get("labelSelector")
        .filter(|s| !s.is_null())
        .map(|s| Selector::from_label_selector(s).unwrap_or_else(|_| nothing()));
    if let Some(s) = selector.as_mut() {
        for (field, op) in [("matchLabelKeys", Op::In), ("mismatchLabelKeys", Op::NotIn)] {
            let keys = t.get(field).and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str);
            for (k, v) in keys.filter_map(|k| labels.iter().find(|(lk, _)| lk == k)) {
                s.reqs.push(Requirement { key: k.clone(), op, values: vec![v.clone()] });
            }
        }
        s.reqs.sort();
        s.reqs.dedup();
    }
    let mut namespaces: Vec<String> = t
        .get("namespaces")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect();
    let namespace_selector = t
        .get("namespaceSelector")
        .filter(|s| !s.is_null())
        .map(|s| Selector::from_label_selector(s).unwrap_or_else(|_| nothing()));
    if namespaces.is_empty() && namespace_selector.is_none() {
        namespaces.push(ns.to_string());
    }
    namespaces.sort();
    namespaces.dedup();
    Term {
        selector,
        namespaces,
        namespace_selector,
        topology_key: model::str_at(t, &["topologyKey"]).to_string(),
    }
}

/// A selector that matches no labels (one validation refuses; kept so a bad term never
/// matches everything).
fn nothing() -> Selector {
    Selector { reqs: vec![Requirement { key: String::new(), op: Op::Exists, values: Vec::new() }] }
}

/// The labels of every Namespace, for `namespaceSelector`.
#[derive(Default)]
pub struct NamespaceLabels {
    by_name: FxHashMap<String, Vec<(String, String)>>,
}

impl NamespaceLabels {
    pub fn new(f: &Facts) -> NamespaceLabels {
        let range = ObjKey::new("Namespace", "", "")..ObjKey::new("Namespace\0", "", "");
        let by_name = f.store.range(range).map(|(k, ns)| (k.name.clone(), model::labels(ns))).collect();
        NamespaceLabels { by_name }
    }

    pub fn of(&self, ns: &str) -> &[(String, String)] {
        self.by_name.get(ns).map_or(&[], Vec::as_slice)
    }
}

/// A (topology key, value) pair, both interned.
pub type Domain = (Sym, Sym);

/// What InterPodAffinity reads for one incoming pod, per topology domain: upstream
/// `preFilterState` (the three `topologyToMatchedTermCount`s) and `preScoreState`
/// (`topologyScore`). Only non-zero entries are kept.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct DomainCounts {
    /// Pods matching every required affinity term of the incoming pod, counted once per term
    /// in the term's domain of their node.
    pub affinity: FxHashMap<Domain, i64>,
    /// Pods matching a required anti-affinity term of the incoming pod, per term.
    pub anti_affinity: FxHashMap<Domain, i64>,
    /// Required anti-affinity terms of existing pods that the incoming pod matches.
    pub existing_anti_affinity: FxHashMap<Domain, i64>,
    /// The weights of the preferred terms (both ways) and of existing pods' required affinity
    /// terms ([`HARD_POD_AFFINITY_WEIGHT`]) that match, anti-affinity negative.
    pub score: FxHashMap<Domain, i64>,
    /// The incoming pod matches all of its own required affinity terms (upstream
    /// `podMatchesAllAffinityTerms(pod, pod's terms)`; false without terms).
    pub self_affine: bool,
}

/// The domain of node `node` (index into `f.nodes`) for `key`, when the node carries it.
fn domain_of(f: &Facts, node: usize, key: &str) -> Option<Domain> {
    let key = f.syms.get(key)?;
    f.nodes[node].labels.iter().find(|(k, _)| *k == key).copied()
}

fn add(map: &mut FxHashMap<Domain, i64>, domain: Option<Domain>, amount: i64) {
    if let Some(d) = domain.filter(|_| amount != 0) {
        let e = map.entry(d).or_default();
        *e += amount;
        if *e == 0 {
            map.remove(&d);
        }
    }
}

/// Upstream `podMatchesAllAffinityTerms`: there are terms and the pod matches every one.
fn matches_all(terms: &[Term], p: &PodF, namespaces: &NamespaceLabels) -> bool {
    !terms.is_empty() && terms.iter().all(|t| t.matches(&p.ns, &p.labels, namespaces))
}

/// The counts for `incoming` against `existing` pods (each with its node's index): bound pods
/// that have not finished (being deleted or not: the scheduler's cache keeps them until they
/// are gone) and the pods placed earlier in the step.
pub fn domain_counts(
    f: &Facts,
    namespaces: &NamespaceLabels,
    incoming: &PodF,
    existing: &[(&PodF, usize)],
) -> DomainCounts {
    let none = PodAffinity::default();
    let own = incoming.pod_affinity.as_deref().unwrap_or(&none);
    let mut out = DomainCounts {
        self_affine: matches_all(&own.required, incoming, namespaces),
        ..DomainCounts::default()
    };
    let matches_incoming = |t: &Term| t.matches(&incoming.ns, &incoming.labels, namespaces);
    for &(p, node) in existing {
        let matches_existing = |t: &Term| t.matches(&p.ns, &p.labels, namespaces);
        if matches_all(&own.required, p, namespaces) {
            for t in &own.required {
                add(&mut out.affinity, domain_of(f, node, &t.topology_key), 1);
            }
        }
        for t in own.required_anti.iter().filter(|t| matches_existing(t)) {
            add(&mut out.anti_affinity, domain_of(f, node, &t.topology_key), 1);
        }
        for (w, t) in own.preferred.iter().filter(|(_, t)| matches_existing(t)) {
            add(&mut out.score, domain_of(f, node, &t.topology_key), *w);
        }
        for (w, t) in own.preferred_anti.iter().filter(|(_, t)| matches_existing(t)) {
            add(&mut out.score, domain_of(f, node, &t.topology_key), -w);
        }
        let Some(theirs) = p.pod_affinity.as_deref() else { continue };
        for t in theirs.required_anti.iter().filter(|t| matches_incoming(t)) {
            add(&mut out.existing_anti_affinity, domain_of(f, node, &t.topology_key), 1);
        }
        for t in theirs.required.iter().filter(|t| matches_incoming(t)) {
            add(&mut out.score, domain_of(f, node, &t.topology_key), HARD_POD_AFFINITY_WEIGHT);
        }
        for (w, t) in theirs.preferred.iter().filter(|(_, t)| matches_incoming(t)) {
            add(&mut out.score, domain_of(f, node, &t.topology_key), *w);
        }
        for (w, t) in theirs.preferred_anti.iter().filter(|(_, t)| matches_incoming(t)) {
            add(&mut out.score, domain_of(f, node, &t.topology_key), -w);
        }
    }
    out
}

/// Upstream InterPodAffinity `NormalizeScore`: min-max scaled to 0–100 (truncated) over the
/// nodes scored; all 0 when every node scores the same.
pub fn normalize_min_max(raw: &[i64]) -> Vec<i64> {
    let (min, max) = (raw.iter().copied().min().unwrap_or(0), raw.iter().copied().max().unwrap_or(0));
    raw.iter()
        .map(|&r| if max > min { (100.0 * ((r - min) as f64 / (max - min) as f64)) as i64 } else { 0 })
        .collect()
}
