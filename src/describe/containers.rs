//! Pod templates and containers: `DescribePodTemplate` and `describeContainers` (image, ports,
//! command, state, resources, probes, environment, mounts), shared by the pod and workload
//! describers.

use super::*;

/// `DescribePodTemplate`.
pub(super) fn pod_template(w: &mut Out, template: Option<&Value>) {
    w.w(0, "Pod Template:\n");
    let Some(t) = template else {
        w.w(1, "<unset>");
        return;
    };
    labels_multiline(w, "", "  Labels", model::at(t, &["metadata", "labels"]));
    if model::at(t, &["metadata", "annotations"]).and_then(Value::as_object).is_some_and(|m| !m.is_empty()) {
        annotations_multiline(w, "  Annotations", model::at(t, &["metadata", "annotations"]));
    }
    let spec = model::at(t, &["spec"]).unwrap_or(&Value::Null);
    let sa = model::str_at(spec, &["serviceAccountName"]);
    if !sa.is_empty() {
        out!(w, 1, "Service Account:\t{sa}\n");
    }
    let init = list(spec, &["initContainers"]);
    if !init.is_empty() {
        containers(w, "Init Containers", &init, None, "  ", None);
    }
    containers(w, "Containers", &list(spec, &["containers"]), None, "  ", None);
    volumes(w, &list(spec, &["volumes"]), "  ");
    topology_spread(w, &list(spec, &["topologySpreadConstraints"]), "  ");
    let pc = model::str_at(spec, &["priorityClassName"]);
    if !pc.is_empty() {
        out!(w, 1, "Priority Class Name:\t{pc}\n");
    }
    labels_multiline(w, "", "  Node-Selectors", model::at(spec, &["nodeSelector"]));
    tolerations_multiline(w, "", "  Tolerations", &list(spec, &["tolerations"]));
}

/// `describeContainers`: each container's image, ports, command, state (for a pod), resources,
/// probes, environment and mounts.
pub(super) fn containers(
    w: &mut Out,
    label: &str,
    cs: &[&Value],
    statuses: Option<&[&Value]>,
    space: &str,
    pod: Option<&Value>,
) {
    out!(w, 0, "{space}{label}:{}\n", if cs.is_empty() { " <none>" } else { "" });
    let name_indent = if space.is_empty() { "" } else { " " };
    for c in cs {
        let name = model::str_at(c, &["name"]);
        let status = statuses.and_then(|st| st.iter().find(|s| model::str_at(s, &["name"]) == name).copied());
        out!(w, 1, "{name_indent}{name}:\n");
        if let Some(st) = status {
            out!(w, 2, "Container ID:\t{}\n", model::str_at(st, &["containerID"]));
        }
        out!(w, 2, "Image:\t{}\n", model::str_at(c, &["image"]));
        if let Some(st) = status {
            out!(w, 2, "Image ID:\t{}\n", model::str_at(st, &["imageID"]));
        }
        let ports = list(c, &["ports"]);
        let port_list = |field: &str| -> String {
            ports
                .iter()
                .map(|p| format!("{}/{}", model::i64_at(p, &[field]).unwrap_or(0), printers::protocol(p)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let (container_ports, host_ports) = (port_list("containerPort"), port_list("hostPort"));
        if container_ports.contains(',') {
            out!(w, 2, "Ports:\t{container_ports}\n");
        } else {
            out!(w, 2, "Port:\t{}\n", or_none(&container_ports));
        }
        if host_ports.contains(',') {
            out!(w, 2, "Host Ports:\t{host_ports}\n");
        } else {
            out!(w, 2, "Host Port:\t{}\n", or_none(&host_ports));
        }
        for (field, title) in [("command", "Command"), ("args", "Args")] {
            let items = str_list(c, &[field]);
            if !items.is_empty() {
                out!(w, 2, "{title}:\n");
                for item in &items {
                    for s in item.split('\n') {
                        out!(w, 3, "{s}\n");
                    }
                }
            }
        }
        if let Some(st) = status {
            container_state(w, "State", model::at(st, &["state"]));
            if model::at(st, &["lastState", "terminated"]).is_some() {
                container_state(w, "Last State", model::at(st, &["lastState"]));
            }
            out!(w, 2, "Ready:\t{}\n", printers::bool_title(bool_at(st, &["ready"])));
            out!(w, 2, "Restart Count:\t{}\n", model::i64_at(st, &["restartCount"]).unwrap_or(0));
        }
        resources(w, model::at(c, &["resources"]), 2);
        for (field, title) in
            [("livenessProbe", "Liveness"), ("readinessProbe", "Readiness"), ("startupProbe", "Startup")]
        {
            if let Some(p) = model::at(c, &[field]) {
                out!(w, 2, "{title}:\t{}\n", probe(p));
            }
        }
        let env_from = list(c, &["envFrom"]);
        if !env_from.is_empty() {
            w.w(2, "Environment Variables from:\n");
            for e in env_from {
                let (from, r) = match (model::at(e, &["configMapRef"]), model::at(e, &["secretRef"])) {
                    (Some(r), _) => ("ConfigMap", r),
                    (None, Some(r)) => ("Secret", r),
                    (None, None) => ("", &Value::Null),
                };
                let (name, optional) = (model::str_at(r, &["name"]), bool_at(r, &["optional"]));
                match model::str_at(e, &["prefix"]) {
                    "" => out!(w, 3, "{name}\t{from}\tOptional: {optional}\n"),
                    prefix => out!(w, 3, "{name}\t{from} with prefix '{prefix}'\tOptional: {optional}\n"),
                }
            }
        }
        env(w, c, pod);
        mounts(w, c);
    }
}

fn container_state(w: &mut Out, title: &str, state: Option<&Value>) {
    let state = state.unwrap_or(&Value::Null);
    if let Some(r) = model::at(state, &["running"]) {
        out!(w, 2, "{title}:\tRunning\n");
        out!(w, 3, "Started:\t{}\n", rfc1123z(model::str_at(r, &["startedAt"])));
    } else if let Some(wt) = model::at(state, &["waiting"]) {
        out!(w, 2, "{title}:\tWaiting\n");
        let reason = model::str_at(wt, &["reason"]);
        if !reason.is_empty() {
            out!(w, 3, "Reason:\t{reason}\n");
        }
    } else if let Some(t) = model::at(state, &["terminated"]) {
        out!(w, 2, "{title}:\tTerminated\n");
        for (field, label) in [("reason", "Reason"), ("message", "Message")] {
            let v = model::str_at(t, &[field]);
            if !v.is_empty() {
                out!(w, 3, "{label}:\t{v}\n");
            }
        }
        out!(w, 3, "Exit Code:\t{}\n", model::i64_at(t, &["exitCode"]).unwrap_or(0));
        let signal = model::i64_at(t, &["signal"]).unwrap_or(0);
        if signal > 0 {
            out!(w, 3, "Signal:\t{signal}\n");
        }
        out!(w, 3, "Started:\t{}\n", rfc1123z(model::str_at(t, &["startedAt"])));
        out!(w, 3, "Finished:\t{}\n", rfc1123z(model::str_at(t, &["finishedAt"])));
    } else {
        out!(w, 2, "{title}:\tWaiting\n");
    }
}

/// `describeResources`: Limits and Requests, resource names sorted.
pub(super) fn resources(w: &mut Out, res: Option<&Value>, level: usize) {
    let Some(res) = res else { return };
    for (field, title) in [("limits", "Limits"), ("requests", "Requests")] {
        let Some(m) = model::at(res, &[field]).and_then(Value::as_object).filter(|m| !m.is_empty()) else {
            continue;
        };
        out!(w, level, "{title}:\n");
        let mut names: Vec<&String> = m.keys().collect();
        names.sort();
        for n in names {
            out!(w, level + 1, "{n}:\t{}\n", quantity_string(&m[n]));
        }
    }
}

/// `DescribeProbe`, with the API server's defaults for unset thresholds.
fn probe(p: &Value) -> String {
    let num = |f: &str, d: i64| model::i64_at(p, &[f]).unwrap_or(d);
    let attrs = format!(
        "delay={}s timeout={}s period={}s #success={} #failure={}",
        num("initialDelaySeconds", 0),
        num("timeoutSeconds", 1),
        num("periodSeconds", 10),
        num("successThreshold", 1),
        num("failureThreshold", 3)
    );
    if let Some(e) = model::at(p, &["exec"]) {
        return format!("exec {} {attrs}", go_slice(&str_list(e, &["command"])));
    }
    if let Some(h) = model::at(p, &["httpGet"]) {
        let scheme = match model::str_at(h, &["scheme"]) {
            "" => "http".to_string(),
            s => s.to_ascii_lowercase(),
        };
        let host = model::str_at(h, &["host"]);
        let port = int_or_string(model::at(h, &["port"]));
        let host = if port.is_empty() {
            host.to_string()
        } else if host.contains(':') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        };
        return format!("http-get {scheme}://{host}{} {attrs}", model::str_at(h, &["path"]));
    }
    if let Some(t) = model::at(p, &["tcpSocket"]) {
        return format!(
            "tcp-socket {}:{} {attrs}",
            model::str_at(t, &["host"]),
            int_or_string(model::at(t, &["port"]))
        );
    }
    if let Some(g) = model::at(p, &["grpc"]) {
        return format!(
            "grpc <pod>:{} {} {attrs}",
            model::i64_at(g, &["port"]).unwrap_or(0),
            model::str_at(g, &["service"])
        );
    }
    format!("unknown {attrs}")
}

/// A downward-API field of a pod, as kubectl resolves `fieldRef` environment variables.
fn pod_field(pod: &Value, path: &str) -> String {
    let annotated = |prefix: &str, field: &str| {
        path.strip_prefix(prefix)
            .and_then(|r| r.strip_suffix("']"))
            .map(|k| model::str_at(pod, &["metadata", field, k]).to_string())
    };
    if let Some(v) = annotated("metadata.labels['", "labels")
        .or_else(|| annotated("metadata.annotations['", "annotations"))
    {
        return v;
    }
    let p: Vec<&str> = path.split('.').collect();
    model::str_at(pod, &p).to_string()
}

fn env(w: &mut Out, c: &Value, pod: Option<&Value>) {
    let vars = list(c, &["env"]);
    out!(w, 2, "Environment:{}\n", if vars.is_empty() { "\t<none>" } else { "" });
    for e in vars {
        let name = model::str_at(e, &["name"]);
        let Some(from) = model::at(e, &["valueFrom"]) else {
            for (i, s) in model::str_at(e, &["value"]).split('\n').enumerate() {
                if i == 0 {
                    out!(w, 3, "{name}:\t{s}\n");
                } else {
                    out!(w, 3, "\t{s}\n");
                }
            }
            continue;
        };
        if let Some(f) = model::at(from, &["fieldRef"]) {
            let path = model::str_at(f, &["fieldPath"]);
            let api = match model::str_at(f, &["apiVersion"]) {
                "" => "v1",
                v => v,
            };
            let value = pod.map(|p| pod_field(p, path)).unwrap_or_default();
            out!(w, 3, "{name}:\t{value} ({api}:{path})\n");
        } else if let Some(r) = model::at(from, &["resourceFieldRef"]) {
            out!(w, 3, "{name}:\t ({})\n", model::str_at(r, &["resource"]));
        } else if let Some(r) = model::at(from, &["secretKeyRef"]) {
            out!(
                w,
                3,
                "{name}:\t<set to the key '{}' in secret '{}'>\tOptional: {}\n",
                model::str_at(r, &["key"]),
                model::str_at(r, &["name"]),
                bool_at(r, &["optional"])
            );
        } else if let Some(r) = model::at(from, &["configMapKeyRef"]) {
            out!(
                w,
                3,
                "{name}:\t<set to the key '{}' of config map '{}'>\tOptional: {}\n",
                model::str_at(r, &["key"]),
                model::str_at(r, &["name"]),
                bool_at(r, &["optional"])
            );
        }
    }
}

fn mounts(w: &mut Out, c: &Value) {
    let mut ms = list(c, &["volumeMounts"]);
    out!(w, 2, "Mounts:{}\n", if ms.is_empty() { "\t<none>" } else { "" });
    ms.sort_by(|a, b| model::str_at(a, &["mountPath"]).cmp(model::str_at(b, &["mountPath"])));
    for m in ms {
        let mut flags = vec![if bool_at(m, &["readOnly"]) { "ro".to_string() } else { "rw".to_string() }];
        let sub = model::str_at(m, &["subPath"]);
        if !sub.is_empty() {
            flags.push(format!("path={sub:?}"));
        }
        out!(
            w,
            3,
            "{} from {} ({})\n",
            model::str_at(m, &["mountPath"]),
            model::str_at(m, &["name"]),
            flags.join(",")
        );
    }
    let mut devices = list(c, &["volumeDevices"]);
    if !devices.is_empty() {
        w.w(2, "Devices:\n");
        devices.sort_by(|a, b| model::str_at(a, &["devicePath"]).cmp(model::str_at(b, &["devicePath"])));
        for d in devices {
            out!(w, 3, "{} from {}\n", model::str_at(d, &["devicePath"]), model::str_at(d, &["name"]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::describe::test_fixtures::*;
    use serde_json::json;

    #[test]
    fn container_states() {
        let status = |state: Value| json!({"status": {"containerStatuses": [{"name": "c", "ready": false, "restartCount": 4, "state": state}]}});
        let cases = [
            (
                status(json!({"waiting": {"reason": "ImagePullBackOff"}})),
                vec!["    State:          Waiting", "      Reason:       ImagePullBackOff"],
            ),
            (status(json!({})), vec!["    State:          Waiting"]),
            (
                status(
                    json!({"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": "2025-01-01T00:00:01Z", "finishedAt": "2025-01-01T00:00:09Z"}}),
                ),
                vec![
                    "    State:          Terminated",
                    "      Reason:       Completed",
                    "      Exit Code:    0",
                    "      Started:      Wed, 01 Jan 2025 00:00:01 +0000",
                    "      Finished:     Wed, 01 Jan 2025 00:00:09 +0000",
                ],
            ),
        ];
        for (patch, want) in cases {
            assert_eq!(
                pod_lines(bare_pod(patch), &["State:", "Reason:", "Exit Code:", "Started:", "Finished:"]),
                want
            );
        }
        assert_eq!(
            pod_lines(bare_pod(status(json!({}))), &["Ready:", "Restart Count:"]),
            ["    Ready:          False", "    Restart Count:  4"]
        );
    }

    #[test]
    fn probes_read_like_kubectl() {
        let probe_cases = [
            (
                json!({"exec": {"command": ["cat", "/tmp/healthy"]}, "periodSeconds": 5}),
                "exec [cat /tmp/healthy] delay=0s timeout=1s period=5s #success=1 #failure=3",
            ),
            (
                json!({"tcpSocket": {"port": "http"}, "initialDelaySeconds": 15}),
                "tcp-socket :http delay=15s timeout=1s period=10s #success=1 #failure=3",
            ),
            (
                json!({"httpGet": {"scheme": "HTTPS", "host": "h", "port": 8443, "path": "/ready"}}),
                "http-get https://h:8443/ready delay=0s timeout=1s period=10s #success=1 #failure=3",
            ),
        ];
        for (p, want) in probe_cases {
            assert_eq!(probe(&p), want);
        }
    }
}
