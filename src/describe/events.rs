//! `DescribeEvents`: the events about an object, oldest first, repeats folded.

use super::*;
use std::borrow::Cow;

/// `DescribeEvents`: the object's events, oldest first.
pub(super) fn events(w: &mut Out, s: &State, key: &ObjKey, obj: &Value) {
    let uid = model::uid(obj);
    let about: Vec<Cow<Value>> = s
        .events_in(if key.namespace.is_empty() { None } else { Some(&key.namespace) })
        .filter(|(_, ev)| {
            let inv = |f: &str| ev.involved(f);
            let uid_ok = uid.is_empty()
                || inv("uid").is_empty()
                || inv("uid") == uid
                || (key.kind == "Node" && inv("uid") == key.name);
            inv("kind") == key.kind
                && inv("name") == key.name
                && (key.namespace.is_empty()
                    || inv("namespace").is_empty()
                    || inv("namespace") == key.namespace)
                && uid_ok
        })
        .map(|(k, ev)| ev.to_value(k))
        .collect();
    let mut evs: Vec<&Value> = about.iter().map(|ev| ev.as_ref()).collect();
    if evs.is_empty() {
        w.w(0, "Events:\t<none>\n");
        return;
    }
    printers::sort_events(&mut evs);
    w.w(0, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n");
    w.w(1, "----\t------\t----\t----\t-------\n");
    for ev in evs {
        let first = match model::str_at(ev, &["firstTimestamp"]) {
            "" => printers::since(model::str_at(ev, &["eventTime"]), s.now),
            t => printers::since(t, s.now),
        };
        let count = model::i64_at(ev, &["count"]).unwrap_or(0);
        let age = if let Some(series) = model::at(ev, &["series"]) {
            format!(
                "{} (x{} over {first})",
                printers::since(model::str_at(series, &["lastObservedTime"]), s.now),
                model::i64_at(series, &["count"]).unwrap_or(0)
            )
        } else if count > 1 {
            format!(
                "{} (x{count} over {first})",
                printers::since(model::str_at(ev, &["lastTimestamp"]), s.now)
            )
        } else {
            first
        };
        let source = match model::str_at(ev, &["source", "component"]) {
            "" => model::str_at(ev, &["reportingComponent"]),
            c => c,
        };
        out!(
            w,
            1,
            "{}\t{}\t{age}\t{source}\t{}\n",
            model::str_at(ev, &["type"]),
            model::str_at(ev, &["reason"]),
            model::str_at(ev, &["message"]).trim()
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::describe::test_fixtures::*;
    use serde_json::json;

    #[test]
    fn events_match_the_object_and_fold_repeats() {
        let rs = json!({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "myapp", "namespace": "default", "uid": "uid-rs"},
                        "spec": {"template": {}}});
        let other_ns = {
            let mut e = event(
                "e9",
                "2",
                ("ReplicaSet", "myapp", "uid-rs"),
                "SuccessfulCreate",
                "elsewhere",
                (T0, T0, 1),
            );
            e["metadata"]["namespace"] = json!("other");
            e
        };
        let s = state(
            vec![
                rs,
                event(
                    "e1",
                    "5",
                    ("ReplicaSet", "myapp", "uid-rs"),
                    "SuccessfulDelete",
                    "Deleted pod: myapp-b  ",
                    ("2025-01-01T00:00:30Z", "2025-01-01T00:00:30Z", 1),
                ),
                event(
                    "e2",
                    "3",
                    ("ReplicaSet", "myapp", "uid-rs"),
                    "SuccessfulCreate",
                    "Created pod: myapp-a",
                    (T0, "2025-01-01T00:00:50Z", 7),
                ),
                event(
                    "e3",
                    "4",
                    ("ReplicaSet", "myapp", "old-uid"),
                    "SuccessfulCreate",
                    "an older ReplicaSet of that name",
                    (T0, T0, 1),
                ),
                event(
                    "e4",
                    "6",
                    ("Pod", "myapp", "uid-rs"),
                    "Started",
                    "a pod of the same name",
                    (T0, T0, 1),
                ),
                other_ns,
            ],
            "2025-01-01T00:01:00Z",
        );
        let got = describe_in(&s, "ReplicaSet", "default", "myapp");
        let events: Vec<&str> = got.lines().skip_while(|l| !l.starts_with("Events:")).collect();
        assert_eq!(
            events,
            [
                "Events:",
                "  Type    Reason            Age                From                   Message",
                "  ----    ------            ----               ----                   -------",
                "  Normal  SuccessfulDelete  30s                replicaset-controller  Deleted pod: myapp-b",
                "  Normal  SuccessfulCreate  10s (x7 over 60s)  replicaset-controller  Created pod: myapp-a",
            ]
        );
    }
}
