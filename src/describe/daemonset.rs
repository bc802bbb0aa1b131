//! The DaemonSet describer.

use super::*;

impl Ctx<'_> {
    pub(super) fn daemon_set(&self, w: &mut Out) {
        self.name_namespace(w);
        out!(w, 0, "Selector:\t{}\n", selector_of(self.obj));
        out!(
            w,
            0,
            "Node-Selector:\t{}\n",
            printers::format_labels(model::at(self.obj, &["spec", "template", "spec", "nodeSelector"]))
        );
        self.labels(w);
        self.annotations(w);
        let st = |f: &str| self.int(&["status", f]);
        out!(w, 0, "Desired Number of Nodes Scheduled: {}\n", st("desiredNumberScheduled"));
        out!(w, 0, "Current Number of Nodes Scheduled: {}\n", st("currentNumberScheduled"));
        out!(w, 0, "Number of Nodes Scheduled with Up-to-date Pods: {}\n", st("updatedNumberScheduled"));
        out!(w, 0, "Number of Nodes Scheduled with Available Pods: {}\n", st("numberAvailable"));
        out!(w, 0, "Number of Nodes Misscheduled: {}\n", st("numberMisscheduled"));
        out!(w, 0, "Pods Status:\t{}\n", self.pods_status());
        pod_template(w, self.template());
        self.events(w);
    }
}

#[cfg(test)]
mod tests {
    use crate::describe::test_fixtures::*;

    #[test]
    fn daemon_set_describes_like_kubectl() {
        let s = more_fixtures();
        assert_lines(
            &describe_in(&s, "DaemonSet", "default", "daemset-nginx"),
            &[
                "Name:           daemset-nginx",
                "Namespace:      default",
                "Selector:       app=daem-nginx",
                "Node-Selector:  <none>",
                "Labels:         app=daem-nginx",
                "Annotations:    <none>",
                "Desired Number of Nodes Scheduled: 2",
                "Current Number of Nodes Scheduled: 2",
                "Number of Nodes Scheduled with Up-to-date Pods: 2",
                "Number of Nodes Scheduled with Available Pods: 2",
                "Number of Nodes Misscheduled: 0",
                "Pods Status:  2 Running / 0 Waiting / 0 Succeeded / 0 Failed",
                "Pod Template:",
                "  Labels:  app=daem-nginx",
                "  Containers:",
                "   nginx-pod:",
                "    Image:         nginx:1.12",
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
