//! `vouch exec` for the MySQL family (mysql, mariadb, mysqldump, ...,
//! mycli): learn the client's flavour, resolve its connection as it would,
//! sign for it, and hand it the token with the cleartext plugin allowed and
//! verified TLS.
//!
//! How the token travels: `MYSQL_PWD` for MariaDB's clients and mycli;
//! Oracle's clients (which deprecate `MYSQL_PWD`) read it from a sealed
//! in-memory option file, mode 0600, passed as their leading
//! `--defaults-extra-file` (or `--defaults-file`, see [`oracle_defaults`]).
//! Never argv.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::targets;
use super::{
    bundle_warning, ca_choice, explain_env, explain_signing, explain_tail, explain_text,
    get_credentials, iam_host_warning, not_connecting, print_stdout, program_of, region_for,
    report_region, report_signing, run_as_is, sign, token_expiry, EnvOut, Outcome, Ui,
};
use crate::cli::ExecArgs;
use crate::credentials::{CredentialSource, Credentials};
use crate::endpoint::RegionChoice;
use crate::error::{Error, Result};
use crate::mysql::params::{self, MyParams, Setting};
use crate::mysql::tls::{my_tls, MyTls};
use crate::mysql::{optfile, options, Flavour, MyClient};
use crate::named::Target;
use crate::plan::{EnvSet, ExecPlan};
use crate::probe::{self, Learned};
use crate::target::{parse_iam_host, signing_target, SigningTarget, Via};
use crate::world::World;
use crate::{ca, dns, exec};

/// How the client gets the token.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Delivery {
    /// In `MYSQL_PWD`.
    Env,
    /// In an option file that replaces the user's leading defaults
    /// arguments (see [`oracle_defaults`]).
    OptionFile,
}

struct Resolved {
    /// The client's name as run (`mariadb`, `mysqldump`...).
    base: String,
    flavour: Flavour,
    learned: Option<Learned>,
    program: PathBuf,
    skip_env: EnvSet,
    builtin_ca: Option<PathBuf>,
    warnings: Vec<String>,
    params: MyParams,
    user: String,
    target: SigningTarget,
    region: RegionChoice,
    tls: MyTls,
    ca_note: String,
    delivery: Delivery,
}

pub(super) fn run_exec(
    ui: &Ui,
    args: &ExecArgs,
    client: MyClient,
    base: &str,
    client_args: &[String],
    world: &dyn World,
    target: Option<&Target>,
) -> Result<Outcome> {
    let (program, skip_env) = program_of(args, None)?;
    let client_args = undo_outer_file(client_args, world);
    let installed = program.is_absolute();
    let (flavour, learned) = match client {
        MyClient::Mycli => (Flavour::Mycli, None),
        // `vouch env` for a client that is not installed: the arguments
        // (a target's, mostly) are read with MariaDB's grammar.
        _ if !installed => (Flavour::MariaDb, None),
        _ => {
            let (f, how) = probe::client_flavour(&program, &skip_env.value, world)?;
            (f, Some(how))
        }
    };
    ui.info(format!(
        "{} is {flavour}{}",
        program.display(),
        match learned {
            Some(Learned::Cache) => " (cached)",
            Some(Learned::Probe) => " (from --version)",
            None => "",
        }
    ));
    // A target's values go in as options before the user's own (after the
    // leading defaults options), so the user's override them.
    let client_args = match target {
        Some(t) => {
            let n = match client {
                MyClient::Mycli => 0,
                _ => params::leading_count(base, flavour, &client_args)?,
            };
            let has_database = matches!(client, MyClient::Mysql | MyClient::Mycli);
            let mut spliced = client_args[..n].to_vec();
            spliced.extend(targets::my_args(t, has_database));
            spliced.extend(client_args[n..].iter().cloned());
            spliced
        }
        None => client_args,
    };
    let client_args = &client_args;
    // argv as the client is to get it, from the (possibly restored) arguments.
    let command: Vec<OsString> = std::iter::once(args.command[0].clone())
        .chain(client_args.iter().map(OsString::from))
        .collect();
    if !crate::mysql::params::connects(client, base, flavour, client_args)? {
        if args.for_env {
            return Err(not_connecting(base));
        }
        return run_as_is(ui, args, base, program, skip_env).map(Outcome::Code);
    }
    let r = resolve_exec(
        args,
        (client, base),
        flavour,
        learned,
        (program, skip_env),
        client_args,
        world,
    )?;
    report_region(ui, &r.region);
    for w in &r.warnings {
        ui.warn(w);
    }
    report_signing(ui, &r.target, &r.user);
    let (creds, source) = get_credentials(ui, &args.aws, world)?;
    if args.explain {
        let plan = exec_plan(&r, &command, String::new(), None);
        print_stdout(&explain(&r, &plan, &source, &creds))?;
        return Ok(Outcome::Code(0));
    }
    if let Some(path) = &r.builtin_ca {
        ca::ensure_builtin_bundle(path)?;
    }
    let token = sign(&creds, &r.target, &r.user, &r.region.region)?;
    if args.for_env {
        return Ok(Outcome::Env(env_out(&r, token, &creds)));
    }
    let file = match r.delivery {
        Delivery::Env => None,
        Delivery::OptionFile => {
            let text = oracle_defaults(&r.params, &token, &cwd(), world)?;
            Some(exec::sealed_file("vouch-my.cnf", text.as_bytes())?)
        }
    };
    let plan = exec_plan(&r, &command, token, file.as_deref());
    Err(exec::exec(&plan))
}

/// What `vouch env` prints for a MySQL-family client. These clients take
/// no user name or TLS settings from the environment: the notes say what
/// to pass by hand.
fn env_out(r: &Resolved, token: String, creds: &Credentials) -> EnvOut {
    let mut vars = Vec::new();
    if let Some(h) = &r.params.host {
        vars.push(("MYSQL_HOST", h.value.clone()));
    }
    vars.push(("MYSQL_TCP_PORT", r.params.port.value.clone()));
    vars.push(("MYSQL_PWD", token));
    vars.push(("LIBMYSQL_ENABLE_CLEARTEXT_PLUGIN", "1".to_string()));
    let flags = r.tls.flags.join(" ");
    let mut notes = vec![format!(
        "MySQL clients read neither the user nor TLS settings from the environment: connect with {} -u {} {flags}",
        r.base, r.user
    )];
    if let Flavour::Oracle { .. } = r.flavour {
        notes.push(format!(
            "{} is Oracle's: it may ignore MYSQL_PWD (deprecated there); vouch exec passes the token in a private option file instead",
            r.base
        ));
    }
    EnvOut {
        vars,
        expires: token_expiry(creds),
        notes,
    }
}

/// The first line of the option file vouch writes for Oracle's clients.
const MARKER: &str = "# written by vouch for one client run";

/// A vouch run by a wrapper named like the client (`exec vouch exec --
/// mysql "$@"`, run by an outer vouch in the same process) finds the outer
/// vouch's sealed option file as the client's first argument: put back
/// what it stood for (the user's `--defaults-extra-file`, `--defaults-file`
/// or `--no-defaults`), so this vouch resolves and signs afresh.
fn undo_outer_file(args: &[String], world: &dyn World) -> Vec<String> {
    let nested = std::env::var(exec::SKIP_VAR)
        .is_ok_and(|v| v.split(':').nth(1) == Some(&std::process::id().to_string()));
    let Some((kind, path)) = args.first().and_then(|a| a.split_once('=')) else {
        return args.to_vec();
    };
    let ours = nested
        && matches!(kind, "--defaults-extra-file" | "--defaults-file")
        && path.starts_with("/proc/self/fd/");
    let Some(text) = ours
        .then(|| world.read_to_string(Path::new(path)).ok())
        .flatten()
        .filter(|t| t.starts_with(MARKER))
    else {
        return args.to_vec();
    };
    let include = text.lines().find_map(|l| l.strip_prefix("!include "));
    let restored = match (kind, include) {
        (kind, Some(p)) => Some(format!("{kind}={p}")),
        ("--defaults-file", None) => Some("--no-defaults".to_string()),
        _ => None,
    };
    restored
        .into_iter()
        .chain(args[1..].iter().cloned())
        .collect()
}

fn cwd() -> PathBuf {
    std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"))
}

fn resolve_exec(
    args: &ExecArgs,
    (client, base): (MyClient, &str),
    flavour: Flavour,
    learned: Option<Learned>,
    (program, skip_env): (PathBuf, EnvSet),
    client_args: &[String],
    world: &dyn World,
) -> Result<Resolved> {
    let params = params::resolve(client, base, flavour, client_args, world)?;
    let port: u16 = params
        .port
        .value
        .parse()
        .map_err(|_| Error::config("the port is not a number"))?;
    let iam_host = args
        .iam_host
        .as_deref()
        .map(|s| parse_iam_host(s, 3306))
        .transpose()?;
    let host = params
        .host
        .as_ref()
        .map(|h| h.value.as_str())
        .unwrap_or("localhost");
    let target = signing_target(Some(host), None, port, iam_host, &dns::canonical_name)?;
    let region = region_for(&args.aws, &target, world)?;
    let user = params
        .user
        .as_ref()
        .map(|u| u.value.clone())
        .filter(|u| !u.is_empty())
        .ok_or_else(|| Error::config("cannot tell the database user; pass -u USER"))?;

    if let (Some(_), Some(own)) = (
        &args.ca_bundle,
        params
            .tls
            .ssl_ca
            .as_ref()
            .or(params.tls.ssl_capath.as_ref()),
    ) {
        return Err(Error::config(format!(
            "--ca-bundle and the client's own ssl-ca/ssl-capath {} (from {}) both name root certificates, and the client would use its own; drop one of them",
            own.value, own.source
        )));
    }
    let (ca_path, ca_note) = ca_choice(args, world)?;
    let has_cleartext_flag = options::table(client, flavour)
        .is_some_and(|t| t.iter().any(|d| d.long == "enable-cleartext-plugin"));
    let tls = my_tls(
        flavour,
        &params.tls,
        target.connects_elsewhere(),
        &ca_path.to_string_lossy(),
        has_cleartext_flag,
    )?;
    let builtin_ca = (args.ca_bundle.is_none() && tls.root_from_vouch).then_some(ca_path);
    let mut warnings = params.warnings.clone();
    warnings.extend(tls.warnings.iter().cloned());
    if builtin_ca.is_some() {
        warnings.extend(bundle_warning(&region.region));
    }
    warnings.extend(iam_host_warning(&target, &region));
    if target.via == Via::Direct && host.ends_with('.') {
        warnings.push(format!(
            "the host {host:?} ends with a dot: the token is signed without it, but the client checks the certificate against the name as written and may refuse it; leave the dot off"
        ));
    }
    let delivery = match flavour {
        Flavour::Oracle { .. } => Delivery::OptionFile,
        Flavour::MariaDb | Flavour::Mycli => Delivery::Env,
    };
    if delivery == Delivery::OptionFile {
        // Fail on a file name the sealed file cannot carry before any
        // credentials are fetched.
        oracle_defaults(&params, "", &cwd(), world)?;
    }
    Ok(Resolved {
        base: base.to_string(),
        flavour,
        learned,
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
        delivery,
    })
}

/// The `!include` line for the user's option file `path` (as
/// [`optfile::user_file`] resolved it), made absolute against the working
/// directory as the client would open it. The line runs to its end, so a
/// path that would change the file's meaning (a line break, `#`, quotes) is
/// refused.
fn include_line(path: &Path, cwd: &Path) -> Result<String> {
    let full = cwd.join(path);
    let shown = full.to_string_lossy();
    if shown.contains(['\n', '\r', '#', '"', '\'', '\\']) || shown.trim() != shown {
        return Err(Error::config(format!(
            "the option file name {:?} cannot be passed on to the client in vouch's option file (it has a line break, '#', a quote, a backslash or outer spaces); rename it",
            path.to_string_lossy()
        )));
    }
    Ok(format!("!include {shown}\n"))
}

/// The option file that carries the token for Oracle's clients, and which
/// leading arguments it stands for. It takes the place of the user's
/// leading `--defaults-extra-file=X` (including X), `--defaults-file=X`
/// (including X) or `--no-defaults` (then it is the only file), so the
/// client reads exactly what it would have, plus the password.
fn oracle_defaults(
    params: &MyParams,
    token: &str,
    cwd: &Path,
    world: &dyn World,
) -> Result<String> {
    let mut text = format!("{MARKER}\n");
    if !params.leading.no_defaults {
        if let Some(f) = optfile::user_file(&params.leading, world) {
            text.push_str(&include_line(&f, cwd)?);
        }
    }
    text.push_str("[client]\n");
    text.push_str(&format!("password={token}\n"));
    Ok(text)
}

/// The leading arguments the client gets for Oracle's option-file delivery
/// in place of the user's: which option names our file.
fn oracle_leading(params: &MyParams, file: &str) -> Vec<String> {
    let l = &params.leading;
    let mut out = Vec::new();
    if l.no_defaults || l.defaults_file.is_some() {
        out.push(format!("--defaults-file={file}"));
    } else {
        out.push(format!("--defaults-extra-file={file}"));
    }
    if let Some(s) = &l.group_suffix {
        out.push(format!("--defaults-group-suffix={s}"));
    }
    if l.no_login_paths {
        out.push("--no-login-paths".into());
    }
    out
}

/// argv for the client: its name, the leading defaults arguments, vouch's
/// flags, then the user's other arguments.
fn client_argv(r: &Resolved, argv: &[OsString], file: Option<&str>) -> Vec<OsString> {
    let n = r.params.leading_args;
    let mut out = vec![argv[0].clone()];
    match (&r.delivery, file) {
        (Delivery::OptionFile, Some(f)) => {
            out.extend(oracle_leading(&r.params, f).into_iter().map(OsString::from))
        }
        (Delivery::OptionFile, None) => out.extend(
            oracle_leading(&r.params, "<vouch's sealed option file>")
                .into_iter()
                .map(OsString::from),
        ),
        (Delivery::Env, _) => out.extend(argv[1..=n].iter().cloned()),
    }
    out.extend(r.tls.flags.iter().map(OsString::from));
    out.extend(argv[1 + n..].iter().cloned());
    out
}

fn exec_plan(r: &Resolved, argv: &[OsString], token: String, file: Option<&str>) -> ExecPlan {
    let mut set = Vec::new();
    let mut unset = Vec::new();
    match r.delivery {
        Delivery::Env => set.push(EnvSet {
            name: "MYSQL_PWD",
            value: token,
            secret: true,
        }),
        // Oracle's clients read MYSQL_PWD only when no option gives a
        // password; a stale one must not linger.
        Delivery::OptionFile => unset.push("MYSQL_PWD"),
    }
    set.push(EnvSet {
        name: "LIBMYSQL_ENABLE_CLEARTEXT_PLUGIN",
        value: "1".into(),
        secret: false,
    });
    set.push(r.skip_env.clone());
    ExecPlan {
        program: r.program.clone(),
        argv: client_argv(r, argv, file),
        set,
        unset,
    }
}

fn describe(s: Option<&Setting>) -> String {
    match s {
        None => "(not set)".into(),
        Some(s) => format!("{} (from {})", s.value, s.source),
    }
}

fn explain(
    r: &Resolved,
    plan: &ExecPlan,
    source: &CredentialSource,
    creds: &Credentials,
) -> String {
    let (signing, valid) = explain_signing(&r.target, &r.user, &r.region, source, creds);
    let mut env = explain_env(plan, valid);
    if r.delivery == Delivery::OptionFile {
        env.push(format!(
            "(token in a sealed 0600 in-memory option file, valid {} s)",
            valid.as_secs()
        ));
    }
    env.extend(plan.unset.iter().map(|u| format!("-{u}")));
    let flavour = match r.learned {
        Some(Learned::Cache) => format!("{} (cached)", r.flavour),
        Some(Learned::Probe) => format!("{} (from --version)", r.flavour),
        None => r.flavour.to_string(),
    };
    let files: Vec<String> = r
        .params
        .files
        .iter()
        .map(|f| f.display().to_string())
        .collect();
    let mut lines = vec![
        (
            "client:",
            format!(
                "{} (MySQL family, {flavour}) -> {}",
                r.base,
                r.program.display()
            ),
        ),
        (
            "host:",
            r.params
                .host
                .as_ref()
                .map_or("localhost (the client's default)".into(), |h| {
                    describe(Some(h))
                }),
        ),
        ("port:", describe(Some(&r.params.port))),
        ("user:", describe(r.params.user.as_ref())),
        ("database:", describe(r.params.database.as_ref())),
    ];
    if r.flavour != Flavour::Mycli {
        lines.push((
            "my.cnf:",
            if files.is_empty() {
                "none".into()
            } else {
                files.join(" ")
            },
        ));
    }
    lines.extend(signing);
    lines.extend(explain_tail(
        r.tls.mode.clone(),
        r.tls.root_from_vouch,
        &r.ca_note,
        &env,
        &plan.argv,
        "",
    ));
    explain_text(&lines)
}
