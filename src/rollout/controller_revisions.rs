//! `rollout history` and `rollout undo` for the kinds whose history is ControllerRevisions
//! (StatefulSets, DaemonSets): kubectl's `controlledHistories`, `printHistory`, `findHistory`
//! and the rollbackers' no-op check and patch. A revision's data is
//! `{"spec":{"template":{…,"$patch":"replace"}}}`: applying it replaces the owner's template.

use crate::apply;
use crate::describe;
use crate::model;
use crate::state::State;
use anyhow::{anyhow, bail, Result};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// kubectl's `ChangeCauseAnnotation`.
pub const CHANGE_CAUSE: &str = "kubernetes.io/change-cause";

/// `controlledHistories`: the ControllerRevisions of the owner's namespace it controls, by
/// revision number (one per number, the last by name when two share one).
pub fn controlled<'a>(state: &'a State, owner: &'a Value) -> BTreeMap<i64, &'a Value> {
    let uid = model::uid(owner);
    let ns = model::str_at(owner, &["metadata", "namespace"]);
    state
        .of_kind("ControllerRevision", Some(ns))
        .filter(|r| model::controller_ref(r).is_some_and(|(_, _, u)| u == uid))
        .map(|r| (model::i64_at(r, &["revision"]).unwrap_or(0), r))
        .collect()
}

/// The owner as the revision would make it (`applyRevision`): its template replaced.
pub fn applied(owner: &Value, revision: &Value) -> Value {
    let mut template = model::at(revision, &["data", "spec", "template"]).cloned().unwrap_or(Value::Null);
    if let Some(t) = template.as_object_mut() {
        t.remove("$patch");
    }
    let mut out = owner.clone();
    model::obj_mut(&mut out, &["spec"]).insert("template".into(), template);
    out
}

/// `rollout history`: REVISION and CHANGE-CAUSE, or one revision's pod template. `head` is the
/// object as kubectl names it (`statefulset.apps/web`).
pub fn history(state: &State, owner: &Value, head: &str, revision: Option<i64>) -> Result<String> {
    let revisions = controlled(state, owner);
    let body = if revisions.is_empty() {
        "No rollout history found.".to_string()
    } else if let Some(r) = revision.filter(|&r| r > 0) {
        let found = revisions.get(&r).ok_or_else(|| anyhow!("unable to find the specified revision"))?;
        let restored = applied(owner, found);
        describe::pod_template_text(model::at(&restored, &["spec", "template"]))
    } else {
        let mut rows = vec![vec!["REVISION".to_string(), "CHANGE-CAUSE".into()]];
        for (r, rev) in &revisions {
            let cause = model::annotation(rev, CHANGE_CAUSE).filter(|c| !c.is_empty()).unwrap_or("<none>");
            rows.push(vec![r.to_string(), cause.to_string()]);
        }
        crate::render::table(&rows)
    };
    let with = revision.filter(|&r| r > 0).map_or(String::new(), |r| format!("with revision #{r}"));
    Ok(format!("{head} {with}\n{body}\n"))
}

/// `rollout undo`: the merge patch restoring revision `to_revision` (0: the one before the
/// latest) and the revision it restores, or `Ok(None)` when the template already matches it.
pub fn undo_patch(state: &State, owner: &Value, to_revision: i64) -> Result<Option<(Value, i64)>> {
    if to_revision < 0 {
        bail!("unable to find specified revision {to_revision} in history");
    }
    let revisions = controlled(state, owner);
    if to_revision == 0 && revisions.len() <= 1 {
        bail!("no last revision to roll back to");
    }
    let (number, revision) = if to_revision == 0 {
        let mut newest_first = revisions.iter().rev();
        newest_first.next();
        newest_first.next().map(|(n, r)| (*n, *r)).ok_or_else(|| anyhow!("no last revision to roll back to"))?
    } else {
        revisions
            .get(&to_revision)
            .map(|r| (to_revision, *r))
            .ok_or_else(|| anyhow!("unable to find specified revision {to_revision} in history"))?
    };
    let restored = applied(owner, revision);
    if restored == *owner {
        return Ok(None);
    }
    let template = |o: &Value| json!({"spec": {"template": model::at(o, &["spec", "template"]).cloned().unwrap_or(Value::Null)}});
    Ok(Some((apply::merge_diff(&template(owner), &template(&restored)), number)))
}
