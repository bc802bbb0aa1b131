//! The API server's part: admitting one action to the store.
//!
//! Controllers propose actions computed from one snapshot; this module applies them one by one
//! the way kube-apiserver would, and refuses the ones that no longer make sense (a name that
//! exists, an object that is gone, a pod already bound, a node without room, an adoption of a
//! pod someone else adopted first). A refusal is a conflict: recorded, not applied, and the
//! controller proposes again next step. It also does what admission does for every new object:
//! names from `generateName`, uids, resourceVersions, creation timestamps, default tolerations,
//! and a Job's defaults and generated selector (`defaults.rs`).

use crate::actions::{Change, EventSpec, EventType, Precondition, Propagation, REFERENCE_PLACEHOLDER};
use crate::correlator::{self, Correlated};
use crate::event::{Event, Involved, Recorded};
use crate::facts::sched::{self, Room};
use crate::facts::PodCache;
use crate::model::{self, ObjKey};
use crate::state::State;
use rustc_hash::{FxHashMap, FxHasher};
use serde_json::{json, Value};
use std::hash::{Hash, Hasher};

/// Alphabet of generated names (upstream `utilrand.String`: no vowels, no confusable digits).
const NAME_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// Seconds a pod tolerates `not-ready` / `unreachable` unless it says otherwise
/// (DefaultTolerationSeconds admission plugin).
pub const DEFAULT_TOLERATION_SECONDS: i64 = 300;

/// `spec.terminationGracePeriodSeconds` when a pod does not say (the API server's default).
pub const DEFAULT_TERMINATION_GRACE_PERIOD: i64 = 30;

/// The grace period a deleted pod gets (upstream `podStrategy.CheckGracefulDelete`): its
/// `terminationGracePeriodSeconds`, but 0 — deleted at once — when it is not bound to a node
/// or has already terminated (Succeeded, Failed); a negative period counts as 1 second.
pub fn pod_grace_period(pod: &Value) -> i64 {
    let bound = !model::str_at(pod, &["spec", "nodeName"]).is_empty();
    let terminated = matches!(model::str_at(pod, &["status", "phase"]), "Succeeded" | "Failed");
    if !bound || terminated {
        return 0;
    }
    let period = model::i64_at(pod, &["spec", "terminationGracePeriodSeconds"])
        .unwrap_or(DEFAULT_TERMINATION_GRACE_PERIOD);
    if period < 0 {
        1
    } else {
        period
    }
}

/// What an admitted action did.
#[derive(Debug, Clone, PartialEq)]
pub struct Admitted {
    /// The object it touched (for a create: with the name it got).
    pub key: ObjKey,
    /// Extra detail for the trace (the node of a bind, the replicas of a scale).
    pub detail: Option<String>,
    /// What became of the stored object.
    pub write: Write,
}

/// What an admitted action did to the store: the API server admits a change that changes
/// nothing without writing (no new resourceVersion), and a write that ends a deletion (the
/// last finalizer gone, the grace period over) removes the object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Write {
    /// Admitted, nothing changed (a scale to the current replicas, a patch already applied).
    Nothing,
    /// The object was created or changed.
    Stored,
    /// The object is gone from the store.
    Removed,
}

/// Why the API server refused a change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The change conflicts with the store as it is now (HTTP 409: a stale write, a name taken,
    /// an object gone): the controller proposes it again on the next step.
    Conflict(String),
    /// An admission plugin forbids it (HTTP 403: an unknown PriorityClass): proposing it again
    /// gets the same answer until something else changes.
    Forbidden(String),
}

impl Refusal {
    pub fn message(&self) -> &str {
        match self {
            Refusal::Conflict(m) | Refusal::Forbidden(m) => m,
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message())
    }
}

impl From<String> for Refusal {
    fn from(message: String) -> Refusal {
        Refusal::Conflict(message)
    }
}

impl Admitted {
    fn new(key: &ObjKey, write: Write) -> Admitted {
        Admitted { key: key.clone(), detail: None, write }
    }
}

/// The API server over one state, for one step.
pub struct ApiServer<'a> {
    pub state: &'a mut State,
    /// Room left per node, filled on the first bind of a step.
    node_room: Option<FxHashMap<String, Room>>,
    /// XOR of the hashes of all non-Event objects (resourceVersion aside) and of each distinct
    /// recorded Event (object, type, reason, message): detects revisits. Events count once
    /// however often they recur, as the event recorder folds repeats into one.
    pub fingerprint: u64,
    /// How many stored Events share each (object, type, reason, message).
    events: FxHashMap<u64, u32>,
    /// The messages this run folded into an aggregate Event (its key, the message), and when
    /// last: an Event-only action does not count a situation already folded there again.
    folded: FxHashMap<(ObjKey, String), i64>,
    /// What the facts read from each pod's object, kept while this run does not write the
    /// object: every write goes through here, so here is where a pod's entry is dropped.
    pub pod_cores: PodCache,
}

impl<'a> ApiServer<'a> {
    pub fn new(state: &'a mut State) -> ApiServer<'a> {
        let fingerprint = state.objects.iter().fold(0, |fp, (k, v)| fp ^ object_hash(k, v));
        let mut api = ApiServer {
            state,
            node_room: None,
            fingerprint,
            events: FxHashMap::default(),
            folded: FxHashMap::default(),
            pod_cores: PodCache::default(),
        };
        let events: Vec<u64> = api.state.events.values().map(event_hash).collect();
        for e in events {
            api.count_event(e, true);
        }
        api
    }

    /// Count one Event in or out of the fingerprint: a (object, type, reason, message) counts
    /// while at least one Event carries it.
    fn count_event(&mut self, hash: u64, add: bool) {
        let n = self.events.entry(hash).or_default();
        let before = *n;
        *n = if add { n.saturating_add(1) } else { n.saturating_sub(1) };
        if (before == 0) != (*n == 0) {
            self.fingerprint ^= hash;
        }
    }

    /// Start a new step: capacity is recomputed from the store on the next bind.
    pub fn new_step(&mut self) {
        self.node_room = None;
    }

    /// Admit one change, or say why it is refused.
    pub fn admit(&mut self, change: &Change) -> Result<Admitted, Refusal> {
        match change {
            Change::Create { object } => self.create(object.clone()),
            Change::Delete { key, propagation } => Ok(self.delete(key, *propagation)?),
            Change::Bind { pod, node } => Ok(self.bind(pod, node)?),
            Change::Scale { key, replicas, patch } => {
                let mut p = patch.clone().unwrap_or_else(|| json!({}));
                model::obj_mut(&mut p, &["spec"]).insert("replicas".into(), json!(replicas));
                let write = self.patch(key, &p, &Precondition::None)?;
                Ok(Admitted { detail: Some(format!("replicas {replicas}")), ..Admitted::new(key, write) })
            }
            Change::Patch { key, patch, precondition } => {
                let write = self.patch(key, patch, precondition)?;
                Ok(Admitted::new(key, write))
            }
            Change::Remove { key } => {
                if !self.remove(key) {
                    return Err(Refusal::Conflict(format!("{key} not found")));
                }
                Ok(Admitted::new(key, Write::Removed))
            }
            Change::Emit { .. } => {
                Err(Refusal::Conflict("an Emit is admitted with its Event (emit_event)".into()))
            }
        }
    }

    /// Store an object as it is (used when the user applies a manifest).
    pub fn put(&mut self, key: ObjKey, obj: Value) {
        if key.kind == "Event" {
            let event = Event::compact(&key, obj);
            self.put_event(key, event);
            return;
        }
        self.pod_cores.forget(&key);
        if let Some(old) = self.state.objects.get(&key) {
            self.fingerprint ^= object_hash(&key, old);
        }
        self.fingerprint ^= object_hash(&key, &obj);
        self.state.objects.insert(key, obj);
    }

    fn put_event(&mut self, key: ObjKey, event: Event) {
        if let Some(old) = self.state.events.get(&key) {
            let old = event_hash(old);
            self.count_event(old, false);
        }
        self.count_event(event_hash(&event), true);
        self.state.events.insert(key, event);
    }

    /// Remove an object or an Event; whether one was stored.
    fn remove(&mut self, key: &ObjKey) -> bool {
        if key.kind == "Event" {
            let Some(old) = self.state.events.remove(key) else { return false };
            self.count_event(event_hash(&old), false);
            return true;
        }
        self.pod_cores.forget(key);
        let Some(old) = self.state.objects.remove(key) else { return false };
        self.fingerprint ^= object_hash(key, &old);
        true
    }

    /// Create: name from generateName, uid, resourceVersion, creationTimestamp, defaults.
    pub fn create(&mut self, mut obj: Value) -> Result<Admitted, Refusal> {
        let kind = model::str_at(&obj, &["kind"]).to_string();
        // Mutating admission sees the object before its name is generated: a refusal names a
        // pod by its `generateName`, as the API server's does.
        if kind == "Pod" {
            crate::priority::admit_pod(&crate::priority::classes(self.state), &mut obj)
                .map_err(Refusal::Forbidden)?;
        }
        let ns = model::str_at(&obj, &["metadata", "namespace"]).to_string();
        let mut name = model::name(&obj).to_string();
        if name.is_empty() {
            let prefix = model::str_at(&obj, &["metadata", "generateName"]).to_string();
            if prefix.is_empty() {
                return Err(Refusal::Conflict(
                    "neither metadata.name nor metadata.generateName is set".into(),
                ));
            }
            name = loop {
                let candidate = format!("{prefix}{}", random_suffix(&prefix, self.state.next_seq()));
                if !self.state.contains(&ObjKey::new(&kind, &ns, &candidate)) {
                    break candidate;
                }
            };
        }
        let key = ObjKey::new(&kind, &ns, &name);
        if self.state.contains(&key) {
            return Err(Refusal::Conflict(format!("{key} already exists")));
        }
        let seq = self.state.next_seq();
        let now = model::fmt_time(self.state.now);
        let meta = model::obj_mut(&mut obj, &["metadata"]);
        meta.insert("name".into(), json!(name));
        if meta.get("uid").and_then(Value::as_str).is_none_or(str::is_empty) {
            meta.insert("uid".into(), json!(make_uid(&key, seq)));
        }
        meta.insert("resourceVersion".into(), json!(seq.to_string()));
        meta.insert("creationTimestamp".into(), json!(now));
        if has_generation(&kind, &obj) {
            model::obj_mut(&mut obj, &["metadata"]).insert("generation".into(), json!(1));
        }
        crate::defaults::apply(&mut obj);
        if kind == "Pod" {
            default_pod(&mut obj);
        }
        if kind == "PriorityClass" {
            crate::priority::admit_class(&crate::priority::classes(self.state), &obj)
                .map_err(Refusal::Forbidden)?;
        }
        admit_storage(self.state, &kind, &mut obj);
        crate::defaults::on_create(&kind, &mut obj, &self.state.objects);
        self.put(key.clone(), obj);
        Ok(Admitted::new(&key, Write::Stored))
    }

    /// Delete as the registry store does: the garbage collector's finalizer for the
    /// propagation (`deletionFinalizersForGarbageCollection`: `orphan` or `foregroundDeletion`,
    /// added whether or not anything depends on the object — the collector removes it once
    /// nothing is left to wait for), a grace period for pods ([`pod_grace_period`]), and
    /// removal at once when nothing holds the object.
    fn delete(&mut self, key: &ObjKey, propagation: Propagation) -> Result<Admitted, String> {
        if key.kind == "Event" {
            // Nothing holds an Event: no grace period, no finalizer the garbage collector would
            // not remove at once (nothing depends on an Event).
            if !self.remove(key) {
                return Err(format!("{key} not found"));
            }
            return Ok(Admitted::new(key, Write::Removed));
        }
        let Some(obj) = self.state.objects.get(key) else { return Err(format!("{key} not found")) };
        if model::at(obj, &["metadata", "deletionTimestamp"]).is_some() {
            return Err(format!("{key} is already being deleted"));
        }
        let grace = if key.kind == "Pod" { pod_grace_period(obj) } else { 0 };
        let has_other_finalizers = model::at(obj, &["metadata", "finalizers"])
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty());
        // A Namespace with its `kubernetes` finalizer stays, Terminating, until the namespace
        // controller has emptied it.
        let terminating_namespace = key.kind == "Namespace"
            && model::at(obj, &["spec", "finalizers"])
                .and_then(Value::as_array)
                .is_some_and(|a| !a.is_empty());
        let finalizer = match propagation {
            Propagation::Orphan => Some("orphan"),
            Propagation::Foreground => Some("foregroundDeletion"),
            Propagation::Background => None,
        };
        if grace == 0 && finalizer.is_none() && !has_other_finalizers && !terminating_namespace {
            self.remove(key);
            return Ok(Admitted::new(key, Write::Removed));
        }
        let mut obj = self.state.objects[key].clone();
        let seq = self.state.next_seq();
        let meta = model::obj_mut(&mut obj, &["metadata"]);
        meta.insert("deletionTimestamp".into(), json!(model::fmt_time(self.state.now + grace)));
        meta.insert("deletionGracePeriodSeconds".into(), json!(grace));
        meta.insert("resourceVersion".into(), json!(seq.to_string()));
        if terminating_namespace {
            model::obj_mut(&mut obj, &["status"]).insert("phase".into(), json!("Terminating"));
        }
        let meta = model::obj_mut(&mut obj, &["metadata"]);
        if let Some(fin) = finalizer {
            let list = meta.entry("finalizers").or_insert_with(|| json!([]));
            if let Some(a) = list.as_array_mut() {
                a.push(json!(fin));
            }
        }
        self.put(key.clone(), obj);
        Ok(Admitted::new(key, Write::Stored))
    }

    fn bind(&mut self, pod: &ObjKey, node: &str) -> Result<Admitted, String> {
        let Some(obj) = self.state.objects.get(pod) else { return Err(format!("{pod} not found")) };
        if !model::str_at(obj, &["spec", "nodeName"]).is_empty() {
            return Err(format!("{pod} is already bound"));
        }
        if model::at(obj, &["metadata", "deletionTimestamp"]).is_some() {
            return Err(format!("{pod} is being deleted"));
        }
        let requests = sched::pod_requests(obj);
        let room = self.node_room.get_or_insert_with(|| node_room(self.state));
        let Some(free) = room.get_mut(node) else { return Err(format!("node {node} not found")) };
        let short = free.short_of(&requests);
        if !short.is_empty() {
            return Err(format!("node {node} has no room left for {pod} this step ({})", short.join(", ")));
        }
        free.take(&requests);
        let now = model::fmt_time(self.state.now);
        let patch = json!({
            "spec": {"nodeName": node},
            "status": {
                "conditions": [{"type": "PodScheduled", "status": "True", "lastTransitionTime": now}],
                "nominatedNodeName": null,
            },
        });
        let write = self.patch(pod, &patch, &Precondition::None)?;
        Ok(Admitted { detail: Some(node.to_string()), ..Admitted::new(pod, write) })
    }

    /// JSON merge patch, in place: a patch that changes nothing is admitted without a write (no
    /// new resourceVersion), like the API server's no-op updates.
    fn patch(&mut self, key: &ObjKey, patch: &Value, precondition: &Precondition) -> Result<Write, String> {
        if key.kind == "Event" {
            return self.patch_event(key, patch);
        }
        let resolved;
        let patch = if *precondition == Precondition::ResolveReferences {
            resolved = self.resolve_references(patch)?;
            &resolved
        } else {
            patch
        };
        let Some(obj) = self.state.objects.get(key) else { return Err(format!("{key} not found")) };
        check_precondition(&self.state.objects, key, obj, precondition)?;
        if !merge_changes(obj, patch) {
            return Ok(Write::Nothing);
        }
        let spec_changed = if patch.is_object() {
            match (obj.get("spec"), patch.get("spec")) {
                (_, None) | (None, Some(Value::Null)) => false,
                (Some(_), Some(Value::Null)) | (None, Some(_)) => true,
                (Some(spec), Some(change)) => merge_changes(spec, change),
            }
        } else {
            patch.get("spec") != obj.get("spec")
        };
        let bump_generation = spec_changed && has_generation(&key.kind, obj);
        let old_hash = object_hash(key, obj);
        let seq = self.state.next_seq();
        let Some(obj) = self.state.objects.get_mut(key) else { return Err(format!("{key} not found")) };
        self.pod_cores.forget(key);
        json_patch::merge(obj, patch);
        if touches_more_than_status(patch) {
            // A patch may remove a defaulted field; the API server defaults it again.
            crate::defaults::apply(obj);
        }
        let meta = model::obj_mut(obj, &["metadata"]);
        meta.insert("resourceVersion".into(), json!(seq.to_string()));
        if bump_generation {
            let generation = meta.get("generation").and_then(Value::as_i64).unwrap_or(1);
            meta.insert("generation".into(), json!(generation + 1));
        }
        self.fingerprint ^= old_hash ^ object_hash(key, obj);
        if deletion_finished(key, obj) {
            self.remove(key);
            return Ok(Write::Removed);
        }
        Ok(Write::Stored)
    }

    /// [`ApiServer::patch`] of an Event: merged into its tree, stored compact again.
    fn patch_event(&mut self, key: &ObjKey, patch: &Value) -> Result<Write, String> {
        let Some(event) = self.state.events.get(key) else { return Err(format!("{key} not found")) };
        let mut tree = event.to_value(key).into_owned();
        if !merge_changes(&tree, patch) {
            return Ok(Write::Nothing);
        }
        json_patch::merge(&mut tree, patch);
        let seq = self.state.next_seq();
        model::obj_mut(&mut tree, &["metadata"]).insert("resourceVersion".into(), json!(seq.to_string()));
        self.put(key.clone(), tree);
        Ok(Write::Stored)
    }

    /// `patch` with each [`crate::actions::object_reference`] placeholder replaced by an
    /// `ObjectReference` to the object as stored now; a conflict when that object is missing.
    fn resolve_references(&self, patch: &Value) -> Result<Value, String> {
        match patch {
            Value::Object(m) => {
                if let (1, Some(target)) = (m.len(), m.get(REFERENCE_PLACEHOLDER)) {
                    let s = |f: &str| model::str_at(target, &[f]);
                    let key = ObjKey::new(s("kind"), s("namespace"), s("name"));
                    let obj = self.state.objects.get(&key).ok_or_else(|| format!("{key} not found"))?;
                    return Ok(json!({
                        "kind": key.kind,
                        "namespace": key.namespace,
                        "name": key.name,
                        "uid": model::uid(obj),
                        "apiVersion": model::str_at(obj, &["apiVersion"]),
                        "resourceVersion": model::str_at(obj, &["metadata", "resourceVersion"]),
                    }));
                }
                let mut out = serde_json::Map::new();
                for (k, v) in m {
                    out.insert(k.clone(), self.resolve_references(v)?);
                }
                Ok(Value::Object(out))
            }
            Value::Array(a) => {
                a.iter().map(|v| self.resolve_references(v)).collect::<Result<_, _>>().map(Value::Array)
            }
            other => Ok(other.clone()),
        }
    }

    /// Record `spec` as the whole effect of an action ([`Change::Emit`]) unless an alike Event
    /// (same object, type, reason and message) last occurred at `since` or later; an older alike
    /// Event is counted again. What was written: (`"create"` or `"update"`, the Event's key).
    ///
    /// An occurrence folded into an aggregate Event ([`correlator`]) is alike too: the
    /// aggregate's message still is its own, or this run folded it there at `since` or later.
    pub fn emit_event(
        &mut self,
        spec: &EventSpec,
        controller: &str,
        since: i64,
    ) -> Option<(&'static str, ObjKey)> {
        let new = self.new_event(spec, controller, &spec.on.name)?;
        let message = new.message();
        let combined = correlator::combined_message(message);
        let stored = self.events_about(&spec.on);
        let alike = stored.iter().any(|&(key, e)| {
            let last = e.last_time().unwrap_or(i64::MIN);
            if correlator::identical(e, &new) {
                return last >= since;
            }
            correlator::is_combined(e)
                && correlator::similar(e, &new)
                && ((e.message() == combined && last >= since)
                    || self.folded.get(&(key.clone(), message.to_string())).is_some_and(|&t| t >= since))
        });
        if alike {
            return None;
        }
        let message = message.to_string();
        let correlated = correlator::correlate(&stored, new, self.state.now);
        Some(self.write_event(&spec.on, correlated, message))
    }

    /// Record an Event for an admitted action; `{name}` in the message becomes `name`. The
    /// event correlator decides whether it is a new Event, a count on an Event recorded before,
    /// or part of an aggregate ([`correlator`]). What was written: (`"create"` or `"update"`,
    /// the Event's key).
    pub fn record_event(
        &mut self,
        spec: &EventSpec,
        controller: &str,
        name: &str,
    ) -> Option<(&'static str, ObjKey)> {
        let new = self.new_event(spec, controller, name)?;
        let message = new.message().to_string();
        let correlated = correlator::correlate(&self.events_about(&spec.on), new, self.state.now);
        Some(self.write_event(&spec.on, correlated, message))
    }

    /// The Events stored about an object: upstream names them `<object name>.<hex time>` in
    /// the object's namespace (`default` for a cluster-scoped object).
    fn events_about(&self, on: &ObjKey) -> Vec<(&ObjKey, &Event)> {
        let prefix = format!("{}.", on.name);
        let Some(uid) = self.state.objects.get(on).map(model::uid) else { return Vec::new() };
        crate::event::named(&self.state.events, event_namespace(on), &prefix)
            .filter(|(_, e)| e.involved("uid") == uid)
            .collect()
    }

    /// The Event the recorder makes for `spec` (`makeEvent`), not yet named nor versioned:
    /// count 1, first and last seen now.
    fn new_event(&self, spec: &EventSpec, controller: &str, name: &str) -> Option<Event> {
        let involved = self.state.objects.get(&spec.on)?;
        let now = self.state.now;
        Some(Event::Recorded(Box::new(Recorded {
            resource_version: 0,
            created: now,
            involved: Involved {
                api_version: model::str_at(involved, &["apiVersion"]).into(),
                kind: spec.on.kind.as_str().into(),
                name: spec.on.name.as_str().into(),
                namespace: (!spec.on.namespace.is_empty()).then(|| spec.on.namespace.as_str().into()),
                uid: model::uid(involved).into(),
            },
            reason: spec.reason.as_ref().into(),
            message: spec.message.replace("{name}", name).into(),
            kind: event_type(spec.kind).into(),
            component: crate::controllers::component(controller).into(),
            first: now,
            last: now,
            count: 1,
        })))
    }

    /// Store what the correlator made of an Event about `on` whose own message was `message`.
    fn write_event(
        &mut self,
        on: &ObjKey,
        correlated: Correlated,
        message: String,
    ) -> (&'static str, ObjKey) {
        let seq = self.state.next_seq();
        let (verb, key, mut event) = match correlated {
            Correlated::Create(event) => {
                // Like upstream's `<name>.<hex timestamp>`: names sort by time within one object.
                let name = format!("{}.{:010x}{:06x}", on.name, self.state.now, seq & 0xff_ffff);
                ("create", ObjKey::new("Event", event_namespace(on), &name), event)
            }
            Correlated::Update(key, event) => ("update", key, event),
        };
        event.set_resource_version(seq);
        if correlator::is_combined(&event) {
            self.folded.insert((key.clone(), message), self.state.now);
        }
        self.put_event(key.clone(), event);
        (verb, key)
    }
}

/// The namespace of an object's Events: its own, `default` for a cluster-scoped object.
fn event_namespace(on: &ObjKey) -> &str {
    if on.namespace.is_empty() {
        "default"
    } else {
        &on.namespace
    }
}

fn event_type(kind: EventType) -> &'static str {
    match kind {
        EventType::Normal => "Normal",
        EventType::Warning => "Warning",
    }
}

/// Whether the API server keeps `metadata.generation` for an object of this kind (its registry
/// strategy sets it to 1 on create and bumps it when the spec changes): the workloads and
/// Ingress among the kinds konverge knows; for other kinds (custom resources, NetworkPolicy,
/// PodDisruptionBudget, …) the objects that have a `spec`. ConfigMaps, Secrets, Services,
/// Nodes, Pods, Events and the like carry none.
fn has_generation(kind: &str, obj: &Value) -> bool {
    match model::kind_info(kind) {
        Some(_) => matches!(
            kind,
            "Deployment"
                | "ReplicaSet"
                | "ReplicationController"
                | "DaemonSet"
                | "StatefulSet"
                | "Job"
                | "CronJob"
                | "Ingress"
        ),
        None => obj.get("spec").is_some_and(|s| !s.is_null()),
    }
}

/// Whether a patch changes anything beyond `status` and `metadata` (so defaulting may apply).
fn touches_more_than_status(patch: &Value) -> bool {
    patch.as_object().is_none_or(|p| p.keys().any(|k| k != "status" && k != "metadata"))
}

/// Whether `precondition` holds for `obj` (stored under `key`); why not, as a conflict.
fn check_precondition(
    objects: &std::collections::BTreeMap<ObjKey, Value>,
    key: &ObjKey,
    obj: &Value,
    precondition: &Precondition,
) -> Result<(), String> {
    match precondition {
        Precondition::None | Precondition::ResolveReferences => Ok(()),
        Precondition::NoController if model::controller_ref(obj).is_some() => {
            Err(format!("{key} already has a controller"))
        }
        Precondition::NoController => Ok(()),
        Precondition::VolumeFreeFor { namespace, name, uid } => match model::at(obj, &["spec", "claimRef"]) {
            Some(r) if r.is_object() => {
                let (ref_uid, ref_ns, ref_name) = (
                    model::str_at(r, &["uid"]),
                    model::str_at(r, &["namespace"]),
                    model::str_at(r, &["name"]),
                );
                if ref_ns == namespace && ref_name == name && (ref_uid.is_empty() || ref_uid == uid) {
                    Ok(())
                } else {
                    Err(format!("{key} is already bound to claim {ref_ns}/{ref_name}"))
                }
            }
            _ => Ok(()),
        },
        Precondition::VolumeClaimedBy { volume } => {
            let named = model::str_at(obj, &["spec", "volumeName"]);
            if !named.is_empty() && named != volume {
                return Err(format!("{key} is already bound to volume {named}"));
            }
            let pv = objects.get(&ObjKey::new("PersistentVolume", "", volume));
            let holder = pv.map(|v| model::str_at(v, &["spec", "claimRef", "uid"])).unwrap_or("");
            if holder == model::uid(obj) {
                Ok(())
            } else {
                Err(format!("PersistentVolume {volume} is not bound to {key}"))
            }
        }
    }
}

/// What admission plugins add to a new claim or volume: `StorageObjectInUseProtection`'s
/// finalizers (`kubernetes.io/pvc-protection`, `kubernetes.io/pv-protection`) and, for a claim
/// that names no class, `DefaultStorageClass`'s default class (the newest class marked
/// default; equal times by name).
fn admit_storage(state: &State, kind: &str, obj: &mut Value) {
    use crate::facts::volumes::{
        ANN_BETA_DEFAULT_CLASS, ANN_BETA_STORAGE_CLASS, ANN_DEFAULT_CLASS, PVC_PROTECTION, PV_PROTECTION,
    };
    let finalizer = match kind {
        "PersistentVolumeClaim" => PVC_PROTECTION,
        "PersistentVolume" => PV_PROTECTION,
        _ => return,
    };
    let meta = model::obj_mut(obj, &["metadata"]);
    let list = meta.entry("finalizers").or_insert_with(|| json!([]));
    if let Some(a) = list.as_array_mut() {
        if !a.iter().any(|f| f.as_str() == Some(finalizer)) {
            a.push(json!(finalizer));
        }
    }
    let unset = model::at(obj, &["spec", "storageClassName"]).is_none_or(Value::is_null)
        && model::annotation(obj, ANN_BETA_STORAGE_CLASS).is_none();
    if kind != "PersistentVolumeClaim" || !unset {
        return;
    }
    let default = state
        .of_kind("StorageClass", None)
        .filter(|c| {
            [ANN_DEFAULT_CLASS, ANN_BETA_DEFAULT_CLASS]
                .iter()
                .any(|a| model::annotation(c, a) == Some("true"))
        })
        .max_by(|a, b| {
            let created = |c: &Value| model::parse_time(model::str_at(c, &["metadata", "creationTimestamp"]));
            created(a).cmp(&created(b)).then_with(|| model::name(b).cmp(model::name(a)))
        })
        .map(|c| model::name(c).to_string());
    if let Some(class) = default {
        model::obj_mut(obj, &["spec"]).insert("storageClassName".into(), json!(class));
    }
}

/// The fingerprint of an Event: what the event recorder folds repeats by (the object, type,
/// reason and message).
fn event_hash(event: &Event) -> u64 {
    let mut h = FxHasher::default();
    "Event".hash(&mut h);
    for path in
        [&["involvedObject", "uid"][..], &["involvedObject", "name"], &["type"], &["reason"], &["message"]]
    {
        event.text(path).hash(&mut h);
    }
    h.finish()
}

/// Whether an object being deleted has nothing left holding it once a patch removed its last
/// finalizer: the API server then deletes it. A pod on a node waits for its kubelet instead.
fn deletion_finished(key: &ObjKey, obj: &Value) -> bool {
    model::at(obj, &["metadata", "deletionTimestamp"]).is_some()
        && model::at(obj, &["metadata", "finalizers"]).and_then(Value::as_array).is_none_or(|f| f.is_empty())
        && (key.kind != "Pod" || model::str_at(obj, &["spec", "nodeName"]).is_empty())
}

/// Defaults the API server and its admission plugins give a new pod: phase Pending and the
/// `not-ready` / `unreachable` NoExecute tolerations for 300 s.
fn default_pod(pod: &mut Value) {
    let spec = model::obj_mut(pod, &["spec"]);
    let tolerations = spec.entry("tolerations").or_insert_with(|| json!([]));
    if let Some(list) = tolerations.as_array_mut() {
        for key in [crate::facts::TAINT_NOT_READY, crate::facts::TAINT_UNREACHABLE] {
            let covered = list.iter().any(|t| {
                let k = model::str_at(t, &["key"]);
                let e = model::str_at(t, &["effect"]);
                (k == key || (k.is_empty() && model::str_at(t, &["operator"]) == "Exists"))
                    && (e.is_empty() || e == "NoExecute")
            });
            if !covered {
                list.push(json!({
                    "key": key, "operator": "Exists", "effect": "NoExecute",
                    "tolerationSeconds": DEFAULT_TOLERATION_SECONDS,
                }));
            }
        }
    }
    let status = model::obj_mut(pod, &["status"]);
    status.entry("phase").or_insert_with(|| json!("Pending"));
}

/// Room left on every node: allocatable minus the requests of bound, unfinished pods, counted
/// as the scheduler counts them ([`sched::pod_requests`]).
fn node_room(state: &State) -> FxHashMap<String, Room> {
    let mut room: FxHashMap<String, Room> = state
        .of_kind("Node", None)
        .map(|node| (model::name(node).to_string(), Room::new(sched::node_allocatable(node))))
        .collect();
    for pod in state.of_kind("Pod", None) {
        if matches!(model::str_at(pod, &["status", "phase"]), "Succeeded" | "Failed") {
            continue;
        }
        if let Some(free) = room.get_mut(model::str_at(pod, &["spec", "nodeName"])) {
            free.take(&sched::pod_requests(pod));
        }
    }
    room
}

/// Five characters from [`NAME_ALPHABET`], a pure function of the prefix and a sequence number.
fn random_suffix(prefix: &str, seq: u64) -> String {
    let mut h = fnv64(&format!("{prefix}#{seq}"));
    (0..5)
        .map(|_| {
            let c = NAME_ALPHABET[(h % NAME_ALPHABET.len() as u64) as usize] as char;
            h /= NAME_ALPHABET.len() as u64;
            c
        })
        .collect()
}

/// A uid shaped like Kubernetes' (8-4-4-4-12 hex), derived from the key and a sequence number.
fn make_uid(key: &ObjKey, seq: u64) -> String {
    let a = fnv64(&format!("{key}#{seq}"));
    let b = fnv64(&format!("{seq}#{key}"));
    let hex = format!("{a:016x}{b:016x}");
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

pub fn fnv64(s: &str) -> u64 {
    let mut h = fnv::FnvHasher::default();
    h.write(s.as_bytes());
    h.finish()
}

/// Whether `json_patch::merge(target, patch)` (RFC 7386) would change `target`, decided by
/// walking the patch only: lets a patch be applied in place instead of on a copy that is then
/// compared with the original.
fn merge_changes(target: &Value, patch: &Value) -> bool {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => p.iter().any(|(k, change)| match (t.get(k), change) {
            (None, Value::Null) => false,
            (None, _) | (Some(_), Value::Null) => true,
            (Some(v), change) => merge_changes(v, change),
        }),
        // A map patch turns anything else into a map.
        (_, Value::Object(_)) => true,
        (t, p) => t != p,
    }
}

/// Hash of an object for revisit detection: its content without `metadata.resourceVersion`.
/// Walks the tree once, hashing scalars in place (no copies, no formatting): it runs twice for
/// every admitted change.
fn object_hash(key: &ObjKey, obj: &Value) -> u64 {
    fn walk(v: &Value, h: &mut FxHasher) {
        match v {
            Value::Null => h.write_u8(0),
            Value::Bool(b) => h.write_u8(if *b { 1 } else { 2 }),
            Value::Number(n) => {
                h.write_u8(3);
                n.hash(h);
            }
            Value::String(s) => {
                h.write_u8(4);
                s.hash(h);
            }
            Value::Array(a) => {
                h.write_u8(5);
                h.write_usize(a.len());
                a.iter().for_each(|v| walk(v, h));
            }
            Value::Object(m) => {
                h.write_u8(6);
                h.write_usize(m.len());
                for (k, v) in m {
                    k.hash(h);
                    walk(v, h);
                }
            }
        }
    }
    let mut h = FxHasher::default();
    key.hash(&mut h);
    match obj {
        Value::Object(m) => {
            h.write_u8(6);
            for (k, v) in m {
                k.hash(&mut h);
                match v {
                    Value::Object(meta) if k == "metadata" => {
                        h.write_u8(6);
                        for (k, v) in meta.iter().filter(|(k, _)| *k != "resourceVersion") {
                            k.hash(&mut h);
                            walk(v, &mut h);
                        }
                    }
                    _ => walk(v, &mut h),
                }
            }
        }
        other => walk(other, &mut h),
    }
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A run reads a pod's facts core once while the object is unchanged, and again after the
    /// API server writes the object (a patch, a removal).
    #[test]
    fn a_pod_core_is_kept_until_its_object_is_written() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: default, uid: u}\n\
                    spec: {containers: [{name: c, image: i}]}\nstatus: {phase: Pending}\n";
        let mut state = State::parse(text, "test").unwrap();
        let mut api = ApiServer::new(&mut state);
        let core = |api: &mut ApiServer| {
            let f = crate::facts::Facts::extract_with(api.state, &mut api.pod_cores);
            f.pods.first().map(|p| p.core.clone())
        };
        let first = core(&mut api).unwrap();
        assert!(std::sync::Arc::ptr_eq(&first, &core(&mut api).unwrap()), "unchanged: kept");
        let key = ObjKey::new("Pod", "default", "p");
        let patch = json!({"status": {"phase": "Running"}});
        api.admit(&Change::Patch { key: key.clone(), patch, precondition: Precondition::None }).unwrap();
        let patched = core(&mut api).unwrap();
        assert!(!std::sync::Arc::ptr_eq(&first, &patched), "patched: read again");
        assert_eq!(patched.phase, crate::facts::Phase::Running);
        api.remove(&key);
        assert!(core(&mut api).is_none() && api.pod_cores.is_empty(), "removed: forgotten");
    }

    #[test]
    fn generated_names_are_deterministic_and_kubernetes_shaped() {
        let a = random_suffix("myapp-", 7);
        assert_eq!(a, random_suffix("myapp-", 7));
        assert_ne!(a, random_suffix("myapp-", 8));
        assert_eq!(a.len(), 5);
        assert!(a.bytes().all(|c| NAME_ALPHABET.contains(&c)));
        let uid = make_uid(&ObjKey::new("Pod", "default", "p"), 1);
        assert_eq!(uid.len(), 36);
    }

    /// `merge_changes` agrees with applying the patch to a copy and comparing.
    #[test]
    fn merge_changes_matches_merge_then_compare() {
        let target = json!({"a": 1, "n": null, "m": {"x": [1, 2], "y": {"z": "s"}}, "s": "v"});
        let patches = [
            json!({}),
            json!({"a": 1}),
            json!({"a": 2}),
            json!({"a": null}),
            json!({"b": null}),
            json!({"n": null}),
            json!({"b": {}}),
            json!({"b": {"c": null}}),
            json!({"m": {"x": [1, 2]}}),
            json!({"m": {"x": [2, 1]}}),
            json!({"m": {"y": {"z": "s", "w": null}}}),
            json!({"m": {"y": {"z": "t"}}}),
            json!({"s": {"k": "v"}}),
            json!({"m": "flat"}),
            json!("whole"),
            json!(null),
            json!([1]),
        ];
        for patch in patches {
            let mut merged = target.clone();
            json_patch::merge(&mut merged, &patch);
            assert_eq!(merge_changes(&target, &patch), merged != target, "{patch}");
        }
        assert!(!merge_changes(&json!("whole"), &json!("whole")));
    }

    #[test]
    fn object_hash_ignores_only_the_resource_version() {
        let key = ObjKey::new("Pod", "default", "p");
        let a = json!({"metadata": {"name": "p", "resourceVersion": "1"}, "spec": {"n": 1, "s": "1"}});
        let mut b = a.clone();
        b["metadata"]["resourceVersion"] = json!("2");
        assert_eq!(object_hash(&key, &a), object_hash(&key, &b));
        for (path, value) in [("/spec/n", json!("1")), ("/spec/s", json!(1)), ("/metadata/name", json!("q"))]
        {
            let mut c = a.clone();
            *c.pointer_mut(path).unwrap() = value;
            assert_ne!(object_hash(&key, &a), object_hash(&key, &c), "{path}");
        }
    }

    /// upstream `deletionFinalizersForGarbageCollection`: an orphan (foreground) delete always
    /// leaves the `orphan` (`foregroundDeletion`) finalizer, whether or not anything names the
    /// object as owner; the garbage collector decides when it goes.
    #[test]
    fn orphan_and_foreground_deletes_always_leave_the_collectors_finalizer() {
        let mut state = State::empty();
        let mut api = ApiServer::new(&mut state);
        let pod = |name: &str| json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "default"}, "spec": {"containers": []}});
        let finalizers = |api: &ApiServer, key: &ObjKey| {
            api.state.objects.get(key).map(|o| model::at(o, &["metadata", "finalizers"]).cloned())
        };
        let a = api.create(pod("a")).unwrap().key;
        api.delete(&a, Propagation::Orphan).unwrap();
        assert_eq!(finalizers(&api, &a), Some(Some(json!(["orphan"]))), "nothing depends on a");
        let b = api.create(pod("b")).unwrap().key;
        api.delete(&b, Propagation::Foreground).unwrap();
        assert_eq!(finalizers(&api, &b), Some(Some(json!(["foregroundDeletion"]))));
        assert_eq!(api.state.objects[&b]["metadata"]["deletionGracePeriodSeconds"], json!(0));
    }

    /// upstream `TestCheckGracefulDelete` (pkg/registry/core/pod), the grace period a deleted
    /// pod gets: "in pending phase with has node name" (the default 30 s), "in failed phase with
    /// has node name", "in failed phase" (no node), "in succeeded phase", "no phase" (0: deleted
    /// at once); plus the pod's own terminationGracePeriodSeconds.
    #[test]
    fn pod_grace_period_like_check_graceful_delete() {
        let pod = |node: &str, phase: &str, grace: Option<i64>| {
            let mut p = json!({"spec": {"nodeName": node}, "status": {"phase": phase}});
            if let Some(g) = grace {
                p["spec"]["terminationGracePeriodSeconds"] = json!(g);
            }
            p
        };
        let cases = [
            ("in pending phase with has node name", pod("something", "Pending", None), 30),
            ("in failed phase with has node name", pod("something", "Failed", None), 0),
            ("in failed phase", pod("", "Pending", None), 0),
            ("in succeeded phase", pod("", "Succeeded", None), 0),
            ("no phase", pod("", "", None), 0),
            ("terminationGracePeriodSeconds 5", pod("something", "Running", Some(5)), 5),
            ("terminationGracePeriodSeconds 0", pod("something", "Running", Some(0)), 0),
            ("negative counts as 1", pod("something", "Running", Some(-3)), 1),
        ];
        for (name, p, want) in cases {
            assert_eq!(pod_grace_period(&p), want, "{name}");
        }
    }

    /// A bound pod deleted with a grace period stays until `deletionTimestamp` = now + its
    /// period; one with terminationGracePeriodSeconds 0 goes at once.
    #[test]
    fn deletion_timestamp_is_now_plus_the_grace_period() {
        let mut state = State::empty();
        let mut api = ApiServer::new(&mut state);
        let now = api.state.now;
        let pod = |name: &str, grace: i64| {
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "default"},
            "spec": {"nodeName": "n1", "terminationGracePeriodSeconds": grace, "containers": []}})
        };
        let slow = api.create(pod("slow", 45)).unwrap().key;
        api.delete(&slow, Propagation::Background).unwrap();
        let meta = &api.state.objects[&slow]["metadata"];
        assert_eq!(meta["deletionTimestamp"], json!(model::fmt_time(now + 45)));
        assert_eq!(meta["deletionGracePeriodSeconds"], json!(45));
        let at_once = api.create(pod("at-once", 0)).unwrap().key;
        api.delete(&at_once, Propagation::Background).unwrap();
        assert!(!api.state.objects.contains_key(&at_once));
    }

    #[test]
    fn unbound_pods_go_at_once_bound_pods_terminate() {
        let mut state = State::empty();
        let mut api = ApiServer::new(&mut state);
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default"}, "spec": {"containers": []}});
        let key = api.create(pod.clone()).unwrap().key;
        api.delete(&key, Propagation::Background).unwrap();
        assert!(api.state.objects.is_empty());
        let mut bound = pod;
        bound["spec"]["nodeName"] = json!("n1");
        let key = api.create(bound).unwrap().key;
        api.delete(&key, Propagation::Background).unwrap();
        assert!(api.state.objects[&key].pointer("/metadata/deletionTimestamp").is_some());
        assert!(api.delete(&key, Propagation::Background).is_err(), "second delete is a conflict");
    }
}
