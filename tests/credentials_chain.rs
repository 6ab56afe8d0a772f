//! Integration tests for `vouch::credentials` against real things: profile
//! files in a temp dir, real `credential_process` child processes, moto's
//! STS for an assume-role chain (moto_server on a free port, see
//! tests/support/moto.rs), and a tiny in-test HTTP server standing in for
//! the SSO portal (`GET /federation/credentials`), which moto does not
//! implement.
//!
//! Each test that needs environment variables runs in a child process of
//! this test binary (see [`Env::new`]): the test re-runs itself alone, with
//! every `AWS_*` variable removed, and sets `HOME` and whatever else it needs
//! there. aws-config reads the real process environment (endpoint
//! overrides, `HOME` for the SSO token cache), so this keeps the parent test
//! process's environment untouched and the tests free to run in parallel,
//! also when compiled into a shared test binary. Nothing here talks to
//! anything but 127.0.0.1; instance metadata is disabled.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use vouch::credentials::{resolve, ChainOptions, CredentialSource};
use vouch::error::ExitCode;
use vouch::world::RealWorld;

use crate::support::moto::{free_port, start_moto};

/// Set in the child process a test re-runs itself in.
const CHILD_VAR: &str = "VOUCH_CREDENTIALS_TEST_CHILD";

/// A temp dir as `HOME`, holding `.aws/config` and `.aws/credentials`, in a
/// process of its own.
struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    /// In the test process: re-runs test `name` alone in a child with a
    /// clean environment, asserts it passed, and returns `None` (the caller
    /// returns). In that child: sets up the files and returns the `Env`.
    fn new(name: &str, config: &str, credentials: &str) -> Option<Env> {
        if std::env::var_os(CHILD_VAR).is_none() {
            run_isolated(name);
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".aws")).unwrap();
        std::fs::write(dir.path().join(".aws/config"), config).unwrap();
        std::fs::write(dir.path().join(".aws/credentials"), credentials).unwrap();
        // Only this test runs in this process: changing its environment is safe.
        std::env::set_var("HOME", dir.path());
        std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
        Some(Env { dir })
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn script(&self, name: &str, body: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let p = self.path(name);
        std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        p
    }

    fn write_config(&self, config: &str) {
        std::fs::write(self.path(".aws/config"), config).unwrap();
    }
}

/// Runs one test of this binary in a child process without `AWS_*`.
fn run_isolated(name: &str) {
    // The harness names tests by module path without the crate name.
    let full: Vec<&str> = module_path!().split("::").skip(1).chain([name]).collect();
    let full = full.join("::");
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([full.as_str(), "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_VAR, "1")
        .stdin(Stdio::null());
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("AWS_") {
            cmd.env_remove(k);
        }
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprint!("{}{}", String::from_utf8_lossy(&out.stderr), stdout);
    assert!(
        out.status.success(),
        "test {full} failed in its child process"
    );
    assert!(
        stdout.contains("1 passed"),
        "test {full} did not run in its child process"
    );
}

fn profile(p: &str) -> ChainOptions {
    ChainOptions {
        profile: Some(p.to_owned()),
    }
}

fn rfc3339(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).unwrap().as_secs();
    // Civil-from-days (Howard Hinnant), to avoid a date crate here.
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

// ---------------------------------------------------------------------------
// credential_process

#[test]
fn credential_process_prints_json() {
    let Some(env) = Env::new("credential_process_prints_json", "", "") else {
        return;
    };
    let exp = SystemTime::now() + Duration::from_secs(3600);
    let script = env.script(
        "creds.sh",
        &format!(
            r#"[ "$1" = "two words" ] || {{ echo "bad argv: $1" >&2; exit 9; }}
echo "noise on stderr is ignored" >&2
cat <<EOF
{{"Version": 1, "AccessKeyId": "ASIAPROCESS", "SecretAccessKey": "proc-secret",
  "SessionToken": "proc-token", "Expiration": "{}"}}
EOF"#,
            rfc3339(exp)
        ),
    );
    env.write_config(&format!(
        "[profile p]\ncredential_process = {} \"two words\"\n",
        script.display()
    ));
    let (c, src) = resolve(&profile("p"), &RealWorld, SystemTime::now()).unwrap();
    assert_eq!(
        src,
        CredentialSource::CredentialProcess {
            profile: "p".into()
        }
    );
    assert_eq!(src.to_string(), "credential_process of profile \"p\"");
    assert_eq!(c.access_key_id, "ASIAPROCESS");
    assert_eq!(c.secret_access_key.expose(), "proc-secret");
    assert_eq!(
        c.session_token.as_ref().map(|t| t.expose()),
        Some("proc-token")
    );
    let got = c
        .expires_at
        .unwrap()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert_eq!(got, exp.duration_since(UNIX_EPOCH).unwrap().as_secs());
    assert!(!format!("{c:?}").contains("proc-secret"));

    // The same through AWS_PROFILE and the default profile.
    env.write_config(&format!(
        "[default]\ncredential_process = {} \"two words\"\n",
        script.display()
    ));
    let (_, src) = resolve(&ChainOptions::default(), &RealWorld, SystemTime::now()).unwrap();
    assert_eq!(
        src,
        CredentialSource::CredentialProcess {
            profile: "default".into()
        }
    );
}

#[test]
fn credential_process_failure_leaves_stderr_to_the_terminal() {
    let Some(env) = Env::new(
        "credential_process_failure_leaves_stderr_to_the_terminal",
        "",
        "",
    ) else {
        return;
    };
    let script = env.script(
        "fail.sh",
        "echo 'MFA token required: run mytool login' >&2\nexit 3",
    );
    env.write_config(&format!(
        "[profile p]\ncredential_process = {}\n",
        script.display()
    ));
    let e = resolve(&profile("p"), &RealWorld, SystemTime::now()).unwrap_err();
    assert_eq!(e.code, ExitCode::NotAuthenticated);
    assert!(e.message.contains("exit status 3"), "{e}");
    // The helper's stderr went to the terminal; vouch's message never
    // copies it (it might hold a secret).
    assert!(!e.message.contains("MFA token required"), "{e}");
    assert!(e.message.contains("is above"), "{e}");
    assert!(e.message.contains("profile \"p\""), "{e}");

    // A program that does not exist is a configuration error.
    env.write_config(&format!(
        "[profile p]\ncredential_process = {}\n",
        env.path("nope.sh").display()
    ));
    let e = resolve(&profile("p"), &RealWorld, SystemTime::now()).unwrap_err();
    assert_eq!(e.code, ExitCode::Configuration, "{e}");
}

#[test]
fn credential_process_expired_expiration() {
    let Some(env) = Env::new("credential_process_expired_expiration", "", "") else {
        return;
    };
    let script = env.script(
        "old.sh",
        r#"echo '{"Version": 1, "AccessKeyId": "ASIAOLD", "SecretAccessKey": "old-secret", "SessionToken": "t", "Expiration": "2020-01-01T00:00:00Z"}'"#,
    );
    env.write_config(&format!(
        "[profile p]\ncredential_process = {}\n",
        script.display()
    ));
    let e = resolve(&profile("p"), &RealWorld, SystemTime::now()).unwrap_err();
    assert_eq!(e.code, ExitCode::NotAuthenticated);
    assert!(e.message.contains("expired at 2020-01-01T00:00:00Z"), "{e}");
    assert!(!e.message.contains("old-secret"), "{e}");
}

#[test]
fn static_keys_and_env_from_real_files() {
    let Some(env) = Env::new(
        "static_keys_and_env_from_real_files",
        "[profile cfg]\naws_access_key_id = AKIACONFIG\naws_secret_access_key = c\n",
        "[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = d\n",
    ) else {
        return;
    };
    let (c, src) = resolve(&ChainOptions::default(), &RealWorld, SystemTime::now()).unwrap();
    assert_eq!(c.access_key_id, "AKIADEFAULT");
    assert_eq!(
        src,
        CredentialSource::SharedCredentialsFile {
            profile: "default".into(),
            path: env.path(".aws/credentials")
        }
    );
    let (c, src) = resolve(&profile("cfg"), &RealWorld, SystemTime::now()).unwrap();
    assert_eq!(c.access_key_id, "AKIACONFIG");
    assert_eq!(
        src,
        CredentialSource::ConfigFile {
            profile: "cfg".into(),
            path: env.path(".aws/config")
        }
    );

    std::env::set_var("AWS_ACCESS_KEY_ID", "AKIAENV");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "e");
    let (c, src) = resolve(&ChainOptions::default(), &RealWorld, SystemTime::now()).unwrap();
    assert_eq!(
        (c.access_key_id.as_str(), src),
        ("AKIAENV", CredentialSource::Environment)
    );
    // --profile takes the environment out of the chain.
    let (c, _) = resolve(&profile("cfg"), &RealWorld, SystemTime::now()).unwrap();
    assert_eq!(c.access_key_id, "AKIACONFIG");

    let e = resolve(&profile("missing"), &RealWorld, SystemTime::now()).unwrap_err();
    assert_eq!(e.code, ExitCode::Configuration);
    assert!(
        e.message.contains("\"missing\"")
            && e.message
                .contains(&env.path(".aws/config").display().to_string()),
        "{e}"
    );
}

// ---------------------------------------------------------------------------
// assume role through moto's STS

#[test]
fn assume_role_via_moto_sts() {
    let Some(env) = Env::new(
        "assume_role_via_moto_sts",
        "[profile base]\nregion = us-east-1\n\
         [profile ar]\nrole_arn = arn:aws:iam::123456789012:role/vouch-test\nsource_profile = base\n\
         role_session_name = vouch-it\nregion = us-east-1\n",
        "[base]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
    ) else {
        return;
    };
    let Some(moto) = start_moto(&env.path("moto.log")) else {
        return;
    };
    std::env::set_var("AWS_ENDPOINT_URL_STS", moto.url());

    let (c, src) = resolve(&profile("ar"), &RealWorld, SystemTime::now()).unwrap();
    assert_eq!(
        src,
        CredentialSource::Sdk {
            profile: "ar".into(),
            kind: "assume-role"
        }
    );
    assert_eq!(src.to_string(), "assume-role via profile \"ar\" (AWS SDK)");
    assert!(c.access_key_id.starts_with("ASIA"), "{}", c.access_key_id);
    assert!(c
        .session_token
        .as_ref()
        .is_some_and(|t| !t.expose().is_empty()));
    assert!(c.expires_at.is_some_and(|t| t > SystemTime::now()));

    // AWS_PROFILE selects it too (and the environment keys, absent here, would win).
    std::env::set_var("AWS_PROFILE", "ar");
    let (_, src) = resolve(&ChainOptions::default(), &RealWorld, SystemTime::now()).unwrap();
    assert_eq!(
        src,
        CredentialSource::Sdk {
            profile: "ar".into(),
            kind: "assume-role"
        }
    );
    std::env::remove_var("AWS_PROFILE");

    // `endpoint_url` in the profile instead of the environment variable.
    std::env::remove_var("AWS_ENDPOINT_URL_STS");
    env.write_config(&format!(
        "[profile base]\nregion = us-east-1\n\
         [profile ar]\nrole_arn = arn:aws:iam::123456789012:role/vouch-test\nsource_profile = base\n\
         region = us-east-1\nendpoint_url = {}\n",
        moto.url()
    ));
    let (c, src) = resolve(&profile("ar"), &RealWorld, SystemTime::now()).unwrap();
    assert_eq!(src.to_string(), "assume-role via profile \"ar\" (AWS SDK)");
    assert!(c.access_key_id.starts_with("ASIA"), "{}", c.access_key_id);

    // An unreachable STS is a network error.
    std::env::set_var(
        "AWS_ENDPOINT_URL_STS",
        format!("http://127.0.0.1:{}", free_port()),
    );
    let e = resolve(&profile("ar"), &RealWorld, SystemTime::now()).unwrap_err();
    assert_eq!(e.code, ExitCode::Network, "{e}");
    assert!(!e.message.contains("wJalrXUtnFEMI"), "{e}");
    drop(moto);
}

// ---------------------------------------------------------------------------
// SSO through a stand-in portal

/// Serves `GET /federation/credentials` like the SSO portal, for one
/// account/role/bearer token; counts requests.
struct Portal {
    port: u16,
    hits: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

const SSO_TOKEN: &str = "sso-access-token-value";

fn start_portal(expiration_ms: u64) -> Portal {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = hits.clone();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let _ = serve_portal(stream, expiration_ms);
        }
    });
    Portal { port, hits }
}

fn serve_portal(mut stream: TcpStream, expiration_ms: u64) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut headers = HashMap::new();
    let mut content_length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            let k = k.trim().to_ascii_lowercase();
            if k == "content-length" {
                content_length = v.trim().parse().unwrap_or(0);
            }
            headers.insert(k, v.trim().to_owned());
        }
    }
    let mut body = vec![0; content_length];
    reader.read_exact(&mut body)?;
    let target = request_line.split_whitespace().nth(1).unwrap_or("");
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut params: Vec<&str> = query.split('&').collect();
    params.sort_unstable();
    let (status, json) = if !request_line.starts_with("GET ") || path != "/federation/credentials" {
        ("404 Not Found", r#"{"message":"not found"}"#.to_owned())
    } else if headers.get("x-amz-sso_bearer_token").map(String::as_str) != Some(SSO_TOKEN) {
        (
            "401 Unauthorized",
            r#"{"message":"Session token not found or invalid"}"#.to_owned(),
        )
    } else if params != ["account_id=111122223333", "role_name=ReadOnly"] {
        ("403 Forbidden", r#"{"message":"No access"}"#.to_owned())
    } else {
        (
            "200 OK",
            format!(
                r#"{{"roleCredentials":{{"accessKeyId":"ASIASSOEXAMPLE","secretAccessKey":"sso-secret","sessionToken":"sso-session-token","expiration":{expiration_ms}}}}}"#
            ),
        )
    };
    let error_type = if status.starts_with("401") {
        "UnauthorizedException"
    } else {
        "ForbiddenException"
    };
    let extra = if status.starts_with("200") {
        String::new()
    } else {
        format!("x-amzn-errortype: {error_type}\r\n")
    };
    write!(
        stream,
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\n{extra}content-length: {}\r\nconnection: close\r\n\r\n{json}",
        json.len()
    )?;
    stream.flush()
}

/// SHA-1 (FIPS 180-1), hex: the SSO cache file name.
fn sha1_hex(data: &[u8]) -> String {
    let mut h: [u32; 5] = [
        0x6745_2301,
        0xEFCD_AB89,
        0x98BA_DCFE,
        0x1032_5476,
        0xC3D2_E1F0,
    ];
    let mut msg = data.to_vec();
    let bit_len = (data.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bit_len.to_be_bytes());
    for chunk in msg.chunks(64) {
        let mut w = [0u32; 80];
        for (i, word) in chunk.chunks(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, wi) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5A82_7999),
                20..=39 => (b ^ c ^ d, 0x6ED9_EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC),
                _ => (b ^ c ^ d, 0xCA62_C1D6),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(*wi);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e]) {
            *x = x.wrapping_add(y);
        }
    }
    h.iter().map(|x| format!("{x:08x}")).collect()
}

#[test]
fn sha1_matches_known_vectors() {
    assert_eq!(sha1_hex(b""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    assert_eq!(sha1_hex(b"abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
}

#[test]
fn sso_via_portal_stand_in() {
    let Some(env) = Env::new(
        "sso_via_portal_stand_in",
        "[profile sso]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\nregion = us-east-1\n\
         [sso-session corp]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n\
         [profile legacy]\nsso_start_url = https://legacy.awsapps.com/start\nsso_region = us-east-1\n\
         sso_account_id = 111122223333\nsso_role_name = ReadOnly\n",
        "",
    ) else {
        return;
    };
    let expiration_ms = (SystemTime::now() + Duration::from_secs(3600))
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let portal = start_portal(expiration_ms);
    std::env::set_var(
        "AWS_ENDPOINT_URL_SSO",
        format!("http://127.0.0.1:{}", portal.port),
    );

    // The token cache: ~/.aws/sso/cache/<sha1(session name)>.json (sso_session),
    // or <sha1(start url)>.json (legacy profile).
    let cache = env.path(".aws/sso/cache");
    std::fs::create_dir_all(&cache).unwrap();
    let token_json = |access_token: &str, start_url: &str| {
        format!(
            r#"{{"accessToken": "{access_token}", "expiresAt": "{}", "region": "us-east-1", "startUrl": "{start_url}"}}"#,
            rfc3339(SystemTime::now() + Duration::from_secs(8 * 3600))
        )
    };
    std::fs::write(
        cache.join(format!("{}.json", sha1_hex(b"corp"))),
        token_json(SSO_TOKEN, "https://example.awsapps.com/start"),
    )
    .unwrap();
    std::fs::write(
        cache.join(format!(
            "{}.json",
            sha1_hex(b"https://legacy.awsapps.com/start")
        )),
        token_json(SSO_TOKEN, "https://legacy.awsapps.com/start"),
    )
    .unwrap();

    let (c, src) = resolve(&profile("sso"), &RealWorld, SystemTime::now()).unwrap();
    assert_eq!(
        src,
        CredentialSource::Sdk {
            profile: "sso".into(),
            kind: "sso"
        }
    );
    assert_eq!(src.to_string(), "sso via profile \"sso\" (AWS SDK)");
    assert_eq!(c.access_key_id, "ASIASSOEXAMPLE");
    assert_eq!(c.secret_access_key.expose(), "sso-secret");
    assert_eq!(
        c.session_token.as_ref().map(|t| t.expose()),
        Some("sso-session-token")
    );
    let exp = c
        .expires_at
        .unwrap()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    assert_eq!(exp / 1000, expiration_ms / 1000);
    assert!(portal.hits.load(std::sync::atomic::Ordering::SeqCst) >= 1);

    let (c, _) = resolve(&profile("legacy"), &RealWorld, SystemTime::now()).unwrap();
    assert_eq!(c.access_key_id, "ASIASSOEXAMPLE");

    // A bearer token the portal does not accept: not authenticated, with the SSO hint.
    std::fs::write(
        cache.join(format!("{}.json", sha1_hex(b"corp"))),
        token_json("some-other-token", "https://example.awsapps.com/start"),
    )
    .unwrap();
    let e = resolve(&profile("sso"), &RealWorld, SystemTime::now()).unwrap_err();
    assert_eq!(e.code, ExitCode::NotAuthenticated, "{e}");
    assert!(e.message.contains("aws sso login --profile sso"), "{e}");
    assert!(!e.message.contains("some-other-token"), "{e}");

    // No cached token at all.
    std::fs::remove_file(cache.join(format!("{}.json", sha1_hex(b"corp")))).unwrap();
    let e = resolve(&profile("sso"), &RealWorld, SystemTime::now()).unwrap_err();
    assert_eq!(e.code, ExitCode::NotAuthenticated, "{e}");
}
