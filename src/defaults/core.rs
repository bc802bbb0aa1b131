//! Namespaces and Secrets (`SetDefaults_Namespace`, `SetDefaults_NamespaceStatus`, the
//! namespace registry's `kubernetes` finalizer, `SetDefaults_Secret`), and what a Node is given
//! when it registers (the kubelet's `nodeInfo`, the node-ipam controller's pod CIDR, addresses).

use super::{child, set, set_str};
use crate::model::ObjKey;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The Kubernetes release konverge's API and controllers follow: the server version
/// (`konverge version`) and the kubelet version of a node that does not report one.
pub const KUBERNETES_VERSION: &str = "v1.34.0";

/// The `status.nodeInfo` a registering node reports, for the fields it does not declare: a
/// kind node of [`KUBERNETES_VERSION`].
const NODE_INFO: &[(&str, &str)] = &[
    ("architecture", "amd64"),
    ("containerRuntimeVersion", "containerd://2.1.3"),
    ("kernelVersion", "6.8.0-generic"),
    ("kubeletVersion", KUBERNETES_VERSION),
    ("operatingSystem", "linux"),
    ("osImage", "Debian GNU/Linux 12 (bookworm)"),
];

/// A Node as it is once registered: its kubelet's `nodeInfo` (the fields it does not declare,
/// from [`NODE_INFO`]), and a pod CIDR and addresses ([`crate::network::register_node`]).
pub(super) fn register_node(obj: &mut Value, objects: &BTreeMap<ObjKey, Value>) {
    if let Some(info) =
        obj.as_object_mut().and_then(|m| child(m, "status")).and_then(|s| child(s, "nodeInfo"))
    {
        for (key, value) in NODE_INFO {
            set_str(info, key, value);
        }
    }
    crate::network::register_node(obj, objects);
}

/// The name label, the `kubernetes` finalizer (the namespace controller empties the
/// namespace before it goes) and phase Active.
fn namespace(obj: &mut Value) {
    let name = obj.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("").to_string();
    let Some(map) = obj.as_object_mut() else { return };
    if !name.is_empty() {
        if let Some(labels) = child(map, "metadata").and_then(|m| child(m, "labels")) {
            labels.insert("kubernetes.io/metadata.name".into(), json!(name));
        }
    }
    if let Some(spec) = child(map, "spec") {
        set(spec, "finalizers", json!(["kubernetes"]));
    }
    if let Some(status) = child(map, "status") {
        set_str(status, "phase", "Active");
    }
}

/// `SetDefaults_Secret`: type Opaque.
fn secret(obj: &mut Value) {
    if let Some(map) = obj.as_object_mut() {
        set_str(map, "type", "Opaque");
    }
}

pub(super) const KINDS: &[(&str, super::KindDefaulter)] = &[("Namespace", namespace), ("Secret", secret)];

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    fn defaulted(mut obj: Value) -> Value {
        super::super::apply(&mut obj);
        obj
    }

    /// core/v1 `TestSetDefaultNamespace` (label), `TestSetDefaultNamespaceStatus`-style phase,
    /// `TestSetDefaultSecret`.
    #[test]
    fn upstream_namespace_and_secret_defaults() {
        let ns = defaulted(json!({"kind": "Namespace", "metadata": {"name": "team-a"}}));
        assert_eq!(ns["metadata"]["labels"], json!({"kubernetes.io/metadata.name": "team-a"}));
        assert_eq!(ns["spec"]["finalizers"], json!(["kubernetes"]));
        assert_eq!(ns["status"]["phase"], "Active");
        assert_eq!(defaulted(json!({"kind": "Secret"}))["type"], "Opaque");
        assert_eq!(
            defaulted(json!({"kind": "Secret", "type": "kubernetes.io/tls"}))["type"],
            "kubernetes.io/tls"
        );
    }

    /// A node registering without `nodeInfo` reports konverge's kubelet; what it declares stays.
    #[test]
    fn registering_nodes_report_a_kubelet() {
        let mut bare = json!({"kind": "Node", "metadata": {"name": "n1"}});
        super::register_node(&mut bare, &Default::default());
        assert_eq!(bare["status"]["nodeInfo"]["kubeletVersion"], super::KUBERNETES_VERSION);
        assert_eq!(bare["status"]["nodeInfo"]["operatingSystem"], "linux");
        let mut declared = json!({"kind": "Node", "metadata": {"name": "n1"},
                                  "status": {"nodeInfo": {"kubeletVersion": "v1.30.1"}}});
        super::register_node(&mut declared, &Default::default());
        assert_eq!(declared["status"]["nodeInfo"]["kubeletVersion"], "v1.30.1");
        assert_eq!(declared["status"]["nodeInfo"]["architecture"], "amd64");
    }
}
