//! The fixpoint driver: facts → every controller's rules → actions → admission → next step.
//!
//! One step reads one snapshot: every controller sees the same facts, and their proposals are
//! admitted in a fixed order (controllers in [`controllers::CONTROLLERS`] order, each controller's actions
//! sorted by object). Conflicting proposals are recorded and dropped; the controller proposes
//! again next step. The clock advances one tick per step; when nothing is left to do but a
//! controller is waiting for a time (a pod's ready delay, an eviction timeout, a progress
//! deadline), the clock jumps there. Schedules (a CronJob's next run) are only reached
//! within the time an `advance` lets the clock run (`RunOptions::until`): outside it no jump
//! crosses one. The run stops when no action is derived and no timer is
//! pending (converged), after `--steps` steps (on purpose), at `--max-steps` (exit 3), or when a
//! state repeats (a cycle, exit 3).

use crate::actions::{Action, Change, FORBIDDEN_PLACEHOLDER};
use crate::apiserver::{ApiServer, Refusal, Write};
use crate::controllers;
use crate::facts::Facts;
use crate::model::{self, ObjKey};
use crate::state::State;
use crate::timeline::{self, Timelines};
use crate::watch;
use rustc_hash::FxHasher;
use serde_json::Value;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::io::IsTerminal;

/// Logical seconds per step.
pub const TICK: i64 = 1;
/// Events older than this (logical time) are dropped, like the API server's event TTL.
pub const EVENT_TTL: i64 = 3600;
/// How often (logical seconds) a run drops expired events on the way: a long run keeps at most
/// this much more than [`EVENT_TTL`] of them.
const PRUNE_EVERY: i64 = 600;
/// The step bound of a run without `--max-steps`: this many steps, plus [`STEPS_PER_POD`] for
/// every pod the state holds or asks for once the user's change is in (see
/// [`default_max_steps`]).
pub const DEFAULT_MAX_STEPS: usize = 1000;
/// Steps a pod's work may take when pods go one at a time: an OrderedReady StatefulSet creates
/// a pod, it is bound, started, then the next one is created (3 steps; 4 when a claim binds
/// first); a rolling update deletes, removes, creates, binds and starts it (5).
pub const STEPS_PER_POD: usize = 10;

#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Stop after this many steps on purpose (`--steps`).
    pub steps: Option<usize>,
    /// Give up after this many steps (`--max-steps`); `None`: [`default_max_steps`].
    pub max_steps: Option<usize>,
    /// Objects the store may hold before a run stops as runaway (`--max-objects`).
    pub max_objects: usize,
    /// Let the clock run at least to this time (`advance`): schedules up to it fire on the way.
    pub until: Option<i64>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            steps: None,
            max_steps: None,
            max_objects: crate::budget::DEFAULT_MAX_OBJECTS,
            until: None,
        }
    }
}

/// One action as recorded in the trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    pub verb: &'static str,
    pub key: ObjKey,
    pub controller: String,
    pub reason: String,
    /// The node of a bind, the replicas of a scale, or "removed" for a finished deletion.
    pub detail: Option<String>,
    /// What it did to the store: a change admitted without a write is no change.
    pub write: Write,
    /// The status fields a status write changed, recorded when its controller and reason
    /// repeat the object's previous status write (a line that would read the same as the one
    /// before it); empty otherwise.
    pub status_changes: Vec<FieldChange>,
}

/// One field of an object's status as a write left it: before and after (`null`: absent).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldChange {
    pub field: String,
    pub before: Value,
    pub after: Value,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepRecord {
    pub step: usize,
    pub time: i64,
    pub actions: Vec<Recorded>,
    /// Proposals refused at admission for a conflict (proposed again next step).
    pub conflicts: Vec<Recorded>,
    /// Proposals an admission plugin forbade (see [`Refusal::Forbidden`]).
    pub forbidden: Vec<Recorded>,
    /// Why the clock jumped to this step's time, when it did (nothing was left to do before).
    pub woken: Option<Woken>,
}

/// What the clock jumped to a step's time for: controllers' timers or schedules (a pod's ready
/// delay, an eviction timeout, a grace period, a CronJob's run), or the end of an `advance`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Woken {
    /// These controllers asked to look again at this time.
    By(Vec<&'static str>),
    /// The time an `advance` lets the clock run to.
    AdvanceEnd,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Converged,
    /// `--steps N` reached.
    Stopped,
    /// `--max-steps` reached without convergence.
    MaxSteps,
    /// The state after step `to` equals the state after step `from`.
    Cycle {
        from: usize,
        to: usize,
    },
    /// An object asked for more objects than the run's budget (`--max-objects`).
    OverBudget(crate::budget::Runaway),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trace {
    pub start: i64,
    pub steps: Vec<StepRecord>,
    pub outcome: Outcome,
    /// Old / new / available pods of each Deployment, whenever they changed.
    pub timelines: Timelines,
    /// Every write as a watch would have seen it (`get -w`).
    pub watch: watch::Log,
}

impl Trace {
    pub fn converged(&self) -> bool {
        self.outcome == Outcome::Converged
    }

    /// Whether any admitted action wrote to the store (a scale to the current replicas did not).
    pub fn changed(&self) -> bool {
        self.steps.iter().flat_map(|s| &s.actions).any(|a| a.write != Write::Nothing)
    }
}

/// Apply the user's own changes (recorded as the first actions of step 1), then reconcile.
pub fn run(state: &mut State, user: Vec<Action>, opts: &RunOptions) -> Trace {
    let start = state.now;
    let mut api = ApiServer::new(state);
    let mut steps = Vec::new();
    let mut pending_user = Some(user);
    // States the controllers have seen, by fingerprint: the first is the state after the
    // user's own changes (the one before them is no state of the loop: a pod created and then
    // garbage-collected, or a Job created and deleted after it finished, returns to it without
    // cycling).
    let mut seen: HashMap<u64, usize> = HashMap::new();
    let mut max_steps = opts.max_steps.unwrap_or(DEFAULT_MAX_STEPS);
    let progress = Progress::new();
    let mut timelines = Timelines::new();
    let mut watch = watch::Recorder::new(start);
    let mut status_lines = StatusLines::default();
    // Events expire as the clock runs, not only when the run ends: a long `advance` keeps an
    // hour of them, not every one it recorded.
    let mut pruned_at = start;
    // Why the clock last jumped, for the next step recorded.
    let mut woken = None;
    let outcome = loop {
        if api.state.now - pruned_at >= PRUNE_EVERY {
            prune_events(api.state);
            pruned_at = api.state.now;
        }
        let step_no = steps.len() + 1;
        if opts.steps.is_some_and(|n| steps.len() >= n) {
            break Outcome::Stopped;
        }
        if steps.len() >= max_steps {
            break Outcome::MaxSteps;
        }
        let mut record = StepRecord {
            step: step_no,
            time: api.state.now,
            actions: vec![],
            conflicts: vec![],
            forbidden: vec![],
            woken: woken.take(),
        };
        api.new_step();
        if let Some(user) = pending_user.take() {
            admit_all(&mut api, &user, &mut record, &mut watch, &mut status_lines);
            seen.insert(api.fingerprint, 0);
            if opts.max_steps.is_none() {
                max_steps = default_max_steps(api.state);
            }
        }
        let by_user = record.actions.len();
        if let Some(runaway) = crate::budget::runaway(api.state, opts.max_objects) {
            if !record.actions.is_empty() {
                steps.push(record);
            }
            break Outcome::OverBudget(runaway);
        }
        let (proposals, waiters) = {
            let facts = Facts::extract_with(api.state, &mut api.pod_cores);
            timeline::sample(&facts, step_no - 1, steps.last().map_or(start, |s| s.time), &mut timelines);
            controllers::reconcile_all(&facts)
        };
        admit_all(&mut api, &proposals.actions, &mut record, &mut watch, &mut status_lines);
        // Forbidden proposals with nothing written but what they record (an Event, a condition
        // already set): proposing them again would be forbidden again until something else
        // changes, so the run waits for the next timer as if nothing were left to do.
        let stalled = !record.forbidden.is_empty()
            && record.conflicts.is_empty()
            && record.actions[by_user..].iter().all(|a| a.key.kind == "Event" || a.write == Write::Nothing);
        if record.actions.is_empty() || stalled {
            if !record.conflicts.is_empty() {
                // Only refused proposals: retry on the next tick.
                steps.push(record);
                api.state.now += TICK;
                continue;
            }
            // Shown when it wrote something new: a repeat of a refusal only counts its Event again.
            let news =
                |a: &Recorded| a.write != Write::Nothing && !(a.key.kind == "Event" && a.verb == "update");
            if stalled && record.actions.iter().any(news) {
                steps.push(record);
            }
            match next_time(&proposals, api.state.now, opts.until) {
                Some(t) => {
                    api.state.now = t;
                    woken = Some(match waiters.get(&t) {
                        Some(names) => Woken::By(names.clone()),
                        None => Woken::AdvanceEnd,
                    });
                    continue;
                }
                None => break Outcome::Converged,
            }
        }
        progress.tick(step_no, record.actions.len());
        let objects_touched = record.actions[by_user..].iter().any(|a| a.key.kind != "Event");
        steps.push(record);
        api.state.now += TICK;
        if !objects_touched {
            // Only the user's own changes or Events (which the state's fingerprint leaves out,
            // and which controllers record once): a state already seen, not a revisit.
            continue;
        }
        if let Some(&from) = seen.get(&api.fingerprint) {
            break Outcome::Cycle { from, to: step_no };
        }
        seen.insert(api.fingerprint, step_no);
    };
    progress.finish();
    // A converged run's last look sampled the final state already; a run stopped otherwise
    // ended on writes no step has looked at yet.
    if outcome != Outcome::Converged && api.state.of_kind("Deployment", None).next().is_some() {
        let time = steps.last().map_or(start, |s| s.time);
        timeline::sample(
            &Facts::extract_with(api.state, &mut api.pod_cores),
            steps.len(),
            time,
            &mut timelines,
        );
    }
    prune_events(api.state);
    timeline::store_timelines(api.state, &timelines);
    let trace = Trace { start, steps, outcome, timelines, watch: watch.finish() };
    if trace.changed() {
        // A command that changed nothing leaves the state as it was, the last watch log too.
        watch::store(api.state, &trace.watch);
    }
    trace
}

/// The step bound relative to the work: [`DEFAULT_MAX_STEPS`] plus [`STEPS_PER_POD`] for every
/// pod in the state and every pod its objects ask for (`spec.replicas`, a Job's
/// `spec.completions`). A legal rollout that goes one pod at a time (an OrderedReady
/// StatefulSet of 1,000 replicas takes thousands of steps) stays within it; a run that keeps
/// changing without converging still stops, after a number of steps proportional to the work.
pub fn default_max_steps(state: &State) -> usize {
    let mut pods = 0usize;
    let mut asked = 0usize;
    for (key, obj) in &state.objects {
        if key.kind == "Pod" {
            pods += 1;
        }
        for field in ["replicas", "completions"] {
            asked += model::i64_at(obj, &["spec", field]).map_or(0, |n| n.max(0) as usize);
        }
    }
    DEFAULT_MAX_STEPS.saturating_add(STEPS_PER_POD.saturating_mul(pods.saturating_add(asked)))
}

/// Where the clock goes when a step derived nothing: the earliest timer, or a schedule or the
/// end of an `advance` when they come first and lie within it; `None` when the run is over.
/// Outside an `advance` the clock never reaches a schedule: a timer at or beyond the next one
/// (a Job that ends after its CronJob's next start time) waits for an `advance` to cross it, so
/// a reconciling command does not run a CronJob's later starts on its own.
fn next_time(p: &controllers::Proposals, now: i64, until: Option<i64>) -> Option<i64> {
    let horizon = until.unwrap_or(now);
    let barrier = p.schedules.iter().copied().filter(|&t| t > horizon).min();
    let timer = p.wakes.iter().copied().filter(|&t| t > now && barrier.is_none_or(|b| t < b)).min();
    let scheduled = p.schedules.iter().copied().filter(|&t| t > now && t <= horizon).min();
    let end = (horizon > now).then_some(horizon);
    [timer, scheduled, end].into_iter().flatten().min()
}

fn admit_all(
    api: &mut ApiServer,
    actions: &[Action],
    record: &mut StepRecord,
    watch: &mut watch::Recorder,
    status_lines: &mut StatusLines,
) {
    // Objects whose controller saw one of its actions forbidden this step (`slowStartBatch`).
    let mut failed_for: Vec<ObjKey> = Vec::new();
    for a in actions {
        let failure_subject = a.when_forbidden.as_deref().map(subject);
        if failure_subject.iter().chain(&a.unless_forbidden_for).any(|s| failed_for.contains(s)) {
            continue;
        }
        if let Change::Emit { since } = &a.change {
            for ev in &a.events {
                if let Some((verb, key)) = api.emit_event(ev, a.controller, *since) {
                    record.actions.push(Recorded {
                        verb,
                        key,
                        controller: a.controller.to_string(),
                        reason: a.reason.clone(),
                        detail: None,
                        write: Write::Stored,
                        status_changes: vec![],
                    });
                }
            }
            continue;
        }
        let target = target_key(&a.change);
        let before = watch.before(api.state, &target);
        let repeated = status_lines.repeats(api.state, &target, &a.change, a.controller, &a.reason);
        let result = api.admit(&a.change);
        match result {
            Ok(done) => {
                let status_changes = repeated.map_or_else(Vec::new, |r| r.changes(api.state, &done.key));
                watch.after(api.state, &done.key, before.as_ref(), &a.interim);
                for ev in &a.events {
                    api.record_event(ev, a.controller, &done.key.name);
                }
                let detail = match done.write {
                    Write::Removed => Some("removed".to_string()),
                    _ => done.detail,
                };
                record.actions.push(Recorded {
                    verb: a.change.verb(),
                    key: done.key,
                    controller: a.controller.to_string(),
                    reason: a.reason.clone(),
                    detail,
                    write: done.write,
                    status_changes,
                });
            }
            Err(Refusal::Conflict(why)) => record.conflicts.push(Recorded {
                verb: a.change.verb(),
                key: target,
                controller: a.controller.to_string(),
                reason: format!("conflict: {why}"),
                detail: None,
                write: Write::Nothing,
                status_changes: vec![],
            }),
            Err(Refusal::Forbidden(why)) => {
                record.forbidden.push(Recorded {
                    verb: a.change.verb(),
                    key: target,
                    controller: a.controller.to_string(),
                    reason: why.clone(),
                    detail: None,
                    write: Write::Nothing,
                    status_changes: vec![],
                });
                if let (Some(instead), Some(subject)) = (&a.when_forbidden, failure_subject) {
                    failed_for.push(subject);
                    admit_all(api, &[with_refusal(instead, &why)], record, watch, status_lines);
                }
            }
        }
    }
}

/// The object an action is about: its target, or for an Event-only action the Event's object.
fn subject(a: &Action) -> ObjKey {
    match (&a.change, a.events.first()) {
        (Change::Emit { .. }, Some(ev)) => ev.on.clone(),
        (change, _) => target_key(change),
    }
}

/// `instead` with the API server's words in place of [`FORBIDDEN_PLACEHOLDER`].
fn with_refusal(instead: &Action, why: &str) -> Action {
    fn fill(v: &mut Value, why: &str) {
        match v {
            Value::String(s) if s.contains(FORBIDDEN_PLACEHOLDER) => {
                *s = s.replace(FORBIDDEN_PLACEHOLDER, why)
            }
            Value::Array(items) => items.iter_mut().for_each(|x| fill(x, why)),
            Value::Object(map) => map.values_mut().for_each(|x| fill(x, why)),
            _ => {}
        }
    }
    let mut a = instead.clone();
    if let Change::Patch { patch, .. } = &mut a.change {
        fill(patch, why);
    }
    for ev in &mut a.events {
        ev.message = ev.message.replace(FORBIDDEN_PLACEHOLDER, why);
    }
    a
}

/// Each object's last status write in a run, as hashes of its key and of its controller and
/// reason: a status write that repeats them records what it changed ([`Recorded::status_changes`]).
/// A hash collision only records changes a renderer does not need.
#[derive(Default)]
struct StatusLines(rustc_hash::FxHashMap<u64, u64>);

/// A repeated status write about to be admitted: the patched fields as they were.
struct Repeated(Vec<(String, Value)>);

impl StatusLines {
    fn repeats(
        &mut self,
        state: &State,
        key: &ObjKey,
        change: &Change,
        controller: &str,
        reason: &str,
    ) -> Option<Repeated> {
        let Change::Patch { patch, .. } = change else { return None };
        let fields = patch.get("status").and_then(Value::as_object)?;
        let line = hash_of(&(controller, reason));
        if self.0.insert(hash_of(key), line) != Some(line) {
            return None;
        }
        let status = state.objects.get(key).and_then(|o| o.get("status"));
        let was = |f: &str| status.and_then(|s| s.get(f)).cloned().unwrap_or(Value::Null);
        Some(Repeated(fields.keys().map(|f| (f.clone(), was(f))).collect()))
    }
}

impl Repeated {
    /// The patched fields whose value the write changed, as it left them.
    fn changes(self, state: &State, key: &ObjKey) -> Vec<FieldChange> {
        let status = state.objects.get(key).and_then(|o| o.get("status"));
        self.0
            .into_iter()
            .filter_map(|(field, before)| {
                let after = status.and_then(|s| s.get(&field)).cloned().unwrap_or(Value::Null);
                (after != before).then_some(FieldChange { field, before, after })
            })
            .collect()
    }
}

fn hash_of(value: &impl Hash) -> u64 {
    let mut h = FxHasher::default();
    value.hash(&mut h);
    h.finish()
}

fn target_key(change: &Change) -> ObjKey {
    match change {
        Change::Create { object } => {
            let mut k = ObjKey::of(object);
            if k.name.is_empty() {
                k.name = model::str_at(object, &["metadata", "generateName"]).to_string();
            }
            k
        }
        Change::Delete { key, .. }
        | Change::Scale { key, .. }
        | Change::Patch { key, .. }
        | Change::Remove { key } => key.clone(),
        Change::Bind { pod, .. } => pod.clone(),
        Change::Emit { .. } => ObjKey::new("Event", "", ""),
    }
}

/// Drop events whose last occurrence is older than [`EVENT_TTL`].
fn prune_events(state: &mut State) {
    let now = state.now;
    state.events.retain(|_, e| e.last_time().is_none_or(|t| now - t <= EVENT_TTL));
}

/// A spinner on stderr for long runs, only when stderr is a terminal.
struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    fn new() -> Progress {
        Progress(std::io::stderr().is_terminal().then(indicatif::ProgressBar::new_spinner))
    }

    fn tick(&self, step: usize, actions: usize) {
        if let Some(bar) = &self.0 {
            bar.set_message(format!("step {step}: {actions} actions"));
            bar.tick();
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controllers::Proposals;

    /// Timers are jumped to short of the next schedule beyond an `advance`; schedules and the
    /// end of an `advance` only within it.
    #[test]
    fn where_the_clock_goes_when_nothing_happens() {
        let p = |wakes: &[i64], schedules: &[i64]| Proposals {
            wakes: wakes.to_vec(),
            schedules: schedules.to_vec(),
            ..Proposals::default()
        };
        let cases: &[(&str, Proposals, Option<i64>, Option<i64>)] = &[
            ("nothing to wait for", p(&[], &[]), None, None),
            ("a timer", p(&[5, 30], &[]), None, Some(30)),
            ("a timer beyond an advance", p(&[500], &[]), Some(100), Some(100)),
            ("a schedule outside an advance", p(&[], &[60]), None, None),
            ("a schedule inside an advance", p(&[], &[60]), Some(100), Some(60)),
            ("a schedule beyond an advance", p(&[], &[160]), Some(100), Some(100)),
            ("the earliest of timer and schedule", p(&[90], &[60]), Some(100), Some(60)),
            ("an advance already over", p(&[], &[]), Some(10), None),
            ("a timer beyond a schedule outside an advance", p(&[90], &[60]), None, None),
            ("a timer before a schedule outside an advance", p(&[50], &[60]), None, Some(50)),
            ("a timer at a schedule outside an advance", p(&[60], &[60]), None, None),
            ("a timer beyond a schedule beyond an advance", p(&[200], &[160]), Some(100), Some(100)),
            ("an advance over, a timer beyond the next schedule", p(&[200], &[160]), Some(10), None),
        ];
        for (name, proposals, until, want) in cases {
            assert_eq!(next_time(proposals, 10, *until), *want, "{name}");
        }
    }
}
