//! End to end: `vouch login` with a software X.509 key against the local IAM
//! Roles Anywhere endpoint (which checks the request as AWS does), the
//! session cache, `vouch status`, `vouch credential aws` used by the real
//! AWS CLI as `credential_process`, and `vouch exec -- psql` signing with the
//! session's credentials against the PostgreSQL rig.
//!
//! The endpoint hands out the rigs' fake temporary keys, so a token made
//! from the session is one the PostgreSQL rig's verifier accepts.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::support::output::{assert_exit_says, describe};
use crate::support::rig::{run, text, vouch, Rig};
use crate::support::{missing, vouch_bin};

fn ra() -> Option<Rig> {
    Rig::load("VOUCH_RA_RIG_ENV", "the IAM Roles Anywhere test endpoint")
}

fn pg() -> Option<Rig> {
    Rig::load("VOUCH_RIG_ENV", "the PostgreSQL test rig")
}

/// A home with a vouch configuration for the software key `kind` ("RSA",
/// "EC", "P384", "UNTRUSTED", "EXPIRED") at the endpoint, and a clean
/// environment with no AWS credentials in it.
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new(ra: &Rig, kind: &str) -> Home {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join(".config/vouch");
        std::fs::create_dir_all(&cfg).unwrap();
        let file = cfg.join("config.toml");
        std::fs::write(
            &file,
            format!(
                "source = \"software-key\"\n\n[software-key]\ncertificate = \"{}\"\nprivate_key = \"{}\"\ntrust_anchor_arn = \"{}\"\nprofile_arn = \"{}\"\nrole_arn = \"{}\"\nendpoint = \"{}\"\nca_bundle = \"{}\"\n",
                ra.get(&format!("RA_{kind}_CERT")),
                ra.get(&format!("RA_{kind}_KEY")),
                ra.get("RA_TRUST_ANCHOR_ARN"),
                ra.get("RA_PROFILE_ARN"),
                ra.get("RA_ROLE_ARN"),
                ra.get("RA_URL"),
                ra.get("RA_CA"),
            ),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        Home { dir }
    }
    fn path(&self) -> &Path {
        self.dir.path()
    }
    fn env(&self) -> Vec<(String, String)> {
        vec![
            ("PATH".into(), std::env::var("PATH").unwrap_or_default()),
            ("HOME".into(), self.path().display().to_string()),
            ("AWS_CONFIG_FILE".into(), "/nonexistent".into()),
            ("AWS_SHARED_CREDENTIALS_FILE".into(), "/nonexistent".into()),
            ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
        ]
    }
    fn vouch(&self, args: &[&str]) -> Output {
        Command::new(vouch_bin())
            .args(args)
            .env_clear()
            .envs(self.env())
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }
    fn sessions(&self) -> PathBuf {
        self.path().join(".cache/vouch/sessions")
    }
}

#[test]
fn login_with_a_software_key_then_status_and_logout() {
    let Some(ra) = ra() else { return };
    for kind in ["RSA", "EC", "P384"] {
        let home = Home::new(&ra, kind);
        let out = home.vouch(&["status"]);
        assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
        assert!(text(&out.stdout).contains("run `vouch login`"));

        let out = home.vouch(&["login"]);
        assert!(out.status.success(), "{kind}: {}", describe(&out));
        let err = text(&out.stderr);
        assert!(err.contains("logged in: vouch-ra-"), "{err}");
        assert!(err.contains("not hardware-backed"), "{err}");
        assert!(!err.contains(ra.get("RA_SECRET")), "{err}");

        let out = home.vouch(&["status", "--format", "json"]);
        assert!(out.status.success(), "{}", describe(&out));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["logged_in"], true);
        assert_eq!(v["source"], "software-key");
        assert_eq!(v["hardware_backed"], false);
        let left = v["seconds_left"].as_u64().unwrap();
        assert!((3500..=3600).contains(&left), "{left}");
        assert!(!text(&out.stdout).contains(ra.get("RA_SECRET")));

        // The session file is private.
        use std::os::unix::fs::PermissionsExt;
        let files: Vec<_> = std::fs::read_dir(home.sessions())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".json"))
            .collect();
        assert_eq!(files.len(), 1);
        let mode = files[0].metadata().unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);

        let out = home.vouch(&["logout"]);
        assert!(out.status.success(), "{}", describe(&out));
        assert!(text(&out.stderr).contains("removed 1 cached session"));
        assert_eq!(home.vouch(&["status"]).status.code(), Some(2));
    }
}

#[test]
fn the_endpoint_refuses_what_aws_refuses() {
    let Some(ra) = ra() else { return };
    for (kind, code, words) in [("UNTRUSTED", 5, "Untrusted"), ("EXPIRED", 6, "expired")] {
        let home = Home::new(&ra, kind);
        let out = home.vouch(&["login"]);
        assert_eq!(out.status.code(), Some(code), "{kind}: {}", describe(&out));
        assert!(
            text(&out.stderr).contains(words),
            "{kind}: {}",
            describe(&out)
        );
        assert!(!home.sessions().join("x").exists());
    }
}

#[test]
fn exec_without_a_session_and_without_a_terminal_asks_for_login() {
    let Some(ra) = ra() else { return };
    let home = Home::new(&ra, "EC");
    let out = home.vouch(&[
        "exec",
        "--",
        "psql",
        "-h",
        "mydb.cluster-abc123.us-east-1.rds.amazonaws.com",
        "-U",
        "app",
    ]);
    assert_exit_says(&out, 2, "run `vouch login`");
}

#[test]
fn exec_signs_with_the_session_and_psql_logs_in() {
    let Some(ra) = ra() else { return };
    let Some(pg) = pg() else { return };
    if !crate::support::rig::root_for_namespace() {
        return;
    }
    let home = Home::new(&ra, "RSA");
    let out = home.vouch(&["login"]);
    assert!(out.status.success(), "{}", describe(&out));
    let out = run(vouch(
        &pg,
        &pg.psql_app(&["-Atc", "select current_user"]),
        &home.env(),
        true,
    ));
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(text(&out.stdout).trim(), "app", "{}", describe(&out));
}

#[test]
fn the_aws_cli_takes_the_session_through_credential_process() {
    let Some(ra) = ra() else { return };
    let Some(pg) = pg() else { return };
    let Ok(aws) = which_aws() else {
        return missing("the AWS CLI (aws, installed by scripts/setup.sh)");
    };
    let home = Home::new(&ra, "EC");
    assert!(home.vouch(&["login"]).status.success());
    let aws_config = home.path().join("aws-config");
    std::fs::write(
        &aws_config,
        format!(
            "[profile vouch]\ncredential_process = {} credential aws\nregion = us-east-1\n",
            vouch_bin().display()
        ),
    )
    .unwrap();
    let out = Command::new(aws)
        .args([
            "rds",
            "generate-db-auth-token",
            "--profile",
            "vouch",
            "--hostname",
            "127.0.0.1",
            "--port",
            pg.port(),
            "--username",
            "app",
        ])
        .env_clear()
        .envs(home.env())
        .env("AWS_CONFIG_FILE", &aws_config)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    let token = text(&out.stdout).trim().to_string();
    assert!(
        token.contains(&format!("X-Amz-Credential={}%2F", ra.get("RA_AKID"))),
        "{token}"
    );
    // The token from the AWS CLI, made with the session, logs in.
    let psql = Command::new("psql")
        .arg(format!(
            "host=127.0.0.1 port={} user=app dbname=app sslmode=verify-ca sslrootcert={}",
            pg.port(),
            pg.ca()
        ))
        .args(["-Atc", "select current_user"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("PGPASSWORD", &token)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(psql.status.success(), "{}", describe(&psql));
    assert_eq!(text(&psql.stdout).trim(), "app");
}

fn which_aws() -> Result<PathBuf, which::Error> {
    which::which("aws")
}

#[test]
fn twenty_logins_at_once_make_one_session() {
    let Some(ra) = ra() else { return };
    let home = Home::new(&ra, "EC");
    // A duration no other test asks for marks this test's requests in the
    // endpoint's log.
    let marker = "ACCEPT 201 duration 1020s";
    let count = || {
        std::fs::read_to_string(ra.get("RA_LOG"))
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains(marker))
            .count()
    };
    let before = count();
    let children: Vec<_> = (0..20)
        .map(|_| {
            Command::new(vouch_bin())
                .args(["login", "--duration", "17m"])
                .env_clear()
                .envs(home.env())
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    assert_eq!(count() - before, 1, "one CreateSession for 20 logins");
}

#[test]
fn exec_in_a_terminal_logs_in_first() {
    let Some(ra) = ra() else { return };
    let home = Home::new(&ra, "EC");
    // `script` runs the command on a pseudo-terminal, as a user's shell would.
    let cmd = format!(
        "{} exec --explain -- psql -h mydb.cluster-abc123.us-east-1.rds.amazonaws.com -U app",
        vouch_bin().display()
    );
    let out = Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .env_clear()
        .envs(home.env())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let all = text(&out.stdout);
    assert!(out.status.success(), "{}", describe(&out));
    assert!(all.contains("logged in: vouch-ra-ec"), "{all}");
    assert!(all.contains("credentials: vouch session"), "{all}");
    // The session is cached: a run without a terminal now uses it.
    let out = home.vouch(&[
        "exec",
        "--explain",
        "--",
        "psql",
        "-h",
        "mydb.cluster-abc123.us-east-1.rds.amazonaws.com",
        "-U",
        "app",
    ]);
    assert!(out.status.success(), "{}", describe(&out));
}

#[test]
fn tokens_are_not_made_from_a_session_that_ends_before_them() {
    let Some(ra) = ra() else { return };
    let home = Home::new(&ra, "EC");
    // A profile that grants only 15 minutes: less than a token's lifetime
    // is left at once.
    let file = home.path().join(".config/vouch/config.toml");
    let cfg = std::fs::read_to_string(&file)
        .unwrap()
        .replace(ra.get("RA_PROFILE_ARN"), ra.get("RA_SHORT_PROFILE_ARN"));
    std::fs::write(&file, cfg).unwrap();
    let out = home.vouch(&["login"]);
    assert!(out.status.success(), "{}", describe(&out));
    assert!(
        text(&out.stderr).contains("tokens made from it would end with it"),
        "{}",
        describe(&out)
    );
    // No token from it without a terminal to log in again...
    let out = home.vouch(&[
        "credential",
        "rds",
        "--hostname",
        "mydb.cluster-abc123.us-east-1.rds.amazonaws.com",
        "--username",
        "app",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(
        text(&out.stderr).contains("less than 900 s left"),
        "{}",
        describe(&out)
    );
    // ...while the credentials themselves are still handed out.
    let out = home.vouch(&["credential", "aws"]);
    assert!(out.status.success(), "{}", describe(&out));
}
