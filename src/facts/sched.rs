//! Aggregations the scheduler rules need: what a pod requests (upstream `resource.PodRequests`),
//! what a node offers, what is already requested and which host ports are taken on each node,
//! and the scheduling classes of pending pods with each pod's place in the queue (node
//! selectors are parsed by `node_selector`).
//!
//! Pods that ask for the same things (requests, nodeSelector, required and preferred node
//! affinity, tolerations, host ports) form one *scheduling class*: they fit the same nodes, so the rules
//! decide feasibility once per class and node rather than once per pod and node. Every part of
//! the class key is canonical (sorted, interned), so equal pods share a class whatever order
//! their manifests list things in.

use super::node_selector::{NodeRequirement, RequiredAffinity};
use super::pod_affinity::PodAffinity;
use super::spread::{self, Spread};
use super::{Facts, Id, Phase, Sym, Toleration};
use crate::model;
use crate::quantity::{pod_containers_total, Amounts};
use rustc_hash::FxHashMap;
use serde_json::Value;

/// Requests the scheduler assumes for a container that sets none (upstream
/// `schedutil.DefaultMilliCPURequest` / `DefaultMemoryRequest`), used for scoring only.
pub const DEFAULT_CPU_M: i64 = 100;
pub const DEFAULT_MEM: i64 = 200 * 1024 * 1024;

/// Dense resource indexes of [`SchedFacts::resources`]: the three named resources come first,
/// then every scalar resource some pending pod requests, by name.
pub const CPU: usize = 0;
pub const MEMORY: usize = 1;
pub const EPHEMERAL_STORAGE: usize = 2;

/// What a pod asks of a node: upstream `resource.PodRequests` — the sum over containers and
/// restartable init (sidecar) containers, at least each init container's own need plus the
/// sidecars started before it, pod-level requests where set, plus the pod overhead.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Requests {
    pub cpu_m: i64,
    pub mem: i64,
    pub storage: i64,
    /// Extended, hugepages and other scalar resources (upstream `IsScalarResourceName`), sorted
    /// by name; zero requests are left out.
    pub scalar: Vec<(String, i64)>,
    /// cpu and memory as LeastAllocated scores them: a container that does not request one
    /// counts [`DEFAULT_CPU_M`] / [`DEFAULT_MEM`] (upstream `NonMissingContainerRequests`).
    pub score_cpu_m: i64,
    pub score_mem: i64,
}

/// Whether the scheduler counts a resource name as a scalar resource: extended resources
/// (`example.com/gpu`), `kubernetes.io/`-prefixed ones, hugepages and attachable volumes.
/// Other bare names (e.g. `foo`) are ignored, as upstream ignores them.
pub fn is_scalar_resource(name: &str) -> bool {
    !matches!(name, "cpu" | "memory" | "ephemeral-storage" | "pods")
        && !name.starts_with("requests.")
        && (name.contains('/') || name.starts_with("hugepages-") || name.starts_with("attachable-volumes-"))
}

/// One container's (or the pod level's) requests as read from a `resources.requests` map.
#[derive(Clone, Debug, Default)]
struct Acc {
    cpu_m: i64,
    mem: i64,
    storage: i64,
    scalar: Vec<(String, i64)>,
    score_cpu_m: i64,
    score_mem: i64,
}

impl Acc {
    fn read(requests: Option<&Value>, defaults: bool) -> Acc {
        let q = |k: &str| requests.and_then(|r| r.get(k)).and_then(model::quantity_str);
        let cpu = q("cpu").map(|s| model::parse_cpu_milli(&s).unwrap_or(0));
        let mem = q("memory").map(|s| model::parse_bytes(&s).unwrap_or(0));
        let mut scalar: Vec<(String, i64)> = requests
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter(|(k, _)| is_scalar_resource(k))
            .map(|(k, v)| {
                (k.clone(), model::quantity_str(v).and_then(|s| model::parse_bytes(&s)).unwrap_or(0))
            })
            .collect();
        scalar.sort();
        Acc {
            cpu_m: cpu.unwrap_or(0),
            mem: mem.unwrap_or(0),
            storage: q("ephemeral-storage").and_then(|s| model::parse_bytes(&s)).unwrap_or(0),
            scalar,
            score_cpu_m: cpu.unwrap_or(if defaults { DEFAULT_CPU_M } else { 0 }),
            score_mem: mem.unwrap_or(if defaults { DEFAULT_MEM } else { 0 }),
        }
    }

    fn combine(&mut self, o: &Acc, op: fn(i64, i64) -> i64) {
        self.cpu_m = op(self.cpu_m, o.cpu_m);
        self.mem = op(self.mem, o.mem);
        self.storage = op(self.storage, o.storage);
        self.score_cpu_m = op(self.score_cpu_m, o.score_cpu_m);
        self.score_mem = op(self.score_mem, o.score_mem);
        for (name, v) in &o.scalar {
            match self.scalar.iter_mut().find(|(n, _)| n == name) {
                Some(mine) => mine.1 = op(mine.1, *v),
                None => self.scalar.push((name.clone(), op(0, *v))),
            }
        }
    }
}

impl Amounts for Acc {
    fn add(&mut self, other: &Acc) {
        self.combine(other, i64::saturating_add);
    }

    fn raise_to(&mut self, other: &Acc) {
        self.combine(other, i64::max);
    }
}

/// Upstream `resource.PodRequests(pod, {})` for the filter, and with
/// `NonMissingContainerRequests` (cpu 100m, memory 200Mi) for the score.
pub fn pod_requests(pod: &Value) -> Requests {
    let spec = pod.get("spec");
    let mut total =
        pod_containers_total(pod, "requests", |requests| Acc::read(requests.filter(|r| r.is_object()), true));
    // Pod-level requests (cpu, memory, hugepages) replace the containers' sum where set.
    if let Some(level) =
        spec.and_then(|s| model::at(s, &["resources", "requests"])).and_then(Value::as_object)
    {
        let q = |k: &str| level.get(k).and_then(model::quantity_str);
        if let Some(cpu) = q("cpu") {
            total.cpu_m = model::parse_cpu_milli(&cpu).unwrap_or(0);
            total.score_cpu_m = total.cpu_m;
        }
        if let Some(mem) = q("memory") {
            total.mem = model::parse_bytes(&mem).unwrap_or(0);
            total.score_mem = total.mem;
        }
        for (k, v) in level.iter().filter(|(k, _)| k.starts_with("hugepages-")) {
            let v = model::quantity_str(v).and_then(|s| model::parse_bytes(&s)).unwrap_or(0);
            total.scalar.retain(|(n, _)| n != k);
            total.scalar.push((k.clone(), v));
        }
    }
    if let Some(overhead) = spec.and_then(|s| s.get("overhead")).filter(|o| o.is_object()) {
        let mut o = Acc::read(Some(overhead), false);
        (o.score_cpu_m, o.score_mem) = (o.cpu_m, o.mem);
        total.add(&o);
    }
    total.scalar.retain(|&(_, v)| v != 0);
    total.scalar.sort();
    Requests {
        cpu_m: total.cpu_m,
        mem: total.mem,
        storage: total.storage,
        scalar: total.scalar,
        score_cpu_m: total.score_cpu_m,
        score_mem: total.score_mem,
    }
}

/// What a node offers pods (`status.allocatable`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Allocatable {
    pub cpu_m: i64,
    pub mem: i64,
    pub storage: i64,
    pub pods: i64,
    /// Scalar resources the node advertises, sorted by name; one it does not list is 0.
    pub scalar: Vec<(String, i64)>,
}

/// Room a node that declares no cpu, memory or ephemeral-storage is taken to have (konverge's
/// convention for hand-written nodes: roomy, but bounded by the kubelet's default of 110 pods).
pub const UNDECLARED: i64 = i64::MAX / 4;

/// A node's `status.allocatable`.
pub fn node_allocatable(node: &Value) -> Allocatable {
    let alloc = model::at(node, &["status", "allocatable"]);
    let q = |k: &str| alloc.and_then(|a| a.get(k)).and_then(model::quantity_str);
    let mut scalar: Vec<(String, i64)> = alloc
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter(|(k, _)| is_scalar_resource(k))
        .map(|(k, v)| (k.clone(), model::quantity_str(v).and_then(|s| model::parse_bytes(&s)).unwrap_or(0)))
        .collect();
    scalar.sort();
    Allocatable {
        cpu_m: q("cpu").and_then(|s| model::parse_cpu_milli(&s)).unwrap_or(UNDECLARED),
        mem: q("memory").and_then(|s| model::parse_bytes(&s)).unwrap_or(UNDECLARED),
        storage: q("ephemeral-storage").and_then(|s| model::parse_bytes(&s)).unwrap_or(UNDECLARED),
        pods: q("pods").and_then(|s| s.parse().ok()).unwrap_or(110),
        scalar,
    }
}

/// Room left on a node for the bind check: allocatable minus the requests of bound pods.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Room {
    pub left: Allocatable,
}

impl Room {
    pub fn new(alloc: Allocatable) -> Room {
        Room { left: alloc }
    }

    /// Take a pod's requests (and one pod slot).
    pub fn take(&mut self, r: &Requests) {
        let l = &mut self.left;
        l.pods -= 1;
        l.cpu_m = l.cpu_m.saturating_sub(r.cpu_m);
        l.mem = l.mem.saturating_sub(r.mem);
        l.storage = l.storage.saturating_sub(r.storage);
        for (name, v) in &r.scalar {
            match l.scalar.iter_mut().find(|(n, _)| n == name) {
                Some(mine) => mine.1 -= v,
                None => l.scalar.push((name.clone(), -v)),
            }
        }
    }

    /// The resources a pod requests more of than is left (NodeResourcesFit's reasons, without
    /// the "Insufficient " prefix), "pods" first when no pod slot is left.
    pub fn short_of(&self, r: &Requests) -> Vec<String> {
        let l = &self.left;
        let mut out = Vec::new();
        if l.pods < 1 {
            out.push("pods".to_string());
        }
        for (name, want, left) in
            [("cpu", r.cpu_m, l.cpu_m), ("memory", r.mem, l.mem), ("ephemeral-storage", r.storage, l.storage)]
        {
            if want > 0 && want > left {
                out.push(name.to_string());
            }
        }
        for (name, want) in &r.scalar {
            let left = l.scalar.iter().find(|(n, _)| n == name).map_or(0, |s| s.1);
            if *want > left {
                out.push(name.clone());
            }
        }
        out
    }
}

// ---------------------------------------------------------------------------------------------
// Host ports (NodePorts)

/// A container port with a `hostPort`, sanitized as upstream `HostPortInfo` does: an empty
/// hostIP is `0.0.0.0`, an empty protocol is TCP.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HostPort {
    pub ip: Sym,
    pub protocol: Sym,
    pub port: i64,
}

/// The address that binds every IP, which clashes with any IP on the same protocol and port.
pub const BIND_ALL: &str = "0.0.0.0";

/// The host ports a pod's containers ask for (ports of 0 or less ask for none), sorted.
pub fn host_ports(pod: &Value, intern: &mut impl FnMut(&str) -> Sym) -> Vec<HostPort> {
    let mut out: Vec<HostPort> = model::at(pod, &["spec", "containers"])
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .flat_map(|c| c.get("ports").and_then(Value::as_array).into_iter().flatten())
        .filter_map(|p| {
            let port = model::i64_at(p, &["hostPort"]).filter(|&n| n > 0)?;
            let ip = match model::str_at(p, &["hostIP"]) {
                "" => BIND_ALL,
                ip => ip,
            };
            let protocol = match model::str_at(p, &["protocol"]) {
                "" => "TCP",
                pr => pr,
            };
            Some(HostPort { ip: intern(ip), protocol: intern(protocol), port })
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

// ---------------------------------------------------------------------------------------------
// Scheduling classes

#[derive(Clone, Debug)]
pub struct Class {
    pub id: u32,
    /// The class whose filter verdicts this class shares: the first class with the same
    /// requests, node selection, tolerations and host ports (it differs in spread only).
    pub shape: u32,
    /// The pods' topology spread constraints (their own or the system defaults), if any.
    pub spread: Option<Spread>,
    /// Requests by resource index ([`SchedFacts::resources`]).
    pub requests: Vec<i64>,
    pub score_cpu_m: i64,
    pub score_mem: i64,
    pub node_selector: Vec<(Sym, Sym)>,
    pub affinity: Option<RequiredAffinity>,
    /// Preferred node affinity: (weight, term).
    pub preferred: Vec<(i64, Vec<NodeRequirement>)>,
    pub tolerations: Vec<Toleration>,
    pub host_ports: Vec<HostPort>,
}

/// Room left on a node: allocatable minus what bound, unfinished pods request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeFree {
    pub node: Id,
    /// By resource index ([`SchedFacts::resources`]).
    pub free: Vec<i64>,
    pub pods: i64,
}

/// Resources by dense index, as the scheduler's and the kubelet's fit checks compare them: the
/// leading named ones, then every scalar resource some pod of interest requests, by name.
struct ResourceIndex {
    names: Vec<String>,
    scalars: FxHashMap<String, usize>,
}

impl ResourceIndex {
    fn new<'a>(named: &[&str], requests: impl Iterator<Item = &'a Requests>) -> ResourceIndex {
        let mut scalar_names: Vec<&str> =
            requests.flat_map(|r| r.scalar.iter().map(|(n, _)| n.as_str())).collect();
        scalar_names.sort_unstable();
        scalar_names.dedup();
        let scalars =
            scalar_names.iter().enumerate().map(|(i, n)| (n.to_string(), named.len() + i)).collect();
        let names = named.iter().chain(&scalar_names).map(|n| n.to_string()).collect();
        ResourceIndex { names, scalars }
    }

    /// Amounts over the index: `lead` for the named resources, then each indexed scalar of
    /// `scalar` (a request or an allocatable); scalars outside the index are left out.
    fn dense(&self, lead: &[i64], scalar: &[(String, i64)]) -> Vec<i64> {
        let mut v = vec![0i64; self.names.len()];
        v[..lead.len()].copy_from_slice(lead);
        for (name, amount) in scalar {
            if let Some(&i) = self.scalars.get(name) {
                v[i] = *amount;
            }
        }
        v
    }
}

/// What `r` requests of each resource of `names` (a [`SchedFacts::resources`] index).
pub fn requests_by_index(names: &[String], r: &Requests) -> Vec<i64> {
    names
        .iter()
        .map(|name| match name.as_str() {
            "cpu" => r.cpu_m,
            "memory" => r.mem,
            "ephemeral-storage" => r.storage,
            scalar => r.scalar.iter().find(|(n, _)| n == scalar).map_or(0, |s| s.1),
        })
        .collect()
}

#[derive(Debug, Default)]
pub struct SchedFacts {
    pub classes: Vec<Class>,
    /// Whether some class has topology spread constraints.
    pub spreads: bool,
    /// Whether some pod (pending, or bound and not finished) has inter-pod affinity terms.
    pub inter_pod: bool,
    /// (pod, class, rank in the class's queue).
    pub pending: Vec<(Id, u32, i64)>,
    /// Resource names by index: cpu, memory, ephemeral-storage, then requested scalars.
    pub resources: Vec<String>,
    /// Free room of every node, in `f.nodes` order.
    pub free: Vec<NodeFree>,
    /// What bound pods request on every node as LeastAllocated scores it (cpu, memory), in
    /// `f.nodes` order.
    pub load: Vec<(i64, i64)>,
    /// Host ports bound pods hold on each node.
    pub used_ports: Vec<(Id, HostPort)>,
}

/// The parts of a pending pod that decide where it fits (its shape) and how it spreads.
#[derive(PartialEq, Eq, Hash)]
struct ClassKey<'a> {
    shape: ShapeKey<'a>,
    spread: Option<Spread>,
    /// Namespace, labels and inter-pod affinity, while some pod has inter-pod affinity terms.
    inter_pod: Option<InterPodKey<'a>>,
}

/// What other pods' inter-pod affinity terms select a pod by, and its own terms.
type InterPodKey<'a> = (&'a str, &'a [(String, String)], Option<&'a PodAffinity>);

/// The parts of a pending pod the filters read.
#[derive(Clone, PartialEq, Eq, Hash)]
struct ShapeKey<'a> {
    requests: &'a Requests,
    node_selector: &'a [(Sym, Sym)],
    affinity: Option<&'a RequiredAffinity>,
    preferred: &'a [(i64, Vec<NodeRequirement>)],
    tolerations: &'a [Toleration],
    host_ports: &'a [HostPort],
}

/// Build the scheduler's aggregated facts.
pub fn sched_facts(f: &Facts) -> SchedFacts {
    let mut out = SchedFacts::default();
    let node_by_name: FxHashMap<Sym, usize> = f.nodes.iter().enumerate().map(|(i, n)| (n.name, i)).collect();
    let mut classes: FxHashMap<ClassKey, u32> = FxHashMap::default();
    let mut shapes: FxHashMap<ShapeKey, u32> = FxHashMap::default();
    let mut members: Vec<(&super::PodF, u32, Option<Spread>)> = Vec::new();
    let mut services = None;
    let mut queue: Vec<(u32, i64, i64, Id)> = Vec::new();
    let mut bound: Vec<(usize, &super::PodF)> = Vec::new();
    out.inter_pod = f
        .pods
        .iter()
        .any(|p| p.pod_affinity.is_some() && !matches!(p.phase, Phase::Succeeded | Phase::Failed));
    for p in &f.pods {
        match p.node {
            Some(n) => {
                if matches!(p.phase, Phase::Succeeded | Phase::Failed) {
                    continue;
                }
                if let Some(&i) = node_by_name.get(&n) {
                    bound.push((i, p));
                }
            }
            None if p.active() => {
                let shape = ShapeKey {
                    requests: &p.requests,
                    node_selector: &p.node_selector,
                    affinity: p.affinity.as_ref(),
                    preferred: &p.preferred,
                    tolerations: &p.tolerations,
                    host_ports: &p.host_ports,
                };
                let services = services.get_or_insert_with(|| spread::Services::new(f));
                let inter_pod =
                    out.inter_pod.then_some((p.ns.as_str(), p.labels.as_slice(), p.pod_affinity.as_deref()));
                let key =
                    ClassKey { shape: shape.clone(), spread: spread::pod_spread(f, services, p), inter_pod };
                let next = classes.len() as u32;
                let class = *classes.entry(key).or_insert_with_key(|key| {
                    let shape = *shapes.entry(shape).or_insert(next);
                    members.push((p, shape, key.spread.clone()));
                    next
                });
                queue.push((class, -p.priority, p.created, p.id));
            }
            None => {}
        }
    }
    // Resource indexes: the named three, then every scalar a pending class requests, by name.
    let index =
        ResourceIndex::new(&["cpu", "memory", "ephemeral-storage"], members.iter().map(|m| &m.0.requests));
    out.resources = index.names.clone();
    let dense = |r: &Requests| index.dense(&[r.cpu_m, r.mem, r.storage], &r.scalar);
    out.spreads = members.iter().any(|m| m.2.is_some());
    for (id, (p, shape, spread)) in members.into_iter().enumerate() {
        out.classes.push(Class {
            id: id as u32,
            shape,
            spread,
            requests: dense(&p.requests),
            score_cpu_m: p.requests.score_cpu_m,
            score_mem: p.requests.score_mem,
            node_selector: p.node_selector.clone(),
            affinity: p.affinity.clone(),
            preferred: p.preferred.clone(),
            tolerations: p.tolerations.clone(),
            host_ports: p.host_ports.clone(),
        });
    }
    // The scheduling queue: higher priority first, then older, then by key.
    queue.sort_by(|a, b| (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)).then_with(|| f.key(a.3).cmp(f.key(b.3))));
    let mut rank = 0;
    for (i, &(class, _, _, pod)) in queue.iter().enumerate() {
        if i > 0 && queue[i - 1].0 != class {
            rank = 0;
        }
        out.pending.push((pod, class, rank));
        rank += 1;
    }
    // Room, load and ports of every node.
    out.load = vec![(0, 0); f.nodes.len()];
    for n in &f.nodes {
        let a = &n.alloc;
        let free = index.dense(&[a.cpu_m, a.mem, a.storage], &a.scalar);
        out.free.push(NodeFree { node: n.id, free, pods: n.alloc.pods });
    }
    for &(i, p) in &bound {
        let room = &mut out.free[i];
        room.pods -= 1;
        for (free, amount) in room.free.iter_mut().zip(dense(&p.requests)) {
            *free = free.saturating_sub(amount);
        }
        out.load[i].0 += p.requests.score_cpu_m;
        out.load[i].1 += p.requests.score_mem;
        out.used_ports.extend(p.host_ports.iter().map(|&hp| (f.nodes[i].id, hp)));
    }
    out.used_ports.sort_unstable();
    out.used_ports.dedup();
    out
}

// ---------------------------------------------------------------------------------------------
// The kubelet's admission (NodeResourcesFit's `fitsRequest`, as the kubelet runs it)

/// What the kubelet's admission rules compare.
#[derive(Debug, Default)]
pub struct Admission {
    /// Resource names by index: pods first, then cpu, memory, ephemeral-storage, then every
    /// scalar some pod awaiting admission requests, by name (upstream's order of reasons).
    pub resources: Vec<String>,
    /// Pods bound to a node whose kubelet has not admitted them yet: Pending, never started,
    /// not waiting for an image, not being deleted.
    pub awaiting: Vec<Id>,
    /// (pod, resource, amount) the pod requests (one pod slot, and every resource it asks for).
    pub wants: Vec<(Id, u32, i64)>,
    /// (pod, resource, total): what the pod and the pods awaiting admission before it on the
    /// same node (the kubelet admits in creation order) request together, for each resource
    /// the pod requests.
    pub ahead: Vec<(Id, u32, i64)>,
    /// (node name, resource, allocatable, used by the pods it admitted) for nodes with pods
    /// awaiting admission.
    pub node_use: Vec<(Sym, u32, i64, i64)>,
}

impl Admission {
    /// `InsufficientResourceError`'s words for `pod` short of `resource` on its node.
    pub fn insufficient(&self, f: &Facts, pod: Id, resource: u32) -> String {
        let want = self.wants.iter().find(|w| (w.0, w.1) == (pod, resource)).map_or(0, |w| w.2);
        let node = f.pod(pod).and_then(|p| p.node);
        let (capacity, used) = self
            .node_use
            .iter()
            .find(|u| Some(u.0) == node && u.1 == resource)
            .map_or((0, 0), |u| (u.2, u.3));
        let name = &self.resources[resource as usize];
        format!(
            "Node didn't have enough resource: {name}, requested: {want}, used: {used}, capacity: {capacity}"
        )
    }
}

/// Whether the kubelet has yet to admit a pod bound to its node.
pub fn awaits_admission(p: &super::PodF) -> bool {
    p.node.is_some()
        && p.phase == Phase::Pending
        && p.started == 0
        && p.container == super::ContainerState::NotStarted
        && p.waiting_reason == super::EMPTY
        && !p.deleting
}

/// Build the admission facts: requests by resource index, prefix sums per node, node use.
pub fn admission(f: &Facts) -> Admission {
    let mut out = Admission::default();
    let mut awaiting: Vec<&super::PodF> = f.pods.iter().filter(|p| awaits_admission(p)).collect();
    if awaiting.is_empty() {
        return out;
    }
    awaiting.sort_by(|a, b| {
        (a.node, a.created).cmp(&(b.node, b.created)).then_with(|| f.key(a.id).cmp(f.key(b.id)))
    });
    let index = ResourceIndex::new(
        &["pods", "cpu", "memory", "ephemeral-storage"],
        awaiting.iter().map(|p| &p.requests),
    );
    out.resources = index.names.clone();
    let dense = |r: &Requests| index.dense(&[1, r.cpu_m, r.mem, r.storage], &r.scalar);
    let mut used: FxHashMap<Sym, Vec<i64>> =
        awaiting.iter().filter_map(|p| p.node).map(|n| (n, vec![0i64; index.names.len()])).collect();
    for p in
        f.pods.iter().filter(|p| !matches!(p.phase, Phase::Succeeded | Phase::Failed) && !awaits_admission(p))
    {
        if let Some(u) = p.node.and_then(|n| used.get_mut(&n)) {
            for (u, want) in u.iter_mut().zip(dense(&p.requests)) {
                *u = u.saturating_add(want);
            }
        }
    }
    let mut node = None;
    let mut total = vec![0i64; index.names.len()];
    for p in &awaiting {
        if node != p.node {
            node = p.node;
            total.iter_mut().for_each(|t| *t = 0);
        }
        out.awaiting.push(p.id);
        for (r, want) in dense(&p.requests).into_iter().enumerate() {
            total[r] = total[r].saturating_add(want);
            if want > 0 {
                out.wants.push((p.id, r as u32, want));
                out.ahead.push((p.id, r as u32, total[r]));
            }
        }
    }
    for n in &f.nodes {
        let Some(u) = used.get(&n.name) else { continue };
        let a = &n.alloc;
        let capacity = index.dense(&[a.pods, a.cpu_m, a.mem, a.storage], &a.scalar);
        out.node_use
            .extend(capacity.into_iter().zip(u).enumerate().map(|(r, (c, &u))| (n.name, r as u32, c, u)));
    }
    out
}
