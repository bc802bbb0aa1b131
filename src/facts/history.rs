//! ControllerRevisions: the template history of DaemonSets and StatefulSets (upstream
//! `pkg/controller/history/controller_history.go`, the DaemonSet's `constructHistory` and the
//! StatefulSet's `getStatefulSetRevisions`).
//!
//! A revision stores a patch of its owner, `{"spec":{"template":{…,"$patch":"replace"}}}`, and a
//! revision number. The owner's current template either equals some revision's data (that one
//! is current, and is raised to the newest number if it is not already the newest) or a new
//! revision is created with the next number. This module computes what the rules compare: each
//! owner's revisions in upstream's order, which of them equal the current template, the next
//! number, and the names and objects a rule's decision turns into. The decisions (create,
//! raise, delete beyond `revisionHistoryLimit`) are each controller's rules.

use super::deploy::{canonical, safe_encode};
use super::{Facts, Id, WorkloadKind};
use crate::controllers::controller_ref_manager::ClaimInputs;
use crate::model::{self, ObjKey};
use crate::podtemplate;
use crate::selector::Selector;
use rustc_hash::FxHashMap;
use serde_json::{json, Map, Value};

/// The pod label naming the revision a DaemonSet or StatefulSet pod was made from.
pub const REVISION_LABEL: &str = "controller-revision-hash";
/// The label a StatefulSet's revisions carry with their hash.
pub const HASH_LABEL: &str = "controller.kubernetes.io/hash";

/// One ControllerRevision as its owner sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevisionF {
    pub id: Id,
    pub name: String,
    pub revision: i64,
    pub created: i64,
    /// Its data equals the owner's current template patch.
    pub current: bool,
}

/// The history of one DaemonSet or StatefulSet.
#[derive(Clone, Debug, Default)]
pub struct History {
    /// The owner's current template as revision data.
    pub patch: Value,
    /// Its revisions sorted as upstream sorts them (`revision`, then creation time, then name).
    pub revisions: Vec<RevisionF>,
    /// The number a new revision gets: the largest existing one plus one.
    pub next: i64,
}

impl History {
    /// The newest revision whose data equals the current template.
    pub fn current(&self) -> Option<&RevisionF> {
        self.revisions.iter().rev().find(|r| r.current)
    }
}

/// `getPatch`: the revision data of an owner's current pod template.
pub fn template_patch(owner: &Value) -> Value {
    let mut template = model::at(owner, &["spec", "template"]).cloned().unwrap_or_else(|| json!({}));
    if let Some(t) = template.as_object_mut() {
        t.insert("$patch".into(), json!("replace"));
    }
    json!({"spec": {"template": template}})
}

/// upstream `HashControllerRevision` (a StatefulSet's revision names): FNV-1 32-bit over the
/// data, then over the decimal collision count when it is non-zero, safe-encoded. The data is
/// hashed as canonical JSON (keys sorted), konverge's stand-in for the API server's encoding.
pub fn revision_hash(data: &Value, collision_count: i64) -> String {
    let mut h: u32 = 0x811c9dc5;
    let mut write = |bytes: &[u8]| {
        for &b in bytes {
            h = h.wrapping_mul(0x01000193);
            h ^= b as u32;
        }
    };
    write(canonical(data).as_bytes());
    if collision_count != 0 {
        write(collision_count.to_string().as_bytes());
    }
    safe_encode(&h.to_string())
}

/// `ControllerRevisionName`: the owner's name (truncated to 223 bytes) and the hash.
pub fn revision_name(owner: &str, hash: &str) -> String {
    let mut cut = owner.len().min(223);
    while !owner.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}-{hash}", &owner[..cut])
}

/// A new ControllerRevision of `owner` (upstream `NewControllerRevision`): the owner's template
/// labels plus `labels`, the owner's annotations, a controller reference to the owner.
pub fn controller_revision(
    owner: &Value,
    name: &str,
    revision: i64,
    data: Value,
    labels: &[(&str, &str)],
) -> Value {
    let mut all: Map<String, Value> = model::at(owner, &["spec", "template", "metadata", "labels"])
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (k, v) in labels {
        all.insert((*k).into(), json!(v));
    }
    let mut meta = json!({
        "name": name,
        "namespace": model::str_at(owner, &["metadata", "namespace"]),
        "labels": all,
        "ownerReferences": [podtemplate::controller_ref(owner)],
    });
    let annotations = model::string_map(owner, &["metadata", "annotations"]);
    let kept: Map<String, Value> = annotations
        .into_iter()
        .filter(|(k, _)| k != crate::apply::LAST_APPLIED)
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    if !kept.is_empty() {
        meta["annotations"] = Value::Object(kept);
    }
    json!({
        "apiVersion": "apps/v1",
        "kind": "ControllerRevision",
        "metadata": meta,
        "data": data,
        "revision": revision,
    })
}

/// A stored ControllerRevision as the claim rules see it.
struct StoredRevision<'f> {
    id: Id,
    key: &'f ObjKey,
    labels: Vec<(String, String)>,
    controller: Option<Id>,
    /// No controller reference.
    orphan: bool,
    deleting: bool,
}

/// Every stored ControllerRevision.
fn stored_revisions<'f>(f: &'f Facts) -> Vec<StoredRevision<'f>> {
    f.store
        .range(ObjKey::new("ControllerRevision", "", "")..)
        .take_while(|(k, _)| k.kind == "ControllerRevision")
        .filter_map(|(k, obj)| {
            let id = f.id_of(k)?;
            let controller = f.resolve_controller(id, obj);
            let orphan = model::controller_ref(obj).is_none();
            let deleting = model::at(obj, &["metadata", "deletionTimestamp"]).is_some();
            Some(StoredRevision { id, key: k, labels: model::labels(obj), controller, orphan, deleting })
        })
        .collect()
}

/// The claim-rule inputs for the ControllerRevisions of workloads of `kind`.
pub fn claim_inputs(f: &Facts, kind: WorkloadKind) -> ClaimInputs {
    let owners: FxHashMap<Id, (&str, &Selector)> =
        f.workloads_of(kind).map(|w| (w.id, (w.ns.as_str(), &w.selector))).collect();
    let mut inputs = ClaimInputs {
        owners: f.workloads_of(kind).map(|w| (w.id, w.deleting)).collect(),
        ..ClaimInputs::default()
    };
    if owners.is_empty() {
        return inputs;
    }
    let matches = |(ns, sel): (&str, &Selector), key: &ObjKey, labels: &[(String, String)]| {
        ns == key.namespace && !sel.is_empty() && sel.matches(labels)
    };
    for StoredRevision { id, key, labels, controller, orphan, deleting } in stored_revisions(f) {
        match controller.filter(|c| owners.contains_key(c)) {
            Some(o) => {
                inputs.considered.push(id);
                inputs.controlled_by.push((id, o));
                if matches(owners[&o], key, &labels) {
                    inputs.matches.push((o, id));
                }
            }
            None if orphan => {
                let mut matching: Vec<Id> =
                    owners.iter().filter(|(_, &o)| matches(o, key, &labels)).map(|(&o, _)| o).collect();
                if !matching.is_empty() {
                    matching.sort_unstable();
                    inputs.considered.push(id);
                    inputs.orphans.push(id);
                    if deleting {
                        inputs.deleting.push(id);
                    }
                    inputs.matches.extend(matching.into_iter().map(|o| (o, id)));
                }
            }
            None => {}
        }
    }
    inputs
}

/// The history of each owner from the revisions it claims (`claimed`: owner → revision ids,
/// from the claim rules over [`claim_inputs`]).
pub fn histories(f: &Facts, kind: WorkloadKind, claimed: &FxHashMap<Id, Vec<Id>>) -> FxHashMap<Id, History> {
    let mut out = FxHashMap::default();
    for w in f.workloads_of(kind) {
        let patch = template_patch(f.raw(w.id));
        let current = canonical(&patch);
        let mut revisions: Vec<RevisionF> = claimed
            .get(&w.id)
            .into_iter()
            .flatten()
            .map(|&id| {
                let obj = f.raw(id);
                RevisionF {
                    id,
                    name: f.key(id).name.clone(),
                    revision: model::i64_at(obj, &["revision"]).unwrap_or(0),
                    created: model::parse_time(model::str_at(obj, &["metadata", "creationTimestamp"]))
                        .unwrap_or(0),
                    current: model::at(obj, &["data"]).is_some_and(|d| canonical(d) == current),
                }
            })
            .collect();
        revisions.sort_by(|a, b| (a.revision, a.created, &a.name).cmp(&(b.revision, b.created, &b.name)));
        let next = revisions.last().map_or(0, |r| r.revision) + 1;
        out.insert(w.id, History { patch, revisions, next });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controllers::controller_ref_manager::claim;

    fn state(text: &str) -> crate::state::State {
        crate::state::State::parse(text, "test").expect("state")
    }

    const DS: &str = "apiVersion: apps/v1
kind: DaemonSet
metadata: {name: ds, namespace: default, uid: u-ds, annotations: {team: a}}
spec:
  selector: {matchLabels: {app: d}}
  template:
    metadata: {labels: {app: d}}
    spec: {containers: [{name: c, image: IMAGE}]}
";

    fn revision(name: &str, rev: i64, image: &str, owned: bool) -> String {
        let owner = if owned {
            ", ownerReferences: [{apiVersion: apps/v1, kind: DaemonSet, name: ds, uid: u-ds, controller: true}]"
        } else {
            ""
        };
        let data = template_patch(&serde_json::from_str::<Value>(&format!(
            r#"{{"spec": {{"template": {{"metadata": {{"labels": {{"app": "d"}}}}, "spec": {{"containers": [{{"name": "c", "image": "{image}"}}]}}}}}}}}"#
        )).expect("json"));
        format!(
            "---\napiVersion: apps/v1\nkind: ControllerRevision\nmetadata: {{name: {name}, namespace: default, labels: {{app: d}}{owner}}}\nrevision: {rev}\ndata: {data}\n"
        )
    }

    /// upstream `TestRealHistory_ListControllerRevisions`/`ClaimObject`: owned revisions and
    /// matching orphans belong to the owner, sorted by revision; the one equal to the current
    /// template is current (`EqualRevision`) and the next number follows the largest.
    #[test]
    fn owned_and_orphan_revisions_sorted_with_the_current_one_found() {
        let text = DS.replace("IMAGE", "v2")
            + &revision("ds-b", 3, "v1", true)
            + &revision("ds-a", 1, "v2", true)
            + &revision("ds-c", 2, "v0", false);
        let s = crate::state::State { now: 0, ..state(&text) };
        let f = Facts::extract(&s);
        let claims = claim(&claim_inputs(&f, WorkloadKind::DaemonSet));
        assert_eq!(claims.adopt.len(), 1, "the orphan is adopted");
        let h = histories(&f, WorkloadKind::DaemonSet, &claims.by_owner());
        let h = h.values().next().expect("one owner");
        let names: Vec<&str> = h.revisions.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["ds-a", "ds-c", "ds-b"]);
        assert_eq!(h.current().map(|r| r.name.as_str()), Some("ds-a"));
        assert_eq!(h.next, 4);
    }

    #[test]
    fn a_new_revision_copies_labels_annotations_and_points_at_its_owner() {
        let s = state(&DS.replace("IMAGE", "v1"));
        let owner = s.get("DaemonSet", "default", "ds").expect("ds");
        let patch = template_patch(owner);
        assert_eq!(patch["spec"]["template"]["$patch"], "replace");
        let cr = controller_revision(owner, "ds-x", 1, patch.clone(), &[(REVISION_LABEL, "x")]);
        assert_eq!(cr["metadata"]["labels"], json!({"app": "d", "controller-revision-hash": "x"}));
        assert_eq!(cr["metadata"]["annotations"], json!({"team": "a"}));
        assert_eq!(cr["metadata"]["ownerReferences"][0]["uid"], "u-ds");
        assert_eq!(cr["revision"], 1);
        assert_eq!(cr["data"], patch);
    }

    /// Names are Kubernetes-shaped, move with the collision count, and truncate the owner.
    #[test]
    fn revision_names() {
        let data = json!({"spec": {"template": {"$patch": "replace"}}});
        let h = revision_hash(&data, 0);
        assert!(!h.is_empty() && h.bytes().all(|b| b"bcdfghjklmnpqrstvwxz2456789".contains(&b)), "{h}");
        assert_ne!(h, revision_hash(&data, 1));
        assert_eq!(revision_name("web", &h), format!("web-{h}"));
        assert_eq!(revision_name(&"x".repeat(300), "h").len(), 225);
    }
}
