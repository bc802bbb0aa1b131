//! The embedded default store: one multi-document YAML file holding every object, the logical
//! clock and the event log.
//!
//! Loading accepts what `kubectl get -o yaml` prints (a `v1 List`) and plain streams; saving
//! writes one document per object in key order, so the file diffs well and streams. A write goes
//! to a temporary file beside the state and is renamed over it, under an exclusive lock file:
//! a failed or interrupted command leaves the previous state intact.

use crate::canonical_yaml;
use crate::event::Event;
use crate::model::{self, ObjKey};
use anyhow::{bail, Context, Result};
use serde::Deserialize;
use serde_json::{json, Value};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Where the clock lives in the state file: a document of this apiVersion and kind.
pub const CLOCK_API_VERSION: &str = "konverge.io/v1alpha1";
pub const CLOCK_KIND: &str = "Clock";
/// The clock of a state that records none and holds no timestamps.
pub const DEFAULT_EPOCH: &str = "2025-01-01T00:00:00Z";

/// The whole simulated cluster.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct State {
    /// Every object but the Events, by key.
    pub objects: BTreeMap<ObjKey, Value>,
    /// The Events, by key, compact ([`Event`]): a long run holds several per pod.
    pub events: BTreeMap<ObjKey, Event>,
    /// Logical time, seconds since the Unix epoch.
    pub now: i64,
    /// Monotonic counter behind uids, resourceVersions and generated names.
    pub seq: u64,
}

impl State {
    pub fn empty() -> State {
        State {
            objects: BTreeMap::new(),
            events: BTreeMap::new(),
            now: model::parse_time(DEFAULT_EPOCH).unwrap_or(0),
            seq: 0,
        }
    }

    /// A state of these objects (Events among them go to [`State::events`]) at `now`.
    pub fn of_objects(objects: impl IntoIterator<Item = (ObjKey, Value)>, now: i64) -> State {
        let mut state = State { now, ..State::empty() };
        for (key, obj) in objects {
            state.insert(key, obj);
        }
        state
    }

    /// Parse a state from text. `origin` names the file in error messages.
    pub fn parse(text: &str, origin: &str) -> Result<State> {
        let runs = if text.len() >= PARALLEL_BYTES { threads() } else { 1 };
        let docs = parse_documents(text, origin, runs)?;
        State::assemble(docs, origin)
    }

    /// Parse only the documents of the kinds `keep` accepts (and the clock): what a read-only
    /// command that prints one kind needs. A document whose kind cannot be read off its
    /// `kind:` line without parsing (a `List`, flow style) is parsed; a state that records no
    /// clock is parsed whole, since its clock is the latest timestamp of every object.
    pub fn parse_kinds(text: &str, origin: &str, keep: &dyn Fn(&str) -> bool) -> Result<State> {
        let Some(pieces) = split_documents(text) else { return State::parse(text, origin) };
        let mut docs = Vec::new();
        let mut clock = false;
        for (number, piece) in pieces.iter().enumerate() {
            let kind = top_level_kind(&text[piece.clone()]);
            clock |= kind == Some(CLOCK_KIND);
            if kind.is_none_or(|k| k == CLOCK_KIND || k.ends_with("List") || keep(k)) {
                for (j, doc) in parse_doc(&text[piece.clone()]).into_iter().enumerate() {
                    let Ok(doc) = doc else { return Err(stream_error(text, origin)) };
                    docs.push((number + j, doc));
                }
            }
        }
        if !clock {
            return State::parse(text, origin);
        }
        State::assemble(docs, origin)
    }

    /// A state from its parsed documents (numbered from 0, in stream order).
    fn assemble(docs: Vec<(usize, Doc)>, origin: &str) -> Result<State> {
        let mut state = State::empty();
        let mut clock: Option<(i64, u64)> = None;
        for (i, doc) in docs {
            let value = match doc {
                Doc::Event(key, event) => {
                    state.events.insert(key, event);
                    continue;
                }
                Doc::Tree(value) => value,
            };
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
                state.insert(key, normalize(item));
            }
        }
        match clock {
            Some((now, seq)) => {
                state.now = now;
                state.seq = seq;
            }
            None => {
                let objects = state.objects.values().filter_map(latest_timestamp);
                if let Some(latest) =
                    objects.chain(state.events.values().filter_map(Event::latest_time)).max()
                {
                    state.now = latest;
                }
            }
        }
        Ok(state)
    }

    /// The state as a YAML stream: the clock, then every object in key order.
    pub fn to_yaml(&self) -> Result<String> {
        let mut out = String::new();
        self.write_yaml(&mut |text| {
            out.push_str(text);
            Ok(())
        })?;
        Ok(out)
    }

    /// The state as a YAML stream, handed to `sink` piece by piece in order: what
    /// [`State::to_yaml`] returns, never held whole.
    pub fn write_yaml(&self, sink: &mut dyn FnMut(&str) -> Result<()>) -> Result<()> {
        self.write_runs(RUN_OBJECTS, sink)
    }

    /// [`State::write_yaml`] in runs of `run_objects` objects. Several runs are emitted at
    /// once, one thread each, while the runs before them are handed to `sink`: a large state
    /// costs a few runs' text in memory, not the whole file's.
    fn write_runs(&self, run_objects: usize, sink: &mut dyn FnMut(&str) -> Result<()>) -> Result<()> {
        let clock = json!({
            "apiVersion": CLOCK_API_VERSION,
            "kind": CLOCK_KIND,
            "metadata": {"name": "konverge"},
            "time": model::fmt_time(self.now),
            "sequence": self.seq,
        });
        sink(&serde_yaml::to_string(&clock)?)?;
        let objects: Vec<Stored> = self.stored().collect();
        let runs: Vec<&[Stored]> = objects.chunks(run_objects.max(1)).collect();
        if runs.len() <= 1 || threads() == 1 {
            for run in runs {
                sink(&emit_run(run)?)?;
            }
            return Ok(());
        }
        let mut emitted: Vec<String> = Vec::new();
        for batch in runs.chunks(threads()) {
            emitted = std::thread::scope(|scope| -> Result<Vec<String>> {
                let handles: Vec<_> = batch.iter().map(|run| scope.spawn(|| emit_run(run))).collect();
                for text in emitted.drain(..) {
                    sink(&text)?;
                }
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                    .collect()
            })?;
        }
        for text in emitted {
            sink(&text)?;
        }
        Ok(())
    }

    /// Every object and Event in key order: what the state file holds.
    fn stored(&self) -> impl Iterator<Item = Stored<'_>> {
        let events_start = ObjKey::new("Event", "", "");
        let before = self.objects.range(..events_start.clone()).map(|(_, v)| Stored::Tree(v));
        let after = self.objects.range(events_start..).map(|(_, v)| Stored::Tree(v));
        before.chain(self.events.iter().map(|(k, e)| Stored::Event(k, e))).chain(after)
    }

    /// Store `obj` at `key`: an Event among the Events, compact, anything else among the
    /// objects.
    pub fn insert(&mut self, key: ObjKey, obj: Value) {
        if key.kind == "Event" {
            let event = Event::compact(&key, obj);
            self.events.insert(key, event);
        } else {
            self.objects.insert(key, obj);
        }
    }

    /// Whether an object or Event is stored at `key`.
    pub fn contains(&self, key: &ObjKey) -> bool {
        if key.kind == "Event" {
            self.events.contains_key(key)
        } else {
            self.objects.contains_key(key)
        }
    }

    /// The object or Event stored at `key`, as the API server serves it: for a command that
    /// reads any kind.
    pub fn lookup(&self, key: &ObjKey) -> Option<Cow<'_, Value>> {
        if key.kind == "Event" {
            self.events.get(key).map(|e| e.to_value(key))
        } else {
            self.objects.get(key).map(Cow::Borrowed)
        }
    }

    pub fn get(&self, kind: &str, namespace: &str, name: &str) -> Option<&Value> {
        debug_assert_ne!(kind, "Event", "Events are read through State::events");
        self.objects.get(&ObjKey::new(kind, namespace, name))
    }

    /// Objects of one kind but Event (in one namespace unless `namespace` is None), in key
    /// order. Events are read through [`State::events_in`], or [`State::values_of`].
    pub fn of_kind<'a>(
        &'a self,
        kind: &'a str,
        namespace: Option<&'a str>,
    ) -> impl Iterator<Item = &'a Value> + 'a {
        debug_assert_ne!(kind, "Event", "Events are read through State::events_in");
        let start = ObjKey::new(kind, namespace.unwrap_or(""), "");
        self.objects
            .range(start..)
            .take_while(move |(k, _)| k.kind == kind && namespace.is_none_or(|ns| k.namespace == ns))
            .map(|(_, v)| v)
    }

    /// Objects of any kind, Events included, as the API server serves them (in one namespace
    /// unless `namespace` is None), in key order: for a command that reads any kind.
    pub fn values_of<'a>(&'a self, kind: &'a str, namespace: Option<&'a str>) -> Vec<Cow<'a, Value>> {
        if kind == "Event" {
            self.events_in(namespace).map(|(k, e)| e.to_value(k)).collect()
        } else {
            self.of_kind(kind, namespace).map(Cow::Borrowed).collect()
        }
    }

    /// The Events (in one namespace unless `namespace` is None), in key order.
    pub fn events_in<'a>(
        &'a self,
        namespace: Option<&'a str>,
    ) -> impl Iterator<Item = (&'a ObjKey, &'a Event)> {
        let start = ObjKey::new("Event", namespace.unwrap_or(""), "");
        self.events.range(start..).take_while(move |(k, _)| namespace.is_none_or(|ns| k.namespace == ns))
    }

    /// Next value of the sequence counter.
    pub fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }
}

/// An object or an Event of the store, as the state file holds it.
#[derive(Clone, Copy)]
enum Stored<'a> {
    Tree(&'a Value),
    Event(&'a ObjKey, &'a Event),
}

/// The documents of a run of objects, each after its `---` line.
fn emit_run(objects: &[Stored]) -> Result<String> {
    let mut out = String::with_capacity(objects.len() * 1024);
    for obj in objects {
        out.push_str("---\n");
        let written = match obj {
            Stored::Tree(tree) => canonical_yaml::emit(tree, &mut out),
            Stored::Event(key, event) => event.emit(key, &mut out),
        };
        if written.is_none() {
            let text = match obj {
                Stored::Tree(tree) => serde_yaml::to_string(tree)?,
                Stored::Event(key, event) => serde_yaml::to_string(&event.to_value(key))?,
            };
            out.push_str(&text);
        }
    }
    Ok(out)
}

/// A parsed document: an Event compact already (parsing threads keep only that), anything
/// else as its tree.
#[derive(Debug)]
enum Doc {
    Event(ObjKey, Event),
    Tree(Value),
}

impl Doc {
    fn of(value: Value) -> Doc {
        if model::str_at(&value, &["kind"]) == "Event" {
            let value = normalize(value);
            if let Some(key) = stored_key(&value) {
                let event = Event::compact(&key, value);
                return Doc::Event(key, event);
            }
            return Doc::Tree(value);
        }
        Doc::Tree(value)
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

/// The message of a document the YAML parser refused (`number` counts from 0).
fn invalid(origin: &str, number: usize, e: serde_yaml::Error) -> anyhow::Error {
    anyhow::anyhow!("{origin}: document {}: invalid YAML: {e}", number + 1)
}

/// How many threads parse and serialize a large state: one per core, at most this many.
const MAX_THREADS: usize = 8;
/// Below this many bytes a state is read on one thread.
const PARALLEL_BYTES: usize = 1 << 20;
/// Objects in a run of the state written by one thread (a few MB of text).
const RUN_OBJECTS: usize = 4_096;

fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get()).min(MAX_THREADS)
}

/// Every document of the stream, numbered from 0. With `runs` above 1 the stream is cut at
/// `---` lines into that many runs of documents, parsed at once; the numbering is the one a
/// single parse gives (each run's count shifts the next). An invalid document is named as a
/// single parse of the whole stream names it, with its line in the file.
fn parse_documents(text: &str, origin: &str, runs: usize) -> Result<Vec<(usize, Doc)>> {
    // Each run a list of pieces: the documents cut at `---` lines, or the whole text when the
    // stream cannot be cut.
    let pieces: Vec<&str> = match split_documents(text) {
        Some(ranges) => ranges.into_iter().map(|r| &text[r]).collect(),
        None => vec![text],
    };
    let per_run = pieces.len().div_ceil(runs.max(1)).max(1);
    let runs: Vec<&[&str]> = pieces.chunks(per_run).collect();
    // Up to the first invalid document: the parser does not recover from one.
    let parse_run = |run: &[&str]| -> Vec<Result<Doc, serde_yaml::Error>> {
        let mut docs = Vec::new();
        for piece in run {
            let parsed = parse_doc(piece);
            let invalid = parsed.last().is_some_and(Result::is_err);
            docs.extend(parsed);
            if invalid {
                break;
            }
        }
        docs
    };
    let parsed: Vec<Vec<Result<Doc, serde_yaml::Error>>> = if runs.len() <= 1 {
        vec![runs.first().map_or_else(Vec::new, |run| parse_run(run))]
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = runs.iter().map(|run| scope.spawn(|| parse_run(run))).collect();
            handles.into_iter().map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect()
        })
    };
    let mut docs = Vec::new();
    for value in parsed.into_iter().flatten() {
        match value {
            Ok(value) => docs.push((docs.len(), value)),
            // A piece's error counts lines from the piece: serde_yaml reads the stream again
            // from its start to name the document and the line in the file.
            Err(_) => return Err(stream_error(text, origin)),
        }
    }
    Ok(docs)
}

/// The first error serde_yaml finds reading the whole stream `text` in order.
fn stream_error(text: &str, origin: &str) -> anyhow::Error {
    for (number, doc) in serde_yaml::Deserializer::from_str(text).enumerate() {
        if let Err(e) = Value::deserialize(doc) {
            return invalid(origin, number, e);
        }
    }
    anyhow::anyhow!("{origin}: invalid YAML")
}

/// The documents of one piece of a stream, an Event the recorder wrote read straight into
/// its compact form ([`crate::event::read_document`]), anything else through its tree.
fn parse_doc(piece: &str) -> Vec<Result<Doc, serde_yaml::Error>> {
    if let Some((key, event)) = crate::event::read_document(piece) {
        return vec![Ok(Doc::Event(key, event))];
    }
    parse_piece(piece).into_iter().map(|doc| doc.map(Doc::of)).collect()
}

/// The documents of one piece of a stream: the state file's own YAML read directly
/// ([`canonical_yaml::parse`]), anything else by serde_yaml, up to its first invalid document.
fn parse_piece(piece: &str) -> Vec<Result<Value, serde_yaml::Error>> {
    if let Some(value) = canonical_yaml::parse(piece) {
        return vec![Ok(value)];
    }
    let mut docs = Vec::new();
    for doc in serde_yaml::Deserializer::from_str(piece) {
        let value = Value::deserialize(doc);
        let invalid = value.is_err();
        docs.push(value);
        if invalid {
            break;
        }
    }
    docs
}

/// The byte ranges of a stream's documents, each starting at its `---` line (the first at the
/// start of the text): how the state file separates documents. None when the stream uses
/// anything else a YAML stream may (directives, `...` document ends): only the YAML parser can
/// tell where those documents start. A line that begins with `---` cannot occur inside a
/// document, so a cut there never splits one.
fn split_documents(text: &str) -> Option<Vec<std::ops::Range<usize>>> {
    if text.starts_with('%') || text.starts_with("...") || text.contains("\n%") || text.contains("\n...") {
        return None;
    }
    let mut starts = vec![0];
    let mut from = 0;
    while let Some(at) = text[from..].find("\n---") {
        let line = from + at + 1;
        let rest = &text.as_bytes()[line + 3..];
        if rest.first().is_none_or(|b| matches!(b, b'\n' | b'\r' | b' ' | b'\t')) && line > 0 {
            starts.push(line);
        }
        from = line + 3;
    }
    let mut ends: Vec<usize> = starts[1..].to_vec();
    ends.push(text.len());
    Some(starts.into_iter().zip(ends).map(|(s, e)| s..e).collect())
}

/// The kind a document's top-level `kind:` line names, without parsing it; None when the
/// document has no such line (flow style, or not a mapping).
fn top_level_kind(doc: &str) -> Option<&str> {
    let line = if doc.starts_with("kind:") {
        doc
    } else {
        let at = doc.find("\nkind:")?;
        &doc[at + 1..]
    };
    let value = line["kind:".len()..].lines().next()?.trim();
    let value = value.split(" #").next().unwrap_or(value).trim();
    let unquoted = value.trim_matches(|c| c == '"' || c == '\'');
    (!unquoted.is_empty() && !unquoted.contains([' ', '{', '[', '&', '*', '!', '|', '>'])).then_some(unquoted)
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
pub fn latest_timestamp(obj: &Value) -> Option<i64> {
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
        let state = read(path)?;
        Ok(LockedState { path: path.to_path_buf(), _lock: lock, state })
    }

    /// Write the state atomically (temporary file in the same directory, then rename).
    /// Nothing is written when the content did not change.
    pub fn save(&self) -> Result<()> {
        let mut rewrite = Rewrite::new(&self.path)?;
        self.state.write_yaml(&mut |text| rewrite.push(text.as_bytes()))?;
        rewrite.finish()
    }
}

/// A state file being replaced by new text that arrives piece by piece. While the new text
/// equals the file's first bytes it is only compared, so an unchanged state writes nothing;
/// from the first difference on it goes to a temporary file beside the state (the equal
/// bytes before it copied first), which [`Rewrite::finish`] renames over the state.
struct Rewrite<'a> {
    path: &'a Path,
    /// The file as it stands, read along as the new text arrives; None when there is none.
    old: Option<File>,
    /// How many bytes of the new text equal the file's first bytes.
    same: u64,
    /// The file's next bytes, compared with the next piece.
    buf: Vec<u8>,
    /// The new file, once the new text differs.
    new: Option<tempfile::NamedTempFile>,
}

impl<'a> Rewrite<'a> {
    fn new(path: &'a Path) -> Result<Rewrite<'a>> {
        let old = match File::open(path) {
            Ok(file) => Some(file),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(e).with_context(|| format!("cannot read state file {}", path.display())),
        };
        Ok(Rewrite { path, old, same: 0, buf: Vec::new(), new: None })
    }

    fn push(&mut self, text: &[u8]) -> Result<()> {
        if self.new.is_none() && self.old_goes_on_with(text)? {
            self.same += text.len() as u64;
            return Ok(());
        }
        let new = match self.new.take() {
            Some(new) => new,
            None => self.start_new()?,
        };
        let written = self.new.insert(new).write_all(text);
        written.with_context(|| format!("cannot write the new state of {}", self.path.display()))
    }

    /// Whether the file's next bytes are `text`.
    fn old_goes_on_with(&mut self, text: &[u8]) -> Result<bool> {
        let Some(old) = &mut self.old else { return Ok(false) };
        self.buf.resize(text.len(), 0);
        match old.read_exact(&mut self.buf) {
            Ok(()) => Ok(self.buf == text),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(false),
            Err(e) => Err(e).with_context(|| format!("cannot read state file {}", self.path.display())),
        }
    }

    /// Whether the file has no bytes left.
    fn old_ends(&mut self) -> Result<bool> {
        let Some(old) = &mut self.old else { return Ok(false) };
        let read = old.read(&mut [0u8]);
        Ok(read.with_context(|| format!("cannot read state file {}", self.path.display()))? == 0)
    }

    /// A temporary file beside the state, holding the bytes both texts share so far.
    fn start_new(&mut self) -> Result<tempfile::NamedTempFile> {
        self.old = None;
        let dir = match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let mut new = tempfile::NamedTempFile::new_in(&dir)
            .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
        // A new state file is its owner's alone (it may hold Secrets); a rewritten one keeps
        // the mode its owner gave it.
        if let Ok(meta) = std::fs::metadata(self.path) {
            new.as_file()
                .set_permissions(meta.permissions())
                .with_context(|| format!("cannot write the new state of {}", self.path.display()))?;
        }
        if self.same > 0 {
            let old = File::open(self.path)
                .with_context(|| format!("cannot read state file {}", self.path.display()))?;
            let copied = std::io::copy(&mut old.take(self.same), &mut new)
                .with_context(|| format!("cannot write the new state of {}", self.path.display()))?;
            if copied != self.same {
                bail!("{} changed while it was locked", self.path.display());
            }
        }
        Ok(new)
    }

    /// Rename the new file over the state, unless the new text was the file's whole text.
    fn finish(mut self) -> Result<()> {
        if self.new.is_none() && self.old_ends()? {
            return Ok(());
        }
        let new = match self.new.take() {
            Some(new) => new,
            None => self.start_new()?,
        };
        new.as_file()
            .sync_all()
            .with_context(|| format!("cannot write the new state of {}", self.path.display()))?;
        new.persist(self.path).with_context(|| format!("cannot replace {}", self.path.display()))?;
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
    read(path)
}

/// A state file read for a read-only command but not yet parsed, so that the command can parse
/// only the kinds it prints ([`State::parse_kinds`]). A missing file is an empty cluster.
pub struct StateText {
    text: String,
    origin: String,
}

impl StateText {
    pub fn read(path: &Path) -> Result<StateText> {
        let origin = path.display().to_string();
        match std::fs::read(path) {
            Ok(bytes) => {
                let text =
                    String::from_utf8(bytes).with_context(|| format!("{origin}: state file is not UTF-8"))?;
                Ok(StateText { text, origin })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Ok(StateText { text: String::new(), origin })
            }
            Err(e) => Err(e).with_context(|| format!("cannot read state file {origin}")),
        }
    }

    /// Every object.
    pub fn parse(&self) -> Result<State> {
        State::parse(&self.text, &self.origin)
    }

    /// The clock and the objects of the kinds `keep` accepts.
    pub fn parse_kinds(&self, keep: &dyn Fn(&str) -> bool) -> Result<State> {
        State::parse_kinds(&self.text, &self.origin, keep)
    }
}

fn read(path: &Path) -> Result<State> {
    match std::fs::read(path) {
        Ok(bytes) => {
            let text = std::str::from_utf8(&bytes)
                .with_context(|| format!("{}: state file is not UTF-8", path.display()))?;
            State::parse(text, &path.display().to_string())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(State::empty()),
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

    /// A stream with what could fool a cut at `---` lines: indented and quoted `---`, a
    /// document on its separator's line, an empty document, a leading comment.
    const TRICKY: &str = "# a state\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  text: |\n    ---\n    kind: Pod\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\ndata: {x: \"---\"}\n---\n--- {apiVersion: v1, kind: ConfigMap, metadata: {name: c}}\n---\napiVersion: v1\nkind: 'Secret'\nmetadata: {name: d}\n";

    fn yaml_parser(text: &str) -> Result<Vec<Value>, serde_yaml::Error> {
        serde_yaml::Deserializer::from_str(text).map(Value::deserialize).collect()
    }

    #[test]
    fn documents_parsed_in_runs_are_the_yaml_parsers_documents() -> Result<()> {
        let oracle = yaml_parser(TRICKY)?;
        assert_eq!(oracle.len(), 5, "the stream holds five documents, one empty");
        for runs in 1..=6 {
            let docs = parse_documents(TRICKY, "s.yaml", runs)?;
            let numbers: Vec<usize> = docs.iter().map(|(n, _)| *n).collect();
            let values: Vec<Value> = docs
                .into_iter()
                .map(|(_, doc)| match doc {
                    Doc::Tree(value) => value,
                    Doc::Event(key, event) => event.to_value(&key).into_owned(),
                })
                .collect();
            assert_eq!(numbers, (0..5).collect::<Vec<_>>(), "{runs} runs");
            assert_eq!(values, oracle, "{runs} runs");
        }
        Ok(())
    }

    #[test]
    fn an_invalid_document_is_named_alike_however_the_stream_is_cut() {
        let text =
            format!("{TRICKY}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: e\n---\nkind: Pod\n");
        // The line is the file's, not the document's (the fifth line of the bad document).
        let line = format!("line {}", TRICKY.lines().count() + 5);
        for runs in 1..=4 {
            let e = parse_documents(&text, "s.yaml", runs).unwrap_err().to_string();
            assert!(
                e.starts_with("s.yaml: document 6: invalid YAML") && e.contains(&line),
                "{runs} runs: {e}"
            );
        }
    }

    /// An Event reaches the Events wherever it stands: a document of its own (typed when it
    /// has the recorder's shape), an item of a `List`; a command reading any kind sees it as
    /// its tree.
    #[test]
    fn events_are_kept_apart_and_read_as_their_trees() -> Result<()> {
        let list = json!({"apiVersion": "v1", "kind": "List", "items": [event(2, true)]});
        let text =
            [event(1, false), list, json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}})]
                .iter()
                .map(serde_yaml::to_string)
                .collect::<Result<Vec<String>, _>>()?
                .join("---\n");
        let s = State::parse(&text, "x")?;
        let keys: Vec<&ObjKey> = s.objects.keys().collect();
        assert_eq!(keys, [&ObjKey::new("Pod", "default", "p")]);
        let forms: Vec<(&str, bool)> =
            s.events.iter().map(|(k, e)| (k.name.as_str(), matches!(e, Event::Recorded(_)))).collect();
        assert_eq!(forms, [("web-00001.1", true), ("web-00002.1", false)]);
        for (i, kubectl) in [(1, false), (2, true)] {
            let key = ObjKey::new("Event", "default", &format!("web-{i:05}.1"));
            assert_eq!(s.lookup(&key).as_deref(), Some(&event(i, kubectl)));
            assert!(s.contains(&key));
        }
        let all: Vec<Value> =
            s.values_of("Event", Some("default")).into_iter().map(Cow::into_owned).collect();
        assert_eq!(all, [event(1, false), event(2, true)]);
        assert!(s.values_of("Event", Some("other")).is_empty());
        Ok(())
    }

    #[test]
    fn parsing_some_kinds_keeps_those_objects_and_the_clock() -> Result<()> {
        let mut full = State::parse(TRICKY, "x")?;
        full.now += 5;
        full.seq = 9;
        let text = full.to_yaml()?;
        let only_secrets = State::parse_kinds(&text, "x", &|k| k == "Secret")?;
        assert_eq!((only_secrets.now, only_secrets.seq), (full.now, full.seq));
        let keys: Vec<&ObjKey> = only_secrets.objects.keys().collect();
        assert_eq!(keys, vec![&ObjKey::new("Secret", "default", "d")]);
        // Without a clock document the clock is every object's latest timestamp: all are read.
        let no_clock = State::parse_kinds(TRICKY, "x", &|k| k == "Secret")?;
        assert_eq!(no_clock, State::parse(TRICKY, "x")?);
        Ok(())
    }

    /// An Event as the recorder writes it, or with `kubectl` a field more (`eventTime`).
    fn event(i: usize, kubectl: bool) -> Value {
        let mut ev = json!({"apiVersion": "v1", "kind": "Event",
            "metadata": {"name": format!("web-{i:05}.1"), "namespace": "default", "resourceVersion": i.to_string(),
                         "creationTimestamp": DEFAULT_EPOCH},
            "involvedObject": {"apiVersion": "v1", "kind": "Pod", "name": format!("web-{i:05}"), "namespace": "default", "uid": format!("u{i}")},
            "reason": "Scheduled", "message": format!("Successfully assigned default/web-{i:05} to node-{}", i % 7),
            "type": "Normal", "source": {"component": "default-scheduler"},
            "firstTimestamp": DEFAULT_EPOCH, "lastTimestamp": DEFAULT_EPOCH, "count": 1});
        if kubectl {
            ev["eventTime"] = Value::Null;
        }
        ev
    }

    /// ConfigMaps, Events and Pods (an Event's key sorts between the two), more than a run of
    /// them: the Events typed or kept as trees, the text the same as serde_yaml writes for the
    /// trees in key order.
    #[test]
    fn a_large_state_is_written_as_one_thread_would_write_it() -> Result<()> {
        let mut s = State::empty();
        let mut trees = BTreeMap::new();
        for i in 0..RUN_OBJECTS + 7 {
            let obj = match i % 4 {
                0 => json!({"apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": format!("c{i:05}"), "namespace": "default"}, "data": {"i": i.to_string()}}),
                1 => {
                    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": format!("web-{i:05}"), "namespace": "default"}})
                }
                kind => event(i, kind == 3),
            };
            trees.insert(ObjKey::of(&obj), obj.clone());
            s.insert(ObjKey::of(&obj), obj);
        }
        let typed = s.events.values().filter(|e| matches!(e, Event::Recorded(_))).count();
        assert_eq!((s.objects.len(), s.events.len(), typed), (2052, 2051, 1026));
        let mut one_thread = serde_yaml::to_string(&json!({
            "apiVersion": CLOCK_API_VERSION, "kind": CLOCK_KIND, "metadata": {"name": "konverge"},
            "time": model::fmt_time(s.now), "sequence": 0,
        }))?;
        for obj in trees.values() {
            one_thread.push_str("---\n");
            one_thread.push_str(&serde_yaml::to_string(obj)?);
        }
        assert_eq!(s.to_yaml()?, one_thread);
        assert_eq!(State::parse(&one_thread, "x")?, s);
        // In runs of 100 objects: the clock, then 42 runs, emitted a batch at a time.
        let mut pieces = Vec::new();
        s.write_runs(100, &mut |text| {
            pieces.push(text.to_string());
            Ok(())
        })?;
        assert_eq!(pieces.len(), 1 + (RUN_OBJECTS + 7).div_ceil(100));
        assert_eq!(pieces.concat(), one_thread);
        Ok(())
    }

    /// The file after a [`Rewrite`] of `old` (None: no file) by `pieces`, and whether it was
    /// replaced (a new inode) rather than left alone.
    fn rewrite(old: Option<&str>, pieces: &[&str]) -> Result<(String, bool)> {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("state.yaml");
        if let Some(old) = old {
            std::fs::write(&path, old)?;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640))?;
        }
        let inode = std::fs::metadata(&path).map(|m| m.ino()).ok();
        let mut rewrite = Rewrite::new(&path)?;
        for piece in pieces {
            rewrite.push(piece.as_bytes())?;
        }
        rewrite.finish()?;
        let files = std::fs::read_dir(dir.path())?.count();
        assert_eq!(files, 1, "the temporary file is gone");
        // Created private to its owner; replaced with the mode it had.
        let mode = std::fs::metadata(&path)?.permissions().mode() & 0o777;
        assert_eq!(mode, if old.is_some() { 0o640 } else { 0o600 }, "{old:?} by {pieces:?}");
        Ok((std::fs::read_to_string(&path)?, inode != Some(std::fs::metadata(&path)?.ino())))
    }

    #[test]
    fn a_save_replaces_the_file_only_when_its_text_changed() -> Result<()> {
        let cases: &[(Option<&str>, &[&str], &str, bool)] = &[
            (Some("abcdef"), &["abc", "def"], "abcdef", false),
            (Some("abcdef"), &["abcdef"], "abcdef", false),
            (Some("abcdef"), &["abc", "dXf"], "abcdXf", true),
            (Some("abcdef"), &["abc", "def", "gh"], "abcdefgh", true),
            (Some("abcdef"), &["abc", "defgh"], "abcdefgh", true),
            (Some("abcdef"), &["abc", "de"], "abcde", true),
            (Some("abcdef"), &["abc"], "abc", true),
            (Some("abcdef"), &["Xbc", "def"], "Xbcdef", true),
            (Some(""), &["abc"], "abc", true),
            (None, &["abc", "def"], "abcdef", true),
        ];
        for (old, pieces, file, replaced) in cases {
            assert_eq!(rewrite(*old, pieces)?, (file.to_string(), *replaced), "{old:?} by {pieces:?}");
        }
        Ok(())
    }
}
