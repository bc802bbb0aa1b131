//! The Service describer, with the endpoints of the pods its selector matches.

use super::*;

impl Ctx<'_> {
    pub(super) fn service(&self, w: &mut Out) {
        let svc = self.obj;
        self.name_namespace(w);
        self.labels(w);
        self.annotations(w);
        let selector = model::at(svc, &["spec", "selector"]);
        out!(w, 0, "Selector:\t{}\n", printers::format_labels(selector));
        let kind = printers::service_type(svc);
        out!(w, 0, "Type:\t{kind}\n");
        // The API server gives every Service but an ExternalName one a single-stack IPv4 family
        // and lists its cluster IP in `clusterIPs`.
        let external_name = kind == "ExternalName";
        let policy = match self.str(&["spec", "ipFamilyPolicy"]) {
            "" if !external_name => "SingleStack",
            p => p,
        };
        if !policy.is_empty() {
            out!(w, 0, "IP Family Policy:\t{policy}\n");
        }
        let mut families = str_list(svc, &["spec", "ipFamilies"]);
        if families.is_empty() && !external_name {
            families.push("IPv4".into());
        }
        out!(
            w,
            0,
            "IP Families:\t{}\n",
            if families.is_empty() { "<none>".to_string() } else { families.join(",") }
        );
        let cluster_ip = self.str(&["spec", "clusterIP"]);
        out!(w, 0, "IP:\t{cluster_ip}\n");
        let mut ips = str_list(svc, &["spec", "clusterIPs"]);
        if ips.is_empty() && !cluster_ip.is_empty() {
            ips.push(cluster_ip.to_string());
        }
        out!(w, 0, "IPs:\t{}\n", if ips.is_empty() { "<none>".to_string() } else { ips.join(",") });
        let external = str_list(svc, &["spec", "externalIPs"]);
        if !external.is_empty() {
            out!(w, 0, "External IPs:\t{}\n", external.join(","));
        }
        let lb_ip = self.str(&["spec", "loadBalancerIP"]);
        if !lb_ip.is_empty() {
            out!(w, 0, "Desired LoadBalancer IP:\t{lb_ip}\n");
        }
        let ext_name = self.str(&["spec", "externalName"]);
        if !ext_name.is_empty() {
            out!(w, 0, "External Name:\t{ext_name}\n");
        }
        let ingress: Vec<String> = list(svc, &["status", "loadBalancer", "ingress"])
            .iter()
            .map(|i| match model::str_at(i, &["ip"]) {
                "" => model::str_at(i, &["hostname"]).to_string(),
                ip => ip.to_string(),
            })
            .collect();
        if !ingress.is_empty() {
            out!(w, 0, "LoadBalancer Ingress:\t{}\n", ingress.join(", "));
        }
        let sel = selector.and_then(|v| Selector::from_map(v).ok()).filter(|s| !s.is_empty());
        for p in list(svc, &["spec", "ports"]) {
            let name = or_default(model::str_at(p, &["name"]), "<unset>");
            let proto = printers::protocol(p);
            let port = model::i64_at(p, &["port"]).unwrap_or(0);
            out!(w, 0, "Port:\t{name}\t{port}/{proto}\n");
            let target = match model::at(p, &["targetPort"]) {
                None => port.to_string(),
                t => int_or_string(t),
            };
            out!(w, 0, "TargetPort:\t{target}/{proto}\n");
            let node_port = model::i64_at(p, &["nodePort"]).unwrap_or(0);
            if node_port != 0 {
                out!(w, 0, "NodePort:\t{name}\t{node_port}/{proto}\n");
            }
            out!(w, 0, "Endpoints:\t{}\n", self.endpoints(sel.as_ref(), &target));
        }
        out!(w, 0, "Session Affinity:\t{}\n", or_default(self.str(&["spec", "sessionAffinity"]), "None"));
        let etp = self.str(&["spec", "externalTrafficPolicy"]);
        if !etp.is_empty() || matches!(kind, "NodePort" | "LoadBalancer") {
            out!(w, 0, "External Traffic Policy:\t{}\n", or_default(etp, "Cluster"));
        }
        if kind != "ExternalName" {
            out!(
                w,
                0,
                "Internal Traffic Policy:\t{}\n",
                or_default(self.str(&["spec", "internalTrafficPolicy"]), "Cluster")
            );
        }
        let hc = self.int(&["spec", "healthCheckNodePort"]);
        if hc != 0 {
            out!(w, 0, "HealthCheck NodePort:\t{hc}\n");
        }
        self.events(w);
    }

    /// A Service port's endpoints: `ip:port` of the ready, non-terminating pods its selector
    /// matches (three at most, then `+ N more...`), `<none>` when there are none.
    pub(super) fn endpoints(&self, sel: Option<&Selector>, target: &str) -> String {
        let Some(sel) = sel else { return "<none>".into() };
        let mut addrs: Vec<String> = Vec::new();
        for p in self.s.of_kind("Pod", Some(&self.key.namespace)) {
            let ip = model::str_at(p, &["status", "podIP"]);
            if ip.is_empty()
                || !model::pod_ready(p).0
                || model::at(p, &["metadata", "deletionTimestamp"]).is_some()
                || !sel.matches(&model::labels(p))
            {
                continue;
            }
            let port = if target.parse::<i64>().is_ok() {
                Some(target.to_string())
            } else {
                list(p, &["spec", "containers"])
                    .iter()
                    .flat_map(|c| list(c, &["ports"]))
                    .find(|cp| model::str_at(cp, &["name"]) == target)
                    .and_then(|cp| model::i64_at(cp, &["containerPort"]))
                    .map(|n| n.to_string())
            };
            if let Some(port) = port {
                addrs.push(format!("{ip}:{port}"));
            }
        }
        match addrs.len() {
            0 => "<none>".into(),
            n if n > 3 => format!("{} + {} more...", addrs[..3].join(","), n - 3),
            _ => addrs.join(","),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::describe::test_fixtures::*;

    #[test]
    fn service_describes_like_kubectl() {
        let s = more_fixtures();
        assert_lines(
            &describe_in(&s, "Service", "default", "nginx-svc"),
            &[
                "Name:                     nginx-svc",
                "Namespace:                default",
                "Labels:                   app=nginx-svc",
                "Annotations:              <none>",
                "Selector:                 app=nginx-pod",
                "Type:                     ClusterIP",
                "IP Family Policy:         SingleStack",
                "IP Families:              IPv4",
                "IP:                       None",
                "IPs:                      None",
                "Port:                     http  80/TCP",
                "TargetPort:               80/TCP",
                "Endpoints:                10.244.2.96:80",
                "Session Affinity:         None",
                "Internal Traffic Policy:  Cluster",
                "Events:                   <none>",
            ],
        );
    }
}
