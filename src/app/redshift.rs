//! Redshift through libpq clients (`vouch exec -- psql -h CLUSTER...`) and
//! `vouch credential redshift`: which cluster or workgroup, one API call
//! for temporary database credentials, and the client started with the
//! returned user in `PGUSER` and the password in `PGPASSWORD`, over
//! verified TLS.
//!
//! Redshift's certificates come from public certificate authorities
//! (Amazon Trust Services, through ACM), not from the RDS CA: the server is
//! checked against the operating system's CA bundle (or `--ca-bundle`).

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{
    explain_tail, explain_text, get_credentials_for, print_stdout, program_of, EnvOut, Outcome, Ui,
};
use crate::cli::{AwsOptions, CredentialFormat, ExecArgs, RedshiftCredentialArgs, RedshiftOptions};
use crate::endpoint::{choose_region, is_region, RegionChoice, RegionSource};
use crate::error::{Error, Result};
use crate::libpq::{PgClient, PgParams, Source};
use crate::plan::{EnvSet, ExecPlan};
use crate::redshift::{self, api, HostRead, Options, Request, Service};
use crate::tls::{pg_tls, PgTls};
use crate::world::World;
use crate::{ca, exec, shell};

/// Where the operating system keeps the CA bundle, in the order looked for
/// (Debian/Ubuntu/Alpine, Fedora/RHEL, macOS and the BSDs).
const SYSTEM_BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/cert.pem",
];

/// A login session is used for the API call only: a minute is enough.
const CALL_WINDOW: Duration = Duration::from_secs(60);

/// The Redshift service a connection is for, when it is one.
pub(super) struct Detected {
    service: Service,
    /// The region the host name carries.
    host_region: Option<String>,
}

fn service_from_flags(o: &RedshiftOptions) -> Result<Option<Service>> {
    if let Some(c) = &o.cluster_id {
        if !redshift::is_cluster_id(c) {
            return Err(Error::config(format!(
                "--cluster-id {c:?} is not a Redshift cluster identifier (1 to 63 lowercase letters, digits and hyphens, starting with a letter)"
            )));
        }
        return Ok(Some(Service::Cluster(c.clone())));
    }
    if let Some(w) = &o.workgroup {
        if !redshift::is_workgroup_name(w) {
            return Err(Error::config(format!(
                "--workgroup {w:?} is not a Redshift Serverless workgroup name (3 to 64 lowercase letters, digits and hyphens)"
            )));
        }
        return Ok(Some(Service::Workgroup(w.clone())));
    }
    Ok(None)
}

/// Is this connection for Redshift? From `--cluster-id`/`--workgroup` (or
/// a target's), else from the host name.
pub(super) fn detect(args: &ExecArgs, params: &PgParams) -> Result<Option<Detected>> {
    let host = params.host.as_ref().map(|h| h.value.as_str());
    let read = host.map_or(HostRead::Other, redshift::read_host);
    // A target's cluster or workgroup is for the target's host only: a
    // client pointed at another host (the user's own -h) is not sent there.
    let from_other_target = args.redshift.target_host.as_deref().is_some_and(|t| {
        host.is_some_and(|h| {
            crate::endpoint::normalize_host(h) != crate::endpoint::normalize_host(t)
        })
    });
    let flagged = if from_other_target {
        None
    } else {
        service_from_flags(&args.redshift)?
    };
    let detected = match (flagged, read) {
        (Some(service), HostRead::Known {
            service: named,
            region,
            ..
        }) => {
            if named != service {
                return Err(Error::config(format!(
                    "{} names {}, but the options say {}; drop --cluster-id/--workgroup or fix the host",
                    host.unwrap_or_default(),
                    named.describe(),
                    service.describe()
                )));
            }
            Detected {
                service,
                host_region: Some(region),
            }
        }
        (Some(service), HostRead::Unnamed { region, .. }) => Detected {
            service,
            host_region: region,
        },
        (Some(service), HostRead::Other) => Detected {
            service,
            host_region: None,
        },
        (None, HostRead::Known {
            service, region, ..
        }) => Detected {
            service,
            host_region: Some(region),
        },
        (None, HostRead::Unnamed { serverless, .. }) => {
            return Err(Error::config(format!(
                "{} is a Redshift{} name that does not say which {} it leads to (a managed VPC endpoint?); pass {}",
                host.unwrap_or_default(),
                if serverless { " Serverless" } else { "" },
                if serverless { "workgroup" } else { "cluster" },
                if serverless { "--workgroup NAME" } else { "--cluster-id ID" },
            )))
        }
        (None, HostRead::Other) => {
            let o = &args.redshift;
            let asked = o.db_user.is_some()
                || o.auto_create
                || !o.db_groups.is_empty()
                || o.duration.is_some();
            if asked {
                return Err(Error::config(format!(
                    "--db-user, --auto-create, --db-groups and --duration are for Redshift, and {} is not a Redshift name; pass --cluster-id or --workgroup if it leads to one",
                    host.unwrap_or("the client's host")
                )));
            }
            return Ok(None);
        }
    };
    if params.is_unix_socket() {
        return Err(Error::config(
            "the client connects through a Unix socket, which is not a Redshift endpoint; give the host with -h",
        ));
    }
    if args.iam_host.is_some() {
        return Err(Error::config(
            "--iam-host is for RDS tokens; Redshift credentials come from its API: through a tunnel pass --cluster-id or --workgroup (and --region)",
        ));
    }
    Ok(Some(detected))
}

fn region_for(
    aws: &AwsOptions,
    host_region: Option<&str>,
    world: &dyn World,
) -> Result<RegionChoice> {
    if let (Some(flag), Some(h)) = (aws.region.as_deref(), host_region) {
        if !is_region(flag) {
            return Err(Error::config(format!(
                "--region {flag:?} is not an AWS region name (like us-east-1)"
            )));
        }
        return Ok(RegionChoice {
            region: flag.to_string(),
            source: RegionSource::Flag,
            warning: (flag != h).then(|| format!(
                "--region {flag} contradicts the host name (region {h}); Redshift is asked in {flag}"
            )),
        });
    }
    if let (None, Some(h)) = (aws.region.as_deref(), host_region) {
        return Ok(RegionChoice {
            region: h.to_string(),
            source: RegionSource::Host,
            warning: None,
        });
    }
    let opts = crate::credentials::ChainOptions {
        profile: aws.profile.clone(),
    };
    choose_region(aws.region.as_deref(), None, &|v| world.var(v), &|| {
        crate::credentials::profile_region(&opts, world)
    })
}

/// The operating system's CA bundle, for Redshift's publicly issued
/// certificates.
fn system_bundle() -> Result<PathBuf> {
    SYSTEM_BUNDLES
        .iter()
        .map(Path::new)
        .find(|p| p.is_file())
        .map(Path::to_path_buf)
        .ok_or_else(|| {
            Error::config(format!(
                "no system CA bundle ({}) to check Redshift's certificate with; install ca-certificates or pass --ca-bundle FILE",
                SYSTEM_BUNDLES.join(", ")
            ))
        })
}

struct Resolved {
    client: PgClient,
    program: PathBuf,
    skip_env: EnvSet,
    request: Request,
    region: RegionChoice,
    tls: PgTls,
    ca_note: String,
    warnings: Vec<String>,
}

fn resolve(
    args: &ExecArgs,
    client: PgClient,
    params: &PgParams,
    d: &Detected,
    world: &dyn World,
) -> Result<Resolved> {
    let db_name =
        match &params.dbname {
            Some(s) if s.source != Source::Default && s.value.contains(['=', ' ']) => {
                return Err(Error::config(format!(
                    "the database name from {} looks like a connection string, not a Redshift database name; give the name alone (-d dev)",
                    s.source
                )))
            }
            Some(s) if s.source != Source::Default => s.value.clone(),
            _ => return Err(Error::config(
                "name the Redshift database: pass -d NAME (a new cluster's first database is dev)",
            )),
        };
    let request = redshift::request(
        &d.service,
        &Options {
            db_user: args.redshift.db_user.clone(),
            db_name: Some(db_name),
            auto_create: args.redshift.auto_create,
            db_groups: args.redshift.db_groups.clone(),
            duration: args.redshift.duration,
        },
    )?;
    let region = region_for(&args.aws, d.host_region.as_deref(), world)?;
    if let (Some(_), Some(root)) = (&args.ca_bundle, &params.sslrootcert) {
        return Err(Error::config(format!(
            "--ca-bundle and sslrootcert={} (from {}) both name root certificates, and the client would use sslrootcert; drop one of them",
            root.value, root.source
        )));
    }
    let (ca_path, ca_note) = match &args.ca_bundle {
        Some(p) => (ca::user_bundle(p)?, "--ca-bundle".to_string()),
        None if params.sslrootcert.is_some() => (PathBuf::new(), String::new()),
        None => (system_bundle()?, "the system's CA bundle".to_string()),
    };
    // Always verify-full by default, even through another name: a
    // certificate for it from any public authority would pass verify-ca.
    let tls = pg_tls(
        params.sslmode.as_ref(),
        params.sslrootcert.as_ref(),
        false,
        &ca_path.to_string_lossy(),
    )
    .map_err(|e| {
        Error::new(
            e.code,
            e.message
                .replace(
                    "RDS accepts IAM tokens only over TLS",
                    "vouch sends Redshift passwords only over TLS",
                )
                .replace(
                    "the RDS certificate names the endpoint",
                    "the Redshift certificate names the endpoint",
                ),
        )
    })?;
    // Redshift's roots are the public ones: anything short of verify-full
    // would hand the password to whoever has any certificate (or none).
    // verify-ca only with roots the user names on the command line.
    match tls.mode.as_str() {
        "verify-full" => {}
        "verify-ca" if args.ca_bundle.is_some() => {}
        "verify-ca" => {
            return Err(Error::config(
                "sslmode=verify-ca would accept any certificate from the roots given (for Redshift, public ones: any name anyone can get) and send it the Redshift password; use verify-full (connect with the cluster's own name, and hostaddr=IP for a tunnel), or pass --ca-bundle with the CA of that endpoint",
            ))
        }
        other => {
            return Err(Error::config(format!(
                "sslmode={other} does not check the server's certificate, and vouch sends Redshift passwords only to a checked server; use verify-full (the default when sslmode is not set)"
            )))
        }
    }
    let mut warnings: Vec<String> = tls
        .warnings
        .iter()
        .map(|w| {
            w.replace("the RDS certificate", "the Redshift certificate")
                .replace("the token", "the password")
                .replace("RDS", "Redshift")
        })
        .collect();
    warnings.extend(region.warning.clone());
    let (program, skip_env) = program_of(args, Some(client.name()))?;
    Ok(Resolved {
        client,
        program,
        skip_env,
        request,
        region,
        tls,
        ca_note,
        warnings,
    })
}

/// The plan: the target's variables, the returned user and password, TLS.
fn exec_plan(
    r: &Resolved,
    argv: &[std::ffi::OsString],
    user: &str,
    password: String,
    target_vars: &[(&'static str, String)],
) -> ExecPlan {
    let login = vec![
        EnvSet {
            name: "PGUSER",
            value: user.to_string(),
            secret: false,
        },
        EnvSet {
            name: "PGPASSWORD",
            value: password,
            secret: true,
        },
    ];
    super::pg::libpq_plan(&r.program, &r.skip_env, &r.tls, argv, login, target_vars)
}

/// A user the client's own arguments (or its service file) give would
/// override PGUSER, and a named target's user says who was meant: either
/// must be the user Redshift returned.
fn check_user(params: &PgParams, target_user: Option<&str>, returned: &str) -> Result<()> {
    let fix = format!(
        "Redshift issued the password for {returned:?}; drop the user (vouch sets PGUSER), or give exactly {returned:?} (--db-user takes the bare name)"
    );
    match &params.user {
        Some(u)
            if matches!(u.source, Source::Args | Source::Service { .. }) && u.value != returned =>
        {
            return Err(Error::config(format!(
                "the client is told to log in as {:?} (from {}), but {fix}",
                u.value, u.source
            )))
        }
        _ => {}
    }
    match target_user {
        Some(t) if t != returned => Err(Error::config(format!(
            "the target names the user {t:?}, but {fix}"
        ))),
        _ => Ok(()),
    }
}

pub(super) fn run_exec(
    ui: &Ui,
    args: &ExecArgs,
    client: PgClient,
    params: &PgParams,
    detected: &Detected,
    world: &dyn World,
    target_vars: &[(&'static str, String)],
) -> Result<Outcome> {
    let r = resolve(args, client, params, detected, world)?;
    ui.info(format!(
        "region {} (from {})",
        r.region.region, r.region.source
    ));
    for w in &r.warnings {
        ui.warn(w);
    }
    ui.info(format!("asking {}", r.request.describe()));
    let (creds, source) = get_credentials_for(ui, &args.aws, world, CALL_WINDOW)?;
    if args.explain {
        let plan = exec_plan(
            &r,
            &args.command,
            "<returned DbUser>",
            String::new(),
            target_vars,
        );
        print_stdout(&explain(&r, params, &plan, &source.to_string(), world)?)?;
        return Ok(Outcome::Code(0));
    }
    let endpoint = api::endpoint_for(&r.request, world)?;
    let issued = api::get_credentials(&r.request, &creds, &r.region.region, endpoint.as_deref())?;
    let target_user = target_vars
        .iter()
        .find(|(k, _)| *k == "PGUSER")
        .map(|(_, v)| v.as_str());
    check_user(params, target_user, &issued.db_user)?;
    let mut plan = exec_plan(
        &r,
        &args.command,
        &issued.db_user,
        issued.password.expose().to_owned(),
        target_vars,
    );
    if args.for_env {
        return Ok(Outcome::Env(env_out(params, plan, issued.expires)));
    }
    super::pg::seal_service_file(params, &mut plan)?;
    Err(exec::exec(&plan))
}

/// As for RDS, but the user is the one Redshift returned (in the plan).
fn env_out(params: &PgParams, plan: ExecPlan, expires: SystemTime) -> EnvOut {
    let resolved = [
        ("PGHOST", &params.host),
        ("PGHOSTADDR", &params.hostaddr),
        ("PGPORT", &params.port),
        ("PGDATABASE", &params.dbname),
    ];
    super::pg::libpq_env(&resolved, plan, expires)
}

fn explain(
    r: &Resolved,
    params: &PgParams,
    plan: &ExecPlan,
    source: &str,
    world: &dyn World,
) -> Result<String> {
    let endpoint = api::endpoint_for(&r.request, world)?;
    let mut added: Vec<String> = plan
        .set
        .iter()
        .map(|s| {
            if s.secret {
                format!("{}=<the returned DbPassword>", s.name)
            } else {
                format!("{}={}", s.name, s.value)
            }
        })
        .collect();
    if let Some(service) = &params.service_file {
        added.push(format!(
            "PGSERVICEFILE=<sealed in-memory copy of {}>",
            service.path.display()
        ));
    }
    let show = |s: &Option<crate::libpq::Setting>| match s {
        None => "(not set)".to_string(),
        Some(s) if s.value.to_ascii_lowercase().contains("password") => format!(
            "<hidden: the value mentions a password> (from {})",
            s.source
        ),
        Some(s) => format!("{} (from {})", s.value, s.source),
    };
    let mut lines = vec![
        (
            "client:",
            format!(
                "{} (libpq family) -> {}",
                r.client.name(),
                r.program.display()
            ),
        ),
        ("host:", show(&params.host)),
        ("port:", show(&params.port)),
        ("database:", show(&params.dbname)),
        (
            "redshift:",
            format!(
                "{} (needs {}), one call per run",
                r.request.describe(),
                r.request.action()
            ),
        ),
        (
            "region:",
            format!("{} (from {})", r.region.region, r.region.source),
        ),
        (
            "api:",
            endpoint.unwrap_or_else(|| "AWS's regional endpoint".into()),
        ),
        ("credentials:", source.to_string()),
        (
            "user:",
            "PGUSER = the DbUser Redshift returns (e.g. IAM:alice)".into(),
        ),
    ];
    lines.extend(explain_tail(
        format!("sslmode={}", r.tls.mode),
        r.tls.root_from_vouch,
        &r.ca_note,
        &added,
        &plan.argv,
        " (unchanged)",
    ));
    Ok(explain_text(&lines))
}

/// `vouch credential redshift`.
pub(super) fn run_credential(
    ui: &Ui,
    args: RedshiftCredentialArgs,
    world: &dyn World,
) -> Result<i32> {
    let flags = RedshiftOptions {
        cluster_id: args.cluster_id.clone(),
        workgroup: args.workgroup.clone(),
        ..RedshiftOptions::default()
    };
    let service = service_from_flags(&flags)?
        .ok_or_else(|| Error::config("say which: --cluster-id ID or --workgroup NAME"))?;
    let request = redshift::request(
        &service,
        &Options {
            db_user: args.db_user.clone(),
            db_name: args.db_name.clone(),
            auto_create: args.auto_create,
            db_groups: args.db_groups.clone(),
            duration: args.duration,
        },
    )?;
    let region = region_for(&args.aws, None, world)?;
    ui.info(format!("region {} (from {})", region.region, region.source));
    let (creds, _) = get_credentials_for(ui, &args.aws, world, CALL_WINDOW)?;
    let endpoint = api::endpoint_for(&request, world)?;
    let issued = api::get_credentials(&request, &creds, &region.region, endpoint.as_deref())?;
    let text = match args.format {
        CredentialFormat::Json => {
            credential_json(&issued.db_user, issued.password.expose(), issued.expires)
        }
        CredentialFormat::Env => {
            let secs = issued
                .expires
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_secs();
            shell::render(
                shell::Shell::Bash,
                &[
                    shell::Assign::export("PGUSER", issued.db_user.clone()),
                    shell::Assign::export("PGPASSWORD", issued.password.expose().to_owned()),
                    shell::Assign::export("VOUCH_EXPIRES_AT", secs.to_string()),
                ],
            )
        }
    };
    print_stdout(&text)?;
    Ok(0)
}

/// The AWS CLI's shape: `{"DbUser": ..., "DbPassword": ..., "Expiration": "...Z"}`.
fn credential_json(user: &str, password: &str, expires: SystemTime) -> String {
    let at = time::OffsetDateTime::from(expires)
        .replace_nanosecond(0)
        .unwrap_or_else(|_| time::OffsetDateTime::from(expires))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let q = |s: &str| serde_json::to_string(s).unwrap_or_default();
    format!(
        "{{\n    \"DbUser\": {},\n    \"DbPassword\": {},\n    \"Expiration\": {}\n}}\n",
        q(user),
        q(password),
        q(&at)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_json_has_the_cli_shape() {
        let t = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let j: serde_json::Value =
            serde_json::from_str(&credential_json("IAM:alice", "p\"w/+=", t)).unwrap();
        assert_eq!(j["DbUser"], "IAM:alice");
        assert_eq!(j["DbPassword"], "p\"w/+=");
        assert_eq!(j["Expiration"], "2027-01-15T08:00:00Z");
    }
}
