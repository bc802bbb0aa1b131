//! Garbage collector (upstream `pkg/controller/garbagecollector`).
//!
//! Owner references form a graph: the `OwnerRef` relation, walked one level per step. Background
//! deletion: the owner is gone at once and the collector deletes dependents whose owners are
//! all gone (a dependent that still has a live owner only loses the dangling reference).
//! Orphan deletion (`--cascade=orphan`, formerly `--cascade=false`): the owner waits with the
//! `orphan` finalizer while its dependents lose their reference to it, then goes. Foreground
//! deletion: the owner waits with `foregroundDeletion` while its dependents are deleted
//! (in the foreground when they own objects themselves, otherwise in the background, as
//! upstream `attemptToDeleteItem` does), and goes once no blocking dependent is left.
//!
//! Removing the `orphan` or `foregroundDeletion` finalizer ends the deletion only when nothing
//! else holds the object: another finalizer, or a pod on a node whose kubelet still has to stop
//! its containers (graceful deletion). Then only the finalizer goes and the object stays
//! (Terminating) until the rest is done.

use crate::actions::{Action, Change, Precondition, Propagation};
use crate::controllers::{Controller, Proposals};
use crate::facts::{Facts, Finalizing, Id, Sym};
use crate::model;
use crepe::crepe;
use rustc_hash::FxBuildHasher;
use serde_json::{json, Value};

/// The name this controller's actions carry in the trace.
pub const NAME: &str = "garbage-collector";

pub const CONTROLLER: Controller =
    Controller { name: NAME, component: "garbage-collector-controller", reconcile };

crepe! {
    // (dependent, owner uid, blockOwnerDeletion).
    @input
    pub struct OwnerRef(Id, Sym, bool);
    // Uids of objects that exist.
    @input
    pub struct Live(Sym, Id);
    // Objects with a deletionTimestamp: (object, uid, how).
    @input
    pub struct Deleting(Id, Sym, Finalizing);
    // Objects being deleted that something besides the garbage collector's finalizer still
    // holds: other finalizers, or a graceful pod deletion the kubelet has not finished.
    @input
    pub struct HeldElsewhere(Id);

    struct HasLiveOwner(Id);
    struct Dangling(Id, Sym);
    struct HasDependent(Sym);
    struct HasBlockingDependent(Sym);
    struct BeingDeleted(Id);
    struct OwnsDependents(Id);
    struct Unblocked(Id, Finalizing);

    // Delete a dependent whose owners are all gone.
    @output
    pub struct Collect(Id);
    // Remove a reference to an owner that is gone or being orphaned: (dependent, owner uid).
    @output
    pub struct DropRef(Id, Sym);
    // Delete a dependent of an owner in foreground deletion: (dependent, in the foreground
    // because it owns objects itself).
    @output
    pub struct CascadeForeground(Id, bool);
    // Remove an owner whose orphan/foreground finalizer has nothing left to wait for.
    @output
    pub struct Finalize(Id, Finalizing);
    // Remove only that finalizer: something else still holds the object.
    @output
    pub struct DropFinalizer(Id, Finalizing);

    HasLiveOwner(d) <- OwnerRef(d, u, _), Live(u, _);
    Dangling(d, u) <- OwnerRef(d, u, _), !Live(u, _);
    BeingDeleted(d) <- Deleting(d, _, _);
    Collect(d) <- Dangling(d, _), !HasLiveOwner(d), !BeingDeleted(d);
    DropRef(d, u) <- Dangling(d, u), HasLiveOwner(d);
    DropRef(d, u) <- Deleting(_, u, Finalizing::Orphan), OwnerRef(d, u, _);
    OwnsDependents(d) <- Live(du, d), HasDependent(du);
    CascadeForeground(d, true) <-
        Deleting(_, u, Finalizing::Foreground), OwnerRef(d, u, _), !BeingDeleted(d), OwnsDependents(d);
    CascadeForeground(d, false) <-
        Deleting(_, u, Finalizing::Foreground), OwnerRef(d, u, _), !BeingDeleted(d), !OwnsDependents(d);
    HasDependent(u) <- OwnerRef(_, u, _);
    HasBlockingDependent(u) <- OwnerRef(_, u, true);
    Unblocked(o, Finalizing::Orphan) <- Deleting(o, u, Finalizing::Orphan), !HasDependent(u);
    Unblocked(o, Finalizing::Foreground) <- Deleting(o, u, Finalizing::Foreground), !HasBlockingDependent(u);
    Finalize(o, how) <- Unblocked(o, how), !HeldElsewhere(o);
    DropFinalizer(o, how) <- Unblocked(o, how), HeldElsewhere(o);
}

/// The finalizer the garbage collector owns for a way of deleting.
fn finalizer_name(how: Finalizing) -> &'static str {
    match how {
        Finalizing::Orphan => "orphan",
        _ => "foregroundDeletion",
    }
}

pub fn reconcile(f: &Facts) -> Proposals {
    let mut rt = Crepe::new();
    rt.extend(f.owner_refs.iter().map(|r| OwnerRef(r.child, r.owner_uid, r.block)));
    rt.extend(f.by_uid.iter().map(|(&u, &id)| Live(u, id)));
    rt.extend(f.deleting.iter().map(|&(id, how)| Deleting(id, f.uids[id as usize], how)));
    rt.extend(
        f.deleting.iter().filter(|&&(id, how)| held_elsewhere(f, id, how)).map(|&(id, _)| HeldElsewhere(id)),
    );
    let (collects, drops, cascades, finals, dropped_finalizers) = rt.run_with_hasher::<FxBuildHasher>();

    let mut out: Vec<(u8, Id, Action)> = Vec::new();
    let mut by_dependent: std::collections::BTreeMap<Id, Vec<Sym>> = Default::default();
    for DropRef(d, u) in drops {
        by_dependent.entry(d).or_default().push(u);
    }
    for (d, gone) in by_dependent {
        let gone: Vec<&str> = gone.iter().map(|&u| f.syms.resolve(u)).collect();
        let kept: Vec<Value> = model::owner_refs(f.raw(d))
            .filter(|r| !gone.contains(&model::str_at(r, &["uid"])))
            .cloned()
            .collect();
        let patch = json!({"metadata": {"ownerReferences": if kept.is_empty() { Value::Null } else { Value::Array(kept) }}});
        out.push((
            0,
            d,
            Action::new(
                Change::Patch { key: f.key(d).clone(), patch, precondition: Precondition::None },
                NAME,
                "owner deleted with orphan propagation or gone: remove owner reference",
            ),
        ));
    }
    for Collect(d) in collects {
        out.push((
            1,
            d,
            Action::new(
                Change::Delete { key: f.key(d).clone(), propagation: Propagation::Background },
                NAME,
                "all owners are gone: delete dependent",
            ),
        ));
    }
    for CascadeForeground(d, owns) in cascades {
        let (propagation, why) = if owns {
            (
                Propagation::Foreground,
                "owner is being deleted in the foreground: delete dependent (foreground: it owns objects)",
            )
        } else {
            (Propagation::Background, "owner is being deleted in the foreground: delete dependent")
        };
        out.push((1, d, Action::new(Change::Delete { key: f.key(d).clone(), propagation }, NAME, why)));
    }
    for DropFinalizer(o, how) in dropped_finalizers {
        let name = finalizer_name(how);
        let kept: Vec<Value> = model::at(f.raw(o), &["metadata", "finalizers"])
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|x| x.as_str() != Some(name))
            .cloned()
            .collect();
        let patch = json!({"metadata": {"finalizers": if kept.is_empty() { Value::Null } else { Value::Array(kept) }}});
        out.push((
            2,
            o,
            Action::new(
                Change::Patch { key: f.key(o).clone(), patch, precondition: Precondition::None },
                NAME,
                format!("nothing left to wait for: remove finalizer {name} (the object is still held by its own deletion)"),
            ),
        ));
    }
    for Finalize(o, how) in finals {
        let why = match how {
            Finalizing::Orphan => "dependents orphaned: remove owner",
            _ => "no blocking dependents left: remove owner",
        };
        out.push((2, o, Action::new(Change::Remove { key: f.key(o).clone() }, NAME, why)));
    }
    out.sort_by(|a, b| (a.0, f.key(a.1)).cmp(&(b.0, f.key(b.1))));
    out.into_iter().map(|(_, _, a)| a).collect::<Vec<_>>().into()
}

/// Whether an object being deleted stays once the garbage collector's finalizer for `how` is
/// removed: it carries another finalizer, or it is a pod bound to a node (its kubelet finishes
/// the graceful deletion).
fn held_elsewhere(f: &Facts, id: Id, how: Finalizing) -> bool {
    let obj = f.raw(id);
    let own = finalizer_name(how);
    let other_finalizers = model::at(obj, &["metadata", "finalizers"])
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|x| x.as_str() != Some(own));
    let graceful_pod = f.key(id).kind == "Pod" && !model::str_at(obj, &["spec", "nodeName"]).is_empty();
    other_finalizers || graceful_pod
}
