//! kubectl's `StatefulSetStatusViewer` (`rollout status statefulset/NAME`).

use crate::model;
use anyhow::{bail, Result};
use serde_json::Value;

/// The status message and whether the rollout is complete. Only RollingUpdate sets have one.
pub fn status(sts: &Value) -> Result<(String, bool)> {
    let strategy = model::at(sts, &["spec", "updateStrategy", "type"])
        .and_then(Value::as_str)
        .unwrap_or("RollingUpdate");
    if strategy != "RollingUpdate" {
        bail!("rollout status is only available for RollingUpdate strategy type");
    }
    let generation = model::i64_at(sts, &["metadata", "generation"]).unwrap_or(0);
    let st = |k: &str| model::i64_at(sts, &["status", k]).unwrap_or(0);
    let observed = st("observedGeneration");
    if observed == 0 || generation > observed {
        return Ok(("Waiting for statefulset spec update to be observed...".into(), false));
    }
    let replicas = model::replicas(sts);
    let ready = st("readyReplicas");
    if ready < replicas {
        return Ok((format!("Waiting for {} pods to be ready...", replicas - ready), false));
    }
    let updated = st("updatedReplicas");
    if let Some(rolling) =
        model::at(sts, &["spec", "updateStrategy", "rollingUpdate"]).filter(|r| r.is_object())
    {
        if let Some(partition) = model::i64_at(rolling, &["partition"]) {
            if updated < replicas - partition {
                return Ok((
                    format!(
                        "Waiting for partitioned roll out to finish: {updated} out of {} new pods have been updated...",
                        replicas - partition
                    ),
                    false,
                ));
            }
        }
        return Ok((format!("partitioned roll out complete: {updated} new pods have been updated..."), true));
    }
    let current_revision = model::str_at(sts, &["status", "currentRevision"]);
    let update_revision = model::str_at(sts, &["status", "updateRevision"]);
    if update_revision != current_revision {
        return Ok((
            format!("waiting for statefulset rolling update to complete {updated} pods at revision {update_revision}..."),
            false,
        ));
    }
    Ok((
        format!(
            "statefulset rolling update complete {} pods at revision {current_revision}...",
            st("currentReplicas")
        ),
        true,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Every branch of kubectl's `StatefulSetStatusViewer.Status` (upstream `TestStatefulSetStatusViewerStatus`).
    #[test]
    fn status_messages_like_kubectl() {
        let sts = |generation: i64, strategy: Value, status: Value| json!({"metadata": {"generation": generation}, "spec": {"replicas": 3, "updateStrategy": strategy}, "status": status});
        let partitioned = |p: i64| json!({"type": "RollingUpdate", "rollingUpdate": {"partition": p}});
        let plain = json!({"type": "RollingUpdate"});
        let done = json!({"observedGeneration": 2, "replicas": 3, "readyReplicas": 3, "updatedReplicas": 3, "currentReplicas": 3, "currentRevision": "web-a", "updateRevision": "web-a"});
        type Want = Result<(&'static str, bool), &'static str>;
        let cases: Vec<(&str, Value, Want)> = vec![
            (
                "spec not observed",
                sts(3, plain.clone(), done.clone()),
                Ok(("Waiting for statefulset spec update to be observed...", false)),
            ),
            (
                "never observed",
                sts(1, plain.clone(), json!({})),
                Ok(("Waiting for statefulset spec update to be observed...", false)),
            ),
            (
                "pods not ready",
                sts(2, plain.clone(), json!({"observedGeneration": 2, "readyReplicas": 1})),
                Ok(("Waiting for 2 pods to be ready...", false)),
            ),
            (
                "partition waits",
                sts(
                    2,
                    partitioned(2),
                    json!({"observedGeneration": 2, "readyReplicas": 3, "updatedReplicas": 0}),
                ),
                Ok((
                    "Waiting for partitioned roll out to finish: 0 out of 1 new pods have been updated...",
                    false,
                )),
            ),
            (
                "partition done",
                sts(
                    2,
                    partitioned(1),
                    json!({"observedGeneration": 2, "readyReplicas": 3, "updatedReplicas": 2}),
                ),
                Ok(("partitioned roll out complete: 2 new pods have been updated...", true)),
            ),
            (
                "revisions differ",
                sts(
                    2,
                    plain.clone(),
                    json!({"observedGeneration": 2, "readyReplicas": 3, "updatedReplicas": 1, "currentRevision": "web-a", "updateRevision": "web-b"}),
                ),
                Ok(("waiting for statefulset rolling update to complete 1 pods at revision web-b...", false)),
            ),
            (
                "complete",
                sts(2, plain, done),
                Ok(("statefulset rolling update complete 3 pods at revision web-a...", true)),
            ),
            (
                "OnDelete",
                sts(2, json!({"type": "OnDelete"}), json!({})),
                Err("rollout status is only available for RollingUpdate strategy type"),
            ),
        ];
        for (name, obj, want) in cases {
            let got = status(&obj).map_err(|e| e.to_string());
            let got = got.as_ref().map(|(m, d)| (m.as_str(), *d)).map_err(String::as_str);
            assert_eq!(got, want, "{name}");
        }
    }
}
