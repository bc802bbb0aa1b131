//! Workload kinds: ReplicaSet, ReplicationController, Deployment, DaemonSet, StatefulSet
//! (`pkg/apis/apps/validation`, `pkg/apis/core/validation` for ReplicationController).

use super::checks::{int_or_percent, non_negative_int, string_map, IntOrPercent};
use super::field::{fail, join, type_name, FieldError};
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

fn stateful_set(obj: &Value) -> Result<(), FieldError> {
    workload(obj, SelectorStyle::LabelSelector)?;
    super::statefulset::stateful_set_spec(obj)
}

fn daemon_set_object(obj: &Value) -> Result<(), FieldError> {
    workload(obj, SelectorStyle::LabelSelector)?;
    daemon_set(obj)
}

/// upstream `ValidateDaemonSetSpec` beyond the selector and template (checked by `workload`):
/// the template's restartPolicy and activeDeadlineSeconds, non-negative minReadySeconds and
/// revisionHistoryLimit, and `ValidateDaemonSetUpdateStrategy` on the strategy as the API
/// server defaults it (RollingUpdate with maxUnavailable 1 and maxSurge 0): each value a
/// non-negative integer or a percentage of at most 100%, and exactly one of maxSurge and
/// maxUnavailable non-zero.
fn daemon_set(obj: &Value) -> Result<(), FieldError> {
    match obj.pointer("/spec/template/spec/restartPolicy").and_then(Value::as_str) {
        None | Some("Always") => {}
        Some(other) => {
            return fail(
                "spec.template.spec.restartPolicy",
                format!("Unsupported value: {other:?}: supported values: \"Always\""),
            )
        }
    }
    if obj.pointer("/spec/template/spec/activeDeadlineSeconds").is_some_and(|v| !v.is_null()) {
        return fail(
            "spec.template.spec.activeDeadlineSeconds",
            "activeDeadlineSeconds in DaemonSet is not Supported",
        );
    }
    for f in ["minReadySeconds", "revisionHistoryLimit"] {
        if let Some(v) = obj.pointer(&format!("/spec/{f}")).filter(|v| !v.is_null()) {
            non_negative_int(&format!("spec.{f}"), v)?;
        }
    }
    let strategy = "spec.updateStrategy";
    let strategy_type = match obj.pointer("/spec/updateStrategy/type") {
        None | Some(Value::Null) => "RollingUpdate",
        Some(Value::String(s)) => s.as_str(),
        Some(other) => {
            return fail(&format!("{strategy}.type"), format!("expected string, got {}", type_name(other)))
        }
    };
    match strategy_type {
        "OnDelete" => return Ok(()),
        "RollingUpdate" => {}
        other => {
            return fail(
                strategy,
                format!("Unsupported value: {other:?}: supported values: \"RollingUpdate\", \"OnDelete\""),
            )
        }
    }
    let rolling = obj.pointer("/spec/updateStrategy/rollingUpdate").filter(|v| !v.is_null());
    let value = |field: &str, default: IntOrPercent| -> Result<IntOrPercent, FieldError> {
        let path = format!("{strategy}.rollingUpdate.{field}");
        let Some(v) = rolling.and_then(|r| r.get(field)).filter(|v| !v.is_null()) else { return Ok(default) };
        match IntOrPercent::parse(v) {
            Some(IntOrPercent::Int(i)) if i < 0 => fail(&path, "must be greater than or equal to 0"),
            Some(IntOrPercent::Percent(p)) if p < 0 => fail(
                &path,
                format!("{v}: a valid percent string must be a numeric string followed by an ending '%'"),
            ),
            Some(IntOrPercent::Percent(p)) if p > 100 => {
                fail(&path, format!("{v}: must not be greater than 100%"))
            }
            Some(x) => Ok(x),
            None => fail(&path, format!("must be an integer or a percentage (e.g. 25%), got {v}")),
        }
    };
    let unavailable = value("maxUnavailable", IntOrPercent::Int(1))?;
    let surge = value("maxSurge", IntOrPercent::Int(0))?;
    match (unavailable.is_zero(), surge.is_zero()) {
        (false, false) => fail(
            &format!("{strategy}.rollingUpdate.maxSurge"),
            "may not be set when maxUnavailable is non-zero",
        ),
        (true, true) => fail(
            &format!("{strategy}.rollingUpdate.maxUnavailable"),
            "Required value: cannot be 0 when maxSurge is 0",
        ),
        _ => Ok(()),
    }
}

pub(super) const KINDS: &[(&str, super::KindValidator)] = &[
    ("ReplicaSet", replica_set),
    ("ReplicationController", replication_controller),
    ("Deployment", deployment_object),
    ("DaemonSet", daemon_set_object),
    ("StatefulSet", stateful_set),
];
