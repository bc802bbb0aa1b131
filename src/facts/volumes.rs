//! Storage facts: PersistentVolumes, PersistentVolumeClaims, StorageClasses and the claims pods
//! use, as compact tables, and the search index the volume rules walk.
//!
//! Upstream's PV controller keeps its volumes in an index by access-mode set
//! (`pkg/controller/volume/persistentvolume/index.go`): a claim looks at the sets that contain
//! all its modes, fewest modes first, and in each set takes the smallest volume that fits
//! (`FindMatchingVolume`). Crepe has no aggregation, so [`search`] lays that index out as
//! *chains*: the volumes of one (storage class, volume mode, attributes class, mode set) sorted
//! by capacity then name, linked `Next(v, w)`, with the place each kind of claim starts at. The
//! rules walk the chains with positive recursion; nothing here decides which volume a claim
//! gets.
//!
//! Claims asking for the same thing (class, modes, volume mode, size, selector) form one
//! *search class* ranked by upstream's queue order (creation time, then namespace and name), so
//! the rules hand the class's k-th claim the class's k-th fitting volume — many claims bind in
//! one step. A claim some volume is pre-bound to searches alone. Ties between equal volumes are
//! Go map order upstream; here the volume whose name sorts first comes first, and mode sets of
//! equal size come in kubectl's mode order (RWO, ROX, RWX, RWOP).

use super::node_selector::{self, RequiredAffinity};
use super::{Facts, Id, Interner, Phase, Sym, EMPTY};
use crate::model::{self, ObjKey};
use crate::selector::{Op, Requirement, Selector};
use rustc_hash::{FxHashMap, FxHashSet};
use serde_json::Value;

pub const ANN_BIND_COMPLETED: &str = "pv.kubernetes.io/bind-completed";
pub const ANN_BOUND_BY_CONTROLLER: &str = "pv.kubernetes.io/bound-by-controller";
pub const ANN_PROVISIONED_BY: &str = "pv.kubernetes.io/provisioned-by";
pub const ANN_SELECTED_NODE: &str = "volume.kubernetes.io/selected-node";
pub const ANN_STORAGE_PROVISIONER: &str = "volume.kubernetes.io/storage-provisioner";
pub const ANN_BETA_STORAGE_PROVISIONER: &str = "volume.beta.kubernetes.io/storage-provisioner";
pub const ANN_BETA_STORAGE_CLASS: &str = "volume.beta.kubernetes.io/storage-class";
pub const ANN_DEFAULT_CLASS: &str = "storageclass.kubernetes.io/is-default-class";
pub const ANN_BETA_DEFAULT_CLASS: &str = "storageclass.beta.kubernetes.io/is-default-class";
/// The provisioner of classes that never provision (local volumes).
pub const NO_PROVISIONER: &str = "kubernetes.io/no-provisioner";
/// The finalizers of the StorageObjectInUseProtection admission plugin.
pub const PVC_PROTECTION: &str = "kubernetes.io/pvc-protection";
pub const PV_PROTECTION: &str = "kubernetes.io/pv-protection";
/// A StorageClass annotation of konverge's simulated provisioner: the node label keys
/// (comma-separated) a volume provisioned for a selected node is pinned to.
pub const KNOB_PROVISIONED_TOPOLOGY: &str = "konverge.io/provisioned-topology";

/// Access modes as bits, in kubectl's order (`GetAccessModesAsString`).
pub const ACCESS_MODES: [(&str, &str, u8); 4] = [
    ("ReadWriteOnce", "RWO", 1),
    ("ReadOnlyMany", "ROX", 2),
    ("ReadWriteMany", "RWX", 4),
    ("ReadWriteOncePod", "RWOP", 8),
];

/// The bits of a list of access modes; unknown modes add nothing.
pub fn access_mode_bits(modes: Option<&Value>) -> u8 {
    modes
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter_map(|m| ACCESS_MODES.iter().find(|(long, _, _)| *long == m))
        .fold(0, |acc, (_, _, bit)| acc | bit)
}

/// `RWO,RWX`: the short names of a mode set in kubectl's order.
pub fn access_mode_names(bits: u8) -> String {
    ACCESS_MODES
        .iter()
        .filter(|(_, _, b)| bits & b != 0)
        .map(|(_, short, _)| *short)
        .collect::<Vec<_>>()
        .join(",")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum VolumePhase {
    /// No phase recorded (a volume stored before the API server defaulted it).
    Unset,
    Pending,
    Available,
    Bound,
    Released,
    Failed,
}

impl VolumePhase {
    pub fn parse(s: &str) -> VolumePhase {
        match s {
            "Pending" => VolumePhase::Pending,
            "Available" => VolumePhase::Available,
            "Bound" => VolumePhase::Bound,
            "Released" => VolumePhase::Released,
            "Failed" => VolumePhase::Failed,
            _ => VolumePhase::Unset,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            VolumePhase::Unset => "",
            VolumePhase::Pending => "Pending",
            VolumePhase::Available => "Available",
            VolumePhase::Bound => "Bound",
            VolumePhase::Released => "Released",
            VolumePhase::Failed => "Failed",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ClaimPhase {
    Unset,
    Pending,
    Bound,
    Lost,
}

impl ClaimPhase {
    pub fn parse(s: &str) -> ClaimPhase {
        match s {
            "Pending" => ClaimPhase::Pending,
            "Bound" => ClaimPhase::Bound,
            "Lost" => ClaimPhase::Lost,
            _ => ClaimPhase::Unset,
        }
    }
}

/// `persistentVolumeReclaimPolicy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reclaim {
    Retain,
    Delete,
    Recycle,
    Unknown,
}

impl Reclaim {
    /// A volume's policy; the API server defaults a missing one to Retain.
    pub fn of_volume(s: &str) -> Reclaim {
        match s {
            "" | "Retain" => Reclaim::Retain,
            "Delete" => Reclaim::Delete,
            "Recycle" => Reclaim::Recycle,
            _ => Reclaim::Unknown,
        }
    }
}

/// A PersistentVolumeClaim `claimRef`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ClaimRefF {
    pub ns: Sym,
    pub name: Sym,
    pub uid: Sym,
}

#[derive(Clone, Debug)]
pub struct VolumeF {
    pub id: Id,
    pub name: Sym,
    /// `spec.capacity.storage` in nano-units (exact, as `Quantity.Cmp` compares).
    pub capacity: i128,
    pub modes: u8,
    /// `GetPersistentVolumeClass`: the beta annotation, else `spec.storageClassName`.
    pub class: Sym,
    pub block: bool,
    pub attributes_class: Sym,
    pub phase: VolumePhase,
    pub claim_ref: Option<ClaimRefF>,
    pub deleting: bool,
    pub reclaim: Reclaim,
    pub bound_by_controller: bool,
    /// `pv.kubernetes.io/provisioned-by`, EMPTY when not provisioned.
    pub provisioned_by: Sym,
    /// `spec.nodeAffinity.required.nodeSelectorTerms` (terms ORed, requirements ANDed).
    pub affinity: Option<RequiredAffinity>,
    /// An NFS or hostPath volume: the only sources upstream's recycler handles.
    pub recyclable: bool,
    pub labels: Vec<(String, String)>,
    pub finalizers: Finalizers,
}

#[derive(Clone, Debug)]
pub struct ClaimF {
    pub id: Id,
    pub ns: Sym,
    pub name: Sym,
    pub uid: Sym,
    pub request: i128,
    pub modes: u8,
    /// `GetPersistentVolumeClaimClass` ("" when none).
    pub class: Sym,
    /// Neither the beta annotation nor `spec.storageClassName` is set (nil, not ""): the
    /// default class may still be assigned.
    pub class_unset: bool,
    pub block: bool,
    pub attributes_class: Sym,
    /// `spec.selector`, when set (an unreadable one selects nothing).
    pub selector: Option<Selector>,
    pub volume_name: Sym,
    pub bind_completed: bool,
    pub bound_by_controller: bool,
    pub phase: ClaimPhase,
    pub deleting: bool,
    pub selected_node: Sym,
    /// `volume.kubernetes.io/storage-provisioner`.
    pub provisioner: Sym,
    pub created: i64,
    pub finalizers: Finalizers,
}

#[derive(Clone, Debug)]
pub struct ClassF {
    pub id: Id,
    pub name: Sym,
    pub provisioner: Sym,
    pub wait_for_consumer: bool,
    pub default: bool,
    pub created: i64,
    /// Node label keys a volume provisioned for a selected node is pinned to: the keys of
    /// `allowedTopologies`, or the `konverge.io/provisioned-topology` knob.
    pub topology_keys: Vec<Sym>,
}

/// The finalizers of a volume or claim, as the protection rules see them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Finalizers {
    /// The object carries its storage protection finalizer.
    pub protected: bool,
    /// It carries other finalizers too.
    pub others: bool,
}

/// A pod's reference to a claim: `spec.volumes[index].persistentVolumeClaim.claimName`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PodClaimF {
    pub pod: Id,
    pub index: u32,
    pub claim_name: Sym,
}

/// Everything storage the controllers read in one step.
#[derive(Debug, Default)]
pub struct StorageFacts {
    pub volumes: Vec<VolumeF>,
    pub claims: Vec<ClaimF>,
    pub classes: Vec<ClassF>,
    pub pod_claims: Vec<PodClaimF>,
}

impl StorageFacts {
    /// Claims by (namespace, name).
    pub fn claims_by_name(&self) -> FxHashMap<(Sym, Sym), &ClaimF> {
        self.claims.iter().map(|c| ((c.ns, c.name), c)).collect()
    }

    pub fn class(&self, name: Sym) -> Option<&ClassF> {
        self.classes.iter().find(|c| c.name == name)
    }

    /// `GetDefaultClass`: of the classes marked default, the newest; equal times by name.
    pub fn default_class(&self, syms: &Interner) -> Option<Sym> {
        self.classes
            .iter()
            .filter(|c| c.default)
            .min_by(|a, b| {
                b.created.cmp(&a.created).then_with(|| syms.resolve(a.name).cmp(syms.resolve(b.name)))
            })
            .map(|c| c.name)
    }
}

/// Read one stored object into the storage tables, if it is a volume, a claim, a class or a
/// pod that uses claims.
pub(super) fn extract(f: &mut Facts, id: Id, key: &ObjKey, obj: &Value) {
    match key.kind.as_str() {
        "PersistentVolume" => {
            let v = volume(&mut f.syms, id, key, obj);
            f.storage.volumes.push(v);
        }
        "PersistentVolumeClaim" => {
            let c = claim(&mut f.syms, id, key, obj);
            f.storage.claims.push(c);
        }
        "StorageClass" => {
            let c = class(&mut f.syms, id, key, obj);
            f.storage.classes.push(c);
        }
        "Pod" => {
            for (index, v) in model::at(obj, &["spec", "volumes"])
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let name = model::str_at(v, &["persistentVolumeClaim", "claimName"]);
                if !name.is_empty() {
                    let claim_name = f.syms.intern(name);
                    f.storage.pod_claims.push(PodClaimF { pod: id, index: index as u32, claim_name });
                }
            }
        }
        _ => {}
    }
}

fn finalizers(obj: &Value, protection: &str) -> Finalizers {
    let list: Vec<&str> = model::at(obj, &["metadata", "finalizers"])
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    Finalizers { protected: list.contains(&protection), others: list.iter().any(|f| *f != protection) }
}

fn quantity_nano(v: Option<&Value>) -> i128 {
    v.and_then(crate::quantity::quantity_of).map_or(0, |q| q.nano)
}

fn created(obj: &Value) -> i64 {
    model::parse_time(model::str_at(obj, &["metadata", "creationTimestamp"])).unwrap_or(0)
}

fn volume(syms: &mut Interner, id: Id, key: &ObjKey, obj: &Value) -> VolumeF {
    let spec = obj.get("spec").unwrap_or(&Value::Null);
    let class = match model::annotation(obj, ANN_BETA_STORAGE_CLASS) {
        Some(c) => c,
        None => model::str_at(spec, &["storageClassName"]),
    };
    let claim_ref = spec.get("claimRef").filter(|r| r.is_object()).map(|r| ClaimRefF {
        ns: syms.intern(model::str_at(r, &["namespace"])),
        name: syms.intern(model::str_at(r, &["name"])),
        uid: syms.intern(model::str_at(r, &["uid"])),
    });
    let affinity = model::at(spec, &["nodeAffinity", "required"])
        .filter(|required| !required.is_null())
        .map(|required| node_selector::node_selector(required, &mut |s| syms.intern(s)));
    VolumeF {
        id,
        name: syms.intern(&key.name),
        capacity: quantity_nano(model::at(spec, &["capacity", "storage"])),
        modes: access_mode_bits(spec.get("accessModes")),
        class: syms.intern(class),
        block: model::str_at(spec, &["volumeMode"]) == "Block",
        attributes_class: syms.intern(model::str_at(spec, &["volumeAttributesClassName"])),
        phase: VolumePhase::parse(model::str_at(obj, &["status", "phase"])),
        claim_ref,
        deleting: model::at(obj, &["metadata", "deletionTimestamp"]).is_some(),
        reclaim: Reclaim::of_volume(model::str_at(spec, &["persistentVolumeReclaimPolicy"])),
        bound_by_controller: model::annotation(obj, ANN_BOUND_BY_CONTROLLER).is_some(),
        provisioned_by: syms.intern(model::annotation(obj, ANN_PROVISIONED_BY).unwrap_or("")),
        affinity,
        recyclable: spec.get("nfs").is_some() || spec.get("hostPath").is_some(),
        labels: model::labels(obj),
        finalizers: finalizers(obj, PV_PROTECTION),
    }
}

fn claim(syms: &mut Interner, id: Id, key: &ObjKey, obj: &Value) -> ClaimF {
    let spec = obj.get("spec").unwrap_or(&Value::Null);
    let annotated = model::annotation(obj, ANN_BETA_STORAGE_CLASS);
    let spec_class = spec.get("storageClassName").and_then(Value::as_str);
    let class = annotated.or(spec_class).unwrap_or("");
    let selector = spec
        .get("selector")
        .filter(|s| !s.is_null())
        .map(|s| Selector::from_label_selector(s).unwrap_or_else(|_| selects_nothing()));
    ClaimF {
        id,
        ns: syms.intern(&key.namespace),
        name: syms.intern(&key.name),
        uid: syms.intern(model::uid(obj)),
        request: quantity_nano(model::at(spec, &["resources", "requests", "storage"])),
        modes: access_mode_bits(spec.get("accessModes")),
        class: syms.intern(class),
        class_unset: annotated.is_none() && spec_class.is_none(),
        block: model::str_at(spec, &["volumeMode"]) == "Block",
        attributes_class: syms.intern(model::str_at(spec, &["volumeAttributesClassName"])),
        selector,
        volume_name: syms.intern(model::str_at(spec, &["volumeName"])),
        bind_completed: model::annotation(obj, ANN_BIND_COMPLETED).is_some(),
        bound_by_controller: model::annotation(obj, ANN_BOUND_BY_CONTROLLER).is_some(),
        phase: ClaimPhase::parse(model::str_at(obj, &["status", "phase"])),
        deleting: model::at(obj, &["metadata", "deletionTimestamp"]).is_some(),
        selected_node: syms.intern(model::annotation(obj, ANN_SELECTED_NODE).unwrap_or("")),
        provisioner: syms.intern(model::annotation(obj, ANN_STORAGE_PROVISIONER).unwrap_or("")),
        created: created(obj),
        finalizers: finalizers(obj, PVC_PROTECTION),
    }
}

/// What an unreadable claim selector selects (upstream's search fails for such a claim).
fn selects_nothing() -> Selector {
    Selector { reqs: vec![Requirement { key: String::new(), op: Op::In, values: vec![] }] }
}

fn class(syms: &mut Interner, id: Id, key: &ObjKey, obj: &Value) -> ClassF {
    let default =
        [ANN_DEFAULT_CLASS, ANN_BETA_DEFAULT_CLASS].iter().any(|a| model::annotation(obj, a) == Some("true"));
    let mut topology: Vec<&str> = model::at(obj, &["allowedTopologies"])
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .flat_map(|t| {
            model::at(t, &["matchLabelExpressions"]).and_then(Value::as_array).into_iter().flatten()
        })
        .map(|e| model::str_at(e, &["key"]))
        .collect();
    if let Some(keys) = model::annotation(obj, KNOB_PROVISIONED_TOPOLOGY) {
        topology.extend(keys.split(',').map(str::trim).filter(|k| !k.is_empty()));
    }
    topology.sort_unstable();
    topology.dedup();
    ClassF {
        id,
        name: syms.intern(&key.name),
        provisioner: syms.intern(model::str_at(obj, &["provisioner"])),
        wait_for_consumer: model::str_at(obj, &["volumeBindingMode"]) == "WaitForFirstConsumer",
        default,
        created: created(obj),
        topology_keys: topology.iter().map(|k| syms.intern(k)).collect(),
    }
}

// ---------------------------------------------------------------------------------------------
// Which claims pods use

/// The state of a claim a pod uses, as the scheduler's VolumeBinding plugin and the kubelet
/// read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClaimUse {
    /// No claim of that name in the pod's namespace.
    Missing,
    /// The claim exists: (claim, being deleted, `spec.volumeName` set, phase Bound, its class
    /// waits for the first consumer).
    Claim { claim: Id, deleting: bool, has_volume: bool, bound: bool, delayed: bool },
}

/// Every (pod, volume index, claim name, state) of the claims pods use.
pub fn claim_uses(f: &Facts) -> Vec<(Id, u32, Sym, ClaimUse)> {
    if f.storage.pod_claims.is_empty() {
        return Vec::new();
    }
    let by_name = f.storage.claims_by_name();
    let delayed: FxHashSet<Sym> =
        f.storage.classes.iter().filter(|c| c.wait_for_consumer).map(|c| c.name).collect();
    f.storage
        .pod_claims
        .iter()
        .filter_map(|u| {
            let pod = f.pod(u.pod)?;
            let ns = f.syms.get(&pod.ns).unwrap_or(u32::MAX);
            let state = match by_name.get(&(ns, u.claim_name)) {
                None => ClaimUse::Missing,
                Some(c) => ClaimUse::Claim {
                    claim: c.id,
                    deleting: c.deleting,
                    has_volume: c.volume_name != EMPTY,
                    bound: c.phase == ClaimPhase::Bound,
                    delayed: delayed.contains(&c.class),
                },
            };
            Some((u.pod, u.index, u.claim_name, state))
        })
        .collect()
}

/// Pods that use a claim and have not finished, by claim: (claim, pod, node or None).
pub fn consumers(f: &Facts) -> Vec<(Id, Id, Option<Sym>)> {
    let mut out: Vec<(Id, Id, Option<Sym>)> = claim_uses(f)
        .into_iter()
        .filter_map(|(pod, _, _, state)| match state {
            ClaimUse::Claim { claim, .. } => {
                let p = f.pod(pod)?;
                (!matches!(p.phase, Phase::Succeeded | Phase::Failed)).then_some((claim, pod, p.node))
            }
            ClaimUse::Missing => None,
        })
        .collect();
    out.sort_unstable_by(|a, b| (a.0, f.key(a.1)).cmp(&(b.0, f.key(b.1))));
    out.dedup();
    out
}

// ---------------------------------------------------------------------------------------------
// The search index

/// A search class: claims that search the same chains for the same thing.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct SearchKey {
    class: Sym,
    block: bool,
    attributes_class: Sym,
    modes: u8,
    request: i128,
    selector: Option<Selector>,
    delayed: bool,
    /// The scheduler's path: the node the claim's pod was scheduled to.
    node: Option<Id>,
    /// A claim some volume is pre-bound to searches alone.
    alone: Option<Id>,
}

/// A chain: the volumes of one (storage class, block mode, attributes class) and, on the
/// controller's path, one access-mode set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum ChainKey {
    Modes((Sym, bool, Sym, u8)),
    Class((Sym, bool, Sym)),
}

/// `allPossibleMatchingAccessModes` order: fewest modes first; sets of one size in kubectl's
/// mode order (upstream leaves them in map order).
fn mode_set_order(m: u8) -> (u32, [u8; 4]) {
    let mut places = [u8::MAX; 4];
    for (slot, bit) in places.iter_mut().zip((0..4u8).filter(|b| m & (1 << b) != 0)) {
        *slot = bit;
    }
    (m.count_ones(), places)
}

/// What the rules walk: search classes, their queues and the chains.
#[derive(Debug, Default)]
pub struct Search {
    /// (claim, class, rank in the class's queue).
    pub queued: Vec<(Id, u32, i64)>,
    /// (class, request, access modes, how many claims).
    pub classes: Vec<(u32, i128, u8, i64)>,
    /// Classes of claims whose StorageClass waits for the first consumer (controller path:
    /// only pre-bound volumes).
    pub delayed: Vec<u32>,
    /// (class, node): the scheduler's path, for claims whose pod is on that node.
    pub on_node: Vec<(u32, Id)>,
    /// (class, number of mode sets it looks through).
    pub mode_sets: Vec<(u32, i64)>,
    /// (class, mode set, its place in the class's order).
    pub mode_set_index: Vec<(u32, u8, i64)>,
    /// (class, place, chain): the chain the class walks at that place.
    pub parts: Vec<(u32, i64, u32)>,
    /// (class, place, volume): where the class starts in that chain (the first volume big
    /// enough).
    pub starts: Vec<(u32, i64, Id)>,
    /// (chain, volume, next volume).
    pub next: Vec<(u32, Id, Id)>,
    /// (chain, last volume).
    pub last: Vec<(u32, Id)>,
    pub with_selector: Vec<u32>,
    /// (class, volume) whose labels the class's selector matches.
    pub selected: Vec<(u32, Id)>,
    /// (volume, rank by name) of volumes with a claimRef: which of two pre-bound volumes wins.
    pub ranks: Vec<(Id, i64)>,
}

/// Build the search: every claim that looks for a volume this step (no bind completed, no
/// `spec.volumeName`) in its search class and queue, and the chains those classes walk.
pub fn search(f: &Facts) -> Search {
    let s = &f.storage;
    let mut out = Search::default();
    let searching: Vec<&ClaimF> =
        s.claims.iter().filter(|c| !c.bind_completed && c.volume_name == EMPTY).collect();
    if searching.is_empty() {
        return out;
    }
    let delayed: FxHashSet<Sym> = s.classes.iter().filter(|c| c.wait_for_consumer).map(|c| c.name).collect();
    let prebound: FxHashSet<(Sym, Sym)> =
        s.volumes.iter().filter_map(|v| v.claim_ref.map(|r| (r.ns, r.name))).collect();
    let node_of: FxHashMap<Sym, Id> = f.nodes.iter().map(|n| (n.name, n.id)).collect();
    // The first scheduled consumer of each claim (by pod key).
    let mut scheduled: FxHashMap<Id, Id> = FxHashMap::default();
    for (claim, _, node) in consumers(f) {
        if let Some(n) = node.and_then(|n| node_of.get(&n)) {
            scheduled.entry(claim).or_insert(*n);
        }
    }

    // Search classes and their queues, in upstream's queue order.
    let mut order: Vec<&ClaimF> = searching;
    order.sort_by(|a, b| a.created.cmp(&b.created).then_with(|| f.key(a.id).cmp(f.key(b.id))));
    let mut keys: FxHashMap<SearchKey, u32> = FxHashMap::default();
    let mut key_list: Vec<SearchKey> = Vec::new();
    let mut counts: Vec<i64> = Vec::new();
    for c in order {
        let is_delayed = delayed.contains(&c.class);
        let alone = prebound.contains(&(c.ns, c.name)).then_some(c.id);
        let node = match (is_delayed, alone, c.selected_node) {
            (true, None, EMPTY) => scheduled.get(&c.id).copied(),
            _ => None,
        };
        let key = SearchKey {
            class: c.class,
            block: c.block,
            attributes_class: c.attributes_class,
            modes: c.modes,
            request: c.request,
            selector: c.selector.clone(),
            delayed: is_delayed && node.is_none(),
            node,
            alone,
        };
        let next = key_list.len() as u32;
        let k = *keys.entry(key.clone()).or_insert_with(|| {
            key_list.push(key);
            counts.push(0);
            next
        });
        out.queued.push((c.id, k, counts[k as usize]));
        counts[k as usize] += 1;
    }

    // The chains: mode-set chains for the controller's path, class chains for the scheduler's.
    let by_capacity = |a: &&VolumeF, b: &&VolumeF| {
        a.capacity.cmp(&b.capacity).then_with(|| f.syms.resolve(a.name).cmp(f.syms.resolve(b.name)))
    };
    let mut mode_chains: FxHashMap<(Sym, bool, Sym, u8), Vec<&VolumeF>> = FxHashMap::default();
    let mut class_chains: FxHashMap<(Sym, bool, Sym), Vec<&VolumeF>> = FxHashMap::default();
    let mut mode_sets: Vec<u8> = Vec::new();
    for v in &s.volumes {
        mode_chains.entry((v.class, v.block, v.attributes_class, v.modes)).or_default().push(v);
        class_chains.entry((v.class, v.block, v.attributes_class)).or_default().push(v);
        mode_sets.push(v.modes);
    }
    for chain in mode_chains.values_mut().chain(class_chains.values_mut()) {
        chain.sort_by(by_capacity);
    }
    // allPossibleMatchingAccessModes: fewest modes first; equal counts in kubectl's mode order.
    mode_sets.sort_unstable_by_key(|&m| mode_set_order(m));
    mode_sets.dedup();

    // Chains get ids as classes first walk them; only those are laid out.
    let mut chain_ids: FxHashMap<ChainKey, u32> = FxHashMap::default();
    let mut chain_of = |out: &mut Search, key: ChainKey, chain: &[&VolumeF]| -> u32 {
        let next = chain_ids.len() as u32;
        *chain_ids.entry(key).or_insert_with(|| {
            out.next.extend(chain.windows(2).map(|w| (next, w[0].id, w[1].id)));
            if let Some(last) = chain.last() {
                out.last.push((next, last.id));
            }
            next
        })
    };
    for (k, key) in key_list.iter().enumerate() {
        let k = k as u32;
        out.classes.push((k, key.request, key.modes, counts[k as usize]));
        if key.delayed {
            out.delayed.push(k);
        }
        if let Some(n) = key.node {
            out.on_node.push((k, n));
        }
        let places: Vec<(u8, ChainKey, Option<&Vec<&VolumeF>>)> = match key.node {
            Some(_) => {
                let chain = (key.class, key.block, key.attributes_class);
                vec![(0, ChainKey::Class(chain), class_chains.get(&chain))]
            }
            None => mode_sets
                .iter()
                .filter(|m| *m & key.modes == key.modes)
                .map(|&m| {
                    let chain = (key.class, key.block, key.attributes_class, m);
                    (m, ChainKey::Modes(chain), mode_chains.get(&chain))
                })
                .collect(),
        };
        out.mode_sets.push((k, places.len() as i64));
        for (i, (m, chain_key, chain)) in places.into_iter().enumerate() {
            let i = i as i64;
            if key.alone.is_some() {
                out.mode_set_index.push((k, m, i));
            }
            let Some(chain) = chain else { continue };
            let p = chain_of(&mut out, chain_key, chain);
            out.parts.push((k, i, p));
            let start = chain.partition_point(|v| v.capacity < key.request);
            if let Some(v) = chain.get(start) {
                out.starts.push((k, i, v.id));
            }
            if let Some(sel) = &key.selector {
                out.selected
                    .extend(chain[start..].iter().filter(|v| sel.matches(&v.labels)).map(|v| (k, v.id)));
            }
        }
        if key.selector.is_some() {
            out.with_selector.push(k);
        }
    }
    // Which of two volumes pre-bound to one claim wins: the name that sorts first.
    if key_list.iter().any(|k| k.alone.is_some()) {
        let mut claimed: Vec<&VolumeF> = s.volumes.iter().filter(|v| v.claim_ref.is_some()).collect();
        claimed.sort_by(|a, b| f.syms.resolve(a.name).cmp(f.syms.resolve(b.name)));
        out.ranks.extend(claimed.iter().enumerate().map(|(i, v)| (v.id, i as i64)));
    }
    out.next.sort_unstable();
    out.last.sort_unstable();
    out
}
