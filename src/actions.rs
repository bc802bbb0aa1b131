//! Actions: what a controller proposes in one step, with who proposed it and why.
//!
//! Rules derive facts; their glue turns the derived facts into [`Action`]s. The driver admits
//! them like an API server would (see `driver.rs`) and records them in the trace.

use crate::model::ObjKey;
use serde_json::Value;

/// How dependents are treated when their owner is deleted (`--cascade`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Propagation {
    Background,
    Foreground,
    Orphan,
}

impl Propagation {
    /// kubectl's `--cascade` values; `true`/`false` are the old spellings.
    pub fn parse(s: &str) -> Option<Propagation> {
        match s {
            "background" | "true" => Some(Propagation::Background),
            "foreground" => Some(Propagation::Foreground),
            "orphan" | "false" => Some(Propagation::Orphan),
            _ => None,
        }
    }
}

/// What must still hold when a patch is admitted; otherwise it is a conflict (HTTP 409).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Precondition {
    None,
    /// The object has no controller reference (adoption).
    NoController,
    /// The patch holds [`object_reference`] placeholders: each names an object that must exist
    /// when the patch is admitted (a conflict otherwise) and becomes an `ObjectReference` to it
    /// as it is then, with its uid and resourceVersion — how a controller records in its status
    /// an object it created earlier in the same step (a CronJob's `status.active`).
    ResolveReferences,
    /// Binding a PersistentVolume: its `spec.claimRef` is unset, or names this claim (namespace
    /// and name, and uid when the ref has one). A volume another claim took first in the same
    /// step is refused, as the API server refuses a stale write with a 409.
    VolumeFreeFor {
        namespace: String,
        name: String,
        uid: String,
    },
    /// Binding a PersistentVolumeClaim to `volume`: that volume's `spec.claimRef` now carries
    /// the claim's uid, and the claim names no other volume.
    VolumeClaimedBy {
        volume: String,
    },
}

/// The key a placeholder for an `ObjectReference` is written under (see
/// [`Precondition::ResolveReferences`]).
pub const REFERENCE_PLACEHOLDER: &str = "$objectReference";

/// A placeholder, in a patch, for an `ObjectReference` to the object `key` names.
pub fn object_reference(key: &ObjKey) -> Value {
    serde_json::json!({REFERENCE_PLACEHOLDER: {"kind": key.kind, "namespace": key.namespace, "name": key.name}})
}

#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// Create an object. When `metadata.generateName` is set and `metadata.name` is not, the
    /// API server picks the name.
    Create { object: Value },
    /// Delete an object: graceful for pods on a node, cascading per `propagation`.
    Delete { key: ObjKey, propagation: Propagation },
    /// Bind a pending pod to a node.
    Bind { pod: ObjKey, node: String },
    /// Set `spec.replicas` (and any annotations in `patch`).
    Scale { key: ObjKey, replicas: i64, patch: Option<Value> },
    /// JSON merge patch of an object (status, labels, owner references, annotations, …).
    Patch { key: ObjKey, patch: Value, precondition: Precondition },
    /// Remove an object whose deletion has finished (grace period over, finalizers done).
    Remove { key: ObjKey },
    /// Record the action's Event and nothing else, unless an Event alike (same object, type,
    /// reason and message) was recorded at `since` or later: a controller that reconciles every
    /// step tells of one situation once. An older alike Event is counted again (`count`,
    /// `lastTimestamp`), as client-go's event correlator does.
    Emit { since: i64 },
}

/// The verb recorded in the trace (`"action"` in the JSON trace).
impl Change {
    pub fn verb(&self) -> &'static str {
        match self {
            Change::Create { .. } => "create",
            Change::Delete { .. } => "delete",
            Change::Bind { .. } => "bind",
            Change::Scale { .. } => "scale",
            Change::Patch { .. } | Change::Remove { .. } => "update",
            Change::Emit { .. } => "create",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventType {
    Normal,
    Warning,
}

/// The Event an admitted action records (`kubectl describe` shows it). `{name}` in the
/// message is replaced by the name the object got.
#[derive(Clone, Debug, PartialEq)]
pub struct EventSpec {
    pub on: ObjKey,
    pub kind: EventType,
    /// Fixed for most Events; built for a few (the kubelet's `OutOf<resource>`).
    pub reason: std::borrow::Cow<'static, str>,
    pub message: String,
}

/// Stands, in an [`Action::or_when_forbidden`] action, for the API server's refusal.
pub const FORBIDDEN_PLACEHOLDER: &str = "{forbidden}";

#[derive(Clone, Debug, PartialEq)]
pub struct Action {
    pub change: Change,
    pub controller: &'static str,
    /// One sentence with the numbers the controller used.
    pub reason: String,
    /// The Events it records, in order.
    pub events: Vec<EventSpec>,
    /// States the object passes through before this write (merge patches, in order), where
    /// one write here stands for several of upstream's: watches see each (`get -w`); the store
    /// keeps only the last.
    pub interim: Vec<Value>,
    /// What the controller does instead when admission forbids this action (see
    /// [`Action::or_when_forbidden`]).
    pub when_forbidden: Option<Box<Action>>,
    /// Not tried once admission forbade an action of the step for this object (see
    /// [`Action::unless_forbidden_for`]).
    pub unless_forbidden_for: Option<ObjKey>,
}

impl Action {
    pub fn new(change: Change, controller: &'static str, reason: impl Into<String>) -> Action {
        Action {
            change,
            controller,
            reason: reason.into(),
            events: Vec::new(),
            interim: Vec::new(),
            when_forbidden: None,
            unless_forbidden_for: None,
        }
    }

    /// An action whose whole effect is an Event (see [`Change::Emit`]).
    pub fn event_only(
        controller: &'static str,
        reason: impl Into<String>,
        since: i64,
        event: EventSpec,
    ) -> Action {
        Action {
            change: Change::Emit { since },
            controller,
            reason: reason.into(),
            events: vec![event],
            interim: Vec::new(),
            when_forbidden: None,
            unless_forbidden_for: None,
        }
    }

    /// Record one more Event when the action is admitted.
    pub fn with_event(
        mut self,
        on: &ObjKey,
        kind: EventType,
        reason: impl Into<std::borrow::Cow<'static, str>>,
        message: impl Into<String>,
    ) -> Action {
        self.events.push(EventSpec { on: on.clone(), kind, reason: reason.into(), message: message.into() });
        self
    }

    /// What the controller does when admission forbids this action (a pod its template makes
    /// that names an unknown PriorityClass): `instead` is admitted in its place, with
    /// [`FORBIDDEN_PLACEHOLDER`] in its patch's strings and its Events' messages replaced by the
    /// API server's words — upstream's controllers record the error as a `FailedCreate` Event
    /// (and a ReplicaSet as its `ReplicaFailure` condition). Later actions of the step that
    /// carry an `instead` for the same object are not tried, as upstream's `slowStartBatch`
    /// stops creating at the first failure.
    pub fn or_when_forbidden(mut self, instead: Action) -> Action {
        self.when_forbidden = Some(Box::new(instead));
        self
    }

    /// A write that holds only if the controller's earlier actions of the step for `subject`
    /// were admitted: it is not tried once one of them was forbidden (their `instead` names
    /// `subject`). A ReplicaSet removes its `ReplicaFailure` condition in the sync whose creates
    /// succeed (upstream `calculateStatus` with no `manageReplicas` error); a refused create
    /// leaves it.
    pub fn unless_forbidden_for(mut self, subject: &ObjKey) -> Action {
        self.unless_forbidden_for = Some(subject.clone());
        self
    }

    /// A state the object passes through before this write (see [`Action::interim`]).
    pub fn with_interim(mut self, patch: Value) -> Action {
        self.interim.push(patch);
        self
    }
}
