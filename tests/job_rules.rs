//! The Job controller against upstream's own test tables (pkg/controller/job:
//! job_controller_test.go `TestControllerSyncJob`, `TestGetNewFinshedPods`, the pod failure
//! policy cases of `TestSyncJobWithJobPodFailurePolicy` and pod_failure_policy_test.go
//! `TestMatchPodFailurePolicy`, success_policy_test.go `TestMatchSuccessPolicy`, the
//! per-index cases of `TestSyncJobWithJobBackoffLimitPerIndex`, backoff_utils_test.go
//! `TestGetRemainingBackoffTime`).
//!
//! Each case builds the Job and its pods as upstream's test does (every pod carries the
//! tracking finalizer unless the case says otherwise), runs one sync
//! (`controllers::job::reconcile` over `Facts::extract`) and compares what upstream checks:
//! pods created (and their indexes) and deleted, the status counters and conditions, and the
//! pod patches (tracking finalizers removed).
//!
//! konverge runs with upstream's v1.33 defaults on (JobPodReplacementPolicy, JobManagedBy,
//! JobSuccessPolicy, JobBackoffLimitPerIndex): where a case runs with those gates off
//! upstream, the expected values are those of its gates-on twin, and the comment says so
//! (terminating counts are reported, a failure is written as FailureTarget then Failed).

use konverge::actions::Change;
use konverge::controllers::job::reconcile;
use konverge::facts::Facts;
use konverge::model::{self, ObjKey};
use konverge::state::State;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The clock of every sync (2025-01-01T01:00:00Z).
const NOW: i64 = 1_735_693_200;
const JOB_UID: &str = "uid-foobar";

fn t(secs: i64) -> String {
    model::fmt_time(secs)
}

/// upstream `newJob(parallelism, completions, backoffLimit, completionMode)`: -1 leaves a field
/// unset.
fn new_job(parallelism: i64, completions: i64, backoff_limit: i64, indexed: bool) -> Value {
    let mut spec = json!({
        "backoffLimit": backoff_limit,
        "completionMode": if indexed { "Indexed" } else { "NonIndexed" },
        "suspend": false,
        "manualSelector": false,
        "podReplacementPolicy": "TerminatingOrFailed",
        "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": JOB_UID}},
        "template": {
            "metadata": {"labels": {"batch.kubernetes.io/controller-uid": JOB_UID, "batch.kubernetes.io/job-name": "foobar"}},
            "spec": {"restartPolicy": "Never", "containers": [{"name": "main", "image": "foo/bar"}]},
        },
    });
    if parallelism >= 0 {
        spec["parallelism"] = json!(parallelism);
    }
    if completions >= 0 {
        spec["completions"] = json!(completions);
    }
    json!({
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": "foobar", "namespace": "default", "uid": JOB_UID, "creationTimestamp": t(NOW - 600)},
        "spec": spec,
        "status": {},
    })
}

/// A pod of the Job (upstream `newPod` + `setPodsStatuses`): tracked, finished pods with a
/// terminated container.
struct PodSpec {
    phase: &'static str,
    index: Option<&'static str>,
    ready: bool,
    tracked: bool,
    deleting: bool,
    exit_code: Option<i64>,
    conditions: Vec<(&'static str, &'static str)>,
    finished_at: i64,
    annotations: Vec<(&'static str, String)>,
}

fn pod(phase: &'static str) -> PodSpec {
    PodSpec {
        phase,
        index: None,
        ready: false,
        tracked: true,
        deleting: false,
        exit_code: None,
        conditions: vec![],
        finished_at: NOW - 60,
        annotations: vec![],
    }
}

impl PodSpec {
    fn index(mut self, ix: &'static str) -> Self {
        self.index = Some(ix);
        self
    }
    fn ready(mut self) -> Self {
        self.ready = true;
        self
    }
    fn untracked(mut self) -> Self {
        self.tracked = false;
        self
    }
    fn deleting(mut self) -> Self {
        self.deleting = true;
        self
    }
    fn exit(mut self, code: i64) -> Self {
        self.exit_code = Some(code);
        self
    }
    fn condition(mut self, kind: &'static str, status: &'static str) -> Self {
        self.conditions.push((kind, status));
        self
    }
    fn finished(mut self, at: i64) -> Self {
        self.finished_at = at;
        self
    }
    fn annotation(mut self, k: &'static str, v: &str) -> Self {
        self.annotations.push((k, v.to_string()));
        self
    }

    fn build(&self, name: &str) -> Value {
        let mut annotations = serde_json::Map::new();
        if let Some(ix) = self.index {
            annotations.insert("batch.kubernetes.io/job-completion-index".into(), json!(ix));
        }
        for (k, v) in &self.annotations {
            annotations.insert(k.to_string(), json!(v));
        }
        let terminated = matches!(self.phase, "Succeeded" | "Failed") || self.exit_code.is_some();
        let state = if terminated {
            json!({"terminated": {"exitCode": self.exit_code.unwrap_or(if self.phase == "Failed" { 1 } else { 0 }), "finishedAt": t(self.finished_at)}})
        } else {
            json!({"running": {"startedAt": t(NOW - 120)}})
        };
        let mut conditions = vec![
            json!({"type": "Ready", "status": if self.ready { "True" } else { "False" }, "lastTransitionTime": t(NOW - 100)}),
        ];
        conditions.extend(self.conditions.iter().map(|(k, s)| json!({"type": k, "status": s})));
        let mut p = json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {
                "name": name, "namespace": "default", "uid": format!("uid-{name}"),
                "creationTimestamp": t(NOW - 300),
                "labels": {"batch.kubernetes.io/controller-uid": JOB_UID},
                "annotations": annotations,
                "ownerReferences": [{"apiVersion": "batch/v1", "kind": "Job", "name": "foobar", "uid": JOB_UID, "controller": true, "blockOwnerDeletion": true}],
            },
            "spec": {"nodeName": "node-1", "restartPolicy": "Never", "containers": [{"name": "main", "image": "foo/bar"}]},
            "status": {
                "phase": self.phase,
                "conditions": conditions,
                "containerStatuses": [{"name": "main", "state": state, "restartCount": 0}],
            },
        });
        if self.tracked {
            p["metadata"]["finalizers"] = json!(["batch.kubernetes.io/job-tracking"]);
        }
        if self.deleting {
            p["metadata"]["deletionTimestamp"] = json!(t(NOW - 10));
        }
        p
    }
}

/// What one sync did.
#[derive(Debug, Default)]
struct Synced {
    creations: usize,
    created_indexes: Vec<i64>,
    created: Vec<Value>,
    deletions: usize,
    pod_patches: usize,
    status: Value,
    wakes: Vec<i64>,
}

impl Synced {
    fn int(&self, k: &str) -> i64 {
        self.status[k].as_i64().unwrap_or(0)
    }
    /// (type, status, reason) of every condition, in order.
    fn conditions(&self) -> Vec<(String, String, String)> {
        self.status["conditions"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                (
                    model::str_at(c, &["type"]).to_string(),
                    model::str_at(c, &["status"]).to_string(),
                    model::str_at(c, &["reason"]).to_string(),
                )
            })
            .collect()
    }
    fn condition_message(&self, kind: &str) -> String {
        self.status["conditions"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| c["type"] == kind)
            .map(|c| model::str_at(c, &["message"]).to_string())
            .unwrap_or_default()
    }
}

fn sync(job: Value, pods: &[PodSpec]) -> Synced {
    let mut store: BTreeMap<ObjKey, Value> = BTreeMap::new();
    let old_status = job["status"].clone();
    store.insert(ObjKey::of(&job), job);
    for (i, p) in pods.iter().enumerate() {
        let obj = p.build(&format!("pod-{i:02}"));
        store.insert(ObjKey::of(&obj), obj);
    }
    let snapshot = State::of_objects(store.clone(), NOW);
    let facts = Facts::extract(&snapshot);
    let proposals = reconcile(&facts);
    let mut out = Synced { status: old_status, wakes: proposals.wakes.clone(), ..Synced::default() };
    for a in proposals.actions {
        match a.change {
            Change::Create { object } if object["kind"] == "Pod" => {
                out.creations += 1;
                if let Some(ix) =
                    object["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"].as_str()
                {
                    out.created_indexes.push(ix.parse().unwrap());
                }
                out.created.push(object);
            }
            Change::Delete { key, .. } if key.kind == "Pod" => out.deletions += 1,
            Change::Patch { key, patch, .. } if key.kind == "Pod" => {
                assert!(
                    patch["metadata"].get("finalizers").is_some(),
                    "a pod patch removes its finalizer: {patch}"
                );
                out.pod_patches += 1;
            }
            Change::Patch { key, patch, .. } if key.kind == "Job" => {
                json_patch::merge(&mut out.status, &patch["status"]);
            }
            other => panic!("unexpected action {other:?}"),
        }
    }
    out.created_indexes.sort_unstable();
    out
}

/// Pods in the counts of `setPodsStatuses(pending, active, succeeded, failed, terminating,
/// ready)`.
fn pods(
    pending: usize,
    active: usize,
    ready: usize,
    succeeded: usize,
    failed: usize,
    terminating: usize,
) -> Vec<PodSpec> {
    let mut out = Vec::new();
    out.extend((0..pending).map(|_| pod("Pending")));
    out.extend((0..active).map(|i| if i < ready { pod("Running").ready() } else { pod("Running") }));
    out.extend((0..succeeded).map(|_| pod("Succeeded")));
    out.extend((0..failed).map(|_| pod("Failed")));
    out.extend((0..terminating).map(|_| pod("Running").deleting()));
    out
}

struct Expect {
    creations: usize,
    deletions: usize,
    active: i64,
    ready: i64,
    succeeded: i64,
    failed: i64,
    terminating: i64,
    pod_patches: usize,
}

/// (pods created, pods deleted), the status counters (active, ready, succeeded, failed,
/// terminating), pods patched.
fn expect(
    (creations, deletions): (usize, usize),
    (active, ready, succeeded, failed, terminating): (i64, i64, i64, i64, i64),
    pod_patches: usize,
) -> Expect {
    Expect { creations, deletions, active, ready, succeeded, failed, terminating, pod_patches }
}

fn check(name: &str, got: &Synced, want: &Expect) {
    let seen = (
        got.creations,
        got.deletions,
        got.int("active"),
        got.int("ready"),
        got.int("succeeded"),
        got.int("failed"),
        got.int("terminating"),
        got.pod_patches,
    );
    let wanted = (
        want.creations,
        want.deletions,
        want.active,
        want.ready,
        want.succeeded,
        want.failed,
        want.terminating,
        want.pod_patches,
    );
    assert_eq!(
        seen, wanted,
        "{name}: (creations, deletions, active, ready, succeeded, failed, terminating, pod patches)"
    );
    assert!(
        got.status.get("ready").is_some() && got.status.get("terminating").is_some(),
        "{name}: ready and terminating are always reported"
    );
}

fn with(mut job: Value, change: Value) -> Value {
    json_patch::merge(&mut job, &change);
    job
}

fn replacement(job: Value, policy: &str) -> Value {
    with(job, json!({"spec": {"podReplacementPolicy": policy}}))
}

/// `TestControllerSyncJob`, the cases without expectations, pod-control errors or pod limits
/// (konverge admits every create and delete in the step they are proposed).
#[test]
fn controller_sync_job() {
    let cases: Vec<(&str, Value, Vec<PodSpec>, Expect)> = vec![
        ("job start", new_job(2, 5, 6, false), vec![], expect((2, 0), (2, 0, 0, 0, 0), 0)),
        ("WQ job start", new_job(2, -1, 6, false), vec![], expect((2, 0), (2, 0, 0, 0, 0), 0)),
        ("pending pods", new_job(2, 5, 6, false), pods(2, 0, 0, 0, 0, 0), expect((0, 0), (2, 0, 0, 0, 0), 0)),
        (
            "correct # of pods",
            new_job(3, 5, 6, false),
            pods(0, 3, 2, 0, 0, 0),
            expect((0, 0), (3, 2, 0, 0, 0), 0),
        ),
        (
            "WQ job: correct # of pods",
            new_job(2, -1, 6, false),
            pods(0, 2, 0, 0, 0, 0),
            expect((0, 0), (2, 0, 0, 0, 0), 0),
        ),
        (
            "too few active pods",
            new_job(2, 5, 6, false),
            pods(0, 1, 0, 1, 0, 0),
            expect((1, 0), (2, 0, 1, 0, 0), 1),
        ),
        (
            "WQ job: recreate pods when failed",
            replacement(new_job(1, -1, 6, false), "Failed"),
            pods(0, 1, 0, 0, 1, 1),
            expect((0, 0), (1, 0, 0, 1, 1), 1),
        ),
        (
            "WQ job: turn on PodReplacementPolicy but not set PodReplacementPolicy",
            new_job(1, 1, 6, false),
            pods(0, 1, 0, 0, 1, 1),
            expect((0, 0), (1, 0, 0, 2, 1), 2),
        ),
        (
            "WQ job: recreate pods when terminating or failed",
            replacement(new_job(1, -1, 6, false), "TerminatingOrFailed"),
            pods(0, 1, 0, 0, 1, 1),
            expect((0, 0), (1, 0, 0, 2, 1), 2),
        ),
        (
            "more terminating pods than parallelism",
            replacement(new_job(1, 1, 6, false), "Failed"),
            pods(0, 2, 0, 0, 0, 4),
            expect((0, 1), (1, 0, 0, 0, 5), 1),
        ),
        (
            "too few active pods with a dynamic job",
            new_job(2, -1, 6, false),
            pods(0, 1, 0, 0, 0, 0),
            expect((1, 0), (2, 0, 0, 0, 0), 0),
        ),
        // "too many active pods; PodReplacementPolicy enabled" (the deleted pod terminates).
        (
            "too many active pods",
            new_job(2, 5, 6, false),
            pods(0, 3, 0, 0, 0, 0),
            expect((0, 1), (2, 0, 0, 0, 1), 1),
        ),
        (
            "count ready pods when too many active pods",
            new_job(2, 5, 6, false),
            pods(0, 3, 3, 0, 0, 0),
            expect((0, 1), (2, 2, 0, 0, 1), 1),
        ),
        (
            "failed + succeed pods: reset backoff delay",
            new_job(2, 5, 6, false),
            pods(0, 1, 0, 1, 1, 0),
            expect((1, 0), (2, 0, 1, 1, 0), 2),
        ),
        (
            "new failed pod",
            new_job(2, 5, 6, false),
            pods(0, 1, 0, 0, 1, 0),
            expect((1, 0), (2, 0, 0, 1, 0), 1),
        ),
        (
            "no new pod; possible finalizer update of failed pod",
            with(
                new_job(1, 1, 6, false),
                json!({"status": {"active": 1, "failed": 1, "startTime": t(NOW - 60)}}),
            ),
            pods(0, 1, 0, 0, 0, 0),
            expect((0, 0), (1, 0, 0, 1, 0), 0),
        ),
        ("job finish", new_job(2, 5, 6, false), pods(0, 0, 0, 5, 0, 0), expect((0, 0), (0, 0, 5, 0, 0), 5)),
        (
            "WQ job finishing",
            new_job(2, -1, 6, false),
            pods(0, 1, 0, 1, 0, 0),
            expect((0, 0), (1, 0, 1, 0, 0), 1),
        ),
        (
            "WQ job all finished",
            new_job(2, -1, 6, false),
            pods(0, 0, 0, 2, 0, 0),
            expect((0, 0), (0, 0, 2, 0, 0), 2),
        ),
        (
            "WQ job all finished despite one failure",
            new_job(2, -1, 6, false),
            pods(0, 0, 0, 1, 1, 0),
            expect((0, 0), (0, 0, 1, 1, 0), 2),
        ),
        (
            "more active pods than parallelism",
            new_job(2, 5, 6, false),
            pods(0, 10, 0, 0, 0, 0),
            expect((0, 8), (2, 0, 0, 0, 8), 8),
        ),
        (
            "more active pods than remaining completions",
            new_job(3, 4, 6, false),
            pods(0, 3, 0, 2, 0, 0),
            expect((0, 1), (2, 0, 2, 0, 1), 3),
        ),
        (
            "status change",
            new_job(2, 5, 6, false),
            pods(0, 2, 0, 2, 0, 0),
            expect((0, 0), (2, 0, 2, 0, 0), 2),
        ),
        (
            "deleting job",
            with(new_job(2, 5, 6, false), json!({"metadata": {"deletionTimestamp": t(NOW - 5)}})),
            pods(1, 1, 0, 1, 0, 0),
            expect((0, 0), (2, 0, 1, 0, 0), 3),
        ),
        (
            "too many job failures",
            with(new_job(2, 5, 0, false), json!({"metadata": {"deletionTimestamp": t(NOW - 5)}})),
            pods(0, 0, 0, 0, 1, 0),
            expect((0, 0), (0, 0, 0, 1, 0), 1),
        ),
        (
            "count ready pods when job fails",
            new_job(2, 3, 0, false),
            pods(0, 2, 2, 0, 1, 0),
            expect((0, 2), (0, 0, 0, 3, 2), 3),
        ),
        (
            "suspending a job with satisfied expectations; PodReplacementPolicy enabled",
            with(new_job(2, 4, 6, false), json!({"spec": {"suspend": true}})),
            pods(0, 2, 0, 0, 0, 0),
            expect((0, 2), (0, 0, 0, 0, 2), 2),
        ),
        (
            "count ready pods when suspending a job with satisfied expectations",
            with(new_job(2, 4, 6, false), json!({"spec": {"suspend": true}})),
            pods(0, 2, 2, 0, 0, 0),
            expect((0, 2), (0, 0, 0, 0, 2), 2),
        ),
        (
            "resuming a suspended job",
            with(
                new_job(2, 4, 6, false),
                json!({"status": {"conditions": [{"type": "Suspended", "status": "True", "reason": "JobSuspended", "message": "Job suspended"}]}}),
            ),
            vec![],
            expect((2, 0), (2, 0, 0, 0, 0), 0),
        ),
        (
            "suspending a deleted job; PodReplacementPolicy enabled",
            with(
                new_job(2, 4, 6, false),
                json!({"spec": {"suspend": true}, "metadata": {"deletionTimestamp": t(NOW - 5)}}),
            ),
            pods(0, 2, 0, 0, 0, 0),
            expect((0, 0), (2, 0, 0, 0, 0), 2),
        ),
    ];
    for (name, job, pods, want) in cases {
        let got = sync(job, &pods);
        check(name, &got, &want);
    }
}

/// `TestControllerSyncJob`'s conditions.
#[test]
fn controller_sync_job_conditions() {
    let complete = vec![
        ("SuccessCriteriaMet".to_string(), "True".to_string(), "CompletionsReached".to_string()),
        ("Complete".to_string(), "True".to_string(), "CompletionsReached".to_string()),
    ];
    assert_eq!(sync(new_job(2, 5, 6, false), &pods(0, 0, 0, 5, 0, 0)).conditions(), complete, "job finish");
    assert_eq!(
        sync(new_job(2, -1, 6, false), &pods(0, 0, 0, 2, 0, 0)).conditions(),
        complete,
        "WQ job all finished"
    );
    let backoff = |kind: &str| (kind.to_string(), "True".to_string(), "BackoffLimitExceeded".to_string());
    let got = sync(
        with(new_job(2, 5, 0, false), json!({"metadata": {"deletionTimestamp": t(NOW - 5)}})),
        &pods(0, 0, 0, 0, 1, 0),
    );
    assert_eq!(got.conditions(), vec![backoff("FailureTarget"), backoff("Failed")], "too many job failures");
    assert_eq!(got.condition_message("Failed"), "Job has reached the specified backoff limit");
    // The active pods are deleted: the final condition waits for them.
    let got = sync(new_job(2, 3, 0, false), &pods(0, 2, 2, 0, 1, 0));
    assert_eq!(got.conditions(), vec![backoff("FailureTarget")], "count ready pods when job fails");
    let suspended =
        sync(with(new_job(2, 4, 6, false), json!({"spec": {"suspend": true}})), &pods(0, 2, 0, 0, 0, 0));
    assert_eq!(
        suspended.conditions(),
        vec![("Suspended".to_string(), "True".to_string(), "JobSuspended".to_string())],
        "suspending a job with satisfied expectations"
    );
    assert!(suspended.status.get("startTime").is_none(), "a Job suspended from the start has no startTime");
    let resumed = sync(
        with(
            new_job(2, 4, 6, false),
            json!({"status": {"conditions": [{"type": "Suspended", "status": "True", "reason": "JobSuspended", "message": "Job suspended"}]}}),
        ),
        &[],
    );
    assert_eq!(
        resumed.conditions(),
        vec![("Suspended".to_string(), "False".to_string(), "JobResumed".to_string())],
        "resuming a suspended job"
    );
    assert_eq!(resumed.status["startTime"], json!(t(NOW)), "resuming restarts startTime");
    // "FailureTarget=False condition added manually is ignored", and the SuccessCriteriaMet twin.
    for kind in ["FailureTarget", "SuccessCriteriaMet"] {
        let manual = json!({"type": kind, "status": "False", "reason": "ConditionAddedManually", "message": "Testing"});
        let got = sync(
            with(
                new_job(1, 1, 6, false),
                json!({"status": {"active": 1, "startTime": t(NOW - 60), "conditions": [manual]}}),
            ),
            &pods(0, 1, 1, 0, 0, 0),
        );
        assert_eq!(
            got.conditions(),
            vec![(kind.to_string(), "False".to_string(), "ConditionAddedManually".to_string())],
            "{kind}=False added manually is ignored"
        );
        assert_eq!((got.int("active"), got.int("ready")), (1, 1));
    }
}

/// `TestControllerSyncJob`'s Indexed cases.
#[test]
fn controller_sync_indexed_job() {
    let ix = |i: &'static str, phase: &'static str| pod(phase).index(i);
    type IndexedCase = (&'static str, Value, Vec<PodSpec>, Expect, Vec<i64>, &'static str);
    let cases: Vec<IndexedCase> = vec![
        (
            "indexed job start",
            new_job(2, 5, 6, true),
            vec![],
            expect((2, 0), (2, 0, 0, 0, 0), 0),
            vec![0, 1],
            "",
        ),
        (
            "indexed job with some pods deleted, podReplacementPolicy Failed",
            replacement(new_job(2, 5, 6, true), "Failed"),
            vec![pod("Running").deleting()],
            expect((1, 0), (1, 0, 0, 0, 1), 0),
            vec![0],
            "",
        ),
        (
            "indexed job with some pods deleted, podReplacementPolicy TerminatingOrFailed",
            replacement(new_job(2, 5, 6, true), "TerminatingOrFailed"),
            vec![pod("Running").deleting()],
            expect((2, 0), (2, 0, 0, 0, 1), 1),
            vec![0, 1],
            "",
        ),
        (
            "indexed job completed",
            new_job(2, 3, 6, true),
            vec![ix("0", "Succeeded"), ix("1", "Failed"), ix("1", "Succeeded"), ix("2", "Succeeded")],
            expect((0, 0), (0, 0, 3, 1, 0), 4),
            vec![],
            "0-2",
        ),
        (
            "count terminating pods when indexed job fails and PodReplacementPolicy enabled",
            new_job(2, 3, 0, true),
            vec![ix("0", "Succeeded"), ix("1", "Failed"), ix("2", "Running")],
            expect((0, 1), (0, 0, 1, 2, 1), 3),
            vec![],
            "0",
        ),
        (
            "indexed job repeated completed index",
            new_job(2, 3, 6, true),
            vec![ix("0", "Succeeded"), ix("1", "Succeeded"), ix("1", "Succeeded")],
            expect((1, 0), (1, 0, 2, 0, 0), 3),
            vec![2],
            "0,1",
        ),
        (
            "indexed job some running and completed pods",
            new_job(8, 20, 6, true),
            vec![
                ix("0", "Running"),
                ix("2", "Succeeded"),
                ix("3", "Pending"),
                ix("4", "Succeeded"),
                ix("5", "Succeeded"),
                ix("7", "Succeeded"),
                ix("8", "Succeeded"),
                ix("9", "Succeeded"),
            ],
            expect((6, 0), (8, 0, 6, 0, 0), 6),
            vec![1, 6, 10, 11, 12, 13],
            "2,4,5,7-9",
        ),
        (
            "indexed job some failed pods",
            new_job(3, 4, 6, true),
            vec![ix("0", "Failed"), ix("1", "Pending"), ix("2", "Failed")],
            expect((2, 0), (3, 0, 0, 2, 0), 2),
            vec![0, 2],
            "",
        ),
        (
            "indexed job some pods without index",
            new_job(2, 5, 6, true),
            vec![
                pod("Running"),
                pod("Succeeded"),
                pod("Failed"),
                ix("invalid", "Running"),
                ix("invalid", "Succeeded"),
                ix("invalid", "Failed"),
                ix("invalid", "Pending"),
                ix("0", "Succeeded"),
                ix("1", "Running"),
                ix("2", "Running"),
            ],
            expect((0, 3), (2, 0, 1, 0, 3), 8),
            vec![],
            "0",
        ),
        (
            "indexed job repeated indexes",
            new_job(5, 5, 6, true),
            vec![
                pod("Succeeded"),
                pod("Failed"),
                ix("invalid", "Running"),
                ix("0", "Succeeded"),
                ix("1", "Running"),
                ix("2", "Running"),
                ix("2", "Pending"),
            ],
            expect((0, 2), (2, 0, 1, 0, 2), 5),
            vec![],
            "0",
        ),
        (
            "indexed job with indexes outside of range",
            new_job(2, 5, 6, true),
            vec![
                ix("0", "Succeeded"),
                ix("5", "Running"),
                ix("6", "Succeeded"),
                ix("7", "Pending"),
                ix("8", "Failed"),
            ],
            expect((0, 2), (0, 0, 1, 0, 2), 5),
            vec![],
            "0",
        ),
    ];
    for (name, job, pods, want, indexes, completed) in cases {
        let got = sync(job, &pods);
        check(name, &got, &want);
        assert_eq!(got.created_indexes, indexes, "{name}: created indexes");
        assert_eq!(
            got.status["completedIndexes"].as_str().unwrap_or(""),
            completed,
            "{name}: completedIndexes"
        );
        for p in &got.created {
            let ix =
                p["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"].as_str().unwrap();
            assert_eq!(
                p["metadata"]["labels"]["batch.kubernetes.io/job-completion-index"],
                json!(ix),
                "{name}: index label"
            );
            assert_eq!(p["spec"]["hostname"], json!(format!("foobar-{ix}")), "{name}: hostname");
            assert_eq!(p["metadata"]["generateName"], json!(format!("foobar-{ix}-")), "{name}: generateName");
            assert_eq!(
                p["spec"]["containers"][0]["env"],
                json!([{"name": "JOB_COMPLETION_INDEX", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['batch.kubernetes.io/job-completion-index']"}}}]),
                "{name}: JOB_COMPLETION_INDEX"
            );
            assert_eq!(
                p["metadata"]["finalizers"],
                json!(["batch.kubernetes.io/job-tracking"]),
                "{name}: tracked"
            );
        }
    }
}

/// `TestGetNewFinshedPods` (the cases without `uncountedTerminatedPods`, which konverge never
/// leaves behind): what one sync counts, seen in the counters it writes.
#[test]
fn new_finished_pods() {
    let counted = |phase| pod(phase).untracked();
    // (name, succeeded and failed counted before, pods, succeeded and failed after).
    type Case = (&'static str, i64, i64, Vec<PodSpec>, i64, i64);
    let cases: Vec<Case> = vec![
        (
            "some counted",
            2,
            1,
            vec![
                counted("Succeeded"),
                pod("Succeeded"),
                pod("Succeeded"),
                counted("Failed"),
                pod("Failed"),
                counted("Running"),
            ],
            4,
            2,
        ),
        (
            "deleted pods",
            1,
            1,
            vec![
                pod("Succeeded").deleting(),
                pod("Failed").deleting(),
                pod("Running").deleting(),
                pod("Pending").deleting(),
                counted("Running").deleting(),
                counted("Pending").deleting(),
            ],
            2,
            4,
        ),
    ];
    for (name, succeeded, failed, pods, want_succeeded, want_failed) in cases {
        let job = with(
            new_job(1, 100, 100, false),
            json!({"status": {"succeeded": succeeded, "failed": failed, "startTime": t(NOW - 60)}}),
        );
        let got = sync(job, &pods);
        assert_eq!((got.int("succeeded"), got.int("failed")), (want_succeeded, want_failed), "{name}");
    }
}

/// The pod-failure back-off (`TestControllerSyncJob` "too few active pods and active
/// back-off" / "… and no back-offs", backoff_utils_test.go `TestGetRemainingBackoffTime`):
/// after `n` failures since the last success no pod is created until 10 s × 2^(n-1) (at most
/// 10 min) after the last failure, and upstream's manageJob then reports no active pod.
#[test]
fn pod_failure_back_off() {
    let started = json!({"status": {"failed": 1, "startTime": t(NOW - 600)}});
    let failed_at = |ago: i64| pod("Failed").untracked().finished(NOW - ago);
    let cases: Vec<(&str, Vec<PodSpec>, usize, Option<i64>)> = vec![
        ("too few active pods and active back-off", vec![failed_at(0)], 0, Some(NOW + 10)),
        ("one failure, back-off over", vec![failed_at(10)], 1, None),
        ("one failure, 3 s left", vec![failed_at(7)], 0, Some(NOW + 3)),
        ("two failures: 20 s", vec![failed_at(30), failed_at(15)], 0, Some(NOW + 5)),
        (
            "success since: no back-off",
            vec![failed_at(30), pod("Succeeded").untracked().finished(NOW - 20)],
            1,
            None,
        ),
        (
            "seven failures: capped at 10 min",
            (0..7).map(|i| failed_at(100 + i)).collect(),
            0,
            Some(NOW - 100 + 600),
        ),
    ];
    for (name, pods, creations, wake) in cases {
        let got = sync(with(new_job(1, 10, 100, false), started.clone()), &pods);
        assert_eq!(got.creations, creations, "{name}: creations");
        assert_eq!(got.wakes.first().copied(), wake, "{name}: looks again when the back-off ends");
        if wake.is_some() {
            assert_eq!(got.int("active"), 0, "{name}");
        }
    }
}

fn failure_policy(rules: Value) -> Value {
    with(
        new_job(1, 1, 6, false),
        json!({"spec": {"podFailurePolicy": {"rules": rules}, "podReplacementPolicy": "Failed"}, "status": {"startTime": t(NOW - 60)}}),
    )
}

/// `TestSyncJobWithJobPodFailurePolicy` and pod_failure_policy_test.go
/// `TestMatchPodFailurePolicy`: the first matching rule decides; exit codes of 0 never match;
/// `Ignore` is not counted; `FailJob` fails the Job with upstream's message; no match counts.
#[test]
fn pod_failure_policy() {
    let rules = json!([
        {"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget", "status": "True"}]},
        {"action": "FailJob", "onExitCodes": {"containerName": "main", "operator": "In", "values": [5, 6, 7]}},
        {"action": "Count", "onExitCodes": {"operator": "NotIn", "values": [1, 2, 3]}},
    ]);
    let failed_with = |code: i64| pod("Failed").exit(code);
    let fail_job = ("FailureTarget".to_string(), "True".to_string(), "PodFailurePolicy".to_string());
    let cases: Vec<(&str, PodSpec, i64, bool)> = vec![
        ("FailJob rule matches exit code 5", failed_with(5), 1, true),
        ("no rule matches exit code 1: counted", failed_with(1), 1, false),
        ("Count rule matches exit code 42", failed_with(42), 1, false),
        (
            "Ignore rule matches the DisruptionTarget condition",
            failed_with(5).condition("DisruptionTarget", "True"),
            0,
            false,
        ),
        ("a False condition does not match", failed_with(1).condition("DisruptionTarget", "False"), 1, false),
    ];
    for (name, p, failed, fails_job) in cases {
        let got = sync(failure_policy(rules.clone()), &[p]);
        assert_eq!(got.int("failed"), failed, "{name}: counted failures");
        assert_eq!(got.conditions().contains(&fail_job), fails_job, "{name}: {:?}", got.conditions());
        if fails_job {
            assert_eq!(
                got.condition_message("FailureTarget"),
                "Container main for pod default/pod-00 failed with exit code 5 matching FailJob rule at index 1"
            );
            assert_eq!(got.creations, 0, "{name}: a failing Job creates nothing");
        } else {
            assert_eq!(got.creations, 1, "{name}: the pod is replaced");
        }
    }
    // A condition match names the condition.
    let by_condition =
        json!([{"action": "FailJob", "onPodConditions": [{"type": "DisruptionTarget", "status": "True"}]}]);
    let got = sync(failure_policy(by_condition), &[pod("Failed").condition("DisruptionTarget", "True")]);
    assert_eq!(
        got.condition_message("FailureTarget"),
        "Pod default/pod-00 has condition DisruptionTarget matching FailJob rule at index 0"
    );
    // Only failed pods are replaced: a terminating pod is not replaced yet, nor counted.
    let got = sync(
        failure_policy(json!([{"action": "Ignore", "onExitCodes": {"operator": "In", "values": [9]}}])),
        &[pod("Running").deleting()],
    );
    assert_eq!(
        (got.creations, got.int("failed"), got.int("terminating")),
        (0, 0, 1),
        "podReplacementPolicy Failed"
    );
}

fn per_index(limit: i64, max_failed: Option<i64>) -> Value {
    let mut job = with(
        new_job(2, 3, i64::from(i32::MAX), true),
        json!({"spec": {"backoffLimitPerIndex": limit}, "status": {"startTime": t(NOW - 60)}}),
    );
    if let Some(m) = max_failed {
        job["spec"]["maxFailedIndexes"] = json!(m);
    }
    job
}

/// `TestSyncJobWithJobBackoffLimitPerIndex`: a failed pod of an index keeps its finalizer
/// until its replacement (carrying the failure count) exists, after the index's own back-off;
/// an index fails after backoffLimitPerIndex + 1 failures, or on a FailIndex rule; failed
/// indexes plus succeeded ones reaching completions fail the Job (FailedIndexes), more than
/// maxFailedIndexes at once (MaxFailedIndexesExceeded).
#[test]
fn backoff_limit_per_index() {
    let ix = |i: &'static str, phase: &'static str| pod(phase).index(i);
    // A first failure of index 0, 10 s ago: the back-off is over, the replacement carries the
    // count; the failed pod keeps its finalizer (not counted yet).
    let got = sync(per_index(1, None), &[ix("0", "Failed").finished(NOW - 10), ix("1", "Running")]);
    assert_eq!(got.created_indexes, vec![0], "the failed index first");
    assert_eq!(
        got.created[0]["metadata"]["annotations"]["batch.kubernetes.io/job-index-failure-count"],
        json!("1")
    );
    assert_eq!((got.int("failed"), got.pod_patches), (0, 0), "counted once replaced");
    assert_eq!(got.status["failedIndexes"], json!(""));
    // Within its back-off the index waits, and upstream's manageJob reports no active pod.
    let got = sync(per_index(1, None), &[ix("0", "Failed").finished(NOW - 4), ix("1", "Running")]);
    assert_eq!((got.creations, got.wakes.clone()), (0, vec![NOW + 6]));
    // The replacement is active: the failed pod is counted.
    let got = sync(
        per_index(1, None),
        &[
            ix("0", "Failed"),
            ix("0", "Running").annotation("batch.kubernetes.io/job-index-failure-count", "1"),
            ix("1", "Running"),
        ],
    );
    assert_eq!((got.int("failed"), got.pod_patches, got.int("active")), (1, 1, 2));
    // Its second failure exhausts backoffLimitPerIndex 1: index 0 failed for good.
    let got = sync(
        per_index(1, None),
        &[
            ix("0", "Failed").annotation("batch.kubernetes.io/job-index-failure-count", "1"),
            ix("1", "Running"),
            ix("2", "Succeeded"),
        ],
    );
    assert_eq!(got.status["failedIndexes"], json!("0"));
    assert_eq!(got.created_indexes, Vec::<i64>::new(), "a failed index is not retried");
    assert_eq!(got.status["completedIndexes"], json!("2"));
    // With every other index done the Job fails.
    let got = sync(
        per_index(1, None),
        &[
            ix("0", "Failed").annotation("batch.kubernetes.io/job-index-failure-count", "1"),
            ix("1", "Succeeded"),
            ix("2", "Succeeded"),
        ],
    );
    let failed = |reason: &str| {
        vec![
            ("FailureTarget".to_string(), "True".to_string(), reason.to_string()),
            ("Failed".to_string(), "True".to_string(), reason.to_string()),
        ]
    };
    assert_eq!(got.conditions(), failed("FailedIndexes"));
    assert_eq!(got.condition_message("Failed"), "Job has failed indexes");
    // More failed indexes than maxFailedIndexes: the Job fails at once, deleting the rest.
    let got = sync(per_index(0, Some(1)), &[ix("0", "Failed"), ix("1", "Failed"), ix("2", "Running")]);
    assert_eq!(got.status["failedIndexes"], json!("0,1"));
    assert_eq!(got.deletions, 1);
    assert_eq!(
        got.conditions(),
        vec![("FailureTarget".to_string(), "True".to_string(), "MaxFailedIndexesExceeded".to_string())]
    );
    // A FailIndex rule fails the index at its first failure.
    let mut job = per_index(3, None);
    job["spec"]["podFailurePolicy"] =
        json!({"rules": [{"action": "FailIndex", "onExitCodes": {"operator": "In", "values": [3]}}]});
    job["spec"]["podReplacementPolicy"] = json!("Failed");
    let got = sync(job, &[ix("0", "Failed").exit(3), ix("1", "Running")]);
    assert_eq!(got.status["failedIndexes"], json!("0"));
}

fn with_success_policy(rules: Value) -> Value {
    with(
        new_job(3, 5, 6, true),
        json!({"spec": {"successPolicy": {"rules": rules}}, "status": {"startTime": t(NOW - 60)}}),
    )
}

/// success_policy_test.go `TestMatchSuccessPolicy`: rules in order; a rule with
/// succeededIndexes is met when all of them (or succeededCount of them) succeeded, one with
/// only succeededCount when that many indexes did. A met policy deletes the active pods and
/// writes SuccessCriteriaMet (Complete once they are gone).
#[test]
fn success_policy() {
    let ix = |i: &'static str, phase: &'static str| pod(phase).index(i);
    let cases: Vec<(&str, Value, Vec<PodSpec>, Option<&str>)> = vec![
        (
            "succeededIndexes all succeeded",
            json!([{"succeededIndexes": "0-1"}]),
            vec![ix("0", "Succeeded"), ix("1", "Succeeded"), ix("2", "Running")],
            Some("Matched rules at index 0"),
        ),
        (
            "succeededIndexes not all succeeded",
            json!([{"succeededIndexes": "0-2"}]),
            vec![ix("0", "Succeeded"), ix("1", "Succeeded"), ix("2", "Running")],
            None,
        ),
        (
            "succeededIndexes with succeededCount",
            json!([{"succeededIndexes": "0-3", "succeededCount": 2}]),
            vec![ix("1", "Succeeded"), ix("3", "Succeeded"), ix("2", "Running")],
            Some("Matched rules at index 0"),
        ),
        (
            "only succeededCount",
            json!([{"succeededCount": 3}]),
            vec![ix("0", "Succeeded"), ix("2", "Succeeded"), ix("4", "Succeeded")],
            Some("Matched rules at index 0"),
        ),
        (
            "only succeededCount, not reached",
            json!([{"succeededCount": 3}]),
            vec![ix("0", "Succeeded"), ix("2", "Succeeded")],
            None,
        ),
        (
            "the first met rule",
            json!([{"succeededIndexes": "4"}, {"succeededCount": 1}, {"succeededIndexes": "0"}]),
            vec![ix("0", "Succeeded")],
            Some("Matched rules at index 1"),
        ),
        ("nothing succeeded", json!([{"succeededCount": 0}]), vec![ix("0", "Running")], None),
    ];
    for (name, rules, pods, want) in cases {
        let got = sync(with_success_policy(rules), &pods);
        let met = got.conditions().iter().any(|c| c.0 == "SuccessCriteriaMet" && c.2 == "SuccessPolicy");
        assert_eq!(met, want.is_some(), "{name}: {:?}", got.conditions());
        if let Some(message) = want {
            assert_eq!(got.condition_message("SuccessCriteriaMet"), message, "{name}");
            let running = pods.iter().filter(|p| p.phase == "Running").count();
            assert_eq!(got.deletions, running, "{name}: the lingering pods are deleted");
            let complete = got.conditions().iter().any(|c| c.0 == "Complete");
            assert_eq!(complete, running == 0, "{name}: Complete waits for them");
        }
    }
}

/// The active deadline: DeadlineExceeded once `activeDeadlineSeconds` have passed since
/// `startTime` (never while suspended), and a wake-up when it will.
#[test]
fn active_deadline() {
    let job = |started: i64, suspend: bool| {
        with(
            new_job(1, 1, 6, false),
            json!({"spec": {"activeDeadlineSeconds": 30, "suspend": suspend}, "status": {"startTime": t(started)}}),
        )
    };
    let got = sync(job(NOW - 30, false), &[pod("Running")]);
    let deadline = ("FailureTarget".to_string(), "True".to_string(), "DeadlineExceeded".to_string());
    assert_eq!((got.conditions(), got.deletions), (vec![deadline], 1));
    assert_eq!(got.condition_message("FailureTarget"), "Job was active longer than specified deadline");
    let got = sync(job(NOW - 20, false), &[pod("Running")]);
    assert_eq!((got.conditions().len(), got.wakes.clone()), (0, vec![NOW + 10]));
    let got = sync(job(NOW - 3000, true), &[]);
    assert!(!got.conditions().iter().any(|c| c.2 == "DeadlineExceeded"), "not while suspended");
}

/// restartPolicy OnFailure: restarts of the active pods reaching backoffLimit fail the Job
/// (upstream `pastBackoffLimitOnFailure`; with backoffLimit 0 any restart does).
#[test]
fn restarts_reach_the_backoff_limit_on_failure() {
    let job = |limit: i64| {
        let mut j = new_job(1, 1, limit, false);
        j["spec"]["template"]["spec"]["restartPolicy"] = json!("OnFailure");
        j
    };
    let restarted = |n: i64| {
        let mut p = pod("Running");
        p.annotations.clear();
        let mut built = p.build("pod-00");
        built["status"]["containerStatuses"][0]["restartCount"] = json!(n);
        built
    };
    for (limit, restarts, fails) in [(3, 2, false), (3, 3, true), (0, 1, true), (0, 0, false)] {
        let mut store: BTreeMap<ObjKey, Value> = BTreeMap::new();
        let j = job(limit);
        store.insert(ObjKey::of(&j), j);
        let p = restarted(restarts);
        store.insert(ObjKey::of(&p), p);
        let proposals = reconcile(&Facts::extract(&State::of_objects(store.clone(), NOW)));
        let failing = proposals.actions.iter().any(|a| a.reason.contains("BackoffLimitExceeded"));
        assert_eq!(failing, fails, "backoffLimit {limit}, restarts {restarts}");
    }
}
