//! AWS STS for `vouch login`: `AssumeRole` after the source (role chaining),
//! `AssumeRoleWithWebIdentity` for the web-identity source, and
//! `GetCallerIdentity` (who a session is).
//!
//! Calls go through `aws-sdk-sts` on a current-thread tokio runtime built
//! only when one is made (a login, never `vouch exec` with a cached
//! session). The client is configured explicitly: the given credentials
//! and region, no profile files, no environment read by the SDK. The
//! endpoint override that tests (and private endpoints) use is read by
//! [`endpoint_override`] through [`World`], as the SDK would read it:
//! `AWS_ENDPOINT_URL_STS`, else `AWS_ENDPOINT_URL`, neither when
//! `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`.
//!
//! Errors name the call and the role, and carry STS's error code and
//! message (never a credential or a token): `AccessDenied` is exit 5,
//! `ExpiredToken`, `InvalidIdentityToken` and friends exit 2, a
//! `ValidationError` exit 6, an unreachable endpoint or a timeout exit 4.
//!
//! The web identity token comes from a file (re-read at each login) or from
//! the standard output of `token_command` run with `sh -c` (stderr goes to
//! the terminal, stdin is inherited so a helper may prompt); it is trimmed,
//! at most [`MAX_TOKEN_BYTES`] read, kept as a [`Secret`] and never printed.

use std::error::Error as StdError;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};

use crate::config::AssumeRole;
use crate::config::TokenSource;
use crate::credentials::{Credentials, Secret};
use crate::error::{Error, Result};
use crate::world::World;

/// A whole STS call, retries included, may take this long.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// The most of a token file or `token_command` output read. STS accepts
/// tokens of up to 20,000 characters.
pub const MAX_TOKEN_BYTES: usize = 64 * 1024;
/// STS's own limit on `WebIdentityToken`.
pub const MAX_TOKEN_CHARS: usize = 20_000;

/// The region used when nothing else says which (STS in us-east-1 serves
/// every commercial-partition account).
pub const DEFAULT_REGION: &str = "us-east-1";

/// Temporary credentials from STS and the role session they belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleSession {
    /// Always with `expires_at`.
    pub credentials: Credentials,
    /// `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`.
    pub assumed_role_arn: String,
    /// `AROA...:SESSION`.
    pub assumed_role_id: String,
    /// `AssumeRoleWithWebIdentity` only: the token's subject (`sub`).
    pub subject: Option<String>,
    /// The SourceIdentity STS reports for the session, if any.
    pub source_identity: Option<String>,
}

/// `GetCallerIdentity`'s answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerIdentity {
    pub account: String,
    pub arn: String,
    pub user_id: String,
}

/// The STS endpoint override, as the SDK reads it: `AWS_ENDPOINT_URL_STS`,
/// else `AWS_ENDPOINT_URL` (empty values ignored), none at all when
/// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is `true`.
pub fn endpoint_override(world: &dyn World) -> Option<String> {
    let ignore = world
        .var("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
    if ignore {
        return None;
    }
    ["AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"]
        .iter()
        .filter_map(|v| world.var(v))
        .map(|v| v.trim().to_owned())
        .find(|v| !v.is_empty())
}

/// The region for STS when the configuration names none: `AWS_REGION`,
/// else `AWS_DEFAULT_REGION`, else [`DEFAULT_REGION`].
pub fn default_region(world: &dyn World) -> String {
    ["AWS_REGION", "AWS_DEFAULT_REGION"]
        .iter()
        .filter_map(|v| world.var(v))
        .map(|v| v.trim().to_owned())
        .find(|v| !v.is_empty())
        .unwrap_or_else(|| DEFAULT_REGION.to_owned())
}

/// A RoleSessionName from something that names the person or machine (a
/// certificate CN, a login user): each character outside STS's
/// `[\w+=,.@-]` becomes `-`, at most 64 characters are kept. `None` when
/// fewer than 2 would remain.
pub fn sanitize_session_name(name: &str) -> Option<String> {
    let s: String = name
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_+=,.@-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .take(64)
        .collect();
    (s.len() >= 2).then_some(s)
}

/// The RoleSessionName to send: the configured one, else the first of
/// `hints` that sanitizes to a valid name, else `vouch-UNIXTIME`.
pub fn session_name(configured: Option<&str>, hints: &[Option<&str>]) -> String {
    if let Some(c) = configured.filter(|c| !c.is_empty()) {
        return c.to_owned();
    }
    hints
        .iter()
        .flatten()
        .find_map(|h| sanitize_session_name(h))
        .unwrap_or_else(|| {
            let secs = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            format!("vouch-{secs}")
        })
}

/// The web identity token, from its file or its command. Messages never
/// quote the token, nor the command (it may carry a secret).
pub fn read_token(source: &TokenSource, world: &dyn World) -> Result<Secret> {
    let (raw, what) = match source {
        TokenSource::File(path) => (read_token_file(path, world)?, token_file_what(path)),
        TokenSource::Command(cmd) => (run_token_command(cmd)?, "token_command".to_owned()),
    };
    // Held as a Secret (zeroed on drop) from here on.
    let text = Secret::new(String::from_utf8(raw).map_err(|e| {
        e.into_bytes().fill(0);
        Error::auth(format!("the web identity token from {what} is not text"))
    })?);
    let token = text.expose().trim();
    if token.is_empty() {
        return Err(Error::auth(format!(
            "the web identity token from {what} is empty"
        )));
    }
    let n = token.chars().count();
    if n > MAX_TOKEN_CHARS {
        return Err(Error::auth(format!(
            "the web identity token from {what} is {n} characters long; STS accepts at most {MAX_TOKEN_CHARS}"
        )));
    }
    Ok(Secret::new(token))
}

fn token_file_what(path: &Path) -> String {
    format!("token_file {}", path.display())
}

fn read_token_file(path: &Path, world: &dyn World) -> Result<Vec<u8>> {
    let bytes = world.read(path).map_err(|e| {
        let what = token_file_what(path);
        match e.kind() {
            std::io::ErrorKind::NotFound => Error::auth(format!(
                "cannot read the web identity token: {what} does not exist"
            )),
            std::io::ErrorKind::PermissionDenied => {
                Error::denied(format!("cannot read the web identity token: {what}: {e}"))
            }
            _ => Error::auth(format!("cannot read the web identity token: {what}: {e}")),
        }
    })?;
    if bytes.len() > MAX_TOKEN_BYTES {
        return Err(Error::auth(format!(
            "{} is larger than {MAX_TOKEN_BYTES} bytes: not a web identity token",
            token_file_what(path)
        )));
    }
    Ok(bytes)
}

/// `sh -c COMMAND`: stdout captured (at most [`MAX_TOKEN_BYTES`]), stderr
/// and stdin the terminal's.
fn run_token_command(cmd: &Secret) -> Result<Vec<u8>> {
    let mut sh = Command::new("sh");
    sh.arg("-c").arg(cmd.expose());
    capture_stdout(
        &mut sh,
        "token_command",
        MAX_TOKEN_BYTES as u64,
        &format!("more than {MAX_TOKEN_BYTES} bytes: it should print the token only"),
        |e| Error::config(format!("cannot run token_command with sh: {e}")),
    )
}

/// Runs `cmd` (`token_command`'s `sh -c`, or a profile's
/// `credential_process`) with stdin and stderr the terminal's, and returns
/// what it printed on stdout, read up to `limit` bytes; no timeout. `what`
/// names the command in the messages (`"{what} printed {too_much}"` past
/// `limit`, `"{what} failed (exit status N); ..."`); `spawn_error` makes the
/// error for a command that cannot be started. The messages never quote the
/// output, and what was read is zeroed before it is dropped on an error.
pub(crate) fn capture_stdout(
    cmd: &mut Command,
    what: &str,
    limit: u64,
    too_much: &str,
    spawn_error: impl FnOnce(std::io::Error) -> Error,
) -> Result<Vec<u8>> {
    let mut child = cmd
        .stdin(Stdio::inherit())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(spawn_error)?;
    let mut stdout = Vec::new();
    let read = child
        .stdout
        .take()
        .map(|out| out.take(limit + 1).read_to_end(&mut stdout));
    if stdout.len() as u64 > limit {
        let _ = child.kill();
        let _ = child.wait();
        stdout.fill(0);
        return Err(Error::auth(format!("{what} printed {too_much}")));
    }
    let status = child
        .wait()
        .map_err(|e| Error::auth(format!("{what}: {e}")))?;
    if let Some(Err(e)) = read {
        return Err(Error::auth(format!("{what}: cannot read its output: {e}")));
    }
    if !status.success() {
        stdout.fill(0);
        let status = match status.code() {
            Some(c) => format!("exit status {c}"),
            None => {
                use std::os::unix::process::ExitStatusExt;
                match status.signal() {
                    Some(s) => format!("killed by signal {s}"),
                    None => "abnormal exit".to_owned(),
                }
            }
        };
        return Err(Error::auth(format!(
            "{what} failed ({status}); what it printed on stderr, if anything, is above"
        )));
    }
    Ok(stdout)
}

/// `sts:AssumeRole` with `creds` (the source's session): the settings of
/// `[assume-role]`, the SourceIdentity already worked out (see
/// [`crate::config::SourceIdentity::value`]) and the session name (see
/// [`session_name`]).
pub fn assume_role(
    creds: &Credentials,
    region: &str,
    role: &AssumeRole,
    source_identity: Option<&str>,
    session_name: &str,
    endpoint: Option<&str>,
) -> Result<RoleSession> {
    let what = format!("STS AssumeRole for {}", role.role_arn);
    let client = client(Some(creds), region, endpoint);
    let mut req = client
        .assume_role()
        .role_arn(&role.role_arn)
        .role_session_name(session_name)
        .duration_seconds(duration_seconds(role.duration));
    if let Some(s) = source_identity {
        req = req.source_identity(s);
    }
    if let Some(e) = &role.external_id {
        req = req.external_id(e);
    }
    let out = run(&what, req.send())?.map_err(|e| {
        let secrets = [
            Some(creds.secret_access_key.expose()),
            creds.session_token.as_ref().map(|t| t.expose()),
        ];
        scrub(map_sdk_error(&what, e), &secrets)
    })?;
    role_session(
        &what,
        out.credentials(),
        out.assumed_role_user(),
        None,
        out.source_identity(),
    )
}

/// `sts:AssumeRoleWithWebIdentity`: unsigned, the token is the credential.
pub fn assume_role_with_web_identity(
    role_arn: &str,
    token: &Secret,
    session_name: &str,
    region: &str,
    duration: Duration,
    endpoint: Option<&str>,
) -> Result<RoleSession> {
    let what = format!("STS AssumeRoleWithWebIdentity for {role_arn}");
    let client = client(None, region, endpoint);
    let req = client
        .assume_role_with_web_identity()
        .role_arn(role_arn)
        .role_session_name(session_name)
        .web_identity_token(token.expose())
        .duration_seconds(duration_seconds(duration));
    let out = run(&what, req.send())?
        .map_err(|e| scrub(map_sdk_error(&what, e), &[Some(token.expose())]))?;
    role_session(
        &what,
        out.credentials(),
        out.assumed_role_user(),
        out.subject_from_web_identity_token(),
        out.source_identity(),
    )
}

/// `sts:GetCallerIdentity` with `creds`.
pub fn get_caller_identity(
    creds: &Credentials,
    region: &str,
    endpoint: Option<&str>,
) -> Result<CallerIdentity> {
    let what = "STS GetCallerIdentity".to_owned();
    let client = client(Some(creds), region, endpoint);
    let out =
        run(&what, client.get_caller_identity().send())?.map_err(|e| map_sdk_error(&what, e))?;
    let field = |v: Option<&str>, name: &str| {
        v.map(str::to_owned)
            .ok_or_else(|| Error::network(format!("{what}: the answer has no {name}")))
    };
    Ok(CallerIdentity {
        account: field(out.account(), "Account")?,
        arn: field(out.arn(), "Arn")?,
        user_id: field(out.user_id(), "UserId")?,
    })
}

fn duration_seconds(d: Duration) -> i32 {
    i32::try_from(d.as_secs()).unwrap_or(i32::MAX)
}

/// An STS client: these credentials (none: unsigned), this region, no
/// profile or environment lookups by the SDK.
fn client(
    creds: Option<&Credentials>,
    region: &str,
    endpoint: Option<&str>,
) -> aws_sdk_sts::Client {
    use aws_sdk_sts::config::{BehaviorVersion, Region};
    let mut b = aws_sdk_sts::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()));
    if let Some(c) = creds {
        b = b.credentials_provider(aws_sdk_sts::config::Credentials::new(
            c.access_key_id.clone(),
            c.secret_access_key.expose().to_owned(),
            c.session_token.as_ref().map(|t| t.expose().to_owned()),
            c.expires_at,
            "vouch",
        ));
    }
    if let Some(e) = endpoint {
        b = b.endpoint_url(e);
    }
    aws_sdk_sts::Client::from_conf(b.build())
}

/// Runs `fut` on a fresh current-thread runtime under [`CALL_TIMEOUT`].
fn run<F: std::future::Future>(what: &str, fut: F) -> Result<F::Output> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::general(format!("cannot start the runtime for {what}: {e}")))?;
    rt.block_on(async { tokio::time::timeout(CALL_TIMEOUT, fut).await })
        .map_err(|_| {
            Error::network(format!(
                "{what} timed out after {} s",
                CALL_TIMEOUT.as_secs()
            ))
        })
}

fn role_session(
    what: &str,
    creds: Option<&aws_sdk_sts::types::Credentials>,
    user: Option<&aws_sdk_sts::types::AssumedRoleUser>,
    subject: Option<&str>,
    source_identity: Option<&str>,
) -> Result<RoleSession> {
    let c =
        creds.ok_or_else(|| Error::network(format!("{what}: the answer has no Credentials")))?;
    let expiration = c.expiration();
    let expires_at = UNIX_EPOCH
        .checked_add(Duration::from_secs(
            u64::try_from(expiration.secs()).unwrap_or(0),
        ))
        .filter(|_| expiration.secs() > 0)
        .ok_or_else(|| {
            Error::network(format!("{what}: the answer has an impossible Expiration"))
        })?;
    let credentials = Credentials {
        access_key_id: c.access_key_id().to_owned(),
        secret_access_key: Secret::new(c.secret_access_key()),
        session_token: Some(c.session_token())
            .filter(|t| !t.is_empty())
            .map(Secret::new),
        expires_at: Some(expires_at),
    };
    if credentials.access_key_id.is_empty() || credentials.secret_access_key.expose().is_empty() {
        return Err(Error::network(format!(
            "{what}: the answer has no access key"
        )));
    }
    Ok(RoleSession {
        credentials,
        assumed_role_arn: user.map(|u| u.arn().to_owned()).unwrap_or_default(),
        assumed_role_id: user
            .map(|u| u.assumed_role_id().to_owned())
            .unwrap_or_default(),
        subject: subject.filter(|s| !s.is_empty()).map(str::to_owned),
        source_identity: source_identity.filter(|s| !s.is_empty()).map(str::to_owned),
    })
}

/// Which exit code an STS error code (or HTTP status) stands for.
fn classify(code: Option<&str>, status: Option<u16>) -> crate::error::ExitCode {
    use crate::error::ExitCode;
    match code.unwrap_or("") {
        "AccessDenied" | "AccessDeniedException" => ExitCode::PermissionDenied,
        "ExpiredToken"
        | "ExpiredTokenException"
        | "InvalidIdentityToken"
        | "InvalidIdentityTokenException"
        | "IDPRejectedClaim"
        | "IDPRejectedClaimException"
        | "InvalidClientTokenId"
        | "SignatureDoesNotMatch"
        | "IncompleteSignature"
        | "MissingAuthenticationToken"
        | "UnrecognizedClientException" => ExitCode::NotAuthenticated,
        "ValidationError"
        | "MalformedPolicyDocument"
        | "MalformedPolicyDocumentException"
        | "PackedPolicyTooLarge"
        | "PackedPolicyTooLargeException"
        | "RegionDisabledException"
        | "InvalidParameterValue"
        | "InvalidParameterCombination"
        | "MissingParameter" => ExitCode::Configuration,
        "IDPCommunicationError"
        | "IDPCommunicationErrorException"
        | "Throttling"
        | "ThrottlingException"
        | "RequestLimitExceeded"
        | "ServiceUnavailable"
        | "InternalFailure" => ExitCode::Network,
        _ if status.is_some_and(|s| s >= 500) => ExitCode::Network,
        _ => ExitCode::NotAuthenticated,
    }
}

fn map_sdk_error<E>(what: &str, err: SdkError<E>) -> Error
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    match &err {
        SdkError::ServiceError(se) => {
            let e = se.err();
            let status = se.raw().status().as_u16();
            let code = e.code();
            let exit = classify(code, Some(status));
            let mut msg = format!("{what} failed: ");
            match (code, e.message()) {
                (Some(c), Some(m)) => msg.push_str(&format!("{c}: {m}")),
                (Some(c), None) => msg.push_str(c),
                (None, Some(m)) => msg.push_str(m),
                (None, None) => msg.push_str(&format!("HTTP status {status}")),
            }
            Error::new(exit, msg)
        }
        SdkError::TimeoutError(_) => Error::network(format!("{what} timed out")),
        SdkError::DispatchFailure(_) => {
            Error::network(format!("{what}: cannot reach STS: {}", error_chain(&err)))
        }
        SdkError::ResponseError(_) => Error::network(format!(
            "{what}: STS sent an answer that cannot be read: {}",
            error_chain(&err)
        )),
        SdkError::ConstructionFailure(_) => Error::config(format!(
            "{what}: the request cannot be made: {}",
            error_chain(&err)
        )),
        _ => Error::general(format!("{what} failed: {}", error_chain(&err))),
    }
}

/// STS's messages quote some inputs back: make sure no secret is among
/// them.
fn scrub(mut e: Error, secrets: &[Option<&str>]) -> Error {
    for s in secrets.iter().flatten().filter(|s| s.len() >= 4) {
        if e.message.contains(s) {
            e.message = e.message.replace(s, "***");
        }
    }
    e
}

/// `outer: inner: innermost`, skipping parts already said.
fn error_chain(err: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = cur {
        let s = e.to_string();
        if !s.is_empty() && !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
        cur = e.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ExitCode;
    use crate::world::FakeWorld;

    #[test]
    fn endpoint_override_is_read_like_the_sdk() {
        let w = FakeWorld::new();
        assert_eq!(endpoint_override(&w), None);
        let w = FakeWorld::new().var("AWS_ENDPOINT_URL", "http://127.0.0.1:1");
        assert_eq!(endpoint_override(&w).as_deref(), Some("http://127.0.0.1:1"));
        let w = w.var("AWS_ENDPOINT_URL_STS", " http://127.0.0.1:2 ");
        assert_eq!(endpoint_override(&w).as_deref(), Some("http://127.0.0.1:2"));
        let w = w.var("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true");
        assert_eq!(endpoint_override(&w), None);
        let w = FakeWorld::new()
            .var("AWS_ENDPOINT_URL_STS", "")
            .var("AWS_ENDPOINT_URL", "http://127.0.0.1:3");
        assert_eq!(endpoint_override(&w).as_deref(), Some("http://127.0.0.1:3"));
    }

    #[test]
    fn default_region_from_the_environment() {
        assert_eq!(default_region(&FakeWorld::new()), "us-east-1");
        let w = FakeWorld::new().var("AWS_DEFAULT_REGION", "eu-west-1");
        assert_eq!(default_region(&w), "eu-west-1");
        let w = w.var("AWS_REGION", "eu-central-1");
        assert_eq!(default_region(&w), "eu-central-1");
    }

    #[test]
    fn session_names_are_sanitized() {
        assert_eq!(
            sanitize_session_name("Alice Smith (ops)").as_deref(),
            Some("Alice-Smith--ops-")
        );
        assert_eq!(
            sanitize_session_name("alice@example.com").as_deref(),
            Some("alice@example.com")
        );
        assert_eq!(sanitize_session_name("é").as_deref(), None);
        assert_eq!(sanitize_session_name(" x ").as_deref(), None);
        assert_eq!(sanitize_session_name("Zoë").as_deref(), Some("Zo-"));
        let long = "a".repeat(100);
        assert_eq!(sanitize_session_name(&long).unwrap().len(), 64);
        assert_eq!(session_name(Some("given"), &[Some("cn")]), "given");
        assert_eq!(session_name(None, &[None, Some("x"), Some("bob")]), "bob");
        assert!(session_name(None, &[None]).starts_with("vouch-"));
    }

    #[test]
    fn tokens_from_a_file() {
        let w = FakeWorld::new().file("/t", "  eyJ.abc.def\n");
        let t = read_token(&TokenSource::File("/t".into()), &w).unwrap();
        assert_eq!(t.expose(), "eyJ.abc.def");
        let e = read_token(&TokenSource::File("/missing".into()), &w).unwrap_err();
        assert_eq!(e.code, ExitCode::NotAuthenticated);
        assert!(e.message.contains("/missing"), "{e}");
        let w = FakeWorld::new().file("/t", "\n \n");
        let e = read_token(&TokenSource::File("/t".into()), &w).unwrap_err();
        assert!(e.message.contains("empty"), "{e}");
        let w = FakeWorld::new().file("/t", &"x".repeat(MAX_TOKEN_CHARS + 1));
        let e = read_token(&TokenSource::File("/t".into()), &w).unwrap_err();
        assert!(e.message.contains("20000"), "{e}");
        assert!(!e.message.contains("xxxx"), "{e}");
    }

    #[test]
    fn tokens_from_a_command() {
        let cmd = |c: &str| TokenSource::Command(Secret::new(c));
        let w = FakeWorld::new();
        let t = read_token(&cmd("echo progress >&2; printf ' tok.en \\n'"), &w).unwrap();
        assert_eq!(t.expose(), "tok.en");
        let e = read_token(&cmd("echo SECRETTOKEN; exit 3"), &w).unwrap_err();
        assert_eq!(e.code, ExitCode::NotAuthenticated);
        assert!(e.message.contains("exit status 3"), "{e}");
        assert!(!e.message.contains("SECRETTOKEN"), "{e}");
        let e = read_token(&cmd("head -c 70000 /dev/zero | tr '\\0' a"), &w).unwrap_err();
        assert!(e.message.contains("more than"), "{e}");
        let e = read_token(&cmd("true"), &w).unwrap_err();
        assert!(e.message.contains("empty"), "{e}");
    }

    #[test]
    fn error_codes_map_to_exit_codes() {
        assert_eq!(
            classify(Some("AccessDenied"), Some(403)),
            ExitCode::PermissionDenied
        );
        assert_eq!(
            classify(Some("ExpiredTokenException"), Some(400)),
            ExitCode::NotAuthenticated
        );
        assert_eq!(
            classify(Some("InvalidIdentityToken"), Some(400)),
            ExitCode::NotAuthenticated
        );
        assert_eq!(
            classify(Some("ValidationError"), Some(400)),
            ExitCode::Configuration
        );
        assert_eq!(classify(None, Some(503)), ExitCode::Network);
        assert_eq!(
            classify(Some("Whatever"), Some(400)),
            ExitCode::NotAuthenticated
        );
    }

    #[test]
    fn secrets_are_scrubbed_from_messages() {
        let e = scrub(
            Error::config("Value 'tok.en.x' at 'webIdentityToken' failed"),
            &[Some("tok.en.x"), None],
        );
        assert_eq!(e.message, "Value '***' at 'webIdentityToken' failed");
        assert_eq!(e.code, ExitCode::Configuration);
    }

    #[test]
    fn an_unreachable_endpoint_is_a_network_error() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let e = assume_role_with_web_identity(
            "arn:aws:iam::123456789012:role/r",
            &Secret::new("SECRETTOKEN"),
            "s1",
            "us-east-1",
            Duration::from_secs(900),
            Some(&format!("http://127.0.0.1:{port}")),
        )
        .unwrap_err();
        assert_eq!(e.code, ExitCode::Network, "{e}");
        assert!(e.message.contains("AssumeRoleWithWebIdentity"), "{e}");
        assert!(!e.message.contains("SECRETTOKEN"), "{e}");
    }
}
