//! API-server-style validation of one object, before it is admitted to the store.
//!
//! Mirrors what `kube-apiserver` rejects for the kinds konverge runs controllers for (required
//! fields, field types, selectors that must match their template, replica counts, rolling-update
//! parameters) and the identity every object needs. Kinds without a controller are only checked
//! for identity: they are stored unchanged.
//!
//! The core ([`field`]: errors and paths; [`checks`]: names, maps, integers, int-or-percent) is
//! shared; each kind family has its own file (`workloads`, `pod`, `node`, `storage`, `job`,
//! `cronjob`),
//! with the StatefulSet's own spec rules in `statefulset`.

pub mod checks;
mod cronjob;
pub mod field;
mod job;
mod meta;
mod node;
mod pod;
mod statefulset;
mod storage;
mod workloads;

pub use checks::IntOrPercent;
pub use field::{FieldError, Validation};

use serde_json::Value;

/// The validator of one kind: the whole object in, the first refused field out.
pub type KindValidator = fn(&Value) -> Validation;

/// Every kind family's validators. A family adds its kinds to its own table.
const FAMILIES: &[&[(&str, KindValidator)]] =
    &[pod::KINDS, workloads::KINDS, node::KINDS, storage::KINDS, job::KINDS, cronjob::KINDS];

fn kind_validator(kind: &str) -> Option<KindValidator> {
    FAMILIES.iter().flat_map(|f| f.iter()).find(|(k, _)| *k == kind).map(|(_, v)| *v)
}

/// Validate a whole object: identity and API version (every kind), then the kind's own rules.
pub fn object(obj: &Value) -> Validation {
    let kind = meta::identity(obj)?;
    match kind_validator(kind) {
        Some(validate) => validate(obj),
        None => Ok(()),
    }
}

/// Validate an update of a stored object: the fields its kind does not let change
/// (`ValidateXUpdate`).
pub fn update(old: &Value, new: &Value) -> Validation {
    match crate::model::str_at(new, &["kind"]) {
        "PersistentVolumeClaim" => storage::claim_update(old, new),
        "PersistentVolume" => storage::volume_update(old, new),
        "Job" => job::job_update(old, new),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deploy(strategy: Value) -> Value {
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
            "spec": {
                "replicas": 2, "selector": {"matchLabels": {"app": "a"}}, "strategy": strategy,
                "template": {"metadata": {"labels": {"app": "a"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}}
            }
        })
    }

    fn field(obj: Value) -> String {
        object(&obj).map(|_| "ok".to_string()).unwrap_or_else(|e| e.field)
    }

    #[test]
    fn table_of_bad_deployments() {
        let ru = |s: Value, u: Value| json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": s, "maxUnavailable": u}});
        let cases = [
            (ru(json!(0), json!(0)), "spec.strategy.rollingUpdate.maxUnavailable"),
            (ru(json!("0%"), json!(0)), "spec.strategy.rollingUpdate.maxUnavailable"),
            (ru(json!(1), json!("150%")), "spec.strategy.rollingUpdate.maxUnavailable"),
            (ru(json!(-1), json!(1)), "spec.strategy.rollingUpdate.maxSurge"),
            (ru(json!("x%"), json!(1)), "spec.strategy.rollingUpdate.maxSurge"),
            (json!({"type": "Sideways"}), "spec.strategy.type"),
            (json!({"type": "Recreate", "rollingUpdate": {"maxSurge": 1}}), "spec.strategy.rollingUpdate"),
            (ru(json!("1"), json!(0)), "spec.strategy.rollingUpdate.maxSurge"),
            (ru(json!("200%"), json!(0)), "ok"),
            (ru(json!(1), json!(0)), "ok"),
            (json!({"type": "Recreate"}), "ok"),
        ];
        for (strategy, want) in cases {
            assert_eq!(field(deploy(strategy.clone())), want, "{strategy}");
        }
    }

    /// `ValidateDaemonSetSpec` and `ValidateDaemonSetUpdateStrategy` (upstream
    /// `TestValidateDaemonSet*` error cases): each refusal names its field.
    #[test]
    fn table_of_bad_daemon_sets() {
        let ds = |spec: Value| {
            let mut d = json!({
                "apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "d"},
                "spec": {
                    "selector": {"matchLabels": {"app": "a"}},
                    "template": {"metadata": {"labels": {"app": "a"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}}
                }
            });
            json_patch::merge(&mut d, &json!({"spec": spec}));
            d
        };
        let ru = |u: Value, s: Value| json!({"updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": u, "maxSurge": s}}});
        let cases = [
            ("defaults", json!({}), "ok"),
            (
                "maxUnavailable 0 and maxSurge 0",
                ru(json!(0), json!(0)),
                "spec.updateStrategy.rollingUpdate.maxUnavailable",
            ),
            (
                "maxUnavailable 0% and maxSurge 0",
                ru(json!("0%"), json!(0)),
                "spec.updateStrategy.rollingUpdate.maxUnavailable",
            ),
            ("both non-zero", ru(json!(1), json!(1)), "spec.updateStrategy.rollingUpdate.maxSurge"),
            (
                "maxSurge alone (maxUnavailable defaults to 1)",
                json!({"updateStrategy": {"rollingUpdate": {"maxSurge": 1}}}),
                "spec.updateStrategy.rollingUpdate.maxSurge",
            ),
            ("surge only", ru(json!(0), json!("10%")), "ok"),
            ("unavailable percent", ru(json!("50%"), json!(0)), "ok"),
            (
                "maxUnavailable over 100%",
                ru(json!("101%"), json!(0)),
                "spec.updateStrategy.rollingUpdate.maxUnavailable",
            ),
            ("negative maxSurge", ru(json!(0), json!(-1)), "spec.updateStrategy.rollingUpdate.maxSurge"),
            ("not a percent", ru(json!("1"), json!(0)), "spec.updateStrategy.rollingUpdate.maxUnavailable"),
            ("invalid type", json!({"updateStrategy": {"type": "Sideways"}}), "spec.updateStrategy"),
            ("OnDelete", json!({"updateStrategy": {"type": "OnDelete"}}), "ok"),
            ("negative minReadySeconds", json!({"minReadySeconds": -1}), "spec.minReadySeconds"),
            (
                "negative revisionHistoryLimit",
                json!({"revisionHistoryLimit": -1}),
                "spec.revisionHistoryLimit",
            ),
            ("zero revisionHistoryLimit", json!({"revisionHistoryLimit": 0}), "ok"),
            (
                "selector not matching",
                json!({"selector": {"matchLabels": {"app": "b"}}}),
                "spec.template.metadata.labels",
            ),
            (
                "restartPolicy Never",
                json!({"template": {"spec": {"restartPolicy": "Never"}}}),
                "spec.template.spec.restartPolicy",
            ),
            (
                "activeDeadlineSeconds",
                json!({"template": {"spec": {"activeDeadlineSeconds": 5}}}),
                "spec.template.spec.activeDeadlineSeconds",
            ),
        ];
        for (name, spec, want) in cases {
            assert_eq!(field(ds(spec)), want, "{name}");
        }
    }

    #[test]
    fn identity_and_versions() {
        assert_eq!(field(json!({"kind": "Pod", "metadata": {"name": "p"}})), "apiVersion");
        assert_eq!(field(json!({"apiVersion": "v1", "metadata": {"name": "p"}})), "kind");
        assert_eq!(field(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {}})), "metadata.name");
        assert_eq!(
            field(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "Bad_Name"}})),
            "metadata.name"
        );
        let mut d = deploy(json!({}));
        d["apiVersion"] = json!("extensions/v1beta1");
        assert_eq!(field(d), "apiVersion");
        assert_eq!(
            field(
                json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": 3})
            ),
            "ok"
        );
    }

    #[test]
    fn wrong_types_and_selectors() {
        let mut d = deploy(json!({}));
        d["spec"]["replicas"] = json!("two");
        assert_eq!(field(d), "spec.replicas");
        let mut d = deploy(json!({}));
        d["spec"]["selector"] = json!({"matchLabels": {"app": "b"}});
        assert_eq!(field(d), "spec.template.metadata.labels");
        let mut d = deploy(json!({}));
        d["spec"]["template"]["spec"]["containers"] = json!([]);
        assert_eq!(field(d), "spec.template.spec.containers");
        let mut d = deploy(json!({}));
        d["spec"]["template"]["spec"]["containers"][0]["resources"] = json!({"requests": {"cpu": "lots"}});
        assert_eq!(field(d), "spec.template.spec.containers[0].resources.requests.cpu");
    }

    #[test]
    fn scaled_values_round_like_upstream() {
        assert_eq!(IntOrPercent::Percent(25).scaled(2, true), 1);
        assert_eq!(IntOrPercent::Percent(25).scaled(2, false), 0);
        assert_eq!(IntOrPercent::Percent(25).scaled(10, true), 3);
        assert_eq!(IntOrPercent::Percent(25).scaled(10, false), 2);
        assert_eq!(IntOrPercent::Int(3).scaled(10, false), 3);
    }
}
