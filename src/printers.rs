//! `kubectl get` columns for each kind konverge knows, and `-o name`.

use crate::model::{self, ObjKey};
use crate::selector::Selector;
use serde_json::Value;

/// Header and rows for objects of one kind. `wide` adds kubectl's `-o wide` columns.
pub fn rows(
    kind: &str,
    objects: &[&Value],
    now: i64,
    wide: bool,
    all_namespaces: bool,
    show_labels: bool,
) -> Vec<Vec<String>> {
    let mut header: Vec<String> = columns(kind, wide).iter().map(|s| s.to_string()).collect();
    if all_namespaces && model::is_namespaced(kind) {
        header.insert(0, "NAMESPACE".into());
    }
    if show_labels {
        header.push("LABELS".into());
    }
    let mut out = vec![header];
    for obj in objects {
        let mut row = cells(kind, obj, now, wide);
        if all_namespaces && model::is_namespaced(kind) {
            row.insert(0, model::str_at(obj, &["metadata", "namespace"]).to_string());
        }
        if show_labels {
            let labels: Vec<String> = model::labels(obj).iter().map(|(k, v)| format!("{k}={v}")).collect();
            row.push(if labels.is_empty() { "<none>".into() } else { labels.join(",") });
        }
        out.push(row);
    }
    out
}

fn columns(kind: &str, wide: bool) -> Vec<&'static str> {
    let (mut base, extra): (Vec<&str>, Vec<&str>) = match kind {
        "Pod" => (
            vec!["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
            vec!["IP", "NODE", "NOMINATED NODE", "READINESS GATES"],
        ),
        "ReplicaSet" | "ReplicationController" => {
            (vec!["NAME", "DESIRED", "CURRENT", "READY", "AGE"], vec!["CONTAINERS", "IMAGES", "SELECTOR"])
        }
        "Deployment" => (
            vec!["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"],
            vec!["CONTAINERS", "IMAGES", "SELECTOR"],
        ),
        "Node" => (
            vec!["NAME", "STATUS", "ROLES", "AGE", "VERSION"],
            vec!["INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"],
        ),
        "Event" => (vec!["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"], vec![]),
        _ => (vec!["NAME", "AGE"], vec![]),
    };
    if wide {
        base.extend(extra);
    }
    base
}

fn age(obj: &Value, now: i64) -> String {
    match model::parse_time(model::str_at(obj, &["metadata", "creationTimestamp"])) {
        Some(t) => model::fmt_age(now - t),
        None => "<unknown>".into(),
    }
}

fn or_none(s: &str) -> String {
    if s.is_empty() {
        "<none>".into()
    } else {
        s.to_string()
    }
}

fn cells(kind: &str, obj: &Value, now: i64, wide: bool) -> Vec<String> {
    let name = model::name(obj).to_string();
    let int = |path: &[&str]| model::i64_at(obj, path).unwrap_or(0);
    match kind {
        "Pod" => {
            let statuses = model::at(obj, &["status", "containerStatuses"]).and_then(Value::as_array);
            let total = model::at(obj, &["spec", "containers"]).and_then(Value::as_array).map_or(0, Vec::len);
            let ready = statuses
                .into_iter()
                .flatten()
                .filter(|s| s.get("ready").and_then(Value::as_bool) == Some(true))
                .count();
            let restarts: i64 =
                statuses.into_iter().flatten().filter_map(|s| model::i64_at(s, &["restartCount"])).sum();
            let mut row =
                vec![name, format!("{ready}/{total}"), pod_status(obj), restarts.to_string(), age(obj, now)];
            if wide {
                row.extend([
                    or_none(model::str_at(obj, &["status", "podIP"])),
                    or_none(model::str_at(obj, &["spec", "nodeName"])),
                    "<none>".into(),
                    "<none>".into(),
                ]);
            }
            row
        }
        "ReplicaSet" | "ReplicationController" => {
            let mut row = vec![
                name,
                model::replicas(obj).to_string(),
                int(&["status", "replicas"]).to_string(),
                int(&["status", "readyReplicas"]).to_string(),
                age(obj, now),
            ];
            if wide {
                row.extend(template_columns(obj, kind));
            }
            row
        }
        "Deployment" => {
            let mut row = vec![
                name,
                format!("{}/{}", int(&["status", "readyReplicas"]), model::replicas(obj)),
                int(&["status", "updatedReplicas"]).to_string(),
                int(&["status", "availableReplicas"]).to_string(),
                age(obj, now),
            ];
            if wide {
                row.extend(template_columns(obj, kind));
            }
            row
        }
        "Node" => {
            let mut status = match model::condition(obj, "Ready").map(|c| model::str_at(c, &["status"])) {
                Some("True") => "Ready".to_string(),
                Some(_) => "NotReady".to_string(),
                None => "Unknown".to_string(),
            };
            if model::at(obj, &["spec", "unschedulable"]).and_then(Value::as_bool) == Some(true) {
                status.push_str(",SchedulingDisabled");
            }
            let roles: Vec<String> = model::labels(obj)
                .iter()
                .filter_map(|(k, _)| k.strip_prefix("node-role.kubernetes.io/").map(str::to_string))
                .collect();
            let info = |k: &str| or_none(model::str_at(obj, &["status", "nodeInfo", k]));
            let mut row = vec![
                name,
                status,
                if roles.is_empty() { "<none>".into() } else { roles.join(",") },
                age(obj, now),
                model::str_at(obj, &["status", "nodeInfo", "kubeletVersion"]).to_string(),
            ];
            if wide {
                let address = |t: &str| {
                    model::at(obj, &["status", "addresses"])
                        .and_then(Value::as_array)
                        .and_then(|a| a.iter().find(|x| model::str_at(x, &["type"]) == t))
                        .map(|x| model::str_at(x, &["address"]).to_string())
                        .unwrap_or_else(|| "<none>".into())
                };
                row.extend([
                    address("InternalIP"),
                    address("ExternalIP"),
                    info("osImage"),
                    info("kernelVersion"),
                    info("containerRuntimeVersion"),
                ]);
            }
            row
        }
        "Event" => {
            let last = model::parse_time(model::str_at(obj, &["lastTimestamp"]))
                .map_or("<unknown>".into(), |t| model::fmt_age(now - t));
            let involved = model::at(obj, &["involvedObject"]).cloned().unwrap_or(Value::Null);
            vec![
                last,
                model::str_at(obj, &["type"]).to_string(),
                model::str_at(obj, &["reason"]).to_string(),
                format!(
                    "{}/{}",
                    model::str_at(&involved, &["kind"]).to_ascii_lowercase(),
                    model::str_at(&involved, &["name"])
                ),
                model::str_at(obj, &["message"]).to_string(),
            ]
        }
        _ => vec![name, age(obj, now)],
    }
}

/// CONTAINERS, IMAGES and SELECTOR of a workload.
fn template_columns(obj: &Value, kind: &str) -> Vec<String> {
    let containers: Vec<&Value> = model::at(obj, &["spec", "template", "spec", "containers"])
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let names: Vec<&str> = containers.iter().map(|c| model::str_at(c, &["name"])).collect();
    let images: Vec<&str> = containers.iter().map(|c| model::str_at(c, &["image"])).collect();
    let selector = match (kind, model::at(obj, &["spec", "selector"])) {
        ("ReplicationController", Some(s)) => {
            Selector::from_map(s).map(|s| s.to_string()).unwrap_or_default()
        }
        (_, Some(s)) => Selector::from_label_selector(s).map(|s| s.to_string()).unwrap_or_default(),
        _ => String::new(),
    };
    vec![names.join(","), images.join(","), or_none(&selector)]
}

/// The STATUS column of a pod: Terminating, a waiting reason, or the phase.
pub fn pod_status(pod: &Value) -> String {
    if model::at(pod, &["metadata", "deletionTimestamp"]).is_some() {
        return "Terminating".into();
    }
    let waiting = model::at(pod, &["status", "containerStatuses"])
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|s| model::str_at(s, &["state", "waiting", "reason"]))
        .find(|r| !r.is_empty());
    if let Some(reason) = waiting {
        return reason.to_string();
    }
    let phase = model::str_at(pod, &["status", "phase"]);
    let bound = !model::str_at(pod, &["spec", "nodeName"]).is_empty();
    match phase {
        "Pending" | "" if bound => "ContainerCreating".into(),
        "" => "Pending".into(),
        p => p.to_string(),
    }
}

/// `-o name`: `pod/myapp-abcde`, `replicaset.apps/myapp`.
pub fn name_of(key: &ObjKey) -> String {
    format!("{}/{}", model::resource_ref(&key.kind), key.name)
}
