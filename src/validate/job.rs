//! Job validation, with upstream's messages and field paths (`pkg/apis/batch/validation`:
//! `ValidateJob`, `validateJobSpec`, `validatePodFailurePolicy`, `validateSuccessPolicy`,
//! `ValidateJobSpecUpdate`). A manifest is checked before the API server defaults it, so an
//! unset field reads as its default (`defaults.rs`).

use super::checks::{non_negative_int, string_map};
use super::field::{fail, FieldError};
use super::pod::pod_spec;
use crate::model;
use crate::selector::Selector;
use serde_json::Value;

/// The most pods an Indexed Job may run at once (`maxParallelismForIndexedJob`).
const MAX_PARALLELISM_FOR_INDEXED_JOB: i64 = 100_000;
/// `maxFailedIndexesForIndexedJob`.
const MAX_FAILED_INDEXES_FOR_INDEXED_JOB: i64 = 100_000;
/// Above this many completions, a Job with `backoffLimitPerIndex` has tighter limits
/// (`completionsSoftLimit`, `parallelismLimitForHighCompletions`,
/// `maxFailedIndexesLimitForHighCompletions`).
const COMPLETIONS_SOFT_LIMIT: i64 = 100_000;
const PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS: i64 = 10_000;
const MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS: i64 = 10_000;
const MAX_POD_FAILURE_POLICY_RULES: usize = 20;
const MAX_ON_EXIT_CODES_VALUES: usize = 255;
const MAX_ON_POD_CONDITIONS_PATTERNS: usize = 20;
const MAX_SUCCESS_POLICY_RULES: usize = 20;
const MAX_SUCCEEDED_INDEXES_LENGTH: usize = 64 * 1024;

type Checked<T = ()> = Result<T, FieldError>;

pub(super) const KINDS: &[(&str, super::KindValidator)] = &[("Job", job)];

/// upstream `field.NotSupported`'s message.
fn unsupported<T>(field: &str, value: &str, supported: &[&str]) -> Checked<T> {
    let list: Vec<String> = supported.iter().map(|s| format!("{s:?}")).collect();
    fail(field, format!("Unsupported value: {value:?}: supported values: {}", list.join(", ")))
}

/// A new Job (upstream `ValidateJob`).
pub(super) fn job(obj: &Value) -> Checked {
    let Some(spec) = obj.get("spec").filter(|s| s.is_object()) else {
        return fail("spec", "required object");
    };
    generated_selector(obj, spec)?;
    job_spec(spec)?;
    selector(spec)?;
    indexed_pod_hostnames(obj, spec)
}

/// An update of a stored Job (upstream `ValidateJobSpecUpdate`; the new object itself is
/// checked by [`job`]): its immutable fields are unchanged.
pub(super) fn job_update(old: &Value, new: &Value) -> Checked {
    let (old_spec, spec) = (&old["spec"], &new["spec"]);
    let field = |s: &Value, k: &str| s.get(k).filter(|v| !v.is_null()).cloned();
    if field(spec, "completions") != field(old_spec, "completions") {
        let indexed = spec["completionMode"].as_str() == Some("Indexed");
        if !indexed {
            return fail("spec.completions", "field is immutable");
        }
        if field(spec, "completions") != field(spec, "parallelism") {
            let completions = spec["completions"].clone();
            return fail(
                "spec.completions",
                format!("Invalid value: {completions}: can only be modified in tandem with spec.parallelism"),
            );
        }
    }
    for k in ["selector"] {
        if field(spec, k) != field(old_spec, k) {
            return fail(&format!("spec.{k}"), "field is immutable");
        }
    }
    if template_changed(old, new) {
        return fail("spec.template", "field is immutable");
    }
    for k in ["completionMode", "podFailurePolicy", "backoffLimitPerIndex", "managedBy", "successPolicy"] {
        if field(spec, k) != field(old_spec, k) {
            return fail(&format!("spec.{k}"), "field is immutable");
        }
    }
    Ok(())
}

/// upstream `validatePodTemplateUpdate`: the template is immutable, except that a Job that is
/// suspended and never started may change where its pods run (node affinity, node selector,
/// tolerations, scheduling gates) and its template's labels and annotations.
fn template_changed(old: &Value, new: &Value) -> bool {
    let (mut before, mut after) = (old["spec"]["template"].clone(), new["spec"]["template"].clone());
    let suspended = old["spec"]["suspend"].as_bool() == Some(true);
    let never_started = model::at(old, &["status", "startTime"]).is_none_or(Value::is_null);
    if suspended && never_started {
        for t in [&mut before, &mut after] {
            if let Some(meta) = t.get_mut("metadata").and_then(Value::as_object_mut) {
                meta.remove("labels");
                meta.remove("annotations");
            }
            if let Some(pod) = t.get_mut("spec").and_then(Value::as_object_mut) {
                for k in ["nodeSelector", "tolerations", "schedulingGates"] {
                    pod.remove(k);
                }
                if let Some(affinity) = pod.get_mut("affinity").and_then(Value::as_object_mut) {
                    affinity.remove("nodeAffinity");
                    if affinity.is_empty() {
                        pod.remove("affinity");
                    }
                }
            }
        }
    }
    before != after
}

/// upstream `validateGeneratedSelector`: unless `manualSelector` is true, the selector is the
/// one the API server generates (`batch.kubernetes.io/controller-uid=<uid>`).
fn generated_selector(obj: &Value, spec: &Value) -> Checked {
    if spec["manualSelector"].as_bool() == Some(true) {
        return Ok(());
    }
    let Some(given) = spec.get("selector").filter(|s| !s.is_null()) else { return Ok(()) };
    let (uid, name) = (model::uid(obj), model::name(obj));
    let expected = [
        ("controller-uid", uid),
        ("job-name", name),
        ("batch.kubernetes.io/controller-uid", uid),
        ("batch.kubernetes.io/job-name", name),
    ];
    let expected: Vec<(String, String)> =
        expected.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let generated =
        !uid.is_empty() && Selector::from_label_selector(given).is_ok_and(|s| s.matches(&expected));
    if generated {
        Ok(())
    } else {
        fail(
            "spec.selector",
            format!("Invalid value: {given}: `selector` not auto-generated (set `manualSelector: true` to use a selector of your own)"),
        )
    }
}

/// upstream `ValidateJobSpec`'s selector checks: with `manualSelector` the selector is
/// required; a selector must select the template's labels.
fn selector(spec: &Value) -> Checked {
    let given = spec.get("selector").filter(|s| !s.is_null());
    let Some(given) = given else {
        if spec["manualSelector"].as_bool() == Some(true) {
            return fail("spec.selector", "Required value");
        }
        return Ok(());
    };
    let selector = Selector::from_label_selector(given)
        .map_err(|e| FieldError { field: format!("spec.selector.{}", e.field), message: e.message })?;
    let labels = string_map(spec, "template.metadata.labels")?;
    if spec["manualSelector"].as_bool() == Some(true) && !selector.matches(&labels) {
        return fail("spec.template.metadata.labels", "`selector` does not match template `labels`");
    }
    Ok(())
}

/// upstream `validateJobSpec`.
fn job_spec(spec: &Value) -> Checked {
    let int = |k: &str| -> Checked<Option<i64>> {
        match spec.get(k).filter(|v| !v.is_null()) {
            None => Ok(None),
            Some(v) => non_negative_int(&format!("spec.{k}"), v).map(Some),
        }
    };
    let parallelism = int("parallelism")?;
    let completions = int("completions")?;
    for k in ["activeDeadlineSeconds", "backoffLimit", "ttlSecondsAfterFinished"] {
        int(k)?;
    }
    let per_index = int("backoffLimitPerIndex")?;
    let max_failed = int("maxFailedIndexes")?;
    if max_failed.is_some() && per_index.is_none() {
        return fail("spec.backoffLimitPerIndex", "Required value: when maxFailedIndexes is specified");
    }
    let mode = match spec.get("completionMode").filter(|v| !v.is_null()) {
        None => "NonIndexed",
        Some(Value::String(s)) if s == "NonIndexed" || s == "Indexed" => s.as_str(),
        Some(other) => {
            let value = other.as_str().map_or_else(|| other.to_string(), str::to_string);
            return unsupported("spec.completionMode", &value, &["NonIndexed", "Indexed"]);
        }
    };
    if mode == "Indexed" {
        indexed_limits(completions, parallelism, per_index, max_failed)?;
    } else {
        if let Some(n) = per_index {
            return fail(
                "spec.backoffLimitPerIndex",
                format!("Invalid value: {n}: requires indexed completion mode"),
            );
        }
        if let Some(n) = max_failed {
            return fail(
                "spec.maxFailedIndexes",
                format!("Invalid value: {n}: requires indexed completion mode"),
            );
        }
    }
    let failure_policy = spec.get("podFailurePolicy").filter(|v| !v.is_null());
    if let Some(policy) = failure_policy {
        pod_failure_policy(spec, policy, per_index.is_some())?;
    }
    if let Some(policy) = spec.get("successPolicy").filter(|v| !v.is_null()) {
        if mode != "Indexed" {
            return fail("spec.successPolicy", "Invalid value: requires indexed completion mode");
        }
        success_policy(policy, completions.unwrap_or(0))?;
    }
    if let Some(p) = spec.get("podReplacementPolicy").filter(|v| !v.is_null()) {
        let value = p.as_str().unwrap_or("");
        match (failure_policy.is_some(), value) {
            (true, "Failed") | (false, "Failed" | "TerminatingOrFailed") => {}
            (true, _) => return unsupported("spec.podReplacementPolicy", value, &["Failed"]),
            (false, _) => {
                return unsupported("spec.podReplacementPolicy", value, &["Failed", "TerminatingOrFailed"])
            }
        }
    }
    if !spec.get("template").is_some_and(Value::is_object) {
        return fail("spec.template", "required object");
    }
    string_map(spec, "template.metadata.labels")
        .map_err(|e| FieldError { field: format!("spec.{}", e.field), message: e.message })?;
    pod_spec(spec, "template.spec")
        .map_err(|e| FieldError { field: format!("spec.{}", e.field), message: e.message })?;
    let restart_policy = spec["template"]["spec"]["restartPolicy"].as_str().unwrap_or("");
    match restart_policy {
        "" | "Always" => {
            fail("spec.template.spec.restartPolicy", r#"Required value: valid values: "OnFailure", "Never""#)
        }
        "OnFailure" if failure_policy.is_some() => fail(
            "spec.template.spec.restartPolicy",
            r#"Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified"#,
        ),
        _ => Ok(()),
    }
}

/// upstream `validateJobSpec` for `completionMode: Indexed`.
fn indexed_limits(
    completions: Option<i64>,
    parallelism: Option<i64>,
    per_index: Option<i64>,
    max_failed: Option<i64>,
) -> Checked {
    let Some(completions) = completions else {
        return fail("spec.completions", "Required value: when completion mode is Indexed");
    };
    if let Some(p) = parallelism.filter(|&p| p > MAX_PARALLELISM_FOR_INDEXED_JOB) {
        return fail(
            "spec.parallelism",
            format!("Invalid value: {p}: must be less than or equal to {MAX_PARALLELISM_FOR_INDEXED_JOB} when completion mode is Indexed"),
        );
    }
    if let Some(m) = max_failed {
        if m > completions {
            return fail(
                "spec.maxFailedIndexes",
                format!("Invalid value: {m}: must be less than or equal to completions"),
            );
        }
        if m > MAX_FAILED_INDEXES_FOR_INDEXED_JOB {
            return fail(
                "spec.maxFailedIndexes",
                format!(
                    "Invalid value: {m}: must be less than or equal to {MAX_FAILED_INDEXES_FOR_INDEXED_JOB}"
                ),
            );
        }
    }
    if completions > COMPLETIONS_SOFT_LIMIT && per_index.is_some() {
        let Some(m) = max_failed else {
            return fail(
                "spec.maxFailedIndexes",
                format!(
                    "Required value: must be specified when completions is above {COMPLETIONS_SOFT_LIMIT}"
                ),
            );
        };
        if let Some(p) = parallelism.filter(|&p| p > PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS) {
            return fail(
                "spec.parallelism",
                format!("Invalid value: {p}: must be less than or equal to {PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS} when completions are above {COMPLETIONS_SOFT_LIMIT} and used with backoff limit per index"),
            );
        }
        if m > MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS {
            return fail(
                "spec.maxFailedIndexes",
                format!("Invalid value: {m}: must be less than or equal to {MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS} when completions are above {COMPLETIONS_SOFT_LIMIT} and used with backoff limit per index"),
            );
        }
    }
    Ok(())
}

/// upstream `validatePodFailurePolicy` and its rules.
fn pod_failure_policy(spec: &Value, policy: &Value, per_index: bool) -> Checked {
    let path = "spec.podFailurePolicy.rules";
    let rules = match policy.get("rules") {
        None | Some(Value::Null) => return Ok(()),
        Some(Value::Array(rules)) => rules,
        Some(_) => return fail(path, "expected a list"),
    };
    if rules.len() > MAX_POD_FAILURE_POLICY_RULES {
        return fail(
            path,
            format!("Too many: {}: must have at most {MAX_POD_FAILURE_POLICY_RULES} items", rules.len()),
        );
    }
    let containers: Vec<&str> = ["containers", "initContainers"]
        .iter()
        .filter_map(|k| spec["template"]["spec"][k].as_array())
        .flatten()
        .map(|c| model::str_at(c, &["name"]))
        .collect();
    for (i, rule) in rules.iter().enumerate() {
        let rule_path = format!("{path}[{i}]");
        let actions = ["Count", "FailIndex", "FailJob", "Ignore"];
        match rule["action"].as_str().unwrap_or("") {
            "" => {
                return fail(
                    &format!("{rule_path}.action"),
                    r#"Required value: valid values: ["Count" "FailIndex" "FailJob" "Ignore"]"#,
                )
            }
            "FailIndex" if !per_index => {
                return fail(
                    &format!("{rule_path}.action"),
                    r#"Invalid value: "FailIndex": requires the backoffLimitPerIndex to be set"#,
                )
            }
            a if !actions.contains(&a) => return unsupported(&format!("{rule_path}.action"), a, &actions),
            _ => {}
        }
        let on_exit = rule.get("onExitCodes").filter(|v| !v.is_null());
        let on_conditions = rule["onPodConditions"].as_array().filter(|a| !a.is_empty());
        if let Some(on_exit) = on_exit {
            on_exit_codes(on_exit, &format!("{rule_path}.onExitCodes"), &containers)?;
        }
        if let Some(patterns) = on_conditions {
            on_pod_conditions(patterns, &format!("{rule_path}.onPodConditions"))?;
        }
        match (on_exit.is_some(), on_conditions.is_some()) {
            (true, true) => {
                return fail(
                    &rule_path,
                    "Invalid value: specifying both OnExitCodes and OnPodConditions is not supported",
                )
            }
            (false, false) => {
                return fail(
                    &rule_path,
                    "Invalid value: specifying one of OnExitCodes and OnPodConditions is required",
                )
            }
            _ => {}
        }
    }
    Ok(())
}

/// upstream `validatePodFailurePolicyRuleOnExitCodes`.
fn on_exit_codes(requirement: &Value, path: &str, containers: &[&str]) -> Checked {
    let operator = requirement["operator"].as_str().unwrap_or("");
    match operator {
        "" => return fail(&format!("{path}.operator"), r#"Required value: valid values: ["In" "NotIn"]"#),
        "In" | "NotIn" => {}
        other => return unsupported(&format!("{path}.operator"), other, &["In", "NotIn"]),
    }
    if let Some(name) = requirement["containerName"].as_str() {
        if !containers.contains(&name) {
            return fail(
                &format!("{path}.containerName"),
                format!("Invalid value: {name:?}: must be one of the container or initContainer names in the pod template"),
            );
        }
    }
    let values_path = format!("{path}.values");
    let values: Vec<i64> = match requirement.get("values") {
        Some(Value::Array(v)) => {
            let mut out = Vec::with_capacity(v.len());
            for (j, x) in v.iter().enumerate() {
                match x.as_i64().filter(|&n| i32::try_from(n).is_ok()) {
                    Some(n) => out.push(n),
                    None => {
                        return fail(
                            &format!("{values_path}[{j}]"),
                            format!("expected a 32-bit integer, got {x}"),
                        )
                    }
                }
            }
            out
        }
        _ => Vec::new(),
    };
    if values.is_empty() {
        return fail(&values_path, "Invalid value: []: at least one value is required");
    }
    if values.len() > MAX_ON_EXIT_CODES_VALUES {
        return fail(
            &values_path,
            format!("Too many: {}: must have at most {MAX_ON_EXIT_CODES_VALUES} items", values.len()),
        );
    }
    for (j, &v) in values.iter().enumerate() {
        if operator == "In" && v == 0 {
            return fail(
                &format!("{values_path}[{j}]"),
                "Invalid value: 0: must not be 0 for the In operator",
            );
        }
        if values[..j].contains(&v) {
            return fail(&format!("{values_path}[{j}]"), format!("Duplicate value: {v}"));
        }
    }
    if values.windows(2).any(|w| w[0] > w[1]) {
        return fail(&values_path, format!("Invalid value: {values:?}: must be ordered"));
    }
    Ok(())
}

/// upstream `validatePodFailurePolicyRuleOnPodConditions` (a missing status defaults to True).
fn on_pod_conditions(patterns: &[Value], path: &str) -> Checked {
    if patterns.len() > MAX_ON_POD_CONDITIONS_PATTERNS {
        return fail(
            path,
            format!("Too many: {}: must have at most {MAX_ON_POD_CONDITIONS_PATTERNS} items", patterns.len()),
        );
    }
    for (j, pattern) in patterns.iter().enumerate() {
        if pattern["type"].as_str().is_none_or(str::is_empty) {
            return fail(&format!("{path}[{j}].type"), "Required value: name part must be non-empty");
        }
        match pattern["status"].as_str() {
            None | Some("True" | "False" | "Unknown") => {}
            Some(other) => {
                return unsupported(&format!("{path}[{j}].status"), other, &["False", "True", "Unknown"])
            }
        }
    }
    Ok(())
}

/// upstream `validateSuccessPolicy` and its rules.
fn success_policy(policy: &Value, completions: i64) -> Checked {
    let path = "spec.successPolicy.rules";
    let rules = policy["rules"].as_array().map(Vec::as_slice).unwrap_or_default();
    if rules.is_empty() {
        return fail(
            path,
            "Required value: at least one rules must be specified when the successPolicy is specified",
        );
    }
    if rules.len() > MAX_SUCCESS_POLICY_RULES {
        return fail(
            path,
            format!("Too many: {}: must have at most {MAX_SUCCESS_POLICY_RULES} items", rules.len()),
        );
    }
    for (i, rule) in rules.iter().enumerate() {
        let rule_path = format!("{path}[{i}]");
        let indexes = rule.get("succeededIndexes").filter(|v| !v.is_null());
        let count = rule.get("succeededCount").filter(|v| !v.is_null());
        if indexes.is_none() && count.is_none() {
            return fail(
                &rule_path,
                "Required value: at least one of succeededCount or succeededIndexes must be specified",
            );
        }
        let mut total = 0;
        if let Some(indexes) = indexes {
            let text = indexes.as_str().unwrap_or("");
            let field = format!("{rule_path}.succeededIndexes");
            if text.len() > MAX_SUCCEEDED_INDEXES_LENGTH {
                return fail(
                    &field,
                    format!("Too long: may not be more than {MAX_SUCCEEDED_INDEXES_LENGTH} bytes"),
                );
            }
            total = index_list_total(text, completions).or_else(|e| {
                fail(&field, format!("Invalid value: {text:?}: error parsing succeededIndexes: {e}"))
            })?;
        }
        if let Some(count) = count {
            let field = format!("{rule_path}.succeededCount");
            let n = non_negative_int(&field, count)?;
            if n > completions {
                return fail(
                    &field,
                    format!("Invalid value: {n}: must be less than or equal to {completions} (the number of specified completions)"),
                );
            }
            if indexes.is_some() && n > total {
                return fail(
                    &field,
                    format!("Invalid value: {n}: must be less than or equal to {total} (the number of indexes in the specified succeededIndexes field)"),
                );
            }
        }
    }
    Ok(())
}

/// upstream `validateIndexesFormat`: how many indexes an interval list names, or why it is
/// not one (`"1,3-5"`: increasing, each below `completions`).
fn index_list_total(text: &str, completions: i64) -> Result<i64, String> {
    if text.is_empty() {
        return Ok(0);
    }
    let mut last: Option<i64> = None;
    let mut total = 0;
    for piece in text.split(',') {
        let (x, y) = index_interval(piece, completions)?;
        if let Some(prev) = last.filter(|&prev| prev >= x) {
            return Err(format!("non-increasing order, previous: {prev}, current: {x}"));
        }
        total += y - x + 1;
        last = Some(y);
    }
    Ok(total)
}

/// upstream `parseIndexInterval`.
fn index_interval(piece: &str, completions: i64) -> Result<(i64, i64), String> {
    let limits: Vec<&str> = piece.split('-').collect();
    if limits.len() > 2 {
        return Err(format!(
            "the fragment {piece:?} violates the requirement that an index interval can have at most two parts separated by '-'"
        ));
    }
    let number = |s: &str| -> Result<i64, String> {
        let n: i64 = s.parse().map_err(|_| format!("cannot convert string to integer for index: {s:?}"))?;
        if n >= completions {
            return Err(format!("too large index: {s:?}"));
        }
        Ok(n)
    };
    let x = number(limits[0])?;
    match limits.get(1) {
        None => Ok((x, x)),
        Some(y) => {
            let y = number(y)?;
            if x >= y {
                return Err(format!("non-increasing order, previous: {x}, current: {y}"));
            }
            Ok((x, y))
        }
    }
}

/// upstream `ValidateJob`: an Indexed Job's last pod hostname `<name>-<completions - 1>` must be
/// a DNS label.
fn indexed_pod_hostnames(obj: &Value, spec: &Value) -> Checked {
    let completions = spec["completions"].as_i64().unwrap_or(0);
    if spec["completionMode"].as_str() != Some("Indexed") || completions <= 0 {
        return Ok(());
    }
    let name = model::name(obj);
    let hostname = format!("{name}-{}", completions - 1);
    let label = hostname.len() <= 63
        && hostname.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !hostname.starts_with('-');
    if label {
        Ok(())
    } else {
        fail(
            "metadata.name",
            format!(
                "Invalid value: {name:?}: will not able to create pod with invalid DNS label: {hostname}"
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pi(spec: Value) -> Value {
        let mut j = json!({
            "apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "pi"},
            "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "pi", "image": "perl"}]}}},
        });
        for (k, v) in spec.as_object().into_iter().flatten() {
            j["spec"][k] = v.clone();
        }
        j
    }

    fn check(spec: Value) -> String {
        job(&pi(spec)).map_or_else(|e| format!("{}: {}", e.field, e.message), |_| "ok".into())
    }

    /// Cases of upstream `TestValidateJob` (the first error each reports).
    #[test]
    fn bad_jobs_like_upstream() {
        let pfp = |rules: Value| json!({"rules": rules});
        let cases: Vec<(&str, Value, &str)> = vec![
            ("valid", json!({"completions": 5, "parallelism": 2}), "ok"),
            ("negative parallelism", json!({"parallelism": -1}), "spec.parallelism: must be greater than or equal to 0"),
            ("negative completions", json!({"completions": -1}), "spec.completions: must be greater than or equal to 0"),
            ("negative backoffLimit", json!({"backoffLimit": -1}), "spec.backoffLimit: must be greater than or equal to 0"),
            (
                "negative activeDeadlineSeconds",
                json!({"activeDeadlineSeconds": -1}),
                "spec.activeDeadlineSeconds: must be greater than or equal to 0",
            ),
            (
                "restartPolicy Always",
                json!({"template": {"spec": {"restartPolicy": "Always", "containers": [{"name": "c", "image": "i"}]}}}),
                r#"spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never""#,
            ),
            (
                "restartPolicy unset",
                json!({"template": {"spec": {"containers": [{"name": "c", "image": "i"}]}}}),
                r#"spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never""#,
            ),
            (
                "Indexed without completions",
                json!({"completionMode": "Indexed"}),
                "spec.completions: Required value: when completion mode is Indexed",
            ),
            (
                "Indexed with too much parallelism",
                json!({"completionMode": "Indexed", "completions": 2, "parallelism": 100001}),
                "spec.parallelism: Invalid value: 100001: must be less than or equal to 100000 when completion mode is Indexed",
            ),
            (
                "unknown completion mode",
                json!({"completionMode": "Sideways"}),
                r#"spec.completionMode: Unsupported value: "Sideways": supported values: "NonIndexed", "Indexed""#,
            ),
            (
                "backoffLimitPerIndex without Indexed",
                json!({"backoffLimitPerIndex": 1}),
                "spec.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode",
            ),
            (
                "maxFailedIndexes without backoffLimitPerIndex",
                json!({"completionMode": "Indexed", "completions": 3, "maxFailedIndexes": 1}),
                "spec.backoffLimitPerIndex: Required value: when maxFailedIndexes is specified",
            ),
            (
                "maxFailedIndexes above completions",
                json!({"completionMode": "Indexed", "completions": 3, "backoffLimitPerIndex": 1, "maxFailedIndexes": 4}),
                "spec.maxFailedIndexes: Invalid value: 4: must be less than or equal to completions",
            ),
            (
                "high completions with backoffLimitPerIndex need maxFailedIndexes",
                json!({"completionMode": "Indexed", "completions": 100001, "backoffLimitPerIndex": 1}),
                "spec.maxFailedIndexes: Required value: must be specified when completions is above 100000",
            ),
            (
                "high completions with backoffLimitPerIndex limit parallelism",
                json!({"completionMode": "Indexed", "completions": 100001, "parallelism": 10001, "backoffLimitPerIndex": 1, "maxFailedIndexes": 1}),
                "spec.parallelism: Invalid value: 10001: must be less than or equal to 10000 when completions are above 100000 and used with backoff limit per index",
            ),
            (
                "high completions with backoffLimitPerIndex limit maxFailedIndexes",
                json!({"completionMode": "Indexed", "completions": 100001, "backoffLimitPerIndex": 1, "maxFailedIndexes": 10001}),
                "spec.maxFailedIndexes: Invalid value: 10001: must be less than or equal to 10000 when completions are above 100000 and used with backoff limit per index",
            ),
            (
                "pod failure policy with OnFailure",
                json!({"podFailurePolicy": pfp(json!([{"action": "FailJob", "onExitCodes": {"operator": "In", "values": [1]}}])),
                       "template": {"spec": {"restartPolicy": "OnFailure", "containers": [{"name": "pi", "image": "perl"}]}}}),
                r#"spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified"#,
            ),
            (
                "pod failure policy: 0 with In",
                json!({"podFailurePolicy": pfp(json!([{"action": "FailJob", "onExitCodes": {"operator": "In", "values": [0, 1]}}]))}),
                "spec.podFailurePolicy.rules[0].onExitCodes.values[0]: Invalid value: 0: must not be 0 for the In operator",
            ),
            (
                "pod failure policy: unordered values",
                json!({"podFailurePolicy": pfp(json!([{"action": "Ignore", "onExitCodes": {"operator": "NotIn", "values": [5, 2]}}]))}),
                "spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: [5, 2]: must be ordered",
            ),
            (
                "pod failure policy: duplicate values",
                json!({"podFailurePolicy": pfp(json!([{"action": "Ignore", "onExitCodes": {"operator": "In", "values": [2, 2]}}]))}),
                "spec.podFailurePolicy.rules[0].onExitCodes.values[1]: Duplicate value: 2",
            ),
            (
                "pod failure policy: unknown operator",
                json!({"podFailurePolicy": pfp(json!([{"action": "Ignore", "onExitCodes": {"operator": "Among", "values": [2]}}]))}),
                r#"spec.podFailurePolicy.rules[0].onExitCodes.operator: Unsupported value: "Among": supported values: "In", "NotIn""#,
            ),
            (
                "pod failure policy: unknown container",
                json!({"podFailurePolicy": pfp(json!([{"action": "Ignore", "onExitCodes": {"containerName": "x", "operator": "In", "values": [2]}}]))}),
                r#"spec.podFailurePolicy.rules[0].onExitCodes.containerName: Invalid value: "x": must be one of the container or initContainer names in the pod template"#,
            ),
            (
                "pod failure policy: unknown action",
                json!({"podFailurePolicy": pfp(json!([{"action": "Retry", "onExitCodes": {"operator": "In", "values": [2]}}]))}),
                r#"spec.podFailurePolicy.rules[0].action: Unsupported value: "Retry": supported values: "Count", "FailIndex", "FailJob", "Ignore""#,
            ),
            (
                "pod failure policy: FailIndex without backoffLimitPerIndex",
                json!({"podFailurePolicy": pfp(json!([{"action": "FailIndex", "onExitCodes": {"operator": "In", "values": [2]}}]))}),
                r#"spec.podFailurePolicy.rules[0].action: Invalid value: "FailIndex": requires the backoffLimitPerIndex to be set"#,
            ),
            (
                "pod failure policy: both requirements",
                json!({"podFailurePolicy": pfp(json!([{"action": "Ignore", "onExitCodes": {"operator": "In", "values": [2]},
                       "onPodConditions": [{"type": "DisruptionTarget"}]}]))}),
                "spec.podFailurePolicy.rules[0]: Invalid value: specifying both OnExitCodes and OnPodConditions is not supported",
            ),
            (
                "pod failure policy: no requirement",
                json!({"podFailurePolicy": pfp(json!([{"action": "Ignore"}]))}),
                "spec.podFailurePolicy.rules[0]: Invalid value: specifying one of OnExitCodes and OnPodConditions is required",
            ),
            (
                "pod failure policy: bad condition status",
                json!({"podFailurePolicy": pfp(json!([{"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget", "status": "Maybe"}]}]))}),
                r#"spec.podFailurePolicy.rules[0].onPodConditions[0].status: Unsupported value: "Maybe": supported values: "False", "True", "Unknown""#,
            ),
            (
                "pod failure policy with TerminatingOrFailed",
                json!({"podReplacementPolicy": "TerminatingOrFailed",
                       "podFailurePolicy": pfp(json!([{"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget"}]}]))}),
                r#"spec.podReplacementPolicy: Unsupported value: "TerminatingOrFailed": supported values: "Failed""#,
            ),
            (
                "success policy without Indexed",
                json!({"successPolicy": {"rules": [{"succeededCount": 1}]}}),
                "spec.successPolicy: Invalid value: requires indexed completion mode",
            ),
            (
                "success policy: no rules",
                json!({"completionMode": "Indexed", "completions": 3, "successPolicy": {"rules": []}}),
                "spec.successPolicy.rules: Required value: at least one rules must be specified when the successPolicy is specified",
            ),
            (
                "success policy: empty rule",
                json!({"completionMode": "Indexed", "completions": 3, "successPolicy": {"rules": [{}]}}),
                "spec.successPolicy.rules[0]: Required value: at least one of succeededCount or succeededIndexes must be specified",
            ),
            (
                "success policy: index too large",
                json!({"completionMode": "Indexed", "completions": 3, "successPolicy": {"rules": [{"succeededIndexes": "0-3"}]}}),
                r#"spec.successPolicy.rules[0].succeededIndexes: Invalid value: "0-3": error parsing succeededIndexes: too large index: "3""#,
            ),
            (
                "success policy: count above the indexes",
                json!({"completionMode": "Indexed", "completions": 5, "successPolicy": {"rules": [{"succeededIndexes": "0,2", "succeededCount": 3}]}}),
                "spec.successPolicy.rules[0].succeededCount: Invalid value: 3: must be less than or equal to 2 (the number of indexes in the specified succeededIndexes field)",
            ),
            (
                "success policy: count above completions",
                json!({"completionMode": "Indexed", "completions": 5, "successPolicy": {"rules": [{"succeededCount": 6}]}}),
                "spec.successPolicy.rules[0].succeededCount: Invalid value: 6: must be less than or equal to 5 (the number of specified completions)",
            ),
            (
                "own selector without manualSelector",
                json!({"selector": {"matchLabels": {"app": "pi"}}}),
                r#"spec.selector: Invalid value: {"matchLabels":{"app":"pi"}}: `selector` not auto-generated (set `manualSelector: true` to use a selector of your own)"#,
            ),
            ("manualSelector without selector", json!({"manualSelector": true}), "spec.selector: Required value"),
            (
                "manual selector not matching the template",
                json!({"manualSelector": true, "selector": {"matchLabels": {"app": "pi"}}}),
                "spec.template.metadata.labels: `selector` does not match template `labels`",
            ),
        ];
        for (name, spec, want) in cases {
            assert_eq!(check(spec), want, "{name}");
        }
    }

    #[test]
    fn indexed_hostnames_must_be_dns_labels() {
        let mut j = pi(json!({"completionMode": "Indexed", "completions": 10}));
        j["metadata"]["name"] = json!("a".repeat(62));
        let e = job(&j).unwrap_err();
        assert_eq!(e.field, "metadata.name");
        assert!(e.message.ends_with(&format!("invalid DNS label: {}-9", "a".repeat(62))), "{}", e.message);
    }

    /// upstream `TestValidateJobUpdate`: immutable fields, and the exceptions (elastic Indexed
    /// Jobs, scheduling directives of a suspended Job that never started).
    #[test]
    fn updates_like_upstream() {
        let stored = |spec: Value| {
            let mut j = pi(spec);
            j["metadata"]["uid"] = json!("u1");
            crate::defaults::job(&mut j);
            j
        };
        let update = |old: &Value, change: Value| {
            let mut new = old.clone();
            json_patch::merge(&mut new, &change);
            job_update(old, &new).map_or_else(|e| format!("{}: {}", e.field, e.message), |_| "ok".into())
        };
        let job = stored(json!({"completions": 3}));
        assert_eq!(update(&job, json!({"spec": {"parallelism": 5}})), "ok", "parallelism is mutable");
        assert_eq!(update(&job, json!({"spec": {"completions": 4}})), "spec.completions: field is immutable");
        assert_eq!(
            update(
                &job,
                json!({"spec": {"template": {"spec": {"containers": [{"name": "pi", "image": "perl:2"}]}}}})
            ),
            "spec.template: field is immutable"
        );
        let indexed = stored(json!({"completionMode": "Indexed", "completions": 3, "parallelism": 3}));
        assert_eq!(update(&indexed, json!({"spec": {"completions": 4, "parallelism": 4}})), "ok", "elastic");
        assert_eq!(
            update(&indexed, json!({"spec": {"completions": 4}})),
            "spec.completions: Invalid value: 4: can only be modified in tandem with spec.parallelism"
        );
        assert_eq!(
            update(&indexed, json!({"spec": {"completionMode": "NonIndexed"}})),
            "spec.completionMode: field is immutable"
        );
        let suspended = stored(json!({"suspend": true}));
        assert_eq!(
            update(&suspended, json!({"spec": {"template": {"spec": {"nodeSelector": {"zone": "a"}}}}})),
            "ok",
            "scheduling directives of a suspended Job that never started"
        );
        let mut started = suspended.clone();
        started["status"]["startTime"] = json!("2025-01-01T00:00:00Z");
        assert_eq!(
            update(&started, json!({"spec": {"template": {"spec": {"nodeSelector": {"zone": "a"}}}}})),
            "spec.template: field is immutable"
        );
    }

    /// upstream `TestValidateIndexesString`-style cases of `validateIndexesFormat`.
    #[test]
    fn index_lists() {
        assert_eq!(index_list_total("", 3), Ok(0));
        assert_eq!(index_list_total("0,2-4", 5), Ok(4));
        assert_eq!(index_list_total("1-2-3", 5).unwrap_err(), "the fragment \"1-2-3\" violates the requirement that an index interval can have at most two parts separated by '-'");
        assert_eq!(
            index_list_total("a", 5).unwrap_err(),
            "cannot convert string to integer for index: \"a\""
        );
        assert_eq!(index_list_total("2,1", 5).unwrap_err(), "non-increasing order, previous: 2, current: 1");
        assert_eq!(index_list_total("3-3", 5).unwrap_err(), "non-increasing order, previous: 3, current: 3");
        assert_eq!(index_list_total("7", 5).unwrap_err(), "too large index: \"7\"");
    }
}
