//! Accepted input is stored as the API server stores it: YAML read as kubectl reads it,
//! defaults filled in, namespaces as objects, custom resources registered by their CRD, and a
//! run that asks for absurd work stopped early. Each test names the upstream behaviour it pins.

mod common;

use common::*;
use serde_json::json;

/// sigs.k8s.io/yaml (YAML 1.1): `defaultMode: 0644` is the octal integer 420; SetDefaults_Pod
/// copies limits into missing requests (the scheduler packs by requests).
#[test]
fn yaml_1_1_scalars_and_pod_defaults_are_stored() {
    let c = Cluster::seed_nodes();
    let f = c.write(
        "pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: nginx:1.25\n    resources:\n      limits: {cpu: 500m, memory: 256Mi}\n    volumeMounts: [{name: cfg, mountPath: /etc/cfg}]\n  volumes:\n  - name: cfg\n    configMap: {name: cfg, defaultMode: 0644}\n",
    );
    c.ok(&["apply", "-f", &f]);
    let p = c.object("pod", "p").unwrap();
    assert_eq!(p["spec"]["volumes"][0]["configMap"]["defaultMode"], 420);
    let container = &p["spec"]["containers"][0];
    assert_eq!(container["resources"]["requests"], json!({"cpu": "500m", "memory": "256Mi"}));
    assert_eq!(container["imagePullPolicy"], "IfNotPresent");
    assert_eq!(p["spec"]["restartPolicy"], "Always");
    assert_eq!(p["spec"]["schedulerName"], "default-scheduler");
    // The last-applied configuration is the manifest as written, not the defaulted object.
    let last =
        p["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"].as_str().unwrap();
    assert!(!last.contains("schedulerName"), "{last}");
    // Re-applying changes nothing, and diff sees no difference.
    let before = c.state_bytes();
    c.ok(&["apply", "-f", &f]);
    assert_eq!(c.state_bytes(), before);
    c.code(&["diff", "-f", &f], 0);
}

/// apps/v1 SetDefaults_Deployment: what `kubectl get deploy -o yaml` shows on a cluster.
#[test]
fn deployment_defaults_are_stored() {
    let c = Cluster::seed_nodes();
    c.ok(&["apply", "-f", &example("deployment/deploy-demo.yaml")]);
    let d = &c.items("deployments")[0];
    assert_eq!(d["spec"]["revisionHistoryLimit"], 10);
    assert_eq!(d["spec"]["progressDeadlineSeconds"], 600);
    assert_eq!(d["spec"]["strategy"]["type"], "RollingUpdate");
    assert_eq!(d["spec"]["template"]["spec"]["dnsPolicy"], "ClusterFirst");
    assert_eq!(d["spec"]["template"]["spec"]["terminationGracePeriodSeconds"], 30);
}

/// rbac `ValidateRBACName`: path-segment names, so `system:kube-scheduler` is valid.
#[test]
fn rbac_names_may_hold_colons() {
    let c = Cluster::new();
    let f = c.write(
        "role.yaml",
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: \"system:kube-scheduler\"}\nrules: []\n",
    );
    c.ok(&["apply", "-f", &f]);
    let r = c.ok(&["get", "clusterroles"]);
    assert!(r.stdout.contains("system:kube-scheduler"), "{}", r.stdout);
}

/// Namespaces are objects: the four built-ins, a namespace created in the same apply as its
/// content, and the namespace controller emptying a deleted namespace before it goes.
#[test]
fn namespaces_are_objects() {
    let c = Cluster::seed_nodes();
    let names: Vec<String> = names(&c.items("namespaces"));
    assert_eq!(names, ["default", "kube-node-lease", "kube-public", "kube-system"]);
    let f = c.write(
        "team.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, namespace: team-a}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: team-a}\n",
    );
    c.ok(&["apply", "-f", &f]);
    assert!(names_of(&c, "namespaces").contains(&"team-a".to_string()));
    let r = c.ok(&["delete", "namespace", "team-a", "-o", "json"]);
    let trace = r.json();
    assert_eq!(count_actions(&trace, "delete", "ConfigMap", "namespace"), 1, "{trace}");
    assert!(!names_of(&c, "namespaces").contains(&"team-a".to_string()));
    assert!(c.run(&["get", "configmap", "cfg", "-n", "team-a"]).code == 1);
}

fn names_of(c: &Cluster, kind: &str) -> Vec<String> {
    names(&c.items(kind))
}

const CRD: &str = "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: crontabs.stable.example.com}
spec:
  group: stable.example.com
  scope: SCOPE
  names: {plural: crontabs, singular: crontab, kind: CronTab, shortNames: [ct]}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              cronSpec: {type: string}
              replicas: {type: integer, minimum: 1}
";

/// apiextensions: a CRD registers its kind; resources are read back by every name, keep the
/// CRD's scope, and follow its schema.
#[test]
fn custom_resources_are_registered_by_their_crd() {
    for scope in ["Namespaced", "Cluster"] {
        let c = Cluster::new();
        let f = c.write(
            "crontab.yaml",
            &format!("{}---\napiVersion: stable.example.com/v1\nkind: CronTab\nmetadata: {{name: nightly}}\nspec: {{cronSpec: \"0 3 * * *\", replicas: 1}}\n", CRD.replace("SCOPE", scope)),
        );
        c.ok(&["apply", "-f", &f]);
        for typed in ["crontabs", "crontab", "CronTab", "ct", "crontabs.stable.example.com"] {
            let r = c.ok(&["get", typed]);
            assert!(r.stdout.contains("nightly"), "{scope} get {typed}: {}", r.stdout);
        }
        let cr = c.object("ct", "nightly").unwrap();
        assert_eq!(cr["metadata"].get("namespace").is_some(), scope == "Namespaced", "{scope}: {cr}");
        assert!(c.ok(&["get", "crd"]).stdout.contains("crontabs.stable.example.com"));
        let bad = c.write(
            "bad.yaml",
            "apiVersion: stable.example.com/v1\nkind: CronTab\nmetadata: {name: x}\nspec: {replicas: 0}\n",
        );
        let r = c.code(&["apply", "-f", &bad], 1);
        assert!(r.stderr.contains("spec.replicas"), "{}", r.stderr);
        c.ok(&["delete", "crontab", "nightly"]);
        assert!(c.object("ct", "nightly").is_none());
    }
}

/// Kubernetes' time type holds years 0001–9999: the clock never wraps.
#[test]
fn the_clock_stays_in_range() {
    let c = Cluster::seed_nodes();
    let before = c.state_bytes();
    let r = c.code(&["advance", "99999999999d"], 1);
    assert!(r.stderr.contains("time range"), "{}", r.stderr);
    assert_eq!(c.state_bytes(), before);
}

/// `replicas: 0x7fffffff` is a legal int32; the run stops early, naming the object and number.
#[test]
fn a_runaway_run_stops_early() {
    let c = Cluster::seed_nodes();
    let f = c.write(
        "big.yaml",
        "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: big}\nspec:\n  replicas: 0x7fffffff\n  selector: {matchLabels: {app: big}}\n  template:\n    metadata: {labels: {app: big}}\n    spec: {containers: [{name: c, image: nginx}]}\n",
    );
    let r = c.code(&["plan", "-f", &f], 3);
    assert!(
        r.stdout.contains("ReplicaSet default/big asks for 2147483647 at spec.replicas, more than a run may create (budget 1000000 objects; --max-objects raises it)"),
        "{}",
        r.stdout
    );
}
