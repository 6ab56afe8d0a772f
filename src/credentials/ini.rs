//! The INI dialect of `~/.aws/config` and `~/.aws/credentials`, parsed as
//! botocore parses it: Python's `configparser.RawConfigParser` with its
//! defaults, then botocore's one level of nested sub-sections.
//!
//! The rules (from CPython 3.11 `configparser._read` and botocore
//! `configloader.raw_config_parse`, checked against both):
//! - a line whose first non-blank character is `#` or `;` is a comment;
//!   there are **no inline comments**: `key = v # note` has value `v # note`;
//! - `[name]` opens a section; the name is everything between the first `[`
//!   and the last `]` of the line, unstripped; a duplicate section or a
//!   duplicate key within a section is an error (strict mode);
//! - `key = value` or `key: value`, split at the first `=` or `:`; keys are
//!   lowercased, keys and values stripped; a line with no delimiter, or a key
//!   before any section, is an error;
//! - a line indented deeper than the key line above it continues that value
//!   (joined with `\n`; blank lines inside are kept, trailing ones dropped,
//!   comment lines skipped) — even if it looks like `key = value`;
//! - a value that starts with a newline (`s3 =` followed by indented lines)
//!   is a nested sub-section of `key = value` lines;
//! - `[DEFAULT]` is not a section: its keys are inherited by every section.
//!
//! One leniency: a UTF-8 byte-order mark at the start is ignored (Python
//! would report a missing section header).

use std::collections::HashMap;

/// A value: plain text, or a nested sub-section (e.g. `s3 =` + indented keys).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value {
    Text(String),
    Nested(Vec<(String, String)>),
}

impl Value {
    pub(crate) fn text(&self) -> Option<&str> {
        match self {
            Value::Text(t) => Some(t),
            Value::Nested(_) => None,
        }
    }
}

/// The keys of one section (with `[DEFAULT]` keys merged in).
pub(crate) type Props = HashMap<String, Value>;

/// A parsed file: sections in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Ini {
    pub sections: Vec<(String, Props)>,
}

impl Ini {
    pub(crate) fn section(&self, name: &str) -> Option<&Props> {
        self.sections
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, p)| p)
    }
}

/// Where and why a file does not parse. Never quotes the line: it could
/// hold a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParseError {
    pub line: usize,
    pub reason: &'static str,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

/// Where the key being read lives.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Cursor {
    Default,
    Section(usize),
}

struct RawSection {
    name: String,
    /// Keys in order: name, line number, value lines.
    keys: Vec<(String, usize, Vec<String>)>,
}

pub(crate) fn parse(text: &str) -> Result<Ini, ParseError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut defaults = RawSection {
        name: String::new(),
        keys: Vec::new(),
    };
    let mut sections: Vec<RawSection> = Vec::new();
    let mut cursor: Option<Cursor> = None;
    // Index of the key whose value continuation lines extend.
    let mut current_key: Option<usize> = None;
    let mut indent_level = 0usize;
    let mut first_error: Option<ParseError> = None;

    for (i, line) in lines(text).enumerate() {
        let lineno = i + 1;
        let stripped = line.trim();
        let is_comment = stripped.starts_with('#') || stripped.starts_with(';');
        let value = if is_comment { "" } else { stripped };
        if value.is_empty() {
            // A blank line (not a comment) inside a value is kept.
            if !is_comment {
                if let (Some(c), Some(k)) = (cursor, current_key) {
                    section_mut(&mut defaults, &mut sections, c).keys[k]
                        .2
                        .push(String::new());
                }
            }
            continue;
        }
        let cur_indent = line.chars().take_while(|c| c.is_whitespace()).count();
        if let (Some(c), Some(k)) = (cursor, current_key) {
            if cur_indent > indent_level {
                section_mut(&mut defaults, &mut sections, c).keys[k]
                    .2
                    .push(value.to_owned());
                continue;
            }
        }
        indent_level = cur_indent;
        if let Some(name) = section_header(value) {
            if name == "DEFAULT" {
                cursor = Some(Cursor::Default);
            } else if sections.iter().any(|s| s.name == name) {
                return Err(ParseError {
                    line: lineno,
                    reason: "duplicate section",
                });
            } else {
                sections.push(RawSection {
                    name: name.to_owned(),
                    keys: Vec::new(),
                });
                cursor = Some(Cursor::Section(sections.len() - 1));
            }
            current_key = None;
            continue;
        }
        let Some(c) = cursor else {
            return Err(ParseError {
                line: lineno,
                reason: "key outside any [section]",
            });
        };
        let Some(d) = value.find(['=', ':']) else {
            first_error.get_or_insert(ParseError {
                line: lineno,
                reason: "not a section header, a `key = value` line or a comment",
            });
            continue;
        };
        let key = value[..d].trim_end();
        if key.is_empty() {
            first_error.get_or_insert(ParseError {
                line: lineno,
                reason: "empty key",
            });
        }
        let key = key.to_lowercase();
        let val = value[d + 1..].trim();
        let sect = section_mut(&mut defaults, &mut sections, c);
        if sect.keys.iter().any(|(k, _, _)| *k == key) {
            return Err(ParseError {
                line: lineno,
                reason: "duplicate key in section",
            });
        }
        sect.keys.push((key, lineno, vec![val.to_owned()]));
        current_key = Some(sect.keys.len() - 1);
    }
    if let Some(e) = first_error {
        return Err(e);
    }

    let join = |lines: &[String]| lines.join("\n").trim_end().to_owned();
    let mut out = Ini::default();
    for s in &sections {
        // Section keys come second and so override `[DEFAULT]` ones.
        let mut effective: HashMap<&str, (usize, &[String])> = HashMap::new();
        for (k, line, v) in defaults.keys.iter().chain(s.keys.iter()) {
            effective.insert(k, (*line, v));
        }
        let mut props = Props::with_capacity(effective.len());
        for (k, (line, v)) in effective {
            let v = join(v);
            let value = if v.starts_with('\n') {
                Value::Nested(parse_nested(&v).ok_or(ParseError {
                    line,
                    reason: "a line of this nested sub-section has no `=`",
                })?)
            } else {
                Value::Text(v)
            };
            props.insert(k.to_owned(), value);
        }
        out.sections.push((s.name.clone(), props));
    }
    Ok(out)
}

fn section_mut<'a>(
    defaults: &'a mut RawSection,
    sections: &'a mut [RawSection],
    c: Cursor,
) -> &'a mut RawSection {
    match c {
        Cursor::Default => defaults,
        Cursor::Section(i) => &mut sections[i],
    }
}

/// Lines as Python's universal newlines see them (`\n`, `\r\n`, `\r`).
fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let r = rest?;
        match r.find(['\r', '\n']) {
            Some(i) => {
                let skip = if r[i..].starts_with("\r\n") { 2 } else { 1 };
                rest = Some(&r[i + skip..]).filter(|s| !s.is_empty());
                Some(&r[..i])
            }
            None => {
                rest = None;
                Some(r)
            }
        }
    })
}

/// `[name]` (configparser's `\[(?P<header>.+)\]` matched at the start of the
/// stripped line): the text between the first `[` and the last `]`.
fn section_header(value: &str) -> Option<&str> {
    let inner = value.strip_prefix('[')?;
    let end = inner.rfind(']')?;
    (end > 0).then(|| &inner[..end])
}

/// botocore's `_parse_nested`: each non-blank line is `key = value`.
fn parse_nested(value: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    for line in value.lines() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let (k, v) = line.split_once('=')?;
        out.push((k.trim().to_owned(), v.trim().to_owned()));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text<'a>(ini: &'a Ini, sect: &str, key: &str) -> Option<&'a str> {
        ini.section(sect)?.get(key)?.text()
    }

    #[test]
    fn comments_whitespace_and_no_inline_comments() {
        let ini = parse(
            "# top comment\n; another\n[default]\n  region = us-west-2  \n\
             aws_secret_access_key = abc # not a comment\nKEY:V ; nor this\n\n[dev]\nx=1\n",
        )
        .unwrap();
        assert_eq!(text(&ini, "default", "region"), Some("us-west-2"));
        assert_eq!(
            text(&ini, "default", "aws_secret_access_key"),
            Some("abc # not a comment")
        );
        assert_eq!(text(&ini, "default", "key"), Some("V ; nor this"));
        assert_eq!(text(&ini, "dev", "x"), Some("1"));
        assert_eq!(ini.sections.len(), 2);
    }

    #[test]
    fn section_headers_are_taken_literally() {
        let ini = parse("[profile  sp ] # trailing\na=1\n[ default ]\nb=2\n[a]b]\nc=3\n").unwrap();
        let names: Vec<&str> = ini.sections.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["profile  sp ", " default ", "a]b"]);
    }

    #[test]
    fn split_at_first_delimiter() {
        let ini = parse("[p]\ncredential_process = /bin/tool --url=https://x:1 a\n").unwrap();
        assert_eq!(
            text(&ini, "p", "credential_process"),
            Some("/bin/tool --url=https://x:1 a")
        );
        let ini = parse("[p]\nempty =\n").unwrap();
        assert_eq!(text(&ini, "p", "empty"), Some(""));
    }

    #[test]
    fn indented_lines_continue_the_value_and_nested_sections_parse() {
        let ini = parse(
            "[p]\nregion = r\n  aws_access_key_id = K\ns3 =\n  addressing_style = path\n\n  x=1\n\
             cp = foo\n # comment inside\n  bar\n\nnext = 1\n",
        )
        .unwrap();
        // Looks like a key, but it is indented under `region`.
        assert_eq!(text(&ini, "p", "region"), Some("r\naws_access_key_id = K"));
        assert!(ini.section("p").unwrap().get("aws_access_key_id").is_none());
        assert_eq!(
            ini.section("p").unwrap().get("s3"),
            Some(&Value::Nested(vec![
                ("addressing_style".into(), "path".into()),
                ("x".into(), "1".into())
            ]))
        );
        assert_eq!(text(&ini, "p", "cp"), Some("foo\nbar"));
        assert_eq!(text(&ini, "p", "next"), Some("1"));
    }

    #[test]
    fn default_section_is_inherited() {
        let ini = parse("[DEFAULT]\nregion=x\nk=d\n[profile a]\nk=v\n").unwrap();
        assert_eq!(ini.sections.len(), 1);
        assert_eq!(text(&ini, "profile a", "region"), Some("x"));
        assert_eq!(text(&ini, "profile a", "k"), Some("v"));
    }

    #[test]
    fn errors_like_strict_configparser() {
        let err = |s: &str| parse(s).unwrap_err();
        assert_eq!(err("[a]\nx=1\n[a]\n").reason, "duplicate section");
        assert_eq!(err("[a]\nregion=1\nREGION=2\n").line, 3);
        assert_eq!(err("x=1\n[a]\n").reason, "key outside any [section]");
        assert_eq!(err("[a]\nregion\n").line, 2);
        assert_eq!(err("[a]\n= v\n").reason, "empty key");
        assert!(parse("[a]\ns3 =\n  no delimiter\n").is_err());
        // The message never quotes the offending line.
        let e = err("[a]\nAKIAEXAMPLESECRETLINE\n");
        assert!(!e.to_string().contains("AKIA"));
    }

    #[test]
    fn line_endings_and_bom() {
        let ini = parse("\u{feff}[a]\r\nx = 1\r\ny = 2\rz = 3").unwrap();
        assert_eq!(text(&ini, "a", "x"), Some("1"));
        assert_eq!(text(&ini, "a", "y"), Some("2"));
        assert_eq!(text(&ini, "a", "z"), Some("3"));
        assert_eq!(parse("").unwrap(), Ini::default());
    }
}
