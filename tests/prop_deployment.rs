//! Property: a rolling update keeps upstream's bounds at every step and converges.
//!
//! Random Deployments (replicas 0–60; maxSurge / maxUnavailable as integers or percentages, not
//! both zero; minReadySeconds 0–30 with or without a `konverge.io/ready-after` delay; paused or
//! not) start fully available on three roomy nodes, then get a new image. At every step:
//!
//! * pods of the Deployment that are not being deleted ≤ replicas + maxSurge (rounded up);
//! * available pods ≥ replicas − maxUnavailable (rounded down; both zero → 1 unavailable;
//!   never more than replicas).
//!
//! The run converges; every pod then runs the new image and only the newest ReplicaSet has
//! replicas — unless the Deployment is paused, where nothing rolls out at all.
//!
//! The number of steps is bounded by the number of batches the bounds allow (at most 16 steps a
//! batch) and printed per case to stderr (`cargo test --test prop_deployment -- --nocapture`).
//! Cases: `KONVERGE_PROP_CASES` (default 48; 1,500 ran in about 40 s).

use konverge::actions::{Action, Change, Precondition};
use konverge::driver::{self, Outcome, RunOptions, Trace};
use konverge::model::{self, ObjKey};
use konverge::state::State;
use konverge::validate::IntOrPercent;
use proptest::prelude::*;
use serde_json::{json, Value};

const NODES: usize = 3;

#[derive(Clone, Debug)]
struct Case {
    replicas: i64,
    surge: IntOrPercent,
    unavailable: IntOrPercent,
    min_ready: i64,
    /// `konverge.io/ready-after` in seconds (0: no annotation).
    ready_after: i64,
    paused: bool,
}

fn int_or_percent() -> impl Strategy<Value = IntOrPercent> {
    prop_oneof![(0i64..=12).prop_map(IntOrPercent::Int), (0i64..=100).prop_map(IntOrPercent::Percent)]
}

fn case() -> impl Strategy<Value = Case> {
    let ready_after = prop_oneof![Just(0i64), 1i64..=20];
    (0i64..=60, int_or_percent(), int_or_percent(), 0i64..=30, ready_after, prop::bool::weighted(0.2))
        .prop_filter("maxSurge and maxUnavailable may not both be 0", |(_, s, u, ..)| {
            s.scaled(100, true) != 0 || u.scaled(100, true) != 0
        })
        .prop_map(|(replicas, surge, unavailable, min_ready, ready_after, paused)| Case {
            replicas,
            surge,
            unavailable,
            min_ready,
            ready_after,
            paused,
        })
}

fn json_of(v: IntOrPercent) -> Value {
    match v {
        IntOrPercent::Int(i) => json!(i),
        IntOrPercent::Percent(p) => json!(format!("{p}%")),
    }
}

fn node(i: usize) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": format!("node-{i}"), "labels": {"kubernetes.io/hostname": format!("node-{i}")}},
        "status": {
            "allocatable": {"cpu": "64", "memory": "256Gi", "pods": "110"},
            "capacity": {"cpu": "64", "memory": "256Gi", "pods": "110"},
            "conditions": [{"type": "Ready", "status": "True"}],
        },
    })
}

fn deployment(c: &Case) -> Value {
    let mut template = json!({
        "metadata": {"labels": {"app": "web"}},
        "spec": {"containers": [{"name": "web", "image": "web:v1"}]},
    });
    if c.ready_after > 0 {
        template["metadata"]["annotations"] =
            json!({"konverge.io/ready-after": format!("{}s", c.ready_after)});
    }
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "replicas": c.replicas,
            "minReadySeconds": c.min_ready,
            "selector": {"matchLabels": {"app": "web"}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": json_of(c.surge), "maxUnavailable": json_of(c.unavailable)}},
            "template": template,
        },
    })
}

fn user(change: Change) -> Action {
    Action::new(change, "kubectl", "test")
}

fn patch_deployment(patch: Value) -> Action {
    user(Change::Patch {
        key: ObjKey::new("Deployment", "default", "web"),
        patch,
        precondition: Precondition::None,
    })
}

fn run(state: &mut State, actions: Vec<Action>) -> Trace {
    driver::run(state, actions, &RunOptions { max_steps: Some(3000), ..RunOptions::default() })
}

/// Pods of `web` that are not being deleted, after each step (index 0: before the run).
fn pod_counts(trace: &Trace, start: i64) -> Vec<i64> {
    let mut n = start;
    let mut out = vec![n];
    for s in &trace.steps {
        for a in s.actions.iter().filter(|a| a.key.kind == "Pod") {
            match a.verb {
                "create" => n += 1,
                "delete" => n -= 1,
                _ => {}
            }
        }
        out.push(n);
    }
    out
}

fn live_pods(state: &State) -> Vec<&Value> {
    state
        .of_kind("Pod", Some("default"))
        .filter(|p| model::at(p, &["metadata", "deletionTimestamp"]).is_none())
        .collect()
}

/// The oracle for availability, read straight from the pods (upstream `IsPodAvailable`, not
/// konverge's helper): not being deleted, Ready True, and with minReadySeconds a Ready
/// transition time more than `min_ready` seconds before now.
fn available_pods(state: &State, min_ready: i64) -> i64 {
    let available = |p: &&Value| {
        let conditions = p["status"]["conditions"].as_array().cloned().unwrap_or_default();
        let Some(ready) = conditions.iter().find(|c| c["type"] == "Ready" && c["status"] == "True") else {
            return false;
        };
        if min_ready == 0 {
            return true;
        }
        let since = ready["lastTransitionTime"].as_str().and_then(model::parse_time);
        since.is_some_and(|t| t + min_ready < state.now)
    };
    live_pods(state).into_iter().filter(|p| available(p)).count() as i64
}

fn image(pod: &Value) -> &str {
    model::str_at(&pod["spec"]["containers"][0], &["image"])
}

fn check(c: &Case) -> Result<usize, TestCaseError> {
    let mut state = State::empty();
    let d = deployment(c);
    konverge::validate::object(&d).map_err(|e| TestCaseError::fail(format!("invalid case: {e:?}")))?;
    let mut create: Vec<Action> = (0..NODES).map(|i| user(Change::Create { object: node(i) })).collect();
    create.push(user(Change::Create { object: d }));
    let t = run(&mut state, create);
    prop_assert!(t.converged(), "initial rollout did not converge: {:?}", t.outcome);
    let key = ObjKey::new("Deployment", "default", "web");
    let status = |s: &State, k: &str| model::i64_at(&s.objects[&key], &["status", k]).unwrap_or(0);
    prop_assert_eq!(status(&state, "availableReplicas"), c.replicas, "fully available before the update");
    if c.paused {
        let t = run(&mut state, vec![patch_deployment(json!({"spec": {"paused": true}}))]);
        prop_assert!(t.converged());
    }

    // Upstream's numbers: surge rounds up, unavailable down, both zero → 1, capped at replicas.
    let r = c.replicas;
    let surge = c.surge.scaled(r, true);
    let mut unavailable = c.unavailable.scaled(r, false);
    if surge == 0 && unavailable == 0 {
        unavailable = 1;
    }
    let unavailable = unavailable.min(r);

    let before = live_pods(&state).len() as i64;
    let rs_before = state.of_kind("ReplicaSet", Some("default")).count();
    // One step at a time, so that availability can be checked on every state the controllers
    // see, by the oracle below rather than the controllers' own helper.
    let mut t = Trace {
        start: state.now,
        steps: Vec::new(),
        outcome: Outcome::Stopped,
        timelines: Default::default(),
        watch: Default::default(),
    };
    let mut user = vec![patch_deployment(
        json!({"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "web:v2"}]}}}}),
    )];
    let mut lowest = (i64::MAX, 0);
    while t.outcome == Outcome::Stopped && t.steps.len() < 3000 {
        let one = driver::run(
            &mut state,
            std::mem::take(&mut user),
            &RunOptions { steps: Some(1), ..RunOptions::default() },
        );
        t.steps.extend(one.steps);
        t.outcome = one.outcome;
        let available = available_pods(&state, c.min_ready);
        if available < lowest.0 {
            lowest = (available, t.steps.len());
        }
    }
    prop_assert!(t.converged(), "set image did not converge: {:?} after {} steps", t.outcome, t.steps.len());
    prop_assert!(
        lowest.0 >= r - unavailable,
        "after step {}: {} available, replicas {} - maxUnavailable {}",
        lowest.1,
        lowest.0,
        r,
        unavailable
    );
    let counts = pod_counts(&t, before);
    let peak = counts.iter().copied().max().unwrap_or(0);
    prop_assert!(
        peak <= r + surge,
        "{} pods at a step, replicas {} + maxSurge {}: {:?}",
        peak,
        r,
        surge,
        counts
    );

    let pods = live_pods(&state);
    prop_assert_eq!(pods.len() as i64, r);
    let sets: Vec<&Value> = state.of_kind("ReplicaSet", Some("default")).collect();
    if c.paused {
        prop_assert!(pods.iter().all(|p| image(p) == "web:v1"), "paused: nothing rolls out");
        prop_assert_eq!(sets.len(), rs_before, "paused: no new ReplicaSet");
        prop_assert!(counts.iter().all(|&n| n == before), "paused: no pod created or deleted");
    } else {
        prop_assert!(pods.iter().all(|p| image(p) == "web:v2"), "every pod runs the new template");
        prop_assert_eq!(sets.len(), rs_before + 1);
        for rs in &sets {
            let spec = model::replicas(rs);
            let is_new = image(&rs["spec"]["template"]) == "web:v2";
            prop_assert_eq!(spec, if is_new { r } else { 0 }, "{}", model::name(rs));
        }
        prop_assert_eq!(status(&state, "updatedReplicas"), r);
        prop_assert_eq!(status(&state, "availableReplicas"), r);
    }
    // Steps grow with the number of batches the bounds allow, not with anything else: a batch
    // (scale up, create, bind, start, ready, status, scale down, delete, remove) takes 8–16.
    let batches = (r + surge + unavailable - 1).max(0) / (surge + unavailable).max(1);
    let bound = 16 * batches as usize + 20;
    prop_assert!(t.steps.len() <= bound, "{} steps for {} batches", t.steps.len(), batches);
    Ok(t.steps.len())
}

fn cases() -> u32 {
    std::env::var("KONVERGE_PROP_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(48)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: Some(Box::new(proptest::test_runner::FileFailurePersistence::Direct(
            "tests/prop_deployment.proptest-regressions",
        ))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn rolling_update_keeps_its_bounds_and_converges(c in case()) {
        let steps = check(&c)?;
        eprintln!(
            "replicas {:>2}  maxSurge {:>5}  maxUnavailable {:>5}  minReady {:>2}s  ready-after {:>2}s  paused {:<5}  → {} steps",
            c.replicas, json_of(c.surge).to_string(), json_of(c.unavailable).to_string(), c.min_ready, c.ready_after, c.paused, steps
        );
    }
}

/// The seed's shape: 2 replicas, 25%/25% → 1 surge, 0 unavailable; the default case of the
/// property, pinned so that it always runs.
#[test]
fn seed_shaped_case() {
    let c = Case {
        replicas: 2,
        surge: IntOrPercent::Percent(25),
        unavailable: IntOrPercent::Percent(25),
        min_ready: 0,
        ready_after: 0,
        paused: false,
    };
    let steps = check(&c).expect("bounds hold");
    assert!(steps <= 20, "{steps} steps");
}

/// Slow pods: ready 20 s after start and 30 s minReadySeconds; the run still ends complete
/// (the clock jumps to when pods become available instead of stopping or timing out).
#[test]
fn slow_pods_case() {
    let c = Case {
        replicas: 10,
        surge: IntOrPercent::Int(3),
        unavailable: IntOrPercent::Int(0),
        min_ready: 30,
        ready_after: 20,
        paused: false,
    };
    check(&c).expect("bounds hold");
}
