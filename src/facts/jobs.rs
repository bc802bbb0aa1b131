//! Job facts and the aggregations the Job controller's rules need (`rules/job.rs`): a Job's
//! spec and status read into numbers and flags, its pod failure and success policies, each
//! claimed pod's Job-specific fields (tracking finalizer, completion index, per-index failure
//! counts, when it finished), and what crepe cannot compute over them: counts, index sets as
//! intervals (upstream `calculateSucceededIndexes`, `calculateFailedIndexes`), the pod-failure
//! back-off record (`backoff_utils.go`), the pods whose removal waits for their index's
//! replacement (`getPodsWithDelayedDeletionPerIndex`), the order of removal
//! (`activePodsForRemoval`) and of creation (`firstPendingIndexes`).

use super::intervals::Intervals;
use super::{Facts, Id, Phase, PodF, COMPLETION_INDEX};
use crate::model;
use rustc_hash::FxHashMap;
use serde_json::Value;
use std::cmp::Reverse;

/// The finalizer that keeps a finished pod until the Job controller has counted it.
pub const TRACKING_FINALIZER: &str = "batch.kubernetes.io/job-tracking";
/// How many times an index failed before the pod that carries it (backoffLimitPerIndex).
pub const INDEX_FAILURE_COUNT: &str = "batch.kubernetes.io/job-index-failure-count";
pub const INDEX_IGNORED_FAILURE_COUNT: &str = "batch.kubernetes.io/job-index-ignored-failure-count";
/// The controller name of `spec.managedBy` that means "this controller".
pub const JOB_CONTROLLER_NAME: &str = "kubernetes.io/job-controller";

/// upstream `DefaultJobPodFailureBackOff` and `MaxJobPodFailureBackOff`, in seconds.
pub const POD_FAILURE_BACK_OFF: i64 = 10;
pub const MAX_POD_FAILURE_BACK_OFF: i64 = 600;

/// upstream `getRemainingTimeForFailuresCount`'s back-off after `failures` consecutive
/// failures: 10 s doubling, at most 10 min; none without failures.
pub fn pod_failure_back_off(failures: i64) -> i64 {
    if failures <= 0 {
        return 0;
    }
    let doublings = (failures - 1).min(10) as u32;
    (POD_FAILURE_BACK_OFF << doublings).min(MAX_POD_FAILURE_BACK_OFF)
}

/// A `podFailurePolicy` rule's action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PolicyAction {
    FailJob,
    FailIndex,
    Ignore,
    Count,
}

impl PolicyAction {
    fn parse(s: &str) -> Option<PolicyAction> {
        match s {
            "FailJob" => Some(PolicyAction::FailJob),
            "FailIndex" => Some(PolicyAction::FailIndex),
            "Ignore" => Some(PolicyAction::Ignore),
            "Count" => Some(PolicyAction::Count),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            PolicyAction::FailJob => "FailJob",
            PolicyAction::FailIndex => "FailIndex",
            PolicyAction::Ignore => "Ignore",
            PolicyAction::Count => "Count",
        }
    }
}

/// One `podFailurePolicy` rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailureRule {
    pub action: PolicyAction,
    pub on_exit_codes: Option<OnExitCodes>,
    /// `onPodConditions`: (type, status).
    pub on_conditions: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OnExitCodes {
    /// `In` (else `NotIn`).
    pub is_in: bool,
    pub container: Option<String>,
    pub values: Vec<i64>,
}

/// One `successPolicy` rule: its `succeededIndexes` (read below completions) and
/// `succeededCount`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SuccessRule {
    pub indexes: Option<Intervals>,
    pub count: Option<i64>,
}

/// A Job condition as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobCondition {
    pub kind: String,
    pub status: String,
    pub reason: String,
    pub message: String,
    pub time: i64,
}

/// A Job's spec and status as the controller reads them.
#[derive(Clone, Debug)]
pub struct JobF {
    pub id: Id,
    /// `spec.completions`; `None`: a work-queue Job that completes on its first success.
    pub completions: Option<i64>,
    pub parallelism: i64,
    pub backoff_limit: i64,
    pub backoff_limit_per_index: Option<i64>,
    pub max_failed_indexes: Option<i64>,
    pub indexed: bool,
    pub suspend: bool,
    pub active_deadline: Option<i64>,
    pub ttl_after_finished: Option<i64>,
    /// The template's restartPolicy is OnFailure: pods restart in place.
    pub restart_on_failure: bool,
    /// upstream `onlyReplaceFailedPods`: podReplacementPolicy Failed, or a podFailurePolicy.
    pub only_replace_failed: bool,
    /// `spec.managedBy` names another controller.
    pub managed_elsewhere: bool,
    pub deleting: bool,
    pub failure_rules: Option<Vec<FailureRule>>,
    pub success_rules: Vec<SuccessRule>,
    pub succeeded: i64,
    pub failed: i64,
    pub start_time: Option<i64>,
    pub completed_indexes: Intervals,
    pub failed_indexes: Option<Intervals>,
    pub conditions: Vec<JobCondition>,
}

impl JobF {
    pub fn read(id: Id, job: &Value) -> JobF {
        let spec = &job["spec"];
        let int = |k: &str| spec[k].as_i64();
        let completions = int("completions");
        let failure_rules = spec.get("podFailurePolicy").filter(|p| !p.is_null()).map(|p| {
            p["rules"].as_array().into_iter().flatten().filter_map(failure_rule).collect::<Vec<_>>()
        });
        let below = completions.unwrap_or(0);
        let success_rules = spec["successPolicy"]["rules"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| SuccessRule {
                indexes: r["succeededIndexes"].as_str().map(|s| Intervals::parse_below(s, below)),
                count: r["succeededCount"].as_i64(),
            })
            .collect();
        let status = &job["status"];
        let time = |v: &Value| model::parse_time(v.as_str().unwrap_or(""));
        let conditions = status["conditions"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| JobCondition {
                kind: model::str_at(c, &["type"]).to_string(),
                status: model::str_at(c, &["status"]).to_string(),
                reason: model::str_at(c, &["reason"]).to_string(),
                message: model::str_at(c, &["message"]).to_string(),
                time: time(&c["lastTransitionTime"]).unwrap_or(0),
            })
            .collect();
        let managed_by = spec["managedBy"].as_str().unwrap_or(JOB_CONTROLLER_NAME);
        let has_failure_policy = failure_rules.is_some();
        JobF {
            id,
            completions,
            parallelism: int("parallelism").unwrap_or(1),
            backoff_limit: int("backoffLimit").unwrap_or(6),
            backoff_limit_per_index: int("backoffLimitPerIndex"),
            max_failed_indexes: int("maxFailedIndexes"),
            indexed: spec["completionMode"].as_str() == Some("Indexed"),
            suspend: spec["suspend"].as_bool() == Some(true),
            active_deadline: int("activeDeadlineSeconds"),
            ttl_after_finished: int("ttlSecondsAfterFinished"),
            restart_on_failure: spec["template"]["spec"]["restartPolicy"].as_str() == Some("OnFailure"),
            only_replace_failed: has_failure_policy
                || spec["podReplacementPolicy"].as_str() == Some("Failed"),
            managed_elsewhere: managed_by != JOB_CONTROLLER_NAME,
            deleting: model::at(job, &["metadata", "deletionTimestamp"]).is_some(),
            failure_rules,
            success_rules,
            succeeded: status["succeeded"].as_i64().unwrap_or(0),
            failed: status["failed"].as_i64().unwrap_or(0),
            start_time: time(&status["startTime"]),
            completed_indexes: Intervals::parse_below(
                status["completedIndexes"].as_str().unwrap_or(""),
                below,
            ),
            failed_indexes: status["failedIndexes"].as_str().map(|s| Intervals::parse_below(s, below)),
            conditions,
        }
    }

    /// The condition of a type, when its status is True.
    pub fn condition(&self, kind: &str) -> Option<&JobCondition> {
        self.conditions.iter().find(|c| c.kind == kind && c.status == "True")
    }

    /// upstream `IsJobFinished`: Complete or Failed is True; (time it finished).
    pub fn finished_at(&self) -> Option<i64> {
        self.condition("Complete").or_else(|| self.condition("Failed")).map(|c| c.time)
    }
}

fn failure_rule(r: &Value) -> Option<FailureRule> {
    let on_exit_codes = r.get("onExitCodes").filter(|v| !v.is_null()).map(|e| OnExitCodes {
        is_in: e["operator"].as_str() == Some("In"),
        container: e["containerName"].as_str().map(str::to_string),
        values: e["values"].as_array().into_iter().flatten().filter_map(Value::as_i64).collect(),
    });
    let on_conditions = r["onPodConditions"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            (model::str_at(p, &["type"]).to_string(), p["status"].as_str().unwrap_or("True").to_string())
        })
        .collect();
    Some(FailureRule { action: PolicyAction::parse(r["action"].as_str()?)?, on_exit_codes, on_conditions })
}

/// What the Job controller reads of one pod it claims.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JobPod {
    pub id: Id,
    pub phase: Phase,
    pub deleting: bool,
    pub ready: bool,
    /// Carries [`TRACKING_FINALIZER`]: not counted yet.
    pub tracked: bool,
    /// The completion index annotation, when it is a non-negative number.
    pub index: Option<i64>,
    pub failure_count: i64,
    pub ignored_failure_count: i64,
    /// upstream `getFinishedTime`.
    pub finished_at: i64,
    /// Restarts of all its containers and init containers.
    pub restarts: i64,
}

impl JobPod {
    pub fn read(p: &PodF, pod: &Value) -> JobPod {
        let count = |k: &str| {
            model::annotation(pod, k)
                .and_then(|v| v.parse::<i64>().ok())
                .filter(|n| (0..=i64::from(i32::MAX)).contains(n))
                .unwrap_or(0)
        };
        let statuses = ["containerStatuses", "initContainerStatuses"]
            .iter()
            .flat_map(|k| pod["status"][k].as_array().into_iter().flatten());
        JobPod {
            id: p.id,
            phase: p.phase,
            deleting: p.deleting,
            ready: p.ready,
            tracked: model::at(pod, &["metadata", "finalizers"])
                .and_then(Value::as_array)
                .is_some_and(|a| a.iter().any(|f| f.as_str() == Some(TRACKING_FINALIZER))),
            index: model::annotation(pod, COMPLETION_INDEX)
                .and_then(|i| i.parse::<i64>().ok())
                .filter(|&i| i >= 0),
            failure_count: count(INDEX_FAILURE_COUNT),
            ignored_failure_count: count(INDEX_IGNORED_FAILURE_COUNT),
            finished_at: finished_at(pod),
            restarts: statuses.filter_map(|s| s["restartCount"].as_i64()).sum(),
        }
    }

    /// upstream `IsPodActive`.
    pub fn active(&self) -> bool {
        !matches!(self.phase, Phase::Succeeded | Phase::Failed) && !self.deleting
    }
}

/// upstream `getFinishedTime`: the latest container exit when every container exited, else
/// when Ready turned False, else the deletion time less the grace period, else creation.
fn finished_at(pod: &Value) -> i64 {
    let time = |v: &Value| model::parse_time(v.as_str().unwrap_or(""));
    let statuses = pod["status"]["containerStatuses"].as_array();
    let exits: Option<Vec<i64>> = statuses
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.iter().map(|c| time(&c["state"]["terminated"]["finishedAt"])).collect::<Option<Vec<i64>>>()
        })
        .unwrap_or(None);
    if let Some(latest) = exits.and_then(|e| e.into_iter().max()) {
        return latest;
    }
    if let Some(c) = model::condition(pod, "Ready").filter(|c| model::str_at(c, &["status"]) == "False") {
        if let Some(t) = time(&c["lastTransitionTime"]) {
            return t;
        }
    }
    if let Some(t) = time(&pod["metadata"]["deletionTimestamp"]) {
        return t - pod["metadata"]["deletionGracePeriodSeconds"].as_i64().unwrap_or(0);
    }
    time(&pod["metadata"]["creationTimestamp"]).unwrap_or(0)
}

/// upstream `newBackoffRecord` folded over the Job's pods: how many failed pods finished after
/// the last succeeded one, and when the last of them finished.
pub fn back_off_record(pods: &[JobPod], failed: impl Fn(&JobPod) -> bool) -> (i64, i64) {
    let last_success = pods.iter().filter(|p| p.phase == Phase::Succeeded).map(|p| p.finished_at).max();
    let after: Vec<i64> = pods
        .iter()
        .filter(|p| failed(p))
        .map(|p| p.finished_at)
        .filter(|&t| last_success.is_none_or(|s| t > s))
        .collect();
    (after.len() as i64, after.iter().copied().max().unwrap_or(0))
}

/// upstream `getPodsWithDelayedDeletionPerIndex`: for each index that is neither succeeded,
/// failed nor active, its last failed pod (most absolute failures, then latest finish, then
/// name), whose finalizer stays until a replacement carries its failure count.
pub fn delayed_per_index(
    f: &Facts,
    pods: &[JobPod],
    failed_uncounted: impl Fn(&JobPod) -> bool,
    settled: &Intervals,
    active: &[i64],
) -> FxHashMap<i64, JobPod> {
    let mut out: FxHashMap<i64, JobPod> = FxHashMap::default();
    for p in pods.iter().filter(|p| failed_uncounted(p)) {
        let Some(ix) = p.index else { continue };
        if settled.contains(ix) || active.contains(&ix) {
            continue;
        }
        let rank =
            |q: &JobPod| (q.failure_count + q.ignored_failure_count, q.finished_at, Reverse(f.key(q.id)));
        match out.get(&ix) {
            Some(kept) if rank(kept) >= rank(p) => {}
            _ => {
                out.insert(ix, *p);
            }
        }
    }
    out
}

/// upstream `firstPendingIndexes`: the first `count` indexes below `completions` that are not
/// in `taken`, in order.
pub fn first_pending(taken: &Intervals, count: i64, completions: i64) -> Vec<i64> {
    let mut out = Vec::new();
    let mut candidate = 0;
    for &(first, last) in taken.0.iter().chain([(i64::MAX, i64::MAX)].iter()) {
        while candidate < completions && (out.len() as i64) < count && candidate < first {
            out.push(candidate);
            candidate += 1;
        }
        if (out.len() as i64) >= count || candidate >= completions {
            break;
        }
        candidate = candidate.max(last.saturating_add(1));
    }
    out
}

/// upstream `activePodsForRemoval`'s order over the active pods: for an Indexed Job first the
/// pods without a valid index, the extra pods of a repeated index (keeping the last in
/// `ActivePods` order) and the pods at or above `completions`, then the others in
/// `controller.ActivePods` order. Returns (pod, rank) and how many pods come first that must go
/// whatever the count.
pub fn removal_order(f: &Facts, active: &[JobPod], indexed_below: Option<i64>) -> (Vec<(Id, i64)>, i64) {
    let by_activity = |a: &&JobPod, b: &&JobPod| active_pods_key(f, a).cmp(&active_pods_key(f, b));
    let mut must: Vec<&JobPod> = Vec::new();
    let mut left: Vec<&JobPod> = Vec::new();
    match indexed_below {
        None => left.extend(active),
        Some(completions) => {
            let mut by_index: Vec<&JobPod> = active.iter().collect();
            by_index.sort_by(|a, b| {
                a.index.unwrap_or(-1).cmp(&b.index.unwrap_or(-1)).then_with(|| by_activity(a, b))
            });
            let mut groups: Vec<Vec<&JobPod>> = Vec::new();
            for p in by_index {
                match groups.last_mut() {
                    Some(g) if g[0].index == p.index => g.push(p),
                    _ => groups.push(vec![p]),
                }
            }
            for mut group in groups {
                match group[0].index {
                    None => must.extend(group),
                    Some(ix) if ix >= completions => must.extend(group),
                    Some(_) => {
                        let kept = group.pop();
                        must.extend(group);
                        left.extend(kept);
                    }
                }
            }
        }
    }
    left.sort_by(by_activity);
    let forced = must.len() as i64;
    let order = must.into_iter().chain(left).enumerate().map(|(rank, p)| (p.id, rank as i64)).collect();
    (order, forced)
}

/// upstream `controller.ActivePods.Less` as a key, smallest removed first: unassigned,
/// Pending < Unknown < Running, not ready, more recently ready, more restarts, newer; then the
/// name, so that the order is total.
fn active_pods_key<'f>(
    f: &'f Facts,
    p: &JobPod,
) -> (bool, u8, bool, i64, i64, i64, &'f crate::model::ObjKey) {
    let pod = f.pod(p.id);
    let phase = match p.phase {
        Phase::Pending => 0,
        Phase::Unknown => 1,
        Phase::Running => 2,
        _ => 0,
    };
    let newest_first = |t: i64| if t == 0 { i64::MIN } else { -t };
    (
        pod.is_some_and(|q| q.node.is_some()),
        phase,
        p.ready,
        if p.ready { pod.map_or(i64::MIN, |q| newest_first(q.ready_since)) } else { 0 },
        -pod.map_or(0, |q| q.restarts),
        pod.map_or(i64::MIN, |q| newest_first(q.created)),
        f.key(p.id),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iv(v: &[(i64, i64)]) -> Intervals {
        Intervals(v.to_vec())
    }

    /// upstream `TestFirstPendingIndexes`.
    #[test]
    fn first_pending_indexes_like_upstream() {
        type Spans = &'static [(i64, i64)];
        let cases: &[(&str, i64, i64, Spans, &[i64])] = &[
            ("cnt greater than completions", 5, 3, &[], &[0, 1, 2]),
            ("cnt less than completions", 2, 5, &[], &[0, 1]),
            ("first pods active", 3, 5, &[(0, 1)], &[2, 3, 4]),
            ("last pods active or succeeded", 6, 6, &[(4, 5)], &[0, 1, 2, 3]),
            ("mixed", 3, 20, &[(1, 1), (5, 7), (10, 10), (12, 12), (15, 15)], &[0, 2, 3]),
            ("with failed indexes", 3, 10, &[(1, 3), (5, 5), (9, 9)], &[0, 4, 6]),
            ("nothing pending", 3, 3, &[(0, 2)], &[]),
        ];
        for (name, count, completions, taken, want) in cases {
            assert_eq!(first_pending(&iv(taken), *count, *completions), want.to_vec(), "{name}");
        }
    }

    /// upstream `backoff_utils_test.go` `TestGetRemainingBackoffTime`'s durations.
    #[test]
    fn pod_failure_back_off_doubles_to_ten_minutes() {
        let cases = [(0, 0), (1, 10), (2, 20), (3, 40), (6, 320), (7, 600), (20, 600)];
        for (failures, want) in cases {
            assert_eq!(pod_failure_back_off(failures), want, "{failures} failures");
        }
    }

    fn pod(id: Id, phase: Phase, finished_at: i64) -> JobPod {
        JobPod {
            id,
            phase,
            deleting: false,
            ready: false,
            tracked: true,
            index: None,
            failure_count: 0,
            ignored_failure_count: 0,
            finished_at,
            restarts: 0,
        }
    }

    /// upstream `TestNewBackoffRecord`: failures count from the last success; with none left
    /// the record is empty.
    #[test]
    fn back_off_records_like_upstream() {
        let failed = |p: &JobPod| p.phase == Phase::Failed;
        let cases: &[(&str, Vec<JobPod>, (i64, i64))] = &[
            ("no pods", vec![], (0, 0)),
            ("one failure", vec![pod(1, Phase::Failed, 10)], (1, 10)),
            ("two failures", vec![pod(1, Phase::Failed, 10), pod(2, Phase::Failed, 15)], (2, 15)),
            (
                "success after failures resets",
                vec![pod(1, Phase::Failed, 10), pod(2, Phase::Succeeded, 20)],
                (0, 0),
            ),
            (
                "failures after the last success count",
                vec![
                    pod(1, Phase::Failed, 5),
                    pod(2, Phase::Succeeded, 10),
                    pod(3, Phase::Failed, 12),
                    pod(4, Phase::Failed, 14),
                ],
                (2, 14),
            ),
            (
                "failure at the same time as the success does not count",
                vec![pod(1, Phase::Succeeded, 10), pod(2, Phase::Failed, 10)],
                (0, 0),
            ),
        ];
        for (name, pods, want) in cases {
            assert_eq!(back_off_record(pods, failed), *want, "{name}");
        }
    }
}
