//! `kubectl describe`, written the way kubectl writes it.
//!
//! kubectl's describers (`k8s.io/kubectl/pkg/describe`) write `Label:\tvalue` lines, indented by
//! two spaces per level, into a Go `text/tabwriter` (padding 2), which aligns each run of
//! consecutive lines that share a tab-terminated cell. The alignment a reader sees (`Name:` and
//! `Namespace:` values in one column, the `Events:` table, the wider column after a long
//! `Number of Nodes Scheduled with Up-to-date Pods:` line breaking the run) falls out of that
//! writer, so this module keeps both halves: [`Out`] collects the same text kubectl's describers
//! produce, and [`tabwriter`] lays it out as Go's tabwriter does.
//!
//! Where the API server would have defaulted a field a hand-written manifest leaves out (a pod's
//! priority and service account, a Deployment's strategy, a Job's backoff limit), the description
//! shows the defaulted value, as kubectl would see it. Times are printed in UTC.

use crate::model::{self, ObjKey};
use crate::printers::{self, Quantity};
use crate::selector::Selector;
use crate::state::State;
use serde_json::{Map, Value};

/// Annotations kubectl never shows.
const SKIP_ANNOTATIONS: &[&str] = &["kubectl.kubernetes.io/last-applied-configuration"];
/// Annotations longer than this are folded onto their own lines (`maxAnnotationLen`).
const MAX_ANNOTATION_LEN: usize = 140;
/// The label the Deployment controller adds to its ReplicaSets' templates.
const POD_TEMPLATE_HASH: &str = "pod-template-hash";

/// The description of `obj` (stored under `key`), with its events from `s`.
pub fn describe(s: &State, key: &ObjKey, obj: &Value) -> String {
    let mut w = Out::default();
    let d = Ctx { s, key, obj };
    match key.kind.as_str() {
        "Pod" => d.pod(&mut w),
        "ReplicaSet" => d.replica_set(&mut w),
        "ReplicationController" => d.replication_controller(&mut w),
        "Deployment" => d.deployment(&mut w),
        "StatefulSet" => d.stateful_set(&mut w),
        "DaemonSet" => d.daemon_set(&mut w),
        "Job" => d.job(&mut w),
        "CronJob" => d.cron_job(&mut w),
        "Node" => d.node(&mut w),
        "PersistentVolume" => d.persistent_volume(&mut w),
        "PersistentVolumeClaim" => d.persistent_volume_claim(&mut w),
        "Service" => d.service(&mut w),
        "ConfigMap" => d.config_map(&mut w),
        "Secret" => d.secret(&mut w),
        "Namespace" => d.namespace(&mut w),
        _ => d.generic(&mut w),
    }
    tabwriter(&w.buf)
}

// ---------------------------------------------------------------------------------------------
// Output: kubectl's PrefixWriter and Go's text/tabwriter

/// kubectl's `PrefixWriter`: text indented by two spaces per level.
#[derive(Default)]
struct Out {
    buf: String,
}

impl Out {
    fn w(&mut self, level: usize, text: &str) {
        for _ in 0..level {
            self.buf.push_str("  ");
        }
        self.buf.push_str(text);
    }

    /// `WriteLine`: the text and a newline, no indentation.
    fn line(&mut self, text: &str) {
        self.buf.push_str(text);
        self.buf.push('\n');
    }
}

/// `w.Write(level, format, args…)`.
macro_rules! out {
    ($w:expr, $level:expr, $($arg:tt)*) => { $w.w($level, &format!($($arg)*)) };
}

/// Lay out text as Go's `text/tabwriter` does with kubectl's settings (minwidth 0, padding 2,
/// space padding, no flags): a cell is text ended by a tab; the cells of one column are aligned
/// over each block of consecutive lines that have that column; a line's last cell is not padded.
pub fn tabwriter(text: &str) -> String {
    let mut lines: Vec<Vec<&str>> = text.split('\n').map(|l| l.split('\t').collect()).collect();
    // The text after the last newline (normally nothing) is written as it is.
    let tail = lines.pop().map(|l| l.join("\t")).unwrap_or_default();
    let mut out = String::with_capacity(text.len() * 2);
    let mut widths = Vec::new();
    format_block(&lines, &mut widths, 0, lines.len(), &mut out);
    out.push_str(&tail);
    out
}

const PADDING: usize = 2;

fn cell_width(c: &str) -> usize {
    c.chars().count()
}

fn format_block(
    lines: &[Vec<&str>],
    widths: &mut Vec<usize>,
    mut line0: usize,
    line1: usize,
    out: &mut String,
) {
    let column = widths.len();
    let mut this = line0;
    while this < line1 {
        if column + 1 >= lines[this].len() {
            this += 1;
            continue;
        }
        write_lines(lines, widths, line0, this, out);
        line0 = this;
        let mut width = 0;
        while this < line1 && column + 1 < lines[this].len() {
            width = width.max(cell_width(lines[this][column]) + PADDING);
            this += 1;
        }
        widths.push(width);
        format_block(lines, widths, line0, this, out);
        widths.pop();
        line0 = this;
    }
    write_lines(lines, widths, line0, line1, out);
}

fn write_lines(lines: &[Vec<&str>], widths: &[usize], line0: usize, line1: usize, out: &mut String) {
    for line in &lines[line0..line1] {
        for (j, cell) in line.iter().enumerate() {
            out.push_str(cell);
            if j < widths.len() && j + 1 < line.len() {
                out.extend(std::iter::repeat_n(' ', widths[j].saturating_sub(cell_width(cell))));
            }
        }
        out.push('\n');
    }
}

// ---------------------------------------------------------------------------------------------
// Small formatting helpers shared by the describers

/// A timestamp as Go's `time.RFC1123Z` (`Wed, 01 Jan 2025 00:00:00 +0000`); Go's zero time when
/// missing, as kubectl prints an unset `metav1.Time`.
fn rfc1123z(ts: &str) -> String {
    match model::parse_time(ts).and_then(|t| chrono::DateTime::from_timestamp(t, 0)) {
        Some(t) => t.format("%a, %d %b %Y %H:%M:%S %z").to_string(),
        None => "Mon, 01 Jan 0001 00:00:00 +0000".into(),
    }
}

fn or_none(s: &str) -> String {
    if s.is_empty() {
        "<none>".into()
    } else {
        s.to_string()
    }
}

/// A Conditions table with a first time column (`LastHeartbeatTime` for nodes, `LastProbeTime`
/// for claims) and the transition time, as kubectl prints it; nothing when there are none.
fn timed_conditions(w: &mut Out, conditions: &[&Value], title: &str, field: &str) {
    if conditions.is_empty() {
        return;
    }
    w.w(0, "Conditions:\n");
    out!(w, 1, "Type\tStatus\t{title}\tLastTransitionTime\tReason\tMessage\n");
    w.w(1, "----\t------\t-----------------\t------------------\t------\t-------\n");
    for c in conditions {
        let f = |k: &str| model::str_at(c, &[k]);
        out!(
            w,
            1,
            "{} \t{} \t{} \t{} \t{} \t{}\n",
            f("type"),
            f("status"),
            rfc1123z(f(field)),
            rfc1123z(f("lastTransitionTime")),
            f("reason"),
            f("message")
        );
    }
}

fn list<'a>(v: &'a Value, path: &[&str]) -> Vec<&'a Value> {
    model::at(v, path).and_then(Value::as_array).map(|a| a.iter().collect()).unwrap_or_default()
}

fn str_list(v: &Value, path: &[&str]) -> Vec<String> {
    list(v, path).into_iter().map(go_value).collect()
}

fn sorted_map(v: Option<&Value>) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = v
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| go_value(v), str::to_string)))
        .collect();
    pairs.sort();
    pairs
}

/// A JSON value as Go's `%v` prints the corresponding Go value.
fn go_value(v: &Value) -> String {
    match v {
        Value::Null => "<nil>".into(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Array(a) => format!("[{}]", a.iter().map(go_value).collect::<Vec<_>>().join(" ")),
        Value::Object(m) => {
            let mut items: Vec<String> = m.iter().map(|(k, v)| format!("{k}:{}", go_value(v))).collect();
            items.sort();
            format!("map[{}]", items.join(" "))
        }
    }
}

/// A Go `[]string` printed with `%v`: `[a b]`.
fn go_slice(items: &[String]) -> String {
    format!("[{}]", items.join(" "))
}

fn bool_at(v: &Value, path: &[&str]) -> bool {
    model::at(v, path).and_then(Value::as_bool).unwrap_or(false)
}

/// An `IntOrString` as `%s` prints it.
fn int_or_string(v: Option<&Value>) -> String {
    match v {
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) => s.clone(),
        _ => String::new(),
    }
}

fn quantity(v: &Value) -> Quantity {
    model::quantity_str(v).and_then(|s| Quantity::parse(&s)).unwrap_or_default()
}

fn quantity_string(v: &Value) -> String {
    match model::quantity_str(v) {
        Some(s) => Quantity::parse(&s).map_or(s, |q| q.to_string()),
        None => "0".into(),
    }
}

/// `printLabelsMultilineWithIndent`: `Title:\tk=v`, further pairs on their own aligned lines.
fn labels_multiline(w: &mut Out, indent: &str, title: &str, map: Option<&Value>) {
    out!(w, 0, "{indent}{title}:\t");
    let pairs = sorted_map(map);
    if pairs.is_empty() {
        w.line("<none>");
        return;
    }
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i != 0 {
            out!(w, 0, "{indent}\t");
        }
        out!(w, 0, "{k}={v}\n");
    }
}

/// `printAnnotationsMultiline`: like labels, without kubectl's own bookkeeping annotation, long
/// or multi-line values folded.
fn annotations_multiline(w: &mut Out, title: &str, map: Option<&Value>) {
    out!(w, 0, "{title}:\t");
    let pairs: Vec<(String, String)> =
        sorted_map(map).into_iter().filter(|(k, _)| !SKIP_ANNOTATIONS.contains(&k.as_str())).collect();
    if pairs.is_empty() {
        w.line("<none>");
        return;
    }
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i != 0 {
            w.w(0, "\t");
        }
        let value = v.strip_suffix('\n').unwrap_or(v);
        if value.len() + k.len() + 2 > MAX_ANNOTATION_LEN || value.contains('\n') {
            out!(w, 0, "{k}:\n");
            for s in value.split('\n') {
                out!(w, 0, "\t  {}\n", shorten(s, MAX_ANNOTATION_LEN - 2));
            }
        } else {
            out!(w, 0, "{k}: {value}\n");
        }
    }
}

fn shorten(s: &str, max: usize) -> String {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}...", &s[..end])
    } else {
        s.to_string()
    }
}

/// `printTolerationsMultilineWithIndent`.
fn tolerations_multiline(w: &mut Out, indent: &str, title: &str, tolerations: &[&Value]) {
    out!(w, 0, "{indent}{title}:\t");
    if tolerations.is_empty() {
        w.line("<none>");
        return;
    }
    let mut sorted = tolerations.to_vec();
    sorted.sort_by(|a, b| model::str_at(a, &["key"]).cmp(model::str_at(b, &["key"])));
    for (i, t) in sorted.iter().enumerate() {
        if i != 0 {
            out!(w, 0, "{indent}\t");
        }
        let (key, value, effect) =
            (model::str_at(t, &["key"]), model::str_at(t, &["value"]), model::str_at(t, &["effect"]));
        let mut text = key.to_string();
        if !value.is_empty() {
            text.push_str(&format!("={value}"));
        }
        if !effect.is_empty() {
            text.push_str(&format!(":{effect}"));
        }
        if model::str_at(t, &["operator"]) == "Exists" && value.is_empty() {
            text.push_str(if key.is_empty() && effect.is_empty() { "op=Exists" } else { " op=Exists" });
        }
        if let Some(secs) = model::i64_at(t, &["tolerationSeconds"]) {
            text.push_str(&format!(" for {secs}s"));
        }
        out!(w, 0, "{text}\n");
    }
}

/// The controller of an object as `Kind/name`.
fn controlled_by(obj: &Value) -> Option<String> {
    model::controller_ref(obj).map(|(kind, name, _)| format!("{kind}/{name}"))
}

/// `labels.Selector` string of a workload's `spec.selector` (empty when it has none).
fn selector_of(obj: &Value) -> String {
    printers::selector_string(model::at(obj, &["spec", "selector"])).unwrap_or_default()
}

/// `%d Running / %d Waiting / %d Succeeded / %d Failed` over the pods a controller owns: pods in
/// its namespace that match its selector and whose controller reference is this object.
fn pods_status(s: &State, owner: &Value, selector: Option<Selector>) -> String {
    let uid = model::uid(owner);
    let ns = model::str_at(owner, &["metadata", "namespace"]);
    let (mut running, mut waiting, mut succeeded, mut failed) = (0, 0, 0, 0);
    for pod in s.of_kind("Pod", Some(ns)) {
        if selector.as_ref().is_some_and(|sel| !sel.matches(&model::labels(pod))) {
            continue;
        }
        match model::controller_ref(pod) {
            Some((_, _, owner_uid)) if owner_uid == uid => {}
            _ => continue,
        }
        match model::str_at(pod, &["status", "phase"]) {
            "Running" => running += 1,
            "Pending" => waiting += 1,
            "Succeeded" => succeeded += 1,
            "Failed" => failed += 1,
            _ => {}
        }
    }
    format!("{running} Running / {waiting} Waiting / {succeeded} Succeeded / {failed} Failed")
}

fn label_selector(obj: &Value, path: &[&str]) -> Option<Selector> {
    model::at(obj, path).and_then(|v| Selector::from_label_selector(v).ok())
}

// ---------------------------------------------------------------------------------------------
// Pod templates and containers

/// `DescribePodTemplate`.
fn pod_template(w: &mut Out, template: Option<&Value>) {
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
fn containers(
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
fn resources(w: &mut Out, res: Option<&Value>, level: usize) {
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

/// `describeVolumes`, for the volume sources konverge's examples use; others read `<unknown>`.
fn volumes(w: &mut Out, vols: &[&Value], space: &str) {
    if vols.is_empty() {
        out!(w, 0, "{space}Volumes:\t<none>\n");
        return;
    }
    out!(w, 0, "{space}Volumes:\n");
    let name_indent = if space.is_empty() { "" } else { " " };
    for v in vols {
        out!(w, 1, "{name_indent}{}:\n", model::str_at(v, &["name"]));
        volume_source(w, v, true);
    }
}

/// The `Type:` block of a volume source (a pod volume, or a PV's spec when `pod` is false).
fn volume_source(w: &mut Out, v: &Value, pod: bool) {
    let s = |src: &Value, f: &str| model::str_at(src, &[f]).to_string();
    let b = |src: &Value, f: &str| bool_at(src, &[f]);
    if let Some(h) = model::at(v, &["hostPath"]) {
        out!(
            w,
            2,
            "Type:\tHostPath (bare host directory volume)\n    Path:\t{}\n    HostPathType:\t{}\n",
            s(h, "path"),
            or_none(&s(h, "type"))
        );
    } else if let Some(e) = model::at(v, &["emptyDir"]).filter(|_| pod) {
        let limit = model::at(e, &["sizeLimit"]).map(quantity).filter(|q| q.nano > 0);
        out!(
            w,
            2,
            "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n    Medium:\t{}\n    SizeLimit:\t{}\n",
            s(e, "medium"),
            limit.map_or("<unset>".to_string(), |q| q.to_string())
        );
    } else if let Some(x) = model::at(v, &["secret"]).filter(|_| pod) {
        out!(
            w,
            2,
            "Type:\tSecret (a volume populated by a Secret)\n    SecretName:\t{}\n    Optional:\t{}\n",
            s(x, "secretName"),
            b(x, "optional")
        );
    } else if let Some(x) = model::at(v, &["configMap"]).filter(|_| pod) {
        out!(
            w,
            2,
            "Type:\tConfigMap (a volume populated by a ConfigMap)\n    Name:\t{}\n    Optional:\t{}\n",
            s(x, "name"),
            b(x, "optional")
        );
    } else if let Some(n) = model::at(v, &["nfs"]) {
        out!(
            w,
            2,
            "Type:\tNFS (an NFS mount that lasts the lifetime of a pod)\n    Server:\t{}\n    Path:\t{}\n    ReadOnly:\t{}\n",
            s(n, "server"),
            s(n, "path"),
            b(n, "readOnly")
        );
    } else if let Some(c) = model::at(v, &["persistentVolumeClaim"]).filter(|_| pod) {
        out!(
            w,
            2,
            "Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)\n    ClaimName:\t{}\n    ReadOnly:\t{}\n",
            s(c, "claimName"),
            b(c, "readOnly")
        );
    } else if let Some(l) = model::at(v, &["local"]).filter(|_| !pod) {
        out!(
            w,
            2,
            "Type:\tLocalVolume (a persistent volume backed by local storage on a node)\n    Path:\t{}\n",
            s(l, "path")
        );
    } else if let Some(p) = model::at(v, &["projected"]).filter(|_| pod) {
        w.w(2, "Type:\tProjected (a volume that contains injected data from multiple sources)\n");
        for src in list(p, &["sources"]) {
            if let Some(x) = model::at(src, &["secret"]) {
                out!(w, 2, "SecretName:\t{}\n    Optional:\t{}\n", s(x, "name"), b(x, "optional"));
            } else if model::at(src, &["downwardAPI"]).is_some() {
                w.w(2, "DownwardAPI:\ttrue\n");
            } else if let Some(x) = model::at(src, &["configMap"]) {
                out!(w, 2, "ConfigMapName:\t{}\n    Optional:\t{}\n", s(x, "name"), b(x, "optional"));
            } else if let Some(x) = model::at(src, &["serviceAccountToken"]) {
                out!(
                    w,
                    2,
                    "TokenExpirationSeconds:\t{}\n",
                    model::i64_at(x, &["expirationSeconds"]).unwrap_or(3607)
                );
            }
        }
    } else if let Some(d) = model::at(v, &["downwardAPI"]).filter(|_| pod) {
        w.w(2, "Type:\tDownwardAPI (a volume populated by information about the pod)\n    Items:\n");
        for item in list(d, &["items"]) {
            if let Some(f) = model::at(item, &["fieldRef"]) {
                out!(w, 3, "{} -> {}\n", s(f, "fieldPath"), s(item, "path"));
            }
            if let Some(f) = model::at(item, &["resourceFieldRef"]) {
                out!(w, 3, "{} -> {}\n", s(f, "resource"), s(item, "path"));
            }
        }
    } else if let Some(c) = model::at(v, &["csi"]) {
        out!(
            w,
            2,
            "Type:\tCSI (a Container Storage Interface (CSI) volume source)\n    Driver:\t{}\n    FSType:\t{}\n",
            s(c, "driver"),
            s(c, "fsType")
        );
        if !pod {
            out!(w, 0, "    VolumeHandle:\t{}\n", s(c, "volumeHandle"));
        }
        out!(w, 0, "    ReadOnly:\t{}\n", b(c, "readOnly"));
        out!(w, 2, "VolumeAttributes:\t");
        let attrs = sorted_map(model::at(c, &["volumeAttributes"]));
        if attrs.is_empty() {
            w.line("<none>");
        }
        for (i, (k, v)) in attrs.iter().enumerate() {
            if i != 0 {
                w.w(2, "\t");
            }
            out!(w, 2, "{}\n", shorten(&format!("{k}={v}"), MAX_ANNOTATION_LEN));
        }
    } else {
        w.w(1, "<unknown>\n");
    }
}

fn topology_spread(w: &mut Out, tscs: &[&Value], space: &str) {
    if tscs.is_empty() {
        return;
    }
    let mut sorted = tscs.to_vec();
    sorted.sort_by(|a, b| model::str_at(a, &["topologyKey"]).cmp(model::str_at(b, &["topologyKey"])));
    out!(w, 0, "{space}Topology Spread Constraints:\t");
    for (i, t) in sorted.iter().enumerate() {
        if i != 0 {
            out!(w, 0, "{space}\t");
        }
        out!(
            w,
            0,
            "{}:{} when max skew {} is exceeded",
            model::str_at(t, &["topologyKey"]),
            model::str_at(t, &["whenUnsatisfiable"]),
            model::i64_at(t, &["maxSkew"]).unwrap_or(0)
        );
        if let Some(sel) = model::at(t, &["labelSelector"]) {
            out!(w, 0, " for selector {}", printers::format_label_selector(Some(sel)));
        }
        w.w(0, "\n");
    }
}

/// `qos.GetPodQOS`: Guaranteed, Burstable or BestEffort from cpu and memory requests and limits
/// (requests default to limits, as the API server defaults them).
fn qos_class(pod: &Value) -> String {
    let reported = model::str_at(pod, &["status", "qosClass"]);
    if !reported.is_empty() {
        return reported.to_string();
    }
    let mut requests: Map<String, Value> = Map::new();
    let mut limits: Map<String, Value> = Map::new();
    let mut guaranteed = true;
    let mut all = list(pod, &["spec", "initContainers"]);
    all.extend(list(pod, &["spec", "containers"]));
    let add = |acc: &mut Map<String, Value>, name: &str, q: Quantity| {
        let sum = acc.get(name).map(quantity).unwrap_or_default() + q;
        acc.insert(name.to_string(), Value::String(sum.to_string()));
    };
    for c in all {
        let lim = model::at(c, &["resources", "limits"]).and_then(Value::as_object);
        let mut req: Map<String, Value> =
            model::at(c, &["resources", "requests"]).and_then(Value::as_object).cloned().unwrap_or_default();
        for (k, v) in lim.into_iter().flatten() {
            req.entry(k.clone()).or_insert_with(|| v.clone());
        }
        for (k, v) in &req {
            let q = quantity(v);
            if (k == "cpu" || k == "memory") && q.nano != 0 {
                add(&mut requests, k, q);
            }
        }
        let mut found = 0;
        for (k, v) in lim.into_iter().flatten() {
            let q = quantity(v);
            if (k == "cpu" || k == "memory") && q.nano != 0 {
                found += 1;
                add(&mut limits, k, q);
            }
        }
        if found < 2 {
            guaranteed = false;
        }
    }
    if requests.is_empty() && limits.is_empty() {
        return "BestEffort".into();
    }
    if guaranteed
        && requests.iter().all(|(k, v)| limits.get(k).map(quantity) == Some(quantity(v)))
        && requests.len() == limits.len()
    {
        return "Guaranteed".into();
    }
    "Burstable".into()
}

// ---------------------------------------------------------------------------------------------
// Events

/// `DescribeEvents`: the object's events, oldest first.
fn events(w: &mut Out, s: &State, key: &ObjKey, obj: &Value) {
    let uid = model::uid(obj);
    let mut evs: Vec<&Value> = s
        .of_kind("Event", if key.namespace.is_empty() { None } else { Some(&key.namespace) })
        .filter(|ev| {
            let inv = |f: &str| model::str_at(ev, &["involvedObject", f]);
            let uid_ok = uid.is_empty()
                || inv("uid").is_empty()
                || inv("uid") == uid
                || (key.kind == "Node" && inv("uid") == key.name);
            inv("kind") == key.kind
                && inv("name") == key.name
                && (key.namespace.is_empty()
                    || inv("namespace").is_empty()
                    || inv("namespace") == key.namespace)
                && uid_ok
        })
        .collect();
    if evs.is_empty() {
        w.w(0, "Events:\t<none>\n");
        return;
    }
    printers::sort_events(&mut evs);
    w.w(0, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n");
    w.w(1, "----\t------\t----\t----\t-------\n");
    for ev in evs {
        let first = match model::str_at(ev, &["firstTimestamp"]) {
            "" => printers::since(model::str_at(ev, &["eventTime"]), s.now),
            t => printers::since(t, s.now),
        };
        let count = model::i64_at(ev, &["count"]).unwrap_or(0);
        let age = if let Some(series) = model::at(ev, &["series"]) {
            format!(
                "{} (x{} over {first})",
                printers::since(model::str_at(series, &["lastObservedTime"]), s.now),
                model::i64_at(series, &["count"]).unwrap_or(0)
            )
        } else if count > 1 {
            format!(
                "{} (x{count} over {first})",
                printers::since(model::str_at(ev, &["lastTimestamp"]), s.now)
            )
        } else {
            first
        };
        let source = match model::str_at(ev, &["source", "component"]) {
            "" => model::str_at(ev, &["reportingComponent"]),
            c => c,
        };
        out!(
            w,
            1,
            "{}\t{}\t{age}\t{source}\t{}\n",
            model::str_at(ev, &["type"]),
            model::str_at(ev, &["reason"]),
            model::str_at(ev, &["message"]).trim()
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The describers

struct Ctx<'a> {
    s: &'a State,
    key: &'a ObjKey,
    obj: &'a Value,
}

impl Ctx<'_> {
    fn str(&self, path: &[&str]) -> &str {
        model::str_at(self.obj, path)
    }

    fn int(&self, path: &[&str]) -> i64 {
        model::i64_at(self.obj, path).unwrap_or(0)
    }

    fn labels(&self, w: &mut Out) {
        labels_multiline(w, "", "Labels", model::at(self.obj, &["metadata", "labels"]));
    }

    fn annotations(&self, w: &mut Out) {
        annotations_multiline(w, "Annotations", model::at(self.obj, &["metadata", "annotations"]));
    }

    fn name_namespace(&self, w: &mut Out) {
        out!(w, 0, "Name:\t{}\n", self.key.name);
        out!(w, 0, "Namespace:\t{}\n", self.key.namespace);
    }

    fn created(&self, w: &mut Out) {
        out!(w, 0, "CreationTimestamp:\t{}\n", rfc1123z(self.str(&["metadata", "creationTimestamp"])));
    }

    fn events(&self, w: &mut Out) {
        events(w, self.s, self.key, self.obj);
    }

    fn template(&self) -> Option<&Value> {
        model::at(self.obj, &["spec", "template"])
    }

    fn pods_status(&self) -> String {
        pods_status(self.s, self.obj, label_selector(self.obj, &["spec", "selector"]))
    }

    fn conditions_reason_table(&self, w: &mut Out) {
        let conds = list(self.obj, &["status", "conditions"]);
        if conds.is_empty() {
            return;
        }
        w.w(0, "Conditions:\n  Type\tStatus\tReason\n");
        w.w(1, "----\t------\t------\n");
        for c in conds {
            out!(
                w,
                1,
                "{} \t{}\t{}\n",
                model::str_at(c, &["type"]),
                model::str_at(c, &["status"]),
                model::str_at(c, &["reason"])
            );
        }
    }

    fn pod(&self, w: &mut Out) {
        let pod = self.obj;
        self.name_namespace(w);
        out!(w, 0, "Priority:\t{}\n", self.int(&["spec", "priority"]));
        let pc = self.str(&["spec", "priorityClassName"]);
        if !pc.is_empty() {
            out!(w, 0, "Priority Class Name:\t{pc}\n");
        }
        let rc = self.str(&["spec", "runtimeClassName"]);
        if !rc.is_empty() {
            out!(w, 0, "Runtime Class Name:\t{rc}\n");
        }
        out!(
            w,
            0,
            "Service Account:\t{}\n",
            or_default(self.str(&["spec", "serviceAccountName"]), "default")
        );
        match self.str(&["spec", "nodeName"]) {
            "" => w.w(0, "Node:\t<none>\n"),
            node => out!(w, 0, "Node:\t{node}/{}\n", self.str(&["status", "hostIP"])),
        }
        let start = self.str(&["status", "startTime"]);
        if !start.is_empty() {
            out!(w, 0, "Start Time:\t{}\n", rfc1123z(start));
        }
        self.labels(w);
        self.annotations(w);
        let phase = self.str(&["status", "phase"]);
        let deletion = self.str(&["metadata", "deletionTimestamp"]);
        if !deletion.is_empty() && phase != "Failed" && phase != "Succeeded" {
            out!(w, 0, "Status:\tTerminating (lasts {})\n", printers::since(deletion, self.s.now));
            out!(
                w,
                0,
                "Termination Grace Period:\t{}s\n",
                model::i64_at(pod, &["metadata", "deletionGracePeriodSeconds"]).unwrap_or(30)
            );
        } else {
            out!(w, 0, "Status:\t{phase}\n");
        }
        for (field, label) in [("reason", "Reason"), ("message", "Message")] {
            let v = self.str(&["status", field]);
            if !v.is_empty() {
                out!(w, 0, "{label}:\t{v}\n");
            }
        }
        out!(w, 0, "IP:\t{}\n", self.str(&["status", "podIP"]));
        let ips = list(pod, &["status", "podIPs"]);
        if ips.is_empty() {
            w.w(0, "IPs:\t<none>\n");
        } else {
            w.w(0, "IPs:\n");
            for ip in ips {
                out!(w, 1, "IP:\t{}\n", model::str_at(ip, &["ip"]));
            }
        }
        if let Some(c) = controlled_by(pod) {
            out!(w, 0, "Controlled By:\t{c}\n");
        }
        let nominated = self.str(&["status", "nominatedNodeName"]);
        if !nominated.is_empty() {
            out!(w, 0, "NominatedNodeName:\t{nominated}\n");
        }
        if let Some(r) = model::at(pod, &["spec", "resources"]) {
            w.w(0, "Resources:\n");
            resources(w, Some(r), 1);
        }
        let init = list(pod, &["spec", "initContainers"]);
        if !init.is_empty() {
            containers(
                w,
                "Init Containers",
                &init,
                Some(&list(pod, &["status", "initContainerStatuses"])),
                "",
                Some(pod),
            );
        }
        let statuses = list(pod, &["status", "containerStatuses"]);
        containers(w, "Containers", &list(pod, &["spec", "containers"]), Some(&statuses), "", Some(pod));
        let conditions = list(pod, &["status", "conditions"]);
        let gates = list(pod, &["spec", "readinessGates"]);
        if !gates.is_empty() {
            w.w(0, "Readiness Gates:\n  Type\tStatus\n");
            for g in gates {
                let t = model::str_at(g, &["conditionType"]);
                let status = conditions
                    .iter()
                    .find(|c| model::str_at(c, &["type"]) == t)
                    .map_or("<none>".to_string(), |c| model::str_at(c, &["status"]).to_string());
                out!(w, 1, "{t} \t{status} \n");
            }
        }
        if !conditions.is_empty() {
            w.w(0, "Conditions:\n  Type\tStatus\n");
            for c in conditions {
                out!(w, 1, "{} \t{} \n", model::str_at(c, &["type"]), model::str_at(c, &["status"]));
            }
        }
        volumes(w, &list(pod, &["spec", "volumes"]), "");
        out!(w, 0, "QoS Class:\t{}\n", qos_class(pod));
        labels_multiline(w, "", "Node-Selectors", model::at(pod, &["spec", "nodeSelector"]));
        tolerations_multiline(w, "", "Tolerations", &list(pod, &["spec", "tolerations"]));
        topology_spread(w, &list(pod, &["spec", "topologySpreadConstraints"]), "");
        self.events(w);
    }

    fn replica_set(&self, w: &mut Out) {
        self.name_namespace(w);
        out!(
            w,
            0,
            "Selector:\t{}\n",
            printers::format_label_selector(model::at(self.obj, &["spec", "selector"]))
        );
        self.labels(w);
        self.annotations(w);
        if let Some(c) = controlled_by(self.obj) {
            out!(w, 0, "Controlled By:\t{c}\n");
        }
        out!(
            w,
            0,
            "Replicas:\t{} current / {} desired\n",
            self.int(&["status", "replicas"]),
            model::replicas(self.obj)
        );
        out!(w, 0, "Pods Status:\t{}\n", self.pods_status());
        pod_template(w, self.template());
        self.conditions_reason_table(w);
        self.events(w);
    }

    fn replication_controller(&self, w: &mut Out) {
        self.name_namespace(w);
        let selector = model::at(self.obj, &["spec", "selector"]);
        out!(w, 0, "Selector:\t{}\n", printers::format_labels(selector));
        self.labels(w);
        self.annotations(w);
        out!(
            w,
            0,
            "Replicas:\t{} current / {} desired\n",
            self.int(&["status", "replicas"]),
            model::replicas(self.obj)
        );
        let sel = selector.and_then(|v| Selector::from_map(v).ok());
        out!(w, 0, "Pods Status:\t{}\n", pods_status(self.s, self.obj, sel));
        pod_template(w, self.template());
        self.conditions_reason_table(w);
        self.events(w);
    }

    fn deployment(&self, w: &mut Out) {
        let d = self.obj;
        self.name_namespace(w);
        self.created(w);
        self.labels(w);
        self.annotations(w);
        out!(w, 0, "Selector:\t{}\n", selector_of(d));
        out!(
            w,
            0,
            "Replicas:\t{} desired | {} updated | {} total | {} available | {} unavailable\n",
            model::replicas(d),
            self.int(&["status", "updatedReplicas"]),
            self.int(&["status", "replicas"]),
            self.int(&["status", "availableReplicas"]),
            self.int(&["status", "unavailableReplicas"])
        );
        let strategy = or_default(self.str(&["spec", "strategy", "type"]), "RollingUpdate");
        out!(w, 0, "StrategyType:\t{strategy}\n");
        out!(w, 0, "MinReadySeconds:\t{}\n", self.int(&["spec", "minReadySeconds"]));
        if strategy == "RollingUpdate" {
            let ru = |f: &str| match int_or_string(model::at(d, &["spec", "strategy", "rollingUpdate", f])) {
                v if v.is_empty() => "25%".to_string(),
                v => v,
            };
            out!(
                w,
                0,
                "RollingUpdateStrategy:\t{} max unavailable, {} max surge\n",
                ru("maxUnavailable"),
                ru("maxSurge")
            );
        }
        pod_template(w, self.template());
        self.conditions_reason_table(w);
        let (old, new) = deployment_replica_sets(self.s, d);
        if !old.is_empty() || new.is_some() {
            out!(w, 0, "OldReplicaSets:\t{}\n", replica_sets_created(&old));
            out!(w, 0, "NewReplicaSet:\t{}\n", replica_sets_created(&new.into_iter().collect::<Vec<_>>()));
        }
        self.events(w);
    }

    fn stateful_set(&self, w: &mut Out) {
        self.name_namespace(w);
        self.created(w);
        out!(w, 0, "Selector:\t{}\n", selector_of(self.obj));
        self.labels(w);
        self.annotations(w);
        out!(
            w,
            0,
            "Replicas:\t{} desired | {} total\n",
            model::replicas(self.obj),
            self.int(&["status", "replicas"])
        );
        let strategy = or_default(self.str(&["spec", "updateStrategy", "type"]), "RollingUpdate");
        out!(w, 0, "Update Strategy:\t{strategy}\n");
        if strategy == "RollingUpdate" {
            // The API server defaults the partition to 0.
            out!(
                w,
                1,
                "Partition:\t{}\n",
                self.int(&["spec", "updateStrategy", "rollingUpdate", "partition"])
            );
            if let Some(mu) =
                model::at(self.obj, &["spec", "updateStrategy", "rollingUpdate", "maxUnavailable"])
            {
                out!(w, 1, "MaxUnavailable:\t{}\n", int_or_string(Some(mu)));
            }
        }
        out!(w, 0, "Pods Status:\t{}\n", self.pods_status());
        pod_template(w, self.template());
        let claims = list(self.obj, &["spec", "volumeClaimTemplates"]);
        if claims.is_empty() {
            w.w(0, "Volume Claims:\t<none>\n");
        } else {
            w.w(0, "Volume Claims:\n");
            for c in claims {
                out!(w, 1, "Name:\t{}\n", model::str_at(c, &["metadata", "name"]));
                out!(w, 1, "StorageClass:\t{}\n", printers::volume_class(c));
                labels_multiline(w, "  ", "Labels", model::at(c, &["metadata", "labels"]));
                labels_multiline(w, "  ", "Annotations", model::at(c, &["metadata", "annotations"]));
                match model::at(c, &["spec", "resources", "requests", "storage"]) {
                    Some(q) => out!(w, 1, "Capacity:\t{}\n", quantity_string(q)),
                    None => w.w(1, "Capacity:\t<default>\n"),
                }
                out!(w, 1, "Access Modes:\t{}\n", go_slice(&str_list(c, &["spec", "accessModes"])));
            }
        }
        self.events(w);
    }

    fn daemon_set(&self, w: &mut Out) {
        self.name_namespace(w);
        out!(w, 0, "Selector:\t{}\n", selector_of(self.obj));
        out!(
            w,
            0,
            "Node-Selector:\t{}\n",
            printers::format_labels(model::at(self.obj, &["spec", "template", "spec", "nodeSelector"]))
        );
        self.labels(w);
        self.annotations(w);
        let st = |f: &str| self.int(&["status", f]);
        out!(w, 0, "Desired Number of Nodes Scheduled: {}\n", st("desiredNumberScheduled"));
        out!(w, 0, "Current Number of Nodes Scheduled: {}\n", st("currentNumberScheduled"));
        out!(w, 0, "Number of Nodes Scheduled with Up-to-date Pods: {}\n", st("updatedNumberScheduled"));
        out!(w, 0, "Number of Nodes Scheduled with Available Pods: {}\n", st("numberAvailable"));
        out!(w, 0, "Number of Nodes Misscheduled: {}\n", st("numberMisscheduled"));
        out!(w, 0, "Pods Status:\t{}\n", self.pods_status());
        pod_template(w, self.template());
        self.events(w);
    }

    fn job(&self, w: &mut Out) {
        let j = self.obj;
        self.name_namespace(w);
        out!(w, 0, "Selector:\t{}\n", selector_of(j));
        self.labels(w);
        self.annotations(w);
        if let Some(c) = controlled_by(j) {
            out!(w, 0, "Controlled By:\t{c}\n");
        }
        // API-server defaults: parallelism 1; completions 1 when neither is set; NonIndexed;
        // not suspended; backoff limit 6.
        let parallelism = model::i64_at(j, &["spec", "parallelism"]);
        out!(w, 0, "Parallelism:\t{}\n", parallelism.unwrap_or(1));
        match (model::i64_at(j, &["spec", "completions"]), parallelism) {
            (Some(c), _) => out!(w, 0, "Completions:\t{c}\n"),
            (None, None) => w.w(0, "Completions:\t1\n"),
            (None, Some(_)) => w.w(0, "Completions:\t<unset>\n"),
        }
        let mode = or_default(self.str(&["spec", "completionMode"]), "NonIndexed");
        out!(w, 0, "Completion Mode:\t{mode}\n");
        out!(w, 0, "Suspend:\t{}\n", bool_at(j, &["spec", "suspend"]));
        out!(w, 0, "Backoff Limit:\t{}\n", model::i64_at(j, &["spec", "backoffLimit"]).unwrap_or(6));
        if let Some(ttl) = model::i64_at(j, &["spec", "ttlSecondsAfterFinished"]) {
            out!(w, 0, "TTL Seconds After Finished:\t{ttl}\n");
        }
        let (start, done) = (self.str(&["status", "startTime"]), self.str(&["status", "completionTime"]));
        if !start.is_empty() {
            out!(w, 0, "Start Time:\t{}\n", rfc1123z(start));
        }
        if !done.is_empty() {
            out!(w, 0, "Completed At:\t{}\n", rfc1123z(done));
        }
        if let (Some(s), Some(d)) = (model::parse_time(start), model::parse_time(done)) {
            out!(w, 0, "Duration:\t{}\n", printers::human_duration(d - s));
        }
        if let Some(ads) = model::i64_at(j, &["spec", "activeDeadlineSeconds"]) {
            out!(w, 0, "Active Deadline Seconds:\t{ads}s\n");
        }
        let st = |f: &str| self.int(&["status", f]);
        match model::i64_at(j, &["status", "ready"]) {
            None => out!(
                w,
                0,
                "Pods Statuses:\t{} Active / {} Succeeded / {} Failed\n",
                st("active"),
                st("succeeded"),
                st("failed")
            ),
            Some(ready) => out!(
                w,
                0,
                "Pods Statuses:\t{} Active ({ready} Ready) / {} Succeeded / {} Failed\n",
                st("active"),
                st("succeeded"),
                st("failed")
            ),
        }
        if mode == "Indexed" {
            let idx = self.str(&["status", "completedIndexes"]);
            out!(w, 0, "Completed Indexes:\t{}\n", cap_indexes(idx, 50));
        }
        pod_template(w, self.template());
        self.events(w);
    }

    fn cron_job(&self, w: &mut Out) {
        let cj = self.obj;
        self.name_namespace(w);
        self.labels(w);
        self.annotations(w);
        out!(w, 0, "Schedule:\t{}\n", self.str(&["spec", "schedule"]));
        out!(
            w,
            0,
            "Concurrency Policy:\t{}\n",
            or_default(self.str(&["spec", "concurrencyPolicy"]), "Allow")
        );
        out!(w, 0, "Suspend:\t{}\n", printers::bool_title(bool_at(cj, &["spec", "suspend"])));
        let limit = |f: &str, d: i64| model::i64_at(cj, &["spec", f]).unwrap_or(d);
        out!(w, 0, "Successful Job History Limit:\t{}\n", limit("successfulJobsHistoryLimit", 3));
        out!(w, 0, "Failed Job History Limit:\t{}\n", limit("failedJobsHistoryLimit", 1));
        match model::i64_at(cj, &["spec", "startingDeadlineSeconds"]) {
            Some(s) => out!(w, 0, "Starting Deadline Seconds:\t{s}s\n"),
            None => w.w(0, "Starting Deadline Seconds:\t<unset>\n"),
        }
        let jt = model::at(cj, &["spec", "jobTemplate", "spec"]).unwrap_or(&Value::Null);
        match model::at(jt, &["selector"]) {
            Some(sel) => {
                out!(w, 0, "Selector:\t{}\n", printers::selector_string(Some(sel)).unwrap_or_default())
            }
            None => w.w(0, "Selector:\t<unset>\n"),
        }
        for (field, label) in [("parallelism", "Parallelism"), ("completions", "Completions")] {
            match model::i64_at(jt, &[field]) {
                Some(v) => out!(w, 0, "{label}:\t{v}\n"),
                None => out!(w, 0, "{label}:\t<unset>\n"),
            }
        }
        if let Some(ads) = model::i64_at(jt, &["activeDeadlineSeconds"]) {
            out!(w, 0, "Active Deadline Seconds:\t{ads}s\n");
        }
        pod_template(w, model::at(jt, &["template"]));
        match self.str(&["status", "lastScheduleTime"]) {
            "" => w.w(0, "Last Schedule Time:\t<unset>\n"),
            t => out!(w, 0, "Last Schedule Time:\t{}\n", rfc1123z(t)),
        }
        w.w(0, "Active Jobs:\t");
        let active: Vec<&str> =
            list(cj, &["status", "active"]).iter().map(|r| model::str_at(r, &["name"])).collect();
        if active.is_empty() {
            w.line("<none>");
        } else {
            w.line(&active.join(", "));
        }
        self.events(w);
    }

    fn node(&self, w: &mut Out) {
        let node = self.obj;
        out!(w, 0, "Name:\t{}\n", self.key.name);
        let roles = printers::node_roles(node);
        out!(w, 0, "Roles:\t{}\n", if roles.is_empty() { "<none>".to_string() } else { roles.join(",") });
        self.labels(w);
        self.annotations(w);
        self.created(w);
        w.w(0, "Taints:\t");
        let mut taints = list(node, &["spec", "taints"]);
        if taints.is_empty() {
            w.line("<none>");
        }
        let taint_key =
            |t: &Value| format!("{},{}", model::str_at(t, &["effect"]), model::str_at(t, &["key"]));
        taints.sort_by_key(|t| taint_key(t));
        for (i, t) in taints.iter().enumerate() {
            if i != 0 {
                w.w(0, "\t");
            }
            let (k, v, e) =
                (model::str_at(t, &["key"]), model::str_at(t, &["value"]), model::str_at(t, &["effect"]));
            if v.is_empty() {
                out!(w, 0, "{k}:{e}\n");
            } else {
                out!(w, 0, "{k}={v}:{e}\n");
            }
        }
        out!(w, 0, "Unschedulable:\t{}\n", bool_at(node, &["spec", "unschedulable"]));
        self.lease(w);
        timed_conditions(w, &list(node, &["status", "conditions"]), "LastHeartbeatTime", "lastHeartbeatTime");
        w.w(0, "Addresses:\n");
        for a in list(node, &["status", "addresses"]) {
            out!(w, 1, "{}:\t{}\n", model::str_at(a, &["type"]), model::str_at(a, &["address"]));
        }
        for (field, title) in [("capacity", "Capacity"), ("allocatable", "Allocatable")] {
            let res = sorted_resources(model::at(node, &["status", field]));
            if !res.is_empty() {
                out!(w, 0, "{title}:\n");
                for (name, q) in res {
                    out!(w, 0, "  {name}:\t{q}\n");
                }
            }
        }
        w.w(0, "System Info:\n");
        let info = |k: &str| self.str(&["status", "nodeInfo", k]);
        for (label, field) in [
            ("Machine ID", "machineID"),
            ("System UUID", "systemUUID"),
            ("Boot ID", "bootID"),
            ("Kernel Version", "kernelVersion"),
            ("OS Image", "osImage"),
            ("Operating System", "operatingSystem"),
            ("Architecture", "architecture"),
            ("Container Runtime Version", "containerRuntimeVersion"),
            ("Kubelet Version", "kubeletVersion"),
            ("Kube-Proxy Version", "kubeProxyVersion"),
        ] {
            out!(w, 0, "  {label}:\t{}\n", info(field));
        }
        let cidr = self.str(&["spec", "podCIDR"]);
        if !cidr.is_empty() {
            out!(w, 0, "PodCIDR:\t{cidr}\n");
        }
        let cidrs = str_list(node, &["spec", "podCIDRs"]);
        if !cidrs.is_empty() {
            out!(w, 0, "PodCIDRs:\t{}\n", cidrs.join(","));
        }
        let provider = self.str(&["spec", "providerID"]);
        if !provider.is_empty() {
            out!(w, 0, "ProviderID:\t{provider}\n");
        }
        self.node_resources(w);
        self.events(w);
    }

    /// The node's Lease: the stored `kube-node-lease` object if there is one, else the lease a
    /// kubelet holds on its own node (renewed at the Ready condition's last heartbeat).
    fn lease(&self, w: &mut Out) {
        w.w(0, "Lease:\n");
        let (holder, acquire, renew) = match self.s.get("Lease", "kube-node-lease", &self.key.name) {
            Some(l) => (
                model::str_at(l, &["spec", "holderIdentity"]).to_string(),
                model::str_at(l, &["spec", "acquireTime"]).to_string(),
                model::str_at(l, &["spec", "renewTime"]).to_string(),
            ),
            None => (
                self.key.name.clone(),
                String::new(),
                model::condition(self.obj, "Ready")
                    .map(|c| model::str_at(c, &["lastHeartbeatTime"]).to_string())
                    .unwrap_or_default(),
            ),
        };
        let time = |t: &str| if t.is_empty() { "<unset>".to_string() } else { rfc1123z(t) };
        out!(w, 1, "HolderIdentity:\t{}\n", if holder.is_empty() { "<unset>" } else { &holder });
        out!(w, 1, "AcquireTime:\t{}\n", time(&acquire));
        out!(w, 1, "RenewTime:\t{}\n", time(&renew));
    }

    /// `describeNodeResource`: the node's non-terminated pods with their requests and limits,
    /// then the totals against the node's allocatable resources.
    fn node_resources(&self, w: &mut Out) {
        let node = self.obj;
        let pods: Vec<&Value> = self
            .s
            .of_kind("Pod", None)
            .filter(|p| model::str_at(p, &["spec", "nodeName"]) == self.key.name)
            .filter(|p| !matches!(model::str_at(p, &["status", "phase"]), "Succeeded" | "Failed"))
            .collect();
        let alloc_field = match model::at(node, &["status", "allocatable"]).and_then(Value::as_object) {
            Some(m) if !m.is_empty() => "allocatable",
            _ => "capacity",
        };
        let alloc =
            |name: &str| model::at(node, &["status", alloc_field, name]).map(quantity).unwrap_or_default();
        let alloc_names: Vec<String> = model::at(node, &["status", alloc_field])
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        // float64(x) / float64(y) * 100 converted to int64, as Go does on amd64 (a division by
        // zero yields the minimum int64).
        let pct = |x: i128, y: i128| -> i64 {
            let f = x as f64 / y as f64 * 100.0;
            if f.is_finite() {
                f as i64
            } else {
                i64::MIN
            }
        };
        out!(w, 0, "Non-terminated Pods:\t({} in total)\n", pods.len());
        w.w(1, "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n");
        w.w(1, "---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n");
        let (cpu_alloc, mem_alloc) = (alloc("cpu"), alloc("memory"));
        let mut total_req: Vec<(String, Quantity)> = Vec::new();
        let mut total_lim: Vec<(String, Quantity)> = Vec::new();
        let add_all = |acc: &mut Vec<(String, Quantity)>, items: &[(String, Quantity)]| {
            for (n, q) in items {
                match acc.iter_mut().find(|(k, _)| k == n) {
                    Some((_, sum)) => *sum = *sum + *q,
                    None => acc.push((n.clone(), *q)),
                }
            }
        };
        let get = |items: &[(String, Quantity)], n: &str| {
            items.iter().find(|(k, _)| k == n).map(|(_, q)| *q).unwrap_or_default()
        };
        for p in &pods {
            let (req, lim) = pod_requests_and_limits(p);
            let (cr, cl, mr, ml) =
                (get(&req, "cpu"), get(&lim, "cpu"), get(&req, "memory"), get(&lim, "memory"));
            out!(
                w,
                1,
                "{}\t{}\t\t{cr} ({}%)\t{cl} ({}%)\t{mr} ({}%)\t{ml} ({}%)\t{}\n",
                model::str_at(p, &["metadata", "namespace"]),
                model::name(p),
                pct(cr.milli_value(), cpu_alloc.milli_value()),
                pct(cl.milli_value(), cpu_alloc.milli_value()),
                pct(mr.value(), mem_alloc.value()),
                pct(ml.value(), mem_alloc.value()),
                printers::since(model::str_at(p, &["metadata", "creationTimestamp"]), self.s.now)
            );
            add_all(&mut total_req, &req);
            add_all(&mut total_lim, &lim);
        }
        w.w(0, "Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n");
        w.w(1, "Resource\tRequests\tLimits\n");
        w.w(1, "--------\t--------\t------\n");
        let guarded = |x: i128, y: i128| if y == 0 { 0 } else { pct(x, y) };
        for (name, milli) in [("cpu", true), ("memory", false), ("ephemeral-storage", false)] {
            let (r, l, a) = (get(&total_req, name), get(&total_lim, name), alloc(name));
            let (rv, lv, av) = if milli {
                (r.milli_value(), l.milli_value(), a.milli_value())
            } else {
                (r.value(), l.value(), a.value())
            };
            out!(w, 1, "{name}\t{r} ({}%)\t{l} ({}%)\n", guarded(rv, av), guarded(lv, av));
        }
        let mut huge: Vec<&String> = alloc_names.iter().filter(|n| n.starts_with("hugepages-")).collect();
        huge.sort();
        for name in huge {
            let (r, l, a) = (get(&total_req, name), get(&total_lim, name), alloc(name));
            out!(
                w,
                1,
                "{name}\t{r} ({}%)\t{l} ({}%)\n",
                guarded(r.value(), a.value()),
                guarded(l.value(), a.value())
            );
        }
        let standard = ["cpu", "memory", "ephemeral-storage", "pods", "storage"];
        let mut ext: Vec<&String> = alloc_names
            .iter()
            .filter(|n| {
                !n.starts_with("hugepages-") && !standard.contains(&n.as_str()) && !n.starts_with("requests.")
            })
            .collect();
        ext.sort();
        for name in ext {
            out!(w, 1, "{name}\t{}\t{}\n", get(&total_req, name), get(&total_lim, name));
        }
    }

    fn persistent_volume(&self, w: &mut Out) {
        let pv = self.obj;
        out!(w, 0, "Name:\t{}\n", self.key.name);
        self.labels(w);
        self.annotations(w);
        out!(w, 0, "Finalizers:\t{}\n", go_slice(&str_list(pv, &["metadata", "finalizers"])));
        out!(w, 0, "StorageClass:\t{}\n", printers::volume_class(pv));
        match self.str(&["metadata", "deletionTimestamp"]) {
            "" => out!(w, 0, "Status:\t{}\n", self.str(&["status", "phase"])),
            t => out!(w, 0, "Status:\tTerminating (lasts {})\n", printers::since(t, self.s.now)),
        }
        match model::at(pv, &["spec", "claimRef"]) {
            Some(c) => {
                out!(w, 0, "Claim:\t{}/{}\n", model::str_at(c, &["namespace"]), model::str_at(c, &["name"]))
            }
            None => w.w(0, "Claim:\t\n"),
        }
        out!(w, 0, "Reclaim Policy:\t{}\n", self.str(&["spec", "persistentVolumeReclaimPolicy"]));
        out!(w, 0, "Access Modes:\t{}\n", printers::access_modes(model::at(pv, &["spec", "accessModes"])));
        out!(w, 0, "VolumeMode:\t{}\n", or_default(self.str(&["spec", "volumeMode"]), "Filesystem"));
        out!(w, 0, "Capacity:\t{}\n", printers::quantity_at(pv, &["spec", "capacity", "storage"]));
        w.w(0, "Node Affinity:\t");
        match model::at(pv, &["spec", "nodeAffinity", "required"]) {
            None => w.line("<none>"),
            Some(req) => {
                w.line("");
                w.w(1, "Required Terms:\t");
                let terms = list(req, &["nodeSelectorTerms"]);
                if terms.is_empty() {
                    w.line("<none>");
                } else {
                    w.line("");
                    for (i, term) in terms.iter().enumerate() {
                        out!(w, 2, "Term {i}:\t");
                        let exprs = list(term, &["matchExpressions"]);
                        if exprs.is_empty() {
                            w.line("<none>");
                        }
                        for (j, e) in exprs.iter().enumerate() {
                            if j != 0 {
                                w.w(2, "\t");
                            }
                            let mut text = format!(
                                "{} {}",
                                model::str_at(e, &["key"]),
                                model::str_at(e, &["operator"]).to_ascii_lowercase()
                            );
                            let values = str_list(e, &["values"]);
                            if !values.is_empty() {
                                text.push_str(&format!(" [{}]", values.join(", ")));
                            }
                            out!(w, 0, "{text}\n");
                        }
                    }
                }
            }
        }
        out!(w, 0, "Message:\t{}\n", self.str(&["status", "message"]));
        w.w(0, "Source:\n");
        volume_source(w, model::at(pv, &["spec"]).unwrap_or(&Value::Null), false);
        self.events(w);
    }

    fn persistent_volume_claim(&self, w: &mut Out) {
        let pvc = self.obj;
        self.name_namespace(w);
        out!(w, 0, "StorageClass:\t{}\n", printers::volume_class(pvc));
        match self.str(&["metadata", "deletionTimestamp"]) {
            "" => out!(w, 0, "Status:\t{}\n", self.str(&["status", "phase"])),
            t => out!(w, 0, "Status:\tTerminating (lasts {})\n", printers::since(t, self.s.now)),
        }
        let volume = self.str(&["spec", "volumeName"]);
        out!(w, 0, "Volume:\t{volume}\n");
        self.labels(w);
        self.annotations(w);
        out!(w, 0, "Finalizers:\t{}\n", go_slice(&str_list(pvc, &["metadata", "finalizers"])));
        let (capacity, modes) = if volume.is_empty() {
            (String::new(), String::new())
        } else {
            (
                printers::quantity_at(pvc, &["status", "capacity", "storage"]),
                printers::access_modes(model::at(pvc, &["status", "accessModes"])),
            )
        };
        out!(w, 0, "Capacity:\t{capacity}\n");
        out!(w, 0, "Access Modes:\t{modes}\n");
        out!(w, 0, "VolumeMode:\t{}\n", or_default(self.str(&["spec", "volumeMode"]), "Filesystem"));
        if let Some(ds) = model::at(pvc, &["spec", "dataSource"]) {
            w.w(0, "DataSource:\n");
            let group = model::str_at(ds, &["apiGroup"]);
            if !group.is_empty() {
                out!(w, 1, "APIGroup:\t{group}\n");
            }
            out!(w, 1, "Kind:\t{}\n", model::str_at(ds, &["kind"]));
            out!(w, 1, "Name:\t{}\n", model::str_at(ds, &["name"]));
        }
        let mut users: Vec<&str> = self
            .s
            .of_kind("Pod", Some(&self.key.namespace))
            .filter(|p| {
                list(p, &["spec", "volumes"])
                    .iter()
                    .any(|v| model::str_at(v, &["persistentVolumeClaim", "claimName"]) == self.key.name)
                    || model::owner_refs(pvc).any(|r| {
                        model::str_at(r, &["kind"]) == "Pod" && model::str_at(r, &["uid"]) == model::uid(p)
                    })
            })
            .map(model::name)
            .collect();
        users.sort_unstable();
        w.w(0, "Used By:\t");
        if users.is_empty() {
            w.line("<none>");
        }
        for (i, u) in users.iter().enumerate() {
            if i != 0 {
                w.w(0, "\t");
            }
            out!(w, 0, "{u}\n");
        }
        timed_conditions(w, &list(pvc, &["status", "conditions"]), "LastProbeTime", "lastProbeTime");
        self.events(w);
    }

    fn service(&self, w: &mut Out) {
        let svc = self.obj;
        self.name_namespace(w);
        self.labels(w);
        self.annotations(w);
        let selector = model::at(svc, &["spec", "selector"]);
        out!(w, 0, "Selector:\t{}\n", printers::format_labels(selector));
        let kind = printers::service_type(svc);
        out!(w, 0, "Type:\t{kind}\n");
        // The API server gives every Service but an ExternalName one a single-stack IPv4 family
        // and lists its cluster IP in `clusterIPs`.
        let external_name = kind == "ExternalName";
        let policy = match self.str(&["spec", "ipFamilyPolicy"]) {
            "" if !external_name => "SingleStack",
            p => p,
        };
        if !policy.is_empty() {
            out!(w, 0, "IP Family Policy:\t{policy}\n");
        }
        let mut families = str_list(svc, &["spec", "ipFamilies"]);
        if families.is_empty() && !external_name {
            families.push("IPv4".into());
        }
        out!(
            w,
            0,
            "IP Families:\t{}\n",
            if families.is_empty() { "<none>".to_string() } else { families.join(",") }
        );
        let cluster_ip = self.str(&["spec", "clusterIP"]);
        out!(w, 0, "IP:\t{cluster_ip}\n");
        let mut ips = str_list(svc, &["spec", "clusterIPs"]);
        if ips.is_empty() && !cluster_ip.is_empty() {
            ips.push(cluster_ip.to_string());
        }
        out!(w, 0, "IPs:\t{}\n", if ips.is_empty() { "<none>".to_string() } else { ips.join(",") });
        let external = str_list(svc, &["spec", "externalIPs"]);
        if !external.is_empty() {
            out!(w, 0, "External IPs:\t{}\n", external.join(","));
        }
        let lb_ip = self.str(&["spec", "loadBalancerIP"]);
        if !lb_ip.is_empty() {
            out!(w, 0, "Desired LoadBalancer IP:\t{lb_ip}\n");
        }
        let ext_name = self.str(&["spec", "externalName"]);
        if !ext_name.is_empty() {
            out!(w, 0, "External Name:\t{ext_name}\n");
        }
        let ingress: Vec<String> = list(svc, &["status", "loadBalancer", "ingress"])
            .iter()
            .map(|i| match model::str_at(i, &["ip"]) {
                "" => model::str_at(i, &["hostname"]).to_string(),
                ip => ip.to_string(),
            })
            .collect();
        if !ingress.is_empty() {
            out!(w, 0, "LoadBalancer Ingress:\t{}\n", ingress.join(", "));
        }
        let sel = selector.and_then(|v| Selector::from_map(v).ok()).filter(|s| !s.is_empty());
        for p in list(svc, &["spec", "ports"]) {
            let name = or_default(model::str_at(p, &["name"]), "<unset>");
            let proto = printers::protocol(p);
            let port = model::i64_at(p, &["port"]).unwrap_or(0);
            out!(w, 0, "Port:\t{name}\t{port}/{proto}\n");
            let target = match model::at(p, &["targetPort"]) {
                None => port.to_string(),
                t => int_or_string(t),
            };
            out!(w, 0, "TargetPort:\t{target}/{proto}\n");
            let node_port = model::i64_at(p, &["nodePort"]).unwrap_or(0);
            if node_port != 0 {
                out!(w, 0, "NodePort:\t{name}\t{node_port}/{proto}\n");
            }
            out!(w, 0, "Endpoints:\t{}\n", self.endpoints(sel.as_ref(), &target));
        }
        out!(w, 0, "Session Affinity:\t{}\n", or_default(self.str(&["spec", "sessionAffinity"]), "None"));
        let etp = self.str(&["spec", "externalTrafficPolicy"]);
        if !etp.is_empty() || matches!(kind, "NodePort" | "LoadBalancer") {
            out!(w, 0, "External Traffic Policy:\t{}\n", or_default(etp, "Cluster"));
        }
        if kind != "ExternalName" {
            out!(
                w,
                0,
                "Internal Traffic Policy:\t{}\n",
                or_default(self.str(&["spec", "internalTrafficPolicy"]), "Cluster")
            );
        }
        let hc = self.int(&["spec", "healthCheckNodePort"]);
        if hc != 0 {
            out!(w, 0, "HealthCheck NodePort:\t{hc}\n");
        }
        self.events(w);
    }

    /// A Service port's endpoints: `ip:port` of the ready, non-terminating pods its selector
    /// matches (three at most, then `+ N more...`), `<none>` when there are none.
    fn endpoints(&self, sel: Option<&Selector>, target: &str) -> String {
        let Some(sel) = sel else { return "<none>".into() };
        let mut addrs: Vec<String> = Vec::new();
        for p in self.s.of_kind("Pod", Some(&self.key.namespace)) {
            let ip = model::str_at(p, &["status", "podIP"]);
            if ip.is_empty()
                || !model::pod_ready(p).0
                || model::at(p, &["metadata", "deletionTimestamp"]).is_some()
                || !sel.matches(&model::labels(p))
            {
                continue;
            }
            let port = if target.parse::<i64>().is_ok() {
                Some(target.to_string())
            } else {
                list(p, &["spec", "containers"])
                    .iter()
                    .flat_map(|c| list(c, &["ports"]))
                    .find(|cp| model::str_at(cp, &["name"]) == target)
                    .and_then(|cp| model::i64_at(cp, &["containerPort"]))
                    .map(|n| n.to_string())
            };
            if let Some(port) = port {
                addrs.push(format!("{ip}:{port}"));
            }
        }
        match addrs.len() {
            0 => "<none>".into(),
            n if n > 3 => format!("{} + {} more...", addrs[..3].join(","), n - 3),
            _ => addrs.join(","),
        }
    }

    fn config_map(&self, w: &mut Out) {
        self.name_namespace(w);
        self.labels(w);
        self.annotations(w);
        w.w(0, "\nData\n====\n");
        for (k, v) in sorted_map(model::at(self.obj, &["data"])) {
            out!(w, 0, "{k}:\n----\n");
            out!(w, 0, "{v}\n");
            w.w(0, "\n");
        }
        w.w(0, "\nBinaryData\n====\n");
        for (k, v) in sorted_map(model::at(self.obj, &["binaryData"])) {
            out!(w, 0, "{k}: {} bytes\n", base64_len(&v));
        }
        w.w(0, "\n");
        self.events(w);
    }

    fn secret(&self, w: &mut Out) {
        self.name_namespace(w);
        self.labels(w);
        self.annotations(w);
        out!(w, 0, "\nType:\t{}\n", or_default(self.str(&["type"]), "Opaque"));
        w.w(0, "\nData\n====\n");
        let mut data: Vec<(String, usize)> = sorted_map(model::at(self.obj, &["data"]))
            .into_iter()
            .map(|(k, v)| (k, base64_len(&v)))
            .collect();
        for (k, v) in sorted_map(model::at(self.obj, &["stringData"])) {
            data.push((k, v.len()));
        }
        data.sort();
        for (k, n) in data {
            out!(w, 0, "{k}:\t{n} bytes\n");
        }
    }

    fn namespace(&self, w: &mut Out) {
        out!(w, 0, "Name:\t{}\n", self.key.name);
        self.labels(w);
        self.annotations(w);
        out!(w, 0, "Status:\t{}\n", or_default(self.str(&["status", "phase"]), "Active"));
        w.w(0, "\n");
        w.w(0, "No resource quota.\n");
        w.w(0, "\n");
        w.w(0, "No LimitRange resource.\n");
    }

    /// kubectl's generic describer, for kinds without a describer of their own: name, labels,
    /// annotations, then every other field.
    fn generic(&self, w: &mut Out) {
        out!(w, 0, "Name:\t{}\n", self.key.name);
        out!(w, 0, "Namespace:\t{}\n", self.key.namespace);
        self.labels(w);
        self.annotations(w);
        if let Some(m) = self.obj.as_object() {
            unstructured(w, 0, m, "");
        }
        self.events(w);
    }
}

fn or_default(s: &str, d: &str) -> String {
    if s.is_empty() {
        d.to_string()
    } else {
        s.to_string()
    }
}

fn sorted_resources(v: Option<&Value>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = v
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), quantity_string(v)))
        .collect();
    out.sort();
    out
}

/// Bytes encoded by a base64 string.
fn base64_len(s: &str) -> usize {
    let s = s.trim();
    let pad = s.chars().rev().take_while(|c| *c == '=').count();
    (s.len() / 4) * 3
        + match s.len() % 4 {
            2 => 1,
            3 => 2,
            _ => 0,
        }
        - pad.min(2)
}

fn cap_indexes(indexes: &str, soft_limit: usize) -> String {
    if indexes.is_empty() {
        return "<none>".into();
    }
    match indexes.get(soft_limit..).and_then(|rest| rest.find(',')) {
        Some(i) => format!("{}...", &indexes[..soft_limit + i + 1]),
        None => indexes.to_string(),
    }
}

/// Quantities by resource name, in the order first seen.
type ResourceList = Vec<(String, Quantity)>;

/// `resourcehelper.PodRequestsAndLimits`: the sum over containers (and sidecars), at least the
/// largest init container's, plus the pod overhead.
fn pod_requests_and_limits(pod: &Value) -> (ResourceList, ResourceList) {
    fn add(acc: &mut Vec<(String, Quantity)>, m: Option<&Value>) {
        for (k, v) in m.and_then(Value::as_object).into_iter().flatten() {
            let q = quantity(v);
            match acc.iter_mut().find(|(n, _)| n == k) {
                Some((_, sum)) => *sum = *sum + q,
                None => acc.push((k.clone(), q)),
            }
        }
    }
    fn max_with(acc: &mut Vec<(String, Quantity)>, m: &[(String, Quantity)]) {
        for (k, q) in m {
            match acc.iter_mut().find(|(n, _)| n == k) {
                Some((_, cur)) if cur.nano < q.nano => *cur = *q,
                Some(_) => {}
                None => acc.push((k.clone(), *q)),
            }
        }
    }
    let mut out = (Vec::new(), Vec::new());
    for (i, field) in ["requests", "limits"].iter().enumerate() {
        let acc = if i == 0 { &mut out.0 } else { &mut out.1 };
        for c in list(pod, &["spec", "containers"]) {
            add(acc, model::at(c, &["resources", field]));
        }
        let mut sidecars = Vec::new();
        for c in list(pod, &["spec", "initContainers"]) {
            if model::str_at(c, &["restartPolicy"]) == "Always" {
                add(acc, model::at(c, &["resources", field]));
                add(&mut sidecars, model::at(c, &["resources", field]));
            } else {
                let mut one = sidecars.clone();
                add(&mut one, model::at(c, &["resources", field]));
                max_with(acc, &one);
            }
        }
        add(acc, model::at(pod, &["spec", "overhead"]));
    }
    out
}

/// The ReplicaSets a Deployment owns (matching its selector, controlled by it): the old ones and
/// the new one, whose template equals the Deployment's ignoring `pod-template-hash`.
fn deployment_replica_sets<'a>(s: &'a State, d: &'a Value) -> (Vec<&'a Value>, Option<&'a Value>) {
    let ns = model::str_at(d, &["metadata", "namespace"]);
    let sel = label_selector(d, &["spec", "selector"]);
    let uid = model::uid(d);
    let mut owned: Vec<&'a Value> = s
        .of_kind("ReplicaSet", Some(ns))
        .filter(|rs| sel.as_ref().is_some_and(|sel| sel.matches(&model::labels(rs))))
        .filter(|rs| model::controller_ref(rs).is_some_and(|(_, _, u)| u == uid))
        .collect();
    owned.sort_by(|a, b| {
        let t = |x: &Value| {
            model::parse_time(model::str_at(x, &["metadata", "creationTimestamp"])).unwrap_or(i64::MIN)
        };
        t(a).cmp(&t(b)).then_with(|| model::name(a).cmp(model::name(b)))
    });
    let want = template_without_hash(model::at(d, &["spec", "template"]));
    let new =
        owned.iter().copied().find(|rs| template_without_hash(model::at(rs, &["spec", "template"])) == want);
    let old = owned.into_iter().filter(|rs| new.is_none_or(|n| model::uid(n) != model::uid(rs))).collect();
    (old, new)
}

/// A pod template for comparison: without the `pod-template-hash` label, with nulls and empty
/// maps and lists dropped (Go's semantic equality treats them as unset).
fn template_without_hash(t: Option<&Value>) -> Value {
    fn prune(v: &Value) -> Option<Value> {
        match v {
            Value::Null => None,
            Value::Object(m) => {
                let m: Map<String, Value> =
                    m.iter().filter_map(|(k, v)| prune(v).map(|v| (k.clone(), v))).collect();
                (!m.is_empty()).then_some(Value::Object(m))
            }
            Value::Array(a) => (!a.is_empty())
                .then(|| Value::Array(a.iter().map(|v| prune(v).unwrap_or(Value::Null)).collect())),
            other => Some(other.clone()),
        }
    }
    let mut t = t.cloned().unwrap_or(Value::Null);
    if let Some(labels) = t.pointer_mut("/metadata/labels").and_then(Value::as_object_mut) {
        labels.remove(POD_TEMPLATE_HASH);
    }
    prune(&t).unwrap_or(Value::Null)
}

/// `name (x/y replicas created)`, comma-separated, or `<none>`.
fn replica_sets_created(rss: &[&Value]) -> String {
    if rss.is_empty() {
        return "<none>".into();
    }
    rss.iter()
        .map(|rs| {
            format!(
                "{} ({}/{} replicas created)",
                model::name(rs),
                model::i64_at(rs, &["status", "replicas"]).unwrap_or(0),
                model::replicas(rs)
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `printUnstructuredContent`: fields sorted, nested maps and lists indented under their
/// labels.
fn unstructured(w: &mut Out, level: usize, content: &Map<String, Value>, prefix: &str) {
    const SKIP: &[&str] = &[
        ".metadata.managedFields",
        ".metadata.name",
        ".metadata.namespace",
        ".metadata.labels",
        ".metadata.annotations",
    ];
    let mut fields: Vec<&String> = content.keys().collect();
    fields.sort();
    for field in fields {
        let path = format!("{prefix}.{field}");
        if SKIP.contains(&path.as_str()) {
            continue;
        }
        match &content[field] {
            Value::Object(m) => {
                out!(w, level, "{}:\n", smart_label(field));
                unstructured(w, level + 1, m, &path);
            }
            Value::Array(items) => {
                out!(w, level, "{}:\n", smart_label(field));
                for item in items {
                    match item {
                        Value::Object(m) => unstructured(w, level + 1, m, &path),
                        other => out!(w, level + 1, "{}\n", go_value(other)),
                    }
                }
            }
            other => out!(w, level, "{}:\t{}\n", smart_label(field), go_value(other)),
        }
    }
}

/// `smartLabelFor`: `creationTimestamp` → `Creation Timestamp`, `apiVersion` → `API Version`.
fn smart_label(field: &str) -> String {
    if field.chars().any(|c| !c.is_alphabetic() && c != '-') {
        return field.to_string();
    }
    // camelcase.Split: runs of one character class; an upper-case run followed by lower case
    // gives its last letter to the next word.
    let class = |c: char| {
        if c.is_lowercase() {
            0
        } else if c.is_uppercase() {
            1
        } else if c.is_numeric() {
            2
        } else {
            3
        }
    };
    let mut runs: Vec<Vec<char>> = Vec::new();
    for c in field.chars() {
        match runs.last_mut() {
            Some(r) if class(r[0]) == class(c) => r.push(c),
            _ => runs.push(vec![c]),
        }
    }
    for i in 0..runs.len().saturating_sub(1) {
        let upper_then_lower = runs[i].first().is_some_and(|c| class(*c) == 1)
            && runs[i + 1].first().is_some_and(|c| class(*c) == 0);
        if upper_then_lower {
            if let Some(last) = runs[i].pop() {
                runs[i + 1].insert(0, last);
            }
        }
    }
    runs.into_iter()
        .filter(|r| !r.is_empty())
        .map(|r| r.into_iter().collect::<String>())
        .filter(|p| p != "_")
        .map(|p| {
            if ["API", "URL", "UID", "OSB", "GUID"].contains(&p.to_uppercase().as_str()) {
                p.to_uppercase()
            } else {
                let mut cs = p.chars();
                cs.next().map(|f| f.to_uppercase().chain(cs).collect()).unwrap_or_default()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const T0: &str = "2025-01-01T00:00:00Z";

    fn state(objects: Vec<Value>, now: &str) -> State {
        let mut s = State::empty();
        s.now = model::parse_time(now).unwrap();
        for o in objects {
            s.objects.insert(ObjKey::of(&o), o);
        }
        s
    }

    fn describe_in(s: &State, kind: &str, ns: &str, name: &str) -> String {
        let key = ObjKey::new(kind, ns, name);
        describe(s, &key, &s.objects[&key])
    }

    fn event(
        name: &str,
        rv: &str,
        on: (&str, &str, &str),
        reason: &str,
        msg: &str,
        (first, last, count): (&str, &str, i64),
    ) -> Value {
        json!({"apiVersion": "v1", "kind": "Event",
               "metadata": {"name": name, "namespace": "default", "resourceVersion": rv},
               "involvedObject": {"kind": on.0, "name": on.1, "namespace": "default", "uid": on.2},
               "reason": reason, "message": msg, "type": if reason == "BackOff" { "Warning" } else { "Normal" },
               "source": {"component": match on.0 { "Pod" => "kubelet", "ReplicaSet" => "replicaset-controller",
                                                      "Deployment" => "deployment-controller", _ => "daemonset-controller" }},
               "firstTimestamp": first, "lastTimestamp": last, "count": count})
    }

    fn rs_pod(name: &str, owner_uid: &str, phase: &str, labels: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": name, "namespace": "default", "uid": format!("uid-{name}"), "labels": labels,
                            "creationTimestamp": T0,
                            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "myapp", "uid": owner_uid, "controller": true}]},
               "spec": {"containers": [{"name": "c", "image": "i", "resources": {"requests": {"cpu": "250m", "memory": "64Mi"}, "limits": {"memory": "128Mi"}}}],
                        "nodeName": "k8s-node1"},
               "status": {"phase": phase}})
    }

    /// Compare line by line, so a failure names the first line that differs.
    fn assert_lines(got: &str, want: &[&str]) {
        let got: Vec<&str> = got.lines().collect();
        for (i, (g, w)) in got.iter().zip(want).enumerate() {
            assert_eq!(g, w, "line {}", i + 1);
        }
        assert_eq!(got.len(), want.len(), "{}", got.join("\n"));
    }

    #[test]
    fn pod_replicaset_and_node_describe_like_kubectl() {
        let s = fixtures();
        assert_lines(&describe_in(&s, "Pod", "default", "myapp-x"), &[
            "Name:             myapp-x",
            "Namespace:        default",
            "Priority:         0",
            "Service Account:  default",
            "Node:             k8s-node1/",
            "Start Time:       Wed, 01 Jan 2025 00:00:02 +0000",
            "Labels:           app=myapp",
            "                  release=canary",
            "Annotations:      note: hi",
            "Status:           Running",
            "IP:               ",
            "IPs:              <none>",
            "Controlled By:    ReplicaSet/myapp",
            "Containers:",
            "  c:",
            "    Container ID:   ",
            "    Image:          i",
            "    Image ID:       ",
            "    Port:           80/TCP",
            "    Host Port:      0/TCP",
            "    State:          Running",
            "      Started:      Wed, 01 Jan 2025 00:00:02 +0000",
            "    Last State:     Terminated",
            "      Reason:       Error",
            "      Exit Code:    1",
            "      Started:      Wed, 01 Jan 2025 00:00:01 +0000",
            "      Finished:     Wed, 01 Jan 2025 00:00:02 +0000",
            "    Ready:          True",
            "    Restart Count:  1",
            "    Limits:",
            "      memory:  128Mi",
            "    Requests:",
            "      cpu:      250m",
            "      memory:   64Mi",
            "    Readiness:  http-get http://:80/healthz delay=0s timeout=1s period=10s #success=1 #failure=3",
            "    Environment:",
            "      MODE:  demo",
            "      POD:   myapp-x (v1:metadata.name)",
            "    Mounts:  <none>",
            "Conditions:",
            "  Type              Status",
            "  Initialized       True ",
            "  Ready             True ",
            "  ContainersReady   True ",
            "  PodScheduled      True ",
            "Volumes:            <none>",
            "QoS Class:          Burstable",
            "Node-Selectors:     <none>",
            "Tolerations:        node.kubernetes.io/not-ready:NoExecute op=Exists for 300s",
            "                    node.kubernetes.io/unreachable:NoExecute op=Exists for 300s",
            "Events:",
            "  Type     Reason   Age                From     Message",
            "  ----     ------   ----               ----     -------",
            "  Normal   Started  58s                kubelet  Started container",
            "  Warning  BackOff  20s (x3 over 59s)  kubelet  Back-off restarting failed container",
        ]);
        assert_lines(
            &describe_in(&s, "ReplicaSet", "default", "myapp"),
            &[
                "Name:         myapp",
                "Namespace:    default",
                "Selector:     app=myapp,release=canary",
                "Labels:       <none>",
                "Annotations:  <none>",
                "Replicas:     4 current / 4 desired",
                "Pods Status:  1 Running / 1 Waiting / 1 Succeeded / 0 Failed",
                "Pod Template:",
                "  Labels:  app=myapp",
                "           release=canary",
                "  Containers:",
                "   myapp-containers:",
                "    Image:         ikubernetes/myapp:v1",
                "    Port:          80/TCP",
                "    Host Port:     0/TCP",
                "    Environment:   <none>",
                "    Mounts:        <none>",
                "  Volumes:         <none>",
                "  Node-Selectors:  <none>",
                "  Tolerations:     <none>",
                "Conditions:",
                "  Type             Status  Reason",
                "  ----             ------  ------",
                "  ReplicaFailure   True    FailedCreate",
                "Events:",
                "  Type    Reason            Age   From                   Message",
                "  ----    ------            ----  ----                   -------",
                "  Normal  SuccessfulCreate  60s   replicaset-controller  Created pod: myapp-x",
            ],
        );
        assert_lines(&describe_in(&s, "Node", "", "k8s-node1"), &[
            "Name:               k8s-node1",
            "Roles:              worker",
            "Labels:             kubernetes.io/hostname=k8s-node1",
            "                    node-role.kubernetes.io/worker=",
            "Annotations:        <none>",
            "CreationTimestamp:  Wed, 01 Jan 2025 00:00:00 +0000",
            "Taints:             dedicated=db:NoExecute",
            "                    node.kubernetes.io/unschedulable:NoSchedule",
            "Unschedulable:      true",
            "Lease:",
            "  HolderIdentity:  k8s-node1",
            "  AcquireTime:     <unset>",
            "  RenewTime:       Wed, 01 Jan 2025 00:00:50 +0000",
            "Conditions:",
            "  Type    Status  LastHeartbeatTime                 LastTransitionTime                Reason         Message",
            "  ----    ------  -----------------                 ------------------                ------         -------",
            "  Ready   True    Wed, 01 Jan 2025 00:00:50 +0000   Wed, 01 Jan 2025 00:00:00 +0000   KubeletReady   kubelet is posting ready status",
            "Addresses:",
            "  InternalIP:  192.168.1.35",
            "  Hostname:    k8s-node1",
            "Capacity:",
            "  cpu:     4",
            "  memory:  8Gi",
            "  pods:    110",
            "Allocatable:",
            "  cpu:     4",
            "  memory:  8Gi",
            "  pods:    110",
            "System Info:",
            "  Machine ID:                 ",
            "  System UUID:                ",
            "  Boot ID:                    ",
            "  Kernel Version:             ",
            "  OS Image:                   Ubuntu 22.04",
            "  Operating System:           ",
            "  Architecture:               amd64",
            "  Container Runtime Version:  ",
            "  Kubelet Version:            v1.30.2",
            "  Kube-Proxy Version:         ",
            "Non-terminated Pods:          (4 in total)",
            "  Namespace                   Name       CPU Requests  CPU Limits  Memory Requests  Memory Limits  Age",
            "  ---------                   ----       ------------  ----------  ---------------  -------------  ---",
            "  default                     myapp-x    250m (6%)     0 (0%)      64Mi (0%)        128Mi (1%)     60s",
            "  default                     myapp-y    250m (6%)     0 (0%)      64Mi (0%)        128Mi (1%)     60s",
            "  default                     other      250m (6%)     0 (0%)      64Mi (0%)        128Mi (1%)     60s",
            "  default                     stray      250m (6%)     0 (0%)      64Mi (0%)        128Mi (1%)     60s",
            "Allocated resources:",
            "  (Total limits may be over 100 percent, i.e., overcommitted.)",
            "  Resource           Requests    Limits",
            "  --------           --------    ------",
            "  cpu                1 (25%)     0 (0%)",
            "  memory             256Mi (3%)  512Mi (6%)",
            "  ephemeral-storage  0 (0%)      0 (0%)",
            "Events:              <none>",
        ]);
    }

    #[test]
    fn workload_describers_like_kubectl() {
        let s = more_fixtures();
        assert_lines(
            &describe_in(&s, "CronJob", "default", "hello"),
            &[
                "Name:                          hello",
                "Namespace:                     default",
                "Labels:                        <none>",
                "Annotations:                   <none>",
                "Schedule:                      */1 * * * *",
                "Concurrency Policy:            Allow",
                "Suspend:                       False",
                "Successful Job History Limit:  3",
                "Failed Job History Limit:      1",
                "Starting Deadline Seconds:     <unset>",
                "Selector:                      <unset>",
                "Parallelism:                   <unset>",
                "Completions:                   <unset>",
                "Pod Template:",
                "  Labels:  <none>",
                "  Containers:",
                "   hello:",
                "    Image:      busybox:1.28",
                "    Port:       <none>",
                "    Host Port:  <none>",
                "    Command:",
                "      /bin/sh",
                "      -c",
                "      date",
                "    Environment:     <none>",
                "    Mounts:          <none>",
                "  Volumes:           <none>",
                "  Node-Selectors:    <none>",
                "  Tolerations:       <none>",
                "Last Schedule Time:  Wed, 01 Jan 2025 00:00:00 +0000",
                "Active Jobs:         hello-28950240",
                "Events:              <none>",
            ],
        );
        assert_lines(
            &describe_in(&s, "DaemonSet", "default", "daemset-nginx"),
            &[
                "Name:           daemset-nginx",
                "Namespace:      default",
                "Selector:       app=daem-nginx",
                "Node-Selector:  <none>",
                "Labels:         app=daem-nginx",
                "Annotations:    <none>",
                "Desired Number of Nodes Scheduled: 2",
                "Current Number of Nodes Scheduled: 2",
                "Number of Nodes Scheduled with Up-to-date Pods: 2",
                "Number of Nodes Scheduled with Available Pods: 2",
                "Number of Nodes Misscheduled: 0",
                "Pods Status:  2 Running / 0 Waiting / 0 Succeeded / 0 Failed",
                "Pod Template:",
                "  Labels:  app=daem-nginx",
                "  Containers:",
                "   nginx-pod:",
                "    Image:         nginx:1.12",
                "    Port:          80/TCP",
                "    Host Port:     0/TCP",
                "    Environment:   <none>",
                "    Mounts:        <none>",
                "  Volumes:         <none>",
                "  Node-Selectors:  <none>",
                "  Tolerations:     <none>",
                "Events:            <none>",
            ],
        );
        assert_lines(&describe_in(&s, "Deployment", "default", "deploy-demo"), &[
            "Name:                   deploy-demo",
            "Namespace:              default",
            "CreationTimestamp:      Wed, 01 Jan 2025 00:00:00 +0000",
            "Labels:                 <none>",
            "Annotations:            deployment.kubernetes.io/revision: 2",
            "Selector:               app=deploy-app,release=canary",
            "Replicas:               2 desired | 2 updated | 2 total | 2 available | 0 unavailable",
            "StrategyType:           RollingUpdate",
            "MinReadySeconds:        0",
            "RollingUpdateStrategy:  25% max unavailable, 25% max surge",
            "Pod Template:",
            "  Labels:  app=deploy-app",
            "           release=canary",
            "  Containers:",
            "   myapp:",
            "    Image:         ikubernetes/myapp:v2",
            "    Port:          80/TCP",
            "    Host Port:     0/TCP",
            "    Environment:   <none>",
            "    Mounts:        <none>",
            "  Volumes:         <none>",
            "  Node-Selectors:  <none>",
            "  Tolerations:     <none>",
            "Conditions:",
            "  Type           Status  Reason",
            "  ----           ------  ------",
            "  Available      True    MinimumReplicasAvailable",
            "  Progressing    True    NewReplicaSetAvailable",
            "OldReplicaSets:  deploy-demo-78c84d4449 (0/0 replicas created)",
            "NewReplicaSet:   deploy-demo-7c66dbf45b (2/2 replicas created)",
            "Events:",
            "  Type    Reason             Age    From                   Message",
            "  ----    ------             ----   ----                   -------",
            "  Normal  ScalingReplicaSet  4m13s  deployment-controller  Scaled up replica set deploy-demo-7c66dbf45b to 1",
        ]);
        assert_lines(
            &describe_in(&s, "Deployment", "default", "fresh"),
            &[
                "Name:               fresh",
                "Namespace:          default",
                "CreationTimestamp:  Wed, 01 Jan 2025 00:00:00 +0000",
                "Labels:             <none>",
                "Annotations:        <none>",
                "Selector:           app=fresh",
                "Replicas:           1 desired | 0 updated | 0 total | 0 available | 0 unavailable",
                "StrategyType:       Recreate",
                "MinReadySeconds:    0",
                "Pod Template:",
                "  Labels:  app=fresh",
                "  Containers:",
                "   myapp:",
                "    Image:         nginx",
                "    Port:          80/TCP",
                "    Host Port:     0/TCP",
                "    Environment:   <none>",
                "    Mounts:        <none>",
                "  Volumes:         <none>",
                "  Node-Selectors:  <none>",
                "  Tolerations:     <none>",
                "Events:            <none>",
            ],
        );
        assert_lines(
            &describe_in(&s, "Job", "default", "pi"),
            &[
                "Name:             pi",
                "Namespace:        default",
                "Selector:         batch.kubernetes.io/controller-uid=uid-job",
                "Labels:           <none>",
                "Annotations:      <none>",
                "Parallelism:      1",
                "Completions:      1",
                "Completion Mode:  NonIndexed",
                "Suspend:          false",
                "Backoff Limit:    6",
                "Start Time:       Wed, 01 Jan 2025 00:00:00 +0000",
                "Completed At:     Wed, 01 Jan 2025 00:00:42 +0000",
                "Duration:         42s",
                "Pods Statuses:    0 Active (0 Ready) / 1 Succeeded / 0 Failed",
                "Pod Template:",
                "  Labels:  job-name=pi",
                "  Containers:",
                "   pi:",
                "    Image:      perl:5.34",
                "    Port:       <none>",
                "    Host Port:  <none>",
                "    Command:",
                "      perl",
                "      -Mbignum=bpi",
                "      -wle",
                "      print bpi(20)",
                "    Environment:   <none>",
                "    Mounts:        <none>",
                "  Volumes:         <none>",
                "  Node-Selectors:  <none>",
                "  Tolerations:     <none>",
                "Events:            <none>",
            ],
        );
        assert_lines(
            &describe_in(&s, "ReplicaSet", "default", "deploy-demo-78c84d4449"),
            &[
                "Name:           deploy-demo-78c84d4449",
                "Namespace:      default",
                "Selector:       app=deploy-app,pod-template-hash=78c84d4449,release=canary",
                "Labels:         app=deploy-app",
                "                pod-template-hash=78c84d4449",
                "                release=canary",
                "Annotations:    <none>",
                "Controlled By:  Deployment/deploy-demo",
                "Replicas:       0 current / 0 desired",
                "Pods Status:    0 Running / 0 Waiting / 0 Succeeded / 0 Failed",
                "Pod Template:",
                "  Labels:  app=deploy-app",
                "           pod-template-hash=78c84d4449",
                "           release=canary",
                "  Containers:",
                "   myapp:",
                "    Image:         ikubernetes/myapp:v1",
                "    Port:          80/TCP",
                "    Host Port:     0/TCP",
                "    Environment:   <none>",
                "    Mounts:        <none>",
                "  Volumes:         <none>",
                "  Node-Selectors:  <none>",
                "  Tolerations:     <none>",
                "Events:            <none>",
            ],
        );
        assert_lines(
            &describe_in(&s, "ReplicaSet", "default", "deploy-demo-7c66dbf45b"),
            &[
                "Name:           deploy-demo-7c66dbf45b",
                "Namespace:      default",
                "Selector:       app=deploy-app,pod-template-hash=7c66dbf45b,release=canary",
                "Labels:         app=deploy-app",
                "                pod-template-hash=7c66dbf45b",
                "                release=canary",
                "Annotations:    <none>",
                "Controlled By:  Deployment/deploy-demo",
                "Replicas:       2 current / 2 desired",
                "Pods Status:    0 Running / 0 Waiting / 0 Succeeded / 0 Failed",
                "Pod Template:",
                "  Labels:  app=deploy-app",
                "           pod-template-hash=7c66dbf45b",
                "           release=canary",
                "  Containers:",
                "   myapp:",
                "    Image:         ikubernetes/myapp:v2",
                "    Port:          80/TCP",
                "    Host Port:     0/TCP",
                "    Environment:   <none>",
                "    Mounts:        <none>",
                "  Volumes:         <none>",
                "  Node-Selectors:  <none>",
                "  Tolerations:     <none>",
                "Events:            <none>",
            ],
        );
        assert_lines(
            &describe_in(&s, "StatefulSet", "default", "nginx-statefulset"),
            &[
                "Name:               nginx-statefulset",
                "Namespace:          default",
                "CreationTimestamp:  Wed, 01 Jan 2025 00:00:00 +0000",
                "Selector:           app=nginx-pod",
                "Labels:             <none>",
                "Annotations:        <none>",
                "Replicas:           3 desired | 3 total",
                "Update Strategy:    RollingUpdate",
                "  Partition:        2",
                "Pods Status:        1 Running / 0 Waiting / 0 Succeeded / 0 Failed",
                "Pod Template:",
                "  Labels:  app=nginx-pod",
                "  Containers:",
                "   nginx:",
                "    Image:        nginx:1.12",
                "    Port:         <none>",
                "    Host Port:    <none>",
                "    Environment:  <none>",
                "    Mounts:",
                "      /usr/share/nginx/html from nginxdata (rw)",
                "  Volumes:         <none>",
                "  Node-Selectors:  <none>",
                "  Tolerations:     <none>",
                "Volume Claims:",
                "  Name:          nginxdata",
                "  StorageClass:  ",
                "  Labels:        <none>",
                "  Annotations:   <none>",
                "  Capacity:      5Gi",
                "  Access Modes:  [ReadWriteOnce]",
                "Events:          <none>",
            ],
        );
    }

    #[test]
    fn storage_service_and_generic_describers_like_kubectl() {
        let s = more_fixtures();
        assert_lines(
            &describe_in(&s, "ConfigMap", "default", "cfg"),
            &[
                "Name:         cfg",
                "Namespace:    default",
                "Labels:       <none>",
                "Annotations:  <none>",
                "",
                "Data",
                "====",
                "a:",
                "----",
                "1",
                "",
                "b.conf:",
                "----",
                "x=1",
                "y=2",
                "",
                "",
                "BinaryData",
                "====",
                "",
                "Events:  <none>",
            ],
        );
        assert_lines(
            &describe_in(&s, "Namespace", "", "team-a"),
            &[
                "Name:         team-a",
                "Labels:       kubernetes.io/metadata.name=team-a",
                "Annotations:  <none>",
                "Status:       Active",
                "",
                "No resource quota.",
                "",
                "No LimitRange resource.",
            ],
        );
        assert_lines(
            &describe_in(&s, "PersistentVolume", "", "pv-nfs-002"),
            &[
                "Name:            pv-nfs-002",
                "Labels:          name=pv002",
                "Annotations:     <none>",
                "Finalizers:      [kubernetes.io/pv-protection]",
                "StorageClass:    ",
                "Status:          Bound",
                "Claim:           default/nginxdata-nginx-statefulset-0",
                "Reclaim Policy:  Retain",
                "Access Modes:    RWO",
                "VolumeMode:      Filesystem",
                "Capacity:        5Gi",
                "Node Affinity:   <none>",
                "Message:         ",
                "Source:",
                "    Type:      NFS (an NFS mount that lasts the lifetime of a pod)",
                "    Server:    192.168.1.34",
                "    Path:      /data/volumes/v2",
                "    ReadOnly:  false",
                "Events:        <none>",
            ],
        );
        assert_lines(
            &describe_in(&s, "PersistentVolumeClaim", "default", "nginxdata-nginx-statefulset-0"),
            &[
                "Name:          nginxdata-nginx-statefulset-0",
                "Namespace:     default",
                "StorageClass:  ",
                "Status:        Bound",
                "Volume:        pv-nfs-002",
                "Labels:        app=nginx-pod",
                "Annotations:   <none>",
                "Finalizers:    []",
                "Capacity:      5Gi",
                "Access Modes:  RWO",
                "VolumeMode:    Filesystem",
                "Used By:       nginx-statefulset-0",
                "Events:        <none>",
            ],
        );
        assert_lines(
            &describe_in(&s, "Secret", "default", "creds"),
            &[
                "Name:         creds",
                "Namespace:    default",
                "Labels:       <none>",
                "Annotations:  <none>",
                "",
                "Type:  Opaque",
                "",
                "Data",
                "====",
                "password:  6 bytes",
                "user:      5 bytes",
            ],
        );
        assert_lines(
            &describe_in(&s, "Service", "default", "nginx-svc"),
            &[
                "Name:                     nginx-svc",
                "Namespace:                default",
                "Labels:                   app=nginx-svc",
                "Annotations:              <none>",
                "Selector:                 app=nginx-pod",
                "Type:                     ClusterIP",
                "IP Family Policy:         SingleStack",
                "IP Families:              IPv4",
                "IP:                       None",
                "IPs:                      None",
                "Port:                     http  80/TCP",
                "TargetPort:               80/TCP",
                "Endpoints:                10.244.2.96:80",
                "Session Affinity:         None",
                "Internal Traffic Policy:  Cluster",
                "Events:                   <none>",
            ],
        );
        assert_lines(
            &describe_in(&s, "Widget", "default", "w1"),
            &[
                "Name:         w1",
                "Namespace:    default",
                "Labels:       <none>",
                "Annotations:  <none>",
                "API Version:  example.com/v1",
                "Kind:         Widget",
                "Metadata:",
                "  Creation Timestamp:  2025-01-01T00:00:00Z",
                "  Resource Version:    7",
                "  UID:                 uid-w",
                "Spec:",
                "  Enabled:  true",
                "  Items:",
                "    Name:  a",
                "  Ports:",
                "    80",
                "    443",
                "  Replicas:  3",
                "Events:      <none>",
            ],
        );
    }

    #[test]
    fn tabwriter_aligns_blocks_like_go() {
        let cases: &[(&str, &str)] = &[
            // One block: the widest first cell plus two spaces.
            ("Name:\tx\nNamespace:\tdefault\n", "Name:       x\nNamespace:  default\n"),
            // A line without a tab ends the block; the next block is aligned on its own.
            ("A:\t1\nSection:\n  Longer key:\t2\n", "A:  1\nSection:\n  Longer key:  2\n"),
            // Empty cells still take their column; the last cell is never padded.
            ("a\t\tb\tc\nlonger\t\tx\ty\n", "a         b  c\nlonger    x  y\n"),
            // Nested columns only span the lines that have them.
            ("k:\tv\tw\nkey:\tvalue\n", "k:    v  w\nkey:  value\n"),
            ("no tabs\n", "no tabs\n"),
        ];
        for (input, want) in cases {
            assert_eq!(tabwriter(input), *want, "{input:?}");
        }
    }

    fn bare_pod(patch: Value) -> Value {
        let mut p = json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "namespace": "default", "uid": "u"},
            "spec": {"containers": [{"name": "c", "image": "nginx"}]}, "status": {"phase": "Pending"}});
        json_patch::merge(&mut p, &patch);
        p
    }

    /// The lines of a pod's description that start with one of `prefixes`.
    fn pod_lines(pod: Value, prefixes: &[&str]) -> Vec<String> {
        let s = state(vec![pod], "2025-01-01T00:10:00Z");
        describe_in(&s, "Pod", "default", "p")
            .lines()
            .filter(|l| prefixes.iter().any(|p| l.trim_start().starts_with(p)))
            .map(|l| l.trim_end().to_string())
            .collect()
    }

    #[test]
    fn pod_status_lines() {
        let cases = [
            (json!({}), vec!["Node:             <none>", "Status:           Pending"]),
            (
                json!({"metadata": {"deletionTimestamp": "2025-01-01T00:09:30Z", "deletionGracePeriodSeconds": 30},
                       "spec": {"nodeName": "n1"}, "status": {"phase": "Running", "hostIP": "192.168.1.35"}}),
                vec![
                    "Node:                      n1/192.168.1.35",
                    "Status:                    Terminating (lasts 30s)",
                    "Termination Grace Period:  30s",
                ],
            ),
            (
                json!({"status": {"phase": "Failed", "reason": "Evicted", "message": "low on memory"}}),
                vec![
                    "Node:             <none>",
                    "Status:           Failed",
                    "Reason:           Evicted",
                    "Message:          low on memory",
                ],
            ),
        ];
        for (patch, want) in cases {
            assert_eq!(
                pod_lines(bare_pod(patch), &["Node:", "Status:", "Reason:", "Message:", "Termination"]),
                want
            );
        }
    }

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
    fn qos_classes() {
        let res =
            |r: Value| json!({"spec": {"containers": [{"name": "c", "image": "nginx", "resources": r}]}});
        let cases = [
            (json!({}), "BestEffort"),
            (json!({"requests": {"cpu": "100m"}}), "Burstable"),
            (json!({"limits": {"cpu": "1", "memory": "1Gi"}}), "Guaranteed"),
            (
                json!({"requests": {"cpu": "1000m", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "1024Mi"}}),
                "Guaranteed",
            ),
            (
                json!({"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "1Gi"}}),
                "Burstable",
            ),
        ];
        for (r, want) in cases {
            assert_eq!(qos_class(&bare_pod(res(r.clone()))), want, "{r}");
        }
        assert_eq!(qos_class(&bare_pod(json!({"status": {"qosClass": "Guaranteed"}}))), "Guaranteed");
    }

    #[test]
    fn tolerations_annotations_and_labels() {
        let tol = json!({"spec": {"tolerations": [
            {"operator": "Exists"},
            {"key": "dedicated", "operator": "Equal", "value": "db", "effect": "NoSchedule"},
            {"key": "gpu", "operator": "Exists"}]}});
        assert_eq!(
            pod_lines(bare_pod(tol), &["Tolerations:", "dedicated", "gpu", "op=Exists"]),
            [
                "Tolerations:      op=Exists",
                "                  dedicated=db:NoSchedule",
                "                  gpu op=Exists"
            ]
        );
        let long = "x".repeat(150);
        let mut w = Out::default();
        annotations_multiline(
            &mut w,
            "Annotations",
            Some(
                &json!({"b": "two\nlines\n", "a": "short", "c": long, "kubectl.kubernetes.io/last-applied-configuration": "{}"}),
            ),
        );
        let want = format!("Annotations:  a: short\n              b:\n                two\n                lines\n              c:\n                {}...\n", "x".repeat(138));
        assert_eq!(tabwriter(&w.buf), want);
        let mut w = Out::default();
        labels_multiline(&mut w, "", "Labels", Some(&json!({"z": "1", "a": ""})));
        labels_multiline(&mut w, "", "Node-Selectors", None);
        assert_eq!(tabwriter(&w.buf), "Labels:          a=\n                 z=1\nNode-Selectors:  <none>\n");
    }

    #[test]
    fn events_match_the_object_and_fold_repeats() {
        let rs = json!({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "myapp", "namespace": "default", "uid": "uid-rs"},
                        "spec": {"template": {}}});
        let other_ns = {
            let mut e = event(
                "e9",
                "2",
                ("ReplicaSet", "myapp", "uid-rs"),
                "SuccessfulCreate",
                "elsewhere",
                (T0, T0, 1),
            );
            e["metadata"]["namespace"] = json!("other");
            e
        };
        let s = state(
            vec![
                rs,
                event(
                    "e1",
                    "5",
                    ("ReplicaSet", "myapp", "uid-rs"),
                    "SuccessfulDelete",
                    "Deleted pod: myapp-b  ",
                    ("2025-01-01T00:00:30Z", "2025-01-01T00:00:30Z", 1),
                ),
                event(
                    "e2",
                    "3",
                    ("ReplicaSet", "myapp", "uid-rs"),
                    "SuccessfulCreate",
                    "Created pod: myapp-a",
                    (T0, "2025-01-01T00:00:50Z", 7),
                ),
                event(
                    "e3",
                    "4",
                    ("ReplicaSet", "myapp", "old-uid"),
                    "SuccessfulCreate",
                    "an older ReplicaSet of that name",
                    (T0, T0, 1),
                ),
                event(
                    "e4",
                    "6",
                    ("Pod", "myapp", "uid-rs"),
                    "Started",
                    "a pod of the same name",
                    (T0, T0, 1),
                ),
                other_ns,
            ],
            "2025-01-01T00:01:00Z",
        );
        let got = describe_in(&s, "ReplicaSet", "default", "myapp");
        let events: Vec<&str> = got.lines().skip_while(|l| !l.starts_with("Events:")).collect();
        assert_eq!(
            events,
            [
                "Events:",
                "  Type    Reason            Age                From                   Message",
                "  ----    ------            ----               ----                   -------",
                "  Normal  SuccessfulDelete  30s                replicaset-controller  Deleted pod: myapp-b",
                "  Normal  SuccessfulCreate  10s (x7 over 60s)  replicaset-controller  Created pod: myapp-a",
            ]
        );
    }

    #[test]
    fn small_helpers() {
        let labels = [
            ("apiVersion", "API Version"),
            ("creationTimestamp", "Creation Timestamp"),
            ("uid", "UID"),
            ("serviceAccountURL", "Service Account URL"),
            ("HTTPServer", "HTTP Server"),
            ("node-role", "Node - Role"),
            ("a.b", "a.b"),
        ];
        for (field, want) in labels {
            assert_eq!(smart_label(field), want, "{field}");
        }
        for (b64, n) in [("c2VjcmV0", 6), ("YWRtaW4=", 5), ("YQ==", 1), ("", 0)] {
            assert_eq!(base64_len(b64), n, "{b64}");
        }
        assert_eq!(cap_indexes("", 50), "<none>");
        assert_eq!(cap_indexes("1-3,5", 2), "1-3,...");
        assert_eq!(cap_indexes("1-3,5", 50), "1-3,5");
        assert_eq!(rfc1123z(""), "Mon, 01 Jan 0001 00:00:00 +0000");
        assert_eq!(rfc1123z("2025-03-09T14:05:06Z"), "Sun, 09 Mar 2025 14:05:06 +0000");
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

    #[test]
    fn new_replica_set_ignores_the_hash_label_and_empty_fields() {
        let a = json!({"metadata": {"labels": {"app": "x", "pod-template-hash": "abc"}, "creationTimestamp": null},
                       "spec": {"containers": [{"name": "c", "image": "i", "env": []}]}});
        let b = json!({"metadata": {"labels": {"app": "x"}}, "spec": {"containers": [{"name": "c", "image": "i"}], "volumes": []}});
        let c = json!({"metadata": {"labels": {"app": "x"}}, "spec": {"containers": [{"name": "c", "image": "j"}]}});
        assert_eq!(template_without_hash(Some(&a)), template_without_hash(Some(&b)));
        assert_ne!(template_without_hash(Some(&a)), template_without_hash(Some(&c)));
    }

    fn fixtures() -> State {
        let labels = json!({"app": "myapp", "release": "canary"});
        let mut running = rs_pod("myapp-x", "uid-rs", "Running", labels.clone());
        running["metadata"]["annotations"] =
            json!({"kubectl.kubernetes.io/last-applied-configuration": "{}", "note": "hi"});
        running["spec"]["containers"][0]["ports"] = json!([{"name": "http", "containerPort": 80}]);
        running["spec"]["containers"][0]["env"] = json!([{"name": "MODE", "value": "demo"},
            {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}]);
        running["spec"]["containers"][0]["readinessProbe"] =
            json!({"httpGet": {"path": "/healthz", "port": 80}});
        running["spec"]["tolerations"] = json!([
            {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
            {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}]);
        running["status"] = json!({"phase": "Running", "startTime": "2025-01-01T00:00:02Z",
            "conditions": [{"type": "Initialized", "status": "True"}, {"type": "Ready", "status": "True"},
                           {"type": "ContainersReady", "status": "True"}, {"type": "PodScheduled", "status": "True"}],
            "containerStatuses": [{"name": "c", "ready": true, "restartCount": 1,
                "state": {"running": {"startedAt": "2025-01-01T00:00:02Z"}},
                "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "startedAt": "2025-01-01T00:00:01Z", "finishedAt": "2025-01-01T00:00:02Z"}}}]});
        let rs = json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": "myapp", "namespace": "default", "uid": "uid-rs", "creationTimestamp": T0,
                         "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"}},
            "spec": {"replicas": 4, "selector": {"matchLabels": labels.clone()},
                     "template": {"metadata": {"labels": labels.clone()},
                                  "spec": {"containers": [{"name": "myapp-containers", "image": "ikubernetes/myapp:v1",
                                                           "ports": [{"name": "http", "containerPort": 80}]}]}}},
            "status": {"replicas": 4, "readyReplicas": 1,
                       "conditions": [{"type": "ReplicaFailure", "status": "True", "reason": "FailedCreate"}]}});
        let node = json!({"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": "k8s-node1", "uid": "uid-node", "creationTimestamp": T0,
                         "labels": {"kubernetes.io/hostname": "k8s-node1", "node-role.kubernetes.io/worker": ""}},
            "spec": {"unschedulable": true, "taints": [
                {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"},
                {"key": "dedicated", "value": "db", "effect": "NoExecute"}]},
            "status": {"capacity": {"cpu": "4", "memory": "8Gi", "pods": "110"},
                       "allocatable": {"cpu": "4", "memory": "8Gi", "pods": "110"},
                       "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status",
                                       "lastHeartbeatTime": "2025-01-01T00:00:50Z", "lastTransitionTime": T0}],
                       "addresses": [{"type": "InternalIP", "address": "192.168.1.35"}, {"type": "Hostname", "address": "k8s-node1"}],
                       "nodeInfo": {"kubeletVersion": "v1.30.2", "osImage": "Ubuntu 22.04", "architecture": "amd64"}}});
        state(
            vec![
                running,
                rs_pod("myapp-y", "uid-rs", "Pending", labels.clone()),
                rs_pod("myapp-z", "uid-rs", "Succeeded", labels.clone()),
                rs_pod("other", "uid-other", "Running", labels.clone()),
                rs_pod("stray", "uid-rs", "Running", json!({"app": "else"})),
                rs,
                node,
                event(
                    "e1",
                    "5",
                    ("ReplicaSet", "myapp", "uid-rs"),
                    "SuccessfulCreate",
                    "Created pod: myapp-x",
                    (T0, T0, 1),
                ),
                event(
                    "e2",
                    "3",
                    ("Pod", "myapp-x", "uid-myapp-x"),
                    "BackOff",
                    "Back-off restarting failed container",
                    ("2025-01-01T00:00:01Z", "2025-01-01T00:00:40Z", 3),
                ),
                event(
                    "e3",
                    "9",
                    ("Pod", "myapp-x", "uid-myapp-x"),
                    "Started",
                    "Started container",
                    ("2025-01-01T00:00:02Z", "2025-01-01T00:00:02Z", 1),
                ),
                event(
                    "e4",
                    "1",
                    ("Pod", "myapp-x", "old-uid"),
                    "Killing",
                    "from a previous pod of that name",
                    (T0, T0, 1),
                ),
            ],
            "2025-01-01T00:01:00Z",
        )
    }

    fn more_fixtures() -> State {
        let tpl = |labels: Value, image: &str| {
            json!({"metadata": {"labels": labels},
            "spec": {"containers": [{"name": "myapp", "image": image, "ports": [{"name": "http", "containerPort": 80}]}]}})
        };
        let dlabels = json!({"app": "deploy-app", "release": "canary"});
        let mut hashed = dlabels.clone();
        hashed["pod-template-hash"] = json!("7c66dbf45b");
        let mut old_hashed = dlabels.clone();
        old_hashed["pod-template-hash"] = json!("78c84d4449");
        let owner = |kind: &str, name: &str, uid: &str| json!([{"apiVersion": "apps/v1", "kind": kind, "name": name, "uid": uid, "controller": true}]);
        let deploy = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "deploy-demo", "namespace": "default", "uid": "uid-d", "creationTimestamp": T0,
                         "annotations": {"deployment.kubernetes.io/revision": "2"}},
            "spec": {"replicas": 2, "selector": {"matchLabels": dlabels.clone()}, "template": tpl(dlabels.clone(), "ikubernetes/myapp:v2")},
            "status": {"replicas": 2, "updatedReplicas": 2, "readyReplicas": 2, "availableReplicas": 2,
                       "conditions": [{"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"},
                                      {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"}]}});
        let new_rs = json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": "deploy-demo-7c66dbf45b", "namespace": "default", "uid": "uid-new", "labels": hashed.clone(),
                         "creationTimestamp": "2025-01-01T00:00:47Z", "ownerReferences": owner("Deployment", "deploy-demo", "uid-d")},
            "spec": {"replicas": 2, "selector": {"matchLabels": hashed.clone()}, "template": tpl(hashed.clone(), "ikubernetes/myapp:v2")},
            "status": {"replicas": 2}});
        let old_rs = json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": "deploy-demo-78c84d4449", "namespace": "default", "uid": "uid-old", "labels": old_hashed.clone(),
                         "creationTimestamp": T0, "ownerReferences": owner("Deployment", "deploy-demo", "uid-d")},
            "spec": {"replicas": 0, "selector": {"matchLabels": old_hashed.clone()}, "template": tpl(old_hashed.clone(), "ikubernetes/myapp:v1")},
            "status": {"replicas": 0}});
        let recreate = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "fresh", "namespace": "default", "uid": "uid-f", "creationTimestamp": T0},
            "spec": {"selector": {"matchLabels": {"app": "fresh"}}, "strategy": {"type": "Recreate"}, "template": tpl(json!({"app": "fresh"}), "nginx")}});
        let ds = json!({"apiVersion": "apps/v1", "kind": "DaemonSet",
            "metadata": {"name": "daemset-nginx", "namespace": "default", "uid": "uid-ds", "labels": {"app": "daem-nginx"}},
            "spec": {"selector": {"matchLabels": {"app": "daem-nginx"}}, "template": {"metadata": {"labels": {"app": "daem-nginx"}},
                     "spec": {"containers": [{"name": "nginx-pod", "image": "nginx:1.12", "ports": [{"name": "http", "containerPort": 80}]}]}}},
            "status": {"desiredNumberScheduled": 2, "currentNumberScheduled": 2, "updatedNumberScheduled": 2, "numberAvailable": 2, "numberMisscheduled": 0}});
        let ds_pod = |name: &str| {
            json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "default", "labels": {"app": "daem-nginx"}, "ownerReferences": owner("DaemonSet", "daemset-nginx", "uid-ds")},
            "spec": {"containers": []}, "status": {"phase": "Running"}})
        };
        let sts = json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "nginx-statefulset", "namespace": "default", "uid": "uid-sts", "creationTimestamp": T0},
            "spec": {"replicas": 3, "serviceName": "nginx-svc", "selector": {"matchLabels": {"app": "nginx-pod"}},
                     "updateStrategy": {"rollingUpdate": {"partition": 2}},
                     "template": {"metadata": {"labels": {"app": "nginx-pod"}}, "spec": {"containers": [{"name": "nginx", "image": "nginx:1.12",
                         "volumeMounts": [{"name": "nginxdata", "mountPath": "/usr/share/nginx/html"}]}]}},
                     "volumeClaimTemplates": [{"metadata": {"name": "nginxdata"}, "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "5Gi"}}}}]},
            "status": {"replicas": 3}});
        let pv = json!({"apiVersion": "v1", "kind": "PersistentVolume",
            "metadata": {"name": "pv-nfs-002", "labels": {"name": "pv002"}, "finalizers": ["kubernetes.io/pv-protection"], "creationTimestamp": T0},
            "spec": {"nfs": {"path": "/data/volumes/v2", "server": "192.168.1.34"}, "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "5Gi"},
                     "persistentVolumeReclaimPolicy": "Retain", "claimRef": {"namespace": "default", "name": "nginxdata-nginx-statefulset-0"}},
            "status": {"phase": "Bound"}});
        let pvc = json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": "nginxdata-nginx-statefulset-0", "namespace": "default", "labels": {"app": "nginx-pod"}, "creationTimestamp": T0},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "5Gi"}}, "volumeName": "pv-nfs-002"},
            "status": {"phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "5Gi"}}});
        let sts_pod = json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "nginx-statefulset-0", "namespace": "default", "labels": {"app": "nginx-pod"},
                         "ownerReferences": owner("StatefulSet", "nginx-statefulset", "uid-sts")},
            "spec": {"containers": [], "volumes": [{"name": "nginxdata", "persistentVolumeClaim": {"claimName": "nginxdata-nginx-statefulset-0"}}]},
            "status": {"phase": "Running", "podIP": "10.244.2.96", "conditions": [{"type": "Ready", "status": "True"}]}});
        let svc = json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "nginx-svc", "namespace": "default", "labels": {"app": "nginx-svc"}},
            "spec": {"ports": [{"name": "http", "port": 80}], "clusterIP": "None", "selector": {"app": "nginx-pod"}}});
        let job = json!({"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "pi", "namespace": "default", "uid": "uid-job"},
            "spec": {"selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "uid-job"}},
                     "template": {"metadata": {"labels": {"job-name": "pi"}}, "spec": {"restartPolicy": "Never",
                         "containers": [{"name": "pi", "image": "perl:5.34", "command": ["perl", "-Mbignum=bpi", "-wle", "print bpi(20)"]}]}}},
            "status": {"startTime": T0, "completionTime": "2025-01-01T00:00:42Z", "succeeded": 1, "ready": 0}});
        let cj = json!({"apiVersion": "batch/v1", "kind": "CronJob",
            "metadata": {"name": "hello", "namespace": "default"},
            "spec": {"schedule": "*/1 * * * *", "jobTemplate": {"spec": {"template": {"spec": {"restartPolicy": "OnFailure",
                     "containers": [{"name": "hello", "image": "busybox:1.28", "command": ["/bin/sh", "-c", "date"]}]}}}}},
            "status": {"active": [{"name": "hello-28950240"}], "lastScheduleTime": "2025-01-01T00:00:00Z"}});
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg", "namespace": "default"},
            "data": {"b.conf": "x=1\ny=2", "a": "1"}});
        let secret = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds", "namespace": "default"},
            "type": "Opaque", "data": {"password": "c2VjcmV0", "user": "YWRtaW4="}});
        let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a", "labels": {"kubernetes.io/metadata.name": "team-a"}}});
        let widget = json!({"apiVersion": "example.com/v1", "kind": "Widget",
            "metadata": {"name": "w1", "namespace": "default", "uid": "uid-w", "creationTimestamp": T0, "resourceVersion": "7"},
            "spec": {"replicas": 3, "enabled": true, "ports": [80, 443], "items": [{"name": "a"}]}});
        state(
            vec![
                deploy,
                new_rs,
                old_rs,
                recreate,
                ds,
                ds_pod("daemset-nginx-7s474"),
                ds_pod("daemset-nginx-kxpl2"),
                sts,
                sts_pod,
                pv,
                pvc,
                svc,
                job,
                cj,
                cm,
                secret,
                ns,
                widget,
                event(
                    "d1",
                    "1",
                    ("Deployment", "deploy-demo", "uid-d"),
                    "ScalingReplicaSet",
                    "Scaled up replica set deploy-demo-7c66dbf45b to 1",
                    ("2025-01-01T00:00:47Z", "2025-01-01T00:00:47Z", 1),
                ),
            ],
            "2025-01-01T00:05:00Z",
        )
    }
}
