//! The built-in API: which kinds each group/version serves, their scope and plural, the
//! versions upstream retired, and strict field validation (kubectl's default
//! `--validate=strict`) of an object against its kind's schema.
//!
//! The schema is upstream's OpenAPI spec as the `k8s-openapi` crate generates it into typed
//! structs: an object is decoded into its kind's struct while every field the struct does not
//! know is recorded (`serde_ignored`) and a mistyped field stops the decoding with its path
//! (`serde_path_to_error`). Integer fields are `i32`/`i64` there, so an int32 field holding a
//! larger number is a type error, as it is for the API server's decoder.

use super::field::{fail, FieldError};
use k8s_openapi::api;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1 as apiextensions;
use k8s_openapi::kube_aggregator::pkg::apis::apiregistration::v1 as apiregistration;
use k8s_openapi::{ClusterResourceScope, NamespaceResourceScope, Resource};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::fmt;

/// One kind the API server serves at one group/version.
pub struct BuiltinKind {
    pub api_version: &'static str,
    pub kind: &'static str,
    /// The resource name (`deployments`).
    pub plural: &'static str,
    pub namespaced: bool,
    decode: fn(&Value) -> Result<Vec<FieldPath>, FieldError>,
}

impl fmt::Debug for BuiltinKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.api_version, self.kind)
    }
}

trait Scope {
    const NAMESPACED: bool;
}
impl Scope for NamespaceResourceScope {
    const NAMESPACED: bool = true;
}
impl Scope for ClusterResourceScope {
    const NAMESPACED: bool = false;
}

macro_rules! builtin {
    ($($ty:ty),* $(,)?) => {
        &[$(BuiltinKind {
            api_version: <$ty as Resource>::API_VERSION,
            kind: <$ty as Resource>::KIND,
            plural: <$ty as Resource>::URL_PATH_SEGMENT,
            namespaced: <<$ty as Resource>::Scope as Scope>::NAMESPACED,
            decode: strict_decode::<$ty>,
        }),*]
    };
}

/// Every kind a current API server serves by default (GA versions; alpha and beta APIs are
/// off unless a cluster turns them on).
pub const BUILTIN: &[BuiltinKind] = builtin![
    api::core::v1::Binding,
    api::core::v1::ComponentStatus,
    api::core::v1::ConfigMap,
    api::core::v1::Endpoints,
    api::core::v1::Event,
    api::core::v1::LimitRange,
    api::core::v1::Namespace,
    api::core::v1::Node,
    api::core::v1::PersistentVolume,
    api::core::v1::PersistentVolumeClaim,
    api::core::v1::Pod,
    api::core::v1::PodTemplate,
    api::core::v1::ReplicationController,
    api::core::v1::ResourceQuota,
    api::core::v1::Secret,
    api::core::v1::Service,
    api::core::v1::ServiceAccount,
    api::admissionregistration::v1::MutatingAdmissionPolicy,
    api::admissionregistration::v1::MutatingAdmissionPolicyBinding,
    api::admissionregistration::v1::MutatingWebhookConfiguration,
    api::admissionregistration::v1::ValidatingAdmissionPolicy,
    api::admissionregistration::v1::ValidatingAdmissionPolicyBinding,
    api::admissionregistration::v1::ValidatingWebhookConfiguration,
    apiextensions::CustomResourceDefinition,
    apiregistration::APIService,
    api::apps::v1::ControllerRevision,
    api::apps::v1::DaemonSet,
    api::apps::v1::Deployment,
    api::apps::v1::ReplicaSet,
    api::apps::v1::StatefulSet,
    api::authentication::v1::SelfSubjectReview,
    api::authentication::v1::TokenReview,
    api::authorization::v1::LocalSubjectAccessReview,
    api::authorization::v1::SelfSubjectAccessReview,
    api::authorization::v1::SelfSubjectRulesReview,
    api::authorization::v1::SubjectAccessReview,
    api::autoscaling::v1::HorizontalPodAutoscaler,
    api::autoscaling::v2::HorizontalPodAutoscaler,
    api::batch::v1::CronJob,
    api::batch::v1::Job,
    api::certificates::v1::CertificateSigningRequest,
    api::coordination::v1::Lease,
    api::discovery::v1::EndpointSlice,
    api::events::v1::Event,
    api::flowcontrol::v1::FlowSchema,
    api::flowcontrol::v1::PriorityLevelConfiguration,
    api::networking::v1::IPAddress,
    api::networking::v1::Ingress,
    api::networking::v1::IngressClass,
    api::networking::v1::NetworkPolicy,
    api::networking::v1::ServiceCIDR,
    api::node::v1::RuntimeClass,
    api::policy::v1::PodDisruptionBudget,
    api::rbac::v1::ClusterRole,
    api::rbac::v1::ClusterRoleBinding,
    api::rbac::v1::Role,
    api::rbac::v1::RoleBinding,
    api::resource::v1::DeviceClass,
    api::resource::v1::ResourceClaim,
    api::resource::v1::ResourceClaimTemplate,
    api::resource::v1::ResourceSlice,
    api::scheduling::v1::PriorityClass,
    api::storage::v1::CSIDriver,
    api::storage::v1::CSINode,
    api::storage::v1::CSIStorageCapacity,
    api::storage::v1::StorageClass,
    api::storage::v1::VolumeAttachment,
    api::storage::v1::VolumeAttributesClass,
];

/// The served kind at `api_version`, if any.
pub fn builtin(api_version: &str, kind: &str) -> Option<&'static BuiltinKind> {
    BUILTIN.iter().find(|b| b.api_version == api_version && b.kind == kind)
}

/// The first served built-in entry of a kind, at any version.
pub fn builtin_kind(kind: &str) -> Option<&'static BuiltinKind> {
    BUILTIN.iter().find(|b| b.kind == kind)
}

/// A built-in kind konverge's own table does not hold (`clusterroles`, `ClusterRole`,
/// `customresourcedefinitions.apiextensions.k8s.io`, `crd`), as the command line resolves
/// kinds. The table entry lives for the rest of the process, like the built-in table.
pub fn resolve_builtin(typed: &str) -> Option<&'static crate::model::KindInfo> {
    let t = typed.to_ascii_lowercase();
    let (name, group) = t.split_once('.').map_or((t.as_str(), None), |(n, g)| (n, Some(g)));
    let short: &[&str] = match name {
        "crd" | "crds" => &["customresourcedefinitions"],
        "sa" => &["serviceaccounts"],
        "pdb" => &["poddisruptionbudgets"],
        "hpa" => &["horizontalpodautoscalers"],
        "netpol" => &["networkpolicies"],
        "pc" => &["priorityclasses"],
        "ep" => &["endpoints"],
        "limits" => &["limitranges"],
        "quota" => &["resourcequotas"],
        _ => &[],
    };
    let b = BUILTIN.iter().find(|b| {
        group.is_none_or(|g| g == group_of(b.api_version))
            && (b.plural == name || b.kind.to_ascii_lowercase() == name || short.contains(&b.plural))
    })?;
    let served: Vec<&'static str> =
        BUILTIN.iter().filter(|x| x.kind == b.kind).map(|x| x.api_version).collect();
    Some(Box::leak(Box::new(crate::model::KindInfo {
        kind: b.kind,
        served: Box::leak(served.into_boxed_slice()),
        removed: &[],
        namespaced: b.namespaced,
        plural: b.plural,
        short: &[],
    })))
}

/// Whether `group` (`""` for the core group) is one of the API server's own groups.
pub fn is_builtin_group(group: &str) -> bool {
    BUILTIN.iter().any(|b| group_of(b.api_version) == group)
        || RETIRED.iter().any(|r| group_of(r.api_version) == group)
}

/// `apps` of `apps/v1`, `""` of `v1`.
pub fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(g, _)| g)
}

/// A version upstream retired (the deprecated API migration guide), with what replaced it.
pub struct Retired {
    pub api_version: &'static str,
    pub kinds: &'static [&'static str],
    /// The release that stopped serving it.
    pub removed_in: &'static str,
    /// The apiVersion to use instead, `None` when the API was removed without a replacement.
    pub use_instead: Option<&'static str>,
}

/// Upstream's deprecated API migration guide, one row per removed group/version and kind set.
pub const RETIRED: &[Retired] = &[
    Retired {
        api_version: "extensions/v1beta1",
        kinds: &["Deployment", "DaemonSet", "ReplicaSet"],
        removed_in: "v1.16",
        use_instead: Some("apps/v1"),
    },
    Retired {
        api_version: "extensions/v1beta1",
        kinds: &["NetworkPolicy"],
        removed_in: "v1.16",
        use_instead: Some("networking.k8s.io/v1"),
    },
    Retired {
        api_version: "extensions/v1beta1",
        kinds: &["PodSecurityPolicy"],
        removed_in: "v1.16",
        use_instead: None,
    },
    Retired {
        api_version: "extensions/v1beta1",
        kinds: &["Ingress"],
        removed_in: "v1.22",
        use_instead: Some("networking.k8s.io/v1"),
    },
    Retired {
        api_version: "apps/v1beta1",
        kinds: &["Deployment", "StatefulSet", "ControllerRevision"],
        removed_in: "v1.16",
        use_instead: Some("apps/v1"),
    },
    Retired {
        api_version: "apps/v1beta2",
        kinds: &["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ControllerRevision"],
        removed_in: "v1.16",
        use_instead: Some("apps/v1"),
    },
    Retired {
        api_version: "admissionregistration.k8s.io/v1beta1",
        kinds: &["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"],
        removed_in: "v1.22",
        use_instead: Some("admissionregistration.k8s.io/v1"),
    },
    Retired {
        api_version: "apiextensions.k8s.io/v1beta1",
        kinds: &["CustomResourceDefinition"],
        removed_in: "v1.22",
        use_instead: Some("apiextensions.k8s.io/v1"),
    },
    Retired {
        api_version: "apiregistration.k8s.io/v1beta1",
        kinds: &["APIService"],
        removed_in: "v1.22",
        use_instead: Some("apiregistration.k8s.io/v1"),
    },
    Retired {
        api_version: "authentication.k8s.io/v1beta1",
        kinds: &["TokenReview"],
        removed_in: "v1.22",
        use_instead: Some("authentication.k8s.io/v1"),
    },
    Retired {
        api_version: "authorization.k8s.io/v1beta1",
        kinds: &[
            "LocalSubjectAccessReview",
            "SelfSubjectAccessReview",
            "SubjectAccessReview",
            "SelfSubjectRulesReview",
        ],
        removed_in: "v1.22",
        use_instead: Some("authorization.k8s.io/v1"),
    },
    Retired {
        api_version: "certificates.k8s.io/v1beta1",
        kinds: &["CertificateSigningRequest"],
        removed_in: "v1.22",
        use_instead: Some("certificates.k8s.io/v1"),
    },
    Retired {
        api_version: "coordination.k8s.io/v1beta1",
        kinds: &["Lease"],
        removed_in: "v1.22",
        use_instead: Some("coordination.k8s.io/v1"),
    },
    Retired {
        api_version: "networking.k8s.io/v1beta1",
        kinds: &["Ingress", "IngressClass"],
        removed_in: "v1.22",
        use_instead: Some("networking.k8s.io/v1"),
    },
    Retired {
        api_version: "rbac.authorization.k8s.io/v1beta1",
        kinds: &["ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"],
        removed_in: "v1.22",
        use_instead: Some("rbac.authorization.k8s.io/v1"),
    },
    Retired {
        api_version: "rbac.authorization.k8s.io/v1alpha1",
        kinds: &["ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"],
        removed_in: "v1.22",
        use_instead: Some("rbac.authorization.k8s.io/v1"),
    },
    Retired {
        api_version: "scheduling.k8s.io/v1beta1",
        kinds: &["PriorityClass"],
        removed_in: "v1.22",
        use_instead: Some("scheduling.k8s.io/v1"),
    },
    Retired {
        api_version: "scheduling.k8s.io/v1alpha1",
        kinds: &["PriorityClass"],
        removed_in: "v1.22",
        use_instead: Some("scheduling.k8s.io/v1"),
    },
    Retired {
        api_version: "storage.k8s.io/v1beta1",
        kinds: &["CSIDriver", "CSINode", "StorageClass", "VolumeAttachment"],
        removed_in: "v1.22",
        use_instead: Some("storage.k8s.io/v1"),
    },
    Retired {
        api_version: "batch/v1beta1",
        kinds: &["CronJob"],
        removed_in: "v1.25",
        use_instead: Some("batch/v1"),
    },
    Retired {
        api_version: "batch/v2alpha1",
        kinds: &["CronJob"],
        removed_in: "v1.21",
        use_instead: Some("batch/v1"),
    },
    Retired {
        api_version: "discovery.k8s.io/v1beta1",
        kinds: &["EndpointSlice"],
        removed_in: "v1.25",
        use_instead: Some("discovery.k8s.io/v1"),
    },
    Retired {
        api_version: "events.k8s.io/v1beta1",
        kinds: &["Event"],
        removed_in: "v1.25",
        use_instead: Some("events.k8s.io/v1"),
    },
    Retired {
        api_version: "autoscaling/v2beta1",
        kinds: &["HorizontalPodAutoscaler"],
        removed_in: "v1.25",
        use_instead: Some("autoscaling/v2"),
    },
    Retired {
        api_version: "autoscaling/v2beta2",
        kinds: &["HorizontalPodAutoscaler"],
        removed_in: "v1.26",
        use_instead: Some("autoscaling/v2"),
    },
    Retired {
        api_version: "policy/v1beta1",
        kinds: &["PodDisruptionBudget"],
        removed_in: "v1.25",
        use_instead: Some("policy/v1"),
    },
    Retired {
        api_version: "policy/v1beta1",
        kinds: &["PodSecurityPolicy"],
        removed_in: "v1.25",
        use_instead: None,
    },
    Retired {
        api_version: "node.k8s.io/v1beta1",
        kinds: &["RuntimeClass"],
        removed_in: "v1.25",
        use_instead: Some("node.k8s.io/v1"),
    },
    Retired {
        api_version: "flowcontrol.apiserver.k8s.io/v1beta1",
        kinds: &["FlowSchema", "PriorityLevelConfiguration"],
        removed_in: "v1.26",
        use_instead: Some("flowcontrol.apiserver.k8s.io/v1"),
    },
    Retired {
        api_version: "flowcontrol.apiserver.k8s.io/v1beta2",
        kinds: &["FlowSchema", "PriorityLevelConfiguration"],
        removed_in: "v1.29",
        use_instead: Some("flowcontrol.apiserver.k8s.io/v1"),
    },
    Retired {
        api_version: "flowcontrol.apiserver.k8s.io/v1beta3",
        kinds: &["FlowSchema", "PriorityLevelConfiguration"],
        removed_in: "v1.32",
        use_instead: Some("flowcontrol.apiserver.k8s.io/v1"),
    },
    Retired {
        api_version: "storage.k8s.io/v1beta1",
        kinds: &["CSIStorageCapacity"],
        removed_in: "v1.27",
        use_instead: Some("storage.k8s.io/v1"),
    },
];

/// The retirement of `kind` at `api_version`, if upstream removed it.
pub fn retired(api_version: &str, kind: &str) -> Option<&'static Retired> {
    RETIRED.iter().find(|r| r.api_version == api_version && r.kinds.contains(&kind))
}

/// kubectl's `no matches for kind` for a kind the API server does not serve at a version.
pub fn no_matches(api_version: &str, kind: &str) -> String {
    format!("no matches for kind {kind:?} in version {api_version:?}")
}

/// Check that a built-in group serves `kind` at `api_version`: `Ok(Some)` for a served
/// built-in kind, `Ok(None)` for a group the API server does not own (custom resources),
/// an error naming the replacement for a retired version, kubectl's `no matches` otherwise.
pub fn served(api_version: &str, kind: &str) -> Result<Option<&'static BuiltinKind>, FieldError> {
    if let Some(b) = builtin(api_version, kind) {
        return Ok(Some(b));
    }
    if let Some(r) = retired(api_version, kind) {
        let instead = match r.use_instead {
            Some(v) => format!("use {v}"),
            None => "it has no replacement".to_string(),
        };
        return fail(
            "apiVersion",
            format!(
                "{}: {api_version} {kind} was removed in {}; {instead}",
                no_matches(api_version, kind),
                r.removed_in
            ),
        );
    }
    if is_builtin_group(group_of(api_version)) {
        return fail("apiVersion", no_matches(api_version, kind));
    }
    Ok(None)
}

/// One step of a field path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    Key(String),
    Index(usize),
}

/// A field path as steps; printed as upstream prints it (`spec.containers[0].image`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldPath(pub Vec<Segment>);

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            match s {
                Segment::Key(k) if i == 0 => write!(f, "{k}")?,
                Segment::Key(k) => write!(f, ".{k}")?,
                Segment::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// What to do with fields the schema does not know (kubectl's `--validate`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum FieldValidation {
    /// Unknown fields are errors (kubectl's default).
    #[default]
    Strict,
    /// Unknown fields are dropped with a warning.
    Warn,
    /// Unknown fields are dropped silently.
    Ignore,
}

/// Decode `obj` as its built-in kind. Mistyped fields are errors; unknown fields are errors
/// under `Strict` and otherwise dropped from `obj` (the API server does not store them),
/// returned so the caller can warn.
pub fn check_fields(
    kind: &BuiltinKind,
    obj: &mut Value,
    mode: FieldValidation,
) -> Result<Vec<FieldPath>, FieldError> {
    let unknown = (kind.decode)(obj)?;
    match (mode, unknown.first()) {
        (_, None) => Ok(vec![]),
        (FieldValidation::Strict, Some(first)) => {
            fail(&first.to_string(), format!("strict decoding error: unknown field \"{first}\""))
        }
        (FieldValidation::Warn | FieldValidation::Ignore, _) => {
            for path in &unknown {
                remove_at(obj, &path.0);
            }
            Ok(unknown)
        }
    }
}

fn remove_at(obj: &mut Value, path: &[Segment]) {
    let Some((last, parents)) = path.split_last() else { return };
    let mut cur = obj;
    for s in parents {
        let next = match s {
            Segment::Key(k) => cur.get_mut(k.as_str()),
            Segment::Index(i) => cur.get_mut(*i),
        };
        match next {
            Some(n) => cur = n,
            None => return,
        }
    }
    if let (Segment::Key(k), Some(m)) = (last, cur.as_object_mut()) {
        m.shift_remove(k);
    }
}

/// Decode `obj` into `T`, recording unknown fields and stopping at the first mistyped one.
///
/// The recording deserializer is type-erased (`erased-serde`) so that every kind's decoding
/// code is generated once for one deserializer type, not once per wrapper layer: this keeps
/// the build small and fast.
fn strict_decode<T: DeserializeOwned>(obj: &Value) -> Result<Vec<FieldPath>, FieldError> {
    let mut unknown = Vec::new();
    let mut track = serde_path_to_error::Track::new();
    let decoded: Result<T, erased_serde::Error> = {
        let tracked = serde_path_to_error::Deserializer::new(obj, &mut track);
        let mut record = |p: serde_ignored::Path| unknown.push(ignored_path(&p));
        let recording = serde_ignored::Deserializer::new(tracked, &mut record);
        let mut erased = <dyn erased_serde::Deserializer>::erase(recording);
        erased_serde::deserialize(&mut erased)
    };
    match decoded {
        Ok(_) => Ok(unknown),
        Err(e) => {
            let path = tracked_path(&track.path());
            fail(&path.to_string(), format!("cannot be decoded: {e}"))
        }
    }
}

fn ignored_path(p: &serde_ignored::Path) -> FieldPath {
    fn walk(p: &serde_ignored::Path, out: &mut Vec<Segment>) {
        match p {
            serde_ignored::Path::Root => {}
            serde_ignored::Path::Seq { parent, index } => {
                walk(parent, out);
                out.push(Segment::Index(*index));
            }
            serde_ignored::Path::Map { parent, key } => {
                walk(parent, out);
                out.push(Segment::Key(key.clone()));
            }
            serde_ignored::Path::Some { parent }
            | serde_ignored::Path::NewtypeStruct { parent }
            | serde_ignored::Path::NewtypeVariant { parent } => walk(parent, out),
        }
    }
    let mut out = Vec::new();
    walk(p, &mut out);
    FieldPath(out)
}

fn tracked_path(p: &serde_path_to_error::Path) -> FieldPath {
    FieldPath(
        p.iter()
            .filter_map(|s| match s {
                serde_path_to_error::Segment::Seq { index } => Some(Segment::Index(*index)),
                serde_path_to_error::Segment::Map { key } => Some(Segment::Key(key.clone())),
                serde_path_to_error::Segment::Enum { variant } => Some(Segment::Key(variant.clone())),
                serde_path_to_error::Segment::Unknown => None,
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployment() -> Value {
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
            "spec": {"selector": {"matchLabels": {"a": "b"}}, "template": {
                "metadata": {"labels": {"a": "b"}},
                "spec": {"containers": [{"name": "c", "image": "i", "resources": {"limits": {"cpu": 1}}}]}}}
        })
    }

    fn check(obj: &mut Value, mode: FieldValidation) -> Result<Vec<String>, FieldError> {
        let kind = builtin_kind(obj["kind"].as_str().unwrap()).unwrap();
        check_fields(kind, obj, mode).map(|u| u.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn a_valid_object_decodes_numbers_as_quantities() {
        assert_eq!(check(&mut deployment(), FieldValidation::Strict), Ok(vec![]));
    }

    #[test]
    fn unknown_fields_name_their_path() {
        let mut d = deployment();
        d["spec"]["template"]["spec"]["containers"][0]["resourcez"] = json!({});
        let e = check(&mut d, FieldValidation::Strict).unwrap_err();
        assert_eq!(e.field, "spec.template.spec.containers[0].resourcez");
        assert_eq!(
            e.message,
            "strict decoding error: unknown field \"spec.template.spec.containers[0].resourcez\""
        );
    }

    #[test]
    fn warn_and_ignore_drop_unknown_fields_as_the_api_server_does() {
        let mut d = deployment();
        d["spec"]["replicaz"] = json!(3);
        let unknown = check(&mut d, FieldValidation::Warn).unwrap();
        assert_eq!(unknown, ["spec.replicaz"]);
        assert_eq!(d, deployment());
    }

    #[test]
    fn mistyped_and_out_of_range_integers_are_errors() {
        let mut d = deployment();
        d["spec"]["replicas"] = json!("two");
        assert_eq!(check(&mut d, FieldValidation::Ignore).unwrap_err().field, "spec.replicas");
        let mut d = deployment();
        d["spec"]["strategy"] = json!({"rollingUpdate": {"maxSurge": i64::MAX}});
        assert_eq!(
            check(&mut d, FieldValidation::Strict).unwrap_err().field,
            "spec.strategy.rollingUpdate.maxSurge"
        );
        let mut d = deployment();
        d["spec"]["replicas"] = json!(1u64 << 31);
        assert_eq!(check(&mut d, FieldValidation::Strict).unwrap_err().field, "spec.replicas");
    }

    #[test]
    fn retired_versions_name_their_replacement() {
        let e = served("policy/v1beta1", "PodDisruptionBudget").unwrap_err();
        assert_eq!(
            e.message,
            "no matches for kind \"PodDisruptionBudget\" in version \"policy/v1beta1\": policy/v1beta1 PodDisruptionBudget was removed in v1.25; use policy/v1"
        );
        assert_eq!(
            served("apps/v1", "Deploymnet").unwrap_err().message,
            "no matches for kind \"Deploymnet\" in version \"apps/v1\""
        );
        assert!(served("stable.example.com/v1", "CronTab").unwrap().is_none());
        assert_eq!(
            served("rbac.authorization.k8s.io/v1", "ClusterRole").unwrap().map(|b| b.namespaced),
            Some(false)
        );
    }
}
