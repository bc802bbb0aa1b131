//! The kubectl-shaped command line (see SPEC's CLI contract): parsing, and each command as a
//! small function from arguments to user actions, a reconcile, and output.

use crate::actions::{Action, Change, Precondition, Propagation};
use crate::apply::{self, Applied};
use crate::describe;
use crate::driver::{self, Outcome, RunOptions, Trace};
use crate::facts;
use crate::get;
use crate::health;
use crate::manifest::{self, InputError, ReadOptions};
use crate::model::{self, resolve_kind, KindInfo, ObjKey};
use crate::printers;
use crate::render;
use crate::selector::Selector;
use crate::state::{self, LockedState, State};
use crate::validate::{self, schema::FieldValidation};
use anyhow::{anyhow, bail, Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use serde_json::{json, Value};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "konverge",
    version,
    about = "What will my Kubernetes cluster do if I apply this? Pod controllers as Datalog, step by step."
)]
pub struct Cli {
    /// State file (a multi-document YAML stream of Kubernetes objects).
    #[arg(long, global = true, env = "KONVERGE_STATE", default_value = "konverge.state.yaml")]
    pub state: PathBuf,
    /// Namespace for namespaced objects (default: `default`).
    #[arg(short = 'n', long, global = true)]
    pub namespace: Option<String>,
    /// What to do with fields the schema does not know: `strict` refuses them (kubectl's
    /// default), `warn` drops them with a warning, `ignore` drops them silently.
    #[arg(long, global = true, value_enum, default_value = "strict")]
    pub validate: FieldValidation,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug, Clone)]
pub struct RunArgs {
    /// `json`: print the versioned step trace instead of text.
    #[arg(short = 'o', long = "output", value_enum)]
    pub output: Option<TraceFormat>,
    /// Stop after N steps on purpose (exit 0).
    #[arg(long)]
    pub steps: Option<usize>,
    /// Give up after N steps without convergence (exit 3). Default: 1,000 plus 10 for every pod
    /// the state holds or asks for (spec.replicas, spec.completions) once the change is in.
    #[arg(long)]
    pub max_steps: Option<usize>,
    /// Stop (exit 3) when an object asks for more objects than the store may hold.
    #[arg(long, default_value_t = crate::budget::DEFAULT_MAX_OBJECTS)]
    pub max_objects: usize,
    /// Exit 4 when the run converges to an unhealthy state (a Deployment past its progress
    /// deadline, pods that cannot be scheduled or started, claims not bound, failed Jobs, …).
    #[arg(long)]
    pub require_healthy: bool,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraceFormat {
    Json,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Apply manifests and run the controllers to convergence (writes the state).
    Apply {
        /// Manifests: files, directories (recursively), multi-document streams, `List`s, `-` for stdin.
        #[arg(short = 'f', long = "filename", required = true)]
        files: Vec<String>,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Show every step applying the manifests would take, without writing anything.
    Plan {
        /// Manifests: files, directories (recursively), multi-document streams, `List`s, `-` for stdin.
        #[arg(short = 'f', long = "filename", required = true)]
        files: Vec<String>,
        /// Exit 0 when nothing would change, 2 when something would.
        #[arg(long)]
        detailed_exitcode: bool,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Unified diff of each manifest's object: live against what apply would make it.
    Diff {
        /// Manifests: files, directories (recursively), multi-document streams, `List`s, `-` for stdin.
        #[arg(short = 'f', long = "filename", required = true)]
        files: Vec<String>,
    },
    /// List objects (kubectl's columns).
    #[command(after_help = GET_EXAMPLES)]
    Get {
        /// KIND [NAME…], KIND,KIND… (e.g. `rs,deploy`), `all`, or TYPE/NAME… (e.g. `deploy/x rs/y`).
        #[arg(required = true, value_name = "TYPE[.GROUP][,TYPE…] [NAME…] | TYPE/NAME…")]
        args: Vec<String>,
        /// Label selector (`app=x`, `env in (a,b)`, `!legacy`, comma-ANDed).
        #[arg(short = 'l', long)]
        selector: Option<String>,
        /// Field selector: `metadata.name`, `metadata.namespace`, and for pods `status.phase`,
        /// `spec.nodeName`, `spec.restartPolicy`, `spec.schedulerName`, `status.podIP`, … with
        /// `=`, `==` or `!=`, comma-ANDed.
        #[arg(long)]
        field_selector: Option<String>,
        /// Output format: wide, yaml, json, name, jsonpath=TEMPLATE, jsonpath-file=FILE,
        /// custom-columns=HEADER:PATH,…, custom-columns-file=FILE.
        #[arg(short = 'o', long = "output", value_parser = crate::get::Output::parse)]
        output: Option<crate::get::Output>,
        /// List the objects of every namespace (adds a NAMESPACE column).
        #[arg(short = 'A', long)]
        all_namespaces: bool,
        /// Add a LABELS column with every label.
        #[arg(long)]
        show_labels: bool,
        /// Leave out the header row (tables and custom columns).
        #[arg(long)]
        no_headers: bool,
        /// Sort by a JSONPath field (`.metadata.name`, `{.status.startTime}`): numbers by value,
        /// quantities by amount, other strings in natural order.
        #[arg(long)]
        sort_by: Option<String>,
        /// Add a column per label key (repeat, or comma-separate: `-L app,tier`).
        #[arg(short = 'L', long = "label-columns", value_delimiter = ',')]
        label_columns: Vec<String>,
        /// Replay, as kubectl's watch prints them, the objects as the most recent reconciling
        /// command found them, then every write it made to them, in order; then exit.
        #[arg(short = 'w', long)]
        watch: bool,
        /// Like `--watch`, without the list of the objects as they were found.
        #[arg(long)]
        watch_only: bool,
        /// With `--watch`: an EVENT column (ADDED, MODIFIED, DELETED).
        #[arg(long)]
        output_watch_events: bool,
    },
    /// Show objects in detail, with their events (`describe KIND [NAME…]` or `describe TYPE/NAME…`).
    Describe {
        /// KIND [NAME…] or TYPE/NAME…; with no name, every object of the kind in the namespace.
        #[arg(required = true, value_name = "TYPE [NAME…] | TYPE/NAME…")]
        args: Vec<String>,
    },
    /// Where the scheduler would place a pod and why: each node's filter verdict and score per
    /// plugin (a bound pod is explained as if it were pending again).
    #[command(
        name = "explain-placement",
        after_help = "Examples:\n  konverge explain-placement pod/myapp-7d4b9\n  konverge explain-placement pod web-0 -n shop"
    )]
    ExplainPlacement {
        /// pod/NAME or pod NAME.
        #[arg(required = true, value_name = "pod/NAME | pod NAME")]
        target: Vec<String>,
    },
    /// Set the replicas of a ReplicaSet, ReplicationController, Deployment or StatefulSet.
    #[command(
        after_help = "Examples:\n  konverge scale rs/myapp --replicas=5\n  konverge scale deployment myapp --replicas=0"
    )]
    Scale {
        /// KIND/NAME or KIND NAME.
        #[arg(required = true, value_name = "KIND/NAME | KIND NAME")]
        target: Vec<String>,
        /// The new number of replicas (0 or more).
        #[arg(long)]
        replicas: i64,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Change a workload (`set image KIND/NAME CONTAINER=IMAGE…`).
    Set {
        #[command(subcommand)]
        what: SetCommand,
    },
    /// JSON merge patch of an object.
    #[command(
        after_help = "Example:\n  konverge patch deployment myapp -p '{\"spec\":{\"minReadySeconds\":10}}'"
    )]
    Patch {
        /// KIND/NAME or KIND NAME.
        #[arg(required = true, value_name = "KIND/NAME | KIND NAME")]
        target: Vec<String>,
        /// The merge patch, as JSON.
        #[arg(short = 'p', long)]
        patch: String,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Delete objects by name, label selector, `--all`, or manifest.
    #[command(after_help = DELETE_EXAMPLES)]
    Delete {
        /// KIND NAME…, KIND (with -l or --all), or TYPE/NAME….
        #[arg(value_name = "TYPE [NAME…] | TYPE/NAME…")]
        target: Vec<String>,
        /// Delete the objects of KIND this label selector matches.
        #[arg(short = 'l', long)]
        selector: Option<String>,
        /// Delete every object of KIND in the namespace.
        #[arg(long)]
        all: bool,
        /// Delete the objects these manifests name (files, directories, `-` for stdin).
        #[arg(short = 'f', long = "filename")]
        files: Vec<String>,
        /// background (default), foreground or orphan; `false` is the old spelling of orphan.
        #[arg(long, default_value = "background")]
        cascade: String,
        /// A name that does not exist is not an error.
        #[arg(long)]
        ignore_not_found: bool,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Add, remove, fail or recover a node.
    Node {
        #[command(subcommand)]
        what: NodeCommand,
    },
    /// Move the clock forward and run what falls due.
    #[command(after_help = "Examples:\n  konverge advance 90s\n  konverge advance 1h30m")]
    Advance {
        /// How far: `90s`, `15m`, `2h`, `1h30m`, `1d`.
        duration: String,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Reconcile the current state with no new input.
    Run {
        #[command(flatten)]
        run: RunArgs,
    },
    /// Watch or undo the rollout of a Deployment, DaemonSet or StatefulSet; pause or resume a Deployment's.
    Rollout {
        #[command(subcommand)]
        what: RolloutCommand,
    },
    /// Create an object from the command line.
    Create {
        #[command(subcommand)]
        what: CreateCommand,
    },
    /// The kinds konverge knows (and those the state's CRDs register), as kubectl lists them.
    ApiResources,
    /// konverge's version, in kubectl's words.
    Version {
        /// Accepted for kubectl's sake: there is no server, only the state file.
        #[arg(long)]
        client: bool,
    },
}

const GET_EXAMPLES: &str = "Examples:
  konverge get pods
  konverge get pods -o wide --show-labels
  konverge get rs,deploy
  konverge get all
  konverge get deploy/myapp rs/myapp-6c9f8d7b5d
  konverge get pods -l app=myapp -L app,release --sort-by=.metadata.creationTimestamp
  konverge get pods --field-selector status.phase=Running,spec.nodeName=k8s-node1
  konverge get pods -o custom-columns=Name:metadata.name,Image:spec.containers[0].image
  konverge get pods -o jsonpath='{range .items[*]}{.metadata.name}{\"\\t\"}{.status.phase}{\"\\n\"}{end}'
  konverge get pods --no-headers -o name";

const DELETE_EXAMPLES: &str = "Examples:
  konverge delete pod myapp-x7k2p
  konverge delete rs/myapp deploy/web
  konverge delete pods -l app=myapp
  konverge delete pods --all
  konverge delete deploy myapp --cascade=orphan
  konverge delete -f manifests/";

#[derive(Subcommand, Debug)]
pub enum CreateCommand {
    /// `create job NAME --from=cronjob/CRONJOB`: run a CronJob's job template now.
    Job {
        /// The new Job's name.
        name: String,
        /// The CronJob whose job template the Job is made from (`cronjob/NAME`).
        #[arg(long)]
        from: String,
        #[command(flatten)]
        run: RunArgs,
    },
}

#[derive(Subcommand, Debug)]
pub enum RolloutCommand {
    /// Where the rollout stands (kubectl's messages); exit 1 unless it is complete.
    Status {
        /// KIND/NAME (`deployment/x`, `ds/x`, `sts/x`).
        target: String,
        /// Also draw old / new / available pods per step of the last run.
        #[arg(long)]
        timeline: bool,
    },
    /// Revisions and their change causes, or one revision's pod template.
    History {
        /// KIND/NAME (`deployment/x`, `ds/x`, `sts/x`).
        target: String,
        /// Show this revision's pod template.
        #[arg(long)]
        revision: Option<i64>,
    },
    /// Roll back to the previous revision, or to `--to-revision`.
    Undo {
        /// KIND/NAME (`deployment/x`, `ds/x`, `sts/x`).
        target: String,
        /// The revision to roll back to (0: the previous one).
        #[arg(long, default_value_t = 0)]
        to_revision: i64,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Stop rolling out template changes (scaling still happens).
    Pause {
        /// KIND/NAME (`deployment/x`, `ds/x`, `sts/x`).
        target: String,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Roll out again.
    Resume {
        /// KIND/NAME (`deployment/x`, `ds/x`, `sts/x`).
        target: String,
        #[command(flatten)]
        run: RunArgs,
    },
}

#[derive(Subcommand, Debug)]
pub enum SetCommand {
    /// `set image KIND/NAME CONTAINER=IMAGE…` (or `KIND NAME CONTAINER=IMAGE…`)
    #[command(
        after_help = "Examples:\n  konverge set image deployment/deploy-demo myapp=ikubernetes/myapp:v2\n  konverge set image rs myapp '*=ikubernetes/myapp:v3'"
    )]
    Image {
        /// KIND/NAME (or KIND, with NAME as the next argument).
        target: String,
        /// CONTAINER=IMAGE pairs (`*` for every container).
        images: Vec<String>,
        #[command(flatten)]
        run: RunArgs,
    },
}

#[derive(Subcommand, Debug)]
pub enum NodeCommand {
    /// Add a Ready node.
    Add {
        /// The node's name (also its `kubernetes.io/hostname` label).
        name: String,
        /// Labels, `k=v,k2=v2`.
        #[arg(long)]
        labels: Option<String>,
        /// CPU capacity and allocatable.
        #[arg(long, default_value = "4")]
        cpu: String,
        /// Memory capacity and allocatable.
        #[arg(long, default_value = "8Gi")]
        memory: String,
        /// How many pods the node may run.
        #[arg(long, default_value = "110")]
        pods: String,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Remove a node (its pods are garbage-collected).
    Remove {
        /// The node's name.
        name: String,
        #[command(flatten)]
        run: RunArgs,
    },
    /// The node's kubelet stops reporting: Ready becomes Unknown.
    Fail {
        /// The node's name.
        name: String,
        #[command(flatten)]
        run: RunArgs,
    },
    /// The node is Ready again.
    Recover {
        /// The node's name.
        name: String,
        #[command(flatten)]
        run: RunArgs,
    },
}

/// How a command ended, for the exit code.
pub enum Exit {
    Ok,
    /// `plan --detailed-exitcode` with changes, `diff` with differences.
    Changes(i32),
    /// No convergence (max steps or cycle).
    NotConverged,
    /// Converged to an unhealthy state under `--require-healthy`.
    Unhealthy,
}

const USER: &str = "kubectl";

/// The kinds that serve a `scale` subresource (what `scale` patches).
const SCALABLE: &[&str] = &["Deployment", "ReplicaSet", "ReplicationController", "StatefulSet"];

/// Run one command. It is the process's last work: a reconciling command leaves the memory of
/// its state and trace to the operating system instead of freeing them (see `mutate_for`).
pub fn run(cli: Cli) -> Result<Exit> {
    let ns = cli.namespace.clone().unwrap_or_else(|| "default".to_string());
    let read = ReadOptions {
        namespace: ns.clone(),
        namespace_given: cli.namespace.is_some(),
        validation: cli.validate,
    };
    match cli.command {
        Command::Apply { files, run } => mutate(&cli.state, &run, |s| {
            let manifests = load_manifests(&files, &read, s)?;
            apply_actions(s, &manifests)
        }),
        Command::Plan { files, detailed_exitcode, run } => {
            let mut s = state::load(&cli.state)?;
            let manifests = load_manifests(&files, &read, &s)?;
            let (actions, messages) = apply_actions(&s, &manifests)?;
            // kubectl's words for a change that is not made: `deployment.apps/x created (dry run)`.
            let messages: Vec<String> = messages.into_iter().map(|m| format!("{m} (dry run)")).collect();
            let trace = driver::run(&mut s, actions, &options(&run));
            let verdict = health::verdict(&s);
            print_run(&run, &messages, &trace, &verdict)?;
            Ok(match run_exit(&run, &trace, &verdict) {
                Exit::Ok if detailed_exitcode && trace.changed() => Exit::Changes(2),
                exit => exit,
            })
        }
        Command::Diff { files } => diff(&cli.state, &files, &read),
        Command::Get {
            args,
            selector,
            field_selector,
            output,
            all_namespaces,
            show_labels,
            no_headers,
            sort_by,
            label_columns,
            watch,
            watch_only,
            output_watch_events,
        } => {
            // Only the kinds asked for are parsed: reading one object of a large state costs
            // its kind's share of the file, not the whole file.
            let file = state::StateText::read(&cli.state)?;
            let crds = file.parse_kinds(&|k| k == "CustomResourceDefinition")?;
            let (requests, several) = get::requests(&args, |t| kind_in(&crds, t))?;
            drop(crds);
            if watch || watch_only {
                let s = file.parse()?;
                let [request] = requests.as_slice() else {
                    bail!("you may only specify a single resource type");
                };
                let wide = match output {
                    None | Some(get::Output::Table) => false,
                    Some(get::Output::Wide) => true,
                    Some(_) => bail!("--watch replays tables only: the default output or -o wide"),
                };
                let selector = selector
                    .as_deref()
                    .map(crate::selector::Selector::parse)
                    .transpose()
                    .map_err(|e| anyhow!("unable to parse requirement: {}: {}", e.field, e.message))?;
                let query = crate::watch::Query {
                    info: request.info,
                    namespace: (!all_namespaces && request.info.namespaced).then_some(ns.as_str()),
                    names: &request.names,
                    selector: selector.as_ref(),
                    wide,
                    watch_only,
                    output_events: output_watch_events,
                };
                print!("{}", crate::watch::replay(&s, &query)?);
                return Ok(Exit::Ok);
            }
            let kinds: Vec<&str> = requests.iter().map(|r| r.info.kind).collect();
            let mut s = file.parse_kinds(&|k| kinds.contains(&k))?;
            if requests.iter().any(|r| r.info.kind == "Namespace") {
                crate::namespaces::with_builtins(&mut s);
            }
            let options = get::Options {
                output,
                selector,
                field_selector,
                namespace: (!all_namespaces).then_some(ns),
                show_labels,
                no_headers,
                sort_by,
                label_columns,
            };
            let printed = get::get(&s, &requests, several, &options)?;
            print!("{}", printed.stdout);
            if let Some(note) = printed.note {
                eprintln!("{note}");
            }
            match printed.missing.split_last() {
                None => Ok(Exit::Ok),
                Some((last, others)) => {
                    for e in others {
                        eprintln!("{}", error_line(e));
                    }
                    Err(anyhow!("{last:#}"))
                }
            }
        }
        Command::Describe { args } => {
            let s = state::load(&cli.state)?;
            let (requests, _) = get::requests(&args, |t| kind_in(&s, t))?;
            let mut first = true;
            for r in &requests {
                let names: Vec<String> = if r.names.is_empty() {
                    s.values_of(r.info.kind, namespace_of(r.info, Some(&ns)))
                        .iter()
                        .map(|o| model::name(o).to_string())
                        .collect()
                } else {
                    r.names.clone()
                };
                for n in &names {
                    let key = key_of(r.info, &ns, n);
                    let obj = s.lookup(&key).ok_or_else(|| get::not_found(r.info, n))?;
                    if !first {
                        println!();
                    }
                    first = false;
                    print!("{}", describe::describe(&s, &key, &obj));
                }
            }
            Ok(Exit::Ok)
        }
        Command::ExplainPlacement { target } => {
            let (info, name) = target_of(&target)?;
            if info.kind != "Pod" {
                bail!("explain-placement explains pods, not {}", info.plural);
            }
            let mut s = state::load(&cli.state)?;
            let key = existing(&s, info, &ns, &name)?;
            let bound_to = s.objects.get(&key).map(|p| model::str_at(p, &["spec", "nodeName"]).to_string());
            let bound_to = bound_to.filter(|n| !n.is_empty());
            if bound_to.is_some() {
                // As if pending again: unbound, its room on the node free.
                if let Some(pod) = s.objects.get_mut(&key) {
                    if let Some(spec) = pod.get_mut("spec").and_then(Value::as_object_mut) {
                        spec.remove("nodeName");
                    }
                    pod["status"] = json!({"phase": "Pending"});
                }
            }
            let facts = facts::Facts::extract(&s);
            let id = facts.id_of(&key);
            let explained = id.and_then(|id| crate::controllers::scheduler::explain(&facts, id)).ok_or_else(|| {
                anyhow!("pod {name:?} is not in the scheduling queue (finished, being deleted, gated, or waiting for its claims)")
            })?;
            print!("{}", render::placement(&key, bound_to.as_deref(), &explained));
            Ok(Exit::Ok)
        }
        Command::Scale { target, replicas, run } => {
            let (info, name) = target_of(&target)?;
            if replicas < 0 {
                bail!("--replicas: must be greater than or equal to 0");
            }
            mutate(&cli.state, &run, |s| {
                let key = existing(s, info, &ns, &name)?;
                if !SCALABLE.contains(&info.kind) {
                    // kubectl patches the `scale` subresource, which these kinds do not serve.
                    bail!("Error from server (NotFound): the server could not find the requested resource");
                }
                let action = Action::new(
                    Change::Scale { key, replicas, patch: None },
                    USER,
                    format!("scale --replicas={replicas}"),
                );
                Ok((vec![action], vec![format!("{}/{name} scaled", model::resource_ref(info.kind))]))
            })
        }
        Command::Set { what: SetCommand::Image { target, images, run } } => {
            // `KIND/NAME C=IMG…` or, as kubectl also takes it, `KIND NAME C=IMG…`.
            let (target, images) = match images.split_first() {
                Some((name, rest)) if !target.contains('/') && !name.contains('=') => {
                    (vec![target, name.clone()], rest.to_vec())
                }
                _ => (vec![target], images),
            };
            let (info, name) = target_of(&target)?;
            mutate(&cli.state, &run, |s| {
                let key = existing(s, info, &ns, &name)?;
                let obj = &s.objects[&key];
                let patch = set_image_patch(obj, &images)?;
                let message = format!("{}/{name} image updated", model::resource_ref(info.kind));
                patched_actions(s, &key, patch, format!("set image {}", images.join(" ")), message)
            })
        }
        Command::Patch { target, patch, run } => {
            let (info, name) = target_of(&target)?;
            let patch: Value = serde_json::from_str(&patch).context("-p: the patch is not valid JSON")?;
            mutate(&cli.state, &run, |s| {
                let key = existing(s, info, &ns, &name)?;
                let message = format!("{}/{name} patched", model::resource_ref(info.kind));
                patched_actions(s, &key, patch.clone(), "patch (merge)".into(), message)
            })
        }
        Command::Delete { target, selector, all, files, cascade, ignore_not_found, run } => {
            let propagation = Propagation::parse(&cascade).ok_or_else(|| {
                anyhow!("--cascade must be background, foreground or orphan (got {cascade:?})")
            })?;
            mutate(&cli.state, &run, |s| {
                let manifests = if files.is_empty() { vec![] } else { load_manifests(&files, &read, s)? };
                let keys = if manifests.is_empty() {
                    let how = if all { Some("") } else { selector.as_deref() };
                    delete_targets(s, &target, how, &ns, ignore_not_found)?
                } else {
                    let mut keys = Vec::new();
                    for m in &manifests {
                        let key = m.key();
                        if s.contains(&key) {
                            keys.push(key);
                        } else if !ignore_not_found {
                            return Err(get::not_found(kind_in(s, &key.kind)?, &key.name));
                        }
                    }
                    keys
                };
                let messages = keys
                    .iter()
                    .map(|k| format!("{} {:?} deleted", model::resource_ref(&k.kind), k.name))
                    .collect();
                let actions = keys
                    .into_iter()
                    .map(|key| {
                        Action::new(
                            Change::Delete { key, propagation },
                            USER,
                            format!("delete --cascade={}", cascade_word(propagation)),
                        )
                    })
                    .collect();
                Ok((actions, messages))
            })
        }
        Command::Node { what } => node(&cli.state, what),
        Command::Advance { duration, run } => {
            let secs = model::parse_duration(&duration).ok_or_else(|| {
                anyhow!("cannot read duration {duration:?} (examples: 90s, 15m, 2h, 1h30m)")
            })?;
            mutate_for(&cli.state, &run, secs, |s| {
                let to = model::move_clock(s.now, secs).ok_or_else(|| {
                    anyhow!("advance {duration}: the clock would leave Kubernetes' time range (years 0001 to 9999)")
                })?;
                Ok((vec![], vec![format!("clock advanced by {duration} to {}", model::fmt_time(to))]))
            })
        }
        Command::Run { run } => mutate(&cli.state, &run, |_| Ok((vec![], vec![]))),
        Command::Rollout { what } => rollout_command(&cli.state, &ns, what),
        Command::ApiResources => {
            let s = state::load(&cli.state)?;
            print!("{}", render::table(&api_resources(&s)));
            Ok(Exit::Ok)
        }
        Command::Version { client: _ } => {
            println!(
                "Client Version: v{} (konverge: kubectl-shaped, simulating the cluster)",
                env!("CARGO_PKG_VERSION")
            );
            println!(
                "Server Version: {} (simulated: the cluster is the state file)",
                crate::defaults::KUBERNETES_VERSION
            );
            Ok(Exit::Ok)
        }
        Command::Create { what: CreateCommand::Job { name, from, run } } => {
            let (info, cron_job) = target_of(std::slice::from_ref(&from))?;
            if info.kind != "CronJob" {
                bail!("from must be an existing cronjob: {from}");
            }
            mutate(&cli.state, &run, |s| {
                let key = existing(s, info, &ns, &cron_job)?;
                let job = job_from_cron_job(&s.objects[&key], &name);
                validate::object(&job).map_err(|e| anyhow!("job {name:?}: {}: {}", e.field, e.message))?;
                if s.objects.contains_key(&ObjKey::of(&job)) {
                    bail!("Error from server (AlreadyExists): jobs.batch {name:?} already exists");
                }
                Ok((
                    vec![Action::new(
                        Change::Create { object: job },
                        USER,
                        format!("create job --from={from}"),
                    )],
                    vec![format!("job.batch/{name} created")],
                ))
            })
        }
    }
}

/// kubectl's `createJobFromCronJob`: the job template's labels and spec, its annotations with
/// `cronjob.kubernetes.io/instantiate: manual`, and a controller reference to the CronJob
/// (without `blockOwnerDeletion`, as kubectl writes it).
fn job_from_cron_job(cron_job: &Value, name: &str) -> Value {
    let mut job = crate::podtemplate::job_from_cron_job(
        cron_job,
        name,
        &[("cronjob.kubernetes.io/instantiate", "manual".to_string())],
    );
    model::obj_mut(&mut job, &["metadata"]).insert(
        "ownerReferences".into(),
        json!([{
            "apiVersion": "batch/v1",
            "kind": "CronJob",
            "name": model::name(cron_job),
            "uid": model::uid(cron_job),
            "controller": true,
        }]),
    );
    job
}

/// The object a `rollout` command names (`KIND/NAME` or `KIND NAME`), of a kind that rolls out.
fn rollout_target(s: &State, ns: &str, target: &str) -> Result<ObjKey> {
    let (info, name) = target_of(&target.split_whitespace().map(str::to_string).collect::<Vec<_>>())?;
    if !crate::rollout::KINDS.contains(&info.kind) {
        bail!(
            "rollout: {} is not supported (supported: {})",
            model::resource_ref(info.kind),
            crate::rollout::KINDS.join(", ")
        );
    }
    existing(s, info, ns, &name)
}

/// `rollout …` for the kinds that roll out (`crate::rollout::KINDS`).
fn rollout_command(path: &std::path::Path, ns: &str, what: RolloutCommand) -> Result<Exit> {
    match what {
        RolloutCommand::Status { target, timeline } => {
            let s = state::load(path)?;
            let key = rollout_target(&s, ns, &target)?;
            if timeline {
                if key.kind != "Deployment" {
                    bail!("--timeline: only Deployments record a rollout timeline");
                }
                let samples = crate::timeline::stored_timeline(&s, &key);
                if samples.is_empty() {
                    println!("deployment {:?}: no rollout recorded yet", key.name);
                } else {
                    print!("{}", render::rollout_chart(&key, &samples, None, render::output_width()));
                }
            }
            let (message, done) = crate::rollout::status(&s.objects[&key])?;
            println!("{message}");
            Ok(if done { Exit::Ok } else { Exit::Changes(1) })
        }
        RolloutCommand::History { target, revision } => {
            let s = state::load(path)?;
            let key = rollout_target(&s, ns, &target)?;
            print!("{}", crate::rollout::history(&s, &key, revision)?);
            Ok(Exit::Ok)
        }
        RolloutCommand::Undo { target, to_revision, run } => mutate(path, &run, |s| {
            let key = rollout_target(s, ns, &target)?;
            let what = format!("{}/{}", model::resource_ref(&key.kind), key.name);
            match crate::rollout::undo_patch(s, &key, to_revision)? {
                None => Ok((
                    vec![],
                    vec![format!(
                        "{what} skipped rollback (current template already matches revision {to_revision})"
                    )],
                )),
                Some((patch, revision)) => Ok((
                    vec![Action::new(
                        Change::Patch { key, patch, precondition: Precondition::None },
                        USER,
                        format!("rollout undo: template of revision {revision}"),
                    )],
                    vec![format!("{what} rolled back")],
                )),
            }
        }),
        RolloutCommand::Pause { target, run } => set_paused(path, ns, &target, &run, true),
        RolloutCommand::Resume { target, run } => set_paused(path, ns, &target, &run, false),
    }
}

/// `rollout pause` / `rollout resume`: set `spec.paused` of a Deployment; kubectl refuses a
/// no-op, and the other kinds (they cannot be paused).
fn set_paused(path: &std::path::Path, ns: &str, target: &str, run: &RunArgs, paused: bool) -> Result<Exit> {
    mutate(path, run, |s| {
        let key = rollout_target(s, ns, target)?;
        let name = &key.name;
        if key.kind != "Deployment" {
            let info = kind_of(&key.kind)?;
            let group = info.served.first().and_then(|v| v.split_once('/')).map_or("", |(g, _)| g);
            bail!(
                "{}.{group} {name:?} {} is not supported",
                info.plural,
                if paused { "pausing" } else { "resuming" }
            );
        }
        let now = model::at(&s.objects[&key], &["spec", "paused"]).and_then(Value::as_bool).unwrap_or(false);
        let word = if paused { "paused" } else { "resumed" };
        if now == paused {
            bail!("deployments.apps {name:?} is already {word}");
        }
        let message = format!("deployment.apps/{name} {word}");
        Ok((
            vec![Action::new(
                Change::Patch {
                    key,
                    patch: json!({"spec": {"paused": if paused { json!(true) } else { Value::Null }}}),
                    precondition: Precondition::None,
                },
                USER,
                format!("rollout {}", if paused { "pause" } else { "resume" }),
            )],
            vec![message],
        ))
    })
}

fn cascade_word(p: Propagation) -> &'static str {
    match p {
        Propagation::Background => "background",
        Propagation::Foreground => "foreground",
        Propagation::Orphan => "orphan",
    }
}

fn options(run: &RunArgs) -> RunOptions {
    RunOptions { steps: run.steps, max_steps: run.max_steps, max_objects: run.max_objects, until: None }
}

/// Read manifests as kubectl sends them, against the custom kinds the state's CRDs register.
fn load_manifests(files: &[String], read: &ReadOptions, s: &State) -> Result<Vec<manifest::Manifest>> {
    let known = crate::crds::Registry::of_state(s);
    let manifests = manifest::load(files, read, &known).map_err(|e: InputError| anyhow!(e))?;
    if read.validation == FieldValidation::Warn {
        for m in &manifests {
            for f in &m.unknown_fields {
                eprintln!(
                    "Warning: unknown field {f:?} in {} ({} document {})",
                    m.key(),
                    m.origin.file,
                    m.origin.doc
                );
            }
        }
    }
    Ok(manifests)
}

/// Lock the state, let `change` turn it into user actions, reconcile, print, save.
fn mutate(
    path: &std::path::Path,
    run: &RunArgs,
    change: impl FnOnce(&mut State) -> Result<(Vec<Action>, Vec<String>)>,
) -> Result<Exit> {
    mutate_for(path, run, 0, change)
}

/// [`mutate`], letting the clock run at least `seconds` (`advance`): everything that happens
/// on the way — timers, and schedules such as a CronJob's runs — happens in order.
fn mutate_for(
    path: &std::path::Path,
    run: &RunArgs,
    seconds: i64,
    change: impl FnOnce(&mut State) -> Result<(Vec<Action>, Vec<String>)>,
) -> Result<Exit> {
    let mut locked = LockedState::open(path)?;
    let (actions, messages) = change(&mut locked.state)?;
    let mut opts = options(run);
    if seconds > 0 {
        opts.until = Some(locked.state.now.saturating_add(seconds));
    }
    let trace = driver::run(&mut locked.state, actions, &opts);
    locked.save()?;
    let verdict = health::verdict(&locked.state);
    print_run(run, &messages, &trace, &verdict)?;
    let exit = run_exit(run, &trace, &verdict);
    // The process ends here. Freeing a large state object by object, and the trace action by
    // action, took a tenth of a `run` with nothing to do; the operating system takes it back
    // at once.
    std::mem::forget(std::mem::take(&mut locked.state));
    std::mem::forget(trace);
    Ok(exit)
}

/// The command line as typed, less `--state PATH`: what a rollout timeline says it came from.
fn invocation() -> String {
    let mut words = vec!["konverge".to_string()];
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--state" {
            args.next();
        } else if !a.starts_with("--state=") {
            words.push(a);
        }
    }
    words.join(" ")
}

/// A reconciling command's exit: 3 without convergence, 4 for an unhealthy end under
/// `--require-healthy`, else 0.
fn run_exit(run: &RunArgs, trace: &Trace, verdict: &health::Verdict) -> Exit {
    match &trace.outcome {
        Outcome::MaxSteps | Outcome::Cycle { .. } | Outcome::OverBudget(_) => Exit::NotConverged,
        Outcome::Converged if run.require_healthy && !verdict.healthy() => Exit::Unhealthy,
        _ => Exit::Ok,
    }
}

fn print_run(run: &RunArgs, messages: &[String], trace: &Trace, verdict: &health::Verdict) -> Result<()> {
    if run.output == Some(TraceFormat::Json) {
        let mut out = render::trace_json(trace);
        out["health"] = health::json(verdict);
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        for m in messages {
            println!("{m}");
        }
        print!("{}", render::trace_text(trace));
        let command = invocation();
        for (key, samples) in trace.timelines.iter().filter(|(_, s)| crate::timeline::rolled_out(s)) {
            print!("{}", render::rollout_chart(key, samples, Some(&command), render::output_width()));
        }
        print!("{}", health::text(verdict, trace.converged()));
    }
    Ok(())
}

/// User actions for applying manifests, and kubectl's one-line messages.
fn apply_actions(s: &State, manifests: &[manifest::Manifest]) -> Result<(Vec<Action>, Vec<String>)> {
    admission(s, manifests)?;
    let mut actions = Vec::new();
    let mut messages = Vec::new();
    for m in crate::ordering::apply_order(manifests).into_iter().map(|i| &manifests[i]) {
        let key = m.key();
        let what = format!("{}/{}", model::resource_ref(&key.kind), key.name);
        match apply::plan_apply(&m.object, s.lookup(&key).as_deref()) {
            Applied::Create(object) => {
                actions.push(Action::new(Change::Create { object }, USER, "apply: new object"));
                messages.push(format!("{what} created"));
            }
            Applied::Configure(patch) => {
                actions.push(Action::new(
                    Change::Patch { key, patch, precondition: Precondition::None },
                    USER,
                    "apply: manifest changed",
                ));
                messages.push(format!("{what} configured"));
            }
            Applied::Unchanged => messages.push(format!("{what} unchanged")),
        }
    }
    Ok((actions, messages))
}

/// What the API server refuses of an apply only once it sees the cluster: objects in
/// namespaces that do not exist (NamespaceLifecycle) and changes to immutable fields.
fn admission(s: &State, manifests: &[manifest::Manifest]) -> Result<()> {
    crate::namespaces::admit_manifests(s, manifests).map_err(|e| anyhow!(e))?;
    // Priority admission, in the order the apply creates objects (a PriorityClass first).
    let order = crate::ordering::apply_order(manifests);
    let admitted = order.iter().map(|&i| &manifests[i]).filter(|m| {
        let kind = model::str_at(&m.object, &["kind"]);
        kind == "PriorityClass" || (kind == "Pod" && !s.objects.contains_key(&m.key()))
    });
    let checked: Vec<&manifest::Manifest> = admitted.collect();
    crate::priority::admit_manifests(s, checked.iter().map(|m| &m.object)).map_err(|(i, message)| {
        let m = checked[i];
        let key = m.key();
        anyhow!(InputError {
            origin: m.origin.clone(),
            object: Some(format!("{} {}", key.kind, key.name)),
            field: if key.kind == "Pod" { "spec.priorityClassName".into() } else { "globalDefault".into() },
            message,
        })
    })?;
    for m in manifests {
        let key = m.key();
        let Some(live) = s.lookup(&key) else { continue };
        if let Applied::Configure(patch) = apply::plan_apply(&m.object, Some(&live)) {
            let mut after = live.as_ref().clone();
            json_patch::merge(&mut after, &patch);
            validate::update(&live, &after).map_err(|e| {
                anyhow!(InputError {
                    origin: m.origin.clone(),
                    object: Some(format!("{} {}", key.kind, key.name)),
                    field: e.field,
                    message: e.message,
                })
            })?;
        }
    }
    Ok(())
}

/// A patch as a user action, after checking the object it would make is still valid.
fn patched_actions(
    s: &State,
    key: &ObjKey,
    patch: Value,
    reason: String,
    message: String,
) -> Result<(Vec<Action>, Vec<String>)> {
    let live = s.lookup(key).ok_or_else(|| anyhow!("{key} not found"))?;
    let mut after = live.as_ref().clone();
    json_patch::merge(&mut after, &patch);
    let mut checked = after.clone();
    validate::manifest(&mut checked, FieldValidation::Strict)
        .and_then(|_| validate::update(&live, &after))
        .map_err(|e| anyhow!("The {} {:?} is invalid: {}: {}", key.kind, key.name, e.field, e.message))?;
    if after == *live {
        return Ok((
            vec![],
            vec![format!("{} (no change)", message.rsplit_once(' ').map_or(message.as_str(), |(a, _)| a))],
        ));
    }
    Ok((
        vec![Action::new(
            Change::Patch { key: key.clone(), patch, precondition: Precondition::None },
            USER,
            reason,
        )],
        vec![message],
    ))
}

fn set_image_patch(obj: &Value, images: &[String]) -> Result<Value> {
    if images.is_empty() {
        bail!("set image: give at least one CONTAINER=IMAGE");
    }
    let containers_path =
        if model::str_at(obj, &["kind"]) == "Pod" { vec!["spec"] } else { vec!["spec", "template", "spec"] };
    let mut containers: Vec<Value> = model::at(obj, &[containers_path.as_slice(), &["containers"]].concat())
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for pair in images {
        let (name, image) =
            pair.split_once('=').ok_or_else(|| anyhow!("set image: {pair:?} is not CONTAINER=IMAGE"))?;
        let mut found = false;
        for c in containers.iter_mut().filter(|c| name == "*" || model::str_at(c, &["name"]) == name) {
            c["image"] = json!(image);
            found = true;
        }
        if !found {
            bail!("unable to find container named {name:?}");
        }
    }
    let mut patch = json!({});
    model::obj_mut(&mut patch, &containers_path).insert("containers".into(), Value::Array(containers));
    Ok(patch)
}

/// A kind as typed, among konverge's own, every kind the API server serves, and the custom
/// kinds the state's CRDs register.
pub(crate) fn kind_in(s: &State, typed: &str) -> Result<&'static KindInfo> {
    if let Some(info) = resolve_kind(typed) {
        return Ok(info);
    }
    if let Some(info) = crate::validate::schema::resolve_builtin(typed) {
        return Ok(info);
    }
    match crate::crds::Registry::of_state(s).resolve(typed) {
        Some(custom) => Ok(custom.info()),
        None => kind_of(typed),
    }
}

fn kind_of(typed: &str) -> Result<&'static KindInfo> {
    resolve_kind(typed).ok_or_else(|| anyhow!("the server doesn't have a resource type {typed:?}"))
}

/// `KIND/NAME` or `KIND NAME`.
fn target_of(args: &[String]) -> Result<(&'static KindInfo, String)> {
    match args {
        [one] => {
            let (k, n) =
                one.split_once('/').ok_or_else(|| anyhow!("expected KIND/NAME or KIND NAME, got {one:?}"))?;
            Ok((kind_of(k)?, n.to_string()))
        }
        [k, n] => Ok((kind_of(k)?, n.clone())),
        _ => bail!("expected KIND/NAME or KIND NAME"),
    }
}

fn namespace_of<'a>(info: &KindInfo, ns: Option<&'a str>) -> Option<&'a str> {
    if info.namespaced {
        ns
    } else {
        Some("")
    }
}

fn key_of(info: &KindInfo, ns: &str, name: &str) -> ObjKey {
    ObjKey::new(info.kind, if info.namespaced { ns } else { "" }, name)
}

fn existing(s: &State, info: &KindInfo, ns: &str, name: &str) -> Result<ObjKey> {
    let key = key_of(info, ns, name);
    if s.contains(&key) {
        Ok(key)
    } else {
        Err(get::not_found(info, name))
    }
}

/// What `delete` names: `KIND NAME…`, `TYPE/NAME…`, or every object of KIND a selector
/// matches (`-l`; `--all` is the empty selector).
fn delete_targets(
    s: &State,
    target: &[String],
    selector: Option<&str>,
    ns: &str,
    ignore_not_found: bool,
) -> Result<Vec<ObjKey>> {
    if target.is_empty() {
        bail!("You must provide one or more resources by argument or filename.");
    }
    let (requests, _) = get::requests(target, |t| kind_in(s, t))?;
    let mut keys = Vec::new();
    if let Some(sel) = selector {
        let sel = Selector::parse(sel)
            .map_err(|e| anyhow!("unable to parse requirement: {}: {}", e.field, e.message))?;
        for r in requests.iter().filter(|r| r.names.is_empty()) {
            for obj in s.values_of(r.info.kind, namespace_of(r.info, Some(ns))) {
                if sel.matches(&model::labels(&obj)) {
                    keys.push(ObjKey::of(&obj));
                }
            }
        }
        if keys.is_empty() {
            eprintln!("No resources found");
        }
    } else if requests.iter().any(|r| r.names.is_empty()) {
        bail!("resource(s) were provided, but no name was specified");
    }
    for r in &requests {
        for n in &r.names {
            match existing(s, r.info, ns, n) {
                Ok(k) => keys.push(k),
                Err(e) if !ignore_not_found => return Err(e),
                Err(_) => {}
            }
        }
    }
    Ok(keys)
}

/// `api-resources`: NAME SHORTNAMES APIVERSION NAMESPACED KIND, one row per served version,
/// the core group first and then the groups in the API server's order.
fn api_resources(s: &State) -> Vec<Vec<String>> {
    const GROUP_ORDER: &[&str] =
        &["", "apps", "events.k8s.io", "batch", "networking.k8s.io", "storage.k8s.io"];
    let custom = crate::crds::Registry::of_state(s);
    let mut infos: Vec<&KindInfo> = model::KINDS.iter().collect();
    for crd in s.of_kind("CustomResourceDefinition", None) {
        let group = model::str_at(crd, &["spec", "group"]);
        if let Some(k) =
            custom.resolve(&format!("{}.{group}", model::str_at(crd, &["spec", "names", "plural"])))
        {
            infos.push(k.info());
        }
    }
    let mut rows: Vec<(usize, String, String, Vec<String>)> = Vec::new();
    for info in infos {
        for version in info.served {
            let group = version.rsplit_once('/').map_or("", |(g, _)| g);
            let rank = GROUP_ORDER.iter().position(|g| *g == group).unwrap_or(GROUP_ORDER.len());
            rows.push((
                rank,
                group.to_string(),
                info.plural.to_string(),
                vec![
                    info.plural.to_string(),
                    info.short.join(","),
                    version.to_string(),
                    printers::bool_title(info.namespaced).to_lowercase(),
                    info.kind.to_string(),
                ],
            ));
        }
    }
    rows.sort_by(|a, b| (a.0, &a.1, &a.2).cmp(&(b.0, &b.1, &b.2)));
    let header = ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"].map(String::from).to_vec();
    std::iter::once(header).chain(rows.into_iter().map(|r| r.3)).collect()
}

fn diff(path: &std::path::Path, files: &[String], read: &ReadOptions) -> Result<Exit> {
    let s = state::load(path)?;
    let manifests = load_manifests(files, read, &s)?;
    admission(&s, &manifests)?;
    let mut differs = false;
    for m in &manifests {
        let key = m.key();
        let live = s.lookup(&key);
        let live = live.as_deref();
        let mut merged = apply::merged(&m.object, live);
        // As the API server would store it (kubectl diff asks for a dry run).
        crate::defaults::apply(&mut merged);
        if let Some(live) = live.filter(|l| l.get("spec") != merged.get("spec") && key.kind != "Pod") {
            // The API server bumps the generation when the spec changes.
            let generation = model::i64_at(live, &["metadata", "generation"]).unwrap_or(1);
            model::obj_mut(&mut merged, &["metadata"]).insert("generation".into(), json!(generation + 1));
        }
        let live_text = live.map(crate::printers::yaml::to_yaml).unwrap_or_default();
        let merged_text = crate::printers::yaml::to_yaml(&merged);
        if live_text == merged_text {
            continue;
        }
        differs = true;
        let api = model::str_at(&m.object, &["apiVersion"]).replace('/', ".");
        let name = format!(
            "{api}.{}.{}.{}",
            key.kind,
            if key.namespace.is_empty() { "" } else { &key.namespace },
            key.name
        );
        let diff = similar::TextDiff::from_lines(&live_text, &merged_text);
        print!(
            "{}",
            diff.unified_diff().context_radius(3).header(&format!("live/{name}"), &format!("merged/{name}"))
        );
    }
    Ok(if differs { Exit::Changes(1) } else { Exit::Ok })
}

fn node(path: &std::path::Path, what: NodeCommand) -> Result<Exit> {
    match what {
        NodeCommand::Add { name, labels, cpu, memory, pods, run } => {
            let mut label_map = serde_json::Map::new();
            label_map.insert("kubernetes.io/hostname".into(), json!(name));
            for pair in labels.iter().flat_map(|l| l.split(',')).filter(|p| !p.is_empty()) {
                let (k, v) =
                    pair.split_once('=').ok_or_else(|| anyhow!("--labels: {pair:?} is not key=value"))?;
                label_map.insert(k.to_string(), json!(v));
            }
            let node = json!({
                "apiVersion": "v1", "kind": "Node",
                "metadata": {"name": name, "labels": label_map},
                "status": {
                    "allocatable": {"cpu": cpu, "memory": memory, "pods": pods},
                    "capacity": {"cpu": cpu, "memory": memory, "pods": pods},
                    "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status"}],
                },
            });
            validate::object(&node).map_err(|e| anyhow!("node add: {}: {}", e.field, e.message))?;
            mutate(path, &run, |s| {
                if s.get("Node", "", &name).is_some() {
                    bail!("Error from server (AlreadyExists): nodes {name:?} already exists");
                }
                let mut node = node;
                node["status"]["conditions"][0]["lastTransitionTime"] = json!(model::fmt_time(s.now));
                Ok((
                    vec![Action::new(Change::Create { object: node }, USER, "node add")],
                    vec![format!("node/{name} added")],
                ))
            })
        }
        NodeCommand::Remove { name, run } => mutate(path, &run, |s| {
            let key = existing(s, kind_of("node")?, "", &name)?;
            Ok((
                vec![Action::new(
                    Change::Delete { key, propagation: Propagation::Background },
                    USER,
                    "node remove",
                )],
                vec![format!("node/{name} removed")],
            ))
        }),
        NodeCommand::Fail { name, run } => set_node_ready(path, &run, &name, false),
        NodeCommand::Recover { name, run } => set_node_ready(path, &run, &name, true),
    }
}

/// `node fail`: the node's kubelet stops posting status (the node lifecycle controller notices
/// after its grace period); `node recover`: it posts a Ready status again.
fn set_node_ready(path: &std::path::Path, run: &RunArgs, name: &str, ready: bool) -> Result<Exit> {
    mutate(path, run, |s| {
        let key = existing(s, kind_of("node")?, "", name)?;
        let now = model::fmt_time(s.now);
        let mut conditions: Vec<Value> = model::at(&s.objects[&key], &["status", "conditions"])
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if !conditions.iter().any(|c| model::str_at(c, &["type"]) == "Ready") {
            conditions.push(json!({"type": "Ready", "status": "Unknown"}));
        }
        for c in &mut conditions {
            let kind = model::str_at(c, &["type"]).to_string();
            if ready {
                if let Some((status, reason, message)) = kubelet_condition(&kind) {
                    if model::str_at(c, &["status"]) != status {
                        c["lastTransitionTime"] = json!(now);
                    }
                    c["status"] = json!(status);
                    c["reason"] = json!(reason);
                    c["message"] = json!(message);
                    c["lastHeartbeatTime"] = json!(now);
                }
            } else if kind == "Ready" {
                c["lastHeartbeatTime"] = json!(now);
            }
        }
        let kubelet = if ready { Value::Null } else { json!("stopped") };
        let (reason, message) = if ready {
            ("node recover", "recovered")
        } else {
            ("node fail", "failed: kubelet stopped posting status")
        };
        Ok((
            vec![Action::new(
                Change::Patch {
                    key,
                    patch: json!({
                        "metadata": {"annotations": {facts::KNOB_KUBELET: kubelet}},
                        "status": {"conditions": conditions},
                    }),
                    precondition: Precondition::None,
                },
                USER,
                reason,
            )],
            vec![format!("node/{name} {message}")],
        ))
    })
}

/// What a healthy kubelet posts for the conditions it owns: (status, reason, message).
fn kubelet_condition(kind: &str) -> Option<(&'static str, &'static str, &'static str)> {
    match kind {
        "Ready" => Some(("True", "KubeletReady", "kubelet is posting ready status")),
        "MemoryPressure" => {
            Some(("False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"))
        }
        "DiskPressure" => Some(("False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure")),
        "PIDPressure" => Some(("False", "KubeletHasSufficientPID", "kubelet has sufficient PID available")),
        _ => None,
    }
}

/// An error as kubectl prints it: the API server's refusals as they are (`Error from server
/// (NotFound): …`), everything else after one `error: `.
pub fn error_line(e: &anyhow::Error) -> String {
    let text = format!("{e:#}");
    if text.starts_with("Error from server") || text.starts_with("error: ") {
        text
    } else {
        format!("error: {text}")
    }
}
