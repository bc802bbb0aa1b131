//! The state file's own YAML, written and read without a YAML library.
//!
//! Every object of the state file is one document that `serde_yaml::to_string` once wrote:
//! libyaml's block style with serde_yaml's settings (two-space indent, sequences in a mapping
//! not indented, no line width) and serde_yaml's choice of scalar style (a string that would
//! read back as another type is single-quoted, a multi-line one is a literal block). Parsing
//! and emitting that through serde_yaml and libyaml was three quarters of a `run` with nothing
//! to do. [`emit`] writes the same bytes directly, and [`parse`] reads that subset back into
//! the same value serde_yaml gives.
//!
//! Both cover only what they can do exactly and say None otherwise, and the caller hands that
//! document to serde_yaml: characters libyaml escapes (control characters, the byte order
//! mark) or reads as line breaks (U+0085, U+2028, U+2029), other strings libyaml would
//! double-quote, literal blocks that need an indentation or keep indicator, keys over 128
//! bytes (libyaml writes them as complex keys), integers beyond 64 bits; and, when reading,
//! anything the emitter never writes (comments, flow collections, anchors, tags, duplicate
//! keys, plain scalars over several lines). The rules ported here are libyaml's
//! `yaml_emitter_analyze_scalar` and serde_yaml's `visit_untagged_scalar`; the tests check
//! both directions against serde_yaml itself.

use serde_json::{Map, Number, Value};

/// Append the document serde_yaml writes for `value` (without a `---` line) to `out`; None,
/// and `out` unchanged, when `value` holds something only serde_yaml writes exactly.
pub fn emit(value: &Value, out: &mut String) -> Option<()> {
    let start = out.len();
    let written = match value {
        Value::Object(map) if !map.is_empty() => emit_map(map, 0, false, out),
        Value::Array(items) if !items.is_empty() => emit_seq(items, 0, false, out),
        _ => None,
    };
    if written.is_none() {
        out.truncate(start);
    }
    written
}

/// The value serde_yaml reads from one document of the emitter's subset (an optional `---`
/// line, then a block mapping or sequence), or None when the document holds anything else.
pub fn parse(doc: &str) -> Option<Value> {
    let body = match doc.strip_prefix("---") {
        Some(rest) => rest.strip_prefix('\n')?,
        None => doc,
    };
    let body = body.strip_suffix('\n').unwrap_or(body);
    if body.is_empty() {
        return None;
    }
    let mut reader = Reader { lines: body.split('\n').collect(), next: 0, depth: 0 };
    let first = reader.lines[0];
    reader.next = 1;
    let value = if let Some(item) = sequence_item(first) {
        Value::Array(reader.seq(0, item)?)
    } else {
        Value::Object(reader.map(0, first)?)
    };
    (reader.next == reader.lines.len()).then_some(value)
}

fn pad(indent: usize, out: &mut String) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// A mapping whose keys stand at column `indent`; with `inline_first` the first key continues
/// the current line (after a sequence's `- `).
fn emit_map(map: &Map<String, Value>, indent: usize, inline_first: bool, out: &mut String) -> Option<()> {
    for (i, (key, value)) in map.iter().enumerate() {
        if i > 0 || !inline_first {
            pad(indent, out);
        }
        push_key(key, out)?;
        emit_value(value, indent, true, out)?;
    }
    Some(())
}

/// One entry of a mapping whose keys stand at column `indent`, its value a string: the line
/// (or literal block) [`emit`] writes for it. None, with `out` partly written, when only
/// serde_yaml writes it exactly.
pub fn emit_str_entry(key: &str, value: &str, indent: usize, out: &mut String) -> Option<()> {
    pad(indent, out);
    push_key(key, out)?;
    emit_str(value, indent, out)
}

/// A mapping's key and its `:`.
fn push_key(key: &str, out: &mut String) -> Option<()> {
    if key.len() > MAX_SIMPLE_KEY || !printable(key) {
        return None;
    }
    push_single_line(key, out);
    out.push(':');
    Some(())
}

/// A sequence whose dashes stand at column `indent`.
fn emit_seq(items: &[Value], indent: usize, inline_first: bool, out: &mut String) -> Option<()> {
    for (i, item) in items.iter().enumerate() {
        if i > 0 || !inline_first {
            pad(indent, out);
        }
        out.push('-');
        emit_value(item, indent, false, out)?;
    }
    Some(())
}

/// What follows a key's `:` (`in_map`) or an item's `-` at column `indent`, through the end
/// of its last line. A sequence in a mapping is not indented; everything else nested is, by two.
fn emit_value(value: &Value, indent: usize, in_map: bool, out: &mut String) -> Option<()> {
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push(if in_map { '\n' } else { ' ' });
            return emit_map(map, indent + 2, !in_map, out);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push(if in_map { '\n' } else { ' ' });
            return emit_seq(items, if in_map { indent } else { indent + 2 }, !in_map, out);
        }
        Value::String(s) => return emit_str(s, indent, out),
        _ => {}
    }
    // Any other scalar, on the line of its key or dash.
    out.push(' ');
    match value {
        Value::Number(n) => push_number(n, out),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Object(_) => out.push_str("{}"),
        Value::Array(_) => out.push_str("[]"),
        // Null (strings went to `emit_str` above).
        _ => out.push_str("null"),
    }
    out.push('\n');
    Some(())
}

/// What follows a key's `:` or an item's `-` at column `indent` for a string: a literal block
/// when it spans lines, else the scalar on that line.
fn emit_str(s: &str, indent: usize, out: &mut String) -> Option<()> {
    if s.contains('\n') {
        return emit_literal(s, indent + 2, out);
    }
    if !printable(s) {
        return None;
    }
    out.push(' ');
    push_single_line(s, out);
    out.push('\n');
    Some(())
}

/// serde_yaml's numbers: integers in decimal, floats as ryu writes them.
fn push_number(n: &Number, out: &mut String) {
    use std::fmt::Write;
    match n.as_f64() {
        Some(f) if n.is_f64() => out.push_str(ryu::Buffer::new().format_finite(f)),
        // An integer, in decimal; writing to a String cannot fail.
        _ => {
            let _ = write!(out, "{n}");
        }
    }
}

/// A single-line [`printable`] string: plain when libyaml may write it plain and it would
/// read back as a string, single-quoted otherwise.
fn push_single_line(s: &str, out: &mut String) {
    if block_plain_allowed(s) && !resolves_to_other_type(s) {
        out.push_str(s);
    } else {
        out.push('\'');
        for c in s.chars() {
            if c == '\'' {
                out.push('\'');
            }
            out.push(c);
        }
        out.push('\'');
    }
}

/// A multi-line string as a literal block (` |` keeps its one final line break, ` |-` has
/// none), its lines at column `indent`, empty lines left empty. None when libyaml would need
/// an indentation indicator (a leading space or break), the keep indicator (several final
/// breaks) or another style (a space before a break, a final space, other characters).
fn emit_literal(s: &str, indent: usize, out: &mut String) -> Option<()> {
    if !literal_allowed(s) {
        return None;
    }
    let (body, header) = match s.strip_suffix('\n') {
        Some(body) => (body, " |\n"),
        None => (s, " |-\n"),
    };
    out.push_str(header);
    for line in body.split('\n') {
        if !line.is_empty() {
            pad(indent, out);
            out.push_str(line);
        }
        out.push('\n');
    }
    Some(())
}

/// libyaml writes a longer key as a complex key (`? key`).
const MAX_SIMPLE_KEY: usize = 128;

/// A single-line string libyaml writes as it is (unicode on): printable ASCII, or characters
/// of its `IS_PRINTABLE` ranges except the byte order mark and the line and paragraph
/// separators (YAML reads those two as line breaks).
fn printable(s: &str) -> bool {
    s.bytes().all(|b| (0x20..=0x7e).contains(&b)) || s.chars().all(printable_char)
}

fn printable_char(c: char) -> bool {
    matches!(c, ' '..='~' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
        && !matches!(c, '\u{FEFF}' | '\u{2028}' | '\u{2029}')
}

/// libyaml's `block_plain_allowed` (`yaml_emitter_analyze_scalar`) for a single-line
/// [`printable`] string: no indicator where it would start a token, no leading or trailing space.
fn block_plain_allowed(s: &str) -> bool {
    let b = s.as_bytes();
    if b.is_empty() {
        return true;
    }
    if s.starts_with("---") || s.starts_with("...") || b[0] == b' ' || b[b.len() - 1] == b' ' {
        return false;
    }
    // A character is followed by whitespace when the next is a space or the string ends.
    let followed_by_space = |i: usize| b.get(i + 1).is_none_or(|&c| c == b' ');
    if matches!(b[0], b'#' | b',' | b'[' | b']' | b'{' | b'}' | b'&' | b'*' | b'!' | b'|' | b'>')
        || matches!(b[0], b'\'' | b'"' | b'%' | b'@' | b'`')
        || matches!(b[0], b'?' | b':' | b'-') && followed_by_space(0)
    {
        return false;
    }
    (1..b.len()).all(|i| match b[i] {
        b':' => !followed_by_space(i),
        b'#' => b[i - 1] != b' ',
        _ => true,
    })
}

/// libyaml's `block_allowed`, and no hint needed: a literal block serde_yaml writes as ` |` or
/// ` |-` with every line at the block's indentation.
fn literal_allowed(s: &str) -> bool {
    s.chars().all(|c| c == '\n' || printable_char(c))
        && !s.starts_with([' ', '\n'])
        && !s.ends_with(' ')
        && !s.ends_with("\n\n")
        && !s.contains(" \n")
}

/// serde_yaml's `visit_untagged_scalar` would not read `s`, written plain, as this string:
/// it is empty, null, a boolean, an integer, a float, or digits with a leading zero (which
/// serde_yaml quotes too).
fn resolves_to_other_type(s: &str) -> bool {
    !matches!(read_plain(s), Plain::String) || digits_but_not_number(s)
}

/// What serde_yaml's `visit_untagged_scalar` reads a plain scalar as.
enum Plain {
    Null,
    Bool(bool),
    Number(Number),
    /// An integer beyond 64 bits, or an infinite or NaN float: JSON holds neither as a number.
    Unrepresentable,
    String,
}

fn read_plain(s: &str) -> Plain {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Plain::Null,
        "true" | "True" | "TRUE" => return Plain::Bool(true),
        "false" | "False" | "FALSE" => return Plain::Bool(false),
        _ => {}
    }
    if !spelled_like_number(s) {
        return Plain::String;
    }
    if let Some(u) = parse_unsigned_int(s, u64::from_str_radix) {
        return Plain::Number(u.into());
    }
    if let Some(i) = parse_negative_int(s, i64::from_str_radix) {
        return Plain::Number(i.into());
    }
    if parse_unsigned_int(s, u128::from_str_radix).is_some()
        || parse_negative_int(s, i128::from_str_radix).is_some()
    {
        return Plain::Unrepresentable;
    }
    if !digits_but_not_number(s) {
        if let Some(f) = parse_f64(s) {
            return Number::from_f64(f).map_or(Plain::Unrepresentable, Plain::Number);
        }
    }
    Plain::String
}

/// Every byte of `s` may spell a number one of the parsers below accepts (decimal, hex, octal
/// and binary integers, Rust's floats with `inf`, `infinity` and `nan`, YAML's `.inf` and
/// `.nan`): a cheap test that most strings (names, timestamps, images) fail.
fn spelled_like_number(s: &str) -> bool {
    s.bytes().all(|b| {
        b.is_ascii_hexdigit()
            || matches!(b, b'+' | b'-' | b'.' | b'x' | b'o' | b'X' | b'O' | b'i' | b'I' | b'n' | b'N' | b't')
            || matches!(b, b'T' | b'y' | b'Y')
    })
}

type FromStrRadix<T> = fn(&str, u32) -> Result<T, std::num::ParseIntError>;

/// serde_yaml's `parse_unsigned_int`: decimal, `0x`, `0o`, `0b`, an optional `+`.
fn parse_unsigned_int<T>(s: &str, from_str_radix: FromStrRadix<T>) -> Option<T> {
    let unpositive = s.strip_prefix('+').unwrap_or(s);
    for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if let Some(rest) = unpositive.strip_prefix(prefix) {
            if rest.starts_with(['+', '-']) {
                return None;
            }
            if let Ok(int) = from_str_radix(rest, radix) {
                return Some(int);
            }
        }
    }
    if unpositive.starts_with(['+', '-']) || digits_but_not_number(s) {
        return None;
    }
    from_str_radix(unpositive, 10).ok()
}

/// serde_yaml's `parse_negative_int`: `-0x`, `-0o`, `-0b` or a negative decimal.
fn parse_negative_int<T>(s: &str, from_str_radix: FromStrRadix<T>) -> Option<T> {
    for (prefix, radix) in [("-0x", 16), ("-0o", 8), ("-0b", 2)] {
        if let Some(rest) = s.strip_prefix(prefix) {
            if let Ok(int) = from_str_radix(&format!("-{rest}"), radix) {
                return Some(int);
            }
        }
    }
    if digits_but_not_number(s) {
        return None;
    }
    from_str_radix(s, 10).ok()
}

/// serde_yaml's `parse_f64`: YAML's `.inf` and `.nan` spellings, or a finite Rust float.
fn parse_f64(s: &str) -> Option<f64> {
    let unpositive = match s.strip_prefix('+') {
        Some(rest) if rest.starts_with(['+', '-']) => return None,
        Some(rest) => rest,
        None => s,
    };
    if matches!(unpositive, ".inf" | ".Inf" | ".INF") {
        return Some(f64::INFINITY);
    }
    if matches!(s, "-.inf" | "-.Inf" | "-.INF") {
        return Some(f64::NEG_INFINITY);
    }
    if matches!(s, ".nan" | ".NaN" | ".NAN") {
        return Some(f64::NAN);
    }
    unpositive.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// serde_yaml's `digits_but_not_number`: a leading zero followed by digits is a string in YAML 1.2.
fn digits_but_not_number(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    s.len() > 1 && s.starts_with('0') && s[1..].bytes().all(|b| b.is_ascii_digit())
}

/// The text after a sequence item's dash (` x` of `- x`), when `line` (without its
/// indentation) is one.
fn sequence_item(line: &str) -> Option<&str> {
    line.strip_prefix('-').filter(|rest| rest.starts_with(' '))
}

fn indentation(line: &str) -> usize {
    line.bytes().take_while(|&b| b == b' ').count()
}

/// The lines of one document, the next one to read, and how deep the collection being read is.
struct Reader<'a> {
    lines: Vec<&'a str>,
    next: usize,
    depth: usize,
}

/// serde_yaml refuses documents nested deeper than this; the reader leaves them to it.
const MAX_DEPTH: usize = 128;

impl<'a> Reader<'a> {
    /// The next line when it stands at exactly column `indent`, without that indentation.
    fn line_at(&self, indent: usize) -> Option<&'a str> {
        let line = self.lines.get(self.next)?;
        (indentation(line) == indent).then(|| &line[indent..])
    }

    /// A mapping whose keys stand at column `indent`; `first` is its first entry's text, the
    /// rest of a line already taken.
    fn map(&mut self, indent: usize, first: &'a str) -> Option<Map<String, Value>> {
        self.enter()?;
        let entries = self.count_ahead(indent, false) + 1;
        let mut map = Map::with_capacity(entries);
        let mut entry = first;
        loop {
            let (key, rest) = split_key(entry)?;
            let value = self.value(rest, indent, true)?;
            if map.insert(key, value).is_some() {
                return None;
            }
            match self.line_at(indent) {
                Some(line) if sequence_item(line).is_none() => {
                    entry = line;
                    self.next += 1;
                }
                _ => break,
            }
        }
        self.ended_at(indent)?;
        debug_assert_eq!(map.len(), entries, "the entries counted ahead");
        self.depth -= 1;
        Some(map)
    }

    /// A sequence whose dashes stand at column `indent`; `first` is the first item's text after
    /// its dash.
    fn seq(&mut self, indent: usize, first: &'a str) -> Option<Vec<Value>> {
        self.enter()?;
        let count = self.count_ahead(indent, true) + 1;
        let mut items = Vec::with_capacity(count);
        items.push(self.value(first, indent, false)?);
        while let Some(item) = self.line_at(indent).and_then(sequence_item) {
            self.next += 1;
            items.push(self.value(item, indent, false)?);
        }
        self.ended_at(indent)?;
        debug_assert_eq!(items.len(), count, "the items counted ahead");
        self.depth -= 1;
        Some(items)
    }

    /// How many more entries (`items`: sequence items) the collection at column `indent` has
    /// on the lines from the next one: the capacity to build it with, rather than grow it
    /// entry by entry.
    fn count_ahead(&self, indent: usize, items: bool) -> usize {
        let mut count = 0;
        for line in &self.lines[self.next..] {
            let at = indentation(line);
            if line.is_empty() || at > indent {
                continue;
            }
            if at < indent {
                break;
            }
            // At the column: a mapping's key, or an item of a sequence (in a mapping, the
            // value of one of its keys, not indented); a key ends a sequence.
            if sequence_item(&line[at..]).is_some() == items {
                count += 1;
            } else if items {
                break;
            }
        }
        count
    }

    fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    /// A collection at column `indent` ended: the next line, if any, stands left of it, or at
    /// its column as the next key of a mapping this sequence is the value of.
    fn ended_at(&self, indent: usize) -> Option<()> {
        match self.lines.get(self.next) {
            Some(line) if indentation(line) > indent => None,
            _ => Some(()),
        }
    }

    /// The value whose text follows a key's colon (`in_map`) or an item's dash at column
    /// `indent`: empty for a nested collection on the next lines, else a space and the value.
    fn value(&mut self, rest: &'a str, indent: usize, in_map: bool) -> Option<Value> {
        if rest.is_empty() {
            if !in_map {
                return None;
            }
            if let Some(item) = self.line_at(indent).and_then(sequence_item) {
                self.next += 1;
                return self.seq(indent, item).map(Value::Array);
            }
            let entry = self.line_at(indent + 2)?;
            self.next += 1;
            return self.map(indent + 2, entry).map(Value::Object);
        }
        let text = rest.strip_prefix(' ')?;
        match text {
            "{}" => return Some(Value::Object(Map::new())),
            "[]" => return Some(Value::Array(Vec::new())),
            "|" | "|-" => return self.literal(indent + 2, text == "|").map(Value::String),
            _ => {}
        }
        if !in_map {
            if let Some(item) = sequence_item(text) {
                return self.seq(indent + 2, item).map(Value::Array);
            }
            if is_map_entry(text) {
                return self.map(indent + 2, text).map(Value::Object);
            }
        }
        scalar_value(text)
    }

    /// A literal block's lines at column `indent` (empty lines between them), joined; `clip`
    /// keeps one final line break.
    fn literal(&mut self, indent: usize, clip: bool) -> Option<String> {
        let mut s = String::new();
        let mut last_empty = false;
        let first = self.next;
        while let Some(line) = self.lines.get(self.next) {
            if line.is_empty() {
                last_empty = true;
            } else if indentation(line) >= indent && line.len() > indent {
                last_empty = false;
            } else {
                break;
            }
            if self.next > first {
                s.push('\n');
            }
            s.push_str(line.get(indent..).unwrap_or(""));
            self.next += 1;
        }
        if self.next == first || last_empty {
            return None;
        }
        if clip {
            s.push('\n');
        }
        literal_allowed(&s).then_some(s)
    }
}

/// A sequence item's text is a mapping's first entry: a key followed by `:` and a space or the
/// end of the line.
fn is_map_entry(text: &str) -> bool {
    match text.strip_prefix('\'') {
        Some(quoted) => single_quoted_end(quoted).is_some_and(|end| quoted[end..].starts_with(':')),
        None => text.contains(": ") || text.ends_with(':'),
    }
}

/// A mapping entry's key and what follows its colon.
fn split_key(entry: &str) -> Option<(String, &str)> {
    let (key, rest) = if let Some(quoted) = entry.strip_prefix('\'') {
        let end = single_quoted_end(quoted)?;
        (unquote(&quoted[..end - 1])?, quoted[end..].strip_prefix(':')?)
    } else {
        let at = entry.find(": ").or_else(|| entry.ends_with(':').then(|| entry.len() - 1))?;
        let key = &entry[..at];
        if !printable(key) || !block_plain_allowed(key) || resolves_to_other_type(key) {
            return None;
        }
        (key.to_string(), &entry[at + 1..])
    };
    // libyaml writes a longer key as a complex key, and reads plain keys only up to 1024 bytes.
    (key.len() <= MAX_SIMPLE_KEY && (rest.is_empty() || rest.starts_with(' '))).then_some((key, rest))
}

/// Where a single-quoted scalar ends in `quoted` (the text after its opening quote): the index
/// after its closing quote; a doubled quote is an escaped one.
fn single_quoted_end(quoted: &str) -> Option<usize> {
    let b = quoted.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\'' {
            if b.get(i + 1) == Some(&b'\'') {
                i += 2;
                continue;
            }
            return Some(i + 1);
        }
        i += 1;
    }
    None
}

/// The string a single-quoted scalar's inside spells (quotes doubled), all [`printable`].
fn unquote(inside: &str) -> Option<String> {
    printable(inside).then(|| inside.replace("''", "'"))
}

/// A scalar that is the whole rest of its line: single-quoted (always a string) or plain.
pub fn scalar_value(text: &str) -> Option<Value> {
    if let Some(quoted) = text.strip_prefix('\'') {
        let end = single_quoted_end(quoted)?;
        return (end == quoted.len()).then(|| unquote(&quoted[..end - 1])).flatten().map(Value::String);
    }
    if !printable(text) {
        return None;
    }
    match read_plain(text) {
        Plain::String => block_plain_allowed(text).then(|| Value::String(text.to_string())),
        Plain::Null => (text == "null").then_some(Value::Null),
        Plain::Bool(b) => Some(Value::Bool(b)),
        Plain::Number(n) => Some(Value::Number(n)),
        Plain::Unrepresentable => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn by_serde_yaml(value: &Value) -> String {
        serde_yaml::to_string(value).unwrap()
    }

    /// What serde_yaml reads from `text`.
    fn read_by_serde_yaml(text: &str) -> Value {
        serde_yaml::from_str(text).unwrap()
    }

    /// Both directions against serde_yaml: the emitter writes its bytes or declines, the reader
    /// reads what serde_yaml reads from them or declines.
    fn check(value: &Value) -> (bool, bool) {
        let expected = by_serde_yaml(value);
        let mut out = String::from("kept\n");
        let emitted = emit(value, &mut out).map(|()| out[5..].to_string());
        if emitted.is_none() {
            assert_eq!(out, "kept\n", "a declined value leaves the text as it was");
        }
        if let Some(text) = &emitted {
            assert_eq!(text, &expected, "emitted differently: {value:#}");
        }
        let parsed = parse(&expected);
        if let Some(read) = &parsed {
            assert_eq!(read, &read_by_serde_yaml(&expected), "read differently:\n{expected}");
        }
        (emitted.is_some(), parsed.is_some())
    }

    fn pod() -> Value {
        json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": "web-0001-7d9f8c6b5d-abcde",
                "namespace": "default",
                "labels": {"app": "web", "pod-template-hash": "7d9f8c6b5d"},
                "annotations": {
                    "kubectl.kubernetes.io/last-applied-configuration": "{\"apiVersion\":\"v1\",\"kind\":\"Pod\"}\n",
                    "note": "two lines\nno final break",
                    "deployment.kubernetes.io/revision": "1",
                },
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web", "controller": true, "blockOwnerDeletion": true}],
                "resourceVersion": "106853",
                "creationTimestamp": "2025-01-01T00:00:00Z",
                "finalizers": [],
            },
            "spec": {
                "containers": [{
                    "name": "nginx",
                    "image": "nginx:1.25",
                    "command": ["sh", "-c", "echo 'hi' # not a comment"],
                    "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
                    "ports": [{"containerPort": 80, "protocol": "TCP"}],
                }],
                "securityContext": {},
                "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}],
                "priority": 0,
                "nested": [[1, 2], [], [{"a": null}], {}],
            },
            "status": {
                "phase": "Running",
                "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": "2025-01-01T00:00:03Z"}],
                "podIP": "10.244.0.2",
                "score": -1.5,
                "message": "Container image \"nginx:1.25\" already present on machine",
            },
        })
    }

    #[test]
    fn a_pod_is_written_and_read_without_serde_yaml() {
        assert_eq!(check(&pod()), (true, true));
        assert_eq!(parse(&format!("---\n{}", by_serde_yaml(&pod()))), Some(pod()));
    }

    #[test]
    fn strings_that_read_as_other_types_are_quoted_like_serde_yaml() {
        for s in [
            "",
            "~",
            "null",
            "Null",
            "true",
            "FALSE",
            "0",
            "-7",
            "+3",
            "0x1f",
            "-0o17",
            "0b101",
            "007",
            "-012",
            "1.5",
            "1e3",
            ".inf",
            "-.INF",
            ".nan",
            "+.5",
            "inf",
            "NaN",
            "1_000",
            "12345678901234567890123",
            "10.244.0.2",
            "1.2.3",
            "y",
            "no",
            "on",
            "0.0.0.0/0",
            "2025-01-01T00:00:00Z",
            "25%",
            "-",
            "- x",
            ":",
            ": x",
            "a:",
            "a: b",
            "a:b",
            "?",
            "? x",
            "?x",
            "#x",
            "a #b",
            "a#b",
            "'q'",
            "\"d\"",
            "it's",
            "---",
            "...x",
            "[x]",
            "x]",
            "{}",
            "a, b",
            "*a",
            "&a",
            "!tag",
            "%x",
            "@x",
            "`x",
            "|",
            ">x",
            " lead",
            "trail ",
            "a  b",
        ] {
            check(&json!({ "k": s }));
            check(&json!({ s: 1 }));
            check(&json!([s]));
        }
    }

    #[test]
    fn what_only_serde_yaml_writes_exactly_is_left_to_it() {
        for value in [
            json!({"k": "tab\there"}),
            json!({"k": "next line\u{85}"}),
            json!({"k": "line separator\u{2028}"}),
            json!({"k": "\u{feff}byte order mark"}),
            json!({"k": "not a character\u{fffe}"}),
            json!({"k": "ünïcode\nwith a\u{2029}separator\n"}),
            json!({"k": " leading space\nblock"}),
            json!({"k": "\nleading break"}),
            json!({"k": "two final breaks\n\n"}),
            json!({"k": "space before break \nx"}),
            json!({"multi\nline key": 1}),
            json!({"k".repeat(129): 1}),
        ] {
            let (emitted, _) = check(&value);
            assert!(!emitted, "{value}");
        }
        assert_eq!(check(&json!({"k": i64::MIN, "u": u64::MAX, "f": 1e300})), (true, true));
        let unicode = json!({"ünïcode": "«中文» 😀\u{a0}", "k": ["'中'", ": 中", "中: x", "a\n中\n"]});
        assert_eq!(check(&unicode), (true, true), "printable Unicode is written as it is");
    }

    #[test]
    fn what_the_emitter_never_writes_is_left_to_serde_yaml() {
        for text in [
            "a: 1 # comment\n",
            "# comment\na: 1\n",
            "a: {b: 1}\n",
            "a: [1, 2]\n",
            "a: &x 1\nb: *x\n",
            "a: !!str 1\n",
            "a: 1\na: 2\n",
            "a: plain\n  continued\n",
            "a:\n    b: 1\n",
            "a:\n  - 1\n",
            "a: \"double\"\n",
            "a:\nb: 1\n",
            "a: |2\n   x\n",
            "a: |\n  x\n\nb: 1\n",
            "a: 1\r\n",
            "- \n",
            "--- a: 1\n",
            "---\n",
            "",
        ] {
            assert_eq!(parse(text), None, "{text:?}");
        }
        let nested = |depth: usize| {
            (0..depth).map(|i| format!("{}k:\n", "  ".repeat(i))).collect::<String>()
                + &"  ".repeat(depth)
                + "k: 1\n"
        };
        let key = |len: usize| format!("{}: 1\n", "k".repeat(len));
        assert!(parse(&nested(100)).is_some() && parse(&key(128)).is_some());
        assert_eq!(parse(&nested(200)), None, "deeper than serde_yaml reads");
        assert_eq!(parse(&key(1100)), None, "a key longer than libyaml reads");
    }

    fn scalar_text() -> impl Strategy<Value = String> {
        let pieces = prop::sample::select(vec![
            "a", "Z", "0", "1", "9", "x", "-", "+", ".", ":", " ", "#", "'", "\"", "\n", "{", "}", "[", "]",
            ",", "?", "|", ">", "!", "&", "*", "%", "@", "`", "~", "e", "0x", "0o", "inf", "nan", "true",
            "null", "---", "\t", "é", "中", "😀", "\u{a0}", "\u{85}", "\u{2028}", "\u{feff}",
        ]);
        prop::collection::vec(pieces, 0..8).prop_map(|p| p.concat())
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|i| json!(i)),
            any::<u64>().prop_map(|u| json!(u)),
            (-1e6f64..1e6).prop_map(|f| json!(f)),
            scalar_text().prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::vec((scalar_text(), inner), 0..5)
                    .prop_map(|entries| Value::Object(entries.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        #[test]
        fn emits_and_reads_what_serde_yaml_does(value in json_value()) {
            let document = json!({"apiVersion": "v1", "data": value});
            check(&document);
        }
    }
}
