//! A StatefulSet of 1,000 replicas with a claim per pod (1,000 volumes) planned to
//! convergence, OrderedReady and Parallel.
//!
//! OrderedReady is sequential by design: each ordinal is created once the ones below are
//! Running and Ready, so the plan takes thousands of steps (the default step bound grows with
//! the work and lets it finish). Parallel creates every pod at once and takes a handful. A
//! custom harness (`harness = false`) reports, per policy:
//!
//! * the plan: time to convergence, steps, actions, time per step;
//! * a baseline: serializing the converged state to the YAML stream and parsing it back (what
//!   every CLI command pays to load and save it), and the plan's ratio to it;
//! * where one step goes: fact extraction and each controller, on a snapshot halfway through
//!   the OrderedReady plan (500 pods and claims).
//!
//! Sizes: `KONVERGE_BENCH_REPLICAS` (1000), `KONVERGE_BENCH_NODES` (20).
//! `cargo bench --bench statefulset`.

use konverge::actions::{Action, Change};
use konverge::controllers;
use konverge::driver::{self, RunOptions, Trace};
use konverge::facts::Facts;
use konverge::state::State;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn node(i: usize) -> Value {
    let name = format!("node-{i:03}");
    json!({
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
        "status": {
            "allocatable": {"cpu": "64", "memory": "256Gi", "pods": "110"},
            "conditions": [{"type": "Ready", "status": "True"}],
        },
    })
}

fn volume(i: usize) -> Value {
    json!({
        "apiVersion": "v1", "kind": "PersistentVolume",
        "metadata": {"name": format!("pv-{i:04}")},
        "spec": {"accessModes": ["ReadWriteOnce"], "capacity": {"storage": "5Gi"}, "persistentVolumeReclaimPolicy": "Retain",
                 "nfs": {"path": format!("/data/v{i}"), "server": "192.0.2.1"}},
    })
}

fn stateful_set(replicas: usize, policy: &str) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": "db", "namespace": "default"},
        "spec": {
            "serviceName": "db", "replicas": replicas, "podManagementPolicy": policy,
            "selector": {"matchLabels": {"app": "db"}},
            "template": {"metadata": {"labels": {"app": "db"}},
                         "spec": {"containers": [{"name": "db", "image": "postgres:16",
                                                  "volumeMounts": [{"name": "data", "mountPath": "/var/lib/postgresql"}]}]}},
            "volumeClaimTemplates": [{"metadata": {"name": "data"},
                                      "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "5Gi"}}}}],
        },
    })
}

fn cluster(nodes: usize, volumes: usize) -> Vec<Action> {
    let create = |object| Action::new(Change::Create { object }, "kubectl", "apply");
    let mut out: Vec<Action> = (0..nodes).map(|i| create(node(i))).collect();
    out.extend((0..volumes).map(|i| create(volume(i))));
    out.push(create(json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "db", "namespace": "default"},
                            "spec": {"clusterIP": "None", "ports": [{"port": 5432}], "selector": {"app": "db"}}})));
    out
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn actions(trace: &Trace) -> usize {
    trace.steps.iter().map(|s| s.actions.len()).sum()
}

/// Plan a set of `replicas` with `policy` to convergence on a fresh cluster; return the final
/// state.
fn plan(policy: &str, replicas: usize, nodes: usize) -> State {
    let mut state = State::empty();
    driver::run(&mut state, cluster(nodes, replicas), &RunOptions::default());
    let t = Instant::now();
    let create =
        vec![Action::new(Change::Create { object: stateful_set(replicas, policy) }, "kubectl", "apply")];
    let trace = driver::run(&mut state, create, &RunOptions::default());
    let took = t.elapsed();
    assert!(trace.converged(), "{policy}: {:?} after {} steps", trace.outcome, trace.steps.len());
    let running = state.of_kind("Pod", Some("default")).filter(|p| p["status"]["phase"] == "Running").count();
    assert_eq!(running, replicas, "{policy}: every replica runs");
    assert_eq!(
        state.of_kind("PersistentVolumeClaim", Some("default")).count(),
        replicas,
        "{policy}: a claim each"
    );
    let steps = trace.steps.len();
    println!(
        "{policy:<12} 0 → {replicas} pods and claims: {} in {steps} steps ({:.1} ms a step), {} actions",
        secs(took),
        took.as_secs_f64() * 1e3 / steps.max(1) as f64,
        actions(&trace)
    );
    let (serialize, parse) = baseline(&state);
    println!(
        "{:<12} baseline serialize {} + parse {}; plan / baseline = {:.1}×, a step / baseline = {:.2}×",
        "",
        secs(serialize),
        secs(parse),
        took.as_secs_f64() / (serialize + parse).as_secs_f64(),
        took.as_secs_f64() / steps.max(1) as f64 / (serialize + parse).as_secs_f64()
    );
    state
}

fn baseline(state: &State) -> (Duration, Duration) {
    let t = Instant::now();
    let text = state.to_yaml().expect("serialize");
    let serialize = t.elapsed();
    let t = Instant::now();
    let parsed = State::parse(&text, "bench").expect("parse");
    assert_eq!(parsed.objects.len(), state.objects.len());
    (serialize, t.elapsed())
}

/// Fact extraction and each controller on one snapshot.
fn profile(state: &State, what: &str) {
    let t = Instant::now();
    let f = Facts::extract(state);
    let mut parts = vec![format!("facts {:.1} ms", t.elapsed().as_secs_f64() * 1e3)];
    for c in controllers::CONTROLLERS {
        let t = Instant::now();
        let p = (c.reconcile)(&f);
        parts.push(format!(
            "{} {:.1} ms ({} actions)",
            c.name,
            t.elapsed().as_secs_f64() * 1e3,
            p.actions.len()
        ));
    }
    println!("profile      {what}: {}", parts.join(", "));
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not: a small smoke run then.
    let full = std::env::args().any(|a| a == "--bench");
    let replicas = if full { env("KONVERGE_BENCH_REPLICAS", 1000) } else { 20 };
    let nodes = env("KONVERGE_BENCH_NODES", 20);
    println!("statefulset bench: {replicas} replicas, {replicas} volumes, {nodes} nodes");
    plan("Parallel", replicas, nodes);
    let done = plan("OrderedReady", replicas, nodes);
    // Halfway: the same set scaled back to half, converged, as the OrderedReady plan sees it.
    let mut half = done;
    driver::run(
        &mut half,
        vec![Action::new(
            Change::Scale {
                key: konverge::model::ObjKey::new("StatefulSet", "default", "db"),
                replicas: (replicas / 2) as i64,
                patch: None,
            },
            "kubectl",
            "scale",
        )],
        &RunOptions::default(),
    );
    profile(&half, &format!("one step at {} pods, {replicas} claims", replicas / 2));
}
