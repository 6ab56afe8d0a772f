//! The commands: each turns parsed arguments into work, gathering the
//! effects (environment, files, credentials, DNS, execve) around the pure
//! core. `exec` has one flow per client family: [`pg`] for libpq clients,
//! [`my`] for the MySQL family; what they share is here.

mod login;
mod my;
mod pg;
mod redshift;
mod shellcmd;
mod targets;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::cli::{AwsOptions, Cli, Command, CredentialCommand, ExecArgs, RdsCredentialArgs};
use crate::credentials::{self, ChainOptions, CredentialSource, Credentials};
use crate::endpoint::{choose_region, parse_rds_host, RegionChoice};
use crate::error::{Error, Result};
use crate::libpq::PgClient;
use crate::mysql::MyClient;
use crate::plan::{EnvSet, ExecPlan};
use crate::target::{SigningTarget, Via};
use crate::token::{rds_token, SigningKeys, TokenRequest, TOKEN_LIFETIME};
use crate::world::{RealWorld, World};
use crate::{ca, exec, named};

/// Run a parsed command line; returns the exit code for success paths that
/// do not exec.
pub fn run(cli: Cli) -> Result<i32> {
    let ui = Ui {
        verbose: cli.verbose,
        // The shell hook runs vouch before a prompt: never ask for a PIN
        // or a touch there.
        may_prompt: !matches!(cli.command, Command::HookExport { .. }),
    };
    let world = RealWorld;
    match cli.command {
        Command::Exec(args) => run_exec(&ui, args),
        Command::Credential(CredentialCommand::Rds(args)) => run_credential_rds(&ui, args),
        Command::Credential(CredentialCommand::Redshift(args)) => {
            check_env_utf8()?;
            redshift::run_credential(&ui, args, &world)
        }
        Command::Credential(CredentialCommand::Aws(args)) => {
            check_env_utf8()?;
            login::run_credential_aws(&ui, args, &world)
        }
        Command::Login(args) => {
            check_env_utf8()?;
            login::run_login(&ui, args, &world)
        }
        Command::Logout => login::run_logout(&ui, &world),
        Command::Completions { shell } => {
            print_stdout(&completion_script(shell))?;
            Ok(0)
        }
        Command::Status(args) => {
            check_env_utf8()?;
            login::run_status(&ui, args, &world)
        }
        Command::Env(args) => shellcmd::run_env(&ui, args),
        Command::Hook { shell } => shellcmd::run_hook(shell),
        Command::Alias { shell, clients } => shellcmd::run_alias(shell, &clients),
        Command::Allow { path } => shellcmd::run_allow(path.as_deref(), &world),
        Command::Deny { path } => shellcmd::run_deny(path.as_deref(), &world),
        Command::HookExport { shell, mode, file } => {
            shellcmd::run_hook_export(&ui, shell, mode, &file)
        }
    }
}

/// Messages to the user on stderr.
struct Ui {
    verbose: bool,
    /// May a login ask the user (PIN, touch) when a terminal is there?
    may_prompt: bool,
}

impl Ui {
    fn info(&self, msg: impl AsRef<str>) {
        if self.verbose {
            crate::say!("vouch: {}", crate::error::printable(msg.as_ref()));
        }
    }
    fn warn(&self, msg: impl AsRef<str>) {
        crate::say!("vouch: warning: {}", crate::error::printable(msg.as_ref()));
    }
}

/// Print to stdout; a closed pipe is not an error.
fn print_stdout(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::general(format!(
            "cannot write to standard output: {e}"
        ))),
    }
}

fn chain_options(aws: &AwsOptions) -> ChainOptions {
    ChainOptions {
        profile: aws.profile.clone(),
    }
}

fn region_for(aws: &AwsOptions, target: &SigningTarget, world: &dyn World) -> Result<RegionChoice> {
    let opts = chain_options(aws);
    choose_region(
        aws.region.as_deref(),
        target.endpoint.as_ref(),
        &|v| world.var(v),
        &|| credentials::profile_region(&opts, world),
    )
}

/// Credentials that outlive a token made now.
fn get_credentials(
    ui: &Ui,
    aws: &AwsOptions,
    world: &dyn World,
) -> Result<(Credentials, CredentialSource)> {
    get_credentials_for(ui, aws, world, TOKEN_LIFETIME)
}

/// Credentials with at least `window` left.
fn get_credentials_for(
    ui: &Ui,
    aws: &AwsOptions,
    world: &dyn World,
    window: std::time::Duration,
) -> Result<(Credentials, CredentialSource)> {
    let (creds, source) =
        login::credentials(ui, &aws.source, aws.profile.as_deref(), world, window)?;
    ui.info(format!("credentials from {source}"));
    Ok((creds, source))
}

fn sign(creds: &Credentials, target: &SigningTarget, user: &str, region: &str) -> Result<String> {
    rds_token(
        SigningKeys {
            access_key_id: &creds.access_key_id,
            secret_access_key: creds.secret_access_key.expose(),
            session_token: creds.session_token.as_ref().map(|t| t.expose()),
        },
        &TokenRequest {
            host: &target.host,
            port: target.port,
            user,
            region,
        },
        SystemTime::now(),
    )
}

fn run_credential_rds(ui: &Ui, args: RdsCredentialArgs) -> Result<i32> {
    let world = RealWorld;
    check_env_utf8()?;
    let host = args
        .hostname
        .strip_suffix('.')
        .unwrap_or(&args.hostname)
        .to_string();
    if host.is_empty() {
        return Err(Error::config(
            "--hostname is empty; give the RDS endpoint name",
        ));
    }
    if host.contains(':') || host.contains('/') {
        return Err(Error::config(format!(
            "--hostname {:?} must be a host name alone; give the port with --port",
            args.hostname
        )));
    }
    if !host
        .split('.')
        .all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
    {
        return Err(Error::config(format!(
            "--hostname {:?} is not a DNS host name (letters, digits, '-' and '.')",
            args.hostname
        )));
    }
    let target = SigningTarget {
        endpoint: parse_rds_host(&host),
        host,
        port: args.port,
        via: Via::Direct,
    };
    let region = region_for(&args.aws, &target, &world)?;
    report_region(ui, &region);
    let (creds, _) = get_credentials(ui, &args.aws, &world)?;
    let token = sign(&creds, &target, &args.username, &region.region)?;
    print_stdout(&format!("{token}\n"))?;
    Ok(0)
}

fn report_region(ui: &Ui, region: &RegionChoice) {
    if let Some(w) = &region.warning {
        ui.warn(w);
    }
    ui.info(format!("region {} (from {})", region.region, region.source));
}

/// variable that vouch, libpq or getopt reads, that is not valid UTF-8 would
/// be seen differently by vouch and by the client.
pub(crate) fn check_utf8(args: &ExecArgs) -> Result<()> {
    for (i, a) in args.command.iter().enumerate() {
        if a.to_str().is_none() {
            return Err(Error::config(format!(
                "client argument {i} ({}) is not valid UTF-8; vouch cannot read it the way the client would",
                a.to_string_lossy()
            )));
        }
    }
    check_env_utf8()
}

/// Refuse a variable that vouch, libpq or getopt reads when it is not valid
/// UTF-8: vouch would see it as unset while the client uses it.
fn check_env_utf8() -> Result<()> {
    for (k, v) in std::env::vars_os() {
        let k = k.to_string_lossy();
        let read = k.starts_with("PG")
            || k.starts_with("MYSQL")
            || k.starts_with("MARIADB")
            || k.starts_with("LIBMYSQL")
            || k.starts_with("AWS_")
            || k.starts_with("VOUCH_")
            || k.starts_with("XDG_")
            || k == "HOME"
            || k == "POSIXLY_CORRECT"
            || k == "USER";
        if read && v.to_str().is_none() {
            return Err(Error::config(format!(
                "the environment variable {k} is not valid UTF-8; vouch cannot read it the way the client would: fix or unset it"
            )));
        }
    }
    Ok(())
}

fn masked_key(id: &str) -> String {
    let tail: String = id
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("{}{tail}", "*".repeat(id.len().saturating_sub(4)))
}

/// Which family a client belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Pg(PgClient),
    My(MyClient),
}

/// The client named after `--`: its family and its arguments as text.
fn client_of(args: &ExecArgs) -> Result<(Family, String, Vec<String>)> {
    let (program_arg, client_args) = args
        .command
        .split_first()
        .ok_or_else(|| Error::general("no client given; usage: vouch exec -- psql ..."))?;
    if program_arg.to_string_lossy().starts_with('-') {
        return Err(Error::general(format!(
            "{:?} is not an option of vouch exec; put vouch's options before `--` and the client after it: vouch exec [OPTIONS] -- psql ...",
            program_arg.to_string_lossy()
        )));
    }
    let base = Path::new(program_arg)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let family = PgClient::from_program(&base)
        .map(Family::Pg)
        .or_else(|| MyClient::from_program(&base).map(Family::My))
        .ok_or_else(|| {
            let mut names: Vec<&str> = PgClient::ALL.iter().map(|c| c.name()).collect();
            names.extend(MyClient::ALL.iter().flat_map(|c| c.names()));
            Error::config(format!(
                "{base:?} is not a client vouch knows; supported: {}",
                names.join(", ")
            ))
        })?;
    let client_args = client_args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    Ok((family, base, client_args))
}

/// The real client program for `args.command[0]`, never vouch itself nor a
/// wrapper an outer vouch already ran; with the skip list to pass on.
/// `pg_wrapper`: the client's name when Debian's pg_wrapper may stand in
/// front of it.
fn program_of(args: &ExecArgs, pg_wrapper: Option<&str>) -> Result<(PathBuf, EnvSet)> {
    let self_exe = std::env::current_exe().unwrap_or_default();
    let skip_var = std::env::var_os(exec::SKIP_VAR);
    let skip = exec::Skip::new(&self_exe, skip_var.as_deref(), std::process::id());
    skip.check_depth(&args.command[0])?;
    let path_var = std::env::var_os("PATH");
    let found = match exec::find_program(&args.command[0], path_var.as_deref(), &skip) {
        Ok(found) => found,
        // `vouch env` describes a connection; it runs no client, which
        // need not even be installed.
        Err(_) if args.for_env => PathBuf::from(&args.command[0]),
        Err(e) => return Err(e),
    };
    let program = pg_wrapper
        .and_then(|name| exec::behind_pg_wrapper(&found, name, Path::new("/usr/lib/postgresql")))
        .unwrap_or(found);
    let passed_on = EnvSet {
        name: exec::SKIP_VAR,
        value: skip.passed_on(&program).to_string_lossy().into_owned(),
        secret: false,
    };
    Ok((program, passed_on))
}

/// Run the client as given, without a token: it does not connect
/// (`--help`, `--version`, ...).
fn run_as_is(
    ui: &Ui,
    args: &ExecArgs,
    name: &str,
    program: PathBuf,
    skip_env: EnvSet,
) -> Result<i32> {
    if args.explain {
        print_stdout(&format!(
            "{name} with these arguments does not connect to a server: it would run as is, without a token.\nprogram:     {}\n",
            program.display()
        ))?;
        return Ok(0);
    }
    ui.info(format!(
        "{name} does not connect with these arguments; running it as is"
    ));
    let plan = ExecPlan {
        program,
        argv: args.command.clone(),
        set: vec![skip_env],
        unset: vec![],
    };
    Err(exec::exec(&plan))
}

fn run_exec(ui: &Ui, args: ExecArgs) -> Result<i32> {
    match exec_or_env(ui, args)? {
        Outcome::Code(c) => Ok(c),
        Outcome::Env(_) => Err(Error::general(
            "internal: exec described instead of running",
        )),
    }
}

/// What an exec flow ends with when it does not execve: an exit code
/// (`--explain`), or for `vouch env` what the client would get.
pub(crate) enum Outcome {
    Code(i32),
    Env(EnvOut),
}

/// The variables a client would get, and when the token in them expires.
pub(crate) struct EnvOut {
    pub vars: Vec<(&'static str, String)>,
    pub expires: SystemTime,
    /// What the user must still pass the client by hand (stderr).
    pub notes: Vec<String>,
}

/// When a token made now from `creds` stops working.
fn token_expiry(creds: &Credentials) -> SystemTime {
    let now = SystemTime::now();
    let token_end = now + TOKEN_LIFETIME;
    creds.expires_at.map_or(token_end, |e| e.min(token_end))
}

fn not_connecting(client: &str) -> Error {
    Error::config(format!(
        "{client} with these arguments does not connect to a server, so there is no environment to print"
    ))
}

/// The exec flow, run (`exec`) or described (`args.for_env`).
fn exec_or_env(ui: &Ui, mut args: ExecArgs) -> Result<Outcome> {
    let world = RealWorld;
    check_utf8(&args)?;
    let (family, base, client_args) = client_of(&args)?;
    match family {
        Family::Pg(client) => {
            let t = targets::apply(ui, &mut args, named::Engine::Postgres, &base, &world)?;
            pg::run_exec(ui, &args, client, &client_args, &world, t.as_ref())
        }
        Family::My(client) => {
            let t = targets::apply(ui, &mut args, named::Engine::Mysql, &base, &world)?;
            my::run_exec(ui, &args, client, &base, &client_args, &world, t.as_ref())
        }
    }
}

/// The CA bundle the client is to check the server with: `--ca-bundle`,
/// else the built-in one (written to disk only right before the client runs).
fn ca_choice(args: &ExecArgs, world: &dyn World) -> Result<(PathBuf, String)> {
    Ok(match &args.ca_bundle {
        Some(p) => (ca::user_bundle(p)?, "--ca-bundle".to_string()),
        None => (
            ca::builtin_bundle_location(world)?,
            "the built-in RDS CA bundle".to_string(),
        ),
    })
}

fn bundle_warning(region: &str) -> Option<String> {
    (!ca::bundle_covers(region)).then(|| format!(
        "the built-in RDS CA bundle has no root certificate for {region}; if the server's certificate cannot be verified, get the RDS certificate bundle for that region from AWS and pass it with --ca-bundle FILE"
    ))
}

fn iam_host_warning(target: &SigningTarget, region: &RegionChoice) -> Option<String> {
    (target.via == Via::IamHost && target.endpoint.is_none()).then(|| format!(
        "--iam-host {} is not an RDS endpoint name; the token is signed for it as given, in region {} (from {})",
        target.host, region.region, region.source
    ))
}

fn report_signing(ui: &Ui, target: &SigningTarget, user: &str) {
    ui.info(format!(
        "signing for {}:{} as {:?}{}",
        target.host,
        target.port,
        user,
        match &target.via {
            Via::Direct => String::new(),
            Via::Cname { alias } => format!(" (CNAME of {alias})"),
            Via::IamHost => " (--iam-host)".to_string(),
        }
    ));
}

/// The explain lines every family shares: endpoint, signing, region,
/// credentials. `valid` is how long the token will be good for.
fn explain_signing(
    target: &SigningTarget,
    user: &str,
    region: &RegionChoice,
    source: &CredentialSource,
    creds: &Credentials,
) -> (Vec<(&'static str, String)>, std::time::Duration) {
    let t = target;
    let endpoint = match &t.endpoint {
        Some(e) => format!(
            "{} {:?} in {} (partition {})",
            e.kind.describe(),
            e.name,
            e.region,
            e.partition.name()
        ),
        None => "not an RDS name (signed as given)".into(),
    };
    let via = match &t.via {
        Via::Direct => "the client's host".to_string(),
        Via::Cname { alias } => format!("CNAME of {alias}"),
        Via::IamHost => "--iam-host".to_string(),
    };
    let now = SystemTime::now();
    let left = creds
        .expires_at
        .map(|e| e.duration_since(now).unwrap_or_default());
    let expires = match (creds.expires_at, left) {
        (Some(at), Some(left)) => {
            let at = credentials::expiry::format(at);
            format!(", expire at {at} (in {} s)", left.as_secs())
        }
        _ => String::new(),
    };
    // A token made from temporary credentials dies with them.
    let valid = left.map_or(TOKEN_LIFETIME, |l| l.min(TOKEN_LIFETIME));
    let lines = vec![
        ("endpoint:", endpoint),
        (
            "sign for:",
            format!("{}:{} as user {:?} (from {via})", t.host, t.port, user),
        ),
        (
            "region:",
            format!("{} (from {})", region.region, region.source),
        ),
        (
            "credentials:",
            format!(
                "{source}, access key {}{expires}",
                masked_key(&creds.access_key_id)
            ),
        ),
    ];
    (lines, valid)
}

/// The closing lines of `--explain`: TLS, environment and argv.
fn explain_tail(
    tls: String,
    root_from_vouch: bool,
    ca_note: &str,
    env: &[String],
    argv: &[std::ffi::OsString],
    argv_note: &str,
) -> Vec<(&'static str, String)> {
    let roots = if root_from_vouch {
        ca_note
    } else {
        "the user's settings"
    };
    let argv: Vec<String> = argv
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    vec![
        ("tls:", format!("{tls}, root certificates from {roots}")),
        ("environment:", env.join(" ")),
        ("argv:", format!("{argv:?}{argv_note}")),
    ]
}

/// Lay out `key: value` lines as `--explain` prints them.
fn explain_text(lines: &[(&str, String)]) -> String {
    lines.iter().map(|(k, v)| format!("{k:<13}{v}\n")).collect()
}

/// The environment line of `--explain`: secrets as a description only.
fn explain_env(plan: &ExecPlan, valid: std::time::Duration) -> Vec<String> {
    plan.set
        .iter()
        .map(|s| {
            if s.secret {
                format!("{}=<token, valid {} s>", s.name, valid.as_secs())
            } else {
                format!("{}={}", s.name, s.value)
            }
        })
        .collect()
}

/// The completion script for `shell`, as clap_complete writes it.
pub fn completion_script(shell: clap_complete::Shell) -> String {
    use clap::CommandFactory;
    // clap_complete offers hidden subcommands too: the shell hook's own
    // `hook-export` is left out by building the command without them.
    let full = Cli::command();
    let mut cmd = clap::Command::new("vouch")
        .version(env!("CARGO_PKG_VERSION"))
        .args(full.get_arguments().cloned())
        .subcommands(full.get_subcommands().filter(|s| !s.is_hide_set()).cloned());
    if let Some(about) = full.get_about() {
        cmd = cmd.about(about.clone());
    }
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "vouch", &mut out);
    String::from_utf8_lossy(&out).into_owned()
}
