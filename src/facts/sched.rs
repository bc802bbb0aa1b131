//! Aggregations the scheduler rules need: what is already requested on each node, the
//! scheduling classes of pending pods with each pod's place in the queue, and the order in
//! which nodes are preferred (NodeResourcesFit's LeastAllocated score, then name).
//!
//! Pods that ask for the same things (requests, nodeSelector, tolerations) form one
//! *scheduling class*: they fit the same nodes, so the rules decide feasibility once per class
//! and node rather than once per pod and node.

use super::{Facts, Id, Phase, Sym, Toleration};
use rustc_hash::FxHashMap;

/// Requests the scheduler assumes for a container that sets none (upstream
/// `schedutil.DefaultMilliCPURequest` / `DefaultMemoryRequest`), used for scoring only.
pub const DEFAULT_CPU_M: i64 = 100;
pub const DEFAULT_MEM: i64 = 200 * 1024 * 1024;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ClassKey {
    pub cpu_m: i64,
    pub mem: i64,
    pub node_selector: Vec<(Sym, Sym)>,
    pub tolerations: Vec<(Sym, bool, Sym, u8)>,
}

#[derive(Clone, Debug)]
pub struct Class {
    pub id: u32,
    pub cpu_m: i64,
    pub mem: i64,
    pub node_selector: Vec<(Sym, Sym)>,
    pub tolerations: Vec<Toleration>,
}

/// Room left on a node: allocatable minus what bound, unfinished pods request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NodeFree {
    pub node: Id,
    pub cpu_m: i64,
    pub mem: i64,
    pub pods: i64,
}

#[derive(Debug, Default)]
pub struct SchedFacts {
    pub classes: Vec<Class>,
    /// (pod, class, rank in the class's queue).
    pub pending: Vec<(Id, u32, i64)>,
    pub free: Vec<NodeFree>,
}

/// Build the scheduler's aggregated facts.
pub fn sched_facts(f: &Facts) -> SchedFacts {
    let mut out = SchedFacts::default();
    let node_by_name: FxHashMap<Sym, usize> = f.nodes.iter().enumerate().map(|(i, n)| (n.name, i)).collect();
    let mut used = vec![(0i64, 0i64, 0i64); f.nodes.len()];
    let mut classes: FxHashMap<ClassKey, u32> = FxHashMap::default();
    let mut queue: Vec<(u32, i64, i64, Id)> = Vec::new();
    for p in &f.pods {
        match p.node {
            Some(n) => {
                if matches!(p.phase, Phase::Succeeded | Phase::Failed) {
                    continue;
                }
                if let Some(&i) = node_by_name.get(&n) {
                    used[i].0 += p.cpu_m;
                    used[i].1 += p.mem;
                    used[i].2 += 1;
                }
            }
            None if p.active() => {
                let key = ClassKey {
                    cpu_m: p.cpu_m,
                    mem: p.mem,
                    node_selector: p.node_selector.clone(),
                    tolerations: p.tolerations.iter().map(|t| (t.key, t.exists, t.value, t.effect)).collect(),
                };
                let next = classes.len() as u32;
                let class = *classes.entry(key).or_insert_with(|| {
                    out.classes.push(Class {
                        id: next,
                        cpu_m: p.cpu_m,
                        mem: p.mem,
                        node_selector: p.node_selector.clone(),
                        tolerations: p.tolerations.clone(),
                    });
                    next
                });
                queue.push((class, -p.priority, p.created, p.id));
            }
            None => {}
        }
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
    for (i, n) in f.nodes.iter().enumerate() {
        out.free.push(NodeFree {
            node: n.id,
            cpu_m: n.alloc_cpu_m - used[i].0,
            mem: n.alloc_mem - used[i].1,
            pods: n.alloc_pods - used[i].2,
        });
    }
    out
}
