//! Property: whatever volumes and claims are created (sizes, access modes, classes, volume
//! modes, volumes pre-bound to claims, claims naming volumes, several claims that pick one
//! volume in one step) and whichever claims are deleted part way, after every step no volume
//! is bound to two claims, no claim to two volumes, and a Bound claim and its volume point at
//! each other; every run converges; and at the end no Pending claim that searches has an
//! Available volume that fits it.
//!
//! The oracle reads the stored objects alone (never the controller's facts or search), and is
//! checked after each step: the run goes one step at a time through the library.

use konverge::actions::{Action, Change, Propagation};
use konverge::driver::{self, RunOptions};
use konverge::model::{self, ObjKey};
use konverge::quantity::Quantity;
use konverge::state::State;
use proptest::prelude::*;
use serde_json::{json, Value};
use std::collections::BTreeMap;

const SIZES: [&str; 4] = ["1Gi", "2Gi", "5Gi", "10Gi"];
const MODES: [&[&str]; 4] = [
    &["ReadWriteOnce"],
    &["ReadWriteOnce", "ReadWriteMany"],
    &["ReadOnlyMany"],
    &["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany"],
];
const CLASSES: [&str; 2] = ["", "gold"];

#[derive(Clone, Debug)]
struct VolumeSpec {
    size: usize,
    modes: usize,
    class: usize,
    block: bool,
    /// Pre-bound (claimRef by name) to claim number n, if any.
    prebound: Option<usize>,
}

#[derive(Clone, Debug)]
struct ClaimSpec {
    size: usize,
    modes: usize,
    class: usize,
    block: bool,
    /// Names volume number n (`spec.volumeName`), if any.
    names: Option<usize>,
    /// Deleted after this many steps, if at all.
    deleted_after: Option<usize>,
}

fn volume_spec() -> impl Strategy<Value = VolumeSpec> {
    (0..4usize, 0..4usize, 0..2usize, prop::bool::weighted(0.15), prop::option::weighted(0.15, 0..8usize))
        .prop_map(|(size, modes, class, block, prebound)| VolumeSpec { size, modes, class, block, prebound })
}

fn claim_spec() -> impl Strategy<Value = ClaimSpec> {
    (
        0..4usize,
        0..4usize,
        0..2usize,
        prop::bool::weighted(0.15),
        prop::option::weighted(0.15, 0..8usize),
        prop::option::weighted(0.3, 1..6usize),
    )
        .prop_map(|(size, modes, class, block, names, deleted_after)| ClaimSpec {
            size,
            modes,
            class,
            block,
            names,
            deleted_after,
        })
}

fn volume(i: usize, v: &VolumeSpec) -> Value {
    let mut pv = json!({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": format!("pv-{i}")},
        "spec": {"capacity": {"storage": SIZES[v.size]}, "accessModes": MODES[v.modes], "nfs": {"server": "s", "path": format!("/{i}")},
                 "storageClassName": CLASSES[v.class], "volumeMode": if v.block { "Block" } else { "Filesystem" }}});
    if let Some(c) = v.prebound {
        pv["spec"]["claimRef"] = json!({"namespace": "default", "name": format!("claim-{c}")});
    }
    pv
}

fn claim(i: usize, c: &ClaimSpec, volumes: usize) -> Value {
    let mut pvc = json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": format!("claim-{i}"), "namespace": "default"},
        "spec": {"accessModes": MODES[c.modes], "resources": {"requests": {"storage": SIZES[c.size]}},
                 "storageClassName": CLASSES[c.class], "volumeMode": if c.block { "Block" } else { "Filesystem" }}});
    if let Some(v) = c.names.filter(|&v| v < volumes) {
        pvc["spec"]["volumeName"] = json!(format!("pv-{v}"));
    }
    pvc
}

fn user(change: Change) -> Action {
    Action::new(change, "kubectl", "test")
}

fn nano(q: &Value) -> i128 {
    model::quantity_str(q).and_then(|s| Quantity::parse(&s)).map_or(0, |q| q.nano)
}

/// The invariants of one state, from the stored objects alone.
fn check_bindings(objects: &BTreeMap<ObjKey, Value>, step: usize) -> Result<(), TestCaseError> {
    let volumes: BTreeMap<&str, &Value> = objects
        .iter()
        .filter(|(k, _)| k.kind == "PersistentVolume")
        .map(|(k, v)| (k.name.as_str(), v))
        .collect();
    let claims: Vec<&Value> =
        objects.iter().filter(|(k, _)| k.kind == "PersistentVolumeClaim").map(|(_, v)| v).collect();
    // No volume bound to two claims: Bound claims name distinct volumes.
    let mut taken: BTreeMap<&str, &str> = BTreeMap::new();
    for c in claims.iter().filter(|c| model::str_at(c, &["status", "phase"]) == "Bound") {
        let v = model::str_at(c, &["spec", "volumeName"]);
        prop_assert!(!v.is_empty(), "step {}: a Bound claim {} names no volume", step, model::name(c));
        if let Some(other) = taken.insert(v, model::name(c)) {
            prop_assert!(
                false,
                "step {}: volume {} bound to claims {} and {}",
                step,
                v,
                other,
                model::name(c)
            );
        }
        // The volume points back at the claim.
        let pv = volumes.get(v);
        prop_assert!(
            pv.is_some(),
            "step {}: claim {} is Bound to missing volume {}",
            step,
            model::name(c),
            v
        );
        let pv = pv.copied().unwrap_or(&Value::Null);
        prop_assert_eq!(
            model::str_at(pv, &["spec", "claimRef", "uid"]),
            model::uid(c),
            "step {}: {} ↔ {}",
            step,
            v,
            model::name(c)
        );
    }
    // No claim bound to two volumes: Bound volumes carry distinct claim uids.
    let mut holders: BTreeMap<&str, &str> = BTreeMap::new();
    for (name, pv) in volumes.iter().filter(|(_, v)| model::str_at(v, &["status", "phase"]) == "Bound") {
        let uid = model::str_at(pv, &["spec", "claimRef", "uid"]);
        prop_assert!(!uid.is_empty(), "step {}: Bound volume {} has no claim uid", step, name);
        if let Some(other) = holders.insert(uid, name) {
            prop_assert!(false, "step {}: claim {} holds volumes {} and {}", step, uid, other, name);
        }
    }
    Ok(())
}

/// At the end: a Pending claim that searches (names no volume, bind not completed) has no
/// Available, unclaimed volume of its class and volume mode that is big enough and has all its
/// modes — nor one pre-bound to it.
fn check_nothing_left_to_bind(objects: &BTreeMap<ObjKey, Value>) -> Result<(), TestCaseError> {
    let mode_set = |v: &Value| -> Vec<String> {
        model::at(v, &["spec", "accessModes"])
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|m| m.as_str().map(String::from))
            .collect()
    };
    for c in objects.iter().filter(|(k, _)| k.kind == "PersistentVolumeClaim").map(|(_, v)| v) {
        let searching = model::str_at(c, &["spec", "volumeName"]).is_empty()
            && model::annotation(c, "pv.kubernetes.io/bind-completed").is_none()
            && model::at(c, &["metadata", "deletionTimestamp"]).is_none();
        if !searching {
            continue;
        }
        for (k, pv) in objects.iter().filter(|(k, _)| k.kind == "PersistentVolume") {
            let free = model::str_at(pv, &["status", "phase"]) == "Available"
                && model::at(pv, &["spec", "claimRef"]).is_none();
            let fits = nano(&pv["spec"]["capacity"]["storage"])
                >= nano(&c["spec"]["resources"]["requests"]["storage"])
                && model::str_at(pv, &["spec", "storageClassName"])
                    == model::str_at(c, &["spec", "storageClassName"])
                && model::str_at(pv, &["spec", "volumeMode"]) == model::str_at(c, &["spec", "volumeMode"])
                && mode_set(c).iter().all(|m| mode_set(pv).contains(m));
            prop_assert!(
                !(free && fits),
                "claim {} is left Pending although {} fits it",
                model::name(c),
                k.name
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn no_volume_is_ever_bound_twice(
        volumes in prop::collection::vec(volume_spec(), 1..8),
        claims in prop::collection::vec(claim_spec(), 1..8),
    ) {
        let mut state = State::empty();
        let mut creates: Vec<Action> = volumes.iter().enumerate().map(|(i, v)| user(Change::Create { object: volume(i, v) })).collect();
        creates.extend(claims.iter().enumerate().map(|(i, c)| user(Change::Create { object: claim(i, c, volumes.len()) })));
        let mut pending = Some(creates);
        let one = RunOptions { steps: Some(1), ..RunOptions::default() };
        let mut converged = false;
        for step in 0..60 {
            let mut batch = pending.take().unwrap_or_default();
            batch.extend(claims.iter().enumerate().filter(|(_, c)| c.deleted_after == Some(step)).map(|(i, _)| {
                user(Change::Delete { key: ObjKey::new("PersistentVolumeClaim", "default", &format!("claim-{i}")), propagation: Propagation::Background })
            }));
            let user_acted = !batch.is_empty();
            let trace = driver::run(&mut state, batch, &one);
            check_bindings(&state.objects, step)?;
            let deletions_left = claims.iter().any(|c| c.deleted_after.is_some_and(|d| d > step));
            if trace.steps.iter().all(|s| s.actions.is_empty() && s.conflicts.is_empty()) && !user_acted && !deletions_left {
                converged = true;
                break;
            }
        }
        prop_assert!(converged, "no convergence in 60 steps");
        check_nothing_left_to_bind(&state.objects)?;
    }
}
