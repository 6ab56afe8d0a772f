//! Differential tests against the installed PostgreSQL clients: run the
//! real psql (and the other clients) with a clean environment and see
//! where it actually tries to connect, then compare with `resolve`.
//!
//! Where a client connects is read two ways:
//! - closed ports on 127.0.0.2-127.0.0.9: with PGCONNECT_TIMEOUT=1 the
//!   client fails at once with `connection to server at "H", port P
//!   failed` or `connection to server on socket "DIR/.s.PGSQL.P" failed`;
//! - a fake server on 127.0.0.1 that answers the startup packet with an
//!   error, recording the user and database the client sent (the first
//!   attempt counts: createdb and friends retry template1 after postgres).
//!
//! The binaries are run from `pg_config --bindir`, not through Debian's
//! /usr/bin wrapper (pg_wrapper), which may set PGHOST/PGPORT for a local
//! cluster. The tests run only where /usr/bin/psql exists and say loudly
//! when they are skipped (in CI a missing psql fails them instead).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::clients::table;
use super::getopt::HasArg;
use super::{resolve, PgClient, PgParams};
use crate::world::{FakeWorld, RealWorld, World};

/// The client binaries' directory, or `None` when the PostgreSQL clients
/// are not installed: a loud skip, or a failure in CI (`CI` or
/// `VOUCH_TEST_STRICT` set, as in tests/support).
fn bindir(test: &str) -> Option<PathBuf> {
    if !Path::new("/usr/bin/psql").exists() {
        let strict = ["CI", "VOUCH_TEST_STRICT"]
            .iter()
            .any(|v| std::env::var_os(v).is_some_and(|v| !v.is_empty() && v != "false"));
        assert!(!strict, "{test}: /usr/bin/psql is required but missing (run scripts/test.sh, which installs it)");
        crate::say!("\n**********\n*** SKIPPED {test}: /usr/bin/psql is not installed, so vouch's libpq model was NOT checked against the real clients\n**********\n");
        return None;
    }
    let out = Command::new("pg_config").arg("--bindir").output().ok();
    let dir = out
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
        .filter(|d| d.join("psql").exists())
        .unwrap_or_else(|| PathBuf::from("/usr/bin"));
    Some(dir)
}

/// A command for a client binary, in a new session: without a controlling
/// terminal a password prompt (`-W`) reads the null stdin instead of
/// waiting for someone to type.
fn client_command(path: PathBuf) -> Command {
    use std::os::unix::process::CommandExt;
    let mut cmd = Command::new(path);
    cmd.stdin(Stdio::null());
    // SAFETY: setsid is async-signal-safe and touches no shared state.
    unsafe {
        cmd.pre_exec(|| {
            nix::unistd::setsid()
                .map(|_| ())
                .map_err(std::io::Error::from)
        });
    }
    cmd
}

/// A server that records each startup packet's user and database and
/// rejects the connection.
struct FakeServer {
    port: u16,
    seen: Arc<Mutex<Vec<(String, String)>>>,
}

impl FakeServer {
    fn start() -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a local port");
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let log = log.clone();
                std::thread::spawn(move || {
                    let _ = Self::handle(stream, &log);
                });
            }
        });
        FakeServer { port, seen }
    }

    fn handle(mut s: TcpStream, log: &Mutex<Vec<(String, String)>>) -> std::io::Result<()> {
        s.set_read_timeout(Some(Duration::from_secs(5)))?;
        loop {
            let mut len = [0u8; 4];
            s.read_exact(&mut len)?;
            let n = u32::from_be_bytes(len) as usize;
            if !(8..=10_000).contains(&n) {
                return Ok(());
            }
            let mut body = vec![0u8; n - 4];
            s.read_exact(&mut body)?;
            let code = u32::from_be_bytes(body[..4].try_into().unwrap());
            // SSLRequest, GSSENCRequest: "not supported here".
            if code == 80877103 || code == 80877104 {
                s.write_all(b"N")?;
                continue;
            }
            let mut parts = body[4..].split(|b| *b == 0);
            let (mut user, mut db) = (String::new(), String::new());
            while let (Some(k), Some(v)) = (parts.next(), parts.next()) {
                if k.is_empty() {
                    break;
                }
                let v = String::from_utf8_lossy(v).into_owned();
                match k {
                    b"user" => user = v,
                    b"database" => db = v,
                    _ => {}
                }
            }
            let msg = format!("vouch-probe user={user} database={db}");
            log.lock().unwrap().push((user, db));
            let mut fields = b"SFATAL\0VFATAL\0C08004\0M".to_vec();
            fields.extend_from_slice(msg.as_bytes());
            fields.extend_from_slice(b"\0\0");
            let mut out = vec![b'E'];
            out.extend_from_slice(&((fields.len() + 4) as u32).to_be_bytes());
            out.extend_from_slice(&fields);
            s.write_all(&out)?;
            return Ok(());
        }
    }
}

/// A scratch HOME with service files, and the system service directory.
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new(fake_port: u16) -> Scratch {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        let sys = dir.path().join("sys");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::create_dir_all(&sys).unwrap();
        let user_services = format!(
            "[svc1]\nhost=127.0.0.7\nport=9\n\n[fake]\nhost=127.0.0.1\nport={fake_port}\nuser=svcuser\ndbname=svcdb\n\n[emptyhost]\nhost=\nport=4\n"
        );
        std::fs::write(home.join(".pg_service.conf"), user_services).unwrap();
        std::fs::write(home.join("alt.conf"), "[svc1]\nhost=127.0.0.4\nport=5\n").unwrap();
        std::fs::write(
            sys.join("pg_service.conf"),
            "[syssvc]\nhost=127.0.0.9\nport=3\n[svc1]\nhost=127.0.0.8\n",
        )
        .unwrap();
        Scratch { dir }
    }
    fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }
    fn sys(&self) -> PathBuf {
        self.dir.path().join("sys")
    }
    fn files(&self) -> Vec<PathBuf> {
        vec![
            self.home().join(".pg_service.conf"),
            self.home().join("alt.conf"),
            self.sys().join("pg_service.conf"),
        ]
    }
}

struct Ctx {
    bindir: PathBuf,
    server: FakeServer,
    scratch: Scratch,
    me: String,
}

impl Ctx {
    fn new(bindir: PathBuf) -> Ctx {
        let server = FakeServer::start();
        let scratch = Scratch::new(server.port);
        let me = RealWorld.login_user().expect("login user");
        Ctx {
            bindir,
            server,
            scratch,
            me,
        }
    }

    fn subst(&self, s: &str) -> String {
        s.replace("{P}", &self.server.port.to_string())
            .replace("{ME}", &self.me)
            .replace("{HOME}", &self.scratch.home().to_string_lossy())
    }

    /// The environment the client gets, also given to the FakeWorld.
    fn env(&self, extra: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut env = vec![
            ("PATH".to_string(), "/usr/bin:/bin".to_string()),
            (
                "HOME".to_string(),
                self.scratch.home().to_string_lossy().into_owned(),
            ),
            (
                "PGSYSCONFDIR".to_string(),
                self.scratch.sys().to_string_lossy().into_owned(),
            ),
            ("PGCONNECT_TIMEOUT".to_string(), "1".to_string()),
        ];
        for (k, v) in extra {
            env.retain(|(ek, _)| ek != k);
            env.push((k.to_string(), self.subst(v)));
        }
        env
    }

    /// What the real client did: "probe user=U db=D", "tcp H:P",
    /// "socket DIR:P", or "error: <its message>".
    fn observe(&self, client: PgClient, args: &[String], env: &[(String, String)]) -> String {
        self.server.seen.lock().unwrap().clear();
        let out = client_command(self.bindir.join(client.name()))
            .args(args)
            .env_clear()
            .envs(env.iter().map(|(k, v)| (k, v)))
            .current_dir(self.scratch.dir.path())
            .output()
            .expect("run the client");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        if let Some((user, db)) = self.server.seen.lock().unwrap().first() {
            return format!("probe user={user} db={db}");
        }
        if let Some(rest) = stderr.split("connection to server at \"").nth(1) {
            let host = rest.split('"').next().unwrap_or_default();
            let port = rest
                .split(", port ")
                .nth(1)
                .and_then(|p| p.split(" failed").next())
                .unwrap_or("?");
            return format!("tcp {host}:{}", port.trim());
        }
        if let Some(rest) = stderr.split("connection to server on socket \"").nth(1) {
            let path = rest.split('"').next().unwrap_or_default();
            if let Some((dir, port)) = path.rsplit_once("/.s.PGSQL.") {
                return format!("socket {dir}:{port}");
            }
        }
        format!("error: {}", stderr.trim())
    }

    /// The same observation predicted from `resolve`.
    fn predict(&self, p: &PgParams) -> String {
        let port = p.port.as_ref().map_or("5432", |s| s.value.as_str());
        let host = p
            .hostaddr
            .as_ref()
            .or(p.host.as_ref())
            .map(|s| s.value.as_str());
        let value =
            |s: &Option<super::Setting>| s.as_ref().map_or(String::new(), |s| s.value.clone());
        if host == Some("127.0.0.1") && port == self.server.port.to_string() {
            return format!("probe user={} db={}", value(&p.user), value(&p.dbname));
        }
        if p.is_unix_socket() {
            return format!("socket {}:{port}", host.unwrap_or("/var/run/postgresql"));
        }
        format!("tcp {}:{port}", host.unwrap_or_default())
    }

    fn world(&self, env: &[(String, String)]) -> FakeWorld {
        let mut w = FakeWorld::new();
        w.user = Some(self.me.clone());
        for (k, v) in env {
            w = w.var(k, v);
        }
        for f in self.scratch.files() {
            let text = std::fs::read_to_string(&f).unwrap();
            w.files.insert(f, text);
        }
        w
    }
}

/// (client, args, extra env, what the real client does). In `want`, an
/// "error: X" means the client fails with a message containing X, and
/// `resolve` fails too. {P} is the fake server's port, {ME} the login
/// user, {HOME} the scratch HOME.
type Case = (
    PgClient,
    &'static [&'static str],
    &'static [(&'static str, &'static str)],
    &'static str,
);

#[rustfmt::skip]
const PSQL_CASES: &[Case] = &[
    (PgClient::Psql, &["-h", "127.0.0.2", "-p", "1"], &[], "tcp 127.0.0.2:1"),
    // a connection string overrides -h/-p wherever it stands
    (PgClient::Psql, &["-h", "127.0.0.2", "-p", "1", "host=127.0.0.3 dbname=x"], &[], "tcp 127.0.0.3:1"),
    (PgClient::Psql, &["host=127.0.0.3 port=2", "-h", "127.0.0.4", "-p", "1"], &[], "tcp 127.0.0.3:2"),
    (PgClient::Psql, &["-h", "127.0.0.2", "postgresql:///db?port=6"], &[], "tcp 127.0.0.2:6"),
    (PgClient::Psql, &["postgresql://127.0.0.6:5/db"], &[], "tcp 127.0.0.6:5"),
    (PgClient::Psql, &["postgresql://[::1]:8/db"], &[], "tcp ::1:8"),
    (PgClient::Psql, &["postgresql://%2Ftmp:7/db"], &[], "socket /tmp:7"),
    // an empty host in the string means the socket, over -h
    (PgClient::Psql, &["-h", "127.0.0.2", "host='' port=2"], &[("PGHOST", "127.0.0.3")], "socket /var/run/postgresql:2"),
    (PgClient::Psql, &["-p", "3"], &[], "socket /var/run/postgresql:3"),
    (PgClient::Psql, &[], &[("PGHOST", "127.0.0.5"), ("PGPORT", "4")], "tcp 127.0.0.5:4"),
    // an empty -h is no -h
    (PgClient::Psql, &["-h", "", "-p", "4"], &[("PGHOST", "127.0.0.5")], "tcp 127.0.0.5:4"),
    (PgClient::Psql, &["hostaddr=127.0.0.4 port=1"], &[], "tcp 127.0.0.4:1"),
    (PgClient::Psql, &["host=localhost hostaddr=127.0.0.4 port=2"], &[], "tcp 127.0.0.4:2"),
    (PgClient::Psql, &["-h", "127.0.0.2"], &[("PGPORT", " 2 ")], "tcp 127.0.0.2:2"),
    // getopt: clusters, abbreviations, values that look like options, POSIXLY_CORRECT
    (PgClient::Psql, &["-p1", "-qh127.0.0.3"], &[], "tcp 127.0.0.3:1"),
    (PgClient::Psql, &["--hos=127.0.0.3", "--po", "2"], &[], "tcp 127.0.0.3:2"),
    (PgClient::Psql, &["-c", "-h", "-h", "127.0.0.4", "-p", "3"], &[], "tcp 127.0.0.4:3"),
    (PgClient::Psql, &["db", "-h", "127.0.0.4", "-p", "3"], &[], "tcp 127.0.0.4:3"),
    (PgClient::Psql, &["-h", "127.0.0.2", "-p", "1", "db", "-p", "2"], &[("POSIXLY_CORRECT", "1")], "tcp 127.0.0.2:1"),
    // services: the service beats PG* variables, the arguments beat the service
    (PgClient::Psql, &[], &[("PGSERVICE", "svc1")], "tcp 127.0.0.7:9"),
    (PgClient::Psql, &[], &[("PGSERVICE", "svc1"), ("PGHOST", "127.0.0.2"), ("PGPORT", "1")], "tcp 127.0.0.7:9"),
    (PgClient::Psql, &["service=svc1", "-p", "1"], &[], "tcp 127.0.0.7:1"),
    (PgClient::Psql, &["-h", "127.0.0.8", "service=svc1"], &[], "tcp 127.0.0.8:9"),
    (PgClient::Psql, &[], &[("PGSERVICE", "syssvc")], "tcp 127.0.0.9:3"),
    (PgClient::Psql, &[], &[("PGSERVICE", "svc1"), ("PGSERVICEFILE", "{HOME}/alt.conf")], "tcp 127.0.0.4:5"),
    (PgClient::Psql, &[], &[("PGSERVICE", "emptyhost"), ("PGHOST", "127.0.0.2")], "socket /var/run/postgresql:4"),
    (PgClient::Psql, &["service=svc1 host=127.0.0.2"], &[], "tcp 127.0.0.2:9"),
    (PgClient::Psql, &["-h", "127.0.0.6", "-p", "4", "-d", "postgresql://127.0.0.5"], &[], "tcp 127.0.0.5:4"),
    (PgClient::Psql, &[], &[("PGSERVICE", "nope")], "error: definition of service \"nope\" not found"),
    (PgClient::Psql, &[], &[("PGSERVICE", "")], "error: definition of service \"\" not found"),
    (PgClient::Psql, &[], &[("PGSERVICE", "svc1"), ("PGSERVICEFILE", "{HOME}/missing.conf")], "error: service file"),
    // user and database, seen by the fake server
    (PgClient::Psql, &["-h", "127.0.0.1", "-p", "{P}", "-U", "bob", "mydb"], &[], "probe user=bob db=mydb"),
    (PgClient::Psql, &["-h", "127.0.0.1", "-p", "{P}"], &[("PGUSER", "envuser")], "probe user=envuser db=envuser"),
    (PgClient::Psql, &["-h", "127.0.0.1", "-p", "{P}", "-d", "x", "y"], &[], "probe user=y db=x"),
    (PgClient::Psql, &["-h", "127.0.0.1", "-p", "{P}", "--", "-U"], &[], "probe user={ME} db=-U"),
    (PgClient::Psql, &["postgresql://u%40x@127.0.0.1:{P}/my%20db"], &[], "probe user=u@x db=my db"),
    (PgClient::Psql, &["host=127.0.0.1 port={P}", "user=bob"], &[], "probe user=user=bob db=user=bob"),
    (PgClient::Psql, &["-l", "-h", "127.0.0.1", "-p", "{P}"], &[("PGDATABASE", "envdb")], "probe user={ME} db=postgres"),
    // PGDATABASE is not expanded by libpq (only the keyword array's dbname is)
    (PgClient::Psql, &["-h", "127.0.0.1", "-p", "{P}"], &[("PGDATABASE", "host=127.0.0.2")], "probe user={ME} db=host=127.0.0.2"),
    (PgClient::Psql, &[], &[("PGSERVICE", "fake"), ("PGDATABASE", "envdb"), ("PGUSER", "envuser")], "probe user=svcuser db=svcdb"),
];

#[rustfmt::skip]
const OTHER_CASES: &[Case] = &[
    (PgClient::PgDump, &["-h", "127.0.0.1", "-p", "{P}"], &[], "probe user={ME} db={ME}"),
    (PgClient::PgDump, &["-h", "127.0.0.2", "-p", "1", "-d", "host=127.0.0.3"], &[], "tcp 127.0.0.3:1"),
    (PgClient::PgDump, &[], &[("PGSERVICE", "fake")], "probe user=svcuser db=svcdb"),
    // pgbench and the maintenance scripts choose the dbname themselves
    (PgClient::Pgbench, &[], &[("PGSERVICE", "fake")], "probe user=svcuser db={ME}"),
    (PgClient::Pgbench, &["-d", "-h", "127.0.0.1", "-p", "{P}", "bench"], &[("PGUSER", "envuser")], "probe user=envuser db=bench"),
    (PgClient::Vacuumdb, &[], &[("PGSERVICE", "fake"), ("PGUSER", "envuser")], "probe user=svcuser db=envuser"),
    (PgClient::Vacuumdb, &[], &[("PGSERVICE", "fake"), ("PGDATABASE", "")], "probe user=svcuser db=svcdb"),
    (PgClient::Vacuumdb, &["-a"], &[("PGSERVICE", "fake")], "probe user=svcuser db=postgres"),
    (PgClient::Reindexdb, &["-s", "-h", "127.0.0.1", "-p", "{P}"], &[("PGDATABASE", "envdb")], "probe user={ME} db=envdb"),
    (PgClient::Clusterdb, &["-h", "127.0.0.1", "-p", "{P}", "-U", "bob"], &[], "probe user=bob db={ME}"),
    (PgClient::Createdb, &["-h", "127.0.0.1", "-p", "{P}", "newdb"], &[], "probe user={ME} db=postgres"),
    (PgClient::Createdb, &["-h", "127.0.0.1", "-p", "{P}", "postgres"], &[], "probe user={ME} db=template1"),
    (PgClient::Dropdb, &["--maintenance-db=m", "-h", "127.0.0.1", "-p", "{P}", "x"], &[], "probe user={ME} db=m"),
    // pg_dumpall: -h/-p/-U beat its -d connection string, whose dbname is dropped
    (PgClient::PgDumpall, &["-d", "host=127.0.0.9 port=1 user=cu dbname=zz", "-h", "127.0.0.1", "-p", "{P}"], &[], "probe user=cu db=postgres"),
    (PgClient::PgDumpall, &["-l", "mydb", "-h", "127.0.0.1", "-p", "{P}"], &[], "probe user={ME} db=mydb"),
    (PgClient::PgDumpall, &["-d", "host=127.0.0.3 port=2", "-h", "127.0.0.4"], &[], "tcp 127.0.0.4:2"),
    // but its -l is an ordinary dbname, expanded by libpq over -h/-p
    (PgClient::PgDumpall, &["-l", "host=127.0.0.1 port={P} user=lu dbname=ldb", "-h", "127.0.0.4", "-p", "1"], &[], "probe user=lu db=ldb"),
    (PgClient::Vacuumdb, &[], &[("PGDATABASE", "host=127.0.0.1 port={P} dbname=q")], "probe user={ME} db=q"),
    (PgClient::Createdb, &["--maintenance-db", "host=127.0.0.1 port={P} dbname=m", "x"], &[], "probe user={ME} db=m"),
    (PgClient::Pgbench, &[], &[("PGSERVICE", "svc1"), ("PGHOST", "127.0.0.2")], "tcp 127.0.0.7:9"),
    (PgClient::PgIsready, &["-h", "127.0.0.1", "-p", "{P}", "-U", "bob", "-d", "x"], &[], "probe user=bob db=x"),
    (PgClient::PgIsready, &["-d", "host=127.0.0.1 port={P} dbname=x", "-h", "127.0.0.9"], &[], "probe user={ME} db=x"),
];

fn run_cases(test: &str, cases: &[Case]) {
    let Some(dir) = bindir(test) else { return };
    let ctx = Ctx::new(dir);
    let mut failures = Vec::new();
    for (client, args, env, want) in cases {
        let args: Vec<String> = args.iter().map(|a| ctx.subst(a)).collect();
        let env = ctx.env(env);
        let want = ctx.subst(want);
        let real = ctx.observe(*client, &args, &env);
        let model = match resolve(*client, &args, &ctx.world(&env)) {
            Ok(p) => ctx.predict(&p),
            Err(e) => format!("error (vouch): {e}"),
        };
        let real_ok = match want.strip_prefix("error: ") {
            Some(text) => real.starts_with("error: ") && real.contains(text),
            None => real == want,
        };
        let model_ok = match want.strip_prefix("error: ") {
            Some(_) => model.starts_with("error (vouch)"),
            None => model == want,
        };
        if !(real_ok && model_ok) {
            failures.push(format!("{} {args:?} env {env:?}\n  real client: {real}\n  vouch:       {model}\n  want:        {want}", client.name()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} case(s) differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn psql_connects_where_resolve_says() {
    run_cases("psql_connects_where_resolve_says", PSQL_CASES);
}

#[test]
fn other_clients_connect_where_resolve_says() {
    run_cases("other_clients_connect_where_resolve_says", OTHER_CASES);
}

/// The getopt tables match the installed (PostgreSQL 15) binaries: the
/// long option names (glibc lists them all for the ambiguous `--=x`),
/// which take a value, and the short option letters.
#[test]
fn option_tables_match_installed_clients() {
    let Some(dir) = bindir("option_tables_match_installed_clients") else {
        return;
    };
    let scratch = tempfile::tempdir().unwrap();
    let run = |client: PgClient, args: &[&str]| -> String {
        let out = client_command(dir.join(client.name()))
            .args(args)
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("PGHOST", "127.0.0.2")
            .env("PGPORT", "1")
            .env("PGCONNECT_TIMEOUT", "1")
            .current_dir(scratch.path())
            .output()
            .expect("run the client");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let clients: Vec<PgClient> = PgClient::ALL
        .iter()
        .copied()
        .filter(|c| *c != PgClient::Pgcli)
        .collect();
    let problems = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for &client in &clients {
            let (run, problems) = (&run, &problems);
            s.spawn(move || {
                let t = table(client);
                let report = |p: String| {
                    problems
                        .lock()
                        .unwrap()
                        .push(format!("{}: {p}", client.name()))
                };
                // Long names, in the C table's order.
                let listed = run(client, &["--=x"]);
                let real: Vec<&str> = listed
                    .split("possibilities:")
                    .nth(1)
                    .unwrap_or_default()
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .split_whitespace()
                    .map(|w| w.trim_matches('\'').trim_start_matches("--"))
                    .collect();
                let ours: Vec<&str> = t.long.iter().map(|o| o.name).collect();
                if real != ours {
                    report(format!(
                        "long options differ:\n   real {real:?}\n   ours {ours:?}"
                    ));
                }
                for o in t.long {
                    let with_value = run(client, &[&format!("--{}=x", o.name)]);
                    let real_arg = if with_value.contains("doesn't allow an argument") {
                        HasArg::No
                    } else if run(client, &[&format!("--{}", o.name)])
                        .contains("requires an argument")
                    {
                        HasArg::Required
                    } else {
                        HasArg::Optional
                    };
                    if real_arg != o.has_arg {
                        report(format!(
                            "--{} takes {real_arg:?}, ours says {:?}",
                            o.name, o.has_arg
                        ));
                    }
                }
                // Short letters: which exist and which take a value. A first
                // -h keeps the letter out of argv[1], where the clients look
                // for -V and -? themselves.
                for ch in ('a'..='z').chain('A'..='Z').chain('0'..='9') {
                    let out = run(client, &["-h", "127.0.0.2", &format!("-{ch}")]);
                    let real = if out.contains("invalid option") {
                        None
                    } else if out.contains("requires an argument") {
                        Some(true)
                    } else {
                        Some(false)
                    };
                    let ours = t
                        .short
                        .find(ch)
                        .map(|i| t.short[i + ch.len_utf8()..].starts_with(':'));
                    if real != ours {
                        report(format!("-{ch}: real {real:?}, ours {ours:?}"));
                    }
                }
            });
        }
    });
    let problems = problems.into_inner().unwrap();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
