//! Job and CronJob columns: STATUS, COMPLETIONS, DURATION, and the CronJob row.

use super::*;

/// kubectl's Job STATUS: Complete, Failed, Terminating, Suspended, FailureTarget or Running, the
/// first that holds (a condition counts when its status is True).
pub(super) fn job_status(job: &Value) -> String {
    let holds = |kind: &str| {
        model::at(job, &["status", "conditions"])
            .and_then(Value::as_array)
            .and_then(|cs| cs.iter().find(|c| model::str_at(c, &["type"]) == kind))
            .is_some_and(|c| model::str_at(c, &["status"]) == "True")
    };
    let status = if holds("Complete") {
        "Complete"
    } else if holds("Failed") {
        "Failed"
    } else if model::at(job, &["metadata", "deletionTimestamp"]).is_some() {
        "Terminating"
    } else if holds("Suspended") {
        "Suspended"
    } else if holds("FailureTarget") {
        "FailureTarget"
    } else {
        "Running"
    };
    status.to_string()
}

pub(super) fn job_completions(job: &Value) -> String {
    let succeeded = model::i64_at(job, &["status", "succeeded"]).unwrap_or(0);
    let completions = model::i64_at(job, &["spec", "completions"]);
    let parallelism = model::i64_at(job, &["spec", "parallelism"]);
    match (completions, parallelism) {
        (Some(c), _) => format!("{succeeded}/{c}"),
        // The API server defaults both to 1 when neither is set.
        (None, None) => format!("{succeeded}/1"),
        (None, Some(p)) if p > 1 => format!("{succeeded}/1 of {p}"),
        (None, Some(_)) => format!("{succeeded}/1"),
    }
}

pub(super) fn job_duration(job: &Value, now: i64) -> String {
    let start = model::parse_time(model::str_at(job, &["status", "startTime"]));
    let end = model::parse_time(model::str_at(job, &["status", "completionTime"]));
    match (start, end) {
        (None, _) => String::new(),
        (Some(s), None) => human_duration(now - s),
        (Some(s), Some(e)) => human_duration(e - s),
    }
}

/// CronJob columns (kubectl's `printCronJob`): NAME SCHEDULE TIMEZONE SUSPEND ACTIVE
/// LAST SCHEDULE AGE.
pub(super) fn cron_job_cells(obj: &Value, name: String, age: String, now: i64) -> Vec<String> {
    let active = model::at(obj, &["status", "active"]).and_then(Value::as_array).map_or(0, Vec::len);
    let last = match model::str_at(obj, &["status", "lastScheduleTime"]) {
        "" => "<none>".to_string(),
        t => since(t, now),
    };
    vec![
        name,
        model::str_at(obj, &["spec", "schedule"]).to_string(),
        match model::str_at(obj, &["spec", "timeZone"]) {
            "" => "<none>".to_string(),
            tz => tz.to_string(),
        },
        // The API server defaults `suspend` to false.
        bool_title(model::at(obj, &["spec", "suspend"]).and_then(Value::as_bool).unwrap_or(false)),
        active.to_string(),
        last,
        age,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::printers::test_fixtures::*;
    use serde_json::json;

    #[test]
    fn jobs_and_cronjobs() {
        let job = |spec: Value, status: Value| json!({"kind": "Job", "metadata": {"name": "pi", "creationTimestamp": "2025-01-01T00:59:00Z"}, "spec": spec, "status": status});
        let cases = [
            (job(json!({}), json!({})), "pi     Running   0/1                      60s"),
            (
                job(
                    json!({"completions": 3}),
                    json!({"succeeded": 3, "startTime": "2025-01-01T00:59:00Z", "completionTime": "2025-01-01T00:59:42Z",
                           "conditions": [{"type": "SuccessCriteriaMet", "status": "True"}, {"type": "Complete", "status": "True"}]}),
                ),
                "pi     Complete   3/3           42s        60s",
            ),
            (
                job(json!({"parallelism": 2}), json!({"startTime": "2025-01-01T00:59:30Z"})),
                "pi     Running   0/1 of 2      30s        60s",
            ),
            (
                job(
                    json!({"completions": 1}),
                    json!({"failed": 7, "startTime": "2025-01-01T00:59:00Z",
                    "conditions": [{"type": "FailureTarget", "status": "True"}, {"type": "Failed", "status": "True"}]}),
                ),
                "pi     Failed   0/1           60s        60s",
            ),
            (
                job(
                    json!({"completions": 1}),
                    json!({"conditions": [{"type": "Suspended", "status": "True"}]}),
                ),
                "pi     Suspended   0/1                      60s",
            ),
            (
                job(
                    json!({"completions": 1}),
                    json!({"conditions": [{"type": "Suspended", "status": "False"}, {"type": "FailureTarget", "status": "True"}]}),
                ),
                "pi     FailureTarget   0/1                      60s",
            ),
        ];
        for (j, want) in cases {
            assert_eq!(table("Job", &[j], false, false, false)[1], want);
        }
        let mut deleting = job(json!({}), json!({}));
        deleting["metadata"]["deletionTimestamp"] = json!("2025-01-01T00:59:59Z");
        assert_eq!(
            table("Job", &[deleting], false, false, false)[1],
            "pi     Terminating   0/1                      60s"
        );
        let cj = json!({"kind": "CronJob", "metadata": {"name": "hello", "creationTimestamp": "2025-01-01T00:00:00Z"},
            "spec": {"schedule": "*/1 * * * *"},
            "status": {"active": [{"name": "hello-1"}], "lastScheduleTime": "2025-01-01T00:59:00Z"}});
        assert_eq!(
            table("CronJob", &[cj], false, false, false),
            [
                "NAME    SCHEDULE      TIMEZONE   SUSPEND   ACTIVE   LAST SCHEDULE   AGE",
                "hello   */1 * * * *   <none>     False     1        60s             60m"
            ]
        );
    }
}
