//! What the API server fills in when it creates a StatefulSet, a Service, a
//! PersistentVolumeClaim or a Job: the defaults of `pkg/apis/*/v1/defaults.go` that controllers,
//! printers and describers read, a Service's cluster IP and node ports, and a Job's generated
//! selector (the Job registry strategy's `generateSelector`).
//!
//! Cluster IPs come from the service CIDR `10.96.0.0/12` (kubeadm's default). `10.96.0.1` is
//! the `kubernetes` Service's, as in every cluster; the others are allocated, as upstream since
//! v1.26, from the upper band of the range (its first 256 addresses are kept for IPs users pick).
//! Upstream picks a random free address there; konverge starts at a hash of the Service's
//! namespace and name and takes the first free address from there (wrapping within the band),
//! so the same Service gets the same IP in every run. Node ports are chosen the same way from
//! 30000–32767 (upper band from 30086).

use crate::apiserver::fnv64;
use crate::model::{self, ObjKey};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The service CIDR: `10.96.0.0/12`.
pub const SERVICE_CIDR: (u32, u32) = (0x0A60_0000, 12);
/// The `kubernetes` Service's address, the first of the range.
pub const KUBERNETES_SERVICE_IP: &str = "10.96.0.1";
/// `--service-node-port-range` default.
pub const NODE_PORTS: (i64, i64) = (30000, 32767);

/// Fill in what the API server defaults or allocates for a new object of `kind`; `objects`
/// is the store it is created into.
pub fn on_create(kind: &str, obj: &mut Value, objects: &BTreeMap<ObjKey, Value>) {
    match kind {
        "StatefulSet" => stateful_set(obj),
        "Service" => service(obj, objects),
        "PersistentVolumeClaim" => claim(obj),
        "Job" => job(obj),
        _ => {}
    }
}

/// `SetDefaults_StatefulSet` (and the claim templates' defaults). An explicit `RollingUpdate`
/// type without `rollingUpdate` stays without it, as upstream leaves it.
fn stateful_set(obj: &mut Value) {
    let spec = model::obj_mut(obj, &["spec"]);
    spec.entry("podManagementPolicy").or_insert_with(|| json!("OrderedReady"));
    let strategy = spec.entry("updateStrategy").or_insert_with(|| json!({}));
    if model::str_at(strategy, &["type"]).is_empty() {
        strategy["type"] = json!("RollingUpdate");
        if strategy.get("rollingUpdate").is_none_or(Value::is_null) {
            strategy["rollingUpdate"] = json!({});
        }
    }
    if model::str_at(strategy, &["type"]) == "RollingUpdate" {
        if let Some(rolling) = strategy.get_mut("rollingUpdate").and_then(Value::as_object_mut) {
            rolling.entry("partition").or_insert_with(|| json!(0));
        }
    }
    let retention = spec.entry("persistentVolumeClaimRetentionPolicy").or_insert_with(|| json!({}));
    for field in ["whenDeleted", "whenScaled"] {
        if model::str_at(retention, &[field]).is_empty() {
            retention[field] = json!("Retain");
        }
    }
    spec.entry("replicas").or_insert_with(|| json!(1));
    spec.entry("revisionHistoryLimit").or_insert_with(|| json!(10));
    if let Some(templates) = spec.get_mut("volumeClaimTemplates").and_then(Value::as_array_mut) {
        templates.iter_mut().for_each(claim);
    }
}

/// `SetDefaults_PersistentVolumeClaim` and its spec's: phase Pending, volumeMode Filesystem.
fn claim(obj: &mut Value) {
    model::obj_mut(obj, &["spec"]).entry("volumeMode").or_insert_with(|| json!("Filesystem"));
    model::obj_mut(obj, &["status"]).entry("phase").or_insert_with(|| json!("Pending"));
}

/// `SetDefaults_Service`, the IP family fields, a cluster IP and node ports.
fn service(obj: &mut Value, objects: &BTreeMap<ObjKey, Value>) {
    let key = format!(
        "{}/{}",
        model::str_at(obj, &["metadata", "namespace"]),
        model::str_at(obj, &["metadata", "name"])
    );
    let (used_ips, used_ports) = allocated(objects);
    let spec = model::obj_mut(obj, &["spec"]);
    let kind = spec.entry("type").or_insert_with(|| json!("ClusterIP")).as_str().unwrap_or("").to_string();
    spec.entry("sessionAffinity").or_insert_with(|| json!("None"));
    if let Some(ports) = spec.get_mut("ports").and_then(Value::as_array_mut) {
        let mut taken = used_ports;
        for (i, p) in ports.iter_mut().enumerate() {
            let Some(port) = p.as_object_mut() else { continue };
            port.entry("protocol").or_insert_with(|| json!("TCP"));
            if let Some(n) = port.get("port").cloned() {
                port.entry("targetPort").or_insert(n);
            }
            if matches!(kind.as_str(), "NodePort" | "LoadBalancer") && !port.contains_key("nodePort") {
                let n = free_node_port(&format!("{key}#{i}"), &taken);
                taken.insert(n);
                port.insert("nodePort".into(), json!(n));
            }
        }
    }
    if kind == "ExternalName" {
        return;
    }
    if matches!(kind.as_str(), "NodePort" | "LoadBalancer") {
        spec.entry("externalTrafficPolicy").or_insert_with(|| json!("Cluster"));
    }
    if kind == "LoadBalancer" {
        spec.entry("allocateLoadBalancerNodePorts").or_insert_with(|| json!(true));
    }
    let ip = match spec.get("clusterIP").and_then(Value::as_str).filter(|s| !s.is_empty()) {
        Some(given) => given.to_string(),
        None => format_ip(free_cluster_ip(&key, &used_ips)),
    };
    spec.insert("clusterIP".into(), json!(ip));
    spec.entry("clusterIPs").or_insert_with(|| json!([ip]));
    spec.entry("ipFamilies").or_insert_with(|| json!(["IPv4"]));
    spec.entry("ipFamilyPolicy").or_insert_with(|| json!("SingleStack"));
    spec.entry("internalTrafficPolicy").or_insert_with(|| json!("Cluster"));
}

/// The cluster IPs and node ports the stored Services hold.
fn allocated(objects: &BTreeMap<ObjKey, Value>) -> (BTreeSet<u32>, BTreeSet<i64>) {
    let mut ips = BTreeSet::new();
    let mut ports = BTreeSet::new();
    let services = objects.range(ObjKey::new("Service", "", "")..).take_while(|(k, _)| k.kind == "Service");
    for (_, svc) in services {
        ips.extend(parse_ip(model::str_at(svc, &["spec", "clusterIP"])));
        let listed = model::at(svc, &["spec", "ports"]).and_then(Value::as_array).into_iter().flatten();
        ports.extend(listed.filter_map(|p| model::i64_at(p, &["nodePort"])));
    }
    (ips, ports)
}

/// The first free address of the dynamic band at or after the hash of `key`.
fn free_cluster_ip(key: &str, used: &BTreeSet<u32>) -> u32 {
    let (base, prefix) = SERVICE_CIDR;
    let size = 1u64 << (32 - prefix);
    // The static band (min(max(16, size/16), 256) addresses), then the dynamic band up to the
    // address before the broadcast one.
    let low = (size / 16).clamp(16, 256);
    let span = size - 1 - low;
    let first = fnv64(key) % span;
    (0..span)
        .map(|i| base + (low + (first + i) % span) as u32)
        .find(|ip| !used.contains(ip))
        .unwrap_or(base + low as u32)
}

fn free_node_port(key: &str, used: &BTreeSet<i64>) -> i64 {
    let (min, max) = NODE_PORTS;
    let size = max - min + 1;
    let low = (size / 32).clamp(16, 128);
    let span = size - low;
    let first = (fnv64(key) % span as u64) as i64;
    (0..span).map(|i| min + low + (first + i) % span).find(|p| !used.contains(p)).unwrap_or(min + low)
}

fn parse_ip(s: &str) -> Option<u32> {
    let parts: Vec<u32> = s.split('.').map(|p| p.parse::<u8>().ok().map(u32::from)).collect::<Option<_>>()?;
    (parts.len() == 4).then(|| parts.iter().fold(0, |ip, &b| (ip << 8) | b))
}

fn format_ip(ip: u32) -> String {
    format!("{}.{}.{}.{}", ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff, ip & 0xff)
}

/// Labels the API server gives a Job's pod template (and, through it, the Job's pods).
pub const JOB_NAME_LABEL: &str = "batch.kubernetes.io/job-name";
pub const CONTROLLER_UID_LABEL: &str = "batch.kubernetes.io/controller-uid";
pub const LEGACY_JOB_NAME_LABEL: &str = "job-name";
pub const LEGACY_CONTROLLER_UID_LABEL: &str = "controller-uid";

/// Default and complete a new Job whose `metadata.uid` is set:
/// - `completions` and `parallelism` 1 when both are unset, `parallelism` 1 when unset;
///   `backoffLimit` 6 (the largest int32 with `backoffLimitPerIndex`); `completionMode`
///   NonIndexed; `suspend` false; `manualSelector` false; `podReplacementPolicy` Failed with a
///   `podFailurePolicy`, TerminatingOrFailed without; an `onPodConditions` pattern's status True;
/// - unless `manualSelector`: the template gets the `job-name` and `controller-uid` labels
///   (prefixed and legacy) and the selector `batch.kubernetes.io/controller-uid=<uid>`;
/// - a Job without labels takes its template's: the template's own when it had some when the
///   request was decoded, else (the defaulting that runs again when the object is read back)
///   the generated ones;
/// - the status starts empty.
pub fn job(obj: &mut Value) {
    let name = model::name(obj).to_string();
    let uid = model::uid(obj).to_string();
    let template_labels_given =
        model::at(obj, &["spec", "template", "metadata", "labels"]).and_then(Value::as_object).cloned();
    let spec = model::obj_mut(obj, &["spec"]);
    let unset = |spec: &Map<String, Value>, k: &str| spec.get(k).is_none_or(Value::is_null);
    if unset(spec, "completions") && unset(spec, "parallelism") {
        spec.insert("completions".into(), json!(1));
    }
    if unset(spec, "parallelism") {
        spec.insert("parallelism".into(), json!(1));
    }
    if unset(spec, "backoffLimit") {
        let limit = if unset(spec, "backoffLimitPerIndex") { 6 } else { i64::from(i32::MAX) };
        spec.insert("backoffLimit".into(), json!(limit));
    }
    if unset(spec, "completionMode") {
        spec.insert("completionMode".into(), json!("NonIndexed"));
    }
    if unset(spec, "suspend") {
        spec.insert("suspend".into(), json!(false));
    }
    let has_failure_policy = !unset(spec, "podFailurePolicy");
    if let Some(rules) =
        spec.get_mut("podFailurePolicy").and_then(|p| p.get_mut("rules")).and_then(Value::as_array_mut)
    {
        let patterns =
            rules.iter_mut().filter_map(|r| r.get_mut("onPodConditions")).filter_map(Value::as_array_mut);
        for pattern in patterns.flatten().filter_map(Value::as_object_mut) {
            if pattern.get("status").and_then(Value::as_str).is_none_or(str::is_empty) {
                pattern.insert("status".into(), json!("True"));
            }
        }
    }
    if unset(spec, "podReplacementPolicy") {
        let policy = if has_failure_policy { "Failed" } else { "TerminatingOrFailed" };
        spec.insert("podReplacementPolicy".into(), json!(policy));
    }
    if unset(spec, "manualSelector") {
        spec.insert("manualSelector".into(), json!(false));
    }
    let manual = spec.get("manualSelector").and_then(Value::as_bool) == Some(true);
    if !manual {
        let labels = model::obj_mut(obj, &["spec", "template", "metadata", "labels"]);
        for (key, value) in [
            (LEGACY_JOB_NAME_LABEL, &name),
            (JOB_NAME_LABEL, &name),
            (LEGACY_CONTROLLER_UID_LABEL, &uid),
            (CONTROLLER_UID_LABEL, &uid),
        ] {
            labels.entry(key).or_insert_with(|| json!(value));
        }
        model::obj_mut(obj, &["spec", "selector", "matchLabels"])
            .entry(CONTROLLER_UID_LABEL)
            .or_insert_with(|| json!(uid));
    }
    let has_labels =
        model::at(obj, &["metadata", "labels"]).and_then(Value::as_object).is_some_and(|m| !m.is_empty());
    if !has_labels {
        let copied = match template_labels_given.filter(|m| !m.is_empty()) {
            Some(given) => Some(Value::Object(given)),
            None => model::at(obj, &["spec", "template", "metadata", "labels"]).cloned(),
        };
        if let Some(labels) = copied.filter(|l| l.as_object().is_some_and(|m| !m.is_empty())) {
            model::obj_mut(obj, &["metadata"]).insert("labels".into(), labels);
        }
    }
    if let Some(o) = obj.as_object_mut() {
        o.insert("status".into(), json!({}));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn create(kind: &str, obj: Value, objects: &BTreeMap<ObjKey, Value>) -> Value {
        let mut obj = obj;
        on_create(kind, &mut obj, objects);
        obj
    }

    #[test]
    fn stateful_set_defaults_like_set_defaults_stateful_set() {
        let sts = create(
            "StatefulSet",
            json!({"spec": {"volumeClaimTemplates": [{"metadata": {"name": "d"}, "spec": {}}]}}),
            &BTreeMap::new(),
        );
        assert_eq!(
            sts["spec"],
            json!({
                "volumeClaimTemplates": [{"metadata": {"name": "d"}, "spec": {"volumeMode": "Filesystem"}, "status": {"phase": "Pending"}}],
                "podManagementPolicy": "OrderedReady",
                "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
                "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Retain"},
                "replicas": 1,
                "revisionHistoryLimit": 10,
            })
        );
        let explicit = create(
            "StatefulSet",
            json!({"spec": {"updateStrategy": {"type": "RollingUpdate"}}}),
            &BTreeMap::new(),
        );
        assert_eq!(
            explicit["spec"]["updateStrategy"],
            json!({"type": "RollingUpdate"}),
            "an explicit type keeps rollingUpdate nil"
        );
        let on_delete = create(
            "StatefulSet",
            json!({"spec": {"updateStrategy": {"type": "OnDelete"}}}),
            &BTreeMap::new(),
        );
        assert_eq!(on_delete["spec"]["updateStrategy"], json!({"type": "OnDelete"}));
    }

    /// Headless Services keep `None`; others get a stable address of the dynamic band, never
    /// one already taken, never 10.96.0.1.
    #[test]
    fn services_get_cluster_ips_from_the_service_cidr() {
        let svc = |name: &str, spec: Value| json!({"metadata": {"name": name, "namespace": "default"}, "spec": spec});
        let headless = create(
            "Service",
            svc("nginx-svc", json!({"clusterIP": "None", "ports": [{"port": 80}]})),
            &BTreeMap::new(),
        );
        assert_eq!(headless["spec"]["clusterIP"], "None");
        assert_eq!(headless["spec"]["clusterIPs"], json!(["None"]));
        assert_eq!(headless["spec"]["ports"], json!([{"port": 80, "protocol": "TCP", "targetPort": 80}]));
        assert_eq!(headless["spec"]["type"], "ClusterIP");
        let web = create("Service", svc("web", json!({"ports": [{"port": 80}]})), &BTreeMap::new());
        let ip = web["spec"]["clusterIP"].as_str().unwrap().to_string();
        let n = parse_ip(&ip).unwrap();
        assert!(n >= parse_ip("10.96.1.0").unwrap() && n < parse_ip("10.111.255.255").unwrap(), "{ip}");
        assert_eq!(
            create("Service", svc("web", json!({})), &BTreeMap::new())["spec"]["clusterIP"],
            ip.as_str(),
            "stable"
        );
        let mut store = BTreeMap::new();
        store.insert(ObjKey::new("Service", "other", "taken"), json!({"spec": {"clusterIP": ip}}));
        let again = create("Service", svc("web", json!({})), &store);
        assert_eq!(again["spec"]["clusterIP"], format_ip(n + 1), "the next free address");
        let np = create(
            "Service",
            svc("np", json!({"type": "NodePort", "ports": [{"port": 80}]})),
            &BTreeMap::new(),
        );
        let port = np["spec"]["ports"][0]["nodePort"].as_i64().unwrap();
        assert!((30086..=32767).contains(&port), "{port}");
        assert_eq!(parse_ip(KUBERNETES_SERVICE_IP), Some(SERVICE_CIDR.0 + 1));
        let ext = create(
            "Service",
            svc("ext", json!({"type": "ExternalName", "externalName": "example.com"})),
            &BTreeMap::new(),
        );
        assert!(ext["spec"].get("clusterIP").is_none());
    }
    fn pi(spec: Value) -> Value {
        let mut spec = spec;
        spec["template"] =
            json!({"spec": {"restartPolicy": "Never", "containers": [{"name": "pi", "image": "perl"}]}});
        json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "pi", "uid": "u1"}, "spec": spec})
    }

    /// The defaults a cluster shows for `kubectl get job -o yaml` of the tutorial's Job.
    #[test]
    fn a_job_reads_back_defaulted_with_a_generated_selector() {
        let mut j = pi(json!({"completions": 5, "parallelism": 2}));
        job(&mut j);
        assert_eq!(j["spec"]["backoffLimit"], json!(6));
        assert_eq!(j["spec"]["completionMode"], json!("NonIndexed"));
        assert_eq!(j["spec"]["suspend"], json!(false));
        assert_eq!(j["spec"]["manualSelector"], json!(false));
        assert_eq!(j["spec"]["podReplacementPolicy"], json!("TerminatingOrFailed"));
        assert_eq!(
            j["spec"]["selector"],
            json!({"matchLabels": {"batch.kubernetes.io/controller-uid": "u1"}})
        );
        let want = json!({"job-name": "pi", "batch.kubernetes.io/job-name": "pi", "controller-uid": "u1", "batch.kubernetes.io/controller-uid": "u1"});
        assert_eq!(j["spec"]["template"]["metadata"]["labels"], want);
        assert_eq!(j["metadata"]["labels"], want, "a Job without labels shows its template's");
        assert_eq!(j["status"], json!({}));
    }

    #[test]
    fn defaults_follow_upstream_set_defaults_job() {
        let cases: &[(&str, Value, &str, Value)] = &[
            ("both unset", json!({}), "/spec/completions", json!(1)),
            ("both unset", json!({}), "/spec/parallelism", json!(1)),
            ("only completions", json!({"completions": 3}), "/spec/parallelism", json!(1)),
            (
                "only parallelism: completions stay unset",
                json!({"parallelism": 3}),
                "/spec/completions",
                Value::Null,
            ),
            ("per-index limit", json!({"backoffLimitPerIndex": 1}), "/spec/backoffLimit", json!(2147483647)),
            (
                "failure policy",
                json!({"podFailurePolicy": {"rules": []}}),
                "/spec/podReplacementPolicy",
                json!("Failed"),
            ),
            (
                "condition pattern status",
                json!({"podFailurePolicy": {"rules": [{"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget"}]}]}}),
                "/spec/podFailurePolicy/rules/0/onPodConditions/0/status",
                json!("True"),
            ),
            ("kept", json!({"backoffLimit": 2}), "/spec/backoffLimit", json!(2)),
        ];
        for (name, spec, pointer, want) in cases {
            let mut j = pi(spec.clone());
            job(&mut j);
            assert_eq!(j.pointer(pointer).cloned().unwrap_or(Value::Null), *want, "{name}");
        }
    }

    /// A manual selector is kept and nothing is generated; a Job whose template had labels
    /// takes only those.
    #[test]
    fn manual_selectors_and_given_template_labels() {
        let mut j = pi(json!({"manualSelector": true, "selector": {"matchLabels": {"app": "pi"}}}));
        j["spec"]["template"]["metadata"] = json!({"labels": {"app": "pi"}});
        job(&mut j);
        assert_eq!(j["spec"]["selector"], json!({"matchLabels": {"app": "pi"}}));
        assert_eq!(j["spec"]["template"]["metadata"]["labels"], json!({"app": "pi"}));
        let mut j = pi(json!({}));
        j["spec"]["template"]["metadata"] = json!({"labels": {"app": "pi"}});
        job(&mut j);
        assert_eq!(j["metadata"]["labels"], json!({"app": "pi"}));
        assert_eq!(j["spec"]["template"]["metadata"]["labels"]["batch.kubernetes.io/job-name"], json!("pi"));
    }
}
