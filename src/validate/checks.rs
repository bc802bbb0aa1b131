//! Checks shared by every kind: required strings, string maps, integers, DNS names and
//! `intstr.IntOrString` values.

use super::field::{fail, pointer, type_name, FieldError};
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
                Some(p) => p.parse().ok().map(IntOrPercent::Percent),
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
            IntOrPercent::Percent(p) if round_up => (p * total + 99) / 100,
            IntOrPercent::Percent(p) => p * total / 100,
        }
    }
}

pub fn int_or_percent(rolling: Option<&Value>, field: &str) -> Result<Option<IntOrPercent>, FieldError> {
    let path = format!("spec.strategy.rollingUpdate.{field}");
    match rolling.and_then(|r| r.get(field)).filter(|v| !v.is_null()) {
        None => Ok(None),
        Some(v) => match IntOrPercent::parse(v) {
            Some(IntOrPercent::Int(i) | IntOrPercent::Percent(i)) if i < 0 => {
                fail(&path, "must be greater than or equal to 0")
            }
            Some(x) => Ok(Some(x)),
            None => fail(&path, format!("must be an integer or a percentage (e.g. 25%), got {v}")),
        },
    }
}

pub fn required_str<'a>(obj: &'a Value, path: &str) -> Result<&'a str, FieldError> {
    match obj.pointer(&pointer(path)) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s),
        None | Some(Value::Null) | Some(Value::String(_)) => fail(path, "required value"),
        Some(other) => fail(path, format!("expected string, got {}", type_name(other))),
    }
}

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

pub fn non_negative_int(path: &str, v: &Value) -> Result<i64, FieldError> {
    match v.as_i64() {
        Some(i) if i < 0 => fail(path, "must be greater than or equal to 0"),
        Some(i) if i > i32::MAX as i64 => fail(path, "must fit in a 32-bit integer"),
        Some(i) => Ok(i),
        None => fail(path, format!("expected integer, got {}", type_name(v))),
    }
}

pub fn check_dns_subdomain(path: &str, s: &str) -> Result<(), FieldError> {
    let ok = s.len() <= 253 && s.split('.').all(|part| !part.is_empty() && dns_label_chars(part));
    if ok {
        Ok(())
    } else {
        fail(path, format!("invalid name {s:?}: must be a lowercase RFC 1123 subdomain (a-z, 0-9, '-', '.')"))
    }
}

pub fn check_dns_label(path: &str, s: &str) -> Result<(), FieldError> {
    if s.len() <= 63 && dns_label_chars(s) {
        Ok(())
    } else {
        fail(path, format!("invalid value {s:?}: must be a lowercase RFC 1123 label"))
    }
}

fn dns_label_chars(s: &str) -> bool {
    s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}
