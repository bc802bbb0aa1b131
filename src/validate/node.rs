//! Nodes: the quantities in `status.allocatable` and `status.capacity`.

use super::field::{fail, FieldError};
use crate::model;
use serde_json::Value;

fn node(obj: &Value) -> Result<(), FieldError> {
    for kind in ["allocatable", "capacity"] {
        if let Some(m) = obj.pointer(&format!("/status/{kind}")).and_then(Value::as_object) {
            for (k, q) in m {
                let path = format!("status.{kind}.{k}");
                let s = model::quantity_str(q).ok_or(()).or_else(|_| fail(&path, "expected a quantity"))?;
                let ok = match k.as_str() {
                    "cpu" => model::parse_cpu_milli(&s).is_some(),
                    _ => model::parse_bytes(&s).is_some(),
                };
                if !ok {
                    return fail(&path, format!("invalid quantity {s:?}"));
                }
            }
        }
    }
    Ok(())
}

pub(super) const KINDS: &[(&str, super::KindValidator)] = &[("Node", node)];
