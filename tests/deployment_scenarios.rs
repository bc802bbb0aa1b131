//! Deployment behaviours beyond the seed, through the `konverge` binary: the progress deadline,
//! the Recreate strategy, revisionHistoryLimit, rollback edge cases, and bad input (rejected
//! with exit 1 and the state file left byte-identical).

mod common;

use common::*;
use serde_json::Value;

/// A Deployment `x` with two replicas of `app:v1` and extra `spec` lines.
fn manifest(extra_spec: &str) -> String {
    format!(
        "apiVersion: apps/v1
kind: Deployment
metadata:
  name: x
  namespace: default
spec:
  replicas: 2
{extra_spec}  selector:
    matchLabels: {{app: x}}
  template:
    metadata:
      labels: {{app: x}}
    spec:
      containers:
      - name: app
        image: app:v1
"
    )
}

fn start(extra_spec: &str) -> Cluster {
    let k = Cluster::new();
    let m = k.write("x.yaml", &manifest(extra_spec));
    k.ok(&["apply", "-f", &example("cluster/nodes.yaml"), "-f", &m]);
    k
}

fn deployment(k: &Cluster) -> Value {
    serde_json::from_str(&k.ok(&["get", "deploy", "x", "-o", "json"]).stdout).expect("JSON")
}

fn condition(d: &Value, kind: &str) -> Value {
    d["status"]["conditions"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["type"] == kind))
        .cloned()
        .unwrap_or(Value::Null)
}

fn time(s: &str) -> i64 {
    konverge::model::parse_time(s).expect("time")
}

fn trace(out: &str) -> Value {
    serde_json::from_str(out).expect("JSON trace")
}

fn steps(trace: &Value) -> &Vec<Value> {
    trace["steps"].as_array().expect("steps")
}

/// Step times at which the Deployment's status write carries a Progressing reason.
fn progress_marks(trace: &Value, reason: &str) -> Vec<i64> {
    steps(trace)
        .iter()
        .filter(|s| {
            s["actions"].as_array().unwrap().iter().any(|a| {
                a["kind"] == "Deployment"
                    && a["controller"] == "deployment"
                    && a["reason"].as_str().unwrap_or("").ends_with(&format!("Progressing {reason}"))
            })
        })
        .map(|s| time(s["time"].as_str().unwrap()))
        .collect()
}

/// An image that never pulls and a 30 s progress deadline: Progressing turns
/// False/ProgressDeadlineExceeded on the first step more than 30 s after the last progress,
/// and `rollout status` fails with kubectl's message.
#[test]
fn progress_deadline_exceeded() {
    let k = start("  progressDeadlineSeconds: 30\n");
    assert_eq!(condition(&deployment(&k), "Progressing")["reason"], "NewReplicaSetAvailable");
    let patch = r#"{"spec":{"template":{"metadata":{"annotations":{"konverge.io/image-pull":"fail"}},"spec":{"containers":[{"name":"app","image":"app:broken"}]}}}}"#;
    let out = k.ok(&["patch", "deployment", "x", "-p", patch, "-o", "json"]).stdout;
    let t = trace(&out);
    assert_eq!(t["converged"], true, "a stuck rollout still settles: nothing more to do");
    let created = progress_marks(&t, "NewReplicaSetCreated");
    let progressed = progress_marks(&t, "ReplicaSetUpdated");
    let exceeded = progress_marks(&t, "ProgressDeadlineExceeded");
    assert_eq!(created.len(), 1, "{out}");
    assert_eq!(exceeded.len(), 1, "{out}");
    let last_progress = created.iter().chain(&progressed).copied().max().unwrap();
    // upstream DeploymentTimedOut: lastUpdateTime + 30 s is before now (strictly).
    assert_eq!(exceeded[0], last_progress + 31, "timed out at the first second past the deadline");
    // Nothing happened in the meantime: the clock jumped to the deadline.
    let times: Vec<i64> = steps(&t).iter().map(|s| time(s["time"].as_str().unwrap())).collect();
    let at = times.iter().position(|&x| x == exceeded[0]).unwrap();
    assert!(times[at - 1] + 1 < exceeded[0], "no jump before the deadline: {times:?}");

    let d = deployment(&k);
    let progressing = condition(&d, "Progressing");
    assert_eq!(progressing["status"], "False");
    assert_eq!(progressing["reason"], "ProgressDeadlineExceeded");
    assert_eq!(time(progressing["lastUpdateTime"].as_str().unwrap()), exceeded[0]);
    let new_rs = k
        .items("rs")
        .into_iter()
        .find(|rs| rs["spec"]["template"]["spec"]["containers"][0]["image"] == "app:broken")
        .expect("new ReplicaSet");
    assert_eq!(progressing["message"], format!("ReplicaSet {:?} has timed out progressing.", name(&new_rs)));
    // maxUnavailable 0 of 2 keeps both old pods; the new pod never pulls its image.
    assert_eq!(condition(&d, "Available")["status"], "True");
    let pods = k.live_pods();
    assert_eq!(
        pods.iter().filter(|p| image_of(p) == "app:v1" && p["status"]["phase"] == "Running").count(),
        2
    );
    let stuck: Vec<&Value> = pods.iter().filter(|p| image_of(p) == "app:broken").collect();
    assert_eq!(stuck.len(), 1);
    assert_eq!(stuck[0]["status"]["phase"], "Pending");

    let status = k.run(&["rollout", "status", "deploy/x"]);
    assert_ne!(status.code, 0);
    assert!(status.stderr.contains(r#"deployment "x" exceeded its progress deadline"#), "{}", status.stderr);

    // Fixing the image starts a new rollout: NewReplicaSetCreated at once, not the old timeout.
    let fixed = r#"{"spec":{"template":{"metadata":{"annotations":null},"spec":{"containers":[{"name":"app","image":"app:v2"}]}}}}"#;
    let out = k.ok(&["patch", "deployment", "x", "-p", fixed, "-o", "json", "--steps", "1"]).stdout;
    assert_eq!(progress_marks(&trace(&out), "NewReplicaSetCreated").len(), 1, "{out}");
    k.ok(&["run"]);
    assert_eq!(condition(&deployment(&k), "Progressing")["reason"], "NewReplicaSetAvailable");
    assert!(k.run(&["rollout", "status", "deploy/x"]).stdout.contains("successfully rolled out"));
}

/// Resuming a Deployment paused for longer than its deadline does not time it out: the
/// deadline counts from the resume.
#[test]
fn resume_after_a_long_pause_does_not_time_out() {
    let k = start("  progressDeadlineSeconds: 30\n");
    k.ok(&["set", "image", "deploy/x", "app=app:v2", "--steps", "1"]);
    k.ok(&["rollout", "pause", "deploy/x"]);
    assert_eq!(condition(&deployment(&k), "Progressing")["reason"], "DeploymentPaused");
    k.ok(&["advance", "10m"]);
    let out = k.ok(&["rollout", "resume", "deploy/x", "-o", "json"]).stdout;
    let t = trace(&out);
    assert!(progress_marks(&t, "ProgressDeadlineExceeded").is_empty(), "{out}");
    assert_eq!(progress_marks(&t, "DeploymentResumed").len(), 1, "{out}");
    assert_eq!(condition(&deployment(&k), "Progressing")["reason"], "NewReplicaSetAvailable");
}

/// Recreate: every old pod is gone (not only terminating) before the first new pod exists, and
/// the new ReplicaSet is created only then, at full size.
#[test]
fn recreate_removes_old_pods_before_creating_new_ones() {
    let k = start("  strategy: {type: Recreate}\n");
    let old: Vec<String> = k.live_pods().iter().map(|p| name(p).to_string()).collect();
    assert_eq!(old.len(), 2);
    let out = k.ok(&["set", "image", "deploy/x", "app=app:v2", "-o", "json"]).stdout;
    let t = trace(&out);
    let mut last_old_gone = None;
    let mut first_new = None;
    let mut new_rs_created = None;
    for s in steps(&t) {
        let n = s["step"].as_i64().unwrap();
        for a in s["actions"].as_array().unwrap() {
            let pod_name = a["name"].as_str().unwrap_or("");
            if a["kind"] == "Pod" && old.iter().any(|o| o == pod_name) && a["detail"] == "removed" {
                last_old_gone = Some(n);
            }
            if a["kind"] == "Pod" && a["action"] == "create" && first_new.is_none() {
                first_new = Some(n);
            }
            if a["kind"] == "ReplicaSet" && a["action"] == "create" {
                new_rs_created = Some(n);
            }
        }
    }
    let (gone, created, first) = (last_old_gone.unwrap(), new_rs_created.unwrap(), first_new.unwrap());
    assert!(
        gone < created && created < first,
        "old pods removed at step {gone}, new RS at {created}, first new pod at {first}\n{out}"
    );
    let rs_create = steps(&t)
        .iter()
        .flat_map(|s| s["actions"].as_array().unwrap())
        .find(|a| a["kind"] == "ReplicaSet" && a["action"] == "create")
        .unwrap();
    assert!(rs_create["reason"].as_str().unwrap().contains("replicas 2"), "{rs_create}");
    let pods = k.live_pods();
    assert_eq!(pods.len(), 2);
    assert!(pods.iter().all(|p| image_of(p) == "app:v2"));
}

/// revisionHistoryLimit 2: after four image changes only the two newest old ReplicaSets and
/// the new one remain.
#[test]
fn revision_history_limit_keeps_the_newest_old_replica_sets() {
    let k = start("  revisionHistoryLimit: 2\n");
    for v in ["v2", "v3", "v4", "v5"] {
        k.ok(&["set", "image", "deploy/x", &format!("app=app:{v}")]);
    }
    let mut sets: Vec<(String, i64, i64)> = k
        .items("rs")
        .iter()
        .map(|rs| {
            (
                rs["spec"]["template"]["spec"]["containers"][0]["image"].as_str().unwrap().to_string(),
                rs["spec"]["replicas"].as_i64().unwrap(),
                annotation(rs, "deployment.kubernetes.io/revision").unwrap().parse().unwrap(),
            )
        })
        .collect();
    sets.sort();
    assert_eq!(
        sets,
        [("app:v3".to_string(), 0, 3), ("app:v4".to_string(), 0, 4), ("app:v5".to_string(), 2, 5)]
    );
    let history: Vec<i64> = k
        .ok(&["rollout", "history", "deploy/x"])
        .stdout
        .lines()
        .filter_map(|l| l.split_whitespace().next()?.parse().ok())
        .collect();
    assert_eq!(history, [3, 4, 5]);
    // The deleted revisions cannot be rolled back to.
    let bad = k.run(&["rollout", "undo", "deploy/x", "--to-revision=1"]);
    assert_eq!(bad.code, 1);
    assert!(bad.stderr.contains("unable to find specified revision 1 in history"), "{}", bad.stderr);
}

/// Rollback refusals: an unknown revision (also on a paused Deployment: kubectl looks the
/// revision up first), a negative one, a paused Deployment. Each exits 1 and writes nothing.
#[test]
fn rollout_undo_refusals_leave_the_state_alone() {
    let k = start("");
    k.ok(&["set", "image", "deploy/x", "app=app:v2"]);
    let cases: [(&[&str], &str); 3] = [
        (
            &["rollout", "undo", "deploy/x", "--to-revision=99"],
            "unable to find specified revision 99 in history",
        ),
        (
            &["rollout", "undo", "deploy/x", "--to-revision=-1"],
            "unable to find specified revision -1 in history",
        ),
        (&["rollout", "history", "deploy/x", "--revision=7"], "unable to find the specified revision"),
    ];
    for (args, message) in cases {
        let before = k.state_bytes();
        let out = k.run(args);
        assert_eq!(out.code, 1, "{args:?}");
        assert!(out.stderr.contains(message), "{args:?}: {}", out.stderr);
        assert_eq!(k.state_bytes(), before, "{args:?}");
    }
    k.ok(&["rollout", "pause", "deploy/x"]);
    let paused: [(&[&str], &str); 2] = [
        (&["rollout", "undo", "deploy/x"], "you cannot rollback a paused deployment"),
        (
            &["rollout", "undo", "deploy/x", "--to-revision=99"],
            "unable to find specified revision 99 in history",
        ),
    ];
    for (args, message) in paused {
        let before = k.state_bytes();
        let out = k.run(args);
        assert_eq!(out.code, 1, "{args:?}");
        assert!(out.stderr.contains(message), "{args:?}: {}", out.stderr);
        assert_eq!(k.state_bytes(), before, "{args:?}");
    }
    // Undo to the current template is a no-op, not an error.
    k.ok(&["rollout", "resume", "deploy/x"]);
    let before = k.state_bytes();
    let out = k.run(&["rollout", "undo", "deploy/x", "--to-revision=2"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("skipped rollback"), "{}", out.stdout);
    assert_eq!(k.state_bytes(), before);
}

/// Invalid strategies are refused like the API server refuses them: exit 1, an error naming
/// the file, the document and the field, and the state untouched — through `apply` and
/// through `patch`.
#[test]
fn invalid_strategies_are_rejected() {
    let k = start("");
    let cases = [
        ("  strategy: {type: BlueGreen}\n", "spec.strategy.type", "Unsupported value: \"BlueGreen\""),
        (
            "  strategy: {rollingUpdate: {maxUnavailable: \"101%\"}}\n",
            "spec.strategy.rollingUpdate.maxUnavailable",
            "100%",
        ),
        (
            "  strategy: {rollingUpdate: {maxSurge: -1}}\n",
            "spec.strategy.rollingUpdate.maxSurge",
            "greater than or equal to 0",
        ),
        (
            "  strategy: {rollingUpdate: {maxUnavailable: -2}}\n",
            "spec.strategy.rollingUpdate.maxUnavailable",
            "greater than or equal to 0",
        ),
        ("  strategy: {rollingUpdate: {maxSurge: \"-5%\"}}\n", "spec.strategy.rollingUpdate.maxSurge", ""),
        (
            "  strategy: {rollingUpdate: {maxSurge: 0, maxUnavailable: 0}}\n",
            "spec.strategy.rollingUpdate.maxUnavailable",
            "may not be 0",
        ),
        (
            "  strategy: {rollingUpdate: {maxSurge: \"0%\", maxUnavailable: 0}}\n",
            "spec.strategy.rollingUpdate.maxUnavailable",
            "may not be 0",
        ),
        (
            "  strategy: {rollingUpdate: {maxSurge: oops}}\n",
            "spec.strategy.rollingUpdate.maxSurge",
            "a valid percent string",
        ),
        (
            "  strategy: {type: Recreate, rollingUpdate: {maxSurge: 1}}\n",
            "spec.strategy.rollingUpdate",
            "Recreate",
        ),
        ("  replicas: -1\n", "spec.replicas", ""),
        ("  progressDeadlineSeconds: 5\n  minReadySeconds: 10\n", "spec.progressDeadlineSeconds", ""),
    ];
    for (extra, field, message) in cases {
        let before = k.state_bytes();
        let text = manifest(extra);
        // `replicas: -1` replaces the manifest's own replicas line.
        let text = if extra.contains("replicas:") { text.replacen("  replicas: 2\n", "", 1) } else { text };
        let file = k.write("bad.yaml", &text);
        let out = k.run(&["apply", "-f", &file]);
        assert_eq!(out.code, 1, "{extra}: {}", out.stdout);
        assert!(
            out.stderr.contains("bad.yaml") && out.stderr.contains("document 1"),
            "{extra}: {}",
            out.stderr
        );
        assert!(out.stderr.contains(field) && out.stderr.contains(message), "{extra}: {}", out.stderr);
        assert_eq!(k.state_bytes(), before, "{extra}");
    }
    for patch in [
        r#"{"spec":{"strategy":{"rollingUpdate":{"maxUnavailable":"150%"}}}}"#,
        r#"{"spec":{"strategy":{"rollingUpdate":{"maxSurge":0,"maxUnavailable":0}}}}"#,
        r#"{"spec":{"strategy":{"type":"Rolling"}}}"#,
    ] {
        let before = k.state_bytes();
        let out = k.run(&["patch", "deployment", "x", "-p", patch]);
        assert_eq!(out.code, 1, "{patch}");
        assert!(out.stderr.contains("spec.strategy"), "{patch}: {}", out.stderr);
        assert_eq!(k.state_bytes(), before, "{patch}");
    }
    let before = k.state_bytes();
    let out = k.run(&["scale", "deploy/x", "--replicas=-3"]);
    assert_eq!(out.code, 1);
    assert_eq!(k.state_bytes(), before);
    // maxSurge above 100% is allowed (only maxUnavailable is capped).
    let file = k.write(
        "ok.yaml",
        &manifest("  strategy: {rollingUpdate: {maxSurge: \"150%\", maxUnavailable: 0}}\n"),
    );
    k.ok(&["apply", "-f", &file]);
}

/// upstream `SetDeploymentCondition` appends the condition it sets, and a sync sets them in
/// order: getNewReplicaSet's Progressing (NewReplicaSetCreated), then calculateStatus's
/// Available, then syncRolloutStatus's Progressing. After the first sync the new Deployment
/// shows Progressing before Available; once a later sync moves Progressing to another reason
/// it comes last, the order `kubectl get -o yaml` usually shows.
#[test]
fn conditions_are_appended_in_the_order_the_sync_sets_them() {
    let k = Cluster::new();
    let m = k.write("x.yaml", &manifest(""));
    k.ok(&["apply", "-f", &example("cluster/nodes.yaml")]);
    k.ok(&["apply", "-f", &m, "--steps", "1"]);
    let order = |d: &Value| -> Vec<(String, String)> {
        d["status"]["conditions"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                (c["type"].as_str().unwrap_or("").to_string(), c["reason"].as_str().unwrap_or("").to_string())
            })
            .collect()
    };
    let pair = |t: &str, r: &str| (t.to_string(), r.to_string());
    assert_eq!(
        order(&deployment(&k)),
        [pair("Progressing", "NewReplicaSetCreated"), pair("Available", "MinimumReplicasUnavailable")]
    );
    k.ok(&["apply", "-f", &m]);
    assert_eq!(
        order(&deployment(&k)),
        [pair("Available", "MinimumReplicasAvailable"), pair("Progressing", "NewReplicaSetAvailable")]
    );
}
