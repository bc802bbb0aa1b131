//! Service and Ingress columns.

use super::*;

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

pub(super) fn service_cells(svc: &Value, name: String, age: String) -> Vec<String> {
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

pub(super) fn ingress_cells(ing: &Value, name: String, age: String) -> Vec<String> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::printers::test_fixtures::*;
    use serde_json::json;

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
}
