//! Apply-to-convergence benchmark (see benches/README.md).
//!
//! For each cluster size, from an empty state: read the generated manifests, turn them into
//! the user's create actions (what `konverge apply` does), run the controllers to convergence,
//! render the trace and serialize the final state. In the same run, as the yardstick, time only
//! parsing and serializing that final state file (`State::parse` + `State::to_yaml`): the
//! least any command that loads and saves the state must do. The ratio of the two says how much
//! the controllers cost on top of the I/O floor.
//!
//! Every iteration applies in a fresh child process (this binary re-executed) and measures the
//! yardstick in another, so each starts from a fresh heap as a `konverge` command does and
//! each peak memory (`VmHWM`) is its own. The report keeps the least time of each phase over
//! the iterations and checks that they all ended in the same state. A custom harness with a
//! few iterations, not criterion: one 150,000-pod iteration takes a minute. `criterion` runs
//! criterion on the small sizes for statistically careful comparisons.
//!
//! ```text
//! cargo bench --bench convergence                 # 0→2 pods, 500/15k, 5,000/150k
//! cargo bench --bench convergence -- small        # 0→2 pods and 500 nodes / 15,000 pods
//! cargo bench --bench convergence -- large        # 5,000 nodes / 150,000 pods only
//! cargo bench --bench convergence -- series       # 500, 1,000, 2,000, 5,000 nodes (30 pods each)
//! cargo bench --bench convergence -- classes      # every ReplicaSet its own scheduling class
//! cargo bench --bench convergence -- orphan-delete  # delete every pod with --cascade=orphan
//! cargo bench --bench convergence -- adopt        # re-apply orphaned ReplicaSets: adoption
//! cargo bench --bench convergence -- daemonset    # one DaemonSet on 500 and 5,000 nodes, then rolled out
//! cargo bench --bench convergence -- criterion    # criterion: 0→2 pods and 50 nodes / 1,500 pods
//! cargo bench --bench convergence -- gen 5000 150000 5000 > m.yaml   # manifests for the CLI
//! ```
//! `KONVERGE_BENCH_ITERS=N` sets the iterations per size (default 3; 1 for the large size);
//! `KONVERGE_BENCH_APPLY_ONLY=1` skips the parse + serialize yardstick (for profiling).

#[path = "gen.rs"]
mod gen;

use criterion::Criterion;
use gen::Size;
use konverge::actions::{Action, Change, Propagation};
use konverge::apply::{self, Applied};
use konverge::driver::{self, RunOptions, Trace};
use konverge::manifest;
use konverge::render;
use konverge::state::State;
use std::process::Command;
use std::time::Instant;

const TINY: Size = Size::new(2, 2, 1);
const SMALL: Size = Size::new(500, 15_000, 500);
const LARGE: Size = Size::new(5_000, 150_000, 5_000);

fn main() {
    // cargo passes `--bench` (and maybe other flags) to a harness-less bench: keep the words.
    let args: Vec<String> =
        std::env::args().skip(1).filter(|a| !a.starts_with("--") || a.starts_with("--child")).collect();
    match args.first().map(String::as_str) {
        Some("--child-apply") => child_apply(&args[1..]),
        Some("--child-baseline") => child_baseline(&args[1..]),
        Some("gen") => {
            let n: Vec<usize> =
                args[1..].iter().map(|a| a.parse().expect("gen NODES PODS SETS [SHAPES]")).collect();
            let (&[nodes, pods, sets], shapes) = (&n[..3], n.get(3).copied().unwrap_or(1)) else {
                panic!("gen NODES PODS SETS [SHAPES]")
            };
            print!("{}", gen::manifests_yaml(Size::new(nodes, pods, sets).with_shapes(shapes)));
        }
        Some("criterion") => criterion_benches(),
        // One DaemonSet on 500 and 5,000 nodes: created, then rolled out (maxUnavailable 10%).
        Some("daemonset") => daemon_set(&[500, 5_000]),
        // `kubectl delete pods --all --cascade=orphan` on a converged cluster, or delete the
        // ReplicaSets --cascade=orphan and apply them again (adoption).
        Some(scenario @ ("orphan-delete" | "adopt")) => {
            let sizes = [Size::new(50, 1_500, 50), Size::new(150, 4_500, 150), SMALL];
            // A number up to 3 takes that many of `sizes`; a larger one is a node count (30 pods
            // and one ReplicaSet per node).
            let n = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(sizes.len());
            let custom = [Size::new(n, 30 * n, n)];
            for size in if n > sizes.len() { &custom[..] } else { &sizes[..n] } {
                if scenario == "adopt" {
                    adopt(*size)
                } else {
                    orphan_delete(*size)
                }
            }
        }
        Some("small") => report(&[TINY, SMALL]),
        Some("large") => report(&[TINY, LARGE]),
        // 500 → 5,000 nodes in steps, to see how the cost per pod moves with size.
        Some("series") => report(&[500, 1000, 2000, 5000].map(|n| Size::new(n, 30 * n, n))),
        // Every ReplicaSet its own pod shape: as many scheduling classes as sets. Not run at
        // 5,000 nodes: the scheduler's rules are classes x nodes per step (see README).
        Some("classes") => {
            report(&[250, 500, 1000].map(|n| Size::new(n, 30 * n, n).with_shapes(n)));
        }
        Some(other) => {
            panic!(
                "unknown benchmark {other:?}: small, large, series, classes, orphan-delete, adopt, daemonset, criterion or gen"
            )
        }
        // `cargo bench` passes --bench; `cargo test --benches` does not: only a smoke test there.
        None if std::env::args().any(|a| a == "--bench") => report(&[TINY, SMALL, LARGE]),
        None => report(&[TINY]),
    }
}

/// What one size measured (the child prints it as one line, the parent reads it back).
#[derive(Debug, Default, Clone)]
struct Measured {
    size: Size,
    iters: usize,
    steps: usize,
    converged: bool,
    actions: usize,
    /// Apply phases (manifests, run, render, save): best iteration, seconds, wall and CPU.
    wall: [f64; 4],
    cpu: [f64; 4],
    /// Parse + serialize the final state: best iteration, seconds.
    baseline_wall: f64,
    baseline_cpu: f64,
    state_bytes: usize,
    /// FNV-1a of the final state file: equal across builds when an optimization kept behaviour.
    state_hash: u64,
    peak_apply_kb: u64,
    peak_baseline_kb: u64,
}

const PHASES: [&str; 4] = ["manifests", "run", "render", "save"];

impl Measured {
    fn apply_cpu(&self) -> f64 {
        self.cpu.iter().sum()
    }

    fn apply_wall(&self) -> f64 {
        self.wall.iter().sum()
    }

    /// Two iterations: the least time of each phase (the least disturbed by other work on the
    /// machine), the larger peak; both must have reached the same final state.
    fn best(self, other: Measured) -> Measured {
        assert_eq!(self.state_hash, other.state_hash, "two runs of one size ended in different states");
        let min = |a: f64, b: f64| a.min(b);
        Measured {
            wall: [0, 1, 2, 3].map(|i| min(self.wall[i], other.wall[i])),
            cpu: [0, 1, 2, 3].map(|i| min(self.cpu[i], other.cpu[i])),
            baseline_wall: min(self.baseline_wall, other.baseline_wall),
            baseline_cpu: min(self.baseline_cpu, other.baseline_cpu),
            peak_apply_kb: self.peak_apply_kb.max(other.peak_apply_kb),
            peak_baseline_kb: self.peak_baseline_kb.max(other.peak_baseline_kb),
            ..self
        }
    }

    fn to_line(&self) -> String {
        let z = self.size;
        let mut out = format!(
            "RESULT nodes={} pods={} sets={} shapes={} iters={} steps={} converged={} actions={} \
             baseline_wall={} baseline_cpu={} state_bytes={} state_hash={:016x} peak_apply_kb={} peak_baseline_kb={}",
            z.nodes,
            z.pods,
            z.sets,
            z.shapes,
            self.iters,
            self.steps,
            self.converged,
            self.actions,
            self.baseline_wall,
            self.baseline_cpu,
            self.state_bytes,
            self.state_hash,
            self.peak_apply_kb,
            self.peak_baseline_kb
        );
        for (i, p) in PHASES.iter().enumerate() {
            out += &format!(" {p}_wall={} {p}_cpu={}", self.wall[i], self.cpu[i]);
        }
        out
    }

    fn from_line(line: &str) -> Option<Measured> {
        let kv: std::collections::HashMap<&str, &str> =
            line.strip_prefix("RESULT ")?.split(' ').filter_map(|w| w.split_once('=')).collect();
        let u = |k: &str| kv.get(k)?.parse::<usize>().ok();
        let f = |k: &str| kv.get(k)?.parse::<f64>().ok();
        let mut m = Measured {
            size: Size::new(u("nodes")?, u("pods")?, u("sets")?).with_shapes(u("shapes")?),
            iters: u("iters")?,
            steps: u("steps")?,
            converged: kv.get("converged") == Some(&"true"),
            actions: u("actions")?,
            baseline_wall: f("baseline_wall")?,
            baseline_cpu: f("baseline_cpu")?,
            state_bytes: u("state_bytes")?,
            state_hash: u64::from_str_radix(kv.get("state_hash")?, 16).ok()?,
            peak_apply_kb: u("peak_apply_kb")? as u64,
            peak_baseline_kb: u("peak_baseline_kb")? as u64,
            ..Measured::default()
        };
        for (i, p) in PHASES.iter().enumerate() {
            m.wall[i] = f(&format!("{p}_wall"))?;
            m.cpu[i] = f(&format!("{p}_cpu"))?;
        }
        Some(m)
    }
}

/// The parent: one child process per size, then the figures.
fn report(sizes: &[Size]) {
    let exe = std::env::current_exe().expect("own path");
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut results = Vec::new();
    for s in sizes {
        let default_iters = if s.pods >= 100_000 { 1 } else { 3 };
        let iters =
            std::env::var("KONVERGE_BENCH_ITERS").ok().and_then(|v| v.parse().ok()).unwrap_or(default_iters);
        eprintln!(
            "measuring {} nodes / {} pods / {} ReplicaSets / {} pod shape(s), {iters} iteration(s)…",
            s.nodes, s.pods, s.sets, s.shapes
        );
        let state_file = dir.path().join("final.state.yaml");
        let mut best: Option<Measured> = None;
        for _ in 0..iters.max(1) {
            // Apply in one process, parse + serialize its final state in another: both start
            // from a fresh heap, as a `konverge` command does.
            let args = [s.nodes, s.pods, s.sets, s.shapes].map(|n| n.to_string());
            let mut m = run_child(Command::new(&exe).arg("--child-apply").args(args).arg(&state_file));
            if std::env::var_os("KONVERGE_BENCH_APPLY_ONLY").is_none() {
                let b = run_child(Command::new(&exe).arg("--child-baseline").arg(&state_file));
                (m.baseline_wall, m.baseline_cpu, m.peak_baseline_kb) =
                    (b.baseline_wall, b.baseline_cpu, b.peak_baseline_kb);
            }
            best = Some(match best {
                None => m,
                Some(b) => b.best(m),
            });
        }
        results.extend(best.map(|b| Measured { size: *s, iters, ..b }));
    }
    let mb = |kb: u64| kb as f64 / 1024.0;
    for m in &results {
        let z = m.size;
        println!(
            "\n{} nodes / {} pods / {} ReplicaSets / {} pod shape(s): {} steps{}, {} actions, best of {}",
            z.nodes,
            z.pods,
            z.sets,
            z.shapes,
            m.steps,
            if m.converged { ", converged" } else { ", NOT CONVERGED" },
            m.actions,
            m.iters
        );
        let phases: Vec<String> = PHASES.iter().zip(m.cpu).map(|(p, t)| format!("{p} {t:.3}")).collect();
        println!(
            "  apply to convergence  {:>8.3} s cpu {:>8.3} s wall  ({})",
            m.apply_cpu(),
            m.apply_wall(),
            phases.join(" + ")
        );
        println!(
            "  parse + serialize     {:>8.3} s cpu {:>8.3} s wall  (final state file {:.1} MB, fnv {:016x})",
            m.baseline_cpu,
            m.baseline_wall,
            m.state_bytes as f64 / 1e6,
            m.state_hash
        );
        println!(
            "  ratio                 {:>8.2} cpu     {:>8.2} wall",
            m.apply_cpu() / m.baseline_cpu,
            m.apply_wall() / m.baseline_wall
        );
        println!(
            "  peak memory (VmHWM)   apply {:.0} MB, parse + serialize {:.0} MB",
            mb(m.peak_apply_kb),
            mb(m.peak_baseline_kb)
        );
    }
    // Growth between sizes with pods: linear cost keeps the factors near the size factor.
    let big: Vec<&Measured> = results.iter().filter(|m| m.size.pods >= 1000).collect();
    if big.len() >= 2 {
        println!();
    }
    for w in big.windows(2) {
        let (a, b) = (w[0], w[1]);
        let per_pod = |t: f64, m: &Measured| t * 1e6 / m.size.pods as f64;
        println!(
            "{} → {} pods (×{:.1}): apply ×{:.1} (run ×{:.1}), parse + serialize ×{:.1}, peak memory ×{:.1}; \
             steps {} → {}; per pod: apply {:.0} → {:.0} µs, run {:.0} → {:.0} µs, parse + serialize {:.0} → {:.0} µs",
            a.size.pods,
            b.size.pods,
            b.size.pods as f64 / a.size.pods as f64,
            b.apply_cpu() / a.apply_cpu(),
            b.cpu[1] / a.cpu[1],
            b.baseline_cpu / a.baseline_cpu,
            b.peak_apply_kb as f64 / a.peak_apply_kb as f64,
            a.steps,
            b.steps,
            per_pod(a.apply_cpu(), a),
            per_pod(b.apply_cpu(), b),
            per_pod(a.cpu[1], a),
            per_pod(b.cpu[1], b),
            per_pod(a.baseline_cpu, a),
            per_pod(b.baseline_cpu, b),
        );
    }
    if let Some(tiny) = results.iter().find(|m| m.size.pods < 10) {
        let most = results.iter().map(|m| m.steps).max().unwrap_or(0);
        println!("steps: 0 → {} pods {}, largest {}", tiny.size.pods, tiny.steps, most);
    }
}

/// Run a child, relay its stderr, read its RESULT line.
fn run_child(cmd: &mut Command) -> Measured {
    let out = cmd.output().expect("run the benchmark child");
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    match stdout.lines().find_map(Measured::from_line) {
        Some(m) if out.status.success() => m,
        _ => panic!("benchmark child failed ({}): {stdout}", out.status),
    }
}

/// Child: one apply of `NODES PODS SETS SHAPES` onto an empty state; writes the final state to
/// `PATH` and prints one RESULT line.
fn child_apply(args: &[String]) {
    let usage = "--child-apply NODES PODS SETS SHAPES PATH";
    let (Some(path), Some(n)) = (args.get(4), args.get(..4)) else { panic!("{usage}") };
    let n: Vec<usize> = n.iter().map(|a| a.parse().expect(usage)).collect();
    let size = Size::new(n[0], n[1], n[2]).with_shapes(n[3]);
    let yaml = gen::manifests_yaml(size);
    reset_peak();
    let (phases, trace, text) = apply_once(&yaml);
    let mut m = Measured { size, iters: 1, ..Measured::default() };
    m.peak_apply_kb = peak_kb();
    for (i, (wall, cpu)) in phases.into_iter().enumerate() {
        (m.wall[i], m.cpu[i]) = (wall, cpu);
    }
    m.steps = trace.steps.len();
    m.converged = trace.converged();
    m.actions = trace.steps.iter().map(|s| s.actions.len()).sum();
    m.state_bytes = text.len();
    m.state_hash = konverge::apiserver::fnv64(&text);
    std::fs::write(path, &text).expect("write the final state");
    println!("{}", m.to_line());
}

/// Child: parse and serialize the state file at `PATH` (the yardstick); prints a RESULT line.
fn child_baseline(args: &[String]) {
    let path = args.first().expect("--child-baseline PATH");
    let text = std::fs::read_to_string(path).expect("read the final state");
    reset_peak();
    let t = Timer::start();
    let state = State::parse(&text, path).expect("final state parses");
    let again = state.to_yaml().expect("state serializes");
    let (wall, cpu) = t.stop();
    assert_eq!(again, text, "the final state round-trips");
    let m = Measured {
        baseline_wall: wall,
        baseline_cpu: cpu,
        peak_baseline_kb: peak_kb(),
        state_bytes: text.len(),
        state_hash: konverge::apiserver::fnv64(&text),
        ..Measured::default()
    };
    println!("{}", m.to_line());
}

/// Wall and CPU time of this (single-threaded) process.
struct Timer {
    wall: Instant,
    cpu: f64,
}

impl Timer {
    fn start() -> Timer {
        Timer { wall: Instant::now(), cpu: cpu_seconds() }
    }

    /// (wall, cpu) seconds since start; CPU time is what the shared machine cannot inflate.
    fn stop(&self) -> (f64, f64) {
        let wall = self.wall.elapsed().as_secs_f64();
        let cpu = cpu_seconds() - self.cpu;
        (wall, if cpu > 0.0 { cpu } else { wall })
    }
}

/// CPU time of the calling thread (Linux `schedstat`, nanoseconds), 0 where unavailable.
fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(0.0, |ns| ns as f64 / 1e9)
}

/// One `konverge apply` of the manifests onto an empty state, without the file I/O: the
/// (wall, cpu) seconds of each phase, the trace and the final state text.
fn apply_once(yaml: &str) -> ([(f64, f64); 4], Trace, String) {
    let t = Timer::start();
    let actions = user_actions(yaml);
    let manifests = t.stop();
    let t = Timer::start();
    let mut state = State::empty();
    let trace = driver::run(&mut state, actions, &RunOptions::default());
    let run = t.stop();
    let t = Timer::start();
    let printed = render::trace_text(&trace);
    std::hint::black_box(&printed);
    let render = t.stop();
    let t = Timer::start();
    let text = state.to_yaml().expect("state serializes");
    let save = t.stop();
    ([manifests, run, render, save], trace, text)
}

/// Converge `size`, then delete every pod with `--cascade=orphan` and run to convergence again
/// (the ReplicaSets replace the pods): each orphan delete of a pod asks whether anything
/// depends on it.
fn orphan_delete(size: Size) {
    let mut state = State::empty();
    driver::run(&mut state, user_actions(&gen::manifests_yaml(size)), &RunOptions::default());
    let deletes: Vec<Action> = state
        .of_kind("Pod", None)
        .map(|p| {
            let key = konverge::model::ObjKey::of(p);
            Action::new(Change::Delete { key, propagation: Propagation::Orphan }, "kubectl", "delete")
        })
        .collect();
    let n = deletes.len();
    let t = Timer::start();
    let trace = driver::run(&mut state, deletes, &RunOptions::default());
    let (wall, cpu) = t.stop();
    let text = state.to_yaml().expect("state serializes");
    println!(
        "{} nodes / {n} pods: delete all pods --cascade=orphan, {} steps to converge: {cpu:.3} s cpu \
         ({wall:.3} s wall), final state fnv {:016x}",
        size.nodes,
        trace.steps.len(),
        konverge::apiserver::fnv64(&text)
    );
}

/// Converge `size`, delete every ReplicaSet with `--cascade=orphan` (the pods lose their owner
/// reference), then apply the ReplicaSets again and time the run: every orphan is matched
/// against the selectors of the sets in its namespace and adopted.
fn adopt(size: Size) {
    let yaml = gen::manifests_yaml(size);
    let mut state = State::empty();
    driver::run(&mut state, user_actions(&yaml), &RunOptions::default());
    let deletes: Vec<Action> = state
        .of_kind("ReplicaSet", None)
        .map(|rs| {
            let key = konverge::model::ObjKey::of(rs);
            Action::new(Change::Delete { key, propagation: Propagation::Orphan }, "kubectl", "delete")
        })
        .collect();
    driver::run(&mut state, deletes, &RunOptions::default());
    let sets: Vec<Action> = user_actions(&yaml)
        .into_iter()
        .filter(|a| matches!(&a.change, Change::Create { object } if object["kind"] == "ReplicaSet"))
        .collect();
    let t = Timer::start();
    let trace = driver::run(&mut state, sets, &RunOptions::default());
    let (wall, cpu) = t.stop();
    let text = state.to_yaml().expect("state serializes");
    println!(
        "{} nodes / {} orphan pods: apply {} ReplicaSets again, {} steps to converge: {cpu:.3} s cpu \
         ({wall:.3} s wall), final state fnv {:016x}",
        size.nodes,
        state.of_kind("Pod", None).count(),
        size.sets,
        trace.steps.len(),
        konverge::apiserver::fnv64(&text)
    );
}

/// A DaemonSet on each of `sizes` nodes: from an empty state to convergence (a pod on every
/// node), then a rolling update of its image (maxUnavailable 10%) to convergence; steps and
/// CPU time of each, and how they grow from the first size to the last.
fn daemon_set(sizes: &[usize]) {
    let mut results: Vec<(usize, usize, f64, usize, f64)> = Vec::new();
    for &nodes in sizes {
        let mut state = State::empty();
        let t = Timer::start();
        let create =
            driver::run(&mut state, user_actions(&gen::daemon_set_yaml(nodes)), &RunOptions::default());
        let (wall, cpu) = t.stop();
        assert!(create.converged(), "{nodes} nodes: {:?}", create.outcome);
        let set_image = Action::new(
            Change::Patch {
                key: konverge::model::ObjKey::new("DaemonSet", "default", "node-agent"),
                patch: serde_json::json!({"spec": {"template": {"spec": {"containers": [{"name": "agent", "image": "agent:2"}]}}}}),
                precondition: konverge::actions::Precondition::None,
            },
            "kubectl",
            "set image",
        );
        let t = Timer::start();
        let update = driver::run(&mut state, vec![set_image], &RunOptions::default());
        let (update_wall, update_cpu) = t.stop();
        assert!(update.converged(), "{nodes} nodes: {:?}", update.outcome);
        println!(
            "{nodes} nodes: create {} steps, {cpu:.2} s cpu ({wall:.2} s wall); rolling update {} steps, \
             {update_cpu:.2} s cpu ({update_wall:.2} s wall); final state fnv {:016x}",
            create.steps.len(),
            update.steps.len(),
            konverge::apiserver::fnv64(&state.to_yaml().expect("state serializes")),
        );
        results.push((nodes, create.steps.len(), cpu, update.steps.len(), update_cpu));
    }
    if let (Some(a), Some(b)) = (results.first(), results.last()) {
        println!(
            "{} → {} nodes (×{:.0}): create steps ×{:.2}, cpu ×{:.1}; rolling update steps ×{:.2}, cpu ×{:.1}",
            a.0,
            b.0,
            b.0 as f64 / a.0 as f64,
            b.1 as f64 / a.1 as f64,
            b.2 / a.2,
            b.3 as f64 / a.3 as f64,
            b.4 / a.4,
        );
    }
}

/// Parse and validate the manifests and plan them against an empty state, as `apply -f` does.
fn user_actions(yaml: &str) -> Vec<Action> {
    let manifests =
        manifest::parse_stream(yaml, "generated.yaml", "default").expect("generated manifests are valid");
    manifests
        .into_iter()
        .map(|m| match apply::plan_apply(&m.object, None) {
            Applied::Create(object) => Action::new(Change::Create { object }, "kubectl", "apply: new object"),
            other => panic!("unexpected {other:?} on an empty state"),
        })
        .collect()
}

/// Reset the peak resident set size (`VmHWM`) of this process (Linux `clear_refs` 5).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Peak resident set size in KiB, 0 where /proc is unavailable.
fn peak_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// criterion on the sizes that fit its sampling: 0 → 2 pods and 50 nodes / 1,500 pods.
fn criterion_benches() {
    let mut c = Criterion::default().sample_size(10);
    let mut group = c.benchmark_group("apply-to-convergence");
    for size in [TINY, Size::new(50, 1_500, 50)] {
        let yaml = gen::manifests_yaml(size);
        group.bench_function(format!("{}n-{}p", size.nodes, size.pods), |b| {
            b.iter(|| apply_once(&yaml));
        });
        let (_, _, text) = apply_once(&yaml);
        group.bench_function(format!("{}n-{}p parse+serialize", size.nodes, size.pods), |b| {
            b.iter(|| State::parse(&text, "final").and_then(|s| s.to_yaml()).map(|t| t.len()));
        });
    }
    group.finish();
    c.final_summary();
}
