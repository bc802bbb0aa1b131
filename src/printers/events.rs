//! Event columns and the order kubectl lists events in.

use super::*;

/// The time an event was last seen (`lastTimestamp`, else `firstTimestamp`, else `eventTime`).
fn event_last_seen(ev: &Value) -> Option<i64> {
    ["lastTimestamp", "firstTimestamp", "eventTime"]
        .iter()
        .find_map(|f| model::parse_time(model::str_at(ev, &[f])))
}

fn event_first_seen(ev: &Value) -> Option<i64> {
    ["firstTimestamp", "eventTime"].iter().find_map(|f| model::parse_time(model::str_at(ev, &[f])))
}

/// Events oldest first (`--sort-by=.lastTimestamp`); ties keep the order they were recorded in.
pub fn sort_events(events: &mut [&Value]) {
    let rv =
        |e: &Value| model::str_at(e, &["metadata", "resourceVersion"]).parse::<u64>().unwrap_or(u64::MAX);
    events.sort_by(|a, b| {
        event_last_seen(a)
            .unwrap_or(i64::MIN)
            .cmp(&event_last_seen(b).unwrap_or(i64::MIN))
            .then_with(|| rv(a).cmp(&rv(b)))
            .then_with(|| model::name(a).cmp(model::name(b)))
    });
}

pub(super) fn event_cells(ev: &Value, now: i64, wide: bool) -> Vec<String> {
    let first = event_first_seen(ev).map_or("<unknown>".to_string(), |t| human_duration(now - t));
    let mut last = match model::parse_time(model::str_at(ev, &["lastTimestamp"])) {
        Some(t) => human_duration(now - t),
        None => first.clone(),
    };
    let mut count = model::i64_at(ev, &["count"]).unwrap_or(0);
    if let Some(series) = model::at(ev, &["series"]) {
        last = since(model::str_at(series, &["lastObservedTime"]), now);
        count = model::i64_at(series, &["count"]).unwrap_or(0);
    } else if count == 0 {
        count = 1;
    }
    let kind = model::str_at(ev, &["involvedObject", "kind"]).to_ascii_lowercase();
    let target = match model::str_at(ev, &["involvedObject", "name"]) {
        "" => kind,
        n => format!("{kind}/{n}"),
    };
    let message = model::str_at(ev, &["message"]).trim().to_string();
    let (kind, reason) =
        (model::str_at(ev, &["type"]).to_string(), model::str_at(ev, &["reason"]).to_string());
    if !wide {
        return vec![last, kind, reason, target, message];
    }
    let first_non_empty = |a: &str, b: &str| if a.is_empty() { b.to_string() } else { a.to_string() };
    let component = first_non_empty(
        model::str_at(ev, &["source", "component"]),
        model::str_at(ev, &["reportingComponent"]),
    );
    let host =
        first_non_empty(model::str_at(ev, &["source", "host"]), model::str_at(ev, &["reportingInstance"]));
    let source = match (component.is_empty(), host.is_empty()) {
        (true, _) => "<unknown>".to_string(),
        (false, true) => component,
        (false, false) => format!("{component}, {host}"),
    };
    vec![
        last,
        kind,
        reason,
        target,
        model::str_at(ev, &["involvedObject", "fieldPath"]).to_string(),
        source,
        message,
        first,
        count.to_string(),
        model::name(ev).to_string(),
    ]
}

#[cfg(test)]
mod tests {
    use crate::printers::test_fixtures::*;
    use serde_json::json;

    #[test]
    fn events_oldest_first() {
        let ev = |name: &str, rv: &str, last: &str, reason: &str, kind: &str, obj: &str, msg: &str| {
            json!({"kind": "Event", "metadata": {"name": name, "namespace": "default", "resourceVersion": rv},
                   "involvedObject": {"kind": kind, "name": obj}, "reason": reason, "message": msg, "type": "Normal",
                   "source": {"component": "replicaset-controller"},
                   "firstTimestamp": last, "lastTimestamp": last, "count": 1})
        };
        let events = [
            ev("b", "9", "2025-01-01T00:59:58Z", "Started", "Pod", "myapp-x", "Started container"),
            ev(
                "z",
                "3",
                "2025-01-01T00:59:50Z",
                "SuccessfulCreate",
                "ReplicaSet",
                "myapp",
                "Created pod: myapp-x",
            ),
            ev(
                "a",
                "4",
                "2025-01-01T00:59:50Z",
                "SuccessfulCreate",
                "ReplicaSet",
                "myapp",
                "Created pod: myapp-y",
            ),
        ];
        assert_eq!(
            table("Event", &events, false, false, false),
            [
                "LAST SEEN   TYPE     REASON             OBJECT             MESSAGE",
                "10s         Normal   SuccessfulCreate   replicaset/myapp   Created pod: myapp-x",
                "10s         Normal   SuccessfulCreate   replicaset/myapp   Created pod: myapp-y",
                "2s          Normal   Started            pod/myapp-x        Started container",
            ]
        );
        assert_eq!(
            table("Event", &events[..1], true, false, false),
            [
                "LAST SEEN   TYPE     REASON    OBJECT        SUBOBJECT   SOURCE                  MESSAGE             FIRST SEEN   COUNT   NAME",
                "2s          Normal   Started   pod/myapp-x               replicaset-controller   Started container   2s           1       b",
            ]
        );
    }
}
