//! The RDS IAM authentication token: a SigV4-presigned
//! `GET https://HOST:PORT/?Action=connect&DBUser=USER` for the `rds-db`
//! service, valid 900 s, written without its scheme.
//!
//! Signing is pure (credentials, time and request in; token out). The
//! request has one fixed shape, so its canonical form is written directly;
//! the key derivation and the signature are `aws-sigv4`'s own
//! (`generate_signing_key`, `calculate_signature`). The token text matches
//! botocore's `generate_db_auth_token` byte for byte: the host is signed
//! lowercased (and without `:443`, the https default) but written as given,
//! the user name is percent-encoded (RFC 3986), the query is in botocore's
//! order with the security token before the signature, and the payload hash
//! is that of the empty body. tests/token_botocore.rs holds this to
//! botocore itself over generated inputs.

use std::fmt::Write as _;
use std::time::{Duration, SystemTime};

use aws_sigv4::sign::v4::{calculate_signature, generate_signing_key};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// How long an RDS token is valid (the most RDS accepts).
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(900);

/// RFC 3986 unreserved characters stay; everything else is escaped.
const RFC3986: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// SHA-256 of the empty payload (a GET has no body).
const EMPTY_PAYLOAD_SHA256: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

fn push_encoded(out: &mut String, s: &str) {
    for part in utf8_percent_encode(s, RFC3986) {
        out.push_str(part);
    }
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
pub fn rds_token(
    keys: SigningKeys<'_>,
    req: &TokenRequest<'_>,
    time: SystemTime,
) -> Result<String> {
    if req.host.is_empty() {
        return Err(Error::config("cannot sign a token for an empty host name"));
    }
    if req.user.is_empty() {
        return Err(Error::config("cannot sign a token for an empty user name"));
    }
    if req.region.is_empty() {
        return Err(Error::config("cannot sign a token without a region"));
    }
    let now = time::OffsetDateTime::from(time);
    let (date, amz_date) = {
        let (y, m, d) = (now.year(), u8::from(now.month()), now.day());
        let (hh, mm, ss) = (now.hour(), now.minute(), now.second());
        (
            format!("{y:04}{m:02}{d:02}"),
            format!("{y:04}{m:02}{d:02}T{hh:02}{mm:02}{ss:02}Z"),
        )
    };

    // The query parameters up to the security token, in canonical (sorted)
    // order, which is also the token's order.
    let token_len = keys.session_token.map_or(0, |t| t.len() * 3 / 2);
    let mut query = String::with_capacity(320 + req.user.len() * 3 + token_len);
    query.push_str("Action=connect&DBUser=");
    push_encoded(&mut query, req.user);
    query.push_str("&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=");
    push_encoded(&mut query, keys.access_key_id);
    let _ = write!(query, "%2F{date}%2F");
    push_encoded(&mut query, req.region);
    let _ = write!(
        query,
        "%2Frds-db%2Faws4_request&X-Amz-Date={amz_date}&X-Amz-Expires={}",
        TOKEN_LIFETIME.as_secs()
    );
    let mut security = String::with_capacity(token_len + 24);
    if let Some(t) = keys.session_token {
        security.push_str("&X-Amz-Security-Token=");
        push_encoded(&mut security, t);
    }

    let host = req.host.to_ascii_lowercase();
    let signed_host = if req.port == 443 {
        host
    } else {
        format!("{host}:{}", req.port)
    };
    let canonical_request = format!(
        "GET\n/\n{query}{security}&X-Amz-SignedHeaders=host\nhost:{signed_host}\n\nhost\n{EMPTY_PAYLOAD_SHA256}"
    );
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{date}/{}/rds-db/aws4_request\n{}",
        req.region,
        hex(&Sha256::digest(canonical_request.as_bytes()))
    );
    let key = generate_signing_key(keys.secret_access_key, time, req.region, "rds-db");
    let signature = calculate_signature(key, string_to_sign.as_bytes());

    let mut token = String::with_capacity(req.host.len() + 8 + query.len() + security.len() + 110);
    let _ = write!(
        token,
        "{}:{}/?{query}&X-Amz-SignedHeaders=host{security}&X-Amz-Signature={signature}",
        req.host, req.port
    );
    Ok(token)
}

/// Lowercase hex, as SigV4 writes hashes and signatures.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
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
        let t = rds_token(
            keys(Some("IQoJb3JpZ2luX2VjEXAMPLE/token+with=chars")),
            &req(),
            t0(),
        )
        .unwrap();
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
            TokenRequest {
                region: "",
                ..req()
            },
        ] {
            assert!(rds_token(keys(None), &r, t0()).is_err());
        }
    }
}
