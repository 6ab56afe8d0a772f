//! Named targets for `exec` and `env`: find one by name (an allowed
//! project file first, then config.toml), check it fits the client, and
//! turn it into the connection defaults each client family reads.

use std::path::{Path, PathBuf};

use super::Ui;
use crate::cli::ExecArgs;
use crate::error::{Error, Result};
use crate::named::{self, Engine, Target, Targets};
use crate::trust::{self, Verdict};
use crate::world::World;
use crate::{config, named::PROJECT_FILE};

/// A project file as read once: its real path and bytes.
pub(super) struct ProjectFile {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
}

/// Read the project file at `given` (resolved to its real path).
pub(super) fn read_project(given: &Path) -> Result<ProjectFile> {
    let path = std::fs::canonicalize(given)
        .map_err(|e| Error::config(format!("cannot read {}: {e}", given.display())))?;
    let bytes = std::fs::read(&path)
        .map_err(|e| Error::config(format!("cannot read {}: {e}", path.display())))?;
    Ok(ProjectFile { path, bytes })
}

/// Parse a project file's bytes.
pub(super) fn parse_project(f: &ProjectFile) -> Result<Targets> {
    let text = std::str::from_utf8(&f.bytes)
        .map_err(|_| Error::config(format!("{}: is not UTF-8 text", f.path.display())))?;
    named::parse_project(&f.path, text)
}

/// The nearest project file at or above the working directory.
pub(super) fn nearest_project() -> Option<PathBuf> {
    let cwd = std::env::current_dir().ok()?;
    named::find_project(&cwd, &|p: &Path| p.is_file())
}

/// What the user sees about a project file that is not allowed.
pub(super) fn not_allowed(path: &Path, verdict: Verdict) -> String {
    match verdict {
        Verdict::Changed => format!(
            "{} changed since it was allowed; review it, then run `vouch allow` to use it again",
            path.display()
        ),
        _ => format!(
            "{} is not allowed; review it (it chooses where vouch signs you in), then run `vouch allow` to use it",
            path.display()
        ),
    }
}

/// The target `name`: from the nearest allowed project file, else from
/// config.toml. `origin` says where the name came from, for messages.
fn find(ui: &Ui, name: &str, origin: &str, world: &dyn World) -> Result<Target> {
    named::check_name(name).map_err(|m| Error::config(format!("{origin}: {m}")))?;
    let mut known: Vec<String> = Vec::new();
    if let Some(p) = nearest_project() {
        let f = read_project(&p)?;
        let verdict = trust::check(&trust::store_dir(world)?, &f.path, &f.bytes)?;
        if verdict == Verdict::Allowed {
            let t = parse_project(&f)?;
            if let Some(t) = t.targets.get(name) {
                return Ok(t.clone());
            }
            known.extend(t.targets.keys().cloned());
        } else {
            ui.warn(format!(
                "{} (its targets are ignored)",
                not_allowed(&f.path, verdict)
            ));
        }
    }
    if let Some(cfg) = config::load(world)? {
        if let Some(t) = cfg.targets.targets.get(name) {
            return Ok(t.clone());
        }
        known.extend(cfg.targets.targets.keys().cloned());
    }
    Err(Error::config(format!(
        "{origin} names no target {name:?}; {}",
        if known.is_empty() {
            format!("define [targets.{name}] in config.toml or in an allowed {PROJECT_FILE}")
        } else {
            format!("known here: {}", known.join(", "))
        }
    )))
}

/// The target `args` ask for: a preset, `--target`, else `VOUCH_TARGET`.
pub(super) fn select(ui: &Ui, args: &ExecArgs, world: &dyn World) -> Result<Option<Target>> {
    Ok(Some(match (&args.preset, &args.target) {
        (Some(t), _) => t.clone(),
        (None, Some(name)) => find(ui, name, "--target", world)?,
        (None, None) => match world.var("VOUCH_TARGET").filter(|v| !v.is_empty()) {
            Some(name) => find(ui, &name, "VOUCH_TARGET (from the environment)", world)?,
            None => return Ok(None),
        },
    }))
}

/// The target `args` ask for (see [`select`]), checked against the
/// client's engine, with its region, iam-host and ca-bundle applied where
/// the flags leave them open.
pub(super) fn apply(
    ui: &Ui,
    args: &mut ExecArgs,
    engine: Engine,
    client: &str,
    world: &dyn World,
) -> Result<Option<Target>> {
    let Some(target) = select(ui, args, world)? else {
        return Ok(None);
    };
    if target.engine != engine {
        return Err(Error::config(format!(
            "target {:?} ({}) is a {} database, and {client} is not a {} client; use {} or another target",
            target.name,
            target.file.display(),
            target.engine.name(),
            target.engine.name(),
            target.engine.default_client()
        )));
    }
    ui.info(format!(
        "target {:?} from {}",
        target.name,
        target.file.display()
    ));
    if args.aws.region.is_none() {
        args.aws.region.clone_from(&target.region);
    }
    if args.iam_host.is_none() {
        args.iam_host.clone_from(&target.iam_host);
    }
    if engine == Engine::Mysql && args.ca_bundle.is_none() {
        // libpq clients get it as PGSSLROOTCERT (see pg_vars).
        args.ca_bundle.clone_from(&target.ca_bundle);
    }
    Ok(Some(target))
}

/// A PostgreSQL target as the libpq variables it stands for.
pub(super) fn pg_vars(t: &Target) -> Vec<(&'static str, String)> {
    let mut v = vec![("PGHOST", t.host.clone())];
    if let Some(p) = t.port {
        v.push(("PGPORT", p.to_string()));
    }
    if let Some(u) = &t.user {
        v.push(("PGUSER", u.clone()));
    }
    if let Some(d) = &t.dbname {
        v.push(("PGDATABASE", d.clone()));
    }
    if let Some(m) = t.tls {
        v.push(("PGSSLMODE", m.sslmode().to_string()));
    }
    if let Some(c) = &t.ca_bundle {
        v.push(("PGSSLROOTCERT", c.to_string_lossy().into_owned()));
    }
    v
}

/// A MySQL target as client options (placed before the user's own, which
/// override them). `database` only for clients that have that option.
pub(super) fn my_args(t: &Target, has_database: bool) -> Vec<String> {
    let mut a = vec![format!("--host={}", t.host)];
    if let Some(p) = t.port {
        a.push(format!("--port={p}"));
    }
    if let Some(u) = &t.user {
        a.push(format!("--user={u}"));
    }
    if let (Some(d), true) = (&t.dbname, has_database) {
        a.push(format!("--database={d}"));
    }
    a
}
