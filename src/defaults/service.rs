//! Services (`SetDefaults_Service` in `pkg/apis/core/v1/defaults.go`).

use super::{set, set_str, spec, str_of};
use serde_json::{json, Value};

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

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

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
}
