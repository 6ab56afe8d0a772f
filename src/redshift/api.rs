//! The Redshift calls, through `aws-sdk-redshift` and
//! `aws-sdk-redshiftserverless` on a runtime built for the call only (see
//! [`crate::awsapi`]). One call per `vouch exec`.
//!
//! The endpoint override is read as the SDK would
//! (`AWS_ENDPOINT_URL_REDSHIFT` / `AWS_ENDPOINT_URL_REDSHIFT_SERVERLESS`,
//! else `AWS_ENDPOINT_URL`); a plain `http://` endpoint is accepted only on
//! a loopback address, since the answer holds a database password. The
//! SDK's retries are off: a call that fails is reported, not repeated (a
//! repeated `GetClusterCredentials --auto-create` is another user creation
//! and another password), so a run makes exactly one call.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_redshift::error::ProvideErrorMetadata;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;

use super::{check_answer, DbCredentials, Request};
use crate::awsapi::{self, run};
use crate::credentials::Credentials;
use crate::error::{Error, ExitCode, Result};
use crate::world::World;

/// The endpoint override for the service `request` calls, checked.
pub fn endpoint_for(request: &Request, world: &dyn World) -> Result<Option<String>> {
    let var = match request {
        Request::Serverless { .. } => "REDSHIFT_SERVERLESS",
        _ => "REDSHIFT",
    };
    let Some(url) = awsapi::endpoint_override(world, var) else {
        return Ok(None);
    };
    if let Some(rest) = url.strip_prefix("http://") {
        let host = rest.split(['/', '?']).next().unwrap_or("");
        let host = host
            .rsplit_once(':')
            .filter(|(_, p)| p.bytes().all(|b| b.is_ascii_digit()))
            .map_or(host, |(h, _)| h);
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let loopback = host == "localhost"
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        if !loopback {
            return Err(Error::config(format!(
                "the Redshift endpoint {url} is plain http and not on this machine; the answer holds a database password: use https"
            )));
        }
    } else if !url.starts_with("https://") {
        return Err(Error::config(format!(
            "the Redshift endpoint {url} is not an http(s) URL"
        )));
    }
    Ok(Some(url))
}

fn to_system_time(t: Option<&aws_smithy_types_dt::DateTime>) -> Option<SystemTime> {
    let t = t?;
    let secs = u64::try_from(t.secs()).ok()?;
    UNIX_EPOCH
        .checked_add(Duration::from_secs(secs) + Duration::from_nanos(u64::from(t.subsec_nanos())))
}

// The SDKs re-export the same smithy DateTime.
mod aws_smithy_types_dt {
    pub use aws_sdk_redshift::primitives::DateTime;
}

/// Which exit code a Redshift error code (or HTTP status) stands for.
pub fn classify(code: Option<&str>, status: Option<u16>) -> ExitCode {
    match code.unwrap_or("") {
        "AccessDenied"
        | "AccessDeniedException"
        | "AccessDeniedFault"
        | "UnauthorizedOperation" => ExitCode::PermissionDenied,
        "ClusterNotFound" | "ClusterNotFoundFault" | "ResourceNotFoundException" => {
            ExitCode::Configuration
        }
        "ExpiredToken"
        | "ExpiredTokenException"
        | "InvalidClientTokenId"
        | "SignatureDoesNotMatch"
        | "IncompleteSignature"
        | "MissingAuthenticationToken"
        | "UnrecognizedClientException" => ExitCode::NotAuthenticated,
        "InvalidParameterValue"
        | "InvalidParameterCombination"
        | "ValidationException"
        | "ValidationError"
        | "UnsupportedOperation"
        | "UnsupportedOperationFault"
        | "InvalidClusterState"
        | "InvalidClusterStateFault"
        | "MissingParameter" => ExitCode::Configuration,
        "Throttling"
        | "ThrottlingException"
        | "ServiceUnavailable"
        | "InternalFailure"
        | "InternalServerException" => ExitCode::Network,
        _ if status.is_some_and(|s| s >= 500) => ExitCode::Network,
        // A success status with an answer that could not be read.
        _ if status.is_some_and(|s| s < 300) => ExitCode::Network,
        _ if status == Some(403) => ExitCode::PermissionDenied,
        _ => ExitCode::General,
    }
}

/// The error of a failed call to `service`: its answer (secrets scrubbed),
/// then what to do about it.
fn failed<E>(
    request: &Request,
    region: &str,
    secrets: &[Option<&str>],
    service: &str,
    err: SdkError<E, HttpResponse>,
) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let e = awsapi::map_sdk_error(&request.describe(), service, err, secrets, classify);
    explain(request, region, e)
}

/// A failed call's error, with what to do about it.
fn explain(request: &Request, region: &str, e: Error) -> Error {
    let hint = match e.code {
        ExitCode::PermissionDenied => format!(
            "; the AWS identity needs {} on this {}",
            request.action(),
            match request {
                Request::Serverless { .. } => "workgroup",
                Request::Cluster {
                    auto_create: true, ..
                } => "cluster (and redshift:CreateClusterUser for --auto-create, redshift:JoinGroup for --db-groups)",
                Request::Cluster { db_groups, .. } if !db_groups.is_empty() => {
                    "cluster (and redshift:JoinGroup for --db-groups)"
                }
                _ => "cluster",
            }
        ),
        ExitCode::Configuration if e.message.contains("NotFound") => match request {
            Request::Serverless { .. } => format!(
                "; check the workgroup name (--workgroup) and the region ({region})"
            ),
            _ => format!("; check the cluster identifier (--cluster-id) and the region ({region})"),
        },
        _ => String::new(),
    };
    Error::new(e.code, format!("{}{hint}", e.message))
}

/// Make the call `request` names in `region` with `creds`.
pub fn get_credentials(
    request: &Request,
    creds: &Credentials,
    region: &str,
    endpoint: Option<&str>,
) -> Result<DbCredentials> {
    let what = request.describe();
    let secrets = [
        Some(creds.secret_access_key.expose()),
        creds.session_token.as_ref().map(|t| t.expose()),
    ];
    let duration = |d: u64| i32::try_from(d).unwrap_or(i32::MAX);
    let now = SystemTime::now();
    // (DbUser, DbPassword, Expiration) as the call answered.
    let (user, password, expires) = match request {
        Request::Serverless {
            workgroup,
            db_name,
            duration: d,
        } => {
            use aws_sdk_redshiftserverless::config::{BehaviorVersion, Region};
            let mut b = aws_sdk_redshiftserverless::Config::builder()
                .behavior_version(BehaviorVersion::latest())
                .retry_config(aws_sdk_redshiftserverless::config::retry::RetryConfig::disabled())
                .region(Region::new(region.to_owned()))
                .credentials_provider(awsapi::sdk_credentials(creds));
            if let Some(e) = endpoint {
                b = b.endpoint_url(e);
            }
            let client = aws_sdk_redshiftserverless::Client::from_conf(b.build());
            let out = run(
                &what,
                client
                    .get_credentials()
                    .workgroup_name(workgroup)
                    .set_db_name(db_name.clone())
                    .duration_seconds(duration(*d))
                    .send(),
            )?
            .map_err(|e| failed(request, region, &secrets, "Redshift Serverless", e))?;
            (
                out.db_user,
                out.db_password,
                to_system_time(out.expiration.as_ref()),
            )
        }
        Request::ClusterWithIam {
            cluster,
            db_name,
            duration: d,
        } => {
            let client = redshift_client(creds, region, endpoint);
            let out = run(
                &what,
                client
                    .get_cluster_credentials_with_iam()
                    .cluster_identifier(cluster)
                    .set_db_name(db_name.clone())
                    .duration_seconds(duration(*d))
                    .send(),
            )?
            .map_err(|e| failed(request, region, &secrets, "Redshift", e))?;
            (
                out.db_user,
                out.db_password,
                to_system_time(out.expiration.as_ref()),
            )
        }
        Request::Cluster {
            cluster,
            db_user,
            db_name,
            auto_create,
            db_groups,
            duration: d,
        } => {
            let client = redshift_client(creds, region, endpoint);
            let out = run(
                &what,
                client
                    .get_cluster_credentials()
                    .cluster_identifier(cluster)
                    .db_user(db_user)
                    .set_db_name(db_name.clone())
                    .duration_seconds(duration(*d))
                    .auto_create(*auto_create)
                    .set_db_groups((!db_groups.is_empty()).then(|| db_groups.clone()))
                    .send(),
            )?
            .map_err(|e| failed(request, region, &secrets, "Redshift", e))?;
            (
                out.db_user,
                out.db_password,
                to_system_time(out.expiration.as_ref()),
            )
        }
    };
    check_answer(&what, user.as_deref(), password.as_deref(), expires, now)
}

fn redshift_client(
    creds: &Credentials,
    region: &str,
    endpoint: Option<&str>,
) -> aws_sdk_redshift::Client {
    use aws_sdk_redshift::config::{BehaviorVersion, Region};
    let mut b = aws_sdk_redshift::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .retry_config(aws_sdk_redshift::config::retry::RetryConfig::disabled())
        .region(Region::new(region.to_owned()))
        .credentials_provider(awsapi::sdk_credentials(creds));
    if let Some(e) = endpoint {
        b = b.endpoint_url(e);
    }
    aws_sdk_redshift::Client::from_conf(b.build())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::FakeWorld;

    fn req() -> Request {
        Request::ClusterWithIam {
            cluster: "analytics".into(),
            db_name: None,
            duration: 900,
        }
    }

    #[test]
    fn endpoints_over_http_only_on_this_machine() {
        let w = FakeWorld::new().var("AWS_ENDPOINT_URL_REDSHIFT", "http://127.0.0.1:15439");
        assert_eq!(
            endpoint_for(&req(), &w).unwrap().as_deref(),
            Some("http://127.0.0.1:15439")
        );
        let w = FakeWorld::new().var("AWS_ENDPOINT_URL", "http://[::1]:1/");
        assert!(endpoint_for(&req(), &w).is_ok());
        let w = FakeWorld::new().var("AWS_ENDPOINT_URL_REDSHIFT", "http://redshift.example.com");
        let e = endpoint_for(&req(), &w).unwrap_err();
        assert!(e.message.contains("use https"), "{e}");
        let w = FakeWorld::new().var(
            "AWS_ENDPOINT_URL_REDSHIFT",
            "http://127.0.0.1.evil.example:80",
        );
        assert!(endpoint_for(&req(), &w).is_err());
        // Serverless has its own variable.
        let w = FakeWorld::new().var("AWS_ENDPOINT_URL_REDSHIFT_SERVERLESS", "https://x.example");
        let s = Request::Serverless {
            workgroup: "wg1".into(),
            db_name: None,
            duration: 900,
        };
        assert_eq!(
            endpoint_for(&s, &w).unwrap().as_deref(),
            Some("https://x.example")
        );
        assert_eq!(endpoint_for(&req(), &w).unwrap(), None);
    }

    #[test]
    fn error_codes() {
        assert_eq!(
            classify(Some("ClusterNotFound"), Some(404)),
            ExitCode::Configuration
        );
        assert_eq!(
            classify(Some("ResourceNotFoundException"), Some(400)),
            ExitCode::Configuration
        );
        assert_eq!(
            classify(Some("AccessDenied"), Some(403)),
            ExitCode::PermissionDenied
        );
        assert_eq!(
            classify(Some("AccessDeniedException"), Some(400)),
            ExitCode::PermissionDenied
        );
        assert_eq!(
            classify(Some("ExpiredToken"), Some(400)),
            ExitCode::NotAuthenticated
        );
        assert_eq!(classify(None, Some(503)), ExitCode::Network);
        let e = explain(
            &req(),
            "us-east-1",
            Error::denied("Redshift GetClusterCredentialsWithIAM for cluster analytics failed: AccessDenied: no"),
        );
        assert!(
            e.message
                .contains("needs redshift:GetClusterCredentialsWithIAM"),
            "{e}"
        );
        let e = explain(
            &req(),
            "us-east-1",
            Error::config("x failed: ClusterNotFound: Cluster analytics not found."),
        );
        assert!(e.message.contains("--cluster-id"), "{e}");
    }
}
