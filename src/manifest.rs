//! Reading manifests: files, directories (recursively, `*.yaml`, `*.yml`, `*.json`, in sorted
//! order), multi-document streams, `List` kinds and `-` for stdin. Every document is checked
//! by [`crate::validate`] before anything touches the state; the first problem is reported with
//! its file, document number and field path.

use crate::model::{self, ObjKey};
use crate::state;
use crate::validate;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Where a document came from: file (or `-`) and its 1-based position in the stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    pub file: String,
    pub doc: usize,
}

/// Bad input: which file, which document, which field, and what is wrong with it.
#[derive(Debug, PartialEq, Eq)]
pub struct InputError {
    pub origin: Origin,
    /// `Kind name` of the document when it could be read.
    pub object: Option<String>,
    /// Dotted field path (`spec.strategy.rollingUpdate.maxSurge`), empty for whole-document errors.
    pub field: String,
    pub message: String,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: document {}", self.origin.file, self.origin.doc)?;
        if let Some(o) = &self.object {
            write!(f, " ({o})")?;
        }
        if !self.field.is_empty() {
            write!(f, ": {}", self.field)?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for InputError {}

/// One object read from a manifest, namespace filled in, validated.
#[derive(Clone, Debug)]
pub struct Manifest {
    pub origin: Origin,
    pub object: Value,
}

impl Manifest {
    pub fn key(&self) -> ObjKey {
        ObjKey::of(&self.object)
    }
}

/// Read and validate every manifest under `paths`. `namespace` is the `-n` default for
/// namespaced objects that name none.
pub fn load(paths: &[String], namespace: &str) -> Result<Vec<Manifest>, InputError> {
    let mut out = Vec::new();
    for p in paths {
        for (file, text) in read_sources(p)? {
            out.extend(parse_stream(&text, &file, namespace)?);
        }
    }
    let mut seen: BTreeMap<ObjKey, Origin> = BTreeMap::new();
    for m in &out {
        if let Some(first) = seen.insert(m.key(), m.origin.clone()) {
            return Err(InputError {
                origin: m.origin.clone(),
                object: Some(m.key().to_string()),
                field: "metadata.name".into(),
                message: format!("duplicate object: already given in {} document {}", first.file, first.doc),
            });
        }
    }
    Ok(out)
}

/// Parse one YAML/JSON stream into validated manifests.
pub fn parse_stream(text: &str, file: &str, namespace: &str) -> Result<Vec<Manifest>, InputError> {
    let mut out = Vec::new();
    for (i, doc) in serde_yaml::Deserializer::from_str(text).enumerate() {
        let origin = Origin { file: file.to_string(), doc: i + 1 };
        let value = Value::deserialize(doc).map_err(|e| InputError {
            origin: origin.clone(),
            object: None,
            field: String::new(),
            message: format!("invalid YAML: {e}"),
        })?;
        if value.is_null() {
            continue;
        }
        let list = is_list(&value);
        let items = if list {
            match value.get("items").and_then(Value::as_array) {
                Some(items) => items.clone(),
                None => {
                    return Err(InputError {
                        origin,
                        object: None,
                        field: "items".into(),
                        message: "a List must have an `items` array".into(),
                    })
                }
            }
        } else {
            vec![value]
        };
        for (j, item) in items.into_iter().enumerate() {
            let prefix = if list { format!("items[{j}].") } else { String::new() };
            let object = with_namespace(item, namespace);
            validate::object(&object).map_err(|e| InputError {
                origin: origin.clone(),
                object: describe(&object),
                field: format!("{prefix}{}", e.field),
                message: e.message,
            })?;
            out.push(Manifest { origin: origin.clone(), object: state::normalize(object) });
        }
    }
    Ok(out)
}

fn is_list(v: &Value) -> bool {
    model::str_at(v, &["kind"]).ends_with("List") && v.get("items").is_some()
}

fn describe(obj: &Value) -> Option<String> {
    let (kind, name) = (model::str_at(obj, &["kind"]), model::name(obj));
    (!kind.is_empty() && !name.is_empty()).then(|| format!("{kind} {name}"))
}

fn with_namespace(mut obj: Value, namespace: &str) -> Value {
    let kind = model::str_at(&obj, &["kind"]).to_string();
    if obj.is_object()
        && model::is_namespaced(&kind)
        && model::str_at(&obj, &["metadata", "namespace"]).is_empty()
    {
        if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.insert("namespace".into(), Value::String(namespace.to_string()));
        }
    }
    obj
}

/// The files behind one `-f` argument, with their text.
fn read_sources(p: &str) -> Result<Vec<(String, String)>, InputError> {
    let io_err = |file: &str, e: std::io::Error| InputError {
        origin: Origin { file: file.to_string(), doc: 0 },
        object: None,
        field: String::new(),
        message: format!("cannot read: {e}"),
    };
    if p == "-" {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).map_err(|e| io_err("-", e))?;
        return Ok(vec![("-".to_string(), text)]);
    }
    let path = Path::new(p);
    let files = if path.is_dir() {
        let mut files = Vec::new();
        walk(path, &mut files).map_err(|e| io_err(p, e))?;
        files.sort();
        files
    } else {
        vec![path.to_path_buf()]
    };
    files
        .into_iter()
        .map(|f| {
            let name = f.display().to_string();
            std::fs::read_to_string(&f).map(|t| (name.clone(), t)).map_err(|e| io_err(&name, e))
        })
        .collect()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e, "yaml" | "yml" | "json"))
        {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_document_and_lists() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Secret, metadata: {name: s, namespace: x}}\n";
        let ms = parse_stream(text, "f.yaml", "default").unwrap();
        let keys: Vec<String> = ms.iter().map(|m| m.key().to_string()).collect();
        assert_eq!(keys, ["ConfigMap default/a", "Secret x/s"]);
        assert_eq!(ms[1].origin.doc, 3);
    }

    #[test]
    fn errors_name_file_document_and_field() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: r}\nspec:\n  replicas: -1\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n    spec: {containers: [{name: c, image: i}]}\n";
        let e = parse_stream(text, "f.yaml", "default").unwrap_err();
        assert_eq!(e.origin, Origin { file: "f.yaml".into(), doc: 2 });
        assert_eq!(e.field, "spec.replicas");
        assert_eq!(
            e.to_string(),
            "f.yaml: document 2 (ReplicaSet r): spec.replicas: must be greater than or equal to 0"
        );
    }
}
