//! The session cache: temporary AWS credentials from `vouch login` (IAM
//! Roles Anywhere, web identity, an assumed role) kept until they end, so
//! `vouch exec` signs with them without another touch of the key.
//!
//! Where: `$XDG_RUNTIME_DIR/vouch/sessions/` (an absolute
//! `XDG_RUNTIME_DIR` only: a per-user tmpfs, gone at logout or reboot),
//! else `sessions/` in vouch's cache directory (`$XDG_CACHE_HOME/vouch`,
//! `~/.cache/vouch`). The directory is made private by
//! [`crate::ca::private_dir`]: 0700, this user's, not a symlink, under
//! ancestors nobody else can replace.
//!
//! Files, per [`CacheKey`] `K` (32 hex digits):
//! * `K.json`: the session, mode 0600, replaced only by `rename(2)` of a
//!   fully written and fsynced `.K.PID.tmp` in the same directory, so a
//!   reader sees the old file or the new one, never a part;
//! * `K.lock`: empty, 0600; `flock(2)`ed exclusively by whoever refreshes
//!   `K`. Lock files are never deleted (deleting one while another process
//!   waits on it would let a third one lock a new file at the same time).
//!
//! `K.json` (format version 1):
//! ```json
//! {"version":1,"key":"K","access_key_id":"ASIA...","secret_access_key":"...",
//!  "session_token":"...","expiration":"2024-05-01T13:00:00Z",
//!  "source":"IAM Roles Anywhere with YubiKey PIV slot 9a, role arn:...",
//!  "identity":"CN=alice","hardware_backed":true}
//! ```
//!
//! A file is used only if it is a regular file (opened with `O_NOFOLLOW`),
//! owned by this user, mode 0600 (nothing for group and others), at most
//! 64 KiB, valid JSON of version 1 with non-empty credentials, and names
//! its own key. Anything else is ignored with a warning
//! ([`Cache::take_warnings`]) and replaced at the next refresh; it is never
//! trusted.
//!
//! Concurrency: [`Cache::get_or_refresh`] reads without a lock first (the
//! common case: a valid session, no waiting); otherwise it takes `K.lock`,
//! reads again (another process may have refreshed meanwhile), and only
//! then refreshes, writes and unlocks. So N processes that find the session
//! expired at once produce one refresh; the others wait on the lock and
//! then find the new file. If the refresh fails the lock is released and
//! the error returned; a waiting process then tries its own refresh.
//!
//! Secrets: `Debug` of a [`Session`] prints `***` for them (they are
//! [`Secret`]s); no error message holds one.

use std::cell::RefCell;
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use nix::fcntl::{Flock, FlockArg};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::credentials::{expiry, Credentials, Secret};
use crate::error::{Error, Result};
use crate::world::World;

/// How much life a cached session must have left to be used.
pub const DEFAULT_SAFETY_WINDOW: Duration = Duration::from_secs(60);

/// The longest an AWS session lasts (a role's maximum session duration,
/// Roles Anywhere's `durationSeconds`, STS: 12 hours at most).
pub const MAX_SESSION_LIFE: Duration = Duration::from_secs(12 * 3600);

/// How far the server's clock may be ahead of this one before an
/// expiration past [`MAX_SESSION_LIFE`] is refused.
pub const CLOCK_SLACK: Duration = Duration::from_secs(5 * 60);

/// Characters a server-given text must not bring to a terminal or a file:
/// control characters (escape sequences, newlines), bidirectional
/// overrides, embeddings and isolates (U+202A-U+202E, U+2066-U+2069),
/// marks and invisible formatting characters (U+061C, U+200B-U+200F,
/// U+2028-U+2029, U+2060-U+206F, U+FEFF, U+FFF9-U+FFFB).
pub fn unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{FEFF}'
                | '\u{FFF9}'..='\u{FFFB}'
        )
}

/// `s` with every [`unsafe_char`] replaced by `?`: safe to print.
pub fn clean_text(s: &str) -> String {
    s.chars()
        .map(|c| if unsafe_char(c) { '?' } else { c })
        .collect()
}

/// The largest session file vouch reads.
const MAX_FILE: u64 = 64 * 1024;

const FORMAT_VERSION: u32 = 1;

/// Names one cached session: a hash of everything that decides which
/// identity it is (see [`crate::config::Config::cache_key`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CacheKey(String);

impl CacheKey {
    /// The first 128 bits of SHA-256 over the (name, value) pairs, each
    /// length-prefixed so that no two lists encode alike.
    pub fn from_parts(parts: &[(&str, &str)]) -> CacheKey {
        let mut h = Sha256::new();
        h.update(b"vouch-session-v1\0");
        for (k, v) in parts {
            for s in [k, v] {
                h.update((s.len() as u64).to_be_bytes());
                h.update(s.as_bytes());
            }
        }
        let digest = h.finalize();
        CacheKey(digest[..16].iter().map(|b| format!("{b:02x}")).collect())
    }

    /// A key as it appears in a file name (32 lowercase hex digits).
    pub fn from_hex(s: &str) -> Option<CacheKey> {
        (s.len() == 32
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
        .then(|| CacheKey(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CacheKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Cached temporary credentials and what they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// `expires_at` is always set (see [`Session::new`]).
    pub credentials: Credentials,
    /// Where they came from, for `vouch status` (no secret).
    pub source: String,
    /// Who they are: the certificate's subject, the role session ARN.
    pub identity: String,
    /// True when the signing key never left hardware (a YubiKey).
    pub hardware_backed: bool,
}

impl Session {
    /// A session to cache: the credentials must say when they expire.
    /// `source` and `identity` are cleaned ([`clean_text`]): they may come
    /// from a server (an ARN, a certificate's subject) and are printed.
    pub fn new(
        credentials: Credentials,
        source: impl Into<String>,
        identity: impl Into<String>,
        hardware_backed: bool,
    ) -> Result<Session> {
        let s = Session {
            credentials,
            source: clean_text(&source.into()),
            identity: clean_text(&identity.into()),
            hardware_backed,
        };
        s.check()?;
        Ok(s)
    }

    fn check(&self) -> Result<()> {
        let c = &self.credentials;
        if c.access_key_id.is_empty() || c.secret_access_key.expose().is_empty() {
            return Err(Error::auth(format!(
                "the session from {} has no access key",
                self.source
            )));
        }
        match c.expires_at {
            None => Err(Error::general(format!(
                "the credentials from {} have no expiration, so they cannot be cached as a session",
                self.source
            ))),
            Some(t) if expiry::parse(&expiry::format(t)).is_none() => Err(Error::general(format!(
                "the credentials from {} expire at an impossible time",
                self.source
            ))),
            Some(_) => Ok(()),
        }
    }

    /// When the credentials expire.
    pub fn expires_at(&self) -> SystemTime {
        self.credentials
            .expires_at
            .expect("a Session always has an expiration")
    }

    /// Usable at `now`: more than `window` of life left.
    pub fn valid_at(&self, now: SystemTime, window: Duration) -> bool {
        self.expires_at() > now + window
    }

    /// Whether the expiration is further from `now` than any AWS session
    /// lasts ([`MAX_SESSION_LIFE`] plus [`CLOCK_SLACK`]).
    fn too_long_at(&self, now: SystemTime) -> bool {
        self.expires_at() > now + MAX_SESSION_LIFE + CLOCK_SLACK
    }

    /// A session just obtained is fit to use and cache at `now`: it expires
    /// more than `window` from now (else exit 2), and no later than an AWS
    /// session can last (else exit 1: a broken or hostile endpoint, or a
    /// wrong clock).
    pub fn check_fresh(&self, now: SystemTime, window: Duration) -> Result<()> {
        let t = self.expires_at();
        if !self.valid_at(now, window) {
            return Err(Error::auth(format!(
                "the credentials from {} expire at {}, {} (less than {} s from now): check the clock and the profile's duration",
                self.source,
                expiry::format(t),
                if t <= now { "already past" } else { "too soon" },
                window.as_secs()
            )));
        }
        if self.too_long_at(now) {
            return Err(Error::general(format!(
                "the credentials from {} claim to be valid until {}, more than {} hours from now, longer than any AWS session lasts: refusing them; check the clock and the endpoint",
                self.source,
                expiry::format(t),
                MAX_SESSION_LIFE.as_secs() / 3600
            )));
        }
        Ok(())
    }
}

/// The file's JSON, borrowed for writing.
#[derive(Serialize)]
struct FileOut<'a> {
    version: u32,
    key: &'a str,
    access_key_id: &'a str,
    secret_access_key: &'a str,
    session_token: Option<&'a str>,
    expiration: String,
    source: &'a str,
    identity: &'a str,
    hardware_backed: bool,
}

/// The file's JSON, read. Secrets go into [`Secret`]s right after.
#[derive(Deserialize)]
struct FileIn {
    version: u32,
    key: String,
    access_key_id: String,
    secret_access_key: String,
    session_token: Option<String>,
    expiration: String,
    source: String,
    identity: String,
    hardware_backed: bool,
}

/// The session cache directory of this user (see the module documentation).
pub fn session_dir(world: &dyn World) -> Result<PathBuf> {
    if let Some(x) = runtime_session_dir(world) {
        return Ok(x);
    }
    Ok(crate::ca::cache_dir(world)?.join("sessions"))
}

fn runtime_session_dir(world: &dyn World) -> Option<PathBuf> {
    world
        .var("XDG_RUNTIME_DIR")
        .filter(|x| x.starts_with('/'))
        .map(|x| PathBuf::from(x).join("vouch").join("sessions"))
}

/// Every directory this user's sessions may be in, whatever the
/// environment was when they were written: [`session_dir`] first, then the
/// other one (the runtime directory's, the cache directory's) if known.
/// For `vouch logout`, which must find them all.
pub fn session_dirs(world: &dyn World) -> Result<Vec<PathBuf>> {
    let mut dirs = vec![session_dir(world)?];
    let others = [
        runtime_session_dir(world),
        crate::ca::cache_dir(world).ok().map(|d| d.join("sessions")),
    ];
    for d in others.into_iter().flatten() {
        if !dirs.contains(&d) {
            dirs.push(d);
        }
    }
    Ok(dirs)
}

/// The session cache (see the module documentation).
pub struct Cache {
    dir: PathBuf,
    warnings: RefCell<Vec<String>>,
}

impl fmt::Debug for Cache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cache").field("dir", &self.dir).finish()
    }
}

/// An I/O error as a vouch error (never with a secret: only paths).
fn io_err(what: String, e: std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::PermissionDenied {
        Error::denied(format!("{what}: {e}"))
    } else {
        Error::general(format!("{what}: {e}"))
    }
}

/// Why a session file was not used.
enum Rejected {
    /// No file: nothing to say.
    Missing,
    /// Present but not trusted: the warning.
    Bad(String),
}

impl Cache {
    /// The user's cache ([`session_dir`]), created private if need be.
    pub fn open(world: &dyn World) -> Result<Cache> {
        Cache::at(&session_dir(world)?)
    }

    /// A cache in `dir` (made private as [`crate::ca::private_dir`] does).
    pub fn at(dir: &Path) -> Result<Cache> {
        crate::ca::private_dir(dir)?;
        Ok(Cache {
            dir: dir.to_owned(),
            warnings: RefCell::new(Vec::new()),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// What was ignored since the last call (files not trusted), for the
    /// caller to print as warnings.
    pub fn take_warnings(&self) -> Vec<String> {
        std::mem::take(&mut self.warnings.borrow_mut())
    }

    fn warn(&self, msg: String) {
        let mut w = self.warnings.borrow_mut();
        if !w.contains(&msg) {
            w.push(msg);
        }
    }

    fn file(&self, key: &CacheKey) -> PathBuf {
        self.dir.join(format!("{key}.json"))
    }

    /// The session for `key` if cached and valid at `now` for more than
    /// `window`. No lock is taken: files are only ever replaced whole. A
    /// session said to last longer than any AWS session (written before
    /// vouch checked that, or with the clock set back since) is ignored
    /// with a warning.
    pub fn get(&self, key: &CacheKey, now: SystemTime, window: Duration) -> Option<Session> {
        let s = self.read(key)?;
        if s.too_long_at(now) {
            self.warn(format!(
                "ignoring the cached session {}: it claims to be valid until {}, longer than any AWS session lasts; it will be replaced at the next login",
                self.file(key).display(),
                expiry::format(s.expires_at())
            ));
            return None;
        }
        s.valid_at(now, window).then_some(s)
    }

    /// The cached session if valid, else a new one from `refresh`, cached.
    /// Of several processes doing this at once, one refreshes and the
    /// others wait for it and use its session (see the module
    /// documentation). `now` is when the caller asked; time spent waiting
    /// for the lock (and refreshing) is added to it before the second look
    /// (and before the new session is checked). A new session that fails
    /// [`Session::check_fresh`] is returned as an error, never cached.
    pub fn get_or_refresh(
        &self,
        key: &CacheKey,
        now: SystemTime,
        window: Duration,
        refresh: impl FnOnce() -> Result<Session>,
    ) -> Result<Session> {
        let started = Instant::now();
        if let Some(s) = self.get(key, now, window) {
            return Ok(s);
        }
        let _lock = self.lock(key)?;
        if let Some(s) = self.get(key, now + started.elapsed(), window) {
            return Ok(s);
        }
        let session = refresh()?;
        session.check()?;
        // A new session needs only the safety window: `window` may ask
        // more of a cached one (a token's lifetime) than a source's
        // shortest session can give.
        session.check_fresh(now + started.elapsed(), window.min(DEFAULT_SAFETY_WINDOW))?;
        self.write_locked(key, &session)?;
        Ok(session)
    }

    /// Caches `session` under `key` (taking the lock), replacing any other.
    /// Its expiry is not checked against the clock: a caller with a new
    /// session checks it with [`Session::check_fresh`] first.
    pub fn put(&self, key: &CacheKey, session: &Session) -> Result<()> {
        session.check()?;
        let _lock = self.lock(key)?;
        self.write_locked(key, session)
    }

    /// Every readable session (valid or expired), soonest expiry first;
    /// files not trusted are skipped with a warning.
    pub fn list(&self) -> Result<Vec<(CacheKey, Session)>> {
        let mut out = Vec::new();
        for name in self.names()? {
            if let Some(key) = name.strip_suffix(".json").and_then(CacheKey::from_hex) {
                if let Some(s) = self.read(&key) {
                    out.push((key, s));
                }
            }
        }
        out.sort_by_key(|(k, s)| (s.expires_at(), k.clone()));
        Ok(out)
    }

    /// `vouch logout`: every session file (and any leftover temporary file)
    /// is overwritten with zeros, synced, and unlinked, each under its
    /// key's lock so that no refresh writes it back meanwhile. Overwriting
    /// is best effort: journaling and copy-on-write file systems and SSDs
    /// may keep old blocks; the sessions' own expiry is the real limit.
    /// Returns how many sessions were removed.
    pub fn remove_all(&self) -> Result<usize> {
        let mut removed = 0;
        for name in self.names()? {
            if let Some(key) = name.strip_suffix(".json").and_then(CacheKey::from_hex) {
                let _lock = self.lock(&key)?;
                if self.wipe(&self.dir.join(&name))? {
                    removed += 1;
                }
            } else if name.starts_with('.') && name.ends_with(".tmp") {
                self.wipe(&self.dir.join(&name))?;
            }
        }
        Ok(removed)
    }

    /// Removes one session (as [`Cache::remove_all`] does); true if there
    /// was one.
    pub fn remove(&self, key: &CacheKey) -> Result<bool> {
        let _lock = self.lock(key)?;
        self.wipe(&self.file(key))
    }

    fn names(&self) -> Result<Vec<String>> {
        let rd = fs::read_dir(&self.dir)
            .map_err(|e| io_err(format!("cannot list {}", self.dir.display()), e))?;
        let mut names = Vec::new();
        for e in rd {
            let e = e.map_err(|e| io_err(format!("cannot list {}", self.dir.display()), e))?;
            if let Some(n) = e.file_name().to_str() {
                names.push(n.to_owned());
            }
        }
        names.sort();
        Ok(names)
    }

    /// Overwrites a regular file with zeros, syncs it, unlinks it. A
    /// symlink or other non-file is unlinked only. False if it was absent.
    fn wipe(&self, path: &Path) -> Result<bool> {
        let meta = match fs::symlink_metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(io_err(format!("cannot inspect {}", path.display()), e)),
        };
        if meta.is_file() {
            let overwrite = || -> std::io::Result<()> {
                let mut f = OpenOptions::new()
                    .write(true)
                    .custom_flags(nix::libc::O_NOFOLLOW)
                    .open(path)?;
                let zeros = [0u8; 4096];
                let mut left = f.metadata()?.len();
                while left > 0 {
                    let n = left.min(zeros.len() as u64) as usize;
                    f.write_all(&zeros[..n])?;
                    left -= n as u64;
                }
                f.sync_all()
            };
            if let Err(e) = overwrite() {
                self.warn(format!(
                    "could not overwrite {} before removing it: {e}",
                    path.display()
                ));
            }
        }
        match fs::remove_file(path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(io_err(format!("cannot remove {}", path.display()), e)),
        }
    }

    /// Takes `K.lock` exclusively, waiting as long as it takes (the holder
    /// may be waiting for a touch of the key); released on drop, and by the
    /// kernel if the holder dies.
    fn lock(&self, key: &CacheKey) -> Result<Flock<File>> {
        let path = self.dir.join(format!("{key}.lock"));
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .custom_flags(nix::libc::O_NOFOLLOW)
            .open(&path)
            .map_err(|e| io_err(format!("cannot open the lock file {}", path.display()), e))?;
        let meta = file
            .metadata()
            .map_err(|e| io_err(format!("cannot inspect {}", path.display()), e))?;
        if !meta.is_file() || meta.uid() != nix::unistd::geteuid().as_raw() {
            return Err(Error::denied(format!(
                "the lock file {} is not a file of yours; remove it",
                path.display()
            )));
        }
        loop {
            match Flock::lock(file, FlockArg::LockExclusive) {
                Ok(l) => return Ok(l),
                Err((f, nix::errno::Errno::EINTR)) => file = f,
                Err((_, e)) => {
                    return Err(io_err(
                        format!("cannot lock {}", path.display()),
                        std::io::Error::from(e),
                    ))
                }
            }
        }
    }

    /// Writes `K.json` atomically; the caller holds `K.lock`.
    fn write_locked(&self, key: &CacheKey, s: &Session) -> Result<()> {
        // Leftovers of writers that died holding this lock.
        for name in self.names()? {
            if name.starts_with(&format!(".{key}.")) && name.ends_with(".tmp") {
                let _ = fs::remove_file(self.dir.join(name));
            }
        }
        let c = &s.credentials;
        let mut json = serde_json::to_vec(&FileOut {
            version: FORMAT_VERSION,
            key: key.as_str(),
            access_key_id: &c.access_key_id,
            secret_access_key: c.secret_access_key.expose(),
            session_token: c.session_token.as_ref().map(Secret::expose),
            expiration: expiry::format(s.expires_at()),
            source: &s.source,
            identity: &s.identity,
            hardware_backed: s.hardware_backed,
        })
        .map_err(|e| Error::general(format!("cannot encode the session: {e}")))?;
        json.push(b'\n');
        let tmp = self.dir.join(format!(".{key}.{}.tmp", std::process::id()));
        let target = self.file(key);
        let result = (|| -> std::io::Result<()> {
            let mut f = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .custom_flags(nix::libc::O_NOFOLLOW)
                .open(&tmp)?;
            f.write_all(&json)?;
            f.sync_all()?;
            drop(f);
            fs::rename(&tmp, &target)?;
            File::open(&self.dir)?.sync_all()
        })();
        json.fill(0);
        std::hint::black_box(&json);
        result.map_err(|e| {
            let _ = fs::remove_file(&tmp);
            io_err(
                format!("cannot write the session to {}", target.display()),
                e,
            )
        })
    }

    /// Reads and checks `K.json`; `None` (with a warning if present but
    /// not trusted) otherwise.
    fn read(&self, key: &CacheKey) -> Option<Session> {
        let path = self.file(key);
        match self.read_checked(key, &path) {
            Ok(s) => Some(s),
            Err(Rejected::Missing) => None,
            Err(Rejected::Bad(why)) => {
                self.warn(format!(
                    "ignoring the cached session {}: {why}; it will be replaced at the next login",
                    path.display()
                ));
                None
            }
        }
    }

    fn read_checked(&self, key: &CacheKey, path: &Path) -> std::result::Result<Session, Rejected> {
        let bad = |m: &str| Rejected::Bad(m.to_owned());
        let mut f = match OpenOptions::new()
            .read(true)
            .custom_flags(nix::libc::O_NOFOLLOW | nix::libc::O_NONBLOCK)
            .open(path)
        {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Rejected::Missing),
            Err(e) if e.raw_os_error() == Some(nix::libc::ELOOP) => {
                return Err(bad("it is a symbolic link"))
            }
            Err(e) => return Err(Rejected::Bad(format!("cannot open it: {e}"))),
        };
        let meta = f
            .metadata()
            .map_err(|e| Rejected::Bad(format!("cannot inspect it: {e}")))?;
        if !meta.is_file() {
            return Err(bad("it is not a regular file"));
        }
        if meta.uid() != nix::unistd::geteuid().as_raw() {
            return Err(bad("it belongs to another user"));
        }
        if meta.mode() & 0o077 != 0 {
            return Err(Rejected::Bad(format!(
                "its mode is {:o}, not 600",
                meta.mode() & 0o777
            )));
        }
        if meta.len() > MAX_FILE {
            return Err(bad("it is too large"));
        }
        let mut buf = Vec::with_capacity(meta.len() as usize + 1);
        let read = (&mut f).take(MAX_FILE + 1).read_to_end(&mut buf);
        let parsed = match read {
            Ok(_) => serde_json::from_slice::<FileIn>(&buf).map_err(|e| {
                // serde_json's message gives a position, never the content.
                Rejected::Bad(format!("it is not a vouch session file ({e})"))
            }),
            Err(e) => Err(Rejected::Bad(format!("cannot read it: {e}"))),
        };
        buf.fill(0);
        std::hint::black_box(&buf);
        let raw = parsed?;
        // From here on the secrets live in Secrets (zeroed on drop).
        let secret = Secret::new(raw.secret_access_key);
        let token = raw.session_token.map(Secret::new);
        if raw.version != FORMAT_VERSION {
            return Err(Rejected::Bad(format!(
                "it is format version {}, this vouch reads {FORMAT_VERSION}",
                raw.version
            )));
        }
        if raw.key != key.as_str() {
            return Err(bad("it names another key (copied or renamed?)"));
        }
        let expires_at = expiry::parse(&raw.expiration)
            .ok_or_else(|| bad("its expiration is not a date-time"))?;
        let session = Session {
            credentials: Credentials {
                access_key_id: raw.access_key_id,
                secret_access_key: secret,
                session_token: token,
                expires_at: Some(expires_at),
            },
            source: clean_text(&raw.source),
            identity: clean_text(&raw.identity),
            hardware_backed: raw.hardware_backed,
        };
        session
            .check()
            .map_err(|_| bad("it holds incomplete credentials"))?;
        Ok(session)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::FakeWorld;
    use std::os::unix::fs::PermissionsExt;
    use std::time::UNIX_EPOCH;

    fn now() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_714_564_800) // 2024-05-01T12:00:00Z
    }

    fn session(akid: &str, life: u64) -> Session {
        Session::new(
            Credentials {
                access_key_id: akid.into(),
                secret_access_key: Secret::new(format!("secret-of-{akid}")),
                session_token: Some(Secret::new(format!("token-of-{akid}"))),
                expires_at: Some(now() + Duration::from_secs(life)),
            },
            "IAM Roles Anywhere with YubiKey PIV slot 9a",
            "CN=alice",
            true,
        )
        .unwrap()
    }

    fn key(n: &str) -> CacheKey {
        CacheKey::from_parts(&[("role_arn", n)])
    }

    fn cache() -> (tempfile::TempDir, Cache) {
        let d = tempfile::tempdir().unwrap();
        let c = Cache::at(&d.path().join("vouch/sessions")).unwrap();
        (d, c)
    }

    fn mode(p: &Path) -> u32 {
        fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn where_sessions_live() {
        let w = FakeWorld::new()
            .var("HOME", "/home/u")
            .var("XDG_RUNTIME_DIR", "/run/user/1000");
        assert_eq!(
            session_dir(&w).unwrap(),
            PathBuf::from("/run/user/1000/vouch/sessions")
        );
        let w = FakeWorld::new()
            .var("HOME", "/home/u")
            .var("XDG_RUNTIME_DIR", "run");
        assert_eq!(
            session_dir(&w).unwrap(),
            PathBuf::from("/home/u/.cache/vouch/sessions")
        );
        let d = tempfile::tempdir().unwrap();
        let w = FakeWorld::new().var("XDG_RUNTIME_DIR", d.path().to_str().unwrap());
        let c = Cache::open(&w).unwrap();
        assert_eq!(c.dir(), d.path().join("vouch/sessions"));
        assert_eq!(mode(c.dir()), 0o700);
        assert_eq!(mode(&d.path().join("vouch")), 0o700);
    }

    #[test]
    fn keys() {
        assert_eq!(key("a"), key("a"));
        assert_ne!(key("a"), key("b"));
        // length-prefixed: no ambiguity from moving text between parts
        assert_ne!(
            CacheKey::from_parts(&[("ab", "c")]),
            CacheKey::from_parts(&[("a", "bc")])
        );
        assert_eq!(CacheKey::from_hex(key("a").as_str()), Some(key("a")));
        assert_eq!(CacheKey::from_hex("../../etc/passwd"), None);
        assert_eq!(CacheKey::from_hex(&"A".repeat(32)), None);
    }

    #[test]
    fn round_trip_private_file() {
        let (_d, c) = cache();
        let k = key("a");
        assert!(c.get(&k, now(), DEFAULT_SAFETY_WINDOW).is_none());
        c.put(&k, &session("ASIAONE", 3600)).unwrap();
        let file = c.dir().join(format!("{k}.json"));
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(&c.dir().join(format!("{k}.lock"))), 0o600);
        let json: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(&file).unwrap()).unwrap();
        assert_eq!(json["version"], 1);
        assert_eq!(json["key"], k.as_str());
        assert_eq!(json["access_key_id"], "ASIAONE");
        assert_eq!(json["secret_access_key"], "secret-of-ASIAONE");
        assert_eq!(json["session_token"], "token-of-ASIAONE");
        assert_eq!(json["expiration"], "2024-05-01T13:00:00Z");
        assert_eq!(json["identity"], "CN=alice");
        assert_eq!(json["hardware_backed"], true);
        let got = c.get(&k, now(), DEFAULT_SAFETY_WINDOW).unwrap();
        assert_eq!(got, session("ASIAONE", 3600));
        assert!(c.take_warnings().is_empty());
        // no temporary file is left
        let names = c.names().unwrap();
        assert_eq!(names.len(), 2, "{names:?}");
    }

    #[test]
    fn the_safety_window() {
        let (_d, c) = cache();
        let k = key("a");
        c.put(&k, &session("ASIA", 100)).unwrap();
        assert!(c.get(&k, now(), Duration::from_secs(60)).is_some());
        assert!(c.get(&k, now(), Duration::from_secs(99)).is_some());
        assert!(c.get(&k, now(), Duration::from_secs(100)).is_none());
        assert!(c
            .get(&k, now() + Duration::from_secs(41), Duration::from_secs(60))
            .is_none());
    }

    #[test]
    fn refresh_only_when_needed() {
        let (_d, c) = cache();
        let k = key("a");
        let mut calls = 0;
        let s = c
            .get_or_refresh(&k, now(), DEFAULT_SAFETY_WINDOW, || {
                calls += 1;
                Ok(session("ASIAFIRST", 3600))
            })
            .unwrap();
        assert_eq!(s.credentials.access_key_id, "ASIAFIRST");
        let s = c
            .get_or_refresh(&k, now(), DEFAULT_SAFETY_WINDOW, || {
                panic!("must not refresh a valid session")
            })
            .unwrap();
        assert_eq!(s.credentials.access_key_id, "ASIAFIRST");
        assert_eq!(calls, 1);
        // near its end: refreshed
        let later = now() + Duration::from_secs(3600 - 30);
        let s = c
            .get_or_refresh(&k, later, DEFAULT_SAFETY_WINDOW, || {
                Ok(session("ASIASECOND", 7200))
            })
            .unwrap();
        assert_eq!(s.credentials.access_key_id, "ASIASECOND");
        // other keys are separate
        assert!(c.get(&key("b"), now(), DEFAULT_SAFETY_WINDOW).is_none());
    }

    #[test]
    fn a_failed_refresh_writes_nothing_and_leaks_nothing() {
        let (_d, c) = cache();
        let k = key("a");
        let e = c
            .get_or_refresh(&k, now(), DEFAULT_SAFETY_WINDOW, || {
                Err(Error::auth("the key was not touched"))
            })
            .unwrap_err();
        assert_eq!(e.message, "the key was not touched");
        assert!(!c.dir().join(format!("{k}.json")).exists());
        // credentials without an expiration cannot be a session
        let creds = Credentials {
            access_key_id: "AKIA".into(),
            secret_access_key: Secret::new("hunter2"),
            session_token: None,
            expires_at: None,
        };
        let e = Session::new(creds.clone(), "static keys", "", false).unwrap_err();
        assert!(e.message.contains("no expiration"), "{e}");
        assert!(!e.message.contains("hunter2"));
        let s = Session {
            credentials: creds,
            source: "x".into(),
            identity: String::new(),
            hardware_backed: false,
        };
        let e = c
            .get_or_refresh(&k, now(), DEFAULT_SAFETY_WINDOW, || Ok(s.clone()))
            .unwrap_err();
        assert!(!e.message.contains("hunter2"));
        assert!(!format!("{s:?} {c:?}").contains("hunter2"));
    }

    #[test]
    fn untrusted_files_are_ignored_with_a_warning_and_replaced() {
        let (_d, c) = cache();
        let k = key("a");
        let file = c.dir().join(format!("{k}.json"));
        let check = |what: &str| {
            assert!(c.get(&k, now(), DEFAULT_SAFETY_WINDOW).is_none(), "{what}");
            let w = c.take_warnings();
            assert_eq!(w.len(), 1, "{what}: {w:?}");
            assert!(w[0].contains(what), "{w:?}");
            assert!(!w[0].contains("secret-of"), "{w:?}");
        };
        // readable by others
        c.put(&k, &session("ASIA", 3600)).unwrap();
        fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).unwrap();
        check("its mode is 644, not 600");
        // someone else's (testable as root only)
        if nix::unistd::geteuid().is_root() {
            c.put(&k, &session("ASIA", 3600)).unwrap();
            std::os::unix::fs::chown(&file, Some(65534), None).unwrap();
            check("it belongs to another user");
        }
        // torn or garbage
        let good = {
            c.put(&k, &session("ASIA", 3600)).unwrap();
            fs::read(&file).unwrap()
        };
        fs::write(&file, &good[..good.len() / 2]).unwrap();
        check("not a vouch session file");
        // another key's file copied over
        c.put(&key("b"), &session("ASIAB", 3600)).unwrap();
        fs::copy(c.dir().join(format!("{}.json", key("b"))), &file).unwrap();
        check("names another key");
        // a symlink to a valid session
        fs::remove_file(&file).unwrap();
        std::os::unix::fs::symlink(c.dir().join(format!("{}.json", key("b"))), &file).unwrap();
        check("symbolic link");
        // a directory
        fs::remove_file(&file).unwrap();
        fs::create_dir(&file).unwrap();
        assert!(c.get(&k, now(), DEFAULT_SAFETY_WINDOW).is_none());
        assert_eq!(c.take_warnings().len(), 1);
        fs::remove_dir(&file).unwrap();
        // another format version
        let text = String::from_utf8(good.clone())
            .unwrap()
            .replace("\"version\":1", "\"version\":2");
        fs::write(&file, text).unwrap();
        fs::set_permissions(&file, fs::Permissions::from_mode(0o600)).unwrap();
        check("format version 2");
        // and the next refresh replaces it
        let s = c
            .get_or_refresh(&k, now(), DEFAULT_SAFETY_WINDOW, || {
                Ok(session("ASIANEW", 3600))
            })
            .unwrap();
        assert_eq!(s.credentials.access_key_id, "ASIANEW");
        assert_eq!(c.get(&k, now(), DEFAULT_SAFETY_WINDOW).unwrap(), s);
        c.take_warnings();
    }

    #[test]
    fn list_and_remove_all() {
        let (_d, c) = cache();
        c.put(&key("late"), &session("ASIALATE", 7200)).unwrap();
        c.put(&key("soon"), &session("ASIASOON", 600)).unwrap();
        c.put(&key("gone"), &session("ASIAGONE", 1)).unwrap();
        fs::write(c.dir().join("unrelated.txt"), "x").unwrap();
        // a leftover temporary file of a killed writer
        let tmp = c.dir().join(format!(".{}.999999.tmp", key("late")));
        fs::write(&tmp, "{\"version\":1,\"secret_access_key\":\"half").unwrap();
        let l = c.list().unwrap();
        let ids: Vec<&str> = l
            .iter()
            .map(|(_, s)| s.credentials.access_key_id.as_str())
            .collect();
        assert_eq!(ids, ["ASIAGONE", "ASIASOON", "ASIALATE"]);
        assert_eq!(l[0].0, key("gone"));
        assert_eq!(c.remove_all().unwrap(), 3);
        assert!(c.list().unwrap().is_empty());
        assert!(!tmp.exists());
        let mut left = c.names().unwrap();
        left.retain(|n| !n.ends_with(".lock"));
        assert_eq!(left, ["unrelated.txt"]);
        assert_eq!(c.remove_all().unwrap(), 0);
        c.put(&key("x"), &session("ASIAX", 600)).unwrap();
        assert!(c.remove(&key("x")).unwrap());
        assert!(!c.remove(&key("x")).unwrap());
    }

    #[test]
    fn a_writers_leftover_is_cleaned_by_the_next_write() {
        let (_d, c) = cache();
        let k = key("a");
        let tmp = c.dir().join(format!(".{k}.12345.tmp"));
        fs::write(&tmp, "{\"version\":1,").unwrap();
        assert!(c.get(&k, now(), DEFAULT_SAFETY_WINDOW).is_none());
        assert!(
            c.take_warnings().is_empty(),
            "a temporary file is never read"
        );
        c.put(&k, &session("ASIA", 3600)).unwrap();
        assert!(!tmp.exists());
    }

    #[test]
    fn a_new_session_must_be_fresh_and_no_longer_than_aws_allows() {
        let w = DEFAULT_SAFETY_WINDOW;
        assert!(session("ASIA", 3600).check_fresh(now(), w).is_ok());
        assert!(session("ASIA", 12 * 3600).check_fresh(now(), w).is_ok());
        // a little skew between the server's clock and ours is fine
        assert!(session("ASIA", 12 * 3600 + 60)
            .check_fresh(now(), w)
            .is_ok());
        // expired
        let mut old = session("ASIA", 1);
        old.credentials.expires_at = Some(now() - Duration::from_secs(3600));
        let e = old.check_fresh(now(), w).unwrap_err();
        assert_eq!(e.code, crate::error::ExitCode::NotAuthenticated);
        assert!(e.message.contains("already past"), "{e}");
        assert!(e.message.contains("2024-05-01T11:00:00Z"), "{e}");
        assert!(e.message.contains("IAM Roles Anywhere"), "{e}");
        assert!(e.message.contains("check the clock"), "{e}");
        // within the safety window
        let e = session("ASIA", 30).check_fresh(now(), w).unwrap_err();
        assert_eq!(e.code, crate::error::ExitCode::NotAuthenticated);
        assert!(e.message.contains("too soon"), "{e}");
        let e = session("ASIA", 60).check_fresh(now(), w).unwrap_err();
        assert!(e.message.contains("too soon"), "{e}");
        // absurdly far away
        for life in [12 * 3600 + 3600, 6 * 365 * 86400] {
            let e = session("ASIA", life).check_fresh(now(), w).unwrap_err();
            assert_eq!(e.code, crate::error::ExitCode::General);
            assert!(e.message.contains("longer than any AWS session"), "{e}");
            assert!(!e.message.contains("secret-of"), "{e}");
        }
    }

    #[test]
    fn a_stale_or_absurd_refresh_is_refused_and_not_cached() {
        let (_d, c) = cache();
        let k = key("a");
        let file = c.dir().join(format!("{k}.json"));
        let mut old = session("ASIAOLD", 1);
        old.credentials.expires_at = Some(UNIX_EPOCH + Duration::from_secs(978_307_200)); // 2001
        for (bad, code) in [
            (old, crate::error::ExitCode::NotAuthenticated),
            (
                session("ASIASOON", 59),
                crate::error::ExitCode::NotAuthenticated,
            ),
            (
                session("ASIAFAR", 5 * 365 * 86400),
                crate::error::ExitCode::General,
            ),
        ] {
            let e = c
                .get_or_refresh(&k, now(), DEFAULT_SAFETY_WINDOW, || Ok(bad.clone()))
                .unwrap_err();
            assert_eq!(e.code, code, "{e}");
            assert!(!file.exists(), "{e}");
        }
        // a cached one that claims too long a life is not used
        c.put(&k, &session("ASIAFAR", 5 * 365 * 86400)).unwrap();
        assert!(c.get(&k, now(), DEFAULT_SAFETY_WINDOW).is_none());
        let w = c.take_warnings();
        assert!(
            w.len() == 1 && w[0].contains("longer than any AWS session"),
            "{w:?}"
        );
        let s = c
            .get_or_refresh(&k, now(), DEFAULT_SAFETY_WINDOW, || {
                Ok(session("ASIAGOOD", 3600))
            })
            .unwrap();
        assert_eq!(s.credentials.access_key_id, "ASIAGOOD");
        c.take_warnings();
    }

    #[test]
    fn identity_text_is_cleaned_before_it_is_kept() {
        let dirty =
            "\u{1b}]0;pwned\u{7}CN=al\u{202E}ecil\u{2066}x\u{2069}\n\u{1b}[2Jy\u{200F}z\u{2028}";
        assert_eq!(clean_text(dirty), "?]0;pwned?CN=al?ecil?x???[2Jy?z?");
        assert_eq!(
            clean_text("CN=Zoë Ω as arn:aws:sts::1:assumed-role/R/s"),
            "CN=Zoë Ω as arn:aws:sts::1:assumed-role/R/s"
        );
        for c in [
            '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}',
            '\u{2068}', '\u{2069}', '\r', '\t', '\u{85}', '\u{9b}',
        ] {
            assert!(unsafe_char(c), "{c:?}");
        }
        let s = Session::new(
            session("ASIA", 3600).credentials,
            "source \u{1b}[31mred",
            dirty,
            false,
        )
        .unwrap();
        assert!(!s.identity.chars().any(unsafe_char), "{:?}", s.identity);
        assert!(!s.source.chars().any(unsafe_char), "{:?}", s.source);
        assert_eq!(s.source, "source ?[31mred");
        // and a file written with such text (by an older vouch) is cleaned on reading
        let (_d, c) = cache();
        let k = key("a");
        let mut raw = s.clone();
        raw.identity = dirty.into();
        c.put(&k, &raw).unwrap();
        let got = c.get(&k, now(), DEFAULT_SAFETY_WINDOW).unwrap();
        assert_eq!(got.identity, s.identity);
    }

    #[test]
    fn logout_knows_every_place_sessions_may_be() {
        let w = FakeWorld::new()
            .var("HOME", "/home/u")
            .var("XDG_RUNTIME_DIR", "/run/user/1000");
        assert_eq!(
            session_dirs(&w).unwrap(),
            [
                PathBuf::from("/run/user/1000/vouch/sessions"),
                PathBuf::from("/home/u/.cache/vouch/sessions")
            ]
        );
        let w = FakeWorld::new()
            .var("HOME", "/home/u")
            .var("XDG_CACHE_HOME", "/c");
        assert_eq!(
            session_dirs(&w).unwrap(),
            [PathBuf::from("/c/vouch/sessions")]
        );
        // no home: the runtime directory only
        let w = FakeWorld::new().var("XDG_RUNTIME_DIR", "/run/user/1000");
        assert_eq!(
            session_dirs(&w).unwrap(),
            [PathBuf::from("/run/user/1000/vouch/sessions")]
        );
    }

    #[test]
    fn an_open_cache_directory_is_made_private() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().join("s");
        fs::create_dir(&dir).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
        Cache::at(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        let link = d.path().join("link");
        std::os::unix::fs::symlink(&dir, &link).unwrap();
        assert!(Cache::at(&link).is_err());
    }
}
