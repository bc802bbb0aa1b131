//! Property: whatever the nodes (1–6, some of them outside the DaemonSet's nodeSelector), the
//! rolling-update budget (maxUnavailable or maxSurge, as an integer or a percentage), the
//! minReadySeconds and how long new pods take to become ready, a DaemonSet's rolling update
//! never leaves more than maxUnavailable of the nodes it should run on without an available
//! pod, after any step; and it ends with exactly one available pod of the new template on each
//! of those nodes and none elsewhere.
//!
//! The oracle reads the state after every step on its own: which nodes are eligible (their
//! labels against the nodeSelector), which pods sit on them (bound, not being deleted, owned by
//! the DaemonSet), whether those are available (Ready for minReadySeconds), and the budget
//! (`ceil(p% × eligible)`, both zero meaning one) — none of it through the controller's
//! helpers. Driven through the library (driver + API server), one step at a time.

use konverge::actions::{Action, Change, Precondition};
use konverge::driver::{self, Outcome, RunOptions};
use konverge::model::{self, ObjKey};
use konverge::state::State;
use proptest::prelude::*;
use serde_json::{json, Value};

#[derive(Clone, Debug)]
struct Case {
    /// Per node: whether it carries the label the nodeSelector asks for.
    labelled: Vec<bool>,
    /// Whether the DaemonSet has a nodeSelector at all.
    selective: bool,
    /// (maxSurge, maxUnavailable) as given in the manifest.
    surge: Value,
    unavailable: Value,
    min_ready: i64,
    ready_after: i64,
}

fn node(i: usize, labelled: bool) -> Value {
    let mut labels = json!({"kubernetes.io/hostname": format!("node-{i}")});
    if labelled {
        labels["tier"] = json!("daemon");
    }
    json!({
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": format!("node-{i}"), "labels": labels},
        "status": {
            "allocatable": {"cpu": "4", "memory": "8Gi", "pods": "110"},
            "conditions": [{"type": "Ready", "status": "True"}],
        },
    })
}

fn daemon_set(c: &Case) -> Value {
    let mut spec = json!({"containers": [{"name": "c", "image": "v1"}]});
    if c.selective {
        spec["nodeSelector"] = json!({"tier": "daemon"});
    }
    json!({
        "apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": {"name": "ds", "namespace": "default"},
        "spec": {
            "minReadySeconds": c.min_ready,
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": c.surge, "maxUnavailable": c.unavailable}},
            "selector": {"matchLabels": {"app": "ds"}},
            "template": {
                "metadata": {"labels": {"app": "ds"}, "annotations": {"konverge.io/ready-after": format!("{}s", c.ready_after)}},
                "spec": spec,
            },
        },
    })
}

fn user(change: Change) -> Action {
    Action::new(change, "kubectl", "test")
}

/// `intstr.GetScaledValueFromIntOrPercent(v, total, roundUp=true)`.
fn scaled(v: &Value, total: i64) -> i64 {
    match v {
        Value::String(s) => {
            let p: i64 = s.trim_end_matches('%').parse().expect("percent");
            (p * total + 99) / 100
        }
        other => other.as_i64().expect("int"),
    }
}

/// The nodes the DaemonSet should run on.
fn eligible(c: &Case) -> Vec<String> {
    (0..c.labelled.len()).filter(|&i| !c.selective || c.labelled[i]).map(|i| format!("node-{i}")).collect()
}

/// The oracle's budget: maxUnavailable of the eligible nodes, rounded up; with maxSurge and
/// maxUnavailable both zero, one.
fn max_unavailable(c: &Case) -> i64 {
    let n = eligible(c).len() as i64;
    let (s, u) = (scaled(&c.surge, n), scaled(&c.unavailable, n));
    if n > 0 && s == 0 && u == 0 {
        1
    } else {
        u
    }
}

fn ready_since(pod: &Value) -> Option<i64> {
    pod["status"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == "Ready" && c["status"] == "True")
        .and_then(|c| model::parse_time(c["lastTransitionTime"].as_str()?))
}

/// The DaemonSet's pods bound to `node`, not being deleted: (image, available).
fn pods_on<'a>(s: &'a State, node: &'a str, min_ready: i64) -> impl Iterator<Item = (String, bool)> + 'a {
    s.of_kind("Pod", Some("default"))
        .filter(move |p| p["spec"]["nodeName"] == node && p["metadata"].get("deletionTimestamp").is_none())
        .filter(|p| model::controller_ref(p).is_some_and(|(k, n, _)| k == "DaemonSet" && n == "ds"))
        .map(move |p| {
            let image = p["spec"]["containers"][0]["image"].as_str().unwrap_or("").to_string();
            let available = ready_since(p).is_some_and(|t| t + min_ready <= s.now);
            (image, available)
        })
}

fn without_available_pod(s: &State, c: &Case) -> Vec<String> {
    eligible(c).into_iter().filter(|n| !pods_on(s, n, c.min_ready).any(|(_, a)| a)).collect()
}

fn run_one_step(s: &mut State, user_actions: Vec<Action>) -> Outcome {
    let trace = driver::run(s, user_actions, &RunOptions { steps: Some(1), ..RunOptions::default() });
    trace.outcome
}

fn check(c: &Case) -> Result<(), TestCaseError> {
    let mut s = State::empty();
    let mut create: Vec<Action> =
        c.labelled.iter().enumerate().map(|(i, &l)| user(Change::Create { object: node(i, l) })).collect();
    create.push(user(Change::Create { object: daemon_set(c) }));
    let trace = driver::run(&mut s, create, &RunOptions::default());
    prop_assert!(trace.converged(), "{:?}", trace.outcome);
    prop_assert!(without_available_pod(&s, c).is_empty(), "converged before the update");

    let budget = max_unavailable(c);
    let mut pending = vec![user(Change::Patch {
        key: ObjKey::new("DaemonSet", "default", "ds"),
        patch: json!({"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "v2"}]}}}}),
        precondition: Precondition::None,
    })];
    let mut steps = 0;
    loop {
        let outcome = run_one_step(&mut s, std::mem::take(&mut pending));
        steps += 1;
        let lacking = without_available_pod(&s, c);
        prop_assert!(
            lacking.len() as i64 <= budget,
            "step {steps}: {} eligible nodes without an available pod (maxUnavailable {budget}): {lacking:?}",
            lacking.len()
        );
        match outcome {
            Outcome::Converged => break,
            Outcome::Stopped => {}
            other => return Err(TestCaseError::fail(format!("{other:?}"))),
        }
        prop_assert!(steps < 400, "no convergence");
    }
    for n in eligible(c) {
        let pods: Vec<(String, bool)> = pods_on(&s, &n, c.min_ready).collect();
        prop_assert_eq!(pods, vec![("v2".to_string(), true)], "on {}", n);
    }
    for i in 0..c.labelled.len() {
        let n = format!("node-{i}");
        if !eligible(c).contains(&n) {
            prop_assert_eq!(pods_on(&s, &n, c.min_ready).count(), 0, "on {}", n);
        }
    }
    let ds = s.get("DaemonSet", "default", "ds").expect("ds");
    let desired = eligible(c).len() as i64;
    prop_assert_eq!(ds["status"]["desiredNumberScheduled"].as_i64(), Some(desired));
    prop_assert_eq!(ds["status"]["updatedNumberScheduled"].as_i64().unwrap_or(0), desired);
    prop_assert_eq!(ds["status"]["numberAvailable"].as_i64().unwrap_or(0), desired);
    Ok(())
}

fn int_or_percent(max: i64) -> impl Strategy<Value = Value> {
    prop_oneof![(1..=max).prop_map(|i| json!(i)), (1..=100i64).prop_map(|p| json!(format!("{p}%")))]
}

fn case() -> impl Strategy<Value = Case> {
    (prop::collection::vec(any::<bool>(), 1..=6), any::<bool>(), any::<bool>(), 0..=3i64, 0..=3i64)
        .prop_flat_map(|(labelled, selective, surging, min_ready, ready_after)| {
            let n = labelled.len() as i64;
            let budget = int_or_percent(n);
            (Just(labelled), Just(selective), Just(surging), budget, Just(min_ready), Just(ready_after))
        })
        .prop_map(|(labelled, selective, surging, budget, min_ready, ready_after)| {
            let (surge, unavailable) = if surging { (budget, json!(0)) } else { (json!(0), budget) };
            Case { labelled, selective, surge, unavailable, min_ready, ready_after }
        })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn rolling_update_keeps_within_max_unavailable(c in case()) {
        check(&c)?;
    }
}

/// The seed's case, and the two edge budgets, always checked.
#[test]
fn fixed_cases() {
    let base = Case {
        labelled: vec![true, true],
        selective: false,
        surge: json!(0),
        unavailable: json!(1),
        min_ready: 0,
        ready_after: 0,
    };
    let cases = [
        base.clone(),
        Case { surge: json!("100%"), unavailable: json!(0), min_ready: 2, ready_after: 3, ..base.clone() },
        Case {
            labelled: vec![true, false, true, true],
            selective: true,
            unavailable: json!("50%"),
            ready_after: 2,
            ..base
        },
    ];
    for c in &cases {
        check(c).unwrap_or_else(|e| panic!("{c:?}: {e}"));
    }
}
