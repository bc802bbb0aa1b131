//! `rollout` for DaemonSets: kubectl's `DaemonSetStatusViewer` (history and undo are the
//! ControllerRevision ones in `revisions.rs`).

use crate::model;
use anyhow::{bail, Result};
use serde_json::Value;

/// `kubectl rollout status daemonset/NAME` (one look): the message and whether the rollout is
/// complete. Only RollingUpdate DaemonSets have a status to report.
pub fn status(ds: &Value) -> Result<(String, bool)> {
    let name = model::name(ds);
    let strategy = model::str_at(ds, &["spec", "updateStrategy", "type"]);
    if !strategy.is_empty() && strategy != "RollingUpdate" {
        bail!("rollout status is only available for RollingUpdate strategy type");
    }
    let generation = model::i64_at(ds, &["metadata", "generation"]).unwrap_or(1);
    let st = |k: &str| model::i64_at(ds, &["status", k]).unwrap_or(0);
    if generation > st("observedGeneration") {
        return Ok(("Waiting for daemon set spec update to be observed...".into(), false));
    }
    let (desired, updated, available) =
        (st("desiredNumberScheduled"), st("updatedNumberScheduled"), st("numberAvailable"));
    if updated < desired {
        return Ok((
            format!("Waiting for daemon set {name:?} rollout to finish: {updated} out of {desired} new pods have been updated..."),
            false,
        ));
    }
    if available < desired {
        return Ok((
            format!("Waiting for daemon set {name:?} rollout to finish: {available} of {desired} updated pods are available..."),
            false,
        ));
    }
    Ok((format!("daemon set {name:?} successfully rolled out"), true))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ds(generation: i64, status: Value) -> Value {
        json!({"kind": "DaemonSet", "metadata": {"name": "x", "generation": generation}, "spec": {}, "status": status})
    }

    /// kubectl's `TestDaemonSetStatusViewerStatus` cases.
    #[test]
    fn status_messages() {
        let st = |observed: i64, desired: i64, updated: i64, available: i64| {
            json!({"observedGeneration": observed, "desiredNumberScheduled": desired,
                   "updatedNumberScheduled": updated, "numberAvailable": available})
        };
        let cases = [
            (
                ds(1, st(1, 4, 0, 1)),
                "Waiting for daemon set \"x\" rollout to finish: 0 out of 4 new pods have been updated...",
                false,
            ),
            (
                ds(1, st(1, 4, 4, 3)),
                "Waiting for daemon set \"x\" rollout to finish: 3 of 4 updated pods are available...",
                false,
            ),
            (ds(1, st(1, 4, 4, 4)), "daemon set \"x\" successfully rolled out", true),
            (ds(2, st(1, 4, 4, 4)), "Waiting for daemon set spec update to be observed...", false),
        ];
        for (obj, message, done) in cases {
            assert_eq!(status(&obj).unwrap(), (message.to_string(), done));
        }
        let on_delete = json!({"kind": "DaemonSet", "metadata": {"name": "x"}, "spec": {"updateStrategy": {"type": "OnDelete"}}});
        assert_eq!(
            status(&on_delete).unwrap_err().to_string(),
            "rollout status is only available for RollingUpdate strategy type"
        );
    }
}
