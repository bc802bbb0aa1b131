//! Fixtures the describers' tests share: states, events, pods and the objects of the tutorial.

use super::*;
use serde_json::json;

pub(super) const T0: &str = "2025-01-01T00:00:00Z";

pub(super) fn state(objects: Vec<Value>, now: &str) -> State {
    // An unreadable `now` starts at the epoch, where no test's ages would come out right.
    let now = model::parse_time(now).unwrap_or_default();
    State::of_objects(objects.into_iter().map(|o| (ObjKey::of(&o), o)), now)
}

pub(super) fn describe_in(s: &State, kind: &str, ns: &str, name: &str) -> String {
    let key = ObjKey::new(kind, ns, name);
    // A missing object describes as nothing, which no test expects.
    s.lookup(&key).map_or_else(String::new, |obj| describe(s, &key, &obj))
}

pub(super) fn event(
    name: &str,
    rv: &str,
    on: (&str, &str, &str),
    reason: &str,
    msg: &str,
    (first, last, count): (&str, &str, i64),
) -> Value {
    json!({"apiVersion": "v1", "kind": "Event",
           "metadata": {"name": name, "namespace": "default", "resourceVersion": rv},
           "involvedObject": {"kind": on.0, "name": on.1, "namespace": "default", "uid": on.2},
           "reason": reason, "message": msg, "type": if reason == "BackOff" { "Warning" } else { "Normal" },
           "source": {"component": match on.0 { "Pod" => "kubelet", "ReplicaSet" => "replicaset-controller",
                                                  "Deployment" => "deployment-controller", _ => "daemonset-controller" }},
           "firstTimestamp": first, "lastTimestamp": last, "count": count})
}

pub(super) fn rs_pod(name: &str, owner_uid: &str, phase: &str, labels: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": name, "namespace": "default", "uid": format!("uid-{name}"), "labels": labels,
                        "creationTimestamp": T0,
                        "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "myapp", "uid": owner_uid, "controller": true}]},
           "spec": {"containers": [{"name": "c", "image": "i", "resources": {"requests": {"cpu": "250m", "memory": "64Mi"}, "limits": {"memory": "128Mi"}}}],
                    "nodeName": "k8s-node1"},
           "status": {"phase": phase}})
}

/// Compare line by line, so a failure names the first line that differs.
pub(super) fn assert_lines(got: &str, want: &[&str]) {
    let got: Vec<&str> = got.lines().collect();
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert_eq!(g, w, "line {}", i + 1);
    }
    assert_eq!(got.len(), want.len(), "{}", got.join("\n"));
}

pub(super) fn bare_pod(patch: Value) -> Value {
    let mut p = json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "p", "namespace": "default", "uid": "u"},
        "spec": {"containers": [{"name": "c", "image": "nginx"}]}, "status": {"phase": "Pending"}});
    json_patch::merge(&mut p, &patch);
    p
}

/// The lines of a pod's description that start with one of `prefixes`.
pub(super) fn pod_lines(pod: Value, prefixes: &[&str]) -> Vec<String> {
    let s = state(vec![pod], "2025-01-01T00:10:00Z");
    describe_in(&s, "Pod", "default", "p")
        .lines()
        .filter(|l| prefixes.iter().any(|p| l.trim_start().starts_with(p)))
        .map(|l| l.trim_end().to_string())
        .collect()
}

pub(super) fn fixtures() -> State {
    let labels = json!({"app": "myapp", "release": "canary"});
    let mut running = rs_pod("myapp-x", "uid-rs", "Running", labels.clone());
    running["metadata"]["annotations"] =
        json!({"kubectl.kubernetes.io/last-applied-configuration": "{}", "note": "hi"});
    running["spec"]["containers"][0]["ports"] = json!([{"name": "http", "containerPort": 80}]);
    running["spec"]["containers"][0]["env"] = json!([{"name": "MODE", "value": "demo"},
        {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}]);
    running["spec"]["containers"][0]["readinessProbe"] = json!({"httpGet": {"path": "/healthz", "port": 80}});
    running["spec"]["tolerations"] = json!([
        {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
        {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}]);
    running["status"] = json!({"phase": "Running", "startTime": "2025-01-01T00:00:02Z",
        "conditions": [{"type": "Initialized", "status": "True"}, {"type": "Ready", "status": "True"},
                       {"type": "ContainersReady", "status": "True"}, {"type": "PodScheduled", "status": "True"}],
        "containerStatuses": [{"name": "c", "ready": true, "restartCount": 1,
            "state": {"running": {"startedAt": "2025-01-01T00:00:02Z"}},
            "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "startedAt": "2025-01-01T00:00:01Z", "finishedAt": "2025-01-01T00:00:02Z"}}}]});
    let rs = json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {"name": "myapp", "namespace": "default", "uid": "uid-rs", "creationTimestamp": T0,
                     "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"}},
        "spec": {"replicas": 4, "selector": {"matchLabels": labels.clone()},
                 "template": {"metadata": {"labels": labels.clone()},
                              "spec": {"containers": [{"name": "myapp-containers", "image": "ikubernetes/myapp:v1",
                                                       "ports": [{"name": "http", "containerPort": 80}]}]}}},
        "status": {"replicas": 4, "readyReplicas": 1,
                   "conditions": [{"type": "ReplicaFailure", "status": "True", "reason": "FailedCreate"}]}});
    let node = json!({"apiVersion": "v1", "kind": "Node",
        "metadata": {"name": "k8s-node1", "uid": "uid-node", "creationTimestamp": T0,
                     "labels": {"kubernetes.io/hostname": "k8s-node1", "node-role.kubernetes.io/worker": ""}},
        "spec": {"unschedulable": true, "taints": [
            {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"},
            {"key": "dedicated", "value": "db", "effect": "NoExecute"}]},
        "status": {"capacity": {"cpu": "4", "memory": "8Gi", "pods": "110"},
                   "allocatable": {"cpu": "4", "memory": "8Gi", "pods": "110"},
                   "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status",
                                   "lastHeartbeatTime": "2025-01-01T00:00:50Z", "lastTransitionTime": T0}],
                   "addresses": [{"type": "InternalIP", "address": "192.168.1.35"}, {"type": "Hostname", "address": "k8s-node1"}],
                   "nodeInfo": {"kubeletVersion": "v1.30.2", "osImage": "Ubuntu 22.04", "architecture": "amd64"}}});
    state(
        vec![
            running,
            rs_pod("myapp-y", "uid-rs", "Pending", labels.clone()),
            rs_pod("myapp-z", "uid-rs", "Succeeded", labels.clone()),
            rs_pod("other", "uid-other", "Running", labels.clone()),
            rs_pod("stray", "uid-rs", "Running", json!({"app": "else"})),
            rs,
            node,
            event(
                "e1",
                "5",
                ("ReplicaSet", "myapp", "uid-rs"),
                "SuccessfulCreate",
                "Created pod: myapp-x",
                (T0, T0, 1),
            ),
            event(
                "e2",
                "3",
                ("Pod", "myapp-x", "uid-myapp-x"),
                "BackOff",
                "Back-off restarting failed container",
                ("2025-01-01T00:00:01Z", "2025-01-01T00:00:40Z", 3),
            ),
            event(
                "e3",
                "9",
                ("Pod", "myapp-x", "uid-myapp-x"),
                "Started",
                "Started container",
                ("2025-01-01T00:00:02Z", "2025-01-01T00:00:02Z", 1),
            ),
            event(
                "e4",
                "1",
                ("Pod", "myapp-x", "old-uid"),
                "Killing",
                "from a previous pod of that name",
                (T0, T0, 1),
            ),
        ],
        "2025-01-01T00:01:00Z",
    )
}

pub(super) fn more_fixtures() -> State {
    let tpl = |labels: Value, image: &str| {
        json!({"metadata": {"labels": labels},
        "spec": {"containers": [{"name": "myapp", "image": image, "ports": [{"name": "http", "containerPort": 80}]}]}})
    };
    let dlabels = json!({"app": "deploy-app", "release": "canary"});
    let mut hashed = dlabels.clone();
    hashed["pod-template-hash"] = json!("7c66dbf45b");
    let mut old_hashed = dlabels.clone();
    old_hashed["pod-template-hash"] = json!("78c84d4449");
    let owner = |kind: &str, name: &str, uid: &str| json!([{"apiVersion": "apps/v1", "kind": kind, "name": name, "uid": uid, "controller": true}]);
    let deploy = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "deploy-demo", "namespace": "default", "uid": "uid-d", "creationTimestamp": T0,
                     "annotations": {"deployment.kubernetes.io/revision": "2"}},
        "spec": {"replicas": 2, "selector": {"matchLabels": dlabels.clone()}, "template": tpl(dlabels.clone(), "ikubernetes/myapp:v2")},
        "status": {"replicas": 2, "updatedReplicas": 2, "readyReplicas": 2, "availableReplicas": 2,
                   "conditions": [{"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"},
                                  {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"}]}});
    let new_rs = json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {"name": "deploy-demo-7c66dbf45b", "namespace": "default", "uid": "uid-new", "labels": hashed.clone(),
                     "creationTimestamp": "2025-01-01T00:00:47Z", "ownerReferences": owner("Deployment", "deploy-demo", "uid-d")},
        "spec": {"replicas": 2, "selector": {"matchLabels": hashed.clone()}, "template": tpl(hashed.clone(), "ikubernetes/myapp:v2")},
        "status": {"replicas": 2}});
    let old_rs = json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {"name": "deploy-demo-78c84d4449", "namespace": "default", "uid": "uid-old", "labels": old_hashed.clone(),
                     "creationTimestamp": T0, "ownerReferences": owner("Deployment", "deploy-demo", "uid-d")},
        "spec": {"replicas": 0, "selector": {"matchLabels": old_hashed.clone()}, "template": tpl(old_hashed.clone(), "ikubernetes/myapp:v1")},
        "status": {"replicas": 0}});
    let recreate = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "fresh", "namespace": "default", "uid": "uid-f", "creationTimestamp": T0},
        "spec": {"selector": {"matchLabels": {"app": "fresh"}}, "strategy": {"type": "Recreate"}, "template": tpl(json!({"app": "fresh"}), "nginx")}});
    let ds = json!({"apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": {"name": "daemset-nginx", "namespace": "default", "uid": "uid-ds", "labels": {"app": "daem-nginx"}},
        "spec": {"selector": {"matchLabels": {"app": "daem-nginx"}}, "template": {"metadata": {"labels": {"app": "daem-nginx"}},
                 "spec": {"containers": [{"name": "nginx-pod", "image": "nginx:1.12", "ports": [{"name": "http", "containerPort": 80}]}]}}},
        "status": {"desiredNumberScheduled": 2, "currentNumberScheduled": 2, "updatedNumberScheduled": 2, "numberAvailable": 2, "numberMisscheduled": 0}});
    let ds_pod = |name: &str| {
        json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "default", "labels": {"app": "daem-nginx"}, "ownerReferences": owner("DaemonSet", "daemset-nginx", "uid-ds")},
        "spec": {"containers": []}, "status": {"phase": "Running"}})
    };
    let sts = json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": "nginx-statefulset", "namespace": "default", "uid": "uid-sts", "creationTimestamp": T0},
        "spec": {"replicas": 3, "serviceName": "nginx-svc", "selector": {"matchLabels": {"app": "nginx-pod"}},
                 "updateStrategy": {"rollingUpdate": {"partition": 2}},
                 "template": {"metadata": {"labels": {"app": "nginx-pod"}}, "spec": {"containers": [{"name": "nginx", "image": "nginx:1.12",
                     "volumeMounts": [{"name": "nginxdata", "mountPath": "/usr/share/nginx/html"}]}]}},
                 "volumeClaimTemplates": [{"metadata": {"name": "nginxdata"}, "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "5Gi"}}}}]},
        "status": {"replicas": 3}});
    let pv = json!({"apiVersion": "v1", "kind": "PersistentVolume",
        "metadata": {"name": "pv-nfs-002", "labels": {"name": "pv002"}, "finalizers": ["kubernetes.io/pv-protection"], "creationTimestamp": T0},
        "spec": {"nfs": {"path": "/data/volumes/v2", "server": "192.168.1.34"}, "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "5Gi"},
                 "persistentVolumeReclaimPolicy": "Retain", "claimRef": {"namespace": "default", "name": "nginxdata-nginx-statefulset-0"}},
        "status": {"phase": "Bound"}});
    let pvc = json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
        "metadata": {"name": "nginxdata-nginx-statefulset-0", "namespace": "default", "labels": {"app": "nginx-pod"}, "creationTimestamp": T0},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "5Gi"}}, "volumeName": "pv-nfs-002"},
        "status": {"phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "5Gi"}}});
    let sts_pod = json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "nginx-statefulset-0", "namespace": "default", "labels": {"app": "nginx-pod"},
                     "ownerReferences": owner("StatefulSet", "nginx-statefulset", "uid-sts")},
        "spec": {"containers": [], "volumes": [{"name": "nginxdata", "persistentVolumeClaim": {"claimName": "nginxdata-nginx-statefulset-0"}}]},
        "status": {"phase": "Running", "podIP": "10.244.2.96", "conditions": [{"type": "Ready", "status": "True"}]}});
    let svc = json!({"apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "nginx-svc", "namespace": "default", "labels": {"app": "nginx-svc"}},
        "spec": {"ports": [{"name": "http", "port": 80}], "clusterIP": "None", "selector": {"app": "nginx-pod"}}});
    let job = json!({"apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": "pi", "namespace": "default", "uid": "uid-job"},
        "spec": {"selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "uid-job"}},
                 "template": {"metadata": {"labels": {"job-name": "pi"}}, "spec": {"restartPolicy": "Never",
                     "containers": [{"name": "pi", "image": "perl:5.34", "command": ["perl", "-Mbignum=bpi", "-wle", "print bpi(20)"]}]}}},
        "status": {"startTime": T0, "completionTime": "2025-01-01T00:00:42Z", "succeeded": 1, "ready": 0}});
    let cj = json!({"apiVersion": "batch/v1", "kind": "CronJob",
        "metadata": {"name": "hello", "namespace": "default"},
        "spec": {"schedule": "*/1 * * * *", "jobTemplate": {"spec": {"template": {"spec": {"restartPolicy": "OnFailure",
                 "containers": [{"name": "hello", "image": "busybox:1.28", "command": ["/bin/sh", "-c", "date"]}]}}}}},
        "status": {"active": [{"name": "hello-28950240"}], "lastScheduleTime": "2025-01-01T00:00:00Z"}});
    let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg", "namespace": "default"},
        "data": {"b.conf": "x=1\ny=2", "a": "1"}});
    let secret = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds", "namespace": "default"},
        "type": "Opaque", "data": {"password": "c2VjcmV0", "user": "YWRtaW4="}});
    let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a", "labels": {"kubernetes.io/metadata.name": "team-a"}}});
    let widget = json!({"apiVersion": "example.com/v1", "kind": "Widget",
        "metadata": {"name": "w1", "namespace": "default", "uid": "uid-w", "creationTimestamp": T0, "resourceVersion": "7"},
        "spec": {"replicas": 3, "enabled": true, "ports": [80, 443], "items": [{"name": "a"}]}});
    state(
        vec![
            deploy,
            new_rs,
            old_rs,
            recreate,
            ds,
            ds_pod("daemset-nginx-7s474"),
            ds_pod("daemset-nginx-kxpl2"),
            sts,
            sts_pod,
            pv,
            pvc,
            svc,
            job,
            cj,
            cm,
            secret,
            ns,
            widget,
            event(
                "d1",
                "1",
                ("Deployment", "deploy-demo", "uid-d"),
                "ScalingReplicaSet",
                "Scaled up replica set deploy-demo-7c66dbf45b to 1",
                ("2025-01-01T00:00:47Z", "2025-01-01T00:00:47Z", 1),
            ),
        ],
        "2025-01-01T00:05:00Z",
    )
}
