//! Pods and pod templates (`pkg/apis/core/validation`: `ValidatePodSpec`, containers).

use super::field::{fail, join, pointer, FieldError};
use crate::model;
use serde_json::Value;

pub(super) fn pod_spec(obj: &Value, path: &str) -> Result<(), FieldError> {
    let Some(spec) = obj.pointer(&pointer(path)).filter(|v| v.is_object()) else {
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

fn pod(obj: &Value) -> Result<(), FieldError> {
    pod_spec(obj, "spec")
}

pub(super) const KINDS: &[(&str, super::KindValidator)] = &[("Pod", pod)];
