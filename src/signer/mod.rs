//! A private key that goes with an X.509 certificate, as IAM Roles Anywhere
//! uses it: the certificate (and its chain) travel in the request, the key
//! signs the request.
//!
//! [`X509Signer`] is the seam between the request builder
//! (`crate::rolesanywhere`) and where the key lives: [`software::SoftwareKey`]
//! reads PEM files; a YubiKey (PIV) adapter can implement the same trait.
//! For that adapter, [`piv_sign_input`] builds exactly what `piv::sign_data`
//! of the `yubikey` crate (0.8) takes: the SHA-256 digest for ECC keys, the
//! PKCS#1 v1.5 padded `DigestInfo` block for RSA keys (the card does raw RSA).
//!
//! Signatures, whatever the key: RSASSA-PKCS1-v1_5 with SHA-256
//! (`AWS4-X509-RSA-SHA256`), or ECDSA over SHA-256 of the message, DER
//! `SEQUENCE { r, s }` (`AWS4-X509-ECDSA-SHA256`, also for P-384 keys).

pub mod software;
pub mod yubikey;

use crate::credentials::expiry;
use crate::error::{Error, Result};
use p256::ecdsa::signature::hazmat::PrehashVerifier;
use rsa::pkcs8::DecodePublicKey;
use rsa::traits::PublicKeyParts;
use sha2::{Digest, Sha256};
use std::fmt;
use std::time::SystemTime;
use x509_cert::der::asn1::ObjectIdentifier;
use x509_cert::der::{Decode, Encode, Tag, Tagged};
use x509_cert::name::Name;
use x509_cert::Certificate;

/// At most this many certificates go in `X-Amz-X509-Chain`.
pub const MAX_CHAIN: usize = 5;

const OID_RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const OID_P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const OID_CN: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");

/// The DER `DigestInfo` prefix for SHA-256 (RFC 8017 §9.2, note 1); the
/// 32-byte digest follows it.
pub const SHA256_DIGEST_INFO_PREFIX: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];

/// The kind of key in a certificate, as far as Roles Anywhere cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    /// RSA with this modulus size in bits.
    Rsa {
        bits: usize,
    },
    EcP256,
    EcP384,
}

impl KeyType {
    /// The `ALG` of the string to sign and the `Authorization` header: from
    /// the key type only (not from the certificate's issuer or signature).
    pub fn algorithm(self) -> &'static str {
        match self {
            KeyType::Rsa { .. } => "AWS4-X509-RSA-SHA256",
            KeyType::EcP256 | KeyType::EcP384 => "AWS4-X509-ECDSA-SHA256",
        }
    }
    pub fn is_rsa(self) -> bool {
        matches!(self, KeyType::Rsa { .. })
    }
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyType::Rsa { bits } => write!(f, "RSA {bits}"),
            KeyType::EcP256 => f.write_str("ECDSA P-256"),
            KeyType::EcP384 => f.write_str("ECDSA P-384"),
        }
    }
}

/// The public key of a certificate, in a form that can check signatures.
#[derive(Clone, PartialEq, Eq)]
pub enum PublicKey {
    Rsa(rsa::RsaPublicKey),
    P256(p256::PublicKey),
    P384(p384::PublicKey),
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.key_type())
    }
}

impl PublicKey {
    pub fn key_type(&self) -> KeyType {
        match self {
            PublicKey::Rsa(k) => KeyType::Rsa { bits: k.n().bits() },
            PublicKey::P256(_) => KeyType::EcP256,
            PublicKey::P384(_) => KeyType::EcP384,
        }
    }

    /// Does `signature` sign `message` the Roles Anywhere way for this key?
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        let digest = sha256(message);
        match self {
            PublicKey::Rsa(k) => k
                .verify(
                    rsa::Pkcs1v15Sign::new_unprefixed(),
                    &pkcs1v15_sha256_digest_info(&digest),
                    signature,
                )
                .is_ok(),
            PublicKey::P256(k) => p256::ecdsa::Signature::from_der(signature)
                .map(|sig| {
                    p256::ecdsa::VerifyingKey::from(k)
                        .verify_prehash(&digest, &sig)
                        .is_ok()
                })
                .unwrap_or(false),
            PublicKey::P384(k) => p384::ecdsa::Signature::from_der(signature)
                .map(|sig| {
                    p384::ecdsa::VerifyingKey::from(k)
                        .verify_prehash(&digest, &sig)
                        .is_ok()
                })
                .unwrap_or(false),
        }
    }
}

/// A parsed end-entity certificate: what the request carries and what
/// status output shows. Nothing here is secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeafCert {
    /// The certificate as DER (goes, base64, in `X-Amz-X509`).
    pub der: Vec<u8>,
    /// The serial number in decimal (the `Credential=` of `Authorization`).
    pub serial_decimal: String,
    /// The subject's common name, if it has one.
    pub subject_cn: Option<String>,
    /// Subject and issuer as RFC 4514 strings (last RDN first: `O=y,CN=x`).
    pub subject: String,
    pub issuer: String,
    pub not_before: SystemTime,
    pub not_after: SystemTime,
    pub public_key: PublicKey,
}

impl LeafCert {
    /// Parses a DER certificate. `origin` names where it came from, for
    /// messages (`"certificate file /x/cert.pem"`, `"YubiKey slot 9a"`).
    /// Errors are [`Error::config`].
    pub fn from_der(der: Vec<u8>, origin: &str) -> Result<LeafCert> {
        let cert = Certificate::from_der(&der).map_err(|e| {
            Error::config(format!(
                "{origin} does not hold a valid X.509 certificate ({e})"
            ))
        })?;
        let tbs = &cert.tbs_certificate;
        let serial_decimal = serial_to_decimal(tbs.serial_number.as_bytes()).ok_or_else(|| {
            Error::config(format!(
                "the certificate in {origin} has a negative or empty serial number, \
                     which IAM Roles Anywhere cannot use"
            ))
        })?;
        let spki = &tbs.subject_public_key_info;
        let spki_der = spki.to_der().map_err(|e| {
            Error::config(format!(
                "the certificate in {origin} has a bad public key ({e})"
            ))
        })?;
        let public_key = parse_spki(
            &spki_der,
            spki.algorithm.oid,
            spki.algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.decode_as::<ObjectIdentifier>().ok()),
        )
        .map_err(|what| {
            Error::config(format!(
                "the certificate in {origin} has {what}; IAM Roles Anywhere needs an RSA \
                     or an ECDSA P-256 or P-384 key"
            ))
        })?;
        Ok(LeafCert {
            serial_decimal,
            subject_cn: common_name(&tbs.subject),
            subject: tbs.subject.to_string(),
            issuer: tbs.issuer.to_string(),
            not_before: tbs.validity.not_before.to_system_time(),
            not_after: tbs.validity.not_after.to_system_time(),
            public_key,
            der,
        })
    }

    pub fn key_type(&self) -> KeyType {
        self.public_key.key_type()
    }

    /// Is `now` outside the certificate's validity period? Then AWS will
    /// refuse it; callers can say so before a network call.
    pub fn check_validity(&self, now: SystemTime, origin: &str) -> Result<()> {
        if now > self.not_after {
            return Err(Error::config(format!(
                "the certificate in {origin} expired at {}",
                expiry::format(self.not_after)
            )));
        }
        if now < self.not_before {
            return Err(Error::config(format!(
                "the certificate in {origin} is not valid before {}",
                expiry::format(self.not_before)
            )));
        }
        Ok(())
    }
}

fn parse_spki(
    spki_der: &[u8],
    alg: ObjectIdentifier,
    curve: Option<ObjectIdentifier>,
) -> std::result::Result<PublicKey, String> {
    let bad = |e: &dyn fmt::Display| format!("a public key that cannot be read ({e})");
    match (alg, curve) {
        (OID_RSA_ENCRYPTION, _) => rsa::RsaPublicKey::from_public_key_der(spki_der)
            .map(PublicKey::Rsa)
            .map_err(|e| bad(&e)),
        (OID_EC_PUBLIC_KEY, Some(OID_P256)) => p256::PublicKey::from_public_key_der(spki_der)
            .map(PublicKey::P256)
            .map_err(|e| bad(&e)),
        (OID_EC_PUBLIC_KEY, Some(OID_P384)) => p384::PublicKey::from_public_key_der(spki_der)
            .map(PublicKey::P384)
            .map_err(|e| bad(&e)),
        (OID_EC_PUBLIC_KEY, Some(c)) => Err(format!("an EC key on an unsupported curve ({c})")),
        (OID_EC_PUBLIC_KEY, None) => Err("an EC key without a named curve".to_owned()),
        (other, _) => Err(format!("an unsupported key type (algorithm {other})")),
    }
}

/// The subject's (last) common name, as text.
fn common_name(name: &Name) -> Option<String> {
    name.0
        .iter()
        .flat_map(|rdn| rdn.0.iter())
        .filter(|atv| atv.oid == OID_CN)
        .filter_map(|atv| match atv.value.tag() {
            Tag::Utf8String | Tag::PrintableString | Tag::Ia5String | Tag::TeletexString => {
                Some(String::from_utf8_lossy(atv.value.value()).into_owned())
            }
            _ => None,
        })
        .next_back()
}

/// A DER INTEGER's content octets (big-endian two's complement) in
/// decimal; `None` for an empty or negative value.
pub fn serial_to_decimal(bytes: &[u8]) -> Option<String> {
    if bytes.is_empty() || bytes[0] & 0x80 != 0 {
        return None;
    }
    let mut n: Vec<u8> = bytes.iter().copied().skip_while(|&b| b == 0).collect();
    if n.is_empty() {
        return Some("0".to_owned());
    }
    let mut digits = Vec::new();
    while !n.is_empty() {
        // n = n / 10, remainder is the next digit (least significant first).
        let mut rem: u32 = 0;
        for b in n.iter_mut() {
            let cur = (rem << 8) | u32::from(*b);
            *b = (cur / 10) as u8;
            rem = cur % 10;
        }
        digits.push(b'0' + rem as u8);
        let zeros = n.iter().take_while(|&&b| b == 0).count();
        n.drain(..zeros);
    }
    digits.reverse();
    String::from_utf8(digits).ok()
}

/// What status output says about a signer. Nothing secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Description {
    pub subject_cn: Option<String>,
    pub subject: String,
    pub issuer: String,
    pub serial_decimal: String,
    pub not_after: SystemTime,
    pub key_type: KeyType,
    pub hardware_backed: bool,
    /// Where the key lives (`"file /home/me/key.pem"`, `"YubiKey 12345678 slot 9a"`).
    pub location: String,
    pub chain_len: usize,
}

impl fmt::Display for Description {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.subject_cn {
            Some(cn) => write!(f, "CN={cn}")?,
            None => write!(f, "\"{}\"", self.subject)?,
        }
        write!(
            f,
            ", issued by \"{}\", serial {}, valid until {}, {} key ({}, {})",
            self.issuer,
            self.serial_decimal,
            expiry::format(self.not_after),
            self.key_type,
            if self.hardware_backed {
                "hardware"
            } else {
                "software"
            },
            self.location
        )?;
        match self.chain_len {
            0 => Ok(()),
            1 => f.write_str(", 1 chain certificate"),
            n => write!(f, ", {n} chain certificates"),
        }
    }
}

/// A private key that goes with an X.509 certificate.
///
/// `sign` is the only operation that touches the key (and, for a hardware
/// key, may wait for a PIN or a touch). Everything else is public data.
pub trait X509Signer {
    /// The end-entity certificate.
    fn leaf(&self) -> &LeafCert;
    /// Intermediate certificates as DER (at most [`MAX_CHAIN`]; empty when
    /// none are configured). They go in `X-Amz-X509-Chain`.
    fn chain(&self) -> &[Vec<u8>];
    /// Does the key live on hardware (it cannot be copied)?
    fn hardware_backed(&self) -> bool;
    /// Where the key lives, for messages (`"file /home/me/key.pem"`).
    fn location(&self) -> String;
    /// Signs `message`: RSASSA-PKCS1-v1_5 over SHA-256(message) for RSA
    /// keys, ECDSA over SHA-256(message) as DER `SEQUENCE { r, s }` for EC
    /// keys. (The message is the whole string to sign, not its hash.)
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>>;

    /// The key type, from the certificate.
    fn key_type(&self) -> KeyType {
        self.leaf().key_type()
    }
    /// `AWS4-X509-RSA-SHA256` or `AWS4-X509-ECDSA-SHA256`.
    fn algorithm(&self) -> &'static str {
        self.key_type().algorithm()
    }
    /// For status output.
    fn describe(&self) -> Description {
        let leaf = self.leaf();
        Description {
            subject_cn: leaf.subject_cn.clone(),
            subject: leaf.subject.clone(),
            issuer: leaf.issuer.clone(),
            serial_decimal: leaf.serial_decimal.clone(),
            not_after: leaf.not_after,
            key_type: leaf.key_type(),
            hardware_backed: self.hardware_backed(),
            location: self.location(),
            chain_len: self.chain().len(),
        }
    }
}

/// SHA-256 of `message`.
pub fn sha256(message: &[u8]) -> [u8; 32] {
    Sha256::digest(message).into()
}

/// The DER `DigestInfo` for a SHA-256 digest (51 bytes): what
/// RSASSA-PKCS1-v1_5 pads.
pub fn pkcs1v15_sha256_digest_info(digest: &[u8; 32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(SHA256_DIGEST_INFO_PREFIX.len() + digest.len());
    out.extend_from_slice(&SHA256_DIGEST_INFO_PREFIX);
    out.extend_from_slice(digest);
    out
}

/// EMSA-PKCS1-v1_5 encoding (RFC 8017 §9.2) of a SHA-256 digest for a
/// modulus of `modulus_len` bytes: `00 01 FF..FF 00 DigestInfo`. Raising it
/// to the private exponent is the signature; this is the block a PIV card
/// signs for an RSA key.
pub fn pkcs1v15_sha256_padded(digest: &[u8; 32], modulus_len: usize) -> Result<Vec<u8>> {
    let t = pkcs1v15_sha256_digest_info(digest);
    // At least 8 bytes of 0xFF padding.
    if modulus_len < t.len() + 11 {
        return Err(Error::config(format!(
            "an RSA key of {} bits is too small to sign with SHA-256",
            modulus_len * 8
        )));
    }
    let mut out = Vec::with_capacity(modulus_len);
    out.extend_from_slice(&[0x00, 0x01]);
    out.resize(modulus_len - t.len() - 1, 0xff);
    out.push(0x00);
    out.extend_from_slice(&t);
    Ok(out)
}

/// What a PIV card's raw sign operation (`yubikey::piv::sign_data`) takes
/// to produce a Roles Anywhere signature over `message`: for ECC keys the
/// SHA-256 digest (32 bytes, also for P-384: the card treats a shorter
/// input as the integer it encodes, which is what ECDSA over SHA-256
/// means); for RSA keys the padded block of [`pkcs1v15_sha256_padded`],
/// as long as the modulus.
pub fn piv_sign_input(key_type: KeyType, message: &[u8]) -> Result<Vec<u8>> {
    let digest = sha256(message);
    match key_type {
        KeyType::Rsa { bits } => pkcs1v15_sha256_padded(&digest, bits.div_ceil(8)),
        KeyType::EcP256 | KeyType::EcP384 => Ok(digest.to_vec()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RSA_CERT: &str = include_str!("../../data/rolesanywhere-kat/kat_rsa/rsa_cert.pem");
    const EC_CERT: &str =
        include_str!("../../data/rolesanywhere-kat/kat_ec_p256_verifyonly/ec_cert.pem");
    const P384_CERT: &str =
        include_str!("../../data/rolesanywhere-kat/signer-fixtures/p384_cert.pem");
    const ED25519_CERT: &str =
        include_str!("../../data/rolesanywhere-kat/signer-fixtures/ed25519_cert.pem");

    fn der_of(pem: &str) -> Vec<u8> {
        let blocks = software::pem_blocks(pem, "test").unwrap();
        blocks.into_iter().next().unwrap().der
    }

    #[test]
    fn serial_numbers_in_decimal() {
        assert_eq!(serial_to_decimal(&[0x00]).as_deref(), Some("0"));
        assert_eq!(serial_to_decimal(&[0x01]).as_deref(), Some("1"));
        assert_eq!(serial_to_decimal(&[0x00, 0xff]).as_deref(), Some("255"));
        assert_eq!(serial_to_decimal(&[0x01, 0x00]).as_deref(), Some("256"));
        assert_eq!(
            serial_to_decimal(&[0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef]).as_deref(),
            Some("81985529216486895")
        );
        let kat = [
            0x3a, 0x7f, 0x1c, 0x2b, 0x4d, 0x5e, 0x6f, 0x70, 0x81, 0x92, 0xa3, 0xb4, 0xc5, 0xd6,
            0xe7, 0xf8, 0x01, 0x02, 0x03, 0x04,
        ];
        assert_eq!(
            serial_to_decimal(&kat).as_deref(),
            Some("333956113226984840273019260987925010418713625348")
        );
        assert_eq!(serial_to_decimal(&[0x80]), None, "negative");
        assert_eq!(serial_to_decimal(&[]), None);
    }

    #[test]
    fn leaf_certificates_parse() {
        let rsa = LeafCert::from_der(der_of(RSA_CERT), "rsa").unwrap();
        assert_eq!(rsa.key_type(), KeyType::Rsa { bits: 2048 });
        assert_eq!(rsa.key_type().algorithm(), "AWS4-X509-RSA-SHA256");
        assert_eq!(
            rsa.serial_decimal,
            "333956113226984840273019260987925010418713625348"
        );
        assert_eq!(rsa.subject_cn.as_deref(), Some("ra-kat-rsa"));
        assert_eq!(rsa.subject, "O=Example,CN=ra-kat-rsa");
        assert_eq!(rsa.issuer, "O=Example,CN=ra-kat-rsa");
        assert_eq!(expiry::format(rsa.not_after), "2036-11-30T16:15:44Z");

        let ec = LeafCert::from_der(der_of(EC_CERT), "ec").unwrap();
        assert_eq!(ec.key_type(), KeyType::EcP256);
        assert_eq!(ec.key_type().algorithm(), "AWS4-X509-ECDSA-SHA256");
        assert_eq!(ec.serial_decimal, "81985529216486895");

        // Serial 0x8000000000000001: DER adds a 00 byte to keep it positive.
        let p384 = LeafCert::from_der(der_of(P384_CERT), "p384").unwrap();
        assert_eq!(p384.key_type(), KeyType::EcP384);
        assert_eq!(p384.key_type().algorithm(), "AWS4-X509-ECDSA-SHA256");
        assert_eq!(p384.serial_decimal, "9223372036854775809");
        assert_eq!(p384.subject_cn.as_deref(), Some("vouch-test-p384"));
    }

    #[test]
    fn unsupported_and_broken_certificates_are_config_errors() {
        let e = LeafCert::from_der(der_of(ED25519_CERT), "file ed.pem").unwrap_err();
        assert_eq!(e.code, crate::error::ExitCode::Configuration);
        assert!(e.message.contains("unsupported key type"), "{e}");
        assert!(e.message.contains("RSA or an ECDSA P-256 or P-384"), "{e}");

        let e = LeafCert::from_der(b"not a certificate".to_vec(), "file x.pem").unwrap_err();
        assert_eq!(e.code, crate::error::ExitCode::Configuration);
        assert!(
            e.message
                .starts_with("file x.pem does not hold a valid X.509"),
            "{e}"
        );
    }

    #[test]
    fn validity_is_checked() {
        let rsa = LeafCert::from_der(der_of(RSA_CERT), "cert.pem").unwrap();
        let during = rsa.not_before + std::time::Duration::from_secs(60);
        rsa.check_validity(during, "cert.pem").unwrap();
        let after = rsa.not_after + std::time::Duration::from_secs(1);
        let e = rsa.check_validity(after, "cert.pem").unwrap_err();
        assert!(e.message.contains("expired at 2036-11-30T16:15:44Z"), "{e}");
        let before = rsa.not_before - std::time::Duration::from_secs(1);
        let e = rsa.check_validity(before, "cert.pem").unwrap_err();
        assert!(e.message.contains("not valid before"), "{e}");
    }

    #[test]
    fn digest_info_and_padding() {
        let digest = sha256(b"abc");
        let t = pkcs1v15_sha256_digest_info(&digest);
        assert_eq!(t.len(), 51);
        assert_eq!(&t[..19], &SHA256_DIGEST_INFO_PREFIX);
        assert_eq!(&t[19..], &digest);

        let block = pkcs1v15_sha256_padded(&digest, 256).unwrap();
        assert_eq!(block.len(), 256);
        assert_eq!(&block[..2], &[0x00, 0x01]);
        assert!(block[2..256 - 52].iter().all(|&b| b == 0xff));
        assert_eq!(block[256 - 52], 0x00);
        assert_eq!(&block[256 - 51..], &t[..]);

        // 62 bytes is the smallest modulus with 8 bytes of padding.
        assert_eq!(pkcs1v15_sha256_padded(&digest, 62).unwrap().len(), 62);
        assert!(pkcs1v15_sha256_padded(&digest, 61).is_err());

        assert_eq!(
            piv_sign_input(KeyType::Rsa { bits: 2048 }, b"abc").unwrap(),
            block
        );
        assert_eq!(piv_sign_input(KeyType::EcP384, b"abc").unwrap(), digest);
    }

    /// The padded block is what a raw RSA operation (a PIV card) signs:
    /// raising the software signature to the public exponent gives it back.
    #[test]
    fn padded_block_is_what_the_rsa_signature_encodes() {
        let leaf = LeafCert::from_der(der_of(RSA_CERT), "rsa").unwrap();
        let PublicKey::Rsa(pk) = &leaf.public_key else {
            panic!("not RSA")
        };
        let sig_hex = include_str!("../../data/rolesanywhere-kat/kat_rsa/signature.hex");
        let sig: Vec<u8> = (0..sig_hex.trim().len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&sig_hex.trim()[i..i + 2], 16).unwrap())
            .collect();
        let sts = include_bytes!("../../data/rolesanywhere-kat/kat_rsa/string_to_sign.txt");
        assert!(leaf.public_key.verify(sts, &sig));
        assert!(!leaf.public_key.verify(b"something else", &sig));

        let m = rsa::BigUint::from_bytes_be(&sig).modpow(pk.e(), pk.n());
        let mut em = m.to_bytes_be();
        while em.len() < pk.size() {
            em.insert(0, 0);
        }
        assert_eq!(
            em,
            piv_sign_input(leaf.key_type(), sts).unwrap(),
            "s^e mod n is the padded DigestInfo block"
        );
    }
}
