//! Jobs and CronJobs (`pkg/apis/batch/v1/defaults.go`).

use super::pod::template;
use super::{child, set, set_str, spec};
use serde_json::{json, Value};

/// `SetDefaults_Job`: completions and parallelism 1 when both are unset, backoff limit 6,
/// NonIndexed, not suspended, pods replaced once terminating or failed; the Job takes its
/// template's labels when it has none.
fn job(obj: &mut Value) {
    let template_labels = obj.pointer("/spec/template/metadata/labels").filter(|l| l.is_object()).cloned();
    if let Some(spec) = spec(obj) {
        let unset = |v: Option<&Value>| v.is_none_or(Value::is_null);
        if unset(spec.get("completions")) && unset(spec.get("parallelism")) {
            spec.insert("completions".into(), json!(1));
        }
        set(spec, "parallelism", json!(1));
        let per_index = !unset(spec.get("backoffLimitPerIndex"));
        set(spec, "backoffLimit", json!(if per_index { i64::from(i32::MAX) } else { 6 }));
        set_str(spec, "completionMode", "NonIndexed");
        set(spec, "suspend", json!(false));
        let policy = if unset(spec.get("podFailurePolicy")) { "TerminatingOrFailed" } else { "Failed" };
        set_str(spec, "podReplacementPolicy", policy);
    }
    if let (Some(labels), Some(meta)) =
        (template_labels, obj.get_mut("metadata").and_then(Value::as_object_mut))
    {
        if meta.get("labels").and_then(Value::as_object).is_none_or(|m| m.is_empty()) {
            meta.insert("labels".into(), labels);
        }
    }
    template(obj);
}

/// `SetDefaults_CronJob`, then the Job template's pod spec.
fn cron_job(obj: &mut Value) {
    if let Some(spec) = spec(obj) {
        set_str(spec, "concurrencyPolicy", "Allow");
        set(spec, "suspend", json!(false));
        set(spec, "successfulJobsHistoryLimit", json!(3));
        set(spec, "failedJobsHistoryLimit", json!(1));
        if let Some(pod_spec) = child(spec, "jobTemplate")
            .and_then(|t| child(t, "spec"))
            .and_then(|s| child(s, "template"))
            .and_then(|t| t.get_mut("spec"))
            .and_then(Value::as_object_mut)
        {
            super::pod::pod_spec(pod_spec);
        }
    }
}

pub(super) const KINDS: &[(&str, super::KindDefaulter)] = &[("Job", job), ("CronJob", cron_job)];

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    fn defaulted(mut obj: Value) -> Value {
        super::super::apply(&mut obj);
        obj
    }

    /// batch/v1 `TestSetDefaultJob`: "Both Completions and Parallelism are nil",
    /// "Only Parallelism is set" (completions stays nil), "Neither" with labels from the template.
    #[test]
    fn upstream_set_default_job() {
        let j = defaulted(
            json!({"kind": "Job", "metadata": {"name": "j"}, "spec": {"template": {"metadata": {"labels": {"a": "b"}}, "spec": {"restartPolicy": "Never"}}}}),
        );
        assert_eq!(
            (j["spec"]["completions"].clone(), j["spec"]["parallelism"].clone()),
            (json!(1), json!(1))
        );
        assert_eq!(j["spec"]["backoffLimit"], 6);
        assert_eq!(j["spec"]["completionMode"], "NonIndexed");
        assert_eq!(j["spec"]["suspend"], false);
        assert_eq!(j["spec"]["podReplacementPolicy"], "TerminatingOrFailed");
        assert_eq!(j["metadata"]["labels"], json!({"a": "b"}));
        assert_eq!(j["spec"]["template"]["spec"]["restartPolicy"], "Never");
        let j = defaulted(json!({"kind": "Job", "spec": {"parallelism": 3}}));
        assert!(j["spec"].get("completions").is_none());
        assert_eq!(j["spec"]["parallelism"], 3);
    }

    /// batch/v1 `TestSetDefaultCronJob`.
    #[test]
    fn upstream_set_default_cron_job() {
        let c = defaulted(json!({"kind": "CronJob", "spec": {}}));
        assert_eq!(c["spec"]["concurrencyPolicy"], "Allow");
        assert_eq!(c["spec"]["suspend"], false);
        assert_eq!(c["spec"]["successfulJobsHistoryLimit"], 3);
        assert_eq!(c["spec"]["failedJobsHistoryLimit"], 1);
    }
}
