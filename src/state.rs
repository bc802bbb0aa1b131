//! The embedded default store: one multi-document YAML file holding every object, the logical
//! clock and the event log.
//!
//! Loading accepts what `kubectl get -o yaml` prints (a `v1 List`) and plain streams; saving
//! writes one document per object in key order, so the file diffs well and streams. A write goes
//! to a temporary file beside the state and is renamed over it, under an exclusive lock file:
//! a failed or interrupted command leaves the previous state intact.

use crate::model::{self, ObjKey};
use anyhow::{bail, Context, Result};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where the clock lives in the state file: a document of this apiVersion and kind.
pub const CLOCK_API_VERSION: &str = "konverge.io/v1alpha1";
pub const CLOCK_KIND: &str = "Clock";
/// The clock of a state that records none and holds no timestamps.
pub const DEFAULT_EPOCH: &str = "2025-01-01T00:00:00Z";

/// The whole simulated cluster.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct State {
    /// Every object, events included, by key.
    pub objects: BTreeMap<ObjKey, Value>,
    /// Logical time, seconds since the Unix epoch.
    pub now: i64,
    /// Monotonic counter behind uids, resourceVersions and generated names.
    pub seq: u64,
}

impl State {
    pub fn empty() -> State {
        State { objects: BTreeMap::new(), now: model::parse_time(DEFAULT_EPOCH).unwrap_or(0), seq: 0 }
    }

    /// Parse a state from text. `origin` names the file in error messages.
    pub fn parse(text: &str, origin: &str) -> Result<State> {
        let mut state = State::empty();
        let mut clock: Option<(i64, u64)> = None;
        for (i, doc) in serde_yaml::Deserializer::from_str(text).enumerate() {
            let value = Value::deserialize(doc)
                .map_err(|e| anyhow::anyhow!("{origin}: document {}: invalid YAML: {e}", i + 1))?;
            if value.is_null() {
                continue;
            }
            if model::str_at(&value, &["kind"]) == CLOCK_KIND
                && model::str_at(&value, &["apiVersion"]) == CLOCK_API_VERSION
            {
                let now = model::parse_time(model::str_at(&value, &["time"]))
                    .with_context(|| format!("{origin}: document {}: clock has no valid `time`", i + 1))?;
                let seq = value.get("sequence").and_then(Value::as_u64).unwrap_or(0);
                clock = Some((now, seq));
                continue;
            }
            for item in list_items(value) {
                let key = stored_key(&item)
                    .with_context(|| format!("{origin}: document {}: not a Kubernetes object", i + 1))?;
                state.objects.insert(key, normalize(item));
            }
        }
        match clock {
            Some((now, seq)) => {
                state.now = now;
                state.seq = seq;
            }
            None => {
                if let Some(latest) = state.objects.values().filter_map(latest_timestamp).max() {
                    state.now = latest;
                }
            }
        }
        Ok(state)
    }

    /// The state as a YAML stream: the clock, then every object in key order.
    pub fn to_yaml(&self) -> Result<String> {
        let clock = json!({
            "apiVersion": CLOCK_API_VERSION,
            "kind": CLOCK_KIND,
            "metadata": {"name": "konverge"},
            "time": model::fmt_time(self.now),
            "sequence": self.seq,
        });
        let mut out = String::with_capacity(self.objects.len() * 1024);
        out.push_str(&serde_yaml::to_string(&clock)?);
        for obj in self.objects.values() {
            out.push_str("---\n");
            out.push_str(&serde_yaml::to_string(obj)?);
        }
        Ok(out)
    }

    pub fn get(&self, kind: &str, namespace: &str, name: &str) -> Option<&Value> {
        self.objects.get(&ObjKey::new(kind, namespace, name))
    }

    /// Objects of one kind (in one namespace unless `namespace` is None), in key order.
    pub fn of_kind<'a>(
        &'a self,
        kind: &'a str,
        namespace: Option<&'a str>,
    ) -> impl Iterator<Item = &'a Value> + 'a {
        let start = ObjKey::new(kind, namespace.unwrap_or(""), "");
        self.objects
            .range(start..)
            .take_while(move |(k, _)| k.kind == kind && namespace.is_none_or(|ns| k.namespace == ns))
            .map(|(_, v)| v)
    }

    /// Next value of the sequence counter.
    pub fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }
}

/// Items of a `List` document, or the document itself.
fn list_items(value: Value) -> Vec<Value> {
    let is_list =
        model::str_at(&value, &["kind"]).ends_with("List") && value.get("items").is_some_and(Value::is_array);
    if is_list {
        match value {
            Value::Object(mut m) => match m.remove("items") {
                Some(Value::Array(items)) => items,
                _ => vec![],
            },
            _ => vec![],
        }
    } else {
        vec![value]
    }
}

fn stored_key(obj: &Value) -> Option<ObjKey> {
    let kind = model::str_at(obj, &["kind"]);
    let name = model::name(obj);
    if kind.is_empty() || name.is_empty() {
        return None;
    }
    let stored = model::str_at(obj, &["metadata", "namespace"]);
    let ns = match model::scope(kind) {
        Some(true) if stored.is_empty() => "default",
        Some(false) => "",
        // Known to be namespaced, or a custom kind whose CRD decided when it was read.
        _ => stored,
    };
    Some(ObjKey::new(kind, ns, name))
}

/// Give a namespaced object its namespace explicitly (kubectl dumps always carry it; manifests
/// often do not) and drop it from cluster-scoped ones.
pub fn normalize(mut obj: Value) -> Value {
    let kind = model::str_at(&obj, &["kind"]).to_string();
    let meta = model::obj_mut(&mut obj, &["metadata"]);
    match model::scope(&kind) {
        Some(true) => {
            let missing = meta.get("namespace").and_then(Value::as_str).is_none_or(str::is_empty);
            if missing {
                meta.insert("namespace".into(), Value::String("default".into()));
            }
        }
        Some(false) => {
            meta.remove("namespace");
        }
        // A custom kind: its CRD's scope decided when it was read; keep what it has.
        None => {}
    }
    obj
}

/// The latest time recorded anywhere in an object: any string under a key ending in `Time` or
/// `Timestamp` (creationTimestamp, lastTransitionTime, lastScheduleTime, …).
fn latest_timestamp(obj: &Value) -> Option<i64> {
    fn walk(v: &Value, best: &mut Option<i64>) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    if let (true, Some(s)) = (k.ends_with("Time") || k.ends_with("Timestamp"), v.as_str()) {
                        if let Some(t) = model::parse_time(s) {
                            *best = Some(best.map_or(t, |b: i64| b.max(t)));
                        }
                    }
                    walk(v, best);
                }
            }
            Value::Array(a) => a.iter().for_each(|v| walk(v, best)),
            _ => {}
        }
    }
    let mut best = None;
    walk(obj, &mut best);
    best
}

/// A state file opened for change: holds the lock until dropped.
pub struct LockedState {
    path: PathBuf,
    _lock: File,
    pub state: State,
    original: Option<Vec<u8>>,
}

impl LockedState {
    /// Lock `path` (through `path.lock`) and load it; a missing file is an empty cluster.
    pub fn open(path: &Path) -> Result<LockedState> {
        let lock_path = lock_path(path);
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .with_context(|| format!("cannot open lock file {}", lock_path.display()))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                bail!(
                    "{} is locked by another konverge command (lock file {})",
                    path.display(),
                    lock_path.display()
                )
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(e).with_context(|| format!("cannot lock {}", lock_path.display()))
            }
        }
        let (state, original) = read(path)?;
        Ok(LockedState { path: path.to_path_buf(), _lock: lock, state, original })
    }

    /// Write the state atomically (temporary file in the same directory, then rename).
    /// Nothing is written when the content did not change.
    pub fn save(&self) -> Result<()> {
        let text = self.state.to_yaml()?;
        if self.original.as_deref() == Some(text.as_bytes()) {
            return Ok(());
        }
        let dir = match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let mut tmp = tempfile::NamedTempFile::new_in(&dir)
            .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
        tmp.write_all(text.as_bytes())?;
        tmp.as_file().sync_all()?;
        tmp.persist(&self.path).with_context(|| format!("cannot replace {}", self.path.display()))?;
        Ok(())
    }
}

fn lock_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".lock");
    PathBuf::from(s)
}

/// Load a state for reading only (no lock). A missing file is an empty cluster.
pub fn load(path: &Path) -> Result<State> {
    Ok(read(path)?.0)
}

fn read(path: &Path) -> Result<(State, Option<Vec<u8>>)> {
    match std::fs::read(path) {
        Ok(bytes) => {
            let text = std::str::from_utf8(&bytes)
                .with_context(|| format!("{}: state file is not UTF-8", path.display()))?;
            let state = State::parse(text, &path.display().to_string())?;
            Ok((state, Some(bytes)))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok((State::empty(), None)),
        Err(e) => Err(e).with_context(|| format!("cannot read state file {}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_dump_loads_and_clock_starts_at_latest_timestamp() {
        let text = r#"
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  metadata: {name: a, creationTimestamp: "2024-03-01T10:00:00Z"}
  status:
    conditions:
    - {type: Ready, status: "True", lastTransitionTime: "2024-03-01T10:00:07Z"}
- apiVersion: v1
  kind: Node
  metadata: {name: n1, namespace: ignored}
"#;
        let s = State::parse(text, "dump.yaml").unwrap();
        assert_eq!(s.now, model::parse_time("2024-03-01T10:00:07Z").unwrap());
        assert!(s.get("Pod", "default", "a").is_some());
        assert!(s.get("Node", "", "n1").is_some());
    }

    #[test]
    fn empty_state_starts_at_the_fixed_epoch() {
        let s = State::parse("", "x").unwrap();
        assert_eq!(model::fmt_time(s.now), DEFAULT_EPOCH);
    }

    #[test]
    fn round_trip_keeps_the_clock() {
        let mut s = State::parse("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n", "x")
            .unwrap();
        s.now += 42;
        s.seq = 7;
        let back = State::parse(&s.to_yaml().unwrap(), "x").unwrap();
        assert_eq!(back, s);
    }
}
