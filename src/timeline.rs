//! Rollout timelines, as the driver records them in the trace: each Deployment's old, new,
//! terminating and available pods after every step, counted from the facts the step extracted
//! for its controllers (the Deployment controller's own view of which ReplicaSet is new), and
//! kept in the state as `RolloutTimeline` documents for `rollout status --timeline`. Drawing
//! them is the renderer's (`render::rollout_chart`).

use crate::facts::Facts;
use crate::model::{self, ObjKey};
use crate::state::State;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Kind of the documents holding each Deployment's last timeline in the state.
pub const TIMELINE_KIND: &str = "RolloutTimeline";
pub const TIMELINE_API_VERSION: &str = "konverge.io/v1alpha1";

/// Pods of a Deployment at one point of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sample {
    /// The step of the step log after which the pods were counted (0: before the first step),
    /// and that step's clock.
    pub step: usize,
    pub time: i64,
    /// The Deployment's revision (`deployment.kubernetes.io/revision`; 0 before its first
    /// ReplicaSet).
    pub revision: i64,
    /// Pods of old ReplicaSets and of the new one that are not being deleted, pods being
    /// deleted (of either), and available pods.
    pub old: i64,
    pub new: i64,
    pub terminating: i64,
    pub available: i64,
}

impl Sample {
    /// What a row of the chart shows: a sample that repeats them adds no row.
    fn counts(&self) -> (i64, i64, i64, i64) {
        (self.old, self.new, self.terminating, self.available)
    }
}

/// Per-Deployment samples of one run.
pub type Timelines = BTreeMap<ObjKey, Vec<Sample>>;

/// Count every Deployment's old, new, terminating and available pods in a snapshot taken
/// after `step` of the step log, whose clock read `time`.
pub fn sample(f: &Facts, step: usize, time: i64, into: &mut Timelines) {
    let d = f.deploy();
    if d.deployments.is_empty() {
        return;
    }
    let owner: rustc_hash::FxHashMap<u32, u32> =
        d.replica_sets.iter().map(|r| (r.rs, r.deployment)).collect();
    let new: rustc_hash::FxHashMap<u32, u32> = d.new_rs.iter().map(|&(dep, rs)| (dep, rs)).collect();
    let min_ready: rustc_hash::FxHashMap<u32, i64> =
        d.deployments.iter().map(|x| (x.id, x.min_ready)).collect();
    let mut counts: BTreeMap<u32, Sample> = d
        .deployments
        .iter()
        .map(|x| {
            let sample =
                Sample { step, time, revision: x.revision, old: 0, new: 0, terminating: 0, available: 0 };
            (x.id, sample)
        })
        .collect();
    for p in &f.pods {
        let Some(rs) = p.controller else { continue };
        let Some(&dep) = owner.get(&rs) else { continue };
        let Some(s) = counts.get_mut(&dep) else { continue };
        if p.deleting {
            s.terminating += 1;
        } else if new.get(&dep) == Some(&rs) {
            s.new += 1;
        } else {
            s.old += 1;
        }
        if p.active() && p.available(min_ready[&dep], f.now) {
            s.available += 1;
        }
    }
    for (dep, s) in counts {
        let series = into.entry(f.key(dep).clone()).or_default();
        if series.last().is_none_or(|l| l.counts() != s.counts()) {
            series.push(s);
        }
    }
}

/// Whether a run's samples show a rollout: the Deployment's new ReplicaSet changed (its first
/// revision, a new template, an undo) or old pods gave way (a paused rollout resumed), not
/// only pods moving (a scale, a node failure).
pub fn rolled_out(samples: &[Sample]) -> bool {
    match (samples.first(), samples.last()) {
        (Some(first), Some(last)) => first.revision != last.revision || last.old < first.old,
        _ => false,
    }
}

/// Keep each Deployment that rolled out during the run as a `RolloutTimeline` document.
pub fn store_timelines(state: &mut State, timelines: &Timelines) {
    for (key, samples) in timelines.iter().filter(|(_, s)| rolled_out(s)) {
        let doc = json!({
            "apiVersion": TIMELINE_API_VERSION,
            "kind": TIMELINE_KIND,
            "metadata": {"name": key.name, "namespace": key.namespace},
            "samples": samples.iter().map(|s| json!({
                "step": s.step, "time": model::fmt_time(s.time), "revision": s.revision, "old": s.old,
                "new": s.new, "terminating": s.terminating, "available": s.available,
            })).collect::<Vec<_>>(),
        });
        state.objects.insert(ObjKey::new(TIMELINE_KIND, &key.namespace, &key.name), doc);
    }
}

/// The stored timeline of a Deployment, if a run recorded one.
pub fn stored_timeline(state: &State, key: &ObjKey) -> Vec<Sample> {
    let Some(doc) = state.get(TIMELINE_KIND, &key.namespace, &key.name) else { return vec![] };
    doc.get("samples")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|s| {
            let n = |f: &str| model::i64_at(s, &[f]).unwrap_or(0);
            Sample {
                step: n("step") as usize,
                time: model::parse_time(model::str_at(s, &["time"])).unwrap_or(0),
                revision: n("revision"),
                old: n("old"),
                new: n("new"),
                terminating: n("terminating"),
                available: n("available"),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(step: usize, revision: i64, (old, new, terminating, available): (i64, i64, i64, i64)) -> Sample {
        Sample { step, time: 100 + step as i64, revision, old, new, terminating, available }
    }

    #[test]
    fn a_rollout_is_a_new_replicaset_or_old_pods_giving_way() {
        let scale = [at(0, 1, (0, 2, 0, 2)), at(1, 1, (0, 4, 0, 2))];
        let node_failure = [at(0, 3, (0, 2, 0, 2)), at(1, 3, (0, 1, 1, 1)), at(2, 3, (0, 2, 0, 2))];
        let first = [at(0, 0, (0, 0, 0, 0)), at(1, 1, (0, 2, 0, 0))];
        let undo = [at(0, 3, (1, 1, 0, 2)), at(1, 4, (2, 0, 0, 2))];
        assert!(!rolled_out(&scale));
        assert!(!rolled_out(&node_failure));
        assert!(rolled_out(&first));
        assert!(rolled_out(&undo));
        let resumed = [at(0, 4, (4, 1, 0, 5)), at(1, 4, (3, 2, 1, 5)), at(9, 4, (0, 5, 0, 5))];
        assert!(rolled_out(&resumed));
        assert!(!rolled_out(&[]));
    }
}
