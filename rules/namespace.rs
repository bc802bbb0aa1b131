//! Namespace controller (upstream `pkg/controller/namespace`, `NamespacedResourcesDeleter`).
//!
//! A Namespace being deleted (deletionTimestamp set, phase Terminating) has everything in it
//! deleted; once nothing is left in it, its `kubernetes` finalizer is removed and the
//! Namespace goes. Objects already being deleted are left to finish.

use crate::actions::{Action, Change, Propagation};
use crate::controllers::{Controller, Proposals};
use crate::facts::{Facts, Id, Sym};
use crepe::crepe;
use rustc_hash::{FxBuildHasher, FxHashMap, FxHashSet};

crepe! {
    // (namespace object, its name) for Namespaces being deleted.
    @input
    pub struct Terminating(Id, Sym);
    // (object, namespace name, being deleted) for every namespaced object.
    @input
    pub struct Content(Id, Sym, bool);

    // Objects in a terminating namespace that are not yet being deleted.
    @output
    pub struct DeleteContent(Id, Id);
    // Terminating namespaces with nothing left in them.
    @output
    pub struct Finalize(Id);

    struct HasContent(Sym);

    HasContent(ns) <- Content(_, ns, _);
    DeleteContent(o, n) <- Terminating(n, ns), Content(o, ns, false);
    Finalize(n) <- Terminating(n, ns), !HasContent(ns);
}

pub const CONTROLLER: Controller =
    Controller { name: "namespace", component: "namespace-controller", reconcile };

/// Deletes for the content of terminating namespaces, then the removal of those left empty.
pub fn reconcile(f: &Facts) -> Proposals {
    let terminating: Vec<Id> =
        f.deleting.iter().copied().filter(|id| f.key(*id).kind == "Namespace").collect();
    if terminating.is_empty() {
        return Proposals::default();
    }
    let deleting: FxHashSet<Id> = f.deleting.iter().copied().collect();
    // Namespace names as small local symbols (the snapshot does not intern them).
    let mut names: FxHashMap<&str, Sym> = FxHashMap::default();
    let mut rt = Crepe::new();
    for &n in &terminating {
        let next = names.len() as Sym;
        let ns = *names.entry(f.key(n).name.as_str()).or_insert(next);
        rt.extend([Terminating(n, ns)]);
    }
    for (i, key) in f.keys.iter().enumerate() {
        if let Some(&ns) = names.get(key.namespace.as_str()) {
            let id = i as Id;
            rt.extend([Content(id, ns, deleting.contains(&id))]);
        }
    }
    let (deletes, finalizes) = rt.run_with_hasher::<FxBuildHasher>();
    let mut deletes: Vec<DeleteContent> = deletes.into_iter().collect();
    deletes.sort_by(|a, b| f.key(a.0).cmp(f.key(b.0)));
    let mut finalizes: Vec<Finalize> = finalizes.into_iter().collect();
    finalizes.sort_by(|a, b| f.key(a.0).cmp(f.key(b.0)));
    let mut out: Vec<Action> = deletes
        .into_iter()
        .map(|DeleteContent(o, n)| {
            Action::new(
                Change::Delete { key: f.key(o).clone(), propagation: Propagation::Background },
                "namespace",
                format!("namespace {} is terminating: delete its content", f.key(n).name),
            )
        })
        .collect();
    out.extend(finalizes.into_iter().map(|Finalize(n)| finalize(f, n)));
    out.into()
}

fn finalize(f: &Facts, n: Id) -> Action {
    Action::new(
        Change::Remove { key: f.key(n).clone() },
        "namespace",
        "namespace is empty: finalize and remove",
    )
}
