//! The order in which one apply creates its objects: what others depend on comes first
//! (a Namespace before the objects in it, a CustomResourceDefinition before its resources, an
//! owner before the objects whose ownerReferences name it, a StorageClass before the volumes and
//! claims that use it). Otherwise the manifests' own order is kept.
//!
//! The dependencies form a petgraph graph; a stable topological order (Kahn's algorithm taking
//! the earliest manifest first) is used, and objects caught in a dependency cycle keep their
//! relative order after everything else.

use crate::manifest::Manifest;
use crate::model;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::Direction;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

/// Indices of `manifests` in apply order.
pub fn apply_order(manifests: &[Manifest]) -> Vec<usize> {
    let mut g: DiGraph<usize, ()> = DiGraph::new();
    let nodes: Vec<NodeIndex> = (0..manifests.len()).map(|i| g.add_node(i)).collect();
    let mut by_kind_name: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    for (i, m) in manifests.iter().enumerate() {
        by_kind_name
            .entry((model::str_at(&m.object, &["kind"]), model::name(&m.object)))
            .or_default()
            .push(i);
    }
    let providers = |kind: &str, name: &str| by_kind_name.get(&(kind, name)).cloned().unwrap_or_default();
    for (i, m) in manifests.iter().enumerate() {
        let o = &m.object;
        let kind = model::str_at(o, &["kind"]);
        let mut needs: Vec<usize> = Vec::new();
        let ns = model::str_at(o, &["metadata", "namespace"]);
        if !ns.is_empty() {
            needs.extend(providers("Namespace", ns));
        }
        for r in model::owner_refs(o) {
            needs.extend(providers(model::str_at(r, &["kind"]), model::str_at(r, &["name"])));
        }
        if kind == "Pod" {
            needs.extend(providers("PriorityClass", model::str_at(o, &["spec", "priorityClassName"])));
        }
        if matches!(kind, "PersistentVolumeClaim" | "PersistentVolume") {
            needs.extend(providers("StorageClass", model::str_at(o, &["spec", "storageClassName"])));
        }
        // A custom resource needs the CRD that defines its kind in its group.
        let group = model::str_at(o, &["apiVersion"]).split('/').next().unwrap_or("");
        for (j, crd) in manifests.iter().enumerate() {
            if model::str_at(&crd.object, &["kind"]) == "CustomResourceDefinition"
                && model::str_at(&crd.object, &["spec", "names", "kind"]) == kind
                && model::str_at(&crd.object, &["spec", "group"]) == group
            {
                needs.push(j);
            }
        }
        for j in needs.into_iter().filter(|&j| j != i) {
            g.add_edge(nodes[j], nodes[i], ());
        }
    }
    let mut indegree: Vec<usize> =
        nodes.iter().map(|&n| g.neighbors_directed(n, Direction::Incoming).count()).collect();
    let mut ready: BinaryHeap<Reverse<usize>> =
        (0..manifests.len()).filter(|&i| indegree[i] == 0).map(Reverse).collect();
    let mut order = Vec::with_capacity(manifests.len());
    while let Some(Reverse(i)) = ready.pop() {
        order.push(i);
        for n in g.neighbors_directed(nodes[i], Direction::Outgoing) {
            let j = g[n];
            indegree[j] -= 1;
            if indegree[j] == 0 {
                ready.push(Reverse(j));
            }
        }
    }
    // Whatever sits on a cycle keeps its place relative to the rest of the cycle.
    let placed: std::collections::HashSet<usize> = order.iter().copied().collect();
    order.extend((0..manifests.len()).filter(|i| !placed.contains(i)));
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::parse_stream;

    #[test]
    fn dependencies_first_otherwise_as_written() {
        let text = r#"
apiVersion: v1
kind: ConfigMap
metadata: {name: a, namespace: team}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w, namespace: team}
---
apiVersion: v1
kind: Namespace
metadata: {name: team}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec: {group: example.com, scope: Namespaced, names: {kind: Widget, plural: widgets}, versions: [{name: v1, served: true, storage: true}]}
---
apiVersion: v1
kind: Secret
metadata: {name: s, namespace: team}
"#;
        let ms = parse_stream(text, "f.yaml", "default").unwrap();
        let names: Vec<&str> = apply_order(&ms).into_iter().map(|i| model::name(&ms[i].object)).collect();
        assert_eq!(names, ["team", "a", "widgets.example.com", "w", "s"]);
    }
}
