//! mycli (Python, click, PyMySQL): its option table and how it finds host,
//! port and user. mycli reads no `my.cnf`; its own `myclirc` holds DSN
//! aliases and TLS defaults, which vouch overrides on the command line or
//! refuses (DSNs, aliases, login paths, tunnels and password sources are
//! not something vouch can sign for).
//!
//! Checked against mycli 2.30.1: click options (no abbreviations), the
//! environment variables `MYSQL_HOST`, `MYSQL_TCP_PORT`, `MYSQL_USER`,
//! `MYSQL_UNIX_SOCKET`, `MYSQL_DSN`; `MYSQL_PWD` read as a password
//! source; `--ssl-mode auto` (its default) falls back to plain text when
//! the server offers no TLS, so vouch always passes `--ssl-mode=on`.

use super::getopt::{Given, Origin, Parsed, Value};
use super::options::{Arg, OptDef, Table};
use super::params::{Setting, Source};
use crate::error::{Error, Result};
use crate::world::World;

const fn o(long: &'static str, short: Option<char>, arg: Arg) -> OptDef {
    OptDef { long, short, arg }
}

/// mycli 2.30's click options, hidden deprecated ones included. Aliases
/// have their own entries and are mapped by [`canonical`].
pub const TABLE: Table = Table(&[OPTIONS]);

const OPTIONS: &[OptDef] = &[
    o("host", Some('h'), Arg::Required),
    o("hostname", None, Arg::Required),
    o("port", Some('P'), Arg::Required),
    o("user", Some('u'), Arg::Required),
    o("username", None, Arg::Required),
    o("socket", Some('S'), Arg::Required),
    o("password", Some('p'), Arg::Required),
    o("pass", None, Arg::Required),
    o("password-file", None, Arg::Required),
    o("vault-address", None, Arg::Required),
    o("vault-mount", None, Arg::Required),
    o("vault-secret", None, Arg::Required),
    o("vault-password-field", None, Arg::Required),
    o("vault-username-field", None, Arg::Required),
    o("ssl-mode", None, Arg::Required),
    o("ssl-ca", None, Arg::Required),
    o("ssl-capath", None, Arg::Required),
    o("ssl-cert", None, Arg::Required),
    o("ssl-key", None, Arg::Required),
    o("ssl-cipher", None, Arg::Required),
    o("tls-version", None, Arg::Required),
    o("ssl-verify-server-cert", None, Arg::None),
    o("verbose", Some('v'), Arg::None),
    o("quiet", Some('q'), Arg::None),
    o("database", Some('D'), Arg::Required),
    o("dsn", Some('d'), Arg::Required),
    o("list-dsn", None, Arg::None),
    o("completions", None, Arg::Required),
    o("prompt", Some('R'), Arg::Required),
    o("toolbar", None, Arg::Required),
    o("logfile", Some('l'), Arg::Required),
    o("checkpoint", None, Arg::Required),
    o("resume", None, Arg::None),
    o("myclirc", None, Arg::Required),
    o("auto-vertical-output", None, Arg::None),
    o("show-warnings", None, Arg::None),
    o("no-show-warnings", None, Arg::None),
    o("table", Some('t'), Arg::None),
    o("csv", None, Arg::None),
    o("warn", None, Arg::None),
    o("no-warn", None, Arg::None),
    o("warn-batch", None, Arg::None),
    o("local-infile", None, Arg::Required),
    o("login-path", Some('g'), Arg::Required),
    o("execute", Some('e'), Arg::Required),
    o("init-command", None, Arg::Required),
    o("unbuffered", None, Arg::None),
    o("charset", None, Arg::Required),
    o("character-set", None, Arg::Required),
    o("batch", None, Arg::Required),
    o("format", None, Arg::Required),
    o("throttle", None, Arg::Required),
    o("progress", None, Arg::None),
    o("use-keyring", None, Arg::Required),
    o("keepalive-ticks", None, Arg::Required),
    o("ssh-jump", None, Arg::Required),
    o("ssh-options", None, Arg::Required),
    o("kubectl-resource", None, Arg::Required),
    o("kubectl-options", None, Arg::Required),
    o("boundary-id", None, Arg::Required),
    o("checkup", None, Arg::None),
    o("version", Some('V'), Arg::None),
    o("help", None, Arg::None),
    // Hidden, deprecated: accepted with a warning, no effect.
    o("ssl", None, Arg::None),
    o("no-ssl", None, Arg::None),
    o("list-ssh-config", None, Arg::None),
    o("ssh-warning-off", None, Arg::None),
    o("noninteractive", None, Arg::None),
    o("ssh-user", None, Arg::Required),
    o("ssh-host", None, Arg::Required),
    o("ssh-port", None, Arg::Required),
    o("ssh-password", None, Arg::Required),
    o("ssh-key-filename", None, Arg::Required),
    o("ssh-config-path", None, Arg::Required),
    o("ssh-config-host", None, Arg::Required),
];

/// The name an alias stands for.
pub fn canonical(long: &'static str) -> &'static str {
    match long {
        "hostname" => "host",
        "username" => "user",
        "pass" => "password",
        "character-set" => "charset",
        other => other,
    }
}

/// mycli's own argv rewriting: a lone `-h` is `--help`.
pub fn preprocess(args: &[String]) -> Vec<String> {
    if args.len() == 1 && args[0] == "-h" {
        return vec!["--help".into()];
    }
    args.to_vec()
}

/// Options that make mycli exit without connecting.
pub const NO_CONNECT: &[&str] = &["help", "version", "completions", "list-dsn", "checkup"];

fn refuse(what: &str) -> Error {
    Error::config(format!("mycli: {what}"))
}

fn text(g: &Given) -> &str {
    match &g.value {
        Value::Text(t) => t,
        _ => "",
    }
}

/// Where mycli connects: host (`None`: localhost), port, user, database.
pub struct Found {
    pub host: Option<Setting>,
    pub port: Setting,
    pub user: Option<Setting>,
    pub database: Option<Setting>,
}

/// Check what vouch cannot sign for and find host, port and user.
pub fn settings(parsed: &Parsed, world: &dyn World) -> Result<Found> {
    for g in &parsed.options {
        let why = match g.long {
            "password" => Some("a password option (-p/--password) would replace the token; remove it"),
            "password-file" => Some("--password-file would replace the token; remove it"),
            "vault-address" | "vault-mount" | "vault-secret" | "vault-password-field"
            | "vault-username-field" => {
                Some("--vault-* options fetch a password that would replace the token; remove them")
            }
            "dsn" => Some("-d/--dsn names a DSN or alias vouch cannot read; give -h HOST -P PORT -u USER instead"),
            "login-path" => Some("-g/--login-path reads ~/.mylogin.cnf, an obfuscated file vouch does not read; give -h HOST -P PORT -u USER instead"),
            "socket" => Some("-S/--socket names a Unix socket, which is not an RDS endpoint; connect with -h HOST"),
            "ssh-jump" | "ssh-options" | "kubectl-resource" | "kubectl-options" | "boundary-id" => {
                Some("tunnels set up by mycli are not supported; open the tunnel yourself and use vouch exec --iam-host ENDPOINT -- mycli -h 127.0.0.1 -P PORT ...")
            }
            _ => None,
        };
        if let Some(why) = why {
            return Err(refuse(why));
        }
        if g.long == "database" && text(g).contains("://") {
            return Err(refuse(
                "-D holds a DSN URL; give -h HOST -P PORT -u USER and the database name",
            ));
        }
    }
    for var in ["MYSQL_DSN", "MYSQL_UNIX_SOCKET"] {
        if world.var(var).is_some_and(|v| !v.is_empty()) {
            return Err(refuse(&format!(
                "{var} is set; mycli would use it, and vouch cannot sign for it: unset it"
            )));
        }
    }
    // click: the last value of an option wins; mycli tests values for
    // truth, so an empty host or user and port 0 count as not given, and
    // then fall to places vouch cannot see (DSN aliases, sockets): refused.
    for g in &parsed.options {
        let empty = match g.long {
            "host" | "user" | "database" => text(g).is_empty(),
            "port" => text(g).trim().trim_start_matches(['+', '0']).is_empty(),
            _ => false,
        };
        if empty {
            return Err(refuse(&format!(
                "{} is given an empty value (or port 0); mycli would then fall back to its own defaults, sockets or DSN aliases: give a real value or leave the option out",
                g.spelled
            )));
        }
        if g.long == "use-keyring" && !text(g).eq_ignore_ascii_case("false") {
            return Err(refuse(&format!(
                "{}={} would let mycli save the token in the system keyring; remove it (vouch passes --use-keyring=false)",
                g.spelled,
                text(g)
            )));
        }
    }
    let given = |long: &str| {
        parsed
            .options
            .iter()
            .any(|g| g.origin == Origin::Args && canonical(g.long) == long)
    };
    let named_db = parsed
        .positional
        .first()
        .cloned()
        .or_else(|| parsed.last("database").map(|g| text(g).to_string()));
    if let Some(p) = named_db {
        if p.contains("://") {
            return Err(refuse("the DATABASE argument is a DSN URL; give -h HOST -P PORT -u USER and the database name"));
        }
        if !["user", "host", "port", "socket", "login-path", "dsn"]
            .iter()
            .any(|o| given(o))
        {
            return Err(refuse(&format!(
                "with no -h, -u or -P, mycli reads {p:?} as a DSN alias from its myclirc, which vouch cannot read; add -h HOST (and -u USER)"
            )));
        }
    }
    let last = |long: &str| {
        parsed
            .options
            .iter()
            .rev()
            .find(|g| canonical(g.long) == long)
            .map(|g| Setting {
                value: text(g).to_string(),
                source: Source::Given(g.origin.clone()),
            })
    };
    let from_env = |name: &'static str| {
        world
            .var(name)
            .filter(|v| !v.is_empty())
            .map(|value| Setting {
                value,
                source: Source::Env(name),
            })
    };
    let host = last("host")
        .filter(|h| !h.value.is_empty())
        .or_else(|| from_env("MYSQL_HOST"));
    let port = last("port").or_else(|| from_env("MYSQL_TCP_PORT"));
    if port.is_none() && host.as_ref().is_none_or(|h| h.value == "localhost") {
        return Err(refuse(
            "with no port, mycli may connect to localhost through a Unix socket, not to RDS; give -h HOST (through a tunnel: -h 127.0.0.1 -P PORT)",
        ));
    }
    let port = port.unwrap_or(Setting {
        value: "3306".into(),
        source: Source::Default,
    });
    let user = last("user")
        .filter(|u| !u.value.is_empty())
        .or_else(|| from_env("MYSQL_USER"))
        .or_else(|| from_env("USER"))
        .or_else(|| {
            world.login_user().map(|value| Setting {
                value,
                source: Source::Default,
            })
        });
    let database = last("database").or_else(|| {
        parsed.positional.first().map(|p| Setting {
            value: p.clone(),
            source: Source::Given(Origin::Args),
        })
    });
    Ok(Found {
        host,
        port,
        user,
        database,
    })
}
