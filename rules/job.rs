//! Job controller (upstream `pkg/controller/job/job_controller.go` `syncJob`, `manageJob`,
//! `trackJobStatusAndRemoveFinalizers`; `pod_failure_policy.go`, `success_policy.go`,
//! `backoff_utils.go`, `indexed_job_utils.go`), with upstream's defaults as of v1.33
//! (JobPodReplacementPolicy, JobManagedBy, JobSuccessPolicy, JobBackoffLimitPerIndex on).
//!
//! Pods: the Job claims every pod its selector matches, finished ones too; new pods come from
//! the template with the `batch.kubernetes.io/job-tracking` finalizer (and, for an Indexed Job,
//! `<job>-<index>-` names, the completion-index annotation and label, the
//! `JOB_COMPLETION_INDEX` variable and the per-index failure counts). A finished pod that still
//! has the finalizer is counted once: into `succeeded` / `failed` (an Indexed Job counts
//! succeeded indexes), its finalizer removed in the same step. Pods matching an `Ignore` rule
//! are not counted; the last failed pod of an index waiting for a replacement keeps its
//! finalizer until the replacement exists.
//!
//! Each step, in upstream's order: a `SuccessCriteriaMet` or `FailureTarget` already set is
//! carried to `Complete` / `Failed`; a failed pod matching a `FailJob` rule fails the Job
//! (PodFailurePolicy); more failures than `backoffLimit` (or, with restartPolicy OnFailure,
//! restarts reaching it) fail it (BackoffLimitExceeded); so does `activeDeadlineSeconds` past
//! `startTime` (DeadlineExceeded); with `backoffLimitPerIndex`, more failed indexes than
//! `maxFailedIndexes` (MaxFailedIndexesExceeded) or failed indexes with every other index done
//! (FailedIndexes); a met `successPolicy` rule succeeds it (SuccessPolicy). A Job so decided
//! deletes its active pods. Otherwise `manageJob`: a suspended Job deletes its active pods; an
//! active one wants `min(completions - succeeded, parallelism)` pods (`parallelism` until the
//! first success when `completions` is unset), deletes the surplus (an Indexed Job first the
//! pods of repeated or invalid indexes), or creates the missing ones (at most 500, the lowest
//! pending indexes) once the back-off after the last failures has passed (10 s doubling to
//! 10 min, per index with `backoffLimitPerIndex`); with `completions` reached and no active
//! pod it succeeds (CompletionsReached). A decision is written first as the interim condition
//! (`FailureTarget` / `SuccessCriteriaMet`), and the final one (`Failed` / `Complete` with
//! `completionTime`) once no pod is terminating. Suspending sets `Suspended`, resuming clears
//! it and restarts `startTime`.
//!
//! Pods that keep the tracking finalizer without a Job to count them (orphaned, or of a finished
//! or vanished Job) lose it (upstream `syncOrphanPod`).

use crate::actions::{Action, Change, EventType, Precondition, Propagation};
use crate::controllers::{controller_ref_manager, Controller, Proposals};
use crate::facts::intervals::Intervals;
use crate::facts::jobs::{self, JobF, JobPod, PolicyAction, TRACKING_FINALIZER};
use crate::facts::{pods, Facts, Id, Interner, Phase, Sym, WorkloadKind, COMPLETION_INDEX, EMPTY};
use crate::{apply, model, podtemplate};
use rustc_hash::{FxBuildHasher, FxHashMap};
use serde_json::{json, Map, Value};

/// The name this controller's actions carry in the trace.
pub const NAME: &str = "job";

pub const CONTROLLER: Controller = Controller { name: NAME, component: "job-controller", reconcile };

/// upstream `MaxPodCreateDeletePerSync`.
pub const MAX_POD_CREATE_DELETE_PER_SYNC: i64 = 500;

/// Init containers' exit statuses come after the containers' (upstream `matchOnExitCodes`).
const INIT_CONTAINER_POSITION: i64 = 1 << 20;

/// Per-pod rules: which pods are active, terminating, failed, new (not counted yet), and how
/// the pod failure policy reads each (`isPodFailed`, `getNewFinishedPods`,
/// `matchPodFailurePolicy`, `getFailJobMessage`, `isIndexFailed`).
mod classify {
    use super::*;
    use crepe::crepe;

    crepe! {
        // (job, indexed, completions (-1: unset), only failed pods are replaced,
        // backoffLimitPerIndex (-1: unset)).
        @input
        pub struct Job(pub Id, pub bool, pub i64, pub bool, pub i64);
        // (job, pod, phase, being deleted, carries the tracking finalizer, completion index
        // (-1: none)).
        @input
        pub struct Pod(pub Id, pub Id, pub Phase, pub bool, pub bool, pub i64);
        // (pod, its index's failure count before it).
        @input
        pub struct FailureCount(pub Id, pub i64);
        // podFailurePolicy rules: (job, rule, action).
        @input
        pub struct Rule(pub Id, pub i64, pub PolicyAction);
        // (job, rule, operator In (else NotIn), container name or EMPTY for any).
        @input
        pub struct OnExitCodes(pub Id, pub i64, pub bool, pub Sym);
        @input
        pub struct ExitValue(pub Id, pub i64, pub i64);
        // (job, rule, condition type, status).
        @input
        pub struct OnCondition(pub Id, pub i64, pub Sym, pub Sym);
        // A terminated container: (pod, position in its status lists, name, exit code).
        @input
        pub struct Exited(pub Id, pub i64, pub Sym, pub i64);
        // (pod, position, condition type, status).
        @input
        pub struct PodCondition(pub Id, pub i64, pub Sym, pub Sym);

        struct Valid(Id, Id, i64);
        struct HasRules(Id);
        struct Candidate(Id, Id);
        struct ExitMatch(Id, Id, i64, i64);
        struct EarlierExit(Id, Id, i64, i64);
        struct ConditionMatch(Id, Id, i64, i64);
        struct EarlierCondition(Id, Id, i64, i64);
        struct RuleMatch(Id, Id, i64);
        struct EarlierRule(Id, Id, i64);
        struct Ignored(Id, Id);
        struct FailJobPod(Id, Id, i64);
        struct LaterFailJob(Id, Id);

        @output
        pub struct Active(pub Id, pub Id);
        @output
        pub struct Terminating(pub Id, pub Id);
        // upstream `isPodFailed`.
        @output
        pub struct Failed(pub Id, pub Id);
        @output
        pub struct NewSucceeded(pub Id, pub Id);
        // (job, pod, counted toward the limits: not ignored by the failure policy).
        @output
        pub struct NewFailed(pub Id, pub Id, pub bool);
        // The first policy rule a pod matches: (job, pod, rule, action).
        @output
        pub struct Matched(pub Id, pub Id, pub i64, pub PolicyAction);
        // The pod whose FailJob match fails the Job, and what matched: (job, pod, rule, position
        // of the container status, or of the pod condition).
        @output
        pub struct FailJobByExit(pub Id, pub Id, pub i64, pub i64);
        @output
        pub struct FailJobByCondition(pub Id, pub Id, pub i64, pub i64);
        // (job, pod, index): the index failed for good.
        @output
        pub struct IndexFailed(pub Id, pub Id, pub i64);

        Active(j, p) <- Pod(j, p, phase, false, _, _), (phase != Phase::Succeeded && phase != Phase::Failed);
        Terminating(j, p) <- Pod(j, p, phase, true, _, _), (phase != Phase::Succeeded && phase != Phase::Failed);
        Failed(j, p) <- Pod(j, p, Phase::Failed, _, _, _);
        Failed(j, p) <-
            Pod(j, p, phase, true, _, _), (phase != Phase::Succeeded && phase != Phase::Failed),
            Job(j, _, _, false, _);

        // Not counted yet (tracked), and for an Indexed Job with a valid index.
        Valid(j, p, ix) <- Pod(j, p, _, _, true, ix), Job(j, false, _, _, _);
        Valid(j, p, ix) <- Pod(j, p, _, _, true, ix), Job(j, true, completions, _, _), (ix >= 0 && ix < completions);
        NewSucceeded(j, p) <- Valid(j, p, _), Pod(j, p, Phase::Succeeded, _, _, _);
        NewFailed(j, p, true) <- Valid(j, p, _), Failed(j, p), !Ignored(j, p);
        NewFailed(j, p, false) <- Valid(j, p, _), Failed(j, p), Ignored(j, p);

        // The pod failure policy: rules in order, the first match wins.
        HasRules(j) <- Rule(j, _, _);
        Candidate(j, p) <- Pod(j, p, phase, _, _, _), (phase != Phase::Succeeded), HasRules(j);
        ExitMatch(j, p, r, pos) <-
            Candidate(j, p), OnExitCodes(j, r, true, container), Exited(p, pos, name, code), (code != 0),
            (container == EMPTY || container == name), ExitValue(j, r, code);
        ExitMatch(j, p, r, pos) <-
            Candidate(j, p), OnExitCodes(j, r, false, container), Exited(p, pos, name, code), (code != 0),
            (container == EMPTY || container == name), !ExitValue(j, r, code);
        EarlierExit(j, p, r, pos) <- ExitMatch(j, p, r, pos), ExitMatch(j, p, r, other), (other < pos);
        ConditionMatch(j, p, r, pos) <- Candidate(j, p), OnCondition(j, r, kind, status), PodCondition(p, pos, kind, status);
        EarlierCondition(j, p, r, pos) <-
            ConditionMatch(j, p, r, pos), ConditionMatch(j, p, r, other), (other < pos);
        RuleMatch(j, p, r) <- ExitMatch(j, p, r, _);
        RuleMatch(j, p, r) <- ConditionMatch(j, p, r, _);
        EarlierRule(j, p, r) <- RuleMatch(j, p, r), RuleMatch(j, p, other), (other < r);
        Matched(j, p, r, action) <- RuleMatch(j, p, r), !EarlierRule(j, p, r), Rule(j, r, action);
        Ignored(j, p) <- Matched(j, p, _, PolicyAction::Ignore);

        // upstream `getFailJobMessage`: the first failed pod (in name order) matching FailJob.
        FailJobPod(j, p, r) <- Failed(j, p), Matched(j, p, r, PolicyAction::FailJob);
        LaterFailJob(j, p) <- FailJobPod(j, p, _), FailJobPod(j, other, _), (other < p);
        FailJobByExit(j, p, r, pos) <-
            FailJobPod(j, p, r), !LaterFailJob(j, p), ExitMatch(j, p, r, pos), !EarlierExit(j, p, r, pos);
        FailJobByCondition(j, p, r, pos) <-
            FailJobPod(j, p, r), !LaterFailJob(j, p), ConditionMatch(j, p, r, pos),
            !EarlierCondition(j, p, r, pos);

        // upstream `isIndexFailed`: a FailIndex match, or a counted failure of an index that
        // already failed backoffLimitPerIndex times.
        IndexFailed(j, p, ix) <-
            Valid(j, p, ix), Failed(j, p), Matched(j, p, _, PolicyAction::FailIndex), Job(j, true, _, _, limit),
            (limit >= 0);
        IndexFailed(j, p, ix) <-
            Valid(j, p, ix), NewFailed(j, p, true), FailureCount(p, n), Job(j, true, _, _, limit),
            (limit >= 0 && n >= limit);
    }
}

/// Why a Job finishes (the condition reasons).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reason {
    /// An interim condition already set is carried to the final one with its reason.
    Carried,
    PodFailurePolicy,
    BackoffLimitExceeded,
    DeadlineExceeded,
    MaxFailedIndexesExceeded,
    FailedIndexes,
    SuccessPolicy,
    CompletionsReached,
}

impl Reason {
    fn text(self) -> (&'static str, &'static str) {
        match self {
            Reason::Carried => ("", ""),
            Reason::PodFailurePolicy => ("PodFailurePolicy", ""),
            Reason::BackoffLimitExceeded => {
                ("BackoffLimitExceeded", "Job has reached the specified backoff limit")
            }
            Reason::DeadlineExceeded => ("DeadlineExceeded", "Job was active longer than specified deadline"),
            Reason::MaxFailedIndexesExceeded => (
                "MaxFailedIndexesExceeded",
                "Job has exceeded the specified maximal number of failed indexes",
            ),
            Reason::FailedIndexes => ("FailedIndexes", "Job has failed indexes"),
            Reason::SuccessPolicy => ("SuccessPolicy", ""),
            Reason::CompletionsReached => ("CompletionsReached", "Reached expected number of succeeded pods"),
        }
    }
}

/// Per-Job rules: the terminal decision, `manageJob` and which pods are counted.
mod sync {
    use super::*;
    use crepe::crepe;

    crepe! {
        // A Job the controller syncs: (job, completions (-1: unset), parallelism,
        // backoffLimit).
        @input
        pub struct Job(pub Id, pub i64, pub i64, pub i64);
        // (job, indexed, backoffLimitPerIndex set, restartPolicy OnFailure, only failed pods are
        // replaced, suspended, being deleted).
        @input
        pub struct Flags(pub Id, pub bool, pub bool, pub bool, pub bool, pub bool, pub bool);
        // upstream's counters for this sync: (job, active, terminating, succeeded, failed).
        @input
        pub struct Counts(pub Id, pub i64, pub i64, pub i64, pub i64);
        // Restarts of the containers of its Pending and Running pods.
        @input
        pub struct Restarts(pub Id, pub i64);
        @input
        pub struct HasSuccessCriteriaMet(pub Id);
        @input
        pub struct HasFailureTarget(pub Id);
        // Some failed pod matches a FailJob rule.
        @input
        pub struct FailJobMatch(pub Id);
        // (job, startTime) once started.
        @input
        pub struct Start(pub Id, pub i64);
        // (job, activeDeadlineSeconds).
        @input
        pub struct Deadline(pub Id, pub i64);
        // Indexed Jobs: (job, succeeded indexes, failed indexes).
        @input
        pub struct Indexes(pub Id, pub i64, pub i64);
        @input
        pub struct MaxFailedIndexes(pub Id, pub i64);
        // A success policy rule: (job, rule, with succeededIndexes, indexes of it that
        // succeeded (all succeeded indexes without), how many it names, succeededCount (-1:
        // unset)).
        @input
        pub struct SuccessRule(pub Id, pub i64, pub bool, pub i64, pub i64, pub i64);
        // The pod-failure back-off record: (job, failures since the last success, last failure
        // finish time).
        @input
        pub struct BackOffRecord(pub Id, pub i64, pub i64);
        @input
        pub struct ActivePod(pub Id, pub Id);
        // (job, active pod, place in removal order); (job, how many come first because they must
        // go whatever the count).
        @input
        pub struct RemovalRank(pub Id, pub Id, pub i64);
        @input
        pub struct ForcedRemovals(pub Id, pub i64);
        // (job, index, place among the pending indexes).
        @input
        pub struct PendingIndex(pub Id, pub i64, pub i64);
        // (job, index, time its per-index back-off ends).
        @input
        pub struct IndexBackOff(pub Id, pub i64, pub i64);
        // The Job carries `Suspended=True`.
        @input
        pub struct SuspendedCondition(pub Id);
        // A pod carrying the tracking finalizer: (job, pod, phase, failed (`isPodFailed`),
        // counted when it fails (a valid index, not ignored by the failure policy), its removal
        // waits for its index's replacement).
        @input
        pub struct Tracked(pub Id, pub Id, pub Phase, pub bool, pub bool, pub bool);
        // A pod with the tracking finalizer whose Job is gone or finished, or that has no
        // controller.
        @input
        pub struct TrackedOrphan(pub Id);
        @input
        pub struct Now(pub i64);

        struct Decided(Id);
        struct Decided2(Id);
        struct Decided3(Id);
        struct CarrySuccess(Id);
        struct CarryFailure(Id);
        struct PolicyFailure(Id);
        struct BackoffExceeded(Id);
        struct DeadlinePassed(Id);
        struct MaxIndexesExceeded(Id);
        struct IndexesFailed(Id);
        struct RuleMet(Id, i64);
        struct EarlierMet(Id, i64);
        struct PolicySucceeded(Id);
        struct Finishing(Id);
        struct Manage(Id);
        struct Want(Id, i64);
        struct Removing(Id);
        struct Missing(Id, i64);
        struct MissingAny(Id);
        struct Holding(Id);
        struct Candidate(Id, i64);
        struct IndexWaits(Id, i64);
        struct CandidateReady(Id, i64);
        struct AnyReady(Id);
        struct Settled(Id, i64);
        struct Complete(Id);
        struct TerminatingAfter(Id, i64);
        struct FailingOutcome(Id);
        struct Removable(Id, Id);
        struct CountedFailure(Id, Id);

        // The terminal decision: (job, success, reason).
        @output
        pub struct Outcome(pub Id, pub bool, pub Reason);
        // The success policy rule met first.
        @output
        pub struct PolicySuccess(pub Id, pub i64);
        // The final condition (Complete / Failed) can be written: nothing terminates.
        @output
        pub struct Enact(pub Id);
        // Delete an active pod: (job, pod, why: 0 the Job finishes, 1 suspended, 2 surplus).
        @output
        pub struct DeletePod(pub Id, pub Id, pub u8);
        // (job, how many pods to remove as surplus).
        @output
        pub struct Removals(pub Id, pub i64);
        // Non-indexed creations: (job, count, wanted).
        @output
        pub struct CreatePods(pub Id, pub i64, pub i64);
        @output
        pub struct CreateIndex(pub Id, pub i64);
        // Creations wait for the pod-failure back-off: (job, until) — upstream's manageJob then
        // reports no active pod.
        @output
        pub struct BackOffUntil(pub Id, pub i64);
        @output
        pub struct IndexBackOffUntil(pub Id, pub i64);
        @output
        pub struct DeadlineAt(pub Id, pub i64);
        @output
        pub struct Suspend(pub Id);
        @output
        pub struct Resume(pub Id);
        // Remove the tracking finalizer of a pod: (job, pod, counted as: 0 not counted, 1
        // succeeded, 2 failed).
        @output
        pub struct Uncount(pub Id, pub Id, pub u8);
        @output
        pub struct ReleaseFinalizer(pub Id);

        // 1–3: conditions already set, then the pod failure policy.
        CarrySuccess(j) <- Job(j, _, _, _), HasSuccessCriteriaMet(j);
        CarryFailure(j) <- Job(j, _, _, _), HasFailureTarget(j), !HasSuccessCriteriaMet(j);
        PolicyFailure(j) <- Job(j, _, _, _), FailJobMatch(j), !HasSuccessCriteriaMet(j), !HasFailureTarget(j);
        Decided(j) <- CarrySuccess(j);
        Decided(j) <- CarryFailure(j);
        Decided(j) <- PolicyFailure(j);

        // 4: the backoff limit (failures, or restarts with restartPolicy OnFailure).
        BackoffExceeded(j) <- Job(j, _, _, limit), !Decided(j), Counts(j, _, _, _, failed), (failed > limit);
        BackoffExceeded(j) <-
            Job(j, _, _, limit), !Decided(j), Flags(j, _, _, true, _, _, _), Restarts(j, n),
            ((limit == 0 && n > 0) || (limit > 0 && n >= limit));
        // 5: the active deadline (never while suspended).
        DeadlinePassed(j) <-
            Job(j, _, _, _), !Decided(j), !BackoffExceeded(j), Flags(j, _, _, _, _, false, _), Deadline(j, seconds),
            Start(j, start), Now(now), (now - start >= seconds);
        DeadlineAt(j, start + seconds) <-
            Job(j, _, _, _), !Decided(j), !BackoffExceeded(j), !DeadlinePassed(j), Flags(j, _, _, _, _, false, _),
            Deadline(j, seconds), Start(j, start);
        Decided2(j) <- Decided(j);
        Decided2(j) <- BackoffExceeded(j);
        Decided2(j) <- DeadlinePassed(j);

        // 6: backoffLimitPerIndex.
        MaxIndexesExceeded(j) <-
            Flags(j, true, true, _, _, _, _), !Decided2(j), MaxFailedIndexes(j, max), Indexes(j, _, failed),
            (failed > max);
        IndexesFailed(j) <-
            Flags(j, true, true, _, _, _, _), !Decided2(j), !MaxIndexesExceeded(j), Indexes(j, succeeded, failed),
            Job(j, completions, _, _), (failed > 0 && failed + succeeded >= completions);
        Decided3(j) <- Decided2(j);
        Decided3(j) <- MaxIndexesExceeded(j);
        Decided3(j) <- IndexesFailed(j);

        // 7: the success policy (upstream `matchSuccessPolicy`).
        RuleMet(j, r) <-
            SuccessRule(j, r, true, contains, named, count), Indexes(j, succeeded, _), (succeeded > 0),
            (named > 0), (contains == named || (count >= 0 && contains >= count));
        RuleMet(j, r) <-
            SuccessRule(j, r, false, contains, _, count), Indexes(j, succeeded, _), (succeeded > 0),
            (count >= 0 && contains >= count);
        EarlierMet(j, r) <- RuleMet(j, r), RuleMet(j, other), (other < r);
        PolicySuccess(j, r) <- Flags(j, true, _, _, _, _, _), !Decided3(j), RuleMet(j, r), !EarlierMet(j, r);
        PolicySucceeded(j) <- PolicySuccess(j, _);
        Finishing(j) <- Decided3(j);
        Finishing(j) <- PolicySucceeded(j);

        // A decided Job deletes every active pod.
        DeletePod(j, p, 0) <- Finishing(j), ActivePod(j, p);

        // manageJob.
        Manage(j) <- Job(j, _, _, _), !Finishing(j), Flags(j, _, _, _, _, _, false);
        DeletePod(j, p, 1) <- Manage(j), Flags(j, _, _, _, _, true, _), ActivePod(j, p);
        Want(j, want) <-
            Manage(j), Flags(j, _, _, _, _, false, _), Job(j, completions, parallelism, _),
            Counts(j, active, _, succeeded, _),
            let want = if completions < 0 {
                if succeeded > 0 { active } else { parallelism }
            } else {
                (completions - succeeded).clamp(0, parallelism)
            };
        Removals(j, n) <-
            Want(j, want), Counts(j, active, _, _, _), ForcedRemovals(j, forced),
            let n = (active - want).max(forced).min(MAX_POD_CREATE_DELETE_PER_SYNC), (n > 0);
        Removing(j) <- Removals(j, _);
        DeletePod(j, p, 2) <- Removals(j, n), RemovalRank(j, p, rank), (rank < n);
        Missing(j, diff) <-
            Want(j, want), !Removing(j), Counts(j, active, terminating, _, _), Flags(j, _, _, _, only_failed, _, _),
            let diff = want - active - if only_failed { terminating } else { 0 }, (diff > 0);
        MissingAny(j) <- Missing(j, _);
        BackOffUntil(j, last + jobs::pod_failure_back_off(n)) <-
            Missing(j, _), Flags(j, _, false, _, _, _, _), BackOffRecord(j, n, last), (n > 0), Now(now),
            (last + jobs::pod_failure_back_off(n) > now);
        Holding(j) <- BackOffUntil(j, _);
        CreatePods(j, diff.min(MAX_POD_CREATE_DELETE_PER_SYNC), want) <-
            Missing(j, diff), !Holding(j), Flags(j, false, _, _, _, _, _), Want(j, want);
        Candidate(j, ix) <-
            Missing(j, diff), !Holding(j), Flags(j, true, _, _, _, _, _), PendingIndex(j, ix, rank),
            (rank < diff.min(MAX_POD_CREATE_DELETE_PER_SYNC));
        IndexWaits(j, ix) <- Candidate(j, ix), IndexBackOff(j, ix, until), Now(now), (until > now);
        CandidateReady(j, ix) <- Candidate(j, ix), !IndexWaits(j, ix);
        AnyReady(j) <- CandidateReady(j, _);
        CreateIndex(j, ix) <- CandidateReady(j, ix);
        IndexBackOffUntil(j, until) <- IndexWaits(j, ix), IndexBackOff(j, ix, until), !AnyReady(j);

        // Active pods once manageJob is done, where that decides completion.
        Settled(j, active) <- Job(j, _, _, _), !Finishing(j), Flags(j, _, _, _, _, _, true), Counts(j, active, _, _, _);
        Settled(j, 0) <- Manage(j), Flags(j, _, _, _, _, true, _);
        Settled(j, active - n) <- Removals(j, n), Counts(j, active, _, _, _);
        Settled(j, active) <- Want(j, _), !Removing(j), !MissingAny(j), Counts(j, active, _, _, _);
        // 8: the completions reached (the first success, without completions).
        Complete(j) <-
            Settled(j, 0), Job(j, completions, _, _), Counts(j, _, _, succeeded, _),
            ((completions >= 0 && succeeded >= completions) || (completions < 0 && succeeded > 0));

        Outcome(j, true, Reason::Carried) <- CarrySuccess(j);
        Outcome(j, false, Reason::Carried) <- CarryFailure(j);
        Outcome(j, false, Reason::PodFailurePolicy) <- PolicyFailure(j);
        Outcome(j, false, Reason::BackoffLimitExceeded) <- BackoffExceeded(j);
        Outcome(j, false, Reason::DeadlineExceeded) <- DeadlinePassed(j);
        Outcome(j, false, Reason::MaxFailedIndexesExceeded) <- MaxIndexesExceeded(j);
        Outcome(j, false, Reason::FailedIndexes) <- IndexesFailed(j);
        Outcome(j, true, Reason::SuccessPolicy) <- PolicySucceeded(j);
        Outcome(j, true, Reason::CompletionsReached) <- Complete(j);

        // The final condition waits for terminating pods, this step's deletions included.
        TerminatingAfter(j, terminating + active) <- Finishing(j), Counts(j, active, terminating, _, _);
        TerminatingAfter(j, terminating + active) <-
            Manage(j), Flags(j, _, _, _, _, true, _), Counts(j, active, terminating, _, _);
        TerminatingAfter(j, terminating + n) <- Removals(j, n), Counts(j, _, terminating, _, _);
        TerminatingAfter(j, terminating) <-
            Job(j, _, _, _), !Finishing(j), Flags(j, _, _, _, _, _, true), Counts(j, _, terminating, _, _);
        TerminatingAfter(j, terminating) <- Want(j, _), !Removing(j), Counts(j, _, terminating, _, _);
        Enact(j) <- Outcome(j, _, _), TerminatingAfter(j, 0);

        // Suspending and resuming (not once complete).
        Suspend(j) <- Manage(j), Flags(j, _, _, _, _, true, _), !Complete(j), !SuspendedCondition(j);
        Resume(j) <- Manage(j), Flags(j, _, _, _, _, false, _), !Complete(j), SuspendedCondition(j);

        // upstream `canRemoveFinalizer` and the counting of `trackJobStatusAndRemoveFinalizers`:
        // a succeeded pod, a failed one (unless it waits for its index's replacement), or any
        // once the Job is decided or deleted, loses the finalizer; failed ones and, when the
        // Job fails, the active ones it deletes count as failed unless the policy ignores them.
        Removable(j, p) <- Tracked(j, p, _, _, _, _), Flags(j, _, _, _, _, _, true);
        Removable(j, p) <- Tracked(j, p, _, _, _, _), Outcome(j, _, _);
        Removable(j, p) <- Tracked(j, p, Phase::Succeeded, _, _, _);
        Removable(j, p) <- Tracked(j, p, _, true, _, false);
        FailingOutcome(j) <- Outcome(j, false, _);
        CountedFailure(j, p) <- Tracked(j, p, phase, true, true, _), (phase != Phase::Succeeded);
        CountedFailure(j, p) <-
            Tracked(j, p, phase, false, true, _), (phase != Phase::Succeeded), FailingOutcome(j);
        Uncount(j, p, 1) <- Removable(j, p), Tracked(j, p, Phase::Succeeded, _, _, _);
        Uncount(j, p, 2) <- Removable(j, p), CountedFailure(j, p);
        Uncount(j, p, 0) <-
            Removable(j, p), Tracked(j, p, phase, _, _, _), (phase != Phase::Succeeded), !CountedFailure(j, p);
        // upstream `deleteJobPods`: a pod deleted as surplus or for a suspension loses the
        // finalizer uncounted.
        Uncount(j, p, 0) <- DeletePod(j, p, why), (why != 0), Tracked(j, p, _, _, _, _);

        // upstream `syncOrphanPod`: the finalizer of a pod no Job counts any more goes.
        ReleaseFinalizer(p) <- TrackedOrphan(p);
    }
}

/// What the classification says about one Job's pods.
#[derive(Default)]
struct Classes {
    active: Vec<Id>,
    terminating: usize,
    failed: Vec<Id>,
    new_succeeded: Vec<Id>,
    /// (pod, counted toward the limits).
    new_failed: Vec<(Id, bool)>,
    /// The first policy rule each pod matches.
    matched: FxHashMap<Id, PolicyAction>,
    failed_indexes: Vec<i64>,
    fail_job_message: Option<String>,
}

/// One synced Job with its pods and what the rules need to know about them.
struct Synced<'j> {
    job: &'j JobF,
    pods: Vec<JobPod>,
    classes: Classes,
    succeeded_indexes: Intervals,
    failed_indexes: Intervals,
    /// Per index, the failed pod whose finalizer waits for its replacement.
    delayed: FxHashMap<i64, JobPod>,
}

impl Synced<'_> {
    fn pod(&self, id: Id) -> Option<&JobPod> {
        self.pods.iter().find(|p| p.id == id)
    }

    /// upstream `jobCtx.succeeded`: succeeded indexes, or the counter plus the new successes.
    fn succeeded(&self) -> i64 {
        if self.job.indexed {
            self.succeeded_indexes.total()
        } else {
            self.job.succeeded + self.classes.new_succeeded.len() as i64
        }
    }

    /// upstream `jobCtx.failed`: the counter plus the new failures the policy counts.
    fn failed(&self) -> i64 {
        self.job.failed + self.classes.new_failed.iter().filter(|(_, counted)| *counted).count() as i64
    }

    fn indexes_of(&self, ids: &[Id]) -> Vec<i64> {
        let mut out: Vec<i64> = ids.iter().filter_map(|&p| self.pod(p)?.index).collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

pub fn reconcile(f: &Facts) -> Proposals {
    let claims =
        controller_ref_manager::claim(&pods::claim_inputs(f, &[WorkloadKind::Job], |_| true, |_, _| true));
    let claimed = claims.by_owner();
    let jobs: Vec<JobF> = f.workloads_of(WorkloadKind::Job).map(|w| JobF::read(w.id, f.raw(w.id))).collect();
    let by_id: FxHashMap<Id, &JobF> = jobs.iter().map(|j| (j.id, j)).collect();
    let mut syms = Interner::default();
    let mut synced: Vec<Synced> = jobs
        .iter()
        .filter(|j| !j.managed_elsewhere && j.finished_at().is_none())
        .map(|job| {
            let pods = claimed
                .get(&job.id)
                .into_iter()
                .flatten()
                .filter_map(|&p| f.pod(p).map(|pf| JobPod::read(pf, f.raw(p))))
                .collect();
            Synced {
                job,
                pods,
                classes: Classes::default(),
                succeeded_indexes: Intervals::default(),
                failed_indexes: Intervals::default(),
                delayed: FxHashMap::default(),
            }
        })
        .collect();
    classify_pods(f, &mut synced, &mut syms);
    for s in &mut synced {
        aggregate(f, s);
    }

    let mut rt = sync::Crepe::new();
    for s in &synced {
        sync_inputs(f, s, &mut rt);
    }
    rt.extend(orphans(f, &by_id).into_iter().map(sync::TrackedOrphan));
    rt.extend([sync::Now(f.now)]);
    let (
        outcomes,
        policy_successes,
        enacts,
        deletes,
        _removals,
        creates,
        create_indexes,
        back_offs,
        index_back_offs,
        deadlines,
        suspends,
        resumes,
        uncounts,
        released,
    ) = rt.run_with_hasher::<FxBuildHasher>();

    let mut decisions: FxHashMap<Id, Decision> = FxHashMap::default();
    for sync::Outcome(j, success, reason) in outcomes {
        decisions.entry(j).or_default().outcome = Some((success, reason));
    }
    for sync::PolicySuccess(j, r) in policy_successes {
        decisions.entry(j).or_default().success_rule = r;
    }
    for sync::Enact(j) in enacts {
        decisions.entry(j).or_default().enact = true;
    }
    for sync::DeletePod(j, p, why) in deletes {
        decisions.entry(j).or_default().deletes.push((p, why));
    }
    for sync::CreatePods(j, n, want) in creates {
        decisions.entry(j).or_default().creates = (n, want);
    }
    for sync::CreateIndex(j, ix) in create_indexes {
        decisions.entry(j).or_default().indexes.push(ix);
    }
    for sync::BackOffUntil(j, t) in back_offs {
        decisions.entry(j).or_default().holding = Some(t);
    }
    for sync::IndexBackOffUntil(j, t) in index_back_offs {
        let d = decisions.entry(j).or_default();
        d.holding = Some(d.holding.map_or(t, |h| h.min(t)));
    }
    for sync::DeadlineAt(j, t) in deadlines {
        decisions.entry(j).or_default().deadline = Some(t);
    }
    for sync::Suspend(j) in suspends {
        decisions.entry(j).or_default().suspend = Some(true);
    }
    for sync::Resume(j) in resumes {
        decisions.entry(j).or_default().suspend = Some(false);
    }
    for sync::Uncount(j, p, counted) in uncounts {
        decisions.entry(j).or_default().uncount.push((p, counted));
    }

    let mut out = Vec::new();
    let mut wakes = Vec::new();
    for s in &synced {
        let mut d = decisions.remove(&s.job.id).unwrap_or_default();
        d.sort(f);
        wakes.extend(d.holding.iter().chain(&d.deadline).copied());
        out.extend(job_actions(f, s, &d));
    }
    let mut released: Vec<Id> = released.into_iter().map(|sync::ReleaseFinalizer(p)| p).collect();
    released.sort_unstable_by_key(|&p| f.key(p));
    for p in released {
        out.push(remove_finalizer(f, p, "no Job counts this pod any more: remove tracking finalizer".into()));
    }
    let unsynced: Vec<Id> =
        jobs.iter().filter(|j| j.managed_elsewhere || j.finished_at().is_some()).map(|j| j.id).collect();
    for (owner, _, mut action) in controller_ref_manager::adopt_and_release(f, &claims, NAME) {
        if unsynced.contains(&owner) {
            continue;
        }
        if let Change::Patch { patch, precondition: Precondition::NoController, key } = &mut action.change {
            // upstream `NewPodControllerRefManager(..., batch.JobTrackingFinalizer)`: an adopted
            // pod gets the tracking finalizer.
            if let Some(pod) = f.id_of(key) {
                patch["metadata"]["finalizers"] = Value::Array(with_tracking_finalizer(f.raw(pod)));
            }
        }
        out.push(action);
    }
    wakes.sort_unstable();
    wakes.dedup();
    Proposals::new(out, wakes)
}

/// What the rules decided for one Job.
#[derive(Default)]
struct Decision {
    outcome: Option<(bool, Reason)>,
    success_rule: i64,
    enact: bool,
    /// (pod, why: 0 the Job finishes, 1 suspended, 2 surplus).
    deletes: Vec<(Id, u8)>,
    /// (count, wanted) of a non-indexed Job.
    creates: (i64, i64),
    indexes: Vec<i64>,
    holding: Option<i64>,
    deadline: Option<i64>,
    suspend: Option<bool>,
    /// (pod, counted as: 0 not, 1 succeeded, 2 failed).
    uncount: Vec<(Id, u8)>,
}

impl Decision {
    fn sort(&mut self, f: &Facts) {
        self.deletes.sort_unstable_by_key(|&(p, _)| f.key(p));
        self.indexes.sort_unstable();
        self.uncount.sort_unstable_by_key(|&(p, _)| f.key(p));
    }
}

/// Run the per-pod rules over every synced Job's pods.
fn classify_pods(f: &Facts, synced: &mut [Synced], syms: &mut Interner) {
    let mut rt = classify::Crepe::new();
    for s in synced.iter() {
        let j = s.job;
        rt.extend([classify::Job(
            j.id,
            j.indexed,
            j.completions.unwrap_or(-1),
            j.only_replace_failed,
            j.backoff_limit_per_index.unwrap_or(-1),
        )]);
        for (r, rule) in j.failure_rules.iter().flatten().enumerate() {
            let r = r as i64;
            rt.extend([classify::Rule(j.id, r, rule.action)]);
            if let Some(on_exit) = &rule.on_exit_codes {
                let container = on_exit.container.as_deref().map_or(EMPTY, |c| syms.intern(c));
                rt.extend([classify::OnExitCodes(j.id, r, on_exit.is_in, container)]);
                rt.extend(on_exit.values.iter().map(|&v| classify::ExitValue(j.id, r, v)));
            }
            for (kind, status) in &rule.on_conditions {
                rt.extend([classify::OnCondition(j.id, r, syms.intern(kind), syms.intern(status))]);
            }
        }
        for p in &s.pods {
            rt.extend([classify::Pod(j.id, p.id, p.phase, p.deleting, p.tracked, p.index.unwrap_or(-1))]);
            rt.extend([classify::FailureCount(p.id, p.failure_count)]);
            if j.failure_rules.is_some() && p.phase != Phase::Succeeded {
                let pod = f.raw(p.id);
                for (offset, list) in
                    [(0, "containerStatuses"), (INIT_CONTAINER_POSITION, "initContainerStatuses")]
                {
                    for (i, c) in pod["status"][list].as_array().into_iter().flatten().enumerate() {
                        if let Some(code) = c["state"]["terminated"]["exitCode"].as_i64() {
                            let name = syms.intern(model::str_at(c, &["name"]));
                            rt.extend([classify::Exited(p.id, offset + i as i64, name, code)]);
                        }
                    }
                }
                for (i, c) in pod["status"]["conditions"].as_array().into_iter().flatten().enumerate() {
                    let kind = syms.intern(model::str_at(c, &["type"]));
                    let status = syms.intern(model::str_at(c, &["status"]));
                    rt.extend([classify::PodCondition(p.id, i as i64, kind, status)]);
                }
            }
        }
    }
    let (
        active,
        terminating,
        failed,
        new_succeeded,
        new_failed,
        matched,
        by_exit,
        by_condition,
        index_failed,
    ) = rt.run_with_hasher::<FxBuildHasher>();
    let mut classes: FxHashMap<Id, Classes> = FxHashMap::default();
    for classify::Active(j, p) in active {
        classes.entry(j).or_default().active.push(p);
    }
    for classify::Terminating(j, _) in terminating {
        classes.entry(j).or_default().terminating += 1;
    }
    for classify::Failed(j, p) in failed {
        classes.entry(j).or_default().failed.push(p);
    }
    for classify::NewSucceeded(j, p) in new_succeeded {
        classes.entry(j).or_default().new_succeeded.push(p);
    }
    for classify::NewFailed(j, p, counted) in new_failed {
        classes.entry(j).or_default().new_failed.push((p, counted));
    }
    for classify::Matched(j, p, _, action) in matched {
        classes.entry(j).or_default().matched.insert(p, action);
    }
    for classify::IndexFailed(j, _, ix) in index_failed {
        classes.entry(j).or_default().failed_indexes.push(ix);
    }
    for classify::FailJobByExit(j, p, r, pos) in by_exit {
        let pod = f.raw(p);
        let (list, i) = if pos >= INIT_CONTAINER_POSITION {
            ("initContainerStatuses", pos - INIT_CONTAINER_POSITION)
        } else {
            ("containerStatuses", pos)
        };
        let c = &pod["status"][list][i as usize];
        let message = format!(
            "Container {} for pod {} failed with exit code {} matching FailJob rule at index {r}",
            model::str_at(c, &["name"]),
            f.key(p).ns_name(),
            c["state"]["terminated"]["exitCode"].as_i64().unwrap_or(0),
        );
        classes.entry(j).or_default().fail_job_message = Some(message);
    }
    for classify::FailJobByCondition(j, p, r, pos) in by_condition {
        let kind = model::str_at(&f.raw(p)["status"]["conditions"][pos as usize], &["type"]).to_string();
        let message =
            format!("Pod {} has condition {kind} matching FailJob rule at index {r}", f.key(p).ns_name());
        classes.entry(j).or_default().fail_job_message = Some(message);
    }
    for s in synced.iter_mut() {
        let mut c = classes.remove(&s.job.id).unwrap_or_default();
        c.active.sort_unstable();
        c.failed.sort_unstable();
        c.new_succeeded.sort_unstable();
        c.new_failed.sort_unstable();
        c.failed_indexes.sort_unstable();
        c.failed_indexes.dedup();
        s.classes = c;
    }
}

/// The index sets and the pods waiting for their index's replacement.
fn aggregate(f: &Facts, s: &mut Synced) {
    let job = s.job;
    if !job.indexed {
        return;
    }
    let new_succeeded = s.indexes_of(&s.classes.new_succeeded);
    s.succeeded_indexes = job.completed_indexes.with_indexes(&new_succeeded);
    if job.backoff_limit_per_index.is_some() {
        let previous = job.failed_indexes.clone().unwrap_or_default();
        s.failed_indexes = previous.with_indexes(&s.classes.failed_indexes);
        let settled = s.succeeded_indexes.merge(&s.failed_indexes);
        let active = s.indexes_of(&s.classes.active);
        let uncounted: Vec<Id> = s.classes.new_failed.iter().map(|&(p, _)| p).collect();
        s.delayed = jobs::delayed_per_index(f, &s.pods, |p| uncounted.contains(&p.id), &settled, &active);
    }
}

/// The per-Job rule inputs of one synced Job.
fn sync_inputs(f: &Facts, s: &Synced, rt: &mut sync::Crepe) {
    let (job, c) = (s.job, &s.classes);
    let j = job.id;
    let completions = job.completions.unwrap_or(-1);
    let per_index = job.backoff_limit_per_index.is_some();
    rt.extend([sync::Job(j, completions, job.parallelism, job.backoff_limit)]);
    rt.extend([sync::Flags(
        j,
        job.indexed,
        per_index,
        job.restart_on_failure,
        job.only_replace_failed,
        job.suspend,
        job.deleting,
    )]);
    rt.extend([sync::Counts(j, c.active.len() as i64, c.terminating as i64, s.succeeded(), s.failed())]);
    let restarts = s
        .pods
        .iter()
        .filter(|p| matches!(p.phase, Phase::Pending | Phase::Running))
        .map(|p| p.restarts)
        .sum();
    rt.extend([sync::Restarts(j, restarts)]);
    if job.condition("SuccessCriteriaMet").is_some() {
        rt.extend([sync::HasSuccessCriteriaMet(j)]);
    }
    if job.condition("FailureTarget").is_some() {
        rt.extend([sync::HasFailureTarget(j)]);
    }
    if c.fail_job_message.is_some() {
        rt.extend([sync::FailJobMatch(j)]);
    }
    if let Some(start) = start_time(f, job) {
        rt.extend([sync::Start(j, start)]);
    }
    if let Some(seconds) = job.active_deadline {
        rt.extend([sync::Deadline(j, seconds)]);
    }
    if job.condition("Suspended").is_some() {
        rt.extend([sync::SuspendedCondition(j)]);
    }
    let failed: Vec<Id> = c.failed.clone();
    let (failures, last) = jobs::back_off_record(&s.pods, |p| failed.binary_search(&p.id).is_ok());
    rt.extend([sync::BackOffRecord(j, failures, last)]);
    rt.extend(c.active.iter().map(|&p| sync::ActivePod(j, p)));
    let active: Vec<JobPod> = c.active.iter().filter_map(|&p| s.pod(p).copied()).collect();
    let (ranks, forced) = jobs::removal_order(f, &active, job.indexed.then_some(completions));
    rt.extend(ranks.into_iter().map(|(p, rank)| sync::RemovalRank(j, p, rank)));
    rt.extend([sync::ForcedRemovals(j, forced)]);
    if job.indexed {
        rt.extend([sync::Indexes(j, s.succeeded_indexes.total(), s.failed_indexes.total())]);
        if let Some(max) = job.max_failed_indexes {
            rt.extend([sync::MaxFailedIndexes(j, max)]);
        }
        for (r, rule) in job.success_rules.iter().enumerate() {
            let count = rule.count.unwrap_or(-1);
            let fact = match &rule.indexes {
                Some(named) => sync::SuccessRule(
                    j,
                    r as i64,
                    true,
                    named.overlap(&s.succeeded_indexes),
                    named.total(),
                    count,
                ),
                None => sync::SuccessRule(j, r as i64, false, s.succeeded_indexes.total(), 0, count),
            };
            rt.extend([fact]);
        }
        let mut taken = s.succeeded_indexes.with_indexes(&s.indexes_of(&c.active)).merge(&s.failed_indexes);
        if job.only_replace_failed {
            let terminating: Vec<Id> = s
                .pods
                .iter()
                .filter(|p| p.deleting && !matches!(p.phase, Phase::Succeeded | Phase::Failed))
                .map(|p| p.id)
                .collect();
            taken = taken.with_indexes(&s.indexes_of(&terminating));
        }
        let pending =
            jobs::first_pending(&taken, job.parallelism.min(MAX_POD_CREATE_DELETE_PER_SYNC), completions);
        for (rank, &ix) in pending.iter().enumerate() {
            rt.extend([sync::PendingIndex(j, ix, rank as i64)]);
            if let Some(d) = s.delayed.get(&ix) {
                let failures = d.failure_count + d.ignored_failure_count + 1;
                rt.extend([sync::IndexBackOff(j, ix, d.finished_at + jobs::pod_failure_back_off(failures))]);
            }
        }
    }
    for p in s.pods.iter().filter(|p| p.tracked) {
        let failed = c.failed.binary_search(&p.id).is_ok();
        let valid = !job.indexed || p.index.is_some_and(|ix| ix < completions);
        let ignored = c.matched.get(&p.id) == Some(&PolicyAction::Ignore);
        let delayed = p.index.and_then(|ix| s.delayed.get(&ix)).is_some_and(|d| d.id == p.id);
        rt.extend([sync::Tracked(j, p.id, p.phase, failed, valid && !ignored, delayed)]);
    }
}

/// upstream: a Job's `startTime` is set on its first sync while not suspended.
fn start_time(f: &Facts, job: &JobF) -> Option<i64> {
    job.start_time.or((!job.suspend).then_some(f.now))
}

/// Pods with the tracking finalizer that no Job will count: no controller, a Job controller
/// that is gone, or a finished Job (a pod controlled by another kind keeps it).
fn orphans(f: &Facts, jobs: &FxHashMap<Id, &JobF>) -> Vec<Id> {
    f.pods
        .iter()
        .filter(|p| p.has_finalizers)
        .filter(|p| {
            let pod = f.raw(p.id);
            let tracked = pod["metadata"]["finalizers"]
                .as_array()
                .is_some_and(|a| a.iter().any(|x| x.as_str() == Some(TRACKING_FINALIZER)));
            tracked
                && match (model::controller_ref(pod), p.controller) {
                    (None, _) => true,
                    (Some((kind, _, _)), None) => kind == "Job",
                    (Some((kind, _, _)), Some(owner)) => {
                        kind == "Job" && jobs.get(&owner).is_some_and(|j| j.finished_at().is_some())
                    }
                }
        })
        .map(|p| p.id)
        .collect()
}

/// The pod's finalizers with the tracking one added.
fn with_tracking_finalizer(pod: &Value) -> Vec<Value> {
    let mut finalizers: Vec<Value> = pod["metadata"]["finalizers"].as_array().cloned().unwrap_or_default();
    if !finalizers.iter().any(|x| x.as_str() == Some(TRACKING_FINALIZER)) {
        finalizers.push(json!(TRACKING_FINALIZER));
    }
    finalizers
}

fn remove_finalizer(f: &Facts, pod: Id, reason: String) -> Action {
    let kept: Vec<Value> = f.raw(pod)["metadata"]["finalizers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|x| x.as_str() != Some(TRACKING_FINALIZER))
        .cloned()
        .collect();
    let finalizers = if kept.is_empty() { Value::Null } else { Value::Array(kept) };
    Action::new(
        Change::Patch {
            key: f.key(pod).clone(),
            patch: json!({"metadata": {"finalizers": finalizers}}),
            precondition: Precondition::None,
        },
        NAME,
        reason,
    )
}

/// Every action for one Job, in upstream's order: deletions and creations (`manageJob`), the
/// finalizers of counted pods, then the status.
fn job_actions(f: &Facts, s: &Synced, d: &Decision) -> Vec<Action> {
    let (job, c) = (s.job, &s.classes);
    let key = f.key(job.id);
    let mut out = Vec::new();
    let summary = format!(
        "completions {}, parallelism {}: succeeded {}, active {}",
        job.completions.map_or("unset".to_string(), |n| n.to_string()),
        job.parallelism,
        s.succeeded(),
        c.active.len()
    );
    for &(p, why) in &d.deletes {
        let reason = match why {
            0 => format!("Job {}: delete active pod", outcome_word(s, d)),
            1 => "Job suspended: delete active pod".to_string(),
            _ => format!("{summary}: delete {}", d.deletes.len()),
        };
        out.push(
            Action::new(
                Change::Delete { key: f.key(p).clone(), propagation: Propagation::Background },
                NAME,
                reason,
            )
            .with_event(
                key,
                EventType::Normal,
                "SuccessfulDelete",
                format!("Deleted pod: {}", f.key(p).name),
            ),
        );
    }
    let (count, want) = d.creates;
    for _ in 0..count {
        out.push(created(f, s, None, format!("{summary}, want {want}: create {count}")));
    }
    for &ix in &d.indexes {
        let reason = format!("{summary}: create index {ix} (pending indexes first)");
        out.push(created(f, s, Some(ix), reason));
    }
    for &(p, counted) in &d.uncount {
        let phase = s.pod(p).map_or(Phase::Unknown, |x| x.phase);
        let reason = match (counted, phase) {
            (1, _) => "Succeeded pod counted: remove tracking finalizer".to_string(),
            (2, Phase::Failed) => "Failed pod counted: remove tracking finalizer".to_string(),
            (2, _) => "pod counted as failed: remove tracking finalizer".to_string(),
            _ => "pod not counted: remove tracking finalizer".to_string(),
        };
        out.push(remove_finalizer(f, p, reason));
    }
    let status = new_status(f, s, d);
    let old = f.raw(job.id).get("status").cloned().unwrap_or_else(|| json!({}));
    if status != old {
        let mut action = Action::new(
            Change::Patch {
                key: key.clone(),
                patch: json!({"status": apply::merge_diff(&old, &status)}),
                precondition: Precondition::None,
            },
            NAME,
            status_reason(&status),
        );
        if let Some((kind, reason, message)) = status_event(s, d) {
            action = action.with_event(key, kind, reason, message);
        }
        out.push(action);
    }
    out
}

fn outcome_word(s: &Synced, d: &Decision) -> String {
    match d.outcome {
        Some((success, reason)) => {
            let (text, _) = condition_text(s, d, reason);
            format!("{} ({text})", if success { "succeeded" } else { "failed" })
        }
        None => "finished".to_string(),
    }
}

/// The reason and message of the condition an outcome writes.
fn condition_text(s: &Synced, d: &Decision, reason: Reason) -> (String, String) {
    let job = s.job;
    let (name, message) = reason.text();
    match reason {
        Reason::Carried => {
            let c = job.condition("SuccessCriteriaMet").or_else(|| job.condition("FailureTarget"));
            c.map_or_else(Default::default, |c| (c.reason.clone(), c.message.clone()))
        }
        Reason::PodFailurePolicy => (name.into(), s.classes.fail_job_message.clone().unwrap_or_default()),
        Reason::SuccessPolicy => (name.into(), format!("Matched rules at index {}", d.success_rule)),
        _ => (name.into(), message.into()),
    }
}

/// A new pod of the Job (for an Indexed Job, of `index`).
fn created(f: &Facts, s: &Synced, index: Option<i64>, reason: String) -> Action {
    let job = s.job;
    let key = f.key(job.id);
    let owner = f.raw(job.id);
    let generate_name = match index {
        Some(ix) => generate_name_with_index(&key.name, ix),
        None => format!("{}-", key.name),
    };
    let mut pod = podtemplate::pod_from_template(owner, &generate_name);
    let tracked = with_tracking_finalizer(&owner["spec"]["template"]);
    model::obj_mut(&mut pod, &["metadata"]).insert("finalizers".into(), Value::Array(tracked));
    if let Some(ix) = index {
        let meta = model::obj_mut(&mut pod, &["metadata", "annotations"]);
        meta.insert(COMPLETION_INDEX.into(), json!(ix.to_string()));
        if job.backoff_limit_per_index.is_some() {
            let (failures, ignored) = index_failure_counts(s, ix);
            meta.insert(jobs::INDEX_FAILURE_COUNT.into(), json!(failures.to_string()));
            if ignored > 0 {
                meta.insert(jobs::INDEX_IGNORED_FAILURE_COUNT.into(), json!(ignored.to_string()));
            }
        }
        model::obj_mut(&mut pod, &["metadata", "labels"])
            .insert(COMPLETION_INDEX.into(), json!(ix.to_string()));
        model::obj_mut(&mut pod, &["spec"]).insert("hostname".into(), json!(format!("{}-{ix}", key.name)));
        add_completion_index_env(&mut pod);
    }
    Action::new(Change::Create { object: pod }, NAME, reason)
        .with_event(key, EventType::Normal, "SuccessfulCreate", "Created pod: {name}")
        .or_when_forbidden(podtemplate::failed_create(NAME, key, f.now))
}

/// upstream `getNewIndexFailureCounts`: the failure counts a replacement of `index` carries.
fn index_failure_counts(s: &Synced, index: i64) -> (i64, i64) {
    let Some(replaced) = s.delayed.get(&index) else { return (0, 0) };
    let ignored = s.classes.matched.get(&replaced.id) == Some(&PolicyAction::Ignore);
    if ignored {
        (replaced.failure_count, replaced.ignored_failure_count + 1)
    } else {
        (replaced.failure_count + 1, replaced.ignored_failure_count)
    }
}

/// upstream `podGenerateNameWithIndex`: `<job>-<index>-`, the Job name cut so that the
/// generated name fits 63 characters.
fn generate_name_with_index(job: &str, index: i64) -> String {
    const MAX_GENERATED_NAME_LENGTH: usize = 58;
    let suffix = format!("-{index}-");
    let prefix = format!("{job}{suffix}");
    if prefix.len() > MAX_GENERATED_NAME_LENGTH {
        let keep = MAX_GENERATED_NAME_LENGTH.saturating_sub(suffix.len()).min(job.len());
        format!("{}{suffix}", &job[..keep])
    } else {
        prefix
    }
}

/// upstream `addCompletionIndexEnvVariables`: `JOB_COMPLETION_INDEX` from the pod's
/// completion-index label, in every container and init container that lacks it.
fn add_completion_index_env(pod: &mut Value) {
    for list in ["initContainers", "containers"] {
        let Some(containers) = pod["spec"][list].as_array_mut() else { continue };
        for c in containers {
            let Some(c) = c.as_object_mut() else { continue };
            let env = c.entry("env").or_insert_with(|| json!([]));
            let Some(env) = env.as_array_mut() else { continue };
            if !env.iter().any(|e| e["name"] == "JOB_COMPLETION_INDEX") {
                env.push(json!({
                    "name": "JOB_COMPLETION_INDEX",
                    "valueFrom": {"fieldRef": {"fieldPath": format!("metadata.labels['{COMPLETION_INDEX}']")}},
                }));
            }
        }
    }
}

/// The status the Job has after this step, serialized as upstream does (zero counters
/// omitted; `ready`, `terminating` and `uncountedTerminatedPods` always present).
fn new_status(f: &Facts, s: &Synced, d: &Decision) -> Value {
    let (job, c) = (s.job, &s.classes);
    let now = f.now;
    let deleted = d.deletes.len() as i64;
    let created = d.creates.0 + d.indexes.len() as i64;
    let active = if d.holding.is_some() { 0 } else { c.active.len() as i64 - deleted + created };
    let deleted_ready = d.deletes.iter().filter(|&&(p, _)| s.pod(p).is_some_and(|x| x.ready)).count() as i64;
    let ready =
        c.active.iter().filter(|&&p| s.pod(p).is_some_and(|x| x.ready)).count() as i64 - deleted_ready;
    let counted = |kind: u8| d.uncount.iter().filter(|&&(_, k)| k == kind).count() as i64;
    let succeeded = if job.indexed { s.succeeded_indexes.total() } else { job.succeeded + counted(1) };
    let failed = job.failed + counted(2);
    let mut conditions: Vec<Value> =
        f.raw(job.id)["status"]["conditions"].as_array().cloned().unwrap_or_default();
    let mut start = start_time(f, job);
    if let Some(suspended) = d.suspend {
        let (status, reason, message) = if suspended {
            ("True", "JobSuspended", "Job suspended")
        } else {
            ("False", "JobResumed", "Job resumed")
        };
        ensure_condition(&mut conditions, "Suspended", status, reason, message, now);
        if !suspended {
            start = Some(now);
        }
    }
    let mut completion = model::parse_time(f.raw(job.id)["status"]["completionTime"].as_str().unwrap_or(""));
    if let Some((success, reason)) = d.outcome {
        let (why, message) = condition_text(s, d, reason);
        if reason != Reason::Carried {
            let interim = if success { "SuccessCriteriaMet" } else { "FailureTarget" };
            if !success || job.condition(interim).is_none() {
                conditions.push(condition(interim, "True", &why, &message, now));
            }
        }
        if d.enact {
            let last = if success { "Complete" } else { "Failed" };
            ensure_condition(&mut conditions, last, "True", &why, &message, now);
            if success {
                completion = Some(now);
            }
        }
    }
    let mut st = Map::new();
    let mut put = |k: &str, v: Value| {
        st.insert(k.to_string(), v);
    };
    if active > 0 {
        put("active", json!(active));
    }
    if job.indexed && !s.succeeded_indexes.is_empty() {
        put("completedIndexes", json!(s.succeeded_indexes.to_string()));
    }
    if let Some(t) = completion {
        put("completionTime", json!(model::fmt_time(t)));
    }
    if !conditions.is_empty() {
        put("conditions", Value::Array(conditions));
    }
    if failed > 0 {
        put("failed", json!(failed));
    }
    if job.backoff_limit_per_index.is_some() && job.indexed {
        put("failedIndexes", json!(s.failed_indexes.to_string()));
    }
    put("ready", json!(ready));
    if let Some(t) = start {
        put("startTime", json!(model::fmt_time(t)));
    }
    if succeeded > 0 {
        put("succeeded", json!(succeeded));
    }
    put("terminating", json!(c.terminating as i64 + deleted));
    put("uncountedTerminatedPods", json!({}));
    Value::Object(st)
}

fn condition(kind: &str, status: &str, reason: &str, message: &str, now: i64) -> Value {
    let t = model::fmt_time(now);
    let mut c = Map::new();
    c.insert("type".into(), json!(kind));
    c.insert("status".into(), json!(status));
    c.insert("lastProbeTime".into(), json!(t));
    c.insert("lastTransitionTime".into(), json!(t));
    if !reason.is_empty() {
        c.insert("reason".into(), json!(reason));
    }
    if !message.is_empty() {
        c.insert("message".into(), json!(message));
    }
    Value::Object(c)
}

/// upstream `ensureJobConditionStatus`: update the condition of that type if it differs,
/// append it if missing (but never append a False one).
fn ensure_condition(
    conditions: &mut Vec<Value>,
    kind: &str,
    status: &str,
    reason: &str,
    message: &str,
    now: i64,
) {
    match conditions.iter_mut().find(|c| c["type"] == kind) {
        Some(c) => {
            let same = c["status"] == status
                && c["reason"].as_str().unwrap_or("") == reason
                && c["message"].as_str().unwrap_or("") == message;
            if !same {
                *c = condition(kind, status, reason, message, now);
            }
        }
        None if status != "False" => conditions.push(condition(kind, status, reason, message, now)),
        None => {}
    }
}

/// The trace line of a status update: the counters and the conditions that are True.
fn status_reason(status: &Value) -> String {
    let n = |k: &str| status[k].as_i64().unwrap_or(0);
    let mut out = format!(
        "status: active {}, ready {}, succeeded {}, failed {}, terminating {}",
        n("active"),
        n("ready"),
        n("succeeded"),
        n("failed"),
        n("terminating")
    );
    let conditions: Vec<String> = status["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["status"] == "True")
        .map(|c| match c["reason"].as_str() {
            Some(r) => format!("{} ({r})", model::str_at(c, &["type"])),
            None => model::str_at(c, &["type"]).to_string(),
        })
        .collect();
    if !conditions.is_empty() {
        out.push_str(&format!("; {}", conditions.join(", ")));
    }
    out
}

/// The Event a status update records (upstream `recordJobFinished`, the Suspended / Resumed
/// events).
fn status_event(s: &Synced, d: &Decision) -> Option<(EventType, &'static str, String)> {
    match (d.suspend, d.outcome) {
        (Some(true), _) => Some((EventType::Normal, "Suspended", "Job suspended".into())),
        (Some(false), _) => Some((EventType::Normal, "Resumed", "Job resumed".into())),
        (None, Some((true, _))) if d.enact => Some((EventType::Normal, "Completed", "Job completed".into())),
        (None, Some((false, reason))) if d.enact => {
            let (why, message) = condition_text(s, d, reason);
            Some((EventType::Warning, failure_reason(&why), message))
        }
        _ => None,
    }
}

/// Event reasons are static strings: the failure reasons the controller writes.
fn failure_reason(reason: &str) -> &'static str {
    [
        "PodFailurePolicy",
        "BackoffLimitExceeded",
        "DeadlineExceeded",
        "MaxFailedIndexesExceeded",
        "FailedIndexes",
    ]
    .into_iter()
    .find(|r| *r == reason)
    .unwrap_or("JobFailed")
}
