//! The health verdict every reconciling command ends with: is the end state one a user would
//! call healthy, and if not, which objects are stuck and why, with the numbers behind it.
//!
//! The verdict reads only what the controllers wrote (conditions, status counts, pod phases,
//! container waiting reasons, events), the way `kubectl rollout status` and `kubectl describe`
//! let a person judge a cluster; it decides nothing the controllers act on. Causes, in the
//! order they are listed:
//! - a cluster with pods or workloads and no nodes;
//! - nodes that are not Ready;
//! - Deployments past their progress deadline (`ProgressDeadlineExceeded`), or, unpaused, with
//!   fewer updated or available replicas than asked (an old ReplicaSet still holding pods);
//! - StatefulSets, DaemonSets and ReplicaSets/ReplicationControllers no Deployment owns with
//!   fewer ready (DaemonSets: scheduled, available) pods than desired;
//! - workloads whose latest pod create the API server refused (their `FailedCreate` Event, e.g.
//!   a template naming an unknown PriorityClass);
//! - Jobs with a `Failed` condition;
//! - claims not Bound, with the PersistentVolume controller's last word on them;
//! - pods that cannot run, grouped by owner and cause: unschedulable (with what each asks for
//!   and the largest free room of any node for each resource no node has room for), gated,
//!   failing to pull or start (`ImagePullBackOff`, `CrashLoopBackOff`, …), or rejected by the
//!   kubelet (`OutOfcpu`).

use crate::facts::sched::{node_allocatable, pod_requests, Allocatable, Room};
use crate::model;
use crate::quantity::{Quantity, QuantityFormat};
use crate::state::State;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// What stops the end state from being healthy: one object (or a group of pods under one
/// owner), a short machine-readable cause and the explanation for a person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// `deployment.apps/web`, `pod/x`, `node/k8s-node1`, or `cluster`.
    pub subject: String,
    pub namespace: String,
    /// `ProgressDeadlineExceeded`, `Unschedulable`, `ClaimPending`, `NoNodes`, … .
    pub cause: String,
    pub message: String,
}

/// The verdict on an end state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Verdict {
    pub problems: Vec<Problem>,
    /// Pods Running, and nodes, for the healthy line.
    pub running: usize,
    pub nodes: usize,
}

impl Verdict {
    pub fn healthy(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Judge the state's health.
pub fn verdict(s: &State) -> Verdict {
    let mut v = Verdict {
        running: s
            .of_kind("Pod", None)
            .filter(|p| model::str_at(p, &["status", "phase"]) == "Running")
            .count(),
        nodes: s.of_kind("Node", None).count(),
        ..Verdict::default()
    };
    no_nodes(s, &mut v);
    nodes(s, &mut v);
    deployments(s, &mut v);
    workloads(s, &mut v);
    refused_creates(s, &mut v);
    jobs(s, &mut v);
    claims(s, &mut v);
    pods(s, &mut v);
    v
}

/// The verdict as text: `healthy: …` or `unhealthy: N problems` and one line per problem. A
/// run that stopped before converging (`--steps`, or no convergence) is judged as it stands:
/// `healthy so far`, or `not healthy yet` with what is still wrong.
pub fn text(v: &Verdict, converged: bool) -> String {
    if v.healthy() {
        let pods = if v.running == 1 { "1 pod".to_string() } else { format!("{} pods", v.running) };
        let nodes = if v.nodes == 1 { "1 node".to_string() } else { format!("{} nodes", v.nodes) };
        let word = if converged { "healthy" } else { "healthy so far" };
        return format!("{word}: {pods} running on {nodes}\n");
    }
    let n = v.problems.len();
    let word = if converged { "unhealthy" } else { "not healthy yet (the run stopped before converging)" };
    let mut out = format!("{word}: {n} {}\n", if n == 1 { "problem" } else { "problems" });
    let rows: Vec<Vec<String>> = v
        .problems
        .iter()
        .map(|p| {
            let subject = match p.namespace.as_str() {
                "" | "default" => p.subject.clone(),
                ns => format!("{} -n {ns}", p.subject),
            };
            vec![subject, format!("{}: {}", p.cause, p.message)]
        })
        .collect();
    for line in crate::render::table(&rows).lines() {
        out.push_str("  ");
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The verdict for the JSON trace.
pub fn json(v: &Verdict) -> Value {
    json!({
        "healthy": v.healthy(),
        "problems": v.problems.iter().map(|p| json!({
            "subject": p.subject,
            "namespace": p.namespace,
            "cause": p.cause,
            "message": p.message,
        })).collect::<Vec<_>>(),
    })
}

fn subject(obj: &Value) -> String {
    format!("{}/{}", model::resource_ref(model::str_at(obj, &["kind"])), model::name(obj))
}

fn push(v: &mut Verdict, obj: &Value, cause: &str, message: String) {
    v.problems.push(Problem {
        subject: subject(obj),
        namespace: model::str_at(obj, &["metadata", "namespace"]).to_string(),
        cause: cause.to_string(),
        message,
    });
}

fn count(obj: &Value, field: &str) -> i64 {
    model::i64_at(obj, &["status", field]).unwrap_or(0)
}

fn deleting(obj: &Value) -> bool {
    model::at(obj, &["metadata", "deletionTimestamp"]).is_some()
}

fn no_nodes(s: &State, v: &mut Verdict) {
    if v.nodes > 0 {
        return;
    }
    let waiting =
        s.of_kind("Pod", None).filter(|p| model::str_at(p, &["spec", "nodeName"]).is_empty()).count();
    if waiting == 0 {
        return;
    }
    v.problems.push(Problem {
        subject: "cluster".into(),
        namespace: String::new(),
        cause: "NoNodes".into(),
        message: format!(
            "the cluster has no nodes, so {waiting} {} cannot be scheduled; declare some with `konverge node add NAME` or a Node manifest",
            if waiting == 1 { "pod" } else { "pods" }
        ),
    });
}

fn nodes(s: &State, v: &mut Verdict) {
    for node in s.of_kind("Node", None).filter(|n| !model::node_ready(n)) {
        let ready = model::condition(node, "Ready");
        let field = |f: &str| ready.map_or("", |c| model::str_at(c, &[f]));
        let message = match (field("status"), field("reason"), field("message")) {
            ("", _, _) => "NotReady: the node reports no Ready condition".to_string(),
            (status, reason, message) => format!("NotReady (Ready={status}, {reason}): {message}"),
        };
        push(v, node, "NodeNotReady", message);
    }
}

fn deployments(s: &State, v: &mut Verdict) {
    for d in s.of_kind("Deployment", None).filter(|d| !deleting(d)) {
        let replicas = model::replicas(d);
        let (updated, available, total) =
            (count(d, "updatedReplicas"), count(d, "availableReplicas"), count(d, "replicas"));
        let numbers =
            format!("{available} of {replicas} replicas available, {updated} updated, {total} in total");
        let progressing = model::condition(d, "Progressing");
        if progressing.is_some_and(|c| model::str_at(c, &["reason"]) == "ProgressDeadlineExceeded") {
            let message = progressing.map_or("", |c| model::str_at(c, &["message"]));
            push(v, d, "ProgressDeadlineExceeded", format!("{message} {numbers}"));
        } else if model::at(d, &["spec", "paused"]).and_then(Value::as_bool) == Some(true) {
            if available < replicas {
                push(v, d, "Paused", format!("paused with {numbers}"));
            }
        } else if updated < replicas || available < replicas || total > updated {
            push(v, d, "RolloutIncomplete", numbers);
        }
    }
}

/// StatefulSets, DaemonSets, and ReplicaSets/ReplicationControllers without a controller.
fn workloads(s: &State, v: &mut Verdict) {
    for sts in s.of_kind("StatefulSet", None).filter(|o| !deleting(o)) {
        let (replicas, ready) = (model::replicas(sts), count(sts, "readyReplicas"));
        if ready < replicas {
            push(v, sts, "NotReady", format!("{ready} of {replicas} replicas ready"));
        }
    }
    for ds in s.of_kind("DaemonSet", None).filter(|o| !deleting(o)) {
        let desired = count(ds, "desiredNumberScheduled");
        let (scheduled, available) = (count(ds, "currentNumberScheduled"), count(ds, "numberAvailable"));
        if scheduled < desired {
            let missing = desired - scheduled;
            push(
                v,
                ds,
                "NodesWithoutPod",
                format!("{missing} of {desired} nodes the DaemonSet should run on have no daemon pod; {available} available"),
            );
        } else if available < desired {
            push(v, ds, "NotReady", format!("{available} of {desired} daemon pods available"));
        }
    }
    for kind in ["ReplicaSet", "ReplicationController"] {
        for rs in s.of_kind(kind, None).filter(|o| !deleting(o) && model::controller_ref(o).is_none()) {
            let (replicas, available) = (model::replicas(rs), count(rs, "availableReplicas"));
            if available < replicas {
                push(v, rs, "NotReady", format!("{available} of {replicas} replicas available"));
            }
        }
    }
}

/// Objects whose latest create Event is a `FailedCreate` (none of their creates succeeded
/// since), with the API server's words.
fn refused_creates(s: &State, v: &mut Verdict) {
    /// An object's latest create Event: when (time, then resourceVersion: the store's order
    /// tells apart Events of one second), whether it failed, and its message.
    #[derive(Default)]
    struct Latest<'a> {
        when: (Option<i64>, u64),
        failed: bool,
        message: &'a str,
    }
    let mut last: BTreeMap<(&str, &str, &str), Latest> = BTreeMap::new();
    for ev in s.events.values() {
        let failed = match ev.reason() {
            "FailedCreate" => true,
            "SuccessfulCreate" => false,
            _ => continue,
        };
        let about = |f: &str| ev.involved(f);
        let when = (ev.last_time(), ev.resource_version());
        let entry = last.entry((about("kind"), about("namespace"), about("name"))).or_default();
        if when >= entry.when {
            *entry = Latest { when, failed, message: ev.message() };
        }
    }
    for ((kind, ns, name), Latest { failed, message, .. }) in last {
        let obj = s.objects.get(&model::ObjKey::new(kind, ns, name));
        if let Some(obj) = obj.filter(|o| failed && !deleting(o)) {
            // An aggregate of refusals speaks with the latest one's words.
            push(v, obj, "FailedCreate", crate::correlator::original_message(message).to_string());
        }
    }
}

fn jobs(s: &State, v: &mut Verdict) {
    for job in s.of_kind("Job", None) {
        if let Some(c) = model::condition(job, "Failed").filter(|c| model::str_at(c, &["status"]) == "True") {
            let (reason, message) = (model::str_at(c, &["reason"]), model::str_at(c, &["message"]));
            push(
                v,
                job,
                "JobFailed",
                format!(
                    "{reason}: {message} ({} failed, {} succeeded)",
                    count(job, "failed"),
                    count(job, "succeeded")
                ),
            );
        }
    }
}

fn claims(s: &State, v: &mut Verdict) {
    // (namespace, claim) → (time, reason, message) of the claim's latest event.
    let mut last_word: BTreeMap<(&str, &str), (Option<i64>, &str, &str)> = BTreeMap::new();
    for ev in s.events.values() {
        let about = |f: &str| ev.involved(f);
        if about("kind") == "PersistentVolumeClaim" {
            let when = ev.last_time().or_else(|| ev.event_time());
            let entry = last_word.entry((about("namespace"), about("name"))).or_insert((None, "", ""));
            if when >= entry.0 {
                let message = crate::correlator::original_message(ev.message());
                *entry = (when, ev.reason(), message);
            }
        }
    }
    for pvc in s.of_kind("PersistentVolumeClaim", None).filter(|o| !deleting(o)) {
        let phase = model::str_at(pvc, &["status", "phase"]);
        if phase == "Bound" {
            continue;
        }
        let ns = model::str_at(pvc, &["metadata", "namespace"]);
        let message = match last_word.get(&(ns, model::name(pvc))) {
            // A claim of a WaitForFirstConsumer class binds when a pod uses it: waiting is its
            // normal state (a pod that cannot be placed is a problem of its own).
            Some((_, "WaitForFirstConsumer", _)) => continue,
            Some((_, _, m)) if !m.is_empty() => {
                format!("{}: {m}", if phase.is_empty() { "Pending" } else { phase })
            }
            _ => format!("{} and no volume bound", if phase.is_empty() { "Pending" } else { phase }),
        };
        push(v, pvc, "ClaimNotBound", message);
    }
}

/// Why a pod cannot run, if it cannot: (cause, message).
fn pod_trouble(pod: &Value) -> Option<(String, String)> {
    if deleting(pod) {
        return None;
    }
    let phase = model::str_at(pod, &["status", "phase"]);
    if phase == "Failed" && model::controller_ref(pod).is_none_or(|(kind, _, _)| kind != "Job") {
        let reason = model::str_at(pod, &["status", "reason"]);
        let cause = if reason.is_empty() { "PodFailed" } else { reason };
        return Some((cause.to_string(), model::str_at(pod, &["status", "message"]).to_string()));
    }
    if phase == "Succeeded" || phase == "Failed" {
        return None;
    }
    let gates: Vec<&str> = model::at(pod, &["spec", "schedulingGates"])
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|g| model::str_at(g, &["name"]))
        .collect();
    if !gates.is_empty() {
        return Some((
            "SchedulingGated".into(),
            format!("waiting for scheduling gates {}", gates.join(", ")),
        ));
    }
    if model::str_at(pod, &["spec", "nodeName"]).is_empty() {
        let c = model::condition(pod, "PodScheduled").filter(|c| model::str_at(c, &["status"]) == "False")?;
        return Some(("Unschedulable".into(), model::str_at(c, &["message"]).to_string()));
    }
    let statuses = ["initContainerStatuses", "containerStatuses"]
        .into_iter()
        .flat_map(|f| model::at(pod, &["status", f]).and_then(Value::as_array).into_iter().flatten());
    for cs in statuses {
        let reason = model::str_at(cs, &["state", "waiting", "reason"]);
        if matches!(
            reason,
            "ImagePullBackOff"
                | "ErrImagePull"
                | "CrashLoopBackOff"
                | "CreateContainerConfigError"
                | "InvalidImageName"
        ) {
            let message = model::str_at(cs, &["state", "waiting", "message"]);
            let container = model::str_at(cs, &["name"]);
            return Some((
                reason.to_string(),
                format!("container {container}: {message}").trim_end_matches(": ").to_string(),
            ));
        }
    }
    None
}

/// Pods in trouble are reported together per (namespace, owner or pod, cause).
type PodGroup = (String, String, String);

fn pods(s: &State, v: &mut Verdict) {
    // (namespace, owner subject or pod subject, cause) → (pod, message) in name order.
    let mut groups: BTreeMap<PodGroup, Vec<(&Value, String)>> = BTreeMap::new();
    for pod in s.of_kind("Pod", None) {
        let Some((cause, message)) = pod_trouble(pod) else { continue };
        let owner = match model::controller_ref(pod) {
            Some((kind, name, _)) => format!("{}/{name}", model::resource_ref(kind)),
            None => subject(pod),
        };
        let ns = model::str_at(pod, &["metadata", "namespace"]).to_string();
        groups.entry((ns, owner, cause)).or_default().push((pod, message));
    }
    if groups.is_empty() {
        return;
    }
    let free = free_room(s);
    for ((namespace, subject, cause), members) in groups {
        let (first, message) = &members[0];
        let n = members.len();
        let mut text = if subject.starts_with("pod/") {
            message.clone()
        } else {
            let state = match cause.as_str() {
                "Unschedulable" | "SchedulingGated" => "Pending",
                _ if model::str_at(first, &["status", "phase"]) == "Failed" => "Failed",
                _ => "not running",
            };
            let pods = if n == 1 { "pod" } else { "pods" };
            if members.iter().all(|(_, m)| m == message) {
                format!("{n} {pods} {state}: {message}")
            } else {
                format!("{n} {pods} {state}, as {}: {message}", model::name(first))
            }
        };
        if cause == "Unschedulable" {
            if let Some(room) = room_statement(&free, first) {
                text = format!("{} {room}", text.trim_end());
            }
        }
        v.problems.push(Problem { subject, namespace, cause, message: text });
    }
}

/// Every node's room: allocatable minus what its bound, unfinished pods request, by node name.
fn free_room(s: &State) -> Vec<(String, Room)> {
    let mut rooms: BTreeMap<String, Room> = s
        .of_kind("Node", None)
        .map(|n| (model::name(n).to_string(), Room::new(node_allocatable(n))))
        .collect();
    for pod in s.of_kind("Pod", None) {
        let phase = model::str_at(pod, &["status", "phase"]);
        if phase == "Succeeded" || phase == "Failed" {
            continue;
        }
        if let Some(room) = rooms.get_mut(model::str_at(pod, &["spec", "nodeName"])) {
            room.take(&pod_requests(pod));
        }
    }
    rooms.into_iter().collect()
}

/// For each resource a pod requests more of than any node has left: "Each pod requests cpu 8;
/// the largest free is 4 on k8s-node1.". `None` when some node has room for all of it (the pod is
/// held back by something else: taints, affinity, ports).
fn room_statement(free: &[(String, Room)], pod: &Value) -> Option<String> {
    let parts: Vec<String> = room_for(free, pod)
        .into_iter()
        .filter(|r| !r.fits())
        .map(|r| match r.resource.as_str() {
            "pods" => "needs a pod slot and every node holds its maximum of pods".to_string(),
            _ => format!(
                "requests {} {}; the largest free is {} on {}",
                r.resource, r.asked, r.largest, r.node
            ),
        })
        .collect();
    (!parts.is_empty()).then(|| format!("Each pod {}.", parts.join("; ")))
}

/// One resource a pod asks for, against the node with the most of it left.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceRoom {
    pub resource: String,
    /// What the pod requests, as a quantity (`500m`, `1Gi`; `1` pod slot).
    pub asked: String,
    /// The most any node has left, as a quantity, and that node (the first by name on a tie).
    pub largest: String,
    pub node: String,
    fits: bool,
}

impl ResourceRoom {
    /// Some node has at least the requested amount left.
    pub fn fits(&self) -> bool {
        self.fits
    }
}

/// What a pod requests (a pod slot, then cpu, memory, ephemeral-storage and extended
/// resources, as the scheduler counts them) against the largest room any node has left of
/// each, in the store as it is. Empty without nodes.
pub fn pending_pod_room(s: &State, pod: &Value) -> Vec<ResourceRoom> {
    room_for(&free_room(s), pod)
}

fn room_for(free: &[(String, Room)], pod: &Value) -> Vec<ResourceRoom> {
    let want = pod_requests(pod);
    let named = [("pods", 1), ("cpu", want.cpu_m), ("memory", want.mem), ("ephemeral-storage", want.storage)];
    let asked = named.into_iter().map(|(n, a)| (n.to_string(), a)).chain(want.scalar.iter().cloned());
    asked
        .filter(|&(_, amount)| amount > 0)
        .filter_map(|(name, amount)| {
            let (largest, node) = free
                .iter()
                .map(|(node, room)| (amount_of(&room.left, &name), node))
                .max_by(|a, b| a.0.cmp(&b.0).then_with(|| b.1.cmp(a.1)))?;
            Some(ResourceRoom {
                asked: show(&name, amount),
                largest: show(&name, largest.max(0)),
                node: node.clone(),
                fits: largest >= amount,
                resource: name,
            })
        })
        .collect()
}

/// How much of `resource` an allocatable (or what is left of one) holds.
fn amount_of(a: &Allocatable, resource: &str) -> i64 {
    match resource {
        "pods" => a.pods,
        "cpu" => a.cpu_m,
        "memory" => a.mem,
        "ephemeral-storage" => a.storage,
        scalar => a.scalar.iter().find(|(n, _)| n == scalar).map_or(0, |x| x.1),
    }
}

/// An amount as a quantity: cpu in millicores, the rest in bytes or units.
fn show(resource: &str, amount: i64) -> String {
    let q = if resource == "cpu" {
        Quantity { nano: amount as i128 * 1_000_000, format: QuantityFormat::DecimalSI }
    } else if resource == "memory" || resource == "ephemeral-storage" || resource.starts_with("hugepages-") {
        Quantity { nano: amount as i128 * 1_000_000_000, format: QuantityFormat::BinarySI }
    } else {
        Quantity { nano: amount as i128 * 1_000_000_000, format: QuantityFormat::DecimalSI }
    };
    q.to_string()
}
