//! Property: whatever a user does to an OrderedReady StatefulSet (scale it, change its image,
//! delete pods, make pods fail or stop being Ready, with pods that take a while to become Ready),
//! the controller never creates ordinal k while a lower ordinal of the set is not Running and
//! Ready, creates and deletes at most one pod per step, and scales down from the highest
//! ordinal.
//!
//! The oracle is independent of the controller: it reads the state the controllers saw before
//! each step (pod names, phases and Ready conditions, straight from the objects) and the pod
//! actions the statefulset controller took in that step. User changes are admitted through the
//! API server between steps, so that the state before a step is exactly what the step saw.

mod common;

use common::sim::{key, stateful_set, Sim};
use konverge::actions::{Change, Precondition, Propagation};
use konverge::apiserver::ApiServer;
use konverge::driver::{self, RunOptions, Trace};
use konverge::state::State;
use proptest::prelude::*;
use serde_json::{json, Value};
use std::collections::BTreeMap;

#[derive(Clone, Debug)]
enum Op {
    Scale(i64),
    Image(u8),
    DeletePod(i64),
    FailPod(i64),
    Unready(i64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0i64..6).prop_map(Op::Scale),
        (0u8..3).prop_map(Op::Image),
        (0i64..6).prop_map(Op::DeletePod),
        (0i64..6).prop_map(Op::FailPod),
        (0i64..6).prop_map(Op::Unready),
    ]
}

fn change(op: &Op) -> Change {
    let patch = |kind: &str, name: &str, patch: Value| Change::Patch {
        key: key(kind, name),
        patch,
        precondition: Precondition::None,
    };
    match op {
        Op::Scale(n) => patch("StatefulSet", "web", json!({"spec": {"replicas": n}})),
        Op::Image(i) => patch(
            "StatefulSet",
            "web",
            json!({"spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": format!("nginx:{i}")}]}}}}),
        ),
        Op::DeletePod(k) => {
            Change::Delete { key: key("Pod", &format!("web-{k}")), propagation: Propagation::Background }
        }
        Op::FailPod(k) => patch("Pod", &format!("web-{k}"), json!({"status": {"phase": "Failed"}})),
        Op::Unready(k) => patch(
            "Pod",
            &format!("web-{k}"),
            json!({"status": {"conditions": [{"type": "Ready", "status": "False"}]}}),
        ),
    }
}

/// The ordinal of a pod of `web`, from its name.
fn ordinal(name: &str) -> Option<i64> {
    name.strip_prefix("web-").and_then(|o| o.parse().ok())
}

/// Pods of the set in a state: ordinal → (Running and Ready, terminating).
fn pods(s: &State) -> BTreeMap<i64, (bool, bool)> {
    s.of_kind("Pod", Some("default"))
        .filter_map(|p| {
            let o = ordinal(p["metadata"]["name"].as_str()?)?;
            let ready = p["status"]["phase"] == "Running"
                && p["status"]["conditions"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|c| c["type"] == "Ready" && c["status"] == "True");
            Some((o, (ready, p["metadata"]["deletionTimestamp"].is_string())))
        })
        .collect()
}

/// Check one step: `before` is the state its controllers read.
fn check_step(before: &State, trace: &Trace) -> Result<(), TestCaseError> {
    let seen = pods(before);
    let replicas =
        before.get("StatefulSet", "default", "web").and_then(|s| s["spec"]["replicas"].as_i64()).unwrap_or(0);
    for step in &trace.steps {
        let mine: Vec<_> =
            step.actions.iter().filter(|a| a.controller == "statefulset" && a.key.kind == "Pod").collect();
        let creates: Vec<i64> =
            mine.iter().filter(|a| a.verb == "create").filter_map(|a| ordinal(&a.key.name)).collect();
        let deletes: Vec<i64> =
            mine.iter().filter(|a| a.verb == "delete").filter_map(|a| ordinal(&a.key.name)).collect();
        prop_assert!(creates.len() <= 1, "step {}: more than one pod created: {:?}", step.step, creates);
        prop_assert!(deletes.len() <= 1, "step {}: more than one pod deleted: {:?}", step.step, deletes);
        for k in creates {
            for j in 0..k {
                let ok = seen.get(&j).is_some_and(|&(ready, terminating)| ready && !terminating);
                prop_assert!(
                    ok,
                    "step {}: web-{} created while web-{} is not Running and Ready: {:?}",
                    step.step,
                    k,
                    j,
                    seen
                );
            }
        }
        for k in deletes.iter().filter(|&&k| k >= replicas) {
            let highest = seen.keys().max().copied().unwrap_or(-1);
            prop_assert_eq!(*k, highest, "step {}: scale down deletes the highest ordinal first", step.step);
        }
    }
    Ok(())
}

/// Run up to `steps` steps one at a time, checking each.
fn steps(s: &mut State, steps: usize) -> Result<bool, TestCaseError> {
    for _ in 0..steps {
        let before = s.clone();
        let trace = driver::run(s, vec![], &RunOptions { steps: Some(1), ..RunOptions::default() });
        check_step(&before, &trace)?;
        if trace.converged() {
            return Ok(true);
        }
    }
    Ok(false)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn ordered_ready_never_runs_ahead_of_a_lower_ordinal(
        replicas in 1i64..5,
        ready_after in prop_oneof![Just(0i64), Just(5), Just(30)],
        ops in prop::collection::vec((op(), 1usize..8), 1..8),
    ) {
        let mut sim = Sim::new();
        let template = json!({"template": {"metadata": {"annotations": {"konverge.io/ready-after": format!("{ready_after}s")}}}});
        let mut state = std::mem::take(&mut sim.state);
        ApiServer::new(&mut state).admit(&Change::Create { object: stateful_set("web", replicas, template) }).expect("create");
        steps(&mut state, 60)?;
        for (op, wait) in &ops {
            // A change to an object that is gone is a NotFound, as it would be for kubectl.
            let _ = ApiServer::new(&mut state).admit(&change(op));
            steps(&mut state, *wait)?;
        }
        steps(&mut state, 200)?;
    }
}
