//! The `vouch` binary as a user sees it, without a database: what the
//! client receives (through a stand-in `psql` that records its argv and
//! environment), errors and exit codes, `--explain`, `credential rds`.

use std::os::unix::fs::PermissionsExt;

use std::path::PathBuf;
use std::process::Command;

use crate::support::standin::{env_value, stderr, stdout, Env, AKID, SECRET};
use crate::support::vouch_bin;

const RDS: &str = "mydb.cluster-abc123.us-east-1.rds.amazonaws.com";
/// The plainest run: `vouch exec -- psql -h RDS -U app`.
const PSQL_RDS: [&str; 7] = ["exec", "--", "psql", "-h", RDS, "-U", "app"];

#[test]
fn client_gets_token_and_tls_in_env_argv_unchanged() {
    let env = Env::new().set("PGPASSWORD", "stale-password");
    let out = env.vouch(&[
        "exec", "--", "psql", "-h", RDS, "-U", "app", "-d", "app", "-c", "select 1",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rec = env.record().expect("client ran");
    assert!(
        rec.starts_with(&format!(
            "argv: [{}/bin/psql] [-h] [{RDS}] [-U] [app] [-d] [app] [-c] [select 1]\n",
            env.path().display()
        )),
        "{rec}"
    );
    let token = env_value(&rec, "PGPASSWORD").unwrap();
    assert!(token.starts_with(&format!("{RDS}:5432/?Action=connect&DBUser=app&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential={AKID}%2F")), "{token}");
    assert!(token.contains("%2Fus-east-1%2Frds-db%2Faws4_request&"));
    assert_eq!(env_value(&rec, "PGSSLMODE").as_deref(), Some("verify-full"));
    let root = env_value(&rec, "PGSSLROOTCERT").unwrap();
    let pem = std::fs::read_to_string(&root).unwrap();
    assert!(pem.contains("BEGIN CERTIFICATE"));
    assert!(
        root.starts_with(&env.path().join(".cache/vouch").display().to_string()),
        "{root}"
    );
}

#[test]
fn exit_status_passes_through() {
    let env = Env::new().set("FAKE_EXIT", "42");
    let out = env.vouch(&PSQL_RDS);
    assert_eq!(out.status.code(), Some(42));
}

#[test]
fn iam_host_means_verify_ca_and_signs_for_the_endpoint() {
    let env = Env::new();
    let out = env.vouch(&[
        "exec",
        "--iam-host",
        &format!("{RDS}:5432"),
        "--",
        "psql",
        "-h",
        "127.0.0.1",
        "-p",
        "15432",
        "-U",
        "app",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rec = env.record().unwrap();
    assert!(env_value(&rec, "PGPASSWORD")
        .unwrap()
        .starts_with(&format!("{RDS}:5432/?")));
    assert_eq!(env_value(&rec, "PGSSLMODE").as_deref(), Some("verify-ca"));
}

#[test]
fn users_tls_choice_and_ca_bundle() {
    let env = Env::new().set("PGSSLMODE", "verify-ca");
    let ca = env.fake_ca("my-ca.pem");
    let out = env.vouch(&[
        "exec",
        "--ca-bundle",
        ca.to_str().unwrap(),
        "--",
        "psql",
        "-h",
        RDS,
        "-U",
        "app",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rec = env.record().unwrap();
    assert_eq!(env_value(&rec, "PGSSLMODE").as_deref(), Some("verify-ca"));
    assert_eq!(
        env_value(&rec, "PGSSLROOTCERT").map(PathBuf::from),
        Some(std::fs::canonicalize(&ca).unwrap())
    );
}

#[test]
fn plaintext_sslmodes_are_refused_and_nothing_runs() {
    for (args, env) in [
        (
            vec![
                "exec",
                "--",
                "psql",
                "-h",
                RDS,
                "-U",
                "app",
                "sslmode=disable",
            ],
            Env::new(),
        ),
        (
            vec!["exec", "--", "psql", "-h", RDS, "-U", "app"],
            Env::new().set("PGSSLMODE", "prefer"),
        ),
        (
            vec![
                "exec",
                "--",
                "psql",
                "postgresql://app@h.abc.us-east-1.rds.amazonaws.com/db?sslmode=allow",
            ],
            Env::new(),
        ),
    ] {
        let out = env.vouch(&args);
        assert_eq!(out.status.code(), Some(6), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).starts_with("vouch: sslmode="),
            "{}",
            stderr(&out)
        );
        assert!(env.record().is_none(), "client must not run");
    }
}

#[test]
fn non_rds_hosts_need_iam_host() {
    for host in ["localhost", "127.0.0.1", "10.0.0.7", "db.invalid"] {
        let env = Env::new();
        let out = env.vouch(&["exec", "--", "psql", "-h", host, "-U", "app"]);
        assert_eq!(out.status.code(), Some(6), "{host}");
        assert!(
            stderr(&out).contains("--iam-host"),
            "{host}: {}",
            stderr(&out)
        );
        assert!(env.record().is_none());
    }
    let env = Env::new();
    let out = env.vouch(&["exec", "--", "psql", "-U", "app"]);
    assert_eq!(out.status.code(), Some(6));
    assert!(stderr(&out).contains("Unix socket"), "{}", stderr(&out));
}

#[test]
fn unknown_client_lists_the_supported_ones() {
    let env = Env::new();
    let out = env.vouch(&["exec", "--", "ls", "-l"]);
    assert_eq!(out.status.code(), Some(6));
    let err = stderr(&out);
    for name in [
        "psql",
        "pg_dump",
        "pg_dumpall",
        "pg_restore",
        "pgbench",
        "pg_isready",
        "createdb",
        "dropdb",
        "vacuumdb",
        "reindexdb",
        "clusterdb",
        "pgcli",
    ] {
        assert!(err.contains(name), "{name} missing from: {err}");
    }
}

#[test]
fn missing_client_is_127() {
    let env = Env::new().set("PATH", "/nonexistent");
    let out = env.vouch(&PSQL_RDS);
    assert_eq!(out.status.code(), Some(127));
    assert!(
        stderr(&out).starts_with("vouch: psql: command not found"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_password_in_the_args_is_refused_without_echoing_it() {
    let env = Env::new();
    for args in [
        vec![
            "exec",
            "--",
            "psql",
            "postgresql://app:hunter2@mydb.abc.us-east-1.rds.amazonaws.com/app",
        ],
        vec![
            "exec",
            "--",
            "psql",
            "host=mydb.abc.us-east-1.rds.amazonaws.com user=app password=hunter2",
        ],
    ] {
        let out = env.vouch(&args);
        assert_eq!(out.status.code(), Some(6), "{args:?}: {}", stderr(&out));
        assert!(!stderr(&out).contains("hunter2"), "{}", stderr(&out));
        assert!(stderr(&out).contains("password"), "{}", stderr(&out));
        assert!(env.record().is_none());
    }
}

#[test]
fn several_hosts_are_refused() {
    let env = Env::new();
    let out = env.vouch(&[
        "exec",
        "--",
        "psql",
        "-h",
        &format!("{RDS},other.abc.us-east-1.rds.amazonaws.com"),
        "-U",
        "app",
    ]);
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    assert!(env.record().is_none());
}

#[test]
fn credentials_problems_stop_before_the_client() {
    let cases = [
        Env::new().set("AWS_ACCESS_KEY_ID", "ASIAIOSFODNN7EXAMPLE"),
        Env::new()
            .set("AWS_CREDENTIAL_EXPIRATION", "2020-01-01T00:00:00Z")
            .set("AWS_SESSION_TOKEN", "tok"),
        Env::new()
            .unset("AWS_ACCESS_KEY_ID")
            .unset("AWS_SECRET_ACCESS_KEY"),
    ];
    for env in cases {
        let out = env.vouch(&PSQL_RDS);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(env.record().is_none(), "client must not run");
        assert!(!stderr(&out).contains(SECRET));
    }
}

#[test]
fn empty_session_token_is_ignored() {
    let env = Env::new().set("AWS_SESSION_TOKEN", "");
    let out = env.vouch(&PSQL_RDS);
    assert!(out.status.success(), "{}", stderr(&out));
    let token = env_value(&env.record().unwrap(), "PGPASSWORD").unwrap();
    assert!(!token.contains("X-Amz-Security-Token"));
}

#[test]
fn explain_prints_the_plan_without_secrets() {
    let env = Env::new().set("AWS_SESSION_TOKEN", "SESSIONTOKENVALUE");
    let out = env.vouch(&[
        "exec",
        "--explain",
        "--",
        "psql",
        "-h",
        RDS,
        "-U",
        "app",
        "-d",
        "app",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for want in [
        "Aurora cluster (writer) endpoint \"mydb\" in us-east-1 (partition aws)",
        &format!("sign for:    {RDS}:5432 as user \"app\""),
        "region:      us-east-1 (from the endpoint's host name)",
        "environment variables",
        "****************MPLE",
        "sslmode=verify-full",
        "PGPASSWORD=<token",
        "/bin/psql",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    for secret in [SECRET, "SESSIONTOKENVALUE", AKID, "X-Amz-Signature"] {
        assert!(
            !text.contains(secret) && !stderr(&out).contains(secret),
            "{secret} leaked"
        );
    }
    assert!(env.record().is_none(), "--explain runs nothing");
    assert!(
        !env.path().join(".cache").exists(),
        "--explain writes nothing"
    );
}

#[test]
fn verbose_names_the_source_not_the_secret() {
    let env = Env::new();
    let out = env.vouch(&["exec", "-v", "--", "psql", "-h", RDS, "-U", "app"]);
    assert!(out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("credentials from environment variables"),
        "{err}"
    );
    assert!(
        err.contains("region us-east-1 (from the endpoint's host name)"),
        "{err}"
    );
    assert!(
        !err.contains(SECRET) && !err.contains("X-Amz-Signature"),
        "{err}"
    );
}

#[test]
fn region_flag_contradicting_the_host_warns() {
    let env = Env::new();
    let out = env.vouch(&[
        "exec",
        "--region",
        "eu-west-1",
        "--",
        "psql",
        "-h",
        RDS,
        "-U",
        "app",
    ]);
    assert!(out.status.success());
    assert!(
        stderr(&out).contains("warning: --region eu-west-1 contradicts"),
        "{}",
        stderr(&out)
    );
    let token = env_value(&env.record().unwrap(), "PGPASSWORD").unwrap();
    assert!(token.contains("%2Feu-west-1%2Frds-db"));
}

#[test]
fn credential_rds_prints_one_token_and_one_newline() {
    let env = Env::new();
    let out = env.vouch(&["credential", "rds", "--hostname", RDS, "--username", "app"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let s = stdout(&out);
    assert_eq!(s.matches('\n').count(), 1);
    assert!(s.ends_with('\n'));
    assert!(
        s.starts_with(&format!("{RDS}:5432/?Action=connect&DBUser=app&")),
        "{s}"
    );
    let out = env.vouch(&[
        "credential",
        "rds",
        "--hostname",
        "db.example.com",
        "--username",
        "app",
    ]);
    assert_eq!(out.status.code(), Some(6), "no region for a non-RDS name");
    let out = env.vouch(&[
        "credential",
        "rds",
        "--hostname",
        "db.example.com",
        "--username",
        "app",
        "--region",
        "eu-north-1",
        "--port",
        "3306",
    ]);
    assert!(stdout(&out).starts_with("db.example.com:3306/?Action=connect&DBUser=app&"));
    assert!(stdout(&out).contains("%2Feu-north-1%2F"));
}

#[test]
fn usage_errors_exit_1_help_exits_0() {
    let env = Env::new();
    assert_eq!(env.vouch(&["exec"]).status.code(), Some(1));
    assert_eq!(env.vouch(&["frobnicate"]).status.code(), Some(1));
    let help = env.vouch(&["--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(stdout(&help).contains("exec"));
    assert_eq!(env.vouch(&["--version"]).status.code(), Some(0));
}

#[test]
fn runs_that_do_not_connect_need_no_token() {
    // psql --version or pg_restore writing a script: run as is, no credentials needed.
    let env = Env::new()
        .unset("AWS_ACCESS_KEY_ID")
        .unset("AWS_SECRET_ACCESS_KEY");
    let out = env.vouch(&["exec", "--", "psql", "--version"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rec = env.record().expect("client ran");
    assert!(rec.contains("[--version]"));
    assert_eq!(env_value(&rec, "PGPASSWORD"), None);
}

#[test]
fn a_wrapper_that_calls_vouch_again_reaches_the_real_client() {
    // A psql wrapper early on PATH that runs `vouch exec -- psql` (as a shim
    // would): the inner vouch skips the wrapper the outer one ran.
    let env = Env::new();
    let runs_file = env.path().join("wrapper-runs");
    let (env, wrapper) = env.with_psql_wrapper(&format!(
        "echo wrapper >> '{}'\nexec '{}' exec -- psql \"$@\"\n",
        runs_file.display(),
        vouch_bin().display()
    ));
    let out = env.run_with_timeout(10, &wrapper, &["-h", RDS, "-U", "app"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let runs = std::fs::read_to_string(env.path().join("wrapper-runs")).unwrap();
    assert_eq!(
        runs.lines().count(),
        2,
        "the wrapper ran once by hand, once by the outer vouch"
    );
    let rec = env.record().expect("the real client ran");
    assert!(
        rec.starts_with(&format!("argv: [{}/bin/psql]", env.path().display())),
        "{rec}"
    );
    assert!(env_value(&rec, "PGPASSWORD").is_some());
}

#[test]
fn unix_sockets_are_refused_even_with_iam_host() {
    for args in [
        vec![
            "exec",
            "--iam-host",
            RDS,
            "--",
            "psql",
            "-h",
            "/var/run/postgresql",
            "-U",
            "app",
        ],
        vec!["exec", "--iam-host", RDS, "--", "psql", "-U", "app"],
    ] {
        let env = Env::new();
        let out = env.vouch(&args);
        assert_eq!(out.status.code(), Some(6), "{args:?}");
        assert!(stderr(&out).contains("no TLS"), "{}", stderr(&out));
        assert!(env.record().is_none());
    }
}

#[test]
fn ca_bundle_conflicting_with_the_users_root_cert_is_refused() {
    let env = Env::new().set("PGSSLROOTCERT", "/etc/ssl/certs/ca-certificates.crt");
    let ca = env.fake_ca("ca.pem");
    let out = env.vouch(&[
        "exec",
        "--ca-bundle",
        ca.to_str().unwrap(),
        "--",
        "psql",
        "-h",
        RDS,
        "-U",
        "app",
    ]);
    assert_eq!(out.status.code(), Some(6));
    assert!(stderr(&out).contains("PGSSLROOTCERT"), "{}", stderr(&out));
    assert!(env.record().is_none());
}

#[test]
fn regions_the_builtin_bundle_lacks_are_announced() {
    let env = Env::new();
    let out = env.vouch(&[
        "exec",
        "--",
        "psql",
        "-h",
        "db.abc.us-gov-west-1.rds.amazonaws.com",
        "-U",
        "app",
    ]);
    assert!(out.status.success());
    assert!(
        stderr(&out).contains("no root certificate for us-gov-west-1"),
        "{}",
        stderr(&out)
    );
    let out = env.vouch(&PSQL_RDS);
    assert!(
        !stderr(&out).contains("root certificate"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn bad_input_elsewhere_is_refused() {
    let env = Env::new();
    let out = env.vouch(&[
        "credential",
        "rds",
        "--hostname",
        &format!("{RDS}:5433"),
        "--username",
        "app",
    ]);
    assert_eq!(out.status.code(), Some(6));
    assert!(stderr(&out).contains("--port"), "{}", stderr(&out));
    assert_eq!(
        env.vouch(&[
            "credential",
            "rds",
            "--hostname",
            RDS,
            "--username",
            "app",
            "--port",
            "0"
        ])
        .status
        .code(),
        Some(1)
    );

    let env = Env::new().set("AWS_REGION", "bogus");
    let out = env.vouch(&[
        "exec",
        "--iam-host",
        "proxy.example.com:5432",
        "--",
        "psql",
        "-h",
        "127.0.0.1",
        "-U",
        "app",
    ]);
    assert_eq!(out.status.code(), Some(6));
    assert!(
        stderr(&out).contains("AWS_REGION=\"bogus\""),
        "{}",
        stderr(&out)
    );

    let out = env.vouch(&["exec", "--version"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("put vouch's options before `--`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_client_that_cannot_run_is_126() {
    let env = Env::new();
    let p = env.path().join("bin/psql");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = env.vouch(&["exec", "--", p.to_str().unwrap(), "-h", RDS, "-U", "app"]);
    assert_eq!(out.status.code(), Some(126), "{}", stderr(&out));
}

#[test]
fn a_wrapper_that_forks_vouch_is_stopped_not_looped() {
    let env = Env::new();
    // No `exec`: each round is a new process, so vouch cannot tell the
    // wrapper from a real nested use until the depth limit.
    let (env, wrapper) = env.with_psql_wrapper(&format!(
        "'{}' exec -- psql \"$@\"\n",
        vouch_bin().display()
    ));
    let out = env.run_with_timeout(20, &wrapper, &["-h", RDS, "-U", "app"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("probably runs vouch exec again"),
        "{}",
        stderr(&out)
    );
    assert!(env.record().is_none());
}

#[test]
fn the_client_reads_the_service_file_vouch_checked() {
    // The stand-in client rewrites ~/.pg_service.conf to point elsewhere
    // before it reads its service file: it must still get what vouch read.
    let env = Env::new();
    let original = format!("[prod]\nhost={RDS}\nuser=app\ndbname=app\n");
    std::fs::write(env.path().join(".pg_service.conf"), &original).unwrap();
    let env = env.set("PGSERVICE", "prod").set(
        "FAKE_CHANGE_SERVICE",
        "[prod]\nhost=127.0.0.1\nport=15999\nsslmode=disable",
    );
    let out = env.vouch(&["exec", "--", "psql", "-c", "select 1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rec = env.record().unwrap();
    assert!(env_value(&rec, "PGSERVICEFILE")
        .unwrap()
        .starts_with("/proc/self/fd/"));
    let seen = std::fs::read_to_string(env.path().join("record.service")).unwrap();
    assert_eq!(seen, original);
    assert!(env_value(&rec, "PGPASSWORD")
        .unwrap()
        .starts_with(&format!("{RDS}:5432/")));
}

#[test]
fn non_utf8_input_is_refused() {
    use std::os::unix::ffi::OsStrExt;
    let env = Env::new();
    let bad = std::ffi::OsStr::from_bytes(b"/tmp/\xffsvc.conf");
    let out = Command::new(vouch_bin())
        .args(["exec", "--", "psql", "-h", RDS, "-U", "app"])
        .env_clear()
        .envs(env.vars.iter().cloned())
        .env("PGSERVICEFILE", bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(6));
    assert!(
        stderr(&out).contains("PGSERVICEFILE is not valid UTF-8"),
        "{}",
        stderr(&out)
    );
    let out = Command::new(vouch_bin())
        .args(["exec", "--", "psql", "-h", RDS, "-U"])
        .arg(std::ffi::OsStr::from_bytes(b"\xffadmin"))
        .env_clear()
        .envs(env.vars.iter().cloned())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(6));
    assert!(env.record().is_none());
}

#[test]
fn an_encoded_password_key_is_not_echoed() {
    let env = Env::new();
    let uri = format!("postgresql://{RDS}/app?pass%77ord=HUNTER2SECRET%zz");
    let out = env.vouch(&["exec", "--explain", "--", "psql", "-U", "app", &uri]);
    assert_eq!(out.status.code(), Some(6));
    assert!(!stderr(&out).contains("HUNTER2"), "{}", stderr(&out));
}

#[test]
fn pgcli_gets_the_effective_tls_settings_and_no_dsn() {
    // pgcli reads a service file itself and passes on only host, port, user
    // and database: the TLS settings must reach its libpq through the env.
    let env = Env::new();
    std::fs::write(
        env.path().join(".pg_service.conf"),
        format!("[prod]\nhost={RDS}\nuser=app\ndbname=app\nsslmode=verify-full\nsslrootcert=/etc/my-root.pem\n"),
    )
    .unwrap();
    let out = env.vouch(&["exec", "--", "pgcli", "service=prod"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rec = env.record().unwrap();
    assert_eq!(env_value(&rec, "PGSSLMODE").as_deref(), Some("verify-full"));
    assert_eq!(
        env_value(&rec, "PGSSLROOTCERT").as_deref(),
        Some("/etc/my-root.pem")
    );
    assert_eq!(env_value(&rec, "PGGSSENCMODE").as_deref(), Some("disable"));

    let env = Env::new().set("DSN", "prod");
    let out = env.vouch(&["exec", "--", "pgcli", "-h", RDS, "-U", "app"]);
    assert_eq!(out.status.code(), Some(6));
    assert!(stderr(&out).contains("unset DSN"), "{}", stderr(&out));
    assert!(env.record().is_none());
}

#[test]
fn vouch_as_its_own_credential_process_stops_instead_of_looping() {
    // `credential_process = vouch credential aws` in the profile vouch itself
    // reads (no vouch source configured): without a guard, each vouch would
    // run the next one.
    let env = Env::new()
        .unset("AWS_ACCESS_KEY_ID")
        .unset("AWS_SECRET_ACCESS_KEY")
        .set("AWS_PROFILE", "vouch");
    std::fs::write(
        env.path().join("aws-config"),
        format!(
            "[profile vouch]\ncredential_process = {} credential aws\n",
            vouch_bin().display()
        ),
    )
    .unwrap();
    let started = std::time::Instant::now();
    let out = env.run_with_timeout(30, &vouch_bin(), &["credential", "aws"]);
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    assert_ne!(out.status.code(), Some(0));
    assert_ne!(out.status.code(), Some(124), "timed out: it looped");
    assert!(
        stderr(&out).contains("vouch is probably its own credential_process"),
        "{}",
        stderr(&out)
    );
}
