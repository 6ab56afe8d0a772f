//! IAM Roles Anywhere `CreateSession`: an X.509 certificate and its key
//! (an [`X509Signer`]) become temporary AWS credentials.
//!
//! This module is pure: [`build_request`] turns the settings, a signer and
//! a clock value into the exact HTTP request to send, and
//! [`parse_response`] turns the answer into [`Credentials`]. The network
//! call is the caller's.
//!
//! The request, as AWS documents it and its Go credential helper sends it:
//!
//! ```text
//! POST https://rolesanywhere.{region}.amazonaws.com/sessions   (.amazonaws.com.cn in cn-*)
//! Content-Type: application/json
//! Host: rolesanywhere.{region}.amazonaws.com
//! X-Amz-Date: 20261215T123045Z
//! X-Amz-X509: base64(leaf DER)
//! X-Amz-X509-Chain: base64(DER),base64(DER)          (only with a chain)
//! Authorization: AWS4-X509-RSA-SHA256 Credential={serial in decimal}/{yyyymmdd}/{region}/rolesanywhere/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-x509, Signature={hex}
//!
//! {"durationSeconds": 3600, "profileArn": "...", "roleArn": "...", "trustAnchorArn": "..."}
//! ```
//!
//! The signature is SigV4's canonical request and string to sign, with the
//! HMAC chain replaced by the certificate key's signature over the string
//! to sign. The body's layout (sorted keys, `", "` and `": "`) is the one
//! PyPI `iam-rolesanywhere-session` writes, so its known-answer vectors
//! (`data/rolesanywhere-kat/`) apply byte for byte.
//!
//! [`Credentials`]: crate::credentials::Credentials

mod arn;
mod response;

pub use arn::{
    check_role_arn, check_role_session_name, check_rolesanywhere_arn, partition_of, Partition,
};
pub use response::{parse_response, Session};

use crate::error::{Error, Result};
use crate::signer::X509Signer;
use base64ct::{Base64, Encoding};
use sha2::{Digest, Sha256};
use std::fmt;
use std::time::SystemTime;

/// The `Content-Type` sent (AWS's documentation, the Go helper).
pub const CONTENT_TYPE: &str = "application/json";
/// The service name in the credential scope.
pub const SERVICE: &str = "rolesanywhere";
/// `durationSeconds` bounds (AWS: 900 to 43200; the profile may cap it).
pub const MIN_DURATION: u32 = 900;
pub const MAX_DURATION: u32 = 43200;
pub const DEFAULT_DURATION: u32 = 3600;

/// What a `CreateSession` call asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionParams {
    pub region: String,
    pub trust_anchor_arn: String,
    pub profile_arn: String,
    pub role_arn: String,
    /// 900 to 43200; AWS grants min(this, the profile's duration).
    pub duration_seconds: u32,
    /// Only if the profile accepts role session names.
    pub role_session_name: Option<String>,
    /// A base URL instead of `https://rolesanywhere.{region}.amazonaws.com`
    /// (tests: `https://127.0.0.1:PORT`). Its authority is the `Host`.
    pub endpoint: Option<String>,
}

impl SessionParams {
    /// The three ARNs in a region, one hour, no session name, AWS's endpoint.
    pub fn new(
        region: impl Into<String>,
        trust_anchor_arn: impl Into<String>,
        profile_arn: impl Into<String>,
        role_arn: impl Into<String>,
    ) -> Self {
        SessionParams {
            region: region.into(),
            trust_anchor_arn: trust_anchor_arn.into(),
            profile_arn: profile_arn.into(),
            role_arn: role_arn.into(),
            duration_seconds: DEFAULT_DURATION,
            role_session_name: None,
            endpoint: None,
        }
    }

    /// Checks the region, the ARNs (shape, region, partition), the
    /// duration and the session name. Errors are [`Error::config`].
    pub fn validate(&self) -> Result<()> {
        let partition = partition_of(&self.region)?;
        check_rolesanywhere_arn(
            &self.trust_anchor_arn,
            "trust-anchor",
            "trust anchor ARN",
            &self.region,
            partition,
        )?;
        check_rolesanywhere_arn(
            &self.profile_arn,
            "profile",
            "profile ARN",
            &self.region,
            partition,
        )?;
        check_role_arn(&self.role_arn, &self.region, partition)?;
        if !(MIN_DURATION..=MAX_DURATION).contains(&self.duration_seconds) {
            return Err(Error::config(format!(
                "a Roles Anywhere session lasts {MIN_DURATION} to {MAX_DURATION} seconds, not {}",
                self.duration_seconds
            )));
        }
        if let Some(name) = &self.role_session_name {
            check_role_session_name(name)?;
        }
        Ok(())
    }
}

/// Where the request goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `https://rolesanywhere.us-east-1.amazonaws.com` (no trailing slash).
    pub base_url: String,
    /// The `Host` header: the URL's authority (`host` or `host:port`).
    pub host: String,
}

/// The endpoint for a region, or the override. An override must be an
/// `https://` URL without path, query or user info; `http://` only to a
/// loopback address (a signed request can be replayed for minutes).
pub fn endpoint(region: &str, endpoint_override: Option<&str>) -> Result<Endpoint> {
    let Some(url) = endpoint_override else {
        let partition = partition_of(region)?;
        let host = format!("{SERVICE}.{region}.{}", partition.dns_suffix);
        return Ok(Endpoint {
            base_url: format!("https://{host}"),
            host,
        });
    };
    let bad = |why: &str| {
        Error::config(format!(
            "the Roles Anywhere endpoint \"{url}\" {why} (expected https://HOST[:PORT])"
        ))
    };
    let (scheme, rest) = url.split_once("://").ok_or_else(|| bad("is not a URL"))?;
    let scheme = scheme.to_ascii_lowercase();
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    if authority.is_empty() {
        return Err(bad("has no host"));
    }
    if authority.contains(['/', '?', '#']) {
        return Err(bad("has a path, query or fragment"));
    }
    if authority.contains('@') {
        return Err(bad("has user information"));
    }
    if authority
        .chars()
        .any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(bad("contains spaces"));
    }
    match scheme.as_str() {
        "https" => {}
        "http" if is_loopback(authority) => {}
        "http" => return Err(bad("is plain http to a host that is not this machine")),
        _ => return Err(bad("is not an https URL")),
    }
    Ok(Endpoint {
        base_url: format!("{scheme}://{authority}"),
        host: authority.to_owned(),
    })
}

fn is_loopback(authority: &str) -> bool {
    let host = if let Some(rest) = authority.strip_prefix('[') {
        rest.split(']').next().unwrap_or_default()
    } else {
        authority.rsplit_once(':').map_or(authority, |(h, _)| h)
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A request ready to send: send exactly these headers, in this order (the
/// HTTP layer adds `Content-Length` and must not change `Host`).
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: &'static str,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpRequest {
    /// A header's value (name in any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The signature is left out: a signed request can be replayed for a few
/// minutes.
impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(String, String)> = self
            .headers
            .iter()
            .map(|(n, v)| {
                let v = match v.find("Signature=") {
                    Some(i) if n.eq_ignore_ascii_case("authorization") => {
                        format!("{}Signature=***", &v[..i])
                    }
                    _ => v.clone(),
                };
                (n.clone(), v)
            })
            .collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &headers)
            .field("body", &String::from_utf8_lossy(&self.body))
            .finish()
    }
}

/// A request with the intermediate strings of its signature (for tests
/// and `--explain`-style output; nothing here is secret, but the request
/// can be replayed until its date is five minutes old).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedRequest {
    pub request: HttpRequest,
    pub canonical_request: String,
    pub string_to_sign: String,
}

/// Builds the signed `CreateSession` request. Validates `params` first
/// ([`SessionParams::validate`]); signing errors are the signer's.
pub fn build_request(
    signer: &dyn X509Signer,
    params: &SessionParams,
    now: SystemTime,
) -> Result<HttpRequest> {
    sign_request(signer, params, now).map(|s| s.request)
}

/// [`build_request`], keeping the canonical request and string to sign.
pub fn sign_request(
    signer: &dyn X509Signer,
    params: &SessionParams,
    now: SystemTime,
) -> Result<SignedRequest> {
    params.validate()?;
    let target = endpoint(&params.region, params.endpoint.as_deref())?;
    let (date, amz_date) = dates(now);
    let body = request_body(params);
    let leaf = signer.leaf();
    let chain = signer.chain();
    if chain.len() > crate::signer::MAX_CHAIN {
        return Err(Error::config(format!(
            "IAM Roles Anywhere takes at most {} chain certificates, not {}",
            crate::signer::MAX_CHAIN,
            chain.len()
        )));
    }

    let x509 = Base64::encode_string(&leaf.der);
    let chain_value = chain
        .iter()
        .map(|der| Base64::encode_string(der))
        .collect::<Vec<_>>()
        .join(",");
    // Lowercase names, sorted: the canonical order.
    let mut signed: Vec<(&str, &str)> = vec![
        ("content-type", CONTENT_TYPE),
        ("host", &target.host),
        ("x-amz-date", &amz_date),
        ("x-amz-x509", &x509),
    ];
    if !chain.is_empty() {
        signed.push(("x-amz-x509-chain", &chain_value));
    }
    let signed_headers = signed_header_list(&signed);
    let canonical = canonical_request("POST", "/sessions", "", &signed, &body);
    let algorithm = signer.algorithm();
    let scope = credential_scope(&date, &params.region);
    let sts = string_to_sign(algorithm, &amz_date, &scope, &canonical);
    let signature = signer.sign(sts.as_bytes())?;
    let auth = authorization(
        algorithm,
        &leaf.serial_decimal,
        &scope,
        &signed_headers,
        &hex(&signature),
    );

    let mut headers: Vec<(String, String)> = vec![
        ("Content-Type".into(), CONTENT_TYPE.into()),
        ("Host".into(), target.host.clone()),
        ("X-Amz-Date".into(), amz_date.clone()),
        ("X-Amz-X509".into(), x509.clone()),
    ];
    if !chain.is_empty() {
        headers.push(("X-Amz-X509-Chain".into(), chain_value.clone()));
    }
    headers.push(("Authorization".into(), auth));
    Ok(SignedRequest {
        request: HttpRequest {
            method: "POST",
            url: format!("{}/sessions", target.base_url),
            headers,
            body,
        },
        canonical_request: canonical,
        string_to_sign: sts,
    })
}

/// The JSON body: keys sorted, `", "` between members and `": "` after
/// keys (the layout of Python's `json.dumps`, so the known-answer vectors
/// match byte for byte; any JSON layout is valid for AWS).
pub fn request_body(params: &SessionParams) -> Vec<u8> {
    let s = |v: &str| serde_json::to_string(v).unwrap_or_default();
    let mut members = vec![
        format!("\"durationSeconds\": {}", params.duration_seconds),
        format!("\"profileArn\": {}", s(&params.profile_arn)),
        format!("\"roleArn\": {}", s(&params.role_arn)),
    ];
    if let Some(name) = &params.role_session_name {
        members.push(format!("\"roleSessionName\": {}", s(name)));
    }
    members.push(format!(
        "\"trustAnchorArn\": {}",
        s(&params.trust_anchor_arn)
    ));
    format!("{{{}}}", members.join(", ")).into_bytes()
}

/// `(yyyymmdd, yyyymmddThhmmssZ)` in UTC.
pub fn dates(now: SystemTime) -> (String, String) {
    let t = time::OffsetDateTime::from(now);
    let (y, m, d) = (t.year(), u8::from(t.month()), t.day());
    let (hh, mm, ss) = (t.hour(), t.minute(), t.second());
    (
        format!("{y:04}{m:02}{d:02}"),
        format!("{y:04}{m:02}{d:02}T{hh:02}{mm:02}{ss:02}Z"),
    )
}

/// `{yyyymmdd}/{region}/rolesanywhere/aws4_request`.
pub fn credential_scope(date: &str, region: &str) -> String {
    format!("{date}/{region}/{SERVICE}/aws4_request")
}

/// `content-type;host;...`: the names of `headers` (lowercase, in canonical order).
pub fn signed_header_list(headers: &[(&str, &str)]) -> String {
    headers
        .iter()
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(";")
}

/// SigV4's canonical request. `headers` are lowercase names in sorted
/// order with their values; values are trimmed and inner runs of spaces
/// collapsed, as SigV4 says.
pub fn canonical_request(
    method: &str,
    path: &str,
    query: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> String {
    let mut out = format!("{method}\n{path}\n{query}\n");
    for (name, value) in headers {
        out.push_str(name);
        out.push(':');
        out.push_str(&value.split_whitespace().collect::<Vec<_>>().join(" "));
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&signed_header_list(headers));
    out.push('\n');
    out.push_str(&hex(&Sha256::digest(body)));
    out
}

/// `ALG\nX-Amz-Date\nscope\nhex(sha256(canonical request))` (no final newline).
pub fn string_to_sign(algorithm: &str, amz_date: &str, scope: &str, canonical: &str) -> String {
    format!(
        "{algorithm}\n{amz_date}\n{scope}\n{}",
        hex(&Sha256::digest(canonical.as_bytes()))
    )
}

/// The `Authorization` header's value.
pub fn authorization(
    algorithm: &str,
    serial_decimal: &str,
    scope: &str,
    signed_headers: &str,
    signature_hex: &str,
) -> String {
    format!(
        "{algorithm} Credential={serial_decimal}/{scope}, SignedHeaders={signed_headers}, \
         Signature={signature_hex}"
    )
}

/// Lowercase hex (SigV4's).
pub use crate::token::hex;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ExitCode;
    use crate::signer::software::SoftwareKey;
    use std::time::{Duration, UNIX_EPOCH};

    const TA: &str =
        "arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/0a1b2c3d-4e5f-6789-abcd-ef0123456789";
    const PROFILE: &str =
        "arn:aws:rolesanywhere:us-east-1:123456789012:profile/11111111-2222-3333-4444-555555555555";
    const ROLE: &str = "arn:aws:iam::123456789012:role/ExampleRole";
    /// 2026-12-15T12:30:45Z
    const NOW: u64 = 1_797_337_845;

    fn params() -> SessionParams {
        SessionParams::new("us-east-1", TA, PROFILE, ROLE)
    }
    fn now() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(NOW)
    }
    fn ec_key(chain: Option<&str>) -> SoftwareKey {
        SoftwareKey::from_pem(
            include_str!("../../data/rolesanywhere-kat/kat_ec_p256_verifyonly/ec_cert.pem"),
            chain,
            include_str!("../../data/rolesanywhere-kat/kat_ec_p256_verifyonly/ec_key.pem"),
        )
        .unwrap()
    }

    #[test]
    fn dates_and_scope() {
        assert_eq!(
            dates(now()),
            ("20261215".to_owned(), "20261215T123045Z".to_owned())
        );
        assert_eq!(
            credential_scope("20261215", "us-east-1"),
            "20261215/us-east-1/rolesanywhere/aws4_request"
        );
    }

    #[test]
    fn endpoints() {
        let e = endpoint("us-east-1", None).unwrap();
        assert_eq!(e.base_url, "https://rolesanywhere.us-east-1.amazonaws.com");
        assert_eq!(e.host, "rolesanywhere.us-east-1.amazonaws.com");
        let e = endpoint("cn-northwest-1", None).unwrap();
        assert_eq!(e.host, "rolesanywhere.cn-northwest-1.amazonaws.com.cn");
        let e = endpoint("us-gov-west-1", None).unwrap();
        assert_eq!(e.host, "rolesanywhere.us-gov-west-1.amazonaws.com");

        let e = endpoint("us-east-1", Some("https://127.0.0.1:8443/")).unwrap();
        assert_eq!(e.base_url, "https://127.0.0.1:8443");
        assert_eq!(e.host, "127.0.0.1:8443");
        let e = endpoint("us-east-1", Some("HTTP://[::1]:9000")).unwrap();
        assert_eq!(e.base_url, "http://[::1]:9000");
        endpoint("us-east-1", Some("http://localhost:9000")).unwrap();
        endpoint("us-east-1", Some("https://ra.example.com")).unwrap();

        for (bad, why) in [
            ("http://ra.example.com", "plain http"),
            ("ftp://127.0.0.1", "not an https URL"),
            ("127.0.0.1:8443", "not a URL"),
            ("https://", "no host"),
            ("https://127.0.0.1:8443/prefix", "path"),
            ("https://127.0.0.1?x=1", "query"),
            ("https://user@127.0.0.1", "user information"),
        ] {
            let e = endpoint("us-east-1", Some(bad)).unwrap_err();
            assert_eq!(e.code, ExitCode::Configuration);
            assert!(e.message.contains(why), "{bad}: {e}");
        }
    }

    #[test]
    fn body_layout() {
        let mut p = params();
        assert_eq!(
            String::from_utf8(request_body(&p)).unwrap(),
            format!(
                "{{\"durationSeconds\": 3600, \"profileArn\": \"{PROFILE}\", \"roleArn\": \
                 \"{ROLE}\", \"trustAnchorArn\": \"{TA}\"}}"
            )
        );
        p.role_session_name = Some("alice".into());
        p.duration_seconds = 900;
        let body = String::from_utf8(request_body(&p)).unwrap();
        assert!(body.starts_with("{\"durationSeconds\": 900, "), "{body}");
        assert!(
            body.contains(&format!(
                "\"roleArn\": \"{ROLE}\", \"roleSessionName\": \"alice\", \"trustAnchorArn\""
            )),
            "{body}"
        );
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["roleSessionName"], "alice");
    }

    #[test]
    fn canonical_request_shape() {
        let c = canonical_request(
            "POST",
            "/sessions",
            "",
            &[("content-type", " application/json "), ("host", "h  x")],
            b"",
        );
        assert_eq!(
            c,
            "POST\n/sessions\n\ncontent-type:application/json\nhost:h x\n\ncontent-type;host\n\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn request_without_chain() {
        let key = ec_key(None);
        let s = sign_request(&key, &params(), now()).unwrap();
        let r = &s.request;
        assert_eq!(r.method, "POST");
        assert_eq!(
            r.url,
            "https://rolesanywhere.us-east-1.amazonaws.com/sessions"
        );
        let names: Vec<&str> = r.headers.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "Content-Type",
                "Host",
                "X-Amz-Date",
                "X-Amz-X509",
                "Authorization"
            ]
        );
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert_eq!(r.header("x-amz-date"), Some("20261215T123045Z"));
        assert_eq!(
            Base64::decode_vec(r.header("x-amz-x509").unwrap()).unwrap(),
            key.leaf().der
        );
        let auth = r.header("authorization").unwrap();
        let prefix = "AWS4-X509-ECDSA-SHA256 Credential=81985529216486895/20261215/us-east-1/\
                      rolesanywhere/aws4_request, SignedHeaders=content-type;host;x-amz-date;\
                      x-amz-x509, Signature=";
        assert!(auth.starts_with(prefix), "{auth}");
        let sig: Vec<u8> = (0..auth.len() - prefix.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&auth[prefix.len() + i..prefix.len() + i + 2], 16).unwrap())
            .collect();
        assert!(key
            .leaf()
            .public_key
            .verify(s.string_to_sign.as_bytes(), &sig));
        assert!(s.string_to_sign.starts_with(
            "AWS4-X509-ECDSA-SHA256\n20261215T123045Z\n20261215/us-east-1/rolesanywhere/aws4_request\n"
        ));
        let debug = format!("{r:?}");
        assert!(debug.contains("Signature=***") && !debug.contains(&auth[prefix.len()..]));
    }

    #[test]
    fn request_with_chain_and_endpoint_override() {
        let chain = format!(
            "{}{}",
            include_str!("../../data/rolesanywhere-kat/kat_rsa/rsa_cert.pem"),
            include_str!("../../data/rolesanywhere-kat/signer-fixtures/p384_cert.pem")
        );
        let key = ec_key(Some(&chain));
        let mut p = params();
        p.endpoint = Some("https://127.0.0.1:8443".into());
        let s = sign_request(&key, &p, now()).unwrap();
        assert_eq!(s.request.url, "https://127.0.0.1:8443/sessions");
        assert_eq!(s.request.header("host"), Some("127.0.0.1:8443"));
        let chain_header = s.request.header("x-amz-x509-chain").unwrap();
        let parts: Vec<Vec<u8>> = chain_header
            .split(',')
            .map(|p| Base64::decode_vec(p).unwrap())
            .collect();
        assert_eq!(parts, key.chain());
        assert!(s.canonical_request.contains("\nhost:127.0.0.1:8443\n"));
        assert!(s
            .canonical_request
            .contains(&format!("\nx-amz-x509-chain:{chain_header}\n")));
        assert!(s
            .canonical_request
            .contains("\n\ncontent-type;host;x-amz-date;x-amz-x509;x-amz-x509-chain\n"));
        assert!(s
            .request
            .header("authorization")
            .unwrap()
            .contains("SignedHeaders=content-type;host;x-amz-date;x-amz-x509;x-amz-x509-chain, "));
        let names: Vec<&str> = s.request.headers.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "Content-Type",
                "Host",
                "X-Amz-Date",
                "X-Amz-X509",
                "X-Amz-X509-Chain",
                "Authorization"
            ]
        );
    }

    #[test]
    fn invalid_params_fail_before_signing() {
        let key = ec_key(None);
        let mut p = params();
        p.region = "eu-west-1".into();
        let e = build_request(&key, &p, now()).unwrap_err();
        assert_eq!(e.code, ExitCode::Configuration);
        assert!(e.message.contains("trust anchor ARN"), "{e}");

        let mut p = params();
        p.duration_seconds = 899;
        let e = build_request(&key, &p, now()).unwrap_err();
        assert!(e.message.contains("900 to 43200 seconds, not 899"), "{e}");
        p.duration_seconds = 43201;
        assert!(build_request(&key, &p, now()).is_err());
        p.duration_seconds = 43200;
        build_request(&key, &p, now()).unwrap();

        let mut p = params();
        p.role_session_name = Some("x".into());
        assert!(build_request(&key, &p, now()).is_err());

        let mut p = params();
        p.role_arn = "ExampleRole".into();
        let e = build_request(&key, &p, now()).unwrap_err();
        assert!(
            e.message.contains("role ARN \"ExampleRole\" is not an ARN"),
            "{e}"
        );
    }
}
