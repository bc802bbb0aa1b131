//! Jobs run to completion at scale: N Jobs of C completions with parallelism P on a cluster of
//! nodes (default: 10 and 100 Jobs of 1,000 completions, 100 at a time, on 500 nodes — up to
//! 100,000 pods that each run 5 s of logical time and succeed).
//!
//! Every pod of every Job is created, bound, started, finished and counted, and the finished
//! pods stay (a Job keeps its pods), so the state grows to N × C pods. The cost should grow with
//! the pods run, not with their square: the run reports each size, the baseline of serializing
//! and parsing the final state (what every CLI command pays to save and load it) and the
//! ratios between sizes.
//!
//! A custom harness (`harness = false`): `cargo bench --bench job` (sizes `KONVERGE_BENCH_JOBS`
//! = 10,100, `KONVERGE_BENCH_COMPLETIONS` = 1000, `KONVERGE_BENCH_PARALLELISM` = 100,
//! `KONVERGE_BENCH_NODES` = 500). Without `--bench` (as `cargo test --benches` runs it) a small
//! smoke size.

// Shared with the other benchmarks; this one takes only its nodes.
#[allow(dead_code)]
mod gen;

use gen::Size;
use konverge::actions::{Action, Change};
use konverge::driver::{self, RunOptions};
use konverge::state::State;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

fn sizes(name: &str, default: &[usize]) -> Vec<usize> {
    std::env::var(name)
        .ok()
        .map(|v| v.split(',').filter_map(|s| s.trim().parse().ok()).collect())
        .unwrap_or_else(|| default.to_vec())
}

fn job(i: usize, completions: usize, parallelism: usize) -> Value {
    json!({
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": format!("batch-{i:04}"), "namespace": "default"},
        "spec": {
            "completions": completions, "parallelism": parallelism,
            "template": {"spec": {"restartPolicy": "Never", "containers": [{
                "name": "work", "image": "busybox:1.36",
                "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}}}]}},
        },
    })
}

struct Run {
    took: Duration,
    steps: usize,
    actions: usize,
    pods: usize,
    baseline: Duration,
}

/// Create the nodes, then `jobs` Jobs, and run them to completion.
fn run(nodes: usize, jobs: usize, completions: usize, parallelism: usize) -> Run {
    let create = |object| Action::new(Change::Create { object }, "kubectl", "apply");
    let mut state = State::empty();
    let cluster = gen::manifests(Size::new(nodes, 0, 0)).into_iter().map(create).collect();
    driver::run(&mut state, cluster, &RunOptions::default());
    let t = Instant::now();
    let user = (0..jobs).map(|i| create(job(i, completions, parallelism))).collect();
    let trace = driver::run(&mut state, user, &RunOptions::default());
    let took = t.elapsed();
    assert!(trace.converged(), "{:?} after {} steps", trace.outcome, trace.steps.len());
    let complete =
        state.of_kind("Job", Some("default")).filter(|j| succeeded(j) == completions as i64).count();
    assert_eq!(complete, jobs, "every Job reaches its completions");
    let pods = state.of_kind("Pod", Some("default")).count();
    assert_eq!(pods, jobs * completions, "one pod per completion, none failed");
    let t = Instant::now();
    let text = state.to_yaml().expect("serialize");
    let parsed = State::parse(&text, "bench").expect("parse");
    assert_eq!(parsed.objects.len(), state.objects.len());
    Run {
        took,
        steps: trace.steps.len(),
        actions: trace.steps.iter().map(|s| s.actions.len()).sum(),
        pods,
        baseline: t.elapsed(),
    }
}

fn succeeded(job: &Value) -> i64 {
    job["status"]["succeeded"].as_i64().unwrap_or(0)
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (jobs, completions, parallelism, nodes) = if full {
        (
            sizes("KONVERGE_BENCH_JOBS", &[10, 100]),
            sizes("KONVERGE_BENCH_COMPLETIONS", &[1000])[0],
            sizes("KONVERGE_BENCH_PARALLELISM", &[100])[0],
            sizes("KONVERGE_BENCH_NODES", &[500])[0],
        )
    } else {
        (vec![2], 20, 5, 4)
    };
    println!("job bench: Jobs of {completions} completions, parallelism {parallelism}, on {nodes} nodes");
    let mut results = Vec::new();
    for &n in &jobs {
        let r = run(nodes, n, completions, parallelism);
        println!(
            "job   {n:>4} Jobs: {:>7.2} s, {} steps, {} actions, {} pods ({:.1} µs a pod); baseline serialize+parse {:.2} s, run / baseline = {:.1}×",
            r.took.as_secs_f64(),
            r.steps,
            r.actions,
            r.pods,
            r.took.as_secs_f64() * 1e6 / r.pods.max(1) as f64,
            r.baseline.as_secs_f64(),
            r.took.as_secs_f64() / r.baseline.as_secs_f64()
        );
        results.push((n, r.took.as_secs_f64()));
    }
    if let (Some(a), Some(b)) = (results.first(), results.last()) {
        if b.0 > a.0 {
            println!(
                "ratio {} / {} Jobs: ×{:.2} for ×{:.1} the pods",
                b.0,
                a.0,
                b.1 / a.1,
                b.0 as f64 / a.0 as f64
            );
        }
    }
}
