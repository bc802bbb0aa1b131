//! What the API server fills in when it admits a new Job (upstream `SetDefaults_Job` in
//! `pkg/apis/batch/v1/defaults.go` and the Job registry strategy's `generateSelector`), so
//! the stored object reads as a cluster would show it.

use crate::model;
use serde_json::{json, Map, Value};

/// Labels the API server gives a Job's pod template (and, through it, the Job's pods).
pub const JOB_NAME_LABEL: &str = "batch.kubernetes.io/job-name";
pub const CONTROLLER_UID_LABEL: &str = "batch.kubernetes.io/controller-uid";
pub const LEGACY_JOB_NAME_LABEL: &str = "job-name";
pub const LEGACY_CONTROLLER_UID_LABEL: &str = "controller-uid";

/// Default and complete a new Job whose `metadata.uid` is set:
/// - `completions` and `parallelism` 1 when both are unset, `parallelism` 1 when unset;
///   `backoffLimit` 6 (the largest int32 with `backoffLimitPerIndex`); `completionMode`
///   NonIndexed; `suspend` false; `manualSelector` false; `podReplacementPolicy` Failed with a
///   `podFailurePolicy`, TerminatingOrFailed without; an `onPodConditions` pattern's status True;
/// - unless `manualSelector`: the template gets the `job-name` and `controller-uid` labels
///   (prefixed and legacy) and the selector `batch.kubernetes.io/controller-uid=<uid>`;
/// - a Job without labels takes its template's: the template's own when it had some when the
///   request was decoded, else (the defaulting that runs again when the object is read back)
///   the generated ones;
/// - the status starts empty.
pub fn job(obj: &mut Value) {
    let name = model::name(obj).to_string();
    let uid = model::uid(obj).to_string();
    let template_labels_given =
        model::at(obj, &["spec", "template", "metadata", "labels"]).and_then(Value::as_object).cloned();
    let spec = model::obj_mut(obj, &["spec"]);
    let unset = |spec: &Map<String, Value>, k: &str| spec.get(k).is_none_or(Value::is_null);
    if unset(spec, "completions") && unset(spec, "parallelism") {
        spec.insert("completions".into(), json!(1));
    }
    if unset(spec, "parallelism") {
        spec.insert("parallelism".into(), json!(1));
    }
    if unset(spec, "backoffLimit") {
        let limit = if unset(spec, "backoffLimitPerIndex") { 6 } else { i64::from(i32::MAX) };
        spec.insert("backoffLimit".into(), json!(limit));
    }
    if unset(spec, "completionMode") {
        spec.insert("completionMode".into(), json!("NonIndexed"));
    }
    if unset(spec, "suspend") {
        spec.insert("suspend".into(), json!(false));
    }
    let has_failure_policy = !unset(spec, "podFailurePolicy");
    if let Some(rules) =
        spec.get_mut("podFailurePolicy").and_then(|p| p.get_mut("rules")).and_then(Value::as_array_mut)
    {
        let patterns =
            rules.iter_mut().filter_map(|r| r.get_mut("onPodConditions")).filter_map(Value::as_array_mut);
        for pattern in patterns.flatten().filter_map(Value::as_object_mut) {
            if pattern.get("status").and_then(Value::as_str).is_none_or(str::is_empty) {
                pattern.insert("status".into(), json!("True"));
            }
        }
    }
    if unset(spec, "podReplacementPolicy") {
        let policy = if has_failure_policy { "Failed" } else { "TerminatingOrFailed" };
        spec.insert("podReplacementPolicy".into(), json!(policy));
    }
    if unset(spec, "manualSelector") {
        spec.insert("manualSelector".into(), json!(false));
    }
    let manual = spec.get("manualSelector").and_then(Value::as_bool) == Some(true);
    if !manual {
        let labels = model::obj_mut(obj, &["spec", "template", "metadata", "labels"]);
        for (key, value) in [
            (LEGACY_JOB_NAME_LABEL, &name),
            (JOB_NAME_LABEL, &name),
            (LEGACY_CONTROLLER_UID_LABEL, &uid),
            (CONTROLLER_UID_LABEL, &uid),
        ] {
            labels.entry(key).or_insert_with(|| json!(value));
        }
        model::obj_mut(obj, &["spec", "selector", "matchLabels"])
            .entry(CONTROLLER_UID_LABEL)
            .or_insert_with(|| json!(uid));
    }
    let has_labels =
        model::at(obj, &["metadata", "labels"]).and_then(Value::as_object).is_some_and(|m| !m.is_empty());
    if !has_labels {
        let copied = match template_labels_given.filter(|m| !m.is_empty()) {
            Some(given) => Some(Value::Object(given)),
            None => model::at(obj, &["spec", "template", "metadata", "labels"]).cloned(),
        };
        if let Some(labels) = copied.filter(|l| l.as_object().is_some_and(|m| !m.is_empty())) {
            model::obj_mut(obj, &["metadata"]).insert("labels".into(), labels);
        }
    }
    if let Some(o) = obj.as_object_mut() {
        o.insert("status".into(), json!({}));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pi(spec: Value) -> Value {
        let mut spec = spec;
        spec["template"] =
            json!({"spec": {"restartPolicy": "Never", "containers": [{"name": "pi", "image": "perl"}]}});
        json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "pi", "uid": "u1"}, "spec": spec})
    }

    /// The defaults a cluster shows for `kubectl get job -o yaml` of the tutorial's Job.
    #[test]
    fn a_job_reads_back_defaulted_with_a_generated_selector() {
        let mut j = pi(json!({"completions": 5, "parallelism": 2}));
        job(&mut j);
        assert_eq!(j["spec"]["backoffLimit"], json!(6));
        assert_eq!(j["spec"]["completionMode"], json!("NonIndexed"));
        assert_eq!(j["spec"]["suspend"], json!(false));
        assert_eq!(j["spec"]["manualSelector"], json!(false));
        assert_eq!(j["spec"]["podReplacementPolicy"], json!("TerminatingOrFailed"));
        assert_eq!(
            j["spec"]["selector"],
            json!({"matchLabels": {"batch.kubernetes.io/controller-uid": "u1"}})
        );
        let want = json!({"job-name": "pi", "batch.kubernetes.io/job-name": "pi", "controller-uid": "u1", "batch.kubernetes.io/controller-uid": "u1"});
        assert_eq!(j["spec"]["template"]["metadata"]["labels"], want);
        assert_eq!(j["metadata"]["labels"], want, "a Job without labels shows its template's");
        assert_eq!(j["status"], json!({}));
    }

    #[test]
    fn defaults_follow_upstream_set_defaults_job() {
        let cases: &[(&str, Value, &str, Value)] = &[
            ("both unset", json!({}), "/spec/completions", json!(1)),
            ("both unset", json!({}), "/spec/parallelism", json!(1)),
            ("only completions", json!({"completions": 3}), "/spec/parallelism", json!(1)),
            (
                "only parallelism: completions stay unset",
                json!({"parallelism": 3}),
                "/spec/completions",
                Value::Null,
            ),
            ("per-index limit", json!({"backoffLimitPerIndex": 1}), "/spec/backoffLimit", json!(2147483647)),
            (
                "failure policy",
                json!({"podFailurePolicy": {"rules": []}}),
                "/spec/podReplacementPolicy",
                json!("Failed"),
            ),
            (
                "condition pattern status",
                json!({"podFailurePolicy": {"rules": [{"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget"}]}]}}),
                "/spec/podFailurePolicy/rules/0/onPodConditions/0/status",
                json!("True"),
            ),
            ("kept", json!({"backoffLimit": 2}), "/spec/backoffLimit", json!(2)),
        ];
        for (name, spec, pointer, want) in cases {
            let mut j = pi(spec.clone());
            job(&mut j);
            assert_eq!(j.pointer(pointer).cloned().unwrap_or(Value::Null), *want, "{name}");
        }
    }

    /// A manual selector is kept and nothing is generated; a Job whose template had labels
    /// takes only those.
    #[test]
    fn manual_selectors_and_given_template_labels() {
        let mut j = pi(json!({"manualSelector": true, "selector": {"matchLabels": {"app": "pi"}}}));
        j["spec"]["template"]["metadata"] = json!({"labels": {"app": "pi"}});
        job(&mut j);
        assert_eq!(j["spec"]["selector"], json!({"matchLabels": {"app": "pi"}}));
        assert_eq!(j["spec"]["template"]["metadata"]["labels"], json!({"app": "pi"}));
        let mut j = pi(json!({}));
        j["spec"]["template"]["metadata"] = json!({"labels": {"app": "pi"}});
        job(&mut j);
        assert_eq!(j["metadata"]["labels"], json!({"app": "pi"}));
        assert_eq!(j["spec"]["template"]["metadata"]["labels"]["batch.kubernetes.io/job-name"], json!("pi"));
    }
}
