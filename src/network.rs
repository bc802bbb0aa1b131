//! The pod network as a kubeadm cluster with a bridge CNI (flannel's defaults) lays it out,
//! deterministically.
//!
//! - **Node pod CIDRs** (the node-ipam controller's range allocator, `--cluster-cidr
//!   10.244.0.0/16`, `--node-cidr-mask-size 24`): a node that declares `spec.podCIDR` /
//!   `spec.podCIDRs` keeps it; one that does not is given the lowest /24 of the cluster CIDR
//!   that no other node holds, nodes in creation order (creationTimestamp, then name). Upstream's
//!   `cidrset.AllocateNext` also starts at `10.244.0.0/24` and goes up; it hands a released
//!   range out again only after wrapping, where konverge takes the lowest free one.
//! - **Node addresses**: a node registered without `status.addresses` gets an `InternalIP`
//!   from `172.18.0.0/16` (kind's node network: `.1` is the gateway, nodes from `.2`), the
//!   lowest free one, and a `Hostname` address.
//! - **Pod IPs** (host-local IPAM on the node's range): the lowest free address of the node's
//!   pod CIDR, skipping the network address and the first host (`.1`, the `cni0` bridge and
//!   gateway) and the broadcast address. An address is in use while a pod on the node holding
//!   it is neither Succeeded nor Failed; a finished or removed pod frees it. A
//!   `hostNetwork` pod takes its node's InternalIP.

use crate::facts::{Facts, Id, Phase, Sym};
use crate::model::{self, ObjKey};
use rustc_hash::FxHashMap;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::net::Ipv4Addr;

/// `--cluster-cidr` of the node-ipam controller (flannel's default).
pub const CLUSTER_CIDR: Cidr = Cidr { base: 0x0AF4_0000, prefix: 16 };
/// `--node-cidr-mask-size` for IPv4.
pub const NODE_CIDR_MASK: u8 = 24;
/// The network node InternalIPs are allocated from; `.1` is its gateway.
pub const NODE_NETWORK: Cidr = Cidr { base: 0xAC12_0000, prefix: 16 };

/// An IPv4 network: its first address and prefix length.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cidr {
    pub base: u32,
    pub prefix: u8,
}

impl Cidr {
    /// `a.b.c.d/n` as Go's `net.ParseCIDR` reads it (the network, host bits cleared); `None`
    /// for anything else (IPv6 included).
    pub fn parse(s: &str) -> Option<Cidr> {
        let (ip, prefix) = s.split_once('/')?;
        let prefix: u8 = prefix.parse().ok().filter(|p| *p <= 32)?;
        let ip = parse_ip(ip)?;
        Some(Cidr { base: ip & mask(prefix), prefix })
    }

    /// The last address (the broadcast address).
    pub fn last(self) -> u32 {
        self.base | !mask(self.prefix)
    }

    pub fn contains(self, ip: u32) -> bool {
        ip & mask(self.prefix) == self.base
    }

    fn overlaps(self, other: Cidr) -> bool {
        self.contains(other.base) || other.contains(self.base)
    }

    /// The addresses pods may take: all but the network address, the gateway (`.1`) and the
    /// broadcast address.
    fn pod_range(self) -> std::ops::RangeInclusive<u32> {
        if self.prefix >= 31 {
            #[allow(clippy::reversed_empty_ranges)]
            return 1..=0;
        }
        self.base + 2..=self.last() - 1
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", Ipv4Addr::from(self.base), self.prefix)
    }
}

fn mask(prefix: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0)
}

/// A dotted IPv4 address.
pub fn parse_ip(s: &str) -> Option<u32> {
    s.parse::<Ipv4Addr>().ok().map(u32::from)
}

pub fn format_ip(ip: u32) -> String {
    Ipv4Addr::from(ip).to_string()
}

/// A node's declared pod CIDR: the first IPv4 one of `spec.podCIDRs`, else `spec.podCIDR`.
pub fn declared_pod_cidr(node: &Value) -> Option<Cidr> {
    let listed = model::at(node, &["spec", "podCIDRs"]).and_then(Value::as_array).into_iter().flatten();
    listed
        .filter_map(Value::as_str)
        .find_map(Cidr::parse)
        .or_else(|| Cidr::parse(model::str_at(node, &["spec", "podCIDR"])))
}

/// A node's `InternalIP` address, if it has one.
pub fn internal_ip(node: &Value) -> Option<&str> {
    model::at(node, &["status", "addresses"])
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|a| model::str_at(a, &["type"]) == "InternalIP")
        .map(|a| model::str_at(a, &["address"]))
        .filter(|a| !a.is_empty())
}

/// Every node in the store.
fn nodes(objects: &BTreeMap<ObjKey, Value>) -> impl Iterator<Item = &Value> {
    objects.range(ObjKey::new("Node", "", "")..).take_while(|(k, _)| k.kind == "Node").map(|(_, v)| v)
}

/// The lowest `/NODE_CIDR_MASK` of the cluster CIDR overlapping none of `taken`.
fn lowest_free_node_cidr(taken: &[Cidr]) -> Option<Cidr> {
    let step = 1u32 << (32 - NODE_CIDR_MASK);
    let mut used = vec![false; 1usize << (NODE_CIDR_MASK - CLUSTER_CIDR.prefix)];
    for t in taken.iter().filter(|t| t.overlaps(CLUSTER_CIDR)) {
        let first = (t.base.max(CLUSTER_CIDR.base) - CLUSTER_CIDR.base) / step;
        let last = (t.last().min(CLUSTER_CIDR.last()) - CLUSTER_CIDR.base) / step;
        for slot in &mut used[first as usize..=last as usize] {
            *slot = true;
        }
    }
    let free = used.iter().position(|u| !u)?;
    Some(Cidr { base: CLUSTER_CIDR.base + free as u32 * step, prefix: NODE_CIDR_MASK })
}

/// Each node's pod CIDR: the declared one, or the one the range allocator gives it (nodes
/// without one in creation order, each the lowest range still free). A node left without one
/// (the cluster CIDR is full) is absent.
pub fn node_pod_cidrs(objects: &BTreeMap<ObjKey, Value>) -> BTreeMap<String, Cidr> {
    let mut out: BTreeMap<String, Cidr> = BTreeMap::new();
    let mut undeclared: Vec<(i64, &str)> = Vec::new();
    for node in nodes(objects) {
        match declared_pod_cidr(node) {
            Some(c) => {
                out.insert(model::name(node).to_string(), c);
            }
            None => undeclared.push((created(node), model::name(node))),
        }
    }
    undeclared.sort_unstable();
    for (_, name) in undeclared {
        let taken: Vec<Cidr> = out.values().copied().collect();
        // The cluster CIDR is full: the range allocator gives later nodes none either.
        let Some(c) = lowest_free_node_cidr(&taken) else { break };
        out.insert(name.to_string(), c);
    }
    out
}

fn created(obj: &Value) -> i64 {
    model::parse_time(model::str_at(obj, &["metadata", "creationTimestamp"])).unwrap_or(i64::MIN)
}

/// What a node is given when it registers (`objects` holds the nodes before it): a pod CIDR
/// when it declares none (`spec.podCIDR`, `spec.podCIDRs`), an InternalIP and Hostname
/// address when it has no addresses.
pub fn register_node(node: &mut Value, objects: &BTreeMap<ObjKey, Value>) {
    let name = model::name(node).to_string();
    if declared_pod_cidr(node).is_none() {
        let taken: Vec<Cidr> = node_pod_cidrs(objects).into_values().collect();
        if let Some(cidr) = lowest_free_node_cidr(&taken) {
            let spec = model::obj_mut(node, &["spec"]);
            spec.insert("podCIDR".into(), json!(cidr.to_string()));
            spec.insert("podCIDRs".into(), json!([cidr.to_string()]));
        }
    }
    let has_addresses = model::at(node, &["status", "addresses"]).is_some_and(|a| !a.is_null());
    if !has_addresses {
        let used: BTreeSet<u32> = nodes(objects).filter_map(internal_ip).filter_map(parse_ip).collect();
        let free = (NODE_NETWORK.base + 2..NODE_NETWORK.last()).find(|ip| !used.contains(ip));
        if let Some(ip) = free {
            model::obj_mut(node, &["status"]).insert(
                "addresses".into(),
                json!([{"type": "InternalIP", "address": format_ip(ip)}, {"type": "Hostname", "address": name}]),
            );
        }
    }
}

/// The addresses the kubelet gives pods whose sandboxes it creates, as the status fields to
/// write (`podIP`, `podIPs`, `hostIP`, `hostIPs`): `pod_network` pods take the lowest free
/// addresses of their node's pod CIDR (in creation order), `host_network` pods their node's
/// InternalIP. A pod whose node has no address left gets none.
pub fn pod_addresses(f: &Facts, pod_network: &[Id], host_network: &[Id]) -> FxHashMap<Id, Value> {
    let mut out = FxHashMap::default();
    if pod_network.is_empty() && host_network.is_empty() {
        return out;
    }
    let node_ips: FxHashMap<Sym, &str> =
        f.nodes.iter().filter_map(|n| Some((n.name, internal_ip(f.raw(n.id))?))).collect();
    let node_of = |p: Id| f.pod(p).and_then(|pf| pf.node);
    let fields = |pod_ip: Option<&str>, host_ip: Option<&str>| {
        let mut v = json!({});
        if let Some(ip) = pod_ip {
            v["podIP"] = json!(ip);
            v["podIPs"] = json!([{"ip": ip}]);
        }
        if let Some(ip) = host_ip {
            v["hostIP"] = json!(ip);
            v["hostIPs"] = json!([{"ip": ip}]);
        }
        v
    };
    for &p in host_network {
        let host = node_of(p).and_then(|n| node_ips.get(&n).copied());
        out.insert(p, fields(host, host));
    }
    let mut wanted: FxHashMap<Sym, Vec<(i64, &ObjKey, Id)>> = FxHashMap::default();
    for &p in pod_network {
        if let Some(node) = node_of(p) {
            let created = f.pod(p).map_or(0, |pf| pf.created);
            wanted.entry(node).or_default().push((created, f.key(p), p));
        }
    }
    let mut used: FxHashMap<Sym, BTreeSet<u32>> = wanted.keys().map(|n| (*n, BTreeSet::new())).collect();
    for pf in f.pods.iter().filter(|pf| !matches!(pf.phase, Phase::Succeeded | Phase::Failed)) {
        let Some(taken) = pf.node.and_then(|n| used.get_mut(&n)) else { continue };
        taken.extend(parse_ip(&pf.pod_ip));
    }
    let cidrs = node_pod_cidrs(f.store);
    for (node, mut pods) in wanted {
        pods.sort_unstable();
        let free = match (cidrs.get(f.syms.resolve(node)), used.get(&node)) {
            (Some(&cidr), Some(taken)) => lowest_free_pod_ips(cidr, taken, pods.len()),
            _ => Vec::new(),
        };
        for (i, (_, _, p)) in pods.into_iter().enumerate() {
            let ip = free.get(i).map(|&ip| format_ip(ip));
            out.insert(p, fields(ip.as_deref(), node_ips.get(&node).copied()));
        }
    }
    out
}

/// The `count` lowest addresses of `cidr`'s pod range not in `used`.
pub fn lowest_free_pod_ips(cidr: Cidr, used: &BTreeSet<u32>, count: usize) -> Vec<u32> {
    cidr.pod_range().filter(|ip| !used.contains(ip)).take(count).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrs_parse_as_go_reads_them() {
        let c = Cidr::parse("10.244.1.7/24").unwrap();
        assert_eq!((c.to_string(), format_ip(c.last())), ("10.244.1.0/24".into(), "10.244.1.255".into()));
        assert_eq!(Cidr::parse("0.0.0.0/0").map(|c| c.last()), Some(u32::MAX));
        for bad in ["10.244.1.0", "10.244.1.0/33", "fd00::/64", "10.244.1/24", ""] {
            assert_eq!(Cidr::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn pods_take_the_lowest_free_host_after_the_gateway() {
        let c = Cidr::parse("10.244.1.0/24").unwrap();
        let ip = |s: &str| parse_ip(s).unwrap();
        let used: BTreeSet<u32> = [ip("10.244.1.2"), ip("10.244.1.4")].into();
        let got: Vec<String> = lowest_free_pod_ips(c, &used, 3).into_iter().map(format_ip).collect();
        assert_eq!(got, ["10.244.1.3", "10.244.1.5", "10.244.1.6"]);
        // a /30 holds one pod address (.2); .3 is its broadcast address
        let small = Cidr::parse("10.0.0.0/30").unwrap();
        assert_eq!(lowest_free_pod_ips(small, &BTreeSet::new(), 5), [ip("10.0.0.2")]);
        assert!(lowest_free_pod_ips(Cidr::parse("10.0.0.0/31").unwrap(), &BTreeSet::new(), 5).is_empty());
    }

    fn node(name: &str, created: &str, spec: Value) -> (ObjKey, Value) {
        let obj =
            json!({"kind": "Node", "metadata": {"name": name, "creationTimestamp": created}, "spec": spec});
        (ObjKey::new("Node", "", name), obj)
    }

    #[test]
    fn nodes_without_a_cidr_get_the_lowest_free_range_in_creation_order() {
        let objects: BTreeMap<ObjKey, Value> = [
            node("a", "2024-01-01T00:00:02Z", json!({})),
            node("b", "2024-01-01T00:00:01Z", json!({})),
            node("c", "2024-01-01T00:00:00Z", json!({"podCIDR": "10.244.0.0/24"})),
            node("d", "2024-01-01T00:00:01Z", json!({"podCIDRs": ["fd00::/64", "10.244.2.0/23"]})),
        ]
        .into();
        let cidrs: Vec<(String, String)> =
            node_pod_cidrs(&objects).into_iter().map(|(n, c)| (n, c.to_string())).collect();
        let want =
            [("a", "10.244.4.0/24"), ("b", "10.244.1.0/24"), ("c", "10.244.0.0/24"), ("d", "10.244.2.0/23")];
        assert_eq!(cidrs, want.map(|(n, c)| (n.to_string(), c.to_string())));
    }

    /// 10.244.0.0/16 holds 256 node ranges; a range declared across the cluster CIDR's edge
    /// takes the /24s it overlaps, and the 257th node gets none.
    #[test]
    fn the_cluster_cidr_runs_out_after_256_nodes() {
        let mut objects: BTreeMap<ObjKey, Value> =
            [node("edge", "2024-01-01T00:00:00Z", json!({"podCIDR": "10.244.254.0/23"}))].into();
        for i in 0..300 {
            let (k, v) = node(&format!("n{i:03}"), "2024-01-01T00:00:01Z", json!({}));
            objects.insert(k, v);
        }
        let cidrs = node_pod_cidrs(&objects);
        assert_eq!(cidrs.len(), 256 - 1);
        assert_eq!(cidrs["n000"].to_string(), "10.244.0.0/24");
        assert_eq!(cidrs["n253"].to_string(), "10.244.253.0/24");
        assert!(!cidrs.contains_key("n254"));
        assert_eq!(lowest_free_node_cidr(&cidrs.values().copied().collect::<Vec<_>>()), None);
    }

    #[test]
    fn a_registering_node_gets_a_range_and_addresses() {
        let objects: BTreeMap<ObjKey, Value> = [node("a", "2024-01-01T00:00:00Z", json!({}))].into();
        let mut n = json!({"kind": "Node", "metadata": {"name": "b"}});
        register_node(&mut n, &objects);
        assert_eq!(n["spec"], json!({"podCIDR": "10.244.1.0/24", "podCIDRs": ["10.244.1.0/24"]}));
        assert_eq!(
            n["status"]["addresses"],
            json!([{"type": "InternalIP", "address": "172.18.0.2"}, {"type": "Hostname", "address": "b"}])
        );
        let mut declared = json!({"kind": "Node", "metadata": {"name": "c"}, "spec": {"podCIDR": "10.9.0.0/24"},
                                  "status": {"addresses": [{"type": "InternalIP", "address": "192.168.1.9"}]}});
        let before = declared.clone();
        register_node(&mut declared, &objects);
        assert_eq!(declared, before);
    }
}
