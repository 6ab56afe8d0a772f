//! vouch's configuration file: where `vouch login` gets AWS credentials.
//!
//! The file is `$VOUCH_CONFIG` if set, else `$XDG_CONFIG_HOME/vouch/config.toml`
//! (an absolute `XDG_CONFIG_HOME` only), else `~/.config/vouch/config.toml`.
//! A missing file at the default place is not an error: vouch then uses the
//! standard AWS credential chain, as it always has. A missing `$VOUCH_CONFIG`
//! is an error (exit 6).
//!
//! ```toml
//! # which section to use: aws-profile (the default), yubikey, software-key,
//! # web-identity. The other sections may stay in the file, unused (they are
//! # still checked), so switching is one word or VOUCH_SOURCE.
//! source = "yubikey"
//!
//! [aws-profile]                       # the standard AWS chain
//! profile = "dev"                     # optional; else AWS_PROFILE, then "default"
//!
//! [yubikey]                           # IAM Roles Anywhere, key in a PIV slot
//! slot = "9a"                         # default 9a; 9c, 9d, 9e, 82..95 also
//! trust_anchor_arn = "arn:aws:rolesanywhere:eu-west-1:111122223333:trust-anchor/..."
//! profile_arn = "arn:aws:rolesanywhere:eu-west-1:111122223333:profile/..."
//! role_arn = "arn:aws:iam::111122223333:role/db-login"
//! region = "eu-west-1"                # optional: the trust anchor's region
//! duration = "1h"                     # seconds or 15m..12h ("1h30m"); default 1h
//! chain = "~/.config/vouch/chain.pem" # optional intermediate certificates
//! # endpoint = "https://127.0.0.1:8443"  and  ca_bundle = "ca.pem": for tests
//!
//! [software-key]                      # IAM Roles Anywhere, key in a file
//! certificate = "~/.config/vouch/cert.pem"  # NOT hardware-backed
//! private_key = "~/.config/vouch/key.pem"
//! # then the same keys as [yubikey] except slot
//!
//! [web-identity]                      # STS AssumeRoleWithWebIdentity
//! role_arn = "arn:aws:iam::111122223333:role/ci"
//! token_file = "/var/run/secrets/token"     # or token_command = "..." (one of them)
//! session_name = "ci"                 # optional
//! # region, duration: optional
//!
//! [assume-role]                       # optional: then sts:AssumeRole with those
//! role_arn = "arn:aws:iam::444455556666:role/db"
//! session_name = "alice"              # optional
//! source_identity = "certificate-cn"  # or "login-user", "none" (default), { value = "alice" }
//! external_id = "..."                 # optional
//! duration = "1h"                     # 15m..12h; at most 1h after a role session (AWS's role-chaining limit)
//! ```
//!
//! Keys are snake_case, tables are named after their source. Unknown tables
//! and keys are errors, reported as `FILE:LINE:COLUMN: message`. Paths may
//! start with `~/` (the home directory); relative paths are relative to the
//! file's directory.
//!
//! Precedence: command-line flags > environment variables > the file >
//! defaults. [`Overrides`] carries the first two (the CLI fills one from its
//! flags and [`Overrides::from_env`] reads the few `VOUCH_*` variables, see
//! there); [`resolve`] merges them with the parsed [`ConfigFile`].
//!
//! Permissions (refused with exit 5, naming the file and `chmod 600`): the
//! file may be read only by its owner when it holds a secret; it must not
//! be writable by group or others in any case, nor owned by another user
//! (root is fine), and neither may any directory above it (a sticky
//! directory like /tmp excepted, as others cannot replace the user's
//! entries in it), since whoever can change the file chooses the endpoint
//! vouch sends signed requests to and the command it runs. The checks apply
//! to the file's real location: the path is resolved first (a symbolic
//! link, say into a dotfiles repository, is fine, but the directories
//! checked are those it leads to; a relative `VOUCH_CONFIG` is taken from
//! the working directory), and the file is opened once, its owner and mode
//! taken from the open file and its text read from it (see [`load`]).
//! Relative paths in the file are relative to that real directory.
//!
//! Endpoints (`endpoint`) must be `https://` URLs, a local test endpoint
//! too (with `ca_bundle` for its certificate): vouch speaks only TLS.
//! What counts as a secret: `token_command` (a command line often carries a
//! bearer token or a password). Paths (to a private key, a token file) and
//! ARNs are not secrets: the files they name guard themselves, and ARNs
//! appear in CloudTrail and error messages anyway; `external_id` is by
//! AWS's definition not a secret either.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use toml::Spanned;

use crate::credentials::Secret;
use crate::error::{Error, Result};
use crate::session::CacheKey;
use crate::world::World;

/// The configuration file's path (overrides the XDG location).
pub const ENV_CONFIG: &str = "VOUCH_CONFIG";
/// The credential source: `aws-profile`, `yubikey`, `software-key`,
/// `web-identity` (flag: `--source`).
pub const ENV_SOURCE: &str = "VOUCH_SOURCE";
/// The IAM Roles Anywhere trust anchor ARN.
pub const ENV_TRUST_ANCHOR_ARN: &str = "VOUCH_TRUST_ANCHOR_ARN";
/// The IAM Roles Anywhere profile ARN.
pub const ENV_PROFILE_ARN: &str = "VOUCH_PROFILE_ARN";
/// The role that the source's session is for (Roles Anywhere or web identity).
pub const ENV_ROLE_ARN: &str = "VOUCH_ROLE_ARN";
/// The role to assume afterwards; empty turns off the file's `[assume-role]`.
pub const ENV_ASSUME_ROLE_ARN: &str = "VOUCH_ASSUME_ROLE_ARN";

/// Roles Anywhere and STS session limits (`durationSeconds`, `DurationSeconds`).
pub const MIN_DURATION: Duration = Duration::from_secs(15 * 60);
pub const MAX_DURATION: Duration = Duration::from_secs(12 * 3600);
pub const DEFAULT_DURATION: Duration = Duration::from_secs(3600);
/// AWS's limit for AssumeRole with credentials that are themselves a role
/// session ("role chaining").
pub const MAX_CHAINED_DURATION: Duration = Duration::from_secs(3600);

// ---------------------------------------------------------------------------
// The resolved configuration.

/// Which kind of credential source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    AwsProfile,
    YubiKey,
    SoftwareKey,
    WebIdentity,
}

impl SourceKind {
    pub const ALL: [SourceKind; 4] = [
        SourceKind::AwsProfile,
        SourceKind::YubiKey,
        SourceKind::SoftwareKey,
        SourceKind::WebIdentity,
    ];

    /// The name in the file, `VOUCH_SOURCE` and `--source`.
    pub fn name(self) -> &'static str {
        match self {
            SourceKind::AwsProfile => "aws-profile",
            SourceKind::YubiKey => "yubikey",
            SourceKind::SoftwareKey => "software-key",
            SourceKind::WebIdentity => "web-identity",
        }
    }

    /// Parses a name; the error lists the valid ones.
    pub fn parse(name: &str) -> std::result::Result<SourceKind, String> {
        Self::ALL
            .into_iter()
            .find(|k| k.name() == name.trim())
            .ok_or_else(|| {
                format!(
                    "unknown credential source \"{name}\"; expected one of aws-profile, yubikey, software-key, web-identity"
                )
            })
    }
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A YubiKey PIV slot, by its number (0x9a, 0x9c, 0x9d, 0x9e, 0x82..=0x95).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PivSlot(pub u8);

impl PivSlot {
    pub const AUTHENTICATION: PivSlot = PivSlot(0x9a);

    pub fn parse(text: &str) -> std::result::Result<PivSlot, String> {
        let t = text.trim().to_ascii_lowercase();
        let t = t.strip_prefix("0x").unwrap_or(&t);
        match u8::from_str_radix(t, 16) {
            Ok(n) if matches!(n, 0x9a | 0x9c | 0x9d | 0x9e | 0x82..=0x95) => Ok(PivSlot(n)),
            _ => Err(format!(
                "\"{text}\" is not a PIV slot with a key; expected 9a (authentication, the usual one), 9c, 9d, 9e or a retired slot 82..95"
            )),
        }
    }
}

impl fmt::Display for PivSlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02x}", self.0)
    }
}

/// Where the Roles Anywhere signing key lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyStore {
    /// A PIV slot of a YubiKey; the certificate is read from the same slot.
    YubiKey { slot: PivSlot },
    /// PEM files on disk: not hardware-backed.
    SoftwareKey {
        certificate: PathBuf,
        private_key: PathBuf,
    },
}

/// IAM Roles Anywhere `CreateSession` settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolesAnywhere {
    pub key: KeyStore,
    pub trust_anchor_arn: String,
    pub profile_arn: String,
    pub role_arn: String,
    /// The region of the trust anchor (checked to agree with the ARNs).
    pub region: String,
    pub duration: Duration,
    /// Intermediate certificates (PEM) sent along with the leaf.
    pub chain: Option<PathBuf>,
    /// Another endpoint than `https://rolesanywhere.REGION.amazonaws.com`
    /// (tests).
    pub endpoint: Option<String>,
    /// Root certificates (PEM) for `endpoint`.
    pub ca_bundle: Option<PathBuf>,
}

/// Where a web identity token comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    /// A file holding the token (re-read at each refresh).
    File(PathBuf),
    /// A shell command line whose standard output is the token. Kept as a
    /// [`Secret`]: command lines often carry credentials.
    Command(Secret),
}

/// STS `AssumeRoleWithWebIdentity` settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebIdentity {
    pub role_arn: String,
    pub token: TokenSource,
    pub session_name: Option<String>,
    pub region: Option<String>,
    pub duration: Duration,
}

/// Where the AssumeRole `SourceIdentity` comes from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum SourceIdentity {
    /// None is set (the default).
    #[default]
    None,
    /// The X.509 certificate's subject CN (Roles Anywhere sources only).
    CertificateCn,
    /// The operating-system user name.
    LoginUser,
    /// This literal value.
    Value(String),
}

impl SourceIdentity {
    /// The value to send, given the certificate's CN and the login user,
    /// checked against STS's rules (2 to 64 of `A-Za-z0-9_+=,.@-`).
    pub fn value(&self, cn: Option<&str>, login_user: Option<&str>) -> Result<Option<String>> {
        let (v, what) = match self {
            SourceIdentity::None => return Ok(None),
            SourceIdentity::CertificateCn => (
                cn.ok_or_else(|| {
                    Error::config(
                        "source_identity = \"certificate-cn\", but the certificate's subject has no CN",
                    )
                })?,
                "the certificate's subject CN",
            ),
            SourceIdentity::LoginUser => (
                login_user.ok_or_else(|| {
                    Error::config(
                        "source_identity = \"login-user\", but the login user name is unknown",
                    )
                })?,
                "the login user name",
            ),
            SourceIdentity::Value(v) => (v.as_str(), "source_identity"),
        };
        check_sts_name(v, 2, 64, "")
            .map_err(|m| Error::config(format!("{what} cannot be the SourceIdentity: {m}")))?;
        Ok(Some(v.to_owned()))
    }
}

/// STS `AssumeRole` after the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumeRole {
    pub role_arn: String,
    pub session_name: Option<String>,
    pub source_identity: SourceIdentity,
    pub external_id: Option<String>,
    pub duration: Duration,
}

/// The credential source after files, environment and flags are merged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The standard AWS chain (today's behaviour), with this profile if given.
    AwsProfile {
        profile: Option<String>,
    },
    /// IAM Roles Anywhere with a YubiKey or a key file.
    RolesAnywhere(RolesAnywhere),
    WebIdentity(WebIdentity),
}

/// What `vouch login` and `vouch exec` use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub source: Source,
    pub assume_role: Option<AssumeRole>,
    /// The file it came from, if any.
    pub file: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            source: Source::AwsProfile { profile: None },
            assume_role: None,
            file: None,
        }
    }
}

impl Config {
    pub fn kind(&self) -> SourceKind {
        match &self.source {
            Source::AwsProfile { .. } => SourceKind::AwsProfile,
            Source::RolesAnywhere(RolesAnywhere {
                key: KeyStore::YubiKey { .. },
                ..
            }) => SourceKind::YubiKey,
            Source::RolesAnywhere(_) => SourceKind::SoftwareKey,
            Source::WebIdentity(_) => SourceKind::WebIdentity,
        }
    }

    /// True only for a key that cannot leave its hardware (a YubiKey).
    pub fn hardware_backed(&self) -> bool {
        self.kind() == SourceKind::YubiKey
    }

    /// One line for `vouch status` / `--verbose` (no secret).
    pub fn describe(&self) -> String {
        let base = match &self.source {
            Source::AwsProfile { profile: None } => "the standard AWS credential chain".to_owned(),
            Source::AwsProfile { profile: Some(p) } => {
                format!("the standard AWS credential chain, profile \"{p}\"")
            }
            Source::RolesAnywhere(ra) => {
                let key = match &ra.key {
                    KeyStore::YubiKey { slot } => format!("YubiKey PIV slot {slot}"),
                    KeyStore::SoftwareKey { private_key, .. } => format!(
                        "software key {} (not hardware-backed)",
                        private_key.display()
                    ),
                };
                format!("IAM Roles Anywhere with {key}, role {}", ra.role_arn)
            }
            Source::WebIdentity(w) => {
                let from = match &w.token {
                    TokenSource::File(p) => format!("token file {}", p.display()),
                    TokenSource::Command(_) => "token_command".to_owned(),
                };
                format!("web identity ({from}), role {}", w.role_arn)
            }
        };
        match &self.assume_role {
            Some(a) => format!("{base}, then assume role {}", a.role_arn),
            None => base,
        }
    }

    /// The session-cache key: everything that decides which identity the
    /// session is (not the duration, not paths to chain or CA files).
    pub fn cache_key(&self) -> CacheKey {
        let mut parts: Vec<(&str, String)> = vec![("source", self.kind().name().to_owned())];
        match &self.source {
            Source::AwsProfile { profile } => {
                parts.push(("profile", profile.clone().unwrap_or_default()))
            }
            Source::RolesAnywhere(ra) => {
                match &ra.key {
                    KeyStore::YubiKey { slot } => parts.push(("slot", slot.to_string())),
                    KeyStore::SoftwareKey {
                        certificate,
                        private_key,
                    } => {
                        parts.push(("certificate", certificate.display().to_string()));
                        parts.push(("private_key", private_key.display().to_string()));
                    }
                }
                parts.push(("trust_anchor_arn", ra.trust_anchor_arn.clone()));
                parts.push(("profile_arn", ra.profile_arn.clone()));
                parts.push(("role_arn", ra.role_arn.clone()));
                parts.push(("region", ra.region.clone()));
                parts.push(("endpoint", ra.endpoint.clone().unwrap_or_default()));
            }
            Source::WebIdentity(w) => {
                parts.push(("role_arn", w.role_arn.clone()));
                match &w.token {
                    TokenSource::File(p) => parts.push(("token_file", p.display().to_string())),
                    // The command's hash only, never the command.
                    TokenSource::Command(c) => parts.push((
                        "token_command",
                        CacheKey::from_parts(&[("c", c.expose())]).to_string(),
                    )),
                }
                parts.push(("session_name", w.session_name.clone().unwrap_or_default()));
            }
        }
        if let Some(a) = &self.assume_role {
            parts.push(("assume_role_arn", a.role_arn.clone()));
            parts.push((
                "assume_session_name",
                a.session_name.clone().unwrap_or_default(),
            ));
            parts.push(("source_identity", format!("{:?}", a.source_identity)));
            parts.push(("external_id", a.external_id.clone().unwrap_or_default()));
        }
        let borrowed: Vec<(&str, &str)> = parts.iter().map(|(k, v)| (*k, v.as_str())).collect();
        CacheKey::from_parts(&borrowed)
    }
}

// ---------------------------------------------------------------------------
// Flags and environment.

/// A value from a flag or an environment variable, with where it came from
/// (`"--profile-arn"`, `"VOUCH_PROFILE_ARN"`) for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Given<T> {
    pub value: T,
    pub from: &'static str,
}

impl<T> Given<T> {
    pub fn new(value: T, from: &'static str) -> Self {
        Given { value, from }
    }
}

/// What flags and environment variables say; each `Some` beats the file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    /// `--source` / `VOUCH_SOURCE`.
    pub source: Option<Given<SourceKind>>,
    /// `--profile` for the aws-profile source.
    pub profile: Option<Given<String>>,
    /// `AWS_PROFILE` or `AWS_DEFAULT_PROFILE` is set: then the file's
    /// `profile` is ignored and the AWS chain reads the variable itself
    /// (with its usual meaning: environment keys still win over it, unlike
    /// `--profile`).
    pub profile_in_env: bool,
    /// `--slot` (yubikey).
    pub slot: Option<Given<String>>,
    /// `--trust-anchor-arn` / `VOUCH_TRUST_ANCHOR_ARN`.
    pub trust_anchor_arn: Option<Given<String>>,
    /// `--profile-arn` / `VOUCH_PROFILE_ARN`.
    pub profile_arn: Option<Given<String>>,
    /// `--role-arn` / `VOUCH_ROLE_ARN` (Roles Anywhere or web identity).
    pub role_arn: Option<Given<String>>,
    /// `--duration` (seconds or `1h`) of the source's session.
    pub duration: Option<Given<String>>,
    /// `--assume-role` / `VOUCH_ASSUME_ROLE_ARN`; an empty value turns the
    /// file's `[assume-role]` off.
    pub assume_role_arn: Option<Given<String>>,
}

impl Overrides {
    /// The environment's overrides: `VOUCH_SOURCE`, `VOUCH_TRUST_ANCHOR_ARN`,
    /// `VOUCH_PROFILE_ARN`, `VOUCH_ROLE_ARN`, `VOUCH_ASSUME_ROLE_ARN` (and
    /// `VOUCH_CONFIG`, read by [`config_path`]), plus whether `AWS_PROFILE`
    /// or `AWS_DEFAULT_PROFILE` is set. Empty variables are unset, except
    /// `VOUCH_ASSUME_ROLE_ARN`, where empty means "no assume-role".
    pub fn from_env(world: &dyn World) -> Result<Overrides> {
        let get = |name: &'static str| {
            world
                .var(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .map(|v| Given::new(v, name))
        };
        let source = match get(ENV_SOURCE) {
            Some(g) => Some(Given::new(
                SourceKind::parse(&g.value)
                    .map_err(|m| Error::config(format!("{ENV_SOURCE}: {m}")))?,
                ENV_SOURCE,
            )),
            None => None,
        };
        Ok(Overrides {
            source,
            trust_anchor_arn: get(ENV_TRUST_ANCHOR_ARN),
            profile_arn: get(ENV_PROFILE_ARN),
            role_arn: get(ENV_ROLE_ARN),
            assume_role_arn: world
                .var(ENV_ASSUME_ROLE_ARN)
                .map(|v| Given::new(v.trim().to_owned(), ENV_ASSUME_ROLE_ARN)),
            profile_in_env: ["AWS_PROFILE", "AWS_DEFAULT_PROFILE"]
                .iter()
                .any(|v| world.var(v).is_some_and(|p| !p.is_empty())),
            ..Overrides::default()
        })
    }

    /// Field by field: `self` where set, else `lower` (flags `.or(env)`).
    pub fn or(self, lower: Overrides) -> Overrides {
        Overrides {
            source: self.source.or(lower.source),
            profile: self.profile.or(lower.profile),
            profile_in_env: self.profile_in_env || lower.profile_in_env,
            slot: self.slot.or(lower.slot),
            trust_anchor_arn: self.trust_anchor_arn.or(lower.trust_anchor_arn),
            profile_arn: self.profile_arn.or(lower.profile_arn),
            role_arn: self.role_arn.or(lower.role_arn),
            duration: self.duration.or(lower.duration),
            assume_role_arn: self.assume_role_arn.or(lower.assume_role_arn),
        }
    }
}

// ---------------------------------------------------------------------------
// The parsed file.

/// A `[yubikey]` or `[software-key]` table, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RolesAnywhereSection {
    pub slot: Option<PivSlot>,
    pub certificate: Option<PathBuf>,
    pub private_key: Option<PathBuf>,
    pub trust_anchor_arn: Option<String>,
    pub profile_arn: Option<String>,
    pub role_arn: Option<String>,
    pub region: Option<String>,
    pub duration: Option<Duration>,
    pub chain: Option<PathBuf>,
    pub endpoint: Option<String>,
    pub ca_bundle: Option<PathBuf>,
}

/// A `[web-identity]` table, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebIdentitySection {
    pub role_arn: Option<String>,
    pub token: Option<TokenSource>,
    pub session_name: Option<String>,
    pub region: Option<String>,
    pub duration: Option<Duration>,
}

/// The configuration file, parsed and each value checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigFile {
    pub path: PathBuf,
    pub source: Option<SourceKind>,
    pub aws_profile: Option<String>,
    pub yubikey: Option<RolesAnywhereSection>,
    pub software_key: Option<RolesAnywhereSection>,
    pub web_identity: Option<WebIdentitySection>,
    pub assume_role: Option<AssumeRole>,
    /// The `[targets.NAME]` tables.
    pub targets: crate::named::Targets,
}

impl ConfigFile {
    /// Does the file hold a secret (so it must be readable by its owner
    /// only)? Only `token_command` counts; see the module documentation.
    pub fn holds_secret(&self) -> bool {
        matches!(
            self.web_identity.as_ref().and_then(|w| w.token.as_ref()),
            Some(TokenSource::Command(_))
        )
    }

    /// Parses `text` (the file at `path`; `home` expands `~/`). Errors are
    /// exit 6, `PATH:LINE:COLUMN: message`.
    pub fn parse(path: &Path, text: &str, home: Option<&Path>) -> Result<ConfigFile> {
        let raw: RawFile = toml::from_str(text).map_err(|e| {
            let at = e.span().map(|s| line_col(text, s.start));
            let msg = e.message().trim_end();
            let hint = if msg.starts_with("unknown field `default`") {
                " (default = \"NAME\" belongs in a project's .vouch.toml; here, name the target with --target or VOUCH_TARGET)"
            } else {
                ""
            };
            Error::config(located(path, at, &format!("{msg}{hint}")))
        })?;
        let cx = Cx {
            path,
            text,
            home,
            dir: path.parent().unwrap_or(Path::new("/")),
        };
        let source = match &raw.source {
            Some(s) => Some(SourceKind::parse(s.get_ref()).map_err(|m| cx.err(s, m))?),
            None => None,
        };
        let aws_profile = match raw.aws_profile.and_then(|a| a.profile) {
            Some(p) => Some(cx.nonempty(&p, "profile")?),
            None => None,
        };
        let yubikey = match raw.yubikey {
            Some(y) => Some(cx.roles_anywhere(
                RawRolesAnywhere {
                    trust_anchor_arn: y.trust_anchor_arn,
                    profile_arn: y.profile_arn,
                    role_arn: y.role_arn,
                    region: y.region,
                    duration: y.duration,
                    chain: y.chain,
                    endpoint: y.endpoint,
                    ca_bundle: y.ca_bundle,
                },
                RolesAnywhereSection {
                    slot: match &y.slot {
                        Some(s) => Some(PivSlot::parse(s.get_ref()).map_err(|m| cx.err(s, m))?),
                        None => None,
                    },
                    ..Default::default()
                },
            )?),
            None => None,
        };
        let software_key = match raw.software_key {
            Some(k) => Some(cx.roles_anywhere(
                RawRolesAnywhere {
                    trust_anchor_arn: k.trust_anchor_arn,
                    profile_arn: k.profile_arn,
                    role_arn: k.role_arn,
                    region: k.region,
                    duration: k.duration,
                    chain: k.chain,
                    endpoint: k.endpoint,
                    ca_bundle: k.ca_bundle,
                },
                RolesAnywhereSection {
                    certificate: cx.opt_path(&k.certificate)?,
                    private_key: cx.opt_path(&k.private_key)?,
                    ..Default::default()
                },
            )?),
            None => None,
        };
        let web_identity = match raw.web_identity {
            Some(w) => {
                let token = match (&w.token_file, &w.token_command) {
                    (Some(_), Some(c)) => {
                        return Err(cx.err(
                            c,
                            "give token_file or token_command in [web-identity], not both",
                        ))
                    }
                    (Some(f), None) => Some(TokenSource::File(cx.path(f)?)),
                    (None, Some(c)) => Some(TokenSource::Command(Secret::new(
                        cx.nonempty(c, "token_command")?,
                    ))),
                    (None, None) => None,
                };
                Some(WebIdentitySection {
                    role_arn: cx.opt_arn(&w.role_arn, ArnKind::Role)?,
                    token,
                    session_name: cx.opt_session_name(&w.session_name)?,
                    region: cx.opt_region(&w.region)?,
                    duration: cx.opt_duration(&w.duration)?,
                })
            }
            None => None,
        };
        let assume_role = match raw.assume_role {
            Some(a) => {
                let role_arn = match &a.role_arn {
                    Some(r) => cx.arn(r, ArnKind::Role)?,
                    None => {
                        return Err(Error::config(format!(
                            "{}: [assume-role] needs role_arn (the role to assume), or remove the table",
                            path.display()
                        )))
                    }
                };
                let source_identity = match &a.source_identity {
                    Some(s) => {
                        if let SourceIdentity::Value(v) = s.get_ref() {
                            check_sts_name(v, 2, 64, "").map_err(|m| cx.err(s, m))?;
                        }
                        s.get_ref().clone()
                    }
                    None => SourceIdentity::None,
                };
                let external_id = match &a.external_id {
                    Some(e) => {
                        check_sts_name(e.get_ref(), 2, 1224, ":/").map_err(|m| cx.err(e, m))?;
                        Some(e.get_ref().clone())
                    }
                    None => None,
                };
                Some(AssumeRole {
                    role_arn,
                    session_name: cx.opt_session_name(&a.session_name)?,
                    source_identity,
                    external_id,
                    duration: cx.opt_duration(&a.duration)?.unwrap_or(DEFAULT_DURATION),
                })
            }
            None => None,
        };
        let targets = crate::named::parse_config(path, text, home)?;
        Ok(ConfigFile {
            path: path.to_owned(),
            targets,
            source,
            aws_profile,
            yubikey,
            software_key,
            web_identity,
            assume_role,
        })
    }
}

/// Where the configuration file is, and whether it was named explicitly
/// (`VOUCH_CONFIG`), in which case it must exist.
pub fn config_path(world: &dyn World) -> Result<(PathBuf, bool)> {
    if let Some(p) = world.var(ENV_CONFIG).filter(|p| !p.is_empty()) {
        return Ok((PathBuf::from(p), true));
    }
    if let Some(x) = world.var("XDG_CONFIG_HOME").filter(|x| x.starts_with('/')) {
        return Ok((PathBuf::from(x).join("vouch").join("config.toml"), false));
    }
    let home = world.home().ok_or_else(|| {
        Error::config("cannot find the home directory; set HOME, XDG_CONFIG_HOME or VOUCH_CONFIG")
    })?;
    Ok((
        home.join(".config").join("vouch").join("config.toml"),
        false,
    ))
}

/// Finds, checks (permissions, see the module documentation) and parses
/// the configuration file. `Ok(None)` when there is none at the default
/// place.
///
/// The path is first resolved to its real absolute location (symbolic
/// links are fine, e.g. to a dotfiles repository, but the checks apply to
/// where they lead; a relative `VOUCH_CONFIG` is taken from the working
/// directory). Every directory above that location is checked, then the
/// file is opened once, without following a link in its last component,
/// and its owner, mode and type are taken from the open file, which is
/// also what is read: nobody can swap the file between the check and the
/// reading.
pub fn load(world: &dyn World) -> Result<Option<ConfigFile>> {
    let (given, explicit) = config_path(world)?;
    let from_env = if explicit { " (from VOUCH_CONFIG)" } else { "" };
    let path = match world.canonicalize(&given) {
        Ok(p) => p,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => return Ok(None),
        Err(e) => {
            return Err(Error::config(format!(
                "cannot read the vouch configuration {}{from_env}: {e}",
                given.display(),
            )))
        }
    };
    check_directories(world, &path)?;
    let (bytes, meta) = world.read_checked(&path).map_err(|e| {
        if e.raw_os_error() == Some(nix::libc::ELOOP) {
            Error::denied(format!(
                "cannot read the vouch configuration {}{from_env}: it was replaced by a symbolic link while vouch checked it",
                path.display()
            ))
        } else if e.kind() == std::io::ErrorKind::PermissionDenied {
            Error::denied(format!("cannot read {}: {e}", path.display()))
        } else {
            Error::config(format!("cannot read {}: {e}", path.display()))
        }
    })?;
    if !meta.is_file {
        return Err(Error::config(format!(
            "the vouch configuration {} is not a regular file",
            path.display()
        )));
    }
    check_file(&path, meta)?;
    let text = String::from_utf8(bytes).map_err(|_| {
        Error::config(format!(
            "cannot read {}: stream did not contain valid UTF-8",
            path.display()
        ))
    })?;
    let file = ConfigFile::parse(&path, &text, world.home().as_deref())?;
    if file.holds_secret() && meta.mode & 0o044 != 0 {
        return Err(Error::denied(format!(
            "{} holds a token_command and can be read by {}; run `chmod 600 {}`",
            path.display(),
            if meta.mode & 0o004 != 0 {
                "anyone"
            } else {
                "its group"
            },
            path.display()
        )));
    }
    Ok(Some(file))
}

/// Nobody but the owner (or root) may change the file (its metadata from
/// the open file).
fn check_file(path: &Path, meta: crate::world::FileMeta) -> Result<()> {
    if meta.owned_by_other {
        return Err(Error::denied(format!(
            "{} belongs to another user, who could change where vouch gets credentials; use your own copy (`chmod 600` it)",
            path.display()
        )));
    }
    if meta.mode & 0o022 != 0 {
        return Err(Error::denied(format!(
            "{} can be changed by {}, who could then choose where vouch gets credentials; run `chmod 600 {}`",
            path.display(),
            if meta.mode & 0o002 != 0 { "anyone" } else { "its group" },
            path.display()
        )));
    }
    Ok(())
}

/// Nobody but the user (or root) may change any directory above the file
/// at its real, absolute `path`: each must be owned by root or the user,
/// and not writable by group or others unless sticky. In a sticky directory
/// (like /tmp) others can create entries but not rename or remove the
/// user's, so it is safe only because the entry below it on the path (the
/// next directory here, or the file in [`check_file`]) must be the user's
/// or root's too.
fn check_directories(world: &dyn World, path: &Path) -> Result<()> {
    for dir in path.ancestors().skip(1) {
        let m = world.metadata(dir).map_err(|e| {
            Error::denied(format!(
                "cannot check the directory {} of the vouch configuration {}: {e}",
                dir.display(),
                path.display()
            ))
        })?;
        if !m.is_dir {
            return Err(Error::denied(format!(
                "{} above the vouch configuration {} is not a directory (any more)",
                dir.display(),
                path.display()
            )));
        }
        let sticky = m.mode & 0o1000 != 0;
        if m.owned_by_other || (m.mode & 0o022 != 0 && !sticky) {
            return Err(Error::denied(format!(
                "the directory {} of the vouch configuration {} {}, so the file could be replaced; run `chmod go-w {}` (and `chmod 600 {}`)",
                dir.display(),
                path.display(),
                if m.owned_by_other { "belongs to another user" } else { "is writable by others" },
                dir.display(),
                path.display()
            )));
        }
    }
    Ok(())
}

/// Merges the file (if any) with flags and environment into the
/// configuration to use. The source is `overrides.source`, else the file's
/// `source`, else aws-profile. Errors (exit 6) say which key to set where.
pub fn resolve(file: Option<&ConfigFile>, ov: &Overrides) -> Result<Config> {
    let cfg = resolve_sources(file, ov)?;
    if let (Source::AwsProfile { .. }, Some(a)) = (&cfg.source, &cfg.assume_role) {
        return Err(Error::config(format!(
            "[assume-role] ({}) follows a login source (software-key, yubikey, web-identity); with the aws-profile source, put role_arn and source_profile in the AWS profile instead, or remove [assume-role]",
            a.role_arn
        )));
    }
    Ok(cfg)
}

fn resolve_sources(file: Option<&ConfigFile>, ov: &Overrides) -> Result<Config> {
    let kind = ov
        .source
        .as_ref()
        .map(|g| g.value)
        .or(file.and_then(|f| f.source))
        .unwrap_or(SourceKind::AwsProfile);
    let where_ = |table: &str| match file {
        Some(f) => format!("[{table}] of {}", f.path.display()),
        None => format!("[{table}] of the vouch configuration file (there is none)"),
    };
    // Overrides that do not apply to the chosen source are mistakes.
    let misplaced = |g: &Option<Given<String>>, applies: &[SourceKind]| -> Result<()> {
        match g {
            Some(g) if !applies.contains(&kind) => Err(Error::config(format!(
                "{} does not apply to the {} credential source",
                g.from, kind
            ))),
            _ => Ok(()),
        }
    };
    use SourceKind::*;
    misplaced(&ov.profile, &[AwsProfile])?;
    misplaced(&ov.slot, &[YubiKey])?;
    misplaced(&ov.trust_anchor_arn, &[YubiKey, SoftwareKey])?;
    misplaced(&ov.profile_arn, &[YubiKey, SoftwareKey])?;
    misplaced(&ov.role_arn, &[YubiKey, SoftwareKey, WebIdentity])?;
    misplaced(&ov.duration, &[YubiKey, SoftwareKey, WebIdentity])?;

    let given_arn = |g: &Option<Given<String>>, k: ArnKind| -> Result<Option<String>> {
        match g {
            Some(g) => check_arn(&g.value, k)
                .map(Some)
                .map_err(|m| Error::config(format!("{}: {m}", g.from))),
            None => Ok(None),
        }
    };
    let given_duration = || -> Result<Option<Duration>> {
        match &ov.duration {
            Some(g) => parse_duration_text(&g.value)
                .and_then(check_duration)
                .map(Some)
                .map_err(|m| Error::config(format!("{}: {m}", g.from))),
            None => Ok(None),
        }
    };
    let need = |v: Option<String>, key: &str, table: &str, env: Option<&str>| -> Result<String> {
        v.ok_or_else(|| {
            Error::config(format!(
                "the {kind} credential source needs {key}: set it in {}{}",
                where_(table),
                env.map(|e| format!(" or in {e}")).unwrap_or_default()
            ))
        })
    };

    let source = match kind {
        AwsProfile => Source::AwsProfile {
            profile: match &ov.profile {
                Some(g) => Some(g.value.clone()),
                None if ov.profile_in_env => None,
                None => file.and_then(|f| f.aws_profile.clone()),
            },
        },
        YubiKey | SoftwareKey => {
            let table = kind.name();
            let sec = file
                .and_then(|f| {
                    if kind == YubiKey {
                        f.yubikey.clone()
                    } else {
                        f.software_key.clone()
                    }
                })
                .unwrap_or_default();
            let key = if kind == YubiKey {
                let slot = match &ov.slot {
                    Some(g) => PivSlot::parse(&g.value)
                        .map_err(|m| Error::config(format!("{}: {m}", g.from)))?,
                    None => sec.slot.unwrap_or(PivSlot::AUTHENTICATION),
                };
                KeyStore::YubiKey { slot }
            } else {
                let path = |p: Option<PathBuf>, key: &str| {
                    p.ok_or_else(|| {
                        Error::config(format!(
                            "the software-key credential source needs {key} (a PEM file): set it in {}",
                            where_(table)
                        ))
                    })
                };
                KeyStore::SoftwareKey {
                    certificate: path(sec.certificate, "certificate")?,
                    private_key: path(sec.private_key, "private_key")?,
                }
            };
            let trust_anchor_arn = need(
                given_arn(&ov.trust_anchor_arn, ArnKind::TrustAnchor)?.or(sec.trust_anchor_arn),
                "trust_anchor_arn",
                table,
                Some(ENV_TRUST_ANCHOR_ARN),
            )?;
            let profile_arn = need(
                given_arn(&ov.profile_arn, ArnKind::Profile)?.or(sec.profile_arn),
                "profile_arn",
                table,
                Some(ENV_PROFILE_ARN),
            )?;
            let role_arn = need(
                given_arn(&ov.role_arn, ArnKind::Role)?.or(sec.role_arn),
                "role_arn",
                table,
                Some(ENV_ROLE_ARN),
            )?;
            let ta = Arn::parse(&trust_anchor_arn).expect("checked");
            let pr = Arn::parse(&profile_arn).expect("checked");
            let ro = Arn::parse(&role_arn).expect("checked");
            if pr.region != ta.region || pr.partition != ta.partition || pr.account != ta.account {
                return Err(Error::config(format!(
                    "the profile {profile_arn} and the trust anchor {trust_anchor_arn} must be in the same account and region"
                )));
            }
            if ro.partition != ta.partition {
                return Err(Error::config(format!(
                    "the role {role_arn} is in partition {}, the trust anchor in {}",
                    ro.partition, ta.partition
                )));
            }
            let region = match sec.region {
                Some(r) if r != ta.region => {
                    return Err(Error::config(format!(
                        "region = \"{r}\" in {} but the trust anchor is in {}; remove region (it is taken from the trust anchor)",
                        where_(table),
                        ta.region
                    )))
                }
                _ => ta.region.to_owned(),
            };
            Source::RolesAnywhere(RolesAnywhere {
                key,
                trust_anchor_arn,
                profile_arn,
                role_arn,
                region,
                duration: given_duration()?
                    .or(sec.duration)
                    .unwrap_or(DEFAULT_DURATION),
                chain: sec.chain,
                endpoint: sec.endpoint,
                ca_bundle: sec.ca_bundle,
            })
        }
        WebIdentity => {
            let table = kind.name();
            let sec = file
                .and_then(|f| f.web_identity.clone())
                .unwrap_or_default();
            let role_arn = need(
                given_arn(&ov.role_arn, ArnKind::Role)?.or(sec.role_arn),
                "role_arn",
                table,
                Some(ENV_ROLE_ARN),
            )?;
            let token = sec.token.ok_or_else(|| {
                Error::config(format!(
                    "the web-identity credential source needs token_file or token_command: set one in {}",
                    where_(table)
                ))
            })?;
            Source::WebIdentity(self::WebIdentity {
                role_arn,
                token,
                session_name: sec.session_name,
                region: sec.region,
                duration: given_duration()?
                    .or(sec.duration)
                    .unwrap_or(DEFAULT_DURATION),
            })
        }
    };

    let mut assume_role = file.and_then(|f| f.assume_role.clone());
    if let Some(g) = &ov.assume_role_arn {
        if g.value.is_empty() {
            assume_role = None;
        } else {
            let arn = check_arn(&g.value, ArnKind::Role)
                .map_err(|m| Error::config(format!("{}: {m}", g.from)))?;
            match &mut assume_role {
                Some(a) => a.role_arn = arn,
                None => {
                    assume_role = Some(AssumeRole {
                        role_arn: arn,
                        session_name: None,
                        source_identity: SourceIdentity::None,
                        external_id: None,
                        duration: DEFAULT_DURATION,
                    })
                }
            }
        }
    }
    if let Some(a) = &assume_role {
        if a.source_identity == SourceIdentity::CertificateCn
            && !matches!(source, Source::RolesAnywhere(_))
        {
            return Err(Error::config(format!(
                "source_identity = \"certificate-cn\" in {} needs a certificate: use it with the yubikey or software-key source, not {kind}",
                where_("assume-role")
            )));
        }
        let chained = matches!(source, Source::RolesAnywhere(_) | Source::WebIdentity(_));
        if chained && a.duration > MAX_CHAINED_DURATION {
            return Err(Error::config(format!(
                "duration in {} is {} s, but AWS allows at most 1 hour (3600 s) when assuming a role with a role session (role chaining, as with the {kind} source)",
                where_("assume-role"),
                a.duration.as_secs()
            )));
        }
    }
    Ok(Config {
        source,
        assume_role,
        file: file.map(|f| f.path.clone()),
    })
}

// ---------------------------------------------------------------------------
// Raw (serde) structures: every key optional so that checks give messages
// that name the table; unknown keys are errors with a position.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    source: Option<Spanned<String>>,
    #[serde(rename = "aws-profile")]
    aws_profile: Option<RawAwsProfile>,
    yubikey: Option<RawYubiKey>,
    #[serde(rename = "software-key")]
    software_key: Option<RawSoftwareKey>,
    #[serde(rename = "web-identity")]
    web_identity: Option<RawWebIdentity>,
    #[serde(rename = "assume-role")]
    assume_role: Option<RawAssumeRole>,
    /// Named targets: checked by `named`.
    #[allow(dead_code)]
    targets: Option<serde::de::IgnoredAny>,
}

type Str = Spanned<String>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAwsProfile {
    profile: Option<Str>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawYubiKey {
    slot: Option<Str>,
    trust_anchor_arn: Option<Str>,
    profile_arn: Option<Str>,
    role_arn: Option<Str>,
    region: Option<Str>,
    duration: Option<Spanned<RawDuration>>,
    chain: Option<Str>,
    endpoint: Option<Str>,
    ca_bundle: Option<Str>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSoftwareKey {
    certificate: Option<Str>,
    private_key: Option<Str>,
    trust_anchor_arn: Option<Str>,
    profile_arn: Option<Str>,
    role_arn: Option<Str>,
    region: Option<Str>,
    duration: Option<Spanned<RawDuration>>,
    chain: Option<Str>,
    endpoint: Option<Str>,
    ca_bundle: Option<Str>,
}

/// What [`RawYubiKey`] and [`RawSoftwareKey`] share.
struct RawRolesAnywhere {
    trust_anchor_arn: Option<Str>,
    profile_arn: Option<Str>,
    role_arn: Option<Str>,
    region: Option<Str>,
    duration: Option<Spanned<RawDuration>>,
    chain: Option<Str>,
    endpoint: Option<Str>,
    ca_bundle: Option<Str>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWebIdentity {
    role_arn: Option<Str>,
    token_file: Option<Str>,
    token_command: Option<Str>,
    session_name: Option<Str>,
    region: Option<Str>,
    duration: Option<Spanned<RawDuration>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAssumeRole {
    role_arn: Option<Str>,
    session_name: Option<Str>,
    source_identity: Option<Spanned<SourceIdentity>>,
    external_id: Option<Str>,
    duration: Option<Spanned<RawDuration>>,
}

/// A duration as written: seconds, or text like `1h30m`.
enum RawDuration {
    Seconds(i64),
    Text(String),
}

impl<'de> Deserialize<'de> for RawDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = RawDuration;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a duration: seconds (3600) or a string like \"1h\", \"90m\", \"1h30m\"",
                )
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<RawDuration, E> {
                Ok(RawDuration::Seconds(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<RawDuration, E> {
                Ok(RawDuration::Seconds(i64::try_from(v).unwrap_or(i64::MAX)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<RawDuration, E> {
                Ok(RawDuration::Text(v.to_owned()))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for SourceIdentity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = SourceIdentity;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("\"certificate-cn\", \"login-user\", \"none\" or { value = \"...\" }")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<SourceIdentity, E> {
                match v {
                    "none" => Ok(SourceIdentity::None),
                    "certificate-cn" => Ok(SourceIdentity::CertificateCn),
                    "login-user" => Ok(SourceIdentity::LoginUser),
                    _ => Err(E::custom(format!(
                        "unknown source_identity \"{v}\"; expected \"certificate-cn\", \"login-user\", \"none\", or a fixed value as {{ value = \"{v}\" }}"
                    ))),
                }
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<SourceIdentity, A::Error> {
                let mut value: Option<String> = None;
                while let Some(k) = map.next_key::<String>()? {
                    if k != "value" || value.is_some() {
                        return Err(de::Error::custom(format!(
                            "source_identity takes one key, value (not {k})"
                        )));
                    }
                    value = Some(map.next_value()?);
                }
                value.map(SourceIdentity::Value).ok_or_else(|| {
                    de::Error::custom("source_identity = { value = \"...\" } needs value")
                })
            }
        }
        d.deserialize_any(V)
    }
}

/// The file being parsed, for positions in messages and path expansion.
struct Cx<'a> {
    path: &'a Path,
    text: &'a str,
    home: Option<&'a Path>,
    dir: &'a Path,
}

impl Cx<'_> {
    fn err<T>(&self, at: &Spanned<T>, msg: impl AsRef<str>) -> Error {
        Error::config(located(
            self.path,
            Some(line_col(self.text, at.span().start)),
            msg.as_ref(),
        ))
    }

    fn nonempty(&self, s: &Str, key: &str) -> Result<String> {
        let v = s.get_ref().trim();
        if v.is_empty() {
            return Err(self.err(s, format!("{key} is empty")));
        }
        Ok(v.to_owned())
    }

    fn path(&self, s: &Str) -> Result<PathBuf> {
        let v = s.get_ref();
        if v.is_empty() {
            return Err(self.err(s, "empty path"));
        }
        if let Some(rest) = v.strip_prefix("~/") {
            let home = self
                .home
                .ok_or_else(|| self.err(s, "cannot expand ~: the home directory is unknown"))?;
            return Ok(home.join(rest));
        }
        if v.starts_with('~') {
            return Err(self.err(s, "only ~/ (your own home) is expanded; write the path out"));
        }
        Ok(self.dir.join(v))
    }

    fn opt_path(&self, s: &Option<Str>) -> Result<Option<PathBuf>> {
        s.as_ref().map(|s| self.path(s)).transpose()
    }

    fn arn(&self, s: &Str, kind: ArnKind) -> Result<String> {
        check_arn(s.get_ref(), kind).map_err(|m| self.err(s, m))
    }

    fn opt_arn(&self, s: &Option<Str>, kind: ArnKind) -> Result<Option<String>> {
        s.as_ref().map(|s| self.arn(s, kind)).transpose()
    }

    fn opt_region(&self, s: &Option<Str>) -> Result<Option<String>> {
        s.as_ref()
            .map(|s| {
                let r = s.get_ref().trim();
                if is_region(r) {
                    Ok(r.to_owned())
                } else {
                    Err(self.err(
                        s,
                        format!("\"{r}\" is not an AWS region name (like eu-west-1)"),
                    ))
                }
            })
            .transpose()
    }

    fn opt_session_name(&self, s: &Option<Str>) -> Result<Option<String>> {
        s.as_ref()
            .map(|s| {
                check_sts_name(s.get_ref(), 2, 64, "")
                    .map(|_| s.get_ref().clone())
                    .map_err(|m| self.err(s, format!("session_name: {m}")))
            })
            .transpose()
    }

    fn opt_duration(&self, d: &Option<Spanned<RawDuration>>) -> Result<Option<Duration>> {
        d.as_ref()
            .map(|d| {
                let parsed = match d.get_ref() {
                    RawDuration::Seconds(n) if *n < 0 => Err(format!("{n} is negative")),
                    RawDuration::Seconds(n) => Ok(Duration::from_secs(*n as u64)),
                    RawDuration::Text(t) => parse_duration_text(t),
                };
                parsed
                    .and_then(check_duration)
                    .map_err(|m| self.err(d, format!("duration: {m}")))
            })
            .transpose()
    }

    fn roles_anywhere(
        &self,
        raw: RawRolesAnywhere,
        mut sec: RolesAnywhereSection,
    ) -> Result<RolesAnywhereSection> {
        sec.trust_anchor_arn = self.opt_arn(&raw.trust_anchor_arn, ArnKind::TrustAnchor)?;
        sec.profile_arn = self.opt_arn(&raw.profile_arn, ArnKind::Profile)?;
        sec.role_arn = self.opt_arn(&raw.role_arn, ArnKind::Role)?;
        sec.region = self.opt_region(&raw.region)?;
        sec.duration = self.opt_duration(&raw.duration)?;
        sec.chain = self.opt_path(&raw.chain)?;
        sec.ca_bundle = self.opt_path(&raw.ca_bundle)?;
        sec.endpoint = match &raw.endpoint {
            Some(e) => Some(check_endpoint(e.get_ref()).map_err(|m| self.err(e, m))?),
            None => None,
        };
        Ok(sec)
    }
}

pub(crate) fn located(path: &Path, at: Option<(usize, usize)>, msg: &str) -> String {
    match at {
        Some((l, c)) => format!("{}:{l}:{c}: {msg}", path.display()),
        None => format!("{}: {msg}", path.display()),
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, col)
}

/// `3600`, `3600s`, `90m`, `1h`, `1h30m`, `12h`.
fn parse_duration_text(t: &str) -> std::result::Result<Duration, String> {
    let t = t.trim();
    let bad = || {
        format!(
            "\"{t}\" is not a duration; write seconds (3600) or like \"1h\", \"90m\", \"1h30m\""
        )
    };
    if t.is_empty() {
        return Err(bad());
    }
    if let Ok(n) = t.parse::<u64>() {
        return Ok(Duration::from_secs(n));
    }
    let mut total: u64 = 0;
    let mut num = String::new();
    let mut last_unit = u64::MAX;
    for c in t.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let unit = match c {
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => return Err(bad()),
        };
        // Each unit once, largest first.
        if num.is_empty() || unit >= last_unit {
            return Err(bad());
        }
        let n: u64 = num.parse().map_err(|_| bad())?;
        total = n
            .checked_mul(unit)
            .and_then(|x| total.checked_add(x))
            .ok_or_else(bad)?;
        num.clear();
        last_unit = unit;
    }
    if !num.is_empty() {
        return Err(bad());
    }
    Ok(Duration::from_secs(total))
}

fn check_duration(d: Duration) -> std::result::Result<Duration, String> {
    if d < MIN_DURATION || d > MAX_DURATION {
        return Err(format!(
            "{} s is out of range: AWS sessions last from 15 minutes (900) to 12 hours (43200)",
            d.as_secs()
        ));
    }
    Ok(d)
}

/// STS names (RoleSessionName, SourceIdentity, ExternalId): `min..=max`
/// characters of `A-Za-z0-9_+=,.@-` and `extra`.
fn check_sts_name(v: &str, min: usize, max: usize, extra: &str) -> std::result::Result<(), String> {
    let n = v.chars().count();
    if n < min || n > max {
        return Err(format!("must be {min} to {max} characters long (is {n})"));
    }
    if let Some(c) = v
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "_+=,.@-".contains(*c) || extra.contains(*c)))
    {
        return Err(format!(
            "{c:?} is not allowed; use letters, digits and _+=,.@-{extra}"
        ));
    }
    Ok(())
}

pub(crate) fn is_region(r: &str) -> bool {
    let parts: Vec<&str> = r.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()))
}

/// `https://...` only: vouch's HTTPS client speaks TLS and nothing else,
/// also to a local test endpoint (which then needs `ca_bundle`).
fn check_endpoint(e: &str) -> std::result::Result<String, String> {
    let e = e.trim();
    let host = |rest: &str| rest.split(['/', '?', '#']).next().unwrap_or("").to_owned();
    if let Some(rest) = e.strip_prefix("https://") {
        if !host(rest).is_empty() {
            return Ok(e.trim_end_matches('/').to_owned());
        }
    } else if e
        .get(..7)
        .is_some_and(|p| p.eq_ignore_ascii_case("http://"))
    {
        return Err(format!(
            "endpoint \"{e}\" is plain http, which vouch does not speak (not even to localhost); use an https:// URL (and ca_bundle for a test endpoint's certificate)"
        ));
    }
    Err(format!("endpoint \"{e}\" is not an https:// URL"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ArnKind {
    TrustAnchor,
    Profile,
    Role,
}

struct Arn<'a> {
    partition: &'a str,
    region: &'a str,
    account: &'a str,
}

impl<'a> Arn<'a> {
    /// Checks the shape of an ARN of `kind`.
    fn parse_as(s: &'a str, kind: ArnKind) -> Option<Arn<'a>> {
        let p: Vec<&str> = s.splitn(6, ':').collect();
        let [arn, partition, service, region, account, resource] = p[..] else {
            return None;
        };
        let account_ok = account.len() == 12 && account.chars().all(|c| c.is_ascii_digit());
        let partition_ok = matches!(partition, "aws" | "aws-cn" | "aws-us-gov")
            || partition.starts_with("aws-iso");
        let (want_service, prefix, regional) = match kind {
            ArnKind::TrustAnchor => ("rolesanywhere", "trust-anchor/", true),
            ArnKind::Profile => ("rolesanywhere", "profile/", true),
            ArnKind::Role => ("iam", "role/", false),
        };
        let region_ok = if regional {
            is_region(region)
        } else {
            region.is_empty()
        };
        let name_ok = resource
            .strip_prefix(prefix)
            .is_some_and(|n| !n.is_empty() && !n.ends_with('/'));
        (arn == "arn"
            && partition_ok
            && service == want_service
            && region_ok
            && account_ok
            && name_ok)
            .then_some(Arn {
                partition,
                region,
                account,
            })
    }

    fn parse(s: &'a str) -> Option<Arn<'a>> {
        [ArnKind::TrustAnchor, ArnKind::Profile, ArnKind::Role]
            .into_iter()
            .find_map(|k| Arn::parse_as(s, k))
    }
}

fn check_arn(s: &str, kind: ArnKind) -> std::result::Result<String, String> {
    let s = s.trim();
    if Arn::parse_as(s, kind).is_some() {
        return Ok(s.to_owned());
    }
    let shape = match kind {
        ArnKind::TrustAnchor => "arn:aws:rolesanywhere:REGION:ACCOUNT:trust-anchor/ID",
        ArnKind::Profile => "arn:aws:rolesanywhere:REGION:ACCOUNT:profile/ID",
        ArnKind::Role => "arn:aws:iam::ACCOUNT:role/NAME",
    };
    Err(format!("\"{s}\" is not an ARN of the form {shape}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ExitCode;
    use crate::world::FakeWorld;

    const CFG: &str = "/home/u/.config/vouch/config.toml";
    const TA: &str = "arn:aws:rolesanywhere:eu-west-1:111122223333:trust-anchor/0f2e";
    const PR: &str = "arn:aws:rolesanywhere:eu-west-1:111122223333:profile/9a8b";
    const ROLE: &str = "arn:aws:iam::111122223333:role/db-login";

    fn world(text: &str) -> FakeWorld {
        FakeWorld::new()
            .var("HOME", "/home/u")
            .file(CFG, text)
            .mode(CFG, 0o600)
    }

    fn yubikey_file() -> String {
        format!(
            "source = \"yubikey\"\n\n[yubikey]\ntrust_anchor_arn = \"{TA}\"\nprofile_arn = \"{PR}\"\nrole_arn = \"{ROLE}\"\nduration = \"1h30m\"\nchain = \"chain.pem\"\n"
        )
    }

    fn parse(text: &str) -> Result<ConfigFile> {
        ConfigFile::parse(Path::new(CFG), text, Some(Path::new("/home/u")))
    }

    fn load_resolve(w: &FakeWorld, ov: &Overrides) -> Result<Config> {
        let f = load(w)?;
        resolve(f.as_ref(), ov)
    }

    #[test]
    fn where_the_file_is() {
        let w = FakeWorld::new().var("HOME", "/home/u");
        assert_eq!(config_path(&w).unwrap(), (PathBuf::from(CFG), false));
        let w = w.var("XDG_CONFIG_HOME", "/x");
        assert_eq!(
            config_path(&w).unwrap(),
            (PathBuf::from("/x/vouch/config.toml"), false)
        );
        let w = w.var("XDG_CONFIG_HOME", "relative");
        assert_eq!(config_path(&w).unwrap().0, PathBuf::from(CFG));
        let w = w.var(ENV_CONFIG, "/etc/v.toml");
        assert_eq!(
            config_path(&w).unwrap(),
            (PathBuf::from("/etc/v.toml"), true)
        );
    }

    #[test]
    fn nothing_configured_is_the_standard_chain() {
        let w = FakeWorld::new().var("HOME", "/home/u");
        assert_eq!(load(&w).unwrap(), None);
        let c = resolve(None, &Overrides::default()).unwrap();
        assert_eq!(c, Config::default());
        assert_eq!(c.source, Source::AwsProfile { profile: None });
        assert!(!c.hardware_backed());
        // but a VOUCH_CONFIG that is missing is an error
        let e = load(&w.var(ENV_CONFIG, "/nope.toml")).unwrap_err();
        assert_eq!(e.code, ExitCode::Configuration);
        assert!(e.message.contains("/nope.toml (from VOUCH_CONFIG)"), "{e}");
    }

    #[test]
    fn a_yubikey_configuration() {
        let c = load_resolve(&world(&yubikey_file()), &Overrides::default()).unwrap();
        let Source::RolesAnywhere(ra) = &c.source else {
            panic!("{c:?}")
        };
        assert_eq!(
            ra.key,
            KeyStore::YubiKey {
                slot: PivSlot(0x9a)
            }
        );
        assert_eq!(ra.region, "eu-west-1", "taken from the trust anchor");
        assert_eq!(ra.duration, Duration::from_secs(5400));
        assert_eq!(
            ra.chain.as_deref(),
            Some(Path::new("/home/u/.config/vouch/chain.pem")),
            "relative to the file's directory"
        );
        assert_eq!(ra.role_arn, ROLE);
        assert!(c.hardware_backed());
        assert_eq!(c.kind(), SourceKind::YubiKey);
        assert_eq!(c.file.as_deref(), Some(Path::new(CFG)));
        assert!(
            c.describe().contains("YubiKey PIV slot 9a"),
            "{}",
            c.describe()
        );
    }

    #[test]
    fn a_software_key_is_not_hardware_backed() {
        let text = format!(
            "source = \"software-key\"\n[software-key]\ncertificate = \"~/keys/c.pem\"\nprivate_key = \"/abs/k.pem\"\ntrust_anchor_arn = \"{TA}\"\nprofile_arn = \"{PR}\"\nrole_arn = \"{ROLE}\"\nregion = \"eu-west-1\"\nduration = 900\n"
        );
        let c = load_resolve(&world(&text), &Overrides::default()).unwrap();
        let Source::RolesAnywhere(ra) = &c.source else {
            panic!()
        };
        assert_eq!(
            ra.key,
            KeyStore::SoftwareKey {
                certificate: "/home/u/keys/c.pem".into(),
                private_key: "/abs/k.pem".into()
            }
        );
        assert!(!c.hardware_backed());
        assert!(c.describe().contains("not hardware-backed"));
        // slot is not a software-key key
        let e = parse("[software-key]\nslot = \"9a\"\n").unwrap_err();
        assert!(
            e.message
                .starts_with(&format!("{CFG}:2:1: unknown field `slot`")),
            "{e}"
        );
    }

    #[test]
    fn errors_have_line_and_column() {
        let e = parse("source = \"yubikey\"\n[yubikey]\nslots = \"9a\"\n").unwrap_err();
        assert_eq!(e.code, ExitCode::Configuration);
        assert!(
            e.message.starts_with(&format!(
                "{CFG}:3:1: unknown field `slots`, expected one of"
            )),
            "{e}"
        );
        let e = parse("[yubikey]\ntrust_anchor_arn = \"arn:aws:iam::1:role/x\"\n").unwrap_err();
        assert!(e.message.starts_with(&format!("{CFG}:2:20: \"arn:aws:iam::1:role/x\" is not an ARN of the form arn:aws:rolesanywhere:REGION:ACCOUNT:trust-anchor/ID")), "{e}");
        let e = parse("[nope]\n").unwrap_err();
        assert!(
            e.message
                .starts_with(&format!("{CFG}:1:2: unknown field `nope`")),
            "{e}"
        );
        let e = parse("source = \"yubi\"\n").unwrap_err();
        assert!(
            e.message.contains(
                "1:10: unknown credential source \"yubi\"; expected one of aws-profile, yubikey"
            ),
            "{e}"
        );
        let e = parse("[yubikey]\nslot = \"9b\"\n").unwrap_err();
        assert!(e.message.contains("2:8: \"9b\" is not a PIV slot"), "{e}");
        let e = parse("source = [\n").unwrap_err();
        assert!(e.message.starts_with(&format!("{CFG}:")), "{e}");
        let e = parse("[assume-role]\nsession_name = \"a\"\n").unwrap_err();
        assert!(e.message.contains("needs role_arn"), "{e}");
        let e = parse("[web-identity]\ntoken_file = \"t\"\ntoken_command = \"c\"\n").unwrap_err();
        assert!(
            e.message.contains("3:17: give token_file or token_command"),
            "{e}"
        );
        let e = parse("[yubikey]\nendpoint = \"http://example.com\"\n").unwrap_err();
        assert!(e.message.contains("plain http"), "{e}");
        let e = parse(
            "[assume-role]\nrole_arn = \"{ROLE}\"\nsource_identity = \"cn\"\n"
                .replace("{ROLE}", ROLE)
                .as_str(),
        )
        .unwrap_err();
        assert!(e.message.contains("unknown source_identity \"cn\""), "{e}");
        let e = parse(&format!(
            "[assume-role]\nrole_arn = \"{ROLE}\"\nsource_identity = {{ value = \"a b\" }}\n"
        ))
        .unwrap_err();
        assert!(e.message.contains("3:19: ' ' is not allowed"), "{e}");
    }

    #[test]
    fn durations() {
        let d = |t: &str| parse_duration_text(t).and_then(check_duration);
        assert_eq!(d("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(d("12h"), Ok(Duration::from_secs(43200)));
        assert_eq!(d("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(d("1h30m15s"), Ok(Duration::from_secs(5415)));
        assert_eq!(d("3600"), Ok(Duration::from_secs(3600)));
        assert_eq!(d("3600s"), Ok(Duration::from_secs(3600)));
        for bad in [
            "",
            "h",
            "1x",
            "1m1h",
            "1h1h",
            "1.5h",
            "-1h",
            "1h 30m",
            "99999999999999999999h",
        ] {
            assert!(d(bad).is_err(), "{bad}");
        }
        assert!(d("14m").unwrap_err().contains("out of range"));
        assert!(d("12h1s").is_err());
        let e = parse("[yubikey]\nduration = 60\n").unwrap_err();
        assert!(
            e.message.contains("2:12: duration: 60 s is out of range"),
            "{e}"
        );
        let e = parse("[yubikey]\nduration = -5\n").unwrap_err();
        assert!(e.message.contains("negative"), "{e}");
        let e = parse("[yubikey]\nduration = true\n").unwrap_err();
        assert!(e.message.contains("a duration"), "{e}");
    }

    #[test]
    fn permissions() {
        let text = yubikey_file();
        for (mode, ok) in [
            (0o600, true),
            (0o644, true),
            (0o400, true),
            (0o620, false),
            (0o602, false),
            (0o666, false),
        ] {
            let r = load(&world(&text).mode(CFG, mode));
            assert_eq!(r.is_ok(), ok, "{mode:o}: {r:?}");
            if let Err(e) = r {
                assert_eq!(e.code, ExitCode::PermissionDenied);
                assert!(e.message.contains(&format!("run `chmod 600 {CFG}`")), "{e}");
            }
        }
        // a secret in the file: owner-only reading
        let secret = "[web-identity]\nrole_arn = \"arn:aws:iam::111122223333:role/ci\"\ntoken_command = \"curl -H 'Authorization: Bearer hunter2' http://x\"\n";
        assert!(load(&world(secret)).is_ok());
        for mode in [0o640, 0o604, 0o644] {
            let e = load(&world(secret).mode(CFG, mode)).unwrap_err();
            assert_eq!(e.code, ExitCode::PermissionDenied);
            assert!(e.message.contains("holds a token_command"), "{e}");
            assert!(e.message.contains("chmod 600"), "{e}");
            assert!(!e.message.contains("hunter2"), "{e}");
        }
        // the directory, or one above it, writable by others
        let e = load(&world(&text).mode("/home/u/.config/vouch", 0o777)).unwrap_err();
        assert_eq!(e.code, ExitCode::PermissionDenied);
        assert!(
            e.message
                .contains("/home/u/.config/vouch of the vouch configuration"),
            "{e}"
        );
        let e = load(&world(&text).mode("/home/u", 0o775)).unwrap_err();
        assert!(e.message.contains("the directory /home/u "), "{e}");
        // sticky directories (like /tmp) are fine
        let w = FakeWorld::new()
            .var("HOME", "/home/u")
            .var(ENV_CONFIG, "/tmp/v.toml")
            .file("/tmp/v.toml", "")
            .mode("/tmp/v.toml", 0o600)
            .mode("/tmp", 0o1777);
        assert!(load(&w).is_ok());
        // owned by someone else
        let e = load(&world(&text).owned_by_other(CFG)).unwrap_err();
        assert!(e.message.contains("belongs to another user"), "{e}");
        let e = load(&world(&text).owned_by_other("/home/u/.config")).unwrap_err();
        assert!(
            e.message
                .contains("/home/u/.config of the vouch configuration"),
            "{e}"
        );
        assert!(e.message.contains("belongs to another user"), "{e}");
        // not a file
        let w = FakeWorld::new().var("HOME", "/home/u").dir(CFG);
        assert!(load(&w).unwrap_err().message.contains("not a regular file"));
    }

    #[test]
    fn secrets_stay_out_of_debug() {
        let text = "[web-identity]\nrole_arn = \"arn:aws:iam::111122223333:role/ci\"\ntoken_command = \"get-token --password hunter2\"\n";
        let f = parse(text).unwrap();
        assert!(f.holds_secret());
        let c = resolve(
            Some(&f),
            &Overrides {
                source: Some(Given::new(SourceKind::WebIdentity, "--source")),
                ..Default::default()
            },
        )
        .unwrap();
        let all = format!("{f:?} {c:?} {}", c.describe());
        assert!(!all.contains("hunter2"), "{all}");
        let Source::WebIdentity(w) = &c.source else {
            panic!()
        };
        let TokenSource::Command(cmd) = &w.token else {
            panic!()
        };
        assert_eq!(cmd.expose(), "get-token --password hunter2");
    }

    #[test]
    fn precedence_flags_env_file() {
        let text = format!(
            "source = \"yubikey\"\n[aws-profile]\nprofile = \"filep\"\n[yubikey]\nslot = \"9c\"\ntrust_anchor_arn = \"{TA}\"\nprofile_arn = \"{PR}\"\nrole_arn = \"{ROLE}\"\n"
        );
        let w = world(&text);
        let file = load(&w).unwrap();
        let file = file.as_ref();
        // the file alone
        let c = resolve(file, &Overrides::default()).unwrap();
        assert_eq!(c.kind(), SourceKind::YubiKey);
        // env switches the source
        let env = Overrides::from_env(&w.clone().var(ENV_SOURCE, "aws-profile")).unwrap();
        let c = resolve(file, &env).unwrap();
        assert_eq!(
            c.source,
            Source::AwsProfile {
                profile: Some("filep".into())
            }
        );
        // AWS_PROFILE in the environment beats the file's profile
        let env2 = Overrides::from_env(
            &w.clone()
                .var(ENV_SOURCE, "aws-profile")
                .var("AWS_PROFILE", "envp"),
        )
        .unwrap();
        assert_eq!(
            resolve(file, &env2).unwrap().source,
            Source::AwsProfile { profile: None }
        );
        // a flag beats both
        let flags = Overrides {
            profile: Some(Given::new("flagp".into(), "--profile")),
            ..Default::default()
        };
        let c = resolve(file, &flags.or(env2)).unwrap();
        assert_eq!(
            c.source,
            Source::AwsProfile {
                profile: Some("flagp".into())
            }
        );
        // and a flag for the source beats VOUCH_SOURCE
        let flags = Overrides {
            source: Some(Given::new(SourceKind::YubiKey, "--source")),
            slot: Some(Given::new("9d".into(), "--slot")),
            ..Default::default()
        };
        let env = Overrides::from_env(
            &w.clone()
                .var(ENV_SOURCE, "aws-profile")
                .var(ENV_ROLE_ARN, "arn:aws:iam::111122223333:role/other"),
        )
        .unwrap();
        let c = resolve(file, &flags.or(env)).unwrap();
        let Source::RolesAnywhere(ra) = &c.source else {
            panic!()
        };
        assert_eq!(
            ra.key,
            KeyStore::YubiKey {
                slot: PivSlot(0x9d)
            }
        );
        assert_eq!(ra.role_arn, "arn:aws:iam::111122223333:role/other");
        // a bad VOUCH_SOURCE, a bad ARN in the environment
        let e = Overrides::from_env(&w.clone().var(ENV_SOURCE, "usb")).unwrap_err();
        assert!(
            e.message
                .starts_with("VOUCH_SOURCE: unknown credential source"),
            "{e}"
        );
        let env = Overrides::from_env(&w.clone().var(ENV_PROFILE_ARN, "nope")).unwrap();
        let e = resolve(file, &env).unwrap_err();
        assert!(
            e.message
                .starts_with("VOUCH_PROFILE_ARN: \"nope\" is not an ARN"),
            "{e}"
        );
        // an override that does not apply to the source
        let flags = Overrides {
            slot: Some(Given::new("9a".into(), "--slot")),
            source: Some(Given::new(SourceKind::AwsProfile, "--source")),
            ..Default::default()
        };
        let e = resolve(file, &flags).unwrap_err();
        assert_eq!(
            e.message,
            "--slot does not apply to the aws-profile credential source"
        );
    }

    #[test]
    fn missing_settings_say_where_to_put_them() {
        let e = load_resolve(
            &world("source = \"yubikey\"\n[yubikey]\n"),
            &Overrides::default(),
        )
        .unwrap_err();
        assert_eq!(e.code, ExitCode::Configuration);
        assert_eq!(
            e.message,
            format!("the yubikey credential source needs trust_anchor_arn: set it in [yubikey] of {CFG} or in VOUCH_TRUST_ANCHOR_ARN")
        );
        // all from the environment, no file at all
        let w = FakeWorld::new()
            .var("HOME", "/home/u")
            .var(ENV_SOURCE, "yubikey")
            .var(ENV_TRUST_ANCHOR_ARN, TA)
            .var(ENV_PROFILE_ARN, PR)
            .var(ENV_ROLE_ARN, ROLE);
        let c = resolve(None, &Overrides::from_env(&w).unwrap()).unwrap();
        assert_eq!(c.kind(), SourceKind::YubiKey);
        assert_eq!(c.file, None);
        let e = resolve(
            None,
            &Overrides::from_env(&w.var(ENV_SOURCE, "software-key")).unwrap(),
        )
        .unwrap_err();
        assert!(e.message.contains("needs certificate (a PEM file): set it in [software-key] of the vouch configuration file (there is none)"), "{e}");
        let e = load_resolve(&world("source = \"web-identity\"\n[web-identity]\nrole_arn = \"arn:aws:iam::111122223333:role/ci\"\n"), &Overrides::default()).unwrap_err();
        assert!(
            e.message.contains("needs token_file or token_command"),
            "{e}"
        );
    }

    #[test]
    fn cross_checks() {
        let other_region = PR.replace("eu-west-1", "us-east-1");
        let text = yubikey_file().replace(PR, &other_region);
        let e = load_resolve(&world(&text), &Overrides::default()).unwrap_err();
        assert!(e.message.contains("same account and region"), "{e}");
        let text = yubikey_file() + "region = \"us-east-1\"\n";
        let e = load_resolve(&world(&text), &Overrides::default()).unwrap_err();
        assert!(
            e.message.contains("but the trust anchor is in eu-west-1"),
            "{e}"
        );
        let text = yubikey_file().replace(ROLE, "arn:aws-cn:iam::111122223333:role/x");
        let e = load_resolve(&world(&text), &Overrides::default()).unwrap_err();
        assert!(e.message.contains("partition aws-cn"), "{e}");
    }

    #[test]
    fn assume_role() {
        let ar = "arn:aws:iam::444455556666:role/db";
        let text = yubikey_file()
            + &format!("[assume-role]\nrole_arn = \"{ar}\"\nsession_name = \"alice\"\nsource_identity = \"certificate-cn\"\nexternal_id = \"ext:1/2\"\n");
        let c = load_resolve(&world(&text), &Overrides::default()).unwrap();
        let a = c.assume_role.clone().unwrap();
        assert_eq!(a.role_arn, ar);
        assert_eq!(a.duration, DEFAULT_DURATION);
        assert_eq!(a.source_identity, SourceIdentity::CertificateCn);
        assert!(c.describe().ends_with(&format!("then assume role {ar}")));
        // the environment replaces the role, or turns assume-role off
        let w = world(&text).var(ENV_ASSUME_ROLE_ARN, "arn:aws:iam::444455556666:role/other");
        let c2 = load_resolve(&w, &Overrides::from_env(&w).unwrap()).unwrap();
        assert_eq!(
            c2.assume_role.as_ref().unwrap().session_name.as_deref(),
            Some("alice")
        );
        assert_eq!(
            c2.assume_role.unwrap().role_arn,
            "arn:aws:iam::444455556666:role/other"
        );
        let w = world(&text).var(ENV_ASSUME_ROLE_ARN, "");
        assert_eq!(
            load_resolve(&w, &Overrides::from_env(&w).unwrap())
                .unwrap()
                .assume_role,
            None
        );
        // role chaining: at most an hour
        let text2 = text.clone() + "duration = \"2h\"\n";
        let e = load_resolve(&world(&text2), &Overrides::default()).unwrap_err();
        assert!(
            e.message
                .contains("at most 1 hour (3600 s) when assuming a role with a role session"),
            "{e}"
        );
        // After the aws-profile source, [assume-role] is refused (the AWS
        // profile's own role_arn does that job).
        let text3 = text2.replace("source = \"yubikey\"", "source = \"aws-profile\"");
        let e = load_resolve(&world(&text3), &Overrides::default()).unwrap_err();
        assert!(e.message.contains("certificate-cn"), "{e}");
        let text4 = text3.replace("\"certificate-cn\"", "\"login-user\"");
        let e = load_resolve(&world(&text4), &Overrides::default()).unwrap_err();
        assert!(e.message.contains("follows a login source"), "{e}");
        // a different assumed role is a different cache key
        assert_ne!(
            c.cache_key(),
            load_resolve(&world(&yubikey_file()), &Overrides::default())
                .unwrap()
                .cache_key()
        );
    }

    #[test]
    fn source_identity_values() {
        assert_eq!(SourceIdentity::None.value(Some("x"), None).unwrap(), None);
        assert_eq!(
            SourceIdentity::CertificateCn
                .value(Some("alice@example.com"), None)
                .unwrap()
                .as_deref(),
            Some("alice@example.com")
        );
        let e = SourceIdentity::CertificateCn
            .value(Some("Alice Smith"), None)
            .unwrap_err();
        assert!(
            e.message
                .starts_with("the certificate's subject CN cannot be the SourceIdentity"),
            "{e}"
        );
        assert!(SourceIdentity::CertificateCn.value(None, None).is_err());
        assert_eq!(
            SourceIdentity::LoginUser
                .value(None, Some("bob"))
                .unwrap()
                .as_deref(),
            Some("bob")
        );
        assert!(
            SourceIdentity::Value("x".into()).value(None, None).is_err(),
            "too short"
        );
    }

    #[test]
    fn cache_keys() {
        let a = load_resolve(&world(&yubikey_file()), &Overrides::default()).unwrap();
        let b = load_resolve(&world(&yubikey_file()), &Overrides::default()).unwrap();
        assert_eq!(a.cache_key(), b.cache_key());
        let flags = Overrides {
            slot: Some(Given::new("9c".into(), "--slot")),
            ..Default::default()
        };
        let c = load_resolve(&world(&yubikey_file()), &flags).unwrap();
        assert_ne!(a.cache_key(), c.cache_key());
        // the duration does not change which session it is
        let d = load_resolve(
            &world(&yubikey_file().replace("1h30m", "2h")),
            &Overrides::default(),
        )
        .unwrap();
        assert_eq!(a.cache_key(), d.cache_key());
        assert_eq!(a.cache_key().as_str().len(), 32);
    }

    #[test]
    fn every_table_can_sit_in_one_file() {
        let text = format!(
            "source = \"aws-profile\"\n[aws-profile]\n[yubikey]\nslot = \"0x9E\"\n[software-key]\nprivate_key = \"k.pem\"\n[web-identity]\ntoken_file = \"/t\"\nsession_name = \"ci\"\nregion = \"us-east-1\"\nduration = \"12h\"\n[assume-role]\nrole_arn = \"{ROLE}\"\nsource_identity = \"none\"\n"
        );
        let f = parse(&text).unwrap();
        assert_eq!(f.yubikey.as_ref().unwrap().slot, Some(PivSlot(0x9e)));
        assert_eq!(
            f.web_identity.as_ref().unwrap().token,
            Some(TokenSource::File("/t".into()))
        );
        assert!(!f.holds_secret());
        // Unused tables are still checked; [assume-role] is in use, though,
        // and refused after the aws-profile source.
        let e = resolve(Some(&f), &Overrides::default()).unwrap_err();
        assert!(e.message.contains("follows a login source"), "{e}");
        let f = parse(
            &text
                .replace("source = \"aws-profile\"", "source = \"web-identity\"")
                .replace(
                    "token_file = \"/t\"",
                    "token_file = \"/t\"\nrole_arn = \"arn:aws:iam::123456789012:role/ci\"",
                ),
        )
        .unwrap();
        let c = resolve(Some(&f), &Overrides::default()).unwrap();
        assert!(matches!(c.source, Source::WebIdentity(_)));
        assert!(c.assume_role.is_some());
    }

    #[test]
    fn endpoints_are_https_only() {
        // vouch's client speaks only TLS: plain http is refused even to
        // the loopback interface, with a message that says what to do
        for e in [
            "http://127.0.0.1:8443/",
            "http://localhost:9000",
            "http://[::1]:1",
            "HTTP://127.0.0.1",
            "http://example.com",
        ] {
            for table in ["yubikey", "software-key"] {
                let text = format!("[{table}]\nendpoint = \"{e}\"\n");
                let err = parse(&text).unwrap_err();
                assert_eq!(err.code, ExitCode::Configuration);
                assert!(err.message.contains("2:12: endpoint"), "{err}");
                assert!(err.message.contains("plain http"), "{err}");
                assert!(err.message.contains("use an https:// URL"), "{err}");
            }
        }
        for e in ["ftp://x", "127.0.0.1:8443", "https://", ""] {
            let err = parse(&format!("[yubikey]\nendpoint = \"{e}\"\n")).unwrap_err();
            assert!(err.message.contains("is not an https:// URL"), "{err}");
        }
        let f = parse("[yubikey]\nendpoint = \"https://127.0.0.1:8443/\"\n").unwrap();
        assert_eq!(
            f.yubikey.unwrap().endpoint.as_deref(),
            Some("https://127.0.0.1:8443")
        );
    }

    #[test]
    fn symlinks_are_checked_where_they_lead() {
        let text = yubikey_file();
        const REAL: &str = "/srv/dotfiles/vouch/config.toml";
        let linked = || {
            FakeWorld::new()
                .var("HOME", "/home/u")
                .symlink(CFG, REAL)
                .file(REAL, &text)
                .mode(REAL, 0o600)
        };
        // a link into a safe place is fine; the file is its real location
        // (relative paths in it are relative to there)
        let f = load(&linked()).unwrap().unwrap();
        assert_eq!(f.path, PathBuf::from(REAL));
        let c = resolve(Some(&f), &Overrides::default()).unwrap();
        assert_eq!(c.file.as_deref(), Some(Path::new(REAL)));
        let Source::RolesAnywhere(ra) = &c.source else {
            panic!()
        };
        assert_eq!(
            ra.chain.as_deref(),
            Some(Path::new("/srv/dotfiles/vouch/chain.pem"))
        );
        // the real parent directory belongs to another user: refused, even
        // though every directory on the literal path is the user's
        let e = load(&linked().owned_by_other("/srv/dotfiles/vouch")).unwrap_err();
        assert_eq!(e.code, ExitCode::PermissionDenied);
        assert!(
            e.message.contains(&format!(
                "the directory /srv/dotfiles/vouch of the vouch configuration {REAL} belongs to another user"
            )),
            "{e}"
        );
        assert!(e.message.contains("chmod go-w /srv/dotfiles/vouch"), "{e}");
        // ... or one above it is writable by others
        let e = load(&linked().mode("/srv", 0o777)).unwrap_err();
        assert_eq!(e.code, ExitCode::PermissionDenied);
        assert!(e.message.contains("the directory /srv of"), "{e}");
        assert!(e.message.contains("is writable by others"), "{e}");
        // the real file belongs to another user or is writable by others
        let e = load(&linked().owned_by_other(REAL)).unwrap_err();
        assert_eq!(e.code, ExitCode::PermissionDenied);
        assert!(e.message.contains("belongs to another user"), "{e}");
        let e = load(&linked().mode(REAL, 0o666)).unwrap_err();
        assert!(
            e.message.contains(&format!("run `chmod 600 {REAL}`")),
            "{e}"
        );
        // a link to a directory on the way: the real directories count
        let w = FakeWorld::new()
            .var("HOME", "/home/u")
            .symlink("/home/u/.config", "/shared/cfg")
            .file("/shared/cfg/vouch/config.toml", &text)
            .mode("/shared/cfg/vouch/config.toml", 0o600)
            .owned_by_other("/shared/cfg");
        let e = load(&w).unwrap_err();
        assert_eq!(e.code, ExitCode::PermissionDenied);
        assert!(e.message.contains("the directory /shared/cfg of"), "{e}");
        // a relative link, resolved against the link's directory
        let w = linked().symlink(CFG, "../../../../srv/dotfiles/vouch/config.toml");
        assert_eq!(load(&w).unwrap().unwrap().path, PathBuf::from(REAL));
        // a dangling link at the default place is no file, as before
        let w = FakeWorld::new()
            .var("HOME", "/home/u")
            .dir("/home/u/.config/vouch")
            .symlink(CFG, "/nowhere/config.toml");
        assert_eq!(load(&w).unwrap(), None);
    }

    #[test]
    fn a_relative_vouch_config_is_taken_from_the_working_directory() {
        let text = yubikey_file();
        let w = FakeWorld::new()
            .var("HOME", "/home/u")
            .var(ENV_CONFIG, "config.toml")
            .cwd("/home/u/proj")
            .file("/home/u/proj/config.toml", &text)
            .mode("/home/u/proj/config.toml", 0o600);
        let f = load(&w).unwrap().unwrap();
        assert_eq!(f.path, PathBuf::from("/home/u/proj/config.toml"));
        // a world-writable working directory (not sticky) is refused
        let e = load(
            &w.clone()
                .cwd("/scratch")
                .file("/scratch/config.toml", &text)
                .mode("/scratch/config.toml", 0o600)
                .mode("/scratch", 0o777),
        )
        .unwrap_err();
        assert_eq!(e.code, ExitCode::PermissionDenied);
        assert!(
            e.message.contains(
                "the directory /scratch of the vouch configuration /scratch/config.toml is writable by others"
            ),
            "{e}"
        );
        // and so is a working directory owned by someone else
        let e = load(&w.clone().owned_by_other("/home/u/proj")).unwrap_err();
        assert!(e.message.contains("the directory /home/u/proj of"), "{e}");
        // `..` leaves through the real directories
        let w2 = w.clone().var(ENV_CONFIG, "../proj/./config.toml");
        assert_eq!(
            load(&w2).unwrap().unwrap().path,
            PathBuf::from("/home/u/proj/config.toml")
        );
        // a missing relative VOUCH_CONFIG is still an error
        let e = load(&w.var(ENV_CONFIG, "nope.toml")).unwrap_err();
        assert_eq!(e.code, ExitCode::Configuration);
        assert!(e.message.contains("nope.toml (from VOUCH_CONFIG)"), "{e}");
    }

    #[test]
    fn a_sticky_directory_needs_the_users_own_file() {
        let w = FakeWorld::new()
            .var("HOME", "/home/u")
            .var(ENV_CONFIG, "/tmp/v.toml")
            .file("/tmp/v.toml", "")
            .mode("/tmp/v.toml", 0o600)
            .mode("/tmp", 0o1777);
        assert!(load(&w).is_ok());
        // another user's file in /tmp is theirs to change
        let e = load(&w.clone().owned_by_other("/tmp/v.toml")).unwrap_err();
        assert_eq!(e.code, ExitCode::PermissionDenied);
        // as is another user's directory in /tmp
        let w = FakeWorld::new()
            .var("HOME", "/home/u")
            .var(ENV_CONFIG, "/tmp/d/v.toml")
            .file("/tmp/d/v.toml", "")
            .mode("/tmp/d/v.toml", 0o600)
            .mode("/tmp", 0o1777)
            .owned_by_other("/tmp/d");
        let e = load(&w).unwrap_err();
        assert!(e.message.contains("the directory /tmp/d of"), "{e}");
        // a link from /tmp into another user's directory
        let w = FakeWorld::new()
            .var("HOME", "/home/u")
            .var(ENV_CONFIG, "/tmp/v.toml")
            .symlink("/tmp/v.toml", "/home/mallory/v.toml")
            .file("/home/mallory/v.toml", "")
            .mode("/home/mallory/v.toml", 0o600)
            .mode("/tmp", 0o1777)
            .owned_by_other("/home/mallory");
        let e = load(&w).unwrap_err();
        assert!(e.message.contains("the directory /home/mallory of"), "{e}");
    }

    #[test]
    fn the_file_is_opened_without_following_a_last_link() {
        // what a link swapped in after the checks looks like: read_checked
        // refuses to follow it (O_NOFOLLOW), and load says so with exit 5
        struct Swapped(FakeWorld);
        impl World for Swapped {
            fn var(&self, name: &str) -> Option<String> {
                World::var(&self.0, name)
            }
            fn read_to_string(&self, path: &Path) -> std::io::Result<String> {
                self.0.read_to_string(path)
            }
            fn login_user(&self) -> Option<String> {
                self.0.login_user()
            }
            fn home(&self) -> Option<PathBuf> {
                self.0.home()
            }
            fn metadata(&self, path: &Path) -> std::io::Result<crate::world::FileMeta> {
                self.0.metadata(path)
            }
            fn canonicalize(&self, path: &Path) -> std::io::Result<PathBuf> {
                self.0.canonicalize(path)
            }
            fn read_checked(
                &self,
                path: &Path,
            ) -> std::io::Result<(Vec<u8>, crate::world::FileMeta)> {
                let w = self.0.clone().symlink(path.to_str().unwrap(), "/evil.toml");
                w.read_checked(path)
            }
        }
        let w = Swapped(world(&yubikey_file()).file("/evil.toml", ""));
        let e = load(&w).unwrap_err();
        assert_eq!(e.code, ExitCode::PermissionDenied);
        assert!(e.message.contains(CFG), "{e}");
        assert!(e.message.contains("replaced by a symbolic link"), "{e}");
    }

    /// On the real file system (as root, which can give a directory to
    /// `nobody`): a config that is a symlink into another user's directory
    /// is refused; one into the user's own is read from its real place.
    #[test]
    fn real_files_symlinked_into_another_users_directory() {
        use crate::world::{FileMeta, RealWorld};
        use std::os::unix::fs::{symlink, PermissionsExt};
        struct Env(std::collections::HashMap<String, String>);
        impl World for Env {
            fn var(&self, name: &str) -> Option<String> {
                self.0.get(name).cloned()
            }
            fn read_to_string(&self, path: &Path) -> std::io::Result<String> {
                RealWorld.read_to_string(path)
            }
            fn login_user(&self) -> Option<String> {
                RealWorld.login_user()
            }
            fn home(&self) -> Option<PathBuf> {
                self.var("HOME").map(PathBuf::from)
            }
            fn metadata(&self, path: &Path) -> std::io::Result<FileMeta> {
                RealWorld.metadata(path)
            }
            fn canonicalize(&self, path: &Path) -> std::io::Result<PathBuf> {
                RealWorld.canonicalize(path)
            }
            fn read_checked(&self, path: &Path) -> std::io::Result<(Vec<u8>, FileMeta)> {
                RealWorld.read_checked(path)
            }
        }
        if !nix::unistd::geteuid().is_root() {
            crate::say!("skipped: needs root to give a directory to nobody");
            return;
        }
        let Ok(Some(nobody)) = nix::unistd::User::from_name("nobody") else {
            crate::say!("skipped: no user nobody");
            return;
        };
        let tmp = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(tmp.path()).unwrap();
        let mode = |p: &Path, m: u32| {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap()
        };
        mode(&root, 0o700);
        let home = root.join("home");
        let cfg_dir = home.join(".config/vouch");
        std::fs::create_dir_all(&cfg_dir).unwrap();
        let theirs = root.join("theirs");
        let mine = root.join("mine");
        for d in [&theirs, &mine] {
            std::fs::create_dir(d).unwrap();
            mode(d, 0o755);
            std::fs::write(d.join("config.toml"), "source = \"aws-profile\"\n").unwrap();
            mode(&d.join("config.toml"), 0o600);
        }
        std::os::unix::fs::chown(&theirs, Some(nobody.uid.as_raw()), None).unwrap();
        let link = cfg_dir.join("config.toml");
        let env = Env([("HOME".to_owned(), home.display().to_string())]
            .into_iter()
            .collect());

        symlink(theirs.join("config.toml"), &link).unwrap();
        let e = load(&env).unwrap_err();
        assert_eq!(e.code, ExitCode::PermissionDenied);
        assert_eq!(e.code as i32, 5);
        assert!(
            e.message.contains(&format!(
                "the directory {} of the vouch configuration {} belongs to another user",
                theirs.display(),
                theirs.join("config.toml").display()
            )),
            "{e}"
        );

        std::fs::remove_file(&link).unwrap();
        symlink(mine.join("config.toml"), &link).unwrap();
        let f = load(&env).unwrap().unwrap();
        assert_eq!(f.path, mine.join("config.toml"));
        assert_eq!(f.source, Some(SourceKind::AwsProfile));

        // opening never follows a link in the last component, and a FIFO
        // is reported (not read, no hang)
        let e = RealWorld.read_checked(&link).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(nix::libc::ELOOP));
        let fifo = mine.join("fifo");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
        let (bytes, meta) = RealWorld.read_checked(&fifo).unwrap();
        assert!(bytes.is_empty() && !meta.is_file);
        let env = Env([
            ("HOME".to_owned(), home.display().to_string()),
            (ENV_CONFIG.to_owned(), fifo.display().to_string()),
        ]
        .into_iter()
        .collect());
        let e = load(&env).unwrap_err();
        assert!(e.message.contains("is not a regular file"), "{e}");
    }
}
