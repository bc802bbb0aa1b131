//! `get KIND -w` replays the most recent reconciling command as kubectl's watch printed it in
//! the seed's transcripts (§3's rolling update, §5's StatefulSet creation, scale-down and
//! rolling update): the same rows in the same order, names and ages aside where names are
//! generated. The StatefulSet's pod names are fixed, so there the (NAME, READY, STATUS)
//! sequence is compared with the seed's row for row.

mod common;

use common::*;

/// (NAME, READY, STATUS) of each row of a watch, header left out.
fn rows(watch: &str) -> Vec<(String, String, String)> {
    assert!(watch.starts_with("NAME "), "{watch}");
    rows_all(&watch[watch.find('\n').map_or(0, |i| i + 1)..])
}

/// (NAME, READY, STATUS) of each row of a watch that has no header.
fn rows_all(watch: &str) -> Vec<(String, String, String)> {
    watch
        .lines()
        .map(|l| {
            let cells: Vec<&str> = l.split_whitespace().collect();
            (cells[0].to_string(), cells[1].to_string(), cells[2].to_string())
        })
        .collect()
}

fn expect(rows: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    rows.iter().map(|(n, r, s)| (n.to_string(), r.to_string(), s.to_string())).collect()
}

/// The rows one pod goes through, in order.
fn of_pod(rows: &[(String, String, String)], pod: &str) -> Vec<(String, String)> {
    rows.iter().filter(|r| r.0 == pod).map(|r| (r.1.clone(), r.2.clone())).collect()
}

fn states(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter().map(|(r, s)| (r.to_string(), s.to_string())).collect()
}

/// What kubectl's watch shows of a pod created and started: ADDED, bound, the kubelet's
/// ContainerCreating, Running.
const CREATED: &[(&str, &str)] =
    &[("0/1", "Pending"), ("0/1", "Pending"), ("0/1", "ContainerCreating"), ("1/1", "Running")];
/// Of a running pod deleted: the deletion (still ready), the kubelet stopping its containers
/// (they exit 0 on SIGTERM), the kubelet's final delete with grace period 0, the API server's
/// DELETED. The seed's kubectl printed `Terminating` on the last three rows too: since 1.27 the
/// kubelet gives a pod it stopped its terminal phase (`getPhase` with `podIsTerminal`) and
/// kubectl prints Terminating only for a pod not yet terminal (`printPod`), so a current
/// cluster shows `Completed` there.
const DELETED: &[(&str, &str)] =
    &[("1/1", "Terminating"), ("0/1", "Completed"), ("0/1", "Completed"), ("0/1", "Completed")];

/// Seed §3: `kubectl set image deployment/deploy-demo myapp=ikubernetes/myapp:v2` watched by
/// `kubectl get pods -l app=deploy-app -w` and `kubectl get deployment deploy-demo -w`.
#[test]
fn seed3_rolling_update_watched() {
    let k = Cluster::seed_nodes();
    k.ok(&["apply", "-f", &example("deployment/deploy-demo.yaml")]);
    k.ok(&["set", "image", "deploy/deploy-demo", "myapp=ikubernetes/myapp:v2"]);
    let pods = k.ok(&["get", "pods", "-l", "app=deploy-app", "-w"]).stdout;
    snap!("watch_seed3_set_image_pods", pods);
    let rows = rows(&pods);
    let old: Vec<String> = rows.iter().take(2).map(|r| r.0.clone()).collect();
    assert_eq!(
        rows[..2].iter().map(|r| (r.1.as_str(), r.2.as_str())).collect::<Vec<_>>(),
        [("1/1", "Running"); 2]
    );
    let mut names: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    names.dedup();
    let new: Vec<&String> = rows.iter().map(|r| &r.0).filter(|n| !old.contains(n)).collect();
    assert_eq!(rows.len(), 2 + 2 * CREATED.len() + 2 * DELETED.len(), "{pods}");
    for pod in &old {
        let mut want = states(&[("1/1", "Running")]);
        want.extend(states(DELETED));
        assert_eq!(of_pod(&rows, pod), want, "{pod}");
    }
    for pod in new {
        assert_eq!(of_pod(&rows, pod), states(CREATED), "{pod}");
    }
    // maxSurge 1, maxUnavailable 0: an old pod terminates only once a new one runs.
    let position = |pod: &str, status: &str| rows.iter().position(|r| r.0 == pod && r.2 == status);
    let first_running = rows.iter().position(|r| r.2 == "Running" && !old.contains(&r.0));
    let first_terminating = old.iter().filter_map(|p| position(p, "Terminating")).min();
    assert!(first_running < first_terminating, "{pods}");

    let deploy = k.ok(&["get", "deployment", "deploy-demo", "-w"]).stdout;
    snap!("watch_seed3_set_image_deployment", deploy);
    // READY never below 2/2 (maxUnavailable 0) and never above 3/2 (maxSurge 1); UP-TO-DATE
    // climbs 0 → 1 → 2 as in the seed.
    let ready: Vec<&str> = deploy.lines().skip(1).map(|l| l.split_whitespace().nth(1).unwrap()).collect();
    assert!(ready.iter().all(|r| ["2/2", "3/2"].contains(r)), "{deploy}");
    let mut up_to_date: Vec<&str> =
        deploy.lines().skip(1).map(|l| l.split_whitespace().nth(2).unwrap()).collect();
    up_to_date.dedup();
    assert_eq!(up_to_date, ["2", "0", "1", "2"], "{deploy}");
}

/// `--watch-only` leaves out the list; `--output-watch-events` names each event; a watch of a
/// name follows that object only; a watch needs a table.
#[test]
fn watch_flags() {
    let k = Cluster::seed_nodes();
    k.ok(&["apply", "-f", &example("deployment/deploy-demo.yaml")]);
    k.ok(&["scale", "deploy/deploy-demo", "--replicas=1"]);
    let events = k.ok(&["get", "pods", "--output-watch-events", "-w"]).stdout;
    let kinds: Vec<&str> = events.lines().skip(1).map(|l| l.split_whitespace().next().unwrap()).collect();
    // The list (two pods, as ADDED), the deleted pod's four writes, the last DELETED.
    assert_eq!(kinds, ["ADDED", "ADDED", "MODIFIED", "MODIFIED", "MODIFIED", "DELETED"], "{events}");
    assert!(events.starts_with("EVENT "), "{events}");
    let only = k.ok(&["get", "pods", "--watch-only"]).stdout;
    assert_eq!(only.lines().count(), DELETED.len(), "{only}");
    let rs = k.ok(&["get", "rs", "-w"]).stdout;
    let rs_name = rs.lines().nth(1).and_then(|l| l.split_whitespace().next()).unwrap().to_string();
    let named = k.ok(&["get", "rs", &rs_name, "-w"]).stdout;
    assert_eq!(named, rs);
    let missing = k.code(&["get", "rs", "nothing-by-this-name", "-w"], 1);
    assert_eq!(
        missing.stderr.trim(),
        r#"Error from server (NotFound): replicasets.apps "nothing-by-this-name" not found"#
    );
    let wide = k.ok(&["get", "pods", "-w", "-o", "wide"]).stdout;
    assert!(wide.lines().next().unwrap().contains("NODE"), "{wide}");
    let yaml = k.code(&["get", "pods", "-w", "-o", "yaml"], 1);
    assert!(yaml.stderr.contains("--watch replays tables only"), "{}", yaml.stderr);
    let two = k.code(&["get", "pods,rs", "-w"], 1);
    assert!(two.stderr.contains("a single resource type"), "{}", two.stderr);
}

/// Seed §5: the StatefulSet created (pods one at a time, 0 → 2), scaled from 4 to 2 (3, then
/// 2, each gone before the next goes), and rolled to nginx:1.14 (3, 2, 1, 0: each deleted,
/// recreated and running before the next). Rows compared with the seed's, one by one.
#[test]
fn seed5_statefulset_watched() {
    let k = Cluster::seed_nodes();
    k.ok(&["apply", "-f", &example("statefulset/pv-nfs.yaml")]);
    k.ok(&["apply", "-f", &example("statefulset/statefulset-demo.yaml")]);
    let created = k.ok(&["get", "pods", "-w"]).stdout;
    snap!("watch_seed5_create_pods", created);
    // No pod when the watch began: no header, as in the seed. Each pod has one Pending row
    // more than a Deployment's: created with its claim, it waits for the claim to bind (the
    // scheduler writes it Unschedulable, "pod has unbound immediate PersistentVolumeClaims"),
    // then is bound — the seed's three Pending rows.
    assert!(created.starts_with("nginx-statefulset-0 "), "{created}");
    let mut want = Vec::new();
    for i in 0..3 {
        let pod = format!("nginx-statefulset-{i}");
        want.push((pod.clone(), "0/1".to_string(), "Pending".to_string()));
        want.extend(CREATED.iter().map(|(r, s)| (pod.clone(), r.to_string(), s.to_string())));
    }
    assert_eq!(rows_all(&created), want, "{created}");

    k.ok(&["scale", "sts/nginx-statefulset", "--replicas=4"]);
    k.ok(&["patch", "sts/nginx-statefulset", "-p", r#"{"spec":{"replicas":2}}"#]);
    let down = k.ok(&["get", "pods", "-w"]).stdout;
    snap!("watch_seed5_patch_2_pods", down);
    let mut want = expect(&[
        ("nginx-statefulset-0", "1/1", "Running"),
        ("nginx-statefulset-1", "1/1", "Running"),
        ("nginx-statefulset-2", "1/1", "Running"),
        ("nginx-statefulset-3", "1/1", "Running"),
    ]);
    for i in [3, 2] {
        want.extend(
            DELETED.iter().map(|(r, s)| (format!("nginx-statefulset-{i}"), r.to_string(), s.to_string())),
        );
    }
    assert_eq!(rows(&down), want, "{down}");

    k.ok(&["patch", "sts/nginx-statefulset", "-p", r#"{"spec":{"replicas":4}}"#]);
    k.ok(&["set", "image", "statefulset", "nginx-statefulset", "nginx=nginx:1.14"]);
    let rolled = k.ok(&["get", "pods", "-w"]).stdout;
    snap!("watch_seed5_set_image_pods", rolled);
    let mut want = expect(&[
        ("nginx-statefulset-0", "1/1", "Running"),
        ("nginx-statefulset-1", "1/1", "Running"),
        ("nginx-statefulset-2", "1/1", "Running"),
        ("nginx-statefulset-3", "1/1", "Running"),
    ]);
    for i in [3, 2, 1, 0] {
        let pod = format!("nginx-statefulset-{i}");
        want.extend(DELETED.iter().chain(CREATED).map(|(r, s)| (pod.clone(), r.to_string(), s.to_string())));
    }
    assert_eq!(rows(&rolled), want, "{rolled}");
}
