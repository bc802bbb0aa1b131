//! Reading manifests as kubectl reads them: YAML 1.1 as `sigs.k8s.io/yaml` (its go-yaml v2
//! fork) resolves plain scalars, then converted to JSON the way that library converts.
//!
//! So `defaultMode: 0644` is the octal integer 420, `enabled: yes` is `true`, `1_000` is
//! 1000, `1.0` is the integer 1 (JSON has one number type; the API server reads it as an
//! int32), quoted scalars stay strings, and a mapping key given twice is an error naming its
//! line, as kubectl's strict decoder refuses it. The event parser is `yaml-rust2`.

use serde_json::{Map, Number, Value};
use std::collections::HashMap;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// A document that could not be read: its 1-based position in the stream and why.
#[derive(Debug, PartialEq, Eq)]
pub struct YamlError {
    pub doc: usize,
    /// Field path of the mapping or sequence where it happened (empty at the top).
    pub field: String,
    pub message: String,
}

/// Every document of a stream, in order (empty documents as `Value::Null`).
pub fn parse_stream(text: &str) -> Result<Vec<Value>, YamlError> {
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(text);
    let scanned = parser.load(&mut builder, true);
    if let Some(e) = builder.error.take() {
        return Err(e);
    }
    scanned.map_err(|e| YamlError {
        doc: builder.docs.len() + 1,
        field: String::new(),
        message: format!(
            "invalid YAML: error converting YAML to JSON: yaml: line {}: {}",
            e.marker().line(),
            e.info()
        ),
    })?;
    Ok(builder.docs)
}

/// A collection being built.
enum Frame {
    Seq { items: Vec<Value>, anchor: usize },
    Map { map: Map<String, Value>, key: Option<String>, merged: Vec<String>, anchor: usize },
}

#[derive(Default)]
struct Builder {
    docs: Vec<Value>,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Value>,
    error: Option<YamlError>,
    /// Documents started so far.
    started: usize,
}

impl Builder {
    fn fail(&mut self, message: String) {
        if self.error.is_none() {
            self.error = Some(YamlError { doc: self.docs.len() + 1, field: self.path(), message });
        }
    }

    /// The path of the node being built, as upstream prints field paths.
    fn path(&self) -> String {
        let mut out = String::new();
        for f in &self.stack {
            match f {
                Frame::Seq { items, .. } => out.push_str(&format!("[{}]", items.len())),
                Frame::Map { key: Some(k), .. } => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                }
                Frame::Map { key: None, .. } => {}
            }
        }
        out
    }

    /// A finished node: a key or value of the enclosing mapping, an item, or a document.
    fn complete(&mut self, value: Value, anchor: usize, mark: Marker) {
        if anchor > 0 {
            self.anchors.insert(anchor, value.clone());
        }
        match self.stack.last_mut() {
            None => self.docs.push(value),
            Some(Frame::Seq { items, .. }) => items.push(value),
            Some(Frame::Map { key: key @ None, .. }) => match json_key(&value) {
                Ok(k) => *key = Some(k),
                Err(m) => self.fail(format!("yaml: line {}: {m}", mark.line())),
            },
            Some(Frame::Map { map, key: key @ Some(_), merged, .. }) => {
                let k = key.take().unwrap_or_default();
                if k == "<<" {
                    merge_into(map, merged, &value);
                } else if map.contains_key(&k) && !merged.contains(&k) {
                    let message =
                        format!("yaml: unmarshal errors: line {}: key {k:?} already set in map", mark.line());
                    self.fail(message);
                } else {
                    merged.retain(|m| *m != k);
                    map.insert(k, value);
                }
            }
        }
    }
}

/// YAML merge keys (`<<: *base`): entries of the merged mapping(s) the mapping does not set.
fn merge_into(map: &mut Map<String, Value>, merged: &mut Vec<String>, value: &Value) {
    let sources: Vec<&Value> = match value {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    for source in sources {
        for (k, v) in source.as_object().into_iter().flatten() {
            if !map.contains_key(k) {
                map.insert(k.clone(), v.clone());
                merged.push(k.clone());
            }
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if self.error.is_some() {
            return;
        }
        match ev {
            Event::DocumentStart => self.started += 1,
            Event::DocumentEnd => {
                // An empty document gives no node.
                if self.docs.len() < self.started {
                    self.docs.push(Value::Null);
                }
            }
            Event::Scalar(text, style, anchor, tag) => match scalar(&text, style, tag.as_ref()) {
                Ok(v) => self.complete(v, anchor, mark),
                Err(m) => self.fail(format!("yaml: line {}: {m}", mark.line())),
            },
            Event::SequenceStart(anchor, _) => self.stack.push(Frame::Seq { items: Vec::new(), anchor }),
            Event::MappingStart(anchor, _) => {
                self.stack.push(Frame::Map { map: Map::new(), key: None, merged: Vec::new(), anchor })
            }
            Event::SequenceEnd | Event::MappingEnd => match self.stack.pop() {
                Some(Frame::Seq { items, anchor }) => self.complete(Value::Array(items), anchor, mark),
                Some(Frame::Map { map, anchor, .. }) => self.complete(Value::Object(map), anchor, mark),
                None => {}
            },
            Event::Alias(id) => match self.anchors.get(&id).cloned() {
                Some(v) => self.complete(v, 0, mark),
                None => self.fail(format!("yaml: line {}: unknown anchor referenced", mark.line())),
            },
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
        }
    }
}

/// The JSON value of one scalar: quoted and block scalars (and `!!str`) are strings, plain
/// scalars resolve as go-yaml v2 resolves them.
fn scalar(text: &str, style: TScalarStyle, tag: Option<&Tag>) -> Result<Value, String> {
    let core_tag =
        tag.filter(|t| t.handle == "tag:yaml.org,2002:" || t.handle == "!!").map(|t| t.suffix.as_str());
    match (style, core_tag) {
        (_, Some("str" | "binary")) => Ok(Value::String(text.to_string())),
        (TScalarStyle::Plain, _) | (_, Some("int" | "float" | "bool" | "null")) => resolve_plain(text),
        _ => Ok(Value::String(text.to_string())),
    }
}

/// go-yaml v2's `resolve` for an untagged plain scalar, converted to JSON as
/// `sigs.k8s.io/yaml` converts it.
pub fn resolve_plain(s: &str) -> Result<Value, String> {
    match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Ok(Value::Bool(true))
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Ok(Value::Bool(false))
        }
        "" | "~" | "null" | "Null" | "NULL" => return Ok(Value::Null),
        ".nan" | ".NaN" | ".NAN" | ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf"
        | "-.Inf" | "-.INF" => {
            return Err(format!("json: unsupported value: {s} (JSON has no NaN or infinity)"))
        }
        _ => {}
    }
    let first = s.as_bytes()[0];
    if first == b'.' {
        return Ok(s.parse::<f64>().map(json_float).unwrap_or_else(|_| Value::String(s.to_string())));
    }
    if !(first.is_ascii_digit() || first == b'+' || first == b'-') {
        return Ok(Value::String(s.to_string()));
    }
    let plain = s.replace('_', "");
    if let Some(n) = go_parse_int(&plain) {
        if let Ok(i) = i64::try_from(n) {
            return Ok(Value::Number(i.into()));
        }
        if let Ok(u) = u64::try_from(n) {
            return Ok(Value::Number(u.into()));
        }
        return Ok(json_float(n as f64));
    }
    if is_yaml_float(&plain) {
        if let Ok(f) = plain.parse::<f64>() {
            return Ok(json_float(f));
        }
    }
    Ok(Value::String(s.to_string()))
}

/// Go's `strconv.ParseInt(s, 0, 64)` syntax (sign; `0x`, `0o`, `0b` or a leading `0` for
/// octal), widened so the caller can tell int64 from uint64 from too large.
fn go_parse_int(s: &str) -> Option<i128> {
    let (negative, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) || digits.len() > 40 {
        return None;
    }
    let n = i128::from_str_radix(digits, radix).ok()?;
    Some(if negative { -n } else { n })
}

/// go-yaml's `yamlStyleFloat`: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_float(s: &str) -> bool {
    let b = s.trim_start_matches(['+', '-']);
    if b.len() + 1 < s.len() {
        return false;
    }
    let (mantissa, exponent) = match b.find(['e', 'E']) {
        Some(i) => (&b[..i], Some(&b[i + 1..])),
        None => (b, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", frac)) => !frac.is_empty() && frac.bytes().all(|c| c.is_ascii_digit()),
        Some((int, frac)) => {
            !int.is_empty()
                && int.bytes().all(|c| c.is_ascii_digit())
                && frac.bytes().all(|c| c.is_ascii_digit())
        }
        None => !mantissa.is_empty() && mantissa.bytes().all(|c| c.is_ascii_digit()),
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
        !digits.is_empty() && digits.bytes().all(|c| c.is_ascii_digit())
    });
    mantissa_ok && exponent_ok
}

/// A float as JSON carries it from Go: integral values below 1e21 print as integers
/// (`json.Marshal(1.0)` is `1`), so the API server reads them as integers.
fn json_float(f: f64) -> Value {
    if f.fract() == 0.0 && f.abs() < 1e21 {
        if f >= i64::MIN as f64 && f <= i64::MAX as f64 {
            return Value::Number((f as i64).into());
        }
        if f >= 0.0 && f <= u64::MAX as f64 {
            return Value::Number((f as u64).into());
        }
    }
    Number::from_f64(f).map_or(Value::Null, Value::Number)
}

/// A mapping key as `sigs.k8s.io/yaml` turns it into a JSON object key.
fn json_key(v: &Value) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Null => Err("unsupported map key: null".to_string()),
        Value::Array(_) | Value::Object(_) => Err("unsupported map key: a collection".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn one(text: &str) -> Value {
        parse_stream(text).unwrap().remove(0)
    }

    /// go-yaml v2 `resolve_test`/`decode_test` cases kubectl relies on, converted to JSON.
    #[test]
    fn plain_scalars_resolve_as_yaml_1_1() {
        let cases: &[(&str, Value)] = &[
            ("0644", json!(420)),
            ("0o644", json!(420)),
            ("0x1F", json!(31)),
            ("0b101", json!(5)),
            ("-0x10", json!(-16)),
            ("1_000", json!(1000)),
            ("+12", json!(12)),
            ("08", json!(8)),
            ("1.0", json!(1)),
            ("1e3", json!(1000)),
            ("1.5", json!(1.5)),
            (".5", json!(0.5)),
            ("yes", json!(true)),
            ("Off", json!(false)),
            ("y", json!(true)),
            ("~", Value::Null),
            ("null", Value::Null),
            ("2001-12-14", json!("2001-12-14")),
            ("-", json!("-")),
            ("123abc", json!("123abc")),
            ("0x7fffffff", json!(2147483647)),
            ("9223372036854775807", json!(i64::MAX)),
            ("18446744073709551615", json!(u64::MAX)),
        ];
        for (text, want) in cases {
            assert_eq!(&resolve_plain(text).unwrap(), want, "{text}");
        }
        assert!(resolve_plain(".nan").is_err());
    }

    #[test]
    fn quoted_and_tagged_scalars_stay_strings() {
        assert_eq!(
            one("a: '0644'\nb: \"yes\"\nc: !!str 12\nd: |\n  7\n"),
            json!({"a": "0644", "b": "yes", "c": "12", "d": "7\n"})
        );
    }

    #[test]
    fn keys_become_strings_as_sigs_k8s_io_yaml_converts_them() {
        // `y` and `on` are booleans in YAML 1.1, so kubectl sends them as the key "true".
        assert_eq!(one("on: 1\n3: x\n"), json!({"true": 1, "3": "x"}));
        assert_eq!(one("y: 2\n"), json!({"true": 2}));
    }

    #[test]
    fn duplicate_keys_are_an_error_with_line_and_path() {
        let e = parse_stream("a: 1\n---\nspec:\n  replicas: 1\n  replicas: 2\n").unwrap_err();
        assert_eq!(e.doc, 2);
        assert_eq!(e.field, "spec");
        assert_eq!(e.message, "yaml: unmarshal errors: line 5: key \"replicas\" already set in map");
    }

    #[test]
    fn anchors_aliases_and_merge_keys() {
        let v = one("base: &b {a: 1, b: 2}\nuse:\n  <<: *b\n  b: 3\nlist: [*b]\n");
        assert_eq!(v, json!({"base": {"a": 1, "b": 2}, "use": {"a": 1, "b": 3}, "list": [{"a": 1, "b": 2}]}));
    }

    #[test]
    fn streams_keep_empty_documents_in_place() {
        let docs = parse_stream("a: 1\n---\n---\nb: 2\n").unwrap();
        assert_eq!(docs, vec![json!({"a": 1}), Value::Null, json!({"b": 2})]);
    }

    #[test]
    fn json_documents_read_the_same() {
        assert_eq!(one("{\"a\": [1, \"2\", true, null]}"), json!({"a": [1, "2", true, null]}));
    }
}
