//! What `PQconnectdbParams(keywords, values, expand_dbname = 1)` makes of
//! a client's keyword array, step by step as libpq does it:
//!
//! 1. `conninfo_array_parse`: keywords in the client's order, empty values
//!    skipped, later ones overriding earlier ones; the first `dbname` that
//!    is a connection string is expanded in place, so its settings override
//!    keywords before it (psql's `-h`) but not after it.
//! 2. `conninfo_add_defaults`: the service (`service=` or `PGSERVICE`)
//!    fills what is still unset, then the `PG*` environment variables, then
//!    compiled-in defaults.
//! 3. `connectOptions2`: an empty user means the login user, an empty
//!    dbname means the user, an empty host the Unix socket, an empty port
//!    5432.
//!
//! Then the checks vouch needs: exactly one host and port, and no password
//! that libpq would send instead of the IAM token.

use std::collections::BTreeMap;

use super::conninfo;
use super::service;
use super::{PgParams, ServiceFile, Setting, Source};
use crate::error::{Error, Result};
use crate::world::World;

/// One entry of a client's keyword array. `None` is a NULL value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Keyword {
    pub key: &'static str,
    pub value: Option<String>,
    pub source: Source,
}

impl Keyword {
    pub fn new(key: &'static str, value: Option<String>, source: Source) -> Self {
        Keyword { key, value, source }
    }
    /// A value from the command line.
    pub fn arg(key: &'static str, value: Option<String>) -> Self {
        Keyword::new(key, value, Source::Args)
    }
}

/// Resolved options: keyword -> setting; absent means NULL in libpq.
type Options = BTreeMap<&'static str, Setting>;

/// Environment variables for the options vouch reports (libpq's
/// `PQconninfoOptions` envvar column).
const ENV: &[(&str, &str)] = &[
    ("host", "PGHOST"),
    ("hostaddr", "PGHOSTADDR"),
    ("port", "PGPORT"),
    ("user", "PGUSER"),
    ("dbname", "PGDATABASE"),
    ("sslmode", "PGSSLMODE"),
    ("sslrootcert", "PGSSLROOTCERT"),
    ("service", "PGSERVICE"),
];

/// Resolve a client's keyword array as libpq would.
pub(crate) fn connect(program: &str, keywords: &[Keyword], world: &dyn World) -> Result<PgParams> {
    let mut opts = array_parse(program, keywords)?;
    let service = apply_service(&mut opts, world)?;
    apply_env_defaults(&mut opts, world);
    let mut params = finish(opts, world)?;
    params.service_file = service.map(|e| ServiceFile {
        path: e.file,
        text: e.text,
    });
    Ok(params)
}

/// libpq's `conninfo_array_parse` with expand_dbname.
fn array_parse(program: &str, keywords: &[Keyword]) -> Result<Options> {
    // The first dbname with a non-NULL value decides whether to expand.
    let mut expansion = None;
    if let Some(k) = keywords
        .iter()
        .find(|k| k.key == "dbname" && k.value.is_some())
    {
        let v = k.value.as_deref().unwrap_or_default();
        if conninfo::is_connection_string(v) {
            let what = match &k.source {
                Source::Args => format!("{program}'s database name"),
                other => other.to_string(),
            };
            expansion = Some(conninfo::parse(v, &what)?);
        }
    }
    let mut opts = Options::new();
    for k in keywords {
        let Some(value) = k.value.as_ref().filter(|v| !v.is_empty()) else {
            continue;
        };
        if k.key == "dbname" {
            if let Some(expanded) = expansion.take() {
                for (key, v) in expanded {
                    opts.insert(
                        key,
                        Setting {
                            value: v,
                            source: k.source.clone(),
                        },
                    );
                }
                continue;
            }
        }
        opts.insert(
            k.key,
            Setting {
                value: value.clone(),
                source: k.source.clone(),
            },
        );
    }
    Ok(opts)
}

/// libpq's `parseServiceInfo`: service values fill only unset options.
fn apply_service(opts: &mut Options, world: &dyn World) -> Result<Option<service::ServiceEntry>> {
    let name = match opts.get("service") {
        Some(s) => s.value.clone(),
        None => match world.var("PGSERVICE") {
            Some(v) => v,
            None => return Ok(None),
        },
    };
    let entry = service::lookup(&name, world)?;
    for (key, value) in entry.settings.clone() {
        opts.entry(key).or_insert_with(|| Setting {
            value,
            source: Source::Service {
                name: name.clone(),
                file: entry.file.clone(),
            },
        });
    }
    Ok(Some(entry))
}

/// The rest of `conninfo_add_defaults`: environment, then compiled-in
/// defaults. Set-but-empty variables count as set, as in libpq. PGPASSWORD
/// is not read: it is where vouch puts the token, and any password found
/// before this step would win over it (see `finish`).
fn apply_env_defaults(opts: &mut Options, world: &dyn World) {
    for (key, var) in ENV {
        if opts.contains_key(key) {
            continue;
        }
        if let Some(v) = world.var(var) {
            opts.insert(
                key,
                Setting {
                    value: v,
                    source: Source::Env(var),
                },
            );
        } else if *key == "sslmode"
            && world
                .var("PGREQUIRESSL")
                .is_some_and(|v| v.starts_with('1'))
        {
            // The deprecated PGREQUIRESSL=1, below PGSSLMODE.
            opts.insert(
                key,
                Setting {
                    value: "require".into(),
                    source: Source::Env("PGREQUIRESSL"),
                },
            );
        }
    }
    opts.entry("port").or_insert_with(|| default("5432"));
}

fn default(v: &str) -> Setting {
    Setting {
        value: v.into(),
        source: Source::Default,
    }
}

/// `connectOptions2`, plus vouch's own checks.
fn finish(mut opts: Options, world: &dyn World) -> Result<PgParams> {
    if let Some(pw) = opts.get("password") {
        return Err(password_error(&pw.source));
    }
    for (key, what) in [
        ("host", "host"),
        ("hostaddr", "host address"),
        ("port", "port"),
    ] {
        if let Some(s) = opts.get(key).filter(|s| s.value.contains(',')) {
            return Err(Error::config(format!(
                "{key}={:?} (from {}) lists several; vouch signs a token for one host; give one {what}",
                s.value,
                s.source
            )));
        }
    }

    let take = |opts: &mut Options, key| opts.remove(key).filter(|s: &Setting| !s.value.is_empty());
    let host = take(&mut opts, "host");
    let hostaddr = take(&mut opts, "hostaddr");
    let port = match take(&mut opts, "port") {
        None => default("5432"),
        Some(p) => Setting {
            value: port_number(&p)?.to_string(),
            source: p.source,
        },
    };
    let user = take(&mut opts, "user").or_else(|| world.login_user().map(|u| default(&u)));
    let dbname = take(&mut opts, "dbname").or_else(|| user.as_ref().map(|u| default(&u.value)));
    let sslrootcert = take(&mut opts, "sslrootcert");
    // An empty sslmode is kept: libpq rejects it, and so does vouch's TLS check.
    let sslmode = opts.remove("sslmode");
    let service = opts.remove("service");
    Ok(PgParams {
        host,
        hostaddr,
        port: Some(port),
        user,
        dbname,
        sslmode,
        sslrootcert,
        service,
        service_file: None,
    })
}

fn password_error(source: &Source) -> Error {
    let (where_, fix) = match source {
        Source::Service { name, file } => (
            format!("service {name:?} in {} sets a password", file.display()),
            "remove the password line from that entry",
        ),
        Source::Env(var) => (
            format!("the connection string in ${var} carries a password"),
            "remove the password from it",
        ),
        _ => (
            "the client's connection string carries a password (password=... or postgresql://user:password@...)".to_string(),
            "remove the password from it",
        ),
    };
    Error::config(format!(
        "{where_}; libpq would send it instead of the IAM token vouch supplies; {fix}"
    ))
}

/// libpq's `parse_int_param` and range check for the port: blanks around
/// a decimal number (sign allowed), 1-65535.
fn port_number(p: &Setting) -> Result<u16> {
    let t = p
        .value
        .trim_matches(|c: char| c.is_ascii() && conninfo::is_c_space(c as u8));
    let (negative, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let n = (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse::<u64>().unwrap_or(u64::MAX));
    match n {
        Some(n) if !negative && (1..=65535).contains(&n) => Ok(n as u16),
        _ => Err(Error::config(format!(
            "port {:?} (from {}) is not a port number; give a number from 1 to 65535",
            p.value, p.source
        ))),
    }
}
