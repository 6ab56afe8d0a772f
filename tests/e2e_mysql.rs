//! End to end: real MariaDB clients (`mariadb`, `mysql`, `mysqldump`,
//! `mariadb-dump`, `mysqladmin`) through `vouch exec` against the project's
//! MariaDB rig, which accepts a login only after its PAM verifier has
//! checked the IAM token the way RDS does, and only over TLS.
//!
//! The rig is started by scripts/test.sh, which exports
//! `VOUCH_MARIADB_RIG_ENV` (the rig's `rig.env`). Tests that make the RDS
//! name resolve to the rig run vouch in a private mount namespace with its
//! own /etc/hosts (root only). On Debian `mysql` is a symlink to `mariadb`:
//! both names are the MariaDB client.

use std::io::ErrorKind;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::need_rig;
use crate::support::rig::{run, text, vouch, watch_client, Rig};

/// The TLS protocol of the session (`@@ssl_cipher` is not reliable here).
const SSL_VERSION: &str =
    "select variable_value from information_schema.session_status where variable_name='Ssl_version'";

fn rig() -> Option<Rig> {
    Rig::load("VOUCH_MARIADB_RIG_ENV", "the MariaDB test rig")
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// `exec --ca-bundle RIG_CA -- CLIENT REST...`
fn exec(rig: &Rig, client: &str, rest: &[&str]) -> Vec<String> {
    let mut v = strings(&["exec", "--ca-bundle", rig.ca(), "--", client]);
    v.extend(strings(rest));
    v
}

/// `-h RIG_HOST_NAME -P RIG_PORT REST...`
fn rds<'a>(rig: &'a Rig, rest: &[&'a str]) -> Vec<&'a str> {
    let mut head = vec!["-h", rig.name(), "-P", rig.port()];
    head.extend_from_slice(rest);
    head
}

/// `exec --ca-bundle RIG_CA -- CLIENT -h RIG_HOST_NAME -P RIG_PORT REST...`
fn exec_rds(rig: &Rig, client: &str, rest: &[&str]) -> Vec<String> {
    exec(rig, client, &rds(rig, rest))
}

/// `vouch ARGS` in the namespace where the RDS name is the rig, with
/// `extra` added to the rig's clean environment.
fn vouch_ns(rig: &Rig, args: &[String], creds: &str, extra: &[(&str, &str)]) -> Output {
    let mut env = rig.env(creds);
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    run(vouch(rig, args, &env, true))
}

/// [`vouch_ns`] with static credentials and nothing added.
fn vouch_static(rig: &Rig, args: &[String]) -> Output {
    vouch_ns(rig, args, "static", &[])
}

/// `vouch --explain ARGS` (ARGS from `exec`) in the namespace with static
/// credentials: it must succeed; the plan it prints.
fn explain(rig: &Rig, mut args: Vec<String>) -> String {
    args.insert(1, "--explain".into());
    let out = vouch_static(rig, &args);
    assert_success(&out);
    text(&out.stdout)
}

fn describe(out: &Output) -> String {
    format!(
        "status {}\nstdout: {}\nstderr: {}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    )
}

fn assert_success(out: &Output) {
    assert!(out.status.success(), "the client failed: {}", describe(out));
}

/// Both queries of [`login_args`]: who we are and over which TLS.
fn assert_login(out: &Output, user: &str) {
    assert_success(out);
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", describe(out));
    assert_eq!(lines[0], format!("{user}@%"), "{}", describe(out));
    assert!(
        lines[1].starts_with("TLSv1."),
        "not a TLS session: {}",
        describe(out)
    );
}

/// Who the session is and over which TLS (see [`assert_login`]).
fn login_query() -> String {
    format!("select current_user(); {SSL_VERSION}")
}

/// The client's arguments that ask for the user and the TLS version,
/// after `before`.
fn with_login_query<'a>(before: &[&'a str], q: &'a str) -> Vec<&'a str> {
    let mut v = before.to_vec();
    v.extend_from_slice(&["appdb", "-N", "-B", "-e", q]);
    v
}

/// `vouch exec --ca-bundle RIG_CA -- CLIENT BEFORE... appdb -N -B -e
/// <login query>` in the namespace (see [`vouch_ns`]).
fn login(rig: &Rig, client: &str, before: &[&str], creds: &str, extra: &[(&str, &str)]) -> Output {
    let q = login_query();
    vouch_ns(
        rig,
        &exec(rig, client, &with_login_query(before, &q)),
        creds,
        extra,
    )
}

/// [`login`] with static credentials and nothing added to the environment:
/// the session must be `user`'s, over TLS ([`assert_login`]).
fn assert_logs_in(rig: &Rig, client: &str, before: &[&str], user: &str) -> Output {
    let out = login(rig, client, before, "static", &[]);
    assert_login(&out, user);
    out
}

fn write(rig: &Rig, name: &str, content: &str) -> PathBuf {
    let p = rig.home.path().join(name);
    std::fs::write(&p, content).unwrap();
    p
}

/// [`write`] an option file, with `{host}` and `{port}` in `template`
/// replaced by the rig's RDS name and port.
fn write_cnf(rig: &Rig, name: &str, template: &str) -> PathBuf {
    let content = template
        .replace("{host}", rig.name())
        .replace("{port}", rig.port());
    write(rig, name, &content)
}

/// With `~/.my.cnf` written from `template` ([`write_cnf`]), `CLIENT
/// BEFORE...` (no connection arguments of its own) logs in as `user`
/// ([`assert_logs_in`]).
fn assert_my_cnf_logs_in(rig: &Rig, template: &str, client: &str, before: &[&str], user: &str) {
    write_cnf(rig, ".my.cnf", template);
    assert_logs_in(rig, client, before, user);
}

fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A vouch refusal: exit 6, one `vouch: ` message, the client never ran.
fn assert_refused(out: &Output, words: &str) {
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(6), "{}", describe(out));
    assert!(err.starts_with("vouch: "), "{}", describe(out));
    assert!(err.contains(words), "expected {words:?} in: {err}");
    assert!(out.stdout.is_empty(), "{}", describe(out));
    assert!(
        !err.contains("ERROR ") && !err.contains("mysqldump:"),
        "the client must not have run: {err}"
    );
}

// ---------------------------------------------------------------- 1. login

#[test]
fn mariadb_logs_in_with_static_credentials_over_verified_tls() {
    let rig = need_rig!(rig());
    let out = assert_logs_in(&rig, "mariadb", &rds(&rig, &["-u", "app"]), "app");
    assert!(out.stderr.is_empty(), "{}", describe(&out));

    // The plan names the server-name check vouch turned on.
    let plan = explain(&rig, exec_rds(&rig, "mariadb", &["-u", "app", "appdb"]));
    assert!(
        plan.contains("TLS, certificate and server name checked"),
        "{plan}"
    );
    assert!(plan.contains("\"--ssl-verify-server-cert\""), "{plan}");
    assert!(plan.contains("MYSQL_PWD=<token"), "{plan}");
    assert!(!plan.contains("X-Amz-Signature"), "{plan}");
}

#[test]
fn mysql_logs_in_with_temporary_credentials_long_token() {
    let rig = need_rig!(rig());
    // The session token makes the RDS token longer than 1,500 bytes.
    let long = rig.credential_rds(rig.name(), "app", "temporary");
    assert!(long.len() > 1500, "token only {} bytes", long.len());
    assert!(long.contains("X-Amz-Security-Token="));

    let out = login(&rig, "mysql", &rds(&rig, &["-u", "app"]), "temporary", &[]);
    assert_login(&out, "app");
}

#[test]
fn certificate_and_server_name_are_really_checked() {
    let rig = need_rig!(rig());
    let q = login_query();
    // vouch's built-in RDS bundle does not hold the rig's test CA: the
    // client must refuse the server's certificate.
    let mut args = exec_rds(&rig, "mariadb", &with_login_query(&["-u", "app"], &q));
    args.drain(1..3); // drop --ca-bundle RIG_CA
    let out = vouch_static(&rig, &args);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert!(
        text(&out.stderr).contains("ERROR 2026 (HY000): TLS/SSL error"),
        "{}",
        describe(&out)
    );

    // A name the certificate does not hold (reached through --iam-host,
    // with the user's own --ssl-verify-server-cert): refused by the client.
    let iam = format!("{}:{}", rig.name(), rig.port());
    let out = vouch_static(
        &rig,
        &strings(&[
            "exec",
            "--iam-host",
            &iam,
            "--ca-bundle",
            rig.ca(),
            "--",
            "mariadb",
            "--ssl-verify-server-cert",
            "-h",
            "db.example.test",
            "-P",
            rig.port(),
            "-u",
            "app",
            "-e",
            "select 1",
        ]),
    );
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let err = text(&out.stderr);
    assert!(
        err.contains("vouch: warning: --ssl-verify-server-cert"),
        "{err}"
    );
    assert!(
        err.contains(
            "ERROR 2026 (HY000): TLS/SSL error: Validation of SSL server certificate failed"
        ),
        "{err}"
    );
}

// ------------------------------------------------------- 2. option files

#[test]
fn host_port_user_from_defaults_file_and_defaults_extra_file() {
    let rig = need_rig!(rig());
    let cnf = write_cnf(
        &rig,
        "conn.cnf",
        "[client]\nhost = {host}\nport = {port}\nuser = app\n",
    );
    for opt in ["--defaults-file", "--defaults-extra-file"] {
        let arg = format!("{opt}={}", path_str(&cnf));
        assert_logs_in(&rig, "mariadb", &[&arg], "app");
    }
}

#[test]
fn host_port_user_from_home_my_cnf() {
    let rig = need_rig!(rig());
    assert_my_cnf_logs_in(
        &rig,
        "[client]\nhost={host}\nport={port}\nuser=a+b\n",
        "mysql",
        &[],
        "a+b",
    );
}

#[test]
fn group_suffix_from_argument_and_environment() {
    let rig = need_rig!(rig());
    // [client] alone would go to 127.0.0.1:3306 as a+b; [client_prod]
    // overrides it when the suffix is _prod.
    let my_cnf =
        "[client]\nhost=127.0.0.1\nuser=a+b\n[client_prod]\nhost={host}\nport={port}\nuser=app@corp\n";
    assert_my_cnf_logs_in(
        &rig,
        my_cnf,
        "mariadb",
        &["--defaults-group-suffix=_prod"],
        "app@corp",
    );

    let suffix = [("MARIADB_GROUP_SUFFIX", "_prod")];
    let out = login(&rig, "mariadb", &[], "static", &suffix);
    assert_login(&out, "app@corp");
}

#[test]
fn mysql_and_mysqldump_groups_are_their_own() {
    let rig = need_rig!(rig());
    let my_cnf =
        "[client]\nhost={host}\nport={port}\nuser=other\n[mysql]\nuser=app@corp\n[mysqldump]\nuser=a+b\n";
    assert_my_cnf_logs_in(&rig, my_cnf, "mariadb", &[], "app@corp");

    // mysqldump reads [mysqldump]: the token must be signed for a+b, or
    // the server refuses the login.
    let plan = explain(&rig, exec(&rig, "mysqldump", &["appdb"]));
    assert!(plan.contains("as user \"a+b\""), "{plan}");
    let out = vouch_static(&rig, &exec(&rig, "mysqldump", &["--no-data", "appdb"]));
    assert_success(&out);
    assert!(
        text(&out.stdout).contains("-- MariaDB dump"),
        "{}",
        describe(&out)
    );
}

/// MariaDB's `mariadb`/`mysql` client reads the groups `mysql
/// mariadb-client client client-server client-mariadb` (see `mariadb
/// --help`): a connection set in `[mariadb-client]` is used.
#[test]
fn mariadb_client_group_is_read() {
    let rig = need_rig!(rig());
    assert_my_cnf_logs_in(
        &rig,
        "[mariadb-client]\nhost={host}\nport={port}\nuser=app\n",
        "mariadb",
        &[],
        "app",
    );
}

/// `[mariadb]` is a server group the `mariadb` client does not read
/// (`mariadb --print-defaults` shows no password): a `password=` there is
/// not the client's.
#[test]
fn password_in_the_servers_mariadb_group_is_not_the_clients() {
    let rig = need_rig!(rig());
    assert_my_cnf_logs_in(
        &rig,
        "[client]\nhost={host}\nport={port}\nuser=app\n[mariadb]\npassword=ServerGroupOnly\n",
        "mariadb",
        &[],
        "app",
    );
}

#[test]
fn host_and_port_from_mysql_host_and_mysql_tcp_port() {
    let rig = need_rig!(rig());
    let env = [("MYSQL_HOST", rig.name()), ("MYSQL_TCP_PORT", rig.port())];
    let out = login(&rig, "mariadb", &["-u", "app"], "static", &env);
    assert_login(&out, "app");
}

#[test]
fn password_in_an_option_file_is_refused_without_showing_it() {
    let rig = need_rig!(rig());
    let secret = "Hunter2OptionFileSecret";
    let cnf = write_cnf(
        &rig,
        "pw.cnf",
        &format!("[client]\nhost={{host}}\nport={{port}}\nuser=app\npassword={secret}\n"),
    );
    let arg = format!("--defaults-file={}", path_str(&cnf));
    let out = vouch_static(
        &rig,
        &exec(&rig, "mariadb", &[&arg, "appdb", "-e", "select 1"]),
    );
    assert_refused(&out, &format!("{} line 5", path_str(&cnf)));
    assert!(!text(&out.stderr).contains(secret), "{}", describe(&out));

    // In ~/.my.cnf, in mysqldump's own group, quoted.
    let home_cnf = write(
        &rig,
        ".my.cnf",
        &format!("[mysqldump]\npassword = \"{secret}\"\n"),
    );
    let out = vouch_static(&rig, &exec_rds(&rig, "mysqldump", &["-u", "app", "appdb"]));
    assert_refused(&out, path_str(&home_cnf));
    assert!(!text(&out.stderr).contains(secret), "{}", describe(&out));
    // ... which the mariadb client does not read.
    assert_logs_in(&rig, "mariadb", &rds(&rig, &["-u", "app"]), "app");
}

#[test]
fn password_on_the_command_line_is_refused_without_echoing_it() {
    let rig = need_rig!(rig());
    let secret = "Hunter2ArgvSecret";
    let p = format!("-p{secret}");
    let long = format!("--password={secret}");
    for (arg, spelled) in [(p.as_str(), "-p"), (long.as_str(), "--password")] {
        let out = vouch_static(
            &rig,
            &exec_rds(
                &rig,
                "mariadb",
                &["-u", "app", arg, "appdb", "-e", "select 1"],
            ),
        );
        assert_refused(&out, &format!("a password is given with {spelled}"));
        assert!(!text(&out.stderr).contains(secret), "{}", describe(&out));
    }
    // A bare -p would prompt and replace the token.
    let out = vouch_static(
        &rig,
        &exec_rds(&rig, "mariadb", &["-u", "app", "-p", "appdb"]),
    );
    assert_refused(&out, "remove -p");
}

// ------------------------------------------------- 3. port and user spellings

#[test]
fn port_spellings() {
    let rig = need_rig!(rig());
    let glued = format!("-P{}", rig.port());
    let eq = format!("--port={}", rig.port());
    let spellings: [&[&str]; 3] = [&[&glued], &[&eq], &["--port", rig.port()]];
    for port in spellings {
        let mut head = vec!["-h", rig.name()];
        head.extend_from_slice(port);
        head.extend_from_slice(&["-u", "app"]);
        let out = login(&rig, "mariadb", &head, "static", &[]);
        assert!(out.status.success(), "{port:?}: {}", describe(&out));
        assert_login(&out, "app");
    }
}

#[test]
fn user_spellings_and_odd_names() {
    let rig = need_rig!(rig());
    let cases: [(&[&str], &str); 6] = [
        (&["-uapp"], "app"),
        (&["--user=app@corp"], "app@corp"),
        (&["-u", "a+b"], "a+b"),
        (&["--user=a b"], "a b"),
        (&["-u", "a b"], "a b"),
        (&["--user", "app@corp"], "app@corp"),
    ];
    for (user_args, user) in cases {
        let out = login(&rig, "mariadb", &rds(&rig, user_args), "temporary", &[]);
        assert!(out.status.success(), "{user_args:?}: {}", describe(&out));
        assert_login(&out, user);
    }
}

// ------------------------------------------------------------- 4. dumps

#[test]
fn mysqldump_and_mariadb_dump_write_the_table() {
    let rig = need_rig!(rig());
    let out = vouch_static(
        &rig,
        &exec_rds(
            &rig,
            "mariadb",
            &[
                "-u",
                "app",
                "appdb",
                "-e",
                "create or replace table e2e_dump_t (id int primary key, v varchar(40)); \
                 insert into e2e_dump_t values (1, 'dumped through vouch')",
            ],
        ),
    );
    assert_success(&out);

    for client in ["mysqldump", "mariadb-dump"] {
        let file = rig.home.path().join(format!("{client}.sql"));
        let out = vouch_static(
            &rig,
            &exec_rds(
                &rig,
                client,
                &["-u", "app", "-r", path_str(&file), "appdb", "e2e_dump_t"],
            ),
        );
        assert_success(&out);
        assert!(out.stderr.is_empty(), "{client}: {}", describe(&out));
        let dump = std::fs::read_to_string(&file).unwrap();
        assert!(dump.contains("-- MariaDB dump"), "{client}: {dump}");
        assert!(
            dump.contains("CREATE TABLE `e2e_dump_t`"),
            "{client}: {dump}"
        );
        assert!(dump.contains("'dumped through vouch'"), "{client}: {dump}");
    }
}

// ----------------------------------------------- 5. tokens the server refuses

/// The real `mariadb` with a token given by hand in `MYSQL_PWD`, verified
/// TLS to 127.0.0.1 (in the rig's certificate), no option files.
fn mariadb_with_token(rig: &Rig, user: &str, token: &str, sql: &str) -> Output {
    Command::new("mariadb")
        .args([
            "--no-defaults",
            "-h",
            "127.0.0.1",
            "-P",
            rig.port(),
            "-u",
            user,
            "--ssl",
            "--ssl-verify-server-cert",
            &format!("--ssl-ca={}", rig.ca()),
            "appdb",
            "-N",
            "-B",
            "-e",
            sql,
        ])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", rig.home.path())
        .env("MYSQL_PWD", token)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn server_refuses_tampered_expired_and_other_user_tokens() {
    let Some(rig) = rig() else { return };
    let good = rig.credential_rds("127.0.0.1", "app", "static");
    let out = mariadb_with_token(&rig, "app", &good, &login_query());
    assert_login(&out, "app");

    for (what, token) in rig.refused_tokens(&good) {
        let out = mariadb_with_token(&rig, "app", &token, "select current_user()");
        assert_eq!(out.status.code(), Some(1), "{what}: {}", describe(&out));
        assert!(out.stdout.is_empty(), "{what}: {}", describe(&out));
        // MariaDB's auth_pam reports "using password: NO" even though the
        // client sent the token.
        assert!(
            text(&out.stderr)
                .contains("ERROR 1045 (28000): Access denied for user 'app'@'127.0.0.1'"),
            "{what}: {}",
            describe(&out)
        );
    }
}

#[test]
fn wrong_secret_is_refused_by_the_server() {
    let rig = need_rig!(rig());
    let env = rig.env_with_wrong_secret();
    let out = run(vouch(
        &rig,
        &exec_rds(&rig, "mariadb", &["-u", "app", "-e", "select 1"]),
        &env,
        true,
    ));
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert!(
        text(&out.stderr).contains("ERROR 1045 (28000): Access denied for user 'app'"),
        "{}",
        describe(&out)
    );
}

// --------------------------------------------- 6. TLS off, sockets: refused

/// A TCP port nobody answers on but us: counts the connections made to it.
struct Tripwire {
    port: u16,
    hits: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Tripwire {
    fn new() -> Tripwire {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let hits = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (h, s) = (hits.clone(), stop.clone());
        // Accept and drop at once, so a client that got through fails
        // fast instead of waiting for a greeting.
        let thread = std::thread::spawn(move || loop {
            match listener.accept() {
                Ok(_) => {
                    h.fetch_add(1, Ordering::SeqCst);
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    if s.load(Ordering::SeqCst) {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(e) => panic!("accept: {e}"),
            }
        });
        Tripwire {
            port,
            hits,
            stop,
            thread: Some(thread),
        }
    }
    fn hits(&mut self) -> usize {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
        self.hits.load(Ordering::SeqCst)
    }
}

#[test]
fn tls_off_is_refused_before_anything_connects() {
    let rig = need_rig!(rig());
    let mut wire = Tripwire::new();
    let port = wire.port.to_string();
    let conn = ["-h", rig.name(), "-P", port.as_str(), "-u", "app"];
    for off in ["--skip-ssl", "--ssl=0", "--disable-ssl", "--ssl=OFF"] {
        let mut rest = conn.to_vec();
        rest.extend_from_slice(&[off, "appdb", "-e", "select 1"]);
        let out = vouch_static(&rig, &exec(&rig, "mariadb", &rest));
        assert_refused(&out, "turns TLS off");
        assert!(text(&out.stderr).contains("(from the client's arguments)"));
    }
    for line in ["ssl=0", "skip-ssl", "skip_ssl", "ssl = off", "disable-ssl"] {
        let cnf = write(&rig, "tls.cnf", &format!("[client]\n{line}\n"));
        let arg = format!("--defaults-extra-file={}", path_str(&cnf));
        let mut rest = vec![arg.as_str()];
        rest.extend_from_slice(&conn);
        rest.extend_from_slice(&["appdb", "-e", "select 1"]);
        let out = vouch_static(&rig, &exec(&rig, "mariadb", &rest));
        assert_refused(&out, "turns TLS off");
        assert!(
            text(&out.stderr).contains(&format!("(from {} line 2)", path_str(&cnf))),
            "{line}: {}",
            describe(&out)
        );
    }
    // The same in ~/.my.cnf for mysqldump.
    write(&rig, ".my.cnf", "[mysqldump]\nskip-ssl\n");
    let out = vouch_static(
        &rig,
        &exec(&rig, "mysqldump", &[&conn[..], &["appdb"]].concat()),
    );
    assert_refused(&out, "turns TLS off");
    assert_eq!(wire.hits(), 0, "a client connected");
}

#[test]
fn sockets_and_local_connections_are_refused() {
    let rig = need_rig!(rig());
    let mut wire = Tripwire::new();
    let port = wire.port.to_string();
    let socket = rig.get("RIG_SOCKET").to_string();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["-h", rig.name(), "-P", &port, "--protocol=socket"],
            "is not a network connection",
        ),
        (
            vec!["-h", rig.name(), "-P", &port, "--protocol=SOCKET"],
            "is not a network connection",
        ),
        (
            vec!["-h", rig.name(), "-P", &port, "-S", &socket],
            "names a Unix socket",
        ),
        (
            vec!["-h", rig.name(), "-P", &port, "--socket=/tmp/x.sock"],
            "names a Unix socket",
        ),
        (vec!["-h", "localhost"], "through a Unix socket"),
        (vec![], "through a Unix socket"),
    ];
    for (head, words) in cases {
        let mut rest = head.clone();
        rest.extend_from_slice(&["-u", "app", "appdb", "-e", "select 1"]);
        let out = vouch_static(&rig, &exec(&rig, "mariadb", &rest));
        assert_refused(&out, words);
    }
    assert_eq!(wire.hits(), 0, "a client connected");
}

// ------------------------------------------------------ 7. exit statuses

#[test]
fn failing_statement_gives_the_clients_exit_status() {
    let rig = need_rig!(rig());
    let sql = "select * from e2e_no_such_table";
    let direct = mariadb_with_token(
        &rig,
        "app",
        &rig.credential_rds("127.0.0.1", "app", "static"),
        sql,
    );
    let through = vouch_static(
        &rig,
        &exec_rds(
            &rig,
            "mariadb",
            &["-u", "app", "appdb", "-N", "-B", "-e", sql],
        ),
    );
    let missing_table =
        "ERROR 1146 (42S02) at line 1: Table 'appdb.e2e_no_such_table' doesn't exist";
    for out in [&direct, &through] {
        assert_eq!(out.status.code(), Some(1), "{}", describe(out));
        assert!(
            text(&out.stderr).contains(missing_table),
            "{}",
            describe(out)
        );
        assert!(!text(&out.stderr).contains("vouch:"), "{}", describe(out));
    }
    assert_eq!(direct.status.code(), through.status.code());

    // mysqldump exits 6 for a missing table (EX_ILLEGAL_TABLE), the code
    // vouch uses for its own configuration errors: it must come through
    // as the client's, without a vouch message.
    let out = vouch_static(
        &rig,
        &exec_rds(
            &rig,
            "mysqldump",
            &["-u", "app", "appdb", "e2e_no_such_table"],
        ),
    );
    assert_eq!(out.status.code(), Some(6), "{}", describe(&out));
    assert_eq!(
        text(&out.stderr).trim(),
        "mysqldump: Couldn't find table: \"e2e_no_such_table\"",
        "{}",
        describe(&out)
    );
    // And 2 (EX_MYSQLERR) for a failing query, not vouch's "not
    // authenticated".
    let out = vouch_static(
        &rig,
        &exec_rds(
            &rig,
            "mariadb",
            &[
                "-u",
                "app",
                "appdb",
                "-e",
                "create or replace table e2e_exit_t (id int)",
            ],
        ),
    );
    assert_success(&out);
    let out = vouch_static(
        &rig,
        &exec_rds(
            &rig,
            "mysqldump",
            &["-u", "app", "--where=no_such_column", "appdb", "e2e_exit_t"],
        ),
    );
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(
        text(&out.stderr).contains("Unknown column 'no_such_column'"),
        "{}",
        describe(&out)
    );
    assert!(!text(&out.stderr).contains("vouch:"), "{}", describe(&out));
}

#[test]
fn mysqladmin_ping_and_status() {
    let rig = need_rig!(rig());
    let out = vouch_static(&rig, &exec_rds(&rig, "mysqladmin", &["-u", "app", "ping"]));
    assert_success(&out);
    assert_eq!(text(&out.stdout), "mysqld is alive\n", "{}", describe(&out));
    assert!(out.stderr.is_empty(), "{}", describe(&out));

    // `ping` exits 0 whenever the server answers, even when the login is
    // refused; `status` needs the login.
    let out = vouch_ns(
        &rig,
        &exec_rds(&rig, "mariadb-admin", &["-u", "app@corp", "status"]),
        "temporary",
        &[],
    );
    assert_success(&out);
    assert!(
        text(&out.stdout).starts_with("Uptime: "),
        "{}",
        describe(&out)
    );
}

// ------------------------------------------- 8. the token is not in argv

#[test]
fn token_is_not_in_the_clients_argv_and_vouch_is_gone() {
    let rig = need_rig!(rig());
    let args = exec_rds(
        &rig,
        "mysql",
        &["-u", "app", "appdb", "-N", "-B", "-e", "select sleep(3)"],
    );
    let cmd = vouch(&rig, &args, &rig.env("temporary"), true);
    // mariadb's image under the PID we started (mysql is a link to it), the
    // token in MYSQL_PWD and not in its argv.
    let (argv, out) = watch_client(cmd, "mariadb", "MYSQL_PWD");
    assert!(
        argv.contains("--ssl-verify-server-cert"),
        "vouch's TLS flags: {argv}"
    );
    assert_success(&out);
    assert_eq!(text(&out.stdout), "0\n");
}

// ------------------------------------------------------- 9. --iam-host

#[test]
fn tunnel_with_iam_host() {
    let rig = need_rig!(rig());
    let iam = format!("{}:{}", rig.name(), rig.port());
    let q = login_query();
    let mut args = strings(&["exec", "--iam-host", &iam, "--ca-bundle", rig.ca(), "--"]);
    args.push("mariadb".into());
    args.extend(strings(&with_login_query(
        &["-h", "127.0.0.1", "-P", rig.port(), "-u", "app"],
        &q,
    )));
    // No namespace: the client goes to 127.0.0.1 itself.
    let out = run(vouch(&rig, &args, &rig.env("static"), false));
    assert_login(&out, "app");

    args.insert(1, "--explain".into());
    let out = run(vouch(&rig, &args, &rig.env("static"), false));
    assert_success(&out);
    let plan = text(&out.stdout);
    assert!(
        plan.contains("TLS, certificate checked, not the server name"),
        "{plan}"
    );
    assert!(
        plan.contains(&format!("sign for:    {iam} as user \"app\"")),
        "{plan}"
    );
    assert!(!plan.contains("--ssl-verify-server-cert"), "{plan}");
    assert!(plan.contains("\"--ssl\""), "{plan}");
}

// ------------------------------------------------ 10. the user's own CA

fn argv_line(plan: &str) -> &str {
    plan.lines()
        .find(|l| l.starts_with("argv:"))
        .unwrap_or_else(|| panic!("no argv line in {plan}"))
}

#[test]
fn users_own_ssl_ca_is_kept_not_duplicated() {
    let rig = need_rig!(rig());
    let own = format!("--ssl-ca={}", rig.ca());
    let head = ["-h", rig.name(), "-P", rig.port(), "-u", "app"];
    let mut args = strings(&["exec", "--", "mariadb", &own]);
    args.extend(strings(&head));
    args.push("appdb".into());
    let plan = explain(&rig, args);
    let argv = argv_line(&plan);
    assert_eq!(argv.matches("--ssl-ca").count(), 1, "{argv}");
    assert!(argv.contains(&format!("\"{own}\"")), "{argv}");
    assert!(argv.contains("\"--ssl-verify-server-cert\""), "{argv}");
    assert!(
        plan.contains("root certificates from the user's settings"),
        "{plan}"
    );

    // In an option file: vouch adds no --ssl-ca at all.
    let cnf = write(&rig, "ca.cnf", &format!("[client]\nssl-ca={}\n", rig.ca()));
    let extra = format!("--defaults-extra-file={}", path_str(&cnf));
    let mut args = strings(&["exec", "--", "mariadb", &extra]);
    args.extend(strings(&head));
    let plan = explain(&rig, args);
    let argv = argv_line(&plan);
    assert!(!argv.contains("--ssl-ca"), "{argv}");
    assert!(
        argv.starts_with(&format!(
            "argv:        [\"mariadb\", \"{extra}\", \"--ssl\""
        )),
        "{argv}"
    );

    // And it logs in with it (no --ca-bundle).
    let q = login_query();
    let mut args = strings(&["exec", "--", "mariadb", &own]);
    args.extend(strings(&with_login_query(&head, &q)));
    let out = vouch_static(&rig, &args);
    assert_login(&out, "app");

    // --ca-bundle as well would be ignored by the client: refused.
    let mut args = strings(&["exec", "--ca-bundle", rig.ca(), "--", "mariadb", &own]);
    args.extend(strings(&head));
    let out = vouch_static(&rig, &args);
    assert_refused(&out, "--ca-bundle and the client's own ssl-ca");
}

// ------------------------------------------------------------------ mycli

/// Where scripts/setup.sh installs mycli (a venv of its own).
const MYCLI_BIN: &str = "/opt/vouch-mycli/bin";

/// The rig's environment with mycli's venv first on PATH, or `None` (after
/// `missing`) when mycli is not installed.
fn mycli_env(rig: &Rig) -> Option<Vec<(String, String)>> {
    if !Path::new(MYCLI_BIN).join("mycli").exists() {
        crate::support::missing(
            "mycli (/opt/vouch-mycli/bin/mycli, installed by scripts/setup.sh)",
        );
        return None;
    }
    let mut env = rig.env("temporary");
    for (k, v) in env.iter_mut() {
        if k == "PATH" {
            *v = format!("{MYCLI_BIN}:{v}");
        }
    }
    Some(env)
}

#[test]
fn mycli_logs_in_over_verified_tls() {
    let rig = need_rig!(rig());
    let Some(env) = mycli_env(&rig) else { return };
    let q = format!("select current_user(), ({SSL_VERSION}) as tls");
    let args = exec_rds(&rig, "mycli", &["-u", "app", "appdb", "--csv", "-e", &q]);
    let out = run(vouch(&rig, &args, &env, true));
    assert_success(&out);
    let stdout = text(&out.stdout);
    let row = stdout.lines().last().unwrap_or_default();
    assert!(row.starts_with("\"app@%\",\"TLSv1."), "{}", describe(&out));

    // The certificate's name is checked: a name it does not hold fails.
    let iam = format!("{}:{}", rig.name(), rig.port());
    let args = strings(&[
        "exec",
        "--iam-host",
        &iam,
        "--ca-bundle",
        rig.ca(),
        "--",
        "mycli",
        "--ssl-verify-server-cert",
        "-h",
        "db.example.test",
        "-P",
        rig.port(),
        "-u",
        "app",
        "-e",
        "select 1",
    ]);
    let out = run(vouch(&rig, &args, &env, true));
    assert!(!out.status.success(), "{}", describe(&out));
    assert!(
        text(&out.stderr).contains("Hostname mismatch")
            || text(&out.stdout).contains("Hostname mismatch"),
        "{}",
        describe(&out)
    );
}
