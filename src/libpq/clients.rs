//! Each client's command line and how it turns it into libpq's keyword
//! array: the getopt tables (copied from PostgreSQL 15's sources and
//! checked against the installed binaries, plus options later releases
//! added), which options and positional arguments name the host, port,
//! user and database, and the defaults each client fills in itself before
//! libpq sees them (psql -l's `postgres`, createdb's maintenance database,
//! vacuumdb's `PGDATABASE`/`PGUSER`/login-user dbname, ...).

use super::connect::Keyword;
use super::getopt::{self, Grammar, HasArg, Item, LongOpt};
use super::{PgClient, Source};
use crate::error::{Error, Result};
use crate::world::World;

const fn no(name: &'static str, val: u32) -> LongOpt {
    LongOpt {
        name,
        has_arg: HasArg::No,
        val,
    }
}
const fn req(name: &'static str, val: u32) -> LongOpt {
    LongOpt {
        name,
        has_arg: HasArg::Required,
        val,
    }
}
const fn opt(name: &'static str, val: u32) -> LongOpt {
    LongOpt {
        name,
        has_arg: HasArg::Optional,
        val,
    }
}
/// A short option letter as a `val`.
const fn c(ch: char) -> u32 {
    ch as u32
}

// Long-only options that mean something to vouch.
const MAINTENANCE_DB: u32 = 900;
const HELP: u32 = 901;

/// PostgreSQL 15's tables, in the C sources' order, followed by options
/// that PostgreSQL 16-18 added (`newer`). Long-only options get numbers
/// from 1000 up; two entries share a number only when the C code gives
/// them the same flag and value (aliases).
pub(crate) struct Table {
    pub short: &'static str,
    pub newer_short: &'static str,
    pub long: &'static [LongOpt],
    pub newer_long: &'static [LongOpt],
}

const PSQL: Table = Table {
    short: "aAbc:d:eEf:F:h:HlL:no:p:P:qR:sStT:U:v:VwWxXz?01",
    newer_short: "",
    long: &[
        no("echo-all", c('a')),
        no("no-align", c('A')),
        req("command", c('c')),
        req("dbname", c('d')),
        no("echo-queries", c('e')),
        no("echo-errors", c('b')),
        no("echo-hidden", c('E')),
        req("file", c('f')),
        req("field-separator", c('F')),
        no("field-separator-zero", c('z')),
        req("host", c('h')),
        no("html", c('H')),
        no("list", c('l')),
        req("log-file", c('L')),
        no("no-readline", c('n')),
        no("single-transaction", c('1')),
        req("output", c('o')),
        req("port", c('p')),
        req("pset", c('P')),
        no("quiet", c('q')),
        req("record-separator", c('R')),
        no("record-separator-zero", c('0')),
        no("single-step", c('s')),
        no("single-line", c('S')),
        no("tuples-only", c('t')),
        req("table-attr", c('T')),
        req("username", c('U')),
        req("set", c('v')),
        req("variable", c('v')),
        no("version", c('V')),
        no("no-password", c('w')),
        no("password", c('W')),
        no("expanded", c('x')),
        no("no-psqlrc", c('X')),
        opt("help", HELP),
        no("csv", 1002),
    ],
    newer_long: &[],
};

const PG_DUMP: Table = Table {
    short: "abBcCd:e:E:f:F:h:j:n:N:Op:RsS:t:T:U:vwWxZ:",
    newer_short: "",
    long: &[
        no("data-only", c('a')),
        no("blobs", c('b')),
        no("no-blobs", c('B')),
        no("clean", c('c')),
        no("create", c('C')),
        req("dbname", c('d')),
        req("extension", c('e')),
        req("file", c('f')),
        req("format", c('F')),
        req("host", c('h')),
        req("jobs", c('j')),
        no("no-reconnect", c('R')),
        no("no-owner", c('O')),
        req("port", c('p')),
        req("schema", c('n')),
        req("exclude-schema", c('N')),
        no("schema-only", c('s')),
        req("superuser", c('S')),
        req("table", c('t')),
        req("exclude-table", c('T')),
        no("no-password", c('w')),
        no("password", c('W')),
        req("username", c('U')),
        no("verbose", c('v')),
        no("no-privileges", c('x')),
        no("no-acl", c('x')),
        req("compress", c('Z')),
        req("encoding", c('E')),
        no("help", HELP),
        no("version", c('V')),
        no("attribute-inserts", 1001),
        no("binary-upgrade", 1002),
        no("column-inserts", 1001),
        no("disable-dollar-quoting", 1003),
        no("disable-triggers", 1004),
        no("enable-row-security", 1005),
        req("exclude-table-data", 1006),
        req("extra-float-digits", 1007),
        no("if-exists", 1008),
        no("inserts", 1009),
        req("lock-wait-timeout", 1010),
        no("no-table-access-method", 1011),
        no("no-tablespaces", 1012),
        no("quote-all-identifiers", 1013),
        no("load-via-partition-root", 1014),
        req("role", 1015),
        req("section", 1016),
        no("serializable-deferrable", 1017),
        req("snapshot", 1018),
        no("strict-names", 1019),
        no("use-set-session-authorization", 1020),
        no("no-comments", 1021),
        no("no-publications", 1022),
        no("no-security-labels", 1023),
        no("no-subscriptions", 1024),
        no("no-toast-compression", 1025),
        no("no-unlogged-table-data", 1026),
        no("no-sync", 1027),
        no("on-conflict-do-nothing", 1028),
        req("rows-per-insert", 1029),
        req("include-foreign-data", 1030),
        req("restrict-key", 1031),
    ],
    newer_long: &[
        req("table-and-children", 1100),
        req("exclude-table-and-children", 1101),
        req("exclude-table-data-and-children", 1102),
        req("filter", 1103),
        req("exclude-extension", 1104),
        req("sync-method", 1105),
        no("large-objects", c('b')),
        no("no-large-objects", c('B')),
        no("no-data", 1106),
        no("no-schema", 1107),
        no("no-statistics", 1108),
        no("statistics-only", 1109),
        no("with-data", 1110),
        no("with-schema", 1111),
        no("with-statistics", 1112),
        no("sequence-data", 1113),
        no("no-policies", 1114),
    ],
};

const PG_DUMPALL: Table = Table {
    short: "acd:E:f:gh:l:Op:rsS:tU:vwWx",
    newer_short: "",
    long: &[
        no("data-only", c('a')),
        no("clean", c('c')),
        req("encoding", c('E')),
        req("file", c('f')),
        no("globals-only", c('g')),
        req("host", c('h')),
        req("dbname", c('d')),
        req("database", c('l')),
        no("no-owner", c('O')),
        req("port", c('p')),
        no("roles-only", c('r')),
        no("schema-only", c('s')),
        req("superuser", c('S')),
        no("tablespaces-only", c('t')),
        req("username", c('U')),
        no("verbose", c('v')),
        no("no-password", c('w')),
        no("password", c('W')),
        no("no-privileges", c('x')),
        no("no-acl", c('x')),
        no("attribute-inserts", 1001),
        no("binary-upgrade", 1002),
        no("column-inserts", 1001),
        no("disable-dollar-quoting", 1003),
        no("disable-triggers", 1004),
        req("exclude-database", 1005),
        req("extra-float-digits", 1006),
        no("if-exists", 1007),
        no("inserts", 1008),
        req("lock-wait-timeout", 1009),
        no("no-table-access-method", 1010),
        no("no-tablespaces", 1011),
        no("quote-all-identifiers", 1012),
        no("load-via-partition-root", 1013),
        req("role", 1014),
        no("use-set-session-authorization", 1015),
        no("no-comments", 1016),
        no("no-publications", 1017),
        no("no-role-passwords", 1018),
        no("no-security-labels", 1019),
        no("no-subscriptions", 1020),
        no("no-sync", 1021),
        no("no-toast-compression", 1022),
        no("no-unlogged-table-data", 1023),
        no("on-conflict-do-nothing", 1024),
        req("rows-per-insert", 1025),
        req("restrict-key", 1026),
    ],
    newer_long: &[
        req("filter", 1100),
        no("no-data", 1101),
        no("no-schema", 1102),
        no("no-statistics", 1103),
        no("statistics-only", 1104),
        no("with-data", 1105),
        no("with-schema", 1106),
        no("with-statistics", 1107),
        no("sequence-data", 1108),
        no("no-policies", 1109),
    ],
};

const PG_RESTORE: Table = Table {
    short: "acCd:ef:F:h:I:j:lL:n:N:Op:P:RsS:t:T:U:vwWx1",
    newer_short: "",
    long: &[
        no("clean", c('c')),
        no("create", c('C')),
        no("data-only", c('a')),
        req("dbname", c('d')),
        no("exit-on-error", c('e')),
        req("exclude-schema", c('N')),
        req("file", c('f')),
        req("format", c('F')),
        req("function", c('P')),
        req("host", c('h')),
        req("index", c('I')),
        req("jobs", c('j')),
        no("list", c('l')),
        no("no-privileges", c('x')),
        no("no-acl", c('x')),
        no("no-owner", c('O')),
        no("no-reconnect", c('R')),
        req("port", c('p')),
        no("no-password", c('w')),
        no("password", c('W')),
        req("schema", c('n')),
        no("schema-only", c('s')),
        req("superuser", c('S')),
        req("table", c('t')),
        req("trigger", c('T')),
        req("use-list", c('L')),
        req("username", c('U')),
        no("verbose", c('v')),
        no("single-transaction", c('1')),
        no("disable-triggers", 1001),
        no("enable-row-security", 1002),
        no("if-exists", 1003),
        no("no-data-for-failed-tables", 1004),
        no("no-table-access-method", 1005),
        no("no-tablespaces", 1006),
        req("role", 1007),
        req("section", 1008),
        no("strict-names", 1009),
        no("use-set-session-authorization", 1010),
        no("no-comments", 1011),
        no("no-publications", 1012),
        no("no-security-labels", 1013),
        no("no-subscriptions", 1014),
        req("restrict-key", 1015),
    ],
    newer_long: &[
        req("filter", 1100),
        req("transaction-size", 1101),
        no("no-data", 1102),
        no("no-schema", 1103),
        no("no-statistics", 1104),
        no("statistics-only", 1105),
        no("with-data", 1106),
        no("with-schema", 1107),
        no("with-statistics", 1108),
        no("no-policies", 1109),
    ],
};

const PGBENCH: Table = Table {
    short: "iI:h:nvp:dqb:SNc:j:Crs:t:T:U:lf:D:F:M:P:R:L:",
    newer_short: "",
    long: &[
        req("builtin", c('b')),
        req("client", c('c')),
        no("connect", c('C')),
        no("debug", c('d')),
        req("define", c('D')),
        req("file", c('f')),
        req("fillfactor", c('F')),
        req("host", c('h')),
        no("initialize", c('i')),
        req("init-steps", c('I')),
        req("jobs", c('j')),
        no("log", c('l')),
        req("latency-limit", c('L')),
        no("no-vacuum", c('n')),
        req("port", c('p')),
        req("progress", c('P')),
        req("protocol", c('M')),
        no("quiet", c('q')),
        no("report-per-command", c('r')),
        req("rate", c('R')),
        req("scale", c('s')),
        no("select-only", c('S')),
        no("skip-some-updates", c('N')),
        req("time", c('T')),
        req("transactions", c('t')),
        req("username", c('U')),
        no("vacuum-all", c('v')),
        no("unlogged-tables", 1001),
        req("tablespace", 1002),
        req("index-tablespace", 1003),
        req("sampling-rate", 1004),
        req("aggregate-interval", 1005),
        no("progress-timestamp", 1006),
        req("log-prefix", 1007),
        no("foreign-keys", 1008),
        req("random-seed", 1009),
        req("show-script", 1010),
        req("partitions", 1011),
        req("partition-method", 1012),
        no("failures-detailed", 1013),
        req("max-tries", 1014),
        no("verbose-errors", 1015),
    ],
    newer_long: &[no("exit-on-abort", 1100), no("continue-on-error", 1101)],
};

const PG_ISREADY: Table = Table {
    short: "d:h:p:qt:U:",
    newer_short: "",
    long: &[
        req("dbname", c('d')),
        req("host", c('h')),
        req("port", c('p')),
        no("quiet", c('q')),
        req("timeout", c('t')),
        req("username", c('U')),
    ],
    newer_long: &[],
};

const CREATEDB: Table = Table {
    short: "h:p:U:wWeO:D:T:E:l:S:",
    newer_short: "",
    long: &[
        req("host", c('h')),
        req("port", c('p')),
        req("username", c('U')),
        no("no-password", c('w')),
        no("password", c('W')),
        no("echo", c('e')),
        req("owner", c('O')),
        req("tablespace", c('D')),
        req("template", c('T')),
        req("encoding", c('E')),
        req("strategy", c('S')),
        req("lc-collate", 1001),
        req("lc-ctype", 1002),
        req("locale", c('l')),
        req("maintenance-db", MAINTENANCE_DB),
        req("locale-provider", 1003),
        req("icu-locale", 1004),
    ],
    newer_long: &[req("icu-rules", 1100), req("builtin-locale", 1101)],
};

const DROPDB: Table = Table {
    short: "h:p:U:wWeif",
    newer_short: "",
    long: &[
        req("host", c('h')),
        req("port", c('p')),
        req("username", c('U')),
        no("no-password", c('w')),
        no("password", c('W')),
        no("echo", c('e')),
        no("interactive", c('i')),
        no("if-exists", 1001),
        req("maintenance-db", MAINTENANCE_DB),
        no("force", c('f')),
    ],
    newer_long: &[],
};

const VACUUMDB: Table = Table {
    short: "ad:efFh:j:p:P:qt:U:vwWzZ",
    newer_short: "n:N:",
    long: &[
        req("host", c('h')),
        req("port", c('p')),
        req("username", c('U')),
        no("no-password", c('w')),
        no("password", c('W')),
        no("echo", c('e')),
        no("quiet", c('q')),
        req("dbname", c('d')),
        no("analyze", c('z')),
        no("analyze-only", c('Z')),
        no("freeze", c('F')),
        no("all", c('a')),
        req("table", c('t')),
        no("full", c('f')),
        no("verbose", c('v')),
        req("jobs", c('j')),
        req("parallel", c('P')),
        req("maintenance-db", MAINTENANCE_DB),
        no("analyze-in-stages", 1001),
        no("disable-page-skipping", 1002),
        no("skip-locked", 1003),
        req("min-xid-age", 1004),
        req("min-mxid-age", 1005),
        no("no-index-cleanup", 1006),
        no("force-index-cleanup", 1007),
        no("no-truncate", 1008),
        no("no-process-toast", 1009),
    ],
    newer_long: &[
        req("schema", c('n')),
        req("exclude-schema", c('N')),
        no("no-process-main", 1100),
        req("buffer-usage-limit", 1101),
        no("missing-stats-only", 1102),
    ],
};

const REINDEXDB: Table = Table {
    short: "h:p:U:wWeqS:d:ast:i:j:v",
    newer_short: "",
    long: &[
        req("host", c('h')),
        req("port", c('p')),
        req("username", c('U')),
        no("no-password", c('w')),
        no("password", c('W')),
        no("echo", c('e')),
        no("quiet", c('q')),
        req("schema", c('S')),
        req("dbname", c('d')),
        no("all", c('a')),
        no("system", c('s')),
        req("table", c('t')),
        req("index", c('i')),
        req("jobs", c('j')),
        no("verbose", c('v')),
        no("concurrently", 1001),
        req("maintenance-db", MAINTENANCE_DB),
        req("tablespace", 1002),
    ],
    newer_long: &[],
};

const CLUSTERDB: Table = Table {
    short: "h:p:U:wWeqd:at:v",
    newer_short: "",
    long: &[
        req("host", c('h')),
        req("port", c('p')),
        req("username", c('U')),
        no("no-password", c('w')),
        no("password", c('W')),
        no("echo", c('e')),
        no("quiet", c('q')),
        req("dbname", c('d')),
        no("all", c('a')),
        req("table", c('t')),
        no("verbose", c('v')),
        req("maintenance-db", MAINTENANCE_DB),
    ],
    newer_long: &[],
};

/// pgcli 4's click options (click matches long names exactly).
const PGCLI: Table = Table {
    short: "h:p:U:u:Wwvd:D:l",
    newer_short: "",
    long: &[
        req("host", c('h')),
        req("port", c('p')),
        req("username", c('U')),
        req("user", c('U')),
        no("password", c('W')),
        no("no-password", c('w')),
        no("single-connection", 1001),
        no("version", c('v')),
        req("dbname", c('d')),
        req("pgclirc", 1002),
        req("dsn", c('D')),
        no("list-dsn", 1003),
        req("row-limit", 1004),
        req("application-name", 1005),
        no("less-chatty", 1006),
        req("prompt", 1007),
        req("prompt-dsn", 1008),
        no("list", c('l')),
        no("ping", 1009),
        no("auto-vertical-output", 1010),
        req("warn", 1011),
        req("ssh-tunnel", 1012),
        req("init-command", 1013),
        req("log-file", 1014),
        no("help", HELP),
    ],
    newer_long: &[],
};

pub(crate) fn table(client: PgClient) -> &'static Table {
    match client {
        PgClient::Psql => &PSQL,
        PgClient::PgDump => &PG_DUMP,
        PgClient::PgDumpall => &PG_DUMPALL,
        PgClient::PgRestore => &PG_RESTORE,
        PgClient::Pgbench => &PGBENCH,
        PgClient::PgIsready => &PG_ISREADY,
        PgClient::Createdb => &CREATEDB,
        PgClient::Dropdb => &DROPDB,
        PgClient::Vacuumdb => &VACUUMDB,
        PgClient::Reindexdb => &REINDEXDB,
        PgClient::Clusterdb => &CLUSTERDB,
        PgClient::Pgcli => &PGCLI,
    }
}

/// The grammar the parser uses: PostgreSQL 15's tables plus the newer
/// entries.
fn grammar(client: PgClient) -> Grammar {
    let t = table(client);
    Grammar {
        short: [t.short, t.newer_short],
        long: [t.long, t.newer_long],
        abbreviations: client != PgClient::Pgcli,
    }
}

/// The command line as the client sees it: its options by meaning.
#[derive(Debug, Default)]
struct Parsed {
    host: Option<String>,
    port: Option<String>,
    user: Option<String>,
    /// `-d`/`--dbname` (pg_dumpall: the connection string).
    dbname: Option<String>,
    /// pg_dumpall's `-l`/`--database`.
    database: Option<String>,
    maintenance_db: Option<String>,
    /// psql/pgcli `-l`, vacuumdb/reindexdb/clusterdb `-a`.
    list_or_all: bool,
    /// Help or version: the client prints and exits without connecting.
    no_connect: bool,
    positional: Vec<String>,
}

fn parse(client: PgClient, args: &[String], world: &dyn World) -> Result<Parsed> {
    let name = client.name();
    let posixly_correct = client != PgClient::Pgcli && world.var("POSIXLY_CORRECT").is_some();
    if client == PgClient::Pgcli && world.var("DSN").is_some_and(|v| !v.is_empty()) {
        // pgcli reads its -D/--dsn option from $DSN as well (click envvar).
        return Err(Error::config(
            "pgcli: $DSN names a connection from pgcli's own config file (like -D/--dsn), which vouch does not read; unset DSN and give the connection as a postgresql:// URI or with -h/-p/-U/-d",
        ));
    }
    let items = getopt::parse(name, &grammar(client), args, posixly_correct)?;
    let mut p = Parsed::default();
    for item in items {
        let (val, arg, spelled) = match item {
            Item::Positional(s) => {
                p.positional.push(s);
                continue;
            }
            Item::Opt { val, arg, spelled } => (val, arg, spelled),
        };
        let is = |ch: char| val == c(ch);
        match client {
            // pgbench's -d is --debug; pgcli's -u is --user, -v --version.
            PgClient::Pgbench if is('d') => continue,
            PgClient::Pgcli if is('u') => {
                p.user = arg;
                continue;
            }
            PgClient::Pgcli if is('v') => {
                p.no_connect = true;
                continue;
            }
            PgClient::Pgcli if is('D') => {
                return Err(Error::config(
                    "pgcli: -D/--dsn takes the connection from pgcli's own config file, which vouch does not read; give the connection as a postgresql:// URI or with -h/-p/-U/-d instead",
                ))
            }
            _ => {}
        }
        if is('h') {
            p.host = arg;
        } else if is('p') {
            p.port = arg;
        } else if is('U') {
            p.user = arg;
        } else if is('d') {
            p.dbname = arg;
        } else if is('W') {
            return Err(Error::config(format!(
                "{name}: drop {}: it makes {name} prompt for a password, which would replace the IAM token vouch supplies",
                if spelled == "-W" { "-W" } else { "--password" }
            )));
        } else if val == MAINTENANCE_DB {
            p.maintenance_db = arg;
        } else if is('l') && client == PgClient::PgDumpall {
            p.database = arg;
        } else if (is('l') && matches!(client, PgClient::Psql | PgClient::Pgcli))
            || (is('a')
                && matches!(
                    client,
                    PgClient::Vacuumdb | PgClient::Reindexdb | PgClient::Clusterdb
                ))
        {
            p.list_or_all = true;
        } else if val == HELP || is('?') || is('V') {
            p.no_connect = true;
        }
    }
    Ok(p)
}

/// Whether the client would connect at all: not for help or version
/// output, and not pg_restore without `-d` (it writes a script instead).
pub(crate) fn connects(client: PgClient, args: &[String], world: &dyn World) -> Result<bool> {
    let p = parse(client, args, world)?;
    let help_first = matches!(
        args.first().map(String::as_str),
        Some("--help" | "-?" | "--version" | "-V")
    );
    Ok(!(p.no_connect || help_first || (client == PgClient::PgRestore && p.dbname.is_none())))
}

/// The default database several scripts pick themselves before libpq:
/// `PGDATABASE`, else `PGUSER`, else the login user. pgbench skips empty
/// variables; the others take them as set.
fn script_default_dbname(world: &dyn World, skip_empty: bool) -> Option<(String, Source)> {
    for var in ["PGDATABASE", "PGUSER"] {
        if let Some(v) = world.var(var).filter(|v| !(skip_empty && v.is_empty())) {
            return Some((v, Source::Env(var)));
        }
    }
    world.login_user().map(|u| (u, Source::Default))
}

/// The keyword array `client` passes to `PQconnectdbParams` for `args`.
pub(crate) fn keywords(
    client: PgClient,
    args: &[String],
    world: &dyn World,
) -> Result<Vec<Keyword>> {
    let mut p = parse(client, args, world)?;
    let mut pos = std::mem::take(&mut p.positional).into_iter();
    let arg = Keyword::arg;
    // The usual array: host, port, user, password (NULL here), dbname.
    let usual = |p: &Parsed, dbname: Keyword| {
        vec![
            arg("host", p.host.clone()),
            arg("port", p.port.clone()),
            arg("user", p.user.clone()),
            dbname,
        ]
    };
    let kws = match client {
        PgClient::Psql => {
            // Positional: [DBNAME [USERNAME]], each only if not given as an option.
            for s in pos {
                if p.dbname.is_none() {
                    p.dbname = Some(s);
                } else if p.user.is_none() {
                    p.user = Some(s);
                }
            }
            let dbname = match (&p.dbname, p.list_or_all) {
                (None, true) => Keyword::new("dbname", Some("postgres".into()), Source::Default),
                (d, _) => arg("dbname", d.clone()),
            };
            usual(&p, dbname)
        }
        PgClient::PgDump => {
            if p.dbname.is_none() {
                p.dbname = pos.next();
            }
            usual(&p, arg("dbname", p.dbname.clone()))
        }
        // The positional argument is the archive file.
        PgClient::PgRestore => usual(&p, arg("dbname", p.dbname.clone())),
        PgClient::PgDumpall => {
            // -d is parsed on its own; its settings come first, so -h/-p/-U
            // override them, and its dbname is dropped for -l (or postgres).
            let mut kws = Vec::new();
            if let Some(connstr) = &p.dbname {
                let what = format!("{}'s --dbname", client.name());
                for (key, value) in super::conninfo::parse(connstr, &what)? {
                    if key != "dbname" && !value.is_empty() {
                        kws.push(arg(key, Some(value)));
                    }
                }
            }
            let dbname = match &p.database {
                Some(d) => arg("dbname", Some(d.clone())),
                None => Keyword::new("dbname", Some("postgres".into()), Source::Default),
            };
            kws.extend(usual(&p, dbname));
            kws
        }
        PgClient::Pgbench => {
            let dbname = match pos.next() {
                Some(d) => arg("dbname", Some(d)),
                None => match script_default_dbname(world, true) {
                    Some((d, source)) => Keyword::new("dbname", Some(d), source),
                    None => arg("dbname", None),
                },
            };
            usual(&p, dbname)
        }
        PgClient::PgIsready => usual(&p, arg("dbname", p.dbname.clone())),
        PgClient::Createdb | PgClient::Dropdb => {
            // They connect to a maintenance database: --maintenance-db, else
            // postgres (template1 when postgres itself is the target).
            let target = match (pos.next(), client) {
                (Some(d), _) => Some(d),
                (None, PgClient::Createdb) => script_default_dbname(world, false).map(|(d, _)| d),
                (None, _) => None,
            };
            let dbname = match &p.maintenance_db {
                Some(m) => arg("dbname", Some(m.clone())),
                None => {
                    let d = if target.as_deref() == Some("postgres") {
                        "template1"
                    } else {
                        "postgres"
                    };
                    Keyword::new("dbname", Some(d.into()), Source::Default)
                }
            };
            usual(&p, dbname)
        }
        PgClient::Vacuumdb | PgClient::Reindexdb | PgClient::Clusterdb => {
            if p.dbname.is_none() {
                p.dbname = pos.next();
            }
            let dbname = if p.list_or_all {
                // Every database, starting from the maintenance database.
                match &p.maintenance_db {
                    Some(m) => arg("dbname", Some(m.clone())),
                    None => Keyword::new("dbname", Some("postgres".into()), Source::Default),
                }
            } else {
                match &p.dbname {
                    Some(d) => arg("dbname", Some(d.clone())),
                    None => match script_default_dbname(world, false) {
                        Some((d, source)) => Keyword::new("dbname", Some(d), source),
                        None => arg("dbname", None),
                    },
                }
            };
            usual(&p, dbname)
        }
        PgClient::Pgcli => {
            // [DBNAME] [USERNAME]; with -d too, the first positional is the user.
            let first = pos.next();
            let second = pos.next();
            let (dbname, user_arg) = match (p.dbname.clone(), first) {
                (Some(d), Some(f)) => (Some(d), Some(f)),
                (Some(d), None) => (Some(d), second),
                (None, f) => (f, second),
            };
            let user = p.user.clone().or(user_arg);
            let dbname = if p.list_or_all {
                Keyword::new("dbname", Some("postgres".into()), Source::Default)
            } else {
                arg("dbname", dbname)
            };
            match dbname.value.as_deref() {
                // A URI or conninfo DBNAME is all pgcli passes on.
                Some(d) if d.contains("://") || d.contains('=') => vec![dbname],
                _ => vec![
                    arg("host", p.host.clone()),
                    arg("port", p.port.clone()),
                    arg("user", user),
                    dbname,
                ],
            }
        }
    };
    Ok(kws)
}
