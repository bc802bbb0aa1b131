//! Services (`SetDefaults_Service` in `pkg/apis/core/v1/defaults.go`), and what the API
//! server allocates for a new one: the IP family fields, a cluster IP and node ports.
//!
//! Cluster IPs come from the service CIDR `10.96.0.0/12` (kubeadm's default). `10.96.0.1` is
//! the `kubernetes` Service's, as in every cluster; the others are allocated, as upstream since
//! v1.26, from the upper band of the range (its first 256 addresses are kept for IPs users pick).
//! Upstream picks a random free address there; konverge starts at a hash of the Service's
//! namespace and name and takes the first free address from there (wrapping within the band),
//! so the same Service gets the same IP in every run. Node ports are chosen the same way from
//! 30000–32767 (upper band from 30086).

use super::{set, set_str, spec, str_of};
use crate::apiserver::fnv64;
use crate::model::{self, ObjKey};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The service CIDR: `10.96.0.0/12`.
pub const SERVICE_CIDR: (u32, u32) = (0x0A60_0000, 12);
/// The `kubernetes` Service's address, the first of the range.
pub const KUBERNETES_SERVICE_IP: &str = "10.96.0.1";
/// `--service-node-port-range` default.
pub const NODE_PORTS: (i64, i64) = (30000, 32767);

/// Session affinity None, type ClusterIP, ports TCP with targetPort = port, traffic
/// policies Cluster, load balancers allocating node ports.
fn service(obj: &mut Value) {
    let Some(spec) = spec(obj) else { return };
    set_str(spec, "sessionAffinity", "None");
    if str_of(spec, "sessionAffinity") == "None" {
        spec.shift_remove("sessionAffinityConfig");
    }
    if str_of(spec, "sessionAffinity") == "ClientIP"
        && spec.get("sessionAffinityConfig").and_then(|c| c.pointer("/clientIP/timeoutSeconds")).is_none()
    {
        spec.insert("sessionAffinityConfig".into(), json!({"clientIP": {"timeoutSeconds": 10800}}));
    }
    set_str(spec, "type", "ClusterIP");
    for p in spec.get_mut("ports").and_then(Value::as_array_mut).into_iter().flatten() {
        let Some(p) = p.as_object_mut() else { continue };
        set_str(p, "protocol", "TCP");
        let unset = match p.get("targetPort") {
            None | Some(Value::Null) => true,
            Some(v) => v.as_i64() == Some(0) || v.as_str() == Some(""),
        };
        if unset {
            if let Some(port) = p.get("port").cloned() {
                p.insert("targetPort".into(), port);
            }
        }
    }
    let kind = str_of(spec, "type").to_string();
    let externally_accessible = kind == "NodePort"
        || kind == "LoadBalancer"
        || spec.get("externalIPs").and_then(Value::as_array).is_some_and(|a| !a.is_empty());
    if externally_accessible {
        set_str(spec, "externalTrafficPolicy", "Cluster");
    }
    if matches!(kind.as_str(), "NodePort" | "LoadBalancer" | "ClusterIP") {
        set(spec, "internalTrafficPolicy", json!("Cluster"));
    }
    if kind == "LoadBalancer" {
        set(spec, "allocateLoadBalancerNodePorts", json!(true));
    }
}

pub(super) const KINDS: &[(&str, super::KindDefaulter)] = &[("Service", service)];

/// What the API server allocates for a new (defaulted) Service in a store holding `objects`:
/// node ports for the ports of a NodePort or LoadBalancer Service that name none, and, unless
/// it is an ExternalName Service, a cluster IP (a given one is kept) and its IP family fields.
pub(super) fn allocate(obj: &mut Value, objects: &BTreeMap<ObjKey, Value>) {
    let key = format!(
        "{}/{}",
        model::str_at(obj, &["metadata", "namespace"]),
        model::str_at(obj, &["metadata", "name"])
    );
    let (used_ips, used_ports) = allocated(objects);
    let spec = model::obj_mut(obj, &["spec"]);
    let kind = str_of(spec, "type").to_string();
    if matches!(kind.as_str(), "NodePort" | "LoadBalancer") {
        let mut taken = used_ports;
        let ports = spec.get_mut("ports").and_then(Value::as_array_mut).into_iter().flatten();
        for (i, p) in ports.enumerate() {
            let Some(port) = p.as_object_mut() else { continue };
            if !port.contains_key("nodePort") {
                let n = free_node_port(&format!("{key}#{i}"), &taken);
                taken.insert(n);
                port.insert("nodePort".into(), json!(n));
            }
        }
    }
    if kind == "ExternalName" {
        return;
    }
    let ip = match spec.get("clusterIP").and_then(Value::as_str).filter(|s| !s.is_empty()) {
        Some(given) => given.to_string(),
        None => format_ip(free_cluster_ip(&key, &used_ips)),
    };
    spec.insert("clusterIP".into(), json!(ip));
    spec.entry("clusterIPs").or_insert_with(|| json!([ip]));
    spec.entry("ipFamilies").or_insert_with(|| json!(["IPv4"]));
    spec.entry("ipFamilyPolicy").or_insert_with(|| json!("SingleStack"));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn defaulted(mut obj: Value) -> Value {
        super::super::apply(&mut obj);
        obj
    }

    /// core/v1 `TestSetDefaultService`, `TestSetDefaultServiceTargetPort`,
    /// `TestSetDefaultServiceExternalTraffic` (NodePort), `TestSetDefaultServiceSessionAffinity`.
    #[test]
    fn upstream_set_default_service() {
        let s = defaulted(
            json!({"kind": "Service", "spec": {"ports": [{"port": 80}, {"port": 81, "targetPort": "http"}]}}),
        );
        assert_eq!(s["spec"]["sessionAffinity"], "None");
        assert_eq!(s["spec"]["type"], "ClusterIP");
        assert_eq!(
            s["spec"]["ports"],
            json!([{"port": 80, "protocol": "TCP", "targetPort": 80}, {"port": 81, "targetPort": "http", "protocol": "TCP"}])
        );
        assert_eq!(s["spec"]["internalTrafficPolicy"], "Cluster");
        assert!(s["spec"].get("externalTrafficPolicy").is_none());
        let s = defaulted(
            json!({"kind": "Service", "spec": {"type": "NodePort", "sessionAffinity": "ClientIP"}}),
        );
        assert_eq!(s["spec"]["externalTrafficPolicy"], "Cluster");
        assert_eq!(s["spec"]["sessionAffinityConfig"], json!({"clientIP": {"timeoutSeconds": 10800}}));
    }

    /// Headless Services keep `None`; others get a stable address of the dynamic band, never
    /// one already taken, never 10.96.0.1.
    #[test]
    fn services_get_cluster_ips_from_the_service_cidr() {
        let create = |_: &str, mut obj: Value, objects: &BTreeMap<ObjKey, Value>| {
            obj["kind"] = json!("Service");
            super::super::apply(&mut obj);
            super::super::on_create("Service", &mut obj, objects);
            obj
        };
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
}
