//! What the CronJob controller reads (`rules/cronjob.rs`): each CronJob with its schedule parsed
//! and evaluated, and the Jobs it owns, plus the aggregates crepe cannot compute — the most
//! recent unmet start time (`cron::due`), the next one (`cron::next_after`), the place of each
//! finished Job in upstream's `byJobStartTime` order, and the latest completion time.

use super::{Facts, Id, Interner, Sym};
use crate::cron::{self, History, Missed, Schedule, Zone};
use crate::model::{self, ObjKey};
use rustc_hash::{FxHashMap, FxHashSet};
use serde_json::Value;
use std::cmp::Ordering;

/// `spec.concurrencyPolicy` (API default `Allow`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Policy {
    Allow,
    Forbid,
    Replace,
}

impl Policy {
    pub fn parse(s: &str) -> Policy {
        match s {
            "Forbid" => Policy::Forbid,
            "Replace" => Policy::Replace,
            _ => Policy::Allow,
        }
    }
}

/// How a Job finished: its `Complete` or `Failed` condition is `True` (upstream
/// `getFinishedStatus`, which takes the first of them in the list).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    Complete,
    Failed,
}

impl Outcome {
    pub fn condition(self) -> &'static str {
        match self {
            Outcome::Complete => "Complete",
            Outcome::Failed => "Failed",
        }
    }
}

/// API defaults of the history limits.
pub const DEFAULT_SUCCESSFUL_LIMIT: i64 = 3;
pub const DEFAULT_FAILED_LIMIT: i64 = 1;

/// One entry of `status.active` (an ObjectReference), kept whole for the status patch.
#[derive(Clone, Debug)]
pub struct ActiveRef {
    pub uid: Sym,
    pub name: String,
    pub raw: Value,
}

/// A CronJob as its controller reads it.
#[derive(Clone, Debug)]
pub struct CronJobF {
    pub id: Id,
    pub uid: Sym,
    pub policy: Policy,
    pub suspend: bool,
    pub deleting: bool,
    pub schedule_text: String,
    /// `spec.timeZone` and, when it does not load, why.
    pub time_zone: Option<String>,
    pub zone_error: Option<String>,
    /// The schedule contains `TZ` (upstream warns and uses it as written).
    pub tz_in_schedule: bool,
    /// upstream `formatSchedule` then `cron.ParseStandard`.
    pub schedule: Result<Schedule, String>,
    /// The zone the scheduled-timestamp annotation is written in.
    pub zone: Zone,
    pub history: History,
    pub last_successful: Option<i64>,
    pub successful_limit: i64,
    pub failed_limit: i64,
    pub active: Vec<ActiveRef>,
}

/// A Job whose controller reference names a CronJob of its namespace (upstream lists them by
/// the reference's name alone: `getJobsToBeReconciled`).
#[derive(Clone, Debug)]
pub struct ChildF {
    pub job: Id,
    pub cron: Id,
    pub uid: Sym,
    pub finished: Option<Outcome>,
    pub start: Option<i64>,
    pub completion: Option<i64>,
    pub deleting: bool,
}

/// Everything the controller's rules take in, for one snapshot.
pub struct CronFacts {
    /// Interns job names and uids for the rules.
    pub syms: Interner,
    pub cron_jobs: Vec<CronJobF>,
    pub children: Vec<ChildF>,
    /// Every Job by (namespace, name): the API server's answer to a `GET` by name.
    pub jobs_by_name: FxHashMap<(String, String), Id>,
    /// Of each Job: its uid and whether its controller reference has this uid.
    pub job_uid: FxHashMap<Id, Sym>,
    pub job_controller_uid: FxHashMap<Id, Sym>,
    /// Jobs being deleted.
    pub jobs_deleting: FxHashSet<Id>,
}

fn of_kind<'s>(f: &Facts<'s>, kind: &'static str) -> impl Iterator<Item = (&'s ObjKey, &'s Value)> {
    f.store.range(ObjKey::new(kind, "", "")..).take_while(move |(k, _)| k.kind == kind)
}

fn time_at(obj: &Value, path: &[&str]) -> Option<i64> {
    model::parse_time(model::str_at(obj, path))
}

/// Read the CronJobs and Jobs of one snapshot.
pub fn cron_facts(f: &Facts) -> CronFacts {
    let mut syms = Interner::default();
    let mut out = CronFacts {
        syms: Interner::default(),
        cron_jobs: Vec::new(),
        children: Vec::new(),
        jobs_by_name: FxHashMap::default(),
        job_uid: FxHashMap::default(),
        job_controller_uid: FxHashMap::default(),
        jobs_deleting: FxHashSet::default(),
    };
    let mut by_name: FxHashMap<(&str, &str), Id> = FxHashMap::default();
    for (key, obj) in of_kind(f, "CronJob") {
        let Some(id) = f.id_of(key) else { continue };
        by_name.insert((&key.namespace, &key.name), id);
        out.cron_jobs.push(cron_job(id, obj, &mut syms));
    }
    for (key, obj) in of_kind(f, "Job") {
        let Some(id) = f.id_of(key) else { continue };
        out.jobs_by_name.insert((key.namespace.clone(), key.name.clone()), id);
        out.job_uid.insert(id, syms.intern(model::uid(obj)));
        let deleting = model::at(obj, &["metadata", "deletionTimestamp"]).is_some();
        if deleting {
            out.jobs_deleting.insert(id);
        }
        let Some((_, owner, owner_uid)) = model::controller_ref(obj) else { continue };
        out.job_controller_uid.insert(id, syms.intern(owner_uid));
        let Some(&cron) = by_name.get(&(key.namespace.as_str(), owner)) else { continue };
        out.children.push(ChildF {
            job: id,
            cron,
            uid: syms.intern(model::uid(obj)),
            finished: finished(obj),
            start: time_at(obj, &["status", "startTime"]),
            completion: time_at(obj, &["status", "completionTime"]),
            deleting,
        });
    }
    out.syms = syms;
    out
}

fn cron_job(id: Id, obj: &Value, syms: &mut Interner) -> CronJobF {
    let spec = |field: &str| model::at(obj, &["spec", field]);
    let schedule_text = model::str_at(obj, &["spec", "schedule"]).to_string();
    let time_zone = spec("timeZone").and_then(Value::as_str).map(str::to_string);
    let zone = time_zone.as_deref().map(cron::load_location);
    let tz_in_schedule = schedule_text.contains("TZ");
    // upstream `formatSchedule`: a schedule with `TZ` is used as written; otherwise a loadable
    // `timeZone` becomes a `TZ=` prefix.
    let formatted = match (&zone, &time_zone) {
        (Some(Ok(_)), Some(tz)) if !tz_in_schedule => format!("TZ={tz} {schedule_text}"),
        _ => schedule_text.clone(),
    };
    let limit = |field: &str, default: i64| spec(field).and_then(Value::as_i64).unwrap_or(default);
    CronJobF {
        id,
        uid: syms.intern(model::uid(obj)),
        policy: Policy::parse(model::str_at(obj, &["spec", "concurrencyPolicy"])),
        suspend: spec("suspend").and_then(Value::as_bool).unwrap_or(false),
        deleting: model::at(obj, &["metadata", "deletionTimestamp"]).is_some(),
        schedule_text,
        time_zone,
        zone_error: zone.as_ref().and_then(|z| z.clone().err()),
        tz_in_schedule,
        schedule: cron::parse_standard(&formatted),
        zone: zone.and_then(Result::ok).unwrap_or(Zone::Utc),
        history: History {
            created: time_at(obj, &["metadata", "creationTimestamp"]).unwrap_or(0),
            last_schedule: time_at(obj, &["status", "lastScheduleTime"]),
            starting_deadline: spec("startingDeadlineSeconds").and_then(Value::as_i64),
        },
        last_successful: time_at(obj, &["status", "lastSuccessfulTime"]),
        successful_limit: limit("successfulJobsHistoryLimit", DEFAULT_SUCCESSFUL_LIMIT),
        failed_limit: limit("failedJobsHistoryLimit", DEFAULT_FAILED_LIMIT),
        active: model::at(obj, &["status", "active"])
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|r| ActiveRef {
                uid: syms.intern(model::str_at(r, &["uid"])),
                name: model::str_at(r, &["name"]).to_string(),
                raw: r.clone(),
            })
            .collect(),
    }
}

/// upstream `getFinishedStatus`: the first `Complete` or `Failed` condition that is `True`.
fn finished(job: &Value) -> Option<Outcome> {
    model::at(job, &["status", "conditions"])?.as_array()?.iter().find_map(|c| {
        if model::str_at(c, &["status"]) != "True" {
            return None;
        }
        match model::str_at(c, &["type"]) {
            "Complete" => Some(Outcome::Complete),
            "Failed" => Some(Outcome::Failed),
            _ => None,
        }
    })
}

/// The start time due now (`cron::due`): `Ok(None)` when nothing is due.
pub fn due(c: &CronJobF, now: i64) -> Result<Option<(i64, bool)>, String> {
    match &c.schedule {
        Ok(s) => cron::due(s, &c.history, now).map(|d| d.map(|(t, missed)| (t, missed == Missed::Many))),
        Err(e) => Err(e.clone()),
    }
}

/// The name of the Job for a start time: `<cronjob>-<minutes since the epoch>`
/// (upstream `getJobName`).
pub fn job_name(cron_job: &str, scheduled: i64) -> String {
    format!("{cron_job}-{}", scheduled / 60)
}

/// upstream `byJobStartTime.Less`: Jobs with a start time first, earliest first, ties (and Jobs
/// without one) by name.
pub fn by_job_start_time(a: (Option<i64>, &str), b: (Option<i64>, &str)) -> Ordering {
    match (a.0, b.0) {
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (x, y) if x == y => a.1.cmp(b.1),
        (x, y) => x.cmp(&y),
    }
}

/// Each finished Job's place among its CronJob's Jobs finished the same way, oldest first in
/// `byJobStartTime` order, and how many there are: (cronjob, job, outcome, rank, count).
pub fn history_ranks(f: &Facts, children: &[ChildF]) -> Vec<(Id, Id, Outcome, i64, i64)> {
    let mut groups: FxHashMap<(Id, Outcome), Vec<&ChildF>> = FxHashMap::default();
    for c in children {
        if let Some(o) = c.finished {
            groups.entry((c.cron, o)).or_default().push(c);
        }
    }
    let mut out = Vec::new();
    for ((cron, outcome), mut jobs) in groups {
        jobs.sort_by(|a, b| by_job_start_time((a.start, &f.key(a.job).name), (b.start, &f.key(b.job).name)));
        let count = jobs.len() as i64;
        out.extend(jobs.iter().enumerate().map(|(rank, j)| (cron, j.job, outcome, rank as i64, count)));
    }
    out
}

/// The latest `completionTime` of each CronJob's `Complete` Jobs (upstream raises
/// `lastSuccessfulTime` to it).
pub fn latest_completions(children: &[ChildF]) -> Vec<(Id, i64)> {
    let mut latest: FxHashMap<Id, i64> = FxHashMap::default();
    for c in children.iter().filter(|c| c.finished == Some(Outcome::Complete)) {
        if let Some(t) = c.completion {
            let e = latest.entry(c.cron).or_insert(t);
            *e = (*e).max(t);
        }
    }
    latest.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Kubernetes `utils_test.go` `TestByJobStartTime`, every case.
    #[test]
    fn kubernetes_by_job_start_time() {
        let (now, later) = (Some(1_514_772_184), Some(1_546_308_184));
        let sorted = |mut v: Vec<(Option<i64>, &'static str)>| {
            v.sort_by(|a, b| by_job_start_time(*a, *b));
            v
        };
        let cases = [
            ("both have nil start times", vec![(None, "b"), (None, "a")], vec![(None, "a"), (None, "b")]),
            (
                "only the first has a nil start time",
                vec![(None, "a"), (now, "b")],
                vec![(now, "b"), (None, "a")],
            ),
            (
                "only the second has a nil start time",
                vec![(now, "a"), (None, "b")],
                vec![(now, "a"), (None, "b")],
            ),
            (
                "both have non-nil, equal start time",
                vec![(now, "b"), (now, "a")],
                vec![(now, "a"), (now, "b")],
            ),
            (
                "both have non-nil, different start time",
                vec![(later, "a"), (now, "b")],
                vec![(now, "b"), (later, "a")],
            ),
        ];
        for (name, input, want) in cases {
            assert_eq!(sorted(input), want, "{name}");
        }
    }

    #[test]
    fn job_names_count_minutes_since_the_epoch() {
        assert_eq!(job_name("hello", 1_463_652_000), "hello-24394200");
    }
}
