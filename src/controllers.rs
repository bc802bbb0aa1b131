//! The controllers konverge runs: one registration point, one shape.
//!
//! Every controller is a crepe program in `rules/<controller>.rs`, next to the upstream
//! behaviour it encodes, and exports a [`Controller`]: a name (shown in the trace), the component
//! its Events come from, and a `reconcile` function from one snapshot's facts to [`Proposals`]
//! — the actions it proposes and the times it wants to look again. Adding a controller is one
//! file in `rules/` plus one line in [`CONTROLLERS`].

#[path = "../rules/controller_ref_manager.rs"]
pub mod controller_ref_manager;
#[path = "../rules/cronjob.rs"]
pub mod cronjob;
#[path = "../rules/daemonset.rs"]
pub mod daemonset;
#[path = "../rules/deployment.rs"]
pub mod deployment;
#[path = "../rules/garbage_collector.rs"]
pub mod garbage_collector;
#[path = "../rules/job.rs"]
pub mod job;
#[path = "../rules/kubelet.rs"]
pub mod kubelet;
#[path = "../rules/namespace.rs"]
pub mod namespace;
#[path = "../rules/node_lifecycle.rs"]
pub mod node_lifecycle;
#[path = "../rules/node_selector.rs"]
pub mod node_selector;
#[path = "../rules/preemption.rs"]
pub mod preemption;
#[path = "../rules/provisioner.rs"]
pub mod provisioner;
#[path = "../rules/replicaset.rs"]
pub mod replicaset;
#[path = "../rules/scheduler.rs"]
pub mod scheduler;
#[path = "../rules/statefulset.rs"]
pub mod statefulset;
#[path = "../rules/taint_toleration.rs"]
pub mod taint_toleration;
#[path = "../rules/ttl_after_finished.rs"]
pub mod ttl_after_finished;
#[path = "../rules/volume.rs"]
pub mod volume;
#[path = "../rules/volume_protection.rs"]
pub mod volume_protection;

use crate::actions::Action;
use crate::facts::Facts;
use std::collections::BTreeMap;

/// What one controller proposes for one snapshot.
#[derive(Debug, Default, PartialEq)]
pub struct Proposals {
    /// In the order the controller wants them admitted.
    pub actions: Vec<Action>,
    /// Logical times at which the controller wants to reconcile again although nothing else
    /// changes (a pod passing minReadySeconds, a deadline, a back-off): work in progress, so
    /// the clock jumps there whenever nothing else is left.
    pub wakes: Vec<i64>,
    /// Times at which the controller acts on a schedule of its own (a CronJob's next run):
    /// the clock only goes there while an `advance` lets it run.
    pub schedules: Vec<i64>,
}

impl Proposals {
    pub fn new(actions: Vec<Action>, wakes: Vec<i64>) -> Proposals {
        Proposals { actions, wakes, schedules: Vec::new() }
    }
}

impl From<Vec<Action>> for Proposals {
    fn from(actions: Vec<Action>) -> Proposals {
        Proposals { actions, ..Proposals::default() }
    }
}

/// A controller as the driver runs it.
pub struct Controller {
    /// The name recorded with each of its actions (`"replicaset"`).
    pub name: &'static str,
    /// The `source.component` of the Events it records (`"replicaset-controller"`).
    pub component: &'static str,
    pub reconcile: fn(&Facts) -> Proposals,
}

/// Every controller, in the order their proposals are admitted within a step: the garbage
/// collector, namespace controller and node lifecycle first (deletions and evictions), then the
/// workload controllers top-down (a Deployment's ReplicaSets before their pods, a CronJob's Jobs
/// before theirs), then storage (the PersistentVolume controller, the simulated provisioner,
/// in-use protection), then the scheduler and the kubelet.
pub const CONTROLLERS: &[Controller] = &[
    garbage_collector::CONTROLLER,
    namespace::CONTROLLER,
    node_lifecycle::CONTROLLER,
    deployment::CONTROLLER,
    cronjob::CONTROLLER,
    replicaset::CONTROLLER,
    statefulset::CONTROLLER,
    daemonset::CONTROLLER,
    job::CONTROLLER,
    ttl_after_finished::CONTROLLER,
    volume::CONTROLLER,
    provisioner::CONTROLLER,
    volume_protection::CONTROLLER,
    scheduler::CONTROLLER,
    kubelet::CONTROLLER,
];

/// Which controllers asked for each time they want to look again (a timer or a schedule), in
/// [`CONTROLLERS`] order: what the step log names when the clock jumps there.
pub type Waiters = BTreeMap<i64, Vec<&'static str>>;

/// Every controller's proposals for one snapshot, in admission order, the times at which
/// some controller wants to look again (sorted, each once), and who asked for each.
pub fn reconcile_all(f: &Facts) -> (Proposals, Waiters) {
    let mut all = Proposals::default();
    let mut waiters = Waiters::new();
    for c in CONTROLLERS {
        let p = (c.reconcile)(f);
        for &t in p.wakes.iter().chain(&p.schedules) {
            let names = waiters.entry(t).or_default();
            if names.last() != Some(&c.name) {
                names.push(c.name);
            }
        }
        all.actions.extend(p.actions);
        all.wakes.extend(p.wakes);
        all.schedules.extend(p.schedules);
    }
    for times in [&mut all.wakes, &mut all.schedules] {
        times.sort_unstable();
        times.dedup();
    }
    (all, waiters)
}

/// The Event component of a controller name; a name no controller has (the user's own
/// `kubectl`) is its own component.
pub fn component(name: &str) -> &str {
    CONTROLLERS.iter().find(|c| c.name == name).map_or(name, |c| c.component)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_components_are_unique() {
        let mut names: Vec<&str> = CONTROLLERS.iter().map(|c| c.name).collect();
        let mut components: Vec<&str> = CONTROLLERS.iter().map(|c| c.component).collect();
        names.sort_unstable();
        names.dedup();
        components.sort_unstable();
        components.dedup();
        assert_eq!(names.len(), CONTROLLERS.len());
        assert_eq!(components.len(), CONTROLLERS.len());
        assert_eq!(component("replicaset"), "replicaset-controller");
        assert_eq!(component("kubectl"), "kubectl");
    }
}
