//! Rolling update at scale: 1,500 Deployments × 100 replicas on 5,000 nodes get a new image at
//! once and the driver plans the whole rollout to convergence.
//!
//! A custom harness (`harness = false`): one long run does not fit criterion's sampling. It
//! reports, in one run:
//!
//! * setup: the initial rollout (0 → 150,000 pods), built by the driver itself;
//! * baseline: serializing the converged state to the YAML stream and parsing it back (what
//!   every CLI command pays to load and save this state);
//! * reading: `get rs NAME` (the clock and the ReplicaSets parsed) and a `run` with nothing
//!   to do (parse, evaluate once, save) on the converged state;
//! * the rolling update: `set image` on every Deployment, planned to convergence: time, steps,
//!   actions, and its ratio to the baseline;
//! * where a step's time goes: fact extraction and each controller on the first snapshot of
//!   the update (the whole step, admission included, is the update's time / steps);
//! * memory: what the converged state holds resident, and the peak (VmHWM from
//!   /proc/self/status) of the update and of the update with its save (streamed to a file, as
//!   a command saves), the bench's own copies of the state (baseline, probe) left out.
//!   mimalloc keeps freed pages resident for a while; run with `MIMALLOC_PURGE_DELAY=0` for
//!   these figures, or the copies the bench dropped still count.
//!
//! Sizes: `KONVERGE_BENCH_DEPLOYMENTS` (1500), `KONVERGE_BENCH_REPLICAS` (100),
//! `KONVERGE_BENCH_NODES` (5000). `cargo bench --bench rollout`.

use konverge::actions::{Action, Change, Precondition};
use konverge::controllers;
use konverge::driver::{self, RunOptions, Trace};
use konverge::facts::Facts;
use konverge::model::{self, ObjKey};
use konverge::state::State;
use serde_json::{json, Value};
use std::io::Write;
use std::time::{Duration, Instant};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn node(i: usize) -> Value {
    let name = format!("node-{i:05}");
    json!({
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
        "status": {
            "allocatable": {"cpu": "32", "memory": "128Gi", "pods": "110"},
            "capacity": {"cpu": "32", "memory": "128Gi", "pods": "110"},
            "conditions": [{"type": "Ready", "status": "True"}],
        },
    })
}

fn deployment(i: usize, replicas: usize) -> Value {
    let name = format!("app-{i:04}");
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": "registry.example/app:v1",
                                         "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}}]},
            },
        },
    })
}

fn user(change: Change, why: &str) -> Action {
    Action::new(change, "kubectl", why)
}

fn run(state: &mut State, actions: Vec<Action>) -> (Trace, Duration) {
    let t = Instant::now();
    let trace = driver::run(state, actions, &RunOptions { max_steps: Some(10_000), ..RunOptions::default() });
    (trace, t.elapsed())
}

fn actions(trace: &Trace) -> usize {
    trace.steps.iter().map(|s| s.actions.len()).sum()
}

/// Reset the peak resident set size (`VmHWM`) of this process to what it holds now (Linux
/// `clear_refs` 5), so that the next peak is the next phase's own.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// A field of /proc/self/status in MB (`VmRSS`, `VmHWM`), "n/a" where /proc is unavailable.
fn status_mb(field: &str) -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with(field))?;
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        })
        .map_or_else(|| "n/a".into(), |kb| format!("{} MB", kb / 1000))
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not: skip the long run then.
    if !std::env::args().any(|a| a == "--bench") {
        println!("rollout bench: run with `cargo bench --bench rollout`");
        return;
    }
    let deployments = env("KONVERGE_BENCH_DEPLOYMENTS", 1500);
    let replicas = env("KONVERGE_BENCH_REPLICAS", 100);
    let nodes = env("KONVERGE_BENCH_NODES", 5000);
    println!(
        "rollout bench: {deployments} Deployments × {replicas} replicas = {} pods on {nodes} nodes",
        deployments * replicas
    );

    // Setup: the initial rollout, by the driver.
    let mut state = State::empty();
    let mut create: Vec<Action> =
        (0..nodes).map(|i| user(Change::Create { object: node(i) }, "node")).collect();
    create
        .extend((0..deployments).map(|i| user(Change::Create { object: deployment(i, replicas) }, "apply")));
    let (trace, took) = run(&mut state, create);
    assert!(trace.converged(), "initial rollout: {:?}", trace.outcome);
    let pods = state.of_kind("Pod", Some("default")).count();
    assert_eq!(pods, deployments * replicas);
    println!(
        "setup     initial rollout 0 → {pods} pods: {} in {} steps, {} actions",
        secs(took),
        trace.steps.len(),
        actions(&trace)
    );
    drop(trace);

    // Baseline: the same state through the YAML stream, out and back.
    let t = Instant::now();
    let text = state.to_yaml().expect("serialize");
    let serialize = t.elapsed();
    let t = Instant::now();
    let parsed = State::parse(&text, "bench").expect("parse");
    let parse = t.elapsed();
    assert_eq!(parsed.objects.len(), state.objects.len());
    drop(parsed);
    let baseline = serialize + parse;
    println!(
        "baseline  serialize {} + parse {} = {} ({} MB of YAML, {} objects, {} of them Events)",
        secs(serialize),
        secs(parse),
        secs(baseline),
        text.len() / 1_000_000,
        state.objects.len() + state.events.len(),
        state.events.len()
    );

    drop(text);

    // The update: a new image on every Deployment.
    let patches: Vec<Action> = (0..deployments)
        .map(|i| {
            user(
                Change::Patch {
                    key: ObjKey::new("Deployment", "default", &format!("app-{i:04}")),
                    patch: json!({"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "registry.example/app:v2",
                        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}}]}}}}),
                    precondition: Precondition::None,
                },
                "set image",
            )
        })
        .collect();

    // Where a step goes: the first snapshot of the update, controller by controller.
    {
        let mut probe = state.clone();
        let (_, _) = run_one_step(&mut probe, patches.clone());
        let t = Instant::now();
        let f = Facts::extract(&probe);
        let extract = t.elapsed();
        let mut parts = vec![("facts", extract)];
        let mut actions = Vec::new();
        for c in controllers::CONTROLLERS {
            let t = Instant::now();
            let proposed = (c.reconcile)(&f);
            parts.push((c.name, t.elapsed()));
            actions.push((c.name, proposed.actions.len()));
        }
        let t = Instant::now();
        let mut samples = konverge::timeline::Timelines::new();
        konverge::timeline::sample(&f, 0, f.now, &mut samples);
        parts.push(("rollout timeline sample", t.elapsed()));
        let line: Vec<String> =
            parts.iter().map(|(n, d)| format!("{n} {:.0} ms", d.as_secs_f64() * 1e3)).collect();
        let counts: Vec<String> = actions.iter().map(|(n, k)| format!("{k} {n}")).collect();
        println!("profile   step 2 of the update ({} actions): {}", counts.join(", "), line.join(", "));
    }

    // Memory is measured from here: the bench held copies of the state before (the parsed
    // baseline, the probe) that no command holds.
    reset_peak();
    let resident = status_mb("VmRSS:");
    let (trace, took) = run(&mut state, patches);
    assert!(trace.converged(), "rolling update: {:?}", trace.outcome);
    let update_peak = status_mb("VmHWM:");
    let v2 = state
        .of_kind("Pod", Some("default"))
        .filter(|p| model::str_at(&p["spec"]["containers"][0], &["image"]) == "registry.example/app:v2")
        .count();
    assert_eq!(v2, deployments * replicas, "every pod runs the new image");
    let steps = trace.steps.len();
    println!(
        "update    set image on {deployments} Deployments → converged: {} in {steps} steps ({:.2} s a step), {} actions",
        secs(took),
        took.as_secs_f64() / steps.max(1) as f64,
        actions(&trace)
    );
    println!(
        "ratio     update / (parse + serialize) = {:.1}×; per step {:.2}×",
        took.as_secs_f64() / baseline.as_secs_f64(),
        took.as_secs_f64() / steps.max(1) as f64 / baseline.as_secs_f64()
    );
    println!(
        "events    {} Events after the update ({} objects)",
        state.events.len(),
        state.objects.len() + state.events.len()
    );
    // Saved as a command saves it: streamed to a file.
    let path = std::env::temp_dir().join(format!("konverge-rollout-bench-{}.yaml", std::process::id()));
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).expect("create the saved state"));
    state.write_yaml(&mut |piece| Ok(file.write_all(piece.as_bytes())?)).expect("save");
    file.flush().expect("save");
    drop(file);
    println!(
        "memory    the state before the update {resident} resident; peak (VmHWM) during the update {update_peak}, with the save {}",
        status_mb("VmHWM:")
    );
    drop(state);
    let text = std::fs::read_to_string(&path).expect("read the saved state");
    std::fs::remove_file(&path).expect("remove the saved state");
    // What read-only and idle commands pay on the converged state after the update: `get rs
    // NAME` parses the clock and the ReplicaSets only; `run` with nothing to do loads,
    // evaluates once and saves.
    let t = Instant::now();
    let sets = State::parse_kinds(&text, "bench", &|k| k == "ReplicaSet").expect("parse ReplicaSets");
    let one = sets.objects.keys().next().map(|k| k.name.clone()).unwrap_or_default();
    assert!(sets.get("ReplicaSet", "default", &one).is_some());
    let get_one = t.elapsed();
    drop(sets);
    let t = Instant::now();
    let mut idle = State::parse(&text, "bench").expect("parse");
    let (trace, _) = run(&mut idle, Vec::new());
    assert!(trace.converged() && trace.steps.is_empty(), "nothing to do: {:?}", trace.outcome);
    // Saved as a command saves it: compared with the file piece by piece as it is emitted.
    let mut at = 0;
    idle.write_yaml(&mut |piece| {
        assert!(
            text.get(at..at + piece.len()) == Some(piece),
            "a run with nothing to do saves the same state"
        );
        at += piece.len();
        Ok(())
    })
    .expect("serialize");
    assert_eq!(at, text.len(), "a run with nothing to do saves the same state");
    let run_idle = t.elapsed();
    drop(idle);
    println!(
        "read      get rs {one} (parse the clock and the ReplicaSets) {}; run with nothing to do (parse, evaluate, save) {} = {:.2}× the baseline",
        secs(get_one),
        secs(run_idle),
        run_idle.as_secs_f64() / baseline.as_secs_f64()
    );
}

/// One step of the driver (the user's actions and the controllers' first answers).
fn run_one_step(state: &mut State, actions: Vec<Action>) -> (Trace, Duration) {
    let t = Instant::now();
    let trace = driver::run(
        state,
        actions,
        &RunOptions { steps: Some(1), max_steps: Some(10_000), ..RunOptions::default() },
    );
    (trace, t.elapsed())
}
