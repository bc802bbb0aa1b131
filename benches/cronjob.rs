//! CronJobs over a long logical time: N CronJobs firing every minute, advanced H hours in one
//! run (`advance H`). Each run of each CronJob is a Job created, the CronJob's status written,
//! Events recorded — and the previous run's Job deleted, so the cluster does not grow with time:
//! the CronJobs use `concurrencyPolicy: Replace` (the cluster has no nodes, so each Job's pod
//! stays Pending and no Job finishes; with Replace each start time deletes the one before, and
//! the garbage collector its pod, as history cleanup would).
//!
//! The cost should grow with the number of runs (CronJobs × minutes), not with its square: the
//! same run reports 100 and 1,000 CronJobs over 6 h and 24 h, and the ratios between them
//! (×10 CronJobs and ×4 hours should cost about ×10 and ×4).
//!
//! A custom harness (`harness = false`): `cargo bench --bench cronjob` (sizes
//! `KONVERGE_BENCH_CRONJOBS=100,1000` and `KONVERGE_BENCH_HOURS=6,24`).

use konverge::actions::{Action, Change};
use konverge::driver::{self, RunOptions};
use konverge::state::State;
use serde_json::{json, Value};
use std::time::Instant;

fn sizes(name: &str, default: &[i64]) -> Vec<i64> {
    std::env::var(name)
        .ok()
        .map(|v| v.split(',').filter_map(|s| s.trim().parse().ok()).collect())
        .unwrap_or_else(|| default.to_vec())
}

fn cron_job(i: i64) -> Value {
    json!({
        "apiVersion": "batch/v1", "kind": "CronJob",
        "metadata": {"name": format!("every-minute-{i:04}"), "namespace": "default"},
        "spec": {
            "schedule": "* * * * *",
            "concurrencyPolicy": "Replace",
            "jobTemplate": {"spec": {"template": {"spec": {
                "restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox:1.36"}]}}}}
        }
    })
}

/// (seconds, steps, actions, Jobs created) of `advance hours` over `cron_jobs` CronJobs.
fn advance(cron_jobs: i64, hours: i64) -> (f64, usize, usize, usize) {
    let mut state = State::empty();
    let create: Vec<Action> = (0..cron_jobs)
        .map(|i| Action::new(Change::Create { object: cron_job(i) }, "kubectl", "apply"))
        .collect();
    let trace = driver::run(&mut state, create, &RunOptions::default());
    assert!(trace.converged());
    let opts = RunOptions {
        max_steps: Some(1_000_000),
        until: Some(state.now + hours * 3600),
        ..RunOptions::default()
    };
    let t = Instant::now();
    let trace = driver::run(&mut state, vec![], &opts);
    let took = t.elapsed().as_secs_f64();
    assert!(trace.converged(), "{:?}", trace.outcome);
    let actions: usize = trace.steps.iter().map(|s| s.actions.len()).sum();
    let jobs = trace
        .steps
        .iter()
        .flat_map(|s| &s.actions)
        .filter(|a| a.verb == "create" && a.key.kind == "Job")
        .count();
    assert_eq!(jobs as i64, cron_jobs * hours * 60, "one Job a minute per CronJob");
    (took, trace.steps.len(), actions, jobs)
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("cronjob bench: run with `cargo bench --bench cronjob`");
        return;
    }
    let counts = sizes("KONVERGE_BENCH_CRONJOBS", &[100, 1000]);
    let hours = sizes("KONVERGE_BENCH_HOURS", &[6, 24]);
    let mut results = Vec::new();
    for &n in &counts {
        for &h in &hours {
            let (took, steps, actions, jobs) = advance(n, h);
            println!(
                "cronjob   {n:>5} CronJobs every minute, advance {h:>2}h: {took:>7.2} s, {steps} steps, {actions} actions, {jobs} Jobs ({:.1} µs a Job)",
                took * 1e6 / jobs as f64
            );
            results.push(((n, h), took));
        }
    }
    let time = |n: i64, h: i64| results.iter().find(|r| r.0 == (n, h)).map(|r| r.1);
    let (small, large) = (counts.first().copied().unwrap_or(0), counts.last().copied().unwrap_or(0));
    let (short, long) = (hours.first().copied().unwrap_or(0), hours.last().copied().unwrap_or(0));
    if let (Some(a), Some(b)) = (time(large, short), time(large, long)) {
        println!(
            "ratio     {large} CronJobs, {long}h / {short}h: ×{:.2} for ×{:.1} the runs",
            b / a,
            long as f64 / short as f64
        );
    }
    if let (Some(a), Some(b)) = (time(small, long), time(large, long)) {
        println!(
            "ratio     {long}h, {large} / {small} CronJobs: ×{:.2} for ×{:.1} the runs",
            b / a,
            large as f64 / small as f64
        );
    }
}
