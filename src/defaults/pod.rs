//! Pods and pod templates (`pkg/apis/core/v1/defaults.go`): `SetDefaults_PodSpec`,
//! `SetDefaults_Container` (imagePullPolicy by tag, termination message), ports' protocol,
//! probes, volume sources' modes, field references, and for Pods alone `SetDefaults_Pod`
//! (requests copied from limits, service links).

use super::{child, set, set_str, str_of};
use crate::model;
use serde_json::{json, Map, Value};

/// `SetDefaults_PodSpec` and everything it holds (the generated defaulters walk containers,
/// ports, probes and volumes).
pub(crate) fn pod_spec(spec: &mut Map<String, Value>) {
    set_str(spec, "dnsPolicy", "ClusterFirst");
    set_str(spec, "restartPolicy", "Always");
    set(spec, "securityContext", json!({}));
    set(spec, "terminationGracePeriodSeconds", json!(30));
    set_str(spec, "schedulerName", "default-scheduler");
    for list in ["containers", "initContainers"] {
        for c in spec.get_mut(list).and_then(Value::as_array_mut).into_iter().flatten() {
            if let Some(c) = c.as_object_mut() {
                container(c);
            }
        }
    }
    for v in spec.get_mut("volumes").and_then(Value::as_array_mut).into_iter().flatten() {
        if let Some(v) = v.as_object_mut() {
            volume(v);
        }
    }
}

/// The tag of an image reference (`parsers.ParseImageName`): "latest" when it has neither a
/// tag nor a digest.
fn image_tag(image: &str) -> &str {
    let (name, has_digest) = match image.split_once('@') {
        Some((n, _)) => (n, true),
        None => (image, false),
    };
    let last = name.rsplit('/').next().unwrap_or(name);
    match last.split_once(':') {
        Some((_, tag)) => tag,
        None if has_digest => "",
        None => "latest",
    }
}

/// `SetDefaults_Container`, ports, probes and env field references.
fn container(c: &mut Map<String, Value>) {
    if str_of(c, "imagePullPolicy").is_empty() {
        let policy = if image_tag(str_of(c, "image")) == "latest" { "Always" } else { "IfNotPresent" };
        set_str(c, "imagePullPolicy", policy);
    }
    set_str(c, "terminationMessagePath", "/dev/termination-log");
    set_str(c, "terminationMessagePolicy", "File");
    set(c, "resources", json!({}));
    for p in c.get_mut("ports").and_then(Value::as_array_mut).into_iter().flatten() {
        if let Some(p) = p.as_object_mut() {
            set_str(p, "protocol", "TCP");
        }
    }
    for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
        if let Some(p) = c.get_mut(probe).and_then(Value::as_object_mut) {
            probe_defaults(p);
        }
    }
    for e in c.get_mut("env").and_then(Value::as_array_mut).into_iter().flatten() {
        if let Some(f) = e.pointer_mut("/valueFrom/fieldRef").and_then(Value::as_object_mut) {
            set_str(f, "apiVersion", "v1");
        }
    }
}

/// `SetDefaults_Probe` (zero means unset) and `SetDefaults_HTTPGetAction`.
fn probe_defaults(p: &mut Map<String, Value>) {
    for (key, value) in
        [("timeoutSeconds", 1), ("periodSeconds", 10), ("successThreshold", 1), ("failureThreshold", 3)]
    {
        if p.get(key).and_then(Value::as_i64).unwrap_or(0) == 0 {
            p.insert(key.to_string(), json!(value));
        }
    }
    if let Some(h) = p.get_mut("httpGet").and_then(Value::as_object_mut) {
        set_str(h, "path", "/");
        set_str(h, "scheme", "HTTP");
    }
}

/// The volume sources konverge knows (`SetDefaults_Volume` and each source's defaults).
const VOLUME_SOURCES: &[&str] = &[
    "emptyDir",
    "hostPath",
    "secret",
    "configMap",
    "persistentVolumeClaim",
    "projected",
    "downwardAPI",
    "nfs",
    "csi",
    "ephemeral",
    "image",
    "iscsi",
    "awsElasticBlockStore",
    "gcePersistentDisk",
    "azureDisk",
    "azureFile",
    "cephfs",
    "cinder",
    "fc",
    "flexVolume",
    "flocker",
    "gitRepo",
    "glusterfs",
    "photonPersistentDisk",
    "portworxVolume",
    "quobyte",
    "rbd",
    "scaleIO",
    "storageos",
    "vsphereVolume",
];

/// `SetDefaults_Volume`: no source is an emptyDir; file modes default to 0644 (420).
fn volume(v: &mut Map<String, Value>) {
    if !VOLUME_SOURCES.iter().any(|s| v.get(*s).is_some_and(|x| !x.is_null())) {
        v.insert("emptyDir".into(), json!({}));
    }
    for source in ["secret", "configMap", "projected", "downwardAPI"] {
        if let Some(s) = v.get_mut(source).and_then(Value::as_object_mut) {
            set(s, "defaultMode", json!(420));
        }
    }
    if let Some(h) = v.get_mut("hostPath").and_then(Value::as_object_mut) {
        set(h, "type", json!(""));
    }
}

/// `SetDefaults_Pod` then the pod spec: requests default to limits for each resource a
/// container limits but does not request; service links on.
fn pod(obj: &mut Value) {
    let Some(spec) = super::spec(obj) else { return };
    for list in ["containers", "initContainers"] {
        for c in spec.get_mut(list).and_then(Value::as_array_mut).into_iter().flatten() {
            requests_from_limits(c);
        }
    }
    set(spec, "enableServiceLinks", json!(true));
    pod_spec(spec);
}

fn requests_from_limits(c: &mut Value) {
    let Some(limits) = c.pointer("/resources/limits").and_then(Value::as_object).cloned() else { return };
    let Some(resources) = c.get_mut("resources").and_then(Value::as_object_mut) else { return };
    let Some(requests) = child(resources, "requests") else { return };
    for (k, v) in limits {
        requests.entry(k).or_insert(v);
    }
}

/// The pod template of a workload (`spec.template.spec`), defaulted like a pod spec.
pub(crate) fn template(obj: &mut Value) {
    if let Some(spec) = obj.pointer_mut("/spec/template/spec").and_then(Value::as_object_mut) {
        pod_spec(spec);
    }
}

pub(super) const KINDS: &[(&str, super::KindDefaulter)] = &[("Pod", pod), ("PodTemplate", pod_template)];

fn pod_template(obj: &mut Value) {
    if let Some(spec) = obj.pointer_mut("/template/spec").and_then(Value::as_object_mut) {
        pod_spec(spec);
    }
}

/// The pod strategy's `applySchedulingGatedCondition`: a pod created with scheduling gates and
/// no PodScheduled condition gets one, False with reason SchedulingGated.
pub(super) fn scheduling_gated(obj: &mut Value) {
    let gated =
        model::at(obj, &["spec", "schedulingGates"]).and_then(Value::as_array).is_some_and(|g| !g.is_empty());
    let conditions = model::at(obj, &["status", "conditions"]).and_then(Value::as_array);
    if !gated || conditions.is_some_and(|c| c.iter().any(|c| model::str_at(c, &["type"]) == "PodScheduled")) {
        return;
    }
    let condition = json!({
        "type": "PodScheduled", "status": "False", "reason": "SchedulingGated",
        "message": "Scheduling is blocked due to non-empty scheduling gates",
    });
    let status = model::obj_mut(obj, &["status"]);
    match status.get_mut("conditions").and_then(Value::as_array_mut) {
        Some(list) => list.push(condition),
        None => {
            status.insert("conditions".into(), json!([condition]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaulted(mut obj: Value) -> Value {
        super::super::apply(&mut obj);
        obj
    }

    /// core/v1 `TestSetDefaultPodSpec`-style and `TestSetDefaultContainer` /
    /// `TestSetDefaultsContainerImagePullPolicy`: image pull policy by tag.
    #[test]
    fn image_pull_policy_by_tag() {
        for (image, want) in [
            ("nginx", "Always"),
            ("nginx:latest", "Always"),
            ("nginx:1.25", "IfNotPresent"),
            ("registry:5000/app", "Always"),
            ("registry:5000/app:v1", "IfNotPresent"),
            ("nginx@sha256:abc", "IfNotPresent"),
        ] {
            let p =
                defaulted(json!({"kind": "Pod", "spec": {"containers": [{"name": "c", "image": image}]}}));
            assert_eq!(p["spec"]["containers"][0]["imagePullPolicy"], want, "{image}");
        }
    }

    /// core/v1 `TestSetDefaultRequestsPod`: limits copied into missing requests, given
    /// requests kept; templates do not get them (only Pods).
    #[test]
    fn requests_default_to_limits_on_pods_only() {
        let c = json!({"name": "c", "image": "i:1", "resources": {"limits": {"cpu": "100m", "memory": "1Gi"}, "requests": {"memory": "512Mi"}}});
        let p = defaulted(json!({"kind": "Pod", "spec": {"containers": [c.clone()]}}));
        assert_eq!(
            p["spec"]["containers"][0]["resources"]["requests"],
            json!({"memory": "512Mi", "cpu": "100m"})
        );
        let rs =
            defaulted(json!({"kind": "ReplicaSet", "spec": {"template": {"spec": {"containers": [c]}}}}));
        assert_eq!(
            rs["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"],
            json!({"memory": "512Mi"})
        );
    }

    /// core/v1 `TestSetDefaultPodSpec`, `TestSetDefaultProbe`, `TestSetDefaultSecretVolumeSource`,
    /// `TestSetDefaultVolume`.
    #[test]
    fn pod_spec_probe_and_volume_defaults() {
        let p = defaulted(json!({"kind": "Pod", "spec": {
            "containers": [{"name": "c", "image": "i:1", "ports": [{"containerPort": 80}],
                            "readinessProbe": {"httpGet": {"port": 80}}}],
            "volumes": [{"name": "a"}, {"name": "b", "secret": {"secretName": "s"}}, {"name": "c", "configMap": {"name": "m", "defaultMode": 256}}]
        }}));
        let spec = &p["spec"];
        assert_eq!(spec["dnsPolicy"], "ClusterFirst");
        assert_eq!(spec["restartPolicy"], "Always");
        assert_eq!(spec["schedulerName"], "default-scheduler");
        assert_eq!(spec["terminationGracePeriodSeconds"], 30);
        assert_eq!(spec["securityContext"], json!({}));
        assert_eq!(spec["enableServiceLinks"], true);
        let c = &spec["containers"][0];
        assert_eq!(c["ports"][0]["protocol"], "TCP");
        assert_eq!(c["terminationMessagePath"], "/dev/termination-log");
        assert_eq!(c["terminationMessagePolicy"], "File");
        assert_eq!(
            c["readinessProbe"],
            json!({"httpGet": {"port": 80, "path": "/", "scheme": "HTTP"}, "timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3})
        );
        assert_eq!(spec["volumes"][0]["emptyDir"], json!({}));
        assert_eq!(spec["volumes"][1]["secret"]["defaultMode"], 420);
        assert_eq!(spec["volumes"][2]["configMap"]["defaultMode"], 256);
    }

    #[test]
    fn given_values_are_never_changed() {
        let p = defaulted(json!({"kind": "Pod", "spec": {"restartPolicy": "Never", "dnsPolicy": "Default",
            "containers": [{"name": "c", "image": "i", "imagePullPolicy": "Never"}]}}));
        assert_eq!(p["spec"]["restartPolicy"], "Never");
        assert_eq!(p["spec"]["dnsPolicy"], "Default");
        assert_eq!(p["spec"]["containers"][0]["imagePullPolicy"], "Never");
    }
}
