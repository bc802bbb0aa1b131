//! Properties of the Job controller, checked after every step by an oracle that reads the
//! state itself (pods' phases and deletion timestamps, the Job's spec): whatever the Job's
//! size, completion mode, failures and parallelism changes,
//! - it never has more active pods (not finished, not being deleted) than `parallelism`, nor
//!   reports more;
//! - it never has more succeeded pods than `completions`, nor reports more;
//! - the run converges, and a Complete Job reports exactly `completions` successes, a Failed
//!   one a reason.
//!
//! Driven through the library (driver + API server), one step at a time.

use konverge::actions::{Action, Change, Precondition};
use konverge::driver::{self, Outcome, RunOptions};
use konverge::model::ObjKey;
use konverge::state::{self, State};
use proptest::prelude::*;
use serde_json::{json, Value};

fn node(i: usize) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": format!("node-{i}"), "labels": {"kubernetes.io/hostname": format!("node-{i}")}},
        "status": {"allocatable": {"cpu": "8", "memory": "16Gi", "pods": "110"}, "conditions": [{"type": "Ready", "status": "True"}]},
    })
}

#[derive(Clone, Debug)]
struct JobCase {
    completions: i64,
    parallelism: i64,
    indexed: bool,
    run_for: i64,
    fail_attempts: i64,
    backoff_limit: i64,
    /// (step, new parallelism): a `patch` of the parallelism after that many steps.
    rescale: Option<(usize, i64)>,
}

fn job(c: &JobCase) -> Value {
    json!({
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": "work", "namespace": "default"},
        "spec": {
            "completions": c.completions,
            "parallelism": c.parallelism,
            "completionMode": if c.indexed { "Indexed" } else { "NonIndexed" },
            "backoffLimit": c.backoff_limit,
            "template": {
                "metadata": {"annotations": {
                    "konverge.io/run-for": format!("{}s", c.run_for),
                    "konverge.io/fail-attempts": c.fail_attempts.to_string(),
                }},
                "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox"}]},
            },
        },
    })
}

/// The oracle: (active pods, succeeded pods) of the Job, read from the pods themselves.
fn pods_of_job(s: &State) -> (i64, i64) {
    let mut active = 0;
    let mut succeeded = 0;
    for p in s.of_kind("Pod", Some("default")) {
        let owned = p["metadata"]["ownerReferences"]
            .as_array()
            .is_some_and(|r| r.iter().any(|o| o["name"] == "work"));
        if !owned {
            continue;
        }
        let phase = p["status"]["phase"].as_str().unwrap_or("");
        let deleting = p["metadata"].get("deletionTimestamp").is_some();
        if phase == "Succeeded" {
            succeeded += 1;
        } else if phase != "Failed" && !deleting {
            active += 1;
        }
    }
    (active, succeeded)
}

fn check_step(s: &State, c: &JobCase, parallelism: i64, step: usize) -> Result<(), TestCaseError> {
    let (active, succeeded) = pods_of_job(s);
    let job = s.get("Job", "default", "work").expect("the Job");
    let reported = |k: &str| job["status"][k].as_i64().unwrap_or(0);
    prop_assert!(active <= parallelism, "step {}: {} active pods, parallelism {}", step, active, parallelism);
    prop_assert!(reported("active") <= parallelism, "step {}: reports {} active", step, reported("active"));
    prop_assert!(
        succeeded <= c.completions,
        "step {}: {} succeeded pods of {}",
        step,
        succeeded,
        c.completions
    );
    prop_assert!(
        reported("succeeded") <= c.completions,
        "step {}: reports {} succeeded",
        step,
        reported("succeeded")
    );
    Ok(())
}

fn patch_parallelism(n: i64) -> Action {
    Action::new(
        Change::Patch {
            key: ObjKey::new("Job", "default", "work"),
            patch: json!({"spec": {"parallelism": n}}),
            precondition: Precondition::None,
        },
        "kubectl",
        "test",
    )
}

fn case() -> impl Strategy<Value = JobCase> {
    (
        1i64..=8,
        1i64..=4,
        any::<bool>(),
        1i64..=8,
        0i64..=3,
        0i64..=8,
        prop::option::of((1usize..30, 0i64..=5)),
    )
        .prop_map(
            |(completions, parallelism, indexed, run_for, fail_attempts, backoff_limit, rescale)| JobCase {
                completions,
                parallelism,
                indexed,
                run_for,
                fail_attempts,
                backoff_limit,
                rescale,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 48,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn a_job_never_runs_more_than_parallelism_nor_succeeds_more_than_completions(c in case()) {
        let mut s = State::empty();
        let mut user: Vec<Action> = (1..=2)
            .map(|i| Action::new(Change::Create { object: state::normalize(node(i)) }, "kubectl", "test"))
            .collect();
        user.push(Action::new(Change::Create { object: job(&c) }, "kubectl", "test"));
        let one_step = RunOptions { steps: Some(1), ..RunOptions::default() };
        let mut parallelism = c.parallelism;
        let mut converged = false;
        for step in 0..600 {
            // The step of the patch may still hold the old pods; from the next one on, the
            // new parallelism bounds them.
            if let Some((_, n)) = c.rescale.filter(|&(at, _)| at == step) {
                user.push(patch_parallelism(n));
                parallelism = parallelism.max(n);
            }
            let trace = driver::run(&mut s, std::mem::take(&mut user), &one_step);
            if c.rescale.is_some_and(|(at, _)| step > at) {
                parallelism = c.rescale.map_or(parallelism, |(_, n)| n);
            }
            check_step(&s, &c, parallelism, step)?;
            if trace.outcome == Outcome::Converged {
                converged = true;
                break;
            }
        }
        prop_assert!(converged, "{:?} did not converge", c);
        let job = s.get("Job", "default", "work").expect("the Job");
        let conditions: Vec<&str> = job["status"]["conditions"].as_array().into_iter().flatten()
            .filter(|c| c["status"] == "True").filter_map(|c| c["type"].as_str()).collect();
        let finished = conditions.contains(&"Complete") || conditions.contains(&"Failed");
        let never_runs = c.rescale.is_some_and(|(_, n)| n == 0);
        prop_assert!(finished || never_runs, "{:?}: {:?}", c, job["status"]);
        if conditions.contains(&"Complete") {
            prop_assert_eq!(job["status"]["succeeded"].as_i64(), Some(c.completions));
            prop_assert_eq!(pods_of_job(&s).1, c.completions);
        }
    }
}
