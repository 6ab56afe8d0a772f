//! What every AWS API call vouch makes through the SDK shares: a
//! current-thread runtime built for the call only (so the paths that need
//! no API never start one), a time limit, the endpoint override as the SDK
//! reads it, and errors that name the call, carry the service's code and
//! message cleaned for a terminal, and never a secret.

use std::error::Error as StdError;
use std::time::Duration;

use aws_sdk_sts::error::ProvideErrorMetadata;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;

use crate::credentials::Credentials;
use crate::error::{Error, ExitCode, Result};
use crate::world::World;

/// `creds` as the SDKs take them (their credentials type is shared).
pub fn sdk_credentials(creds: &Credentials) -> aws_credential_types::Credentials {
    aws_credential_types::Credentials::new(
        creds.access_key_id.clone(),
        creds.secret_access_key.expose().to_owned(),
        creds.session_token.as_ref().map(|t| t.expose().to_owned()),
        creds.expires_at,
        "vouch",
    )
}

/// A whole call, retries included, may take this long.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// A service's endpoint override, as the SDK reads it:
/// `AWS_ENDPOINT_URL_<SERVICE>`, else `AWS_ENDPOINT_URL` (empty values
/// ignored), none at all when `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is
/// `true`. `service_var` is the variable's suffix, e.g. `STS`.
pub fn endpoint_override(world: &dyn World, service_var: &str) -> Option<String> {
    let ignore = world
        .var("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
    if ignore {
        return None;
    }
    [
        format!("AWS_ENDPOINT_URL_{service_var}"),
        "AWS_ENDPOINT_URL".to_owned(),
    ]
    .iter()
    .filter_map(|v| world.var(v))
    .map(|v| v.trim().to_owned())
    .find(|v| !v.is_empty())
}

/// Runs `fut` on a fresh current-thread runtime under [`CALL_TIMEOUT`].
pub fn run<F: std::future::Future>(what: &str, fut: F) -> Result<F::Output> {
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

/// The error for a failed call to `service` ("STS", "Redshift"...); its
/// exit code from `classify` (the error code and HTTP status). What the
/// service (or whatever answered) sent is not trusted: `secrets` are
/// replaced by `***` first (services quote some inputs back), then it is
/// [`clean`]ed: control characters and bidirectional overrides replaced,
/// the length capped. In that order, so that a cap cannot cut a secret
/// short of being recognised.
pub fn map_sdk_error<E>(
    what: &str,
    service: &str,
    err: SdkError<E, HttpResponse>,
    secrets: &[Option<&str>],
    classify: fn(Option<&str>, Option<u16>) -> ExitCode,
) -> Error
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    let remote = |s: &str, max: usize| clean(&scrub_str(s, secrets), max);
    match &err {
        SdkError::ServiceError(se) => {
            let e = se.err();
            let status = se.raw().status().as_u16();
            let code = e.code();
            let exit = classify(code, Some(status));
            let mut msg = format!("{what} failed: ");
            let code = code.map(|c| remote(c, MAX_CODE_CHARS));
            let message = e.message().map(|m| remote(m, MAX_MESSAGE_CHARS));
            match (code, message) {
                (Some(c), Some(m)) => msg.push_str(&format!("{c}: {m}")),
                (Some(c), None) => msg.push_str(&c),
                (None, Some(m)) => msg.push_str(&m),
                (None, None) => msg.push_str(&format!("HTTP status {status}")),
            }
            Error::new(exit, msg)
        }
        SdkError::TimeoutError(_) => Error::network(format!("{what} timed out")),
        SdkError::DispatchFailure(_) => Error::network(format!(
            "{what}: cannot reach {service}: {}",
            remote(&error_chain(&err), MAX_CHAIN_CHARS)
        )),
        SdkError::ResponseError(_) => Error::network(format!(
            "{what}: {service} sent an answer that cannot be read: {}",
            remote(&error_chain(&err), MAX_CHAIN_CHARS)
        )),
        SdkError::ConstructionFailure(_) => Error::config(format!(
            "{what}: the request cannot be made: {}",
            remote(&error_chain(&err), MAX_CHAIN_CHARS)
        )),
        _ => Error::general(format!(
            "{what} failed: {}",
            remote(&error_chain(&err), MAX_CHAIN_CHARS)
        )),
    }
}

/// The most shown of a service's error code, of its message, and of the chain
/// of errors of a failure that is not STS's answer.
pub const MAX_CODE_CHARS: usize = 100;
pub const MAX_MESSAGE_CHARS: usize = 300;
pub const MAX_CHAIN_CHARS: usize = 500;

/// Services' messages quote some inputs back: `s` with each of `secrets` (of 4 bytes or more) replaced by `***`.
pub fn scrub_str(s: &str, secrets: &[Option<&str>]) -> String {
    let mut s = s.to_owned();
    for secret in secrets.iter().flatten().filter(|x| x.len() >= 4) {
        if s.contains(secret) {
            s = s.replace(secret, "***");
        }
    }
    s
}

/// Text from the other end made safe to print on a terminal: control
/// characters (C0, DEL and C1, so ESC and CSI: no escape sequences) and
/// the bidirectional marks, embeddings, overrides and isolates (which can
/// make text read other than it is) each become `?`; at most `max`
/// characters are kept, `...` marking a cut.
pub fn clean(s: &str, max: usize) -> String {
    let unsafe_char = |c: char| {
        c.is_control()
            || matches!(
                c,
                '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
            )
    };
    let mut out: String = s
        .chars()
        .take(max)
        .map(|c| if unsafe_char(c) { '?' } else { c })
        .collect();
    if s.chars().nth(max).is_some() {
        out.push_str("...");
    }
    out
}

/// `outer: inner: innermost`, skipping parts already said.
pub fn error_chain(err: &(dyn StdError + 'static)) -> String {
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
