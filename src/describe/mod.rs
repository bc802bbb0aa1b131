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
//!
//! This file holds the entry point, the writer and the formatting helpers the describers share;
//! each kind's describer is a method on [`Ctx`] in the file of its family (`pod.rs`,
//! `replicaset.rs`, `deployment.rs`, `statefulset.rs`, `daemonset.rs`, `batch.rs`, `node.rs`,
//! `storage.rs`, `service.rs`, `config.rs`, `generic.rs`), with the pieces several of them print
//! (`containers.rs`, `volumes.rs`, `events.rs`).

use crate::model::{self, ObjKey};
use crate::printers;
use crate::quantity::{self, Quantity};
use crate::selector::Selector;
use crate::state::State;
use serde_json::{Map, Value};

/// Annotations kubectl never shows.
const SKIP_ANNOTATIONS: &[&str] = &["kubectl.kubernetes.io/last-applied-configuration"];
/// Annotations longer than this are folded onto their own lines (`maxAnnotationLen`).
const MAX_ANNOTATION_LEN: usize = 140;

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
        "StorageClass" => d.storage_class(&mut w),
        "Service" => d.service(&mut w),
        "ConfigMap" => d.config_map(&mut w),
        "Secret" => d.secret(&mut w),
        "Namespace" => d.namespace(&mut w),
        _ => d.generic(&mut w),
    }
    tabwriter(&w.buf)
}

/// `DescribePodTemplate` on its own, as `kubectl rollout history --revision` prints a
/// revision's template.
pub fn pod_template_text(template: &Value) -> String {
    let mut w = Out::default();
    pod_template(&mut w, Some(template));
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

mod batch;
mod config;
mod containers;
mod daemonset;
mod deployment;
mod events;
mod generic;
mod node;
mod pod;
mod replicaset;
mod service;
mod statefulset;
mod storage;
#[cfg(test)]
mod test_fixtures;
mod volumes;

use containers::{containers, pod_template, resources};
use events::events;
use pod::topology_spread;
use volumes::{volume_source, volumes};

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
    quantity::quantity_of(v).unwrap_or_default()
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
// The describers

/// The object being described, where it is stored and the state it is described in.
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
}

fn or_default(s: &str, d: &str) -> String {
    if s.is_empty() {
        d.to_string()
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::describe::test_fixtures::*;
    use serde_json::json;

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
    fn rfc1123z_times() {
        assert_eq!(rfc1123z(""), "Mon, 01 Jan 0001 00:00:00 +0000");
        assert_eq!(rfc1123z("2025-03-09T14:05:06Z"), "Sun, 09 Mar 2025 14:05:06 +0000");
    }
}
