//! `vouch exec` for libpq clients (psql, pg_dump, ...): resolve the
//! connection as libpq would, sign for it, hand the client the token in
//! `PGPASSWORD` with verified TLS.

use std::ffi::OsString;
use std::path::PathBuf;

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
use crate::libpq::{self, PgClient, PgParams};
use crate::named::Target;
use crate::plan::{EnvSet, ExecPlan};
use crate::target::{parse_iam_host, signing_target, SigningTarget, Via};
use crate::tls::{pg_tls, PgTls};
use crate::world::{Overlay, World};
use crate::{ca, dns, exec};

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

fn resolve_exec(
    args: &ExecArgs,
    client: PgClient,
    params: PgParams,
    world: &dyn World,
) -> Result<Resolved> {
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
    let (ca_path, ca_note) = ca_choice(args, world)?;
    let tls = pg_tls(
        params.sslmode.as_ref(),
        params.sslrootcert.as_ref(),
        target.connects_elsewhere(),
        &ca_path.to_string_lossy(),
    )?;
    let builtin_ca = (args.ca_bundle.is_none() && tls.root_from_vouch).then_some(ca_path);

    let mut warnings = tls.warnings.clone();
    if builtin_ca.is_some() {
        warnings.extend(bundle_warning(&region.region));
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
    warnings.extend(iam_host_warning(&target, &region));
    let (program, skip_env) = program_of(args, Some(client.name()))?;
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

fn exec_plan(
    r: &Resolved,
    argv: &[OsString],
    token: String,
    target_vars: &[(&'static str, String)],
) -> ExecPlan {
    let login = vec![EnvSet {
        name: "PGPASSWORD",
        value: token,
        secret: true,
    }];
    libpq_plan(&r.program, &r.skip_env, &r.tls, argv, login, target_vars)
}

/// The plan for a libpq client, RDS or Redshift: the target's variables
/// (unless the login or the TLS settings set them), the `login` variables
/// (`PGPASSWORD`; for Redshift also `PGUSER`), the TLS settings, GSSAPI
/// encryption off, the skip list.
pub(super) fn libpq_plan(
    program: &std::path::Path,
    skip_env: &EnvSet,
    tls: &PgTls,
    argv: &[OsString],
    login: Vec<EnvSet>,
    target_vars: &[(&'static str, String)],
) -> ExecPlan {
    let mut set: Vec<EnvSet> = target_vars
        .iter()
        .filter(|(name, _)| {
            !login.iter().any(|l| l.name == *name) && !tls.set.iter().any(|(n, _)| n == name)
        })
        .map(|(name, value)| EnvSet {
            name,
            value: value.clone(),
            secret: false,
        })
        .collect();
    set.extend(login);
    set.extend(tls.set.iter().map(|(name, value)| EnvSet {
        name,
        value: value.clone(),
        secret: false,
    }));
    // libpq prefers GSSAPI encryption to TLS when Kerberos credentials
    // exist; RDS and Redshift take the secret over TLS only.
    set.push(EnvSet {
        name: "PGGSSENCMODE",
        value: "disable".into(),
        secret: false,
    });
    set.push(skip_env.clone());
    ExecPlan {
        program: program.to_path_buf(),
        argv: argv.to_vec(),
        set,
        unset: vec![],
    }
}

/// Refuse text vouch could only read lossily: a client argument, or a
pub(super) fn run_exec(
    ui: &Ui,
    args: &ExecArgs,
    client: PgClient,
    client_args: &[String],
    world: &dyn World,
    target: Option<&Target>,
) -> Result<Outcome> {
    // A target's values are libpq variables: the client's own arguments
    // override them, as they override the environment.
    let mut overlay_vars = target.map(targets::pg_vars).unwrap_or_default();
    // A target's hostaddr belongs to its host: a client that names its own
    // host does not connect to the target's address.
    if overlay_vars.iter().any(|(k, _)| *k == "PGHOSTADDR") {
        let without: Vec<_> = overlay_vars
            .iter()
            .filter(|(k, _)| *k != "PGHOSTADDR")
            .cloned()
            .collect();
        let probe = Overlay {
            inner: world,
            vars: without.clone(),
        };
        let own_host = libpq::resolve(client, client_args, &probe)
            .ok()
            .and_then(|p| p.host)
            .is_some_and(|h| h.source == libpq::Source::Args);
        if own_host {
            overlay_vars = without;
        }
    }
    let overlay = Overlay {
        inner: world,
        vars: overlay_vars.clone(),
    };
    let world: &dyn World = &overlay;
    if !libpq::connects(client, client_args, world)? {
        if args.for_env {
            return Err(not_connecting(client.name()));
        }
        // --help, --version, pg_restore writing a script: no server, no token.
        let (program, skip_env) = program_of(args, Some(client.name()))?;
        return run_as_is(ui, args, client.name(), program, skip_env).map(Outcome::Code);
    }
    let params = libpq::resolve(client, client_args, world)?;
    if let Some(d) = super::redshift::detect(args, &params)? {
        return super::redshift::run_exec(ui, args, client, &params, &d, world, &overlay_vars);
    }
    let r = resolve_exec(args, client, params, world)?;
    report_region(ui, &r.region);
    for w in &r.warnings {
        ui.warn(w);
    }
    report_signing(ui, &r.target, &r.user);
    let (creds, source) = get_credentials(ui, &args.aws, world)?;
    if args.explain {
        let plan = exec_plan(&r, &args.command, String::new(), &overlay_vars);
        print_stdout(&explain(&r, &plan, &source, &creds))?;
        return Ok(Outcome::Code(0));
    }
    if let Some(path) = &r.builtin_ca {
        ca::ensure_builtin_bundle(path)?;
    }
    let token = sign(&creds, &r.target, &r.user, &r.region.region)?;
    let mut plan = exec_plan(&r, &args.command, token, &overlay_vars);
    if args.for_env {
        return Ok(Outcome::Env(env_out(&r, plan, &creds)));
    }
    seal_service_file(&r.params, &mut plan)?;
    Err(exec::exec(&plan))
}

/// The client reads the service file again; hand it the very text vouch
/// checked, so a file changed in between cannot redirect it.
pub(super) fn seal_service_file(params: &PgParams, plan: &mut ExecPlan) -> Result<()> {
    if let Some(service) = &params.service_file {
        let copy = exec::sealed_file("pg_service.conf", service.text.as_bytes())?;
        plan.set.push(EnvSet {
            name: "PGSERVICEFILE",
            value: copy,
            secret: false,
        });
    }
    Ok(())
}

/// What `vouch env` prints for an RDS libpq client (see [`libpq_env`]),
/// valid while the token is.
fn env_out(r: &Resolved, plan: ExecPlan, creds: &Credentials) -> EnvOut {
    let resolved = [
        ("PGHOST", &r.params.host),
        ("PGHOSTADDR", &r.params.hostaddr),
        ("PGPORT", &r.params.port),
        ("PGUSER", &r.params.user),
        ("PGDATABASE", &r.params.dbname),
    ];
    libpq_env(&resolved, plan, token_expiry(creds))
}

/// What `vouch env` prints for a libpq client: the `resolved` connection
/// settings first (so a client started later connects to the same place),
/// then what the plan sets that they do not (not the exec-only skip list).
pub(super) fn libpq_env(
    resolved: &[(&'static str, &Option<libpq::Setting>)],
    plan: ExecPlan,
    expires: std::time::SystemTime,
) -> EnvOut {
    let mut vars: Vec<(&'static str, String)> = resolved
        .iter()
        .filter_map(|(name, s)| s.as_ref().map(|s| (*name, s.value.clone())))
        .collect();
    for s in plan.set {
        if s.name != exec::SKIP_VAR && !vars.iter().any(|(n, _)| *n == s.name) {
            vars.push((s.name, s.value));
        }
    }
    EnvOut {
        vars,
        expires,
        notes: vec![],
    }
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
    let (signing, valid) = explain_signing(&r.target, &r.user, &r.region, source, creds);
    let mut added = explain_env(plan, valid);
    if let Some(service) = &r.params.service_file {
        added.push(format!(
            "PGSERVICEFILE=<sealed in-memory copy of {}>",
            service.path.display()
        ));
    }
    let mut lines = vec![(
        "client:",
        format!(
            "{} (libpq family) -> {}",
            r.client.name(),
            r.program.display()
        ),
    )];
    lines.push(("host:", describe(&r.params.host)));
    if r.params.hostaddr.is_some() {
        lines.push(("hostaddr:", describe(&r.params.hostaddr)));
    }
    lines.push(("port:", describe(&r.params.port)));
    lines.push(("user:", describe(&r.params.user)));
    lines.push(("database:", describe(&r.params.dbname)));
    lines.extend(signing);
    lines.extend(explain_tail(
        format!("sslmode={}", r.tls.mode),
        r.tls.root_from_vouch,
        &r.ca_note,
        &added,
        &plan.argv,
        " (unchanged)",
    ));
    explain_text(&lines)
}
