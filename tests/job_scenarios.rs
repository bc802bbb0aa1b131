//! Jobs through the CLI, every step pinned: the tutorial's `pi` Job (5 completions, 2 at a
//! time), a Job failing until its backoff limit at upstream's back-off times, an Indexed Job
//! with one index failing under backoffLimitPerIndex; then suspending and resuming, deleting,
//! TTL after finished, restartPolicy OnFailure's restarts and the active deadline.
//!
//! Each command's trace and what `get` / `describe` show afterwards are snapshots; the
//! numbers that matter (pods per step, times, counters, conditions) are asserted directly.

mod common;

use common::*;
use serde_json::Value;

fn nodes() -> Cluster {
    Cluster::seed_nodes()
}

/// A command's transcript, then `get jobs` and `get pods`.
fn step(c: &Cluster, args: &[&str]) -> String {
    let mut out = c.ok(args).transcript();
    for kind in ["jobs", "pods"] {
        out.push('\n');
        out.push_str(&c.run(&["get", kind]).transcript());
    }
    out
}

/// Pod creations of a JSON trace per step time (seconds since the first step).
fn creates_per_step(trace: &Value) -> Vec<(i64, usize)> {
    let start = trace["steps"][0]["time"].as_str().map(secs).unwrap_or(0);
    let mut out: Vec<(i64, usize)> = Vec::new();
    for (t, a) in actions(trace) {
        if a["action"] == "create" && a["kind"] == "Pod" {
            let at = secs(&t) - start;
            match out.last_mut() {
                Some((last, n)) if *last == at => *n += 1,
                _ => out.push((at, 1)),
            }
        }
    }
    out
}

fn condition<'a>(job: &'a Value, kind: &str) -> Option<&'a Value> {
    job["status"]["conditions"].as_array().into_iter().flatten().find(|c| c["type"] == kind)
}

#[test]
fn pi_runs_five_completions_two_at_a_time() {
    let c = nodes();
    let path = example("job/pi.yaml");
    let trace = c.ok(&["apply", "-f", &path, "-o", "json"]).json();
    assert_eq!(creates_per_step(&trace), [(0, 2), (8, 2), (16, 1)], "pods of 2, 2 and 1");
    let job = c.object("job", "pi").unwrap();
    assert_eq!(job["status"]["succeeded"], 5);
    assert_eq!(condition(&job, "Complete").unwrap()["reason"], "CompletionsReached");
    assert_eq!(
        str_at(&job, "/status/completionTime"),
        str_at(condition(&job, "Complete").unwrap(), "/lastTransitionTime")
    );
    assert!(c
        .live_pods()
        .iter()
        .all(|p| str_at(p, "/status/phase") == "Succeeded" && p["metadata"]["finalizers"].is_null()));
    assert_eq!(row(&c.ok(&["get", "jobs", "pi"]).stdout, "pi")[1..3], ["Complete", "5/5"]);

    let c = nodes();
    snap!("job_pi_apply", step(&c, &["apply", "-f", &path]));
    snap!("job_pi_describe", c.ok(&["describe", "job", "pi"]).transcript());
    snap!("job_pi_get_wide", c.ok(&["get", "jobs", "-o", "wide"]).transcript());
}

/// The pod-failure back-off: after the n-th failure the next pod comes 10 s × 2^(n-1) after the
/// failed pod finished; the 4th failure passes backoffLimit 3.
#[test]
fn failing_job_backs_off_and_stops_at_the_backoff_limit() {
    let c = nodes();
    let path = example("job/failing.yaml");
    let trace = c.ok(&["apply", "-f", &path, "-o", "json"]).json();
    let start = secs(trace["steps"][0]["time"].as_str().unwrap());
    let mut failed_at = Vec::new();
    let mut created_at = Vec::new();
    for (t, a) in actions(&trace) {
        let at = secs(&t) - start;
        if a["kind"] == "Pod" && a["action"] == "create" {
            created_at.push(at);
        }
        if a["kind"] == "Pod"
            && a["controller"] == "kubelet"
            && a["reason"].as_str().unwrap_or("").contains("exited with code 1")
        {
            failed_at.push(at);
        }
    }
    assert_eq!(failed_at.len(), 4);
    let waits: Vec<i64> = failed_at.iter().zip(&created_at[1..]).map(|(f, c)| c - f).collect();
    assert_eq!(waits, [10, 20, 40], "upstream's back-off after 1, 2, 3 failures");
    let job = c.object("job", "fails").unwrap();
    assert_eq!(job["status"]["failed"], 4);
    for kind in ["FailureTarget", "Failed"] {
        let cond = condition(&job, kind).unwrap();
        assert_eq!(
            (cond["reason"].as_str(), cond["message"].as_str()),
            (Some("BackoffLimitExceeded"), Some("Job has reached the specified backoff limit"))
        );
    }

    let c = nodes();
    snap!("job_failing_apply", step(&c, &["apply", "-f", &path]));
    snap!("job_failing_describe", c.ok(&["describe", "job", "fails"]).transcript());
}

#[test]
fn indexed_job_with_a_failing_index() {
    let c = nodes();
    let path = example("job/indexed.yaml");
    c.ok(&["apply", "-f", &path]);
    let job = c.object("job", "indexed").unwrap();
    assert_eq!(str_at(&job, "/status/completedIndexes"), "0,1,3");
    assert_eq!(str_at(&job, "/status/failedIndexes"), "2");
    assert_eq!((job["status"]["succeeded"].as_i64(), job["status"]["failed"].as_i64()), (Some(3), Some(2)));
    assert_eq!(condition(&job, "Failed").unwrap()["reason"], "FailedIndexes");
    let pods = c.items("pods");
    let index_2: Vec<&Value> = pods.iter().filter(|p| name(p).starts_with("indexed-2-")).collect();
    assert_eq!(index_2.len(), 2, "index 2 tried twice");
    let counts: Vec<&str> = index_2
        .iter()
        .map(|p| annotation(p, "batch.kubernetes.io/job-index-failure-count").unwrap())
        .collect();
    assert!(counts.contains(&"0") && counts.contains(&"1"), "{counts:?}");

    let c = nodes();
    snap!("job_indexed_apply", step(&c, &["apply", "-f", &path]));
    snap!("job_indexed_yaml", c.ok(&["get", "job", "indexed", "-o", "yaml"]).transcript());
}

/// Suspend (active pods deleted, Suspended=True), resume (pods again, startTime reset), then
/// delete with kubectl's default background cascade: the Job goes, then its pods. The pods
/// run an hour; `--steps` stops the runs while they do.
#[test]
fn suspend_resume_and_delete() {
    let c = nodes();
    let job = c.write(
        "long.yaml",
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: long}\nspec:\n  parallelism: 2\n  completions: 4\n  template:\n    metadata: {annotations: {konverge.io/run-for: 1h}}\n    spec:\n      restartPolicy: Never\n      containers: [{name: c, image: busybox}]\n",
    );
    // Stopped while the first two pods run (left alone, the clock would jump to their end).
    c.ok(&["apply", "-f", &job, "--steps", "4"]);
    assert_eq!(c.live_pods().len(), 2);
    let suspend = step(&c, &["patch", "job", "long", "-p", r#"{"spec":{"suspend":true}}"#]);
    assert!(c.live_pods().is_empty(), "suspending deletes the active pods");
    assert_eq!(condition(&c.object("job", "long").unwrap(), "Suspended").unwrap()["status"], "True");
    assert_eq!(row(&c.ok(&["get", "jobs"]).stdout, "long")[1], "Suspended");
    c.ok(&["advance", "10m"]);
    let resume = step(&c, &["patch", "job", "long", "-p", r#"{"spec":{"suspend":false}}"#, "--steps", "4"]);
    let j = c.object("job", "long").unwrap();
    assert_eq!(condition(&j, "Suspended").unwrap()["reason"], "JobResumed");
    assert_eq!(
        str_at(&j, "/status/startTime"),
        str_at(condition(&j, "Suspended").unwrap(), "/lastTransitionTime")
    );
    assert_eq!(c.live_pods().len(), 2);
    let delete = step(&c, &["delete", "job", "long"]);
    assert!(c.object("job", "long").is_none());
    assert!(c.items("pods").is_empty(), "the Job's pods are deleted with it");
    snap!("job_suspend_resume_delete", format!("{suspend}\n{resume}\n{delete}"));
}

/// ttlSecondsAfterFinished: the finished Job and its pods are deleted that long after it
/// finished.
#[test]
fn ttl_after_finished_deletes_the_job() {
    let c = nodes();
    let job = c.write(
        "ttl.yaml",
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: short}\nspec:\n  ttlSecondsAfterFinished: 100\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: c, image: busybox}]\n",
    );
    let trace = c.ok(&["apply", "-f", &job, "-o", "json"]).json();
    let deletes: Vec<(String, Value)> =
        actions(&trace).into_iter().filter(|(_, a)| a["controller"] == "ttl-after-finished").collect();
    assert_eq!(deletes.len(), 1);
    let finished = actions(&trace)
        .into_iter()
        .find(|(_, a)| a["kind"] == "Job" && a["reason"].as_str().unwrap_or("").contains("Complete"))
        .map(|(t, _)| secs(&t))
        .unwrap();
    assert_eq!(secs(&deletes[0].0) - finished, 100);
    assert!(c.object("job", "short").is_none());
    assert!(c.items("pods").is_empty());
}

/// restartPolicy OnFailure: the container restarts in place with the kubelet's back-off
/// (at once, then 10 s, 20 s, …) and the restarts reaching backoffLimit fail the Job.
#[test]
fn on_failure_restarts_in_place_until_the_backoff_limit() {
    let c = nodes();
    let job = c.write(
        "onfailure.yaml",
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: retry}\nspec:\n  backoffLimit: 3\n  template:\n    metadata: {annotations: {konverge.io/exit-code: \"2\"}}\n    spec:\n      restartPolicy: OnFailure\n      containers: [{name: c, image: busybox}]\n",
    );
    let r = c.ok(&["apply", "-f", &job, "--steps", "9"]);
    let pods = c.ok(&["get", "pods"]).stdout;
    assert!(pods.contains("CrashLoopBackOff"), "{}\n{pods}", r.stdout);
    let trace = c.ok(&["run", "-o", "json"]).json();
    let restarts: Vec<i64> = actions(&trace)
        .into_iter()
        .filter(|(_, a)| a["reason"].as_str().unwrap_or("").starts_with("container restarted"))
        .map(|(t, _)| secs(&t))
        .collect();
    assert_eq!(restarts.len(), 2, "restarts 2 and 3 (the first happened before)");
    let j = c.object("job", "retry").unwrap();
    assert_eq!(condition(&j, "Failed").unwrap()["reason"], "BackoffLimitExceeded");
    assert_eq!(j["status"]["failed"], 1, "the deleted pod counts as one failure");
    assert!(c.items("pods").is_empty());
    snap!("job_on_failure", format!("{}\n{}", r.transcript(), step(&c, &["get", "jobs", "-o", "wide"])));
}

/// activeDeadlineSeconds: the Job fails DeadlineExceeded that long after it started, its
/// running pod deleted.
#[test]
fn active_deadline_fails_the_job() {
    let c = nodes();
    let job = c.write(
        "deadline.yaml",
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: slow}\nspec:\n  activeDeadlineSeconds: 30\n  template:\n    metadata: {annotations: {konverge.io/run-for: 1h}}\n    spec:\n      restartPolicy: Never\n      containers: [{name: c, image: busybox}]\n",
    );
    c.ok(&["apply", "-f", &job]);
    let j = c.object("job", "slow").unwrap();
    let failed = condition(&j, "Failed").unwrap();
    assert_eq!(failed["reason"], "DeadlineExceeded");
    assert_eq!(
        secs(failed["lastTransitionTime"].as_str().unwrap()) - secs(str_at(&j, "/status/startTime")),
        32,
        "the deadline, then the deleted pod must be gone"
    );
    assert_eq!(j["status"]["failed"], 1);
    assert!(c.items("pods").is_empty());
}

/// A pod's own activeDeadlineSeconds: the kubelet fails it (DeadlineExceeded).
#[test]
fn pod_active_deadline() {
    let c = nodes();
    let pod = c.write(
        "pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  activeDeadlineSeconds: 20\n  containers: [{name: c, image: busybox}]\n",
    );
    c.ok(&["apply", "-f", &pod]);
    let p = c.object("pod", "p").unwrap();
    assert_eq!((str_at(&p, "/status/phase"), str_at(&p, "/status/reason")), ("Failed", "DeadlineExceeded"));
    assert_eq!(
        secs(str_at(&p, "/status/containerStatuses/0/state/terminated/finishedAt"))
            - secs(str_at(&p, "/status/startTime")),
        20
    );
}
