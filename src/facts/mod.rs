//! Facts: the compact, typed snapshot of the cluster that every controller reads in one step.
//!
//! [`Facts::extract`] walks the store once and builds plain tables (nodes, pods, pod sets,
//! deployments, owner references) keyed by dense [`Id`]s. Crepe relations need `Copy` fields, so
//! strings that rules compare (label keys and values, taint keys, …) are interned to [`Sym`]s.
//! Where crepe has no aggregation, the submodules hold small named helpers that compute a count,
//! a sum or a rank from these tables; the rules consume those as input facts.
//!
//! A pod is read in two parts: its [`PodCore`], what its own object says (requests, labels,
//! conditions, container state, knobs), which a run keeps from step to step in a [`PodCache`]
//! until the API server writes the object; and what depends on the rest of the snapshot (its
//! id, its controller, interned strings), read every step.

pub mod cronjobs;
pub mod daemon;
pub mod deploy;
pub mod history;
pub mod intervals;
pub mod jobs;
pub mod node_selector;
pub mod pod_affinity;
pub mod pods;
pub mod sched;
pub mod spread;
pub mod stateful;
pub mod volumes;

use crate::event::Event;
use crate::model::{self, ObjKey};
use crate::selector::Selector;
use crate::state::State;
use rustc_hash::FxHashMap;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Dense index of an object in [`Facts::keys`].
pub type Id = u32;
/// Interned string (see [`Interner`]).
pub type Sym = u32;

/// String interner: equal strings get equal [`Sym`]s within one step. The empty string is
/// always [`EMPTY`].
#[derive(Debug)]
pub struct Interner {
    map: FxHashMap<String, Sym>,
    strings: Vec<String>,
}

/// The [`Sym`] of the empty string.
pub const EMPTY: Sym = 0;

impl Default for Interner {
    fn default() -> Interner {
        let mut i = Interner { map: FxHashMap::default(), strings: Vec::new() };
        i.intern("");
        i
    }
}

impl Interner {
    pub fn intern(&mut self, s: &str) -> Sym {
        if let Some(&id) = self.map.get(s) {
            return id;
        }
        let id = self.strings.len() as Sym;
        self.strings.push(s.to_string());
        self.map.insert(s.to_string(), id);
        id
    }

    pub fn get(&self, s: &str) -> Option<Sym> {
        self.map.get(s).copied()
    }

    pub fn resolve(&self, sym: Sym) -> &str {
        &self.strings[sym as usize]
    }
}

/// `status.phase` of a pod, as the small integer rules compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    Pending,
    Running,
    Succeeded,
    Failed,
    Unknown,
}

impl Phase {
    pub fn parse(s: &str) -> Phase {
        match s {
            "Running" => Phase::Running,
            "Succeeded" => Phase::Succeeded,
            "Failed" => Phase::Failed,
            "Unknown" => Phase::Unknown,
            _ => Phase::Pending,
        }
    }
}

/// The simulation knobs a pod carries (annotations copied from its template; see README).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Knobs {
    /// `konverge.io/ready-after`: seconds from Running to Ready.
    pub ready_after: i64,
    /// `konverge.io/image-pull: fail`: the image never pulls; the pod stays Pending.
    pub image_pull_fails: bool,
    /// How long a container runs before it exits: `konverge.io/run-for`, 0 for
    /// `konverge.io/crash: "true"`, [`DEFAULT_RUN_FOR`] for a Job's pods; `None`: it runs for
    /// ever (any other pod: a server, or a debugging pod imported from a cluster dump).
    pub run_for: Option<i64>,
    /// The exit code of a run that fails: `konverge.io/exit-code`, or 1 when the knobs say some
    /// runs fail (`fail-attempts`, `fail-indexes`, `crash`); 0: every run succeeds.
    pub failure_code: i64,
    /// `konverge.io/fail-attempts`: only the first N attempts fail.
    pub fail_attempts: Option<i64>,
    /// The pod's completion index is one `konverge.io/fail-indexes` lists (true when the knob is
    /// absent: every index fails alike).
    pub index_fails: bool,
    /// `konverge.io/stop-after`: seconds the containers take to exit once asked to stop (the
    /// kubelet kills them when the grace period ends first).
    pub stop_after: i64,
}

/// Seconds a container of a Job's pod runs when `konverge.io/run-for` does not say.
pub const DEFAULT_RUN_FOR: i64 = 5;

pub const KNOB_READY_AFTER: &str = "konverge.io/ready-after";
pub const KNOB_IMAGE_PULL: &str = "konverge.io/image-pull";
pub const KNOB_CRASH: &str = "konverge.io/crash";
pub const KNOB_RUN_FOR: &str = "konverge.io/run-for";
pub const KNOB_EXIT_CODE: &str = "konverge.io/exit-code";
pub const KNOB_FAIL_ATTEMPTS: &str = "konverge.io/fail-attempts";
pub const KNOB_FAIL_INDEXES: &str = "konverge.io/fail-indexes";

pub const KNOB_STOP_AFTER: &str = "konverge.io/stop-after";
/// A node annotation: `stopped` when its kubelet no longer posts status (`node fail`).
pub const KNOB_KUBELET: &str = "konverge.io/kubelet";

/// Node labels upstream's `GetZoneKey` reads, newest first.
const ZONE_LABELS: [&str; 2] = ["topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone"];
const REGION_LABELS: [&str; 2] =
    ["topology.kubernetes.io/region", "failure-domain.beta.kubernetes.io/region"];

/// The completion index annotation (and label) of an Indexed Job's pods.
pub const COMPLETION_INDEX: &str = "batch.kubernetes.io/job-completion-index";

impl Knobs {
    /// The knobs of a pod: its annotations, whether a Job controls it, and its completion index.
    pub fn read(pod: &Value, job_pod: bool, index: Option<i64>) -> Knobs {
        let knob = |k: &str| model::annotation(pod, k);
        let crashes = knob(KNOB_CRASH) == Some("true");
        let fail_attempts = knob(KNOB_FAIL_ATTEMPTS).and_then(|n| n.parse::<i64>().ok()).filter(|&n| n >= 0);
        let fail_indexes = knob(KNOB_FAIL_INDEXES).map(intervals::Intervals::parse);
        let run_for = match knob(KNOB_RUN_FOR).and_then(model::parse_duration) {
            Some(d) => Some(d),
            None if crashes => Some(0),
            None => job_pod.then_some(DEFAULT_RUN_FOR),
        };
        let some_fail = crashes || fail_attempts.is_some() || fail_indexes.is_some();
        let failure_code =
            knob(KNOB_EXIT_CODE).and_then(|c| c.parse::<i64>().ok()).unwrap_or(if some_fail { 1 } else { 0 });
        Knobs {
            stop_after: knob(KNOB_STOP_AFTER).and_then(model::parse_duration).unwrap_or(0),
            ready_after: knob(KNOB_READY_AFTER).and_then(model::parse_duration).unwrap_or(0),
            image_pull_fails: knob(KNOB_IMAGE_PULL) == Some("fail"),
            run_for,
            failure_code,
            fail_attempts,
            index_fails: fail_indexes.is_none_or(|ix| index.is_some_and(|i| ix.contains(i))),
        }
    }
}

/// `spec.restartPolicy` of a pod (Always when unset, as the API server defaults it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RestartPolicy {
    #[default]
    Always,
    OnFailure,
    Never,
}

impl RestartPolicy {
    pub fn parse(s: &str) -> RestartPolicy {
        match s {
            "OnFailure" => RestartPolicy::OnFailure,
            "Never" => RestartPolicy::Never,
            _ => RestartPolicy::Always,
        }
    }
}

/// What a pod's containers are doing, as the kubelet last reported it (its first container's
/// status: in the simulation a pod's containers start, exit and restart together).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ContainerState {
    /// Not started yet (no status, or waiting for its image).
    #[default]
    NotStarted,
    /// Running since.
    Running(i64),
    /// Exited at (finishedAt).
    Exited(i64),
    /// Waiting to be restarted (CrashLoopBackOff) after exiting at.
    BackOff(i64),
}

impl ContainerState {
    fn of(status: Option<&Value>) -> ContainerState {
        let Some(s) = status else { return ContainerState::NotStarted };
        let time = |path: &[&str]| model::parse_time(model::str_at(s, path)).unwrap_or(0);
        if model::at(s, &["state", "running"]).is_some() {
            ContainerState::Running(time(&["state", "running", "startedAt"]))
        } else if model::at(s, &["state", "terminated"]).is_some() {
            ContainerState::Exited(time(&["state", "terminated", "finishedAt"]))
        } else if model::str_at(s, &["state", "waiting", "reason"]) == "CrashLoopBackOff" {
            ContainerState::BackOff(time(&["lastState", "terminated", "finishedAt"]))
        } else {
            ContainerState::NotStarted
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReadyStatus {
    True,
    False,
    Unknown,
}

#[derive(Clone, Debug)]
pub struct NodeF {
    pub id: Id,
    pub name: Sym,
    pub ready: bool,
    /// The Ready condition's status: "True", "False" or "Unknown" (missing counts as Unknown).
    pub ready_status: ReadyStatus,
    /// lastTransitionTime of the Ready condition.
    pub ready_since: i64,
    pub unschedulable: bool,
    pub labels: Vec<(Sym, Sym)>,
    /// (key, value, effect) of `spec.taints`; `added` is the taint's timeAdded (0 if unset).
    pub taints: Vec<Taint>,
    /// `status.allocatable` (see [`sched::node_allocatable`]).
    pub alloc: sched::Allocatable,
    /// `status.conditions` other than Ready: (type, status), interned.
    pub conditions: Vec<(Sym, Sym)>,
    /// Upstream `GetZoneKey`: region and zone labels, interned ([`EMPTY`] without either).
    pub zone: Sym,
    /// `konverge.io/kubelet: stopped` (`node fail`): the kubelet no longer posts status.
    pub kubelet_stopped: bool,
    /// When the kubelet last posted status: the Ready condition's `lastHeartbeatTime`, else its
    /// `lastTransitionTime`, else the node's creation.
    pub last_heartbeat: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Taint {
    pub key: Sym,
    pub value: Sym,
    pub effect: u8,
    pub added: i64,
}

/// Taint effects as the small integers rules compare; [`ANY_EFFECT`] is a toleration's empty
/// effect, which matches all of them.
pub const ANY_EFFECT: u8 = 0;
pub const NO_SCHEDULE: u8 = 1;
pub const PREFER_NO_SCHEDULE: u8 = 2;
pub const NO_EXECUTE: u8 = 3;

pub fn effect_code(s: &str) -> u8 {
    match s {
        "NoSchedule" => NO_SCHEDULE,
        "PreferNoSchedule" => PREFER_NO_SCHEDULE,
        "NoExecute" => NO_EXECUTE,
        _ => ANY_EFFECT,
    }
}

/// Taint keys the node lifecycle controller manages.
pub const TAINT_UNREACHABLE: &str = "node.kubernetes.io/unreachable";
pub const TAINT_NOT_READY: &str = "node.kubernetes.io/not-ready";
pub const TAINT_UNSCHEDULABLE: &str = "node.kubernetes.io/unschedulable";
pub const TAINT_MEMORY_PRESSURE: &str = "node.kubernetes.io/memory-pressure";
pub const TAINT_DISK_PRESSURE: &str = "node.kubernetes.io/disk-pressure";
pub const TAINT_PID_PRESSURE: &str = "node.kubernetes.io/pid-pressure";
pub const TAINT_NETWORK_UNAVAILABLE: &str = "node.kubernetes.io/network-unavailable";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Toleration {
    /// Interned key; the empty string with `exists` tolerates every taint.
    pub key: Sym,
    pub exists: bool,
    pub value: Sym,
    /// Effect code; [`ANY_EFFECT`] matches every effect.
    pub effect: u8,
    /// `tolerationSeconds`; `None` tolerates for ever.
    pub seconds: Option<i64>,
}

/// A pod as the controllers read it: what its own object says ([`PodCore`], reached through
/// `Deref`) and what depends on the rest of the snapshot (its id, its controller, the strings
/// interned in this step's table).
#[derive(Clone, Debug)]
pub struct PodF {
    pub id: Id,
    /// Object this pod's controller reference points at, when that object exists with that uid.
    pub controller: Option<Id>,
    /// `spec.nodeName`, interned.
    pub node: Option<Sym>,
    pub waiting_reason: Sym,
    /// `spec.nodeSelector`, interned, sorted by key.
    pub node_selector: Vec<(Sym, Sym)>,
    /// Required node affinity, canonical; `None` when unset.
    pub affinity: Option<node_selector::RequiredAffinity>,
    /// Preferred node affinity: (weight, term), canonical.
    pub preferred: Vec<(i64, Vec<node_selector::NodeRequirement>)>,
    /// `spec.tolerations`, interned, in a canonical order.
    pub tolerations: Vec<Toleration>,
    /// Host ports of the pod's containers (NodePorts).
    pub host_ports: Vec<sched::HostPort>,
    /// The rest, read from the pod's object alone: shared with the previous step's facts while
    /// the object is unchanged ([`PodCache`]).
    pub core: Arc<PodCore>,
}

/// What a pod's object alone says, with no interned string and no id: the part of [`PodF`]
/// that stays valid for as long as the object does not change.
#[derive(Clone, Debug, PartialEq)]
pub struct PodCore {
    pub ns: String,
    pub labels: Vec<(String, String)>,
    /// Whether the pod carries any controller reference (even a dangling one).
    pub has_controller_ref: bool,
    pub phase: Phase,
    pub ready: bool,
    /// lastTransitionTime of the Ready condition (0 when never set).
    pub ready_since: i64,
    /// When the container started (`status.startTime`), 0 if not yet.
    pub started: i64,
    pub created: i64,
    pub deleting: bool,
    /// When the deletion was asked for: `deletionTimestamp` − `deletionGracePeriodSeconds`
    /// (0 when not being deleted).
    pub deletion_requested: i64,
    /// `deletionGracePeriodSeconds` (0 when not being deleted).
    pub grace_period: i64,
    pub restarts: i64,
    /// What the pod asks of a node (upstream `PodRequests`, see [`sched::pod_requests`]).
    pub requests: sched::Requests,
    pub priority: i64,
    /// Inter-pod affinity and anti-affinity terms; `None` when the pod has none.
    pub pod_affinity: Option<Box<pod_affinity::PodAffinity>>,
    pub knobs: Knobs,
    pub restart_policy: RestartPolicy,
    pub container: ContainerState,
    /// `batch.kubernetes.io/job-completion-index` (a pod of an Indexed Job), when valid.
    pub completion_index: Option<i64>,
    /// `spec.activeDeadlineSeconds`.
    pub active_deadline: Option<i64>,
    /// `metadata.finalizers` is not empty.
    pub has_finalizers: bool,
    pub uid: String,
    /// `controller.kubernetes.io/pod-deletion-cost`, 0 when missing or invalid.
    pub deletion_cost: i64,
    /// `status.podIP` (empty until the pod's sandbox has one).
    pub pod_ip: String,
    /// `spec.hostNetwork`: the pod uses its node's network.
    pub host_network: bool,
    /// The strings of the pod's interned fields, interned anew each step.
    pub strings: PodStrings,
}

/// The strings a pod's interned fields ([`PodF::waiting_reason`], [`PodF::node`],
/// [`PodF::node_selector`], [`PodF::tolerations`]) are read from, kept with its core so that a
/// step interns them without walking the object again.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PodStrings {
    /// The first waiting container's reason (empty when none waits).
    pub waiting_reason: String,
    /// `spec.nodeName`.
    pub node_name: String,
    /// `spec.nodeSelector`, sorted.
    pub node_selector: Vec<(String, String)>,
    /// `spec.tolerations`, in order.
    pub tolerations: Vec<TolerationText>,
}

/// A toleration as written, before its key and value are interned.
#[derive(Clone, Debug, PartialEq)]
pub struct TolerationText {
    pub key: String,
    pub exists: bool,
    pub value: String,
    pub effect: u8,
    pub seconds: Option<i64>,
}

impl PodStrings {
    fn read(obj: &Value, statuses: Option<&Vec<Value>>) -> PodStrings {
        let waiting = statuses
            .into_iter()
            .flatten()
            .map(|s| model::str_at(s, &["state", "waiting", "reason"]))
            .find(|r| !r.is_empty())
            .unwrap_or("");
        let tolerations = model::at(obj, &["spec", "tolerations"])
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|t| TolerationText {
                key: model::str_at(t, &["key"]).to_string(),
                exists: model::str_at(t, &["operator"]) == "Exists",
                value: model::str_at(t, &["value"]).to_string(),
                effect: effect_code(model::str_at(t, &["effect"])),
                seconds: model::i64_at(t, &["tolerationSeconds"]),
            })
            .collect();
        PodStrings {
            waiting_reason: waiting.to_string(),
            node_name: model::str_at(obj, &["spec", "nodeName"]).to_string(),
            node_selector: model::string_map(obj, &["spec", "nodeSelector"]),
            tolerations,
        }
    }
}

impl PodCore {
    /// Read a pod's core from its object.
    fn read(key: &ObjKey, obj: &Value) -> PodCore {
        let (ready, ready_time) = model::pod_ready(obj);
        let controller = model::controller_ref(obj);
        let statuses = model::at(obj, &["status", "containerStatuses"]).and_then(Value::as_array);
        let restarts = statuses
            .into_iter()
            .flatten()
            .filter_map(|s| model::i64_at(s, &["restartCount"]))
            .max()
            .unwrap_or(0);
        let completion_index =
            model::annotation(obj, COMPLETION_INDEX).and_then(|i| i.parse::<i64>().ok()).filter(|&i| i >= 0);
        let job_pod = controller.is_some_and(|(kind, _, _)| kind == "Job");
        let deletion_at =
            model::parse_time(model::str_at(obj, &["metadata", "deletionTimestamp"])).unwrap_or(0);
        let grace_period = if deletion_at == 0 {
            0
        } else {
            model::i64_at(obj, &["metadata", "deletionGracePeriodSeconds"]).unwrap_or(0)
        };
        let labels = model::labels(obj);
        let pod_affinity = pod_affinity::pod_affinity(obj, &key.namespace, &labels).map(Box::new);
        PodCore {
            ns: key.namespace.clone(),
            labels,
            has_controller_ref: controller.is_some(),
            phase: Phase::parse(model::str_at(obj, &["status", "phase"])),
            ready,
            ready_since: model::parse_time(ready_time).unwrap_or(0),
            started: model::parse_time(model::str_at(obj, &["status", "startTime"])).unwrap_or(0),
            created: model::parse_time(model::str_at(obj, &["metadata", "creationTimestamp"])).unwrap_or(0),
            deleting: model::at(obj, &["metadata", "deletionTimestamp"]).is_some(),
            deletion_requested: deletion_at - grace_period,
            grace_period,
            restarts,
            requests: sched::pod_requests(obj),
            priority: model::i64_at(obj, &["spec", "priority"]).unwrap_or(0),
            pod_affinity,
            knobs: Knobs::read(obj, job_pod, completion_index),
            restart_policy: RestartPolicy::parse(model::str_at(obj, &["spec", "restartPolicy"])),
            container: ContainerState::of(statuses.and_then(|s| s.first())),
            completion_index,
            active_deadline: model::i64_at(obj, &["spec", "activeDeadlineSeconds"]),
            has_finalizers: model::at(obj, &["metadata", "finalizers"])
                .and_then(Value::as_array)
                .is_some_and(|a| !a.is_empty()),
            uid: model::uid(obj).to_string(),
            deletion_cost: model::annotation(obj, "controller.kubernetes.io/pod-deletion-cost")
                .and_then(|c| c.parse().ok())
                .unwrap_or(0),
            pod_ip: model::str_at(obj, &["status", "podIP"]).to_string(),
            host_network: model::at(obj, &["spec", "hostNetwork"]).and_then(Value::as_bool) == Some(true),
            strings: PodStrings::read(obj, statuses),
        }
    }
}

impl std::ops::Deref for PodF {
    type Target = PodCore;
    fn deref(&self) -> &PodCore {
        &self.core
    }
}

/// Only tests build pods by hand and change their fields; a change copies a shared core.
impl std::ops::DerefMut for PodF {
    fn deref_mut(&mut self) -> &mut PodCore {
        Arc::make_mut(&mut self.core)
    }
}

/// The [`PodCore`]s of one run's pods, kept from step to step: a pod's core is read from its
/// object again only after the API server wrote the object ([`PodCache::forget`]). Reading a
/// core is most of reading a pod (its requests' quantities, labels, conditions, container
/// statuses), and a step writes few of the pods.
#[derive(Debug, Default)]
pub struct PodCache {
    cores: FxHashMap<ObjKey, Arc<PodCore>>,
}

impl PodCache {
    /// Drop the core of an object written since it was read.
    pub fn forget(&mut self, written: &ObjKey) {
        if written.kind == "Pod" {
            self.cores.remove(written);
        }
    }

    /// Whether no core is kept.
    pub fn is_empty(&self) -> bool {
        self.cores.is_empty()
    }

    fn core(&mut self, key: &ObjKey, obj: &Value) -> Arc<PodCore> {
        if let Some(core) = self.cores.get(key) {
            // Every test run checks that no write went past the cache.
            debug_assert_eq!(**core, PodCore::read(key, obj), "{key}: the cached core is stale");
            return core.clone();
        }
        let core = Arc::new(PodCore::read(key, obj));
        self.cores.insert(key.clone(), core.clone());
        core
    }
}

impl PodF {
    /// `controller.IsPodActive`: not Succeeded, not Failed, not being deleted.
    pub fn active(&self) -> bool {
        !matches!(self.phase, Phase::Succeeded | Phase::Failed) && !self.deleting
    }

    /// `podutil.IsPodAvailable`: ready, and with `min_ready` > 0 ready since a known time more
    /// than `min_ready` seconds before now.
    pub fn available(&self, min_ready: i64, now: i64) -> bool {
        self.available_from(min_ready).is_some_and(|t| t <= now)
    }

    /// The first (whole-second, logical) time at which a ready pod counts as available with
    /// `min_ready`; `None` when it never will as it is. Upstream compares
    /// `lastTransitionTime + minReadySeconds` *before* now, strictly, and a Ready condition
    /// without a transition time is never available once `minReadySeconds` is set: so a pod
    /// Ready at `t` is available from `t + min_ready + 1`. Controllers that count available pods
    /// ask to be woken then.
    pub fn available_from(&self, min_ready: i64) -> Option<i64> {
        match (self.ready, min_ready, self.ready_since) {
            (false, _, _) => None,
            (true, 0, _) => Some(i64::MIN),
            (true, _, 0) => None,
            (true, m, since) => Some(since + m + 1),
        }
    }
}

/// The kinds that own pods through a label selector and a pod template. Each has its own
/// controller; they share how pods are claimed (`rules/controller_ref_manager.rs`) and counted
/// (`pods::count`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WorkloadKind {
    ReplicaSet,
    ReplicationController,
    DaemonSet,
    StatefulSet,
    Job,
}

impl WorkloadKind {
    pub const ALL: [WorkloadKind; 5] = [
        WorkloadKind::ReplicaSet,
        WorkloadKind::ReplicationController,
        WorkloadKind::DaemonSet,
        WorkloadKind::StatefulSet,
        WorkloadKind::Job,
    ];

    pub fn of(kind: &str) -> Option<WorkloadKind> {
        WorkloadKind::ALL.into_iter().find(|k| k.name() == kind)
    }

    /// The Kubernetes kind.
    pub fn name(self) -> &'static str {
        match self {
            WorkloadKind::ReplicaSet => "ReplicaSet",
            WorkloadKind::ReplicationController => "ReplicationController",
            WorkloadKind::DaemonSet => "DaemonSet",
            WorkloadKind::StatefulSet => "StatefulSet",
            WorkloadKind::Job => "Job",
        }
    }
}

/// A workload: an object of a [`WorkloadKind`], with what every pod-owning controller reads.
#[derive(Clone, Debug)]
pub struct WorkloadF {
    pub id: Id,
    pub kind: WorkloadKind,
    pub ns: String,
    /// `spec.selector` (for a ReplicationController without one, its template's labels). An
    /// empty selector selects nothing here: validation rejects it on input, and a stored object
    /// with an unreadable one must not grab every pod.
    pub selector: Selector,
    /// Labels of the pod template.
    pub template_labels: Vec<(String, String)>,
    /// `spec.minReadySeconds` (0 for kinds without one).
    pub min_ready: i64,
    pub deleting: bool,
    pub generation: i64,
    pub created: i64,
    /// The workload's own controller (a Deployment for a ReplicaSet, a CronJob for a Job),
    /// when that reference resolves.
    pub controller: Option<Id>,
    /// The uid its controller reference names, resolved or not ([`EMPTY`] without one).
    pub controller_uid: Sym,
}

/// What the ReplicaSet controller reads beyond the [`WorkloadF`] of a ReplicaSet or
/// ReplicationController (the two share one controller upstream).
#[derive(Clone, Debug)]
pub struct PodSetF {
    pub id: Id,
    pub replicas: i64,
    pub observed: SetStatus,
    /// The set carries a `ReplicaFailure` condition with status True.
    pub failing: bool,
}

/// The status a ReplicaSet controller writes: replicas, fullyLabeled, ready, available,
/// observedGeneration.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SetStatus {
    pub replicas: i64,
    pub fully_labeled: i64,
    pub ready: i64,
    pub available: i64,
    pub observed_generation: i64,
}

/// One `metadata.ownerReferences` entry of any object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OwnerRefF {
    pub child: Id,
    /// The owner, when an object with the referenced uid exists.
    pub owner: Option<Id>,
    pub owner_uid: Sym,
    pub block: bool,
}

/// A finalizer of an object being deleted, as the garbage collector tells them apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Finalizing {
    /// `orphan`: dependents lose their owner reference first.
    Orphan,
    /// `foregroundDeletion`: dependents are deleted first.
    Foreground,
    /// Any other finalizer: nothing the garbage collector removes.
    Other,
}

impl Finalizing {
    fn of(name: &str) -> Finalizing {
        match name {
            "orphan" => Finalizing::Orphan,
            "foregroundDeletion" => Finalizing::Foreground,
            _ => Finalizing::Other,
        }
    }
}

/// Everything the controllers read in one step.
pub struct Facts<'s> {
    /// The snapshot itself, for the few rules that copy raw fields (pod templates).
    pub store: &'s BTreeMap<ObjKey, Value>,
    /// The store's Events.
    pub events: &'s BTreeMap<ObjKey, Event>,
    pub now: i64,
    pub syms: Interner,
    /// Every non-Event object's key (the store's own), in key order; an [`Id`] indexes this
    /// table, so ids compare as the objects' keys do.
    pub keys: Vec<&'s ObjKey>,
    /// The stored object of each id: reading one is an index, not a search of the store by key.
    values: Vec<&'s Value>,
    pub uids: Vec<Sym>,
    pub by_uid: FxHashMap<Sym, Id>,
    /// Objects with a deletionTimestamp.
    pub deleting: Vec<Id>,
    /// (object being deleted, a kind of finalizer it carries), each kind once.
    pub finalizers: Vec<(Id, Finalizing)>,
    /// Pods being deleted with a grace period (their kubelet finishes the deletion).
    pub graceful_deletions: Vec<Id>,
    pub nodes: Vec<NodeF>,
    pub pods: Vec<PodF>,
    /// Index into `pods` by object id.
    pub pod_index: FxHashMap<Id, usize>,
    pub workloads: Vec<WorkloadF>,
    /// Index into `workloads` by object id.
    pub workload_index: FxHashMap<Id, usize>,
    pub pod_sets: Vec<PodSetF>,
    pub owner_refs: Vec<OwnerRefF>,
    /// Volumes, claims, storage classes and the claims pods use.
    pub storage: volumes::StorageFacts,
    /// The Deployments' facts, built on first use ([`Facts::deploy`]): the Deployment
    /// controller and the rollout timeline read the same ones.
    deploy: std::sync::OnceLock<deploy::DeployFacts>,
}

impl<'s> Facts<'s> {
    /// Build the facts of one snapshot of the store, at its clock.
    pub fn extract(state: &'s State) -> Facts<'s> {
        Facts::build(state, None)
    }

    /// Build the facts of one snapshot of the store, reading again only the pods `cache` does
    /// not hold (a run keeps one cache from step to step).
    pub fn extract_with(state: &'s State, cache: &mut PodCache) -> Facts<'s> {
        Facts::build(state, Some(cache))
    }

    fn build(state: &'s State, mut cache: Option<&mut PodCache>) -> Facts<'s> {
        let objects = &state.objects;
        let mut f = Facts {
            store: objects,
            events: &state.events,
            now: state.now,
            syms: Interner::default(),
            keys: Vec::new(),
            values: Vec::new(),
            uids: Vec::new(),
            by_uid: FxHashMap::default(),
            deleting: Vec::new(),
            finalizers: Vec::new(),
            graceful_deletions: Vec::new(),
            nodes: Vec::new(),
            pods: Vec::new(),
            pod_index: FxHashMap::default(),
            workloads: Vec::new(),
            workload_index: FxHashMap::default(),
            pod_sets: Vec::new(),
            owner_refs: Vec::new(),
            storage: volumes::StorageFacts::default(),
            deploy: std::sync::OnceLock::new(),
        };
        for (key, obj) in objects {
            let id = f.keys.len() as Id;
            let uid = f.syms.intern(model::uid(obj));
            f.keys.push(key);
            f.values.push(obj);
            f.uids.push(uid);
            if uid != EMPTY {
                f.by_uid.insert(uid, id);
            }
        }
        // The same walk again: an object's id is its place in it.
        for (id, (key, obj)) in objects.iter().enumerate() {
            let id = id as Id;
            f.extract_common(id, obj);
            match key.kind.as_str() {
                "Node" => f.extract_node(id, obj),
                "Pod" => f.extract_pod(id, key, obj, cache.as_deref_mut()),
                kind => {
                    if let Some(kind) = WorkloadKind::of(kind) {
                        f.extract_workload(id, kind, key, obj);
                    }
                }
            }
            volumes::extract(&mut f, id, key, obj);
        }
        f
    }

    /// The pod behind an id, if it is one.
    pub fn pod(&self, id: Id) -> Option<&PodF> {
        self.pod_index.get(&id).map(|&i| &self.pods[i])
    }

    /// The workload behind an id, if it is one.
    pub fn workload(&self, id: Id) -> Option<&WorkloadF> {
        self.workload_index.get(&id).map(|&i| &self.workloads[i])
    }

    /// Workloads of one kind, in key order.
    pub fn workloads_of(&self, kind: WorkloadKind) -> impl Iterator<Item = &WorkloadF> {
        self.workloads.iter().filter(move |w| w.kind == kind)
    }

    pub fn key(&self, id: Id) -> &'s ObjKey {
        self.keys[id as usize]
    }

    /// The id of the object at `key`, if it is in the snapshot (ids are in key order).
    pub fn id_of(&self, key: &ObjKey) -> Option<Id> {
        self.keys.binary_search(&key).ok().map(|i| i as Id)
    }

    /// The stored object behind an id.
    pub fn raw(&self, id: Id) -> &'s Value {
        self.values[id as usize]
    }

    /// The object an owner reference with this uid points at, if it exists.
    pub fn resolve_uid(&self, uid: &str) -> Option<Id> {
        self.syms.get(uid).and_then(|s| self.by_uid.get(&s)).copied()
    }

    /// Whether object `owner` is the one a reference of object `child` to (kind, name) names:
    /// upstream's garbage collector (`isDangling`) looks the owner up by kind and name — in the
    /// dependent's namespace unless the owner is cluster-scoped — and then compares uids.
    fn owner_matches(&self, child: Id, owner: Id, kind: &str, name: &str) -> bool {
        let k = self.keys[owner as usize];
        let ns = &self.keys[child as usize].namespace;
        k.kind == kind && k.name == name && (k.namespace.is_empty() || k.namespace == *ns)
    }

    /// The object `obj` (object `id`)'s controller reference points at, when it resolves (uid,
    /// kind, name and namespace: [`Self::owner_matches`]).
    fn resolve_controller(&self, id: Id, obj: &Value) -> Option<Id> {
        let (kind, name, uid) = model::controller_ref(obj)?;
        self.resolve_uid(uid).filter(|&o| self.owner_matches(id, o, kind, name))
    }

    fn extract_common(&mut self, id: Id, obj: &Value) {
        for r in model::owner_refs(obj) {
            let owner_uid = self.syms.intern(model::str_at(r, &["uid"]));
            let owner = self.by_uid.get(&owner_uid).copied().filter(|&o| {
                self.owner_matches(id, o, model::str_at(r, &["kind"]), model::str_at(r, &["name"]))
            });
            let block = r.get("blockOwnerDeletion").and_then(Value::as_bool).unwrap_or(false);
            self.owner_refs.push(OwnerRefF { child: id, owner, owner_uid, block });
        }
        if model::at(obj, &["metadata", "deletionTimestamp"]).is_some() {
            self.deleting.push(id);
            let mut kinds: Vec<Finalizing> = model::at(obj, &["metadata", "finalizers"])
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(Finalizing::of)
                .collect();
            kinds.sort_unstable_by_key(|k| *k as u8);
            kinds.dedup();
            self.finalizers.extend(kinds.into_iter().map(|k| (id, k)));
            let graceful = self.keys[id as usize].kind == "Pod"
                && model::i64_at(obj, &["metadata", "deletionGracePeriodSeconds"]).is_some_and(|g| g > 0);
            if graceful {
                self.graceful_deletions.push(id);
            }
        }
    }

    fn extract_node(&mut self, id: Id, obj: &Value) {
        let cond = model::condition(obj, "Ready");
        let ready_since =
            cond.and_then(|c| model::parse_time(model::str_at(c, &["lastTransitionTime"]))).unwrap_or(0);
        let labels =
            model::labels(obj).iter().map(|(k, v)| (self.syms.intern(k), self.syms.intern(v))).collect();
        let taints = model::at(obj, &["spec", "taints"])
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|t| Taint {
                key: self.syms.intern(model::str_at(t, &["key"])),
                value: self.syms.intern(model::str_at(t, &["value"])),
                effect: effect_code(model::str_at(t, &["effect"])),
                added: model::parse_time(model::str_at(t, &["timeAdded"])).unwrap_or(0),
            })
            .collect();
        let conditions = model::at(obj, &["status", "conditions"])
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|c| model::str_at(c, &["type"]) != "Ready")
            .map(|c| {
                (
                    self.syms.intern(model::str_at(c, &["type"])),
                    self.syms.intern(model::str_at(c, &["status"])),
                )
            })
            .collect();
        let name = self.syms.intern(&self.keys[id as usize].name);
        let zone = self.syms.intern(&zone_key(obj));
        let time =
            |v: Option<&Value>, path: &[&str]| v.and_then(|c| model::parse_time(model::str_at(c, path)));
        let last_heartbeat = time(cond, &["lastHeartbeatTime"])
            .or(time(cond, &["lastTransitionTime"]))
            .or(time(Some(obj), &["metadata", "creationTimestamp"]))
            .unwrap_or(0);
        self.nodes.push(NodeF {
            id,
            name,
            ready: model::node_ready(obj),
            ready_status: match cond.map(|c| model::str_at(c, &["status"])) {
                Some("True") => ReadyStatus::True,
                Some("False") => ReadyStatus::False,
                _ => ReadyStatus::Unknown,
            },
            ready_since,
            unschedulable: model::at(obj, &["spec", "unschedulable"])
                .and_then(Value::as_bool)
                .unwrap_or(false),
            labels,
            taints,
            alloc: sched::node_allocatable(obj),
            conditions,
            zone,
            kubelet_stopped: model::annotation(obj, KNOB_KUBELET) == Some("stopped"),
            last_heartbeat,
        });
    }

    fn extract_pod(&mut self, id: Id, key: &ObjKey, obj: &Value, cache: Option<&mut PodCache>) {
        let core = match cache {
            Some(cache) => cache.core(key, obj),
            None => Arc::new(PodCore::read(key, obj)),
        };
        // Interned in the same order whether the core was read again or not: a symbol's number
        // depends only on the snapshot.
        let strings = &core.strings;
        let waiting_reason = self.syms.intern(&strings.waiting_reason);
        let node = (!strings.node_name.is_empty()).then(|| self.syms.intern(&strings.node_name));
        let node_selector =
            strings.node_selector.iter().map(|(k, v)| (self.syms.intern(k), self.syms.intern(v))).collect();
        let mut tolerations: Vec<Toleration> = strings
            .tolerations
            .iter()
            .map(|t| Toleration {
                key: self.syms.intern(&t.key),
                exists: t.exists,
                value: self.syms.intern(&t.value),
                effect: t.effect,
                seconds: t.seconds,
            })
            .collect();
        // Canonical order, so that equal pods share a scheduling class.
        tolerations.sort_unstable_by_key(|t| (t.key, t.exists, t.value, t.effect, t.seconds));
        tolerations.dedup();
        let mut intern = |s: &str| self.syms.intern(s);
        let affinity = node_selector::required_affinity(obj, &mut intern);
        let preferred = node_selector::preferred_affinity(obj, &mut intern);
        let host_ports = sched::host_ports(obj, &mut intern);
        let controller = self.resolve_controller(id, obj);
        self.pod_index.insert(id, self.pods.len());
        self.pods.push(PodF {
            id,
            controller,
            node,
            waiting_reason,
            node_selector,
            affinity,
            preferred,
            tolerations,
            host_ports,
            core,
        });
    }

    fn extract_workload(&mut self, id: Id, kind: WorkloadKind, key: &ObjKey, obj: &Value) {
        let template_labels = model::string_map(obj, &["spec", "template", "metadata", "labels"]);
        let selector = match (kind, model::at(obj, &["spec", "selector"])) {
            (WorkloadKind::ReplicationController, Some(s)) => Selector::from_map(s).unwrap_or_default(),
            (WorkloadKind::ReplicationController, None) => Selector::equal_to(&template_labels),
            (_, Some(s)) => Selector::from_label_selector(s).unwrap_or_default(),
            (_, None) => Selector::default(),
        };
        let controller = self.resolve_controller(id, obj);
        let controller_uid = model::controller_ref(obj).map_or(EMPTY, |(_, _, uid)| self.syms.intern(uid));
        self.workload_index.insert(id, self.workloads.len());
        self.workloads.push(WorkloadF {
            id,
            kind,
            ns: key.namespace.clone(),
            selector,
            template_labels,
            min_ready: model::i64_at(obj, &["spec", "minReadySeconds"]).unwrap_or(0),
            deleting: model::at(obj, &["metadata", "deletionTimestamp"]).is_some(),
            generation: model::i64_at(obj, &["metadata", "generation"]).unwrap_or(1),
            created: model::parse_time(model::str_at(obj, &["metadata", "creationTimestamp"])).unwrap_or(0),
            controller,
            controller_uid,
        });
        if matches!(kind, WorkloadKind::ReplicaSet | WorkloadKind::ReplicationController) {
            let st = |k: &str| model::i64_at(obj, &["status", k]).unwrap_or(0);
            self.pod_sets.push(PodSetF {
                id,
                replicas: model::replicas(obj),
                observed: SetStatus {
                    replicas: st("replicas"),
                    fully_labeled: st("fullyLabeledReplicas"),
                    ready: st("readyReplicas"),
                    available: st("availableReplicas"),
                    observed_generation: st("observedGeneration"),
                },
                failing: model::condition(obj, "ReplicaFailure")
                    .is_some_and(|c| model::str_at(c, &["status"]) == "True"),
            });
        }
    }
}

/// Upstream `nodetopology.GetZoneKey`: `region:\0:zone` from the node's topology labels (the
/// beta failure-domain labels when the GA ones are missing); empty without either.
fn zone_key(node: &Value) -> String {
    let labels = model::labels(node);
    let label = |keys: [&str; 2]| {
        keys.iter()
            .find_map(|k| labels.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str()))
            .unwrap_or("")
    };
    let (zone, region) = (label(ZONE_LABELS), label(REGION_LABELS));
    if zone.is_empty() && region.is_empty() {
        String::new()
    } else {
        format!("{region}:\0:{zone}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(conditions: Value) -> PodF {
        let text = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default", "uid": "u"},
            "status": {"phase": "Running", "conditions": conditions}})
        .to_string();
        let state = crate::state::State::parse(&text, "test").unwrap();
        let f = Facts::extract(&state);
        f.pods[0].clone()
    }

    /// upstream `TestIsPodAvailable` (pkg/api/v1/pod): not ready is never available; ready with
    /// minReadySeconds 0 is; ready for exactly minReadySeconds is not yet (the comparison is
    /// strict), one second more is; a Ready condition without a transition time never counts
    /// once minReadySeconds is set.
    #[test]
    fn is_pod_available_like_upstream() {
        let now = 10_000;
        let ready_since = |secs_ago: i64| {
            pod(
                json!([{"type": "Ready", "status": "True", "lastTransitionTime": model::fmt_time(now - secs_ago)}]),
            )
        };
        let not_ready =
            pod(json!([{"type": "Ready", "status": "False", "lastTransitionTime": model::fmt_time(now)}]));
        let no_transition_time = pod(json!([{"type": "Ready", "status": "True"}]));
        let cases = [
            ("not ready, minReadySeconds 0", &not_ready, 0, false),
            ("ready now, minReadySeconds 1", &ready_since(0), 1, false),
            ("ready now, minReadySeconds 0", &ready_since(0), 0, true),
            ("ready 51 s ago, minReadySeconds 50", &ready_since(51), 50, true),
            ("ready exactly 50 s ago, minReadySeconds 50", &ready_since(50), 50, false),
            ("no transition time, minReadySeconds 0", &no_transition_time, 0, true),
            ("no transition time, minReadySeconds 5", &no_transition_time, 5, false),
        ];
        for (name, p, min_ready, want) in cases {
            assert_eq!(p.available(min_ready, now), want, "{name}");
        }
        assert_eq!(
            ready_since(0).available_from(30),
            Some(now + 31),
            "the wake-up is the first available second"
        );
    }

    /// upstream `GetZoneKey`: region and zone (GA labels first, the beta ones otherwise), empty
    /// without either.
    #[test]
    fn zone_key_like_upstream() {
        let node = |labels: Value| json!({"metadata": {"labels": labels}});
        assert_eq!(zone_key(&node(json!({}))), "");
        assert_eq!(
            zone_key(&node(
                json!({"topology.kubernetes.io/region": "r", "topology.kubernetes.io/zone": "z"})
            )),
            "r:\0:z"
        );
        assert_eq!(zone_key(&node(json!({"failure-domain.beta.kubernetes.io/zone": "b"}))), ":\0:b");
        assert_eq!(
            zone_key(&node(
                json!({"topology.kubernetes.io/zone": "ga", "failure-domain.beta.kubernetes.io/zone": "b"})
            )),
            ":\0:ga"
        );
    }
}
