//! AWS credentials, found the way the AWS CLI (botocore) finds them.
//!
//! This module owns the credential chain: [`resolve`] returns the
//! credentials vouch signs with and where they came from, and
//! [`profile_region`] the active profile's `region`. The cheap sources are
//! read natively, with no async runtime and no SDK loading: environment
//! variables (microseconds), static keys in either shared file, and
//! `credential_process`. Everything that needs AWS calls or SDK machinery
//! (assume-role chains, SSO, web identity, `login_session`, container and
//! instance-metadata credentials) is delegated to `aws-config` on a
//! current-thread tokio runtime built only then.
//!
//! Submodules: `chain` (the order of sources and what to do, pure),
//! `profile` (profile selection and the shared files), `ini` (botocore's INI
//! dialect), `shlex` (POSIX word splitting), `process`
//! (credential_process), `expiry` (timestamps), `sdk` (the aws-config
//! delegation).
//!
//! No secret ever reaches an error message, a `Debug` print or a log line:
//! [`Secret`] prints as `***`.

mod chain;
pub mod expiry;
mod ini;
mod process;
mod profile;
mod sdk;
mod shlex;

use crate::error::{Error, Result};
use crate::world::World;
use std::fmt;
use std::path::PathBuf;
use std::time::SystemTime;

/// A secret string: `Debug` and `Display` print `***`; [`Secret::expose`]
/// gives the value to the code that signs with it. Zeroed on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        let mut bytes = std::mem::take(&mut self.0).into_bytes();
        bytes.fill(0);
        std::hint::black_box(&bytes);
    }
}

/// AWS credentials. The access key id is not secret; the rest is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: Secret,
    pub session_token: Option<Secret>,
    pub expires_at: Option<SystemTime>,
}

/// Where credentials came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialSource {
    /// `AWS_ACCESS_KEY_ID` and friends.
    Environment,
    /// Static keys in the shared credentials file.
    SharedCredentialsFile { profile: String, path: PathBuf },
    /// Static keys in the config file.
    ConfigFile { profile: String, path: PathBuf },
    /// The profile's `credential_process`, run natively.
    CredentialProcess { profile: String },
    /// Delegated to the AWS SDK (aws-config). `kind` is one of
    /// `"assume-role"`, `"sso"`, `"web-identity"`, `"login"`, `"container"`,
    /// `"instance-metadata"`. `profile` is the profile it was read from; it
    /// is empty for sources that are not a profile's (container, instance
    /// metadata, and web identity set by `AWS_WEB_IDENTITY_TOKEN_FILE`).
    Sdk { profile: String, kind: &'static str },
    /// vouch's cached session from the configured source (`vouch login`).
    Session { source: String },
}

impl fmt::Display for CredentialSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialSource::Session { source } => write!(f, "vouch session ({source})"),
            CredentialSource::Environment => {
                f.write_str("environment variables (AWS_ACCESS_KEY_ID)")
            }
            CredentialSource::SharedCredentialsFile { profile, path }
            | CredentialSource::ConfigFile { profile, path } => {
                write!(f, "profile \"{profile}\" in {}", path.display())
            }
            CredentialSource::CredentialProcess { profile } => {
                write!(f, "credential_process of profile \"{profile}\"")
            }
            CredentialSource::Sdk {
                kind: "container", ..
            } => f.write_str("container credentials (AWS SDK)"),
            CredentialSource::Sdk {
                kind: "instance-metadata",
                ..
            } => f.write_str("EC2 instance metadata (AWS SDK)"),
            CredentialSource::Sdk { profile, kind } if profile.is_empty() => {
                write!(f, "{kind} via AWS_WEB_IDENTITY_TOKEN_FILE (AWS SDK)")
            }
            CredentialSource::Sdk { profile, kind } => {
                write!(f, "{kind} via profile \"{profile}\" (AWS SDK)")
            }
        }
    }
}

/// What the command line says about credentials.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChainOptions {
    /// `--profile`; `None` means `AWS_DEFAULT_PROFILE`, `AWS_PROFILE` or
    /// `default` (in that order, as botocore).
    pub profile: Option<String>,
}

/// Finds credentials in botocore's order (see `chain`), checks them and
/// says where they came from.
///
/// Errors: [`Error::auth`] when credentials are missing, incomplete or
/// expired; [`Error::config`] when the profile configuration cannot be used
/// (unknown profile, unparsable file, bad assume-role/SSO settings);
/// [`Error::network`] when an AWS endpoint could not be reached.
pub fn resolve(
    opts: &ChainOptions,
    world: &dyn World,
    now: SystemTime,
) -> Result<(Credentials, CredentialSource)> {
    let (creds, source) = match chain::plan(opts, world)? {
        chain::Plan::Ready(creds, source) => (creds, source),
        chain::Plan::Process { profile, command } => {
            let creds = process::run(&profile, &command)?;
            (creds, CredentialSource::CredentialProcess { profile })
        }
        chain::Plan::Sdk(req) => (sdk::fetch(&req)?, req.source()),
    };
    validate(&creds, &source, now)?;
    Ok((creds, source))
}

/// The region the profile configures (`region` in the config file for the
/// active profile, or in its credentials-file section, which botocore
/// merges in), for the lowest rung of region precedence. `None` when unset,
/// empty, or the files cannot be read.
pub fn profile_region(opts: &ChainOptions, world: &dyn World) -> Option<String> {
    let name = profile::ProfileName::select(opts, world);
    let files = profile::ProfileFiles::load(world).ok()?;
    let merged = files.merged(&name.name);
    merged
        .get("region")?
        .text()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned)
}

/// The checks every source's credentials pass before use.
fn validate(creds: &Credentials, source: &CredentialSource, now: SystemTime) -> Result<()> {
    if creds.access_key_id.is_empty() {
        return Err(Error::auth(format!(
            "the AWS access key id from {source} is empty"
        )));
    }
    if creds.secret_access_key.expose().is_empty() {
        return Err(Error::auth(format!(
            "the AWS credentials from {source} have an access key id but no secret access key"
        )));
    }
    if creds.access_key_id.starts_with("ASIA") && creds.session_token.is_none() {
        let hint = match source {
            CredentialSource::Environment => "set AWS_SESSION_TOKEN too".to_owned(),
            CredentialSource::SharedCredentialsFile { profile, path }
            | CredentialSource::ConfigFile { profile, path } => {
                format!(
                    "add aws_session_token to profile \"{profile}\" in {}",
                    path.display()
                )
            }
            CredentialSource::CredentialProcess { .. } => {
                "the credential_process must print SessionToken".to_owned()
            }
            CredentialSource::Sdk { .. } => "the AWS SDK returned no session token".to_owned(),
            CredentialSource::Session { .. } => "run `vouch login` again".to_owned(),
        };
        return Err(Error::auth(format!(
            "temporary AWS credentials (ASIA...) need a session token: {hint}; the key came from {source}"
        )));
    }
    if let Some(exp) = creds.expires_at {
        if exp <= now {
            let hint = match source {
                CredentialSource::Environment => {
                    "export fresh ones (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, \
                     AWS_CREDENTIAL_EXPIRATION), e.g. from `aws configure export-credentials --format env`"
                        .to_owned()
                }
                CredentialSource::CredentialProcess { profile } => format!(
                    "the credential_process of profile \"{profile}\" returned stale credentials; \
                     refresh whatever it reads (e.g. `aws sso login --profile {profile}`) and check the clock"
                ),
                CredentialSource::Sdk { profile, kind: "sso" } => {
                    format!("run `aws sso login --profile {profile}`")
                }
                _ => "refresh them (e.g. `aws sso login`) and check the system clock".to_owned(),
            };
            return Err(Error::auth(format!(
                "the AWS credentials from {source} expired at {}: {hint}",
                expiry::format(exp)
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ExitCode;
    use crate::world::FakeWorld;
    use std::time::{Duration, UNIX_EPOCH};

    fn now() -> SystemTime {
        // 2024-05-01T12:00:00Z
        UNIX_EPOCH + Duration::from_secs(1_714_564_800)
    }

    fn world() -> FakeWorld {
        FakeWorld::new()
            .var("HOME", "/home/u")
            .var("AWS_EC2_METADATA_DISABLED", "true")
    }

    fn opts(p: Option<&str>) -> ChainOptions {
        ChainOptions {
            profile: p.map(str::to_owned),
        }
    }

    fn env_keys(w: FakeWorld) -> FakeWorld {
        w.var("AWS_ACCESS_KEY_ID", "AKIAENV")
            .var("AWS_SECRET_ACCESS_KEY", "envsecret")
    }

    #[test]
    fn secrets_never_print() {
        let c = Credentials {
            access_key_id: "AKIA".into(),
            secret_access_key: Secret::new("topsecret"),
            session_token: Some(Secret::new("tokensecret")),
            expires_at: None,
        };
        let dbg = format!("{c:?}");
        assert!(
            !dbg.contains("topsecret") && !dbg.contains("tokensecret"),
            "{dbg}"
        );
        assert_eq!(format!("{}", c.secret_access_key), "***");
        assert_eq!(c.secret_access_key.expose(), "topsecret");
    }

    #[test]
    fn source_display() {
        let p = |s: CredentialSource| s.to_string();
        assert_eq!(
            p(CredentialSource::Environment),
            "environment variables (AWS_ACCESS_KEY_ID)"
        );
        assert_eq!(
            p(CredentialSource::SharedCredentialsFile {
                profile: "dev".into(),
                path: "/home/u/.aws/credentials".into()
            }),
            "profile \"dev\" in /home/u/.aws/credentials"
        );
        assert_eq!(
            p(CredentialSource::CredentialProcess {
                profile: "dev".into()
            }),
            "credential_process of profile \"dev\""
        );
        assert_eq!(
            p(CredentialSource::Sdk {
                profile: "dev".into(),
                kind: "sso"
            }),
            "sso via profile \"dev\" (AWS SDK)"
        );
        assert_eq!(
            p(CredentialSource::Sdk {
                profile: String::new(),
                kind: "container"
            }),
            "container credentials (AWS SDK)"
        );
        assert_eq!(
            p(CredentialSource::Sdk {
                profile: String::new(),
                kind: "web-identity"
            }),
            "web-identity via AWS_WEB_IDENTITY_TOKEN_FILE (AWS SDK)"
        );
    }

    #[test]
    fn env_credentials_with_token_and_expiration() {
        let w = env_keys(world())
            .var("AWS_SESSION_TOKEN", "tok")
            .var("AWS_CREDENTIAL_EXPIRATION", "2024-05-01T13:00:00Z");
        let (c, s) = resolve(&opts(None), &w, now()).unwrap();
        assert_eq!(s, CredentialSource::Environment);
        assert_eq!(c.access_key_id, "AKIAENV");
        assert_eq!(c.session_token.as_ref().map(Secret::expose), Some("tok"));
        assert_eq!(c.expires_at, Some(now() + Duration::from_secs(3600)));
    }

    #[test]
    fn legacy_security_token_wins_like_botocore() {
        let w = env_keys(world())
            .var("AWS_SECURITY_TOKEN", "legacy")
            .var("AWS_SESSION_TOKEN", "new");
        let (c, _) = resolve(&opts(None), &w, now()).unwrap();
        assert_eq!(c.session_token.as_ref().map(Secret::expose), Some("legacy"));
        // An empty legacy variable does not hide the new one.
        let w = env_keys(world())
            .var("AWS_SECURITY_TOKEN", "")
            .var("AWS_SESSION_TOKEN", "new");
        let (c, _) = resolve(&opts(None), &w, now()).unwrap();
        assert_eq!(c.session_token.as_ref().map(Secret::expose), Some("new"));
    }

    #[test]
    fn asia_without_token_is_refused_naming_the_source() {
        let w = world()
            .var("AWS_ACCESS_KEY_ID", "ASIAENV")
            .var("AWS_SECRET_ACCESS_KEY", "s");
        let e = resolve(&opts(None), &w, now()).unwrap_err();
        assert_eq!(e.code, ExitCode::NotAuthenticated);
        assert!(
            e.message.starts_with(
                "temporary AWS credentials (ASIA...) need a session token: set AWS_SESSION_TOKEN"
            ),
            "{e}"
        );
        assert!(e.message.contains("environment variables"), "{e}");

        let w = world().file(
            "/home/u/.aws/credentials",
            "[default]\naws_access_key_id = ASIAFILE\naws_secret_access_key = s\naws_session_token =\n",
        );
        let e = resolve(&opts(None), &w, now()).unwrap_err();
        assert!(
            e.message.contains(
                "add aws_session_token to profile \"default\" in /home/u/.aws/credentials"
            ),
            "{e}"
        );
    }

    #[test]
    fn empty_session_token_is_absent() {
        let w = env_keys(world()).var("AWS_SESSION_TOKEN", "");
        let (c, _) = resolve(&opts(None), &w, now()).unwrap();
        assert!(c.session_token.is_none());
        let w = world().file(
            "/home/u/.aws/credentials",
            "[default]\naws_access_key_id = AKIA1\naws_secret_access_key = s\naws_security_token =\naws_session_token = t\n",
        );
        let (c, _) = resolve(&opts(None), &w, now()).unwrap();
        assert_eq!(c.session_token.as_ref().map(Secret::expose), Some("t"));
    }

    #[test]
    fn expired_env_credentials() {
        let w = env_keys(world()).var("AWS_CREDENTIAL_EXPIRATION", "2024-05-01T11:59:59Z");
        let e = resolve(&opts(None), &w, now()).unwrap_err();
        assert_eq!(e.code, ExitCode::NotAuthenticated);
        assert!(e.message.contains("expired at 2024-05-01T11:59:59Z"), "{e}");
        assert!(!e.message.contains("envsecret"));
        // Exactly now counts as expired.
        let w = env_keys(world()).var("AWS_CREDENTIAL_EXPIRATION", "2024-05-01T12:00:00Z");
        assert!(resolve(&opts(None), &w, now()).is_err());
        let w = env_keys(world()).var("AWS_CREDENTIAL_EXPIRATION", "soon");
        let e = resolve(&opts(None), &w, now()).unwrap_err();
        assert!(e.message.contains("AWS_CREDENTIAL_EXPIRATION"), "{e}");
    }

    #[test]
    fn expired_sso_hint() {
        let c = Credentials {
            access_key_id: "ASIA".into(),
            secret_access_key: Secret::new("s"),
            session_token: Some(Secret::new("t")),
            expires_at: Some(now() - Duration::from_secs(1)),
        };
        let e = validate(
            &c,
            &CredentialSource::Sdk {
                profile: "dev".into(),
                kind: "sso",
            },
            now(),
        )
        .unwrap_err();
        assert!(e.message.contains("aws sso login --profile dev"), "{e}");
    }

    #[test]
    fn profile_region_reads_the_merged_profile() {
        let w = world()
            .file("/home/u/.aws/config", "[default]\nregion = us-west-2\n[profile dev]\nregion = eu-west-1\n[profile blank]\nregion =\n")
            .file("/home/u/.aws/credentials", "[creds-only]\nregion = ap-south-1\n");
        assert_eq!(
            profile_region(&opts(None), &w).as_deref(),
            Some("us-west-2")
        );
        assert_eq!(
            profile_region(&opts(Some("dev")), &w).as_deref(),
            Some("eu-west-1")
        );
        assert_eq!(
            profile_region(&opts(Some("creds-only")), &w).as_deref(),
            Some("ap-south-1")
        );
        assert_eq!(profile_region(&opts(Some("blank")), &w), None);
        assert_eq!(profile_region(&opts(Some("nope")), &w), None);
        let w = w.var("AWS_PROFILE", "dev");
        assert_eq!(
            profile_region(&opts(None), &w).as_deref(),
            Some("eu-west-1")
        );
    }
}
