//! Property: whatever sequence of `scale` operations (0..=30 replicas) runs against a
//! ReplicaSet on 1–4 nodes, every run converges in a few steps, ends with exactly `replicas`
//! pods, all Running and Ready on existing nodes, creates exactly the missing pods and deletes
//! exactly the surplus (never more than needed).
//!
//! Driven through the library (driver + API server) rather than the binary, to keep many cases
//! fast; the CLI path is covered by the other test files.

use konverge::actions::{Action, Change};
use konverge::driver::{self, RunOptions, Trace};
use konverge::model::ObjKey;
use konverge::state::{self, State};
use proptest::prelude::*;
use serde_json::{json, Value};

fn node(i: usize) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": format!("node-{i}"), "labels": {"kubernetes.io/hostname": format!("node-{i}")}},
        "status": {
            "allocatable": {"cpu": "4", "memory": "8Gi", "pods": "110"},
            "conditions": [{"type": "Ready", "status": "True"}],
        },
    })
}

fn replica_set(replicas: i64) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {"name": "myapp", "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "myapp"}},
            "template": {"metadata": {"labels": {"app": "myapp"}}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}},
        },
    })
}

fn rs_key() -> ObjKey {
    ObjKey::new("ReplicaSet", "default", "myapp")
}

fn user(change: Change) -> Action {
    Action::new(change, "kubectl", "test")
}

fn count(trace: &Trace, verb: &str, controller: &str) -> i64 {
    trace
        .steps
        .iter()
        .flat_map(|s| &s.actions)
        .filter(|a| a.verb == verb && a.key.kind == "Pod" && a.controller == controller)
        .count() as i64
}

/// Check the converged state: exactly `replicas` pods, all Running and Ready on a node that
/// exists, none terminating, and a status that says so.
fn check_state(s: &State, replicas: i64, nodes: usize) -> Result<(), TestCaseError> {
    let pods: Vec<&Value> = s.of_kind("Pod", Some("default")).collect();
    prop_assert_eq!(pods.len() as i64, replicas);
    for p in &pods {
        prop_assert!(p.pointer("/metadata/deletionTimestamp").is_none());
        prop_assert_eq!(p.pointer("/status/phase"), Some(&json!("Running")));
        let ready = p["status"]["conditions"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|c| c["type"] == "Ready" && c["status"] == "True");
        prop_assert!(ready, "pod not Ready: {}", p);
        let node = p.pointer("/spec/nodeName").and_then(Value::as_str).unwrap_or("");
        prop_assert!((1..=nodes).any(|i| node == format!("node-{i}")), "bound to {:?}", node);
    }
    let rs = s.get("ReplicaSet", "default", "myapp").expect("the set");
    prop_assert_eq!(&rs["spec"]["replicas"], &json!(replicas));
    prop_assert_eq!(&rs["status"]["replicas"], &json!(replicas));
    let ready = rs["status"]["readyReplicas"].as_i64().unwrap_or(0);
    prop_assert_eq!(ready, replicas);
    prop_assert_eq!(&rs["status"]["observedGeneration"], &rs["metadata"]["generation"]);
    Ok(())
}

/// Run one reconcile and check how it went: converged, in a few steps, without conflicts,
/// creating and deleting exactly the difference.
fn check_run(trace: &Trace, had: i64, want: i64) -> Result<(), TestCaseError> {
    prop_assert!(trace.converged(), "{:?}", trace.outcome);
    prop_assert!(trace.steps.len() <= 5, "{} steps", trace.steps.len());
    let conflicts: Vec<_> = trace.steps.iter().flat_map(|s| &s.conflicts).collect();
    prop_assert!(conflicts.is_empty(), "{:?}", conflicts);
    prop_assert_eq!(count(trace, "create", "replicaset"), (want - had).max(0));
    prop_assert_eq!(count(trace, "delete", "replicaset"), (had - want).max(0));
    // Every created pod is bound once and started once.
    prop_assert_eq!(count(trace, "bind", "scheduler"), (want - had).max(0));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 96,
        // The checked-in regressions are replayed before new cases (the path is relative to
        // the package root, where cargo runs integration tests).
        failure_persistence: Some(Box::new(proptest::test_runner::FileFailurePersistence::Direct(
            "tests/prop_replicaset.proptest-regressions",
        ))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn scaling_always_converges_to_exactly_the_replicas(
        nodes in 1usize..=4,
        initial in 0i64..=30,
        ops in prop::collection::vec(0i64..=30, 1..8),
    ) {
        let mut s = State::empty();
        let mut create: Vec<Action> =
            (1..=nodes).map(|i| user(Change::Create { object: state::normalize(node(i)) })).collect();
        create.push(user(Change::Create { object: replica_set(initial) }));
        let trace = driver::run(&mut s, create, &RunOptions::default());
        check_run(&trace, 0, initial)?;
        check_state(&s, initial, nodes)?;
        let mut have = initial;
        for want in ops {
            let trace = driver::run(
                &mut s,
                vec![user(Change::Scale { key: rs_key(), replicas: want, patch: None })],
                &RunOptions::default(),
            );
            check_run(&trace, have, want)?;
            check_state(&s, want, nodes)?;
            have = want;
        }
    }
}
