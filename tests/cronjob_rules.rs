//! The CronJob controller against upstream's own test tables (pkg/controller/cronjob:
//! cronjob_controllerv2_test.go `TestControllerV2SyncCronJob`,
//! `TestControllerV2JobAlreadyExistsButNotInActiveStatus`,
//! `TestControllerV2JobAlreadyExistsButDifferentOwner`, `TestControllerV2CleanupFinishedJobs`,
//! `TestControllerV2GetJobsToBeReconciled`; the v1 controller's
//! `TestCleanupFinishedJobs_DeleteOrNot` and `TestSyncOne_Status` for history and status).
//!
//! Each case builds the store upstream's harness builds (the CronJob `mycronjob` in
//! `snazzycats`, and the Job it ran before), runs one sync (`controllers::cronjob::reconcile`
//! over `Facts::extract`) and compares what it proposes — Jobs created and deleted, Events,
//! whether status is written and how many entries `status.active` keeps, the requeue time —
//! with upstream's expectations. Upstream's durations carry a 100 ms padding (and a few cases
//! 100 ms offsets) that the one-second logical clock drops.

use konverge::actions::{Action, Change, EventType};
use konverge::controllers::cronjob::{reconcile, SCHEDULED_TIMESTAMP};
use konverge::facts::Facts;
use konverge::model::{self, ObjKey};
use konverge::state::State;
use serde_json::{json, Value};
use std::collections::BTreeMap;

fn t(s: &str) -> i64 {
    model::parse_time(s).expect(s)
}

fn top_of_the_hour() -> i64 {
    t("2016-05-19T10:00:00Z")
}
fn just_before_the_hour() -> i64 {
    t("2016-05-19T09:59:00Z")
}
fn just_after_the_prior_hour() -> i64 {
    t("2016-05-19T09:01:00Z")
}
fn just_before_the_prior_hour() -> i64 {
    t("2016-05-19T08:59:00Z")
}
fn just_after_the_hour() -> i64 {
    t("2016-05-19T10:01:00Z")
}
fn just_before_the_next_hour() -> i64 {
    t("2016-05-19T10:59:00Z")
}
fn week_after_the_hour() -> i64 {
    t("2016-05-26T10:00:00Z")
}

const SHORT_DEAD: i64 = 10;
const MEDIUM_DEAD: i64 = 2 * 60 * 60;
const LONG_DEAD: i64 = 1_000_000;
const ON_THE_HOUR: &str = "0 * * * ?";
const EVERY_HOUR: &str = "@every 1h";
const CJ_UID: &str = "1a2b3c";

/// upstream `cronJob()`: `mycronjob` in `snazzycats`, with a job template.
fn cron_job(policy: &str, schedule: &str) -> Value {
    json!({
        "apiVersion": "batch/v1", "kind": "CronJob",
        "metadata": {"name": "mycronjob", "namespace": "snazzycats", "uid": CJ_UID,
                     "creationTimestamp": model::fmt_time(just_before_the_hour())},
        "spec": {
            "schedule": schedule, "concurrencyPolicy": policy,
            "jobTemplate": {
                "metadata": {"labels": {"a": "b"}, "annotations": {"x": "y"}},
                "spec": {"parallelism": 1, "completions": 1, "template": {
                    "metadata": {"labels": {"foo": "bar"}},
                    "spec": {"restartPolicy": "OnFailure", "containers": [{"name": "c", "image": "foo/bar"}]}}}
            }
        }
    })
}

/// upstream `getJobFromTemplate2(cj, at)` with the harness's uid `1234`.
fn job(name: &str, uid: &str, controller_uid: &str, created: i64) -> Value {
    json!({
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": name, "namespace": "snazzycats", "uid": uid, "resourceVersion": "7",
                     "creationTimestamp": model::fmt_time(created),
                     "ownerReferences": [{"apiVersion": "batch/v1", "kind": "CronJob", "name": "mycronjob",
                                          "uid": controller_uid, "controller": true, "blockOwnerDeletion": true}]},
        "spec": {}
    })
}

fn complete(mut job: Value, start: Option<i64>, completion: Option<i64>) -> Value {
    job["status"] = json!({"conditions": [{"type": "Complete", "status": "True"}]});
    if let Some(s) = start {
        job["status"]["startTime"] = json!(model::fmt_time(s));
    }
    if let Some(c) = completion {
        job["status"]["completionTime"] = json!(model::fmt_time(c));
    }
    job
}

fn reference(job: &Value) -> Value {
    json!({"kind": "Job", "namespace": "snazzycats", "name": job["metadata"]["name"], "uid": job["metadata"]["uid"],
           "apiVersion": "batch/v1", "resourceVersion": "7"})
}

fn store(objects: &[Value]) -> BTreeMap<ObjKey, Value> {
    objects.iter().map(|o| (ObjKey::of(o), o.clone())).collect()
}

fn job_name(at: i64) -> String {
    format!("mycronjob-{}", at / 60)
}

/// What one sync proposed.
#[derive(Debug, Default)]
struct Sync {
    creates: Vec<Value>,
    deletes: Vec<String>,
    warnings: Vec<String>,
    normal_events: Vec<String>,
    status: Option<Value>,
    schedules: Vec<i64>,
}

fn sync(objects: &[Value], now: i64) -> Sync {
    let s = store(objects);
    let p = reconcile(&Facts::extract(&State::of_objects(s.clone(), now)));
    let mut out = Sync { schedules: p.schedules, ..Sync::default() };
    for Action { change, events, .. } in p.actions {
        for e in &events {
            match e.kind {
                EventType::Warning => out.warnings.push(e.reason.to_string()),
                EventType::Normal => out.normal_events.push(e.reason.to_string()),
            }
        }
        match change {
            Change::Create { object } => out.creates.push(object),
            Change::Delete { key, .. } => out.deletes.push(key.name),
            Change::Patch { patch, .. } => out.status = Some(patch["status"].clone()),
            _ => {}
        }
    }
    out
}

/// One row of `TestControllerV2SyncCronJob`.
struct Case {
    name: &'static str,
    policy: &'static str,
    suspend: bool,
    schedule: &'static str,
    time_zone: Option<&'static str>,
    deadline: Option<i64>,
    ran_previously: bool,
    still_active: bool,
    cronjob_creation: Option<i64>,
    job_creation: i64,
    last_schedule: Option<i64>,
    now: i64,
    /// The Job of the due start time exists already (upstream's `jobCreateError: AlreadyExists`,
    /// whose `GetJob` then returns the harness's Job).
    already_exists: bool,
    expect_create: bool,
    expect_delete: bool,
    expect_active: usize,
    expected_warnings: usize,
    /// Upstream's `expectedRequeueDuration` less its 100 ms padding, or None: no requeue.
    requeue: Option<i64>,
    expect_update_status: bool,
}

const BASE: Case = Case {
    name: "",
    policy: "Allow",
    suspend: false,
    schedule: ON_THE_HOUR,
    time_zone: None,
    deadline: None,
    ran_previously: false,
    still_active: false,
    cronjob_creation: None,
    job_creation: 0,
    last_schedule: None,
    now: 0,
    already_exists: false,
    expect_create: false,
    expect_delete: false,
    expect_active: 0,
    expected_warnings: 0,
    requeue: None,
    expect_update_status: false,
};

fn run_case(c: &Case) {
    let mut cj = cron_job(c.policy, c.schedule);
    cj["spec"]["suspend"] = json!(c.suspend);
    if let Some(tz) = c.time_zone {
        cj["spec"]["timeZone"] = json!(tz);
    }
    if let Some(d) = c.deadline {
        cj["spec"]["startingDeadlineSeconds"] = json!(d);
    }
    let mut objects = Vec::new();
    let created = if c.ran_previously { just_before_the_prior_hour() } else { just_before_the_hour() };
    cj["metadata"]["creationTimestamp"] = json!(model::fmt_time(c.cronjob_creation.unwrap_or(created)));
    if c.ran_previously {
        let last = c.last_schedule.unwrap_or(just_after_the_prior_hour());
        cj["status"] = json!({"lastScheduleTime": model::fmt_time(last)});
        let j = job(&job_name(c.job_creation), "1234", CJ_UID, c.job_creation);
        if c.still_active {
            cj["status"]["active"] = json!([reference(&j)]);
            objects.push(j.clone());
        } else {
            objects.push(complete(j, None, Some(c.job_creation + 10)));
        }
    }
    if c.already_exists {
        let due = job(&job_name(top_of_the_hour()), "5678", CJ_UID, c.job_creation);
        objects.push(complete(due, None, Some(c.job_creation + 10)));
    }
    objects.push(cj);
    let got = sync(&objects, c.now);
    let name = c.name;
    assert_eq!(got.creates.len(), usize::from(c.expect_create), "{name}: creates");
    assert_eq!(got.deletes.len(), usize::from(c.expect_delete), "{name}: deletes");
    assert_eq!(got.warnings.len(), c.expected_warnings, "{name}: warnings {:?}", got.warnings);
    let forbid_event = usize::from(name == "still active, is time, F");
    let expected_events = usize::from(c.expect_create) + usize::from(c.expect_delete) + forbid_event;
    assert_eq!(got.normal_events.len(), expected_events, "{name}: events {:?}", got.normal_events);
    assert_eq!(got.status.is_some(), c.expect_update_status, "{name}: status update {:?}", got.status);
    if c.expect_create {
        let active = got.status.as_ref().and_then(|s| s["active"].as_array()).map_or(0, Vec::len);
        assert_eq!(active, c.expect_active, "{name}: active");
        let new = &got.creates[0];
        let owner = &new["metadata"]["ownerReferences"][0];
        assert_eq!(
            (
                owner["apiVersion"].as_str(),
                owner["kind"].as_str(),
                owner["name"].as_str(),
                owner["uid"].as_str()
            ),
            (Some("batch/v1"), Some("CronJob"), Some("mycronjob"), Some(CJ_UID)),
            "{name}: controller reference"
        );
        assert_eq!(owner["controller"], json!(true), "{name}");
    }
    if c.ran_previously && !c.still_active {
        let want = model::fmt_time(c.job_creation + 10);
        assert_eq!(got.status.as_ref().map(|s| s["lastSuccessfulTime"].clone()), Some(json!(want)), "{name}");
    }
    assert_eq!(got.schedules.first().map(|s| s - c.now), c.requeue, "{name}: requeue");
}

const M: i64 = 60;
const H: i64 = 3600;

/// `TestControllerV2SyncCronJob`, every case konverge can set up. Left out: "still active, is
/// time, get job failed, R" and "do nothing if the namespace is terminating" (API errors
/// injected by the fake client), "this started but went missing" and "this started but is not
/// present in cronjob active list" (an informer cache lagging behind the API server: one
/// snapshot has no such lag).
#[test]
fn test_controller_v2_sync_cron_job() {
    let cases = [
        Case {
            name: "never ran, not valid schedule, A",
            schedule: "obvious error schedule",
            job_creation: just_after_the_prior_hour(),
            now: just_before_the_hour(),
            expected_warnings: 1,
            ..BASE
        },
        Case {
            name: "never ran, not valid schedule, F",
            policy: "Forbid",
            schedule: "obvious error schedule",
            job_creation: just_after_the_prior_hour(),
            now: just_before_the_hour(),
            expected_warnings: 1,
            ..BASE
        },
        // Upstream's "R" row runs Forbid too.
        Case {
            name: "never ran, not valid schedule, R",
            policy: "Forbid",
            schedule: "obvious error schedule",
            job_creation: just_after_the_prior_hour(),
            now: just_before_the_hour(),
            expected_warnings: 1,
            ..BASE
        },
        Case {
            name: "never ran, not valid time zone",
            time_zone: Some("bad timezone"),
            job_creation: just_after_the_prior_hour(),
            now: just_before_the_hour(),
            expected_warnings: 1,
            ..BASE
        },
        Case {
            name: "never ran, not time, A",
            job_creation: just_after_the_prior_hour(),
            now: just_before_the_hour(),
            requeue: Some(M),
            ..BASE
        },
        Case {
            name: "never ran, not time, F",
            policy: "Forbid",
            job_creation: just_after_the_prior_hour(),
            now: just_before_the_hour(),
            requeue: Some(M),
            ..BASE
        },
        Case {
            name: "never ran, not time, R",
            policy: "Replace",
            job_creation: just_after_the_prior_hour(),
            now: just_before_the_hour(),
            requeue: Some(M),
            ..BASE
        },
        Case {
            name: "never ran, not time in zone",
            time_zone: Some("America/New_York"),
            job_creation: just_after_the_prior_hour(),
            now: just_before_the_hour(),
            requeue: Some(M),
            ..BASE
        },
        Case {
            name: "never ran, is time, A",
            job_creation: just_after_the_prior_hour(),
            now: just_after_the_hour(),
            expect_create: true,
            expect_active: 1,
            requeue: Some(H - M),
            expect_update_status: true,
            ..BASE
        },
        Case {
            name: "never ran, is time, F",
            policy: "Forbid",
            job_creation: just_after_the_prior_hour(),
            now: just_after_the_hour(),
            expect_create: true,
            expect_active: 1,
            requeue: Some(H - M),
            expect_update_status: true,
            ..BASE
        },
        Case {
            name: "never ran, is time, R",
            policy: "Replace",
            job_creation: just_after_the_prior_hour(),
            now: just_after_the_hour(),
            expect_create: true,
            expect_active: 1,
            requeue: Some(H - M),
            expect_update_status: true,
            ..BASE
        },
        Case {
            name: "never ran, is time in zone",
            time_zone: Some("America/New_York"),
            job_creation: just_after_the_prior_hour(),
            now: just_after_the_hour(),
            expect_create: true,
            expect_active: 1,
            requeue: Some(H - M),
            expect_update_status: true,
            ..BASE
        },
        Case {
            name: "never ran, is time in zone, but time zone disabled",
            time_zone: Some("America/New_York"),
            job_creation: just_after_the_prior_hour(),
            now: just_after_the_hour(),
            expect_create: true,
            expect_active: 1,
            requeue: Some(H - M),
            expect_update_status: true,
            ..BASE
        },
        Case {
            name: "never ran, is time in zone, but TZ is also set in schedule",
            schedule: "TZ=UTC 0 * * * ?",
            time_zone: Some("America/New_York"),
            job_creation: just_after_the_prior_hour(),
            now: just_after_the_hour(),
            expect_create: true,
            expect_active: 1,
            expected_warnings: 1,
            requeue: Some(H - M),
            expect_update_status: true,
            ..BASE
        },
        Case {
            name: "never ran, is time, suspended",
            suspend: true,
            job_creation: just_after_the_prior_hour(),
            now: just_after_the_hour(),
            ..BASE
        },
        Case {
            name: "never ran, is time, past deadline",
            deadline: Some(SHORT_DEAD),
            job_creation: just_after_the_prior_hour(),
            now: just_after_the_hour() + M * (SHORT_DEAD + 1),
            requeue: Some(H - M - M * (SHORT_DEAD + 1)),
            ..BASE
        },
        Case {
            name: "never ran, is time, not past deadline",
            deadline: Some(LONG_DEAD),
            job_creation: just_after_the_prior_hour(),
            now: just_after_the_hour(),
            expect_create: true,
            expect_active: 1,
            requeue: Some(H - M),
            expect_update_status: true,
            ..BASE
        },
        Case {
            name: "prev ran but done, not time, A",
            ran_previously: true,
            job_creation: just_after_the_prior_hour(),
            now: just_before_the_hour(),
            requeue: Some(M),
            expect_update_status: true,
            ..BASE
        },
        Case {
            name: "prev ran but done, not time, F",
            policy: "Forbid",
            ran_previously: true,
            job_creation: just_after_the_prior_hour(),
            now: just_before_the_hour(),
            requeue: Some(M),
            expect_update_status: true,
            ..BASE
        },
        Case {
            name: "prev ran but done, not time, R",
            policy: "Replace",
            ran_previously: true,
            job_creation: just_after_the_prior_hour(),
            now: just_before_the_hour(),
            requeue: Some(M),
            expect_update_status: true,
            ..BASE
        },
        Case {
            name: "prev ran but done, is time, A",
            ran_previously: true,
            job_creation: just_after_the_prior_hour(),
            now: just_after_the_hour(),
            expect_create: true,
            expect_active: 1,
            requeue: Some(H - M),
            expect_update_status: true,
            ..BASE
        },
        Case {
            name: "prev ran but done, is time, create job failed, A",
            ran_previously: true,
            job_creation: just_after_the_prior_hour(),
            now: just_after_the_hour(),
            already_exists: true,
            requeue: Some(H - M),
            expect_update_status: true,
            ..BASE
        },
        Case {
            name: "prev ran but done, is time, job not present in CJ active status, create job failed, A",
            ran_previously: true,
            job_creation: just_after_the_prior_hour(),
            now: just_after_the_hour(),
            already_exists: true,
            requeue: Some(H - M),
            expect_update_status: true,
            ..BASE
        },
        Case {
            name: "prev ran but done, is time, F",
            policy: "Forbid",
            ran_previously: true,
            job_creation: just_after_the_prior_hour(),
            now: just_after_the_hour(),
            expect_create: true,
            expect_active: 1,
            requeue: Some(H - M),
            expect_update_status: true,
            ..BASE
        },
        Case {
            name: "prev ran but done, is time, R",
            policy: "Replace",
            ran_previously: true,
            job_creation: just_after_the_prior_hour(),
            now: just_after_the_hour(),
            expect_create: true,
            expect_active: 1,
            requeue: Some(H - M),
            expect_update_status: true,
            ..BASE
        },
        Case {
            name: "prev ran but done, is time, suspended",
            suspend: true,
            ran_previously: true,
            job_creation: just_after_the_prior_hour(),
            now: just_after_the_hour(),
            expect_update_status: true,
            ..BASE
        },
        Case {
            name: "prev ran but done, is time, past deadline",
            deadline: Some(SHORT_DEAD),
            ran_previously: true,
            job_creation: just_after_the_prior_hour(),
            now: just_after_the_hour(),
            requeue: Some(H - M),
            expect_update_status: true,
            ..BASE
        },
        Case {
            name: "prev ran but done, is time, not past deadline",
            deadline: Some(LONG_DEAD),
            ran_previously: true,
            job_creation: just_after_the_prior_hour(),
            now: just_after_the_hour(),
            expect_create: true,
            expect_active: 1,
            requeue: Some(H - M),
            expect_update_status: true,
            ..BASE
        },
        Case {
            name: "still active, not time, A",
            ran_previously: true,
            still_active: true,
            job_creation: just_after_the_prior_hour(),
            now: just_before_the_hour(),
            expect_active: 1,
            requeue: Some(M),
            ..BASE
        },
        Case {
            name: "still active, not time, F",
            policy: "Forbid",
            ran_previously: true,
            still_active: true,
            job_creation: just_after_the_prior_hour(),
            now: just_before_the_hour(),
            expect_active: 1,
            requeue: Some(M),
            ..BASE
        },
        Case {
            name: "still active, not time, R",
            policy: "Replace",
            ran_previously: true,
            still_active: true,
            job_creation: just_after_the_prior_hour(),
            now: just_before_the_hour(),
            expect_active: 1,
            requeue: Some(M),
            ..BASE
        },
        Case {
            name: "still active, is time, A",
            ran_previously: true,
            still_active: true,
            job_creation: just_after_the_prior_hour(),
            now: just_after_the_hour(),
            expect_create: true,
            expect_active: 2,
            requeue: Some(H - M),
            expect_update_status: true,
            ..BASE
        },
        Case {
            name: "still active, is time, F",
            policy: "Forbid",
            ran_previously: true,
            still_active: true,
            job_creation: just_after_the_prior_hour(),
            now: just_after_the_hour(),
            expect_active: 1,
            requeue: Some(H - M),
            ..BASE
        },
        Case {
            name: "still active, is time, R",
            policy: "Replace",
            ran_previously: true,
            still_active: true,
            job_creation: just_after_the_prior_hour(),
            now: just_after_the_hour(),
            expect_create: true,
            expect_delete: true,
            expect_active: 1,
            requeue: Some(H - M),
            expect_update_status: true,
            ..BASE
        },
        Case {
            name: "still active, is time, suspended",
            suspend: true,
            ran_previously: true,
            still_active: true,
            job_creation: just_after_the_prior_hour(),
            now: just_after_the_hour(),
            expect_active: 1,
            ..BASE
        },
        Case {
            name: "still active, is time, past deadline",
            deadline: Some(SHORT_DEAD),
            ran_previously: true,
            still_active: true,
            job_creation: just_after_the_prior_hour(),
            now: just_after_the_hour(),
            expect_active: 1,
            requeue: Some(H - M),
            ..BASE
        },
        Case {
            name: "still active, is time, not past deadline",
            deadline: Some(LONG_DEAD),
            ran_previously: true,
            still_active: true,
            job_creation: just_after_the_prior_hour(),
            now: just_after_the_hour(),
            expect_create: true,
            expect_active: 2,
            requeue: Some(H - M),
            expect_update_status: true,
            ..BASE
        },
        Case {
            name: "prev ran but done, long overdue, not past deadline, A",
            deadline: Some(LONG_DEAD),
            ran_previously: true,
            job_creation: just_after_the_prior_hour(),
            now: week_after_the_hour(),
            expect_create: true,
            expect_active: 1,
            expected_warnings: 1,
            requeue: Some(H),
            expect_update_status: true,
            ..BASE
        },
        Case {
            name: "prev ran but done, long overdue, not past deadline, R",
            policy: "Replace",
            deadline: Some(LONG_DEAD),
            ran_previously: true,
            job_creation: just_after_the_prior_hour(),
            now: week_after_the_hour(),
            expect_create: true,
            expect_active: 1,
            expected_warnings: 1,
            requeue: Some(H),
            expect_update_status: true,
            ..BASE
        },
        Case {
            name: "prev ran but done, long overdue, not past deadline, F",
            policy: "Forbid",
            deadline: Some(LONG_DEAD),
            ran_previously: true,
            job_creation: just_after_the_prior_hour(),
            now: week_after_the_hour(),
            expect_create: true,
            expect_active: 1,
            expected_warnings: 1,
            requeue: Some(H),
            expect_update_status: true,
            ..BASE
        },
        Case {
            name: "prev ran but done, long overdue, no deadline, A",
            ran_previously: true,
            job_creation: just_after_the_prior_hour(),
            now: week_after_the_hour(),
            expect_create: true,
            expect_active: 1,
            expected_warnings: 1,
            requeue: Some(H),
            expect_update_status: true,
            ..BASE
        },
        Case {
            name: "prev ran but done, long overdue, no deadline, R",
            policy: "Replace",
            ran_previously: true,
            job_creation: just_after_the_prior_hour(),
            now: week_after_the_hour(),
            expect_create: true,
            expect_active: 1,
            expected_warnings: 1,
            requeue: Some(H),
            expect_update_status: true,
            ..BASE
        },
        Case {
            name: "prev ran but done, long overdue, no deadline, F",
            policy: "Forbid",
            ran_previously: true,
            job_creation: just_after_the_prior_hour(),
            now: week_after_the_hour(),
            expect_create: true,
            expect_active: 1,
            expected_warnings: 1,
            requeue: Some(H),
            expect_update_status: true,
            ..BASE
        },
        Case {
            name: "prev ran but done, long overdue, past medium deadline, A",
            deadline: Some(MEDIUM_DEAD),
            ran_previously: true,
            job_creation: just_after_the_prior_hour(),
            now: week_after_the_hour(),
            expect_create: true,
            expect_active: 1,
            requeue: Some(H),
            expect_update_status: true,
            ..BASE
        },
        Case {
            name: "prev ran but done, long overdue, past short deadline, A",
            deadline: Some(SHORT_DEAD),
            ran_previously: true,
            job_creation: just_after_the_prior_hour(),
            now: week_after_the_hour(),
            expect_create: true,
            expect_active: 1,
            requeue: Some(H),
            expect_update_status: true,
            ..BASE
        },
        Case {
            name: "prev ran but done, long overdue, past medium deadline, R",
            policy: "Replace",
            deadline: Some(MEDIUM_DEAD),
            ran_previously: true,
            job_creation: just_after_the_prior_hour(),
            now: week_after_the_hour(),
            expect_create: true,
            expect_active: 1,
            requeue: Some(H),
            expect_update_status: true,
            ..BASE
        },
        Case {
            name: "prev ran but done, long overdue, past short deadline, R",
            policy: "Replace",
            deadline: Some(SHORT_DEAD),
            ran_previously: true,
            job_creation: just_after_the_prior_hour(),
            now: week_after_the_hour(),
            expect_create: true,
            expect_active: 1,
            requeue: Some(H),
            expect_update_status: true,
            ..BASE
        },
        Case {
            name: "prev ran but done, long overdue, past medium deadline, F",
            policy: "Forbid",
            deadline: Some(MEDIUM_DEAD),
            ran_previously: true,
            job_creation: just_after_the_prior_hour(),
            now: week_after_the_hour(),
            expect_create: true,
            expect_active: 1,
            requeue: Some(H),
            expect_update_status: true,
            ..BASE
        },
        Case {
            name: "prev ran but done, long overdue, past short deadline, F",
            policy: "Forbid",
            deadline: Some(SHORT_DEAD),
            ran_previously: true,
            job_creation: just_after_the_prior_hour(),
            now: week_after_the_hour(),
            expect_create: true,
            expect_active: 1,
            requeue: Some(H),
            expect_update_status: true,
            ..BASE
        },
        Case {
            name: "this ran but done, time drifted back, F",
            policy: "Forbid",
            ran_previously: true,
            job_creation: just_after_the_hour(),
            now: just_before_the_hour(),
            requeue: Some(M),
            expect_update_status: true,
            ..BASE
        },
        Case {
            name: "with @every schedule, never ran, not time",
            schedule: EVERY_HOUR,
            cronjob_creation: Some(just_before_the_hour()),
            job_creation: just_before_the_hour(),
            now: top_of_the_hour(),
            requeue: Some(H - M),
            ..BASE
        },
        Case {
            name: "with @every schedule, never ran, is time",
            schedule: EVERY_HOUR,
            cronjob_creation: Some(just_before_the_prior_hour()),
            job_creation: just_before_the_prior_hour(),
            now: just_before_the_hour(),
            expect_create: true,
            expect_active: 1,
            requeue: Some(H),
            expect_update_status: true,
            ..BASE
        },
        Case {
            name: "with @every schedule, never ran, is time, past deadline",
            schedule: EVERY_HOUR,
            deadline: Some(SHORT_DEAD),
            cronjob_creation: Some(just_before_the_prior_hour()),
            job_creation: just_before_the_prior_hour(),
            now: just_before_the_hour() + SHORT_DEAD + 1,
            requeue: Some(H - (SHORT_DEAD + 1)),
            ..BASE
        },
        Case {
            name: "with @every schedule, never ran, is time, not past deadline",
            schedule: EVERY_HOUR,
            deadline: Some(LONG_DEAD),
            cronjob_creation: Some(just_before_the_prior_hour()),
            job_creation: just_before_the_prior_hour(),
            now: just_before_the_hour() + SHORT_DEAD - 1,
            expect_create: true,
            expect_active: 1,
            requeue: Some(H - (SHORT_DEAD - 1)),
            expect_update_status: true,
            ..BASE
        },
        Case {
            name: "with @every schedule, prev ran but done, not time",
            schedule: EVERY_HOUR,
            ran_previously: true,
            cronjob_creation: Some(just_before_the_prior_hour()),
            job_creation: just_before_the_prior_hour(),
            last_schedule: Some(just_before_the_hour()),
            now: top_of_the_hour(),
            requeue: Some(H - M),
            expect_update_status: true,
            ..BASE
        },
        Case {
            name: "with @every schedule, prev ran but done, is time",
            schedule: EVERY_HOUR,
            ran_previously: true,
            cronjob_creation: Some(just_before_the_prior_hour()),
            job_creation: just_before_the_prior_hour(),
            last_schedule: Some(just_before_the_hour()),
            now: top_of_the_hour() + H,
            expect_create: true,
            expect_active: 1,
            requeue: Some(H - M),
            expect_update_status: true,
            ..BASE
        },
        Case {
            name: "with @every schedule, prev ran but done, is time, past deadline",
            schedule: EVERY_HOUR,
            deadline: Some(SHORT_DEAD),
            ran_previously: true,
            cronjob_creation: Some(just_before_the_prior_hour()),
            job_creation: just_before_the_prior_hour(),
            last_schedule: Some(just_before_the_hour()),
            now: just_before_the_next_hour() + SHORT_DEAD + 1,
            requeue: Some(H - (SHORT_DEAD + 1)),
            expect_update_status: true,
            ..BASE
        },
        Case {
            name: "with @every schedule, still active, not time",
            schedule: EVERY_HOUR,
            ran_previously: true,
            still_active: true,
            cronjob_creation: Some(just_before_the_prior_hour()),
            job_creation: just_before_the_hour(),
            last_schedule: Some(just_before_the_hour()),
            now: top_of_the_hour(),
            expect_active: 1,
            requeue: Some(H - M),
            ..BASE
        },
        Case {
            name: "with @every schedule, still active, is time",
            schedule: EVERY_HOUR,
            ran_previously: true,
            still_active: true,
            cronjob_creation: Some(just_before_the_prior_hour()),
            job_creation: just_before_the_prior_hour(),
            last_schedule: Some(just_before_the_prior_hour()),
            now: just_after_the_hour(),
            expect_create: true,
            expect_active: 2,
            requeue: Some(H - 2 * M),
            expect_update_status: true,
            ..BASE
        },
        Case {
            name: "with @every schedule, still active, is time, past deadline",
            schedule: EVERY_HOUR,
            deadline: Some(SHORT_DEAD),
            ran_previously: true,
            still_active: true,
            cronjob_creation: Some(just_before_the_prior_hour()),
            job_creation: just_before_the_hour(),
            last_schedule: Some(just_before_the_hour()),
            now: just_before_the_next_hour() + SHORT_DEAD + 1,
            expect_active: 1,
            requeue: Some(H - (SHORT_DEAD + 1)),
            ..BASE
        },
        Case {
            name: "with @every schedule, still active, is time, not past deadline",
            schedule: EVERY_HOUR,
            deadline: Some(LONG_DEAD),
            ran_previously: true,
            still_active: true,
            cronjob_creation: Some(just_before_the_prior_hour()),
            job_creation: just_before_the_hour(),
            last_schedule: Some(just_before_the_hour()),
            now: just_before_the_next_hour() + SHORT_DEAD - 1,
            expect_create: true,
            expect_active: 2,
            requeue: Some(H - (SHORT_DEAD - 1)),
            expect_update_status: true,
            ..BASE
        },
        Case {
            name: "with @every schedule, prev ran but done, long overdue, no deadline",
            schedule: EVERY_HOUR,
            ran_previously: true,
            cronjob_creation: Some(just_after_the_prior_hour()),
            job_creation: just_after_the_prior_hour(),
            last_schedule: Some(just_after_the_hour()),
            now: week_after_the_hour(),
            expect_create: true,
            expect_active: 1,
            expected_warnings: 1,
            requeue: Some(M),
            expect_update_status: true,
            ..BASE
        },
        Case {
            name: "with @every schedule, prev ran but done, long overdue, past deadline",
            schedule: EVERY_HOUR,
            deadline: Some(SHORT_DEAD),
            ran_previously: true,
            cronjob_creation: Some(just_after_the_prior_hour()),
            job_creation: just_after_the_prior_hour(),
            last_schedule: Some(just_after_the_hour()),
            now: week_after_the_hour() + M + SHORT_DEAD + 1,
            expect_active: 1,
            requeue: Some(H - (SHORT_DEAD + 1)),
            expect_update_status: true,
            ..BASE
        },
    ];
    for c in &cases {
        run_case(c);
    }
}

/// `TestControllerV2JobAlreadyExistsButNotInActiveStatus`: the Job of the start time exists and
/// is this CronJob's, but its status lost it: it is listed again, without a second create.
#[test]
fn job_already_exists_but_not_in_active_status() {
    let mut cj = cron_job("Forbid", EVERY_HOUR);
    cj["status"] = json!({"lastScheduleTime": model::fmt_time(just_before_the_prior_hour()), "active": []});
    let existing = job(&job_name(just_before_the_hour()), "1234", CJ_UID, just_after_the_prior_hour());
    let got = sync(&[cj, existing.clone()], just_before_the_hour());
    assert!(got.creates.is_empty());
    let status = got.status.expect("one status update");
    assert_eq!(status["active"].as_array().map(Vec::len), Some(1));
    assert_eq!(status["active"][0]["$objectReference"]["name"], existing["metadata"]["name"]);
}

/// `TestControllerV2JobAlreadyExistsButDifferentOwner`: a Job of that name that another owner
/// controls is left alone, and nothing is written.
#[test]
fn job_already_exists_but_different_owner() {
    let mut cj = cron_job("Forbid", EVERY_HOUR);
    cj["status"] = json!({"lastScheduleTime": model::fmt_time(just_before_the_prior_hour()), "active": []});
    let mut existing = job(&job_name(just_before_the_hour()), "1234", CJ_UID, just_after_the_prior_hour());
    existing["metadata"]["ownerReferences"] = json!([]);
    let got = sync(&[cj, existing], just_before_the_hour());
    assert!(got.creates.is_empty());
    assert!(got.status.is_none(), "{:?}", got.status);
}

/// `TestControllerV2GetJobsToBeReconciled`: a CronJob's Jobs are those whose controller
/// reference names it, in its namespace, whatever their labels.
#[test]
fn get_jobs_to_be_reconciled() {
    let mut cj = cron_job("Allow", ON_THE_HOUR);
    cj["metadata"]["name"] = json!("fooer");
    cj["metadata"]["namespace"] = json!("foo-ns");
    let named = |name: &str, ns: &str, owner: Option<&str>| {
        let mut j = json!({"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": name, "namespace": ns, "uid": format!("uid-{name}"), "labels": {"key": "different-value"}}});
        if let Some(o) = owner {
            j["metadata"]["ownerReferences"] = json!([{"name": o, "controller": true}]);
        }
        j
    };
    let objects = vec![
        cj,
        named("foo", "foo-ns", None),
        named("foo-fooer-owner-ref", "foo-ns", Some("fooer")),
        named("foo-other-owner-ref", "foo-ns", Some("another-cronjob")),
        named("foo-elsewhere", "bar-ns", Some("fooer")),
    ];
    let s = store(&objects);
    let snapshot = State::of_objects(s.clone(), just_before_the_hour());
    let f = Facts::extract(&snapshot);
    let cf = konverge::facts::cronjobs::cron_facts(&f);
    let names: Vec<&str> = cf.children.iter().map(|c| f.key(c.job).name.as_str()).collect();
    assert_eq!(names, ["foo-fooer-owner-ref"]);
    // An unfinished Job the CronJob does not list is unexpected.
    let got = sync(&objects, just_before_the_hour());
    assert_eq!(got.warnings, ["UnexpectedJob"]);
}

/// `TestCleanupFinishedJobs_DeleteOrNot` (the v1 controller's table; v2's `cleanupFinishedJobs`
/// keeps its rules): which finished Jobs go, oldest first past each history limit. Each row:
/// start time, finished, successful, expected deleted.
#[test]
fn cleanup_finished_jobs_delete_or_not() {
    const T: bool = true;
    const F: bool = false;
    type Row = (&'static str, bool, bool, bool);
    /// Name, the Jobs, successfulJobsHistoryLimit, failedJobsHistoryLimit.
    type Case = (&'static str, [Row; 6], Option<i64>, Option<i64>);
    let cases: [Case; 9] = [
        (
            "success. job limit reached",
            [
                ("04", T, T, T),
                ("05", T, T, T),
                ("06", T, T, F),
                ("07", T, T, F),
                ("08", F, F, F),
                ("09", T, F, F),
            ],
            Some(2),
            Some(1),
        ),
        (
            "success. jobs not processed by Sync yet",
            [
                ("04", T, T, T),
                ("05", T, T, T),
                ("06", T, T, F),
                ("07", T, T, F),
                ("08", F, F, F),
                ("09", T, F, F),
            ],
            Some(2),
            Some(1),
        ),
        (
            "failed job limit reached",
            [
                ("04", T, F, T),
                ("05", T, F, T),
                ("06", T, T, F),
                ("07", T, T, F),
                ("08", T, F, F),
                ("09", T, F, F),
            ],
            Some(2),
            Some(2),
        ),
        (
            "success. job limit set to zero",
            [
                ("04", T, T, T),
                ("05", T, F, T),
                ("06", T, T, T),
                ("07", T, T, T),
                ("08", F, F, F),
                ("09", T, F, F),
            ],
            Some(0),
            Some(1),
        ),
        (
            "failed job limit set to zero",
            [
                ("04", T, T, F),
                ("05", T, F, T),
                ("06", T, T, F),
                ("07", T, T, F),
                ("08", F, F, F),
                ("09", T, F, T),
            ],
            Some(3),
            Some(0),
        ),
        (
            "no limits reached",
            [
                ("04", T, T, F),
                ("05", T, F, F),
                ("06", T, T, F),
                ("07", T, T, F),
                ("08", T, F, F),
                ("09", T, F, F),
            ],
            Some(3),
            Some(3),
        ),
        (
            "success limit disabled (the API server defaults it to 3)",
            [
                ("04", T, T, F),
                ("05", T, F, F),
                ("06", T, T, F),
                ("07", T, T, F),
                ("08", T, F, F),
                ("09", T, F, F),
            ],
            None,
            Some(3),
        ),
        (
            "failure limit disabled (the API server defaults it to 1)",
            [
                ("04", T, T, F),
                ("05", T, F, T),
                ("06", T, T, F),
                ("07", T, T, F),
                ("08", T, F, T),
                ("09", T, F, F),
            ],
            Some(3),
            None,
        ),
        (
            "no limits reached because still active",
            [
                ("04", F, F, F),
                ("05", F, F, F),
                ("06", F, F, F),
                ("07", F, F, F),
                ("08", F, F, F),
                ("09", F, F, F),
            ],
            Some(0),
            Some(0),
        ),
    ];
    for (name, rows, successful, failed) in cases {
        let mut cj = cron_job("Forbid", ON_THE_HOUR);
        cj["metadata"]["creationTimestamp"] = json!("2016-05-19T04:00:00Z");
        cj["status"] = json!({"lastScheduleTime": "2016-05-19T09:00:00Z"});
        if let Some(l) = successful {
            cj["spec"]["successfulJobsHistoryLimit"] = json!(l);
        }
        if let Some(l) = failed {
            cj["spec"]["failedJobsHistoryLimit"] = json!(l);
        }
        let mut objects = vec![cj];
        let mut want = Vec::new();
        for (i, (hour, finished, ok, delete)) in rows.iter().enumerate() {
            let start = t(&format!("2016-05-19T{hour}:00:00Z"));
            let mut j = job(&job_name(start), &i.to_string(), CJ_UID, start);
            j["status"] = json!({"startTime": model::fmt_time(start)});
            if *finished {
                let kind = if *ok { "Complete" } else { "Failed" };
                j["status"]["conditions"] = json!([{"type": kind, "status": "True"}]);
            }
            if *delete {
                want.push(job_name(start));
            }
            objects.push(j);
        }
        let got = sync(&objects, just_before_the_hour());
        assert_eq!(got.deletes, want, "{name}");
    }
}

/// `TestControllerV2CleanupFinishedJobs`: Jobs past the limit go even when the sync creates
/// nothing, and none go below it.
#[test]
fn controller_v2_cleanup_finished_jobs() {
    let cases = [
        (
            "jobs are still deleted when a cronjob can't create jobs due to jobs quota being reached (avoiding a deadlock)",
            just_after_the_hour(),
            1,
            vec!["finished-job-started-hour-ago"],
        ),
        ("jobs are not deleted if history limit not reached", just_before_the_hour(), 2, vec![]),
    ];
    for (name, now, limit, want) in cases {
        let mut cj = cron_job("Allow", ON_THE_HOUR);
        cj["spec"]["successfulJobsHistoryLimit"] = json!(limit);
        cj["status"] = json!({"lastScheduleTime": model::fmt_time(just_after_the_prior_hour())});
        let hour_ago = complete(
            job("finished-job-started-hour-ago", "1", CJ_UID, just_before_the_prior_hour()),
            Some(just_before_the_prior_hour()),
            None,
        );
        let mut objects = vec![cj, hour_ago];
        if limit == 1 {
            objects.push(complete(
                job("finished-job-started-minute-ago", "2", CJ_UID, just_before_the_hour()),
                Some(just_before_the_hour()),
                None,
            ));
        }
        assert_eq!(sync(&objects, now).deletes, want, "{name}");
    }
}

/// `TestSyncOne_Status` (v1), the status part v2 kept: a finished Job in `status.active` leaves
/// it (SawCompletedJob), a listed Job that is gone leaves it (MissingJob), an unlisted unfinished
/// one is unexpected (a warning), and a CronJob being deleted only updates its status.
#[test]
fn sync_one_status() {
    let finished = complete(job("finished", "1", CJ_UID, just_after_the_prior_hour()), None, None);
    let unexpected = job("unexpected", "2", CJ_UID, just_after_the_prior_hour());
    let missing = job("missing", "3", CJ_UID, just_after_the_prior_hour());
    for (name, with_finished, with_unexpected, with_missing, deleting, now, create) in [
        (
            "prev ran but done, not time, finished job, missing job, unexpected job, A",
            true,
            true,
            true,
            false,
            just_before_the_hour(),
            false,
        ),
        (
            "prev ran but done, is time, finished job, unexpected job, A",
            true,
            true,
            false,
            false,
            just_after_the_hour(),
            true,
        ),
        ("prev ran but done, is time, deleting", false, false, false, true, just_after_the_hour(), false),
        (
            "prev ran but done, not time, missing job, A",
            false,
            false,
            true,
            false,
            just_before_the_hour(),
            false,
        ),
    ] {
        let mut cj = cron_job("Allow", ON_THE_HOUR);
        cj["metadata"]["creationTimestamp"] = json!(model::fmt_time(just_before_the_prior_hour()));
        cj["status"] =
            json!({"lastScheduleTime": model::fmt_time(just_after_the_prior_hour()), "active": []});
        if deleting {
            cj["metadata"]["deletionTimestamp"] = json!(model::fmt_time(now));
        }
        let mut objects = Vec::new();
        let mut active = Vec::new();
        if with_finished {
            active.push(reference(&finished));
            objects.push(finished.clone());
        }
        if with_unexpected {
            objects.push(unexpected.clone());
        }
        if with_missing {
            active.push(reference(&missing));
        }
        cj["status"]["active"] = json!(active);
        objects.push(cj);
        let got = sync(&objects, now);
        assert_eq!(got.creates.len(), usize::from(create), "{name}");
        let mut want_events = Vec::new();
        if with_finished {
            want_events.push("SawCompletedJob");
        }
        if with_missing {
            want_events.push("MissingJob");
        }
        if create {
            want_events.push("SuccessfulCreate");
        }
        assert_eq!(got.normal_events, want_events, "{name}");
        assert_eq!(got.warnings, if with_unexpected { vec!["UnexpectedJob"] } else { vec![] }, "{name}");
        let kept = got.status.as_ref().and_then(|s| s["active"].as_array()).map_or(0, Vec::len);
        assert_eq!(kept, usize::from(create), "{name}: only the new Job stays listed");
    }
}

/// `TestGetJobFromTemplate2`: the Job of a start time carries the template's labels and
/// annotations, the scheduled-timestamp annotation in the CronJob's zone, and its name.
#[test]
fn get_job_from_template2() {
    for (name, tz, annotations, want_scheduled) in [
        ("UTC timezone and one annotation", Some("UTC"), json!({"x": "y"}), "2016-05-19T10:00:00Z"),
        ("nil timezone and one annotation", None, json!({"x": "y"}), "2016-05-19T10:00:00Z"),
        (
            "correct timezone and multiple annotation",
            Some("Europe/Rome"),
            json!({"x": "y", "z": "x"}),
            "2016-05-19T12:00:00+02:00",
        ),
    ] {
        let mut cj = cron_job("Allow", "* * * * ?");
        cj["spec"]["jobTemplate"]["metadata"]["annotations"] = annotations.clone();
        if let Some(tz) = tz {
            cj["spec"]["timeZone"] = json!(tz);
        }
        let got = sync(&[cj], top_of_the_hour() + 30);
        let new = &got.creates[0];
        assert!(new["metadata"]["name"].as_str().is_some_and(|n| n.starts_with("mycronjob-")), "{name}");
        assert_eq!(new["metadata"]["labels"], json!({"a": "b"}), "{name}");
        let got_annotations = new["metadata"]["annotations"].as_object().expect("annotations");
        assert_eq!(got_annotations.len(), annotations.as_object().map_or(0, |a| a.len()) + 1, "{name}");
        assert_eq!(got_annotations[SCHEDULED_TIMESTAMP], json!(want_scheduled), "{name}");
    }
}
