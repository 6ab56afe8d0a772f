//! A model of glibc's `getopt_long`, the parser every PostgreSQL client
//! uses, so vouch reads a client's argv the way the client itself does:
//! clustered short options (`-qAth host`, `-hHOST`), `--opt=value` and
//! `--opt value`, unique-prefix abbreviations (`--hos=x`), permutation
//! (options after positional arguments, unless `POSIXLY_CORRECT` is set)
//! and `--` ending the options. pgcli's click parser is the same machine
//! without abbreviations.
//!
//! Unknown and ambiguous options are not errors here: the client reports
//! them itself. Only a known option missing its value is an error, since
//! vouch cannot tell what the client would connect to.

use crate::error::{Error, Result};

/// Whether an option takes a value (glibc's `has_arg`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HasArg {
    No,
    Required,
    /// Only `--opt=value` (or `-ovalue`) carries a value.
    Optional,
}

/// One entry of a client's `struct option` table. `val` is the short
/// option letter it stands for, or a number unique within the table for
/// long-only options (the C code's numeric or flag-pointer entries).
#[derive(Debug, Clone, Copy)]
pub(crate) struct LongOpt {
    pub name: &'static str,
    pub has_arg: HasArg,
    pub val: u32,
}

/// A client's command-line grammar: getopt optstrings and long tables,
/// each in two parts (a release's own and later additions) searched as one.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Grammar {
    /// getopt optstrings: a letter, `:` after it for a required value,
    /// `::` for an optional one.
    pub short: [&'static str; 2],
    pub long: [&'static [LongOpt]; 2],
    /// glibc accepts unique prefixes of long names; click does not.
    pub abbreviations: bool,
}

/// One parsed piece of the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Item {
    /// A recognised option: its `val`, its value, and how it was spelled.
    Opt {
        val: u32,
        arg: Option<String>,
        spelled: String,
    },
    Positional(String),
}

/// Long-option lookup outcome.
enum Found {
    One(&'static LongOpt),
    /// Ambiguous, but every candidate agrees on whether it takes a value.
    Ambiguous(HasArg),
    None,
}

impl Grammar {
    fn short_spec(&self, c: u8) -> Option<HasArg> {
        if c == b':' || c == b';' {
            return None;
        }
        self.short.iter().find_map(|optstring| {
            let s = optstring.as_bytes();
            let i = s.iter().position(|&b| b == c)?;
            Some(match (s.get(i + 1), s.get(i + 2)) {
                (Some(b':'), Some(b':')) => HasArg::Optional,
                (Some(b':'), _) => HasArg::Required,
                _ => HasArg::No,
            })
        })
    }

    fn longs(&self) -> impl Iterator<Item = &'static LongOpt> {
        self.long.into_iter().flatten()
    }

    fn find_long(&self, name: &str) -> Found {
        if let Some(o) = self.longs().find(|o| o.name == name) {
            return Found::One(o);
        }
        if !self.abbreviations {
            return Found::None;
        }
        let mut matches = self.longs().filter(|o| o.name.starts_with(name));
        let Some(first) = matches.next() else {
            return Found::None;
        };
        let mut same_option = true;
        let mut same_arg = true;
        for o in matches {
            same_option &= o.has_arg == first.has_arg && o.val == first.val;
            same_arg &= o.has_arg == first.has_arg;
        }
        if same_option {
            Found::One(first)
        } else if same_arg {
            // The client rejects this, but its value (if any) is skipped
            // the same way whichever option the user meant.
            Found::Ambiguous(first.has_arg)
        } else {
            Found::None
        }
    }
}

fn missing_value(program: &str, spelled: &str) -> Error {
    Error::config(format!(
        "{program}: option {spelled} needs a value; give it one or remove the option"
    ))
}

/// Split `args` (argv without argv[0]) as getopt_long would. With
/// `posixly_correct`, options end at the first positional argument.
pub(crate) fn parse(
    program: &str,
    grammar: &Grammar,
    args: &[String],
    posixly_correct: bool,
) -> Result<Vec<Item>> {
    let mut items = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        if arg == "--" {
            items.extend(args[i..].iter().cloned().map(Item::Positional));
            break;
        }
        if !arg.starts_with('-') || arg.len() == 1 {
            if posixly_correct {
                items.extend(args[i - 1..].iter().cloned().map(Item::Positional));
                break;
            }
            items.push(Item::Positional(arg.clone()));
            continue;
        }
        if let Some(body) = arg.strip_prefix("--") {
            let (name, inline) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (body, None),
            };
            let (opt, has_arg) = match grammar.find_long(name) {
                Found::One(o) => (Some(o), o.has_arg),
                Found::Ambiguous(h) => (None, h),
                Found::None => continue, // unknown: the client reports it
            };
            let value = match (has_arg, inline) {
                (HasArg::No, Some(_)) => continue, // "doesn't allow an argument"
                (_, Some(v)) => Some(v),
                (HasArg::Required, None) => match args.get(i) {
                    Some(v) => {
                        i += 1;
                        Some(v.clone())
                    }
                    None if opt.is_some() => return Err(missing_value(program, arg)),
                    None => None,
                },
                (_, None) => None,
            };
            if let Some(o) = opt {
                items.push(Item::Opt {
                    val: o.val,
                    arg: value,
                    spelled: format!("--{}", o.name),
                });
            }
            continue;
        }
        // A cluster of short options. Option letters are ASCII, so slicing
        // right after one always lands on a character boundary.
        let bytes = arg.as_bytes();
        let mut j = 1;
        while j < bytes.len() {
            let c = bytes[j];
            j += 1;
            let Some(has_arg) = grammar.short_spec(c) else {
                continue; // unknown letter: the client reports it
            };
            let spelled = format!("-{}", c as char);
            let rest = &arg[j..];
            let value = match has_arg {
                HasArg::No => None,
                HasArg::Optional => (!rest.is_empty()).then(|| rest.to_string()),
                HasArg::Required if !rest.is_empty() => Some(rest.to_string()),
                HasArg::Required => match args.get(i) {
                    Some(v) => {
                        i += 1;
                        Some(v.clone())
                    }
                    None => return Err(missing_value(program, &spelled)),
                },
            };
            let ends_cluster = value.is_some() || has_arg != HasArg::No;
            items.push(Item::Opt {
                val: u32::from(c),
                arg: value,
                spelled,
            });
            if ends_cluster {
                break;
            }
        }
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LONG: &[LongOpt] = &[
        LongOpt {
            name: "host",
            has_arg: HasArg::Required,
            val: b'h' as u32,
        },
        LongOpt {
            name: "help",
            has_arg: HasArg::Optional,
            val: 1,
        },
        LongOpt {
            name: "set",
            has_arg: HasArg::Required,
            val: b'v' as u32,
        },
        LongOpt {
            name: "variable",
            has_arg: HasArg::Required,
            val: b'v' as u32,
        },
        LongOpt {
            name: "version",
            has_arg: HasArg::No,
            val: b'V' as u32,
        },
        LongOpt {
            name: "no-align",
            has_arg: HasArg::No,
            val: b'A' as u32,
        },
        LongOpt {
            name: "no-psqlrc",
            has_arg: HasArg::No,
            val: b'X' as u32,
        },
        LongOpt {
            name: "table-attr",
            has_arg: HasArg::Required,
            val: b'T' as u32,
        },
        LongOpt {
            name: "tablespace",
            has_arg: HasArg::Required,
            val: 7,
        },
    ];
    const G: Grammar = Grammar {
        short: ["Ah:qtv:VX", "o::"],
        long: [LONG, &[]],
        abbreviations: true,
    };

    fn render(args: &[&str], posix: bool, g: &Grammar) -> String {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        match parse("psql", g, &args, posix) {
            Err(e) => format!("error: {e}"),
            Ok(items) => items
                .iter()
                .map(|it| match it {
                    Item::Opt {
                        val, arg: Some(a), ..
                    } => format!("{}={a}", char::from_u32(*val).unwrap_or('#')),
                    Item::Opt { val, arg: None, .. } => {
                        format!("{}", char::from_u32(*val).unwrap_or('#'))
                    }
                    Item::Positional(p) => format!("[{p}]"),
                })
                .collect::<Vec<_>>()
                .join(" "),
        }
    }

    #[test]
    #[rustfmt::skip]
    fn getopt_table() {
        let cases: &[(&[&str], bool, &str)] = &[
            (&["-h", "db"], false, "h=db"),
            (&["-hdb"], false, "h=db"),
            (&["-qAth", "db"], false, "q A t h=db"),
            (&["-qAthdb"], false, "q A t h=db"),
            (&["-h", "-q"], false, "h=-q"),
            (&["--host=db"], false, "h=db"),
            (&["--host", "db"], false, "h=db"),
            (&["--host="], false, "h="),
            (&["--hos=db"], false, "h=db"),
            (&["--ho", "db"], false, "h=db"),
            (&["--h", "x"], false, "[x]"), // host/help ambiguous, different arg kinds
            (&["--se", "x=1"], false, "v=x=1"),
            (&["--va", "x=1"], false, "v=x=1"),
            (&["--v", "x"], false, "[x]"), // variable/version: ambiguous
            (&["--ta", "x", "y"], false, "[y]"), // table-attr/tablespace both take a value
            (&["--no-a"], false, "A"),
            (&["--no"], false, ""),
            (&["--help"], false, "\u{1}"),
            (&["--help=commands", "x"], false, "\u{1}=commands [x]"),
            (&["--version=1"], false, ""),
            (&["--bogus=1", "x"], false, "[x]"),
            (&["--bogus", "x"], false, "[x]"),
            (&["-z", "x"], false, "[x]"),
            (&["-zqh", "x"], false, "q h=x"),
            (&["-o", "x"], false, "o [x]"),
            (&["-ox"], false, "o=x"),
            (&["db", "-h", "h1", "user"], false, "[db] h=h1 [user]"),
            (&["db", "-h", "h1", "user"], true, "[db] [-h] [h1] [user]"),
            (&["-q", "db", "-h", "h1"], true, "q [db] [-h] [h1]"),
            (&["-h", "h1", "--", "-h", "h2"], false, "h=h1 [-h] [h2]"),
            (&["-", "-q"], false, "[-] q"),
            (&["-h", "--"], false, "h=--"),
            (&["-:", "x"], false, "[x]"),
            (&["-qé", "x"], false, "q [x]"),
            (&["-hé"], false, "h=é"),
        ];
        for (args, posix, want) in cases {
            assert_eq!(render(args, *posix, &G), *want, "args {args:?} posix={posix}");
        }
    }

    #[test]
    fn missing_values_are_errors() {
        for args in [&["-h"][..], &["-qh"], &["--host"], &["--hos"], &["x", "-v"]] {
            let got = render(args, false, &G);
            assert!(got.starts_with("error: psql: option -"), "{args:?}: {got}");
            assert!(got.contains("needs a value"), "{args:?}: {got}");
        }
        // An ambiguous abbreviation at the end is the client's error to report.
        assert_eq!(render(&["--ta"], false, &G), "");
    }

    #[test]
    fn click_style_has_no_abbreviations() {
        let g = Grammar {
            abbreviations: false,
            ..G
        };
        assert_eq!(render(&["--hos=x", "db"], false, &g), "[db]");
        assert_eq!(render(&["--host=x", "db"], false, &g), "h=x [db]");
    }
}
