//! Garbage collector (upstream `pkg/controller/garbagecollector`).
//!
//! Owner references form a graph: the `OwnerRef` relation, walked one level per step. Each
//! reference of an object not itself being deleted is classified as upstream
//! `classifyReferences` does: **dangling** when no object of the referenced kind, name and uid
//! exists (in the dependent's namespace, unless the owner is cluster-scoped: `isDangling`),
//! **waiting** when the owner is being deleted in the foreground, **solid** otherwise. Then
//! `attemptToDeleteItem`:
//! - with a solid owner left, the object stays and only loses its dangling and waiting
//!   references;
//! - with none, an object some owner waits for is deleted in the foreground when it has
//!   dependents of its own, and every other object with a dangling or waiting reference is
//!   deleted in the background.
//!
//! Orphan deletion (`--cascade=orphan`, formerly `--cascade=false`): the owner waits with the
//! `orphan` finalizer while its dependents lose their reference to it (`attemptToOrphan`),
//! then goes — at once when nothing names it. Foreground deletion: the owner waits with
//! `foregroundDeletion` until no dependent that blocks owner deletion is left
//! (`processDeletingDependentsItem`).
//!
//! An owner carrying both finalizers is orphaned: `orphan` is handled first (the API server's
//! `deletionFinalizersForGarbageCollection` never leaves both).
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
    pub struct OwnerRef(pub Id, pub Sym, pub bool);
    // (dependent, owner uid, owner): the reference names an object that exists (kind, name,
    // namespace and uid agree).
    @input
    pub struct Resolved(pub Id, pub Sym, pub Id);
    // (object, its uid).
    @input
    pub struct Uid(pub Id, pub Sym);
    // Objects with a deletionTimestamp: (object, uid).
    @input
    pub struct BeingDeleted(pub Id, pub Sym);
    // (object being deleted, a finalizer it carries).
    @input
    pub struct HasFinalizer(pub Id, pub Finalizing);
    // A pod being deleted with a grace period: its kubelet finishes the deletion.
    @input
    pub struct GracefulDeletion(pub Id);

    // (owner, uid, how): deleted with the garbage collector's orphan or foregroundDeletion
    // finalizer.
    struct Deleting(Id, Sym, Finalizing);
    // Something besides that finalizer still holds the object.
    struct HeldElsewhere(Id, Finalizing);
    struct Terminating(Id);
    struct DeletingDependents(Id);
    struct Attempted(Id);
    struct Dangling(Id, Sym);
    struct Waiting(Id, Sym);
    struct Solid(Id);
    struct WaitedFor(Id);
    struct Unowned(Id);
    struct HasDependent(Sym);
    struct HasBlockingDependent(Sym);
    struct OwnsDependents(Id);
    struct Unblocked(Id, Finalizing);

    // Delete an object none of whose owners is left or waits for it.
    @output
    pub struct Collect(pub Id);
    // Remove a reference to an owner that is gone, waits for its dependents while another
    // owner keeps the object, or is being orphaned: (dependent, owner uid).
    @output
    pub struct DropRef(pub Id, pub Sym);
    // Delete a dependent an owner waits for: (dependent, in the foreground because it owns
    // objects itself).
    @output
    pub struct CascadeForeground(pub Id, pub bool);
    // Remove an owner whose orphan/foreground finalizer has nothing left to wait for.
    @output
    pub struct Finalize(pub Id, pub Finalizing);
    // Remove only that finalizer: something else still holds the object.
    @output
    pub struct DropFinalizer(pub Id, pub Finalizing);

    Terminating(o) <- BeingDeleted(o, _);
    Deleting(o, u, Finalizing::Orphan) <- BeingDeleted(o, u), HasFinalizer(o, Finalizing::Orphan);
    Deleting(o, u, Finalizing::Foreground) <-
        BeingDeleted(o, u), HasFinalizer(o, Finalizing::Foreground), !HasFinalizer(o, Finalizing::Orphan);
    HeldElsewhere(o, how) <- Deleting(o, _, how), HasFinalizer(o, other), (other != how);
    HeldElsewhere(o, how) <- Deleting(o, _, how), GracefulDeletion(o);
    DeletingDependents(o) <- Deleting(o, _, Finalizing::Foreground);
    HasDependent(u) <- OwnerRef(_, u, _);
    HasBlockingDependent(u) <- OwnerRef(_, u, true);
    OwnsDependents(d) <- Uid(d, u), HasDependent(u);

    // attemptToDeleteItem: an object being deleted is left alone; classifyReferences.
    Attempted(d) <- OwnerRef(d, _, _), !Terminating(d);
    Dangling(d, u) <- Attempted(d), OwnerRef(d, u, _), !Resolved(d, u, _);
    Waiting(d, u) <- Attempted(d), Resolved(d, u, o), DeletingDependents(o);
    Solid(d) <- Attempted(d), Resolved(d, _, o), !DeletingDependents(o);
    WaitedFor(d) <- Waiting(d, _);
    Unowned(d) <- Dangling(d, _), !Solid(d);
    Unowned(d) <- WaitedFor(d), !Solid(d);
    DropRef(d, u) <- Dangling(d, u), Solid(d);
    DropRef(d, u) <- Waiting(d, u), Solid(d);
    CascadeForeground(d, true) <- Unowned(d), WaitedFor(d), OwnsDependents(d);
    CascadeForeground(d, false) <- Unowned(d), WaitedFor(d), !OwnsDependents(d);
    Collect(d) <- Unowned(d), !WaitedFor(d);

    // attemptToOrphan and processDeletingDependentsItem.
    DropRef(d, u) <- Deleting(_, u, Finalizing::Orphan), OwnerRef(d, u, _);
    Unblocked(o, Finalizing::Orphan) <- Deleting(o, u, Finalizing::Orphan), !HasDependent(u);
    Unblocked(o, Finalizing::Foreground) <- Deleting(o, u, Finalizing::Foreground), !HasBlockingDependent(u);
    Finalize(o, how) <- Unblocked(o, how), !HeldElsewhere(o, how);
    DropFinalizer(o, how) <- Unblocked(o, how), HeldElsewhere(o, how);
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
    rt.extend(f.owner_refs.iter().filter_map(|r| Some(Resolved(r.child, r.owner_uid, r.owner?))));
    rt.extend(f.by_uid.iter().map(|(&u, &id)| Uid(id, u)));
    rt.extend(f.deleting.iter().map(|&id| BeingDeleted(id, f.uids[id as usize])));
    rt.extend(f.finalizers.iter().map(|&(id, kind)| HasFinalizer(id, kind)));
    rt.extend(f.graceful_deletions.iter().map(|&id| GracefulDeletion(id)));
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
