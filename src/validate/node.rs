//! Nodes: the quantities in `status.allocatable` and `status.capacity`.

use super::checks::quantity;
use super::field::FieldError;
use serde_json::Value;

fn node(obj: &Value) -> Result<(), FieldError> {
    for kind in ["allocatable", "capacity"] {
        if let Some(m) = obj.pointer(&format!("/status/{kind}")).and_then(Value::as_object) {
            for (k, q) in m {
                quantity(&format!("status.{kind}.{k}"), q, k)?;
            }
        }
    }
    Ok(())
}

pub(super) const KINDS: &[(&str, super::KindValidator)] = &[("Node", node)];
