//! A simulated external provisioner (the `sig-storage-lib-external-provisioner` loop every CSI
//! provisioner runs): one stands behind each StorageClass provisioner other than
//! `kubernetes.io/no-provisioner`.
//!
//! Provision: a claim the PV controller handed to provisioner P (annotation
//! `volume.kubernetes.io/storage-provisioner: P`), not yet bound, whose class names P and either
//! binds immediately or has a `volume.kubernetes.io/selected-node`, gets a volume named
//! `pvc-<claim uid>`: pre-bound to the claim (`claimRef` with its uid), of the claim's class,
//! access modes, volume mode and request, with the class's reclaim policy (Delete when unset)
//! and mount options, a CSI source of driver P, `pv.kubernetes.io/provisioned-by: P`, and — for a
//! selected node — node affinity to that node's values of the class's topology keys (the keys
//! of `allowedTopologies`, or the `konverge.io/provisioned-topology` knob). The PV controller
//! then binds the two.
//!
//! Delete: a volume P provisioned, with policy Delete, once the PV controller marked it
//! Released, is deleted.

use crate::actions::{Action, Change, EventType, Propagation};
use crate::controllers::{Controller, Proposals};
use crate::facts::volumes::{ClassF, Reclaim, VolumePhase, ANN_PROVISIONED_BY, NO_PROVISIONER};
use crate::facts::{Facts, Id, Sym, EMPTY};
use crate::model;
use crepe::crepe;
use rustc_hash::{FxBuildHasher, FxHashSet};
use serde_json::{json, Map, Value};

/// The name this controller's actions carry in the trace.
pub const NAME: &str = "provisioner";

pub const CONTROLLER: Controller = Controller { name: NAME, component: "external-provisioner", reconcile };

crepe! {
    // (claim, class, provisioner it was handed to, has a selected node): an unbound claim that
    // names no volume and is not being deleted.
    @input
    pub struct Handed(Id, Sym, Sym, bool);
    // (class, provisioner, waits for the first consumer).
    @input
    pub struct StorageClass(Sym, Sym, bool);
    @input
    pub struct NoProvisioner(Sym);
    // The volume `pvc-<uid>` of the claim exists.
    @input
    pub struct Provisioned(Id);
    // (volume, provisioned by) of a Released volume with policy Delete, not being deleted.
    @input
    pub struct ReleasedForDeletion(Id, Sym);

    struct Runs(Sym);
    Runs(p) <- StorageClass(_, p, _), NoProvisioner(none), (p != none);
    @output
    pub struct Provision(Id, Sym);
    Provision(c, cls) <- Handed(c, cls, p, selected), StorageClass(cls, p, waits), Runs(p), (selected || !waits), !Provisioned(c);
    @output
    pub struct Delete(Id);
    Delete(v) <- ReleasedForDeletion(v, p), Runs(p);
}

/// Run the provisioners over one snapshot.
pub fn reconcile(f: &Facts) -> Proposals {
    let s = &f.storage;
    if s.classes.is_empty() {
        return Proposals::default();
    }
    let mut rt = Crepe::new();
    let names: FxHashSet<&str> = s.volumes.iter().map(|v| f.syms.resolve(v.name)).collect();
    for c in s
        .claims
        .iter()
        .filter(|c| c.provisioner != EMPTY && !c.bind_completed && c.volume_name == EMPTY && !c.deleting)
    {
        rt.extend([Handed(c.id, c.class, c.provisioner, c.selected_node != EMPTY)]);
        if names.contains(volume_name(f.syms.resolve(c.uid)).as_str()) {
            rt.extend([Provisioned(c.id)]);
        }
    }
    rt.extend(s.classes.iter().map(|c| StorageClass(c.name, c.provisioner, c.wait_for_consumer)));
    // A provisioner name no class uses when nothing interned it.
    rt.extend([NoProvisioner(f.syms.get(NO_PROVISIONER).unwrap_or(Sym::MAX))]);
    rt.extend(
        s.volumes
            .iter()
            .filter(|v| v.phase == VolumePhase::Released && v.reclaim == Reclaim::Delete && !v.deleting)
            .filter(|v| v.provisioned_by != EMPTY)
            .map(|v| ReleasedForDeletion(v.id, v.provisioned_by)),
    );
    let (provisions, deletes) = rt.run_with_hasher::<FxBuildHasher>();

    let mut out: Vec<(Id, Action)> = Vec::new();
    for Provision(c, class) in provisions {
        let Some(class) = s.class(class) else { continue };
        let object = volume_for(f, c, class);
        let name = model::name(&object).to_string();
        let provisioner = f.syms.resolve(class.provisioner);
        out.push((
            c,
            Action::new(
                Change::Create { object },
                NAME,
                format!("{provisioner}: provisioned {name} for claim {}", f.key(c).ns_name()),
            )
            .with_event(
                f.key(c),
                EventType::Normal,
                "ProvisioningSucceeded",
                format!("Successfully provisioned volume {name}"),
            ),
        ));
    }
    for Delete(v) in deletes {
        out.push((
            v,
            Action::new(
                Change::Delete { key: f.key(v).clone(), propagation: Propagation::Background },
                NAME,
                "released with reclaim policy Delete: the provisioner deletes the volume",
            ),
        ));
    }
    out.sort_by(|a, b| f.key(a.0).cmp(f.key(b.0)));
    out.into_iter().map(|(_, a)| a).collect::<Vec<_>>().into()
}

/// `pvc-<claim uid>`: the name upstream provisioners give a claim's volume.
pub fn volume_name(claim_uid: &str) -> String {
    format!("pvc-{claim_uid}")
}

/// The volume provisioned for claim `c` of `class`.
fn volume_for(f: &Facts, c: Id, class: &ClassF) -> Value {
    let claim = f.raw(c);
    let key = f.key(c);
    let provisioner = f.syms.resolve(class.provisioner);
    let class_obj = f.raw(class.id);
    let name = volume_name(model::uid(claim));
    let mut spec = Map::new();
    spec.insert(
        "accessModes".into(),
        model::at(claim, &["spec", "accessModes"]).cloned().unwrap_or(json!([])),
    );
    spec.insert(
        "capacity".into(),
        json!({"storage": model::at(claim, &["spec", "resources", "requests", "storage"]).cloned().unwrap_or(json!("0"))}),
    );
    spec.insert(
        "claimRef".into(),
        json!({
            "kind": "PersistentVolumeClaim", "namespace": key.namespace, "name": key.name, "uid": model::uid(claim),
            "apiVersion": "v1", "resourceVersion": model::str_at(claim, &["metadata", "resourceVersion"]),
        }),
    );
    spec.insert("csi".into(), json!({"driver": provisioner, "volumeHandle": name}));
    if let Some(options) = class_obj.get("mountOptions").filter(|o| !o.is_null()) {
        spec.insert("mountOptions".into(), options.clone());
    }
    if let Some(affinity) = node_affinity(f, c, class) {
        spec.insert("nodeAffinity".into(), affinity);
    }
    let policy = match model::str_at(class_obj, &["reclaimPolicy"]) {
        "" => "Delete",
        p => p,
    };
    spec.insert("persistentVolumeReclaimPolicy".into(), json!(policy));
    spec.insert("storageClassName".into(), json!(f.syms.resolve(class.name)));
    let mode = match model::str_at(claim, &["spec", "volumeMode"]) {
        "" => "Filesystem",
        m => m,
    };
    spec.insert("volumeMode".into(), json!(mode));
    json!({
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": name, "annotations": {ANN_PROVISIONED_BY: provisioner}},
        "spec": spec,
    })
}

/// Node affinity to the selected node's values of the class's topology keys, when the claim
/// has a selected node that carries them.
fn node_affinity(f: &Facts, c: Id, class: &ClassF) -> Option<Value> {
    let claim = f.storage.claims.iter().find(|x| x.id == c)?;
    let node = f.nodes.iter().find(|n| n.name == claim.selected_node && claim.selected_node != EMPTY)?;
    let expressions: Vec<Value> = class
        .topology_keys
        .iter()
        .filter_map(|k| {
            let value = node.labels.iter().find(|(key, _)| key == k)?.1;
            Some(json!({"key": f.syms.resolve(*k), "operator": "In", "values": [f.syms.resolve(value)]}))
        })
        .collect();
    (!expressions.is_empty())
        .then(|| json!({"required": {"nodeSelectorTerms": [{"matchExpressions": expressions}]}}))
}
