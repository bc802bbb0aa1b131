//! PersistentVolume and PersistentVolumeClaim rows, and the access modes, storage class and capacity
//! cells `describe` shares.

use super::*;

/// Access modes abbreviated in kubectl's fixed order: `RWO,ROX,RWX,RWOP`.
pub fn access_modes(modes: Option<&Value>) -> String {
    let modes: Vec<&str> =
        modes.and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
    [
        ("ReadWriteOnce", "RWO"),
        ("ReadOnlyMany", "ROX"),
        ("ReadWriteMany", "RWX"),
        ("ReadWriteOncePod", "RWOP"),
    ]
    .iter()
    .filter(|(long, _)| modes.contains(long))
    .map(|(_, short)| *short)
    .collect::<Vec<_>>()
    .join(",")
}

/// The storage class of a PV or PVC: the beta annotation, else `spec.storageClassName`.
pub fn volume_class(obj: &Value) -> String {
    match model::annotation(obj, "volume.beta.kubernetes.io/storage-class") {
        Some(c) => c.to_string(),
        None => model::str_at(obj, &["spec", "storageClassName"]).to_string(),
    }
}

/// The canonical string of the quantity at `path` (`0` when missing, as Go's zero Quantity).
pub fn quantity_at(obj: &Value, path: &[&str]) -> String {
    match model::at(obj, path).and_then(model::quantity_str) {
        Some(s) => Quantity::parse(&s).map_or(s, |q| q.to_string()),
        None => "0".into(),
    }
}

/// `status.phase` of a volume or claim; the API server stores new ones as Pending.
pub fn storage_phase(obj: &Value) -> &str {
    match model::str_at(obj, &["status", "phase"]) {
        "" => "Pending",
        p => p,
    }
}

/// `spec.persistentVolumeReclaimPolicy`; the API server defaults it to Retain.
pub fn reclaim_policy(obj: &Value) -> &str {
    match model::str_at(obj, &["spec", "persistentVolumeReclaimPolicy"]) {
        "" => "Retain",
        p => p,
    }
}

/// `spec.volumeAttributesClassName`, or `<unset>`.
fn attributes_class(obj: &Value) -> String {
    match model::at(obj, &["spec", "volumeAttributesClassName"]).and_then(Value::as_str) {
        Some(c) => c.to_string(),
        None => "<unset>".into(),
    }
}

/// PersistentVolume columns: NAME CAPACITY ACCESS MODES RECLAIM POLICY STATUS CLAIM STORAGECLASS
/// VOLUMEATTRIBUTESCLASS REASON AGE.
pub(super) fn pv_cells(obj: &Value, name: String, age: String) -> Vec<String> {
    let claim = match model::at(obj, &["spec", "claimRef"]) {
        Some(c) => format!("{}/{}", model::str_at(c, &["namespace"]), model::str_at(c, &["name"])),
        None => String::new(),
    };
    let phase = if model::at(obj, &["metadata", "deletionTimestamp"]).is_some() {
        "Terminating".to_string()
    } else {
        storage_phase(obj).to_string()
    };
    vec![
        name,
        quantity_at(obj, &["spec", "capacity", "storage"]),
        access_modes(model::at(obj, &["spec", "accessModes"])),
        reclaim_policy(obj).to_string(),
        phase,
        claim,
        volume_class(obj),
        attributes_class(obj),
        model::str_at(obj, &["status", "reason"]).to_string(),
        age,
    ]
}

/// PersistentVolumeClaim columns: NAME STATUS VOLUME CAPACITY ACCESS MODES STORAGECLASS
/// VOLUMEATTRIBUTESCLASS AGE.
pub(super) fn pvc_cells(obj: &Value, name: String, age: String) -> Vec<String> {
    let phase = if model::at(obj, &["metadata", "deletionTimestamp"]).is_some() {
        "Terminating".to_string()
    } else {
        storage_phase(obj).to_string()
    };
    let volume = model::str_at(obj, &["spec", "volumeName"]).to_string();
    let (capacity, modes) = if volume.is_empty() {
        (String::new(), String::new())
    } else {
        (
            quantity_at(obj, &["status", "capacity", "storage"]),
            access_modes(model::at(obj, &["status", "accessModes"])),
        )
    };
    vec![name, phase, volume, capacity, modes, volume_class(obj), attributes_class(obj), age]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::printers::test_fixtures::*;
    use serde_json::json;

    #[test]
    fn storage_like_the_seed() {
        let pv = |name: &str, size: &str, modes: Value, claim: Option<&str>| {
            let mut v = json!({"kind": "PersistentVolume", "metadata": {"name": name, "creationTimestamp": "2025-01-01T00:56:11Z"},
                "spec": {"capacity": {"storage": size}, "accessModes": modes, "persistentVolumeReclaimPolicy": "Retain"},
                "status": {"phase": if claim.is_some() { "Bound" } else { "Available" }}});
            if let Some(c) = claim {
                v["spec"]["claimRef"] = json!({"namespace": "default", "name": c});
            }
            v
        };
        let got = table(
            "PersistentVolume",
            &[
                pv("pv-nfs-001", "2Gi", json!(["ReadWriteMany", "ReadWriteOnce"]), None),
                pv("pv-nfs-002", "5Gi", json!(["ReadWriteOnce"]), Some("nginxdata-nginx-statefulset-0")),
            ],
            false,
            false,
            false,
        );
        assert_eq!(
            got,
            [
                "NAME         CAPACITY   ACCESS MODES   RECLAIM POLICY   STATUS      CLAIM                                   STORAGECLASS   VOLUMEATTRIBUTESCLASS   REASON   AGE",
                "pv-nfs-001   2Gi        RWO,RWX        Retain           Available                                                          <unset>                          3m49s",
                "pv-nfs-002   5Gi        RWO            Retain           Bound       default/nginxdata-nginx-statefulset-0                  <unset>                          3m49s",
            ]
        );
        let pvc = json!({"kind": "PersistentVolumeClaim", "metadata": {"name": "nginxdata-nginx-statefulset-1", "creationTimestamp": "2025-01-01T00:59:42Z"},
            "spec": {"volumeName": "pv-nfs-003", "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "5Gi"}}},
            "status": {"phase": "Bound", "capacity": {"storage": "5120Mi"}, "accessModes": ["ReadWriteOnce", "ReadWriteMany"]}});
        let pending = json!({"kind": "PersistentVolumeClaim", "metadata": {"name": "data", "creationTimestamp": "2025-01-01T00:59:42Z"},
            "spec": {"storageClassName": "nfs"}, "status": {"phase": "Pending"}});
        assert_eq!(
            table("PersistentVolumeClaim", &[pvc, pending], false, false, false),
            [
                "NAME                            STATUS    VOLUME       CAPACITY   ACCESS MODES   STORAGECLASS   VOLUMEATTRIBUTESCLASS   AGE",
                "nginxdata-nginx-statefulset-1   Bound     pv-nfs-003   5Gi        RWO,RWX                       <unset>                 18s",
                "data                            Pending                                          nfs            <unset>                 18s",
            ]
        );
    }
}
