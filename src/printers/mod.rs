//! `kubectl get` columns for each kind konverge knows, `-o wide`, `--show-labels` and `-o name`.
//!
//! The cells follow kubectl's table printers (`pkg/printers/internalversion`): the same column
//! names, the same `<none>` / `<unknown>` placeholders, the same age rendering
//! (`duration.HumanDuration`: `3m23s`, `154m`, `5d19h`). Where the API server would have
//! defaulted a field that a hand-written manifest leaves out (a Service's type, a port's protocol,
//! a Job's completions), the printer shows the defaulted value, as kubectl would see it.
//!
//! This file holds the table, the columns of each kind and the helpers every family shares (ages,
//! labels, selectors); the cells of the larger families live in `pod.rs`, `batch.rs`, `node.rs`,
//! `events.rs`, `service.rs` and `storage.rs`. The small helpers kubectl's describers share with
//! the printers (selectors, access modes, the pod STATUS column) are public here and used by
//! [`crate::describe`]; quantities are [`crate::quantity`]'s.

use crate::model::{self, ObjKey};
use crate::quantity::Quantity;
use serde_json::{Map, Value};

mod batch;
mod events;
mod node;
mod pod;
mod service;
mod storage;
#[cfg(test)]
mod test_fixtures;
pub mod yaml;

use batch::{cron_job_cells, job_completions, job_duration, job_status};
use events::event_cells;
pub use events::sort_events;
pub use node::node_roles;
use node::{node_cells, node_wide};
pub use pod::{pod_columns, pod_status, PodColumns};
use service::{ingress_cells, service_cells};
pub use service::{protocol, service_type};
pub use storage::{access_modes, quantity_at, reclaim_policy, storage_phase, volume_class};
use storage::{pv_cells, pvc_cells};

/// Header and rows for objects of one kind. `wide` adds kubectl's `-o wide` columns.
pub fn rows(
    kind: &str,
    objects: &[&Value],
    now: i64,
    wide: bool,
    all_namespaces: bool,
    show_labels: bool,
) -> Vec<Vec<String>> {
    let mut objects: Vec<&Value> = objects.to_vec();
    if kind == "Event" {
        sort_events(&mut objects);
    }
    let namespaced = all_namespaces && model::is_namespaced(kind);
    let mut header: Vec<String> = columns(kind, wide).iter().map(|s| s.to_string()).collect();
    if namespaced {
        header.insert(0, "NAMESPACE".into());
    }
    if show_labels {
        header.push("LABELS".into());
    }
    let mut out = vec![header];
    for obj in objects {
        let mut row = cells(kind, obj, now, wide);
        if namespaced {
            row.insert(0, model::str_at(obj, &["metadata", "namespace"]).to_string());
        }
        if show_labels {
            row.push(format_labels(model::at(obj, &["metadata", "labels"])));
        }
        out.push(row);
    }
    out
}

/// `-o name`: `pod/myapp-abcde`, `replicaset.apps/myapp`.
pub fn name_of(key: &ObjKey) -> String {
    format!("{}/{}", model::resource_ref(&key.kind), key.name)
}

fn columns(kind: &str, wide: bool) -> Vec<&'static str> {
    let (base, extra): (&[&str], &[&str]) = match kind {
        "Pod" => (
            &["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
            &["IP", "NODE", "NOMINATED NODE", "READINESS GATES"],
        ),
        "ReplicaSet" | "ReplicationController" => {
            (&["NAME", "DESIRED", "CURRENT", "READY", "AGE"], &["CONTAINERS", "IMAGES", "SELECTOR"])
        }
        "Deployment" => {
            (&["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"], &["CONTAINERS", "IMAGES", "SELECTOR"])
        }
        "StatefulSet" => (&["NAME", "READY", "AGE"], &["CONTAINERS", "IMAGES"]),
        "DaemonSet" => (
            &["NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE SELECTOR", "AGE"],
            &["CONTAINERS", "IMAGES", "SELECTOR"],
        ),
        "Job" => {
            (&["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"], &["CONTAINERS", "IMAGES", "SELECTOR"])
        }
        "CronJob" => (
            &["NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST SCHEDULE", "AGE"],
            &["CONTAINERS", "IMAGES", "SELECTOR"],
        ),
        "Node" => (
            &["NAME", "STATUS", "ROLES", "AGE", "VERSION"],
            &["INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"],
        ),
        "Event" if wide => (
            &[
                "LAST SEEN",
                "TYPE",
                "REASON",
                "OBJECT",
                "SUBOBJECT",
                "SOURCE",
                "MESSAGE",
                "FIRST SEEN",
                "COUNT",
                "NAME",
            ],
            &[],
        ),
        "Event" => (&["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"], &[]),
        "PersistentVolume" => (
            &[
                "NAME",
                "CAPACITY",
                "ACCESS MODES",
                "RECLAIM POLICY",
                "STATUS",
                "CLAIM",
                "STORAGECLASS",
                "VOLUMEATTRIBUTESCLASS",
                "REASON",
                "AGE",
            ],
            &["VOLUMEMODE"],
        ),
        "PersistentVolumeClaim" => (
            &[
                "NAME",
                "STATUS",
                "VOLUME",
                "CAPACITY",
                "ACCESS MODES",
                "STORAGECLASS",
                "VOLUMEATTRIBUTESCLASS",
                "AGE",
            ],
            &["VOLUMEMODE"],
        ),
        "Service" => (&["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"], &["SELECTOR"]),
        "ConfigMap" => (&["NAME", "DATA", "AGE"], &[]),
        "Secret" => (&["NAME", "TYPE", "DATA", "AGE"], &[]),
        "Namespace" => (&["NAME", "STATUS", "AGE"], &[]),
        "ControllerRevision" => (&["NAME", "CONTROLLER", "REVISION", "AGE"], &[]),
        "StorageClass" => (
            &["NAME", "PROVISIONER", "RECLAIMPOLICY", "VOLUMEBINDINGMODE", "ALLOWVOLUMEEXPANSION", "AGE"],
            &[],
        ),
        "Ingress" => (&["NAME", "CLASS", "HOSTS", "ADDRESS", "PORTS", "AGE"], &[]),
        _ => (&["NAME", "AGE"], &[]),
    };
    let mut cols = base.to_vec();
    if wide {
        cols.extend_from_slice(extra);
    }
    cols
}

fn cells(kind: &str, obj: &Value, now: i64, wide: bool) -> Vec<String> {
    let name = model::name(obj).to_string();
    let int = |path: &[&str]| model::i64_at(obj, path).unwrap_or(0);
    let age = since(model::str_at(obj, &["metadata", "creationTimestamp"]), now);
    let mut row = match kind {
        "Pod" => {
            let p = pod_columns(obj, now);
            vec![name, p.ready, p.status, p.restarts, age]
        }
        "ReplicaSet" | "ReplicationController" => vec![
            name,
            model::replicas(obj).to_string(),
            int(&["status", "replicas"]).to_string(),
            int(&["status", "readyReplicas"]).to_string(),
            age,
        ],
        "Deployment" => vec![
            name,
            format!("{}/{}", int(&["status", "readyReplicas"]), model::replicas(obj)),
            int(&["status", "updatedReplicas"]).to_string(),
            int(&["status", "availableReplicas"]).to_string(),
            age,
        ],
        "StatefulSet" => {
            vec![name, format!("{}/{}", int(&["status", "readyReplicas"]), model::replicas(obj)), age]
        }
        "DaemonSet" => vec![
            name,
            int(&["status", "desiredNumberScheduled"]).to_string(),
            int(&["status", "currentNumberScheduled"]).to_string(),
            int(&["status", "numberReady"]).to_string(),
            int(&["status", "updatedNumberScheduled"]).to_string(),
            int(&["status", "numberAvailable"]).to_string(),
            format_labels(model::at(obj, &["spec", "template", "spec", "nodeSelector"])),
            age,
        ],
        "Job" => vec![name, job_status(obj), job_completions(obj), job_duration(obj, now), age],
        "CronJob" => cron_job_cells(obj, name, age, now),
        "Node" => node_cells(obj, name, age),
        "Event" => event_cells(obj, now, wide),
        "PersistentVolume" => pv_cells(obj, name, age),
        "PersistentVolumeClaim" => pvc_cells(obj, name, age),
        "Service" => service_cells(obj, name, age),
        "ConfigMap" => {
            let count = |f: &str| model::at(obj, &[f]).and_then(Value::as_object).map_or(0, Map::len);
            vec![name, (count("data") + count("binaryData")).to_string(), age]
        }
        "Secret" => {
            let data = model::at(obj, &["data"]).and_then(Value::as_object).map_or(0, Map::len);
            let kind = match model::str_at(obj, &["type"]) {
                "" => "Opaque",
                t => t,
            };
            vec![name, kind.to_string(), data.to_string(), age]
        }
        "Namespace" => {
            let phase = match model::str_at(obj, &["status", "phase"]) {
                "" => "Active",
                p => p,
            };
            vec![name, phase.to_string(), age]
        }
        "ControllerRevision" => {
            let controller = match model::owner_refs(obj)
                .find(|r| r.get("controller").and_then(Value::as_bool).unwrap_or(false))
            {
                Some(r) => {
                    let group = model::str_at(r, &["apiVersion"]).rsplit_once('/').map_or("", |(g, _)| g);
                    let kind = model::str_at(r, &["kind"]).to_ascii_lowercase();
                    let kind = if group.is_empty() { kind } else { format!("{kind}.{group}") };
                    format!("{kind}/{}", model::str_at(r, &["name"]))
                }
                None => "<none>".into(),
            };
            vec![name, controller, int(&["revision"]).to_string(), age]
        }
        "StorageClass" => {
            let default = [
                "storageclass.kubernetes.io/is-default-class",
                "storageclass.beta.kubernetes.io/is-default-class",
            ]
            .iter()
            .any(|a| model::annotation(obj, a) == Some("true"));
            let or = |path: &[&str], d: &str| match model::str_at(obj, path) {
                "" => d.to_string(),
                v => v.to_string(),
            };
            vec![
                if default { format!("{name} (default)") } else { name },
                model::str_at(obj, &["provisioner"]).to_string(),
                or(&["reclaimPolicy"], "Delete"),
                or(&["volumeBindingMode"], "Immediate"),
                model::at(obj, &["allowVolumeExpansion"])
                    .and_then(Value::as_bool)
                    .unwrap_or(false)
                    .to_string(),
                age,
            ]
        }
        "Ingress" => ingress_cells(obj, name, age),
        _ => vec![name, age],
    };
    if wide {
        match kind {
            "ReplicaSet" | "Deployment" | "DaemonSet" | "Job" => row.extend(template_columns(
                obj,
                &["spec", "template"],
                model::at(obj, &["spec", "selector"]),
            )),
            "ReplicationController" => {
                let mut cols = template_columns(obj, &["spec", "template"], None);
                cols[2] = format_labels(model::at(obj, &["spec", "selector"]));
                row.extend(cols);
            }
            "StatefulSet" => {
                row.extend(template_columns(obj, &["spec", "template"], None).into_iter().take(2))
            }
            "CronJob" => row.extend(template_columns(
                obj,
                &["spec", "jobTemplate", "spec", "template"],
                model::at(obj, &["spec", "jobTemplate", "spec", "selector"]),
            )),
            "Pod" => {
                let p = pod_columns(obj, now);
                row.extend([p.ip, p.node, p.nominated, p.gates]);
            }
            "Node" => row.extend(node_wide(obj)),
            "PersistentVolume" | "PersistentVolumeClaim" => {
                row.push(or_default(model::str_at(obj, &["spec", "volumeMode"]), "<unset>"))
            }
            "Service" => row.push(format_labels(model::at(obj, &["spec", "selector"]))),
            _ => {}
        }
    }
    row
}

fn or_default(s: &str, default: &str) -> String {
    if s.is_empty() {
        default.to_string()
    } else {
        s.to_string()
    }
}

/// `True` / `False`, as kubectl prints Go booleans in tables and descriptions.
pub fn bool_title(b: bool) -> String {
    if b { "True" } else { "False" }.to_string()
}

/// CONTAINERS, IMAGES and SELECTOR of the pod template at `template`.
fn template_columns(obj: &Value, template: &[&str], selector: Option<&Value>) -> Vec<String> {
    let mut path = template.to_vec();
    path.extend(["spec", "containers"]);
    let containers: Vec<&Value> =
        model::at(obj, &path).and_then(Value::as_array).map(|a| a.iter().collect()).unwrap_or_default();
    let names: Vec<&str> = containers.iter().map(|c| model::str_at(c, &["name"])).collect();
    let images: Vec<&str> = containers.iter().map(|c| model::str_at(c, &["image"])).collect();
    vec![names.join(","), images.join(","), format_label_selector(selector)]
}

// ---------------------------------------------------------------------------------------------
// Shared helpers: time, labels, selectors, storage

/// kubectl's `duration.HumanDuration`: `45s`, `3m20s`, `154m`, `5h12m`, `30h`, `5d19h`, `12d`,
/// `2y30d`.
pub fn human_duration(secs: i64) -> String {
    if secs < -1 {
        return "<invalid>".into();
    }
    if secs < 0 {
        return "0s".into();
    }
    if secs < 120 {
        return format!("{secs}s");
    }
    let minutes = secs / 60;
    if minutes < 10 {
        return match secs % 60 {
            0 => format!("{minutes}m"),
            s => format!("{minutes}m{s}s"),
        };
    }
    if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = secs / 3600;
    if hours < 8 {
        return match minutes % 60 {
            0 => format!("{hours}h"),
            m => format!("{hours}h{m}m"),
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        return match hours % 24 {
            0 => format!("{}d", hours / 24),
            h => format!("{}d{h}h", hours / 24),
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        return match (hours / 24) % 365 {
            0 => format!("{}y", hours / 24 / 365),
            d => format!("{}y{d}d", hours / 24 / 365),
        };
    }
    format!("{}y", hours / 24 / 365)
}

/// Age of a timestamp at `now`, or `<unknown>` when it is missing.
pub fn since(timestamp: &str, now: i64) -> String {
    match model::parse_time(timestamp) {
        Some(t) => human_duration(now - t),
        None => "<unknown>".into(),
    }
}

/// `labels.FormatLabels`: `a=1,b=2` sorted by key, `<none>` when empty.
pub fn format_labels(map: Option<&Value>) -> String {
    let mut pairs: Vec<String> = map
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
        .collect();
    pairs.sort();
    if pairs.is_empty() {
        "<none>".into()
    } else {
        pairs.join(",")
    }
}

/// A `metav1.LabelSelector` as a `labels.Selector` string (`app=x,env in (a,b),!legacy`); empty
/// for an empty or missing selector. Invalid selectors give `None`.
pub fn selector_string(sel: Option<&Value>) -> Option<String> {
    let Some(sel) = sel.filter(|v| !v.is_null()) else { return Some(String::new()) };
    let obj = sel.as_object()?;
    let mut reqs: Vec<(String, String)> = Vec::new();
    if let Some(m) = obj.get("matchLabels").filter(|v| !v.is_null()) {
        for (k, v) in m.as_object()? {
            reqs.push((k.clone(), format!("{k}={}", v.as_str()?)));
        }
    }
    if let Some(list) = obj.get("matchExpressions").filter(|v| !v.is_null()) {
        for e in list.as_array()? {
            let key = model::str_at(e, &["key"]).to_string();
            let mut values: Vec<&str> = e
                .get("values")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            values.sort_unstable();
            let text = match model::str_at(e, &["operator"]) {
                "In" if !values.is_empty() => format!("{key} in ({})", values.join(",")),
                "NotIn" if !values.is_empty() => format!("{key} notin ({})", values.join(",")),
                "Exists" if values.is_empty() => key.clone(),
                "DoesNotExist" if values.is_empty() => format!("!{key}"),
                _ => return None,
            };
            reqs.push((key, text));
        }
    }
    reqs.sort_by(|a, b| a.0.cmp(&b.0));
    Some(reqs.into_iter().map(|(_, t)| t).collect::<Vec<_>>().join(","))
}

/// `metav1.FormatLabelSelector`: the selector string, `<none>` when empty, `<error>` when invalid.
pub fn format_label_selector(sel: Option<&Value>) -> String {
    match selector_string(sel) {
        None => "<error>".into(),
        Some(s) if s.is_empty() => "<none>".into(),
        Some(s) => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::printers::test_fixtures::*;
    use serde_json::json;

    #[test]
    fn human_durations_match_kubectl() {
        let cases = [
            (-5, "<invalid>"),
            (-1, "0s"),
            (6, "6s"),
            (119, "119s"),
            (203, "3m23s"),
            (600, "10m"),
            (154 * 60 + 30, "154m"),
            (3 * 3600, "3h"),
            (5 * 3600 + 12 * 60, "5h12m"),
            (30 * 3600, "30h"),
            (5 * 86400 + 19 * 3600, "5d19h"),
            (12 * 86400, "12d"),
            (800 * 86400, "2y70d"),
        ];
        for (secs, want) in cases {
            assert_eq!(human_duration(secs), want, "{secs}s");
        }
    }

    #[test]
    fn workloads() {
        let rs = json!({"kind": "ReplicaSet", "metadata": {"name": "myapp", "creationTimestamp": "2025-01-01T00:57:10Z"},
            "spec": {"replicas": 4, "selector": {"matchLabels": {"release": "canary", "app": "myapp"}},
                     "template": {"spec": {"containers": [{"name": "myapp-containers", "image": "ikubernetes/myapp:v2"}]}}},
            "status": {"replicas": 4, "readyReplicas": 4}});
        assert_eq!(
            table("ReplicaSet", &[rs], true, false, false),
            [
                "NAME    DESIRED   CURRENT   READY   AGE     CONTAINERS         IMAGES                 SELECTOR",
                "myapp   4         4         4       2m50s   myapp-containers   ikubernetes/myapp:v2   app=myapp,release=canary",
            ]
        );
        let deploy = json!({"kind": "Deployment", "metadata": {"name": "deploy-demo", "creationTimestamp": "2025-01-01T00:23:00Z"},
            "spec": {"replicas": 5, "selector": {"matchLabels": {"app": "deploy-app"},
                     "matchExpressions": [{"key": "tier", "operator": "In", "values": ["web", "api"]}]},
                     "template": {"spec": {"containers": [{"name": "myapp", "image": "ikubernetes/myapp:v3"}]}}},
            "status": {"replicas": 6, "readyReplicas": 6, "updatedReplicas": 1, "availableReplicas": 6}});
        assert_eq!(
            table("Deployment", &[deploy], true, false, false),
            [
                "NAME          READY   UP-TO-DATE   AVAILABLE   AGE   CONTAINERS   IMAGES                 SELECTOR",
                "deploy-demo   6/5     1            6           37m   myapp        ikubernetes/myapp:v3   app=deploy-app,tier in (api,web)",
            ]
        );
        let sts = json!({"kind": "StatefulSet", "metadata": {"name": "nginx-statefulset", "creationTimestamp": "2025-01-01T00:59:02Z"},
            "spec": {"replicas": 3}, "status": {"readyReplicas": 3}});
        assert_eq!(
            table("StatefulSet", &[sts], false, false, false),
            ["NAME                READY   AGE", "nginx-statefulset   3/3     58s"]
        );
        let ds = json!({"kind": "DaemonSet", "metadata": {"name": "daemset-nginx", "creationTimestamp": "2025-01-01T00:11:00Z"},
            "spec": {"template": {"spec": {"nodeSelector": {"disk": "ssd"}}}},
            "status": {"desiredNumberScheduled": 2, "currentNumberScheduled": 2, "numberReady": 1,
                       "updatedNumberScheduled": 2, "numberAvailable": 1}});
        assert_eq!(
            table("DaemonSet", &[ds], false, false, false),
            [
                "NAME            DESIRED   CURRENT   READY   UP-TO-DATE   AVAILABLE   NODE SELECTOR   AGE",
                "daemset-nginx   2         2         1       2            1           disk=ssd        49m",
            ]
        );
        let rc = json!({"kind": "ReplicationController", "metadata": {"name": "rc", "creationTimestamp": NOW},
            "spec": {"replicas": 1, "selector": {"app": "x"}, "template": {"spec": {"containers": [{"name": "c", "image": "i"}]}}}});
        assert_eq!(
            table("ReplicationController", &[rc], true, false, false)[1],
            "rc     1         0         0       0s    c            i        app=x"
        );
    }

    #[test]
    fn selectors_and_names() {
        assert_eq!(format_label_selector(None), "<none>");
        assert_eq!(format_label_selector(Some(&json!({}))), "<none>");
        assert_eq!(
            format_label_selector(Some(&json!({"matchExpressions": [
                {"key": "b", "operator": "NotIn", "values": ["x"]}, {"key": "a", "operator": "Exists"},
                {"key": "c", "operator": "DoesNotExist"}, {"key": "d", "operator": "In", "values": ["y"]}]}))),
            "a,b notin (x),!c,d in (y)"
        );
        assert_eq!(
            format_label_selector(Some(&json!({"matchExpressions": [{"key": "a", "operator": "Gt"}]}))),
            "<error>"
        );
        assert_eq!(name_of(&ObjKey::new("ReplicaSet", "default", "myapp")), "replicaset.apps/myapp");
        assert_eq!(name_of(&ObjKey::new("Pod", "default", "p")), "pod/p");
        assert_eq!(
            access_modes(Some(&json!(["ReadWriteOncePod", "ReadOnlyMany", "ReadWriteOnce"]))),
            "RWO,ROX,RWOP"
        );
    }
}
