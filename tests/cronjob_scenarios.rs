//! CronJobs on the logical clock, through the CLI, every step pinned: the `*/15` CronJob of the
//! tutorial over two hours, Forbid and Replace with a run still active, a New York schedule
//! across both 2025 daylight-saving changes, suspend and resume, too many missed start times,
//! `create job --from`, deletion with each cascade, and the input the API server refuses.
//!
//! The Jobs run as the Job controller and the simulated kubelet run them: each example's pod
//! template says how long its container runs (`konverge.io/run-for`).

mod common;

use common::*;
use serde_json::{json, Value};

fn cluster_with(example_file: &str) -> (Cluster, Vec<Run>) {
    let c = Cluster::seed_nodes();
    let r = c.ok(&["apply", "-f", &example(&format!("cronjob/{example_file}"))]);
    (c, vec![r])
}

fn transcript(runs: &[Run]) -> String {
    runs.iter().map(Run::transcript).collect::<Vec<_>>().join("\n")
}

/// Jobs as `NAME (scheduled time)`, oldest first.
fn jobs(c: &Cluster) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = c
        .items("jobs")
        .iter()
        .map(|j| {
            let scheduled = annotation(j, "batch.kubernetes.io/cronjob-scheduled-timestamp").unwrap_or("");
            (name(j).to_string(), scheduled.to_string())
        })
        .collect();
    v.sort();
    v
}

/// Jobs not finished (no `Complete` or `Failed` condition that is `True`).
fn unfinished(c: &Cluster) -> Vec<String> {
    c.items("jobs")
        .iter()
        .filter(|j| {
            !j["status"]["conditions"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|c| c["status"] == "True" && (c["type"] == "Complete" || c["type"] == "Failed"))
        })
        .map(|j| name(j).to_string())
        .collect()
}

fn created_jobs(runs: &[Run]) -> usize {
    runs.iter().flat_map(|r| r.stdout.lines()).filter(|l| l.trim_start().starts_with("+ Job")).count()
}

/// The tutorial's `*/15 * * * *` CronJob over two hours: a Job every quarter hour (8), each
/// running 10 s, and the three most recent kept (successfulJobsHistoryLimit).
#[test]
fn tick_every_quarter_hour_for_two_hours() {
    let (c, mut runs) = cluster_with("tick.yaml");
    for _ in 0..8 {
        runs.push(c.ok(&["advance", "15m"]));
    }
    runs.push(c.ok(&["get", "jobs"]));
    runs.push(c.ok(&["get", "cronjobs"]));
    runs.push(c.ok(&["get", "cj", "-o", "wide"]));
    runs.push(c.ok(&["describe", "cronjob", "tick"]));
    assert_eq!(created_jobs(&runs), 8);
    let kept: Vec<String> = jobs(&c).into_iter().map(|j| j.0).collect();
    assert_eq!(kept, ["tick-28928250", "tick-28928265", "tick-28928280"], "the three most recent");
    let tick = c.object("cronjobs", "tick").expect("tick");
    assert_eq!(str_at(&tick, "/status/lastScheduleTime"), "2025-01-01T02:00:00Z");
    // 02:00 start time: Job, pod, binding and container start take a step (1 s) each, then 10 s of run.
    assert_eq!(str_at(&tick, "/status/lastSuccessfulTime"), "2025-01-01T02:00:14Z");
    snap!("cronjob_tick_two_hours", transcript(&runs));
}

/// Forbid: a start time that finds the last run active waits (JobAlreadyActive). With
/// `startingDeadlineSeconds: 60` it is given up once the run ends more than a minute late; without
/// a deadline it starts as soon as the run ends, late — upstream's behaviour. Never two Jobs at
/// once.
#[test]
fn forbid_skips_a_run_while_one_is_active() {
    let (c, mut runs) = cluster_with("forbid.yaml");
    let at_most_one = |c: &Cluster| assert!(unfinished(c).len() <= 1, "{:?}", unfinished(c));
    runs.push(c.ok(&["advance", "12m"]));
    at_most_one(&c);
    runs.push(c.ok(&["advance", "5m"]));
    at_most_one(&c);
    runs.push(c.ok(&["patch", "cronjob", "report", "-p", r#"{"spec":{"startingDeadlineSeconds":null}}"#]));
    runs.push(c.ok(&["advance", "6m"]));
    at_most_one(&c);
    runs.push(c.ok(&["get", "jobs"]));
    runs.push(c.ok(&["describe", "cronjob", "report"]));
    let names: Vec<String> = jobs(&c).into_iter().map(|j| j.0).collect();
    assert_eq!(
        names,
        ["report-28928165", "report-28928175", "report-28928180"],
        ":05 ran, :10 was given up, :15 ran, :20 ran late"
    );
    snap!("cronjob_forbid", transcript(&runs));
}

/// Replace: a start time that finds the last run active deletes it (and, through the garbage
/// collector, its pods) and starts the new one.
#[test]
fn replace_replaces_the_active_run() {
    let (c, mut runs) = cluster_with("replace.yaml");
    runs.push(c.ok(&["advance", "6m"]));
    runs.push(c.ok(&["advance", "5m"]));
    runs.push(c.ok(&["get", "jobs"]));
    runs.push(c.ok(&["describe", "cronjob", "sync"]));
    assert_eq!(jobs(&c).into_iter().map(|j| j.0).collect::<Vec<_>>(), ["sync-28928170"]);
    let sync = c.object("cronjobs", "sync").expect("sync");
    assert_eq!(sync["status"]["active"].as_array().map(Vec::len), Some(1));
    snap!("cronjob_replace", transcript(&runs));
}

/// `spec.timeZone: America/New_York` across 2025's changes, as robfig/cron steps through them:
/// no 02:30 on 9 March (it does not exist), two 01:30s on 2 November (it happens twice). Each
/// Job's scheduled-timestamp annotation is the New York wall time.
#[test]
fn time_zone_across_daylight_saving_changes() {
    let (c, mut runs) = cluster_with("timezone.yaml");
    runs.push(c.ok(&["advance", "310d"]));
    runs.push(c.ok(&["get", "cronjobs"]));
    let scheduled: Vec<String> = jobs(&c).into_iter().map(|j| j.1).collect();
    assert_eq!(
        scheduled,
        [
            "2025-11-01T01:30:00-04:00",
            "2025-11-02T01:30:00-04:00",
            "2025-11-02T01:30:00-05:00",
            "2025-11-03T01:30:00-05:00",
            "2025-03-08T02:30:00-05:00",
            "2025-03-10T02:30:00-04:00",
            "2025-03-11T02:30:00-04:00",
        ]
    );
    let listing: Vec<String> = jobs(&c).into_iter().map(|(n, s)| format!("{n}  {s}")).collect();
    snap!("cronjob_time_zone", format!("{}\n{}\n", transcript(&runs), listing.join("\n")));
}

/// Suspend stops new runs; on resume the most recent missed start time runs at once (once), as
/// upstream's `mostRecentScheduleTime` picks it.
#[test]
fn suspend_and_resume() {
    let (c, mut runs) = cluster_with("tick.yaml");
    runs.push(c.ok(&["patch", "cj", "tick", "-p", r#"{"spec":{"suspend":true}}"#]));
    runs.push(c.ok(&["advance", "1h"]));
    assert!(jobs(&c).is_empty(), "suspended: no run");
    runs.push(c.ok(&["get", "cj"]));
    runs.push(c.ok(&["patch", "cj", "tick", "-p", r#"{"spec":{"suspend":false}}"#]));
    assert_eq!(jobs(&c).len(), 1, "the most recent missed start time runs once");
    runs.push(c.ok(&["get", "jobs"]));
    snap!("cronjob_suspend", transcript(&runs));
}

/// A CronJob whose last run was long ago: more than 100 start times missed gives one warning
/// (TooManyMissedTimes) and a single Job for the most recent.
#[test]
fn too_many_missed_start_times() {
    let c = Cluster::seed_nodes();
    let manifest = c.write(
        "minutely.yaml",
        r#"apiVersion: batch/v1
kind: CronJob
metadata: {name: minutely}
spec:
  schedule: "* * * * *"
  suspend: true
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: c, image: busybox:1.36}]
"#,
    );
    let mut runs = vec![c.ok(&["apply", "-f", &manifest])];
    runs.push(c.ok(&["advance", "3h"]));
    runs.push(c.ok(&["patch", "cj", "minutely", "-p", r#"{"spec":{"suspend":false}}"#]));
    runs.push(c.ok(&["describe", "cj", "minutely"]));
    assert_eq!(jobs(&c).len(), 1);
    assert!(runs[2].stdout.contains("TooManyMissedTimes"), "{}", runs[2].stdout);
    snap!("cronjob_too_many_missed", transcript(&runs));
}

/// `kubectl create job --from=cronjob/tick`: the Job kubectl makes (instantiate annotation,
/// controller reference), which the controller does not list and warns about (UnexpectedJob) but
/// counts in its history; then deletion: background (the garbage collector takes the Jobs) and
/// orphan (the Jobs stay, without the reference).
#[test]
fn create_job_from_cron_job_and_delete() {
    let (c, mut runs) = cluster_with("tick.yaml");
    runs.push(c.ok(&["create", "job", "tick-manual", "--from=cronjob/tick"]));
    let manual = c.object("jobs", "tick-manual").expect("created");
    assert_eq!(annotation(&manual, "cronjob.kubernetes.io/instantiate"), Some("manual"));
    assert_eq!(owner(&manual), "tick");
    runs.push(c.ok(&["get", "job", "tick-manual", "-o", "yaml"]));
    runs.push(c.ok(&["describe", "cj", "tick"]));
    runs.push(c.code(&["create", "job", "tick-manual", "--from=cronjob/tick"], 1));
    runs.push(c.code(&["create", "job", "x", "--from=cronjob/nope"], 1));
    runs.push(c.ok(&["advance", "16m"]));
    let orphaned = Cluster::from_state(&c.state);
    runs.push(c.ok(&["delete", "cronjob", "tick"]));
    assert!(jobs(&c).is_empty(), "background: the garbage collector deletes the Jobs");
    runs.push(orphaned.ok(&["delete", "cronjob", "tick", "--cascade=orphan"]));
    let left = orphaned.items("jobs");
    assert_eq!(left.len(), 2);
    assert!(left.iter().all(|j| owner(j).is_empty()), "orphan: the Jobs lose their reference");
    snap!("cronjob_create_job_and_delete", transcript(&runs));
}

/// What the API server refuses in a CronJob, and the acceptance script's `99 * * *`: exit 1, the
/// file, document and field named, the state untouched.
#[test]
fn bad_cron_jobs_are_refused() {
    let c = Cluster::seed_nodes();
    c.ok(&["apply", "-f", &example("cronjob/tick.yaml")]);
    let base: Value = serde_yaml::from_str(&repo_file("examples/cronjob/tick.yaml")).expect("yaml");
    let cases: [(&str, Value, &str); 9] = [
        ("four fields", json!({"spec": {"schedule": "99 * * *"}}), "spec.schedule"),
        ("minute out of range", json!({"spec": {"schedule": "99 * * * *"}}), "spec.schedule"),
        ("TZ= prefix", json!({"spec": {"schedule": "TZ=Europe/Paris 0 * * * *"}}), "spec.schedule"),
        ("unknown time zone", json!({"spec": {"timeZone": "Europe/Atlantis"}}), "spec.timeZone"),
        (
            "negative deadline",
            json!({"spec": {"startingDeadlineSeconds": -5}}),
            "spec.startingDeadlineSeconds",
        ),
        (
            "negative history limit",
            json!({"spec": {"successfulJobsHistoryLimit": -1}}),
            "spec.successfulJobsHistoryLimit",
        ),
        (
            "invalid concurrencyPolicy",
            json!({"spec": {"concurrencyPolicy": "Sometimes"}}),
            "spec.concurrencyPolicy",
        ),
        (
            "restartPolicy Always",
            json!({"spec": {"jobTemplate": {"spec": {"template": {"spec": {"restartPolicy": "Always"}}}}}}),
            "spec.jobTemplate.spec.template.spec.restartPolicy",
        ),
        ("name too long for its Jobs", json!({"metadata": {"name": "a".repeat(53)}}), "metadata.name"),
    ];
    let before = c.state_bytes();
    let mut out = Vec::new();
    for (what, patch, field) in cases {
        let mut doc = base.clone();
        json_patch::merge(&mut doc, &patch);
        let file = c.write("bad.yaml", &serde_yaml::to_string(&doc).expect("yaml"));
        let r = c.code(&["apply", "-f", &file], 1);
        assert!(r.stderr.starts_with("error: bad.yaml: document 1"), "{what}: {}", r.stderr);
        assert!(r.stderr.contains(&format!(": {field}: ")), "{what}: {}", r.stderr);
        assert_eq!(c.state_bytes(), before, "{what}: the state is untouched");
        out.push(format!("# {what}\n{}", r.stderr));
    }
    let r = c.code(&["patch", "cj", "tick", "-p", r#"{"spec":{"timeZone":"Mars/Olympus"}}"#], 1);
    assert_eq!(c.state_bytes(), before, "a patch that would make it invalid is refused");
    out.push(format!("# patch\n{}", r.stderr));
    snap!("cronjob_bad_input", out.join("\n"));
}
