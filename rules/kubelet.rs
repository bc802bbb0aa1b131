//! kubelet, simulated: what happens to a pod once it is bound to a node.
//!
//! A pod on a Ready node starts (Pending → Running) on the step after it is bound and is Ready
//! at once, or `konverge.io/ready-after` later. `konverge.io/image-pull: fail` keeps it Pending
//! (ErrImagePull, then ImagePullBackOff); `konverge.io/crash: "true"` makes it Running but never
//! Ready (CrashLoopBackOff). A terminating pod on a Ready node is removed once its containers
//! have stopped: at once after SIGTERM, or `konverge.io/stop-after` later, but never later than
//! its grace period (`deletionGracePeriodSeconds`, when the kubelet kills what is left) —
//! unless it still carries finalizers: then, as with the API server, it stays (Terminating)
//! until whoever owns them removes them. A pod whose PersistentVolumeClaims are not all Bound
//! (or that uses one that does not exist) waits Pending for them, as the kubelet's volume
//! manager does. A kubelet on a node that is not Ready does nothing.

use crate::actions::{Action, Change, EventType, Precondition};
use crate::controllers::{Controller, Proposals};
use crate::facts::volumes::ClaimUse;
use crate::facts::{Facts, Id, Phase, Sym};
use crate::model;
use crepe::crepe;
use rustc_hash::FxBuildHasher;
use serde_json::{json, Value};

/// Waiting reasons as codes.
const NOT_WAITING: u8 = 0;
const ERR_IMAGE_PULL: u8 = 1;
const IMAGE_PULL_BACKOFF: u8 = 2;
const CRASH_LOOP: u8 = 3;

/// The name this controller's actions carry in the trace.
pub const NAME: &str = "kubelet";

pub const CONTROLLER: Controller = Controller { name: NAME, component: "kubelet", reconcile };

crepe! {
    // (pod, node name, phase, ready, being deleted, started at).
    @input
    pub struct BoundPod(Id, Sym, Phase, bool, bool, i64);
    // Nodes whose kubelet is up (the node exists and is Ready, and `node fail` did not stop
    // its kubelet), by name.
    @input
    pub struct NodeUp(Sym);
    // (pod, ready-after seconds, image pull fails, crashes).
    @input
    pub struct Knobs(Id, i64, bool, bool);
    @input
    pub struct Waiting(Id, u8);
    @input
    pub struct Now(i64);
    // Pods with `metadata.finalizers`: their deletion waits for them.
    @input
    pub struct HasFinalizers(Id);
    // A pod being deleted: (pod, deletion asked for at, grace period, stop-after seconds).
    @input
    pub struct Terminating(Id, i64, i64, i64);

    // (pod, when its containers are gone, killed at the end of the grace period).
    struct Stopped(Id, i64, bool);

    // A pod uses a claim that does not exist.
    @input
    pub struct UsesMissingClaim(Id);
    // (pod, claim) for every claim a pod uses.
    @input
    pub struct UsesClaim(Id, Id);
    // A claim the kubelet can mount: Bound, not being deleted.
    @input
    pub struct ClaimReady(Id);

    // The volume manager waits for every claim the pod uses to be bound before the
    // containers start.
    struct VolumesWaiting(Id);
    VolumesWaiting(p) <- UsesMissingClaim(p);
    VolumesWaiting(p) <- UsesClaim(p, c), !ClaimReady(c);
    struct Mountable(Id);
    Mountable(p) <- Live(p, Phase::Pending, _, _), !VolumesWaiting(p);

    struct Live(Id, Phase, bool, i64);
    // Start the containers: (pod, ready at once).
    @output
    pub struct Start(Id, bool);
    @output
    pub struct CrashLoop(Id);
    @output
    pub struct PullFails(Id, u8);
    @output
    pub struct BecomeReady(Id);
    // Remove a pod whose containers are gone: (pod, killed at the end of its grace period).
    @output
    pub struct Finish(Id, bool);
    @output
    pub struct Wake(i64);

    Live(p, phase, ready, started) <- BoundPod(p, node, phase, ready, false, started), NodeUp(node);
    Start(p, delay == 0) <- Mountable(p), Knobs(p, delay, false, false);
    CrashLoop(p) <- Mountable(p), Knobs(p, _, false, true);
    PullFails(p, ERR_IMAGE_PULL) <- Mountable(p), Knobs(p, _, true, _), Waiting(p, NOT_WAITING);
    PullFails(p, IMAGE_PULL_BACKOFF) <- Mountable(p), Knobs(p, _, true, _), Waiting(p, ERR_IMAGE_PULL);
    BecomeReady(p) <-
        Live(p, Phase::Running, false, started), Knobs(p, delay, _, false), (delay > 0), Now(now),
        (started + delay <= now);
    Wake(started + delay) <-
        Live(p, Phase::Running, false, started), Knobs(p, delay, _, false), (delay > 0), Now(now),
        (started + delay > now);
    Stopped(p, at + stop.min(grace), stop > grace) <- Terminating(p, at, grace, stop);
    Finish(p, killed) <-
        BoundPod(p, node, _, _, true, _), NodeUp(node), !HasFinalizers(p), Stopped(p, t, killed), Now(now),
        (t <= now);
    Wake(t) <- BoundPod(p, node, _, _, true, _), NodeUp(node), Stopped(p, t, _), Now(now), (t > now);
}

pub fn reconcile(f: &Facts) -> Proposals {
    let mut rt = Crepe::new();
    let waiting_code = |s: Sym| match f.syms.resolve(s) {
        "ErrImagePull" => ERR_IMAGE_PULL,
        "ImagePullBackOff" => IMAGE_PULL_BACKOFF,
        "CrashLoopBackOff" => CRASH_LOOP,
        _ => NOT_WAITING,
    };
    for p in f.pods.iter().filter(|p| p.node.is_some()) {
        let node = p.node.unwrap_or_default();
        rt.extend([BoundPod(p.id, node, p.phase, p.ready, p.deleting, p.started)]);
        rt.extend([Knobs(p.id, p.knobs.ready_after, p.knobs.image_pull_fails, p.knobs.crashes)]);
        rt.extend([Waiting(p.id, waiting_code(p.waiting_reason))]);
        if p.deleting {
            rt.extend([Terminating(p.id, p.deletion_requested, p.grace_period, p.knobs.stop_after)]);
        }
    }
    rt.extend(f.nodes.iter().filter(|n| n.ready && !n.kubelet_stopped).map(|n| NodeUp(n.name)));
    rt.extend([Now(f.now)]);
    rt.extend(
        f.pods
            .iter()
            .filter(|p| p.deleting && p.node.is_some())
            .filter(|p| {
                model::at(f.raw(p.id), &["metadata", "finalizers"])
                    .and_then(Value::as_array)
                    .is_some_and(|a| !a.is_empty())
            })
            .map(|p| HasFinalizers(p.id)),
    );
    for (pod, _, _, state) in crate::facts::volumes::claim_uses(f) {
        match state {
            ClaimUse::Missing => rt.extend([UsesMissingClaim(pod)]),
            ClaimUse::Claim { claim, deleting, bound, .. } => {
                rt.extend([UsesClaim(pod, claim)]);
                if bound && !deleting {
                    rt.extend([ClaimReady(claim)]);
                }
            }
        }
    }
    let (starts, crashes, pulls, readies, finishes, wakes) = rt.run_with_hasher::<FxBuildHasher>();

    let now = model::fmt_time(f.now);
    let mut out: Vec<(Id, Action)> = Vec::new();
    let patch = |pod: Id, status: Value, reason: String| {
        Action::new(
            Change::Patch {
                key: f.key(pod).clone(),
                patch: json!({"status": status}),
                precondition: Precondition::None,
            },
            NAME,
            reason,
        )
    };
    for Start(p, ready) in starts {
        let status =
            pod_status(f.raw(p), "Running", ready, &now, &now, json!({"running": {"startedAt": now}}), 0);
        let reason = if ready { "started; Running, Ready" } else { "started; Running, not Ready yet" };
        out.push((
            p,
            patch(p, status, reason.into()).with_event(
                f.key(p),
                EventType::Normal,
                "Started",
                "Started container",
            ),
        ));
    }
    for CrashLoop(p) in crashes {
        let waiting = json!({"waiting": {"reason": "CrashLoopBackOff", "message": "back-off restarting failed container"}});
        let status = pod_status(f.raw(p), "Running", false, &now, &now, waiting, 1);
        out.push((
            p,
            patch(p, status, "container exits at once: CrashLoopBackOff".into()).with_event(
                f.key(p),
                EventType::Warning,
                "BackOff",
                "Back-off restarting failed container",
            ),
        ));
    }
    for PullFails(p, code) in pulls {
        let reason = if code == ERR_IMAGE_PULL { "ErrImagePull" } else { "ImagePullBackOff" };
        let waiting = json!({"waiting": {"reason": reason, "message": "image cannot be pulled (konverge.io/image-pull: fail)"}});
        let status = pod_status(f.raw(p), "Pending", false, &now, "", waiting, 0);
        out.push((
            p,
            patch(p, status, format!("image pull fails: {reason}")).with_event(
                f.key(p),
                EventType::Warning,
                "Failed",
                format!("Failed to pull image: {reason}"),
            ),
        ));
    }
    for BecomeReady(p) in readies {
        let pod = f.raw(p);
        let started = model::str_at(pod, &["status", "startTime"]).to_string();
        let running = json!({"running": {"startedAt": started}});
        let status = pod_status(pod, "Running", true, &now, &started, running, 0);
        let delay = model::annotation(pod, crate::facts::KNOB_READY_AFTER).unwrap_or("0s");
        out.push((p, patch(p, status, format!("Ready after {delay} (konverge.io/ready-after)"))));
    }
    for Finish(p, killed) in finishes {
        let why = if killed {
            "grace period over: containers killed, pod removed"
        } else {
            "containers stopped: pod removed"
        };
        out.push((p, Action::new(Change::Remove { key: f.key(p).clone() }, NAME, why)));
    }
    out.sort_by(|a, b| f.key(a.0).cmp(f.key(b.0)));
    let mut wakes: Vec<i64> = wakes.into_iter().map(|Wake(t)| t).collect();
    wakes.sort_unstable();
    Proposals::new(out.into_iter().map(|(_, a)| a).collect(), wakes)
}

/// A full pod status as the kubelet reports it.
fn pod_status(
    pod: &Value,
    phase: &str,
    ready: bool,
    now: &str,
    started: &str,
    state: Value,
    restarts: i64,
) -> Value {
    let flag = if ready { "True" } else { "False" };
    let containers: Vec<Value> = model::at(pod, &["spec", "containers"])
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|c| {
            json!({
                "name": model::str_at(c, &["name"]),
                "image": model::str_at(c, &["image"]),
                "ready": ready,
                "restartCount": restarts,
                "started": phase == "Running",
                "state": state,
            })
        })
        .collect();
    let mut status = json!({
        "phase": phase,
        "conditions": [
            {"type": "Initialized", "status": "True", "lastTransitionTime": now},
            {"type": "Ready", "status": flag, "lastTransitionTime": now},
            {"type": "ContainersReady", "status": flag, "lastTransitionTime": now},
            {"type": "PodScheduled", "status": "True", "lastTransitionTime": model::str_at(pod, &["metadata", "creationTimestamp"])},
        ],
        "containerStatuses": containers,
    });
    if !started.is_empty() {
        status["startTime"] = Value::String(started.to_string());
    }
    status
}
