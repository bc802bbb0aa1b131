//! Checks shared by every kind: required strings, string maps, labels and annotations,
//! integers, enums, immutable fields and `intstr.IntOrString` values.

use super::field::{
    check, fail, invalid, not_supported, pointer, required, too_long, type_name, FieldError, Validation,
};
use super::names;
use crate::model;
use serde_json::Value;

/// An `intstr.IntOrString` as used by maxSurge / maxUnavailable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IntOrPercent {
    Int(i64),
    Percent(i64),
}

impl IntOrPercent {
    pub fn parse(v: &Value) -> Option<IntOrPercent> {
        match v {
            Value::Number(n) => n.as_i64().map(IntOrPercent::Int),
            Value::String(s) => match s.strip_suffix('%') {
                Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
                    p.parse().ok().map(IntOrPercent::Percent)
                }
                Some(_) => None,
                // A string must be a percentage (upstream IsValidPercent): "1" is not.
                None => None,
            },
            _ => None,
        }
    }

    pub fn is_zero(self) -> bool {
        matches!(self, IntOrPercent::Int(0) | IntOrPercent::Percent(0))
    }

    /// `intstr.GetScaledValueFromIntOrPercent`: an integer unchanged, `p%` of `total` rounded
    /// up or down.
    pub fn scaled(self, total: i64, round_up: bool) -> i64 {
        match self {
            IntOrPercent::Int(i) => i,
            IntOrPercent::Percent(p) => {
                // Widened so that no percentage of any total overflows; the result is clamped.
                let product = i128::from(p) * i128::from(total);
                let scaled = if round_up { (product + 99).div_euclid(100) } else { product.div_euclid(100) };
                i64::try_from(scaled).unwrap_or(if scaled < 0 { i64::MIN } else { i64::MAX })
            }
        }
    }
}

/// `ValidatePositiveIntOrPercent` of `rolling.<field>`: a non-negative integer or a percent string.
pub fn int_or_percent(rolling: Option<&Value>, field: &str) -> Result<Option<IntOrPercent>, FieldError> {
    let path = format!("spec.strategy.rollingUpdate.{field}");
    match rolling.and_then(|r| r.get(field)).filter(|v| !v.is_null()) {
        None => Ok(None),
        Some(v) => match IntOrPercent::parse(v) {
            Some(IntOrPercent::Int(i) | IntOrPercent::Percent(i)) if i < 0 => {
                invalid(&path, v, "must be greater than or equal to 0")
            }
            Some(x) => Ok(Some(x)),
            None => invalid(
                &path,
                v,
                "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
            ),
        },
    }
}

/// A string that must be present and non-empty.
pub fn required_str<'a>(obj: &'a Value, path: &str) -> Result<&'a str, FieldError> {
    match obj.pointer(&pointer(path)) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s),
        None | Some(Value::Null) | Some(Value::String(_)) => required(path, ""),
        Some(other) => fail(path, format!("expected string, got {}", type_name(other))),
    }
}

/// A map of strings (labels, annotations, node selectors) as pairs; absent is empty.
pub fn string_map(obj: &Value, path: &str) -> Result<Vec<(String, String)>, FieldError> {
    match obj.pointer(&pointer(path)) {
        None | Some(Value::Null) => Ok(vec![]),
        Some(Value::Object(m)) => {
            let mut out = Vec::new();
            for (k, v) in m {
                match v {
                    Value::String(s) => out.push((k.clone(), s.clone())),
                    other => {
                        return fail(
                            &format!("{path}.{k}"),
                            format!("expected string, got {}", type_name(other)),
                        )
                    }
                }
            }
            Ok(out)
        }
        Some(other) => fail(path, format!("expected a map of strings, got {}", type_name(other))),
    }
}

/// `ValidateNonnegativeField` of an int32 field.
pub fn non_negative_int(path: &str, v: &Value) -> Result<i64, FieldError> {
    match v.as_i64() {
        Some(i) if i < 0 => invalid(path, v, "must be greater than or equal to 0"),
        Some(i) if i > i32::MAX as i64 => {
            invalid(path, v, "must be no more than 2147483647 (a 32-bit integer)")
        }
        Some(i) => Ok(i),
        None => fail(path, format!("expected integer, got {}", type_name(v))),
    }
}

/// `ValidateLabels`: every key a qualified name, every value a label value.
pub fn labels(obj: &Value, path: &str) -> Validation {
    for (k, v) in string_map(obj, path)? {
        check(path, &k, names::label_key(&k))?;
        check(path, &v, names::label_value(&v))?;
    }
    Ok(())
}

/// The total size upstream allows for all annotations of one object.
pub const TOTAL_ANNOTATION_SIZE_LIMIT: usize = 256 * 1024;

/// `ValidateAnnotations`: keys are qualified names (compared in lower case), values free,
/// the whole at most 256 KiB.
pub fn annotations(obj: &Value, path: &str) -> Validation {
    let mut total = 0;
    for (k, v) in string_map(obj, path)? {
        check(path, &k, names::label_key(&k.to_lowercase()))?;
        total += k.len() + v.len();
    }
    if total > TOTAL_ANNOTATION_SIZE_LIMIT {
        return too_long(path, TOTAL_ANNOTATION_SIZE_LIMIT);
    }
    Ok(())
}

/// `ValidateImmutableField`: `field is immutable` when `old` and `new` differ at `path`.
pub fn immutable(old: &Value, new: &Value, path: &str) -> Validation {
    let p = pointer(path);
    let (a, b) = (old.pointer(&p).filter(|v| !v.is_null()), new.pointer(&p).filter(|v| !v.is_null()));
    if a == b {
        Ok(())
    } else {
        invalid(path, b.unwrap_or(&Value::Null), "field is immutable")
    }
}

/// `NotSupported` unless the string at `path` (when set) is one of `supported`.
pub fn one_of(obj: &Value, path: &str, supported: &[&str]) -> Validation {
    match obj.pointer(&pointer(path)).filter(|v| !v.is_null()) {
        None => Ok(()),
        Some(v) if v.as_str().is_some_and(|s| supported.contains(&s)) => Ok(()),
        Some(v) => not_supported(path, v, supported),
    }
}

/// Quantity syntax (`resource.ParseQuantity`), as upstream's error message states it.
const QUANTITY_REGEX: &str = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$";

/// A resource quantity in the unit konverge compares it in (millicores for `cpu`, bytes
/// otherwise), or upstream's parse error.
pub fn quantity(path: &str, q: &Value, resource: &str) -> Result<i64, FieldError> {
    let parsed = model::quantity_str(q).and_then(|s| {
        if resource == "cpu" {
            model::parse_cpu_milli(&s)
        } else {
            model::parse_bytes(&s)
        }
    });
    match parsed {
        Some(n) => Ok(n),
        None => invalid(path, q, &format!("quantities must match the regular expression '{QUANTITY_REGEX}'")),
    }
}
