//! The order of credential sources, as botocore's
//! `create_credential_resolver` builds it, decided without side effects:
//! [`plan`] reads env and files through [`World`] and says what to do.
//!
//! botocore's chain (credentials.py):
//! 1. environment: `AWS_ACCESS_KEY_ID` (non-empty) claims it; then
//!    `AWS_SECRET_ACCESS_KEY` is required, the token is the first non-empty
//!    of `AWS_SECURITY_TOKEN`, `AWS_SESSION_TOKEN` (the legacy name first!),
//!    `AWS_CREDENTIAL_EXPIRATION` is optional. Removed by `--profile`, not by
//!    `AWS_PROFILE`.
//! 2. assume role: the merged profile has `role_arn` and no
//!    `web_identity_token_file`;
//! 3. web identity: `AWS_WEB_IDENTITY_TOKEN_FILE` (unless `--profile`), else
//!    the profile's `web_identity_token_file`; role ARN and session name
//!    likewise env first (`AWS_ROLE_ARN`, `AWS_ROLE_SESSION_NAME`);
//! 4. SSO: the merged profile has `sso_role_name` or `sso_account_id`
//!    (not `sso_session`/`sso_start_url`: those alone only describe a token);
//! 5. the credentials file's section has `aws_access_key_id`;
//! 6. `login_session` (`aws login`);
//! 7. `credential_process` in the merged profile;
//! 8. the config file's profile has `aws_access_key_id`;
//! 9. container credentials if `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` or
//!    `..._FULL_URI` is set, else instance metadata unless
//!    `AWS_EC2_METADATA_DISABLED=true`. (botocore's legacy
//!    `AWS_CREDENTIAL_FILE` and boto2 `~/.boto` providers are not
//!    supported.)
//!
//! A static-key source claims the chain once `aws_access_key_id` is present,
//! so a missing secret is an error there, not a fall-through.
//!
//! One deliberate difference: when the profile was not named and the
//! environment has keys, the files are not read at all (botocore would also
//! fail on an unparsable config file there). That keeps the common path
//! free of file I/O.

use super::ini::Props;
use super::profile::{self, ProfileFiles, ProfileName};
use super::sdk::{SdkKind, SdkRequest};
use super::{expiry, ChainOptions, CredentialSource, Credentials, Secret};
use crate::error::{Error, Result};
use crate::world::World;
use std::time::Duration;

/// What [`super::resolve`] has to do to get credentials.
#[derive(Debug)]
pub(crate) enum Plan {
    /// Read already (environment or static keys); still to be validated.
    Ready(Credentials, CredentialSource),
    /// Run the profile's credential_process.
    Process { profile: String, command: String },
    /// Ask aws-config.
    Sdk(SdkRequest),
}

pub(crate) fn plan(opts: &ChainOptions, world: &dyn World) -> Result<Plan> {
    let name = ProfileName::select(opts, world);
    // The fast path: keys in the environment and no profile named, so
    // nothing can make botocore look at the files first.
    if !name.must_exist() {
        if let Some(creds) = env_credentials(world)? {
            return Ok(Plan::Ready(creds, CredentialSource::Environment));
        }
    }
    let files = ProfileFiles::load(world)?;
    if name.must_exist() && !files.exists(&name.name) {
        return Err(Error::config(format!(
            "the AWS profile \"{}\" (from {}) was not found in {} or {}",
            name.name,
            name.how_named(),
            files.config.describe(),
            files.credentials.describe()
        )));
    }
    let mut looked_at = Vec::new();
    if name.disables_env() {
        looked_at.push("environment variables: skipped because --profile was given".to_owned());
    } else {
        if name.must_exist() {
            if let Some(creds) = env_credentials(world)? {
                return Ok(Plan::Ready(creds, CredentialSource::Environment));
            }
        }
        let secret_alone = world
            .var("AWS_SECRET_ACCESS_KEY")
            .is_some_and(|v| !v.is_empty());
        looked_at.push(if secret_alone {
            "environment variables: AWS_ACCESS_KEY_ID not set (AWS_SECRET_ACCESS_KEY is: set both)"
                .to_owned()
        } else {
            "environment variables: AWS_ACCESS_KEY_ID not set".to_owned()
        });
    }

    let p = name.name.as_str();
    let merged = files.merged(p);
    // Errors about merged keys name the file they most likely came from.
    let merged_path = if files.credentials_profile(p).is_some() {
        &files.credentials.path
    } else {
        &files.config.path
    };
    let sdk = |kind: SdkKind, looked_at: &[String]| {
        Plan::Sdk(SdkRequest {
            kind,
            profile: p.to_owned(),
            config_file: files.config.exists().then(|| files.config.path.clone()),
            credentials_file: files
                .credentials
                .exists()
                .then(|| files.credentials.path.clone()),
            region: sdk_region(world, &merged),
            metadata_timeout: metadata_timeout(world, &merged),
            metadata_attempts: metadata_attempts(world, &merged),
            looked_at: looked_at.to_vec(),
        })
    };

    // 2. assume role
    if merged.contains_key("role_arn") && !merged.contains_key("web_identity_token_file") {
        check_assume_role(&files, p, &merged)?;
        return Ok(sdk(SdkKind::Profile("assume-role"), &looked_at));
    }

    // 3. web identity
    let env = |k: &str| {
        if name.disables_env() {
            None
        } else {
            world.var(k)
        }
    };
    let prof = |k: &str| profile::text(&merged, k, p, merged_path);
    let env_token_file = env("AWS_WEB_IDENTITY_TOKEN_FILE");
    let token_file = match &env_token_file {
        Some(v) => Some(v.clone()),
        None => prof("web_identity_token_file")?.map(str::to_owned),
    };
    if let Some(token_file) = token_file.filter(|t| !t.is_empty()) {
        let role_arn = match env("AWS_ROLE_ARN") {
            Some(v) => Some(v),
            None => prof("role_arn")?.map(str::to_owned),
        }
        .filter(|r| !r.is_empty())
        .ok_or_else(|| {
            Error::config(format!(
                "web identity is configured ({}) but no role ARN is: set role_arn in profile \"{p}\" or AWS_ROLE_ARN",
                if env_token_file.is_some() { "AWS_WEB_IDENTITY_TOKEN_FILE" } else { "web_identity_token_file" }
            ))
        })?;
        let session_name = match env("AWS_ROLE_SESSION_NAME") {
            Some(v) => Some(v),
            None => prof("role_session_name")?.map(str::to_owned),
        }
        .filter(|s| !s.is_empty());
        return Ok(sdk(
            SdkKind::WebIdentity {
                token_file,
                role_arn,
                session_name,
                from_env: env_token_file.is_some(),
            },
            &looked_at,
        ));
    }

    // 4. SSO
    if merged.contains_key("sso_role_name") || merged.contains_key("sso_account_id") {
        check_sso(&files, p, &merged)?;
        return Ok(sdk(SdkKind::Profile("sso"), &looked_at));
    }

    // 5. static keys in the credentials file
    let creds_path = &files.credentials.path;
    match files.credentials_profile(p) {
        Some(props) if props.contains_key("aws_access_key_id") => {
            let creds = static_keys(props, p, creds_path)?;
            let source = CredentialSource::SharedCredentialsFile {
                profile: p.to_owned(),
                path: creds_path.clone(),
            };
            return Ok(Plan::Ready(creds, source));
        }
        Some(_) => looked_at.push(format!(
            "profile \"{p}\" in {}: no aws_access_key_id",
            creds_path.display()
        )),
        None => looked_at.push(format!(
            "{}: no profile \"{p}\"",
            files.credentials.describe()
        )),
    }

    // 6. login_session
    if merged.contains_key("login_session") {
        return Ok(sdk(SdkKind::Profile("login"), &looked_at));
    }

    // 7. credential_process
    if let Some(command) = prof("credential_process")? {
        // Validate the split now: a bad command is a configuration error.
        super::process::argv(p, command)?;
        return Ok(Plan::Process {
            profile: p.to_owned(),
            command: command.to_owned(),
        });
    }

    // 8. static keys in the config file
    let config_path = &files.config.path;
    match files.config_profile(p) {
        Some(props) if props.contains_key("aws_access_key_id") => {
            let creds = static_keys(props, p, config_path)?;
            let source = CredentialSource::ConfigFile { profile: p.to_owned(), path: config_path.clone() };
            return Ok(Plan::Ready(creds, source));
        }
        Some(_) => looked_at.push(format!(
            "profile \"{p}\" in {}: no aws_access_key_id, credential_process, role_arn or sso settings",
            config_path.display()
        )),
        None => looked_at.push(format!("{}: no profile \"{p}\"", files.config.describe())),
    }

    // 9. container, then instance metadata
    let set = |k: &str| world.var(k).is_some_and(|v| !v.is_empty());
    if set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") || set("AWS_CONTAINER_CREDENTIALS_FULL_URI") {
        return Ok(sdk(SdkKind::Container, &looked_at));
    }
    looked_at.push(
        "container credentials: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and _FULL_URI not set"
            .into(),
    );
    if world
        .var("AWS_EC2_METADATA_DISABLED")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
    {
        looked_at.push("EC2 instance metadata: disabled by AWS_EC2_METADATA_DISABLED".into());
        return Err(no_credentials(&looked_at));
    }
    Ok(sdk(SdkKind::InstanceMetadata, &looked_at))
}

/// The error when every source came up empty.
pub(crate) fn no_credentials(looked_at: &[String]) -> Error {
    let mut msg = String::from("no AWS credentials found; looked at:");
    for l in looked_at {
        msg.push_str("\n  - ");
        msg.push_str(l);
    }
    msg.push_str(
        "\nset AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, run `aws configure`, or pick a configured \
         profile with --profile (for an SSO profile, run `aws sso login --profile NAME` first)",
    );
    Error::auth(msg)
}

/// The environment provider. `None` when `AWS_ACCESS_KEY_ID` is unset or
/// empty (the chain goes on); an error when it is set but the rest is not
/// usable.
fn env_credentials(world: &dyn World) -> Result<Option<Credentials>> {
    let nonempty = |k: &str| world.var(k).filter(|v| !v.is_empty());
    let Some(access_key_id) = nonempty("AWS_ACCESS_KEY_ID") else {
        return Ok(None);
    };
    let secret = nonempty("AWS_SECRET_ACCESS_KEY").ok_or_else(|| {
        Error::auth(
            "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not: \
             set both (the environment variables are incomplete)",
        )
    })?;
    let session_token = nonempty("AWS_SECURITY_TOKEN")
        .or_else(|| nonempty("AWS_SESSION_TOKEN"))
        .map(Secret::new);
    let expires_at = match nonempty("AWS_CREDENTIAL_EXPIRATION") {
        None => None,
        Some(v) => Some(expiry::parse(&v).ok_or_else(|| {
            Error::auth(
                "AWS_CREDENTIAL_EXPIRATION is not an ISO 8601 time (like 2024-05-01T12:00:00Z): \
                 fix or unset it",
            )
        })?),
    };
    Ok(Some(Credentials {
        access_key_id,
        secret_access_key: Secret::new(secret),
        session_token,
        expires_at,
    }))
}

/// Static keys from one file's profile, which has `aws_access_key_id`.
fn static_keys(props: &Props, p: &str, path: &std::path::Path) -> Result<Credentials> {
    let at = || format!("profile \"{p}\" in {}", path.display());
    let access_key_id = profile::text(props, "aws_access_key_id", p, path)?.unwrap_or_default();
    if access_key_id.is_empty() {
        return Err(Error::auth(format!(
            "aws_access_key_id is empty in {}",
            at()
        )));
    }
    let secret = profile::text(props, "aws_secret_access_key", p, path)?
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            Error::auth(format!(
                "{} has aws_access_key_id but no aws_secret_access_key: add it",
                at()
            ))
        })?;
    let mut session_token = None;
    for key in ["aws_security_token", "aws_session_token"] {
        if let Some(t) = profile::text(props, key, p, path)?.filter(|t| !t.is_empty()) {
            session_token = Some(Secret::new(t));
            break;
        }
    }
    Ok(Credentials {
        access_key_id: access_key_id.to_owned(),
        secret_access_key: Secret::new(secret),
        session_token,
        expires_at: None,
    })
}

/// botocore's `AssumeRoleProvider._get_role_config` checks.
fn check_assume_role(files: &ProfileFiles, p: &str, merged: &Props) -> Result<()> {
    let source_profile = merged.get("source_profile").and_then(|v| v.text());
    let credential_source = merged.get("credential_source").and_then(|v| v.text());
    match (source_profile, credential_source) {
        (Some(_), Some(_)) => Err(Error::config(format!(
            "the AWS profile \"{p}\" has both source_profile and credential_source: keep one"
        ))),
        (None, None) => Err(Error::config(format!(
            "the AWS profile \"{p}\" has role_arn but neither source_profile nor credential_source"
        ))),
        (None, Some(cs)) => match cs {
            "Environment" | "Ec2InstanceMetadata" | "EcsContainer" => Ok(()),
            _ => Err(Error::config(format!(
                "the credential_source \"{cs}\" of AWS profile \"{p}\" is not valid: use Environment, \
                 Ec2InstanceMetadata or EcsContainer"
            ))),
        },
        (Some(sp), None) if !files.exists(sp) => Err(Error::config(format!(
            "the source_profile \"{sp}\" of AWS profile \"{p}\" does not exist in {} or {}",
            files.config.describe(),
            files.credentials.describe()
        ))),
        (Some(_), None) => Ok(()),
    }
}

/// botocore's `SSOProvider._load_sso_config` checks.
fn check_sso(files: &ProfileFiles, p: &str, merged: &Props) -> Result<()> {
    let mut resolved = merged.clone();
    let mut required = vec![
        "sso_role_name",
        "sso_account_id",
        "sso_start_url",
        "sso_region",
    ];
    if let Some(session) = merged.get("sso_session").and_then(|v| v.text()) {
        let Some(sect) = files.sso_session(session) else {
            return Err(Error::config(format!(
                "the sso_session \"{session}\" of AWS profile \"{p}\" has no [sso-session {session}] section in {}",
                files.config.path.display()
            )));
        };
        for (k, v) in sect {
            if let Some(mine) = merged.get(k) {
                if mine != v {
                    return Err(Error::config(format!(
                        "`{k}` differs between AWS profile \"{p}\" and [sso-session {session}]: make them agree"
                    )));
                }
            }
            resolved.insert(k.clone(), v.clone());
        }
        required.push("sso_session");
    }
    let missing: Vec<&str> = required
        .into_iter()
        .filter(|k| !resolved.contains_key(*k))
        .collect();
    if !missing.is_empty() {
        return Err(Error::config(format!(
            "the AWS profile \"{p}\" is configured for SSO but is missing {}",
            missing.join(", ")
        )));
    }
    Ok(())
}

/// The region aws-config's STS/SSO clients use: `AWS_REGION`,
/// `AWS_DEFAULT_REGION`, the profile's `region`, else `us-east-1`.
fn sdk_region(world: &dyn World, merged: &Props) -> String {
    world
        .var("AWS_REGION")
        .filter(|r| !r.is_empty())
        .or_else(|| world.var("AWS_DEFAULT_REGION").filter(|r| !r.is_empty()))
        .or_else(|| {
            merged
                .get("region")
                .and_then(|v| v.text())
                .filter(|r| !r.is_empty())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "us-east-1".to_owned())
}

/// botocore's `metadata_service_timeout` (seconds, default 1).
fn metadata_timeout(world: &dyn World, merged: &Props) -> Duration {
    world
        .var("AWS_METADATA_SERVICE_TIMEOUT")
        .or_else(|| {
            merged
                .get("metadata_service_timeout")
                .and_then(|v| v.text())
                .map(str::to_owned)
        })
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .map_or(Duration::from_secs(1), Duration::from_secs_f64)
}

/// botocore's `metadata_service_num_attempts` (default 1).
fn metadata_attempts(world: &dyn World, merged: &Props) -> u32 {
    world
        .var("AWS_METADATA_SERVICE_NUM_ATTEMPTS")
        .or_else(|| {
            merged
                .get("metadata_service_num_attempts")
                .and_then(|v| v.text())
                .map(str::to_owned)
        })
        .and_then(|v| v.trim().parse::<u32>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::profile::FileState;
    use crate::error::ExitCode;
    use crate::world::FakeWorld;

    const CFG: &str = "/home/u/.aws/config";
    const CREDS: &str = "/home/u/.aws/credentials";

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

    /// The source and access key of a `Ready` plan, or a description of the plan.
    fn outcome(o: Option<&str>, w: &FakeWorld) -> Result<(String, String)> {
        Ok(match plan(&opts(o), w)? {
            Plan::Ready(c, s) => (s.to_string(), c.access_key_id),
            Plan::Process { profile, command } => (format!("process {profile}"), command),
            Plan::Sdk(r) => (r.source().to_string(), format!("{:?}", r.kind)),
        })
    }

    const FILES: &str = "[default]\naws_access_key_id = AKIACFGDEFAULT\naws_secret_access_key = s\n\
                         [profile dev]\naws_access_key_id = AKIACFGDEV\naws_secret_access_key = s\n";

    #[test]
    fn env_first_unless_profile_flag() {
        let w = env_keys(world()).file(CFG, FILES);
        assert_eq!(
            outcome(None, &w).unwrap().0,
            "environment variables (AWS_ACCESS_KEY_ID)"
        );
        // AWS_PROFILE does not remove the environment provider...
        let w2 = w.clone().var("AWS_PROFILE", "dev");
        assert_eq!(outcome(None, &w2).unwrap().1, "AKIAENV");
        // ...but --profile does, even --profile default.
        assert_eq!(outcome(Some("dev"), &w).unwrap().1, "AKIACFGDEV");
        assert_eq!(outcome(Some("default"), &w).unwrap().1, "AKIACFGDEFAULT");
    }

    #[test]
    fn fast_path_reads_no_files() {
        // A broken config file does not matter when env keys answer and no profile is named.
        let w = env_keys(world()).file(CFG, "garbage without a section\n");
        assert_eq!(outcome(None, &w).unwrap().1, "AKIAENV");
        let e = outcome(Some("dev"), &w).unwrap_err();
        assert_eq!(e.code, ExitCode::Configuration);
    }

    #[test]
    fn named_profile_must_exist() {
        let w = env_keys(world()).file(CFG, FILES);
        for (o, w, how) in [
            (Some("nope"), w.clone(), "--profile"),
            (None, w.clone().var("AWS_PROFILE", "nope"), "AWS_PROFILE"),
            (
                None,
                w.clone()
                    .var("AWS_DEFAULT_PROFILE", "nope")
                    .var("AWS_PROFILE", "dev"),
                "AWS_DEFAULT_PROFILE",
            ),
        ] {
            let e = outcome(o, &w).unwrap_err();
            assert_eq!(e.code, ExitCode::Configuration);
            assert!(
                e.message.contains("\"nope\"") && e.message.contains(how),
                "{e}"
            );
            assert!(
                e.message.contains(CFG)
                    && e.message.contains("/home/u/.aws/credentials (not found)"),
                "{e}"
            );
        }
        // Named `default` must exist too; implicit `default` need not.
        let bare = world();
        assert_eq!(
            outcome(Some("default"), &bare).unwrap_err().code,
            ExitCode::Configuration
        );
        assert_eq!(
            outcome(None, &bare).unwrap_err().code,
            ExitCode::NotAuthenticated
        );
    }

    #[test]
    fn credentials_file_beats_process_beats_config_file() {
        let cfg = "[profile dev]\ncredential_process = /bin/creds --x\naws_access_key_id = AKIACFG\naws_secret_access_key = s\n";
        let w = world().file(CFG, cfg).file(
            CREDS,
            "[dev]\naws_access_key_id = AKIACREDS\naws_secret_access_key = s\n",
        );
        assert_eq!(
            outcome(Some("dev"), &w).unwrap(),
            (
                "profile \"dev\" in /home/u/.aws/credentials".into(),
                "AKIACREDS".into()
            )
        );
        let w = world().file(CFG, cfg);
        assert_eq!(
            outcome(Some("dev"), &w).unwrap(),
            ("process dev".into(), "/bin/creds --x".into())
        );
        // credential_process in the credentials file counts too (merged profile).
        let w = world().file(CREDS, "[dev]\ncredential_process = /bin/other\n");
        assert_eq!(outcome(Some("dev"), &w).unwrap().1, "/bin/other");
        let w = world().file(
            CFG,
            "[profile dev]\naws_access_key_id = AKIACFG\naws_secret_access_key = s\n",
        );
        assert_eq!(
            outcome(Some("dev"), &w).unwrap().0,
            "profile \"dev\" in /home/u/.aws/config"
        );
    }

    #[test]
    fn sdk_sources_in_botocore_order() {
        let w = world()
            .file(
                CFG,
                "[profile ar]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = base\nsso_account_id = 1\n\
                 [profile base]\naws_access_key_id = AKIA1\naws_secret_access_key = s\n\
                 [profile sso]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = r\n\
                 [sso-session corp]\nsso_start_url = https://x\nsso_region = eu-west-1\n\
                 [profile wi]\nrole_arn = arn:aws:iam::1:role/w\nweb_identity_token_file = /t\n\
                 [profile login]\nlogin_session = arn:aws:iam::1:user/u\ncredential_process = /bin/x\n",
            )
            .file(CREDS, "[sso]\naws_access_key_id = AKIAIGNORED\naws_secret_access_key = s\n");
        assert_eq!(
            outcome(Some("ar"), &w).unwrap().0,
            "assume-role via profile \"ar\" (AWS SDK)"
        );
        // SSO beats static keys in the credentials file.
        assert_eq!(
            outcome(Some("sso"), &w).unwrap().0,
            "sso via profile \"sso\" (AWS SDK)"
        );
        let (src, kind) = outcome(Some("wi"), &w).unwrap();
        assert_eq!(src, "web-identity via profile \"wi\" (AWS SDK)");
        assert!(
            kind.contains("arn:aws:iam::1:role/w") && kind.contains("\"/t\""),
            "{kind}"
        );
        assert_eq!(
            outcome(Some("login"), &w).unwrap().0,
            "login via profile \"login\" (AWS SDK)"
        );
        // Env web identity comes before the default profile's static keys...
        let w2 = w
            .clone()
            .file(
                CREDS,
                "[default]\naws_access_key_id = AKIA2\naws_secret_access_key = s\n",
            )
            .var("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/token")
            .var("AWS_ROLE_ARN", "arn:aws:iam::1:role/irsa");
        assert_eq!(
            outcome(None, &w2).unwrap().0,
            "web-identity via AWS_WEB_IDENTITY_TOKEN_FILE (AWS SDK)"
        );
        // ...unless --profile turns the environment off.
        assert_eq!(outcome(Some("default"), &w2).unwrap().1, "AKIA2");
    }

    #[test]
    fn container_then_instance_metadata() {
        let w = world().var(
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            "/v2/credentials/x",
        );
        assert_eq!(
            outcome(None, &w).unwrap().0,
            "container credentials (AWS SDK)"
        );
        let w = FakeWorld::new().var("HOME", "/home/u");
        match plan(&opts(None), &w).unwrap() {
            Plan::Sdk(r) => {
                assert_eq!(r.source().to_string(), "EC2 instance metadata (AWS SDK)");
                assert_eq!(
                    (r.metadata_timeout, r.metadata_attempts),
                    (Duration::from_secs(1), 1)
                );
            }
            p => panic!("{p:?}"),
        }
        let w = w
            .var("AWS_METADATA_SERVICE_TIMEOUT", "2.5")
            .var("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "3");
        match plan(&opts(None), &w).unwrap() {
            Plan::Sdk(r) => assert_eq!(
                (r.metadata_timeout, r.metadata_attempts),
                (Duration::from_millis(2500), 3)
            ),
            p => panic!("{p:?}"),
        }
    }

    #[test]
    fn nothing_found_lists_what_was_looked_at() {
        let w = world().file(CFG, "[default]\nregion = us-east-1\n");
        let e = outcome(None, &w).unwrap_err();
        assert_eq!(e.code, ExitCode::NotAuthenticated);
        for part in [
            "AWS_ACCESS_KEY_ID not set",
            "/home/u/.aws/credentials (not found): no profile \"default\"",
            "profile \"default\" in /home/u/.aws/config: no aws_access_key_id",
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            "disabled by AWS_EC2_METADATA_DISABLED",
        ] {
            assert!(e.message.contains(part), "{part}: {e}");
        }
        let e = outcome(Some("default"), &w).unwrap_err();
        assert!(
            e.message.contains("skipped because --profile was given"),
            "{e}"
        );
    }

    #[test]
    fn incomplete_keys_are_auth_errors() {
        let e = outcome(None, &world().var("AWS_ACCESS_KEY_ID", "AKIA")).unwrap_err();
        assert_eq!(e.code, ExitCode::NotAuthenticated);
        assert!(e.message.contains("AWS_SECRET_ACCESS_KEY"), "{e}");
        // A secret alone is not a claim: the chain goes on.
        let w = world().var("AWS_SECRET_ACCESS_KEY", "x").file(
            CREDS,
            "[default]\naws_access_key_id=AKIAF\naws_secret_access_key=s\n",
        );
        assert_eq!(outcome(None, &w).unwrap().1, "AKIAF");
        let w = world().file(CREDS, "[default]\naws_access_key_id = AKIAF\n");
        let e = outcome(None, &w).unwrap_err();
        assert_eq!(e.code, ExitCode::NotAuthenticated);
        assert!(
            e.message.contains("no aws_secret_access_key") && e.message.contains(CREDS),
            "{e}"
        );
        let w = world().file(
            CREDS,
            "[default]\naws_access_key_id =\naws_secret_access_key = s\n",
        );
        assert!(outcome(None, &w).unwrap_err().message.contains("empty"));
    }

    #[test]
    fn bad_profile_settings_are_config_errors() {
        let cases = [
            ("[profile p]\nrole_arn = a\n", "neither source_profile"),
            ("[profile p]\nrole_arn = a\nsource_profile = x\ncredential_source = Environment\n", "both"),
            ("[profile p]\nrole_arn = a\nsource_profile = missing\n", "\"missing\""),
            ("[profile p]\nrole_arn = a\ncredential_source = Nowhere\n", "Nowhere"),
            ("[profile p]\nsso_account_id = 1\nsso_role_name = r\n", "sso_start_url, sso_region"),
            ("[profile p]\nsso_account_id = 1\nsso_role_name = r\nsso_session = gone\n", "[sso-session gone]"),
            (
                "[profile p]\nsso_account_id = 1\nsso_role_name = r\nsso_session = s\nsso_region = us-east-1\n\
                 [sso-session s]\nsso_start_url = u\nsso_region = eu-west-1\n",
                "sso_region",
            ),
            ("[profile p]\nweb_identity_token_file = /t\n", "no role ARN"),
            ("[profile p]\ncredential_process = 'unclosed\n", "split"),
        ];
        for (cfg, want) in cases {
            let e = outcome(Some("p"), &world().file(CFG, cfg)).unwrap_err();
            assert_eq!(e.code, ExitCode::Configuration, "{cfg}: {e}");
            assert!(e.message.contains(want), "{cfg}: {e}");
        }
    }

    #[test]
    fn sdk_request_carries_files_and_region() {
        let w = world().file(
            CFG,
            "[profile ar]\nregion = eu-west-1\nrole_arn = a\ncredential_source = Environment\n",
        );
        let Plan::Sdk(r) = plan(&opts(Some("ar")), &w).unwrap() else {
            panic!()
        };
        assert_eq!(r.config_file.as_deref(), Some(std::path::Path::new(CFG)));
        assert_eq!(r.credentials_file, None);
        assert_eq!(r.region, "eu-west-1");
        let Plan::Sdk(r) = plan(
            &opts(Some("ar")),
            &w.clone().var("AWS_DEFAULT_REGION", "us-east-2"),
        )
        .unwrap() else {
            panic!()
        };
        assert_eq!(r.region, "us-east-2");
        let files = ProfileFiles::load(&w).unwrap();
        assert_eq!(files.credentials.state, FileState::Missing);
    }
}
