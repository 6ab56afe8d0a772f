//! A key in a YubiKey's PIV application, through PC/SC (pcscd) and the
//! `yubikey` crate.
//!
//! [`YubiKeySigner::open`] waits (up to a timeout) for a YubiKey to be
//! plugged in, takes the first one found, and reads the certificate of the
//! configured slot; the key type comes from that certificate (RSA 2048,
//! ECDSA P-256 or P-384). [`X509Signer::sign`] asks for the PIN when the
//! slot needs it (from the terminal with echo off; from `VOUCH_PIN` only
//! when `VOUCH_PIN_FROM_ENV=1`), tells the person to touch the key, and has
//! the card sign [`piv_sign_input`]. The signature is checked against the
//! certificate before it is used, so a slot whose certificate is not its
//! key's is reported as such (not as AWS's "Invalid signature").
//!
//! Wrong PINs: the tries left are shown, and vouch never spends the last
//! one by asking again in the same run (a typo cannot block the PIN).
//!
//! Exit codes: no YubiKey, pcscd not running, the key held by another
//! program, no certificate in the slot: 3. Wrong or blocked PIN, no
//! terminal to ask on, no touch: 2. A certificate vouch cannot use: 6.
//! Ctrl-C while waiting: 130, with the terminal restored.

use super::software::pem_blocks;
use super::{piv_sign_input, KeyType, LeafCert, PublicKey, X509Signer, MAX_CHAIN};
use crate::config::PivSlot;
use crate::credentials::Secret;
use crate::error::{Error, ExitCode, Result};
use crate::prompt::{ExitOnInterrupt, SecretReader, Tty};
use crate::world::World;
use std::cell::{Cell, RefCell};
use std::fmt;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use x509_cert::der::{Decode, Encode};
use yubikey::piv::{self, AlgorithmId, ManagementAlgorithmId, SlotId};
use yubikey::{Certificate, PinPolicy, TouchPolicy, YubiKey};

/// How long `vouch login` waits for a YubiKey by default (`--timeout`).
pub const DEFAULT_WAIT: Duration = Duration::from_secs(15);
/// How often the readers are looked at while waiting.
const POLL: Duration = Duration::from_millis(250);
/// A PIV PIN is 6 to 8 characters.
const PIN_LEN: std::ops::RangeInclusive<usize> = 6..=8;
/// At most this many PINs are asked for in one run.
const MAX_PROMPTS: usize = 5;

/// Opt-in for reading the PIN from [`ENV_PIN`] (weaker than the terminal:
/// the environment can be read by other processes of the same user and
/// ends up in shell history or CI logs).
pub const ENV_PIN_FROM_ENV: &str = "VOUCH_PIN_FROM_ENV";
pub const ENV_PIN: &str = "VOUCH_PIN";

static WAIT_SECS: AtomicU64 = AtomicU64::new(DEFAULT_WAIT.as_secs());

/// Sets how long [`YubiKeySigner::open`] waits for a key to be plugged in
/// when it is not there (`vouch login --timeout`; other commands that log
/// in use [`DEFAULT_WAIT`]).
pub fn set_wait_for_key(wait: Duration) {
    WAIT_SECS.store(wait.as_secs(), Ordering::Relaxed);
}

fn wait_for_key() -> Duration {
    Duration::from_secs(WAIT_SECS.load(Ordering::Relaxed))
}

/// The `yubikey` crate's slot for a configured slot number.
pub fn slot_id(slot: PivSlot) -> Result<SlotId> {
    match SlotId::try_from(slot.0) {
        Ok(
            id @ (SlotId::Authentication
            | SlotId::Signature
            | SlotId::KeyManagement
            | SlotId::CardAuthentication
            | SlotId::Retired(_)),
        ) => Ok(id),
        _ => Err(Error::config(format!(
            "PIV slot {slot} holds no signing key; use 9a, 9c, 9d, 9e or 82..95"
        ))),
    }
}

/// The card's algorithm for a certificate's key type. RSA keys other than
/// 2048 bits are refused (1024 is too weak for IAM Roles Anywhere; the
/// `yubikey` crate does not drive the larger keys of firmware 5.7).
pub fn algorithm_id(key_type: KeyType, origin: &str) -> Result<AlgorithmId> {
    match key_type {
        KeyType::Rsa { bits: 2048 } => Ok(AlgorithmId::Rsa2048),
        KeyType::Rsa { bits: 1024 } => Err(Error::config(format!(
            "the certificate in {origin} is for an RSA 1024 key, which is too weak: \
             IAM Roles Anywhere needs RSA 2048 or ECDSA P-256 or P-384 (generate a new key \
             in the slot, e.g. `ykman piv keys generate -a ECCP256 9a pub.pem`)"
        ))),
        KeyType::Rsa { bits } => Err(Error::config(format!(
            "the certificate in {origin} is for an RSA {bits} key; vouch signs on a YubiKey \
             with RSA 2048, ECDSA P-256 or P-384 keys only"
        ))),
        KeyType::EcP256 => Ok(AlgorithmId::EccP256),
        KeyType::EcP384 => Ok(AlgorithmId::EccP384),
    }
}

/// A YubiKey PIV slot's key and certificate, ready to sign.
pub struct YubiKeySigner {
    yubikey: RefCell<YubiKey>,
    serial: u32,
    slot: PivSlot,
    slot_id: SlotId,
    algorithm: AlgorithmId,
    leaf: LeafCert,
    chain: Vec<Vec<u8>>,
    pin: PinNeed,
    touch: TouchNeed,
    pin_verified: Cell<bool>,
    env_pin: Option<Secret>,
}

impl fmt::Debug for YubiKeySigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("YubiKeySigner")
            .field("serial", &self.serial)
            .field("slot", &self.slot)
            .field("subject", &self.leaf.subject)
            .field("key_type", &self.leaf.key_type())
            .field("pin", &self.pin)
            .field("touch", &self.touch)
            .finish_non_exhaustive()
    }
}

/// Does the slot want the PIN before signing?
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PinNeed {
    Never,
    Once,
    /// Before every signature (slot 9c's default).
    Always,
}

/// Does the slot want a touch? `Unknown` on firmware before 5.3, which
/// cannot tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TouchNeed {
    No,
    Yes,
    Unknown,
}

/// The slot's PIN and touch policies, as the card reports them (firmware
/// 5.3+) or as the slot's defaults say (`None`: the card cannot tell).
fn needs(slot: SlotId, policy: Option<(PinPolicy, TouchPolicy)>) -> (PinNeed, TouchNeed) {
    let default_pin = match slot {
        SlotId::CardAuthentication => PinNeed::Never,
        SlotId::Signature => PinNeed::Always,
        _ => PinNeed::Once,
    };
    match policy {
        None => (default_pin, TouchNeed::Unknown),
        Some((pin, touch)) => (
            match pin {
                PinPolicy::Default => default_pin,
                PinPolicy::Never => PinNeed::Never,
                PinPolicy::Once => PinNeed::Once,
                PinPolicy::Always => PinNeed::Always,
            },
            match touch {
                // A slot's default touch policy is "never".
                TouchPolicy::Default | TouchPolicy::Never => TouchNeed::No,
                TouchPolicy::Always | TouchPolicy::Cached => TouchNeed::Yes,
            },
        ),
    }
}

impl YubiKeySigner {
    /// Finds a YubiKey (waiting up to `--timeout` for one to be plugged
    /// in; the first one when several are), reads the certificate of
    /// `slot` and checks that vouch can sign with its key. `chain` is the
    /// configured intermediates file (PEM), read first.
    pub fn open(world: &dyn World, slot: PivSlot, chain: Option<&Path>) -> Result<YubiKeySigner> {
        let env_pin = env_pin(world)?;
        let slot_id = slot_id(slot)?;
        let chain_ders = match chain {
            Some(path) => read_chain(world, path)?,
            None => Vec::new(),
        };
        let mut yubikey = {
            let _interrupt = ExitOnInterrupt::install();
            wait_for(wait_for_key(), POLL, probe_first_yubikey, |m| {
                crate::say!("vouch: {m}")
            })?
        };
        let serial = yubikey.serial().0;
        let origin = format!("YubiKey {serial} slot {slot}");
        let cert = match Certificate::read(&mut yubikey, slot_id) {
            Ok(c) => c,
            Err(yubikey::Error::InvalidObject) | Err(yubikey::Error::NotFound) => {
                return Err(Error::new(
                    ExitCode::HardwareKeyNotFound,
                    format!(
                        "YubiKey {serial} has no certificate in PIV slot {slot} (is it the right \
                         YubiKey?): import the certificate your CA issued for the slot's key \
                         (`ykman piv certificates import {slot} cert.pem`), or set the slot \
                         (slot = \"9c\" in [yubikey])"
                    ),
                ))
            }
            Err(yubikey::Error::ParseError) => {
                return Err(Error::config(format!(
                    "{origin} does not hold a valid X.509 certificate"
                )))
            }
            Err(e) => {
                return Err(card_error(
                    &e,
                    &format!("reading the certificate of {origin}"),
                ))
            }
        };
        let der = cert.cert.to_der().map_err(|e| {
            Error::config(format!(
                "the certificate in {origin} cannot be encoded ({e})"
            ))
        })?;
        let leaf = LeafCert::from_der(der, &origin)?;
        let algorithm = algorithm_id(leaf.key_type(), &origin)?;

        // Firmware 5.3+ tells the slot's policies and public key.
        let metadata = piv::metadata(&mut yubikey, slot_id).ok();
        if let Some(public) = metadata.as_ref().and_then(|m| m.public.as_ref()) {
            if same_key(&leaf.public_key, public.subject_public_key.raw_bytes()) == Some(false) {
                return Err(mismatch(&origin, slot));
            }
        }
        if let Some(ManagementAlgorithmId::Asymmetric(on_card)) =
            metadata.as_ref().map(|m| m.algorithm)
        {
            if on_card != algorithm {
                return Err(mismatch(&origin, slot));
            }
        }
        let (pin, touch) = needs(slot_id, metadata.and_then(|m| m.policy));
        // The leaf itself in the bundle is not part of its chain; nor are repeats.
        let mut chain: Vec<Vec<u8>> = Vec::new();
        for der in chain_ders {
            if der != leaf.der && !chain.contains(&der) {
                chain.push(der);
            }
        }
        if chain.len() > MAX_CHAIN {
            return Err(Error::config(format!(
                "{} intermediate certificates are configured; IAM Roles Anywhere takes at \
                 most {MAX_CHAIN}",
                chain.len()
            )));
        }
        Ok(YubiKeySigner {
            yubikey: RefCell::new(yubikey),
            serial,
            slot,
            slot_id,
            algorithm,
            leaf,
            chain,
            pin,
            touch,
            pin_verified: Cell::new(false),
            env_pin,
        })
    }

    pub fn serial(&self) -> u32 {
        self.serial
    }

    fn who(&self) -> String {
        format!("YubiKey {}", self.serial)
    }

    fn unlock(&self, yubikey: &mut YubiKey) -> Result<()> {
        let who = self.who();
        match &self.env_pin {
            Some(pin) => unlock(yubikey, PinFrom::Env(pin), &who),
            None => {
                let mut tty = Tty::open().map_err(|_| {
                    Error::auth(format!(
                        "{who} needs its PIN, which vouch reads from the terminal, and there is \
                         none: run `vouch login` in a terminal (or, weaker, set \
                         {ENV_PIN_FROM_ENV}=1 and the PIN in {ENV_PIN})"
                    ))
                })?;
                unlock(yubikey, PinFrom::Reader(&mut tty), &who)
            }
        }
    }
}

fn mismatch(origin: &str, slot: PivSlot) -> Error {
    Error::config(format!(
        "the certificate in {origin} is not for the key in that slot (was the key \
         generated again?): import the certificate your CA issued for the slot's key \
         (`ykman piv certificates import {slot} cert.pem`)"
    ))
}

/// Is the card's public key (the SPKI's BIT STRING: an RSAPublicKey or an
/// EC point) the certificate's? `None` when it cannot be read.
fn same_key(in_cert: &PublicKey, on_card: &[u8]) -> Option<bool> {
    use rsa::pkcs1::DecodeRsaPublicKey;
    Some(match in_cert {
        PublicKey::Rsa(k) => rsa::RsaPublicKey::from_pkcs1_der(on_card).ok()? == *k,
        PublicKey::P256(k) => p256::PublicKey::from_sec1_bytes(on_card).ok()? == *k,
        PublicKey::P384(k) => p384::PublicKey::from_sec1_bytes(on_card).ok()? == *k,
    })
}

impl X509Signer for YubiKeySigner {
    fn leaf(&self) -> &LeafCert {
        &self.leaf
    }
    fn chain(&self) -> &[Vec<u8>] {
        &self.chain
    }
    fn hardware_backed(&self) -> bool {
        true
    }
    fn location(&self) -> String {
        format!("YubiKey {} slot {}", self.serial, self.slot)
    }
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        let input = piv_sign_input(self.leaf.key_type(), message)?;
        let _interrupt = ExitOnInterrupt::install();
        let mut yubikey = self.yubikey.borrow_mut();
        let pin_now = match self.pin {
            PinNeed::Never => false,
            PinNeed::Once => !self.pin_verified.get(),
            PinNeed::Always => true,
        };
        if pin_now {
            self.unlock(&mut yubikey)?;
            self.pin_verified.set(true);
        }
        match self.touch {
            TouchNeed::Yes => crate::say!("vouch: touch your YubiKey"),
            TouchNeed::Unknown => crate::say!("vouch: touch your YubiKey if it blinks"),
            TouchNeed::No => {}
        }
        let signature = piv::sign_data(&mut yubikey, &input, self.algorithm, self.slot_id)
            .map_err(|e| match e {
                yubikey::Error::AuthenticationError => Error::auth(format!(
                    "{} did not sign: it was not touched in time (it waits about 15 seconds) \
                     or the slot wants its PIN again; run `vouch login` again",
                    self.who()
                )),
                e => card_error(
                    &e,
                    &format!(
                        "signing with {} (is there a key in the slot{}?)",
                        self.location(),
                        if self.touch == TouchNeed::No {
                            ""
                        } else {
                            ", was it touched in time"
                        }
                    ),
                ),
            })?
            .to_vec();
        if !self.leaf.public_key.verify(message, &signature) {
            return Err(mismatch(&self.location(), self.slot));
        }
        Ok(signature)
    }
}

/// The certificates (DER) of a chain file (PEM).
fn read_chain(world: &dyn World, path: &Path) -> Result<Vec<Vec<u8>>> {
    let origin = format!("chain file {}", path.display());
    let bytes = world.read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::config(format!("{origin} does not exist")),
        std::io::ErrorKind::PermissionDenied => {
            Error::denied(format!("cannot read {origin}: permission denied"))
        }
        _ => Error::config(format!("cannot read {origin}: {e}")),
    })?;
    let text = String::from_utf8(bytes).map_err(|_| {
        Error::config(format!(
            "{origin} is not a PEM text file (DER? convert it with openssl to PEM)"
        ))
    })?;
    let ders: Vec<Vec<u8>> = pem_blocks(&text, &origin)?
        .into_iter()
        .filter(|b| b.label == "CERTIFICATE")
        .map(|b| b.der)
        .collect();
    if ders.is_empty() {
        return Err(Error::config(format!(
            "{origin} holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
        )));
    }
    for (i, der) in ders.iter().enumerate() {
        x509_cert::Certificate::from_der(der).map_err(|e| {
            Error::config(format!(
                "chain certificate {} (from {origin}) is not a valid X.509 certificate ({e})",
                i + 1
            ))
        })?;
    }
    Ok(ders)
}

/// `VOUCH_PIN`, if the person opted in with `VOUCH_PIN_FROM_ENV=1`.
fn env_pin(world: &dyn World) -> Result<Option<Secret>> {
    let opted_in = world.var(ENV_PIN_FROM_ENV).is_some_and(|v| v.trim() == "1");
    let pin = world.var(ENV_PIN).filter(|p| !p.is_empty());
    match (opted_in, pin) {
        (true, Some(pin)) => Ok(Some(Secret::new(pin))),
        (true, None) => Err(Error::config(format!(
            "{ENV_PIN_FROM_ENV}=1 but {ENV_PIN} is not set: set the PIN there, or unset \
             {ENV_PIN_FROM_ENV} to type it at the terminal"
        ))),
        (false, Some(_)) => {
            crate::say!(
                "vouch: warning: {ENV_PIN} is ignored unless {ENV_PIN_FROM_ENV}=1 (the PIN is \
                 asked for at the terminal)"
            );
            Ok(None)
        }
        (false, None) => Ok(None),
    }
}

// ---------------------------------------------------------------------------
// Finding the key.

/// What one look at the PC/SC readers found.
enum Probe<T> {
    Found(T),
    /// No YubiKey; the names of the readers seen.
    Absent(Vec<String>),
    /// A YubiKey that another program holds exclusively.
    InUse,
    /// pcscd is not running.
    NoService,
    /// Anything else, as text.
    Failed(String),
}

/// Looks at the readers until `probe` finds the key or `wait` has passed,
/// telling the person once (through `tell`) to plug it in.
fn wait_for<T>(
    wait: Duration,
    poll: Duration,
    mut probe: impl FnMut() -> Probe<T>,
    mut tell: impl FnMut(&str),
) -> Result<T> {
    let start = Instant::now();
    let mut told = false;
    loop {
        let waited = start.elapsed();
        let last = waited >= wait;
        let not_found = |m: String| Error::new(ExitCode::HardwareKeyNotFound, m);
        match probe() {
            Probe::Found(key) => return Ok(key),
            Probe::NoService => return Err(not_found(no_service_message())),
            Probe::Failed(e) => {
                return Err(not_found(format!(
                    "cannot look for a YubiKey through PC/SC: {e}"
                )))
            }
            Probe::InUse if last => {
                return Err(not_found(
                    "the YubiKey is in use by another program that holds it exclusively \
                     (often GnuPG's scdaemon: `gpgconf --kill scdaemon`); close it and run \
                     `vouch login` again"
                        .to_owned(),
                ))
            }
            Probe::Absent(readers) if last => {
                let mut m = if wait.is_zero() {
                    "no YubiKey found".to_owned()
                } else {
                    format!("no YubiKey found (waited {} s)", wait.as_secs())
                };
                if !readers.is_empty() {
                    m.push_str(&format!(
                        " in the smart card readers {}",
                        readers
                            .iter()
                            .map(|r| format!("\"{r}\""))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                m.push_str(
                    ": plug it in (its PIV application enabled: `ykman config usb --enable PIV`) \
                     and run `vouch login` again, or give it longer with --timeout SECONDS",
                );
                return Err(not_found(m));
            }
            Probe::InUse => {
                if !told {
                    tell("the YubiKey is in use by another program; waiting for it...");
                    told = true;
                }
                std::thread::sleep(poll.min(wait.saturating_sub(waited)));
            }
            Probe::Absent(_) => {
                if !told {
                    tell("insert your YubiKey...");
                    told = true;
                }
                std::thread::sleep(poll.min(wait.saturating_sub(waited)));
            }
        }
    }
}

fn no_service_message() -> String {
    "the PC/SC smart card service (pcscd), through which vouch talks to the YubiKey, is not \
     running: start it with `sudo systemctl enable --now pcscd.socket` (or run `sudo pcscd`); \
     Debian and Ubuntu install it with `sudo apt install pcscd`"
        .to_owned()
}

/// The name of the PC/SC error inside a `yubikey` error, if there is one
/// (`NoService`, `SharingViolation`, ... as `pcsc::Error` spells its
/// variants).
fn pcsc_name(e: &yubikey::Error) -> Option<String> {
    match e {
        yubikey::Error::PcscError { inner: Some(p) } => Some(format!("{p:?}")),
        _ => None,
    }
}

fn probe_kind<T>(e: &yubikey::Error) -> Probe<T> {
    match pcsc_name(e).as_deref() {
        Some("NoService" | "ServiceStopped") => Probe::NoService,
        Some("NoReadersAvailable" | "NoSmartcard" | "RemovedCard" | "UnknownReader") => {
            Probe::Absent(Vec::new())
        }
        Some("SharingViolation") => Probe::InUse,
        _ if matches!(e, yubikey::Error::NotFound) => Probe::Absent(Vec::new()),
        _ => Probe::Failed(e.to_string()),
    }
}

/// One look at the readers: the first that holds a YubiKey (with the PIV
/// application) is opened.
fn probe_first_yubikey() -> Probe<YubiKey> {
    let mut context = match yubikey::reader::Context::open() {
        Ok(c) => c,
        Err(e) => return probe_kind(&e),
    };
    let readers = match context.iter() {
        Ok(r) => r,
        Err(e) => return probe_kind(&e),
    };
    let mut names = Vec::new();
    let mut in_use = false;
    for reader in readers {
        names.push(reader.name().into_owned());
        match reader.open() {
            Ok(yubikey) => return Probe::Found(yubikey),
            Err(e) => match probe_kind::<()>(&e) {
                Probe::InUse => in_use = true,
                Probe::NoService => return Probe::NoService,
                // Another kind of card, an empty reader: not ours.
                _ => {}
            },
        }
    }
    if in_use {
        Probe::InUse
    } else {
        Probe::Absent(names)
    }
}

/// A card error while doing `what`.
fn card_error(e: &yubikey::Error, what: &str) -> Error {
    match pcsc_name(e).as_deref() {
        Some("RemovedCard" | "ResetCard" | "NoSmartcard" | "UnknownReader") => Error::new(
            ExitCode::HardwareKeyNotFound,
            format!("the YubiKey was removed or reset while {what}: plug it in and try again"),
        ),
        Some("NoService" | "ServiceStopped") => {
            Error::new(ExitCode::HardwareKeyNotFound, no_service_message())
        }
        _ => Error::general(format!("{what} failed: {e}")),
    }
}

// ---------------------------------------------------------------------------
// The PIN.

/// What PIN verification needs from the card (a fake in tests).
trait PinCard {
    /// Tries left (does not use one).
    fn pin_retries(&mut self) -> std::result::Result<u8, yubikey::Error>;
    fn verify_pin(&mut self, pin: &[u8]) -> std::result::Result<(), yubikey::Error>;
}

impl PinCard for YubiKey {
    fn pin_retries(&mut self) -> std::result::Result<u8, yubikey::Error> {
        self.get_pin_retries()
    }
    fn verify_pin(&mut self, pin: &[u8]) -> std::result::Result<(), yubikey::Error> {
        YubiKey::verify_pin(self, pin)
    }
}

/// Where the PIN comes from.
enum PinFrom<'a> {
    /// Asked for, again after a wrong one while that leaves more than one
    /// try.
    Reader(&'a mut dyn SecretReader),
    /// `VOUCH_PIN`: tried once, never again.
    Env(&'a Secret),
}

fn blocked(who: &str) -> Error {
    Error::auth(format!(
        "the PIN of {who} is blocked after too many wrong PINs: unblock it with the PUK \
         (`ykman piv access unblock-pin`), then run `vouch login` again"
    ))
}

fn tries(n: u8) -> String {
    format!("{n} {}", if n == 1 { "try" } else { "tries" })
}

/// Verifies the PIN of `who` (`"YubiKey 12345678"`).
fn unlock(card: &mut dyn PinCard, from: PinFrom<'_>, who: &str) -> Result<()> {
    let mut left = match card.pin_retries() {
        Ok(0) => return Err(blocked(who)),
        Ok(n) => Some(n),
        Err(_) => None,
    };
    let reader = match from {
        PinFrom::Env(pin) => {
            if !PIN_LEN.contains(&pin.expose().len()) {
                return Err(Error::auth(format!(
                    "{ENV_PIN} is not a PIV PIN (6 to 8 characters); {who} was not asked"
                )));
            }
            return match card.verify_pin(pin.expose().as_bytes()) {
                Ok(()) => Ok(()),
                Err(yubikey::Error::WrongPin { tries: 0 }) | Err(yubikey::Error::PinLocked) => {
                    Err(blocked(who))
                }
                Err(yubikey::Error::WrongPin { tries: n }) => Err(Error::auth(format!(
                    "{ENV_PIN} is not the PIN of {who} ({} left; vouch does not try a PIN from \
                     the environment again, so that it cannot block the PIN)",
                    tries(n)
                ))),
                Err(e) => Err(card_error(&e, &format!("checking the PIN of {who}"))),
            };
        }
        PinFrom::Reader(r) => r,
    };
    for _ in 0..MAX_PROMPTS {
        let prompt = match left {
            Some(1) => format!("vouch: PIN of {who} (last try: a wrong PIN blocks it): "),
            Some(n) if n <= 2 => format!("vouch: PIN of {who} ({} left): ", tries(n)),
            _ => format!("vouch: PIN of {who}: "),
        };
        let Some(pin) = reader.read_secret(&prompt)? else {
            return Err(Error::auth(format!("no PIN given for {who}")));
        };
        if !PIN_LEN.contains(&pin.expose().len()) {
            reader.say("vouch: a PIV PIN has 6 to 8 characters (no try was used)");
            continue;
        }
        match card.verify_pin(pin.expose().as_bytes()) {
            Ok(()) => return Ok(()),
            Err(yubikey::Error::WrongPin { tries: 0 }) | Err(yubikey::Error::PinLocked) => {
                return Err(blocked(who))
            }
            Err(yubikey::Error::WrongPin { tries: 1 }) => {
                return Err(Error::auth(format!(
                    "wrong PIN for {who}, 1 try left: vouch stops here so that a mistyped PIN \
                     cannot block it; check the PIN and run `vouch login` again (a wrong PIN \
                     then blocks it, and only the PUK unblocks it: `ykman piv access \
                     unblock-pin`)"
                )))
            }
            Err(yubikey::Error::WrongPin { tries: n }) => {
                reader.say(&format!("vouch: wrong PIN ({} left)", tries(n)));
                left = Some(n);
            }
            Err(e) => return Err(card_error(&e, &format!("checking the PIN of {who}"))),
        }
    }
    Err(Error::auth(format!(
        "no PIN accepted for {who} after {MAX_PROMPTS} attempts"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prompt::tests::Scripted;
    use yubikey::piv::RetiredSlotId;

    #[test]
    fn slots_map_to_the_crate() {
        let id = |n: u8| slot_id(PivSlot(n)).unwrap();
        assert_eq!(id(0x9a), SlotId::Authentication);
        assert_eq!(id(0x9c), SlotId::Signature);
        assert_eq!(id(0x9d), SlotId::KeyManagement);
        assert_eq!(id(0x9e), SlotId::CardAuthentication);
        assert_eq!(id(0x82), SlotId::Retired(RetiredSlotId::R1));
        assert_eq!(id(0x95), SlotId::Retired(RetiredSlotId::R20));
        // Every slot the configuration accepts maps, and back to its number.
        for n in 0u8..=255 {
            if let Ok(slot) = PivSlot::parse(&format!("{n:02x}")) {
                assert_eq!(u8::from(slot_id(slot).unwrap()), n);
            }
        }
        // Not signing slots: attestation, PIN, PUK, management key.
        for n in [0xf9, 0x80, 0x81, 0x9b, 0x00] {
            let e = slot_id(PivSlot(n)).unwrap_err();
            assert_eq!(e.code, ExitCode::Configuration);
        }
    }

    #[test]
    fn algorithm_from_the_key_type() {
        let alg = |k| algorithm_id(k, "YubiKey 1 slot 9a");
        assert_eq!(
            alg(KeyType::Rsa { bits: 2048 }).unwrap(),
            AlgorithmId::Rsa2048
        );
        assert_eq!(alg(KeyType::EcP256).unwrap(), AlgorithmId::EccP256);
        assert_eq!(alg(KeyType::EcP384).unwrap(), AlgorithmId::EccP384);
        let e = alg(KeyType::Rsa { bits: 1024 }).unwrap_err();
        assert_eq!(e.code, ExitCode::Configuration);
        assert!(e.message.contains("RSA 1024 key, which is too weak"), "{e}");
        let e = alg(KeyType::Rsa { bits: 4096 }).unwrap_err();
        assert!(e.message.contains("RSA 4096"), "{e}");
    }

    #[test]
    fn sign_input_fits_the_card() {
        // What the crate checks before sending: RSA 2048 takes exactly 256
        // bytes, ECC at most the curve's size.
        let m = b"string to sign";
        assert_eq!(
            piv_sign_input(KeyType::Rsa { bits: 2048 }, m)
                .unwrap()
                .len(),
            256
        );
        assert_eq!(piv_sign_input(KeyType::EcP256, m).unwrap().len(), 32);
        assert!(piv_sign_input(KeyType::EcP384, m).unwrap().len() <= 48);
    }

    #[test]
    fn the_cards_public_key_is_compared_with_the_certificates() {
        use crate::signer::software::SoftwareKey;
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/rolesanywhere-kat");
        let read = |p: &str| std::fs::read_to_string(format!("{dir}/{p}")).unwrap();
        let rsa = SoftwareKey::from_pem(
            &read("kat_rsa/rsa_cert.pem"),
            None,
            &read("kat_rsa/rsa_key.pem"),
        );
        let rsa = rsa.unwrap();
        let PublicKey::Rsa(k) = &rsa.leaf().public_key else {
            panic!("not RSA")
        };
        use rsa::pkcs1::EncodeRsaPublicKey;
        let raw = k.to_pkcs1_der().unwrap();
        assert_eq!(same_key(&rsa.leaf().public_key, raw.as_bytes()), Some(true));
        let p256 = p256::SecretKey::from_slice(&[7u8; 32])
            .unwrap()
            .public_key();
        use p256::elliptic_curve::sec1::ToEncodedPoint;
        let point = p256.to_encoded_point(false);
        assert_eq!(
            same_key(&PublicKey::P256(p256), point.as_bytes()),
            Some(true)
        );
        // Compressed points are the same key too.
        let compressed = p256.to_encoded_point(true);
        assert_eq!(
            same_key(&PublicKey::P256(p256), compressed.as_bytes()),
            Some(true)
        );
        let other = p256::SecretKey::from_slice(&[8u8; 32])
            .unwrap()
            .public_key();
        assert_eq!(
            same_key(&PublicKey::P256(other), point.as_bytes()),
            Some(false)
        );
        assert_eq!(same_key(&rsa.leaf().public_key, point.as_bytes()), None);
    }

    #[test]
    fn policies() {
        use PinPolicy as P;
        use TouchPolicy as T;
        let a = SlotId::Authentication;
        assert_eq!(needs(a, None), (PinNeed::Once, TouchNeed::Unknown));
        assert_eq!(needs(SlotId::Signature, None).0, PinNeed::Always);
        assert_eq!(needs(SlotId::CardAuthentication, None).0, PinNeed::Never);
        assert_eq!(
            needs(a, Some((P::Default, T::Default))),
            (PinNeed::Once, TouchNeed::No)
        );
        assert_eq!(
            needs(a, Some((P::Never, T::Always))),
            (PinNeed::Never, TouchNeed::Yes)
        );
        assert_eq!(
            needs(SlotId::Signature, Some((P::Default, T::Cached))),
            (PinNeed::Always, TouchNeed::Yes)
        );
    }

    /// A card with a PIN and a tries counter (3 at first, as a YubiKey).
    struct FakeCard {
        pin: &'static str,
        left: u8,
        verified: Vec<String>,
        retries_fail: bool,
    }

    impl FakeCard {
        fn new(left: u8) -> FakeCard {
            FakeCard {
                pin: "123456",
                left,
                verified: Vec::new(),
                retries_fail: false,
            }
        }
    }

    impl PinCard for FakeCard {
        fn pin_retries(&mut self) -> std::result::Result<u8, yubikey::Error> {
            if self.retries_fail {
                Err(yubikey::Error::GenericError)
            } else {
                Ok(self.left)
            }
        }
        fn verify_pin(&mut self, pin: &[u8]) -> std::result::Result<(), yubikey::Error> {
            self.verified.push(String::from_utf8(pin.to_vec()).unwrap());
            if self.left == 0 {
                return Err(yubikey::Error::WrongPin { tries: 0 });
            }
            if pin == self.pin.as_bytes() {
                self.left = 3;
                Ok(())
            } else {
                self.left -= 1;
                Err(yubikey::Error::WrongPin { tries: self.left })
            }
        }
    }

    const WHO: &str = "YubiKey 12345678";

    #[test]
    fn the_right_pin_at_once() {
        let mut card = FakeCard::new(3);
        let mut tty = Scripted::new(&[Some("123456")]);
        unlock(&mut card, PinFrom::Reader(&mut tty), WHO).unwrap();
        assert_eq!(tty.shown, ["vouch: PIN of YubiKey 12345678: "]);
        assert_eq!(card.verified, ["123456"]);
    }

    #[test]
    fn a_wrong_pin_then_the_right_one() {
        let mut card = FakeCard::new(3);
        let mut tty = Scripted::new(&[Some("654321"), Some("123456")]);
        unlock(&mut card, PinFrom::Reader(&mut tty), WHO).unwrap();
        assert_eq!(
            tty.shown,
            [
                "vouch: PIN of YubiKey 12345678: ",
                "vouch: wrong PIN (2 tries left)",
                "vouch: PIN of YubiKey 12345678 (2 tries left): ",
            ]
        );
        assert_eq!(card.left, 3);
    }

    #[test]
    fn the_last_try_is_never_spent_by_asking_again() {
        let mut card = FakeCard::new(3);
        let mut tty = Scripted::new(&[Some("000000"), Some("111111")]);
        let e = unlock(&mut card, PinFrom::Reader(&mut tty), WHO).unwrap_err();
        assert_eq!(e.code, ExitCode::NotAuthenticated);
        assert!(
            e.message
                .starts_with("wrong PIN for YubiKey 12345678, 1 try left: vouch stops here"),
            "{e}"
        );
        assert!(e.message.contains("ykman piv access unblock-pin"), "{e}");
        assert_eq!(card.left, 1, "one try kept");
        assert_eq!(card.verified.len(), 2);
    }

    #[test]
    fn a_run_that_starts_on_the_last_try_warns_and_may_use_it() {
        let mut card = FakeCard::new(1);
        let mut tty = Scripted::new(&[Some("123456")]);
        unlock(&mut card, PinFrom::Reader(&mut tty), WHO).unwrap();
        assert_eq!(
            tty.shown,
            ["vouch: PIN of YubiKey 12345678 (last try: a wrong PIN blocks it): "]
        );

        let mut card = FakeCard::new(1);
        let mut tty = Scripted::new(&[Some("000000")]);
        let e = unlock(&mut card, PinFrom::Reader(&mut tty), WHO).unwrap_err();
        assert!(
            e.message
                .starts_with("the PIN of YubiKey 12345678 is blocked"),
            "{e}"
        );
    }

    #[test]
    fn a_blocked_pin_is_not_asked_for() {
        let mut card = FakeCard::new(0);
        let mut tty = Scripted::new(&[]);
        let e = unlock(&mut card, PinFrom::Reader(&mut tty), WHO).unwrap_err();
        assert_eq!(e.code, ExitCode::NotAuthenticated);
        assert!(e.message.contains("is blocked after too many wrong PINs: unblock it with the PUK (`ykman piv access unblock-pin`)"), "{e}");
        assert!(tty.shown.is_empty());
        assert!(card.verified.is_empty());
    }

    #[test]
    fn pins_of_the_wrong_length_use_no_try() {
        let mut card = FakeCard::new(3);
        let mut tty = Scripted::new(&[Some(""), Some("12345"), Some("123456789"), Some("123456")]);
        unlock(&mut card, PinFrom::Reader(&mut tty), WHO).unwrap();
        assert_eq!(card.verified, ["123456"]);
        assert_eq!(
            tty.shown
                .iter()
                .filter(|s| s.contains("6 to 8 characters (no try was used)"))
                .count(),
            3
        );
    }

    #[test]
    fn end_of_input_or_endless_nonsense_stops() {
        let mut card = FakeCard::new(3);
        let mut tty = Scripted::new(&[None]);
        let e = unlock(&mut card, PinFrom::Reader(&mut tty), WHO).unwrap_err();
        assert_eq!(e.code, ExitCode::NotAuthenticated);
        assert_eq!(e.message, "no PIN given for YubiKey 12345678");

        let mut tty = Scripted::new(&[Some("1"); MAX_PROMPTS]);
        let e = unlock(&mut card, PinFrom::Reader(&mut tty), WHO).unwrap_err();
        assert!(e.message.starts_with("no PIN accepted"), "{e}");
        assert!(card.verified.is_empty());
    }

    #[test]
    fn unknown_tries_still_ask() {
        let mut card = FakeCard::new(3);
        card.retries_fail = true;
        let mut tty = Scripted::new(&[Some("123456")]);
        unlock(&mut card, PinFrom::Reader(&mut tty), WHO).unwrap();
    }

    #[test]
    fn a_pin_from_the_environment_is_tried_once() {
        let mut card = FakeCard::new(3);
        unlock(&mut card, PinFrom::Env(&Secret::new("123456")), WHO).unwrap();

        let mut card = FakeCard::new(3);
        let e = unlock(&mut card, PinFrom::Env(&Secret::new("999999")), WHO).unwrap_err();
        assert_eq!(e.code, ExitCode::NotAuthenticated);
        assert!(
            e.message
                .starts_with("VOUCH_PIN is not the PIN of YubiKey 12345678 (2 tries left"),
            "{e}"
        );
        assert_eq!(card.verified.len(), 1);

        let mut card = FakeCard::new(3);
        let e = unlock(&mut card, PinFrom::Env(&Secret::new("12")), WHO).unwrap_err();
        assert!(e.message.contains("was not asked"), "{e}");
        assert!(card.verified.is_empty());
    }

    #[test]
    fn the_environment_pin_needs_the_opt_in() {
        use crate::world::FakeWorld;
        let w = FakeWorld::new().var(ENV_PIN, "123456");
        assert!(env_pin(&w).unwrap().is_none());
        let w = FakeWorld::new()
            .var(ENV_PIN, "123456")
            .var(ENV_PIN_FROM_ENV, "1");
        assert_eq!(env_pin(&w).unwrap().unwrap().expose(), "123456");
        let w = FakeWorld::new().var(ENV_PIN_FROM_ENV, "1");
        assert_eq!(env_pin(&w).unwrap_err().code, ExitCode::Configuration);
    }

    #[test]
    fn waiting_for_the_key() {
        let quick = Duration::from_millis(1);
        // Found at the third look; told once to plug it in.
        let mut looks = 0;
        let mut told = Vec::new();
        let got = wait_for(
            Duration::from_secs(5),
            quick,
            || {
                looks += 1;
                if looks < 3 {
                    Probe::Absent(Vec::new())
                } else {
                    Probe::Found(7)
                }
            },
            |m| told.push(m.to_owned()),
        )
        .unwrap();
        assert_eq!(got, 7);
        assert_eq!(told, ["insert your YubiKey..."]);

        // Never found: exit 3 once the time is up, naming the readers.
        let start = Instant::now();
        let e = wait_for::<()>(
            Duration::from_millis(30),
            quick,
            || Probe::Absent(vec!["Some Reader 00 00".to_owned()]),
            |_| {},
        )
        .unwrap_err();
        assert!(start.elapsed() >= Duration::from_millis(30));
        assert_eq!(e.code, ExitCode::HardwareKeyNotFound);
        assert!(e.message.starts_with("no YubiKey found (waited 0 s) in the smart card readers \"Some Reader 00 00\": plug it in"), "{e}");

        // No wait: one look, no "insert" line.
        let mut told = 0;
        let e = wait_for::<()>(
            Duration::ZERO,
            quick,
            || Probe::Absent(vec![]),
            |_| told += 1,
        )
        .unwrap_err();
        assert!(e.message.starts_with("no YubiKey found: plug it in"), "{e}");
        assert_eq!(told, 0);

        // pcscd not running: at once, with how to start it.
        let start = Instant::now();
        let e = wait_for::<()>(Duration::from_secs(60), quick, || Probe::NoService, |_| {})
            .unwrap_err();
        assert!(start.elapsed() < Duration::from_secs(5));
        assert_eq!(e.code, ExitCode::HardwareKeyNotFound);
        assert!(e.message.contains("(pcscd)"), "{e}");
        assert!(
            e.message.contains("systemctl enable --now pcscd.socket"),
            "{e}"
        );

        // Held by another program until the end.
        let e =
            wait_for::<()>(Duration::from_millis(5), quick, || Probe::InUse, |_| {}).unwrap_err();
        assert_eq!(e.code, ExitCode::HardwareKeyNotFound);
        assert!(e.message.contains("gpgconf --kill scdaemon"), "{e}");
    }

    #[test]
    fn errors_without_a_pcsc_error() {
        assert!(matches!(
            probe_kind::<()>(&yubikey::Error::NotFound),
            Probe::Absent(_)
        ));
        assert!(matches!(
            probe_kind::<()>(&yubikey::Error::PcscError { inner: None }),
            Probe::Failed(_)
        ));
        let e = card_error(
            &yubikey::Error::GenericError,
            "signing with YubiKey 1 slot 9a",
        );
        assert_eq!(e.code, ExitCode::General);
        assert_eq!(
            e.message,
            "signing with YubiKey 1 slot 9a failed: generic error"
        );
    }

    /// Without a YubiKey (CI: pcscd maybe running, no reader), a look
    /// finds nothing or no service: never a key, never a panic.
    #[test]
    fn looking_without_a_key() {
        match probe_first_yubikey() {
            Probe::Found(yk) => crate::say!("a YubiKey is plugged in: {}", yk.serial()),
            Probe::Absent(_) | Probe::NoService | Probe::InUse => {}
            Probe::Failed(e) => panic!("unexpected PC/SC failure: {e}"),
        }
    }
}
