//! `kubectl describe`: the fields a person looks at first, and the object's events.

use crate::model::{self, ObjKey};
use crate::printers;
use crate::render;
use crate::state::State;
use serde_json::Value;

pub fn describe(s: &State, key: &ObjKey, obj: &Value) -> String {
    let mut out = String::new();
    let mut line = |k: &str, v: String| out.push_str(&format!("{:<16}{}\n", format!("{k}:"), v));
    line("Name", key.name.clone());
    if !key.namespace.is_empty() {
        line("Namespace", key.namespace.clone());
    }
    let labels: Vec<String> = model::labels(obj).iter().map(|(k, v)| format!("{k}={v}")).collect();
    line("Labels", if labels.is_empty() { "<none>".into() } else { labels.join("\n                ") });
    line("Created", model::str_at(obj, &["metadata", "creationTimestamp"]).to_string());
    if let Some((kind, name, _)) = model::controller_ref(obj) {
        line("Controlled By", format!("{kind}/{name}"));
    }
    match key.kind.as_str() {
        "Pod" => {
            line("Node", or_none(model::str_at(obj, &["spec", "nodeName"])));
            line("Status", printers::pod_status(obj));
            for c in model::at(obj, &["spec", "containers"]).and_then(Value::as_array).into_iter().flatten() {
                line(
                    "Container",
                    format!("{} ({})", model::str_at(c, &["name"]), model::str_at(c, &["image"])),
                );
            }
            if let Some(c) =
                model::condition(obj, "PodScheduled").filter(|c| model::str_at(c, &["status"]) == "False")
            {
                line(
                    "Scheduling",
                    format!("{}: {}", model::str_at(c, &["reason"]), model::str_at(c, &["message"])),
                );
            }
        }
        "ReplicaSet" | "ReplicationController" | "Deployment" => {
            line(
                "Replicas",
                format!(
                    "{} current / {} desired",
                    model::i64_at(obj, &["status", "replicas"]).unwrap_or(0),
                    model::replicas(obj)
                ),
            );
            let images: Vec<&str> = model::at(obj, &["spec", "template", "spec", "containers"])
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|c| model::str_at(c, &["image"]))
                .collect();
            line("Images", images.join(","));
        }
        "Node" => {
            let taints: Vec<String> = model::at(obj, &["spec", "taints"])
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|t| format!("{}:{}", model::str_at(t, &["key"]), model::str_at(t, &["effect"])))
                .collect();
            line("Taints", if taints.is_empty() { "<none>".into() } else { taints.join(", ") });
        }
        _ => {}
    }
    out.push_str(&events(s, key, obj));
    out
}

fn or_none(s: &str) -> String {
    if s.is_empty() {
        "<none>".into()
    } else {
        s.to_string()
    }
}

/// The Events table of an object (oldest first), or `Events: <none>`.
pub fn events(s: &State, key: &ObjKey, obj: &Value) -> String {
    let uid = model::uid(obj);
    let mut rows =
        vec![vec!["Type".to_string(), "Reason".into(), "Age".into(), "From".into(), "Message".into()]];
    for ev in s.of_kind("Event", None) {
        let inv = |f: &str| model::str_at(ev, &["involvedObject", f]);
        if inv("kind") != key.kind || inv("name") != key.name || (!uid.is_empty() && inv("uid") != uid) {
            continue;
        }
        let age = model::parse_time(model::str_at(ev, &["lastTimestamp"]))
            .map_or("<unknown>".into(), |t| model::fmt_age(s.now - t));
        rows.push(vec![
            model::str_at(ev, &["type"]).to_string(),
            model::str_at(ev, &["reason"]).to_string(),
            age,
            model::str_at(ev, &["source", "component"]).to_string(),
            model::str_at(ev, &["message"]).to_string(),
        ]);
    }
    if rows.len() == 1 {
        return "Events:         <none>\n".into();
    }
    let mut out = String::from("Events:\n");
    for l in render::table(&rows).lines() {
        out.push_str("  ");
        out.push_str(l);
        out.push('\n');
    }
    out
}
