//! The Deployment describer, with the old and new ReplicaSets it owns.

use super::*;

/// The label the Deployment controller adds to its ReplicaSets' templates.
const POD_TEMPLATE_HASH: &str = "pod-template-hash";

impl Ctx<'_> {
    pub(super) fn deployment(&self, w: &mut Out) {
        let d = self.obj;
        self.name_namespace(w);
        self.created(w);
        self.labels(w);
        self.annotations(w);
        out!(w, 0, "Selector:\t{}\n", selector_of(d));
        out!(
            w,
            0,
            "Replicas:\t{} desired | {} updated | {} total | {} available | {} unavailable\n",
            model::replicas(d),
            self.int(&["status", "updatedReplicas"]),
            self.int(&["status", "replicas"]),
            self.int(&["status", "availableReplicas"]),
            self.int(&["status", "unavailableReplicas"])
        );
        let strategy = or_default(self.str(&["spec", "strategy", "type"]), "RollingUpdate");
        out!(w, 0, "StrategyType:\t{strategy}\n");
        out!(w, 0, "MinReadySeconds:\t{}\n", self.int(&["spec", "minReadySeconds"]));
        if strategy == "RollingUpdate" {
            let ru = |f: &str| match int_or_string(model::at(d, &["spec", "strategy", "rollingUpdate", f])) {
                v if v.is_empty() => "25%".to_string(),
                v => v,
            };
            out!(
                w,
                0,
                "RollingUpdateStrategy:\t{} max unavailable, {} max surge\n",
                ru("maxUnavailable"),
                ru("maxSurge")
            );
        }
        pod_template(w, self.template());
        self.conditions_reason_table(w);
        let (old, new) = deployment_replica_sets(self.s, d);
        if !old.is_empty() || new.is_some() {
            out!(w, 0, "OldReplicaSets:\t{}\n", replica_sets_created(&old));
            out!(w, 0, "NewReplicaSet:\t{}\n", replica_sets_created(&new.into_iter().collect::<Vec<_>>()));
        }
        self.events(w);
    }
}

/// The ReplicaSets a Deployment owns (matching its selector, controlled by it): the old ones and
/// the new one, whose template equals the Deployment's ignoring `pod-template-hash`.
fn deployment_replica_sets<'a>(s: &'a State, d: &'a Value) -> (Vec<&'a Value>, Option<&'a Value>) {
    let ns = model::str_at(d, &["metadata", "namespace"]);
    let sel = label_selector(d, &["spec", "selector"]);
    let uid = model::uid(d);
    let mut owned: Vec<&'a Value> = s
        .of_kind("ReplicaSet", Some(ns))
        .filter(|rs| sel.as_ref().is_some_and(|sel| sel.matches(&model::labels(rs))))
        .filter(|rs| model::controller_ref(rs).is_some_and(|(_, _, u)| u == uid))
        .collect();
    owned.sort_by(|a, b| {
        let t = |x: &Value| {
            model::parse_time(model::str_at(x, &["metadata", "creationTimestamp"])).unwrap_or(i64::MIN)
        };
        t(a).cmp(&t(b)).then_with(|| model::name(a).cmp(model::name(b)))
    });
    let want = template_without_hash(model::at(d, &["spec", "template"]));
    let new =
        owned.iter().copied().find(|rs| template_without_hash(model::at(rs, &["spec", "template"])) == want);
    let old = owned.into_iter().filter(|rs| new.is_none_or(|n| model::uid(n) != model::uid(rs))).collect();
    (old, new)
}

/// A pod template for comparison: without the `pod-template-hash` label, with nulls and empty
/// maps and lists dropped (Go's semantic equality treats them as unset).
fn template_without_hash(t: Option<&Value>) -> Value {
    fn prune(v: &Value) -> Option<Value> {
        match v {
            Value::Null => None,
            Value::Object(m) => {
                let m: Map<String, Value> =
                    m.iter().filter_map(|(k, v)| prune(v).map(|v| (k.clone(), v))).collect();
                (!m.is_empty()).then_some(Value::Object(m))
            }
            Value::Array(a) => (!a.is_empty())
                .then(|| Value::Array(a.iter().map(|v| prune(v).unwrap_or(Value::Null)).collect())),
            other => Some(other.clone()),
        }
    }
    let mut t = t.cloned().unwrap_or(Value::Null);
    if let Some(labels) = t.pointer_mut("/metadata/labels").and_then(Value::as_object_mut) {
        labels.remove(POD_TEMPLATE_HASH);
    }
    prune(&t).unwrap_or(Value::Null)
}

/// `name (x/y replicas created)`, comma-separated, or `<none>`.
fn replica_sets_created(rss: &[&Value]) -> String {
    if rss.is_empty() {
        return "<none>".into();
    }
    rss.iter()
        .map(|rs| {
            format!(
                "{} ({}/{} replicas created)",
                model::name(rs),
                model::i64_at(rs, &["status", "replicas"]).unwrap_or(0),
                model::replicas(rs)
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::describe::test_fixtures::*;
    use serde_json::json;

    #[test]
    fn deployments_describe_like_kubectl() {
        let s = more_fixtures();
        assert_lines(&describe_in(&s, "Deployment", "default", "deploy-demo"), &[
            "Name:                   deploy-demo",
            "Namespace:              default",
            "CreationTimestamp:      Wed, 01 Jan 2025 00:00:00 +0000",
            "Labels:                 <none>",
            "Annotations:            deployment.kubernetes.io/revision: 2",
            "Selector:               app=deploy-app,release=canary",
            "Replicas:               2 desired | 2 updated | 2 total | 2 available | 0 unavailable",
            "StrategyType:           RollingUpdate",
            "MinReadySeconds:        0",
            "RollingUpdateStrategy:  25% max unavailable, 25% max surge",
            "Pod Template:",
            "  Labels:  app=deploy-app",
            "           release=canary",
            "  Containers:",
            "   myapp:",
            "    Image:         ikubernetes/myapp:v2",
            "    Port:          80/TCP",
            "    Host Port:     0/TCP",
            "    Environment:   <none>",
            "    Mounts:        <none>",
            "  Volumes:         <none>",
            "  Node-Selectors:  <none>",
            "  Tolerations:     <none>",
            "Conditions:",
            "  Type           Status  Reason",
            "  ----           ------  ------",
            "  Available      True    MinimumReplicasAvailable",
            "  Progressing    True    NewReplicaSetAvailable",
            "OldReplicaSets:  deploy-demo-78c84d4449 (0/0 replicas created)",
            "NewReplicaSet:   deploy-demo-7c66dbf45b (2/2 replicas created)",
            "Events:",
            "  Type    Reason             Age    From                   Message",
            "  ----    ------             ----   ----                   -------",
            "  Normal  ScalingReplicaSet  4m13s  deployment-controller  Scaled up replica set deploy-demo-7c66dbf45b to 1",
        ]);
        assert_lines(
            &describe_in(&s, "Deployment", "default", "fresh"),
            &[
                "Name:               fresh",
                "Namespace:          default",
                "CreationTimestamp:  Wed, 01 Jan 2025 00:00:00 +0000",
                "Labels:             <none>",
                "Annotations:        <none>",
                "Selector:           app=fresh",
                "Replicas:           1 desired | 0 updated | 0 total | 0 available | 0 unavailable",
                "StrategyType:       Recreate",
                "MinReadySeconds:    0",
                "Pod Template:",
                "  Labels:  app=fresh",
                "  Containers:",
                "   myapp:",
                "    Image:         nginx",
                "    Port:          80/TCP",
                "    Host Port:     0/TCP",
                "    Environment:   <none>",
                "    Mounts:        <none>",
                "  Volumes:         <none>",
                "  Node-Selectors:  <none>",
                "  Tolerations:     <none>",
                "Events:            <none>",
            ],
        );
    }

    #[test]
    fn new_replica_set_ignores_the_hash_label_and_empty_fields() {
        let a = json!({"metadata": {"labels": {"app": "x", "pod-template-hash": "abc"}, "creationTimestamp": null},
                       "spec": {"containers": [{"name": "c", "image": "i", "env": []}]}});
        let b = json!({"metadata": {"labels": {"app": "x"}}, "spec": {"containers": [{"name": "c", "image": "i"}], "volumes": []}});
        let c = json!({"metadata": {"labels": {"app": "x"}}, "spec": {"containers": [{"name": "c", "image": "j"}]}});
        assert_eq!(template_without_hash(Some(&a)), template_without_hash(Some(&b)));
        assert_ne!(template_without_hash(Some(&a)), template_without_hash(Some(&c)));
    }
}
