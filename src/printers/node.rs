//! Node columns: STATUS, ROLES, VERSION and the `-o wide` ones.

use super::*;

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

pub(super) fn node_cells(obj: &Value, name: String, age: String) -> Vec<String> {
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

pub(super) fn node_wide(obj: &Value) -> Vec<String> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::printers::test_fixtures::*;
    use serde_json::json;

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
}
