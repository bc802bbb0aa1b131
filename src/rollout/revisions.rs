//! `rollout history` and `rollout undo` for the kinds whose template history is kept in
//! ControllerRevisions (DaemonSets, StatefulSets): kubectl's `controlledHistories`,
//! `printHistory`, `findHistory` and the rollbacker's patch, which restores the template a
//! revision's data holds (`{"spec":{"template":{…,"$patch":"replace"}}}`).

use crate::apply;
use crate::facts::deploy::canonical;
use crate::facts::history::template_patch;
use crate::model;
use crate::state::State;
use anyhow::{anyhow, bail, Result};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The annotation kubectl shows as a revision's CHANGE-CAUSE.
const CHANGE_CAUSE: &str = "kubernetes.io/change-cause";

/// The ControllerRevisions `owner` controls, by revision number (the namespace's revisions
/// whose controller reference carries the owner's uid).
pub fn controlled<'a>(state: &'a State, owner: &'a Value) -> BTreeMap<i64, &'a Value> {
    let uid = model::uid(owner);
    let ns = model::str_at(owner, &["metadata", "namespace"]);
    state
        .of_kind("ControllerRevision", Some(ns))
        .filter(|r| model::controller_ref(r).is_some_and(|(_, _, u)| u == uid))
        .filter_map(|r| model::i64_at(r, &["revision"]).map(|n| (n, r)))
        .collect()
}

/// The pod template a revision restores: its data's `spec.template` without `$patch`.
pub fn template_of(revision: &Value) -> Value {
    let mut template = model::at(revision, &["data", "spec", "template"]).cloned().unwrap_or(Value::Null);
    if let Some(t) = template.as_object_mut() {
        t.remove("$patch");
    }
    template
}

/// `kubectl rollout history`: REVISION and CHANGE-CAUSE, or one revision's pod template as
/// `kubectl describe` prints it.
pub fn history(state: &State, owner: &Value, revision: Option<i64>) -> Result<String> {
    let revisions = controlled(state, owner);
    let head = format!("{}/{}", model::resource_ref(model::str_at(owner, &["kind"])), model::name(owner));
    if revisions.is_empty() {
        return Ok(format!("{head} \nNo rollout history found.\n"));
    }
    match revision.filter(|&r| r > 0) {
        Some(r) => {
            let rev = revisions.get(&r).ok_or_else(|| anyhow!("unable to find the specified revision"))?;
            Ok(format!(
                "{head} with revision #{r}\n{}\n",
                crate::describe::pod_template_text(&template_of(rev))
            ))
        }
        None => {
            let causes = revisions.iter().map(|(r, rev)| (*r, model::annotation(rev, CHANGE_CAUSE)));
            Ok(format!("{head} \n{}\n", super::revision_table(causes)))
        }
    }
}

/// `kubectl rollout undo` (the DaemonSet and StatefulSet rollbackers): the merge patch that
/// puts back the template of revision `to_revision` (0: the one before the latest), with that
/// revision's number, or `Ok(None)` when the template already equals it.
pub fn undo_patch(state: &State, owner: &Value, to_revision: i64) -> Result<Option<(Value, i64)>> {
    if to_revision < 0 {
        bail!("unable to find specified revision {to_revision} in history");
    }
    let revisions = controlled(state, owner);
    if to_revision == 0 && revisions.len() <= 1 {
        bail!("no last revision to roll back to");
    }
    let (number, rev) = if to_revision == 0 {
        revisions.iter().rev().nth(1).map(|(n, r)| (*n, *r))
    } else {
        revisions.get(&to_revision).map(|r| (to_revision, *r))
    }
    .ok_or_else(|| anyhow!("unable to find specified revision {to_revision} in history"))?;
    let data = model::at(rev, &["data"]).cloned().unwrap_or(Value::Null);
    if canonical(&template_patch(owner)) == canonical(&data) {
        return Ok(None);
    }
    let current = model::at(owner, &["spec", "template"]).cloned().unwrap_or(Value::Null);
    let patch = apply::merge_diff(
        &json!({"spec": {"template": current}}),
        &json!({"spec": {"template": template_of(rev)}}),
    );
    Ok(Some((patch, number)))
}
