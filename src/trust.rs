//! Which project files (`.vouch.toml`) the user has allowed, like direnv's
//! `allow`: a record per allowed (real path, content) pair, named by the
//! SHA-256 of both, holding the path. A changed file has no record until
//! it is allowed again (which drops the path's older records); `deny`
//! removes the path's records. The shell hook can so test whether a file
//! is allowed with one `stat`, given the record's name from vouch.
//!
//! Records live in `$XDG_DATA_HOME/vouch/allow` (an absolute
//! `XDG_DATA_HOME` only), else `~/.local/share/vouch/allow`, a private
//! directory (0700, owned by the user, checked with its ancestors), and
//! are written atomically.

use std::fs;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::ca::private_dir;
use crate::error::{Error, Result};
use crate::world::World;

/// What the store says about a file's current content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// Never allowed (or denied).
    Unknown,
    /// Allowed once, with other content.
    Changed,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The store's directory (not created).
pub fn store_dir(world: &dyn World) -> Result<PathBuf> {
    if let Some(x) = world.var("XDG_DATA_HOME").filter(|x| x.starts_with('/')) {
        return Ok(PathBuf::from(x).join("vouch").join("allow"));
    }
    let home = world.home().ok_or_else(|| {
        Error::config("cannot find the home directory; set HOME or XDG_DATA_HOME")
    })?;
    Ok(home.join(".local/share/vouch/allow"))
}

/// The record that allows `content` at `real_path` (already resolved).
pub fn record_path(dir: &Path, real_path: &Path, content: &[u8]) -> PathBuf {
    let mut h = Sha256::new();
    h.update(real_path.as_os_str().as_encoded_bytes());
    h.update([0]);
    h.update(content);
    dir.join(hex(&h.finalize()))
}

fn record_text(real_path: &Path) -> String {
    format!("{}\n", real_path.display())
}

/// The records that name `real_path` (any content).
fn records_of(dir: &Path, real_path: &Path) -> Result<Vec<PathBuf>> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
        Err(e) => return Err(Error::config(format!("cannot list {}: {e}", dir.display()))),
    };
    let want = record_text(real_path);
    Ok(entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.file_name().is_some_and(|n| n.len() == 64))
        .filter(|p| fs::read_to_string(p).is_ok_and(|t| t == want))
        .collect())
}

/// Look the file up in the store.
pub fn check(dir: &Path, real_path: &Path, content: &[u8]) -> Result<Verdict> {
    if !dir.exists() {
        return Ok(Verdict::Unknown);
    }
    // A record is only believed in a directory nobody else controls.
    private_dir(dir)?;
    if record_path(dir, real_path, content).is_file() {
        return Ok(Verdict::Allowed);
    }
    Ok(if records_of(dir, real_path)?.is_empty() {
        Verdict::Unknown
    } else {
        Verdict::Changed
    })
}

/// Record `content` of `real_path` as allowed (the path's other records
/// go). Returns the record's path.
pub fn allow(dir: &Path, real_path: &Path, content: &[u8]) -> Result<PathBuf> {
    private_dir(dir)?;
    let record = record_path(dir, real_path, content);
    let tmp = dir.join(format!(".tmp.{}", std::process::id()));
    let write = || -> std::io::Result<()> {
        let _ = fs::remove_file(&tmp);
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(record_text(real_path).as_bytes())?;
        f.sync_all()?;
        fs::rename(&tmp, &record)
    };
    write().map_err(|e| {
        let _ = fs::remove_file(&tmp);
        Error::config(format!("cannot write {}: {e}", record.display()))
    })?;
    for old in records_of(dir, real_path)? {
        if old != record {
            let _ = fs::remove_file(old);
        }
    }
    Ok(record)
}

/// Touch the stamp for `real_path` (in a `pending` folder beside the
/// store) and return it: the shell hook, waiting for the file to be
/// allowed, looks again when the store changed after it. Creates the store
/// so there is something to compare with.
pub fn stamp(dir: &Path, real_path: &Path) -> Result<PathBuf> {
    private_dir(dir)?;
    let pending = dir.with_file_name("pending");
    private_dir(&pending)?;
    let name = hex(&Sha256::digest(real_path.as_os_str().as_encoded_bytes()));
    let stamp = pending.join(name);
    let _ = fs::remove_file(&stamp);
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&stamp)
        .map_err(|e| Error::config(format!("cannot write {}: {e}", stamp.display())))?;
    Ok(stamp)
}

/// Remove the records of `real_path`; true when there was one.
pub fn deny(dir: &Path, real_path: &Path) -> Result<bool> {
    let records = records_of(dir, real_path)?;
    for r in &records {
        fs::remove_file(r)
            .map_err(|e| Error::config(format!("cannot remove {}: {e}", r.display())))?;
    }
    Ok(!records.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn allow_check_change_deny() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("allow");
        let file = Path::new("/w/app/.vouch.toml");
        assert_eq!(check(&dir, file, b"a").unwrap(), Verdict::Unknown);
        let rec = allow(&dir, file, b"a").unwrap();
        assert_eq!(rec, record_path(&dir, file, b"a"));
        assert_eq!(
            fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
            0o700
        );
        assert_eq!(
            fs::metadata(&rec).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(check(&dir, file, b"a").unwrap(), Verdict::Allowed);
        assert_eq!(check(&dir, file, b"b").unwrap(), Verdict::Changed);
        // Allowing the new content drops the old record.
        let rec_b = allow(&dir, file, b"b").unwrap();
        assert!(!rec.exists() && rec_b.exists());
        assert_eq!(check(&dir, file, b"a").unwrap(), Verdict::Changed);
        allow(&dir, file, b"a").unwrap();
        // Another path with the same content is not allowed by it.
        assert_eq!(
            check(&dir, Path::new("/w/other/.vouch.toml"), b"a").unwrap(),
            Verdict::Unknown
        );
        assert!(deny(&dir, file).unwrap());
        assert!(!deny(&dir, file).unwrap());
        assert_eq!(check(&dir, file, b"a").unwrap(), Verdict::Unknown);
    }

    #[test]
    fn a_record_in_an_open_directory_is_not_believed() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("allow");
        let file = Path::new("/w/.vouch.toml");
        allow(&dir, file, b"a").unwrap();
        fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o777)).unwrap();
        let e = check(&dir, file, b"a").unwrap_err();
        assert!(e.message.contains("writable by others"), "{}", e.message);
        fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o700)).unwrap();
    }
}
