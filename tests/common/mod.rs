//! Shared helpers for the integration tests: a throwaway cluster (a temporary directory holding
//! the state file) driven through the real `konverge` binary, readers of the objects and traces
//! it prints, and snapshot settings.
#![allow(dead_code)]

pub mod sim;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root (examples/, snapshots/).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn example(rel: &str) -> String {
    root().join("examples").join(rel).display().to_string()
}

/// A repository file, as text.
pub fn repo_file(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).expect("repository file")
}

/// Alphabet of generated name suffixes and pod-template hashes (upstream `rand.SafeEncodeString`).
pub const NAME_ALPHABET: &str = "bcdfghjklmnpqrstvwxz2456789";

/// Pin a snapshot under `snapshots/` at the repository root, named without the module prefix;
/// with a description, that text goes in the snapshot's header.
#[macro_export]
macro_rules! snap {
    ($name:expr, $value:expr) => {
        insta::with_settings!({
            snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"),
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!($name, $value);
        })
    };
    ($name:expr, $description:expr, $value:expr) => {
        insta::with_settings!({
            snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"),
            prepend_module_to_snapshot => false,
            omit_expression => true,
            description => $description,
        }, {
            insta::assert_snapshot!($name, $value);
        })
    };
}

/// A seed story replayed through the binary command by command: each reconciling command runs
/// as text and as JSON (`Cluster::replay`); its trace and the listings after it are pinned as
/// `<prefix>_<NN>_<label>_trace` and `…_get_<what>` snapshots.
pub struct Story {
    pub k: Cluster,
    prefix: &'static str,
    listings: &'static [(&'static str, &'static [&'static str])],
    n: usize,
}

impl Story {
    /// A story on a new cluster; `listings` are `(what, get command)` pinned after every step.
    pub fn new(prefix: &'static str, listings: &'static [(&'static str, &'static [&'static str])]) -> Story {
        Story { k: Cluster::new(), prefix, listings, n: 0 }
    }

    /// Run a reconciling command, pin its trace and the listings after it; return the JSON trace.
    pub fn run(&mut self, label: &str, args: &[&str]) -> Value {
        self.n += 1;
        let tag = format!("{}_{:02}_{label}", self.prefix, self.n);
        let (out, json, command) = self.k.replay(args);
        snap!(format!("{tag}_trace"), command.clone(), out.stdout);
        for (what, get) in self.listings {
            let text = self.k.ok(get).stdout;
            snap!(format!("{tag}_get_{what}"), format!("konverge {}, after: {command}", get.join(" ")), text);
        }
        json
    }
}

/// What one command did.
#[derive(Debug, Clone)]
pub struct Run {
    pub args: Vec<String>,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The command line and its output, as pinned in snapshots.
    pub fn transcript(&self) -> String {
        let mut out = format!("$ konverge {}\n", self.args.join(" "));
        out.push_str(&self.stdout);
        if !self.stderr.is_empty() {
            out.push_str("[stderr]\n");
            out.push_str(&self.stderr);
        }
        if self.code != 0 {
            out.push_str(&format!("[exit {}]\n", self.code));
        }
        out
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!("`konverge {}` did not print JSON: {e}\n{}", self.args.join(" "), self.stdout)
        })
    }
}

/// A cluster in a temporary directory; every command gets `--state` pointing into it.
pub struct Cluster {
    pub dir: tempfile::TempDir,
    pub state: PathBuf,
}

impl Default for Cluster {
    fn default() -> Self {
        Cluster::new()
    }
}

impl Cluster {
    pub fn new() -> Cluster {
        let dir = tempfile::tempdir().expect("tempdir");
        let state = dir.path().join("konverge.state.yaml");
        Cluster { dir, state }
    }

    /// A cluster whose state file starts as a copy of `from`.
    pub fn from_state(from: &Path) -> Cluster {
        let c = Cluster::new();
        std::fs::copy(from, &c.state).expect("copy state");
        c
    }

    /// The two-node cluster of the seed (examples/cluster/nodes.yaml).
    pub fn seed_nodes() -> Cluster {
        let c = Cluster::new();
        c.ok(&["apply", "-f", &example("cluster/nodes.yaml")]);
        c
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Write a file in the cluster's directory and return its path.
    pub fn write(&self, rel: &str, text: &str) -> String {
        let p = self.path(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&p, text).expect("write");
        p.display().to_string()
    }

    /// Run `konverge ARGS --state STATE` and report what happened, whatever the exit code.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_state(&self.state, args)
    }

    /// Run `konverge ARGS --state STATE` against another state file (a copy, say), in this
    /// cluster's directory.
    pub fn run_with_state(&self, state: &Path, args: &[&str]) -> Run {
        let out = Command::new(env!("CARGO_BIN_EXE_konverge"))
            .arg("--state")
            .arg(state)
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("KONVERGE_STATE")
            .env("NO_COLOR", "1")
            .output()
            .expect("run konverge");
        Run {
            args: args.iter().map(|a| self.relative(a)).collect(),
            code: out.status.code().unwrap_or(-1),
            stdout: self.relative(&String::from_utf8_lossy(&out.stdout)),
            stderr: self.relative(&String::from_utf8_lossy(&out.stderr)),
        }
    }

    /// Paths of the temporary directory and the checkout are not stable across runs: show them
    /// relative (`examples/…`, `./…`).
    pub fn relative(&self, text: &str) -> String {
        let dir = self.dir.path().display().to_string();
        let root = root().display().to_string();
        text.replace(&format!("{dir}/"), "").replace(&dir, ".").replace(&format!("{root}/"), "")
    }

    /// Run a reconciling command twice — as text, and with `-o json` on a copy of the state —
    /// require exit 0 from both and byte-identical states after them; return the text run, the
    /// JSON trace and the command as snapshots show it (paths relative).
    pub fn replay(&self, args: &[&str]) -> (Run, Value, String) {
        let copy = self.path("copy.yaml");
        if self.state.exists() {
            std::fs::copy(&self.state, &copy).expect("copy state");
        } else {
            let _ = std::fs::remove_file(&copy);
        }
        let json_args: Vec<&str> = args.iter().copied().chain(["-o", "json"]).collect();
        let json_out = self.run_with_state(&copy, &json_args);
        let out = self.run(args);
        assert_eq!(out.code, 0, "{args:?}:\n{}\n{}", out.stdout, out.stderr);
        assert_eq!(json_out.code, 0, "{json_args:?}:\n{}", json_out.stderr);
        assert_eq!(
            std::fs::read(&copy).expect("copy"),
            self.state_bytes(),
            "{args:?}: the -o json run must leave the same state as the text run"
        );
        let trace = json_out.json();
        assert_eq!(trace["format_version"], "1");
        let command = self.relative(&format!("konverge {}", args.join(" ")));
        (out, trace, command)
    }

    /// Run and require exit 0.
    pub fn ok(&self, args: &[&str]) -> Run {
        let r = self.run(args);
        assert_eq!(r.code, 0, "`konverge {}` failed:\n{}", args.join(" "), r.transcript());
        r
    }

    /// Run and require the given exit code.
    pub fn code(&self, args: &[&str], code: i32) -> Run {
        let r = self.run(args);
        assert_eq!(r.code, code, "`konverge {}`: unexpected exit code\n{}", args.join(" "), r.transcript());
        r
    }

    /// `get KIND -o json`: the listed objects.
    pub fn items(&self, kind: &str) -> Vec<Value> {
        let r = self.ok(&["get", kind, "-o", "json"]);
        r.json()["items"].as_array().cloned().unwrap_or_default()
    }

    /// One object by kind and name (`get KIND NAME -o json`), None when NotFound.
    pub fn object(&self, kind: &str, name: &str) -> Option<Value> {
        let r = self.run(&["get", kind, name, "-o", "json"]);
        (r.code == 0).then(|| r.json())
    }

    /// Pods that are not being deleted.
    pub fn live_pods(&self) -> Vec<Value> {
        self.items("pods").into_iter().filter(|p| !is_terminating(p)).collect()
    }

    pub fn state_bytes(&self) -> Vec<u8> {
        std::fs::read(&self.state).expect("read state")
    }
}

pub fn name(obj: &Value) -> &str {
    obj["metadata"]["name"].as_str().unwrap_or("")
}

pub fn str_at<'a>(obj: &'a Value, pointer: &str) -> &'a str {
    obj.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

pub fn node_of(pod: &Value) -> &str {
    str_at(pod, "/spec/nodeName")
}

pub fn image_of(pod: &Value) -> &str {
    str_at(pod, "/spec/containers/0/image")
}

pub fn annotation<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    obj["metadata"]["annotations"][key].as_str()
}

/// The name of the object an object's controller reference points at.
pub fn owner(obj: &Value) -> &str {
    obj["metadata"]["ownerReferences"]
        .as_array()
        .and_then(|refs| refs.iter().find(|r| r["controller"] == Value::Bool(true)))
        .and_then(|r| r["name"].as_str())
        .unwrap_or("")
}

/// Whether `s` is `prefix` followed by `min..=max` characters of [`NAME_ALPHABET`].
pub fn generated(s: &str, prefix: &str, min: usize, max: usize) -> bool {
    s.strip_prefix(prefix).is_some_and(|rest| {
        (min..=max).contains(&rest.len()) && rest.chars().all(|c| NAME_ALPHABET.contains(c))
    })
}

/// Columns of the table row whose first column is `first`.
pub fn row(table: &str, first: &str) -> Vec<String> {
    table
        .lines()
        .map(|l| l.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .find(|cols| cols.first().map(String::as_str) == Some(first))
        .unwrap_or_else(|| panic!("no row {first:?} in\n{table}"))
}

pub fn is_terminating(pod: &Value) -> bool {
    pod.pointer("/metadata/deletionTimestamp").is_some()
}

/// Running with the Ready condition True.
pub fn is_running_ready(pod: &Value) -> bool {
    str_at(pod, "/status/phase") == "Running"
        && pod["status"]["conditions"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|c| c["type"] == "Ready" && c["status"] == "True")
}

/// Sorted names of objects.
pub fn names(objs: &[Value]) -> Vec<String> {
    let mut v: Vec<String> = objs.iter().map(|o| name(o).to_string()).collect();
    v.sort();
    v
}

/// Every action of a JSON trace, flattened: (step time, action object).
pub fn actions(trace: &Value) -> Vec<(String, Value)> {
    trace["steps"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|s| {
            let t = s["time"].as_str().unwrap_or("").to_string();
            s["actions"].as_array().cloned().unwrap_or_default().into_iter().map(move |a| (t.clone(), a))
        })
        .collect()
}

/// Actions of a trace matching a verb, kind and controller.
pub fn count_actions(trace: &Value, verb: &str, kind: &str, controller: &str) -> usize {
    actions(trace)
        .iter()
        .filter(|(_, a)| a["action"] == verb && a["kind"] == kind && a["controller"] == controller)
        .count()
}

/// Seconds since the epoch of an RFC 3339 time.
pub fn secs(t: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(t).unwrap_or_else(|e| panic!("not a time: {t:?}: {e}")).timestamp()
}

/// Pods of a JSON trace, step by step: the number of pods that are not being deleted after
/// each step, starting from `start` (a create adds one, a delete — graceful or not — removes
/// one).
pub fn pod_counts(trace: &Value, start: i64) -> Vec<i64> {
    let mut n = start;
    let mut out = vec![start];
    for s in trace["steps"].as_array().expect("steps") {
        for a in s["actions"].as_array().expect("actions") {
            if a["kind"] == "Pod" {
                match a["action"].as_str() {
                    Some("create") => n += 1,
                    Some("delete") => n -= 1,
                    _ => {}
                }
            }
        }
        out.push(n);
    }
    out
}
