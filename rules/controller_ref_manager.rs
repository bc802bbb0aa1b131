//! Claiming children by controller reference (upstream `pkg/controller/controller_ref_manager.go`,
//! `ClaimObject`), shared by every controller that owns objects through a label selector: the
//! ReplicaSet, DaemonSet, StatefulSet and Job controllers claim pods, the Deployment controller
//! claims ReplicaSets.
//!
//! A controller looks at some children (`Considered`: the ReplicaSet controller only at active
//! pods, the others at all of them) and asks which of its owners each one `Matches` (the
//! selector, plus the controller's own filters such as a StatefulSet's `<set>-<ordinal>` names).
//! - A child it controls and that matches is **owned**.
//! - A child it controls that no longer matches is **released** (its reference removed), unless
//!   the owner is being deleted.
//! - An orphan (no controller reference at all) that matches is **adopted** by an owner that
//!   is not being deleted, unless the orphan itself is being deleted. Upstream every matching owner tries and the API
//!   server lets the first adoption through; here the claimant is chosen up front: the first
//!   matching owner in key order (ids follow key order), so no orphan is counted twice.

use crate::actions::{Action, Change, Precondition};
use crate::facts::{Facts, Id};
use crate::{model, podtemplate};
use crepe::crepe;
use rustc_hash::{FxBuildHasher, FxHashMap};
use serde_json::{json, Value};

crepe! {
    // (owner, being deleted).
    @input
    pub struct Owner(pub Id, pub bool);
    // A child the controller looks at.
    @input
    pub struct Considered(pub Id);
    // (child, owner): the child's controller reference resolves to this owner.
    @input
    pub struct ControlledBy(pub Id, pub Id);
    // A child with no controller reference.
    @input
    pub struct Orphan(pub Id);
    // A child with a deletionTimestamp.
    @input
    pub struct ChildDeleting(pub Id);
    // (owner, child): the owner's selector and filters match the child.
    @input
    pub struct Matches(pub Id, pub Id);

    // (owner, child).
    @output
    pub struct Owned(pub Id, pub Id);
    @output
    pub struct Adopt(pub Id, pub Id);
    @output
    pub struct Release(pub Id, pub Id);

    struct Offered(Id, Id);
    struct OfferedEarlier(Id, Id);

    Owned(o, c) <- ControlledBy(c, o), Considered(c), Matches(o, c);
    Release(o, c) <- ControlledBy(c, o), Considered(c), Owner(o, false), !Matches(o, c);
    Offered(o, c) <- Orphan(c), Considered(c), !ChildDeleting(c), Matches(o, c), Owner(o, false);
    OfferedEarlier(o, c) <- Offered(o, c), Offered(earlier, c), (earlier < o);
    Adopt(o, c) <- Offered(o, c), !OfferedEarlier(o, c);
}

/// The facts one controller feeds the claim rules (see `facts::claims` for pods).
#[derive(Debug, Default)]
pub struct ClaimInputs {
    /// (owner, being deleted).
    pub owners: Vec<(Id, bool)>,
    pub considered: Vec<Id>,
    /// (child, owner).
    pub controlled_by: Vec<(Id, Id)>,
    pub orphans: Vec<Id>,
    /// Children being deleted.
    pub deleting: Vec<Id>,
    /// (owner, child).
    pub matches: Vec<(Id, Id)>,
}

/// What a controller claims: (owner, child) pairs, each list sorted.
#[derive(Debug, Default)]
pub struct Claims {
    pub owned: Vec<(Id, Id)>,
    pub adopt: Vec<(Id, Id)>,
    pub release: Vec<(Id, Id)>,
}

impl Claims {
    /// The children each owner claims (owned and about to be adopted), in id order.
    pub fn by_owner(&self) -> FxHashMap<Id, Vec<Id>> {
        let mut m: FxHashMap<Id, Vec<Id>> = FxHashMap::default();
        for &(o, c) in self.owned.iter().chain(&self.adopt) {
            m.entry(o).or_default().push(c);
        }
        for children in m.values_mut() {
            children.sort_unstable();
        }
        m
    }
}

/// Run the claim rules.
pub fn claim(inputs: &ClaimInputs) -> Claims {
    let mut rt = Crepe::new();
    rt.extend(inputs.owners.iter().map(|&(o, deleting)| Owner(o, deleting)));
    rt.extend(inputs.considered.iter().map(|&c| Considered(c)));
    rt.extend(inputs.controlled_by.iter().map(|&(c, o)| ControlledBy(c, o)));
    rt.extend(inputs.orphans.iter().map(|&c| Orphan(c)));
    rt.extend(inputs.deleting.iter().map(|&c| ChildDeleting(c)));
    rt.extend(inputs.matches.iter().map(|&(o, c)| Matches(o, c)));
    let (owned, adopt, release) = rt.run_with_hasher::<FxBuildHasher>();
    let sorted = |v: Vec<(Id, Id)>| {
        let mut v = v;
        v.sort_unstable();
        v
    };
    Claims {
        owned: sorted(owned.into_iter().map(|Owned(o, c)| (o, c)).collect()),
        adopt: sorted(adopt.into_iter().map(|Adopt(o, c)| (o, c)).collect()),
        release: sorted(release.into_iter().map(|Release(o, c)| (o, c)).collect()),
    }
}

/// The patches that adopt and release children, proposed by `controller`, as (owner, child,
/// action): adoptions first, then releases, each in the children's key order. An adoption adds
/// the controller reference (refused if someone else adopted the child first); a release
/// removes the owner's reference and keeps the others.
pub fn adopt_and_release(f: &Facts, claims: &Claims, controller: &'static str) -> Vec<(Id, Id, Action)> {
    let mut out = Vec::new();
    let mut adopt: Vec<(&model::ObjKey, Id, Id)> =
        claims.adopt.iter().map(|&(o, c)| (f.key(c), o, c)).collect();
    adopt.sort_unstable();
    for (child, owner, id) in adopt {
        let mut refs: Vec<Value> = model::owner_refs(f.raw(id)).cloned().collect();
        refs.push(podtemplate::controller_ref(f.raw(owner)));
        let action = Action::new(
            Change::Patch {
                key: child.clone(),
                patch: json!({"metadata": {"ownerReferences": refs}}),
                precondition: Precondition::NoController,
            },
            controller,
            format!("orphan matches selector of {}: adopt", f.key(owner).ns_name()),
        );
        out.push((owner, id, action));
    }
    let mut release: Vec<(&model::ObjKey, Id, Id)> =
        claims.release.iter().map(|&(o, c)| (f.key(c), o, c)).collect();
    release.sort_unstable();
    for (child, owner, id) in release {
        let owner_uid = model::uid(f.raw(owner));
        let kept: Vec<Value> = model::owner_refs(f.raw(id))
            .filter(|r| model::str_at(r, &["uid"]) != owner_uid)
            .cloned()
            .collect();
        let refs = if kept.is_empty() { Value::Null } else { Value::Array(kept) };
        let action = Action::new(
            Change::Patch {
                key: child.clone(),
                patch: json!({"metadata": {"ownerReferences": refs}}),
                precondition: Precondition::None,
            },
            controller,
            format!("labels no longer match selector of {}: release", f.key(owner).ns_name()),
        );
        out.push((owner, id, action));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(inputs: ClaimInputs) -> Claims {
        claim(&inputs)
    }

    /// upstream `TestClaimPods` ("Claim pods with correct label", "Controller releases claimed
    /// pods when selector doesn't match", "Controller deletes claimed pods when selector doesn't
    /// match": a deleting owner keeps what it has but releases nothing).
    #[test]
    fn owned_adopted_and_released_like_claim_object() {
        // Owner 1 live, owner 2 being deleted; children 10..=14.
        let c = run(ClaimInputs {
            owners: vec![(1, false), (2, true)],
            considered: vec![10, 11, 12, 13, 14],
            controlled_by: vec![(10, 1), (11, 1), (13, 2)],
            orphans: vec![12, 14],
            deleting: vec![],
            matches: vec![(1, 10), (1, 12), (2, 14)],
        });
        assert_eq!(c.owned, [(1, 10)], "controlled and matching");
        assert_eq!(c.release, [(1, 11)], "controlled, not matching, owner live");
        assert_eq!(c.adopt, [(1, 12)], "orphan matching a live owner; never a deleting one");
    }

    /// upstream `TestClaimPods` "Controller does not claim orphaned pods marked for deletion":
    /// a controlled child being deleted stays owned, an orphan being deleted is not adopted
    /// (`ClaimObject`: "Ignore if the object is being deleted").
    #[test]
    fn orphans_being_deleted_are_not_adopted() {
        let c = run(ClaimInputs {
            owners: vec![(1, false)],
            considered: vec![10, 11],
            controlled_by: vec![(10, 1)],
            orphans: vec![11],
            deleting: vec![10, 11],
            matches: vec![(1, 10), (1, 11)],
        });
        assert_eq!(c.owned, [(1, 10)]);
        assert!(c.adopt.is_empty() && c.release.is_empty());
    }

    /// upstream `TestClaimPods` "Controller marked for deletion can not claim new pods": a
    /// deleting owner keeps the children it controls and adopts no orphan.
    #[test]
    fn a_deleting_owner_adopts_nothing() {
        let c = run(ClaimInputs {
            owners: vec![(1, true)],
            considered: vec![10, 11],
            controlled_by: vec![(10, 1)],
            orphans: vec![11],
            matches: vec![(1, 10), (1, 11)],
            ..ClaimInputs::default()
        });
        assert_eq!(c.owned, [(1, 10)]);
        assert!(c.adopt.is_empty() && c.release.is_empty());
    }

    /// Children the controller does not look at are neither claimed nor released (the
    /// ReplicaSet controller's `FilterActivePods` before claiming).
    #[test]
    fn unconsidered_children_are_left_alone() {
        let c = run(ClaimInputs {
            owners: vec![(1, false)],
            considered: vec![],
            controlled_by: vec![(10, 1)],
            orphans: vec![11],
            matches: vec![(1, 11)],
            ..ClaimInputs::default()
        });
        assert!(c.owned.is_empty() && c.adopt.is_empty() && c.release.is_empty());
    }

    /// An orphan matching two owners goes to the first in key order only.
    #[test]
    fn an_orphan_is_offered_to_one_owner() {
        let c = run(ClaimInputs {
            owners: vec![(1, false), (2, false), (3, true)],
            considered: vec![10],
            orphans: vec![10],
            matches: vec![(3, 10), (2, 10), (1, 10)],
            ..ClaimInputs::default()
        });
        assert_eq!(c.adopt, [(1, 10)]);
        assert_eq!(c.by_owner().get(&1), Some(&vec![10]));
        assert_eq!(c.by_owner().get(&2), None);
    }
}
