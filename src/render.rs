//! Output for people and for programs: the step-by-step trace (text and versioned JSON), the
//! rollout timelines the trace recorded drawn as charts, and kubectl-shaped tables.

use crate::apiserver::Write;
use crate::controllers::scheduler::{self, Explanation};
use crate::driver::{FieldChange, Outcome, Recorded, StepRecord, Trace, Woken, TICK};
use crate::model::{self, ObjKey};
use crate::timeline::Sample;
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap};

/// Columns of the terminal stdout writes to, or 80 when stdout is not a terminal: piped output
/// is the same whatever window it came from.
pub fn output_width() -> usize {
    // SAFETY: `isatty` and `ioctl(TIOCGWINSZ)` only read the descriptor's state into `ws`.
    unsafe {
        let mut ws: libc::winsize = std::mem::zeroed();
        if libc::isatty(1) == 1 && libc::ioctl(1, libc::TIOCGWINSZ, &mut ws) == 0 && ws.ws_col > 0 {
            return ws.ws_col as usize;
        }
    }
    80
}

/// Version of the JSON trace format (`"format_version"`).
pub const TRACE_FORMAT_VERSION: &str = "1";

/// `explain-placement`: each node's filter verdict and plugin scores, the weights, and where
/// the pod goes (or FailedScheduling's message).
pub fn placement(pod: &ObjKey, bound_to: Option<&str>, e: &Explanation) -> String {
    let mut out = match bound_to {
        Some(node) => format!("pod {} (bound to {node}; judged as if pending again)\n", pod.ns_name()),
        None => format!("pod {}\n", pod.ns_name()),
    };
    let header =
        ["NODE", "FILTERS", "FIT", "BALANCED", "NODE-AFFINITY", "TAINTS", "SPREAD", "INTER-POD", "TOTAL"];
    let mut rows = vec![header.iter().map(|h| h.to_string()).collect::<Vec<_>>()];
    for n in &e.nodes {
        let verdict = if n.refused.is_empty() { "passed".to_string() } else { n.refused.join(", ") };
        let mut row = vec![n.node.clone(), verdict];
        if let Some(sc) = &n.scores {
            row.extend(
                [
                    sc.least_allocated,
                    sc.balanced_allocation,
                    sc.node_affinity,
                    sc.taint_toleration,
                    sc.topology_spread,
                    sc.inter_pod_affinity,
                    sc.total(),
                ]
                .map(|x| x.to_string()),
            );
        }
        rows.push(row);
    }
    out.push_str(&table(&rows));
    out.push_str(&format!(
        "scores 0-100; TOTAL = FIT + BALANCED + {}×NODE-AFFINITY + {}×TAINTS + {}×SPREAD + {}×INTER-POD\n",
        scheduler::WEIGHT_NODE_AFFINITY,
        scheduler::WEIGHT_TAINT_TOLERATION,
        scheduler::WEIGHT_POD_TOPOLOGY_SPREAD,
        scheduler::WEIGHT_INTER_POD_AFFINITY
    ));
    let best = e.nodes.iter().filter_map(|n| n.scores.map(|s| s.total())).max();
    let total_of =
        |node: &str| e.nodes.iter().find(|n| n.node == node).and_then(|n| n.scores).map(|s| s.total());
    match (&e.chosen, &e.message) {
        (Some(node), _) if total_of(node) == best => out.push_str(&format!(
            "next step: bound to {node} (the highest total; equal totals go to the higher unrounded FIT, then the first node by name)\n"
        )),
        (Some(node), _) => out.push_str(&format!(
            "next step: bound to {node} (pods ahead of it in the queue take the places scoring higher)\n"
        )),
        (None, Some(message)) => out.push_str(&format!("next step: stays Pending: {message}\n")),
        (None, None) => out.push_str("next step: stays Pending: pods ahead of it in the queue take the room it fits in\n"),
    }
    out
}

/// Align columns like kubectl's tabwriter (three spaces of padding, cells at least six wide
/// padding included, last column unpadded).
pub fn table(rows: &[Vec<String>]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| rows.iter().filter_map(|r| r.get(c)).map(|s| s.chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for r in rows {
        let mut line = String::new();
        for (c, cell) in r.iter().enumerate() {
            if c + 1 == r.len() {
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.push_str(&" ".repeat((widths[c] + 3).max(6) - cell.chars().count()));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The trace as the versioned JSON object other tools read.
pub fn trace_json(trace: &Trace) -> Value {
    let action = |a: &Recorded| {
        let mut v = json!({
            "action": a.verb,
            "kind": a.key.kind,
            "namespace": a.key.namespace,
            "name": a.key.name,
            "controller": a.controller,
            "reason": a.reason,
        });
        if let Some(d) = &a.detail {
            let field = match a.verb {
                "bind" => "node",
                "scale" => "replicas",
                _ => "detail",
            };
            v[field] = match (a.verb, d.strip_prefix("replicas ").and_then(|n| n.parse::<i64>().ok())) {
                ("scale", Some(n)) => json!(n),
                _ => json!(d),
            };
        }
        if a.write == Write::Nothing {
            v["changed"] = json!(false);
        }
        v
    };
    let steps: Vec<Value> = trace
        .steps
        .iter()
        .map(|s| {
            let mut v = json!({
                "step": s.step,
                "time": model::fmt_time(s.time),
                "actions": s.actions.iter().map(action).collect::<Vec<_>>(),
            });
            if !s.conflicts.is_empty() {
                v["conflicts"] = json!(s.conflicts.iter().map(action).collect::<Vec<_>>());
            }
            if !s.forbidden.is_empty() {
                v["forbidden"] = json!(s.forbidden.iter().map(action).collect::<Vec<_>>());
            }
            match &s.woken {
                Some(Woken::By(names)) => v["woken_by"] = json!(names),
                Some(Woken::AdvanceEnd) => v["woken_by"] = json!(["advance"]),
                None => {}
            }
            v
        })
        .collect();
    let mut out = json!({
        "format_version": TRACE_FORMAT_VERSION,
        "steps": steps,
        "converged": trace.converged(),
        "outcome": outcome_word(&trace.outcome),
    });
    if let Outcome::Cycle { from, to } = &trace.outcome {
        out["cycle"] = json!({"from_step": from, "to_step": to});
    }
    out
}

fn outcome_word(o: &Outcome) -> &'static str {
    match o {
        Outcome::Converged => "converged",
        Outcome::Stopped => "stopped",
        Outcome::MaxSteps => "max-steps",
        Outcome::Cycle { .. } => "cycle",
        Outcome::OverBudget(_) => "over-budget",
    }
}

/// Runs of more than this many alike actions in one step are shortened in text output.
const RUN_SHOWN: usize = 6;

/// The trace for a person: one block per step, one line per action, and a summary.
pub fn trace_text(trace: &Trace) -> String {
    let mut out = String::new();
    let mut clock = trace.start;
    let mut lines = Lines::default();
    for s in &trace.steps {
        out.push_str(&format!("step {}  +{}s{}\n", s.step, s.time - trace.start, jump_note(s, clock)));
        clock = s.time + TICK;
        let shown_rows: Vec<Vec<String>> = s.actions.iter().map(|a| lines.row(a)).collect();
        let mut rows: Vec<Vec<String>> = Vec::new();
        let mut i = 0;
        while i < s.actions.len() {
            let a = &s.actions[i];
            let run = s.actions[i..]
                .iter()
                .take_while(|b| {
                    b.verb == a.verb
                        && b.write == a.write
                        && b.key.kind == a.key.kind
                        && b.controller == a.controller
                        && b.reason == a.reason
                })
                .count();
            let shown = if run > RUN_SHOWN { 3 } else { run };
            rows.extend(shown_rows[i..i + shown].iter().cloned());
            if shown < run {
                rows.push(vec![String::new(), format!("… and {} more", run - shown), String::new()]);
            }
            i += run;
        }
        for c in s.conflicts.iter().chain(&s.forbidden) {
            let mut row = action_row(c);
            row[0].replace_range(..1, "!");
            rows.push(row);
        }
        for line in table(&rows).lines() {
            out.push_str("  ");
            out.push_str(line);
            out.push('\n');
        }
    }
    out.push_str(&legend(trace));
    out.push_str(&summary(trace));
    out.push('\n');
    out
}

/// What each marker of the step log means, for the markers this trace uses (none when it
/// has no steps).
fn legend(trace: &Trace) -> String {
    const MARKERS: [(&str, &str); 6] = [
        ("+", "created"),
        ("~", "changed"),
        ("-", "deletion begun"),
        ("x", "removed"),
        ("=", "admitted, nothing changed"),
        ("!", "refused, proposed again next step"),
    ];
    let used: BTreeSet<&str> = trace
        .steps
        .iter()
        .flat_map(|s| {
            s.actions.iter().map(|a| marker(a)).chain(s.conflicts.iter().chain(&s.forbidden).map(|_| "!"))
        })
        .collect();
    // A forbidden proposal is not proposed again next step (only when something changes).
    let forbidden = trace.steps.iter().any(|s| !s.forbidden.is_empty());
    let shown: Vec<String> = MARKERS
        .iter()
        .filter(|(m, _)| used.contains(m))
        .map(|&(m, what)| if m == "!" && forbidden { "! refused".to_string() } else { format!("{m} {what}") })
        .collect();
    if shown.is_empty() {
        return String::new();
    }
    format!("  ({})\n", shown.join(", "))
}

fn marker(a: &Recorded) -> &'static str {
    match (a.verb, a.write) {
        (_, Write::Nothing) => "=",
        ("create", _) => "+",
        ("delete", _) => "-",
        (_, Write::Removed) => "x",
        _ => "~",
    }
}

/// Why the clock jumped to a step, for its header: `clock` is where it stood when the step
/// before ended.
fn jump_note(s: &StepRecord, clock: i64) -> String {
    let jumped = s.time - clock;
    match &s.woken {
        Some(Woken::By(names)) if jumped > 0 => {
            format!("  (clock jumped {jumped}s, woken by {})", names.join(", "))
        }
        Some(Woken::AdvanceEnd) if jumped > 0 => {
            format!("  (clock jumped {jumped}s to the end of the advance)")
        }
        _ => String::new(),
    }
}

/// Each object's last line in the step log, so that a status write whose line would read the same
/// as the one before it says what it changed instead: `status: observedGeneration 3`, `status:
/// conditions Progressing=True NewReplicaSetAvailable`.
#[derive(Default)]
struct Lines<'t>(HashMap<&'t ObjKey, Vec<String>>);

impl<'t> Lines<'t> {
    fn row(&mut self, a: &'t Recorded) -> Vec<String> {
        let usual = action_row(a);
        let repeated = self.0.get(&a.key) == Some(&usual);
        let mut row = usual.clone();
        if repeated && !a.status_changes.is_empty() {
            row[2] = format!("{}: status: {}", a.controller, status_changes_text(&a.status_changes));
        }
        self.0.insert(&a.key, usual);
        row
    }
}

/// What a status write changed, field by field: a scalar's new value, the conditions that
/// changed (`Type=Status Reason`), other fields by name.
fn status_changes_text(changes: &[FieldChange]) -> String {
    let parts: Vec<String> = changes
        .iter()
        .map(|c| match (c.field.as_str(), &c.after) {
            ("conditions", after) => format!("conditions {}", conditions_changed(&c.before, after)),
            (field, Value::Null) => format!("{field} unset"),
            (field, Value::String(s)) => format!("{field} {s}"),
            (field, v @ (Value::Number(_) | Value::Bool(_))) => format!("{field} {v}"),
            (field, _) => field.to_string(),
        })
        .collect();
    parts.join(", ")
}

/// The conditions that differ between two `status.conditions` lists: `Type=Status Reason` for
/// each new or changed one (in the order written), `Type removed` for one gone.
fn conditions_changed(before: &Value, after: &Value) -> String {
    let list = |v: &Value| v.as_array().cloned().unwrap_or_default();
    let (before, after) = (list(before), list(after));
    let of_type = |list: &[Value], t: &str| list.iter().find(|c| model::str_at(c, &["type"]) == t).cloned();
    let shown = |c: &Value| {
        let reason = model::str_at(c, &["reason"]);
        let shown = format!("{}={}", model::str_at(c, &["type"]), model::str_at(c, &["status"]));
        if reason.is_empty() {
            shown
        } else {
            format!("{shown} {reason}")
        }
    };
    let mut parts: Vec<String> = after
        .iter()
        .filter_map(|c| {
            let was = of_type(&before, model::str_at(c, &["type"]));
            match was {
                Some(was) if was == *c => None,
                // Type, status and reason as before: name the fields that moved (a time, the message).
                Some(was) if shown(&was) == shown(c) => {
                    let fields =
                        c.as_object().into_iter().flatten().filter(|(k, v)| was.get(k.as_str()) != Some(*v));
                    let names: Vec<&str> = fields.map(|(k, _)| k.as_str()).collect();
                    Some(format!("{} ({})", shown(c), names.join(", ")))
                }
                _ => Some(shown(c)),
            }
        })
        .collect();
    for c in &before {
        let t = model::str_at(c, &["type"]);
        if of_type(&after, t).is_none() {
            parts.push(format!("{t} removed"));
        }
    }
    parts.join(", ")
}

fn action_row(a: &Recorded) -> Vec<String> {
    let symbol = marker(a);
    let target = match (a.verb, &a.detail) {
        ("bind", Some(node)) => format!("{} → {node}", a.key.ns_name()),
        _ => a.key.ns_name(),
    };
    vec![format!("{symbol} {}", a.key.kind), target, format!("{}: {}", a.controller, a.reason)]
}

/// One line: how the run ended and what it did.
pub fn summary(trace: &Trace) -> String {
    let n = trace.steps.len();
    let elapsed = trace.steps.last().map_or(0, |s| s.time - trace.start);
    if !trace.changed() && trace.converged() {
        return "no changes: the cluster is converged".into();
    }
    let totals = Totals::of(trace).to_string();
    let steps = if n == 1 { "1 step".to_string() } else { format!("{n} steps") };
    match &trace.outcome {
        Outcome::OverBudget(r) => format!(
            "stopped after {steps} (+{elapsed}s): {} {} asks for {} at {}, more than a run may create (budget {} objects; --max-objects raises it): {totals}",
            r.key.kind,
            r.key.ns_name(),
            r.asked,
            r.field,
            r.budget
        ),
        Outcome::Converged => format!("converged after {steps} (+{elapsed}s): {totals}"),
        Outcome::Stopped => format!("stopped after {steps} (+{elapsed}s) as asked; not converged: {totals}"),
        Outcome::MaxSteps => format!("not converged after {steps} (--max-steps reached): {totals}"),
        Outcome::Cycle { from, to } => format!(
            "cycle: the state after step {to} repeats the state after step {from}; steps {}–{to} repeat for ever: {totals}",
            from + 1
        ),
    }
}

/// What a run did, counted in objects: each object once per column, whatever number of writes
/// it took. An object created or deleted during the run counts there and not again as scaled
/// or updated; a scaled object, or a pod bound, not again as updated (a pod created and bound
/// counts as both: it is new, and it was placed); a deletion once whether it took one write
/// (removed at once) or two (marked, then removed after its grace period or finalizers); a
/// change admitted without a write (a scale to the current replicas) not at all. Events are
/// counted apart from the objects they tell of.
#[derive(Debug, Default, PartialEq, Eq)]
struct Totals {
    created: usize,
    bound: usize,
    deleted: usize,
    scaled: usize,
    updated: usize,
    events: usize,
}

impl Totals {
    fn of(trace: &Trace) -> Totals {
        let mut created = BTreeSet::new();
        let mut bound = BTreeSet::new();
        let mut deleted = BTreeSet::new();
        let mut scaled = BTreeSet::new();
        let mut updated = BTreeSet::new();
        let mut events = BTreeSet::new();
        for a in trace.steps.iter().flat_map(|s| &s.actions).filter(|a| a.write != Write::Nothing) {
            let set = match (a.key.kind.as_str(), a.verb, a.write) {
                ("Event", ..) => &mut events,
                (_, "delete", _) | (_, _, Write::Removed) => &mut deleted,
                (_, "create", _) => &mut created,
                (_, "bind", _) => &mut bound,
                (_, "scale", _) => &mut scaled,
                _ => &mut updated,
            };
            set.insert(&a.key);
        }
        let new_or_gone: BTreeSet<&ObjKey> = created.union(&deleted).copied().collect();
        scaled.retain(|k| !new_or_gone.contains(k));
        updated.retain(|k| !new_or_gone.contains(k) && !scaled.contains(k) && !bound.contains(k));
        Totals {
            created: created.len(),
            bound: bound.len(),
            deleted: deleted.len(),
            scaled: scaled.len(),
            updated: updated.len(),
            events: events.len(),
        }
    }
}

impl std::fmt::Display for Totals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Totals { created, bound, deleted, scaled, updated, events } = self;
        write!(f, "{created} created, {bound} bound, {deleted} deleted, {scaled} scaled, {updated} updated")?;
        match events {
            0 => Ok(()),
            1 => write!(f, ", 1 event"),
            n => write!(f, ", {n} events"),
        }
    }
}

/// The marks of the rollout chart.
const OLD_MARK: &str = "░";
const NEW_MARK: &str = "█";
const TERMINATING_MARK: &str = "▒";

/// A text chart of a rollout no wider than `width` columns: a title naming the Deployment, the
/// revisions and `source` (the command the run came from), a legend with the scale, and one
/// row per change with the step log's step and clock, the counts, and a bar of old,
/// terminating and new pods. Beyond the room a row has, one mark stands for several pods (a
/// count that is not zero keeps at least one mark).
pub fn rollout_chart(key: &ObjKey, samples: &[Sample], source: Option<&str>, width: usize) -> String {
    let (first, last) = (samples.first().map_or(0, |s| s.revision), samples.last().map_or(0, |s| s.revision));
    let revisions = match first {
        0 => format!("revision {last}"),
        _ => format!("revision {first} → {last}"),
    };
    let from = source.map(|c| format!(", from `{c}`")).unwrap_or_default();
    let mut out = format!("rollout of deployment.apps/{} ({revisions}{from}):\n", key.name);
    let start = samples.first().map_or(0, |s| s.time);
    let header = ["STEP", "TIME", "OLD", "NEW", "TERMINATING", "AVAILABLE"];
    let mut rows: Vec<Vec<String>> = vec![header.iter().map(|h| h.to_string()).collect()];
    for s in samples {
        rows.push(vec![
            s.step.to_string(),
            format!("+{}s", s.time - start),
            s.old.to_string(),
            s.new.to_string(),
            s.terminating.to_string(),
            s.available.to_string(),
        ]);
    }
    // Room for the bars: the width less the indent, the widest numbers row and a gap.
    let numbers = table(&rows);
    let used = 2 + numbers.lines().map(|l| l.chars().count()).max().unwrap_or(0) + 3;
    let room = width.saturating_sub(used).max(10) as i64;
    let most = samples.iter().map(|s| s.old + s.new + s.terminating).max().unwrap_or(0);
    // Each of the three parts may round up by one mark: leave room for that.
    let per_mark = if most <= room { 1 } else { (most + room - 4) / (room - 3) };
    let marks = |n: i64| (n.max(0) + per_mark - 1) / per_mark;
    let scale =
        if per_mark == 1 { "one mark a pod".to_string() } else { format!("one mark ≈ {per_mark} pods") };
    out.push_str(&format!(
        "  {OLD_MARK} old pod   {NEW_MARK} new pod   {TERMINATING_MARK} terminating   ({scale})\n"
    ));
    for (row, s) in rows.iter_mut().skip(1).zip(samples) {
        row.push(format!(
            "{}{}{}",
            OLD_MARK.repeat(marks(s.old) as usize),
            TERMINATING_MARK.repeat(marks(s.terminating) as usize),
            NEW_MARK.repeat(marks(s.new) as usize)
        ));
    }
    rows[0].push(String::new());
    for line in table(&rows).lines() {
        out.push_str("  ");
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::driver::StepRecord;

    fn act(verb: &'static str, kind: &str, name: &str, write: Write) -> Recorded {
        Recorded {
            verb,
            key: ObjKey::new(kind, "default", name),
            controller: "test".into(),
            reason: String::new(),
            detail: None,
            write,
            status_changes: vec![],
        }
    }

    fn trace(steps: Vec<Vec<Recorded>>) -> Trace {
        let steps = steps
            .into_iter()
            .enumerate()
            .map(|(i, actions)| StepRecord {
                step: i + 1,
                time: i as i64,
                actions,
                conflicts: vec![],
                forbidden: vec![],
                woken: None,
            })
            .collect();
        Trace {
            start: 0,
            steps,
            outcome: Outcome::Converged,
            timelines: Default::default(),
            watch: Default::default(),
        }
    }

    /// Each object once per column; a deletion once however many writes it took; no-ops not at
    /// all; created or deleted objects not again as scaled or updated.
    #[test]
    fn totals_count_objects_not_writes() {
        use Write::*;
        let cases: Vec<(&str, Vec<Vec<Recorded>>, &str)> = vec![
            (
                "a graceful deletion: marked, then removed",
                vec![vec![act("delete", "Pod", "a", Stored)], vec![act("update", "Pod", "a", Removed)]],
                "0 created, 0 bound, 1 deleted, 0 scaled, 0 updated",
            ),
            (
                "a finalizer removal that ends a deletion begun earlier",
                vec![vec![act("update", "Pod", "a", Removed)]],
                "0 created, 0 bound, 1 deleted, 0 scaled, 0 updated",
            ),
            (
                "a pod created, bound, started and updated again",
                vec![
                    vec![act("create", "Pod", "a", Stored)],
                    vec![act("bind", "Pod", "a", Stored)],
                    vec![act("update", "Pod", "a", Stored), act("update", "Pod", "a", Stored)],
                ],
                "1 created, 1 bound, 0 deleted, 0 scaled, 0 updated",
            ),
            (
                "a ReplicaSet scaled twice with status writes between",
                vec![
                    vec![act("scale", "ReplicaSet", "rs", Stored), act("update", "ReplicaSet", "rs", Stored)],
                    vec![act("scale", "ReplicaSet", "rs", Stored)],
                    vec![act("update", "Deployment", "d", Stored), act("update", "Deployment", "d", Stored)],
                ],
                "0 created, 0 bound, 0 deleted, 1 scaled, 1 updated",
            ),
            (
                "a pending pod bound, then started",
                vec![vec![act("bind", "Pod", "a", Stored)], vec![act("update", "Pod", "a", Stored)]],
                "0 created, 1 bound, 0 deleted, 0 scaled, 0 updated",
            ),
            (
                "a scale to the current replicas",
                vec![vec![act("scale", "Deployment", "d", Nothing)]],
                "0 created, 0 bound, 0 deleted, 0 scaled, 0 updated",
            ),
            (
                "a pod created and deleted in one run",
                vec![vec![act("create", "Pod", "a", Stored)], vec![act("delete", "Pod", "a", Removed)]],
                "1 created, 0 bound, 1 deleted, 0 scaled, 0 updated",
            ),
            (
                "events apart",
                vec![vec![act("create", "Event", "e1", Stored), act("update", "Event", "e2", Stored)]],
                "0 created, 0 bound, 0 deleted, 0 scaled, 0 updated, 2 events",
            ),
        ];
        for (name, steps, want) in cases {
            assert_eq!(Totals::of(&trace(steps)).to_string(), want, "{name}");
        }
    }

    #[test]
    fn a_run_of_no_ops_is_no_change() {
        let t = trace(vec![vec![act("scale", "Deployment", "d", Write::Nothing)]]);
        assert!(!t.changed());
        assert_eq!(summary(&t), "no changes: the cluster is converged");
        let text = trace_text(&t);
        assert!(text.starts_with("step 1  +0s\n  = Deployment   default/d"), "{text}");
        assert!(text.contains("  (= admitted, nothing changed)\n"), "{text}");
    }

    /// A step the clock jumped to names who woke it and by how much the clock jumped; a step
    /// one tick after the last says nothing.
    #[test]
    fn a_jump_names_who_woke_the_clock() {
        let step = |time, woken| StepRecord {
            step: 2,
            time,
            actions: vec![],
            conflicts: vec![],
            forbidden: vec![],
            woken,
        };
        let by = |names: &[&'static str]| Some(Woken::By(names.to_vec()));
        assert_eq!(
            jump_note(&step(301, by(&["node-lifecycle"])), 3),
            "  (clock jumped 298s, woken by node-lifecycle)"
        );
        assert_eq!(
            jump_note(&step(20, by(&["deployment", "replicaset"])), 10),
            "  (clock jumped 10s, woken by deployment, replicaset)"
        );
        assert_eq!(
            jump_note(&step(130, Some(Woken::AdvanceEnd)), 10),
            "  (clock jumped 120s to the end of the advance)"
        );
        assert_eq!(jump_note(&step(3, None), 3), "");
    }

    /// A status line that would read as the object's line before it says what the write
    /// changed; one that reads differently, or follows another line, keeps its summary.
    #[test]
    fn a_repeated_status_line_says_what_changed() {
        let status = |name: &str, reason: &str, changes: Vec<FieldChange>| Recorded {
            reason: reason.into(),
            status_changes: changes,
            ..act("update", "Deployment", name, Write::Stored)
        };
        let change =
            |field: &str, before: Value, after: Value| FieldChange { field: field.into(), before, after };
        let progressing = |reason: &str| json!([{"type": "Progressing", "status": "True", "reason": reason}]);
        let t = trace(vec![
            vec![status("web", "status: 2/2 ready", vec![]), status("db", "status: 1/1 ready", vec![])],
            vec![status("web", "status: 2/2 ready", vec![change("observedGeneration", json!(2), json!(3))])],
            vec![status(
                "web",
                "status: 2/2 ready",
                vec![
                    change(
                        "conditions",
                        json!([{"type": "Available", "status": "True"}, {"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated", "lastUpdateTime": "t1"}]),
                        json!([{"type": "Available", "status": "True"}, {"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated", "lastUpdateTime": "t2"}]),
                    ),
                    change("collisionCount", json!(1), Value::Null),
                ],
            )],
            vec![status(
                "web",
                "status: 2/2 ready",
                vec![change(
                    "conditions",
                    json!([{"type": "Available", "status": "True"}, {"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated"}]),
                    progressing("NewReplicaSetAvailable"),
                )],
            )],
            vec![status("db", "status: 1/1 ready, 1 up to date", vec![change("x", json!(1), json!(2))])],
        ]);
        let text = trace_text(&t);
        let reasons: Vec<&str> = text.lines().filter_map(|l| l.split("test: ").nth(1)).collect();
        assert_eq!(
            reasons,
            [
                "status: 2/2 ready",
                "status: 1/1 ready",
                "status: observedGeneration 3",
                "status: conditions Progressing=True ReplicaSetUpdated (lastUpdateTime), collisionCount unset",
                "status: conditions Progressing=True NewReplicaSetAvailable, Available removed",
                "status: 1/1 ready, 1 up to date",
            ],
            "{text}"
        );
    }

    #[test]
    fn table_aligns_like_kubectl() {
        let t = table(&[vec!["NAME".into(), "READY".into()], vec!["myapp-abcde".into(), "1/1".into()]]);
        assert_eq!(t, "NAME          READY\nmyapp-abcde   1/1\n");
    }

    fn at(step: usize, revision: i64, (old, new, terminating, available): (i64, i64, i64, i64)) -> Sample {
        Sample { step, time: 100 + step as i64, revision, old, new, terminating, available }
    }

    fn key() -> ObjKey {
        ObjKey::new("Deployment", "default", "web")
    }

    #[test]
    fn a_chart_marks_one_pod_a_mark_when_there_is_room() {
        let samples = [at(0, 1, (3, 0, 0, 3)), at(1, 2, (2, 1, 1, 2)), at(4, 2, (0, 3, 0, 3))];
        let text = rollout_chart(&key(), &samples, Some("konverge set image deploy/web c=v2"), 80);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "rollout of deployment.apps/web (revision 1 → 2, from `konverge set image deploy/web c=v2`):"
        );
        assert_eq!(lines[1], "  ░ old pod   █ new pod   ▒ terminating   (one mark a pod)");
        assert_eq!(
            lines[2].split_whitespace().collect::<Vec<_>>(),
            ["STEP", "TIME", "OLD", "NEW", "TERMINATING", "AVAILABLE"]
        );
        // The step log's numbering and clock (+0s at the first sample), the terminating pod apart.
        assert_eq!(lines[3].split_whitespace().collect::<Vec<_>>(), ["0", "+0s", "3", "0", "0", "3", "░░░"]);
        assert_eq!(lines[4].split_whitespace().collect::<Vec<_>>(), ["1", "+1s", "2", "1", "1", "2", "░░▒█"]);
        assert_eq!(lines[5].split_whitespace().collect::<Vec<_>>(), ["4", "+4s", "0", "3", "0", "3", "███"]);
    }

    /// A 20,000-replica rollout piped: no line wider than 80 columns, every part that is not
    /// zero still visible, the scale stated.
    #[test]
    fn a_large_rollout_fits_the_width() {
        let samples = [
            at(0, 1, (20_000, 0, 0, 20_000)),
            at(1, 2, (15_000, 5_000, 5_000, 15_000)),
            at(2, 2, (1, 19_999, 1, 19_999)),
            at(3, 2, (0, 20_000, 0, 20_000)),
        ];
        for width in [80, 100, 120] {
            let text = rollout_chart(&key(), &samples, None, width);
            let widest = text.lines().skip(1).map(|l| l.chars().count()).max().unwrap_or(0);
            assert!(widest <= width, "{width}: {widest}\n{text}");
            let last_row = text.lines().nth(6).unwrap_or("");
            assert!(last_row.ends_with('█') && !last_row.contains('░'), "{last_row}");
            let tiny = text.lines().nth(5).unwrap_or("");
            assert!(tiny.contains("░▒█"), "one old and one terminating pod keep a mark each: {tiny}");
        }
        let text = rollout_chart(&key(), &samples, None, 80);
        let per_mark: i64 = text
            .lines()
            .nth(1)
            .and_then(|l| l.split("≈ ").nth(1))
            .and_then(|r| r.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        assert!(per_mark > 1, "{text}");
        let bar = text.lines().nth(6).unwrap_or("").rsplit(' ').next().unwrap_or("");
        assert_eq!(bar.chars().count() as i64, (20_000 + per_mark - 1) / per_mark);
    }
}
