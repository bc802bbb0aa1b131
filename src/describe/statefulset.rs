//! The StatefulSet describer.

use super::*;

impl Ctx<'_> {
    pub(super) fn stateful_set(&self, w: &mut Out) {
        self.name_namespace(w);
        self.created(w);
        out!(w, 0, "Selector:\t{}\n", selector_of(self.obj));
        self.labels(w);
        self.annotations(w);
        out!(
            w,
            0,
            "Replicas:\t{} desired | {} total\n",
            model::replicas(self.obj),
            self.int(&["status", "replicas"])
        );
        let strategy = or_default(self.str(&["spec", "updateStrategy", "type"]), "RollingUpdate");
        out!(w, 0, "Update Strategy:\t{strategy}\n");
        if strategy == "RollingUpdate" {
            // The API server defaults the partition to 0.
            out!(
                w,
                1,
                "Partition:\t{}\n",
                self.int(&["spec", "updateStrategy", "rollingUpdate", "partition"])
            );
            if let Some(mu) =
                model::at(self.obj, &["spec", "updateStrategy", "rollingUpdate", "maxUnavailable"])
            {
                out!(w, 1, "MaxUnavailable:\t{}\n", int_or_string(Some(mu)));
            }
        }
        out!(w, 0, "Pods Status:\t{}\n", self.pods_status());
        pod_template(w, self.template());
        let claims = list(self.obj, &["spec", "volumeClaimTemplates"]);
        if claims.is_empty() {
            w.w(0, "Volume Claims:\t<none>\n");
        } else {
            w.w(0, "Volume Claims:\n");
            for c in claims {
                out!(w, 1, "Name:\t{}\n", model::str_at(c, &["metadata", "name"]));
                out!(w, 1, "StorageClass:\t{}\n", printers::volume_class(c));
                labels_multiline(w, "  ", "Labels", model::at(c, &["metadata", "labels"]));
                labels_multiline(w, "  ", "Annotations", model::at(c, &["metadata", "annotations"]));
                match model::at(c, &["spec", "resources", "requests", "storage"]) {
                    Some(q) => out!(w, 1, "Capacity:\t{}\n", quantity_string(q)),
                    None => w.w(1, "Capacity:\t<default>\n"),
                }
                out!(w, 1, "Access Modes:\t{}\n", go_slice(&str_list(c, &["spec", "accessModes"])));
            }
        }
        self.events(w);
    }
}

#[cfg(test)]
mod tests {
    use crate::describe::test_fixtures::*;

    #[test]
    fn stateful_set_describes_like_kubectl() {
        let s = more_fixtures();
        assert_lines(
            &describe_in(&s, "StatefulSet", "default", "nginx-statefulset"),
            &[
                "Name:               nginx-statefulset",
                "Namespace:          default",
                "CreationTimestamp:  Wed, 01 Jan 2025 00:00:00 +0000",
                "Selector:           app=nginx-pod",
                "Labels:             <none>",
                "Annotations:        <none>",
                "Replicas:           3 desired | 3 total",
                "Update Strategy:    RollingUpdate",
                "  Partition:        2",
                "Pods Status:        1 Running / 0 Waiting / 0 Succeeded / 0 Failed",
                "Pod Template:",
                "  Labels:  app=nginx-pod",
                "  Containers:",
                "   nginx:",
                "    Image:        nginx:1.12",
                "    Port:         <none>",
                "    Host Port:    <none>",
                "    Environment:  <none>",
                "    Mounts:",
                "      /usr/share/nginx/html from nginxdata (rw)",
                "  Volumes:         <none>",
                "  Node-Selectors:  <none>",
                "  Tolerations:     <none>",
                "Volume Claims:",
                "  Name:          nginxdata",
                "  StorageClass:  ",
                "  Labels:        <none>",
                "  Annotations:   <none>",
                "  Capacity:      5Gi",
                "  Access Modes:  [ReadWriteOnce]",
                "Events:          <none>",
            ],
        );
    }
}
