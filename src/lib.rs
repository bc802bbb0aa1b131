//! konverge: Kubernetes' Pod controllers written as Datalog.
//!
//! Cluster state (a YAML file) becomes facts; each controller is a crepe program in `rules/`
//! that derives actions; a fixpoint driver admits the actions like an API server and repeats
//! until desired and actual state converge, recording every step. See ARCHITECTURE.md.

pub mod actions;
pub mod apiserver;
pub mod apply;
pub mod budget;
pub mod canonical_yaml;
pub mod cli;
pub mod controllers;
pub mod correlator;
pub mod crds;
pub mod cron;
pub mod defaults;
pub mod describe;
pub mod driver;
pub mod event;
pub mod facts;
pub mod get;
pub mod health;
pub mod jsonpath;
pub mod manifest;
pub mod model;
pub mod namespaces;
pub mod network;
pub mod ordering;
pub mod podtemplate;
pub mod printers;
pub mod priority;
pub mod quantity;
pub mod render;
pub mod rollout;
pub mod selector;
pub mod state;
pub mod strategic;
pub mod timeline;
pub mod validate;
pub mod watch;
pub mod yaml11;

/// mimalloc instead of the system allocator: a run allocates and frees millions of small JSON
/// nodes, which glibc's malloc spends a quarter of the time on (benches/README.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
