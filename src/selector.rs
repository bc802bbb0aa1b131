//! Label selectors: the `LabelSelector` of apps/v1 workloads (matchLabels + matchExpressions with
//! In, NotIn, Exists, DoesNotExist), the ReplicationController's plain equality map, and the
//! `-l` strings of the command line (`app=x,tier!=db,env in (a,b),!legacy`).

use serde_json::Value;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Op {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Requirement {
    pub key: String,
    pub op: Op,
    pub values: Vec<String>,
}

/// A conjunction of requirements. An empty selector matches every object.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Selector {
    pub reqs: Vec<Requirement>,
}

/// Why a selector could not be read: the field path (relative to the selector) and the reason.
#[derive(Debug, PartialEq, Eq)]
pub struct SelectorError {
    pub field: String,
    pub message: String,
}

fn err(field: impl Into<String>, message: impl Into<String>) -> SelectorError {
    SelectorError { field: field.into(), message: message.into() }
}

impl Selector {
    /// Parse a `metav1.LabelSelector` (matchLabels and matchExpressions).
    pub fn from_label_selector(v: &Value) -> Result<Selector, SelectorError> {
        let obj = v.as_object().ok_or_else(|| err("", "must be an object"))?;
        let mut reqs = Vec::new();
        for (k, val) in obj {
            match k.as_str() {
                "matchLabels" => {
                    let m = val.as_object().ok_or_else(|| err("matchLabels", "must be a map of strings"))?;
                    for (lk, lv) in m {
                        let lv = lv
                            .as_str()
                            .ok_or_else(|| err(format!("matchLabels.{lk}"), "must be a string"))?;
                        check_key(lk).map_err(|m| err(format!("matchLabels.{lk}"), m))?;
                        check_value(lv).map_err(|m| err(format!("matchLabels.{lk}"), m))?;
                        reqs.push(Requirement { key: lk.clone(), op: Op::In, values: vec![lv.to_string()] });
                    }
                }
                "matchExpressions" => {
                    let list = val.as_array().ok_or_else(|| err("matchExpressions", "must be a list"))?;
                    for (i, e) in list.iter().enumerate() {
                        reqs.push(parse_expression(e).map_err(|mut x| {
                            x.field = format!("matchExpressions[{i}]{}", x.field);
                            x
                        })?);
                    }
                }
                other => return Err(err(other, "unknown field in a label selector")),
            }
        }
        reqs.sort();
        Ok(Selector { reqs })
    }

    /// Parse a ReplicationController's `spec.selector`, a plain map of required labels.
    pub fn from_map(v: &Value) -> Result<Selector, SelectorError> {
        let m = v.as_object().ok_or_else(|| err("", "must be a map of strings"))?;
        let mut reqs = Vec::new();
        for (k, val) in m {
            let s = val.as_str().ok_or_else(|| err(k.clone(), "must be a string"))?;
            check_key(k).map_err(|m| err(k.clone(), m))?;
            reqs.push(Requirement { key: k.clone(), op: Op::In, values: vec![s.to_string()] });
        }
        reqs.sort();
        Ok(Selector { reqs })
    }

    /// Parse a kubectl `-l` selector string.
    pub fn parse(s: &str) -> Result<Selector, SelectorError> {
        let mut reqs = Vec::new();
        for part in split_top_level(s) {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let req = if let Some(key) = part.strip_prefix('!') {
                Requirement { key: key.trim().to_string(), op: Op::DoesNotExist, values: vec![] }
            } else if let Some((k, v)) = part.split_once("!=") {
                Requirement { key: k.trim().to_string(), op: Op::NotIn, values: vec![v.trim().to_string()] }
            } else if let Some((k, v)) = part.split_once("==").or_else(|| part.split_once('=')) {
                Requirement { key: k.trim().to_string(), op: Op::In, values: vec![v.trim().to_string()] }
            } else if let Some((k, rest)) = split_set(part, " notin ") {
                Requirement { key: k, op: Op::NotIn, values: rest }
            } else if let Some((k, rest)) = split_set(part, " in ") {
                Requirement { key: k, op: Op::In, values: rest }
            } else {
                Requirement { key: part.to_string(), op: Op::Exists, values: vec![] }
            };
            check_key(&req.key).map_err(|m| err(part.to_string(), m))?;
            reqs.push(req);
        }
        reqs.sort();
        Ok(Selector { reqs })
    }

    /// The selector requiring each of `labels` (`key=value`, ANDed): a ReplicationController
    /// without `spec.selector` selects its template's labels.
    pub fn equal_to(labels: &[(String, String)]) -> Selector {
        let mut reqs: Vec<Requirement> = labels
            .iter()
            .map(|(k, v)| Requirement { key: k.clone(), op: Op::In, values: vec![v.clone()] })
            .collect();
        reqs.sort();
        Selector { reqs }
    }

    pub fn is_empty(&self) -> bool {
        self.reqs.is_empty()
    }

    /// Whether a set of labels (sorted `(key, value)` pairs or any list) satisfies every requirement.
    pub fn matches(&self, labels: &[(String, String)]) -> bool {
        self.reqs.iter().all(|r| {
            let v = labels.iter().find(|(k, _)| *k == r.key).map(|(_, v)| v.as_str());
            match r.op {
                Op::In => v.is_some_and(|v| r.values.iter().any(|x| x == v)),
                Op::NotIn => v.is_none_or(|v| !r.values.iter().any(|x| x == v)),
                Op::Exists => v.is_some(),
                Op::DoesNotExist => v.is_none(),
            }
        })
    }

    /// The `matchLabels`-style equality pairs of this selector (used to pick candidates by index).
    pub fn equalities(&self) -> impl Iterator<Item = (&str, &str)> {
        self.reqs
            .iter()
            .filter(|r| r.op == Op::In && r.values.len() == 1)
            .map(|r| (r.key.as_str(), r.values[0].as_str()))
    }
}

impl fmt::Display for Selector {
    /// kubectl's rendering: `app=myapp,release=canary`, `env in (a,b)`, `!legacy`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .reqs
            .iter()
            .map(|r| match r.op {
                Op::In if r.values.len() == 1 => format!("{}={}", r.key, r.values[0]),
                Op::In => format!("{} in ({})", r.key, r.values.join(",")),
                Op::NotIn if r.values.len() == 1 => format!("{}!={}", r.key, r.values[0]),
                Op::NotIn => format!("{} notin ({})", r.key, r.values.join(",")),
                Op::Exists => r.key.clone(),
                Op::DoesNotExist => format!("!{}", r.key),
            })
            .collect();
        write!(f, "{}", parts.join(","))
    }
}

fn parse_expression(e: &Value) -> Result<Requirement, SelectorError> {
    let key = e.get("key").and_then(Value::as_str).ok_or_else(|| err(".key", "required string"))?;
    check_key(key).map_err(|m| err(".key", m))?;
    let op = match e.get("operator").and_then(Value::as_str) {
        Some("In") => Op::In,
        Some("NotIn") => Op::NotIn,
        Some("Exists") => Op::Exists,
        Some("DoesNotExist") => Op::DoesNotExist,
        Some(other) => {
            return Err(err(
                ".operator",
                format!("unsupported operator {other:?}: must be In, NotIn, Exists or DoesNotExist"),
            ))
        }
        None => return Err(err(".operator", "required string")),
    };
    let values: Vec<String> = match e.get("values") {
        None | Some(Value::Null) => vec![],
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .map(|(i, v)| {
                v.as_str().map(str::to_string).ok_or_else(|| err(format!(".values[{i}]"), "must be a string"))
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(err(".values", "must be a list of strings")),
    };
    match op {
        Op::In | Op::NotIn if values.is_empty() => {
            Err(err(".values", "must be specified when `operator` is 'In' or 'NotIn'"))
        }
        Op::Exists | Op::DoesNotExist if !values.is_empty() => {
            Err(err(".values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
        }
        _ => {
            let mut values = values;
            values.sort();
            Ok(Requirement { key: key.to_string(), op, values })
        }
    }
}

/// A label key: optional DNS prefix and a name of at most 63 characters of `[A-Za-z0-9._-]`,
/// starting and ending alphanumeric.
pub(crate) fn check_key(key: &str) -> Result<(), String> {
    let name = key.rsplit('/').next().unwrap_or(key);
    if name.is_empty() || name.len() > 63 {
        return Err(format!("invalid label key {key:?}: name part must be 1-63 characters"));
    }
    check_value(name).map_err(|_| format!("invalid label key {key:?}"))
}

pub(crate) fn check_value(v: &str) -> Result<(), String> {
    let ok_chars = v.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    let ends_ok = v.is_empty()
        || (v.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
            && v.chars().last().is_some_and(|c| c.is_ascii_alphanumeric()));
    if v.len() <= 63 && ok_chars && ends_ok {
        Ok(())
    } else {
        Err(format!("invalid label value {v:?}"))
    }
}

/// Split on commas that are not inside parentheses.
fn split_top_level(s: &str) -> Vec<&str> {
    let (mut out, mut depth, mut start) = (Vec::new(), 0, 0);
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

fn split_set(part: &str, op: &str) -> Option<(String, Vec<String>)> {
    let (k, rest) = part.split_once(op)?;
    let inner = rest.trim().strip_prefix('(')?.strip_suffix(')')?;
    let mut values: Vec<String> = inner.split(',').map(|v| v.trim().to_string()).collect();
    values.sort();
    Some((k.trim().to_string(), values))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn l(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn match_labels_and_expressions() {
        let s = Selector::from_label_selector(&json!({
            "matchLabels": {"app": "myapp"},
            "matchExpressions": [
                {"key": "tier", "operator": "In", "values": ["web", "api"]},
                {"key": "legacy", "operator": "DoesNotExist"},
                {"key": "env", "operator": "NotIn", "values": ["dev"]},
                {"key": "release", "operator": "Exists"}
            ]
        }))
        .unwrap();
        let cases = [
            (l(&[("app", "myapp"), ("tier", "web"), ("release", "x")]), true),
            (l(&[("app", "myapp"), ("tier", "db"), ("release", "x")]), false),
            (l(&[("app", "myapp"), ("tier", "web")]), false),
            (l(&[("app", "myapp"), ("tier", "web"), ("release", "x"), ("legacy", "1")]), false),
            (l(&[("app", "myapp"), ("tier", "api"), ("release", "x"), ("env", "dev")]), false),
            (l(&[("app", "myapp"), ("tier", "api"), ("release", "x"), ("env", "prod")]), true),
            (l(&[("app", "other"), ("tier", "web"), ("release", "x")]), false),
        ];
        for (labels, want) in cases {
            assert_eq!(s.matches(&labels), want, "{labels:?}");
        }
        assert_eq!(s.to_string(), "app=myapp,env!=dev,!legacy,release,tier in (api,web)");
    }

    #[test]
    fn bad_selectors_name_the_field() {
        let e =
            Selector::from_label_selector(&json!({"matchExpressions": [{"key": "a", "operator": "Near"}]}))
                .unwrap_err();
        assert_eq!(e.field, "matchExpressions[0].operator");
        let e = Selector::from_label_selector(&json!({"matchExpressions": [{"key": "a", "operator": "In"}]}))
            .unwrap_err();
        assert_eq!(e.field, "matchExpressions[0].values");
        let e = Selector::from_label_selector(&json!({"matchLabels": {"app": 3}})).unwrap_err();
        assert_eq!(e.field, "matchLabels.app");
    }

    #[test]
    fn command_line_selectors() {
        let s = Selector::parse("app=myapp,tier!=db,env in (a, b),!legacy,release").unwrap();
        assert!(s.matches(&l(&[("app", "myapp"), ("env", "b"), ("release", "1")])));
        assert!(!s.matches(&l(&[("app", "myapp"), ("env", "c"), ("release", "1")])));
        assert!(!s.matches(&l(&[("app", "myapp"), ("env", "a"), ("tier", "db"), ("release", "1")])));
        assert!(Selector::parse("").unwrap().matches(&[]));
    }

    #[test]
    fn replication_controller_map() {
        let s = Selector::from_map(&json!({"app": "web"})).unwrap();
        assert!(s.matches(&l(&[("app", "web"), ("x", "y")])));
        assert!(!s.matches(&l(&[("app", "api")])));
    }
}
