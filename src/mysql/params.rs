//! The connection a MySQL-family client will make: option files, then the
//! command line, parsed with the client's table; `MYSQL_HOST`,
//! `MYSQL_TCP_PORT` and the built-in defaults fill what is left.

use std::path::PathBuf;

use super::getopt::{self, Given, Input, Origin, Parsed, Value};
use super::mycli;
use super::optfile::{self, Leading};
use super::options::Table;
use super::{Flavour, MyClient};
use crate::error::{Error, Result};
use crate::world::World;

/// Where a setting came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Given(Origin),
    Env(&'static str),
    Default,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Given(o) => o.fmt(f),
            Source::Env(v) => f.write_str(v),
            Source::Default => f.write_str("the client's default"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    pub value: String,
    pub source: Source,
}

/// A boolean option as last set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Switch {
    pub on: bool,
    pub spelled: String,
    pub origin: Origin,
}

/// The TLS options the user set (command line or option files).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TlsGiven {
    /// MariaDB's `--ssl` (on by default in 10.11).
    pub ssl: Option<Switch>,
    /// MariaDB's `--ssl-verify-server-cert`.
    pub verify_server_cert: Option<Switch>,
    /// Oracle's `--ssl-mode`, upper-cased.
    pub ssl_mode: Option<Setting>,
    pub ssl_ca: Option<Setting>,
    pub ssl_capath: Option<Setting>,
}

/// What the client will connect with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MyParams {
    /// `None`: the client's default, `localhost`.
    pub host: Option<Setting>,
    /// Always set: 3306 by default.
    pub port: Setting,
    /// `None` only when the login user is unknown.
    pub user: Option<Setting>,
    pub database: Option<Setting>,
    pub tls: TlsGiven,
    /// How many of the client's arguments are the leading
    /// `--no-defaults`/`--defaults-*` ones (vouch's flags go after them).
    pub leading_args: usize,
    pub leading: Leading,
    /// The option files read, in order.
    pub files: Vec<PathBuf>,
    /// Things to tell the user (ignored world-writable files...).
    pub warnings: Vec<String>,
    /// The parsed options, for the flags vouch adds.
    pub parsed: Parsed,
}

/// The option groups `client` reads, in `flavour`.
pub fn groups(client: MyClient, flavour: Flavour) -> Vec<&'static str> {
    let names = client.names();
    match flavour {
        Flavour::Mycli => vec![],
        Flavour::Oracle { .. } => vec![names[0], "client"],
        Flavour::MariaDb => {
            // `[mariadb]` is a server group: the mysql client reads
            // `[mariadb-client]` instead.
            let own = match client {
                MyClient::Mysql => "mariadb-client",
                _ => names[1],
            };
            vec![names[0], own, "client", "client-server", "client-mariadb"]
        }
    }
}

/// Split off the leading `--no-defaults`/`--defaults-*` arguments, which
/// the clients honour only before all others: `--no-defaults` only as the
/// very first (and then alone), each `--defaults-*=` kind once, and
/// `--print-defaults` right after them. Returns the settings, how many
/// arguments they took (`--print-defaults` included) and whether the client
/// only prints its defaults.
/// How many of `args` are the leading defaults options (which only work
/// first): where added options go.
pub fn leading_count(client: &str, flavour: Flavour, args: &[String]) -> Result<usize> {
    leading_args(client, flavour, args).map(|(_, n, _)| n)
}

fn leading_args(client: &str, flavour: Flavour, args: &[String]) -> Result<(Leading, usize, bool)> {
    let mut leading = Leading::default();
    let mut n = 0;
    if args.first().is_some_and(|a| a == "--no-defaults") {
        leading.no_defaults = true;
        n = 1;
    } else {
        for a in args {
            if let Some(v) = a.strip_prefix("--defaults-file=") {
                if leading.defaults_file.is_some() {
                    break;
                }
                leading.defaults_file = Some(PathBuf::from(v));
            } else if let Some(v) = a.strip_prefix("--defaults-extra-file=") {
                if leading.extra_file.is_some() {
                    break;
                }
                leading.extra_file = Some(PathBuf::from(v));
            } else if let Some(v) = a.strip_prefix("--defaults-group-suffix=") {
                if leading.group_suffix.is_some() {
                    break;
                }
                leading.group_suffix = Some(v.to_string());
            } else if matches!(flavour, Flavour::Oracle { .. })
                && (a.starts_with("--login-path=") || a == "--no-login-paths")
            {
                if a == "--no-login-paths" {
                    leading.no_login_paths = true;
                } else {
                    return Err(Error::config(format!(
                        "{client}: --login-path reads ~/.mylogin.cnf, an obfuscated file vouch does not read; it is not supported: give the host, port and user as options or in a my.cnf file"
                    )));
                }
            } else {
                break;
            }
            n += 1;
        }
    }
    let print_defaults = args.get(n).is_some_and(|a| a == "--print-defaults");
    Ok((leading, n + usize::from(print_defaults), print_defaults))
}

fn text_of(g: &Given) -> Option<&str> {
    match &g.value {
        Value::Text(t) => Some(t),
        _ => None,
    }
}

fn setting(parsed: &Parsed, long: &str) -> Option<Setting> {
    let g = parsed.last(long)?;
    Some(Setting {
        value: text_of(g)?.to_string(),
        source: Source::Given(g.origin.clone()),
    })
}

fn switch(parsed: &Parsed, long: &str) -> Option<Switch> {
    let g = parsed.last(long)?;
    match g.value {
        Value::Flag(on) => Some(Switch {
            on,
            spelled: g.spelled.clone(),
            origin: g.origin.clone(),
        }),
        _ => None,
    }
}

/// Whether `client` run with `args` connects to a server: not with
/// `--help`, `--version` or a leading `--print-defaults`.
pub fn connects(client: MyClient, name: &str, flavour: Flavour, args: &[String]) -> Result<bool> {
    let table = super::table(client, flavour).ok_or_else(|| unsupported(client, flavour))?;
    if client == MyClient::Mycli {
        let args = mycli::preprocess(args);
        let parsed = getopt::parse(name, table, &args_inputs(&args))?;
        return Ok(!parsed
            .options
            .iter()
            .any(|g| mycli::NO_CONNECT.contains(&g.long)));
    }
    let (_, n, print_defaults) = leading_args(name, flavour, args)?;
    if print_defaults {
        return Ok(false);
    }
    let inputs: Vec<Input> = args[n..]
        .iter()
        .map(|a| Input {
            text: a,
            origin: Origin::Args,
        })
        .collect();
    let parsed = getopt::parse(name, table, &inputs)?;
    Ok(!parsed
        .options
        .iter()
        .any(|g| g.long == "help" || g.long == "version"))
}

fn args_inputs(args: &[String]) -> Vec<Input<'_>> {
    args.iter()
        .map(|a| Input {
            text: a,
            origin: Origin::Args,
        })
        .collect()
}

fn unsupported(client: MyClient, flavour: Flavour) -> Error {
    Error::config(format!(
        "{} of {flavour} is not supported: vouch knows the options of MariaDB 10.x/11.x and Oracle MySQL 8.0, 8.4 and 9.x clients",
        client.names()[0]
    ))
}

/// Resolve what `client` (of `flavour`) run with `args` (argv without
/// argv[0]) will connect to.
pub fn resolve(
    client: MyClient,
    name: &str,
    flavour: Flavour,
    args: &[String],
    world: &dyn World,
) -> Result<MyParams> {
    let table = super::table(client, flavour).ok_or_else(|| unsupported(client, flavour))?;
    if client == MyClient::Mycli {
        return resolve_mycli(table, args, world);
    }
    let (leading, n, _) = leading_args(name, flavour, args)?;
    let groups = groups(client, flavour);
    let loaded = optfile::load(flavour, &leading, &groups, world)?;
    if let Some(login) = &loaded.login_file {
        return Err(Error::config(format!(
            "{name} would read {}, an obfuscated login-path file that may set a password, host or user, and vouch cannot read it: move it away, or start the client with --no-login-paths (MySQL 8.1 and later)",
            login.display()
        )));
    }
    let files = loaded.files.clone();

    let file_args: Vec<String> = loaded.options.iter().map(|o| o.arg()).collect();
    let mut inputs: Vec<Input> = loaded
        .options
        .iter()
        .zip(&file_args)
        .map(|(o, text)| Input {
            text,
            origin: Origin::File {
                path: o.file.clone(),
                line: o.line,
            },
        })
        .collect();
    inputs.extend(args[n..].iter().map(|a| Input {
        text: a,
        origin: Origin::Args,
    }));
    let parsed = getopt::parse(name, table, &inputs)?;

    for g in &parsed.options {
        if matches!(g.long, "password" | "password1" | "password2" | "password3") {
            let how = match (&g.value, &g.origin) {
                (Value::Absent, Origin::Args) => format!(
                    "{} asks for a password, but vouch supplies the token: remove {}",
                    name, g.spelled
                ),
                (_, Origin::Args) => format!(
                    "a password is given with {} in the client's arguments; vouch supplies the token: remove it",
                    g.spelled
                ),
                (_, Origin::File { .. }) => format!(
                    "a password is set in {} ({}); the client would send it instead of the token: remove that line",
                    g.origin, g.long
                ),
            };
            return Err(Error::config(how));
        }
    }

    let mut warnings = loaded.warnings.clone();
    // An empty host given is the clients' "localhost", not a reason to
    // look at MYSQL_HOST.
    let host = setting(&parsed, "host")
        .map(|mut h| {
            if h.value.is_empty() {
                h.value = "localhost".into();
            }
            h
        })
        .or_else(|| {
            world
                .var("MYSQL_HOST")
                .filter(|h| !h.is_empty())
                .map(|value| Setting {
                    value,
                    source: Source::Env("MYSQL_HOST"),
                })
        });
    let port = port_setting(&parsed, world)?;
    let user = setting(&parsed, "user")
        .filter(|u| !u.value.is_empty())
        .or_else(|| {
            world.login_user().map(|value| Setting {
                value,
                source: Source::Default,
            })
        });
    let database = setting(&parsed, "database").or_else(|| {
        parsed.positional.first().and_then(|p| {
            matches!(
                client,
                MyClient::Mysql
                    | MyClient::Mysqldump
                    | MyClient::Mysqlshow
                    | MyClient::Mysqlcheck
                    | MyClient::Mysqlimport
                    | MyClient::Mycli
            )
            .then(|| Setting {
                value: p.clone(),
                source: Source::Given(Origin::Args),
            })
        })
    });

    check_transport(name, flavour, &parsed, host.as_ref())?;
    if let Some(srv) = parsed.last("dns-srv-name") {
        return Err(Error::config(format!(
            "{name}: {} makes the client look up the server in DNS SRV records when it connects, so vouch cannot know which host to sign for; give the RDS endpoint with -h HOST instead",
            srv.spelled
        )));
    }

    let tls = tls_given(&parsed);
    warnings.dedup();
    Ok(MyParams {
        host,
        port,
        user,
        database,
        tls,
        leading_args: n,
        leading,
        files,
        warnings,
        parsed,
    })
}

fn port_setting(parsed: &Parsed, world: &dyn World) -> Result<Setting> {
    // A port of 0 is "not given" to the clients: MYSQL_TCP_PORT then applies.
    let given = setting(parsed, "port").filter(|p| {
        let digits = p.value.trim().trim_start_matches('+');
        !(digits.parse::<u64>() == Ok(0))
    });
    let s = match given {
        Some(s) => s,
        None => match world.var("MYSQL_TCP_PORT").filter(|p| !p.is_empty()) {
            Some(value) => Setting {
                value,
                source: Source::Env("MYSQL_TCP_PORT"),
            },
            None => Setting {
                value: "3306".into(),
                source: Source::Default,
            },
        },
    };
    port_setting_from(s)
}

fn port_setting_from(s: Setting) -> Result<Setting> {
    match s.value.trim().parse::<u16>() {
        Ok(p) if p != 0 => Ok(Setting {
            value: p.to_string(),
            source: s.source,
        }),
        // Port 0 means "the default" to the clients.
        Ok(_) => Ok(Setting {
            value: "3306".into(),
            source: Source::Default,
        }),
        Err(_) => Err(Error::config(format!(
            "port {:?} (from {}) is not a TCP port number",
            s.value, s.source
        ))),
    }
}

/// Refuse what would not be a TCP connection: a Unix socket (the default
/// for `localhost`), a named pipe or shared memory.
fn check_transport(
    name: &str,
    flavour: Flavour,
    parsed: &Parsed,
    host: Option<&Setting>,
) -> Result<()> {
    let protocol = setting(parsed, "protocol");
    let tcp_forced = match &protocol {
        Some(p) if p.value.eq_ignore_ascii_case("tcp") => true,
        Some(p) => {
            return Err(Error::config(format!(
                "{name}: --protocol={} (from {}) is not a network connection; RDS is reached over TCP: remove it or use --protocol=TCP",
                p.value, p.source
            )))
        }
        None => false,
    };
    if let Some(s) = parsed.last("socket") {
        if s.origin == Origin::Args {
            return Err(Error::config(format!(
                "{name}: {} names a Unix socket, which is not an RDS endpoint; connect with -h HOST instead",
                s.spelled
            )));
        }
    }
    let local = host.is_none_or(|h| h.value == "localhost");
    if !local || tcp_forced {
        return Ok(());
    }
    // MariaDB's clients (10.6.1 on) use TCP to localhost when the port is
    // given on the command line; Oracle's use the socket regardless.
    let port_on_command_line = parsed
        .options
        .iter()
        .any(|g| g.long == "port" && g.origin == Origin::Args);
    if flavour == Flavour::MariaDb && port_on_command_line {
        return Ok(());
    }
    Err(Error::config(format!(
        "{name} would connect to localhost through a Unix socket, not to RDS: give the RDS endpoint with -h HOST (through a tunnel: -h 127.0.0.1 -P PORT, or add --protocol=TCP)"
    )))
}

fn tls_given(parsed: &Parsed) -> TlsGiven {
    let mode = setting(parsed, "ssl-mode").map(|mut s| {
        s.value = s.value.to_ascii_uppercase();
        s
    });
    TlsGiven {
        ssl: switch(parsed, "ssl"),
        verify_server_cert: switch(parsed, "ssl-verify-server-cert"),
        ssl_mode: mode,
        ssl_ca: setting(parsed, "ssl-ca").filter(|s| !s.value.is_empty()),
        ssl_capath: setting(parsed, "ssl-capath").filter(|s| !s.value.is_empty()),
    }
}

/// mycli reads no option files: its arguments and environment only.
fn resolve_mycli(table: Table, args: &[String], world: &dyn World) -> Result<MyParams> {
    let args = mycli::preprocess(args);
    let mut parsed = getopt::parse("mycli", table, &args_inputs(&args))?;
    for g in &mut parsed.options {
        g.long = mycli::canonical(g.long);
    }
    let mycli::Found {
        host,
        port,
        user,
        database,
    } = mycli::settings(&parsed, world)?;
    let port = port_setting_from(port)?;
    let tls = tls_given(&parsed);
    Ok(MyParams {
        host,
        port,
        user,
        database,
        tls,
        leading_args: 0,
        leading: Leading::default(),
        files: vec![],
        warnings: vec![],
        parsed,
    })
}
