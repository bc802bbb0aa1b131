//! Volumes and claims (`SetDefaults_PersistentVolume`, `SetDefaults_PersistentVolumeClaim`,
//! `SetDefaults_PersistentVolumeClaimSpec`).

use super::{child, set_str, spec};
use serde_json::Value;

/// A claim (or a StatefulSet's claim template): Filesystem volume mode, phase Pending.
pub(crate) fn claim(obj: &mut Value) {
    if let Some(spec) = spec(obj) {
        set_str(spec, "volumeMode", "Filesystem");
    }
    if let Some(map) = obj.as_object_mut() {
        if let Some(status) = child(map, "status") {
            set_str(status, "phase", "Pending");
        }
    }
}

/// A volume: reclaim policy Retain, Filesystem volume mode, phase Pending.
fn volume(obj: &mut Value) {
    if let Some(spec) = spec(obj) {
        set_str(spec, "persistentVolumeReclaimPolicy", "Retain");
        set_str(spec, "volumeMode", "Filesystem");
    }
    if let Some(map) = obj.as_object_mut() {
        if let Some(status) = child(map, "status") {
            set_str(status, "phase", "Pending");
        }
    }
}

pub(super) const KINDS: &[(&str, super::KindDefaulter)] =
    &[("PersistentVolumeClaim", claim), ("PersistentVolume", volume)];

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    fn defaulted(mut obj: Value) -> Value {
        super::super::apply(&mut obj);
        obj
    }

    /// core/v1 `TestSetDefaultPersistentVolume`, `TestSetDefaultPersistentVolumeClaim`.
    #[test]
    fn upstream_storage_defaults() {
        let pv = defaulted(json!({"kind": "PersistentVolume", "spec": {}}));
        assert_eq!(pv["spec"]["persistentVolumeReclaimPolicy"], "Retain");
        assert_eq!(pv["spec"]["volumeMode"], "Filesystem");
        assert_eq!(pv["status"]["phase"], "Pending");
        let pvc =
            defaulted(json!({"kind": "PersistentVolumeClaim", "spec": {}, "status": {"phase": "Bound"}}));
        assert_eq!(pvc["spec"]["volumeMode"], "Filesystem");
        assert_eq!(pvc["status"]["phase"], "Bound");
    }
}
