//! Workloads (`pkg/apis/apps/v1/defaults.go`, and `SetDefaults_ReplicationController` in
//! core/v1): replicas, strategies, history limits, deadlines, and the pod template.

use super::pod::template;
use super::{child, set, set_str, spec, str_of};
use serde_json::{json, Value};

/// `SetDefaults_Deployment`.
fn deployment(obj: &mut Value) {
    if let Some(spec) = spec(obj) {
        set(spec, "replicas", json!(1));
        if let Some(strategy) = child(spec, "strategy") {
            set_str(strategy, "type", "RollingUpdate");
            if str_of(strategy, "type") == "RollingUpdate" {
                if let Some(rolling) = child(strategy, "rollingUpdate") {
                    set(rolling, "maxUnavailable", json!("25%"));
                    set(rolling, "maxSurge", json!("25%"));
                }
            }
        }
        set(spec, "revisionHistoryLimit", json!(10));
        set(spec, "progressDeadlineSeconds", json!(600));
    }
    template(obj);
}

/// `SetDefaults_ReplicaSet`.
fn replica_set(obj: &mut Value) {
    if let Some(spec) = spec(obj) {
        set(spec, "replicas", json!(1));
    }
    template(obj);
}

/// `SetDefaults_ReplicationController`: selector and labels from the template's labels.
fn replication_controller(obj: &mut Value) {
    let template_labels = obj.pointer("/spec/template/metadata/labels").filter(|l| l.is_object()).cloned();
    if let Some(labels) = template_labels {
        let empty = |v: Option<&Value>| v.and_then(Value::as_object).is_none_or(|m| m.is_empty());
        if empty(obj.pointer("/spec/selector")) {
            if let Some(spec) = spec(obj) {
                spec.insert("selector".into(), labels.clone());
            }
        }
        if empty(obj.pointer("/metadata/labels")) {
            if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
                meta.insert("labels".into(), labels);
            }
        }
    }
    replica_set(obj);
}

/// `SetDefaults_DaemonSet`.
fn daemon_set(obj: &mut Value) {
    if let Some(spec) = spec(obj) {
        if let Some(strategy) = child(spec, "updateStrategy") {
            set_str(strategy, "type", "RollingUpdate");
            if str_of(strategy, "type") == "RollingUpdate" {
                if let Some(rolling) = child(strategy, "rollingUpdate") {
                    set(rolling, "maxUnavailable", json!(1));
                    set(rolling, "maxSurge", json!(0));
                }
            }
        }
        set(spec, "revisionHistoryLimit", json!(10));
    }
    template(obj);
}

/// `SetDefaults_StatefulSet` (and `SetDefaults_PersistentVolumeClaim` on each claim template).
fn stateful_set(obj: &mut Value) {
    if let Some(spec) = spec(obj) {
        set_str(spec, "podManagementPolicy", "OrderedReady");
        if let Some(strategy) = child(spec, "updateStrategy") {
            if str_of(strategy, "type").is_empty() {
                strategy.insert("type".into(), json!("RollingUpdate"));
                set(strategy, "rollingUpdate", json!({}));
            }
            if str_of(strategy, "type") == "RollingUpdate" {
                if let Some(rolling) = strategy.get_mut("rollingUpdate").and_then(Value::as_object_mut) {
                    set(rolling, "partition", json!(0));
                }
            }
        }
        if let Some(policy) = child(spec, "persistentVolumeClaimRetentionPolicy") {
            set_str(policy, "whenDeleted", "Retain");
            set_str(policy, "whenScaled", "Retain");
        }
        set(spec, "replicas", json!(1));
        set(spec, "revisionHistoryLimit", json!(10));
        for claim in spec.get_mut("volumeClaimTemplates").and_then(Value::as_array_mut).into_iter().flatten()
        {
            super::storage::claim(claim);
        }
    }
    template(obj);
}

pub(super) const KINDS: &[(&str, super::KindDefaulter)] = &[
    ("Deployment", deployment),
    ("ReplicaSet", replica_set),
    ("ReplicationController", replication_controller),
    ("DaemonSet", daemon_set),
    ("StatefulSet", stateful_set),
];

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    fn defaulted(mut obj: Value) -> Value {
        super::super::apply(&mut obj);
        obj
    }

    /// apps/v1 `TestSetDefaultDeployment`: the empty deployment case and the Recreate case.
    #[test]
    fn upstream_set_default_deployment() {
        let d = defaulted(json!({"kind": "Deployment", "spec": {"template": {"spec": {"containers": []}}}}));
        assert_eq!(d["spec"]["replicas"], 1);
        assert_eq!(
            d["spec"]["strategy"],
            json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}})
        );
        assert_eq!(d["spec"]["revisionHistoryLimit"], 10);
        assert_eq!(d["spec"]["progressDeadlineSeconds"], 600);
        let d = defaulted(
            json!({"kind": "Deployment", "spec": {"replicas": 5, "strategy": {"type": "Recreate"}, "progressDeadlineSeconds": 30}}),
        );
        assert_eq!(d["spec"]["strategy"], json!({"type": "Recreate"}));
        assert_eq!(d["spec"]["replicas"], 5);
        assert_eq!(d["spec"]["progressDeadlineSeconds"], 30);
        let d = defaulted(
            json!({"kind": "Deployment", "spec": {"strategy": {"rollingUpdate": {"maxSurge": 0}}}}),
        );
        assert_eq!(d["spec"]["strategy"]["rollingUpdate"], json!({"maxSurge": 0, "maxUnavailable": "25%"}));
    }

    /// apps/v1 `TestSetDefaultDaemonSetSpec` and `TestSetDefaultStatefulSet`.
    #[test]
    fn upstream_daemon_set_and_stateful_set_defaults() {
        let ds = defaulted(json!({"kind": "DaemonSet", "spec": {}}));
        assert_eq!(
            ds["spec"]["updateStrategy"],
            json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}})
        );
        assert_eq!(ds["spec"]["revisionHistoryLimit"], 10);
        let ss = defaulted(json!({"kind": "StatefulSet", "spec": {"volumeClaimTemplates": [{"spec": {}}]}}));
        assert_eq!(ss["spec"]["podManagementPolicy"], "OrderedReady");
        assert_eq!(
            ss["spec"]["updateStrategy"],
            json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}})
        );
        assert_eq!(
            ss["spec"]["persistentVolumeClaimRetentionPolicy"],
            json!({"whenDeleted": "Retain", "whenScaled": "Retain"})
        );
        assert_eq!(ss["spec"]["replicas"], 1);
        assert_eq!(ss["spec"]["volumeClaimTemplates"][0]["spec"]["volumeMode"], "Filesystem");
        let ss = defaulted(json!({"kind": "StatefulSet", "spec": {"updateStrategy": {"type": "OnDelete"}}}));
        assert_eq!(ss["spec"]["updateStrategy"], json!({"type": "OnDelete"}));
        let ss =
            defaulted(json!({"kind": "StatefulSet", "spec": {"updateStrategy": {"type": "RollingUpdate"}}}));
        assert_eq!(
            ss["spec"]["updateStrategy"],
            json!({"type": "RollingUpdate"}),
            "an explicit type keeps rollingUpdate nil"
        );
    }

    /// core/v1 `TestSetDefaultReplicationControllerSelector` / `...Labels`.
    #[test]
    fn upstream_replication_controller_selector_and_labels() {
        let rc = defaulted(
            json!({"kind": "ReplicationController", "metadata": {"name": "r"}, "spec": {"template": {"metadata": {"labels": {"a": "b"}}}}}),
        );
        assert_eq!(rc["spec"]["selector"], json!({"a": "b"}));
        assert_eq!(rc["metadata"]["labels"], json!({"a": "b"}));
        let rc = defaulted(
            json!({"kind": "ReplicationController", "metadata": {"name": "r", "labels": {"x": "y"}}, "spec": {"selector": {"a": "b"}, "template": {"metadata": {"labels": {"a": "b", "c": "d"}}}}}),
        );
        assert_eq!(rc["spec"]["selector"], json!({"a": "b"}));
        assert_eq!(rc["metadata"]["labels"], json!({"x": "y"}));
    }
}
