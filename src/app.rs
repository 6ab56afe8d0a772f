//! The commands: each turns parsed arguments into work, gathering the
//! effects (environment, files, credentials, DNS, execve) around the pure
//! core.

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::cli::{AwsOptions, Cli, Command, CredentialCommand, ExecArgs, RdsCredentialArgs};
use crate::credentials::{self, ChainOptions, CredentialSource, Credentials};
use crate::endpoint::{choose_region, parse_rds_host, RegionChoice};
use crate::error::{Error, Result};
use crate::libpq::{self, PgClient, PgParams};
use crate::plan::{EnvSet, ExecPlan};
use crate::target::{parse_iam_host, signing_target, SigningTarget, Via};
use crate::tls::{pg_tls, PgTls};
use crate::token::{rds_token, SigningKeys, TokenRequest, TOKEN_LIFETIME};
use crate::world::{RealWorld, World};
use crate::{ca, dns, exec};

/// Run a parsed command line; returns the exit code for success paths that
/// do not exec.
pub fn run(cli: Cli) -> Result<i32> {
    let ui = Ui {
        verbose: cli.verbose,
    };
    match cli.command {
        Command::Exec(args) => run_exec(&ui, args),
        Command::Credential(CredentialCommand::Rds(args)) => run_credential_rds(&ui, args),
    }
}

/// Messages to the user on stderr.
struct Ui {
    verbose: bool,
}

impl Ui {
    fn info(&self, msg: impl AsRef<str>) {
        if self.verbose {
            eprintln!("vouch: {}", msg.as_ref());
        }
    }
    fn warn(&self, msg: impl AsRef<str>) {
        eprintln!("vouch: warning: {}", msg.as_ref());
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

fn get_credentials(
    ui: &Ui,
    aws: &AwsOptions,
    world: &dyn World,
) -> Result<(Credentials, CredentialSource)> {
    let (creds, source) = credentials::resolve(&chain_options(aws), world, SystemTime::now())?;
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

/// Everything `exec` decided before credentials are needed.
struct Resolved {
    client: PgClient,
    program: PathBuf,
    /// The skip list passed on to the client (see `exec::SKIP_VAR`).
    skip_env: EnvSet,
    /// The built-in CA bundle's file, when the client gets it; written
    /// only right before the client runs.
    builtin_ca: Option<PathBuf>,
    warnings: Vec<String>,
    params: PgParams,
    user: String,
    target: SigningTarget,
    region: RegionChoice,
    tls: PgTls,
    ca_note: String,
}

/// The client named after `--`: its family and its arguments as text.
fn client_of(args: &ExecArgs) -> Result<(PgClient, Vec<String>)> {
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
    let client = PgClient::from_program(&base).ok_or_else(|| {
        let names: Vec<&str> = PgClient::ALL.iter().map(|c| c.name()).collect();
        Error::config(format!(
            "{base:?} is not a client vouch knows; supported: {}",
            names.join(", ")
        ))
    })?;
    let client_args = client_args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    Ok((client, client_args))
}

/// The real client program for `args.command[0]`, never vouch itself nor a
/// wrapper an outer vouch already ran; with the skip list to pass on.
fn program_of(args: &ExecArgs, client: PgClient) -> Result<(PathBuf, EnvSet)> {
    let self_exe = std::env::current_exe().unwrap_or_default();
    let skip_var = std::env::var_os(exec::SKIP_VAR);
    let skip = exec::Skip::new(&self_exe, skip_var.as_deref(), std::process::id());
    skip.check_depth(&args.command[0])?;
    let path_var = std::env::var_os("PATH");
    let found = exec::find_program(&args.command[0], path_var.as_deref(), &skip)?;
    let program = exec::behind_pg_wrapper(&found, client.name(), Path::new("/usr/lib/postgresql"))
        .unwrap_or(found);
    let passed_on = EnvSet {
        name: exec::SKIP_VAR,
        value: skip.passed_on(&program).to_string_lossy().into_owned(),
        secret: false,
    };
    Ok((program, passed_on))
}

fn resolve_exec(
    args: &ExecArgs,
    client: PgClient,
    client_args: &[String],
    world: &dyn World,
) -> Result<Resolved> {
    let params = libpq::resolve(client, client_args, world)?;

    let port_setting = params
        .port
        .as_ref()
        .map(|p| p.value.as_str())
        .unwrap_or("5432");
    let port: u16 = port_setting
        .parse()
        .ok()
        .filter(|p| *p != 0)
        .ok_or_else(|| Error::config(format!("port {port_setting:?} is not a TCP port number")))?;
    let iam_host = args
        .iam_host
        .as_deref()
        .map(|s| parse_iam_host(s, 5432))
        .transpose()?;
    let client_host = params.host.as_ref().map(|h| h.value.as_str());
    let hostaddr = params.hostaddr.as_ref().map(|h| h.value.as_str());
    let target = signing_target(client_host, hostaddr, port, iam_host, &dns::canonical_name)?;
    let region = region_for(&args.aws, &target, world)?;
    let user = params
        .user
        .as_ref()
        .map(|u| u.value.clone())
        .filter(|u| !u.is_empty())
        .ok_or_else(|| {
            Error::config("cannot tell the database user; pass -U USER (or set PGUSER)")
        })?;

    if let (Some(_), Some(root)) = (&args.ca_bundle, &params.sslrootcert) {
        return Err(Error::config(format!(
            "--ca-bundle and sslrootcert={} (from {}) both name root certificates, and the client would use sslrootcert; drop one of them",
            root.value, root.source
        )));
    }
    let (ca_path, ca_note) = match &args.ca_bundle {
        Some(p) => (ca::user_bundle(p)?, "--ca-bundle".to_string()),
        None => (
            ca::builtin_bundle_location(world)?,
            "the built-in RDS CA bundle".to_string(),
        ),
    };
    let tls = pg_tls(
        params.sslmode.as_ref(),
        params.sslrootcert.as_ref(),
        target.connects_elsewhere(),
        &ca_path.to_string_lossy(),
    )?;
    let builtin_ca = (args.ca_bundle.is_none() && tls.root_from_vouch).then_some(ca_path);

    let mut warnings = tls.warnings.clone();
    if builtin_ca.is_some() && !ca::bundle_covers(&region.region) {
        warnings.push(format!(
            "the built-in RDS CA bundle has no root certificate for {}; if the server's certificate cannot be verified, get the RDS certificate bundle for that region from AWS and pass it with --ca-bundle FILE",
            region.region
        ));
    }
    if target.via == Via::Direct
        && tls.mode == "verify-full"
        && client_host.is_some_and(|h| h.ends_with('.'))
    {
        warnings.push(format!(
            "the host {:?} ends with a dot: the token is signed without it, but libpq checks the certificate against the name as written and will refuse it; leave the dot off",
            client_host.unwrap_or_default()
        ));
    }
    if target.via == Via::IamHost && target.endpoint.is_none() {
        warnings.push(format!(
            "--iam-host {} is not an RDS endpoint name; the token is signed for it as given, in region {} (from {})",
            target.host, region.region, region.source
        ));
    }
    let (program, skip_env) = program_of(args, client)?;
    Ok(Resolved {
        client,
        program,
        skip_env,
        builtin_ca,
        warnings,
        params,
        user,
        target,
        region,
        tls,
        ca_note,
    })
}

fn exec_plan(r: &Resolved, argv: &[OsString], token: String) -> ExecPlan {
    let mut set = vec![EnvSet {
        name: "PGPASSWORD",
        value: token,
        secret: true,
    }];
    set.extend(r.tls.set.iter().map(|(name, value)| EnvSet {
        name,
        value: value.clone(),
        secret: false,
    }));
    // libpq prefers GSSAPI encryption to TLS when Kerberos credentials
    // exist; RDS takes IAM tokens over TLS only.
    set.push(EnvSet {
        name: "PGGSSENCMODE",
        value: "disable".into(),
        secret: false,
    });
    set.push(r.skip_env.clone());
    ExecPlan {
        program: r.program.clone(),
        argv: argv.to_vec(),
        set,
        unset: vec![],
    }
}

/// Refuse text vouch could only read lossily: a client argument, or a
/// variable that vouch, libpq or getopt reads, that is not valid UTF-8 would
/// be seen differently by vouch and by the client.
fn check_utf8(args: &ExecArgs) -> Result<()> {
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
            || k.starts_with("AWS_")
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

fn run_exec(ui: &Ui, args: ExecArgs) -> Result<i32> {
    let world = RealWorld;
    check_utf8(&args)?;
    let (client, client_args) = client_of(&args)?;
    if !libpq::connects(client, &client_args, &world)? {
        // --help, --version, pg_restore writing a script: no server, no token.
        let (program, skip_env) = program_of(&args, client)?;
        if args.explain {
            print_stdout(&format!(
                "{} with these arguments does not connect to a server: it would run as is, without a token.\nprogram:     {}\n",
                client.name(),
                program.display()
            ))?;
            return Ok(0);
        }
        ui.info(format!(
            "{} does not connect with these arguments; running it as is",
            client.name()
        ));
        let plan = ExecPlan {
            program,
            argv: args.command.clone(),
            set: vec![skip_env],
            unset: vec![],
        };
        return Err(exec::exec(&plan));
    }
    let r = resolve_exec(&args, client, &client_args, &world)?;
    report_region(ui, &r.region);
    for w in &r.warnings {
        ui.warn(w);
    }
    ui.info(format!(
        "signing for {}:{} as {:?}{}",
        r.target.host,
        r.target.port,
        r.user,
        match &r.target.via {
            Via::Direct => String::new(),
            Via::Cname { alias } => format!(" (CNAME of {alias})"),
            Via::IamHost => " (--iam-host)".to_string(),
        }
    ));
    let (creds, source) = get_credentials(ui, &args.aws, &world)?;
    if args.explain {
        let plan = exec_plan(&r, &args.command, String::new());
        print_stdout(&explain(&r, &plan, &source, &creds))?;
        return Ok(0);
    }
    if let Some(path) = &r.builtin_ca {
        ca::ensure_builtin_bundle(path)?;
    }
    let token = sign(&creds, &r.target, &r.user, &r.region.region)?;
    let mut plan = exec_plan(&r, &args.command, token);
    if let Some(service) = &r.params.service_file {
        // The client reads the service file again; hand it the very text
        // vouch checked, so a file changed in between cannot redirect it.
        let copy = exec::sealed_file("pg_service.conf", service.text.as_bytes())?;
        plan.set.push(EnvSet {
            name: "PGSERVICEFILE",
            value: copy,
            secret: false,
        });
    }
    Err(exec::exec(&plan))
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

fn describe(s: &Option<libpq::Setting>) -> String {
    match s {
        None => "(not set)".into(),
        // psql takes $PGDATABASE literally, but a value like
        // "host=... password=..." is still a password: never print it.
        Some(s) if s.value.to_ascii_lowercase().contains("password") => {
            format!(
                "<hidden: the value mentions a password> (from {})",
                s.source
            )
        }
        Some(s) => format!("{} (from {})", s.value, s.source),
    }
}

fn explain(
    r: &Resolved,
    plan: &ExecPlan,
    source: &CredentialSource,
    creds: &Credentials,
) -> String {
    let t = &r.target;
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
    let added: Vec<String> = plan
        .set
        .iter()
        .map(|s| {
            if s.secret {
                format!("{}=<token, valid {} s>", s.name, valid.as_secs())
            } else {
                format!("{}={}", s.name, s.value)
            }
        })
        .collect();
    let argv: Vec<String> = plan
        .argv
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let mut out = String::new();
    let mut line = |k: &str, v: String| out.push_str(&format!("{k:<13}{v}\n"));
    line(
        "client:",
        format!(
            "{} (libpq family) -> {}",
            r.client.name(),
            r.program.display()
        ),
    );
    line("host:", describe(&r.params.host));
    if r.params.hostaddr.is_some() {
        line("hostaddr:", describe(&r.params.hostaddr));
    }
    line("port:", describe(&r.params.port));
    line("user:", describe(&r.params.user));
    line("database:", describe(&r.params.dbname));
    line("endpoint:", endpoint);
    line(
        "sign for:",
        format!("{}:{} as user {:?} (from {via})", t.host, t.port, r.user),
    );
    line(
        "region:",
        format!("{} (from {})", r.region.region, r.region.source),
    );
    line(
        "credentials:",
        format!(
            "{source}, access key {}{expires}",
            masked_key(&creds.access_key_id)
        ),
    );
    line(
        "tls:",
        format!(
            "sslmode={}, root certificates from {}",
            r.tls.mode,
            if r.tls.root_from_vouch {
                r.ca_note.clone()
            } else {
                "the user's settings".into()
            }
        ),
    );
    let mut added = added;
    if let Some(service) = &r.params.service_file {
        added.push(format!(
            "PGSERVICEFILE=<sealed in-memory copy of {}>",
            service.path.display()
        ));
    }
    line("environment:", added.join(" "));
    line("argv:", format!("{argv:?} (unchanged)"));
    out
}
