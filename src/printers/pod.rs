//! The pod columns: READY, STATUS, RESTARTS and the `-o wide` ones, as `printPod` derives them.

use super::*;

/// The cells kubectl derives from a pod's status (`printPod`).
#[derive(Debug, Clone, PartialEq)]
pub struct PodColumns {
    pub ready: String,
    pub status: String,
    pub restarts: String,
    pub ip: String,
    pub node: String,
    pub nominated: String,
    pub gates: String,
}

fn is_restartable_init(c: &Value) -> bool {
    model::str_at(c, &["restartPolicy"]) == "Always"
}

/// READY, STATUS, RESTARTS and the `-o wide` cells of a pod, computed the way `printPod` does.
pub fn pod_columns(pod: &Value, now: i64) -> PodColumns {
    let list = |path: &[&str]| -> Vec<&Value> {
        model::at(pod, path).and_then(Value::as_array).map(|a| a.iter().collect()).unwrap_or_default()
    };
    let containers = list(&["spec", "containers"]);
    let init_containers = list(&["spec", "initContainers"]);
    let statuses = list(&["status", "containerStatuses"]);
    let init_statuses = list(&["status", "initContainerStatuses"]);
    let conditions = list(&["status", "conditions"]);
    let phase = model::str_at(pod, &["status", "phase"]);

    let total = containers.len() + init_containers.iter().filter(|c| is_restartable_init(c)).count();
    let mut ready = 0usize;
    let mut restarts = 0i64;
    let mut restartable_restarts = 0i64;
    let mut last_restart: Option<i64> = None;
    let mut last_restartable_restart: Option<i64> = None;
    let finished_at = |s: &Value| {
        model::at(s, &["lastState", "terminated"])
            .map(|t| model::parse_time(model::str_at(t, &["finishedAt"])).unwrap_or(i64::MIN))
    };
    let mut reason = match model::str_at(pod, &["status", "reason"]) {
        "" => phase.to_string(),
        r => r.to_string(),
    };
    if conditions.iter().any(|c| {
        model::str_at(c, &["type"]) == "PodScheduled" && model::str_at(c, &["reason"]) == "SchedulingGated"
    }) {
        reason = "SchedulingGated".into();
    }
    let term_reason = |t: &Value, prefix: &str| -> String {
        match model::str_at(t, &["reason"]) {
            "" => match model::i64_at(t, &["signal"]).unwrap_or(0) {
                0 => format!("{prefix}ExitCode:{}", model::i64_at(t, &["exitCode"]).unwrap_or(0)),
                sig => format!("{prefix}Signal:{sig}"),
            },
            r => format!("{prefix}{r}"),
        }
    };

    let mut initializing = false;
    for (i, s) in init_statuses.iter().enumerate() {
        let spec =
            init_containers.iter().find(|c| model::str_at(c, &["name"]) == model::str_at(s, &["name"]));
        let restartable = spec.is_some_and(|c| is_restartable_init(c));
        restarts += model::i64_at(s, &["restartCount"]).unwrap_or(0);
        if let Some(t) = finished_at(s) {
            last_restart = last_restart.max(Some(t));
        }
        if restartable {
            restartable_restarts += model::i64_at(s, &["restartCount"]).unwrap_or(0);
            if let Some(t) = finished_at(s) {
                last_restartable_restart = last_restartable_restart.max(Some(t));
            }
        }
        let terminated = model::at(s, &["state", "terminated"]);
        let waiting = model::str_at(s, &["state", "waiting", "reason"]);
        if terminated.is_some_and(|t| model::i64_at(t, &["exitCode"]).unwrap_or(0) == 0) {
            continue;
        }
        if restartable && model::at(s, &["started"]).and_then(Value::as_bool) == Some(true) {
            if model::at(s, &["ready"]).and_then(Value::as_bool) == Some(true) {
                ready += 1;
            }
            continue;
        }
        reason = if let Some(t) = terminated {
            term_reason(t, "Init:")
        } else if !waiting.is_empty() && waiting != "PodInitializing" {
            format!("Init:{waiting}")
        } else {
            format!("Init:{i}/{}", init_containers.len())
        };
        initializing = true;
        break;
    }
    let initialized = conditions
        .iter()
        .any(|c| model::str_at(c, &["type"]) == "Initialized" && model::str_at(c, &["status"]) == "True");
    if !initializing || initialized {
        restarts = restartable_restarts;
        last_restart = last_restartable_restart;
        let mut has_running = false;
        for s in statuses.iter().rev() {
            restarts += model::i64_at(s, &["restartCount"]).unwrap_or(0);
            if let Some(t) = finished_at(s) {
                last_restart = last_restart.max(Some(t));
            }
            let waiting = model::str_at(s, &["state", "waiting", "reason"]);
            let terminated = model::at(s, &["state", "terminated"]);
            if !waiting.is_empty() {
                reason = waiting.to_string();
            } else if let Some(t) = terminated {
                reason = term_reason(t, "");
            } else if model::at(s, &["ready"]).and_then(Value::as_bool) == Some(true)
                && model::at(s, &["state", "running"]).is_some()
            {
                has_running = true;
                ready += 1;
            }
        }
        if reason == "Completed" && has_running {
            let pod_ready = conditions
                .iter()
                .any(|c| model::str_at(c, &["type"]) == "Ready" && model::str_at(c, &["status"]) == "True");
            reason = if pod_ready { "Running" } else { "NotReady" }.into();
        }
        // A pod that finished without the kubelet reporting container states still reads as
        // kubectl shows a finished pod.
        if statuses.is_empty() && phase == "Succeeded" && model::str_at(pod, &["status", "reason"]).is_empty()
        {
            reason = "Completed".into();
        }
    }
    if reason.is_empty() {
        reason = "Pending".into();
    }
    let deleting = model::at(pod, &["metadata", "deletionTimestamp"]).is_some();
    if deleting && model::str_at(pod, &["status", "reason"]) == "NodeLost" {
        reason = "Unknown".into();
    } else if deleting && phase != "Succeeded" && phase != "Failed" {
        reason = "Terminating".into();
    }

    let restarts = match last_restart.filter(|t| *t != i64::MIN) {
        Some(t) if restarts != 0 => format!("{restarts} ({} ago)", human_duration(now - t)),
        _ => restarts.to_string(),
    };
    let ip = model::at(pod, &["status", "podIPs"])
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .map(|x| model::str_at(x, &["ip"]).to_string())
        .unwrap_or_else(|| model::str_at(pod, &["status", "podIP"]).to_string());
    let gates = list(&["spec", "readinessGates"]);
    let gates = if gates.is_empty() {
        "<none>".to_string()
    } else {
        let trues = gates
            .iter()
            .filter(|g| {
                let t = model::str_at(g, &["conditionType"]);
                conditions
                    .iter()
                    .find(|c| model::str_at(c, &["type"]) == t)
                    .is_some_and(|c| model::str_at(c, &["status"]) == "True")
            })
            .count();
        format!("{trues}/{}", gates.len())
    };
    PodColumns {
        ready: format!("{ready}/{total}"),
        status: reason,
        restarts,
        ip: or_default(&ip, "<none>"),
        node: or_default(model::str_at(pod, &["spec", "nodeName"]), "<none>"),
        nominated: or_default(model::str_at(pod, &["status", "nominatedNodeName"]), "<none>"),
        gates,
    }
}

/// The STATUS column of a pod: Terminating, a waiting or terminated reason, Completed, the phase.
pub fn pod_status(pod: &Value) -> String {
    pod_columns(pod, 0).status
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::printers::test_fixtures::*;
    use serde_json::json;

    fn pod(name: &str, created: &str, status: Value) -> Value {
        json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "default", "creationTimestamp": created,
                          "labels": {"app": "myapp", "release": "canary"}},
            "spec": {"containers": [{"name": "c", "image": "ikubernetes/myapp:v1"}], "nodeName": "k8s-node1"},
            "status": status,
        })
    }

    fn running() -> Value {
        json!({"phase": "Running", "podIP": "10.244.1.61",
               "conditions": [{"type": "Ready", "status": "True"}],
               "containerStatuses": [{"name": "c", "ready": true, "restartCount": 0,
                                      "state": {"running": {"startedAt": "2025-01-01T00:00:00Z"}}}]})
    }

    #[test]
    fn pod_status_column() {
        let waiting = |reason: &str, phase: &str| {
            json!({"phase": phase, "containerStatuses": [{"name": "c", "ready": false, "restartCount": 0,
                                                          "state": {"waiting": {"reason": reason}}}]})
        };
        let mut deleting = pod("p", NOW, running());
        deleting["metadata"]["deletionTimestamp"] = json!(NOW);
        let mut unbound = pod("p", NOW, json!({"phase": "Pending"}));
        unbound["spec"].as_object_mut().unwrap().remove("nodeName");
        let cases = [
            (deleting, "Terminating"),
            (pod("p", NOW, waiting("ErrImagePull", "Pending")), "ErrImagePull"),
            (pod("p", NOW, waiting("ImagePullBackOff", "Pending")), "ImagePullBackOff"),
            (pod("p", NOW, waiting("CrashLoopBackOff", "Running")), "CrashLoopBackOff"),
            (pod("p", NOW, waiting("ContainerCreating", "Pending")), "ContainerCreating"),
            // Bound, the kubelet has not reported yet: upstream printPod shows the phase.
            (pod("p", NOW, json!({"phase": "Pending"})), "Pending"),
            (unbound, "Pending"),
            (pod("p", NOW, json!({"phase": "Succeeded"})), "Completed"),
            (
                pod(
                    "p",
                    NOW,
                    json!({"phase": "Failed", "containerStatuses": [{"name": "c", "state":
                    {"terminated": {"exitCode": 1, "reason": "Error"}}}]}),
                ),
                "Error",
            ),
            (
                pod(
                    "p",
                    NOW,
                    json!({"phase": "Failed", "containerStatuses": [{"name": "c", "state":
                    {"terminated": {"exitCode": 137}}}]}),
                ),
                "ExitCode:137",
            ),
            (pod("p", NOW, json!({"phase": "Failed", "reason": "Evicted"})), "Evicted"),
            (pod("p", NOW, running()), "Running"),
        ];
        for (p, want) in cases {
            assert_eq!(pod_status(&p), want, "{}", p["status"]);
        }
    }

    #[test]
    fn pods_like_the_seed() {
        let mut p1 = pod("daemset-nginx-7s474", "2025-01-01T00:58:40Z", running());
        let mut p2 = pod("daemset-nginx-kxpl2", "2025-01-01T00:58:26Z", running());
        p2["spec"]["nodeName"] = json!("k8s-node2");
        p2["status"]["podIP"] = json!("10.244.2.58");
        p1["metadata"]["labels"] = json!({});
        let got = table("Pod", &[p1.clone(), p2.clone()], true, false, false);
        assert_eq!(
            got,
            [
                "NAME                  READY   STATUS    RESTARTS   AGE   IP            NODE        NOMINATED NODE   READINESS GATES",
                "daemset-nginx-7s474   1/1     Running   0          80s   10.244.1.61   k8s-node1   <none>           <none>",
                "daemset-nginx-kxpl2   1/1     Running   0          94s   10.244.2.58   k8s-node2   <none>           <none>",
            ]
        );
        let got = table("Pod", &[p1, p2], false, true, true);
        assert_eq!(
            got,
            [
                "NAMESPACE   NAME                  READY   STATUS    RESTARTS   AGE   LABELS",
                "default     daemset-nginx-7s474   1/1     Running   0          80s   <none>",
                "default     daemset-nginx-kxpl2   1/1     Running   0          94s   app=myapp,release=canary",
            ]
        );
    }

    #[test]
    fn restarts_show_the_last_restart() {
        let status = json!({"phase": "Running", "containerStatuses": [{"name": "c", "ready": true, "restartCount": 2,
            "state": {"running": {}}, "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2025-01-01T00:50:00Z"}}}]});
        let p = pod_columns(&pod("p", NOW, status), now());
        assert_eq!((p.ready.as_str(), p.restarts.as_str()), ("1/1", "2 (10m ago)"));
    }
}
