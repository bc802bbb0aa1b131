//! Volumes and claims through the binary: the tutorial's section 5 binding (five NFS volumes,
//! the StatefulSet's claims written as PersistentVolumeClaim manifests), conflicts between
//! claims that pick one volume, claims that do not bind, pods waiting for their claims,
//! reclaim, in-use protection, dynamic provisioning (Immediate and WaitForFirstConsumer), and
//! the bad input the API server refuses.

mod common;

use common::*;

fn storage(rel: &str) -> String {
    example(&format!("storage/{rel}"))
}

/// The seed's nodes and five volumes.
fn nfs_cluster() -> Cluster {
    let c = Cluster::seed_nodes();
    c.ok(&["apply", "-f", &storage("pv-nfs.yaml")]);
    c
}

/// `claim=volume` for every claim, in name order.
fn bindings(c: &Cluster) -> Vec<String> {
    c.items("pvc").iter().map(|p| format!("{}={}", name(p), str_at(p, "/spec/volumeName"))).collect()
}

fn phase(c: &Cluster, kind: &str, name: &str) -> String {
    c.object(kind, name).map(|o| str_at(&o, "/status/phase").to_string()).unwrap_or_else(|| "gone".into())
}

fn claim(name: &str, size: &str, modes: &str, extra: &str) -> String {
    format!(
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: {name}\nspec:\n  accessModes: {modes}\n  resources:\n    requests:\n      storage: {size}\n{extra}"
    )
}

fn volume(name: &str, size: &str, modes: &str, extra: &str) -> String {
    format!(
        "apiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: {name}\nspec:\n  accessModes: {modes}\n  capacity:\n    storage: {size}\n  nfs: {{server: s, path: /{name}}}\n{extra}"
    )
}

fn pod_using(name: &str, claim: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\nspec:\n  containers:\n  - {{name: c, image: nginx:1.12}}\n  volumes:\n  - name: data\n    persistentVolumeClaim: {{claimName: {claim}}}\n"
    )
}

/// Seed §5.3.1: the three claims bind to pv-nfs-002 (the only ReadWriteOnce-only volume),
/// pv-nfs-003 and pv-nfs-004 (ties between equal volumes by name); pv-nfs-001 (2Gi) stays
/// Available; a fourth claim takes pv-nfs-005.
#[test]
fn seed_claims_bind_like_the_tutorial() {
    let c = nfs_cluster();
    let pvs = c.ok(&["get", "pv"]);
    snap!("volumes__seed_01_pv_available", pvs.transcript());
    let apply = c.ok(&["apply", "-f", &storage("claims.yaml")]);
    snap!("volumes__seed_02_apply_claims", apply.transcript());
    assert_eq!(
        bindings(&c),
        [
            "nginxdata-nginx-statefulset-0=pv-nfs-002",
            "nginxdata-nginx-statefulset-1=pv-nfs-003",
            "nginxdata-nginx-statefulset-2=pv-nfs-004",
        ]
    );
    assert_eq!(phase(&c, "pv", "pv-nfs-001"), "Available");
    snap!("volumes__seed_03_get_pv", c.ok(&["get", "pv"]).transcript());
    snap!("volumes__seed_04_get_pvc", c.ok(&["get", "pvc"]).transcript());
    let fourth =
        c.write("claim-3.yaml", &claim("nginxdata-nginx-statefulset-3", "5Gi", "[ReadWriteOnce]", ""));
    c.ok(&["apply", "-f", &fourth]);
    assert_eq!(bindings(&c).last().map(String::as_str), Some("nginxdata-nginx-statefulset-3=pv-nfs-005"));
    snap!("volumes__seed_05_describe_pv", c.ok(&["describe", "pv", "pv-nfs-005"]).transcript());
    snap!(
        "volumes__seed_06_describe_pvc",
        c.ok(&["describe", "pvc", "nginxdata-nginx-statefulset-3"]).transcript()
    );
}

/// What both sides carry once bound (upstream `bind`): the volume's claimRef with the claim's
/// uid and `bound-by-controller`; the claim's volume name, `bind-completed`,
/// `bound-by-controller`, and the volume's capacity and access modes.
#[test]
fn bound_objects_carry_what_upstream_writes() {
    let c = nfs_cluster();
    c.ok(&["apply", "-f", &storage("claims.yaml")]);
    let pv = c.object("pv", "pv-nfs-003").unwrap();
    let pvc = c.object("pvc", "nginxdata-nginx-statefulset-1").unwrap();
    assert_eq!(str_at(&pv, "/spec/claimRef/uid"), str_at(&pvc, "/metadata/uid"));
    assert_eq!(str_at(&pv, "/spec/claimRef/name"), "nginxdata-nginx-statefulset-1");
    assert_eq!(annotation(&pv, "pv.kubernetes.io/bound-by-controller"), Some("yes"));
    assert_eq!(str_at(&pv, "/status/phase"), "Bound");
    assert_eq!(annotation(&pvc, "pv.kubernetes.io/bind-completed"), Some("yes"));
    assert_eq!(annotation(&pvc, "pv.kubernetes.io/bound-by-controller"), Some("yes"));
    assert_eq!(pvc["status"]["capacity"], pv["spec"]["capacity"]);
    assert_eq!(pvc["status"]["accessModes"], serde_json::json!(["ReadWriteOnce", "ReadWriteMany"]));
    assert_eq!(pvc["metadata"]["finalizers"], serde_json::json!(["kubernetes.io/pvc-protection"]));
    assert_eq!(pv["metadata"]["finalizers"], serde_json::json!(["kubernetes.io/pv-protection"]));
}

/// Two claims of different sizes pick the same smallest volume in one step: the API server
/// refuses the second write of its claimRef (a conflict in the trace) and that claim binds to
/// the next volume on the following step.
#[test]
fn two_claims_picking_one_volume_conflict_and_the_loser_moves_on() {
    let c = Cluster::seed_nodes();
    let volumes = c.write(
        "pvs.yaml",
        &[volume("small", "2Gi", "[ReadWriteOnce]", ""), volume("large", "5Gi", "[ReadWriteOnce]", "")]
            .join("---\n"),
    );
    c.ok(&["apply", "-f", &volumes]);
    let claims = c.write(
        "claims.yaml",
        &[claim("a-one", "1Gi", "[ReadWriteOnce]", ""), claim("b-two", "2Gi", "[ReadWriteOnce]", "")]
            .join("---\n"),
    );
    let run = c.ok(&["apply", "-f", &claims]);
    let conflicts: Vec<&str> = run.stdout.lines().filter(|l| l.trim_start().starts_with('!')).collect();
    assert_eq!(conflicts.len(), 2, "the volume write and the claim write of the loser: {conflicts:?}");
    assert!(conflicts.iter().all(|l| l.contains("conflict")));
    assert_eq!(bindings(&c), ["a-one=small", "b-two=large"]);
    snap!("volumes__conflict_trace", format!("{}{}", run.transcript(), c.ok(&["get", "pv"]).transcript()));
}

/// A claim no volume fits and no class can provision stays Pending (not an error), with
/// upstream's FailedBinding event.
#[test]
fn a_claim_no_volume_fits_stays_pending_with_failed_binding() {
    let c = nfs_cluster();
    let big = c.write("big.yaml", &claim("big", "50Gi", "[ReadWriteOnce]", ""));
    let run = c.ok(&["apply", "-f", &big]);
    assert_eq!(phase(&c, "pvc", "big"), "Pending");
    let describe = c.ok(&["describe", "pvc", "big"]);
    let event = describe.stdout.lines().find(|l| l.contains("FailedBinding")).expect("a FailedBinding event");
    assert!(event.contains("Normal"), "{event}");
    assert!(event.contains("persistentvolume-controller"), "{event}");
    assert!(
        event.ends_with("no persistent volumes available for this claim and no storage class is set"),
        "{event}"
    );
    snap!("volumes__failed_binding", format!("{}{}", run.transcript(), describe.transcript()));
    // Nothing left to do: a second run changes nothing.
    assert!(c.ok(&["run"]).stdout.contains("converged"));
}

/// A pod whose claim is missing, or not yet bound, stays Pending with VolumeBinding's reason;
/// once the claim binds the pod is scheduled and starts.
#[test]
fn pods_wait_for_their_claims() {
    let c = Cluster::seed_nodes();
    let pod = c.write("pod.yaml", &pod_using("web", "data"));
    c.ok(&["apply", "-f", &pod]);
    let pending = c.object("pod", "web").unwrap();
    assert_eq!(
        str_at(&pending, "/status/conditions/0/message"),
        "0/2 nodes are available: persistentvolumeclaim \"data\" not found. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling."
    );
    // A claim no volume fits yet: unbound immediate.
    let data = c.write("data.yaml", &claim("data", "1Gi", "[ReadWriteOnce]", ""));
    c.ok(&["apply", "-f", &data]);
    let pending = c.object("pod", "web").unwrap();
    assert_eq!(
        str_at(&pending, "/status/conditions/0/message"),
        "0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling."
    );
    assert_eq!(str_at(&pending, "/spec/nodeName"), "");
    // A volume appears: the claim binds, then the pod is scheduled and runs.
    let pv = c.write("pv.yaml", &volume("pv-1", "1Gi", "[ReadWriteOnce]", ""));
    let run = c.ok(&["apply", "-f", &pv]);
    snap!("volumes__pod_waits_for_claim", run.transcript());
    assert!(is_running_ready(&c.object("pod", "web").unwrap()));
    snap!("volumes__describe_pvc_used_by", c.ok(&["describe", "pvc", "data"]).transcript());
}

/// Deleting a bound claim: Retain keeps the volume Released with its claimRef, Delete removes
/// it, Recycle scrubs an NFS volume and makes it Available again.
#[test]
fn reclaim_policies() {
    let c = Cluster::seed_nodes();
    let volumes = c.write(
        "pvs.yaml",
        &[
            volume("keep", "1Gi", "[ReadWriteOnce]", "  persistentVolumeReclaimPolicy: Retain\n"),
            volume("drop", "2Gi", "[ReadWriteOnce]", "  persistentVolumeReclaimPolicy: Delete\n"),
            volume("scrub", "3Gi", "[ReadWriteOnce]", "  persistentVolumeReclaimPolicy: Recycle\n"),
        ]
        .join("---\n"),
    );
    c.ok(&["apply", "-f", &volumes]);
    let claims = c.write(
        "claims.yaml",
        &[
            claim("c1", "1Gi", "[ReadWriteOnce]", ""),
            claim("c2", "2Gi", "[ReadWriteOnce]", ""),
            claim("c3", "3Gi", "[ReadWriteOnce]", ""),
        ]
        .join("---\n"),
    );
    c.ok(&["apply", "-f", &claims]);
    assert_eq!(bindings(&c), ["c1=keep", "c2=drop", "c3=scrub"]);
    let run = c.ok(&["delete", "pvc", "c1", "c2", "c3"]);
    snap!("volumes__reclaim", run.transcript());
    assert_eq!(phase(&c, "pv", "keep"), "Released");
    assert_eq!(str_at(&c.object("pv", "keep").unwrap(), "/spec/claimRef/name"), "c1");
    assert_eq!(phase(&c, "pv", "drop"), "gone");
    assert_eq!(phase(&c, "pv", "scrub"), "Available");
    assert!(c.object("pv", "scrub").unwrap()["spec"].get("claimRef").is_none());
    assert!(c.items("pvc").is_empty());
}

/// A claim a running pod uses is not removed when deleted: it stays Terminating (the
/// `kubernetes.io/pvc-protection` finalizer) until the pod is gone.
#[test]
fn a_claim_in_use_is_protected() {
    let c = Cluster::seed_nodes();
    let files = c.write(
        "app.yaml",
        &[
            volume("pv-1", "1Gi", "[ReadWriteOnce]", ""),
            claim("data", "1Gi", "[ReadWriteOnce]", ""),
            pod_using("web", "data"),
        ]
        .join("---\n"),
    );
    c.ok(&["apply", "-f", &files]);
    assert!(is_running_ready(&c.object("pod", "web").unwrap()));
    c.ok(&["delete", "pvc", "data"]);
    let pvc = c.object("pvc", "data").expect("still there while the pod runs");
    assert!(pvc["metadata"]["deletionTimestamp"].is_string());
    assert!(c.ok(&["get", "pvc"]).stdout.contains("Terminating"));
    assert_eq!(phase(&c, "pv", "pv-1"), "Bound");
    let run = c.ok(&["delete", "pod", "web"]);
    snap!("volumes__protection_released", run.transcript());
    assert_eq!(phase(&c, "pvc", "data"), "gone");
    assert_eq!(phase(&c, "pv", "pv-1"), "Released");
}

/// An Immediate class provisions as soon as no volume fits: the claim gets the
/// storage-provisioner annotations, the provisioner creates `pvc-<uid>` with the class's
/// policy, the claim's size, modes and volume mode, and the two are bound.
#[test]
fn immediate_provisioning() {
    let c = Cluster::seed_nodes();
    let sc = "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: fast\nprovisioner: ebs.csi.aws.com\nreclaimPolicy: Retain\n";
    let files = c.write(
        "app.yaml",
        &[sc.to_string(), claim("data", "3Gi", "[ReadWriteOnce]", "  storageClassName: fast\n")]
            .join("---\n"),
    );
    let run = c.ok(&["apply", "-f", &files]);
    snap!("volumes__immediate_provisioning", run.transcript());
    let pvc = c.object("pvc", "data").unwrap();
    let pv_name = format!("pvc-{}", str_at(&pvc, "/metadata/uid"));
    assert_eq!(str_at(&pvc, "/spec/volumeName"), pv_name);
    assert_eq!(annotation(&pvc, "volume.kubernetes.io/storage-provisioner"), Some("ebs.csi.aws.com"));
    let pv = c.object("pv", &pv_name).unwrap();
    assert_eq!(str_at(&pv, "/spec/persistentVolumeReclaimPolicy"), "Retain");
    assert_eq!(str_at(&pv, "/spec/capacity/storage"), "3Gi");
    assert_eq!(str_at(&pv, "/spec/volumeMode"), "Filesystem");
    assert_eq!(str_at(&pv, "/spec/storageClassName"), "fast");
    assert_eq!(annotation(&pv, "pv.kubernetes.io/provisioned-by"), Some("ebs.csi.aws.com"));
    assert_eq!(str_at(&pv, "/status/phase"), "Bound");
}

/// WaitForFirstConsumer: the claim waits for a pod; the scheduler places the pod, the claim gets
/// the node as `volume.kubernetes.io/selected-node`, a volume pinned to that node is
/// provisioned and bound, and the pod starts. Deleting both deletes the volume (policy Delete).
#[test]
fn wait_for_first_consumer_provisioning() {
    let c = Cluster::seed_nodes();
    c.ok(&["apply", "-f", &storage("dynamic/storageclass.yaml")]);
    let claim_only = c.write("claim.yaml", &claim("lonely", "1Gi", "[ReadWriteOnce]", ""));
    c.ok(&["apply", "-f", &claim_only]);
    assert_eq!(phase(&c, "pvc", "lonely"), "Pending");
    assert!(c
        .ok(&["describe", "pvc", "lonely"])
        .stdout
        .contains("waiting for first consumer to be created before binding"));
    let run = c.ok(&["apply", "-f", &storage("dynamic/app.yaml")]);
    snap!("volumes__wait_for_first_consumer", run.transcript());
    let pod = c.object("pod", "web").unwrap();
    assert!(is_running_ready(&pod));
    let pvc = c.object("pvc", "data").unwrap();
    assert_eq!(str_at(&pvc, "/spec/storageClassName"), "local-path", "the default class, set at admission");
    assert_eq!(annotation(&pvc, "volume.kubernetes.io/selected-node"), Some(node_of(&pod)));
    let pv = c.object("pv", str_at(&pvc, "/spec/volumeName")).unwrap();
    assert_eq!(
        pv["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"][0]["matchExpressions"][0]["values"][0],
        node_of(&pod)
    );
    snap!("volumes__wffc_describe_pvc", c.ok(&["describe", "pvc", "data"]).transcript());
    c.ok(&["delete", "pod", "web"]);
    c.ok(&["delete", "pvc", "data"]);
    assert!(c.items("pv").is_empty(), "policy Delete: the provisioner deleted the volume");
}

/// `get sc` and `describe sc` as kubectl prints them.
#[test]
fn storage_classes_print_like_kubectl() {
    let c = Cluster::new();
    c.ok(&["apply", "-f", &storage("dynamic/storageclass.yaml")]);
    snap!("volumes__get_sc", c.ok(&["get", "sc"]).transcript());
    snap!("volumes__describe_sc", c.ok(&["describe", "sc", "local-path"]).transcript());
}

/// Bad input: the API server's message and field, the file and document, exit 1, the state
/// file untouched.
#[test]
fn bad_storage_input_is_refused() {
    let c = nfs_cluster();
    c.ok(&["apply", "-f", &storage("claims.yaml")]);
    let before = c.state_bytes();
    let cases = [
        ("bad-mode.yaml", claim("x", "1Gi", "[ReadWriteSometimes]", "")),
        ("no-storage.yaml", "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: x\nspec:\n  accessModes: [ReadWriteOnce]\n".into()),
        ("bad-volume-mode.yaml", claim("x", "1Gi", "[ReadWriteOnce]", "  volumeMode: Raw\n")),
        ("pv-no-capacity.yaml", "apiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: x\nspec:\n  accessModes: [ReadWriteOnce]\n  nfs: {server: s, path: /x}\n".into()),
        (
            "immutable.yaml",
            claim("nginxdata-nginx-statefulset-0", "5Gi", "[ReadWriteOnce, ReadWriteMany]", ""),
        ),
    ];
    let mut transcript = String::new();
    for (file, text) in cases {
        let path = c.write(file, &text);
        let run = c.code(&["apply", "-f", &path], 1);
        transcript.push_str(&run.transcript());
        assert_eq!(c.state_bytes(), before, "{file}: state untouched");
    }
    snap!("volumes__bad_input", transcript);
}
