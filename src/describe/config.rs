//! The ConfigMap, Secret and Namespace describers.

use super::*;

impl Ctx<'_> {
    pub(super) fn config_map(&self, w: &mut Out) {
        self.name_namespace(w);
        self.labels(w);
        self.annotations(w);
        w.w(0, "\nData\n====\n");
        for (k, v) in sorted_map(model::at(self.obj, &["data"])) {
            out!(w, 0, "{k}:\n----\n");
            out!(w, 0, "{v}\n");
            w.w(0, "\n");
        }
        w.w(0, "\nBinaryData\n====\n");
        for (k, v) in sorted_map(model::at(self.obj, &["binaryData"])) {
            out!(w, 0, "{k}: {} bytes\n", base64_len(&v));
        }
        w.w(0, "\n");
        self.events(w);
    }

    pub(super) fn secret(&self, w: &mut Out) {
        self.name_namespace(w);
        self.labels(w);
        self.annotations(w);
        out!(w, 0, "\nType:\t{}\n", or_default(self.str(&["type"]), "Opaque"));
        w.w(0, "\nData\n====\n");
        let mut data: Vec<(String, usize)> = sorted_map(model::at(self.obj, &["data"]))
            .into_iter()
            .map(|(k, v)| (k, base64_len(&v)))
            .collect();
        for (k, v) in sorted_map(model::at(self.obj, &["stringData"])) {
            data.push((k, v.len()));
        }
        data.sort();
        for (k, n) in data {
            out!(w, 0, "{k}:\t{n} bytes\n");
        }
    }

    pub(super) fn namespace(&self, w: &mut Out) {
        out!(w, 0, "Name:\t{}\n", self.key.name);
        self.labels(w);
        self.annotations(w);
        out!(w, 0, "Status:\t{}\n", or_default(self.str(&["status", "phase"]), "Active"));
        w.w(0, "\n");
        w.w(0, "No resource quota.\n");
        w.w(0, "\n");
        w.w(0, "No LimitRange resource.\n");
    }
}

/// Bytes encoded by a base64 string.
fn base64_len(s: &str) -> usize {
    let s = s.trim();
    let pad = s.chars().rev().take_while(|c| *c == '=').count();
    (s.len() / 4) * 3
        + match s.len() % 4 {
            2 => 1,
            3 => 2,
            _ => 0,
        }
        - pad.min(2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::describe::test_fixtures::*;

    #[test]
    fn config_maps_secrets_and_namespaces_describe_like_kubectl() {
        let s = more_fixtures();
        assert_lines(
            &describe_in(&s, "ConfigMap", "default", "cfg"),
            &[
                "Name:         cfg",
                "Namespace:    default",
                "Labels:       <none>",
                "Annotations:  <none>",
                "",
                "Data",
                "====",
                "a:",
                "----",
                "1",
                "",
                "b.conf:",
                "----",
                "x=1",
                "y=2",
                "",
                "",
                "BinaryData",
                "====",
                "",
                "Events:  <none>",
            ],
        );
        assert_lines(
            &describe_in(&s, "Secret", "default", "creds"),
            &[
                "Name:         creds",
                "Namespace:    default",
                "Labels:       <none>",
                "Annotations:  <none>",
                "",
                "Type:  Opaque",
                "",
                "Data",
                "====",
                "password:  6 bytes",
                "user:      5 bytes",
            ],
        );
        assert_lines(
            &describe_in(&s, "Namespace", "", "team-a"),
            &[
                "Name:         team-a",
                "Labels:       kubernetes.io/metadata.name=team-a",
                "Annotations:  <none>",
                "Status:       Active",
                "",
                "No resource quota.",
                "",
                "No LimitRange resource.",
            ],
        );
    }

    #[test]
    fn base64_lengths() {
        for (b64, n) in [("c2VjcmV0", 6), ("YWRtaW4=", 5), ("YQ==", 1), ("", 0)] {
            assert_eq!(base64_len(b64), n, "{b64}");
        }
    }
}
