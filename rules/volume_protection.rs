//! Storage object in-use protection (upstream `pkg/controller/volume/pvcprotection` and
//! `pkg/controller/volume/pvprotection`).
//!
//! Every claim carries `kubernetes.io/pvc-protection` and every volume
//! `kubernetes.io/pv-protection` (the admission plugin adds them on create; these controllers
//! add them to objects that lack one). A claim being deleted keeps its finalizer while a pod
//! on a node that has not finished uses it; a volume being deleted keeps its finalizer while
//! it is Bound. Then the finalizer goes, and with the last finalizer the object.

use crate::actions::{Action, Change, Precondition};
use crate::controllers::{Controller, Proposals};
use crate::facts::volumes::{self, VolumePhase, PVC_PROTECTION, PV_PROTECTION};
use crate::facts::{Facts, Id};
use crate::model;
use crepe::crepe;
use rustc_hash::FxBuildHasher;
use serde_json::{json, Value};

/// The name this controller's actions carry in the trace.
pub const NAME: &str = "volume-protection";

pub const CONTROLLER: Controller =
    Controller { name: NAME, component: "pvc-protection-controller", reconcile };

crepe! {
    // (object, being deleted, carries its protection finalizer, carries other finalizers).
    @input
    pub struct Protected(Id, bool, bool, bool);
    // A claim a pod on a node uses until it finishes, or a volume that is Bound.
    @input
    pub struct InUse(Id);

    @output
    pub struct AddFinalizer(Id);
    // (object, the finalizer is its last one: the object goes).
    @output
    pub struct DropFinalizer(Id, bool);

    AddFinalizer(o) <- Protected(o, false, false, _);
    DropFinalizer(o, !others) <- Protected(o, true, true, others), !InUse(o);
}

/// Run the controller over one snapshot.
pub fn reconcile(f: &Facts) -> Proposals {
    let s = &f.storage;
    if s.claims.is_empty() && s.volumes.is_empty() {
        return Proposals::default();
    }
    let mut rt = Crepe::new();
    for c in &s.claims {
        rt.extend([Protected(c.id, c.deleting, c.finalizers.protected, c.finalizers.others)]);
    }
    for v in &s.volumes {
        rt.extend([Protected(v.id, v.deleting, v.finalizers.protected, v.finalizers.others)]);
        if v.phase == VolumePhase::Bound {
            rt.extend([InUse(v.id)]);
        }
    }
    rt.extend(
        volumes::consumers(f)
            .into_iter()
            .filter(|(_, _, node)| node.is_some())
            .map(|(claim, _, _)| InUse(claim)),
    );
    let (adds, drops) = rt.run_with_hasher::<FxBuildHasher>();

    let mut out: Vec<Action> = Vec::new();
    let mut adds: Vec<Id> = adds.into_iter().map(|AddFinalizer(o)| o).collect();
    adds.sort_unstable_by_key(|&o| f.key(o));
    for o in adds {
        let (finalizer, mut list) = finalizers(f, o);
        list.push(json!(finalizer));
        out.push(patch(f, o, list, format!("protection: add {finalizer}")));
    }
    let mut drops: Vec<DropFinalizer> = drops.into_iter().collect();
    drops.sort_unstable_by_key(|d| f.key(d.0));
    for DropFinalizer(o, last) in drops {
        let (finalizer, list) = finalizers(f, o);
        let why = if f.key(o).kind == "PersistentVolume" { "not Bound" } else { "no pod uses it" };
        if last {
            out.push(Action::new(
                Change::Remove { key: f.key(o).clone() },
                NAME,
                format!("{why}: {finalizer} removed, deletion finished"),
            ));
        } else {
            let rest: Vec<Value> = list.into_iter().filter(|x| x.as_str() != Some(finalizer)).collect();
            out.push(patch(f, o, rest, format!("{why}: {finalizer} removed")));
        }
    }
    out.into()
}

/// The protection finalizer of an object's kind and its current finalizers.
fn finalizers(f: &Facts, o: Id) -> (&'static str, Vec<Value>) {
    let finalizer = if f.key(o).kind == "PersistentVolume" { PV_PROTECTION } else { PVC_PROTECTION };
    let list = model::at(f.raw(o), &["metadata", "finalizers"])
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    (finalizer, list)
}

fn patch(f: &Facts, o: Id, list: Vec<Value>, reason: String) -> Action {
    Action::new(
        Change::Patch {
            key: f.key(o).clone(),
            patch: json!({"metadata": {"finalizers": list}}),
            precondition: Precondition::None,
        },
        NAME,
        reason,
    )
}
