//! Reading manifests as kubectl reads them (YAML 1.1, see [`crate::yaml11`]): files, directories (recursively, `*.yaml`, `*.yml`, `*.json`, in sorted
//! order), multi-document streams, `List` kinds and `-` for stdin. Every document is checked
//! by [`crate::validate`] before anything touches the state; the first problem is reported with
//! its file, document number and field path.

use crate::crds::{self, Registry};
use crate::model::{self, ObjKey};
use crate::state;
use crate::validate::{self, schema::FieldValidation};
use crate::yaml11;
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
        if self.origin.doc == 0 {
            // A file-level error (a path that does not exist or cannot be read) names its path.
            return write!(f, "{}", self.message);
        }
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
    /// Fields the schema does not know, dropped under `--validate=warn|ignore`.
    pub unknown_fields: Vec<String>,
}

/// How manifests are read: the namespace for objects that name none, whether `-n` gave it
/// (then an object naming another namespace is kubectl's error), and kubectl's `--validate`.
#[derive(Clone, Debug)]
pub struct ReadOptions {
    pub namespace: String,
    pub namespace_given: bool,
    pub validation: FieldValidation,
}

impl ReadOptions {
    /// Strict validation, `namespace` as the default namespace (not given by `-n`).
    pub fn defaults_to(namespace: &str) -> ReadOptions {
        ReadOptions {
            namespace: namespace.to_string(),
            namespace_given: false,
            validation: FieldValidation::Strict,
        }
    }
}

impl Manifest {
    pub fn key(&self) -> ObjKey {
        ObjKey::of(&self.object)
    }
}

/// Read and validate every manifest under `paths`. `known` holds the custom kinds the
/// state's CRDs register; CRDs among the manifests register theirs too.
pub fn load(paths: &[String], options: &ReadOptions, known: &Registry) -> Result<Vec<Manifest>, InputError> {
    let mut items = Vec::new();
    for p in paths {
        for (file, text) in read_sources(p)? {
            items.extend(read_items(&text, &file)?);
        }
    }
    let out = check_items(items, options, known)?;
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

/// Parse one YAML/JSON stream into validated manifests, strictly, with `namespace` for
/// objects that name none.
pub fn parse_stream(text: &str, file: &str, namespace: &str) -> Result<Vec<Manifest>, InputError> {
    parse_stream_with(text, file, &ReadOptions::defaults_to(namespace))
}

/// Parse one YAML/JSON stream into validated manifests.
pub fn parse_stream_with(text: &str, file: &str, options: &ReadOptions) -> Result<Vec<Manifest>, InputError> {
    check_items(read_items(text, file)?, options, &Registry::default())
}

/// One object of a stream before validation: where it came from, its path prefix inside a
/// `List` (`items[3].`), and the object.
struct Item {
    origin: Origin,
    prefix: String,
    object: Value,
}

/// The objects of one YAML/JSON stream (the items of `List` documents), unvalidated.
fn read_items(text: &str, file: &str) -> Result<Vec<Item>, InputError> {
    let docs = yaml11::parse_stream(text).map_err(|e| InputError {
        origin: Origin { file: file.to_string(), doc: e.doc },
        object: None,
        field: e.field,
        message: e.message,
    })?;
    let mut out = Vec::new();
    for (i, value) in docs.into_iter().enumerate() {
        let origin = Origin { file: file.to_string(), doc: i + 1 };
        if value.is_null() {
            continue;
        }
        if !is_list(&value) {
            out.push(Item { origin, prefix: String::new(), object: value });
            continue;
        }
        let Some(items) = value.get("items").and_then(Value::as_array) else {
            return Err(InputError {
                origin,
                object: None,
                field: "items".into(),
                message: "a List must have an `items` array".into(),
            });
        };
        for (j, item) in items.iter().enumerate() {
            out.push(Item { origin: origin.clone(), prefix: format!("items[{j}]."), object: item.clone() });
        }
    }
    Ok(out)
}

/// Validate every item, with the custom kinds `known` and the CRDs among the items register.
fn check_items(
    items: Vec<Item>,
    options: &ReadOptions,
    known: &Registry,
) -> Result<Vec<Manifest>, InputError> {
    let mut registry = known.clone();
    for item in items.iter().filter(|i| model::str_at(&i.object, &["kind"]) == "CustomResourceDefinition") {
        registry.add(&item.object);
    }
    items.into_iter().map(|item| check_item(item, options, &registry)).collect()
}

/// Validate one object as the API server would receive it from kubectl.
fn check_item(item: Item, options: &ReadOptions, registry: &Registry) -> Result<Manifest, InputError> {
    let Item { origin, prefix, object } = item;
    let refused = |object: &Value, e: validate::FieldError| InputError {
        origin: origin.clone(),
        object: describe(object),
        field: format!("{prefix}{}", e.field),
        message: e.message,
    };
    namespace_agrees(&object, options).map_err(|e| refused(&object, e))?;
    let api_version = model::str_at(&object, &["apiVersion"]);
    let kind = model::str_at(&object, &["kind"]);
    let custom = match validate::schema::served(api_version, kind) {
        Ok(None) if !kind.is_empty() => match registry.find(api_version, kind) {
            Some(k) => Some(k),
            None => {
                let message = format!(
                    "{}; ensure CRDs are installed first",
                    validate::schema::no_matches(api_version, kind)
                );
                return Err(refused(&object, validate::FieldError { field: "apiVersion".into(), message }));
            }
        },
        _ => None,
    };
    let namespaced = custom.map_or_else(|| model::is_namespaced(kind), |k| k.namespaced);
    let mut object = with_namespace(object, &options.namespace, namespaced);
    let unknown = match custom {
        Some(k) => validate::object(&object)
            .and_then(|_| crds::validate(k, &mut object, options.validation))
            .map_err(|e| refused(&object, e))?,
        None => validate::manifest(&mut object, options.validation).map_err(|e| refused(&object, e))?,
    };
    let unknown_fields = unknown.iter().map(|f| format!("{prefix}{f}")).collect();
    Ok(Manifest { origin, object: state::normalize(object), unknown_fields })
}

fn is_list(v: &Value) -> bool {
    model::str_at(v, &["kind"]).ends_with("List") && v.get("items").is_some()
}

fn describe(obj: &Value) -> Option<String> {
    let (kind, name) = (model::str_at(obj, &["kind"]), model::name(obj));
    (!kind.is_empty() && !name.is_empty()).then(|| format!("{kind} {name}"))
}

/// kubectl refuses an object naming another namespace than the one `-n` gave.
fn namespace_agrees(obj: &Value, options: &ReadOptions) -> Result<(), validate::FieldError> {
    let ns = model::str_at(obj, &["metadata", "namespace"]);
    if options.namespace_given && !ns.is_empty() && ns != options.namespace {
        return Err(validate::FieldError {
            field: "metadata.namespace".into(),
            message: format!(
                "the namespace from the provided object {ns:?} does not match the namespace {:?}. You must pass '--namespace={ns}' to perform this operation.",
                options.namespace
            ),
        });
    }
    Ok(())
}

/// The object in `namespace` when it is namespaced and names none; a cluster-scoped object
/// keeps no namespace (the API server ignores one).
fn with_namespace(mut obj: Value, namespace: &str, namespaced: bool) -> Value {
    let named = model::str_at(&obj, &["metadata", "namespace"]).to_string();
    if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        if !namespaced {
            meta.shift_remove("namespace");
        } else if named.is_empty() {
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
        message: format!("{file}: cannot read: {e}"),
    };
    if p == "-" {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).map_err(|e| io_err("-", e))?;
        return Ok(vec![("-".to_string(), text)]);
    }
    let path = Path::new(p);
    if !path.exists() {
        return Err(InputError {
            origin: Origin { file: p.to_string(), doc: 0 },
            object: None,
            field: String::new(),
            message: format!("the path {p:?} does not exist"),
        });
    }
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
            "f.yaml: document 2 (ReplicaSet r): spec.replicas: Invalid value: -1: must be greater than or equal to 0"
        );
    }
}
