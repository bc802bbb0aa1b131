//! `rollout` for Deployments: kubectl's status message, revision history (the ReplicaSets'
//! revision annotations), undo (a patch of the Deployment's template, computed by kubectl, not
//! by the controller), and the rollout timeline konverge records while it runs.

use crate::apply;
use crate::facts::deploy::{self as df, ANNOTATIONS_TO_SKIP};
use crate::facts::Facts;
use crate::model::{self, ObjKey};
use crate::state::State;
use anyhow::{anyhow, bail, Result};
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
    let d = df::deploy_facts(f);
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

/// The marks of the chart.
const OLD_MARK: &str = "░";
const NEW_MARK: &str = "█";
const TERMINATING_MARK: &str = "▒";

/// A text chart of a rollout no wider than `width` columns: a title naming the Deployment, the
/// revisions and `source` (the command the run came from), a legend with the scale, and one
/// row per change with the step log's step and clock, the counts, and a bar of old,
/// terminating and new pods. Beyond the room a row has, one mark stands for several pods (a
/// count that is not zero keeps at least one mark).
pub fn chart(key: &ObjKey, samples: &[Sample], source: Option<&str>, width: usize) -> String {
    let (first, last) = (samples.first().map_or(0, |s| s.revision), samples.last().map_or(0, |s| s.revision));
    let revisions = match first {
        0 => format!("revision {last}"),
        _ => format!("revision {first} → {last}"),
    };
    let from = source.map(|c| format!(", from `{c}`")).unwrap_or_default();
    let mut out = format!("rollout of deployment.apps/{} ({revisions}{from}):\n", key.name);
    let start = samples.first().map_or(0, |s| s.time);
    let header = ["STEP", "TIME", "OLD", "NEW", "TERMINATING", "AVAILABLE"];
    let mut rows: Vec<Vec<String>> = vec![header.iter().map(|h| h.to_string()).collect()];
    for s in samples {
        rows.push(vec![
            s.step.to_string(),
            format!("+{}s", s.time - start),
            s.old.to_string(),
            s.new.to_string(),
            s.terminating.to_string(),
            s.available.to_string(),
        ]);
    }
    // Room for the bars: the width less the indent, the widest numbers row and a gap.
    let numbers = crate::render::table(&rows);
    let used = 2 + numbers.lines().map(|l| l.chars().count()).max().unwrap_or(0) + 3;
    let room = width.saturating_sub(used).max(10) as i64;
    let most = samples.iter().map(|s| s.old + s.new + s.terminating).max().unwrap_or(0);
    // Each of the three parts may round up by one mark: leave room for that.
    let per_mark = if most <= room { 1 } else { (most + room - 4) / (room - 3) };
    let marks = |n: i64| (n.max(0) + per_mark - 1) / per_mark;
    let scale =
        if per_mark == 1 { "one mark a pod".to_string() } else { format!("one mark ≈ {per_mark} pods") };
    out.push_str(&format!(
        "  {OLD_MARK} old pod   {NEW_MARK} new pod   {TERMINATING_MARK} terminating   ({scale})\n"
    ));
    for (row, s) in rows.iter_mut().skip(1).zip(samples) {
        row.push(format!(
            "{}{}{}",
            OLD_MARK.repeat(marks(s.old) as usize),
            TERMINATING_MARK.repeat(marks(s.terminating) as usize),
            NEW_MARK.repeat(marks(s.new) as usize)
        ));
    }
    rows[0].push(String::new());
    for line in crate::render::table(&rows).lines() {
        out.push_str("  ");
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// `kubectl rollout status` for a Deployment (one look, no watching): the message and whether
/// the rollout is complete. A Deployment past its progress deadline is an error.
pub fn status(d: &Value) -> Result<(String, bool)> {
    let name = model::name(d);
    let generation = model::i64_at(d, &["metadata", "generation"]).unwrap_or(1);
    let st = |k: &str| model::i64_at(d, &["status", k]).unwrap_or(0);
    if generation > st("observedGeneration") {
        return Ok(("Waiting for deployment spec update to be observed...".into(), false));
    }
    if model::condition(d, "Progressing")
        .is_some_and(|c| model::str_at(c, &["reason"]) == "ProgressDeadlineExceeded")
    {
        bail!("deployment {name:?} exceeded its progress deadline");
    }
    let replicas = model::replicas(d);
    let (updated, total, available) = (st("updatedReplicas"), st("replicas"), st("availableReplicas"));
    if updated < replicas {
        return Ok((
            format!("Waiting for deployment {name:?} rollout to finish: {updated} out of {replicas} new replicas have been updated..."),
            false,
        ));
    }
    if total > updated {
        return Ok((
            format!("Waiting for deployment {name:?} rollout to finish: {} old replicas are pending termination...", total - updated),
            false,
        ));
    }
    if available < updated {
        return Ok((
            format!("Waiting for deployment {name:?} rollout to finish: {available} of {updated} updated replicas are available..."),
            false,
        ));
    }
    Ok((format!("deployment {name:?} successfully rolled out"), true))
}

/// The ReplicaSets a Deployment controls, by revision.
fn revisions<'a>(state: &'a State, d: &'a Value) -> BTreeMap<i64, &'a Value> {
    let uid = model::uid(d);
    let ns = model::str_at(d, &["metadata", "namespace"]);
    state
        .of_kind("ReplicaSet", Some(ns))
        .filter(|rs| model::controller_ref(rs).is_some_and(|(_, _, u)| u == uid))
        .filter_map(|rs| {
            model::annotation(rs, df::REVISION).and_then(|r| r.parse().ok()).map(|r: i64| (r, rs))
        })
        .collect()
}

/// `kubectl rollout history`: REVISION and CHANGE-CAUSE, or one revision's pod template.
pub fn history(state: &State, d: &Value, revision: Option<i64>) -> Result<String> {
    let revs = revisions(state, d);
    let head = format!("deployment.apps/{}", model::name(d));
    match revision {
        None => {
            let causes = revs.iter().map(|(r, rs)| (*r, model::annotation(rs, df::CHANGE_CAUSE)));
            Ok(format!("{head} \n{}\n", super::revision_table(causes)))
        }
        Some(r) => {
            let rs = revs.get(&r).ok_or_else(|| anyhow!("unable to find the specified revision"))?;
            let template = model::at(rs, &["spec", "template"]).cloned().unwrap_or(Value::Null);
            let mut out = format!("{head} with revision #{r}\nPod Template:\n");
            let labels: Vec<String> =
                model::labels(&template).iter().map(|(k, v)| format!("{k}={v}")).collect();
            out.push_str(&format!("  Labels:\t{}\n", labels.join("\n\t")));
            if let Some(cause) = model::annotation(rs, df::CHANGE_CAUSE) {
                out.push_str(&format!("  Annotations:\t{}: {cause}\n", df::CHANGE_CAUSE));
            }
            out.push_str("  Containers:\n");
            for c in
                model::at(&template, &["spec", "containers"]).and_then(Value::as_array).into_iter().flatten()
            {
                out.push_str(&format!(
                    "   {}:\n    Image:\t{}\n",
                    model::str_at(c, &["name"]),
                    model::str_at(c, &["image"])
                ));
            }
            Ok(out)
        }
    }
}

/// `kubectl rollout undo`: the merge patch restoring the template (and annotations) of a
/// revision, or `Ok(None)` when the template already matches it.
pub fn undo_patch(state: &State, d: &Value, to_revision: i64) -> Result<Option<(Value, i64)>> {
    let name = model::name(d);
    if to_revision < 0 {
        bail!("unable to find specified revision {to_revision} in history");
    }
    let revs = revisions(state, d);
    let (revision, rs) = if to_revision == 0 {
        // The second-highest revision.
        let mut it = revs.iter().rev();
        it.next();
        it.next()
            .map(|(r, rs)| (*r, *rs))
            .ok_or_else(|| anyhow!("no rollout history found for deployment {name:?}"))?
    } else {
        revs.get(&to_revision)
            .map(|rs| (to_revision, *rs))
            .ok_or_else(|| anyhow!("unable to find specified revision {to_revision} in history"))?
    };
    // kubectl looks the revision up first, then refuses a paused Deployment.
    if model::at(d, &["spec", "paused"]).and_then(Value::as_bool) == Some(true) {
        bail!("you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again");
    }
    let mut template = model::at(rs, &["spec", "template"]).cloned().unwrap_or(Value::Null);
    let current = model::at(d, &["spec", "template"]).cloned().unwrap_or(Value::Null);
    if df::template_hash(&template) == df::template_hash(&current) {
        return Ok(None);
    }
    if let Some(labels) = template.pointer_mut("/metadata/labels").and_then(Value::as_object_mut) {
        labels.remove(df::POD_TEMPLATE_HASH);
    }
    let mut annotations = serde_json::Map::new();
    for (k, v) in model::string_map(d, &["metadata", "annotations"]) {
        if ANNOTATIONS_TO_SKIP.contains(&k.as_str()) {
            annotations.insert(k, json!(v));
        }
    }
    for (k, v) in model::string_map(rs, &["metadata", "annotations"]) {
        if !ANNOTATIONS_TO_SKIP.contains(&k.as_str()) {
            annotations.insert(k, json!(v));
        }
    }
    let before = json!({"metadata": {"annotations": model::at(d, &["metadata", "annotations"]).cloned().unwrap_or(json!({}))}, "spec": {"template": current}});
    let after = json!({"metadata": {"annotations": annotations}, "spec": {"template": template}});
    Ok(Some((apply::merge_diff(&before, &after), revision)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(step: usize, revision: i64, (old, new, terminating, available): (i64, i64, i64, i64)) -> Sample {
        Sample { step, time: 100 + step as i64, revision, old, new, terminating, available }
    }

    fn key() -> ObjKey {
        ObjKey::new("Deployment", "default", "web")
    }

    #[test]
    fn a_chart_marks_one_pod_a_mark_when_there_is_room() {
        let samples = [at(0, 1, (3, 0, 0, 3)), at(1, 2, (2, 1, 1, 2)), at(4, 2, (0, 3, 0, 3))];
        let text = chart(&key(), &samples, Some("konverge set image deploy/web c=v2"), 80);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "rollout of deployment.apps/web (revision 1 → 2, from `konverge set image deploy/web c=v2`):"
        );
        assert_eq!(lines[1], "  ░ old pod   █ new pod   ▒ terminating   (one mark a pod)");
        assert_eq!(
            lines[2].split_whitespace().collect::<Vec<_>>(),
            ["STEP", "TIME", "OLD", "NEW", "TERMINATING", "AVAILABLE"]
        );
        // The step log's numbering and clock (+0s at the first sample), the terminating pod apart.
        assert_eq!(lines[3].split_whitespace().collect::<Vec<_>>(), ["0", "+0s", "3", "0", "0", "3", "░░░"]);
        assert_eq!(lines[4].split_whitespace().collect::<Vec<_>>(), ["1", "+1s", "2", "1", "1", "2", "░░▒█"]);
        assert_eq!(lines[5].split_whitespace().collect::<Vec<_>>(), ["4", "+4s", "0", "3", "0", "3", "███"]);
    }

    /// A 20,000-replica rollout piped: no line wider than 80 columns, every part that is not
    /// zero still visible, the scale stated.
    #[test]
    fn a_large_rollout_fits_the_width() {
        let samples = [
            at(0, 1, (20_000, 0, 0, 20_000)),
            at(1, 2, (15_000, 5_000, 5_000, 15_000)),
            at(2, 2, (1, 19_999, 1, 19_999)),
            at(3, 2, (0, 20_000, 0, 20_000)),
        ];
        for width in [80, 100, 120] {
            let text = chart(&key(), &samples, None, width);
            let widest = text.lines().skip(1).map(|l| l.chars().count()).max().unwrap_or(0);
            assert!(widest <= width, "{width}: {widest}\n{text}");
            let last_row = text.lines().nth(6).unwrap_or("");
            assert!(last_row.ends_with('█') && !last_row.contains('░'), "{last_row}");
            let tiny = text.lines().nth(5).unwrap_or("");
            assert!(tiny.contains("░▒█"), "one old and one terminating pod keep a mark each: {tiny}");
        }
        let text = chart(&key(), &samples, None, 80);
        let per_mark: i64 = text
            .lines()
            .nth(1)
            .and_then(|l| l.split("≈ ").nth(1))
            .and_then(|r| r.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        assert!(per_mark > 1, "{text}");
        let bar = text.lines().nth(6).unwrap_or("").rsplit(' ').next().unwrap_or("");
        assert_eq!(bar.chars().count() as i64, (20_000 + per_mark - 1) / per_mark);
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
