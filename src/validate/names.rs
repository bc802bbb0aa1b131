//! Upstream's name and label checks (`apimachinery/pkg/util/validation` and
//! `api/validate/content`): each returns upstream's messages, empty when the value is valid.

const DNS1123_LABEL_FMT: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_SUBDOMAIN_FMT: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const DNS1035_LABEL_FMT: &str = "[a-z]([-a-z0-9]*[a-z0-9])?";
const LABEL_KEY_FMT: &str = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const LABEL_VALUE_FMT: &str = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
const LABEL_KEY_ERR: &str =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/// `content.RegexError`: the message, examples and the regular expression.
fn regex_error(msg: &str, re: &str, examples: &[&str]) -> String {
    let mut out = msg.to_string();
    if examples.is_empty() {
        return format!("{out} (regex used for validation is '{re}')");
    }
    out.push_str(" (e.g. ");
    for (i, e) in examples.iter().enumerate() {
        if i > 0 {
            out.push_str(" or ");
        }
        out.push_str(&format!("'{e}', "));
    }
    out.push_str(&format!("regex used for validation is '{re}')"));
    out
}

fn max_len_error(n: usize) -> String {
    format!("must be no more than {n} bytes")
}

/// `[a-z0-9]([-a-z0-9]*[a-z0-9])?` with `first` deciding which characters may start it.
fn is_label_shaped(s: &str, first: fn(u8) -> bool) -> bool {
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        (Some(&f), Some(&l)) => {
            first(f)
                && (l.is_ascii_lowercase() || l.is_ascii_digit())
                && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        }
        _ => false,
    }
}

fn lower_or_digit(c: u8) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

fn subdomain_shaped(s: &str) -> bool {
    s.split('.').all(|part| is_label_shaped(part, lower_or_digit))
}

/// `IsDNS1123Label`.
pub fn dns1123_label(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > 63 {
        errs.push(max_len_error(63));
    }
    if !is_label_shaped(value, lower_or_digit) {
        if subdomain_shaped(value) {
            errs.push("must not contain dots".to_string());
        } else {
            errs.push(regex_error(
                "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
                DNS1123_LABEL_FMT,
                &["my-name", "123-abc"],
            ));
        }
    }
    errs
}

/// `IsDNS1123Subdomain`.
pub fn dns1123_subdomain(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > 253 {
        errs.push(max_len_error(253));
    }
    if !subdomain_shaped(value) {
        errs.push(regex_error(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
            DNS1123_SUBDOMAIN_FMT,
            &["example.com"],
        ));
    }
    errs
}

/// `IsDNS1035Label`.
pub fn dns1035_label(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > 63 {
        errs.push(max_len_error(63));
    }
    if !is_label_shaped(value, |c| c.is_ascii_lowercase()) {
        errs.push(regex_error(
            "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
            DNS1035_LABEL_FMT,
            &["my-name", "abc-123"],
        ));
    }
    errs
}

/// `IsPathSegmentName`: RBAC and PersistentVolume names (`system:kube-scheduler` is fine).
pub fn path_segment_name(value: &str) -> Vec<String> {
    if let Some(bad) = [".", ".."].iter().find(|b| **b == value) {
        return vec![format!("may not be '{bad}'")];
    }
    ["/", "%"].iter().filter(|c| value.contains(**c)).map(|c| format!("may not contain '{c}'")).collect()
}

/// `[A-Za-z0-9][-A-Za-z0-9_.]*[A-Za-z0-9]` or one alphanumeric character.
fn label_key_name_shaped(s: &str) -> bool {
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        (Some(f), Some(l)) => {
            f.is_ascii_alphanumeric()
                && l.is_ascii_alphanumeric()
                && b.iter().all(|c| c.is_ascii_alphanumeric() || b"-_.".contains(c))
        }
        _ => false,
    }
}

/// `IsLabelKey` (`IsQualifiedName`): an optional DNS subdomain prefix and `/`, then a name.
pub fn label_key(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    let parts: Vec<&str> = value.split('/').collect();
    let name = match parts.as_slice() {
        [name] => *name,
        [prefix, name] => {
            if prefix.is_empty() {
                errs.push("prefix part must be non-empty".to_string());
            } else {
                errs.extend(dns1123_subdomain(prefix).into_iter().map(|m| format!("prefix part {m}")));
            }
            *name
        }
        _ => {
            return vec![format!(
            "a valid label key {} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
            regex_error(LABEL_KEY_ERR, LABEL_KEY_FMT, &["MyName", "my.name", "123-abc"])
        )]
        }
    };
    if name.is_empty() {
        errs.push("name part must be non-empty".to_string());
    } else if name.len() > 63 {
        errs.push(format!("name part {}", max_len_error(63)));
    }
    if !label_key_name_shaped(name) {
        errs.push(format!(
            "name part {}",
            regex_error(LABEL_KEY_ERR, LABEL_KEY_FMT, &["MyName", "my.name", "123-abc"])
        ));
    }
    errs
}

/// `IsLabelValue`: empty, or a label-key-shaped name of at most 63 bytes.
pub fn label_value(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > 63 {
        errs.push(max_len_error(63));
    }
    if !value.is_empty() && !label_key_name_shaped(value) {
        errs.push(regex_error(
            "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
            LABEL_VALUE_FMT,
            &["MyValue", "my_value", "12345"],
        ));
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::*;

    /// apimachinery `content/kube_test.go` TestIsLabelKey, every success and error case.
    #[test]
    fn upstream_is_label_key() {
        let long_prefixed = format!("{}/{}", "a".repeat(253), "b".repeat(63));
        let a63 = "a".repeat(63);
        let ok = [
            "simple",
            "now-with-dashes",
            "1-starts-with-num",
            "1234",
            "simple/simple",
            "now-with-dashes/simple",
            "now-with-dashes/now-with-dashes",
            "now.with.dots/simple",
            "now-with.dashes-and.dots/simple",
            "1-num.2-num/3-num",
            "1234/5678",
            "1.2.3.4/5678",
            "Uppercase_Is_OK_123",
            "example.com/Uppercase_Is_OK_123",
            "requests.storage-foo",
            &a63,
            &long_prefixed,
        ];
        for v in ok {
            assert_eq!(label_key(v), Vec::<String>::new(), "{v}");
        }
        let a64 = "a".repeat(64);
        let long_prefix = format!("{}/abc", "a".repeat(254));
        let bad = [
            "nospecialchars%^=@",
            "cantendwithadash-",
            "-cantstartwithadash-",
            "only/one/slash",
            "Example.com/abc",
            "example_com/abc",
            "example.com/",
            "/simple",
            &a64,
            &long_prefix,
        ];
        for v in bad {
            assert!(!label_key(v).is_empty(), "{v}");
        }
    }

    /// apimachinery `content/kube_test.go` TestIsLabelValue.
    #[test]
    fn upstream_is_label_value() {
        let a63 = "a".repeat(63);
        for v in ["simple", "now-with-dashes", "1-starts-with-num", "end-with-num-1", "1234", &a63, ""] {
            assert_eq!(label_value(v), Vec::<String>::new(), "{v}");
        }
        let a64 = "a".repeat(64);
        for v in [
            "nospecialchars%^=@",
            "Tama-nui-te-rā.is.Māori.sun",
            "\\backslashes\\are\\bad",
            "-starts-with-dash",
            "ends-with-dash-",
            ".starts.with.dot",
            "ends.with.dot.",
            &a64,
        ] {
            assert!(!label_value(v).is_empty(), "{v}");
        }
    }

    /// apimachinery `validation_test.go` TestIsDNS1123Label / TestIsDNS1123Subdomain /
    /// TestIsDNS1035Label (representative success and error cases of each table).
    #[test]
    fn upstream_dns_names() {
        for v in ["a", "ab", "abc", "a1", "a-1", "a--1--2--b", "0", "01", "012", "1a", "1-a", "1--a--b--2"] {
            assert!(dns1123_label(v).is_empty(), "{v}");
        }
        for v in [
            "", "A", "ABC", "aBc", "A1", "A-1", "1-A", "-", "a-", "-a", "1-", "-1", "_", "a_", "_a", "a_b",
            "1_", "_1", "1_2", ".", "a.", ".a", "a.b", "1.", ".1", "1.2", " ", "a ", " a", "a b", "1 ", " 1",
            "1 2",
        ] {
            assert!(!dns1123_label(v).is_empty(), "{v}");
        }
        assert_eq!(dns1123_label("a.b"), ["must not contain dots"]);
        for v in ["a", "ab", "a.b", "a.b.c", "a1.b2", "0.1", "1-a.2-b", "a--1--2--b.c"] {
            assert!(dns1123_subdomain(v).is_empty(), "{v}");
        }
        for v in ["", "A", "a.B", "-", "a-", "-a", "a.-b", "a_b", "a..b", ".a", "a.", "a b"] {
            assert!(!dns1123_subdomain(v).is_empty(), "{v}");
        }
        assert!(!dns1123_subdomain(&"a".repeat(254)).is_empty());
        for v in ["a", "ab", "abc", "a1", "a-1", "a--1--2--b"] {
            assert!(dns1035_label(v).is_empty(), "{v}");
        }
        for v in ["0", "01", "012", "1a", "1-a", "1--a--b--2", "", "A", "a-", "-a", "a.b"] {
            assert!(!dns1035_label(v).is_empty(), "{v}");
        }
    }

    /// apimachinery `content/path_test.go` TestIsPathSegmentName.
    #[test]
    fn upstream_path_segment_names() {
        assert!(path_segment_name("system:kube-scheduler").is_empty());
        assert!(path_segment_name("Any_Thing").is_empty());
        assert_eq!(path_segment_name("."), ["may not be '.'"]);
        assert_eq!(path_segment_name(".."), ["may not be '..'"]);
        assert_eq!(path_segment_name("a/b%c"), ["may not contain '/'", "may not contain '%'"]);
    }

    #[test]
    fn messages_are_upstreams() {
        assert_eq!(
            dns1123_subdomain("Bad_Name"),
            ["a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"]
        );
        assert_eq!(
            label_key("bad key"),
            ["name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"]
        );
    }
}
