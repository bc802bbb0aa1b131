//! Bad input is refused before anything touches the state: exit 1, an error naming the file,
//! the document and the field, and a state file that is byte for byte what it was. One test per
//! class of SPEC's list; then kinds konverge has no controller for, which must apply and be
//! stored unchanged.

mod common;

use common::*;
use serde_json::{json, Value};

/// A cluster with the seed's nodes and `myapp` running, so that a wrongly admitted change
/// would show in the state.
fn cluster() -> Cluster {
    let c = Cluster::seed_nodes();
    c.ok(&["apply", "-f", &example("replicaset/rs-demo.yaml")]);
    c
}

fn files_in(c: &Cluster) -> Vec<String> {
    let mut v: Vec<String> = walk(c.dir.path()).into_iter().map(|p| c.relative(&p)).collect();
    v.sort();
    v
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p.display().to_string());
        }
    }
    out
}

/// Apply (and plan, and diff) `paths` and require a refusal naming `file`, `document N` and
/// `field`, with the state untouched. Returns the error message (pinned by the caller).
fn refused(c: &Cluster, paths: &[&str], file: &str, doc: usize, field: &str) -> String {
    let before = c.state_bytes();
    let files_before = files_in(c);
    let mut args: Vec<&str> = vec!["apply"];
    for p in paths {
        args.extend(["-f", p]);
    }
    let r = c.code(&args, 1);
    assert_eq!(r.stdout, "", "nothing is applied, nothing is printed");
    let err = r.stderr.trim_end().to_string();
    let head = format!("error: {file}: document {doc}");
    assert!(err.starts_with(&head), "expected {head:?} in:\n{err}");
    if !field.is_empty() {
        assert!(err.contains(&format!(": {field}: ")), "expected the field {field:?} in:\n{err}");
    }
    assert_eq!(err.lines().count(), 1, "one clear line: {err}");
    assert_eq!(c.state_bytes(), before, "the state file is untouched");
    assert_eq!(files_in(c), files_before, "no temporary file is left behind");

    // plan refuses the same input the same way (exit 1), diff with exit 2 (1 means "differs").
    args[0] = "plan";
    let p = c.code(&args, 1);
    assert_eq!(p.stderr.trim_end(), err);
    args[0] = "diff";
    let d = c.code(&args, 2);
    assert_eq!(d.stderr.trim_end(), err);
    assert_eq!(c.state_bytes(), before);
    err
}

fn yaml(v: &Value) -> String {
    serde_yaml::to_string(v).unwrap()
}

fn good_rs(name: &str) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": name},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}},
        },
    })
}

fn good_deploy() -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}},
        },
    })
}

const CONFIG_MAP: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {a: b}\n";

/// A good first document, then `bad` as document 2.
fn second_doc(bad: &str) -> String {
    format!("{CONFIG_MAP}---\n{bad}")
}

#[test]
fn unparsable_yaml() {
    let c = cluster();
    let f = c.write(
        "broken.yaml",
        &second_doc("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n  labels: [oops\n"),
    );
    let e = refused(&c, &[&f], "broken.yaml", 2, "");
    assert!(e.contains("invalid YAML"), "{e}");
    snap!("bad_input__unparsable_yaml", e);
}

#[test]
fn object_without_api_version() {
    let c = cluster();
    let f = c.write("x.yaml", &second_doc("kind: ConfigMap\nmetadata: {name: b}\n"));
    snap!("bad_input__no_api_version", refused(&c, &[&f], "x.yaml", 2, "apiVersion"));
}

#[test]
fn object_without_kind() {
    let c = cluster();
    let f = c.write("x.yaml", &second_doc("apiVersion: v1\nmetadata: {name: b}\n"));
    snap!("bad_input__no_kind", refused(&c, &[&f], "x.yaml", 2, "kind"));
}

#[test]
fn object_without_name() {
    let c = cluster();
    let f = c.write("x.yaml", &second_doc("apiVersion: v1\nkind: ConfigMap\nmetadata: {labels: {a: b}}\n"));
    snap!("bad_input__no_name", refused(&c, &[&f], "x.yaml", 2, "metadata.name"));
}

#[test]
fn deployment_at_an_api_version_no_longer_served() {
    let c = cluster();
    let mut d = good_deploy();
    d["apiVersion"] = json!("extensions/v1beta1");
    let f = c.write("old.yaml", &yaml(&d));
    let e = refused(&c, &[&f], "old.yaml", 1, "apiVersion");
    assert!(e.contains("extensions/v1beta1") && e.contains("apps/v1"), "{e}");
    snap!("bad_input__removed_api_version", e);
}

#[test]
fn missing_pod_template() {
    let c = cluster();
    let mut rs = good_rs("r");
    rs["spec"].as_object_mut().unwrap().remove("template");
    let f = c.write("rs.yaml", &second_doc(&yaml(&rs)));
    snap!("bad_input__missing_template", refused(&c, &[&f], "rs.yaml", 2, "spec.template"));
}

#[test]
fn missing_containers() {
    let c = cluster();
    let mut rs = good_rs("r");
    rs["spec"]["template"]["spec"].as_object_mut().unwrap().remove("containers");
    let f = c.write("rs.yaml", &yaml(&rs));
    snap!("bad_input__missing_containers", refused(&c, &[&f], "rs.yaml", 1, "spec.template.spec.containers"));
    let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: c}\n";
    let f = c.write("pod.yaml", &second_doc(pod));
    refused(&c, &[&f], "pod.yaml", 2, "spec.containers[0].image");
}

#[test]
fn wrong_field_type() {
    let c = cluster();
    let mut rs = good_rs("r");
    rs["spec"]["replicas"] = json!("two");
    let f = c.write("rs.yaml", &yaml(&rs));
    let e = refused(&c, &[&f], "rs.yaml", 1, "spec.replicas");
    assert!(e.contains("integer"), "{e}");
    snap!("bad_input__wrong_type", e);
    let mut rs = good_rs("r");
    rs["spec"]["template"]["metadata"]["labels"]["app"] = json!(7);
    let f = c.write("labels.yaml", &yaml(&rs));
    refused(&c, &[&f], "labels.yaml", 1, "spec.template.metadata.labels.app");
}

#[test]
fn invalid_selector() {
    let c = cluster();
    let mut rs = good_rs("r");
    rs["spec"]["selector"] =
        json!({"matchExpressions": [{"key": "app", "operator": "Likes", "values": ["r"]}]});
    let f = c.write("rs.yaml", &yaml(&rs));
    let e = refused(&c, &[&f], "rs.yaml", 1, "spec.selector.matchExpressions[0].operator");
    snap!("bad_input__invalid_selector", e);
}

#[test]
fn selector_not_matching_template_labels() {
    let c = cluster();
    let mut rs = good_rs("r");
    rs["spec"]["selector"]["matchLabels"]["app"] = json!("other");
    let f = c.write("rs.yaml", &yaml(&rs));
    let e = refused(&c, &[&f], "rs.yaml", 1, "spec.template.metadata.labels");
    assert!(e.contains("selector"), "{e}");
    snap!("bad_input__selector_mismatch", e);
}

#[test]
fn negative_replicas() {
    let c = cluster();
    let mut rs = good_rs("r");
    rs["spec"]["replicas"] = json!(-1);
    let f = c.write("rs.yaml", &yaml(&rs));
    snap!("bad_input__negative_replicas", refused(&c, &[&f], "rs.yaml", 1, "spec.replicas"));
    // The same rule for `scale`.
    let before = c.state_bytes();
    let r = c.code(&["scale", "rs/myapp", "--replicas=-1"], 1);
    assert!(r.stderr.contains("replicas"), "{}", r.stderr);
    assert_eq!(c.state_bytes(), before);
}

#[test]
fn max_surge_and_max_unavailable_both_zero() {
    let c = cluster();
    let mut d = good_deploy();
    d["spec"]["strategy"] =
        json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": "0%"}});
    let f = c.write("deploy.yaml", &yaml(&d));
    let e = refused(&c, &[&f], "deploy.yaml", 1, "spec.strategy.rollingUpdate.maxUnavailable");
    assert!(e.contains("maxSurge"), "{e}");
    snap!("bad_input__surge_and_unavailable_zero", e);
}

fn good_job() -> Value {
    json!({
        "apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "pi"},
        "spec": {
            "completions": 5, "parallelism": 2,
            "template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "perl"}]}},
        },
    })
}

/// Jobs the API server refuses (upstream `validateJobSpec`): each one names its field, and the
/// message is upstream's.
#[test]
fn bad_jobs() {
    let c = cluster();
    let cases: Vec<(&str, Value, &str, &str)> = vec![
        (
            "negative parallelism",
            json!({"parallelism": -1}),
            "spec.parallelism",
            "must be greater than or equal to 0",
        ),
        (
            "negative completions",
            json!({"completions": -2}),
            "spec.completions",
            "must be greater than or equal to 0",
        ),
        (
            "negative backoffLimit",
            json!({"backoffLimit": -1}),
            "spec.backoffLimit",
            "must be greater than or equal to 0",
        ),
        (
            "restartPolicy Always",
            json!({"template": {"spec": {"restartPolicy": "Always"}}}),
            "spec.template.spec.restartPolicy",
            "valid values: \"OnFailure\", \"Never\"",
        ),
        (
            "Indexed without completions",
            json!({"completionMode": "Indexed", "completions": null}),
            "spec.completions",
            "when completion mode is Indexed",
        ),
        (
            "Indexed above the completions limit",
            json!({"completionMode": "Indexed", "completions": 100_001, "parallelism": 100_001}),
            "spec.parallelism",
            "must be less than or equal to 100000",
        ),
        (
            "a podFailurePolicy rule with both requirements",
            json!({"podFailurePolicy": {"rules": [{"action": "FailJob", "onExitCodes": {"operator": "In", "values": [1]},
                "onPodConditions": [{"type": "DisruptionTarget"}]}]}}),
            "spec.podFailurePolicy.rules[0]",
            "specifying both OnExitCodes and OnPodConditions is not supported",
        ),
    ];
    for (name, spec, field, message) in cases {
        let mut job = good_job();
        json_patch::merge(&mut job["spec"], &spec);
        let f = c.write("job.yaml", &second_doc(&yaml(&job)));
        let e = refused(&c, &[&f], "job.yaml", 2, field);
        assert!(e.contains(message), "{name}: {e}");
    }
    let f = c.write("job.yaml", &yaml(&good_job()));
    c.ok(&["apply", "-f", &f]);
}

#[test]
fn duplicate_object_in_one_apply() {
    let c = cluster();
    let a = c.write("a.yaml", &yaml(&good_rs("r")));
    let b = c.write("b.yaml", &second_doc(&yaml(&good_rs("r"))));
    let e = refused(&c, &[&a, &b], "b.yaml", 2, "metadata.name");
    assert!(e.contains("a.yaml") && e.contains("document 1"), "names the first occurrence: {e}");
    snap!("bad_input__duplicate", e);
    // Within one file too.
    let f = c.write("twice.yaml", &format!("{CONFIG_MAP}---\n{CONFIG_MAP}"));
    refused(&c, &[&f], "twice.yaml", 2, "metadata.name");
}

#[test]
fn bad_document_in_a_directory_of_good_ones() {
    let c = cluster();
    c.write("manifests/a.yaml", &yaml(&good_rs("a")));
    let mut bad = good_rs("b2");
    bad["spec"]["replicas"] = json!(-3);
    c.write("manifests/b.yaml", &format!("{}---\n{}", yaml(&good_rs("b1")), yaml(&bad)));
    c.write("manifests/sub/c.yaml", &yaml(&good_rs("c")));
    c.write("manifests/notes.txt", "not a manifest: ignored\n");
    let dir = c.path("manifests").display().to_string();
    let e = refused(&c, &[&dir], "manifests/b.yaml", 2, "spec.replicas");
    snap!("bad_input__directory", e);
    // Nothing from the good files was applied.
    assert_eq!(names(&c.items("rs")), ["myapp"]);
    // Fixed, the whole directory applies.
    c.write("manifests/b.yaml", &format!("{}---\n{}", yaml(&good_rs("b1")), yaml(&good_rs("b2"))));
    c.ok(&["apply", "-f", &dir]);
    assert_eq!(names(&c.items("rs")), ["a", "b1", "b2", "c", "myapp"]);
}

#[test]
fn bad_item_inside_a_list() {
    let c = cluster();
    let mut bad = good_rs("r");
    bad["spec"]["template"]["spec"]["containers"][0]["resources"] = json!({"requests": {"cpu": "lots"}});
    let list = json!({"apiVersion": "v1", "kind": "List", "items": [good_rs("ok"), bad]});
    let f = c.write("list.yaml", &second_doc(&yaml(&list)));
    let e = refused(
        &c,
        &[&f],
        "list.yaml",
        2,
        "items[1].spec.template.spec.containers[0].resources.requests.cpu",
    );
    snap!("bad_input__list_item", e);
}

// ---------------------------------------------------------------------------------------------
// Kinds without a controller

/// The objects of a state file, by (kind, name).
fn stored(c: &Cluster) -> std::collections::BTreeMap<(String, String), Value> {
    use serde::Deserialize;
    let text = String::from_utf8(c.state_bytes()).unwrap();
    let mut out = std::collections::BTreeMap::new();
    for doc in serde_yaml::Deserializer::from_str(&text) {
        let v = Value::deserialize(doc).unwrap();
        let kind = v["kind"].as_str().unwrap_or("").to_string();
        out.insert((kind, name(&v).to_string()), v);
    }
    out
}

#[test]
fn kinds_without_a_controller_are_stored_unchanged() {
    let c = Cluster::seed_nodes();
    let objects = [
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings", "labels": {"app": "myapp"}},
               "data": {"app.properties": "a=1\nb=2\n", "empty": ""}}),
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds"}, "type": "Opaque",
               "data": {"password": "c2VjcmV0"}, "stringData": {"user": "admin"}}),
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "web",
               "annotations": {"nginx.ingress.kubernetes.io/rewrite-target": "/"}},
               "spec": {"ingressClassName": "nginx", "rules": [{"host": "myapp.example.com", "http": {"paths": [
                   {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "myapp", "port": {"number": 80}}}}]}}]}}),
        json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w1", "namespace": "tools"},
               "spec": {"size": 3, "colours": ["red", "green"], "nested": {"deep": {"x": 1.5, "on": true, "none": null}}},
               "somethingElse": "kept"}),
    ];
    let text: Vec<String> = objects.iter().map(yaml).collect();
    let f = c.write("misc/all.yaml", &text.join("---\n"));

    let plan = c.code(&["plan", "-f", &f, "--detailed-exitcode"], 2);
    snap!("bad_input__other_kinds_plan", plan.transcript());
    let trace = c.ok(&["plan", "-f", &f, "-o", "json"]).json();
    let acts = actions(&trace);
    assert_eq!(acts.len(), 4, "only the user's creates, no controller acts: {trace}");
    assert!(acts.iter().all(|(_, a)| a["action"] == "create" && a["controller"] == "kubectl"));

    c.ok(&["apply", "-f", &f]);
    let s = stored(&c);
    for o in &objects {
        let kind = o["kind"].as_str().unwrap();
        let got = s.get(&(kind.to_string(), name(o).to_string())).unwrap_or_else(|| panic!("{kind} stored"));
        // What the API server adds on create, and kubectl's last-applied annotation.
        let mut got = got.clone();
        let meta = got["metadata"].as_object_mut().unwrap();
        for k in ["uid", "resourceVersion", "creationTimestamp"] {
            assert!(meta.remove(k).is_some(), "{kind}: {k} set on create");
        }
        // Ingress and custom resources (objects with a spec) get a generation; ConfigMaps and
        // Secrets do not.
        let generation = meta.remove("generation");
        let wants_generation = matches!(kind, "Ingress" | "Widget");
        assert_eq!(generation, wants_generation.then(|| json!(1)), "{kind}: metadata.generation");
        assert!(meta["annotations"]["kubectl.kubernetes.io/last-applied-configuration"].is_string());
        let annotations = meta["annotations"].as_object_mut().unwrap();
        annotations.remove("kubectl.kubernetes.io/last-applied-configuration");
        if annotations.is_empty() {
            meta.remove("annotations");
        }
        let mut want = o.clone();
        if want["metadata"]["namespace"].is_null() {
            want["metadata"]["namespace"] = json!("default");
        }
        assert_eq!(got, want, "{kind} is stored unchanged");
    }
    // Re-applying is a no-op that does not even rewrite the state.
    let before = c.state_bytes();
    let r = c.ok(&["apply", "-f", &f]);
    assert!(r.stdout.contains("configmap/settings unchanged"), "{}", r.stdout);
    assert_eq!(c.state_bytes(), before);
    c.code(&["diff", "-f", &f], 0);
    c.code(&["plan", "-f", &f, "--detailed-exitcode"], 0);
}
