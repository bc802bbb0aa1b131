//! Garbage collector (upstream `pkg/controller/garbagecollector`).
//!
//! Owner references form a graph: the `OwnerRef` relation, walked one level per step. Background
//! deletion: the owner is gone at once and the collector deletes dependents whose owners are
//! all gone (a dependent that still has a live owner only loses the dangling reference).
//! Orphan deletion (`--cascade=orphan`, formerly `--cascade=false`): the owner waits with the
//! `orphan` finalizer while its dependents lose their reference to it, then goes. Foreground
//! deletion: the owner waits with `foregroundDeletion` while its dependents are deleted
//! (foreground too), and goes once no blocking dependent is left.

use crate::actions::{Action, Change, Precondition, Propagation};
use crate::facts::{Facts, Finalizing, Id, Sym};
use crate::model;
use crepe::crepe;
use rustc_hash::FxBuildHasher;
use serde_json::{json, Value};

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

    struct HasLiveOwner(Id);
    struct Dangling(Id, Sym);
    struct HasDependent(Sym);
    struct HasBlockingDependent(Sym);
    struct BeingDeleted(Id);

    // Delete a dependent whose owners are all gone.
    @output
    pub struct Collect(Id);
    // Remove a reference to an owner that is gone or being orphaned: (dependent, owner uid).
    @output
    pub struct DropRef(Id, Sym);
    // Delete a dependent of an owner in foreground deletion.
    @output
    pub struct CascadeForeground(Id);
    // Remove an owner whose orphan/foreground finalizer has nothing left to wait for.
    @output
    pub struct Finalize(Id, Finalizing);

    HasLiveOwner(d) <- OwnerRef(d, u, _), Live(u, _);
    Dangling(d, u) <- OwnerRef(d, u, _), !Live(u, _);
    BeingDeleted(d) <- Deleting(d, _, _);
    Collect(d) <- Dangling(d, _), !HasLiveOwner(d), !BeingDeleted(d);
    DropRef(d, u) <- Dangling(d, u), HasLiveOwner(d);
    DropRef(d, u) <- Deleting(_, u, Finalizing::Orphan), OwnerRef(d, u, _);
    CascadeForeground(d) <- Deleting(_, u, Finalizing::Foreground), OwnerRef(d, u, _), !BeingDeleted(d);
    HasDependent(u) <- OwnerRef(_, u, _);
    HasBlockingDependent(u) <- OwnerRef(_, u, true);
    Finalize(o, Finalizing::Orphan) <- Deleting(o, u, Finalizing::Orphan), !HasDependent(u);
    Finalize(o, Finalizing::Foreground) <- Deleting(o, u, Finalizing::Foreground), !HasBlockingDependent(u);
}

pub fn reconcile(f: &Facts) -> Vec<Action> {
    let mut rt = Crepe::new();
    rt.extend(f.owner_refs.iter().map(|r| OwnerRef(r.child, r.owner_uid, r.block)));
    rt.extend(f.by_uid.iter().map(|(&u, &id)| Live(u, id)));
    rt.extend(f.deleting.iter().map(|&(id, how)| Deleting(id, f.uids[id as usize], how)));
    let (collects, drops, cascades, finals) = rt.run_with_hasher::<FxBuildHasher>();

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
                "garbage-collector",
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
                "garbage-collector",
                "all owners are gone: delete dependent",
            ),
        ));
    }
    for CascadeForeground(d) in cascades {
        out.push((
            1,
            d,
            Action::new(
                Change::Delete { key: f.key(d).clone(), propagation: Propagation::Foreground },
                "garbage-collector",
                "owner is being deleted in the foreground: delete dependent",
            ),
        ));
    }
    for Finalize(o, how) in finals {
        let why = match how {
            Finalizing::Orphan => "dependents orphaned: remove owner",
            _ => "no blocking dependents left: remove owner",
        };
        out.push((2, o, Action::new(Change::Remove { key: f.key(o).clone() }, "garbage-collector", why)));
    }
    out.sort_by(|a, b| (a.0, f.key(a.1)).cmp(&(b.0, f.key(b.1))));
    out.into_iter().map(|(_, _, a)| a).collect()
}
