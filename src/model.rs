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
    if (0..YEAR_10000).contains(&secs) {
        return fmt_four_digit_year(secs);
    }
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_string())
}

/// An RFC 3339 time, in seconds since the Unix epoch (fractions dropped).
pub fn parse_time(s: &str) -> Option<i64> {
    if let Some(secs) = parse_four_digit_year(s) {
        return Some(secs);
    }
    chrono::DateTime::parse_from_rfc3339(s).ok().map(|t| t.timestamp())
}

/// 10000-01-01T00:00:00Z: the times before it (and from the epoch on) take the fast paths,
/// which every object's timestamps do; chrono formats and parses the rest.
const YEAR_10000: i64 = 253_402_300_800;

/// [`fmt_time`] of a time from the epoch to the year 9999, without chrono's format string:
/// a state's every save writes three times per Event.
fn fmt_four_digit_year(secs: i64) -> String {
    let (days, in_day) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    let fields =
        [(year, 4, "-"), (month, 2, "-"), (day, 2, "T"), (in_day / 3600, 2, ":"), (in_day / 60 % 60, 2, ":")];
    let mut out = String::with_capacity(20);
    for (n, width, then) in fields.into_iter().chain([(in_day % 60, 2, "Z")]) {
        push_digits(n, width, &mut out);
        out.push_str(then);
    }
    out
}

fn push_digits(n: i64, width: u32, out: &mut String) {
    for place in (0..width).rev() {
        out.push(char::from(b'0' + (n / 10_i64.pow(place) % 10) as u8));
    }
}

/// [`parse_time`] of exactly `YYYY-MM-DDTHH:MM:SSZ` naming a real second (what konverge and
/// the API server write); None for anything else, which chrono reads.
fn parse_four_digit_year(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 20 || [b[4], b[7], b[10], b[13], b[16], b[19]] != *b"--T::Z" {
        return None;
    }
    let number = |from: usize, to: usize| -> Option<i64> {
        b[from..to].iter().try_fold(0, |n, &d| d.is_ascii_digit().then(|| n * 10 + i64::from(d - b'0')))
    };
    let (year, month, day) = (number(0, 4)?, number(5, 7)?, number(8, 10)?);
    let (hour, minute, second) = (number(11, 13)?, number(14, 16)?, number(17, 19)?);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1..=12 => 31,
        _ => return None,
    };
    if !(1..=month_days).contains(&day) || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second)
}

/// The proleptic Gregorian date of a day counted from 1970-01-01 (Howard Hinnant's
/// `civil_from_days`).
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 { shifted_month + 3 } else { shifted_month - 9 };
    (year_of_era + era * 400 + i64::from(month <= 2), month, day)
}

/// The day counted from 1970-01-01 of a proleptic Gregorian date (`days_from_civil`).
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = year - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
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
    use proptest::prelude::*;

    fn chrono_fmt(secs: i64) -> String {
        // Empty where chrono has no such time: no fast path writes an empty string.
        chrono::DateTime::from_timestamp(secs, 0)
            .map_or(String::new(), |t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
    }

    fn chrono_parse(s: &str) -> Option<i64> {
        chrono::DateTime::parse_from_rfc3339(s).ok().map(|t| t.timestamp())
    }

    proptest! {
        /// The fast paths write and read what chrono does, from the epoch to the year 9999.
        #[test]
        fn times_are_written_and_read_as_chrono_does(secs in 0..YEAR_10000) {
            let text = fmt_time(secs);
            prop_assert_eq!(&text, &chrono_fmt(secs));
            prop_assert_eq!(parse_four_digit_year(&text), Some(secs));
        }

        /// Any twenty characters of the shape, real date or not, read as chrono reads them.
        #[test]
        fn a_time_of_the_shape_reads_as_chrono_reads_it(
            y in 0..10_000u32, mo in 0..14u32, d in 0..33u32, h in 0..26u32, mi in 0..62u32, s in 0..62u32,
        ) {
            let text = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z");
            // chrono reads a leap second (60) as the second before; the fast path leaves it to chrono.
            prop_assert_eq!(parse_time(&text), chrono_parse(&text), "{}", text);
            if s < 60 {
                prop_assert_eq!(parse_four_digit_year(&text), chrono_parse(&text), "{}", text);
            }
        }
    }

    #[test]
    fn times_at_the_edges_of_the_fast_paths() {
        for secs in [0, 59, 86_399, 86_400, 951_782_400, 4_107_542_399, YEAR_10000 - 1] {
            assert_eq!(fmt_time(secs), chrono_fmt(secs), "{secs}");
            assert_eq!(parse_time(&fmt_time(secs)), Some(secs));
        }
        assert_eq!(fmt_time(-1), "1969-12-31T23:59:59Z");
        assert_eq!(fmt_time(YEAR_10000), chrono_fmt(YEAR_10000));
        for other in [
            "2025-01-01T01:00:00+01:00",
            "2025-01-01T00:00:00.5Z",
            "2025-01-01t00:00:00z",
            "2024-02-29T23:59:60Z",
            "2100-02-29T00:00:00Z",
        ] {
            assert_eq!(parse_four_digit_year(other), None, "{other}");
            assert_eq!(parse_time(other), chrono_parse(other), "{other}");
        }
    }

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
