//! CustomResourceDefinitions register their kinds: a custom resource is accepted only at a
//! group/version some CRD serves (kubectl's `no matches for kind` otherwise), takes the CRD's
//! scope (a cluster-scoped resource gets no namespace), is validated against the version's
//! `openAPIV3Schema` as upstream's structural schemas validate (types, `nullable`,
//! `x-kubernetes-int-or-string`, `x-kubernetes-preserve-unknown-fields`, enums, bounds,
//! lengths, patterns, required fields, `allOf`/`anyOf`/`oneOf`/`not`) and can be read back
//! by plural, singular, kind or short name.

use crate::model::{self, KindInfo};
use crate::state::State;
use crate::validate::field::show;
use crate::validate::field::{fail, FieldError};
use crate::validate::schema::{FieldPath, FieldValidation, Segment};
use serde_json::{Map, Value};

/// One version of a custom kind.
#[derive(Clone, Debug)]
pub struct Version {
    pub name: String,
    pub served: bool,
    pub schema: Option<Value>,
}

/// A kind a CustomResourceDefinition registers.
#[derive(Clone, Debug)]
pub struct CustomKind {
    pub group: String,
    pub kind: String,
    pub plural: String,
    pub singular: String,
    pub short: Vec<String>,
    pub namespaced: bool,
    pub versions: Vec<Version>,
}

impl CustomKind {
    fn of(crd: &Value) -> Option<CustomKind> {
        let names = model::at(crd, &["spec", "names"])?;
        let kind = model::str_at(names, &["kind"]).to_string();
        let group = model::str_at(crd, &["spec", "group"]).to_string();
        if kind.is_empty() || group.is_empty() {
            return None;
        }
        let versions = model::at(crd, &["spec", "versions"])
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|v| Version {
                name: model::str_at(v, &["name"]).to_string(),
                served: v.get("served").and_then(Value::as_bool).unwrap_or(false),
                schema: model::at(v, &["schema", "openAPIV3Schema"]).cloned(),
            })
            .collect();
        Some(CustomKind {
            plural: model::str_at(names, &["plural"]).to_string(),
            singular: match model::str_at(names, &["singular"]) {
                "" => kind.to_ascii_lowercase(),
                s => s.to_string(),
            },
            short: names
                .get("shortNames")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
            namespaced: model::str_at(crd, &["spec", "scope"]) != "Cluster",
            group,
            kind,
            versions,
        })
    }

    /// The served version `api_version` names, if this kind is at its group.
    pub fn served(&self, api_version: &str) -> Option<&Version> {
        let (group, version) = api_version.rsplit_once('/')?;
        (group == self.group).then(|| self.versions.iter().find(|v| v.served && v.name == version)).flatten()
    }

    /// The kind as the command line resolves kinds. The table entry lives for the rest of
    /// the process, like the built-in table: one command reads one state.
    pub fn info(&self) -> &'static KindInfo {
        let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
        let served: Vec<&'static str> = self
            .versions
            .iter()
            .filter(|v| v.served)
            .map(|v| leak(format!("{}/{}", self.group, v.name)))
            .collect();
        let short: Vec<&'static str> = self.short.iter().map(|s| leak(s.to_ascii_lowercase())).collect();
        Box::leak(Box::new(KindInfo {
            kind: leak(self.kind.clone()),
            served: Box::leak(served.into_boxed_slice()),
            removed: &[],
            namespaced: self.namespaced,
            plural: leak(self.plural.clone()),
            short: Box::leak(short.into_boxed_slice()),
        }))
    }
}

/// The custom kinds CRDs register.
#[derive(Clone, Debug, Default)]
pub struct Registry {
    kinds: Vec<CustomKind>,
}

impl Registry {
    /// The kinds the CRDs stored in `state` register.
    pub fn of_state(state: &State) -> Registry {
        let mut r = Registry::default();
        for crd in state.of_kind("CustomResourceDefinition", None) {
            r.add(crd);
        }
        r
    }

    /// Register the kind of one CRD (a later CRD for the same group and kind replaces it).
    pub fn add(&mut self, crd: &Value) {
        if let Some(k) = CustomKind::of(crd) {
            self.kinds.retain(|x| !(x.group == k.group && x.kind == k.kind));
            self.kinds.push(k);
        }
    }

    /// The custom kind registered at the group of `api_version`.
    pub fn find(&self, api_version: &str, kind: &str) -> Option<&CustomKind> {
        let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
        self.kinds.iter().find(|k| k.kind == kind && k.group == group)
    }

    /// What a user typed (`crontabs`, `crontab`, `CronTab`, `ct`, `crontabs.stable.example.com`).
    pub fn resolve(&self, typed: &str) -> Option<&CustomKind> {
        let t = typed.to_ascii_lowercase();
        let (name, group) = t.split_once('.').map_or((t.as_str(), None), |(n, g)| (n, Some(g)));
        self.kinds.iter().find(|k| {
            group.is_none_or(|g| g == k.group)
                && (k.plural == name
                    || k.singular == name
                    || k.kind.to_ascii_lowercase() == name
                    || k.short.iter().any(|s| s.to_ascii_lowercase() == name))
        })
    }
}

/// Validate a custom resource against its kind: a served version, then the version's schema.
/// Unknown fields are refused under `Strict` and dropped otherwise (returned for warnings).
pub fn validate(
    kind: &CustomKind,
    obj: &mut Value,
    mode: FieldValidation,
) -> Result<Vec<FieldPath>, FieldError> {
    let api_version = model::str_at(obj, &["apiVersion"]).to_string();
    let Some(version) = kind.served(&api_version) else {
        return fail("apiVersion", crate::validate::schema::no_matches(&api_version, &kind.kind));
    };
    let Some(schema) = &version.schema else { return Ok(vec![]) };
    let mut unknown = Vec::new();
    unknown_fields(schema, obj, &mut Vec::new(), true, &mut unknown);
    if let (FieldValidation::Strict, Some(first)) = (mode, unknown.first()) {
        return fail(&first.to_string(), format!("strict decoding error: unknown field \"{first}\""));
    }
    for path in &unknown {
        remove_at(obj, &path.0);
    }
    check_schema(schema, obj, &mut Vec::new(), true)?;
    Ok(unknown)
}

/// Check `value` against one structural schema node, as the API server's OpenAPI validation
/// of custom resources does, with its messages (`spec.replicas in body should be less than
/// or equal to 10`). At the root, `apiVersion`, `kind` and `metadata` are the API server's.
fn check_schema(
    schema: &Value,
    value: &Value,
    path: &mut Vec<Segment>,
    root: bool,
) -> Result<(), FieldError> {
    let field = FieldPath(path.clone()).to_string();
    let invalid =
        |detail: String| fail(&field, format!("Invalid value: {}: {field} in body {detail}", show(value)));
    if value.is_null() {
        return match schema.get("nullable").and_then(Value::as_bool) {
            Some(true) => Ok(()),
            _ => invalid(
                "must be of type ".to_string() + schema_type(schema).unwrap_or("object") + ": \"null\"",
            ),
        };
    }
    let int_or_string = schema.get("x-kubernetes-int-or-string").and_then(Value::as_bool) == Some(true);
    if int_or_string {
        if !(value.is_string() || value.as_i64().is_some()) {
            return invalid(format!("must be of type integer or string: {:?}", json_type(value)));
        }
    } else if let Some(t) = schema_type(schema) {
        if !has_type(value, t) {
            return invalid(format!("must be of type {t}: {:?}", json_type(value)));
        }
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
        if !allowed.contains(value) {
            let shown: Vec<String> = allowed.iter().map(show).collect();
            return fail(
                &field,
                format!("Unsupported value: {}: supported values: {}", show(value), shown.join(", ")),
            );
        }
    }
    if let Some(x) = value.as_f64() {
        check_bounds(schema, x).map_or(Ok(()), invalid)?;
    }
    if let Some(text) = value.as_str() {
        check_string(schema, text).map_or(Ok(()), invalid)?;
    }
    for combined in ["allOf", "anyOf", "oneOf"] {
        let Some(options) = schema.get(combined).and_then(Value::as_array) else { continue };
        let passing = options.iter().filter(|o| check_schema(o, value, path, root).is_ok()).count();
        let ok = match combined {
            "allOf" => passing == options.len(),
            "anyOf" => passing > 0,
            _ => passing == 1,
        };
        if !ok {
            for option in options.iter().filter(|_| combined == "allOf") {
                check_schema(option, value, path, root)?;
            }
            return invalid(format!(
                "must validate {} of the schemas ({combined})",
                if combined == "oneOf" { "one and only one" } else { "at least one" }
            ));
        }
    }
    if let Some(not) = schema.get("not") {
        if check_schema(not, value, path, root).is_ok() {
            return invalid("must not validate the schema (not)".to_string());
        }
    }
    match value {
        Value::Array(items) => check_items(schema, items, path),
        Value::Object(m) => check_properties(schema, m, path, root),
        _ => Ok(()),
    }
}

/// `minimum`, `maximum` (with their `exclusive` flags) and `multipleOf` of a number.
fn check_bounds(schema: &Value, x: f64) -> Option<String> {
    let exclusive = |k: &str| schema.get(k).and_then(Value::as_bool) == Some(true);
    if let Some(max) = schema.get("maximum").and_then(Value::as_f64) {
        if exclusive("exclusiveMaximum") && x >= max {
            return Some(format!("should be less than {max}"));
        }
        if x > max {
            return Some(format!("should be less than or equal to {max}"));
        }
    }
    if let Some(min) = schema.get("minimum").and_then(Value::as_f64) {
        if exclusive("exclusiveMinimum") && x <= min {
            return Some(format!("should be greater than {min}"));
        }
        if x < min {
            return Some(format!("should be greater than or equal to {min}"));
        }
    }
    match schema.get("multipleOf").and_then(Value::as_f64) {
        Some(m) if m > 0.0 && (x / m).fract() != 0.0 => Some(format!("should be a multiple of {m}")),
        _ => None,
    }
}

/// `minLength`, `maxLength` (in characters) and `pattern` of a string.
fn check_string(schema: &Value, text: &str) -> Option<String> {
    let chars = text.chars().count() as u64;
    if let Some(max) = schema.get("maxLength").and_then(Value::as_u64) {
        if chars > max {
            return Some(format!("should be at most {max} chars long"));
        }
    }
    if let Some(min) = schema.get("minLength").and_then(Value::as_u64) {
        if chars < min {
            return Some(format!("should be at least {min} chars long"));
        }
    }
    let pattern = schema.get("pattern").and_then(Value::as_str)?;
    match regex::Regex::new(pattern) {
        Ok(re) if re.is_match(text) => None,
        Ok(_) => Some(format!("should match '{pattern}'")),
        Err(_) => Some(format!("cannot be checked: the pattern '{pattern}' is not a regular expression")),
    }
}

fn check_items(schema: &Value, items: &[Value], path: &mut Vec<Segment>) -> Result<(), FieldError> {
    let field = FieldPath(path.clone()).to_string();
    let count = items.len() as u64;
    if schema.get("maxItems").and_then(Value::as_u64).is_some_and(|max| count > max) {
        return fail(&field, format!("Too many: {count}: must have at most {} items", schema["maxItems"]));
    }
    if schema.get("minItems").and_then(Value::as_u64).is_some_and(|min| count < min) {
        return fail(
            &field,
            format!(
                "Invalid value: {count}: {field} in body should have at least {} items",
                schema["minItems"]
            ),
        );
    }
    if schema.get("uniqueItems").and_then(Value::as_bool) == Some(true) {
        if let Some(i) = (1..items.len()).find(|&i| items[..i].contains(&items[i])) {
            return fail(&format!("{field}[{i}]"), format!("Duplicate value: {}", show(&items[i])));
        }
    }
    let Some(item_schema) = schema.get("items") else { return Ok(()) };
    for (i, v) in items.iter().enumerate() {
        path.push(Segment::Index(i));
        check_schema(item_schema, v, path, false)?;
        path.pop();
    }
    Ok(())
}

fn check_properties(
    schema: &Value,
    m: &Map<String, Value>,
    path: &mut Vec<Segment>,
    root: bool,
) -> Result<(), FieldError> {
    let field = FieldPath(path.clone()).to_string();
    for name in
        schema.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str)
    {
        if !m.contains_key(name) {
            return fail(&crate::validate::field::join(&field, name), "Required value");
        }
    }
    let count = m.len() as u64;
    if schema.get("maxProperties").and_then(Value::as_u64).is_some_and(|max| count > max) {
        return fail(
            &field,
            format!("Too many: {count}: must have at most {} items", schema["maxProperties"]),
        );
    }
    if schema.get("minProperties").and_then(Value::as_u64).is_some_and(|min| count < min) {
        return fail(
            &field,
            format!(
                "Invalid value: {count}: {field} in body should have at least {} properties",
                schema["minProperties"]
            ),
        );
    }
    let properties = schema.get("properties").and_then(Value::as_object);
    let additional = schema.get("additionalProperties").filter(|a| a.is_object());
    for (k, v) in m {
        if root && matches!(k.as_str(), "apiVersion" | "kind" | "metadata") {
            continue;
        }
        let Some(s) = properties.and_then(|p| p.get(k)).or(additional) else { continue };
        path.push(Segment::Key(k.clone()));
        check_schema(s, v, path, false)?;
        path.pop();
    }
    Ok(())
}

fn schema_type(schema: &Value) -> Option<&str> {
    schema.get("type").and_then(Value::as_str)
}

/// Whether a JSON value is of an OpenAPI type (an integral number is also a `number`).
fn has_type(value: &Value, t: &str) -> bool {
    match t {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        _ => true,
    }
}

/// The OpenAPI type name of a JSON value.
fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Fields the structural schema does not know (upstream prunes them; strict validation
/// refuses them). `apiVersion`, `kind` and `metadata` are always known at the root.
fn unknown_fields(
    schema: &Value,
    value: &Value,
    path: &mut Vec<Segment>,
    root: bool,
    out: &mut Vec<FieldPath>,
) {
    if schema.get("x-kubernetes-preserve-unknown-fields").and_then(Value::as_bool) == Some(true) {
        return;
    }
    match value {
        Value::Object(m) => {
            let properties = schema.get("properties").and_then(Value::as_object);
            let additional = schema.get("additionalProperties");
            for (k, v) in m {
                if root && matches!(k.as_str(), "apiVersion" | "kind" | "metadata") {
                    continue;
                }
                path.push(Segment::Key(k.clone()));
                match (properties.and_then(|p| p.get(k)), additional) {
                    (Some(s), _) => unknown_fields(s, v, path, false, out),
                    (None, Some(Value::Bool(true))) => {}
                    (None, Some(s @ Value::Object(_))) => unknown_fields(s, v, path, false, out),
                    (None, _)
                        if properties.is_some()
                            || schema.get("type").and_then(Value::as_str) == Some("object") =>
                    {
                        out.push(FieldPath(path.clone()))
                    }
                    (None, _) => {}
                }
                path.pop();
            }
        }
        Value::Array(items) => {
            if let Some(s) = schema.get("items") {
                for (i, v) in items.iter().enumerate() {
                    path.push(Segment::Index(i));
                    unknown_fields(s, v, path, false, out);
                    path.pop();
                }
            }
        }
        _ => {}
    }
}

fn remove_at(obj: &mut Value, path: &[Segment]) {
    let Some((Segment::Key(last), parents)) = path.split_last() else { return };
    let mut cur = obj;
    for s in parents {
        let next = match s {
            Segment::Key(k) => cur.get_mut(k.as_str()),
            Segment::Index(i) => cur.get_mut(*i),
        };
        match next {
            Some(n) => cur = n,
            None => return,
        }
    }
    if let Some(m) = cur.as_object_mut() {
        m.shift_remove(last);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn crd(scope: &str) -> Value {
        json!({
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "crontabs.stable.example.com"},
            "spec": {"group": "stable.example.com", "scope": scope,
                "names": {"plural": "crontabs", "singular": "crontab", "kind": "CronTab", "shortNames": ["ct"]},
                "versions": [{"name": "v1", "served": true, "storage": true, "schema": {"openAPIV3Schema": {
                    "type": "object", "properties": {"spec": {"type": "object", "properties": {
                        "cronSpec": {"type": "string"}, "image": {"type": "string"},
                        "replicas": {"type": "integer", "minimum": 1, "maximum": 10},
                        "port": {"x-kubernetes-int-or-string": true},
                        "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}}}}}]}
        })
    }

    fn crontab(spec: Value) -> Value {
        json!({"apiVersion": "stable.example.com/v1", "kind": "CronTab", "metadata": {"name": "c"}, "spec": spec})
    }

    fn registry(scope: &str) -> Registry {
        let mut r = Registry::default();
        r.add(&crd(scope));
        r
    }

    #[test]
    fn kinds_resolve_by_every_name() {
        let r = registry("Namespaced");
        for typed in ["crontabs", "crontab", "CronTab", "ct", "crontabs.stable.example.com"] {
            assert_eq!(r.resolve(typed).map(|k| k.kind.as_str()), Some("CronTab"), "{typed}");
        }
        assert!(r.resolve("crontabs.other.io").is_none());
        assert!(!registry("Cluster").resolve("ct").unwrap().namespaced);
    }

    /// apiextensions `TestValidateCustomResource`-style cases: types, bounds, int-or-string,
    /// preserved unknown fields, unknown fields refused.
    #[test]
    fn custom_resources_follow_the_schema() {
        let r = registry("Namespaced");
        let k = r.find("stable.example.com/v1", "CronTab").unwrap();
        let check = |spec: Value| {
            validate(k, &mut crontab(spec), FieldValidation::Strict).map(|_| ()).map_err(|e| e.field)
        };
        assert_eq!(
            check(json!({"cronSpec": "* * * * */5", "replicas": 3, "port": "http", "extra": {"any": 1}})),
            Ok(())
        );
        assert_eq!(check(json!({"replicas": 11})), Err("spec.replicas".to_string()));
        assert_eq!(check(json!({"image": 5})), Err("spec.image".to_string()));
        assert_eq!(check(json!({"port": true})), Err("spec.port".to_string()));
        assert_eq!(check(json!({"imagez": "x"})), Err("spec.imagez".to_string()));
        let mut warned = crontab(json!({"imagez": "x"}));
        assert_eq!(validate(k, &mut warned, FieldValidation::Warn).unwrap()[0].to_string(), "spec.imagez");
        assert_eq!(warned["spec"], json!({}));
    }

    #[test]
    fn an_unserved_version_is_no_match() {
        let r = registry("Namespaced");
        let k = r.find("stable.example.com/v2", "CronTab").unwrap();
        let mut obj = crontab(json!({}));
        obj["apiVersion"] = json!("stable.example.com/v2");
        assert_eq!(
            validate(k, &mut obj, FieldValidation::Strict).unwrap_err().message,
            "no matches for kind \"CronTab\" in version \"stable.example.com/v2\""
        );
    }
}
