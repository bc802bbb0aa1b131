//! API-server-style validation of one object, before it is admitted to the store.
//!
//! Mirrors what `kube-apiserver` rejects for the kinds konverge runs controllers for (required
//! fields, field types, selectors that must match their template, replica counts, rolling-update
//! parameters) and the identity every object needs. Kinds without a controller are only checked
//! for identity: they are stored unchanged.

mod cronjob;

use crate::model::{self, kind_info};
use crate::selector::Selector;
use serde_json::Value;

/// A rejected field: dotted path from the object root and the reason.
#[derive(Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

fn fail<T>(field: &str, message: impl Into<String>) -> Result<T, FieldError> {
    Err(FieldError { field: field.to_string(), message: message.into() })
}

/// Validate a whole object.
pub fn object(obj: &Value) -> Result<(), FieldError> {
    if !obj.is_object() {
        return fail("", "a Kubernetes object must be a YAML mapping");
    }
    let api_version = required_str(obj, "apiVersion")?;
    let kind = required_str(obj, "kind")?;
    if !obj.get("metadata").is_some_and(Value::is_object) {
        return fail("metadata", "required object");
    }
    let name = required_str(obj, "metadata.name")?;
    check_dns_subdomain("metadata.name", name)?;
    if let Some(ns) = obj.pointer("/metadata/namespace") {
        let ns = ns.as_str().ok_or(()).or_else(|_| fail("metadata.namespace", "expected string"))?;
        if !ns.is_empty() {
            check_dns_label("metadata.namespace", ns)?;
        }
    }
    for field in ["labels", "annotations"] {
        string_map(obj, &format!("metadata.{field}"))?;
    }
    let Some(info) = kind_info(kind) else { return Ok(()) };
    if info.removed.contains(&api_version) {
        return fail(
            "apiVersion",
            format!(
                "{kind} is no longer served at {api_version}; use {}",
                info.served.first().copied().unwrap_or("a current version")
            ),
        );
    }
    if !info.served.contains(&api_version) {
        return fail(
            "apiVersion",
            format!(
                "no matches for kind {kind:?} in version {api_version:?} (served: {})",
                info.served.join(", ")
            ),
        );
    }
    match kind {
        "Pod" => pod_spec(obj, "spec"),
        "ReplicaSet" => workload(obj, SelectorStyle::LabelSelector).and_then(|_| replicas(obj)),
        "ReplicationController" => workload(obj, SelectorStyle::Map).and_then(|_| replicas(obj)),
        "Deployment" => {
            workload(obj, SelectorStyle::LabelSelector)?;
            replicas(obj)?;
            deployment(obj)
        }
        "DaemonSet" | "StatefulSet" => workload(obj, SelectorStyle::LabelSelector),
        "CronJob" => cronjob::cron_job(obj),
        "Node" => node(obj),
        _ => Ok(()),
    }
}

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

/// An `intstr.IntOrString` as used by maxSurge / maxUnavailable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IntOrPercent {
    Int(i64),
    Percent(i64),
}

impl IntOrPercent {
    pub fn parse(v: &Value) -> Option<IntOrPercent> {
        match v {
            Value::Number(n) => n.as_i64().map(IntOrPercent::Int),
            Value::String(s) => match s.strip_suffix('%') {
                Some(p) => p.parse().ok().map(IntOrPercent::Percent),
                // A string must be a percentage (upstream IsValidPercent): "1" is not.
                None => None,
            },
            _ => None,
        }
    }

    fn is_zero(self) -> bool {
        matches!(self, IntOrPercent::Int(0) | IntOrPercent::Percent(0))
    }

    /// `intstr.GetScaledValueFromIntOrPercent`: an integer unchanged, `p%` of `total` rounded
    /// up or down.
    pub fn scaled(self, total: i64, round_up: bool) -> i64 {
        match self {
            IntOrPercent::Int(i) => i,
            IntOrPercent::Percent(p) if round_up => (p * total + 99) / 100,
            IntOrPercent::Percent(p) => p * total / 100,
        }
    }
}

fn int_or_percent(rolling: Option<&Value>, field: &str) -> Result<Option<IntOrPercent>, FieldError> {
    let path = format!("spec.strategy.rollingUpdate.{field}");
    match rolling.and_then(|r| r.get(field)).filter(|v| !v.is_null()) {
        None => Ok(None),
        Some(v) => match IntOrPercent::parse(v) {
            Some(IntOrPercent::Int(i) | IntOrPercent::Percent(i)) if i < 0 => {
                fail(&path, "must be greater than or equal to 0")
            }
            Some(x) => Ok(Some(x)),
            None => fail(&path, format!("must be an integer or a percentage (e.g. 25%), got {v}")),
        },
    }
}

fn pod_spec(obj: &Value, path: &str) -> Result<(), FieldError> {
    let pointer = format!("/{}", path.replace('.', "/"));
    let Some(spec) = obj.pointer(&pointer).filter(|v| v.is_object()) else {
        return fail(path, "required object");
    };
    let containers = match spec.get("containers") {
        Some(Value::Array(c)) if !c.is_empty() => c,
        Some(Value::Array(_)) | None | Some(Value::Null) => {
            return fail(&join(path, "containers"), "required value: at least one container")
        }
        Some(_) => return fail(&join(path, "containers"), "expected a list"),
    };
    for (i, c) in containers.iter().enumerate() {
        let cpath = format!("{path}.containers[{i}]");
        if !c.is_object() {
            return fail(&cpath, "expected an object");
        }
        for f in ["name", "image"] {
            match c.get(f) {
                Some(Value::String(s)) if !s.is_empty() => {}
                Some(Value::String(_)) | None | Some(Value::Null) => {
                    return fail(&join(&cpath, f), "required value")
                }
                Some(_) => return fail(&join(&cpath, f), "expected string"),
            }
        }
        for res in ["requests", "limits"] {
            if let Some(m) = c.get("resources").and_then(|r| r.get(res)).and_then(Value::as_object) {
                for (k, q) in m {
                    let qpath = format!("{cpath}.resources.{res}.{k}");
                    let s =
                        model::quantity_str(q).ok_or(()).or_else(|_| fail(&qpath, "expected a quantity"))?;
                    let ok = if k == "cpu" {
                        model::parse_cpu_milli(&s).is_some()
                    } else {
                        model::parse_bytes(&s).is_some()
                    };
                    if !ok {
                        return fail(
                            &qpath,
                            format!(
                                "quantities must match the regular expression (e.g. 500m, 128Mi), got {s:?}"
                            ),
                        );
                    }
                }
            }
        }
    }
    if let Some(sel) = spec.get("nodeSelector").filter(|v| !v.is_null()) {
        if !sel.as_object().is_some_and(|m| m.values().all(Value::is_string)) {
            return fail(&join(path, "nodeSelector"), "expected a map of strings");
        }
    }
    if let Some(t) = spec.get("tolerations").filter(|v| !v.is_null()) {
        if !t.is_array() {
            return fail(&join(path, "tolerations"), "expected a list");
        }
    }
    if let Some(p) = spec.get("restartPolicy").filter(|v| !v.is_null()) {
        if !matches!(p.as_str(), Some("Always" | "OnFailure" | "Never")) {
            return fail(
                &join(path, "restartPolicy"),
                format!("unsupported value {p}: supported values: \"Always\", \"OnFailure\", \"Never\""),
            );
        }
    }
    Ok(())
}

fn node(obj: &Value) -> Result<(), FieldError> {
    for kind in ["allocatable", "capacity"] {
        if let Some(m) = obj.pointer(&format!("/status/{kind}")).and_then(Value::as_object) {
            for (k, q) in m {
                let path = format!("status.{kind}.{k}");
                let s = model::quantity_str(q).ok_or(()).or_else(|_| fail(&path, "expected a quantity"))?;
                let ok = match k.as_str() {
                    "cpu" => model::parse_cpu_milli(&s).is_some(),
                    _ => model::parse_bytes(&s).is_some(),
                };
                if !ok {
                    return fail(&path, format!("invalid quantity {s:?}"));
                }
            }
        }
    }
    Ok(())
}

fn required_str<'a>(obj: &'a Value, path: &str) -> Result<&'a str, FieldError> {
    let pointer = format!("/{}", path.replace('.', "/"));
    match obj.pointer(&pointer) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s),
        None | Some(Value::Null) | Some(Value::String(_)) => fail(path, "required value"),
        Some(other) => fail(path, format!("expected string, got {}", type_name(other))),
    }
}

fn string_map(obj: &Value, path: &str) -> Result<Vec<(String, String)>, FieldError> {
    let pointer = format!("/{}", path.replace('.', "/"));
    match obj.pointer(&pointer) {
        None | Some(Value::Null) => Ok(vec![]),
        Some(Value::Object(m)) => {
            let mut out = Vec::new();
            for (k, v) in m {
                match v {
                    Value::String(s) => out.push((k.clone(), s.clone())),
                    other => {
                        return fail(
                            &format!("{path}.{k}"),
                            format!("expected string, got {}", type_name(other)),
                        )
                    }
                }
            }
            Ok(out)
        }
        Some(other) => fail(path, format!("expected a map of strings, got {}", type_name(other))),
    }
}

fn non_negative_int(path: &str, v: &Value) -> Result<i64, FieldError> {
    match v.as_i64() {
        Some(i) if i < 0 => fail(path, "must be greater than or equal to 0"),
        Some(i) if i > i32::MAX as i64 => fail(path, "must fit in a 32-bit integer"),
        Some(i) => Ok(i),
        None => fail(path, format!("expected integer, got {}", type_name(v))),
    }
}

fn check_dns_subdomain(path: &str, s: &str) -> Result<(), FieldError> {
    let ok = s.len() <= 253 && s.split('.').all(|part| !part.is_empty() && dns_label_chars(part));
    if ok {
        Ok(())
    } else {
        fail(path, format!("invalid name {s:?}: must be a lowercase RFC 1123 subdomain (a-z, 0-9, '-', '.')"))
    }
}

fn check_dns_label(path: &str, s: &str) -> Result<(), FieldError> {
    if s.len() <= 63 && dns_label_chars(s) {
        Ok(())
    } else {
        fail(path, format!("invalid value {s:?}: must be a lowercase RFC 1123 label"))
    }
}

fn dns_label_chars(s: &str) -> bool {
    s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "object",
    }
}

fn join(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty(), b.starts_with('.')) {
        (_, true, _) => a.to_string(),
        (true, _, _) => b.trim_start_matches('.').to_string(),
        (_, _, true) => format!("{a}{b}"),
        _ => format!("{a}.{b}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deploy(strategy: Value) -> Value {
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
            "spec": {
                "replicas": 2, "selector": {"matchLabels": {"app": "a"}}, "strategy": strategy,
                "template": {"metadata": {"labels": {"app": "a"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}}
            }
        })
    }

    fn field(obj: Value) -> String {
        object(&obj).map(|_| "ok".to_string()).unwrap_or_else(|e| e.field)
    }

    #[test]
    fn table_of_bad_deployments() {
        let ru = |s: Value, u: Value| json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": s, "maxUnavailable": u}});
        let cases = [
            (ru(json!(0), json!(0)), "spec.strategy.rollingUpdate.maxUnavailable"),
            (ru(json!("0%"), json!(0)), "spec.strategy.rollingUpdate.maxUnavailable"),
            (ru(json!(1), json!("150%")), "spec.strategy.rollingUpdate.maxUnavailable"),
            (ru(json!(-1), json!(1)), "spec.strategy.rollingUpdate.maxSurge"),
            (ru(json!("x%"), json!(1)), "spec.strategy.rollingUpdate.maxSurge"),
            (json!({"type": "Sideways"}), "spec.strategy.type"),
            (json!({"type": "Recreate", "rollingUpdate": {"maxSurge": 1}}), "spec.strategy.rollingUpdate"),
            (ru(json!("1"), json!(0)), "spec.strategy.rollingUpdate.maxSurge"),
            (ru(json!("200%"), json!(0)), "ok"),
            (ru(json!(1), json!(0)), "ok"),
            (json!({"type": "Recreate"}), "ok"),
        ];
        for (strategy, want) in cases {
            assert_eq!(field(deploy(strategy.clone())), want, "{strategy}");
        }
    }

    #[test]
    fn identity_and_versions() {
        assert_eq!(field(json!({"kind": "Pod", "metadata": {"name": "p"}})), "apiVersion");
        assert_eq!(field(json!({"apiVersion": "v1", "metadata": {"name": "p"}})), "kind");
        assert_eq!(field(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {}})), "metadata.name");
        assert_eq!(
            field(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "Bad_Name"}})),
            "metadata.name"
        );
        let mut d = deploy(json!({}));
        d["apiVersion"] = json!("extensions/v1beta1");
        assert_eq!(field(d), "apiVersion");
        assert_eq!(
            field(
                json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": 3})
            ),
            "ok"
        );
    }

    #[test]
    fn wrong_types_and_selectors() {
        let mut d = deploy(json!({}));
        d["spec"]["replicas"] = json!("two");
        assert_eq!(field(d), "spec.replicas");
        let mut d = deploy(json!({}));
        d["spec"]["selector"] = json!({"matchLabels": {"app": "b"}});
        assert_eq!(field(d), "spec.template.metadata.labels");
        let mut d = deploy(json!({}));
        d["spec"]["template"]["spec"]["containers"] = json!([]);
        assert_eq!(field(d), "spec.template.spec.containers");
        let mut d = deploy(json!({}));
        d["spec"]["template"]["spec"]["containers"][0]["resources"] = json!({"requests": {"cpu": "lots"}});
        assert_eq!(field(d), "spec.template.spec.containers[0].resources.requests.cpu");
    }

    #[test]
    fn scaled_values_round_like_upstream() {
        assert_eq!(IntOrPercent::Percent(25).scaled(2, true), 1);
        assert_eq!(IntOrPercent::Percent(25).scaled(2, false), 0);
        assert_eq!(IntOrPercent::Percent(25).scaled(10, true), 3);
        assert_eq!(IntOrPercent::Percent(25).scaled(10, false), 2);
        assert_eq!(IntOrPercent::Int(3).scaled(10, false), 3);
    }
}
