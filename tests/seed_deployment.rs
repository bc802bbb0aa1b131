//! Seed §3 (the Deployment story) replayed through the `konverge` binary, command by command:
//! create, `set image` v1 → v2, scale three ways (`scale`, `apply` of the v1 manifest with
//! replicas 4, `patch`), the canary (maxSurge 1 / maxUnavailable 0, `set image … --steps 1`,
//! `rollout pause`), `rollout resume`, `rollout undo`, `rollout history`, `rollout undo
//! --to-revision=2`.
//!
//! Every command's text trace and `get deploy|rs|pods` after it are pinned in snapshots under
//! `snapshots/seed3_*.snap`; the numbers the seed shows are asserted directly as well. Each
//! reconciling command also runs with `-o json` on a copy of the state: the JSON trace gives the
//! pod counts per step and must leave a byte-identical state (determinism).

mod common;

use common::*;
use konverge::model::ObjKey;
use serde_json::Value;
use std::collections::BTreeSet;

const D: &str = "deploy/deploy-demo";
const V1: &str = "ikubernetes/myapp:v1";
const V2: &str = "ikubernetes/myapp:v2";
const V3: &str = "ikubernetes/myapp:v3";

/// The seed, one command at a time.
struct Seed {
    k: Cluster,
    n: usize,
}

/// What a reconciling command did.
struct Ran {
    stdout: String,
    /// Live pods of the deployment after each step of the JSON trace (index 0: before).
    counts: Vec<i64>,
    /// Fewest available pods in the recorded rollout timeline (None when nothing moved).
    min_available: Option<i64>,
}

impl Seed {
    /// Run a reconciling command (text and, on a copy of the state, `-o json`), snapshot its
    /// trace and `get deploy|rs|pods` after it.
    fn run(&mut self, label: &str, args: &[&str]) -> Ran {
        self.n += 1;
        let tag = format!("seed3_{:02}_{label}", self.n);
        let copy = self.k.path("copy.yaml");
        if self.k.state.exists() {
            std::fs::copy(&self.k.state, &copy).expect("copy state");
        } else {
            let _ = std::fs::remove_file(&copy);
        }
        let before = self.k.live_pods().len() as i64;
        let start = konverge::state::load(&self.k.state).expect("state").now;
        let json_args: Vec<&str> = args.iter().copied().chain(["-o", "json"]).collect();
        let json_out = self.k.run_with_state(&copy, &json_args);
        let out = self.k.run(args);
        assert_eq!(out.code, 0, "{args:?}:\n{}\n{}", out.stdout, out.stderr);
        assert_eq!(json_out.code, 0, "{json_args:?}:\n{}", json_out.stderr);
        assert_eq!(
            std::fs::read(&copy).expect("copy"),
            self.k.state_bytes(),
            "{args:?}: the -o json run must leave the same state as the text run"
        );
        let trace: Value = serde_json::from_str(&json_out.stdout).expect("JSON trace");
        assert_eq!(trace["format_version"], "1");
        let tmp = self.k.dir.path().display().to_string();
        let checkout = format!("{}/", root().display());
        let command = format!("konverge {}", args.join(" ")).replace(&tmp, "$TMPDIR").replace(&checkout, "");
        snap!(format!("{tag}_trace"), command.clone(), out.stdout.clone());
        self.gets(&tag, &command);
        let state = konverge::state::load(&self.k.state).expect("state");
        let timeline =
            konverge::timeline::stored_timeline(&state, &ObjKey::new("Deployment", "default", "deploy-demo"));
        // The stored timeline is the last run's that moved pods: this run's when it starts now.
        let fresh = timeline.len() > 1 && timeline[0].time >= start;
        Ran {
            stdout: out.stdout,
            counts: pod_counts(&trace, before),
            min_available: fresh.then(|| timeline.iter().map(|s| s.available).min().unwrap_or(0)),
        }
    }

    /// `get deploy`, `get rs`, `get pods` as kubectl prints them.
    fn gets(&self, tag: &str, command: &str) {
        for (kind, short) in [("deploy", "deploy"), ("rs", "rs"), ("pods", "pods")] {
            let text = self.k.ok(&["get", kind]).stdout;
            snap!(format!("{tag}_get_{short}"), format!("konverge get {kind}, after: {command}"), text);
        }
    }

    /// The seed's `kubectl get pods -o custom-columns=Name:metadata.name,Image:spec.containers[0].image`.
    fn images(&self) -> String {
        let mut rows = vec![vec!["Name".to_string(), "Image".to_string()]];
        for p in self.k.live_pods() {
            rows.push(vec![name(&p).to_string(), image_of(&p).to_string()]);
        }
        konverge::render::table(&rows)
    }

    fn deploy_columns(&self) -> Vec<String> {
        row(&self.k.ok(&["get", "deploy"]).stdout, "deploy-demo")
    }

    fn rs_by_name(&self) -> Vec<(String, i64, String, i64)> {
        self.k
            .items("rs")
            .iter()
            .map(|rs| {
                (
                    name(rs).to_string(),
                    rs["spec"]["replicas"].as_i64().unwrap_or(-1),
                    rs["spec"]["template"]["spec"]["containers"][0]["image"]
                        .as_str()
                        .unwrap_or("")
                        .to_string(),
                    annotation(rs, "deployment.kubernetes.io/revision")
                        .and_then(|r| r.parse().ok())
                        .unwrap_or(0),
                )
            })
            .collect()
    }

    /// The ReplicaSet whose template runs `img`.
    fn rs_of(&self, img: &str) -> (String, i64, i64) {
        let found: Vec<_> = self.rs_by_name().into_iter().filter(|r| r.2 == img).collect();
        assert_eq!(found.len(), 1, "one ReplicaSet for {img}: {found:?}");
        (found[0].0.clone(), found[0].1, found[0].3)
    }

    fn pods_of(&self, img: &str) -> BTreeSet<String> {
        self.k.live_pods().iter().filter(|p| image_of(p) == img).map(|p| name(p).to_string()).collect()
    }

    fn history(&self) -> Vec<i64> {
        self.k
            .ok(&["rollout", "history", D])
            .stdout
            .lines()
            .filter_map(|l| l.split_whitespace().next()?.parse().ok())
            .collect()
    }
}

fn peak(r: &Ran) -> i64 {
    *r.counts.iter().max().expect("counts")
}

#[test]
fn seed_3_deployment_story() {
    let mut s = Seed { k: Cluster::new(), n: 0 };
    let nodes = &example("cluster/nodes.yaml");
    let manifest = &example("deployment/deploy-demo.yaml");

    // §3.2 create: a ReplicaSet deploy-demo-<hash> and two pods <rs>-<5 characters>.
    let r = s.run("apply", &["apply", "-f", nodes, "-f", manifest]);
    assert!(r.stdout.contains("deployment.apps/deploy-demo created"), "{}", r.stdout);
    assert_eq!(s.deploy_columns()[1..4], ["2/2", "2", "2"]);
    let (v1_rs, spec, rev) = s.rs_of(V1);
    assert!(generated(&v1_rs, "deploy-demo-", 1, 10), "ReplicaSet name {v1_rs}");
    assert_eq!((spec, rev), (2, 1));
    let pods = s.k.live_pods();
    assert_eq!(pods.len(), 2);
    for p in &pods {
        assert!(generated(name(p), &format!("{v1_rs}-"), 5, 5), "pod name {}", name(p));
        assert_eq!(owner(p), v1_rs);
        assert_eq!(p["status"]["phase"], "Running");
    }

    // §3.4 1) set image v1 → v2: rolling update, replicas 2 with 25%/25% → maxSurge 1,
    // maxUnavailable 0: never more than 3 pods, never fewer than 2 available; the seed's watch
    // shows 3/2 at the peaks.
    let r = s.run("set_image_v2", &["set", "image", D, &format!("myapp={V2}")]);
    assert!(r.stdout.contains("deployment.apps/deploy-demo image updated"), "{}", r.stdout);
    assert_eq!(peak(&r), 3, "pods per step: {:?}", r.counts);
    assert_eq!(*r.counts.last().unwrap(), 2);
    assert!(r.counts.iter().all(|&n| n >= 2), "pods per step: {:?}", r.counts);
    assert_eq!(r.min_available, Some(2), "available never below replicas - maxUnavailable");
    let (v2_rs, spec, rev) = s.rs_of(V2);
    assert!(generated(&v2_rs, "deploy-demo-", 1, 10) && v2_rs != v1_rs);
    assert_eq!((spec, rev), (2, 2));
    assert_eq!(s.rs_of(V1).1, 0, "the old ReplicaSet stays, scaled to 0");
    assert_eq!(s.pods_of(V2).len(), 2);
    assert!(s.pods_of(V1).is_empty());
    assert_eq!(s.deploy_columns()[1..4], ["2/2", "2", "2"]);
    let v2_pods = s.pods_of(V2);

    // §3.4 2) scale three ways. `scale --replicas=3`: one more v2 pod, the two stay.
    let r = s.run("scale_3", &["scale", D, "--replicas=3"]);
    assert!(r.stdout.contains("deployment.apps/deploy-demo scaled"), "{}", r.stdout);
    let now = s.pods_of(V2);
    assert_eq!(now.len(), 3);
    assert!(now.is_superset(&v2_pods));

    // `apply` of the manifest edited to replicas 4: its template is v1 again, so the v1
    // ReplicaSet comes back (revision 3) and carries 4 pods; 25% of 4 is maxSurge 1,
    // maxUnavailable 1.
    let text = repo_file("examples/deployment/deploy-demo.yaml");
    assert!(text.contains("  replicas: 2\n"));
    let four = s.k.write("deploy-demo-4.yaml", &text.replace("  replicas: 2\n", "  replicas: 4\n"));
    let r = s.run("apply_replicas_4", &["apply", "-f", &four]);
    assert!(r.stdout.contains("deployment.apps/deploy-demo configured"), "{}", r.stdout);
    assert!(peak(&r) <= 5, "pods per step: {:?}", r.counts);
    assert!(r.min_available.unwrap() >= 3, "available: {:?}", r.min_available);
    assert_eq!(s.pods_of(V1).len(), 4);
    assert!(s.pods_of(V2).is_empty());
    assert_eq!(s.rs_by_name().len(), 2, "no third ReplicaSet");
    assert_eq!(s.rs_of(V1), (v1_rs.clone(), 4, 3));
    let v1 = s.k.items("rs").into_iter().find(|rs| name(rs) == v1_rs).unwrap();
    assert_eq!(annotation(&v1, "deployment.kubernetes.io/revision-history"), Some("1"));
    let v1_pods = s.pods_of(V1);

    // `patch` replicas 5: one more v1 pod.
    let r = s
        .run("patch_replicas_5", &["patch", "deployment", "deploy-demo", "-p", r#"{"spec":{"replicas":5}}"#]);
    assert!(r.stdout.contains("deployment.apps/deploy-demo patched"), "{}", r.stdout);
    assert_eq!(s.pods_of(V1).len(), 5);
    assert!(s.pods_of(V1).is_superset(&v1_pods));
    assert_eq!(s.deploy_columns()[1..4], ["5/5", "5", "5"]);
    let v1_pods = s.pods_of(V1);

    // §3.5 canary: maxSurge 1, maxUnavailable 0; set image v3 for one step, then pause.
    let r = s.run(
        "patch_canary_strategy",
        &[
            "patch",
            "deployment",
            "deploy-demo",
            "-p",
            r#"{"spec":{"strategy":{"rollingUpdate":{"maxSurge":1,"maxUnavailable":0}}}}"#,
        ],
    );
    assert_eq!(r.counts, vec![5, 5], "a strategy change alone touches no pod");
    let r = s.run("set_image_v3_one_step", &["set", "image", D, &format!("myapp={V3}"), "--steps", "1"]);
    assert!(r.stdout.contains("stopped after 1 step"), "{}", r.stdout);
    let (v3_rs, spec, rev) = s.rs_of(V3);
    assert_eq!((spec, rev), (1, 4), "the new ReplicaSet starts at maxSurge");
    let r = s.run("rollout_pause", &["rollout", "pause", D]);
    assert!(r.stdout.contains("deployment.apps/deploy-demo paused"), "{}", r.stdout);
    // The seed: `deploy-demo 6/5 1 6`, five v1 pods and one v3 pod.
    assert_eq!(s.deploy_columns()[1..4], ["6/5", "1", "6"]);
    assert_eq!(s.pods_of(V1), v1_pods, "no v1 pod replaced yet");
    let canary = s.pods_of(V3);
    assert_eq!(canary.len(), 1);
    assert!(generated(canary.iter().next().unwrap(), &format!("{v3_rs}-"), 5, 5));
    snap!(
        "seed3_canary_images",
        "the seed's get pods -o custom-columns=Name:…,Image:… while paused",
        s.images()
    );
    let status = s.k.run(&["rollout", "status", D]);
    assert_ne!(status.code, 0, "a paused, unfinished rollout is not complete");
    assert_eq!(
        status.stdout.trim(),
        r#"Waiting for deployment "deploy-demo" rollout to finish: 1 out of 5 new replicas have been updated..."#
    );

    // Resume: the rollout finishes; with maxUnavailable 0 never fewer than 5 available, with
    // maxSurge 1 never more than 6 pods; the canary pod stays.
    let r = s.run("rollout_resume", &["rollout", "resume", D]);
    assert!(r.stdout.contains("deployment.apps/deploy-demo resumed"), "{}", r.stdout);
    assert!(peak(&r) <= 6, "pods per step: {:?}", r.counts);
    assert_eq!(r.min_available, Some(5));
    assert_eq!(s.deploy_columns()[1..4], ["5/5", "5", "5"]);
    let v3_pods = s.pods_of(V3);
    assert_eq!(v3_pods.len(), 5);
    assert!(v3_pods.is_superset(&canary));
    snap!("seed3_resumed_images", "the seed's custom-columns view after rollout resume", s.images());
    let status = s.k.run(&["rollout", "status", D]);
    assert_eq!(status.code, 0);
    assert_eq!(status.stdout.trim(), r#"deployment "deploy-demo" successfully rolled out"#);

    // §3.6 1) undo: back to the previous revision, five v1 pods of the first ReplicaSet.
    let r = s.run("rollout_undo", &["rollout", "undo", D]);
    assert!(r.stdout.contains("deployment.apps/deploy-demo rolled back"), "{}", r.stdout);
    assert!(peak(&r) <= 6 && r.min_available == Some(5), "{:?} {:?}", r.counts, r.min_available);
    assert_eq!(s.pods_of(V1).len(), 5);
    assert!(s.k.live_pods().iter().all(|p| owner(p) == v1_rs));
    assert_eq!(s.rs_of(V1), (v1_rs.clone(), 5, 5));
    snap!("seed3_undone_images", "the seed's custom-columns view after rollout undo", s.images());

    // §3.6 2) history 2 4 5, then undo to revision 2: five v2 pods of the v2 ReplicaSet.
    let history = s.k.ok(&["rollout", "history", D]).stdout;
    snap!("seed3_history", "konverge rollout history deploy/deploy-demo", history);
    assert_eq!(s.history(), [2, 4, 5]);
    let r = s.run("rollout_undo_to_2", &["rollout", "undo", D, "--to-revision=2"]);
    assert!(r.stdout.contains("deployment.apps/deploy-demo rolled back"), "{}", r.stdout);
    assert_eq!(s.pods_of(V2).len(), 5);
    assert!(s.k.live_pods().iter().all(|p| owner(p) == v2_rs));
    assert_eq!(s.rs_of(V2), (v2_rs.clone(), 5, 6));
    assert_eq!(s.history(), [4, 5, 6]);
    snap!(
        "seed3_undone_to_2_images",
        "the seed's custom-columns view after rollout undo --to-revision=2",
        s.images()
    );

    // A revision that does not exist: exit 1, the state file untouched.
    let before = s.k.state_bytes();
    let bad = s.k.run(&["rollout", "undo", D, "--to-revision=99"]);
    assert_eq!(bad.code, 1);
    assert!(bad.stderr.contains("unable to find specified revision 99 in history"), "{}", bad.stderr);
    assert_eq!(s.k.state_bytes(), before);
}
