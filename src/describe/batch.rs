//! The Job and CronJob describers.

use super::*;

impl Ctx<'_> {
    pub(super) fn job(&self, w: &mut Out) {
        let j = self.obj;
        self.name_namespace(w);
        out!(w, 0, "Selector:\t{}\n", selector_of(j));
        self.labels(w);
        self.annotations(w);
        if let Some(c) = controlled_by(j) {
            out!(w, 0, "Controlled By:\t{c}\n");
        }
        // API-server defaults: parallelism 1; completions 1 when neither is set; NonIndexed;
        // not suspended; backoff limit 6.
        let parallelism = model::i64_at(j, &["spec", "parallelism"]);
        out!(w, 0, "Parallelism:\t{}\n", parallelism.unwrap_or(1));
        match (model::i64_at(j, &["spec", "completions"]), parallelism) {
            (Some(c), _) => out!(w, 0, "Completions:\t{c}\n"),
            (None, None) => w.w(0, "Completions:\t1\n"),
            (None, Some(_)) => w.w(0, "Completions:\t<unset>\n"),
        }
        let mode = or_default(self.str(&["spec", "completionMode"]), "NonIndexed");
        out!(w, 0, "Completion Mode:\t{mode}\n");
        out!(w, 0, "Suspend:\t{}\n", bool_at(j, &["spec", "suspend"]));
        out!(w, 0, "Backoff Limit:\t{}\n", model::i64_at(j, &["spec", "backoffLimit"]).unwrap_or(6));
        if let Some(ttl) = model::i64_at(j, &["spec", "ttlSecondsAfterFinished"]) {
            out!(w, 0, "TTL Seconds After Finished:\t{ttl}\n");
        }
        let (start, done) = (self.str(&["status", "startTime"]), self.str(&["status", "completionTime"]));
        if !start.is_empty() {
            out!(w, 0, "Start Time:\t{}\n", rfc1123z(start));
        }
        if !done.is_empty() {
            out!(w, 0, "Completed At:\t{}\n", rfc1123z(done));
        }
        if let (Some(s), Some(d)) = (model::parse_time(start), model::parse_time(done)) {
            out!(w, 0, "Duration:\t{}\n", printers::human_duration(d - s));
        }
        if let Some(ads) = model::i64_at(j, &["spec", "activeDeadlineSeconds"]) {
            out!(w, 0, "Active Deadline Seconds:\t{ads}s\n");
        }
        let st = |f: &str| self.int(&["status", f]);
        match model::i64_at(j, &["status", "ready"]) {
            None => out!(
                w,
                0,
                "Pods Statuses:\t{} Active / {} Succeeded / {} Failed\n",
                st("active"),
                st("succeeded"),
                st("failed")
            ),
            Some(ready) => out!(
                w,
                0,
                "Pods Statuses:\t{} Active ({ready} Ready) / {} Succeeded / {} Failed\n",
                st("active"),
                st("succeeded"),
                st("failed")
            ),
        }
        if mode == "Indexed" {
            let idx = self.str(&["status", "completedIndexes"]);
            out!(w, 0, "Completed Indexes:\t{}\n", cap_indexes(idx, 50));
        }
        pod_template(w, self.template());
        self.events(w);
    }

    pub(super) fn cron_job(&self, w: &mut Out) {
        let cj = self.obj;
        self.name_namespace(w);
        self.labels(w);
        self.annotations(w);
        out!(w, 0, "Schedule:\t{}\n", self.str(&["spec", "schedule"]));
        out!(
            w,
            0,
            "Concurrency Policy:\t{}\n",
            or_default(self.str(&["spec", "concurrencyPolicy"]), "Allow")
        );
        out!(w, 0, "Suspend:\t{}\n", printers::bool_title(bool_at(cj, &["spec", "suspend"])));
        let limit = |f: &str, d: i64| model::i64_at(cj, &["spec", f]).unwrap_or(d);
        out!(w, 0, "Successful Job History Limit:\t{}\n", limit("successfulJobsHistoryLimit", 3));
        out!(w, 0, "Failed Job History Limit:\t{}\n", limit("failedJobsHistoryLimit", 1));
        match model::i64_at(cj, &["spec", "startingDeadlineSeconds"]) {
            Some(s) => out!(w, 0, "Starting Deadline Seconds:\t{s}s\n"),
            None => w.w(0, "Starting Deadline Seconds:\t<unset>\n"),
        }
        let jt = model::at(cj, &["spec", "jobTemplate", "spec"]).unwrap_or(&Value::Null);
        match model::at(jt, &["selector"]) {
            Some(sel) => {
                out!(w, 0, "Selector:\t{}\n", printers::selector_string(Some(sel)).unwrap_or_default())
            }
            None => w.w(0, "Selector:\t<unset>\n"),
        }
        for (field, label) in [("parallelism", "Parallelism"), ("completions", "Completions")] {
            match model::i64_at(jt, &[field]) {
                Some(v) => out!(w, 0, "{label}:\t{v}\n"),
                None => out!(w, 0, "{label}:\t<unset>\n"),
            }
        }
        if let Some(ads) = model::i64_at(jt, &["activeDeadlineSeconds"]) {
            out!(w, 0, "Active Deadline Seconds:\t{ads}s\n");
        }
        pod_template(w, model::at(jt, &["template"]));
        match self.str(&["status", "lastScheduleTime"]) {
            "" => w.w(0, "Last Schedule Time:\t<unset>\n"),
            t => out!(w, 0, "Last Schedule Time:\t{}\n", rfc1123z(t)),
        }
        w.w(0, "Active Jobs:\t");
        let active: Vec<&str> =
            list(cj, &["status", "active"]).iter().map(|r| model::str_at(r, &["name"])).collect();
        if active.is_empty() {
            w.line("<none>");
        } else {
            w.line(&active.join(", "));
        }
        self.events(w);
    }
}

fn cap_indexes(indexes: &str, soft_limit: usize) -> String {
    if indexes.is_empty() {
        return "<none>".into();
    }
    match indexes.get(soft_limit..).and_then(|rest| rest.find(',')) {
        Some(i) => format!("{}...", &indexes[..soft_limit + i + 1]),
        None => indexes.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::describe::test_fixtures::*;

    #[test]
    fn jobs_and_cron_jobs_describe_like_kubectl() {
        let s = more_fixtures();
        assert_lines(
            &describe_in(&s, "CronJob", "default", "hello"),
            &[
                "Name:                          hello",
                "Namespace:                     default",
                "Labels:                        <none>",
                "Annotations:                   <none>",
                "Schedule:                      */1 * * * *",
                "Concurrency Policy:            Allow",
                "Suspend:                       False",
                "Successful Job History Limit:  3",
                "Failed Job History Limit:      1",
                "Starting Deadline Seconds:     <unset>",
                "Selector:                      <unset>",
                "Parallelism:                   <unset>",
                "Completions:                   <unset>",
                "Pod Template:",
                "  Labels:  <none>",
                "  Containers:",
                "   hello:",
                "    Image:      busybox:1.28",
                "    Port:       <none>",
                "    Host Port:  <none>",
                "    Command:",
                "      /bin/sh",
                "      -c",
                "      date",
                "    Environment:     <none>",
                "    Mounts:          <none>",
                "  Volumes:           <none>",
                "  Node-Selectors:    <none>",
                "  Tolerations:       <none>",
                "Last Schedule Time:  Wed, 01 Jan 2025 00:00:00 +0000",
                "Active Jobs:         hello-28950240",
                "Events:              <none>",
            ],
        );
        assert_lines(
            &describe_in(&s, "Job", "default", "pi"),
            &[
                "Name:             pi",
                "Namespace:        default",
                "Selector:         batch.kubernetes.io/controller-uid=uid-job",
                "Labels:           <none>",
                "Annotations:      <none>",
                "Parallelism:      1",
                "Completions:      1",
                "Completion Mode:  NonIndexed",
                "Suspend:          false",
                "Backoff Limit:    6",
                "Start Time:       Wed, 01 Jan 2025 00:00:00 +0000",
                "Completed At:     Wed, 01 Jan 2025 00:00:42 +0000",
                "Duration:         42s",
                "Pods Statuses:    0 Active (0 Ready) / 1 Succeeded / 0 Failed",
                "Pod Template:",
                "  Labels:  job-name=pi",
                "  Containers:",
                "   pi:",
                "    Image:      perl:5.34",
                "    Port:       <none>",
                "    Host Port:  <none>",
                "    Command:",
                "      perl",
                "      -Mbignum=bpi",
                "      -wle",
                "      print bpi(20)",
                "    Environment:   <none>",
                "    Mounts:        <none>",
                "  Volumes:         <none>",
                "  Node-Selectors:  <none>",
                "  Tolerations:     <none>",
                "Events:            <none>",
            ],
        );
    }

    #[test]
    fn completed_indexes_are_capped() {
        assert_eq!(cap_indexes("", 50), "<none>");
        assert_eq!(cap_indexes("1-3,5", 2), "1-3,...");
        assert_eq!(cap_indexes("1-3,5", 50), "1-3,5");
    }
}
