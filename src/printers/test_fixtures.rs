//! Fixtures the printers' tests share: a fixed now and the table the CLI renders.

use super::*;

pub(super) const NOW: &str = "2025-01-01T01:00:00Z";

pub(super) fn now() -> i64 {
    model::parse_time(NOW).unwrap()
}

/// Render a table the way the CLI does and return its lines.
pub(super) fn table(kind: &str, objects: &[Value], wide: bool, all: bool, labels: bool) -> Vec<String> {
    let refs: Vec<&Value> = objects.iter().collect();
    crate::render::table(&rows(kind, &refs, now(), wide, all, labels)).lines().map(str::to_string).collect()
}
