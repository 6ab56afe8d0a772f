//! End to end: Redshift through `vouch exec -- psql` and
//! `vouch credential redshift`.
//!
//! The PostgreSQL rig stands in for a provisioned cluster (`analytics`)
//! and a Serverless workgroup (`wg1`): its roles `IAM:alice`,
//! `IAMA:alice` and `IAMR:vouch-db-role` log in only with a password the
//! rig's Redshift API endpoint (rig/redshift_endpoint.py: SigV4, identity
//! and permission checks as AWS makes them) issued for that very user and
//! that has not expired: the endpoint records each one it issues, and the
//! server's PAM verifier checks against that record, as a cluster learns
//! of the credentials its control plane hands out. The rig's static key is
//! the IAM user `alice`, its temporary key the role `vouch-db-role`, and a
//! third key is allowed nothing. moto serves `GetClusterCredentials` for
//! the check against a second implementation and the AWS CLI's output.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::need_rig;
use crate::support::moto::start_moto;
use crate::support::output::describe;
use crate::support::rig::{run, text, vouch, Rig};

fn rig() -> Option<Rig> {
    Rig::load("VOUCH_RIG_ENV", "the PostgreSQL test rig")
}

/// The rig's environment with `creds` ("static", "temporary", "denied"),
/// the Redshift endpoints pointed at the rig's.
fn env(rig: &Rig, creds: &str) -> Vec<(String, String)> {
    let mut env = rig.env(if creds == "temporary" {
        "temporary"
    } else {
        "static"
    });
    if creds == "denied" {
        for (k, v) in env.iter_mut() {
            match k.as_str() {
                "AWS_ACCESS_KEY_ID" => *v = rig.get("RIG_DENIED_AKID").into(),
                "AWS_SECRET_ACCESS_KEY" => *v = rig.get("RIG_DENIED_SECRET").into(),
                _ => {}
            }
        }
    }
    let url = rig.get("RIG_REDSHIFT_URL").to_string();
    env.push(("AWS_ENDPOINT_URL_REDSHIFT".into(), url.clone()));
    env.push(("AWS_ENDPOINT_URL_REDSHIFT_SERVERLESS".into(), url));
    env
}

fn cluster(rig: &Rig) -> &str {
    rig.get("RIG_REDSHIFT_CLUSTER_HOST")
}

fn workgroup(rig: &Rig) -> &str {
    rig.get("RIG_REDSHIFT_WORKGROUP_HOST")
}

/// `exec --ca-bundle RIG_CA VOUCH_ARGS -- psql -h HOST -p PORT -d dev -Atc SQL`.
fn psql_args<'a>(
    rig: &'a Rig,
    vouch_args: &[&'a str],
    host: &'a str,
    sql: &'a str,
) -> Vec<&'a str> {
    let mut a = vec!["exec", "--ca-bundle", rig.ca()];
    a.extend_from_slice(vouch_args);
    a.extend_from_slice(&[
        "--",
        "psql",
        "-h",
        host,
        "-p",
        rig.port(),
        "-d",
        "dev",
        "-Atc",
        sql,
    ]);
    a
}

fn ok_stdout(out: &Output) -> String {
    assert!(out.status.success(), "{}", describe(out));
    text(&out.stdout).trim().to_string()
}

/// How many passwords the endpoint has issued so far with this duration
/// (tests run in parallel: a duration of its own marks a test's calls).
fn issued(rig: &Rig, duration: u64) -> usize {
    let store = PathBuf::from(rig.get("RIG_DIR")).join("redshift-issued.jsonl");
    std::fs::read_to_string(store)
        .unwrap()
        .lines()
        .filter(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["duration"] == duration)
        .count()
}

/// `env` with `key` set to `value`.
fn with(mut env: Vec<(String, String)>, key: &str, value: &str) -> Vec<(String, String)> {
    for (k, v) in env.iter_mut() {
        if k == key {
            *v = value.to_string();
        }
    }
    env
}

/// `vouch exec ... -- psql -h HOST` with `env` fails with `code`, says
/// `words`, and no client ran.
#[track_caller]
fn refused(
    rig: &Rig,
    flags: &[&str],
    host: &str,
    env: &[(String, String)],
    code: i32,
    words: &str,
) {
    let out = run(vouch(
        rig,
        &psql_args(rig, flags, host, "select 1"),
        env,
        true,
    ));
    assert_eq!(
        out.status.code(),
        Some(code),
        "{flags:?}: {}",
        describe(&out)
    );
    assert!(
        text(&out.stderr).contains(words),
        "{flags:?}: {}",
        describe(&out)
    );
    assert!(out.stdout.is_empty(), "no client ran: {}", describe(&out));
}

const WHO: &str = "select current_user || ' ' || current_database() || ' ' || ssl from pg_stat_ssl where pid = pg_backend_pid()";

#[test]
fn a_cluster_name_logs_psql_in_as_the_iam_user_with_one_call() {
    let rig = need_rig!(rig());
    let before = issued(&rig, 1234);
    let out = run(vouch(
        &rig,
        &psql_args(&rig, &["--duration", "1234"], cluster(&rig), WHO),
        &env(&rig, "static"),
        true,
    ));
    assert_eq!(ok_stdout(&out), "IAM:alice dev true");
    assert_eq!(
        issued(&rig, 1234),
        before + 1,
        "one GetClusterCredentialsWithIAM call"
    );
}

#[test]
fn a_workgroup_name_logs_an_assumed_role_in() {
    let rig = need_rig!(rig());
    let out = run(vouch(
        &rig,
        &psql_args(&rig, &[], workgroup(&rig), WHO),
        &env(&rig, "temporary"),
        true,
    ));
    assert_eq!(ok_stdout(&out), "IAMR:vouch-db-role dev true");
}

#[test]
fn db_user_asks_for_that_user_and_auto_create_makes_it_iama() {
    let rig = need_rig!(rig());
    for (flags, want) in [
        (vec!["--db-user", "alice"], "IAM:alice"),
        (
            vec![
                "--db-user",
                "alice",
                "--auto-create",
                "--db-groups",
                "analysts,readers",
            ],
            "IAMA:alice",
        ),
    ] {
        let out = run(vouch(
            &rig,
            &psql_args(&rig, &flags, cluster(&rig), "select current_user"),
            &env(&rig, "static"),
            true,
        ));
        assert_eq!(ok_stdout(&out), want, "{flags:?}");
    }
}

/// A name that does not carry the cluster (a tunnel, a VPC endpoint)
/// needs --cluster-id, and is then checked with verify-ca.
#[test]
fn other_names_need_the_cluster_id() {
    let rig = need_rig!(rig());
    let vpce = "my-vpce-endpoint-abcdefghij12.c0abcdefgh12.us-east-1.redshift.amazonaws.com";
    let out = run(vouch(
        &rig,
        &psql_args(&rig, &[], vpce, "select 1"),
        &env(&rig, "static"),
        false,
    ));
    assert_eq!(out.status.code(), Some(6), "{}", describe(&out));
    assert!(
        text(&out.stderr).contains("pass --cluster-id ID"),
        "{}",
        describe(&out)
    );

    let out = run(vouch(
        &rig,
        &psql_args(
            &rig,
            &["--cluster-id", "analytics", "--region", "us-east-1"],
            "localhost",
            "select current_user || ' ' || current_setting('ssl')",
        ),
        &env(&rig, "static"),
        false,
    ));
    assert_eq!(ok_stdout(&out), "IAM:alice on");
    let explain = run(vouch(
        &rig,
        &[
            "exec",
            "--explain",
            "--ca-bundle",
            rig.ca(),
            "--cluster-id",
            "analytics",
            "--region",
            "us-east-1",
            "--",
            "psql",
            "-h",
            "localhost",
            "-d",
            "dev",
        ],
        &env(&rig, "static"),
        false,
    ));
    let e = ok_stdout(&explain);
    // Not downgraded to verify-ca: any public certificate would pass that.
    assert!(e.contains("sslmode=verify-full"), "{e}");
    assert!(
        e.contains("GetClusterCredentialsWithIAM for cluster analytics"),
        "{e}"
    );
}

/// The server refuses a password that is not the one issued for the user.
#[test]
fn the_server_takes_only_the_issued_password_for_its_user() {
    let rig = need_rig!(rig());
    let cred = |flags: &[&str]| -> serde_json::Value {
        let mut args = vec![
            "credential",
            "redshift",
            "--cluster-id",
            "analytics",
            "--db-name",
            "dev",
            "--region",
            "us-east-1",
        ];
        args.extend_from_slice(flags);
        let out = run(vouch(&rig, &args, &env(&rig, "static"), false));
        serde_json::from_str(&ok_stdout(&out)).unwrap()
    };
    let iam = cred(&[]);
    let iama = cred(&["--db-user", "alice", "--auto-create"]);
    assert_eq!(iam["DbUser"], "IAM:alice");
    assert_eq!(iama["DbUser"], "IAMA:alice");
    let password = iam["DbPassword"].as_str().unwrap();
    assert!(password.len() >= 100, "long passwords arrive whole");
    let mut tampered = password.to_string();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    let psql = |user: &str, password: &str| -> Output {
        let mut cmd = Command::new("psql");
        cmd.args([
            "-h",
            "127.0.0.1",
            "-p",
            rig.port(),
            "-U",
            user,
            "-d",
            "dev",
            "-Atc",
            "select current_user",
        ])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("PGPASSWORD", password)
        .env("PGSSLMODE", "verify-ca")
        .env("PGSSLROOTCERT", rig.ca())
        .stdin(Stdio::null());
        cmd.output().unwrap()
    };
    assert_eq!(ok_stdout(&psql("IAM:alice", password)), "IAM:alice");
    for (what, user, pw) in [
        ("tampered", "IAM:alice", tampered.as_str()),
        (
            "another user's",
            "IAM:alice",
            iama["DbPassword"].as_str().unwrap(),
        ),
        ("for another user", "IAMA:alice", password),
    ] {
        let out = psql(user, pw);
        assert!(!out.status.success(), "{what}: {}", describe(&out));
        assert!(
            text(&out.stderr).contains("PAM authentication failed"),
            "{what}: {}",
            describe(&out)
        );
    }
}

#[test]
fn credential_redshift_prints_json_or_shell() {
    let rig = need_rig!(rig());
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let out = run(vouch(
        &rig,
        &[
            "credential",
            "redshift",
            "--workgroup",
            "wg1",
            "--db-name",
            "dev",
            "--duration",
            "3600",
            "--region",
            "us-east-1",
        ],
        &env(&rig, "static"),
        false,
    ));
    let json = ok_stdout(&out);
    let keys: Vec<&str> = json
        .lines()
        .filter_map(|l| l.trim().strip_prefix('"')?.split('"').next())
        .collect();
    assert_eq!(keys, ["DbUser", "DbPassword", "Expiration"], "{json}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["DbUser"], "IAM:alice");
    let exp = v["Expiration"].as_str().unwrap();
    let at = time::OffsetDateTime::parse(exp, &time::format_description::well_known::Rfc3339)
        .unwrap()
        .unix_timestamp() as u64;
    assert!(at > now + 3500 && at <= now + 3601, "{exp}");

    let out = run(vouch(
        &rig,
        &[
            "credential",
            "redshift",
            "--cluster-id",
            "analytics",
            "--format",
            "env",
            "--region",
            "us-east-1",
        ],
        &env(&rig, "static"),
        false,
    ));
    let sh = ok_stdout(&out);
    assert!(
        sh.starts_with("export PGUSER='IAM:alice';\nexport PGPASSWORD='"),
        "{sh}"
    );
    assert!(sh.contains("\nexport VOUCH_EXPIRES_AT='"), "{sh}");
}

/// `vouch env` (what the hook runs for a Redshift target): PGUSER as
/// returned, the expiry the API gave.
#[test]
fn vouch_env_carries_the_returned_user_and_expiry() {
    let rig = need_rig!(rig());
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let out = run(vouch(
        &rig,
        &[
            "env",
            "--shell",
            "json",
            "--ca-bundle",
            rig.ca(),
            "--duration",
            "1800",
            "--",
            "psql",
            "-h",
            cluster(&rig),
            "-p",
            rig.port(),
            "-d",
            "dev",
        ],
        &env(&rig, "static"),
        true,
    ));
    let v: serde_json::Value = serde_json::from_str(&ok_stdout(&out)).unwrap();
    assert_eq!(v["PGUSER"], "IAM:alice");
    assert_eq!(v["PGSSLMODE"], "verify-full");
    assert!(v["PGPASSWORD"].as_str().unwrap().len() >= 100);
    let at: u64 = v["VOUCH_EXPIRES_AT"].as_str().unwrap().parse().unwrap();
    assert!(at > now + 1700 && at <= now + 1801, "{at}");
}

/// Errors map to the exit-code table, say what to do, and start no
/// client.
#[test]
fn errors_name_the_fix_and_start_no_client() {
    let rig = need_rig!(rig());
    let closed = crate::support::moto::free_port();
    let cases: Vec<(Vec<&str>, &str, i32, &str)> = vec![
        (
            vec!["--cluster-id", "nosuch", "--region", "us-east-1"],
            "static",
            6,
            "ClusterNotFound",
        ),
        (
            vec![],
            "denied",
            5,
            "needs redshift:GetClusterCredentialsWithIAM",
        ),
        (vec!["--db-user", "IAM:alice"], "static", 6, "without IAM:"),
        (vec!["--duration", "60"], "static", 6, "900 to 3600"),
        (vec!["--workgroup", "wg1"], "static", 6, "the options say"),
    ];
    for (flags, creds, code, words) in cases {
        let host = if flags.contains(&"nosuch") {
            "localhost"
        } else {
            cluster(&rig)
        };
        refused(&rig, &flags, host, &env(&rig, creds), code, words);
    }
    // Serverless: access denied names its own action.
    let denied = env(&rig, "denied");
    refused(
        &rig,
        &[],
        workgroup(&rig),
        &denied,
        5,
        "redshift-serverless:GetCredentials",
    );
    // The network: nothing listens there.
    let e = with(
        env(&rig, "static"),
        "AWS_ENDPOINT_URL_REDSHIFT",
        &format!("http://127.0.0.1:{closed}"),
    );
    refused(&rig, &[], cluster(&rig), &e, 4, "cannot reach Redshift");
    // A -U other than the returned user would override PGUSER: refused
    // after the call, before any client runs.
    let mut args = psql_args(&rig, &[], cluster(&rig), "select 1");
    args.extend_from_slice(&["-U", "bob"]);
    let out = run(vouch(&rig, &args, &env(&rig, "static"), true));
    assert_eq!(out.status.code(), Some(6), "{}", describe(&out));
    assert!(text(&out.stderr).contains("\"bob\""), "{}", describe(&out));
    assert!(
        text(&out.stderr).contains("give exactly \"IAM:alice\""),
        "{}",
        describe(&out)
    );
    // The same user as returned is fine.
    let mut args = psql_args(&rig, &[], cluster(&rig), "select current_user");
    args.extend_from_slice(&["-U", "IAM:alice"]);
    let out = run(vouch(&rig, &args, &env(&rig, "static"), true));
    assert_eq!(ok_stdout(&out), "IAM:alice");
}

/// The password goes to psql in PGPASSWORD, never on its command line, and
/// vouch leaves no process behind (psql runs under vouch's PID).
#[test]
fn the_password_is_not_in_argv() {
    let rig = need_rig!(rig());
    let mut cmd = vouch(
        &rig,
        &psql_args(&rig, &[], cluster(&rig), "select pg_sleep(2)"),
        &env(&rig, "static"),
        true,
    );
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let proc = PathBuf::from(format!("/proc/{}", child.id()));
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut checked = false;
    while Instant::now() < deadline && !checked {
        let exe = std::fs::read_link(proc.join("exe")).unwrap_or_default();
        if exe.file_name().is_some_and(|n| n == "psql") {
            let environ = text(&std::fs::read(proc.join("environ")).unwrap_or_default());
            let Some(pw) = environ
                .split('\0')
                .find_map(|v| v.strip_prefix("PGPASSWORD="))
            else {
                std::thread::sleep(Duration::from_millis(5));
                continue;
            };
            let cmdline = text(&std::fs::read(proc.join("cmdline")).unwrap());
            assert!(pw.len() >= 100);
            assert!(!cmdline.contains(pw), "password in argv");
            assert!(
                environ.contains("\0PGUSER=IAM:alice\0"),
                "PGUSER as returned"
            );
            checked = true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        checked,
        "never saw psql under vouch's pid: {}",
        describe(&out)
    );
    assert!(out.status.success(), "{}", describe(&out));
}

/// moto's GetClusterCredentials, through vouch and through the AWS CLI:
/// the same user, the AWS CLI's shape; an unknown cluster is exit 6.
#[test]
fn get_cluster_credentials_against_moto() {
    let dir = tempfile::tempdir().unwrap();
    let Some(moto) = start_moto(&dir.path().join("moto.log")) else {
        return;
    };
    let env = |cmd: &mut Command| {
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", dir.path())
            .env("AWS_ACCESS_KEY_ID", "AKIAMOTOTEST00000001")
            .env("AWS_SECRET_ACCESS_KEY", "motoSecret")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env("AWS_CONFIG_FILE", "/nonexistent")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_ENDPOINT_URL", moto.url())
            .stdin(Stdio::null());
    };
    let mut aws = Command::new("aws");
    aws.args([
        "redshift",
        "create-cluster",
        "--cluster-identifier",
        "analytics",
        "--node-type",
        "dc2.large",
        "--master-username",
        "admin",
        "--master-user-password",
        "Passw0rd1",
    ]);
    env(&mut aws);
    let out = aws.output().unwrap();
    assert!(out.status.success(), "{}", describe(&out));

    let mut aws = Command::new("aws");
    aws.args([
        "redshift",
        "get-cluster-credentials",
        "--cluster-identifier",
        "analytics",
        "--db-user",
        "alice",
        "--db-name",
        "dev",
        "--auto-create",
    ]);
    env(&mut aws);
    let cli: serde_json::Value = serde_json::from_str(&ok_stdout(&aws.output().unwrap())).unwrap();

    let mut v = Command::new(crate::support::vouch_bin());
    v.args([
        "credential",
        "redshift",
        "--cluster-id",
        "analytics",
        "--db-user",
        "alice",
        "--db-name",
        "dev",
        "--auto-create",
    ]);
    env(&mut v);
    let ours: serde_json::Value = serde_json::from_str(&ok_stdout(&v.output().unwrap())).unwrap();
    assert_eq!(ours["DbUser"], cli["DbUser"], "{ours} vs {cli}");
    let keys = |j: &serde_json::Value| {
        let mut k: Vec<String> = j.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&ours), keys(&cli));
    assert!(!ours["DbPassword"].as_str().unwrap().is_empty());

    let mut v = Command::new(crate::support::vouch_bin());
    v.args([
        "credential",
        "redshift",
        "--cluster-id",
        "nosuch",
        "--db-user",
        "alice",
    ]);
    env(&mut v);
    let out = v.output().unwrap();
    assert_eq!(out.status.code(), Some(6), "{}", describe(&out));
    assert!(
        text(&out.stderr).contains("ClusterNotFound"),
        "{}",
        describe(&out)
    );
}

/// The rig's Redshift API answers the AWS CLI (botocore's signing, an
/// implementation independent of vouch's SDK) as it answers vouch, and a
/// request signed with the wrong secret is refused (vouch: exit 2).
#[test]
fn the_local_redshift_api_takes_the_aws_cli_and_refuses_bad_signatures() {
    let rig = need_rig!(rig());
    let aws = |args: &[&str]| -> Output {
        let mut cmd = Command::new("aws");
        cmd.args(args)
            .args(["--region", "us-east-1", "--output", "json"])
            .env_clear()
            .envs(env(&rig, "static"))
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .stdin(Stdio::null());
        cmd.output().unwrap()
    };
    let out = aws(&[
        "redshift",
        "get-cluster-credentials-with-iam",
        "--cluster-identifier",
        "analytics",
        "--db-name",
        "dev",
    ]);
    let v: serde_json::Value = serde_json::from_str(&ok_stdout(&out)).unwrap();
    assert_eq!(v["DbUser"], "IAM:alice", "{v}");
    let out = aws(&[
        "redshift-serverless",
        "get-credentials",
        "--workgroup-name",
        "wg1",
        "--db-name",
        "dev",
    ]);
    let v: serde_json::Value = serde_json::from_str(&ok_stdout(&out)).unwrap();
    assert_eq!(v["dbUser"], "IAM:alice", "{v}");
    let out = aws(&[
        "redshift",
        "get-cluster-credentials-with-iam",
        "--cluster-identifier",
        "nosuch",
    ]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("ClusterNotFound"),
        "{}",
        describe(&out)
    );

    let e = with(
        env(&rig, "static"),
        "AWS_SECRET_ACCESS_KEY",
        "wrongwrongwrongwrongwrongwrongwrongwrong",
    );
    refused(&rig, &[], cluster(&rig), &e, 2, "SignatureDoesNotMatch");
}

/// Through a tunnel, the cluster's own name with hostaddr keeps
/// verify-full; verify-ca against the system's CA bundle is refused (any
/// publicly issued certificate, for any name, would pass it); a named
/// target can carry hostaddr, and its cluster applies to its host only.
#[test]
fn tunnels_keep_the_certificate_check() {
    let rig = need_rig!(rig());
    let conninfo = format!(
        "host={} hostaddr=127.0.0.1 port={} dbname=dev",
        cluster(&rig),
        rig.port()
    );
    let out = run(vouch(
        &rig,
        &[
            "exec",
            "--ca-bundle",
            rig.ca(),
            "--",
            "psql",
            &conninfo,
            "-Atc",
            "select current_user",
        ],
        &env(&rig, "static"),
        false,
    ));
    assert_eq!(ok_stdout(&out), "IAM:alice");

    // Anything short of verify-full is refused, whoever names the roots
    // (only --ca-bundle, on the command line, allows verify-ca).
    for (extra, words) in [
        (
            "sslmode=verify-ca",
            "sslmode=verify-ca would accept any certificate",
        ),
        (
            "sslmode=verify-ca sslrootcert=/etc/ssl/certs/ca-certificates.crt",
            "sslmode=verify-ca would accept any certificate",
        ),
        ("sslmode=require", "sslmode=require does not check"),
    ] {
        let conninfo = format!("host=localhost port={} dbname=dev {extra}", rig.port());
        let out = run(vouch(
            &rig,
            &[
                "exec",
                "--cluster-id",
                "analytics",
                "--region",
                "us-east-1",
                "--",
                "psql",
                &conninfo,
            ],
            &env(&rig, "static"),
            false,
        ));
        assert_eq!(out.status.code(), Some(6), "{extra}: {}", describe(&out));
        assert!(
            text(&out.stderr).contains(words),
            "{extra}: {}",
            describe(&out)
        );
    }

    let cfg_dir = rig.home.path().join(".config/vouch");
    std::fs::create_dir_all(&cfg_dir).unwrap();
    let cfg = cfg_dir.join("config.toml");
    std::fs::write(
        &cfg,
        format!(
            "[targets.wh]\nengine = \"postgres\"\nhost = \"{host}\"\nhostaddr = \"127.0.0.1\"\nport = {port}\ndbname = \"dev\"\ncluster-id = \"analytics\"\nca-bundle = \"{ca}\"\n[targets.bob]\nengine = \"postgres\"\nhost = \"{host}\"\nhostaddr = \"127.0.0.1\"\nport = {port}\nuser = \"bob\"\ndbname = \"dev\"\nca-bundle = \"{ca}\"\n",
            host = cluster(&rig),
            port = rig.port(),
            ca = rig.ca(),
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = run(vouch(
        &rig,
        &[
            "exec",
            "--target",
            "wh",
            "--",
            "psql",
            "-Atc",
            "select current_user",
        ],
        &env(&rig, "static"),
        false,
    ));
    assert_eq!(ok_stdout(&out), "IAM:alice");
    // A target that names another user: refused, no client started.
    let out = run(vouch(
        &rig,
        &[
            "exec",
            "--target",
            "bob",
            "--",
            "psql",
            "-Atc",
            "select current_user",
        ],
        &env(&rig, "static"),
        false,
    ));
    assert_eq!(out.status.code(), Some(6), "{}", describe(&out));
    assert!(
        text(&out.stderr).contains("the target names the user \"bob\""),
        "{}",
        describe(&out)
    );
    assert!(out.stdout.is_empty());
    // The client's own other host: the target's cluster is not asked.
    let mut e = env(&rig, "static");
    e.push(("VOUCH_TARGET".into(), "wh".into()));
    let out = run(vouch(
        &rig,
        &[
            "exec",
            "--explain",
            "--",
            "psql",
            "-h",
            rig.name(),
            "-U",
            "app",
            "-d",
            "app",
        ],
        &e,
        false,
    ));
    let text_out = ok_stdout(&out);
    assert!(!text_out.contains("GetClusterCredentials"), "{text_out}");
    assert!(text_out.contains("sign for:"), "{text_out}");
    // Nor the target's address.
    assert!(!text_out.contains("hostaddr:"), "{text_out}");
}
