//! What a libpq client will connect to, worked out before it runs.
//!
//! `vouch exec -- psql -h H -U U -d D` must sign an IAM token for the very
//! host, port and user the client will use, so this module resolves the
//! connection parameters exactly as the client and libpq would: the
//! client's own command-line grammar and defaults ([`clients`], parsed by a
//! getopt_long model in [`getopt`]), then libpq's keyword processing,
//! connection strings and URIs ([`conninfo`]), the service file
//! ([`service`]), `PG*` environment variables and defaults ([`connect`]).
//! All environment and file access goes through [`World`], so the module
//! is pure and tested with `FakeWorld`; `real_clients` checks it against
//! the installed PostgreSQL clients.
//!
//! Resolution refuses what vouch cannot sign for: several hosts or ports,
//! a password libpq would send instead of the token, and `-W`/`--password`.

mod clients;
mod connect;
mod conninfo;
mod getopt;
mod service;

#[cfg(test)]
mod real_clients;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

use crate::error::Result;
use crate::world::World;

/// The libpq clients vouch knows how to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PgClient {
    Psql,
    PgDump,
    PgDumpall,
    PgRestore,
    Pgbench,
    PgIsready,
    Createdb,
    Dropdb,
    Vacuumdb,
    Reindexdb,
    Clusterdb,
    Pgcli,
}

impl PgClient {
    pub const ALL: &'static [PgClient] = &[
        PgClient::Psql,
        PgClient::PgDump,
        PgClient::PgDumpall,
        PgClient::PgRestore,
        PgClient::Pgbench,
        PgClient::PgIsready,
        PgClient::Createdb,
        PgClient::Dropdb,
        PgClient::Vacuumdb,
        PgClient::Reindexdb,
        PgClient::Clusterdb,
        PgClient::Pgcli,
    ];

    /// The client named by `argv[0]`: its base name must be exactly the
    /// program's name (`psql`, `/usr/bin/psql`; not `psql-15`).
    pub fn from_program(name: &str) -> Option<PgClient> {
        let base = Path::new(name).file_name()?.to_str()?;
        PgClient::ALL.iter().copied().find(|c| c.name() == base)
    }

    pub fn name(self) -> &'static str {
        match self {
            PgClient::Psql => "psql",
            PgClient::PgDump => "pg_dump",
            PgClient::PgDumpall => "pg_dumpall",
            PgClient::PgRestore => "pg_restore",
            PgClient::Pgbench => "pgbench",
            PgClient::PgIsready => "pg_isready",
            PgClient::Createdb => "createdb",
            PgClient::Dropdb => "dropdb",
            PgClient::Vacuumdb => "vacuumdb",
            PgClient::Reindexdb => "reindexdb",
            PgClient::Clusterdb => "clusterdb",
            PgClient::Pgcli => "pgcli",
        }
    }
}

/// Where a setting came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The client's arguments, including a connection string or URI there.
    Args,
    /// An entry of a connection service file.
    Service { name: String, file: PathBuf },
    /// An environment variable (a `PG*` variable, or `PGUSER`/`PGDATABASE`
    /// that a client itself turned into a database name).
    Env(&'static str),
    /// A default of libpq or of the client (the login user, `postgres` as
    /// maintenance database, 5432).
    Default,
}

impl std::fmt::Display for Source {
    /// Where a setting came from, in the user's words.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Args => f.write_str("the client's arguments"),
            Source::Service { name, file } => {
                write!(f, "service {name:?} in {}", file.display())
            }
            Source::Env(v) => f.write_str(v),
            Source::Default => f.write_str("libpq's default"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    pub value: String,
    pub source: Source,
}

/// The parameters the client will connect with, as libpq sees them
/// (percent-decoded, quotes removed).
///
/// - `host`: `None` is libpq's default, the Unix socket directory; a value
///   starting with `/` or `@` is a socket too ([`PgParams::is_unix_socket`]).
/// - `port`: always set; `5432` by default. Normalised to plain decimal as
///   libpq parses it (` 5432 ` and `+5432` mean 5432).
/// - `user`: defaults to the login user; `None` only if that is unknown.
/// - `dbname`: defaults to the user (source `Default`).
/// - `sslmode`, `sslrootcert`: `None` unless set somewhere (libpq's
///   built-in `prefer` is not reported), so vouch can choose.
/// - `service`: the service used, if any, and `service_file` the file it
///   was found in with the exact text read (so the client can be handed
///   that same text, not whatever the file holds a moment later).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PgParams {
    pub host: Option<Setting>,
    pub hostaddr: Option<Setting>,
    pub port: Option<Setting>,
    pub user: Option<Setting>,
    pub dbname: Option<Setting>,
    pub sslmode: Option<Setting>,
    pub sslrootcert: Option<Setting>,
    pub service: Option<Setting>,
    pub service_file: Option<ServiceFile>,
}

/// A connection service file as read while resolving.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct ServiceFile {
    pub path: PathBuf,
    /// The whole file: other entries may hold passwords, so `Debug` omits it.
    pub text: String,
}

impl std::fmt::Debug for ServiceFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ServiceFile({}, {} bytes)",
            self.path.display(),
            self.text.len()
        )
    }
}

impl PgParams {
    /// Whether libpq will use a Unix-domain socket rather than TCP.
    pub fn is_unix_socket(&self) -> bool {
        self.hostaddr.is_none()
            && self
                .host
                .as_ref()
                .is_none_or(|h| h.value.starts_with('/') || h.value.starts_with('@'))
    }
}

/// Resolve what libpq would connect to for `client` run with `args`
/// (argv without argv[0]).
///
/// Unknown options are left for the client to report. Errors: a known
/// option without its value, `-W`/`--password`, a malformed connection
/// string or service file, an unknown service, several hosts or ports, a
/// password in the arguments or the service entry, a bad port number.
///
/// For invocations that do not connect (see [`connects`]) the result is
/// what the client would use if it did.
pub fn resolve(client: PgClient, args: &[String], world: &dyn World) -> Result<PgParams> {
    let keywords = clients::keywords(client, args, world)?;
    connect::connect(client.name(), &keywords, world)
}

/// Whether `client` run with `args` connects to a server at all: not for
/// `--help`/`--version`, nor pg_restore without `-d` (it writes a script).
pub fn connects(client: PgClient, args: &[String], world: &dyn World) -> Result<bool> {
    clients::connects(client, args, world)
}
