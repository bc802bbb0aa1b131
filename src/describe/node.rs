//! The Node describer: taints, lease, conditions, addresses, capacity, system info, and the
//! requests and limits of the pods on it.

use super::*;
use crate::quantity::{pod_requests_and_limits, resource, Amounts, ResourceList};

impl Ctx<'_> {
    pub(super) fn node(&self, w: &mut Out) {
        let node = self.obj;
        out!(w, 0, "Name:\t{}\n", self.key.name);
        let roles = printers::node_roles(node);
        out!(w, 0, "Roles:\t{}\n", if roles.is_empty() { "<none>".to_string() } else { roles.join(",") });
        self.labels(w);
        self.annotations(w);
        self.created(w);
        w.w(0, "Taints:\t");
        let mut taints = list(node, &["spec", "taints"]);
        if taints.is_empty() {
            w.line("<none>");
        }
        let taint_key =
            |t: &Value| format!("{},{}", model::str_at(t, &["effect"]), model::str_at(t, &["key"]));
        taints.sort_by_key(|t| taint_key(t));
        for (i, t) in taints.iter().enumerate() {
            if i != 0 {
                w.w(0, "\t");
            }
            let (k, v, e) =
                (model::str_at(t, &["key"]), model::str_at(t, &["value"]), model::str_at(t, &["effect"]));
            if v.is_empty() {
                out!(w, 0, "{k}:{e}\n");
            } else {
                out!(w, 0, "{k}={v}:{e}\n");
            }
        }
        out!(w, 0, "Unschedulable:\t{}\n", bool_at(node, &["spec", "unschedulable"]));
        self.lease(w);
        timed_conditions(w, &list(node, &["status", "conditions"]), "LastHeartbeatTime", "lastHeartbeatTime");
        w.w(0, "Addresses:\n");
        for a in list(node, &["status", "addresses"]) {
            out!(w, 1, "{}:\t{}\n", model::str_at(a, &["type"]), model::str_at(a, &["address"]));
        }
        for (field, title) in [("capacity", "Capacity"), ("allocatable", "Allocatable")] {
            let res = sorted_resources(model::at(node, &["status", field]));
            if !res.is_empty() {
                out!(w, 0, "{title}:\n");
                for (name, q) in res {
                    out!(w, 0, "  {name}:\t{q}\n");
                }
            }
        }
        w.w(0, "System Info:\n");
        let info = |k: &str| self.str(&["status", "nodeInfo", k]);
        for (label, field) in [
            ("Machine ID", "machineID"),
            ("System UUID", "systemUUID"),
            ("Boot ID", "bootID"),
            ("Kernel Version", "kernelVersion"),
            ("OS Image", "osImage"),
            ("Operating System", "operatingSystem"),
            ("Architecture", "architecture"),
            ("Container Runtime Version", "containerRuntimeVersion"),
            ("Kubelet Version", "kubeletVersion"),
            ("Kube-Proxy Version", "kubeProxyVersion"),
        ] {
            out!(w, 0, "  {label}:\t{}\n", info(field));
        }
        let cidr = self.str(&["spec", "podCIDR"]);
        if !cidr.is_empty() {
            out!(w, 0, "PodCIDR:\t{cidr}\n");
        }
        let cidrs = str_list(node, &["spec", "podCIDRs"]);
        if !cidrs.is_empty() {
            out!(w, 0, "PodCIDRs:\t{}\n", cidrs.join(","));
        }
        let provider = self.str(&["spec", "providerID"]);
        if !provider.is_empty() {
            out!(w, 0, "ProviderID:\t{provider}\n");
        }
        self.node_resources(w);
        self.events(w);
    }

    /// The node's Lease: the stored `kube-node-lease` object if there is one, else the lease a
    /// kubelet holds on its own node (renewed at the Ready condition's last heartbeat).
    pub(super) fn lease(&self, w: &mut Out) {
        w.w(0, "Lease:\n");
        let (holder, acquire, renew) = match self.s.get("Lease", "kube-node-lease", &self.key.name) {
            Some(l) => (
                model::str_at(l, &["spec", "holderIdentity"]).to_string(),
                model::str_at(l, &["spec", "acquireTime"]).to_string(),
                model::str_at(l, &["spec", "renewTime"]).to_string(),
            ),
            None => (
                self.key.name.clone(),
                String::new(),
                model::condition(self.obj, "Ready")
                    .map(|c| model::str_at(c, &["lastHeartbeatTime"]).to_string())
                    .unwrap_or_default(),
            ),
        };
        let time = |t: &str| if t.is_empty() { "<unset>".to_string() } else { rfc1123z(t) };
        out!(w, 1, "HolderIdentity:\t{}\n", if holder.is_empty() { "<unset>" } else { &holder });
        out!(w, 1, "AcquireTime:\t{}\n", time(&acquire));
        out!(w, 1, "RenewTime:\t{}\n", time(&renew));
    }

    /// `describeNodeResource`: the node's non-terminated pods with their requests and limits,
    /// then the totals against the node's allocatable resources.
    pub(super) fn node_resources(&self, w: &mut Out) {
        let node = self.obj;
        let pods: Vec<&Value> = self
            .s
            .of_kind("Pod", None)
            .filter(|p| model::str_at(p, &["spec", "nodeName"]) == self.key.name)
            .filter(|p| !matches!(model::str_at(p, &["status", "phase"]), "Succeeded" | "Failed"))
            .collect();
        let alloc_field = match model::at(node, &["status", "allocatable"]).and_then(Value::as_object) {
            Some(m) if !m.is_empty() => "allocatable",
            _ => "capacity",
        };
        let alloc =
            |name: &str| model::at(node, &["status", alloc_field, name]).map(quantity).unwrap_or_default();
        let alloc_names: Vec<String> = model::at(node, &["status", alloc_field])
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        // float64(x) / float64(y) * 100 converted to int64, as Go does on amd64 (a division by
        // zero yields the minimum int64).
        let pct = |x: i128, y: i128| -> i64 {
            let f = x as f64 / y as f64 * 100.0;
            if f.is_finite() {
                f as i64
            } else {
                i64::MIN
            }
        };
        out!(w, 0, "Non-terminated Pods:\t({} in total)\n", pods.len());
        w.w(1, "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n");
        w.w(1, "---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n");
        let (cpu_alloc, mem_alloc) = (alloc("cpu"), alloc("memory"));
        let mut total_req = ResourceList::new();
        let mut total_lim = ResourceList::new();
        for p in &pods {
            let (req, lim) = pod_requests_and_limits(p);
            let (cr, cl, mr, ml) = (
                resource(&req, "cpu"),
                resource(&lim, "cpu"),
                resource(&req, "memory"),
                resource(&lim, "memory"),
            );
            out!(
                w,
                1,
                "{}\t{}\t\t{cr} ({}%)\t{cl} ({}%)\t{mr} ({}%)\t{ml} ({}%)\t{}\n",
                model::str_at(p, &["metadata", "namespace"]),
                model::name(p),
                pct(cr.milli_value(), cpu_alloc.milli_value()),
                pct(cl.milli_value(), cpu_alloc.milli_value()),
                pct(mr.value(), mem_alloc.value()),
                pct(ml.value(), mem_alloc.value()),
                printers::since(model::str_at(p, &["metadata", "creationTimestamp"]), self.s.now)
            );
            total_req.add(&req);
            total_lim.add(&lim);
        }
        w.w(0, "Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n");
        w.w(1, "Resource\tRequests\tLimits\n");
        w.w(1, "--------\t--------\t------\n");
        let guarded = |x: i128, y: i128| if y == 0 { 0 } else { pct(x, y) };
        for (name, milli) in [("cpu", true), ("memory", false), ("ephemeral-storage", false)] {
            let (r, l, a) = (resource(&total_req, name), resource(&total_lim, name), alloc(name));
            let (rv, lv, av) = if milli {
                (r.milli_value(), l.milli_value(), a.milli_value())
            } else {
                (r.value(), l.value(), a.value())
            };
            out!(w, 1, "{name}\t{r} ({}%)\t{l} ({}%)\n", guarded(rv, av), guarded(lv, av));
        }
        let mut huge: Vec<&String> = alloc_names.iter().filter(|n| n.starts_with("hugepages-")).collect();
        huge.sort();
        for name in huge {
            let (r, l, a) = (resource(&total_req, name), resource(&total_lim, name), alloc(name));
            out!(
                w,
                1,
                "{name}\t{r} ({}%)\t{l} ({}%)\n",
                guarded(r.value(), a.value()),
                guarded(l.value(), a.value())
            );
        }
        let standard = ["cpu", "memory", "ephemeral-storage", "pods", "storage"];
        let mut ext: Vec<&String> = alloc_names
            .iter()
            .filter(|n| {
                !n.starts_with("hugepages-") && !standard.contains(&n.as_str()) && !n.starts_with("requests.")
            })
            .collect();
        ext.sort();
        for name in ext {
            out!(w, 1, "{name}\t{}\t{}\n", resource(&total_req, name), resource(&total_lim, name));
        }
    }
}

fn sorted_resources(v: Option<&Value>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = v
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), quantity_string(v)))
        .collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use crate::describe::test_fixtures::*;

    #[test]
    fn node_describes_like_kubectl() {
        let s = fixtures();
        assert_lines(&describe_in(&s, "Node", "", "k8s-node1"), &[
            "Name:               k8s-node1",
            "Roles:              worker",
            "Labels:             kubernetes.io/hostname=k8s-node1",
            "                    node-role.kubernetes.io/worker=",
            "Annotations:        <none>",
            "CreationTimestamp:  Wed, 01 Jan 2025 00:00:00 +0000",
            "Taints:             dedicated=db:NoExecute",
            "                    node.kubernetes.io/unschedulable:NoSchedule",
            "Unschedulable:      true",
            "Lease:",
            "  HolderIdentity:  k8s-node1",
            "  AcquireTime:     <unset>",
            "  RenewTime:       Wed, 01 Jan 2025 00:00:50 +0000",
            "Conditions:",
            "  Type    Status  LastHeartbeatTime                 LastTransitionTime                Reason         Message",
            "  ----    ------  -----------------                 ------------------                ------         -------",
            "  Ready   True    Wed, 01 Jan 2025 00:00:50 +0000   Wed, 01 Jan 2025 00:00:00 +0000   KubeletReady   kubelet is posting ready status",
            "Addresses:",
            "  InternalIP:  192.168.1.35",
            "  Hostname:    k8s-node1",
            "Capacity:",
            "  cpu:     4",
            "  memory:  8Gi",
            "  pods:    110",
            "Allocatable:",
            "  cpu:     4",
            "  memory:  8Gi",
            "  pods:    110",
            "System Info:",
            "  Machine ID:                 ",
            "  System UUID:                ",
            "  Boot ID:                    ",
            "  Kernel Version:             ",
            "  OS Image:                   Ubuntu 22.04",
            "  Operating System:           ",
            "  Architecture:               amd64",
            "  Container Runtime Version:  ",
            "  Kubelet Version:            v1.30.2",
            "  Kube-Proxy Version:         ",
            "Non-terminated Pods:          (4 in total)",
            "  Namespace                   Name       CPU Requests  CPU Limits  Memory Requests  Memory Limits  Age",
            "  ---------                   ----       ------------  ----------  ---------------  -------------  ---",
            "  default                     myapp-x    250m (6%)     0 (0%)      64Mi (0%)        128Mi (1%)     60s",
            "  default                     myapp-y    250m (6%)     0 (0%)      64Mi (0%)        128Mi (1%)     60s",
            "  default                     other      250m (6%)     0 (0%)      64Mi (0%)        128Mi (1%)     60s",
            "  default                     stray      250m (6%)     0 (0%)      64Mi (0%)        128Mi (1%)     60s",
            "Allocated resources:",
            "  (Total limits may be over 100 percent, i.e., overcommitted.)",
            "  Resource           Requests    Limits",
            "  --------           --------    ------",
            "  cpu                1 (25%)     0 (0%)",
            "  memory             256Mi (3%)  512Mi (6%)",
            "  ephemeral-storage  0 (0%)      0 (0%)",
            "Events:              <none>",
        ]);
    }
}
