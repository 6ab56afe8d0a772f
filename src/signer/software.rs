//! A software key: a certificate and an unencrypted private key in PEM
//! files.
//!
//! Accepted private keys: PKCS#8 (`PRIVATE KEY`: RSA or EC P-256/P-384),
//! PKCS#1 (`RSA PRIVATE KEY`) and SEC1 (`EC PRIVATE KEY`, with or without
//! the `EC PARAMETERS` block OpenSSL writes before it). Encrypted keys are
//! refused with the command that decrypts them. The key file must not be
//! open to group or others (as ssh insists), and the key must be the one
//! the certificate certifies.
//!
//! The certificate file's first `CERTIFICATE` is the leaf; further
//! certificates in it (a "full chain" file) and those of the optional
//! chain file go in `X-Amz-X509-Chain`, at most five in all.

use super::{LeafCert, PublicKey, X509Signer, MAX_CHAIN};
use crate::error::{Error, Result};
use crate::world::World;
use base64ct::{Base64, Encoding};
use p256::ecdsa::signature::hazmat::PrehashSigner;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::{DecodePrivateKey, PrivateKeyInfo};
use std::fmt;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use x509_cert::der::asn1::ObjectIdentifier;
use x509_cert::der::Decode;

/// A private key read from a file, with its certificate.
pub struct SoftwareKey {
    leaf: LeafCert,
    chain: Vec<Vec<u8>>,
    key: PrivateKey,
    location: String,
}

enum PrivateKey {
    Rsa(Box<rsa::RsaPrivateKey>),
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
}

impl PrivateKey {
    fn public_key(&self) -> PublicKey {
        match self {
            PrivateKey::Rsa(k) => PublicKey::Rsa(k.to_public_key()),
            PrivateKey::P256(k) => PublicKey::P256(k.verifying_key().into()),
            PrivateKey::P384(k) => PublicKey::P384(k.verifying_key().into()),
        }
    }
}

impl fmt::Debug for SoftwareKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SoftwareKey")
            .field("subject", &self.leaf.subject)
            .field("serial", &self.leaf.serial_decimal)
            .field("key_type", &self.leaf.key_type())
            .field("chain", &self.chain.len())
            .field("location", &self.location)
            .field("key", &"***")
            .finish()
    }
}

impl SoftwareKey {
    /// Reads the certificate, the optional chain and the private key.
    ///
    /// Errors: [`Error::config`] for a missing file, a file that is not
    /// PEM, a key open to group or others, an encrypted or unsupported key,
    /// a key that does not match the certificate, or more than five chain
    /// certificates; [`Error::denied`] when the OS refuses to read a file.
    pub fn load(
        world: &dyn World,
        certificate: &Path,
        chain: Option<&Path>,
        private_key: &Path,
    ) -> Result<SoftwareKey> {
        check_private(world, private_key)?;
        let cert_origin = format!("certificate file {}", certificate.display());
        let cert_pem = read_text(world, certificate, "certificate file")?;
        let chain_pem = match chain {
            Some(p) => Some((
                format!("chain file {}", p.display()),
                read_text(world, p, "chain file")?,
            )),
            None => None,
        };
        let key_origin = format!("private key file {}", private_key.display());
        let key_pem = read_text(world, private_key, "private key file")?;
        build(
            (&cert_origin, &cert_pem),
            chain_pem.as_ref().map(|(o, t)| (o.as_str(), t.as_str())),
            (&key_origin, &key_pem),
            format!("file {}", private_key.display()),
        )
    }

    /// The same from PEM text already in memory (no file checks).
    pub fn from_pem(cert_pem: &str, chain_pem: Option<&str>, key_pem: &str) -> Result<SoftwareKey> {
        build(
            ("the certificate", cert_pem),
            chain_pem.map(|t| ("the chain", t)),
            ("the private key", key_pem),
            "memory".to_owned(),
        )
    }
}

impl X509Signer for SoftwareKey {
    fn leaf(&self) -> &LeafCert {
        &self.leaf
    }
    fn chain(&self) -> &[Vec<u8>] {
        &self.chain
    }
    fn hardware_backed(&self) -> bool {
        false
    }
    fn location(&self) -> String {
        self.location.clone()
    }
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        let digest = super::sha256(message);
        let failed = |e: &dyn fmt::Display| {
            Error::general(format!(
                "signing with the key in {} failed: {e}",
                self.location
            ))
        };
        match &self.key {
            PrivateKey::Rsa(k) => k
                .sign_with_rng(
                    &mut rsa::rand_core::OsRng,
                    rsa::Pkcs1v15Sign::new_unprefixed(),
                    &super::pkcs1v15_sha256_digest_info(&digest),
                )
                .map_err(|e| failed(&e)),
            PrivateKey::P256(k) => {
                let sig: p256::ecdsa::DerSignature =
                    k.sign_prehash(&digest).map_err(|e| failed(&e))?;
                Ok(sig.as_bytes().to_vec())
            }
            PrivateKey::P384(k) => {
                let sig: p384::ecdsa::DerSignature =
                    k.sign_prehash(&digest).map_err(|e| failed(&e))?;
                Ok(sig.as_bytes().to_vec())
            }
        }
    }
}

fn build(
    (cert_origin, cert_pem): (&str, &str),
    chain: Option<(&str, &str)>,
    (key_origin, key_pem): (&str, &str),
    location: String,
) -> Result<SoftwareKey> {
    let mut certs = pem_blocks(cert_pem, cert_origin)?
        .into_iter()
        .filter(|b| b.label == "CERTIFICATE");
    let leaf_der = certs.next().ok_or_else(|| {
        Error::config(format!(
            "{cert_origin} holds no PEM certificate (-----BEGIN CERTIFICATE-----); \
             a DER file converts with: openssl x509 -inform der -in FILE -out FILE.pem"
        ))
    })?;
    let leaf = LeafCert::from_der(leaf_der.der, cert_origin)?;
    let mut chain_ders: Vec<Vec<u8>> = certs.map(|b| b.der).collect();
    if let Some((origin, text)) = chain {
        let blocks: Vec<PemBlock> = pem_blocks(text, origin)?
            .into_iter()
            .filter(|b| b.label == "CERTIFICATE")
            .collect();
        if blocks.is_empty() {
            return Err(Error::config(format!(
                "{origin} holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
            )));
        }
        chain_ders.extend(blocks.into_iter().map(|b| b.der));
    }
    // The leaf itself in a bundle is not part of its chain; nor are repeats.
    let mut chain_unique: Vec<Vec<u8>> = Vec::new();
    for der in chain_ders {
        if der != leaf.der && !chain_unique.contains(&der) {
            chain_unique.push(der);
        }
    }
    for (i, der) in chain_unique.iter().enumerate() {
        x509_cert::Certificate::from_der(der).map_err(|e| {
            Error::config(format!(
                "chain certificate {} (from {}) is not a valid X.509 certificate ({e})",
                i + 1,
                chain.map(|(o, _)| o).unwrap_or(cert_origin)
            ))
        })?;
    }
    if chain_unique.len() > MAX_CHAIN {
        return Err(Error::config(format!(
            "{} intermediate certificates are configured ({}{}); IAM Roles Anywhere takes at \
             most {MAX_CHAIN}",
            chain_unique.len(),
            cert_origin,
            chain.map(|(o, _)| format!(" and {o}")).unwrap_or_default()
        )));
    }

    let key = parse_private_key(key_pem, key_origin)?;
    let key_public = key.public_key();
    if key_public != leaf.public_key {
        let detail = if key_public.key_type() == leaf.key_type() {
            format!("both are {}, but different keys", leaf.key_type())
        } else {
            format!(
                "the key is {}, the certificate's is {}",
                key_public.key_type(),
                leaf.key_type()
            )
        };
        return Err(Error::config(format!(
            "the private key in {key_origin} does not belong to the certificate in \
             {cert_origin} ({detail})"
        )));
    }
    Ok(SoftwareKey {
        leaf,
        chain: chain_unique,
        key,
        location,
    })
}

const OID_RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const OID_P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");

fn parse_private_key(text: &str, origin: &str) -> Result<PrivateKey> {
    let blocks = pem_blocks(text, origin)?;
    let unreadable = |kind: &str, e: &dyn fmt::Display| {
        Error::config(format!(
            "{origin}: the {kind} private key cannot be read ({e})"
        ))
    };
    for block in blocks {
        match block.label.as_str() {
            "PRIVATE KEY" => {
                let info =
                    PrivateKeyInfo::from_der(&block.der).map_err(|e| unreadable("PKCS#8", &e))?;
                let curve = info.algorithm.parameters_oid().ok();
                return match (info.algorithm.oid, curve) {
                    (OID_RSA_ENCRYPTION, _) => rsa::RsaPrivateKey::from_pkcs8_der(&block.der)
                        .map(|k| PrivateKey::Rsa(Box::new(k)))
                        .map_err(|e| unreadable("PKCS#8 RSA", &e)),
                    (OID_EC_PUBLIC_KEY, Some(OID_P256)) => {
                        p256::ecdsa::SigningKey::from_pkcs8_der(&block.der)
                            .map(PrivateKey::P256)
                            .map_err(|e| unreadable("PKCS#8 P-256", &e))
                    }
                    (OID_EC_PUBLIC_KEY, Some(OID_P384)) => {
                        p384::ecdsa::SigningKey::from_pkcs8_der(&block.der)
                            .map(PrivateKey::P384)
                            .map_err(|e| unreadable("PKCS#8 P-384", &e))
                    }
                    (alg, curve) => Err(Error::config(format!(
                        "{origin} holds an unsupported private key (algorithm {alg}{}); \
                         IAM Roles Anywhere needs RSA or ECDSA P-256/P-384",
                        curve.map(|c| format!(", curve {c}")).unwrap_or_default()
                    ))),
                };
            }
            "RSA PRIVATE KEY" => {
                return rsa::RsaPrivateKey::from_pkcs1_der(&block.der)
                    .map(|k| PrivateKey::Rsa(Box::new(k)))
                    .map_err(|e| unreadable("PKCS#1 RSA", &e));
            }
            "EC PRIVATE KEY" => {
                // SEC1 names its curve; each parser refuses the other's.
                if let Ok(k) = p256::SecretKey::from_sec1_der(&block.der) {
                    return Ok(PrivateKey::P256(k.into()));
                }
                if let Ok(k) = p384::SecretKey::from_sec1_der(&block.der) {
                    return Ok(PrivateKey::P384(k.into()));
                }
                return Err(Error::config(format!(
                    "{origin} holds an EC private key that is not a readable P-256 or P-384 \
                     key; IAM Roles Anywhere needs RSA or ECDSA P-256/P-384"
                )));
            }
            "ENCRYPTED PRIVATE KEY" => return Err(encrypted(origin)),
            _ => continue,
        }
    }
    Err(Error::config(format!(
        "{origin} holds no PEM private key (PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)"
    )))
}

fn encrypted(origin: &str) -> Error {
    Error::config(format!(
        "{origin} is encrypted, which vouch does not read; decrypt it to a private file \
         (umask 077; openssl pkey -in ENCRYPTED.pem -out KEY.pem) or keep the key on a \
         hardware key"
    ))
}

/// One PEM block: its label (`CERTIFICATE`) and decoded content.
pub(crate) struct PemBlock {
    pub label: String,
    pub der: Vec<u8>,
}

/// The PEM blocks of a text, in order. Text outside blocks is ignored (as
/// OpenSSL does: `openssl x509 -text` output carries it). Blocks with
/// RFC 1421 headers are refused: OpenSSL writes them only for encrypted
/// keys.
pub(crate) fn pem_blocks(text: &str, origin: &str) -> Result<Vec<PemBlock>> {
    let mut out = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in text.lines() {
        let line = line.trim();
        match &mut current {
            None => {
                if let Some(label) = line
                    .strip_prefix("-----BEGIN ")
                    .and_then(|l| l.strip_suffix("-----"))
                {
                    current = Some((label.to_owned(), String::new()));
                }
            }
            Some((label, body)) => {
                if let Some(end) = line
                    .strip_prefix("-----END ")
                    .and_then(|l| l.strip_suffix("-----"))
                {
                    if end != label {
                        return Err(Error::config(format!(
                            "{origin} is not valid PEM: BEGIN {label} ends with END {end}"
                        )));
                    }
                    let der = Base64::decode_vec(body).map_err(|_| {
                        Error::config(format!(
                            "{origin} is not valid PEM: the {label} block is not base64"
                        ))
                    })?;
                    out.push(PemBlock {
                        label: std::mem::take(label),
                        der,
                    });
                    current = None;
                } else if line.contains(':') {
                    if line.starts_with("Proc-Type:") && line.contains("ENCRYPTED") {
                        return Err(encrypted(origin));
                    }
                    return Err(Error::config(format!(
                        "{origin} is not valid PEM: the {label} block has headers"
                    )));
                } else {
                    body.push_str(line);
                }
            }
        }
    }
    if let Some((label, _)) = current {
        return Err(Error::config(format!(
            "{origin} is not valid PEM: BEGIN {label} has no END line"
        )));
    }
    Ok(out)
}

/// Refuses a private key file that group or others may read or change.
fn check_private(world: &dyn World, path: &Path) -> Result<()> {
    let meta = world
        .metadata(path)
        .map_err(|e| io_error("private key file", path, &e))?;
    if meta.is_dir {
        return Err(Error::config(format!(
            "private key file {} is a directory",
            path.display()
        )));
    }
    if meta.mode & 0o077 != 0 {
        return Err(Error::denied(format!(
            "private key file {} is open to {} (mode {:04o}); make it private with: chmod 600 {}",
            path.display(),
            if meta.mode & 0o007 != 0 {
                "other users"
            } else {
                "its group"
            },
            meta.mode & 0o7777,
            path.display()
        )));
    }
    Ok(())
}

fn read_text(world: &dyn World, path: &Path, what: &str) -> Result<String> {
    let bytes = world.read(path).map_err(|e| io_error(what, path, &e))?;
    String::from_utf8(bytes).map_err(|_| {
        Error::config(format!(
            "{what} {} is not a PEM text file (DER? convert it with openssl to PEM)",
            path.display()
        ))
    })
}

fn io_error(what: &str, path: &Path, e: &std::io::Error) -> Error {
    match e.kind() {
        ErrorKind::NotFound => Error::config(format!("{what} {} does not exist", path.display())),
        ErrorKind::PermissionDenied => Error::denied(format!(
            "cannot read {what} {}: permission denied",
            path.display()
        )),
        _ => Error::config(format!("cannot read {what} {}: {e}", path.display())),
    }
}

/// The paths a software key is read from (for configuration code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoftwareKeyPaths {
    pub certificate: PathBuf,
    pub chain: Option<PathBuf>,
    pub private_key: PathBuf,
}

impl SoftwareKeyPaths {
    pub fn load(&self, world: &dyn World) -> Result<SoftwareKey> {
        SoftwareKey::load(
            world,
            &self.certificate,
            self.chain.as_deref(),
            &self.private_key,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ExitCode;
    use crate::signer::KeyType;
    use crate::world::FakeWorld;

    macro_rules! kat {
        ($p:literal) => {
            include_str!(concat!("../../data/rolesanywhere-kat/", $p))
        };
    }
    const RSA_CERT: &str = kat!("kat_rsa/rsa_cert.pem");
    const RSA_PKCS8: &str = kat!("kat_rsa/rsa_key.pem");
    const RSA_PKCS1: &str = kat!("signer-fixtures/rsa_pkcs1.pem");
    const OTHER_RSA: &str = kat!("signer-fixtures/other_rsa_key.pem");
    const EC_CERT: &str = kat!("kat_ec_p256_verifyonly/ec_cert.pem");
    const EC_PKCS8: &str = kat!("kat_ec_p256_verifyonly/ec_key.pem");
    const EC_SEC1: &str = kat!("signer-fixtures/ec_p256_sec1.pem");
    const EC_ENCRYPTED: &str = kat!("signer-fixtures/ec_p256_encrypted.pem");
    const P384_CERT: &str = kat!("signer-fixtures/p384_cert.pem");
    const P384_SEC1: &str = kat!("signer-fixtures/p384_sec1.pem");

    fn world() -> FakeWorld {
        FakeWorld::new()
            .file("/k/rsa_cert.pem", RSA_CERT)
            .file("/k/rsa_key.pem", RSA_PKCS8)
            .mode("/k/rsa_key.pem", 0o600)
            .file("/k/ec_cert.pem", EC_CERT)
            .file("/k/ec_key.pem", EC_SEC1)
            .mode("/k/ec_key.pem", 0o400)
    }

    fn load(w: &FakeWorld, cert: &str, chain: Option<&str>, key: &str) -> Result<SoftwareKey> {
        SoftwareKey::load(w, Path::new(cert), chain.map(Path::new), Path::new(key))
    }

    #[test]
    fn every_key_format_loads_signs_and_verifies() {
        let cases = [
            (RSA_CERT, RSA_PKCS8, KeyType::Rsa { bits: 2048 }),
            (RSA_CERT, RSA_PKCS1, KeyType::Rsa { bits: 2048 }),
            (EC_CERT, EC_PKCS8, KeyType::EcP256),
            (EC_CERT, EC_SEC1, KeyType::EcP256),
            (P384_CERT, P384_SEC1, KeyType::EcP384),
        ];
        for (cert, key, kt) in cases {
            let k = SoftwareKey::from_pem(cert, None, key).unwrap();
            assert_eq!(k.key_type(), kt);
            assert!(!k.hardware_backed());
            let sig = k.sign(b"message").unwrap();
            assert!(k.leaf().public_key.verify(b"message", &sig), "{kt}");
            assert!(!k.leaf().public_key.verify(b"other", &sig), "{kt}");
            if !kt.is_rsa() {
                assert_eq!(sig[0], 0x30, "DER SEQUENCE");
            }
        }
    }

    /// P-384 keys still sign SHA-256 (the algorithm is ECDSA-SHA256 for
    /// every curve): OpenSSL's `dgst -sha256` signature verifies, its
    /// `-sha384` one does not.
    #[test]
    fn p384_signs_sha256_like_openssl() {
        let k = SoftwareKey::from_pem(P384_CERT, None, P384_SEC1).unwrap();
        let msg = kat!("signer-fixtures/p384_message.txt").as_bytes();
        let pk = &k.leaf().public_key;
        let sha256 =
            include_bytes!("../../data/rolesanywhere-kat/signer-fixtures/p384_message.sha256.sig");
        let sha384 =
            include_bytes!("../../data/rolesanywhere-kat/signer-fixtures/p384_message.sha384.sig");
        assert!(pk.verify(msg, sha256));
        assert!(!pk.verify(msg, sha384));
        assert!(pk.verify(msg, &k.sign(msg).unwrap()));
    }

    #[test]
    fn rsa_signature_is_deterministic_and_matches_openssl() {
        let k = SoftwareKey::from_pem(RSA_CERT, None, RSA_PKCS1).unwrap();
        let sts = kat!("kat_rsa/string_to_sign.txt");
        let hex: String = k
            .sign(sts.as_bytes())
            .unwrap()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(hex, kat!("kat_rsa/signature.hex").trim());
    }

    #[test]
    fn loads_from_files_with_private_modes() {
        let w = world();
        let k = load(&w, "/k/rsa_cert.pem", None, "/k/rsa_key.pem").unwrap();
        assert_eq!(k.location(), "file /k/rsa_key.pem");
        let d = k.describe();
        assert_eq!(d.subject_cn.as_deref(), Some("ra-kat-rsa"));
        assert_eq!(
            d.to_string(),
            "CN=ra-kat-rsa, issued by \"O=Example,CN=ra-kat-rsa\", serial \
             333956113226984840273019260987925010418713625348, valid until \
             2036-11-30T16:15:44Z, RSA 2048 key (software, file /k/rsa_key.pem)"
        );
        load(&w, "/k/ec_cert.pem", None, "/k/ec_key.pem").unwrap();
        assert!(
            !format!("{k:?}").contains("MII"),
            "no key material in Debug"
        );
    }

    #[test]
    fn key_open_to_others_is_refused() {
        for (mode, who) in [
            (0o644, "other users"),
            (0o640, "its group"),
            (0o602, "other"),
        ] {
            let w = world().mode("/k/rsa_key.pem", mode);
            let e = load(&w, "/k/rsa_cert.pem", None, "/k/rsa_key.pem").unwrap_err();
            assert_eq!(e.code, ExitCode::PermissionDenied);
            assert!(e.message.contains("/k/rsa_key.pem"), "{e}");
            assert!(e.message.contains("chmod 600 /k/rsa_key.pem"), "{e}");
            assert!(e.message.contains(who), "{e}");
        }
    }

    #[test]
    fn missing_files_are_named() {
        let w = world();
        let e = load(&w, "/k/nope.pem", None, "/k/rsa_key.pem").unwrap_err();
        assert_eq!(e.code, ExitCode::Configuration);
        assert_eq!(e.message, "certificate file /k/nope.pem does not exist");
        let e = load(&w, "/k/rsa_cert.pem", None, "/k/nokey.pem").unwrap_err();
        assert_eq!(e.message, "private key file /k/nokey.pem does not exist");
        let e = load(
            &w,
            "/k/rsa_cert.pem",
            Some("/k/chain.pem"),
            "/k/rsa_key.pem",
        )
        .unwrap_err();
        assert_eq!(e.message, "chain file /k/chain.pem does not exist");
    }

    #[test]
    fn mismatched_keys_are_refused() {
        let e = SoftwareKey::from_pem(RSA_CERT, None, OTHER_RSA).unwrap_err();
        assert_eq!(e.code, ExitCode::Configuration);
        assert!(
            e.message.contains("does not belong to the certificate"),
            "{e}"
        );
        assert!(
            e.message.contains("both are RSA 2048, but different keys"),
            "{e}"
        );
        let e = SoftwareKey::from_pem(RSA_CERT, None, EC_PKCS8).unwrap_err();
        assert!(
            e.message
                .contains("the key is ECDSA P-256, the certificate's is RSA 2048"),
            "{e}"
        );
        let e = SoftwareKey::from_pem(P384_CERT, None, EC_SEC1).unwrap_err();
        assert!(e.message.contains("the key is ECDSA P-256"), "{e}");
    }

    #[test]
    fn encrypted_and_foreign_keys_are_refused() {
        let e = SoftwareKey::from_pem(EC_CERT, None, EC_ENCRYPTED).unwrap_err();
        assert_eq!(e.code, ExitCode::Configuration);
        assert!(e.message.contains("is encrypted"), "{e}");
        assert!(e.message.contains("openssl pkey"), "{e}");

        let legacy = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\
                      DEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n";
        let e = SoftwareKey::from_pem(RSA_CERT, None, legacy).unwrap_err();
        assert!(e.message.contains("is encrypted"), "{e}");

        let e = SoftwareKey::from_pem(RSA_CERT, None, RSA_CERT).unwrap_err();
        assert!(e.message.contains("holds no PEM private key"), "{e}");
        let e = SoftwareKey::from_pem(RSA_PKCS8, None, RSA_PKCS8).unwrap_err();
        assert!(e.message.contains("holds no PEM certificate"), "{e}");
        let broken = "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n";
        let e = SoftwareKey::from_pem(RSA_CERT, None, broken).unwrap_err();
        assert!(
            e.message.contains("PKCS#8 private key cannot be read"),
            "{e}"
        );
        assert!(!e.message.contains("MIIB"), "no key material in messages");
        let e = SoftwareKey::from_pem(RSA_CERT, None, "-----BEGIN PRIVATE KEY-----\nAAAA\n")
            .unwrap_err();
        assert!(e.message.contains("has no END line"), "{e}");
    }

    #[test]
    fn one_file_with_key_and_certificates() {
        // A combined file (key, leaf, an intermediate): chain from the rest.
        let combined = format!("{RSA_PKCS8}{RSA_CERT}{EC_CERT}");
        let k = SoftwareKey::from_pem(&combined, None, &combined).unwrap();
        assert_eq!(k.key_type(), KeyType::Rsa { bits: 2048 });
        assert_eq!(k.chain().len(), 1);
        // SEC1 with the EC PARAMETERS block openssl ecparam writes first.
        assert!(P384_SEC1.starts_with("-----BEGIN EC PARAMETERS-----"));
        SoftwareKey::from_pem(P384_CERT, None, P384_SEC1).unwrap();
    }

    #[test]
    fn chains_are_collected_deduplicated_and_limited() {
        let chain = format!("{EC_CERT}{P384_CERT}{RSA_CERT}{EC_CERT}");
        let k = SoftwareKey::from_pem(RSA_CERT, Some(&chain), RSA_PKCS8).unwrap();
        // The leaf and the repeat are dropped.
        assert_eq!(k.chain().len(), 2);
        assert_eq!(k.describe().chain_len, 2);
        assert!(k.describe().to_string().ends_with(", 2 chain certificates"));

        // Six distinct certificates are too many.
        let six: Vec<String> = (1..=6).map(|i| distinct_copy(P384_CERT, i)).collect();
        let e = SoftwareKey::from_pem(RSA_CERT, Some(&six.concat()), RSA_PKCS8).unwrap_err();
        assert_eq!(e.code, ExitCode::Configuration);
        assert!(e.message.contains("takes at most 5"), "{e}");
        let k = SoftwareKey::from_pem(RSA_CERT, Some(&six[..5].concat()), RSA_PKCS8).unwrap();
        assert_eq!(k.chain().len(), 5);

        let e = SoftwareKey::from_pem(RSA_CERT, Some("nothing here"), RSA_PKCS8).unwrap_err();
        assert!(
            e.message.starts_with("the chain holds no PEM certificate"),
            "{e}"
        );
    }

    /// A copy of a PEM certificate with one byte of the signature changed:
    /// a distinct (if invalidly signed) certificate, enough for chain tests.
    fn distinct_copy(pem: &str, n: u8) -> String {
        let mut der = pem_blocks(pem, "t").unwrap().remove(0).der;
        let last = der.len() - 1;
        der[last] ^= n;
        format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            Base64::encode_string(&der)
        )
    }
}
