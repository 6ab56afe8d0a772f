//! Named targets for `exec` and `env`: find one by name (an allowed
//! project file first, then config.toml), check it fits the client, and
//! turn it into the connection defaults each client family reads.

use std::fs;
use std::io::Read;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::Ui;
use crate::cli::ExecArgs;
use crate::error::{shown, Error, Result};
use crate::named::{self, Engine, Target, Targets};
use crate::trust::{self, Verdict};
use crate::world::World;
use crate::{config, named::PROJECT_FILE};

/// The largest project file vouch reads.
const MAX_PROJECT_BYTES: u64 = 64 * 1024;

/// A project file as read once: its path as found, bytes and time.
pub(super) struct ProjectFile {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
    pub mtime: SystemTime,
}

/// Read the project file at the absolute `path` (symbolic links are
/// followed, but the trust is for `path` itself). Only a regular file of
/// at most 64 KiB owned by the user (or root) is read: a project file in
/// a folder others can write could be theirs.
pub(super) fn read_project(path: &Path) -> Result<ProjectFile> {
    if !path.is_absolute() {
        return Err(Error::config(format!(
            "{}: a project file is named by its absolute path",
            shown(path)
        )));
    }
    let what = || format!("cannot read {}", shown(path));
    // Non-blocking: a FIFO planted under the name must not hang vouch.
    let mut f = fs::OpenOptions::new()
        .read(true)
        .custom_flags(nix::fcntl::OFlag::O_NONBLOCK.bits())
        .open(path)
        .map_err(|e| Error::io(what(), &e))?;
    let meta = f.metadata().map_err(|e| Error::io(what(), &e))?;
    if !meta.is_file() {
        return Err(Error::config(format!(
            "{} is not a regular file; a project file is a TOML text file",
            shown(path)
        )));
    }
    let me = nix::unistd::geteuid().as_raw();
    if meta.uid() != me && meta.uid() != 0 {
        return Err(Error::denied(format!(
            "{} belongs to another user (uid {}); vouch only uses project files that are yours",
            shown(path),
            meta.uid()
        )));
    }
    let too_large = || {
        Error::config(format!(
            "{} is larger than 64 KiB; a project file only names targets",
            shown(path)
        ))
    };
    if meta.len() > MAX_PROJECT_BYTES {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    f.by_ref()
        .take(MAX_PROJECT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(what(), &e))?;
    // It may have grown since the fstat.
    if bytes.len() as u64 > MAX_PROJECT_BYTES {
        return Err(too_large());
    }
    let mtime = meta.modified().map_err(|e| Error::io(what(), &e))?;
    Ok(ProjectFile {
        path: path.to_path_buf(),
        bytes,
        mtime,
    })
}

/// Parse a project file's bytes.
pub(super) fn parse_project(f: &ProjectFile) -> Result<Targets> {
    let text = std::str::from_utf8(&f.bytes)
        .map_err(|_| Error::config(format!("{}: is not UTF-8 text", shown(&f.path))))?;
    named::parse_project(&f.path, text)
}

/// The working directory as the shell shows it: `$PWD` when it is an
/// absolute, clean path to this very directory (it keeps the names of
/// symbolic links the user went through, as the shell hook sees them),
/// else the physical one.
pub(super) fn logical_cwd() -> Result<PathBuf> {
    let physical =
        std::env::current_dir().map_err(|e| Error::io("cannot tell the working directory", &e))?;
    let pwd = std::env::var_os("PWD").map(PathBuf::from);
    let same = |p: &Path| match (fs::metadata(p), fs::metadata(".")) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    };
    Ok(match pwd {
        Some(p) if named::is_clean_absolute(&p) && same(&p) => p,
        _ => physical,
    })
}

/// The nearest project file at or above the working directory (as the
/// shell shows it, see [`logical_cwd`]).
pub(super) fn nearest_project() -> Option<PathBuf> {
    let cwd = logical_cwd().ok()?;
    named::find_project(&cwd, &|p: &Path| p.is_file())
}

/// The project file `given` names (a file, or a folder holding one) as an
/// absolute path, without resolving symbolic links (the name the shell
/// hook would find it by); else the nearest one.
pub(super) fn project_path(given: Option<&Path>) -> Result<PathBuf> {
    let Some(p) = given else {
        return nearest_project().ok_or_else(|| {
            Error::config(format!(
                "no {PROJECT_FILE} here or in any folder above; name one: vouch allow PATH"
            ))
        });
    };
    let abs = if p.is_absolute() {
        named::clean_path(p)
    } else {
        named::clean_path(&logical_cwd()?.join(p))
    };
    Ok(if abs.is_dir() {
        abs.join(PROJECT_FILE)
    } else {
        abs
    })
}

/// What the user sees about a project file that is not allowed.
pub(super) fn not_allowed(path: &Path, verdict: Verdict) -> String {
    match verdict {
        Verdict::Changed => format!(
            "{} changed since it was allowed; review it, then run `vouch allow` to use it again",
            shown(path)
        ),
        _ => format!(
            "{} is not allowed; review it (it chooses where vouch signs you in), then run `vouch allow` to use it",
            shown(path)
        ),
    }
}

/// The target `name`: from the nearest allowed project file, else from
/// config.toml. `origin` says where the name came from, for messages.
fn find(ui: &Ui, name: &str, origin: &str, world: &dyn World) -> Result<Target> {
    named::check_name(name).map_err(|m| Error::config(format!("{origin}: {m}")))?;
    let mut known: Vec<String> = Vec::new();
    // A project file that cannot be used is passed over with a warning:
    // the name may still be in config.toml.
    let project = nearest_project().map(|p| read_project(&p));
    if let Some(Err(e)) = &project {
        ui.warn(format!("{} (its targets are ignored)", e.message));
    }
    if let Some(Ok(f)) = project {
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
    known.sort();
    known.dedup();
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
            shown(&target.file),
            target.engine.name(),
            target.engine.name(),
            target.engine.default_client()
        )));
    }
    ui.info(format!(
        "target {:?} from {}",
        target.name,
        shown(&target.file)
    ));
    if args.aws.region.is_none() {
        args.aws.region.clone_from(&target.region);
    }
    if args.iam_host.is_none() {
        args.iam_host.clone_from(&target.iam_host);
    }
    if args.redshift.cluster_id.is_none()
        && args.redshift.workgroup.is_none()
        && (target.cluster_id.is_some() || target.workgroup.is_some())
    {
        args.redshift.cluster_id.clone_from(&target.cluster_id);
        args.redshift.workgroup.clone_from(&target.workgroup);
        args.redshift.target_host = Some(target.host.clone());
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
    if let Some(a) = &t.hostaddr {
        v.push(("PGHOSTADDR", a.clone()));
    }
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
