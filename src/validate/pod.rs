//! Pods and pod templates (`pkg/apis/core/validation`: `ValidatePodSpec`, containers, ports,
//! resources, tolerations), with upstream's messages and field paths.

use super::checks::{labels, one_of, quantity};
use super::field::{fail, invalid, join, not_supported, pointer, required, FieldError, Validation};
use super::names;
use crate::model;
use serde_json::Value;

pub(super) fn pod_spec(obj: &Value, path: &str) -> Result<(), FieldError> {
    let Some(spec) = obj.pointer(&pointer(path)).filter(|v| v.is_object()) else {
        return required(path, "");
    };
    let containers = match spec.get("containers") {
        Some(Value::Array(c)) if !c.is_empty() => c,
        Some(Value::Array(_)) | None | Some(Value::Null) => return required(&join(path, "containers"), ""),
        Some(_) => return fail(&join(path, "containers"), "expected a list"),
    };
    let mut names_seen: Vec<&str> = Vec::new();
    for (i, c) in containers.iter().enumerate() {
        let cpath = format!("{path}.containers[{i}]");
        container(c, &cpath, &mut names_seen)?;
    }
    for (i, c) in spec.get("initContainers").and_then(Value::as_array).into_iter().flatten().enumerate() {
        container(c, &format!("{path}.initContainers[{i}]"), &mut names_seen)?;
    }
    labels(obj, &join(path, "nodeSelector"))?;
    for (i, t) in spec.get("tolerations").and_then(Value::as_array).into_iter().flatten().enumerate() {
        toleration(t, &format!("{path}.tolerations[{i}]"))?;
    }
    inter_pod_affinity(spec, path)?;
    one_of(obj, &join(path, "restartPolicy"), &["Always", "OnFailure", "Never"])?;
    one_of(obj, &join(path, "dnsPolicy"), &["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"])?;
    if let Some(v) = spec.get("activeDeadlineSeconds").filter(|v| !v.is_null()) {
        if v.as_i64().is_none_or(|s| s < 1) {
            return invalid(
                &join(path, "activeDeadlineSeconds"),
                v,
                "must be between 1 and 2147483647, inclusive",
            );
        }
    }
    Ok(())
}

/// `validateContainers` for one container: name, image, pull policy, ports, resources.
fn container<'a>(c: &'a Value, cpath: &str, names_seen: &mut Vec<&'a str>) -> Validation {
    if !c.is_object() {
        return fail(cpath, "expected an object");
    }
    let name_path = join(cpath, "name");
    let name = match c.get("name") {
        Some(Value::String(s)) if !s.is_empty() => s.as_str(),
        Some(Value::String(_)) | None | Some(Value::Null) => return required(&name_path, ""),
        Some(_) => return fail(&name_path, "expected string"),
    };
    super::field::check(&name_path, name, names::dns1123_label(name))?;
    if names_seen.contains(&name) {
        return fail(&name_path, format!("Duplicate value: {name:?}"));
    }
    names_seen.push(name);
    match c.get("image") {
        Some(Value::String(s)) if !s.trim().is_empty() => {}
        Some(Value::String(_)) | None | Some(Value::Null) => return required(&join(cpath, "image"), ""),
        Some(_) => return fail(&join(cpath, "image"), "expected string"),
    }
    one_of(c, "imagePullPolicy", &["Always", "IfNotPresent", "Never"])
        .map_err(|e| FieldError { field: join(cpath, &e.field), message: e.message })?;
    for (i, p) in c.get("ports").and_then(Value::as_array).into_iter().flatten().enumerate() {
        port(p, &format!("{cpath}.ports[{i}]"))?;
    }
    resources(c, cpath)
}

/// `validateContainerPorts`: port numbers in 1–65535, a supported protocol, a valid name.
fn port(p: &Value, ppath: &str) -> Validation {
    for f in ["containerPort", "hostPort"] {
        match p.get(f).filter(|v| !v.is_null()) {
            None if f == "containerPort" => return required(&join(ppath, f), ""),
            None => {}
            Some(v) if f == "hostPort" && v.as_i64() == Some(0) => {}
            Some(v) if v.as_i64().is_some_and(|n| (1..=65535).contains(&n)) => {}
            Some(v) => return invalid(&join(ppath, f), v, "must be between 1 and 65535, inclusive"),
        }
    }
    if let Some(name) = p.get("name").and_then(Value::as_str) {
        let errs = port_name(name);
        super::field::check(&join(ppath, "name"), name, errs)?;
    }
    match p.get("protocol").filter(|v| !v.is_null()) {
        None => Ok(()),
        Some(v) if matches!(v.as_str(), Some("TCP" | "UDP" | "SCTP")) => Ok(()),
        Some(v) => not_supported(&join(ppath, "protocol"), v, &["SCTP", "TCP", "UDP"]),
    }
}

/// `IsValidPortName`.
fn port_name(port: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if port.len() > 15 {
        errs.push("must be no more than 15 bytes".to_string());
    }
    if !port.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
        errs.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)".to_string());
    }
    if !port.bytes().any(|b| b.is_ascii_lowercase()) {
        errs.push("must contain at least one letter (a-z)".to_string());
    }
    if port.contains("--") {
        errs.push("must not contain consecutive hyphens".to_string());
    }
    if port.starts_with('-') || port.ends_with('-') {
        errs.push("must not begin or end with a hyphen".to_string());
    }
    errs
}

/// `ValidateResourceRequirements`: quantities that parse, are not negative, and requests
/// not above limits.
fn resources(c: &Value, cpath: &str) -> Validation {
    let mut amounts: [Vec<(String, i64)>; 2] = [vec![], vec![]];
    for (slot, res) in ["requests", "limits"].iter().enumerate() {
        let Some(m) = c.get("resources").and_then(|r| r.get(*res)).and_then(Value::as_object) else {
            continue;
        };
        for (k, q) in m {
            let qpath = format!("{cpath}.resources.{res}.{k}");
            let amount = quantity(&qpath, q, k)?;
            if amount < 0 {
                return invalid(&qpath, q, "must be greater than or equal to 0");
            }
            amounts[slot].push((k.clone(), amount));
        }
    }
    let [requests, limits] = &amounts;
    for (k, req) in requests {
        if let Some((_, lim)) = limits.iter().find(|(l, _)| l == k) {
            if req > lim {
                let shown = c.pointer(&format!("/resources/requests/{k}")).cloned().unwrap_or(Value::Null);
                let limit = c
                    .pointer(&format!("/resources/limits/{k}"))
                    .and_then(model::quantity_str)
                    .unwrap_or_default();
                return invalid(
                    &format!("{cpath}.resources.requests"),
                    &shown,
                    &format!("must be less than or equal to {k} limit of {limit}"),
                );
            }
        }
    }
    Ok(())
}

/// `validateTolerations`: a supported operator and effect; `Exists` takes no value.
fn toleration(t: &Value, tpath: &str) -> Validation {
    let operator = t.get("operator").and_then(Value::as_str).unwrap_or("Equal");
    match operator {
        "Equal" => {}
        "Exists" => {
            if let Some(v) = t.get("value").filter(|v| v.as_str().is_some_and(|s| !s.is_empty())) {
                return invalid(
                    &join(tpath, "operator"),
                    v,
                    "value must be empty when `operator` is 'Exists'",
                );
            }
        }
        _ => return not_supported(&join(tpath, "operator"), &t["operator"], &["Equal", "Exists"]),
    }
    if let Some(key) = t.get("key").and_then(Value::as_str).filter(|k| !k.is_empty()) {
        super::field::check(&join(tpath, "key"), key, names::label_key(key))?;
    }
    one_of(t, "effect", &["NoSchedule", "PreferNoSchedule", "NoExecute"])
        .map_err(|e| FieldError { field: join(tpath, &e.field), message: e.message })
}

/// `validatePodAffinity` and `validatePodAntiAffinity`: every term, required or preferred,
/// has valid selectors and namespaces and a non-empty `topologyKey` that is a label name; a
/// preferred term's weight is 1–100.
fn inter_pod_affinity(spec: &Value, path: &str) -> Validation {
    for kind in ["podAffinity", "podAntiAffinity"] {
        let Some(a) = model::at(spec, &["affinity", kind]) else { continue };
        let kpath = join(path, &format!("affinity.{kind}"));
        for (i, t) in numbered(a, "requiredDuringSchedulingIgnoredDuringExecution") {
            affinity_term(t, &format!("{kpath}.requiredDuringSchedulingIgnoredDuringExecution[{i}]"))?;
        }
        for (i, w) in numbered(a, "preferredDuringSchedulingIgnoredDuringExecution") {
            let wpath = format!("{kpath}.preferredDuringSchedulingIgnoredDuringExecution[{i}]");
            let weight = w.get("weight").unwrap_or(&Value::Null);
            if weight.as_i64().is_none_or(|x| !(1..=100).contains(&x)) {
                return invalid(&join(&wpath, "weight"), weight, "must be in the range 1-100");
            }
            affinity_term(
                w.get("podAffinityTerm").unwrap_or(&Value::Null),
                &join(&wpath, "podAffinityTerm"),
            )?;
        }
    }
    Ok(())
}

/// The items of the list at `v.key`, numbered.
fn numbered<'v>(v: &'v Value, key: &str) -> impl Iterator<Item = (usize, &'v Value)> {
    v.get(key).and_then(Value::as_array).into_iter().flatten().enumerate()
}

/// `validatePodAffinityTerm`: label and namespace selectors, namespace names (reported on
/// `namespace`, as upstream names the field), then the topology key.
fn affinity_term(t: &Value, tpath: &str) -> Validation {
    for field in ["labelSelector", "namespaceSelector"] {
        if let Some(sel) = t.get(field).filter(|s| !s.is_null()) {
            crate::selector::Selector::from_label_selector(sel)
                .map_err(|e| FieldError { field: join(&join(tpath, field), &e.field), message: e.message })?;
        }
    }
    for ns in t.get("namespaces").and_then(Value::as_array).into_iter().flatten() {
        let name = ns.as_str().unwrap_or_default();
        super::field::check(&join(tpath, "namespace"), name, names::dns1123_label(name))?;
    }
    match t.get("topologyKey").and_then(Value::as_str).unwrap_or_default() {
        "" => required(&join(tpath, "topologyKey"), "can not be empty"),
        key => super::field::check(&join(tpath, "topologyKey"), key, names::label_key(key)),
    }
}

fn pod(obj: &Value) -> Result<(), FieldError> {
    pod_spec(obj, "spec")
}

pub(super) const KINDS: &[(&str, super::KindValidator)] = &[("Pod", pod)];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod_with(spec: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec})
    }

    fn container_with(extra: Value) -> Value {
        let mut c = json!({"name": "c", "image": "nginx"});
        if let (Some(c), Some(extra)) = (c.as_object_mut(), extra.as_object()) {
            c.extend(extra.clone());
        }
        pod_with(json!({"containers": [c]}))
    }

    fn error(obj: Value) -> Option<(String, String)> {
        pod(&obj).err().map(|e| (e.field, e.message))
    }

    /// core `TestValidatePodSpec` success cases: a minimal spec, every restart and DNS policy.
    #[test]
    fn valid_pod_specs() {
        assert_eq!(error(container_with(json!({}))), None);
        for restart in ["Always", "OnFailure", "Never"] {
            let mut p = container_with(json!({}));
            p["spec"]["restartPolicy"] = json!(restart);
            assert_eq!(error(p), None, "{restart}");
        }
        for dns in ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"] {
            let mut p = container_with(json!({}));
            p["spec"]["dnsPolicy"] = json!(dns);
            assert_eq!(error(p), None, "{dns}");
        }
    }

    /// core `TestValidatePodSpec` error cases "bad RestartPolicy", "bad DNSPolicy" and
    /// "with negative activeDeadlineSeconds".
    #[test]
    fn bad_pod_specs() {
        let cases = [
            ("restartPolicy", json!("UnlessStopped"), "spec.restartPolicy"),
            ("dnsPolicy", json!("Google"), "spec.dnsPolicy"),
            ("activeDeadlineSeconds", json!(0), "spec.activeDeadlineSeconds"),
            ("activeDeadlineSeconds", json!(-1), "spec.activeDeadlineSeconds"),
        ];
        for (key, value, field) in cases {
            let mut p = container_with(json!({}));
            p["spec"][key] = value.clone();
            assert_eq!(error(p).map(|e| e.0), Some(field.to_string()), "{key}: {value}");
        }
        let p = pod_with(json!({"containers": []}));
        assert_eq!(error(p), Some(("spec.containers".into(), "Required value".into())));
    }

    /// core validation's `validatePodAffinityTerm` and `validateWeightedPodAffinityTerms`: a
    /// valid term passes; an empty topologyKey (required or preferred) is `can not be empty`, a
    /// key that is no label name, a weight out of 1–100, a bad label selector and a namespace
    /// that is no DNS label are refused on their fields.
    #[test]
    fn inter_pod_affinity_terms() {
        let with = |affinity: Value| {
            let mut p = container_with(json!({}));
            p["spec"]["affinity"] = affinity;
            error(p)
        };
        let term = |key: &str| json!({"labelSelector": {"matchLabels": {"app": "web"}}, "topologyKey": key});
        let required = "spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]";
        let preferred = "spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0]";
        assert_eq!(
            with(
                json!({"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term("kubernetes.io/hostname")]}})
            ),
            None
        );
        assert_eq!(
            with(json!({"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term("")]}})),
            Some((format!("{required}.topologyKey"), "Required value: can not be empty".into()))
        );
        assert_eq!(
            with(
                json!({"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term("bad key!")]}})
            )
            .map(|e| e.0),
            Some(format!("{required}.topologyKey"))
        );
        assert_eq!(
            with(json!({"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": 10, "podAffinityTerm": term("")}]}})),
            Some((
                format!("{preferred}.podAffinityTerm.topologyKey"),
                "Required value: can not be empty".into()
            ))
        );
        assert_eq!(
            with(json!({"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": 120, "podAffinityTerm": term("zone")}]}})),
            Some((format!("{preferred}.weight"), "Invalid value: 120: must be in the range 1-100".into()))
        );
        let bad_selector = json!({"labelSelector": {"matchExpressions": [{"key": "app", "operator": "Near"}]},
                                  "topologyKey": "zone"});
        assert!(with(
            json!({"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [bad_selector]}})
        )
        .is_some_and(|e| e.0.starts_with(
            "spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector"
        )));
        let bad_ns = json!({"labelSelector": {}, "namespaces": ["Not_A_Name"], "topologyKey": "zone"});
        assert_eq!(
            with(json!({"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [bad_ns]}}))
                .map(|e| e.0),
            Some(format!("{required}.namespace"))
        );
    }

    /// core `TestValidateContainers` error cases "zero-length name", "name > 63 characters",
    /// "name not a DNS label", "name not unique", "invalid image pull policy",
    /// "Resource Requests CPU > Limits".
    #[test]
    fn bad_containers() {
        let cases = [
            (json!({"name": ""}), "spec.containers[0].name", "Required value"),
            (json!({"name": "a".repeat(64)}), "spec.containers[0].name", "must be no more than 63 bytes"),
            (json!({"name": "Abc"}), "spec.containers[0].name", "a lowercase RFC 1123 label"),
            (
                json!({"imagePullPolicy": "Sometimes"}),
                "spec.containers[0].imagePullPolicy",
                "Unsupported value",
            ),
            (
                json!({"resources": {"requests": {"cpu": "2"}, "limits": {"cpu": "1"}}}),
                "spec.containers[0].resources.requests",
                "must be less than or equal to cpu limit of 1",
            ),
            (
                json!({"resources": {"requests": {"memory": "-1Gi"}}}),
                "spec.containers[0].resources.requests.memory",
                "must be greater than or equal to 0",
            ),
        ];
        for (extra, field, message) in cases {
            let (f, m) = error(container_with(extra.clone())).unwrap_or_default();
            assert_eq!(f, field, "{extra}");
            assert!(m.contains(message), "{extra}: {m}");
        }
        let twice =
            pod_with(json!({"containers": [{"name": "c", "image": "i"}, {"name": "c", "image": "i"}]}));
        assert_eq!(error(twice), Some(("spec.containers[1].name".into(), "Duplicate value: \"c\"".into())));
    }

    /// core `TestValidateTolerations` error cases "invalid operator", "value must be empty
    /// when `operator` is 'Exists'", "invalid effect", "invalid key".
    #[test]
    fn bad_tolerations() {
        let cases = [
            (json!({"key": "k", "operator": "In", "value": "v"}), "spec.tolerations[0].operator"),
            (json!({"key": "k", "operator": "Exists", "value": "v"}), "spec.tolerations[0].operator"),
            (json!({"key": "k", "value": "v", "effect": "NoScheduleNoAdmit"}), "spec.tolerations[0].effect"),
            (json!({"key": "nospecialchars^=@", "value": "v"}), "spec.tolerations[0].key"),
        ];
        for (t, field) in cases {
            let mut p = container_with(json!({}));
            p["spec"]["tolerations"] = json!([t]);
            assert_eq!(error(p).map(|e| e.0), Some(field.to_string()), "{t}");
        }
    }

    /// core `TestValidateContainerPorts` error cases "name > 15 characters", "name contains
    /// invalid characters", "name is a number", "zero container port", "invalid protocol case",
    /// "host port out of range".
    #[test]
    fn bad_container_ports() {
        let cases = [
            (json!({"containerPort": 80, "name": "a".repeat(16)}), "spec.containers[0].ports[0].name"),
            (json!({"containerPort": 80, "name": "a.b.c"}), "spec.containers[0].ports[0].name"),
            (json!({"containerPort": 80, "name": "80"}), "spec.containers[0].ports[0].name"),
            (json!({"containerPort": 0}), "spec.containers[0].ports[0].containerPort"),
            (json!({"containerPort": 80, "protocol": "tcp"}), "spec.containers[0].ports[0].protocol"),
            (json!({"containerPort": 80, "hostPort": 65536}), "spec.containers[0].ports[0].hostPort"),
        ];
        for (port, field) in cases {
            let p = container_with(json!({"ports": [port.clone()]}));
            assert_eq!(error(p).map(|e| e.0), Some(field.to_string()), "{port}");
        }
        assert_eq!(error(container_with(json!({"ports": [{"containerPort": 80, "name": "http"}]}))), None);
    }
}
