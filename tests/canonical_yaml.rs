//! The state files konverge writes for the tutorial's examples are its own YAML: every document
//! is written and read by `canonical_yaml` directly, with serde_yaml's bytes and values. A
//! change that made either decline a document konverge commonly writes would leave the state
//! right but slow (serde_yaml would take over); this test says so.

mod common;

use common::*;
use konverge::canonical_yaml;
use serde_json::Value;

/// The documents of a state file, each without its `---` line.
fn documents(text: &str) -> Vec<String> {
    let mut docs = vec![String::new()];
    for line in text.lines() {
        if line == "---" {
            docs.push(String::new());
        } else if let Some(doc) = docs.last_mut() {
            doc.push_str(line);
            doc.push('\n');
        }
    }
    docs.into_iter().filter(|d| !d.is_empty()).collect()
}

/// Every document of the cluster's state file is written and read directly, as serde_yaml
/// writes and reads it.
fn assert_every_document_direct(c: &Cluster, what: &str) {
    let text = String::from_utf8(c.state_bytes()).unwrap();
    let docs = documents(&text);
    assert!(docs.len() > 10, "{what}: {} documents", docs.len());
    for doc in docs {
        let by_serde_yaml: Value = serde_yaml::from_str(&doc).unwrap();
        assert_eq!(canonical_yaml::parse(&doc).as_ref(), Some(&by_serde_yaml), "{what}: read\n{doc}");
        let mut written = String::new();
        assert_eq!(canonical_yaml::emit(&by_serde_yaml, &mut written), Some(()), "{what}: write\n{doc}");
        assert_eq!(written, doc, "{what}");
    }
}

#[test]
fn every_document_of_the_examples_states_is_written_and_read_directly() {
    for example_dir in ["replicaset", "deployment", "daemonset", "statefulset", "job", "cronjob", "storage"] {
        let c = Cluster::seed_nodes();
        c.ok(&["apply", "-f", &example(example_dir)]);
        c.ok(&["advance", "10m"]);
        assert_every_document_direct(&c, example_dir);
    }
}

/// Text in other scripts, as the tutorial's readers write it, is written as it is.
#[test]
fn unicode_text_is_written_and_read_directly() {
    let c = Cluster::seed_nodes();
    let manifest = c.write(
        "web.yaml",
        r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations:
    description: 「前端」服务 — v2 ✓
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx
        env:
        - {name: GREETING, value: "你好\n世界"}
"#,
    );
    c.ok(&["apply", "-f", &manifest]);
    let text = String::from_utf8(c.state_bytes()).unwrap();
    assert!(text.contains("description: 「前端」服务 — v2 ✓") && text.contains("世界"), "{text}");
    assert_every_document_direct(&c, "unicode");
}
