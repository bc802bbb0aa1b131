//! kubelet, simulated: what happens to a pod once it is bound to a node (upstream `pkg/kubelet`:
//! the pod worker, `kuberuntime_manager.go`'s restart back-off, `status/generate.go`'s
//! conditions, the active deadline handler).
//!
//! Admission (`lifecycle.PredicateAdmitHandler`, NodeResourcesFit's `fitsRequest`): a pod bound
//! to the node is admitted, in creation order, when it fits the node's allocatable beside the
//! pods already admitted — pod slots, cpu, memory, ephemeral-storage and scalar resources as
//! upstream's `PodRequests` counts them. One that does not fit even alone is refused: Failed,
//! reason `OutOf<resource>` (the first short resource in that order) and upstream's
//! "Pod was rejected: Node didn't have enough resource: …" — what happens to a pod created with
//! `spec.nodeName` on a full node, since it never passes the scheduler. One that fits alone but
//! not after the older pods awaiting admission waits a step for their verdicts.
//!
//! A pod on a Ready node starts (Pending → Running) on the step after it is bound and is Ready
//! at once, or `konverge.io/ready-after` later (a container that exits at once is never Ready).
//! `konverge.io/image-pull: fail` keeps it Pending (ErrImagePull, then ImagePullBackOff).
//!
//! Containers that exit (`konverge.io/run-for`; pods with restartPolicy OnFailure or Never run
//! a few seconds by default; `konverge.io/crash: "true"` exits at once with code 1) exit with
//! their run's code (`konverge.io/exit-code`, `fail-attempts`, `fail-indexes`). Then, as the
//! kubelet's `getPhase`: restartPolicy Never ends the pod Succeeded (code 0) or Failed;
//! OnFailure ends it Succeeded on code 0 and restarts the container otherwise; Always restarts
//! it whatever the code. A restart follows upstream's back-off: the first exit restarts at
//! once, then the container waits in CrashLoopBackOff 10 s, 20 s, 40 s, … up to 5 min
//! (`flowcontrol.Backoff` with `backOffPeriod` 10 s and `MaxContainerBackOff` 300 s; the reset
//! after 10 minutes of running is not simulated). Restarts of run-to-completion pods are work in
//! progress (the clock jumps to them); a crash-looping restartPolicy Always pod loops for ever,
//! so its timers are only visited while an `advance` lets the clock run.
//!
//! The pod sandbox is created when the kubelet first starts the pod's containers or tries to
//! pull their images (`kuberuntime_manager.go`'s `SyncPod`: `createPodSandbox` before the
//! containers); its network gives a pod without an IP one (`status.podIP`, `podIPs`, with the
//! node's `hostIP`): a `hostNetwork` pod its node's InternalIP, any other the lowest free
//! address of the node's pod CIDR ([`crate::network`] picks which).
//!
//! `spec.activeDeadlineSeconds` past `status.startTime`: the pod fails with reason
//! DeadlineExceeded. A terminating pod on a Ready node is removed once its containers have
//! stopped: at once after SIGTERM, or `konverge.io/stop-after` later, but never later than its
//! grace period (`deletionGracePeriodSeconds`, when the kubelet kills what is left) — unless it
//! still carries finalizers: then its containers are stopped all the same (the pod ends Failed)
//! and, as with the API server, it stays (Terminating) until whoever owns the finalizers
//! removes them. A pod whose PersistentVolumeClaims are not all Bound (or that uses
//! one that does not exist) waits Pending for them, as the kubelet's volume manager does. A
//! kubelet on a node that is not Ready does nothing.

use crate::actions::{Action, Change, EventType, Precondition};
use crate::controllers::{Controller, Proposals};
use crate::facts::volumes::ClaimUse;
use crate::facts::{pods, sched, ContainerState, Facts, Id, Phase, PodF, RestartPolicy, Sym};
use crate::{model, network};
use crepe::crepe;
use rustc_hash::FxBuildHasher;
use serde_json::{json, Map, Value};
use std::borrow::Cow;

/// Waiting reasons of image pulls as codes.
const NOT_WAITING: u8 = 0;
const ERR_IMAGE_PULL: u8 = 1;
const IMAGE_PULL_BACKOFF: u8 = 2;

/// Container states as codes (see [`ContainerState`]).
const NOT_STARTED: u8 = 0;
const RUNNING: u8 = 1;
const EXITED: u8 = 2;
const BACK_OFF: u8 = 3;

/// Upstream kubelet's `backOffPeriod` and `MaxContainerBackOff`, in seconds.
pub const INITIAL_BACK_OFF: i64 = 10;
pub const MAX_BACK_OFF: i64 = 300;

/// The exit code of a container the kubelet kills (SIGKILL).
const KILLED: i64 = 137;

/// The name this controller's actions carry in the trace.
pub const NAME: &str = "kubelet";

pub const CONTROLLER: Controller = Controller { name: NAME, component: "kubelet", reconcile };

/// Seconds between the exit of a container already restarted `restarts` times and its next
/// start: the first exit restarts at once (the kubelet has no back-off entry for it yet), later
/// ones wait 10 s doubling up to 5 min.
pub fn crash_loop_back_off(restarts: i64) -> i64 {
    if restarts <= 0 {
        return 0;
    }
    let doublings = (restarts - 1).min(10) as u32;
    (INITIAL_BACK_OFF << doublings).min(MAX_BACK_OFF)
}

crepe! {
    // (pod, node name, phase, ready, being deleted).
    @input
    pub struct BoundPod(Id, Sym, Phase, bool, bool);
    // Nodes whose kubelet is up (the node exists and is Ready, and `node fail` did not stop
    // its kubelet), by name.
    @input
    pub struct NodeUp(Sym);
    // (pod, ready-after seconds, image pull fails).
    @input
    pub struct Knobs(Id, i64, bool);
    @input
    pub struct Waiting(Id, u8);
    @input
    pub struct Policy(Id, RestartPolicy);
    // (pod, container state, since: start time when running, exit time when exited or backing
    // off, restarts).
    @input
    pub struct Container(Id, u8, i64, i64);
    // (pod, seconds a run lasts) for containers that exit.
    @input
    pub struct RunFor(Id, i64);
    // (pod, exit code of a failing run); 0 when every run succeeds.
    @input
    pub struct FailureCode(Id, i64);
    // (pod, how many first attempts fail).
    @input
    pub struct FailAttempts(Id, i64);
    // (pod, which attempt the current run is).
    @input
    pub struct Attempt(Id, i64);
    // The pod's completion index is one the knobs make fail.
    @input
    pub struct IndexFails(Id);
    // (pod, time at which its activeDeadlineSeconds have passed).
    @input
    pub struct Deadline(Id, i64);
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
    struct StoppedNow(Id, bool);
    // A pod uses a claim that does not exist.
    @input
    pub struct UsesMissingClaim(Id);
    // (pod, claim) for every claim a pod uses.
    @input
    pub struct UsesClaim(Id, Id);
    // A claim the kubelet can mount: Bound, not being deleted.
    @input
    pub struct ClaimReady(Id);

    // Admission (`lifecycle.PredicateAdmitHandler`, NodeResourcesFit's `fitsRequest`): a
    // pod bound to the node and not admitted yet, the pods awaiting admission before it
    // (creation order) and the admitted ones must fit the node's allocatable.
    @input
    pub struct AwaitingAdmission(Id);
    // (pod, resource index, amount).
    @input
    pub struct Wants(Id, u32, i64);
    // (pod, resource index, what it and the pods awaiting admission before it request).
    @input
    pub struct Ahead(Id, u32, i64);
    // (node, resource index, allocatable, used by admitted pods).
    @input
    pub struct NodeUse(Sym, u32, i64, i64);
    // (pod, resource index): the node has too little of it even for this pod alone.
    @output
    pub struct Rejected(Id, u32);
    // The pods before it awaiting admission may take the room it needs: it waits for them.
    struct Crowded(Id);
    struct Held(Id);
    struct Admitting(Id, Sym);

    Admitting(p, node) <- AwaitingAdmission(p), Live(p, Phase::Pending, _), BoundPod(p, node, _, _, _);
    Rejected(p, r) <- Admitting(p, node), Wants(p, r, want), NodeUse(node, r, cap, used), (want > cap - used);
    Crowded(p) <- Admitting(p, node), Ahead(p, r, total), NodeUse(node, r, cap, used), (total > cap - used);
    Held(p) <- Crowded(p);
    Held(p) <- Rejected(p, _);

    // The volume manager waits for every claim the pod uses to be bound before the
    // containers start.
    struct VolumesWaiting(Id);
    VolumesWaiting(p) <- UsesMissingClaim(p);
    VolumesWaiting(p) <- UsesClaim(p, c), !ClaimReady(c);
    struct Mountable(Id);
    Mountable(p) <- Live(p, Phase::Pending, _), !VolumesWaiting(p), !Held(p);

    struct Live(Id, Phase, bool);
    struct Active(Id, Phase);
    struct Expired(Id);
    struct InstantExit(Id);
    struct AttemptLimited(Id);
    struct RunFails(Id);
    struct ExitCode(Id, i64);
    struct ExitDue(Id, i64);
    struct Exiting(Id);
    struct Down(Id, i64, i64);

    // The pod's sandbox network: pods that already have an IP, pods on the node's network.
    @input
    pub struct HasPodIp(Id);
    @input
    pub struct HostNetwork(Id);
    struct Sandbox(Id);
    // The sandbox gives the pod an address of the node's pod CIDR, or the node's own.
    @output
    pub struct AssignPodIp(Id);
    @output
    pub struct UseNodeIp(Id);

    // Start the containers: (pod, ready at once).
    @output
    pub struct Start(Id, bool);
    @output
    pub struct PullFails(Id, u8);
    @output
    pub struct BecomeReady(Id);
    // The containers exit: (pod, exit code, phase of the pod after).
    @output
    pub struct Exit(Id, i64, Phase);
    // An exited container waits to be restarted: (pod, back-off seconds).
    @output
    pub struct BackOff(Id, i64);
    @output
    pub struct Restart(Id);
    @output
    pub struct DeadlineExceeded(Id);
    // A pod being deleted that finalizers hold: stop its containers.
    @output
    pub struct Stop(Id);
    // Remove a pod whose containers are gone: (pod, killed at the end of its grace period).
    @output
    pub struct Finish(Id, bool);
    // (time, work in progress): a time to look again; restarts of a pod that loops for ever
    // (restartPolicy Always) are not work in progress.
    @output
    pub struct Timer(i64, bool);

    Live(p, phase, ready) <- BoundPod(p, node, phase, ready, false), NodeUp(node);
    Active(p, phase) <- Live(p, phase, _), (phase == Phase::Pending || phase == Phase::Running);

    // The active deadline (upstream `activeDeadlineHandler.ShouldEvict`).
    Expired(p) <- Active(p, _), Deadline(p, t), Now(now), (t <= now);
    DeadlineExceeded(p) <- Expired(p);
    Timer(t, true) <- Active(p, _), Deadline(p, t), Now(now), (t > now);

    // Starting.
    InstantExit(p) <- RunFor(p, 0);
    Start(p, delay == 0) <-
        Mountable(p), Container(p, NOT_STARTED, _, _), Knobs(p, delay, false), !Expired(p),
        !InstantExit(p);
    Start(p, false) <-
        Mountable(p), Container(p, NOT_STARTED, _, _), Knobs(p, _, false), !Expired(p),
        InstantExit(p);
    PullFails(p, ERR_IMAGE_PULL) <-
        Mountable(p), Knobs(p, _, true), Waiting(p, NOT_WAITING), !Expired(p);
    PullFails(p, IMAGE_PULL_BACKOFF) <-
        Mountable(p), Knobs(p, _, true), Waiting(p, ERR_IMAGE_PULL), !Expired(p);

    // The sandbox, created with the first start or image pull, and its network.
    Sandbox(p) <- Start(p, _);
    Sandbox(p) <- PullFails(p, _);
    AssignPodIp(p) <- Sandbox(p), !HasPodIp(p), !HostNetwork(p);
    UseNodeIp(p) <- Sandbox(p), !HasPodIp(p), HostNetwork(p);

    // The code a run exits with.
    AttemptLimited(p) <- FailAttempts(p, _);
    RunFails(p) <- FailureCode(p, code), (code != 0), IndexFails(p), !AttemptLimited(p);
    RunFails(p) <-
        FailureCode(p, code), (code != 0), IndexFails(p), FailAttempts(p, n), Attempt(p, a), (a < n);
    ExitCode(p, code) <- RunFails(p), FailureCode(p, code);
    ExitCode(p, 0) <- FailureCode(p, _), !RunFails(p);

    // Exiting (upstream `getPhase`).
    ExitDue(p, code) <-
        Live(p, Phase::Running, _), Container(p, RUNNING, since, _), RunFor(p, run), Now(now),
        (since + run <= now), ExitCode(p, code), !Expired(p);
    Exiting(p) <- ExitDue(p, _);
    Timer(since + run, policy != RestartPolicy::Always) <-
        Live(p, Phase::Running, _), Container(p, RUNNING, since, _), RunFor(p, run), Now(now),
        (since + run > now), Policy(p, policy);
    Exit(p, 0, Phase::Succeeded) <- ExitDue(p, 0), Policy(p, policy), (policy != RestartPolicy::Always);
    Exit(p, code, Phase::Failed) <- ExitDue(p, code), (code != 0), Policy(p, RestartPolicy::Never);
    Exit(p, code, Phase::Running) <- ExitDue(p, code), Policy(p, RestartPolicy::Always);
    Exit(p, code, Phase::Running) <- ExitDue(p, code), (code != 0), Policy(p, RestartPolicy::OnFailure);

    // Readiness.
    BecomeReady(p) <-
        Live(p, Phase::Running, false), Container(p, RUNNING, since, _), Knobs(p, delay, _), (delay > 0),
        Now(now), (since + delay <= now), !Exiting(p), !Expired(p), !InstantExit(p);
    Timer(since + delay, true) <-
        Live(p, Phase::Running, false), Container(p, RUNNING, since, _), Knobs(p, delay, _), (delay > 0),
        Now(now), (since + delay > now), !InstantExit(p);

    // Restarting after the back-off.
    Down(p, at, restarts) <- Live(p, Phase::Running, _), Container(p, EXITED, at, restarts), !Expired(p);
    Down(p, at, restarts) <- Live(p, Phase::Running, _), Container(p, BACK_OFF, at, restarts), !Expired(p);
    Restart(p) <- Down(p, at, restarts), Now(now), (at + crash_loop_back_off(restarts) <= now);
    BackOff(p, delay) <-
        Live(p, Phase::Running, _), Container(p, EXITED, at, restarts), !Expired(p),
        let delay = crash_loop_back_off(restarts), Now(now), (at + delay > now);
    Timer(at + delay, policy != RestartPolicy::Always) <-
        Down(p, at, restarts), let delay = crash_loop_back_off(restarts), Now(now), (at + delay > now),
        Policy(p, policy);

    // Deletion: the containers get SIGTERM and stop on their own (`stop-after`), or are killed
    // when the grace period ends first.
    Stopped(p, at + stop.min(grace), stop > grace) <- Terminating(p, at, grace, stop);
    StoppedNow(p, killed) <-
        BoundPod(p, node, _, _, true), NodeUp(node), Stopped(p, t, killed), Now(now), (t <= now);
    Timer(t, true) <- BoundPod(p, node, _, _, true), NodeUp(node), Stopped(p, t, _), Now(now), (t > now);
    Finish(p, killed) <- StoppedNow(p, killed), !HasFinalizers(p);
    Stop(p) <-
        StoppedNow(p, _), HasFinalizers(p), BoundPod(p, _, phase, _, true),
        (phase != Phase::Succeeded && phase != Phase::Failed);
}

/// Whether no rule above can fire for a bound pod, whatever the clock says: it is not being
/// deleted, and it has finished (the rules act on pending and running pods and on
/// deletions), or it runs for ever, Ready, with no active deadline (no start, exit,
/// readiness, restart or deadline rule applies). The rules are fed the other pods only, so a
/// step costs what the pods that can change cost; debug builds, and so every test, evaluate
/// them over every bound pod as well and check that the kubelet proposes the same.
fn settled(p: &PodF) -> bool {
    if p.deleting {
        return false;
    }
    match p.phase {
        Phase::Succeeded | Phase::Failed => true,
        Phase::Running => {
            p.ready
                && matches!(p.container, ContainerState::Running(_))
                && p.knobs.run_for.is_none()
                && deadline(p).is_none()
        }
        Phase::Pending | Phase::Unknown => false,
    }
}

/// When a started pod's activeDeadlineSeconds have passed.
fn deadline(p: &PodF) -> Option<i64> {
    p.active_deadline.filter(|_| p.started > 0).map(|seconds| p.started + seconds)
}

pub fn reconcile(f: &Facts) -> Proposals {
    let proposals = propose(f, |p| !settled(p));
    debug_assert!(
        proposals == propose(f, |_| true),
        "the kubelet proposes something else for a pod `settled` leaves out"
    );
    proposals
}

/// What the kubelet does, its rules fed the bound pods `feed` accepts.
fn propose(f: &Facts, feed: impl Fn(&PodF) -> bool) -> Proposals {
    let mut rt = Crepe::new();
    let waiting_code = |s: Sym| match f.syms.resolve(s) {
        "ErrImagePull" => ERR_IMAGE_PULL,
        "ImagePullBackOff" => IMAGE_PULL_BACKOFF,
        _ => NOT_WAITING,
    };
    let attempts = pods::attempts(f);
    for p in f.pods.iter().filter(|p| feed(p)) {
        let Some(node) = p.node else { continue };
        rt.extend([BoundPod(p.id, node, p.phase, p.ready, p.deleting)]);
        rt.extend([Knobs(p.id, p.knobs.ready_after, p.knobs.image_pull_fails)]);
        rt.extend([Waiting(p.id, waiting_code(p.waiting_reason))]);
        rt.extend([Policy(p.id, p.restart_policy)]);
        if !p.pod_ip.is_empty() {
            rt.extend([HasPodIp(p.id)]);
        }
        if p.host_network {
            rt.extend([HostNetwork(p.id)]);
        }
        let (state, since) = match p.container {
            ContainerState::NotStarted => (NOT_STARTED, 0),
            ContainerState::Running(t) => (RUNNING, t),
            ContainerState::Exited(t) => (EXITED, t),
            ContainerState::BackOff(t) => (BACK_OFF, t),
        };
        rt.extend([Container(p.id, state, since, p.restarts)]);
        if let Some(run) = p.knobs.run_for {
            rt.extend([RunFor(p.id, run)]);
            rt.extend([FailureCode(p.id, p.knobs.failure_code)]);
        }
        if let Some(n) = p.knobs.fail_attempts {
            rt.extend([FailAttempts(p.id, n)]);
            rt.extend([Attempt(p.id, attempts.get(&p.id).copied().unwrap_or(0))]);
        }
        if p.knobs.index_fails {
            rt.extend([IndexFails(p.id)]);
        }
        if let Some(at) = deadline(p) {
            rt.extend([Deadline(p.id, at)]);
        }
        if p.has_finalizers {
            rt.extend([HasFinalizers(p.id)]);
        }
        if p.deleting {
            rt.extend([Terminating(p.id, p.deletion_requested, p.grace_period, p.knobs.stop_after)]);
        }
    }
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
    let admission = sched::admission(f);
    rt.extend(admission.awaiting.iter().map(|&p| AwaitingAdmission(p)));
    rt.extend(admission.wants.iter().map(|&(p, r, x)| Wants(p, r, x)));
    rt.extend(admission.ahead.iter().map(|&(p, r, x)| Ahead(p, r, x)));
    rt.extend(admission.node_use.iter().map(|&(n, r, cap, used)| NodeUse(n, r, cap, used)));
    rt.extend(f.nodes.iter().filter(|n| n.ready && !n.kubelet_stopped).map(|n| NodeUp(n.name)));
    rt.extend([Now(f.now)]);
    let (
        rejected,
        pod_network,
        node_network,
        starts,
        pulls,
        readies,
        exits,
        back_offs,
        restarts,
        deadlines,
        stops,
        finishes,
        timers,
    ) = rt.run_with_hasher::<FxBuildHasher>();
    let addresses = network::pod_addresses(
        f,
        &pod_network.into_iter().map(|AssignPodIp(p)| p).collect::<Vec<_>>(),
        &node_network.into_iter().map(|UseNodeIp(p)| p).collect::<Vec<_>>(),
    );
    let with_address = |p: Id, mut status: Value| {
        if let (Some(Value::Object(fields)), Value::Object(s)) = (addresses.get(&p), &mut status) {
            s.extend(fields.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        status
    };

    let now = model::fmt_time(f.now);
    let mut out: Vec<(Id, Action)> = Vec::new();
    let mut creating_first: Vec<(usize, Value)> = Vec::new();
    let mut write =
        |p: Id, status: Value, reason: String, event: Option<(EventType, Cow<'static, str>, String)>| {
            let mut action = Action::new(
                Change::Patch {
                    key: f.key(p).clone(),
                    patch: json!({"status": status}),
                    precondition: Precondition::None,
                },
                NAME,
                reason,
            );
            if let Some((kind, why, message)) = event {
                action = action.with_event(f.key(p), kind, why, message);
            }
            out.push((p, action));
            out.len() - 1
        };
    for (p, resource) in first_reasons(rejected.into_iter().map(|Rejected(p, r)| (p, r))) {
        let message = admission.insufficient(f, p, resource);
        let reason = format!("OutOf{}", admission.resources[resource as usize]);
        let status = json!({
            "phase": "Failed", "reason": reason,
            "message": format!("Pod was rejected: {message}"), "startTime": now,
        });
        write(
            p,
            status,
            format!("admission refused: {message}"),
            Some((EventType::Warning, reason.into(), message)),
        );
    }
    for Start(p, ready) in starts {
        let pod = f.raw(p);
        let mut status = pod_status(pod, "Running", ready, &now, |_| running(&now, ready, 0, None));
        status["startTime"] = json!(now);
        let status = with_address(p, status);
        let why = if ready { "started; Running, Ready" } else { "started; Running, not Ready yet" };
        let event = (EventType::Normal, "Started".into(), "Started container".to_string());
        let at = write(p, status, why.into(), Some(event));
        // Upstream reports the containers being created first (`ContainerCreating`).
        let waiting = json!({"waiting": {"reason": "ContainerCreating"}});
        let creating = pod_status(
            pod,
            "Pending",
            false,
            &now,
            |c| json!({"state": waiting, "ready": false, "started": false, "restartCount": restart_count(c)}),
        );
        creating_first.push((at, json!({"status": with_address(p, creating)})));
    }
    for PullFails(p, code) in pulls {
        let reason = if code == ERR_IMAGE_PULL { "ErrImagePull" } else { "ImagePullBackOff" };
        let waiting = json!({"waiting": {"reason": reason, "message": "image cannot be pulled (konverge.io/image-pull: fail)"}});
        let status = pod_status(
            f.raw(p),
            "Pending",
            false,
            &now,
            |c| json!({"state": waiting, "ready": false, "started": false, "restartCount": restart_count(c)}),
        );
        let status = with_address(p, status);
        let event = (EventType::Warning, "Failed".into(), format!("Failed to pull image: {reason}"));
        write(p, status, format!("image pull fails: {reason}"), Some(event));
    }
    for BecomeReady(p) in readies {
        let pod = f.raw(p);
        let status = pod_status(pod, "Running", true, &now, |c| {
            let mut s = c.cloned().unwrap_or_else(|| json!({}));
            s["ready"] = json!(true);
            s
        });
        let delay = model::annotation(pod, crate::facts::KNOB_READY_AFTER).unwrap_or("0s");
        write(p, status, format!("Ready after {delay} (konverge.io/ready-after)"), None);
    }
    for Exit(p, code, phase) in exits {
        let phase = phase_name(phase);
        let status = pod_status(f.raw(p), phase, false, &now, |c| {
            let started = c.map(|s| model::str_at(s, &["state", "running", "startedAt"])).unwrap_or("");
            json!({
                "state": {"terminated": terminated(code, started, &now)},
                "lastState": c.and_then(|s| s.get("lastState")).cloned().unwrap_or_else(|| json!({})),
                "ready": false, "started": false, "restartCount": restart_count(c),
            })
        });
        let why = match phase {
            "Running" => format!("container exited with code {code}: restart ({})", policy_word(f, p)),
            _ => format!("container exited with code {code}: {phase}"),
        };
        write(p, status, why, None);
    }
    for BackOff(p, delay) in back_offs {
        let pod = f.raw(p);
        let message = format!(
            "back-off {} restarting failed container={} pod={}",
            go_duration(delay),
            first_container(pod),
            pod_ref(pod)
        );
        let status = pod_status(pod, "Running", false, &now, |c| {
            json!({
                "state": {"waiting": {"reason": "CrashLoopBackOff", "message": message}},
                "lastState": {"terminated": c.and_then(|s| model::at(s, &["state", "terminated"])).cloned()},
                "ready": false, "started": false, "restartCount": restart_count(c),
            })
        });
        let event =
            format!("Back-off restarting failed container {} in pod {}", first_container(pod), pod_ref(pod));
        write(
            p,
            status,
            format!("CrashLoopBackOff: restart in {}", go_duration(delay)),
            Some((EventType::Warning, "BackOff".into(), event)),
        );
    }
    for Restart(p) in restarts {
        let pod = f.raw(p);
        let ready = f.pod(p).is_some_and(|pf| pf.knobs.ready_after == 0 && pf.knobs.run_for != Some(0));
        let status = pod_status(pod, "Running", ready, &now, |c| {
            let last = c.and_then(|s| {
                model::at(s, &["state", "terminated"]).or_else(|| model::at(s, &["lastState", "terminated"]))
            });
            running(&now, ready, restart_count(c) + 1, last)
        });
        let count = f.pod(p).map_or(0, |pf| pf.restarts) + 1;
        let event = (EventType::Normal, "Started".into(), "Started container".to_string());
        write(p, status, format!("container restarted (restart {count})"), Some(event));
    }
    for DeadlineExceeded(p) in deadlines {
        let message = "Pod was active on the node longer than the specified deadline";
        let mut status = pod_status(f.raw(p), "Failed", false, &now, |c| killed(c, &now));
        status["reason"] = json!("DeadlineExceeded");
        status["message"] = json!(message);
        let seconds = f.pod(p).and_then(|pf| pf.active_deadline).unwrap_or(0);
        let why =
            format!("activeDeadlineSeconds {seconds} passed: containers killed, Failed (DeadlineExceeded)");
        write(p, status, why, Some((EventType::Warning, "DeadlineExceeded".into(), message.to_string())));
    }
    for Stop(p) in stops {
        let pod = f.raw(p);
        let status = pod_status(pod, "Failed", false, &now, |c| killed(c, &now));
        let event =
            (EventType::Normal, "Killing".into(), format!("Stopping container {}", first_container(pod)));
        write(
            p,
            status,
            "being deleted: containers stopped, Failed; finalizers hold the pod".into(),
            Some(event),
        );
    }
    for (at, patch) in creating_first {
        let (_, action) = &mut out[at];
        action.interim.push(patch);
    }
    for Finish(p, grace_over) in finishes {
        let why = if grace_over {
            "grace period over: containers killed, pod removed"
        } else {
            "containers stopped: pod removed"
        };
        let mut remove = Action::new(Change::Remove { key: f.key(p).clone() }, NAME, why);
        let pod = f.raw(p);
        if !matches!(model::str_at(pod, &["status", "phase"]), "Succeeded" | "Failed") {
            // Upstream stops the containers (exit 0 on SIGTERM, 137 once the grace period is
            // over) and reports the pod's terminal phase before the final delete
            // (`getPhase` with `podIsTerminal`).
            let code = if grace_over { KILLED } else { 0 };
            let mut status = pod_status(pod, "Succeeded", false, &now, |c| stopped(c, code, &now));
            let exits =
                model::at(&status, &["containerStatuses"]).and_then(Value::as_array).into_iter().flatten();
            if exits.into_iter().any(|c| model::i64_at(c, &["state", "terminated", "exitCode"]) != Some(0)) {
                status["phase"] = json!("Failed");
            }
            remove = remove.with_interim(json!({"status": status}));
        }
        out.push((p, remove));
    }
    out.sort_by(|a, b| f.key(a.0).cmp(f.key(b.0)));
    let mut proposals = Proposals::new(out.into_iter().map(|(_, a)| a).collect(), Vec::new());
    for Timer(t, in_progress) in timers {
        if in_progress {
            proposals.wakes.push(t);
        } else {
            proposals.schedules.push(t);
        }
    }
    for times in [&mut proposals.wakes, &mut proposals.schedules] {
        times.sort_unstable();
        times.dedup();
    }
    proposals
}

/// Of each pod's refused resources, the first in upstream's order (the kubelet reports only
/// the first reason), pods in id order.
fn first_reasons(refused: impl Iterator<Item = (Id, u32)>) -> Vec<(Id, u32)> {
    let mut refused: Vec<(Id, u32)> = refused.collect();
    refused.sort_unstable();
    refused.dedup_by_key(|r| r.0);
    refused
}

fn phase_name(phase: Phase) -> &'static str {
    match phase {
        Phase::Pending => "Pending",
        Phase::Running => "Running",
        Phase::Succeeded => "Succeeded",
        Phase::Failed => "Failed",
        Phase::Unknown => "Unknown",
    }
}

fn policy_word(f: &Facts, p: Id) -> &'static str {
    match f.pod(p).map(|pf| pf.restart_policy) {
        Some(RestartPolicy::OnFailure) => "restartPolicy OnFailure",
        _ => "restartPolicy Always",
    }
}

fn restart_count(status: Option<&Value>) -> i64 {
    status.and_then(|s| model::i64_at(s, &["restartCount"])).unwrap_or(0)
}

/// A running container's status, after `restarts` restarts, the previous run being `last`.
fn running(now: &str, ready: bool, restarts: i64, last: Option<&Value>) -> Value {
    let last_state = last.map_or_else(|| json!({}), |t| json!({"terminated": t}));
    json!({
        "state": {"running": {"startedAt": now}},
        "lastState": last_state,
        "ready": ready, "started": true, "restartCount": restarts,
    })
}

/// The `terminated` state of a run that exited with `code`.
fn terminated(code: i64, started: &str, now: &str) -> Value {
    let mut t = Map::new();
    t.insert("exitCode".into(), json!(code));
    t.insert("reason".into(), json!(if code == 0 { "Completed" } else { "Error" }));
    if !started.is_empty() {
        t.insert("startedAt".into(), json!(started));
    }
    t.insert("finishedAt".into(), json!(now));
    Value::Object(t)
}

/// A container's status once the kubelet has killed it: a running one exits with 137, one
/// that already exited keeps that exit, one never started is unknown (upstream
/// `ContainerStatusUnknown`).
fn killed(status: Option<&Value>, now: &str) -> Value {
    stopped(status, KILLED, now)
}

/// A container's status once the kubelet has stopped it: a running one exits with `code` (0
/// when it stopped on SIGTERM within its grace period, 137 when killed), one that already
/// exited keeps that exit, one never started is unknown.
fn stopped(status: Option<&Value>, code: i64, now: &str) -> Value {
    let state = status.and_then(|s| model::at(s, &["state"]));
    let last = status.and_then(|s| model::at(s, &["lastState", "terminated"]));
    let ended = match (state.and_then(|s| s.get("running")), state.and_then(|s| s.get("terminated")), last) {
        (Some(r), _, _) => terminated(code, model::str_at(r, &["startedAt"]), now),
        (_, Some(t), _) => t.clone(),
        (_, _, Some(t)) => t.clone(),
        _ => json!({
            "exitCode": KILLED, "reason": "ContainerStatusUnknown", "finishedAt": now,
            "message": "The container could not be located when the pod was terminated",
        }),
    };
    json!({
        "state": {"terminated": ended},
        "lastState": status.and_then(|s| s.get("lastState")).cloned().unwrap_or_else(|| json!({})),
        "ready": false, "started": false, "restartCount": restart_count(status),
    })
}

fn first_container(pod: &Value) -> &str {
    model::at(pod, &["spec", "containers"])
        .and_then(Value::as_array)
        .and_then(|c| c.first())
        .map_or("", |c| model::str_at(c, &["name"]))
}

/// upstream `format.Pod`: `name_namespace(uid)`.
fn pod_ref(pod: &Value) -> String {
    format!("{}_{}({})", model::name(pod), model::str_at(pod, &["metadata", "namespace"]), model::uid(pod))
}

/// A duration as Go prints it (`10s`, `1m20s`, `5m0s`).
fn go_duration(secs: i64) -> String {
    match (secs / 3600, secs % 3600 / 60, secs % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, s) => format!("{m}m{s}s"),
        (h, m, s) => format!("{h}h{m}m{s}s"),
    }
}

/// A full pod status as the kubelet reports it: the phase, the conditions
/// (`status/generate.go`) and one status per container made by `container` from its previous
/// status.
fn pod_status(
    pod: &Value,
    phase: &str,
    ready: bool,
    now: &str,
    container: impl Fn(Option<&Value>) -> Value,
) -> Value {
    let old: Vec<&Value> = model::at(pod, &["status", "containerStatuses"])
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    let specs: Vec<&Value> =
        model::at(pod, &["spec", "containers"]).and_then(Value::as_array).into_iter().flatten().collect();
    let containers: Vec<Value> = specs
        .iter()
        .map(|c| {
            let name = model::str_at(c, &["name"]);
            let previous = old.iter().copied().find(|s| model::str_at(s, &["name"]) == name);
            let mut status = Map::new();
            status.insert("name".into(), json!(name));
            status.insert("image".into(), json!(model::str_at(c, &["image"])));
            if let Value::Object(fields) = container(previous) {
                status.extend(fields.into_iter().filter(|(_, v)| !left_out(v)));
            }
            Value::Object(status)
        })
        .collect();
    let names: Vec<&str> = specs.iter().map(|c| model::str_at(c, &["name"])).collect();
    json!({
        "phase": phase,
        "conditions": conditions(pod, phase, ready, &names, now),
        "containerStatuses": containers,
    })
}

/// A container status field left out when empty: null, `{}` or `{"terminated": null}`.
fn left_out(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Object(m) => m.is_empty() || (m.len() == 1 && m.get("terminated").is_some_and(Value::is_null)),
        _ => false,
    }
}

/// The pod conditions the kubelet writes (upstream `GeneratePodInitializedCondition`,
/// `GeneratePodReadyCondition`, `GenerateContainersReadyCondition`); a condition whose status
/// does not change keeps its lastTransitionTime.
fn conditions(pod: &Value, phase: &str, ready: bool, containers: &[&str], now: &str) -> Value {
    let (ready_reason, ready_message) = match phase {
        "Succeeded" => ("PodCompleted", String::new()),
        "Failed" => ("PodFailed", String::new()),
        _ if ready => ("", String::new()),
        _ => ("ContainersNotReady", format!("containers with unready status: [{}]", containers.join(" "))),
    };
    let initialized_reason = if phase == "Succeeded" { "PodCompleted" } else { "" };
    let flag = if ready { "True" } else { "False" };
    let condition = |kind: &str, status: &str, reason: &str, message: &str| {
        let since = match model::condition(pod, kind) {
            Some(c) if model::str_at(c, &["status"]) == status => model::str_at(c, &["lastTransitionTime"]),
            _ => now,
        };
        let mut c = Map::new();
        c.insert("type".into(), json!(kind));
        c.insert("status".into(), json!(status));
        c.insert("lastTransitionTime".into(), json!(since));
        if !reason.is_empty() {
            c.insert("reason".into(), json!(reason));
        }
        if !message.is_empty() {
            c.insert("message".into(), json!(message));
        }
        Value::Object(c)
    };
    let scheduled_at = model::condition(pod, "PodScheduled")
        .map(|c| model::str_at(c, &["lastTransitionTime"]))
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| model::str_at(pod, &["metadata", "creationTimestamp"]));
    json!([
        condition("Initialized", "True", initialized_reason, ""),
        condition("Ready", flag, ready_reason, &ready_message),
        condition("ContainersReady", flag, ready_reason, &ready_message),
        {"type": "PodScheduled", "status": "True", "lastTransitionTime": scheduled_at},
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// upstream `flowcontrol.Backoff` as the kubelet uses it: no wait before the first restart,
    /// then 10 s doubling, capped at 5 min.
    #[test]
    fn back_off_doubles_to_five_minutes() {
        let delays: Vec<i64> = (0..9).map(crash_loop_back_off).collect();
        assert_eq!(delays, [0, 10, 20, 40, 80, 160, 300, 300, 300]);
        assert_eq!(crash_loop_back_off(1000), 300);
    }

    #[test]
    fn durations_print_like_go() {
        assert_eq!(go_duration(10), "10s");
        assert_eq!(go_duration(80), "1m20s");
        assert_eq!(go_duration(300), "5m0s");
    }
}
