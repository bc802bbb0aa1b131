//! The Pod describer: status, IPs, containers, readiness gates, conditions, volumes, QoS class,
//! node selectors, tolerations, topology spread constraints; for a pod the scheduler could not
//! place, what it requests against the largest room left on any node (konverge's addition to
//! kubectl's output, before the Events that carry the scheduler's message).

use super::*;

impl Ctx<'_> {
    pub(super) fn pod(&self, w: &mut Out) {
        let pod = self.obj;
        self.name_namespace(w);
        out!(w, 0, "Priority:\t{}\n", self.int(&["spec", "priority"]));
        let pc = self.str(&["spec", "priorityClassName"]);
        if !pc.is_empty() {
            out!(w, 0, "Priority Class Name:\t{pc}\n");
        }
        let rc = self.str(&["spec", "runtimeClassName"]);
        if !rc.is_empty() {
            out!(w, 0, "Runtime Class Name:\t{rc}\n");
        }
        out!(
            w,
            0,
            "Service Account:\t{}\n",
            or_default(self.str(&["spec", "serviceAccountName"]), "default")
        );
        match self.str(&["spec", "nodeName"]) {
            "" => w.w(0, "Node:\t<none>\n"),
            node => out!(w, 0, "Node:\t{node}/{}\n", self.str(&["status", "hostIP"])),
        }
        let start = self.str(&["status", "startTime"]);
        if !start.is_empty() {
            out!(w, 0, "Start Time:\t{}\n", rfc1123z(start));
        }
        self.labels(w);
        self.annotations(w);
        let phase = self.str(&["status", "phase"]);
        let deletion = self.str(&["metadata", "deletionTimestamp"]);
        if !deletion.is_empty() && phase != "Failed" && phase != "Succeeded" {
            out!(w, 0, "Status:\tTerminating (lasts {})\n", printers::since(deletion, self.s.now));
            out!(
                w,
                0,
                "Termination Grace Period:\t{}s\n",
                model::i64_at(pod, &["metadata", "deletionGracePeriodSeconds"]).unwrap_or(30)
            );
        } else {
            out!(w, 0, "Status:\t{phase}\n");
        }
        for (field, label) in [("reason", "Reason"), ("message", "Message")] {
            let v = self.str(&["status", field]);
            if !v.is_empty() {
                out!(w, 0, "{label}:\t{v}\n");
            }
        }
        out!(w, 0, "IP:\t{}\n", self.str(&["status", "podIP"]));
        let ips = list(pod, &["status", "podIPs"]);
        if ips.is_empty() {
            w.w(0, "IPs:\t<none>\n");
        } else {
            w.w(0, "IPs:\n");
            for ip in ips {
                out!(w, 1, "IP:\t{}\n", model::str_at(ip, &["ip"]));
            }
        }
        if let Some(c) = controlled_by(pod) {
            out!(w, 0, "Controlled By:\t{c}\n");
        }
        let nominated = self.str(&["status", "nominatedNodeName"]);
        if !nominated.is_empty() {
            out!(w, 0, "NominatedNodeName:\t{nominated}\n");
        }
        if let Some(r) = model::at(pod, &["spec", "resources"]) {
            w.w(0, "Resources:\n");
            resources(w, Some(r), 1);
        }
        let init = list(pod, &["spec", "initContainers"]);
        if !init.is_empty() {
            containers(
                w,
                "Init Containers",
                &init,
                Some(&list(pod, &["status", "initContainerStatuses"])),
                "",
                Some(pod),
            );
        }
        let statuses = list(pod, &["status", "containerStatuses"]);
        containers(w, "Containers", &list(pod, &["spec", "containers"]), Some(&statuses), "", Some(pod));
        let conditions = list(pod, &["status", "conditions"]);
        let gates = list(pod, &["spec", "readinessGates"]);
        if !gates.is_empty() {
            w.w(0, "Readiness Gates:\n  Type\tStatus\n");
            for g in gates {
                let t = model::str_at(g, &["conditionType"]);
                let status = conditions
                    .iter()
                    .find(|c| model::str_at(c, &["type"]) == t)
                    .map_or("<none>".to_string(), |c| model::str_at(c, &["status"]).to_string());
                out!(w, 1, "{t} \t{status} \n");
            }
        }
        if !conditions.is_empty() {
            w.w(0, "Conditions:\n  Type\tStatus\n");
            for c in conditions {
                out!(w, 1, "{} \t{} \n", model::str_at(c, &["type"]), model::str_at(c, &["status"]));
            }
        }
        volumes(w, &list(pod, &["spec", "volumes"]), "");
        out!(w, 0, "QoS Class:\t{}\n", qos_class(pod));
        labels_multiline(w, "", "Node-Selectors", model::at(pod, &["spec", "nodeSelector"]));
        tolerations_multiline(w, "", "Tolerations", &list(pod, &["spec", "tolerations"]));
        topology_spread(w, &list(pod, &["spec", "topologySpreadConstraints"]), "");
        self.room_on_nodes(w);
        self.events(w);
    }

    /// For a pod the scheduler found no node for: each resource it requests, and the most of
    /// it any node has left (`!` where no node has enough).
    fn room_on_nodes(&self, w: &mut Out) {
        let unschedulable = model::condition(self.obj, "PodScheduled")
            .is_some_and(|c| model::str_at(c, &["status"]) == "False");
        if !unschedulable || !self.str(&["spec", "nodeName"]).is_empty() {
            return;
        }
        let rooms = crate::health::pending_pod_room(self.s, self.obj);
        if rooms.is_empty() {
            return;
        }
        w.w(0, "Room on nodes:\n");
        w.w(1, "Resource\tRequested\tLargest free\n");
        w.w(1, "--------\t---------\t------------\n");
        for r in rooms {
            let short = if r.fits() { "" } else { " !" };
            out!(w, 1, "{}\t{}\t{} ({}){short}\n", r.resource, r.asked, r.largest, r.node);
        }
    }
}

pub(super) fn topology_spread(w: &mut Out, tscs: &[&Value], space: &str) {
    if tscs.is_empty() {
        return;
    }
    let mut sorted = tscs.to_vec();
    sorted.sort_by(|a, b| model::str_at(a, &["topologyKey"]).cmp(model::str_at(b, &["topologyKey"])));
    out!(w, 0, "{space}Topology Spread Constraints:\t");
    for (i, t) in sorted.iter().enumerate() {
        if i != 0 {
            out!(w, 0, "{space}\t");
        }
        out!(
            w,
            0,
            "{}:{} when max skew {} is exceeded",
            model::str_at(t, &["topologyKey"]),
            model::str_at(t, &["whenUnsatisfiable"]),
            model::i64_at(t, &["maxSkew"]).unwrap_or(0)
        );
        if let Some(sel) = model::at(t, &["labelSelector"]) {
            out!(w, 0, " for selector {}", printers::format_label_selector(Some(sel)));
        }
        w.w(0, "\n");
    }
}

/// `qos.GetPodQOS`: Guaranteed, Burstable or BestEffort from cpu and memory requests and limits
/// (requests default to limits, as the API server defaults them).
fn qos_class(pod: &Value) -> String {
    let reported = model::str_at(pod, &["status", "qosClass"]);
    if !reported.is_empty() {
        return reported.to_string();
    }
    let mut requests: Map<String, Value> = Map::new();
    let mut limits: Map<String, Value> = Map::new();
    let mut guaranteed = true;
    let mut all = list(pod, &["spec", "initContainers"]);
    all.extend(list(pod, &["spec", "containers"]));
    let add = |acc: &mut Map<String, Value>, name: &str, q: Quantity| {
        let sum = acc.get(name).map(quantity).unwrap_or_default() + q;
        acc.insert(name.to_string(), Value::String(sum.to_string()));
    };
    for c in all {
        let lim = model::at(c, &["resources", "limits"]).and_then(Value::as_object);
        let mut req: Map<String, Value> =
            model::at(c, &["resources", "requests"]).and_then(Value::as_object).cloned().unwrap_or_default();
        for (k, v) in lim.into_iter().flatten() {
            req.entry(k.clone()).or_insert_with(|| v.clone());
        }
        for (k, v) in &req {
            let q = quantity(v);
            if (k == "cpu" || k == "memory") && q.nano != 0 {
                add(&mut requests, k, q);
            }
        }
        let mut found = 0;
        for (k, v) in lim.into_iter().flatten() {
            let q = quantity(v);
            if (k == "cpu" || k == "memory") && q.nano != 0 {
                found += 1;
                add(&mut limits, k, q);
            }
        }
        if found < 2 {
            guaranteed = false;
        }
    }
    if requests.is_empty() && limits.is_empty() {
        return "BestEffort".into();
    }
    if guaranteed
        && requests.iter().all(|(k, v)| limits.get(k).map(quantity) == Some(quantity(v)))
        && requests.len() == limits.len()
    {
        return "Guaranteed".into();
    }
    "Burstable".into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::describe::test_fixtures::*;
    use serde_json::json;

    #[test]
    fn pod_describes_like_kubectl() {
        let s = fixtures();
        assert_lines(&describe_in(&s, "Pod", "default", "myapp-x"), &[
            "Name:             myapp-x",
            "Namespace:        default",
            "Priority:         0",
            "Service Account:  default",
            "Node:             k8s-node1/",
            "Start Time:       Wed, 01 Jan 2025 00:00:02 +0000",
            "Labels:           app=myapp",
            "                  release=canary",
            "Annotations:      note: hi",
            "Status:           Running",
            "IP:               ",
            "IPs:              <none>",
            "Controlled By:    ReplicaSet/myapp",
            "Containers:",
            "  c:",
            "    Container ID:   ",
            "    Image:          i",
            "    Image ID:       ",
            "    Port:           80/TCP",
            "    Host Port:      0/TCP",
            "    State:          Running",
            "      Started:      Wed, 01 Jan 2025 00:00:02 +0000",
            "    Last State:     Terminated",
            "      Reason:       Error",
            "      Exit Code:    1",
            "      Started:      Wed, 01 Jan 2025 00:00:01 +0000",
            "      Finished:     Wed, 01 Jan 2025 00:00:02 +0000",
            "    Ready:          True",
            "    Restart Count:  1",
            "    Limits:",
            "      memory:  128Mi",
            "    Requests:",
            "      cpu:      250m",
            "      memory:   64Mi",
            "    Readiness:  http-get http://:80/healthz delay=0s timeout=1s period=10s #success=1 #failure=3",
            "    Environment:",
            "      MODE:  demo",
            "      POD:   myapp-x (v1:metadata.name)",
            "    Mounts:  <none>",
            "Conditions:",
            "  Type              Status",
            "  Initialized       True ",
            "  Ready             True ",
            "  ContainersReady   True ",
            "  PodScheduled      True ",
            "Volumes:            <none>",
            "QoS Class:          Burstable",
            "Node-Selectors:     <none>",
            "Tolerations:        node.kubernetes.io/not-ready:NoExecute op=Exists for 300s",
            "                    node.kubernetes.io/unreachable:NoExecute op=Exists for 300s",
            "Events:",
            "  Type     Reason   Age                From     Message",
            "  ----     ------   ----               ----     -------",
            "  Normal   Started  58s                kubelet  Started container",
            "  Warning  BackOff  20s (x3 over 59s)  kubelet  Back-off restarting failed container",
        ]);
    }

    #[test]
    fn pod_status_lines() {
        let cases = [
            (json!({}), vec!["Node:             <none>", "Status:           Pending"]),
            (
                json!({"metadata": {"deletionTimestamp": "2025-01-01T00:09:30Z", "deletionGracePeriodSeconds": 30},
                       "spec": {"nodeName": "n1"}, "status": {"phase": "Running", "hostIP": "192.168.1.35"}}),
                vec![
                    "Node:                      n1/192.168.1.35",
                    "Status:                    Terminating (lasts 30s)",
                    "Termination Grace Period:  30s",
                ],
            ),
            (
                json!({"status": {"phase": "Failed", "reason": "Evicted", "message": "low on memory"}}),
                vec![
                    "Node:             <none>",
                    "Status:           Failed",
                    "Reason:           Evicted",
                    "Message:          low on memory",
                ],
            ),
        ];
        for (patch, want) in cases {
            assert_eq!(
                pod_lines(bare_pod(patch), &["Node:", "Status:", "Reason:", "Message:", "Termination"]),
                want
            );
        }
    }

    #[test]
    fn qos_classes() {
        let res =
            |r: Value| json!({"spec": {"containers": [{"name": "c", "image": "nginx", "resources": r}]}});
        let cases = [
            (json!({}), "BestEffort"),
            (json!({"requests": {"cpu": "100m"}}), "Burstable"),
            (json!({"limits": {"cpu": "1", "memory": "1Gi"}}), "Guaranteed"),
            (
                json!({"requests": {"cpu": "1000m", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "1024Mi"}}),
                "Guaranteed",
            ),
            (
                json!({"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "1Gi"}}),
                "Burstable",
            ),
        ];
        for (r, want) in cases {
            assert_eq!(qos_class(&bare_pod(res(r.clone()))), want, "{r}");
        }
        assert_eq!(qos_class(&bare_pod(json!({"status": {"qosClass": "Guaranteed"}}))), "Guaranteed");
    }
}
