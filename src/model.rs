//! Object identity and the small typed view konverge takes of Kubernetes objects.
//!
//! Objects are kept as their raw JSON tree (`serde_json::Value`, key order preserved) so that
//! every field konverge does not model survives a round trip untouched. This module gives them
//! strong keys ([`ObjKey`]), the table of kinds konverge knows ([`KindInfo`]) and read helpers
//! for the few fields controllers look at.

use serde_json::{Map, Value};
use std::fmt;

/// Identity of an object in the store: kind, namespace (empty when cluster-scoped) and name.
/// Ordering is the store's order, so it is also the order of the state file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjKey {
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

impl ObjKey {
    pub fn new(kind: &str, namespace: &str, name: &str) -> ObjKey {
        ObjKey { kind: kind.to_string(), namespace: namespace.to_string(), name: name.to_string() }
    }

    /// Key of a stored object (its kind, namespace and name are known to be present).
    pub fn of(obj: &Value) -> ObjKey {
        ObjKey::new(str_at(obj, &["kind"]), str_at(obj, &["metadata", "namespace"]), name(obj))
    }

    /// `namespace/name` or just `name` for cluster-scoped objects.
    pub fn ns_name(&self) -> String {
        if self.namespace.is_empty() {
            self.name.clone()
        } else {
            format!("{}/{}", self.namespace, self.name)
        }
    }
}

impl fmt::Display for ObjKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind, self.ns_name())
    }
}

/// What konverge knows about a kind: where it is served, whether it is namespaced, how
/// kubectl spells it.
#[derive(Debug)]
pub struct KindInfo {
    pub kind: &'static str,
    /// apiVersions the API server serves for this kind today.
    pub served: &'static [&'static str],
    /// apiVersions that used to serve it and no longer do (rejected with a clear error).
    pub removed: &'static [&'static str],
    pub namespaced: bool,
    pub plural: &'static str,
    pub short: &'static [&'static str],
}

pub const KINDS: &[KindInfo] = &[
    KindInfo { kind: "Pod", served: &["v1"], removed: &[], namespaced: true, plural: "pods", short: &["po"] },
    KindInfo {
        kind: "ReplicaSet",
        served: &["apps/v1"],
        removed: &["extensions/v1beta1", "apps/v1beta1", "apps/v1beta2"],
        namespaced: true,
        plural: "replicasets",
        short: &["rs"],
    },
    KindInfo {
        kind: "ReplicationController",
        served: &["v1"],
        removed: &[],
        namespaced: true,
        plural: "replicationcontrollers",
        short: &["rc"],
    },
    KindInfo {
        kind: "Deployment",
        served: &["apps/v1"],
        removed: &["extensions/v1beta1", "apps/v1beta1", "apps/v1beta2"],
        namespaced: true,
        plural: "deployments",
        short: &["deploy"],
    },
    KindInfo {
        kind: "DaemonSet",
        served: &["apps/v1"],
        removed: &["extensions/v1beta1", "apps/v1beta2"],
        namespaced: true,
        plural: "daemonsets",
        short: &["ds"],
    },
    KindInfo {
        kind: "StatefulSet",
        served: &["apps/v1"],
        removed: &["apps/v1beta1", "apps/v1beta2"],
        namespaced: true,
        plural: "statefulsets",
        short: &["sts"],
    },
    KindInfo {
        kind: "Job",
        served: &["batch/v1"],
        removed: &[],
        namespaced: true,
        plural: "jobs",
        short: &[],
    },
    KindInfo {
        kind: "CronJob",
        served: &["batch/v1"],
        removed: &["batch/v1beta1", "batch/v2alpha1"],
        namespaced: true,
        plural: "cronjobs",
        short: &["cj"],
    },
    KindInfo {
        kind: "Node",
        served: &["v1"],
        removed: &[],
        namespaced: false,
        plural: "nodes",
        short: &["no"],
    },
    KindInfo {
        kind: "Event",
        served: &["v1", "events.k8s.io/v1"],
        removed: &["events.k8s.io/v1beta1"],
        namespaced: true,
        plural: "events",
        short: &["ev"],
    },
    KindInfo {
        kind: "PersistentVolume",
        served: &["v1"],
        removed: &[],
        namespaced: false,
        plural: "persistentvolumes",
        short: &["pv"],
    },
    KindInfo {
        kind: "PersistentVolumeClaim",
        served: &["v1"],
        removed: &[],
        namespaced: true,
        plural: "persistentvolumeclaims",
        short: &["pvc"],
    },
    KindInfo {
        kind: "Service",
        served: &["v1"],
        removed: &[],
        namespaced: true,
        plural: "services",
        short: &["svc"],
    },
    KindInfo {
        kind: "ConfigMap",
        served: &["v1"],
        removed: &[],
        namespaced: true,
        plural: "configmaps",
        short: &["cm"],
    },
    KindInfo {
        kind: "Secret",
        served: &["v1"],
        removed: &[],
        namespaced: true,
        plural: "secrets",
        short: &[],
    },
    KindInfo {
        kind: "Namespace",
        served: &["v1"],
        removed: &[],
        namespaced: false,
        plural: "namespaces",
        short: &["ns"],
    },
    KindInfo {
        kind: "ControllerRevision",
        served: &["apps/v1"],
        removed: &["apps/v1beta1", "apps/v1beta2"],
        namespaced: true,
        plural: "controllerrevisions",
        short: &[],
    },
    KindInfo {
        kind: "Ingress",
        served: &["networking.k8s.io/v1"],
        removed: &["extensions/v1beta1", "networking.k8s.io/v1beta1"],
        namespaced: true,
        plural: "ingresses",
        short: &["ing"],
    },
    KindInfo {
        kind: "StorageClass",
        served: &["storage.k8s.io/v1"],
        removed: &["storage.k8s.io/v1beta1"],
        namespaced: false,
        plural: "storageclasses",
        short: &["sc"],
    },
];

pub fn kind_info(kind: &str) -> Option<&'static KindInfo> {
    KINDS.iter().find(|k| k.kind == kind)
}

/// Resolve what a user typed (`rs`, `replicaset`, `replicasets`, `ReplicaSet`, `deploy`, …)
/// to a known kind.
pub fn resolve_kind(typed: &str) -> Option<&'static KindInfo> {
    let t = typed.to_ascii_lowercase();
    let t = t.split('.').next().unwrap_or(&t).to_string();
    KINDS.iter().find(|k| k.kind.to_ascii_lowercase() == t || k.plural == t || k.short.contains(&t.as_str()))
}

/// Whether a kind is namespaced, when konverge knows the kind (its own table, then every
/// kind the API server serves); `None` for custom kinds, whose CRD decides.
pub fn scope(kind: &str) -> Option<bool> {
    match kind_info(kind) {
        Some(info) => Some(info.namespaced),
        None => crate::validate::schema::builtin_kind(kind).map(|b| b.namespaced),
    }
}

/// Whether a kind is namespaced; kinds of unknown scope count as namespaced.
pub fn is_namespaced(kind: &str) -> bool {
    scope(kind).unwrap_or(true)
}

/// The `kubectl` resource spelling of a kind (`replicaset.apps`, `pod`, …) used in messages
/// such as `replicaset.apps/myapp scaled`.
pub fn resource_ref(kind: &str) -> String {
    let lower = kind.to_ascii_lowercase();
    match kind_info(kind).and_then(|k| k.served.first()) {
        Some(v) if v.contains('/') => format!("{}.{}", lower, v.split('/').next().unwrap_or("")),
        _ => lower,
    }
}

// ---------------------------------------------------------------------------------------------
// Reading fields

/// The value at `path`, if every step exists.
pub fn at<'a>(obj: &'a Value, path: &[&str]) -> Option<&'a Value> {
    let mut cur = obj;
    for p in path {
        cur = field(cur, p)?;
    }
    Some(cur)
}

/// Maps up to this many keys are searched key by key.
const SCANNED_KEYS: usize = 16;

/// The field `key` of an object (None for anything else). An object's map is small (a handful
/// of keys), and comparing keys in turn costs less than hashing the name as the map's own
/// lookup does: field reads are a quarter of a large run's time (benches/README.md).
pub fn field<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    match v {
        Value::Object(m) if m.len() <= SCANNED_KEYS => m.iter().find_map(|(k, v)| (k == key).then_some(v)),
        Value::Object(m) => m.get(key),
        _ => None,
    }
}

/// The string at `path`, or "" when it is missing or not a string.
pub fn str_at<'a>(obj: &'a Value, path: &[&str]) -> &'a str {
    at(obj, path).and_then(Value::as_str).unwrap_or("")
}

pub fn i64_at(obj: &Value, path: &[&str]) -> Option<i64> {
    at(obj, path).and_then(Value::as_i64)
}

pub fn name(obj: &Value) -> &str {
    str_at(obj, &["metadata", "name"])
}

pub fn uid(obj: &Value) -> &str {
    str_at(obj, &["metadata", "uid"])
}

/// `metadata.labels` (or any string map at `path`) as sorted pairs.
pub fn string_map(obj: &Value, path: &[&str]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = at(obj, path)
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string())).collect())
        .unwrap_or_default();
    out.sort();
    out
}

pub fn labels(obj: &Value) -> Vec<(String, String)> {
    string_map(obj, &["metadata", "labels"])
}

pub fn annotation<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    at(obj, &["metadata", "annotations", key]).and_then(Value::as_str)
}

/// The controller owner reference (`controller: true`) of an object: (kind, name, uid).
pub fn controller_ref(obj: &Value) -> Option<(&str, &str, &str)> {
    owner_refs(obj)
        .find(|r| r.get("controller").and_then(Value::as_bool).unwrap_or(false))
        .map(|r| (str_at(r, &["kind"]), str_at(r, &["name"]), str_at(r, &["uid"])))
}

pub fn owner_refs(obj: &Value) -> impl Iterator<Item = &Value> {
    at(obj, &["metadata", "ownerReferences"]).and_then(Value::as_array).into_iter().flatten()
}

/// A mutable object map at `path`, created (as `{}`) where missing or not a map.
pub fn obj_mut<'a>(obj: &'a mut Value, path: &[&str]) -> &'a mut Map<String, Value> {
    let mut cur = as_map(obj);
    for p in path {
        cur = as_map(cur.entry(p.to_string()).or_insert_with(|| Value::Object(Map::new())));
    }
    cur
}

/// The map inside `v`, replacing any other value with an empty map first.
fn as_map(v: &mut Value) -> &mut Map<String, Value> {
    if !v.is_object() {
        *v = Value::Object(Map::new());
    }
    match v {
        Value::Object(m) => m,
        _ => unreachable!("replaced by a map above"),
    }
}

/// `spec.replicas` of a workload; Kubernetes defaults it to 1.
pub fn replicas(obj: &Value) -> i64 {
    i64_at(obj, &["spec", "replicas"]).unwrap_or(1)
}

/// Pod `status.conditions[type=Ready]`: (is true, lastTransitionTime).
pub fn pod_ready(pod: &Value) -> (bool, &str) {
    condition(pod, "Ready")
        .map(|c| (str_at(c, &["status"]) == "True", str_at(c, &["lastTransitionTime"])))
        .unwrap_or((false, ""))
}

pub fn condition<'a>(obj: &'a Value, kind: &str) -> Option<&'a Value> {
    at(obj, &["status", "conditions"])
        .and_then(Value::as_array)?
        .iter()
        .find(|c| str_at(c, &["type"]) == kind)
}

/// Node readiness: the Ready condition is "True".
pub fn node_ready(node: &Value) -> bool {
    condition(node, "Ready").map(|c| str_at(c, &["status"]) == "True").unwrap_or(false)
}

// ---------------------------------------------------------------------------------------------
// Quantities (parsed in [`crate::quantity`])

pub use crate::quantity::{parse_bytes, parse_cpu_milli, quantity_str};

// ---------------------------------------------------------------------------------------------
// Time (logical; the wall clock is never read)

/// Seconds since the Unix epoch, formatted as Kubernetes does (`2025-01-01T00:00:00Z`).
pub fn fmt_time(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_string())
}

pub fn parse_time(s: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(s).ok().map(|t| t.timestamp())
}

/// Parse a duration such as `90s`, `5m`, `2h`, `1h30m`, `1d`; None when unreadable or
/// beyond what an i64 of seconds holds.
pub fn parse_duration(s: &str) -> Option<i64> {
    let mut total = 0i64;
    let mut num = String::new();
    for c in s.trim().chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let n: i64 = num.parse().ok()?;
        num.clear();
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86400,
            _ => return None,
        };
        total = total.checked_add(n.checked_mul(unit)?)?;
    }
    if !num.is_empty() {
        total = total.checked_add(num.parse::<i64>().ok()?)?;
    }
    Some(total)
}

/// The earliest and latest instants Kubernetes' time type holds (years 0001 to 9999), in
/// seconds since the Unix epoch.
pub const TIME_RANGE: (i64, i64) = (-62_135_596_800, 253_402_300_799);

/// `now + secs` when it stays within [`TIME_RANGE`].
pub fn move_clock(now: i64, secs: i64) -> Option<i64> {
    now.checked_add(secs).filter(|t| (TIME_RANGE.0..=TIME_RANGE.1).contains(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("2h"), Some(7200));
        assert_eq!(parse_duration("1h30m"), Some(5400));
        assert_eq!(parse_duration("45"), Some(45));
        assert_eq!(parse_duration("3x"), None);
        assert_eq!(parse_duration("99999999999999999d"), None);
        assert_eq!(fmt_time(TIME_RANGE.1), "9999-12-31T23:59:59Z");
        assert_eq!(fmt_time(TIME_RANGE.0), "0001-01-01T00:00:00Z");
        assert_eq!(move_clock(0, 99_999_999_999 * 86400), None);
        assert_eq!(move_clock(0, 60), Some(60));
    }

    #[test]
    fn kinds_resolve_like_kubectl() {
        assert_eq!(resolve_kind("rs").map(|k| k.kind), Some("ReplicaSet"));
        assert_eq!(resolve_kind("deployments.apps").map(|k| k.kind), Some("Deployment"));
        assert_eq!(resolve_kind("po").map(|k| k.kind), Some("Pod"));
        assert!(resolve_kind("frobs").is_none());
        assert_eq!(resource_ref("ReplicaSet"), "replicaset.apps");
        assert_eq!(resource_ref("Pod"), "pod");
    }
}
