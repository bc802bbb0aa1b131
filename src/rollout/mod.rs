//! kubectl's client side of `rollout`, one file per kind: `deployment.rs` (status, history and
//! undo over ReplicaSets, and the per-step rollout timeline), `statefulset.rs` (status); the
//! kinds whose history is ControllerRevisions (StatefulSets, DaemonSets) share
//! `controller_revisions.rs` (history, one revision's template, the undo patch).

pub mod controller_revisions;
pub mod deployment;
pub mod statefulset;

pub use deployment::*;
