//! `konverge get` as kubectl reads it: the argument forms (`KIND [NAME…]`, `KIND,KIND`, `all`,
//! `TYPE/NAME…`), the selection (`-l`, `--field-selector`), the order (`--sort-by`) and the
//! output (`-o wide|yaml|json|name|jsonpath=…|jsonpath-file=…|custom-columns=…|
//! custom-columns-file=…`, `--no-headers`, `-L`, `--show-labels`).
//!
//! Tables come from [`crate::printers`]; when several kinds are asked for, each kind prints its
//! own table (a blank line between them) and names read `kind.group/name`, as kubectl's
//! `get all` does. JSONPath is [`crate::jsonpath`]'s.

use crate::jsonpath::{self, Template};
use crate::model::{self, KindInfo, ObjKey};
use crate::printers;
use crate::render;
use crate::selector::Selector;
use crate::state::State;
use anyhow::{anyhow, bail, Result};
use serde_json::{json, Value};
use std::borrow::Cow;

/// The kinds of kubectl's `all` category, in the API server's discovery order.
pub const ALL_CATEGORY: &[&str] = &[
    "Pod",
    "ReplicationController",
    "Service",
    "DaemonSet",
    "Deployment",
    "ReplicaSet",
    "StatefulSet",
    "CronJob",
    "Job",
];

/// How `get` prints (`-o`).
#[derive(Debug, Clone)]
pub enum Output {
    Table,
    Wide,
    Yaml,
    Json,
    Name,
    JsonPath(Template),
    CustomColumns(Vec<(String, Template)>),
}

impl Output {
    /// Read `-o`'s value; the `-file` forms read their file now.
    pub fn parse(value: &str) -> Result<Output, String> {
        let (format, arg) = value.split_once('=').map_or((value, None), |(f, a)| (f, Some(a)));
        let file = |path: Option<&str>| -> Result<String, String> {
            let path = path
                .filter(|p| !p.is_empty())
                .ok_or(format!("{format} format specified but no file given"))?;
            std::fs::read_to_string(path).map_err(|e| format!("error reading {path}: {e}"))
        };
        let template =
            |text: &str| Template::parse(text).map_err(|e| format!("error parsing jsonpath {text}, {e}"));
        match (format, arg) {
            ("wide", None) => Ok(Output::Wide),
            ("yaml", None) => Ok(Output::Yaml),
            ("json", None) => Ok(Output::Json),
            ("name", None) => Ok(Output::Name),
            ("jsonpath", Some(t)) if !t.is_empty() => Ok(Output::JsonPath(template(t)?)),
            ("jsonpath", _) => Err("template format specified but no template given".into()),
            ("jsonpath-file", path) => Ok(Output::JsonPath(template(&file(path)?)?)),
            ("custom-columns", Some(spec)) if !spec.is_empty() => {
                Ok(Output::CustomColumns(columns_spec(spec)?))
            }
            ("custom-columns", _) => {
                Err("custom-columns format specified but no custom columns given".into())
            }
            ("custom-columns-file", path) => Ok(Output::CustomColumns(columns_file(&file(path)?)?)),
            _ => Err(format!(
                "unable to match a printer suitable for the output format {value:?}, allowed formats are: \
                 custom-columns,custom-columns-file,json,jsonpath,jsonpath-file,name,wide,yaml"
            )),
        }
    }
}

/// `HEADER:PATH,HEADER:PATH`.
fn columns_spec(spec: &str) -> Result<Vec<(String, Template)>, String> {
    spec.split(',')
        .map(|part| {
            let (header, path) = part.split_once(':').ok_or(format!(
                "unexpected custom-columns spec: {part}, expected <header>:<json-path-expr>"
            ))?;
            Ok((header.to_string(), Template::parse_relaxed(path)?))
        })
        .collect()
}

/// A custom-columns file: a line of headers, then a line of paths, separated by blanks.
fn columns_file(text: &str) -> Result<Vec<(String, Template)>, String> {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let headers: Vec<&str> = lines.next().unwrap_or("").split_whitespace().collect();
    let paths: Vec<&str> = lines.next().unwrap_or("").split_whitespace().collect();
    if headers.len() != paths.len() {
        return Err(format!("expected {} columns, got {}", headers.len(), paths.len()));
    }
    headers.iter().zip(paths).map(|(h, p)| Ok((h.to_string(), Template::parse_relaxed(p)?))).collect()
}

/// One kind to read, with the names asked for (none: every object of the kind).
#[derive(Debug)]
pub struct Request {
    pub info: &'static KindInfo,
    pub names: Vec<String>,
}

/// The requests the arguments make, and whether several kinds were asked for (names then
/// read `kind.group/name`). `resolve` turns what the user typed into a kind.
pub fn requests(
    args: &[String],
    resolve: impl Fn(&str) -> Result<&'static KindInfo>,
) -> Result<(Vec<Request>, bool)> {
    let Some((first, rest)) = args.split_first() else {
        bail!("You must specify the type of resource to get. Use \"konverge api-resources\" for a complete list of supported resources.");
    };
    if first.contains('/') {
        let mut requests: Vec<Request> = Vec::new();
        for arg in args {
            let (kind, name) = arg.split_once('/').filter(|(k, n)| !k.is_empty() && !n.is_empty()).ok_or_else(|| {
                anyhow!("there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'konverge get resource/<resource_name>' instead of 'konverge get resource resource/<resource_name>'")
            })?;
            let info = resolve(kind)?;
            match requests.iter_mut().find(|r| std::ptr::eq(r.info, info)) {
                Some(r) => r.names.push(name.to_string()),
                None => requests.push(Request { info, names: vec![name.to_string()] }),
            }
        }
        let several = requests.len() > 1;
        return Ok((requests, several));
    }
    let mut requests = Vec::new();
    for typed in first.split(',').filter(|t| !t.is_empty()) {
        if typed == "all" {
            for kind in ALL_CATEGORY {
                requests.push(Request { info: resolve(kind)?, names: rest.to_vec() });
            }
        } else {
            requests.push(Request { info: resolve(typed)?, names: rest.to_vec() });
        }
    }
    let several = first.contains(',') || first == "all";
    Ok((requests, several))
}

/// How `get` selects, orders and prints.
#[derive(Debug, Default)]
pub struct Options {
    pub output: Option<Output>,
    pub selector: Option<String>,
    pub field_selector: Option<String>,
    /// `None`: all namespaces.
    pub namespace: Option<String>,
    pub show_labels: bool,
    pub no_headers: bool,
    pub sort_by: Option<String>,
    pub label_columns: Vec<String>,
}

/// `get`'s output (stdout), and kubectl's `No resources found …` note (stderr) when nothing
/// matched.
pub struct Printed {
    pub stdout: String,
    pub note: Option<String>,
    /// kubectl prints what it found, then a NotFound error for each name it did not (exit 1).
    pub missing: Vec<anyhow::Error>,
}

/// Read, select, order and print what `requests` ask for.
pub fn get(s: &State, requests: &[Request], several: bool, opts: &Options) -> Result<Printed> {
    let selector = opts
        .selector
        .as_deref()
        .map(Selector::parse)
        .transpose()
        .map_err(|e| anyhow!("unable to parse requirement: {}: {}", e.field, e.message))?;
    let fields = opts.field_selector.as_deref().map(FieldSelector::parse).transpose()?;
    let sort = opts.sort_by.as_deref().map(Template::parse_relaxed).transpose().map_err(|e| anyhow!(e))?;
    let mut selected: Vec<(&KindInfo, Vec<Cow<Value>>)> = Vec::new();
    let mut missing: Vec<anyhow::Error> = Vec::new();
    for r in requests {
        let mut objects = select(s, r, opts.namespace.as_deref(), selector.as_ref(), &mut missing);
        if let Some(fields) = &fields {
            fields.check(r.info)?;
            objects.retain(|o| fields.matches(o));
        }
        selected.push((r.info, objects));
    }
    let mut groups: Vec<(&KindInfo, Vec<&Value>)> = Vec::new();
    for (info, objects) in &selected {
        let mut objects: Vec<&Value> = objects.iter().map(|o| o.as_ref()).collect();
        if let Some(sort) = &sort {
            sort_objects(&mut objects, sort, opts.sort_by.as_deref().unwrap_or(""))?;
        }
        groups.push((*info, objects));
    }
    let single = !several && requests.len() == 1 && requests[0].names.len() == 1;
    let all: Vec<&Value> = groups.iter().flat_map(|(_, objs)| objs.iter().copied()).collect();
    let stdout = match &opts.output {
        _ if all.is_empty() && !missing.is_empty() => String::new(),
        Some(Output::Json) | Some(Output::Yaml) | Some(Output::JsonPath(_)) => {
            let doc = if single && all.len() == 1 { all[0].clone() } else { list(&all) };
            match &opts.output {
                Some(Output::Json) => format!("{}\n", serde_json::to_string_pretty(&doc)?),
                Some(Output::Yaml) => printers::yaml::to_yaml(&doc),
                Some(Output::JsonPath(t)) => t.execute(&doc, true).map_err(|e| anyhow!("{e}"))?,
                _ => String::new(),
            }
        }
        Some(Output::Name) => {
            all.iter().map(|o| format!("{}\n", printers::name_of(&ObjKey::of(o)))).collect()
        }
        Some(Output::CustomColumns(columns)) => {
            if all.is_empty() {
                String::new()
            } else {
                render::table(&custom_columns(columns, &all, opts.no_headers)?)
            }
        }
        Some(Output::Table) | Some(Output::Wide) | None => {
            let tables: Vec<String> = groups
                .iter()
                .filter(|(_, objs)| !objs.is_empty())
                .map(|(info, objs)| render::table(&table(s, info, objs, several, opts)))
                .collect();
            tables.join("\n")
        }
    };
    let note = all.is_empty().then(|| match &opts.namespace {
        Some(ns) if requests.iter().any(|r| r.info.namespaced) => {
            format!("No resources found in {ns} namespace.")
        }
        _ => "No resources found".to_string(),
    });
    let note =
        note.filter(|_| missing.is_empty() && !matches!(opts.output, Some(Output::Json | Output::Yaml)));
    Ok(Printed { stdout, note, missing })
}

/// kubectl's `v1 List`.
fn list(items: &[&Value]) -> Value {
    json!({"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": items})
}

/// The objects of one request: the names asked for (a NotFound error in `missing` for each
/// missing one) or every object of the kind the label selector matches.
fn select<'a>(
    s: &'a State,
    r: &Request,
    namespace: Option<&'a str>,
    selector: Option<&Selector>,
    missing: &mut Vec<anyhow::Error>,
) -> Vec<Cow<'a, Value>> {
    let ns = if r.info.namespaced { namespace } else { Some("") };
    if r.names.is_empty() {
        let mut all = s.values_of(r.info.kind, ns);
        all.retain(|o| selector.is_none_or(|sel| sel.matches(&model::labels(o))));
        return all;
    }
    let mut found = Vec::new();
    for n in &r.names {
        let key =
            ObjKey::new(r.info.kind, if r.info.namespaced { namespace.unwrap_or("default") } else { "" }, n);
        match s.lookup(&key) {
            Some(o) => found.push(o),
            None => missing.push(not_found(r.info, n)),
        }
    }
    found
}

/// kubectl's NotFound: `Error from server (NotFound): deployments.apps "x" not found`.
pub fn not_found(info: &KindInfo, name: &str) -> anyhow::Error {
    anyhow!("Error from server (NotFound): {} {name:?} not found", resource_plural(info))
}

/// The plural resource with its group, as the API server names it: `pods`,
/// `deployments.apps`, `crontabs.stable.example.com`.
pub fn resource_plural(info: &KindInfo) -> String {
    match info.served.first().and_then(|v| v.rsplit_once('/')) {
        Some((group, _)) => format!("{}.{group}", info.plural),
        None => info.plural.to_string(),
    }
}

/// The printers' table, decorated as kubectl does: `kind.group/name` names when several kinds
/// print, `-L` columns, `--show-labels`, `--no-headers`.
fn table(s: &State, info: &KindInfo, objects: &[&Value], several: bool, opts: &Options) -> Vec<Vec<String>> {
    let wide = matches!(opts.output, Some(Output::Wide));
    let all_namespaces = opts.namespace.is_none();
    let mut rows = printers::rows(info.kind, objects, s.now, wide, all_namespaces, false);
    let name_column = usize::from(all_namespaces && info.namespaced);
    for (i, row) in rows.iter_mut().enumerate() {
        let obj = i.checked_sub(1).map(|o| objects[o]);
        if several && info.kind != "Event" {
            if let (Some(obj), Some(cell)) = (obj, row.get_mut(name_column)) {
                *cell = printers::name_of(&ObjKey::of(obj));
            }
        }
        for label in &opts.label_columns {
            row.push(match obj {
                None => label.rsplit('/').next().unwrap_or(label).to_uppercase(),
                Some(o) => {
                    model::labels(o).into_iter().find(|(k, _)| k == label).map(|(_, v)| v).unwrap_or_default()
                }
            });
        }
        if opts.show_labels {
            row.push(match obj {
                None => "LABELS".into(),
                Some(o) => printers::format_labels(model::at(o, &["metadata", "labels"])),
            });
        }
    }
    if opts.no_headers {
        rows.remove(0);
    }
    rows
}

/// `-o custom-columns`: headers as given, each cell the path's values (Go's `%v`) joined by
/// commas, `<none>` when it has none.
fn custom_columns(
    columns: &[(String, Template)],
    objects: &[&Value],
    no_headers: bool,
) -> Result<Vec<Vec<String>>> {
    let mut rows = Vec::new();
    if !no_headers {
        rows.push(columns.iter().map(|(h, _)| h.clone()).collect());
    }
    for obj in objects {
        let mut row = Vec::new();
        for (_, path) in columns {
            let values = path.values(obj, true).map_err(|e| anyhow!("{e}"))?;
            row.push(if values.is_empty() {
                "<none>".to_string()
            } else {
                values.iter().map(|v| jsonpath::go_text(v)).collect::<Vec<_>>().join(",")
            });
        }
        rows.push(row);
    }
    Ok(rows)
}

/// `--sort-by`: by the path's first value (kubectl's `isLess`); objects without it first. The
/// sort is stable, so equal values keep the store's order.
fn sort_objects(objects: &mut Vec<&Value>, path: &Template, typed: &str) -> Result<()> {
    let mut keyed: Vec<(Option<Cow<'_, Value>>, &Value)> = Vec::new();
    for &o in objects.iter() {
        let first = path.values(o, true).map_err(|e| anyhow!("{e}"))?.into_iter().next();
        keyed.push((first, o));
    }
    if !objects.is_empty() && keyed.iter().all(|(k, _)| k.is_none()) {
        let relaxed = typed.trim_start_matches('{').trim_end_matches('}').trim_start_matches('.');
        bail!("couldn't find any field with path \"{{.{relaxed}}}\" in the list of objects");
    }
    keyed.sort_by(|(a, _), (b, _)| match (a, b) {
        (None, None) => std::cmp::Ordering::Equal,
        (None, Some(_)) => std::cmp::Ordering::Less,
        (Some(_), None) => std::cmp::Ordering::Greater,
        (Some(a), Some(b)) => jsonpath::sort_order(a, b),
    });
    *objects = keyed.into_iter().map(|(_, o)| o).collect();
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Field selectors

/// `--field-selector`: `field=value`, `field==value`, `field!=value`, comma-ANDed.
#[derive(Debug)]
pub struct FieldSelector {
    text: String,
    terms: Vec<(String, bool, String)>,
}

impl FieldSelector {
    pub fn parse(text: &str) -> Result<FieldSelector> {
        let mut terms = Vec::new();
        for term in text.split(',').filter(|t| !t.is_empty()) {
            let (field, equal, value) = if let Some((f, v)) = term.split_once("!=") {
                (f, false, v)
            } else if let Some((f, v)) = term.split_once("==").or_else(|| term.split_once('=')) {
                (f, true, v)
            } else {
                bail!("invalid selector: '{text}'; can't understand '{term}'");
            };
            terms.push((field.trim().to_string(), equal, value.trim().to_string()));
        }
        Ok(FieldSelector { text: text.to_string(), terms })
    }

    /// The API server refuses fields it does not index for the kind.
    fn check(&self, info: &KindInfo) -> Result<()> {
        for (field, _, _) in &self.terms {
            if !supported_fields(info.kind).contains(&field.as_str()) {
                bail!(
                    "Error from server (BadRequest): Unable to find \"{}\" that match label selector \"\", field selector \"{}\": field label not supported: {field}",
                    resource_plural(info),
                    self.text
                );
            }
        }
        Ok(())
    }

    fn matches(&self, obj: &Value) -> bool {
        self.terms.iter().all(|(field, equal, value)| (field_value(obj, field) == *value) == *equal)
    }
}

/// The fields the API server lets a kind be selected by (each kind's `GetAttrs`).
fn supported_fields(kind: &str) -> &'static [&'static str] {
    match kind {
        "Pod" => &[
            "metadata.name",
            "metadata.namespace",
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "spec.hostNetwork",
            "status.phase",
            "status.podIP",
            "status.nominatedNodeName",
        ],
        "Node" => &["metadata.name", "spec.unschedulable"],
        "ReplicaSet" | "ReplicationController" => &["metadata.name", "metadata.namespace", "status.replicas"],
        "Job" => &["metadata.name", "metadata.namespace", "status.successful"],
        "Namespace" => &["metadata.name", "status.phase"],
        "Secret" => &["metadata.name", "metadata.namespace", "type"],
        "Event" => &[
            "metadata.name",
            "metadata.namespace",
            "involvedObject.kind",
            "involvedObject.namespace",
            "involvedObject.name",
            "involvedObject.uid",
            "involvedObject.apiVersion",
            "involvedObject.resourceVersion",
            "involvedObject.fieldPath",
            "reason",
            "reportingComponent",
            "source",
            "type",
        ],
        _ => &["metadata.name", "metadata.namespace"],
    }
}

/// A field's value as the API server's field set holds it (strings; booleans and counts as
/// their text, missing as the zero value).
fn field_value(obj: &Value, field: &str) -> String {
    let path: Vec<&str> = field.split('.').collect();
    match model::at(obj, &path) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Number(n)) => n.to_string(),
        _ => match field {
            "spec.hostNetwork" | "spec.unschedulable" => "false".into(),
            "status.replicas" | "status.successful" => "0".into(),
            "source" => model::str_at(obj, &["source", "component"]).to_string(),
            _ => String::new(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_selectors_match_and_refuse_like_the_api_server() -> Result<()> {
        let pod = json!({"kind": "Pod", "metadata": {"name": "a", "namespace": "default"},
                         "spec": {"nodeName": "n1"}, "status": {"phase": "Running"}});
        let sel = FieldSelector::parse("status.phase=Running,spec.nodeName!=n2")?;
        assert!(sel.matches(&pod));
        assert!(!FieldSelector::parse("status.phase==Pending")?.matches(&pod));
        assert!(FieldSelector::parse("spec.hostNetwork=false")?.matches(&pod));
        let info = model::kind_info("Deployment").ok_or_else(|| anyhow!("no Deployment kind"))?;
        let err = FieldSelector::parse("status.phase=Running")?.check(info).unwrap_err().to_string();
        assert!(err.ends_with("field label not supported: status.phase"), "{err}");
        assert!(FieldSelector::parse("oops").is_err());
        Ok(())
    }

    #[test]
    fn custom_columns_specs_and_files() -> Result<()> {
        let cols =
            columns_spec("Name:metadata.name,Image:spec.containers[0].image").map_err(|e| anyhow!(e))?;
        assert_eq!(cols.iter().map(|(h, _)| h.as_str()).collect::<Vec<_>>(), ["Name", "Image"]);
        assert!(columns_spec("Name").is_err());
        let cols = columns_file("NAME   RSRC\nmetadata.name   metadata.resourceVersion\n")
            .map_err(|e| anyhow!(e))?;
        assert_eq!(cols.len(), 2);
        assert!(columns_file("A B\n.x\n").is_err());
        assert!(matches!(Output::parse("wide"), Ok(Output::Wide)));
        assert!(Output::parse("table").is_err());
        assert!(Output::parse("jsonpath=").is_err());
        Ok(())
    }

    #[test]
    fn argument_forms() -> Result<()> {
        let resolve = |t: &str| model::resolve_kind(t).ok_or_else(|| anyhow!("unknown {t}"));
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let (r, several) = requests(&args(&["rs,deploy"]), resolve)?;
        assert_eq!(r.iter().map(|r| r.info.kind).collect::<Vec<_>>(), ["ReplicaSet", "Deployment"]);
        assert!(several);
        let (r, several) = requests(&args(&["deploy/x", "rs/y", "deploy/z"]), resolve)?;
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].names, ["x", "z"]);
        assert!(several);
        let (r, several) = requests(&args(&["pods", "a", "b"]), resolve)?;
        assert_eq!((r.len(), r[0].names.len(), several), (1, 2, false));
        let (r, _) = requests(&args(&["all"]), resolve)?;
        assert_eq!(r.len(), ALL_CATEGORY.len());
        assert!(requests(&args(&["pod/x", "y"]), resolve).is_err());
        Ok(())
    }
}
