//! Jobs and CronJobs (`pkg/apis/batch/v1/defaults.go`), and what the Job registry strategy
//! adds to a new Job (`generateSelector`: the selector and template labels from its uid).

use super::pod::template;
use super::{child, set, set_str, spec};
use crate::facts::cronjobs::{DEFAULT_FAILED_LIMIT, DEFAULT_SUCCESSFUL_LIMIT};
use crate::model;
use serde_json::{json, Value};

/// Labels the API server gives a Job's pod template (and, through it, the Job's pods).
pub const JOB_NAME_LABEL: &str = "batch.kubernetes.io/job-name";
pub const CONTROLLER_UID_LABEL: &str = "batch.kubernetes.io/controller-uid";
pub const LEGACY_JOB_NAME_LABEL: &str = "job-name";
pub const LEGACY_CONTROLLER_UID_LABEL: &str = "controller-uid";

/// `SetDefaults_Job`: completions and parallelism 1 when both are unset, parallelism 1 when
/// unset, backoff limit 6 (the largest int32 with `backoffLimitPerIndex`), NonIndexed, not
/// suspended, pods replaced once failed with a `podFailurePolicy` (once terminating or failed
/// without), an `onPodConditions` pattern's status True; the Job takes its template's labels
/// when it has none.
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
        let rules = spec.get_mut("podFailurePolicy").and_then(|p| p.get_mut("rules"));
        let patterns = rules
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
            .filter_map(|r| r.get_mut("onPodConditions"))
            .filter_map(Value::as_array_mut);
        for pattern in patterns.flatten().filter_map(Value::as_object_mut) {
            set_str(pattern, "status", "True");
        }
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
        set(spec, "successfulJobsHistoryLimit", json!(DEFAULT_SUCCESSFUL_LIMIT));
        set(spec, "failedJobsHistoryLimit", json!(DEFAULT_FAILED_LIMIT));
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

/// What a new (defaulted) Job whose `metadata.uid` is set gets when it is created:
/// - `manualSelector` false when unset;
/// - unless `manualSelector`: the template gets the `job-name` and `controller-uid` labels
///   (prefixed and legacy) and the selector `batch.kubernetes.io/controller-uid=<uid>`;
/// - a Job still without labels (its template had none) takes the generated ones, as the
///   defaulting that runs again when the object is read back gives them;
/// - the status starts empty.
pub(super) fn generate_selector(obj: &mut Value) {
    let name = model::name(obj).to_string();
    let uid = model::uid(obj).to_string();
    let spec = model::obj_mut(obj, &["spec"]);
    set(spec, "manualSelector", json!(false));
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
        let generated = model::at(obj, &["spec", "template", "metadata", "labels"]).cloned();
        if let Some(labels) = generated.filter(|l| l.as_object().is_some_and(|m| !m.is_empty())) {
            model::obj_mut(obj, &["metadata"]).insert("labels".into(), labels);
        }
    }
    if let Some(o) = obj.as_object_mut() {
        o.insert("status".into(), json!({}));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    fn defaulted(mut obj: Value) -> Value {
        super::super::apply(&mut obj);
        obj
    }

    /// A new Job as the API server stores it: defaulted, then its selector generated.
    fn create(job: &mut Value) {
        super::super::apply(job);
        super::super::on_create("Job", job, &Default::default());
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
        create(&mut j);
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
            create(&mut j);
            assert_eq!(j.pointer(pointer).cloned().unwrap_or(Value::Null), *want, "{name}");
        }
    }

    /// A manual selector is kept and nothing is generated; a Job whose template had labels
    /// takes only those.
    #[test]
    fn manual_selectors_and_given_template_labels() {
        let mut j = pi(json!({"manualSelector": true, "selector": {"matchLabels": {"app": "pi"}}}));
        j["spec"]["template"]["metadata"] = json!({"labels": {"app": "pi"}});
        create(&mut j);
        assert_eq!(j["spec"]["selector"], json!({"matchLabels": {"app": "pi"}}));
        assert_eq!(j["spec"]["template"]["metadata"]["labels"], json!({"app": "pi"}));
        let mut j = pi(json!({}));
        j["spec"]["template"]["metadata"] = json!({"labels": {"app": "pi"}});
        create(&mut j);
        assert_eq!(j["metadata"]["labels"], json!({"app": "pi"}));
        assert_eq!(j["spec"]["template"]["metadata"]["labels"]["batch.kubernetes.io/job-name"], json!("pi"));
    }
}
