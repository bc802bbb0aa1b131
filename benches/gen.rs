//! Synthetic clusters for the benchmarks: `nodes` Ready nodes and `sets` ReplicaSets sharing
//! `pods` replicas between them (or one DaemonSet), as the manifests a user would
//! `konverge apply`.
//!
//! Nodes are sized so that every pod fits with the scheduler's round-robin spread: allocatable
//! pods is at least 110 (the kubelet default) and at least twice the pods per node, cpu and
//! memory at least twice what those pods request. Everything is deterministic.

use serde_json::{json, Value};

/// What the smallest generated pod requests; pod shape `s` requests `s` more millicores and
/// MiB than that.
pub const POD_CPU_M: i64 = 100;
pub const POD_MEM_MI: i64 = 128;

/// The size of a generated cluster.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Size {
    pub nodes: usize,
    pub pods: usize,
    pub sets: usize,
    /// Distinct pod shapes (requests): ReplicaSet `i` has shape `i % shapes`. Pods of one shape
    /// form one scheduling class.
    pub shapes: usize,
}

impl Size {
    pub const fn new(nodes: usize, pods: usize, sets: usize) -> Size {
        Size { nodes, pods, sets, shapes: 1 }
    }

    pub const fn with_shapes(self, shapes: usize) -> Size {
        Size { shapes, ..self }
    }

    /// cpu (millicores) and memory (MiB) requested by a pod of ReplicaSet `i`.
    pub fn requests(&self, i: usize) -> (i64, i64) {
        let shape = (i % self.shapes.max(1)) as i64;
        (POD_CPU_M + shape, POD_MEM_MI + shape)
    }

    /// Replicas of ReplicaSet `i`: `pods` split as evenly as possible.
    pub fn replicas(&self, i: usize) -> usize {
        self.pods / self.sets + usize::from(i < self.pods % self.sets)
    }
}

/// Node and ReplicaSet manifests, nodes first.
pub fn manifests(size: Size) -> Vec<Value> {
    let per_node = size.pods.div_ceil(size.nodes.max(1)) as i64;
    let pods = (2 * per_node).max(110);
    let (max_cpu_m, max_mem_mi) = size.requests(size.shapes.max(1) - 1);
    let cpu_m = (2 * per_node * max_cpu_m).max(4000);
    let mem_mi = (2 * per_node * max_mem_mi).max(8192);
    let mut out = Vec::with_capacity(size.nodes + size.sets);
    for i in 0..size.nodes {
        let name = format!("node-{i:05}");
        let resources =
            json!({"cpu": format!("{cpu_m}m"), "memory": format!("{mem_mi}Mi"), "pods": pods.to_string()});
        out.push(json!({
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
            "status": {
                "allocatable": resources,
                "capacity": resources,
                "conditions": [{"type": "Ready", "status": "True"}],
            },
        }));
    }
    for i in 0..size.sets {
        let name = format!("web-{i:05}");
        let labels = json!({"app": name, "tier": "frontend"});
        let (cpu, mem) = size.requests(i);
        out.push(json!({
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {
                "replicas": size.replicas(i),
                "selector": {"matchLabels": labels},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {"containers": [{
                        "name": "web",
                        "image": "nginx:1.27",
                        "ports": [{"containerPort": 80}],
                        "resources": {"requests": {"cpu": format!("{cpu}m"), "memory": format!("{mem}Mi")}},
                    }]},
                },
            },
        }));
    }
    out
}

/// `nodes` Ready nodes and one DaemonSet, `node-agent`, whose pods ask for 50m cpu and 64Mi,
/// rolled out one tenth of the nodes at a time (maxUnavailable 10%).
pub fn daemon_set_yaml(nodes: usize) -> String {
    let labels = json!({"app": "node-agent"});
    let daemon_set = json!({
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "node-agent", "namespace": "default"},
        "spec": {
            "selector": {"matchLabels": labels},
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "10%"}},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{
                    "name": "agent",
                    "image": "agent:1",
                    "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}},
                }]},
            },
        },
    });
    let mut out = String::new();
    for m in manifests(Size::new(nodes, 0, 0)).into_iter().chain([daemon_set]) {
        out.push_str("---\n");
        out.push_str(&serde_yaml::to_string(&m).expect("generated manifests serialize"));
    }
    out
}

/// The manifests as one multi-document YAML stream (what `konverge apply -f` reads).
pub fn manifests_yaml(size: Size) -> String {
    let mut out = String::new();
    for m in manifests(size) {
        out.push_str("---\n");
        out.push_str(&serde_yaml::to_string(&m).expect("generated manifests serialize"));
    }
    out
}
