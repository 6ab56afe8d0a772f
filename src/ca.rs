//! The built-in RDS CA bundle (the public roots RDS servers chain to),
//! compiled into the binary and written once to a file the client can read,
//! in a 0700 cache directory vouch owns.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::world::World;

/// The bundle's text.
pub const RDS_CA_BUNDLE: &str = include_str!("../data/rds-global-bundle.pem");

const BUNDLE_REGIONS: &str = include_str!("../data/rds-ca-bundle-regions.txt");

/// The regions whose RDS roots the built-in bundle holds.
pub fn bundle_regions() -> impl Iterator<Item = &'static str> {
    BUNDLE_REGIONS
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// Does the built-in bundle hold the roots of `region`'s RDS servers?
pub fn bundle_covers(region: &str) -> bool {
    bundle_regions().any(|r| r == region)
}

/// Write `bytes` to `target` in the private directory `dir` atomically: a
/// 0600 temporary file there, `finish` (e.g. set its time, sync it), then
/// `rename(2)`; on any failure the temporary file goes and `target` is as
/// it was.
pub fn write_private(
    dir: &Path,
    target: &Path,
    bytes: &[u8],
    finish: impl FnOnce(&fs::File) -> std::io::Result<()>,
) -> Result<()> {
    let tmp = dir.join(format!(".tmp.{}", std::process::id()));
    let write = || -> std::io::Result<()> {
        let _ = fs::remove_file(&tmp);
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(bytes)?;
        finish(&f)?;
        fs::rename(&tmp, target)
    };
    write().map_err(|e| {
        let _ = fs::remove_file(&tmp);
        Error::io(format!("cannot write {}", crate::error::shown(target)), &e)
    })
}

/// vouch's cache directory: `$XDG_CACHE_HOME/vouch`, else `~/.cache/vouch`.
pub fn cache_dir(world: &dyn World) -> Result<PathBuf> {
    if let Some(x) = world.var("XDG_CACHE_HOME").filter(|x| x.starts_with('/')) {
        return Ok(PathBuf::from(x).join("vouch"));
    }
    let home = world.home().ok_or_else(|| {
        Error::config("cannot find the home directory; set HOME or XDG_CACHE_HOME")
    })?;
    Ok(home.join(".cache").join("vouch"))
}

/// Make sure `dir` exists as a private directory: created 0700 (with any
/// missing parents), a real directory (not a symlink) owned by this user
/// with mode 0700, under ancestors that nobody else can rename or replace
/// (each owned by root or this user, and not writable by others unless
/// sticky, like /tmp).
pub fn private_dir(dir: &Path) -> Result<()> {
    let me = nix::unistd::geteuid().as_raw();
    // Check the ancestors that exist before creating anything under them;
    // the ones vouch creates are its own, 0700.
    let mut existing = dir
        .parent()
        .ok_or_else(|| Error::config(format!("{} has no parent directory", dir.display())))?;
    while !existing.exists() {
        existing = existing.parent().unwrap_or(Path::new("/"));
    }
    let existing = fs::canonicalize(existing)
        .map_err(|e| Error::io(format!("cannot resolve {}", existing.display()), &e))?;
    for ancestor in existing.ancestors() {
        let meta = fs::metadata(ancestor)
            .map_err(|e| Error::io(format!("cannot inspect {}", ancestor.display()), &e))?;
        let owner_ok = meta.uid() == 0 || meta.uid() == me;
        let writable_by_others = meta.mode() & 0o022 != 0;
        let sticky = meta.mode() & 0o1000 != 0;
        if !owner_ok || (writable_by_others && !sticky) {
            return Err(Error::denied(format!(
                "{} is {}, so another user could replace vouch's files under it; use a private directory (set XDG_CACHE_HOME) or fix its owner and mode",
                ancestor.display(),
                if owner_ok { "writable by others" } else { "owned by another user" }
            )));
        }
    }
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| Error::io(format!("cannot create {}", dir.display()), &e))?;
    let meta = fs::symlink_metadata(dir)
        .map_err(|e| Error::io(format!("cannot inspect {}", dir.display()), &e))?;
    if !meta.is_dir() {
        return Err(Error::config(format!(
            "{} is not a directory (a symlink?); remove it so vouch can create its own",
            dir.display()
        )));
    }
    if meta.uid() != me {
        return Err(Error::denied(format!(
            "{} belongs to another user; remove it so vouch can create its own",
            dir.display()
        )));
    }
    if meta.mode() & 0o077 != 0 {
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(|e| {
            Error::io(
                format!(
                    "{} is open to others and cannot be made private",
                    dir.display()
                ),
                &e,
            )
        })?;
    }
    Ok(())
}

/// Where the built-in bundle lives on disk (it may not be written yet).
/// The name carries the version and size, so a new bundle gets a new file.
pub fn builtin_bundle_location(world: &dyn World) -> Result<PathBuf> {
    let name = format!(
        "rds-ca-bundle-{}-{}.pem",
        env!("CARGO_PKG_VERSION"),
        RDS_CA_BUNDLE.len()
    );
    Ok(cache_dir(world)?.join(name))
}

/// Write the built-in bundle to `path` (from [`builtin_bundle_location`])
/// unless it is there already. An existing file of the right size in a
/// private directory is trusted.
pub fn ensure_builtin_bundle(path: &Path) -> Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| Error::config("the CA bundle path has no directory"))?;
    private_dir(dir)?;
    if let Ok(meta) = fs::symlink_metadata(path) {
        if meta.is_file() && meta.len() == RDS_CA_BUNDLE.len() as u64 {
            return Ok(());
        }
    }
    let tmp = dir.join(format!(".rds-ca-{}.tmp", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o644)
            .open(&tmp)?;
        f.write_all(RDS_CA_BUNDLE.as_bytes())?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    };
    write().map_err(|e| {
        let _ = fs::remove_file(&tmp);
        Error::io(
            format!("cannot write the RDS CA bundle to {}", path.display()),
            &e,
        )
    })
}

/// Check a user-supplied bundle: an existing readable file holding at least
/// one PEM certificate. Returns its absolute path.
pub fn user_bundle(path: &Path) -> Result<PathBuf> {
    let text = fs::read_to_string(path)
        .map_err(|e| Error::config(format!("--ca-bundle {}: {e}", path.display())))?;
    if !text.contains("-----BEGIN CERTIFICATE-----") {
        return Err(Error::config(format!(
            "--ca-bundle {} holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
            path.display()
        )));
    }
    fs::canonicalize(path)
        .map_err(|e| Error::config(format!("--ca-bundle {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::FakeWorld;

    #[test]
    fn bundle_is_written_once_privately() {
        let d = tempfile::tempdir().unwrap();
        let w = FakeWorld::new().var("XDG_CACHE_HOME", d.path().to_str().unwrap());
        let p = builtin_bundle_location(&w).unwrap();
        assert!(!p.exists(), "finding the location writes nothing");
        ensure_builtin_bundle(&p).unwrap();
        assert_eq!(fs::read_to_string(&p).unwrap(), RDS_CA_BUNDLE);
        let dir_mode = fs::metadata(d.path().join("vouch")).unwrap().mode() & 0o777;
        assert_eq!(dir_mode, 0o700);
        ensure_builtin_bundle(&p).unwrap();
        assert!(bundle_covers("eu-west-1") && !bundle_covers("us-gov-west-1"));
        assert!(RDS_CA_BUNDLE.matches("BEGIN CERTIFICATE").count() > 50);
    }

    #[test]
    fn open_cache_dirs_are_made_private_and_open_parents_refused() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().join("vouch");
        fs::create_dir(&dir).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
        private_dir(&dir).unwrap();
        assert_eq!(fs::metadata(&dir).unwrap().mode() & 0o777, 0o700);
        // a parent anyone may write to, without the sticky bit
        let open = d.path().join("open");
        fs::create_dir(&open).unwrap();
        fs::set_permissions(&open, fs::Permissions::from_mode(0o777)).unwrap();
        let e = private_dir(&open.join("vouch")).unwrap_err();
        assert_eq!(e.code, crate::error::ExitCode::PermissionDenied);
        assert!(e.message.contains("writable by others"), "{e}");
        assert!(
            !open.join("vouch").exists(),
            "nothing is created under a refused parent"
        );
        // missing parents are created private
        let deep = d.path().join("a/b/vouch");
        private_dir(&deep).unwrap();
        assert_eq!(
            fs::metadata(d.path().join("a")).unwrap().mode() & 0o777,
            0o700
        );
    }

    #[test]
    fn symlinked_cache_dir_is_refused() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("elsewhere")).unwrap();
        std::os::unix::fs::symlink(d.path().join("elsewhere"), d.path().join("vouch")).unwrap();
        let w = FakeWorld::new().var("XDG_CACHE_HOME", d.path().to_str().unwrap());
        assert!(ensure_builtin_bundle(&builtin_bundle_location(&w).unwrap()).is_err());
    }

    #[test]
    fn user_bundle_must_hold_certificates() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("x.pem");
        fs::write(&f, "nothing").unwrap();
        assert!(user_bundle(&f).is_err());
        assert!(user_bundle(&d.path().join("missing.pem")).is_err());
        fs::write(&f, RDS_CA_BUNDLE).unwrap();
        assert_eq!(user_bundle(&f).unwrap(), fs::canonicalize(&f).unwrap());
    }
}
