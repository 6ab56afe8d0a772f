//! The RDS IAM authentication token: a SigV4-presigned
//! `GET https://HOST:PORT/?Action=connect&DBUser=USER` for the `rds-db`
//! service, valid 900 s, written without its scheme.
//!
//! Signing is pure (credentials, time and request in; token out) and uses
//! `aws-sigv4`. The token text matches botocore's `generate_db_auth_token`
//! byte for byte: the host is signed lowercased but written as given, the
//! user name is percent-encoded (RFC 3986) before it enters the URL, and the
//! query is assembled in botocore's order with the security token before
//! the signature.

use std::borrow::Cow;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials as SdkCredentials;
use aws_sigv4::http_request::{
    sign, SignableBody, SignableRequest, SignatureLocation, SigningSettings,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::error::{Error, Result};

/// How long an RDS token is valid (the most RDS accepts).
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(900);

/// RFC 3986 unreserved characters stay; everything else is escaped.
const RFC3986: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

fn encode(s: &str) -> Cow<'_, str> {
    utf8_percent_encode(s, RFC3986).into()
}

/// The AWS keys a token is signed with.
#[derive(Clone, Copy)]
pub struct SigningKeys<'a> {
    pub access_key_id: &'a str,
    pub secret_access_key: &'a str,
    pub session_token: Option<&'a str>,
}

/// What the token grants: connecting as `user` to `host:port` in `region`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRequest<'a> {
    pub host: &'a str,
    pub port: u16,
    pub user: &'a str,
    pub region: &'a str,
}

/// Sign an RDS IAM token at `time`.
pub fn rds_token(keys: SigningKeys<'_>, req: &TokenRequest<'_>, time: SystemTime) -> Result<String> {
    if req.host.is_empty() {
        return Err(Error::config("cannot sign a token for an empty host name"));
    }
    if req.user.is_empty() {
        return Err(Error::config("cannot sign a token for an empty user name"));
    }
    if req.region.is_empty() {
        return Err(Error::config("cannot sign a token without a region"));
    }
    let identity: Identity = SdkCredentials::new(
        keys.access_key_id,
        keys.secret_access_key,
        keys.session_token.map(str::to_owned),
        None,
        "vouch",
    )
    .into();
    let mut settings = SigningSettings::default();
    settings.signature_location = SignatureLocation::QueryParams;
    settings.expires_in = Some(TOKEN_LIFETIME);
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(req.region)
        .name("rds-db")
        .time(time)
        .settings(settings)
        .build()
        .map_err(|e| Error::general(format!("cannot set up token signing: {e}")))?
        .into();

    let user = encode(req.user);
    let authority = format!("{}:{}", req.host, req.port);
    let signed_url = format!(
        "https://{}/?Action=connect&DBUser={user}",
        authority.to_ascii_lowercase()
    );
    let signable = SignableRequest::new(
        "GET",
        &signed_url,
        std::iter::empty(),
        SignableBody::Bytes(&[]),
    )
    .map_err(|e| Error::config(format!("cannot sign a token for host {:?}: {e}", req.host)))?;
    let (instructions, _) = sign(signable, &params)
        .map_err(|e| Error::general(format!("token signing failed: {e}")))?
        .into_parts();

    let param = |name: &str| {
        instructions
            .params()
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_ref())
            .unwrap_or_default()
    };
    let mut token = String::with_capacity(512 + keys.session_token.map_or(0, |t| t.len() * 3 / 2));
    token.push_str(&authority);
    token.push_str("/?Action=connect&DBUser=");
    token.push_str(&user);
    for name in [
        "X-Amz-Algorithm",
        "X-Amz-Credential",
        "X-Amz-Date",
        "X-Amz-Expires",
        "X-Amz-SignedHeaders",
        "X-Amz-Security-Token",
        "X-Amz-Signature",
    ] {
        if name == "X-Amz-Security-Token" && keys.session_token.is_none() {
            continue;
        }
        token.push('&');
        token.push_str(name);
        token.push('=');
        token.push_str(&encode(param(name)));
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    const AKID: &str = "AKIDEXAMPLE";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    // 2024-01-15T12:00:00Z
    fn t0() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_705_320_000)
    }
    fn req() -> TokenRequest<'static> {
        TokenRequest {
            host: "mydb.cluster-abc123.us-east-1.rds.amazonaws.com",
            port: 5432,
            user: "mydbuser",
            region: "us-east-1",
        }
    }
    fn keys(session_token: Option<&str>) -> SigningKeys<'_> {
        SigningKeys {
            access_key_id: AKID,
            secret_access_key: SECRET,
            session_token,
        }
    }

    // Known answers from botocore 1.43 (tests/data/rds-token-vectors.json).
    #[test]
    fn static_credentials_vector() {
        let t = rds_token(keys(None), &req(), t0()).unwrap();
        assert_eq!(t, "mydb.cluster-abc123.us-east-1.rds.amazonaws.com:5432/?Action=connect&DBUser=mydbuser&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20240115%2Fus-east-1%2Frds-db%2Faws4_request&X-Amz-Date=20240115T120000Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Signature=e8f30a9daa76347394acbb6e51f989790db8ca4b13fe80dcccf7bd466abae89e");
    }

    #[test]
    fn session_token_vector() {
        let t = rds_token(keys(Some("IQoJb3JpZ2luX2VjEXAMPLE/token+with=chars")), &req(), t0()).unwrap();
        assert_eq!(t, "mydb.cluster-abc123.us-east-1.rds.amazonaws.com:5432/?Action=connect&DBUser=mydbuser&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20240115%2Fus-east-1%2Frds-db%2Faws4_request&X-Amz-Date=20240115T120000Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Security-Token=IQoJb3JpZ2luX2VjEXAMPLE%2Ftoken%2Bwith%3Dchars&X-Amz-Signature=19a7d4382e6046b4d85ed58ce3a1ecb65ab6913f12bcc183237287ad82b1551e");
    }

    #[test]
    fn odd_user_names_are_escaped_rfc3986() {
        let mut r = req();
        r.user = "a b+c@d/é";
        let t = rds_token(keys(None), &r, t0()).unwrap();
        assert!(t.contains("DBUser=a%20b%2Bc%40d%2F%C3%A9&"), "{t}");
    }

    #[test]
    fn empty_inputs_are_refused() {
        for r in [
            TokenRequest { host: "", ..req() },
            TokenRequest { user: "", ..req() },
            TokenRequest { region: "", ..req() },
        ] {
            assert!(rds_token(keys(None), &r, t0()).is_err());
        }
    }
}
