//! `describeVolumes`: a pod's (or template's) volumes and the volume sources a PersistentVolume
//! shares with them.

use super::*;

/// `describeVolumes`, for the volume sources konverge's examples use; others read `<unknown>`.
pub(super) fn volumes(w: &mut Out, vols: &[&Value], space: &str) {
    if vols.is_empty() {
        out!(w, 0, "{space}Volumes:\t<none>\n");
        return;
    }
    out!(w, 0, "{space}Volumes:\n");
    let name_indent = if space.is_empty() { "" } else { " " };
    for v in vols {
        out!(w, 1, "{name_indent}{}:\n", model::str_at(v, &["name"]));
        volume_source(w, v, true);
    }
}

/// The `Type:` block of a volume source (a pod volume, or a PV's spec when `pod` is false).
pub(super) fn volume_source(w: &mut Out, v: &Value, pod: bool) {
    let s = |src: &Value, f: &str| model::str_at(src, &[f]).to_string();
    let b = |src: &Value, f: &str| bool_at(src, &[f]);
    if let Some(h) = model::at(v, &["hostPath"]) {
        out!(
            w,
            2,
            "Type:\tHostPath (bare host directory volume)\n    Path:\t{}\n    HostPathType:\t{}\n",
            s(h, "path"),
            or_none(&s(h, "type"))
        );
    } else if let Some(e) = model::at(v, &["emptyDir"]).filter(|_| pod) {
        let limit = model::at(e, &["sizeLimit"]).map(quantity).filter(|q| q.nano > 0);
        out!(
            w,
            2,
            "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n    Medium:\t{}\n    SizeLimit:\t{}\n",
            s(e, "medium"),
            limit.map_or("<unset>".to_string(), |q| q.to_string())
        );
    } else if let Some(x) = model::at(v, &["secret"]).filter(|_| pod) {
        out!(
            w,
            2,
            "Type:\tSecret (a volume populated by a Secret)\n    SecretName:\t{}\n    Optional:\t{}\n",
            s(x, "secretName"),
            b(x, "optional")
        );
    } else if let Some(x) = model::at(v, &["configMap"]).filter(|_| pod) {
        out!(
            w,
            2,
            "Type:\tConfigMap (a volume populated by a ConfigMap)\n    Name:\t{}\n    Optional:\t{}\n",
            s(x, "name"),
            b(x, "optional")
        );
    } else if let Some(n) = model::at(v, &["nfs"]) {
        out!(
            w,
            2,
            "Type:\tNFS (an NFS mount that lasts the lifetime of a pod)\n    Server:\t{}\n    Path:\t{}\n    ReadOnly:\t{}\n",
            s(n, "server"),
            s(n, "path"),
            b(n, "readOnly")
        );
    } else if let Some(c) = model::at(v, &["persistentVolumeClaim"]).filter(|_| pod) {
        out!(
            w,
            2,
            "Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)\n    ClaimName:\t{}\n    ReadOnly:\t{}\n",
            s(c, "claimName"),
            b(c, "readOnly")
        );
    } else if let Some(l) = model::at(v, &["local"]).filter(|_| !pod) {
        out!(
            w,
            2,
            "Type:\tLocalVolume (a persistent volume backed by local storage on a node)\n    Path:\t{}\n",
            s(l, "path")
        );
    } else if let Some(p) = model::at(v, &["projected"]).filter(|_| pod) {
        w.w(2, "Type:\tProjected (a volume that contains injected data from multiple sources)\n");
        for src in list(p, &["sources"]) {
            if let Some(x) = model::at(src, &["secret"]) {
                out!(w, 2, "SecretName:\t{}\n    Optional:\t{}\n", s(x, "name"), b(x, "optional"));
            } else if model::at(src, &["downwardAPI"]).is_some() {
                w.w(2, "DownwardAPI:\ttrue\n");
            } else if let Some(x) = model::at(src, &["configMap"]) {
                out!(w, 2, "ConfigMapName:\t{}\n    Optional:\t{}\n", s(x, "name"), b(x, "optional"));
            } else if let Some(x) = model::at(src, &["serviceAccountToken"]) {
                out!(
                    w,
                    2,
                    "TokenExpirationSeconds:\t{}\n",
                    model::i64_at(x, &["expirationSeconds"]).unwrap_or(3607)
                );
            }
        }
    } else if let Some(d) = model::at(v, &["downwardAPI"]).filter(|_| pod) {
        w.w(2, "Type:\tDownwardAPI (a volume populated by information about the pod)\n    Items:\n");
        for item in list(d, &["items"]) {
            if let Some(f) = model::at(item, &["fieldRef"]) {
                out!(w, 3, "{} -> {}\n", s(f, "fieldPath"), s(item, "path"));
            }
            if let Some(f) = model::at(item, &["resourceFieldRef"]) {
                out!(w, 3, "{} -> {}\n", s(f, "resource"), s(item, "path"));
            }
        }
    } else if let Some(c) = model::at(v, &["csi"]) {
        out!(
            w,
            2,
            "Type:\tCSI (a Container Storage Interface (CSI) volume source)\n    Driver:\t{}\n    FSType:\t{}\n",
            s(c, "driver"),
            s(c, "fsType")
        );
        if !pod {
            out!(w, 0, "    VolumeHandle:\t{}\n", s(c, "volumeHandle"));
        }
        out!(w, 0, "    ReadOnly:\t{}\n", b(c, "readOnly"));
        out!(w, 2, "VolumeAttributes:\t");
        let attrs = sorted_map(model::at(c, &["volumeAttributes"]));
        if attrs.is_empty() {
            w.line("<none>");
        }
        for (i, (k, v)) in attrs.iter().enumerate() {
            if i != 0 {
                w.w(2, "\t");
            }
            out!(w, 2, "{}\n", shorten(&format!("{k}={v}"), MAX_ANNOTATION_LEN));
        }
    } else {
        w.w(1, "<unknown>\n");
    }
}
