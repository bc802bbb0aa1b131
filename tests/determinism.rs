//! Nothing is random: the same commands, run twice against two state files (in two different
//! directories), give byte-identical state files and byte-identical `-o json` traces at every
//! step.

mod common;

use common::*;

/// The seed's ReplicaSet story, then node faults and deletions: every kind of step konverge
/// takes (creates with generated names, binds, evictions, timers, garbage collection).
fn script(c: &Cluster) -> Vec<Vec<String>> {
    let manifest =
        c.write("rs-demo.yaml", &std::fs::read_to_string(example("replicaset/rs-demo.yaml")).unwrap());
    let v2 = c.write(
        "rs-demo-v2.yaml",
        &std::fs::read_to_string(example("replicaset/rs-demo.yaml")).unwrap().replace("myapp:v1", "myapp:v2"),
    );
    let nodes = example("cluster/nodes.yaml");
    let cmds: Vec<Vec<&str>> = vec![
        vec!["apply", "-f", &nodes, "-f", &manifest],
        vec!["scale", "rs/myapp", "--replicas=4"],
        vec!["apply", "-f", &v2],
        vec!["delete", "pods", "-l", "app=myapp"],
        vec!["scale", "replicasets", "myapp", "--replicas=5"],
        vec!["scale", "replicasets", "myapp", "--replicas=3"],
        vec!["node", "fail", "k8s-node1"],
        vec!["node", "add", "k8s-node3", "--labels", "zone=b"],
        vec!["scale", "rs/myapp", "--replicas=7"],
        vec!["node", "recover", "k8s-node1"],
        vec!["node", "remove", "k8s-node2"],
        vec!["advance", "10m"],
        vec!["delete", "rs", "myapp", "--cascade=orphan"],
        vec!["apply", "-f", &manifest],
        vec!["delete", "rs", "myapp", "--cascade=foreground"],
        vec!["run"],
    ];
    cmds.into_iter().map(|c| c.into_iter().map(str::to_string).collect()).collect()
}

/// Run the script with `-o json`, returning the raw stdout of each command and the state
/// file after it.
fn replay(c: &Cluster) -> Vec<(String, Vec<u8>)> {
    script(c)
        .iter()
        .map(|cmd| {
            let mut args: Vec<&str> = cmd.iter().map(String::as_str).collect();
            args.extend(["-o", "json"]);
            let r = c.ok(&args);
            let trace = r.json();
            assert_eq!(trace["format_version"], "1");
            assert_eq!(trace["converged"], true, "{}: {trace}", cmd.join(" "));
            (r.stdout, c.state_bytes())
        })
        .collect()
}

#[test]
fn same_commands_give_byte_identical_states_and_traces() {
    let (a, b) = (Cluster::new(), Cluster::new());
    assert_ne!(a.state, b.state);
    let (ra, rb) = (replay(&a), replay(&b));
    let cmds = script(&a);
    for (i, ((ta, sa), (tb, sb))) in ra.iter().zip(&rb).enumerate() {
        let cmd = cmds[i].join(" ");
        assert_eq!(ta, tb, "`{cmd}`: the JSON traces differ");
        assert!(sa == sb, "`{cmd}`: the state files differ");
    }
    // The run did something at every step that should: not a trivially equal pair of no-ops.
    let changed = ra.iter().filter(|(t, _)| t.contains("\"action\"")).count();
    assert!(changed >= cmds.len() - 2, "{changed} of {} commands changed something", cmds.len());
    // And the text traces match too (what a person reads in CI).
    let (c, d) = (Cluster::new(), Cluster::new());
    for cmd in script(&c) {
        let args: Vec<&str> = cmd.iter().map(String::as_str).collect();
        let (x, y) = (c.ok(&args), d.ok(&args));
        assert_eq!(x.stdout, y.stdout, "`{}`", cmd.join(" "));
    }
    assert!(c.state_bytes() == d.state_bytes());
    assert!(c.state_bytes() == a.state_bytes(), "-o json changes nothing but the output");
}

#[test]
fn plan_is_deterministic_and_matches_apply() {
    let c = Cluster::seed_nodes();
    let manifest = example("replicaset/rs-demo.yaml");
    let p1 = c.ok(&["plan", "-f", &manifest, "-o", "json"]).stdout;
    let p2 = c.ok(&["plan", "-f", &manifest, "-o", "json"]).stdout;
    assert_eq!(p1, p2);
    let applied = c.ok(&["apply", "-f", &manifest, "-o", "json"]).stdout;
    assert_eq!(p1, applied, "plan shows exactly what apply then does");
}
