//! End to end: `vouch login` through STS. The web-identity source
//! (AssumeRoleWithWebIdentity, a token file or a `token_command`), and
//! `[assume-role]` chained after it or after an IAM Roles Anywhere session
//! from the local endpoint (`VOUCH_RA_RIG_ENV`). STS is moto's
//! (`moto_server` on a free port, see tests/support/moto.rs), reached
//! through a small recording proxy so the tests see what reached STS on the
//! wire (moto keeps no SourceIdentity); `AWS_ENDPOINT_URL_STS` points vouch
//! at it. Error answers AWS gives and moto does not (AccessDenied,
//! InvalidIdentityToken, ...) come from a stand-in that answers every
//! request with one canned STS error.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;

use vouch::credentials::{Credentials, Secret};

use crate::support::moto::{free_port, start_moto, Moto};
use crate::support::output::{assert_exit_says, describe};
use crate::support::rig::{text, Rig};
use crate::support::vouch_bin;

const ACCOUNT: &str = "123456789012";
const WEB_ROLE: &str = "arn:aws:iam::123456789012:role/ci";
const DB_ROLE: &str = "arn:aws:iam::444455556666:role/db";
/// The web identity token the tests hand to vouch: must never be printed.
const TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOnZvdWNoIn0.SECRETSIGNATUREvouchtest";

// ---------------------------------------------------------------------------
// moto, a recording proxy, a stand-in

/// A TCP proxy on 127.0.0.1 to `upstream` that keeps every byte the
/// client sent (plain HTTP: the STS requests as they reached STS).
struct Recorder {
    port: u16,
    seen: Arc<Mutex<Vec<u8>>>,
}

impl Recorder {
    fn start(upstream: u16) -> Recorder {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(mut client) = conn else { continue };
                let Ok(mut server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                    continue;
                };
                let (mut client_w, mut server_r) =
                    (client.try_clone().unwrap(), server.try_clone().unwrap());
                let log = log.clone();
                thread::spawn(move || {
                    let mut buf = [0u8; 8192];
                    loop {
                        match client.read(&mut buf) {
                            Ok(0) | Err(_) => break,
                            Ok(n) => {
                                log.lock().unwrap().extend_from_slice(&buf[..n]);
                                if server.write_all(&buf[..n]).is_err() {
                                    break;
                                }
                            }
                        }
                    }
                    let _ = server.shutdown(Shutdown::Write);
                });
                thread::spawn(move || {
                    let _ = std::io::copy(&mut server_r, &mut client_w);
                    let _ = client_w.shutdown(Shutdown::Write);
                });
            }
        });
        Recorder { port, seen }
    }
    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
    /// Everything sent so far, with the form encoding of the bodies undone
    /// where it matters for reading (`%3A` and `%2F` in ARNs).
    fn text(&self) -> String {
        let raw = text(&self.seen.lock().unwrap());
        raw.replace("%3A", ":")
            .replace("%2F", "/")
            .replace("%40", "@")
    }
    fn clear(&self) {
        self.seen.lock().unwrap().clear();
    }
}

/// moto's STS behind a [`Recorder`] (`proxy`), moto's log in a temp dir.
struct Sts {
    proxy: Recorder,
    _moto: Moto,
    _log_dir: tempfile::TempDir,
}

/// Starts moto and a [`Recorder`] in front of it, or (after
/// [`crate::support::missing`]) `None`.
fn start_sts() -> Option<Sts> {
    let log_dir = tempfile::tempdir().unwrap();
    let moto = start_moto(&log_dir.path().join("moto.log"))?;
    Some(Sts {
        proxy: Recorder::start(moto.port),
        _moto: moto,
        _log_dir: log_dir,
    })
}

/// An STS endpoint with nothing listening.
fn nowhere_url() -> String {
    format!("http://127.0.0.1:{}", free_port())
}

/// Answers every request with `status` and an STS (query protocol) error
/// document with `code`, whose message quotes the request body back (as
/// some STS validation messages quote inputs): vouch must not print the
/// token even then.
fn sts_error_standin(status: u16, code: &str) -> u16 {
    sts_error_standin_saying(status, code, "")
}

/// [`sts_error_standin`] with `said` (raw, not XML-escaped) in its
/// message, before the request body.
fn sts_error_standin_saying(status: u16, code: &str, said: &str) -> u16 {
    let said = said.to_string();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let code = code.to_string();
    thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(stream) = conn else { continue };
            let mut reader = BufReader::new(stream);
            let mut len = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                let l = line.trim_end();
                if l.is_empty() {
                    break;
                }
                if let Some((k, v)) = l.split_once(':') {
                    if k.eq_ignore_ascii_case("content-length") {
                        len = v.trim().parse().unwrap_or(0);
                    }
                }
            }
            let mut req = vec![0; len];
            let _ = reader.read_exact(&mut req);
            let echoed = text(&req)
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;");
            let body = format!(
                "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <Error>\n    <Type>Sender</Type>\n    <Code>{code}</Code>\n    <Message>stand-in says {code}{said} to {echoed}</Message>\n  </Error>\n  <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>\n</ErrorResponse>\n"
            );
            let mut stream = reader.into_inner();
            let _ = write!(
                stream,
                "HTTP/1.1 {status} Error\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    port
}

// ---------------------------------------------------------------------------
// a home with a vouch configuration

struct Home {
    dir: tempfile::TempDir,
    extra_env: Vec<(String, String)>,
}

impl Home {
    fn new(config: &str) -> Home {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join(".config/vouch");
        std::fs::create_dir_all(&cfg).unwrap();
        let file = cfg.join("config.toml");
        std::fs::write(&file, config).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        Home {
            dir,
            extra_env: Vec::new(),
        }
    }
    /// A home with the web-identity source for [`WEB_ROLE`]: `rest` is the
    /// configuration after its `role_arn` line, with `TOKEN_FILE` in it
    /// standing for the path of a file holding [`TOKEN`].
    fn web_identity(rest: &str) -> Home {
        let home = Home::new("");
        let rest = if rest.contains("TOKEN_FILE") {
            rest.replace("TOKEN_FILE", &home.token_file().display().to_string())
        } else {
            rest.to_owned()
        };
        std::fs::write(
            home.path().join(".config/vouch/config.toml"),
            format!(
                "source = \"web-identity\"\n\n[web-identity]\nrole_arn = \"{WEB_ROLE}\"\n{rest}"
            ),
        )
        .unwrap();
        home
    }
    fn path(&self) -> &Path {
        self.dir.path()
    }
    fn token_file(&self) -> PathBuf {
        let p = self.path().join("token");
        std::fs::write(&p, format!("{TOKEN}\n")).unwrap();
        p
    }
    fn set(&mut self, k: &str, v: &str) {
        self.extra_env.retain(|(key, _)| key != k);
        self.extra_env.push((k.into(), v.into()));
    }
    fn vouch(&self, args: &[&str]) -> Output {
        Command::new(vouch_bin())
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.path())
            .env("AWS_CONFIG_FILE", "/nonexistent")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .envs(self.extra_env.iter().cloned())
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }
    fn status_json(&self) -> serde_json::Value {
        let out = self.vouch(&["status", "--format", "json"]);
        assert!(out.status.success(), "{}", describe(&out));
        serde_json::from_slice(&out.stdout).unwrap()
    }
    /// The session's credentials, as `vouch credential aws` gives them.
    fn session_credentials(&self) -> Credentials {
        let out = self.vouch(&["credential", "aws"]);
        assert!(out.status.success(), "{}", describe(&out));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        Credentials {
            access_key_id: v["AccessKeyId"].as_str().unwrap().into(),
            secret_access_key: Secret::new(v["SecretAccessKey"].as_str().unwrap()),
            session_token: v["SessionToken"].as_str().map(Secret::new),
            expires_at: None,
        }
    }
    fn sessions(&self) -> usize {
        std::fs::read_dir(self.path().join(".cache/vouch/sessions"))
            .map(|d| {
                d.flatten()
                    .filter(|e| e.file_name().to_string_lossy().ends_with(".json"))
                    .count()
            })
            .unwrap_or(0)
    }
}

fn assert_no_token(o: &Output) {
    let all = format!("{}{}", text(&o.stdout), text(&o.stderr));
    assert!(
        !all.contains("SECRETSIGNATURE"),
        "the token was printed: {all}"
    );
}

fn login_user() -> String {
    nix::unistd::User::from_uid(nix::unistd::geteuid())
        .unwrap()
        .unwrap()
        .name
}

// ---------------------------------------------------------------------------
// web identity

#[test]
fn web_identity_login_then_status_shows_the_assumed_role() {
    let Some(sts) = start_sts() else {
        return;
    };
    let proxy = &sts.proxy;
    let mut home = Home::web_identity(
        "token_file = \"TOKEN_FILE\"\nsession_name = \"ci-run\"\nregion = \"us-east-1\"\nduration = \"30m\"\n",
    );
    home.set("AWS_ENDPOINT_URL_STS", &proxy.url());

    let out = home.vouch(&["status"]);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));

    let out = home.vouch(&["login", "--verbose"]);
    assert!(out.status.success(), "{}", describe(&out));
    assert_no_token(&out);
    let arn = format!("arn:aws:sts::{ACCOUNT}:assumed-role/ci/ci-run");
    assert!(text(&out.stderr).contains(&arn), "{}", describe(&out));
    assert!(text(&out.stderr).contains("not hardware-backed"));

    // What reached STS: the token, the role, the session name, unsigned.
    let wire = proxy.text();
    assert!(wire.contains("Action=AssumeRoleWithWebIdentity"), "{wire}");
    assert!(wire.contains(&format!("RoleArn={WEB_ROLE}")), "{wire}");
    assert!(wire.contains("RoleSessionName=ci-run"), "{wire}");
    assert!(wire.contains("DurationSeconds=1800"), "{wire}");
    assert!(wire.contains("WebIdentityToken=eyJ"), "{wire}");
    assert!(
        !wire.to_ascii_lowercase().contains("authorization:"),
        "{wire}"
    );

    let v = home.status_json();
    assert_eq!(v["logged_in"], true, "{v}");
    assert_eq!(v["source"], "web-identity");
    assert_eq!(v["hardware_backed"], false);
    assert_eq!(v["identity"].as_str().unwrap(), arn, "{v}");
    let left = v["seconds_left"].as_u64().unwrap();
    assert!((1700..=1800).contains(&left), "{left}");

    // The cached session is STS's: GetCallerIdentity says so.
    let creds = home.session_credentials();
    assert!(creds.access_key_id.starts_with("ASIA"), "{creds:?}");
    let who = vouch::sts::get_caller_identity(&creds, "us-east-1", Some(&proxy.url())).unwrap();
    assert_eq!(who.arn, arn);
    assert_eq!(who.account, ACCOUNT);
    assert!(who.user_id.ends_with(":ci-run"), "{who:?}");

    // A second login uses the cache: no STS call.
    proxy.clear();
    let out = home.vouch(&["login"]);
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(proxy.text(), "", "no STS call for a valid session");

    // `status --check` asks STS who the session is.
    let out = home.vouch(&["status", "--check", "--format", "json"]);
    assert!(out.status.success(), "{}", describe(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["caller_arn"].as_str(), Some(arn.as_str()), "{v}");
    assert_eq!(v["caller_account"].as_str(), Some(ACCOUNT), "{v}");
    assert!(proxy.text().contains("Action=GetCallerIdentity"));
}

#[test]
fn web_identity_from_a_command_then_assume_role() {
    let Some(sts) = start_sts() else {
        return;
    };
    let proxy = &sts.proxy;
    // No session_name for the web identity: the login user's name.
    let mut home = Home::web_identity(&format!(
        "token_command = \"echo fetching a token >&2; cat 'TOKEN_FILE'\"\n\n[assume-role]\nrole_arn = \"{DB_ROLE}\"\nsession_name = \"alice\"\nsource_identity = {{ value = \"alice@example.com\" }}\nexternal_id = \"ext-123\"\nduration = \"20m\"\n",
    ));
    home.set("AWS_ENDPOINT_URL", &proxy.url());
    home.set("AWS_REGION", "eu-west-1");

    let out = home.vouch(&["login"]);
    assert!(out.status.success(), "{}", describe(&out));
    assert_no_token(&out);
    // token_command's stderr is the terminal's (here: captured stderr).
    assert!(
        text(&out.stderr).contains("fetching a token"),
        "{}",
        describe(&out)
    );

    let user = vouch::sts::sanitize_session_name(&login_user()).unwrap();
    let web_arn = format!("arn:aws:sts::{ACCOUNT}:assumed-role/ci/{user}");
    let db_arn = "arn:aws:sts::444455556666:assumed-role/db/alice";
    let wire = proxy.text();
    assert!(wire.contains("Action=AssumeRoleWithWebIdentity"), "{wire}");
    assert!(wire.contains(&format!("RoleSessionName={user}")), "{wire}");
    assert!(wire.contains("Action=AssumeRole&"), "{wire}");
    assert!(wire.contains(&format!("RoleArn={DB_ROLE}")), "{wire}");
    assert!(wire.contains("RoleSessionName=alice"), "{wire}");
    assert!(wire.contains("SourceIdentity=alice@example.com"), "{wire}");
    assert!(wire.contains("ExternalId=ext-123"), "{wire}");
    assert!(wire.contains("DurationSeconds=1200"), "{wire}");
    // AssumeRole is signed with the web identity session, in AWS_REGION.
    assert!(wire.contains("/eu-west-1/sts/aws4_request"), "{wire}");

    let v = home.status_json();
    assert_eq!(
        v["identity"].as_str().unwrap(),
        format!("{db_arn} (via {web_arn})"),
        "{v}"
    );
    let left = v["seconds_left"].as_u64().unwrap();
    assert!((1100..=1200).contains(&left), "{left}");
    let creds = home.session_credentials();
    let who = vouch::sts::get_caller_identity(&creds, "eu-west-1", Some(&proxy.url())).unwrap();
    assert_eq!(who.arn, db_arn);
}

#[test]
fn web_identity_token_problems_are_exit_2_without_the_token() {
    let home = Home::web_identity(&format!("token_command = \"printf '{TOKEN}'; exit 7\"\n"));
    let out = home.vouch(&["login"]);
    assert_exit_says(&out, 2, "token_command failed (exit status 7)");
    assert_no_token(&out);
    assert_eq!(home.sessions(), 0);

    let home = Home::web_identity("token_file = \"/nonexistent/token\"\n");
    let out = home.vouch(&["login"]);
    assert_exit_says(&out, 2, "/nonexistent/token does not exist");
}

#[test]
fn sts_errors_map_to_exit_codes() {
    for (status, code, exit) in [
        (403, "AccessDenied", 5),
        (400, "InvalidIdentityToken", 2),
        (400, "ExpiredTokenException", 2),
        (400, "IDPRejectedClaim", 2),
        (400, "ValidationError", 6),
    ] {
        let port = sts_error_standin(status, code);
        let mut home = Home::web_identity("token_file = \"TOKEN_FILE\"\n");
        home.set("AWS_ENDPOINT_URL_STS", &format!("http://127.0.0.1:{port}"));
        let out = home.vouch(&["login"]);
        assert_eq!(out.status.code(), Some(exit), "{code}: {}", describe(&out));
        let err = text(&out.stderr);
        assert!(
            err.contains(&format!(
                "AssumeRoleWithWebIdentity for {WEB_ROLE} failed: {code}"
            )),
            "{err}"
        );
        // The message reached the user, the token it quoted did not.
        assert!(err.contains(&format!("stand-in says {code} to ")), "{err}");
        assert!(err.contains("WebIdentityToken=***"), "{err}");
        assert_no_token(&out);
        assert_eq!(home.sessions(), 0);
    }
    // Nothing listening: a network error.
    let mut home = Home::web_identity("token_file = \"TOKEN_FILE\"\n");
    home.set("AWS_ENDPOINT_URL_STS", &nowhere_url());
    let out = home.vouch(&["login"]);
    assert_exit_says(&out, 4, "cannot reach STS");
    assert_no_token(&out);
}

#[test]
fn sts_error_messages_cannot_drive_the_terminal() {
    // Escape sequences (an OSC setting the window title, as XML character
    // references; 8-bit CSIs, raw), a delete, a bidi override and isolate,
    // then a flood. (A raw ESC makes the XML unreadable to the SDK.)
    let hostile = format!(
        " &#x1b;]0;pwned&#x7; \u{9b}2J \u{9b}31m \u{7f} \u{202E}desrever\u{202C} \u{2066}x\u{2069} {}",
        "A".repeat(5000)
    );
    let port = sts_error_standin_saying(403, "AccessDenied", &hostile);
    let mut home = Home::web_identity("token_file = \"TOKEN_FILE\"\n");
    home.set("AWS_ENDPOINT_URL_STS", &format!("http://127.0.0.1:{port}"));
    let out = home.vouch(&["login"]);
    assert_eq!(out.status.code(), Some(5), "{}", describe(&out));
    let err = text(&out.stderr);
    assert!(
        err.contains("failed: AccessDenied: stand-in says AccessDenied"),
        "{err:?}"
    );
    for bad in [
        '\u{1b}', '\u{7}', '\u{9b}', '\u{202E}', '\u{202C}', '\u{2066}', '\u{2069}',
    ] {
        assert!(!err.contains(bad), "{bad:?} reached the terminal: {err:?}");
    }
    assert!(err.contains("?]0;pwned?"), "{err:?}");
    // The flood is cut short.
    assert!(err.contains("AAA..."), "{err:?}");
    assert!(!err.contains(&"A".repeat(400)), "{err:?}");
    assert_no_token(&out);
    assert_eq!(home.sessions(), 0);
}

#[test]
fn a_token_file_that_is_a_fifo_is_refused_at_once() {
    let home = Home::new("");
    let fifo = home.path().join("fifo");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    let home = Home::web_identity(&format!("token_file = \"{}\"\n", fifo.display()));
    let started = std::time::Instant::now();
    let out = home.vouch(&["login"]);
    assert_exit_says(&out, 2, "is not a regular file (a FIFO)");
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}

// ---------------------------------------------------------------------------
// Roles Anywhere, then assume role

fn ra_config(ra: &Rig, assume_role: &str) -> String {
    format!(
        "source = \"software-key\"\n\n[software-key]\ncertificate = \"{}\"\nprivate_key = \"{}\"\ntrust_anchor_arn = \"{}\"\nprofile_arn = \"{}\"\nrole_arn = \"{}\"\nendpoint = \"{}\"\nca_bundle = \"{}\"\n\n[assume-role]\n{assume_role}",
        ra.get("RA_RSA_CERT"),
        ra.get("RA_RSA_KEY"),
        ra.get("RA_TRUST_ANCHOR_ARN"),
        ra.get("RA_PROFILE_ARN"),
        ra.get("RA_ROLE_ARN"),
        ra.get("RA_URL"),
        ra.get("RA_CA"),
    )
}

#[test]
fn roles_anywhere_then_assume_role_with_the_certificate_cn() {
    let Some(ra) = Rig::load("VOUCH_RA_RIG_ENV", "the IAM Roles Anywhere test endpoint") else {
        return;
    };
    let Some(sts) = start_sts() else {
        return;
    };
    let proxy = &sts.proxy;
    let mut home = Home::new(&ra_config(
        &ra,
        &format!("role_arn = \"{DB_ROLE}\"\nsource_identity = \"certificate-cn\"\n"),
    ));
    home.set("AWS_ENDPOINT_URL_STS", &proxy.url());

    let out = home.vouch(&["login"]);
    assert!(out.status.success(), "{}", describe(&out));
    assert!(!text(&out.stderr).contains(ra.get("RA_SECRET")));

    // The certificate's CN is the SourceIdentity and (none configured) the
    // session name; AssumeRole is signed with the Roles Anywhere session.
    let cn = "vouch-ra-rsa";
    let wire = proxy.text();
    assert!(wire.contains("Action=AssumeRole&"), "{wire}");
    assert!(wire.contains(&format!("RoleArn={DB_ROLE}")), "{wire}");
    assert!(wire.contains(&format!("SourceIdentity={cn}")), "{wire}");
    assert!(wire.contains(&format!("RoleSessionName={cn}")), "{wire}");
    assert!(wire.contains("DurationSeconds=3600"), "{wire}");
    assert!(
        wire.contains(&format!("Credential={}/", ra.get("RA_AKID"))),
        "{wire}"
    );
    assert!(wire.contains("/us-east-1/sts/aws4_request"), "{wire}");

    let db_arn = format!("arn:aws:sts::444455556666:assumed-role/db/{cn}");
    let v = home.status_json();
    assert_eq!(v["source"], "software-key");
    assert_eq!(v["hardware_backed"], false);
    let identity = v["identity"].as_str().unwrap();
    assert!(
        identity.starts_with(&format!("{cn} as {db_arn} (via ")),
        "{identity}"
    );
    let left = v["seconds_left"].as_u64().unwrap();
    assert!((3500..=3600).contains(&left), "{left}");

    // The cached session is the assumed role's, not Roles Anywhere's.
    let creds = home.session_credentials();
    assert_ne!(creds.access_key_id, ra.get("RA_AKID"));
    let who = vouch::sts::get_caller_identity(&creds, "us-east-1", Some(&proxy.url())).unwrap();
    assert_eq!(who.arn, db_arn);
    assert!(who.user_id.ends_with(&format!(":{cn}")), "{who:?}");

    // A configured session name wins over the CN; STS unreachable: exit 4,
    // nothing cached.
    let mut home = Home::new(&ra_config(
        &ra,
        &format!("role_arn = \"{DB_ROLE}\"\nsession_name = \"db-admin\"\nsource_identity = \"certificate-cn\"\n"),
    ));
    home.set("AWS_ENDPOINT_URL_STS", &nowhere_url());
    let out = home.vouch(&["login"]);
    assert_exit_says(&out, 4, &format!("STS AssumeRole for {DB_ROLE}"));
    assert_eq!(home.sessions(), 0);
    proxy.clear();
    home.set("AWS_ENDPOINT_URL_STS", &proxy.url());
    let out = home.vouch(&["login"]);
    assert!(out.status.success(), "{}", describe(&out));
    let wire = proxy.text();
    assert!(wire.contains("RoleSessionName=db-admin"), "{wire}");
    assert!(wire.contains(&format!("SourceIdentity={cn}")), "{wire}");
}
