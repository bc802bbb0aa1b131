//! CronJob validation (upstream `pkg/apis/batch/validation`: `ValidateCronJobCreate`,
//! `validateCronJobSpec`, `validateScheduleFormat`, `validateTimeZone`,
//! `validateConcurrencyPolicy`, `ValidateJobTemplateSpec`), first refused field first, with
//! upstream's messages and field paths.

use super::checks::non_negative_int;
use super::field::{fail, FieldError};
use super::pod::pod_spec;
use crate::cron;
use serde_json::Value;

/// A CronJob name longer than this would give Job names longer than 63 characters.
const MAX_NAME: usize = 52;

pub(super) const KINDS: &[(&str, super::KindValidator)] = &[("CronJob", cron_job)];

/// The whole CronJob, as on create.
pub fn cron_job(obj: &Value) -> Result<(), FieldError> {
    if !obj.get("spec").is_some_and(Value::is_object) {
        return fail("spec", "required object");
    }
    schedule(obj)?;
    optional_non_negative(obj, "startingDeadlineSeconds")?;
    time_zone(obj)?;
    concurrency_policy(obj)?;
    job_template(obj)?;
    optional_non_negative(obj, "successfulJobsHistoryLimit")?;
    optional_non_negative(obj, "failedJobsHistoryLimit")?;
    let name = obj.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("");
    if name.len() > MAX_NAME {
        return fail("metadata.name", format!("Invalid value: {name:?}: must be no more than 52 characters"));
    }
    Ok(())
}

fn optional_non_negative(obj: &Value, field: &str) -> Result<(), FieldError> {
    match obj.pointer(&format!("/spec/{field}")) {
        None | Some(Value::Null) => Ok(()),
        Some(v) => non_negative_int(&format!("spec.{field}"), v).map(|_| ()),
    }
}

/// `validateScheduleFormat`: robfig's `ParseStandard` must accept it, and it may not carry a
/// `TZ=` / `CRON_TZ=` prefix (the `timeZone` field says that now).
fn schedule(obj: &Value) -> Result<(), FieldError> {
    const PATH: &str = "spec.schedule";
    let schedule = match obj.pointer("/spec/schedule") {
        None | Some(Value::Null) => return fail(PATH, "Required value"),
        Some(Value::String(s)) if s.is_empty() => return fail(PATH, "Required value"),
        Some(Value::String(s)) => s,
        Some(_) => return fail(PATH, "expected string"),
    };
    let mut problems = Vec::new();
    if let Err(e) = cron::parse_standard(schedule) {
        problems.push(e);
    }
    if schedule.contains("TZ") {
        problems.push("cannot use TZ or CRON_TZ in schedule, use timeZone field instead".into());
    }
    if problems.is_empty() {
        Ok(())
    } else {
        fail(PATH, format!("Invalid value: {schedule:?}: {}", problems.join("; ")))
    }
}

/// `validateTimeZone`: a name in the time-zone database (not `Local`).
fn time_zone(obj: &Value) -> Result<(), FieldError> {
    const PATH: &str = "spec.timeZone";
    let tz = match obj.pointer("/spec/timeZone") {
        None | Some(Value::Null) => return Ok(()),
        Some(Value::String(s)) => s,
        Some(_) => return fail(PATH, "expected string"),
    };
    let invalid = |why: String| fail(PATH, format!("Invalid value: {tz:?}: {why}"));
    if tz.is_empty() {
        return invalid("timeZone must be nil or non-empty string".into());
    }
    let valid_part = |p: &str| {
        (1..=14).contains(&p.len())
            && p != "."
            && p != ".."
            && !p.starts_with('-')
            && p.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '+'))
    };
    if !tz.split('/').all(valid_part) {
        return invalid(format!("unknown time zone {tz}"));
    }
    if tz.eq_ignore_ascii_case("Local") {
        return invalid(
            "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones".into(),
        );
    }
    cron::load_location(tz).map(|_| ()).or_else(invalid)
}

/// `validateConcurrencyPolicy` (the API server defaults a missing one to `Allow`).
fn concurrency_policy(obj: &Value) -> Result<(), FieldError> {
    const PATH: &str = "spec.concurrencyPolicy";
    match obj.pointer("/spec/concurrencyPolicy") {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(s)) if matches!(s.as_str(), "Allow" | "Forbid" | "Replace") => Ok(()),
        Some(Value::String(s)) if s.is_empty() => fail(PATH, "Required value"),
        Some(v) => fail(
            PATH,
            format!("Unsupported value: {v}: supported values: \"Allow\", \"Forbid\", \"Replace\""),
        ),
    }
}

/// `ValidateJobTemplateSpec`: the Job spec's counts, its pod template, a restart policy a Job
/// accepts, and no selector (the Job's is generated).
fn job_template(obj: &Value) -> Result<(), FieldError> {
    const SPEC: &str = "spec.jobTemplate.spec";
    for field in
        ["parallelism", "completions", "activeDeadlineSeconds", "backoffLimit", "ttlSecondsAfterFinished"]
    {
        if let Some(v) = obj.pointer(&format!("/spec/jobTemplate/spec/{field}")).filter(|v| !v.is_null()) {
            non_negative_int(&format!("{SPEC}.{field}"), v)?;
        }
    }
    pod_spec(obj, "spec.jobTemplate.spec.template.spec")?;
    match obj.pointer("/spec/jobTemplate/spec/template/spec/restartPolicy").and_then(Value::as_str) {
        None | Some("Always") => {
            return fail(
                &format!("{SPEC}.template.spec.restartPolicy"),
                "Required value: valid values: \"OnFailure\", \"Never\"",
            )
        }
        Some(_) => {}
    }
    if obj.pointer("/spec/jobTemplate/spec/selector").is_some_and(|v| !v.is_null()) {
        return fail(&format!("{SPEC}.selector"), "Invalid value: `selector` will be auto-generated");
    }
    if obj.pointer("/spec/jobTemplate/spec/manualSelector") == Some(&Value::Bool(true)) {
        return fail(
            &format!("{SPEC}.manualSelector"),
            "Unsupported value: true: supported values: \"nil\", \"false\"",
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cron(patch: Value) -> Value {
        let mut cj = json!({
            "apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "tick"},
            "spec": {"schedule": "*/15 * * * *", "jobTemplate": {"spec": {"template": {"spec": {
                "restartPolicy": "OnFailure", "containers": [{"name": "c", "image": "busybox"}]}}}}}
        });
        json_patch::merge(&mut cj, &patch);
        cj
    }

    fn refused(patch: Value) -> Option<(String, String)> {
        cron_job(&cron(patch)).err().map(|e| (e.field, e.message))
    }

    /// upstream `validation_test.go` `TestValidateCronJob…` cases konverge reports, each with the
    /// field it names.
    #[test]
    fn table_of_bad_cron_jobs() {
        let cases = [
            ("a valid CronJob", json!({}), None),
            ("non-standard scheduled", json!({"spec": {"schedule": "@hourly"}}), None),
            ("@every", json!({"spec": {"schedule": "@every 1h30m"}}), None),
            ("names of months and days", json!({"spec": {"schedule": "0 9 ? jan-mar mon-fri"}}), None),
            ("time zone", json!({"spec": {"timeZone": "America/New_York"}}), None),
            (
                "zero history limits",
                json!({"spec": {"successfulJobsHistoryLimit": 0, "failedJobsHistoryLimit": 0}}),
                None,
            ),
            ("spec.schedule: 4 fields", json!({"spec": {"schedule": "99 * * *"}}), Some("spec.schedule")),
            (
                "spec.schedule: out of range",
                json!({"spec": {"schedule": "99 * * * *"}}),
                Some("spec.schedule"),
            ),
            ("spec.schedule: weekday 7", json!({"spec": {"schedule": "0 0 * * 7"}}), Some("spec.schedule")),
            ("spec.schedule: empty", json!({"spec": {"schedule": ""}}), Some("spec.schedule")),
            ("spec.schedule: TZ=", json!({"spec": {"schedule": "TZ=UTC 0 * * * *"}}), Some("spec.schedule")),
            (
                "spec.schedule: CRON_TZ=",
                json!({"spec": {"schedule": "CRON_TZ=UTC 0 * * * *"}}),
                Some("spec.schedule"),
            ),
            ("spec.timeZone: unknown", json!({"spec": {"timeZone": "Mars/Olympus"}}), Some("spec.timeZone")),
            ("spec.timeZone: empty", json!({"spec": {"timeZone": ""}}), Some("spec.timeZone")),
            ("spec.timeZone: Local", json!({"spec": {"timeZone": "Local"}}), Some("spec.timeZone")),
            ("spec.timeZone: ..", json!({"spec": {"timeZone": "../etc/passwd"}}), Some("spec.timeZone")),
            (
                "spec.timeZone: part too long",
                json!({"spec": {"timeZone": "America/New_York_Extended"}}),
                Some("spec.timeZone"),
            ),
            (
                "spec.startingDeadlineSeconds: negative",
                json!({"spec": {"startingDeadlineSeconds": -1}}),
                Some("spec.startingDeadlineSeconds"),
            ),
            (
                "spec.successfulJobsHistoryLimit: negative",
                json!({"spec": {"successfulJobsHistoryLimit": -1}}),
                Some("spec.successfulJobsHistoryLimit"),
            ),
            (
                "spec.failedJobsHistoryLimit: negative",
                json!({"spec": {"failedJobsHistoryLimit": -1}}),
                Some("spec.failedJobsHistoryLimit"),
            ),
            (
                "spec.concurrencyPolicy: unsupported",
                json!({"spec": {"concurrencyPolicy": "Sometimes"}}),
                Some("spec.concurrencyPolicy"),
            ),
            (
                "spec.concurrencyPolicy: empty",
                json!({"spec": {"concurrencyPolicy": ""}}),
                Some("spec.concurrencyPolicy"),
            ),
            (
                "restartPolicy Always",
                json!({"spec": {"jobTemplate": {"spec": {"template": {"spec": {"restartPolicy": "Always"}}}}}}),
                Some("spec.jobTemplate.spec.template.spec.restartPolicy"),
            ),
            (
                "restartPolicy unset (defaults to Always)",
                json!({"spec": {"jobTemplate": {"spec": {"template": {"spec": {"restartPolicy": null}}}}}}),
                Some("spec.jobTemplate.spec.template.spec.restartPolicy"),
            ),
            (
                "jobTemplate with a selector",
                json!({"spec": {"jobTemplate": {"spec": {"selector": {"matchLabels": {"a": "b"}}}}}}),
                Some("spec.jobTemplate.spec.selector"),
            ),
            (
                "negative parallelism",
                json!({"spec": {"jobTemplate": {"spec": {"parallelism": -1}}}}),
                Some("spec.jobTemplate.spec.parallelism"),
            ),
            (
                "no containers",
                json!({"spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": []}}}}}}),
                Some("spec.jobTemplate.spec.template.spec.containers"),
            ),
            ("name of 53 characters", json!({"metadata": {"name": "a".repeat(53)}}), Some("metadata.name")),
        ];
        for (name, patch, want) in cases {
            assert_eq!(refused(patch).map(|(f, _)| f), want.map(str::to_string), "{name}");
        }
    }

    #[test]
    fn messages_are_upstreams() {
        assert_eq!(
            refused(json!({"spec": {"schedule": "99 * * *"}})),
            Some((
                "spec.schedule".into(),
                "Invalid value: \"99 * * *\": expected exactly 5 fields, found 4: [99 * * *]".into()
            ))
        );
        assert_eq!(
            refused(json!({"spec": {"schedule": "TZ=UTC 0 * * * *"}})).map(|e| e.1),
            Some("Invalid value: \"TZ=UTC 0 * * * *\": cannot use TZ or CRON_TZ in schedule, use timeZone field instead".into())
        );
        assert_eq!(
            refused(json!({"spec": {"timeZone": "Mars/Olympus"}})).map(|e| e.1),
            Some("Invalid value: \"Mars/Olympus\": unknown time zone Mars/Olympus".into())
        );
    }
}
