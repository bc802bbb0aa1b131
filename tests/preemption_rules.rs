//! DefaultPreemption against upstream's own test tables
//! (pkg/scheduler/framework/plugins/defaultpreemption/default_preemption_test.go:
//! `TestSelectNodesForPreemption` and `TestSelectBestCandidate`), and PostFilter's words in
//! the FailedScheduling message.
//!
//! Each case runs the way the scheduler runs: the preemptor pending, the nodes and the pods
//! already bound put in a store, one `scheduler::reconcile` over `Facts::extract`. A candidate
//! is read from what the scheduler then does: the pods it deletes (the victims) and the node it
//! writes into the preemptor's `status.nominatedNodeName`. Upstream's tables list every
//! candidate; the scheduler acts on the one it picks, so a case with several candidates is
//! checked through the one picked and by removing the others' nodes. Nodes have upstream's
//! test capacity (`veryLargeRes`: cpu 500m, memory 500; 32 pods).

use konverge::actions::{Action, Change};
use konverge::controllers::scheduler::reconcile;
use konverge::facts::Facts;
use konverge::model::ObjKey;
use konverge::state::State;
use serde_json::{json, Value};
use std::collections::BTreeMap;

const NEG: i64 = -100;
const LOW: i64 = 0;
const MID: i64 = 100;
const HIGH: i64 = 1000;
const VERY_HIGH: i64 = 10000;

const SMALL: (&str, &str) = ("100m", "100");
const MEDIUM: (&str, &str) = ("200m", "200");
const LARGE: (&str, &str) = ("300m", "300");
const VERY_LARGE: (&str, &str) = ("500m", "500");

/// Upstream's `epochTime<n>`, moved to a time konverge reads as started.
fn epoch(n: i64) -> String {
    format!("2025-01-01T00:00:{n:02}Z")
}

fn node(name: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "uid": format!("uid-{name}"), "labels": {"kubernetes.io/hostname": name}},
        "status": {
            "allocatable": {"cpu": VERY_LARGE.0, "memory": VERY_LARGE.1, "pods": "32"},
            "conditions": [{"type": "Ready", "status": "True"}],
        },
    })
}

fn pod(name: &str, priority: i64, req: (&str, &str)) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "default", "uid": name,
                     "creationTimestamp": "2025-01-01T00:00:00Z"},
        "spec": {"priority": priority, "containers": [{"name": "c", "image": "nginx",
                 "resources": {"requests": {"cpu": req.0, "memory": req.1}}}]},
        "status": {"phase": "Pending"},
    })
}

/// A pod bound to `node`, running since upstream's `epochTime<start>`.
fn on(node: &str, name: &str, priority: i64, req: (&str, &str), start: i64) -> Value {
    let mut p = pod(name, priority, req);
    p["spec"]["nodeName"] = json!(node);
    p["status"] = json!({"phase": "Running", "startTime": epoch(start)});
    p
}

fn run(objects: Vec<Value>) -> Vec<Action> {
    let store: BTreeMap<ObjKey, Value> = objects.into_iter().map(|o| (ObjKey::of(&o), o)).collect();
    let snapshot = State::of_objects(store.clone(), 1_735_689_700);
    let f = Facts::extract(&snapshot);
    reconcile(&f).actions
}

/// What PostFilter did for the preemptor `p`: the node nominated (if any), the victims deleted
/// (by name), and the preemptor's FailedScheduling message.
struct Outcome {
    node: Option<String>,
    victims: Vec<String>,
    message: String,
}

fn outcome(actions: Vec<Action>) -> Outcome {
    let mut out = Outcome { node: None, victims: Vec::new(), message: String::new() };
    for a in actions {
        match &a.change {
            Change::Delete { key, .. } => out.victims.push(key.name.clone()),
            Change::Patch { key, patch, .. } if key.name == "p" => {
                if let Some(n) = patch["status"]["nominatedNodeName"].as_str() {
                    out.node = Some(n.to_string());
                }
                if let Some(m) = patch["status"]["conditions"][0]["message"].as_str() {
                    out.message = m.to_string();
                }
            }
            _ => {}
        }
    }
    out.victims.sort();
    out
}

fn preempt(preemptor: Value, nodes: &[&str], existing: Vec<Value>) -> Outcome {
    let mut objects: Vec<Value> = nodes.iter().map(|n| node(n)).collect();
    objects.extend(existing);
    objects.push(preemptor);
    outcome(run(objects))
}

fn names(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

// ---------------------------------------------------------------------------------------------
// TestSelectNodesForPreemption

#[test]
fn select_nodes_medium_priority_pod_is_preempted_but_lower_priority_one_stays_as_it_is_small() {
    // Candidates node1 [p1.2] and node2 [p2]: one victim of priority mid each, equal sums and
    // starts; konverge takes node1 by name. node2 alone gives [p2].
    let existing = || {
        vec![
            on("node1", "p1.1", LOW, SMALL, 0),
            on("node1", "p1.2", MID, LARGE, 0),
            on("node2", "p2", MID, LARGE, 0),
        ]
    };
    let got = preempt(pod("p", HIGH, LARGE), &["node1", "node2"], existing());
    assert_eq!((got.node.as_deref(), got.victims), (Some("node1"), names(&["p1.2"])));
    let only_node2: Vec<Value> =
        existing().into_iter().filter(|p| p["spec"]["nodeName"] == "node2").collect();
    let got = preempt(pod("p", HIGH, LARGE), &["node2"], only_node2);
    assert_eq!((got.node.as_deref(), got.victims), (Some("node2"), names(&["p2"])));
}

#[test]
fn select_nodes_mixed_priority_pods_are_preempted() {
    let got = preempt(
        pod("p", HIGH, LARGE),
        &["node1", "node2"],
        vec![
            on("node1", "p1.1", MID, SMALL, 0),
            on("node1", "p1.2", LOW, SMALL, 0),
            on("node1", "p1.3", MID, MEDIUM, 0),
            on("node1", "p1.4", HIGH, SMALL, 0),
            on("node2", "p2", HIGH, LARGE, 0),
        ],
    );
    assert_eq!((got.node.as_deref(), got.victims), (Some("node1"), names(&["p1.2", "p1.3"])));
}

#[test]
fn select_nodes_mixed_priority_pods_are_preempted_pick_later_start_time_one_when_priorities_are_equal() {
    let got = preempt(
        pod("p", HIGH, LARGE),
        &["node1", "node2"],
        vec![
            on("node1", "p1.1", LOW, SMALL, 5),
            on("node1", "p1.2", LOW, SMALL, 4),
            on("node1", "p1.3", MID, MEDIUM, 3),
            on("node1", "p1.4", HIGH, SMALL, 2),
            on("node2", "p2", HIGH, LARGE, 1),
        ],
    );
    assert_eq!((got.node.as_deref(), got.victims), (Some("node1"), names(&["p1.1", "p1.3"])));
}

#[test]
fn select_nodes_pods_of_equal_priority_are_no_victims() {
    // Upstream "a pod that does not fit on any node" family: p1 and p2 have the preemptor's
    // own priority, so no node has a potential victim.
    let got = preempt(
        pod("p", MID, LARGE),
        &["node1", "node2"],
        vec![on("node1", "p1", MID, LARGE, 0), on("node2", "p2", MID, LARGE, 0)],
    );
    assert_eq!((got.node, got.victims.len()), (None, 0));
    assert_eq!(
        got.message,
        "0/2 nodes are available: 2 Insufficient cpu, 2 Insufficient memory. \
         preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod."
    );
}

// ---------------------------------------------------------------------------------------------
// TestSelectBestCandidate (pickOneNodeForPreemption)

fn best(pods: Vec<Value>, nodes: &[&str], preemptor: Value) -> Option<String> {
    preempt(preemptor, nodes, pods).node
}

#[test]
fn best_candidate_a_pod_that_fits_on_both_nodes_when_lower_priority_pods_are_preempted() {
    // Either node is valid upstream; konverge breaks the tie by name.
    let got = best(
        vec![on("node1", "p1", MID, LARGE, 0), on("node2", "p2", MID, LARGE, 0)],
        &["node1", "node2"],
        pod("p", HIGH, LARGE),
    );
    assert_eq!(got.as_deref(), Some("node1"));
}

#[test]
fn best_candidate_node_with_min_highest_priority_pod_is_picked() {
    let got = best(
        vec![
            on("node1", "p1.1", MID, MEDIUM, 0),
            on("node1", "p1.2", MID, LARGE, 0),
            on("node2", "p2.1", MID, MEDIUM, 0),
            on("node2", "p2.2", LOW, MEDIUM, 0),
            on("node3", "p3.1", LOW, MEDIUM, 0),
            on("node3", "p3.2", LOW, MEDIUM, 0),
        ],
        &["node1", "node2", "node3"],
        pod("p", HIGH, VERY_LARGE),
    );
    assert_eq!(got.as_deref(), Some("node3"));
}

#[test]
fn best_candidate_when_highest_priorities_are_the_same_minimum_sum_of_priorities_is_picked() {
    let got = best(
        vec![
            on("node1", "p1.1", MID, MEDIUM, 0),
            on("node1", "p1.2", MID, LARGE, 0),
            on("node2", "p2.1", MID, LARGE, 0),
            on("node2", "p2.2", LOW, MEDIUM, 0),
            on("node3", "p3.1", MID, MEDIUM, 0),
            on("node3", "p3.2", MID, MEDIUM, 0),
        ],
        &["node1", "node2", "node3"],
        pod("p", HIGH, VERY_LARGE),
    );
    assert_eq!(got.as_deref(), Some("node2"));
}

#[test]
fn best_candidate_when_highest_priority_and_sum_are_the_same_minimum_number_of_pods_is_picked() {
    let got = best(
        vec![
            on("node1", "p1.1", MID, SMALL, 0),
            on("node1", "p1.2", NEG, SMALL, 0),
            on("node1", "p1.3", MID, SMALL, 0),
            on("node1", "p1.4", NEG, SMALL, 0),
            on("node2", "p2.1", MID, LARGE, 0),
            on("node2", "p2.2", NEG, MEDIUM, 0),
            on("node3", "p3.1", MID, MEDIUM, 0),
            on("node3", "p3.2", NEG, SMALL, 0),
            on("node3", "p3.3", LOW, SMALL, 0),
        ],
        &["node1", "node2", "node3"],
        pod("p", HIGH, VERY_LARGE),
    );
    assert_eq!(got.as_deref(), Some("node2"));
}

#[test]
fn best_candidate_sum_of_adjusted_priorities_is_considered() {
    let got = best(
        vec![
            on("node1", "p1.1", MID, SMALL, 0),
            on("node1", "p1.2", NEG, SMALL, 0),
            on("node1", "p1.3", NEG, SMALL, 0),
            on("node2", "p2.1", MID, LARGE, 0),
            on("node2", "p2.2", NEG, MEDIUM, 0),
            on("node3", "p3.1", MID, MEDIUM, 0),
            on("node3", "p3.2", NEG, SMALL, 0),
            on("node3", "p3.3", LOW, SMALL, 0),
        ],
        &["node1", "node2", "node3"],
        pod("p", HIGH, VERY_LARGE),
    );
    assert_eq!(got.as_deref(), Some("node2"));
}

#[test]
fn best_candidate_non_overlapping_lowest_high_priority_sum_priorities_and_number_of_pods() {
    let got = best(
        vec![
            on("node1", "p1.1", MID, SMALL, 0),
            on("node1", "p1.2", LOW, SMALL, 0),
            on("node1", "p1.3", LOW, SMALL, 0),
            on("node2", "p2.1", HIGH, LARGE, 0),
            on("node3", "p3.1", MID, MEDIUM, 0),
            on("node3", "p3.2", LOW, SMALL, 0),
            on("node3", "p3.3", LOW, SMALL, 0),
            on("node3", "p3.4", LOW, MEDIUM, 0),
            on("node4", "p4.1", MID, MEDIUM, 0),
            on("node4", "p4.2", MID, SMALL, 0),
            on("node4", "p4.3", MID, SMALL, 0),
            on("node4", "p4.4", NEG, SMALL, 0),
        ],
        &["node1", "node2", "node3", "node4"],
        pod("p", VERY_HIGH, VERY_LARGE),
    );
    assert_eq!(got.as_deref(), Some("node1"));
}

#[test]
fn best_candidate_same_priority_same_number_of_victims_different_start_time_for_each_nodes_pod() {
    let got = best(
        vec![
            on("node1", "p1.1", MID, MEDIUM, 2),
            on("node1", "p1.2", MID, MEDIUM, 2),
            on("node2", "p2.1", MID, MEDIUM, 3),
            on("node2", "p2.2", MID, MEDIUM, 3),
            on("node3", "p3.1", MID, MEDIUM, 1),
            on("node3", "p3.2", MID, MEDIUM, 1),
        ],
        &["node1", "node2", "node3"],
        pod("p", HIGH, VERY_LARGE),
    );
    assert_eq!(got.as_deref(), Some("node2"));
}

#[test]
fn best_candidate_same_priority_same_number_of_victims_different_start_time_for_all_pods() {
    let got = best(
        vec![
            on("node1", "p1.1", MID, MEDIUM, 4),
            on("node1", "p1.2", MID, MEDIUM, 2),
            on("node2", "p2.1", MID, MEDIUM, 5),
            on("node2", "p2.2", MID, MEDIUM, 1),
            on("node3", "p3.1", MID, MEDIUM, 3),
            on("node3", "p3.2", MID, MEDIUM, 6),
        ],
        &["node1", "node2", "node3"],
        pod("p", HIGH, VERY_LARGE),
    );
    assert_eq!(got.as_deref(), Some("node3"));
}

#[test]
fn best_candidate_different_priority_same_number_of_victims_different_start_time_for_all_pods() {
    let got = best(
        vec![
            on("node1", "p1.1", LOW, MEDIUM, 4),
            on("node1", "p1.2", MID, MEDIUM, 2),
            on("node2", "p2.1", MID, MEDIUM, 6),
            on("node2", "p2.2", LOW, MEDIUM, 1),
            on("node3", "p3.1", LOW, MEDIUM, 3),
            on("node3", "p3.2", MID, MEDIUM, 5),
        ],
        &["node1", "node2", "node3"],
        pod("p", HIGH, VERY_LARGE),
    );
    assert_eq!(got.as_deref(), Some("node2"));
}

// ---------------------------------------------------------------------------------------------
// PodEligibleToPreemptOthers, nodesWherePreemptionMightHelp and the preemption itself

#[test]
fn a_never_preempting_pod_preempts_nothing_and_says_so() {
    let mut p = pod("p", HIGH, LARGE);
    p["spec"]["preemptionPolicy"] = json!("Never");
    let got =
        preempt(p, &["node1"], vec![on("node1", "p1", LOW, LARGE, 0), on("node1", "p2", LOW, LARGE, 0)]);
    assert_eq!((got.node, got.victims.len()), (None, 0));
    assert_eq!(
        got.message,
        "0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory. \
         preemption: not eligible due to preemptionPolicy=Never."
    );
}

#[test]
fn a_pod_nominated_where_its_victim_still_terminates_waits() {
    let mut p = pod("p", HIGH, LARGE);
    p["status"]["nominatedNodeName"] = json!("node1");
    let mut victim = on("node1", "p1", LOW, LARGE, 0);
    victim["metadata"]["deletionTimestamp"] = json!("2025-01-01T00:05:00Z");
    victim["metadata"]["deletionGracePeriodSeconds"] = json!(30);
    victim["status"]["conditions"] =
        json!([{"type": "DisruptionTarget", "status": "True", "reason": "PreemptionByScheduler"}]);
    let got = preempt(p, &["node1"], vec![victim, on("node1", "p2", LOW, LARGE, 0)]);
    assert_eq!((got.node, got.victims.len()), (None, 0), "no second preemption");
    assert_eq!(
        got.message,
        "0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory. \
         preemption: not eligible due to a terminating pod on the nominated node."
    );
}

#[test]
fn nodes_where_preemption_cannot_help_are_counted_apart() {
    // node2 is cordoned (NodeUnschedulable: unresolvable); on node1 evicting the
    // lower-priority pod is not enough while the very-high one stays.
    let mut cordoned = node("node2");
    cordoned["spec"] = json!({"unschedulable": true});
    let got = outcome(run(vec![
        node("node1"),
        cordoned,
        on("node1", "p1", LOW, SMALL, 0),
        on("node1", "p2", VERY_HIGH, LARGE, 0),
        pod("p", HIGH, LARGE),
    ]));
    assert_eq!((got.node, got.victims.len()), (None, 0));
    assert_eq!(
        got.message,
        "0/2 nodes are available: 1 Insufficient cpu, 1 Insufficient memory, 1 node(s) were unschedulable. \
         preemption: 0/2 nodes are available: 1 Insufficient cpu, 1 Insufficient memory, \
         1 Preemption is not helpful for scheduling."
    );
}

#[test]
fn victims_get_the_disruption_target_condition_and_the_preempted_event() {
    let actions = run(vec![
        node("node1"),
        on("node1", "p1", LOW, LARGE, 0),
        on("node1", "p2", LOW, SMALL, 0),
        pod("p", HIGH, LARGE),
    ]);
    let condition = actions
        .iter()
        .find_map(|a| match &a.change {
            Change::Patch { key, patch, .. } if key.name == "p1" => {
                Some(patch["status"]["conditions"].clone())
            }
            _ => None,
        })
        .expect("the victim's condition");
    assert_eq!(condition[0]["type"], "DisruptionTarget");
    assert_eq!(condition[0]["status"], "True");
    assert_eq!(condition[0]["reason"], "PreemptionByScheduler");
    assert_eq!(condition[0]["message"], "default-scheduler: preempting to accommodate a higher priority pod");
    let delete = actions
        .iter()
        .find(|a| matches!(&a.change, Change::Delete { key, .. } if key.name == "p1"))
        .expect("the victim is deleted");
    let event = &delete.events[0];
    assert_eq!(
        (event.reason.as_ref(), event.message.as_str()),
        ("Preempted", "Preempted by pod p on node node1")
    );
    let got = outcome(actions);
    assert_eq!((got.node.as_deref(), got.victims), (Some("node1"), names(&["p1"])), "p2 is reprieved");
    // Preemption succeeded: the message has no preemption suffix.
    assert_eq!(got.message, "0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory.");
}
