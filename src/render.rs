//! Output for people and for programs: the step-by-step trace (text and versioned JSON) and
//! kubectl-shaped tables.

use crate::driver::{Outcome, Recorded, Trace};
use crate::model;
use serde_json::{json, Value};

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
    for s in &trace.steps {
        out.push_str(&format!("step {}  +{}s\n", s.step, s.time - trace.start));
        let mut rows: Vec<Vec<String>> = Vec::new();
        let mut i = 0;
        while i < s.actions.len() {
            let a = &s.actions[i];
            let run = s.actions[i..]
                .iter()
                .take_while(|b| {
                    b.verb == a.verb
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
    out.push_str(&summary(trace));
    out.push('\n');
    out
}

fn action_row(a: &Recorded) -> Vec<String> {
    let symbol = match (a.verb, a.detail.as_deref()) {
        ("create", _) => "+",
        ("delete", _) => "-",
        (_, Some("removed")) => "x",
        _ => "~",
    };
    let target = match (a.verb, &a.detail) {
        ("bind", Some(node)) => format!("{} → {node}", a.key.ns_name()),
        _ => a.key.ns_name(),
    };
    vec![format!("{symbol} {}", a.key.kind), target, format!("{}: {}", a.controller, a.reason)]
}

/// One line: how the run ended and what it did.
pub fn summary(trace: &Trace) -> String {
    let count = |verb: &str| trace.steps.iter().flat_map(|s| &s.actions).filter(|a| a.verb == verb).count();
    let n = trace.steps.len();
    let elapsed = trace.steps.last().map_or(0, |s| s.time - trace.start);
    if !trace.changed() && trace.converged() {
        return "no changes: the cluster is converged".into();
    }
    let totals = format!(
        "{} created, {} bound, {} deleted, {} scaled, {} updated",
        count("create"),
        count("bind"),
        count("delete"),
        count("scale"),
        count("update")
    );
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns_like_kubectl() {
        let t = table(&[vec!["NAME".into(), "READY".into()], vec!["myapp-abcde".into(), "1/1".into()]]);
        assert_eq!(t, "NAME          READY\nmyapp-abcde   1/1\n");
    }
}
