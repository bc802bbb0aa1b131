//! `-o yaml` as kubectl prints it. kubectl turns the object into JSON, reads that back as a
//! `map[string]interface{}` and writes it with go-yaml v2 (`sigs.k8s.io/yaml.JSONToYAML`), so:
//!
//! - mapping keys are sorted as go-yaml sorts them (`keyList.Less`: letters by code point,
//!   a non-letter before a letter, runs of digits by value);
//! - a string that would read back as something else unquoted (`"true"`, `"1.0"`, `"0755"`,
//!   `"null"`, `""`, a timestamp, `"1:20"`) is double-quoted (`encoder.stringv` with
//!   `resolve`); a string that cannot be plain YAML (`": "`, a leading `-`, `*`, `'`, …) is
//!   single-quoted, and double-quoted when it holds characters that need escapes (libyaml's
//!   `yaml_emitter_analyze_scalar` and `select_scalar_style`);
//! - a string with a line break is a literal block (`|`, `|-`, `|+`), unless its spaces make
//!   that impossible;
//! - a long plain or quoted string is folded at a space past column 80, continuation lines
//!   indented two more than their key (libyaml's `best_width`);
//! - sequences in a mapping are not indented (`- ` under the key), empty collections are `{}`
//!   and `[]`, floats print as Go's `strconv.FormatFloat(f, 'g', -1, 64)`.

use serde_json::{Map, Number, Value};
use std::cmp::Ordering;

/// libyaml's `best_width`: plain and quoted scalars fold at a space past this column.
const BEST_WIDTH: usize = 80;
/// libyaml's `best_indent`.
const INDENT: usize = 2;

/// One YAML document for `value`, as `kubectl get -o yaml` prints it.
pub fn to_yaml(value: &Value) -> String {
    let mut e = Emitter::default();
    match value {
        Value::Object(m) if !m.is_empty() => e.mapping(m, 0, false),
        Value::Array(a) if !a.is_empty() => e.sequence(a, 0, false),
        scalar => e.scalar(scalar, INDENT, false),
    }
    if !e.out.ends_with('\n') {
        e.out.push('\n');
    }
    e.out
}

#[derive(Default)]
struct Emitter {
    out: String,
    column: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

impl Emitter {
    fn put(&mut self, s: &str) {
        self.out.push_str(s);
        self.column += s.chars().count();
    }

    fn put_char(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    /// Start a new line at `indent` (unless the output is already at a line's start).
    fn line(&mut self, indent: usize) {
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push('\n');
        }
        self.column = 0;
        self.put(&" ".repeat(indent));
    }

    /// A block mapping with its keys at `indent`; `inline` when its first key follows a `- `.
    fn mapping(&mut self, map: &Map<String, Value>, indent: usize, inline: bool) {
        let mut entries: Vec<(&String, &Value)> = map.iter().collect();
        entries.sort_by(|a, b| key_order(a.0, b.0));
        for (i, (key, value)) in entries.into_iter().enumerate() {
            if i > 0 || !inline {
                self.line(indent);
            }
            self.string(key, indent + INDENT, true);
            self.put(":");
            match value {
                Value::Object(m) if !m.is_empty() => self.mapping(m, indent + INDENT, false),
                Value::Array(a) if !a.is_empty() => self.sequence(a, indent, false),
                scalar => {
                    self.put(" ");
                    self.scalar(scalar, indent + INDENT, false);
                }
            }
        }
    }

    /// A block sequence with its `- ` at `indent`; `inline` when its first item follows a `- `.
    fn sequence(&mut self, items: &[Value], indent: usize, inline: bool) {
        for (i, item) in items.iter().enumerate() {
            if i > 0 || !inline {
                self.line(indent);
            }
            self.put("- ");
            match item {
                Value::Object(m) if !m.is_empty() => self.mapping(m, indent + INDENT, true),
                Value::Array(a) if !a.is_empty() => self.sequence(a, indent + INDENT, true),
                scalar => self.scalar(scalar, indent + INDENT, false),
            }
        }
    }

    /// A scalar (or an empty collection) whose continuation lines go at `indent`.
    fn scalar(&mut self, value: &Value, indent: usize, key: bool) {
        match value {
            Value::Null => self.put("null"),
            Value::Bool(b) => self.put(if *b { "true" } else { "false" }),
            Value::Number(n) => self.put(&number(n)),
            Value::String(s) => self.string(s, indent, key),
            Value::Object(_) => self.put("{}"),
            Value::Array(_) => self.put("[]"),
        }
    }

    fn string(&mut self, s: &str, indent: usize, key: bool) {
        match scalar_style(s, key) {
            Style::Plain => self.plain(s, indent, !key),
            Style::Single => self.single_quoted(s, indent, !key),
            Style::Double => self.double_quoted(s, indent, !key),
            Style::Literal => self.literal(s, indent),
        }
    }

    /// libyaml's fold: at a space past the width, not after another space, start a new line.
    fn fold(&mut self, indent: usize) {
        self.line(indent);
    }

    fn plain(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        let chars: Vec<char> = s.chars().collect();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                let next_space = chars.get(i + 1) == Some(&' ');
                if allow_breaks && !spaces && self.column > BEST_WIDTH && !next_space {
                    self.fold(indent);
                } else {
                    self.put_char(c);
                }
                spaces = true;
            } else {
                self.put_char(c);
                spaces = false;
            }
        }
    }

    fn single_quoted(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        let chars: Vec<char> = s.chars().collect();
        self.put_char('\'');
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                let next_space = chars.get(i + 1) == Some(&' ');
                let inner = i != 0 && i + 1 != chars.len();
                if allow_breaks && !spaces && self.column > BEST_WIDTH && inner && !next_space {
                    self.fold(indent);
                } else {
                    self.put_char(c);
                }
                spaces = true;
            } else {
                if c == '\'' {
                    self.put_char('\'');
                }
                self.put_char(c);
                spaces = false;
            }
        }
        self.put_char('\'');
    }

    fn double_quoted(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        let chars: Vec<char> = s.chars().collect();
        self.put_char('"');
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if !printable(c) || c == '\u{FEFF}' || is_break(c) || c == '"' || c == '\\' {
                self.put(&escape(c));
                spaces = false;
            } else if c == ' ' {
                let inner = i != 0 && i + 1 != chars.len();
                if allow_breaks && !spaces && self.column > BEST_WIDTH && inner {
                    self.fold(indent);
                    if chars.get(i + 1) == Some(&' ') {
                        self.put_char('\\');
                    }
                } else {
                    self.put_char(c);
                }
                spaces = true;
            } else {
                self.put_char(c);
                spaces = false;
            }
        }
        self.put_char('"');
    }

    /// A literal block: `|`, the indentation hint when the text starts with a space or a
    /// break, the chomping hint (`-` without a final break, `+` with more than one), then the
    /// text's lines at `indent` (empty lines stay empty).
    fn literal(&mut self, s: &str, indent: usize) {
        self.put("|");
        if s.starts_with([' ', '\n']) {
            self.put(&INDENT.to_string());
        }
        if !s.ends_with('\n') {
            self.put("-");
        } else if s == "\n" || s.ends_with("\n\n") {
            self.put("+");
        }
        self.out.push('\n');
        self.column = 0;
        let mut line_start = true;
        for c in s.chars() {
            if c == '\n' {
                self.out.push('\n');
                self.column = 0;
                line_start = true;
            } else {
                if line_start {
                    self.put(&" ".repeat(indent));
                    line_start = false;
                }
                self.put_char(c);
            }
        }
    }
}

/// libyaml's `is_printable` (go-yaml's port: four-byte UTF-8 characters are not).
fn printable(c: char) -> bool {
    matches!(c, '\n' | '\u{20}'..='\u{7E}' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
        && c != '\u{FEFF}'
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_blank_or_end(c: Option<char>) -> bool {
    matches!(c, None | Some(' ' | '\t' | '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}'))
}

/// libyaml's escapes in a double-quoted scalar.
fn escape(c: char) -> String {
    let short = match c {
        '\0' => "0",
        '\u{7}' => "a",
        '\u{8}' => "b",
        '\t' => "t",
        '\n' => "n",
        '\u{B}' => "v",
        '\u{C}' => "f",
        '\r' => "r",
        '\u{1B}' => "e",
        '"' => "\"",
        '\\' => "\\",
        '\u{85}' => "N",
        '\u{A0}' => "_",
        '\u{2028}' => "L",
        '\u{2029}' => "P",
        _ => "",
    };
    match u32::from(c) {
        _ if !short.is_empty() => format!("\\{short}"),
        n if n <= 0xFF => format!("\\x{n:02X}"),
        n if n <= 0xFFFF => format!("\\u{n:04X}"),
        n => format!("\\U{n:08X}"),
    }
}

/// The style go-yaml writes a string in: the style `encoder.stringv` asks for, then what
/// libyaml's emitter allows (`key`: a mapping key, a simple key).
fn scalar_style(s: &str, key: bool) -> Style {
    let asked = if s.contains('\n') {
        Style::Literal
    } else if resolves_as_string(s) && !is_base60_float(s) {
        Style::Plain
    } else {
        Style::Double
    };
    let a = analyze(s);
    let mut style = asked;
    if style == Style::Plain && (!a.block_plain || (s.is_empty() && key)) {
        style = Style::Single;
    }
    if style == Style::Single && !a.single_quoted {
        style = Style::Double;
    }
    if style == Style::Literal && (!a.block || key) {
        style = Style::Double;
    }
    style
}

/// What libyaml's `yaml_emitter_analyze_scalar` allows for a string.
struct Allowed {
    block_plain: bool,
    single_quoted: bool,
    block: bool,
}

fn analyze(s: &str) -> Allowed {
    if s.is_empty() {
        return Allowed { block_plain: true, single_quoted: true, block: false };
    }
    let chars: Vec<char> = s.chars().collect();
    let mut block_indicators = s.starts_with("---") || s.starts_with("...");
    let (mut leading_space, mut leading_break, mut trailing_space, mut trailing_break) =
        (false, false, false, false);
    let (mut break_space, mut space_break, mut special, mut line_breaks) = (false, false, false, false);
    let (mut previous_space, mut previous_break) = (false, false);
    let mut preceded_by_whitespace = true;
    for (i, &c) in chars.iter().enumerate() {
        let first = i == 0;
        let last = i + 1 == chars.len();
        let followed_by_whitespace = is_blank_or_end(chars.get(i + 1).copied());
        if first {
            if "#,[]{}&*!|>'\"%@`".contains(c) || (matches!(c, '?' | ':' | '-') && followed_by_whitespace) {
                block_indicators = true;
            }
        } else if (c == ':' && followed_by_whitespace) || (c == '#' && preceded_by_whitespace) {
            block_indicators = true;
        }
        if !printable(c) {
            special = true;
        }
        if is_break(c) {
            line_breaks = true;
        }
        if c == ' ' {
            leading_space |= first;
            trailing_space |= last;
            break_space |= previous_break;
            previous_space = true;
            previous_break = false;
        } else if is_break(c) {
            leading_break |= first;
            trailing_break |= last;
            space_break |= previous_space;
            previous_break = true;
            previous_space = false;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = is_blank_or_end(Some(c));
    }
    let edges = leading_space || leading_break || trailing_space || trailing_break;
    Allowed {
        block_plain: !(edges || break_space || space_break || special || line_breaks || block_indicators),
        single_quoted: !(break_space || space_break || special),
        block: !(trailing_space || space_break || special),
    }
}

/// go-yaml v2's `resolve("", s)` gives `!!str`: the string does not read as a bool, null,
/// number, float or timestamp when unquoted.
fn resolves_as_string(s: &str) -> bool {
    const SPECIAL: &[&str] = &[
        "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "n", "N", "no", "No", "NO",
        "false", "False", "FALSE", "off", "Off", "OFF", "", "~", "null", "Null", "NULL", ".nan", ".NaN",
        ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", "<<",
    ];
    if SPECIAL.contains(&s) {
        return false;
    }
    match s.chars().next() {
        Some('.') => go_parse_float(s).is_none(),
        Some('+' | '-' | '0'..='9') => {
            if is_timestamp(s) {
                return false;
            }
            let plain = s.replace('_', "");
            go_parse_int(&plain).is_none() && !(yaml_style_float(&plain) && go_parse_float(&plain).is_some())
        }
        _ => true,
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)` / `ParseUint` succeed (a sign, then decimal, `0x`, `0o`,
/// `0b` or a leading-zero octal).
fn go_parse_int(s: &str) -> Option<u64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (radix, body) = match digits.get(..2) {
        Some("0x" | "0X") => (16, &digits[2..]),
        Some("0o" | "0O") => (8, &digits[2..]),
        Some("0b" | "0B") => (2, &digits[2..]),
        _ if digits.len() > 1 && digits.starts_with('0') => (8, &digits[1..]),
        _ => (10, digits),
    };
    if body.is_empty() || !body.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(body, radix).ok()
}

/// go-yaml's `yamlStyleFloat`: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn yaml_style_float(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let all_digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", frac)) => all_digits(frac),
        Some((int, frac)) => all_digits(int) && (frac.is_empty() || all_digits(frac)),
        None => all_digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| all_digits(e.strip_prefix(['+', '-']).unwrap_or(e)));
    mantissa_ok && exponent_ok
}

/// Go's `strconv.ParseFloat(s, 64)` succeeds, for the forms go-yaml passes it.
fn go_parse_float(s: &str) -> Option<f64> {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    if body.is_empty() || !body.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        return None;
    }
    s.parse::<f64>().ok()
}

/// go-yaml's `parseTimestamp`: four digits, a `-`, then one of its layouts.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    let (date, time) = match s.find(['T', 't', ' ']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mut fields = date.split('-');
    let ymd: Vec<Option<u32>> = fields.by_ref().take(3).map(|f| short_number(f, 1, 2)).collect();
    let date_ok = date.split('-').count() == 3
        && date[..4].parse::<u32>().is_ok()
        && matches!(ymd[1], Some(1..=12))
        && matches!(ymd[2], Some(1..=31));
    match time {
        None => date_ok,
        Some(t) => date_ok && is_clock(t, s.as_bytes()[date.len()] == b' '),
    }
}

/// `15:4:5.999999999` then `Z07:00` (required after `T`/`t`, absent after a space).
fn is_clock(t: &str, space_separated: bool) -> bool {
    let end = t.find(|c: char| !(c.is_ascii_digit() || c == ':' || c == '.')).unwrap_or(t.len());
    let (clock, zone) = t.split_at(end);
    let (hms, frac) = match clock.split_once('.') {
        Some((hms, frac)) => (hms, Some(frac)),
        None => (clock, None),
    };
    let parts: Vec<Option<u32>> = hms.split(':').map(|f| short_number(f, 1, 2)).collect();
    let clock_ok = parts.len() == 3
        && matches!(parts[0], Some(0..=23))
        && matches!(parts[1], Some(0..=59))
        && matches!(parts[2], Some(0..=59))
        && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()));
    let zone_ok = if space_separated { zone.is_empty() } else { zone == "Z" || is_offset(zone) };
    clock_ok && zone_ok
}

fn is_offset(zone: &str) -> bool {
    let b = zone.as_bytes();
    b.len() == 6
        && matches!(b[0], b'+' | b'-')
        && b[1..3].iter().all(u8::is_ascii_digit)
        && b[3] == b':'
        && b[4..6].iter().all(u8::is_ascii_digit)
}

/// A field of `min..=max` digits.
fn short_number(f: &str, min: usize, max: usize) -> Option<u32> {
    (f.len() >= min && f.len() <= max && f.bytes().all(|b| b.is_ascii_digit()))
        .then(|| f.parse().ok())
        .flatten()
}

/// go-yaml's `isBase60Float`: `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`.
fn is_base60_float(s: &str) -> bool {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (main, frac) = match body.split_once('.') {
        Some((m, f)) => (m, Some(f)),
        None => (body, None),
    };
    let mut parts = main.split(':');
    let head = parts.next().unwrap_or("");
    let head_ok = head.starts_with(|c: char| c.is_ascii_digit())
        && head.bytes().all(|b| b.is_ascii_digit() || b == b'_');
    let sixties: Vec<&str> = parts.collect();
    let sixty_ok = |p: &&str| match p.as_bytes() {
        [d] => d.is_ascii_digit(),
        [t, d] => (b'0'..=b'5').contains(t) && d.is_ascii_digit(),
        _ => false,
    };
    let frac_ok = frac.is_none_or(|f| f.bytes().all(|b| b.is_ascii_digit() || b == b'_'));
    head_ok && !sixties.is_empty() && sixties.iter().all(sixty_ok) && frac_ok
}

/// A JSON number as go-yaml writes the value JSON decoding gave: integers as they are,
/// floats as `strconv.FormatFloat(f, 'g', -1, 64)`.
fn number(n: &Number) -> String {
    match (n.as_i64(), n.as_u64(), n.as_f64()) {
        (Some(i), _, _) => i.to_string(),
        (_, Some(u), _) => u.to_string(),
        (_, _, Some(f)) => go_float(f),
        _ => n.to_string(),
    }
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)`: the shortest digits, in `%e` form (two exponent
/// digits at least) when the exponent is below -4 or at least 6 (`eprec` of the shortest form).
fn go_float(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf" } else { "-.inf" }.into();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.into();
    }
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", exp.abs());
    }
    format!("{f}")
}

/// go-yaml v2's `keyList.Less` for string keys.
pub fn key_order(a: &str, b: &str) -> Ordering {
    let (ar, br): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    for i in 0..ar.len().min(br.len()) {
        if ar[i] == br[i] {
            continue;
        }
        let (al, bl) = (ar[i].is_alphabetic(), br[i].is_alphabetic());
        if al && bl {
            return ar[i].cmp(&br[i]);
        }
        if al || bl {
            return if bl { Ordering::Less } else { Ordering::Greater };
        }
        let (mut an, mut bn) = (0i64, 0i64);
        if ar[i] == '0' || br[i] == '0' {
            let nonzero_before = ar[..i].iter().rev().take_while(|c| c.is_ascii_digit()).any(|&c| c != '0');
            if nonzero_before {
                an = 1;
                bn = 1;
            }
        }
        let run = |r: &[char], n: &mut i64| {
            let mut end = i;
            while end < r.len() && r[end].is_ascii_digit() {
                *n = n.wrapping_mul(10).wrapping_add(i64::from(r[end] as u8 - b'0'));
                end += 1;
            }
            end
        };
        let (ai, bi) = (run(&ar, &mut an), run(&br, &mut bn));
        if an != bn {
            return an.cmp(&bn);
        }
        if ai != bi {
            return ai.cmp(&bi);
        }
        return ar[i].cmp(&br[i]);
    }
    ar.len().cmp(&br.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// How go-yaml v2 (kubectl's `-o yaml`) writes each string as a mapping value.
    #[test]
    fn strings_are_quoted_as_kubectl_quotes_them() {
        let table: &[(&str, &str)] = &[
            ("nginx", "nginx"),
            ("true", "\"true\""),
            ("True", "\"True\""),
            ("yes", "\"yes\""),
            ("off", "\"off\""),
            ("y", "\"y\""),
            ("null", "\"null\""),
            ("~", "\"~\""),
            ("", "\"\""),
            ("1", "\"1\""),
            ("1.0", "\"1.0\""),
            ("0755", "\"0755\""),
            ("08", "\"08\""),
            ("0x1F", "\"0x1F\""),
            ("1e3", "\"1e3\""),
            ("1_000", "\"1_000\""),
            ("+1", "\"+1\""),
            (".5", "\".5\""),
            (".inf", "\".inf\""),
            ("1:20", "\"1:20\""),
            ("2024-01-02T03:04:05Z", "\"2024-01-02T03:04:05Z\""),
            ("2024-01-02", "\"2024-01-02\""),
            ("10.244.1.2", "10.244.1.2"),
            ("1.2.3", "1.2.3"),
            ("v1", "v1"),
            ("100m", "100m"),
            ("8Gi", "8Gi"),
            ("-", "'-'"),
            ("--port=80", "--port=80"),
            ("- x", "'- x'"),
            ("*", "'*'"),
            ("a: b", "'a: b'"),
            ("a:b", "a:b"),
            ("a #b", "'a #b'"),
            ("a#b", "a#b"),
            (" lead", "' lead'"),
            ("trail ", "'trail '"),
            ("it's", "it's"),
            ("'q'", "'''q'''"),
            ("\"q\"", "'\"q\"'"),
            ("[x]", "'[x]'"),
            ("x[0]", "x[0]"),
            ("{}", "'{}'"),
            ("tab\there", "\"tab\\there\""),
            ("é", "é"),
            ("😀", "\"\\U0001F600\""),
            ("containers with unready status: [c]", "'containers with unready status: [c]'"),
        ];
        for (input, want) in table {
            let got = to_yaml(&json!({"k": input}));
            assert_eq!(got, format!("k: {want}\n"), "{input:?}");
        }
    }

    #[test]
    fn line_breaks_make_literal_blocks() {
        assert_eq!(to_yaml(&json!({"k": "a\nb"})), "k: |-\n  a\n  b\n");
        assert_eq!(to_yaml(&json!({"k": "a\n"})), "k: |\n  a\n");
        assert_eq!(to_yaml(&json!({"k": "a\n\n"})), "k: |+\n  a\n\n");
        assert_eq!(to_yaml(&json!({"k": " a\nb"})), "k: |2-\n   a\n  b\n");
        assert_eq!(to_yaml(&json!({"k": "a\n\nb"})), "k: |-\n  a\n\n  b\n");
        // a space before a break cannot be a block: escapes instead
        assert_eq!(to_yaml(&json!({"k": "a \nb"})), "k: \"a \\nb\"\n");
        assert_eq!(to_yaml(&json!({"a": [{"b": "x\ny"}]})), "a:\n- b: |-\n    x\n    y\n");
    }

    #[test]
    fn collections_nest_as_go_yaml_writes_them() {
        let v = json!({
            "spec": {"containers": [{"name": "c", "args": ["a", "b"], "env": []}], "nodeSelector": {}},
            "items": [[1, 2], {}, null, 1.5, 2.0, 1e21, 0.00001],
            "apiVersion": "v1",
        });
        let want = "\
apiVersion: v1
items:
- - 1
  - 2
- {}
- null
- 1.5
- 2
- 1e+21
- 1e-05
spec:
  containers:
  - args:
    - a
    - b
    env: []
    name: c
  nodeSelector: {}
";
        assert_eq!(to_yaml(&v), want);
    }

    #[test]
    fn long_strings_fold_past_column_80() {
        let words = "word ".repeat(20);
        let text = words.trim_end();
        let got = to_yaml(&json!({"metadata": {"annotations": {"note": text}}}));
        let want = "metadata:\n  annotations:\n    note: word word word word word word word word word word word word word word word\n      word word word word word\n";
        assert_eq!(got, want);
        let quoted = format!("x: {text}");
        let got = to_yaml(&json!({"m": quoted}));
        assert_eq!(got, "m: 'x: word word word word word word word word word word word word word word word\n  word word word word word'\n");
        // keys never fold
        let key = text.to_string();
        assert!(to_yaml(&json!({key.clone(): 1})).starts_with(&format!("{key}: 1")));
    }

    /// go-yaml v2 `sorter.go`: letters by code point, other characters before letters, digit
    /// runs by value.
    #[test]
    fn keys_sort_as_go_yaml_sorts_them() {
        let mut keys =
            vec!["b", "a10", "a9", "a_b", "aB", "app.kubernetes.io/name", "apps", "A", "a", "a09", "a1"];
        keys.sort_by(|a, b| key_order(a, b));
        assert_eq!(
            keys,
            ["A", "a", "a_b", "a1", "a9", "a09", "a10", "aB", "app.kubernetes.io/name", "apps", "b"]
        );
    }
}
