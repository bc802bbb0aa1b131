//! `get KIND -w`, replayed: the rows kubectl's watch would have printed during the most recent
//! reconciling command.
//!
//! A watch sees every write to an object as one event and prints the object as that write left
//! it. The driver hands each admitted write to a [`Recorder`], which keeps, per object, the row
//! it had when the command began (the list a watch prints first) and one row per write, in
//! admission order, with the clock of the step that made it. Some of konverge's writes stand
//! for several of upstream's (the kubelet reports ContainerCreating before Running, and kills
//! a terminating pod's containers before deleting it); the controller says which states come
//! first ([`crate::actions::Action::interim`]) and a watch sees each. Removing a pod that was
//! terminating gracefully is two events upstream — the kubelet's delete with grace period 0
//! writes the pod once more, then the API server deletes it — so it is two rows here too.
//!
//! The log is stored in the state as a `WatchLog` document, replacing the previous command's; a
//! command that changed nothing leaves the state untouched, so `get -w` replays the most
//! recent command that changed something.
//! It keeps at most [`MAX_EVENTS_PER_KIND`] writes of each kind: a command that changes more
//! objects than anyone would read as a watch (a rollout of thousands of pods) records that the
//! kind overflowed instead, and `get -w` says so.

use crate::model::{self, ObjKey};
use crate::printers;
use crate::state::State;
use anyhow::{bail, Result};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

pub const WATCH_API_VERSION: &str = "konverge.io/v1alpha1";
pub const WATCH_KIND: &str = "WatchLog";
const WATCH_NAME: &str = "last-command";
/// Writes kept per kind; beyond them a kind's log is dropped.
pub const MAX_EVENTS_PER_KIND: usize = 10_000;

/// What a write did to the object, as a watch reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventType {
    Added,
    Modified,
    Deleted,
}

impl EventType {
    fn name(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
        }
    }

    fn parse(s: &str) -> Option<EventType> {
        [EventType::Added, EventType::Modified, EventType::Deleted].into_iter().find(|t| t.name() == s)
    }
}

/// An object as a watch prints it: its `-o wide` cells (the default columns are a prefix of
/// them) and its labels (for `-l`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub key: ObjKey,
    pub cells: Vec<String>,
    pub labels: Vec<(String, String)>,
}

impl Row {
    pub fn of(key: &ObjKey, obj: &Value, now: i64) -> Row {
        let cells = printers::rows(&key.kind, &[obj], now, true, false, false).swap_remove(1);
        Row { key: key.clone(), cells, labels: model::labels(obj) }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub kind: EventType,
    pub row: Row,
}

/// The watch log of one command.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Log {
    pub start: i64,
    /// Rows, at the start, of the objects the command wrote (the others did not change).
    pub initial: BTreeMap<ObjKey, Row>,
    pub events: Vec<Event>,
    /// Kinds whose writes outnumbered [`MAX_EVENTS_PER_KIND`], with how many there were.
    pub overflowed: BTreeMap<String, usize>,
}

/// Records a command's writes as the driver admits them.
pub struct Recorder {
    log: Log,
    touched: BTreeSet<ObjKey>,
    per_kind: BTreeMap<String, usize>,
}

impl Recorder {
    pub fn new(start: i64) -> Recorder {
        Recorder { log: Log { start, ..Log::default() }, touched: BTreeSet::new(), per_kind: BTreeMap::new() }
    }

    /// Before a write to `key`: the object as it is (for [`Recorder::after`]), and the first
    /// time, the row it had when the command began. `None` when no watch needs it.
    pub fn before(&mut self, state: &State, key: &ObjKey) -> Option<Value> {
        if !watched(&key.kind) || self.log.overflowed.contains_key(&key.kind) {
            return None;
        }
        let obj = state.objects.get(key)?;
        if self.touched.insert(key.clone()) {
            self.log.initial.insert(key.clone(), Row::of(key, obj, self.log.start));
        }
        Some(obj.clone())
    }

    /// After an admitted write to `key`: one event per state a watch sees. `before` is the object
    /// before the write, `interim` the states the writer passed through first (merge patches).
    pub fn after(&mut self, state: &State, key: &ObjKey, before: Option<&Value>, interim: &[Value]) {
        if !watched(&key.kind) {
            return;
        }
        if let Some(n) = self.log.overflowed.get_mut(&key.kind) {
            *n += 1;
            return;
        }
        self.touched.insert(key.clone());
        let now = state.now;
        let after = state.objects.get(key);
        let rv =
            |o: Option<&Value>| o.map(|o| model::str_at(o, &["metadata", "resourceVersion"]).to_string());
        if after.is_some() && rv(after) == rv(before) {
            return; // a no-op write: nothing reaches a watch
        }
        let mut last = before.cloned();
        for patch in interim {
            if let Some(obj) = last.as_mut() {
                json_patch::merge(obj, patch);
                self.push(EventType::Modified, Row::of(key, obj, now));
            }
        }
        match (before, after) {
            (None, Some(obj)) => self.push(EventType::Added, Row::of(key, obj, now)),
            (Some(_), Some(obj)) => self.push(EventType::Modified, Row::of(key, obj, now)),
            (_, None) => {
                let Some(obj) = last.or_else(|| before.cloned()) else { return };
                let row = Row::of(key, &obj, now);
                if key.kind == "Pod" && model::at(&obj, &["metadata", "deletionTimestamp"]).is_some() {
                    // The kubelet's final delete (grace period 0) writes the pod once more.
                    self.push(EventType::Modified, row.clone());
                }
                self.push(EventType::Deleted, row);
            }
        }
    }

    fn push(&mut self, kind: EventType, row: Row) {
        let count = self.per_kind.entry(row.key.kind.clone()).or_default();
        *count += 1;
        if *count > MAX_EVENTS_PER_KIND {
            let k = row.key.kind.clone();
            self.log.events.retain(|e| e.row.key.kind != k);
            self.log.initial.retain(|key, _| key.kind != k);
            self.touched.retain(|key| key.kind != k);
            self.log.overflowed.insert(k, *count);
            return;
        }
        self.log.events.push(Event { kind, row });
    }

    pub fn finish(self) -> Log {
        self.log
    }
}

/// Kinds a watch reports: every kind but Events (whose own log is `get events`) and
/// konverge's own records.
fn watched(kind: &str) -> bool {
    kind != "Event" && kind != WATCH_KIND && kind != crate::timeline::TIMELINE_KIND
}

/// Keep the log as the state's `WatchLog` document (replacing the previous command's).
pub fn store(state: &mut State, log: &Log) {
    let row = |r: &Row| {
        let labels: serde_json::Map<String, Value> =
            r.labels.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
        json!({"kind": r.key.kind, "namespace": r.key.namespace, "name": r.key.name, "cells": r.cells, "labels": labels})
    };
    let doc = json!({
        "apiVersion": WATCH_API_VERSION,
        "kind": WATCH_KIND,
        "metadata": {"name": WATCH_NAME},
        "start": model::fmt_time(log.start),
        "initial": log.initial.values().map(row).collect::<Vec<_>>(),
        "events": log.events.iter().map(|e| {
            let mut v = row(&e.row);
            v["type"] = json!(e.kind.name());
            v
        }).collect::<Vec<_>>(),
        "overflowed": log.overflowed,
    });
    state.objects.insert(ObjKey::new(WATCH_KIND, "", WATCH_NAME), doc);
}

/// The log the most recent reconciling command stored, if any.
pub fn stored(state: &State) -> Option<Log> {
    let doc = state.get(WATCH_KIND, "", WATCH_NAME)?;
    let row = |v: &Value| Row {
        key: ObjKey::new(
            model::str_at(v, &["kind"]),
            model::str_at(v, &["namespace"]),
            model::str_at(v, &["name"]),
        ),
        cells: model::at(v, &["cells"])
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|c| c.as_str().unwrap_or("").to_string())
            .collect(),
        labels: model::string_map(v, &["labels"]),
    };
    let list = |field: &str| doc.get(field).and_then(Value::as_array).cloned().unwrap_or_default();
    Some(Log {
        start: model::parse_time(model::str_at(doc, &["start"])).unwrap_or(state.now),
        initial: list("initial").iter().map(row).map(|r| (r.key.clone(), r)).collect(),
        events: list("events")
            .iter()
            .filter_map(|v| Some(Event { kind: EventType::parse(model::str_at(v, &["type"]))?, row: row(v) }))
            .collect(),
        overflowed: doc
            .get("overflowed")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(k, n)| (k.clone(), n.as_u64().unwrap_or(0) as usize))
            .collect(),
    })
}

/// What `get KIND -w` selects and how it prints.
pub struct Query<'a> {
    pub info: &'static crate::model::KindInfo,
    /// `None`: every namespace (and a NAMESPACE column).
    pub namespace: Option<&'a str>,
    pub names: &'a [String],
    pub selector: Option<&'a crate::selector::Selector>,
    pub wide: bool,
    /// `--watch-only`: no initial list.
    pub watch_only: bool,
    /// `--output-watch-events`: an EVENT column.
    pub output_events: bool,
}

/// The replay: the list a watch prints first (objects as the command found them, under the
/// header), then a row per write. Columns widen as wider cells arrive and never narrow, as kubectl's watch output.
pub fn replay(state: &State, q: &Query) -> Result<String> {
    let log = stored(state).unwrap_or_else(|| Log { start: state.now, ..Log::default() });
    let kind = q.info.kind;
    if let Some(n) = log.overflowed.get(kind) {
        bail!(
            "the last command wrote {} {n} times; its watch log keeps at most {MAX_EVENTS_PER_KIND} writes per kind",
            model::resource_ref(kind)
        );
    }
    let selected = |r: &Row| {
        r.key.kind == kind
            && q.namespace.is_none_or(|ns| r.key.namespace == ns || r.key.namespace.is_empty())
            && (q.names.is_empty() || q.names.contains(&r.key.name))
            && q.selector.is_none_or(|s| s.matches(&r.labels))
    };
    let written: BTreeSet<&ObjKey> =
        log.initial.keys().chain(log.events.iter().map(|e| &e.row.key)).collect();
    let mut first: Vec<Row> = state
        .of_kind(kind, q.namespace)
        .map(|o| (ObjKey::of(o), o))
        .filter(|(k, _)| !written.contains(k))
        .map(|(k, o)| Row::of(&k, o, log.start))
        .chain(log.initial.values().cloned())
        .filter(|r| selected(r))
        .collect();
    first.sort_by(|a, b| a.key.cmp(&b.key));
    let seen = |name: &String| {
        first.iter().chain(log.events.iter().map(|e| &e.row)).any(|r| &r.key.name == name && selected(r))
    };
    if let Some(name) = q.names.iter().find(|n| !seen(n)) {
        return Err(crate::get::not_found(q.info, name));
    }
    let namespaced = q.namespace.is_none() && q.info.namespaced;
    // Rows keep the `-o wide` cells; the default columns are their first ones.
    let columns = printers::rows(kind, &[], 0, q.wide, false, false).swap_remove(0).len();
    let line = |event: Option<EventType>, r: &Row| {
        let mut cells = r.cells.clone();
        cells.truncate(columns);
        if namespaced {
            cells.insert(0, r.key.namespace.clone());
        }
        if q.output_events {
            cells.insert(0, event.map_or("", EventType::name).to_string());
        }
        cells
    };
    let mut header = printers::rows(kind, &[], 0, q.wide, namespaced, false).swap_remove(0);
    if q.output_events {
        header.insert(0, "EVENT".into());
    }
    let mut table = GrowingTable::default();
    let mut out = String::new();
    let initial: Vec<Vec<String>> =
        if q.watch_only { vec![] } else { first.iter().map(|r| line(Some(EventType::Added), r)).collect() };
    // The header comes with the list; a watch that starts on no objects prints rows only (as
    // the seed's `get pods -w` of a StatefulSet being created shows).
    if !initial.is_empty() {
        table.widen(&header);
        initial.iter().for_each(|r| table.widen(r));
        out.push_str(&table.line(&header));
        initial.iter().for_each(|r| out.push_str(&table.line(r)));
    }
    for e in log.events.iter().filter(|e| selected(&e.row)) {
        let cells = line(Some(e.kind), &e.row);
        table.widen(&cells);
        out.push_str(&table.line(&cells));
    }
    Ok(out)
}

/// Columns as wide as the widest cell seen so far, 3 spaces apart (kubectl's tab writer).
#[derive(Default)]
struct GrowingTable {
    widths: Vec<usize>,
}

impl GrowingTable {
    fn widen(&mut self, cells: &[String]) {
        if self.widths.len() < cells.len() {
            self.widths.resize(cells.len(), 0);
        }
        for (w, c) in self.widths.iter_mut().zip(cells) {
            *w = (*w).max(c.chars().count());
        }
    }

    fn line(&self, cells: &[String]) -> String {
        let mut line = String::new();
        for (i, cell) in cells.iter().enumerate() {
            line.push_str(cell);
            if i + 1 < cells.len() {
                line.push_str(&" ".repeat((self.widths[i] + 3).max(6) - cell.chars().count()));
            }
        }
        format!("{}\n", line.trim_end())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A command that writes a kind more often than the log keeps drops that kind's log
    /// (and says how many writes there were), keeps the other kinds', and stores no more than
    /// the bound.
    #[test]
    fn a_kind_written_too_often_overflows_alone() {
        let mut state = State::empty();
        let pod = ObjKey::new("Pod", "default", "p");
        let rs = ObjKey::new("ReplicaSet", "default", "r");
        let object = |key: &ObjKey, rv: usize| {
            json!({"apiVersion": "v1", "kind": key.kind, "metadata": {"name": key.name, "namespace": "default",
                "resourceVersion": rv.to_string(), "creationTimestamp": "2026-01-01T00:00:00Z"}})
        };
        let mut recorder = Recorder::new(0);
        let writes = MAX_EVENTS_PER_KIND + 5;
        for rv in 1..=writes {
            let before = recorder.before(&state, &pod);
            state.objects.insert(pod.clone(), object(&pod, rv));
            recorder.after(&state, &pod, before.as_ref(), &[]);
        }
        let before = recorder.before(&state, &rs);
        state.objects.insert(rs.clone(), object(&rs, writes + 1));
        recorder.after(&state, &rs, before.as_ref(), &[]);
        let log = recorder.finish();
        assert_eq!(log.overflowed.get("Pod"), Some(&writes));
        assert_eq!(log.events.len(), 1);
        assert_eq!((log.events[0].kind, &log.events[0].row.key), (EventType::Added, &rs));
        assert!(log.initial.is_empty());
        store(&mut state, &log);
        assert_eq!(stored(&state), Some(log));
    }

    fn cells(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    /// kubectl's watch output keeps each column as wide as its widest cell so far: rows after a
    /// wider cell are padded to it, rows before are not reprinted.
    #[test]
    fn columns_grow_and_never_shrink() {
        let mut t = GrowingTable::default();
        let rows = [
            cells(&["NAME", "STATUS", "AGE"]),
            cells(&["a", "Pending", "0s"]),
            cells(&["a", "ContainerCreating", "0s"]),
            cells(&["a", "Running", "2s"]),
        ];
        let printed: Vec<String> = rows
            .iter()
            .map(|r| {
                t.widen(r);
                t.line(r)
            })
            .collect();
        assert_eq!(
            printed,
            [
                "NAME   STATUS   AGE\n",
                "a      Pending   0s\n",
                "a      ContainerCreating   0s\n",
                "a      Running             2s\n",
            ]
        );
    }
}
