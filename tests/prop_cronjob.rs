//! Properties of the CronJob controller, checked after every step of random histories.
//!
//! A random CronJob (schedule, concurrency policy, history limits, starting deadline) lives
//! through random operations: the clock runs on (`advance`), the oldest unfinished Job succeeds
//! or fails (a status patch as the Job controller writes it), the CronJob is suspended or
//! resumed. After every step the oracle reads the raw objects — the Jobs whose controller
//! reference names the CronJob and their conditions — and checks:
//!
//! * Forbid and Replace never have two unfinished Jobs;
//! * Jobs finished `Complete` never outnumber `successfulJobsHistoryLimit`, nor `Failed` ones
//!   `failedJobsHistoryLimit` (Jobs finish by a user patch, and the controller reads it in the
//!   same step, so no step may show more);
//! * no Job is created for a start time that is not one of the schedule's (the Job's name is
//!   `<cronjob>-<minutes>` of a start time, and its scheduled-timestamp annotation says the same
//!   minute).
//!
//! Cases: `KONVERGE_PROP_CASES` (default 32).

use konverge::actions::{Action, Change, Precondition};
use konverge::driver::{self, Outcome, RunOptions};
use konverge::model::{self, ObjKey};
use konverge::state::State;
use proptest::prelude::*;
use serde_json::{json, Value};

const SCHEDULES: &[&str] = &["*/5 * * * *", "*/7 * * * *", "0,20,40 * * * *", "*/3 * * * *"];

#[derive(Clone, Debug)]
struct Case {
    schedule: usize,
    policy: &'static str,
    successful: i64,
    failed: i64,
    deadline: Option<i64>,
    ops: Vec<Op>,
}

#[derive(Clone, Debug)]
enum Op {
    Advance(i64),
    Finish(bool),
    Suspend(bool),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (1i64..=40).prop_map(|m| Op::Advance(m * 60)),
        4 => prop::bool::weighted(0.7).prop_map(Op::Finish),
        1 => any::<bool>().prop_map(Op::Suspend),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    (
        0..SCHEDULES.len(),
        prop::sample::select(vec!["Allow", "Forbid", "Replace"]),
        0i64..=3,
        0i64..=2,
        prop::option::of(0i64..=600),
        prop::collection::vec(op(), 1..24),
    )
        .prop_map(|(schedule, policy, successful, failed, deadline, ops)| Case {
            schedule,
            policy,
            successful,
            failed,
            deadline,
            ops,
        })
}

fn cron_job(c: &Case) -> Value {
    let mut cj = json!({
        "apiVersion": "batch/v1", "kind": "CronJob",
        "metadata": {"name": "prop", "namespace": "default"},
        "spec": {
            "schedule": SCHEDULES[c.schedule], "concurrencyPolicy": c.policy,
            "successfulJobsHistoryLimit": c.successful, "failedJobsHistoryLimit": c.failed,
            "jobTemplate": {"spec": {"template": {"spec": {
                "restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox"}]}}}}
        }
    });
    if let Some(d) = c.deadline {
        cj["spec"]["startingDeadlineSeconds"] = json!(d);
    }
    cj
}

fn user(change: Change) -> Action {
    Action::new(change, "kubectl", "test")
}

/// The CronJob's Jobs as (name, finished: None / Some("Complete") / Some("Failed")), read from
/// the raw objects.
fn jobs(state: &State) -> Vec<(String, Option<String>, Value)> {
    state
        .of_kind("Job", Some("default"))
        .filter(|j| {
            j["metadata"]["ownerReferences"].as_array().is_some_and(|refs| {
                refs.iter().any(|r| r["controller"] == json!(true) && r["name"] == json!("prop"))
            })
        })
        .map(|j| {
            let finished = j["status"]["conditions"].as_array().and_then(|cs| {
                cs.iter()
                    .find(|c| {
                        c["status"] == json!("True")
                            && (c["type"] == json!("Complete") || c["type"] == json!("Failed"))
                    })
                    .and_then(|c| c["type"].as_str().map(str::to_string))
            });
            (model::name(j).to_string(), finished, j.clone())
        })
        .collect()
}

fn check(c: &Case, state: &State, at: &str) {
    let jobs = jobs(state);
    let unfinished = jobs.iter().filter(|j| j.1.is_none()).count();
    if c.policy != "Allow" {
        assert!(unfinished <= 1, "{at}: {} has {unfinished} unfinished Jobs", c.policy);
    }
    let count = |kind: &str| jobs.iter().filter(|j| j.1.as_deref() == Some(kind)).count() as i64;
    assert!(count("Complete") <= c.successful, "{at}: {} Complete > {}", count("Complete"), c.successful);
    assert!(count("Failed") <= c.failed, "{at}: {} Failed > {}", count("Failed"), c.failed);
    for (name, _, job) in &jobs {
        let minutes: i64 = name.strip_prefix("prop-").and_then(|m| m.parse().ok()).expect("a scheduled name");
        let scheduled = job["metadata"]["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"]
            .as_str()
            .and_then(model::parse_time)
            .expect("scheduled-timestamp annotation");
        assert_eq!(scheduled / 60, minutes, "{at}: {name}");
        let spec = SCHEDULES[c.schedule];
        let minute = (scheduled / 60) % 60;
        let fires = match spec {
            "*/5 * * * *" => minute % 5 == 0,
            "*/7 * * * *" => minute % 7 == 0,
            "0,20,40 * * * *" => minute % 20 == 0,
            _ => minute % 3 == 0,
        };
        assert!(fires && scheduled % 60 == 0, "{at}: {name} is not a start time of {spec}");
    }
}

/// Run one user change (or none) step by step, checking after each step, until converged or
/// the clock has run to `until`.
fn run(c: &Case, state: &mut State, actions: Vec<Action>, until: Option<i64>, what: &str) {
    let mut pending = Some(actions);
    for step in 0..10_000 {
        let opts = RunOptions { steps: Some(1), max_steps: Some(1000), until };
        let trace = driver::run(state, pending.take().unwrap_or_default(), &opts);
        check(c, state, &format!("{what}, step {step}"));
        if trace.outcome == Outcome::Converged || trace.steps.is_empty() {
            return;
        }
        assert!(
            !matches!(trace.outcome, Outcome::Cycle { .. } | Outcome::MaxSteps),
            "{what}: {:?}",
            trace.outcome
        );
    }
    panic!("{what}: no convergence");
}

fn finish_oldest(state: &State, success: bool) -> Option<Action> {
    let (name, _, job) = jobs(state).into_iter().filter(|j| j.1.is_none()).min_by(|a, b| a.0.cmp(&b.0))?;
    let created = model::str_at(&job, &["metadata", "creationTimestamp"]).to_string();
    let now = model::fmt_time(state.now);
    let condition = if success { "Complete" } else { "Failed" };
    let mut status = json!({"conditions": [{"type": condition, "status": "True", "lastTransitionTime": now}], "startTime": created});
    if success {
        status["completionTime"] = json!(now);
        status["succeeded"] = json!(1);
    } else {
        status["failed"] = json!(1);
    }
    Some(user(Change::Patch {
        key: ObjKey::new("Job", "default", &name),
        patch: json!({"status": status}),
        precondition: Precondition::None,
    }))
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("KONVERGE_PROP_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(32),
        ..ProptestConfig::default()
    })]

    #[test]
    fn cron_job_keeps_its_concurrency_and_history_limits(c in case()) {
        let mut state = State::empty();
        run(&c, &mut state, vec![user(Change::Create { object: cron_job(&c) })], None, "create");
        let key = ObjKey::new("CronJob", "default", "prop");
        for (i, op) in c.ops.iter().enumerate() {
            match op {
                Op::Advance(secs) => {
                    let until = Some(state.now + secs);
                    run(&c, &mut state, vec![], until, &format!("op {i}: advance {secs}s"));
                }
                Op::Finish(success) => {
                    if let Some(a) = finish_oldest(&state, *success) {
                        run(&c, &mut state, vec![a], None, &format!("op {i}: finish"));
                    }
                }
                Op::Suspend(suspend) => {
                    let patch = json!({"spec": {"suspend": suspend}});
                    let a = user(Change::Patch { key: key.clone(), patch, precondition: Precondition::None });
                    run(&c, &mut state, vec![a], None, &format!("op {i}: suspend {suspend}"));
                }
            }
        }
    }
}
