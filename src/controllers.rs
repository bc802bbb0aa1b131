//! The controllers konverge runs, in admission order, and the rule programs behind them.
//!
//! Each program lives in `rules/<controller>.rs` next to the upstream behaviour it encodes; this
//! module only wires them into one step.

#[path = "../rules/deployment.rs"]
pub mod deployment;
#[path = "../rules/garbage_collector.rs"]
pub mod garbage_collector;
#[path = "../rules/kubelet.rs"]
pub mod kubelet;
#[path = "../rules/namespace.rs"]
pub mod namespace;
#[path = "../rules/node_lifecycle.rs"]
pub mod node_lifecycle;
#[path = "../rules/replicaset.rs"]
pub mod replicaset;
#[path = "../rules/scheduler.rs"]
pub mod scheduler;

use crate::actions::Action;
use crate::facts::Facts;

/// Controller names in the order their proposals are admitted within a step.
pub const CONTROLLERS: &[&str] =
    &["garbage-collector", "namespace", "node-lifecycle", "deployment", "replicaset", "scheduler", "kubelet"];

/// Every controller's proposals for one snapshot, in admission order, and the times at which
/// some controller wants to look again.
pub fn reconcile_all(f: &Facts) -> (Vec<Action>, Vec<i64>) {
    let mut actions = garbage_collector::reconcile(f);
    actions.extend(namespace::reconcile(f));
    let (lifecycle, mut wakes) = node_lifecycle::reconcile(f);
    actions.extend(lifecycle);
    let (deployments, deployment_wakes) = deployment::reconcile(f);
    actions.extend(deployments);
    wakes.extend(deployment_wakes);
    actions.extend(replicaset::reconcile(f));
    actions.extend(scheduler::reconcile(f));
    let (kubelet, kubelet_wakes) = kubelet::reconcile(f);
    actions.extend(kubelet);
    wakes.extend(kubelet_wakes);
    wakes.sort_unstable();
    (actions, wakes)
}
