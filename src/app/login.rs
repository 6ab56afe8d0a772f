//! Sessions: `vouch login`, `logout`, `status`, `credential aws`, and the
//! credentials `exec` and `credential rds` sign with.
//!
//! The configured source (config file, `VOUCH_*` variables, flags) decides:
//! `aws-profile` (the default) reads the standard AWS chain on every run as
//! before; the other sources log in once and cache the session (see
//! [`crate::session`]), so later runs read one file and start no runtime.

use std::io::IsTerminal;
use std::time::{Duration, SystemTime};

use super::{print_stdout, Ui};
use crate::cli::{AwsCredentialArgs, LoginArgs, SourceOptions, StatusArgs, StatusFormat};
use crate::config::{self, Config, Given, KeyStore, Overrides, Source, SourceKind};
use crate::credentials::{self, expiry, ChainOptions, CredentialSource, Credentials};
use crate::error::{Error, Result};
use crate::https;
use crate::rolesanywhere::{self, SessionParams};
use crate::session::{Cache, Session, DEFAULT_SAFETY_WINDOW};
use crate::signer::software::SoftwareKeyPaths;
use crate::signer::X509Signer;
use crate::sts;
use crate::world::World;

/// How long the Roles Anywhere call may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// The configuration in force: flags over `VOUCH_*` variables over the
/// file. `profile` is `--profile` (the aws-profile source's).
pub(super) fn config_for(
    opts: &SourceOptions,
    profile: Option<&str>,
    world: &dyn World,
) -> Result<Config> {
    let file = config::load(world)?;
    let given = |v: &Option<String>, from: &'static str| {
        v.as_ref()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .map(|v| Given::new(v, from))
    };
    let source = match given(&opts.source, "--source") {
        Some(g) => Some(Given::new(
            SourceKind::parse(&g.value).map_err(|m| Error::config(format!("--source: {m}")))?,
            "--source",
        )),
        None => None,
    };
    let flags = Overrides {
        source,
        profile: profile.map(|p| Given::new(p.to_string(), "--profile")),
        trust_anchor_arn: given(&opts.trust_anchor_arn, "--trust-anchor-arn"),
        profile_arn: given(&opts.profile_arn, "--profile-arn"),
        role_arn: given(&opts.role_arn, "--role-arn"),
        duration: given(&opts.duration, "--duration"),
        ..Overrides::default()
    };
    config::resolve(file.as_ref(), &flags.or(Overrides::from_env(world)?))
}

/// Credentials to sign with: the AWS chain for the aws-profile source,
/// else the cached session, logging in first when a terminal is there to
/// answer (a PIN, a touch); without one, exit 2 asking for `vouch login`.
///
/// `window`: how much life a cached session must have left to be used:
/// [`crate::token::TOKEN_LIFETIME`] when a token is made from it (a token
/// made from credentials that end sooner would die early), the 60 s safety
/// window otherwise.
pub(super) fn credentials(
    ui: &Ui,
    opts: &SourceOptions,
    profile: Option<&str>,
    world: &dyn World,
    window: Duration,
) -> Result<(Credentials, CredentialSource)> {
    let cfg = config_for(opts, profile, world)?;
    if let Source::AwsProfile { profile } = &cfg.source {
        let opts = ChainOptions {
            profile: profile.clone(),
        };
        return credentials::resolve(&opts, world, SystemTime::now());
    }
    let interactive =
        ui.may_prompt && std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    let session = cached_or_login(ui, &cfg, world, interactive, false, window)?;
    let source = CredentialSource::Session {
        source: session.source.clone(),
    };
    Ok((session.credentials, source))
}

/// The cached session, or (when `may_login`) a new one from the source.
fn cached_or_login(
    ui: &Ui,
    cfg: &Config,
    world: &dyn World,
    may_login: bool,
    force: bool,
    window: Duration,
) -> Result<Session> {
    let cache = Cache::open(world)?;
    let key = cfg.cache_key();
    let now = SystemTime::now();
    // A new session is announced and cached only if it expires neither
    // too soon nor later than any AWS session can.
    let fresh = |s: Session| -> Result<Session> {
        s.check_fresh(SystemTime::now(), DEFAULT_SAFETY_WINDOW)?;
        announce("logged in", &s);
        if !s.valid_at(SystemTime::now(), crate::token::TOKEN_LIFETIME) {
            ui.warn(format!(
                "the new session ends at {}, sooner than a token's 15 minutes: tokens made from it would end with it, so vouch exec and vouch credential rds will ask for a new login (make the session longer: duration, and the Roles Anywhere profile's)",
                expiry::format(s.expires_at())
            ));
        }
        Ok(s)
    };
    let result = if force {
        login(ui, cfg, world)
            .and_then(fresh)
            .and_then(|s| cache.put(&key, &s).map(|_| s))
    } else {
        cache.get_or_refresh(&key, now, window, || {
            if may_login {
                login(ui, cfg, world).and_then(fresh)
            } else {
                Err(Error::auth(format!(
                    "no valid session for {} (none, or less than {} s left): run `vouch login`",
                    cfg.describe(),
                    window.as_secs()
                )))
            }
        })
    };
    for w in cache.take_warnings() {
        ui.warn(w);
    }
    result
}

/// Log in with the configured source: a new session, not cached yet.
fn login(ui: &Ui, cfg: &Config, world: &dyn World) -> Result<Session> {
    let ra = match &cfg.source {
        Source::RolesAnywhere(ra) => ra,
        Source::AwsProfile { .. } => {
            return Err(Error::config(
                "the aws-profile source needs no login: vouch reads the AWS credential chain on every run (configure a source in ~/.config/vouch/config.toml to log in)",
            ))
        }
        Source::WebIdentity(w) => return login_web_identity(ui, cfg, w, world),
    };
    let signer: Box<dyn X509Signer> = match &ra.key {
        KeyStore::SoftwareKey {
            certificate,
            private_key,
        } => Box::new(
            SoftwareKeyPaths {
                certificate: certificate.clone(),
                chain: ra.chain.clone(),
                private_key: private_key.clone(),
            }
            .load(world)?,
        ),
        KeyStore::YubiKey { slot } => Box::new(crate::signer::yubikey::YubiKeySigner::open(
            world,
            *slot,
            ra.chain.as_deref(),
        )?),
    };
    let now = SystemTime::now();
    let described = signer.describe();
    let cert_origin = match &ra.key {
        KeyStore::SoftwareKey { certificate, .. } => format!("file {}", certificate.display()),
        KeyStore::YubiKey { .. } => signer.location(),
    };
    signer.leaf().check_validity(now, &cert_origin)?;
    ui.info(crate::session::clean_text(&format!(
        "signing IAM Roles Anywhere CreateSession with {described}"
    )));
    let params = SessionParams {
        duration_seconds: u32::try_from(ra.duration.as_secs()).unwrap_or(u32::MAX),
        endpoint: ra.endpoint.clone(),
        ..SessionParams::new(
            ra.region.clone(),
            ra.trust_anchor_arn.clone(),
            ra.profile_arn.clone(),
            ra.role_arn.clone(),
        )
    };
    let request = rolesanywhere::build_request(signer.as_ref(), &params, now)?;
    let url = https::Url::parse(&request.url)?;
    let response = https::post(
        &url,
        &request.headers,
        &request.body,
        ra.ca_bundle.as_deref(),
        CALL_TIMEOUT,
    )?;
    let got = rolesanywhere::parse_response(response.status, &response.headers, &response.body)?;
    let identity = match (&described.subject_cn, &got.assumed_role_arn) {
        (Some(cn), Some(arn)) => format!("{cn} as {arn}"),
        (Some(cn), None) => cn.clone(),
        (None, Some(arn)) => arn.clone(),
        (None, None) => described.subject.clone(),
    };
    // [assume-role]: chain from the Roles Anywhere session; the cached
    // session is the assumed role's.
    let (credentials, identity) = match &cfg.assume_role {
        Some(a) => {
            let who = described
                .subject_cn
                .clone()
                .unwrap_or_else(|| described.subject.clone());
            let via = got
                .assumed_role_arn
                .clone()
                .unwrap_or_else(|| ra.role_arn.clone());
            assume_after(
                ui,
                world,
                &got.credentials,
                &ra.region,
                a,
                Chained {
                    who: Some(&who),
                    cn: described.subject_cn.as_deref(),
                    via: &via,
                },
            )?
        }
        None => (got.credentials, identity),
    };
    Session::new(
        credentials,
        cfg.describe(),
        identity,
        signer.hardware_backed(),
    )
}

/// The web-identity source: STS AssumeRoleWithWebIdentity with the token
/// (read now, never cached nor printed), then `[assume-role]` if set.
fn login_web_identity(
    ui: &Ui,
    cfg: &Config,
    w: &config::WebIdentity,
    world: &dyn World,
) -> Result<Session> {
    let token = sts::read_token(&w.token, world)?;
    let region = w
        .region
        .clone()
        .unwrap_or_else(|| sts::default_region(world));
    let user = world.login_user();
    let name = sts::session_name(w.session_name.as_deref(), &[user.as_deref()]);
    let endpoint = sts::endpoint_override(world);
    ui.info(format!(
        "calling STS AssumeRoleWithWebIdentity for {} as session {name} (region {region})",
        w.role_arn
    ));
    let got = sts::assume_role_with_web_identity(
        &w.role_arn,
        &token,
        &name,
        &region,
        w.duration,
        endpoint.as_deref(),
    )?;
    drop(token);
    let arn = if got.assumed_role_arn.is_empty() {
        w.role_arn.clone()
    } else {
        got.assumed_role_arn.clone()
    };
    let (credentials, identity) = match &cfg.assume_role {
        Some(a) => assume_after(
            ui,
            world,
            &got.credentials,
            &region,
            a,
            Chained {
                who: got.subject.as_deref(),
                cn: None,
                via: &arn,
            },
        )?,
        None => {
            let identity = match &got.subject {
                Some(sub) => format!("{sub} as {arn}"),
                None => arn,
            };
            (got.credentials, identity)
        }
    };
    Session::new(credentials, cfg.describe(), identity, false)
}

/// What an `[assume-role]` step knows of the session before it.
struct Chained<'a> {
    /// Who logged in (certificate CN or subject, token subject), if known.
    who: Option<&'a str>,
    /// The certificate's subject CN (for `source_identity = "certificate-cn"`).
    cn: Option<&'a str>,
    /// The source's role session ARN (or role ARN).
    via: &'a str,
}

/// `[assume-role]` with the source's credentials: the new credentials and
/// the session identity ("WHO as ASSUMED-ROLE-ARN (via SOURCE-ROLE)").
fn assume_after(
    ui: &Ui,
    world: &dyn World,
    creds: &Credentials,
    region: &str,
    a: &config::AssumeRole,
    before: Chained<'_>,
) -> Result<(Credentials, String)> {
    let user = world.login_user();
    let source_identity = a.source_identity.value(before.cn, user.as_deref())?;
    let name = sts::session_name(a.session_name.as_deref(), &[before.cn, user.as_deref()]);
    ui.info(format!(
        "calling STS AssumeRole for {} as session {name}{} (region {region})",
        a.role_arn,
        source_identity
            .as_deref()
            .map(|s| format!(", SourceIdentity {s}"))
            .unwrap_or_default()
    ));
    let endpoint = sts::endpoint_override(world);
    let got = sts::assume_role(
        creds,
        region,
        a,
        source_identity.as_deref(),
        &name,
        endpoint.as_deref(),
    )?;
    let arn = if got.assumed_role_arn.is_empty() {
        a.role_arn.clone()
    } else {
        got.assumed_role_arn
    };
    let identity = match before.who {
        Some(w) => format!("{w} as {arn} (via {})", before.via),
        None => format!("{arn} (via {})", before.via),
    };
    Ok((got.credentials, identity))
}

pub(super) fn run_login(ui: &Ui, mut args: LoginArgs, world: &dyn World) -> Result<i32> {
    crate::signer::yubikey::set_wait_for_key(Duration::from_secs(args.timeout));
    if args.login_duration.is_some() {
        args.source.duration = args.login_duration.take();
    }
    let cfg = config_for(&args.source, None, world)?;
    let before =
        Cache::open(world)?.get(&cfg.cache_key(), SystemTime::now(), DEFAULT_SAFETY_WINDOW);
    let session = cached_or_login(ui, &cfg, world, true, args.force, DEFAULT_SAFETY_WINDOW)?;
    if before.is_some() && !args.force {
        announce("already logged in", &session);
    }
    Ok(0)
}

/// One line on stderr about a session (no secret; the identity cleaned
/// of escape sequences and bidirectional overrides).
fn announce(what: &str, s: &Session) {
    crate::say!(
        "vouch: {what}: {} ({}), valid until {}",
        crate::session::clean_text(&s.identity),
        if s.hardware_backed {
            "hardware-backed"
        } else {
            "not hardware-backed"
        },
        expiry::format(s.expires_at())
    );
}

/// `vouch logout`: wipes the sessions in every directory they may be in
/// (`$XDG_RUNTIME_DIR`'s and the cache directory's: a login made with
/// another environment wrote to the other one). A directory that fails
/// does not stop the others; the first failure is returned after the
/// total is reported.
pub(super) fn run_logout(ui: &Ui, world: &dyn World) -> Result<i32> {
    let dirs = crate::session::session_dirs(world)?;
    let mut total = 0;
    let mut failed: Option<Error> = None;
    for (i, dir) in dirs.iter().enumerate() {
        // The current directory is made if need be (as before); another
        // one only looked into if it is there.
        if i > 0 && std::fs::symlink_metadata(dir).is_err() {
            continue;
        }
        let removed = Cache::at(dir).and_then(|cache| {
            let n = cache.remove_all();
            for w in cache.take_warnings() {
                ui.warn(w);
            }
            n
        });
        match removed {
            Ok(n) => total += n,
            Err(e) if failed.is_none() => failed = Some(e),
            Err(e) => ui.warn(e.message),
        }
    }
    // The shell hook's password files hold tokens made from the sessions.
    match super::shellcmd::remove_passfiles(world) {
        Ok(0) => {}
        Ok(n) => crate::say!(
            "vouch: removed {n} shell hook password file{}",
            if n == 1 { "" } else { "s" }
        ),
        Err(e) if failed.is_none() => failed = Some(e),
        Err(e) => ui.warn(e.message),
    }
    crate::say!(
        "vouch: removed {total} cached session{}",
        if total == 1 { "" } else { "s" }
    );
    match failed {
        Some(e) => Err(e),
        None => Ok(0),
    }
}

/// `vouch credential aws`: the session as `credential_process` output
/// (version 1). For the aws-profile source, the chain's credentials.
pub(super) fn run_credential_aws(
    ui: &Ui,
    args: AwsCredentialArgs,
    world: &dyn World,
) -> Result<i32> {
    let (creds, _) = credentials(ui, &args.source, None, world, DEFAULT_SAFETY_WINDOW)?;
    print_stdout(&process_json(&creds))?;
    Ok(0)
}

fn process_json(c: &Credentials) -> String {
    let mut v = serde_json::json!({
        "Version": 1,
        "AccessKeyId": c.access_key_id,
        "SecretAccessKey": c.secret_access_key.expose(),
    });
    if let Some(t) = &c.session_token {
        v["SessionToken"] = t.expose().into();
    }
    if let Some(e) = c.expires_at {
        v["Expiration"] = expiry::format(e).into();
    }
    format!("{v}\n")
}

pub(super) fn run_status(ui: &Ui, args: StatusArgs, world: &dyn World) -> Result<i32> {
    let cfg = config_for(&args.source, None, world)?;
    let now = SystemTime::now();
    let session = match cfg.source {
        Source::AwsProfile { .. } => None,
        _ => {
            let cache = Cache::open(world)?;
            let s = cache.get(&cfg.cache_key(), now, Duration::ZERO);
            for w in cache.take_warnings() {
                ui.warn(w);
            }
            s
        }
    };
    let left = session
        .as_ref()
        .map(|s| s.expires_at().duration_since(now).unwrap_or_default());
    // --check: who AWS says the credentials are (the chain's for aws-profile).
    let caller = if args.check {
        let creds = match (&session, &cfg.source) {
            (Some(s), _) => Some(s.credentials.clone()),
            (None, Source::AwsProfile { profile }) => Some(
                credentials::resolve(
                    &ChainOptions {
                        profile: profile.clone(),
                    },
                    world,
                    now,
                )?
                .0,
            ),
            (None, _) => None,
        };
        match creds {
            Some(c) => Some(crate::sts::get_caller_identity(
                &c,
                &crate::sts::default_region(world),
                crate::sts::endpoint_override(world).as_deref(),
            )?),
            None => None,
        }
    } else {
        None
    };
    let text = match args.format {
        StatusFormat::Human => {
            let mut out = format!("source:      {}\n", cfg.describe());
            if let Some(f) = &cfg.file {
                out.push_str(&format!("config:      {}\n", f.display()));
            }
            match (&session, left) {
                (Some(s), Some(left)) => {
                    out.push_str(&format!("identity:    {}\n", s.identity));
                    out.push_str(&format!(
                        "hardware:    {}\n",
                        if s.hardware_backed {
                            "hardware-backed"
                        } else {
                            "not hardware-backed"
                        }
                    ));
                    out.push_str(&format!(
                        "session:     valid until {} ({} min left)\n",
                        expiry::format(s.expires_at()),
                        left.as_secs() / 60
                    ));
                }
                _ if cfg.kind() == SourceKind::AwsProfile => out.push_str(
                    "session:     none needed (the AWS credential chain is read on every run)\n",
                ),
                _ => out.push_str("session:     none: run `vouch login`\n"),
            }
            if let Some(c) = &caller {
                out.push_str(&format!(
                    "aws says:    {} (account {})\n",
                    crate::session::clean_text(&c.arn),
                    crate::session::clean_text(&c.account)
                ));
            }
            out
        }
        StatusFormat::Json => {
            let v = serde_json::json!({
                "source": cfg.kind().name(),
                "description": cfg.describe(),
                "config": cfg.file.as_ref().map(|f| f.display().to_string()),
                "logged_in": session.is_some(),
                "identity": session.as_ref().map(|s| s.identity.clone()),
                "hardware_backed": session.as_ref().map(|s| s.hardware_backed),
                "expiration": session.as_ref().map(|s| expiry::format(s.expires_at())),
                "seconds_left": left.map(|l| l.as_secs()),
                "caller_arn": caller.as_ref().map(|c| crate::session::clean_text(&c.arn)),
                "caller_account": caller.as_ref().map(|c| c.account.clone()),
            });
            format!("{v}\n")
        }
        StatusFormat::Shell => {
            let q = |s: &str| format!("'{}'", s.replace('\'', "'\\''"));
            let mut out = format!(
                "VOUCH_SOURCE_KIND={}\nVOUCH_LOGGED_IN={}\n",
                cfg.kind().name(),
                u8::from(session.is_some())
            );
            if let Some(c) = &caller {
                out.push_str(&format!(
                    "VOUCH_CALLER_ARN={}\n",
                    q(&crate::session::clean_text(&c.arn))
                ));
            }
            if let (Some(s), Some(left)) = (&session, left) {
                out.push_str(&format!("VOUCH_IDENTITY={}\n", q(&s.identity)));
                out.push_str(&format!(
                    "VOUCH_HARDWARE_BACKED={}\n",
                    u8::from(s.hardware_backed)
                ));
                out.push_str(&format!(
                    "VOUCH_EXPIRATION={}\nVOUCH_SECONDS_LEFT={}\n",
                    expiry::format(s.expires_at()),
                    left.as_secs()
                ));
            }
            out
        }
    };
    print_stdout(&text)?;
    // Like `aws sts get-caller-identity`, a script can test the status.
    Ok(
        if session.is_some() || cfg.kind() == SourceKind::AwsProfile {
            0
        } else {
            2
        },
    )
}
