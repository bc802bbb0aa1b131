//! `kubectl get` columns for each kind konverge knows, `-o wide`, `--show-labels` and `-o name`.
//!
//! The cells follow kubectl's table printers (`pkg/printers/internalversion`): the same column
//! names, the same `<none>` / `<unknown>` placeholders, the same age rendering
//! (`duration.HumanDuration`: `3m23s`, `154m`, `5d19h`). Where the API server would have
//! defaulted a field that a hand-written manifest leaves out (a Service's type, a port's protocol,
//! a Job's completions), the printer shows the defaulted value, as kubectl would see it.
//!
//! The small helpers kubectl's describers share with the printers (selectors, quantities, access
//! modes, the pod STATUS column) are public here and used by [`crate::describe`].

use crate::model::{self, ObjKey};
use serde_json::{Map, Value};
use std::cmp::Ordering;
use std::fmt;

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
        "Job" => (&["NAME", "COMPLETIONS", "DURATION", "AGE"], &["CONTAINERS", "IMAGES", "SELECTOR"]),
        "CronJob" => (
            &["NAME", "SCHEDULE", "SUSPEND", "ACTIVE", "LAST SCHEDULE", "AGE"],
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
                "REASON",
                "AGE",
            ],
            &["VOLUMEMODE"],
        ),
        "PersistentVolumeClaim" => (
            &["NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS MODES", "STORAGECLASS", "AGE"],
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
        "Job" => vec![name, job_completions(obj), job_duration(obj, now), age],
        "CronJob" => {
            let active = model::at(obj, &["status", "active"]).and_then(Value::as_array).map_or(0, Vec::len);
            let last = match model::str_at(obj, &["status", "lastScheduleTime"]) {
                "" => "<none>".to_string(),
                t => since(t, now),
            };
            vec![
                name,
                model::str_at(obj, &["spec", "schedule"]).to_string(),
                // The API server defaults `suspend` to false.
                bool_title(model::at(obj, &["spec", "suspend"]).and_then(Value::as_bool).unwrap_or(false)),
                active.to_string(),
                last,
                age,
            ]
        }
        "Node" => node_cells(obj, name, age),
        "Event" => event_cells(obj, now, wide),
        "PersistentVolume" => {
            let claim = match model::at(obj, &["spec", "claimRef"]) {
                Some(c) => format!("{}/{}", model::str_at(c, &["namespace"]), model::str_at(c, &["name"])),
                None => String::new(),
            };
            let phase = if model::at(obj, &["metadata", "deletionTimestamp"]).is_some() {
                "Terminating".to_string()
            } else {
                model::str_at(obj, &["status", "phase"]).to_string()
            };
            vec![
                name,
                quantity_at(obj, &["spec", "capacity", "storage"]),
                access_modes(model::at(obj, &["spec", "accessModes"])),
                model::str_at(obj, &["spec", "persistentVolumeReclaimPolicy"]).to_string(),
                phase,
                claim,
                volume_class(obj),
                model::str_at(obj, &["status", "reason"]).to_string(),
                age,
            ]
        }
        "PersistentVolumeClaim" => {
            let phase = if model::at(obj, &["metadata", "deletionTimestamp"]).is_some() {
                "Terminating".to_string()
            } else {
                model::str_at(obj, &["status", "phase"]).to_string()
            };
            let volume = model::str_at(obj, &["spec", "volumeName"]).to_string();
            let (capacity, modes) = if volume.is_empty() {
                (String::new(), String::new())
            } else {
                (
                    quantity_at(obj, &["status", "capacity", "storage"]),
                    access_modes(model::at(obj, &["status", "accessModes"])),
                )
            };
            vec![name, phase, volume, capacity, modes, volume_class(obj), age]
        }
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
// Pods

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
        // konverge's kubelet reports a bound pod's containers on the step after the bind; until
        // then the pod reads as the real kubelet reports it while it pulls and creates them.
        if statuses.is_empty()
            && phase == "Pending"
            && !model::str_at(pod, &["spec", "nodeName"]).is_empty()
            && model::str_at(pod, &["status", "reason"]).is_empty()
        {
            reason = "ContainerCreating".into();
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

// ---------------------------------------------------------------------------------------------
// Other kinds

fn job_completions(job: &Value) -> String {
    let succeeded = model::i64_at(job, &["status", "succeeded"]).unwrap_or(0);
    let completions = model::i64_at(job, &["spec", "completions"]);
    let parallelism = model::i64_at(job, &["spec", "parallelism"]);
    match (completions, parallelism) {
        (Some(c), _) => format!("{succeeded}/{c}"),
        // The API server defaults both to 1 when neither is set.
        (None, None) => format!("{succeeded}/1"),
        (None, Some(p)) if p > 1 => format!("{succeeded}/1 of {p}"),
        (None, Some(_)) => format!("{succeeded}/1"),
    }
}

fn job_duration(job: &Value, now: i64) -> String {
    let start = model::parse_time(model::str_at(job, &["status", "startTime"]));
    let end = model::parse_time(model::str_at(job, &["status", "completionTime"]));
    match (start, end) {
        (None, _) => String::new(),
        (Some(s), None) => human_duration(now - s),
        (Some(s), Some(e)) => human_duration(e - s),
    }
}

/// Node roles from `node-role.kubernetes.io/<role>` labels and `kubernetes.io/role=<role>`.
pub fn node_roles(node: &Value) -> Vec<String> {
    let mut roles: Vec<String> = model::labels(node)
        .into_iter()
        .filter_map(|(k, v)| match k.strip_prefix("node-role.kubernetes.io/") {
            Some(r) if !r.is_empty() => Some(r.to_string()),
            Some(_) => None,
            None if k == "kubernetes.io/role" && !v.is_empty() => Some(v),
            None => None,
        })
        .collect();
    roles.sort();
    roles.dedup();
    roles
}

fn node_cells(obj: &Value, name: String, age: String) -> Vec<String> {
    let mut status: Vec<String> = Vec::new();
    if let Some(c) = model::condition(obj, "Ready") {
        status.push(if model::str_at(c, &["status"]) == "True" { "Ready" } else { "NotReady" }.into());
    }
    if status.is_empty() {
        status.push("Unknown".into());
    }
    if model::at(obj, &["spec", "unschedulable"]).and_then(Value::as_bool) == Some(true) {
        status.push("SchedulingDisabled".into());
    }
    let roles = node_roles(obj);
    vec![
        name,
        status.join(","),
        if roles.is_empty() { "<none>".into() } else { roles.join(",") },
        age,
        model::str_at(obj, &["status", "nodeInfo", "kubeletVersion"]).to_string(),
    ]
}

fn node_wide(obj: &Value) -> Vec<String> {
    let address = |t: &str| {
        model::at(obj, &["status", "addresses"])
            .and_then(Value::as_array)
            .and_then(|a| a.iter().find(|x| model::str_at(x, &["type"]) == t))
            .map(|x| model::str_at(x, &["address"]).to_string())
            .unwrap_or_else(|| "<none>".into())
    };
    let info = |k: &str| or_default(model::str_at(obj, &["status", "nodeInfo", k]), "<unknown>");
    vec![
        address("InternalIP"),
        address("ExternalIP"),
        info("osImage"),
        info("kernelVersion"),
        info("containerRuntimeVersion"),
    ]
}

/// The time an event was last seen (`lastTimestamp`, else `firstTimestamp`, else `eventTime`).
fn event_last_seen(ev: &Value) -> Option<i64> {
    ["lastTimestamp", "firstTimestamp", "eventTime"]
        .iter()
        .find_map(|f| model::parse_time(model::str_at(ev, &[f])))
}

fn event_first_seen(ev: &Value) -> Option<i64> {
    ["firstTimestamp", "eventTime"].iter().find_map(|f| model::parse_time(model::str_at(ev, &[f])))
}

/// Events oldest first (`--sort-by=.lastTimestamp`); ties keep the order they were recorded in.
pub fn sort_events(events: &mut [&Value]) {
    let rv =
        |e: &Value| model::str_at(e, &["metadata", "resourceVersion"]).parse::<u64>().unwrap_or(u64::MAX);
    events.sort_by(|a, b| {
        event_last_seen(a)
            .unwrap_or(i64::MIN)
            .cmp(&event_last_seen(b).unwrap_or(i64::MIN))
            .then_with(|| rv(a).cmp(&rv(b)))
            .then_with(|| model::name(a).cmp(model::name(b)))
    });
}

fn event_cells(ev: &Value, now: i64, wide: bool) -> Vec<String> {
    let first = event_first_seen(ev).map_or("<unknown>".to_string(), |t| human_duration(now - t));
    let mut last = match model::parse_time(model::str_at(ev, &["lastTimestamp"])) {
        Some(t) => human_duration(now - t),
        None => first.clone(),
    };
    let mut count = model::i64_at(ev, &["count"]).unwrap_or(0);
    if let Some(series) = model::at(ev, &["series"]) {
        last = since(model::str_at(series, &["lastObservedTime"]), now);
        count = model::i64_at(series, &["count"]).unwrap_or(0);
    } else if count == 0 {
        count = 1;
    }
    let kind = model::str_at(ev, &["involvedObject", "kind"]).to_ascii_lowercase();
    let target = match model::str_at(ev, &["involvedObject", "name"]) {
        "" => kind,
        n => format!("{kind}/{n}"),
    };
    let message = model::str_at(ev, &["message"]).trim().to_string();
    let (kind, reason) =
        (model::str_at(ev, &["type"]).to_string(), model::str_at(ev, &["reason"]).to_string());
    if !wide {
        return vec![last, kind, reason, target, message];
    }
    let first_non_empty = |a: &str, b: &str| if a.is_empty() { b.to_string() } else { a.to_string() };
    let component = first_non_empty(
        model::str_at(ev, &["source", "component"]),
        model::str_at(ev, &["reportingComponent"]),
    );
    let host =
        first_non_empty(model::str_at(ev, &["source", "host"]), model::str_at(ev, &["reportingInstance"]));
    let source = match (component.is_empty(), host.is_empty()) {
        (true, _) => "<unknown>".to_string(),
        (false, true) => component,
        (false, false) => format!("{component}, {host}"),
    };
    vec![
        last,
        kind,
        reason,
        target,
        model::str_at(ev, &["involvedObject", "fieldPath"]).to_string(),
        source,
        message,
        first,
        count.to_string(),
        model::name(ev).to_string(),
    ]
}

/// A port's protocol, TCP when unset (the API server's default).
pub fn protocol(port: &Value) -> &str {
    match model::str_at(port, &["protocol"]) {
        "" => "TCP",
        p => p,
    }
}

/// A Service's type, ClusterIP when unset.
pub fn service_type(svc: &Value) -> &str {
    match model::str_at(svc, &["spec", "type"]) {
        "" => "ClusterIP",
        t => t,
    }
}

fn service_cells(svc: &Value, name: String, age: String) -> Vec<String> {
    let strings = |path: &[&str]| -> Vec<String> {
        model::at(svc, path)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    };
    let cluster_ips = strings(&["spec", "clusterIPs"]);
    let internal = match cluster_ips.first() {
        Some(ip) => ip.clone(),
        None => or_default(model::str_at(svc, &["spec", "clusterIP"]), "<none>"),
    };
    let external_ips = strings(&["spec", "externalIPs"]);
    let lb: Vec<String> = model::at(svc, &["status", "loadBalancer", "ingress"])
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|i| match model::str_at(i, &["ip"]) {
            "" => model::str_at(i, &["hostname"]).to_string(),
            ip => ip.to_string(),
        })
        .collect();
    let external = match service_type(svc) {
        "ClusterIP" | "NodePort" if !external_ips.is_empty() => external_ips.join(","),
        "ClusterIP" | "NodePort" => "<none>".to_string(),
        "LoadBalancer" => {
            let mut all = lb;
            all.extend(external_ips);
            if all.is_empty() {
                "<pending>".into()
            } else {
                all.join(",")
            }
        }
        "ExternalName" => model::str_at(svc, &["spec", "externalName"]).to_string(),
        _ => "<unknown>".to_string(),
    };
    let ports: Vec<String> = model::at(svc, &["spec", "ports"])
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|p| {
            let port = model::i64_at(p, &["port"]).unwrap_or(0);
            match model::i64_at(p, &["nodePort"]).unwrap_or(0) {
                0 => format!("{port}/{}", protocol(p)),
                np => format!("{port}:{np}/{}", protocol(p)),
            }
        })
        .collect();
    vec![
        name,
        service_type(svc).to_string(),
        internal,
        external,
        if ports.is_empty() { "<none>".into() } else { ports.join(",") },
        age,
    ]
}

fn ingress_cells(ing: &Value, name: String, age: String) -> Vec<String> {
    let class = or_default(model::str_at(ing, &["spec", "ingressClassName"]), "<none>");
    let rules: Vec<&Value> = model::at(ing, &["spec", "rules"])
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let hosts: Vec<&str> = rules
        .iter()
        .map(|r| match model::str_at(r, &["host"]) {
            "" => "*",
            h => h,
        })
        .collect();
    let hosts = match hosts.len() {
        0 => "*".to_string(),
        n if n > 3 => format!("{} + {} more...", hosts[..3].join(","), n - 3),
        _ => hosts.join(","),
    };
    let mut addresses: Vec<String> = model::at(ing, &["status", "loadBalancer", "ingress"])
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|i| match model::str_at(i, &["ip"]) {
            "" => model::str_at(i, &["hostname"]).to_string(),
            ip => ip.to_string(),
        })
        .filter(|s| !s.is_empty())
        .collect();
    addresses.sort();
    addresses.dedup();
    let mut address = addresses.join(",");
    if address.len() > 16 {
        address = format!("{}...", &address[..13]);
    }
    let tls = model::at(ing, &["spec", "tls"]).and_then(Value::as_array).is_some_and(|a| !a.is_empty());
    vec![name, class, hosts, address, if tls { "80, 443" } else { "80" }.into(), age]
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

/// Access modes abbreviated in kubectl's fixed order: `RWO,ROX,RWX,RWOP`.
pub fn access_modes(modes: Option<&Value>) -> String {
    let modes: Vec<&str> =
        modes.and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
    [
        ("ReadWriteOnce", "RWO"),
        ("ReadOnlyMany", "ROX"),
        ("ReadWriteMany", "RWX"),
        ("ReadWriteOncePod", "RWOP"),
    ]
    .iter()
    .filter(|(long, _)| modes.contains(long))
    .map(|(_, short)| *short)
    .collect::<Vec<_>>()
    .join(",")
}

/// The storage class of a PV or PVC: the beta annotation, else `spec.storageClassName`.
pub fn volume_class(obj: &Value) -> String {
    match model::annotation(obj, "volume.beta.kubernetes.io/storage-class") {
        Some(c) => c.to_string(),
        None => model::str_at(obj, &["spec", "storageClassName"]).to_string(),
    }
}

/// The canonical string of the quantity at `path` (`0` when missing, as Go's zero Quantity).
pub fn quantity_at(obj: &Value, path: &[&str]) -> String {
    match model::at(obj, path).and_then(model::quantity_str) {
        Some(s) => Quantity::parse(&s).map_or(s, |q| q.to_string()),
        None => "0".into(),
    }
}

// ---------------------------------------------------------------------------------------------
// Quantities

/// How a quantity was written, which decides how it is printed back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuantityFormat {
    /// `500m`, `2`, `1k`, `5G`.
    DecimalSI,
    /// `128Mi`, `5Gi`.
    BinarySI,
    /// `1e3`.
    DecimalExponent,
}

/// A `resource.Quantity`: its value in nano-units and its format. Printed in Kubernetes'
/// canonical form (`1000m` → `1`, `1024Mi` → `1Gi`, `0.5` → `500m`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quantity {
    pub nano: i128,
    pub format: QuantityFormat,
}

const NANO: i128 = 1_000_000_000;

impl Default for Quantity {
    fn default() -> Quantity {
        Quantity { nano: 0, format: QuantityFormat::DecimalSI }
    }
}

impl Quantity {
    pub fn parse(s: &str) -> Option<Quantity> {
        let s = s.trim();
        let num_end =
            s.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-')).unwrap_or(s.len());
        let (num, suffix) = s.split_at(num_end);
        let (negative, num) = match num.strip_prefix('-') {
            Some(n) => (true, n),
            None => (false, num.strip_prefix('+').unwrap_or(num)),
        };
        let (int_part, frac_part) = num.split_once('.').unwrap_or((num, ""));
        if (int_part.is_empty() && frac_part.is_empty())
            || !int_part.chars().chain(frac_part.chars()).all(|c| c.is_ascii_digit())
            || int_part.len() + frac_part.len() > 24
        {
            return None;
        }
        let mantissa: i128 = format!("{int_part}{frac_part}").parse().ok()?;
        let (format, pow10, pow1024): (QuantityFormat, i32, u32) = match suffix {
            "" => (QuantityFormat::DecimalSI, 0, 0),
            "n" => (QuantityFormat::DecimalSI, -9, 0),
            "u" => (QuantityFormat::DecimalSI, -6, 0),
            "m" => (QuantityFormat::DecimalSI, -3, 0),
            "k" => (QuantityFormat::DecimalSI, 3, 0),
            "M" => (QuantityFormat::DecimalSI, 6, 0),
            "G" => (QuantityFormat::DecimalSI, 9, 0),
            "T" => (QuantityFormat::DecimalSI, 12, 0),
            "P" => (QuantityFormat::DecimalSI, 15, 0),
            "E" => (QuantityFormat::DecimalSI, 18, 0),
            "Ki" => (QuantityFormat::BinarySI, 0, 1),
            "Mi" => (QuantityFormat::BinarySI, 0, 2),
            "Gi" => (QuantityFormat::BinarySI, 0, 3),
            "Ti" => (QuantityFormat::BinarySI, 0, 4),
            "Pi" => (QuantityFormat::BinarySI, 0, 5),
            "Ei" => (QuantityFormat::BinarySI, 0, 6),
            e if e.starts_with(['e', 'E']) => {
                let exp: i32 = e[1..].parse().ok()?;
                if !(-30..=30).contains(&exp) {
                    return None;
                }
                (QuantityFormat::DecimalExponent, exp, 0)
            }
            _ => return None,
        };
        // value = mantissa / 10^frac * 10^pow10 * 1024^pow1024, in nano-units, rounded up.
        let scale = 9 + pow10 - frac_part.len() as i32;
        let mut num = mantissa.checked_mul(1024i128.checked_pow(pow1024)?)?;
        let mut den: i128 = 1;
        if scale >= 0 {
            num = num.checked_mul(10i128.checked_pow(scale as u32)?)?;
        } else {
            den = 10i128.checked_pow((-scale) as u32)?;
        }
        let mut nano = num / den + i128::from(num % den != 0);
        if negative {
            nano = -nano;
        }
        Some(Quantity { nano, format })
    }

    /// The value rounded up to a whole unit (`Quantity.Value`).
    pub fn value(&self) -> i128 {
        ceil_div(self.nano, NANO)
    }

    /// The value in thousandths, rounded up (`Quantity.MilliValue`).
    pub fn milli_value(&self) -> i128 {
        ceil_div(self.nano, 1_000_000)
    }
}

/// Sum, keeping the format of the left-hand side (`Quantity.Add`), or the right-hand side's when
/// the left one is the zero value.
impl std::ops::Add for Quantity {
    type Output = Quantity;

    fn add(self, other: Quantity) -> Quantity {
        let format = if self.nano == 0 && self.format == QuantityFormat::DecimalSI {
            other.format
        } else {
            self.format
        };
        Quantity { nano: self.nano + other.nano, format }
    }
}

fn ceil_div(a: i128, b: i128) -> i128 {
    let q = a / b;
    if a % b != 0 && a > 0 {
        q + 1
    } else {
        q
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.nano == 0 {
            return write!(f, "0");
        }
        let sign = if self.nano < 0 { "-" } else { "" };
        let abs = self.nano.abs();
        if self.format == QuantityFormat::BinarySI && abs % NANO == 0 && abs / NANO >= 1024 {
            let mut v = abs / NANO;
            let mut k = 0;
            while k < 6 && v % 1024 == 0 {
                v /= 1024;
                k += 1;
            }
            let suffix = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"][k];
            return write!(f, "{sign}{v}{suffix}");
        }
        // Largest exponent, a multiple of 3, that keeps the mantissa whole.
        let mut exp = 18;
        while exp > -9 && abs % 10i128.pow((exp + 9) as u32) != 0 {
            exp -= 3;
        }
        let mantissa = abs / 10i128.pow((exp + 9) as u32);
        let suffix = match (self.format, exp) {
            (QuantityFormat::DecimalExponent, 0) => String::new(),
            (QuantityFormat::DecimalExponent, e) => format!("e{e}"),
            (_, e) => match e {
                -9 => "n",
                -6 => "u",
                -3 => "m",
                3 => "k",
                6 => "M",
                9 => "G",
                12 => "T",
                15 => "P",
                18 => "E",
                _ => "",
            }
            .to_string(),
        };
        write!(f, "{sign}{mantissa}{suffix}")
    }
}

impl PartialOrd for Quantity {
    fn partial_cmp(&self, other: &Quantity) -> Option<Ordering> {
        Some(self.nano.cmp(&other.nano))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: &str = "2025-01-01T01:00:00Z";

    fn now() -> i64 {
        model::parse_time(NOW).unwrap()
    }

    /// Render a table the way the CLI does and return its lines.
    fn table(kind: &str, objects: &[Value], wide: bool, all: bool, labels: bool) -> Vec<String> {
        let refs: Vec<&Value> = objects.iter().collect();
        crate::render::table(&rows(kind, &refs, now(), wide, all, labels))
            .lines()
            .map(str::to_string)
            .collect()
    }

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
            (pod("p", NOW, json!({"phase": "Pending"})), "ContainerCreating"),
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
    fn jobs_and_cronjobs() {
        let job = |spec: Value, status: Value| json!({"kind": "Job", "metadata": {"name": "pi", "creationTimestamp": "2025-01-01T00:59:00Z"}, "spec": spec, "status": status});
        let cases = [
            (job(json!({}), json!({})), "pi     0/1                      60s"),
            (
                job(
                    json!({"completions": 3}),
                    json!({"succeeded": 3, "startTime": "2025-01-01T00:59:00Z", "completionTime": "2025-01-01T00:59:42Z"}),
                ),
                "pi     3/3           42s        60s",
            ),
            (
                job(json!({"parallelism": 2}), json!({"startTime": "2025-01-01T00:59:30Z"})),
                "pi     0/1 of 2      30s        60s",
            ),
        ];
        for (j, want) in cases {
            assert_eq!(table("Job", &[j], false, false, false)[1], want);
        }
        let cj = json!({"kind": "CronJob", "metadata": {"name": "hello", "creationTimestamp": "2025-01-01T00:00:00Z"},
            "spec": {"schedule": "*/1 * * * *"},
            "status": {"active": [{"name": "hello-1"}], "lastScheduleTime": "2025-01-01T00:59:00Z"}});
        assert_eq!(
            table("CronJob", &[cj], false, false, false),
            [
                "NAME    SCHEDULE      SUSPEND   ACTIVE   LAST SCHEDULE   AGE",
                "hello   */1 * * * *   False     1        60s             60m"
            ]
        );
    }

    #[test]
    fn nodes() {
        let node = |name: &str, ready: &str, unsched: bool, labels: Value| {
            json!({"kind": "Node", "metadata": {"name": name, "creationTimestamp": "2024-12-26T05:00:00Z", "labels": labels},
                   "spec": {"unschedulable": unsched},
                   "status": {"conditions": [{"type": "Ready", "status": ready}], "nodeInfo": {"kubeletVersion": "v1.30.2"},
                              "addresses": [{"type": "InternalIP", "address": "192.168.1.35"}]}})
        };
        let got = table(
            "Node",
            &[
                node("k8s-master", "True", false, json!({"node-role.kubernetes.io/control-plane": ""})),
                node("k8s-node1", "False", true, json!({})),
                node("k8s-node2", "Unknown", false, json!({"kubernetes.io/role": "worker"})),
            ],
            true,
            false,
            false,
        );
        assert_eq!(
            got,
            [
                "NAME         STATUS                        ROLES           AGE     VERSION   INTERNAL-IP    EXTERNAL-IP   OS-IMAGE    KERNEL-VERSION   CONTAINER-RUNTIME",
                "k8s-master   Ready                         control-plane   5d20h   v1.30.2   192.168.1.35   <none>        <unknown>   <unknown>        <unknown>",
                "k8s-node1    NotReady,SchedulingDisabled   <none>          5d20h   v1.30.2   192.168.1.35   <none>        <unknown>   <unknown>        <unknown>",
                "k8s-node2    NotReady                      worker          5d20h   v1.30.2   192.168.1.35   <none>        <unknown>   <unknown>        <unknown>",
            ]
        );
    }

    #[test]
    fn events_oldest_first() {
        let ev = |name: &str, rv: &str, last: &str, reason: &str, kind: &str, obj: &str, msg: &str| {
            json!({"kind": "Event", "metadata": {"name": name, "namespace": "default", "resourceVersion": rv},
                   "involvedObject": {"kind": kind, "name": obj}, "reason": reason, "message": msg, "type": "Normal",
                   "source": {"component": "replicaset-controller"},
                   "firstTimestamp": last, "lastTimestamp": last, "count": 1})
        };
        let events = [
            ev("b", "9", "2025-01-01T00:59:58Z", "Started", "Pod", "myapp-x", "Started container"),
            ev(
                "z",
                "3",
                "2025-01-01T00:59:50Z",
                "SuccessfulCreate",
                "ReplicaSet",
                "myapp",
                "Created pod: myapp-x",
            ),
            ev(
                "a",
                "4",
                "2025-01-01T00:59:50Z",
                "SuccessfulCreate",
                "ReplicaSet",
                "myapp",
                "Created pod: myapp-y",
            ),
        ];
        assert_eq!(
            table("Event", &events, false, false, false),
            [
                "LAST SEEN   TYPE     REASON             OBJECT             MESSAGE",
                "10s         Normal   SuccessfulCreate   replicaset/myapp   Created pod: myapp-x",
                "10s         Normal   SuccessfulCreate   replicaset/myapp   Created pod: myapp-y",
                "2s          Normal   Started            pod/myapp-x        Started container",
            ]
        );
        assert_eq!(
            table("Event", &events[..1], true, false, false),
            [
                "LAST SEEN   TYPE     REASON    OBJECT        SUBOBJECT   SOURCE                  MESSAGE             FIRST SEEN   COUNT   NAME",
                "2s          Normal   Started   pod/myapp-x               replicaset-controller   Started container   2s           1       b",
            ]
        );
    }

    #[test]
    fn storage_like_the_seed() {
        let pv = |name: &str, size: &str, modes: Value, claim: Option<&str>| {
            let mut v = json!({"kind": "PersistentVolume", "metadata": {"name": name, "creationTimestamp": "2025-01-01T00:56:11Z"},
                "spec": {"capacity": {"storage": size}, "accessModes": modes, "persistentVolumeReclaimPolicy": "Retain"},
                "status": {"phase": if claim.is_some() { "Bound" } else { "Available" }}});
            if let Some(c) = claim {
                v["spec"]["claimRef"] = json!({"namespace": "default", "name": c});
            }
            v
        };
        let got = table(
            "PersistentVolume",
            &[
                pv("pv-nfs-001", "2Gi", json!(["ReadWriteMany", "ReadWriteOnce"]), None),
                pv("pv-nfs-002", "5Gi", json!(["ReadWriteOnce"]), Some("nginxdata-nginx-statefulset-0")),
            ],
            false,
            false,
            false,
        );
        assert_eq!(
            got,
            [
                "NAME         CAPACITY   ACCESS MODES   RECLAIM POLICY   STATUS      CLAIM                                   STORAGECLASS   REASON   AGE",
                "pv-nfs-001   2Gi        RWO,RWX        Retain           Available                                                                   3m49s",
                "pv-nfs-002   5Gi        RWO            Retain           Bound       default/nginxdata-nginx-statefulset-0                           3m49s",
            ]
        );
        let pvc = json!({"kind": "PersistentVolumeClaim", "metadata": {"name": "nginxdata-nginx-statefulset-1", "creationTimestamp": "2025-01-01T00:59:42Z"},
            "spec": {"volumeName": "pv-nfs-003", "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "5Gi"}}},
            "status": {"phase": "Bound", "capacity": {"storage": "5120Mi"}, "accessModes": ["ReadWriteOnce", "ReadWriteMany"]}});
        let pending = json!({"kind": "PersistentVolumeClaim", "metadata": {"name": "data", "creationTimestamp": "2025-01-01T00:59:42Z"},
            "spec": {"storageClassName": "nfs"}, "status": {"phase": "Pending"}});
        assert_eq!(
            table("PersistentVolumeClaim", &[pvc, pending], false, false, false),
            [
                "NAME                            STATUS    VOLUME       CAPACITY   ACCESS MODES   STORAGECLASS   AGE",
                "nginxdata-nginx-statefulset-1   Bound     pv-nfs-003   5Gi        RWO,RWX                       18s",
                "data                            Pending                                          nfs            18s",
            ]
        );
    }

    #[test]
    fn services_and_generic_kinds() {
        let svc = |name: &str, spec: Value| json!({"kind": "Service", "metadata": {"name": name, "creationTimestamp": "2025-01-01T00:59:31Z"}, "spec": spec});
        let got = table(
            "Service",
            &[
                svc(
                    "nginx-svc",
                    json!({"clusterIP": "None", "ports": [{"port": 80}], "selector": {"app": "nginx-pod"}}),
                ),
                svc(
                    "web",
                    json!({"type": "NodePort", "clusterIPs": ["10.96.0.20"], "ports": [{"port": 80, "nodePort": 30080}, {"port": 53, "protocol": "UDP"}]}),
                ),
                svc("lb", json!({"type": "LoadBalancer", "clusterIP": "10.96.0.21", "ports": []})),
            ],
            true,
            false,
            false,
        );
        assert_eq!(
            got,
            [
                "NAME        TYPE           CLUSTER-IP   EXTERNAL-IP   PORT(S)               AGE   SELECTOR",
                "nginx-svc   ClusterIP      None         <none>        80/TCP                29s   app=nginx-pod",
                "web         NodePort       10.96.0.20   <none>        80:30080/TCP,53/UDP   29s   <none>",
                "lb          LoadBalancer   10.96.0.21   <pending>     <none>                29s   <none>",
            ]
        );
        let cm = json!({"kind": "ConfigMap", "metadata": {"name": "cfg", "creationTimestamp": NOW}, "data": {"a": "1", "b": "2"}});
        assert_eq!(table("ConfigMap", &[cm], false, false, false), ["NAME   DATA   AGE", "cfg    2      0s"]);
        let crd = json!({"kind": "Widget", "metadata": {"name": "w"}});
        assert_eq!(table("Widget", &[crd], false, false, false), ["NAME   AGE", "w      <unknown>"]);
        let cr = json!({"kind": "ControllerRevision", "metadata": {"name": "web-5d8f", "creationTimestamp": NOW,
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "web", "controller": true}]}, "revision": 2});
        assert_eq!(
            table("ControllerRevision", &[cr], false, false, false)[1],
            "web-5d8f   statefulset.apps/web   2          0s"
        );
    }

    #[test]
    fn quantities_print_canonically() {
        let cases = [
            ("5Gi", "5Gi"),
            ("5120Mi", "5Gi"),
            ("1.5Gi", "1536Mi"),
            ("1000Ki", "1000Ki"),
            ("512", "512"),
            ("1024", "1024"),
            ("4", "4"),
            ("110", "110"),
            ("1000", "1k"),
            ("0.5", "500m"),
            ("1500m", "1500m"),
            ("2000m", "2"),
            ("1e3", "1e3"),
            ("128974848", "128974848"),
            ("129e6", "129e6"),
            ("0", "0"),
        ];
        for (input, want) in cases {
            assert_eq!(Quantity::parse(input).map(|q| q.to_string()).as_deref(), Some(want), "{input}");
        }
        assert!(Quantity::parse("abc").is_none());
        let sum = Quantity::parse("250m").unwrap() + Quantity::parse("0.75").unwrap();
        assert_eq!((sum.to_string(), sum.milli_value(), sum.value()), ("1".to_string(), 1000, 1));
        let mem = Quantity::default() + Quantity::parse("128Mi").unwrap() + Quantity::parse("128Mi").unwrap();
        assert_eq!(mem.to_string(), "256Mi");
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
