//! Node selectors in one canonical form (component-helpers `nodeaffinity.NodeSelector`): a
//! pod's `nodeSelector` and required node affinity, a DaemonSet template's, and a
//! PersistentVolume's `spec.nodeAffinity.required` are all parsed here, and all matched by the
//! one program in `rules/node_selector.rs`.

use super::Sym;
use crate::model;
use crate::selector::{check_key, check_value};
use serde_json::Value;

/// The one field a node selector term can match on.
pub const NAME_FIELD: &str = "metadata.name";

/// Node selector operators as the small integers rules compare.
pub const OP_IN: u8 = 0;
pub const OP_NOT_IN: u8 = 1;
pub const OP_EXISTS: u8 = 2;
pub const OP_DOES_NOT_EXIST: u8 = 3;
pub const OP_GT: u8 = 4;
pub const OP_LT: u8 = 5;
/// An operator upstream does not support (the requirement does not parse).
pub const OP_UNKNOWN: u8 = 6;

/// One `NodeSelectorRequirement`, canonical (values sorted and deduplicated).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeRequirement {
    /// `matchFields` (on `metadata.name`) rather than `matchExpressions` (on labels).
    pub field: bool,
    pub key: Sym,
    pub op: u8,
    pub values: Vec<Sym>,
    /// The integer of a Gt/Lt requirement.
    pub number: i64,
    /// Whether upstream parses it (`labels.NewRequirement` / the field selector rules): a term
    /// with a requirement that does not parse matches no node.
    pub valid: bool,
}

/// `requiredDuringSchedulingIgnoredDuringExecution`: terms ORed, each a list of requirements
/// ANDed; empty terms are dropped (they select nothing), so no terms matches no node.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct RequiredAffinity {
    pub terms: Vec<Vec<NodeRequirement>>,
}

/// The operator code of a `NodeSelectorOperator`.
pub fn op_code(op: &str) -> u8 {
    match op {
        "In" => OP_IN,
        "NotIn" => OP_NOT_IN,
        "Exists" => OP_EXISTS,
        "DoesNotExist" => OP_DOES_NOT_EXIST,
        "Gt" => OP_GT,
        "Lt" => OP_LT,
        _ => OP_UNKNOWN,
    }
}

/// Parse a pod's required node affinity, interning keys and values; `None` when unset.
pub fn required_affinity(pod: &Value, intern: &mut impl FnMut(&str) -> Sym) -> Option<RequiredAffinity> {
    let required = model::at(
        pod,
        &["spec", "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution"],
    )
    .filter(|v| !v.is_null())?;
    Some(node_selector(required, intern))
}

/// Parse a `NodeSelector` (`nodeSelectorTerms`), interning keys and values: terms ORed, each a
/// list of requirements ANDed, canonical (sorted, deduplicated), empty terms dropped.
pub fn node_selector(selector: &Value, intern: &mut impl FnMut(&str) -> Sym) -> RequiredAffinity {
    let mut terms: Vec<Vec<NodeRequirement>> = Vec::new();
    for term in selector.get("nodeSelectorTerms").and_then(Value::as_array).into_iter().flatten() {
        let reqs = |k: &str| term.get(k).and_then(Value::as_array).into_iter().flatten();
        let mut parsed: Vec<NodeRequirement> = Vec::new();
        for (field, r) in
            reqs("matchExpressions").map(|r| (false, r)).chain(reqs("matchFields").map(|r| (true, r)))
        {
            parsed.push(requirement(field, r, intern));
        }
        if parsed.is_empty() {
            continue;
        }
        parsed.sort();
        parsed.dedup();
        terms.push(parsed);
    }
    terms.sort();
    terms.dedup();
    RequiredAffinity { terms }
}

fn requirement(field: bool, r: &Value, intern: &mut impl FnMut(&str) -> Sym) -> NodeRequirement {
    let op = op_code(model::str_at(r, &["operator"]));
    let raw: Vec<&str> =
        r.get("values").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
    let number = match (op, raw.as_slice()) {
        (OP_GT | OP_LT, [one]) => one.parse::<i64>().ok(),
        _ => None,
    };
    let key = model::str_at(r, &["key"]);
    // `labels.NewRequirement`'s checks: a label key, label values, the values each operator
    // takes; a field requirement takes In or NotIn with exactly one value.
    let valid = if field {
        matches!(op, OP_IN | OP_NOT_IN) && raw.len() == 1
    } else {
        check_key(key).is_ok()
            && match op {
                OP_IN | OP_NOT_IN => !raw.is_empty() && raw.iter().all(|v| check_value(v).is_ok()),
                OP_EXISTS | OP_DOES_NOT_EXIST => raw.is_empty(),
                OP_GT | OP_LT => number.is_some(),
                _ => false,
            }
    };
    let mut values: Vec<Sym> = raw.iter().map(|v| intern(v)).collect();
    values.sort_unstable();
    values.dedup();
    NodeRequirement {
        field,
        key: intern(model::str_at(r, &["key"])),
        op,
        values,
        number: number.unwrap_or(0),
        valid,
    }
}

/// `preferredDuringSchedulingIgnoredDuringExecution` (upstream `PreferredSchedulingTerms`):
/// (weight, requirements) of each term, canonical; terms of weight 0 or without requirements
/// are dropped, as upstream skips them.
pub fn preferred_affinity(
    pod: &Value,
    intern: &mut impl FnMut(&str) -> Sym,
) -> Vec<(i64, Vec<NodeRequirement>)> {
    let terms = model::at(
        pod,
        &["spec", "affinity", "nodeAffinity", "preferredDuringSchedulingIgnoredDuringExecution"],
    )
    .and_then(Value::as_array);
    let mut out: Vec<(i64, Vec<NodeRequirement>)> = Vec::new();
    for term in terms.into_iter().flatten() {
        let weight = model::i64_at(term, &["weight"]).unwrap_or(0);
        let preference = term.get("preference").unwrap_or(&Value::Null);
        let wrapped = serde_json::json!({"nodeSelectorTerms": [preference]});
        let Some(parsed) = node_selector(&wrapped, intern).terms.pop() else { continue };
        if weight != 0 {
            out.push((weight, parsed));
        }
    }
    out.sort();
    out
}
