//! StatefulSet validation: upstream `ValidateStatefulSetSpec` (`pkg/apis/apps/validation`,
//! v1.33+, where `serviceName` is optional but must be a DNS-1035 label when set), in its order
//! and with its field paths and messages, for what the generic workload checks (selector,
//! template, containers) leave out.
//!
//! One addition: upstream accepts any `volumeClaimTemplates` and refuses, sync after sync, each
//! claim its controller then creates from a bad one (no storage request, an unknown access
//! mode). konverge refuses the StatefulSet up front instead, with the claim's own message
//! (`ValidatePersistentVolumeClaimSpec`) under `spec.volumeClaimTemplates[i]`.
//!
//! The checks only read the object and return the first refused field; each is a function of
//! its own.

use super::{FieldError, IntOrPercent};
use serde_json::Value;

/// The access modes a claim may ask for (`core.PersistentVolumeAccessMode`).
pub const ACCESS_MODES: [&str; 4] = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"];

type Checked = Result<(), FieldError>;

fn invalid(field: &str, value: &Value, message: impl std::fmt::Display) -> Checked {
    Err(FieldError { field: field.into(), message: format!("Invalid value: {value}: {message}") })
}

fn unsupported(field: &str, value: &Value, supported: &[&str]) -> Checked {
    let list: Vec<String> = supported.iter().map(|s| format!("{s:?}")).collect();
    Err(FieldError {
        field: field.into(),
        message: format!("Unsupported value: {value}: supported values: {}", list.join(", ")),
    })
}

fn required(field: &str, message: &str) -> Checked {
    let message =
        if message.is_empty() { "Required value".to_string() } else { format!("Required value: {message}") };
    Err(FieldError { field: field.into(), message })
}

/// `ValidateStatefulSet`, after the generic workload checks: the name (a DNS-1123 label, so
/// that `<name>-<ordinal>` names pods) and `ValidateStatefulSetSpec`.
pub fn stateful_set_spec(obj: &Value) -> Checked {
    if let Some(name) =
        obj.pointer("/metadata/name").filter(|n| n.as_str().is_some_and(|n| !dns1123_label(n)))
    {
        return invalid(
            "metadata.name",
            name,
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
        );
    }
    let Some(spec) = obj.get("spec") else { return Ok(()) };
    pod_management_policy(spec)?;
    update_strategy(spec)?;
    retention_policy(spec)?;
    for (field, path) in [
        ("spec.replicas", "/replicas"),
        ("spec.minReadySeconds", "/minReadySeconds"),
        ("spec.ordinals.start", "/ordinals/start"),
    ] {
        non_negative(field, spec.pointer(path))?;
    }
    template_rules(spec)?;
    service_name(spec)?;
    claim_templates(spec)
}

fn pod_management_policy(spec: &Value) -> Checked {
    match spec.get("podManagementPolicy") {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(p)) if p == "OrderedReady" || p == "Parallel" => Ok(()),
        Some(v) => invalid("spec.podManagementPolicy", v, "must be 'OrderedReady' or 'Parallel'"),
    }
}

fn update_strategy(spec: &Value) -> Checked {
    let Some(strategy) = spec.get("updateStrategy").filter(|s| !s.is_null()) else { return Ok(()) };
    let rolling = strategy.get("rollingUpdate").filter(|r| !r.is_null());
    match strategy.get("type") {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(t)) if t == "OnDelete" => match rolling {
            Some(r) => invalid(
                "spec.updateStrategy.rollingUpdate",
                r,
                "only allowed for updateStrategy 'RollingUpdate'",
            ),
            None => Ok(()),
        },
        Some(Value::String(t)) if t == "RollingUpdate" => rolling.map_or(Ok(()), rolling_update),
        Some(_) => invalid("spec.updateStrategy", strategy, "must be 'RollingUpdate' or 'OnDelete'"),
    }
}

/// `validateRollingUpdateStatefulSet`.
fn rolling_update(rolling: &Value) -> Checked {
    non_negative("spec.updateStrategy.rollingUpdate.partition", rolling.get("partition"))?;
    let field = "spec.updateStrategy.rollingUpdate.maxUnavailable";
    let Some(v) = rolling.get("maxUnavailable").filter(|v| !v.is_null()) else { return Ok(()) };
    match IntOrPercent::parse(v) {
        None if v.is_string() => invalid(
            field,
            v,
            "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
        ),
        None => invalid(field, v, "must be an integer or a percentage"),
        Some(IntOrPercent::Int(n) | IntOrPercent::Percent(n)) if n < 0 => {
            invalid(field, v, "must be greater than or equal to 0")
        }
        Some(IntOrPercent::Int(0) | IntOrPercent::Percent(0)) => invalid(field, v, "cannot be 0"),
        Some(IntOrPercent::Percent(p)) if p > 100 => invalid(field, v, "must not be greater than 100%"),
        Some(_) => Ok(()),
    }
}

fn retention_policy(spec: &Value) -> Checked {
    let Some(policy) = spec.get("persistentVolumeClaimRetentionPolicy").filter(|p| !p.is_null()) else {
        return Ok(());
    };
    for field in ["whenDeleted", "whenScaled"] {
        match policy.get(field) {
            None | Some(Value::Null) => {}
            Some(Value::String(p)) if p == "Retain" || p == "Delete" => {}
            Some(v) => {
                return unsupported(
                    &format!("spec.persistentVolumeClaimRetentionPolicy.{field}"),
                    v,
                    &["Retain", "Delete"],
                )
            }
        }
    }
    Ok(())
}

fn non_negative(field: &str, v: Option<&Value>) -> Checked {
    match v {
        None | Some(Value::Null) => Ok(()),
        Some(n) if n.as_i64().is_some_and(|n| n >= 0 && n <= i32::MAX as i64) => Ok(()),
        Some(n) if n.as_i64().is_some_and(|n| n < 0) => {
            invalid(field, n, "must be greater than or equal to 0")
        }
        Some(n) => invalid(field, n, "must be a 32-bit integer"),
    }
}

/// The template rules `ValidateStatefulSetSpec` adds: restartPolicy Always, no
/// activeDeadlineSeconds.
fn template_rules(spec: &Value) -> Checked {
    let Some(pod) = spec.pointer("/template/spec") else { return Ok(()) };
    if let Some(p) = pod.get("restartPolicy").filter(|p| !p.is_null() && p.as_str() != Some("Always")) {
        return unsupported("spec.template.spec.restartPolicy", p, &["Always"]);
    }
    if pod.get("activeDeadlineSeconds").is_some_and(|v| !v.is_null()) {
        return Err(FieldError {
            field: "spec.template.spec.activeDeadlineSeconds".into(),
            message: "Forbidden: activeDeadlineSeconds in StatefulSet is not Supported".into(),
        });
    }
    Ok(())
}

/// `serviceName` is optional; when set it names a Service, so it must be a DNS-1035 label.
fn service_name(spec: &Value) -> Checked {
    let field = "spec.serviceName";
    match spec.get("serviceName") {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(s)) if s.is_empty() || dns1035_label(s) => Ok(()),
        Some(v @ Value::String(_)) => invalid(
            field,
            v,
            "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
        ),
        Some(v) => invalid(field, v, "must be a string"),
    }
}

fn dns1123_label(s: &str) -> bool {
    s.len() <= 63
        && s.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && s.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn dns1035_label(s: &str) -> bool {
    s.len() <= 63
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Each claim template must make a valid claim: a name, at least one of the four access modes
/// (ReadWriteOncePod alone), a storage request.
fn claim_templates(spec: &Value) -> Checked {
    let Some(templates) = spec.get("volumeClaimTemplates").filter(|t| !t.is_null()) else { return Ok(()) };
    let Some(templates) = templates.as_array() else {
        return invalid("spec.volumeClaimTemplates", templates, "must be a list");
    };
    for (i, t) in templates.iter().enumerate() {
        claim_template(&format!("spec.volumeClaimTemplates[{i}]"), t)?;
    }
    Ok(())
}

fn claim_template(path: &str, t: &Value) -> Checked {
    if t.pointer("/metadata/name").and_then(Value::as_str).is_none_or(str::is_empty) {
        return required(&format!("{path}.metadata.name"), "name or generateName is required");
    }
    let modes_path = format!("{path}.spec.accessModes");
    let modes: Vec<&Value> = t
        .pointer("/spec/accessModes")
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    if modes.is_empty() {
        return required(&modes_path, "at least 1 access mode is required");
    }
    for m in &modes {
        if !m.as_str().is_some_and(|m| ACCESS_MODES.contains(&m)) {
            return unsupported(&modes_path, m, &ACCESS_MODES);
        }
    }
    if modes.len() > 1 && modes.iter().any(|m| m.as_str() == Some("ReadWriteOncePod")) {
        return Err(FieldError {
            field: modes_path,
            message: "Forbidden: may not use ReadWriteOncePod with other access modes".into(),
        });
    }
    let storage_path = format!("{path}.spec.resources[storage]");
    match t.pointer("/spec/resources/requests/storage") {
        None | Some(Value::Null) => required(&storage_path, ""),
        Some(q) => match crate::model::quantity_str(q).and_then(|s| crate::model::parse_bytes(&s)) {
            Some(bytes) if bytes > 0 => Ok(()),
            Some(_) => invalid(&storage_path, q, "must be greater than zero"),
            None => invalid(
                &storage_path,
                q,
                "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sts(spec: Value) -> Value {
        let mut s = json!({
            "apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "web"},
            "spec": {
                "serviceName": "nginx", "replicas": 3, "selector": {"matchLabels": {"app": "a"}},
                "template": {"metadata": {"labels": {"app": "a"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}},
                "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}],
            }
        });
        if let (Some(base), Some(over)) = (s["spec"].as_object_mut(), spec.as_object()) {
            for (k, v) in over {
                base.insert(k.clone(), v.clone());
            }
        }
        s
    }

    fn refused(spec: Value) -> String {
        match super::super::object(&sts(spec)) {
            Ok(()) => "ok".into(),
            Err(e) => format!("{}: {}", e.field, e.message),
        }
    }

    /// Table of upstream `TestValidateStatefulSet` error cases (field paths and messages), and
    /// the claim-template cases konverge refuses up front.
    #[test]
    fn table_of_bad_stateful_sets() {
        let claim =
            |spec: Value| json!({"volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": spec}]});
        let cases: Vec<(&str, Value, &str)> = vec![
            ("valid", json!({}), "ok"),
            ("no serviceName (optional since v1.33)", json!({"serviceName": null}), "ok"),
            ("negative replicas", json!({"replicas": -1}), "spec.replicas: Invalid value: -1: must be greater than or equal to 0"),
            ("negative minReadySeconds", json!({"minReadySeconds": -1}), "spec.minReadySeconds: Invalid value: -1: must be greater than or equal to 0"),
            ("negative ordinals.start", json!({"ordinals": {"start": -2}}), "spec.ordinals.start: Invalid value: -2: must be greater than or equal to 0"),
            ("invalid podManagementPolicy", json!({"podManagementPolicy": "Sideways"}), "spec.podManagementPolicy: Invalid value: \"Sideways\": must be 'OrderedReady' or 'Parallel'"),
            ("invalid updateStrategy type", json!({"updateStrategy": {"type": "Sideways"}}), "spec.updateStrategy: Invalid value: {\"type\":\"Sideways\"}: must be 'RollingUpdate' or 'OnDelete'"),
            ("negative partition", json!({"updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": -1}}}), "spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be greater than or equal to 0"),
            ("rollingUpdate with OnDelete", json!({"updateStrategy": {"type": "OnDelete", "rollingUpdate": {"partition": 1}}}), "spec.updateStrategy.rollingUpdate: Invalid value: {\"partition\":1}: only allowed for updateStrategy 'RollingUpdate'"),
            ("zero maxUnavailable", json!({"updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0}}}), "spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: 0: cannot be 0"),
            ("maxUnavailable over 100%", json!({"updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "101%"}}}), "spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: \"101%\": must not be greater than 100%"),
            ("retention policy value", json!({"persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Keep"}}), "spec.persistentVolumeClaimRetentionPolicy.whenDeleted: Unsupported value: \"Keep\": supported values: \"Retain\", \"Delete\""),
            ("restartPolicy Never", json!({"template": {"metadata": {"labels": {"app": "a"}}, "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "i"}]}}}), "spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\""),
            ("serviceName not a DNS-1035 label", json!({"serviceName": "1-nginx"}), "spec.serviceName: Invalid value: \"1-nginx\""),
            ("claim without storage request", claim(json!({"accessModes": ["ReadWriteOnce"]})), "spec.volumeClaimTemplates[0].spec.resources[storage]: Required value"),
            ("claim without access modes", claim(json!({"resources": {"requests": {"storage": "1Gi"}}})), "spec.volumeClaimTemplates[0].spec.accessModes: Required value: at least 1 access mode is required"),
            ("unknown access mode", claim(json!({"accessModes": ["ReadWriteSometimes"], "resources": {"requests": {"storage": "1Gi"}}})), "spec.volumeClaimTemplates[0].spec.accessModes: Unsupported value: \"ReadWriteSometimes\": supported values: \"ReadOnlyMany\", \"ReadWriteMany\", \"ReadWriteOnce\", \"ReadWriteOncePod\""),
            ("ReadWriteOncePod with others", claim(json!({"accessModes": ["ReadWriteOncePod", "ReadOnlyMany"], "resources": {"requests": {"storage": "1Gi"}}})), "spec.volumeClaimTemplates[0].spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes"),
            ("zero storage", claim(json!({"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "0"}}})), "spec.volumeClaimTemplates[0].spec.resources[storage]: Invalid value: \"0\": must be greater than zero"),
        ];
        for (name, spec, want) in cases {
            let got = refused(spec);
            assert!(got.starts_with(want), "{name}: got {got:?}, want {want:?}");
        }
    }
}
