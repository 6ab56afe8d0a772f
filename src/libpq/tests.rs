//! Table-driven tests of `resolve` with `FakeWorld`: each client's
//! grammar and defaults, connection strings and URIs on the command line,
//! the service file, the environment, and every error. Expectations that
//! differ from intuition (pgbench/vacuumdb ignoring a service's dbname,
//! pg_dumpall's -h beating its -d, psql -l's `postgres`) were checked
//! against the PostgreSQL 15 clients; see `real_clients` for the automated
//! comparison.

use super::*;
use crate::world::FakeWorld;

const HOME_SERVICES: &str = "\
# the user's services
[prod]
host=prod.example.com
port=5433
user=svcuser
dbname=svcdb
sslmode=verify-full

[pw]
host=pw.example.com
password=hunter2

[multi]
host=a.example.com,b.example.com

[empty]
host=
port=

[uri]
dbname=postgresql://x@y/z
";

const SYSTEM_SERVICES: &str = "\
[sys]
host=sys.example.com
[prod]
host=never.example.com
";

/// alice, with HOME and both service files, plus `env`.
fn world(env: &[(&str, &str)]) -> FakeWorld {
    let mut w = FakeWorld::new()
        .var("HOME", "/home/alice")
        .file("/home/alice/.pg_service.conf", HOME_SERVICES)
        .file("/etc/postgresql-common/pg_service.conf", SYSTEM_SERVICES)
        .file("/srv/services.conf", "[prod]\nhost=srv.example.com\n");
    for (k, v) in env {
        w = w.var(k, v);
    }
    w
}

fn source(s: &Source) -> String {
    match s {
        Source::Args => "args".into(),
        Source::Default => "default".into(),
        Source::Env(v) => format!("env:{v}"),
        Source::Service { name, file } => format!("svc:{name}@{}", file.display()),
    }
}

/// "host=db(args) port=5432(default) user=alice(default) dbname=alice(default)"
/// with hostaddr/sslmode/sslrootcert/service only when set; `-` for None.
fn show(p: &PgParams) -> String {
    let one = |name: &str, s: &Option<Setting>| match s {
        Some(s) => format!("{name}={}({})", s.value, source(&s.source)),
        None => format!("{name}=-"),
    };
    let mut out = vec![
        one("host", &p.host),
        one("port", &p.port),
        one("user", &p.user),
        one("dbname", &p.dbname),
    ];
    for (name, s) in [
        ("hostaddr", &p.hostaddr),
        ("sslmode", &p.sslmode),
        ("sslrootcert", &p.sslrootcert),
        ("service", &p.service),
    ] {
        if s.is_some() {
            out.push(one(name, s));
        }
    }
    out.join(" ")
}

fn run(client: PgClient, args: &[&str], w: &FakeWorld) -> String {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    match resolve(client, &args, w) {
        Ok(p) => show(&p),
        Err(e) => {
            assert_eq!(e.code, crate::error::ExitCode::Configuration, "{e}");
            format!("error: {e}")
        }
    }
}

type Case = (
    PgClient,
    &'static [&'static str],
    &'static [(&'static str, &'static str)],
    &'static str,
);

/// Run cases; an expectation ending in "..." is a prefix.
fn check(cases: &[Case]) {
    let mut failures = Vec::new();
    for (client, args, env, want) in cases {
        let got = run(*client, args, &world(env));
        let ok = match want.strip_suffix("...") {
            Some(prefix) => got.starts_with(prefix),
            None => got == *want,
        };
        if !ok {
            failures.push(format!(
                "{} {args:?} env {env:?}\n   got: {got}\n  want: {want}",
                client.name()
            ));
        }
        assert!(!got.contains("hunter2"), "a password leaked: {got}");
    }
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

use PgClient::*;

const DEFAULTS: &str = "host=- port=5432(default) user=alice(default) dbname=alice(default)";

#[test]
fn program_names() {
    assert_eq!(PgClient::from_program("psql"), Some(Psql));
    assert_eq!(PgClient::from_program("/usr/bin/psql"), Some(Psql));
    assert_eq!(
        PgClient::from_program("/usr/lib/postgresql/15/bin/pg_dumpall"),
        Some(PgDumpall)
    );
    assert_eq!(PgClient::from_program("./pgcli"), Some(Pgcli));
    for bad in ["psql-15", "PSQL", "psql.exe", "", "/", "pg", "vouch"] {
        assert_eq!(PgClient::from_program(bad), None, "{bad:?}");
    }
    assert_eq!(PgClient::ALL.len(), 12);
    for c in PgClient::ALL {
        assert_eq!(PgClient::from_program(c.name()), Some(*c));
    }
}

#[test]
#[rustfmt::skip]
fn psql_grammar() {
    check(&[
        (Psql, &[], &[], DEFAULTS),
        (Psql, &["-h", "db", "-p", "5433", "-U", "bob", "-d", "app"], &[], "host=db(args) port=5433(args) user=bob(args) dbname=app(args)"),
        (Psql, &["-hdb", "-p5433", "-Ubob", "app"], &[], "host=db(args) port=5433(args) user=bob(args) dbname=app(args)"),
        (Psql, &["-qAth", "db"], &[], "host=db(args) port=5432(default) user=alice(default) dbname=alice(default)"),
        (Psql, &["-qAthdb", "-XU", "bob"], &[], "host=db(args) port=5432(default) user=bob(args) dbname=bob(default)"),
        (Psql, &["--host=db", "--port", "5433", "--username=bob", "--dbname", "app"], &[], "host=db(args) port=5433(args) user=bob(args) dbname=app(args)"),
        (Psql, &["--hos=db", "--po=5433", "--user", "bob", "--db=app"], &[], "host=db(args) port=5433(args) user=bob(args) dbname=app(args)"),
        (Psql, &["app", "bob"], &[], "host=- port=5432(default) user=bob(args) dbname=app(args)"),
        (Psql, &["-d", "app", "bob"], &[], "host=- port=5432(default) user=bob(args) dbname=app(args)"),
        (Psql, &["app", "-U", "bob", "extra"], &[], "host=- port=5432(default) user=bob(args) dbname=app(args)"),
        (Psql, &["app", "-h", "db"], &[], "host=db(args) port=5432(default) user=alice(default) dbname=app(args)"),
        (Psql, &["-h", "a", "-h", "b", "-d", "x", "-d", "y"], &[], "host=b(args) port=5432(default) user=alice(default) dbname=y(args)"),
        (Psql, &["-h", "db", "--", "-U"], &[], "host=db(args) port=5432(default) user=alice(default) dbname=-U(args)"),
        (Psql, &["-h", "db", "-"], &[], "host=db(args) port=5432(default) user=alice(default) dbname=-(args)"),
        // option values are skipped, whatever they look like
        (
            Psql,
            &["-c", "select 1", "-f", "f.sql", "-v", "x=y", "--set=a=b", "-P", "pager=off", "-o", "out", "-L", "log", "-F", ",", "-R", "r", "-T", "t", "app"],
            &[],
            "host=- port=5432(default) user=alice(default) dbname=app(args)",
        ),
        (Psql, &["-c", "-h", "app"], &[], "host=- port=5432(default) user=alice(default) dbname=app(args)"),
        (Psql, &["-v", "-U", "app"], &[], "host=- port=5432(default) user=alice(default) dbname=app(args)"),
        (Psql, &["-X", "--csv", "-1", "-w", "-e", "-E", "-b", "-n", "-s", "-S", "-x", "-z", "-0", "app"], &[], "host=- port=5432(default) user=alice(default) dbname=app(args)"),
        (Psql, &["--help=commands"], &[], DEFAULTS),
        // unknown options are the client's to report
        (Psql, &["--frob=1", "--frob", "-k", "app"], &[], "host=- port=5432(default) user=alice(default) dbname=app(args)"),
        // POSIXLY_CORRECT: options stop at the first positional argument
        (Psql, &["app", "-h", "db"], &[("POSIXLY_CORRECT", "1")], "host=- port=5432(default) user=-h(args) dbname=app(args)"),
        (Psql, &["-U", "x", "app", "-U", "bob"], &[("POSIXLY_CORRECT", "")], "host=- port=5432(default) user=x(args) dbname=app(args)"),
        // -l connects to postgres unless a database is named, even over PGDATABASE
        (Psql, &["-l"], &[], "host=- port=5432(default) user=alice(default) dbname=postgres(default)"),
        (Psql, &["--list"], &[("PGDATABASE", "envdb")], "host=- port=5432(default) user=alice(default) dbname=postgres(default)"),
        (Psql, &["-l", "app"], &[], "host=- port=5432(default) user=alice(default) dbname=app(args)"),
        // empty option values are as if not given
        (Psql, &["-h", ""], &[("PGHOST", "envhost")], "host=envhost(env:PGHOST) port=5432(default) user=alice(default) dbname=alice(default)"),
        (Psql, &["-p", "", "-U", "", "-d", ""], &[("PGPORT", "6000")], "host=- port=6000(env:PGPORT) user=alice(default) dbname=alice(default)"),
        // an empty -d still takes the first positional's place
        (Psql, &["-d", "", "bob"], &[], "host=- port=5432(default) user=bob(args) dbname=bob(default)"),
    ]);
}

#[test]
#[rustfmt::skip]
fn psql_connection_strings() {
    check(&[
        // the expanded dbname overrides -h/-p/-U, wherever it appears
        (Psql, &["-h", "A", "host=B dbname=x"], &[], "host=B(args) port=5432(default) user=alice(default) dbname=x(args)"),
        (Psql, &["host=B port=1", "-h", "A", "-p", "2"], &[], "host=B(args) port=1(args) user=alice(default) dbname=alice(default)"),
        (Psql, &["-U", "bob", "-d", "dbname=x"], &[], "host=- port=5432(default) user=bob(args) dbname=x(args)"),
        (Psql, &["host=B"], &[("PGDATABASE", "envdb")], "host=B(args) port=5432(default) user=alice(default) dbname=envdb(env:PGDATABASE)"),
        // only the first dbname is expanded: the second positional is a user name
        (Psql, &["host=B", "user=bob"], &[], "host=B(args) port=5432(default) user=user=bob(args) dbname=user=bob(default)"),
        (Psql, &["dbname=host=x"], &[], "host=- port=5432(default) user=alice(default) dbname=host=x(args)"),
        (Psql, &["host = B   port= 6000 user='bo b' dbname='a\\'b'"], &[], "host=B(args) port=6000(args) user=bo b(args) dbname=a'b(args)"),
        // an explicitly empty host in the string wins over -h and PGHOST: the socket
        (Psql, &["-h", "A", "host='' dbname=x"], &[("PGHOST", "envhost")], "host=- port=5432(default) user=alice(default) dbname=x(args)"),
        (Psql, &["-h", "A", "host= port=1"], &[], "host=port=1(args) port=5432(default) user=alice(default) dbname=alice(default)"),
        (Psql, &["requiressl=1 host=B"], &[], "host=B(args) port=5432(default) user=alice(default) dbname=alice(default) sslmode=require(args)"),
        (Psql, &["host=db sslmode=verify-full sslrootcert=/ca.pem"], &[], "host=db(args) port=5432(default) user=alice(default) dbname=alice(default) sslmode=verify-full(args) sslrootcert=/ca.pem(args)"),
        (Psql, &["hostaddr=10.0.0.1 host=db"], &[], "host=db(args) port=5432(default) user=alice(default) dbname=alice(default) hostaddr=10.0.0.1(args)"),
        // URIs
        (Psql, &["postgresql://u@h:5433/db?sslmode=verify-full"], &[], "host=h(args) port=5433(args) user=u(args) dbname=db(args) sslmode=verify-full(args)"),
        (Psql, &["postgres://h"], &[], "host=h(args) port=5432(default) user=alice(default) dbname=alice(default)"),
        (Psql, &["-h", "A", "-U", "bob", "postgresql:///db"], &[], "host=A(args) port=5432(default) user=bob(args) dbname=db(args)"),
        (Psql, &["postgresql://%2Fvar%2Frun%2Fpostgresql/db"], &[], "host=/var/run/postgresql(args) port=5432(default) user=alice(default) dbname=db(args)"),
        (Psql, &["postgresql://[::1]:5433/db"], &[], "host=::1(args) port=5433(args) user=alice(default) dbname=db(args)"),
        (Psql, &["postgresql:///db?host=/tmp&port=6000"], &[], "host=/tmp(args) port=6000(args) user=alice(default) dbname=db(args)"),
        (Psql, &["postgresql://u%40corp@h/my%20db"], &[], "host=h(args) port=5432(default) user=u@corp(args) dbname=my db(args)"),
        (Psql, &["postgresql://h/"], &[("PGDATABASE", "envdb")], "host=h(args) port=5432(default) user=alice(default) dbname=envdb(env:PGDATABASE)"),
        (Psql, &["postgresql://h?ssl=true"], &[], "host=h(args) port=5432(default) user=alice(default) dbname=alice(default) sslmode=require(args)"),
        // an empty URI password is not a password
        (Psql, &["postgresql://u:@h/db"], &[], "host=h(args) port=5432(default) user=u(args) dbname=db(args)"),
        // "postgresql:" without "//" is an ordinary name
        (Psql, &["postgresql:x"], &[], "host=- port=5432(default) user=alice(default) dbname=postgresql:x(args)"),
    ]);
}

#[test]
#[rustfmt::skip]
fn services() {
    check(&[
        (Psql, &["service=prod"], &[], "host=prod.example.com(svc:prod@/home/alice/.pg_service.conf) port=5433(svc:prod@/home/alice/.pg_service.conf) user=svcuser(svc:prod@/home/alice/.pg_service.conf) dbname=svcdb(svc:prod@/home/alice/.pg_service.conf) sslmode=verify-full(svc:prod@/home/alice/.pg_service.conf) service=prod(args)"),
        (Psql, &[], &[("PGSERVICE", "prod")], "host=prod.example.com(svc:prod@/home/alice/.pg_service.conf) port=5433(svc:prod@/home/alice/.pg_service.conf) user=svcuser(svc:prod@/home/alice/.pg_service.conf) dbname=svcdb(svc:prod@/home/alice/.pg_service.conf) sslmode=verify-full(svc:prod@/home/alice/.pg_service.conf) service=prod(env:PGSERVICE)"),
        // the service beats the environment...
        (Psql, &[], &[("PGSERVICE", "prod"), ("PGHOST", "envhost"), ("PGUSER", "envuser"), ("PGDATABASE", "envdb"), ("PGSSLMODE", "require")], "host=prod.example.com(svc:prod@/home/alice/.pg_service.conf) port=5433(svc:prod@/home/alice/.pg_service.conf) user=svcuser(svc:prod@/home/alice/.pg_service.conf) dbname=svcdb(svc:prod@/home/alice/.pg_service.conf) sslmode=verify-full(svc:prod@/home/alice/.pg_service.conf) service=prod(env:PGSERVICE)"),
        // ...and the arguments beat the service
        (Psql, &["-h", "A", "-U", "bob", "app"], &[("PGSERVICE", "prod")], "host=A(args) port=5433(svc:prod@/home/alice/.pg_service.conf) user=bob(args) dbname=app(args) sslmode=verify-full(svc:prod@/home/alice/.pg_service.conf) service=prod(env:PGSERVICE)"),
        (Psql, &["-h", "A", "service=prod host=B"], &[], "host=B(args) port=5433(svc:prod@/home/alice/.pg_service.conf) user=svcuser(svc:prod@/home/alice/.pg_service.conf) dbname=svcdb(svc:prod@/home/alice/.pg_service.conf) sslmode=verify-full(svc:prod@/home/alice/.pg_service.conf) service=prod(args)"),
        // service= in the arguments beats PGSERVICE
        (Psql, &["service=sys"], &[("PGSERVICE", "prod")], "host=sys.example.com(svc:sys@/etc/postgresql-common/pg_service.conf) port=5432(default) user=alice(default) dbname=alice(default) service=sys(args)"),
        // the system file is read only when the user's file lacks the service
        (Psql, &[], &[("PGSERVICE", "sys")], "host=sys.example.com(svc:sys@/etc/postgresql-common/pg_service.conf) port=5432(default) user=alice(default) dbname=alice(default) service=sys(env:PGSERVICE)"),
        (Psql, &[], &[("PGSERVICE", "prod"), ("PGSERVICEFILE", "/srv/services.conf")], "host=srv.example.com(svc:prod@/srv/services.conf) port=5432(default) user=alice(default) dbname=alice(default) service=prod(env:PGSERVICE)"),
        (Psql, &[], &[("PGSERVICE", "sys"), ("PGSERVICEFILE", "/srv/services.conf")], "host=sys.example.com(svc:sys@/etc/postgresql-common/pg_service.conf) port=5432(default) user=alice(default) dbname=alice(default) service=sys(env:PGSERVICE)"),
        (Psql, &[], &[("PGSERVICE", "prod"), ("PGSYSCONFDIR", "/nowhere"), ("HOME", "/nohome")], "error: definition of service \"prod\" not found (searched /nohome/.pg_service.conf, /nowhere/pg_service.conf)..."),
        (Psql, &[], &[("PGSERVICE", "nope")], "error: definition of service \"nope\" not found..."),
        (Psql, &[], &[("PGSERVICE", "")], "error: definition of service \"\" not found..."),
        (Psql, &["service=nope"], &[], "error: definition of service \"nope\" not found..."),
        (Psql, &[], &[("PGSERVICE", "prod"), ("PGSERVICEFILE", "/missing.conf")], "error: service file /missing.conf (PGSERVICEFILE) not found..."),
        // an empty service value blocks the environment too
        (Psql, &[], &[("PGSERVICE", "empty"), ("PGHOST", "envhost"), ("PGPORT", "6000")], "host=- port=5432(default) user=alice(default) dbname=alice(default) service=empty(env:PGSERVICE)"),
        // a service's dbname is never expanded
        (Psql, &[], &[("PGSERVICE", "uri")], "host=- port=5432(default) user=alice(default) dbname=postgresql://x@y/z(svc:uri@/home/alice/.pg_service.conf) service=uri(env:PGSERVICE)"),
        (PgDump, &[], &[("PGSERVICE", "prod")], PROD_DUMP),
        (Psql, &["service=prod"], &[("HOME", "/nohome"), ("PGSYSCONFDIR", "/etc/postgresql-common")], "host=never.example.com(svc:prod@/etc/postgresql-common/pg_service.conf) port=5432(default) user=alice(default) dbname=alice(default) service=prod(args)"),
    ]);
}

const PROD_DUMP: &str = "host=prod.example.com(svc:prod@/home/alice/.pg_service.conf) port=5433(svc:prod@/home/alice/.pg_service.conf) user=svcuser(svc:prod@/home/alice/.pg_service.conf) dbname=svcdb(svc:prod@/home/alice/.pg_service.conf) sslmode=verify-full(svc:prod@/home/alice/.pg_service.conf) service=prod(env:PGSERVICE)";

#[test]
#[rustfmt::skip]
fn environment_and_defaults() {
    check(&[
        (Psql, &[], &[("PGHOST", "envhost"), ("PGPORT", "6543"), ("PGUSER", "envuser"), ("PGDATABASE", "envdb")], "host=envhost(env:PGHOST) port=6543(env:PGPORT) user=envuser(env:PGUSER) dbname=envdb(env:PGDATABASE)"),
        (Psql, &[], &[("PGUSER", "envuser")], "host=- port=5432(default) user=envuser(env:PGUSER) dbname=envuser(default)"),
        (Psql, &["-h", "db", "-U", "bob"], &[("PGHOST", "envhost"), ("PGUSER", "envuser")], "host=db(args) port=5432(default) user=bob(args) dbname=bob(default)"),
        // set-but-empty variables mean the default
        (Psql, &[], &[("PGHOST", ""), ("PGPORT", ""), ("PGUSER", ""), ("PGDATABASE", "")], DEFAULTS),
        (Psql, &["-h", "db"], &[("PGHOSTADDR", "10.1.2.3")], "host=db(args) port=5432(default) user=alice(default) dbname=alice(default) hostaddr=10.1.2.3(env:PGHOSTADDR)"),
        (Psql, &[], &[("PGSSLMODE", "verify-ca"), ("PGSSLROOTCERT", "/ca.pem")], "host=- port=5432(default) user=alice(default) dbname=alice(default) sslmode=verify-ca(env:PGSSLMODE) sslrootcert=/ca.pem(env:PGSSLROOTCERT)"),
        // an empty sslmode is passed on for the TLS check to refuse, as libpq does
        (Psql, &[], &[("PGSSLMODE", "")], "host=- port=5432(default) user=alice(default) dbname=alice(default) sslmode=(env:PGSSLMODE)"),
        (Psql, &[], &[("PGSSLROOTCERT", "")], DEFAULTS),
        (Psql, &[], &[("PGREQUIRESSL", "1")], "host=- port=5432(default) user=alice(default) dbname=alice(default) sslmode=require(env:PGREQUIRESSL)"),
        (Psql, &[], &[("PGREQUIRESSL", "1"), ("PGSSLMODE", "verify-full")], "host=- port=5432(default) user=alice(default) dbname=alice(default) sslmode=verify-full(env:PGSSLMODE)"),
        (Psql, &[], &[("PGREQUIRESSL", "0")], DEFAULTS),
        (Psql, &["/tmp/sockets"], &[], "host=- port=5432(default) user=alice(default) dbname=/tmp/sockets(args)"),
        (Psql, &["-h", "/tmp/sockets"], &[], "host=/tmp/sockets(args) port=5432(default) user=alice(default) dbname=alice(default)"),
        // ports are read as libpq reads them
        (Psql, &["-p", " 5433 "], &[], "host=- port=5433(args) user=alice(default) dbname=alice(default)"),
        (Psql, &["-p", "+05433"], &[], "host=- port=5433(args) user=alice(default) dbname=alice(default)"),
        (Psql, &[], &[("PGPORT", "65535")], "host=- port=65535(env:PGPORT) user=alice(default) dbname=alice(default)"),
        (Psql, &["-p", "0"], &[], "error: port \"0\" (from the client's arguments) is not a port number; give a number from 1 to 65535"),
        (Psql, &["-p", "70000"], &[], "error: port \"70000\"..."),
        (Psql, &["-p", "-1"], &[], "error: port \"-1\"..."),
        (Psql, &["-p", "--1"], &[], "error: port \"--1\"..."),
        (Psql, &["-p", "54x"], &[], "error: port \"54x\"..."),
        (Psql, &["-p", " "], &[], "error: port \" \"..."),
        (Psql, &[], &[("PGPORT", "pg")], "error: port \"pg\" (from PGPORT) is not a port number..."),
    ]);
}

#[test]
fn no_login_user() {
    let mut w = world(&[]);
    w.user = None;
    assert_eq!(
        run(Psql, &[], &w),
        "host=- port=5432(default) user=- dbname=-"
    );
    assert_eq!(
        run(Psql, &["-U", "bob"], &w),
        "host=- port=5432(default) user=bob(args) dbname=bob(default)"
    );
    assert_eq!(
        run(Pgbench, &["-U", "bob"], &w),
        "host=- port=5432(default) user=bob(args) dbname=bob(default)"
    );
}

#[test]
#[rustfmt::skip]
fn refusals() {
    check(&[
        // -W/--password makes the client prompt
        (Psql, &["-W"], &[], "error: psql: drop -W: it makes psql prompt for a password, which would replace the IAM token vouch supplies"),
        (Psql, &["-qW", "app"], &[], "error: psql: drop -W..."),
        (Psql, &["--password"], &[], "error: psql: drop --password..."),
        (Psql, &["--pass"], &[], "error: psql: drop --password..."),
        (PgDump, &["-W"], &[], "error: pg_dump: drop -W..."),
        (PgDumpall, &["--password"], &[], "error: pg_dumpall: drop --password..."),
        (PgRestore, &["-W", "-d", "x"], &[], "error: pg_restore: drop -W..."),
        (Createdb, &["-W", "x"], &[], "error: createdb: drop -W..."),
        (Dropdb, &["-W", "x"], &[], "error: dropdb: drop -W..."),
        (Vacuumdb, &["-W"], &[], "error: vacuumdb: drop -W..."),
        (Reindexdb, &["--password"], &[], "error: reindexdb: drop --password..."),
        (Clusterdb, &["-W"], &[], "error: clusterdb: drop -W..."),
        (Pgcli, &["-W"], &[], "error: pgcli: drop -W..."),
        // pgbench and pg_isready have no -W: an unknown option, not vouch's business
        (Pgbench, &["-W", "app"], &[], "host=- port=5432(default) user=alice(default) dbname=app(args)"),
        (PgIsready, &["-W"], &[], DEFAULTS),
        // passwords libpq would send instead of the token
        (Psql, &["postgresql://u:hunter2@h/db"], &[], "error: the client's connection string carries a password (password=... or postgresql://user:password@...); libpq would send it instead of the IAM token vouch supplies; remove the password from it"),
        (Psql, &["host=h password=hunter2"], &[], "error: the client's connection string carries a password..."),
        (Psql, &["postgresql://h/db?password=hunter2"], &[], "error: the client's connection string carries a password..."),
        // even an empty one: libpq would then skip PGPASSWORD for ~/.pgpass
        (Psql, &["host=h password="], &[], "error: the client's connection string carries a password..."),
        (Psql, &[], &[("PGSERVICE", "pw")], "error: service \"pw\" in /home/alice/.pg_service.conf sets a password; libpq would send it instead of the IAM token vouch supplies; remove the password line from that entry"),
        (Vacuumdb, &[], &[("PGDATABASE", "host=h password=hunter2")], "error: the connection string in $PGDATABASE carries a password..."),
        // a password the arguments override is still found (libpq: args first)
        (Psql, &["-h", "h"], &[("PGPASSWORD", "hunter2")], "host=h(args) port=5432(default) user=alice(default) dbname=alice(default)"),
        // one host, one port
        (Psql, &["-h", "a,b"], &[], "error: host=\"a,b\" (from the client's arguments) lists several; vouch signs a token for one host; give one host"),
        (Psql, &["-h", "a,"], &[], "error: host=\"a,\"..."),
        (Psql, &[], &[("PGHOST", "a,b")], "error: host=\"a,b\" (from PGHOST) lists several..."),
        (Psql, &["-h", "c"], &[("PGHOST", "a,b")], "host=c(args) port=5432(default) user=alice(default) dbname=alice(default)"),
        (Psql, &["postgresql://h1,h2/db"], &[], "error: host=\"h1,h2\"..."),
        (Psql, &["postgresql://h1:1,h2:2/db"], &[], "error: host=\"h1,h2\"..."),
        (Psql, &["-p", "5432,5433"], &[], "error: port=\"5432,5433\" (from the client's arguments) lists several; vouch signs a token for one host; give one port"),
        (Psql, &["hostaddr=10.0.0.1,10.0.0.2"], &[], "error: hostaddr=\"10.0.0.1,10.0.0.2\" (from the client's arguments) lists several; vouch signs a token for one host; give one host address"),
        (Psql, &[], &[("PGSERVICE", "multi")], "error: host=\"a.example.com,b.example.com\" (from service \"multi\" in /home/alice/.pg_service.conf) lists several..."),
        // malformed connection strings
        (Psql, &["host='db"], &[], "error: the connection string in psql's database name is malformed: a quoted value has no closing quote..."),
        (Psql, &["host=db bogus=1"], &[], "error: the connection string in psql's database name is malformed: unknown connection option \"bogus\"..."),
        (Psql, &["=x"], &[], "error: the connection string in psql's database name is malformed: unknown connection option \"\"..."),
        (Psql, &["postgresql://h/%zz"], &[], "error: the connection string in psql's database name is malformed: invalid percent-encoded token..."),
        (Psql, &["postgresql://h?x=1"], &[], "error: the connection string in psql's database name is malformed: invalid URI query parameter \"x\"..."),
        (Psql, &["user=u password=hunter2 junk"], &[], "error: the connection string in psql's database name is malformed: missing \"=\" after; ..."),
        // a known option without its value
        (Psql, &["-h"], &[], "error: psql: option -h needs a value; give it one or remove the option"),
        (Psql, &["app", "--port"], &[], "error: psql: option --port needs a value..."),
        (PgDump, &["-U"], &[], "error: pg_dump: option -U needs a value..."),
        (Createdb, &["x", "--maintenance-db"], &[], "error: createdb: option --maintenance-db needs a value..."),
        (Pgcli, &["-h"], &[], "error: pgcli: option -h needs a value..."),
    ]);
}

#[test]
#[rustfmt::skip]
fn pg_dump_and_pg_restore() {
    check(&[
        (PgDump, &["-h", "db", "-U", "bob", "app"], &[], "host=db(args) port=5432(default) user=bob(args) dbname=app(args)"),
        (
            PgDump,
            &["app", "-Fc", "-f", "out.dump", "-j", "4", "-Z", "9", "-n", "s", "-N", "x", "-t", "t", "-T", "x", "-e", "ext", "-E", "UTF8", "-S", "su", "--role=r", "--section", "data", "--exclude-table-data=t", "--lock-wait-timeout", "1", "--snapshot=s", "--extra-float-digits", "1", "--rows-per-insert=5", "--include-foreign-data", "x", "--restrict-key", "k"],
            &[],
            "host=- port=5432(default) user=alice(default) dbname=app(args)",
        ),
        (PgDump, &["-abBcCOsRvx", "--no-acl", "--attr", "--if-exists", "app"], &[], "host=- port=5432(default) user=alice(default) dbname=app(args)"),
        // -d beats the positional; extra positionals are the client's error
        (PgDump, &["-d", "app", "other"], &[], "host=- port=5432(default) user=alice(default) dbname=app(args)"),
        (PgDump, &["-d", "host=B dbname=x", "-h", "A"], &[], "host=B(args) port=5432(default) user=alice(default) dbname=x(args)"),
        // newer releases' options keep their values
        (PgDump, &["--table-and-children=t", "--filter", "f.txt", "--sync-method", "fsync", "app"], &[], "host=- port=5432(default) user=alice(default) dbname=app(args)"),
        (PgRestore, &["-d", "app", "-h", "db", "dump.file"], &[], "host=db(args) port=5432(default) user=alice(default) dbname=app(args)"),
        (PgRestore, &["-l", "-h", "db", "dump.file"], &[], "host=db(args) port=5432(default) user=alice(default) dbname=alice(default)"),
        (PgRestore, &["-L", "list.txt", "-I", "i", "-P", "f()", "-T", "trg", "-j", "2", "-d", "app", "dump"], &[], "host=- port=5432(default) user=alice(default) dbname=app(args)"),
        (PgRestore, &["--dbname=postgresql://u@h/app", "dump"], &[], "host=h(args) port=5432(default) user=u(args) dbname=app(args)"),
    ]);
}

#[test]
#[rustfmt::skip]
fn pg_dumpall() {
    check(&[
        (PgDumpall, &["-h", "db", "-U", "bob"], &[], "host=db(args) port=5432(default) user=bob(args) dbname=postgres(default)"),
        (PgDumpall, &["-l", "mydb"], &[("PGDATABASE", "envdb")], "host=- port=5432(default) user=alice(default) dbname=mydb(args)"),
        (PgDumpall, &[], &[("PGDATABASE", "envdb")], "host=- port=5432(default) user=alice(default) dbname=postgres(default)"),
        // -d is a connection string whose settings -h/-p/-U override (unlike psql),
        // and whose dbname is ignored
        (PgDumpall, &["-d", "host=B port=1 user=cu dbname=zz", "-h", "A", "-U", "bob"], &[], "host=A(args) port=1(args) user=bob(args) dbname=postgres(default)"),
        (PgDumpall, &["--dbname=postgresql://cu@B:6000/zz"], &[], "host=B(args) port=6000(args) user=cu(args) dbname=postgres(default)"),
        (PgDumpall, &["--database=x", "--dbname", "host=B"], &[], "host=B(args) port=5432(default) user=alice(default) dbname=x(args)"),
        (PgDumpall, &["-d", "host='' port=6000", "-h", "A"], &[("PGHOST", "envhost")], "host=A(args) port=6000(args) user=alice(default) dbname=postgres(default)"),
        (PgDumpall, &["-d", "host=''"], &[("PGHOST", "envhost")], "host=envhost(env:PGHOST) port=5432(default) user=alice(default) dbname=postgres(default)"),
        // -l is an ordinary dbname keyword, so libpq expands it, over -h
        (PgDumpall, &["-l", "host=C", "-h", "A"], &[], "host=C(args) port=5432(default) user=alice(default) dbname=alice(default)"),
        (PgDumpall, &["-d", "mydb"], &[], "error: the connection string in pg_dumpall's --dbname is malformed: missing \"=\" after \"mydb\"..."),
        (PgDumpall, &["-d", "host=B password=hunter2"], &[], "error: the client's connection string carries a password..."),
        (PgDumpall, &["-gf", "out.sql", "--exclude-database", "x", "-S", "su"], &[], "host=- port=5432(default) user=alice(default) dbname=postgres(default)"),
    ]);
}

#[test]
#[rustfmt::skip]
fn pgbench_and_pg_isready() {
    check(&[
        (Pgbench, &["-h", "db", "-p", "6000", "-U", "bob", "app"], &[], "host=db(args) port=6000(args) user=bob(args) dbname=app(args)"),
        // -d is --debug, not a database
        (Pgbench, &["-d", "app"], &[], "host=- port=5432(default) user=alice(default) dbname=app(args)"),
        (Pgbench, &["--debug", "--db"], &[], DEFAULTS),
        (
            Pgbench,
            &["-i", "-s", "10", "-c", "4", "-j", "2", "-T", "60", "-P", "5", "-f", "s.sql@2", "-D", "x=1", "-M", "prepared", "-I", "dtg", "-F", "90", "-b", "tpcb-like", "-L", "5", "-R", "10", "-t", "5", "--partitions=3", "--max-tries", "2", "app"],
            &[],
            "host=- port=5432(default) user=alice(default) dbname=app(args)",
        ),
        // pgbench names the database itself: PGDATABASE, PGUSER, the login user
        (Pgbench, &[], &[], DEFAULTS),
        (Pgbench, &[], &[("PGDATABASE", "envdb"), ("PGUSER", "envuser")], "host=- port=5432(default) user=envuser(env:PGUSER) dbname=envdb(env:PGDATABASE)"),
        (Pgbench, &[], &[("PGUSER", "envuser")], "host=- port=5432(default) user=envuser(env:PGUSER) dbname=envuser(env:PGUSER)"),
        (Pgbench, &[], &[("PGDATABASE", ""), ("PGUSER", "")], DEFAULTS),
        // ...so a service's dbname does not apply (checked with pgbench 15)
        (Pgbench, &[], &[("PGSERVICE", "prod")], "host=prod.example.com(svc:prod@/home/alice/.pg_service.conf) port=5433(svc:prod@/home/alice/.pg_service.conf) user=svcuser(svc:prod@/home/alice/.pg_service.conf) dbname=alice(default) sslmode=verify-full(svc:prod@/home/alice/.pg_service.conf) service=prod(env:PGSERVICE)"),
        (PgIsready, &["-h", "db", "-p", "5433", "-U", "bob", "-d", "app", "-t", "5", "-q"], &[], "host=db(args) port=5433(args) user=bob(args) dbname=app(args)"),
        (PgIsready, &["-d", "host=B", "-h", "A"], &[], "host=B(args) port=5432(default) user=alice(default) dbname=alice(default)"),
        (PgIsready, &["--timeout=3", "--dbname=app"], &[], "host=- port=5432(default) user=alice(default) dbname=app(args)"),
    ]);
}

#[test]
#[rustfmt::skip]
fn scripts() {
    check(&[
        // createdb/dropdb connect to a maintenance database
        (Createdb, &["newdb", "-h", "db"], &[("PGDATABASE", "envdb")], "host=db(args) port=5432(default) user=alice(default) dbname=postgres(default)"),
        (Createdb, &["postgres"], &[], "host=- port=5432(default) user=alice(default) dbname=template1(default)"),
        (Createdb, &[], &[("PGDATABASE", "postgres")], "host=- port=5432(default) user=alice(default) dbname=template1(default)"),
        (Createdb, &[], &[("PGUSER", "postgres")], "host=- port=5432(default) user=postgres(env:PGUSER) dbname=template1(default)"),
        (Createdb, &["--maintenance-db=maint", "newdb"], &[], "host=- port=5432(default) user=alice(default) dbname=maint(args)"),
        (Createdb, &["--maint", "host=B dbname=m", "x"], &[], "host=B(args) port=5432(default) user=alice(default) dbname=m(args)"),
        (
            Createdb,
            &["-O", "owner", "-T", "template0", "-E", "UTF8", "-l", "C", "--lc-collate=C", "--lc-ctype", "C", "-D", "ts", "-S", "wal_log", "--icu-locale", "und", "--locale-provider=icu", "-e", "newdb", "a comment"],
            &[],
            "host=- port=5432(default) user=alice(default) dbname=postgres(default)",
        ),
        (Createdb, &["x"], &[("PGSERVICE", "prod")], "host=prod.example.com(svc:prod@/home/alice/.pg_service.conf) port=5433(svc:prod@/home/alice/.pg_service.conf) user=svcuser(svc:prod@/home/alice/.pg_service.conf) dbname=postgres(default) sslmode=verify-full(svc:prod@/home/alice/.pg_service.conf) service=prod(env:PGSERVICE)"),
        (Dropdb, &["x"], &[], "host=- port=5432(default) user=alice(default) dbname=postgres(default)"),
        (Dropdb, &["postgres", "-U", "admin"], &[], "host=- port=5432(default) user=admin(args) dbname=template1(default)"),
        (Dropdb, &["-i", "-f", "--if-exists", "-e", "--maintenance-db", "m", "x"], &[], "host=- port=5432(default) user=alice(default) dbname=m(args)"),
        // vacuumdb/reindexdb/clusterdb: -d or the positional, else PGDATABASE, PGUSER, the login user
        (Vacuumdb, &["app"], &[], "host=- port=5432(default) user=alice(default) dbname=app(args)"),
        (Vacuumdb, &["-d", "a", "b"], &[], "host=- port=5432(default) user=alice(default) dbname=a(args)"),
        (Vacuumdb, &[], &[], DEFAULTS),
        (Vacuumdb, &[], &[("PGUSER", "envuser")], "host=- port=5432(default) user=envuser(env:PGUSER) dbname=envuser(env:PGUSER)"),
        (Vacuumdb, &[], &[("PGDATABASE", "envdb")], "host=- port=5432(default) user=alice(default) dbname=envdb(env:PGDATABASE)"),
        // ...so the service's dbname is ignored, unless PGDATABASE is set but empty
        (Vacuumdb, &[], &[("PGSERVICE", "prod"), ("PGUSER", "envuser")], "host=prod.example.com(svc:prod@/home/alice/.pg_service.conf) port=5433(svc:prod@/home/alice/.pg_service.conf) user=svcuser(svc:prod@/home/alice/.pg_service.conf) dbname=envuser(env:PGUSER) sslmode=verify-full(svc:prod@/home/alice/.pg_service.conf) service=prod(env:PGSERVICE)"),
        (Vacuumdb, &[], &[("PGSERVICE", "prod"), ("PGDATABASE", "")], "host=prod.example.com(svc:prod@/home/alice/.pg_service.conf) port=5433(svc:prod@/home/alice/.pg_service.conf) user=svcuser(svc:prod@/home/alice/.pg_service.conf) dbname=svcdb(svc:prod@/home/alice/.pg_service.conf) sslmode=verify-full(svc:prod@/home/alice/.pg_service.conf) service=prod(env:PGSERVICE)"),
        // and a connection string in PGDATABASE is expanded
        (Vacuumdb, &[], &[("PGDATABASE", "host=B dbname=q")], "host=B(env:PGDATABASE) port=5432(default) user=alice(default) dbname=q(env:PGDATABASE)"),
        (Vacuumdb, &["-a"], &[("PGDATABASE", "envdb")], "host=- port=5432(default) user=alice(default) dbname=postgres(default)"),
        (Vacuumdb, &["--all", "--maintenance-db=m"], &[], "host=- port=5432(default) user=alice(default) dbname=m(args)"),
        (Vacuumdb, &["-zZFfvq", "-j", "4", "-P", "2", "-t", "tbl(col)", "--min-xid-age", "5", "--analyze-in-stages", "app"], &[], "host=- port=5432(default) user=alice(default) dbname=app(args)"),
        (Vacuumdb, &["-n", "sch", "-N", "x", "--buffer-usage-limit", "1MB", "app"], &[], "host=- port=5432(default) user=alice(default) dbname=app(args)"),
        (Reindexdb, &["-s"], &[("PGUSER", "envuser")], "host=- port=5432(default) user=envuser(env:PGUSER) dbname=envuser(env:PGUSER)"),
        (Reindexdb, &["-S", "sch", "-i", "idx", "-t", "t", "-j", "2", "--concurrently", "--tablespace", "ts", "app"], &[], "host=- port=5432(default) user=alice(default) dbname=app(args)"),
        (Reindexdb, &["-a", "-h", "db"], &[], "host=db(args) port=5432(default) user=alice(default) dbname=postgres(default)"),
        (Clusterdb, &["-t", "t", "-v", "app"], &[], "host=- port=5432(default) user=alice(default) dbname=app(args)"),
        (Clusterdb, &["-a"], &[], "host=- port=5432(default) user=alice(default) dbname=postgres(default)"),
        (Clusterdb, &["--dbname", "app", "--maintenance-db", "m"], &[], "host=- port=5432(default) user=alice(default) dbname=app(args)"),
    ]);
}

#[test]
#[rustfmt::skip]
fn pgcli() {
    check(&[
        (Pgcli, &["-h", "db", "-p", "5433", "-u", "bob", "app"], &[], "host=db(args) port=5433(args) user=bob(args) dbname=app(args)"),
        (Pgcli, &["--host", "db", "--user=bob", "--dbname", "app"], &[], "host=db(args) port=5432(default) user=bob(args) dbname=app(args)"),
        (Pgcli, &["app", "bob"], &[], "host=- port=5432(default) user=bob(args) dbname=app(args)"),
        (Pgcli, &["-d", "app", "bob"], &[], "host=- port=5432(default) user=bob(args) dbname=app(args)"),
        (Pgcli, &["-U", "carol", "app", "bob"], &[], "host=- port=5432(default) user=carol(args) dbname=app(args)"),
        // a URI or conninfo is all pgcli passes on
        (Pgcli, &["postgresql://u@h:6000/db", "-h", "ignored", "-U", "ignored"], &[], "host=h(args) port=6000(args) user=u(args) dbname=db(args)"),
        (Pgcli, &["-U", "bob", "host=B dbname=x"], &[], "host=B(args) port=5432(default) user=alice(default) dbname=x(args)"),
        // click does not abbreviate long options
        (Pgcli, &["--hos=x", "app"], &[], "host=- port=5432(default) user=alice(default) dbname=app(args)"),
        (Pgcli, &["-l"], &[], "host=- port=5432(default) user=alice(default) dbname=postgres(default)..."),
        (Pgcli, &["--less-chatty", "--row-limit", "5", "--prompt", "x", "--warn", "all", "app"], &[], "host=- port=5432(default) user=alice(default) dbname=app(args)"),
        (Pgcli, &["-D", "alias"], &[], "error: pgcli: -D/--dsn takes the connection from pgcli's own config file..."),
    ]);
}

#[test]
fn whether_clients_connect() {
    let w = world(&[]);
    let conn = |c: PgClient, args: &[&str]| {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        connects(c, &args, &w).unwrap()
    };
    assert!(conn(Psql, &["-h", "db"]));
    assert!(!conn(Psql, &["--help"]));
    assert!(!conn(Psql, &["-?"]));
    assert!(!conn(Psql, &["--help=variables"]));
    assert!(!conn(Psql, &["-h", "db", "-V"]));
    assert!(!conn(PgDump, &["--version"]));
    assert!(!conn(PgIsready, &["-V"]));
    assert!(conn(PgRestore, &["-d", "app", "dump"]));
    assert!(!conn(PgRestore, &["dump"]));
    assert!(!conn(PgRestore, &["-l", "dump"]));
    assert!(conn(Pgcli, &["app"]));
    assert!(!conn(Pgcli, &["-v"]));
    assert!(conn(Pgbench, &["-d"]));
}

#[test]
fn socket_detection() {
    let w = world(&[]);
    let p = |args: &[&str]| {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        resolve(Psql, &args, &w).unwrap()
    };
    assert!(p(&[]).is_unix_socket());
    assert!(p(&["-h", "/tmp"]).is_unix_socket());
    assert!(p(&["-h", "@abstract"]).is_unix_socket());
    assert!(!p(&["-h", "db.example.com"]).is_unix_socket());
    assert!(!p(&["hostaddr=10.0.0.1"]).is_unix_socket());
}
