//! The sources vouch does not read itself, delegated to aws-config:
//! assume-role chains, SSO, `login_session` (all through
//! `ProfileFileCredentialsProvider` with the profile name and the exact
//! files the native code read), web identity (with the token file, role and
//! session name already resolved botocore's way), container credentials and
//! instance metadata.
//!
//! A current-thread tokio runtime is built only here, per call, and every
//! call runs under a timeout. aws-config reads the process environment
//! itself (endpoint overrides such as `AWS_ENDPOINT_URL_STS` /
//! `AWS_ENDPOINT_URL_SSO`, `HOME` for the SSO token cache), not [`World`].
//!
//! Errors keep the SDK's message (never a secret) and map to
//! [`Error::network`] when an endpoint could not be reached or timed out,
//! [`Error::config`] for configuration the SDK rejects, and
//! [`Error::auth`] otherwise.

use super::{chain, CredentialSource, Credentials, Secret};
use crate::error::{Error, Result};
use aws_config::provider_config::ProviderConfig;
use aws_config::Region;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::ProvideCredentials;
use std::error::Error as StdError;
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// STS/SSO calls: generous, but a CLI must not hang.
const PROFILE_TIMEOUT: Duration = Duration::from_secs(30);

/// What to ask aws-config for. Holds no secrets.
#[derive(Debug, Clone)]
pub(crate) struct SdkRequest {
    pub kind: SdkKind,
    /// The active profile.
    pub profile: String,
    /// The shared files that exist, as the native code found them.
    pub config_file: Option<PathBuf>,
    pub credentials_file: Option<PathBuf>,
    /// Region for the STS/SSO clients.
    pub region: String,
    pub metadata_timeout: Duration,
    pub metadata_attempts: u32,
    /// For the "no credentials" message when instance metadata has none.
    pub looked_at: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SdkKind {
    /// `ProfileFileCredentialsProvider`: "assume-role", "sso" or "login".
    Profile(&'static str),
    WebIdentity {
        token_file: String,
        role_arn: String,
        session_name: Option<String>,
        from_env: bool,
    },
    Container,
    InstanceMetadata,
}

impl SdkRequest {
    pub(crate) fn source(&self) -> CredentialSource {
        let (profile, kind) = match &self.kind {
            SdkKind::Profile(kind) => (self.profile.clone(), *kind),
            SdkKind::WebIdentity { from_env: true, .. } => (String::new(), "web-identity"),
            SdkKind::WebIdentity {
                from_env: false, ..
            } => (self.profile.clone(), "web-identity"),
            SdkKind::Container => (String::new(), "container"),
            SdkKind::InstanceMetadata => (String::new(), "instance-metadata"),
        };
        CredentialSource::Sdk { profile, kind }
    }

    fn timeout(&self) -> Duration {
        match self.kind {
            // Each attempt gets connect + read time, plus the IMDSv2 token call.
            SdkKind::InstanceMetadata => {
                (self.metadata_timeout * 4 * self.metadata_attempts).max(Duration::from_secs(2))
            }
            SdkKind::Container => Duration::from_secs(10),
            _ => PROFILE_TIMEOUT,
        }
    }
}

/// Runs the request on a fresh current-thread runtime.
pub(crate) fn fetch(req: &SdkRequest) -> Result<Credentials> {
    let source = req.source();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::general(format!("cannot start the runtime for the AWS SDK: {e}")))?;
    let timeout = req.timeout();
    let outcome = rt.block_on(async { tokio::time::timeout(timeout, provide(req)).await });
    let creds = match outcome {
        Err(_) => {
            return Err(Error::network(format!(
                "getting AWS credentials from {source} timed out after {}s",
                timeout.as_secs_f64()
            )))
        }
        Ok(Err(e)) => return Err(map_error(req, &source, &e)),
        Ok(Ok(c)) => c,
    };
    let session_token = creds
        .session_token()
        .filter(|t| !t.is_empty())
        .map(Secret::new);
    Ok(Credentials {
        access_key_id: creds.access_key_id().to_owned(),
        secret_access_key: Secret::new(creds.secret_access_key()),
        session_token,
        expires_at: creds.expiry(),
    })
}

async fn provide(req: &SdkRequest) -> Result<aws_credential_types::Credentials, CredentialsError> {
    let conf = ProviderConfig::without_region().with_region(Some(Region::new(req.region.clone())));
    match &req.kind {
        SdkKind::Profile(_) => {
            #[allow(deprecated)] // the non-deprecated path needs the aws-runtime crate directly
            let files = {
                use aws_config::profile::profile_file::{ProfileFileKind, ProfileFiles};
                let mut b = ProfileFiles::builder()
                    .include_default_config_file(false)
                    .include_default_credentials_file(false);
                if let Some(p) = &req.config_file {
                    b = b.with_file(ProfileFileKind::Config, p);
                }
                if let Some(p) = &req.credentials_file {
                    b = b.with_file(ProfileFileKind::Credentials, p);
                }
                b.build()
            };
            aws_config::profile::ProfileFileCredentialsProvider::builder()
                .configure(&conf)
                .profile_files(files)
                .profile_name(&req.profile)
                .build()
                .provide_credentials()
                .await
        }
        SdkKind::WebIdentity {
            token_file,
            role_arn,
            session_name,
            ..
        } => {
            use aws_config::web_identity_token::{
                StaticConfiguration, WebIdentityTokenCredentialsProvider,
            };
            let session_name = session_name.clone().unwrap_or_else(|| {
                let secs = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs());
                format!("vouch-session-{secs}")
            });
            WebIdentityTokenCredentialsProvider::builder()
                .configure(&conf)
                .static_configuration(StaticConfiguration {
                    web_identity_token_file: PathBuf::from(token_file),
                    role_arn: role_arn.clone(),
                    session_name,
                })
                .build()
                .provide_credentials()
                .await
        }
        SdkKind::Container => {
            aws_config::ecs::EcsCredentialsProvider::builder()
                .configure(&conf)
                .build()
                .provide_credentials()
                .await
        }
        SdkKind::InstanceMetadata => {
            let client = aws_config::imds::Client::builder()
                .configure(&conf)
                .connect_timeout(req.metadata_timeout)
                .read_timeout(req.metadata_timeout)
                .max_attempts(req.metadata_attempts)
                .build();
            aws_config::imds::credentials::ImdsCredentialsProvider::builder()
                .configure(&conf)
                .imds_client(client)
                .build()
                .provide_credentials()
                .await
        }
    }
}

fn map_error(req: &SdkRequest, source: &CredentialSource, err: &CredentialsError) -> Error {
    let detail = error_chain(err);
    if is_network(err) {
        return Error::network(format!(
            "cannot reach AWS for credentials from {source}: {detail}"
        ));
    }
    match (err, &req.kind) {
        (CredentialsError::InvalidConfiguration(_), _) => {
            Error::config(format!("the AWS SDK rejected the configuration for {source}: {detail}"))
        }
        // Not on EC2 (or IMDS refused): as good as no credentials at all.
        (_, SdkKind::InstanceMetadata) => {
            let mut looked_at = req.looked_at.clone();
            looked_at.push(format!("EC2 instance metadata: {detail}"));
            chain::no_credentials(&looked_at)
        }
        (_, SdkKind::Profile("sso")) => Error::auth(format!(
            "cannot get AWS credentials from {source}: {detail} (if the SSO session expired, run `aws sso login --profile {}`)",
            req.profile
        )),
        _ => Error::auth(format!("cannot get AWS credentials from {source}: {detail}")),
    }
}

/// Whether the failure was reaching an endpoint (connection, DNS, timeout).
fn is_network(err: &CredentialsError) -> bool {
    use aws_smithy_runtime_api::client::result::ConnectorError;
    if matches!(err, CredentialsError::ProviderTimedOut(_)) {
        return true;
    }
    let mut cur: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = cur {
        if e.downcast_ref::<ConnectorError>().is_some() {
            return true;
        }
        cur = e.source();
    }
    false
}

/// `outer: inner: innermost`, skipping parts already said.
fn error_chain(err: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = cur {
        let s = e.to_string();
        // aws-config's wrapper adds nothing a reader needs.
        let filler = s == "an error occurred while loading credentials";
        if !s.is_empty() && !filler && !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
        cur = e.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(kind: SdkKind) -> SdkRequest {
        SdkRequest {
            kind,
            profile: "dev".into(),
            config_file: None,
            credentials_file: None,
            region: "us-east-1".into(),
            metadata_timeout: Duration::from_secs(1),
            metadata_attempts: 1,
            looked_at: vec!["environment variables: AWS_ACCESS_KEY_ID not set".into()],
        }
    }

    #[test]
    fn errors_map_to_exit_codes() {
        use crate::error::ExitCode;
        let r = req(SdkKind::Profile("sso"));
        let src = r.source();
        let e = map_error(
            &r,
            &src,
            &CredentialsError::provider_timed_out(Duration::from_secs(1)),
        );
        assert_eq!(e.code, ExitCode::Network);
        let e = map_error(
            &r,
            &src,
            &CredentialsError::invalid_configuration("bad thing"),
        );
        assert_eq!(e.code, ExitCode::Configuration);
        assert!(e.message.contains("bad thing"), "{e}");
        let e = map_error(&r, &src, &CredentialsError::provider_error("token expired"));
        assert_eq!(e.code, ExitCode::NotAuthenticated);
        assert!(
            e.message.contains("token expired")
                && e.message.contains("aws sso login --profile dev"),
            "{e}"
        );
        let r = req(SdkKind::InstanceMetadata);
        let e = map_error(&r, &r.source(), &CredentialsError::not_loaded("no IMDS"));
        assert_eq!(e.code, ExitCode::NotAuthenticated);
        assert!(
            e.message.starts_with("no AWS credentials found") && e.message.contains("no IMDS"),
            "{e}"
        );
        assert!(e.message.contains("AWS_ACCESS_KEY_ID not set"), "{e}");
    }
}
