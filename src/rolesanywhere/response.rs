//! Reading the answer to `CreateSession`: temporary credentials on success
//! (HTTP 201), a vouch error otherwise. No secret from a response ever
//! reaches a message: success bodies are never echoed, and error messages
//! carry only AWS's error code and (shortened) message.

use crate::credentials::{expiry, Credentials, Secret};
use crate::error::{Error, Result};
use serde::Deserialize;

/// What `CreateSession` gave: the credentials and, for status output, who
/// they are (nothing secret outside `credentials`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Always with a session token and an expiration.
    pub credentials: Credentials,
    /// `assumedRoleUser.arn`: `arn:aws:sts::123456789012:assumed-role/Role/session`.
    pub assumed_role_arn: Option<String>,
    /// `sourceIdentity`: how the role session names the certificate (`CN=...`).
    pub source_identity: Option<String>,
    /// `subjectArn`: the Roles Anywhere subject of the certificate.
    pub subject_arn: Option<String>,
}

// No Debug on these: they hold secrets until moved into `Secret`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Body {
    #[serde(default)]
    credential_set: Vec<SetItem>,
    subject_arn: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SetItem {
    credentials: Option<Creds>,
    assumed_role_user: Option<AssumedRoleUser>,
    source_identity: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Creds {
    access_key_id: Option<String>,
    secret_access_key: Option<String>,
    session_token: Option<String>,
    expiration: Option<String>,
}

#[derive(Deserialize)]
struct AssumedRoleUser {
    arn: Option<String>,
}

#[derive(Deserialize, Default)]
struct ErrorBody {
    #[serde(rename = "__type")]
    type_: Option<String>,
    #[serde(alias = "Code")]
    code: Option<String>,
    #[serde(alias = "Message")]
    message: Option<String>,
}

/// Reads a `CreateSession` response. `headers` are the response headers
/// (any case). Errors:
/// - `AccessDeniedException` (or a bare 401/403): [`Error::denied`] (exit 5);
/// - `ValidationException`, `ResourceNotFoundException`: [`Error::config`] (6);
/// - anything else, including a 2xx without usable credentials: [`Error::general`].
pub fn parse_response(status: u16, headers: &[(String, String)], body: &[u8]) -> Result<Session> {
    if (200..300).contains(&status) {
        return parse_success(status, body);
    }
    let err: ErrorBody = serde_json::from_slice(body).unwrap_or_default();
    let code = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("x-amzn-errortype"))
        .map(|(_, v)| v.split(':').next().unwrap_or_default().trim().to_owned())
        .filter(|c| !c.is_empty())
        .or_else(|| {
            err.type_
                .as_deref()
                .map(|t| t.rsplit('#').next().unwrap_or(t).trim().to_owned())
        })
        .or_else(|| err.code.as_deref().map(|c| c.trim().to_owned()))
        .filter(|c| !c.is_empty())
        .map(|c| clean(&c, 64));
    let message = err
        .message
        .as_deref()
        .map(|m| clean(m, 300))
        .filter(|m| !m.is_empty());
    let what = match (&code, &message) {
        (Some(c), Some(m)) => format!("{c}: {m}"),
        (Some(c), None) => c.clone(),
        (None, Some(m)) => format!("HTTP {status}: {m}"),
        (None, None) => format!("HTTP {status}"),
    };
    let text = format!("IAM Roles Anywhere refused the session ({what})");
    Err(match code.as_deref() {
        Some("AccessDeniedException") => {
            let hint = match message.as_deref() {
                Some(m) if m.contains("Untrusted") => {
                    "; is the certificate issued by the trust anchor's CA, with the \
                     intermediate certificates configured?"
                }
                Some(m) if m.contains("signature") => {
                    "; does the key match the certificate, and is the clock right?"
                }
                _ => {
                    "; check that the trust anchor and profile are enabled and that the \
                      role trusts rolesanywhere.amazonaws.com"
                }
            };
            Error::denied(format!("{text}{hint}"))
        }
        Some("ValidationException") | Some("ResourceNotFoundException") => Error::config(format!(
            "{text}; check the trust anchor, profile and role ARNs and the session duration"
        )),
        None if status == 401 || status == 403 => Error::denied(text),
        _ => Error::general(text),
    })
}

fn parse_success(status: u16, body: &[u8]) -> Result<Session> {
    let malformed = |why: &str| {
        Error::general(format!(
            "IAM Roles Anywhere answered HTTP {status} but {why}"
        ))
    };
    let body: Body = serde_json::from_slice(body)
        .map_err(|_| malformed("the answer is not the expected JSON"))?;
    let subject_arn = body.subject_arn;
    let item = body
        .credential_set
        .into_iter()
        .next()
        .ok_or_else(|| malformed("without credentials"))?;
    let creds = item
        .credentials
        .ok_or_else(|| malformed("without credentials"))?;
    let non_empty = |v: Option<String>, name: &str| {
        v.filter(|s| !s.is_empty())
            .ok_or_else(|| malformed(&format!("the credentials have no {name}")))
    };
    let access_key_id = non_empty(creds.access_key_id, "accessKeyId")?;
    let secret = Secret::new(non_empty(creds.secret_access_key, "secretAccessKey")?);
    let token = Secret::new(non_empty(creds.session_token, "sessionToken")?);
    let expiration = non_empty(creds.expiration, "expiration")?;
    let expires_at = expiry::parse(&expiration)
        .ok_or_else(|| malformed("the credentials' expiration is not a date-time"))?;
    Ok(Session {
        credentials: Credentials {
            access_key_id,
            secret_access_key: secret,
            session_token: Some(token),
            expires_at: Some(expires_at),
        },
        // Printed and cached: never an escape sequence or a bidi override.
        assumed_role_arn: item
            .assumed_role_user
            .and_then(|u| u.arn)
            .map(|a| crate::session::clean_text(&a)),
        source_identity: item.source_identity.map(|a| crate::session::clean_text(&a)),
        subject_arn: subject_arn.map(|a| crate::session::clean_text(&a)),
    })
}

/// At most `max` characters, control characters, bidirectional overrides
/// and invisible formatting characters ([`crate::session::unsafe_char`])
/// replaced by spaces.
fn clean(s: &str, max: usize) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            if crate::session::unsafe_char(c) {
                ' '
            } else {
                c
            }
        })
        .take(max)
        .collect();
    if s.chars().count() > max {
        out.push_str("...");
    }
    out.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ExitCode;

    const OK: &str = r#"{"credentialSet":[{"assumedRoleUser":{"arn":"arn:aws:sts::123456789012:assumed-role/ExampleRole/3a7f","assumedRoleId":"AROAEXAMPLE:3a7f"},"credentials":{"accessKeyId":"ASIAEXAMPLEKEY","expiration":"2026-12-15T13:30:45Z","secretAccessKey":"wJalrSECRET","sessionToken":"FwoGZXIvYXdzEXAMPLETOKEN"},"packedPolicySize":10,"roleArn":"arn:aws:iam::123456789012:role/ExampleRole","sourceIdentity":"CN=ra-kat-rsa"}],"subjectArn":"arn:aws:rolesanywhere:us-east-1:123456789012:subject/41cl0bae-6783-40d4-ab20-65dc5d922e45"}"#;

    fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn success_gives_credentials() {
        let s = parse_response(201, &[], OK.as_bytes()).unwrap();
        assert_eq!(s.credentials.access_key_id, "ASIAEXAMPLEKEY");
        assert_eq!(s.credentials.secret_access_key.expose(), "wJalrSECRET");
        assert_eq!(
            s.credentials.session_token.as_ref().unwrap().expose(),
            "FwoGZXIvYXdzEXAMPLETOKEN"
        );
        assert_eq!(
            expiry::format(s.credentials.expires_at.unwrap()),
            "2026-12-15T13:30:45Z"
        );
        assert_eq!(
            s.assumed_role_arn.as_deref(),
            Some("arn:aws:sts::123456789012:assumed-role/ExampleRole/3a7f")
        );
        assert_eq!(s.source_identity.as_deref(), Some("CN=ra-kat-rsa"));
        assert!(s.subject_arn.unwrap().contains(":subject/"));
        let debug = format!("{:?}", s.credentials);
        assert!(
            !debug.contains("wJalr") && !debug.contains("FwoG"),
            "{debug}"
        );
    }

    #[test]
    fn malformed_success_never_echoes_the_body() {
        let cases = [
            OK.replace("\"sessionToken\":\"FwoGZXIvYXdzEXAMPLETOKEN\"", "\"x\":1"),
            OK.replace("2026-12-15T13:30:45Z", "soon"),
            OK.replace(
                "\"secretAccessKey\":\"wJalrSECRET\"",
                "\"secretAccessKey\":\"\"",
            ),
            r#"{"credentialSet":[]}"#.to_owned(),
            "wJalrSECRET not json".to_owned(),
        ];
        for body in cases {
            let e = parse_response(201, &[], body.as_bytes()).unwrap_err();
            assert_eq!(e.code, ExitCode::General, "{e}");
            assert!(
                e.message
                    .starts_with("IAM Roles Anywhere answered HTTP 201 but"),
                "{e}"
            );
            assert!(
                !e.message.contains("wJalr") && !e.message.contains("FwoG"),
                "{e}"
            );
        }
    }

    #[test]
    fn errors_map_to_exit_codes() {
        let e = parse_response(
            403,
            &h(&[(
                "X-Amzn-ErrorType",
                "AccessDeniedException:http://internal.amazon.com/coral/",
            )]),
            br#"{"message":"Untrusted Signing Certificate"}"#,
        )
        .unwrap_err();
        assert_eq!(e.code, ExitCode::PermissionDenied);
        assert!(
            e.message.starts_with(
                "IAM Roles Anywhere refused the session (AccessDeniedException: Untrusted Signing Certificate)"
            ),
            "{e}"
        );
        assert!(e.message.contains("trust anchor's CA"), "{e}");

        let e = parse_response(403, &[], br#"{"__type":"com.amazonaws.rolesanywhere#AccessDeniedException","message":"Invalid signature"}"#).unwrap_err();
        assert_eq!(e.code, ExitCode::PermissionDenied);
        assert!(
            e.message
                .contains("(AccessDeniedException: Invalid signature)"),
            "{e}"
        );
        assert!(e.message.contains("clock"), "{e}");

        let e = parse_response(
            400,
            &h(&[("x-amzn-errortype", "ValidationException")]),
            br#"{"message":"1 validation error detected: Value '10' at 'durationSeconds'"}"#,
        )
        .unwrap_err();
        assert_eq!(e.code, ExitCode::Configuration);
        assert!(
            e.message
                .contains("ValidationException: 1 validation error"),
            "{e}"
        );

        let e = parse_response(
            404,
            &[],
            br#"{"code":"ResourceNotFoundException","Message":"Profile not found"}"#,
        )
        .unwrap_err();
        assert_eq!(e.code, ExitCode::Configuration);
        assert!(
            e.message
                .contains("(ResourceNotFoundException: Profile not found)"),
            "{e}"
        );

        let e = parse_response(429, &[], br#"{"__type":"ThrottlingException"}"#).unwrap_err();
        assert_eq!(e.code, ExitCode::General);
        assert_eq!(
            e.message,
            "IAM Roles Anywhere refused the session (ThrottlingException)"
        );

        let e = parse_response(403, &[], b"<html>forbidden</html>").unwrap_err();
        assert_eq!(e.code, ExitCode::PermissionDenied);
        assert_eq!(
            e.message,
            "IAM Roles Anywhere refused the session (HTTP 403)"
        );

        let e = parse_response(502, &[], b"").unwrap_err();
        assert_eq!(e.code, ExitCode::General);
        assert_eq!(
            e.message,
            "IAM Roles Anywhere refused the session (HTTP 502)"
        );
    }

    #[test]
    fn long_or_odd_messages_are_tamed() {
        let long = format!(r#"{{"__type":"X","message":"a\nb{}"}}"#, "z".repeat(1000));
        let e = parse_response(400, &[], long.as_bytes()).unwrap_err();
        assert!(e.message.contains("(X: a b"), "{e}");
        assert!(e.message.contains("..."), "{e}");
        assert!(e.message.len() < 400, "{}", e.message.len());
    }

    #[test]
    fn escape_sequences_and_bidi_overrides_never_get_through() {
        let body = "{\"__type\":\"X\\u001b]0;t\\u0007\",\"message\":\"ok\\u202egnp.exe\\u2066a\\u2069\\u001b[2J\\u2028\"}";
        let e = parse_response(400, &[], body.as_bytes()).unwrap_err();
        assert!(
            !e.message.chars().any(crate::session::unsafe_char),
            "{:?}",
            e.message
        );
        assert!(
            e.message.contains("(X ]0;t: ok gnp.exe a  [2J)"),
            "{:?}",
            e.message
        );
        let e = parse_response(400, &h(&[("x-amzn-errortype", "Bad\u{202E}Thing")]), b"{}")
            .unwrap_err();
        assert!(e.message.contains("(Bad Thing)"), "{:?}", e.message);
        // identity strings of a success are cleaned too
        let dirty = OK
            .replace(
                "assumed-role/ExampleRole/3a7f\"",
                "assumed-role/ExampleRole/3a7f\\u001b[2J\\n\\u202e\"",
            )
            .replace("CN=ra-kat-rsa", "CN=ra\\u2067-kat");
        let s = parse_response(201, &[], dirty.as_bytes()).unwrap();
        assert_eq!(
            s.assumed_role_arn.as_deref(),
            Some("arn:aws:sts::123456789012:assumed-role/ExampleRole/3a7f?[2J??")
        );
        assert_eq!(s.source_identity.as_deref(), Some("CN=ra?-kat"));
    }
}
