//! PriorityClasses (upstream `ValidatePriorityClass`, `ValidatePriorityClassUpdate`): a name
//! with the `system-` prefix must be one of the system classes with its value, a user class's
//! value is at most `HighestUserDefinablePriority`, `preemptionPolicy` is `Never` or
//! `PreemptLowerPriority`; `value` and `preemptionPolicy` never change.

use super::field::{fail, forbidden, not_supported, FieldError};
use crate::model;
use crate::priority::{self, HIGHEST_USER_DEFINABLE, PREEMPT_LOWER_PRIORITY, PREEMPT_NEVER, SYSTEM_PREFIX};
use serde_json::Value;

fn priority_class(obj: &Value) -> Result<(), FieldError> {
    let name = model::name(obj);
    let value = model::i64_at(obj, &["value"]);
    let Some(value) = value else { return fail("value", "Required value") };
    if name.starts_with(SYSTEM_PREFIX) {
        let known = match priority::SYSTEM_CLASSES.iter().find(|(n, _)| *n == name) {
            None => Some(format!("{name} is not a known system priority class")),
            Some((_, v)) if *v != value => Some(format!("value of {name} PriorityClass must be {v}")),
            Some(_) if model::at(obj, &["globalDefault"]).and_then(Value::as_bool) == Some(true) => {
                Some(format!("globalDefault of {name} PriorityClass must be false"))
            }
            Some(_) => None,
        };
        if let Some(err) = known {
            return forbidden(
                "metadata.name",
                &format!("priority class names with '{SYSTEM_PREFIX}' prefix are reserved for system use only. error: {err}"),
            );
        }
    } else if value > HIGHEST_USER_DEFINABLE {
        return forbidden(
            "value",
            &format!("maximum allowed value of a user defined priority is {HIGHEST_USER_DEFINABLE}"),
        );
    }
    match model::at(obj, &["preemptionPolicy"]) {
        None | Some(Value::Null) => Ok(()),
        Some(v) if v.as_str().is_some_and(|p| p == PREEMPT_NEVER || p == PREEMPT_LOWER_PRIORITY) => Ok(()),
        Some(v) => not_supported("preemptionPolicy", v, &[PREEMPT_NEVER, PREEMPT_LOWER_PRIORITY]),
    }
}

/// `value` and `preemptionPolicy` are immutable.
fn priority_class_update(old: &Value, new: &Value) -> Result<(), FieldError> {
    if model::i64_at(old, &["value"]) != model::i64_at(new, &["value"]) {
        return forbidden("value", "may not be changed in an update.");
    }
    let policy = |o: &Value| match model::str_at(o, &["preemptionPolicy"]) {
        "" => PREEMPT_LOWER_PRIORITY.to_string(),
        p => p.to_string(),
    };
    if policy(old) != policy(new) {
        return crate::validate::field::invalid(
            "preemptionPolicy",
            &Value::String(policy(new)),
            "field is immutable",
        );
    }
    Ok(())
}

pub(super) const KINDS: &[(&str, super::KindValidator)] = &[("PriorityClass", priority_class)];
pub(super) const UPDATES: &[(&str, super::UpdateValidator)] = &[("PriorityClass", priority_class_update)];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn class(name: &str, value: i64) -> Value {
        json!({"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": name}, "value": value})
    }

    /// Upstream `ValidatePriorityClass` and `IsKnownSystemPriorityClass`: a user class and a
    /// system class with its own value pass; an unknown `system-` name, a system class with
    /// another value, a value above the user limit and an unknown preemption policy fail.
    #[test]
    fn validate_priority_class_like_upstream() {
        assert_eq!(priority_class(&class("tier1", 100)), Ok(()));
        assert_eq!(priority_class(&class("system-node-critical", priority::SYSTEM_CRITICAL + 1000)), Ok(()));
        let e = priority_class(&class("system-something", 100)).unwrap_err();
        assert_eq!(e.field, "metadata.name");
        assert!(
            e.message.ends_with("system-something is not a known system priority class"),
            "{}",
            e.message
        );
        assert_eq!(priority_class(&class("system-cluster-critical", 5)).unwrap_err().field, "metadata.name");
        let e = priority_class(&class("huge", HIGHEST_USER_DEFINABLE + 1)).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.message.as_str()),
            ("value", "Forbidden: maximum allowed value of a user defined priority is 1000000000")
        );
        let mut odd = class("odd", 1);
        odd["preemptionPolicy"] = json!("Sometimes");
        assert_eq!(priority_class(&odd).unwrap_err().field, "preemptionPolicy");
    }

    /// Upstream `ValidatePriorityClassUpdate`: the value and the preemption policy may not
    /// change; the description may.
    #[test]
    fn value_and_policy_are_immutable() {
        let old = class("tier1", 100);
        let mut described = old.clone();
        described["description"] = json!("now described");
        assert_eq!(priority_class_update(&old, &described), Ok(()));
        let e = priority_class_update(&old, &class("tier1", 200)).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.message.as_str()),
            ("value", "Forbidden: may not be changed in an update.")
        );
        let mut never = old.clone();
        never["preemptionPolicy"] = json!("Never");
        assert_eq!(priority_class_update(&old, &never).unwrap_err().field, "preemptionPolicy");
    }
}
