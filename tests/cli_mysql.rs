//! `vouch exec` with MySQL-family clients, without a database: stand-in
//! programs answer `--version` as Oracle MySQL 8.0/8.4/9.x, MariaDB or
//! mycli do, and record the argv, environment and option file they were
//! given. The flags each flavour gets, their order, where the token goes.

use crate::support::standin::{argv_of, env_value, stderr, stdout, Env};

const RDS: &str = "mydb.cluster-abc123.us-east-1.rds.amazonaws.com";
const ORACLE_80: &str = "mysql  Ver 8.0.36 for Linux on x86_64 (MySQL Community Server - GPL)";
const ORACLE_84: &str = "mysql  Ver 8.4.3 for Linux on x86_64 (MySQL Community Server - GPL)";
const ORACLE_9X: &str = "mysql  Ver 9.1.0 for Linux on x86_64 (MySQL Community Server - GPL)";
const MARIADB: &str =
    "mariadb  Ver 15.1 Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64) using  EditLine wrapper";

fn oracle(version: &str) -> Env {
    Env::new().with_my_client("mysql", version)
}

/// The `--ssl-ca=` flag vouch adds with its built-in bundle, checked to
/// name a file under the user's cache.
fn builtin_ca_flag(env: &Env, flag: &str) {
    let path = flag.strip_prefix("--ssl-ca=").expect("an --ssl-ca= flag");
    let cache = env.path().join(".cache/vouch");
    assert!(
        path.starts_with(&cache.display().to_string()) && path.ends_with(".pem"),
        "{path}"
    );
    let pem = std::fs::read_to_string(path).unwrap();
    assert!(pem.contains("BEGIN CERTIFICATE"));
}

#[test]
fn oracle_clients_get_verify_identity_cleartext_and_the_token_in_an_option_file() {
    for version in [ORACLE_80, ORACLE_84, ORACLE_9X] {
        let env = oracle(version).set("MYSQL_PWD", "stale");
        let out = env.vouch(&[
            "exec", "--", "mysql", "-h", RDS, "-u", "app", "appdb", "-e", "select 1",
        ]);
        assert!(out.status.success(), "{version}: {}", stderr(&out));
        let rec = env.record().unwrap();
        let argv = argv_of(&rec);
        assert_eq!(argv.len(), 12, "{argv:?}");
        assert!(argv[0].ends_with("/bin/mysql"));
        let fd_file = argv[1]
            .strip_prefix("--defaults-extra-file=/proc/self/fd/")
            .unwrap_or_else(|| panic!("{version}: {argv:?}"));
        assert!(fd_file.parse::<u32>().is_ok());
        assert_eq!(argv[2], "--ssl-mode=VERIFY_IDENTITY");
        builtin_ca_flag(&env, &argv[3]);
        assert_eq!(argv[4], "--enable-cleartext-plugin");
        assert_eq!(
            &argv[5..],
            ["-h", RDS, "-u", "app", "appdb", "-e", "select 1"]
        );
        assert_eq!(
            env_value(&rec, "LIBMYSQL_ENABLE_CLEARTEXT_PLUGIN").as_deref(),
            Some("1")
        );
        assert_eq!(env_value(&rec, "MYSQL_PWD"), None, "deprecated there");
        assert!(!rec.contains("X-Amz-Signature"), "token in argv or env");
        let file = env.optfile().unwrap();
        assert!(file.contains("mode: 600\n"), "{file}");
        let token_line = file
            .lines()
            .find(|l| l.starts_with("password="))
            .expect("a password line");
        assert!(token_line.starts_with(&format!(
            "password={RDS}:3306/?Action=connect&DBUser=app&X-Amz-Algorithm=AWS4-HMAC-SHA256"
        )));
        assert!(token_line.contains("%2Fus-east-1%2Frds-db%2Faws4_request"));
        assert!(file.contains("[client]\n"));
    }
}

#[test]
fn leading_defaults_arguments_stay_first_and_are_carried_by_vouchs_file() {
    let env = oracle(ORACLE_84);
    let cnf = env.path().join("prod.cnf");
    std::fs::write(&cnf, format!("[client]\nhost={RDS}\nport=3307\nuser=app\n")).unwrap();
    let defaults = format!("--defaults-file={}", cnf.display());
    let out = env.vouch(&[
        "exec",
        "--",
        "mysql",
        &defaults,
        "--defaults-group-suffix=_x",
        "-e",
        "select 1",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let argv = argv_of(&env.record().unwrap());
    assert!(
        argv[1].starts_with("--defaults-file=/proc/self/fd/"),
        "{argv:?}"
    );
    assert_eq!(argv[2], "--defaults-group-suffix=_x");
    assert_eq!(argv[3], "--ssl-mode=VERIFY_IDENTITY");
    assert_eq!(&argv[6..], ["-e", "select 1"]);
    let file = env.optfile().unwrap();
    assert!(
        file.contains(&format!("!include {}\n", cnf.display())),
        "{file}"
    );
    assert!(file.contains(&format!("password={RDS}:3307/?Action=connect&DBUser=app&")));
}

#[test]
fn iam_host_means_verify_ca() {
    let env = oracle(ORACLE_80);
    let iam = format!("{RDS}:3306");
    let out = env.vouch(&[
        "exec",
        "--iam-host",
        &iam,
        "--",
        "mysql",
        "-h",
        "127.0.0.1",
        "-P",
        "3307",
        "-u",
        "app",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let argv = argv_of(&env.record().unwrap());
    assert_eq!(argv[2], "--ssl-mode=VERIFY_CA");
    assert!(env
        .optfile()
        .unwrap()
        .contains(&format!("password={RDS}:3306/?Action=connect&DBUser=app&")));
}

#[test]
fn mariadb_gets_its_own_flags_and_the_token_in_mysql_pwd() {
    let env = Env::new().with_my_client("mariadb", MARIADB);
    let out = env.vouch(&[
        "exec", "--", "mariadb", "-h", RDS, "-P", "3307", "-u", "app", "appdb",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rec = env.record().unwrap();
    let argv = argv_of(&rec);
    assert_eq!(argv[1], "--ssl");
    assert_eq!(argv[2], "--ssl-verify-server-cert");
    builtin_ca_flag(&env, &argv[3]);
    assert_eq!(&argv[4..], ["-h", RDS, "-P", "3307", "-u", "app", "appdb"]);
    assert!(!rec.contains("--ssl-mode") && !rec.contains("--enable-cleartext-plugin"));
    let pwd = env_value(&rec, "MYSQL_PWD").unwrap();
    assert!(pwd.starts_with(&format!("{RDS}:3307/?Action=connect&DBUser=app&")));
    assert_eq!(
        env_value(&rec, "LIBMYSQL_ENABLE_CLEARTEXT_PLUGIN").as_deref(),
        Some("1")
    );
    assert!(env.optfile().is_none());

    // Through --iam-host, no server-name check.
    let env = Env::new().with_my_client("mariadb", MARIADB);
    let iam = format!("{RDS}:3306");
    let out = env.vouch(&[
        "exec",
        "--iam-host",
        &iam,
        "--",
        "mariadb",
        "-h",
        "127.0.0.1",
        "-P",
        "3307",
        "-u",
        "app",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let argv = argv_of(&env.record().unwrap());
    assert_eq!(argv[1], "--ssl");
    assert!(argv[2].starts_with("--ssl-ca="));
    assert!(!argv.iter().any(|a| a == "--ssl-verify-server-cert"));
}

#[test]
fn a_flag_of_one_flavour_is_refused_for_the_other() {
    let env = oracle(ORACLE_80);
    let out = env.vouch(&["exec", "--", "mysql", "--ssl", "-h", RDS, "-u", "app"]);
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--ssl is not an option of this client"),
        "{}",
        stderr(&out)
    );
    assert!(env.record().is_none());

    let env = Env::new().with_my_client("mariadb", MARIADB);
    let out = env.vouch(&[
        "exec",
        "--",
        "mariadb",
        "--ssl-mode=REQUIRED",
        "-h",
        RDS,
        "-u",
        "app",
    ]);
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    assert!(stderr(&out).contains("--ssl-mode"), "{}", stderr(&out));
    assert!(env.record().is_none());
}

#[test]
fn tls_off_is_refused_before_anything_runs() {
    for (client, version, args) in [
        ("mysql", ORACLE_84, &["--ssl-mode=DISABLED"][..]),
        ("mysql", ORACLE_84, &["--ssl-mode=preferred"]),
        ("mariadb", MARIADB, &["--skip-ssl"]),
        ("mariadb", MARIADB, &["--ssl=0"]),
        ("mariadb", MARIADB, &["--disable-ssl"]),
    ] {
        let env = Env::new().with_my_client(client, version);
        let mut argv = vec!["exec", "--", client, "-h", RDS, "-u", "app"];
        argv.extend(args);
        let out = env.vouch(&argv);
        assert_eq!(out.status.code(), Some(6), "{args:?}: {}", stderr(&out));
        assert!(env.record().is_none(), "{args:?}: the client ran");
    }
    // In an option file too.
    let env = Env::new().with_my_client("mariadb", MARIADB);
    std::fs::write(env.path().join(".my.cnf"), "[client]\nskip-ssl\n").unwrap();
    let out = env.vouch(&["exec", "--", "mariadb", "-h", RDS, "-u", "app"]);
    assert_eq!(out.status.code(), Some(6));
    let err = stderr(&out);
    assert!(err.contains(".my.cnf line 2"), "{err}");
    assert!(env.record().is_none());
}

#[test]
fn the_flavour_is_probed_once_per_binary() {
    let env = oracle(ORACLE_80);
    for _ in 0..3 {
        let out = env.vouch(&["exec", "--", "mysql", "-h", RDS, "-u", "app"]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    assert_eq!(env.version_runs(), 1);
    // A new binary at the same path (an upgrade) is asked again.
    let env = env.with_my_client("mysql", MARIADB);
    let out = env.vouch(&["exec", "--", "mysql", "-h", RDS, "-u", "app"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(env.version_runs(), 2);
    assert_eq!(argv_of(&env.record().unwrap())[1], "--ssl");
}

#[test]
fn a_client_that_is_neither_flavour_is_refused() {
    let env = Env::new().with_my_client("mysql", "frobnicator 2.0");
    let out = env.vouch(&["exec", "--", "mysql", "-h", RDS, "-u", "app"]);
    assert_eq!(out.status.code(), Some(6));
    assert!(
        stderr(&out).contains("\"frobnicator 2.0\""),
        "{}",
        stderr(&out)
    );
    assert!(env.record().is_none());
}

#[test]
fn passwords_are_refused_without_being_echoed() {
    let env = Env::new().with_my_client("mariadb", MARIADB);
    let out = env.vouch(&["exec", "--", "mariadb", "-h", RDS, "-u", "app", "-pHunter2"]);
    assert_eq!(out.status.code(), Some(6));
    assert!(!stderr(&out).contains("Hunter2"), "{}", stderr(&out));
    assert!(stderr(&out).contains("-p"));
    let out = env.vouch(&["exec", "--", "mariadb", "-h", RDS, "-u", "app", "-p"]);
    assert_eq!(out.status.code(), Some(6));
    std::fs::write(
        env.path().join(".my.cnf"),
        "[client]\nuser=app\npassword=Hunter2\n",
    )
    .unwrap();
    let out = env.vouch(&["exec", "--", "mariadb", "-h", RDS]);
    assert_eq!(out.status.code(), Some(6));
    let err = stderr(&out);
    assert!(
        err.contains(".my.cnf line 3") && !err.contains("Hunter2"),
        "{err}"
    );
    assert!(env.record().is_none());
}

#[test]
fn login_paths_and_sockets_are_refused() {
    let env = oracle(ORACLE_84);
    let out = env.vouch(&["exec", "--", "mysql", "--login-path=prod", "-u", "app"]);
    assert_eq!(out.status.code(), Some(6));
    assert!(stderr(&out).contains("not supported"), "{}", stderr(&out));
    std::fs::write(env.path().join(".mylogin.cnf"), b"\0\0\0\0obfuscated").unwrap();
    std::fs::set_permissions(
        env.path().join(".mylogin.cnf"),
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
    let out = env.vouch(&["exec", "--", "mysql", "-h", RDS, "-u", "app"]);
    assert_eq!(out.status.code(), Some(6));
    assert!(stderr(&out).contains(".mylogin.cnf"), "{}", stderr(&out));

    let env = Env::new().with_my_client("mariadb", MARIADB);
    for args in [
        &["-S", "/run/mysqld/mysqld.sock", "-h", RDS][..],
        &["--protocol=socket", "-h", RDS],
        &["-h", "localhost"],
        &[],
    ] {
        let mut argv = vec!["exec", "--", "mariadb", "-u", "app"];
        argv.extend(args);
        let out = env.vouch(&argv);
        assert_eq!(out.status.code(), Some(6), "{args:?}: {}", stderr(&out));
        assert!(env.record().is_none());
    }
}

#[test]
fn mycli_gets_tls_on_and_the_token_in_mysql_pwd() {
    let env = Env::new().with_my_client("mycli", "mycli, version 2.30.1");
    let out = env.vouch(&["exec", "--", "mycli", "-h", RDS, "-u", "app", "appdb"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rec = env.record().unwrap();
    let argv = argv_of(&rec);
    assert_eq!(argv[1], "--ssl-mode=on");
    builtin_ca_flag(&env, &argv[2]);
    assert_eq!(argv[3], "--ssl-verify-server-cert");
    assert_eq!(argv[4], "--use-keyring=false");
    assert_eq!(&argv[5..], ["-h", RDS, "-u", "app", "appdb"]);
    assert!(env_value(&rec, "MYSQL_PWD").is_some());
    assert_eq!(env.version_runs(), 0, "mycli needs no probe");

    for args in [
        &["--ssl-mode", "auto"][..],
        &["--ssl-mode=off"],
        &["-d", "prod"],
        &["mysql://app@h/db"],
        &["--password-file", "/etc/passwd"],
        &["--use-keyring=true"],
        &["--use-keyring", "reset"],
        &["-h", ""],
        &["-u", ""],
        &["-P", "0"],
    ] {
        let env = Env::new().with_my_client("mycli", "mycli, version 2.30.1");
        let mut argv = vec!["exec", "--", "mycli", "-h", RDS, "-u", "app"];
        argv.extend(args);
        let out = env.vouch(&argv);
        assert_eq!(out.status.code(), Some(6), "{args:?}: {}", stderr(&out));
        assert!(env.record().is_none());
    }
}

#[test]
fn help_and_version_run_as_is_without_a_token() {
    let env = oracle(ORACLE_80);
    for args in [&["--help"][..], &["-V"], &["--print-defaults"]] {
        let mut argv = vec!["exec", "--", "mysql"];
        argv.extend(args);
        let out = env.vouch(&argv);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        let rec = env.record().unwrap();
        assert_eq!(&argv_of(&rec)[1..], args);
        assert!(env_value(&rec, "MYSQL_PWD").is_none());
    }
}

#[test]
fn explain_shows_the_plan_for_mysql_without_the_token() {
    let env = oracle(ORACLE_80);
    let out = env.vouch(&[
        "exec",
        "--explain",
        "--",
        "mysql",
        "-h",
        RDS,
        "-u",
        "app",
        "appdb",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for want in [
        "MySQL family, Oracle MySQL 8.0",
        "VERIFY_IDENTITY",
        "sealed 0600 in-memory option file",
        "--enable-cleartext-plugin",
        "-MYSQL_PWD",
    ] {
        assert!(text.contains(want), "{want}: {text}");
    }
    assert!(!text.contains("X-Amz"), "{text}");
    assert!(env.record().is_none());
}

#[test]
fn oracle_mysqldump_gets_the_same_treatment() {
    let env = Env::new().with_my_client(
        "mysqldump",
        "mysqldump  Ver 9.1.0 for Linux on x86_64 (MySQL Community Server - GPL)",
    );
    let out = env.vouch(&[
        "exec",
        "--",
        "mysqldump",
        "-h",
        RDS,
        "-P",
        "3307",
        "-u",
        "app",
        "appdb",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let argv = argv_of(&env.record().unwrap());
    assert!(argv[1].starts_with("--defaults-extra-file=/proc/self/fd/"));
    assert_eq!(argv[2], "--ssl-mode=VERIFY_IDENTITY");
    assert_eq!(argv[4], "--enable-cleartext-plugin");
    assert_eq!(&argv[5..], ["-h", RDS, "-P", "3307", "-u", "app", "appdb"]);
    assert!(env
        .optfile()
        .unwrap()
        .contains(&format!("password={RDS}:3307/?Action=connect&DBUser=app&")));
}

#[test]
fn no_login_paths_is_passed_on_with_vouchs_file() {
    let env = oracle(ORACLE_84);
    std::fs::write(env.path().join(".mylogin.cnf"), b"\0\0\0\0obfuscated").unwrap();
    std::fs::set_permissions(
        env.path().join(".mylogin.cnf"),
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
    let out = env.vouch(&[
        "exec",
        "--",
        "mysql",
        "--no-login-paths",
        "-h",
        RDS,
        "-u",
        "app",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let argv = argv_of(&env.record().unwrap());
    assert!(argv[1].starts_with("--defaults-extra-file=/proc/self/fd/"));
    assert_eq!(argv[2], "--no-login-paths");
    assert_eq!(argv[3], "--ssl-mode=VERIFY_IDENTITY");
    assert_eq!(&argv[6..], ["-h", RDS, "-u", "app"]);
}

#[test]
fn a_mysql_shim_that_runs_vouch_reaches_the_real_client() {
    // A `mysql` wrapper first on PATH that runs `exec vouch exec -- mysql`:
    // neither the flavour probe nor the exec loops back into it.
    let env = oracle(ORACLE_84);
    let runs_file = env.path().join("wrapper-runs");
    let (env, wrapper) = env.with_wrapper(
        "mysql",
        &format!(
            "echo \"wrapper $*\" >> '{}'\nexec '{}' exec -- mysql \"$@\"\n",
            runs_file.display(),
            crate::support::vouch_bin().display()
        ),
    );
    let out = env.run_with_timeout(20, &wrapper, &["-h", RDS, "-u", "app"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rec = env.record().expect("the real client ran");
    assert!(
        rec.starts_with(&format!("argv: [{}/bin/mysql]", env.path().display())),
        "{rec}"
    );
    assert!(env.optfile().unwrap().contains("password="));
    // The inner vouch run by the probe asks the real client, which then
    // answers the outer vouch's probe; later runs hit the cache.
    assert_eq!(env.version_runs(), 2);
    let runs = std::fs::read_to_string(&runs_file).unwrap();
    let runs: Vec<&str> = runs.lines().collect();
    assert_eq!(
        runs.len(),
        3,
        "by hand, by the probe, by the outer exec: {runs:?}"
    );
    assert_eq!(runs[0], format!("wrapper -h {RDS} -u app"));
    assert_eq!(runs[1], "wrapper --version");
    assert!(runs[2].starts_with("wrapper --defaults-extra-file=/proc/self/fd/"));
    assert!(runs[2].ends_with(&format!("-h {RDS} -u app")));
    // The inner vouch put its own sealed file first and passed on no other.
    let argv = argv_of(&rec);
    assert_eq!(
        argv.iter()
            .filter(|a| a.starts_with("--defaults-extra-file="))
            .count(),
        1,
        "{argv:?}"
    );
    let out = env.run_with_timeout(20, &wrapper, &["-h", RDS, "-u", "app"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        env.version_runs(),
        2,
        "a second run asks nobody: both are cached"
    );
}

#[test]
fn a_mysql_wrapper_that_forks_vouch_is_stopped() {
    let env = oracle(ORACLE_84);
    let (env, wrapper) = env.with_wrapper(
        "mysql",
        &format!(
            "'{}' exec -- mysql \"$@\"\n",
            crate::support::vouch_bin().display()
        ),
    );
    let started = std::time::Instant::now();
    let out = env.run_with_timeout(60, &wrapper, &["-h", RDS, "-u", "app"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("cannot tell whether"),
        "{}",
        stderr(&out)
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    assert!(env.record().is_none(), "the client never ran");
}

#[test]
fn spellings_the_client_reads_differently_are_caught() {
    // Each would send the token elsewhere or without TLS if vouch read it
    // differently from my_getopt; each is refused before the client runs.
    for (args, env_var, needle) in [
        // KEY.option names are the option to the client.
        (&["--loose-x.host=127.0.0.1"][..], None, "KEY.option"),
        (&["--x.ssl=0"], None, "KEY.option"),
        // Names are case-insensitive: this is the host, not an unknown option.
        (
            &["--loose-HOST=127.0.0.1"],
            None,
            "127.0.0.1 is not an RDS endpoint",
        ),
        // Only "=0" turns skip-/disable- around: these turn TLS off.
        (&["--skip-ssl=off"], None, "turns TLS off"),
        (&["--disable-ssl=false"], None, "turns TLS off"),
        (&["--SKIP-SSL"], None, "turns TLS off"),
        // An empty host is localhost to the client, whatever MYSQL_HOST says.
        (&["-h", ""], Some(("MYSQL_HOST", RDS)), "localhost"),
    ] {
        let mut env = Env::new().with_my_client("mariadb", MARIADB);
        if let Some((k, v)) = env_var {
            env = env.set(k, v);
        }
        let mut argv = vec!["exec", "--", "mariadb", "-h", RDS, "-u", "app"];
        argv.extend(args);
        let out = env.vouch(&argv);
        assert_eq!(out.status.code(), Some(6), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(needle), "{args:?}: {}", stderr(&out));
        assert!(env.record().is_none(), "{args:?}: the client ran");
    }
}

#[test]
fn port_zero_means_mysql_tcp_port() {
    let env = Env::new()
        .with_my_client("mariadb", MARIADB)
        .set("MYSQL_TCP_PORT", "3310");
    let out = env.vouch(&["exec", "--", "mariadb", "-h", RDS, "-P", "0", "-u", "app"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let pwd = env_value(&env.record().unwrap(), "MYSQL_PWD").unwrap();
    assert!(
        pwd.starts_with(&format!("{RDS}:3310/?Action=connect&")),
        "{pwd}"
    );
}

#[test]
fn dns_srv_names_and_unreadable_mariadb_variables_are_refused() {
    let env = oracle(ORACLE_84);
    let out = env.vouch(&[
        "exec",
        "--",
        "mysql",
        "-h",
        RDS,
        "-u",
        "app",
        "--dns-srv-name=_mysql._tcp.example.com",
    ]);
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    assert!(stderr(&out).contains("SRV"), "{}", stderr(&out));
    assert!(env.record().is_none());

    use std::os::unix::ffi::OsStrExt;
    let env = Env::new().with_my_client("mariadb", MARIADB);
    let out = std::process::Command::new(crate::support::vouch_bin())
        .args(["exec", "--", "mariadb", "-h", RDS, "-u", "app"])
        .env_clear()
        .envs(env.vars.iter().cloned())
        .env(
            "MARIADB_HOME",
            std::ffi::OsStr::from_bytes(b"/tmp/not-utf8-\xff"),
        )
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    assert!(stderr(&out).contains("MARIADB_HOME"), "{}", stderr(&out));
    assert!(env.record().is_none());
}

#[test]
fn the_sealed_file_includes_the_very_file_vouch_read() {
    // With HOME unset, `~/x.cnf` is a relative path to the client (mysys
    // leaves it as written): vouch reads and includes that same file.
    let env = oracle(ORACLE_84).unset("HOME");
    let wd = env.path().join("wd");
    std::fs::create_dir_all(wd.join("~")).unwrap();
    std::fs::write(
        wd.join("~/x.cnf"),
        format!("[client]\nhost={RDS}\nuser=app\n"),
    )
    .unwrap();
    let out = std::process::Command::new(crate::support::vouch_bin())
        .args(["exec", "--", "mysql", "--defaults-file=~/x.cnf"])
        .env_clear()
        .envs(env.vars.iter().cloned())
        .env("XDG_CACHE_HOME", env.path().join("cache"))
        .current_dir(&wd)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let file = env.optfile().unwrap();
    assert!(
        file.contains(&format!("!include {}/~/x.cnf\n", wd.display())),
        "{file}"
    );
}

#[test]
fn mycli_dsn_aliases_are_refused_however_named() {
    for args in [&["-D", "prod"][..], &["prod"], &["-P", "0", "prod"]] {
        let env = Env::new()
            .with_my_client("mycli", "mycli, version 2.30.1")
            .set("MYSQL_HOST", RDS);
        let mut argv = vec!["exec", "--", "mycli"];
        argv.extend(args);
        let out = env.vouch(&argv);
        assert_eq!(out.status.code(), Some(6), "{args:?}: {}", stderr(&out));
        assert!(env.record().is_none());
    }
}
