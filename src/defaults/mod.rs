//! Defaulting as the API server does it (`SetDefaults_*` in `pkg/apis/*/v1/defaults.go`):
//! what a cluster fills in on create is stored, so `get -o yaml`, `diff` and every controller
//! see one defaulted object. Defaulting only adds what is missing; it never changes a value
//! the user gave, so the round trip stays lossless.
//!
//! The core (`set`, `set_str`) is shared; each kind family has its own file with a `KINDS`
//! table. [`on_create`] adds what the API server allocates for a new object (a Service's
//! cluster IP and node ports, a Job's generated selector, a gated Pod's SchedulingGated condition,
//! a registering Node's nodeInfo, pod CIDR and addresses). Controllers still read a missing
//! field as its default, so objects stored before defaulting existed keep working.

mod batch;
mod core;
mod pod;
mod service;
mod storage;
mod workloads;

pub use core::KUBERNETES_VERSION;
pub use service::{KUBERNETES_SERVICE_IP, NODE_PORTS, SERVICE_CIDR};

use crate::model::ObjKey;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The defaulting of one kind, applied to the whole object.
pub type KindDefaulter = fn(&mut Value);

/// Every kind family's defaulters. A family adds its kinds to its own table.
const FAMILIES: &[&[(&str, KindDefaulter)]] =
    &[pod::KINDS, workloads::KINDS, batch::KINDS, service::KINDS, storage::KINDS, core::KINDS];

/// Fill in what the API server defaults for this object's kind.
pub fn apply(obj: &mut Value) {
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("").to_string();
    if let Some((_, default)) = FAMILIES.iter().flat_map(|f| f.iter()).find(|(k, _)| *k == kind) {
        default(obj);
    }
}

/// What the API server adds to a new object of `kind` once it is defaulted ([`apply`]) and
/// has its uid; `objects` is the store it is created into.
pub fn on_create(kind: &str, obj: &mut Value, objects: &BTreeMap<ObjKey, Value>) {
    match kind {
        "Service" => service::allocate(obj, objects),
        "Job" => batch::generate_selector(obj),
        "Pod" => pod::scheduling_gated(obj),
        "Node" => core::register_node(obj, objects),
        _ => {}
    }
}

/// The map at `key` in `map`, created as `{}` when missing or null (a Go struct field that
/// is always present once defaulted).
pub(crate) fn child<'a>(map: &'a mut Map<String, Value>, key: &str) -> Option<&'a mut Map<String, Value>> {
    let slot = map.entry(key.to_string()).or_insert(Value::Null);
    if slot.is_null() {
        *slot = Value::Object(Map::new());
    }
    slot.as_object_mut()
}

/// Set `key` to `value` when it is missing or null (`if obj.X == nil`).
pub(crate) fn set(map: &mut Map<String, Value>, key: &str, value: Value) {
    let slot = map.entry(key.to_string()).or_insert(Value::Null);
    if slot.is_null() {
        *slot = value;
    }
}

/// Set a string `key` when it is missing, null or empty (`if obj.X == ""`).
pub(crate) fn set_str(map: &mut Map<String, Value>, key: &str, value: &str) {
    let slot = map.entry(key.to_string()).or_insert(Value::Null);
    if slot.is_null() || slot.as_str() == Some("") {
        *slot = Value::String(value.to_string());
    }
}

/// The string at `key`, or "".
pub(crate) fn str_of<'a>(map: &'a Map<String, Value>, key: &str) -> &'a str {
    map.get(key).and_then(Value::as_str).unwrap_or("")
}

/// `spec` of an object, when it is a map.
pub(crate) fn spec(obj: &mut Value) -> Option<&mut Map<String, Value>> {
    obj.get_mut("spec").and_then(Value::as_object_mut)
}
