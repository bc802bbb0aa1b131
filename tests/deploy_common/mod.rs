//! Helpers shared by the integration tests: run the `konverge` binary against a state file in a
//! temporary directory, read its JSON output, and pin text in insta snapshots under
//! `snapshots/` at the repository root.
#![allow(dead_code)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Alphabet of generated name suffixes and pod-template hashes (upstream `rand.SafeEncodeString`).
pub const NAME_ALPHABET: &str = "bcdfghjklmnpqrstvwxz2456789";

/// Snapshot `value` as `snapshots/<name>.snap`, with `description` in its header.
#[macro_export]
macro_rules! snap {
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

/// What one command printed and how it exited.
#[derive(Debug)]
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// A `konverge` state file in its own temporary directory.
pub struct Konverge {
    _dir: tempfile::TempDir,
    pub dir: PathBuf,
    pub state: PathBuf,
}

impl Default for Konverge {
    fn default() -> Self {
        Self::new()
    }
}

impl Konverge {
    pub fn new() -> Konverge {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().to_path_buf();
        Konverge { state: path.join("state.yaml"), dir: path, _dir: dir }
    }

    /// Run `konverge --state STATE args…`.
    pub fn run(&self, args: &[&str]) -> Out {
        run_on(&self.state, args)
    }

    /// Run and insist on exit 0; the standard output.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(out.code, 0, "konverge {args:?} failed:\n{}\n{}", out.stdout, out.stderr);
        out.stdout
    }

    /// `get KIND -o json`: the items.
    pub fn items(&self, kind: &str) -> Vec<Value> {
        let out = self.ok(&["get", kind, "-o", "json"]);
        let v: Value = serde_json::from_str(&out).expect("get -o json prints JSON");
        v["items"].as_array().cloned().unwrap_or_default()
    }

    /// Pods that are not being deleted.
    pub fn live_pods(&self) -> Vec<Value> {
        self.items("pods").into_iter().filter(|p| p["metadata"].get("deletionTimestamp").is_none()).collect()
    }

    /// The state file's bytes.
    pub fn state_bytes(&self) -> Vec<u8> {
        std::fs::read(&self.state).expect("state file")
    }

    /// Write a file next to the state; its path.
    pub fn write(&self, name: &str, text: &str) -> String {
        let p = self.dir.join(name);
        std::fs::write(&p, text).expect("write file");
        p.display().to_string()
    }
}

/// Run `konverge --state STATE args…` against any state file.
pub fn run_on(state: &Path, args: &[&str]) -> Out {
    let out = Command::new(env!("CARGO_BIN_EXE_konverge"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("--state")
        .arg(state)
        .args(args)
        .env_remove("KONVERGE_STATE")
        .output()
        .expect("run konverge");
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(out.stderr).expect("utf-8 stderr"),
    }
}

/// A repository file, as text (commands run from the repository root, so its relative path
/// works as an argument too).
pub fn repo_file(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).expect("repository file")
}

pub fn name(obj: &Value) -> &str {
    obj["metadata"]["name"].as_str().unwrap_or("")
}

pub fn image(pod: &Value) -> &str {
    pod["spec"]["containers"][0]["image"].as_str().unwrap_or("")
}

pub fn annotation<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    obj["metadata"]["annotations"][key].as_str()
}

/// The name of the object a pod's controller reference points at.
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
