//! TTL-after-finished controller (upstream `pkg/controller/ttlafterfinished`): a finished Job
//! (Complete or Failed True) with `spec.ttlSecondsAfterFinished` is deleted once that many
//! seconds have passed since it finished (its finished condition's lastTransitionTime), with
//! foreground propagation so its pods go first (`processJob`). A Job already being deleted
//! is left alone.

use crate::actions::{Action, Change, Propagation};
use crate::controllers::{Controller, Proposals};
use crate::facts::jobs::JobF;
use crate::facts::{Facts, Id, WorkloadKind};
use crepe::crepe;
use rustc_hash::FxBuildHasher;

/// The name this controller's actions carry in the trace.
pub const NAME: &str = "ttl-after-finished";

pub const CONTROLLER: Controller =
    Controller { name: NAME, component: "ttl-after-finished-controller", reconcile };

crepe! {
    // A finished Job with a TTL: (job, finished at, ttlSecondsAfterFinished).
    @input
    pub struct Finished(Id, i64, i64);
    @input
    pub struct Now(i64);

    // (job, finished at, ttl).
    @output
    pub struct Expired(Id, i64, i64);
    @output
    pub struct Wake(i64);

    Expired(j, at, ttl) <- Finished(j, at, ttl), Now(now), (at + ttl <= now);
    Wake(at + ttl) <- Finished(_, at, ttl), Now(now), (at + ttl > now);
}

pub fn reconcile(f: &Facts) -> Proposals {
    let mut rt = Crepe::new();
    for w in f.workloads_of(WorkloadKind::Job).filter(|w| !w.deleting) {
        let job = JobF::read(w.id, f.raw(w.id));
        if let (Some(at), Some(ttl)) = (job.finished_at(), job.ttl_after_finished) {
            rt.extend([Finished(w.id, at, ttl)]);
        }
    }
    rt.extend([Now(f.now)]);
    let (expired, wakes) = rt.run_with_hasher::<FxBuildHasher>();
    let mut expired: Vec<Expired> = expired.into_iter().collect();
    expired.sort_unstable_by_key(|e| f.key(e.0));
    let actions = expired
        .into_iter()
        .map(|Expired(j, at, ttl)| {
            Action::new(
                Change::Delete { key: f.key(j).clone(), propagation: Propagation::Foreground },
                NAME,
                format!("finished {}s ago, ttlSecondsAfterFinished {ttl}: delete (foreground)", f.now - at),
            )
        })
        .collect();
    let mut wakes: Vec<i64> = wakes.into_iter().map(|Wake(t)| t).collect();
    wakes.sort_unstable();
    Proposals::new(actions, wakes)
}
