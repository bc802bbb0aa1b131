//! Where the default scheduler puts a workload's pods, through the `konverge` binary:
//! PodTopologySpread's DoNotSchedule constraints and its system default spreading, and
//! InterPodAffinity's required and preferred (anti-)affinity, with pods placed earlier in the
//! same step counting, and upstream's FailedScheduling message when a constraint cannot be
//! met.

mod common;

use common::*;
use std::collections::BTreeMap;

/// `count` nodes named `node-<zone>-<i>` in each zone, labelled with their hostname and zone,
/// each with room for `pods` pods.
fn nodes(zones: &[&str], count: usize, pods: usize) -> String {
    let mut out = String::new();
    for zone in zones {
        for i in 0..count {
            let name = if zone.is_empty() { format!("node-{i}") } else { format!("node-{zone}-{i}") };
            let zone_label = if zone.is_empty() {
                String::new()
            } else {
                format!(", topology.kubernetes.io/zone: {zone}")
            };
            out.push_str(&format!(
                "---
apiVersion: v1
kind: Node
metadata:
  name: {name}
  labels: {{kubernetes.io/hostname: {name}{zone_label}}}
status:
  allocatable: {{cpu: '4', memory: 8Gi, pods: '{pods}'}}
  capacity: {{cpu: '4', memory: 8Gi, pods: '{pods}'}}
  conditions: [{{type: Ready, status: 'True'}}]
"
            ));
        }
    }
    out
}

/// A Deployment `web` of `replicas` pods requesting 100m / 128Mi, with these pod spec lines.
fn deployment(replicas: usize, pod_spec: &str) -> String {
    format!(
        "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: web}}
  template:
    metadata:
      labels: {{app: web}}
    spec:
{pod_spec}      containers:
      - name: web
        image: nginx:1.27
        resources:
          requests: {{cpu: 100m, memory: 128Mi}}
"
    )
}

fn apply(nodes_yaml: &str, deployment_yaml: &str) -> Cluster {
    let k = Cluster::new();
    let n = k.write("nodes.yaml", nodes_yaml);
    let d = k.write("web.yaml", deployment_yaml);
    k.ok(&["apply", "-f", &n, "-f", &d]);
    k
}

/// How many live pods each node runs ("" for pods not bound).
fn per_node(k: &Cluster) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for p in k.live_pods() {
        *out.entry(node_of(&p).to_string()).or_default() += 1;
    }
    out
}

fn zone_of(node: &str) -> &str {
    node.split('-').nth(1).unwrap_or("")
}

const ZONE_SPREAD: &str = "      topologySpreadConstraints:
      - maxSkew: 1
        topologyKey: topology.kubernetes.io/zone
        whenUnsatisfiable: DoNotSchedule
        labelSelector: {matchLabels: {app: web}}
";

#[test]
fn six_replicas_spread_over_three_zones_end_two_two_two() {
    let k = apply(&nodes(&["a", "b", "c"], 2, 110), &deployment(6, ZONE_SPREAD));
    let mut zones: BTreeMap<String, usize> = BTreeMap::new();
    for (node, n) in per_node(&k) {
        assert!(!node.is_empty(), "every pod is bound");
        *zones.entry(zone_of(&node).to_string()).or_default() += n;
    }
    assert_eq!(zones, BTreeMap::from([("a".into(), 2), ("b".into(), 2), ("c".into(), 2)]));
}

#[test]
fn zone_spread_holds_while_one_zone_is_short_of_room() {
    // Zone c's nodes take one pod each: the zone takes 2 and the others may hold at most one
    // more (maxSkew 1), so of 9 replicas 8 run and 1 stays Pending, refused by the skew where
    // there is room and by the room where the skew would allow it.
    let mut nodes_yaml = nodes(&["a", "b"], 2, 110);
    nodes_yaml.push_str(&nodes(&["c"], 2, 1));
    let k = apply(&nodes_yaml, &deployment(9, ZONE_SPREAD));
    let mut zones: BTreeMap<String, usize> = BTreeMap::new();
    for (node, n) in per_node(&k) {
        *zones.entry(zone_of(&node).to_string()).or_default() += n;
    }
    assert_eq!(zones, BTreeMap::from([("".into(), 1), ("a".into(), 3), ("b".into(), 3), ("c".into(), 2)]));
    let pending: Vec<_> = k.live_pods().into_iter().filter(|p| node_of(p).is_empty()).collect();
    for p in &pending {
        assert_eq!(
            str_at(p, "/status/conditions/0/message"),
            "0/6 nodes are available: 2 Too many pods, 4 node(s) didn't match pod topology spread constraints. preemption: 0/6 nodes are available: 6 No preemption victims found for incoming pod."
        );
    }
}

#[test]
fn four_replicas_on_four_empty_nodes_land_one_per_node() {
    // No constraint of its own: the ReplicaSet's selector gives the system default spreading.
    let k = apply(&nodes(&[""], 4, 110), &deployment(4, ""));
    let spread = per_node(&k);
    assert_eq!(spread.len(), 4, "{spread:?}");
    assert!(spread.values().all(|&n| n == 1), "{spread:?}");
}

#[test]
fn a_constraint_that_cannot_be_met_leaves_pods_pending_with_upstreams_message() {
    // Two zones of one node; minDomains 3 makes the global minimum 0, so once each zone holds
    // one pod no node may take another.
    let spread = "      topologySpreadConstraints:
      - maxSkew: 1
        minDomains: 3
        topologyKey: topology.kubernetes.io/zone
        whenUnsatisfiable: DoNotSchedule
        labelSelector: {matchLabels: {app: web}}
";
    let k = apply(&nodes(&["a", "b"], 1, 110), &deployment(3, spread));
    let pods = k.live_pods();
    let pending: Vec<_> = pods.iter().filter(|p| node_of(p).is_empty()).collect();
    assert_eq!(pending.len(), 1);
    assert_eq!(
        str_at(pending[0], "/status/conditions/0/message"),
        "0/2 nodes are available: 2 node(s) didn't match pod topology spread constraints. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod."
    );
    let described = k.ok(&["describe", "pod", name(pending[0])]).stdout;
    assert!(described.contains("FailedScheduling"), "{described}");

    // A key no node carries.
    let spread = ZONE_SPREAD.replace("topology.kubernetes.io/zone", "rack");
    let k = apply(&nodes(&["a", "b"], 1, 110), &deployment(2, &spread));
    for p in k.live_pods() {
        assert_eq!(node_of(&p), "");
        assert_eq!(
            str_at(&p, "/status/conditions/0/message"),
            "0/2 nodes are available: 2 node(s) didn't match pod topology spread constraints (missing required label). preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling."
        );
    }
}

/// A Deployment named `name` (pods labelled `app: name`) of `replicas` pods with these pod
/// spec lines.
fn named_deployment(name: &str, replicas: usize, pod_spec: &str) -> String {
    deployment(replicas, pod_spec).replace("web", name)
}

const AWAY_FROM_WEB_ON_HOST: &str = "      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector: {matchLabels: {app: web}}
            topologyKey: kubernetes.io/hostname
";

#[test]
fn required_anti_affinity_on_hostname_leaves_the_third_replica_pending() {
    let k = Cluster::new();
    let n = k.write("nodes.yaml", &nodes(&[""], 2, 110));
    let d = k.write("web.yaml", &deployment(3, AWAY_FROM_WEB_ON_HOST));
    let applied = k.ok(&["apply", "-f", &n, "-f", &d]).stdout;
    assert_eq!(per_node(&k), BTreeMap::from([("".into(), 1), ("node-0".into(), 1), ("node-1".into(), 1)]));
    let message = "0/2 nodes are available: 2 node(s) didn't match pod anti-affinity rules. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.";
    let pods = k.live_pods();
    let pending: Vec<_> = pods.iter().filter(|p| node_of(p).is_empty()).collect();
    assert_eq!(str_at(pending[0], "/status/conditions/0/message"), message);
    let described = k.ok(&["describe", "pod", name(pending[0])]).stdout;
    assert!(described.contains("FailedScheduling") && described.contains(message), "{described}");
    assert!(applied.contains("didn't match pod anti-affinity rules"), "{applied}");
}

#[test]
fn required_affinity_puts_every_web_pod_beside_the_cache() {
    let beside_cache = "      affinity:
        podAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector: {matchLabels: {app: cache}}
            topologyKey: kubernetes.io/hostname
";
    let mut manifests = named_deployment("cache", 1, "");
    manifests.push_str("---\n");
    manifests.push_str(&deployment(3, beside_cache));
    let k = apply(&nodes(&[""], 3, 110), &manifests);
    let pods = k.live_pods();
    let cache: Vec<&str> = pods.iter().filter(|p| name(p).starts_with("cache-")).map(node_of).collect();
    let web: Vec<&str> = pods.iter().filter(|p| name(p).starts_with("web-")).map(node_of).collect();
    assert_eq!(cache.len(), 1);
    assert!(!cache[0].is_empty(), "the cache pod is bound");
    assert_eq!(web, vec![cache[0]; 3], "every web pod is on the cache's node");
}

#[test]
fn preferred_anti_affinity_spreads_replicas_over_racks() {
    // Four empty nodes, two per rack. Without the preference the second replica would take
    // node-1 (hostname spreading ties, names order), in the first replica's rack; preferring
    // racks without a web pod sends it to the other rack, in the same step.
    let mut nodes_yaml = nodes(&[""], 4, 110);
    for (i, rack) in ["r1", "r1", "r2", "r2"].iter().enumerate() {
        let host = format!("kubernetes.io/hostname: node-{i}}}");
        nodes_yaml = nodes_yaml.replace(&host, &format!("kubernetes.io/hostname: node-{i}, rack: {rack}}}"));
    }
    let away_by_rack = "      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 100
            podAffinityTerm:
              labelSelector: {matchLabels: {app: web}}
              topologyKey: rack
";
    let k = apply(&nodes_yaml, &deployment(2, away_by_rack));
    let spread = per_node(&k);
    let racks: Vec<&str> = spread
        .keys()
        .map(|n| {
            if n == "node-0" || n == "node-1" {
                "r1"
            } else if n.is_empty() {
                ""
            } else {
                "r2"
            }
        })
        .collect();
    assert_eq!(racks, vec!["r1", "r2"], "{spread:?}");
}
