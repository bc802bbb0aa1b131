//! Workload kinds: ReplicaSet, ReplicationController, Deployment, DaemonSet, StatefulSet
//! (`pkg/apis/apps/validation`, `pkg/apis/core/validation` for ReplicationController).

use super::checks::{int_or_percent, non_negative_int, string_map, IntOrPercent};
use super::field::{fail, join, FieldError};
use super::pod::pod_spec;
use crate::model;
use crate::selector::Selector;
use serde_json::Value;

#[derive(PartialEq)]
enum SelectorStyle {
    /// apps/v1: `spec.selector` is a required LabelSelector.
    LabelSelector,
    /// ReplicationController: an optional map, defaulted from the template labels.
    Map,
}

fn workload(obj: &Value, style: SelectorStyle) -> Result<(), FieldError> {
    if !obj.get("spec").is_some_and(Value::is_object) {
        return fail("spec", "required object");
    }
    let template = obj.pointer("/spec/template");
    if !template.is_some_and(Value::is_object) {
        return fail("spec.template", "required object");
    }
    let template_labels = string_map(obj, "spec.template.metadata.labels")?;
    pod_spec(obj, "spec.template.spec")?;
    let selector = match (obj.pointer("/spec/selector"), style) {
        (None | Some(Value::Null), SelectorStyle::LabelSelector) => {
            return fail("spec.selector", "required value")
        }
        (None | Some(Value::Null), SelectorStyle::Map) => {
            if template_labels.is_empty() {
                return fail("spec.template.metadata.labels", "required when spec.selector is not given");
            }
            return Ok(());
        }
        (Some(v), SelectorStyle::LabelSelector) => Selector::from_label_selector(v),
        (Some(v), SelectorStyle::Map) => Selector::from_map(v),
    }
    .map_err(|e| FieldError { field: join("spec.selector", &e.field), message: e.message })?;
    if selector.is_empty() {
        return fail("spec.selector", "empty selector is invalid for a workload: it would select every pod");
    }
    if !selector.matches(&template_labels) {
        return fail(
            "spec.template.metadata.labels",
            format!("`selector` does not match template `labels` (selector: {selector})"),
        );
    }
    Ok(())
}

fn replicas(obj: &Value) -> Result<(), FieldError> {
    match obj.pointer("/spec/replicas") {
        None | Some(Value::Null) => Ok(()),
        Some(v) => non_negative_int("spec.replicas", v).map(|_| ()),
    }
}

fn deployment(obj: &Value) -> Result<(), FieldError> {
    for f in ["minReadySeconds", "revisionHistoryLimit", "progressDeadlineSeconds"] {
        if let Some(v) = obj.pointer(&format!("/spec/{f}")).filter(|v| !v.is_null()) {
            non_negative_int(&format!("spec.{f}"), v)?;
        }
    }
    if let Some(Value::Bool(_)) | None = obj.pointer("/spec/paused") {
    } else {
        return fail("spec.paused", "expected boolean");
    }
    let min_ready = model::i64_at(obj, &["spec", "minReadySeconds"]).unwrap_or(0);
    if let Some(deadline) = model::i64_at(obj, &["spec", "progressDeadlineSeconds"]) {
        if deadline <= min_ready {
            return fail("spec.progressDeadlineSeconds", "must be greater than minReadySeconds");
        }
    }
    let strategy_type = match obj.pointer("/spec/strategy/type") {
        None | Some(Value::Null) => "RollingUpdate",
        Some(Value::String(s)) => s.as_str(),
        Some(_) => return fail("spec.strategy.type", "expected string"),
    };
    let rolling = obj.pointer("/spec/strategy/rollingUpdate").filter(|v| !v.is_null());
    match strategy_type {
        "Recreate" if rolling.is_some() => {
            fail("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'")
        }
        "Recreate" => Ok(()),
        "RollingUpdate" => {
            let surge = int_or_percent(rolling, "maxSurge")?;
            let unavailable = int_or_percent(rolling, "maxUnavailable")?;
            if let Some(IntOrPercent::Percent(p)) = unavailable {
                if p > 100 {
                    return fail(
                        "spec.strategy.rollingUpdate.maxUnavailable",
                        "must not be greater than 100%",
                    );
                }
            }
            if surge.is_some_and(|s| s.is_zero()) && unavailable.is_some_and(|u| u.is_zero()) {
                return fail(
                    "spec.strategy.rollingUpdate.maxUnavailable",
                    "may not be 0 when `maxSurge` is 0",
                );
            }
            Ok(())
        }
        other => fail(
            "spec.strategy.type",
            format!("unsupported value {other:?}: supported values: \"Recreate\", \"RollingUpdate\""),
        ),
    }
}

fn replica_set(obj: &Value) -> Result<(), FieldError> {
    workload(obj, SelectorStyle::LabelSelector)?;
    replicas(obj)
}

fn replication_controller(obj: &Value) -> Result<(), FieldError> {
    workload(obj, SelectorStyle::Map)?;
    replicas(obj)
}

fn deployment_object(obj: &Value) -> Result<(), FieldError> {
    workload(obj, SelectorStyle::LabelSelector)?;
    replicas(obj)?;
    deployment(obj)
}

fn labelled_workload(obj: &Value) -> Result<(), FieldError> {
    workload(obj, SelectorStyle::LabelSelector)
}

pub(super) const KINDS: &[(&str, super::KindValidator)] = &[
    ("ReplicaSet", replica_set),
    ("ReplicationController", replication_controller),
    ("Deployment", deployment_object),
    ("DaemonSet", labelled_workload),
    ("StatefulSet", labelled_workload),
];
