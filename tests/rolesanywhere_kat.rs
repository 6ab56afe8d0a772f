//! IAM Roles Anywhere `CreateSession` against the known-answer vectors in
//! `data/rolesanywhere-kat/` (made by PyPI `iam-rolesanywhere-session`
//! 3.0.0 with throwaway keys; see its README).
//!
//! What must match, byte for byte: the body, the host, the date, the
//! `X-Amz-X509` value, the signed header list, the credential scope, the
//! `Credential=` (serial in decimal), the algorithm names, and, given the
//! same canonical request, the string to sign and the RSA signature.
//!
//! What differs on purpose: vouch sends `Content-Type: application/json`
//! (AWS's documentation and the Go credential helper); the Python package
//! sends `application/x-amz-json-1.0`. So vouch's canonical request differs
//! from the vectors' in that one line (and therefore its hash, the string
//! to sign's last line and the signature). The tests check exactly that,
//! and rebuild the vectors' requests with their content type from the same
//! functions to show everything else is identical.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use vouch::rolesanywhere::{
    authorization, canonical_request, credential_scope, dates, hex, sign_request,
    signed_header_list, string_to_sign, SessionParams, CONTENT_TYPE,
};
use vouch::signer::software::SoftwareKey;
use vouch::signer::X509Signer;

const TA: &str =
    "arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/0a1b2c3d-4e5f-6789-abcd-ef0123456789";
const PROFILE: &str =
    "arn:aws:rolesanywhere:us-east-1:123456789012:profile/11111111-2222-3333-4444-555555555555";
const ROLE: &str = "arn:aws:iam::123456789012:role/ExampleRole";
const KAT_CONTENT_TYPE: &str = "application/x-amz-json-1.0";

fn kat_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data/rolesanywhere-kat")
        .join(name)
}

fn read(dir: &str, file: &str) -> String {
    let p = kat_dir(dir).join(file);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// 2026-12-15T12:30:45Z
fn clock() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_797_337_845)
}

fn params() -> SessionParams {
    SessionParams::new("us-east-1", TA, PROFILE, ROLE)
}

/// The vectors' raw request: headers (name, value) and body.
fn kat_request(dir: &str) -> (Vec<(String, String)>, String) {
    let raw = read(dir, "request.http");
    let (head, body) = raw.split_once("\r\n\r\n").expect("head and body");
    let headers = head
        .split("\r\n")
        .skip(1)
        .map(|l| {
            let (n, v) = l.split_once(": ").expect("header line");
            (n.to_owned(), v.to_owned())
        })
        .collect();
    (headers, body.to_owned())
}

fn kat_header<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no {name}"))
}

fn unhex(s: &str) -> Vec<u8> {
    let s = s.trim();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// The vector's canonical request rebuilt from vouch's pieces, with the
/// vector's content type.
fn rebuild_with_kat_content_type(key: &SoftwareKey, host: &str, x509: &str, body: &[u8]) -> String {
    let (_, amz_date) = dates(clock());
    let headers = [
        ("content-type", KAT_CONTENT_TYPE),
        ("host", host),
        ("x-amz-date", amz_date.as_str()),
        ("x-amz-x509", x509),
    ];
    assert!(key.chain().is_empty());
    canonical_request("POST", "/sessions", "", &headers, body)
}

/// Everything in vouch's own request that must equal the vector's.
fn check_own_request_against_kat(
    dir: &str,
    key: &SoftwareKey,
) -> vouch::rolesanywhere::SignedRequest {
    let signed = sign_request(key, &params(), clock()).unwrap();
    let req = &signed.request;
    let (kat_headers, kat_body) = kat_request(dir);

    // Body: byte for byte (and the body.json file is the same bytes).
    assert_eq!(String::from_utf8(req.body.clone()).unwrap(), kat_body);
    assert_eq!(kat_body, read(dir, "body.json"));

    // URL and the headers both send.
    assert_eq!(
        req.url,
        "https://rolesanywhere.us-east-1.amazonaws.com/sessions"
    );
    for name in ["Host", "X-Amz-Date", "X-Amz-X509"] {
        assert_eq!(
            req.header(name),
            Some(kat_header(&kat_headers, name)),
            "{name}"
        );
    }
    assert!(req.header("X-Amz-X509-Chain").is_none());
    // The one deliberate difference.
    assert_eq!(req.header("Content-Type"), Some(CONTENT_TYPE));
    assert_eq!(kat_header(&kat_headers, "Content-Type"), KAT_CONTENT_TYPE);

    // Canonical request: identical but for the content-type line.
    let kat_canonical = read(dir, "canonical_request.txt");
    let ours: Vec<&str> = signed.canonical_request.split('\n').collect();
    let theirs: Vec<&str> = kat_canonical.split('\n').collect();
    assert_eq!(ours.len(), theirs.len());
    let differing: Vec<usize> = (0..ours.len()).filter(|&i| ours[i] != theirs[i]).collect();
    assert_eq!(differing, [3], "only the content-type line differs");
    assert_eq!(ours[3], "content-type:application/json");
    assert_eq!(theirs[3], "content-type:application/x-amz-json-1.0");
    assert_eq!(
        signed.canonical_request.replace(
            "content-type:application/json\n",
            "content-type:application/x-amz-json-1.0\n"
        ),
        kat_canonical
    );

    // String to sign: algorithm, date and scope lines equal; the hash line
    // is that of our canonical request.
    let kat_sts = read(dir, "string_to_sign.txt");
    let ours: Vec<&str> = signed.string_to_sign.split('\n').collect();
    let theirs: Vec<&str> = kat_sts.split('\n').collect();
    assert_eq!(ours[..3], theirs[..3]);
    assert_eq!(ours.len(), 4);
    assert_ne!(ours[3], theirs[3]);

    // Authorization: identical up to the signature.
    let kat_auth = kat_header(&kat_headers, "Authorization");
    let ours_auth = req.header("Authorization").unwrap();
    let cut = |a: &str| a[..a.find("Signature=").unwrap() + "Signature=".len()].to_owned();
    assert_eq!(cut(ours_auth), cut(kat_auth));
    // And the signature verifies with the certificate's key.
    let sig = unhex(&ours_auth[cut(ours_auth).len()..]);
    assert!(key
        .leaf()
        .public_key
        .verify(signed.string_to_sign.as_bytes(), &sig));

    // The order vouch sends headers in.
    let names: Vec<&str> = req.headers.iter().map(|(n, _)| n.as_str()).collect();
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
    signed
}

#[test]
fn rsa_vector_byte_for_byte() {
    let dir = "kat_rsa";
    let key =
        SoftwareKey::from_pem(&read(dir, "rsa_cert.pem"), None, &read(dir, "rsa_key.pem")).unwrap();
    assert_eq!(key.algorithm(), "AWS4-X509-RSA-SHA256");
    assert_eq!(
        key.leaf().serial_decimal,
        "333956113226984840273019260987925010418713625348"
    );
    let signed = check_own_request_against_kat(dir, &key);
    let req = &signed.request;

    // With the vector's content type, vouch's pieces give the vector exactly.
    let canonical = rebuild_with_kat_content_type(
        &key,
        req.header("host").unwrap(),
        req.header("x-amz-x509").unwrap(),
        &req.body,
    );
    assert_eq!(canonical, read(dir, "canonical_request.txt"));
    let (date, amz_date) = dates(clock());
    let scope = credential_scope(&date, "us-east-1");
    let sts = string_to_sign(key.algorithm(), &amz_date, &scope, &canonical);
    assert_eq!(sts, read(dir, "string_to_sign.txt"));
    // RSASSA-PKCS1-v1_5 is deterministic: the same signature.
    let sig = hex(&key.sign(sts.as_bytes()).unwrap());
    assert_eq!(sig, read(dir, "signature.hex").trim());
    let signed_headers = signed_header_list(&[
        ("content-type", ""),
        ("host", ""),
        ("x-amz-date", ""),
        ("x-amz-x509", ""),
    ]);
    let (kat_headers, _) = kat_request(dir);
    assert_eq!(
        authorization(
            key.algorithm(),
            &key.leaf().serial_decimal,
            &scope,
            &signed_headers,
            &sig
        ),
        kat_header(&kat_headers, "Authorization")
    );
}

#[test]
fn ec_vector_verifies_and_so_do_our_signatures() {
    let dir = "kat_ec_p256_verifyonly";
    let key =
        SoftwareKey::from_pem(&read(dir, "ec_cert.pem"), None, &read(dir, "ec_key.pem")).unwrap();
    assert_eq!(key.algorithm(), "AWS4-X509-ECDSA-SHA256");
    assert_eq!(key.leaf().serial_decimal, "81985529216486895");
    let signed = check_own_request_against_kat(dir, &key);
    let req = &signed.request;

    let canonical = rebuild_with_kat_content_type(
        &key,
        req.header("host").unwrap(),
        req.header("x-amz-x509").unwrap(),
        &req.body,
    );
    assert_eq!(canonical, read(dir, "canonical_request.txt"));
    let (date, amz_date) = dates(clock());
    let sts = string_to_sign(
        key.algorithm(),
        &amz_date,
        &credential_scope(&date, "us-east-1"),
        &canonical,
    );
    assert_eq!(sts, read(dir, "string_to_sign.txt"));

    // ECDSA is randomized (the vector's) or deterministic per message
    // (ours, RFC 6979): compare by verifying.
    let kat_sig = unhex(&read(dir, "signature.hex"));
    let (kat_headers, _) = kat_request(dir);
    assert!(kat_header(&kat_headers, "Authorization").ends_with(read(dir, "signature.hex").trim()));
    let pk = &key.leaf().public_key;
    assert!(
        pk.verify(sts.as_bytes(), &kat_sig),
        "the vector's signature"
    );
    assert!(!pk.verify(signed.string_to_sign.as_bytes(), &kat_sig));
    let ours = key.sign(sts.as_bytes()).unwrap();
    assert!(pk.verify(sts.as_bytes(), &ours), "our signature");
    assert_eq!(ours[0], 0x30, "DER SEQUENCE {{ r, s }}");
}

#[test]
fn key_files_must_be_private() {
    use std::os::unix::fs::PermissionsExt;
    let d = tempfile::tempdir().unwrap();
    let cert = d.path().join("cert.pem");
    let key = d.path().join("key.pem");
    std::fs::write(&cert, read("kat_rsa", "rsa_cert.pem")).unwrap();
    std::fs::write(&key, read("kat_rsa", "rsa_key.pem")).unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let world = vouch::world::RealWorld;
    let e = SoftwareKey::load(&world, &cert, None, &key).unwrap_err();
    assert_eq!(e.code, vouch::error::ExitCode::PermissionDenied);
    assert!(
        e.message.contains(&format!("chmod 600 {}", key.display())),
        "{e}"
    );

    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    let k = SoftwareKey::load(&world, &cert, None, &key).unwrap();
    assert_eq!(k.location(), format!("file {}", key.display()));
    assert!(!k.hardware_backed());
}
