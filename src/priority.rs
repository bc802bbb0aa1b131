//! PriorityClasses (`scheduling.k8s.io/v1`, cluster-scoped) and the `Priority` admission plugin
//! (upstream `plugin/pkg/admission/priority`).
//!
//! On a pod's create the plugin resolves `spec.priorityClassName` to the class's `value` and
//! `preemptionPolicy`, written into `spec.priority` and `spec.preemptionPolicy`; a pod that
//! names no class gets the global default class (the lowest value among several, as upstream
//! resolves a race) and its name, or priority 0 and `PreemptLowerPriority` when there is none.
//! A class that does not exist, or a `spec.priority` / `spec.preemptionPolicy` the pod sets
//! itself that differs from what the class gives, is refused with upstream's words. On a
//! PriorityClass's create or update it refuses a second global default.
//!
//! The two system classes every cluster has (`system-cluster-critical`,
//! `system-node-critical`) need no document in the state: they resolve as if stored.

use crate::model;
use crate::state::State;
use serde_json::{json, Value};

/// Upstream `scheduling.HighestUserDefinablePriority`.
pub const HIGHEST_USER_DEFINABLE: i64 = 1_000_000_000;
/// Upstream `scheduling.SystemCriticalPriority`: `system-cluster-critical`'s value.
pub const SYSTEM_CRITICAL: i64 = 2 * HIGHEST_USER_DEFINABLE;
/// Names starting with this are reserved for the system classes.
pub const SYSTEM_PREFIX: &str = "system-";
/// The system classes: (name, value).
pub const SYSTEM_CLASSES: [(&str, i64); 2] =
    [("system-cluster-critical", SYSTEM_CRITICAL), ("system-node-critical", SYSTEM_CRITICAL + 1000)];

pub const PREEMPT_LOWER_PRIORITY: &str = "PreemptLowerPriority";
pub const PREEMPT_NEVER: &str = "Never";

/// A class as the plugin reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Class {
    pub name: String,
    pub value: i64,
    pub global_default: bool,
    pub preemption_policy: String,
}

impl Class {
    fn of(obj: &Value) -> Class {
        let policy = model::str_at(obj, &["preemptionPolicy"]);
        Class {
            name: model::name(obj).to_string(),
            value: model::i64_at(obj, &["value"]).unwrap_or(0),
            global_default: model::at(obj, &["globalDefault"]).and_then(Value::as_bool).unwrap_or(false),
            preemption_policy: if policy.is_empty() { PREEMPT_LOWER_PRIORITY } else { policy }.to_string(),
        }
    }
}

/// The classes the cluster has: the stored ones, then the system classes it does not store.
pub fn classes(state: &State) -> Vec<Class> {
    let mut out: Vec<Class> = state.of_kind("PriorityClass", None).map(Class::of).collect();
    for (name, value) in SYSTEM_CLASSES {
        if !out.iter().any(|c| c.name == name) {
            out.push(system_class(name, value));
        }
    }
    out
}

fn system_class(name: &str, value: i64) -> Class {
    Class {
        name: name.into(),
        value,
        global_default: false,
        preemption_policy: PREEMPT_LOWER_PRIORITY.into(),
    }
}

/// Upstream `getDefaultPriorityClass`: among the global defaults, the lowest value (ties by
/// name, where upstream takes the first its lister lists).
pub fn default_class(classes: &[Class]) -> Option<&Class> {
    classes.iter().filter(|c| c.global_default).min_by(|a, b| (a.value, &a.name).cmp(&(b.value, &b.name)))
}

/// What the plugin writes into a new pod: (class name, priority, preemption policy).
pub fn resolve(classes: &[Class], pod: &Value) -> Result<(String, i64, String), String> {
    let named = model::str_at(pod, &["spec", "priorityClassName"]);
    let (name, priority, policy) = if named.is_empty() {
        match default_class(classes) {
            Some(c) => (c.name.clone(), c.value, c.preemption_policy.clone()),
            None => (String::new(), 0, PREEMPT_LOWER_PRIORITY.to_string()),
        }
    } else {
        match classes.iter().find(|c| c.name == named) {
            Some(c) => (c.name.clone(), c.value, c.preemption_policy.clone()),
            None => return Err(forbidden(pod, &format!("no PriorityClass with name {named} was found"))),
        }
    };
    if let Some(given) = model::i64_at(pod, &["spec", "priority"]).filter(|&p| p != priority) {
        return Err(forbidden(
            pod,
            &format!(
                "the integer value of priority ({given}) must not be provided in pod spec; priority admission controller computed {priority} from the given PriorityClass name"
            ),
        ));
    }
    let given = model::str_at(pod, &["spec", "preemptionPolicy"]);
    if !given.is_empty() && given != policy {
        return Err(forbidden(
            pod,
            &format!(
                "the string value of PreemptionPolicy ({given}) must not be provided in pod spec; priority admission controller computed {policy} from the given PriorityClass name"
            ),
        ));
    }
    Ok((name, priority, policy))
}

/// Admit a new pod: resolve its priority and write it into the spec, or refuse it.
pub fn admit_pod(classes: &[Class], pod: &mut Value) -> Result<(), String> {
    let (name, priority, policy) = resolve(classes, pod)?;
    let spec = model::obj_mut(pod, &["spec"]);
    if !name.is_empty() {
        spec.insert("priorityClassName".into(), json!(name));
    }
    spec.insert("priority".into(), json!(priority));
    spec.insert("preemptionPolicy".into(), json!(policy));
    Ok(())
}

/// Admit a PriorityClass's create (or update): a second global default is refused.
pub fn admit_class(classes: &[Class], class: &Value) -> Result<(), String> {
    let new = Class::of(class);
    if !new.global_default {
        return Ok(());
    }
    match default_class(classes) {
        Some(existing) if existing.name != new.name => Err(format!(
            "priorityclasses.scheduling.k8s.io {:?} is forbidden: PriorityClass {} is already marked as default. Only one default can exist",
            new.name, existing.name
        )),
        _ => Ok(()),
    }
}

/// `admission.NewForbidden` for a pod: `pods "name" is forbidden: why` (the generateName
/// prefix when the name is not chosen yet).
fn forbidden(pod: &Value, why: &str) -> String {
    let name = match model::name(pod) {
        "" => model::str_at(pod, &["metadata", "generateName"]),
        name => name,
    };
    format!("pods {name:?} is forbidden: {why}")
}

/// The plugin over the objects one apply creates: each new pod and PriorityClass is checked
/// against the cluster's classes and the classes the same apply creates before it.
pub fn admit_manifests<'a>(
    state: &State,
    new: impl Iterator<Item = &'a Value>,
) -> Result<(), (usize, String)> {
    let mut known = classes(state);
    for (i, obj) in new.enumerate() {
        match model::str_at(obj, &["kind"]) {
            "Pod" => {
                resolve(&known, obj).map_err(|e| (i, e))?;
            }
            "PriorityClass" => {
                admit_class(&known, obj).map_err(|e| (i, e))?;
                let class = Class::of(obj);
                known.retain(|c| c.name != class.name);
                known.push(class);
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(name: &str, value: i64, global_default: bool, policy: Option<&str>) -> Class {
        Class {
            name: name.into(),
            value,
            global_default,
            preemption_policy: policy.unwrap_or(PREEMPT_LOWER_PRIORITY).into(),
        }
    }

    fn default1() -> Class {
        class("default1", 1000, true, None)
    }
    fn default2() -> Class {
        class("default2", 2000, true, None)
    }
    fn nondefault1() -> Class {
        class("nondefault1", 2000, false, None)
    }
    fn system_cluster_critical() -> Class {
        class("system-cluster-critical", SYSTEM_CRITICAL, false, None)
    }
    fn preemption_policy_class() -> Class {
        class("nopreemptionpolicy", 2000, true, Some(PREEMPT_LOWER_PRIORITY))
    }

    fn pod(class: &str, priority: Option<i64>, policy: Option<&str>) -> Value {
        let mut p = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "namespace"},
                           "spec": {"containers": [{"name": "container"}]}});
        if !class.is_empty() {
            p["spec"]["priorityClassName"] = json!(class);
        }
        if let Some(v) = priority {
            p["spec"]["priority"] = json!(v);
        }
        if let Some(v) = policy {
            p["spec"]["preemptionPolicy"] = json!(v);
        }
        p
    }

    /// Admit `pod` against `classes`: the priority and policy written, or the refusal.
    fn admit(classes: &[Class], mut pod: Value) -> Result<(i64, String), String> {
        admit_pod(classes, &mut pod)?;
        Ok((
            model::i64_at(&pod, &["spec", "priority"]).unwrap_or(-1),
            model::str_at(&pod, &["spec", "preemptionPolicy"]).to_string(),
        ))
    }

    /// Upstream `TestPodAdmission` (plugin/pkg/admission/priority/admission_test.go), case by
    /// case (the mirror-pod cases behave as the plain ones here: konverge has no static pods).
    #[test]
    fn pod_admission_like_upstream() {
        let lower = PREEMPT_LOWER_PRIORITY.to_string();
        // "Pod with priority class"
        assert_eq!(
            admit(&[default1(), nondefault1()], pod("default1", None, None)),
            Ok((1000, lower.clone()))
        );
        // "Pod without priority class"
        assert_eq!(admit(&[default1()], pod("", None, None)), Ok((1000, lower.clone())));
        // "pod without priority class and no existing priority class"
        assert_eq!(admit(&[], pod("", None, None)), Ok((0, lower.clone())));
        // "pod without priority class and no default class"
        assert_eq!(admit(&[nondefault1()], pod("", None, None)), Ok((0, lower.clone())));
        // "pod with a system priority class"
        assert_eq!(
            admit(&[system_cluster_critical()], pod("system-cluster-critical", None, None)),
            Ok((SYSTEM_CRITICAL, lower.clone()))
        );
        // "Pod with non-existing priority class"
        assert_eq!(
            admit(&[default1(), nondefault1()], pod("non-existing", None, None)),
            Err("pods \"p\" is forbidden: no PriorityClass with name non-existing was found".into())
        );
        // "pod with integer priority": its class does not exist.
        assert!(admit(&[], pod("default1", Some(1000), None)).is_err());
        // "pod with priority that matches computed priority"
        assert_eq!(admit(&[nondefault1()], pod("", Some(0), None)), Ok((0, lower.clone())));
        // "pod with priority that matches default priority"
        assert_eq!(admit(&[default2()], pod("", Some(2000), None)), Ok((2000, lower.clone())));
        // "pod with priority that matches resolved priority"
        assert_eq!(
            admit(&[system_cluster_critical()], pod("system-cluster-critical", Some(SYSTEM_CRITICAL), None)),
            Ok((SYSTEM_CRITICAL, lower.clone()))
        );
        // "pod with nil preemtpion policy"
        assert_eq!(
            admit(&[preemption_policy_class()], pod("nopreemptionpolicy", Some(2000), None)),
            Ok((2000, lower.clone()))
        );
        // "pod with preemtpion policy that matches resolved preemtpion policy"
        assert_eq!(
            admit(
                &[preemption_policy_class()],
                pod("nopreemptionpolicy", Some(2000), Some(PREEMPT_LOWER_PRIORITY))
            ),
            Ok((2000, lower.clone()))
        );
        // "pod with preemtpion policy that does't matches resolved preemtpion policy"
        assert_eq!(
            admit(&[preemption_policy_class()], pod("nopreemptionpolicy", Some(2000), Some(PREEMPT_NEVER))),
            Err("pods \"p\" is forbidden: the string value of PreemptionPolicy (Never) must not be provided in pod spec; priority admission controller computed PreemptLowerPriority from the given PriorityClass name".into())
        );
        // A priority that differs from the class's.
        assert_eq!(
            admit(&[default1()], pod("default1", Some(5), None)),
            Err("pods \"p\" is forbidden: the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 1000 from the given PriorityClass name".into())
        );
        // A Never class gives its policy to the pod.
        assert_eq!(
            admit(&[class("batch", 10, false, Some(PREEMPT_NEVER))], pod("batch", None, None)),
            Ok((10, PREEMPT_NEVER.to_string()))
        );
    }

    /// Upstream `TestDefaultPriority`: the default is the global default class, the lowest
    /// value among several, 0 without one.
    #[test]
    fn default_priority_like_upstream() {
        assert_eq!(default_class(&[default1()]).map(|c| c.value), Some(1000));
        assert_eq!(default_class(&[nondefault1()]), None);
        assert_eq!(default_class(&[default1(), default2()]).map(|c| c.name.as_str()), Some("default1"));
        assert_eq!(default_class(&[default2()]).map(|c| c.name.as_str()), Some("default2"));
    }

    /// Upstream `TestPriorityClassAdmission`: one default class is admitted, a second is
    /// refused; re-applying the default itself is not a second one.
    #[test]
    fn priority_class_admission_like_upstream() {
        let obj = |name: &str, value: i64| {
            json!({"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
                   "metadata": {"name": name}, "value": value, "globalDefault": true})
        };
        assert_eq!(admit_class(&[], &obj("default1", 1000)), Ok(()));
        assert_eq!(
            admit_class(&[default1()], &obj("default2", 2000)),
            Err("priorityclasses.scheduling.k8s.io \"default2\" is forbidden: PriorityClass default1 is already marked as default. Only one default can exist".into())
        );
        assert_eq!(admit_class(&[default1()], &obj("default1", 1000)), Ok(()));
    }
}
