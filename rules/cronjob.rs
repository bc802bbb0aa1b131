//! CronJob controller (upstream `pkg/controller/cronjob/cronjob_controllerv2.go`, `utils.go`).
//!
//! `sync`: the Jobs whose controller reference names the CronJob, `cleanupFinishedJobs`, then
//! `syncCronJob`, then one status update.
//!
//! * `cleanupFinishedJobs`: of the finished Jobs, split into Complete and Failed, the oldest
//!   (`byJobStartTime`) beyond `successfulJobsHistoryLimit` / `failedJobsHistoryLimit` are
//!   deleted (`SuccessfulDelete`), and dropped from `status.active`.
//! * `syncCronJob` step 1, on every sync: an unfinished owned Job missing from `status.active`
//!   is an `UnexpectedJob` (warning); a finished Job in it leaves it (`SawCompletedJob`); a
//!   succeeded Job raises `lastSuccessfulTime` to its completion time; an active entry whose
//!   Job is gone leaves it (`MissingJob`).
//! * Then, in order: a CronJob being deleted stops; a `timeZone` that does not load warns
//!   (`UnknownTimeZone`) and stops; a suspended one stops; `TZ` in the schedule warns
//!   (`UnsupportedSchedule`); a schedule that does not parse warns (`UnparseableSchedule`) and
//!   stops; `nextScheduleTime` failing warns (`InvalidSchedule`) and stops.
//! * The start time due is the most recent unmet one (`cron::due`); more than 100 missed warns
//!   (`TooManyMissedTimes`) and still runs the most recent. Past `startingDeadlineSeconds` it is
//!   missed (`MissSchedule`); already in `status.active` by name, or equal to
//!   `lastScheduleTime`, it was handled; with `Forbid` and an active Job it waits
//!   (`JobAlreadyActive`); with `Replace` every active Job is deleted (`SuccessfulDelete`).
//! * The Job `<cronjob>-<minutes since the epoch>` is created from `jobTemplate`
//!   (`SuccessfulCreate`), appended to `status.active`, and `lastScheduleTime` set; when a Job of
//!   that name exists already and this CronJob controls it but does not list it, it is listed
//!   instead (upstream's `AlreadyExists` path).
//!
//! The controller requeues itself at the next start time (`nextScheduleTimeDuration`): reported
//! as a schedule, which the clock only runs to within an `advance`. A warning about one
//! situation is recorded once (an Event-only action, `Change::Emit`), where upstream records it
//! again on each sync its requeues and Job updates bring.

use crate::actions::{object_reference, Action, Change, EventSpec, EventType, Precondition, Propagation};
use crate::controllers::{Controller, Proposals};
use crate::cron::INTERVAL_ERROR;
use crate::facts::cronjobs::{self as cf, CronFacts, CronJobF, Outcome, Policy};
use crate::facts::{Facts, Id, Sym};
use crate::model::{self, ObjKey};
use crate::podtemplate;
use crepe::crepe;
use rustc_hash::{FxBuildHasher, FxHashMap, FxHashSet};
use serde_json::{json, Value};

/// The name this controller's actions carry in the trace.
pub const NAME: &str = "cronjob";

pub const CONTROLLER: Controller = Controller { name: NAME, component: "cronjob-controller", reconcile };

/// The annotation with a Job's scheduled start time (RFC 3339, in the CronJob's time zone).
pub const SCHEDULED_TIMESTAMP: &str = "batch.kubernetes.io/cronjob-scheduled-timestamp";

crepe! {
    // A CronJob: (cronjob, concurrencyPolicy, suspend, being deleted).
    @input
    pub struct Cron(Id, Policy, bool, bool);
    // `spec.timeZone` does not load.
    @input
    pub struct BadTimeZone(Id);
    // The schedule contains `TZ`.
    @input
    pub struct TzInSchedule(Id);
    // The schedule (with its time zone) does not parse.
    @input
    pub struct Unparseable(Id);
    // `mostRecentScheduleTime` failed (start times less than a second apart).
    @input
    pub struct ScheduleError(Id);
    // The start time due now and whether more than 100 were missed: `cron::due`.
    @input
    pub struct Due(Id, i64, bool);
    // `startingDeadlineSeconds`.
    @input
    pub struct Deadline(Id, i64);
    @input
    pub struct Now(i64);
    @input
    pub struct LastScheduled(Id, i64);
    // An entry of `status.active`: (cronjob, uid, name).
    @input
    pub struct Active(Id, Sym, Sym);
    // The Job a `status.active` entry names exists (the API server's answer to a GET by name).
    @input
    pub struct ActiveJobExists(Id, Sym, Id);
    // A Job whose controller reference names the CronJob: (cronjob, job, job uid).
    @input
    pub struct Owned(Id, Id, Sym);
    @input
    pub struct Finished(Id, Outcome);
    @input
    pub struct JobDeleting(Id);
    // A finished Job's place, oldest first (`byJobStartTime`), among the CronJob's Jobs that
    // finished the same way, and how many there are: `cronjobs::history_ranks`.
    @input
    pub struct HistoryRank(Id, Id, Outcome, i64, i64);
    @input
    pub struct HistoryLimit(Id, Outcome, i64);
    // The latest completion time of the CronJob's Complete Jobs: `cronjobs::latest_completions`.
    @input
    pub struct LatestCompletion(Id, i64);
    @input
    pub struct LastSuccessful(Id, i64);
    // The name of the Job for the due start time.
    @input
    pub struct DueName(Id, Sym);
    // A Job with that name exists: (cronjob, job, its uid, controlled by this CronJob).
    @input
    pub struct NameTaken(Id, Id, Sym, bool);
    // The next start time (`nextScheduleTimeDuration`).
    @input
    pub struct NextRun(Id, i64);

    struct OwnedUid(Id, Sym);
    struct InActive(Id, Id);
    struct IsFinished(Id);
    struct Live(Id);
    struct Parsed(Id);
    struct Schedulable(Id);
    struct Late(Id);
    struct LeftActive(Id, Sym);
    struct StillActive(Id, Sym);
    struct StillActiveName(Id, Sym);
    struct HasActive(Id);
    struct Processed(Id);
    struct Ready(Id, i64);
    struct IsBlocked(Id);
    struct Go(Id, i64);
    struct Taken(Id);
    struct Replaced(Id, Sym);
    struct ActiveAfter(Id, Sym);
    struct HasLastSuccessful(Id);
    struct HistoryDeleted(Id, Id);

    // cleanupFinishedJobs: delete a finished Job beyond its history limit (cronjob, job).
    @output
    pub struct DeleteOld(Id, Id, Outcome, i64);
    // A finished Job leaves `status.active` (cronjob, job, how it finished).
    @output
    pub struct SawCompleted(Id, Id, Outcome);
    // An unfinished Job the CronJob does not list.
    @output
    pub struct Unexpected(Id, Id);
    // A listed Job is gone (cronjob, uid, name).
    @output
    pub struct Missing(Id, Sym, Sym);
    @output
    pub struct WarnTimeZone(Id);
    @output
    pub struct WarnTzInSchedule(Id);
    @output
    pub struct WarnUnparseable(Id);
    @output
    pub struct WarnInvalid(Id);
    @output
    pub struct WarnTooMany(Id, i64);
    @output
    pub struct WarnMissed(Id, i64);
    // Forbid: the start time waits for the active Job.
    @output
    pub struct Blocked(Id, i64);
    // Replace: delete an active Job (cronjob, uid, name).
    @output
    pub struct ReplaceJob(Id, Sym, Sym);
    @output
    pub struct Create(Id, i64);
    // The Job of the start time exists, is this CronJob's and is not listed: list it.
    @output
    pub struct Adopt(Id, Id, i64);
    // An entry leaves `status.active`.
    @output
    pub struct Removed(Id, Sym);
    @output
    pub struct NewLastSuccessful(Id, i64);
    @output
    pub struct Schedule(i64);

    // cleanupFinishedJobs (a Job already being deleted counts, and is not deleted again).
    DeleteOld(c, j, o, limit) <-
        HistoryRank(c, j, o, rank, count), HistoryLimit(c, o, limit), (rank < count - limit), !JobDeleting(j);
    HistoryDeleted(c, j) <- HistoryRank(c, j, o, rank, count), HistoryLimit(c, o, limit), (rank < count - limit);

    // syncCronJob, step 1: the Jobs the CronJob owns against its active list.
    OwnedUid(c, uid) <- Owned(c, _, uid);
    InActive(c, j) <- Owned(c, j, uid), Active(c, uid, _);
    IsFinished(j) <- Finished(j, _);
    Unexpected(c, j) <- Owned(c, j, _), !InActive(c, j), !IsFinished(j);
    SawCompleted(c, j, o) <- InActive(c, j), Finished(j, o), !HistoryDeleted(c, j);
    Missing(c, uid, name) <- Active(c, uid, name), !OwnedUid(c, uid), !ActiveJobExists(c, uid, _);
    LeftActive(c, uid) <- SawCompleted(c, j, _), Owned(c, j, uid);
    LeftActive(c, uid) <- HistoryDeleted(c, j), Owned(c, j, uid), Active(c, uid, _);
    LeftActive(c, uid) <- Missing(c, uid, _);
    Removed(c, uid) <- LeftActive(c, uid);
    HasLastSuccessful(c) <- LastSuccessful(c, _);
    NewLastSuccessful(c, t) <- LatestCompletion(c, t), !HasLastSuccessful(c);
    NewLastSuccessful(c, t) <- LatestCompletion(c, t), LastSuccessful(c, last), (t > last);

    // Deleting, time zone, suspend, schedule.
    WarnTimeZone(c) <- BadTimeZone(c), Cron(c, _, _, false);
    Live(c) <- Cron(c, _, false, false), !BadTimeZone(c);
    WarnTzInSchedule(c) <- Live(c), TzInSchedule(c);
    WarnUnparseable(c) <- Live(c), Unparseable(c);
    Parsed(c) <- Live(c), !Unparseable(c);
    WarnInvalid(c) <- Parsed(c), ScheduleError(c);
    Schedulable(c) <- Parsed(c), !ScheduleError(c);
    Schedule(t) <- Schedulable(c), NextRun(c, t);

    // The start time due.
    WarnTooMany(c, t) <- Schedulable(c), Due(c, t, true);
    WarnMissed(c, t) <- Schedulable(c), Due(c, t, _), Deadline(c, sds), Now(now), (t + sds < now);
    Late(c) <- WarnMissed(c, _);
    StillActive(c, uid) <- Active(c, uid, _), !LeftActive(c, uid);
    StillActiveName(c, name) <- Active(c, uid, name), !LeftActive(c, uid);
    HasActive(c) <- StillActive(c, _);
    Processed(c) <- DueName(c, name), StillActiveName(c, name);
    Processed(c) <- Due(c, t, _), LastScheduled(c, t);
    Ready(c, t) <- Schedulable(c), Due(c, t, _), !Late(c), !Processed(c);
    Blocked(c, t) <- Ready(c, t), Cron(c, policy, _, _), (policy == Policy::Forbid), HasActive(c);
    IsBlocked(c) <- Blocked(c, _);
    Go(c, t) <- Ready(c, t), !IsBlocked(c);
    ReplaceJob(c, uid, name) <-
        Go(c, _), Cron(c, policy, _, _), (policy == Policy::Replace), StillActive(c, uid), Active(c, uid, name);
    Replaced(c, uid) <- ReplaceJob(c, uid, _);
    Removed(c, uid) <- Replaced(c, uid);
    ActiveAfter(c, uid) <- StillActive(c, uid), !Replaced(c, uid);
    Taken(c) <- Go(c, _), NameTaken(c, _, _, _);
    Create(c, t) <- Go(c, t), !Taken(c);
    Adopt(c, j, t) <- Go(c, t), NameTaken(c, j, uid, true), !ActiveAfter(c, uid);
}

/// Run the controller over one snapshot.
pub fn reconcile(f: &Facts) -> Proposals {
    let mut cf = cf::cron_facts(f);
    if cf.cron_jobs.is_empty() {
        return Proposals::default();
    }
    let mut rt = Crepe::new();
    rt.extend([Now(f.now)]);
    for c in &cf.cron_jobs {
        let id = c.id;
        rt.extend([Cron(id, c.policy, c.suspend, c.deleting)]);
        rt.extend(c.zone_error.is_some().then_some(BadTimeZone(id)));
        rt.extend(c.tz_in_schedule.then_some(TzInSchedule(id)));
        rt.extend(c.history.starting_deadline.map(|sds| Deadline(id, sds)));
        rt.extend(c.history.last_schedule.map(|t| LastScheduled(id, t)));
        rt.extend(c.last_successful.map(|t| LastSuccessful(id, t)));
        rt.extend([
            HistoryLimit(id, Outcome::Complete, c.successful_limit),
            HistoryLimit(id, Outcome::Failed, c.failed_limit),
        ]);
        let ns = &f.key(id).namespace;
        for a in &c.active {
            let name = cf.syms.intern(&a.name);
            rt.extend([Active(id, a.uid, name)]);
            if let Some(&job) = cf.jobs_by_name.get(&(ns.clone(), a.name.clone())) {
                rt.extend([ActiveJobExists(id, a.uid, job)]);
            }
        }
        let Ok(schedule) = &c.schedule else {
            rt.extend([Unparseable(id)]);
            continue;
        };
        rt.extend([NextRun(id, crate::cron::next_after(schedule, &c.history, f.now))]);
        match cf::due(c, f.now) {
            Err(_) => rt.extend([ScheduleError(id)]),
            Ok(None) => {}
            Ok(Some((t, many))) => {
                rt.extend([Due(id, t, many)]);
                let name = cf::job_name(&f.key(id).name, t);
                rt.extend([DueName(id, cf.syms.intern(&name))]);
                if let Some(&job) = cf.jobs_by_name.get(&(ns.clone(), name)) {
                    let controlled = cf.job_controller_uid.get(&job) == Some(&c.uid);
                    rt.extend([NameTaken(id, job, cf.job_uid[&job], controlled)]);
                }
            }
        }
    }
    for ch in &cf.children {
        rt.extend([Owned(ch.cron, ch.job, ch.uid)]);
        rt.extend(ch.finished.map(|o| Finished(ch.job, o)));
        rt.extend(ch.deleting.then_some(JobDeleting(ch.job)));
    }
    rt.extend(
        cf::history_ranks(f, &cf.children).into_iter().map(|(c, j, o, r, n)| HistoryRank(c, j, o, r, n)),
    );
    rt.extend(cf::latest_completions(&cf.children).into_iter().map(|(c, t)| LatestCompletion(c, t)));
    let out = rt.run_with_hasher::<FxBuildHasher>();
    Glue { f, cf: &cf, d: Derived::from(out) }.proposals()
}

type Outputs = (
    std::collections::HashSet<DeleteOld, FxBuildHasher>,
    std::collections::HashSet<SawCompleted, FxBuildHasher>,
    std::collections::HashSet<Unexpected, FxBuildHasher>,
    std::collections::HashSet<Missing, FxBuildHasher>,
    std::collections::HashSet<WarnTimeZone, FxBuildHasher>,
    std::collections::HashSet<WarnTzInSchedule, FxBuildHasher>,
    std::collections::HashSet<WarnUnparseable, FxBuildHasher>,
    std::collections::HashSet<WarnInvalid, FxBuildHasher>,
    std::collections::HashSet<WarnTooMany, FxBuildHasher>,
    std::collections::HashSet<WarnMissed, FxBuildHasher>,
    std::collections::HashSet<Blocked, FxBuildHasher>,
    std::collections::HashSet<ReplaceJob, FxBuildHasher>,
    std::collections::HashSet<Create, FxBuildHasher>,
    std::collections::HashSet<Adopt, FxBuildHasher>,
    std::collections::HashSet<Removed, FxBuildHasher>,
    std::collections::HashSet<NewLastSuccessful, FxBuildHasher>,
    std::collections::HashSet<Schedule, FxBuildHasher>,
);

/// The rules' conclusions, grouped by CronJob and sorted.
#[derive(Default)]
pub struct Derived {
    pub delete_old: FxHashMap<Id, Vec<(Id, Outcome, i64)>>,
    pub saw_completed: FxHashMap<Id, Vec<(Id, Outcome)>>,
    pub unexpected: FxHashMap<Id, Vec<Id>>,
    pub missing: FxHashMap<Id, Vec<Sym>>,
    pub warn_time_zone: FxHashSet<Id>,
    pub warn_tz_in_schedule: FxHashSet<Id>,
    pub warn_unparseable: FxHashSet<Id>,
    pub warn_invalid: FxHashSet<Id>,
    pub warn_too_many: FxHashMap<Id, i64>,
    pub warn_missed: FxHashMap<Id, i64>,
    pub blocked: FxHashMap<Id, i64>,
    pub replace: FxHashMap<Id, Vec<Sym>>,
    pub create: FxHashMap<Id, i64>,
    pub adopt: FxHashMap<Id, (Id, i64)>,
    pub removed: FxHashSet<(Id, Sym)>,
    pub new_last_successful: FxHashMap<Id, i64>,
    pub schedules: Vec<i64>,
}

impl From<Outputs> for Derived {
    fn from(o: Outputs) -> Derived {
        let mut d = Derived::default();
        for DeleteOld(c, j, outcome, limit) in o.0 {
            d.delete_old.entry(c).or_default().push((j, outcome, limit));
        }
        for SawCompleted(c, j, outcome) in o.1 {
            d.saw_completed.entry(c).or_default().push((j, outcome));
        }
        for Unexpected(c, j) in o.2 {
            d.unexpected.entry(c).or_default().push(j);
        }
        for Missing(c, uid, _) in o.3 {
            d.missing.entry(c).or_default().push(uid);
        }
        d.warn_time_zone.extend(o.4.into_iter().map(|w| w.0));
        d.warn_tz_in_schedule.extend(o.5.into_iter().map(|w| w.0));
        d.warn_unparseable.extend(o.6.into_iter().map(|w| w.0));
        d.warn_invalid.extend(o.7.into_iter().map(|w| w.0));
        d.warn_too_many.extend(o.8.into_iter().map(|w| (w.0, w.1)));
        d.warn_missed.extend(o.9.into_iter().map(|w| (w.0, w.1)));
        d.blocked.extend(o.10.into_iter().map(|b| (b.0, b.1)));
        for ReplaceJob(c, uid, _) in o.11 {
            d.replace.entry(c).or_default().push(uid);
        }
        d.create.extend(o.12.into_iter().map(|c| (c.0, c.1)));
        d.adopt.extend(o.13.into_iter().map(|a| (a.0, (a.1, a.2))));
        d.removed.extend(o.14.into_iter().map(|r| (r.0, r.1)));
        d.new_last_successful.extend(o.15.into_iter().map(|n| (n.0, n.1)));
        d.schedules = o.16.into_iter().map(|s| s.0).collect();
        d.schedules.sort_unstable();
        d.schedules.dedup();
        for v in d.delete_old.values_mut() {
            v.sort_unstable();
        }
        for v in d.saw_completed.values_mut() {
            v.sort_unstable();
        }
        for v in d.unexpected.values_mut() {
            v.sort_unstable();
        }
        d
    }
}

/// Turns the conclusions into actions, CronJob by CronJob in upstream's order within a sync.
struct Glue<'a, 'f> {
    f: &'a Facts<'f>,
    cf: &'a CronFacts,
    d: Derived,
}

impl Glue<'_, '_> {
    fn proposals(&self) -> Proposals {
        let mut actions = Vec::new();
        for c in &self.cf.cron_jobs {
            actions.extend(self.sync(c));
        }
        Proposals { actions, wakes: Vec::new(), schedules: self.d.schedules.clone() }
    }

    fn sync(&self, c: &CronJobF) -> Vec<Action> {
        let (f, d, id) = (self.f, &self.d, c.id);
        let key = f.key(id);
        let mut out = Vec::new();
        let name_of = |j: Id| f.key(j).name.clone();
        for &(job, outcome, limit) in d.delete_old.get(&id).into_iter().flatten() {
            let which = match outcome {
                Outcome::Complete => "successfulJobsHistoryLimit",
                Outcome::Failed => "failedJobsHistoryLimit",
            };
            out.push(self.delete_job(
                c,
                f.key(job),
                format!("{which} {limit}: oldest {} Job", outcome.condition()),
            ));
        }
        for &job in d.unexpected.get(&id).into_iter().flatten() {
            let message = format!("Saw a job that the controller did not create or forgot: {}", name_of(job));
            out.push(self.warn(key, "UnexpectedJob", message, i64::MIN, "owned Job not in status.active"));
        }
        for &(job, outcome) in d.saw_completed.get(&id).into_iter().flatten() {
            let message = format!("Saw completed job: {}, condition: {}", name_of(job), outcome.condition());
            out.push(self.normal(key, "SawCompletedJob", message, f.now, "finished: leaves status.active"));
        }
        for uid in d.missing.get(&id).into_iter().flatten() {
            let name = c.active.iter().find(|a| a.uid == *uid).map_or("", |a| a.name.as_str());
            let message = format!("Active job went missing: {name}");
            out.push(self.normal(key, "MissingJob", message, f.now, "listed Job is gone"));
        }
        if d.warn_time_zone.contains(&id) {
            let (tz, err) = (c.time_zone.as_deref().unwrap_or(""), c.zone_error.as_deref().unwrap_or(""));
            let message = format!("invalid timeZone: {tz:?}: {err}");
            out.push(self.warn(key, "UnknownTimeZone", message, i64::MIN, "timeZone does not load"));
        }
        if d.warn_tz_in_schedule.contains(&id) {
            let message = format!("CRON_TZ or TZ used in schedule {:?} is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details", c.schedule_text);
            out.push(self.warn(key, "UnsupportedSchedule", message, i64::MIN, "TZ in the schedule"));
        }
        if d.warn_unparseable.contains(&id) {
            let err = c.schedule.as_ref().err().map_or("", String::as_str);
            let message = format!("unparseable schedule: {:?} : {err}", c.schedule_text);
            out.push(self.warn(key, "UnparseableSchedule", message, i64::MIN, "schedule does not parse"));
        }
        if d.warn_invalid.contains(&id) {
            let message = format!("invalid schedule: {} : {INTERVAL_ERROR}", c.schedule_text);
            out.push(self.warn(key, "InvalidSchedule", message, i64::MIN, "schedule never fires"));
        }
        if let Some(&t) = d.warn_too_many.get(&id) {
            let message = "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew";
            let why = format!("more than 100 start times missed: only {} runs", model::fmt_time(t));
            out.push(self.warn(key, "TooManyMissedTimes", message.into(), t, &why));
        }
        if let Some(&t) = d.warn_missed.get(&id) {
            let message = format!("Missed scheduled time to start a job: {}", rfc1123z(t));
            let sds = c.history.starting_deadline.unwrap_or(0);
            let why = format!("{} is {}s late, startingDeadlineSeconds {sds}", model::fmt_time(t), f.now - t);
            out.push(self.warn(key, "MissSchedule", message, t, &why));
        }
        if let Some(&t) = d.blocked.get(&id) {
            let message =
                "Not starting job because prior execution is running and concurrency policy is Forbid";
            let why = format!("Forbid: {} waits for the active Job", model::fmt_time(t));
            out.push(self.normal(key, "JobAlreadyActive", message.into(), t, &why));
        }
        for uid in d.replace.get(&id).into_iter().flatten() {
            let Some(active) = c.active.iter().find(|a| a.uid == *uid) else { continue };
            let job = ObjKey::new("Job", &key.namespace, &active.name);
            let deleting = self
                .cf
                .jobs_by_name
                .get(&(key.namespace.clone(), active.name.clone()))
                .is_some_and(|j| self.cf.jobs_deleting.contains(j));
            if !deleting {
                out.push(self.delete_job(c, &job, "Replace: the active Job makes way".into()));
            }
        }
        let mut added = None;
        if let Some(&t) = d.create.get(&id) {
            let job = job_from_template(f.raw(id), c, t);
            let name = cf::job_name(&key.name, t);
            out.push(
                Action::new(
                    Change::Create { object: job },
                    NAME,
                    format!(
                        "{} {:?}: start time {}",
                        policy_word(c.policy),
                        c.schedule_text,
                        model::fmt_time(t)
                    ),
                )
                .with_event(
                    key,
                    EventType::Normal,
                    "SuccessfulCreate",
                    format!("Created job {name}"),
                ),
            );
            added = Some((object_reference(&ObjKey::new("Job", &key.namespace, &name)), t));
        }
        if let Some(&(job, t)) = d.adopt.get(&id) {
            added = Some((object_reference(f.key(job)), t));
        }
        out.extend(self.status(c, added));
        out
    }

    fn delete_job(&self, c: &CronJobF, job: &ObjKey, reason: String) -> Action {
        Action::new(Change::Delete { key: job.clone(), propagation: Propagation::Background }, NAME, reason)
            .with_event(
                self.f.key(c.id),
                EventType::Normal,
                "SuccessfulDelete",
                format!("Deleted job {}", job.name),
            )
    }

    fn warn(&self, on: &ObjKey, reason: &'static str, message: String, since: i64, why: &str) -> Action {
        let event = EventSpec { on: on.clone(), kind: EventType::Warning, reason: reason.into(), message };
        Action::event_only(NAME, format!("{reason}: {why}"), since, event)
    }

    fn normal(&self, on: &ObjKey, reason: &'static str, message: String, since: i64, why: &str) -> Action {
        let event = EventSpec { on: on.clone(), kind: EventType::Normal, reason: reason.into(), message };
        Action::event_only(NAME, format!("{reason}: {why}"), since, event)
    }

    /// The one status update of a sync: `active` without the entries that left it and with the
    /// Job just created (or listed), `lastScheduleTime`, `lastSuccessfulTime`.
    fn status(&self, c: &CronJobF, added: Option<(Value, i64)>) -> Option<Action> {
        let d = &self.d;
        let removed: Vec<&str> =
            c.active.iter().filter(|a| d.removed.contains(&(c.id, a.uid))).map(|a| a.name.as_str()).collect();
        let last_successful = d.new_last_successful.get(&c.id);
        if removed.is_empty() && added.is_none() && last_successful.is_none() {
            return None;
        }
        let mut active: Vec<Value> =
            c.active.iter().filter(|a| !d.removed.contains(&(c.id, a.uid))).map(|a| a.raw.clone()).collect();
        let mut status = serde_json::Map::new();
        let mut why = Vec::new();
        if !removed.is_empty() {
            why.push(format!("{} left active", removed.join(", ")));
        }
        let precondition = match added {
            Some((reference, t)) => {
                active.push(reference);
                status.insert("lastScheduleTime".into(), json!(model::fmt_time(t)));
                why.push(format!("lastScheduleTime {}", model::fmt_time(t)));
                Precondition::ResolveReferences
            }
            None => Precondition::None,
        };
        status.insert("active".into(), if active.is_empty() { Value::Null } else { Value::Array(active) });
        if let Some(&t) = last_successful {
            status.insert("lastSuccessfulTime".into(), json!(model::fmt_time(t)));
            why.push(format!("lastSuccessfulTime {}", model::fmt_time(t)));
        }
        Some(Action::new(
            Change::Patch { key: self.f.key(c.id).clone(), patch: json!({"status": status}), precondition },
            NAME,
            format!("status: {}", why.join("; ")),
        ))
    }
}

fn policy_word(p: Policy) -> &'static str {
    match p {
        Policy::Allow => "Allow",
        Policy::Forbid => "Forbid",
        Policy::Replace => "Replace",
    }
}

/// Go's `time.RFC1123Z` in UTC (`Mon, 02 Jan 2006 15:04:05 -0700`).
fn rfc1123z(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.format("%a, %d %b %Y %H:%M:%S +0000").to_string())
        .unwrap_or_default()
}

/// upstream `getJobFromTemplate2`: the Job of start time `t`, named `<cronjob>-<minutes>`, with
/// the template's labels and annotations plus the scheduled-timestamp annotation, and a
/// controller reference to the CronJob.
pub fn job_from_template(cron_job: &Value, c: &CronJobF, t: i64) -> Value {
    let name = cf::job_name(model::name(cron_job), t);
    let mut job =
        podtemplate::job_from_cron_job(cron_job, &name, &[(SCHEDULED_TIMESTAMP, c.zone.rfc3339(t))]);
    model::obj_mut(&mut job, &["metadata"])
        .insert("ownerReferences".into(), json!([podtemplate::controller_ref(cron_job)]));
    job
}
