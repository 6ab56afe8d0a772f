//! End to end: real `psql`/`pg_dump` through `vouch exec` against the
//! project's PostgreSQL rig, which accepts a login only after its PAM
//! verifier has checked the IAM token the way RDS does.
//!
//! The rig is started by scripts/test.sh, which exports `VOUCH_RIG_ENV`
//! (the rig's `rig.env`). Tests that make an RDS name resolve to the rig run
//! vouch in a private mount namespace with its own /etc/hosts (root only).

use std::process::{Command, Output, Stdio};

use crate::need_rig;
use crate::support::rig::{run, text, vouch, watch_client, Rig};

fn rig() -> Option<Rig> {
    Rig::load("VOUCH_RIG_ENV", "the PostgreSQL test rig")
}

fn assert_current_user(out: &Output, user: &str) {
    assert!(
        out.status.success(),
        "psql failed ({}):\nstdout: {}\nstderr: {}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    );
    assert_eq!(
        text(&out.stdout).trim(),
        user,
        "stderr: {}",
        text(&out.stderr)
    );
}

#[test]
fn psql_logs_in_with_static_credentials_and_verify_full() {
    let rig = need_rig!(rig());
    let out = run(vouch(
        &rig,
        &rig.psql_app(&["-Atc", "select current_user"]),
        &rig.env("static"),
        true,
    ));
    assert_current_user(&out, "app");
}

#[test]
fn psql_logs_in_with_temporary_credentials_long_token() {
    let rig = need_rig!(rig());
    let token_len = rig.get("RIG_TEMP_SESSION_TOKEN").len();
    assert!(
        token_len > 1000,
        "the rig's session token should make a long RDS token"
    );
    let uri = format!("postgresql://app@{}:{}/app", rig.name(), rig.port());
    let out = run(vouch(
        &rig,
        &[
            "exec",
            "--ca-bundle",
            rig.ca(),
            "--",
            "psql",
            &uri,
            "-Atc",
            "select current_user",
        ],
        &rig.env("temporary"),
        true,
    ));
    assert_current_user(&out, "app");
}

#[test]
fn odd_user_names() {
    let rig = need_rig!(rig());
    for user in ["app@corp", "a+b", "a b"] {
        let out = run(vouch(
            &rig,
            &[
                "exec",
                "--ca-bundle",
                rig.ca(),
                "--",
                "psql",
                &format!("--host={}", rig.name()),
                &format!("--port={}", rig.port()),
                &format!("--username={user}"),
                "--dbname=app",
                "-Atc",
                "select current_user",
            ],
            &rig.env("temporary"),
            true,
        ));
        assert_current_user(&out, user);
    }
}

#[test]
fn tunnel_with_iam_host() {
    // The client connects to 127.0.0.1; the token is signed for the RDS name
    // at the rig's port, and the certificate is checked against the CA only.
    let rig = need_rig!(rig());
    let iam = format!("{}:{}", rig.name(), rig.port());
    let out = run(vouch(
        &rig,
        &[
            "exec",
            "--iam-host",
            &iam,
            "--ca-bundle",
            rig.ca(),
            "--",
            "psql",
            "-h",
            "127.0.0.1",
            "-p",
            rig.port(),
            "-U",
            "app",
            "app",
            "-Atc",
            "select current_user",
        ],
        &rig.env("static"),
        false,
    ));
    assert_current_user(&out, "app");
}

#[test]
fn cname_alias_is_followed() {
    let rig = need_rig!(rig());
    let out = run(vouch(
        &rig,
        &[
            "exec",
            "-v",
            "--ca-bundle",
            rig.ca(),
            "--",
            "psql",
            "-h",
            "db.example.test",
            "-p",
            rig.port(),
            "-U",
            "app",
            "-Atc",
            "select current_user",
            "app",
        ],
        &rig.env("static"),
        true,
    ));
    assert_current_user(&out, "app");
    assert!(
        text(&out.stderr).contains("CNAME of db.example.test"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn pg_dump_through_a_service_file() {
    let rig = need_rig!(rig());
    let service = rig.home.path().join("services.conf");
    std::fs::write(
        &service,
        format!(
            "[prod]\nhost={}\nport={}\nuser=app\ndbname=app\n",
            rig.name(),
            rig.port()
        ),
    )
    .unwrap();
    let dump = rig.home.path().join("app.dump");
    let mut env = rig.env("static");
    env.push(("PGSERVICE".into(), "prod".into()));
    env.push(("PGSERVICEFILE".into(), service.display().to_string()));
    let out = run(vouch(
        &rig,
        &[
            "exec",
            "--ca-bundle",
            rig.ca(),
            "--",
            "pg_dump",
            "-Fc",
            "-f",
            dump.to_str().unwrap(),
        ],
        &env,
        true,
    ));
    assert!(
        out.status.success(),
        "pg_dump failed: {}",
        text(&out.stderr)
    );
    let bytes = std::fs::read(&dump).unwrap();
    assert!(bytes.starts_with(b"PGDMP"), "not a custom-format dump");
}

#[test]
fn exit_status_is_the_clients() {
    // psql exits 3 when a script fails under ON_ERROR_STOP, 1 when a -c
    // command fails: vouch must hand back exactly that.
    let rig = need_rig!(rig());
    let script = rig.home.path().join("fail.sql");
    std::fs::write(&script, "select 1;\nselect 1/0;\nselect 2;\n").unwrap();
    let base = ["-v", "ON_ERROR_STOP=1"];
    for (extra, code) in [
        (["-f", script.to_str().unwrap()], 3),
        (["-c", "select 1/0"], 1),
    ] {
        let rest: Vec<&str> = base.iter().copied().chain(extra).collect();
        let out = run(vouch(&rig, &rig.psql_app(&rest), &rig.env("static"), true));
        assert_eq!(
            out.status.code(),
            Some(code),
            "{extra:?}: {}",
            text(&out.stderr)
        );
        assert!(text(&out.stderr).contains("division by zero"));
    }
}

#[test]
fn sslmode_disable_is_refused_before_connecting() {
    let rig = need_rig!(rig());
    let conninfo = format!(
        "host={} port={} user=app dbname=app sslmode=disable",
        rig.name(),
        rig.port()
    );
    let out = run(vouch(
        &rig,
        &["exec", "--", "psql", &conninfo, "-c", "select 1"],
        &rig.env("static"),
        true,
    ));
    assert_eq!(out.status.code(), Some(6));
    let err = text(&out.stderr);
    assert!(err.starts_with("vouch: sslmode=disable"), "{err}");
    assert!(!err.contains("psql:"), "psql must not have run: {err}");
}

/// Run psql with a token given by hand, as a user pasting one would.
fn psql_with_token(rig: &Rig, user: &str, token: &str) -> Output {
    Command::new("psql")
        .arg(format!(
            "host=127.0.0.1 port={} user={user} dbname=app sslmode=verify-ca sslrootcert={}",
            rig.port(),
            rig.ca()
        ))
        .args(["-Atc", "select current_user"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("PGPASSWORD", token)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn server_refuses_tampered_expired_and_other_user_tokens() {
    let Some(rig) = rig() else { return };
    let good = rig.credential_rds("127.0.0.1", "app", "static");
    assert_current_user(&psql_with_token(&rig, "app", &good), "app");

    for (what, token) in rig.refused_tokens(&good) {
        let out = psql_with_token(&rig, "app", &token);
        assert!(!out.status.success(), "{what} token was accepted");
        let err = text(&out.stderr);
        assert!(
            err.contains("PAM authentication failed for user \"app\""),
            "{what}: {err}"
        );
    }
}

#[test]
fn wrong_secret_is_refused_by_the_server() {
    let rig = need_rig!(rig());
    let env = rig.env_with_wrong_secret();
    let out = run(vouch(&rig, &rig.psql_app(&["-c", "select 1"]), &env, true));
    assert_eq!(
        out.status.code(),
        Some(2),
        "psql's own exit code for a failed connection"
    );
    assert!(
        text(&out.stderr).contains("PAM authentication failed for user \"app\""),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn token_is_not_in_the_clients_argv_and_vouch_is_gone() {
    let rig = need_rig!(rig());
    let cmd = vouch(
        &rig,
        &rig.psql_app(&["-Atc", "select pg_sleep(3)"]),
        &rig.env("temporary"),
        true,
    );
    // psql's image under the PID we started, the token in PGPASSWORD and
    // not in its argv.
    let (_argv, out) = watch_client(cmd, "psql", "PGPASSWORD");
    assert!(
        out.status.success(),
        "psql failed ({}): {}",
        out.status,
        text(&out.stderr)
    );
}
