//! The ReplicaSet and ReplicationController describers.

use super::*;

impl Ctx<'_> {
    pub(super) fn replica_set(&self, w: &mut Out) {
        self.name_namespace(w);
        out!(
            w,
            0,
            "Selector:\t{}\n",
            printers::format_label_selector(model::at(self.obj, &["spec", "selector"]))
        );
        self.labels(w);
        self.annotations(w);
        if let Some(c) = controlled_by(self.obj) {
            out!(w, 0, "Controlled By:\t{c}\n");
        }
        out!(
            w,
            0,
            "Replicas:\t{} current / {} desired\n",
            self.int(&["status", "replicas"]),
            model::replicas(self.obj)
        );
        out!(w, 0, "Pods Status:\t{}\n", self.pods_status());
        pod_template(w, self.template());
        self.conditions_reason_table(w);
        self.events(w);
    }

    pub(super) fn replication_controller(&self, w: &mut Out) {
        self.name_namespace(w);
        let selector = model::at(self.obj, &["spec", "selector"]);
        out!(w, 0, "Selector:\t{}\n", printers::format_labels(selector));
        self.labels(w);
        self.annotations(w);
        out!(
            w,
            0,
            "Replicas:\t{} current / {} desired\n",
            self.int(&["status", "replicas"]),
            model::replicas(self.obj)
        );
        let sel = selector.and_then(|v| Selector::from_map(v).ok());
        out!(w, 0, "Pods Status:\t{}\n", pods_status(self.s, self.obj, sel));
        pod_template(w, self.template());
        self.conditions_reason_table(w);
        self.events(w);
    }
}

#[cfg(test)]
mod tests {
    use crate::describe::test_fixtures::*;

    #[test]
    fn replica_sets_describe_like_kubectl() {
        let s = fixtures();
        assert_lines(
            &describe_in(&s, "ReplicaSet", "default", "myapp"),
            &[
                "Name:         myapp",
                "Namespace:    default",
                "Selector:     app=myapp,release=canary",
                "Labels:       <none>",
                "Annotations:  <none>",
                "Replicas:     4 current / 4 desired",
                "Pods Status:  1 Running / 1 Waiting / 1 Succeeded / 0 Failed",
                "Pod Template:",
                "  Labels:  app=myapp",
                "           release=canary",
                "  Containers:",
                "   myapp-containers:",
                "    Image:         ikubernetes/myapp:v1",
                "    Port:          80/TCP",
                "    Host Port:     0/TCP",
                "    Environment:   <none>",
                "    Mounts:        <none>",
                "  Volumes:         <none>",
                "  Node-Selectors:  <none>",
                "  Tolerations:     <none>",
                "Conditions:",
                "  Type             Status  Reason",
                "  ----             ------  ------",
                "  ReplicaFailure   True    FailedCreate",
                "Events:",
                "  Type    Reason            Age   From                   Message",
                "  ----    ------            ----  ----                   -------",
                "  Normal  SuccessfulCreate  60s   replicaset-controller  Created pod: myapp-x",
            ],
        );
        let s = more_fixtures();
        assert_lines(
            &describe_in(&s, "ReplicaSet", "default", "deploy-demo-78c84d4449"),
            &[
                "Name:           deploy-demo-78c84d4449",
                "Namespace:      default",
                "Selector:       app=deploy-app,pod-template-hash=78c84d4449,release=canary",
                "Labels:         app=deploy-app",
                "                pod-template-hash=78c84d4449",
                "                release=canary",
                "Annotations:    <none>",
                "Controlled By:  Deployment/deploy-demo",
                "Replicas:       0 current / 0 desired",
                "Pods Status:    0 Running / 0 Waiting / 0 Succeeded / 0 Failed",
                "Pod Template:",
                "  Labels:  app=deploy-app",
                "           pod-template-hash=78c84d4449",
                "           release=canary",
                "  Containers:",
                "   myapp:",
                "    Image:         ikubernetes/myapp:v1",
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
        assert_lines(
            &describe_in(&s, "ReplicaSet", "default", "deploy-demo-7c66dbf45b"),
            &[
                "Name:           deploy-demo-7c66dbf45b",
                "Namespace:      default",
                "Selector:       app=deploy-app,pod-template-hash=7c66dbf45b,release=canary",
                "Labels:         app=deploy-app",
                "                pod-template-hash=7c66dbf45b",
                "                release=canary",
                "Annotations:    <none>",
                "Controlled By:  Deployment/deploy-demo",
                "Replicas:       2 current / 2 desired",
                "Pods Status:    0 Running / 0 Waiting / 0 Succeeded / 0 Failed",
                "Pod Template:",
                "  Labels:  app=deploy-app",
                "           pod-template-hash=7c66dbf45b",
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
                "Events:            <none>",
            ],
        );
    }
}
