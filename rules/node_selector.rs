//! Matching node selectors against nodes (component-helpers `nodeaffinity.RequiredNodeAffinity`
//! and `nodeaffinity.NodeSelector`), shared by everything that asks "may this go on that
//! node": the scheduler's NodeAffinity filter (a pod's `nodeSelector` and required node
//! affinity), the DaemonSet controller's `NodeShouldRunDaemonPod` (the template's), and the
//! PersistentVolume controller's `CheckNodeAffinity` (a volume's `spec.nodeAffinity.required`).
//! The selectors come parsed in one canonical form from `facts::node_selector`.
//!
//! A *selector* (a caller-chosen id: a scheduling class, a DaemonSet, a volume) matches a node
//! when the node carries every label of its `nodeSelector` map and, if it has required node
//! affinity, one of its terms matches the node: terms ORed; within a term `matchExpressions`
//! on labels (In, NotIn, Exists, DoesNotExist, Gt, Lt) and `matchFields` on `metadata.name`
//! (In, NotIn; on any other field In never holds and NotIn always does) ANDed; a term holding a
//! requirement that does not parse matches nothing, and no terms match nothing.
//!
//! NodeAffinity's PreFilter narrows the nodes first: when every term pins node names with
//! `matchFields metadata.name In` (each term the names all its such requirements share), the
//! selector is *pinned* and evaluated on those nodes only — its `scope` —, and pinned terms
//! naming no node in common *conflict*. Any other selector's scope is every node given. The
//! narrowing changes no verdict (a node outside the names fails every term); it keeps a pod
//! pinned to one node (a daemon pod) from costing every node.

use crate::facts::node_selector::{
    NodeRequirement, RequiredAffinity, OP_DOES_NOT_EXIST, OP_EXISTS, OP_GT, OP_IN, OP_LT, OP_NOT_IN,
};
use crate::facts::{Interner, Sym};
use crepe::crepe;
use rustc_hash::{FxBuildHasher, FxHashMap, FxHashSet};

crepe! {
    @input
    pub struct Selector(pub u32);
    // (selector, key, value) of its `nodeSelector` map.
    @input
    pub struct SelectsLabel(pub u32, pub Sym, pub Sym);
    // The selector has required node affinity, made of these terms.
    @input
    pub struct Affinity(pub u32);
    @input
    pub struct Term(pub u32, pub u32);
    @input
    pub struct TermRequires(pub u32, pub u32);
    // (requirement, matchFields, key, operator, parses).
    @input
    pub struct Requirement(pub u32, pub bool, pub Sym, pub u8, pub bool);
    @input
    pub struct RequirementValue(pub u32, pub Sym);
    // The integer of a Gt/Lt requirement.
    @input
    pub struct RequirementNumber(pub u32, pub i64);
    // (node, name).
    @input
    pub struct Node(pub u32, pub Sym);
    @input
    pub struct NodeLabel(pub u32, pub Sym, pub Sym);
    // A label whose value is an integer (for Gt/Lt).
    @input
    pub struct NodeLabelNumber(pub u32, pub Sym, pub i64);
    // The interned `metadata.name`.
    @input
    pub struct NameField(pub Sym);

    // PreFilter.
    struct NameIn(u32, u32);
    struct TermPinned(u32);
    struct NameCandidate(u32, Sym);
    struct NameDropped(u32, Sym);
    struct TermNames(u32, Sym);
    struct SelectorUnpinned(u32);
    struct SelectorPinned(u32);
    struct PinnedNames(u32, Sym);
    struct PinnedNamesAny(u32);
    @output
    pub struct Pinned(pub u32);
    @output
    pub struct Conflict(pub u32);
    @output
    pub struct Scope(pub u32, pub u32);

    NameIn(t, r) <- TermRequires(t, r), Requirement(r, true, k, op, _), (op == OP_IN), NameField(name_field), (k == name_field);
    TermPinned(t) <- NameIn(t, _);
    NameCandidate(t, v) <- NameIn(t, r), RequirementValue(r, v);
    NameDropped(t, v) <- NameCandidate(t, v), NameIn(t, r), !RequirementValue(r, v);
    TermNames(t, v) <- NameCandidate(t, v), !NameDropped(t, v);
    SelectorUnpinned(s) <- Term(s, t), !TermPinned(t);
    SelectorPinned(s) <- Term(s, t), TermPinned(t);
    Pinned(s) <- SelectorPinned(s), !SelectorUnpinned(s);
    PinnedNames(s, v) <- Pinned(s), Term(s, t), TermNames(t, v);
    PinnedNamesAny(s) <- PinnedNames(s, _);
    Conflict(s) <- Pinned(s), !PinnedNamesAny(s);
    Scope(s, n) <- Selector(s), !Pinned(s), Node(n, _);
    Scope(s, n) <- PinnedNames(s, name), Node(n, name);

    // The nodeSelector map, then the terms (each requirement evaluated on the nodes some
    // selector holding it has in scope).
    struct LabelMiss(u32, u32);
    struct TermOn(u32, u32);
    struct RequirementOn(u32, u32);
    struct HasLabel(u32, Sym);
    struct NotInHit(u32, u32);
    struct NameNotInHit(u32, u32);
    struct Holds(u32, u32);
    struct TermBroken(u32);
    struct TermFails(u32, u32);
    struct TermMatches(u32, u32);
    struct AffinityMatches(u32, u32);
    @output
    pub struct Matches(pub u32, pub u32);

    LabelMiss(s, n) <- Scope(s, n), SelectsLabel(s, k, v), !NodeLabel(n, k, v);
    TermOn(t, n) <- Scope(s, n), Term(s, t);
    RequirementOn(r, n) <- TermOn(t, n), TermRequires(t, r);
    HasLabel(n, k) <- NodeLabel(n, k, _);
    Holds(r, n) <-
        RequirementOn(r, n), Requirement(r, false, k, op, true), (op == OP_IN), NodeLabel(n, k, v),
        RequirementValue(r, v);
    NotInHit(r, n) <-
        RequirementOn(r, n), Requirement(r, false, k, op, true), (op == OP_NOT_IN), NodeLabel(n, k, v),
        RequirementValue(r, v);
    Holds(r, n) <- RequirementOn(r, n), Requirement(r, false, _, op, true), (op == OP_NOT_IN), !NotInHit(r, n);
    Holds(r, n) <- RequirementOn(r, n), Requirement(r, false, k, op, true), (op == OP_EXISTS), HasLabel(n, k);
    Holds(r, n) <-
        RequirementOn(r, n), Requirement(r, false, k, op, true), (op == OP_DOES_NOT_EXIST), !HasLabel(n, k);
    Holds(r, n) <-
        RequirementOn(r, n), Requirement(r, false, k, op, true), (op == OP_GT), RequirementNumber(r, x),
        NodeLabelNumber(n, k, y), (y > x);
    Holds(r, n) <-
        RequirementOn(r, n), Requirement(r, false, k, op, true), (op == OP_LT), RequirementNumber(r, x),
        NodeLabelNumber(n, k, y), (y < x);
    // matchFields: a node has only the `metadata.name` field.
    Holds(r, n) <-
        RequirementOn(r, n), Requirement(r, true, k, op, true), (op == OP_IN), NameField(name_field),
        (k == name_field), Node(n, name), RequirementValue(r, name);
    NameNotInHit(r, n) <-
        RequirementOn(r, n), Requirement(r, true, k, op, true), (op == OP_NOT_IN), NameField(name_field),
        (k == name_field), Node(n, name), RequirementValue(r, name);
    Holds(r, n) <- RequirementOn(r, n), Requirement(r, true, _, op, true), (op == OP_NOT_IN), !NameNotInHit(r, n);
    TermBroken(t) <- TermRequires(t, r), Requirement(r, _, _, _, false);
    TermFails(t, n) <- TermOn(t, n), TermRequires(t, r), !Holds(r, n);
    TermMatches(t, n) <- TermOn(t, n), !TermBroken(t), !TermFails(t, n);
    AffinityMatches(s, n) <- Scope(s, n), Term(s, t), TermMatches(t, n);
    Matches(s, n) <- Scope(s, n), !LabelMiss(s, n), !Affinity(s);
    Matches(s, n) <- AffinityMatches(s, n), !LabelMiss(s, n);
}

/// A node as the selectors see it: (id the caller chose, name, labels).
pub type NodeIn<'a> = (u32, Sym, &'a [(Sym, Sym)]);

/// What the program derived, every list sorted.
#[derive(Debug, Default)]
pub struct Matching {
    /// Selectors the PreFilter narrowed to the node names they pin.
    pub pinned: Vec<u32>,
    /// Pinned selectors whose terms name no node in common.
    pub conflicts: Vec<u32>,
    /// (selector, node) pairs evaluated: every node given, or a pinned selector's named ones.
    pub scope: Vec<(u32, u32)>,
    /// (selector, node) pairs that match.
    pub matches: Vec<(u32, u32)>,
}

/// The selectors to match, with their terms and requirements numbered once each.
pub struct Selectors<'a> {
    rt: Crepe,
    terms: FxHashMap<&'a [NodeRequirement], u32>,
    requirements: FxHashMap<&'a NodeRequirement, u32>,
    /// Label keys some Gt/Lt requirement compares: only their values are read as integers.
    numeric_keys: FxHashSet<Sym>,
}

impl<'a> Selectors<'a> {
    /// `name_field` is the interned `metadata.name` (any symbol no key uses when nothing
    /// interned it).
    pub fn new(name_field: Sym) -> Selectors<'a> {
        let mut rt = Crepe::new();
        rt.extend([NameField(name_field)]);
        Selectors {
            rt,
            terms: FxHashMap::default(),
            requirements: FxHashMap::default(),
            numeric_keys: FxHashSet::default(),
        }
    }

    /// Add selector `id`: a `nodeSelector` map and the required node affinity, if any.
    pub fn add(&mut self, id: u32, labels: &[(Sym, Sym)], affinity: Option<&'a RequiredAffinity>) {
        self.rt.extend([Selector(id)]);
        self.rt.extend(labels.iter().map(|&(k, v)| SelectsLabel(id, k, v)));
        let Some(affinity) = affinity else { return };
        self.rt.extend([Affinity(id)]);
        for term in &affinity.terms {
            let t = self.term(term);
            self.rt.extend([Term(id, t)]);
        }
    }

    /// Add selector `id` made of one node selector term (a preferred node-affinity term).
    pub fn add_term(&mut self, id: u32, term: &'a [NodeRequirement]) {
        self.rt.extend([Selector(id)]);
        self.rt.extend([Affinity(id)]);
        let t = self.term(term);
        self.rt.extend([Term(id, t)]);
    }

    fn term(&mut self, term: &'a [NodeRequirement]) -> u32 {
        if let Some(&t) = self.terms.get(term) {
            return t;
        }
        let t = self.terms.len() as u32;
        self.terms.insert(term, t);
        for r in term {
            let id = match self.requirements.get(r) {
                Some(&id) => id,
                None => {
                    let id = self.requirements.len() as u32;
                    self.requirements.insert(r, id);
                    self.rt.extend([Requirement(id, r.field, r.key, r.op, r.valid)]);
                    self.rt.extend(r.values.iter().map(|&v| RequirementValue(id, v)));
                    if matches!(r.op, OP_GT | OP_LT) {
                        self.rt.extend([RequirementNumber(id, r.number)]);
                        self.numeric_keys.insert(r.key);
                    }
                    id
                }
            };
            self.rt.extend([TermRequires(t, id)]);
        }
        t
    }

    /// Match every selector added against `nodes` (labels interned in `syms`).
    pub fn run<'n>(mut self, syms: &Interner, nodes: impl IntoIterator<Item = NodeIn<'n>>) -> Matching {
        for (id, name, labels) in nodes {
            self.rt.extend([Node(id, name)]);
            self.rt.extend(labels.iter().map(|&(k, v)| NodeLabel(id, k, v)));
            self.rt.extend(
                labels
                    .iter()
                    .filter(|(k, _)| self.numeric_keys.contains(k))
                    .filter_map(|&(k, v)| Some(NodeLabelNumber(id, k, syms.resolve(v).parse().ok()?))),
            );
        }
        let (pinned, conflicts, scope, matches) = self.rt.run_with_hasher::<FxBuildHasher>();
        Matching {
            pinned: sorted(pinned.into_iter().map(|Pinned(s)| s)),
            conflicts: sorted(conflicts.into_iter().map(|Conflict(s)| s)),
            scope: sorted(scope.into_iter().map(|Scope(s, n)| (s, n))),
            matches: sorted(matches.into_iter().map(|Matches(s, n)| (s, n))),
        }
    }
}

fn sorted<T: Ord>(items: impl Iterator<Item = T>) -> Vec<T> {
    let mut v: Vec<T> = items.collect();
    v.sort_unstable();
    v
}
