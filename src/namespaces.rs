//! Namespaces as objects: the four every cluster starts with, and `NamespaceLifecycle`
//! admission (an object may only be created in a namespace that exists and is not being
//! deleted; a Namespace in the same apply counts, since it is created first).
//!
//! The built-in namespaces need no document in the state: they exist from the start and
//! `get ns` shows them as a new cluster does, alongside the Namespace objects the state holds.

use crate::manifest::{InputError, Manifest};
use crate::model::{self, ObjKey};
use crate::state::State;
use serde_json::{json, Value};

/// The namespaces a cluster starts with.
pub const BUILTIN: [&str; 4] = ["default", "kube-node-lease", "kube-public", "kube-system"];

/// The Namespace object of `name` as the API server stores it once defaulted.
pub fn object(name: &str, created: &str) -> Value {
    let mut ns = json!({
        "apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": name, "creationTimestamp": created},
    });
    crate::defaults::apply(&mut ns);
    ns
}

/// Add the built-in namespaces the state does not hold as objects (for reading them back).
pub fn with_builtins(state: &mut State) {
    let created = model::fmt_time(model::parse_time(crate::state::DEFAULT_EPOCH).unwrap_or(0));
    for name in BUILTIN {
        state.objects.entry(ObjKey::new("Namespace", "", name)).or_insert_with(|| object(name, &created));
    }
}

/// Whether objects may be created in `ns`: a built-in namespace, or a stored Namespace that is
/// not being deleted. `Err` carries the admission message.
fn admits(state: &State, ns: &str) -> Result<(), String> {
    match state.get("Namespace", "", ns) {
        Some(obj) if model::at(obj, &["metadata", "deletionTimestamp"]).is_some() => {
            Err(format!("unable to create new content in namespace {ns} because it is being terminated"))
        }
        Some(_) => Ok(()),
        None if BUILTIN.contains(&ns) => Ok(()),
        None => Err(format!("namespaces {ns:?} not found")),
    }
}

/// `NamespaceLifecycle` for one apply: every namespaced object new to the state must go to a
/// namespace that exists or that the same apply creates.
pub fn admit_manifests(state: &State, manifests: &[Manifest]) -> Result<(), InputError> {
    let created: Vec<&str> = manifests
        .iter()
        .filter(|m| model::str_at(&m.object, &["kind"]) == "Namespace")
        .map(|m| model::name(&m.object))
        .collect();
    for m in manifests {
        let key = m.key();
        if key.namespace.is_empty()
            || created.contains(&key.namespace.as_str())
            || state.objects.contains_key(&key)
        {
            continue;
        }
        admits(state, &key.namespace).map_err(|message| InputError {
            origin: m.origin.clone(),
            object: Some(format!("{} {}", key.kind, key.name)),
            field: "metadata.namespace".into(),
            message,
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::parse_stream;

    fn manifests(text: &str) -> Vec<Manifest> {
        parse_stream(text, "f.yaml", "default").unwrap()
    }

    #[test]
    fn objects_need_an_existing_namespace() {
        let s = State::empty();
        let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: team-a}\n";
        let e = admit_manifests(&s, &manifests(cm)).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.message.as_str()),
            ("metadata.namespace", "namespaces \"team-a\" not found")
        );
        let with_ns = format!("{cm}---\napiVersion: v1\nkind: Namespace\nmetadata: {{name: team-a}}\n");
        assert!(admit_manifests(&s, &manifests(&with_ns)).is_ok());
        assert!(admit_manifests(
            &s,
            &manifests("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: kube-system}\n")
        )
        .is_ok());
    }

    #[test]
    fn a_terminating_namespace_takes_no_new_content() {
        let mut s = State::empty();
        let mut ns = object("team-a", DEFAULT_CREATED);
        ns["metadata"]["deletionTimestamp"] = json!(DEFAULT_CREATED);
        s.objects.insert(ObjKey::new("Namespace", "", "team-a"), ns);
        let e = admit_manifests(
            &s,
            &manifests("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: team-a}\n"),
        )
        .unwrap_err();
        assert_eq!(
            e.message,
            "unable to create new content in namespace team-a because it is being terminated"
        );
    }

    const DEFAULT_CREATED: &str = "2025-01-01T00:00:00Z";

    #[test]
    fn builtins_are_defaulted_namespace_objects() {
        let mut s = State::empty();
        with_builtins(&mut s);
        let names: Vec<&str> = s.of_kind("Namespace", None).map(model::name).collect();
        assert_eq!(names, BUILTIN);
        let d = s.get("Namespace", "", "default").unwrap();
        assert_eq!(d["status"]["phase"], "Active");
        assert_eq!(d["metadata"]["labels"]["kubernetes.io/metadata.name"], "default");
    }
}
