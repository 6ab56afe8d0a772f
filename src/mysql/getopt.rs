//! A model of `my_getopt`, the parser every MySQL and MariaDB client uses,
//! so vouch reads a client's options the way the client itself does:
//! `--name=value` and `--name value`, `_` and `-` alike in names, clustered
//! short options (`-uapp`, `-Bh host`), optional values only when attached
//! (`-pSECRET`, `--password=SECRET`), booleans with `=0|1|on|off|true|false`
//! and the `skip-`/`disable-`/`enable-` prefixes, `loose-` (an unknown loose
//! option is ignored), options after positional arguments, and `--` ending
//! the options.
//!
//! Where the client would refuse its command line (an unknown option, a
//! missing value), vouch refuses it too: it cannot tell what the client
//! would connect to. Two things the clients accept are refused on purpose:
//! abbreviated option names (`--hos` for `--host`; the clients themselves
//! call them error-prone) and `skip-`/`disable-`/`enable-` on options that
//! are not booleans (`--skip-host` makes the host `0`).

use super::options::{Arg, OptDef, Table};
use crate::error::{Error, Result};

/// Where one option or argument came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The command line.
    Args,
    /// An option file, at a line.
    File {
        path: std::path::PathBuf,
        line: usize,
    },
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Args => f.write_str("the client's arguments"),
            Origin::File { path, line } => write!(f, "{} line {line}", path.display()),
        }
    }
}

/// An option's value as the client sets it.
#[derive(Clone, PartialEq, Eq)]
pub enum Value {
    /// A boolean, or an option that takes no value (`true`).
    Flag(bool),
    /// A value.
    Text(String),
    /// An optional-value option given without one (`-p`: ask for it).
    Absent,
}

impl std::fmt::Debug for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Flag(b) => write!(f, "Flag({b})"),
            Value::Text(t) => write!(f, "Text({} bytes)", t.len()),
            Value::Absent => f.write_str("Absent"),
        }
    }
}

/// One option the client will act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Given {
    /// The option's long name in the client's table.
    pub long: &'static str,
    pub value: Value,
    /// How it was written, without any value (`-h`, `--ssl_ca`, `--skip-ssl`).
    pub spelled: String,
    pub origin: Origin,
}

/// The command line as the client reads it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Parsed {
    /// Options in the order the client applies them (the last one wins).
    pub options: Vec<Given>,
    /// Positional arguments (the database, mysqladmin's commands...).
    pub positional: Vec<String>,
}

impl Parsed {
    /// The last value given for `long`, if any.
    pub fn last(&self, long: &str) -> Option<&Given> {
        self.options.iter().rev().find(|g| g.long == long)
    }
}

/// An argument to parse: its text and where it came from.
pub struct Input<'a> {
    pub text: &'a str,
    pub origin: Origin,
}

/// Options the clients take only as their first arguments, never later.
const LEADING_ONLY: [&str; 7] = [
    "no-defaults",
    "defaults-file",
    "defaults-extra-file",
    "defaults-group-suffix",
    "print-defaults",
    "login-path",
    "no-login-paths",
];

const PREFIXES: [&str; 5] = ["skip", "disable", "enable", "maximum", "loose"];

/// Option names compare as my_getopt compares them: ASCII case ignored,
/// `-` and `_` alike.
fn same_name(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes().zip(b.bytes()).all(|(x, y)| {
            x.eq_ignore_ascii_case(&y) || (x == b'-' || x == b'_') && (y == b'-' || y == b'_')
        })
}

fn is_prefix_of(short: &str, long: &str) -> bool {
    long.len() > short.len() && same_name(short, &long[..short.len()])
}

fn parse_bool(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "1" | "on" | "true" => Some(true),
        "0" | "off" | "false" => Some(false),
        _ => None,
    }
}

/// Parse `inputs` (option-file options first, then the command line) with
/// `table`. `client` names the program in messages.
pub fn parse(client: &str, table: Table, inputs: &[Input<'_>]) -> Result<Parsed> {
    let mut out = Parsed::default();
    let mut end_of_options = false;
    let mut i = 0;
    while i < inputs.len() {
        let input = &inputs[i];
        let arg = input.text;
        i += 1;
        if end_of_options || !arg.starts_with('-') || arg == "-" {
            out.positional.push(arg.to_string());
            continue;
        }
        if arg == "--" {
            end_of_options = true;
            continue;
        }
        // Only a command-line option takes the next argument as its value;
        // an option file's line stands alone.
        let next = inputs
            .get(i)
            .filter(|n| input.origin == Origin::Args && n.origin == Origin::Args);
        i += match arg.strip_prefix("--") {
            Some(body) => long_option(client, table, body, input, next, &mut out)?,
            None => short_options(client, table, &arg[1..], input, next, &mut out)?,
        };
    }
    Ok(out)
}

/// How `--name` maps to the table: the option and what its prefixes mean.
struct Lookup {
    def: &'static OptDef,
    /// `Some(false)` for skip-/disable-, `Some(true)` for enable-.
    negation: Option<bool>,
}

fn find_exact(table: Table, name: &str) -> Option<&'static OptDef> {
    table.iter().find(|d| same_name(d.long, name))
}

/// Look a long name up as my_getopt does (exact name, then after the
/// special prefixes). `Ok(None)`: unknown but `loose-`, to be ignored.
fn lookup(client: &str, table: Table, full: &str, has_value: bool) -> Result<Option<Lookup>> {
    if full.contains('.') {
        // my_getopt reads `--KEY.option` as `option` of a named set: the
        // clients take it, vouch does not.
        return Err(Error::config(format!(
            "{client}: --{full}: vouch does not read KEY.option names; write the option without the part before the dot"
        )));
    }
    let mut name = full;
    let mut negation = None;
    let mut loose = false;
    loop {
        if let Some(def) = find_exact(table, name) {
            if negation.is_some() && def.arg != Arg::Bool {
                return Err(Error::config(format!(
                    "{client}: --{full}: --{} is not an on/off option, and the client would set it to {}; remove --{full}",
                    def.long,
                    if negation == Some(true) { "1" } else { "0" }
                )));
            }
            return Ok(Some(Lookup { def, negation }));
        }
        let mut longer: Vec<&str> = table
            .iter()
            .filter(|d| is_prefix_of(name, d.long))
            .map(|d| d.long)
            .collect();
        longer.dedup();
        let prefixes = &full[..full.len() - name.len()];
        match longer[..] {
            [] => {}
            [one] => {
                return Err(Error::config(format!(
                    "{client}: write the option --{full} in full (--{prefixes}{one}): vouch does not read abbreviated option names"
                )))
            }
            _ => {
                let some: Vec<String> = longer.iter().take(4).map(|l| format!("--{l}")).collect();
                return Err(Error::config(format!(
                    "{client}: --{full} is not an option of this client; it could be short for {}{}, so the client would refuse it as ambiguous",
                    some.join(", "),
                    if longer.len() > 4 { ", ..." } else { "" }
                )));
            }
        }
        let stripped = PREFIXES.iter().find_map(|p| {
            let head = name.get(..p.len())?;
            let rest = head.eq_ignore_ascii_case(p).then(|| &name[p.len()..])?;
            let rest = rest.strip_prefix('-').or_else(|| rest.strip_prefix('_'))?;
            Some((*p, rest))
        });
        match stripped {
            Some((p, rest)) if !rest.is_empty() => {
                match p {
                    "skip" | "disable" => negation = Some(false),
                    "enable" => negation = Some(true),
                    "loose" => loose = true,
                    _ => {
                        return Err(Error::config(format!(
                            "{client}: --{full}: the maximum- prefix is for server variables; remove it"
                        )))
                    }
                }
                name = rest;
            }
            _ if loose => return Ok(None),
            _ if LEADING_ONLY.iter().any(|l| same_name(l, name)) => {
                return Err(Error::config(format!(
                    "{client}: --{full} works only among the client's first arguments (before all other options); move it to the front"
                )))
            }
            _ => {
                let what = if has_value { "variable" } else { "option" };
                return Err(Error::config(format!(
                    "{client}: unknown {what} --{full}: the client would refuse it (check the spelling; vouch knows the options of this client version)"
                )));
            }
        }
    }
}

fn long_option(
    client: &str,
    table: Table,
    body: &str,
    input: &Input<'_>,
    next: Option<&Input<'_>>,
    out: &mut Parsed,
) -> Result<usize> {
    let (name, attached) = match body.split_once('=') {
        Some((n, v)) => (n, Some(v)),
        None => (body, None),
    };
    let Some(Lookup { def, negation }) = lookup(client, table, name, attached.is_some())? else {
        return Ok(0);
    };
    // A boolean's value is part of what the user wrote (`--ssl=0`).
    let spelled = match (def.arg, attached) {
        (Arg::Bool, Some(v)) => format!("--{name}={v}"),
        _ => format!("--{name}"),
    };
    let mut consumed = 0;
    let value = match def.arg {
        Arg::None => {
            if attached.is_some() {
                return Err(Error::config(format!(
                    "{client}: option {spelled} takes no value; remove the =..."
                )));
            }
            Value::Flag(true)
        }
        Arg::Bool => {
            let set = match attached {
                None => true,
                Some(_) if negation.is_some() => true,
                Some(v) => parse_bool(v).ok_or_else(|| {
                    Error::config(format!(
                        "{client}: {spelled}={v:?} is not a boolean (use 1, 0, ON, OFF, TRUE or FALSE)"
                    ))
                })?,
            };
            match negation {
                // As my_getopt: after skip-/disable-/enable-, only a value
                // of exactly "0" turns the meaning around; any other value
                // (even "off") leaves it.
                Some(n) => Value::Flag(if attached == Some("0") { !n } else { n }),
                None => Value::Flag(set),
            }
        }
        Arg::Required => match attached {
            Some(v) => Value::Text(v.to_string()),
            None => match next {
                Some(n) => {
                    consumed = 1;
                    Value::Text(n.text.to_string())
                }
                None => {
                    return Err(Error::config(format!(
                        "{client}: option {spelled} needs a value ({})",
                        input.origin
                    )))
                }
            },
        },
        Arg::Optional => match attached {
            Some(v) => Value::Text(v.to_string()),
            None => Value::Absent,
        },
    };
    out.options.push(Given {
        long: def.long,
        value,
        spelled,
        origin: input.origin.clone(),
    });
    Ok(consumed)
}

fn short_options(
    client: &str,
    table: Table,
    cluster: &str,
    input: &Input<'_>,
    next: Option<&Input<'_>>,
    out: &mut Parsed,
) -> Result<usize> {
    for (pos, c) in cluster.char_indices() {
        let def = table.iter().find(|d| d.short == Some(c)).ok_or_else(|| {
            Error::config(format!(
                "{client}: unknown option -{c}: the client would refuse it"
            ))
        })?;
        let rest = &cluster[pos + c.len_utf8()..];
        let spelled = format!("-{c}");
        let (value, consumed, done) = match def.arg {
            Arg::None | Arg::Bool => (Value::Flag(true), 0, false),
            Arg::Optional if rest.is_empty() => (Value::Absent, 0, true),
            Arg::Optional => (Value::Text(rest.to_string()), 0, true),
            Arg::Required if !rest.is_empty() => (Value::Text(rest.to_string()), 0, true),
            Arg::Required => match next {
                Some(n) => (Value::Text(n.text.to_string()), 1, true),
                None => {
                    return Err(Error::config(format!(
                        "{client}: option {spelled} needs a value"
                    )))
                }
            },
        };
        out.options.push(Given {
            long: def.long,
            value,
            spelled,
            origin: input.origin.clone(),
        });
        if done {
            return Ok(consumed);
        }
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Table = Table(&[&[
        OptDef {
            long: "host",
            short: Some('h'),
            arg: Arg::Required,
        },
        OptDef {
            long: "port",
            short: Some('P'),
            arg: Arg::Required,
        },
        OptDef {
            long: "password",
            short: Some('p'),
            arg: Arg::Optional,
        },
        OptDef {
            long: "ssl",
            short: None,
            arg: Arg::Bool,
        },
        OptDef {
            long: "ssl-ca",
            short: None,
            arg: Arg::Required,
        },
        OptDef {
            long: "batch",
            short: Some('B'),
            arg: Arg::Bool,
        },
        OptDef {
            long: "help",
            short: Some('?'),
            arg: Arg::None,
        },
        OptDef {
            long: "execute",
            short: Some('e'),
            arg: Arg::Required,
        },
    ]]);

    fn p(args: &[&str]) -> Result<Parsed> {
        let inputs: Vec<Input> = args
            .iter()
            .map(|a| Input {
                text: a,
                origin: Origin::Args,
            })
            .collect();
        parse("mysql", T, &inputs)
    }

    fn text(p: &Parsed, long: &str) -> Option<String> {
        match &p.last(long)?.value {
            Value::Text(t) => Some(t.clone()),
            _ => None,
        }
    }

    fn flag(p: &Parsed, long: &str) -> Option<bool> {
        match &p.last(long)?.value {
            Value::Flag(b) => Some(*b),
            _ => None,
        }
    }

    #[test]
    fn spellings_of_a_value() {
        for args in [
            &["-hdb"][..],
            &["-h", "db"],
            &["--host=db"],
            &["--host", "db"],
            &["-Bhdb"],
            &["-B", "-h", "db"],
            &["db_name", "--host=db"],
        ] {
            let parsed = p(args).unwrap();
            assert_eq!(text(&parsed, "host").as_deref(), Some("db"), "{args:?}");
        }
    }

    #[test]
    fn required_value_takes_the_next_argument_whatever_it_is() {
        let parsed = p(&["--host", "-P1", "-e", "--port=3"]).unwrap();
        assert_eq!(text(&parsed, "host").as_deref(), Some("-P1"));
        assert_eq!(text(&parsed, "execute").as_deref(), Some("--port=3"));
        assert!(parsed.last("port").is_none());
    }

    #[test]
    fn optional_value_only_attached() {
        let parsed = p(&["-p", "db"]).unwrap();
        assert_eq!(parsed.last("password").unwrap().value, Value::Absent);
        assert_eq!(parsed.positional, vec!["db"]);
        let parsed = p(&["-psecret"]).unwrap();
        assert_eq!(text(&parsed, "password").as_deref(), Some("secret"));
        let parsed = p(&["--password=", "x"]).unwrap();
        assert_eq!(text(&parsed, "password").as_deref(), Some(""));
    }

    #[test]
    fn booleans_and_prefixes() {
        assert_eq!(flag(&p(&["--ssl"]).unwrap(), "ssl"), Some(true));
        assert_eq!(flag(&p(&["--skip-ssl"]).unwrap(), "ssl"), Some(false));
        assert_eq!(flag(&p(&["--disable_ssl"]).unwrap(), "ssl"), Some(false));
        assert_eq!(flag(&p(&["--skip-ssl=0"]).unwrap(), "ssl"), Some(true));
        // Only "0" turns a prefix around: "off" and "false" do not.
        assert_eq!(flag(&p(&["--skip-ssl=off"]).unwrap(), "ssl"), Some(false));
        assert_eq!(
            flag(&p(&["--disable-ssl=false"]).unwrap(), "ssl"),
            Some(false)
        );
        assert_eq!(flag(&p(&["--enable-ssl=off"]).unwrap(), "ssl"), Some(true));
        assert_eq!(flag(&p(&["--enable-ssl=0"]).unwrap(), "ssl"), Some(false));
        // Case does not matter to my_getopt.
        assert_eq!(flag(&p(&["--SKIP-SSL"]).unwrap(), "ssl"), Some(false));
        assert_eq!(
            text(&p(&["--loose-HOST=h"]).unwrap(), "host").as_deref(),
            Some("h")
        );
        assert_eq!(flag(&p(&["--ssl=OFF"]).unwrap(), "ssl"), Some(false));
        assert_eq!(flag(&p(&["--enable-ssl"]).unwrap(), "ssl"), Some(true));
        assert_eq!(flag(&p(&["--loose-skip-ssl"]).unwrap(), "ssl"), Some(false));
        assert_eq!(
            text(&p(&["--loose-ssl_ca=/x"]).unwrap(), "ssl-ca").as_deref(),
            Some("/x")
        );
        // An unknown loose option is ignored, and takes no argument.
        let parsed = p(&["--loose-frobnicate", "db"]).unwrap();
        assert_eq!(parsed.positional, vec!["db"]);
        assert!(p(&["--ssl=maybe"]).is_err());
    }

    #[test]
    fn refusals() {
        for (args, needle) in [
            (&["--hos=x"][..], "--host"),
            (&["--skip-host"], "not an on/off"),
            (&["--frob"], "unknown option --frob"),
            (&["--frob=1"], "unknown variable"),
            (&["-x"], "unknown option -x"),
            (&["-h"], "needs a value"),
            (&["--help=1"], "takes no value"),
            (&["--maximum-port=3"], "maximum-"),
            (&["-hx", "--no-defaults"], "move it to the front"),
            (&["--loose-x.host=h"], "KEY.option"),
            (&["--x.ssl=0"], "KEY.option"),
        ] {
            let e = p(args).unwrap_err();
            assert!(e.message.contains(needle), "{args:?}: {}", e.message);
        }
    }

    #[test]
    fn end_of_options_and_dash() {
        let parsed = p(&["--", "-hx", "-"]).unwrap();
        assert_eq!(parsed.positional, vec!["-hx", "-"]);
        assert!(parsed.last("host").is_none());
    }

    #[test]
    fn a_file_option_never_takes_a_command_line_argument() {
        let inputs = [
            Input {
                text: "--host",
                origin: Origin::File {
                    path: "/etc/my.cnf".into(),
                    line: 2,
                },
            },
            Input {
                text: "db",
                origin: Origin::Args,
            },
        ];
        assert!(parse("mysql", T, &inputs).is_err());
    }
}
