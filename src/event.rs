//! A stored Event, kept compact.
//!
//! Events are most of a long run's objects: every pod a controller creates brings a few
//! (`SuccessfulCreate`, `Scheduled`, `Pulled`, `Started`, …). Every Event konverge's recorder
//! writes has one shape (`makeEvent`: the involved object's reference, reason, message, type,
//! source component, first and last timestamps, count). As a JSON tree such an Event costs
//! about 4 KB of memory; typed, [`Recorded`], a few hundred bytes.
//!
//! An Event of any other shape (one a user applied, or a state read from `kubectl get -o
//! yaml`) is kept as its tree, [`Event::Other`]. Both are read through the same accessors and
//! written as the same bytes: [`Event::compact`] types a tree only when [`Event::to_value`]
//! gives that very tree back, key order included, and [`Event::emit`] writes what
//! [`canonical_yaml::emit`] writes for it.

use crate::canonical_yaml;
use crate::model::{self, ObjKey};
use serde_json::{json, Map, Value};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// An Event of the store. Its name and namespace are its key's.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// The shape the recorder writes, typed.
    Recorded(Box<Recorded>),
    /// Any other Event, as it came.
    Other(Value),
}

/// The Event the recorder writes (`makeEvent`, then the API server's name and
/// resourceVersion), field by field.
#[derive(Clone, Debug, PartialEq)]
pub struct Recorded {
    pub resource_version: u64,
    pub created: i64,
    pub involved: Involved,
    pub reason: Box<str>,
    pub message: Box<str>,
    /// `Normal` or `Warning`.
    pub kind: Box<str>,
    /// `source.component`.
    pub component: Box<str>,
    pub first: i64,
    pub last: i64,
    pub count: u64,
}

/// `involvedObject`: the reference to the object the Event is about.
#[derive(Clone, Debug, PartialEq)]
pub struct Involved {
    pub api_version: Box<str>,
    pub kind: Box<str>,
    pub name: Box<str>,
    /// None for a cluster-scoped object (written `namespace: null`).
    pub namespace: Option<Box<str>>,
    pub uid: Box<str>,
}

/// The fields of a recorded Event, in the order it has them.
const FIELDS: [&str; 11] = [
    "apiVersion",
    "kind",
    "metadata",
    "involvedObject",
    "reason",
    "message",
    "type",
    "source",
    "firstTimestamp",
    "lastTimestamp",
    "count",
];
const METADATA: [&str; 4] = ["name", "namespace", "resourceVersion", "creationTimestamp"];
const INVOLVED: [&str; 5] = ["apiVersion", "kind", "name", "namespace", "uid"];

impl Event {
    /// The Event stored at `key` as `tree`: typed when it has exactly the recorder's shape.
    pub fn compact(key: &ObjKey, tree: Value) -> Event {
        match Recorded::read(key, &tree) {
            Some(recorded) => Event::Recorded(Box::new(recorded)),
            None => Event::Other(tree),
        }
    }

    /// The Event as the JSON object the API server serves, stored at `key`.
    pub fn to_value(&self, key: &ObjKey) -> Cow<'_, Value> {
        match self {
            Event::Recorded(r) => Cow::Owned(r.to_value(key)),
            Event::Other(tree) => Cow::Borrowed(tree),
        }
    }

    /// A string field by its path (`["involvedObject", "uid"]`, `["reason"]`); empty when the
    /// Event has none there. Not for the times, the count or the metadata: see their own
    /// accessors and the Event's key.
    pub fn text(&self, path: &[&str]) -> &str {
        debug_assert!(
            !matches!(path, ["firstTimestamp" | "lastTimestamp" | "count" | "metadata", ..]),
            "{path:?} is not read as text"
        );
        let r = match self {
            Event::Recorded(r) => r,
            Event::Other(tree) => return model::str_at(tree, path),
        };
        match path {
            ["involvedObject", "apiVersion"] => &r.involved.api_version,
            ["involvedObject", "kind"] => &r.involved.kind,
            ["involvedObject", "name"] => &r.involved.name,
            ["involvedObject", "namespace"] => r.involved.namespace.as_deref().unwrap_or(""),
            ["involvedObject", "uid"] => &r.involved.uid,
            ["reason"] => &r.reason,
            ["message"] => &r.message,
            ["type"] => &r.kind,
            ["source", "component"] => &r.component,
            ["apiVersion"] => "v1",
            ["kind"] => "Event",
            _ => "",
        }
    }

    /// A field of the involved object's reference.
    pub fn involved(&self, field: &str) -> &str {
        self.text(&["involvedObject", field])
    }

    pub fn reason(&self) -> &str {
        self.text(&["reason"])
    }

    pub fn message(&self) -> &str {
        self.text(&["message"])
    }

    /// `firstTimestamp`, in seconds.
    pub fn first_time(&self) -> Option<i64> {
        match self {
            Event::Recorded(r) => Some(r.first),
            Event::Other(tree) => model::parse_time(model::str_at(tree, &["firstTimestamp"])),
        }
    }

    /// `lastTimestamp`, in seconds.
    pub fn last_time(&self) -> Option<i64> {
        match self {
            Event::Recorded(r) => Some(r.last),
            Event::Other(tree) => model::parse_time(model::str_at(tree, &["lastTimestamp"])),
        }
    }

    /// `eventTime` (an `events.k8s.io` Event's), in seconds: the recorder writes none.
    pub fn event_time(&self) -> Option<i64> {
        match self {
            Event::Recorded(_) => None,
            Event::Other(tree) => model::parse_time(model::str_at(tree, &["eventTime"])),
        }
    }

    /// How often the Event occurred (`count`).
    pub fn count(&self) -> Option<i64> {
        match self {
            Event::Recorded(r) => i64::try_from(r.count).ok(),
            Event::Other(tree) => model::i64_at(tree, &["count"]),
        }
    }

    /// `metadata.resourceVersion` as a number (0 when it is not one).
    pub fn resource_version(&self) -> u64 {
        match self {
            Event::Recorded(r) => r.resource_version,
            Event::Other(tree) => model::str_at(tree, &["metadata", "resourceVersion"]).parse().unwrap_or(0),
        }
    }

    /// The latest time the Event records anywhere, as the clock of a state without one reads it.
    pub fn latest_time(&self) -> Option<i64> {
        match self {
            Event::Recorded(r) => Some(r.created.max(r.first).max(r.last)),
            Event::Other(tree) => crate::state::latest_timestamp(tree),
        }
    }

    pub fn set_message(&mut self, message: String) {
        match self {
            Event::Recorded(r) => r.message = message.into(),
            Event::Other(tree) => tree["message"] = json!(message),
        }
    }

    pub fn set_resource_version(&mut self, version: u64) {
        match self {
            Event::Recorded(r) => r.resource_version = version,
            Event::Other(tree) => tree["metadata"]["resourceVersion"] = json!(version.to_string()),
        }
    }

    /// `eventObserve`: occurred once more, `now`, in the words of `message`.
    pub fn observe(&mut self, now: i64, message: &str) {
        match self {
            Event::Recorded(r) => {
                r.count += 1;
                r.last = now;
                r.message = message.into();
            }
            Event::Other(tree) => {
                let count = model::i64_at(tree, &["count"]).unwrap_or(1);
                tree["count"] = json!(count + 1);
                tree["lastTimestamp"] = json!(model::fmt_time(now));
                tree["message"] = json!(message);
            }
        }
    }

    /// Append the document [`canonical_yaml::emit`] writes for the Event stored at `key`;
    /// None, and `out` unchanged, when it would say None.
    pub fn emit(&self, key: &ObjKey, out: &mut String) -> Option<()> {
        match self {
            Event::Recorded(r) => {
                let start = out.len();
                let written = r.emit(key, out);
                if written.is_none() {
                    out.truncate(start);
                }
                written
            }
            Event::Other(tree) => canonical_yaml::emit(tree, out),
        }
    }
}

impl Recorded {
    /// The recorded Event `tree` holds exactly (its fields in the recorder's order, its times
    /// as the recorder writes them), stored at `key`; None for any other tree.
    fn read(key: &ObjKey, tree: &Value) -> Option<Recorded> {
        let [api_version, kind, metadata, involved, reason, message, kind_of_event, source, first, last, count] =
            fields(tree, FIELDS)?;
        if api_version != "v1" || kind != "Event" {
            return None;
        }
        let [name, namespace, version, created] = fields(metadata, METADATA)?;
        if name.as_str()? != key.name || namespace.as_str()? != key.namespace {
            return None;
        }
        let [component] = fields(source, ["component"])?;
        Some(Recorded {
            resource_version: number(version)?,
            created: time(created)?,
            involved: Involved::read(involved)?,
            reason: text(reason)?,
            message: text(message)?,
            kind: text(kind_of_event)?,
            component: text(component)?,
            first: time(first)?,
            last: time(last)?,
            count: count.as_u64()?,
        })
    }

    fn to_value(&self, key: &ObjKey) -> Value {
        let i = &self.involved;
        json!({
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {
                "name": key.name,
                "namespace": key.namespace,
                "resourceVersion": self.resource_version.to_string(),
                "creationTimestamp": model::fmt_time(self.created),
            },
            "involvedObject": {
                "apiVersion": i.api_version,
                "kind": i.kind,
                "name": i.name,
                "namespace": i.namespace,
                "uid": i.uid,
            },
            "reason": self.reason,
            "message": self.message,
            "type": self.kind,
            "source": {"component": self.component},
            "firstTimestamp": model::fmt_time(self.first),
            "lastTimestamp": model::fmt_time(self.last),
            "count": self.count,
        })
    }

    fn emit(&self, key: &ObjKey, out: &mut String) -> Option<()> {
        let entry = canonical_yaml::emit_str_entry;
        out.push_str("apiVersion: v1\nkind: Event\nmetadata:\n");
        entry("name", &key.name, 2, out)?;
        entry("namespace", &key.namespace, 2, out)?;
        entry("resourceVersion", &self.resource_version.to_string(), 2, out)?;
        entry("creationTimestamp", &model::fmt_time(self.created), 2, out)?;
        out.push_str("involvedObject:\n");
        let i = &self.involved;
        entry("apiVersion", &i.api_version, 2, out)?;
        entry("kind", &i.kind, 2, out)?;
        entry("name", &i.name, 2, out)?;
        match &i.namespace {
            Some(namespace) => entry("namespace", namespace, 2, out)?,
            None => out.push_str("  namespace: null\n"),
        }
        entry("uid", &i.uid, 2, out)?;
        entry("reason", &self.reason, 0, out)?;
        entry("message", &self.message, 0, out)?;
        entry("type", &self.kind, 0, out)?;
        out.push_str("source:\n");
        entry("component", &self.component, 2, out)?;
        entry("firstTimestamp", &model::fmt_time(self.first), 0, out)?;
        entry("lastTimestamp", &model::fmt_time(self.last), 0, out)?;
        out.push_str("count: ");
        out.push_str(&self.count.to_string());
        out.push('\n');
        Some(())
    }
}

impl Involved {
    fn read(tree: &Value) -> Option<Involved> {
        let [api_version, kind, name, namespace, uid] = fields(tree, INVOLVED)?;
        Some(Involved {
            api_version: text(api_version)?,
            kind: text(kind)?,
            name: text(name)?,
            namespace: if namespace.is_null() { None } else { Some(text(namespace)?) },
            uid: text(uid)?,
        })
    }
}

/// The values of an object that has exactly the fields `names`, in that order.
fn fields<'v, const N: usize>(tree: &'v Value, names: [&str; N]) -> Option<[&'v Value; N]> {
    let map: &Map<String, Value> = tree.as_object()?;
    if map.len() != N {
        return None;
    }
    let mut values = [&Value::Null; N];
    for ((field, value), (name, slot)) in map.iter().zip(names.iter().zip(values.iter_mut())) {
        if field != name {
            return None;
        }
        *slot = value;
    }
    Some(values)
}

fn text(value: &Value) -> Option<Box<str>> {
    value.as_str().map(Box::from)
}

/// A time written as the recorder writes it (`2025-01-01T00:00:00Z`), in seconds.
fn time(value: &Value) -> Option<i64> {
    let written = value.as_str()?;
    let t = model::parse_time(written)?;
    (model::fmt_time(t) == written).then_some(t)
}

/// A resourceVersion written as the API server writes it: a decimal number, no leading zero.
fn number(value: &Value) -> Option<u64> {
    let written = value.as_str()?;
    let n: u64 = written.parse().ok()?;
    (n.to_string() == written).then_some(n)
}

/// The Event a state file's document holds (`---` line included), read straight into a
/// [`Recorded`] when it is the document [`Event::emit`] writes for one; None for any other
/// text (the caller parses its tree). Taken only when writing the result back gives the very
/// same text, so it reads what parsing the tree and typing it ([`Event::compact`]) reads.
pub fn read_document(doc: &str) -> Option<(ObjKey, Event)> {
    let body = doc.strip_prefix("---\n")?;
    let mut l = Lines(body.split('\n'));
    l.exactly("apiVersion: v1")?;
    l.exactly("kind: Event")?;
    l.exactly("metadata:")?;
    let (name, namespace) = (l.text("  name")?, l.text("  namespace")?);
    let resource_version = l.text("  resourceVersion")?.parse().ok()?;
    let created = l.time("  creationTimestamp")?;
    l.exactly("involvedObject:")?;
    let (api_version, kind, involved_name) = (l.text("  apiVersion")?, l.text("  kind")?, l.text("  name")?);
    let involved_namespace = match l.value("  namespace")? {
        Value::Null => None,
        Value::String(s) => Some(s.into()),
        _ => return None,
    };
    let uid = l.text("  uid")?;
    let (reason, message, kind_of_event) = (l.text("reason")?, l.text("message")?, l.text("type")?);
    l.exactly("source:")?;
    let component = l.text("  component")?;
    let (first, last) = (l.time("firstTimestamp")?, l.time("lastTimestamp")?);
    let count = l.value("count")?.as_u64()?;
    l.exactly("")?;
    if l.0.next().is_some() {
        return None;
    }
    let key = ObjKey::new("Event", &namespace, &name);
    let recorded = Recorded {
        resource_version,
        created,
        involved: Involved { api_version, kind, name: involved_name, namespace: involved_namespace, uid },
        reason,
        message,
        kind: kind_of_event,
        component,
        first,
        last,
        count,
    };
    let mut written = String::with_capacity(body.len());
    recorded.emit(&key, &mut written)?;
    (written == body).then(|| (key, Event::Recorded(Box::new(recorded))))
}

/// The lines of a document, read one `key: value` at a time.
struct Lines<'t>(std::str::Split<'t, char>);

impl Lines<'_> {
    fn exactly(&mut self, line: &str) -> Option<()> {
        (self.0.next()? == line).then_some(())
    }

    /// The scalar on the next line, which must be `key: ` and the scalar.
    fn value(&mut self, key: &str) -> Option<Value> {
        canonical_yaml::scalar_value(self.0.next()?.strip_prefix(key)?.strip_prefix(": ")?)
    }

    fn text(&mut self, key: &str) -> Option<Box<str>> {
        match self.value(key)? {
            Value::String(s) => Some(s.into_boxed_str()),
            _ => None,
        }
    }

    fn time(&mut self, key: &str) -> Option<i64> {
        model::parse_time(&self.text(key)?)
    }
}

/// The Events of `namespace` whose names start with `prefix`: upstream names an object's
/// Events `<object name>.<hex time>`, so an object's are found by its name and a dot.
pub fn named<'a: 'k, 'k>(
    events: &'a BTreeMap<ObjKey, Event>,
    namespace: &'k str,
    prefix: &'k str,
) -> impl Iterator<Item = (&'a ObjKey, &'a Event)> + 'k {
    events
        .range(ObjKey::new("Event", namespace, prefix)..)
        .take_while(move |(k, _)| k.namespace == namespace && k.name.starts_with(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(namespace: &str, name: &str) -> ObjKey {
        ObjKey::new("Event", namespace, name)
    }

    /// A recorded Event about a pod, or with `namespace` None about a Node.
    fn recorded(namespace: Option<&str>, message: &str) -> Recorded {
        Recorded {
            resource_version: 42,
            created: 1_735_689_600,
            involved: Involved {
                api_version: "v1".into(),
                kind: if namespace.is_some() { "Pod" } else { "Node" }.into(),
                name: "web-abcde".into(),
                namespace: namespace.map(Into::into),
                uid: "61861423-61b5-046a-6c82-ec104570e01e".into(),
            },
            reason: "Scheduled".into(),
            message: message.into(),
            kind: "Normal".into(),
            component: "default-scheduler".into(),
            first: 1_735_689_600,
            last: 1_735_689_660,
            count: 3,
        }
    }

    /// Messages that take every style the emitter has: plain, single-quoted (a colon and
    /// space, a leading indicator, words YAML reads as other types), a literal block, one it
    /// leaves to serde_yaml (a control character), and the empty string.
    const MESSAGES: [&str; 9] = [
        "Successfully assigned default/web-abcde to node-1",
        "0/3 nodes are available: 3 Insufficient cpu.",
        "'quoted' and: colon",
        "- dash first",
        "true",
        "0755",
        "line one\nline two\n",
        "bell \u{7}",
        "",
    ];

    #[test]
    fn a_recorded_event_reads_back_from_its_tree_and_writes_the_same_bytes() -> Result<(), serde_yaml::Error>
    {
        for namespace in [Some("default"), None] {
            for message in MESSAGES {
                let k = key("default", "web-abcde.0067748580000004");
                let event = Event::Recorded(Box::new(recorded(namespace, message)));
                let tree = event.to_value(&k).into_owned();
                assert_eq!(Event::compact(&k, tree.clone()), event, "{message:?}");
                let (mut direct, mut through_tree) = (String::new(), String::new());
                let written = event.emit(&k, &mut direct);
                assert_eq!(written, canonical_yaml::emit(&tree, &mut through_tree), "{message:?}");
                assert_eq!(direct, through_tree, "{message:?}");
                let parsed: Value = serde_yaml::from_str(&serde_yaml::to_string(&tree)?)?;
                assert_eq!(parsed, tree);
            }
        }
        Ok(())
    }

    /// A recorded Event's document reads straight back into it (the document its tree is
    /// written as: see the test above); a document that is not exactly what the recorder's
    /// Event writes (other types, other quoting, a comment, a field more, another time zone,
    /// no final line break) is left to the tree's parser.
    #[test]
    fn a_recorded_events_document_reads_straight_back() {
        let k = key("default", "web-abcde.0067748580000004");
        for namespace in [Some("default"), None] {
            for message in MESSAGES {
                let event = Event::Recorded(Box::new(recorded(namespace, message)));
                let mut doc = "---\n".to_string();
                // A message over several lines (a literal block) is left to the tree's parser.
                if event.emit(&k, &mut doc).is_none() || message.contains('\n') {
                    assert_eq!(read_document(&doc), None);
                    continue;
                }
                assert_eq!(read_document(&doc), Some((k.clone(), event.clone())), "{message:?}");
                let altered = [
                    doc.replace("count: 3", "count: '3'"),
                    doc.replace("resourceVersion: '42'", "resourceVersion: 42"),
                    doc.replace("reason: Scheduled", "reason: 'Scheduled'"),
                    doc.replace("type: Normal", "type: Normal # a comment"),
                    doc.replace("count: 3\n", "count: 3\nextra: 1\n"),
                    doc.replace("name: web-abcde\n", "name: 12345\n"),
                    doc.replace("2025-01-01T00:01:00Z", "2025-01-01T01:01:00+01:00"),
                    doc.trim_end().to_string(),
                ];
                for text in altered {
                    assert_ne!(text, doc, "the alteration applies");
                    assert_eq!(read_document(&text), None, "{text}");
                }
            }
        }
    }

    #[test]
    fn a_tree_of_any_other_shape_is_kept_as_it_came() {
        let k = key("default", "web-abcde.0067748580000004");
        let tree = Event::Recorded(Box::new(recorded(Some("default"), "m"))).to_value(&k).into_owned();
        type Change = (&'static str, fn(&mut Value));
        let changed: [Change; 9] = [
            ("a field more (kubectl's eventTime)", |t| t["eventTime"] = Value::Null),
            ("a field less", |t| {
                if let Some(m) = t.as_object_mut() {
                    m.shift_remove("source");
                }
            }),
            ("a source host", |t| t["source"]["host"] = json!("node-1")),
            ("fields in another order", |t| {
                // `reason` moves from before `count` to after it.
                if let Some(m) = t.as_object_mut() {
                    let reason = m.shift_remove("reason").unwrap_or_default();
                    m.insert("reason".into(), reason);
                }
            }),
            ("a time with an offset", |t| t["lastTimestamp"] = json!("2025-01-01T01:00:00+01:00")),
            ("a resourceVersion with a leading zero", |t| t["metadata"]["resourceVersion"] = json!("042")),
            ("a count that is a string", |t| t["count"] = json!("3")),
            ("a name that is not the key's", |t| t["metadata"]["name"] = json!("other")),
            ("no namespace in the reference", |t| {
                if let Some(m) = t["involvedObject"].as_object_mut() {
                    m.shift_remove("namespace");
                }
            }),
        ];
        for (why, change) in changed {
            let mut other = tree.clone();
            change(&mut other);
            assert_eq!(Event::compact(&k, other.clone()), Event::Other(other), "{why}");
        }
    }

    #[test]
    fn both_forms_read_and_change_alike() {
        let k = key("default", "web-abcde.0067748580000004");
        let typed = Event::Recorded(Box::new(recorded(Some("default"), "first words")));
        let tree = Event::Other(typed.to_value(&k).into_owned());
        for (mut event, form) in [(typed, "typed"), (tree, "tree")] {
            event.observe(1_735_690_000, "new words");
            event.set_resource_version(43);
            assert_eq!(event.count(), Some(4), "{form}");
            assert_eq!(event.last_time(), Some(1_735_690_000), "{form}");
            assert_eq!(event.first_time(), Some(1_735_689_600), "{form}");
            assert_eq!(event.latest_time(), Some(1_735_690_000), "{form}");
            assert_eq!(event.resource_version(), 43, "{form}");
            assert_eq!(event.message(), "new words", "{form}");
            assert_eq!(event.reason(), "Scheduled", "{form}");
            assert_eq!(event.involved("uid"), "61861423-61b5-046a-6c82-ec104570e01e", "{form}");
            assert_eq!(event.involved("fieldPath"), "", "{form}");
            assert_eq!(event.text(&["type"]), "Normal", "{form}");
            assert_eq!(event.text(&["source", "component"]), "default-scheduler", "{form}");
            assert_eq!(event.text(&["source", "host"]), "", "{form}");
            let value = event.to_value(&k);
            assert_eq!(model::str_at(&value, &["lastTimestamp"]), "2025-01-01T00:06:40Z", "{form}");
            assert_eq!(model::str_at(&value, &["metadata", "resourceVersion"]), "43", "{form}");
        }
    }
}
