//! kubectl's generic describer, for kinds without a describer of their own: every field,
//! labelled as `printUnstructuredContent` labels it.

use super::*;

impl Ctx<'_> {
    /// kubectl's generic describer, for kinds without a describer of their own: name, labels,
    /// annotations, then every other field.
    pub(super) fn generic(&self, w: &mut Out) {
        out!(w, 0, "Name:\t{}\n", self.key.name);
        out!(w, 0, "Namespace:\t{}\n", self.key.namespace);
        self.labels(w);
        self.annotations(w);
        if let Some(m) = self.obj.as_object() {
            unstructured(w, 0, m, "");
        }
        self.events(w);
    }
}

/// `printUnstructuredContent`: fields sorted, nested maps and lists indented under their
/// labels.
fn unstructured(w: &mut Out, level: usize, content: &Map<String, Value>, prefix: &str) {
    const SKIP: &[&str] = &[
        ".metadata.managedFields",
        ".metadata.name",
        ".metadata.namespace",
        ".metadata.labels",
        ".metadata.annotations",
    ];
    let mut fields: Vec<&String> = content.keys().collect();
    fields.sort();
    for field in fields {
        let path = format!("{prefix}.{field}");
        if SKIP.contains(&path.as_str()) {
            continue;
        }
        match &content[field] {
            Value::Object(m) => {
                out!(w, level, "{}:\n", smart_label(field));
                unstructured(w, level + 1, m, &path);
            }
            Value::Array(items) => {
                out!(w, level, "{}:\n", smart_label(field));
                for item in items {
                    match item {
                        Value::Object(m) => unstructured(w, level + 1, m, &path),
                        other => out!(w, level + 1, "{}\n", go_value(other)),
                    }
                }
            }
            other => out!(w, level, "{}:\t{}\n", smart_label(field), go_value(other)),
        }
    }
}

/// `smartLabelFor`: `creationTimestamp` → `Creation Timestamp`, `apiVersion` → `API Version`.
fn smart_label(field: &str) -> String {
    if field.chars().any(|c| !c.is_alphabetic() && c != '-') {
        return field.to_string();
    }
    // camelcase.Split: runs of one character class; an upper-case run followed by lower case
    // gives its last letter to the next word.
    let class = |c: char| {
        if c.is_lowercase() {
            0
        } else if c.is_uppercase() {
            1
        } else if c.is_numeric() {
            2
        } else {
            3
        }
    };
    let mut runs: Vec<Vec<char>> = Vec::new();
    for c in field.chars() {
        match runs.last_mut() {
            Some(r) if class(r[0]) == class(c) => r.push(c),
            _ => runs.push(vec![c]),
        }
    }
    for i in 0..runs.len().saturating_sub(1) {
        let upper_then_lower = runs[i].first().is_some_and(|c| class(*c) == 1)
            && runs[i + 1].first().is_some_and(|c| class(*c) == 0);
        if upper_then_lower {
            if let Some(last) = runs[i].pop() {
                runs[i + 1].insert(0, last);
            }
        }
    }
    runs.into_iter()
        .filter(|r| !r.is_empty())
        .map(|r| r.into_iter().collect::<String>())
        .filter(|p| p != "_")
        .map(|p| {
            if ["API", "URL", "UID", "OSB", "GUID"].contains(&p.to_uppercase().as_str()) {
                p.to_uppercase()
            } else {
                let mut cs = p.chars();
                cs.next().map(|f| f.to_uppercase().chain(cs).collect()).unwrap_or_default()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::describe::test_fixtures::*;

    #[test]
    fn other_kinds_describe_every_field() {
        let s = more_fixtures();
        assert_lines(
            &describe_in(&s, "Widget", "default", "w1"),
            &[
                "Name:         w1",
                "Namespace:    default",
                "Labels:       <none>",
                "Annotations:  <none>",
                "API Version:  example.com/v1",
                "Kind:         Widget",
                "Metadata:",
                "  Creation Timestamp:  2025-01-01T00:00:00Z",
                "  Resource Version:    7",
                "  UID:                 uid-w",
                "Spec:",
                "  Enabled:  true",
                "  Items:",
                "    Name:  a",
                "  Ports:",
                "    80",
                "    443",
                "  Replicas:  3",
                "Events:      <none>",
            ],
        );
    }

    #[test]
    fn smart_labels() {
        let labels = [
            ("apiVersion", "API Version"),
            ("creationTimestamp", "Creation Timestamp"),
            ("uid", "UID"),
            ("serviceAccountURL", "Service Account URL"),
            ("HTTPServer", "HTTP Server"),
            ("node-role", "Node - Role"),
            ("a.b", "a.b"),
        ];
        for (field, want) in labels {
            assert_eq!(smart_label(field), want, "{field}");
        }
    }
}
