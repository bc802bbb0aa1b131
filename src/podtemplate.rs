//! Building objects from the templates controllers carry: a pod from a pod template, with the
//! controller owner reference upstream's `GetPodFromTemplate` sets, and a Job from a CronJob's
//! job template; and what a controller does when the API server forbids such a pod.

use crate::actions::{Action, EventSpec, EventType, FORBIDDEN_PLACEHOLDER};
use crate::model::{self, ObjKey};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// The controller owner reference to `owner` (`controller: true`, `blockOwnerDeletion: true`).
pub fn controller_ref(owner: &Value) -> Value {
    json!({
        "apiVersion": model::str_at(owner, &["apiVersion"]),
        "kind": model::str_at(owner, &["kind"]),
        "name": model::name(owner),
        "uid": model::uid(owner),
        "controller": true,
        "blockOwnerDeletion": true,
    })
}

/// The `FailedCreate` Warning upstream's `PodControl.CreatePods` records on `owner` when the
/// API server refuses a pod ("Error creating: …"), as an action a create carries for that case
/// ([`Action::or_when_forbidden`]). Recorded again on every refused attempt, each a later
/// step (`now`), as the event recorder counts repeats.
pub fn failed_create(controller: &'static str, owner: &ObjKey, now: i64) -> Action {
    let event = EventSpec {
        on: owner.clone(),
        kind: EventType::Warning,
        reason: "FailedCreate".into(),
        message: format!("Error creating: {FORBIDDEN_PLACEHOLDER}"),
    };
    Action::event_only(controller, "create forbidden", now, event)
}

/// A new pod from `owner`'s `spec.template`, named by the API server from `generate_name`.
pub fn pod_from_template(owner: &Value, generate_name: &str) -> Value {
    let template = model::at(owner, &["spec", "template"]).cloned().unwrap_or(Value::Null);
    pod_with(owner, &template, Some(generate_name))
}

/// A new, unnamed pod of `owner` from `template` (upstream `GetPodFromTemplate`): the
/// template's labels, annotations and spec, the owner's namespace, a controller reference.
pub fn pod_from(owner: &Value, template: &Value) -> Value {
    pod_with(owner, template, None)
}

fn pod_with(owner: &Value, template: &Value, generate_name: Option<&str>) -> Value {
    let mut meta = Map::new();
    if let Some(prefix) = generate_name {
        meta.insert("generateName".into(), Value::String(prefix.to_string()));
    }
    meta.insert(
        "namespace".into(),
        Value::String(model::str_at(owner, &["metadata", "namespace"]).to_string()),
    );
    for field in ["labels", "annotations"] {
        if let Some(v) =
            model::at(template, &["metadata", field]).filter(|v| v.as_object().is_some_and(|m| !m.is_empty()))
        {
            meta.insert(field.into(), v.clone());
        }
    }
    meta.insert("ownerReferences".into(), Value::Array(vec![controller_ref(owner)]));
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": model::at(template, &["spec"]).cloned().unwrap_or_else(|| json!({})),
    })
}

/// A Job named `name` from `cron_job`'s `spec.jobTemplate`: the template's labels, its
/// annotations with `extra_annotations` added (keys in order, as the API server writes a map),
/// and its spec. Who owns it is the caller's to say (the CronJob controller and kubectl's
/// `create job --from` write different owner references).
pub fn job_from_cron_job(cron_job: &Value, name: &str, extra_annotations: &[(&str, String)]) -> Value {
    let template = model::at(cron_job, &["spec", "jobTemplate"]).cloned().unwrap_or(Value::Null);
    let labels: BTreeMap<String, Value> = model::at(&template, &["metadata", "labels"])
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    let mut annotations: BTreeMap<String, Value> = model::at(&template, &["metadata", "annotations"])
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    for (k, v) in extra_annotations {
        annotations.insert(k.to_string(), Value::String(v.clone()));
    }
    let mut meta = Map::new();
    meta.insert("name".into(), Value::String(name.to_string()));
    meta.insert(
        "namespace".into(),
        Value::String(model::str_at(cron_job, &["metadata", "namespace"]).to_string()),
    );
    if !labels.is_empty() {
        meta.insert("labels".into(), json!(labels));
    }
    if !annotations.is_empty() {
        meta.insert("annotations".into(), json!(annotations));
    }
    json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": meta,
        "spec": model::at(&template, &["spec"]).cloned().unwrap_or_else(|| json!({})),
    })
}
