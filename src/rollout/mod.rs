//! kubectl's client side of `rollout` (status, history, undo), one file per kind that rolls
//! out: `deployment.rs` (ReplicaSets hold its history), `daemonset.rs`, `statefulset.rs`; `revisions.rs` holds what the kinds whose history is kept in
//! ControllerRevisions share (listing, one revision's template, undo).

pub mod daemonset;
pub mod deployment;
pub mod revisions;
pub mod statefulset;

use crate::model::{self, ObjKey};
use crate::state::State;
use anyhow::{bail, Result};
use serde_json::Value;

/// The kinds `rollout status|history|undo` works on.
pub const KINDS: &[&str] = &["Deployment", "DaemonSet", "StatefulSet"];

/// `kubectl rollout status` (one look, no watching): the message and whether the rollout is
/// complete.
pub fn status(obj: &Value) -> Result<(String, bool)> {
    match model::str_at(obj, &["kind"]) {
        "Deployment" => deployment::status(obj),
        "DaemonSet" => daemonset::status(obj),
        "StatefulSet" => statefulset::status(obj),
        other => unsupported(other),
    }
}

/// `kubectl rollout history`: the revisions and their change causes, or one revision's pod
/// template.
pub fn history(state: &State, key: &ObjKey, revision: Option<i64>) -> Result<String> {
    let obj = &state.objects[key];
    match key.kind.as_str() {
        "Deployment" => deployment::history(state, obj, revision),
        "DaemonSet" | "StatefulSet" => revisions::history(state, obj, revision),
        other => unsupported(other),
    }
}

/// `kubectl rollout undo`: the merge patch that restores a revision's template, with the
/// revision it restores, or `None` when the template already matches it.
pub fn undo_patch(state: &State, key: &ObjKey, to_revision: i64) -> Result<Option<(Value, i64)>> {
    let obj = &state.objects[key];
    match key.kind.as_str() {
        "Deployment" => deployment::undo_patch(state, obj, to_revision),
        "DaemonSet" | "StatefulSet" => revisions::undo_patch(state, obj, to_revision),
        other => unsupported(other),
    }
}

/// The REVISION / CHANGE-CAUSE table of `rollout history`, laid out as kubectl's
/// `tabbedString` does (padding 2).
pub fn revision_table<'a>(revisions: impl Iterator<Item = (i64, Option<&'a str>)>) -> String {
    let mut text = String::from("REVISION\tCHANGE-CAUSE\n");
    for (revision, cause) in revisions {
        text.push_str(&format!("{revision}\t{}\n", cause.unwrap_or("<none>")));
    }
    crate::describe::tabwriter(&text)
}

fn unsupported<T>(kind: &str) -> Result<T> {
    bail!("rollout: {} is not supported (supported: {})", model::resource_ref(kind), KINDS.join(", "))
}
