//! API-server-style validation of one object, before it is admitted to the store.
//!
//! Mirrors what `kube-apiserver` rejects for the kinds konverge runs controllers for (required
//! fields, field types, selectors that must match their template, replica counts, rolling-update
//! parameters) and the identity every object needs. Kinds without a controller are only checked
//! for identity: they are stored unchanged.
//!
//! The core ([`field`]: errors and paths; [`checks`]: names, maps, integers, int-or-percent) is
//! shared; each kind family has its own file (`workloads`, `pod`, `node`, `storage`, `job`,
//! `cronjob`) with a `KINDS` table and, for kinds with immutable fields, an `UPDATES` table;
//! the StatefulSet's own spec rules are in `statefulset`. In front of them: [`names`] (names
//! per kind), [`schema`] (strict fields against the OpenAPI table).

pub mod checks;
mod cronjob;
pub mod field;
mod job;
mod meta;
pub mod names;
mod node;
mod pod;
mod priority;
pub mod schema;
mod statefulset;
mod storage;
mod workloads;

pub use checks::IntOrPercent;
pub use field::{FieldError, Validation};

use serde_json::Value;

/// The validator of one kind: the whole object in, the first refused field out.
pub type KindValidator = fn(&Value) -> Validation;

/// The update check of one kind: the stored object and the new one in, the first field that
/// may not change out (`ValidateXUpdate`: immutable fields).
pub type UpdateValidator = fn(&Value, &Value) -> Validation;

/// Every kind family's validators. A family adds its kinds to its own table.
const FAMILIES: &[&[(&str, KindValidator)]] =
    &[pod::KINDS, workloads::KINDS, node::KINDS, storage::KINDS, job::KINDS, cronjob::KINDS, priority::KINDS];

/// Every kind family's update checks.
const UPDATE_FAMILIES: &[&[(&str, UpdateValidator)]] =
    &[workloads::UPDATES, storage::UPDATES, job::UPDATES, priority::UPDATES];

fn kind_validator(kind: &str) -> Option<KindValidator> {
    FAMILIES.iter().flat_map(|f| f.iter()).find(|(k, _)| *k == kind).map(|(_, v)| *v)
}

fn update_validator(kind: &str) -> Option<UpdateValidator> {
    UPDATE_FAMILIES.iter().flat_map(|f| f.iter()).find(|(k, _)| *k == kind).map(|(_, v)| *v)
}

/// Validate an update of a stored object: the new object as a whole, then the fields its
/// kind does not let change.
pub fn update(old: &Value, new: &Value) -> Validation {
    object(new)?;
    let kind = crate::model::str_at(new, &["kind"]);
    match update_validator(kind) {
        Some(validate) => validate(old, new),
        None => Ok(()),
    }
}

/// Validate a manifest as the API server receives it from kubectl: identity and version,
/// strict decoding against the kind's schema (unknown fields refused under `Strict`, dropped
/// otherwise and returned), then the kind's own rules.
pub fn manifest(
    obj: &mut Value,
    mode: schema::FieldValidation,
) -> Result<Vec<schema::FieldPath>, FieldError> {
    let kind = meta::identity(obj)?.to_string();
    let api_version = crate::model::str_at(obj, &["apiVersion"]).to_string();
    let unknown = match schema::builtin(&api_version, &kind) {
        Some(builtin) => schema::check_fields(builtin, obj, mode)?,
        None => vec![],
    };
    // The API server validates the object after defaulting it; the manifest itself stays as
    // the user wrote it (kubectl's last-applied configuration), defaulted when stored.
    let mut defaulted = obj.clone();
    crate::defaults::apply(&mut defaulted);
    object(&defaulted)?;
    Ok(unknown)
}

/// Validate a whole object: identity and API version (every kind), then the kind's own rules.
pub fn object(obj: &Value) -> Validation {
    let kind = meta::identity(obj)?;
    match kind_validator(kind) {
        Some(validate) => validate(obj),
        None => Ok(()),
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

    /// `update` reaches every kind's immutable fields (`ValidateDeploymentUpdate`,
    /// `ValidateStatefulSetUpdate`, `ValidateJobSpecUpdate`,
    /// `ValidatePersistentVolumeClaimUpdate`, `ValidatePersistentVolumeUpdate`), and lets the
    /// mutable ones change.
    #[test]
    fn updates_refuse_each_kinds_immutable_fields() {
        let template = json!({"metadata": {"labels": {"app": "a"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}});
        let sts = json!({
            "apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "s"},
            "spec": {"replicas": 1, "serviceName": "svc", "selector": {"matchLabels": {"app": "a"}}, "template": template}
        });
        let mut job_template = template.clone();
        job_template["spec"]["restartPolicy"] = json!("Never");
        job_template["metadata"]["labels"]["batch.kubernetes.io/controller-uid"] = json!("u1");
        let job = json!({
            "apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j", "uid": "u1"},
            "spec": {"selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "u1"}}, "template": job_template}
        });
        let claim = json!({
            "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "c"},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}, "storageClassName": "nfs"}
        });
        let volume = json!({
            "apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "v"},
            "spec": {"accessModes": ["ReadWriteOnce"], "capacity": {"storage": "1Gi"}, "nfs": {"server": "s", "path": "/a"}}
        });
        let cases = [
            (
                "deployment selector",
                deploy(json!({})),
                json!({"spec": {"selector": {"matchLabels": {"app": "a", "x": "y"}}, "template": {"metadata": {"labels": {"x": "y"}}}}}),
                "spec.selector",
            ),
            (
                "deployment image",
                deploy(json!({})),
                json!({"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "j"}]}}}}),
                "ok",
            ),
            ("statefulset serviceName", sts.clone(), json!({"spec": {"serviceName": "other"}}), "spec"),
            ("statefulset replicas", sts, json!({"spec": {"replicas": 3}}), "ok"),
            (
                "job template",
                job.clone(),
                json!({"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "j"}]}}}}),
                "spec.template",
            ),
            ("job suspend", job, json!({"spec": {"suspend": true}}), "ok"),
            (
                "claim access modes",
                claim.clone(),
                json!({"spec": {"accessModes": ["ReadWriteMany"]}}),
                "spec",
            ),
            ("claim volume name set once", claim, json!({"spec": {"volumeName": "v"}}), "ok"),
            (
                "volume source",
                volume.clone(),
                json!({"spec": {"nfs": {"path": "/b"}}}),
                "spec.persistentvolumesource",
            ),
            ("volume capacity", volume, json!({"spec": {"capacity": {"storage": "2Gi"}}}), "ok"),
        ];
        for (name, old, change, want) in cases {
            let mut new = old.clone();
            json_patch::merge(&mut new, &change);
            let got = update(&old, &new).map(|_| "ok".to_string()).unwrap_or_else(|e| e.field);
            assert_eq!(got, want, "{name}");
        }
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
