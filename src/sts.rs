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
//! The web identity token comes from a file (re-read at each login; a
//! regular file only, so never a FIFO or a device) or from the standard
//! output of `token_command` run by `sh` (handed over in the environment,
//! never on a command line other users can see; stderr goes to the
//! terminal, stdin is inherited so a helper may prompt); it is trimmed, at
//! most [`MAX_TOKEN_BYTES`] read, kept as a [`Secret`] and never printed.
//!
//! What STS says in an error is cleaned before it is shown: no control
//! characters (so no terminal escape sequences), no bidirectional
//! overrides, at most a few hundred characters.

use std::error::Error as StdError;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};

use crate::awsapi::{self, run};

use crate::config::AssumeRole;
use crate::config::TokenSource;
use crate::credentials::{Credentials, Secret};
use crate::error::{Error, Result};
use crate::world::World;

pub use crate::awsapi::CALL_TIMEOUT;

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
    awsapi::endpoint_override(world, "STS")
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
/// quote the token, nor the command (it may carry a secret). Both come
/// from the real machine, not `_world`: the file is read with checks
/// [`World`] cannot make (see [`read_token_file`]), as the command is run.
pub fn read_token(source: &TokenSource, _world: &dyn World) -> Result<Secret> {
    let (raw, what) = match source {
        TokenSource::File(path) => (read_token_file(path)?, token_file_what(path)),
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

/// Reads `path` from the real file system (not through [`World`], which
/// can neither refuse a FIFO or a device before reading it nor stop after
/// [`MAX_TOKEN_BYTES`]): opened without blocking (a FIFO without a writer
/// must not hang us), then the opened descriptor `fstat`ed and anything
/// but a regular file refused; a file larger than [`MAX_TOKEN_BYTES`] is
/// refused by its size, and at most `MAX_TOKEN_BYTES + 1` bytes are read
/// (it may grow meanwhile).
fn read_token_file(path: &Path) -> Result<Vec<u8>> {
    use std::os::unix::fs::OpenOptionsExt;
    use std::os::unix::io::AsRawFd;
    let what = || token_file_what(path);
    let io_error = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::NotFound => Error::auth(format!(
            "cannot read the web identity token: {} does not exist",
            what()
        )),
        std::io::ErrorKind::PermissionDenied => Error::denied(format!(
            "cannot read the web identity token: {}: {e}",
            what()
        )),
        _ => Error::auth(format!(
            "cannot read the web identity token: {}: {e}",
            what()
        )),
    };
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(nix::libc::O_NONBLOCK | nix::libc::O_NOCTTY)
        .open(path)
        .map_err(io_error)?;
    // fstat(2) of what was opened, not stat(2) of the name.
    let meta = file.metadata().map_err(io_error)?;
    if !meta.is_file() {
        return Err(Error::auth(format!(
            "{} is not a regular file ({}): not a web identity token",
            what(),
            file_kind(&meta.file_type())
        )));
    }
    if meta.len() > MAX_TOKEN_BYTES as u64 {
        return Err(too_large(path));
    }
    // Back to blocking reads (O_NONBLOCK means nothing for a local regular
    // file, but a network or FUSE file system may honour it).
    nix::fcntl::fcntl(
        file.as_raw_fd(),
        nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::empty()),
    )
    .map_err(|e| io_error(e.into()))?;
    // Room for all that is read, so the token is never copied by a
    // reallocation (and left behind, unzeroed).
    let mut bytes = Vec::with_capacity(MAX_TOKEN_BYTES + 1);
    let read = file
        .take(MAX_TOKEN_BYTES as u64 + 1)
        .read_to_end(&mut bytes);
    if let Err(e) = read {
        bytes.fill(0);
        return Err(io_error(e));
    }
    if bytes.len() > MAX_TOKEN_BYTES {
        bytes.fill(0);
        return Err(too_large(path));
    }
    Ok(bytes)
}

fn too_large(path: &Path) -> Error {
    Error::auth(format!(
        "{} is larger than {MAX_TOKEN_BYTES} bytes: not a web identity token",
        token_file_what(path)
    ))
}

/// What a file that is not a regular file is, for messages.
fn file_kind(t: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a file"
    }
}

/// The environment variable that carries `token_command` to `sh`: on the
/// command line it would show in `ps` to every local user while it runs,
/// while a process's environment is readable by its own user (and root)
/// only.
const TOKEN_COMMAND_VAR: &str = "VOUCH_TOKEN_COMMAND";
/// The shell variable (never exported) that holds the command once
/// [`TOKEN_COMMAND_VAR`] is unset.
const TOKEN_COMMAND_SHELL_VAR: &str = "__vouch_token_command";

/// `sh -c SCRIPT` with the command in [`TOKEN_COMMAND_VAR`]: the script
/// moves it into an unexported shell variable, unsets the environment
/// variable (so the programs the command runs do not inherit it) and
/// `eval`s it, which runs it as `sh -c COMMAND` would. Nothing secret is in
/// the arguments.
fn token_command(cmd: &Secret) -> Command {
    let mut sh = Command::new("sh");
    sh.arg("-c")
        .arg(format!(
            "{TOKEN_COMMAND_SHELL_VAR}=${TOKEN_COMMAND_VAR}; unset {TOKEN_COMMAND_VAR}; eval \"${TOKEN_COMMAND_SHELL_VAR}\""
        ))
        // An inherited (so exported) variable of that name would keep its
        // export flag when assigned: it must not be in the environment.
        .env_remove(TOKEN_COMMAND_SHELL_VAR)
        .env(TOKEN_COMMAND_VAR, cmd.expose());
    sh
}

/// `token_command` (see [`token_command`]): stdout captured (at most
/// [`MAX_TOKEN_BYTES`]), stderr and stdin the terminal's.
fn run_token_command(cmd: &Secret) -> Result<Vec<u8>> {
    capture_stdout(
        &mut token_command(cmd),
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
        map_sdk_error(&what, e, &secrets)
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
    let out =
        run(&what, req.send())?.map_err(|e| map_sdk_error(&what, e, &[Some(token.expose())]))?;
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
    let secrets = [
        Some(creds.secret_access_key.expose()),
        creds.session_token.as_ref().map(|t| t.expose()),
    ];
    let out = run(&what, client.get_caller_identity().send())?
        .map_err(|e| map_sdk_error(&what, e, &secrets))?;
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
        b = b.credentials_provider(awsapi::sdk_credentials(c));
    }
    if let Some(e) = endpoint {
        b = b.endpoint_url(e);
    }
    aws_sdk_sts::Client::from_conf(b.build())
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

/// The error for a failed STS call (see [`awsapi::map_sdk_error`]).
fn map_sdk_error<E>(what: &str, err: SdkError<E>, secrets: &[Option<&str>]) -> Error
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    awsapi::map_sdk_error(what, "STS", err, secrets, classify)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::awsapi::{clean, scrub_str, MAX_MESSAGE_CHARS};
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

    /// A token file `name` in `dir` holding `content`.
    fn token_file(dir: &tempfile::TempDir, name: &str, content: &[u8]) -> TokenSource {
        let p = dir.path().join(name);
        std::fs::write(&p, content).unwrap();
        TokenSource::File(p)
    }

    #[test]
    fn tokens_from_a_file() {
        let w = FakeWorld::new();
        let dir = tempfile::tempdir().unwrap();
        let t = read_token(&token_file(&dir, "t", b"  eyJ.abc.def\n"), &w).unwrap();
        assert_eq!(t.expose(), "eyJ.abc.def");
        let missing = TokenSource::File(dir.path().join("missing"));
        let e = read_token(&missing, &w).unwrap_err();
        assert_eq!(e.code, ExitCode::NotAuthenticated);
        assert!(
            e.message.contains("missing") && e.message.contains("does not exist"),
            "{e}"
        );
        let e = read_token(&token_file(&dir, "blank", b"\n \n"), &w).unwrap_err();
        assert!(e.message.contains("empty"), "{e}");
        let long = "x".repeat(MAX_TOKEN_CHARS + 1);
        let e = read_token(&token_file(&dir, "long", long.as_bytes()), &w).unwrap_err();
        assert!(e.message.contains("20000"), "{e}");
        assert!(!e.message.contains("xxxx"), "{e}");
        let e = read_token(&token_file(&dir, "bin", b"\xff\xfe"), &w).unwrap_err();
        assert!(e.message.contains("not text"), "{e}");
        // Exactly the limit is read; one byte more is refused.
        let at_limit = format!("{}\n", " ".repeat(MAX_TOKEN_BYTES - 2) + "t");
        let t = read_token(&token_file(&dir, "fits", at_limit.as_bytes()), &w).unwrap();
        assert_eq!(t.expose(), "t");
        let over = " ".repeat(MAX_TOKEN_BYTES + 1);
        let e = read_token(&token_file(&dir, "over", over.as_bytes()), &w).unwrap_err();
        assert!(e.message.contains("larger than 65536 bytes"), "{e}");
    }

    #[test]
    fn a_token_file_that_is_not_a_regular_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        // A FIFO nobody writes to: refused at once, not waited on.
        let fifo = dir.path().join("fifo");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let source = TokenSource::File(fifo);
        std::thread::spawn(move || {
            let _ = tx.send(read_token_file(match &source {
                TokenSource::File(p) => p,
                TokenSource::Command(_) => unreachable!(),
            }));
        });
        let e = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("reading a FIFO token_file hangs")
            .unwrap_err();
        assert_eq!(e.code, ExitCode::NotAuthenticated);
        assert!(e.message.contains("not a regular file (a FIFO)"), "{e}");
        // A device that never ends.
        let e = read_token_file(Path::new("/dev/zero")).unwrap_err();
        assert!(
            e.message
                .contains("not a regular file (a character device)"),
            "{e}"
        );
        // A directory.
        let e = read_token_file(dir.path()).unwrap_err();
        assert!(
            e.message.contains("not a regular file (a directory)"),
            "{e}"
        );
        // Through a symbolic link, the target is what counts.
        let link = dir.path().join("link");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        let e = read_token_file(&link).unwrap_err();
        assert!(e.message.contains("a character device"), "{e}");
    }

    #[test]
    fn an_oversized_token_file_is_refused_without_reading_it() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big");
        // 300 MB that take no room on disk (a sparse file).
        std::fs::File::create(&big)
            .unwrap()
            .set_len(300 << 20)
            .unwrap();
        let started = std::time::Instant::now();
        let e = read_token_file(&big).unwrap_err();
        assert!(e.message.contains("larger than 65536 bytes"), "{e}");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
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
        // Still a shell command line: quoting, several lines, variables.
        let t = read_token(&cmd("x='a b'\nif true; then printf '%s' \"$x\"; fi"), &w).unwrap();
        assert_eq!(t.expose(), "a b");
        let e = read_token(&cmd("if then fi"), &w).unwrap_err();
        assert!(e.message.contains("exit status 2"), "{e}");
    }

    #[test]
    fn the_token_command_is_not_on_a_command_line() {
        let secret = "curl -H 'Authorization: Bearer SECRETAPIKEY' https://example";
        let c = token_command(&Secret::new(secret));
        let args: Vec<String> = std::iter::once(c.get_program())
            .chain(c.get_args())
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert!(!args.join(" ").contains("SECRETAPIKEY"), "{args:?}");
        let envs: Vec<_> = c.get_envs().collect();
        assert!(envs.contains(&(
            std::ffi::OsStr::new(TOKEN_COMMAND_VAR),
            Some(std::ffi::OsStr::new(secret))
        )));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_token_command_is_invisible_to_ps_and_not_inherited() {
        let w = FakeWorld::new();
        // `$$` is the shell that runs the command: its argv (what `ps`
        // shows) must not hold the command; the programs it runs (`env`)
        // must not have it in their environment.
        let source = TokenSource::Command(Secret::new(
            ": SECRETMARK; tr '\\0' ' ' </proc/$$/cmdline; echo; \
             env | grep -c -e SECRETMARK -e VOUCH_TOKEN_COMMAND -e __vouch || true",
        ));
        let t = read_token(&source, &w).unwrap();
        let out = t.expose();
        assert!(!out.contains("SECRETMARK"), "{out}");
        assert!(out.contains("eval"), "{out}");
        assert!(out.ends_with("\n0") || out.ends_with(" 0"), "{out}");
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
        let s = scrub_str(
            "Value 'tok.en.x' at 'webIdentityToken' failed",
            &[Some("tok.en.x"), None, Some("abc")],
        );
        assert_eq!(s, "Value '***' at 'webIdentityToken' failed");
    }

    #[test]
    fn remote_text_is_cleaned() {
        // Escape sequences (7-bit ESC and 8-bit CSI), other controls.
        assert_eq!(
            clean(
                "Access\u{1b}]0;pwned\u{7}\u{1b}[2J denied\r\n\u{9b}31m\u{7f}\0",
                300
            ),
            "Access?]0;pwned??[2J denied???31m??"
        );
        // Bidirectional overrides, isolates and marks.
        let bidi = "a\u{202A}\u{202B}\u{202C}\u{202D}\u{202E}\u{2066}\u{2067}\u{2068}\u{2069}\u{200E}\u{200F}\u{061C}b";
        assert_eq!(clean(bidi, 300), "a????????????b");
        // Other text is kept as it is.
        assert_eq!(clean("Zoë: ünïcode ok, tab?", 300), "Zoë: ünïcode ok, tab?");
        // The length is capped (in characters, never cutting one).
        assert_eq!(
            clean(&"é".repeat(301), 300),
            format!("{}...", "é".repeat(300))
        );
        assert_eq!(clean(&"x".repeat(300), 300), "x".repeat(300));
        // Secrets are replaced before the cap, so a cut cannot leave part
        // of one.
        let token = format!("eyJ{}", "t".repeat(400));
        let msg = format!("Value '{token}' at 'webIdentityToken' failed\u{1b}[0m");
        let shown = clean(&scrub_str(&msg, &[Some(&token)]), MAX_MESSAGE_CHARS);
        assert_eq!(shown, "Value '***' at 'webIdentityToken' failed?[0m");
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
