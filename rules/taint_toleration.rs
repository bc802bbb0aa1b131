//! Matching tolerations against taints (upstream `Toleration.ToleratesTaint`), shared by the
//! scheduler (NodeUnschedulable, the TaintToleration filter and its PreferNoSchedule score)
//! and the DaemonSet controller (`NodeShouldRunDaemonPod`).
//!
//! A toleration tolerates a taint when its effect is empty or the taint's, its key is empty or
//! the taint's, and its operator is Exists or its value is the taint's. A *holder* (a
//! caller-chosen id: a scheduling class, a DaemonSet) tolerates a taint when one of its
//! tolerations does. Tolerance is decided once per holder and distinct taint; the taints a
//! holder does not tolerate are then listed on the (holder, node) pairs the caller asks about.

use crate::facts::{Sym, Taint, Toleration, ANY_EFFECT, EMPTY};
use crepe::crepe;
use rustc_hash::FxBuildHasher;

crepe! {
    // (holder, key, operator is Exists, value, effect or ANY_EFFECT).
    @input
    pub struct Tolerates(pub u32, pub Sym, pub bool, pub Sym, pub u8);
    // (node, key, value, effect).
    @input
    pub struct NodeTaint(pub u32, pub Sym, pub Sym, pub u8);
    // A taint no node need carry, whose tolerance a caller asks about (key, value, effect).
    @input
    pub struct Probe(pub Sym, pub Sym, pub u8);
    // (holder, node) pairs to list untolerated taints for.
    @input
    pub struct Scope(pub u32, pub u32);

    struct TaintSeen(Sym, Sym, u8);
    // (holder, key, value, effect): one of the holder's tolerations tolerates the taint.
    @output
    pub struct ToleratesTaint(pub u32, pub Sym, pub Sym, pub u8);
    // (holder, node, key, value, effect) of each taint of the node the holder does not tolerate.
    @output
    pub struct Untolerated(pub u32, pub u32, pub Sym, pub Sym, pub u8);

    TaintSeen(k, v, e) <- NodeTaint(_, k, v, e);
    TaintSeen(k, v, e) <- Probe(k, v, e);
    ToleratesTaint(h, k, v, e) <-
        TaintSeen(k, v, e), Tolerates(h, tk, exists, tv, te),
        (te == ANY_EFFECT || te == e), (tk == EMPTY || tk == k), (exists || tv == v);
    Untolerated(h, n, k, v, e) <- Scope(h, n), NodeTaint(n, k, v, e), !ToleratesTaint(h, k, v, e);
}

/// What the program derived, every list sorted.
#[derive(Debug, Default)]
pub struct Tolerance {
    /// (holder, key, value, effect) of each node taint or probe the holder tolerates.
    pub tolerated: Vec<(u32, Sym, Sym, u8)>,
    /// (holder, node, key, value, effect) of each taint of a scoped node it does not tolerate.
    pub untolerated: Vec<(u32, u32, Sym, Sym, u8)>,
}

/// The facts to match: holders' tolerations, nodes' taints, probes and the pairs in scope.
pub struct Taints {
    rt: Crepe,
}

impl Default for Taints {
    fn default() -> Taints {
        Taints::new()
    }
}

impl Taints {
    pub fn new() -> Taints {
        Taints { rt: Crepe::new() }
    }

    pub fn holder(&mut self, id: u32, tolerations: &[Toleration]) {
        self.rt.extend(tolerations.iter().map(|t| Tolerates(id, t.key, t.exists, t.value, t.effect)));
    }

    /// A node's taints of the effects `keep` accepts.
    pub fn node(&mut self, id: u32, taints: &[Taint], keep: impl Fn(u8) -> bool) {
        self.rt.extend(
            taints.iter().filter(|t| keep(t.effect)).map(|t| NodeTaint(id, t.key, t.value, t.effect)),
        );
    }

    pub fn probe(&mut self, key: Sym, value: Sym, effect: u8) {
        self.rt.extend([Probe(key, value, effect)]);
    }

    pub fn scope(&mut self, pairs: impl IntoIterator<Item = (u32, u32)>) {
        self.rt.extend(pairs.into_iter().map(|(h, n)| Scope(h, n)));
    }

    pub fn run(self) -> Tolerance {
        let (tolerated, untolerated) = self.rt.run_with_hasher::<FxBuildHasher>();
        let mut tolerated: Vec<_> =
            tolerated.into_iter().map(|ToleratesTaint(h, k, v, e)| (h, k, v, e)).collect();
        tolerated.sort_unstable();
        let mut untolerated: Vec<_> =
            untolerated.into_iter().map(|Untolerated(h, n, k, v, e)| (h, n, k, v, e)).collect();
        untolerated.sort_unstable();
        Tolerance { tolerated, untolerated }
    }
}
