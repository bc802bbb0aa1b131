//! Volumes, claims and storage classes as the API server validates them (upstream
//! `pkg/apis/core/validation`: `ValidatePersistentVolumeSpec`, `ValidatePersistentVolumeClaimSpec`,
//! `ValidatePersistentVolumeClaimUpdate`, `ValidatePersistentVolumeUpdate`;
//! `pkg/apis/storage/validation`: `ValidateStorageClass`), with upstream's field paths and
//! messages. Each check returns the first field the API server would refuse.

use super::FieldError;
use crate::model;
use crate::quantity::Quantity;
use crate::selector::Selector;
use serde_json::Value;

const ACCESS_MODES: [&str; 4] = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"];
const RECLAIM_POLICIES: [&str; 3] = ["Delete", "Recycle", "Retain"];
const CLASS_RECLAIM_POLICIES: [&str; 2] = ["Delete", "Retain"];
const VOLUME_MODES: [&str; 2] = ["Block", "Filesystem"];
const BINDING_MODES: [&str; 2] = ["Immediate", "WaitForFirstConsumer"];
/// The volume sources of a PersistentVolume (`PersistentVolumeSource`).
const VOLUME_SOURCES: [&str; 22] = [
    "hostPath",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "glusterfs",
    "flocker",
    "nfs",
    "rbd",
    "quobyte",
    "cephfs",
    "iscsi",
    "cinder",
    "fc",
    "flexVolume",
    "azureFile",
    "vsphereVolume",
    "photonPersistentDisk",
    "portworxVolume",
    "azureDisk",
    "scaleIO",
    "local",
    "storageos",
    "csi",
];

fn fail<T>(field: &str, message: impl Into<String>) -> Result<T, FieldError> {
    Err(FieldError { field: field.to_string(), message: message.into() })
}

/// `field.NotSupported`.
fn not_supported<T>(field: &str, value: &str, supported: &[&str]) -> Result<T, FieldError> {
    let quoted: Vec<String> = supported.iter().map(|s| format!("{s:?}")).collect();
    fail(field, format!("Unsupported value: {value:?}: supported values: {}", quoted.join(", ")))
}

/// The string at `field` of `spec`; a value that is not a string is refused.
fn string_field<'a>(obj: &'a Value, path: &[&str], field: &str) -> Result<Option<&'a str>, FieldError> {
    match model::at(obj, path) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => fail(field, "expected string"),
    }
}

/// Access modes: at least one (`required` says how upstream words it), each one of the four,
/// ReadWriteOncePod alone.
fn access_modes(spec: &Value, field: &str, required: &str) -> Result<(), FieldError> {
    let modes: Vec<&Value> = match spec.get("accessModes") {
        None | Some(Value::Null) => vec![],
        Some(Value::Array(a)) => a.iter().collect(),
        Some(_) => return fail(field, "expected a list"),
    };
    if modes.is_empty() {
        return fail(field, required);
    }
    let mut once_pod = false;
    let mut others = false;
    for m in modes {
        let m = m.as_str().unwrap_or("");
        if !ACCESS_MODES.contains(&m) {
            return not_supported(field, m, &ACCESS_MODES);
        }
        if m == "ReadWriteOncePod" {
            once_pod = true;
        } else {
            others = true;
        }
    }
    if once_pod && others {
        return fail(field, "Forbidden: may not use ReadWriteOncePod with other access modes");
    }
    Ok(())
}

/// A storage quantity that must parse and be positive (`ValidatePositiveQuantityValue`).
fn positive_quantity(v: &Value, field: &str) -> Result<(), FieldError> {
    let Some(text) = model::quantity_str(v) else { return fail(field, "expected a quantity") };
    match Quantity::parse(&text) {
        None => fail(
            field,
            format!(
                "Invalid value: {text:?}: quantities must match the regular expression \
                 '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
            ),
        ),
        Some(q) if q.nano <= 0 => fail(field, format!("Invalid value: {text:?}: must be greater than zero")),
        Some(_) => Ok(()),
    }
}

/// `ValidateClassName`: a DNS subdomain.
fn class_name(name: &str, field: &str) -> Result<(), FieldError> {
    let ok = name.len() <= 253
        && name.split('.').all(|part| {
            !part.is_empty()
                && part.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !part.starts_with('-')
                && !part.ends_with('-')
        });
    if ok {
        Ok(())
    } else {
        fail(
            field,
            format!(
                "Invalid value: {name:?}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric \
                 characters, '-' or '.', and must start and end with an alphanumeric character"
            ),
        )
    }
}

fn volume_mode(spec: &Value, field: &str) -> Result<(), FieldError> {
    match string_field(spec, &["volumeMode"], field)? {
        Some(m) if !VOLUME_MODES.contains(&m) => not_supported(field, m, &VOLUME_MODES),
        _ => Ok(()),
    }
}

/// `ValidatePersistentVolumeSpec` (not inline).
pub(super) fn persistent_volume(obj: &Value) -> Result<(), FieldError> {
    let Some(spec) = obj.get("spec").filter(|s| s.is_object()) else { return fail("spec", "Required value") };
    access_modes(spec, "spec.accessModes", "Required value")?;
    match spec.get("capacity") {
        None | Some(Value::Null) => return fail("spec.capacity", "Required value"),
        Some(Value::Object(m)) if m.is_empty() => return fail("spec.capacity", "Required value"),
        Some(Value::Object(m)) => {
            if !m.contains_key("storage") || m.len() > 1 {
                let keys: Vec<&str> = m.keys().map(String::as_str).collect();
                return fail(
                    "spec.capacity",
                    format!("Unsupported value: {:?}: supported values: \"storage\"", keys.join(",")),
                );
            }
            positive_quantity(&m["storage"], "spec.capacity[storage]")?;
        }
        Some(_) => return fail("spec.capacity", "expected a map of quantities"),
    }
    let policy =
        string_field(spec, &["persistentVolumeReclaimPolicy"], "spec.persistentVolumeReclaimPolicy")?;
    if let Some(p) = policy.filter(|p| !p.is_empty()) {
        if !RECLAIM_POLICIES.contains(&p) {
            return not_supported("spec.persistentVolumeReclaimPolicy", p, &RECLAIM_POLICIES);
        }
    }
    let sources: Vec<&str> =
        VOLUME_SOURCES.iter().copied().filter(|s| spec.get(*s).is_some_and(|v| !v.is_null())).collect();
    match sources.as_slice() {
        [] => return fail("spec", "Required value: must specify a volume type"),
        [_, second, ..] => {
            return fail(&format!("spec.{second}"), "Forbidden: may not specify more than 1 volume type")
        }
        [_] => {}
    }
    if sources == ["local"] && model::at(spec, &["nodeAffinity", "required"]).is_none_or(Value::is_null) {
        return fail("spec.nodeAffinity", "Required value: Local volume requires node affinity");
    }
    let host_root = model::str_at(spec, &["hostPath", "path"]).trim_end_matches('/').is_empty()
        && spec.get("hostPath").is_some_and(Value::is_object);
    if host_root && policy == Some("Recycle") {
        return fail(
            "spec.persistentVolumeReclaimPolicy",
            "Forbidden: may not be 'recycle' for a hostPath mount of '/'",
        );
    }
    if let Some(c) =
        string_field(spec, &["storageClassName"], "spec.storageClassName")?.filter(|c| !c.is_empty())
    {
        class_name(c, "spec.storageClassName")?;
    }
    volume_mode(spec, "spec.volumeMode")
}

/// `ValidatePersistentVolumeClaimSpec`.
pub(super) fn persistent_volume_claim(obj: &Value) -> Result<(), FieldError> {
    let Some(spec) = obj.get("spec").filter(|s| s.is_object()) else { return fail("spec", "Required value") };
    access_modes(spec, "spec.accessModes", "Required value: at least 1 access mode is required")?;
    if let Some(sel) = spec.get("selector").filter(|s| !s.is_null()) {
        Selector::from_label_selector(sel).map_err(|e| FieldError {
            field: if e.field.is_empty() {
                "spec.selector".into()
            } else {
                format!("spec.selector.{}", e.field)
            },
            message: e.message,
        })?;
    }
    match model::at(spec, &["resources", "requests", "storage"]) {
        None | Some(Value::Null) => return fail("spec.resources[storage]", "Required value"),
        Some(q) => positive_quantity(q, "spec.resources[storage]")?,
    }
    if let Some(c) =
        string_field(spec, &["storageClassName"], "spec.storageClassName")?.filter(|c| !c.is_empty())
    {
        class_name(c, "spec.storageClassName")?;
    }
    volume_mode(spec, "spec.volumeMode")
}

/// `ValidateStorageClass`: a provisioner, a supported reclaim policy and binding mode.
pub(super) fn storage_class(obj: &Value) -> Result<(), FieldError> {
    match string_field(obj, &["provisioner"], "provisioner")? {
        None | Some("") => return fail("provisioner", "Required value"),
        Some(_) => {}
    }
    if let Some(p) = string_field(obj, &["reclaimPolicy"], "reclaimPolicy")? {
        if !CLASS_RECLAIM_POLICIES.contains(&p) {
            return not_supported("reclaimPolicy", p, &CLASS_RECLAIM_POLICIES);
        }
    }
    match string_field(obj, &["volumeBindingMode"], "volumeBindingMode")? {
        Some(m) if !BINDING_MODES.contains(&m) => not_supported("volumeBindingMode", m, &BINDING_MODES),
        _ => Ok(()),
    }
}

/// `ValidatePersistentVolumeClaimUpdate`: the spec may change only by getting its volume name
/// once, its class once when it had none, and — for a bound claim — a larger storage request.
pub(super) const KINDS: &[(&str, super::KindValidator)] = &[
    ("PersistentVolume", persistent_volume),
    ("PersistentVolumeClaim", persistent_volume_claim),
    ("StorageClass", storage_class),
];

pub(super) fn claim_update(old: &Value, new: &Value) -> Result<(), FieldError> {
    let null = Value::Null;
    let old_spec = old.get("spec").unwrap_or(&null);
    let new_spec = new.get("spec").unwrap_or(&null);
    let mut old_cmp = old_spec.clone();
    let mut new_cmp = new_spec.clone();
    let (Some(o), Some(n)) = (old_cmp.as_object_mut(), new_cmp.as_object_mut()) else {
        return if old_spec == new_spec { Ok(()) } else { fail("spec", IMMUTABLE_CLAIM) };
    };
    // The PV controller sets the volume name once.
    if model::str_at(old_spec, &["volumeName"]).is_empty() {
        o.remove("volumeName");
        n.remove("volumeName");
    }
    // A claim without a class may get one (retroactive default class).
    let old_class_unset = old_spec.get("storageClassName").is_none_or(Value::is_null)
        && model::annotation(old, "volume.beta.kubernetes.io/storage-class").is_none();
    if old_class_unset {
        o.remove("storageClassName");
        n.remove("storageClassName");
    }
    // A bound claim may be resized; the attributes class may change.
    let bound = model::str_at(new, &["status", "phase"]) == "Bound";
    for spec in [&mut *o, &mut *n] {
        spec.remove("volumeAttributesClassName");
        if bound {
            if let Some(requests) =
                spec.get_mut("resources").and_then(|r| r.get_mut("requests")).and_then(Value::as_object_mut)
            {
                requests.remove("storage");
            }
        }
    }
    if o != n {
        return fail("spec", IMMUTABLE_CLAIM);
    }
    let size = |spec: &Value| {
        model::at(spec, &["resources", "requests", "storage"]).and_then(crate::quantity::quantity_of)
    };
    if let (Some(before), Some(after)) = (size(old_spec), size(new_spec)) {
        if after.nano < before.nano {
            return fail(
                "spec.resources.requests.storage",
                "Forbidden: field can not be less than previous value",
            );
        }
    }
    Ok(())
}

const IMMUTABLE_CLAIM: &str =
    "Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims";

/// `ValidatePersistentVolumeUpdate`: the volume source and volume mode do not change.
pub(super) fn volume_update(old: &Value, new: &Value) -> Result<(), FieldError> {
    for source in VOLUME_SOURCES {
        if model::at(old, &["spec", source]) != model::at(new, &["spec", source]) {
            return fail(
                "spec.persistentvolumesource",
                "Forbidden: spec.persistentvolumesource is immutable after creation",
            );
        }
    }
    if model::at(old, &["spec", "volumeMode"]) != model::at(new, &["spec", "volumeMode"]) {
        return fail("volumeMode", "Invalid value: field is immutable");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pvc(spec: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "c"}, "spec": spec})
    }

    fn pv(spec: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "v"}, "spec": spec})
    }

    fn refused(r: Result<(), FieldError>) -> String {
        match r {
            Ok(()) => "ok".into(),
            Err(e) => format!("{}: {}", e.field, e.message),
        }
    }

    /// `TestValidatePersistentVolumeClaim` cases (core validation_test.go), by message.
    #[test]
    fn claims_as_upstream_refuses_them() {
        let good = json!({"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "5Gi"}}});
        assert_eq!(refused(persistent_volume_claim(&pvc(good.clone()))), "ok");
        let cases = [
            ("missing-access-modes", json!({"resources": {"requests": {"storage": "1Gi"}}}),
             "spec.accessModes: Required value: at least 1 access mode is required"),
            ("invalid-access-mode", json!({"accessModes": ["fakemode"], "resources": {"requests": {"storage": "1Gi"}}}),
             "spec.accessModes: Unsupported value: \"fakemode\": supported values: \"ReadOnlyMany\", \"ReadWriteMany\", \"ReadWriteOnce\", \"ReadWriteOncePod\""),
            ("ReadWriteOncePod with others", json!({"accessModes": ["ReadWriteOncePod", "ReadWriteMany"], "resources": {"requests": {"storage": "1Gi"}}}),
             "spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes"),
            ("missing-resource-requests", json!({"accessModes": ["ReadWriteOnce"]}),
             "spec.resources[storage]: Required value"),
            ("zero storage", json!({"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "0"}}}),
             "spec.resources[storage]: Invalid value: \"0\": must be greater than zero"),
            ("negative storage", json!({"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "-1Gi"}}}),
             "spec.resources[storage]: Invalid value: \"-1Gi\": must be greater than zero"),
            ("invalid volumeMode", json!({"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}, "volumeMode": "fake"}),
             "spec.volumeMode: Unsupported value: \"fake\": supported values: \"Block\", \"Filesystem\""),
            ("invalid storageClassName", json!({"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}, "storageClassName": "-invalid-"}),
             "spec.storageClassName: Invalid value: \"-invalid-\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"),
        ];
        for (name, spec, want) in cases {
            assert_eq!(refused(persistent_volume_claim(&pvc(spec))), want, "{name}");
        }
    }

    /// `TestValidatePersistentVolumes` cases, by message.
    #[test]
    fn volumes_as_upstream_refuses_them() {
        let good = json!({"accessModes": ["ReadWriteOnce"], "capacity": {"storage": "10G"}, "hostPath": {"path": "/foo"}});
        assert_eq!(refused(persistent_volume(&pv(good))), "ok");
        let cases = [
            ("missing-accessmodes", json!({"capacity": {"storage": "10G"}, "hostPath": {"path": "/foo"}}),
             "spec.accessModes: Required value"),
            ("bad-access-mode", json!({"accessModes": ["fakemode"], "capacity": {"storage": "10G"}, "hostPath": {"path": "/foo"}}),
             "spec.accessModes: Unsupported value: \"fakemode\": supported values: \"ReadOnlyMany\", \"ReadWriteMany\", \"ReadWriteOnce\", \"ReadWriteOncePod\""),
            ("missing-capacity", json!({"accessModes": ["ReadWriteOnce"], "hostPath": {"path": "/foo"}}),
             "spec.capacity: Required value"),
            ("bad-reclaim-policy", json!({"accessModes": ["ReadWriteOnce"], "capacity": {"storage": "10G"}, "hostPath": {"path": "/foo"}, "persistentVolumeReclaimPolicy": "fakeReclaimPolicy"}),
             "spec.persistentVolumeReclaimPolicy: Unsupported value: \"fakeReclaimPolicy\": supported values: \"Delete\", \"Recycle\", \"Retain\""),
            ("missing-volume-source", json!({"accessModes": ["ReadWriteOnce"], "capacity": {"storage": "10G"}}),
             "spec: Required value: must specify a volume type"),
            ("too-many-sources", json!({"accessModes": ["ReadWriteOnce"], "capacity": {"storage": "10G"}, "hostPath": {"path": "/foo"}, "nfs": {"server": "s", "path": "/"}}),
             "spec.nfs: Forbidden: may not specify more than 1 volume type"),
            ("host mount of / with recycle reclaim policy", json!({"accessModes": ["ReadWriteOnce"], "capacity": {"storage": "10G"}, "hostPath": {"path": "/"}, "persistentVolumeReclaimPolicy": "Recycle"}),
             "spec.persistentVolumeReclaimPolicy: Forbidden: may not be 'recycle' for a hostPath mount of '/'"),
            ("local volume without node affinity", json!({"accessModes": ["ReadWriteOnce"], "capacity": {"storage": "10G"}, "local": {"path": "/mnt/disks/ssd1"}}),
             "spec.nodeAffinity: Required value: Local volume requires node affinity"),
            ("invalid volumeMode", json!({"accessModes": ["ReadWriteOnce"], "capacity": {"storage": "10G"}, "hostPath": {"path": "/foo"}, "volumeMode": "fakeVolumeMode"}),
             "spec.volumeMode: Unsupported value: \"fakeVolumeMode\": supported values: \"Block\", \"Filesystem\""),
        ];
        for (name, spec, want) in cases {
            assert_eq!(refused(persistent_volume(&pv(spec))), want, "{name}");
        }
    }

    /// `TestValidatePersistentVolumeClaimUpdate` cases: what a claim may and may not change.
    #[test]
    fn claim_updates_as_upstream_allows_them() {
        let claim = |spec: Value, phase: &str| json!({"kind": "PersistentVolumeClaim", "metadata": {"name": "c"}, "spec": spec, "status": {"phase": phase}});
        let base = json!({"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "10G"}}});
        let with = |k: &str, v: Value| {
            let mut s = base.clone();
            s[k] = v;
            s
        };
        let bigger = json!({"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "15G"}}});
        let smaller = json!({"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "5G"}}});
        let cases = [
            ("valid-update-volumeName-only", claim(base.clone(), "Pending"), claim(with("volumeName", json!("volume")), "Pending"), "ok"),
            ("valid-no-op-update", claim(base.clone(), "Pending"), claim(base.clone(), "Pending"), "ok"),
            ("invalid-update-change-access-modes-on-bound-claim",
             claim(base.clone(), "Bound"), claim(with("accessModes", json!(["ReadWriteMany"])), "Bound"),
             "spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"),
            ("valid-expand-shrink-resize-enabled", claim(base.clone(), "Bound"), claim(bigger.clone(), "Bound"), "ok"),
            ("invalid-size-update-unbound", claim(base.clone(), "Pending"), claim(bigger, "Pending"),
             "spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"),
            ("invalid-shrink", claim(base.clone(), "Bound"), claim(smaller, "Bound"),
             "spec.resources.requests.storage: Forbidden: field can not be less than previous value"),
            ("valid-upgrade-storage-class-from-nil", claim(base.clone(), "Pending"), claim(with("storageClassName", json!("foo")), "Pending"), "ok"),
            ("invalid-update-storage-class", claim(with("storageClassName", json!("foo")), "Pending"), claim(with("storageClassName", json!("bar")), "Pending"),
             "spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"),
            ("invalid-update-volume-name-twice", claim(with("volumeName", json!("a")), "Bound"), claim(with("volumeName", json!("b")), "Bound"),
             "spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"),
        ];
        for (name, old, new, want) in cases {
            assert_eq!(refused(claim_update(&old, &new)), want, "{name}");
        }
    }

    #[test]
    fn storage_classes_need_a_provisioner_and_known_modes() {
        let sc = |extra: Value| {
            let mut o = json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "s"}, "provisioner": "p"});
            for (k, v) in extra.as_object().unwrap() {
                o[k] = v.clone();
            }
            o
        };
        assert_eq!(refused(storage_class(&sc(json!({})))), "ok");
        assert_eq!(refused(storage_class(&sc(json!({"provisioner": ""})))), "provisioner: Required value");
        assert_eq!(
            refused(storage_class(&sc(json!({"reclaimPolicy": "Recycle"})))),
            "reclaimPolicy: Unsupported value: \"Recycle\": supported values: \"Delete\", \"Retain\""
        );
        assert_eq!(
            refused(storage_class(&sc(json!({"volumeBindingMode": "Later"})))),
            "volumeBindingMode: Unsupported value: \"Later\": supported values: \"Immediate\", \"WaitForFirstConsumer\""
        );
    }
}
