//! kubectl's output and selection flags on `get`, its argument forms, and its words for
//! successes, errors and exit codes, driven through the binary. Expected outputs are written
//! as kubectl documents and prints them (`kubectl get --help` examples, the seed tutorial's
//! transcripts), with the generated pod names read back from `-o json`.

mod common;

use common::*;

/// The seed's nodes with ReplicaSet `myapp` (2 pods of ikubernetes/myapp:v1) running, and its
/// pod names in the store's order.
fn myapp() -> (Cluster, Vec<String>) {
    let c = Cluster::seed_nodes();
    c.ok(&["apply", "-f", &example("replicaset/rs-demo.yaml")]);
    let pods: Vec<String> = c.items("pods").iter().map(|p| name(p).to_string()).collect();
    assert_eq!(pods.len(), 2);
    (c, pods)
}

/// kubectl's tabwriter: cells padded to the widest plus three spaces, at least six wide.
fn aligned(rows: &[&[&str]]) -> String {
    let widths: Vec<usize> =
        (0..rows[0].len()).map(|c| rows.iter().map(|r| r[c].len()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for r in rows {
        let last = r.len() - 1;
        for (c, cell) in r.iter().enumerate() {
            out.push_str(cell);
            if c < last {
                out.push_str(&" ".repeat((widths[c] + 3).max(6) - cell.len()));
            }
        }
        out.push('\n');
    }
    out
}

#[test]
fn the_tutorials_custom_columns_command_prints_as_kubectl() {
    // Seed §2.2.2: `kubectl get pods -o custom-columns=Name:metadata.name,Image:spec.containers[0].image`
    // prints `Name          Image` and one `myapp-xxxxx   ikubernetes/myapp:v1` row per pod.
    let (c, pods) = myapp();
    let r = c.ok(&["get", "pods", "-o", "custom-columns=Name:metadata.name,Image:spec.containers[0].image"]);
    let want = aligned(&[
        &["Name", "Image"],
        &[&pods[0], "ikubernetes/myapp:v1"],
        &[&pods[1], "ikubernetes/myapp:v1"],
    ]);
    assert_eq!(r.stdout, want);
    assert!(r.stdout.starts_with("Name          Image\n"), "{}", r.stdout);
}

#[test]
fn custom_columns_show_none_for_missing_fields_and_read_a_columns_file() {
    let (c, pods) = myapp();
    let r = c.ok(&[
        "get",
        "pods",
        "-o",
        "custom-columns=NAME:.metadata.name,GATES:.spec.readinessGates[*].conditionType",
    ]);
    assert_eq!(r.stdout, aligned(&[&["NAME", "GATES"], &[&pods[0], "<none>"], &[&pods[1], "<none>"]]));
    // kubectl's custom-columns-file: a line of headers, a line of paths.
    let file = c.write("cols.txt", "NAME          NODE\nmetadata.name spec.nodeName\n");
    let r = c.ok(&["get", "pods", "-o", &format!("custom-columns-file={file}"), "--no-headers"]);
    let nodes: Vec<String> =
        c.items("pods").iter().map(|p| p["spec"]["nodeName"].as_str().unwrap().to_string()).collect();
    assert_eq!(r.stdout, aligned(&[&[&pods[0], &nodes[0]], &[&pods[1], &nodes[1]]]));
    let bad = c.code(&["get", "pods", "-o", "custom-columns=NAME"], 1);
    assert!(bad.stderr.contains("expected <header>:<json-path-expr>"), "{}", bad.stderr);
}

#[test]
fn jsonpath_over_the_list_and_over_one_object() {
    let (c, pods) = myapp();
    // kubectl get --help: `kubectl get pods -o jsonpath='{.items[*].metadata.name}'`
    let r = c.ok(&["get", "pods", "-o", "jsonpath={.items[*].metadata.name}"]);
    assert_eq!(r.stdout, format!("{} {}", pods[0], pods[1]));
    let r = c.ok(&[
        "get",
        "pods",
        "-o",
        r#"jsonpath={range .items[*]}{.metadata.name}{"\t"}{.spec.containers[0].image}{"\n"}{end}"#,
    ]);
    assert_eq!(r.stdout, format!("{}\tikubernetes/myapp:v1\n{}\tikubernetes/myapp:v1\n", pods[0], pods[1]));
    let r = c.ok(&[
        "get",
        "pods",
        "-o",
        r#"jsonpath={.items[?(@.metadata.name=="NAME")].spec.nodeName}"#.replace("NAME", &pods[1]).as_str(),
    ]);
    assert_eq!(r.stdout, c.items("pods")[1]["spec"]["nodeName"].as_str().unwrap());
    // One named object: the template reads the object itself (kubectl's single-item output).
    let r = c.ok(&["get", "rs", "myapp", "-o", "jsonpath={.spec.replicas} {.kind}"]);
    assert_eq!(r.stdout, "2 ReplicaSet");
    let r = c.ok(&["get", "pods", "-o", "jsonpath={..containerPort}"]);
    assert_eq!(r.stdout, "80 80");
    let bad = c.code(&["get", "pods", "-o", "jsonpath={.items[0}"], 1);
    assert!(bad.stderr.starts_with("error: "), "{}", bad.stderr);
}

#[test]
fn no_headers_label_columns_and_show_labels() {
    let (c, pods) = myapp();
    let r = c.ok(&["get", "pods", "-o", "name", "--no-headers"]);
    assert_eq!(r.stdout, format!("pod/{}\npod/{}\n", pods[0], pods[1]));
    let r = c.ok(&["get", "rs", "--no-headers"]);
    assert!(r.stdout.starts_with("myapp "), "{}", r.stdout);
    assert_eq!(r.stdout.lines().count(), 1);
    // `-L app,release` adds APP and RELEASE; `--show-labels` adds LABELS after them, on any kind.
    let r = c.ok(&["get", "rs", "-L", "app", "-L", "example.com/tier", "--show-labels"]);
    let header = r.stdout.lines().next().unwrap().split_whitespace().collect::<Vec<_>>();
    assert_eq!(header, ["NAME", "DESIRED", "CURRENT", "READY", "AGE", "APP", "TIER", "LABELS"]);
    let row = r.stdout.lines().nth(1).unwrap().split_whitespace().collect::<Vec<_>>();
    // rs-demo labels its pod template, not the ReplicaSet: APP and TIER are empty, LABELS `<none>`.
    assert_eq!(row[5..], ["<none>"], "{}", r.stdout);
    let r = c.ok(&["get", "pods", "-L", "app,release"]);
    for line in r.stdout.lines().skip(1) {
        assert!(line.ends_with("myapp   canary"), "{line}");
    }
}

#[test]
fn sort_by_orders_by_the_field() {
    let c = Cluster::seed_nodes();
    let rs = |name: &str, replicas: u32| {
        format!(
            "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {{name: {name}}}\nspec:\n  replicas: {replicas}\n  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata: {{labels: {{app: {name}}}}}\n    spec: {{containers: [{{name: c, image: nginx}}]}}\n"
        )
    };
    let text = [rs("rs-10", 1), rs("rs-2", 3), rs("rs-1", 2)].join("---\n");
    c.ok(&["apply", "-f", &c.write("rs.yaml", &text)]);
    let names = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["get", "rs", "--no-headers", "-o", "custom-columns=N:.metadata.name"];
        all.extend_from_slice(args);
        c.ok(&all).stdout.lines().map(str::to_string).collect()
    };
    // Strings in natural order (kubectl's sortorder.NaturalLess), numbers by value.
    assert_eq!(names(&["--sort-by=.metadata.name"]), ["rs-1", "rs-2", "rs-10"]);
    assert_eq!(names(&["--sort-by={.spec.replicas}"]), ["rs-10", "rs-1", "rs-2"]);
    let bad = c.code(&["get", "rs", "--sort-by=.spec.nothing"], 1);
    assert_eq!(
        bad.stderr.trim(),
        r#"error: couldn't find any field with path "{.spec.nothing}" in the list of objects"#
    );
}

#[test]
fn field_selectors_select_and_refuse_unsupported_fields() {
    let (c, pods) = myapp();
    let node0 = c.items("pods")[0]["spec"]["nodeName"].as_str().unwrap().to_string();
    let r = c.ok(&["get", "pods", "--field-selector", &format!("spec.nodeName={node0}"), "-o", "name"]);
    assert_eq!(r.stdout, format!("pod/{}\n", pods[0]));
    let r = c.ok(&[
        "get",
        "pods",
        "--field-selector",
        &format!("status.phase==Running,metadata.name!={}", pods[0]),
        "-o",
        "name",
    ]);
    assert_eq!(r.stdout, format!("pod/{}\n", pods[1]));
    let r = c.ok(&["get", "pods", "--field-selector", "status.phase=Pending"]);
    assert_eq!((r.stdout.as_str(), r.stderr.as_str()), ("", "No resources found in default namespace.\n"));
    let bad = c.code(&["get", "rs", "--field-selector", "status.phase=Running"], 1);
    assert!(bad.stderr.trim_end().ends_with("field label not supported: status.phase"), "{}", bad.stderr);
}

#[test]
fn get_all_comma_lists_and_type_name_forms() {
    let (c, pods) = myapp();
    // `get all`: one table per kind, names as kind.group/name, a blank line between tables.
    let r = c.ok(&["get", "all"]);
    let tables: Vec<&str> = r.stdout.split("\n\n").collect();
    assert_eq!(tables.len(), 2, "{}", r.stdout);
    assert!(tables[0].starts_with("NAME "), "{}", tables[0]);
    assert!(tables[0].contains(&format!("pod/{} ", pods[0])));
    assert!(tables[1].lines().nth(1).unwrap().starts_with("replicaset.apps/myapp "), "{}", tables[1]);
    let r = c.ok(&["get", "rs,pods", "-o", "name"]);
    assert_eq!(r.stdout, format!("replicaset.apps/myapp\npod/{}\npod/{}\n", pods[0], pods[1]));
    let r = c.ok(&["get", &format!("pod/{}", pods[1]), "rs/myapp"]);
    assert!(r.stdout.contains(&format!("pod/{} ", pods[1])) && r.stdout.contains("replicaset.apps/myapp "));
    // One TYPE/NAME prints like `get TYPE NAME`.
    let r = c.ok(&["get", "rs/myapp", "--no-headers"]);
    assert!(r.stdout.starts_with("myapp "), "{}", r.stdout);
    let r = c.ok(&["describe", "rs/myapp", &format!("pod/{}", pods[0])]);
    assert!(r.stdout.starts_with("Name:         myapp\n"), "{}", r.stdout);
    let pod_name = r.stdout.lines().find(|l| l.starts_with("Name:") && l.ends_with(&format!(" {}", pods[0])));
    assert!(pod_name.is_some(), "{}", r.stdout);
}

#[test]
fn delete_type_names_and_all() {
    let (c, pods) = myapp();
    let r = c.ok(&["delete", &format!("pod/{}", pods[0]), &format!("pod/{}", pods[1]), "--cascade=orphan"]);
    assert!(
        r.stdout.starts_with(&format!("pod \"{}\" deleted\npod \"{}\" deleted\n", pods[0], pods[1])),
        "{}",
        r.stdout
    );
    c.ok(&["delete", "rs", "--all"]);
    assert!(c.items("rs").is_empty());
    let bad = c.code(&["delete", "pods"], 1);
    assert_eq!(bad.stderr.trim(), "error: resource(s) were provided, but no name was specified");
}

#[test]
fn api_resources_and_version() {
    let c = Cluster::new();
    let r = c.ok(&["api-resources"]);
    let lines: Vec<Vec<&str>> = r.stdout.lines().map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(lines[0], ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]);
    assert!(lines.contains(&vec!["pods", "po", "v1", "true", "Pod"]));
    assert!(lines.contains(&vec!["deployments", "deploy", "apps/v1", "true", "Deployment"]));
    assert!(lines.contains(&vec!["nodes", "no", "v1", "false", "Node"]));
    assert!(lines.contains(&vec!["jobs", "batch/v1", "true", "Job"]));
    let r = c.ok(&["version"]);
    assert!(
        r.stdout.starts_with(&format!("Client Version: v{} (konverge", env!("CARGO_PKG_VERSION"))),
        "{}",
        r.stdout
    );
}

#[test]
fn kubectls_words_for_errors() {
    let (c, _) = myapp();
    let r = c.code(&["get", "pods", "nope"], 1);
    assert_eq!(r.stderr, "Error from server (NotFound): pods \"nope\" not found\n");
    assert_eq!(r.stdout, "");
    let r = c.code(&["get", "deploy", "nope"], 1);
    assert_eq!(r.stderr, "Error from server (NotFound): deployments.apps \"nope\" not found\n");
    let r = c.code(&["describe", "rs", "nope"], 1);
    assert_eq!(r.stderr, "Error from server (NotFound): replicasets.apps \"nope\" not found\n");
    let r = c.code(&["delete", "pod", "nope"], 1);
    assert_eq!(r.stderr, "Error from server (NotFound): pods \"nope\" not found\n");
    // kubectl prints what it found, then the NotFound.
    let r = c.code(&["get", "rs/myapp", "pod/nope"], 1);
    assert!(r.stdout.contains("replicaset.apps/myapp"), "{}", r.stdout);
    assert_eq!(r.stderr, "Error from server (NotFound): pods \"nope\" not found\n");
    let r = c.code(&["apply", "-f", "missing.yaml"], 1);
    assert_eq!(r.stderr, "error: the path \"missing.yaml\" does not exist\n");
    let r = c.code(&["get", "pods", "-l", "a b c"], 1);
    assert!(r.stderr.starts_with("error: unable to parse requirement: "), "{}", r.stderr);
    let r = c.code(&["get", "widgets"], 1);
    assert_eq!(r.stderr, "error: the server doesn't have a resource type \"widgets\"\n");
    let r = c.code(&["set", "image", "rs/myapp", "nope=x"], 1);
    assert_eq!(r.stderr, "error: unable to find container named \"nope\"\n");
    for run in [c.run(&["get", "pods", "nope"]), c.run(&["set", "image", "rs/myapp", "nope=x"])] {
        assert!(!run.stderr.contains("error: error:"), "{}", run.stderr);
    }
}

#[test]
fn usage_errors_exit_1_and_help_describes_every_flag() {
    let c = Cluster::new();
    // 2 is `plan --detailed-exitcode`'s "changes": a typo must not read as one.
    for args in [&["get", "pods", "--bogus"][..], &["plan"], &["frobnicate"], &["get", "pods", "-o", "table"]]
    {
        let r = c.code(args, 1);
        assert!(r.stderr.starts_with("error: "), "{args:?}: {}", r.stderr);
    }
    let help = c.ok(&["get", "--help"]).stdout;
    let lines: Vec<&str> = help.lines().collect();
    for flag in [
        "--selector",
        "--field-selector",
        "--output",
        "--all-namespaces",
        "--show-labels",
        "--no-headers",
        "--sort-by",
        "--label-columns",
    ] {
        let at =
            lines.iter().position(|l| l.contains(flag)).unwrap_or_else(|| panic!("{flag} missing:\n{help}"));
        // `--help` puts each flag's description on the line after it.
        assert!(lines.get(at + 1).is_some_and(|d| d.trim().len() > 10), "{flag} is not described:\n{help}");
    }
    assert!(help.contains("Examples:") && help.contains("custom-columns=Name:metadata.name"), "{help}");
    c.ok(&["--help"]);
    c.ok(&["--version"]);
}

#[test]
fn plan_says_dry_run() {
    let c = Cluster::seed_nodes();
    let r = c.ok(&["plan", "-f", &example("replicaset/rs-demo.yaml")]);
    assert!(r.stdout.starts_with("replicaset.apps/myapp created (dry run)\n"), "{}", r.stdout);
    c.ok(&["apply", "-f", &example("replicaset/rs-demo.yaml")]);
    let r = c.ok(&["plan", "-f", &example("replicaset/rs-demo.yaml")]);
    assert!(r.stdout.starts_with("replicaset.apps/myapp unchanged (dry run)\n"), "{}", r.stdout);
}

/// `get nodes -o wide`: VERSION, OS-IMAGE, KERNEL-VERSION and CONTAINER-RUNTIME from
/// `status.nodeInfo`, INTERNAL-IP from `status.addresses`. Nodes that report none are given the
/// documented defaults when they register; what a node declares stays.
#[test]
fn nodes_show_their_kubelet_version_and_system_info() {
    let c = Cluster::seed_nodes();
    let declared = c.write(
        "node3.yaml",
        "apiVersion: v1\nkind: Node\nmetadata: {name: k8s-node3}\n\
         spec: {podCIDR: 10.9.0.0/24}\n\
         status:\n  nodeInfo: {kubeletVersion: v1.30.2, osImage: Ubuntu 22.04.4 LTS}\n  \
         addresses: [{type: InternalIP, address: 192.168.1.37}]\n  \
         conditions: [{type: Ready, status: \"True\"}]\n",
    );
    c.ok(&["apply", "-f", &declared]);
    let r = c.ok(&["get", "nodes", "-o", "wide"]);
    let debian = "Debian GNU/Linux 12 (bookworm)";
    let want = aligned(&[
        &[
            "NAME",
            "STATUS",
            "ROLES",
            "AGE",
            "VERSION",
            "INTERNAL-IP",
            "EXTERNAL-IP",
            "OS-IMAGE",
            "KERNEL-VERSION",
            "CONTAINER-RUNTIME",
        ],
        &[
            "k8s-node1",
            "Ready",
            "<none>",
            "2s",
            "v1.34.0",
            "172.18.0.2",
            "<none>",
            debian,
            "6.8.0-generic",
            "containerd://2.1.3",
        ],
        &[
            "k8s-node2",
            "Ready",
            "<none>",
            "2s",
            "v1.34.0",
            "172.18.0.3",
            "<none>",
            debian,
            "6.8.0-generic",
            "containerd://2.1.3",
        ],
        &[
            "k8s-node3",
            "Ready",
            "<none>",
            "1s",
            "v1.30.2",
            "192.168.1.37",
            "<none>",
            "Ubuntu 22.04.4 LTS",
            "6.8.0-generic",
            "containerd://2.1.3",
        ],
    ]);
    assert_eq!(r.stdout, want);
    // pod CIDRs: the range allocator's /24s of 10.244.0.0/16 in creation order; a declared one stays
    let cidrs = c.ok(&["get", "nodes", "-o", "jsonpath={range .items[*]}{.spec.podCIDR} {end}"]);
    assert_eq!(cidrs.stdout, "10.244.0.0/24 10.244.1.0/24 10.9.0.0/24 ");
}

/// The address each pod has, by name, from `get pods -o json`.
fn pod_ips(c: &Cluster) -> Vec<(String, String)> {
    c.items("pods").iter().map(|p| (name(p).to_string(), str_at(p, "/status/podIP").to_string())).collect()
}

/// Pod IPs as a host-local IPAM on each node's range gives them: the lowest free address
/// after the network address and the `.1` gateway, in creation order; a removed pod's address
/// is free again; a finished pod's sandbox is gone, so its address is free too (the pod still
/// shows it); a `hostNetwork` pod has its node's InternalIP.
#[test]
fn pods_get_the_lowest_free_address_of_their_nodes_range() {
    let c = Cluster::seed_nodes();
    let pod = |name: &str, extra: &str| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}}}\n\
             spec:\n  nodeName: k8s-node1\n{extra}  containers: [{{name: c, image: nginx}}]\n"
        )
    };
    let first = c.write("first.yaml", &[pod("a", ""), pod("b", ""), pod("c", "")].join("---\n"));
    c.ok(&["apply", "-f", &first]);
    let ip = |n: &str| format!("10.244.0.{n}");
    assert_eq!(pod_ips(&c), [("a".into(), ip("2")), ("b".into(), ip("3")), ("c".into(), ip("4"))]);
    c.ok(&["delete", "pod", "a"]);
    let more = [
        pod("d", ""),
        pod("e", "  hostNetwork: true\n"),
        pod("f", "  restartPolicy: Never\n")
            .replace("metadata: {name: f}", "metadata: {name: f, annotations: {konverge.io/run-for: 1s}}"),
        pod("g", ""),
    ];
    let second = c.write("second.yaml", &more.join("---\n"));
    c.ok(&["apply", "-f", &second]);
    assert_eq!(
        pod_ips(&c),
        [
            ("b".into(), ip("3")),
            ("c".into(), ip("4")),
            ("d".into(), ip("2")),
            ("e".into(), "172.18.0.2".into()),
            ("f".into(), ip("5")),
            ("g".into(), ip("6")),
        ]
    );
    let f = c.object("pod", "f").expect("pod f");
    assert_eq!(str_at(&f, "/status/phase"), "Succeeded");
    let h = c.write("h.yaml", &pod("h", ""));
    c.ok(&["apply", "-f", &h]);
    assert_eq!(str_at(&c.object("pod", "h").expect("pod h"), "/status/podIP"), ip("5"));
    let wide = c.ok(&["get", "pods", "-o", "wide"]);
    assert_eq!(row(&wide.stdout, "e")[5], "172.18.0.2");
    assert_eq!(row(&wide.stdout, "d")[5], ip("2"));
    let e = c.object("pod", "e").expect("pod e");
    assert_eq!(e["status"]["podIPs"], serde_json::json!([{"ip": "172.18.0.2"}]));
    assert_eq!(str_at(&e, "/status/hostIP"), "172.18.0.2");
}

const CRASHER: &str = r#"apiVersion: v1
kind: Pod
metadata:
  name: crasher
  labels: {app: "true", tier: "123", track: canary}
  annotations:
    konverge.io/crash: "true"
    ratio: "1.5"
    empty: ""
    motd: "line one\nline two\n"
    selector: "app: web"
    when: "2024-01-02"
spec:
  containers:
  - name: c
    image: busybox:1.36
"#;

/// `get -o yaml` as kubectl prints it (sigs.k8s.io/yaml, go-yaml v2): keys sorted, strings
/// that would read back as another type double-quoted, `: ` single-quoted, a multi-line
/// string as a literal block, the last-applied annotation as kubectl writes it.
#[test]
fn get_yaml_quotes_and_orders_as_kubectl() {
    let c = Cluster::seed_nodes();
    let f = c.write("crasher.yaml", CRASHER);
    c.ok(&["apply", "-f", &f]);
    let r = c.ok(&["get", "pod", "crasher", "-o", "yaml"]);
    for line in [
        "    empty: \"\"\n",
        "    ratio: \"1.5\"\n",
        "    selector: 'app: web'\n",
        "    when: \"2024-01-02\"\n",
        "    motd: |\n      line one\n      line two\n",
        "    app: \"true\"\n    tier: \"123\"\n    track: canary\n",
        "  creationTimestamp: \"2025-01-01T00:00:01Z\"\n",
        "    kubectl.kubernetes.io/last-applied-configuration: |\n      {\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"annotations\":{\"empty\":\"\",",
    ] {
        assert!(r.stdout.contains(line), "{line:?} not in\n{}", r.stdout);
    }
    snap!("kubectl_get_pod_yaml", r.transcript());
}

/// A crash-looping pod's RESTARTS: the count, and how long ago the last run finished
/// (`lastState.terminated.finishedAt`), both moving with the logical clock.
#[test]
fn restarts_of_a_crash_loop_advance_with_the_clock() {
    let c = Cluster::seed_nodes();
    let f = c.write("crasher.yaml", CRASHER);
    c.ok(&["apply", "-f", &f]);
    let restarts = |c: &Cluster| row(&c.ok(&["get", "pods"]).stdout, "crasher")[3..7].join(" ");
    // Times from the pod's creation: started at +2 s, each run ends a step (1 s) after it
    // starts; the first exit (+3 s) restarts at once, the second (+4 s) waits 10 s.
    assert_eq!(restarts(&c), "1 (2s ago) 6s");
    c.ok(&["advance", "2m"]);
    // restarts at +14 s (ends +15 s), +35 s (back-off 20 s, ends +36 s), +76 s (40 s, ends
    // +77 s); the next waits 80 s
    let pod = c.object("pod", "crasher").expect("pod");
    assert_eq!(pod["status"]["containerStatuses"][0]["restartCount"], 4);
    assert_eq!(restarts(&c), "4 (49s ago) 2m6s");
    c.ok(&["advance", "20s"]);
    assert_eq!(restarts(&c), "4 (69s ago) 2m26s");
    // restarted at +157 s, ended at +158 s
    c.ok(&["advance", "20s"]);
    assert_eq!(restarts(&c), "5 (8s ago) 2m46s");
}
