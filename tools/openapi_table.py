#!/usr/bin/env python3
"""Generate src/validate/openapi.table: the built-in kinds and the field types of every object
they contain, from the `k8s-openapi` crate's sources (generated from upstream's OpenAPI spec).

Usage: tools/openapi_table.py PATH/TO/k8s-openapi-X.Y.Z/src/v1_NN > src/validate/openapi.table

Format, one record a line:
  kind <apiVersion> <Kind> <plural> <Namespaced|Cluster> <type>
  type <type>
  field <jsonName> <type>      (belongs to the last `type` line)
A type is int32, int64, number, bool, string, quantity, int-or-string, time, bytes, any,
[T] (a list of T), {T} (a map of string to T) or the name of a `type` record.
"""
import os
import re
import sys

ROOT = sys.argv[1]
# Kinds a current API server serves by default (GA versions), as konverge validates them.
KINDS = """
api/core/v1/binding api/core/v1/component_status api/core/v1/config_map api/core/v1/endpoints
api/core/v1/event api/core/v1/limit_range api/core/v1/namespace api/core/v1/node
api/core/v1/persistent_volume api/core/v1/persistent_volume_claim api/core/v1/pod
api/core/v1/pod_template api/core/v1/replication_controller api/core/v1/resource_quota
api/core/v1/secret api/core/v1/service api/core/v1/service_account
api/admissionregistration/v1/mutating_admission_policy
api/admissionregistration/v1/mutating_admission_policy_binding
api/admissionregistration/v1/mutating_webhook_configuration
api/admissionregistration/v1/validating_admission_policy
api/admissionregistration/v1/validating_admission_policy_binding
api/admissionregistration/v1/validating_webhook_configuration
apiextensions_apiserver/pkg/apis/apiextensions/v1/custom_resource_definition
kube_aggregator/pkg/apis/apiregistration/v1/api_service
api/apps/v1/controller_revision api/apps/v1/daemon_set api/apps/v1/deployment
api/apps/v1/replica_set api/apps/v1/stateful_set
api/authentication/v1/self_subject_review api/authentication/v1/token_review
api/authorization/v1/local_subject_access_review api/authorization/v1/self_subject_access_review
api/authorization/v1/self_subject_rules_review api/authorization/v1/subject_access_review
api/autoscaling/v1/horizontal_pod_autoscaler api/autoscaling/v2/horizontal_pod_autoscaler
api/batch/v1/cron_job api/batch/v1/job api/certificates/v1/certificate_signing_request
api/coordination/v1/lease api/discovery/v1/endpoint_slice api/events/v1/event
api/flowcontrol/v1/flow_schema api/flowcontrol/v1/priority_level_configuration
api/networking/v1/ip_address api/networking/v1/ingress api/networking/v1/ingress_class
api/networking/v1/network_policy api/networking/v1/service_cidr api/node/v1/runtime_class
api/policy/v1/pod_disruption_budget api/rbac/v1/cluster_role api/rbac/v1/cluster_role_binding
api/rbac/v1/role api/rbac/v1/role_binding api/resource/v1/device_class
api/resource/v1/resource_claim api/resource/v1/resource_claim_template
api/resource/v1/resource_slice api/scheduling/v1/priority_class api/storage/v1/csi_driver
api/storage/v1/csi_node api/storage/v1/csi_storage_capacity api/storage/v1/storage_class
api/storage/v1/volume_attachment api/storage/v1/volume_attributes_class
""".split()

LEAVES = {
    "i32": "int32", "i64": "int64", "f64": "number", "bool": "bool",
    "std::string::String": "string", "crate::ByteString": "bytes",
    "crate::apimachinery::pkg::api::resource::Quantity": "quantity",
    "crate::apimachinery::pkg::util::intstr::IntOrString": "int-or-string",
    "crate::apimachinery::pkg::apis::meta::v1::Time": "time",
    "crate::apimachinery::pkg::apis::meta::v1::MicroTime": "time",
    "crate::serde_json::Value": "any",
}


def file_of(path):
    return os.path.join(ROOT, path + ".rs")


def module_file(type_path):
    """crate::api::apps::v1::DeploymentSpec -> (file, name)."""
    parts = type_path.removeprefix("crate::").split("::")
    name = parts[-1]
    snake = re.sub(r"(?<=[a-z0-9])([A-Z])|(?<=[A-Z])([A-Z])(?=[a-z])", r"_\1\2", name).lower()
    return os.path.join(ROOT, *parts[:-1], snake + ".rs"), "/".join(parts[:-1] + [name])


def struct_fields(src, name):
    """The struct's (rust ident, rust type) fields, or None for a non-struct."""
    m = re.search(r"pub struct " + name + r" \{\n(.*?)^\}", src, re.S | re.M)
    if not m:
        return None
    return re.findall(r"^    pub (\w+): (.+),$", m.group(1), re.M)


def json_names(src):
    return {ident: js for js, ident in re.findall(r'"([^"]+)" => Field::Key_(\w+)', src)}


def rust_type(t, pending):
    t = t.strip()
    for wrapper in ("Option<", "std::boxed::Box<"):
        if t.startswith(wrapper):
            return rust_type(t[len(wrapper):-1], pending)
    if t.startswith("std::vec::Vec<"):
        return "[" + rust_type(t[len("std::vec::Vec<"):-1], pending) + "]"
    if t.startswith("std::collections::BTreeMap<std::string::String, "):
        return "{" + rust_type(t[len("std::collections::BTreeMap<std::string::String, "):-1], pending) + "}"
    if t in LEAVES:
        return LEAVES[t]
    if t.startswith("crate::"):
        path, name = module_file(t)
        pending.append((path, name))
        return name
    raise SystemExit(f"unknown type {t}")


def main():
    out, done, pending = [], set(), []
    for k in KINDS:
        src = open(file_of(k)).read()
        name = re.search(r"pub struct (\w+) \{", src).group(1)
        consts = dict(re.findall(r'const (API_VERSION|KIND|URL_PATH_SEGMENT): &\'static str = "([^"]*)"', src))
        scope = "Namespaced" if "type Scope = crate::NamespaceResourceScope" in src else "Cluster"
        tname = k.rsplit("/", 1)[0] + "/" + name
        out.append(f"kind {consts['API_VERSION']} {consts['KIND']} {consts['URL_PATH_SEGMENT']} {scope} {tname}")
        pending.append((file_of(k), tname))
    types = []
    while pending:
        path, tname = pending.pop()
        if tname in done:
            continue
        done.add(tname)
        src = open(path).read()
        fields = struct_fields(src, tname.rsplit("/", 1)[1])
        if fields is None:  # enums and newtypes without a leaf meaning (JSON, RawExtension, …)
            types.append((tname, None))
            continue
        names = json_names(src)
        rows = [(names[i], rust_type(t, pending)) for i, t in fields]
        if "apiVersion" in names.values():
            rows += [("apiVersion", "string"), ("kind", "string")]
        types.append((tname, sorted(rows)))
    for tname, rows in sorted(types):
        if rows is None:
            out.append(f"type {tname} any")
            continue
        out.append(f"type {tname}")
        out += [f"field {js} {t}" for js, t in rows]
    print("# Generated by tools/openapi_table.py from k8s-openapi's sources; do not edit.")
    print("\n".join(out))


main()
