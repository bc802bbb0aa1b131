//! Output for people and for programs: the step-by-step trace (text and versioned JSON) and
//! kubectl-shaped tables.

use crate::apiserver::Write;
use crate::driver::{Outcome, Recorded, StepRecord, Trace, Woken, TICK};
use crate::model::{self, ObjKey};
use serde_json::{json, Value};
use std::collections::BTreeSet;

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
    for s in &trace.steps {
        out.push_str(&format!("step {}  +{}s{}\n", s.step, s.time - trace.start, jump_note(s, clock)));
        clock = s.time + TICK;
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
            for b in &s.actions[i..i + shown] {
                rows.push(action_row(b));
            }
            if shown < run {
                rows.push(vec![String::new(), format!("… and {} more", run - shown), String::new()]);
            }
            i += run;
        }
        for c in &s.conflicts {
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
        .flat_map(|s| s.actions.iter().map(|a| marker(a)).chain(s.conflicts.iter().map(|_| "!")))
        .collect();
    let shown: Vec<String> =
        MARKERS.iter().filter(|(m, _)| used.contains(m)).map(|(m, what)| format!("{m} {what}")).collect();
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
        let step = |time, woken| StepRecord { step: 2, time, actions: vec![], conflicts: vec![], woken };
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

    #[test]
    fn table_aligns_like_kubectl() {
        let t = table(&[vec!["NAME".into(), "READY".into()], vec!["myapp-abcde".into(), "1/1".into()]]);
        assert_eq!(t, "NAME          READY\nmyapp-abcde   1/1\n");
    }
}
