//! The PersistentVolume, PersistentVolumeClaim and StorageClass describers.

use super::*;

impl Ctx<'_> {
    pub(super) fn persistent_volume(&self, w: &mut Out) {
        let pv = self.obj;
        out!(w, 0, "Name:\t{}\n", self.key.name);
        self.labels(w);
        self.annotations(w);
        out!(w, 0, "Finalizers:\t{}\n", go_slice(&str_list(pv, &["metadata", "finalizers"])));
        out!(w, 0, "StorageClass:\t{}\n", printers::volume_class(pv));
        match self.str(&["metadata", "deletionTimestamp"]) {
            "" => out!(w, 0, "Status:\t{}\n", printers::storage_phase(self.obj)),
            t => out!(w, 0, "Status:\tTerminating (lasts {})\n", printers::since(t, self.s.now)),
        }
        match model::at(pv, &["spec", "claimRef"]) {
            Some(c) => {
                out!(w, 0, "Claim:\t{}/{}\n", model::str_at(c, &["namespace"]), model::str_at(c, &["name"]))
            }
            None => w.w(0, "Claim:\t\n"),
        }
        out!(w, 0, "Reclaim Policy:\t{}\n", printers::reclaim_policy(pv));
        out!(w, 0, "Access Modes:\t{}\n", printers::access_modes(model::at(pv, &["spec", "accessModes"])));
        out!(w, 0, "VolumeMode:\t{}\n", or_default(self.str(&["spec", "volumeMode"]), "Filesystem"));
        out!(w, 0, "Capacity:\t{}\n", printers::quantity_at(pv, &["spec", "capacity", "storage"]));
        w.w(0, "Node Affinity:\t");
        match model::at(pv, &["spec", "nodeAffinity", "required"]) {
            None => w.line("<none>"),
            Some(req) => {
                w.line("");
                w.w(1, "Required Terms:\t");
                let terms = list(req, &["nodeSelectorTerms"]);
                if terms.is_empty() {
                    w.line("<none>");
                } else {
                    w.line("");
                    for (i, term) in terms.iter().enumerate() {
                        out!(w, 2, "Term {i}:\t");
                        let exprs = list(term, &["matchExpressions"]);
                        if exprs.is_empty() {
                            w.line("<none>");
                        }
                        for (j, e) in exprs.iter().enumerate() {
                            if j != 0 {
                                w.w(2, "\t");
                            }
                            let mut text = format!(
                                "{} {}",
                                model::str_at(e, &["key"]),
                                model::str_at(e, &["operator"]).to_ascii_lowercase()
                            );
                            let values = str_list(e, &["values"]);
                            if !values.is_empty() {
                                text.push_str(&format!(" [{}]", values.join(", ")));
                            }
                            out!(w, 0, "{text}\n");
                        }
                    }
                }
            }
        }
        out!(w, 0, "Message:\t{}\n", self.str(&["status", "message"]));
        w.w(0, "Source:\n");
        volume_source(w, model::at(pv, &["spec"]).unwrap_or(&Value::Null), false);
        self.events(w);
    }

    pub(super) fn persistent_volume_claim(&self, w: &mut Out) {
        let pvc = self.obj;
        self.name_namespace(w);
        out!(w, 0, "StorageClass:\t{}\n", printers::volume_class(pvc));
        match self.str(&["metadata", "deletionTimestamp"]) {
            "" => out!(w, 0, "Status:\t{}\n", printers::storage_phase(self.obj)),
            t => out!(w, 0, "Status:\tTerminating (lasts {})\n", printers::since(t, self.s.now)),
        }
        let volume = self.str(&["spec", "volumeName"]);
        out!(w, 0, "Volume:\t{volume}\n");
        self.labels(w);
        self.annotations(w);
        out!(w, 0, "Finalizers:\t{}\n", go_slice(&str_list(pvc, &["metadata", "finalizers"])));
        let (capacity, modes) = if volume.is_empty() {
            (String::new(), String::new())
        } else {
            (
                printers::quantity_at(pvc, &["status", "capacity", "storage"]),
                printers::access_modes(model::at(pvc, &["status", "accessModes"])),
            )
        };
        out!(w, 0, "Capacity:\t{capacity}\n");
        out!(w, 0, "Access Modes:\t{modes}\n");
        out!(w, 0, "VolumeMode:\t{}\n", or_default(self.str(&["spec", "volumeMode"]), "Filesystem"));
        if let Some(ds) = model::at(pvc, &["spec", "dataSource"]) {
            w.w(0, "DataSource:\n");
            let group = model::str_at(ds, &["apiGroup"]);
            if !group.is_empty() {
                out!(w, 1, "APIGroup:\t{group}\n");
            }
            out!(w, 1, "Kind:\t{}\n", model::str_at(ds, &["kind"]));
            out!(w, 1, "Name:\t{}\n", model::str_at(ds, &["name"]));
        }
        let mut users: Vec<&str> = self
            .s
            .of_kind("Pod", Some(&self.key.namespace))
            .filter(|p| {
                list(p, &["spec", "volumes"])
                    .iter()
                    .any(|v| model::str_at(v, &["persistentVolumeClaim", "claimName"]) == self.key.name)
                    || model::owner_refs(pvc).any(|r| {
                        model::str_at(r, &["kind"]) == "Pod" && model::str_at(r, &["uid"]) == model::uid(p)
                    })
            })
            .map(model::name)
            .collect();
        users.sort_unstable();
        w.w(0, "Used By:\t");
        if users.is_empty() {
            w.line("<none>");
        }
        for (i, u) in users.iter().enumerate() {
            if i != 0 {
                w.w(0, "\t");
            }
            out!(w, 0, "{u}\n");
        }
        timed_conditions(w, &list(pvc, &["status", "conditions"]), "LastProbeTime", "lastProbeTime");
        self.events(w);
    }
}

impl Ctx<'_> {
    /// kubectl's `describeStorageClass`.
    pub(super) fn storage_class(&self, w: &mut Out) {
        let sc = self.obj;
        out!(w, 0, "Name:\t{}\n", self.key.name);
        let default = [
            "storageclass.kubernetes.io/is-default-class",
            "storageclass.beta.kubernetes.io/is-default-class",
        ]
        .iter()
        .any(|a| model::annotation(sc, a) == Some("true"));
        out!(w, 0, "IsDefaultClass:\t{}\n", if default { "Yes" } else { "No" });
        out!(
            w,
            0,
            "Annotations:\t{}\n",
            printers::format_labels(model::at(sc, &["metadata", "annotations"]))
        );
        out!(w, 0, "Provisioner:\t{}\n", self.str(&["provisioner"]));
        out!(w, 0, "Parameters:\t{}\n", printers::format_labels(model::at(sc, &["parameters"])));
        let expansion = match model::at(sc, &["allowVolumeExpansion"]).and_then(Value::as_bool) {
            Some(b) => printers::bool_title(b),
            None => "<unset>".into(),
        };
        out!(w, 0, "AllowVolumeExpansion:\t{expansion}\n");
        let options = str_list(sc, &["mountOptions"]);
        if options.is_empty() {
            w.w(0, "MountOptions:\t<none>\n");
        } else {
            w.w(0, "MountOptions:\n");
            for o in options {
                out!(w, 1, "{o}\n");
            }
        }
        for (field, title) in [("reclaimPolicy", "ReclaimPolicy"), ("volumeBindingMode", "VolumeBindingMode")]
        {
            if let Some(v) = model::at(sc, &[field]).and_then(Value::as_str) {
                out!(w, 0, "{title}:\t{v}\n");
            }
        }
        if let Some(terms) = model::at(sc, &["allowedTopologies"]).and_then(Value::as_array) {
            w.w(0, "AllowedTopologies:\t");
            if terms.is_empty() {
                w.line("<none>");
            } else {
                w.line("");
            }
            for (i, term) in terms.iter().enumerate() {
                out!(w, 1, "Term {i}:\t");
                let reqs = list(term, &["matchLabelExpressions"]);
                if reqs.is_empty() {
                    w.line("<none>");
                }
                for (j, r) in reqs.iter().enumerate() {
                    if j != 0 {
                        w.w(1, "\t");
                    }
                    let mut text = format!("{} in", model::str_at(r, &["key"]));
                    let values = str_list(r, &["values"]);
                    if !values.is_empty() {
                        text.push_str(&format!(" [{}]", values.join(", ")));
                    }
                    out!(w, 0, "{text}\n");
                }
            }
        }
        self.events(w);
    }
}

#[cfg(test)]
mod tests {
    use crate::describe::test_fixtures::*;

    #[test]
    fn volumes_and_claims_describe_like_kubectl() {
        let s = more_fixtures();
        assert_lines(
            &describe_in(&s, "PersistentVolume", "", "pv-nfs-002"),
            &[
                "Name:            pv-nfs-002",
                "Labels:          name=pv002",
                "Annotations:     <none>",
                "Finalizers:      [kubernetes.io/pv-protection]",
                "StorageClass:    ",
                "Status:          Bound",
                "Claim:           default/nginxdata-nginx-statefulset-0",
                "Reclaim Policy:  Retain",
                "Access Modes:    RWO",
                "VolumeMode:      Filesystem",
                "Capacity:        5Gi",
                "Node Affinity:   <none>",
                "Message:         ",
                "Source:",
                "    Type:      NFS (an NFS mount that lasts the lifetime of a pod)",
                "    Server:    192.168.1.34",
                "    Path:      /data/volumes/v2",
                "    ReadOnly:  false",
                "Events:        <none>",
            ],
        );
        assert_lines(
            &describe_in(&s, "PersistentVolumeClaim", "default", "nginxdata-nginx-statefulset-0"),
            &[
                "Name:          nginxdata-nginx-statefulset-0",
                "Namespace:     default",
                "StorageClass:  ",
                "Status:        Bound",
                "Volume:        pv-nfs-002",
                "Labels:        app=nginx-pod",
                "Annotations:   <none>",
                "Finalizers:    []",
                "Capacity:      5Gi",
                "Access Modes:  RWO",
                "VolumeMode:    Filesystem",
                "Used By:       nginx-statefulset-0",
                "Events:        <none>",
            ],
        );
    }

    /// kubectl `describeStorageClass`: the default mark, inline annotations and parameters,
    /// `<unset>` expansion, the policies as stored and the allowed topologies term by term.
    #[test]
    fn storage_class_describes_like_kubectl() {
        use serde_json::json;
        let sc = json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
            "metadata": {"name": "local-path", "uid": "uid-sc", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
            "provisioner": "rancher.io/local-path", "parameters": {"type": "ssd", "fs": "ext4"},
            "reclaimPolicy": "Delete", "volumeBindingMode": "WaitForFirstConsumer",
            "mountOptions": ["debug"],
            "allowedTopologies": [{"matchLabelExpressions": [
                {"key": "topology.kubernetes.io/zone", "values": ["a", "b"]}, {"key": "kubernetes.io/hostname", "values": ["n1"]}]}]});
        let s = state(vec![sc], T0);
        assert_lines(
            &describe_in(&s, "StorageClass", "", "local-path"),
            &[
                "Name:                  local-path",
                "IsDefaultClass:        Yes",
                "Annotations:           storageclass.kubernetes.io/is-default-class=true",
                "Provisioner:           rancher.io/local-path",
                "Parameters:            fs=ext4,type=ssd",
                "AllowVolumeExpansion:  <unset>",
                "MountOptions:",
                "  debug",
                "ReclaimPolicy:      Delete",
                "VolumeBindingMode:  WaitForFirstConsumer",
                "AllowedTopologies:  ",
                "  Term 0:           topology.kubernetes.io/zone in [a, b]",
                "                    kubernetes.io/hostname in [n1]",
                "Events:             <none>",
            ],
        );
    }
}
