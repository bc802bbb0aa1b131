//! `rollout` for Deployments: kubectl's status message, revision history (the ReplicaSets'
//! revision annotations), undo (a patch of the Deployment's template, computed by kubectl, not
//! by the controller). The rollout timeline konverge records while it runs is `crate::timeline`.

use crate::apply;
use crate::facts::deploy::{self as df, ANNOTATIONS_TO_SKIP};
use crate::model;
use crate::state::State;
use anyhow::{anyhow, bail, Result};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// `kubectl rollout status` for a Deployment (one look, no watching): the message and whether
/// the rollout is complete. A Deployment past its progress deadline is an error.
pub fn status(d: &Value) -> Result<(String, bool)> {
    let name = model::name(d);
    let generation = model::i64_at(d, &["metadata", "generation"]).unwrap_or(1);
    let st = |k: &str| model::i64_at(d, &["status", k]).unwrap_or(0);
    if generation > st("observedGeneration") {
        return Ok(("Waiting for deployment spec update to be observed...".into(), false));
    }
    if model::condition(d, "Progressing")
        .is_some_and(|c| model::str_at(c, &["reason"]) == "ProgressDeadlineExceeded")
    {
        bail!("deployment {name:?} exceeded its progress deadline");
    }
    let replicas = model::replicas(d);
    let (updated, total, available) = (st("updatedReplicas"), st("replicas"), st("availableReplicas"));
    if updated < replicas {
        return Ok((
            format!("Waiting for deployment {name:?} rollout to finish: {updated} out of {replicas} new replicas have been updated..."),
            false,
        ));
    }
    if total > updated {
        return Ok((
            format!("Waiting for deployment {name:?} rollout to finish: {} old replicas are pending termination...", total - updated),
            false,
        ));
    }
    if available < updated {
        return Ok((
            format!("Waiting for deployment {name:?} rollout to finish: {available} of {updated} updated replicas are available..."),
            false,
        ));
    }
    Ok((format!("deployment {name:?} successfully rolled out"), true))
}

/// The ReplicaSets a Deployment controls, by revision.
fn revisions<'a>(state: &'a State, d: &'a Value) -> BTreeMap<i64, &'a Value> {
    let uid = model::uid(d);
    let ns = model::str_at(d, &["metadata", "namespace"]);
    state
        .of_kind("ReplicaSet", Some(ns))
        .filter(|rs| model::controller_ref(rs).is_some_and(|(_, _, u)| u == uid))
        .filter_map(|rs| {
            model::annotation(rs, df::REVISION).and_then(|r| r.parse().ok()).map(|r: i64| (r, rs))
        })
        .collect()
}

/// `kubectl rollout history`: REVISION and CHANGE-CAUSE, or one revision's pod template.
pub fn history(state: &State, d: &Value, revision: Option<i64>) -> Result<String> {
    let revs = revisions(state, d);
    let head = format!("deployment.apps/{}", model::name(d));
    match revision {
        None => {
            let causes = revs.iter().map(|(r, rs)| (*r, model::annotation(rs, df::CHANGE_CAUSE)));
            Ok(format!("{head} \n{}\n", super::revision_table(causes)))
        }
        Some(r) => {
            let rs = revs.get(&r).ok_or_else(|| anyhow!("unable to find the specified revision"))?;
            let template = model::at(rs, &["spec", "template"]).cloned().unwrap_or(Value::Null);
            let mut out = format!("{head} with revision #{r}\nPod Template:\n");
            let labels: Vec<String> =
                model::labels(&template).iter().map(|(k, v)| format!("{k}={v}")).collect();
            out.push_str(&format!("  Labels:\t{}\n", labels.join("\n\t")));
            if let Some(cause) = model::annotation(rs, df::CHANGE_CAUSE) {
                out.push_str(&format!("  Annotations:\t{}: {cause}\n", df::CHANGE_CAUSE));
            }
            out.push_str("  Containers:\n");
            for c in
                model::at(&template, &["spec", "containers"]).and_then(Value::as_array).into_iter().flatten()
            {
                out.push_str(&format!(
                    "   {}:\n    Image:\t{}\n",
                    model::str_at(c, &["name"]),
                    model::str_at(c, &["image"])
                ));
            }
            Ok(out)
        }
    }
}

/// `kubectl rollout undo`: the merge patch restoring the template (and annotations) of a
/// revision, or `Ok(None)` when the template already matches it.
pub fn undo_patch(state: &State, d: &Value, to_revision: i64) -> Result<Option<(Value, i64)>> {
    let name = model::name(d);
    if to_revision < 0 {
        bail!("unable to find specified revision {to_revision} in history");
    }
    let revs = revisions(state, d);
    let (revision, rs) = if to_revision == 0 {
        // The second-highest revision.
        let mut it = revs.iter().rev();
        it.next();
        it.next()
            .map(|(r, rs)| (*r, *rs))
            .ok_or_else(|| anyhow!("no rollout history found for deployment {name:?}"))?
    } else {
        revs.get(&to_revision)
            .map(|rs| (to_revision, *rs))
            .ok_or_else(|| anyhow!("unable to find specified revision {to_revision} in history"))?
    };
    // kubectl looks the revision up first, then refuses a paused Deployment.
    if model::at(d, &["spec", "paused"]).and_then(Value::as_bool) == Some(true) {
        bail!("you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again");
    }
    let mut template = model::at(rs, &["spec", "template"]).cloned().unwrap_or(Value::Null);
    let current = model::at(d, &["spec", "template"]).cloned().unwrap_or(Value::Null);
    if df::template_hash(&template) == df::template_hash(&current) {
        return Ok(None);
    }
    if let Some(labels) = template.pointer_mut("/metadata/labels").and_then(Value::as_object_mut) {
        labels.remove(df::POD_TEMPLATE_HASH);
    }
    let mut annotations = serde_json::Map::new();
    for (k, v) in model::string_map(d, &["metadata", "annotations"]) {
        if ANNOTATIONS_TO_SKIP.contains(&k.as_str()) {
            annotations.insert(k, json!(v));
        }
    }
    for (k, v) in model::string_map(rs, &["metadata", "annotations"]) {
        if !ANNOTATIONS_TO_SKIP.contains(&k.as_str()) {
            annotations.insert(k, json!(v));
        }
    }
    let before = json!({"metadata": {"annotations": model::at(d, &["metadata", "annotations"]).cloned().unwrap_or(json!({}))}, "spec": {"template": current}});
    let after = json!({"metadata": {"annotations": annotations}, "spec": {"template": template}});
    Ok(Some((apply::merge_diff(&before, &after), revision)))
}
