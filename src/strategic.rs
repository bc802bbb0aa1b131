//! kubectl's client-side apply as the API server applies it: the three-way strategic merge
//! (upstream `strategicpatch.CreateThreeWayMergePatch` then `StrategicMergePatch`), computed
//! straight to the object it leaves.
//!
//! The patch is what changed from the live object to the manifest, never deleting (the
//! *delta*), plus what the previous manifest (the last-applied annotation) gave and the new one
//! drops (the *deletions*). Maps merge key by key. Lists follow the built-in types' patch
//! strategies ([`strategy`], the `patchStrategy` / `patchMergeKey` tags of `k8s.io/api`):
//! lists of objects with a merge key (containers and env by `name`, ports by `containerPort`,
//! …) merge element by element, the manifest's elements first in its order and the live
//! object's others kept around them (`$setElementOrder`, `mergeSortedSlice`); lists of
//! scalars with the merge strategy (`metadata.finalizers`) are merged as sets; `retainKeys`
//! maps keep only the keys the manifest gives; every other list is replaced whole. Custom
//! resources have no strategies: kubectl sends them a JSON merge patch, where every list is
//! replaced.

use crate::model;
use serde_json::{Map, Value};

/// How a field merges (upstream `patchStrategy` and `patchMergeKey`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// Replaced whole (no patch strategy; `listType=atomic`).
    Replace,
    /// A list of objects merged by this key.
    MergeByKey(&'static str),
    /// A list of objects merged by this key, each element keeping only the keys the manifest
    /// gives (`merge,retainKeys`).
    MergeByKeyRetainKeys(&'static str),
    /// A list of scalars merged as a set.
    MergeScalars,
    /// A map keeping only the keys the manifest gives (`retainKeys`).
    RetainKeys,
}

/// Where the pod spec sits in objects of each kind that carry one.
fn pod_spec_root(kind: &str) -> Option<&'static [&'static str]> {
    match kind {
        "Pod" => Some(&["spec"]),
        "PodTemplate" => Some(&["template", "spec"]),
        "Deployment" | "ReplicaSet" | "ReplicationController" | "DaemonSet" | "StatefulSet" | "Job" => {
            Some(&["spec", "template", "spec"])
        }
        "CronJob" => Some(&["spec", "jobTemplate", "spec", "template", "spec"]),
        _ => None,
    }
}

/// The patch strategy of the field at `path` (field names from the object's root, list
/// indexes left out) of a built-in object of `kind`.
pub fn strategy(kind: &str, path: &[&str]) -> Strategy {
    use Strategy::*;
    if let [.., "metadata", field] = path {
        match *field {
            "finalizers" => return MergeScalars,
            "ownerReferences" => return MergeByKey("uid"),
            _ => {}
        }
    }
    if let Some(rest) = pod_spec_root(kind).and_then(|root| path.strip_prefix(root)) {
        return match rest {
            ["containers" | "initContainers" | "ephemeralContainers"] => MergeByKey("name"),
            ["containers" | "initContainers" | "ephemeralContainers", field] => match *field {
                "ports" => MergeByKey("containerPort"),
                "env" => MergeByKey("name"),
                "volumeMounts" => MergeByKey("mountPath"),
                "volumeDevices" => MergeByKey("devicePath"),
                _ => Replace,
            },
            ["volumes"] => MergeByKeyRetainKeys("name"),
            ["imagePullSecrets" | "schedulingGates"] => MergeByKey("name"),
            ["resourceClaims"] => MergeByKeyRetainKeys("name"),
            ["hostAliases"] => MergeByKey("ip"),
            ["topologySpreadConstraints"] => MergeByKey("topologyKey"),
            _ => Replace,
        };
    }
    match (kind, path) {
        ("Deployment", ["spec", "strategy"]) | ("DaemonSet", ["spec", "updateStrategy"]) => RetainKeys,
        ("Service", ["spec", "ports"]) => MergeByKey("port"),
        ("Node", ["status", "conditions" | "addresses"]) => MergeByKey("type"),
        _ => Replace,
    }
}

/// Whether kubectl sends objects of this apiVersion and kind a strategic merge patch: the
/// built-in types (those konverge knows, and the core and dot-free groups: `apps`, `batch`,
/// …); custom resources get a JSON merge patch.
pub fn is_built_in(api_version: &str, kind: &str) -> bool {
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    model::kind_info(kind).is_some() || !group.contains('.')
}

/// The object a client-side apply of `modified` leaves, given the previous manifest
/// `original` (`Null` when there was none) and the live object `current`.
pub fn three_way(original: &Value, modified: &Value, current: &Value) -> Value {
    let kind = model::str_at(modified, &["kind"]);
    let schema = is_built_in(model::str_at(modified, &["apiVersion"]), kind).then_some(kind);
    Merger { schema }.map(&mut Vec::new(), original, modified, current)
}

/// One three-way merge; `schema` is the kind whose strategies apply (`None`: every list is
/// replaced).
struct Merger<'k> {
    schema: Option<&'k str>,
}

impl Merger<'_> {
    fn strategy(&self, path: &[&str]) -> Strategy {
        self.schema.map_or(Strategy::Replace, |kind| strategy(kind, path))
    }

    /// Maps: the manifest's keys over the live ones; keys the previous manifest gave and this
    /// one drops are deleted; an explicit null deletes.
    fn map<'a>(
        &self,
        path: &mut Vec<&'a str>,
        original: &Value,
        modified: &'a Value,
        current: &Value,
    ) -> Value {
        let (Some(m), Some(c)) = (modified.as_object(), current.as_object()) else { return modified.clone() };
        let mut out = c.clone();
        for (k, mv) in m {
            path.push(k);
            let merged = match (mv, c.get(k)) {
                // An explicit null deletes; one the live object also holds is no change.
                (Value::Null, Some(Value::Null)) => Some(Value::Null),
                (Value::Null, _) => None,
                (_, None) => Some(mv.clone()),
                (Value::Object(_), Some(cv @ Value::Object(_))) => {
                    let ov = original.get(k).filter(|o| o.is_object()).unwrap_or(&Value::Null);
                    let merged = self.map(path, ov, mv, cv);
                    Some(if self.strategy(path) == Strategy::RetainKeys {
                        retain_keys(merged, mv)
                    } else {
                        merged
                    })
                }
                (Value::Array(ml), Some(Value::Array(cl))) => {
                    let ol = original.get(k).and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
                    Some(self.list(path, ol, ml, cl))
                }
                _ => Some(mv.clone()),
            };
            path.pop();
            match merged {
                Some(v) => {
                    out.insert(k.clone(), v);
                }
                None => {
                    out.remove(k);
                }
            }
        }
        if let Some(o) = original.as_object() {
            for k in o.keys().filter(|k| !m.contains_key(*k)) {
                out.remove(k);
            }
        }
        Value::Object(out)
    }

    fn list<'a>(
        &self,
        path: &mut Vec<&'a str>,
        original: &[Value],
        modified: &'a [Value],
        current: &[Value],
    ) -> Value {
        match self.strategy(path) {
            Strategy::MergeByKey(key) => self.merge_by_key(path, key, false, original, modified, current),
            Strategy::MergeByKeyRetainKeys(key) => {
                self.merge_by_key(path, key, true, original, modified, current)
            }
            Strategy::MergeScalars => merge_scalars(original, modified, current),
            Strategy::Replace | Strategy::RetainKeys => Value::Array(modified.to_vec()),
        }
    }

    /// A list of objects merged by `key`. Elements the previous manifest had and this one
    /// drops go (`$patch: delete`); the manifest's elements merge into the live ones with the
    /// same key or are added; the others stay. When anything changed, the manifest's elements
    /// take its order and the live-only ones keep theirs around them.
    fn merge_by_key<'a>(
        &self,
        path: &mut Vec<&'a str>,
        key: &str,
        retain: bool,
        original: &[Value],
        modified: &'a [Value],
        current: &[Value],
    ) -> Value {
        let key_of = |v: &Value| v.get(key).filter(|k| !k.is_null()).cloned();
        let (Some(m_keys), Some(c_keys)) = (keys(modified, &key_of), keys(current, &key_of)) else {
            return Value::Array(modified.to_vec());
        };
        let o_keys = keys(original, &key_of).unwrap_or_default();
        let deleted: Vec<&Value> = o_keys.iter().filter(|k| !m_keys.contains(k)).collect();
        let mut changed = deleted.iter().any(|k| c_keys.contains(k));
        let mut patch_items: Vec<(Value, Value)> = Vec::new();
        for (mk, m) in m_keys.iter().zip(modified) {
            let merged = match c_keys.iter().position(|k| k == mk) {
                Some(i) => {
                    let o = o_keys.iter().position(|k| k == mk).map_or(&Value::Null, |j| &original[j]);
                    let merged = self.map(path, o, m, &current[i]);
                    let merged = if retain { retain_keys(merged, m) } else { merged };
                    changed |= merged != current[i];
                    merged
                }
                None => {
                    changed = true;
                    m.clone()
                }
            };
            patch_items.push((mk.clone(), merged));
        }
        if !changed {
            return Value::Array(current.to_vec());
        }
        let server_only: Vec<(Value, Value)> = c_keys
            .iter()
            .zip(current)
            .filter(|(k, _)| !m_keys.contains(k) && !deleted.contains(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Value::Array(merge_sorted(server_only, patch_items, &c_keys))
    }
}

/// The merge keys of a list's elements, or `None` when one lacks it or two share it (such a
/// list is replaced whole).
fn keys(list: &[Value], key_of: &impl Fn(&Value) -> Option<Value>) -> Option<Vec<Value>> {
    let keys: Vec<Value> = list.iter().map(key_of).collect::<Option<_>>()?;
    let unique = keys.iter().enumerate().all(|(i, k)| !keys[..i].contains(k));
    unique.then_some(keys)
}

/// A list of scalars merged as a set: the live items, the manifest's new ones, without those
/// the previous manifest had and this one drops (`$deleteFromPrimitiveList`), in the same
/// order as lists of objects.
fn merge_scalars(original: &[Value], modified: &[Value], current: &[Value]) -> Value {
    let deleted: Vec<&Value> = original.iter().filter(|o| !modified.contains(o)).collect();
    let added = modified.iter().any(|m| !current.contains(m));
    if !added && !deleted.iter().any(|d| current.contains(d)) {
        return Value::Array(current.to_vec());
    }
    let mut patch_items: Vec<(Value, Value)> = Vec::new();
    for m in modified {
        if !patch_items.iter().any(|(k, _)| k == m) {
            patch_items.push((m.clone(), m.clone()));
        }
    }
    let server_only: Vec<(Value, Value)> = current
        .iter()
        .filter(|c| !modified.contains(c) && !deleted.contains(c))
        .map(|c| (c.clone(), c.clone()))
        .collect();
    Value::Array(merge_sorted(server_only, patch_items, current))
}

/// upstream `mergeSortedSlice`: interleave the live-only items (`left`, in live order) with
/// the manifest's (`right`, in its order), keeping both orders; a live-only item goes before a
/// manifest item when the live list has it first, and a manifest item the live list lacks goes
/// before the live-only items still waiting.
fn merge_sorted(left: Vec<(Value, Value)>, right: Vec<(Value, Value)>, live_order: &[Value]) -> Vec<Value> {
    let index = |k: &Value| live_order.iter().position(|x| x == k);
    let mut out = Vec::with_capacity(left.len() + right.len());
    let (mut left, mut right) = (left.into_iter().peekable(), right.into_iter().peekable());
    loop {
        let take_left = match (left.peek(), right.peek()) {
            (None, None) => break,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some((l, _)), Some((r, _))) => matches!((index(l), index(r)), (Some(li), Some(ri)) if li < ri),
        };
        let next = if take_left { left.next() } else { right.next() };
        out.extend(next.map(|(_, v)| v));
    }
    out
}

/// `$retainKeys`: only the keys the manifest gives (with a value) stay.
fn retain_keys(merged: Value, modified: &Value) -> Value {
    match (merged, modified.as_object()) {
        (Value::Object(m), Some(keep)) => {
            let kept: Map<String, Value> =
                m.into_iter().filter(|(k, _)| keep.get(k).is_some_and(|v| !v.is_null())).collect();
            Value::Object(kept)
        }
        (merged, _) => merged,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployment(containers: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
               "spec": {"template": {"spec": {"containers": containers}}}})
    }

    fn containers(obj: &Value) -> &Value {
        &obj["spec"]["template"]["spec"]["containers"]
    }

    /// kubectl `set env` adds env to the live container; re-applying the unchanged manifest
    /// keeps it (the delta never deletes, and the previous manifest never gave it).
    #[test]
    fn reapply_after_set_env_keeps_the_env() {
        let manifest = deployment(json!([{"name": "app", "image": "app:v1"}]));
        let live =
            deployment(json!([{"name": "app", "image": "app:v1", "env": [{"name": "A", "value": "1"}]}]));
        let merged = three_way(&manifest, &manifest, &live);
        assert_eq!(containers(&merged), containers(&live));
    }

    /// upstream `TestStrategicMergePatch`-style cases on containers and env by name: a changed
    /// image merges into the live container, an added container is appended in the manifest's
    /// order, a container the previous manifest had and this one drops goes, one only the live
    /// object has stays.
    #[test]
    fn containers_merge_by_name() {
        let original = deployment(json!([{"name": "a", "image": "a:1"}, {"name": "gone", "image": "g"}]));
        let modified = deployment(json!([{"name": "a", "image": "a:2"}, {"name": "b", "image": "b:1"}]));
        let live = deployment(json!([
            {"name": "sidecar", "image": "s"},
            {"name": "a", "image": "a:1", "resources": {"requests": {"cpu": "1"}}},
            {"name": "gone", "image": "g"},
        ]));
        let merged = three_way(&original, &modified, &live);
        assert_eq!(
            containers(&merged),
            &json!([
                {"name": "sidecar", "image": "s"},
                {"name": "a", "image": "a:2", "resources": {"requests": {"cpu": "1"}}},
                {"name": "b", "image": "b:1"},
            ])
        );
    }

    /// Env entries merge by name, ports by containerPort; a field the previous manifest gave
    /// and this one drops goes from the live element.
    #[test]
    fn env_and_ports_merge_by_their_keys() {
        let original = deployment(
            json!([{"name": "a", "image": "a", "env": [{"name": "X", "value": "1"}, {"name": "OLD", "value": "o"}],
            "ports": [{"containerPort": 80, "name": "http"}]}]),
        );
        let modified = deployment(json!([{"name": "a", "image": "a", "env": [{"name": "X", "value": "2"}],
            "ports": [{"containerPort": 80}]}]));
        let live = deployment(json!([{"name": "a", "image": "a",
            "env": [{"name": "X", "value": "1"}, {"name": "OLD", "value": "o"}, {"name": "SET", "value": "s"}],
            "ports": [{"containerPort": 80, "name": "http", "protocol": "TCP"}]}]));
        let merged = three_way(&original, &modified, &live);
        let c = &containers(&merged)[0];
        assert_eq!(c["env"], json!([{"name": "X", "value": "2"}, {"name": "SET", "value": "s"}]));
        assert_eq!(c["ports"], json!([{"containerPort": 80, "protocol": "TCP"}]));
    }

    /// `PodSpec.tolerations` has no patch strategy: the manifest's list replaces the live one,
    /// like every list without one.
    #[test]
    fn tolerations_and_args_are_replaced() {
        let t = |k: &str| json!({"key": k, "operator": "Exists"});
        let mut modified = deployment(json!([{"name": "a", "image": "a", "args": ["x"]}]));
        modified["spec"]["template"]["spec"]["tolerations"] = json!([t("one")]);
        let mut live = deployment(json!([{"name": "a", "image": "a", "args": ["y", "z"]}]));
        live["spec"]["template"]["spec"]["tolerations"] = json!([t("two"), t("one")]);
        let merged = three_way(&Value::Null, &modified, &live);
        assert_eq!(merged["spec"]["template"]["spec"]["tolerations"], json!([t("one")]));
        assert_eq!(containers(&merged)[0]["args"], json!(["x"]));
    }

    /// Nothing changed: the live list keeps its own order (no `$setElementOrder` is sent).
    #[test]
    fn an_unchanged_list_keeps_the_live_order() {
        let modified = deployment(json!([{"name": "a", "image": "a"}, {"name": "b", "image": "b"}]));
        let live = deployment(json!([{"name": "b", "image": "b"}, {"name": "a", "image": "a"}]));
        assert_eq!(three_way(&modified, &modified, &live), live);
    }

    /// `metadata.finalizers` merges as a set; the Deployment strategy keeps only the keys the
    /// manifest gives (`retainKeys`), so switching to Recreate drops rollingUpdate.
    #[test]
    fn finalizers_merge_and_strategy_retains_keys() {
        let mut original = deployment(json!([]));
        original["metadata"]["finalizers"] = json!(["a/x", "a/old"]);
        original["spec"]["strategy"] = json!({"type": "RollingUpdate"});
        let mut modified = deployment(json!([]));
        modified["metadata"]["finalizers"] = json!(["a/x", "a/new"]);
        modified["spec"]["strategy"] = json!({"type": "Recreate"});
        let mut live = deployment(json!([]));
        live["metadata"]["finalizers"] = json!(["a/x", "a/old", "b/controller"]);
        live["spec"]["strategy"] = json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%"}});
        let merged = three_way(&original, &modified, &live);
        assert_eq!(merged["metadata"]["finalizers"], json!(["a/x", "a/new", "b/controller"]));
        assert_eq!(merged["spec"]["strategy"], json!({"type": "Recreate"}));
    }

    /// Custom resources get a JSON merge patch: their lists are replaced whole.
    #[test]
    fn custom_resources_replace_lists() {
        let cr = |items: Value| json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {"containers": items}});
        let merged = three_way(
            &Value::Null,
            &cr(json!([{"name": "a", "image": "2"}])),
            &cr(json!([{"name": "a", "image": "1", "env": []}, {"name": "b"}])),
        );
        assert_eq!(merged["spec"]["containers"], json!([{"name": "a", "image": "2"}]));
    }

    /// upstream `mergeSortedSlice`: live-only items keep their place relative to the
    /// manifest's items the live list also has; new manifest items come before live-only ones
    /// still waiting.
    #[test]
    fn merge_sorted_interleaves_like_upstream() {
        let v = |s: &[&str]| s.iter().map(|x| (json!(x), json!(x))).collect::<Vec<_>>();
        let live = [json!("a"), json!("s1"), json!("b"), json!("s2")];
        let out = merge_sorted(v(&["s1", "s2"]), v(&["a", "new", "b"]), &live);
        assert_eq!(out, [json!("a"), json!("new"), json!("s1"), json!("b"), json!("s2")]);
    }
}
