//! A cluster driven through the library (driver + API server), without the binary: fast enough
//! for rule tables and property tests that run many scenarios. User changes are admitted as
//! `kubectl` actions at the start of a run, as the CLI does.

use konverge::actions::{Action, Change, Precondition, Propagation};
use konverge::driver::{self, RunOptions, Trace};
use konverge::model::ObjKey;
use konverge::state::State;
use serde_json::{json, Value};

/// The two nodes of `examples/cluster/nodes.yaml`.
pub fn nodes() -> Vec<Value> {
    (1..=2)
        .map(|i| {
            json!({
                "apiVersion": "v1", "kind": "Node",
                "metadata": {"name": format!("k8s-node{i}"), "labels": {"kubernetes.io/hostname": format!("k8s-node{i}")}},
                "status": {
                    "allocatable": {"cpu": "4", "memory": "8Gi", "pods": "110"},
                    "conditions": [{"type": "Ready", "status": "True"}],
                },
            })
        })
        .collect()
}

/// A StatefulSet `name` of `replicas` nginx pods (label `app: <name>`, serviceName `<name>`),
/// with `spec` merged over its spec.
pub fn stateful_set(name: &str, replicas: i64, spec: Value) -> Value {
    let mut s = json!({
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "serviceName": name,
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}},
        },
    });
    json_patch::merge(&mut s["spec"], &spec);
    s
}

/// A headless Service `name` selecting `app: <name>`.
pub fn headless_service(name: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"clusterIP": "None", "ports": [{"port": 80}], "selector": {"app": name}},
    })
}

pub fn user(change: Change) -> Action {
    Action::new(change, "kubectl", "test")
}

pub fn key(kind: &str, name: &str) -> ObjKey {
    ObjKey::new(kind, if kind == "Node" || kind == "PersistentVolume" { "" } else { "default" }, name)
}

pub struct Sim {
    pub state: State,
}

impl Default for Sim {
    fn default() -> Self {
        Sim::new()
    }
}

/// The cluster's default StorageClass, as clusters ship one: its provisioner makes a volume for
/// every claim that names no class, as soon as the claim is created (`Immediate`).
pub fn default_storage_class() -> Value {
    json!({
        "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
        "metadata": {"name": "standard", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
        "provisioner": "example.com/disk",
        "volumeBindingMode": "Immediate",
    })
}

impl Sim {
    /// The two nodes and the default StorageClass, converged.
    pub fn new() -> Sim {
        let mut sim = Sim { state: State::empty() };
        sim.create(nodes().into_iter().chain([default_storage_class()]).collect());
        sim
    }

    /// Admit `actions` and run to convergence (or `steps` steps).
    pub fn run_with(&mut self, actions: Vec<Action>, steps: Option<usize>) -> Trace {
        driver::run(&mut self.state, actions, &RunOptions { steps, ..RunOptions::default() })
    }

    pub fn create(&mut self, objects: Vec<Value>) -> Trace {
        self.run_with(objects.into_iter().map(|object| user(Change::Create { object })).collect(), None)
    }

    /// A merge patch of one object, then convergence (or `steps` steps).
    pub fn patch(&mut self, kind: &str, name: &str, patch: Value, steps: Option<usize>) -> Trace {
        let change = Change::Patch { key: key(kind, name), patch, precondition: Precondition::None };
        self.run_with(vec![user(change)], steps)
    }

    pub fn delete(&mut self, kind: &str, name: &str, steps: Option<usize>) -> Trace {
        let change = Change::Delete { key: key(kind, name), propagation: Propagation::Background };
        self.run_with(vec![user(change)], steps)
    }

    /// Take an object out of the store at once (a pod whose deletion already finished).
    pub fn remove(&mut self, kind: &str, name: &str, steps: Option<usize>) -> Trace {
        self.run_with(vec![user(Change::Remove { key: key(kind, name) })], steps)
    }

    pub fn get(&self, kind: &str, name: &str) -> Option<&Value> {
        self.state.objects.get(&key(kind, name))
    }

    pub fn all<'a>(&'a self, kind: &'a str) -> Vec<&'a Value> {
        self.state.of_kind(kind, None).collect()
    }

    /// Live pods (not being deleted) as (name, image), by name.
    pub fn images(&self) -> Vec<(String, String)> {
        self.all("Pod")
            .into_iter()
            .filter(|p| p.pointer("/metadata/deletionTimestamp").is_none())
            .map(|p| (super::name(p).to_string(), super::image_of(p).to_string()))
            .collect()
    }

    pub fn pod_names(&self) -> Vec<String> {
        self.images().into_iter().map(|(n, _)| n).collect()
    }

    pub fn status(&self, set: &str, field: &str) -> Value {
        self.get("StatefulSet", set).map_or(Value::Null, |s| s["status"][field].clone())
    }
}

/// (step, verb, kind, name) of every action `controller` took, in order.
pub fn acted(trace: &Trace, controller: &str) -> Vec<(usize, &'static str, String, String)> {
    trace
        .steps
        .iter()
        .flat_map(|s| s.actions.iter().map(move |a| (s.step, a)))
        .filter(|(_, a)| a.controller == controller)
        .map(|(step, a)| (step, a.verb, a.key.kind.clone(), a.key.name.clone()))
        .collect()
}

/// The names of the pods `controller` deleted, in order (each once).
pub fn deleted_pods(trace: &Trace, controller: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (_, verb, kind, name) in acted(trace, controller) {
        if verb == "delete" && kind == "Pod" && !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// The names of the pods `controller` created, in order.
pub fn created_pods(trace: &Trace, controller: &str) -> Vec<String> {
    acted(trace, controller)
        .into_iter()
        .filter(|(_, verb, kind, _)| *verb == "create" && kind == "Pod")
        .map(|(_, _, _, name)| name)
        .collect()
}
